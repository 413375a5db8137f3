//! Drives uploaded once and reused by many runs ([`DriveHandle`], [`super::Drive::Uploaded`]).
//!
//! A per-neuron drive (B×N) or a per-step one (K×B×N) handed to [`crate::Population::run`] as a
//! slice is copied to the GPU on every run. [`crate::Population::upload_drive`] copies it once:
//! the GPU backend keeps it in a storage buffer of its own, the CPU backend in a shared host
//! array, and every later run names it with [`super::Drive::Uploaded`], on either backend alike.

use std::sync::Arc;

use crate::error::{Error, Result};

/// Where an uploaded drive's values live: the backend decides ([`crate::Backend::upload_drive`]).
#[derive(Debug, Clone)]
pub enum DriveStore {
    /// In host memory (the CPU backend).
    Host(Arc<[f32]>),
    /// In a GPU storage buffer of the population's device (STORAGE, the values from byte 0).
    Device(wgpu::Buffer),
}

/// A drive uploaded once by one population ([`crate::Population::upload_drive`]), for any number
/// of its runs ([`super::Drive::Uploaded`]). Cloning it is cheap (the values are shared); the
/// memory is freed when the last clone is dropped and, on the GPU, the population no longer keeps
/// a bind group over it for its next run (a later run with another uploaded drive replaces it,
/// [`crate::GpuBackend::trim_run_buffers`] drops it).
///
/// ```
/// use spikegpu::{Population, cells::{LifCell, LifParams}};
/// use spikegpu::run::{Drive, Record};
/// let cell = LifCell::new(LifParams::with_tau_m(10.0))?;
/// let mut pop = Population::cpu(Box::new(cell), 1000, 1, 0)?;
/// let currents: Vec<f32> = (0..1000).map(|i| 20.0 + (i % 10) as f32).collect();
/// let drive = pop.upload_drive(Drive::PerNeuron(&currents))?;
/// for _ in 0..10 {
///     pop.run(100, 0.1, Drive::Uploaded(&drive), &Record::none())?;
/// }
/// # Ok::<(), spikegpu::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct DriveHandle {
    /// The population that uploaded it ([`crate::Population::id`]).
    population: u64,
    /// B·N of that population.
    total: usize,
    /// K for a per-step drive (K×B×N values), none for a per-neuron one (B×N values).
    steps: Option<usize>,
    store: DriveStore,
}

impl DriveHandle {
    /// A handle of population `population` (B·N = `total`) for values kept in `store`.
    pub(crate) fn new(population: u64, total: usize, steps: Option<usize>, store: DriveStore) -> DriveHandle {
        DriveHandle {
            population,
            total,
            steps,
            store,
        }
    }

    /// The id of the population that uploaded it.
    pub fn population(&self) -> u64 {
        self.population
    }

    /// K for a per-step drive (a run using it must have exactly K steps), none for a per-neuron
    /// drive (any number of steps).
    pub fn steps(&self) -> Option<usize> {
        self.steps
    }

    /// Values held: B·N, or K·B·N.
    pub fn len(&self) -> usize {
        self.total * self.steps.unwrap_or(1)
    }

    /// Whether it holds no values (never: populations have at least one neuron).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the values live.
    pub fn store(&self) -> &DriveStore {
        &self.store
    }

    /// Checks that population `population` uploaded it.
    pub(crate) fn check_population(&self, population: u64) -> Result<()> {
        if population != self.population {
            return Err(Error::InvalidParameter {
                name: "drive",
                value: format!(
                    "a handle uploaded by population #{} used on population #{population}",
                    self.population
                ),
                reason: "an uploaded drive lives on the backend of the population that uploaded it; \
                         upload it again with this population's upload_drive",
            });
        }
        Ok(())
    }

    /// Checks that a run of `steps` steps of a population of B·N = `total` may use it.
    pub(crate) fn check_shape(&self, steps: usize, total: usize) -> Result<()> {
        if total != self.total {
            return Err(Error::InputLength {
                what: "uploaded drive (B × N of the population)".into(),
                got: self.total,
                expected: total,
            });
        }
        match self.steps {
            Some(k) if k != steps => Err(Error::InputLength {
                what: format!("uploaded per-step drive ({k} steps × {total}) for a run of {steps} steps"),
                got: self.len(),
                expected: steps.saturating_mul(total),
            }),
            _ => Ok(()),
        }
    }
}
