//! Building a network from populations, encoders and projections, and running it.
//!
//! ```
//! use spikegpu::cells::{LifCell, LifParams};
//! use spikegpu::network::{NetworkBuilder, ProjectionSpec, NetRecord};
//!
//! let mut b = NetworkBuilder::new(1, 42);
//! let input = b.poisson("input", 100, 63.75)?;
//! let exc = b.population("exc", Box::new(LifCell::new(LifParams::with_tau_m(10.0))?), 50)?;
//! b.project("input_exc", input, exc, ProjectionSpec::fixed_probability(0.2, 4.0))?;
//! let mut net = b.build_cpu()?;            // or b.build_gpu(&ctx)?
//! net.set_input(input, &vec![1.0; 100])?;  // Poisson intensities (rate = 63.75 Hz × input)
//! let run = net.run(1000, 0.1, &NetRecord::spikes(&[input, exc]))?;
//! assert!(run.spike_count(input) > 0);
//! # Ok::<(), spikegpu::Error>(())
//! ```
//!
//! Conventions (ngclearn's exhibits): every step advances the projections first (so a
//! projection sees the spikes of the previous step), then the encoders, then the populations.
//! A population's input `j` each step is its drive ([`Network::set_drive`]) plus its incoming
//! projections' outputs, summed left to right in the order the projections were added. Each
//! component gets the key `split(PRNGKey(seed), n)[k + 1]` for the k-th component added, as the
//! Diehl & Cook exhibit draws its components' keys.

use std::sync::Arc;

use crate::cells::CellModel;
use crate::error::{Error, Result};
use crate::gpu::GpuContext;
use crate::rng::Key;

use super::encoders::EncoderKind;
use super::graph::{Call, Component, Graph, Kind, Port, StepOp, Wire, WireOp};
use super::projection::{
    Connectivity, FanOut, Procedural, Projection, ProjectionDynamics, Propagation, SparseSynapses,
};
use super::rules::Rule;
use super::stdp::TraceStdp;
use super::synapses::{Dynamics, SynapseSpec};
use super::traces::VarTrace;
use super::{CpuNetwork, GpuNetwork, NetEngine};

mod plastic;

/// A layer (population or encoder) of a network being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerId(pub(crate) usize);

/// A trace of a network being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(pub(crate) usize);

/// A projection of a network being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProjectionId(pub(crate) usize);

/// Weights of a dense or one-to-one projection.
#[derive(Debug, Clone, PartialEq)]
pub enum Weights {
    /// Every weight the same.
    Constant(f32),
    /// Drawn from `uniform(low, high)` with the projection's key.
    Uniform {
        /// Low end.
        low: f32,
        /// High end.
        high: f32,
    },
    /// Given values (dense: N_pre × N_post row-major; one-to-one: N).
    Values(Vec<f32>),
}

/// How a projection connects.
#[derive(Debug, Clone, PartialEq)]
pub enum ConnectivitySpec {
    /// All pairs, weights stored.
    Dense(Weights),
    /// Unit i to unit i.
    OneToOne(Weights),
    /// Each pair with probability `p`, stored sparse, every weight `weight`.
    FixedProbability {
        /// Connection probability.
        p: f64,
        /// Weight.
        weight: f32,
    },
    /// Each postsynaptic unit gets `k` distinct presynaptic units, stored sparse.
    FixedInDegree {
        /// In-degree.
        k: usize,
        /// Weight.
        weight: f32,
    },
    /// A user's list of `(pre, post, weight)`.
    List(Vec<(u32, u32, f32)>),
    /// Each pair with probability `p`, regenerated from the key every step (no storage);
    /// weight constant, or uniform in `[weight, weight_high)`.
    Procedural {
        /// Connection probability.
        p: f32,
        /// Weight (or the low end).
        weight: f32,
        /// High end of a uniform weight range.
        weight_high: Option<f32>,
    },
    /// Each presynaptic unit gets `k` targets drawn with replacement, regenerated from the key
    /// per spike (no storage; event propagation on the GPU): see [`super::event`].
    ProceduralFanOut {
        /// Targets per presynaptic unit.
        k: u32,
        /// Weight (or the low end).
        weight: f32,
        /// High end of a uniform weight range.
        weight_high: Option<f32>,
    },
}

