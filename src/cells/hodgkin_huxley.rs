//! `HodgkinHuxleyCell`: ngclearn 3.2.3's Hodgkin–Huxley (1952) cell, in the 1952 convention
//! (depolarisation positive, nominal rest at 0 mV).
//!
//! # Equations
//! ```text
//! tau_v · dv/dt = j·R − g_Na·m³·h·(v − v_Na) − g_K·n⁴·(v − v_K) − g_L·(v − v_L)
//!         dx/dt = a_x(v)·(1 − x) − b_x(v)·x            for the gates x = n, m, h
//! a_n = 0.01(10 − v)/(exp((10 − v)/10) − 1)    b_n = 0.125·exp(−v/80)
//! a_m = 0.1(25 − v)/(exp((25 − v)/10) − 1)     b_m = 4·exp(−v/18)
//! a_h = 0.07·exp(−v/20)                        b_h = 1/(exp((30 − v)/10) + 1)
//! spike: s = [v > thr]  (a level, see the quirks)
//! ```
//! One step: the six rates are computed **once** from the old v; v is integrated with the old
//! gates frozen, each gate with its rates frozen (Euler, midpoint or rk4, per variable — not a
//! joint Runge–Kutta step of the 4-D system). With `spike_reset`, `v' = v1·(1 − s) + s·v_reset`
//! and each gate `x' = x1·(1 − s) + s·x_inf(v_reset)`, `x_inf = a_x/(a_x + b_x)`. Then
//! `tols' = (1 − s)·tols + s·t`.
//!
//! # Parameters (ngclearn names and defaults)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `tau_v` | required | ms | membrane time constant, C_m (> 0) |
//! | `resist_m` | 1 | — | input resistance |
//! | `v_Na` | 115 | mV | sodium reversal |
//! | `v_K` | −35 | mV | potassium reversal (classic: −12) |
//! | `v_L` | 10.6 | mV | leak reversal |
//! | `g_Na` | 100 | mS/cm² | sodium conductance (classic: 120) |
//! | `g_K` | 5 | mS/cm² | potassium conductance (classic: 36) |
//! | `g_L` | 0.3 | mS/cm² | leak conductance |
//! | `thr` | 4 | mV | spike level threshold |
//! | `spike_reset` | false | — | reset v and gates after a spike |
//! | `v_reset` | 0 | mV | v after a spike (with `spike_reset`) |
//! | `integration_type` | `euler` | — | `euler`, `midpoint`/`rk2` or `rk4` |
//!
//! # Compartments
//! `j` (input), `v`, `n`, `m`, `h`, `s`, `tols`. **Construction sets all of them to 0, the
//! gates included**; `reset()` sets v = 0 and the gates to their steady state at 0 mV
//! (n = 0.3176769, m = 0.0529325, h = 0.5961208). Call `reset()` first, as with ngclearn.
//!
//! # Quirks of the reference, reproduced
//! * `s` is a **level**: 1 on every step v > thr (one action potential of the default cell is
//!   ~200 consecutive 1s at dt = 0.025).
//! * With the default parameters v = 0 is not a rest state: the cell fires spontaneously.
//! * The default conductances are not the classic set (pass `g_Na = 120, g_K = 36,
//!   v_K = −12` for it).
//! * ngclearn fixes the batch to 1; spikegpu allows any batch.
//!
//! # Where spikegpu departs from the reference: no NaN from finite input
//! `a_n` is 0/0 at exactly v = 10 mV and `a_m` at exactly v = 25 mV (more precisely wherever
//! the float32 denominator `exp(x/10) − 1` is 0); ngclearn then produces NaN and the gate stays
//! NaN forever. spikegpu uses the analytic limits there, `a_n → 0.1` and `a_m → 1`. Wherever
//! the reference's denominator is non-zero the formula, and so the result, is unchanged.

use serde_json::{Map, Value};

use super::params::{ParamReader, require_finite, require_positive};
use super::{
    CellEntry, CellModel, Compartment, Role, StateView, StepInfo, cell_accessors, f32_words, override_flag,
    require_integrator, reset_to, spike_of, tols_of,
};
use crate::error::Result;
use crate::integrators::{self, Integrator};

