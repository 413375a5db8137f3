//! Ready-made networks from the literature, used by the examples, the benchmarks and the tests,
//! and the spike statistics they are judged by.
//!
//! # CUBA (Brette et al. 2007, benchmark 2; Vogels & Abbott 2005)
//! 4,000 leaky integrate-and-fire cells, 80 % excitatory, every pair connected with probability
//! 0.02, exponentially decaying currents (τe = 5 ms, τi = 10 ms) that jump by we = 1.62 mV and
//! wi = −9 mV per spike. The membrane is ngclearn's `LIFCell` with τm = 20 ms, E_l = −49 mV
//! (`v_rest`), threshold −50 mV, reset −60 mV, refractory 5 ms, `resist_m` 1 and no adaptive
//! threshold (`theta_plus` 0), so `τm·dv/dt = −(v − E_l) + ge + gi`; v starts uniform in
//! [−60, −50] mV. `scale` multiplies the cell counts and divides the connection probability,
//! keeping every cell's in-degree (80 on average).

use crate::cells::{LifCell, LifParams};
use crate::error::Result;
use crate::rng::Key;

use super::builder::{LayerId, NetRun, NetworkBuilder, ProjectionSpec};
use super::{NetEngine, Network};

/// The CUBA network's parameters (Brette et al. 2007).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CubaParams {
    /// Cell count multiplier (1: 4,000 cells).
    pub scale: f64,
    /// Connection probability at scale 1.
    pub p: f64,
    /// Excitatory weight (mV).
    pub we: f32,
    /// Inhibitory weight (mV).
    pub wi: f32,
    /// Excitatory current decay (ms).
    pub tau_e: f32,
    /// Inhibitory current decay (ms).
    pub tau_i: f32,
    /// Connections regenerated every step instead of stored (for sizes that do not fit).
    pub procedural: bool,
    /// Event-driven propagation (fixed-point sums, cost ∝ spikes × fan-out; `super::event`).
    pub event: bool,
    /// Seed of every draw.
    pub seed: u64,
}

impl Default for CubaParams {
    fn default() -> Self {
        CubaParams {
            scale: 1.0,
            p: 0.02,
            we: 1.62,
            wi: -9.0,
            tau_e: 5.0,
            tau_i: 10.0,
            procedural: false,
            event: false,
            seed: 1,
        }
    }
}

/// A built CUBA network's layers and sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cuba {
    /// The excitatory population.
    pub exc: LayerId,
    /// The inhibitory population.
    pub inh: LayerId,
    /// Excitatory cells.
    pub n_exc: usize,
    /// Inhibitory cells.
    pub n_inh: usize,
}

/// The membrane of CUBA's cells as an ngclearn `LIFCell`.
pub fn cuba_cell() -> Result<LifCell> {
    let mut p = LifParams::with_tau_m(20.0);
    p.resist_m = 1.0;
    p.v_rest = -49.0;
    p.thr = -50.0;
    p.v_reset = -60.0;
    p.refract_time = 5.0;
    p.theta_plus = 0.0;
    LifCell::new(p)
}

impl CubaParams {
    /// Adds the network to a builder (batch 1 expected).
    pub fn build(&self, b: &mut NetworkBuilder) -> Result<Cuba> {
        let n = (4000.0 * self.scale).round() as usize;
        let n_exc = n * 4 / 5;
        let n_inh = n - n_exc;
        let p = self.p / self.scale;
        let exc = b.population("exc", Box::new(cuba_cell()?), n_exc)?;
        let inh = b.population("inh", Box::new(cuba_cell()?), n_inh)?;
        let spec = |w: f32, tau: f32| {
            let spec = if self.procedural {
                ProjectionSpec::procedural(p as f32, w).exponential_current(tau)
            } else {
                ProjectionSpec::fixed_probability(p, w).exponential_current(tau)
            };
            if self.event { spec.event_driven() } else { spec }
        };
        b.project("ee", exc, exc, spec(self.we, self.tau_e))?;
        b.project("ei", exc, inh, spec(self.we, self.tau_e))?;
        b.project("ie", inh, exc, spec(self.wi, self.tau_i))?;
        b.project("ii", inh, inh, spec(self.wi, self.tau_i))?;
        Ok(Cuba { exc, inh, n_exc, n_inh })
    }

    /// Sets v uniform in [−60, −50] mV (drawn from the seed), on any engine.
    pub fn initialise<E: NetEngine>(&self, net: &mut Network<E>, cuba: &Cuba) -> Result<()> {
        let key = Key::from_seed(self.seed).fold_in(0x5eed);
        let (k_e, k_i) = key.split();
        net.write(cuba.exc, "v", &k_e.uniform(cuba.n_exc, -60.0, -50.0))?;
        net.write(cuba.inh, "v", &k_i.uniform(cuba.n_inh, -60.0, -50.0))?;
        Ok(())
    }
}

impl Cuba {
    /// The spikes of the first `shown` cells as `(time ms, row)` for a raster: 80 % of the rows
    /// the first excitatory cells, then the first inhibitory ones.
    pub fn raster_events(&self, run: &NetRun, shown: usize, dt: f64) -> Vec<(f64, usize)> {
        let (exc_rows, inh_rows) = (shown * 4 / 5, shown / 5);
        let exc = run.spike_events(self.exc).into_iter().filter(|&(_, i)| i < exc_rows);
        let inh = run.spike_events(self.inh).into_iter().filter(|&(_, i)| i < inh_rows);
        exc.chain(inh.map(|(k, i)| (k, exc_rows + i)))
            .map(|(k, row)| (k as f64 * dt, row))
            .collect()
    }
}

/// Mean firing rate (Hz) of a recorded layer of `n` cells over a run of `steps` of `dt` ms.
pub fn rate_hz(run: &NetRun, layer: LayerId, n: usize, dt: f64) -> f64 {
    run.spike_count(layer) as f64 / n as f64 / (run.steps as f64 * dt * 1e-3)
}

/// The coefficient of variation of inter-spike intervals, averaged over the cells of a recorded
/// layer with at least three spikes (two intervals); `None` if no cell has.
pub fn mean_isi_cv(run: &NetRun, layer: LayerId, n: usize) -> Option<f64> {
    let mut times: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (k, i) in run.spike_events(layer) {
        if i < n {
            times[i].push(k);
        }
    }
    let cvs: Vec<f64> = times
        .iter()
        .filter(|t| t.len() >= 3)
        .map(|t| {
            let isi: Vec<f64> = t.windows(2).map(|w| (w[1] - w[0]) as f64).collect();
            let mean = isi.iter().sum::<f64>() / isi.len() as f64;
            let var = isi.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / isi.len() as f64;
            var.sqrt() / mean
        })
        .collect();
    (!cvs.is_empty()).then(|| cvs.iter().sum::<f64>() / cvs.len() as f64)
}
