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
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_m` | required | ms | membrane time constant (> 0) |
//! | `resist_m` | 1 | — | membrane resistance, scales `j` (> 0) |
//! | `thr` | −52 | mV | base threshold |
//! | `v_rest` | −65 | mV | resting potential |
//! | `v_reset` | −60 | mV | voltage after a spike |
//! | `conduct_leak` | 1 | — | leak conductance factor |
//! | `tau_theta` | 1e7 | ms | threshold adaptation decay; 0 disables adaptation |
//! | `theta_plus` | 0.05 | mV | threshold increment per spike |
//! | `refract_time` | 5 | ms | refractory period (≥ 0) |
//! | `one_spike` | false | — | keep one random spike per row per step |
//! | `max_one_spike` | false | — | keep only the spike of the row's highest pre-step voltage |
//! | `integration_type` | `euler` | — | `euler` or `midpoint`/`rk2` |
//! | `surrogate_type` | `straight_through` | — | accepted and ignored, as in ngclearn |
//! | `v_min` | none | mV | lower voltage clamp |
//! | `key` | — | — | the population's seed ([`crate::rng::Key::from_seed`]) |
//!
//! # Compartments
//! `j` (input, 0), `v` (v_rest), `rfr` (refract_time), `thr_theta` (0), `surrogate` (1),
//! `v_thr` (thr), `s` (0), `s_raw` (0), `tols` (0), and the population's key chain.
//! `reset()` restores all of them except `thr_theta` and the key.
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
//!   [`Error::UnsupportedIntegrator`] instead.
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

use serde_json::{Map, Value};

use super::params::{ParamReader, require_finite, require_non_negative, require_positive};
use super::{CellEntry, CellModel, Compartment, GpuPasses, Role, StateView, StepInfo};
use crate::error::{Error, Result};
use crate::integrators::{self, Integrator};
use crate::surrogate::{self, SurrogateType};

/// Registry entry of the LIF cell.
pub static ENTRY: CellEntry = CellEntry {
    key: "lif",
    class_name: "LIFCell",
    shader: ("shaders/cells/lif.wgsl", include_str!("../../shaders/cells/lif.wgsl")),
    elementwise: true,
    pieces: &[],
    from_params: |map| Ok(Box::new(LifCell::from_params(map)?)),
    variants: LifCell::all_variants,
};

/// Index of each compartment in [`super::CellState::values`] (and binding order on the GPU).
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

static COMPARTMENTS: [Compartment; 9] = [
    Compartment {
        name: "j",
        role: Role::Input,
        doc: "input current (model units; multiplied by resist_m)",
    },
    Compartment {
        name: "v",
        role: Role::State,
        doc: "membrane voltage (mV)",
    },
    Compartment {
        name: "rfr",
        role: Role::State,
        doc: "time since last spike, float32 running sum of dt (ms)",
    },
    Compartment {
        name: "thr_theta",
        role: Role::State,
        doc: "adaptive threshold increment (mV); survives reset",
    },
    Compartment {
        name: "surrogate",
        role: Role::State,
        doc: "arctan surrogate derivative (dimensionless)",
    },
    Compartment {
        name: "v_thr",
        role: Role::State,
        doc: "thr + thr_theta after the last step (mV, informational)",
    },
    Compartment {
        name: "s",
        role: Role::Output,
        doc: "spikes after one_spike/max_one_spike selection (0/1)",
    },
    Compartment {
        name: "s_raw",
        role: Role::Output,
        doc: "spikes before selection (0/1)",
    },
    Compartment {
        name: "tols",
        role: Role::Output,
        doc: "time of last (selected) spike (ms)",
    },
];

/// `LIFCell`'s constructor parameters, with ngclearn's names. See the [module docs](self) for
/// the table of defaults and units.
#[derive(Debug, Clone, PartialEq)]
pub struct LifParams {
    /// Membrane time constant (ms), required.
    pub tau_m: f32,
    /// Membrane resistance (default 1).
    pub resist_m: f32,
    /// Base threshold (mV, default −52).
    pub thr: f32,
    /// Resting potential (mV, default −65).
    pub v_rest: f32,
    /// Reset potential (mV, default −60).
    pub v_reset: f32,
    /// Leak conductance factor (default 1).
    pub conduct_leak: f32,
    /// Threshold adaptation time constant (ms, default 1e7; 0 disables).
    pub tau_theta: f32,
    /// Threshold increment per spike (mV, default 0.05).
    pub theta_plus: f32,
    /// Refractory period (ms, default 5).
    pub refract_time: f32,
    /// Keep one random spike per row (default false).
    pub one_spike: bool,
    /// Keep only the spike of the highest pre-step voltage per row (default false).
    pub max_one_spike: bool,
    /// `euler` (default) or `midpoint`.
    pub integration_type: Integrator,
    /// Accepted and ignored, as in ngclearn (default straight_through).
    pub surrogate_type: SurrogateType,
    /// Lower voltage clamp (mV, default none).
    pub v_min: Option<f32>,
}

impl LifParams {
    /// ngclearn's defaults for the given `tau_m`.
    pub fn with_tau_m(tau_m: f32) -> LifParams {
        LifParams {
            tau_m,
            resist_m: 1.0,
            thr: -52.0,
            v_rest: -65.0,
            v_reset: -60.0,
            conduct_leak: 1.0,
            tau_theta: 1e7,
            theta_plus: 0.05,
            refract_time: 5.0,
            one_spike: false,
            max_one_spike: false,
            integration_type: Integrator::Euler,
            surrogate_type: SurrogateType::StraightThrough,
            v_min: None,
        }
    }
}

/// A validated LIF cell model. Build it with [`LifCell::new`] or from ngclearn keyword
/// arguments with [`LifCell::from_params`].
#[derive(Debug, Clone)]
pub struct LifCell {
    p: LifParams,
    inv_tau_m: f32,
    /// `Some` for ngclearn's `QuadLIFCell` (a LIFCell subclass): see [`super::quad_lif`].
    quadratic: Option<Quadratic>,
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
    /// Validates the parameters.
    pub fn new(p: LifParams) -> Result<LifCell> {
        require_positive("tau_m", p.tau_m)?;
        require_positive("resist_m", p.resist_m)?;
        for (name, value) in [
            ("thr", p.thr),
            ("v_rest", p.v_rest),
            ("v_reset", p.v_reset),
            ("conduct_leak", p.conduct_leak),
            ("theta_plus", p.theta_plus),
        ] {
            require_finite(name, value)?;
        }
        require_non_negative(
            "tau_theta",
            p.tau_theta,
            "must be ≥ 0 (0 disables the adaptive threshold)",
        )?;
        require_non_negative("refract_time", p.refract_time, "must be ≥ 0")?;
        if let Some(v_min) = p.v_min {
            require_finite("v_min", v_min)?;
        }
        if !matches!(p.integration_type, Integrator::Euler | Integrator::Midpoint) {
            return Err(Error::UnsupportedIntegrator {
                cell: "LIFCell",
                requested: p.integration_type.name().to_string(),
                supported: "euler, midpoint (rk2)".into(),
            });
        }
        Ok(LifCell {
            inv_tau_m: 1.0 / p.tau_m,
            p,
            quadratic: None,
        })
    }

    /// The quadratic (QuadLIF) form of a validated LIF-family cell.
    pub(crate) fn with_quadratic(mut self, quadratic: Quadratic) -> Result<LifCell> {
        require_finite("v_scale", quadratic.v_c)?;
        require_finite("critical_v", quadratic.a0)?;
        self.quadratic = Some(quadratic);
        Ok(self)
    }

    /// Builds the cell from ngclearn keyword arguments (`{"tau_m": 10, "one_spike": true}`).
    /// Unknown keys are an error.
    pub fn from_params(map: &Map<String, Value>) -> Result<LifCell> {
        let mut r = ParamReader::new(map);
        let tau_m = r.f32_required("tau_m")?;
        let d = LifParams::with_tau_m(tau_m);
        let p = LifParams {
            tau_m,
            resist_m: r.f32_or("resist_m", d.resist_m)?,
            thr: r.f32_or("thr", d.thr)?,
            v_rest: r.f32_or("v_rest", d.v_rest)?,
            v_reset: r.f32_or("v_reset", d.v_reset)?,
            conduct_leak: r.f32_or("conduct_leak", d.conduct_leak)?,
            tau_theta: r.f32_or("tau_theta", d.tau_theta)?,
            theta_plus: r.f32_or("theta_plus", d.theta_plus)?,
            refract_time: r.f32_or("refract_time", d.refract_time)?,
            one_spike: r.bool_or("one_spike", d.one_spike)?,
            max_one_spike: r.bool_or("max_one_spike", d.max_one_spike)?,
            integration_type: Integrator::parse(r.str_or("integration_type", "euler")?)?,
            surrogate_type: SurrogateType::parse(r.str_or("surrogate_type", "straight_through")?)?,
            v_min: r.f32_opt("v_min")?,
        };
        r.finish()?;
        LifCell::new(p)
    }

    /// The validated parameters.
    pub fn params(&self) -> &LifParams {
        &self.p
    }

    /// Every integrator × option combination (with non-default values for the numeric options
    /// that switch code paths), for shader validation and the GPU self-check.
    pub fn all_variants() -> Vec<Box<dyn CellModel>> {
        let mut out: Vec<Box<dyn CellModel>> = Vec::new();
        for integrator in [Integrator::Euler, Integrator::Midpoint] {
            for (one_spike, max_one_spike) in [(false, false), (true, false), (false, true), (true, true)] {
                for tau_theta in [1e7, 0.0] {
                    for v_min in [None, Some(-70.0)] {
                        let p = LifParams {
                            integration_type: integrator,
                            one_spike,
                            max_one_spike,
                            tau_theta,
                            v_min,
                            // A short adaptation time so the decay constant is not exactly 1.
                            ..LifParams::with_tau_m(10.0)
                        };
                        let p = if tau_theta > 0.0 {
                            LifParams { tau_theta: 50.0, ..p }
                        } else {
                            p
                        };
                        out.push(Box::new(
                            LifCell::new(p).expect("the variant table holds valid parameters"),
                        ));
                    }
                }
            }
        }
        out
    }

    fn selects_by_draw(&self) -> bool {
        self.p.one_spike && !self.p.max_one_spike
    }

    /// `exp(-dt/tau_theta)` in float32 (1 when adaptation is off; unused then).
    fn theta_decay(&self, dt: f32) -> f32 {
        if self.p.tau_theta > 0.0 {
            (-dt / self.p.tau_theta).exp()
        } else {
            1.0
        }
    }

    /// `(resist_m·dt)/tau_m` in float32.
    fn surrogate_scale(&self, dt: f32) -> f32 {
        (self.p.resist_m * dt) / self.p.tau_m
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
    #[inline(never)]
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
            rfr[i] = (rfr_old + dt) * (1.0 - spike);
            if !QUAD {
                surr[i] = surrogate::arctan_d(v1, vthr, surrogate::ARCTAN_SLOPE_ALPHA_0_2) * surrogate_scale;
            }
            let v2 = v1 * (1.0 - spike) + spike * v_reset;
            s_raw[i] = spike;
            // The selection passes after this loop start from s = s_raw.
            s[i] = spike;
            if PLAIN {
                tols[i] = (1.0 - spike) * tols[i] + spike * t;
            }
            if ADAPT {
                let theta_new = theta_old * theta_decay + spike * theta_plus;
                thr_theta[i] = theta_new;
                if !QUAD {
                    v_thr[i] = thr + theta_new;
                }
            }
            v[i] = if CLAMP { v2.max(v_min) } else { v2 };
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
    fn boxed(&self) -> Box<dyn CellModel> {
        Box::new(self.clone())
    }

    fn entry(&self) -> &'static CellEntry {
        if self.quadratic.is_some() {
            &super::quad_lif::ENTRY
        } else {
            &ENTRY
        }
    }

    fn compartments(&self) -> &'static [Compartment] {
        &COMPARTMENTS
    }

    fn integrator(&self) -> Integrator {
        self.p.integration_type
    }

    fn initial_values(&self) -> Vec<f32> {
        let p = &self.p;
        vec![0.0, p.v_rest, p.refract_time, 0.0, 1.0, p.thr, 0.0, 0.0, 0.0]
    }

    fn reset_values(&self) -> Vec<Option<f32>> {
        let mut values: Vec<Option<f32>> = self.initial_values().into_iter().map(Some).collect();
        values[idx::THR_THETA] = None;
        if self.quadratic.is_some() {
            // QuadLIF's reset leaves its (never updated) surrogate and v_thr alone too.
            values[idx::SURROGATE] = None;
            values[idx::V_THR] = None;
        }
        values
    }

    fn draws_every_step(&self) -> bool {
        self.selects_by_draw()
    }

    // Twin: shaders/cells/lif.wgsl `step`, `row_pre`, `row_post`.
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
                    $(($m, $a, $c, $q, $pl) => self.element_loop::<$m, $a, $c, $q, $pl>(step, slices),)*
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
                    *tv = (1.0 - *sv) * *tv + *sv * step.t;
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
                    *tv = (1.0 - *sv) * *tv + *sv * step.t;
                }
            }
        }
    }

    fn variant_name(&self) -> String {
        let p = &self.p;
        let mut name = format!("{}/{}", self.entry().key, p.integration_type);
        if p.one_spike {
            name.push_str("+one_spike");
        }
        if p.max_one_spike {
            name.push_str("+max_one_spike");
        }
        if p.tau_theta == 0.0 {
            name.push_str("+no_adapt");
        }
        if p.v_min.is_some() {
            name.push_str("+v_min");
        }
        name
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        let flag = |b: bool| if b { 1.0 } else { 0.0 };
        vec![
            ("INTEGRATOR", f64::from(self.p.integration_type.code())),
            ("SELECT_BY_DRAW", flag(self.selects_by_draw())),
            ("MAX_ONE_SPIKE", flag(self.p.max_one_spike)),
            ("ADAPT_THRESHOLD", flag(self.p.tau_theta > 0.0)),
            ("CLAMP_V_MIN", flag(self.p.v_min.is_some())),
            ("QUADRATIC", flag(self.quadratic.is_some())),
        ]
    }

    fn gpu_params(&self) -> Vec<u32> {
        let p = &self.p;
        [
            p.resist_m,
            p.thr,
            p.v_rest,
            p.v_reset,
            p.conduct_leak,
            self.inv_tau_m,
            p.theta_plus,
            p.refract_time,
            p.v_min.unwrap_or(0.0),
            surrogate::ARCTAN_SLOPE_ALPHA_0_2,
            self.quadratic.map_or(0.0, |q| q.v_c),
            self.quadratic.map_or(0.0, |q| q.a0),
        ]
        .iter()
        .map(|x| x.to_bits())
        .collect()
    }

    fn gpu_step_constants(&self, dt: f32) -> [f32; 4] {
        [self.theta_decay(dt), self.surrogate_scale(dt), 0.0, 0.0]
    }

    fn gpu_passes(&self) -> GpuPasses {
        GpuPasses {
            row_pre: self.p.max_one_spike,
            row_post: self.selects_by_draw(),
            step_per_row: false,
        }
    }

    fn random_ranges(&self) -> Vec<(f32, f32)> {
        let p = &self.p;
        vec![
            (0.0, 40.0), // j
            // QuadLIF diverges towards −∞ from below v_rest (its documented quirk), which
            // amplifies rounding without bound: start its checks at or above v_rest.
            if self.quadratic.is_some() {
                (p.v_rest, p.thr + 3.0)
            } else {
                (p.v_rest - 5.0, p.thr + 3.0)
            }, // v
            (0.0, p.refract_time * 1.5 + 0.1), // rfr
            (0.0, 2.0),                        // thr_theta
            (0.0, 1.0),                        // surrogate
            (p.thr, p.thr + 2.0),              // v_thr
            (0.0, 0.0),                        // s
            (0.0, 0.0),                        // s_raw
            (0.0, 10.0),                       // tols
        ]
    }
}
