//! `Population`: one ngclearn cell × (batch_size, n_units) on a backend.

use numpy::PyUntypedArrayMethods;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use spikegpu::rng::Key;
use spikegpu::run::{Drive, Record, Recording};
use spikegpu::{Backend, ExecMode, Population as RustPopulation};

use crate::arrays::{check_shape, f32_array, layer_shapes, layer_values, to_numpy, unpack_raster};
use crate::backends::{Target, target};
use crate::errors::{guard, value_error};
use crate::params::to_map;

/// A population on any backend (boxed so one Python class serves them all).
type AnyPopulation = RustPopulation<Box<dyn Backend + Send + Sync>>;

/// A random drive: Poisson or Bernoulli spike trains generated on the backend, never in Python.
#[pyclass(module = "spikegpu", frozen)]
#[derive(Clone)]
pub struct RandomDrive {
    poisson: bool,
    rate: f32,
    amplitude: f32,
    seed: u64,
}

#[pymethods]
impl RandomDrive {
    /// Poisson trains: each neuron receives `amplitude` on a step with probability
    /// `rate_hz · dt / 1000`, drawn from a counter-based PRNG keyed by `(seed, step, neuron)`, so
    /// CPU and GPU give the same trains.
    #[staticmethod]
    #[pyo3(signature = (rate_hz, amplitude, seed = 0))]
    fn poisson(rate_hz: f32, amplitude: f32, seed: u64) -> RandomDrive {
        RandomDrive {
            poisson: true,
            rate: rate_hz,
            amplitude,
            seed,
        }
    }

    /// Bernoulli trains: `amplitude` with probability `p` per step and neuron.
    #[staticmethod]
    #[pyo3(signature = (p, amplitude, seed = 0))]
    fn bernoulli(p: f32, amplitude: f32, seed: u64) -> RandomDrive {
        RandomDrive {
            poisson: false,
            rate: p,
            amplitude,
            seed,
        }
    }

    fn __repr__(&self) -> String {
        if self.poisson {
            format!(
                "RandomDrive.poisson(rate_hz={}, amplitude={}, seed={})",
                self.rate, self.amplitude, self.seed
            )
        } else {
            format!(
                "RandomDrive.bernoulli(p={}, amplitude={}, seed={})",
                self.rate, self.amplitude, self.seed
            )
        }
    }
}

impl RandomDrive {
    fn drive(&self) -> Drive<'static> {
        if self.poisson {
            Drive::Poisson {
                rate_hz: self.rate,
                amplitude: self.amplitude,
                seed: self.seed,
            }
        } else {
            Drive::Bernoulli {
                p: self.rate,
                amplitude: self.amplitude,
                seed: self.seed,
            }
        }
    }
}

/// A population of `batch_size × n_units` cells of one ngclearn class on one backend.
///
/// `Population(cell, n_units, batch_size=1, key=0, backend="cpu", **params)`: `cell` is the
/// ngclearn class name (`"LIFCell"`) or spikegpu key (`"lif"`); `params` are the class's keyword
/// parameters with ngclearn's names and defaults; `key` is the seed of ngclearn's
/// `PRNGKey(key)` (or its two uint32 words); `backend` is `"cpu"`, `"gpu"`, `"vulkan"`,
/// `"metal"`, `"dx12"` or `"gl"`. The generated classes (`spikegpu.LIFCell`, …) fix `cell`.
///
/// Heterogeneous populations: any float parameter may be given per neuron, as an array of
/// `n_units` values (broadcast over the batch) or a distribution drawn once from
/// `PRNGKey(key)` (`spikegpu.uniform(low, high)`, `spikegpu.normal(mean, std)`, i.e. the dicts
/// `{"uniform": [low, high]}`, `{"normal": [mean, std]}`). Neuron n then computes exactly what a
/// uniform population with n's parameters computes. Options, integrators and the parameters of
/// cells that couple a row (WTAS, SLIF with inhibition, `one_spike`) stay scalar: a
/// `ValueError` names the parameter.
#[pyclass(module = "spikegpu", subclass)]
pub struct Population {
    inner: AnyPopulation,
    class_name: &'static str,
}

