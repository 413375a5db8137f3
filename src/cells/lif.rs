//! `LIFCell`: ngclearn 3.2.3's leaky integrate-and-fire cell with an adaptive threshold.
//!
//! # Equations
//! Per unit, with `m = [rfr ≥ refract_time]` (the input is blocked while refractory; the leak is
//! not):
//!
//! ```text
//! tau_m · dv/dt = (v_rest − v)·conduct_leak + j·resist_m·m
//! spike:  s = [v1 > thr + thr_theta]            (v1 = the integrated voltage, before reset)
//! reset:  v = v1·(1 − s) + s·v_reset,  rfr = (rfr + dt)·(1 − s)
//! adapt:  thr_theta = thr_theta·exp(−dt/tau_theta) + s_raw·theta_plus    (if tau_theta > 0)
//! ```
//!
//! One step, in ngclearn's order (each line is float32, in this operation order):
//! 1. `jR = j·resist_m`, `vthr = thr_theta + thr` (the threshold from before this step).
//! 2. `f(v) = ((v_rest − v)·conduct_leak + jR·m)·(1/tau_m)`; `v1` = one Euler or midpoint step.
//! 3. `s = [v1 > vthr]`; `rfr' = (rfr + dt)·(1 − s)`.
//! 4. `surrogate = arctan_d(v1, vthr, α = 0.2) · ((resist_m·dt)/tau_m)`.
//! 5. `v2 = v1·(1 − s) + s·v_reset`; `s_raw = s`.
//! 6. `one_spike` (and not `max_one_spike`): `key, sub = split(key)`, `u = uniform(sub, (B, N))`;
//!    in each row with any spike, `s = one_hot(argmax(s·u))` (first index on ties).
//! 7. `max_one_spike`: `s = s · one_hot(argmax_row(v_old))` (the voltage from *before* the step).
//! 8. If `tau_theta > 0`: `thr_theta' = thr_theta·exp(−dt/tau_theta) + s_raw·theta_plus`,
//!    `v_thr' = thr + thr_theta'`.
//! 9. `tols' = (1 − s)·tols + s·t` (the selected `s`); `v' = max(v2, v_min)` if `v_min` is set.
//!
//! # Parameters and compartments
//! [`LifParams`] lists the parameters (ngclearn names, defaults, units, rules; the population's
//! seed is ngclearn's `key`, see [`crate::rng::Key::from_seed`]), [`LAYOUT`] the compartments
//! with their initial values (and the population's key chain). `reset()` restores all of them
//! except `thr_theta` and the key.
//!
//! # Quirks of the reference, reproduced
//! * `surrogate_type` is ignored: the surrogate is always the arctan derivative with α = 0.2,
//!   scaled by `resist_m·dt/tau_m`.
//! * The threshold adaptation is on by default and persists across `reset()`, which sets `v_thr`
//!   back to `thr` while `thr_theta` keeps its value. `exp(−dt/1e7)` is exactly 1 in float32 for
//!   dt < 0.3, so by default thresholds only grow.
//! * `one_spike`/`max_one_spike` change only `s` and `tols`: every raw spike still resets its
//!   voltage, restarts its refractory counter and raises its threshold.
//! * With `one_spike`, the key advances every step whether or not anything spiked, and the
//!   argmax runs over all N units (non-spiking ones contribute 0): if every spiking unit in a
//!   row draws exactly u = 0 (probability ≤ 2⁻²³), unit 0 of the row is chosen even if it did
//!   not spike.
//! * The refractory counter is a float32 running sum of `dt`: with dt = 0.1 and refract_time = 5
//!   the input is blocked for 51 steps, not 50.
//! * ngclearn silently runs Euler for `rk4`, `heun` and `ralston`; spikegpu returns
//!   [`Error::UnsupportedIntegrator`](crate::Error::UnsupportedIntegrator) instead.
//! * ngclearn fixes the batch to 1; spikegpu allows any batch B ≥ 1 with the same per-row
//!   semantics.
//! * A negative `tau_theta` disables adaptation in ngclearn; spikegpu rejects it (use 0).
//!
//! ```
//! use spikegpu::cells::{LifCell, LifParams};
//! let cell = LifCell::new(LifParams { one_spike: true, ..LifParams::with_tau_m(10.0) })?;
//! assert_eq!(cell.params().thr, -52.0);
//! # Ok::<(), spikegpu::Error>(())
//! ```

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, GpuPasses, PassGrid, StateView, StepInfo, cell_accessors, floor_at, reset_to, tols_of};
use crate::integrators::{self, Integrator};
use crate::reductions::ROW_CHUNK;
use crate::surrogate::{self, SurrogateType};

