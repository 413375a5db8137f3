//! `NetworkBuilder` and `Network`: spikegpu's network API (populations, heterogeneous ones
//! included, ngclearn's encoders, projections with gather or event-driven propagation, traces,
//! the four learning rules on dense or sparse connectivity, reward modulators and streamed
//! drives) with layers, traces and projections named by strings.

use std::collections::HashMap;

use numpy::PyUntypedArrayMethods;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use spikegpu::network::rules::Rule;
use spikegpu::network::synapses::Synapse;
use spikegpu::network::traces::VarTrace;
use spikegpu::network::{
    ConnectivitySpec, CpuNetwork, GpuNetwork, LayerId, NetEngine, NetRecord, NetRun, Network, NetworkBuilder,
    ProjectionId, ProjectionSpec, TraceId, Weights,
};
use spikegpu::rng::Key;

use crate::arrays::{check_shape, f32_array, layer_values, to_numpy, unpack_raster};
use crate::backends::{Target, target};
use crate::errors::{guard, value_error};
use crate::params::to_map;

/// A layer's id and width.
#[derive(Clone, Copy)]
struct LayerInfo {
    id: LayerId,
    n_units: usize,
}

/// The names given while building.
#[derive(Clone, Default)]
struct Names {
    layers: HashMap<String, LayerInfo>,
    traces: HashMap<String, (TraceId, usize)>,
    projections: HashMap<String, ProjectionId>,
}

impl Names {
    fn layer(&self, name: &str) -> PyResult<LayerInfo> {
        self.layers.get(name).copied().ok_or_else(|| {
            let mut known: Vec<&String> = self.layers.keys().collect();
            known.sort();
            value_error(format!("no layer `{name}`; layers: {known:?}"))
        })
    }

    fn trace(&self, name: &str) -> PyResult<(TraceId, usize)> {
        self.traces.get(name).copied().ok_or_else(|| {
            let mut known: Vec<&String> = self.traces.keys().collect();
            known.sort();
            value_error(format!("no trace `{name}`; traces: {known:?}"))
        })
    }

    fn projection(&self, name: &str) -> PyResult<ProjectionId> {
        self.projections.get(name).copied().ok_or_else(|| {
            let mut known: Vec<&String> = self.projections.keys().collect();
            known.sort();
            value_error(format!("no projection `{name}`; projections: {known:?}"))
        })
    }

    fn add_layer(&mut self, name: &str, id: LayerId, n_units: usize) {
        self.layers.insert(name.to_string(), LayerInfo { id, n_units });
    }
}

/// Builds a network: `NetworkBuilder(batch_size=1, key=0)`; components draw their keys from
/// `PRNGKey(key)` in the order they are added. Each step advances the projections (which see
/// the previous step's spikes), then the encoders, then the populations; a population's input is
/// its drive plus its projections' outputs, summed in the order the projections were added.
#[pyclass(module = "spikegpu", name = "NetworkBuilder")]
pub struct PyNetworkBuilder {
    inner: Option<NetworkBuilder>,
    names: Names,
    batch: usize,
    /// The builder's seed: per-neuron distributions of the layer added k-th are drawn from
    /// `PRNGKey(key + k)` unless the population names its own `key`.
    key: u64,
}

impl PyNetworkBuilder {
    fn builder(&mut self) -> PyResult<&mut NetworkBuilder> {
        self.inner
            .as_mut()
            .ok_or_else(|| value_error("this builder was already built; make a new NetworkBuilder"))
    }
}

/// `Weights` from the keyword arguments of a dense or one-to-one projection.
fn weights_of(
    weight: Option<f32>,
    values: Option<&Bound<'_, PyAny>>,
    uniform: Option<(f32, f32)>,
    shape: &[usize],
) -> PyResult<Weights> {
    match (weight, values, uniform) {
        (Some(w), None, None) => Ok(Weights::Constant(w)),
        (None, Some(v), None) => {
            let array = f32_array(v, "weights")?;
            check_shape("weights", array.shape(), &[shape.to_vec()])?;
            Ok(Weights::Values(array.as_slice()?.to_vec()))
        }
        (None, None, Some((low, high))) => Ok(Weights::Uniform { low, high }),
        _ => Err(value_error(
            "give exactly one of weight= (a constant), weights= (an array) or uniform=(low, high)",
        )),
    }
}

