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
use super::{CellModel, GpuPasses, PassGrid, StateView, StepInfo, cell_accessors, floor_at, reset_to, spike_of, tols_of};
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

/// Units per block of the potentials' pass: each block's maximum is taken while the block is
/// in the L1 cache.
const MAX_BLOCK: usize = 512;

/// Units per block of [`spike_pass`]'s screen: a multiple of every vector width, and long enough
/// for the screened loop to vectorise (16 left it scalar).
const SCREEN_BLOCK: usize = 64;

/// The spike pass: `s = [s / total > thr]` (from the softmax's numerators in `s`), with the
/// refractory timers and spike times, which depend on the spike alone, in the same pass.
///
/// Each unit's test divides, and a vector division costs about as much as the rest of the
/// pass, so a block of units is first screened with a multiplication: a unit with
/// `s < fl(thr · total)` does not spike, and a block of such units is updated as not spiking
/// without dividing. No float lies strictly between a real number and its rounding, so
/// `s < fl(thr · total)` gives `s ≤ thr · total`, so `s / total ≤ thr` (`total` is finite and
/// ≥ 1: the row's maximum contributes `exp(0)` = 1), which rounds to at most `thr`: no spike,
/// exactly what the division decides. NaN fails the screen and takes the division, and so does
/// every unit of a row whose potentials all overflowed to −∞ (`total` = 0, `s` = 0).
///
/// A softmax's shares sum to 1, so at most `1 / thr` units of a row (40 at the thresholds'
/// floor of 0.025) can fail the screen: nearly every block skips the division.
#[inline(always)]
fn spike_pass(total: f32, dt: f32, t: f32, s: &mut [f32], thr: &[f32], rfr: &mut [f32], tols: &mut [f32]) -> u32 {
    let n = s.len();
    let (thr, rfr, tols) = (&thr[..n], &mut rfr[..n], &mut tols[..n]);
    let full = n / SCREEN_BLOCK * SCREEN_BLOCK;
    let mut spikes = 0;
    let blocks = s[..full]
        .chunks_exact_mut(SCREEN_BLOCK)
        .zip(thr[..full].chunks_exact(SCREEN_BLOCK))
        .zip(rfr[..full].chunks_exact_mut(SCREEN_BLOCK))
        .zip(tols[..full].chunks_exact_mut(SCREEN_BLOCK));
    for (((s, thr), rfr), tols) in blocks {
        // And-ed rather than `all`, which would stop early and keep the loop scalar.
        let screened = s.iter().zip(thr).fold(
            true,
            #[inline(always)]
            |screened, (&s, &thr)| screened & (s < thr * total),
        );
        if screened {
            for ((s, rfr), tols) in s.iter_mut().zip(rfr.iter_mut()).zip(tols.iter_mut()) {
                update_after_spike(dt, t, 0.0, s, rfr, tols);
            }
        } else {
            spikes += divide_and_update(total, dt, t, s, thr, rfr, tols);
        }
    }
    spikes + divide_and_update(total, dt, t, &mut s[full..], &thr[full..], &mut rfr[full..], &mut tols[full..])
}

/// [`spike_pass`] without the screen: every unit's `s / total > thr`. Returns the number of
/// spikes.
#[inline(always)]
fn divide_and_update(total: f32, dt: f32, t: f32, s: &mut [f32], thr: &[f32], rfr: &mut [f32], tols: &mut [f32]) -> u32 {
    let mut spikes = 0;
    for (((s, &thr), rfr), tols) in s.iter_mut().zip(thr).zip(rfr.iter_mut()).zip(tols.iter_mut()) {
        let spike = spike_of(*s / total, thr);
        spikes += u32::from(spike > 0.0);
        update_after_spike(dt, t, spike, s, rfr, tols);
    }
    spikes
}

/// A unit's spike and what depends on it alone: the refractory timer and the spike time.
#[inline(always)]
fn update_after_spike(dt: f32, t: f32, spike: f32, s: &mut f32, rfr: &mut f32, tols: &mut f32) {
    *s = spike;
    *rfr = reset_to(*rfr + dt, spike, dt);
    *tols = tols_of(*tols, spike, t);
}

