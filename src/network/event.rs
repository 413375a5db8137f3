//! Event-driven propagation: a projection's per-step cost grows with spikes × fan-out instead
//! of N_pre × N_post, with bitwise-deterministic sums. WGSL twin: `shaders/network/event.wgsl`.
//!
//! # How (GPU)
//! 1. `event_pre`, one thread per presynaptic element: the delay ring as in gather mode, then
//!    every non-zero signal `x` appends `(b·N_pre + i, x)` to the step's spike list through an
//!    integer atomic counter. The list's order varies run to run; nothing below depends on it.
//! 2. `event_scatter`, a fixed grid of [`scatter_groups`] workgroups of 64 threads striding
//!    over the list (one workgroup per spike at a time, its threads over the spike's outgoing
//!    synapses): each term `x·w` is quantised to an `i32` on the projection's fixed-point scale
//!    and added into the postsynaptic accumulator with `atomicAdd` on `i32`. Integer addition
//!    is associative and commutative, so the sum does not depend on the order the atomics land.
//! 3. `event_post`, one thread per postsynaptic element: the accumulator back to float32
//!    (exactly, see [`FixedPoint::dequantise`]), reset to 0 (and the list counter with it), then
//!    the synaptic dynamics of gather mode.
//!
//! The CPU does the same integer arithmetic ([`accumulate`]), so GPU = CPU bit for bit on every
//! adapter, and every run gives the bits of the one before. No float atomics, no
//! compare-exchange loops.
//!
//! # Why this design
//! * Integer atomics rather than a postsynaptic gather over the spike list: a gather costs
//!   N_post × spikes per step (each target scans the list) and needs the synapses indexed by
//!   post and pre at once; the scatter touches only the spikes' synapses. Float atomics do not
//!   exist in WGSL and a compare-exchange loop would make the sum depend on the order; integer
//!   addition does not.
//! * A fixed grid striding over the list rather than an indirect dispatch sized from the count:
//!   the count is only known on the GPU, and an indirect dispatch needs its argument buffer
//!   outside the bind group the scatter writes through (a second bind group per projection);
//!   a workgroup that finds no spike returns at once.
//! * The target of a fan-out synapse by an integer multiply-high rather than `⌊u·N_post⌋` in
//!   float32: exact on both backends for any N_post, with no rounding case to exclude.
//! * Gather stays the default: its sums are exact float32 in a fixed order (the conformance
//!   traces' semantics); event mode trades a stated quantisation for cost ∝ spikes × fan-out.
//!   On the CPU both modes already skip silent units, so event mode is there for its twin
//!   arithmetic, not for speed.
//!
//! # The fixed-point scale (chosen at build time, [`FixedPoint::choose`])
//! With `X` the declared bound on |signal| (1 for spikes), `W` the largest |weight| at build
//! time and `D` the largest number of synapses onto one postsynaptic unit (repeats counted):
//! * `limit` = the largest float32 ≤ ⌊(2³¹ − 1) / D⌋: every quantised term is clamped to
//!   `±limit`, so a sum of at most D terms always fits an `i32` (no overflow, whatever the
//!   signal or a later write of the weights);
//! * `M = fl(X·W)` (the float32 product; `|fl(x·w)| ≤ M` for every |x| ≤ X, |w| ≤ W, since
//!   rounding is monotonic);
//! * the shift `s` is the largest integer with `M·2^s ≤ limit` (capped to [−100, 100] so every
//!   scale factor is a normal float32), the quantum `q = 2^−s`;
//! * a term is `clamp(round_ties_even(fl(x·w)·2^s), −limit, limit)`: the product by a power of
//!   two is exact, so each term's error is at most `q/2` and terms with |x| ≤ X never clamp.
//!
//! Resolution: `q ≤ 2·M·D / (2³¹ − 1)`, i.e. about 31 − log2(D) bits per largest term. A
//! projection with D > 2¹⁹ (fewer than 12 bits) is refused with an error naming it. The summed
//! input `I` of a postsynaptic unit that receives n terms differs from the exact sum of its
//! float32 products by at most `n·q/2` plus the rounding of the final conversion (half an ulp of
//! `I`, which only occurs when |Σ| exceeds 2²⁴ quanta).
//!
//! # Procedural fan-out
//! [`FanOut`]: each presynaptic unit i has exactly k targets, drawn with replacement (GeNN's
//! `FixedNumberPostWithReplacement`): target m is `⌊bits·N_post / 2³²⌋` with
//! `bits = bits_at(conn_key, i·k + m)`, an exact 32 × 32 → 64-bit integer product on both
//! backends (no float rounding, any N_post < 2³²; the bias from N_post not dividing 2³² is below
//! N_post / 2³²). Its weight is constant or `max(low, low + u·(high − low))` with
//! `u = uniform(weight_key, i·k + m)`, as the pairwise procedural kind. Nothing is stored:
//! O(1) memory for the synapses, O(N_post) for the accumulator.

