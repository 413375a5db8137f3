//! ngclearn 3.2.3's multi-component golden traces (`conformance/network/README.md`,
//! `"format": "ngclearn-network-trace/1"`): reading a file into a [`Graph`], replaying it on an
//! engine, and comparing as the README recommends (free run: exact compartments at every step,
//! continuous ones within `compare[q]` up to the first exact divergence).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::encoders::{DEFAULT_TARGET_FREQ, EncoderKind};
use super::graph::{Call, Component, Graph, Kind, Port, StepOp, Wire, WireOp};
use super::synapses::Synapse;
use super::{NetEngine, NetRecording};
use crate::cells;
use crate::conformance::{Outcome, rel_err};
use crate::error::{Error, Result};
use crate::rng::Key;

/// The format id this reader understands.
pub const FORMAT: &str = "ngclearn-network-trace/1";

/// How a compartment is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compare {
    /// Bit for bit (−0.0 equal to 0: the files write −0.0 as 0).
    Exact,
    /// `|x − ref| / max(1, |ref|) ≤ tol`.
    Tol(f32),
}

/// One component declaration of a trace.
#[derive(Debug, Clone)]
pub struct ComponentDecl {
    /// Its name.
    pub name: String,
    /// ngclearn class.
    pub class: String,
    /// Every constructor parameter.
    pub resolved_params: Map<String, Value>,
    /// Construction key.
    pub key: Key,
}

/// One multi-component trace file.
#[derive(Debug, Clone)]
pub struct NetTrace {
    /// The file.
    pub path: PathBuf,
    /// Case name.
    pub case: String,
    /// Components in construction order.
    pub components: Vec<ComponentDecl>,
    /// `(target, sources, op)` wires.
    pub wiring: Vec<(String, Vec<String>, WireOp)>,
    /// Calls of the reset process.
    pub reset: Vec<String>,
    /// Compartments set once after the reset (values in `initial`).
    pub set_once: Vec<String>,
    /// The step: `Set(names)` or `Calls(names)` in order.
    pub step: Vec<ScheduleEntry>,
    /// Operations after the last step (descriptors).
    pub end: Vec<Value>,
    /// Step size.
    pub dt: f64,
    /// Steps T.
    pub steps: usize,
    /// The float32 time of each step.
    pub t: Vec<f32>,
    /// Per-step inputs: T rows concatenated.
    pub inputs: BTreeMap<String, Vec<f32>>,
    /// Every non-wired compartment after construction, reset and set_once.
    pub initial: BTreeMap<String, Vec<f32>>,
    /// Recorded compartments: one row per recorded step.
    pub outputs: BTreeMap<String, Vec<Vec<f32>>>,
    /// Sub-sampled compartments' steps.
    pub record_steps: BTreeMap<String, Vec<usize>>,
    /// How each compartment is compared.
    pub compare: BTreeMap<String, Compare>,
    /// `q` equals the named compartment after every step.
    pub same_as: BTreeMap<String, String>,
    /// Compartments that keep their initial value.
    pub constant: Vec<String>,
    /// Keys after construction.
    pub keys_initial: BTreeMap<String, Key>,
    /// Keys after every step (only keys that change).
    pub keys_outputs: BTreeMap<String, Vec<Key>>,
    /// Values after the end operations.
    pub final_values: BTreeMap<String, Vec<f32>>,
    /// Non-compartment values (`W.syn_delay_indices`, decay factors).
    pub aux: BTreeMap<String, Vec<f64>>,
    /// `rng.bit_exact_init` (construction draws reproducible bit for bit).
    pub bit_exact_init: bool,
    /// The segment index (multi-sample cases); files with a `previous` continue its state.
    pub continues_previous: bool,
}

/// One entry of `schedule.step`.
#[derive(Debug, Clone, PartialEq)]
pub enum ScheduleEntry {
    /// Set these compartments to the step's input row.
    Set(Vec<String>),
    /// Run these calls (`component.method`) in order.
    Calls(Vec<String>),
}

