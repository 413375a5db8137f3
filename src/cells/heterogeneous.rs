//! Heterogeneous populations: any float parameter of any element-wise cell given per neuron.
//!
//! A parameter given as one number is uniform, exactly as before (same kernel, same CPU loop,
//! same numbers). Given per neuron, as N values or as a distribution drawn once on the host
//! from a key ([`PerNeuron`]), the population's cell becomes a [`HeterogeneousCell`]: one
//! validated cell per distinct parameter set, built through the cell's own `from_params`, so
//! every rule is checked per neuron and every derived constant (`1/tau_m`, HH's gates at
//! reset, ...) is derived per neuron on the host, in float32 as for a uniform cell.
//!
//! * **CPU**: each run of consecutive elements with the same parameters is stepped by its own
//!   cell's `step_cpu`, so neuron n computes exactly what a uniform population with n's
//!   parameters computes: bit for bit. The cost: where every neuron's parameters differ, the
//!   runs are one neuron long and the step loses the vectorised loop (1e5 Izhikevich cells with
//!   distinct a, b, c, d: ~14× slower than a uniform population on this project's 2-core test
//!   machine). Group equal parameter sets into contiguous ranges where the model allows, or use
//!   the GPU, which reads per-neuron planes at the cost of one extra load per parameter.
//! * **GPU**: every parameter read `P.field` of an element-wise kernel goes through the
//!   generated `cell_param(k, P.field)` ([`super::describe::Layout::per_neuron_params`]):
//!   bit k of the `PER_NEURON_PARAMS` override makes uniform field k a per-neuron plane, stored
//!   after the compartment slots of the state buffer (no extra binding). A uniform population
//!   leaves the override at 0, which specialises the branch away.
//! * Values are per neuron and broadcast over the batch (shape N). Initial and reset values
//!   that depend on a parameter (Izhikevich's `v0`, `w0`) are per neuron too.
//!
//! * Step constants computed on the host per step size (LIF's `exp(−dt/tau_theta)` and
//!   `resist_m·dt/tau_m`, [`super::CellModel::step_constant_params`]) are per neuron too when
//!   a parameter they depend on is: each neuron's cell computes its own, and the GPU writes
//!   them into planes of their own before each run (`step_in.c` reads go through
//!   `cell_param` as well). The write is queued for the next submission, so runs recorded
//!   into one application encoder ([`crate::Population::encode_run`]) must share one step size.
//!
//! What stays scalar, with an error naming the parameter: options, integrators and `Option`
//! parameters ([`super::describe::ParamDoc::per_neuron`]); per-neuron values that would change
//! the kernel variant (SLIF's `resist_inh > 0`); and every parameter of a cell whose step
//! couples a row (WTAS, SLIF with inhibition or `rho_b`, and LIF/QuadLIF with `one_spike` or
//! `max_one_spike`), where no neuron's step is its own.
//!
//! ```
//! use spikegpu::cells::{self, heterogeneous::{self, PerNeuron}};
//! use spikegpu::rng::Key;
//! let entry = cells::lookup("izhikevich")?;
//! let params = serde_json::json!({ "v_thr": 30.0 });
//! let cell = heterogeneous::build(
//!     entry,
//!     params.as_object().unwrap(),
//!     &[
//!         ("v_reset", PerNeuron::Values(vec![-65.0, -55.0, -50.0])),
//!         ("coupling_factor", PerNeuron::uniform(0.2, 0.25)),
//!     ],
//!     3,
//!     Key::from_seed(7),
//! )?;
//! let pop = spikegpu::Population::cpu(cell, 3, 1, 0)?;
//! # Ok::<(), spikegpu::Error>(())
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::describe::PER_NEURON_OVERRIDE;
use super::{CellChecks, CellEntry, CellModel, GpuPasses, StateView, StepInfo};
use crate::error::{Error, Result};
use crate::integrators::Integrator;
use crate::network::init::{Dist, Init};
use crate::rng::Key;

/// One parameter's per-neuron values.
#[derive(Debug, Clone, PartialEq)]
pub enum PerNeuron {
    /// One value per neuron (exactly N; the same for every batch row).
    Values(Vec<f32>),
    /// Drawn once on the host: [`Dist::Uniform`] (`low + u·(high − low)`, u in [0, 1)) or
    /// [`Dist::Gaussian`] (`mean + std·z`), with ngclearn's weight initialisers
    /// ([`crate::network::init::Init::draw`]), so CPU and GPU populations get the same values.
    Drawn(Dist),
}

