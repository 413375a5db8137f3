//! The network as data: components, wiring and the per-step schedule, exactly the model of
//! ngclearn's contexts (components wired compartment to compartment, processes that call their
//! methods in a given order). Both engines ([`super::CpuNetwork`], [`super::GpuNetwork`]) run a
//! [`Graph`]; the conformance replay builds one from a trace file, the [`super::NetworkBuilder`]
//! from populations and projections.

use crate::cells::CellModel;
use crate::error::{Error, Result};
use crate::rng::Key;

use super::encoders::{self, EncoderKind};
use super::projection::{self, Projection};
use super::synapses::Synapse;
use super::traces::{self, VarTrace};

/// What a component is.
#[derive(Debug)]
pub enum Kind {
    /// `PoissonCell` / `BernoulliCell`, `n_units` wide.
    Encoder {
        /// Which encoder.
        kind: EncoderKind,
        /// Units N.
        n_units: usize,
    },
    /// A synapse between two layers.
    Synapse(Synapse),
    /// A projection (connectivity, dynamics, delay) between two layers.
    Projection(Projection),
    /// ngclearn's `VarTrace` of a spike train.
    Trace(VarTrace),
    /// A constant external current per unit (`outputs`, set by the user), summed into a
    /// population's input with its projections.
    Drive {
        /// Units N.
        n_units: usize,
    },
    /// One of the ten spiking cells, `n_units` wide.
    Cell {
        /// The validated cell model.
        model: Box<dyn CellModel>,
        /// Units N.
        n_units: usize,
    },
}

/// A delay ring as the engines store it: `depth` slots of `plane` values, logical slot `d` at
/// physical slot `(head + d) % depth`, so a step's roll only overwrites one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ring {
    /// Slots.
    pub depth: usize,
    /// Values per slot.
    pub plane: usize,
    /// Physical slot of logical slot 0.
    pub head: usize,
}

impl Ring {
    /// Appends the logical order (slot 0 first) of the `physical` values to `out`.
    pub fn unroll_into(&self, physical: &[f32], out: &mut Vec<f32>) {
        for d in 0..self.depth {
            let p = (self.head + d) % self.depth;
            out.extend_from_slice(&physical[p * self.plane..(p + 1) * self.plane]);
        }
    }

    /// The logical order of the `physical` values.
    pub fn unroll(&self, physical: &[f32]) -> Vec<f32> {
        let mut out = Vec::with_capacity(physical.len());
        self.unroll_into(physical, &mut out);
        out
    }

    /// Writes `logical` values (slot 0 first) into `physical` storage.
    pub fn store(&self, logical: &[f32], physical: &mut [f32]) {
        for d in 0..self.depth {
            let p = (self.head + d) % self.depth;
            physical[p * self.plane..(p + 1) * self.plane]
                .copy_from_slice(&logical[d * self.plane..(d + 1) * self.plane]);
        }
    }
}

/// One component: a name, a kind, a batch size and its PRNG key.
#[derive(Debug)]
pub struct Component {
    /// The name compartments are qualified with (`z0`, `W1`, …).
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// Rows B.
    pub batch: usize,
    /// The construction key (ngclearn's `key` compartment at construction).
    pub key: Key,
}

/// A compartment of a component: `(component index, compartment index)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Port {
    /// Index into [`Graph::components`].
    pub component: usize,
    /// Index into the component's [`Component::compartments`].
    pub compartment: usize,
}

/// How a wired compartment is computed from its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireOp {
    /// `a >> b`: the source's value.
    Copy,
    /// `Summation(a, b, …) >> c`: the left-to-right float32 sum of the sources.
    Sum,
}

/// A wired compartment: it has no value of its own; every read returns its sources' value at
/// the moment of the read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wire {
    /// The compartment that reads.
    pub target: Port,
    /// Its sources, in summation order.
    pub sources: Vec<Port>,
    /// Copy or sum.
    pub op: WireOp,
}

/// A method call of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `advance_state(t, dt)`.
    Advance(usize),
    /// `reset()`.
    Reset(usize),
    /// `evolve(t, dt)`: a plastic synapse's learning rule.
    Evolve(usize),
}

/// One operation of a step, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepOp {
    /// Set a compartment to the step's row of external input number `.1`.
    Set(Port, usize),
    /// Run a method.
    Call(Call),
}

/// A network as data.
#[derive(Debug, Default)]
pub struct Graph {
    /// Components, in construction order.
    pub components: Vec<Component>,
    /// Wired compartments.
    pub wires: Vec<Wire>,
    /// The reset process: components whose `reset()` runs, in order.
    pub reset: Vec<usize>,
    /// What one step does, in order.
    pub step: Vec<StepOp>,
    /// The compartments external inputs are set into (index = input number of [`StepOp::Set`]).
    pub inputs: Vec<Port>,
}

