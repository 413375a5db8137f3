//! `SLIFCell`: ngclearn 3.2.3's simplified LIF cell (Samadi et al. 2017), with lateral
//! inhibition, adaptive thresholds and sticky spikes.
//!
//! # Equations
//! One step, with `m = [rfr ≥ refract_time]` and `W` the N×N inhibition matrix:
//! ```text
//! jE   = j·resist_m − (s_old · W)·resist_inh          (inhibition only if resist_inh > 0)
//! surrogate = sech(0.08·jE)·[jE > 0]                   (sech x = 1/((eˣ + e⁻ˣ)/2))
//! v1   = v + ((−v + jE)·(1/tau_m))·m·dt                (Euler only; v frozen while refractory)
//! s    = [v1 > thr];   v' = (1 − s)·v1                  (reset to 0)
//! thr' = max(thr + (Σ_row s − 1)·rho_b, 0.025)          if rho_b > 0
//!      = thr + s·thr_gain − thr·thr_leak                 otherwise
//! rfr' = (rfr + dt)·(1 − s) + s·dt
//! sticky_spikes: s = s·m + (1 − m)  (pinned to 1 while refractory)
//! tols' = (1 − s)·tols + s·t;   j ← jE
//! ```
//! `s_old` is the previous *output* (sticky spikes included).
//!
//! # Parameters
//! [`SlifParams`] lists the parameters (ngclearn names, defaults, units, rules).
//!
//! # Compartments
//! [`LAYOUT`] lists them: `j` (input; holds `jE` after a step), `v` (0), `s` (0), `thr` (drawn), `rfr`
//! (refract_time), `tols` (0), `surrogate` (1). `reset()` sets j = s = tols = v = 0,
//! rfr = refract_time, surrogate = 1, and thr back to its drawn value unless `thr_persist`.
//!
//! # Construction draws (bit-identical to ngclearn for the same seed)
//! `k1, sk1 = split(key)`; `W = uniform(sk1, (N, N), 0.025, 1)·(1 − eye(N))`;
//! `_, sk2 = split(k1)`; `thr = thr + uniform(sk2, (1, N), −thr_jitter, thr_jitter)`.
//!
//! # Lateral inhibition at scale: W is regenerated, never stored
//! ngclearn allocates W densely (40 GB at N = 100,000). spikegpu never stores it: the
//! partitionable threefry makes entry (m, n) a function of `(sk1, m·N + n)` alone
//! ([`inhibition_weight`]), and the inhibition is event-driven: for each row, the list of units
//! that spiked on the previous step is compacted in ascending order, and each unit sums the
//! weights from those units in that order. Memory is O(B·N), cost O(spikes × N) per step.
//! * Each weight is ngclearn's correctly rounded multiply-add `u·span + lo`, computed in 32-bit
//!   integers ([`unit_weight`]) on both backends: **bit-identical to ngclearn's matrix** (tested
//!   against ngclearn's draws, and against `f32::mul_add` for every one of the 2²³ draws), on
//!   every GPU, including those whose `fma` rounds twice (lavapipe's does, which made SLIF's
//!   inhibition differ from the CPU by an ulp before).
//! * The sum over spiking units runs in ascending unit order; ngclearn's dense matmul may add in
//!   another order (a few ulp on the inhibition sum).
//!
//! # Quirks of the reference, reproduced
//! * The voltage resets to 0; during the refractory period it is frozen completely (leak and
//!   input are both masked).
//! * `j` is overwritten with `jE`: if `j` is not set again before the next step, `resist_m` is
//!   applied again (compounding).
//! * `thr_leak` decays the threshold towards 0, not towards `thr`.
//! * The surrogate is plain sech (the docstring says sech²·c1·c2).
//! * The docstring's defaults `resist_inh = 6`, `refract_time = 1` are not the code's (0, 0).
//! * `thr` starts (1, N) in ngclearn and becomes (B, N); spikegpu stores (B, N) from
//!   construction, each row holding the same draw.
//! * There is only Euler (no `integration_type` argument).

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, GpuPasses, PassGrid, StateView, StepInfo, cell_accessors, floor_at, reset_to, spike_of, tols_of};
use crate::reductions::{ROW_CHUNK, row_sum_of};
use crate::rng::Key;