impl PerNeuron {
    /// Values uniform in `[low, high)`.
    pub fn uniform(low: f32, high: f32) -> PerNeuron {
        PerNeuron::Drawn(Dist::Uniform { low, high })
    }

    /// Normally distributed values.
    pub fn normal(mean: f32, std: f32) -> PerNeuron {
        PerNeuron::Drawn(Dist::Gaussian { mean, std })
    }

    /// Reads a configuration value: an array of numbers (one per neuron) or a table
    /// `{ uniform = [low, high] }` / `{ normal = [mean, std] }`; `None` for anything else (a
    /// scalar, which the cell's own reader checks). `name` names the parameter in errors.
    pub fn from_json(name: &'static str, value: &Value) -> Result<Option<PerNeuron>> {
        let bad = |value: String, reason: &'static str| Error::InvalidParameter { name, value, reason };
        let number = |v: &Value| v.as_f64().map(|x| x as f32);
        match value {
            Value::Array(items) => items
                .iter()
                .map(|v| number(v).ok_or_else(|| bad(v.to_string(), "per-neuron values must be numbers")))
                .collect::<Result<Vec<f32>>>()
                .map(|v| Some(PerNeuron::Values(v))),
            Value::Object(table) => {
                let known = ["uniform", "normal"];
                let (kind, args) = match table.iter().next() {
                    Some((k, v)) if table.len() == 1 && known.contains(&k.as_str()) => (k.as_str(), v),
                    Some((k, _)) if table.len() == 1 => {
                        let closest = super::params::closest(k, known);
                        return Err(bad(
                            format!("`{k}` (did you mean `{closest}`?)"),
                            "a per-neuron distribution is { uniform = [low, high] } or { normal = [mean, std] }",
                        ));
                    }
                    _ => {
                        return Err(bad(
                            value.to_string(),
                            "a per-neuron distribution is { uniform = [low, high] } or { normal = [mean, std] }",
                        ));
                    }
                };
                let pair = args.as_array().and_then(|a| match a.as_slice() {
                    [x, y] => Some((number(x)?, number(y)?)),
                    _ => None,
                });
                let (x, y) = pair.ok_or_else(|| bad(args.to_string(), "expected two numbers"))?;
                Ok(Some(if kind == "uniform" {
                    PerNeuron::uniform(x, y)
                } else {
                    PerNeuron::normal(x, y)
                }))
            }
            _ => Ok(None),
        }
    }

    /// The N values, drawn from `key` for a distribution.
    fn values(&self, name: &'static str, key: Key, n_units: usize) -> Result<Vec<f32>> {
        let bad = |value: String, reason: &'static str| Error::InvalidParameter { name, value, reason };
        match self {
            PerNeuron::Values(v) if v.len() != n_units => Err(bad(
                format!("{} values, expected n_units = {n_units}", v.len()),
                "per-neuron values need one value per neuron (broadcast over the batch)",
            )),
            PerNeuron::Values(v) => Ok(v.clone()),
            PerNeuron::Drawn(dist) => {
                match *dist {
                    Dist::Uniform { low, high } if !(low.is_finite() && high.is_finite() && low <= high) => {
                        return Err(bad(
                            format!("uniform({low}, {high})"),
                            "uniform needs finite low <= high",
                        ));
                    }
                    Dist::Gaussian { mean, std } if !(mean.is_finite() && std.is_finite() && std >= 0.0) => {
                        return Err(bad(
                            format!("normal({mean}, {std})"),
                            "normal needs a finite mean and std >= 0",
                        ));
                    }
                    _ => {}
                }
                Ok(Init::new(*dist).draw(key, 1, n_units))
            }
        }
    }
}

/// The key a distribution of the parameter at `index` (its position in the cell's parameter
/// table) is drawn from: `key.fold_in(index)`, so each parameter has a stream of its own.
pub fn parameter_key(key: Key, index: usize) -> Key {
    key.fold_in(index as u32)
}

