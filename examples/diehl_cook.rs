//! ngclearn's Diehl & Cook (2015) network trained without labels, on your data or on Földiák's
//! (1990) bars, then read out with labels as Diehl & Cook do.
//!
//! `cargo run --release --example diehl_cook -- [options]`
//!
//! * **Your data**: `--images X.npy` (N images in [0, 1], shape (N, H, W) or (N, D), float32,
//!   float64 or uint8 divided by 255) and optionally `--labels Y.npy` (N integers). The images
//!   are shuffled with the seed (`--no-shuffle` keeps the file's order: data sets are often
//!   sorted by class), the last `--test` of them (default 20 % with labels) held out, and the
//!   network trains on `--samples` presentations of the others in order (default: one pass). With labels, every excitatory
//!   cell is then assigned its most responsive class over `--assign` training images (default:
//!   up to 1,000), and the run reports the accuracy on the held-out images
//!   (`spikegpu::network::readout`). Full size as the exhibit: 784 inputs and
//!   `--n-exc 100` … `6400` cells.
//! * **Bars** (no `--images`): each image a side × side grid with a few random horizontal and
//!   vertical bars; the classes are the 2·side single bars, each presented once to assign and once
//!   more to test.
//!
//! Both report how selective the cells are (the fraction of active cells whose best class gets
//! at least twice their second best, and the mean selectivity index) and draw the learnt
//! receptive fields (`--out`, default `docs/diehl_cook_bars.png` for bars and
//! `diehl_cook_fields.png` otherwise).
//!
//! Other options: `--n-exc N`, `--side S` (bars), `--intensity X` (Poisson rate of a pixel of 1:
//! 63.75 Hz × X), `--w-norm X` (column norm; the exhibit's 0.1 × inputs by default, 0.15 ×
//! for bars), `--steps N` per sample (the exhibit's 200), `--backend cpu|gpu`, `--seed N`.
//!
//! The network is the exhibit's (`spikegpu::network::diehl_cook`), which reproduces ngclearn's
//! golden Diehl & Cook traces bit for bit in its spikes.

use std::path::PathBuf;
use std::time::Instant;

use spikegpu::network::diehl_cook::{self, DiehlCookParams};
use spikegpu::network::readout::{ClassReadout, selectivity};
use spikegpu::network::{CpuNetwork, GpuNetwork, Graph, NetEngine};
use spikegpu::rng::Key;

struct Options {
    images: Option<PathBuf>,
    labels: Option<PathBuf>,
    test: Option<usize>,
    assign: usize,
    intensity: Option<f32>,
    w_norm: Option<f32>,
    side: usize,
    n_exc: Option<usize>,
    samples: Option<usize>,
    steps: usize,
    backend: String,
    seed: u64,
    shuffle: bool,
    out: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            images: None,
            labels: None,
            test: None,
            assign: 1000,
            intensity: None,
            w_norm: None,
            side: 8,
            n_exc: None,
            samples: None,
            steps: 200,
            backend: "cpu".into(),
            seed: 1,
            shuffle: true,
            out: None,
        }
    }
}

fn options() -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        fn parse<T: std::str::FromStr>(name: &str, v: String) -> Result<T, String>
        where
            T::Err: std::fmt::Display,
        {
            v.parse().map_err(|e| format!("{name} {v}: {e}"))
        }
        match a.as_str() {
            "--images" => o.images = Some(value(&a)?.into()),
            "--labels" => o.labels = Some(value(&a)?.into()),
            "--test" => o.test = Some(parse(&a, value(&a)?)?),
            "--assign" => o.assign = parse(&a, value(&a)?)?,
            "--side" => o.side = parse(&a, value(&a)?)?,
            "--n-exc" => o.n_exc = Some(parse(&a, value(&a)?)?),
            "--samples" => o.samples = Some(parse(&a, value(&a)?)?),
            "--steps" => o.steps = parse(&a, value(&a)?)?,
            "--intensity" => o.intensity = Some(parse(&a, value(&a)?)?),
            "--w-norm" => o.w_norm = Some(parse(&a, value(&a)?)?),
            "--seed" => o.seed = parse(&a, value(&a)?)?,
            "--backend" => o.backend = value(&a)?,
            "--out" => o.out = Some(value(&a)?),
            "--no-shuffle" => o.shuffle = false,
            other => return Err(format!("unknown option `{other}` (see the example's doc comment)")),
        }
    }
    if o.labels.is_some() && o.images.is_none() {
        return Err("--labels needs --images".into());
    }
    Ok(o)
}