fn problem(path: &Path, text: impl Into<String>) -> Error {
    Error::Trace {
        path: path.to_path_buf(),
        problem: text.into(),
    }
}

fn floats(path: &Path, v: &Value, what: &str) -> Result<Vec<f32>> {
    let mut out = Vec::new();
    flatten(path, v, what, &mut out)?;
    Ok(out)
}

fn flatten(path: &Path, v: &Value, what: &str, out: &mut Vec<f32>) -> Result<()> {
    match v {
        Value::Array(items) => items.iter().try_for_each(|x| flatten(path, x, what, out)),
        Value::Number(n) => {
            out.push(n.as_f64().map(|f| f as f32).unwrap_or(f32::NAN));
            Ok(())
        }
        other => Err(problem(path, format!("`{what}` holds a non-number: {other}"))),
    }
}

fn strings(path: &Path, v: Option<&Value>, what: &str) -> Result<Vec<String>> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| problem(path, format!("`{what}` holds a non-string: {x}")))
            })
            .collect(),
        Some(other) => Err(problem(path, format!("`{what}` is not a list: {other}"))),
    }
}

fn key_of(path: &Path, v: &Value, what: &str) -> Result<Key> {
    v.as_array()
        .filter(|a| a.len() == 2)
        .and_then(|a| Some(Key([a[0].as_u64()? as u32, a[1].as_u64()? as u32])))
        .ok_or_else(|| problem(path, format!("`{what}` is not a key (two uint32 words)")))
}

fn object<'a>(path: &Path, root: &'a Map<String, Value>, name: &str) -> Result<&'a Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    match root.get(name) {
        None | Some(Value::Null) => Ok(EMPTY.get_or_init(Map::new)),
        Some(Value::Object(o)) => Ok(o),
        Some(_) => Err(problem(path, format!("`{name}` is not an object"))),
    }
}

/// Whether a JSON file declares the network trace format.
pub fn is_network_trace(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| {
            // The format id sits near the top; avoid parsing megabytes to find it.
            let head = &text[..text.len().min(4096)];
            head.contains("\"format\"").then(|| head.contains(FORMAT))
        })
        .unwrap_or(false)
}

