//! `QuadLIFCell`: ngclearn 3.2.3's quadratic integrate-and-fire cell, a subclass of `LIFCell`.
//!
//! spikegpu builds it as the quadratic form of [`LifCell`] (the same Rust step and the same WGSL
//! kernel, `shaders/cells/lif.wgsl`, with the `QUADRATIC` override), as ngclearn derives it from
//! LIFCell.
//!
//! # Equations
//! Everything as [`LifCell`](super::lif) except the leak and the two compartments it leaves
//! alone:
//! ```text
//! tau_m · dv/dt = (v_rest − v)·(v − v_c)·a0 + j·resist_m·m      with v_c = v_scale, a0 = critical_v
//! ```
//! No surrogate is computed and `v_thr` is never updated (they stay at 1 and `thr`);
//! `thr_theta` adapts as in LIF.
//!
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_m` | required | ms | membrane time constant (> 0) |
//! | `resist_m` | 1 | — | membrane resistance (> 0) |
//! | `thr` | −52 | mV | base threshold |
//! | `v_rest` | −65 | mV | resting potential (an *unstable* fixed point, see the quirks) |
//! | `v_reset` | −60 | mV | voltage after a spike |
//! | `v_scale` | −41.6 | mV | used as the critical voltage v_c (names swapped in ngclearn) |
//! | `critical_v` | 1 | — | used as the scale a0 (names swapped in ngclearn) |
//! | `tau_theta` | 1e7 | ms | threshold adaptation decay; 0 disables it |
//! | `theta_plus` | 0.05 | mV | threshold increment per spike |
//! | `refract_time` | 5 | ms | refractory period |
//! | `one_spike` | false | — | keep one random spike per row per step |
//! | `max_one_spike` | false | — | keep only the spike of the highest pre-step voltage per row |
//! | `integration_type` | `euler` | — | `euler` or `midpoint`/`rk2` |
//! | `surrogate_type` | `straight_through` | — | accepted and ignored |
//! | `v_min` | none | mV | lower voltage clamp |
//! | `thr_jitter` | — | — | deprecated in ngclearn: accepted and dropped |
//! | `critical_V` | — | — | deprecated spelling of `critical_v` |
//!
//! # Compartments
//! As LIF: `j`, `v`, `rfr`, `thr_theta`, `surrogate`, `v_thr`, `s`, `s_raw`, `tols`.
//! `reset()` restores `j`, `v`, `s`, `s_raw`, `rfr` and `tols`; it leaves `thr_theta`,
//! `surrogate` and `v_thr` alone.
//!
//! # Quirks of the reference, reproduced
//! * **The parameter names are swapped in meaning**: `v_scale` is the critical voltage v_c and
//!   `critical_v` the scale a0 (ngclearn's docstring says so too).
//! * **The sign is flipped** against the docstring's `a0·(v − v_rest)(v − v_c)`: with the
//!   defaults v_rest is an *unstable* fixed point and v_c a stable one. Any positive input starts
//!   repetitive firing, and since v_reset lies in the growth region the cell keeps firing with
//!   zero input. Any excursion below v_rest diverges towards −∞ in finite time (the true
//!   solution of this ODE) unless `v_min` is set; spikegpu, like ngclearn, then produces −inf and
//!   NaN: set `v_min`.
//! * `surrogate` and `v_thr` are never updated; `surrogate_type` is ignored.
//! * The docstring gives `refract_time` = 1 ms; the code default is 5.
//!
//! # Where spikegpu departs from the reference
//! ngclearn decides `one_spike`'s "any spike?" switch over the whole batch, not per row. Its
//! QuadLIFCell fixes the batch to 1, where the two agree; with a forced batch > 1 ngclearn would
//! give a row without spikes a spurious spike at unit 0 whenever another row spiked. spikegpu
//! supports batches and applies the switch per row, as LIF does.

use serde_json::{Map, Value};

use super::lif::Quadratic;
use super::params::ParamReader;
use super::{CellEntry, CellModel, LifCell, LifParams};
use crate::error::Result;
use crate::integrators::Integrator;
use crate::surrogate::SurrogateType;

/// Registry entry of the QuadLIF cell (its kernel is LIF's, with `QUADRATIC`).
pub static ENTRY: CellEntry = CellEntry {
    key: "quad_lif",
    class_name: "QuadLIFCell",
    shader: ("shaders/cells/lif.wgsl", include_str!("../../shaders/cells/lif.wgsl")),
    elementwise: true,
    pieces: &[],
    from_params: |map| Ok(Box::new(quad_lif_from_params(map)?)),
    variants: all_variants,
};

/// `QuadLIFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct QuadLifParams {
    /// Membrane time constant (ms), required.
    pub tau_m: f32,
    /// Membrane resistance.
    pub resist_m: f32,
    /// Base threshold (mV).
    pub thr: f32,
    /// Resting potential (mV).
    pub v_rest: f32,
    /// Reset potential (mV).
    pub v_reset: f32,
    /// The critical voltage v_c (mV), under ngclearn's swapped name.
    pub v_scale: f32,
    /// The scale a0, under ngclearn's swapped name.
    pub critical_v: f32,
    /// Threshold adaptation time constant (ms; 0 disables).
    pub tau_theta: f32,
    /// Threshold increment per spike (mV).
    pub theta_plus: f32,
    /// Refractory period (ms).
    pub refract_time: f32,
    /// Keep one random spike per row.
    pub one_spike: bool,
    /// Keep only the spike of the highest pre-step voltage per row.
    pub max_one_spike: bool,
    /// Euler or midpoint.
    pub integration_type: Integrator,
    /// Accepted and ignored.
    pub surrogate_type: SurrogateType,
    /// Lower voltage clamp (mV).
    pub v_min: Option<f32>,
}

