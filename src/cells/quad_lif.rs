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
//! # Parameters and compartments
//! [`QuadLifParams`] lists the parameters (ngclearn names, defaults, units, rules);
//! `thr_jitter` (deprecated in ngclearn) is accepted and dropped, and `critical_V` is accepted
//! as the deprecated spelling of `critical_v`. The compartments are LIF's
//! ([`super::lif::LAYOUT`]): `j`, `v`, `rfr`, `thr_theta`, `surrogate`, `v_thr`, `s`, `s_raw`,
//! `tols`. `reset()` restores `j`, `v`, `s`, `s_raw`, `rfr` and `tols`; it leaves `thr_theta`,
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

use super::describe::{Tolerance, cell_params, variants_of};
use super::lif::Quadratic;
use super::params::ParamReader;
use super::{CellEntry, CellModel, LifCell, LifParams};
use crate::error::Result;
use crate::integrators::Integrator;
use crate::surrogate::SurrogateType;

/// Registry entry of the QuadLIF cell: LIF's layout and kernel, with `QUADRATIC`.
pub static ENTRY: CellEntry = CellEntry {
    key: "quad_lif",
    class_name: "QuadLIFCell",
    shader: super::lif::ENTRY.shader,
    elementwise: true,
    layout: &super::lif::LAYOUT,
    params: QuadLifParams::TABLE,
    tolerance: Tolerance::STRICT,
    from_params: |map| Ok(Box::new(quad_lif_from_params(map)?)),
    variants: all_variants,
};

cell_params! {
    /// `QuadLIFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
    pub struct QuadLifParams, with_tau_m(tau_m) {
        tau_m: f32 [required] "ms" positive, "Membrane time constant.";
        resist_m: f32 [1.0] "—" positive, "Membrane resistance.";
        thr: f32 [-52.0] "mV" finite, "Base threshold.";
        v_rest: f32 [-65.0] "mV" finite, "Resting potential (an *unstable* fixed point, see the quirks).";
        v_reset: f32 [-60.0] "mV" finite, "Voltage after a spike.";
        v_scale: f32 [-41.6] "mV" finite, "Used as the critical voltage v_c (names swapped in ngclearn).";
        critical_v: f32 [1.0] "—" finite, "Used as the scale a0 (names swapped in ngclearn).";
        tau_theta: f32 [1e7] "ms" non_negative("must be ≥ 0 (0 disables the adaptive threshold)"),
            "Threshold adaptation decay; 0 disables it.";
        theta_plus: f32 [0.05] "mV" finite, "Threshold increment per spike.";
        refract_time: f32 [5.0] "ms" non_negative("must be ≥ 0"), "Refractory period.";
        one_spike: bool [false] "—" any, "Keep one random spike per row per step.";
        max_one_spike: bool [false] "—" any, "Keep only the spike of the highest pre-step voltage per row.";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler` or `midpoint`/`rk2`.";
        surrogate_type: SurrogateType [SurrogateType::StraightThrough] "—" any, "Accepted and ignored.";
        v_min: Option<f32> [None] "mV" finite, "Lower voltage clamp.";
    }
    drops [thr_jitter];
}

impl LifCell {
    /// A validated QuadLIF cell: the LIF family in its quadratic form.
    pub fn quadratic(p: QuadLifParams) -> Result<LifCell> {
        p.check()?;
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
        Ok(LifCell::new(lif)?.with_quadratic(Quadratic {
            v_c: p.v_scale,
            a0: p.critical_v,
        }))
    }
}

/// Builds a QuadLIF cell from ngclearn keyword arguments; unknown keys are an error.
pub fn quad_lif_from_params(map: &Map<String, Value>) -> Result<LifCell> {
    let mut r = ParamReader::new(map);
    // The deprecated spelling wins, as in ngclearn.
    let deprecated = r.f32_opt("critical_V")?;
    let mut p = QuadLifParams::read(&mut r)?;
    if let Some(critical_v) = deprecated {
        p.critical_v = critical_v;
    }
    r.finish()?;
    LifCell::quadratic(p)
}

/// Every integrator × selection mode × adaptation × `v_min` variant.
pub fn all_variants() -> Vec<Box<dyn CellModel>> {
    let selections = [(false, false), (true, false), (false, true)];
    let sets = super::lif::LAYOUT.integrators.iter().flat_map(|&integration_type| {
        selections.into_iter().flat_map(move |(one_spike, max_one_spike)| {
            [50.0, 0.0].into_iter().flat_map(move |tau_theta| {
                [None, Some(-70.0)].map(|v_min| QuadLifParams {
                    integration_type,
                    one_spike,
                    max_one_spike,
                    tau_theta,
                    v_min,
                    ..QuadLifParams::with_tau_m(10.0)
                })
            })
        })
    });
    variants_of(sets, LifCell::quadratic)
}
