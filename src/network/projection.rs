//! Projections: connectivity from one population's compartment (usually its spikes `s`) to
//! another's input, with synaptic dynamics and an axonal delay. WGSL twin:
//! `shaders/network/projection.wgsl`.
//!
//! # Connectivity kinds
//! | kind | storage | GPU cost per step | CPU cost per step |
//! |---|---|---|---|
//! | [`Connectivity::Dense`] | W, N_pre × N_post | N_pre × N_post | N_pre × N_post |
//! | [`Connectivity::OneToOne`] | w, N | N | N |
//! | [`Connectivity::Sparse`] | (pre, post, w) lists, by post and by pre | synapses | active pre × fan-out |
//! | [`Connectivity::Procedural`] | a key | N_pre + active pre × N_post | active pre × N_post |
//! | [`Connectivity::ProceduralFanOut`] | a key | event mode only: active pre × k | active pre × k |
//!
//! "Active" presynaptic units are those whose signal is non-zero this step (the spikes). In
//! event propagation ([`Propagation::Event`], opt-in per projection) the GPU's cost per step is
//! N_pre + N_post + active pre × fan-out for every kind (fan-out: N_post for dense and pairwise
//! procedural, k for fan-out), with integer sums on a fixed-point scale: see
//! [`super::event`].
//!
//! # Determinism
//! In gather mode (the default) every kind sums, for each postsynaptic unit, the terms `x_i · w_ij` of its presynaptic units
//! in ascending `i`, in float32, with no atomics: the GPU gathers per postsynaptic unit, the CPU
//! scatters the active presynaptic units in ascending order. Skipping a zero term changes no
//! bit (`acc + ±0 = acc`), so both give the same bits where the adapter does not contract
//! multiply-adds, and every run gives the same bits as the one before.
//!
//! # Dynamics (per postsynaptic element, `I = Σ_i x_i·w_ij` as above)
//! ```text
//! Instant:              outputs = I · scale
//! ExponentialCurrent:   i = i · f32(exp(−dt/tau)) + I · scale;  outputs = i
//! ```
//! `exp(−dt/tau)` is computed once on the host in double precision and rounded (so it is the
//! correctly rounded float32), as spikegpu does for every decay factor.
//!
//! # Plasticity
//! A sparse projection may carry a learning rule ([`Projection::rule`], built with
//! [`super::NetworkBuilder::plastic_rule`]): `evolve` updates its stored weights (the `weights`
//! compartment, by post) with the same per-synapse rule a dense synapse runs, one thread per
//! stored synapse on the GPU; absent synapses do not exist and stay absent. Both engines
//! propagate a plastic projection from that compartment (the CPU through `pre_slot`; a static
//! one from its contiguous `pre_w`), so learnt weights take effect in the next advance.
//!
//! # Delay
//! `delay = D` steps: the projection reads its source as it was `D` advances ago, through a ring
//! of D × B × N_pre values (ngclearn's DenseSynapse delay semantics with every index 0). With
//! ngclearn's default order (projections advance before populations) a projection already sees
//! the previous step's spikes, so the total latency is D + 1 steps.

pub use super::event::{FanOut, FixedPoint, Propagation};
use super::rules::Rule;
use crate::error::{Error, Result};
use crate::rng::Key;

/// How the presynaptic units connect to the postsynaptic ones.
#[derive(Debug, Clone, PartialEq)]
pub enum Connectivity {
    /// Every pair, weights `(N_pre, N_post)` row-major.
    Dense {
        /// The weights.
        weights: Vec<f32>,
    },
    /// Unit i to unit i (N_pre = N_post), one weight each.
    OneToOne {
        /// The weights.
        weights: Vec<f32>,
    },
    /// An explicit list of synapses.
    Sparse(SparseSynapses),
    /// Connections and weights regenerated from a key every step: O(1) memory.
    Procedural(Procedural),
    /// A fixed number of targets per presynaptic unit, regenerated from a key per spike: O(1)
    /// memory, cost ∝ spikes × k (see [`super::event`]).
    ProceduralFanOut(FanOut),
}

