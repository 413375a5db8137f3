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
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_m` | 15 | ms | membrane time constant (> 0) |
//! | `resist_m` | 1 | — | membrane resistance |
//! | `tau_w` | 400 | ms | adaptation time constant (> 0) |
//! | `v_sharpness` | 2 | mV | slope factor Δ of the exponential (0 < Δ ≤ 1000) |
//! | `intrinsic_mem_thr` | −55 | mV | exponential threshold v_T |
//! | `thr` | 5 | mV | spike cut-off |
//! | `v_rest` | −72 | mV | resting potential |
//! | `v_reset` | −75 | mV | voltage after a spike |
//! | `a` | 0.1 | — | subthreshold adaptation coupling |
//! | `b` | 0.75 | — | spike-triggered adaptation increment |
//! | `v0` | −70 | mV | initial and reset v |
//! | `w0` | 0 | — | initial and reset w |
//! | `integration_type` | `euler` | — | `euler` or `midpoint`/`rk2` |
//! | `batch_size` | 1 | — | accepted; the batch is given to [`crate::Population`] |
//!
//! # Compartments
//! `j` (input, 0), `v` (v0), `w` (w0), `s` (0), `tols` (0). `reset()` restores all of them.
//!
//! # Quirks of the reference, reproduced
//! * The docstring says `w = w + s·(w + b)`; the code adds only `b`.
//! * `v_reset` is not in the docstring, which calls `v0` the "reset" value; the spike reset
//!   uses `v_reset`.
//! * The pre-reset `v1` of a firing step can be enormous (1e5 or more); only the reset value is
//!   stored.
//!
//! # Where spikegpu departs from the reference: no NaN from finite input
//! With midpoint, the half step `v + k1·dt/2` can land far up the exponential, where
//! `exp((v − v_T)/Δ)` overflows to +inf in float32; ngclearn then computes `inf·0 = NaN` in the
//! reset and the unit stays NaN forever (about 75 % of units in a sweep of strong inputs).
//! spikegpu caps the exponent at [`EXP_ARG_MAX`] (= 80, `exp(80) ≈ 5.5e34`). The cap only acts
//! where `v` is at least `v_T + 80·Δ` (105 mV with the defaults), i.e. in a step that fires
//! either way; the stored state (`v_reset`, `w1 + b`) is then finite. Wherever the reference
//! stays finite, the results are unchanged.

use serde_json::{Map, Value};

use super::params::{ParamReader, require_finite, require_positive};
use super::{
    CellEntry, CellModel, Compartment, Role, StateView, StepInfo, cell_accessors, f32_words, require_integrator,
    reset_to, spike_of, tols_of,
};
use crate::error::{Error, Result};
use crate::integrators::{self, Integrator};

/// Cap on the exponent of the exponential term (see the module docs). WGSL: `ADEX_EXP_ARG_MAX`.
pub const EXP_ARG_MAX: f32 = 80.0;

/// Registry entry of the AdEx cell.
pub static ENTRY: CellEntry = CellEntry {
    key: "adex",
    class_name: "AdExCell",
    shader: ("shaders/cells/adex.wgsl", include_str!("../../shaders/cells/adex.wgsl")),
    elementwise: true,
    pieces: &[crate::gpu::shaders::STATE_VW],
    from_params: |map| Ok(Box::new(AdExCell::from_params(map)?)),
    variants: AdExCell::all_variants,
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
        name: "w",
        role: Role::State,
        doc: "adaptation current",
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

/// `AdExCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct AdExParams {
    /// Membrane time constant (ms).
    pub tau_m: f32,
    /// Membrane resistance.
    pub resist_m: f32,
    /// Adaptation time constant (ms).
    pub tau_w: f32,
    /// Slope factor Δ (mV).
    pub v_sharpness: f32,
    /// Exponential threshold v_T (mV).
    pub intrinsic_mem_thr: f32,
    /// Spike cut-off (mV).
    pub thr: f32,
    /// Resting potential (mV).
    pub v_rest: f32,
    /// Voltage after a spike (mV).
    pub v_reset: f32,
    /// Subthreshold adaptation coupling.
    pub a: f32,
    /// Spike-triggered adaptation increment.
    pub b: f32,
    /// Initial and reset v (mV).
    pub v0: f32,
    /// Initial and reset w.
    pub w0: f32,
    /// Euler or midpoint.
    pub integration_type: Integrator,
}

impl Default for AdExParams {
    /// ngclearn's defaults.
    fn default() -> Self {
        AdExParams {
            tau_m: 15.0,
            resist_m: 1.0,
            tau_w: 400.0,
            v_sharpness: 2.0,
            intrinsic_mem_thr: -55.0,
            thr: 5.0,
            v_rest: -72.0,
            v_reset: -75.0,
            a: 0.1,
            b: 0.75,
            v0: -70.0,
            w0: 0.0,
            integration_type: Integrator::Euler,
        }
    }
}

/// A validated AdEx cell model.
#[derive(Debug, Clone)]
pub struct AdExCell {
    p: AdExParams,
    inv_tau_m: f32,
    inv_tau_w: f32,
}