/// Builds a cell of `entry` from ngclearn keyword arguments `params` (numbers, as
/// `from_params` takes them) and the per-neuron values `per_neuron` for a population of
/// `n_units` neurons; distributions are drawn from [`parameter_key`]`(key, index)`. Returns the
/// plain cell when no parameter actually varies, a [`HeterogeneousCell`] otherwise. Errors name
/// the parameter: unknown (with the closest name), not a float, given twice, a wrong number of
/// values, a value its rule rejects, or one that must stay scalar (see the [module docs](self)).
pub fn build(
    entry: &'static CellEntry,
    params: &Map<String, Value>,
    per_neuron: &[(&str, PerNeuron)],
    n_units: usize,
    key: Key,
) -> Result<Box<dyn CellModel>> {
    if per_neuron.is_empty() {
        return (entry.from_params)(params);
    }
    let mut columns: Vec<(&'static str, Vec<f32>)> = Vec::new();
    for (name, spec) in per_neuron {
        let Some(index) = entry.params.iter().position(|d| d.name == *name) else {
            let closest = super::params::closest(name, entry.params.iter().map(|d| d.name));
            return Err(Error::InvalidParameter {
                name: "(unknown)",
                value: format!("`{name}` (did you mean `{closest}`?)"),
                reason: "not a parameter of this cell",
            });
        };
        let doc = &entry.params[index];
        let refuse = |reason: &'static str| Error::InvalidParameter {
            name: doc.name,
            value: "per-neuron values".into(),
            reason,
        };
        if !doc.per_neuron {
            return Err(refuse(
                "only float parameters vary per neuron; options, integrators and optional values stay scalar",
            ));
        }
        if params.contains_key(doc.name) || columns.iter().any(|(n, _)| *n == doc.name) {
            return Err(refuse("given twice: as a scalar and per neuron, or per neuron twice"));
        }
        columns.push((doc.name, spec.values(doc.name, parameter_key(key, index), n_units)?));
    }
    // One cell per distinct parameter set, in order of first appearance.
    let mut cells: Vec<Box<dyn CellModel>> = Vec::new();
    let mut seen: HashMap<Vec<u32>, u32> = HashMap::new();
    let mut of_neuron = Vec::with_capacity(n_units);
    for n in 0..n_units {
        let bits: Vec<u32> = columns.iter().map(|(_, v)| v[n].to_bits()).collect();
        let next = cells.len() as u32;
        let group = *seen.entry(bits).or_insert(next);
        if group == next {
            let mut map = params.clone();
            for (name, v) in &columns {
                map.insert((*name).to_string(), Value::from(f64::from(v[n])));
            }
            cells.push((entry.from_params)(&map)?);
        }
        of_neuron.push(group);
    }
    if cells.len() == 1 {
        return Ok(cells.remove(0));
    }
    let varying: Vec<&'static str> = columns.iter().map(|(n, _)| *n).collect();
    HeterogeneousCell::new(cells, of_neuron, &varying).map(|c| Box::new(c) as Box<dyn CellModel>)
}

/// [`build`] from one keyword-argument map whose per-neuron parameters are arrays or
/// distribution tables ([`PerNeuron::from_json`]), as configuration files give them.
pub fn from_params(
    entry: &'static CellEntry,
    params: &Map<String, Value>,
    n_units: usize,
    key: Key,
) -> Result<Box<dyn CellModel>> {
    let mut scalars = Map::new();
    let mut per_neuron: Vec<(&str, PerNeuron)> = Vec::new();
    for (name, value) in params {
        // Unknown names are reported by `build` (per-neuron) or the cell's reader (scalars).
        let static_name = entry
            .params
            .iter()
            .find(|d| d.name == name)
            .map_or("(unknown)", |d| d.name);
        match PerNeuron::from_json(static_name, value)? {
            Some(spec) => per_neuron.push((name.as_str(), spec)),
            None => {
                scalars.insert(name.clone(), value.clone());
            }
        }
    }
    build(entry, &scalars, &per_neuron, n_units, key)
}

/// A population of `n_units` must match the number of neurons the cell's per-neuron
/// parameters were given for.
pub fn check_units(cell: &dyn CellModel, n_units: usize) -> Result<()> {
    match cell.neuron_count() {
        Some(n) if n != n_units => Err(Error::InvalidShape(format!(
            "the cell's per-neuron parameters were given for {n} neurons, the population has n_units = {n_units}"
        ))),
        _ => Ok(()),
    }
}