impl Component {
    /// The compartments `(name, shape)`, in state order (the GPU binding order too).
    pub fn compartments(&self) -> Vec<(&'static str, Vec<usize>)> {
        let b = self.batch;
        match &self.kind {
            Kind::Encoder { n_units, .. } => encoders::COMPARTMENTS.iter().map(|&c| (c, vec![b, *n_units])).collect(),
            Kind::Synapse(s) => s.compartments(b),
            Kind::Projection(p) => p.compartments(b),
            Kind::Trace(t) => traces::COMPARTMENTS.iter().map(|&c| (c, vec![b, t.n_units])).collect(),
            Kind::Drive { n_units } => vec![("outputs", vec![b, *n_units])],
            Kind::Cell { model, n_units } => model
                .compartments()
                .iter()
                .map(|c| (c.name, vec![b, *n_units]))
                .collect(),
        }
    }

    /// Index of compartment `name`, or an error naming the component and what it has.
    pub fn compartment(&self, name: &str) -> Result<usize> {
        let comps = self.compartments();
        comps
            .iter()
            .position(|(c, _)| *c == name)
            .ok_or_else(|| Error::Network {
                part: format!("{}.{name}", self.name),
                problem: format!(
                    "{} has no compartment `{name}` (it has: {})",
                    self.class(),
                    comps.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ")
                ),
            })
    }

    /// ngclearn's class name.
    pub fn class(&self) -> &'static str {
        match &self.kind {
            Kind::Encoder {
                kind: EncoderKind::Poisson { .. },
                ..
            } => "PoissonCell",
            Kind::Encoder {
                kind: EncoderKind::Bernoulli,
                ..
            } => "BernoulliCell",
            Kind::Synapse(s) => s.class,
            Kind::Projection(_) => "Projection",
            Kind::Trace(_) => "VarTrace",
            Kind::Drive { .. } => "Drive",
            Kind::Cell { model, .. } => model.entry().class_name,
        }
    }

    /// Values after construction (draws included), in [`Component::compartments`] order.
    pub fn initial(&self) -> Vec<Vec<f32>> {
        match &self.kind {
            Kind::Encoder { n_units, .. } => vec![vec![0.0; self.batch * n_units]; 3],
            Kind::Synapse(s) => s.initial(self.batch),
            Kind::Projection(p) => p.initial(self.batch),
            Kind::Trace(t) => vec![vec![0.0; self.batch * t.n_units]; 3],
            Kind::Drive { n_units } => vec![vec![0.0; self.batch * n_units]],
            Kind::Cell { model, n_units } => {
                let total = self.batch * n_units;
                let mut values: Vec<Vec<f32>> = model.initial_values().into_iter().map(|x| vec![x; total]).collect();
                for (c, row) in model.drawn_initial(self.key, *n_units) {
                    for b in 0..self.batch {
                        values[c][b * n_units..(b + 1) * n_units].copy_from_slice(&row);
                    }
                }
                values
            }
        }
    }

    /// Whether `advance_state` splits the key and draws from the subkey.
    pub fn draws_every_step(&self) -> bool {
        match &self.kind {
            Kind::Encoder { .. } => true,
            Kind::Synapse(_) | Kind::Projection(_) | Kind::Trace(_) | Kind::Drive { .. } => false,
            Kind::Cell { model, .. } => model.draws_every_step(),
        }
    }

    /// What `reset()` writes into each compartment (`None`: kept), given which compartments are
    /// wired (ngclearn resets a wired input only in the documented cases).
    pub fn reset_values(&self, wired: &[bool]) -> Vec<Option<f32>> {
        let comps = self.compartments();
        match &self.kind {
            // inputs are never reset (ngclearn's quirk).
            Kind::Encoder { .. } => vec![None, Some(0.0), Some(0.0)],
            // A plastic synapse zeroes its inputs, outputs and its rule's spikes, traces and
            // updates (these through the wiring); it keeps weights, gate and delayed_inputs.
            Kind::Synapse(s) if s.is_plastic() => comps
                .iter()
                .zip(wired)
                .map(|((name, _), &w)| match *name {
                    "inputs" if w => None,
                    "inputs" | "outputs" => Some(0.0),
                    other => s.rule.as_ref().and_then(|r| r.reset_value(other)),
                })
                .collect(),
            Kind::Synapse(_) => comps
                .iter()
                .zip(wired)
                .map(|((name, _), &w)| match *name {
                    "inputs" if w => None,
                    "inputs" | "outputs" | "delayed_inputs" | "input_delay_buffer" | "i_syn" | "g_syn" | "v" => {
                        Some(0.0)
                    }
                    "gate" if !w => Some(1.0),
                    _ => None,
                })
                .collect(),
            // A projection forgets its signal in flight and its current; weights are kept.
            Kind::Projection(p) => {
                let rule_names: Vec<&str> = p
                    .rule
                    .as_ref()
                    .map(|r| r.compartments(1, 1, 1, None).into_iter().map(|c| c.0).collect())
                    .unwrap_or_default();
                comps
                    .iter()
                    .zip(wired)
                    .map(|((name, _), &w)| match *name {
                        projection::names::WEIGHTS => None,
                        projection::names::INPUTS if w => None,
                        // A learning rule resets as on a synapse (README §4.6–4.7).
                        other if rule_names.contains(&other) => p.rule.as_ref().and_then(|r| r.reset_value(other)),
                        _ => Some(0.0),
                    })
                    .collect()
            }
            // inputs are never reset (ngclearn's quirk).
            Kind::Trace(_) => vec![None, Some(0.0), Some(0.0)],
            // A drive is the user's setting: reset keeps it.
            Kind::Drive { .. } => vec![None],
            Kind::Cell { model, .. } => {
                let input = crate::cells::input_index(model.as_ref()).ok();
                model
                    .reset_values()
                    .into_iter()
                    .enumerate()
                    .map(|(c, v)| if Some(c) == input && wired[c] { None } else { v })
                    .collect()
            }
        }
    }
}

