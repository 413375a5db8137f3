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
//! The sums over a row run in a fixed order ([`crate::reductions::row_sum`]) on both the CPU
//! and the GPU, so every run gives the same result. Rows longer than
//! [`crate::reductions::ROW_CHUNK`] run on the GPU as four passes over chunks of that many
//! units, one workgroup per chunk; shorter rows as one workgroup per row.
//!
//! # Parameters and compartments
//! [`WtasParams`] lists the parameters (ngclearn names, defaults, units, rules; `tau_m` is
//! accepted and **ignored**, as in ngclearn), [`LAYOUT`] the compartments: `thr` is drawn (see
//! below) and persists across `reset()`.
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

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, GpuPasses, PassGrid, StateView, StepInfo, cell_accessors, floor_at, spike_of, tols_of};
use crate::reductions::{ROW_CHUNK, row_max};
use crate::team::{RowReduce, TeamPart, WholeRow};
use crate::rng::Key;

cell_params! {
    /// `WTASCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
    pub struct WtasParams, with_tau_m(tau_m) {
        tau_m: f32 [required] "ms" positive, "Accepted and **ignored**, as in ngclearn.";
        resist_m: f32 [1.0] "—" finite, "Input resistance.";
        thr_base: f32 [0.4] "—" finite, "Base probability threshold.";
        thr_gain: f32 [0.002] "—" finite, "Threshold change per extra (or missing) spike.";
        refract_time: f32 [0.0] "ms" non_negative("must be ≥ 0"), "Refractory period.";
        thr_jitter: f32 [0.05] "—" non_negative("must be ≥ 0 (the half-width of a uniform draw)"),
            "Half-width of the initial threshold jitter.";
    }
    accepts [batch_size];
}

describe_cell! {
    /// A validated WTAS cell model.
    WtasCell(c) = "WTASCell"(WtasParams) {
        key: "wtas", kernel: "wtas", elementwise: false,
        derived(p) {}
        // WTAS has no ODE (no integrators); Euler is reported.
        integrators: [] from crate::integrators::Integrator::Euler,
        variants(integration_type): [0.0, 2.0].map(|refract_time| WtasParams {
            refract_time,
            ..WtasParams::with_tau_m(1.0)
        }),
        tags { refractory: c.p.refract_time > 0.0 }
        // The softmax's `exp` is `crate::math::exp` on both sides: bitwise on software adapters;
        // a multiply-add contracted in it on hardware moves an ulp, which the sum amplifies.
        tolerance: Tolerance { gpu: Some(1e-4), ..Tolerance::STRICT },
        check_dt: 1.0,
        compartments: {
            j: Input = 0.0, range (0.0, 2000.0), "input current (multiplied by resist_m)";
            v: State = 0.0, range (0.0, 0.0), "masked input j·resist_m, the softmax's argument";
            s: Spike = 0.0, range (0.0, 0.0), "spikes (0/1)";
            thr: State = c.p.thr_base, reset None, range (0.02, 0.6),
                "per-unit probability thresholds (drawn); survive reset";
            rfr: State = c.p.refract_time, range (0.0, 4.0), "refractory timer (ms), dt right after a spike";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
        }
        uniform WtasParams {
            resist_m: c.p.resist_m,
            thr_gain: c.p.thr_gain,
            refract_time: c.p.refract_time,
        }
        overrides {}
        scratch: row_partials
    }
}

/// Index of `thr` in [`LAYOUT`].
const THR: usize = 3;

/// Partials per chunk in the scratch buffer: row maximum, Σ exp, spike count (WGSL:
/// `wtas_partial`).
const PARTIALS: usize = 3;

impl WtasCell {
    /// One row's step (or one thread's part of a row, with `reduce` combining the parts), as
    /// straight loops over the slices: the potentials and their maximum; `exp(v − max)`, kept
    /// in `s`, and their sum; the spikes with the refractory timers and spike times, and their
    /// count; the thresholds. The sums run in [`crate::reductions::row_sum`]'s order, so this
    /// computes what the GPU's passes compute.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn step_row(
        &self,
        step: &StepInfo,
        reduce: &impl RowReduce,
        j: &[f32],
        v: &mut [f32],
        s: &mut [f32],
        thr: &mut [f32],
        rfr: &mut [f32],
        tols: &mut [f32],
    ) {
        let p = &self.p;
        let n = j.len();
        let (v, s, thr, rfr, tols) = (&mut v[..n], &mut s[..n], &mut thr[..n], &mut rfr[..n], &mut tols[..n]);
        let (resist_m, refract_time, thr_gain, dt, t) = (p.resist_m, p.refract_time, p.thr_gain, step.dt, step.t);
        for k in 0..n {
            let mask = if rfr[k] >= refract_time { 1.0 } else { 0.0 };
            v[k] = (j[k] * resist_m) * mask;
        }
        let max = reduce.max(row_max(v));
        // Plain loops, each sum over a slice: summing through a closure that wrote `s` left
        // part of the work to a scalar copy of the loop (WTAS ran 30 % slower).
        for k in 0..n {
            s[k] = crate::math::exp_nonpositive(v[k] - max);
        }
        let total = reduce.sum(s);
        // What depends on the spike alone is updated in the same pass, one pass over the arrays
        // fewer; the thresholds wait for the row's count.
        for k in 0..n {
            let spike = spike_of(s[k] / total, thr[k]);
            s[k] = spike;
            rfr[k] = (rfr[k] + dt) * (1.0 - spike) + spike * dt;
            tols[k] = tols_of(tols[k], spike, t);
        }
        let count = reduce.sum(s);
        for threshold in thr.iter_mut() {
            *threshold = floor_at(*threshold + (count - 1.0) * thr_gain, 0.025);
        }
    }
}

impl CellModel for WtasCell {
    cell_accessors!();

    fn drawn_initial(&self, key: Key, n_units: usize) -> Vec<(usize, Vec<f32>)> {
        let (_, sub) = key.split();
        let jitter = sub.uniform(n_units, -self.p.thr_jitter, self.p.thr_jitter);
        vec![(THR, jitter.iter().map(|d| self.p.thr_base + d).collect())]
    }

    fn gpu_scratch_words(&self, batch: usize, n_units: usize) -> usize {
        // The chunk partials of the row maximum, the softmax's sum and the spike count.
        PARTIALS * batch * n_units.div_ceil(ROW_CHUNK)
    }

    // Twin: shaders/cells/wtas.wgsl `step` (one workgroup per row) and the `chunk_*` passes.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
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
            crate::simd::vectorised(
                #[inline(always)]
                || self.step_row(step, &WholeRow, j, v, s, thr, rfr, tols),
            );
        }
    }

    fn splits_rows(&self) -> bool {
        true
    }

    fn step_cpu_part(&self, state: &mut StateView<'_>, step: &StepInfo, part: &TeamPart<'_>) {
        let [j, v, s, thr, rfr, tols] = &mut state.values[..] else {
            unreachable!("WtasCell states are built with its 6 compartments")
        };
        crate::simd::vectorised(
            #[inline(always)]
            || self.step_row(step, part, j, v, s, thr, rfr, tols),
        );
    }

    fn gpu_passes(&self) -> GpuPasses {
        GpuPasses {
            step_per_row: true,
            chunked: &[
                ("chunk_max", PassGrid::Chunks),
                ("chunk_sum", PassGrid::Chunks),
                ("chunk_count", PassGrid::Chunks),
                ("chunk_update", PassGrid::Chunks),
            ],
            ..GpuPasses::default()
        }
    }
}