/// A cell whose float parameters differ from neuron to neuron; built by [`build`].
#[derive(Debug, Clone)]
pub struct HeterogeneousCell {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// One validated cell per distinct parameter set; `cells[0]` is neuron 0's.
    cells: Vec<Box<dyn CellModel>>,
    /// Each neuron's cell.
    of_neuron: Vec<u32>,
    /// The parameters given per neuron.
    varying: Vec<&'static str>,
    /// Whether the step constants differ between neurons.
    per_neuron_steps: bool,
    /// Bit k: uniform field k (or, after the fields, step constant k − F) differs between
    /// neurons.
    mask: u32,
    /// Uniform field k of neuron n at `k·N + n` (fields without a bit: unused zeros), then
    /// the step constants' planes (written per run).
    planes: Vec<f32>,
    /// Compartments whose construction value differs between neurons: `(index, N values)`.
    initial: Vec<(usize, Vec<f32>)>,
    /// Compartments whose reset value differs between neurons.
    reset: Vec<(usize, Vec<f32>)>,
}

impl HeterogeneousCell {
    fn new(cells: Vec<Box<dyn CellModel>>, of_neuron: Vec<u32>, varying: &[&'static str]) -> Result<Self> {
        let base = cells[0].as_ref();
        let refuse = |name: &'static str, reason: &'static str| Error::InvalidParameter {
            name,
            value: format!("per-neuron values for {}", base.entry().class_name),
            reason,
        };
        if base.has_row_passes() || !base.entry().elementwise {
            return Err(refuse(
                varying[0],
                "this cell (or option) couples the neurons of a row (WTAS, SLIF, LIF/QuadLIF with one_spike or max_one_spike): its parameters stay uniform",
            ));
        }
        if cells.iter().any(|c| c.gpu_overrides() != base.gpu_overrides()) {
            return Err(refuse(
                varying[0],
                "the values change the kernel variant (an option derived from them) between neurons: give values on one side of it",
            ));
        }
        let n = of_neuron.len();
        let words: Vec<Vec<u32>> = cells.iter().map(|c| c.gpu_params()).collect();
        let fields = words[0].len();
        let mut mask = 0u32;
        // The step constants' planes (after the fields) are written per run, for its step size.
        let per_neuron_steps = varying.iter().any(|v| base.step_constant_params().contains(v));
        if per_neuron_steps {
            mask |= 0b1111 << fields;
        }
        let mut planes = vec![0f32; base.entry().layout.per_neuron_planes() * n];
        for k in 0..fields {
            if words.iter().any(|w| w[k] != words[0][k]) {
                mask |= 1 << k;
                for (i, &g) in of_neuron.iter().enumerate() {
                    planes[k * n + i] = f32::from_bits(words[g as usize][k]);
                }
            }
        }
        let per_neuron_rows = |values: Vec<Vec<Option<f32>>>| -> Vec<(usize, Vec<f32>)> {
            (0..values[0].len())
                .filter(|&c| {
                    values
                        .iter()
                        .any(|v| v[c].map(f32::to_bits) != values[0][c].map(f32::to_bits))
                })
                .filter(|&c| values.iter().all(|v| v[c].is_some()))
                .map(|c| {
                    let row = of_neuron
                        .iter()
                        .map(|&g| values[g as usize][c].unwrap_or_default())
                        .collect();
                    (c, row)
                })
                .collect()
        };
        let initial = per_neuron_rows(
            cells
                .iter()
                .map(|c| c.initial_values().into_iter().map(Some).collect())
                .collect(),
        );
        let reset = per_neuron_rows(cells.iter().map(|c| c.reset_values()).collect());
        Ok(HeterogeneousCell {
            inner: Arc::new(Inner {
                cells,
                of_neuron,
                varying: varying.to_vec(),
                per_neuron_steps,
                mask,
                planes,
                initial,
                reset,
            }),
        })
    }

    fn base(&self) -> &dyn CellModel {
        self.inner.cells[0].as_ref()
    }

    /// The parameters given per neuron.
    pub fn varying(&self) -> &[&'static str] {
        &self.inner.varying
    }

    /// The number of distinct parameter sets among the neurons.
    pub fn distinct_cells(&self) -> usize {
        self.inner.cells.len()
    }
}

impl CellChecks for HeterogeneousCell {
    fn random_ranges(&self) -> Vec<(f32, f32)> {
        self.base().random_ranges()
    }

