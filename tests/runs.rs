//! Long runs: fused and per-step paths agree bit for bit, the threaded CPU equals the
//! single-threaded reference, generated drives are identical on CPU and GPU, and the bit-packed
//! raster decodes to the spikes a step-by-step loop reads.

mod common;

use spikegpu::cells::{CELLS, CellModel};
use spikegpu::run::{Drive, Record};
use spikegpu::selfcheck::{self, Exactness};
use spikegpu::{Backend, Error, ExecMode, Population};

const N: usize = 300;
const B: usize = 2;
const STEPS: usize = 25;

fn variants() -> Vec<Box<dyn CellModel>> {
    CELLS.iter().flat_map(|e| (e.variants)()).collect()
}

/// One variant per cell (the threading test needs a large population, not every option).
fn one_variant_per_cell() -> Vec<Box<dyn CellModel>> {
    CELLS.iter().filter_map(|e| (e.variants)().into_iter().next()).collect()
}

fn drives(total: usize, hi: f32) -> Vec<(&'static str, Vec<f32>, Option<Drive<'static>>)> {
    let buffer = spikegpu::rng::Key::from_seed(4).uniform(STEPS * total, 0.0, hi);
    let per_neuron = spikegpu::rng::Key::from_seed(5).uniform(total, 0.0, hi);
    vec![
        ("buffer", buffer, None),
        ("per-neuron", per_neuron, None),
        ("constant", Vec::new(), Some(Drive::Constant(hi * 0.6))),
        (
            "poisson",
            Vec::new(),
            Some(Drive::Poisson {
                rate_hz: 300.0,
                amplitude: hi,
                seed: 8,
            }),
        ),
    ]
}

fn drive_of<'a>(name: &str, values: &'a [f32], fixed: Option<Drive<'static>>) -> Drive<'a> {
    match (name, fixed) {
        (_, Some(d)) => d,
        ("buffer", None) => Drive::Buffer(values),
        _ => Drive::PerNeuron(values),
    }
}

/// Runs the same thing twice on fresh populations and compares every compartment and the
/// raster bitwise.
fn same_both_ways<A: Backend, B2: Backend>(
    cells: Vec<Box<dyn CellModel>>,
    n: usize,
    mut make_a: impl FnMut(&dyn CellModel) -> Population<A>,
    mode_a: ExecMode,
    mut make_b: impl FnMut(&dyn CellModel) -> Population<B2>,
    mode_b: ExecMode,
    exactness: impl Fn(&dyn CellModel) -> Exactness,
) {
    let record = Record {
        spikes: true,
        compartments: vec!["v".into()],
        neurons: vec![0, 7, n * B - 1],
        every: 5,
    };
    for cell in cells {
        let hi = cell.random_ranges()[0].1;
        let dt = cell.check_dt();
        for (name, values, fixed) in drives(n * B, hi) {
            let drive = drive_of(name, &values, fixed);
            let mut a = make_a(cell.as_ref());
            let mut b = make_b(cell.as_ref());
            let ra = a.run_with(STEPS, dt, drive, &record, mode_a).expect("run a");
            let rb = b.run_with(STEPS, dt, drive, &record, mode_b).expect("run b");
            let mode = exactness(cell.as_ref());
            let diff = selfcheck::compare_populations(&mut a, &mut b, mode).expect("read");
            assert_eq!(diff, None, "{} with {name} drive", cell.variant_name());
            assert_eq!(
                ra.raster,
                rb.raster,
                "{} with {name} drive: rasters",
                cell.variant_name()
            );
            let trace_diff = selfcheck::compare_compartment("v", &ra.traces["v"], &rb.traces["v"], mode);
            assert_eq!(trace_diff, None, "{} with {name} drive: traces", cell.variant_name());
        }
    }
}

#[test]
fn cpu_threaded_blocks_equal_the_single_threaded_reference() {
    // Several fused blocks (1024 to 2048 neurons, spikegpu::cpu::block_for), so that several
    // threads share the work.
    let n = 5_000;
    let cpu = |cell: &dyn CellModel| Population::cpu(cell.boxed(), n, B, 1).expect("population");
    same_both_ways(
        one_variant_per_cell(),
        n,
        cpu,
        ExecMode::Fused,
        cpu,
        ExecMode::PerStep,
        |_| Exactness::Bitwise,
    );
}

#[test]
fn gpu_fused_equals_gpu_per_step() {
    let Some(ctx) = common::gpu() else { return };
    let gpu = |cell: &dyn CellModel| Population::gpu(&ctx, cell.boxed(), N, B, 1).expect("population");
    // The same kernel code either way: bitwise on a software adapter; real GPUs may compile the
    // two entry points with different contractions.
    let exact = |cell: &dyn CellModel| {
        if ctx.adapter.is_software() {
            Exactness::Bitwise
        } else {
            Exactness::for_cell(&ctx, cell)
        }
    };
    same_both_ways(variants(), N, gpu, ExecMode::Fused, gpu, ExecMode::PerStep, exact);
}

