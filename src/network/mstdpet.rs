//! ngclearn 3.2.3's `MSTDPETSynapse`: reward-modulated trace STDP with an eligibility trace
//! (Florian 2007), as `ngclearn/components/synapses/modulated/MSTDPETSynapse.py` computes it.
//! WGSL twin: `shaders/network/mstdpet.wgsl`.
//!
//! # `evolve(dt)` (in ngclearn's order; W, dWeights, eligibility the values before the call)
//! ```text
//! tau_elg > 0:  E = ((eligibility · f32(exp(−dt·f32(1/tau_elg)))) · elg_decay) + dWeights · f32(1/tau_elg)
//! otherwise:    E = dWeights                                  (M-STDP: no eligibility trace)
//! W' = W + ((E · modulator) · eta) · outmask  [− W · f32(1/tau_w)  when tau_w > 0]
//! dW = TraceSTDPSynapse's dW from the old W and this step's spikes and traces   (see [`super::stdp`])
//! weights = clip(W', 0, w_bound);  dWeights = dW;  eligibility = E
//! ```
//! So the STDP update of step k reaches the weights at step k + 1, through the eligibility.
//! The divisions by `tau_elg` are multiplications by its float32 reciprocal, as XLA compiles
//! ngclearn's `/ self.tau_elg` ([`crate::cells`]). The decay is the float32 `exp` of the float32
//! `−dt·f32(1/tau_elg)`, computed on the host once per run (both engines use that value).
//!
//! # Shapes and batch
//! `modulator` is a (batch_size, 1) compartment: ngclearn multiplies it into the
//! (N_pre, N_post) eligibility, which only broadcasts for batch 1 (B > 1 is a shape error there,
//! or silently multiplies row i of W by batch row i when B = N_pre). spikegpu therefore accepts
//! batch 1 only: the modulator is one value (a reward) per step, shape (1, 1), set by the
//! application between runs or streamed per step.
//!
//! # Parameters (besides DenseSynapse's `shape`, `weight_init`, `g_conduct_factor`, `p_conn`)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `A_plus` | — (required) | — | potentiation amplitude |
//! | `A_minus` | — (required) | — | depression amplitude (≤ 0: no depression term) |
//! | `eta` | 1 | — | learning rate (a constant) |
//! | `mu` | 0 | — | TraceSTDP weight-dependence exponent |
//! | `pretrace_target` | 0 | — | subtracted from the presynaptic trace |
//! | `tau_elg` | 0 | ms | eligibility time constant (0: M-STDP, no eligibility trace) |
//! | `elg_decay` | 1 | — | extra eligibility decay factor |
//! | `tau_w` | 0 | ms | weight decay `W · (1/tau_w)` per evolve (0: none) |
//! | `w_bound` | 1 | — | weights are clipped to [0, w_bound] |
//! | `weight_mask` | ones | — | multiplied into the drawn weights at construction only (ngclearn's evolve does not apply it) |
//! | `batch_size` | 1 | — | must be 1 |
//!
//! # Compartments
//! DenseSynapse's, then `preSpike`, `postSpike`, `preTrace`, `postTrace`, `dWeights`
//! (N_pre, N_post), `modulator` (1, 1), `eligibility` (N_pre, N_post), `outmask` (1, N_post).
//!
//! # ngclearn quirks reproduced
//! * The weights move by the *previous* step's STDP update (dWeights is computed after the
//!   weight change, from the old weights).
//! * `outmask` is zero after construction and one after `reset()` (no learning before the first
//!   reset); `modulator` and `eta` are not reset.
//! * The weight decay is `W · f32(1/tau_w)` with Python's double `1./tau_w` rounded once
//!   (TraceSTDPSynapse's `W / tau_w` compiles to `W · f32(1/f32(tau_w))`), and no weight mask
//!   is applied after the update.
//! * `p_conn` goes into `p_release_mean` (keep it 1).

use super::stdp::{StdpInputs, SynapseSet, TraceStdp};

/// The rule's constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Mstdpet {
    /// The inherited TraceSTDP constants (its `tau_w` is not used: see `inv_tau_w`).
    pub stdp: TraceStdp,
    /// Eligibility time constant (ms; 0: no eligibility trace).
    pub tau_elg: f32,
    /// Extra eligibility decay factor.
    pub elg_decay: f32,
    /// `f32(1/tau_w)` (a Python double division, rounded once); 0 without decay.
    pub inv_tau_w: f32,
}

/// What one MSTDP-ET `evolve` reads and writes besides the STDP inputs.
#[derive(Debug)]
pub struct ModulatedState<'a> {
    /// Weights (one per synapse).
    pub weights: &'a mut [f32],
    /// Last STDP update (one per synapse): read, then overwritten.
    pub d_weights: &'a mut [f32],
    /// Eligibility (one per synapse).
    pub eligibility: &'a mut [f32],
    /// The modulator (1 value, batch 1).
    pub modulator: f32,
    /// (1, N_post).
    pub outmask: &'a [f32],
}

impl Mstdpet {
    /// Checks the constants; the problem when one is bad.
    pub fn check(&self) -> Option<String> {
        let s = &self.stdp;
        let values = [
            s.a_plus,
            s.a_minus,
            s.eta,
            s.mu,
            s.pretrace_target,
            s.w_bound,
            s.tau_w,
            self.tau_elg,
            self.elg_decay,
        ];
        if values.iter().any(|x| !x.is_finite()) {
            return Some("MSTDPETSynapse constants must be finite".into());
        }
        if s.mu < 0.0 || s.tau_w < 0.0 || self.tau_elg < 0.0 || s.w_bound <= 0.0 {
            return Some(format!(
                "MSTDPETSynapse needs mu >= 0 (got {}), tau_w >= 0 (got {}), tau_elg >= 0 (got {}) and w_bound > 0 (got {})",
                s.mu, s.tau_w, self.tau_elg, s.w_bound
            ));
        }
        None
    }

    /// The eligibility decay factor for step `dt`: `f32(exp(−dt·f32(1/tau_elg)))` (0 when
    /// `tau_elg` is 0).
    pub fn decay(&self, dt: f32) -> f32 {
        if self.tau_elg > 0.0 {
            ((-dt) * super::reciprocal_of_constant(self.tau_elg)).exp()
        } else {
            0.0
        }
    }

    /// One `evolve` (batch 1) over the synapses of `set`, with the eligibility factor `decay`
    /// ([`Mstdpet::decay`]). Twin: `mstdpet.wgsl` `mstdpet_evolve`.
    pub fn evolve(
        &self,
        shape: (usize, usize),
        set: SynapseSet<'_>,
        decay: f32,
        inputs: &StdpInputs<'_>,
        st: ModulatedState<'_>,
    ) {
        let inv_tau_elg = super::reciprocal_of_constant(self.tau_elg);
        for k in 0..set.len(shape.0, shape.1) {
            let (i, j) = set.pair(k, shape.1);
            let w = st.weights[k];
            let old_dw = st.d_weights[k];
            let e = if self.tau_elg > 0.0 {
                ((st.eligibility[k] * decay) * self.elg_decay) + old_dw * inv_tau_elg
            } else {
                old_dw
            };
            let mut w_new = w + ((e * st.modulator) * self.stdp.eta) * st.outmask[j];
            if self.inv_tau_w > 0.0 {
                w_new -= w * self.inv_tau_w;
            }
            st.d_weights[k] = self.stdp.d_weight(1, shape.0, shape.1, (i, j), w, inputs);
            st.weights[k] = w_new.max(0.0).min(self.stdp.w_bound);
            st.eligibility[k] = e;
        }
    }
}
