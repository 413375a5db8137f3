//! The built-in self-check of `spikegpu validate`: every implemented cell × integrator × option,
//! GPU against the CPU reference from random states with random inputs, plus the WGSL PRNG
//! against the Rust one. This is what a user runs on their own GPU.
//!
//! On a software adapter (lavapipe) `+ - * /` are plain IEEE float32, so results must be
//! identical bit for bit. Real GPUs may fuse `a·b + c` (WGSL allows it), and WGSL's `exp` is not
//! Rust's, so there continuous states are compared with a tolerance ([`Exactness::for_cell`])
//! and spikes exactly.

use std::sync::Arc;

use crate::backend::{Backend, ExecMode};
use crate::cells::{CELLS, CellModel};
use crate::conformance::{Outcome, is_exact_compartment, rel_err};
use crate::error::Result;
use crate::gpu::{GpuContext, rng_check};
use crate::population::Population;
use crate::rng::Key;
use crate::run::{Drive, Record};

/// Units per row in the self-check: longer than one [`crate::reductions::ROW_CHUNK`], so the
/// row-reducing cells take their multi-workgroup chunk passes, and not a multiple of the
/// workgroup size or the chunk, so partial workgroups, a partial chunk and row loops with a
/// remainder are exercised.
pub const CHECK_UNITS: usize = crate::reductions::ROW_CHUNK + 4099;
/// Batch rows in the self-check.
pub const CHECK_BATCH: usize = 3;
/// Elements of the PRNG comparison.
pub const CHECK_RNG_ELEMENTS: usize = 100_000;

/// How to compare GPU results with the CPU's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exactness {
    /// Every float must have the same bits.
    Bitwise,
    /// Spikes and spike times exact, other values within this error (`rel_err`).
    Tolerance(f32),
}

impl Exactness {
    /// Bitwise on software adapters where the cell's description says they reproduce the CPU
    /// ([`crate::cells::describe::Tolerance::software_bitwise`]); otherwise the cell's own GPU
    /// tolerance where it has one, or 1e-5 (hardware may fuse multiply-adds).
    pub fn for_cell(ctx: &GpuContext, cell: &dyn CellModel) -> Exactness {
        let tolerance = cell.entry().tolerance;
        match tolerance.gpu {
            _ if ctx.adapter.is_software() && tolerance.software_bitwise => Exactness::Bitwise,
            Some(tol) => Exactness::Tolerance(tol),
            None => Exactness::Tolerance(1e-5),
        }
    }
}

/// Compares one compartment; `None` if equal under `mode`, else a description of the first
/// difference.
pub fn compare_compartment(name: &str, gpu: &[f32], cpu: &[f32], mode: Exactness) -> Option<String> {
    compare_values(name, gpu, cpu, mode, |_, tol| tol)
}

/// [`compare_compartment`] with the cell's per-value tolerance
/// ([`crate::cells::describe::Tolerance::for_value`]).
pub fn compare_compartment_of(
    cell: &dyn CellModel,
    name: &str,
    gpu: &[f32],
    cpu: &[f32],
    mode: Exactness,
) -> Option<String> {
    compare_values(name, gpu, cpu, mode, |reference, tol| {
        cell.entry().tolerance.for_value(name, reference, tol)
    })
}

fn compare_values(
    name: &str,
    gpu: &[f32],
    cpu: &[f32],
    mode: Exactness,
    tolerance: impl Fn(f32, f32) -> f32,
) -> Option<String> {
    if gpu.len() != cpu.len() {
        return Some(format!(
            "`{name}`: {} values on the GPU, {} on the CPU",
            gpu.len(),
            cpu.len()
        ));
    }
    for (i, (&g, &c)) in gpu.iter().zip(cpu).enumerate() {
        let equal = g.to_bits() == c.to_bits()
            || match mode {
                Exactness::Bitwise => false,
                Exactness::Tolerance(_) if is_exact_compartment(name) => g == c,
                Exactness::Tolerance(tol) => rel_err(g, c) <= tolerance(c, tol),
            };
        if !equal {
            return Some(format!(
                "`{name}`[{i}]: GPU {g} ({:#010x}), CPU {c} ({:#010x})",
                g.to_bits(),
                c.to_bits()
            ));
        }
    }
    None
}

/// Compares every compartment of two populations.
pub fn compare_populations<A: Backend, B: Backend>(
    gpu: &mut Population<A>,
    cpu: &mut Population<B>,
    mode: Exactness,
) -> Result<Option<String>> {
    for comp in gpu.cell().compartments() {
        let g = gpu.read(comp.name)?;
        let c = cpu.read(comp.name)?;
        if let Some(diff) = compare_compartment_of(gpu.cell(), comp.name, &g, &c, mode) {
            return Ok(Some(diff));
        }
    }
    Ok(None)
}

