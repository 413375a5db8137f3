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
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_m` | required | ms | membrane time constant (> 0) |
//! | `resist_m` | 1 | — | membrane resistance |
//! | `thr` | −52 | mV | threshold |
//! | `v_rest` | −65 | mV | initial voltage and lower clamp |
//! | `v_reset` | −60 | mV | voltage after a spike |
//! | `refract_time` | 0 | ms | refractory period (≥ 0) |
//! | `integration_type` | `euler` | — | `euler` or `midpoint`/`rk2` |
//! | `surrogate_type` | `straight_through` | — | accepted and ignored, as in ngclearn |
//! | `lower_clamp_voltage` | true | — | clamp v at v_rest from below |
//! | `thr_jitter` | — | — | deprecated in ngclearn: accepted and dropped |
//!
//! # Compartments
//! `j` (input, 0), `v` (v_rest), `rfr` (refract_time), `s` (0), `tols` (0). `reset()` restores
//! all of them.
//!
//! # Quirks of the reference, reproduced
//! * **`lower_clamp_voltage = false` stores the pre-reset voltage `v1`**: the voltage is never
//!   reset, and the cell spikes on every step while v1 > thr (a level).
//! * With the default clamp, v never goes below `v_rest`, even with negative input.
//! * There is no leak, although `help()` prints `tau_m dv/dt = (v_rest − v) + j·R`.
//! * `surrogate_type` is ignored: the cell has no surrogate compartment.
//! * ngclearn fixes the batch to 1; spikegpu allows any batch.
//! * The refractory counter is a float32 running sum of `dt`, as in LIF.

use serde_json::{Map, Value};

use super::params::{ParamReader, require_finite, require_non_negative, require_positive};
use super::{
    CellEntry, CellModel, Compartment, Role, StateView, StepInfo, cell_accessors, f32_words, override_flag,
    require_integrator, reset_to, spike_of, tols_of,
};
use crate::error::Result;
use crate::integrators::{self, Integrator};
use crate::surrogate::SurrogateType;

/// Registry entry of the IF cell.
pub static ENTRY: CellEntry = CellEntry {
    key: "integrate_and_fire",
    class_name: "IFCell",
    shader: (
        "shaders/cells/integrate_and_fire.wgsl",
        include_str!("../../shaders/cells/integrate_and_fire.wgsl"),
    ),
    elementwise: true,
    pieces: &[],
    from_params: |map| Ok(Box::new(IfCell::from_params(map)?)),
    variants: IfCell::all_variants,
};

static COMPARTMENTS: [Compartment; 5] = [
    Compartment {
        name: "j",
        role: Role::Input,
        doc: "input current (multiplied by resist_m)",
    },
    Compartment {
        name: "v",
        role: Role::State,
        doc: "membrane voltage (mV)",
    },
    Compartment {
        name: "rfr",
        role: Role::State,
        doc: "time since last spike, float32 running sum of dt (ms)",
    },
    Compartment {
        name: "s",
        role: Role::Output,
        doc: "spikes (0/1)",
    },
    Compartment {
        name: "tols",
        role: Role::Output,
        doc: "time of last spike (ms)",
    },
];

const SUPPORTED: &[Integrator] = &[Integrator::Euler, Integrator::Midpoint];

/// `IFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct IfParams {
    /// Membrane time constant (ms), required.
    pub tau_m: f32,
    /// Membrane resistance.
    pub resist_m: f32,
    /// Threshold (mV).
    pub thr: f32,
    /// Initial voltage and lower clamp (mV).
    pub v_rest: f32,
    /// Voltage after a spike (mV).
    pub v_reset: f32,
    /// Refractory period (ms).
    pub refract_time: f32,
    /// Euler or midpoint (identical here).
    pub integration_type: Integrator,
    /// Accepted and ignored.
    pub surrogate_type: SurrogateType,
    /// Clamp v at v_rest from below; false reproduces the reference's no-reset quirk.
    pub lower_clamp_voltage: bool,
}

impl IfParams {
    /// ngclearn's defaults for the given `tau_m`.
    pub fn with_tau_m(tau_m: f32) -> IfParams {
        IfParams {
            tau_m,
            resist_m: 1.0,
            thr: -52.0,
            v_rest: -65.0,
            v_reset: -60.0,
            refract_time: 0.0,
            integration_type: Integrator::Euler,
            surrogate_type: SurrogateType::StraightThrough,
            lower_clamp_voltage: true,
        }
    }
}

/// A validated IF cell model.
#[derive(Debug, Clone)]
pub struct IfCell {
    p: IfParams,
    inv_tau_m: f32,
}

