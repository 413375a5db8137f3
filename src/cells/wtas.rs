//! `WTASCell`: ngclearn 3.2.3's winner-take-all spiking cell: a softmax over each batch row
//! compared with adaptive per-unit thresholds.
//!
//! # Equations
//! One step, per batch row, with `m = [rfr ≥ refract_time]`:
//! ```text
//! v    = (j·resist_m)·m                         (an instantaneous "voltage", no ODE)
//! p    = exp(v − max_row(v)) / Σ_row exp(v − max_row(v))
//! s    = [p > thr]
//! thr' = max(thr + (Σ_row s − 1)·thr_gain, 0.025)
//! rfr' = (rfr + dt)·(1 − s) + s·dt;   tols' = (1 − s)·tols + s·t
//! ```
//! The sums over a row run in a fixed order ([`crate::reductions::workgroup_sum`]) on both the
//! CPU and the GPU, so every run gives the same result.
//!
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_m` | required | ms | accepted and **ignored**, as in ngclearn (must be > 0) |
//! | `resist_m` | 1 | — | input resistance |
//! | `thr_base` | 0.4 | — | base probability threshold |
//! | `thr_gain` | 0.002 | — | threshold change per extra (or missing) spike |
//! | `refract_time` | 0 | ms | refractory period (≥ 0) |
//! | `thr_jitter` | 0.05 | — | half-width of the initial threshold jitter (≥ 0) |
//! | `batch_size` | 1 | — | accepted; the batch is given to [`crate::Population`] |
//!
//! # Compartments
//! `j` (input, 0), `v` (0), `s` (0), `thr` (drawn, see below), `rfr` (refract_time), `tols` (0).
//! `reset()` restores all of them **except `thr`**, which persists.
//!
//! # Construction draw (bit-identical to ngclearn for the same seed)
//! `_, sk = split(key)`; `thr = thr_base + uniform(sk, (1, N), −thr_jitter, thr_jitter)` in
//! float32, with JAX's fused multiply-add rounding (see [`crate::rng`]).
//!
//! # Quirks of the reference, reproduced
//! * `tau_m` is accepted and ignored; `dt` only enters `rfr`.
//! * Every threshold of a row moves on every step: down by `thr_gain` when no unit spikes,
//!   unchanged with exactly one spike, up with more.
//! * `thr` starts as (1, N) in ngclearn and becomes (B, N) after the first step; spikegpu stores
//!   (B, N) from construction, each row holding the same draw, which is the same broadcast.
//! * The docstring gives `refract_time` = 1 ms; the code default is 0 (the mask is then always 1).

use serde_json::{Map, Value};

use super::params::{ParamReader, require_finite, require_non_negative, require_positive};
use super::{CellEntry, CellModel, Compartment, GpuPasses, Role, StateView, StepInfo, f32_words, spike_of, tols_of};
use crate::error::Result;
use crate::integrators::Integrator;
use crate::reductions::{row_max, workgroup_sum};
use crate::rng::Key;

/// Registry entry of the WTAS cell.
pub static ENTRY: CellEntry = CellEntry {
    key: "wtas",
    class_name: "WTASCell",
    shader: ("shaders/cells/wtas.wgsl", include_str!("../../shaders/cells/wtas.wgsl")),
    elementwise: false,
    pieces: &[],
    from_params: |map| Ok(Box::new(WtasCell::from_params(map)?)),
    variants: WtasCell::all_variants,
};

/// Index of `thr` in the compartment table.
const THR: usize = 3;

static COMPARTMENTS: [Compartment; 6] = [
    Compartment {
        name: "j",
        role: Role::Input,
        doc: "input current (multiplied by resist_m)",
    },
    Compartment {
        name: "v",
        role: Role::State,
        doc: "masked input j·resist_m, the softmax's argument",
    },
    Compartment {
        name: "s",
        role: Role::Output,
        doc: "spikes (0/1)",
    },
    Compartment {
        name: "thr",
        role: Role::State,
        doc: "per-unit probability thresholds; survive reset",
    },
    Compartment {
        name: "rfr",
        role: Role::State,
        doc: "refractory timer (ms), dt right after a spike",
    },
    Compartment {
        name: "tols",
        role: Role::Output,
        doc: "time of last spike (ms)",
    },
];

/// `WTASCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct WtasParams {
    /// Accepted and ignored (ms).
    pub tau_m: f32,
    /// Input resistance.
    pub resist_m: f32,
    /// Base threshold.
    pub thr_base: f32,
    /// Threshold change per extra spike.
    pub thr_gain: f32,
    /// Refractory period (ms).
    pub refract_time: f32,
    /// Half-width of the initial jitter.
    pub thr_jitter: f32,
}

impl WtasParams {
    /// ngclearn's defaults for the given `tau_m`.
    pub fn with_tau_m(tau_m: f32) -> WtasParams {
        WtasParams {
            tau_m,
            resist_m: 1.0,
            thr_base: 0.4,
            thr_gain: 0.002,
            refract_time: 0.0,
            thr_jitter: 0.05,
        }
    }
}

/// A validated WTAS cell model.
#[derive(Debug, Clone)]
pub struct WtasCell {
    p: WtasParams,
}

