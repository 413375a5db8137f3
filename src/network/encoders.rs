//! Input encoders: ngclearn 3.2.3's `PoissonCell` and `BernoulliCell`
//! (`conformance/network/README.md` §4.1–4.2). WGSL twin: `shaders/network/encoders.wgsl`.
//!
//! # Equations (one `advance_state(t, dt)`, shapes (B, N))
//! ```text
//! key, sub = split(key)                          every step, whatever the input
//! Poisson:   p = (inputs · (dt·f32(1/1000))) · target_freq   (p is not clipped: inputs > 1 raise the rate)
//!            outputs = [uniform(sub, (B, N)) < p]
//! Bernoulli: outputs = [uniform(sub, (B, N)) < inputs]     (inputs are probabilities)
//! tols = (1 − outputs)·tols + outputs·t
//! ```
//! `reset()` zeroes `outputs` and `tols`; **`inputs` and `key` are not reset** (ngclearn's
//! quirk, reproduced). Spikes are bit-exact with ngclearn for the same key on CPU and GPU: the
//! uniform draw is exact integer/bit arithmetic, `dt/1000` is computed once on the host.
//!
//! # Parameters
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `n_units` | — | — | encoder units N |
//! | `target_freq` | 63.75 | Hz | PoissonCell: rate for input 1 |
//! | `batch_size` | 1 | — | rows B |
//!
//! # Compartments
//! `inputs` (input: intensities / probabilities), `outputs` (spikes 0/1), `tols` (time of last
//! spike, ms), and the PRNG `key`.

use crate::cells::tols_of;
use crate::rng::Key;

/// Which encoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EncoderKind {
    /// `PoissonCell(target_freq)`: spike probability `inputs·dt/1000·target_freq` per step.
    Poisson {
        /// Rate (Hz) for an input of 1.
        target_freq: f32,
    },
    /// `BernoulliCell`: spike probability `inputs` per step.
    Bernoulli,
}

/// ngclearn's default `target_freq` (Hz).
pub const DEFAULT_TARGET_FREQ: f32 = 63.75;

/// Compartment indices of an encoder, in binding order.
pub mod slot {
    /// `inputs`.
    pub const INPUTS: usize = 0;
    /// `outputs`.
    pub const OUTPUTS: usize = 1;
    /// `tols`.
    pub const TOLS: usize = 2;
}

/// Compartment names, in [`slot`] order.
pub const COMPARTMENTS: [&str; 3] = ["inputs", "outputs", "tols"];

impl EncoderKind {
    /// The per-step probability factor the kernel multiplies `inputs` by, computed on the host
    /// in float32 as the reference does (`inputs·(dt·f32(1/1000))` first, then `·target_freq`;
    /// XLA compiles `dt / 1000.` to that multiplication):
    /// `(scale, freq)`; Bernoulli uses `inputs` unchanged.
    pub fn factors(self, dt: f32) -> (f32, f32) {
        match self {
            // `dt / 1000.` as XLA compiles it: dt·f32(1/1000).
            EncoderKind::Poisson { target_freq } => (dt * (1.0 / 1000.0), target_freq),
            EncoderKind::Bernoulli => (1.0, 1.0),
        }
    }

    /// One `advance_state` over (B, N) values. Twin: `shaders/network/encoders.wgsl`.
    pub fn advance(self, inputs: &[f32], outputs: &mut [f32], tols: &mut [f32], sub: Key, dt: f32, t: f32) {
        let poisson = matches!(self, EncoderKind::Poisson { .. });
        let (scale, freq) = self.factors(dt);
        for i in 0..inputs.len() {
            let u = sub.uniform01_at(i as u64);
            let p = if poisson { (inputs[i] * scale) * freq } else { inputs[i] };
            let s = if u < p { 1.0 } else { 0.0 };
            outputs[i] = s;
            tols[i] = tols_of(tols[i], s, t);
        }
    }
}