/// Everything a projection is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionSpec {
    /// Connectivity and weights.
    pub connectivity: ConnectivitySpec,
    /// Synaptic dynamics.
    pub dynamics: ProjectionDynamics,
    /// Output scale.
    pub scale: f32,
    /// Axonal delay in steps.
    pub delay: usize,
    /// The source compartment (`None`: `s` for cells, `outputs` for encoders).
    pub source: Option<String>,
    /// Event-driven propagation for signals up to this magnitude (`None`: gather).
    pub event: Option<f32>,
}

impl ProjectionSpec {
    /// A projection with this connectivity, instantaneous, scale 1, no delay.
    pub fn new(connectivity: ConnectivitySpec) -> ProjectionSpec {
        ProjectionSpec {
            connectivity,
            dynamics: ProjectionDynamics::Instant,
            scale: 1.0,
            delay: 0,
            source: None,
            event: None,
        }
    }

    /// Dense with given weights.
    pub fn dense(weights: Weights) -> ProjectionSpec {
        ProjectionSpec::new(ConnectivitySpec::Dense(weights))
    }

    /// One-to-one with given weights.
    pub fn one_to_one(weights: Weights) -> ProjectionSpec {
        ProjectionSpec::new(ConnectivitySpec::OneToOne(weights))
    }

    /// Fixed connection probability, stored sparse.
    pub fn fixed_probability(p: f64, weight: f32) -> ProjectionSpec {
        ProjectionSpec::new(ConnectivitySpec::FixedProbability { p, weight })
    }

    /// Fixed in-degree, stored sparse.
    pub fn fixed_in_degree(k: usize, weight: f32) -> ProjectionSpec {
        ProjectionSpec::new(ConnectivitySpec::FixedInDegree { k, weight })
    }

    /// A user's synapse list.
    pub fn list(synapses: Vec<(u32, u32, f32)>) -> ProjectionSpec {
        ProjectionSpec::new(ConnectivitySpec::List(synapses))
    }

    /// Procedural fixed probability with a constant weight.
    pub fn procedural(p: f32, weight: f32) -> ProjectionSpec {
        ProjectionSpec::new(ConnectivitySpec::Procedural {
            p,
            weight,
            weight_high: None,
        })
    }

    /// Procedural fan-out: `k` targets per presynaptic unit with a constant weight; event-driven.
    pub fn procedural_fan_out(k: u32, weight: f32) -> ProjectionSpec {
        ProjectionSpec::new(ConnectivitySpec::ProceduralFanOut {
            k,
            weight,
            weight_high: None,
        })
        .event_driven()
    }

    /// Event-driven propagation of a spike source (|signal| ≤ 1): cost ∝ spikes × fan-out,
    /// integer sums on a fixed-point scale ([`super::event`]).
    pub fn event_driven(self) -> ProjectionSpec {
        self.event_driven_bounded(1.0)
    }

    /// Event-driven propagation of a source with |signal| ≤ `max_signal` (larger terms clamp).
    pub fn event_driven_bounded(mut self, max_signal: f32) -> ProjectionSpec {
        self.event = Some(max_signal);
        self
    }

    /// With an exponentially decaying current of time constant `tau` (ms).
    pub fn exponential_current(mut self, tau: f32) -> ProjectionSpec {
        self.dynamics = ProjectionDynamics::ExponentialCurrent { tau };
        self
    }

    /// As ngclearn's `ExponentialSynapse` in conductance form: a conductance that decays with
    /// `tau_decay` (ms), jumps by `g_syn_bar` per unit of summed input, and drives
    /// `−(g·scale)·(v − syn_rest)` into the target, `v` being the target's voltage.
    pub fn conductance(mut self, tau_decay: f32, g_syn_bar: f32, syn_rest: f32) -> ProjectionSpec {
        self.dynamics = ProjectionDynamics::Conductance {
            tau_decay,
            g_syn_bar,
            syn_rest,
        };
        self
    }

    /// With an axonal delay of `steps`.
    pub fn delay(mut self, steps: usize) -> ProjectionSpec {
        self.delay = steps;
        self
    }

    /// With an output scale.
    pub fn scale(mut self, scale: f32) -> ProjectionSpec {
        self.scale = scale;
        self
    }

    /// Reading another source compartment than the spikes (e.g. `v`).
    pub fn from_compartment(mut self, name: &str) -> ProjectionSpec {
        self.source = Some(name.to_string());
        self
    }
}