impl NetTrace {
    /// Reads and checks one file.
    pub fn load(path: &Path) -> Result<NetTrace> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let root: Value = serde_json::from_str(&text).map_err(|e| problem(path, format!("not valid JSON: {e}")))?;
        let root = root
            .as_object()
            .ok_or_else(|| problem(path, "the top level is not a JSON object"))?;
        let format = root.get("format").and_then(Value::as_str).unwrap_or("");
        if format != FORMAT {
            return Err(problem(path, format!("format `{format}` is not `{FORMAT}`")));
        }
        let get = |name: &str| {
            root.get(name)
                .ok_or_else(|| problem(path, format!("missing field `{name}`")))
        };
        let steps = get("steps")?
            .as_u64()
            .ok_or_else(|| problem(path, "`steps` is not an integer"))? as usize;
        let mut components = Vec::new();
        for c in get("components")?
            .as_array()
            .ok_or_else(|| problem(path, "`components` is not a list"))?
        {
            let name = c.get("name").and_then(Value::as_str).unwrap_or_default().to_string();
            components.push(ComponentDecl {
                class: c
                    .get("class")
                    .and_then(Value::as_str)
                    .ok_or_else(|| problem(path, format!("component `{name}` has no class")))?
                    .to_string(),
                resolved_params: c
                    .get("resolved_params")
                    .and_then(Value::as_object)
                    .cloned()
                    .ok_or_else(|| problem(path, format!("component `{name}` has no resolved_params")))?,
                key: key_of(path, c.get("key").unwrap_or(&Value::Null), &format!("{name}.key"))?,
                name,
            });
        }
        let mut wiring = Vec::new();
        if let Some(Value::Array(wires)) = root.get("wiring") {
            for w in wires {
                let target = w.get("target").and_then(Value::as_str).unwrap_or_default().to_string();
                let op = match w.get("op").and_then(Value::as_str) {
                    Some("copy") => WireOp::Copy,
                    Some("sum") => WireOp::Sum,
                    other => return Err(problem(path, format!("wire to `{target}`: unknown op {other:?}"))),
                };
                wiring.push((target, strings(path, w.get("sources"), "wiring.sources")?, op));
            }
        }
        let schedule = object(path, root, "schedule")?;
        let mut step = Vec::new();
        if let Some(Value::Array(entries)) = schedule.get("step") {
            for e in entries {
                if let Some(set) = e.get("set") {
                    step.push(ScheduleEntry::Set(strings(path, Some(set), "schedule.step.set")?));
                } else {
                    step.push(ScheduleEntry::Calls(strings(
                        path,
                        e.get("calls"),
                        "schedule.step.calls",
                    )?));
                }
            }
        }
        let rows_of = |name: &str| -> Result<BTreeMap<String, Vec<Vec<f32>>>> {
            object(path, root, name)?
                .iter()
                .map(|(q, rows)| {
                    let rows = rows
                        .as_array()
                        .ok_or_else(|| problem(path, format!("`{name}.{q}` is not a list of rows")))?;
                    let rows = rows
                        .iter()
                        .map(|r| floats(path, r, &format!("{name}.{q}")))
                        .collect::<Result<Vec<_>>>()?;
                    Ok((q.clone(), rows))
                })
                .collect()
        };
        let flat_of = |name: &str| -> Result<BTreeMap<String, Vec<f32>>> {
            object(path, root, name)?
                .iter()
                .map(|(q, v)| Ok((q.clone(), floats(path, v, &format!("{name}.{q}"))?)))
                .collect()
        };
        let inputs = rows_of("inputs")?
            .into_iter()
            .map(|(q, rows)| {
                if rows.len() != steps {
                    return Err(problem(
                        path,
                        format!("`inputs.{q}` has {} rows, expected {steps}", rows.len()),
                    ));
                }
                Ok((q, rows.concat()))
            })
            .collect::<Result<_>>()?;
        let outputs = rows_of("outputs")?;
        let record_steps = object(path, root, "record_steps")?
            .iter()
            .map(|(q, v)| {
                let steps: Vec<usize> = floats(path, v, "record_steps")?.iter().map(|&x| x as usize).collect();
                Ok((q.clone(), steps))
            })
            .collect::<Result<_>>()?;
        let compare = object(path, root, "compare")?
            .iter()
            .map(|(q, v)| {
                let c = match v {
                    Value::String(s) if s == "exact" => Compare::Exact,
                    Value::Object(o) => Compare::Tol(
                        o.get("tol")
                            .and_then(Value::as_f64)
                            .ok_or_else(|| problem(path, format!("`compare.{q}` has no tol")))?
                            as f32,
                    ),
                    other => {
                        return Err(problem(
                            path,
                            format!("`compare.{q}` = {other}: expected \"exact\" or {{tol}}"),
                        ));
                    }
                };
                Ok((q.clone(), c))
            })
            .collect::<Result<_>>()?;
        let same_as = object(path, root, "same_as")?
            .iter()
            .map(|(q, v)| (q.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        let keys = object(path, root, "keys")?;
        let keys_initial = object(path, keys, "initial")?
            .iter()
            .map(|(q, v)| Ok((q.clone(), key_of(path, v, q)?)))
            .collect::<Result<_>>()?;
        let keys_outputs = object(path, keys, "outputs")?
            .iter()
            .map(|(q, v)| {
                let rows = v
                    .as_array()
                    .ok_or_else(|| problem(path, format!("`keys.outputs.{q}`")))?;
                Ok((
                    q.clone(),
                    rows.iter().map(|r| key_of(path, r, q)).collect::<Result<Vec<_>>>()?,
                ))
            })
            .collect::<Result<_>>()?;
        let aux_exact: BTreeMap<String, Vec<f64>> = object(path, root, "aux")?
            .iter()
            .map(|(q, v)| {
                let mut out = Vec::new();
                collect_f64(v, &mut out);
                (q.clone(), out)
            })
            .collect();
        let rng = object(path, root, "rng")?;
        let t = floats(path, get("t")?, "t")?;
        if t.len() != steps {
            return Err(problem(path, format!("`t` has {} values, expected {steps}", t.len())));
        }
        Ok(NetTrace {
            path: path.to_path_buf(),
            case: root.get("case").and_then(Value::as_str).unwrap_or_default().to_string(),
            components,
            wiring,
            reset: strings(path, schedule.get("reset"), "schedule.reset")?,
            set_once: strings(path, schedule.get("set_once"), "schedule.set_once")?,
            step,
            end: schedule
                .get("end")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            dt: get("dt")?
                .as_f64()
                .ok_or_else(|| problem(path, "`dt` is not a number"))?,
            steps,
            t,
            inputs,
            initial: flat_of("initial")?,
            outputs,
            record_steps,
            compare,
            same_as,
            constant: strings(path, root.get("constant"), "constant")?,
            keys_initial,
            keys_outputs,
            final_values: flat_of("final")?,
            aux: aux_exact,
            bit_exact_init: rng.get("bit_exact_init").and_then(Value::as_bool).unwrap_or(true),
            continues_previous: root
                .get("segment")
                .and_then(|s| s.get("previous"))
                .is_some_and(|p| !p.is_null()),
        })
    }

    /// Builds the components and wiring, and the schedule with every `set` as a graph input (in
    /// the order of [`NetTrace::input_names`]). A class spikegpu does not have yet is
    /// [`Error::Network`] naming it.
    pub fn build_graph(&self) -> Result<Graph> {
        let mut graph = Graph::default();
        for decl in &self.components {
            graph.components.push(build_component(decl)?);
        }
        for (target, sources, op) in &self.wiring {
            graph.wires.push(Wire {
                target: graph.port(target)?,
                sources: sources.iter().map(|s| graph.port(s)).collect::<Result<_>>()?,
                op: *op,
            });
        }
        let call = |graph: &Graph, name: &str| -> Result<Call> {
            let (c, method) = name.split_once('.').ok_or_else(|| Error::Network {
                part: name.to_string(),
                problem: "expected `component.method`".into(),
            })?;
            let c = graph.find(c)?;
            match method {
                "advance_state" => Ok(Call::Advance(c)),
                "reset" => Ok(Call::Reset(c)),
                "evolve" if matches!(&graph.components[c].kind, Kind::Synapse(s) if s.is_plastic()) => {
                    Ok(Call::Evolve(c))
                }
                other => Err(Error::Network {
                    part: name.to_string(),
                    problem: format!(
                        "method `{other}` of {} is not implemented yet",
                        graph.components[c].class()
                    ),
                }),
            }
        };
        for name in &self.reset {
            match call(&graph, name)? {
                Call::Reset(c) => graph.reset.push(c),
                _ => {
                    return Err(Error::Network {
                        part: name.clone(),
                        problem: "the reset process may only call reset()".into(),
                    });
                }
            }
        }
        let input_names = self.input_names();
        graph.inputs = input_names.iter().map(|q| graph.port(q)).collect::<Result<_>>()?;
        for entry in &self.step {
            match entry {
                ScheduleEntry::Set(names) => {
                    for q in names {
                        let i = input_names.iter().position(|n| n == q).ok_or_else(|| Error::Network {
                            part: q.clone(),
                            problem: "set every step but the file has no `inputs` rows for it".into(),
                        })?;
                        graph.step.push(StepOp::Set(graph.inputs[i], i));
                    }
                }
                ScheduleEntry::Calls(calls) => {
                    for name in calls {
                        let c = call(&graph, name)?;
                        graph.step.push(StepOp::Call(c));
                    }
                }
            }
        }
        for op in &self.end {
            end_op(&graph, op)?;
        }
        Ok(graph)
    }

    /// The compartments set every step, in the order their rows are passed to a run.
    pub fn input_names(&self) -> Vec<String> {
        self.inputs.keys().cloned().collect()
    }
}

fn collect_f64(v: &Value, out: &mut Vec<f64>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| collect_f64(x, out)),
        Value::Number(n) => out.push(n.as_f64().unwrap_or(f64::NAN)),
        _ => {}
    }
}

