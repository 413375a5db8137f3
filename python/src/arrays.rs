//! NumPy arrays in and out.
//!
//! In: a float32 C-contiguous array is read where it lies, without a copy. Anything else that
//! NumPy reads as real numbers (float64, float16, integers, booleans, lists, non-contiguous views)
//! is converted once with `numpy.asarray(x, dtype=float32, order="C")`, as JAX does with float64
//! input when x64 is off; complex, object and string arrays are rejected with a `TypeError`.
//! Shapes are checked against the population's `(batch_size, n_units)`.
//!
//! Out: fresh float32 (states, traces), bool (rasters) and integer (events) arrays.

use numpy::{PyArray1, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::value_error;

/// A float32 C-contiguous view of `obj` (converted once if it is not one already).
pub fn f32_array<'py>(obj: &Bound<'py, PyAny>, what: &str) -> PyResult<PyReadonlyArrayDyn<'py, f32>> {
    if let Ok(array) = obj.cast::<PyArrayDyn<f32>>()
        && array.is_c_contiguous()
    {
        return Ok(array.readonly());
    }
    let py = obj.py();
    let numpy = py.import("numpy")?;
    let array = numpy.call_method1("asarray", (obj,))?;
    let dtype = array.getattr("dtype")?;
    let kind: String = dtype.getattr("kind")?.extract()?;
    if !matches!(kind.as_str(), "b" | "i" | "u" | "f") {
        return Err(PyTypeError::new_err(format!(
            "{what}: expected real numbers (float32, or anything NumPy converts to it), got dtype {}",
            dtype.str()?
        )));
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("dtype", numpy.getattr("float32")?)?;
    kwargs.set_item("order", "C")?;
    // `asarray` rather than `ascontiguousarray`, which would turn a 0-d array into shape (1,).
    let converted = numpy.call_method("asarray", (array,), Some(&kwargs))?;
    Ok(converted.cast_into::<PyArrayDyn<f32>>()?.readonly())
}

/// Checks that `shape` is one of `allowed` (each a shape and how the message names it).
pub fn check_shape(what: &str, shape: &[usize], allowed: &[Vec<usize>]) -> PyResult<()> {
    if allowed.iter().any(|a| a.as_slice() == shape) {
        return Ok(());
    }
    let names: Vec<String> = allowed.iter().map(|a| shape_text(a)).collect();
    Err(value_error(format!(
        "{what}: expected shape {}, got {}",
        names.join(" or "),
        shape_text(shape)
    )))
}

/// `(2, 3)` as Python prints a shape.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// `values` as a NumPy array of `shape` (its length must be the shape's product).
pub fn to_numpy<'py, T: numpy::Element>(
    py: Python<'py>,
    values: Vec<T>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let flat = PyArray1::from_vec(py, values);
    Ok(flat.reshape(shape.to_vec())?.into_any())
}

/// The shapes a compartment of a `(batch, n_units)` layer accepts: `(batch, n_units)`, and
/// `(n_units,)` when the batch is 1.
pub fn layer_shapes(batch: usize, n_units: usize) -> Vec<Vec<usize>> {
    let mut shapes = vec![vec![batch, n_units]];
    if batch == 1 {
        shapes.push(vec![n_units]);
    }
    shapes
}

/// Values for a whole `(batch, n_units)` compartment: an array of its shape, or one number for
/// every element.
pub fn layer_values(obj: &Bound<'_, PyAny>, what: &str, batch: usize, n_units: usize) -> PyResult<Vec<f32>> {
    let array = f32_array(obj, what)?;
    if array.ndim() == 0 {
        let x = *array
            .as_slice()?
            .first()
            .ok_or_else(|| value_error(format!("{what}: empty array")))?;
        return Ok(vec![x; batch * n_units]);
    }
    check_shape(what, array.shape(), &layer_shapes(batch, n_units))?;
    Ok(array.as_slice()?.to_vec())
}

/// Unpacks a bit-packed raster (`words` u32 words per step, bit `i % 32` of word `i / 32` for
/// element i) into a bool array of `(steps, batch, n_units)`.
pub fn unpack_raster(raster: &[u32], steps: usize, words: usize, batch: usize, n_units: usize) -> Vec<bool> {
    let total = batch * n_units;
    let mut out = vec![false; steps * total];
    for k in 0..steps {
        let row = &raster[k * words..(k + 1) * words];
        for (i, x) in out[k * total..(k + 1) * total].iter_mut().enumerate() {
            *x = row[i / 32] >> (i % 32) & 1 == 1;
        }
    }
    out
}
