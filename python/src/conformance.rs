//! ngclearn's golden traces from Python: the Rust replay (as `spikegpu validate --traces` runs
//! it) and the trace's data, for replaying through the Python API.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use spikegpu::Population;
use spikegpu::conformance::{self, Outcome, Trace};
use spikegpu::network::{CpuNetwork, GpuNetwork, trace as net_trace};

use crate::arrays::to_numpy;
use crate::backends::{Target, target};
use crate::errors::guard;

/// Replays one trace (a cell's, or a multi-component network trace of
/// `conformance/network/`) on `backend` and returns `(outcome, detail)`: outcome `"PASS"`,
/// `"FAIL"` or `"SKIP"`, detail what differed or a summary.
#[pyfunction]
#[pyo3(signature = (path, backend = "cpu"))]
pub fn replay_trace(py: Python<'_>, path: PathBuf, backend: &str) -> PyResult<(String, String)> {
    let outcome = py.detach(|| guard(|| replay(&path, backend)))?;
    Ok((outcome.tag().to_string(), outcome.detail().to_string()))
}

fn replay(path: &Path, backend: &str) -> spikegpu::Result<Outcome> {
    let on = target(backend)?;
    if net_trace::is_network_trace(path) {
        let trace = net_trace::NetTrace::load(path)?;
        return Ok(match on {
            Target::Cpu => net_trace::replay(&trace, CpuNetwork::new),
            Target::Gpu(ctx) => net_trace::replay(&trace, |g| GpuNetwork::new(&ctx, g)),
        });
    }
    let trace = Trace::load(path)?;
    if let Err(e) = spikegpu::cells::lookup(&trace.cell) {
        return Ok(Outcome::Skip(e.to_string()));
    }
    Ok(match on {
        Target::Cpu => conformance::replay(&trace, Population::cpu),
        Target::Gpu(ctx) => conformance::replay(&trace, |cell, n, b, seed| Population::gpu(&ctx, cell, n, b, seed)),
    })
}

/// The trace files (`*.json`) directly in `dir`, sorted.
#[pyfunction]
pub fn trace_files(dir: PathBuf) -> PyResult<Vec<PathBuf>> {
    guard(|| conformance::trace_files(&dir))
}

/// A cell trace's contents: `case`, `cell` (ngclearn class), `params` (resolved constructor
/// parameters), `n_units`, `batch_size`, `dt`, `steps`, `t0`, `key_seed`, `key` (two words),
/// `tolerance` (the README's, from the cell's description), `inputs` (float32 `(steps,
/// batch_size, n_units)`), `outputs` (name → `(steps, batch_size, n_units)`) and `initial`
/// (name → `(batch_size, n_units)`).
#[pyfunction]
pub fn load_trace(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let trace = guard(|| Trace::load(&path))?;
    let tolerance = guard(|| spikegpu::cells::lookup(&trace.cell).map(|e| e.tolerance.trace))?;
    let (t, b, n) = (trace.steps, trace.batch, trace.n_units);
    let d = PyDict::new(py);
    d.set_item("case", &trace.case)?;
    d.set_item("cell", &trace.cell)?;
    let params = py
        .import("json")?
        .call_method1("loads", (serde_json::Value::Object(trace.params.clone()).to_string(),))?;
    d.set_item("params", params)?;
    d.set_item("n_units", n)?;
    d.set_item("batch_size", b)?;
    d.set_item("dt", trace.dt)?;
    d.set_item("steps", t)?;
    d.set_item("t0", trace.t0)?;
    d.set_item("key_seed", trace.key_seed)?;
    d.set_item("key", (trace.key[0], trace.key[1]))?;
    d.set_item("tolerance", tolerance)?;
    d.set_item("inputs", to_numpy(py, trace.inputs.clone(), &[t, b, n])?)?;
    let outputs = PyDict::new(py);
    for (name, rows) in &trace.outputs {
        outputs.set_item(name, to_numpy(py, rows.concat(), &[t, b, n])?)?;
    }
    d.set_item("outputs", outputs)?;
    let initial = PyDict::new(py);
    for (name, values) in &trace.initial {
        initial.set_item(name, to_numpy(py, values.clone(), &[b, n])?)?;
    }
    d.set_item("initial", initial)?;
    Ok(d)
}
