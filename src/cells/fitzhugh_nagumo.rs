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
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_m` | 1 | ms | time constant of v (> 0) |
//! | `resist_m` | 1 | — | input resistance |
//! | `tau_w` | 12.5 | ms | time constant of w (> 0) |
//! | `alpha` | 0.7 | — | recovery offset a |
//! | `beta` | 0.8 | — | recovery decay b |
//! | `gamma` | 3 | — | cubic scale (≠ 0) |
//! | `v0` | 0 | — | initial (and spike-reset) v |
//! | `w0` | 0 | — | initial (and spike-reset) w |
//! | `v_thr` | 1.07 | — | spike threshold |
//! | `spike_reset` | false | — | reset v, w to v0, w0 after a spike |
//! | `integration_type` | `euler` | — | `euler` or `midpoint`/`rk2` |
//!
//! # Compartments
//! `j` (input, 0), `v` (v0), `w` (w0), `s` (0), `tols` (0). `reset()` restores all of them.
//!
//! # Quirks of the reference, reproduced
//! * Without `spike_reset`, `s` is a **level**: 1 on every step with v above `v_thr`, so one
//!   action potential gives tens of consecutive 1s.
//! * The docstring gives `v − v³/3 − w + j`; the code uses `gamma` and `j·resist_m`.
//! * ngclearn fixes the batch to 1; spikegpu allows any batch with the same per-unit semantics.
//! * Forward Euler at dt = 1 diverges for moderate inputs, in ngclearn and here alike: use
//!   dt ≤ 0.25.

use serde_json::{Map, Value};

use super::params::{ParamReader, require_finite, require_positive};
use super::{
    CellEntry, CellModel, Compartment, Role, StateView, StepInfo, cell_accessors, f32_words, override_flag,
    require_integrator, reset_to, spike_of, tols_of,
};
use crate::error::{Error, Result};
use crate::integrators::{self, Integrator};

/// Registry entry of the FitzHugh–Nagumo cell.
pub static ENTRY: CellEntry = CellEntry {
    key: "fitzhugh_nagumo",
    class_name: "FitzhughNagumoCell",
    shader: (
        "shaders/cells/fitzhugh_nagumo.wgsl",
        include_str!("../../shaders/cells/fitzhugh_nagumo.wgsl"),
    ),
    elementwise: true,
    pieces: &[crate::gpu::shaders::STATE_VW],
    from_params: |map| Ok(Box::new(FitzhughNagumoCell::from_params(map)?)),
    variants: FitzhughNagumoCell::all_variants,
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
        doc: "fast voltage-like variable (dimensionless)",
    },
    Compartment {
        name: "w",
        role: Role::State,
        doc: "slow recovery variable (dimensionless)",
    },
    Compartment {
        name: "s",
        role: Role::Output,
        doc: "spikes, a level while v > v_thr (0/1)",
    },
    Compartment {
        name: "tols",
        role: Role::Output,
        doc: "time of last spike (ms)",
    },
];

const SUPPORTED: &[Integrator] = &[Integrator::Euler, Integrator::Midpoint];

/// `FitzhughNagumoCell`'s constructor parameters, with ngclearn's names; see the
/// [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct FitzhughNagumoParams {
    /// Time constant of v (ms).
    pub tau_m: f32,
    /// Input resistance.
    pub resist_m: f32,
    /// Time constant of w (ms).
    pub tau_w: f32,
    /// Recovery offset.
    pub alpha: f32,
    /// Recovery decay.
    pub beta: f32,
    /// Cubic scale.
    pub gamma: f32,
    /// Initial (and spike-reset) v.
    pub v0: f32,
    /// Initial (and spike-reset) w.
    pub w0: f32,
    /// Spike threshold.
    pub v_thr: f32,
    /// Reset after a spike.
    pub spike_reset: bool,
    /// Euler or midpoint.
    pub integration_type: Integrator,
}

impl Default for FitzhughNagumoParams {
    /// ngclearn's defaults.
    fn default() -> Self {
        FitzhughNagumoParams {
            tau_m: 1.0,
            resist_m: 1.0,
            tau_w: 12.5,
            alpha: 0.7,
            beta: 0.8,
            gamma: 3.0,
            v0: 0.0,
            w0: 0.0,
            v_thr: 1.07,
            spike_reset: false,
            integration_type: Integrator::Euler,
        }
    }
}

/// A validated FitzHugh–Nagumo cell model.
#[derive(Debug, Clone)]
pub struct FitzhughNagumoCell {
    p: FitzhughNagumoParams,
    inv_tau_m: f32,
    inv_tau_w: f32,
}

impl FitzhughNagumoCell {
    /// Validates the parameters.
    pub fn new(p: FitzhughNagumoParams) -> Result<FitzhughNagumoCell> {
        require_positive("tau_m", p.tau_m)?;
        require_positive("tau_w", p.tau_w)?;
        require_finite("gamma", p.gamma)?;
        if p.gamma == 0.0 {
            return Err(Error::InvalidParameter {
                name: "gamma",
                value: "0".into(),
                reason: "must not be 0 (v³/gamma)",
            });
        }
        for (name, value) in [
            ("resist_m", p.resist_m),
            ("alpha", p.alpha),
            ("beta", p.beta),
            ("v0", p.v0),
            ("w0", p.w0),
            ("v_thr", p.v_thr),
        ] {
            require_finite(name, value)?;
        }
        require_integrator("FitzhughNagumoCell", p.integration_type, SUPPORTED)?;
        Ok(FitzhughNagumoCell {
            inv_tau_m: 1.0 / p.tau_m,
            inv_tau_w: 1.0 / p.tau_w,
            p,
        })
    }

    /// Builds the cell from ngclearn keyword arguments; unknown keys are an error.
    pub fn from_params(map: &Map<String, Value>) -> Result<FitzhughNagumoCell> {
        let mut r = ParamReader::new(map);
        let d = FitzhughNagumoParams::default();
        let p = FitzhughNagumoParams {
            tau_m: r.f32_or("tau_m", d.tau_m)?,
            resist_m: r.f32_or("resist_m", d.resist_m)?,
            tau_w: r.f32_or("tau_w", d.tau_w)?,
            alpha: r.f32_or("alpha", d.alpha)?,
            beta: r.f32_or("beta", d.beta)?,
            gamma: r.f32_or("gamma", d.gamma)?,
            v0: r.f32_or("v0", d.v0)?,
            w0: r.f32_or("w0", d.w0)?,
            v_thr: r.f32_or("v_thr", d.v_thr)?,
            spike_reset: r.bool_or("spike_reset", d.spike_reset)?,
            integration_type: Integrator::parse(r.str_or("integration_type", "euler")?)?,
        };
        r.finish()?;
        FitzhughNagumoCell::new(p)
    }

    /// The validated parameters.
    pub fn params(&self) -> &FitzhughNagumoParams {
        &self.p
    }

    /// Every integrator × `spike_reset` variant.
    pub fn all_variants() -> Vec<Box<dyn CellModel>> {
        let mut out: Vec<Box<dyn CellModel>> = Vec::new();
        for integration_type in SUPPORTED.iter().copied() {
            for spike_reset in [false, true] {
                let p = FitzhughNagumoParams {
                    integration_type,
                    spike_reset,
                    v0: -1.2,
                    w0: -0.6,
                    ..Default::default()
                };
                out.push(Box::new(
                    FitzhughNagumoCell::new(p).expect("the variant table holds valid parameters"),
                ));
            }
        }
        out
    }
}

impl CellModel for FitzhughNagumoCell {
    cell_accessors!();

    fn initial_values(&self) -> Vec<f32> {
        vec![0.0, self.p.v0, self.p.w0, 0.0, 0.0]
    }

    // Twin: shaders/cells/fitzhugh_nagumo.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let [j, v, w, s, tols] = &mut state.values[..] else {
            unreachable!("FitzhughNagumoCell states are built with its 5 compartments")
        };
        for i in 0..j.len() {
            let j_r = j[i] * p.resist_m;
            let (v_old, w_old) = (v[i], w[i]);
            let v1 = integrators::integrate(p.integration_type, v_old, step.dt, step.half_dt, |x| {
                (x - x * x * x / p.gamma - w_old + j_r) * self.inv_tau_m
            });
            let w1 = integrators::integrate(p.integration_type, w_old, step.dt, step.half_dt, |x| {
                (v_old + p.alpha - p.beta * x) * self.inv_tau_w
            });
            let spike = spike_of(v1, p.v_thr);
            if p.spike_reset {
                v[i] = reset_to(v1, spike, p.v0);
                w[i] = reset_to(w1, spike, p.w0);
            } else {
                v[i] = v1;
                w[i] = w1;
            }
            s[i] = spike;
            tols[i] = tols_of(tols[i], spike, step.t);
        }
    }

    fn variant_name(&self) -> String {
        let mut name = format!("fitzhugh_nagumo/{}", self.p.integration_type);
        if self.p.spike_reset {
            name.push_str("+spike_reset");
        }
        name
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("INTEGRATOR", f64::from(self.p.integration_type.code())),
            ("SPIKE_RESET", override_flag(self.p.spike_reset)),
        ]
    }

    fn gpu_params(&self) -> Vec<u32> {
        let p = &self.p;
        f32_words(&[
            p.resist_m,
            self.inv_tau_m,
            self.inv_tau_w,
            p.alpha,
            p.beta,
            p.gamma,
            p.v0,
            p.w0,
            p.v_thr,
        ])
    }

    fn random_ranges(&self) -> Vec<(f32, f32)> {
        vec![(0.0, 1.5), (-2.0, 2.0), (-0.5, 1.5), (0.0, 0.0), (0.0, 10.0)]
    }
}
