//! Criterion benchmarks: every cell, CPU and GPU in one group, throughput = neurons × steps.
//! GPU timings include waiting for the GPU to finish. `SPIKEGPU_BENCH_SMALL=1` shrinks the
//! population and run (for CI); `cargo bench` otherwise uses 1e5 neurons × 100 steps.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spikegpu::bench::bench_cell;
use spikegpu::cells::CELLS;
use spikegpu::rng::Key;
use spikegpu::run::{Drive, Record};
use spikegpu::{ExecMode, GpuContext, Population};

fn bench_cells(c: &mut Criterion) {
    let small = std::env::var("SPIKEGPU_BENCH_SMALL").is_ok_and(|v| !v.is_empty() && v != "0");
    let (n, steps) = if small { (10_000, 20) } else { (100_000, 100) };
    let gpu = GpuContext::from_env().ok();
    if gpu.is_none() {
        eprintln!("no GPU adapter: benchmarking the CPU backend only");
    }
    let none = Record::none();
    for entry in CELLS {
        let cell = bench_cell(entry);
        let dt = cell.check_dt();
        let (lo, hi) = cell.random_ranges()[0];
        let inputs = Key::from_seed(1).uniform(n, lo + 0.3 * (hi - lo), lo + 0.7 * (hi - lo));
        let mut group = c.benchmark_group(entry.key);
        group.throughput(Throughput::Elements((n * steps) as u64));
        group.sample_size(10);
        for (label, mode) in [("step", ExecMode::PerStep), ("fused", ExecMode::Fused)] {
            let mut cpu = Population::cpu(cell.boxed(), n, 1, 1).expect("CPU population");
            group.bench_function(format!("cpu/{label}"), |b| {
                b.iter(|| {
                    cpu.run_with(steps, dt, Drive::PerNeuron(&inputs), &none, mode)
                        .expect("CPU run")
                })
            });
            if let Some(ctx) = &gpu {
                let mut pop = Population::gpu(ctx, cell.boxed(), n, 1, 1).expect("GPU population");
                group.bench_function(format!("gpu/{label}"), |b| {
                    b.iter(|| {
                        pop.run_with(steps, dt, Drive::PerNeuron(&inputs), &none, mode)
                            .expect("GPU run");
                        pop.synchronize().expect("GPU completion");
                    })
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, bench_cells);
criterion_main!(benches);
