//! A large procedural network: CUBA's E/I network of LIF cells (Brette et al. 2007) with every
//! cell sending a fixed fan-out of k procedural synapses (80 % onto excitatory cells), regenerated
//! from the PRNG per spike and summed event-driven (`spikegpu::network::event`). Nothing is
//! stored per synapse: at full size (100,000 cells × 1,000 = 10⁸ synapses) dense weights would
//! take 40 GB and a sparse list 800 MB; here the synapses take no memory at all.
//!
//! CUBA's cells have an in-degree of 80 (we = 1.62 mV, wi = −9 mV); with fan-out k every cell
//! receives k synapses on average (0.8·k excitatory, 0.2·k inhibitory), so the weights are
//! scaled by 80/k to keep the mean input. Prints the rates, the mean CV of inter-spike intervals,
//! the loop time and synaptic events per second, and draws the raster of the first 4,000 cells.
//!
//! `cargo run --release --example procedural_large -- [--full] [--neurons N] [--fan-out K]
//!  [--seconds T] [--backend cpu|gpu] [--seed N] [--out FILE.png]`
//!
//! Without options it runs a reduced network (10,000 cells, fan-out 100, 0.2 s); `--full` runs
//! 100,000 cells with fan-out 1,000 for 1 s.

use std::time::Instant;

use spikegpu::network::models::{Cuba, CubaParams, cuba_cell, mean_isi_cv, rate_hz};
use spikegpu::network::{NetEngine, NetRecord, NetRun, Network, NetworkBuilder, ProjectionSpec};

const DT: f64 = 0.1;
/// CUBA's mean in-degree at scale 1 (p = 0.02 × 4,000 cells).
const CUBA_IN_DEGREE: f32 = 80.0;

#[derive(Debug, Clone)]
struct Options {
    neurons: usize,
    fan_out: u32,
    seconds: f64,
    backend: String,
    seed: u64,
    out: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            neurons: 10_000,
            fan_out: 100,
            seconds: 0.2,
            backend: "cpu".into(),
            seed: 1,
            out: "docs/procedural_large.png".into(),
        }
    }
}

fn options() -> Result<Options, String> {
    let mut o = Options::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--full" => {
                o.neurons = 100_000;
                o.fan_out = 1000;
                o.seconds = 1.0;
            }
            "--neurons" => o.neurons = value("--neurons")?.parse().map_err(|e| format!("--neurons: {e}"))?,
            "--fan-out" => o.fan_out = value("--fan-out")?.parse().map_err(|e| format!("--fan-out: {e}"))?,
            "--seconds" => o.seconds = value("--seconds")?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--seed" => o.seed = value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--backend" => o.backend = value("--backend")?,
            "--out" => o.out = value("--out")?,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(o)
}

/// The network: two populations, four procedural fan-out projections with CUBA's currents.
fn build(o: &Options) -> spikegpu::Result<(NetworkBuilder, Cuba)> {
    let mut b = NetworkBuilder::new(1, o.seed);
    let n_exc = o.neurons * 4 / 5;
    let n_inh = o.neurons - n_exc;
    let exc = b.population("exc", Box::new(cuba_cell()?), n_exc)?;
    let inh = b.population("inh", Box::new(cuba_cell()?), n_inh)?;
    let cuba = CubaParams::default();
    let (k_exc, k_inh) = (o.fan_out * 4 / 5, o.fan_out - o.fan_out * 4 / 5);
    let factor = CUBA_IN_DEGREE / o.fan_out as f32;
    let spec = |k: u32, w: f32, tau: f32| ProjectionSpec::procedural_fan_out(k, w * factor).exponential_current(tau);
    b.project("ee", exc, exc, spec(k_exc, cuba.we, cuba.tau_e))?;
    b.project("ei", exc, inh, spec(k_inh, cuba.we, cuba.tau_e))?;
    b.project("ie", inh, exc, spec(k_exc, cuba.wi, cuba.tau_i))?;
    b.project("ii", inh, inh, spec(k_inh, cuba.wi, cuba.tau_i))?;
    Ok((b, Cuba { exc, inh, n_exc, n_inh }))
}

/// Runs the network for `steps` from CUBA's initial voltages; returns the run and its loop time.
fn simulate<E: NetEngine>(
    net: &mut Network<E>,
    o: &Options,
    cuba: &Cuba,
    steps: usize,
) -> spikegpu::Result<(NetRun, f64)> {
    let params = CubaParams {
        seed: o.seed,
        ..CubaParams::default()
    };
    params.initialise(net, cuba)?;
    let start = Instant::now();
    let run = net.run(steps, DT, &NetRecord::spikes(&[cuba.exc, cuba.inh]))?;
    Ok((run, start.elapsed().as_secs_f64()))
}

