//! Reading a cell's constructor parameters (ngclearn names) from a JSON object: the conformance
//! traces' `resolved_params`, and config files converted to JSON.
//!
//! Every key must be consumed: an unknown or misspelled name is an error that names the closest
//! known parameter, never silently ignored.

use serde_json::{Map, Value};
use std::collections::BTreeSet;

use crate::error::{Error, Result};

/// Reads typed parameters out of a JSON object and remembers which keys were used.
pub struct ParamReader<'a> {
    map: &'a Map<String, Value>,
    used: BTreeSet<&'static str>,
}

impl<'a> ParamReader<'a> {
    /// Wraps a JSON object of ngclearn keyword arguments.
    pub fn new(map: &'a Map<String, Value>) -> Self {
        ParamReader {
            map,
            used: BTreeSet::new(),
        }
    }

    fn take(&mut self, name: &'static str) -> Option<&'a Value> {
        self.used.insert(name);
        self.map.get(name).filter(|v| !v.is_null())
    }

    /// Any parameter's raw JSON value (arrays, initialiser objects), `None` when absent or null.
    pub fn raw(&mut self, name: &'static str) -> Option<&'a Value> {
        self.take(name)
    }

    /// A float parameter that ngclearn requires (no default).
    pub fn f32_required(&mut self, name: &'static str) -> Result<f32> {
        match self.take(name) {
            Some(v) => as_f32(name, v),
            None => {
                // A given key one or two edits away is most likely this parameter misspelled.
                let typo = self
                    .map
                    .keys()
                    .filter(|k| *k != name)
                    .find(|k| edit_distance(k, name) <= 2);
                Err(Error::InvalidParameter {
                    name,
                    value: match typo {
                        Some(k) => format!("missing (is `{k}` a misspelling of `{name}`?)"),
                        None => "missing".into(),
                    },
                    reason: "this parameter has no default in ngclearn and must be given",
                })
            }
        }
    }

    /// A float parameter with a default.
    pub fn f32_or(&mut self, name: &'static str, default: f32) -> Result<f32> {
        self.take(name).map_or(Ok(default), |v| as_f32(name, v))
    }

    /// A float parameter whose default is `None` (ngclearn's `None`, JSON `null`).
    pub fn f32_opt(&mut self, name: &'static str) -> Result<Option<f32>> {
        self.take(name).map(|v| as_f32(name, v)).transpose()
    }

    /// A boolean parameter with a default.
    pub fn bool_or(&mut self, name: &'static str, default: bool) -> Result<bool> {
        match self.take(name) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(Error::InvalidParameter {
                name,
                value: other.to_string(),
                reason: "expected true or false",
            }),
        }
    }

    /// A string parameter with a default.
    pub fn str_or(&mut self, name: &'static str, default: &'static str) -> Result<&'a str> {
        match self.take(name) {
            None => Ok(default),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(other) => Err(Error::InvalidParameter {
                name,
                value: other.to_string(),
                reason: "expected a string",
            }),
        }
    }

    /// Accepts a parameter that spikegpu takes elsewhere (e.g. `batch_size`, given to
    /// [`crate::Population`]); it must still be a positive integer if present.
    pub fn accept_positive_int(&mut self, name: &'static str) -> Result<()> {
        match self.take(name) {
            None => Ok(()),
            Some(v) if v.as_u64().is_some_and(|x| x > 0) => Ok(()),
            Some(other) => Err(Error::InvalidParameter {
                name,
                value: other.to_string(),
                reason: "expected a positive integer",
            }),
        }
    }

    /// Fails on the first key that no reader call asked for, naming the closest known one.
    pub fn finish(self) -> Result<()> {
        for key in self.map.keys() {
            if !self.used.contains(key.as_str()) {
                let closest = closest(key, self.used.iter().copied());
                return Err(Error::InvalidParameter {
                    name: "(unknown)",
                    value: format!("`{key}` (did you mean `{closest}`?)"),
                    reason: "not a parameter of this cell",
                });
            }
        }
        Ok(())
    }
}

/// JSON numbers are doubles; ngclearn rounds every parameter to float32 once, as here.
fn as_f32(name: &'static str, v: &Value) -> Result<f32> {
    v.as_f64().map(|x| x as f32).ok_or_else(|| Error::InvalidParameter {
        name,
        value: v.to_string(),
        reason: "expected a number",
    })
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitute.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `name` by edit distance (first on ties; "" when there are none),
/// for "did you mean" hints.
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> &'c str {
    candidates
        .into_iter()
        .min_by_key(|c| edit_distance(name, c))
        .unwrap_or("")
}

/// Checks `value > 0` and finite.
pub fn require_positive(name: &'static str, value: f32) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: "must be positive and finite",
        })
    }
}

/// Checks `value >= 0` and finite.
pub fn require_non_negative(name: &'static str, value: f32, reason: &'static str) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason,
        })
    }
}

/// Checks that a value is finite.
pub fn require_finite(name: &'static str, value: f32) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: value.to_string(),
            reason: "must be finite",
        })
    }
}
