//! Surrogate spike derivatives (ngclearn's `surrogate_fx.py`).
//!
//! In ngclearn 3.2.3 `surrogate_type` has no effect: LIFCell always computes the arctan
//! derivative with `alpha = 0.2` (this module's [`arctan_d`]), IF and QuadLIF compute none. The
//! WGSL twin is `shaders/lib/surrogate.wgsl`.

use crate::error::{Error, Result};

/// `pi·(alpha/2)` for ngclearn's LIF surrogate (`alpha = 0.2`), formed in double precision as
/// Python does and rounded once to float32.
pub const ARCTAN_SLOPE_ALPHA_0_2: f32 = (std::f64::consts::PI * 0.1) as f32;
/// `1/pi` rounded to float32.
pub const INV_PI: f32 = (1.0 / std::f64::consts::PI) as f32;

/// The derivative of the arctan surrogate: `(1/(1 + (slope·(v − thr))²))·(1/π)`, where
/// `slope = π·alpha/2`. WGSL: `surrogate_arctan_d`.
#[inline(always)]
pub fn arctan_d(v: f32, thr: f32, slope: f32) -> f32 {
    let x = slope * (v - thr);
    (1.0 / (1.0 + x * x)) * INV_PI
}

/// The `surrogate_type` names ngclearn accepts. They are validated (a typo is an error) even
/// though ngclearn 3.2.3 ignores the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurrogateType {
    /// `straight_through` (ngclearn's default).
    StraightThrough,
    /// `triangular`.
    Triangular,
    /// `arctan`.
    Arctan,
    /// `secant_lif`.
    SecantLif,
}

impl SurrogateType {
    /// Parses ngclearn's names.
    pub fn parse(name: &str) -> Result<SurrogateType> {
        Ok(match name {
            "straight_through" => SurrogateType::StraightThrough,
            "triangular" => SurrogateType::Triangular,
            "arctan" => SurrogateType::Arctan,
            "secant_lif" => SurrogateType::SecantLif,
            other => {
                return Err(Error::InvalidParameter {
                    name: "surrogate_type",
                    value: other.to_string(),
                    reason: "use straight_through, triangular, arctan or secant_lif",
                });
            }
        })
    }

    /// ngclearn's name.
    pub fn name(self) -> &'static str {
        match self {
            SurrogateType::StraightThrough => "straight_through",
            SurrogateType::Triangular => "triangular",
            SurrogateType::Arctan => "arctan",
            SurrogateType::SecantLif => "secant_lif",
        }
    }
}
