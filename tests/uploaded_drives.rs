//! Drives uploaded once (`Population::upload_drive`, `Drive::Uploaded`) give exactly the results
//! of the slice drives they were made from, on both backends and run after run; GPU runs with
//! them equal CPU runs; handles are checked against the population and the run; and repeated GPU
//! runs of one shape create no buffers, bind groups or query sets.

mod common;

use spikegpu::cells::{CELLS, CellModel, LifCell, LifParams};
use spikegpu::rng::Key;
use spikegpu::run::{Drive, Record};
use spikegpu::selfcheck::{self, Exactness};
use spikegpu::{Backend, Error, ExecMode, GpuBackend, Population};

const N: usize = 300;
const B: usize = 2;
const STEPS: usize = 25;

fn one_variant_per_cell() -> Vec<Box<dyn CellModel>> {
    CELLS.iter().filter_map(|e| (e.variants)().into_iter().next()).collect()
}

fn record(total: usize) -> Record {
    Record {
        spikes: true,
        compartments: vec!["v".into()],
        neurons: vec![0, 7, total - 1],
        every: 5,
    }
}

/// The per-neuron and per-step values of a cell's drive.
fn values(cell: &dyn CellModel, total: usize) -> (Vec<f32>, Vec<f32>) {
    let hi = cell.random_ranges()[0].1;
    (
        Key::from_seed(5).uniform(total, 0.0, hi),
        Key::from_seed(4).uniform(STEPS * total, 0.0, hi),
    )
}

