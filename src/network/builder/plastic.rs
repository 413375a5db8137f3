//! Plastic connections in the builder: any learning rule ([`Rule`]) on a dense connection (an
//! ngclearn-style synapse component) or a sparse projection (the same rule restricted to the
//! stored synapses), wired to the spikes, traces and times of last spike it reads; and the
//! modulator of reward-modulated rules, set between runs or streamed per step.

use super::*;
use crate::network::rules::rule_names;
use crate::network::synapses::names;

/// Whether component kind `k` runs `evolve` (a synapse or projection with a learning rule).
pub(super) fn learns(k: &Kind) -> bool {
    match k {
        Kind::Synapse(s) => s.is_plastic(),
        Kind::Projection(p) => p.rule.is_some(),
        _ => false,
    }
}

fn rule_of(k: &Kind) -> Option<&Rule> {
    match k {
        Kind::Synapse(s) => s.rule.as_ref(),
        Kind::Projection(p) => p.rule.as_ref(),
        _ => None,
    }
}

/// Makes every MSTDPET modulator a per-step input of the graph, set at the start of each step
/// (ngclearn's applications set it before the step's processes run).
pub(super) fn stream_modulators(graph: &mut Graph) -> Result<()> {
    for c in 0..graph.components.len() {
        if !matches!(rule_of(&graph.components[c].kind), Some(Rule::Modulated(_))) {
            continue;
        }
        let port = Port {
            component: c,
            compartment: graph.components[c].compartment(rule_names::MODULATOR)?,
        };
        graph.step.insert(0, StepOp::Set(port, graph.inputs.len()));
        graph.inputs.push(port);
    }
    Ok(())
}