/// Builds the population of `cell` on `target`.
fn build(
    cell: &str,
    n_units: usize,
    batch_size: usize,
    seed: u64,
    words: Option<Key>,
    backend: &str,
    params: &serde_json::Map<String, serde_json::Value>,
) -> spikegpu::Result<(AnyPopulation, &'static str)> {
    let entry = spikegpu::cells::lookup(cell)?;
    // Per-neuron distributions are drawn from the population's key, as a run config draws them.
    let key = words.unwrap_or(Key::from_seed(seed));
    let model = spikegpu::cells::heterogeneous::from_params(entry, params, n_units, key)?;
    let pop = match target(backend)? {
        Target::Cpu => RustPopulation::cpu(model, n_units, batch_size, seed)?
            .map_backend(|b| Box::new(b) as Box<dyn Backend + Send + Sync>),
        Target::Gpu(ctx) => RustPopulation::gpu(&ctx, model, n_units, batch_size, seed)?
            .map_backend(|b| Box::new(b) as Box<dyn Backend + Send + Sync>),
    };
    Ok((pop, entry.class_name))
}

/// `key`: an integer seed, or the two uint32 words of a JAX key.
fn key_of(key: &Bound<'_, PyAny>) -> PyResult<(u64, Option<Key>)> {
    if let Ok(seed) = key.extract::<u64>() {
        return Ok((seed, None));
    }
    let words: Vec<u32> = key
        .call_method0("tolist")
        .and_then(|l| l.extract())
        .or_else(|_| key.extract())
        .map_err(|_| value_error("key: expected an integer seed or a JAX key (two uint32 words)"))?;
    match words.as_slice() {
        [a, b] => Ok((0, Some(Key([*a, *b])))),
        _ => Err(value_error(format!(
            "key: a JAX key has two uint32 words, got {}",
            words.len()
        ))),
    }
}

#[pymethods]
impl Population {
    #[new]
    #[pyo3(signature = (cell, n_units, batch_size = 1, key = None, backend = "cpu", **params))]
    fn new(
        cell: &str,
        n_units: usize,
        batch_size: usize,
        key: Option<&Bound<'_, PyAny>>,
        backend: &str,
        params: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Population> {
        let params = to_map(params)?;
        let (seed, words) = match key {
            Some(k) => key_of(k)?,
            None => (0, None),
        };
        let (mut inner, class_name) = guard(|| build(cell, n_units, batch_size, seed, words, backend, &params))?;
        if let Some(words) = words {
            inner.set_key(words);
        }
        Ok(Population { inner, class_name })
    }

    /// The ngclearn class name.
    #[getter]
    fn cell(&self) -> &'static str {
        self.class_name
    }

    /// Units per row.
    #[getter]
    fn n_units(&self) -> usize {
        self.inner.n_units()
    }

    /// Rows (ngclearn's `batch_size`).
    #[getter]
    fn batch_size(&self) -> usize {
        self.inner.batch()
    }

    /// `(batch_size, n_units)`.
    #[getter]
    fn shape(&self) -> (usize, usize) {
        (self.inner.batch(), self.inner.n_units())
    }

    /// The backend: "cpu", or the adapter's name and API.
    #[getter]
    fn backend(&self) -> String {
        self.inner.backend().describe()
    }