impl WtasCell {
    /// One row's step (or one thread's part of a row, with `reduce` combining the parts), as
    /// straight loops over the slices: the potentials and their maximum; `exp(v − max)`, kept
    /// in `s`, and their sum; the spikes with the refractory timers and spike times, and their
    /// count ([`spike_pass`]); the thresholds. The sum runs in [`crate::reductions::row_sum`]'s
    /// order, and the maximum and the count are exact in any order, so this computes what the
    /// GPU's passes compute.
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
        // The potentials in blocks, each block's maximum taken while it is in the L1 cache
        // (one loop doing both does not vectorise).
        let mut local_max = f32::MIN;
        for ((v, j), rfr) in v.chunks_mut(MAX_BLOCK).zip(j.chunks(MAX_BLOCK)).zip(rfr.chunks(MAX_BLOCK)) {
            for ((v, &j), &rfr) in v.iter_mut().zip(j).zip(rfr) {
                let mask = if rfr >= refract_time { 1.0 } else { 0.0 };
                *v = (j * resist_m) * mask;
            }
            let block_max = row_max(v);
            local_max = if block_max > local_max { block_max } else { local_max };
        }
        let max = reduce.max(local_max);
        // Plain loops, each sum over a slice: summing through a closure that wrote `s` left
        // part of the work to a scalar copy of the loop (WTAS ran 30 % slower).
        for k in 0..n {
            s[k] = crate::math::exp_nonpositive(v[k] - max);
        }
        let total = reduce.sum(s);
        let spikes = spike_pass(total, dt, t, s, thr, rfr, tols);
        let count = reduce.count(spikes, s);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Numerators `s` at and around the screen's bound `fl(thr · total)`, which is where the
    /// threshold's rounding boundary lies, kept in the softmax's range ({0} ∪ [2⁻¹²⁶, 1]).
    fn boundary_shares(thr: f32, total: f32) -> Vec<f32> {
        let mut shares = vec![0.0, f32::MIN_POSITIVE, 1.0];
        let (mut below, mut above) = (thr * total, thr * total);
        for _ in 0..6 {
            shares.extend([below, above]);
            (below, above) = (below.next_down(), above.next_up());
        }
        shares.retain(|&s| s == 0.0 || (f32::MIN_POSITIVE..=1.0).contains(&s));
        shares
    }

    #[test]
    fn the_screen_changes_no_spike_at_the_thresholds_rounding_boundaries() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        let specials = [-0.5, -1e-45, -0.0, 0.0, 1e-45, 1e-39, f32::MIN_POSITIVE, 1e38, f32::NAN];
        let (dt, t) = (0.25, 3.0);
        let (mut near_blocks, mut screened_blocks) = (0, 0);
        for case in 0..3000 {
            let total = if case % 3 == 0 { 1.0 } else { 1.0 + uniform() * 1e5 };
            let thr = match case % 10 {
                0 => specials[(case / 10) % specials.len()],
                // Rounded from f64: a threshold that is an f32 quotient by `total` is never
                // rounded up again by `thr · total / total`, and would miss the hard cases.
                _ => ((0.02 + f64::from(uniform())) / f64::from(total)) as f32,
            };
            // Each boundary share alone in a block of units far below the threshold, so that
            // the block is screened (or not) on that unit alone; then all of them in the tail.
            let shares = boundary_shares(thr, total);
            let mut s = Vec::new();
            for &share in &shares {
                let mut block = vec![thr.abs().min(1.0) * 1e-3; SCREEN_BLOCK];
                block[case % SCREEN_BLOCK] = share;
                s.extend(block);
            }
            s.extend(&shares);
            let n = s.len();
            let thr = vec![thr; n];
            let rfr: Vec<f32> = (0..n).map(|_| uniform() * 4.0).collect();
            let tols: Vec<f32> = (0..n).map(|_| uniform() * 10.0).collect();

            let (mut s_screened, mut rfr_screened, mut tols_screened) = (s.clone(), rfr.clone(), tols.clone());
            spike_pass(total, dt, t, &mut s_screened, &thr, &mut rfr_screened, &mut tols_screened);
            let (mut s_divided, mut rfr_divided, mut tols_divided) = (s.clone(), rfr, tols);
            divide_and_update(total, dt, t, &mut s_divided, &thr, &mut rfr_divided, &mut tols_divided);

            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&s_screened), bits(&s_divided), "spikes, thr {} total {total}", thr[0]);
            assert_eq!(bits(&rfr_screened), bits(&rfr_divided), "rfr, thr {} total {total}", thr[0]);
            assert_eq!(bits(&tols_screened), bits(&tols_divided), "tols, thr {} total {total}", thr[0]);
            let bound = thr[0] * total;
            for block in s.chunks_exact(SCREEN_BLOCK) {
                match block.iter().all(|&x| x < bound) {
                    true => screened_blocks += 1,
                    false => near_blocks += 1,
                }
            }
        }
        // Both branches ran, the screened one with units just below the bound.
        assert!(near_blocks > 1000 && screened_blocks > 1000, "{near_blocks} near, {screened_blocks} screened");
    }
}