impl NetworkBuilder {
    /// A connection from `from`'s spikes into `to` that learns with `rule` (ngclearn's
    /// TraceSTDP, EventSTDP, ExpSTDP or MSTDPET synapse), after every step's advances:
    /// * dense connectivity ([`ConnectivitySpec::Dense`]): an ngclearn synapse component of the
    ///   rule's class (weights N_pre × N_post, the rule's weight mask multiplied in; an empty
    ///   mask means all ones); the spec's scale is its `g_conduct_factor`;
    /// * sparse connectivity (fixed probability, fixed in-degree, a list): a projection whose
    ///   stored synapses learn by the same rule (absent synapses do not exist, so the rule's
    ///   weight mask must be empty or all non-zero).
    ///
    /// The trace-based rules read a trace of `from`'s spikes and one of `to`'s, found in
    /// `traces` (made with [`NetworkBuilder::trace`]); EventSTDP reads `from`'s time of last
    /// spike `tols`. EventSTDP and MSTDPET work with batch 1 only (as ngclearn). An MSTDPET
    /// connection's reward is set with [`Network::set_modulator`] or streamed per step with
    /// [`Network::run_modulated`].
    pub fn plastic_rule(
        &mut self,
        name: &str,
        from: LayerId,
        to: LayerId,
        spec: ProjectionSpec,
        mut rule: Rule,
        traces: &[TraceId],
    ) -> Result<ProjectionId> {
        let layer = |l: LayerId| self.layers.get(l.0).cloned().ok_or_else(|| bad(name, "unknown layer"));
        let (pre, post) = (layer(from)?, layer(to)?);
        if post.drive.is_none() {
            return Err(bad(
                name,
                "the target must be a population (encoders take no input current)",
            ));
        }
        let class = rule.class();
        let (n_pre, n_post) = (pre.n_units, post.n_units);
        if let Some(problem) = rule.check() {
            return Err(bad(name, format!("{class}: {problem}")));
        }
        if matches!(rule, Rule::Event(_) | Rule::Modulated(_)) && self.batch != 1 {
            return Err(bad(
                name,
                format!(
                    "{class} works with batch 1 only (ngclearn 3.2.3's shapes broadcast for B = 1 only); the network has batch {}",
                    self.batch
                ),
            ));
        }
        // The inputs the rule reads, checked before anything is added.
        let layer_name = |l: &LayerInfo| self.graph.components[l.component].name.clone();
        let trace_of = |layer: usize| {
            traces
                .iter()
                .find(|t| self.trace_layers.get(t.0) == Some(&layer))
                .map(|t| Port {
                    component: self.traces[t.0],
                    compartment: 1,
                })
        };
        let mut reads = vec![(names::POST_SPIKE, spike_port(&self.graph, post.component))];
        if rule.reads_traces() {
            reads.push((names::PRE_SPIKE, spike_port(&self.graph, pre.component)));
            for (compartment, l, info, side) in [
                (names::PRE_TRACE, from.0, &pre, "source"),
                (names::POST_TRACE, to.0, &post, "target"),
            ] {
                let port = trace_of(l).ok_or_else(|| {
                    bad(
                        name,
                        format!(
                            "{class} needs a trace of the {side} layer `{}`'s spikes (its `{compartment}`); none of the {} traces given follows that layer (make one with NetworkBuilder::trace)",
                            layer_name(info),
                            traces.len()
                        ),
                    )
                })?;
                reads.push((compartment, port));
            }
        } else {
            let source = &self.graph.components[pre.component];
            let tols = source.compartment("tols").map_err(|_| {
                bad(
                    name,
                    format!(
                        "{class} needs the source layer `{}`'s time of last spike `tols` (its `pre_tols`); {} has none",
                        source.name,
                        source.class()
                    ),
                )
            })?;
            reads.push((
                names::PRE_TOLS,
                Port {
                    component: pre.component,
                    compartment: tols,
                },
            ));
        }
        let id = match &spec.connectivity {
            ConnectivitySpec::Dense(weights) => {
                if spec.dynamics != ProjectionDynamics::Instant || spec.delay != 0 || spec.source.is_some() {
                    return Err(bad(
                        name,
                        format!(
                            "{class} on dense weights is an instantaneous synapse from the source's spikes: no dynamics, delay or other source"
                        ),
                    ));
                }
                let n = n_pre * n_post;
                if let Some(mask) = rule_mask(&mut rule) {
                    if mask.is_empty() {
                        *mask = vec![1.0; n];
                    } else if mask.len() != n {
                        return Err(bad(
                            name,
                            format!(
                                "the weight mask has {} values; ({n_pre}, {n_post}) needs {n}",
                                mask.len()
                            ),
                        ));
                    }
                }
                let key = self.next_key();
                let mut synapse = SynapseSpec {
                    class,
                    n_pre,
                    n_post,
                    dynamics: Dynamics::Instant,
                    weight_init: None,
                    bias_init: None,
                    g_conduct_factor: spec.scale,
                    p_conn: 1.0,
                    p_release_mean: 1.0,
                    max_delay_steps: 0,
                    mask: None,
                    is_nonplastic: false,
                }
                .build(name, key)?;
                synapse.weights = match weights {
                    Weights::Constant(x) => vec![*x; n],
                    Weights::Uniform { low, high } => key.split().1.uniform(n, *low, *high),
                    Weights::Values(v) if v.len() == n => v.clone(),
                    Weights::Values(v) => {
                        return Err(bad(
                            name,
                            format!("{} weights given; ({n_pre}, {n_post}) needs {n}", v.len()),
                        ));
                    }
                };
                if let Some(i) = synapse.weights.iter().position(|w| !w.is_finite()) {
                    return Err(bad(name, format!("weight {i} is not finite")));
                }
                if let Some(mask) = rule.weight_mask() {
                    for (w, m) in synapse.weights.iter_mut().zip(mask) {
                        *w *= m;
                    }
                }
                synapse.rule = Some(rule);
                let component = self.add(name, Kind::Synapse(synapse))?;
                let source = match self.graph.components[pre.component].kind {
                    Kind::Cell { .. } => "s",
                    _ => "outputs",
                };
                self.projections
                    .push((component, from.0, to.0, Some(source.to_string())));
                ProjectionId(self.projections.len() - 1)
            }
            ConnectivitySpec::FixedProbability { .. }
            | ConnectivitySpec::FixedInDegree { .. }
            | ConnectivitySpec::List(_) => {
                if rule_mask(&mut rule).is_some_and(|m| m.contains(&0.0)) {
                    return Err(bad(
                        name,
                        "a sparse projection's stored synapses are its connectivity: give the rule an empty weight mask",
                    ));
                }
                let id = self.project(name, from, to, spec)?;
                let Kind::Projection(p) = &mut self.graph.components[self.projections[id.0].0].kind else {
                    unreachable!("project adds a projection")
                };
                p.rule = Some(rule);
                p.validate(name)?;
                id
            }
            ConnectivitySpec::OneToOne(_)
            | ConnectivitySpec::Procedural { .. }
            | ConnectivitySpec::ProceduralFanOut { .. } => {
                return Err(bad(
                    name,
                    format!(
                        "{class} needs stored weights: use dense or sparse (fixed probability, fixed in-degree, list) connectivity"
                    ),
                ));
            }
        };
        let component = self.projections[id.0].0;
        for (compartment, source) in reads {
            let target = Port {
                component,
                compartment: self.graph.components[component].compartment(compartment)?,
            };
            self.graph.wires.push(Wire {
                target,
                sources: vec![source],
                op: WireOp::Copy,
            });
        }
        Ok(id)
    }
}