impl AdExCell {
    /// Validates the parameters.
    pub fn new(p: AdExParams) -> Result<AdExCell> {
        require_positive("tau_m", p.tau_m)?;
        require_positive("tau_w", p.tau_w)?;
        require_positive("v_sharpness", p.v_sharpness)?;
        if p.v_sharpness > 1000.0 {
            return Err(Error::InvalidParameter {
                name: "v_sharpness",
                value: p.v_sharpness.to_string(),
                reason: "must be at most 1000 mV (the overflow guard of the exponential assumes it)",
            });
        }
        for (name, value) in [
            ("resist_m", p.resist_m),
            ("intrinsic_mem_thr", p.intrinsic_mem_thr),
            ("thr", p.thr),
            ("v_rest", p.v_rest),
            ("v_reset", p.v_reset),
            ("a", p.a),
            ("b", p.b),
            ("v0", p.v0),
            ("w0", p.w0),
        ] {
            require_finite(name, value)?;
        }
        require_integrator("AdExCell", p.integration_type, SUPPORTED)?;
        Ok(AdExCell {
            inv_tau_m: 1.0 / p.tau_m,
            inv_tau_w: 1.0 / p.tau_w,
            p,
        })
    }

    /// Builds the cell from ngclearn keyword arguments; unknown keys are an error.
    pub fn from_params(map: &Map<String, Value>) -> Result<AdExCell> {
        let mut r = ParamReader::new(map);
        let d = AdExParams::default();
        let p = AdExParams {
            tau_m: r.f32_or("tau_m", d.tau_m)?,
            resist_m: r.f32_or("resist_m", d.resist_m)?,
            tau_w: r.f32_or("tau_w", d.tau_w)?,
            v_sharpness: r.f32_or("v_sharpness", d.v_sharpness)?,
            intrinsic_mem_thr: r.f32_or("intrinsic_mem_thr", d.intrinsic_mem_thr)?,
            thr: r.f32_or("thr", d.thr)?,
            v_rest: r.f32_or("v_rest", d.v_rest)?,
            v_reset: r.f32_or("v_reset", d.v_reset)?,
            a: r.f32_or("a", d.a)?,
            b: r.f32_or("b", d.b)?,
            v0: r.f32_or("v0", d.v0)?,
            w0: r.f32_or("w0", d.w0)?,
            integration_type: Integrator::parse(r.str_or("integration_type", "euler")?)?,
        };
        r.accept_positive_int("batch_size")?;
        r.finish()?;
        AdExCell::new(p)
    }

    /// The validated parameters.
    pub fn params(&self) -> &AdExParams {
        &self.p
    }

    /// Euler and midpoint.
    pub fn all_variants() -> Vec<Box<dyn CellModel>> {
        SUPPORTED
            .iter()
            .map(|&integration_type| {
                let p = AdExParams {
                    integration_type,
                    ..AdExParams::default()
                };
                Box::new(AdExCell::new(p).expect("the variant table holds valid parameters")) as Box<dyn CellModel>
            })
            .collect()
    }

    /// `dv/dt` with `w` frozen at its old value. WGSL twin: `adex_dvdt`.
    #[inline(always)]
    fn dvdt(&self, v: f32, w_old: f32, j: f32) -> f32 {
        let p = &self.p;
        let exponent = ((v - p.intrinsic_mem_thr) / p.v_sharpness).min(EXP_ARG_MAX);
        (-(v - p.v_rest) + p.v_sharpness * exponent.exp() - p.resist_m * w_old + p.resist_m * j) * self.inv_tau_m
    }
}

impl CellModel for AdExCell {
    cell_accessors!();

    fn initial_values(&self) -> Vec<f32> {
        vec![0.0, self.p.v0, self.p.w0, 0.0, 0.0]
    }

    // `exp`: a few ulp per call, amplified near the upswing (the reference tolerance).
    fn gpu_tolerance(&self) -> Option<f32> {
        Some(5e-3)
    }

    // Twin: shaders/cells/adex.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let [j, v, w, s, tols] = &mut state.values[..] else {
            unreachable!("AdExCell states are built with its 5 compartments")
        };
        for i in 0..j.len() {
            let (v_old, w_old, j_now) = (v[i], w[i], j[i]);
            let v1 = integrators::integrate(p.integration_type, v_old, step.dt, step.half_dt, |x| {
                self.dvdt(x, w_old, j_now)
            });
            let w1 = integrators::integrate(p.integration_type, w_old, step.dt, step.half_dt, |x| {
                (-x + (v_old - p.v_rest) * p.a) * self.inv_tau_w
            });
            let spike = spike_of(v1, p.thr);
            v[i] = reset_to(v1, spike, p.v_reset);
            w[i] = reset_to(w1, spike, w1 + p.b);
            s[i] = spike;
            tols[i] = tols_of(tols[i], spike, step.t);
        }
    }

    fn variant_name(&self) -> String {
        format!("adex/{}", self.p.integration_type)
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        vec![("INTEGRATOR", f64::from(self.p.integration_type.code()))]
    }

    fn gpu_params(&self) -> Vec<u32> {
        let p = &self.p;
        f32_words(&[
            p.resist_m,
            self.inv_tau_m,
            self.inv_tau_w,
            p.v_sharpness,
            p.intrinsic_mem_thr,
            p.thr,
            p.v_rest,
            p.v_reset,
            p.a,
            p.b,
        ])
    }

    fn random_ranges(&self) -> Vec<(f32, f32)> {
        vec![(0.0, 120.0), (-80.0, -45.0), (0.0, 20.0), (0.0, 0.0), (0.0, 10.0)]
    }
}
