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
//! W' = W + dW·eta;   tau_w > 0:  W' = W' − W·f32(1/tau_w)
//! weights  = where(weight_mask ≠ 0, clip(W', 0, w_bound), 0);   dWeights = dW
//! ```
//! ngclearn's `W / tau_w` is jit-compiled, and XLA multiplies by the float32 reciprocal of a
//! constant divisor ([`crate::cells`]); so does spikegpu. The `ᵀ@` products contract over the
//! batch (rows summed in ascending order). `^mu` is a float power (on the GPU WGSL's `pow`, not
//! correctly rounded: within the trace tolerances).
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
//! Every rule here and in [`super::exp_stdp`] / [`super::mstdpet`] updates a [`SynapseSet`]:
//! all pairs of a dense synapse, or the stored synapses of a sparse projection (the same
//! per-synapse update restricted to the existing synapses; the batch products still sum the
//! rows in ascending order, so a sparse projection learns exactly the weights a dense synapse
//! masked to the same connectivity learns there).
//!
//! Quirks reproduced: `p_conn` never sparsifies (ngclearn passes it into `p_release_mean`; use 1);
//! `reset()` zeroes the pre/post spikes and traces *through* the wiring, and keeps weights, gate
//! and delayed inputs.

/// `x^mu = exp(mu · log x)` for `x > 0` with [`crate::math`] (the same bits on the GPU), and 0
/// where `x <= 0` (weights stay in [0, w_bound], so the base is never negative). Within a few
/// ulp of the correctly rounded power for the rule's bases in (0, 1] and `mu` in (0, 1]: the
/// rounding of `mu · log x` is amplified by at most |mu · log x|. WGSL: `pow_mu`.
#[inline]
pub fn pow_mu(x: f32, mu: f32) -> f32 {
    if x <= 0.0 {
        0.0
    } else {
        crate::math::exp(mu * crate::math::log(x))
    }
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

impl TraceStdp {
    /// Checks the constants; the problem when one is bad.
    pub fn check(&self) -> Option<String> {
        let finite = [
            self.a_plus,
            self.a_minus,
            self.eta,
            self.mu,
            self.pretrace_target,
            self.w_bound,
            self.tau_w,
        ];
        if finite.iter().any(|x| !x.is_finite()) || self.mu < 0.0 || self.tau_w < 0.0 || self.w_bound <= 0.0 {
            return Some(format!(
                "STDP constants must be finite, mu and tau_w >= 0, w_bound > 0 (got mu {}, tau_w {}, w_bound {})",
                self.mu, self.tau_w, self.w_bound
            ));
        }
        None
    }

    /// `evolve()` for batch 1 and `mu = 0` (the Diehl & Cook case), row by row over contiguous
    /// weights: the same operations in the same order as the general loop, so the same bits.
    fn evolve_single_row(&self, n_pre: usize, n_post: usize, st: StdpState<'_>) {
        let post_plus: Vec<f32> = st.post_spike[..n_post].iter().map(|p| p * self.a_plus).collect();
        let trace_minus: Vec<f32> = st.post_trace[..n_post].iter().map(|p| p * self.a_minus).collect();
        let inv_tau_w = super::reciprocal_of_constant(self.tau_w);
        for i in 0..n_pre {
            let x_hat = st.pre_trace[i] - self.pretrace_target;
            let pre = st.pre_spike[i];
            let row = i * n_post..(i + 1) * n_post;
            let weights = &mut st.weights[row.clone()];
            let d_weights = &mut st.d_weights[row.clone()];
            let mask = &self.weight_mask[row];
            for j in 0..n_post {
                let w = weights[j];
                let pot = 0.0 + x_hat * post_plus[j];
                let dw = if self.a_minus > 0.0 {
                    pot + (-(0.0 + pre * trace_minus[j]))
                } else {
                    pot
                };
                let mut w_new = w + dw * self.eta;
                if self.tau_w > 0.0 {
                    w_new -= w * inv_tau_w;
                }
                weights[j] = if mask[j] != 0.0 {
                    w_new.max(0.0).min(self.w_bound)
                } else {
                    0.0
                };
                d_weights[j] = dw;
            }
        }
    }
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

/// Which synapses a rule updates: every (pre, post) pair of a dense matrix (weight `k` is pair
/// `(k / N_post, k % N_post)`), or the stored synapses of a sparse projection (weight `k` is
/// pair `(pre[k], post[k])`, in the projection's storage order). A sparse set is the same rule
/// restricted to existing synapses: the weights of absent pairs do not exist, so no mask applies.
#[derive(Debug, Clone, Copy)]
pub enum SynapseSet<'a> {
    /// All pairs.
    Dense,
    /// Stored pairs.
    Sparse {
        /// Presynaptic unit of each synapse.
        pre: &'a [u32],
        /// Postsynaptic unit of each synapse.
        post: &'a [u32],
    },
}

impl SynapseSet<'_> {
    /// Number of weights for shape (N_pre, N_post).
    pub fn len(&self, n_pre: usize, n_post: usize) -> usize {
        match self {
            SynapseSet::Dense => n_pre * n_post,
            SynapseSet::Sparse { pre, .. } => pre.len(),
        }
    }

    /// Whether the set has no synapse.
    pub fn is_empty(&self, n_pre: usize, n_post: usize) -> bool {
        self.len(n_pre, n_post) == 0
    }

    /// `(pre, post)` of weight `k`.
    #[inline]
    pub fn pair(&self, k: usize, n_post: usize) -> (usize, usize) {
        match self {
            SynapseSet::Dense => (k / n_post, k % n_post),
            SynapseSet::Sparse { pre, post } => (pre[k] as usize, post[k] as usize),
        }
    }

    /// The weight mask's value of weight `k` (`mask` is (N_pre, N_post); sparse sets: 1).
    #[inline]
    pub fn mask(&self, mask: &[f32], k: usize) -> f32 {
        match self {
            SynapseSet::Dense => mask[k],
            SynapseSet::Sparse { .. } => 1.0,
        }
    }
}