/// DenseSynapse keyword arguments that `plastic` sets from its own arguments.
const SYNAPSE_ONLY: [&str; 10] = [
    "shape",
    "weight_init",
    "bias_init",
    "resist_scale",
    "g_conduct_factor",
    "p_conn",
    "p_release_mean",
    "mask",
    "max_delay_steps",
    "batch_size",
];

/// The connectivity keyword arguments of `project` and `plastic`.
struct ConnectionArgs<'a, 'py> {
    weight: Option<f32>,
    weights: Option<&'a Bound<'py, PyAny>>,
    uniform: Option<(f32, f32)>,
    p: Option<f64>,
    k: Option<usize>,
    synapses: Option<Vec<(u32, u32, f32)>>,
    weight_high: Option<f32>,
}

/// The connectivity of `kind` from its keyword arguments.
fn connectivity_of(
    name: &str,
    kind: &str,
    from: LayerInfo,
    to: LayerInfo,
    a: ConnectionArgs<'_, '_>,
) -> PyResult<ConnectivitySpec> {
    let need = |what: &str| value_error(format!("projection `{name}` of kind {kind:?} needs {what}="));
    Ok(match kind {
        "dense" => ConnectivitySpec::Dense(weights_of(a.weight, a.weights, a.uniform, &[from.n_units, to.n_units])?),
        "one_to_one" => ConnectivitySpec::OneToOne(weights_of(a.weight, a.weights, a.uniform, &[from.n_units])?),
        "fixed_probability" => ConnectivitySpec::FixedProbability {
            p: a.p.ok_or_else(|| need("p"))?,
            weight: a.weight.ok_or_else(|| need("weight"))?,
        },
        "fixed_in_degree" => ConnectivitySpec::FixedInDegree {
            k: a.k.ok_or_else(|| need("k"))?,
            weight: a.weight.ok_or_else(|| need("weight"))?,
        },
        "list" => ConnectivitySpec::List(a.synapses.ok_or_else(|| need("synapses"))?),
        "procedural" => ConnectivitySpec::Procedural {
            p: a.p.ok_or_else(|| need("p"))? as f32,
            weight: a.weight.ok_or_else(|| need("weight"))?,
            weight_high: a.weight_high,
        },
        "fan_out" => ConnectivitySpec::ProceduralFanOut {
            k: u32::try_from(a.k.ok_or_else(|| need("k"))?)
                .map_err(|_| value_error(format!("projection `{name}`: k must be below 2^32")))?,
            weight: a.weight.ok_or_else(|| need("weight"))?,
            weight_high: a.weight_high,
        },
        other => {
            return Err(value_error(format!(
                "projection kind {other:?}: expected \"dense\", \"one_to_one\", \"fixed_probability\", \
                 \"fixed_in_degree\", \"list\", \"procedural\" or \"fan_out\""
            )));
        }
    })
}

#[pymethods]
impl PyNetworkBuilder {
    #[new]
    #[pyo3(signature = (batch_size = 1, key = 0))]
    fn new(batch_size: usize, key: u64) -> PyResult<Self> {
        if batch_size == 0 {
            return Err(value_error("batch_size must be at least 1"));
        }
        Ok(PyNetworkBuilder {
            inner: Some(NetworkBuilder::new(batch_size, key)),
            names: Names::default(),
            batch: batch_size,
            key,
        })
    }