#[derive(Debug, Clone)]
struct LayerInfo {
    component: usize,
    /// The population's drive component (cells only).
    drive: Option<usize>,
    n_units: usize,
}

/// Builds a [`Graph`] (and a [`Network`]) from layers and projections. See the
/// [module docs](self).
#[derive(Debug)]
pub struct NetworkBuilder {
    batch: usize,
    seed: Key,
    graph: Graph,
    layers: Vec<LayerInfo>,
    projections: Vec<(usize, usize, usize, Option<String>)>,
    traces: Vec<usize>,
    /// The layer each trace follows.
    trace_layers: Vec<usize>,
}

fn bad(part: &str, problem: impl Into<String>) -> Error {
    Error::Network {
        part: part.to_string(),
        problem: problem.into(),
    }
}

impl NetworkBuilder {
    /// An empty network of batch `batch`; components draw their keys from `PRNGKey(seed)`.
    pub fn new(batch: usize, seed: u64) -> NetworkBuilder {
        NetworkBuilder {
            batch: batch.max(1),
            seed: Key::from_seed(seed),
            graph: Graph::default(),
            layers: Vec::new(),
            projections: Vec::new(),
            traces: Vec::new(),
            trace_layers: Vec::new(),
        }
    }

    fn next_key(&self) -> Key {
        let k = self.graph.components.len();
        self.seed.split_n(k + 2)[k + 1]
    }

    fn add(&mut self, name: &str, kind: Kind) -> Result<usize> {
        if name.is_empty() || name.contains('.') {
            return Err(bad(name, "names must be non-empty and contain no `.`"));
        }
        if self.graph.components.iter().any(|c| c.name == name) {
            return Err(bad(name, "a component of this name exists already"));
        }
        let key = self.next_key();
        self.graph.components.push(Component {
            name: name.to_string(),
            kind,
            batch: self.batch,
            key,
        });
        Ok(self.graph.components.len() - 1)
    }

    fn layer(&mut self, name: &str, kind: Kind, n_units: usize) -> Result<LayerId> {
        if n_units == 0 {
            return Err(bad(name, "a layer needs at least one unit"));
        }
        let is_cell = matches!(kind, Kind::Cell { .. });
        let component = self.add(name, kind)?;
        let drive = if is_cell {
            Some(self.add(&format!("{name}_drive"), Kind::Drive { n_units })?)
        } else {
            None
        };
        self.layers.push(LayerInfo {
            component,
            drive,
            n_units,
        });
        Ok(LayerId(self.layers.len() - 1))
    }

    /// A population of `n_units` cells of `cell`. A cell with per-neuron parameters ([`crate::cells::heterogeneous`]) must have been
    /// built for `n_units` neurons.
    pub fn population(&mut self, name: &str, cell: Box<dyn CellModel>, n_units: usize) -> Result<LayerId> {
        crate::cells::input_index(cell.as_ref())?;
        crate::cells::heterogeneous::check_units(cell.as_ref(), n_units).map_err(|e| bad(name, e.to_string()))?;
        self.layer(name, Kind::Cell { model: cell, n_units }, n_units)
    }

    /// Makes a population's drive a per-step stream: each step of [`Network::run_streamed`]
    /// sets it to that step's row of host values (e.g. fresh noise every step, drawn on the
    /// host, so the CPU and GPU engines get the same numbers; on the GPU the rows are uploaded
    /// once per run chunk and copied into the drive step by step, with no host round trip).
    pub fn stream_drive(&mut self, layer: LayerId) -> Result<()> {
        let info = self
            .layers
            .get(layer.0)
            .ok_or_else(|| bad("layer", "unknown layer id"))?;
        let name = self.graph.components[info.component].name.clone();
        let drive = info
            .drive
            .ok_or_else(|| bad(&name, "encoders have no drive; set their input"))?;
        let port = Port {
            component: drive,
            compartment: 0,
        };
        if self.graph.inputs.contains(&port) {
            return Err(bad(&name, "its drive is streamed already"));
        }
        self.graph.inputs.push(port);
        Ok(())
    }

