//! Synapses: ngclearn 3.2.3's `DenseSynapse` (and `StaticSynapse`, the same class) and
//! `ExponentialSynapse` (`conformance/network/README.md` §4.4–4.5).
//! WGSL twin: `shaders/network/synapses.wgsl`.
//!
//! # Construction (key `k`)
//! ```text
//! _, sk0, sk1, sk2 = split(k, 4)
//! W = weight_init((N_pre, N_post), sk0)           default uniform(0.025, 0.8)
//! if 0 < p_conn < 1: W = W · bernoulli(sk1, p_conn)        (DenseSynapse only)
//! biases = bias_init((1, N_post), sk2), else the scalar 0
//! syn_delay_indices = randint(sk1, (N_pre,), 0, max_delay_steps)
//! ExponentialSynapse with is_nonplastic (the default): W = 1 everywhere
//! ```
//! # One `advance_state`
//! ```text
//! DenseSynapse:        x = inputs, or with D = max_delay_steps > 0 the delayed signal
//!                          x[b, i] = buffer[idx[i], b, i]; buffer = roll(buffer, −1); buffer[D−1] = inputs
//!                      delayed_inputs = x
//!                      outputs = ((x @ (W · mask)) · gate) · g_conduct_factor + biases
//! ExponentialSynapse:  o = inputs @ W                          (no mask, gate, biases or delay)
//!                      dg = (−g_syn)·f32(1/tau_decay) + (o · g_syn_bar) · (1/dt);   g_syn = g_syn + dg·dt
//!                      i_syn = outputs = (−g_syn)·g_conduct_factor                (syn_rest None)
//!                                      = −(g_syn·g_conduct_factor)·(v − syn_rest)  (conductance)
//! ```
//! Index d of `syn_delay_indices` delays a signal by D − d steps (1…D): with D > 0 nothing
//! passes in the same step (ngclearn's docstring says 0…D; the code, reproduced, does 1…D).
//! Matrix products sum over the presynaptic index in ascending order in float32, on the CPU and
//! on the GPU, so the two agree bit for bit where the adapter does not contract multiply-adds.
//!
//! # Parameters
//! | name | default | unit | meaning |
//! |---|---|---|---|
//! | `shape` | — | — | `(N_pre, N_post)` |
//! | `weight_init` | uniform(0.025, 0.8) | — | initialiser descriptor ([`Init`]) |
//! | `bias_init` | none (0) | — | DenseSynapse: bias initialiser, shape (1, N_post) |
//! | `g_conduct_factor` (alias `resist_scale`) | 1 | — | output scale |
//! | `p_conn` | 1 | — | DenseSynapse: connection probability (a Bernoulli mask on W when in (0, 1)) |
//! | `max_delay_steps` | 0 | steps | DenseSynapse: axonal delay ring depth D |
//! | `mask` | ones((1, 1)) | — | DenseSynapse: multiplicative mask, broadcast to W |
//! | `p_release_mean` | 1 | — | must be 1: ngclearn 3.2.3's stochastic release does not run |
//! | `tau_decay` | — | ms | ExponentialSynapse: conductance decay |
//! | `g_syn_bar` | — | — | ExponentialSynapse: conductance per unit of `inputs @ W` |
//! | `syn_rest` | — | mV | ExponentialSynapse: reversal potential; `null` = current form |
//! | `is_nonplastic` | true | — | ExponentialSynapse: replace the drawn weights by ones |
//! | `batch_size` | 1 | — | rows B |
//!
//! # Compartments
//! DenseSynapse: `inputs` (B, N_pre), `outputs` (B, N_post), `weights` (N_pre, N_post), `mask`,
//! `biases` (scalar or (1, N_post)), `gate` (B, N_post), `input_delay_buffer` (D, B, N_pre; only
//! when D > 0), `delayed_inputs` (B, N_pre). ExponentialSynapse: `inputs`, `outputs`,
//! `weights`, `mask`, `biases`, `gate`, `delayed_inputs` (never written), `v`, `i_syn`, `g_syn`
//! (B, N_post).
//!
//! # Quirks reproduced
//! `reset()` zeroes `inputs` and sets `gate` to 1 only when they are not wired; it zeroes
//! `delayed_inputs`, `outputs` and the delay buffer. ExponentialSynapse's reset also zeroes `v`
//! (through the wiring when it is wired), and its `bias_init`, `mask`, `gate` and `p_conn` have
//! no effect.