/// The neurons (flat indices) where any compartment of the two populations differs under
/// `mode`, and a description of the first difference.
pub fn differing_neurons<A: Backend, B: Backend>(
    gpu: &mut Population<A>,
    cpu: &mut Population<B>,
    mode: Exactness,
) -> Result<(std::collections::BTreeSet<usize>, Option<String>)> {
    let mut neurons = std::collections::BTreeSet::new();
    let mut first = None;
    for comp in gpu.cell().compartments() {
        let (g, c) = (gpu.read(comp.name)?, cpu.read(comp.name)?);
        for i in 0..g.len().min(c.len()) {
            if let Some(diff) = compare_compartment_of(gpu.cell(), comp.name, &g[i..=i], &c[i..=i], mode) {
                neurons.insert(i);
                first.get_or_insert_with(|| diff.replacen("[0]", &format!("[{i}]"), 1));
            }
        }
    }
    Ok((neurons, first))
}

/// How many neurons may differ in a self-check on this adapter. None on software adapters
/// (bitwise). On hardware that contracts multiply-adds (which WGSL allows) a random state can
/// put a neuron within rounding distance of its threshold, and its spike decision (or, in a
/// row-coupled cell, its row's selection) may then flip: up to `max(3, total/1000)` neurons,
/// always reported. A wrong kernel differs almost everywhere.
pub fn allowed_flips(mode: Exactness, total: usize) -> usize {
    match mode {
        Exactness::Bitwise => 0,
        Exactness::Tolerance(_) => (total / 1000).max(3),
    }
}

/// Random values in `[lo, hi)` from the counter-based PRNG.
pub fn random_values(key: Key, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    if lo == hi { vec![lo; n] } else { key.uniform(n, lo, hi) }
}

/// Sets every compartment of both populations to the same random state.
pub fn randomise<A: Backend, B: Backend>(key: Key, a: &mut Population<A>, b: &mut Population<B>) -> Result<()> {
    let total = a.n_units() * a.batch();
    let ranges = a.cell().random_ranges();
    for (k, (comp, (lo, hi))) in a.cell().compartments().iter().zip(ranges).enumerate() {
        let values = random_values(key.fold_in(k as u32), total, lo, hi);
        a.write(comp.name, &values)?;
        b.write(comp.name, &values)?;
    }
    Ok(())
}