/// Runs `a` with `drive_a` and `b` with `drive_b` for each of `steps`, comparing every
/// compartment, the raster and the trace after each run.
fn same_runs<A: Backend, C: Backend>(
    what: &str,
    (a, drive_a): (&mut Population<A>, Drive<'_>),
    (b, drive_b): (&mut Population<C>, Drive<'_>),
    steps: &[usize],
    mode: Exactness,
) {
    let record = record(a.n_units() * a.batch());
    let dt = a.cell().check_dt();
    for (run, &k) in steps.iter().enumerate() {
        let ra = a.run(k, dt, drive_a, &record).expect("run a");
        let rb = b.run(k, dt, drive_b, &record).expect("run b");
        let diff = selfcheck::compare_populations(a, b, mode).expect("read");
        assert_eq!(diff, None, "{what}, run {run}");
        assert_eq!(ra.raster, rb.raster, "{what}, run {run}: rasters");
        let trace_diff = selfcheck::compare_compartment("v", &ra.traces["v"], &rb.traces["v"], mode);
        assert_eq!(trace_diff, None, "{what}, run {run}: traces");
    }
}

/// On one backend: uploaded per-neuron and per-step drives equal the slices, bit for bit.
fn uploaded_equals_slices<Bk: Backend>(make: impl Fn(&dyn CellModel) -> Population<Bk>) {
    for cell in one_variant_per_cell() {
        let name = cell.variant_name();
        let (per_neuron, per_step) = values(cell.as_ref(), N * B);
        let (mut a, mut b) = (make(cell.as_ref()), make(cell.as_ref()));
        let handle = a.upload_drive(Drive::PerNeuron(&per_neuron)).expect("upload");
        same_runs(
            &format!("{name}, per-neuron"),
            (&mut a, Drive::Uploaded(&handle)),
            (&mut b, Drive::PerNeuron(&per_neuron)),
            &[STEPS, 10, STEPS],
            Exactness::Bitwise,
        );
        let handle = a.upload_drive(Drive::Buffer(&per_step)).expect("upload");
        assert_eq!(handle.steps(), Some(STEPS));
        same_runs(
            &format!("{name}, per-step"),
            (&mut a, Drive::Uploaded(&handle)),
            (&mut b, Drive::Buffer(&per_step)),
            &[STEPS, STEPS],
            Exactness::Bitwise,
        );
    }
}

#[test]
fn cpu_uploaded_drives_equal_slice_drives() {
    uploaded_equals_slices(|cell| Population::cpu(cell.boxed(), N, B, 1).expect("population"));
}

#[test]
fn gpu_uploaded_drives_equal_slice_drives() {
    let Some(ctx) = common::gpu() else { return };
    uploaded_equals_slices(|cell| Population::gpu(&ctx, cell.boxed(), N, B, 1).expect("population"));
}

#[test]
fn gpu_runs_with_uploaded_drives_equal_cpu_runs() {
    let Some(ctx) = common::gpu() else { return };
    for cell in one_variant_per_cell() {
        let name = cell.variant_name();
        let mode = Exactness::for_cell(&ctx, cell.as_ref());
        let (per_neuron, per_step) = values(cell.as_ref(), N * B);
        let mut gpu = Population::gpu(&ctx, cell.boxed(), N, B, 1).expect("population");
        let mut cpu = Population::cpu(cell.boxed(), N, B, 1).expect("population");
        let (g, c) = (
            gpu.upload_drive(Drive::PerNeuron(&per_neuron)).expect("upload"),
            cpu.upload_drive(Drive::PerNeuron(&per_neuron)).expect("upload"),
        );
        // Runs of changing length: the GPU reuses its buffers (a shorter run's raster in the
        // longer one's buffer), and each run must still equal the CPU's.
        same_runs(
            &format!("{name}, per-neuron"),
            (&mut gpu, Drive::Uploaded(&g)),
            (&mut cpu, Drive::Uploaded(&c)),
            &[STEPS, 10, STEPS, 3],
            mode,
        );
        let (g, c) = (
            gpu.upload_drive(Drive::Buffer(&per_step)).expect("upload"),
            cpu.upload_drive(Drive::Buffer(&per_step)).expect("upload"),
        );
        same_runs(
            &format!("{name}, per-step"),
            (&mut gpu, Drive::Uploaded(&g)),
            (&mut cpu, Drive::Uploaded(&c)),
            &[STEPS, STEPS],
            mode,
        );
    }
}

#[test]
fn an_uploaded_drive_encoded_into_a_callers_encoder_equals_a_run() {
    let Some(ctx) = common::gpu() else { return };
    let cell = LifCell::new(LifParams::with_tau_m(10.0)).expect("valid");
    let (per_neuron, per_step) = values(&cell, N * B);
    let per_step = &per_step[..5 * N * B];
    let mut encoded = Population::gpu(&ctx, Box::new(cell.clone()), N, B, 0).expect("population");
    let mut ran = Population::gpu(&ctx, Box::new(cell), N, B, 0).expect("population");
    let steps = encoded.upload_drive(Drive::Buffer(per_step)).expect("upload");
    let neurons = encoded.upload_drive(Drive::PerNeuron(&per_neuron)).expect("upload");
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    encoded
        .encode_run(&mut encoder, 5, 0.1, Drive::Uploaded(&steps))
        .expect("encode");
    encoded
        .encode_run(&mut encoder, 3, 0.1, Drive::Uploaded(&neurons))
        .expect("encode");
    ctx.queue.submit([encoder.finish()]);
    ran.run(5, 0.1, Drive::Buffer(per_step), &Record::none()).expect("run");
    ran.run(3, 0.1, Drive::PerNeuron(&per_neuron), &Record::none())
        .expect("run");
    let diff = selfcheck::compare_populations(&mut encoded, &mut ran, Exactness::Bitwise).expect("read");
    assert_eq!(diff, None);
}

/// The handle checks, on any backend.
fn handles_are_checked<Bk: Backend>(make: impl Fn(usize) -> Population<Bk>) {
    let mut pop = make(N);
    let mut other = make(N);
    let mut smaller = make(N - 1);
    let total = N * B;
    let handle = pop.upload_drive(Drive::PerNeuron(&vec![1.0; total])).expect("upload");
    assert_eq!(
        (handle.population(), handle.len(), handle.steps()),
        (pop.id(), total, None)
    );
    // Another population, even of the same shape, does not accept it.
    let foreign = other.run(3, 0.1, Drive::Uploaded(&handle), &Record::none());
    let uploader = format!("#{}", pop.id());
    assert!(
        matches!(&foreign, Err(Error::InvalidParameter { name: "drive", value, .. }) if value.contains(&uploader)),
        "{foreign:?}"
    );
    assert!(matches!(
        smaller.run(3, 0.1, Drive::Uploaded(&handle), &Record::none()),
        Err(Error::InvalidParameter { name: "drive", .. })
    ));
    // A per-step handle only for runs of its K steps.
    let steps = pop.upload_drive(Drive::Buffer(&vec![1.0; 4 * total])).expect("upload");
    assert_eq!(steps.steps(), Some(4));
    pop.run(4, 0.1, Drive::Uploaded(&steps), &Record::none())
        .expect("4 steps");
    assert!(matches!(
        pop.run(5, 0.1, Drive::Uploaded(&steps), &Record::none()),
        Err(Error::InputLength { got, expected, .. }) if got == 4 * total && expected == 5 * total
    ));
    // What can be uploaded, and what values.
    assert!(matches!(
        pop.upload_drive(Drive::Constant(1.0)),
        Err(Error::InvalidParameter { name: "drive", .. })
    ));
    assert!(matches!(
        pop.upload_drive(Drive::Buffer(&vec![1.0; total + 1])),
        Err(Error::InputLength { .. })
    ));
    assert!(matches!(
        pop.upload_drive(Drive::Buffer(&[])),
        Err(Error::InputLength { .. })
    ));
    assert!(matches!(
        pop.upload_drive(Drive::PerNeuron(&vec![1.0; total - 1])),
        Err(Error::InputLength { .. })
    ));
    let mut bad = vec![1.0; total];
    bad[5] = f32::NAN;
    assert!(matches!(
        pop.upload_drive(Drive::PerNeuron(&bad)),
        Err(Error::NonFiniteInput { index: 5, .. })
    ));
    // Boxing the backend keeps the population, and its handles.
    let mut boxed = pop.map_backend(|b| Box::new(b) as Box<dyn Backend>);
    boxed
        .run(2, 0.1, Drive::Uploaded(&handle), &Record::none())
        .expect("same population");
}

#[test]
fn cpu_handles_are_checked() {
    handles_are_checked(|n| Population::cpu(Box::new(lif()), n, B, 0).expect("population"));
}

#[test]
fn gpu_handles_are_checked() {
    let Some(ctx) = common::gpu() else { return };
    handles_are_checked(|n| Population::gpu(&ctx, Box::new(lif()), n, B, 0).expect("population"));
}

fn lif() -> LifCell {
    LifCell::new(LifParams::with_tau_m(10.0)).expect("valid")
}

/// A run followed by `repeats` runs of the same shape: the first allocates, the others nothing.
fn allocates_once(pop: &mut Population<GpuBackend>, what: &str, steps: usize, drive: Drive<'_>, record: &Record) {
    let before = pop.backend().run_allocations();
    pop.run_with(steps, 0.1, drive, record, ExecMode::Auto).expect("run");
    let after_first = pop.backend().run_allocations();
    for repeat in 1..4 {
        pop.run_with(steps, 0.1, drive, record, ExecMode::Auto).expect("run");
        assert_eq!(
            pop.backend().run_allocations(),
            after_first,
            "{what}: run {repeat} after the first created resources (first run: {before:?} → {after_first:?})"
        );
    }
}

#[test]
fn repeated_gpu_runs_of_one_shape_allocate_nothing() {
    let Some(ctx) = common::gpu() else { return };
    let total = N * B;
    let per_neuron = Key::from_seed(5).uniform(total, 0.0, 40.0);
    let per_step = Key::from_seed(4).uniform(STEPS * total, 0.0, 40.0);
    let recorded = record(total);
    // LIF runs fused; WTAS has row passes and runs one dispatch per step.
    let wtas = CELLS
        .iter()
        .find(|e| e.key == "wtas")
        .map(|e| (e.variants)().swap_remove(0))
        .expect("the WTAS cell is registered");
    for cell in [Box::new(lif()) as Box<dyn CellModel>, wtas] {
        let mut pop = Population::gpu(&ctx, cell.boxed(), N, B, 0).expect("population");
        let first = pop.backend().run_allocations();
        pop.run(STEPS, 0.1, Drive::Constant(20.0), &recorded).expect("run");
        assert!(
            pop.backend().run_allocations().buffers > first.buffers
                && pop.backend().run_allocations().bind_groups > first.bind_groups,
            "the counter sees the first run's buffers and bind groups"
        );
        let uploaded_neurons = pop.upload_drive(Drive::PerNeuron(&per_neuron)).expect("upload");
        let uploaded_steps = pop.upload_drive(Drive::Buffer(&per_step)).expect("upload");
        let poisson = Drive::Poisson {
            rate_hz: 300.0,
            amplitude: 40.0,
            seed: 8,
        };
        let drives = [
            ("per-neuron slice", Drive::PerNeuron(&per_neuron)),
            ("per-step slice", Drive::Buffer(&per_step)),
            ("uploaded per-neuron", Drive::Uploaded(&uploaded_neurons)),
            ("uploaded per-step", Drive::Uploaded(&uploaded_steps)),
            ("poisson", poisson),
            ("constant", Drive::Constant(20.0)),
            ("current", Drive::Current),
        ];
        for (record_name, rec) in [("nothing", Record::none()), ("spikes and v", recorded.clone())] {
            for (drive_name, drive) in drives {
                let what = format!("{}, {drive_name} drive, recording {record_name}", cell.variant_name());
                allocates_once(&mut pop, &what, STEPS, drive, &rec);
            }
        }
        // Shorter runs fit the buffers of longer ones, and runs that alternate between a
        // generated, a sliced and an uploaded drive keep a bind group for each (the bind group
        // of an uploaded drive binds the last one used: here the per-neuron one).
        pop.run(STEPS / 2, 0.1, Drive::Uploaded(&uploaded_neurons), &recorded)
            .expect("run");
        let grown = pop.backend().run_allocations();
        for drive in [
            Drive::Current,
            Drive::PerNeuron(&per_neuron),
            Drive::Uploaded(&uploaded_neurons),
            poisson,
        ] {
            pop.run(STEPS / 2, 0.1, drive, &recorded).expect("run");
        }
        assert_eq!(
            pop.backend().run_allocations(),
            grown,
            "shorter runs, alternating drives, reuse the buffers and bind groups"
        );
        // Timing adds one query set once.
        pop.backend_mut().set_timing(true);
        allocates_once(&mut pop, "timed", STEPS, Drive::Uploaded(&uploaded_neurons), &recorded);
        // Freed buffers are allocated again, once.
        pop.backend_mut().trim_run_buffers();
        let trimmed = pop.backend().run_allocations();
        allocates_once(&mut pop, "after trimming", STEPS, Drive::Constant(20.0), &recorded);
        assert!(pop.backend().run_allocations().buffers > trimmed.buffers);
    }
}
