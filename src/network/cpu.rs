//! [`CpuNetwork`]: the reference engine. It runs a [`Graph`] step by step with ngclearn's
//! semantics: every call sees what the calls before it wrote in the same step, and a wired
//! compartment reads its sources at the moment of the call.

use crate::cells::{StateView, StepInfo};
use crate::error::{Error, Result};
use crate::rng::Key;

use super::graph::{Call, Graph, Kind, Port, Ring, StepOp, WireOp};
use super::projection::{self, names as pnames};
use super::stdp::SynapseSet;
use super::synapses::{StepConstants, SynapseState, names};

/// The reference engine: every compartment a `Vec<f32>` on the host.
#[derive(Debug)]
pub struct CpuNetwork {
    graph: Graph,
    state: Vec<Vec<Vec<f32>>>,
    keys: Vec<Key>,
    /// Per component, per compartment: whether it is wired.
    wired: Vec<Vec<bool>>,
    /// Per component, per compartment: the index of its wire in the graph.
    wire_index: Vec<Vec<Option<usize>>>,
    /// Per component: its compartment names (looked up every step without allocating).
    names: Vec<Vec<&'static str>>,
    /// Per component: advances so far (a projection's delay-ring head is this modulo its depth).
    advances: Vec<u64>,
}

/// What [`CpuNetwork::run`] and [`super::NetEngine::run_packed`] return.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetRecording {
    /// Per recorded port (in request order): `steps` rows of the port's values, concatenated.
    pub values: Vec<Vec<f32>>,
    /// Per component: its key after each step (`steps` entries).
    pub keys: Vec<Vec<Key>>,
    /// Per rastered port: `steps` rows of `ceil(len / 32)` words; bit `i % 32` of word `i / 32`
    /// is set where value i is non-zero.
    pub rasters: Vec<Vec<u32>>,
}

/// Appends one bit-packed row of `values` (a bit per non-zero value). Twin:
/// `shaders/network/pack.wgsl`.
pub fn pack_row(values: &[f32], out: &mut Vec<u32>) {
    for chunk in values.chunks(32) {
        let mut bits = 0u32;
        // Most words are empty: test the block at once (vectorises) before the bits.
        if chunk.iter().fold(0u32, |acc, x| acc | x.to_bits()) != 0 {
            for (b, &x) in chunk.iter().enumerate() {
                if x != 0.0 {
                    bits |= 1 << b;
                }
            }
        }
        out.push(bits);
    }
}

