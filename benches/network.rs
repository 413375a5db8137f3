//! Criterion benchmark of the CUBA network (Brette et al. 2007): CPU and GPU in one group,
//! throughput = neurons × steps. A GPU run ends with its readback, so timings include the GPU's
//! completion. `SPIKEGPU_BENCH_SMALL=1` shrinks it (1,000 cells, 50 steps; for CI); `cargo
//! bench` otherwise runs 4,000 cells × 1,000 steps (100 ms of biological time).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use spikegpu::GpuContext;
use spikegpu::network::models::CubaParams;
use spikegpu::network::{NetEngine, NetRecord, Network, NetworkBuilder};

fn bench_cuba(c: &mut Criterion) {
    let small = std::env::var("SPIKEGPU_BENCH_SMALL").is_ok_and(|v| !v.is_empty() && v != "0");
    let (scale, steps) = if small { (0.25, 50) } else { (1.0, 1000) };
    let params = CubaParams {
        scale,
        ..CubaParams::default()
    };
    let gpu = GpuContext::from_env().ok();
    if gpu.is_none() {
        eprintln!("no GPU adapter: benchmarking the CPU backend only");
    }
    let mut group = c.benchmark_group("cuba");
    let neurons = (4000.0 * scale) as usize;
    group.throughput(Throughput::Elements((neurons * steps) as u64));
    group.sample_size(10);
    fn timed<E: NetEngine>(
        group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
        label: &str,
        mut net: Network<E>,
        steps: usize,
    ) {
        group.bench_function(label, |b| {
            b.iter(|| net.run(steps, 0.1, &NetRecord::default()).expect("run"))
        });
    }
    // Gather (exact float sums) and event-driven (fixed-point, cost ∝ spikes × fan-out) rows.
    for (suffix, event) in [("", false), ("-event", true)] {
        let params = CubaParams { event, ..params };
        let mut b = NetworkBuilder::new(1, params.seed);
        let cuba = params.build(&mut b).expect("CUBA");
        let mut cpu = b.build_cpu().expect("CPU network");
        params.initialise(&mut cpu, &cuba).expect("initial v");
        timed(&mut group, &format!("cpu{suffix}"), cpu, steps);
        if let Some(ctx) = &gpu {
            let mut b = NetworkBuilder::new(1, params.seed);
            let cuba = params.build(&mut b).expect("CUBA");
            let mut net = b.build_gpu(ctx).expect("GPU network");
            params.initialise(&mut net, &cuba).expect("initial v");
            timed(&mut group, &format!("gpu{suffix}"), net, steps);
        }
    }
    group.finish();
}

criterion_group!(benches, bench_cuba);
criterion_main!(benches);