/// Synapses stored as lists, sorted two ways: by postsynaptic unit (the GPU gathers over these)
/// and by presynaptic unit (the CPU scatters over these).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SparseSynapses {
    /// `post_ptr[j]..post_ptr[j+1]` are the synapses onto post j, ascending pre.
    pub post_ptr: Vec<u32>,
    /// Presynaptic unit of each synapse, by post.
    pub post_pre: Vec<u32>,
    /// Weight of each synapse, by post.
    pub post_w: Vec<f32>,
    /// `pre_ptr[i]..pre_ptr[i+1]` are the synapses from pre i, ascending post.
    pub pre_ptr: Vec<u32>,
    /// Postsynaptic unit of each synapse, by pre.
    pub pre_post: Vec<u32>,
    /// Weight of each synapse, by pre.
    pub pre_w: Vec<f32>,
    /// Postsynaptic unit of each synapse, by post (with `post_pre`: the (pre, post) pair of each
    /// stored weight, what a learning rule updates).
    pub post_post: Vec<u32>,
    /// For each synapse by pre, its index in the by-post order: where its weight is stored (the
    /// `weights` compartment holds the weights by post; a learning rule changes them there).
    pub pre_slot: Vec<u32>,
}

/// Procedural connectivity (Knight & Nowotny 2021): synapse (i, j) exists when
/// `uniform(conn_key, i·N_post + j) < p`, and its weight is `weight`, or, with a range,
/// `max(low, low + u·(high − low))` for `u = uniform(weight_key, i·N_post + j)` (a separate
/// multiply and add: WGSL does not promise a fused one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Procedural {
    /// Connection probability.
    pub p: f32,
    /// The constant weight, or the low end of a uniform range.
    pub weight: f32,
    /// The high end of a uniform weight range (`None`: constant weight).
    pub weight_high: Option<f32>,
    /// The key connectivity is drawn from.
    pub conn_key: Key,
    /// The key weights are drawn from.
    pub weight_key: Key,
}

impl Procedural {
    /// Whether synapse (i, j) exists, and its weight. Twin: `projection.wgsl` `procedural_term`.
    #[inline]
    pub fn synapse(&self, i: usize, j: usize, n_post: usize) -> Option<f32> {
        let index = (i * n_post + j) as u64;
        if self.conn_key.uniform01_at(index) < self.p {
            Some(match self.weight_high {
                None => self.weight,
                Some(high) => {
                    let u = self.weight_key.uniform01_at(index);
                    self.weight.max(self.weight + u * (high - self.weight))
                }
            })
        } else {
            None
        }
    }
}

/// The synaptic dynamics of a projection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ProjectionDynamics {
    /// `outputs = I · scale` (ngclearn's DenseSynapse without bias or gate).
    Instant,
    /// An exponentially decaying current: `i = i·exp(−dt/tau) + I·scale` (Brette et al.'s CUBA
    /// synapses, GeNN's ExpCurr).
    ExponentialCurrent {
        /// Decay time constant (ms, > 0).
        tau: f32,
    },
    /// ngclearn's `ExponentialSynapse` in its conductance form, reading the target's voltage
    /// `v` (wired from the target population, as of the previous step):
    /// `g = g + ((−g)·f32(1/tau_decay) + (I·g_syn_bar)·(1/dt))·dt` (ngclearn's `/tau_decay` as XLA
    /// compiles it), `i = −(g·scale)·(v − syn_rest)`.
    Conductance {
        /// Conductance decay time constant (ms, > 0).
        tau_decay: f32,
        /// Conductance per unit of summed input.
        g_syn_bar: f32,
        /// Reversal potential (mV).
        syn_rest: f32,
    },
}

/// A validated projection between two layers.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Presynaptic units.
    pub n_pre: usize,
    /// Postsynaptic units.
    pub n_post: usize,
    /// Connectivity and weights.
    pub connectivity: Connectivity,
    /// Dynamics.
    pub dynamics: ProjectionDynamics,
    /// Output scale.
    pub scale: f32,
    /// Axonal delay in steps (0: none).
    pub delay: usize,
    /// A learning rule run by `evolve` on the stored synapses (sparse connectivity only): the
    /// same rule as on a dense synapse, restricted to the existing synapses
    /// ([`super::stdp::SynapseSet`]). Its compartments follow the projection's own.
    pub rule: Option<Rule>,
    /// Gather (exact float32 sums) or event-driven (fixed-point integer sums).
    pub propagation: Propagation,
}