impl Graph {
    /// The component called `name`.
    pub fn find(&self, name: &str) -> Result<usize> {
        self.components
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| Error::Network {
                part: name.to_string(),
                problem: format!(
                    "no such component (the network has: {})",
                    self.components
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            })
    }

    /// The port of a qualified name `component.compartment`.
    pub fn port(&self, qualified: &str) -> Result<Port> {
        let (c, q) = qualified.split_once('.').ok_or_else(|| Error::Network {
            part: qualified.to_string(),
            problem: "expected `component.compartment`".into(),
        })?;
        let component = self.find(c)?;
        Ok(Port {
            component,
            compartment: self.components[component].compartment(q)?,
        })
    }

    /// `component.compartment` of a port.
    pub fn name(&self, port: Port) -> String {
        let c = &self.components[port.component];
        format!("{}.{}", c.name, c.compartments()[port.compartment].0)
    }

    /// Number of values of a port.
    pub fn len(&self, port: Port) -> usize {
        self.components[port.component].compartments()[port.compartment]
            .1
            .iter()
            .product()
    }

    /// What component `c`'s `reset()` writes: `(port, value)` for every compartment it resets
    /// (a wired one is written through to its source by the engines, as ngclearn does).
    pub fn reset_writes(&self, c: usize) -> Vec<(Port, f32)> {
        let n = self.components[c].compartments().len();
        let port = |q| Port {
            component: c,
            compartment: q,
        };
        let wired: Vec<bool> = (0..n).map(|q| self.wire_of(port(q)).is_some()).collect();
        self.components[c]
            .reset_values(&wired)
            .into_iter()
            .enumerate()
            .filter_map(|(q, v)| v.map(|v| (port(q), v)))
            .collect()
    }

    /// What component `c`'s `reset()` writes per neuron after [`Graph::reset_writes`]: the
    /// reset values of a cell with per-neuron parameters ([`CellModel::per_neuron_reset`]),
    /// broadcast over the batch.
    pub fn reset_rows(&self, c: usize) -> Vec<(Port, Vec<f32>)> {
        let component = &self.components[c];
        match &component.kind {
            Kind::Cell { model, .. } => model
                .per_neuron_reset()
                .into_iter()
                .map(|(q, row)| {
                    let all = (0..component.batch).flat_map(|_| row.iter().copied()).collect();
                    (
                        Port {
                            component: c,
                            compartment: q,
                        },
                        all,
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The delay ring of `port` if it is one: `(depth, plane)` (B·N_pre values a slot).
    pub fn ring(&self, port: Port) -> Option<(usize, usize)> {
        let c = &self.components[port.component];
        let name = c.compartments()[port.compartment].0;
        match &c.kind {
            Kind::Synapse(s) if s.max_delay_steps > 0 && name == super::synapses::names::DELAY_BUFFER => {
                Some((s.max_delay_steps, c.batch * s.n_pre))
            }
            Kind::Projection(p) if p.delay > 0 && name == projection::names::DELAY_BUFFER => {
                Some((p.delay, c.batch * p.n_pre))
            }
            _ => None,
        }
    }

    /// The depth of component `c`'s delay ring (0: none).
    pub fn ring_depth(&self, c: usize) -> usize {
        match &self.components[c].kind {
            Kind::Synapse(s) => s.max_delay_steps,
            Kind::Projection(p) => p.delay,
            _ => 0,
        }
    }

    /// The wire whose target is `port`, if it is wired.
    pub fn wire_of(&self, port: Port) -> Option<&Wire> {
        self.wires.iter().find(|w| w.target == port)
    }

    /// Checks the wiring: sources and targets exist, have equal sizes, and no wired compartment
    /// is itself a source of a wire (ngclearn resolves one level).
    pub fn check(&self) -> Result<()> {
        for w in &self.wires {
            let target_len = self.len(w.target);
            if w.sources.is_empty() {
                return Err(Error::Network {
                    part: self.name(w.target),
                    problem: "a wire needs at least one source".into(),
                });
            }
            for &s in &w.sources {
                if self.len(s) != target_len {
                    return Err(Error::Network {
                        part: format!("{} -> {}", self.name(s), self.name(w.target)),
                        problem: format!(
                            "source has {} values, target {} (batch and units must match)",
                            self.len(s),
                            target_len
                        ),
                    });
                }
                if self.wire_of(s).is_some() {
                    return Err(Error::Network {
                        part: self.name(s),
                        problem: "a wired compartment cannot be the source of another wire".into(),
                    });
                }
            }
        }
        Ok(())
    }
}