cell_params! {
    /// `LIFCell`'s constructor parameters, with ngclearn's names; see the [module docs](self).
    pub struct LifParams, with_tau_m(tau_m) {
        tau_m: f32 [required] "ms" positive, "Membrane time constant.";
        resist_m: f32 [1.0] "—" positive, "Membrane resistance, scales `j`.";
        thr: f32 [-52.0] "mV" finite, "Base threshold.";
        v_rest: f32 [-65.0] "mV" finite, "Resting potential.";
        v_reset: f32 [-60.0] "mV" finite, "Voltage after a spike.";
        conduct_leak: f32 [1.0] "—" finite, "Leak conductance factor.";
        tau_theta: f32 [1e7] "ms" non_negative("must be ≥ 0 (0 disables the adaptive threshold)"),
            "Threshold adaptation decay; 0 disables adaptation.";
        theta_plus: f32 [0.05] "mV" finite, "Threshold increment per spike.";
        refract_time: f32 [5.0] "ms" non_negative("must be ≥ 0"), "Refractory period.";
        one_spike: bool [false] "—" any, "Keep one random spike per row per step.";
        max_one_spike: bool [false] "—" any, "Keep only the spike of the row's highest pre-step voltage.";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler` or `midpoint`/`rk2`.";
        surrogate_type: SurrogateType [SurrogateType::StraightThrough] "—" any, "Accepted and ignored, as in ngclearn.";
        v_min: Option<f32> [None] "mV" finite, "Lower voltage clamp.";
    }
}

describe_cell! {
    /// A validated LIF cell model. Build it with [`LifCell::new`] or from ngclearn keyword
    /// arguments with [`LifCell::from_params`].
    LifCell(c) = "LIFCell"(LifParams) {
        key: "lif", kernel: "lif", elementwise: true,
        derived(p) {
            inv_tau_m: f32 = 1.0 / p.tau_m,
            /// `Some` for ngclearn's `QuadLIFCell` (a LIFCell subclass): see [`super::quad_lif`].
            quadratic: Option<Quadratic> = None,
        }
        integrators: [Euler, Midpoint],
        variants(integration_type): [(false, false), (true, false), (false, true), (true, true)].into_iter().flat_map(move |(one_spike, max_one_spike)| {
            // A short adaptation time so the decay constant is not exactly 1, or none.
            [50.0, 0.0].into_iter().flat_map(move |tau_theta| {
                [None, Some(-70.0)].map(|v_min| LifParams {
                    integration_type,
                    one_spike,
                    max_one_spike,
                    tau_theta,
                    v_min,
                    ..LifParams::with_tau_m(10.0)
                })
            })
        }),
        tags { one_spike: c.p.one_spike, max_one_spike: c.p.max_one_spike, no_adapt: c.p.tau_theta == 0.0, v_min: c.p.v_min.is_some() }
        tolerance: Tolerance::STRICT,
        compartments: {
            j: Input = 0.0, range (0.0, 40.0), "input current (model units; multiplied by resist_m)";
            // QuadLIF diverges towards −∞ from below v_rest (its documented quirk), which
            // amplifies rounding without bound: start its checks at or above v_rest.
            v: State = c.p.v_rest,
                range (if c.quadratic.is_some() { c.p.v_rest } else { c.p.v_rest - 5.0 }, c.p.thr + 3.0),
                    "membrane voltage (mV)";
            rfr: State = c.p.refract_time, range (0.0, c.p.refract_time * 1.5 + 0.1),
                "time since last spike, float32 running sum of dt (ms)";
            thr_theta: State = 0.0, reset None, range (0.0, 2.0), "adaptive threshold increment (mV); survives reset";
            surrogate: State = 1.0, reset c.unless_quadratic(1.0), range (0.0, 1.0),
                "arctan surrogate derivative (dimensionless); QuadLIF's reset leaves it alone";
            v_thr: State = c.p.thr, reset c.unless_quadratic(c.p.thr), range (c.p.thr, c.p.thr + 2.0),
                "thr + thr_theta after the last step (mV, informational); QuadLIF's reset leaves it alone";
            s: Spike = 0.0, range (0.0, 0.0), "spikes after one_spike/max_one_spike selection (0/1)";
            s_raw: Output = 0.0, range (0.0, 0.0), "spikes before selection (0/1)";
            tols: Output = 0.0, range (0.0, 10.0), "time of last (selected) spike (ms)";
        }
        uniform LifParams {
            resist_m: c.p.resist_m,
            thr: c.p.thr,
            v_rest: c.p.v_rest,
            v_reset: c.p.v_reset,
            conduct_leak: c.p.conduct_leak,
            inv_tau_m: c.inv_tau_m,
            theta_plus: c.p.theta_plus,
            refract_time: c.p.refract_time,
            v_min: c.p.v_min.unwrap_or(0.0),
            arctan_slope: surrogate::ARCTAN_SLOPE_ALPHA_0_2,
            v_c: c.quadratic.map_or(0.0, |q| q.v_c),
            a0: c.quadratic.map_or(0.0, |q| q.a0),
        }
        overrides {
            INTEGRATOR: u32 = c.p.integration_type.code(),
            SELECT_BY_DRAW: bool = c.selects_by_draw(),
            MAX_ONE_SPIKE: bool = c.p.max_one_spike,
            ADAPT_THRESHOLD: bool = c.p.tau_theta > 0.0,
            CLAMP_V_MIN: bool = c.p.v_min.is_some(),
            // QuadLIFCell: quadratic leak, no surrogate and no v_thr update (src/cells/quad_lif.rs).
            QUADRATIC: bool = c.quadratic.is_some(),
        }
        // max_one_spike: the winning unit of each row (argmax of the pre-step voltage).
        scratch: row_winner
    }
}

/// Index of each compartment in [`super::CellState::values`] (and binding order on the GPU),
/// as in [`LAYOUT`].
pub mod idx {
    /// Input current.
    pub const J: usize = 0;
    /// Membrane voltage.
    pub const V: usize = 1;
    /// Refractory timer.
    pub const RFR: usize = 2;
    /// Threshold adaptation.
    pub const THR_THETA: usize = 3;
    /// Surrogate derivative.
    pub const SURROGATE: usize = 4;
    /// Reported threshold.
    pub const V_THR: usize = 5;
    /// Spikes after selection.
    pub const S: usize = 6;
    /// Raw spikes.
    pub const S_RAW: usize = 7;
    /// Time of last spike.
    pub const TOLS: usize = 8;
}

/// The quadratic leak of `QuadLIFCell`: `(v_rest − v)·(v − v_c)·a0` in place of LIF's
/// `(v_rest − v)·conduct_leak`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Quadratic {
    /// ngclearn's `v_scale`, used as the critical voltage.
    pub v_c: f32,
    /// ngclearn's `critical_v`, used as the scale.
    pub a0: f32,
}

impl LifCell {
    /// The quadratic (QuadLIF) form of a validated LIF-family cell (its parameters are
    /// checked by [`super::QuadLifParams::check`]).
    pub(crate) fn with_quadratic(mut self, quadratic: Quadratic) -> LifCell {
        self.quadratic = Some(quadratic);
        self
    }

    /// `Some(value)` for LIF, `None` (keep) for QuadLIF, whose reset leaves its (never
    /// updated) surrogate and `v_thr` alone.
    fn unless_quadratic(&self, value: f32) -> Option<f32> {
        if self.quadratic.is_some() { None } else { Some(value) }
    }

    fn selects_by_draw(&self) -> bool {
        self.p.one_spike && !self.p.max_one_spike
    }

    /// `exp(-dt/tau_theta)` in float32 (1 when adaptation is off; unused then): the correctly
    /// rounded value of the float32 argument, as XLA's exp gives it (the network README §4.8:
    /// 0.9999999 for dt = 1, tau_theta = 1e7, where libm's float32 `expf` gives 0.99999994 and
    /// thresholds drift by an ulp within 200 steps).
    fn theta_decay(&self, dt: f32) -> f32 {
        if self.p.tau_theta > 0.0 {
            // `-dt/tau_theta` as XLA compiles it: times f32(1/tau_theta) (see crate::cells).
            f64::from(-dt * (1.0 / self.p.tau_theta)).exp() as f32
        } else {
            1.0
        }
    }

    /// `(resist_m·dt)/tau_m` in float32, the division as XLA compiles it: times f32(1/tau_m).
    fn surrogate_scale(&self, dt: f32) -> f32 {
        (self.p.resist_m * dt) * self.inv_tau_m
    }
}

/// The compartments of a LIF step as separate slices.
struct LifSlices<'a> {
    j: &'a [f32],
    v: &'a mut [f32],
    rfr: &'a mut [f32],
    thr_theta: &'a mut [f32],
    surr: &'a mut [f32],
    v_thr: &'a mut [f32],
    s: &'a mut [f32],
    s_raw: &'a mut [f32],
    tols: &'a mut [f32],
}

impl LifCell {
    /// The per-neuron part of a step for one combination of options (integrator, adaptation,
    /// `v_min` clamp, quadratic leak, no spike selection). Selection runs afterwards, from
    /// `s = s_raw`; without it (`PLAIN`) `tols` is done here. Twin: `cell_advance` in lif.wgsl.
    #[inline(always)]
    fn element_loop<const MIDPOINT: bool, const ADAPT: bool, const CLAMP: bool, const QUAD: bool, const PLAIN: bool>(
        &self,
        step: &StepInfo,
        x: LifSlices<'_>,
    ) {
        let p = &self.p;
        let n = x.j.len();
        let (v, rfr, thr_theta, surr) = (&mut x.v[..n], &mut x.rfr[..n], &mut x.thr_theta[..n], &mut x.surr[..n]);
        let (v_thr, s, s_raw, tols) = (&mut x.v_thr[..n], &mut x.s[..n], &mut x.s_raw[..n], &mut x.tols[..n]);
        let (dt, half_dt, t) = (step.dt, step.half_dt, step.t);
        let theta_decay = self.theta_decay(dt);
        let surrogate_scale = self.surrogate_scale(dt);
        let (resist_m, thr, refract, v_reset, theta_plus) =
            (p.resist_m, p.thr, p.refract_time, p.v_reset, p.theta_plus);
        let v_min = p.v_min.unwrap_or(0.0);
        let (v_rest, leak, inv_tau) = (p.v_rest, p.conduct_leak, self.inv_tau_m);
        let (v_c, a0) = self.quadratic.map_or((0.0, 0.0), |q| (q.v_c, q.a0));
        let dvdt = |v_now: f32, drive: f32| {
            if QUAD {
                ((v_rest - v_now) * (v_now - v_c) * a0 + drive) * inv_tau
            } else {
                ((v_rest - v_now) * leak + drive) * inv_tau
            }
        };
        for i in 0..n {
            let v_old = v[i];
            let rfr_old = rfr[i];
            let theta_old = thr_theta[i];
            let j_r = x.j[i] * resist_m;
            let vthr = theta_old + thr;
            let mask = if rfr_old >= refract { 1.0 } else { 0.0 };
            let drive = j_r * mask;
            let v1 = if MIDPOINT {
                integrators::midpoint(v_old, dt, half_dt, |y| dvdt(y, drive))
            } else {
                integrators::euler(v_old, dvdt(v_old, drive), dt)
            };
            let spike = if v1 > vthr { 1.0 } else { 0.0 };
            rfr[i] = reset_to(rfr_old + dt, spike, 0.0);
            if !QUAD {
                surr[i] = surrogate::arctan_d(v1, vthr, surrogate::ARCTAN_SLOPE_ALPHA_0_2) * surrogate_scale;
            }
            let v2 = reset_to(v1, spike, v_reset);
            s_raw[i] = spike;
            // The selection passes after this loop start from s = s_raw.
            s[i] = spike;
            if PLAIN {
                tols[i] = tols_of(tols[i], spike, t);
            }
            if ADAPT {
                let theta_new = theta_old * theta_decay + spike * theta_plus;
                thr_theta[i] = theta_new;
                if !QUAD {
                    v_thr[i] = thr + theta_new;
                }
            }
            v[i] = if CLAMP { floor_at(v2, v_min) } else { v2 };
        }
    }
}

/// First index of the maximum (`jnp.argmax`), starting from the first element rather than a
/// sentinel value, as the WGSL `row_pre` does.
fn argmax_first(values: impl Iterator<Item = f32>) -> usize {
    let mut best: Option<(f32, usize)> = None;
    for (i, x) in values.enumerate() {
        if best.is_none_or(|(value, _)| x > value) {
            best = Some((x, i));
        }
    }
    best.map_or(0, |(_, i)| i)
}

impl CellModel for LifCell {
    cell_accessors!(
        entry(self) = if self.quadratic.is_some() {
            &super::quad_lif::ENTRY
        } else {
            &ENTRY
        }
    );

    fn draws_every_step(&self) -> bool {
        self.selects_by_draw()
    }

    // Twin: shaders/cells/lif.wgsl `step`, `row_pre`, `row_post` (the `chunk_*` passes and
    // `winner_of_chunks` on long rows).
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let n_units = state.n_units;
        // max_one_spike uses the voltage from before the step.
        let winners: Vec<usize> = if p.max_one_spike {
            state.values[idx::V]
                .chunks(n_units)
                .map(|row| argmax_first(row.iter().copied()))
                .collect()
        } else {
            Vec::new()
        };
        let [j, v, rfr, thr_theta, surr, v_thr, s, s_raw, tols] = &mut state.values[..] else {
            unreachable!("LifCell states are built with its 9 compartments")
        };
        let slices = LifSlices {
            j,
            v,
            rfr,
            thr_theta,
            surr,
            v_thr,
            s,
            s_raw,
            tols,
        };
        // Each combination of options gets its own straight-line, vectorisable loop.
        let plain = !p.max_one_spike && !self.selects_by_draw();
        let midpoint = p.integration_type == Integrator::Midpoint;
        let (adapt, clamp, quad) = (p.tau_theta > 0.0, p.v_min.is_some(), self.quadratic.is_some());
        macro_rules! dispatch {
            ($($m:literal, $a:literal, $c:literal, $q:literal, $pl:literal);*) => {
                match (midpoint, adapt, clamp, quad, plain) {
                    $(($m, $a, $c, $q, $pl) => crate::simd::vectorised(
                        #[inline(always)]
                        || self.element_loop::<$m, $a, $c, $q, $pl>(step, slices),
                    ),)*
                }
            };
        }
        dispatch!(
            false, false, false, false, false; false, false, false, false, true; false, false, false, true, false;
            false, false, false, true, true; false, false, true, false, false; false, false, true, false, true;
            false, false, true, true, false; false, false, true, true, true; false, true, false, false, false;
            false, true, false, false, true; false, true, false, true, false; false, true, false, true, true;
            false, true, true, false, false; false, true, true, false, true; false, true, true, true, false;
            false, true, true, true, true; true, false, false, false, false; true, false, false, false, true;
            true, false, false, true, false; true, false, false, true, true; true, false, true, false, false;
            true, false, true, false, true; true, false, true, true, false; true, false, true, true, true;
            true, true, false, false, false; true, true, false, false, true; true, true, false, true, false;
            true, true, false, true, true; true, true, true, false, false; true, true, true, false, true;
            true, true, true, true, false; true, true, true, true, true
        );
        if p.max_one_spike {
            // s = s_raw · [n is the row's winner]; tols with that selected s.
            for (i, (sv, tv)) in s.iter_mut().zip(tols.iter_mut()).enumerate() {
                let is_winner = if i % n_units == winners[i / n_units] { 1.0 } else { 0.0 };
                *sv = s_raw[i] * is_winner;
                if !self.selects_by_draw() {
                    *tv = tols_of(*tv, *sv, step.t);
                }
            }
        }
        if self.selects_by_draw() {
            for (row, (s_row, tols_row)) in s.chunks_mut(n_units).zip(tols.chunks_mut(n_units)).enumerate() {
                let base = (row * n_units) as u64;
                let any = s_row.iter().any(|&x| x > 0.0);
                let winner = argmax_first(
                    s_row
                        .iter()
                        .enumerate()
                        .map(|(n, &x)| x * step.subkey.uniform01_at(base + n as u64)),
                );
                for (n, (sv, tv)) in s_row.iter_mut().zip(tols_row.iter_mut()).enumerate() {
                    if any {
                        *sv = if n == winner { 1.0 } else { 0.0 };
                    }
                    *tv = tols_of(*tv, *sv, step.t);
                }
            }
        }
    }

    fn step_constant_params(&self) -> &'static [&'static str] {
        // theta_decay and surrogate_scale below.
        &["tau_theta", "resist_m", "tau_m"]
    }

    fn gpu_step_constants(&self, dt: f32) -> [f32; 4] {
        [self.theta_decay(dt), self.surrogate_scale(dt), 0.0, 0.0]
    }

    fn gpu_scratch_words(&self, batch: usize, n_units: usize) -> usize {
        // The row winners (B), then the chunk candidates of rows longer than ROW_CHUNK: values,
        // indices and spiked flags (B·⌈N / ROW_CHUNK⌉ each).
        batch + 3 * batch * n_units.div_ceil(ROW_CHUNK)
    }

    fn gpu_passes(&self) -> GpuPasses {
        const STEP: (&str, PassGrid) = ("step", PassGrid::Elements);
        GpuPasses {
            row_pre: self.p.max_one_spike,
            row_post: self.selects_by_draw(),
            step_per_row: false,
            // Long rows: the argmax in chunks (shaders/cells/lif.wgsl `chunk_*`).
            chunked: if self.p.max_one_spike {
                &[
                    ("chunk_argmax_v", PassGrid::Chunks),
                    ("winner_of_chunks", PassGrid::Rows),
                    STEP,
                ]
            } else if self.selects_by_draw() {
                &[STEP, ("chunk_pick", PassGrid::Chunks), ("chunk_select", PassGrid::Chunks)]
            } else {
                &[]
            },
        }
    }
}