    /// A population of `n_units` cells of ngclearn class `cell` with its keyword parameters.
    ///
    /// Any float parameter may be given per neuron, as for `Population`: an array of `n_units`
    /// values, or `spikegpu.uniform(low, high)` / `spikegpu.normal(mean, std)` drawn from
    /// `PRNGKey(key)`; `key` defaults to the builder's key plus the number of layers added
    /// before this one (so `Population(cell, n_units, key=that, **params)` has the same values).
    #[pyo3(signature = (name, cell, n_units, key = None, **params))]
    fn population(
        &mut self,
        name: &str,
        cell: &str,
        n_units: usize,
        key: Option<u64>,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let params = to_map(params)?;
        let key = Key::from_seed(key.unwrap_or_else(|| self.key.wrapping_add(self.names.layers.len() as u64)));
        let b = self.builder()?;
        let id = guard(|| {
            let entry = spikegpu::cells::lookup(cell)?;
            b.population(
                name,
                spikegpu::cells::heterogeneous::from_params(entry, &params, n_units, key)?,
                n_units,
            )
        })?;
        self.names.add_layer(name, id, n_units);
        Ok(())
    }

    /// ngclearn's `PoissonCell`: spike probability `input · dt/1000 · target_freq` per step.
    #[pyo3(signature = (name, n_units, target_freq = 63.75))]
    fn poisson(&mut self, name: &str, n_units: usize, target_freq: f32) -> PyResult<()> {
        let b = self.builder()?;
        let id = guard(|| b.poisson(name, n_units, target_freq))?;
        self.names.add_layer(name, id, n_units);
        Ok(())
    }

    /// ngclearn's `BernoulliCell`: spike probability `input` per step.
    fn bernoulli(&mut self, name: &str, n_units: usize) -> PyResult<()> {
        let b = self.builder()?;
        let id = guard(|| b.bernoulli(name, n_units))?;
        self.names.add_layer(name, id, n_units);
        Ok(())
    }

    /// Makes population `layer`'s drive a per-step stream: each step of `Network.run` sets it
    /// to that step's row of the `drives={layer: array}` values (fresh noise per step, a
    /// recorded stimulus, ...), with no return to Python between steps.
    fn stream_drive(&mut self, layer: &str) -> PyResult<()> {
        let l = self.names.layer(layer)?;
        let b = self.builder()?;
        guard(|| b.stream_drive(l.id))
    }

