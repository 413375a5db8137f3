//! `AdExCell`: ngclearn 3.2.3's adaptive exponential integrate-and-fire cell (Brette & Gerstner
//! 2005).
//!
//! # Equations
//! ```text
//! tau_m · dv/dt = −(v − v_rest) + Δ·exp((v − v_T)/Δ) − R·w + R·j
//! tau_w · dw/dt = −w + a·(v − v_rest)
//! spike: s = [v > thr];  reset: v = v_reset, w = w + b
//! ```
//! with `Δ = v_sharpness`, `v_T = intrinsic_mem_thr`, `R = resist_m`. Both ODEs are integrated
//! with the *old* value of the other variable (Euler or midpoint, per variable). Then
//! `s = [v1 > thr]`, `v' = v1·(1 − s) + s·v_reset`, `w' = w1·(1 − s) + s·(w1 + b)`,
//! `tols' = (1 − s)·tols + s·t`.
//!
//! # Parameters and compartments
//! [`AdExParams`] lists the parameters (ngclearn names, defaults, units, rules), [`LAYOUT`] the
//! compartments with their initial values; `reset()` restores all of them.
//!
//! # Quirks of the reference, reproduced
//! * The docstring says `w = w + s·(w + b)`; the code adds only `b`.
//! * `v_reset` is not in the docstring, which calls `v0` the "reset" value; the spike reset
//!   uses `v_reset`.
//! * The pre-reset `v1` of a firing step can be enormous (1e5 or more); only the reset value is
//!   stored.
//! * `(v − v_T)/Δ` is `(v − v_T)·f32(1/Δ)`: XLA's rewrite of a division by a constant in the
//!   jit-compiled reference (see [`crate::cells`]).
//!
//! # Where spikegpu departs from the reference: no NaN from finite input
//! With midpoint, the half step `v + k1·dt/2` can land far up the exponential, where
//! `exp((v − v_T)/Δ)` overflows to +inf in float32; ngclearn then computes `inf·0 = NaN` in the
//! reset and the unit stays NaN forever (about 75 % of units in a sweep of strong inputs).
//! spikegpu caps the exponent at [`EXP_ARG_MAX`] (= 80, `exp(80) ≈ 5.5e34`). The cap only acts
//! where `v` is at least `v_T + 80·Δ` (105 mV with the defaults), i.e. in a step that fires
//! either way; the stored state (`v_reset`, `w1 + b`) is then finite. Wherever the reference
//! stays finite, the results are unchanged.

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, StateView, StepInfo, cell_accessors, reset_to, spike_of, step_voltage_recovery};
use crate::integrators::Integrator;

/// Cap on the exponent of the exponential term (see the module docs). WGSL: `ADEX_EXP_ARG_MAX`.
pub const EXP_ARG_MAX: f32 = 80.0;

cell_params! {
    /// `AdExCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
    pub struct AdExParams (default) {
        tau_m: f32 [15.0] "ms" positive, "Membrane time constant.";
        resist_m: f32 [1.0] "—" finite, "Membrane resistance.";
        tau_w: f32 [400.0] "ms" positive, "Adaptation time constant.";
        v_sharpness: f32 [2.0] "mV" positive_at_most(
            1000.0,
            "must be at most 1000 mV (the overflow guard of the exponential assumes it)"
        ), "Slope factor Δ of the exponential.";
        intrinsic_mem_thr: f32 [-55.0] "mV" finite, "Exponential threshold v_T.";
        thr: f32 [5.0] "mV" finite, "Spike cut-off.";
        v_rest: f32 [-72.0] "mV" finite, "Resting potential.";
        v_reset: f32 [-75.0] "mV" finite, "Voltage after a spike.";
        a: f32 [0.1] "—" finite, "Subthreshold adaptation coupling.";
        b: f32 [0.75] "—" finite, "Spike-triggered adaptation increment.";
        v0: f32 [-70.0] "mV" finite, "Initial and reset v.";
        w0: f32 [0.0] "—" finite, "Initial and reset w.";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler` or `midpoint`/`rk2`.";
    }
    accepts [batch_size];
}

describe_cell! {
    /// A validated AdEx cell model.
    AdExCell(c) = "AdExCell"(AdExParams) {
        key: "adex", kernel: "adex", elementwise: true,
        derived(p) {
            inv_tau_m: f32 = 1.0 / p.tau_m,
            inv_tau_w: f32 = 1.0 / p.tau_w,
            /// `1/v_sharpness`: the reference's `(v − v_T)/Δ` is jit-compiled, and XLA turns a
            /// division by a constant into this multiplication.
            inv_sharpness: f32 = 1.0 / p.v_sharpness,
        }
        integrators: [Euler, Midpoint],
        variants(integration_type): [AdExParams {
            integration_type,
            ..AdExParams::default()
        }],
        tags {}
        // `exp` is `crate::math::exp` on both sides (bitwise on software adapters); an ulp from a
        // contracted multiply-add on hardware is amplified near the upswing.
        tolerance: Tolerance { trace: 5e-3, gpu: Some(5e-3), software_bitwise: true, upstroke: None },
        compartments: {
            j: Input = 0.0, range (0.0, 120.0), "input current (multiplied by resist_m)";
            v: State = c.p.v0, range (-80.0, -45.0), "membrane voltage (mV)";
            w: State = c.p.w0, range (0.0, 20.0), "adaptation current";
            s: Spike = 0.0, range (0.0, 0.0), "spikes (0/1)";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
        }
        uniform AdExParams {
            resist_m: c.p.resist_m,
            inv_tau_m: c.inv_tau_m,
            inv_tau_w: c.inv_tau_w,
            sharpness: c.p.v_sharpness,
            inv_sharpness: c.inv_sharpness,
            v_t: c.p.intrinsic_mem_thr,
            thr: c.p.thr,
            v_rest: c.p.v_rest,
            v_reset: c.p.v_reset,
            a: c.p.a,
            b: c.p.b,
        }
        overrides {
            INTEGRATOR: u32 = c.p.integration_type.code(),
        }
        scratch: none
    }
}

impl AdExCell {
    /// `dv/dt` with `w` frozen at its old value. WGSL twin: `adex_dvdt`.
    #[inline(always)]
    fn dvdt(&self, v: f32, w_old: f32, j: f32) -> f32 {
        let p = &self.p;
        let exponent = ((v - p.intrinsic_mem_thr) * self.inv_sharpness).min(EXP_ARG_MAX);
        (-(v - p.v_rest) + p.v_sharpness * crate::math::exp(exponent) - p.resist_m * w_old + p.resist_m * j) * self.inv_tau_m
    }
}

impl CellModel for AdExCell {
    cell_accessors!();

    // Twin: shaders/cells/adex.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let method = p.integration_type;
        step_voltage_recovery(state, step.t, method, "AdExCell", #[inline(always)] |method, j, v_old, w_old| {
            let v1 = step.integrate(method, v_old, |x| self.dvdt(x, w_old, j));
            let w1 = step.integrate(method, w_old, |x| (-x + (v_old - p.v_rest) * p.a) * self.inv_tau_w);
            let spike = spike_of(v1, p.thr);
            (reset_to(v1, spike, p.v_reset), reset_to(w1, spike, w1 + p.b), spike)
        });
    }
}