    /// A Poisson encoder (ngclearn's `PoissonCell`): spike probability `input·dt/1000·target_freq`.
    pub fn poisson(&mut self, name: &str, n_units: usize, target_freq: f32) -> Result<LayerId> {
        if !(target_freq.is_finite() && target_freq >= 0.0) {
            return Err(bad(
                name,
                format!("target_freq = {target_freq} must be finite and >= 0"),
            ));
        }
        self.layer(
            name,
            Kind::Encoder {
                kind: EncoderKind::Poisson { target_freq },
                n_units,
            },
            n_units,
        )
    }

    /// A Bernoulli encoder (ngclearn's `BernoulliCell`): spike probability `input` per step.
    pub fn bernoulli(&mut self, name: &str, n_units: usize) -> Result<LayerId> {
        self.layer(
            name,
            Kind::Encoder {
                kind: EncoderKind::Bernoulli,
                n_units,
            },
            n_units,
        )
    }

    /// A projection from `from`'s spikes (or the spec's source compartment) into `to`'s input.
    pub fn project(&mut self, name: &str, from: LayerId, to: LayerId, spec: ProjectionSpec) -> Result<ProjectionId> {
        let (pre_layer, post_layer) = (self.layers[from.0].clone(), self.layers[to.0].clone());
        if post_layer.drive.is_none() {
            return Err(bad(
                name,
                "the target must be a population (encoders take no input current)",
            ));
        }
        let (n_pre, n_post) = (pre_layer.n_units, post_layer.n_units);
        let key = self.next_key();
        let draw = |w: &Weights, n: usize, k: Key| -> Result<Vec<f32>> {
            match w {
                Weights::Constant(x) => Ok(vec![*x; n]),
                Weights::Uniform { low, high } => {
                    if !(low.is_finite() && high.is_finite() && low <= high) {
                        return Err(bad(name, "uniform weights need finite low <= high"));
                    }
                    Ok(k.uniform(n, *low, *high))
                }
                Weights::Values(v) => Ok(v.clone()),
            }
        };
        let (conn_key, weight_key) = key.split();
        let connectivity = match &spec.connectivity {
            ConnectivitySpec::Dense(w) => Connectivity::Dense {
                weights: draw(w, n_pre * n_post, weight_key)?,
            },
            ConnectivitySpec::OneToOne(w) => Connectivity::OneToOne {
                weights: draw(w, n_pre, weight_key)?,
            },
            ConnectivitySpec::FixedProbability { p, weight } => Connectivity::Sparse(
                SparseSynapses::fixed_probability(name, n_pre, n_post, *p, *weight, conn_key)?,
            ),
            ConnectivitySpec::FixedInDegree { k, weight } => Connectivity::Sparse(SparseSynapses::fixed_in_degree(
                name, n_pre, n_post, *k, *weight, conn_key,
            )?),
            ConnectivitySpec::List(list) => {
                Connectivity::Sparse(SparseSynapses::from_triples(name, n_pre, n_post, list.clone())?)
            }
            ConnectivitySpec::Procedural { p, weight, weight_high } => Connectivity::Procedural(Procedural {
                p: *p,
                weight: *weight,
                weight_high: *weight_high,
                conn_key,
                weight_key,
            }),
            ConnectivitySpec::ProceduralFanOut { k, weight, weight_high } => Connectivity::ProceduralFanOut(FanOut {
                k: *k,
                weight: *weight,
                weight_high: *weight_high,
                conn_key,
                weight_key,
            }),
        };
        let mut projection = Projection {
            n_pre,
            n_post,
            connectivity,
            dynamics: spec.dynamics,
            scale: spec.scale,
            delay: spec.delay,
            rule: None,
            propagation: Propagation::Gather,
        };
        projection.validate(name)?;
        if let Some(max_signal) = spec.event {
            projection.propagation = Propagation::Event(super::event::scale_for(name, &projection, max_signal)?);
        }
        let source = match &spec.source {
            Some(s) => s.clone(),
            None => match self.graph.components[pre_layer.component].kind {
                Kind::Cell { .. } => "s".to_string(),
                _ => "outputs".to_string(),
            },
        };
        self.graph.components[pre_layer.component].compartment(&source)?;
        let conductance = matches!(projection.dynamics, ProjectionDynamics::Conductance { .. });
        let target_v = if conductance {
            let v = self.graph.components[post_layer.component]
                .compartment("v")
                .map_err(|e| bad(name, format!("a conductance reads the target's voltage: {e}")))?;
            Some(Port {
                component: post_layer.component,
                compartment: v,
            })
        } else {
            None
        };
        let component = self.add(name, Kind::Projection(projection))?;
        if let Some(v) = target_v {
            let q = self.graph.components[component].compartment(super::projection::names::VOLTAGE)?;
            self.graph.wires.push(Wire {
                target: Port {
                    component,
                    compartment: q,
                },
                sources: vec![v],
                op: WireOp::Copy,
            });
        }
        self.projections.push((component, from.0, to.0, Some(source)));
        Ok(ProjectionId(self.projections.len() - 1))
    }