use serde_json::{Map, Value};

use super::exp_stdp::ExpStdp;
use super::init::{Dist, Init, bernoulli, randint};
use super::mstdpet::Mstdpet;
use super::rules::Rule;
use super::stdp::{EventStdp, TraceStdp};
use crate::cells::params::ParamReader;
use crate::error::{Error, Result};
use crate::rng::Key;

/// How a synapse turns presynaptic signals into its output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dynamics {
    /// `DenseSynapse`: `outputs = ((x @ (W·mask))·gate)·g + biases`, instantaneous.
    Instant,
    /// `ExponentialSynapse`: a conductance `g_syn` that decays with `tau_decay` and jumps by
    /// `g_syn_bar·(x @ W)`.
    Exponential {
        /// Decay time constant (ms, > 0).
        tau_decay: f32,
        /// Conductance increment per unit of `inputs @ W`.
        g_syn_bar: f32,
        /// Reversal potential (mV); `None` is the current form `i = −g·g_conduct_factor`.
        syn_rest: Option<f32>,
    },
}

/// A validated synapse (DenseSynapse, StaticSynapse or ExponentialSynapse) with its
/// construction-time draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Synapse {
    /// ngclearn's class name.
    pub class: &'static str,
    /// Presynaptic units.
    pub n_pre: usize,
    /// Postsynaptic units.
    pub n_post: usize,
    /// The dynamics.
    pub dynamics: Dynamics,
    /// Output scale `g_conduct_factor`.
    pub g_conduct_factor: f32,
    /// Axonal delay ring depth D (0: no delay).
    pub max_delay_steps: usize,
    /// Per presynaptic unit, the ring index it is read from (`randint(sk1, (N_pre,), 0, D)`).
    pub delay_indices: Vec<u32>,
    /// Weights after construction, (N_pre, N_post) row-major.
    pub weights: Vec<f32>,
    /// The mask as given (shape in `mask_shape`), ones((1, 1)) by default.
    pub mask: Vec<f32>,
    /// Shape of `mask`: (1 or N_pre, 1 or N_post).
    pub mask_shape: [usize; 2],
    /// Biases: one value (the scalar 0) or N_post values.
    pub biases: Vec<f32>,
    /// Whether `biases` is a (1, N_post) vector (a `bias_init` was given) rather than the scalar 0.
    pub bias_vector: bool,
    /// The learning rule `evolve()` applies (TraceSTDP, EventSTDP, ExpSTDP and MSTDPET
    /// synapses).
    pub rule: Option<Rule>,
}