    /// The compartment names, in the cell's order.
    #[getter]
    fn compartments(&self) -> Vec<&'static str> {
        self.inner.cell().compartments().iter().map(|c| c.name).collect()
    }

    /// The PRNG key now (ngclearn's `key` compartment), as two uint32 words.
    #[getter]
    fn key(&self) -> (u32, u32) {
        let Key([a, b]) = self.inner.key();
        (a, b)
    }

    /// The time stamp the next step gets (ms).
    #[getter]
    fn t(&self) -> f64 {
        self.inner.next_time()
    }

    /// Restarts the time stamps at `t0` (ms): the next step is stamped `t0`.
    fn set_time(&mut self, t0: f64) {
        self.inner.set_time(t0);
    }

    /// A compartment as a float32 array of shape `(batch_size, n_units)`.
    fn __getitem__<'py>(&mut self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let values = guard(|| self.inner.read(name))?;
        to_numpy(py, values, &[self.inner.batch(), self.inner.n_units()])
    }

    /// Overwrites a compartment: an array of shape `(batch_size, n_units)` (or `(n_units,)`
    /// with batch 1), or one number for all.
    fn __setitem__(&mut self, name: &str, values: &Bound<'_, PyAny>) -> PyResult<()> {
        let values = layer_values(values, name, self.inner.batch(), self.inner.n_units())?;
        guard(|| self.inner.write(name, &values))
    }

    /// One step of `dt` ms, after setting the input current `j` if given (an array of shape
    /// `(batch_size, n_units)`, or one number for all); ngclearn's `advance_state`.
    #[pyo3(signature = (j = None, dt = 0.1))]
    fn step(&mut self, j: Option<&Bound<'_, PyAny>>, dt: f64) -> PyResult<()> {
        if let Some(j) = j {
            let values = layer_values(j, "j", self.inner.batch(), self.inner.n_units())?;
            guard(|| self.inner.set_input(&values))?;
        }
        guard(|| self.inner.step(dt))
    }

    /// Waits until the work submitted to the backend is complete (runs without recordings
    /// return once submitted on a GPU; reading a compartment waits by itself).
    fn synchronize(&mut self, py: Python<'_>) -> PyResult<()> {
        let inner = &mut self.inner;
        py.detach(|| guard(|| inner.synchronize()))
    }

    /// ngclearn's `reset()`: every compartment to its reset value, the clock to `t0`; the key
    /// is kept.
    fn reset(&mut self) -> PyResult<()> {
        guard(|| self.inner.reset())
    }

    /// Runs `steps` steps of `dt` ms without returning to Python between steps (on a GPU: one
    /// submission) and returns a `Recording`.
    ///
    /// `drive`: `None` (the `j` compartment as it is), a number (every neuron, every step), an
    /// array `(batch_size, n_units)` (per neuron, every step), an array `(steps, batch_size,
    /// n_units)` (per step; `(steps, n_units)` with batch 1), or a `RandomDrive`.
    /// `record`: names of what to record: `"spikes"` (the raster, bit-packed while running) and
    /// compartments (`"v"`, …) sampled every `every` steps at `neurons` (flat indices `b·N + n`;
    /// all neurons when `None`). `mode`: `"auto"` (fused where the cell allows), `"step"`,
    /// `"fused"`.
    #[pyo3(signature = (steps, dt = 0.1, drive = None, record = None, every = 1, neurons = None, mode = "auto"))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn run(
        &mut self,
        py: Python<'_>,
        steps: usize,
        dt: f64,
        drive: Option<&Bound<'_, PyAny>>,
        record: Option<Vec<String>>,
        every: usize,
        neurons: Option<Vec<usize>>,
        mode: &str,
    ) -> PyResult<PyRecording> {
        let (batch, n) = (self.inner.batch(), self.inner.n_units());
        let total = batch * n;
        let mode = match mode {
            "auto" => ExecMode::Auto,
            "step" => ExecMode::PerStep,
            "fused" => ExecMode::Fused,
            other => {
                return Err(value_error(format!(
                    "mode: expected \"auto\", \"step\" or \"fused\", got {other:?}"
                )));
            }
        };
        let names = record.unwrap_or_default();
        let compartments: Vec<String> = names.iter().filter(|n| n.as_str() != "spikes").cloned().collect();
        let rec = Record {
            spikes: names.iter().any(|n| n == "spikes"),
            neurons: if compartments.is_empty() {
                Vec::new()
            } else {
                neurons.unwrap_or_else(|| (0..total).collect())
            },
            compartments,
            every,
        };
        // Keep the input array alive (and borrowed) for the whole run.
        let held;
        let drive = match drive {
            None => Drive::Current,
            Some(d) if d.is_instance_of::<RandomDrive>() => d.cast::<RandomDrive>()?.get().drive(),
            Some(d) => {
                held = f32_array(d, "drive")?;
                let shape = held.shape().to_vec();
                if shape.is_empty() {
                    Drive::Constant(held.as_slice()?[0])
                } else if layer_shapes(batch, n).contains(&shape) {
                    Drive::PerNeuron(held.as_slice()?)
                } else {
                    let mut per_step = vec![vec![steps, batch, n]];
                    if batch == 1 {
                        per_step.push(vec![steps, n]);
                    }
                    let mut allowed = layer_shapes(batch, n);
                    allowed.extend(per_step);
                    check_shape("drive", &shape, &allowed)?;
                    Drive::Buffer(held.as_slice()?)
                }
            }
        };
        let inner = &mut self.inner;
        let recording = py.detach(|| guard(|| inner.run_with(steps, dt, drive, &rec, mode)))?;
        Ok(PyRecording { inner: recording })
    }

    fn __repr__(&self) -> String {
        format!(
            "{}(n_units={}, batch_size={}, backend={:?})",
            self.class_name,
            self.inner.n_units(),
            self.inner.batch(),
            self.inner.backend().describe()
        )
    }
}

