//! `HodgkinHuxleyCell`: ngclearn 3.2.3's Hodgkin–Huxley (1952) cell, in the 1952 convention
//! (depolarisation positive, nominal rest at 0 mV).
//!
//! # Equations
//! ```text
//! tau_v · dv/dt = j·R − g_Na·m³·h·(v − v_Na) − g_K·n⁴·(v − v_K) − g_L·(v − v_L)
//!         dx/dt = a_x(v)·(1 − x) − b_x(v)·x            for the gates x = n, m, h
//! a_n = 0.01·((10 − v)/(exp((10 − v)/10) − 1))  b_n = 0.125·exp(−v/80)
//! a_m = 0.1·((25 − v)/(exp((25 − v)/10) − 1))   b_m = 4·exp(−v/18)
//! a_h = 0.07·exp(−v/20)                        b_h = 1/(exp((30 − v)/10) + 1)
//! spike: s = [v > thr]  (a level, see the quirks)
//! ```
//! One step: the six rates are computed **once** from the old v; v is integrated with the old
//! gates frozen, each gate with its rates frozen (Euler, midpoint or rk4, per variable — not a
//! joint Runge–Kutta step of the 4-D system). With `spike_reset`, `v' = v1·(1 − s) + s·v_reset`
//! and each gate `x' = x1·(1 − s) + s·x_inf(v_reset)`, `x_inf = a_x/(a_x + b_x)`. Then
//! `tols' = (1 − s)·tols + s·t`.
//!
//! # Parameters
//! [`HodgkinHuxleyParams`] lists the parameters (ngclearn names, defaults, units, rules), and
//! [`HodgkinHuxleyParams::classic`] gives the 1952 squid axon (g_Na = 120, g_K = 36, v_K = −12).
//!
//! # Compartments
//! [`LAYOUT`] lists them: `j` (input), `v`, `n`, `m`, `h`, `s`, `tols`. **Construction sets all of them to 0, the
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
//! * The divisions by 10, 18, 20 and 80 are multiplications by the float32 reciprocals, and
//!   `a_n`, `a_m` are `scale·(x/(exp(x/10) − 1))` in that order: what XLA compiles
//!   ngclearn's jit-compiled rates to (see [`crate::cells`]). With XLA's own `exp` held equal,
//!   this reproduces 96.8 % of the golden Euler trace's one-step `m` updates bit for bit, where
//!   `(scale·x)/…` with true divisions reproduced 88.9 % (`scripts/reference_arithmetic.py`).
//!
//! # Where spikegpu departs from the reference: no NaN from finite input
//! `a_n` is 0/0 at exactly v = 10 mV and `a_m` at exactly v = 25 mV (more precisely wherever
//! the float32 denominator `exp(x/10) − 1` is 0); ngclearn then produces NaN and the gate stays
//! NaN forever. spikegpu uses the analytic limits there, `a_n → 0.1` and `a_m → 1`. Wherever
//! the reference's denominator is non-zero the formula, and so the result, is unchanged.

use super::describe::{Tolerance, cell_params, describe_cell};
use super::{CellModel, StateView, StepInfo, cell_accessors, reset_if, spike_of, tols_of};
use crate::integrators::Integrator;

