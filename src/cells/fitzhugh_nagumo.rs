//! `FitzhughNagumoCell`: ngclearn 3.2.3's FitzHugh–Nagumo cell, a two-variable reduction of
//! Hodgkin–Huxley excitability.
//!
//! # Equations
//! ```text
//! tau_m · dv/dt = v − v³/gamma − w + j·resist_m
//! tau_w · dw/dt = v + alpha − beta·w
//! spike: s = [v > v_thr]  (a level, see the quirks)
//! ```
//! Both ODEs are integrated with the *old* value of the other variable (Euler or midpoint, per
//! variable); `v³` is `v·v·v`. With `spike_reset`, `v' = v1·(1 − s) + s·v0` and
//! `w' = w1·(1 − s) + s·w0`. Then `tols' = (1 − s)·tols + s·t`.
//!
//! For the classic `alpha = 0.7, beta = 0.8, tau_w = 12.5`, a constant input makes the cell
//! oscillate between the Hopf points (j ≈ 0.33 and j ≈ 1.42) and rest outside them.
//!
//! # Parameters and compartments
//! [`FitzhughNagumoParams`] lists the parameters (ngclearn names, defaults, units, rules),
//! [`LAYOUT`] the compartments with their initial values; `reset()` restores all of them.
//!
//! # Quirks of the reference, reproduced
//! * Without `spike_reset`, `s` is a **level**: 1 on every step with v above `v_thr`, so one
//!   action potential gives tens of consecutive 1s.
//! * The docstring gives `v − v³/3 − w + j`; the code uses `gamma` and `j·resist_m`.
//! * ngclearn fixes the batch to 1; spikegpu allows any batch with the same per-unit semantics.
//! * Forward Euler at dt = 1 diverges for moderate inputs, in ngclearn and here alike: use
//!   dt ≤ 0.25.
//! * `v³/gamma` is `(v·v·v)·f32(1/gamma)`: the reference is jit-compiled, and XLA turns
//!   `jnp.power(v, 3)` into two multiplications and a division by a constant into a
//!   multiplication by its float32 reciprocal (see [`crate::cells`]).

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, StateView, StepInfo, cell_accessors, reset_if, spike_of, step_voltage_recovery};
use crate::integrators::Integrator;

cell_params! {
    /// `FitzhughNagumoCell`'s constructor parameters, with ngclearn's names; see the
    /// [module docs](self).
    pub struct FitzhughNagumoParams (default) {
        tau_m: f32 [1.0] "ms" positive, "Time constant of v.";
        resist_m: f32 [1.0] "—" finite, "Input resistance.";
        tau_w: f32 [12.5] "ms" positive, "Time constant of w.";
        alpha: f32 [0.7] "—" finite, "Recovery offset a.";
        beta: f32 [0.8] "—" finite, "Recovery decay b.";
        gamma: f32 [3.0] "—" non_zero("must not be 0 (v³/gamma)"), "Cubic scale.";
        v0: f32 [0.0] "—" finite, "Initial (and spike-reset) v.";
        w0: f32 [0.0] "—" finite, "Initial (and spike-reset) w.";
        v_thr: f32 [1.07] "—" finite, "Spike threshold.";
        spike_reset: bool [false] "—" any, "Reset v, w to v0, w0 after a spike.";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler` or `midpoint`/`rk2`.";
    }
}

describe_cell! {
    /// A validated FitzHugh–Nagumo cell model.
    FitzhughNagumoCell(c) = "FitzhughNagumoCell"(FitzhughNagumoParams) {
        key: "fitzhugh_nagumo", kernel: "fitzhugh_nagumo", elementwise: true,
        derived(p) {
            inv_tau_m: f32 = 1.0 / p.tau_m,
            inv_tau_w: f32 = 1.0 / p.tau_w,
            /// `1/gamma`: the reference's `v³/gamma` is jit-compiled, and XLA turns a division
            /// by a constant into this multiplication.
            inv_gamma: f32 = 1.0 / p.gamma,
        }
        integrators: [Euler, Midpoint],
        variants(integration_type): [false, true].map(|spike_reset| FitzhughNagumoParams {
            integration_type,
            spike_reset,
            v0: -1.2,
            w0: -0.6,
            ..Default::default()
        }),
        tags { spike_reset: c.p.spike_reset }
        tolerance: Tolerance::STRICT,
        compartments: {
            j: Input = 0.0, range (0.0, 1.5), "input current (multiplied by resist_m)";
            v: State = c.p.v0, range (-2.0, 2.0), "fast voltage-like variable (dimensionless)";
            w: State = c.p.w0, range (-0.5, 1.5), "slow recovery variable (dimensionless)";
            s: Spike = 0.0, range (0.0, 0.0), "spikes, a level while v > v_thr (0/1)";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
        }
        uniform FitzhughNagumoParams {
            resist_m: c.p.resist_m,
            inv_tau_m: c.inv_tau_m,
            inv_tau_w: c.inv_tau_w,
            alpha: c.p.alpha,
            beta: c.p.beta,
            inv_gamma: c.inv_gamma,
            v0: c.p.v0,
            w0: c.p.w0,
            v_thr: c.p.v_thr,
        }
        overrides {
            INTEGRATOR: u32 = c.p.integration_type.code(),
            SPIKE_RESET: bool = c.p.spike_reset,
        }
        scratch: none
    }
}

impl CellModel for FitzhughNagumoCell {
    cell_accessors!();

    // Twin: shaders/cells/fitzhugh_nagumo.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let method = p.integration_type;
        step_voltage_recovery(state, step.t, method, "FitzhughNagumoCell", #[inline(always)] |method, j, v_old, w_old| {
            let j_r = j * p.resist_m;
            let v1 = step.integrate(method, v_old, |x| (x - x * x * x * self.inv_gamma - w_old + j_r) * self.inv_tau_m);
            let w1 = step.integrate(method, w_old, |x| (v_old + p.alpha - p.beta * x) * self.inv_tau_w);
            let spike = spike_of(v1, p.v_thr);
            (reset_if(p.spike_reset, v1, spike, p.v0), reset_if(p.spike_reset, w1, spike, p.w0), spike)
        });
    }
}
