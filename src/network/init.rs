//! Construction-time draws of ngclearn 3.2.3's synapses, bit for bit: the
//! `DistributionGenerator` weight initialisers (JAX flavour), the `p_conn` connectivity mask and
//! the `randint` delay indices (`conformance/network/README.md` §4.0 and §4.4).
//!
//! Everything is drawn from a [`Key`] with JAX's partitionable threefry layout, element `i` of a
//! `(rows, cols)` draw at the row-major index `i`, so a draw never depends on thread count.

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::rng::Key;

/// A weight (or bias) initialiser, as ngclearn's `DistributionGenerator` descriptors
/// (`{"dist": "uniform", "low", "high"}`, `{"dist": "gaussian", "mean", "std"}`,
/// `{"dist": "constant", "value"}`), with its shape options.
#[derive(Debug, Clone, PartialEq)]
pub struct Init {
    /// The distribution.
    pub dist: Dist,
    /// `amin`: values below are raised to it.
    pub amin: Option<f32>,
    /// `amax`: values above are lowered to it.
    pub amax: Option<f32>,
    /// `lower_triangle`: keep the strictly lower triangle (zero elsewhere).
    pub lower_triangle: bool,
    /// `upper_triangle`: keep the strictly upper triangle.
    pub upper_triangle: bool,
    /// `hollow`: zero diagonal (`(1 − eye)·W`; a negative constant gives −0.0 there, as ngclearn).
    pub hollow: bool,
    /// `eye`: only the diagonal (`eye·W`).
    pub eye: bool,
}

/// The distribution of an [`Init`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// `uniform(low, high)`: `max(low, fma(u, high − low, low))`.
    Uniform {
        /// Lower bound.
        low: f32,
        /// Upper bound.
        high: f32,
    },
    /// `gaussian(mean, std)`: `f32(mean + f32(std·normal))`, two roundings. The normal draw uses
    /// XLA's erf_inv polynomial; it matches JAX in about 99.3 % of draws (the rest differ by
    /// 1–2 ulp), so conformance loads gaussian weights rather than redrawing them.
    Gaussian {
        /// Mean.
        mean: f32,
        /// Standard deviation.
        std: f32,
    },
    /// `constant(value)`: every entry the value (no key used).
    Constant {
        /// The value.
        value: f32,
    },
}

impl Init {
    /// A plain distribution with no shape options.
    pub fn new(dist: Dist) -> Init {
        Init {
            dist,
            amin: None,
            amax: None,
            lower_triangle: false,
            upper_triangle: false,
            hollow: false,
            eye: false,
        }
    }

    /// Reads a descriptor object (`{"dist": "uniform", "low": 0, "high": 1, "hollow": true}`);
    /// `what` names the parameter in errors.
    pub fn from_json(what: &str, value: &Value) -> Result<Init> {
        let bad = |reason: String| Error::Network {
            part: what.to_string(),
            problem: format!("{value}: {reason}"),
        };
        let obj = value.as_object().ok_or_else(|| {
            bad("expected an initialiser object such as {\"dist\": \"uniform\", \"low\": 0, \"high\": 1}".into())
        })?;
        let num = |key: &str, obj: &Map<String, Value>| -> Result<f32> {
            obj.get(key)
                .and_then(Value::as_f64)
                .map(|x| x as f32)
                .ok_or_else(|| bad(format!("`{key}` must be a number")))
        };
        let opt_num = |key: &str| -> Result<Option<f32>> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_f64()
                    .map(|x| Some(x as f32))
                    .ok_or_else(|| bad(format!("`{key}` must be a number"))),
            }
        };
        let flag = |key: &str| -> Result<bool> {
            match obj.get(key) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(bad(format!("`{key}` must be true or false"))),
            }
        };
        let dist_name = obj.get("dist").and_then(Value::as_str).unwrap_or("");
        let (dist, known): (Dist, &[&str]) = match dist_name {
            "uniform" => (
                Dist::Uniform {
                    low: num("low", obj)?,
                    high: num("high", obj)?,
                },
                &["low", "high"],
            ),
            "gaussian" | "normal" => (
                Dist::Gaussian {
                    mean: num("mean", obj)?,
                    std: num("std", obj)?,
                },
                &["mean", "std"],
            ),
            "constant" => (
                Dist::Constant {
                    value: num("value", obj)?,
                },
                &["value"],
            ),
            other => {
                return Err(bad(format!(
                    "unknown distribution `{other}`: use uniform, gaussian or constant"
                )));
            }
        };
        let options = [
            "dist",
            "amin",
            "amax",
            "lower_triangle",
            "upper_triangle",
            "hollow",
            "eye",
        ];
        if let Some(key) = obj
            .keys()
            .find(|k| !known.contains(&k.as_str()) && !options.contains(&k.as_str()))
        {
            let closest = crate::cells::params::closest(key, known.iter().chain(options.iter()).copied());
            return Err(bad(format!("unknown key `{key}` (did you mean `{closest}`?)")));
        }
        let init = Init {
            dist,
            amin: opt_num("amin")?,
            amax: opt_num("amax")?,
            lower_triangle: flag("lower_triangle")?,
            upper_triangle: flag("upper_triangle")?,
            hollow: flag("hollow")?,
            eye: flag("eye")?,
        };
        init.validate(what)?;
        Ok(init)
    }

    fn validate(&self, what: &str) -> Result<()> {
        let bad = |reason: &str| Error::Network {
            part: what.to_string(),
            problem: format!("{:?}: {reason}", self.dist),
        };
        match self.dist {
            Dist::Uniform { low, high } if !(low.is_finite() && high.is_finite() && low <= high) => {
                Err(bad("uniform needs finite low <= high"))
            }
            Dist::Gaussian { mean, std } if !(mean.is_finite() && std.is_finite() && std >= 0.0) => {
                Err(bad("gaussian needs a finite mean and std >= 0"))
            }
            Dist::Constant { value } if !value.is_finite() => Err(bad("constant needs a finite value")),
            _ => Ok(()),
        }
    }

    /// Draws a `(rows, cols)` array from `key` exactly as ngclearn's initialiser does
    /// (`d, _ = split(key)` then the draw from `d`), options applied in ngclearn's order.
    pub fn draw(&self, key: Key, rows: usize, cols: usize) -> Vec<f32> {
        let n = rows * cols;
        let d = key.split().0;
        let mut w = match self.dist {
            Dist::Uniform { low, high } => d.uniform(n, low, high),
            Dist::Gaussian { mean, std } => normal(d, n).into_iter().map(|z| mean + std * z).collect(),
            Dist::Constant { value } => vec![value; n],
        };
        if let Some(lo) = self.amin {
            w.iter_mut().for_each(|x| *x = x.max(lo));
        }
        if let Some(hi) = self.amax {
            w.iter_mut().for_each(|x| *x = x.min(hi));
        }
        for r in 0..rows {
            for c in 0..cols {
                let x = &mut w[r * cols + c];
                // jnp.tril(W, -1) / jnp.triu(W, 1) multiply by a 0/1 mask.
                if self.lower_triangle {
                    *x *= if c < r { 1.0 } else { 0.0 };
                }
                if self.upper_triangle {
                    *x *= if c > r { 1.0 } else { 0.0 };
                }
                if self.hollow {
                    *x *= if r == c { 0.0 } else { 1.0 };
                }
                if self.eye {
                    *x *= if r == c { 1.0 } else { 0.0 };
                }
            }
        }
        w
    }
}

