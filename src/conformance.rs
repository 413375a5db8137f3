//! Conformance against ngclearn 3.2.3's golden traces (`conformance/README.md` beside
//! `DESIGN.md`): loading trace files, replaying them on a backend, and comparing.
//!
//! Rules (from the trace README): spike trains (`s`, `s_raw`) and `tols` must match exactly at
//! every step; the other compartments within the cell's tolerance on
//! `err = |x − ref| / max(1, |ref|)`. Cases with per-step draws (`rng_scope = "step"`) are
//! compared exactly too, since spikegpu reproduces JAX's threefry bit for bit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::backend::Backend;
use crate::cells::{self, CellModel};
use crate::error::{Error, Result};
use crate::population::Population;
use crate::rng::Key;

/// One golden trace.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The file it came from.
    pub path: PathBuf,
    /// Case name.
    pub case: String,
    /// ngclearn class name.
    pub cell: String,
    /// Every constructor parameter (`resolved_params`).
    pub params: Map<String, Value>,
    /// N.
    pub n_units: usize,
    /// B.
    pub batch: usize,
    /// Step size (ms), as the Python float the reference was given.
    pub dt: f64,
    /// Number of steps T.
    pub steps: usize,
    /// Start time.
    pub t0: f64,
    /// The float32 time stamps of the T steps.
    pub t: Vec<f32>,
    /// Input currents, T×B×N flattened.
    pub inputs: Vec<f32>,
    /// Each recorded compartment after each step (T rows of B·N, broadcast from its `shapes`).
    pub outputs: BTreeMap<String, Vec<Vec<f32>>>,
    /// Each compartment after construction and reset (B·N, broadcast from its `shapes`).
    pub initial: BTreeMap<String, Vec<f32>>,
    /// `none`, `init` or `step`.
    pub rng_scope: String,
    /// The seed of `PRNGKey(seed)`.
    pub key_seed: u64,
    /// The key words the reference used.
    pub key: [u32; 2],
}

fn problem(path: &Path, text: impl Into<String>) -> Error {
    Error::Trace {
        path: path.to_path_buf(),
        problem: text.into(),
    }
}

fn field<'a>(path: &Path, obj: &'a Map<String, Value>, name: &str) -> Result<&'a Value> {
    obj.get(name)
        .ok_or_else(|| problem(path, format!("missing field `{name}`")))
}

fn as_usize(path: &Path, v: &Value, name: &str) -> Result<usize> {
    v.as_u64()
        .map(|x| x as usize)
        .ok_or_else(|| problem(path, format!("`{name}` is not a non-negative integer")))
}

fn as_f64(path: &Path, v: &Value, name: &str) -> Result<f64> {
    v.as_f64()
        .ok_or_else(|| problem(path, format!("`{name}` is not a number")))
}

/// A JSON array of numbers as float32 (each value was written as the shortest decimal that
/// round-trips its float32).
fn f32_row(path: &Path, v: &Value, name: &str) -> Result<Vec<f32>> {
    let items = v
        .as_array()
        .ok_or_else(|| problem(path, format!("`{name}` is not an array")))?;
    items
        .iter()
        .map(|x| {
            x.as_f64()
                .map(|f| f as f32)
                .ok_or_else(|| problem(path, format!("`{name}` holds a non-number: {x}")))
        })
        .collect()
}

fn f32_rows(path: &Path, v: &Value, name: &str, rows: usize, width: usize) -> Result<Vec<Vec<f32>>> {
    let items = v
        .as_array()
        .ok_or_else(|| problem(path, format!("`{name}` is not an array of rows")))?;
    if items.len() != rows {
        return Err(problem(
            path,
            format!("`{name}` has {} rows, expected {rows}", items.len()),
        ));
    }
    items
        .iter()
        .map(|row| {
            let row = f32_row(path, row, name)?;
            if row.len() != width {
                return Err(problem(
                    path,
                    format!("a row of `{name}` has {} values, expected {width}", row.len()),
                ));
            }
            Ok(row)
        })
        .collect()
}