use super::projection::{Connectivity, Projection};
use crate::error::{Error, Result};
use crate::rng::Key;

/// Workgroups of the scatter pass (a grid-stride loop over the spike list): 512 on a hardware
/// adapter, enough to fill a large GPU; on a software adapter, whose every workgroup costs
/// microseconds of CPU even when it finds no spike, 2 per host thread. The sums do not depend
/// on it.
pub fn scatter_groups(software: bool) -> u32 {
    match software {
        false => 512,
        true => std::thread::available_parallelism().map_or(2, |n| 2 * n.get() as u32),
    }
}

/// The smallest `limit` (largest quantised term) accepted: 12 bits per term.
const MIN_LIMIT: f64 = 4096.0;

/// How a projection sums its terms.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Propagation {
    /// Each postsynaptic unit gathers its terms in ascending presynaptic order in float32
    /// (the default: exact float sums, cost independent of activity on the GPU).
    #[default]
    Gather,
    /// Spikes scatter over their outgoing synapses into integer accumulators on a fixed-point
    /// scale (see the [module docs](self)).
    Event(FixedPoint),
}

/// A projection's fixed-point scale. See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedPoint {
    /// The shift s: a term `t` becomes `round(t·2^s)`.
    pub shift: i32,
    /// The largest |quantised term| (an integer-valued float32).
    pub limit: f32,
    /// The declared bound on |signal|.
    pub max_signal: f32,
    /// The largest in-degree the scale was chosen for.
    pub max_in_degree: u64,
}

fn bad(part: &str, problem: impl Into<String>) -> Error {
    Error::Network {
        part: part.to_string(),
        problem: problem.into(),
    }
}

/// `2^e` as a float32 (`e` in [−126, 127]).
fn pow2(e: i32) -> f32 {
    f32::from_bits(((e + 127) as u32) << 23)
}

impl FixedPoint {
    /// The scale for signals up to `max_signal`, weights up to `max_weight` in magnitude and
    /// at most `max_in_degree` terms per postsynaptic unit; `name` names the projection.
    pub fn choose(name: &str, max_signal: f32, max_weight: f32, max_in_degree: u64) -> Result<FixedPoint> {
        if !(max_signal.is_finite() && max_signal > 0.0) {
            return Err(bad(
                name,
                format!("the event signal bound {max_signal} must be positive and finite"),
            ));
        }
        let d = max_in_degree.max(1);
        let room = (i32::MAX as u64 / d) as f64;
        if room < MIN_LIMIT {
            return Err(bad(
                name,
                format!(
                    "event propagation: up to {d} synapses onto one unit leave {room} quantisation steps per term \
                     (fewer than 2^12); use gather propagation"
                ),
            ));
        }
        let mut limit = room as f32;
        if f64::from(limit) > room {
            limit = f32::from_bits(limit.to_bits() - 1);
        }
        let m = max_signal * max_weight.abs();
        if !m.is_finite() {
            return Err(bad(
                name,
                format!(
                    "event propagation: signal bound × largest weight ({max_signal} × {max_weight}) overflows float32"
                ),
            ));
        }
        let shift = if m == 0.0 {
            0
        } else {
            let fits = |s: i32| f64::from(m) * 2f64.powi(s) <= f64::from(limit);
            let mut s = (f64::from(limit) / f64::from(m)).log2().floor() as i32;
            while !fits(s) {
                s -= 1;
            }
            while fits(s + 1) {
                s += 1;
            }
            s.min(100)
        };
        if shift < -100 {
            return Err(bad(
                name,
                format!("event propagation: weights up to {max_weight} are too large"),
            ));
        }
        Ok(FixedPoint {
            shift,
            limit,
            max_signal,
            max_in_degree: d,
        })
    }

    /// `2^s`, the factor from a term to quanta.
    pub fn up(&self) -> f32 {
        pow2(self.shift)
    }

    /// The quantum `q = 2^−s`.
    pub fn quantum(&self) -> f32 {
        pow2(-self.shift)
    }

    /// The term `x·w` in quanta. Twin: `event.wgsl` `quantise`.
    #[inline]
    pub fn quantise(&self, x: f32, w: f32) -> i32 {
        round_ties_even(((x * w) * self.up()).clamp(-self.limit, self.limit)) as i32
    }

