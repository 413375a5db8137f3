//! `IzhikevichCell`: ngclearn 3.2.3's Izhikevich (2003) "simple model" cell.
//!
//! # Equations
//! ```text
//! tau_m · dv/dt = 0.04·v² + 5·v + 140 − w + j·resist_m
//!         dw/dt = (b·v − w)/tau_w                  (a = 1/tau_w, b = coupling_factor)
//! spike (tested on the voltage from BEFORE the step): s = [v_old > v_thr]
//! reset: v = v_reset (c),  w = w_old + w_reset (d)
//! ```
//! One step: `s = [v_old > v_thr]`; v and w each integrated with the *old* value of the other
//! (Euler or midpoint, per variable); `v' = v1·(1 − s) + s·v_reset`;
//! `w' = w1·(1 − s) + s·(w_old + w_reset)`; `tols' = (1 − s)·tols + s·t`.
//!
//! # Parameters and compartments
//! [`IzhikevichParams`] lists the parameters (ngclearn names, defaults, units, rules; `tau_w` is
//! Izhikevich's 1/a, `coupling_factor` his b, `v_reset` c and `w_reset` d), [`LAYOUT`] the
//! compartments with their initial values; `reset()` restores all of them.
//!
//! # Presets
//! [`IzhikevichPreset`] gives Izhikevich's (2003, Fig. 2) neuron classes through these
//! parameters (`w0 = b·v0`):
//!
//! | preset | a (1/tau_w) | b | c (v_reset) | d (w_reset) | under constant input |
//! |---|---|---|---|---|---|
//! | regular spiking (RS, ngclearn's default) | 0.02 | 0.2 | −65 | 8 | tonic spikes, adapting |
//! | intrinsically bursting (IB) | 0.02 | 0.2 | −55 | 4 | an initial burst, then tonic spikes |
//! | chattering (CH) | 0.02 | 0.2 | −50 | 2 | repeated fast bursts |
//! | fast spiking (FS) | 0.1 | 0.2 | −65 | 2 | fast tonic spikes, little adaptation |
//! | low-threshold spiking (LTS) | 0.02 | 0.25 | −65 | 2 | fast spikes with adaptation |
//! | resonator (RZ) | 0.1 | 0.26 | −65 | 2 | damped subthreshold oscillations |
//!
//! # Quirks of the reference, reproduced
//! * The spike is tested on the voltage from before the step, so it is reported **one step
//!   after** the crossing; the stored `v` exceeds `v_thr` for one step (e.g. 36 mV).
//! * `w_reset` is documented as the "recovery value to reset to"; it is an increment (d), added
//!   to the *old* w (the integrated w of that step is discarded).
//! * `tau_m` divides the whole polynomial; with `tau_m ≠ 1` time is rescaled non-standardly.
//! * ngclearn fixes the batch to 1; spikegpu allows any batch.
//! * The fast upstroke amplifies float32 rounding: implementations agree on spike trains but
//!   differ in v by up to ~2 % in the 1–3 steps before a spike.

use super::describe::{Tolerance, Upstroke, cell_params, describe_cell};
use super::{CellModel, StateView, StepInfo, cell_accessors, reset_to, spike_of, step_voltage_recovery};
use crate::integrators::Integrator;

cell_params! {
    /// `IzhikevichCell`'s constructor parameters, with ngclearn's names; see the
    /// [module docs](self).
    pub struct IzhikevichParams (default) {
        tau_m: f32 [1.0] "ms" positive, "Divides the whole voltage polynomial.";
        resist_m: f32 [1.0] "—" finite, "Input resistance.";
        v_thr: f32 [30.0] "mV" finite, "Spike peak.";
        v_reset: f32 [-65.0] "mV" finite, "Voltage after a spike (c).";
        tau_w: f32 [50.0] "ms" positive, "Recovery time constant, 1/a.";
        w_reset: f32 [8.0] "—" finite, "Recovery increment after a spike (d).";
        coupling_factor: f32 [0.2] "—" finite, "Recovery sensitivity (b).";
        v0: f32 [-65.0] "mV" finite, "Initial and reset v.";
        w0: f32 [-14.0] "—" finite, "Initial and reset w.";
        integration_type: Integrator [Integrator::Euler] "—" any, "`euler` or `midpoint`/`rk2`.";
    }
}

describe_cell! {
    /// A validated Izhikevich cell model.
    IzhikevichCell(c) = "IzhikevichCell"(IzhikevichParams) {
        key: "izhikevich", kernel: "izhikevich", elementwise: true,
        derived(p) { inv_tau_m: f32 = 1.0 / p.tau_m, inv_tau_w: f32 = 1.0 / p.tau_w }
        integrators: [Euler, Midpoint],
        variants(integration_type): [IzhikevichParams {
            integration_type,
            ..IzhikevichParams::default()
        }],
        tags {}
        // The README's tolerances: 5e-2 in the 1–3 steps of a spike upstroke (v > 0 mV before the
        // spike), where the quadratic term amplifies rounding, 2e-2 elsewhere (bursting and
        // chattering drift below 0 mV too). On the GPU, contracted multiply-adds differ by single
        // ulps that the upstroke amplifies; on software adapters (no contraction) the step is
        // bitwise, with its coefficients and `·one` from the uniform block (see `QUAD`).
        tolerance: Tolerance {
            trace: 2e-2,
            gpu: Some(1e-3),
            software_bitwise: true,
            upstroke: Some(Upstroke { compartment: "v", above: 0.0, tolerance: 5e-2 }),
        },
        compartments: {
            j: Input = 0.0, range (0.0, 20.0), "input current (multiplied by resist_m)";
            v: State = c.p.v0, range (-75.0, 35.0), "membrane voltage (mV)";
            w: State = c.p.w0, range (-16.0, 0.0), "recovery variable (u in Izhikevich's notation)";
            s: Spike = 0.0, range (0.0, 0.0), "spikes (0/1), one step after the crossing";
            tols: Output = 0.0, range (0.0, 10.0), "time of last spike (ms)";
        }
        uniform IzhikevichParams {
            resist_m: c.p.resist_m,
            inv_tau_m: c.inv_tau_m,
            inv_tau_w: c.inv_tau_w,
            v_thr: c.p.v_thr,
            v_reset: c.p.v_reset,
            w_reset: c.p.w_reset,
            b: c.p.coupling_factor,
            quad: QUAD,
            lin: LIN,
            offset: OFFSET,
            one: 1.0,
        }
        overrides {
            INTEGRATOR: u32 = c.p.integration_type.code(),
        }
        scratch: none
    }
}