    /// A projection from `pre`'s spikes (or `source` compartment) into `post`'s input.
    ///
    /// `kind` and its arguments: `"dense"` and `"one_to_one"` take `weight=` (constant),
    /// `weights=` (an array: `(N_pre, N_post)` or `(N,)`) or `uniform=(low, high)` (drawn with
    /// the projection's key); `"fixed_probability"` takes `p=` and `weight=`; `"fixed_in_degree"`
    /// `k=` and `weight=`; `"list"` `synapses=[(pre, post, weight), …]`; `"procedural"` `p=`,
    /// `weight=` and optionally `weight_high=` (regenerated every step, nothing stored);
    /// `"fan_out"` `k=` targets per presynaptic unit drawn with replacement, `weight=` and
    /// optionally `weight_high=` (regenerated per spike, nothing stored; event-driven).
    /// Dynamics: instantaneous by default; `tau=` an exponentially decaying current; or
    /// `tau_decay=`, `g_syn_bar=`, `syn_rest=` ngclearn's conductance form. `delay=` axonal delay
    /// in steps, `scale=` output scale.
    ///
    /// `propagation`: `"gather"` (the default except for `"fan_out"`: each target sums its
    /// terms in float32 in presynaptic order, the conformance semantics) or `"event"` (spikes
    /// scatter over their synapses into integer accumulators: cost ∝ spikes × fan-out, the same
    /// bits on CPU and GPU; each summed input differs from the exact sum of its float32 terms by
    /// at most n·q/2 for n terms, q = 2^−s the quantum, s the largest integer with
    /// `max_signal·max|w|·2^s ≤ ⌊(2³¹−1)/D⌋`, D the largest in-degree). `max_signal=` bounds
    /// |signal| for event propagation (1 for spikes, the default; larger terms clamp).
    #[pyo3(signature = (name, pre, post, kind = "dense", *, weight = None, weights = None, uniform = None,
        p = None, k = None, synapses = None, weight_high = None, tau = None, tau_decay = None,
        g_syn_bar = None, syn_rest = None, delay = 0, scale = 1.0, source = None, propagation = None,
        max_signal = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn project(
        &mut self,
        name: &str,
        pre: &str,
        post: &str,
        kind: &str,
        weight: Option<f32>,
        weights: Option<&Bound<'_, PyAny>>,
        uniform: Option<(f32, f32)>,
        p: Option<f64>,
        k: Option<usize>,
        synapses: Option<Vec<(u32, u32, f32)>>,
        weight_high: Option<f32>,
        tau: Option<f32>,
        tau_decay: Option<f32>,
        g_syn_bar: Option<f32>,
        syn_rest: Option<f32>,
        delay: usize,
        scale: f32,
        source: Option<&str>,
        propagation: Option<&str>,
        max_signal: Option<f32>,
    ) -> PyResult<()> {
        let (from, to) = (self.names.layer(pre)?, self.names.layer(post)?);
        let args = ConnectionArgs {
            weight,
            weights,
            uniform,
            p,
            k,
            synapses,
            weight_high,
        };
        let connectivity = connectivity_of(name, kind, from, to, args)?;
        let event = match (
            propagation.unwrap_or(if kind == "fan_out" { "event" } else { "gather" }),
            max_signal,
        ) {
            ("gather", None) => None,
            ("gather", Some(_)) => {
                return Err(value_error(format!(
                    "projection `{name}`: max_signal= bounds event-driven propagation; give propagation=\"event\""
                )));
            }
            ("event", bound) => Some(bound.unwrap_or(1.0)),
            (other, _) => {
                return Err(value_error(format!(
                    "projection `{name}`: propagation {other:?}: expected \"gather\" or \"event\""
                )));
            }
        };
        let mut spec = ProjectionSpec::new(connectivity).delay(delay).scale(scale);
        spec.event = event;
        spec = match (tau, tau_decay, g_syn_bar, syn_rest) {
            (None, None, None, None) => spec,
            (Some(tau), None, None, None) => spec.exponential_current(tau),
            (None, Some(tau_decay), Some(g), Some(rest)) => spec.conductance(tau_decay, g, rest),
            _ => {
                return Err(value_error(
                    "dynamics: give tau= (exponential current), or tau_decay=, g_syn_bar= and syn_rest= (conductance), or none",
                ));
            }
        };
        if let Some(source) = source {
            spec = spec.from_compartment(source);
        }
        let b = self.builder()?;
        let id = guard(|| b.project(name, from.id, to.id, spec))?;
        self.names.projections.insert(name.to_string(), id);
        Ok(())
    }

    /// ngclearn's `VarTrace` of a layer's spikes, with its keyword parameters (`tau_tr`,
    /// `a_delta`, `decay_type`, …); read it with `Network.read_trace(name)`.
    #[pyo3(signature = (name, of, **params))]
    fn trace(&mut self, name: &str, of: &str, params: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
        let layer = self.names.layer(of)?;
        let mut params = to_map(params)?;
        params.insert("n_units".into(), layer.n_units.into());
        let b = self.builder()?;
        let id = guard(|| b.trace(name, layer.id, VarTrace::from_params(name, &params)?))?;
        self.names.traces.insert(name.to_string(), (id, layer.n_units));
        Ok(())
    }