/// Compartment names of a synapse, in the order [`Synapse::compartments`] gives them.
pub mod names {
    /// Presynaptic input (B, N_pre).
    pub const INPUTS: &str = "inputs";
    /// Output (B, N_post).
    pub const OUTPUTS: &str = "outputs";
    /// Weights (N_pre, N_post).
    pub const WEIGHTS: &str = "weights";
    /// Mask.
    pub const MASK: &str = "mask";
    /// Biases.
    pub const BIASES: &str = "biases";
    /// Output gate (B, N_post).
    pub const GATE: &str = "gate";
    /// Delay ring (D, B, N_pre).
    pub const DELAY_BUFFER: &str = "input_delay_buffer";
    /// The signal that reached the synapse this step (B, N_pre).
    pub const DELAYED_INPUTS: &str = "delayed_inputs";
    /// Postsynaptic voltage (B, N_post), ExponentialSynapse.
    pub const V: &str = "v";
    /// Synaptic current (B, N_post), ExponentialSynapse.
    pub const I_SYN: &str = "i_syn";
    /// Conductance (B, N_post), ExponentialSynapse.
    pub const G_SYN: &str = "g_syn";
    /// Presynaptic spikes (B, N_pre), TraceSTDPSynapse.
    pub const PRE_SPIKE: &str = "preSpike";
    /// Postsynaptic spikes (B, N_post), TraceSTDPSynapse.
    pub const POST_SPIKE: &str = "postSpike";
    /// Presynaptic trace (B, N_pre), TraceSTDPSynapse.
    pub const PRE_TRACE: &str = "preTrace";
    /// Postsynaptic trace (B, N_post), TraceSTDPSynapse.
    pub const POST_TRACE: &str = "postTrace";
    /// The last update (N_pre, N_post), TraceSTDPSynapse and EventSTDPSynapse.
    pub const D_WEIGHTS: &str = "dWeights";
    /// The learning rate, a (1, 1) compartment, EventSTDPSynapse.
    pub const ETA: &str = "eta";
    /// Presynaptic times of last spike (B, N_pre), EventSTDPSynapse.
    pub const PRE_TOLS: &str = "pre_tols";
}

fn part_error(part: &str, problem: impl Into<String>) -> Error {
    Error::Network {
        part: part.to_string(),
        problem: problem.into(),
    }
}