/// Izhikevich's (2003) neuron classes; see the [module docs](self).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IzhikevichPreset {
    /// Regular spiking (ngclearn's defaults, apart from w0 = b·v0).
    RegularSpiking,
    /// Intrinsically bursting.
    IntrinsicallyBursting,
    /// Chattering.
    Chattering,
    /// Fast spiking.
    FastSpiking,
    /// Low-threshold spiking.
    LowThresholdSpiking,
    /// Resonator.
    Resonator,
}

impl IzhikevichPreset {
    /// All six presets.
    pub const ALL: [IzhikevichPreset; 6] = [
        IzhikevichPreset::RegularSpiking,
        IzhikevichPreset::IntrinsicallyBursting,
        IzhikevichPreset::Chattering,
        IzhikevichPreset::FastSpiking,
        IzhikevichPreset::LowThresholdSpiking,
        IzhikevichPreset::Resonator,
    ];

    /// Izhikevich's `(a, b, c, d)`.
    pub fn abcd(self) -> (f32, f32, f32, f32) {
        match self {
            IzhikevichPreset::RegularSpiking => (0.02, 0.2, -65.0, 8.0),
            IzhikevichPreset::IntrinsicallyBursting => (0.02, 0.2, -55.0, 4.0),
            IzhikevichPreset::Chattering => (0.02, 0.2, -50.0, 2.0),
            IzhikevichPreset::FastSpiking => (0.1, 0.2, -65.0, 2.0),
            IzhikevichPreset::LowThresholdSpiking => (0.02, 0.25, -65.0, 2.0),
            IzhikevichPreset::Resonator => (0.1, 0.26, -65.0, 2.0),
        }
    }

    /// The short name (`RS`, `IB`, `CH`, `FS`, `LTS`, `RZ`).
    pub fn short_name(self) -> &'static str {
        match self {
            IzhikevichPreset::RegularSpiking => "RS",
            IzhikevichPreset::IntrinsicallyBursting => "IB",
            IzhikevichPreset::Chattering => "CH",
            IzhikevichPreset::FastSpiking => "FS",
            IzhikevichPreset::LowThresholdSpiking => "LTS",
            IzhikevichPreset::Resonator => "RZ",
        }
    }
}

impl IzhikevichParams {
    /// The parameters of one of Izhikevich's neuron classes (other fields: ngclearn's
    /// defaults; `w0 = b·v0`, the model's rest for zero input).
    pub fn preset(preset: IzhikevichPreset) -> IzhikevichParams {
        let (a, b, c, d) = preset.abcd();
        let d0 = IzhikevichParams::default();
        IzhikevichParams {
            tau_w: 1.0 / a,
            coupling_factor: b,
            v_reset: c,
            w_reset: d,
            w0: b * d0.v0,
            ..d0
        }
    }
}

/// The model's fixed coefficients `0.04·v² + 5·v + 140`. The GPU reads them from the uniform
/// block rather than as literals, and multiplies `0.04·v² + 5·v` by `one` (1.0, also from the
/// uniform block) before adding the rest: Mesa turns `(x·x)·0.04` into `x·(x·0.04)` and a sum
/// of two products plus a third term `(a·b + c·d) + e` into `(a·b + e) + c·d`, which changes
/// the last bit; with no literal and no visible sum of products, no rule matches
/// (docs/PORTABILITY.md).
const QUAD: f32 = 0.04;
const LIN: f32 = 5.0;
const OFFSET: f32 = 140.0;

impl CellModel for IzhikevichCell {
    cell_accessors!();

    // Twin: shaders/cells/izhikevich.wgsl `step`.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let p = &self.p;
        let method = p.integration_type;
        step_voltage_recovery(state, step.t, method, "IzhikevichCell", #[inline(always)] |method, j, v_old, w_old| {
            let j_r = j * p.resist_m;
            // The spike test uses the voltage from before the step.
            let spike = spike_of(v_old, p.v_thr);
            let v1 = step.integrate(method, v_old, |x| {
                (x * x * QUAD + x * LIN + OFFSET - w_old + j_r) * self.inv_tau_m
            });
            let w1 = step.integrate(method, w_old, |x| (v_old * p.coupling_factor - x) * self.inv_tau_w);
            (reset_to(v1, spike, p.v_reset), reset_to(w1, spike, w_old + p.w_reset), spike)
        });
    }
}