cell_params! {
    /// `HodgkinHuxleyCell`'s constructor parameters, with ngclearn's names; see the
    /// [module docs](self).
    pub struct HodgkinHuxleyParams, with_tau_v(tau_v) {
        tau_v: f32 [required] "ms" positive, "Membrane time constant, C_m.";
        resist_m: f32 [1.0] "—" finite, "Input resistance.";
        v_Na: f32 [115.0] "mV" finite, "Sodium reversal.";
        v_K: f32 [-35.0] "mV" finite, "Potassium reversal (classic: −12).";
        v_L: f32 [10.6] "mV" finite, "Leak reversal.";
        g_Na: f32 [100.0] "mS/cm²" finite, "Sodium conductance (classic: 120).";
        g_K: f32 [5.0] "mS/cm²" finite, "Potassium conductance (classic: 36).";
        g_L: f32 [0.3] "mS/cm²" finite, "Leak conductance.";
        thr: f32 [4.0] "mV" finite, "Spike level threshold.";
        spike_reset: bool [false] "—" any, "Reset v and gates after a spike.";
        v_reset: f32 [0.0] "mV" finite, "v after a spike (with `spike_reset`).";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler`, `midpoint`/`rk2` or `rk4`.";
    }
}

describe_cell! {
    /// A validated Hodgkin–Huxley cell model.
    HodgkinHuxleyCell(c) = "HodgkinHuxleyCell"(HodgkinHuxleyParams) {
        key: "hodgkin_huxley", kernel: "hodgkin_huxley", elementwise: true,
        derived(p) {
            inv_tau_v: f32 = 1.0 / p.tau_v,
            /// Steady-state gates at `v_reset` (the spike reset of the gates).
            gates_at_reset: [f32; 3] = steady_state(p.v_reset),
        }
        integrators: [Euler, Midpoint, Rk4],
        variants(integration_type): [false, true].map(|spike_reset| HodgkinHuxleyParams {
            integration_type,
            spike_reset,
            v_reset: -2.0,
            ..HodgkinHuxleyParams::with_tau_v(1.0)
        }),
        tags { spike_reset: c.p.spike_reset }
        // Six `exp` per step, amplified by the stiff upstroke (the README's tolerance).
        // (`crate::math::exp` on both sides; on software adapters every integrator is bitwise,
        // RK4 with the gate derivative multiplied by `one` from the uniform block, see
        // hodgkin_huxley.wgsl.)
        tolerance: Tolerance { trace: 1e-3, gpu: Some(1e-3), software_bitwise: true, upstroke: None },
        check_dt: 0.01,
        compartments: {
            j: Input = 0.0, range (0.0, 20.0), "input current (µA/cm², multiplied by resist_m)";
            v: State = 0.0, range (-15.0, 100.0), "membrane voltage relative to rest (mV)";
            n: State = 0.0, reset Some(steady_state(0.0)[0]), range (0.0, 1.0), "potassium activation gate";
            m: State = 0.0, reset Some(steady_state(0.0)[1]), range (0.0, 1.0), "sodium activation gate";
            h: State = 0.0, reset Some(steady_state(0.0)[2]), range (0.0, 1.0), "sodium inactivation gate";
            s: Spike = 0.0, range (0.0, 0.0), "spikes, a level while v > thr (0/1)";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
        }
        uniform HodgkinHuxleyParams {
            resist_m: c.p.resist_m,
            inv_tau_v: c.inv_tau_v,
            v_na: c.p.v_Na,
            v_k: c.p.v_K,
            v_l: c.p.v_L,
            g_na: c.p.g_Na,
            g_k: c.p.g_K,
            g_l: c.p.g_L,
            thr: c.p.thr,
            v_reset: c.p.v_reset,
            n_reset: c.gates_at_reset[0],
            m_reset: c.gates_at_reset[1],
            h_reset: c.gates_at_reset[2],
            one: 1.0,
        }
        overrides {
            INTEGRATOR: u32 = c.p.integration_type.code(),
            SPIKE_RESET: bool = c.p.spike_reset,
        }
        scratch: none
    }
}

/// `1/10`, `1/18`, `1/20` and `1/80` in float32: ngclearn's rates divide by these constants
/// in jit-compiled code, where XLA replaces `x / c` with `x · f32(1/c)` (checked on its
/// optimised HLO), so this is the reference's arithmetic, and a multiplication is several
/// times cheaper than a division. WGSL: `HH_INV_10` and the others, the same floats.
const INV_10: f32 = 1.0 / 10.0;
const INV_18: f32 = 1.0 / 18.0;
const INV_20: f32 = 1.0 / 20.0;
const INV_80: f32 = 1.0 / 80.0;

// The WGSL twins are f32 literals, with these bits.
const _: () = assert!(
    INV_10.to_bits() == 0x3dcc_cccd
        && INV_18.to_bits() == 0x3d63_8e39
        && INV_20.to_bits() == 0x3d4c_cccd
        && INV_80.to_bits() == 0x3c4c_cccd
);

/// `scale · (x/(exp(x/10) − 1))` (the reference's order), with its limit `10·scale` where the
/// float32 denominator is 0 (at x = 0 the reference's 0/0). WGSL: `hh_ratio`.
#[inline(always)]
fn ratio(scale: f32, x: f32) -> f32 {
    let denominator = crate::math::exp(x * INV_10) - 1.0;
    if denominator == 0.0 {
        scale * 10.0
    } else {
        scale * (x / denominator)
    }
}

/// The six rates `[a_n, b_n, a_m, b_m, a_h, b_h]` at voltage `v`. WGSL: the rates in
/// `cell_advance`.
#[inline(always)]
pub fn rates(v: f32) -> [f32; 6] {
    [
        ratio(0.01, 10.0 - v),
        0.125 * crate::math::exp(-v * INV_80),
        ratio(0.1, 25.0 - v),
        4.0 * crate::math::exp(-v * INV_18),
        0.07 * crate::math::exp(-v * INV_20),
        1.0 / (crate::math::exp((30.0 - v) * INV_10) + 1.0),
    ]
}

/// Steady states `[n_inf, m_inf, h_inf]` at voltage `v`.
pub fn steady_state(v: f32) -> [f32; 3] {
    let r = rates(v);
    [r[0] / (r[0] + r[1]), r[2] / (r[2] + r[3]), r[4] / (r[4] + r[5])]
}

impl HodgkinHuxleyParams {

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

impl HodgkinHuxleyCell {
    /// `dv/dt` with the gates frozen. WGSL twin: `cell_dxdt`'s `HH_V` branch.
    #[inline(always)]
    fn dvdt(&self, v: f32, j_r: f32, n: f32, m: f32, h: f32) -> f32 {
        let p = &self.p;
        let m3 = m * m * m;
        let n4 = n * n * n * n;
        (j_r - p.g_Na * m3 * h * (v - p.v_Na) - p.g_K * n4 * (v - p.v_K) - p.g_L * (v - p.v_L)) * self.inv_tau_v
    }
}

impl HodgkinHuxleyCell {
    /// The step over plain slices (which then cannot alias, so the loop vectorises); `method`
    /// is a constant in each copy ([`super::unswitched`]).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn step_slices(
        &self,
        step: &StepInfo,
        method: Integrator,
        j: &[f32],
        v: &mut [f32],
        n: &mut [f32],
        m: &mut [f32],
        h: &mut [f32],
        s: &mut [f32],
        tols: &mut [f32],
    ) {
        let p = &self.p;
        let len = j.len();
        let (v, n, m, h, s, tols) = (
            &mut v[..len],
            &mut n[..len],
            &mut m[..len],
            &mut h[..len],
            &mut s[..len],
            &mut tols[..len],
        );
        let (resist_m, thr, spike_reset, v_reset, t) = (p.resist_m, p.thr, p.spike_reset, p.v_reset, step.t);
        let [n_r, m_r, h_r] = self.gates_at_reset;
        for i in 0..len {
            let j_r = j[i] * resist_m;
            let (v_old, n_old, m_old, h_old) = (v[i], n[i], m[i], h[i]);
            let [an, bn, am, bm, ah, bh] = rates(v_old);
            let v1 = step.integrate(method, v_old, |x| self.dvdt(x, j_r, n_old, m_old, h_old));
            let gate = |x0: f32, a: f32, b: f32| step.integrate(method, x0, |x| a * (1.0 - x) - b * x);
            let (n1, m1, h1) = (gate(n_old, an, bn), gate(m_old, am, bm), gate(h_old, ah, bh));
            let spike = spike_of(v1, thr);
            v[i] = reset_if(spike_reset, v1, spike, v_reset);
            n[i] = reset_if(spike_reset, n1, spike, n_r);
            m[i] = reset_if(spike_reset, m1, spike, m_r);
            h[i] = reset_if(spike_reset, h1, spike, h_r);
            s[i] = spike;
            tols[i] = tols_of(tols[i], spike, t);
        }
    }
}

impl CellModel for HodgkinHuxleyCell {
    cell_accessors!();

    // Twin: shaders/cells/hodgkin_huxley.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let method = p.integration_type;
        let [j, v, n, m, h, s, tols] = &mut state.values[..] else {
            unreachable!("HodgkinHuxleyCell states are built with its 7 compartments")
        };
        super::unswitched(
            method,
            #[inline(always)]
            |method| self.step_slices(step, method, j, v, n, m, h, s, tols),
        );
    }
}