/// Compartment names of a projection, in state order: `inputs`, `outputs`, `weights`, then
/// `i` (exponential current) or `g_syn` and `v` (conductance), and `input_delay_buffer`
/// (delay > 0).
pub mod names {
    /// The presynaptic signal (B, N_pre), usually wired from the source's spikes.
    pub const INPUTS: &str = "inputs";
    /// The postsynaptic contribution (B, N_post), summed into the target's input.
    pub const OUTPUTS: &str = "outputs";
    /// The stored weights (dense: N_pre × N_post; one-to-one: N; sparse: by post, or by pre in event
    /// mode; procedural: none).
    pub const WEIGHTS: &str = "weights";
    /// The synaptic current of an exponential-current projection (B, N_post).
    pub const CURRENT: &str = "i";
    /// The delay ring (D, B, N_pre).
    pub const DELAY_BUFFER: &str = "input_delay_buffer";
    /// The conductance of a conductance projection (B, N_post).
    pub const CONDUCTANCE: &str = "g_syn";
    /// The target's voltage a conductance projection reads (B, N_post), wired from the target.
    pub const VOLTAGE: &str = "v";
}

fn bad(part: &str, problem: impl Into<String>) -> Error {
    Error::Network {
        part: part.to_string(),
        problem: problem.into(),
    }
}

impl Projection {
    /// Checks shapes, weights and indices; `name` names the projection in errors.
    pub fn validate(&self, name: &str) -> Result<()> {
        let (pre, post) = (self.n_pre, self.n_post);
        if self.rule.is_some() && matches!(self.propagation, Propagation::Event(_)) {
            return Err(bad(
                name,
                "a learning rule needs gather propagation: event-driven projections store their weights by source unit, rules update them by target unit",
            ));
        }
        if !self.scale.is_finite() {
            return Err(bad(name, "the scale must be finite"));
        }
        if let ProjectionDynamics::ExponentialCurrent { tau } = self.dynamics
            && !(tau.is_finite() && tau > 0.0)
        {
            return Err(bad(name, format!("tau = {tau} must be positive and finite")));
        }
        if let ProjectionDynamics::Conductance {
            tau_decay,
            g_syn_bar,
            syn_rest,
        } = self.dynamics
            && !(tau_decay.is_finite() && tau_decay > 0.0 && g_syn_bar.is_finite() && syn_rest.is_finite())
        {
            return Err(bad(
                name,
                "a conductance needs tau_decay > 0 and finite g_syn_bar and syn_rest",
            ));
        }
        let finite = |w: &[f32]| -> Result<()> {
            match w.iter().position(|x| !x.is_finite()) {
                Some(i) => Err(bad(name, format!("weight {i} is {}: weights must be finite", w[i]))),
                None => Ok(()),
            }
        };
        if let Some(rule) = &self.rule
            && !matches!(self.connectivity, Connectivity::Sparse(_))
        {
            return Err(bad(
                name,
                format!(
                    "{} on a projection needs sparse connectivity (dense plastic connections are ngclearn-style synapses)",
                    rule.class()
                ),
            ));
        }
        match &self.connectivity {
            Connectivity::Dense { weights } => {
                if weights.len() != pre * post {
                    return Err(bad(
                        name,
                        format!(
                            "dense weights have {} values; the shape ({pre}, {post}) needs {}",
                            weights.len(),
                            pre * post
                        ),
                    ));
                }
                finite(weights)
            }
            Connectivity::OneToOne { weights } => {
                if pre != post {
                    return Err(bad(name, format!("one-to-one needs equal sizes, got {pre} → {post}")));
                }
                if weights.len() != pre {
                    return Err(bad(
                        name,
                        format!("one-to-one weights have {} values, {pre} needed", weights.len()),
                    ));
                }
                finite(weights)
            }
            Connectivity::Sparse(s) => {
                if s.post_ptr.len() != post + 1 || s.pre_ptr.len() != pre + 1 {
                    return Err(bad(name, "sparse index pointers do not match the shape"));
                }
                finite(&s.post_w)
            }
            Connectivity::Procedural(p) => {
                if !(0.0..=1.0).contains(&p.p) {
                    return Err(bad(name, format!("connection probability {} must be in [0, 1]", p.p)));
                }
                if !p.weight.is_finite() || p.weight_high.is_some_and(|h| !h.is_finite() || h < p.weight) {
                    return Err(bad(name, "procedural weights need a finite weight (and low <= high)"));
                }
                Ok(())
            }
            Connectivity::ProceduralFanOut(f) => f.validate(name, post),
        }
    }