    /// A sum of quanta as float32: the high and low 16-bit halves convert exactly, their sum
    /// rounds once (correctly, in WGSL too), and the product by the power of two `q` is exact.
    /// Twin: `event.wgsl` `dequantise`.
    #[inline]
    pub fn dequantise(&self, sum: i32) -> f32 {
        ((sum >> 16) as f32 * 65536.0 + (sum & 0xFFFF) as f32) * self.quantum()
    }
}

/// `v.round_ties_even()` without a libm call on targets lacking a rounding instruction
/// (x86-64 before SSE4.1): below 2²³ in magnitude, adding and subtracting 2²³ (with v's sign)
/// rounds to an integer once, to nearest, ties to even, as IEEE 754 prescribes; from 2²³ on
/// every float32 is an integer already. (−0.5 gives +0 where `round_ties_even` gives −0: the
/// same integer.)
#[inline]
fn round_ties_even(v: f32) -> f32 {
    const TWO_23: f32 = 8_388_608.0;
    if v.abs() < TWO_23 {
        let c = TWO_23.copysign(v);
        (v + c) - c
    } else {
        v
    }
}

/// Procedural fixed out-degree: every presynaptic unit has `k` targets drawn with replacement.
/// See the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FanOut {
    /// Targets per presynaptic unit.
    pub k: u32,
    /// The constant weight, or the low end of a uniform range.
    pub weight: f32,
    /// The high end of a uniform weight range (`None`: constant).
    pub weight_high: Option<f32>,
    /// The key targets are drawn from.
    pub conn_key: Key,
    /// The key weights are drawn from.
    pub weight_key: Key,
}

impl FanOut {
    /// Target `m` of presynaptic unit `i` and its weight. Twin: `event.wgsl` `fan_out_target`.
    #[inline]
    pub fn synapse(&self, i: usize, m: u32, n_post: usize) -> (usize, f32) {
        let index = i as u64 * u64::from(self.k) + u64::from(m);
        let j = (u64::from(self.conn_key.bits_at(index)) * n_post as u64) >> 32;
        let w = match self.weight_high {
            None => self.weight,
            Some(high) => {
                let u = self.weight_key.uniform01_at(index);
                self.weight.max(self.weight + u * (high - self.weight))
            }
        };
        (j as usize, w)
    }

    /// Every synapse `(pre, post, weight)`, in (pre, m) order; repeats are kept.
    pub fn synapses(&self, n_pre: usize, n_post: usize) -> Vec<(u32, u32, f32)> {
        (0..n_pre)
            .flat_map(|i| {
                (0..self.k).map(move |m| {
                    let (j, w) = self.synapse(i, m, n_post);
                    (i as u32, j as u32, w)
                })
            })
            .collect()
    }

    /// The largest number of synapses onto one postsynaptic unit (O(N_pre·k) draws, O(N_post)
    /// memory; run once at build time).
    pub fn max_in_degree(&self, n_pre: usize, n_post: usize) -> u64 {
        let mut count = vec![0u32; n_post];
        for i in 0..n_pre {
            for m in 0..self.k {
                let index = i as u64 * u64::from(self.k) + u64::from(m);
                count[((u64::from(self.conn_key.bits_at(index)) * n_post as u64) >> 32) as usize] += 1;
            }
        }
        count.into_iter().max().map_or(0, u64::from)
    }

    /// Checks k and the weights; `name` names the projection.
    pub fn validate(&self, name: &str, n_post: usize) -> Result<()> {
        if self.k == 0 || n_post == 0 {
            return Err(bad(
                name,
                format!(
                    "a procedural fan-out needs k >= 1 targets among N_post >= 1 units (k = {}, N_post = {n_post})",
                    self.k
                ),
            ));
        }
        if !self.weight.is_finite() || self.weight_high.is_some_and(|h| !h.is_finite() || h < self.weight) {
            return Err(bad(name, "procedural weights need a finite weight (and low <= high)"));
        }
        Ok(())
    }
}

/// The event-mode scale of `proj` for signals up to `max_signal`: its largest construction
/// weight and its largest in-degree.
pub fn scale_for(name: &str, proj: &Projection, max_signal: f32) -> Result<FixedPoint> {
    let max_abs = |w: &[f32]| w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let (w, d) = match &proj.connectivity {
        Connectivity::Dense { weights } => (max_abs(weights), proj.n_pre as u64),
        Connectivity::OneToOne { weights } => (max_abs(weights), 1),
        Connectivity::Sparse(s) => (
            max_abs(&s.post_w),
            s.post_ptr.windows(2).map(|p| u64::from(p[1] - p[0])).max().unwrap_or(0),
        ),
        Connectivity::Procedural(p) => (
            p.weight.abs().max(p.weight_high.unwrap_or(0.0).abs()),
            proj.n_pre as u64,
        ),
        Connectivity::ProceduralFanOut(f) => (
            f.weight.abs().max(f.weight_high.unwrap_or(0.0).abs()),
            f.max_in_degree(proj.n_pre, proj.n_post),
        ),
    };
    FixedPoint::choose(name, max_signal, w, d)
}