/// Registry entry of the Hodgkin–Huxley cell.
pub static ENTRY: CellEntry = CellEntry {
    key: "hodgkin_huxley",
    class_name: "HodgkinHuxleyCell",
    shader: (
        "shaders/cells/hodgkin_huxley.wgsl",
        include_str!("../../shaders/cells/hodgkin_huxley.wgsl"),
    ),
    elementwise: true,
    pieces: &[],
    from_params: |map| Ok(Box::new(HodgkinHuxleyCell::from_params(map)?)),
    variants: HodgkinHuxleyCell::all_variants,
};

static COMPARTMENTS: [Compartment; 7] = [
    Compartment {
        name: "j",
        role: Role::Input,
        doc: "input current (µA/cm², multiplied by resist_m)",
    },
    Compartment {
        name: "v",
        role: Role::State,
        doc: "membrane voltage relative to rest (mV)",
    },
    Compartment {
        name: "n",
        role: Role::State,
        doc: "potassium activation gate",
    },
    Compartment {
        name: "m",
        role: Role::State,
        doc: "sodium activation gate",
    },
    Compartment {
        name: "h",
        role: Role::State,
        doc: "sodium inactivation gate",
    },
    Compartment {
        name: "s",
        role: Role::Output,
        doc: "spikes, a level while v > thr (0/1)",
    },
    Compartment {
        name: "tols",
        role: Role::Output,
        doc: "time of last spike (ms)",
    },
];

const SUPPORTED: &[Integrator] = &[Integrator::Euler, Integrator::Midpoint, Integrator::Rk4];

/// `x/(exp(x/10) − 1)` scaled by `scale`, with its limit `10·scale` where the float32
/// denominator is 0 (at x = 0 the reference's 0/0). WGSL: `hh_ratio`.
#[inline(always)]
fn ratio(scale: f32, x: f32) -> f32 {
    let denominator = (x / 10.0).exp() - 1.0;
    if denominator == 0.0 {
        scale * 10.0
    } else {
        scale * x / denominator
    }
}

/// The six rates `[a_n, b_n, a_m, b_m, a_h, b_h]` at voltage `v`. WGSL: `hh_rates`.
pub fn rates(v: f32) -> [f32; 6] {
    [
        ratio(0.01, 10.0 - v),
        0.125 * (-v / 80.0).exp(),
        ratio(0.1, 25.0 - v),
        4.0 * (-v / 18.0).exp(),
        0.07 * (-v / 20.0).exp(),
        1.0 / (((30.0 - v) / 10.0).exp() + 1.0),
    ]
}

/// Steady states `[n_inf, m_inf, h_inf]` at voltage `v`.
pub fn steady_state(v: f32) -> [f32; 3] {
    let r = rates(v);
    [r[0] / (r[0] + r[1]), r[2] / (r[2] + r[3]), r[4] / (r[4] + r[5])]
}

/// `HodgkinHuxleyCell`'s constructor parameters, with ngclearn's names; see the
/// [module docs](self).
#[derive(Debug, Clone, PartialEq)]
#[allow(non_snake_case)]
pub struct HodgkinHuxleyParams {
    /// Membrane time constant (ms), required.
    pub tau_v: f32,
    /// Input resistance.
    pub resist_m: f32,
    /// Sodium reversal (mV).
    pub v_Na: f32,
    /// Potassium reversal (mV).
    pub v_K: f32,
    /// Leak reversal (mV).
    pub v_L: f32,
    /// Sodium conductance.
    pub g_Na: f32,
    /// Potassium conductance.
    pub g_K: f32,
    /// Leak conductance.
    pub g_L: f32,
    /// Spike level threshold (mV).
    pub thr: f32,
    /// Reset after a spike.
    pub spike_reset: bool,
    /// v after a spike (mV).
    pub v_reset: f32,
    /// Euler, midpoint or rk4.
    pub integration_type: Integrator,
}

