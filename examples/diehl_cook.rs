//! ngclearn's Diehl & Cook (2015) network trained without labels on Földiák's (1990) bars:
//! each image is a side × side grid with a few random horizontal and vertical bars. After
//! training, every excitatory cell is assigned the single bar it responds to most; the run
//! reports how selective the cells are (the fraction that answer one bar far more than any
//! other, and the mean selectivity index), the accuracy of a vote of the assigned cells on fresh
//! presentations of every bar, and draws the learnt receptive fields (`docs/diehl_cook_bars.png`).
//!
//! `cargo run --release --example diehl_cook -- [--side 8] [--n-exc 32] [--samples 400]
//!  [--backend cpu|gpu] [--seed N] [--out FILE.png]`
//!
//! The network is the exhibit's (`spikegpu::network::diehl_cook`), which reproduces ngclearn's
//! golden Diehl & Cook traces bit for bit in its spikes. Data: a NumPy file of images in [0, 1]
//! could be used the same way (`NetEngine::write` of `z0.inputs` per sample); bars need none.

use std::time::Instant;

use spikegpu::network::diehl_cook::{self, DiehlCookParams};
use spikegpu::network::{CpuNetwork, GpuNetwork, NetEngine};
use spikegpu::rng::Key;

struct Options {
    intensity: f32,
    w_norm: Option<f32>,
    side: usize,
    n_exc: usize,
    samples: usize,
    backend: String,
    seed: u64,
    out: String,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        intensity: 4.0,
        w_norm: None,
        side: 8,
        n_exc: 32,
        samples: 400,
        backend: "cpu".into(),
        seed: 1,
        out: "docs/diehl_cook_bars.png".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--side" => o.side = value("--side")?.parse().map_err(|e| format!("--side: {e}"))?,
            "--n-exc" => o.n_exc = value("--n-exc")?.parse().map_err(|e| format!("--n-exc: {e}"))?,
            "--samples" => o.samples = value("--samples")?.parse().map_err(|e| format!("--samples: {e}"))?,
            "--intensity" => o.intensity = value("--intensity")?.parse().map_err(|e| format!("--intensity: {e}"))?,
            "--w-norm" => o.w_norm = Some(value("--w-norm")?.parse().map_err(|e| format!("--w-norm: {e}"))?),
            "--seed" => o.seed = value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--backend" => o.backend = value("--backend")?,
            "--out" => o.out = value("--out")?,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(o)
}

/// Bar b of a side × side image: rows 0..side are horizontal bars, side..2·side vertical ones.
fn bar(side: usize, b: usize) -> Vec<f32> {
    (0..side * side)
        .map(|p| {
            let (y, x) = (p / side, p % side);
            if (b < side && y == b) || (b >= side && x == b - side) {
                1.0
            } else {
                0.0
            }
        })
        .collect()
}

/// A training image: each of the 2·side bars present with probability 1/side (at least one).
fn bars_image(side: usize, key: Key) -> Vec<f32> {
    let u = key.uniform01(2 * side);
    let mut chosen: Vec<usize> = (0..2 * side).filter(|&b| u[b] < 1.0 / side as f32).collect();
    if chosen.is_empty() {
        chosen.push((key.bits_at(2 * side as u64) as usize) % (2 * side));
    }
    let mut img = vec![0.0f32; side * side];
    for b in chosen {
        for (p, v) in bar(side, b).into_iter().enumerate() {
            img[p] = img[p].max(v);
        }
    }
    img
}

/// Presents one image (scaled by the intensity) with the library's exhibit routine.
fn present<E: NetEngine>(
    engine: &mut E,
    image: &[f32],
    steps: usize,
    learn: bool,
    w_norm: f32,
) -> spikegpu::Result<Vec<u32>> {
    let image: Vec<f32> = image.iter().map(|x| x * INTENSITY.with(|i| *i.borrow())).collect();
    diehl_cook::present(engine, &image, steps, learn.then_some(w_norm))
}

thread_local! {
    /// Poisson intensity of a lit pixel (rate = 63.75 Hz × intensity).
    static INTENSITY: std::cell::RefCell<f32> = const { std::cell::RefCell::new(1.0) };
}

