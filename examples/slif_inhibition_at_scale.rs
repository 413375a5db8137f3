//! SLIF with lateral inhibition at N = 100,000 — a size at which ngclearn cannot even build the
//! cell (its dense N×N matrices need 2 × 40 GB). spikegpu regenerates the inhibition weights
//! from the counter-based PRNG, so memory stays O(N).
//!
//! `cargo run --release --example slif_inhibition_at_scale -- [cpu|gpu] [N] [steps]`
//! (measure peak memory with `/usr/bin/time -v`).

use std::time::Instant;

use spikegpu::cells::{SlifCell, SlifParams};
use spikegpu::rng::Key;
use spikegpu::{Backend, GpuContext, Population};

fn simulate<B: Backend>(mut pop: Population<B>, steps: usize) -> spikegpu::Result<()> {
    let n = pop.n_units();
    // A drive that makes a small fraction of the population fire each step.
    let drive = Key::from_seed(1).uniform(n, 0.0, 0.6);
    let start = Instant::now();
    let mut total = 0.0;
    for k in 0..steps {
        pop.set_input(&drive)?;
        pop.step(1.0)?;
        let spikes: f32 = pop.read("s")?.iter().sum();
        total += spikes;
        if k % 10 == 0 || k + 1 == steps {
            println!("step {k:4}: {spikes:6} spikes");
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{n} units, {steps} steps, {total} spikes in {seconds:.2} s ({:.1} ms/step)",
        1e3 * seconds / steps as f64
    );
    Ok(())
}

fn main() -> spikegpu::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let backend = args.get(1).map_or("gpu", String::as_str);
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let steps: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(50);
    let cell = SlifCell::new(SlifParams {
        resist_inh: 0.01,
        refract_time: 2.0,
        ..SlifParams::new(10.0, 1.0, 0.5)
    })?;
    println!("SLIF, resist_inh = 0.01, N = {n}, backend {backend}");
    match backend {
        "cpu" => simulate(Population::cpu(Box::new(cell), n, 1, 5)?, steps),
        _ => {
            let ctx = GpuContext::from_env()?;
            println!("adapter: {}", ctx.adapter.name);
            simulate(Population::gpu(&ctx, Box::new(cell), n, 1, 5)?, steps)
        }
    }
}