impl Synapse {
    /// Builds a synapse of ngclearn class `class` (`DenseSynapse`, `StaticSynapse`,
    /// `ExponentialSynapse`) from its keyword arguments, drawing from `key` as ngclearn does.
    /// `name` names the component in errors.
    pub fn from_params(name: &str, class: &str, map: &Map<String, Value>, key: Key) -> Result<Synapse> {
        let class: &'static str = match class {
            "DenseSynapse" => "DenseSynapse",
            "StaticSynapse" => "StaticSynapse",
            "ExponentialSynapse" => "ExponentialSynapse",
            "TraceSTDPSynapse" => "TraceSTDPSynapse",
            "EventSTDPSynapse" => "EventSTDPSynapse",
            "ExpSTDPSynapse" => "ExpSTDPSynapse",
            "MSTDPETSynapse" => "MSTDPETSynapse",
            other => return Err(part_error(name, format!("`{other}` is not a synapse class"))),
        };
        let mut r = ParamReader::new(map);
        let shape = r
            .raw("shape")
            .and_then(Value::as_array)
            .filter(|a| a.len() == 2)
            .and_then(|a| Some([a[0].as_u64()? as usize, a[1].as_u64()? as usize]))
            .ok_or_else(|| part_error(name, "`shape` must be [N_pre, N_post]"))?;
        let init = |r: &mut ParamReader<'_>, field: &'static str| -> Result<Option<Init>> {
            r.raw(field)
                .map(|v| Init::from_json(&format!("{name}.{field}"), v))
                .transpose()
        };
        let weight_init = init(&mut r, "weight_init")?;
        let bias_init = init(&mut r, "bias_init")?;
        // `resist_scale` is ngclearn's deprecated name of `g_conduct_factor`.
        let g_conduct_factor = match r.f32_opt("resist_scale")? {
            Some(g) => g,
            None => r.f32_or("g_conduct_factor", 1.0)?,
        };
        let p_conn = r.f32_or("p_conn", 1.0)?;
        let p_release_mean = r.f32_or("p_release_mean", 1.0)?;
        r.accept_positive_int("batch_size")?;
        let exponential = class == "ExponentialSynapse";
        let (dynamics, is_nonplastic) = if exponential {
            let tau_decay = r.f32_required("tau_decay")?;
            let g_syn_bar = r.f32_required("g_syn_bar")?;
            let syn_rest = r.f32_opt("syn_rest")?;
            let nonplastic = r.bool_or("is_nonplastic", true)?;
            (
                Dynamics::Exponential {
                    tau_decay,
                    g_syn_bar,
                    syn_rest,
                },
                nonplastic,
            )
        } else {
            (Dynamics::Instant, false)
        };
        let max_delay_steps = match r.raw("max_delay_steps") {
            None => 0,
            Some(v) => v.as_u64().ok_or_else(|| {
                part_error(
                    name,
                    format!("`max_delay_steps` = {v}: expected a non-negative integer"),
                )
            })? as usize,
        };
        let mask = match r.raw("mask") {
            None => None,
            Some(v) => Some(nested_matrix(name, "mask", v)?),
        };
        let event_stdp = if class == "EventSTDPSynapse" {
            if map.get("batch_size").and_then(Value::as_u64).is_some_and(|b| b != 1) {
                return Err(part_error(
                    name,
                    "EventSTDPSynapse works with batch 1 only (ngclearn 3.2.3 broadcasts preSpike wrongly for B > 1)",
                ));
            }
            let lmbda = r.raw("lmbda").and_then(Value::as_f64).unwrap_or(0.01);
            let rule = EventStdp {
                eta: r.f32_required("eta")?,
                // ngclearn computes 1 + lmbda in Python (double) and rounds once.
                one_plus_lmbda: (1.0 + lmbda) as f32,
                a_plus: r.f32_or("A_plus", 1.0)?,
                a_minus: r.f32_or("A_minus", 1.0)?,
                presyn_win_len: r.f32_or("presyn_win_len", 2.0)?,
                w_bound: r.f32_or("w_bound", 1.0)?,
            };
            if let Some(problem) = rule.check() {
                return Err(part_error(name, problem));
            }
            if p_conn != 1.0 {
                return Err(part_error(
                    name,
                    "`p_conn` must be 1 (ngclearn 3.2.3 passes it into p_release_mean)",
                ));
            }
            Some(rule)
        } else {
            None
        };
        let rule = match class {
            "EventSTDPSynapse" => event_stdp.map(Rule::Event),
            "TraceSTDPSynapse" | "ExpSTDPSynapse" | "MSTDPETSynapse" => {
                Some(trace_rule(name, class, shape, &mut r, map)?)
            }
            _ => None,
        };
        if rule.as_ref().is_some_and(|rule| !matches!(rule, Rule::Event(_))) && p_conn != 1.0 {
            return Err(part_error(
                name,
                format!(
                    "`p_conn` must be 1: ngclearn 3.2.3's {class} passes it into p_release_mean (a NameError for 0 < p_conn < 1); use weight_mask for sparse connectivity"
                ),
            ));
        }
        r.finish().map_err(|e| part_error(name, e.to_string()))?;
        let spec = SynapseSpec {
            class,
            n_pre: shape[0],
            n_post: shape[1],
            dynamics,
            weight_init,
            bias_init,
            g_conduct_factor,
            p_conn,
            p_release_mean,
            max_delay_steps,
            mask,
            is_nonplastic,
        };
        let mut synapse = spec.build(name, key)?;
        if let Some(mask) = rule.as_ref().and_then(Rule::weight_mask) {
            for (w, m) in synapse.weights.iter_mut().zip(mask) {
                *w *= m;
            }
        }
        synapse.rule = rule;
        Ok(synapse)
    }

    /// The compartments `(name, shape)` for batch `b`, in state order.
    pub fn compartments(&self, batch: usize) -> Vec<(&'static str, Vec<usize>)> {
        let (b, pre, post) = (batch, self.n_pre, self.n_post);
        let bias_shape = if self.bias_vector { vec![1, post] } else { vec![] };
        let mut out = vec![
            (names::INPUTS, vec![b, pre]),
            (names::OUTPUTS, vec![b, post]),
            (names::WEIGHTS, vec![pre, post]),
            (names::MASK, self.mask_shape.to_vec()),
            (names::BIASES, bias_shape),
            (names::GATE, vec![b, post]),
        ];
        match self.dynamics {
            Dynamics::Instant => {
                if self.max_delay_steps > 0 {
                    out.push((names::DELAY_BUFFER, vec![self.max_delay_steps, b, pre]));
                }
                out.push((names::DELAYED_INPUTS, vec![b, pre]));
                if let Some(rule) = &self.rule {
                    out.extend(rule.compartments(b, pre, post, None));
                }
            }
            Dynamics::Exponential { .. } => {
                out.push((names::DELAYED_INPUTS, vec![b, pre]));
                out.push((names::V, vec![b, post]));
                out.push((names::I_SYN, vec![b, post]));
                out.push((names::G_SYN, vec![b, post]));
            }
        }
        out
    }

    /// Values after construction, in [`Synapse::compartments`] order.
    pub fn initial(&self, batch: usize) -> Vec<Vec<f32>> {
        self.compartments(batch)
            .into_iter()
            .map(|(name, shape)| match name {
                names::WEIGHTS => self.weights.clone(),
                names::MASK => self.mask.clone(),
                names::BIASES => self.biases.clone(),
                names::GATE => vec![1.0; shape.iter().product()],
                _ => vec![self.rule.as_ref().and_then(|r| r.initial(name)).unwrap_or(0.0); shape.iter().product()],
            })
            .collect()
    }

    /// Whether `evolve()` changes the weights (a synapse with a learning rule).
    pub fn is_plastic(&self) -> bool {
        self.rule.is_some()
    }

    /// `W·mask` at `(i, j)`: the effective weight of the instantaneous product.
    #[inline]
    pub fn masked_weight(&self, weights: &[f32], mask: &[f32], i: usize, j: usize) -> f32 {
        let mi = if self.mask_shape[0] == 1 { 0 } else { i };
        let mj = if self.mask_shape[1] == 1 { 0 } else { j };
        weights[i * self.n_post + j] * mask[mi * self.mask_shape[1] + mj]
    }
}