impl HodgkinHuxleyParams {
    /// ngclearn's defaults for the given `tau_v`.
    pub fn with_tau_v(tau_v: f32) -> HodgkinHuxleyParams {
        HodgkinHuxleyParams {
            tau_v,
            resist_m: 1.0,
            v_Na: 115.0,
            v_K: -35.0,
            v_L: 10.6,
            g_Na: 100.0,
            g_K: 5.0,
            g_L: 0.3,
            thr: 4.0,
            spike_reset: false,
            v_reset: 0.0,
            integration_type: Integrator::Euler,
        }
    }

    /// Hodgkin and Huxley's 1952 squid axon (g_Na = 120, g_K = 36, g_L = 0.3, v_Na = 115,
    /// v_K = −12, v_L = 10.6, C_m = tau_v = 1).
    pub fn classic() -> HodgkinHuxleyParams {
        HodgkinHuxleyParams {
            g_Na: 120.0,
            g_K: 36.0,
            v_K: -12.0,
            ..HodgkinHuxleyParams::with_tau_v(1.0)
        }
    }
}

/// A validated Hodgkin–Huxley cell model.
#[derive(Debug, Clone)]
pub struct HodgkinHuxleyCell {
    p: HodgkinHuxleyParams,
    inv_tau_v: f32,
    gates_at_reset: [f32; 3],
}

impl HodgkinHuxleyCell {
    /// Validates the parameters.
    pub fn new(p: HodgkinHuxleyParams) -> Result<HodgkinHuxleyCell> {
        require_positive("tau_v", p.tau_v)?;
        for (name, value) in [
            ("resist_m", p.resist_m),
            ("v_Na", p.v_Na),
            ("v_K", p.v_K),
            ("v_L", p.v_L),
            ("g_Na", p.g_Na),
            ("g_K", p.g_K),
            ("g_L", p.g_L),
            ("thr", p.thr),
            ("v_reset", p.v_reset),
        ] {
            require_finite(name, value)?;
        }
        require_integrator("HodgkinHuxleyCell", p.integration_type, SUPPORTED)?;
        Ok(HodgkinHuxleyCell {
            inv_tau_v: 1.0 / p.tau_v,
            gates_at_reset: steady_state(p.v_reset),
            p,
        })
    }

    /// Builds the cell from ngclearn keyword arguments; unknown keys are an error.
    pub fn from_params(map: &Map<String, Value>) -> Result<HodgkinHuxleyCell> {
        let mut r = ParamReader::new(map);
        let d = HodgkinHuxleyParams::with_tau_v(r.f32_required("tau_v")?);
        let p = HodgkinHuxleyParams {
            resist_m: r.f32_or("resist_m", d.resist_m)?,
            v_Na: r.f32_or("v_Na", d.v_Na)?,
            v_K: r.f32_or("v_K", d.v_K)?,
            v_L: r.f32_or("v_L", d.v_L)?,
            g_Na: r.f32_or("g_Na", d.g_Na)?,
            g_K: r.f32_or("g_K", d.g_K)?,
            g_L: r.f32_or("g_L", d.g_L)?,
            thr: r.f32_or("thr", d.thr)?,
            spike_reset: r.bool_or("spike_reset", d.spike_reset)?,
            v_reset: r.f32_or("v_reset", d.v_reset)?,
            integration_type: Integrator::parse(r.str_or("integration_type", "euler")?)?,
            ..d
        };
        r.finish()?;
        HodgkinHuxleyCell::new(p)
    }

    /// The validated parameters.
    pub fn params(&self) -> &HodgkinHuxleyParams {
        &self.p
    }

    /// Every integrator × `spike_reset` variant.
    pub fn all_variants() -> Vec<Box<dyn CellModel>> {
        let mut out: Vec<Box<dyn CellModel>> = Vec::new();
        for integration_type in SUPPORTED.iter().copied() {
            for spike_reset in [false, true] {
                let p = HodgkinHuxleyParams {
                    integration_type,
                    spike_reset,
                    v_reset: -2.0,
                    ..HodgkinHuxleyParams::with_tau_v(1.0)
                };
                out.push(Box::new(
                    HodgkinHuxleyCell::new(p).expect("the variant table holds valid parameters"),
                ));
            }
        }
        out
    }