cell_params! {
    /// `SLIFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
    pub struct SlifParams, new(tau_m, resist_m, thr) {
        tau_m: f32 [required] "ms" positive, "Membrane time constant.";
        resist_m: f32 [required] "—" finite, "Membrane resistance.";
        thr: f32 [required] "—" finite, "Base threshold.";
        resist_inh: f32 [0.0] "—" non_negative("must be ≥ 0 (0 disables lateral inhibition)"),
            "Lateral inhibition strength (0 disables).";
        thr_persist: bool [false] "—" any, "Keep thresholds across `reset()`.";
        thr_gain: f32 [0.0] "—" finite, "Threshold increment per spike (when rho_b = 0).";
        thr_leak: f32 [0.0] "—" finite, "Threshold decay towards 0 per step (when rho_b = 0).";
        rho_b: f32 [0.0] "—" non_negative("must be ≥ 0 (0 uses thr_gain and thr_leak)"),
            "Row-homeostatic threshold rate (> 0 replaces gain and leak).";
        refract_time: f32 [0.0] "ms" non_negative("must be ≥ 0"), "Refractory period.";
        sticky_spikes: bool [false] "—" any, "Output 1 throughout the refractory period.";
        thr_jitter: f32 [0.05] "—" non_negative("must be ≥ 0 (the half-width of a uniform draw)"),
            "Half-width of the initial threshold jitter.";
    }
    accepts [batch_size];
}

describe_cell! {
    /// A validated SLIF cell model.
    SlifCell(c) = "SLIFCell"(SlifParams) {
        key: "slif", kernel: "slif", elementwise: true,
        // The step stores the effective current jE in `j`.
        overwrites_input: true,
        derived(p) { inv_tau_m: f32 = 1.0 / p.tau_m }
        // SLIF only has Euler.
        integrators: [Euler] from crate::integrators::Integrator::Euler,
        variants(integration_type): [0.0, 0.02].into_iter().flat_map(|resist_inh| {
            [false, true].into_iter().flat_map(move |sticky_spikes| {
                [0.0, 1e-5].map(|rho_b| SlifParams {
                    resist_inh,
                    sticky_spikes,
                    rho_b,
                    thr_gain: 0.01,
                    thr_leak: 0.001,
                    refract_time: 2.0,
                    ..SlifParams::new(10.0, 1.0, 0.5)
                })
            })
        }),
        tags { inhibition: c.p.resist_inh > 0.0, sticky: c.p.sticky_spikes, rho_b: c.p.rho_b > 0.0 }
        // The GPU's inhibition weights differ by up to 1 ulp (see the module docs).
        tolerance: Tolerance { gpu: Some(1e-4), software_bitwise: true, ..Tolerance::STRICT },
        check_dt: 1.0,
        compartments: {
            j: Input = 0.0, range (0.0, 1.5), "input current; holds the effective current jE after a step";
            v: State = 0.0, range (0.0, 0.6), "membrane voltage (dimensionless)";
            s: Spike = 0.0, range (0.0, 0.0), "spikes (0/1), sticky while refractory if sticky_spikes";
            thr: State = c.p.thr, reset None, range (0.3, 0.7),
                "per-unit thresholds (drawn); `reset()` restores the draw unless thr_persist";
            rfr: State = c.p.refract_time, range (0.0, 4.0), "refractory timer (ms), dt right after a spike";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
            surrogate: State = 1.0, range (0.0, 1.0), "secant surrogate derivative `sech(0.08·jE)·[jE > 0]`";
        }
        uniform SlifParams {
            resist_m: c.p.resist_m,
            inv_tau_m: c.inv_tau_m,
            resist_inh: c.p.resist_inh,
            thr_gain: c.p.thr_gain,
            thr_leak: c.p.thr_leak,
            rho_b: c.p.rho_b,
            refract_time: c.p.refract_time,
        }
        overrides {
            INHIBITION: bool = c.p.resist_inh > 0.0,
            STICKY_SPIKES: bool = c.p.sticky_spikes,
            RHO_B: bool = c.p.rho_b > 0.0,
        }
        scratch: scratch
    }
}