    fn check_dt(&self) -> f64 {
        self.base().check_dt()
    }
}

impl CellModel for HeterogeneousCell {
    fn boxed(&self) -> Box<dyn CellModel> {
        Box::new(self.clone())
    }

    fn entry(&self) -> &'static CellEntry {
        self.base().entry()
    }

    fn integrator(&self) -> Integrator {
        self.base().integrator()
    }

    fn initial_values(&self) -> Vec<f32> {
        self.base().initial_values()
    }

    /// The per-neuron construction values, then each neuron's draw as a uniform population
    /// with its parameters draws it (SLIF's threshold jitter around its own `thr`).
    fn drawn_initial(&self, key: Key, n_units: usize) -> Vec<(usize, Vec<f32>)> {
        let inner = &*self.inner;
        let mut rows = inner.initial.clone();
        let draws: Vec<Vec<(usize, Vec<f32>)>> = inner.cells.iter().map(|c| c.drawn_initial(key, n_units)).collect();
        for (r, (compartment, _)) in draws[0].iter().enumerate() {
            let row = (0..n_units)
                .map(|n| draws[inner.of_neuron[n % inner.of_neuron.len()] as usize][r].1[n])
                .collect();
            rows.push((*compartment, row));
        }
        rows
    }

    fn reset_restores_drawn(&self) -> bool {
        self.base().reset_restores_drawn()
    }

    fn reset_values(&self) -> Vec<Option<f32>> {
        self.base().reset_values()
    }

    fn per_neuron_reset(&self) -> Vec<(usize, Vec<f32>)> {
        self.inner.reset.clone()
    }

    fn draws_every_step(&self) -> bool {
        self.base().draws_every_step()
    }

    fn overwrites_input(&self) -> bool {
        self.base().overwrites_input()
    }

    /// Each run of consecutive elements with one parameter set is stepped by that set's cell
    /// (element-wise cells accept any range of elements).
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo) {
        let inner = &*self.inner;
        let n = inner.of_neuron.len();
        let len = state.values.first().map_or(0, |v| v.len());
        let first = state.first;
        let cell_at = |e: usize| inner.of_neuron[(first + e) % n];
        let mut start = 0;
        while start < len {
            let group = cell_at(start);
            let mut end = start + 1;
            while end < len && cell_at(end) == group {
                end += 1;
            }
            let mut run = StateView {
                batch: 1,
                n_units: end - start,
                values: state.values.iter_mut().map(|v| &mut v[start..end]).collect(),
                first: first + start,
            };
            inner.cells[group as usize].step_cpu(&mut run, step);
            start = end;
        }
    }

    fn has_row_passes(&self) -> bool {
        self.base().has_row_passes()
    }

    fn variant_name(&self) -> String {
        format!("{}+per_neuron", self.base().variant_name())
    }

    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        let mut overrides = self.base().gpu_overrides();
        overrides.push((PER_NEURON_OVERRIDE, f64::from(self.inner.mask)));
        overrides
    }

    fn gpu_params(&self) -> Vec<u32> {
        self.base().gpu_params()
    }

    fn gpu_step_constants(&self, dt: f32) -> [f32; 4] {
        self.base().gpu_step_constants(dt)
    }

    fn gpu_scratch_words(&self, batch: usize, n_units: usize) -> usize {
        self.base().gpu_scratch_words(batch, n_units)
    }

    fn gpu_passes(&self) -> GpuPasses {
        self.base().gpu_passes()
    }

    fn gpu_param_planes(&self) -> Option<&[f32]> {
        Some(&self.inner.planes)
    }

    fn gpu_step_constant_planes(&self, dt: f32) -> Option<Vec<f32>> {
        let inner = &*self.inner;
        if !inner.per_neuron_steps {
            return None;
        }
        let n = inner.of_neuron.len();
        let constants: Vec<[f32; 4]> = inner.cells.iter().map(|c| c.gpu_step_constants(dt)).collect();
        let mut planes = vec![0f32; 4 * n];
        for (i, &g) in inner.of_neuron.iter().enumerate() {
            for k in 0..4 {
                planes[k * n + i] = constants[g as usize][k];
            }
        }
        Some(planes)
    }

    fn neuron_count(&self) -> Option<usize> {
        Some(self.inner.of_neuron.len())
    }

    fn step_constant_params(&self) -> &'static [&'static str] {
        self.base().step_constant_params()
    }
}