    /// ngclearn's `VarTrace` of a layer's spikes (advanced after the populations, as in
    /// ngclearn's exhibits); read it with [`Network::read_trace`].
    pub fn trace(&mut self, name: &str, of: LayerId, trace: VarTrace) -> Result<TraceId> {
        let layer = self
            .layers
            .get(of.0)
            .cloned()
            .ok_or_else(|| bad(name, "unknown layer"))?;
        if trace.n_units != layer.n_units {
            return Err(bad(
                name,
                format!("the trace has {} units, the layer {}", trace.n_units, layer.n_units),
            ));
        }
        let component = self.add(name, Kind::Trace(trace))?;
        let source = spike_port(&self.graph, layer.component);
        self.graph.wires.push(Wire {
            target: Port {
                component,
                compartment: 0,
            },
            sources: vec![source],
            op: WireOp::Copy,
        });
        self.traces.push(component);
        self.trace_layers.push(of.0);
        Ok(TraceId(self.traces.len() - 1))
    }

    /// A dense projection that learns with ngclearn's `TraceSTDPSynapse` rule (README §4.6):
    /// `from`'s spikes drive `to` through `weights` (N_pre × N_post; the rule's weight mask is
    /// multiplied in), and after every step (after the traces, as ngclearn's exhibits order it)
    /// the weights change from both layers' spikes and the traces `(pre_trace, post_trace)` (of
    /// `from` and of `to`). Normalise between samples with
    /// [`super::normalize::normalize_columns`]. The other rules, and sparse connectivity:
    /// [`NetworkBuilder::plastic_rule`].
    pub fn plastic(
        &mut self,
        name: &str,
        from: LayerId,
        to: LayerId,
        weights: Weights,
        rule: TraceStdp,
        (pre_trace, post_trace): (TraceId, TraceId),
    ) -> Result<ProjectionId> {
        // The traces are given by role here: check each follows its layer.
        let trace_of = |t: TraceId| self.trace_layers.get(t.0).copied();
        if trace_of(pre_trace) != Some(from.0) {
            return Err(bad(
                name,
                "the rule needs a trace of its source layer's spikes as `pre_trace`",
            ));
        }
        if trace_of(post_trace) != Some(to.0) {
            return Err(bad(
                name,
                "the rule needs a trace of its target layer's spikes as `post_trace`",
            ));
        }
        self.plastic_rule(
            name,
            from,
            to,
            ProjectionSpec::dense(weights),
            Rule::Trace(rule),
            &[pre_trace, post_trace],
        )
    }

