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
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_v` | 1 | ms | time constant of v (> 0) |
//! | `tau_w` | 1 | ms | time constant of w (> 0) |
//! | `thr` | 1 | — | spike threshold on v |
//! | `omega` | 10 | rad/ms | angular frequency |
//! | `dampen_factor` | −1 | 1/ms | damping `b` (negative: damped) |
//! | `v_reset` | 0 | — | v after a spike |
//! | `w_reset` | 0 | — | w after a spike |
//! | `v0` | 0 | — | initial and reset v |
//! | `w0` | 0 | — | initial and reset w |
//! | `resist_v` | 1 | — | input resistance |
//! | `post_spike_reset` | true | — | reset v and w after a spike |
//! | `integration_type` | `euler` | — | `euler` or `midpoint`/`rk2` |
//! | `batch_size` | 1 | — | accepted; the batch is given to [`crate::Population`] |
//!
//! # Compartments
//! `j` (input, 0), `v` (v0), `w` (w0), `s` (0), `tols` (0). `reset()` restores all of them.
//!
//! # Quirks of the reference, reproduced
//! * With `post_spike_reset = false` nothing is reset and `s` is a level: 1 on every step with
//!   v above `thr`.
//! * The docstring gives 1 for the defaults of `v_reset` and `v0`; the code has 0.
//! * The docstring says `j` "should generally be scaled by tau_w/dt"; no scaling is done.
//! * With the defaults (τ = 1 ms, ω = 10) the natural step is about dt = 0.01 ms.
//! * ngclearn silently runs Euler for `rk4`, `heun` and `ralston`; spikegpu refuses them.

use serde_json::{Map, Value};

use super::params::{ParamReader, require_finite, require_positive};
use super::{
    CellEntry, CellModel, Compartment, Role, StateView, StepInfo, cell_accessors, f32_words, override_flag,
    require_integrator, reset_to, spike_of, tols_of,
};
use crate::error::Result;
use crate::integrators::{self, Integrator};

/// Registry entry of the resonate-and-fire cell.
pub static ENTRY: CellEntry = CellEntry {
    key: "resonate_and_fire",
    class_name: "RAFCell",
    shader: (
        "shaders/cells/resonate_and_fire.wgsl",
        include_str!("../../shaders/cells/resonate_and_fire.wgsl"),
    ),
    elementwise: true,
    pieces: &[crate::gpu::shaders::STATE_VW],
    from_params: |map| Ok(Box::new(RafCell::from_params(map)?)),
    variants: RafCell::all_variants,
};

static COMPARTMENTS: [Compartment; 5] = [
    Compartment {
        name: "j",
        role: Role::Input,
        doc: "input current (multiplied by resist_v)",
    },
    Compartment {
        name: "v",
        role: Role::State,
        doc: "voltage-like variable (dimensionless)",
    },
    Compartment {
        name: "w",
        role: Role::State,
        doc: "current-like recovery variable (dimensionless)",
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

/// `RAFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct RafParams {
    /// Time constant of v (ms).
    pub tau_v: f32,
    /// Time constant of w (ms).
    pub tau_w: f32,
    /// Spike threshold.
    pub thr: f32,
    /// Angular frequency.
    pub omega: f32,
    /// Damping `b`.
    pub dampen_factor: f32,
    /// v after a spike.
    pub v_reset: f32,
    /// w after a spike.
    pub w_reset: f32,
    /// Initial and reset v.
    pub v0: f32,
    /// Initial and reset w.
    pub w0: f32,
    /// Input resistance.
    pub resist_v: f32,
    /// Reset after a spike.
    pub post_spike_reset: bool,
    /// Euler or midpoint.
    pub integration_type: Integrator,
}

impl Default for RafParams {
    /// ngclearn's defaults.
    fn default() -> Self {
        RafParams {
            tau_v: 1.0,
            tau_w: 1.0,
            thr: 1.0,
            omega: 10.0,
            dampen_factor: -1.0,
            v_reset: 0.0,
            w_reset: 0.0,
            v0: 0.0,
            w0: 0.0,
            resist_v: 1.0,
            post_spike_reset: true,
            integration_type: Integrator::Euler,
        }
    }
}

/// A validated resonate-and-fire cell model.
#[derive(Debug, Clone)]
pub struct RafCell {
    p: RafParams,
    inv_tau_v: f32,
    inv_tau_w: f32,
}