fn report(o: &Options, cuba: &Cuba, run: &NetRun, wall: f64) -> spikegpu::Result<()> {
    let (re, ri) = (
        rate_hz(run, cuba.exc, cuba.n_exc, DT),
        rate_hz(run, cuba.inh, cuba.n_inh, DT),
    );
    println!("excitatory: {re:.1} Hz");
    println!("inhibitory: {ri:.1} Hz");
    match mean_isi_cv(run, cuba.exc, cuba.n_exc) {
        Some(cv) => println!("CV of ISIs: {cv:.2}"),
        None => println!("CV of ISIs: no cell fired three times"),
    }
    let spikes = run.spike_count(cuba.exc) + run.spike_count(cuba.inh);
    println!(
        "loop: {wall:.3} s for {:.2} s of biological time (real-time factor {:.2}), {:.1} µs per step, {:.3e} synaptic events/s",
        o.seconds,
        wall / o.seconds,
        wall / run.steps as f64 * 1e6,
        spikes as f64 * f64::from(o.fan_out) / wall
    );
    #[cfg(feature = "plot")]
    {
        let shown = o.neurons.min(4000);
        let events = cuba.raster_events(run, shown, DT);
        let title = format!(
            "procedural fan-out {}, {} cells (first {shown} shown): exc {re:.1} Hz, inh {ri:.1} Hz",
            o.fan_out, o.neurons
        );
        spikegpu::plot::raster(std::path::Path::new(&o.out), &title, &events, o.seconds * 1000.0, shown)?;
        println!("raster: {}", o.out);
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
    let result = (|| -> spikegpu::Result<()> {
        let steps = (o.seconds * 1000.0 / DT).round() as usize;
        println!(
            "{} cells, fan-out {}: {:.2e} synapses, none stored",
            o.neurons,
            o.fan_out,
            o.neurons as f64 * f64::from(o.fan_out)
        );
        let setup = Instant::now();
        let (b, cuba) = build(&o)?;
        let (run, wall) = match o.backend.as_str() {
            "cpu" => {
                let mut net = b.build_cpu()?;
                println!("backend: cpu; built in {:.2} s", setup.elapsed().as_secs_f64());
                simulate(&mut net, &o, &cuba, steps)?
            }
            _ => {
                let ctx = spikegpu::GpuContext::from_env()?;
                let mut net = b.build_gpu(&ctx)?;
                println!(
                    "backend: {} ({:?}); built in {:.2} s",
                    ctx.adapter.name,
                    ctx.adapter.backend,
                    setup.elapsed().as_secs_f64()
                );
                simulate(&mut net, &o, &cuba, steps)?
            }
        };
        report(&o, &cuba, &run, wall)
    })();
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reduced network (2,000 cells, fan-out 100, 30 ms): CUBA-like rates, and the GPU's
    /// spikes equal to the CPU's (bit for bit on software adapters, where the cells' float math
    /// matches too; the event sums are integer and match on every adapter).
    #[test]
    fn a_reduced_network_fires_at_cuba_like_rates_and_the_gpu_matches_the_cpu() {
        let o = Options {
            neurons: 2000,
            fan_out: 100,
            seconds: 0.03,
            ..Options::default()
        };
        let steps = 300;
        let (b, cuba) = build(&o).expect("network");
        let (cpu, _) = simulate(&mut b.build_cpu().expect("cpu"), &o, &cuba, steps).expect("cpu run");
        let rate = rate_hz(&cpu, cuba.exc, cuba.n_exc, DT);
        assert!((1.0..100.0).contains(&rate), "excitatory rate {rate} Hz");
        let Ok(ctx) = spikegpu::GpuContext::from_env() else {
            eprintln!("skipped the GPU comparison: no adapter");
            return;
        };
        let (b, cuba) = build(&o).expect("network");
        let (gpu, _) = simulate(&mut b.build_gpu(&ctx).expect("gpu"), &o, &cuba, steps).expect("gpu run");
        if ctx.adapter.is_software() {
            assert_eq!(gpu.rasters, cpu.rasters, "GPU spikes differ from the CPU's");
        } else {
            assert!(gpu.spike_count(cuba.exc) > 0);
        }
    }
}