impl TraceStdp {
    /// `dW` of synapse (i, j) with old weight `w`: the batch-contracted products (rows in
    /// ascending order), then the weight dependence. Twin: `stdp_rule.wgsl` `trace_dw` and the
    /// contraction loops of `stdp.wgsl` / `mstdpet.wgsl`.
    #[inline]
    pub fn d_weight(
        &self,
        batch: usize,
        n_pre: usize,
        n_post: usize,
        (i, j): (usize, usize),
        w: f32,
        st: &StdpInputs<'_>,
    ) -> f32 {
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
        dw
    }

    /// One `evolve()` of an (N_pre, N_post) synapse with batch `batch`. Twin:
    /// `shaders/network/stdp.wgsl` `stdp_evolve`.
    pub fn evolve(&self, batch: usize, n_pre: usize, n_post: usize, st: StdpState<'_>) {
        self.evolve_set(batch, n_pre, n_post, SynapseSet::Dense, st);
    }

    /// [`TraceStdp::evolve`] over the synapses of `set`.
    pub fn evolve_set(&self, batch: usize, n_pre: usize, n_post: usize, set: SynapseSet<'_>, st: StdpState<'_>) {
        if batch == 1 && self.mu == 0.0 && matches!(set, SynapseSet::Dense) {
            return self.evolve_single_row(n_pre, n_post, st);
        }
        let StdpState {
            weights,
            d_weights,
            pre_spike,
            post_spike,
            pre_trace,
            post_trace,
        } = st;
        let inputs = StdpInputs {
            pre_spike,
            post_spike,
            pre_trace,
            post_trace,
        };
        let inv_tau_w = super::reciprocal_of_constant(self.tau_w);
        for k in 0..set.len(n_pre, n_post) {
            let w = weights[k];
            let dw = self.d_weight(batch, n_pre, n_post, set.pair(k, n_post), w, &inputs);
            let mut w_new = w + dw * self.eta;
            if self.tau_w > 0.0 {
                w_new -= w * inv_tau_w;
            }
            weights[k] = if set.mask(&self.weight_mask, k) != 0.0 {
                w_new.max(0.0).min(self.w_bound)
            } else {
                0.0
            };
            d_weights[k] = dw;
        }
    }
}

