//! The `spikegpu` command: `validate` (conformance and GPU self-check) and `info` (adapters).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use spikegpu::conformance::{self, Outcome, Tally, Trace};
use spikegpu::gpu::{self, GpuApi, GpuContext, budget};
use spikegpu::{Population, cells, selfcheck};

#[derive(Parser)]
#[command(
    name = "spikegpu",
    version,
    about = "ngclearn-exact spiking neuron populations on any GPU"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    Cpu,
    Gpu,
    All,
}

#[derive(Subcommand)]
enum Command {
    /// Check spikegpu against ngclearn's golden traces (--traces DIR), or, without --traces,
    /// check this machine's GPU against the CPU reference for every cell, integrator and option.
    Validate {
        /// A folder of conformance traces (`*.json`, e.g. ../shared/conformance).
        #[arg(long)]
        traces: Option<PathBuf>,
        /// Which backends to run the traces on.
        #[arg(long, value_enum, default_value = "all")]
        backend: Which,
        /// GPU API: vulkan, metal, dx12, gl, or env (WGPU_BACKEND / WGPU_ADAPTER_NAME).
        #[arg(long, default_value = "env")]
        api: String,
    },
    /// Run a population described in a TOML file; write spikes.npy, one .npy per recorded
    /// compartment and run.json to the output folder.
    Run {
        /// The configuration file (see examples/configs/).
        config: PathBuf,
        /// Output folder.
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// cpu, gpu (WGPU_BACKEND's choice, falling back to the CPU with a warning), vulkan,
        /// metal, dx12 or gl.
        #[arg(long, default_value = "gpu")]
        backend: String,
    },
    /// Measure neuron-steps per second of every cell on the CPU and your GPUs.
    Bench {
        /// Cells: comma-separated keys or ngclearn class names, or `all`.
        #[arg(long, default_value = "all")]
        cells: String,
        /// Population sizes, comma-separated (1e5 notation allowed).
        #[arg(long, default_value = "1e5")]
        n: String,
        /// Steps per timed run.
        #[arg(long, default_value_t = 100)]
        steps: usize,
        /// Backends: cpu, gpu (WGPU_BACKEND's choice), vulkan, metal, dx12, gl, or all.
        #[arg(long, default_value = "cpu,gpu")]
        backend: String,
        /// Modes: step (one dispatch per step), fused (many steps per dispatch).
        #[arg(long, default_value = "step,fused")]
        mode: String,
        /// Timed runs per row, after 0.2 s of warm-up runs (at least one); the median is reported.
        #[arg(long, default_value_t = 3)]
        repeats: usize,
        /// Also write the rows as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Benchmark a network instead of single populations: `cuba` (Brette et al. 2007).
        #[arg(long)]
        network: Option<String>,
        /// Network size multipliers, comma-separated (CUBA: 1 = 4,000 cells, same in-degree).
        #[arg(long, default_value = "1")]
        scale: String,
        /// Simulated seconds per network row.
        #[arg(long, default_value_t = 1.0)]
        seconds: f64,
        /// Regenerate network connectivity every step instead of storing it.
        #[arg(long)]
        procedural: bool,
        /// Diehl & Cook (`--network dc`): excitatory cell counts, comma-separated (784 inputs).
        #[arg(long, default_value = "100,400")]
        n_exc: String,
        /// Network propagation modes, comma-separated: gather (exact float sums), event
        /// (fixed-point sums, cost ∝ spikes × fan-out).
        #[arg(long, default_value = "gather")]
        propagation: String,
    },
    /// List the GPU adapters wgpu finds, with the limits spikegpu depends on and which cells and
    /// network kernels fit them.
    Info {
        /// GPU API: vulkan, metal, dx12, gl, or env (all unless WGPU_BACKEND is set).
        #[arg(long, default_value = "env")]
        api: String,
    },
}

/// Prints a line; a closed pipe (`spikegpu info | head`) ends the program quietly instead of
/// panicking like `println!`.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