/// Calls `f(j, w)` for every synapse of presynaptic unit `i`: the twin of the scatter loops of
/// `event.wgsl` (the order does not matter for integer sums; the gather-mode CPU sum uses it
/// in this order for sparse and fan-out projections).
#[inline]
pub fn for_each_target(proj: &Projection, weights: &[f32], i: usize, mut f: impl FnMut(usize, f32)) {
    let post = proj.n_post;
    match &proj.connectivity {
        Connectivity::Dense { .. } => {
            for (j, &w) in weights[i * post..(i + 1) * post].iter().enumerate() {
                f(j, w);
            }
        }
        Connectivity::OneToOne { .. } => f(i, weights[i]),
        Connectivity::Sparse(s) => {
            let range = s.pre_ptr[i] as usize..s.pre_ptr[i + 1] as usize;
            for (&j, &w) in s.pre_post[range.clone()].iter().zip(&weights[range]) {
                f(j as usize, w);
            }
        }
        Connectivity::Procedural(p) => {
            for j in 0..post {
                if let Some(w) = p.synapse(i, j, post) {
                    f(j, w);
                }
            }
        }
        Connectivity::ProceduralFanOut(q) => {
            for m in 0..q.k {
                let (j, w) = q.synapse(i, m, post);
                f(j, w);
            }
        }
    }
}

/// The event-mode summed input `I` of every postsynaptic element for the signal `x`
/// (B, N_pre), into `out` (B, N_post): integer sums of quantised terms, then float32.
/// Twin: `event.wgsl` (`event_pre`, `event_scatter`, `event_post`).
pub fn accumulate(proj: &Projection, fixed: &FixedPoint, batch: usize, x: &[f32], weights: &[f32], out: &mut [f32]) {
    let (pre, post) = (proj.n_pre, proj.n_post);
    for b in 0..batch {
        let row = &mut out[b * post..(b + 1) * post];
        // The integer sums live in the output row itself (same size and alignment): no
        // allocation per step.
        let acc: &mut [i32] = bytemuck::cast_slice_mut(row);
        acc.fill(0);
        super::projection::for_active(&x[b * pre..(b + 1) * pre], |i, xi| {
            for_each_target(proj, weights, i, |j, w| {
                acc[j] = acc[j].wrapping_add(fixed.quantise(xi, w));
            });
        });
        for o in row.iter_mut() {
            *o = fixed.dequantise(o.to_bits() as i32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_keeps_the_worst_case_sum_inside_an_i32() {
        for (x, w, d) in [
            (1.0f32, 1.62f32, 80u64),
            (1.0, 9.0, 1000),
            (2.5, 1e-3, 1),
            (1.0, 3e30, 7),
        ] {
            let f = FixedPoint::choose("p", x, w, d).expect("a scale");
            assert!(
                f64::from(x * w) * 2f64.powi(f.shift) <= f64::from(f.limit),
                "{x} {w} {d}"
            );
            assert!(f64::from(x * w) * 2f64.powi(f.shift + 1) > f64::from(f.limit) || f.shift == 100);
            assert!(f64::from(f.limit) * d as f64 <= f64::from(i32::MAX));
            assert!(
                f.quantise(x * 4.0, w) as f32 <= f.limit,
                "a term beyond the bound clamps"
            );
        }
        assert!(FixedPoint::choose("p", 1.0, 1.0, 1 << 20).is_err());
        assert!(
            FixedPoint::choose("p", 2.0, f32::MAX, 1).is_err(),
            "signal × weight overflows"
        );
    }

    #[test]
    fn rounding_is_to_nearest_ties_to_even() {
        for v in [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            0.49999997,
            4_194_304.5,
            8_388_607.5,
            -8_388_607.5,
            3e9,
            -0.0,
        ] {
            // The sign of a zero may differ; the quantised integer may not.
            assert_eq!(round_ties_even(v), v.round_ties_even(), "{v}");
        }
    }

    #[test]
    fn dequantise_is_exact_below_2_pow_24_and_rounds_once_above() {
        let f = FixedPoint::choose("p", 1.0, 1.0, 1).expect("a scale");
        for s in [
            0i32,
            1,
            -1,
            65535,
            -65536,
            (1 << 24) - 1,
            -(1 << 24),
            i32::MAX,
            i32::MIN + 1,
        ] {
            let exact = f64::from(s) * f64::from(f.quantum());
            assert_eq!(f.dequantise(s), exact as f32, "{s}");
        }
    }
}