/// The documented array shape of compartment `name` in `shapes.<part>` (`part` is `initial` or
/// `outputs`); (B, N) when the file has no `shapes`, which older files lack.
fn declared_shape(path: &Path, shapes: Option<&Value>, part: &str, name: &str, full: [usize; 2]) -> Result<Vec<usize>> {
    let Some(shapes) = shapes else {
        return Ok(full.to_vec());
    };
    let what = format!("shapes.{part}.{name}");
    let dims = shapes
        .get(part)
        .and_then(|p| p.get(name))
        .ok_or_else(|| problem(path, format!("missing field `{what}`")))?
        .as_array()
        .ok_or_else(|| problem(path, format!("`{what}` is not an array")))?;
    dims.iter().map(|d| as_usize(path, d, &what)).collect()
}

/// Expands `values`, a row-major array of `shape`, to the (B, N) array `full` by NumPy's
/// broadcasting rules (shapes align on the right; a dimension of 1 repeats, a missing leading
/// one counts as 1). WTAS and SLIF thresholds, for example, start as (1, N) with B > 1.
fn broadcast(path: &Path, name: &str, values: Vec<f32>, shape: &[usize], full: [usize; 2]) -> Result<Vec<f32>> {
    let count: usize = shape.iter().product();
    if values.len() != count {
        return Err(problem(
            path,
            format!(
                "`{name}` has {} values, its shape {shape:?} holds {count}",
                values.len()
            ),
        ));
    }
    let (lead, tail) = shape.split_at(shape.len().saturating_sub(2));
    let mut dims = [1usize; 2];
    dims[2 - tail.len()..].copy_from_slice(tail);
    let fits = |d: usize, f: usize| d == f || d == 1;
    if lead.iter().any(|&d| d != 1) || !fits(dims[0], full[0]) || !fits(dims[1], full[1]) {
        return Err(problem(
            path,
            format!("`{name}` has shape {shape:?}, which does not broadcast to (B, N) = {full:?}"),
        ));
    }
    if dims == full {
        return Ok(values);
    }
    let [rows, cols] = full;
    Ok((0..rows * cols)
        .map(|i| {
            let (b, n) = (i / cols, i % cols);
            values[(b % dims[0]) * dims[1] + n % dims[1]]
        })
        .collect())
}