/// Everything a synapse is built from, before the draws.
#[derive(Debug, Clone, PartialEq)]
pub struct SynapseSpec {
    /// ngclearn's class name.
    pub class: &'static str,
    /// Presynaptic units.
    pub n_pre: usize,
    /// Postsynaptic units.
    pub n_post: usize,
    /// Dynamics.
    pub dynamics: Dynamics,
    /// Weight initialiser (`None`: uniform(0.025, 0.8)).
    pub weight_init: Option<Init>,
    /// Bias initialiser (`None`: the scalar 0).
    pub bias_init: Option<Init>,
    /// Output scale.
    pub g_conduct_factor: f32,
    /// Connection probability.
    pub p_conn: f32,
    /// Release probability (must be 1).
    pub p_release_mean: f32,
    /// Delay ring depth.
    pub max_delay_steps: usize,
    /// Mask rows (1 or N_pre) of (1 or N_post) values.
    pub mask: Option<Vec<Vec<f32>>>,
    /// ExponentialSynapse: replace the weights by ones.
    pub is_nonplastic: bool,
}

impl SynapseSpec {
    /// Validates and draws the construction values from `key`.
    pub fn build(&self, name: &str, key: Key) -> Result<Synapse> {
        if self.n_pre == 0 || self.n_post == 0 {
            return Err(part_error(
                name,
                "`shape` must have at least one pre- and one postsynaptic unit",
            ));
        }
        let finite_positive = |what: &str, x: f32| -> Result<()> {
            if x.is_finite() && x > 0.0 {
                Ok(())
            } else {
                Err(part_error(name, format!("`{what}` = {x} must be positive and finite")))
            }
        };
        if !self.g_conduct_factor.is_finite() {
            return Err(part_error(name, "`g_conduct_factor` must be finite"));
        }
        if !(0.0..=1.0).contains(&self.p_conn) {
            return Err(part_error(
                name,
                format!("`p_conn` = {} must be in [0, 1]", self.p_conn),
            ));
        }
        if self.p_release_mean != 1.0 && self.p_release_mean > 0.0 {
            return Err(part_error(
                name,
                "`p_release_mean` in (0, 1) (stochastic release) does not run in ngclearn 3.2.3 \
                 (NameError `nn`); spikegpu does not invent its semantics: use 1",
            ));
        }
        if let Dynamics::Exponential {
            tau_decay,
            g_syn_bar,
            syn_rest,
        } = self.dynamics
        {
            finite_positive("tau_decay", tau_decay)?;
            if !g_syn_bar.is_finite() || syn_rest.is_some_and(|x| !x.is_finite()) {
                return Err(part_error(name, "`g_syn_bar` and `syn_rest` must be finite"));
            }
        }
        let keys = key.split_n(4);
        let (sk0, sk1, sk2) = (keys[1], keys[2], keys[3]);
        let n = self.n_pre * self.n_post;
        let init = self
            .weight_init
            .clone()
            .unwrap_or_else(|| Init::new(Dist::Uniform { low: 0.025, high: 0.8 }));
        let mut weights = init.draw(sk0, self.n_pre, self.n_post);
        let exponential = matches!(self.dynamics, Dynamics::Exponential { .. });
        // ngclearn's ExponentialSynapse passes p_conn into p_release_mean: it never sparsifies.
        if !exponential && 0.0 < self.p_conn && self.p_conn < 1.0 {
            for (w, m) in weights.iter_mut().zip(bernoulli(sk1, self.p_conn, n)) {
                *w *= m;
            }
        }
        if exponential && self.is_nonplastic {
            weights = vec![1.0; n];
        }
        let biases = match &self.bias_init {
            Some(b) => b.draw(sk2, 1, self.n_post),
            None => vec![0.0],
        };
        let (mask, mask_shape) = match &self.mask {
            None => (vec![1.0], [1, 1]),
            Some(rows) => {
                let r = rows.len();
                let c = rows.first().map_or(0, Vec::len);
                let fits = (r == 1 || r == self.n_pre) && (c == 1 || c == self.n_post);
                if !fits || rows.iter().any(|row| row.len() != c) {
                    return Err(part_error(
                        name,
                        format!(
                            "`mask` is {r}×{c}: it must broadcast to the weights' {}×{} (rows 1 or {}, columns 1 or {})",
                            self.n_pre, self.n_post, self.n_pre, self.n_post
                        ),
                    ));
                }
                (rows.concat(), [r, c])
            }
        };
        let delays = if self.max_delay_steps > 0 {
            randint(sk1, self.n_pre, 0, self.max_delay_steps as i32)
                .into_iter()
                .map(|d| d as u32)
                .collect()
        } else {
            Vec::new()
        };
        Ok(Synapse {
            class: self.class,
            n_pre: self.n_pre,
            n_post: self.n_post,
            dynamics: self.dynamics,
            g_conduct_factor: self.g_conduct_factor,
            max_delay_steps: self.max_delay_steps,
            delay_indices: delays,
            weights,
            mask,
            mask_shape,
            bias_vector: self.bias_init.is_some(),
            biases,
            rule: None,
        })
    }
}