/// Builds one component from its class and resolved parameters.
pub fn build_component(decl: &ComponentDecl) -> Result<Component> {
    let p = &decl.resolved_params;
    let int = |name: &str| -> Result<usize> {
        p.get(name)
            .and_then(Value::as_u64)
            .map(|x| x as usize)
            .ok_or_else(|| Error::Network {
                part: decl.name.clone(),
                problem: format!("`{name}` must be a positive integer"),
            })
    };
    let batch = match p.get("batch_size") {
        None | Some(Value::Null) => 1,
        Some(_) => int("batch_size")?,
    };
    if batch == 0 {
        return Err(Error::Network {
            part: decl.name.clone(),
            problem: "`batch_size` must be at least 1".into(),
        });
    }
    let kind = match decl.class.as_str() {
        "PoissonCell" | "BernoulliCell" => {
            let n_units = int("n_units")?;
            let kind = if decl.class == "PoissonCell" {
                let f = p
                    .get("target_freq")
                    .and_then(Value::as_f64)
                    .map_or(DEFAULT_TARGET_FREQ, |f| f as f32);
                if !(f.is_finite() && f >= 0.0) {
                    return Err(Error::Network {
                        part: decl.name.clone(),
                        problem: format!("`target_freq` = {f} must be finite and >= 0"),
                    });
                }
                EncoderKind::Poisson { target_freq: f }
            } else {
                EncoderKind::Bernoulli
            };
            let known = ["n_units", "batch_size", "target_freq"];
            if let Some(k) = p.keys().find(|k| !known.contains(&k.as_str())) {
                return Err(Error::Network {
                    part: decl.name.clone(),
                    problem: format!("unknown parameter `{k}` of {}", decl.class),
                });
            }
            Kind::Encoder { kind, n_units }
        }
        "VarTrace" => Kind::Trace(super::traces::VarTrace::from_params(&decl.name, p)?),
        "DenseSynapse" | "StaticSynapse" | "ExponentialSynapse" | "TraceSTDPSynapse" | "EventSTDPSynapse"
        | "ExpSTDPSynapse" | "MSTDPETSynapse" => {
            Kind::Synapse(Synapse::from_params(&decl.name, &decl.class, p, decl.key)?)
        }
        class => match cells::find(class) {
            Some(entry) => {
                let n_units = int("n_units")?;
                let mut params = p.clone();
                params.remove("n_units");
                params.remove("batch_size");
                let model = (entry.from_params)(&params).map_err(|e| Error::Network {
                    part: decl.name.clone(),
                    problem: e.to_string(),
                })?;
                Kind::Cell { model, n_units }
            }
            None => {
                return Err(Error::Network {
                    part: decl.name.clone(),
                    problem: format!("class `{class}` is not implemented yet"),
                });
            }
        },
    };
    Ok(Component {
        name: decl.name.clone(),
        kind,
        batch,
        key: decl.key,
    })
}