/// Index of `thr` in [`LAYOUT`].
const THR: usize = 3;

/// Lower bound of the inhibition weights' uniform draw.
const W_LO: f32 = 0.025;
/// Upper bound of the inhibition weights' uniform draw.
const W_HI: f32 = 1.0;

/// The key of the inhibition matrix's draw: `split(key)[1]`.
pub fn inhibition_key(key: Key) -> Key {
    key.split().1
}

/// Entry (m, n) of ngclearn's inhibition matrix `uniform(sk1, (N, N), 0.025, 1)·(1 − eye(N))`,
/// regenerated from `w_key = split(key)[1]` ([`inhibition_key`]): bit-identical to ngclearn,
/// whose draw is the correctly rounded multiply-add `u·(1 − 0.025) + 0.025`
/// ([`unit_weight`]). WGSL twin (same bits on every adapter): `slif_weight`.
#[inline]
pub fn inhibition_weight(w_key: Key, n_units: usize, m: usize, n: usize) -> f32 {
    if m == n {
        return 0.0;
    }
    let bits = w_key.bits_at(m as u64 * n_units as u64 + n as u64);
    W_LO.max(unit_weight(bits >> 9))
}

/// `f32(1 − 0.025)` = `SPAN_SIG`·2⁻²⁴.
const SPAN_SIG: u32 = 0xf9_999a;
/// `0.025f32` = `LO_SIG`·2⁻²⁹.
const LO_SIG: u32 = 0xcc_cccd;
// The two significands above are those of W_HI − W_LO (exponent −1) and W_LO (exponent −6).
const _: () = assert!(
    (W_HI - W_LO).to_bits() == (126 << 23) | (SPAN_SIG & 0x7f_ffff) && W_LO.to_bits() == (121 << 23) | (LO_SIG & 0x7f_ffff)
);

/// `u·(W_HI − W_LO) + W_LO` rounded once, for the uniform draw `u = mantissa·2⁻²³` (the 23 bits
/// `jax.random.uniform` keeps): `u.mul_add(W_HI − W_LO, W_LO)`, which `tests/row_reductions.rs`
/// checks for every mantissa. Computed in 32-bit integers so that the GPU twin (`slif_unit_weight`)
/// gets the same bits where WGSL's `fma` is two roundings (lavapipe's is): the exact value is
/// `T·2⁻⁴⁷` with `T = mantissa·SPAN_SIG + LO_SIG·2¹⁸` (a 48-bit integer, kept as two words),
/// rounded to 24 significant bits, ties to even.
pub fn unit_weight(mantissa: u32) -> f32 {
    let (m0, m1) = (mantissa & 0xffff, mantissa >> 16);
    let (s0, s1) = (SPAN_SIG & 0xffff, SPAN_SIG >> 16);
    let p00 = m0 * s0;
    let mid = m0 * s1 + m1 * s0;
    let lo1 = p00.wrapping_add(mid << 16);
    let hi1 = m1 * s1 + (mid >> 16) + u32::from(lo1 < p00);
    let lo = lo1.wrapping_add(LO_SIG << 18);
    let hi = hi1 + (LO_SIG >> 14) + u32::from(lo < lo1);
    // T ≥ LO_SIG·2¹⁸ ≥ 2⁴¹, so its leading bit is in `hi`, at 41..=46: keep the 24 bits below it.
    let shift = 63 - hi.leading_zeros() - 23;
    let significand = (lo >> shift) | (hi << (32 - shift));
    let rest = lo & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    let round_up = rest > half || (rest == half && significand & 1 == 1);
    // significand·2^(shift − 47); a carry to 2²⁴ moves into the exponent field by itself.
    f32::from_bits(((shift + 103) << 23) + (significand - (1 << 23)) + u32::from(round_up))
}