/// The TraceSTDP-family rules (`TraceSTDPSynapse`, `ExpSTDPSynapse`, `MSTDPETSynapse`) from
/// their keyword arguments.
fn trace_rule(
    name: &str,
    class: &str,
    shape: [usize; 2],
    r: &mut ParamReader<'_>,
    map: &Map<String, Value>,
) -> Result<Rule> {
    let weight_mask = match r.raw("weight_mask") {
        None => vec![1.0; shape[0] * shape[1]],
        Some(v) => {
            let rows = nested_matrix(name, "weight_mask", v)?;
            if rows.len() != shape[0] || rows.iter().any(|row| row.len() != shape[1]) {
                return Err(part_error(
                    name,
                    format!("`weight_mask` must be {}×{}", shape[0], shape[1]),
                ));
            }
            rows.concat()
        }
    };
    // Constants ngclearn combines in Python doubles before they meet float32 arrays.
    let double = |field: &str, default: f64| -> Result<f64> {
        match map.get(field) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_f64()
                .ok_or_else(|| part_error(name, format!("`{field}` = {v} must be a number"))),
        }
    };
    let rule = match class {
        "ExpSTDPSynapse" => {
            // Read (and checked to be numbers) here; used as the doubles ngclearn combines.
            r.f32_required("exp_beta")?;
            r.f32_or("w_bound", 1.0)?;
            let rule = ExpStdp::new(
                r.f32_required("A_plus")?,
                r.f32_required("A_minus")?,
                double("exp_beta", f64::NAN)?,
                r.f32_or("eta", 1.0)?,
                r.f32_or("pretrace_target", 0.0)?,
                double("w_bound", 1.0)?,
                r.f32_or("tau_w", 0.0)?,
                weight_mask,
            );
            if let Some(problem) = rule.check() {
                return Err(part_error(name, problem));
            }
            Rule::Exp(rule)
        }
        _ => {
            let stdp = TraceStdp {
                a_plus: r.f32_required("A_plus")?,
                a_minus: r.f32_required("A_minus")?,
                eta: r.f32_or("eta", 1.0)?,
                mu: r.f32_or("mu", 0.0)?,
                pretrace_target: r.f32_or("pretrace_target", 0.0)?,
                w_bound: r.f32_or("w_bound", 1.0)?,
                tau_w: r.f32_or("tau_w", 0.0)?,
                weight_mask,
            };
            if class == "MSTDPETSynapse" {
                if map.get("batch_size").and_then(Value::as_u64).is_some_and(|b| b != 1) {
                    return Err(part_error(
                        name,
                        "MSTDPETSynapse works with batch 1 only: ngclearn 3.2.3 multiplies the (batch_size, 1) modulator into the (N_pre, N_post) eligibility, which broadcasts for batch 1 only",
                    ));
                }
                let tau_w = double("tau_w", 0.0)?;
                let rule = Mstdpet {
                    stdp,
                    tau_elg: r.f32_or("tau_elg", 0.0)?,
                    elg_decay: r.f32_or("elg_decay", 1.0)?,
                    inv_tau_w: if tau_w > 0.0 { (1.0 / tau_w) as f32 } else { 0.0 },
                };
                if let Some(problem) = rule.check() {
                    return Err(part_error(name, problem));
                }
                Rule::Modulated(rule)
            } else {
                if let Some(problem) = stdp.check() {
                    return Err(part_error(name, problem));
                }
                Rule::Trace(stdp)
            }
        }
    };
    Ok(rule)
}