#[test]
fn gpu_runs_equal_cpu_runs_for_every_drive() {
    let Some(ctx) = common::gpu() else { return };
    let gpu = |cell: &dyn CellModel| Population::gpu(&ctx, cell.boxed(), N, B, 1).expect("population");
    let cpu = |cell: &dyn CellModel| Population::cpu(cell.boxed(), N, B, 1).expect("population");
    same_both_ways(variants(), N, gpu, ExecMode::Auto, cpu, ExecMode::PerStep, |cell| {
        Exactness::for_cell(&ctx, cell)
    });
}

#[test]
fn the_raster_decodes_to_the_spikes_of_a_step_loop() {
    let cell = spikegpu::cells::LifCell::new(spikegpu::cells::LifParams::with_tau_m(10.0)).expect("valid");
    let (n, steps) = (100, 300);
    let drive = Drive::Poisson {
        rate_hz: 500.0,
        amplitude: 300.0,
        seed: 2,
    };
    let mut looped = Population::cpu(Box::new(cell.clone()), n, 1, 0).expect("population");
    let mut expected = Vec::new();
    for k in 0..steps {
        looped.run(1, 0.1, drive, &Record::none()).expect("one step");
        for (i, &s) in looped.read("s").expect("s").iter().enumerate() {
            if s > 0.0 {
                expected.push((k, 0, i));
            }
        }
    }
    let mut ran = Population::cpu(Box::new(cell), n, 1, 0).expect("population");
    let record = Record {
        spikes: true,
        ..Record::none()
    };
    let rec = ran.run(steps, 0.1, drive, &record).expect("run");
    assert!(expected.len() > 50, "the drive makes spikes: {}", expected.len());
    assert_eq!(rec.spike_events(), expected);
    assert_eq!(rec.spike_counts().iter().sum::<u32>() as usize, expected.len());
    assert!(rec.spiked(expected[0].0, expected[0].2));
    assert_eq!(
        ran.recording_bytes(steps, &record),
        (steps * 4 * 4) as u64,
        "4 words of 32 neurons per step"
    );
}

#[test]
fn recordings_and_drives_are_checked() {
    let cell = spikegpu::cells::LifCell::new(spikegpu::cells::LifParams::with_tau_m(10.0)).expect("valid");
    let mut pop = Population::cpu(Box::new(cell), 10, 1, 0).expect("population");
    let bad_neuron = Record {
        compartments: vec!["v".into()],
        neurons: vec![10],
        every: 1,
        spikes: false,
    };
    assert!(matches!(
        pop.run(5, 0.1, Drive::Current, &bad_neuron),
        Err(Error::InvalidParameter { name: "neurons", .. })
    ));
    let bad_every = Record {
        every: 0,
        ..Record::none()
    };
    assert!(matches!(
        pop.run(5, 0.1, Drive::Current, &bad_every),
        Err(Error::InvalidParameter { name: "every", .. })
    ));
    let bad_name = Record {
        compartments: vec!["w".into()],
        neurons: vec![1],
        every: 1,
        spikes: false,
    };
    assert!(matches!(
        pop.run(5, 0.1, Drive::Current, &bad_name),
        Err(Error::UnknownCompartment { .. })
    ));
    assert!(matches!(
        pop.run(
            5,
            0.1,
            Drive::Bernoulli {
                p: 1.5,
                amplitude: 1.0,
                seed: 0
            },
            &Record::none()
        ),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        pop.run(
            5,
            0.1,
            Drive::Poisson {
                rate_hz: 20_000.0,
                amplitude: 1.0,
                seed: 0
            },
            &Record::none()
        ),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        pop.run(5, 0.1, Drive::Constant(f32::NAN), &Record::none()),
        Err(Error::NonFiniteInput { .. })
    ));
    assert!(matches!(
        pop.run(5, 0.1, Drive::PerNeuron(&[1.0; 9]), &Record::none()),
        Err(Error::InputLength { .. })
    ));
    // Nothing ran.
    assert_eq!(pop.read("v").expect("v"), vec![-65.0; 10]);
}

#[test]
fn a_constant_drive_leaves_it_in_j_like_ngclearn() {
    let cell = spikegpu::cells::LifCell::new(spikegpu::cells::LifParams::with_tau_m(10.0)).expect("valid");
    let mut pop = Population::cpu(Box::new(cell), 4, 1, 0).expect("population");
    pop.run(20, 0.1, Drive::Constant(12.5), &Record::none()).expect("run");
    assert_eq!(pop.read("j").expect("j"), vec![12.5; 4]);
}
