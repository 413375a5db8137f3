//! ngclearn 3.2.3's `TraceSTDPSynapse` learning rule (`conformance/network/README.md` §4.6): a
//! DenseSynapse whose `evolve()` changes its weights from pre/post spikes and traces.
//! WGSL twin: `shaders/network/stdp.wgsl`.
//!
//! # `evolve()` (W the weights before the update, x̂ = preTrace − pretrace_target)
//! ```text
//! mu > 0:  dW = ((w_bound − W)^mu · (x̂ᵀ @ postSpike)) · A_plus
//!          A_minus > 0:  dW = dW + (−(W^mu · (preSpikeᵀ @ postTrace)) · A_minus)
//! mu = 0:  dW = x̂ᵀ @ (postSpike · A_plus)
//!          A_minus > 0:  dW = dW + (−(preSpikeᵀ @ (postTrace · A_minus)))
//! W' = W + dW·eta;   tau_w > 0:  W' = W' − W/tau_w
//! weights  = where(weight_mask ≠ 0, clip(W', 0, w_bound), 0);   dWeights = dW
//! ```
//! The `ᵀ@` products contract over the batch (rows summed in ascending order). `^mu` is a float
//! power (on the GPU WGSL's `pow`, not correctly rounded: within the trace tolerances).
//!
//! # Parameters (besides DenseSynapse's)
//! | name | default | meaning |
//! |---|---|---|
//! | `A_plus` | — | potentiation amplitude |
//! | `A_minus` | — | depression amplitude |
//! | `eta` | 1 | learning rate |
//! | `mu` | 0 | weight-dependence exponent |
//! | `pretrace_target` | 0 | subtracted from the presynaptic trace |
//! | `w_bound` | 1 | upper weight bound (weights are clipped to [0, w_bound]) |
//! | `tau_w` | 0 | weight decay time constant (0: none) |
//! | `weight_mask` | ones | a fixed 0/1 mask of existing synapses (multiplied into the drawn weights) |
//!
//! Quirks reproduced: `p_conn` never sparsifies (ngclearn passes it into `p_release_mean`; use 1);
//! `reset()` zeroes the pre/post spikes and traces *through* the wiring, and keeps weights, gate
//! and delayed inputs.

/// `x^mu` for `mu > 0`, and 0 where `x <= 0` (weights stay in [0, w_bound], so the base is
/// never negative; the guard keeps `log2(0) = −inf` out of the GPU's `pow`). WGSL: `pow_mu`.
#[inline]
pub fn pow_mu(x: f32, mu: f32) -> f32 {
    if x <= 0.0 { 0.0 } else { x.powf(mu) }
}

/// The rule's constants.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceStdp {
    /// Potentiation amplitude.
    pub a_plus: f32,
    /// Depression amplitude.
    pub a_minus: f32,
    /// Learning rate.
    pub eta: f32,
    /// Weight-dependence exponent.
    pub mu: f32,
    /// Subtracted from the presynaptic trace.
    pub pretrace_target: f32,
    /// Upper weight bound.
    pub w_bound: f32,
    /// Weight decay time constant (0: none).
    pub tau_w: f32,
    /// (N_pre, N_post) 0/1 mask of existing synapses (all ones by default).
    pub weight_mask: Vec<f32>,
}

/// What one `evolve()` reads and writes.
#[derive(Debug)]
pub struct StdpState<'a> {
    /// (N_pre, N_post).
    pub weights: &'a mut [f32],
    /// (N_pre, N_post).
    pub d_weights: &'a mut [f32],
    /// (B, N_pre).
    pub pre_spike: &'a [f32],
    /// (B, N_post).
    pub post_spike: &'a [f32],
    /// (B, N_pre).
    pub pre_trace: &'a [f32],
    /// (B, N_post).
    pub post_trace: &'a [f32],
}

impl TraceStdp {
    /// One `evolve()` of an (N_pre, N_post) synapse with batch `batch`. Twin:
    /// `shaders/network/stdp.wgsl` `stdp_evolve`.
    pub fn evolve(&self, batch: usize, n_pre: usize, n_post: usize, st: StdpState<'_>) {
        for i in 0..n_pre {
            for j in 0..n_post {
                let k = i * n_post + j;
                let w = st.weights[k];
                // The batch-contracted products, rows in ascending order.
                let mut pot = 0.0f32;
                let mut dep = 0.0f32;
                for b in 0..batch {
                    let x_hat = st.pre_trace[b * n_pre + i] - self.pretrace_target;
                    if self.mu > 0.0 {
                        pot += x_hat * st.post_spike[b * n_post + j];
                        dep += st.pre_spike[b * n_pre + i] * st.post_trace[b * n_post + j];
                    } else {
                        pot += x_hat * (st.post_spike[b * n_post + j] * self.a_plus);
                        dep += st.pre_spike[b * n_pre + i] * (st.post_trace[b * n_post + j] * self.a_minus);
                    }
                }
                let mut dw = if self.mu > 0.0 {
                    (pow_mu(self.w_bound - w, self.mu) * pot) * self.a_plus
                } else {
                    pot
                };
                if self.a_minus > 0.0 {
                    dw = if self.mu > 0.0 {
                        dw + (-(pow_mu(w, self.mu) * dep) * self.a_minus)
                    } else {
                        dw + (-dep)
                    };
                }
                let mut w_new = w + dw * self.eta;
                if self.tau_w > 0.0 {
                    w_new -= w / self.tau_w;
                }
                st.weights[k] = if self.weight_mask[k] != 0.0 {
                    w_new.max(0.0).min(self.w_bound)
                } else {
                    0.0
                };
                st.d_weights[k] = dw;
            }
        }
    }
}