impl Trace {
    /// Reads and checks one trace file. Every compartment is returned as (B, N): one whose
    /// documented shape (`shapes`) is narrower but broadcasts, e.g. a (1, N) initial threshold,
    /// is expanded as NumPy would.
    pub fn load(path: &Path) -> Result<Trace> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let root: Value = serde_json::from_str(&text).map_err(|e| problem(path, format!("not valid JSON: {e}")))?;
        let obj = root
            .as_object()
            .ok_or_else(|| problem(path, "the top level is not a JSON object"))?;
        let get = |name: &str| field(path, obj, name);
        let n_units = as_usize(path, get("n_units")?, "n_units")?;
        let batch = as_usize(path, get("batch_size")?, "batch_size")?;
        let steps = as_usize(path, get("steps")?, "steps")?;
        let width = n_units * batch;
        let inputs = f32_rows(
            path,
            field(
                path,
                get("inputs")?
                    .as_object()
                    .ok_or_else(|| problem(path, "`inputs` is not an object"))?,
                "j",
            )?,
            "inputs.j",
            steps,
            width,
        )?;
        let full = [batch, n_units];
        let shapes = obj.get("shapes");
        let mut outputs = BTreeMap::new();
        for (name, rows) in get("outputs")?
            .as_object()
            .ok_or_else(|| problem(path, "`outputs` is not an object"))?
        {
            let what = format!("outputs.{name}");
            let shape = declared_shape(path, shapes, "outputs", name, full)?;
            let row_width = shape.iter().product();
            let rows = f32_rows(path, rows, &what, steps, row_width)?
                .into_iter()
                .map(|row| broadcast(path, &what, row, &shape, full))
                .collect::<Result<Vec<_>>>()?;
            outputs.insert(name.clone(), rows);
        }
        let mut initial = BTreeMap::new();
        for (name, row) in get("initial")?
            .as_object()
            .ok_or_else(|| problem(path, "`initial` is not an object"))?
        {
            let what = format!("initial.{name}");
            let shape = declared_shape(path, shapes, "initial", name, full)?;
            let row = broadcast(path, &what, f32_row(path, row, &what)?, &shape, full)?;
            initial.insert(name.clone(), row);
        }
        let prng = get("prng")?
            .as_object()
            .ok_or_else(|| problem(path, "`prng` is not an object"))?;
        let key_seed = field(path, prng, "key_seed")?
            .as_i64()
            .ok_or_else(|| problem(path, "`prng.key_seed` is not an integer"))?;
        let key_words = field(path, prng, "key")?
            .as_array()
            .filter(|a| a.len() == 2)
            .and_then(|a| Some([a[0].as_u64()? as u32, a[1].as_u64()? as u32]))
            .ok_or_else(|| problem(path, "`prng.key` is not two integers"))?;
        let t = f32_row(path, get("t")?, "t")?;
        if t.len() != steps {
            return Err(problem(path, format!("`t` has {} values, expected {steps}", t.len())));
        }
        Ok(Trace {
            path: path.to_path_buf(),
            case: get("case")?.as_str().unwrap_or_default().to_string(),
            cell: get("cell")?
                .as_str()
                .ok_or_else(|| problem(path, "`cell` is not a string"))?
                .to_string(),
            params: get("resolved_params")?
                .as_object()
                .ok_or_else(|| problem(path, "`resolved_params` is not an object"))?
                .clone(),
            n_units,
            batch,
            dt: as_f64(path, get("dt")?, "dt")?,
            steps,
            t0: as_f64(path, get("t0")?, "t0")?,
            t,
            inputs: inputs.concat(),
            outputs,
            initial,
            rng_scope: get("rng_scope")?.as_str().unwrap_or("none").to_string(),
            // JAX reduces the seed modulo 2^32 (x64 off); keep the bits.
            key_seed: key_seed as u64,
            key: key_words,
        })
    }

    /// Builds the trace's cell from its resolved parameters.
    pub fn build_cell(&self) -> Result<Box<dyn CellModel>> {
        let entry = cells::lookup(&self.cell)?;
        (entry.from_params)(&self.params)
    }
}

/// All `*.json` files directly in `dir`, sorted (subfolders such as `prng/` are not traces).
pub fn trace_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let io = |source| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Ok(files)
}

/// The comparison metric: absolute below 1, relative above.
pub fn rel_err(x: f32, reference: f32) -> f32 {
    (x - reference).abs() / reference.abs().max(1.0)
}

/// Compartments compared exactly: spikes and spike times.
pub fn is_exact_compartment(name: &str) -> bool {
    matches!(name, "s" | "s_raw" | "tols")
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Passed, with a short summary.
    Pass(String),
    /// Failed, with what differed.
    Fail(String),
    /// Not run, with the reason.
    Skip(String),
}

impl Outcome {
    /// The report's tag.
    pub fn tag(&self) -> &'static str {
        match self {
            Outcome::Pass(_) => "PASS",
            Outcome::Fail(_) => "FAIL",
            Outcome::Skip(_) => "SKIP",
        }
    }

    /// The detail text.
    pub fn detail(&self) -> &str {
        match self {
            Outcome::Pass(s) | Outcome::Fail(s) | Outcome::Skip(s) => s,
        }
    }
}

/// Tallies of outcomes, printed as the closing line `N passed, M failed, K skipped`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Passed checks.
    pub passed: usize,
    /// Failed checks.
    pub failed: usize,
    /// Skipped checks.
    pub skipped: usize,
}

impl Tally {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Pass(_) => self.passed += 1,
            Outcome::Fail(_) => self.failed += 1,
            Outcome::Skip(_) => self.skipped += 1,
        }
    }
}

impl std::fmt::Display for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// Replays a trace on a freshly built population and compares every step. `make` builds the
/// population on the backend under test from the cell, N, B and seed.
pub fn replay<B: Backend>(
    trace: &Trace,
    make: impl FnOnce(Box<dyn CellModel>, usize, usize, u64) -> Result<Population<B>>,
) -> Outcome {
    match replay_inner(trace, make) {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Fail(e.to_string()),
    }
}

