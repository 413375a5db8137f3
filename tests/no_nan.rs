//! No NaN from finite input where ngclearn makes one: AdEx's midpoint overflow and HH's 0/0
//! rate functions. An unguarded float32 re-implementation of the reference's formulas shows
//! that the inputs used here really do produce NaN there.

mod common;

use spikegpu::cells::hodgkin_huxley::rates;
use spikegpu::cells::{AdExCell, AdExParams, CellModel, HodgkinHuxleyCell, HodgkinHuxleyParams};
use spikegpu::integrators::Integrator;
use spikegpu::{Backend, Population};

/// The reference's AdEx midpoint step, unguarded (SEMANTICS §6), for one unit.
fn reference_adex_midpoint(p: &AdExParams, v: f32, w: f32, j: f32, dt: f32) -> (f32, f32) {
    let fv = |x: f32| {
        (-(x - p.v_rest) + p.v_sharpness * ((x - p.intrinsic_mem_thr) / p.v_sharpness).exp() - p.resist_m * w
            + p.resist_m * j)
            * (1.0 / p.tau_m)
    };
    let fw = |x: f32| (-x + (v - p.v_rest) * p.a) * (1.0 / p.tau_w);
    let v1 = v + fv(v + fv(v) * (dt * 0.5)) * dt;
    let w1 = w + fw(w + fw(w) * (dt * 0.5)) * dt;
    let s = if v1 > p.thr { 1.0 } else { 0.0 };
    (v1 * (1.0 - s) + s * p.v_reset, w1 * (1.0 - s) + s * (w1 + p.b))
}

const CURRENTS: [f32; 11] = [20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0, 110.0, 120.0];

fn adex_sweep_is_finite<B: Backend>(mut make: impl FnMut(Box<dyn CellModel>) -> Population<B>) {
    let p = AdExParams {
        integration_type: Integrator::Midpoint,
        ..AdExParams::default()
    };
    let mut reference_nans = 0;
    for dt in [0.01f32, 0.05, 0.1] {
        let steps = (30.0 / dt) as usize;
        // The unguarded reference on the same inputs.
        for &j in &CURRENTS {
            let (mut v, mut w) = (p.v0, p.w0);
            for _ in 0..steps {
                (v, w) = reference_adex_midpoint(&p, v, w, j, dt);
            }
            reference_nans += usize::from(v.is_nan() || w.is_nan());
        }
        let mut pop = make(Box::new(AdExCell::new(p.clone()).expect("valid")));
        pop.set_input(&CURRENTS).expect("input");
        for _ in 0..steps {
            pop.step(f64::from(dt)).expect("step");
        }
        for name in ["v", "w", "s", "tols"] {
            let values = pop.read(name).expect("read");
            assert!(values.iter().all(|x| x.is_finite()), "dt {dt}: `{name}` = {values:?}");
        }
        let tols = pop.read("tols").expect("tols");
        assert!(
            tols[4..].iter().all(|&t| t > 0.0),
            "units driven with j ≥ 60 fired: {tols:?}"
        );
    }
    assert!(
        reference_nans >= 10,
        "the unguarded reference should go NaN on these inputs ({reference_nans})"
    );
}

#[test]
fn adex_midpoint_stays_finite_where_the_reference_overflows_cpu() {
    adex_sweep_is_finite(|cell| Population::cpu(cell, CURRENTS.len(), 1, 0).expect("population"));
}

#[test]
fn adex_midpoint_stays_finite_where_the_reference_overflows_gpu() {
    let Some(ctx) = common::gpu() else { return };
    adex_sweep_is_finite(|cell| Population::gpu(&ctx, cell, CURRENTS.len(), 1, 0).expect("population"));
}

#[test]
fn hh_rates_use_their_limits_at_10_and_25_mv() {
    // Unguarded: 0.01·0/(exp(0) − 1) = 0/0.
    let naive_an = |v: f32| 0.01 * (10.0 - v) / (((10.0 - v) / 10.0).exp() - 1.0);
    assert!(naive_an(10.0).is_nan());
    let r10 = rates(10.0);
    let r25 = rates(25.0);
    assert_eq!(r10[0], 0.01f32 * 10.0, "a_n(10) is the limit 0.01·10");
    assert_eq!(r25[2], 0.1f32 * 10.0, "a_m(25) is the limit 0.1·10");
    assert!(r10.iter().chain(&r25).all(|x| x.is_finite()));
    // Continuous: the formula just beside the singular points approaches the limits.
    for dv in [-1e-3f32, 1e-3] {
        assert!((rates(10.0 + dv)[0] - 0.1).abs() < 1e-4);
        assert!((rates(25.0 + dv)[2] - 1.0).abs() < 1e-3);
    }
}

fn hh_from_singular_voltages_is_finite<B: Backend>(mut make: impl FnMut(Box<dyn CellModel>) -> Population<B>) {
    for integration_type in [Integrator::Euler, Integrator::Midpoint, Integrator::Rk4] {
        let p = HodgkinHuxleyParams {
            integration_type,
            ..HodgkinHuxleyParams::with_tau_v(1.0)
        };
        let mut pop = make(Box::new(HodgkinHuxleyCell::new(p).expect("valid")));
        pop.reset().expect("reset");
        pop.write("v", &[10.0, 25.0]).expect("v");
        pop.set_input(&[0.0, 0.0]).expect("input");
        for _ in 0..400 {
            pop.step(0.025).expect("step");
        }
        for name in ["v", "n", "m", "h"] {
            let values = pop.read(name).expect("read");
            assert!(
                values.iter().all(|x| x.is_finite()),
                "{integration_type}: `{name}` = {values:?}"
            );
        }
    }
}

#[test]
fn hh_started_exactly_at_10_and_25_mv_stays_finite_cpu() {
    hh_from_singular_voltages_is_finite(|cell| Population::cpu(cell, 2, 1, 0).expect("population"));
}

#[test]
fn hh_started_exactly_at_10_and_25_mv_stays_finite_gpu() {
    let Some(ctx) = common::gpu() else { return };
    hh_from_singular_voltages_is_finite(|cell| Population::gpu(&ctx, cell, 2, 1, 0).expect("population"));
}