fn train_and_evaluate<E: NetEngine>(
    mut train: E,
    make_eval: impl Fn(Vec<f32>) -> spikegpu::Result<E>,
    o: &Options,
    p: &DiehlCookParams,
) -> spikegpu::Result<()> {
    let start = Instant::now();
    let data = Key::from_seed(o.seed).fold_in(0xba55);
    for s in 0..o.samples {
        let image = bars_image(o.side, data.fold_in(s as u32));
        present(&mut train, &image, p.steps_per_sample, true, p.w_norm)?;
        if (s + 1) % 100 == 0 {
            eprintln!("trained on {} samples ({:.1} s)", s + 1, start.elapsed().as_secs_f64());
        }
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let w_port = train.graph().port("W1.weights")?;
    let weights = train.read(w_port)?;
    let mut eval = make_eval(weights.clone())?;
    let classes = 2 * o.side;
    // Responses to every single bar, twice: the first assigns, the second tests.
    let mut responses = vec![vec![vec![0u32; o.n_exc]; classes]; 2];
    for (round, r) in responses.iter_mut().enumerate() {
        for (b, row) in r.iter_mut().enumerate() {
            // Each round draws new Poisson trains: the keys have moved on.
            *row = present(&mut eval, &bar(o.side, b), p.steps_per_sample, false, p.w_norm)?;
            debug_assert!(round < 2);
        }
    }
    let assign: Vec<Option<usize>> = (0..o.n_exc)
        .map(|i| {
            let best = (0..classes).max_by_key(|&b| responses[0][b][i])?;
            (responses[0][best][i] > 0).then_some(best)
        })
        .collect();
    let mut selective = 0;
    let mut index_sum = 0.0;
    let mut active = 0;
    for i in 0..o.n_exc {
        let mut r: Vec<f64> = responses[0].iter().map(|row| f64::from(row[i])).collect();
        r.sort_by(|a, b| b.total_cmp(a));
        if r[0] == 0.0 {
            continue;
        }
        active += 1;
        if r[0] >= 2.0 * r[1] {
            selective += 1;
        }
        let others = r[1..].iter().sum::<f64>() / (classes - 1) as f64;
        index_sum += (r[0] - others) / (r[0] + others);
    }
    let mut correct = 0;
    for (b, response) in responses[1].iter().enumerate() {
        let mut votes = vec![0u32; classes];
        for (i, a) in assign.iter().enumerate() {
            if let Some(c) = a {
                votes[*c] += response[i];
            }
        }
        let guess = (0..classes).max_by_key(|&c| votes[c]).unwrap_or(0);
        if votes[guess] > 0 && guess == b {
            correct += 1;
        }
    }
    let covered = (0..classes).filter(|b| assign.contains(&Some(*b))).count();
    println!(
        "trained on {} images in {train_seconds:.1} s ({:.1} samples/s)",
        o.samples,
        o.samples as f64 / train_seconds
    );
    println!("responding cells: {active} of {}", o.n_exc);
    println!(
        "selective cells (best bar ≥ 2× the next): {selective} of {active} ({:.0} %), mean selectivity index {:.2}",
        100.0 * selective as f64 / active.max(1) as f64,
        index_sum / active.max(1) as f64
    );
    println!("bars with a cell of their own: {covered} of {classes}");
    println!(
        "accuracy on fresh presentations of every bar: {correct} of {classes} ({:.0} %)",
        100.0 * correct as f64 / classes as f64
    );
    #[cfg(feature = "plot")]
    {
        let tiles: Vec<Vec<f32>> = (0..o.n_exc)
            .map(|j| (0..o.side * o.side).map(|i| weights[i * o.n_exc + j]).collect())
            .collect();
        let title = format!(
            "Diehl & Cook on {0}x{0} bars: receptive fields of {1} cells",
            o.side, o.n_exc
        );
        spikegpu::plot::tiles(std::path::Path::new(&o.out), &title, &tiles, o.side, o.side)?;
        println!("receptive fields: {}", o.out);
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    INTENSITY.with(|i| *i.borrow_mut() = o.intensity);
    let n_in = o.side * o.side;
    let params = DiehlCookParams {
        seed: o.seed,
        // A bar lights `side` of the side² pixels: the exhibit's 0.1·n_in (for MNIST digits,
        // ~19 % of pixels lit) would leave the cells silent; 0.15·n_in lets a bar drive a cell.
        w_norm: o.w_norm.unwrap_or(0.15 * n_in as f32),
        ..DiehlCookParams::exhibit(n_in, o.n_exc)
    };
    let eval_params = DiehlCookParams {
        learn: false,
        ..params.clone()
    };
    let result = (|| -> spikegpu::Result<()> {
        match o.backend.as_str() {
            "cpu" => train_and_evaluate(
                CpuNetwork::new(diehl_cook::diehl_cook(&params)?)?,
                |w| {
                    let mut e = CpuNetwork::new(diehl_cook::diehl_cook(&eval_params)?)?;
                    let port = e.graph().port("W1.weights")?;
                    e.write(port, &w)?;
                    Ok(e)
                },
                &o,
                &params,
            ),
            _ => {
                let ctx = spikegpu::GpuContext::from_env()?;
                println!("backend: {} ({:?})", ctx.adapter.name, ctx.adapter.backend);
                train_and_evaluate(
                    GpuNetwork::new(&ctx, diehl_cook::diehl_cook(&params)?)?,
                    |w| {
                        let mut e = GpuNetwork::new(&ctx, diehl_cook::diehl_cook(&eval_params)?)?;
                        let port = e.graph().port("W1.weights")?;
                        e.write(port, &w)?;
                        Ok(e)
                    },
                    &o,
                    &params,
                )
            }
        }
    })();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
