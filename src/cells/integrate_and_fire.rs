//! `IFCell`: ngclearn 3.2.3's (non-leaky) integrate-and-fire cell.
//!
//! # Equations
//! With `m = [rfr ≥ refract_time]` (the input is blocked while refractory):
//! ```text
//! tau_m · dv/dt = j·resist_m·m                 (no leak, whatever help() says)
//! spike: s = [v1 > thr];  reset: v = v_reset;  rfr = (rfr + dt)·(1 − s)
//! ```
//! One step: `jR = j·resist_m`; `v1` = one Euler or midpoint step of `f = (jR·m)·(1/tau_m)`
//! (f does not depend on v, so both methods give the same result); `s = [v1 > thr]`;
//! `rfr' = (rfr + dt)·(1 − s)`; `v2 = v1·(1 − s) + s·v_reset`; `tols' = (1 − s)·tols + s·t`;
//! `v' = max(v2, v_rest)` if `lower_clamp_voltage`, else **`v' = v1`** (see the quirks).
//!
//! # Parameters and compartments
//! [`IfParams`] lists the parameters (ngclearn names, defaults, units, rules), [`LAYOUT`] the
//! compartments with their initial values; `thr_jitter` (deprecated in ngclearn) is accepted and
//! dropped.
//!
//! # Quirks of the reference, reproduced
//! * **`lower_clamp_voltage = false` stores the pre-reset voltage `v1`**: the voltage is never
//!   reset, and the cell spikes on every step while v1 > thr (a level).
//! * With the default clamp, v never goes below `v_rest`, even with negative input.
//! * There is no leak, although `help()` prints `tau_m dv/dt = (v_rest − v) + j·R`.
//! * `surrogate_type` is ignored: the cell has no surrogate compartment.
//! * ngclearn fixes the batch to 1; spikegpu allows any batch.
//! * The refractory counter is a float32 running sum of `dt`, as in LIF.

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, StateView, StepInfo, cell_accessors, floor_at, reset_to, spike_of, tols_of};
use crate::integrators::Integrator;
use crate::surrogate::SurrogateType;

cell_params! {
    /// `IFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
    pub struct IfParams, with_tau_m(tau_m) {
        tau_m: f32 [required] "ms" positive, "Membrane time constant.";
        resist_m: f32 [1.0] "—" finite, "Membrane resistance.";
        thr: f32 [-52.0] "mV" finite, "Threshold.";
        v_rest: f32 [-65.0] "mV" finite, "Initial voltage and lower clamp.";
        v_reset: f32 [-60.0] "mV" finite, "Voltage after a spike.";
        refract_time: f32 [0.0] "ms" non_negative("must be ≥ 0"), "Refractory period.";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler` or `midpoint`/`rk2` (identical here).";
        surrogate_type: SurrogateType [SurrogateType::StraightThrough] "—" any, "Accepted and ignored, as in ngclearn.";
        lower_clamp_voltage: bool [true] "—" any,
            "Clamp v at v_rest from below; false reproduces the reference's no-reset quirk.";
    }
    drops [thr_jitter];
}

describe_cell! {
    /// A validated IF cell model.
    IfCell(c) = "IFCell"(IfParams) {
        key: "integrate_and_fire", kernel: "integrate_and_fire", elementwise: true,
        derived(p) { inv_tau_m: f32 = 1.0 / p.tau_m }
        integrators: [Euler, Midpoint],
        variants(integration_type): [true, false].map(|lower_clamp_voltage| IfParams {
            integration_type,
            lower_clamp_voltage,
            refract_time: 0.3,
            ..IfParams::with_tau_m(10.0)
        }),
        tags { no_clamp: !c.p.lower_clamp_voltage }
        tolerance: Tolerance::STRICT,
        compartments: {
            j: Input = 0.0, range (-5.0, 60.0), "input current (multiplied by resist_m)";
            v: State = c.p.v_rest, range (c.p.v_rest, c.p.thr + 2.0), "membrane voltage (mV)";
            rfr: State = c.p.refract_time, range (0.0, c.p.refract_time * 2.0 + 0.1),
                "time since last spike, float32 running sum of dt (ms)";
            s: Spike = 0.0, range (0.0, 0.0), "spikes (0/1)";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
        }
        uniform IfParams {
            resist_m: c.p.resist_m,
            inv_tau_m: c.inv_tau_m,
            thr: c.p.thr,
            v_rest: c.p.v_rest,
            v_reset: c.p.v_reset,
            refract_time: c.p.refract_time,
        }
        overrides {
            INTEGRATOR: u32 = c.p.integration_type.code(),
            LOWER_CLAMP_VOLTAGE: bool = c.p.lower_clamp_voltage,
        }
        scratch: none
    }
}

impl IfCell {
    /// The step over plain slices: as function parameters they cannot alias, so the loop
    /// vectorises; `method` is a constant in each copy ([`super::unswitched`]).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn step_slices(
        &self,
        step: &StepInfo,
        method: Integrator,
        j: &[f32],
        v: &mut [f32],
        rfr: &mut [f32],
        s: &mut [f32],
        tols: &mut [f32],
    ) {
        let p = &self.p;
        let n = j.len();
        let (v, rfr, s, tols) = (&mut v[..n], &mut rfr[..n], &mut s[..n], &mut tols[..n]);
        let (resist_m, refract_time, inv_tau_m, thr) = (p.resist_m, p.refract_time, self.inv_tau_m, p.thr);
        let (v_reset, v_rest, clamp, dt, t) = (p.v_reset, p.v_rest, p.lower_clamp_voltage, step.dt, step.t);
        for i in 0..n {
            let j_r = j[i] * resist_m;
            let mask = if rfr[i] >= refract_time { 1.0 } else { 0.0 };
            let drive = (j_r * mask) * inv_tau_m;
            let v1 = step.integrate(method, v[i], |_| drive);
            let spike = spike_of(v1, thr);
            rfr[i] = reset_to(rfr[i] + dt, spike, 0.0);
            let v2 = reset_to(v1, spike, v_reset);
            v[i] = if clamp { floor_at(v2, v_rest) } else { v1 };
            s[i] = spike;
            tols[i] = tols_of(tols[i], spike, t);
        }
    }
}

impl CellModel for IfCell {
    cell_accessors!();

    // Twin: shaders/cells/integrate_and_fire.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let [j, v, rfr, s, tols] = &mut state.values[..] else {
            unreachable!("IfCell states are built with its 5 compartments")
        };
        super::unswitched(
            self.p.integration_type,
            #[inline(always)]
            |method| self.step_slices(step, method, j, v, rfr, s, tols),
        );
    }
}
