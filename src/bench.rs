//! The benchmark harness behind `spikegpu bench`: every chosen cell × size × backend × mode,
//! timed after a warm-up, checked against the CPU reference, reported as a table and JSON.
//!
//! Each row's numbers:
//! * **time**: the median over the repeats of one run of `steps` steps, wall clock until the
//!   work is complete (GPU: also the timestamp-query time of the compute passes, where the
//!   adapter has timestamps);
//! * **neuron-steps/s** = N × steps / time;
//! * **effective GB/s**: the state bytes the kernel moves per neuron-step
//!   ([`state_bytes_per_neuron_step`]) × neuron-steps/s. In per-step mode every non-input
//!   compartment is read and written once per step, plus the input; in fused mode the state
//!   moves once per run, so GB/s there is small and neuron-steps/s is the number to read;
//! * **speed-up** over the CPU backend's row of the same cell, N and mode in the same sweep;
//! * **check**: a fresh population of the row's backend and mode runs [`CHECK_STEPS`] steps
//!   (or the row's steps, if fewer) and is compared with the CPU reference on the same input
//!   (for element-wise cells on the first [`CHECK_NEURONS`] neurons, which are independent; for
//!   coupled cells on the whole population up to [`CHECK_COUPLED_MAX`] neurons). The timed
//!   runs themselves are not compared: over thousands of steps, single-ulp differences of a
//!   GPU's fused multiply-adds can move one near-threshold spike by a step, after which that
//!   neuron's trajectory legitimately differs.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;

use crate::backend::{Backend, ExecMode};
use crate::cells::{CellEntry, CellModel};
use crate::error::Result;
use crate::gpu::{GpuApi, GpuContext};
use crate::population::Population;
use crate::rng::Key;
use crate::run::{Drive, Record};
use crate::selfcheck::{Exactness, compare_compartment_of};

/// Neurons compared with the CPU for element-wise cells.
pub const CHECK_NEURONS: usize = 4096;
/// Steps of the correctness check of a row.
pub const CHECK_STEPS: usize = 100;
/// Largest coupled (row-reduction) population compared with the CPU in full.
pub const CHECK_COUPLED_MAX: usize = 100_000;

/// Where a row runs.
#[derive(Debug, Clone)]
pub enum BenchTarget {
    /// The CPU backend.
    Cpu,
    /// A GPU context.
    Gpu(Arc<GpuContext>),
}

impl BenchTarget {
    /// "cpu" or the adapter's API name.
    pub fn backend_name(&self) -> String {
        match self {
            BenchTarget::Cpu => "cpu".into(),
            BenchTarget::Gpu(ctx) => format!("{:?}", ctx.adapter.backend).to_lowercase(),
        }
    }

    /// The adapter's name (or the CPU's thread count).
    pub fn device_name(&self) -> String {
        match self {
            BenchTarget::Cpu => {
                format!("{} threads", crate::cpu::default_threads())
            }
            BenchTarget::Gpu(ctx) => ctx.adapter.name.clone(),
        }
    }
}

/// One row of results.
#[derive(Debug, Clone, Serialize)]
pub struct BenchRow {
    /// spikegpu cell key.
    pub cell: String,
    /// cpu, vulkan, metal, dx12, gl.
    pub backend: String,
    /// Adapter name (or CPU threads).
    pub device: String,
    /// Neurons.
    pub n: usize,
    /// Steps per timed run.
    pub steps: usize,
    /// `step` or `fused` (what actually ran: cells with row passes always run per step).
    pub mode: String,
    /// Median wall time of a run (s).
    pub seconds: f64,
    /// Median GPU timestamp time of a run (s), when measured.
    pub gpu_seconds: Option<f64>,
    /// Neuron-steps per second (from wall time).
    pub neuron_steps_per_s: f64,
    /// Effective state bandwidth (GB/s).
    pub gb_per_s: f64,
    /// Speed-up over the CPU row of the same cell, N and mode.
    pub speedup_vs_cpu: Option<f64>,
    /// "ok", "skipped (...)", or "MISMATCH: ...".
    pub check: String,
}