    /// The compartments `(name, shape)` for batch `b`, in state order.
    pub fn compartments(&self, batch: usize) -> Vec<(&'static str, Vec<usize>)> {
        let weights = match &self.connectivity {
            Connectivity::Dense { weights } | Connectivity::OneToOne { weights } => weights.len(),
            Connectivity::Sparse(s) => s.post_w.len(),
            Connectivity::Procedural(_) | Connectivity::ProceduralFanOut(_) => 0,
        };
        let mut out = vec![
            (names::INPUTS, vec![batch, self.n_pre]),
            (names::OUTPUTS, vec![batch, self.n_post]),
            (names::WEIGHTS, vec![weights]),
        ];
        match self.dynamics {
            ProjectionDynamics::ExponentialCurrent { .. } => out.push((names::CURRENT, vec![batch, self.n_post])),
            ProjectionDynamics::Conductance { .. } => {
                out.push((names::CONDUCTANCE, vec![batch, self.n_post]));
                out.push((names::VOLTAGE, vec![batch, self.n_post]));
            }
            ProjectionDynamics::Instant => {}
        }
        if self.delay > 0 {
            out.push((names::DELAY_BUFFER, vec![self.delay, batch, self.n_pre]));
        }
        if let Some(rule) = &self.rule {
            out.extend(rule.compartments(batch, self.n_pre, self.n_post, Some(weights)));
        }
        out
    }

    /// Values after construction, in [`Projection::compartments`] order.
    pub fn initial(&self, batch: usize) -> Vec<Vec<f32>> {
        self.compartments(batch)
            .into_iter()
            .map(|(name, shape)| match (name, &self.connectivity) {
                (names::WEIGHTS, Connectivity::Dense { weights } | Connectivity::OneToOne { weights }) => {
                    weights.clone()
                }
                // Event mode scatters from the presynaptic side: its weights are stored by pre.
                (names::WEIGHTS, Connectivity::Sparse(s)) => match self.propagation {
                    Propagation::Gather => s.post_w.clone(),
                    Propagation::Event(_) => s.pre_w.clone(),
                },
                _ => vec![self.rule.as_ref().and_then(|r| r.initial(name)).unwrap_or(0.0); shape.iter().product()],
            })
            .collect()
    }

    /// The float32 decay factor of an exponential current for step `dt`.
    pub fn decay(&self, dt: f32) -> f32 {
        match self.dynamics {
            ProjectionDynamics::ExponentialCurrent { tau } => (-f64::from(dt) / f64::from(tau)).exp() as f32,
            ProjectionDynamics::Instant | ProjectionDynamics::Conductance { .. } => 0.0,
        }
    }

    /// The gather-mode summed input `I` of every postsynaptic element for the signal `x`
    /// (B, N_pre), into `acc` (B, N_post). Twin: `projection.wgsl` `projection_post` (a
    /// fan-out projection has no gather kernel: this float sum is its CPU reference).
    pub fn accumulate(&self, batch: usize, x: &[f32], weights: &[f32], acc: &mut [f32]) {
        let (pre, post) = (self.n_pre, self.n_post);
        acc.iter_mut().for_each(|a| *a = 0.0);
        for b in 0..batch {
            let xb = &x[b * pre..(b + 1) * pre];
            let ab = &mut acc[b * post..(b + 1) * post];
            match &self.connectivity {
                Connectivity::Dense { .. } => {
                    for_active(xb, |i, xi| {
                        let row = &weights[i * post..(i + 1) * post];
                        for (a, &w) in ab.iter_mut().zip(row) {
                            *a += xi * w;
                        }
                    });
                }
                Connectivity::OneToOne { .. } => {
                    for ((a, &xi), &w) in ab.iter_mut().zip(xb).zip(weights) {
                        *a += xi * w;
                    }
                }
                Connectivity::Sparse(s) if self.rule.is_none() => {
                    for_active(xb, |i, xi| {
                        let range = s.pre_ptr[i] as usize..s.pre_ptr[i + 1] as usize;
                        for (&j, &w) in s.pre_post[range.clone()].iter().zip(&s.pre_w[range]) {
                            ab[j as usize] += xi * w;
                        }
                    });
                }
                Connectivity::Sparse(s) => {
                    // A learning rule changes the weights compartment (by post): read it there.
                    for_active(xb, |i, xi| {
                        let range = s.pre_ptr[i] as usize..s.pre_ptr[i + 1] as usize;
                        for (&j, &slot) in s.pre_post[range.clone()].iter().zip(&s.pre_slot[range]) {
                            ab[j as usize] += xi * weights[slot as usize];
                        }
                    });
                }
                Connectivity::Procedural(p) => {
                    for_active(xb, |i, xi| {
                        for (j, a) in ab.iter_mut().enumerate() {
                            if let Some(w) = p.synapse(i, j, post) {
                                *a += xi * w;
                            }
                        }
                    });
                }
                Connectivity::ProceduralFanOut(_) => {
                    for_active(xb, |i, xi| {
                        super::event::for_each_target(self, weights, i, |j, w| ab[j] += xi * w)
                    });
                }
            }
        }
    }
}