/// The spikes and traces a trace-based rule reads: (B, N_pre) and (B, N_post).
#[derive(Debug, Clone, Copy)]
pub struct StdpInputs<'a> {
    /// (B, N_pre).
    pub pre_spike: &'a [f32],
    /// (B, N_post).
    pub post_spike: &'a [f32],
    /// (B, N_pre).
    pub pre_trace: &'a [f32],
    /// (B, N_post).
    pub post_trace: &'a [f32],
}

/// ngclearn 3.2.3's `EventSTDPSynapse` rule (README §4.7), batch 1 only (as ngclearn):
/// ```text
/// m   = [pre_tols > 0]                               (a spike at t = 0, tols 0, is ignored)
/// pre = [(t − presyn_win_len) < pre_tols]·m          presyn_win_len > 0
///       [pre_tols == t]·m                            otherwise
/// l   = f32(1 + lmbda)
/// dW  = where(pre_i ≠ 0, (w_bound − W·l)·A_plus, (−W·l)·A_minus) · postSpike_j
/// weights = clip(W + dW·eta, 0.01, w_bound);  dWeights = dW
/// ```
/// `eta` is a (1, 1) compartment. No weight decay (ngclearn has none here). WGSL twin:
/// `shaders/network/event_stdp.wgsl`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventStdp {
    /// Learning rate (the initial value of the `eta` compartment).
    pub eta: f32,
    /// `f32(1 + lmbda)`.
    pub one_plus_lmbda: f32,
    /// Potentiation scale.
    pub a_plus: f32,
    /// Depression scale.
    pub a_minus: f32,
    /// Presynaptic window (ms); 0: only a spike at exactly t counts.
    pub presyn_win_len: f32,
    /// Upper weight bound.
    pub w_bound: f32,
}

impl EventStdp {
    /// Checks the constants; the problem when one is bad.
    pub fn check(&self) -> Option<String> {
        let values = [
            self.eta,
            self.one_plus_lmbda,
            self.a_plus,
            self.a_minus,
            self.presyn_win_len,
            self.w_bound,
        ];
        if values.iter().any(|x| !x.is_finite()) || self.presyn_win_len < 0.0 || self.w_bound <= 0.01 {
            return Some(format!(
                "EventSTDP constants must be finite, presyn_win_len >= 0, w_bound > 0.01 (got presyn_win_len {}, w_bound {})",
                self.presyn_win_len, self.w_bound
            ));
        }
        None
    }

    /// One `evolve(t)` of an (N_pre, N_post) synapse (batch 1) over the synapses of `set`.
    /// Twin: `event_evolve`.
    #[allow(clippy::too_many_arguments)]
    pub fn evolve(
        &self,
        t: f32,
        (n_pre, n_post): (usize, usize),
        set: SynapseSet<'_>,
        eta: f32,
        pre_tols: &[f32],
        post_spike: &[f32],
        weights: &mut [f32],
        d_weights: &mut [f32],
    ) {
        for k in 0..set.len(n_pre, n_post) {
            let (i, j) = set.pair(k, n_post);
            let tols = pre_tols[i];
            let m = if tols > 0.0 { 1.0f32 } else { 0.0 };
            let hit = if self.presyn_win_len > 0.0 {
                (t - self.presyn_win_len) < tols
            } else {
                tols == t
            };
            let pre = if hit { 1.0f32 } else { 0.0 } * m;
            let w = weights[k];
            let shift = if pre != 0.0 {
                (self.w_bound - w * self.one_plus_lmbda) * self.a_plus
            } else {
                (-w * self.one_plus_lmbda) * self.a_minus
            };
            let dw = shift * post_spike[j];
            weights[k] = (w + dw * eta).max(0.01).min(self.w_bound);
            d_weights[k] = dw;
        }
    }
}