    /// The graph: components, wires, ngclearn's default order.
    pub fn build(self) -> Result<(Graph, Layout)> {
        let NetworkBuilder {
            mut graph,
            layers,
            projections,
            traces,
            ..
        } = self;
        for &(component, from, _, ref source) in &projections {
            let pre = layers[from].component;
            let source = source.as_deref().unwrap_or("s");
            graph.wires.push(Wire {
                target: Port {
                    component,
                    compartment: 0,
                },
                sources: vec![Port {
                    component: pre,
                    compartment: graph.components[pre].compartment(source)?,
                }],
                op: WireOp::Copy,
            });
        }
        for (l, layer) in layers.iter().enumerate() {
            let Some(drive) = layer.drive else { continue };
            let mut sources = vec![Port {
                component: drive,
                compartment: 0,
            }];
            sources.extend(projections.iter().filter(|p| p.2 == l).map(|p| Port {
                component: p.0,
                compartment: 1,
            }));
            let cell = &graph.components[layer.component];
            let Kind::Cell { model, .. } = &cell.kind else {
                unreachable!("layers with a drive are populations")
            };
            let j = crate::cells::input_index(model.as_ref())?;
            graph.wires.push(Wire {
                target: Port {
                    component: layer.component,
                    compartment: j,
                },
                op: if sources.len() == 1 { WireOp::Copy } else { WireOp::Sum },
                sources,
            });
        }
        let order = |pred: &dyn Fn(&Kind) -> bool| -> Vec<usize> {
            (0..graph.components.len())
                .filter(|&c| pred(&graph.components[c].kind))
                .collect()
        };
        // Streamed drives are set first, so the step's populations read this step's row.
        for (i, &port) in graph.inputs.iter().enumerate() {
            graph.step.push(StepOp::Set(port, i));
        }
        let projections_first = order(&|k| matches!(k, Kind::Projection(_) | Kind::Synapse(_)));
        let encoders = order(&|k| matches!(k, Kind::Encoder { .. }));
        let cells = order(&|k| matches!(k, Kind::Cell { .. }));
        let trace_components = order(&|k| matches!(k, Kind::Trace(_)));
        for c in projections_first
            .into_iter()
            .chain(encoders)
            .chain(cells)
            .chain(trace_components)
        {
            graph.step.push(StepOp::Call(Call::Advance(c)));
        }
        // Learning after every advance of the step, as ngclearn's exhibits run their evolve
        // process after the advance process.
        let learning = order(&|k| plastic::learns(k));
        for c in learning {
            graph.step.push(StepOp::Call(Call::Evolve(c)));
        }
        plastic::stream_modulators(&mut graph)?;
        graph.reset = (0..graph.components.len()).collect();
        graph.check()?;
        let layout = Layout {
            layers: layers
                .iter()
                .map(|l| LayerPorts {
                    name: graph.components[l.component].name.clone(),
                    component: l.component,
                    drive: l.drive,
                    n_units: l.n_units,
                    spikes: spike_port(&graph, l.component),
                })
                .collect(),
            projections: projections.iter().map(|p| p.0).collect(),
            traces,
        };
        Ok((graph, layout))
    }

    /// Builds and puts the network on the CPU reference engine.
    pub fn build_cpu(self) -> Result<Network<CpuNetwork>> {
        let (graph, layout) = self.build()?;
        Network::new(CpuNetwork::new(graph)?, layout)
    }

    /// Builds and puts the network on the GPU.
    pub fn build_gpu(self, ctx: &Arc<GpuContext>) -> Result<Network<GpuNetwork>> {
        let (graph, layout) = self.build()?;
        Network::new(GpuNetwork::new(ctx, graph)?, layout)
    }
}

fn spike_port(graph: &Graph, component: usize) -> Port {
    let c = &graph.components[component];
    let name = if matches!(c.kind, Kind::Cell { .. }) {
        "s"
    } else {
        "outputs"
    };
    Port {
        component,
        compartment: c.compartment(name).unwrap_or(0),
    }
}

/// Where each layer's compartments are in the graph.
#[derive(Debug, Clone)]
pub struct Layout {
    layers: Vec<LayerPorts>,
    projections: Vec<usize>,
    traces: Vec<usize>,
}

#[derive(Debug, Clone)]
struct LayerPorts {
    name: String,
    component: usize,
    drive: Option<usize>,
    n_units: usize,
    spikes: Port,
}

/// What a run records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetRecord {
    /// Layers whose spikes are recorded every step (bit-packed).
    pub spikes: Vec<LayerId>,
    /// `(layer, compartment)` recorded every step as float32 values.
    pub traces: Vec<(LayerId, String)>,
}

impl NetRecord {
    /// The spikes of these layers.
    pub fn spikes(layers: &[LayerId]) -> NetRecord {
        NetRecord {
            spikes: layers.to_vec(),
            traces: Vec::new(),
        }
    }
}

/// What a run recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetRun {
    /// Steps run.
    pub steps: usize,
    /// Per recorded layer (in [`NetRecord::spikes`] order): `(layer, words per step, raster)`;
    /// bit `i % 32` of word `k·words + i / 32` is element i's spike at step k.
    pub rasters: Vec<(LayerId, usize, Vec<u32>)>,
    /// Per recorded trace: `(layer, compartment, steps × B·N values)`.
    pub traces: Vec<(LayerId, String, Vec<f32>)>,
    /// The time stamp of each step (ms).
    pub times: Vec<f32>,
}

