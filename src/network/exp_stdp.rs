//! ngclearn 3.2.3's `ExpSTDPSynapse` learning rule: trace-based STDP with an exponential weight
//! dependence (Nessler et al. 2013; Diehl & Cook 2015, eq. 4), as
//! `ngclearn/components/synapses/hebbian/expSTDPSynapse.py` computes it.
//! WGSL twin: `shaders/network/exp_stdp.wgsl`.
//!
//! # `evolve()` (W the weights before the update; products contract over the batch)
//! ```text
//! e₁ = exp(f32(−exp_beta) · W)                e₂ = exp(f32(−exp_beta) · (w_bound − W))
//! dW = ((e₁ · (preTraceᵀ @ postSpike)) − (e₂ · (x_tarᵀ @ postSpike))) · A_plus
//! A_minus > 0:  dW = dW + ((−e₁) · (preSpikeᵀ @ postTrace)) · A_minus
//! W' = clip(W + dW · eta, 0.01, f32(w_bound − 0.01))
//! weights = where(weight_mask ≠ 0, W', 0);   dWeights = dW
//! ```
//! `x_tar` is `pretrace_target` broadcast to the batch (`x_tarᵀ @ postSpike` sums
//! `pretrace_target · postSpike` over the rows). `exp` is float32 (on the GPU WGSL's `exp`, not
//! correctly rounded: within the tolerances of `tests/data/ExpSTDPSynapse_*.json`).
//!
//! # Parameters (besides DenseSynapse's `shape`, `weight_init`, `g_conduct_factor`, `p_conn`, `batch_size`)
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `A_plus` | — (required) | — | potentiation amplitude |
//! | `A_minus` | — (required) | — | depression amplitude (≤ 0: no depression term) |
//! | `exp_beta` | — (required) | 1/weight | strength of the exponential weight dependence |
//! | `eta` | 1 | — | learning rate: the initial value of the (1, 1) `eta` compartment |
//! | `pretrace_target` | 0 | — | `x_tar`, the presynaptic trace target |
//! | `w_bound` | 1 | — | weights are clipped to [0.01, w_bound − 0.01] (must exceed 0.02) |
//! | `tau_w` | 0 | ms | accepted and validated, **never applied** (ngclearn's quirk) |
//! | `weight_mask` | ones | — | fixed 0/1 (N_pre, N_post) mask: multiplied into the drawn weights, and masked weights stay 0 |
//!
//! # Compartments
//! DenseSynapse's (`inputs`, `outputs`, `weights`, `mask`, `biases`, `gate`, `delayed_inputs`),
//! then `preSpike`, `postSpike`, `preTrace`, `postTrace` (wired inputs, (B, N_pre) / (B, N_post)),
//! `dWeights` (N_pre, N_post) and `eta` (1, 1).
//!
//! # ngclearn quirks reproduced
//! * `tau_w` decay is computed and never applied (the decay term is commented out in `evolve`).
//! * `eta` is a (1, 1) compartment (TraceSTDPSynapse's is a constant).
//! * The clip is [0.01, w_bound − 0.01] (TraceSTDPSynapse clips to [0, w_bound]).
//! * `p_conn` goes into `p_release_mean` (keep it 1), as for TraceSTDPSynapse.
//! * `reset()` zeroes the spikes and traces through the wiring, as TraceSTDPSynapse's.

use super::stdp::{StdpInputs, SynapseSet};

/// The rule's constants.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpStdp {
    /// Potentiation amplitude.
    pub a_plus: f32,
    /// Depression amplitude.
    pub a_minus: f32,
    /// `f32(−exp_beta)`: ngclearn negates the Python float before it meets the weights.
    pub neg_exp_beta: f32,
    /// Initial learning rate (the `eta` compartment).
    pub eta: f32,
    /// Presynaptic trace target `x_tar`.
    pub pretrace_target: f32,
    /// `w_bound`.
    pub w_bound: f32,
    /// `f32(w_bound − 0.01)` (a Python double subtraction, rounded once).
    pub w_high: f32,
    /// `tau_w` as given (not applied: ngclearn's quirk).
    pub tau_w: f32,
    /// (N_pre, N_post) 0/1 mask of existing synapses.
    pub weight_mask: Vec<f32>,
}

