//! Per-run set-up of GPU runs: wall-clock vs GPU time of consecutive 100-step LIF runs.
//!
//! `cargo bench --bench run_setup` prints one JSON object per run: the population size, the
//! execution mode, the drive (`per_neuron`: a B×N slice handed to every run; `uploaded`: the
//! same values uploaded once with `Population::upload_drive`), the run's index in a sequence of
//! 10 consecutive runs (after one warm-up run), its wall time until the work is complete, its
//! GPU time from timestamp queries, and the difference (`host_ms`: set-up, submission, the
//! timestamp readback), and the buffers and bind groups the run created (`created`, 0 once the
//! population has run that shape). `host_ms` must not grow with the run index. `SPIKEGPU_RUN_SETUP_N`
//! (comma-separated) overrides the sizes, 1e5 and 1e6 by default.

use std::time::Instant;

use spikegpu::cells::{LifCell, LifParams};
use spikegpu::rng::Key;
use spikegpu::run::{Drive, DriveHandle, Record};
use spikegpu::{ExecMode, GpuContext, Population};

const STEPS: usize = 100;
const RUNS: usize = 10;
const DT: f64 = 0.1;

fn main() -> spikegpu::Result<()> {
    let ctx = match GpuContext::from_env() {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("no GPU adapter ({e}): nothing to measure");
            return Ok(());
        }
    };
    let sizes: Vec<usize> = std::env::var("SPIKEGPU_RUN_SETUP_N")
        .ok()
        .map(|v| {
            v.split(',')
                .filter_map(|s| s.trim().parse::<f64>().ok())
                .map(|x| x as usize)
                .collect()
        })
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    eprintln!("adapter: {}", ctx.adapter.name);
    for &n in &sizes {
        let inputs = Key::from_seed(2024).uniform(n, 15.0, 35.0);
        for (mode_name, mode) in [("fused", ExecMode::Fused), ("step", ExecMode::PerStep)] {
            for drive_name in drives() {
                let cell = LifCell::new(LifParams::with_tau_m(10.0))?;
                let mut pop = Population::gpu(&ctx, Box::new(cell), n, 1, 0)?;
                pop.backend_mut().set_timing(true);
                let held = hold(&mut pop, drive_name, &inputs)?;
                let none = Record::none();
                for run in 0..=RUNS {
                    let made = pop.backend().run_allocations();
                    let start = Instant::now();
                    pop.run_with(STEPS, DT, drive(&held, &inputs), &none, mode)?;
                    pop.synchronize()?;
                    let wall = start.elapsed().as_secs_f64();
                    let gpu = pop.backend().last_gpu_seconds().unwrap_or(f64::NAN);
                    let now = pop.backend().run_allocations();
                    let created = (now.buffers - made.buffers) + (now.bind_groups - made.bind_groups);
                    if run > 0 {
                        println!(
                            "{{\"n\": {n}, \"mode\": \"{mode_name}\", \"drive\": \"{drive_name}\", \"run\": {run}, \
                             \"wall_ms\": {:.3}, \"gpu_ms\": {:.3}, \"host_ms\": {:.3}, \"created\": {created}}}",
                            wall * 1e3,
                            gpu * 1e3,
                            (wall - gpu) * 1e3
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// The drives compared: a slice handed to every run, and the same values uploaded once.
fn drives() -> [&'static str; 2] {
    ["per_neuron", "uploaded"]
}

/// The handle of the uploaded drive, when that is the drive measured.
fn hold<B: spikegpu::Backend>(
    pop: &mut Population<B>,
    drive_name: &str,
    inputs: &[f32],
) -> spikegpu::Result<Option<DriveHandle>> {
    Ok(match drive_name {
        "uploaded" => Some(pop.upload_drive(Drive::PerNeuron(inputs))?),
        _ => None,
    })
}

/// The run's drive.
fn drive<'a>(held: &'a Option<DriveHandle>, inputs: &'a [f32]) -> Drive<'a> {
    match held {
        Some(handle) => Drive::Uploaded(handle),
        None => Drive::PerNeuron(inputs),
    }
}