/// `sech(x)` as ngclearn computes it, `1/((eˣ + e⁻ˣ)/2)`, with its limit 0 where `eˣ`
/// overflows (ngclearn's 1/inf is 0 too). WGSL: `slif_sech`.
#[inline(always)]
fn sech(x: f32) -> f32 {
    if x.abs() > 88.0 {
        0.0
    } else {
        1.0 / ((crate::math::exp(x) + crate::math::exp(-x)) / 2.0)
    }
}

/// The compartments of a SLIF step as plain slices, with the precomputed inhibition and the raw
/// spikes for rho_b (both empty when unused).
struct SlifSlices<'a> {
    inhibition: &'a [f32],
    j: &'a mut [f32],
    v: &'a mut [f32],
    s: &'a mut [f32],
    thr: &'a mut [f32],
    rfr: &'a mut [f32],
    tols: &'a mut [f32],
    surrogate: &'a mut [f32],
    raw: &'a mut [f32],
}

impl SlifCell {
    /// The per-neuron part of a step for one combination of options (inhibition, rho_b,
    /// sticky spikes), straight-line so that it vectorises. Twin: `step` in slif.wgsl.
    #[inline(always)]
    fn element_loop<const INHIBIT: bool, const RHO_B: bool, const STICKY: bool>(
        &self,
        step: &StepInfo,
        x: SlifSlices<'_>,
    ) {
        let p = &self.p;
        let n = x.j.len();
        let (j, v, s, thr) = (&mut x.j[..n], &mut x.v[..n], &mut x.s[..n], &mut x.thr[..n]);
        let (rfr, tols, surrogate) = (&mut x.rfr[..n], &mut x.tols[..n], &mut x.surrogate[..n]);
        let inhibition = if INHIBIT { &x.inhibition[..n] } else { &[][..] };
        let raw = if RHO_B { &mut x.raw[..n] } else { &mut [][..] };
        let (resist_m, resist_inh, refract_time, inv_tau_m) = (p.resist_m, p.resist_inh, p.refract_time, self.inv_tau_m);
        let (thr_gain, thr_leak, dt, t) = (p.thr_gain, p.thr_leak, step.dt, step.t);
        for i in 0..n {
            let mut j_e = j[i] * resist_m;
            if INHIBIT {
                j_e -= inhibition[i] * resist_inh;
            }
            surrogate[i] = sech(0.08 * j_e) * if j_e > 0.0 { 1.0 } else { 0.0 };
            let mask = if rfr[i] >= refract_time { 1.0 } else { 0.0 };
            let v1 = v[i] + ((-v[i] + j_e) * inv_tau_m) * mask * dt;
            let spike = spike_of(v1, thr[i]);
            if RHO_B {
                raw[i] = spike;
            } else {
                thr[i] = thr[i] + spike * thr_gain - thr[i] * thr_leak;
            }
            v[i] = reset_to(v1, spike, 0.0);
            rfr[i] = reset_to(rfr[i] + dt, spike, dt);
            let out = if STICKY { spike * mask + (1.0 - mask) } else { spike };
            j[i] = j_e;
            s[i] = out;
            tols[i] = tols_of(tols[i], out, t);
        }
    }
}

impl CellModel for SlifCell {
    cell_accessors!();

    fn drawn_initial(&self, key: Key, n_units: usize) -> Vec<(usize, Vec<f32>)> {
        let (k1, _) = key.split();
        let (_, sk2) = k1.split();
        let jitter = sk2.uniform(n_units, -self.p.thr_jitter, self.p.thr_jitter);
        vec![(THR, jitter.iter().map(|d| self.p.thr + d).collect())]
    }