impl IfCell {
    /// Validates the parameters.
    pub fn new(p: IfParams) -> Result<IfCell> {
        require_positive("tau_m", p.tau_m)?;
        for (name, value) in [
            ("resist_m", p.resist_m),
            ("thr", p.thr),
            ("v_rest", p.v_rest),
            ("v_reset", p.v_reset),
        ] {
            require_finite(name, value)?;
        }
        require_non_negative("refract_time", p.refract_time, "must be ≥ 0")?;
        require_integrator("IFCell", p.integration_type, SUPPORTED)?;
        Ok(IfCell {
            inv_tau_m: 1.0 / p.tau_m,
            p,
        })
    }

    /// Builds the cell from ngclearn keyword arguments; unknown keys are an error.
    pub fn from_params(map: &Map<String, Value>) -> Result<IfCell> {
        let mut r = ParamReader::new(map);
        let d = IfParams::with_tau_m(r.f32_required("tau_m")?);
        let p = IfParams {
            resist_m: r.f32_or("resist_m", d.resist_m)?,
            thr: r.f32_or("thr", d.thr)?,
            v_rest: r.f32_or("v_rest", d.v_rest)?,
            v_reset: r.f32_or("v_reset", d.v_reset)?,
            refract_time: r.f32_or("refract_time", d.refract_time)?,
            integration_type: Integrator::parse(r.str_or("integration_type", "euler")?)?,
            surrogate_type: SurrogateType::parse(r.str_or("surrogate_type", "straight_through")?)?,
            lower_clamp_voltage: r.bool_or("lower_clamp_voltage", d.lower_clamp_voltage)?,
            ..d
        };
        // Deprecated in ngclearn: accepted, warned about there, and dropped.
        r.f32_opt("thr_jitter")?;
        r.finish()?;
        IfCell::new(p)
    }

    /// The validated parameters.
    pub fn params(&self) -> &IfParams {
        &self.p
    }

    /// Every integrator × `lower_clamp_voltage` variant, with a refractory period.
    pub fn all_variants() -> Vec<Box<dyn CellModel>> {
        let mut out: Vec<Box<dyn CellModel>> = Vec::new();
        for integration_type in SUPPORTED.iter().copied() {
            for lower_clamp_voltage in [true, false] {
                let p = IfParams {
                    integration_type,
                    lower_clamp_voltage,
                    refract_time: 0.3,
                    ..IfParams::with_tau_m(10.0)
                };
                out.push(Box::new(
                    IfCell::new(p).expect("the variant table holds valid parameters"),
                ));
            }
        }
        out
    }
}

impl IfCell {
    /// The step over plain slices: as function parameters they cannot alias, so the loop
    /// vectorises.
    fn step_slices(&self, step: &StepInfo, j: &[f32], v: &mut [f32], rfr: &mut [f32], s: &mut [f32], tols: &mut [f32]) {
        let p = &self.p;
        let n = j.len();
        let (v, rfr, s, tols) = (&mut v[..n], &mut rfr[..n], &mut s[..n], &mut tols[..n]);
        for i in 0..n {
            let j_r = j[i] * p.resist_m;
            let mask = if rfr[i] >= p.refract_time { 1.0 } else { 0.0 };
            let drive = (j_r * mask) * self.inv_tau_m;
            let v1 = integrators::integrate(p.integration_type, v[i], step.dt, step.half_dt, |_| drive);
            let spike = spike_of(v1, p.thr);
            rfr[i] = (rfr[i] + step.dt) * (1.0 - spike);
            let v2 = reset_to(v1, spike, p.v_reset);
            s[i] = spike;
            tols[i] = tols_of(tols[i], spike, step.t);
            v[i] = if p.lower_clamp_voltage { v2.max(p.v_rest) } else { v1 };
        }
    }
}

impl CellModel for IfCell {
    cell_accessors!();

    fn initial_values(&self) -> Vec<f32> {
        vec![0.0, self.p.v_rest, self.p.refract_time, 0.0, 0.0]
    }

    // Twin: shaders/cells/integrate_and_fire.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let [j, v, rfr, s, tols] = &mut state.values[..] else {
            unreachable!("IfCell states are built with its 5 compartments")
        };
        self.step_slices(step, j, v, rfr, s, tols);
    }

    fn variant_name(&self) -> String {
        let mut name = format!("integrate_and_fire/{}", self.p.integration_type);
        if !self.p.lower_clamp_voltage {
            name.push_str("+no_clamp");
        }
        name
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("INTEGRATOR", f64::from(self.p.integration_type.code())),
            ("LOWER_CLAMP_VOLTAGE", override_flag(self.p.lower_clamp_voltage)),
        ]
    }

    fn gpu_params(&self) -> Vec<u32> {
        let p = &self.p;
        f32_words(&[p.resist_m, self.inv_tau_m, p.thr, p.v_rest, p.v_reset, p.refract_time])
    }

    fn random_ranges(&self) -> Vec<(f32, f32)> {
        let p = &self.p;
        vec![
            (-5.0, 60.0),
            (p.v_rest, p.thr + 2.0),
            (0.0, p.refract_time * 2.0 + 0.1),
            (0.0, 0.0),
            (0.0, 10.0),
        ]
    }
}