impl RafCell {
    /// Validates the parameters.
    pub fn new(p: RafParams) -> Result<RafCell> {
        require_positive("tau_v", p.tau_v)?;
        require_positive("tau_w", p.tau_w)?;
        for (name, value) in [
            ("thr", p.thr),
            ("omega", p.omega),
            ("dampen_factor", p.dampen_factor),
            ("v_reset", p.v_reset),
            ("w_reset", p.w_reset),
            ("v0", p.v0),
            ("w0", p.w0),
            ("resist_v", p.resist_v),
        ] {
            require_finite(name, value)?;
        }
        require_integrator("RAFCell", p.integration_type, SUPPORTED)?;
        Ok(RafCell {
            inv_tau_v: 1.0 / p.tau_v,
            inv_tau_w: 1.0 / p.tau_w,
            p,
        })
    }

    /// Builds the cell from ngclearn keyword arguments; unknown keys are an error.
    pub fn from_params(map: &Map<String, Value>) -> Result<RafCell> {
        let mut r = ParamReader::new(map);
        let d = RafParams::default();
        let p = RafParams {
            tau_v: r.f32_or("tau_v", d.tau_v)?,
            tau_w: r.f32_or("tau_w", d.tau_w)?,
            thr: r.f32_or("thr", d.thr)?,
            omega: r.f32_or("omega", d.omega)?,
            dampen_factor: r.f32_or("dampen_factor", d.dampen_factor)?,
            v_reset: r.f32_or("v_reset", d.v_reset)?,
            w_reset: r.f32_or("w_reset", d.w_reset)?,
            v0: r.f32_or("v0", d.v0)?,
            w0: r.f32_or("w0", d.w0)?,
            resist_v: r.f32_or("resist_v", d.resist_v)?,
            post_spike_reset: r.bool_or("post_spike_reset", d.post_spike_reset)?,
            integration_type: Integrator::parse(r.str_or("integration_type", "euler")?)?,
        };
        r.accept_positive_int("batch_size")?;
        r.finish()?;
        RafCell::new(p)
    }

    /// The validated parameters.
    pub fn params(&self) -> &RafParams {
        &self.p
    }

    /// Every integrator × `post_spike_reset` variant.
    pub fn all_variants() -> Vec<Box<dyn CellModel>> {
        let mut out: Vec<Box<dyn CellModel>> = Vec::new();
        for integration_type in SUPPORTED.iter().copied() {
            for post_spike_reset in [true, false] {
                let p = RafParams {
                    integration_type,
                    post_spike_reset,
                    w_reset: 0.25,
                    v_reset: -0.1,
                    ..RafParams::default()
                };
                out.push(Box::new(
                    RafCell::new(p).expect("the variant table holds valid parameters"),
                ));
            }
        }
        out
    }
}

impl CellModel for RafCell {
    cell_accessors!();

    fn initial_values(&self) -> Vec<f32> {
        vec![0.0, self.p.v0, self.p.w0, 0.0, 0.0]
    }

    fn check_dt(&self) -> f64 {
        0.01
    }

    // Twin: shaders/cells/resonate_and_fire.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let (b, om) = (p.dampen_factor, p.omega);
        let [j, v, w, s, tols] = &mut state.values[..] else {
            unreachable!("RafCell states are built with its 5 compartments")
        };
        for i in 0..j.len() {
            let j_r = j[i] * p.resist_v;
            let v_old = v[i];
            let w1 = integrators::integrate(p.integration_type, w[i], step.dt, step.half_dt, |x| {
                (x * b - v_old * om + j_r) * self.inv_tau_w
            });
            let v1 = integrators::integrate(p.integration_type, v_old, step.dt, step.half_dt, |x| {
                (om * w1 + x * b) * self.inv_tau_v
            });
            let spike = spike_of(v1, p.thr);
            if p.post_spike_reset {
                w[i] = reset_to(w1, spike, p.w_reset);
                v[i] = reset_to(v1, spike, p.v_reset);
            } else {
                w[i] = w1;
                v[i] = v1;
            }
            s[i] = spike;
            tols[i] = tols_of(tols[i], spike, step.t);
        }
    }

    fn variant_name(&self) -> String {
        let mut name = format!("resonate_and_fire/{}", self.p.integration_type);
        if !self.p.post_spike_reset {
            name.push_str("+no_reset");
        }
        name
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("INTEGRATOR", f64::from(self.p.integration_type.code())),
            ("POST_SPIKE_RESET", override_flag(self.p.post_spike_reset)),
        ]
    }

    fn gpu_params(&self) -> Vec<u32> {
        let p = &self.p;
        f32_words(&[
            p.resist_v,
            self.inv_tau_v,
            self.inv_tau_w,
            p.thr,
            p.omega,
            p.dampen_factor,
            p.v_reset,
            p.w_reset,
        ])
    }

    fn random_ranges(&self) -> Vec<(f32, f32)> {
        vec![(-5.0, 20.0), (-1.0, 1.2), (-1.0, 1.0), (0.0, 0.0), (0.0, 10.0)]
    }
}