/// Replays a trace on the engine `make` builds from its graph, and compares. Classes or
/// methods spikegpu does not have yet give [`Outcome::Skip`] with the reason.
pub fn replay<E: NetEngine>(trace: &NetTrace, make: impl FnOnce(Graph) -> Result<E>) -> Outcome {
    let graph = match trace.build_graph() {
        Ok(g) => g,
        Err(e @ Error::Network { .. }) if e.to_string().contains("not implemented yet") => {
            return Outcome::Skip(e.to_string());
        }
        Err(e) => return Outcome::Fail(e.to_string()),
    };
    match replay_inner(trace, graph, make) {
        Ok(o) => o,
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

fn same(x: f32, r: f32) -> bool {
    x == r || (x.is_nan() && r.is_nan())
}

/// Construction draws compared with the file's `initial` (before anything is loaded): the
/// checks that make "bit-exact initialisers" a tested claim.
fn check_construction(trace: &NetTrace, graph: &Graph) -> Result<Option<String>> {
    if trace.continues_previous {
        return Ok(None);
    }
    let mut notes = Vec::new();
    for (ci, c) in graph.components.iter().enumerate() {
        // `initial` is the state after construction *and* the reset process (a reset may change
        // a construction value: MSTDPETSynapse's `outmask` goes from 0 to 1).
        let mut initial = c.initial();
        if graph.reset.contains(&ci) {
            for (port, value) in graph.reset_writes(ci) {
                initial[port.compartment].fill(value);
            }
        }
        for (q, (name, _)) in c.compartments().iter().enumerate() {
            let qualified = format!("{}.{name}", c.name);
            let port = Port {
                component: ci,
                compartment: q,
            };
            if graph.wire_of(port).is_some() || trace.set_once.contains(&qualified) {
                continue;
            }
            let Some(reference) = trace.initial.get(&qualified) else {
                continue;
            };
            if reference.len() != initial[q].len() {
                return Ok(Some(format!(
                    "`{qualified}` has {} values after construction, the trace {}",
                    initial[q].len(),
                    reference.len()
                )));
            }
            if let Some(i) = (0..reference.len()).find(|&i| !same(initial[q][i], reference[i])) {
                if trace.bit_exact_init {
                    return Ok(Some(format!(
                        "construction draw `{qualified}`[{i}] = {}, ngclearn {}",
                        initial[q][i], reference[i]
                    )));
                }
                notes.push(format!("{qualified} loaded (draw not guaranteed bit-exact)"));
            }
        }
        if let Kind::Trace(tr) = &c.kind
            && let Some(reference) = trace.aux.get(&format!("{}.decay_factor", c.name))
        {
            let ours = tr.decay_factor(trace.dt as f32);
            if reference.first().map(|&r| r as f32) != Some(ours) {
                return Ok(Some(format!(
                    "`{}` decay factor {ours:e}, the reference's compiled step used {reference:?}",
                    c.name
                )));
            }
        }
        if let Kind::Synapse(s) = &c.kind
            && let Some(reference) = trace.aux.get(&format!("{}.syn_delay_indices", c.name))
        {
            let ours: Vec<f64> = s.delay_indices.iter().map(|&d| f64::from(d)).collect();
            if &ours != reference {
                notes.push(format!("{}.syn_delay_indices loaded (randint differs)", c.name));
            }
        }
    }
    Ok((!notes.is_empty())
        .then(|| notes.join(", "))
        .map(|n| format!("note: {n}")))
}

fn replay_inner<E: NetEngine>(
    trace: &NetTrace,
    mut graph: Graph,
    make: impl FnOnce(Graph) -> Result<E>,
) -> Result<Outcome> {
    let mut notes = String::new();
    match check_construction(trace, &graph)? {
        Some(n) if n.starts_with("note: ") => notes = n,
        Some(failure) => return Ok(Outcome::Fail(failure)),
        None => {}
    }
    // Delay indices drawn by randint are loaded from aux (README §2).
    for c in &mut graph.components {
        if let Kind::Synapse(s) = &mut c.kind
            && let Some(idx) = trace.aux.get(&format!("{}.syn_delay_indices", c.name))
        {
            s.delay_indices = idx.iter().map(|&d| d as u32).collect();
        }
    }
    for (q, key) in &trace.keys_initial {
        let c = graph.find(q.trim_end_matches(".key"))?;
        if graph.components[c].key != *key && !trace.continues_previous {
            return Ok(Outcome::Fail(format!("construction key of `{q}` differs")));
        }
        graph.components[c].key = *key;
    }
    let inputs: Vec<&[f32]> = trace.input_names().iter().map(|q| trace.inputs[q].as_slice()).collect();
    let mut engine = make(graph)?;
    engine.reset()?;
    // Start from the reference's state after construction, reset and set_once (README §3).
    for (q, values) in &trace.initial {
        let port = engine.graph().port(q)?;
        if engine.graph().wire_of(port).is_some() {
            continue;
        }
        engine.write(port, values)?;
    }
    let mut record: Vec<(String, Port, Compare)> = Vec::new();
    let mut recorded = std::collections::BTreeSet::new();
    let mut add = |q: &str, graph: &Graph, record: &mut Vec<(String, Port, Compare)>| -> Result<()> {
        if recorded.insert(q.to_string()) {
            // An alias is compared as what it aliases.
            let compare = trace
                .compare
                .get(q)
                .or_else(|| trace.same_as.get(q).and_then(|other| trace.compare.get(other)))
                .copied()
                .unwrap_or(Compare::Exact);
            record.push((q.to_string(), graph.port(q)?, compare));
        }
        Ok(())
    };
    for q in trace
        .outputs
        .keys()
        .chain(trace.same_as.keys())
        .chain(trace.constant.iter())
    {
        if q.ends_with(".key") {
            continue;
        }
        add(q, engine.graph(), &mut record)?;
    }
    let ports: Vec<Port> = record.iter().map(|r| r.1).collect();
    let rec = engine.run(&trace.t, trace.dt as f32, &inputs, &ports)?;
    let outcome = compare(trace, engine.graph(), &record, &rec, notes)?;
    if !matches!(outcome, Outcome::Pass(_)) {
        return Ok(outcome);
    }
    // The end operations (between samples), then `final`.
    for op in &trace.end {
        let (port, wnorm, order) = end_op(engine.graph(), op)?;
        super::normalize::normalize_columns(&mut engine, port, wnorm, order)?;
    }
    for (q, reference) in &trace.final_values {
        let port = engine.graph().port(q)?;
        let ours = engine.read(port)?;
        let tol = trace.compare.get(q).copied().unwrap_or(Compare::Exact);
        let tol = match tol {
            Compare::Tol(t) => t,
            Compare::Exact => 0.0,
        };
        for (i, (&x, &r)) in ours.iter().zip(reference).enumerate() {
            let err = rel_err(x, r);
            if err.is_nan() || err > tol {
                return Ok(Outcome::Fail(format!(
                    "final `{q}`[{i}]: spikegpu {x}, ngclearn {r}, err {err:.2e}"
                )));
            }
        }
    }
    Ok(match outcome {
        Outcome::Pass(text) if !trace.final_values.is_empty() => {
            Outcome::Pass(format!("{text}; final state after the end operations matches"))
        }
        other => other,
    })
}

/// An end operation of the schedule: `normalize_matrix` of a compartment, as
/// `(port, wnorm, order)`; anything else is not implemented.
fn end_op(graph: &Graph, op: &Value) -> Result<(Port, f32, u32)> {
    let unknown = || Error::Network {
        part: "schedule.end".into(),
        problem: format!("end operation {op} is not implemented yet"),
    };
    if op.get("op").and_then(Value::as_str) != Some("normalize_matrix")
        || op.get("axis").and_then(Value::as_u64) != Some(0)
    {
        return Err(unknown());
    }
    let target = op.get("target").and_then(Value::as_str).ok_or_else(unknown)?;
    let wnorm = op.get("wnorm").and_then(Value::as_f64).ok_or_else(unknown)? as f32;
    let order = op.get("order").and_then(Value::as_u64).unwrap_or(1) as u32;
    Ok((graph.port(target)?, wnorm, order))
}

fn compare(
    trace: &NetTrace,
    graph: &Graph,
    record: &[(String, Port, Compare)],
    rec: &NetRecording,
    notes: String,
) -> Result<Outcome> {
    // The reference row of compartment q at step k, when the file has one.
    let reference = |q: &str, k: usize| -> Option<&[f32]> {
        if let Some(other) = trace.same_as.get(q) {
            return reference_row(trace, other, k);
        }
        if trace.constant.iter().any(|c| c == q) {
            return trace.initial.get(q).map(Vec::as_slice);
        }
        reference_row(trace, q, k)
    };
    // First step where an exact compartment differs: the free run stops comparing there.
    let mut first_divergence: Option<(usize, String)> = None;
    for k in 0..trace.steps {
        for (ri, (q, port, cmp)) in record.iter().enumerate() {
            if *cmp != Compare::Exact {
                continue;
            }
            let Some(r) = reference(q, k) else { continue };
            let len = graph.len(*port);
            let ours = &rec.values[ri][k * len..(k + 1) * len];
            if let Some(i) = (0..len).find(|&i| !same(ours[i], r[i])) {
                first_divergence = Some((
                    k,
                    format!("`{q}`[{i}] at step {k}: spikegpu {}, ngclearn {}", ours[i], r[i]),
                ));
                break;
            }
        }
        if first_divergence.is_some() {
            break;
        }
        for (q, keys) in &trace.keys_outputs {
            let c = graph.find(q.trim_end_matches(".key"))?;
            if rec.keys[c][k] != keys[k] {
                first_divergence = Some((k, format!("key `{q}` at step {k} differs")));
                break;
            }
        }
        if first_divergence.is_some() {
            break;
        }
    }
    let horizon = first_divergence.as_ref().map_or(trace.steps, |(k, _)| *k);
    let mut max_err = 0.0f32;
    let mut compared = 0usize;
    for (ri, (q, port, cmp)) in record.iter().enumerate() {
        let Compare::Tol(tol) = *cmp else { continue };
        let len = graph.len(*port);
        for k in 0..horizon {
            let Some(r) = reference(q, k) else { continue };
            let ours = &rec.values[ri][k * len..(k + 1) * len];
            for i in 0..len {
                let err = rel_err(ours[i], r[i]);
                if err.is_nan() || err > tol {
                    return Ok(Outcome::Fail(format!(
                        "`{q}`[{i}] at step {k}: spikegpu {}, ngclearn {}, err {err:.2e} > tol {tol:.0e}",
                        ours[i], r[i]
                    )));
                }
                max_err = max_err.max(err);
                compared += 1;
            }
        }
    }
    if let Some((_, what)) = first_divergence {
        return Ok(Outcome::Fail(format!("exact compartment diverges: {what}")));
    }
    let exact = record.iter().filter(|r| r.2 == Compare::Exact).count() + trace.keys_outputs.len();
    let suffix = if notes.is_empty() {
        String::new()
    } else {
        format!("; {notes}")
    };
    Ok(Outcome::Pass(format!(
        "{} steps, {exact} exact compartments identical, max err {max_err:.1e} over {compared} values{suffix}",
        trace.steps
    )))
}

/// The reference value of `q` after step `k`, if the file recorded it then.
fn reference_row<'a>(trace: &'a NetTrace, q: &str, k: usize) -> Option<&'a [f32]> {
    let rows = trace.outputs.get(q)?;
    match trace.record_steps.get(q) {
        Some(steps) => steps.iter().position(|&s| s == k).map(|i| rows[i].as_slice()),
        None => rows.get(k).map(Vec::as_slice),
    }
}
