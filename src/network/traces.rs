//! ngclearn 3.2.3's `VarTrace` (`conformance/network/README.md` §4.3): a trace of a spike train,
//! as STDP rules read it. WGSL twin: `shaders/network/trace.wgsl`.
//!
//! # Equations (one `advance_state(dt)`, shapes (B, N), `s` = `inputs`, `x` = the old trace)
//! ```text
//! d = f32(exp(−dt·f32(1/tau_tr)))  decay_type "exp" (the correctly rounded float32, computed on the host)
//!     1 − dt·f32(1/tau_tr)         "lin" (float32 operations)
//!     0                         "step"
//! y = (gamma_tr · x) · d
//! n_nearest_spikes > 0:  y = y + s · (a_delta − x · f32(1/n_nearest_spikes))
//! a_delta > 0:           y = y + s · a_delta                       (additive)
//! otherwise:             y = y · (1 − s) + s · P_scale             (gated: snaps to P_scale)
//! trace = outputs = y
//! ```
//! Every division by a constant is a multiplication by its float32 reciprocal, as XLA compiles
//! ngclearn's jit-compiled step ([`crate::cells`]). `reset()` zeroes `trace` and `outputs`;
//! **`inputs` is not reset** (ngclearn's quirk).
//!
//! # Parameters
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `n_units` | — | — | units N |
//! | `tau_tr` | — | ms | decay time constant (> 0) |
//! | `a_delta` | — | — | increment per spike (0: gated mode) |
//! | `P_scale` | 1 | — | value a spike sets in gated mode |
//! | `gamma_tr` | 1 | — | extra multiplicative decay |
//! | `decay_type` | `exp` | — | `exp`, `lin` or `step` |
//! | `n_nearest_spikes` | 0 | — | nearest-spike mode when > 0 |
//! | `batch_size` | 1 | — | rows B |

use serde_json::{Map, Value};

use crate::cells::params::ParamReader;
use crate::error::{Error, Result};

/// How the trace decays between spikes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decay {
    /// `exp(−dt/tau)`.
    Exponential,
    /// `1 − dt/tau`.
    Linear,
    /// Forgets everything every step.
    Step,
}

/// A validated `VarTrace`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VarTrace {
    /// Units N.
    pub n_units: usize,
    /// Decay time constant (ms).
    pub tau_tr: f32,
    /// Increment per spike.
    pub a_delta: f32,
    /// Gated mode's value after a spike.
    pub p_scale: f32,
    /// Extra multiplicative decay.
    pub gamma_tr: f32,
    /// Decay kind.
    pub decay: Decay,
    /// Nearest-spike mode when > 0.
    pub n_nearest_spikes: f32,
}

/// Compartment names, in state order.
pub const COMPARTMENTS: [&str; 3] = ["inputs", "trace", "outputs"];

impl VarTrace {
    /// From ngclearn keyword arguments; `name` names the component in errors.
    pub fn from_params(name: &str, map: &Map<String, Value>) -> Result<VarTrace> {
        let bad = |problem: String| Error::Network {
            part: name.to_string(),
            problem,
        };
        let mut r = ParamReader::new(map);
        let n_units = r
            .raw("n_units")
            .and_then(Value::as_u64)
            .filter(|&n| n > 0)
            .ok_or_else(|| bad("`n_units` must be a positive integer".into()))? as usize;
        r.accept_positive_int("batch_size")?;
        let tau_tr = r.f32_required("tau_tr")?;
        let a_delta = r.f32_required("a_delta")?;
        let p_scale = r.f32_or("P_scale", 1.0)?;
        let gamma_tr = r.f32_or("gamma_tr", 1.0)?;
        let decay_type = r.str_or("decay_type", "exp")?;
        let n_nearest_spikes = r.f32_or("n_nearest_spikes", 0.0)?;
        r.finish().map_err(|e| bad(e.to_string()))?;
        // ngclearn tests substrings: "exp" first, then "lin".
        let decay = if decay_type.contains("exp") {
            Decay::Exponential
        } else if decay_type.contains("lin") {
            Decay::Linear
        } else {
            Decay::Step
        };
        if !(tau_tr.is_finite() && tau_tr > 0.0) {
            return Err(bad(format!("`tau_tr` = {tau_tr} must be positive and finite")));
        }
        for (what, x) in [
            ("a_delta", a_delta),
            ("P_scale", p_scale),
            ("gamma_tr", gamma_tr),
            ("n_nearest_spikes", n_nearest_spikes),
        ] {
            if !x.is_finite() {
                return Err(bad(format!("`{what}` = {x} must be finite")));
            }
        }
        Ok(VarTrace {
            n_units,
            tau_tr,
            a_delta,
            p_scale,
            gamma_tr,
            decay,
            n_nearest_spikes,
        })
    }

    /// The float32 decay factor for step `dt`, as ngclearn's compiled step computes it.
    pub fn decay_factor(&self, dt: f32) -> f32 {
        let arg = dt * super::reciprocal_of_constant(self.tau_tr);
        match self.decay {
            Decay::Exponential => f64::from(-arg).exp() as f32,
            Decay::Linear => 1.0 - arg,
            Decay::Step => 0.0,
        }
    }

    /// The mode code of the WGSL twin: 0 nearest-spike, 1 additive, 2 gated.
    pub fn mode(&self) -> u32 {
        if self.n_nearest_spikes > 0.0 {
            0
        } else if self.a_delta > 0.0 {
            1
        } else {
            2
        }
    }

    /// One `advance_state`. Twin: `shaders/network/trace.wgsl` `trace_advance`.
    pub fn advance(&self, inputs: &[f32], trace: &mut [f32], outputs: &mut [f32], d: f32) {
        let mode = self.mode();
        let inv_nearest = super::reciprocal_of_constant(self.n_nearest_spikes);
        for ((s, x), o) in inputs.iter().zip(trace.iter_mut()).zip(outputs.iter_mut()) {
            let x_old = *x;
            let mut y = (self.gamma_tr * x_old) * d;
            y = match mode {
                0 => y + s * (self.a_delta - x_old * inv_nearest),
                1 => y + s * self.a_delta,
                _ => y * (1.0 - s) + s * self.p_scale,
            };
            *x = y;
            *o = y;
        }
    }
}
