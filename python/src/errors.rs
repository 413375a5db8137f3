//! spikegpu's errors as Python exceptions, and the guard that keeps panics out of Python.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use spikegpu::Error;

pyo3::create_exception!(
    _spikegpu,
    NoAdapterError,
    PyRuntimeError,
    "No GPU adapter of the asked-for backend exists (install a driver, or Mesa's lavapipe)."
);

/// The Python exception for a spikegpu error, with spikegpu's message: `ValueError` for what
/// the caller passed (parameters, shapes, step sizes, names of cells, compartments, backends,
/// malformed traces and configs), `NoAdapterError` (a `RuntimeError`) when no adapter of the asked-for backend exists,
/// `RuntimeError` for the GPU and the file system.
pub fn to_py(e: Error) -> PyErr {
    let message = e.to_string();
    match e {
        Error::InvalidParameter { .. }
        | Error::InvalidShape(_)
        | Error::UnsupportedIntegrator { .. }
        | Error::UnknownIntegrator(_)
        | Error::InputLength { .. }
        | Error::NonFiniteInput { .. }
        | Error::InvalidDt(_)
        | Error::UnknownCompartment { .. }
        | Error::UnknownCell(_)
        | Error::UnknownBackend(_)
        | Error::Trace { .. }
        | Error::Config { .. }
        | Error::Network { .. } => PyValueError::new_err(message),
        Error::NoAdapter { .. } | Error::BackendMismatch { .. } => NoAdapterError::new_err(message),
        _ => PyRuntimeError::new_err(message),
    }
}

/// Runs `f`, turning a spikegpu error into its Python exception and a panic (a bug in spikegpu:
/// the library returns errors) into a `RuntimeError` that says so, so that no panic unwinds
/// into Python.
pub fn guard<T>(f: impl FnOnce() -> spikegpu::Result<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result.map_err(to_py),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            Err(PyRuntimeError::new_err(format!(
                "spikegpu panicked (a bug; please report it): {what}"
            )))
        }
    }
}

/// A `ValueError` with `message`.
pub fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