/// State bytes a step moves per neuron: every non-input compartment read and written once, plus
/// the input current read.
pub fn state_bytes_per_neuron_step(cell: &dyn CellModel, mode: ExecMode, steps: usize) -> f64 {
    let state = (cell.compartments().len() - 1) as f64 * 4.0 * 2.0;
    match mode {
        ExecMode::PerStep => state + 4.0,
        _ => state / steps as f64 + 4.0,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The canonical variant benchmarked for a cell: its first variant (default options, Euler).
pub fn bench_cell(entry: &CellEntry) -> Box<dyn CellModel> {
    (entry.variants)().swap_remove(0)
}

/// A per-neuron drive in the cell's input range, the same on every backend.
fn drive_values(cell: &dyn CellModel, n: usize) -> Vec<f32> {
    let (lo, hi) = cell.random_ranges()[0];
    Key::from_seed(2024).uniform(n, lo + 0.3 * (hi - lo), lo + 0.7 * (hi - lo))
}

/// Whether the bench's CPU backend (all cores, batch 1) splits this cell's row of `n` units
/// over threads when not asked for the per-step reference (the row's "split" mode).
pub fn splits_row(cell: &dyn CellModel, n: usize) -> bool {
    crate::cpu::splits_row(cell, 1, n, crate::cpu::default_threads())
}

/// The least time a row runs before it is timed.
const WARM_UP: std::time::Duration = std::time::Duration::from_millis(200);

/// Runs one row: warm-up (0.2 s of runs, at least one), `repeats` timed runs, and the
/// check against the CPU.
pub fn run_row(
    entry: &CellEntry,
    target: &BenchTarget,
    n: usize,
    steps: usize,
    mode: ExecMode,
    repeats: usize,
) -> Result<BenchRow> {
    let cell = bench_cell(entry);
    let dt = cell.check_dt();
    let inputs = drive_values(cell.as_ref(), n);
    let drive = Drive::PerNeuron(&inputs);
    let mut pop: Population<Box<dyn Backend>> = match target {
        BenchTarget::Cpu => Population::cpu(cell.boxed(), n, 1, 1)?.map_backend(|b| Box::new(b) as Box<dyn Backend>),
        BenchTarget::Gpu(ctx) => {
            Population::gpu(ctx, cell.boxed(), n, 1, 1)?.map_backend(|b| Box::new(b) as Box<dyn Backend>)
        }
    };
    let none = Record::none();
    // Warm up for WARM_UP at least, not one run: a run of a few milliseconds right after start
    // ran at half speed in up to half the timed runs on the shared 2-core machine (the cores
    // not yet at speed, or the threads not yet spread over them).
    let warming = Instant::now();
    loop {
        pop.run_with(steps, dt, drive, &none, mode)?;
        pop.synchronize()?;
        if warming.elapsed() >= WARM_UP {
            break;
        }
    }
    let mut times = Vec::with_capacity(repeats);
    let mut gpu_times = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        pop.run_with(steps, dt, drive, &none, mode)?;
        pop.synchronize()?;
        times.push(start.elapsed().as_secs_f64());
    }
    if let BenchTarget::Gpu(ctx) = target
        && ctx.adapter.timestamps
    {
        // A separate timed pass: timestamps make each run wait for its readback.
        let mut timed = Population::gpu(ctx, cell.boxed(), n, 1, 1)?;
        timed.backend_mut().set_timing(true);
        for _ in 0..repeats.max(1) {
            timed.run_with(steps, dt, drive, &none, mode)?;
            if let Some(s) = timed.backend().last_gpu_seconds() {
                gpu_times.push(s);
            }
        }
    }
    let seconds = median(times);
    let rate = (n * steps) as f64 / seconds;
    let ran_mode = if mode.fuses(cell.as_ref()) {
        ExecMode::Fused
    } else {
        ExecMode::PerStep
    };
    let check = check_row(cell.as_ref(), target, n, steps.min(CHECK_STEPS), mode, dt, &inputs)?;
    Ok(BenchRow {
        cell: entry.key.to_string(),
        backend: target.backend_name(),
        device: target.device_name(),
        n,
        steps,
        mode: if ran_mode == ExecMode::Fused {
            "fused".into()
        } else if mode != ExecMode::PerStep && matches!(target, BenchTarget::Cpu) && splits_row(cell.as_ref(), n) {
            "split".into()
        } else {
            "step".into()
        },
        seconds,
        gpu_seconds: (!gpu_times.is_empty()).then(|| median(gpu_times)),
        neuron_steps_per_s: rate,
        gb_per_s: rate * state_bytes_per_neuron_step(cell.as_ref(), ran_mode, steps) / 1e9,
        speedup_vs_cpu: None,
        check,
    })
}

/// Runs a fresh GPU population for `check_steps` steps and compares it with the CPU reference
/// on the same drive.
fn check_row(
    cell: &dyn CellModel,
    target: &BenchTarget,
    n: usize,
    check_steps: usize,
    mode: ExecMode,
    dt: f64,
    inputs: &[f32],
) -> Result<String> {
    let BenchTarget::Gpu(ctx) = target else {
        return Ok("reference".into());
    };
    let sample = if cell.has_row_passes() {
        if n > CHECK_COUPLED_MAX {
            return Ok(format!("skipped (coupled cell, N > {CHECK_COUPLED_MAX})"));
        }
        n
    } else {
        n.min(CHECK_NEURONS)
    };
    let mut gpu = Population::gpu(ctx, cell.boxed(), n, 1, 1)?;
    gpu.run_with(check_steps, dt, Drive::PerNeuron(inputs), &Record::none(), mode)?;
    let mut cpu = Population::cpu(cell.boxed(), sample, 1, 1)?;
    cpu.run_with(
        check_steps,
        dt,
        Drive::PerNeuron(&inputs[..sample]),
        &Record::none(),
        ExecMode::Auto,
    )?;
    let exactness = Exactness::for_cell(ctx, cell);
    for comp in cell.compartments() {
        let values = gpu.read(comp.name)?;
        let reference = cpu.read(comp.name)?;
        if let Some(diff) = compare_compartment_of(cell, comp.name, &values[..sample], &reference, exactness) {
            return Ok(format!("MISMATCH: {diff}"));
        }
    }
    Ok(format!("ok ({sample} neurons, {check_steps} steps)"))
}

/// Fills in each GPU row's speed-up over the CPU row of the same cell, N and mode.
pub fn add_speedups(rows: &mut [BenchRow]) {
    let cpu: Vec<(String, usize, String, f64)> = rows
        .iter()
        .filter(|r| r.backend == "cpu")
        .map(|r| (r.cell.clone(), r.n, r.mode.clone(), r.neuron_steps_per_s))
        .collect();
    for row in rows.iter_mut().filter(|r| r.backend != "cpu") {
        row.speedup_vs_cpu = cpu
            .iter()
            .find(|(c, n, m, _)| *c == row.cell && *n == row.n && *m == row.mode)
            .map(|(_, _, _, rate)| row.neuron_steps_per_s / rate);
    }
}

/// The GPU targets named on the command line (`vulkan`, `metal`, `dx12`, `gl`, `gpu` for the
/// environment's choice, `all` for every API that has an adapter). A named API without an
/// adapter is an error; `gpu` without one is a warning.
pub fn gpu_targets(names: &[String]) -> Result<Vec<BenchTarget>> {
    let mut out = Vec::new();
    for name in names {
        match name.as_str() {
            "cpu" => {}
            "all" => {
                for api in [GpuApi::Vulkan, GpuApi::Metal, GpuApi::Dx12, GpuApi::Gl] {
                    if let Ok(ctx) = GpuContext::new(api) {
                        out.push(BenchTarget::Gpu(Arc::new(ctx)));
                    }
                }
            }
            // The default: best effort, so the CPU rows still run on a machine without a GPU.
            "gpu" => match GpuContext::from_env() {
                Ok(ctx) => out.push(BenchTarget::Gpu(ctx)),
                Err(e) => eprintln!("warning: no GPU, benchmarking the CPU only: {e}"),
            },
            other => out.push(BenchTarget::Gpu(Arc::new(GpuContext::new(GpuApi::parse(other)?)?))),
        }
    }
    Ok(out)
}