/// GPU vs CPU for one cell variant: random state, 3 single steps with fresh random inputs,
/// then a 4-step `run` in one submission.
pub fn check_variant(
    ctx: &Arc<GpuContext>,
    cell: &dyn CellModel,
    n_units: usize,
    batch: usize,
    seed: u64,
) -> Result<Outcome> {
    let mode = Exactness::for_cell(ctx, cell);
    let mut gpu = Population::gpu(ctx, cell.boxed(), n_units, batch, seed)?;
    let mut cpu = Population::cpu(cell.boxed(), n_units, batch, seed)?;
    let key = Key::from_seed(seed ^ 0x5eed);
    randomise(key, &mut gpu, &mut cpu)?;
    let total = n_units * batch;
    let allowed = allowed_flips(mode, total);
    let mut flipped = 0usize;
    let (lo, hi) = cell.random_ranges()[crate::cells::input_index(cell)?];
    let dt = cell.check_dt();
    for k in 0..3u32 {
        let input = random_values(key.fold_in(1000 + k), total, lo, hi);
        gpu.set_input(&input)?;
        cpu.set_input(&input)?;
        gpu.step(dt)?;
        cpu.step(dt)?;
        let (neurons, diff) = differing_neurons(&mut gpu, &mut cpu, mode)?;
        if neurons.len() > allowed {
            let diff = diff.unwrap_or_default();
            return Ok(Outcome::Fail(format!(
                "after single step {}: {} neurons differ; {diff}",
                k + 1,
                neurons.len()
            )));
        }
        flipped = flipped.max(neurons.len());
    }
    let steps = 4;
    let inputs = random_values(key.fold_in(2000), steps * total, lo, hi);
    let none = Record::none();
    gpu.run_with(steps, dt, Drive::Buffer(&inputs), &none, ExecMode::PerStep)?;
    cpu.run_with(steps, dt, Drive::Buffer(&inputs), &none, ExecMode::PerStep)?;
    let (neurons, diff) = differing_neurons(&mut gpu, &mut cpu, mode)?;
    if neurons.len() > allowed {
        let diff = diff.unwrap_or_default();
        return Ok(Outcome::Fail(format!(
            "after a {steps}-step run: {} neurons differ; {diff}",
            neurons.len()
        )));
    }
    flipped = flipped.max(neurons.len());
    // Fused where the cell allows it, with generated input and a recording.
    let record = Record {
        spikes: true,
        compartments: vec!["v".into()],
        neurons: vec![0, total / 2, total - 1],
        every: 3,
    };
    let drive = Drive::Bernoulli {
        p: 0.3,
        amplitude: hi,
        seed: 99,
    };
    let fused_steps = 7;
    let rec_gpu = gpu.run(fused_steps, dt, drive, &record)?;
    let rec_cpu = cpu.run(fused_steps, dt, drive, &record)?;
    let (neurons, diff) = differing_neurons(&mut gpu, &mut cpu, mode)?;
    if neurons.len() > allowed {
        let diff = diff.unwrap_or_default();
        return Ok(Outcome::Fail(format!(
            "after a fused {fused_steps}-step run: {} neurons differ; {diff}",
            neurons.len()
        )));
    }
    flipped = flipped.max(neurons.len());
    let raster_differs = rec_gpu
        .raster
        .iter()
        .zip(&rec_cpu.raster)
        .filter(|(a, b)| a != b)
        .count();
    if raster_differs > allowed {
        return Ok(Outcome::Fail(format!(
            "the recorded spike rasters differ in {raster_differs} words"
        )));
    }
    // A flipped neuron's trace legitimately differs; otherwise traces must agree.
    if flipped == 0
        && let Some(diff) = compare_compartment_of(cell, "v", &rec_gpu.traces["v"], &rec_cpu.traces["v"], mode)
    {
        return Ok(Outcome::Fail(format!("recorded traces: {diff}")));
    }
    if gpu.key() != cpu.key() {
        return Ok(Outcome::Fail("the key chains differ".into()));
    }
    let spikes: f32 = cpu.read("s")?.iter().sum();
    Ok(Outcome::Pass(format!(
        "{batch}×{n_units}, 14 steps, {spikes} spikes in the last step, {}",
        match mode {
            Exactness::Bitwise => "bit-identical".to_string(),
            Exactness::Tolerance(t) if flipped == 0 => format!("within {t:.0e}"),
            Exactness::Tolerance(t) => format!("within {t:.0e}, {flipped} borderline neuron(s) flipped"),
        }
    )))
}

/// The WGSL PRNG against the Rust one, `bits` and `uniform(0, 1)`, bit for bit.
pub fn check_rng(ctx: &GpuContext, key: Key, n: usize) -> Result<Outcome> {
    let (bits, uniform) = rng_check::gpu_bits_and_uniform(ctx, key, n)?;
    let want_bits = key.bits(n);
    let want_uniform = key.uniform01(n);
    if let Some(i) = (0..n).find(|&i| bits[i] != want_bits[i]) {
        return Ok(Outcome::Fail(format!(
            "bits[{i}]: GPU {:#010x}, CPU {:#010x}",
            bits[i], want_bits[i]
        )));
    }
    if let Some(i) = (0..n).find(|&i| uniform[i].to_bits() != want_uniform[i].to_bits()) {
        return Ok(Outcome::Fail(format!(
            "uniform[{i}]: GPU {}, CPU {}",
            uniform[i], want_uniform[i]
        )));
    }
    Ok(Outcome::Pass(format!("{n} bits and uniforms bit-identical")))
}

/// Runs the whole self-check, calling `report(name, outcome)` after each item.
pub fn run(ctx: &Arc<GpuContext>, mut report: impl FnMut(&str, &Outcome)) -> Result<()> {
    for (k, key) in [Key::from_seed(0), Key::from_seed(42).split().1]
        .into_iter()
        .enumerate()
    {
        let outcome = check_rng(ctx, key, CHECK_RNG_ELEMENTS).unwrap_or_else(|e| Outcome::Fail(e.to_string()));
        report(&format!("prng/threefry2x32 key {k}"), &outcome);
    }
    for entry in CELLS {
        for (k, cell) in (entry.variants)().iter().enumerate() {
            let outcome = check_variant(ctx, cell.as_ref(), CHECK_UNITS, CHECK_BATCH, 1000 + k as u64)
                .unwrap_or_else(|e| Outcome::Fail(e.to_string()));
            report(&cell.variant_name(), &outcome);
        }
    }
    Ok(())
}