/// The rule's weight mask, for filling in or checking.
fn rule_mask(rule: &mut Rule) -> Option<&mut Vec<f32>> {
    match rule {
        Rule::Trace(r) => Some(&mut r.weight_mask),
        Rule::Exp(r) => Some(&mut r.weight_mask),
        Rule::Modulated(r) => Some(&mut r.stdp.weight_mask),
        Rule::Event(_) => None,
    }
}

impl<E: NetEngine> Network<E> {
    fn modulator_port(&self, projection: ProjectionId) -> Result<Port> {
        let component = *self
            .layout
            .projections
            .get(projection.0)
            .ok_or_else(|| bad("projection", "unknown projection id"))?;
        let c = &self.engine_ref().graph().components[component];
        match rule_of(&c.kind) {
            Some(Rule::Modulated(_)) => Ok(Port {
                component,
                compartment: c.compartment(rule_names::MODULATOR)?,
            }),
            other => Err(bad(
                &c.name,
                format!(
                    "only an MSTDPETSynapse rule has a modulator; this connection's rule is {}",
                    other.map_or("none", Rule::class)
                ),
            )),
        }
    }

    /// Sets a reward-modulated (MSTDPET) connection's modulator, kept for every step of the
    /// following runs until set again. Its shape is ngclearn's (batch_size, 1) = (1, 1): one
    /// value.
    pub fn set_modulator(&mut self, projection: ProjectionId, values: &[f32]) -> Result<()> {
        let port = self.modulator_port(projection)?;
        let name = self.engine_ref().graph().name(port);
        check_modulator(&name, values, 1)?;
        self.engine.write(port, values)
    }

    /// [`Network::run`] with per-step modulators: each `(projection, values)` gives one value
    /// per step (shape (steps, 1, 1)) for an MSTDPET connection, set at the start of each step;
    /// the others keep their value. After the run a modulator holds its last step's value.
    pub fn run_modulated(
        &mut self,
        steps: usize,
        dt: f64,
        record: &NetRecord,
        streams: &[(ProjectionId, &[f32])],
    ) -> Result<NetRun> {
        self.run_with(steps, dt, record, &[], streams)
    }

    /// The per-step input port of each streamed modulator, its values checked.
    pub(super) fn modulator_streams<'a>(
        &self,
        steps: usize,
        streams: &[(ProjectionId, &'a [f32])],
    ) -> Result<Vec<(Port, &'a [f32])>> {
        streams
            .iter()
            .map(|&(projection, values)| {
                let port = self.modulator_port(projection)?;
                let name = self.engine_ref().graph().name(port);
                check_modulator(&name, values, steps)?;
                if !self.engine_ref().graph().inputs.contains(&port) {
                    return Err(bad(&name, "the modulator is not a per-step input of this network"));
                }
                Ok((port, values))
            })
            .collect()
    }
}

/// A modulator of `steps` rows must hold `steps` finite values: ngclearn's (batch_size, 1)
/// shape with batch 1.
fn check_modulator(name: &str, values: &[f32], steps: usize) -> Result<()> {
    if values.len() != steps {
        return Err(bad(
            name,
            format!(
                "the modulator has shape (batch_size, 1) = (1, 1) per step: expected {steps} value(s) ({steps} step(s) × 1 × 1), got {}",
                values.len()
            ),
        ));
    }
    match values.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(bad(
            name,
            format!("modulator value {} at index {i} is not finite", values[i]),
        )),
        None => Ok(()),
    }
}