/// `jax.random.normal(key, (n,))` in float32: `f32(√2)·erf_inv(u)` with
/// `u = uniform(key, (n,), nextafter(−1, 0), 1)`, erf_inv by XLA's single-precision polynomial
/// (Giles) with fused multiply-adds.
pub fn normal(key: Key, n: usize) -> Vec<f32> {
    let lo = f32::from_bits(0xBF7F_FFFF); // nextafter(−1, 0)
    key.uniform(n, lo, 1.0)
        .into_iter()
        .map(|u| std::f32::consts::SQRT_2 * erf_inv(u))
        .collect()
}

/// XLA's float32 `ErfInv` (M. Giles, "Approximating the erfinv function", 2010).
pub fn erf_inv(x: f32) -> f32 {
    let w = -(-x * x).ln_1p();
    let p = if w < 5.0 {
        let w = w - 2.5;
        [
            3.432_739_4e-7,
            -3.523_387_7e-6,
            -4.391_506_5e-6,
            0.000_218_580_87,
            -0.001_253_725,
            -0.004_177_681_6,
            0.246_640_73,
            1.501_409_4,
        ]
        .iter()
        .fold(2.810_226_4e-8f32, |p, &c| p.mul_add(w, c))
    } else {
        let w = w.sqrt() - 3.0;
        [
            0.000_100_950_56,
            0.001_349_343_2,
            -0.003_673_428_4,
            0.005_739_507_7,
            -0.007_622_461,
            0.009_438_870_5,
            1.001_674,
            2.832_976_8,
        ]
        .iter()
        .fold(-0.000_200_214_26f32, |p, &c| p.mul_add(w, c))
    };
    if x.abs() == 1.0 { x * f32::INFINITY } else { p * x }
}

/// `jax.random.bernoulli(key, p, (n,))` as float32 0/1: `uniform(key) < f32(p)`.
pub fn bernoulli(key: Key, p: f32, n: usize) -> Vec<f32> {
    key.uniform01(n)
        .into_iter()
        .map(|u| if u < p { 1.0 } else { 0.0 })
        .collect()
}

/// `jax.random.randint(key, (n,), minval, maxval)` for int32 (JAX's `_randint`: two 32-bit draws
/// from `split(key)`, combined modulo the span without bias correction).
pub fn randint(key: Key, n: usize, minval: i32, maxval: i32) -> Vec<i32> {
    let (k1, k2) = key.split();
    let span: u32 = if maxval <= minval {
        1
    } else {
        (maxval as i64 - minval as i64) as u32
    };
    let multiplier = (1u32 << 16) % span;
    let multiplier = multiplier.wrapping_mul(multiplier) % span;
    (0..n as u64)
        .map(|i| {
            let higher = k1.bits_at(i);
            let lower = k2.bits_at(i);
            let offset = ((higher % span).wrapping_mul(multiplier)).wrapping_add(lower % span) % span;
            minval.wrapping_add(offset as i32)
        })
        .collect()
}
