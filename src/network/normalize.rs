//! Weight normalisation between samples, as ngclearn's exhibits do it
//! (`normalize_matrix(W, wnorm, order, axis=0)`, `conformance/network/README.md` §4.10): every
//! column of an (N_pre, N_post) weight matrix rescaled to norm `wnorm`.
//!
//! ```text
//! s_j = max(Σ_i |W_ij|, 1e-8)            order 1 (float32 sums, ascending i)
//!       max(sqrt(Σ_i W_ij²), 1e-8)       order 2
//! W_ij = W_ij · (f32(wnorm) / s_j)
//! ```
//! It runs on the host between runs (read, rescale, write back), on either engine.

use super::{NetEngine, Port};
use crate::error::{Error, Result};

/// Rescales each column of the weight matrix at `port` to norm `wnorm` (order 1 or 2).
pub fn normalize_columns<E: NetEngine + ?Sized>(engine: &mut E, port: Port, wnorm: f32, order: u32) -> Result<()> {
    let bad = |problem: String| Error::Network {
        part: engine.graph().name(port),
        problem,
    };
    if !(wnorm.is_finite() && wnorm > 0.0) {
        return Err(bad(format!(
            "the normalisation target {wnorm} must be positive and finite"
        )));
    }
    if order != 1 && order != 2 {
        return Err(bad(format!("order {order}: use 1 (L1) or 2 (L2)")));
    }
    let shape = engine.graph().components[port.component].compartments()[port.compartment]
        .1
        .clone();
    let [rows, cols] = shape[..] else {
        return Err(bad(format!("expected a (N_pre, N_post) matrix, found shape {shape:?}")));
    };
    let mut w = engine.read(port)?;
    for j in 0..cols {
        let mut sum = 0.0f32;
        for i in 0..rows {
            let x = w[i * cols + j];
            sum += if order == 1 { x.abs() } else { x * x };
        }
        let norm = if order == 1 { sum } else { sum.sqrt() };
        let factor = wnorm / norm.max(1e-8);
        for i in 0..rows {
            w[i * cols + j] *= factor;
        }
    }
    engine.write(port, &w)
}
