//! The cell registry as Python data: what the pure-Python layer generates the cell classes and
//! their docstrings from (one description per cell, in `src/cells`, and nothing restated here).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use spikegpu::cells::describe::Rule;
use spikegpu::cells::{CELLS, CellEntry, Role};

mod docs {
    include!(concat!(env!("OUT_DIR"), "/cell_docs.rs"));
}

/// A rule as the Rust parameter tables print it (`param_rule_text!`), with its reason.
fn rule_text(rule: Rule) -> String {
    match rule {
        Rule::Any => String::new(),
        Rule::Finite => "finite".into(),
        Rule::Positive => "> 0".into(),
        Rule::NonNegative(why) => format!("≥ 0: {why}"),
        Rule::PositiveAtMost(max, why) => format!("> 0, ≤ {max}: {why}"),
        Rule::NonZero(why) => format!("≠ 0: {why}"),
    }
}

fn role_text(role: Role) -> String {
    format!("{role:?}").to_lowercase()
}

/// The module docs of the cell's file (`src/cells/<key>.rs`).
fn cell_doc(entry: &CellEntry) -> &'static str {
    docs::CELL_DOCS
        .iter()
        .find(|(stem, _)| *stem == entry.key)
        .map_or("", |(_, doc)| doc)
}

fn describe<'py>(py: Python<'py>, entry: &CellEntry) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("class_name", entry.class_name)?;
    d.set_item("key", entry.key)?;
    d.set_item("doc", cell_doc(entry))?;
    d.set_item("integrators", entry.layout.integrator_names())?;
    d.set_item("tolerance", entry.tolerance.trace)?;
    d.set_item("elementwise", entry.elementwise)?;
    let params = PyList::empty(py);
    for p in entry.params {
        let row = PyDict::new(py);
        row.set_item("name", p.name)?;
        row.set_item("default", p.default)?;
        row.set_item("unit", p.unit)?;
        row.set_item("rule", rule_text(p.rule))?;
        row.set_item("doc", p.doc)?;
        row.set_item("per_neuron", p.per_neuron)?;
        params.append(row)?;
    }
    d.set_item("params", params)?;
    let compartments = PyList::empty(py);
    for c in entry.layout.compartments {
        let row = PyDict::new(py);
        row.set_item("name", c.name)?;
        row.set_item("role", role_text(c.role))?;
        row.set_item("doc", c.doc)?;
        compartments.append(row)?;
    }
    d.set_item("compartments", compartments)?;
    Ok(d)
}

/// Every cell of the registry: class name, key, module docs (equations), integrators, the
/// conformance tolerance, whether its step is element-wise (no row coupling), the parameter
/// table (name, default, unit, rule, doc, whether it may be given per neuron) and the
/// compartments (name, role, doc).
#[pyfunction]
pub fn cells(py: Python<'_>) -> PyResult<Bound<'_, PyList>> {
    let out = PyList::empty(py);
    for entry in CELLS {
        out.append(describe(py, entry)?)?;
    }
    Ok(out)
}