/// The per-step inputs of a run: for each graph input, `steps` rows concatenated.
pub type StepInputs<'a> = &'a [&'a [f32]];

impl CpuNetwork {
    /// Builds the engine with every component's construction values.
    pub fn new(graph: Graph) -> Result<CpuNetwork> {
        graph.check()?;
        let state = graph.components.iter().map(|c| c.initial()).collect();
        let keys = graph.components.iter().map(|c| c.key).collect();
        let wired = graph
            .components
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                (0..c.compartments().len())
                    .map(|q| {
                        graph
                            .wire_of(Port {
                                component: ci,
                                compartment: q,
                            })
                            .is_some()
                    })
                    .collect()
            })
            .collect();
        let advances = vec![0; graph.components.len()];
        let wire_index = graph
            .components
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                (0..c.compartments().len())
                    .map(|q| {
                        graph.wires.iter().position(|w| {
                            w.target
                                == Port {
                                    component: ci,
                                    compartment: q,
                                }
                        })
                    })
                    .collect()
            })
            .collect();
        let names = graph
            .components
            .iter()
            .map(|c| c.compartments().into_iter().map(|(n, _)| n).collect())
            .collect();
        Ok(CpuNetwork {
            graph,
            state,
            keys,
            wired,
            wire_index,
            names,
            advances,
        })
    }

    /// The graph this engine runs.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// The value of a compartment now (a wired one: its sources now).
    pub fn read(&self, port: Port) -> Vec<f32> {
        match self.graph.wire_of(port) {
            None => {
                let physical = &self.state[port.component][port.compartment];
                match self.projection_ring(port) {
                    Some(ring) => ring.unroll(physical),
                    None => physical.clone(),
                }
            }
            Some(w) => {
                let mut out = self.state[w.sources[0].component][w.sources[0].compartment].clone();
                if w.op == WireOp::Sum {
                    for s in &w.sources[1..] {
                        for (o, x) in out.iter_mut().zip(&self.state[s.component][s.compartment]) {
                            *o += *x;
                        }
                    }
                }
                out
            }
        }
    }

    /// Overwrites a compartment (a copy-wired one: its source, as ngclearn's `.set`).
    pub fn write(&mut self, port: Port, values: &[f32]) -> Result<()> {
        let target = match self.graph.wire_of(port) {
            None => port,
            Some(w) if w.op == WireOp::Copy => w.sources[0],
            Some(_) => {
                return Err(Error::Network {
                    part: self.graph.name(port),
                    problem: "a summed compartment cannot be set".into(),
                });
            }
        };
        let held = self.state[target.component][target.compartment].len();
        if held != values.len() {
            return Err(Error::Network {
                part: self.graph.name(port),
                problem: format!("{} values given, it holds {held}", values.len()),
            });
        }
        match self.projection_ring(target) {
            Some(ring) => ring.store(values, &mut self.state[target.component][target.compartment]),
            None => self.state[target.component][target.compartment].copy_from_slice(values),
        }
        Ok(())
    }

    /// A projection's delay ring is stored with its logical slot 0 at `head` (the advances so
    /// far modulo the depth), as on the GPU. (A DenseSynapse's ring is rolled in place, as
    /// ngclearn does.)
    fn projection_ring(&self, port: Port) -> Option<Ring> {
        if !matches!(self.graph.components[port.component].kind, Kind::Projection(_)) {
            return None;
        }
        let (depth, plane) = self.graph.ring(port)?;
        Some(Ring {
            depth,
            plane,
            head: (self.advances[port.component] % depth as u64) as usize,
        })
    }

    /// A component's key now.
    pub fn key(&self, component: usize) -> Key {
        self.keys[component]
    }

    /// Sets a component's key (ngclearn's `key` compartment).
    pub fn set_key(&mut self, component: usize, key: Key) {
        self.keys[component] = key;
    }

    /// Runs `times.len()` steps: step k sets every input to its row k, then runs the schedule
    /// with `t = times[k]`. Records `record` after every step, and `rasters` bit-packed.
    pub fn run(
        &mut self,
        times: &[f32],
        dt: f32,
        inputs: StepInputs<'_>,
        record: &[Port],
        rasters: &[Port],
    ) -> Result<NetRecording> {
        check_inputs(&self.graph, times.len(), inputs)?;
        let mut rec = NetRecording {
            values: record.iter().map(|_| Vec::new()).collect(),
            keys: self
                .graph
                .components
                .iter()
                .map(|_| Vec::with_capacity(times.len()))
                .collect(),
            rasters: rasters.iter().map(|_| Vec::new()).collect(),
        };
        for (k, &t) in times.iter().enumerate() {
            for i in 0..self.graph.step.len() {
                match self.graph.step[i] {
                    StepOp::Set(port, input) => {
                        let len = self.graph.len(port);
                        self.write(port, &inputs[input][k * len..(k + 1) * len])?;
                    }
                    StepOp::Call(call) => self.call(call, t, dt)?,
                }
            }
            for (out, &port) in rec.values.iter_mut().zip(record) {
                out.extend_from_slice(&self.read(port));
            }
            for (out, &port) in rec.rasters.iter_mut().zip(rasters) {
                match self.graph.wire_of(port) {
                    None => pack_row(&self.state[port.component][port.compartment], out),
                    Some(_) => pack_row(&self.read(port), out),
                }
            }
            for (out, &key) in rec.keys.iter_mut().zip(&self.keys) {
                out.push(key);
            }
        }
        Ok(rec)
    }

    /// Resolves every wired compartment of component `c` into its own slot (its value at the
    /// moment of the call).
    fn resolve_wires(&mut self, c: usize) {
        for q in 0..self.wired[c].len() {
            let Some(w) = self.wire_index[c][q] else { continue };
            // Taken out and put back, so the sources can be read while it is written; no
            // allocation per step.
            let mut target = std::mem::take(&mut self.state[c][q]);
            let wire = &self.graph.wires[w];
            let slot = |p: &Port| &self.state[p.component][p.compartment];
            match (wire.op, &wire.sources[..]) {
                // One pass for the usual sums (a drive and one or two projections), the same
                // left-to-right order as the general case.
                (WireOp::Sum, [a, b]) => {
                    for ((o, x), y) in target.iter_mut().zip(slot(a)).zip(slot(b)) {
                        *o = x + y;
                    }
                }
                (WireOp::Sum, [a, b, c]) => {
                    for (((o, x), y), z) in target.iter_mut().zip(slot(a)).zip(slot(b)).zip(slot(c)) {
                        *o = (x + y) + z;
                    }
                }
                (op, sources) => {
                    target.copy_from_slice(slot(&sources[0]));
                    if op == WireOp::Sum {
                        for s in &sources[1..] {
                            for (o, x) in target.iter_mut().zip(slot(s)) {
                                *o += *x;
                            }
                        }
                    }
                }
            }
            self.state[c][q] = target;
        }
    }

    /// A projection reads its copy-wired input straight from the source (no copy per step).
    fn advance_projection(&mut self, c: usize, dt: f32) {
        let mut own = std::mem::take(&mut self.state[c]);
        let Kind::Projection(p) = &self.graph.components[c].kind else {
            unreachable!("called for projections only")
        };
        let batch = self.graph.components[c].batch;
        let names = &self.names[c];
        let idx = |name: &str| names.iter().position(|n| *n == name);
        let mut take = |name: &str| idx(name).map(|i| std::mem::take(&mut own[i])).unwrap_or_default();
        let mut outputs = take(pnames::OUTPUTS);
        let mut current = match p.dynamics {
            projection::ProjectionDynamics::Conductance { .. } => take(pnames::CONDUCTANCE),
            _ => take(pnames::CURRENT),
        };
        // The target's voltage, read through its wire at the moment of the call.
        let v = match idx(pnames::VOLTAGE) {
            Some(q) => self.read(Port {
                component: c,
                compartment: q,
            }),
            None => Vec::new(),
        };
        let mut ring = take(pnames::DELAY_BUFFER);
        let head = match p.delay {
            0 => 0,
            depth => (self.advances[c] % depth as u64) as usize,
        };
        let input_q = idx(pnames::INPUTS).unwrap_or(0);
        let weights_q = idx(pnames::WEIGHTS).unwrap_or(0);
        let summed;
        let inputs: &[f32] = match self.wire_index[c][input_q].map(|w| &self.graph.wires[w]) {
            Some(w) if w.op == WireOp::Copy => &self.state[w.sources[0].component][w.sources[0].compartment],
            Some(_) => {
                summed = self.read(Port {
                    component: c,
                    compartment: input_q,
                });
                &summed
            }
            None => &own[input_q],
        };
        projection::advance(
            p,
            batch,
            inputs,
            &own[weights_q],
            projection::ProjectionState {
                ring: &mut ring,
                head,
                current: &mut current,
                v: &v,
                outputs: &mut outputs,
            },
            dt,
        );
        let current_name = match p.dynamics {
            projection::ProjectionDynamics::Conductance { .. } => pnames::CONDUCTANCE,
            _ => pnames::CURRENT,
        };
        for (name, value) in [
            (pnames::OUTPUTS, outputs),
            (current_name, current),
            (pnames::DELAY_BUFFER, ring),
        ] {
            if let Some(i) = idx(name) {
                own[i] = value;
            }
        }
        self.state[c] = own;
    }

    fn call(&mut self, call: Call, t: f32, dt: f32) -> Result<()> {
        match call {
            Call::Evolve(c) => {
                self.resolve_wires(c);
                let component = &self.graph.components[c];
                let (rule, shape, set) = match &component.kind {
                    Kind::Synapse(syn) => (&syn.rule, (syn.n_pre, syn.n_post), SynapseSet::Dense),
                    Kind::Projection(p) => {
                        let set = match &p.connectivity {
                            projection::Connectivity::Sparse(s) => SynapseSet::Sparse {
                                pre: &s.post_pre,
                                post: &s.post_post,
                            },
                            _ => SynapseSet::Dense,
                        };
                        (&p.rule, (p.n_pre, p.n_post), set)
                    }
                    _ => unreachable!("evolve is only scheduled for plastic synapses and projections"),
                };
                let Some(rule) = rule else {
                    unreachable!("evolve is only scheduled for plastic synapses and projections")
                };
                let names_of = &self.names[c];
                let weights_q = names_of.iter().position(|n| *n == names::WEIGHTS).unwrap_or(0);
                rule.evolve(
                    component.batch,
                    shape,
                    set,
                    (t, dt),
                    names_of,
                    weights_q,
                    &mut self.state[c],
                );
                Ok(())
            }
            Call::Reset(c) => {
                for (port, value) in self.graph.reset_writes(c) {
                    let len = self.graph.len(port);
                    // A reset of a wired compartment writes through to the source (ngclearn).
                    self.write(port, &vec![value; len])?;
                }
                Ok(())
            }
            Call::Advance(c) if matches!(self.graph.components[c].kind, Kind::Projection(_)) => {
                self.advance_projection(c, dt);
                self.advances[c] += 1;
                Ok(())
            }
            Call::Advance(c) => {
                self.resolve_wires(c);
                let draws = self.graph.components[c].draws_every_step();
                let sub = if draws {
                    let (next, sub) = self.keys[c].split();
                    self.keys[c] = next;
                    sub
                } else {
                    self.keys[c]
                };
                let component = &self.graph.components[c];
                let state = &mut self.state[c];
                match &component.kind {
                    Kind::Encoder { kind, .. } => {
                        let [inputs, outputs, tols] = &mut state[..] else {
                            unreachable!("encoders are built with 3 compartments")
                        };
                        kind.advance(inputs, outputs, tols, sub, dt, t);
                    }
                    Kind::Synapse(syn) => {
                        let comps = &self.names[c];
                        let idx = |name: &str| comps.iter().position(|c| *c == name);
                        let mut take =
                            |name: &str| idx(name).map(|i| std::mem::take(&mut state[i])).unwrap_or_default();
                        let inputs = take(names::INPUTS);
                        let mut outputs = take(names::OUTPUTS);
                        let weights = take(names::WEIGHTS);
                        let mask = take(names::MASK);
                        let biases = take(names::BIASES);
                        let gate = take(names::GATE);
                        let mut delay_buffer = take(names::DELAY_BUFFER);
                        let mut delayed_inputs = take(names::DELAYED_INPUTS);
                        let v = take(names::V);
                        let mut i_syn = take(names::I_SYN);
                        let mut g_syn = take(names::G_SYN);
                        syn.advance(
                            component.batch,
                            SynapseState {
                                inputs: &inputs,
                                outputs: &mut outputs,
                                weights: &weights,
                                mask: &mask,
                                biases: &biases,
                                gate: &gate,
                                delay_buffer: &mut delay_buffer,
                                delayed_inputs: &mut delayed_inputs,
                                v: &v,
                                i_syn: &mut i_syn,
                                g_syn: &mut g_syn,
                            },
                            StepConstants::new(dt),
                        );
                        for (name, value) in [
                            (names::INPUTS, inputs),
                            (names::OUTPUTS, outputs),
                            (names::WEIGHTS, weights),
                            (names::MASK, mask),
                            (names::BIASES, biases),
                            (names::GATE, gate),
                            (names::DELAY_BUFFER, delay_buffer),
                            (names::DELAYED_INPUTS, delayed_inputs),
                            (names::V, v),
                            (names::I_SYN, i_syn),
                            (names::G_SYN, g_syn),
                        ] {
                            if let Some(i) = idx(name) {
                                state[i] = value;
                            }
                        }
                    }
                    Kind::Drive { .. } => {}
                    Kind::Trace(tr) => {
                        let [inputs, trace, outputs] = &mut state[..] else {
                            unreachable!("traces are built with 3 compartments")
                        };
                        tr.advance(inputs, trace, outputs, tr.decay_factor(dt));
                    }
                    Kind::Projection(_) => unreachable!("projections advance in advance_projection"),
                    Kind::Cell { model, n_units } => {
                        let mut view = StateView {
                            batch: component.batch,
                            n_units: *n_units,
                            values: state.iter_mut().map(|v| &mut v[..]).collect(),
                            first: 0,
                        };
                        model.step_cpu(
                            &mut view,
                            &StepInfo {
                                t,
                                dt,
                                half_dt: dt * 0.5,
                                subkey: sub,
                                init_key: component.key,
                            },
                        );
                    }
                }
                self.advances[c] += 1;
                Ok(())
            }
        }
    }
}

/// Checks that every graph input has `steps` rows.
pub(crate) fn check_inputs(graph: &Graph, steps: usize, inputs: StepInputs<'_>) -> Result<()> {
    if inputs.len() != graph.inputs.len() {
        return Err(Error::Network {
            part: "inputs".into(),
            problem: format!(
                "{} per-step inputs given, the network sets {}",
                inputs.len(),
                graph.inputs.len()
            ),
        });
    }
    for (values, &port) in inputs.iter().zip(&graph.inputs) {
        let want = steps * graph.len(port);
        if values.len() != want {
            return Err(Error::Network {
                part: graph.name(port),
                problem: format!(
                    "{} input values given, {steps} steps × {} needed",
                    values.len(),
                    graph.len(port)
                ),
            });
        }
        if let Some(i) = values.iter().position(|x| !x.is_finite()) {
            return Err(Error::Network {
                part: graph.name(port),
                problem: format!("input value {} at index {i} is not finite", values[i]),
            });
        }
    }
    Ok(())
}