impl SparseSynapses {
    /// Builds both orderings from `(pre, post, weight)` triples; an index out of range or a
    /// repeated pair is an error naming the synapse.
    pub fn from_triples(
        name: &str,
        n_pre: usize,
        n_post: usize,
        mut synapses: Vec<(u32, u32, f32)>,
    ) -> Result<SparseSynapses> {
        for (k, &(i, j, w)) in synapses.iter().enumerate() {
            if i as usize >= n_pre || j as usize >= n_post {
                return Err(bad(
                    name,
                    format!("synapse {k} is ({i} → {j}), outside the {n_pre} × {n_post} shape"),
                ));
            }
            if !w.is_finite() {
                return Err(bad(name, format!("synapse {k} ({i} → {j}) has weight {w}")));
            }
        }
        synapses.sort_by_key(|&(i, j, _)| (j, i));
        if let Some(pair) = synapses.windows(2).find(|p| (p[0].0, p[0].1) == (p[1].0, p[1].1)) {
            return Err(bad(
                name,
                format!("synapse ({} → {}) is listed twice", pair[0].0, pair[0].1),
            ));
        }
        let post_ptr = pointers(n_post, synapses.iter().map(|t| t.1));
        let post_pre = synapses.iter().map(|t| t.0).collect();
        let post_post = synapses.iter().map(|t| t.1).collect();
        let post_w = synapses.iter().map(|t| t.2).collect();
        // Each synapse remembers its by-post index through the re-sort by pre.
        let mut indexed: Vec<((u32, u32), u32)> = synapses
            .iter()
            .enumerate()
            .map(|(k, t)| ((t.0, t.1), k as u32))
            .collect();
        indexed.sort_by_key(|&(pair, _)| pair);
        synapses.sort_by_key(|&(i, j, _)| (i, j));
        Ok(SparseSynapses {
            post_ptr,
            post_pre,
            post_w,
            pre_ptr: pointers(n_pre, synapses.iter().map(|t| t.0)),
            pre_post: synapses.iter().map(|t| t.1).collect(),
            pre_w: synapses.iter().map(|t| t.2).collect(),
            post_post,
            pre_slot: indexed.into_iter().map(|(_, k)| k).collect(),
        })
    }

    /// Number of synapses.
    pub fn len(&self) -> usize {
        self.post_w.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.post_w.is_empty()
    }

    /// Fixed connection probability: each pair independently with probability `p`, drawn from
    /// `key` by geometric skipping (O(synapses), not O(N_pre × N_post)); weight `weight`.
    pub fn fixed_probability(
        name: &str,
        n_pre: usize,
        n_post: usize,
        p: f64,
        weight: f32,
        key: Key,
    ) -> Result<SparseSynapses> {
        if !(0.0..=1.0).contains(&p) {
            return Err(bad(name, format!("connection probability {p} must be in [0, 1]")));
        }
        let mut triples = Vec::new();
        if p > 0.0 {
            let log_q = (1.0 - p).ln();
            for i in 0..n_pre {
                let row_key = key.fold_in(i as u32);
                let mut j: i64 = -1;
                let mut draw = 0u64;
                loop {
                    let gap = if p >= 1.0 {
                        0
                    } else {
                        // u in (0, 1]: ln(u) ≤ 0.
                        let u = 1.0 - f64::from(row_key.uniform01_at(draw));
                        draw += 1;
                        (u.ln() / log_q).floor() as i64
                    };
                    j += gap + 1;
                    if j >= n_post as i64 {
                        break;
                    }
                    triples.push((i as u32, j as u32, weight));
                }
            }
        }
        SparseSynapses::from_triples(name, n_pre, n_post, triples)
    }