fn nested_matrix(part: &str, field: &str, v: &Value) -> Result<Vec<Vec<f32>>> {
    let bad = || part_error(part, format!("`{field}` must be a matrix (a list of lists of numbers)"));
    v.as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|row| {
            row.as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|x| x.as_f64().map(|f| f as f32).ok_or_else(bad))
                .collect()
        })
        .collect()
}

/// Per-step constants of a synapse's advance, computed on the host in float32 as the reference
/// computes them (`1/dt` is a float32 division of the float32 `dt`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepConstants {
    /// dt.
    pub dt: f32,
    /// `1/dt`.
    pub inv_dt: f32,
}

impl StepConstants {
    /// For step size `dt` (float32).
    pub fn new(dt: f32) -> StepConstants {
        StepConstants { dt, inv_dt: 1.0 / dt }
    }
}

/// The state slices one synapse advance touches, by role.
#[derive(Debug)]
pub struct SynapseState<'a> {
    /// (B, N_pre).
    pub inputs: &'a [f32],
    /// (B, N_post).
    pub outputs: &'a mut [f32],
    /// (N_pre, N_post).
    pub weights: &'a [f32],
    /// Mask values.
    pub mask: &'a [f32],
    /// Biases (1 or N_post values).
    pub biases: &'a [f32],
    /// (B, N_post).
    pub gate: &'a [f32],
    /// (D, B, N_pre) ring, empty without delay.
    pub delay_buffer: &'a mut [f32],
    /// (B, N_pre).
    pub delayed_inputs: &'a mut [f32],
    /// Exponential: (B, N_post) voltage, current, conductance.
    pub v: &'a [f32],
    /// Exponential: synaptic current.
    pub i_syn: &'a mut [f32],
    /// Exponential: conductance.
    pub g_syn: &'a mut [f32],
}

