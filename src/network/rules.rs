//! The learning rules a plastic synapse or projection runs in `evolve`, their compartments and
//! the one place both engines dispatch them from. The rules themselves: [`TraceStdp`] and
//! [`EventStdp`] ([`super::stdp`]), [`ExpStdp`] ([`super::exp_stdp`]), [`Mstdpet`]
//! ([`super::mstdpet`]).
//!
//! A rule's per-synapse compartments (`dWeights`, `eligibility`) hold one value per weight: the
//! (N_pre, N_post) matrix of a dense synapse, or one per stored synapse of a sparse projection
//! (in the projection's weight order), where the rule is the same one restricted to the existing
//! synapses ([`SynapseSet`]).

use super::exp_stdp::ExpStdp;
use super::mstdpet::{ModulatedState, Mstdpet};
use super::stdp::{EventStdp, StdpInputs, StdpState, SynapseSet, TraceStdp};
use super::synapses::names;

/// A learning rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `TraceSTDPSynapse`.
    Trace(TraceStdp),
    /// `EventSTDPSynapse`.
    Event(EventStdp),
    /// `ExpSTDPSynapse`.
    Exp(ExpStdp),
    /// `MSTDPETSynapse`.
    Modulated(Mstdpet),
}

/// Compartment names the rules add.
pub mod rule_names {
    /// The reward / modulatory signal (B, 1), MSTDPETSynapse.
    pub const MODULATOR: &str = "modulator";
    /// The eligibility trace (one per synapse), MSTDPETSynapse.
    pub const ELIGIBILITY: &str = "eligibility";
    /// The postsynaptic learning mask (B, N_post), MSTDPETSynapse.
    pub const OUTMASK: &str = "outmask";
}

