//! The `spikegpu` command: `validate` (conformance and GPU self-check) and `info` (adapters).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use spikegpu::conformance::{self, Outcome, Tally, Trace};
use spikegpu::gpu::{self, GpuApi, GpuContext};
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
    /// List the GPU adapters wgpu finds, with their key limits.
    Info {
        /// GPU API: vulkan, metal, dx12, gl, or env (all unless WGPU_BACKEND is set).
        #[arg(long, default_value = "env")]
        api: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate { traces, backend, api } => validate(traces, backend, &api),
        Command::Info { api } => info(&api),
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
    let adapters = gpu::list_adapters(GpuApi::parse(api)?);
    if adapters.is_empty() {
        println!("no GPU adapters found; the CPU backend is always available");
        return Ok(ExitCode::FAILURE);
    }
    for (k, a) in adapters.iter().enumerate() {
        println!("[{k}] {a}");
    }
    match GpuContext::new(GpuApi::parse(api)?) {
        Ok(ctx) => println!("default choice: {} ({:?})", ctx.adapter.name, ctx.adapter.backend),
        Err(e) => println!("default choice: none ({e})"),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_line(outcome: &Outcome, name: &str, backend: &str) {
    // wgpu's messages span several lines; a report keeps one line per check.
    let detail = outcome.detail().split_whitespace().collect::<Vec<_>>().join(" ");
    println!("{:<4}  {name:<48} [{backend}]  {detail}", outcome.tag());
}

fn validate(traces: Option<PathBuf>, which: Which, api: &str) -> spikegpu::Result<ExitCode> {
    let api = GpuApi::parse(api)?;
    let mut tally = Tally::default();
    match traces {
        None => {
            let ctx = Arc::new(GpuContext::new(api)?);
            println!(
                "self-check: GPU `{}` ({:?}) against the CPU reference",
                ctx.adapter.name, ctx.adapter.backend
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
                        println!("GPU: {} ({:?})", ctx.adapter.name, ctx.adapter.backend);
                        Some(Ok(Arc::new(ctx)))
                    }
                    Err(e) if which == Which::Gpu => return Err(e),
                    Err(e) => {
                        println!("warning: no GPU, its cases are skipped: {e}");
                        Some(Err(e.to_string()))
                    }
                }
            };
            for path in conformance::trace_files(&dir)? {
                let name = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
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
    println!("{tally}");
    Ok(if tally.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