    /// A connection from `pre`'s spikes into `post` that learns with one of ngclearn's rules
    /// after every step, its constants given with the ngclearn class's keyword names (`params`):
    ///
    /// | `rule` | ngclearn class | keyword parameters (defaults as ngclearn's) | reads |
    /// |---|---|---|---|
    /// | `"trace"` | `TraceSTDPSynapse` | `A_plus`, `A_minus` (required), `eta`=1, `mu`=0, `pretrace_target`=0, `w_bound`=1, `tau_w`=0, `weight_mask` | `pre_trace`, `post_trace` |
    /// | `"exp"` | `ExpSTDPSynapse` | `A_plus`, `A_minus`, `exp_beta` (required), `eta`=1, `pretrace_target`=0, `w_bound`=1, `tau_w`=0 (never applied, as ngclearn), `weight_mask` | `pre_trace`, `post_trace` |
    /// | `"event"` | `EventSTDPSynapse` | `eta` (required), `lmbda`=0.01, `A_plus`=1, `A_minus`=1, `presyn_win_len`=2, `w_bound`=1 | `pre`'s time of last spike `tols` |
    /// | `"mstdpet"` | `MSTDPETSynapse` | `A_plus`, `A_minus` (required), `eta`=1, `mu`=0, `pretrace_target`=0, `tau_elg`=0, `elg_decay`=1, `tau_w`=0, `w_bound`=1, `weight_mask` | `pre_trace`, `post_trace`, the modulator |
    ///
    /// `pre_trace` and `post_trace` name traces (`NetworkBuilder.trace`) of `pre`'s and `post`'s
    /// spikes. `kind`: `"dense"` (an ngclearn synapse component; weights as for a dense
    /// projection, `weight_mask` an `(N_pre, N_post)` 0/1 array multiplied in) or a sparse kind
    /// (`"fixed_probability"` `p=`, `weight=`; `"fixed_in_degree"` `k=`, `weight=`; `"list"`
    /// `synapses=`): the same rule restricted to the stored synapses. `scale=` is the dense
    /// synapse's `g_conduct_factor` (the sparse projection's output scale). EventSTDP and
    /// MSTDPET need batch 1, as in ngclearn; an MSTDPET connection's reward is
    /// `Network.set_modulator(name, value)`, or per step `Network.run(..., modulators=)`.
    /// Read the weights with `Network.read_projection(name, "weights")`.
    #[pyo3(signature = (name, pre, post, pre_trace = None, post_trace = None, *, rule = "trace", kind = "dense",
        weight = None, weights = None, uniform = None, p = None, k = None, synapses = None, scale = 1.0,
        **params))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn plastic(
        &mut self,
        name: &str,
        pre: &str,
        post: &str,
        pre_trace: Option<&str>,
        post_trace: Option<&str>,
        rule: &str,
        kind: &str,
        weight: Option<f32>,
        weights: Option<&Bound<'_, PyAny>>,
        uniform: Option<(f32, f32)>,
        p: Option<f64>,
        k: Option<usize>,
        synapses: Option<Vec<(u32, u32, f32)>>,
        scale: f32,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let (from, to) = (self.names.layer(pre)?, self.names.layer(post)?);
        let class = match rule {
            "trace" => "TraceSTDPSynapse",
            "exp" => "ExpSTDPSynapse",
            "event" => "EventSTDPSynapse",
            "mstdpet" => "MSTDPETSynapse",
            other => {
                return Err(value_error(format!(
                    "plastic `{name}`: rule {other:?}: expected \"trace\", \"exp\", \"event\" or \"mstdpet\""
                )));
            }
        };
        let mut params = to_map(params)?;
        if let Some(given) = SYNAPSE_ONLY.iter().find(|p| params.contains_key(**p)) {
            return Err(value_error(format!(
                "plastic `{name}`: `{given}` is set by the connection here: weights with weight=/weights=/uniform=, \
                 the scale with scale=, the shape and batch by the layers and the builder"
            )));
        }
        let dense = kind == "dense";
        if !dense && params.contains_key("weight_mask") {
            return Err(value_error(format!(
                "plastic `{name}`: a sparse projection's stored synapses are its connectivity: weight_mask is for \"dense\""
            )));
        }
        // A sparse rule's constants do not depend on the shape: read them for a 1 × 1 synapse
        // rather than allocate an N_pre × N_post mask that the projection never uses.
        let shape = if dense { [from.n_units, to.n_units] } else { [1, 1] };
        params.insert("shape".into(), serde_json::json!(shape));
        // The rule's constants read by spikegpu's ngclearn reader (names, defaults, checks).
        let mut rule = guard(|| Synapse::from_params(name, class, &params, Key::from_seed(0)))?
            .rule
            .ok_or_else(|| value_error(format!("plastic `{name}`: {class} has no learning rule")))?;
        let args = ConnectionArgs {
            weight,
            weights,
            uniform,
            p,
            k,
            synapses,
            weight_high: None,
        };
        let connectivity = match kind {
            "dense" | "fixed_probability" | "fixed_in_degree" | "list" => connectivity_of(name, kind, from, to, args)?,
            other => {
                return Err(value_error(format!(
                    "plastic `{name}`: kind {other:?}: a learning rule needs stored weights: \"dense\", \
                     \"fixed_probability\", \"fixed_in_degree\" or \"list\""
                )));
            }
        };
        if !dense {
            // A sparse projection's synapses are its connectivity: its rule has no mask.
            match &mut rule {
                Rule::Trace(r) => r.weight_mask.clear(),
                Rule::Exp(r) => r.weight_mask.clear(),
                Rule::Modulated(r) => r.stdp.weight_mask.clear(),
                Rule::Event(_) => {}
            }
        }
        let traces = [pre_trace, post_trace]
            .into_iter()
            .flatten()
            .map(|t| self.names.trace(t).map(|t| t.0))
            .collect::<PyResult<Vec<_>>>()?;
        let spec = ProjectionSpec::new(connectivity).scale(scale);
        let b = self.builder()?;
        let id = guard(|| b.plastic_rule(name, from.id, to.id, spec, rule, &traces))?;
        self.names.projections.insert(name.to_string(), id);
        Ok(())
    }

    /// Builds the network on `backend` (`"cpu"`, `"gpu"`, `"vulkan"`, …); the builder is used up.
    #[pyo3(signature = (backend = "cpu"))]
    fn build(&mut self, backend: &str) -> PyResult<PyNetwork> {
        let builder = self
            .inner
            .take()
            .ok_or_else(|| value_error("this builder was already built; make a new NetworkBuilder"))?;
        let engine = guard(|| {
            Ok(match target(backend)? {
                Target::Cpu => Engine::Cpu(builder.build_cpu()?),
                Target::Gpu(ctx) => Engine::Gpu(builder.build_gpu(&ctx)?),
            })
        })?;
        Ok(PyNetwork {
            engine,
            names: self.names.clone(),
            batch: self.batch,
        })
    }
}