impl Rule {
    /// ngclearn's class name.
    pub fn class(&self) -> &'static str {
        match self {
            Rule::Trace(_) => "TraceSTDPSynapse",
            Rule::Event(_) => "EventSTDPSynapse",
            Rule::Exp(_) => "ExpSTDPSynapse",
            Rule::Modulated(_) => "MSTDPETSynapse",
        }
    }

    /// Checks the rule's constants; the problem when one is bad.
    pub fn check(&self) -> Option<String> {
        match self {
            Rule::Trace(r) => r.check(),
            Rule::Event(r) => r.check(),
            Rule::Exp(r) => r.check(),
            Rule::Modulated(r) => r.check(),
        }
    }

    /// The (N_pre, N_post) weight mask the rule keeps at zero, if it has one.
    pub fn weight_mask(&self) -> Option<&[f32]> {
        match self {
            Rule::Trace(r) => Some(&r.weight_mask),
            Rule::Exp(r) => Some(&r.weight_mask),
            Rule::Modulated(r) => Some(&r.stdp.weight_mask),
            Rule::Event(_) => None,
        }
    }

    /// Whether the rule reads presynaptic and postsynaptic traces (`preTrace`, `postTrace`);
    /// otherwise (EventSTDP) it reads the presynaptic `tols`.
    pub fn reads_traces(&self) -> bool {
        !matches!(self, Rule::Event(_))
    }

    /// The compartments the rule adds, for batch `b` and `n_pre`/`n_post` units, in state order
    /// (ngclearn's declaration order). The per-synapse ones are (N_pre, N_post) for a dense
    /// synapse (`stored` = `None`) or one value per stored synapse of a sparse projection.
    pub fn compartments(
        &self,
        b: usize,
        pre: usize,
        post: usize,
        stored: Option<usize>,
    ) -> Vec<(&'static str, Vec<usize>)> {
        let syn = stored.map_or(vec![pre, post], |n| vec![n]);
        let stdp = || {
            vec![
                (names::PRE_SPIKE, vec![b, pre]),
                (names::POST_SPIKE, vec![b, post]),
                (names::PRE_TRACE, vec![b, pre]),
                (names::POST_TRACE, vec![b, post]),
                (names::D_WEIGHTS, syn.clone()),
            ]
        };
        match self {
            Rule::Trace(_) => stdp(),
            Rule::Event(_) => vec![
                (names::ETA, vec![1, 1]),
                (names::PRE_TOLS, vec![b, pre]),
                (names::POST_SPIKE, vec![b, post]),
                (names::D_WEIGHTS, syn.clone()),
            ],
            Rule::Exp(_) => {
                let mut out = stdp();
                out.push((names::ETA, vec![1, 1]));
                out
            }
            Rule::Modulated(_) => {
                let mut out = stdp();
                out.push((rule_names::MODULATOR, vec![b, 1]));
                out.push((rule_names::ELIGIBILITY, syn.clone()));
                out.push((rule_names::OUTMASK, vec![b, post]));
                out
            }
        }
    }

    /// A rule compartment's value after construction (`None`: zeros).
    pub fn initial(&self, name: &str) -> Option<f32> {
        match (self, name) {
            (Rule::Event(r), names::ETA) => Some(r.eta),
            (Rule::Exp(r), names::ETA) => Some(r.eta),
            _ => None,
        }
    }

    /// What `reset()` writes into a rule compartment (`None`: kept). The spikes and traces are
    /// zeroed through the wiring (ngclearn's quirk).
    pub fn reset_value(&self, name: &str) -> Option<f32> {
        match name {
            names::PRE_SPIKE | names::POST_SPIKE | names::PRE_TRACE | names::POST_TRACE | names::D_WEIGHTS => Some(0.0),
            names::PRE_TOLS | rule_names::ELIGIBILITY => Some(0.0),
            rule_names::OUTMASK => Some(1.0),
            _ => None,
        }
    }

    /// The per-call factor of `evolve` for step `dt` (MSTDP-ET's eligibility decay; 0 for the
    /// others), computed on the host for both engines.
    pub fn decay(&self, dt: f32) -> f32 {
        match self {
            Rule::Modulated(r) => r.decay(dt),
            _ => 0.0,
        }
    }

    /// One `evolve(t, dt)` on the CPU over the synapses of `set`. `state` holds the component's
    /// compartments (wired ones already resolved) in the order `names` gives.
    #[allow(clippy::too_many_arguments)]
    pub fn evolve(
        &self,
        batch: usize,
        shape: (usize, usize),
        set: SynapseSet<'_>,
        (t, dt): (f32, f32),
        names_of: &[&'static str],
        weights_q: usize,
        state: &mut [Vec<f32>],
    ) {
        let idx = |name: &str| names_of.iter().position(|n| *n == name).unwrap_or(usize::MAX);
        let mut weights = std::mem::take(&mut state[weights_q]);
        let mut d_weights = std::mem::take(&mut state[idx(names::D_WEIGHTS)]);
        let get = |name: &str| state.get(idx(name)).map_or(&[][..], Vec::as_slice);
        let inputs = || StdpInputs {
            pre_spike: get(names::PRE_SPIKE),
            post_spike: get(names::POST_SPIKE),
            pre_trace: get(names::PRE_TRACE),
            post_trace: get(names::POST_TRACE),
        };
        match self {
            Rule::Trace(r) => {
                let i = inputs();
                r.evolve_set(
                    batch,
                    shape.0,
                    shape.1,
                    set,
                    StdpState {
                        weights: &mut weights,
                        d_weights: &mut d_weights,
                        pre_spike: i.pre_spike,
                        post_spike: i.post_spike,
                        pre_trace: i.pre_trace,
                        post_trace: i.post_trace,
                    },
                );
            }
            Rule::Event(r) => r.evolve(
                t,
                shape,
                set,
                get(names::ETA)[0],
                get(names::PRE_TOLS),
                get(names::POST_SPIKE),
                &mut weights,
                &mut d_weights,
            ),
            Rule::Exp(r) => r.evolve(
                batch,
                shape,
                set,
                get(names::ETA)[0],
                &inputs(),
                &mut weights,
                &mut d_weights,
            ),
            Rule::Modulated(r) => {
                let mut eligibility = std::mem::take(&mut state[idx(rule_names::ELIGIBILITY)]);
                let get = |name: &str| state.get(idx(name)).map_or(&[][..], Vec::as_slice);
                let inputs = StdpInputs {
                    pre_spike: get(names::PRE_SPIKE),
                    post_spike: get(names::POST_SPIKE),
                    pre_trace: get(names::PRE_TRACE),
                    post_trace: get(names::POST_TRACE),
                };
                r.evolve(
                    shape,
                    set,
                    r.decay(dt),
                    &inputs,
                    ModulatedState {
                        weights: &mut weights,
                        d_weights: &mut d_weights,
                        eligibility: &mut eligibility,
                        modulator: get(rule_names::MODULATOR)[0],
                        outmask: get(rule_names::OUTMASK),
                    },
                );
                state[idx(rule_names::ELIGIBILITY)] = eligibility;
            }
        }
        state[weights_q] = weights;
        state[idx(names::D_WEIGHTS)] = d_weights;
    }
}
