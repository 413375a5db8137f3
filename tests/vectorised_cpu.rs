//! The vectorised CPU backend computes the reference's bits: every copy of the element loops
//! (AVX-512, AVX2, the baseline) this CPU can run gives the same states and rasters, on the
//! per-step and the fused path, and a long row split over threads (WTAS) equals the
//! single-threaded row.

use spikegpu::cells::{CELLS, CellModel, WtasCell, WtasParams};
use spikegpu::reductions::ROW_CHUNK;
use spikegpu::run::{Drive, Record};
use spikegpu::simd::{self, Level};
use spikegpu::{Backend, CpuBackend, ExecMode, Population};

/// Every compartment after the run, and the raster.
fn run(
    cell: &dyn CellModel,
    n: usize,
    batch: usize,
    threads: usize,
    steps: usize,
    mode: ExecMode,
) -> (Vec<Vec<u32>>, Vec<u32>) {
    let hi = cell.random_ranges()[0].1;
    let drive = spikegpu::rng::Key::from_seed(5).uniform(n * batch, 0.0, hi);
    let mut pop = Population::cpu(cell.boxed(), n, batch, 3)
        .expect("population")
        .map_backend(|b: CpuBackend| b.with_threads(threads));
    let record = Record {
        spikes: true,
        ..Record::none()
    };
    let rec = pop
        .run_with(steps, cell.check_dt(), Drive::PerNeuron(&drive), &record, mode)
        .expect("run");
    let compartments = cell.compartments().len();
    let states = (0..compartments)
        .map(|c| {
            pop.backend_mut()
                .read(c)
                .expect("read")
                .iter()
                .map(|x| x.to_bits())
                .collect()
        })
        .collect();
    (states, rec.raster)
}

#[test]
fn every_simd_level_computes_the_same_bits() {
    let levels: Vec<Level> = [Level::Baseline, Level::Avx2, Level::Avx512]
        .into_iter()
        .filter(|&l| l <= simd::detected())
        .collect();
    println!(
        "SIMD levels on this CPU: {:?}",
        levels.iter().map(|l| l.name()).collect::<Vec<_>>()
    );
    let cells: Vec<Box<dyn CellModel>> = CELLS.iter().flat_map(|e| (e.variants)()).collect();
    // 3,000 neurons: whole fused blocks and a ragged one for every cell (blocks of 1024 to
    // 2048, spikegpu::cpu::block_for), and loop tails at every width.
    let (n, batch, steps) = (1_500, 2, 20);
    for mode in [ExecMode::PerStep, ExecMode::Fused] {
        simd::limit(Level::Baseline);
        let reference: Vec<_> = cells
            .iter()
            .map(|c| run(c.as_ref(), n, batch, 2, steps, mode))
            .collect();
        for &level in &levels[1..] {
            assert_eq!(simd::limit(level), level);
            for (cell, expected) in cells.iter().zip(&reference) {
                let got = run(cell.as_ref(), n, batch, 2, steps, mode);
                assert!(
                    got == *expected,
                    "{} ({mode:?}) at {} differs from the baseline",
                    cell.variant_name(),
                    level.name()
                );
            }
        }
    }
    simd::limit(Level::Avx512);
}

#[test]
fn a_long_row_split_over_threads_equals_the_single_threaded_row() {
    // Three chunks and a ragged fourth: two threads get two chunks each, three threads 1, 1, 2.
    let n = 3 * ROW_CHUNK + 1_000;
    // A low threshold: with inputs up to 2,000 the softmax shares its mass among the top units.
    let cell = WtasCell::new(WtasParams {
        thr_base: 0.03,
        ..WtasParams::with_tau_m(1.0)
    })
    .expect("valid");
    let reference = run(&cell, n, 1, 1, 30, ExecMode::PerStep);
    let spikes: u32 = reference.1.iter().map(|w| w.count_ones()).sum();
    assert!(spikes > 0, "the check needs spikes");
    for threads in [2, 3, 5] {
        let split = run(&cell, n, 1, threads, 30, ExecMode::Auto);
        assert!(
            split == reference,
            "WTAS split over {threads} threads differs from one thread"
        );
    }
}