impl QuadLifParams {
    /// ngclearn's defaults for the given `tau_m`.
    pub fn with_tau_m(tau_m: f32) -> QuadLifParams {
        let lif = LifParams::with_tau_m(tau_m);
        QuadLifParams {
            tau_m,
            resist_m: lif.resist_m,
            thr: lif.thr,
            v_rest: lif.v_rest,
            v_reset: lif.v_reset,
            v_scale: -41.6,
            critical_v: 1.0,
            tau_theta: lif.tau_theta,
            theta_plus: lif.theta_plus,
            refract_time: lif.refract_time,
            one_spike: false,
            max_one_spike: false,
            integration_type: Integrator::Euler,
            surrogate_type: SurrogateType::StraightThrough,
            v_min: None,
        }
    }
}

impl LifCell {
    /// A validated QuadLIF cell: the LIF family in its quadratic form.
    pub fn quadratic(p: QuadLifParams) -> Result<LifCell> {
        let lif = LifParams {
            tau_m: p.tau_m,
            resist_m: p.resist_m,
            thr: p.thr,
            v_rest: p.v_rest,
            v_reset: p.v_reset,
            // ngclearn passes conduct_leak = 1 to LIFCell; the quadratic leak does not use it.
            conduct_leak: 1.0,
            tau_theta: p.tau_theta,
            theta_plus: p.theta_plus,
            refract_time: p.refract_time,
            one_spike: p.one_spike,
            max_one_spike: p.max_one_spike,
            integration_type: p.integration_type,
            surrogate_type: p.surrogate_type,
            v_min: p.v_min,
        };
        LifCell::new(lif)?.with_quadratic(Quadratic {
            v_c: p.v_scale,
            a0: p.critical_v,
        })
    }
}

/// Builds a QuadLIF cell from ngclearn keyword arguments; unknown keys are an error.
pub fn quad_lif_from_params(map: &Map<String, Value>) -> Result<LifCell> {
    let mut r = ParamReader::new(map);
    let d = QuadLifParams::with_tau_m(r.f32_required("tau_m")?);
    let critical_v = match r.f32_opt("critical_V")? {
        Some(deprecated) => deprecated,
        None => r.f32_or("critical_v", d.critical_v)?,
    };
    let p = QuadLifParams {
        resist_m: r.f32_or("resist_m", d.resist_m)?,
        thr: r.f32_or("thr", d.thr)?,
        v_rest: r.f32_or("v_rest", d.v_rest)?,
        v_reset: r.f32_or("v_reset", d.v_reset)?,
        v_scale: r.f32_or("v_scale", d.v_scale)?,
        critical_v,
        tau_theta: r.f32_or("tau_theta", d.tau_theta)?,
        theta_plus: r.f32_or("theta_plus", d.theta_plus)?,
        refract_time: r.f32_or("refract_time", d.refract_time)?,
        one_spike: r.bool_or("one_spike", d.one_spike)?,
        max_one_spike: r.bool_or("max_one_spike", d.max_one_spike)?,
        integration_type: Integrator::parse(r.str_or("integration_type", "euler")?)?,
        surrogate_type: SurrogateType::parse(r.str_or("surrogate_type", "straight_through")?)?,
        v_min: r.f32_opt("v_min")?,
        ..d
    };
    r.f32_opt("thr_jitter")?;
    r.finish()?;
    LifCell::quadratic(p)
}

/// Every integrator × selection mode × adaptation × `v_min` variant.
pub fn all_variants() -> Vec<Box<dyn CellModel>> {
    let mut out: Vec<Box<dyn CellModel>> = Vec::new();
    for integration_type in [Integrator::Euler, Integrator::Midpoint] {
        for (one_spike, max_one_spike) in [(false, false), (true, false), (false, true)] {
            for tau_theta in [50.0, 0.0] {
                for v_min in [None, Some(-70.0)] {
                    let p = QuadLifParams {
                        integration_type,
                        one_spike,
                        max_one_spike,
                        tau_theta,
                        v_min,
                        ..QuadLifParams::with_tau_m(10.0)
                    };
                    out.push(Box::new(
                        LifCell::quadratic(p).expect("the variant table holds valid parameters"),
                    ));
                }
            }
        }
    }
    out
}