impl NetRun {
    /// Total spikes of a recorded layer.
    pub fn spike_count(&self, layer: LayerId) -> u64 {
        self.rasters
            .iter()
            .filter(|r| r.0 == layer)
            .map(|r| r.2.iter().map(|w| u64::from(w.count_ones())).sum::<u64>())
            .sum()
    }

    /// `(step, element)` of every spike of a recorded layer, in step order.
    pub fn spike_events(&self, layer: LayerId) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (l, words, raster) in &self.rasters {
            if *l != layer || *words == 0 {
                continue;
            }
            for (w, &bits) in raster.iter().enumerate() {
                let mut bits = bits;
                while bits != 0 {
                    let b = bits.trailing_zeros() as usize;
                    out.push((w / words, (w % words) * 32 + b));
                    bits &= bits - 1;
                }
            }
        }
        out
    }
}

/// A built network on an engine: one clock, drives, runs.
#[derive(Debug)]
pub struct Network<E: NetEngine> {
    engine: E,
    layout: Layout,
    steps_done: u64,
    t0: f64,
}

impl<E: NetEngine> Network<E> {
    /// Wraps an engine of a graph built by [`NetworkBuilder::build`].
    pub fn new(mut engine: E, layout: Layout) -> Result<Network<E>> {
        engine.reset()?;
        Ok(Network {
            engine,
            layout,
            steps_done: 0,
            t0: 0.0,
        })
    }

    /// The engine.
    pub fn engine(&mut self) -> &mut E {
        &mut self.engine
    }

    /// The engine, read-only.
    pub fn engine_ref(&self) -> &E {
        &self.engine
    }

    /// The layer called `name`.
    pub fn layer(&self, name: &str) -> Result<LayerId> {
        self.layout
            .layers
            .iter()
            .position(|l| l.name == name)
            .map(LayerId)
            .ok_or_else(|| bad(name, "no such layer"))
    }

    fn port(&self, layer: LayerId, compartment: &str) -> Result<Port> {
        let l = self
            .layout
            .layers
            .get(layer.0)
            .ok_or_else(|| bad("layer", "unknown layer id"))?;
        let c = &self.engine.graph().components[l.component];
        Ok(Port {
            component: l.component,
            compartment: c.compartment(compartment)?,
        })
    }

    /// A population's constant input current (B·N values, added to its projections' inputs).
    pub fn set_drive(&mut self, layer: LayerId, values: &[f32]) -> Result<()> {
        let l = &self.layout.layers[layer.0];
        let drive = l
            .drive
            .ok_or_else(|| bad(&l.name, "encoders have no drive; use set_input"))?;
        check_finite(&l.name, values)?;
        self.engine.write(
            Port {
                component: drive,
                compartment: 0,
            },
            values,
        )
    }

    /// An encoder's input (Poisson intensities or Bernoulli probabilities, B·N values), kept
    /// until set again.
    pub fn set_input(&mut self, layer: LayerId, values: &[f32]) -> Result<()> {
        let name = self.layout.layers[layer.0].name.clone();
        check_finite(&name, values)?;
        let port = self.port(layer, "inputs")?;
        self.engine.write(port, values)
    }

    /// A compartment of a layer now.
    pub fn read(&mut self, layer: LayerId, compartment: &str) -> Result<Vec<f32>> {
        let port = self.port(layer, compartment)?;
        self.engine.read(port)
    }

    /// Overwrites a compartment of a layer (e.g. initial voltages).
    pub fn write(&mut self, layer: LayerId, compartment: &str, values: &[f32]) -> Result<()> {
        let port = self.port(layer, compartment)?;
        self.engine.write(port, values)
    }

    /// Runs `steps` steps of `dt` ms (step k at `t0 + k·dt`, computed in f64 and rounded, as
    /// populations do), recording what `record` asks for.
    pub fn run(&mut self, steps: usize, dt: f64, record: &NetRecord) -> Result<NetRun> {
        self.run_with(steps, dt, record, &[], &[])
    }

    /// [`Network::run`] with the values of every streamed drive
    /// ([`NetworkBuilder::stream_drive`]): `(layer, steps × B·N values)`, step-major.
    pub fn run_streamed(
        &mut self,
        steps: usize,
        dt: f64,
        record: &NetRecord,
        drives: &[(LayerId, &[f32])],
    ) -> Result<NetRun> {
        self.run_with(steps, dt, record, drives, &[])
    }

