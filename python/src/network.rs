//! `NetworkBuilder` and `Network`: spikegpu's network API (populations, ngclearn's encoders,
//! projections, traces, trace-based STDP) with layers, traces and projections named by strings.

use std::collections::HashMap;

use numpy::PyUntypedArrayMethods;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use spikegpu::network::stdp::TraceStdp;
use spikegpu::network::traces::VarTrace;
use spikegpu::network::{
    ConnectivitySpec, CpuNetwork, GpuNetwork, LayerId, NetRecord, NetRun, Network, NetworkBuilder, ProjectionSpec,
    TraceId, Weights,
};

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
        })
    }

    /// A population of `n_units` cells of ngclearn class `cell` with its keyword parameters.
    #[pyo3(signature = (name, cell, n_units, **params))]
    fn population(
        &mut self,
        name: &str,
        cell: &str,
        n_units: usize,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<()> {
        let params = to_map(params)?;
        let b = self.builder()?;
        let id = guard(|| {
            let entry = spikegpu::cells::lookup(cell)?;
            b.population(name, (entry.from_params)(&params)?, n_units)
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

    /// A projection from `pre`'s spikes (or `source` compartment) into `post`'s input.
    ///
    /// `kind` and its arguments: `"dense"` and `"one_to_one"` take `weight=` (constant),
    /// `weights=` (an array: `(N_pre, N_post)` or `(N,)`) or `uniform=(low, high)` (drawn with
    /// the projection's key); `"fixed_probability"` takes `p=` and `weight=`; `"fixed_in_degree"`
    /// `k=` and `weight=`; `"list"` `synapses=[(pre, post, weight), …]`; `"procedural"` `p=`,
    /// `weight=` and optionally `weight_high=` (regenerated every step, nothing stored).
    /// Dynamics: instantaneous by default; `tau=` an exponentially decaying current; or
    /// `tau_decay=`, `g_syn_bar=`, `syn_rest=` ngclearn's conductance form. `delay=` axonal delay
    /// in steps, `scale=` output scale.
    #[pyo3(signature = (name, pre, post, kind = "dense", *, weight = None, weights = None, uniform = None,
        p = None, k = None, synapses = None, weight_high = None, tau = None, tau_decay = None,
        g_syn_bar = None, syn_rest = None, delay = 0, scale = 1.0, source = None))]
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
    ) -> PyResult<()> {
        let (from, to) = (self.names.layer(pre)?, self.names.layer(post)?);
        let need = |what: &str| value_error(format!("projection `{name}` of kind {kind:?} needs {what}="));
        let connectivity = match kind {
            "dense" => ConnectivitySpec::Dense(weights_of(weight, weights, uniform, &[from.n_units, to.n_units])?),
            "one_to_one" => ConnectivitySpec::OneToOne(weights_of(weight, weights, uniform, &[from.n_units])?),
            "fixed_probability" => ConnectivitySpec::FixedProbability {
                p: p.ok_or_else(|| need("p"))?,
                weight: weight.ok_or_else(|| need("weight"))?,
            },
            "fixed_in_degree" => ConnectivitySpec::FixedInDegree {
                k: k.ok_or_else(|| need("k"))?,
                weight: weight.ok_or_else(|| need("weight"))?,
            },
            "list" => ConnectivitySpec::List(synapses.ok_or_else(|| need("synapses"))?),
            "procedural" => ConnectivitySpec::Procedural {
                p: p.ok_or_else(|| need("p"))? as f32,
                weight: weight.ok_or_else(|| need("weight"))?,
                weight_high,
            },
            other => {
                return Err(value_error(format!(
                    "projection kind {other:?}: expected \"dense\", \"one_to_one\", \"fixed_probability\", \
                     \"fixed_in_degree\", \"list\" or \"procedural\""
                )));
            }
        };
        let mut spec = ProjectionSpec::new(connectivity).delay(delay).scale(scale);
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
        guard(|| b.project(name, from.id, to.id, spec))?;
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

    /// A dense projection that learns with ngclearn's `TraceSTDPSynapse` rule from both layers'
    /// spikes and the traces `pre_trace` (of `pre`) and `post_trace` (of `post`). Weights as
    /// for a dense projection; `weight_mask` an `(N_pre, N_post)` 0/1 array (all ones by
    /// default).
    #[pyo3(signature = (name, pre, post, pre_trace, post_trace, *, A_plus, A_minus, eta = 1.0, mu = 0.0,
        pretrace_target = 0.0, w_bound = 1.0, tau_w = 0.0, weight = None, weights = None, uniform = None,
        weight_mask = None))]
    #[allow(clippy::too_many_arguments, non_snake_case)] // ngclearn's keyword names
    fn plastic(
        &mut self,
        name: &str,
        pre: &str,
        post: &str,
        pre_trace: &str,
        post_trace: &str,
        A_plus: f32,
        A_minus: f32,
        eta: f32,
        mu: f32,
        pretrace_target: f32,
        w_bound: f32,
        tau_w: f32,
        weight: Option<f32>,
        weights: Option<&Bound<'_, PyAny>>,
        uniform: Option<(f32, f32)>,
        weight_mask: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let (from, to) = (self.names.layer(pre)?, self.names.layer(post)?);
        let shape = [from.n_units, to.n_units];
        let w = weights_of(weight, weights, uniform, &shape)?;
        let weight_mask = match weight_mask {
            None => vec![1.0; from.n_units * to.n_units],
            Some(m) => {
                let array = f32_array(m, "weight_mask")?;
                check_shape("weight_mask", array.shape(), &[shape.to_vec()])?;
                array.as_slice()?.to_vec()
            }
        };
        let rule = TraceStdp {
            a_plus: A_plus,
            a_minus: A_minus,
            eta,
            mu,
            pretrace_target,
            w_bound,
            tau_w,
            weight_mask,
        };
        let traces = (self.names.trace(pre_trace)?.0, self.names.trace(post_trace)?.0);
        let b = self.builder()?;
        guard(|| b.plastic(name, from.id, to.id, w, rule, traces))?;
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

    /// The reset process, and the clock back to 0.
    fn reset(&mut self) -> PyResult<()> {
        guard(|| on_engine!(&mut self.engine, net => net.reset()))
    }

    /// Runs `steps` steps of `dt` ms without returning to Python between steps, recording the
    /// spikes of the layers in `spikes` and, every step, the `(layer, compartment)` pairs in
    /// `traces`. Returns a dict: `"spikes"`: layer → bool `(steps, batch_size, n_units)`,
    /// `"traces"`: `(layer, compartment)` → float32 `(steps, batch_size, n_units)`, `"times"`:
    /// float32 `(steps,)`.
    #[pyo3(signature = (steps, dt = 0.1, spikes = None, traces = None))]
    fn run<'py>(
        &mut self,
        py: Python<'py>,
        steps: usize,
        dt: f64,
        spikes: Option<Vec<String>>,
        traces: Option<Vec<(String, String)>>,
    ) -> PyResult<Bound<'py, PyDict>> {
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
        let run: NetRun = py.detach(|| guard(|| on_engine!(engine, net => net.run(steps, dt, &record))))?;
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