/// What a run recorded: the spike raster (kept bit-packed until asked for), spike events and
/// counts, and sampled traces.
#[pyclass(module = "spikegpu", name = "Recording", frozen)]
pub struct PyRecording {
    inner: Recording,
}

#[pymethods]
impl PyRecording {
    /// Steps run.
    #[getter]
    fn steps(&self) -> usize {
        self.inner.steps
    }

    /// The spikes as a bool array `(steps, batch_size, n_units)`; empty unless `"spikes"` was
    /// recorded.
    #[getter]
    fn raster<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let r = &self.inner;
        if r.raster.is_empty() {
            return to_numpy(py, Vec::<bool>::new(), &[0, r.batch, r.n_units]);
        }
        let words = spikegpu::run::words_per_step(r.batch * r.n_units);
        let flat = unpack_raster(&r.raster, r.steps, words, r.batch, r.n_units);
        to_numpy(py, flat, &[r.steps, r.batch, r.n_units])
    }

    /// Every spike as rows `(step, batch row, unit)` of an int64 array `(spikes, 3)`, in step
    /// then neuron order.
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let events = self.inner.spike_events();
        let rows = events.len();
        let flat: Vec<i64> = events
            .into_iter()
            .flat_map(|(k, b, n)| [k as i64, b as i64, n as i64])
            .collect();
        to_numpy(py, flat, &[rows, 3])
    }

    /// Spikes per neuron over the run, `(batch_size, n_units)` uint32.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_numpy(py, self.inner.spike_counts(), &[self.inner.batch, self.inner.n_units])
    }

    /// The run steps after which traces were sampled.
    #[getter]
    fn sample_steps(&self) -> Vec<usize> {
        self.inner.sample_steps.clone()
    }

    /// The recorded neurons (flat indices `b·N + n`).
    #[getter]
    fn neurons(&self) -> Vec<usize> {
        self.inner.neurons.clone()
    }

    /// The names of the sampled compartments.
    #[getter]
    fn traces(&self) -> Vec<String> {
        self.inner.traces.keys().cloned().collect()
    }

    /// A sampled compartment as float32 `(samples, neurons)`.
    fn __getitem__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        let values = self.inner.traces.get(name).ok_or_else(|| {
            pyo3::exceptions::PyKeyError::new_err(format!(
                "`{name}` was not recorded; recorded: {:?}",
                self.inner.traces.keys().collect::<Vec<_>>()
            ))
        })?;
        to_numpy(
            py,
            values.clone(),
            &[self.inner.sample_steps.len(), self.inner.neurons.len()],
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Recording(steps={}, spikes={}, traces={:?})",
            self.inner.steps,
            if self.inner.raster.is_empty() {
                "not recorded".to_string()
            } else {
                self.inner
                    .raster
                    .iter()
                    .map(|w| u64::from(w.count_ones()))
                    .sum::<u64>()
                    .to_string()
            },
            self.inner.traces.keys().collect::<Vec<_>>()
        )
    }
}