    /// [`Network::run`] with the graph's per-step inputs: every streamed drive's values (which
    /// must be given) and the per-step modulators of reward-modulated connections (those not
    /// given keep their value: see [`Network::run_modulated`]).
    pub fn run_with(
        &mut self,
        steps: usize,
        dt: f64,
        record: &NetRecord,
        drives: &[(LayerId, &[f32])],
        modulators: &[(ProjectionId, &[f32])],
    ) -> Result<NetRun> {
        if !(dt.is_finite() && dt > 0.0 && (dt as f32) > 0.0) {
            return Err(Error::InvalidDt(dt as f32));
        }
        let layers = &self.layout.layers;
        let streamed = |l: &LayerId| {
            layers.get(l.0).is_some_and(|info| {
                self.engine
                    .graph()
                    .inputs
                    .iter()
                    .any(|p| Some(p.component) == info.drive)
            })
        };
        if let Some((l, _)) = drives.iter().find(|(l, _)| !streamed(l)) {
            let name = layers.get(l.0).map_or("layer", |info| info.name.as_str());
            return Err(bad(name, "its drive is not streamed (NetworkBuilder::stream_drive)"));
        }
        let modulators = self.modulator_streams(steps, modulators)?;
        let mut rows: Vec<std::borrow::Cow<'_, [f32]>> = Vec::new();
        for port in self.engine.graph().inputs.clone() {
            let values = if let Some(layer) = layers.iter().position(|info| info.drive == Some(port.component)) {
                let values = drives.iter().find(|(l, _)| l.0 == layer).ok_or_else(|| {
                    bad(
                        &layers[layer].name,
                        "its drive is streamed: give its per-step values to run_streamed",
                    )
                })?;
                std::borrow::Cow::Borrowed(values.1)
            } else if let Some((_, values)) = modulators.iter().find(|(p, _)| *p == port) {
                std::borrow::Cow::Borrowed(*values)
            } else {
                // A modulator not streamed this run keeps its value (set_modulator).
                std::borrow::Cow::Owned(self.engine.read(port)?.repeat(steps))
            };
            rows.push(values);
        }
        let inputs: Vec<&[f32]> = rows.iter().map(|r| r.as_ref()).collect();
        let times: Vec<f32> = (0..steps as u64)
            .map(|k| (self.t0 + (self.steps_done + k) as f64 * dt) as f32)
            .collect();
        let spike_ports: Vec<Port> = record.spikes.iter().map(|l| self.layout.layers[l.0].spikes).collect();
        let trace_ports: Vec<Port> = record
            .traces
            .iter()
            .map(|(l, c)| self.port(*l, c))
            .collect::<Result<_>>()?;
        let rec = self
            .engine
            .run_packed(&times, dt as f32, &inputs, &trace_ports, &spike_ports)?;
        self.steps_done += steps as u64;
        Ok(NetRun {
            steps,
            rasters: record
                .spikes
                .iter()
                .zip(rec.rasters)
                .map(|(&l, r)| {
                    let n = self.layout.layers[l.0].n_units
                        * self.engine.graph().components[self.layout.layers[l.0].component].batch;
                    (l, n.div_ceil(32), r)
                })
                .collect(),
            traces: record
                .traces
                .iter()
                .zip(rec.values)
                .map(|((l, c), v)| (*l, c.clone(), v))
                .collect(),
            times,
        })
    }

    /// A trace's values now (B·N).
    pub fn read_trace(&mut self, trace: TraceId) -> Result<Vec<f32>> {
        let component = *self
            .layout
            .traces
            .get(trace.0)
            .ok_or_else(|| bad("trace", "unknown trace id"))?;
        self.engine.read(Port {
            component,
            compartment: 1,
        })
    }

    /// Runs the reset process and restarts the clock at `t0 = 0`.
    pub fn reset(&mut self) -> Result<()> {
        self.steps_done = 0;
        self.engine.reset()
    }

    /// Number of stored synapses of each projection (procedural ones: none stored).
    pub fn projection_components(&self) -> &[usize] {
        &self.layout.projections
    }
}

fn check_finite(part: &str, values: &[f32]) -> Result<()> {
    match values.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(bad(part, format!("value {} at index {i} is not finite", values[i]))),
        None => Ok(()),
    }
}