    /// `dv/dt` with the gates frozen. WGSL twin: `hh_dvdt`.
    #[inline(always)]
    fn dvdt(&self, v: f32, j_r: f32, n: f32, m: f32, h: f32) -> f32 {
        let p = &self.p;
        let m3 = m * m * m;
        let n4 = n * n * n * n;
        (j_r - p.g_Na * m3 * h * (v - p.v_Na) - p.g_K * n4 * (v - p.v_K) - p.g_L * (v - p.v_L)) * self.inv_tau_v
    }
}

impl CellModel for HodgkinHuxleyCell {
    cell_accessors!();

    fn initial_values(&self) -> Vec<f32> {
        vec![0.0; 7]
    }

    fn reset_values(&self) -> Vec<Option<f32>> {
        let [n, m, h] = steady_state(0.0);
        vec![Some(0.0), Some(0.0), Some(n), Some(m), Some(h), Some(0.0), Some(0.0)]
    }

    // six `exp` per step, amplified by the stiff upstroke (the reference tolerance).
    fn gpu_tolerance(&self) -> Option<f32> {
        Some(1e-3)
    }

    fn check_dt(&self) -> f64 {
        0.01
    }

    // Twin: shaders/cells/hodgkin_huxley.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let method = p.integration_type;
        let [j, v, n, m, h, s, tols] = &mut state.values[..] else {
            unreachable!("HodgkinHuxleyCell states are built with its 7 compartments")
        };
        for i in 0..j.len() {
            let j_r = j[i] * p.resist_m;
            let (v_old, n_old, m_old, h_old) = (v[i], n[i], m[i], h[i]);
            let [an, bn, am, bm, ah, bh] = rates(v_old);
            let v1 = integrators::integrate(method, v_old, step.dt, step.half_dt, |x| {
                self.dvdt(x, j_r, n_old, m_old, h_old)
            });
            let gate = |x0: f32, a: f32, b: f32| {
                integrators::integrate(method, x0, step.dt, step.half_dt, |x| a * (1.0 - x) - b * x)
            };
            let (n1, m1, h1) = (gate(n_old, an, bn), gate(m_old, am, bm), gate(h_old, ah, bh));
            let spike = spike_of(v1, p.thr);
            if p.spike_reset {
                let [n_r, m_r, h_r] = self.gates_at_reset;
                v[i] = reset_to(v1, spike, p.v_reset);
                n[i] = reset_to(n1, spike, n_r);
                m[i] = reset_to(m1, spike, m_r);
                h[i] = reset_to(h1, spike, h_r);
            } else {
                v[i] = v1;
                n[i] = n1;
                m[i] = m1;
                h[i] = h1;
            }
            s[i] = spike;
            tols[i] = tols_of(tols[i], spike, step.t);
        }
    }

    fn variant_name(&self) -> String {
        let mut name = format!("hodgkin_huxley/{}", self.p.integration_type);
        if self.p.spike_reset {
            name.push_str("+spike_reset");
        }
        name
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        vec![
            ("INTEGRATOR", f64::from(self.p.integration_type.code())),
            ("SPIKE_RESET", override_flag(self.p.spike_reset)),
        ]
    }

    fn gpu_params(&self) -> Vec<u32> {
        let p = &self.p;
        let [n_r, m_r, h_r] = self.gates_at_reset;
        f32_words(&[
            p.resist_m,
            self.inv_tau_v,
            p.v_Na,
            p.v_K,
            p.v_L,
            p.g_Na,
            p.g_K,
            p.g_L,
            p.thr,
            p.v_reset,
            n_r,
            m_r,
            h_r,
        ])
    }

    fn random_ranges(&self) -> Vec<(f32, f32)> {
        vec![
            (0.0, 20.0),
            (-15.0, 100.0),
            (0.0, 1.0),
            (0.0, 1.0),
            (0.0, 1.0),
            (0.0, 0.0),
            (0.0, 10.0),
        ]
    }
}
