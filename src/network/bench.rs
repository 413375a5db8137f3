//! Network benchmarks (`spikegpu bench --network cuba --scale 1,10`): the CUBA network of
//! [`super::models`] on the CPU and on GPUs, timed on the wall clock, with a check of every GPU
//! row against the CPU reference.

use std::time::Instant;

use serde::Serialize;

use super::builder::{NetRecord, NetRun, Network, NetworkBuilder};
use super::models::{Cuba, CubaParams, rate_hz};
use super::{GpuNetwork, NetEngine};
use crate::bench::BenchTarget;
use crate::error::{Error, Result};

/// Step size of the benchmark (ms), as Brette et al.
pub const DT: f64 = 0.1;
/// Steps of the GPU-vs-CPU check of a row.
pub const CHECK_STEPS: usize = 200;

/// One network benchmark row.
#[derive(Debug, Clone, Serialize)]
pub struct NetBenchRow {
    /// The network (`cuba`).
    pub network: String,
    /// Cell-count multiplier.
    pub scale: f64,
    /// Cells.
    pub neurons: usize,
    /// Stored synapses (0 for procedural connectivity).
    pub synapses: usize,
    /// `gather` or `event` (fixed-point event-driven sums).
    pub propagation: String,
    /// cpu, vulkan, ….
    pub backend: String,
    /// Adapter name (or CPU threads).
    pub device: String,
    /// Simulated time (s).
    pub bio_seconds: f64,
    /// Loop wall time (s), set-up excluded.
    pub seconds: f64,
    /// Wall time per simulated second.
    pub real_time_factor: f64,
    /// Synaptic events (spikes × their fan-out) per wall second.
    pub synaptic_events_per_s: f64,
    /// Neuron-steps per wall second.
    pub neuron_steps_per_s: f64,
    /// Host time spent encoding each step (µs), GPU rows.
    pub host_us_per_step: Option<f64>,
    /// Excitatory rate (Hz), a sanity check of the dynamics.
    pub exc_rate_hz: f64,
    /// "ok", or "MISMATCH: …".
    pub check: String,
}

fn build(params: &CubaParams) -> Result<(NetworkBuilder, Cuba)> {
    let mut b = NetworkBuilder::new(1, params.seed);
    let cuba = params.build(&mut b)?;
    Ok((b, cuba))
}

fn timed<E: NetEngine>(net: &mut Network<E>, params: &CubaParams, cuba: &Cuba, steps: usize) -> Result<(NetRun, f64)> {
    params.initialise(net, cuba)?;
    let start = Instant::now();
    let run = net.run(steps, DT, &NetRecord::spikes(&[cuba.exc, cuba.inh]))?;
    Ok((run, start.elapsed().as_secs_f64()))
}

fn stored_synapses<E: NetEngine>(net: &Network<E>) -> usize {
    net_graph_synapses(net.engine_ref().graph())
}

fn net_graph_synapses(graph: &super::Graph) -> usize {
    graph
        .components
        .iter()
        .map(|c| match &c.kind {
            super::Kind::Projection(p) => match &p.connectivity {
                super::projection::Connectivity::Sparse(s) => s.len(),
                super::projection::Connectivity::Dense { weights }
                | super::projection::Connectivity::OneToOne { weights } => weights.len(),
                super::projection::Connectivity::Procedural(_) => 0,
                super::projection::Connectivity::ProceduralFanOut(f) => p.n_pre * f.k as usize,
            },
            _ => 0,
        })
        .sum()
}

