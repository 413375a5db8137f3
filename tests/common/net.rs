//! A small network the network tests share: Bernoulli inputs → LIF cells through one projection.

use spikegpu::cells::{LifCell, LifParams};
use spikegpu::network::{LayerId, NetworkBuilder, ProjectionSpec};

/// Input units.
pub const N_IN: usize = 40;
/// LIF cells.
pub const N_OUT: usize = 30;
/// Steps per test run.
pub const STEPS: usize = 120;

/// ngclearn's LIF cell, tau_m = 10 ms, 2 ms refractory.
pub fn lif() -> Box<LifCell> {
    let mut p = LifParams::with_tau_m(10.0);
    p.refract_time = 2.0;
    Box::new(LifCell::new(p).expect("valid LIF"))
}

/// Bernoulli input → LIF through `spec`; returns the builder and the two layers.
pub fn network(batch: usize, spec: ProjectionSpec) -> (NetworkBuilder, LayerId, LayerId) {
    let mut b = NetworkBuilder::new(batch, 7);
    let input = b.bernoulli("input", N_IN).expect("input");
    let out = b.population("out", lif(), N_OUT).expect("population");
    b.project("p", input, out, spec).expect("projection");
    (b, input, out)
}