    /// Fixed in-degree: each postsynaptic unit gets `k` distinct presynaptic units drawn
    /// uniformly (Floyd's algorithm, from `fold_in(key, j)`), weight `weight`.
    pub fn fixed_in_degree(
        name: &str,
        n_pre: usize,
        n_post: usize,
        k: usize,
        weight: f32,
        key: Key,
    ) -> Result<SparseSynapses> {
        if k > n_pre {
            return Err(bad(
                name,
                format!("in-degree {k} exceeds the {n_pre} presynaptic units"),
            ));
        }
        let mut triples = Vec::with_capacity(k * n_post);
        for j in 0..n_post {
            let col_key = key.fold_in(j as u32);
            let mut chosen = std::collections::BTreeSet::new();
            for (draw, t) in ((n_pre - k)..n_pre).enumerate() {
                let r = (col_key.bits_at(draw as u64) as u64 % (t as u64 + 1)) as usize;
                if !chosen.insert(r) {
                    chosen.insert(t);
                }
            }
            triples.extend(chosen.into_iter().map(|i| (i as u32, j as u32, weight)));
        }
        SparseSynapses::from_triples(name, n_pre, n_post, triples)
    }
}

/// Calls `f(i, x[i])` for every non-zero `x[i]`, in ascending `i`. Spikes are sparse: blocks of
/// 32 values are tested at once (an OR of their bits, which vectorises) and skipped when zero.
#[inline]
pub(super) fn for_active(x: &[f32], mut f: impl FnMut(usize, f32)) {
    for (block, values) in x.chunks(32).enumerate() {
        if values.iter().fold(0u32, |acc, v| acc | v.to_bits()) == 0 {
            continue;
        }
        for (k, &xi) in values.iter().enumerate() {
            if xi != 0.0 {
                f(block * 32 + k, xi);
            }
        }
    }
}

fn pointers(n: usize, keys: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut ptr = vec![0u32; n + 1];
    for k in keys {
        ptr[k as usize + 1] += 1;
    }
    for i in 0..n {
        ptr[i + 1] += ptr[i];
    }
    ptr
}

/// A projection's mutable state for one advance.
#[derive(Debug)]
pub struct ProjectionState<'a> {
    /// The delay ring (empty without delay), logical slot 0 at `head`.
    pub ring: &'a mut [f32],
    /// The ring's head.
    pub head: usize,
    /// The exponential current, or the conductance (empty for instantaneous projections).
    pub current: &'a mut [f32],
    /// The target's voltage (conductance projections; empty otherwise).
    pub v: &'a [f32],
    /// The outputs (B, N_post).
    pub outputs: &'a mut [f32],
}

/// One projection advance on the CPU of step size `dt`: the delay ring, the sum, the dynamics.
pub fn advance(proj: &Projection, batch: usize, inputs: &[f32], weights: &[f32], st: ProjectionState<'_>, dt: f32) {
    let decay = proj.decay(dt);
    let ProjectionState {
        ring,
        head,
        current,
        v,
        outputs,
    } = st;
    let plane = batch * proj.n_pre;
    let delayed: Vec<f32>;
    let x: &[f32] = if proj.delay > 0 {
        // Every index is 0: read logical slot 0, at `head`, then overwrite it with this input.
        let slot = &mut ring[head * plane..(head + 1) * plane];
        delayed = slot.to_vec();
        slot.copy_from_slice(inputs);
        &delayed
    } else {
        inputs
    };
    match &proj.propagation {
        Propagation::Gather => proj.accumulate(batch, x, weights, outputs),
        Propagation::Event(fixed) => super::event::accumulate(proj, fixed, batch, x, weights, outputs),
    }
    match proj.dynamics {
        ProjectionDynamics::Instant => outputs.iter_mut().for_each(|o| *o *= proj.scale),
        ProjectionDynamics::ExponentialCurrent { .. } => {
            for (o, i) in outputs.iter_mut().zip(current.iter_mut()) {
                *i = *i * decay + *o * proj.scale;
                *o = *i;
            }
        }
        ProjectionDynamics::Conductance {
            tau_decay,
            g_syn_bar,
            syn_rest,
        } => {
            // ngclearn's ExponentialSynapse operation order (README §4.5); 1/dt is a float32
            // division of the float32 dt, computed once.
            let inv_dt = 1.0 / dt;
            let inv_tau_decay = super::reciprocal_of_constant(tau_decay);
            for ((o, g), &vk) in outputs.iter_mut().zip(current.iter_mut()).zip(v) {
                let dg = (-*g) * inv_tau_decay + (*o * g_syn_bar) * inv_dt;
                *g += dg * dt;
                *o = (-(*g * proj.scale)) * (vk - syn_rest);
            }
        }
    }
}