/// Where the samples come from: the training stream, and labelled presentations to assign
/// classes and to test.
struct Data {
    train: Box<dyn Fn(usize) -> Vec<f32>>,
    train_len: usize,
    assign: Vec<(Vec<f32>, usize)>,
    test: Vec<(Vec<f32>, usize)>,
    n_classes: usize,
    /// Receptive-field tile (width, height).
    tile: (usize, usize),
    /// Whether `assign`/`test` carry real labels.
    labelled: bool,
}

/// Bar b of a side × side image: rows 0..side are horizontal bars, side..2·side vertical ones.
fn bar(side: usize, b: usize) -> Vec<f32> {
    (0..side * side)
        .map(|p| {
            let (y, x) = (p / side, p % side);
            f32::from(u8::from((b < side && y == b) || (b >= side && x == b - side)))
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

fn bars(side: usize, seed: u64) -> Data {
    let singles: Vec<(Vec<f32>, usize)> = (0..2 * side).map(|b| (bar(side, b), b)).collect();
    let data = Key::from_seed(seed).fold_in(0xba55);
    Data {
        train: Box::new(move |s| bars_image(side, data.fold_in(s as u32))),
        train_len: usize::MAX,
        assign: singles.clone(),
        test: singles,
        n_classes: 2 * side,
        tile: (side, side),
        labelled: true,
    }
}

/// Images (and labels) from `.npy` files, the last `test` held out.
fn from_files(o: &Options) -> Result<Data, String> {
    let path = o.images.as_deref().ok_or("no --images")?;
    let images = spikegpu::npy::read(path).map_err(|e| e.to_string())?;
    let n = *images
        .shape
        .first()
        .ok_or(format!("{}: a 0-d array has no images", path.display()))?;
    let size: usize = images.shape[1..].iter().product();
    if n == 0 || size == 0 {
        return Err(format!("{}: shape {:?} holds no images", path.display(), images.shape));
    }
    let scale = if images.descr == "|u1" { 1.0 / 255.0 } else { 1.0 };
    let pixels: Vec<f32> = images.values.iter().map(|&v| (v * scale) as f32).collect();
    if let Some(at) = pixels.iter().position(|v| !(0.0..=1.0).contains(v)) {
        return Err(format!(
            "{}: value {} at flat index {at} is outside [0, 1] (scale the images first)",
            path.display(),
            pixels[at]
        ));
    }
    let labels: Option<Vec<usize>> = match &o.labels {
        None => None,
        Some(lp) => {
            let l = spikegpu::npy::read(lp).map_err(|e| e.to_string())?;
            if !l.is_integer() || l.values.len() != n || l.values.iter().any(|&v| v < 0.0) {
                return Err(format!(
                    "{}: expected {n} non-negative integer labels (one per image), found {} values of {}",
                    lp.display(),
                    l.values.len(),
                    l.descr
                ));
            }
            Some(l.values.iter().map(|&v| v as usize).collect())
        }
    };
    let test = o.test.unwrap_or(if labels.is_some() { n / 5 } else { 0 });
    if test >= n {
        return Err(format!("--test {test} leaves no training images of {n}"));
    }
    let train_len = n - test;
    let order = shuffled(n, o.shuffle.then(|| Key::from_seed(o.seed).fold_in(0x5eed)));
    let image = |s: usize| pixels[order[s] * size..(order[s] + 1) * size].to_vec();
    let labelled = |range: std::ops::Range<usize>| -> Vec<(Vec<f32>, usize)> {
        match &labels {
            Some(l) => range.map(|s| (image(s), l[order[s]])).collect(),
            None => Vec::new(),
        }
    };
    let tile = match images.shape.len() {
        3 => (images.shape[2], images.shape[1]),
        _ => {
            let side = (size as f64).sqrt().round() as usize;
            if side * side == size { (side, side) } else { (size, 1) }
        }
    };
    let train_pixels: Vec<f32> = (0..train_len).flat_map(image).collect();
    Ok(Data {
        train: Box::new(move |s| {
            let s = s % train_len;
            train_pixels[s * size..(s + 1) * size].to_vec()
        }),
        train_len,
        assign: labelled(0..o.assign.min(train_len)),
        test: labelled(train_len..n),
        n_classes: labels.as_ref().map_or(0, |l| l.iter().max().map_or(0, |m| m + 1)),
        tile,
        labelled: labels.is_some(),
    })
}

/// `0..n`, shuffled by Fisher–Yates with the key's draws (in order without one).
fn shuffled(n: usize, key: Option<Key>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    if let Some(key) = key {
        for i in (1..n).rev() {
            order.swap(i, key.bits_at(i as u64) as usize % (i + 1));
        }
    }
    order
}

/// Presents one image scaled by the Poisson intensity with the library's exhibit routine.
fn present<E: NetEngine>(
    engine: &mut E,
    image: &[f32],
    intensity: f32,
    p: &DiehlCookParams,
) -> spikegpu::Result<Vec<u32>> {
    let image: Vec<f32> = image.iter().map(|x| x * intensity).collect();
    diehl_cook::present(engine, &image, p.steps_per_sample, p.learn.then_some(p.w_norm))
}

/// Trains a network built by `engine` on `data`, then (with labels) evaluates a copy that does
/// not learn, built the same way with the trained weights.
fn train_and_evaluate<E: NetEngine>(
    engine: impl Fn(Graph) -> spikegpu::Result<E>,
    data: &Data,
    samples: usize,
    intensity: f32,
    p: &DiehlCookParams,
    out: &str,
) -> spikegpu::Result<Report> {
    let mut report = Report::default();
    let mut train = engine(diehl_cook::diehl_cook(p)?)?;
    let start = Instant::now();
    for s in 0..samples {
        present(&mut train, &(data.train)(s), intensity, p)?;
        if (s + 1) % 100 == 0 || s + 1 == samples {
            eprint!(
                "\rtrained on {} of {samples} samples ({:.1} s)",
                s + 1,
                start.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!();
    let train_seconds = start.elapsed().as_secs_f64();
    println!(
        "trained on {samples} images in {train_seconds:.1} s ({:.1} samples/s)",
        samples as f64 / train_seconds
    );
    let weights = train.read(train.graph().port("W1.weights")?)?;
    if data.labelled {
        let eval_params = DiehlCookParams {
            learn: false,
            ..p.clone()
        };
        let mut eval = engine(diehl_cook::diehl_cook(&eval_params)?)?;
        eval.write(eval.graph().port("W1.weights")?, &weights)?;
        let mut respond = |set: &[(Vec<f32>, usize)]| -> spikegpu::Result<(Vec<Vec<u32>>, Vec<usize>)> {
            let responses = set
                .iter()
                .map(|(image, _)| present(&mut eval, image, intensity, &eval_params))
                .collect::<spikegpu::Result<_>>()?;
            Ok((responses, set.iter().map(|(_, l)| *l).collect()))
        };
        let (assign_r, assign_l) = respond(&data.assign)?;
        let readout = ClassReadout::fit(&assign_r, &assign_l, data.n_classes)?;
        let sel = selectivity(&assign_r, &assign_l, data.n_classes)?;
        println!("responding cells: {} of {}", sel.active, p.n_exc);
        println!(
            "selective cells (best class ≥ 2× the next): {} of {} ({:.0} %), mean selectivity index {:.2}",
            sel.selective,
            sel.active,
            100.0 * sel.selective as f64 / sel.active.max(1) as f64,
            sel.mean_index
        );
        println!(
            "classes with a cell of their own: {} of {}",
            readout.classes_covered(),
            data.n_classes
        );
        report.selectivity = Some(sel);
        if !data.test.is_empty() {
            let (test_r, test_l) = respond(&data.test)?;
            let accuracy = readout.accuracy(&test_r, &test_l);
            println!(
                "accuracy on {} held-out images: {:.1} % (readout fitted on {} training images)",
                data.test.len(),
                100.0 * accuracy,
                data.assign.len()
            );
            report.accuracy = Some(accuracy);
        }
    }
    #[cfg(feature = "plot")]
    {
        let (w, h) = data.tile;
        let tiles: Vec<Vec<f32>> = (0..p.n_exc)
            .map(|j| (0..p.n_in).map(|i| weights[i * p.n_exc + j]).collect())
            .collect();
        let title = format!(
            "Diehl & Cook: receptive fields of {} cells after {samples} images",
            p.n_exc
        );
        spikegpu::plot::tiles(std::path::Path::new(out), &title, &tiles, w, h)?;
        println!("receptive fields: {out}");
    }
    #[cfg(not(feature = "plot"))]
    let _ = out;
    Ok(report)
}

/// What a run measured (for the tests).
#[derive(Debug, Default)]
struct Report {
    selectivity: Option<spikegpu::network::readout::Selectivity>,
    accuracy: Option<f64>,
}

fn run(o: &Options) -> Result<Report, Box<dyn std::error::Error>> {
    let data = match &o.images {
        Some(_) => from_files(o)?,
        None => bars(o.side, o.seed),
    };
    let n_in = data.tile.0 * data.tile.1;
    let is_bars = o.images.is_none();
    let n_exc = o.n_exc.unwrap_or(if is_bars { 32 } else { 100 });
    let samples = o.samples.unwrap_or(if is_bars { 400 } else { data.train_len });
    let params = DiehlCookParams {
        seed: o.seed,
        steps_per_sample: o.steps,
        // A bar lights `side` of the side² pixels: the exhibit's 0.1·n_in (for MNIST digits,
        // ~19 % of pixels lit) would leave the cells silent; 0.15·n_in lets a bar drive a cell.
        w_norm: o.w_norm.unwrap_or(if is_bars { 0.15 } else { 0.1 } * n_in as f32),
        ..DiehlCookParams::exhibit(n_in, n_exc)
    };
    let intensity = o.intensity.unwrap_or(if is_bars { 4.0 } else { 1.0 });
    let out = o.out.clone().unwrap_or_else(|| {
        if is_bars {
            "docs/diehl_cook_bars.png"
        } else {
            "diehl_cook_fields.png"
        }
        .to_string()
    });
    println!(
        "{}: {n_in} inputs, {n_exc} excitatory cells, {} steps per sample, {samples} training samples",
        if is_bars { "bars" } else { "data" },
        params.steps_per_sample
    );
    let result = match o.backend.as_str() {
        "cpu" => train_and_evaluate(CpuNetwork::new, &data, samples, intensity, &params, &out),
        "gpu" => {
            let ctx = spikegpu::GpuContext::from_env()?;
            println!("backend: {} ({:?})", ctx.adapter.name, ctx.adapter.backend);
            train_and_evaluate(|g| GpuNetwork::new(&ctx, g), &data, samples, intensity, &params, &out)
        }
        other => return Err(format!("--backend {other}: expected cpu or gpu").into()),
    };
    Ok(result?)
}

fn main() -> std::process::ExitCode {
    match options().map_err(Into::into).and_then(|o| run(&o)) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A labelled data set written as NumPy files (uint8 images, int64 labels): the single bars
    /// of a 4 × 4 grid, six of each, shuffled. Diehl & Cook's read-out must beat chance (1/8)
    /// by far on the held-out copies.
    #[test]
    fn learns_labelled_npy_images_and_rejects_bad_files() {
        let dir = std::env::temp_dir().join(format!("spikegpu_dc_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let order: Vec<usize> = (0..48).map(|s| (s * 5) % 8).collect();
        let pixels: Vec<f32> = order.iter().flat_map(|&b| bar(4, b)).map(|v| v * 255.0).collect();
        let u8_bytes = spikegpu::npy::encode(&pixels, &[48, 4, 4]).unwrap();
        // Re-encode as uint8 by hand: spikegpu writes floats only.
        let header_end = u8_bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
        let header = String::from_utf8(u8_bytes[10..header_end].to_vec())
            .unwrap()
            .replace("<f4", "|u1");
        let mut file = b"\x93NUMPY\x01\x00".to_vec();
        file.extend_from_slice(&(header.len() as u16).to_le_bytes());
        file.extend_from_slice(header.as_bytes());
        file.extend(pixels.iter().map(|&v| v as u8));
        let images = dir.join("images.npy");
        std::fs::write(&images, file).unwrap();
        let labels = dir.join("labels.npy");
        let label_values: Vec<i64> = order.iter().map(|&b| b as i64).collect();
        spikegpu::npy::write(&labels, &label_values, &[48]).unwrap();
        let options = Options {
            images: Some(images.clone()),
            labels: Some(labels.clone()),
            test: Some(16),
            n_exc: Some(16),
            samples: Some(64),
            steps: 100,
            intensity: Some(4.0),
            w_norm: Some(0.15 * 16.0),
            out: Some(dir.join("fields.png").display().to_string()),
            ..Options::default()
        };
        let report = run(&options).unwrap();
        let accuracy = report.accuracy.unwrap();
        assert!(accuracy >= 0.5, "accuracy {accuracy} on single bars (chance 0.125)");
        assert!(report.selectivity.unwrap().active > 0);

        spikegpu::npy::write(&labels, &label_values[..47], &[47]).unwrap();
        let e = run(&options).unwrap_err().to_string();
        assert!(e.contains("expected 48 non-negative integer labels"), "{e}");
        spikegpu::npy::write(&images, &pixels, &[48, 16]).unwrap();
        let e = run(&Options {
            labels: None,
            ..options
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("outside [0, 1]"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
