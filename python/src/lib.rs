//! spikegpu for Python: the native module `spikegpu._spikegpu` (PyO3 + numpy). The package
//! `spikegpu` (python/spikegpu/) generates the cell classes from [`registry::cells`] and adds
//! the Python conveniences; everything that computes is spikegpu itself.

mod arrays;
mod backends;
mod conformance;
mod errors;
mod network;
mod params;
mod population;
mod registry;

use pyo3::prelude::*;

#[pymodule]
fn _spikegpu(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<population::Population>()?;
    m.add_class::<population::PyRecording>()?;
    m.add_class::<population::RandomDrive>()?;
    m.add_class::<network::PyNetworkBuilder>()?;
    m.add_class::<network::PyNetwork>()?;
    m.add_function(wrap_pyfunction!(registry::cells, m)?)?;
    m.add_function(wrap_pyfunction!(conformance::replay_trace, m)?)?;
    m.add_function(wrap_pyfunction!(conformance::trace_files, m)?)?;
    m.add_function(wrap_pyfunction!(conformance::load_trace, m)?)?;
    m.add("NoAdapterError", m.py().get_type::<errors::NoAdapterError>())?;
    Ok(())
}