impl ExpStdp {
    /// The rule from ngclearn's constructor values (`w_bound` and `exp_beta` as Python doubles).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        a_plus: f32,
        a_minus: f32,
        exp_beta: f64,
        eta: f32,
        pretrace_target: f32,
        w_bound: f64,
        tau_w: f32,
        weight_mask: Vec<f32>,
    ) -> ExpStdp {
        ExpStdp {
            a_plus,
            a_minus,
            neg_exp_beta: (-exp_beta) as f32,
            eta,
            pretrace_target,
            w_bound: w_bound as f32,
            w_high: (w_bound - 0.01) as f32,
            tau_w,
            weight_mask,
        }
    }

    /// Checks the constants; the problem when one is bad.
    pub fn check(&self) -> Option<String> {
        let values = [
            self.a_plus,
            self.a_minus,
            self.neg_exp_beta,
            self.eta,
            self.pretrace_target,
            self.w_bound,
            self.tau_w,
        ];
        if values.iter().any(|x| !x.is_finite()) {
            return Some("ExpSTDPSynapse constants (A_plus, A_minus, exp_beta, eta, pretrace_target, w_bound, tau_w) must be finite".into());
        }
        if self.w_high <= 0.01 {
            return Some(format!(
                "ExpSTDPSynapse clips weights to [0.01, w_bound − 0.01]: w_bound = {} must exceed 0.02",
                self.w_bound
            ));
        }
        if self.tau_w < 0.0 {
            return Some(format!("ExpSTDPSynapse tau_w = {} must be >= 0", self.tau_w));
        }
        None
    }

    /// `dW` of synapse (i, j) with old weight `w`. Twin: `exp_stdp.wgsl` `exp_evolve`.
    #[inline]
    pub fn d_weight(
        &self,
        batch: usize,
        (n_pre, n_post): (usize, usize),
        (i, j): (usize, usize),
        w: f32,
        st: &StdpInputs<'_>,
    ) -> f32 {
        let mut pot = 0.0f32;
        let mut tar = 0.0f32;
        let mut dep = 0.0f32;
        for b in 0..batch {
            let post = st.post_spike[b * n_post + j];
            pot += st.pre_trace[b * n_pre + i] * post;
            tar += self.pretrace_target * post;
            dep += st.pre_spike[b * n_pre + i] * st.post_trace[b * n_post + j];
        }
        let e1 = crate::math::exp(self.neg_exp_beta * w);
        let e2 = crate::math::exp(self.neg_exp_beta * (self.w_bound - w));
        let dw = (e1 * pot - e2 * tar) * self.a_plus;
        if self.a_minus > 0.0 {
            dw + ((-e1) * dep) * self.a_minus
        } else {
            dw
        }
    }

    /// One `evolve()` over the synapses of `set` with learning rate `eta` (the compartment).
    #[allow(clippy::too_many_arguments)]
    pub fn evolve(
        &self,
        batch: usize,
        shape: (usize, usize),
        set: SynapseSet<'_>,
        eta: f32,
        st: &StdpInputs<'_>,
        weights: &mut [f32],
        d_weights: &mut [f32],
    ) {
        for k in 0..set.len(shape.0, shape.1) {
            let w = weights[k];
            let dw = self.d_weight(batch, shape, set.pair(k, shape.1), w, st);
            let w_new = (w + dw * eta).max(0.01).min(self.w_high);
            weights[k] = if set.mask(&self.weight_mask, k) != 0.0 {
                w_new
            } else {
                0.0
            };
            d_weights[k] = dw;
        }
    }
}
