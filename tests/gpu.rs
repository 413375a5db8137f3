//! GPU tests: skip with a printed reason without an adapter, fail then if
//! `SPIKEGPU_REQUIRE_GPU=1` (CI runs them on Mesa's software Vulkan driver).

mod common;

use spikegpu::cells::{CELLS, LifCell, LifParams};
use spikegpu::conformance::{self, Outcome, Trace};
use spikegpu::rng::Key;
use spikegpu::run::{Drive, Record};
use spikegpu::selfcheck::{self, Exactness};
use spikegpu::{Error, GpuApi, GpuContext, Population};

#[test]
fn wgsl_prng_is_bit_identical_over_1e5_elements() {
    let Some(ctx) = common::gpu() else { return };
    for key in [
        Key::from_seed(0),
        Key::from_seed(42).split().1,
        Key([0xdead_beef, 0x0123_4567]),
    ] {
        let outcome = selfcheck::check_rng(&ctx, key, 100_000).expect("check runs");
        assert!(matches!(outcome, Outcome::Pass(_)), "{outcome:?}");
    }
}

#[test]
fn gpu_passes_every_implemented_trace() {
    let Some(ctx) = common::gpu() else { return };
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let files = common::implemented_traces(&dir);
    assert!(files.len() >= 22, "only {} traces of implemented cells", files.len());
    for path in files {
        let trace = Trace::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let outcome = conformance::replay(&trace, |cell, n, b, seed| Population::gpu(&ctx, cell, n, b, seed));
        assert!(matches!(outcome, Outcome::Pass(_)), "{}: {outcome:?}", trace.case);
    }
}

#[test]
fn gpu_matches_cpu_for_every_variant() {
    let Some(ctx) = common::gpu() else { return };
    for entry in CELLS {
        for (k, cell) in (entry.variants)().iter().enumerate() {
            let outcome = selfcheck::check_variant(&ctx, cell.as_ref(), 1031, 2, k as u64).expect("check runs");
            assert!(
                matches!(outcome, Outcome::Pass(_)),
                "{}: {outcome:?}",
                cell.variant_name()
            );
        }
    }
}

#[test]
fn row_passes_are_correct_for_any_row_length() {
    let Some(ctx) = common::gpu() else { return };
    // Rows shorter than, equal to and longer than a workgroup, and more rows than threads.
    let shapes = [(1, 1), (7, 3), (256, 2), (257, 2), (3000, 1), (5, 300)];
    for (one_spike, max_one_spike) in [(true, false), (false, true)] {
        let cell = LifCell::new(LifParams {
            one_spike,
            max_one_spike,
            ..LifParams::with_tau_m(10.0)
        })
        .expect("valid");
        for (n, b) in shapes {
            let outcome = selfcheck::check_variant(&ctx, &cell, n, b, 7).expect("check runs");
            assert!(
                matches!(outcome, Outcome::Pass(_)),
                "one_spike={one_spike} max_one_spike={max_one_spike} {b}×{n}: {outcome:?}"
            );
        }
    }
}

#[test]
fn one_spike_selection_is_deterministic() {
    let Some(ctx) = common::gpu() else { return };
    let cell = LifCell::new(LifParams {
        one_spike: true,
        ..LifParams::with_tau_m(10.0)
    })
    .expect("valid");
    // Strong enough that many units of a row cross the threshold on the same steps.
    let (n, b, steps) = (5000, 2, 60);
    let inputs: Vec<f32> = Key::from_seed(3).uniform(n * b * steps, 60.0, 150.0);
    let mut runs = Vec::new();
    for _ in 0..2 {
        let mut pop = Population::gpu(&ctx, Box::new(cell.clone()), n, b, 11).expect("population");
        pop.run(steps, 0.1, Drive::Buffer(&inputs), &Record::none())
            .expect("run");
        runs.push((pop.read("s").expect("s"), pop.read("tols").expect("tols")));
    }
    assert_eq!(runs[0], runs[1]);
    // tols keeps the time of every selected spike of the run: the draws decided something.
    assert!(runs[0].1.iter().any(|&t| t > 0.0), "the case must select spikes");
}

#[test]
fn gpu_run_equals_gpu_single_steps() {
    let Some(ctx) = common::gpu() else { return };
    let cell = LifCell::new(LifParams {
        max_one_spike: true,
        ..LifParams::with_tau_m(10.0)
    })
    .expect("valid");
    let (n, b, steps) = (777, 2, 25);
    let inputs: Vec<f32> = Key::from_seed(5).uniform(n * b * steps, 0.0, 80.0);
    let mut stepped = Population::gpu(&ctx, Box::new(cell.clone()), n, b, 1).expect("population");
    for k in 0..steps {
        stepped.set_input(&inputs[k * n * b..(k + 1) * n * b]).expect("input");
        stepped.step(0.1).expect("step");
    }
    let mut ran = Population::gpu(&ctx, Box::new(cell), n, b, 1).expect("population");
    ran.run(steps, 0.1, Drive::Buffer(&inputs), &Record::none())
        .expect("run");
    let diff = selfcheck::compare_populations(&mut ran, &mut stepped, Exactness::Bitwise).expect("read back");
    assert_eq!(diff, None);
}

#[test]
fn gpu_reset_follows_ngclearn() {
    let Some(ctx) = common::gpu() else { return };
    let cell = LifCell::new(LifParams::with_tau_m(10.0)).expect("valid");
    let mut pop = Population::gpu(&ctx, Box::new(cell), 3, 1, 0).expect("population");
    pop.set_input(&[40.0; 3]).expect("input");
    for _ in 0..100 {
        pop.step(0.1).expect("step");
    }
    let theta = pop.read("thr_theta").expect("theta");
    assert!(theta.iter().all(|&x| x > 0.0));
    pop.reset().expect("reset");
    assert_eq!(pop.read("thr_theta").expect("theta"), theta);
    assert_eq!(pop.read("v_thr").expect("v_thr"), vec![-52.0; 3]);
    assert_eq!(pop.read("j").expect("j"), vec![0.0; 3]);
}

#[test]
fn gpu_rejects_bad_input_before_touching_the_device() {
    let Some(ctx) = common::gpu() else { return };
    let cell = LifCell::new(LifParams::with_tau_m(10.0)).expect("valid");
    let mut pop = Population::gpu(&ctx, Box::new(cell), 4, 1, 0).expect("population");
    assert!(matches!(
        pop.set_input(&[1.0, f32::NAN, 1.0, 1.0]),
        Err(Error::NonFiniteInput { index: 1, .. })
    ));
    assert!(matches!(pop.set_input(&[1.0; 5]), Err(Error::InputLength { .. })));
    assert_eq!(pop.read("j").expect("j"), vec![0.0; 4]);
}

#[test]
fn an_absent_backend_is_an_error_not_a_fallback() {
    // No Metal on Linux and Windows, no DX12 on Linux: the named backend is not replaced by
    // whatever else exists.
    #[cfg(target_os = "linux")]
    for api in [GpuApi::Metal, GpuApi::Dx12] {
        match GpuContext::new(api) {
            Err(Error::NoAdapter { hint, .. }) => {
                assert!(hint.contains("mesa-vulkan-drivers"), "{hint}")
            }
            Err(Error::BackendMismatch { .. }) => {}
            other => panic!("{api:?}: expected an error, got {other:?}"),
        }
    }
}