/// A built network on one of the two engines.
enum Engine {
    Cpu(Network<CpuNetwork>),
    Gpu(Network<GpuNetwork>),
}

/// Calls the same method on whichever engine the network runs on.
macro_rules! on_engine {
    ($engine:expr, $net:ident => $body:expr) => {
        match $engine {
            Engine::Cpu($net) => $body,
            Engine::Gpu($net) => $body,
        }
    };
}

/// A built network: drives, compartments as arrays, runs.
#[pyclass(module = "spikegpu", name = "Network")]
pub struct PyNetwork {
    engine: Engine,
    names: Names,
    batch: usize,
}

impl PyNetwork {
    /// The port of compartment `compartment` of projection (or plastic connection) `name`.
    fn projection_port(&self, name: &str, compartment: &str) -> PyResult<spikegpu::network::Port> {
        self.names.projection(name)?;
        let graph = on_engine!(&self.engine, net => net.engine_ref().graph());
        let component = graph
            .components
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| value_error(format!("no component `{name}` in the built network")))?;
        let compartment = guard(|| graph.components[component].compartment(compartment))?;
        Ok(spikegpu::network::Port { component, compartment })
    }
}

#[pymethods]
impl PyNetwork {
    /// The layer names.
    #[getter]
    fn layers(&self) -> Vec<String> {
        let mut names: Vec<String> = self.names.layers.keys().cloned().collect();
        names.sort();
        names
    }

