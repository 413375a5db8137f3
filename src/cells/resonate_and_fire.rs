//! `RAFCell`: ngclearn 3.2.3's resonate-and-fire cell (Izhikevich 2001), a damped oscillator
//! that fires when its voltage-like variable crosses a threshold.
//!
//! # Equations
//! With `b = dampen_factor` and `ω = omega`:
//! ```text
//! tau_w · dw/dt = w·b − v·ω + j·resist_v
//! tau_v · dv/dt = ω·w + v·b
//! spike: s = [v > thr];  reset (post_spike_reset): v = v_reset, w = w_reset
//! ```
//! One step, in ngclearn's order: **w first**, integrated with the *old* v frozen; **then v**,
//! integrated with the *new* w frozen (a semi-implicit scheme). With midpoint, each variable
//! gets its own midpoint step with the other held fixed. Then `s = [v1 > thr]`, the reset, and
//! `tols' = (1 − s)·tols + s·t`.
//!
//! # Parameters and compartments
//! [`RafParams`] lists the parameters (ngclearn names, defaults, units, rules), [`LAYOUT`] the
//! compartments with their initial values; `reset()` restores all of them.
//!
//! # Quirks of the reference, reproduced
//! * With `post_spike_reset = false` nothing is reset and `s` is a level: 1 on every step with
//!   v above `thr`.
//! * The docstring gives 1 for the defaults of `v_reset` and `v0`; the code has 0.
//! * The docstring says `j` "should generally be scaled by tau_w/dt"; no scaling is done.
//! * With the defaults (τ = 1 ms, ω = 10) the natural step is about dt = 0.01 ms.
//! * ngclearn silently runs Euler for `rk4`, `heun` and `ralston`; spikegpu refuses them.

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, StateView, StepInfo, cell_accessors, reset_if, spike_of, step_voltage_recovery};
use crate::integrators::Integrator;

cell_params! {
    /// `RAFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
    pub struct RafParams (default) {
        tau_v: f32 [1.0] "ms" positive, "Time constant of v.";
        tau_w: f32 [1.0] "ms" positive, "Time constant of w.";
        thr: f32 [1.0] "—" finite, "Spike threshold on v.";
        omega: f32 [10.0] "rad/ms" finite, "Angular frequency.";
        dampen_factor: f32 [-1.0] "1/ms" finite, "Damping `b` (negative: damped).";
        v_reset: f32 [0.0] "—" finite, "v after a spike.";
        w_reset: f32 [0.0] "—" finite, "w after a spike.";
        v0: f32 [0.0] "—" finite, "Initial and reset v.";
        w0: f32 [0.0] "—" finite, "Initial and reset w.";
        resist_v: f32 [1.0] "—" finite, "Input resistance.";
        post_spike_reset: bool [true] "—" any, "Reset v and w after a spike.";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler` or `midpoint`/`rk2`.";
    }
    accepts [batch_size];
}

describe_cell! {
    /// A validated resonate-and-fire cell model.
    RafCell(c) = "RAFCell"(RafParams) {
        key: "resonate_and_fire", kernel: "resonate_and_fire", elementwise: true,
        derived(p) { inv_tau_v: f32 = 1.0 / p.tau_v, inv_tau_w: f32 = 1.0 / p.tau_w }
        integrators: [Euler, Midpoint],
        variants(integration_type): [true, false].map(|post_spike_reset| RafParams {
            integration_type,
            post_spike_reset,
            w_reset: 0.25,
            v_reset: -0.1,
            ..RafParams::default()
        }),
        tags { no_reset: !c.p.post_spike_reset }
        tolerance: Tolerance::STRICT,
        check_dt: 0.01,
        compartments: {
            j: Input = 0.0, range (-5.0, 20.0), "input current (multiplied by resist_v)";
            v: State = c.p.v0, range (-1.0, 1.2), "voltage-like variable (dimensionless)";
            w: State = c.p.w0, range (-1.0, 1.0), "current-like recovery variable (dimensionless)";
            s: Spike = 0.0, range (0.0, 0.0), "spikes (0/1)";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
        }
        uniform RafParams {
            resist_v: c.p.resist_v,
            inv_tau_v: c.inv_tau_v,
            inv_tau_w: c.inv_tau_w,
            thr: c.p.thr,
            omega: c.p.omega,
            b: c.p.dampen_factor,
            v_reset: c.p.v_reset,
            w_reset: c.p.w_reset,
        }
        overrides {
            INTEGRATOR: u32 = c.p.integration_type.code(),
            POST_SPIKE_RESET: bool = c.p.post_spike_reset,
        }
        scratch: none
    }
}

impl CellModel for RafCell {
    cell_accessors!();

    // Twin: shaders/cells/resonate_and_fire.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let (method, b, om) = (p.integration_type, p.dampen_factor, p.omega);
        step_voltage_recovery(state, step.t, method, "RafCell", #[inline(always)] |method, j, v_old, w_old| {
            // w first, with the old v; then v, with the new w.
            let j_r = j * p.resist_v;
            let w1 = step.integrate(method, w_old, |x| (x * b - v_old * om + j_r) * self.inv_tau_w);
            let v1 = step.integrate(method, v_old, |x| (om * w1 + x * b) * self.inv_tau_v);
            let spike = spike_of(v1, p.thr);
            let reset = p.post_spike_reset;
            (reset_if(reset, v1, spike, p.v_reset), reset_if(reset, w1, spike, p.w_reset), spike)
        });
    }
}