fn replay_inner<B: Backend>(
    trace: &Trace,
    make: impl FnOnce(Box<dyn CellModel>, usize, usize, u64) -> Result<Population<B>>,
) -> Result<Outcome> {
    let cell = trace.build_cell()?;
    // The README's recommended tolerance, stated in the cell's description.
    let tolerances = cell.entry().tolerance;
    let tol = tolerances.trace;
    let mut pop = make(cell, trace.n_units, trace.batch, trace.key_seed)?;
    if pop.key() != Key(trace.key) {
        return Ok(Outcome::Fail(format!(
            "PRNGKey({}) gives {:08x?}, the trace used {:08x?}",
            trace.key_seed,
            pop.key().0,
            trace.key
        )));
    }
    pop.set_time(trace.t0);
    pop.reset()?;
    for (name, reference) in &trace.initial {
        let ours = pop.read(name)?;
        if ours.len() != reference.len() {
            return Ok(Outcome::Fail(format!(
                "initial `{name}` has {} values, the trace {}",
                ours.len(),
                reference.len()
            )));
        }
        let differs = |i: usize| {
            if is_exact_compartment(name) {
                ours[i].to_bits() != reference[i].to_bits()
            } else {
                let err = rel_err(ours[i], reference[i]);
                err.is_nan() || err > tolerances.for_value(name, reference[i], tol)
            }
        };
        if let Some(i) = (0..ours.len()).find(|&i| differs(i)) {
            return Ok(Outcome::Fail(format!(
                "initial `{name}`[{i}] = {}, reference {}",
                ours[i], reference[i]
            )));
        }
    }
    let width = trace.n_units * trace.batch;
    let mut max_err = 0.0f32;
    let mut compared = 0usize;
    let mut spikes = 0.0f32;
    for k in 0..trace.steps {
        let expected_t = (trace.t0 + k as f64 * trace.dt) as f32;
        if expected_t.to_bits() != trace.t[k].to_bits() {
            return Ok(Outcome::Fail(format!(
                "time stamp of step {k}: spikegpu uses {expected_t}, the trace {}",
                trace.t[k]
            )));
        }
        pop.set_input(&trace.inputs[k * width..(k + 1) * width])?;
        pop.step(trace.dt)?;
        for (name, rows) in &trace.outputs {
            let ours = pop.read(name)?;
            let reference = &rows[k];
            if ours.len() != reference.len() {
                return Ok(Outcome::Fail(format!(
                    "`{name}` has {} values, the trace {}",
                    ours.len(),
                    reference.len()
                )));
            }
            for (i, (&x, &r)) in ours.iter().zip(reference).enumerate() {
                let (b, n) = (i / trace.n_units, i % trace.n_units);
                if is_exact_compartment(name) {
                    if x.to_bits() != r.to_bits() {
                        let what = if name == "tols" { "spike time" } else { "spike train" };
                        return Ok(Outcome::Fail(format!(
                            "{what} `{name}` diverges at step {k} (batch {b}, unit {n}): spikegpu {x}, reference {r}"
                        )));
                    }
                } else {
                    let err = rel_err(x, r);
                    let tol = tolerances.for_value(name, r, tol);
                    // NaN must fail too, hence not `err > tol`.
                    if err.is_nan() || err > tol {
                        return Ok(Outcome::Fail(format!(
                            "`{name}` at step {k} (batch {b}, unit {n}): spikegpu {x}, reference {r}, err {err:.2e} > tol {tol:.0e}"
                        )));
                    }
                    max_err = max_err.max(err);
                    compared += 1;
                }
            }
            if name == "s" {
                spikes += ours.iter().sum::<f32>();
            }
        }
    }
    Ok(Outcome::Pass(format!(
        "{} steps, {spikes} spikes identical, max err {max_err:.1e} over {compared} values (tol {tol:.0e})",
        trace.steps
    )))
}
