//! The CUBA benchmark network (Brette et al. 2007): 4,000 ngclearn LIF cells, 80 % excitatory,
//! connection probability 0.02, exponentially decaying currents, 1 s at dt = 0.1 ms. Prints the
//! excitatory and inhibitory rates, the mean CV of inter-spike intervals and the loop time, and
//! draws the raster (`docs/cuba.png` by default).
//!
//! `cargo run --release --example cuba -- [--scale S] [--backend cpu|gpu] [--seconds T]
//!  [--procedural] [--event] [--seed N] [--out FILE.png]`
//!
//! `--scale 10` runs 40,000 cells with the same in-degree (probability 0.002), `--scale 100`
//! 400,000; `--procedural` regenerates the connections every step instead of storing them;
//! `--event` propagates spikes event-driven (fixed-point sums, cost ∝ spikes × fan-out).

use std::time::Instant;

use spikegpu::network::models::{CubaParams, mean_isi_cv, rate_hz};
use spikegpu::network::{NetEngine, NetRecord, Network, NetworkBuilder};

struct Options {
    params: CubaParams,
    backend: String,
    seconds: f64,
    out: String,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        params: CubaParams::default(),
        backend: "cpu".into(),
        seconds: 1.0,
        out: "docs/cuba.png".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--scale" => o.params.scale = value("--scale")?.parse().map_err(|e| format!("--scale: {e}"))?,
            "--seconds" => o.seconds = value("--seconds")?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--seed" => o.params.seed = value("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--backend" => o.backend = value("--backend")?,
            "--out" => o.out = value("--out")?,
            "--procedural" => o.params.procedural = true,
            "--event" => o.params.event = true,
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    Ok(o)
}

fn simulate<E: NetEngine>(
    mut net: Network<E>,
    o: &Options,
    cuba: &spikegpu::network::models::Cuba,
    timing: impl Fn(&mut Network<E>) -> Option<String>,
) -> spikegpu::Result<()> {
    const DT: f64 = 0.1;
    let steps = (o.seconds * 1000.0 / DT).round() as usize;
    o.params.initialise(&mut net, cuba)?;
    let start = Instant::now();
    let run = net.run(steps, DT, &NetRecord::spikes(&[cuba.exc, cuba.inh]))?;
    let wall = start.elapsed().as_secs_f64();
    let (re, ri) = (
        rate_hz(&run, cuba.exc, cuba.n_exc, DT),
        rate_hz(&run, cuba.inh, cuba.n_inh, DT),
    );
    println!("excitatory: {re:.1} Hz");
    println!("inhibitory: {ri:.1} Hz");
    let cv = mean_isi_cv(&run, cuba.exc, cuba.n_exc);
    match cv {
        Some(cv) => println!("CV of ISIs: {cv:.2}"),
        None => println!("CV of ISIs: no cell fired three times"),
    }
    let spikes = run.spike_count(cuba.exc) + run.spike_count(cuba.inh);
    let synapses_per_spike = 80.0 * o.params.p / 0.02;
    println!(
        "loop: {wall:.3} s for {:.1} s of biological time (real-time factor {:.2}), {:.1} µs per step, {:.2e} synaptic events/s",
        o.seconds,
        wall / o.seconds,
        wall / steps as f64 * 1e6,
        spikes as f64 * synapses_per_spike / wall
    );
    if let Some(t) = timing(&mut net) {
        println!("{t}");
    }
    #[cfg(feature = "plot")]
    {
        let shown = (cuba.n_exc + cuba.n_inh).min(4000);
        let events = cuba.raster_events(&run, shown, DT);
        let title = format!(
            "CUBA, {} cells: exc {re:.1} Hz, inh {ri:.1} Hz",
            cuba.n_exc + cuba.n_inh
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
        let mut b = NetworkBuilder::new(1, o.params.seed);
        let cuba = o.params.build(&mut b)?;
        let setup = Instant::now();
        match o.backend.as_str() {
            "cpu" => {
                let net = b.build_cpu()?;
                println!("backend: cpu; built in {:.2} s", setup.elapsed().as_secs_f64());
                simulate(net, &o, &cuba, |_| None)
            }
            _ => {
                let ctx = spikegpu::GpuContext::from_env()?;
                let net = b.build_gpu(&ctx)?;
                println!(
                    "backend: {} ({:?}); built in {:.2} s",
                    ctx.adapter.name,
                    ctx.adapter.backend,
                    setup.elapsed().as_secs_f64()
                );
                simulate(net, &o, &cuba, |net| {
                    net.engine().last_timing().map(|t| {
                        format!(
                            "host encoding: {:.1} µs per step; GPU execution and readback: {:.1} µs per step",
                            t.host_us_per_step(),
                            t.device_seconds / t.steps.max(1) as f64 * 1e6
                        )
                    })
                })
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