    /// A population's constant input current, added to its projections' outputs each step.
    fn set_drive(&mut self, layer: &str, values: &Bound<'_, PyAny>) -> PyResult<()> {
        let l = self.names.layer(layer)?;
        let values = layer_values(values, layer, self.batch, l.n_units)?;
        guard(|| on_engine!(&mut self.engine, net => net.set_drive(l.id, &values)))
    }

    /// An encoder's input (Poisson intensities, Bernoulli probabilities), kept until set again.
    fn set_input(&mut self, layer: &str, values: &Bound<'_, PyAny>) -> PyResult<()> {
        let l = self.names.layer(layer)?;
        let values = layer_values(values, layer, self.batch, l.n_units)?;
        guard(|| on_engine!(&mut self.engine, net => net.set_input(l.id, &values)))
    }

    /// A compartment of a layer, float32 `(batch_size, n_units)`.
    fn read<'py>(&mut self, py: Python<'py>, layer: &str, compartment: &str) -> PyResult<Bound<'py, PyAny>> {
        let l = self.names.layer(layer)?;
        let values = guard(|| on_engine!(&mut self.engine, net => net.read(l.id, compartment)))?;
        let n = values.len() / self.batch;
        to_numpy(py, values, &[self.batch, n])
    }

    /// Overwrites a compartment of a layer (e.g. initial voltages).
    fn write(&mut self, layer: &str, compartment: &str, values: &Bound<'_, PyAny>) -> PyResult<()> {
        let l = self.names.layer(layer)?;
        let values = layer_values(values, compartment, self.batch, l.n_units)?;
        guard(|| on_engine!(&mut self.engine, net => net.write(l.id, compartment, &values)))
    }

    /// `net["exc", "v"]`: `read("exc", "v")`.
    fn __getitem__<'py>(&mut self, py: Python<'py>, key: (String, String)) -> PyResult<Bound<'py, PyAny>> {
        self.read(py, &key.0, &key.1)
    }

    /// `net["exc", "v"] = x`: `write("exc", "v", x)`.
    fn __setitem__(&mut self, key: (String, String), values: &Bound<'_, PyAny>) -> PyResult<()> {
        self.write(&key.0, &key.1, values)
    }

    /// A trace's values now, float32 `(batch_size, n_units)`.
    fn read_trace<'py>(&mut self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let (id, n) = self.names.trace(name)?;
        let values = guard(|| on_engine!(&mut self.engine, net => net.read_trace(id)))?;
        to_numpy(py, values, &[self.batch, n])
    }

    /// A compartment of a projection or plastic connection now, as a flat float32 array:
    /// `"weights"` (dense: `N_pre·N_post` row-major, reshape to `(N_pre, N_post)`; sparse: one
    /// per stored synapse, ordered by (post, pre), or by (pre, post) under event propagation),
    /// `"dWeights"`, `"eligibility"` (one per weight, in the same order), `"modulator"`, ...
    fn read_projection<'py>(&mut self, py: Python<'py>, name: &str, compartment: &str) -> PyResult<Bound<'py, PyAny>> {
        let port = self.projection_port(name, compartment)?;
        let values = guard(|| on_engine!(&mut self.engine, net => net.engine().read(port)))?;
        let n = values.len();
        to_numpy(py, values, &[n])
    }

    /// Sets an MSTDPET connection's modulator (ngclearn's reward, shape (1, 1): one number),
    /// kept for every step of the following runs until set again.
    fn set_modulator(&mut self, projection: &str, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = self.names.projection(projection)?;
        let array = f32_array(value, "modulator")?;
        let values = array.as_slice()?;
        guard(|| on_engine!(&mut self.engine, net => net.set_modulator(id, values)))
    }

    /// The reset process, and the clock back to 0.
    fn reset(&mut self) -> PyResult<()> {
        guard(|| on_engine!(&mut self.engine, net => net.reset()))
    }

    /// Runs `steps` steps of `dt` ms without returning to Python between steps, recording the
    /// spikes of the layers in `spikes` and, every step, the `(layer, compartment)` pairs in
    /// `traces`. Returns a dict: `"spikes"`: layer → bool `(steps, batch_size, n_units)`,
    /// `"traces"`: `(layer, compartment)` → float32 `(steps, batch_size, n_units)`, `"times"`:
    /// float32 `(steps,)`.
    ///
    /// `drives`: layer → its per-step drive, `(steps, batch_size, n_units)` (or `(steps,
    /// n_units)` with batch 1), for every layer made with `NetworkBuilder.stream_drive` (all
    /// must be given). `modulators`: MSTDPET connection → one reward per step, `(steps,)` (or
    /// `(steps, 1, 1)`), set at the start of each step; connections not given keep their value
    /// (`set_modulator`), and after the run a modulator holds its last step's value.
    #[pyo3(signature = (steps, dt = 0.1, spikes = None, traces = None, drives = None, modulators = None))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        steps: usize,
        dt: f64,
        spikes: Option<Vec<String>>,
        traces: Option<Vec<(String, String)>>,
        drives: Option<HashMap<String, Bound<'py, PyAny>>>,
        modulators: Option<HashMap<String, Bound<'py, PyAny>>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        // The per-step arrays, borrowed for the whole run.
        let mut drive_arrays = Vec::new();
        for (layer, values) in drives.iter().flatten() {
            let l = self.names.layer(layer)?;
            let array = f32_array(values, layer)?;
            let mut allowed = vec![vec![steps, self.batch, l.n_units]];
            if self.batch == 1 {
                allowed.push(vec![steps, l.n_units]);
            }
            check_shape(&format!("drives[{layer:?}]"), array.shape(), &allowed)?;
            drive_arrays.push((l.id, array));
        }
        let mut modulator_arrays = Vec::new();
        for (name, values) in modulators.iter().flatten() {
            let id = self.names.projection(name)?;
            let array = f32_array(values, name)?;
            check_shape(
                &format!("modulators[{name:?}]"),
                array.shape(),
                &[vec![steps], vec![steps, 1, 1]],
            )?;
            modulator_arrays.push((id, array));
        }
        let drive_slices = drive_arrays
            .iter()
            .map(|(id, a)| Ok((*id, a.as_slice()?)))
            .collect::<PyResult<Vec<_>>>()?;
        let modulator_slices = modulator_arrays
            .iter()
            .map(|(id, a)| Ok((*id, a.as_slice()?)))
            .collect::<PyResult<Vec<_>>>()?;
        let spikes = spikes.unwrap_or_default();
        let traces = traces.unwrap_or_default();
        let record = NetRecord {
            spikes: spikes
                .iter()
                .map(|l| self.names.layer(l).map(|l| l.id))
                .collect::<PyResult<_>>()?,
            traces: traces
                .iter()
                .map(|(l, c)| self.names.layer(l).map(|l| (l.id, c.clone())))
                .collect::<PyResult<_>>()?,
        };
        let engine = &mut self.engine;
        let run: NetRun = py.detach(|| {
            guard(|| on_engine!(engine, net => net.run_with(steps, dt, &record, &drive_slices, &modulator_slices)))
        })?;
        let out = PyDict::new(py);
        let rasters = PyDict::new(py);
        for (name, (_, words, raster)) in spikes.iter().zip(&run.rasters) {
            let n = self.names.layer(name)?.n_units;
            let flat = unpack_raster(raster, run.steps, *words, self.batch, n);
            rasters.set_item(name, to_numpy(py, flat, &[run.steps, self.batch, n])?)?;
        }
        out.set_item("spikes", rasters)?;
        let values = PyDict::new(py);
        for ((layer, compartment), (_, _, v)) in traces.iter().zip(run.traces) {
            let n = v.len() / (run.steps * self.batch).max(1);
            values.set_item((layer, compartment), to_numpy(py, v, &[run.steps, self.batch, n])?)?;
        }
        out.set_item("traces", values)?;
        let times = run.times.clone();
        out.set_item("times", to_numpy(py, times, &[run.steps])?)?;
        Ok(out)
    }
}