/// Runs CUBA at `scale` for `bio_seconds` on `target`; GPU rows are checked against the CPU over
/// the first [`CHECK_STEPS`] steps (identical spikes required on software adapters, which do not
/// contract multiply-adds; elsewhere the first difference is reported, not failed, after step
/// 20, as chaotic dynamics amplify a rounding difference).
pub fn run_cuba_row(
    target: &BenchTarget,
    scale: f64,
    bio_seconds: f64,
    procedural: bool,
    event: bool,
) -> Result<NetBenchRow> {
    let params = CubaParams {
        scale,
        procedural,
        event,
        ..CubaParams::default()
    };
    let steps = (bio_seconds * 1000.0 / DT).round() as usize;
    if steps == 0 {
        return Err(Error::InvalidParameter {
            name: "--seconds",
            value: bio_seconds.to_string(),
            reason: "must cover at least one step",
        });
    }
    let (b, cuba) = build(&params)?;
    let neurons = cuba.n_exc + cuba.n_inh;
    let (run, seconds, synapses, host, check) = match target {
        BenchTarget::Cpu => {
            let mut net = b.build_cpu()?;
            let synapses = stored_synapses(&net);
            let (run, seconds) = timed(&mut net, &params, &cuba, steps)?;
            (run, seconds, synapses, None, "ok".to_string())
        }
        BenchTarget::Gpu(ctx) => {
            let mut net: Network<GpuNetwork> = b.build_gpu(ctx)?;
            let synapses = stored_synapses(&net);
            let (run, seconds) = timed(&mut net, &params, &cuba, steps)?;
            let host = net.engine().last_timing().map(|t| t.host_us_per_step());
            let check = check_against_cpu(ctx, &params, steps.min(CHECK_STEPS))?;
            (run, seconds, synapses, host, check)
        }
    };
    let spikes = (run.spike_count(cuba.exc) + run.spike_count(cuba.inh)) as f64;
    // Every cell projects to both populations with probability p/scale: its mean fan-out.
    let fan_out = synapses as f64 / neurons as f64;
    let fan_out = if synapses == 0 { params.p * 4000.0 } else { fan_out };
    Ok(NetBenchRow {
        network: "cuba".into(),
        scale,
        neurons,
        synapses,
        propagation: if event { "event" } else { "gather" }.into(),
        backend: target.backend_name(),
        device: target.device_name(),
        bio_seconds,
        seconds,
        real_time_factor: seconds / bio_seconds,
        synaptic_events_per_s: spikes * fan_out / seconds,
        neuron_steps_per_s: (neurons * steps) as f64 / seconds,
        host_us_per_step: host,
        exc_rate_hz: rate_hz(&run, cuba.exc, cuba.n_exc, DT),
        check,
    })
}

fn check_against_cpu(ctx: &std::sync::Arc<crate::GpuContext>, params: &CubaParams, steps: usize) -> Result<String> {
    let (b, cuba) = build(params)?;
    let mut gpu = b.build_gpu(ctx)?;
    let (b, _) = build(params)?;
    let mut cpu = b.build_cpu()?;
    let (g, _) = timed(&mut gpu, params, &cuba, steps)?;
    let (c, _) = timed(&mut cpu, params, &cuba, steps)?;
    let first_difference = (0..steps).find(|&k| {
        g.rasters
            .iter()
            .zip(&c.rasters)
            .any(|((_, words, a), (_, _, b))| a[k * words..(k + 1) * words] != b[k * words..(k + 1) * words])
    });
    Ok(match first_difference {
        None => "ok".into(),
        Some(k) if !ctx.adapter.is_software() && k >= 20 => {
            format!("ok (spikes identical for {k} steps, then chaos amplifies rounding)")
        }
        Some(k) => format!("MISMATCH: spikes differ from the CPU at step {k}"),
    })
}

/// One Diehl & Cook training benchmark row.
#[derive(Debug, Clone, Serialize)]
pub struct DcBenchRow {
    /// Input units.
    pub n_in: usize,
    /// Excitatory cells.
    pub n_exc: usize,
    /// cpu, vulkan, ….
    pub backend: String,
    /// Adapter name (or CPU threads).
    pub device: String,
    /// Samples timed (after one warm-up sample).
    pub samples: usize,
    /// Steps per sample.
    pub steps_per_sample: usize,
    /// Training samples per wall second (reset, presentation with STDP every step, normalisation).
    pub samples_per_s: f64,
}

/// Trains ngclearn's Diehl & Cook exhibit network (784 inputs by default) on random images in
/// [0, 1] for `samples` samples of `steps` steps, after one warm-up sample, and reports samples/s.
pub fn run_dc_row(target: &BenchTarget, n_in: usize, n_exc: usize, samples: usize, steps: usize) -> Result<DcBenchRow> {
    use super::diehl_cook::{DiehlCookParams, diehl_cook};
    let params = DiehlCookParams {
        steps_per_sample: steps,
        ..DiehlCookParams::exhibit(n_in, n_exc)
    };
    fn train<E: NetEngine>(e: &mut E, p: &super::diehl_cook::DiehlCookParams, samples: usize) -> Result<f64> {
        let mut timed = 0.0;
        for s in 0..=samples {
            let image = crate::rng::Key::from_seed(7).fold_in(s as u32).uniform01(p.n_in);
            let start = Instant::now();
            super::diehl_cook::present(e, &image, p.steps_per_sample, Some(p.w_norm))?;
            if s > 0 {
                timed += start.elapsed().as_secs_f64();
            }
        }
        Ok(timed)
    }
    let seconds = match target {
        BenchTarget::Cpu => train(&mut super::CpuNetwork::new(diehl_cook(&params)?)?, &params, samples)?,
        BenchTarget::Gpu(ctx) => train(&mut GpuNetwork::new(ctx, diehl_cook(&params)?)?, &params, samples)?,
    };
    Ok(DcBenchRow {
        n_in,
        n_exc,
        backend: target.backend_name(),
        device: target.device_name(),
        samples,
        steps_per_sample: steps,
        samples_per_s: samples as f64 / seconds,
    })
}