impl Synapse {
    /// One `advance_state` for batch `b`. Twin: `shaders/network/synapses.wgsl`.
    pub fn advance(&self, batch: usize, st: SynapseState<'_>, c: StepConstants) {
        let (pre, post) = (self.n_pre, self.n_post);
        match self.dynamics {
            Dynamics::Instant => {
                let d = self.max_delay_steps;
                if d > 0 {
                    let plane = batch * pre;
                    for b in 0..batch {
                        for i in 0..pre {
                            st.delayed_inputs[b * pre + i] =
                                st.delay_buffer[self.delay_indices[i] as usize * plane + b * pre + i];
                        }
                    }
                    st.delay_buffer.copy_within(plane.., 0);
                    st.delay_buffer[(d - 1) * plane..].copy_from_slice(st.inputs);
                } else {
                    st.delayed_inputs.copy_from_slice(st.inputs);
                }
                // Row by row over the non-zero inputs (spikes are sparse), accumulating into the
                // outputs: each output still sums its terms in ascending presynaptic order, as the
                // GPU's gather does (a skipped zero term changes no bit).
                for b in 0..batch {
                    let out = &mut st.outputs[b * post..(b + 1) * post];
                    out.fill(0.0);
                    for i in 0..pre {
                        let x = st.delayed_inputs[b * pre + i];
                        if x == 0.0 {
                            continue;
                        }
                        let row = &st.weights[i * post..(i + 1) * post];
                        if self.mask_shape == [1, 1] {
                            let m = st.mask[0];
                            for (o, &w) in out.iter_mut().zip(row) {
                                *o += x * (w * m);
                            }
                        } else {
                            for (j, o) in out.iter_mut().enumerate() {
                                *o += x * self.masked_weight(st.weights, st.mask, i, j);
                            }
                        }
                    }
                    for (j, o) in out.iter_mut().enumerate() {
                        let bias = st.biases[if st.biases.len() == 1 { 0 } else { j }];
                        *o = ((*o * st.gate[b * post + j]) * self.g_conduct_factor) + bias;
                    }
                }
            }
            Dynamics::Exponential {
                tau_decay,
                g_syn_bar,
                syn_rest,
            } => {
                let inv_tau_decay = super::reciprocal_of_constant(tau_decay);
                for b in 0..batch {
                    for j in 0..post {
                        let mut o = 0.0f32;
                        for i in 0..pre {
                            o += st.inputs[b * pre + i] * st.weights[i * post + j];
                        }
                        let k = b * post + j;
                        let g = st.g_syn[k];
                        let dg = (-g) * inv_tau_decay + (o * g_syn_bar) * c.inv_dt;
                        let g = g + dg * c.dt;
                        st.g_syn[k] = g;
                        let i_syn = match syn_rest {
                            None => (-g) * self.g_conduct_factor,
                            Some(rest) => (-(g * self.g_conduct_factor)) * (st.v[k] - rest),
                        };
                        st.i_syn[k] = i_syn;
                        st.outputs[k] = i_syn;
                    }
                }
            }
        }
    }
}