/// Keeps Mesa's Vulkan device-select layer quiet where it cannot work.
///
/// Mesa installs an implicit Vulkan layer (`VK_LAYER_MESA_device_select`) into every Vulkan
/// program. To put the GPU that drives the display first, it connects to Wayland, and
/// libwayland prints `error: XDG_RUNTIME_DIR is invalid or not set in the environment.`
/// whenever that variable is unset or not an absolute path (containers, SSH sessions, CI). A
/// newcomer reads those lines as spikegpu failing. There the probe finds no display anyway, and
/// spikegpu computes without one and picks its adapter itself (`WGPU_BACKEND`,
/// `WGPU_ADAPTER_NAME`), so in exactly that situation the command turns the layer off with its
/// documented switch, `NODEVICE_SELECT=1`. It changes nothing when `XDG_RUNTIME_DIR` is usable
/// (the layer can then do its job) or when the user has said anything about the layer
/// (`NODEVICE_SELECT`, or `MESA_VK_DEVICE_SELECT` to choose a GPU through it). Only the binary
/// does this: the library never changes its host program's environment.
fn quiet_mesa_device_select() {
    let runtime_dir_usable =
        std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|dir| std::path::Path::new(&dir).is_absolute());
    let user_chose = ["NODEVICE_SELECT", "MESA_VK_DEVICE_SELECT"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if !runtime_dir_usable && !user_chose {
        // SAFETY: called first thing in `main`, before this program starts any thread (clap,
        // wgpu and indicatif have not run yet), so no other thread can read the environment
        // concurrently.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}

fn main() -> ExitCode {
    quiet_mesa_device_select();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { traces, backend, api } => validate(traces, backend, &api),
        Command::Info { api } => info(&api),
        Command::Run { config, out, backend } => run_config(&config, &out, &backend),
        Command::Bench {
            cells,
            n,
            steps,
            backend,
            mode,
            repeats,
            json,
            network,
            scale,
            seconds,
            procedural,
            n_exc,
            propagation,
        } => match network.as_deref() {
            Some("dc") => bench_dc(&n_exc, &backend, json),
            Some(name) => bench_network(name, &scale, seconds, procedural, &propagation, &backend, json),
            None => bench(&cells, &n, steps, &backend, &mode, repeats, json),
        },
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn info(api: &str) -> spikegpu::Result<ExitCode> {
    let threads = spikegpu::cpu::default_threads();
    say!(
        "cpu backend: {threads} threads, {} element loops (widest this CPU has: {})",
        spikegpu::simd::level().name(),
        spikegpu::simd::detected().name()
    );
    let adapters = gpu::list_adapters(GpuApi::parse(api)?);
    if adapters.is_empty() {
        say!("no GPU adapters found; the CPU backend is always available");
        return Ok(ExitCode::FAILURE);
    }
    let webgpu = wgpu::Limits::default();
    for (k, a) in adapters.iter().enumerate() {
        say!("[{k}] {a}");
        say!("  limit                                      adapter  WebGPU default");
        for ((name, value), (_, default)) in budget::relevant_limits(&a.limits)
            .into_iter()
            .zip(budget::relevant_limits(&webgpu))
        {
            say!("  {name:<40} {value:>10}  {default:>10}");
        }
        // Storage buffers per stage of each pipeline layout; for cells, the largest population
        // whose state buffer (every compartment's slot) fits one binding.
        say!("  kernel                               kind        storage buffers  fits  largest B·N");
        for kernel in budget::kernels() {
            let fits = match budget::check_kernel(&kernel, &a.limits) {
                Err(spikegpu::Error::AdapterLimit {
                    limit,
                    available,
                    needed,
                }) => format!("no ({limit} is {available}, needs {needed})"),
                _ => "yes".to_string(),
            };
            let largest = kernel
                .layout
                .map_or("—".to_string(), |l| budget::max_units(l, &a.limits).to_string());
            say!(
                "  {:<36} {:<11} {:>15}  {fits:<4}  {largest}",
                kernel.name,
                kernel.kind.name(),
                kernel.storage_buffers
            );
        }
    }
    match GpuContext::new(GpuApi::parse(api)?) {
        Ok(ctx) => say!("default choice: {} ({:?})", ctx.adapter.name, ctx.adapter.backend),
        Err(e) => say!("default choice: none ({e})"),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_line(outcome: &Outcome, name: &str, backend: &str) {
    // wgpu's messages span several lines; a report keeps one line per check.
    let detail = outcome.detail().split_whitespace().collect::<Vec<_>>().join(" ");
    say!("{:<4}  {name:<48} [{backend}]  {detail}", outcome.tag());
}

fn validate(traces: Option<PathBuf>, which: Which, api: &str) -> spikegpu::Result<ExitCode> {
    let api = GpuApi::parse(api)?;
    let mut tally = Tally::default();
    match traces {
        None => {
            let ctx = Arc::new(GpuContext::new(api)?);
            say!(
                "self-check: GPU `{}` ({:?}) against the CPU reference",
                ctx.adapter.name,
                ctx.adapter.backend
            );
            selfcheck::run(&ctx, |name, outcome| {
                print_line(outcome, name, "gpu vs cpu");
                tally.add(outcome);
            })?;
        }
        Some(dir) => {
            let gpu_ctx = if which == Which::Cpu {
                None
            } else {
                match GpuContext::new(api) {
                    Ok(ctx) => {
                        say!("GPU: {} ({:?})", ctx.adapter.name, ctx.adapter.backend);
                        Some(Ok(Arc::new(ctx)))
                    }
                    Err(e) if which == Which::Gpu => return Err(e),
                    Err(e) => {
                        say!("warning: no GPU, its cases are skipped: {e}");
                        Some(Err(e.to_string()))
                    }
                }
            };
            for path in conformance::trace_files(&dir)? {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if spikegpu::network::trace::is_network_trace(&path) {
                    validate_network(&path, &name, which, &gpu_ctx, &mut tally);
                    continue;
                }
                let trace = match Trace::load(&path) {
                    Ok(t) => t,
                    Err(e) => {
                        let outcome = Outcome::Fail(e.to_string());
                        print_line(&outcome, &name, "load");
                        tally.add(&outcome);
                        continue;
                    }
                };
                if let Err(e) = cells::lookup(&trace.cell) {
                    let outcome = Outcome::Skip(e.to_string());
                    print_line(&outcome, &name, "-");
                    tally.add(&outcome);
                    continue;
                }
                if which != Which::Gpu {
                    let outcome = conformance::replay(&trace, Population::cpu);
                    print_line(&outcome, &name, "cpu");
                    tally.add(&outcome);
                }
                match &gpu_ctx {
                    Some(Ok(ctx)) => {
                        let outcome =
                            conformance::replay(&trace, |cell, n, b, seed| Population::gpu(ctx, cell, n, b, seed));
                        print_line(&outcome, &name, "gpu");
                        tally.add(&outcome);
                    }
                    Some(Err(reason)) => {
                        let outcome = Outcome::Skip(format!("no GPU: {reason}"));
                        print_line(&outcome, &name, "gpu");
                        tally.add(&outcome);
                    }
                    None => {}
                }
            }
        }
    }
    say!("{tally}");
    Ok(if tally.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `spikegpu run network.toml`: populations, encoders and projections from a file.
fn run_network_config(
    mut config: spikegpu::netconfig::NetworkConfig,
    out: &std::path::Path,
    backend: &str,
) -> spikegpu::Result<ExitCode> {
    let path = config.file.clone();
    let builder = config.take_builder();
    let files = match backend {
        "cpu" => {
            let mut net = builder.build_cpu()?;
            say!(
                "network {}: {} steps of {} ms on the CPU",
                path.display(),
                config.steps,
                config.dt
            );
            config.run(&mut net, out)?
        }
        api => {
            let ctx = if api == "gpu" {
                GpuContext::from_env()?
            } else {
                Arc::new(GpuContext::new(GpuApi::parse(api)?)?)
            };
            let mut net = builder.build_gpu(&ctx)?;
            say!(
                "network {}: {} steps of {} ms on {} ({:?})",
                path.display(),
                config.steps,
                config.dt,
                ctx.adapter.name,
                ctx.adapter.backend
            );
            config.run(&mut net, out)?
        }
    };
    for (layer, rate) in &files.1 {
        say!("{layer}: {rate:.2} Hz");
    }
    for file in &files.0 {
        say!("wrote {}", file.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes benchmark rows as JSON (`--json FILE`).
fn write_json(path: &std::path::Path, rows: &impl serde::Serialize) -> spikegpu::Result<()> {
    let io = |source| spikegpu::Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let text = serde_json::to_string_pretty(rows).map_err(|e| io(std::io::Error::other(e)))?;
    std::fs::write(path, text).map_err(io)?;
    say!("wrote {}", path.display());
    Ok(())
}

/// The targets `--backend` names: `cpu`, GPU APIs, or `all`.
fn bench_targets(backend_arg: &str) -> spikegpu::Result<Vec<spikegpu::bench::BenchTarget>> {
    let backends = list(backend_arg);
    let mut targets = Vec::new();
    if backends.iter().any(|b| b == "cpu" || b == "all") {
        targets.push(spikegpu::bench::BenchTarget::Cpu);
    }
    targets.extend(spikegpu::bench::gpu_targets(&backends)?);
    Ok(targets)
}

/// `spikegpu bench --network cuba`: real-time factor, synaptic events/s and neuron-steps/s per
/// scale and backend, every GPU row checked against the CPU.
fn bench_network(
    name: &str,
    scale_arg: &str,
    seconds: f64,
    procedural: bool,
    propagation_arg: &str,
    backend_arg: &str,
    json: Option<PathBuf>,
) -> spikegpu::Result<ExitCode> {
    use spikegpu::network::bench::run_cuba_row;
    let events = list(propagation_arg)
        .iter()
        .map(|m| match m.as_str() {
            "gather" => Ok(false),
            "event" => Ok(true),
            _ => Err(bad_arg("--propagation", m, "the modes are: gather, event")),
        })
        .collect::<spikegpu::Result<Vec<_>>>()?;
    if name != "cuba" {
        return Err(bad_arg("--network", name, "the network benchmarks are: cuba, dc"));
    }
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(bad_arg("--seconds", &seconds.to_string(), "must be positive"));
    }
    let scales = list(scale_arg)
        .iter()
        .map(|s| match s.parse::<f64>() {
            Ok(x) if x > 0.0 && x.is_finite() => Ok(x),
            _ => Err(bad_arg("--scale", s, "scales are positive numbers")),
        })
        .collect::<spikegpu::Result<Vec<_>>>()?;
    let targets = bench_targets(backend_arg)?;
    let progress = indicatif::ProgressBar::new((scales.len() * events.len() * targets.len()) as u64);
    let mut rows = Vec::new();
    for &scale in &scales {
        for &event in &events {
            for target in &targets {
                progress.set_message(format!("cuba x{scale} on {}", target.backend_name()));
                match run_cuba_row(target, scale, seconds, procedural, event) {
                    Ok(row) => rows.push(row),
                    Err(e) => progress.println(format!("cuba x{scale} on {}: {e}", target.backend_name())),
                }
                progress.inc(1);
            }
        }
    }
    progress.finish_and_clear();
    say!(
        "{:<8} {:>6} {:>9} {:>11} {:<6} {:<7} {:>9} {:>9} {:>16} {:>14} {:>10} {:>8}  check",
        "network",
        "scale",
        "neurons",
        "synapses",
        "prop.",
        "backend",
        "loop s",
        "RT factor",
        "syn. events/s",
        "neuron-steps/s",
        "host µs/st",
        "exc Hz"
    );
    let mut mismatches = 0;
    for r in &rows {
        mismatches += usize::from(r.check.starts_with("MISMATCH"));
        say!(
            "{:<8} {:>6} {:>9} {:>11} {:<6} {:<7} {:>9.3} {:>9.3} {:>16.3e} {:>14.3e} {:>10} {:>8.2}  {}",
            r.network,
            r.scale,
            r.neurons,
            r.synapses,
            r.propagation,
            r.backend,
            r.seconds,
            r.real_time_factor,
            r.synaptic_events_per_s,
            r.neuron_steps_per_s,
            r.host_us_per_step.map_or("-".to_string(), |x| format!("{x:.1}")),
            r.exc_rate_hz,
            r.check
        );
    }
    if let Some(path) = json {
        write_json(&path, &rows)?;
    }
    Ok(if mismatches == 0 && !rows.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `spikegpu bench --network dc --n-exc 100,400,1600`: Diehl & Cook training samples/s (784
/// inputs, 200 steps per sample).
fn bench_dc(cells_arg: &str, backend_arg: &str, json: Option<PathBuf>) -> spikegpu::Result<ExitCode> {
    let sizes = list(cells_arg)
        .iter()
        .map(|s| match s.parse::<f64>() {
            Ok(x) if x >= 1.0 && x.fract() == 0.0 => Ok(x as usize),
            _ => Err(bad_arg("--n-exc", s, "excitatory cell counts, e.g. 100,400,1600")),
        })
        .collect::<spikegpu::Result<Vec<_>>>()?;
    let targets = bench_targets(backend_arg)?;
    say!(
        "{:<6} {:>6} {:<8} {:>8} {:>12}  device",
        "inputs",
        "cells",
        "backend",
        "samples",
        "samples/s"
    );
    let mut rows = Vec::new();
    for &n_exc in &sizes {
        for target in &targets {
            let row = spikegpu::network::bench::run_dc_row(target, 784, n_exc, 3, 200)?;
            say!(
                "{:<6} {:>6} {:<8} {:>8} {:>12.2}  {}",
                row.n_in,
                row.n_exc,
                row.backend,
                row.samples,
                row.samples_per_s,
                row.device
            );
            rows.push(row);
        }
    }
    if let Some(path) = json {
        write_json(&path, &rows)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One multi-component trace (`conformance/network/`) on the CPU and/or GPU network engines.
fn validate_network(
    path: &std::path::Path,
    name: &str,
    which: Which,
    gpu_ctx: &Option<std::result::Result<Arc<GpuContext>, String>>,
    tally: &mut Tally,
) {
    use spikegpu::network::{CpuNetwork, GpuNetwork, trace};
    let net_trace = match trace::NetTrace::load(path) {
        Ok(t) => t,
        Err(e) => {
            let outcome = Outcome::Fail(e.to_string());
            print_line(&outcome, name, "load");
            tally.add(&outcome);
            return;
        }
    };
    if which != Which::Gpu {
        let outcome = trace::replay(&net_trace, CpuNetwork::new);
        print_line(&outcome, name, "cpu");
        tally.add(&outcome);
    }
    let outcome = match gpu_ctx {
        Some(Ok(ctx)) => trace::replay(&net_trace, |g| GpuNetwork::new(ctx, g)),
        Some(Err(reason)) => Outcome::Skip(format!("no GPU: {reason}")),
        None => return,
    };
    print_line(&outcome, name, "gpu");
    tally.add(&outcome);
}

fn list(arg: &str) -> Vec<String> {
    arg.split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn bad_arg(name: &'static str, value: &str, reason: &'static str) -> spikegpu::Error {
    spikegpu::Error::InvalidParameter {
        name,
        value: value.to_string(),
        reason,
    }
}

fn bench(
    cells_arg: &str,
    n_arg: &str,
    steps: usize,
    backend_arg: &str,
    mode_arg: &str,
    repeats: usize,
    json: Option<PathBuf>,
) -> spikegpu::Result<ExitCode> {
    use spikegpu::ExecMode;
    use spikegpu::bench;
    let entries: Vec<&cells::CellEntry> = if cells_arg == "all" {
        cells::CELLS.to_vec()
    } else {
        list(cells_arg)
            .iter()
            .map(|c| cells::lookup(c))
            .collect::<spikegpu::Result<_>>()?
    };
    let sizes = list(n_arg)
        .iter()
        .map(|s| match s.parse::<f64>() {
            Ok(x) if x >= 1.0 && x.fract() == 0.0 => Ok(x as usize),
            _ => Err(bad_arg(
                "--n",
                s,
                "population sizes are positive integers (1e5 notation allowed)",
            )),
        })
        .collect::<spikegpu::Result<Vec<_>>>()?;
    let modes = list(mode_arg)
        .iter()
        .map(|m| match m.as_str() {
            "step" => Ok(ExecMode::PerStep),
            "fused" => Ok(ExecMode::Fused),
            other => Err(bad_arg("--mode", other, "use step and/or fused")),
        })
        .collect::<spikegpu::Result<Vec<_>>>()?;
    if steps == 0 || repeats == 0 {
        return Err(bad_arg("--steps/--repeats", "0", "must be at least 1"));
    }
    let targets = bench_targets(backend_arg)?;
    for t in &targets {
        say!("backend {}: {}", t.backend_name(), t.device_name());
    }
    let total = entries.len() * sizes.len() * targets.len() * modes.len();
    let progress = indicatif::ProgressBar::new(total as u64);
    progress.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut rows = Vec::new();
    for entry in &entries {
        for &n in &sizes {
            for target in &targets {
                for &mode in &modes {
                    // Cells with row passes always run per step: one row for them, not two,
                    // except on the CPU where a long row may be split over threads.
                    let cell = bench::bench_cell(entry);
                    let splits = matches!(target, bench::BenchTarget::Cpu) && bench::splits_row(cell.as_ref(), n);
                    if mode == ExecMode::Fused && modes.contains(&ExecMode::PerStep) && cell.has_row_passes() && !splits
                    {
                        progress.inc(1);
                        continue;
                    }
                    progress.set_message(format!("{} N={n} {} {:?}", entry.key, target.backend_name(), mode));
                    match bench::run_row(entry, target, n, steps, mode, repeats) {
                        Ok(row) => rows.push(row),
                        Err(e) => progress.println(format!("{} N={n} on {}: {e}", entry.key, target.backend_name())),
                    }
                    progress.inc(1);
                }
            }
        }
    }
    progress.finish_and_clear();
    bench::add_speedups(&mut rows);
    say!(
        "{:<18} {:<7} {:>10} {:>6} {:<6} {:>10} {:>10} {:>14} {:>8} {:>8}  check",
        "cell",
        "backend",
        "N",
        "steps",
        "mode",
        "ms",
        "gpu ms",
        "neuron-steps/s",
        "GB/s",
        "vs cpu"
    );
    let mut mismatches = 0;
    for r in &rows {
        mismatches += usize::from(r.check.starts_with("MISMATCH"));
        say!(
            "{:<18} {:<7} {:>10} {:>6} {:<6} {:>10.3} {:>10} {:>14.3e} {:>8.2} {:>8}  {}",
            r.cell,
            r.backend,
            r.n,
            r.steps,
            r.mode,
            r.seconds * 1e3,
            r.gpu_seconds.map_or("-".to_string(), |s| format!("{:.3}", s * 1e3)),
            r.neuron_steps_per_s,
            r.gb_per_s,
            r.speedup_vs_cpu.map_or("-".to_string(), |x| format!("{x:.1}x")),
            r.check
        );
    }
    if let Some(path) = json {
        write_json(&path, &rows)?;
    }
    if mismatches > 0 {
        eprintln!("!!! {mismatches} GPU row(s) did NOT match the CPU reference: see the check column");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn run_config(path: &std::path::Path, out: &std::path::Path, backend: &str) -> spikegpu::Result<ExitCode> {
    use spikegpu::Backend;
    let text = std::fs::read_to_string(path).map_err(|source| spikegpu::Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if spikegpu::netconfig::is_network_config(&text) {
        return run_network_config(spikegpu::netconfig::NetworkConfig::parse(path, &text)?, out, backend);
    }
    let config = spikegpu::config::RunConfig::parse(path, &text)?;
    let make = |cell: Box<dyn cells::CellModel>| -> spikegpu::Result<Population<Box<dyn Backend>>> {
        let cpu = |cell| {
            Ok(Population::cpu(cell, config.n_units, config.batch, config.seed)?
                .map_backend(|b| Box::new(b) as Box<dyn Backend>))
        };
        let ctx = match backend {
            "cpu" => return cpu(cell),
            "gpu" => match GpuContext::from_env() {
                Ok(ctx) => ctx,
                Err(e) => {
                    eprintln!("warning: no GPU ({e}); running on the CPU backend");
                    return cpu(cell);
                }
            },
            api => Arc::new(GpuContext::new(GpuApi::parse(api)?)?),
        };
        Ok(Population::gpu(&ctx, cell, config.n_units, config.batch, config.seed)?
            .map_backend(|b| Box::new(b) as Box<dyn Backend>))
    };
    let mut pop = make(config.cell.boxed())?;
    say!(
        "{}: {} × {} on {}, {} steps of {} ms",
        config.cell.variant_name(),
        config.batch,
        config.n_units,
        pop.backend().describe(),
        config.steps,
        config.dt
    );
    let progress = indicatif::ProgressBar::new(config.steps as u64);
    let result = config.run(&mut pop, out, |done| progress.set_position(done as u64));
    progress.finish_and_clear();
    let output = result?;
    say!("{} spikes in {:.2} s", output.spikes, output.seconds);
    for file in &output.files {
        say!("wrote {}", file.display());
    }
    // The files are written either way: a diverged model is a result, but never a silent one.
    for problem in &output.non_finite {
        eprintln!("warning: {problem}; an explicit integrator diverged? a smaller dt may help");
    }
    Ok(ExitCode::SUCCESS)
}