    fn reset_restores_drawn(&self) -> bool {
        !self.p.thr_persist
    }

    fn gpu_scratch_words(&self, batch: usize, n_units: usize) -> usize {
        // Spike lists (B·N), their lengths (B), raw spikes for rho_b (B·N), and the chunk
        // counts of raw spikes of rows longer than ROW_CHUNK (B·⌈N / ROW_CHUNK⌉).
        2 * batch * n_units + batch + batch * n_units.div_ceil(ROW_CHUNK)
    }

    // Twin: shaders/cells/slif.wgsl `row_pre`, `step`, `row_post` (`chunk_spikes` and
    // `chunk_rho_b` on long rows).
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let n_units = state.n_units;
        let w_key = inhibition_key(step.init_key);
        let [j, v, s, thr, rfr, tols, surrogate] = &mut state.values[..] else {
            unreachable!("SlifCell states are built with its 7 compartments")
        };
        // The previous output's spiking units, per row, in ascending order, and each neuron's
        // summed inhibition weight (before the element loop, which then stays straight-line).
        let inhibit = p.resist_inh > 0.0;
        let inhibition: Vec<f32> = if inhibit {
            let spiking: Vec<Vec<usize>> = s
                .chunks(n_units)
                .map(|row| (0..n_units).filter(|&m| row[m] > 0.0).collect())
                .collect();
            (0..j.len())
                .map(|i| {
                    let (row, n) = (i / n_units, i % n_units);
                    let mut sum = 0.0f32;
                    for &m in &spiking[row] {
                        sum += inhibition_weight(w_key, n_units, m, n);
                    }
                    sum
                })
                .collect()
        } else {
            Vec::new()
        };
        // rho_b's count needs the raw spikes (s may be sticky).
        let mut raw = if p.rho_b > 0.0 { vec![0.0f32; j.len()] } else { Vec::new() };
        let slices = SlifSlices {
            inhibition: &inhibition,
            j,
            v,
            s,
            thr,
            rfr,
            tols,
            surrogate,
            raw: &mut raw,
        };
        macro_rules! dispatch {
            ($($i:literal, $r:literal, $s:literal);*) => {
                match (inhibit, p.rho_b > 0.0, p.sticky_spikes) {
                    $(($i, $r, $s) => crate::simd::vectorised(
                        #[inline(always)]
                        || self.element_loop::<$i, $r, $s>(step, slices),
                    ),)*
                }
            };
        }
        dispatch!(
            false, false, false; false, false, true; false, true, false; false, true, true;
            true, false, false; true, false, true; true, true, false; true, true, true
        );
        if p.rho_b > 0.0 {
            for (thr_row, raw_row) in thr.chunks_mut(n_units).zip(raw.chunks(n_units)) {
                let count = row_sum_of(raw_row);
                for t in thr_row.iter_mut() {
                    *t = floor_at(*t + (count - 1.0) * p.rho_b, 0.025);
                }
            }
        }
    }

    fn gpu_passes(&self) -> GpuPasses {
        const STEP: (&str, PassGrid) = ("step", PassGrid::Elements);
        const CHUNK_SPIKES: (&str, PassGrid) = ("chunk_spikes", PassGrid::Chunks);
        const CHUNK_RHO_B: (&str, PassGrid) = ("chunk_rho_b", PassGrid::Chunks);
        GpuPasses {
            row_pre: self.p.resist_inh > 0.0,
            row_post: self.p.rho_b > 0.0,
            step_per_row: false,
            // Long rows: rho_b's count in chunks; the inhibition list keeps one workgroup per row.
            chunked: match (self.p.resist_inh > 0.0, self.p.rho_b > 0.0) {
                (_, false) => &[],
                (false, true) => &[STEP, CHUNK_SPIKES, CHUNK_RHO_B],
                (true, true) => &[("row_pre", PassGrid::Rows), STEP, CHUNK_SPIKES, CHUNK_RHO_B],
            },
        }
    }
}