impl WtasCell {
    /// Validates the parameters.
    pub fn new(p: WtasParams) -> Result<WtasCell> {
        require_positive("tau_m", p.tau_m)?;
        for (name, value) in [
            ("resist_m", p.resist_m),
            ("thr_base", p.thr_base),
            ("thr_gain", p.thr_gain),
        ] {
            require_finite(name, value)?;
        }
        require_non_negative("refract_time", p.refract_time, "must be ≥ 0")?;
        require_non_negative(
            "thr_jitter",
            p.thr_jitter,
            "must be ≥ 0 (the half-width of a uniform draw)",
        )?;
        Ok(WtasCell { p })
    }

    /// Builds the cell from ngclearn keyword arguments; unknown keys are an error.
    pub fn from_params(map: &Map<String, Value>) -> Result<WtasCell> {
        let mut r = ParamReader::new(map);
        let d = WtasParams::with_tau_m(r.f32_required("tau_m")?);
        let p = WtasParams {
            resist_m: r.f32_or("resist_m", d.resist_m)?,
            thr_base: r.f32_or("thr_base", d.thr_base)?,
            thr_gain: r.f32_or("thr_gain", d.thr_gain)?,
            refract_time: r.f32_or("refract_time", d.refract_time)?,
            thr_jitter: r.f32_or("thr_jitter", d.thr_jitter)?,
            ..d
        };
        r.accept_positive_int("batch_size")?;
        r.finish()?;
        WtasCell::new(p)
    }

    /// The validated parameters.
    pub fn params(&self) -> &WtasParams {
        &self.p
    }

    /// With and without a refractory period.
    pub fn all_variants() -> Vec<Box<dyn CellModel>> {
        [0.0, 2.0]
            .into_iter()
            .map(|refract_time| {
                let p = WtasParams {
                    refract_time,
                    ..WtasParams::with_tau_m(1.0)
                };
                Box::new(WtasCell::new(p).expect("the variant table holds valid parameters")) as Box<dyn CellModel>
            })
            .collect()
    }
}

impl CellModel for WtasCell {
    fn boxed(&self) -> Box<dyn CellModel> {
        Box::new(self.clone())
    }

    fn entry(&self) -> &'static CellEntry {
        &ENTRY
    }

    fn compartments(&self) -> &'static [Compartment] {
        &COMPARTMENTS
    }

    /// WTAS has no ODE; Euler is reported.
    fn integrator(&self) -> Integrator {
        Integrator::Euler
    }

    fn initial_values(&self) -> Vec<f32> {
        vec![0.0, 0.0, 0.0, self.p.thr_base, self.p.refract_time, 0.0]
    }

    fn drawn_initial(&self, key: Key, n_units: usize) -> Vec<(usize, Vec<f32>)> {
        let (_, sub) = key.split();
        let jitter = sub.uniform(n_units, -self.p.thr_jitter, self.p.thr_jitter);
        vec![(THR, jitter.iter().map(|d| self.p.thr_base + d).collect())]
    }

    fn reset_values(&self) -> Vec<Option<f32>> {
        let mut values: Vec<Option<f32>> = self.initial_values().into_iter().map(Some).collect();
        values[THR] = None;
        values
    }

    // The softmax's `exp` differs by a few ulp between WGSL and Rust.
    fn gpu_tolerance(&self) -> Option<f32> {
        Some(1e-4)
    }

    fn check_dt(&self) -> f64 {
        1.0
    }

    // Twin: shaders/cells/wtas.wgsl `step` (one workgroup per row).
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let n = state.n_units;
        let [j, v, s, thr, rfr, tols] = &mut state.values[..] else {
            unreachable!("WtasCell states are built with its 6 compartments")
        };
        for row in 0..state.batch {
            let r = row * n..(row + 1) * n;
            let (j, v, s, thr, rfr, tols) = (
                &j[r.clone()],
                &mut v[r.clone()],
                &mut s[r.clone()],
                &mut thr[r.clone()],
                &mut rfr[r.clone()],
                &mut tols[r],
            );
            for k in 0..n {
                let mask = if rfr[k] >= p.refract_time { 1.0 } else { 0.0 };
                v[k] = (j[k] * p.resist_m) * mask;
            }
            let max = row_max(v);
            let total = workgroup_sum(n, |k| (v[k] - max).exp());
            for k in 0..n {
                s[k] = spike_of((v[k] - max).exp() / total, thr[k]);
            }
            let count = workgroup_sum(n, |k| s[k]);
            for k in 0..n {
                thr[k] = (thr[k] + (count - 1.0) * p.thr_gain).max(0.025);
                rfr[k] = (rfr[k] + step.dt) * (1.0 - s[k]) + s[k] * step.dt;
                tols[k] = tols_of(tols[k], s[k], step.t);
            }
        }
    }

    fn variant_name(&self) -> String {
        let mut name = "wtas".to_string();
        if self.p.refract_time > 0.0 {
            name.push_str("+refractory");
        }
        name
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }

    fn gpu_params(&self) -> Vec<u32> {
        f32_words(&[self.p.resist_m, self.p.thr_gain, self.p.refract_time])
    }

    fn gpu_passes(&self) -> GpuPasses {
        GpuPasses {
            step_per_row: true,
            ..GpuPasses::default()
        }
    }

    fn random_ranges(&self) -> Vec<(f32, f32)> {
        // Widely spread inputs, so that a softmax over thousands of units still has winners.
        vec![
            (0.0, 2000.0),
            (0.0, 0.0),
            (0.0, 0.0),
            (0.02, 0.6),
            (0.0, 4.0),
            (0.0, 10.0),
        ]
    }
}
