//! Python keyword arguments as the JSON object spikegpu reads ngclearn's parameters from (the
//! same reader as the conformance traces and config files: unknown or misspelled names are an
//! error that names the closest parameter).

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyDictMethods, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// `kwargs` as a JSON object.
pub fn to_map(kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Map<String, Value>> {
    let mut map = Map::new();
    if let Some(kwargs) = kwargs {
        for (k, v) in kwargs.iter() {
            let name: String = k.extract()?;
            let value = to_json(&v).map_err(|e| crate::errors::value_error(format!("parameter `{name}`: {e}")))?;
            map.insert(name, value);
        }
    }
    Ok(map)
}

/// One Python value as JSON: None, bool, int, float, str, (nested) lists, tuples and NumPy
/// arrays or scalars of those, and dicts with string keys (a per-neuron distribution
/// `{"uniform": [low, high]}`).
pub fn to_json(v: &Bound<'_, PyAny>) -> Result<Value, String> {
    if v.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = v.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if v.is_instance_of::<PyInt>() {
        let i: i64 = v.extract().map_err(|e: PyErr| e.to_string())?;
        return Ok(Value::Number(i.into()));
    }
    if v.is_instance_of::<PyFloat>() {
        return float(v);
    }
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Value::String(s.to_string()));
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items: Vec<Bound<'_, PyAny>> = v
            .try_iter()
            .map_err(|e| e.to_string())?
            .collect::<PyResult<_>>()
            .map_err(|e| e.to_string())?;
        return items
            .iter()
            .map(to_json)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    if let Ok(d) = v.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, item) in d.iter() {
            let key: String = k.extract().map_err(|_| "dict keys must be strings".to_string())?;
            map.insert(key, to_json(&item)?);
        }
        return Ok(Value::Object(map));
    }
    // NumPy scalars and arrays (and anything else with `tolist`): their Python values.
    if let Ok(list) = v.call_method0("tolist")
        && !list.is(v)
    {
        return to_json(&list);
    }
    Err(format!(
        "cannot use a {} as a parameter value",
        v.get_type().name().map(|n| n.to_string()).unwrap_or_default()
    ))
}

fn float(v: &Bound<'_, PyAny>) -> Result<Value, String> {
    let x: f64 = v.extract().map_err(|e: PyErr| e.to_string())?;
    // JSON has no NaN or infinity; the parameter rules reject them with their own message.
    Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| format!("{x} is not a finite number"))
}
