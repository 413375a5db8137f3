//! Long runs without host round trips: drives (where each step's input current comes from),
//! recordings (bit-packed spike rasters and sampled traces), and their memory budget.
//!
//! ```
//! use spikegpu::{Population, cells::{LifCell, LifParams}};
//! use spikegpu::run::{Drive, Record};
//! let cell = LifCell::new(LifParams::with_tau_m(10.0))?;
//! let mut pop = Population::cpu(Box::new(cell), 1000, 1, 0)?;
//! // 1000 steps of Poisson input: each neuron receives a 40 pA-like pulse at 200 Hz.
//! let drive = Drive::Poisson { rate_hz: 200.0, amplitude: 400.0, seed: 3 };
//! let record = Record { spikes: true, ..Record::none() };
//! let rec = pop.run(1000, 0.1, drive, &record)?;
//! let spikes = rec.spike_events();   // (step, batch row, unit) of every spike
//! assert!(!spikes.is_empty());
//! # Ok::<(), spikegpu::Error>(())
//! ```

use std::collections::BTreeMap;

use crate::cells::CellModel;
use crate::error::{Error, Result};
use crate::rng::Key;

mod uploaded;

pub use uploaded::{DriveHandle, DriveStore};

/// Where each step's input current `j` comes from.
#[derive(Debug, Clone, Copy)]
pub enum Drive<'a> {
    /// The `j` compartment as it is (set with [`crate::Population::set_input`]).
    Current,
    /// One B×N slice per step, K slices back to back (K×B×N, row-major).
    Buffer(&'a [f32]),
    /// The same current for every neuron and step.
    Constant(f32),
    /// One current per neuron (B×N), the same every step.
    PerNeuron(&'a [f32]),
    /// Poisson spike trains: on each step each neuron receives `amplitude` with probability
    /// `rate_hz · dt / 1000` (dt in ms), else 0. Drawn from the counter-based PRNG keyed by
    /// `(seed, step, neuron)`, so CPU and GPU give the same trains.
    Poisson {
        /// Rate (Hz).
        rate_hz: f32,
        /// Current of one input spike.
        amplitude: f32,
        /// Seed of the input trains.
        seed: u64,
    },
    /// Bernoulli spike trains: `amplitude` with probability `p` per step and neuron.
    Bernoulli {
        /// Probability per step.
        p: f32,
        /// Current of one input spike.
        amplitude: f32,
        /// Seed of the input trains.
        seed: u64,
    },
    /// A per-neuron or per-step drive uploaded once with [`crate::Population::upload_drive`]:
    /// the same values as the slice it was made from, without copying them again. Only the
    /// population that uploaded it accepts it; a per-step one only for runs of its K steps.
    Uploaded(&'a DriveHandle),
}

/// How a backend generates a drive, resolved from [`Drive`] for one step size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DriveSpec<'a> {
    /// From the `j` compartment.
    Current,
    /// `inputs[k·B·N + i]` (`per_step = true`) or `inputs[i]` every step.
    Buffer {
        /// The values.
        inputs: &'a [f32],
        /// Whether the buffer holds one slice per step.
        per_step: bool,
    },
    /// `buffer[k·B·N + i]` (`per_step = true`) or `buffer[i]` every step, from an uploaded
    /// drive resident on the GPU ([`DriveStore::Device`]). Only the GPU backend that uploaded it
    /// receives it ([`crate::Population`] checks the handle's population).
    Resident {
        /// The storage buffer holding the values from byte 0.
        buffer: &'a wgpu::Buffer,
        /// Whether the buffer holds one slice per step.
        per_step: bool,
    },
    /// A constant.
    Constant(f32),
    /// `amplitude` where `uniform(fold_in(key, step), i) < p`, else 0.
    Random {
        /// The key of the trains.
        key: Key,
        /// Probability per step.
        p: f32,
        /// Current of an input spike.
        amplitude: f32,
    },
}

impl DriveSpec<'_> {
    /// The GPU's `input_mode` code (`shaders/lib/common.wgsl`).
    pub fn mode_code(&self) -> u32 {
        match self {
            DriveSpec::Current => 0,
            DriveSpec::Buffer { .. } | DriveSpec::Resident { .. } => 1,
            DriveSpec::Constant(_) => 2,
            DriveSpec::Random { .. } => 3,
        }
    }

    /// Whether steps get different values: false when every step's values equal the first's
    /// (the current `j`, a constant, one per-neuron slice), so that a host backend may fill
    /// the input once per run where the cell never writes its input compartment.
    pub fn varies_per_step(&self) -> bool {
        match *self {
            DriveSpec::Current | DriveSpec::Constant(_) => false,
            DriveSpec::Buffer { per_step, .. } | DriveSpec::Resident { per_step, .. } => per_step,
            DriveSpec::Random { .. } => true,
        }
    }

    /// Writes the inputs of neurons `first..first + out.len()` on run step `k` (absolute step
    /// `step`) into `out`, the `j` slice of those neurons. The GPU computes the same values
    /// (`drive_input` in `shaders/lib/common.wgsl`).
    pub fn fill(&self, k: usize, step: u64, first: usize, total: usize, out: &mut [f32]) {
        let len = out.len();
        match *self {
            DriveSpec::Current => {}
            DriveSpec::Buffer { inputs, per_step } => {
                let at = if per_step { k * total + first } else { first };
                out.copy_from_slice(&inputs[at..at + len]);
            }
            // A device-resident drive never reaches a host backend: a handle is only accepted by
            // the population whose backend uploaded it, and host backends upload to host memory.
            DriveSpec::Resident { .. } => {}
            DriveSpec::Constant(value) => out.fill(value),
            DriveSpec::Random { key, p, amplitude } => {
                let step_key = key.fold_in(step as u32);
                for (o, x) in out.iter_mut().enumerate() {
                    *x = if step_key.uniform01_at((first + o) as u64) < p {
                        amplitude
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

impl<'a> Drive<'a> {
    /// Checks the drive against the population's shape and resolves it for step size `dt`.
    pub fn resolve(&self, steps: usize, total: usize, dt: f64) -> Result<DriveSpec<'a>> {
        let finite = |what: &str, values: &[f32]| match values.iter().position(|x| !x.is_finite()) {
            Some(index) => Err(Error::NonFiniteInput {
                what: what.to_string(),
                index,
                value: values[index],
            }),
            None => Ok(()),
        };
        let probability = |name: &'static str, p: f32| {
            if (0.0..=1.0).contains(&p) {
                Ok(p)
            } else {
                Err(Error::InvalidParameter {
                    name,
                    value: p.to_string(),
                    reason: "must be a probability in [0, 1]",
                })
            }
        };
        let amplitude_ok = |a: f32| {
            if a.is_finite() {
                Ok(a)
            } else {
                Err(Error::InvalidParameter {
                    name: "amplitude",
                    value: a.to_string(),
                    reason: "must be finite",
                })
            }
        };
        Ok(match *self {
            Drive::Current => DriveSpec::Current,
            Drive::Buffer(inputs) => {
                let expected = steps
                    .checked_mul(total)
                    .ok_or_else(|| Error::InvalidShape("steps × B × N overflows".into()))?;
                if inputs.len() != expected {
                    return Err(Error::InputLength {
                        what: format!("drive buffer ({steps} steps × {total})"),
                        got: inputs.len(),
                        expected,
                    });
                }
                finite("drive buffer", inputs)?;
                DriveSpec::Buffer { inputs, per_step: true }
            }
            Drive::PerNeuron(inputs) => {
                if inputs.len() != total {
                    return Err(Error::InputLength {
                        what: "per-neuron drive".into(),
                        got: inputs.len(),
                        expected: total,
                    });
                }
                finite("per-neuron drive", inputs)?;
                DriveSpec::Buffer {
                    inputs,
                    per_step: false,
                }
            }
            Drive::Constant(value) => {
                finite("constant drive", &[value])?;
                DriveSpec::Constant(value)
            }
            Drive::Poisson {
                rate_hz,
                amplitude,
                seed,
            } => {
                if !(rate_hz.is_finite() && rate_hz >= 0.0) {
                    return Err(Error::InvalidParameter {
                        name: "rate_hz",
                        value: rate_hz.to_string(),
                        reason: "must be ≥ 0 and finite",
                    });
                }
                let p = probability("rate_hz · dt / 1000", (f64::from(rate_hz) * dt / 1000.0) as f32)?;
                DriveSpec::Random {
                    key: Key::from_seed(seed),
                    p,
                    amplitude: amplitude_ok(amplitude)?,
                }
            }
            Drive::Bernoulli { p, amplitude, seed } => DriveSpec::Random {
                key: Key::from_seed(seed),
                p: probability("p", p)?,
                amplitude: amplitude_ok(amplitude)?,
            },
            Drive::Uploaded(handle) => {
                handle.check_shape(steps, total)?;
                let per_step = handle.steps().is_some();
                match handle.store() {
                    DriveStore::Host(values) => DriveSpec::Buffer {
                        inputs: values,
                        per_step,
                    },
                    DriveStore::Device(buffer) => DriveSpec::Resident { buffer, per_step },
                }
            }
        })
    }
}

/// What to record during a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Record every step's spikes (`s`) as a bit-packed raster.
    pub spikes: bool,
    /// Compartments to sample (e.g. `["v"]`).
    pub compartments: Vec<String>,
    /// Flat indices `b·N + n` of the neurons to sample.
    pub neurons: Vec<usize>,
    /// Sample every this many steps (after steps `every − 1`, `2·every − 1`, …); ≥ 1.
    pub every: usize,
}

impl Record {
    /// Record nothing.
    pub fn none() -> Record {
        Record {
            every: 1,
            ..Record::default()
        }
    }

    /// Whether anything is recorded.
    pub fn is_empty(&self) -> bool {
        !self.spikes && (self.compartments.is_empty() || self.neurons.is_empty())
    }

    /// Sampled traces are taken after these run steps.
    pub fn sample_steps(&self, steps: usize) -> Vec<usize> {
        if self.compartments.is_empty() || self.neurons.is_empty() {
            return Vec::new();
        }
        (1..=steps / self.every.max(1))
            .map(|s| s * self.every.max(1) - 1)
            .collect()
    }

    /// Indices of the compartments to sample, or a typed error for an unknown name.
    pub fn compartment_indices(&self, cell: &dyn CellModel) -> Result<Vec<usize>> {
        self.compartments
            .iter()
            .map(|name| crate::cells::compartment_index(cell, name))
            .collect()
    }

    /// The bytes a recording of this run will hold: `K·ceil(B·N/32)·4` for the raster plus
    /// `samples·compartments·neurons·4` for traces. Known before the run starts.
    pub fn bytes(&self, steps: usize, total: usize) -> u64 {
        let raster = if self.spikes {
            steps as u64 * words_per_step(total) as u64 * 4
        } else {
            0
        };
        let traces =
            self.sample_steps(steps).len() as u64 * self.compartments.len() as u64 * self.neurons.len() as u64 * 4;
        raster + traces
    }
}

/// u32 words of one step of a bit-packed raster of `total` neurons.
pub fn words_per_step(total: usize) -> usize {
    total.div_ceil(32)
}

/// The result of a run's recording.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recording {
    /// Steps run.
    pub steps: usize,
    /// Batch rows B.
    pub batch: usize,
    /// Units per row N.
    pub n_units: usize,
    /// Bit-packed spikes: step k, flat neuron i is bit `i % 32` of word
    /// `k·ceil(B·N/32) + i/32`. Empty unless spikes were recorded.
    pub raster: Vec<u32>,
    /// The run steps after which traces were sampled.
    pub sample_steps: Vec<usize>,
    /// The recorded neurons (flat indices).
    pub neurons: Vec<usize>,
    /// Per compartment: `sample_steps.len() × neurons.len()` values, sample-major.
    pub traces: BTreeMap<String, Vec<f32>>,
}

impl Recording {
    /// An empty recording of `steps` steps of a B×N population: the raster zeroed, and the
    /// traces allocated (`presized`, to be filled in place) or empty (to be extended).
    pub fn empty(batch: usize, n_units: usize, steps: usize, record: &Record, presized: bool) -> Recording {
        let sample_steps = record.sample_steps(steps);
        let size = if presized {
            sample_steps.len() * record.neurons.len()
        } else {
            0
        };
        Recording {
            steps,
            batch,
            n_units,
            raster: if record.spikes {
                vec![0; steps * words_per_step(batch * n_units)]
            } else {
                Vec::new()
            },
            neurons: if sample_steps.is_empty() {
                Vec::new()
            } else {
                record.neurons.clone()
            },
            traces: record
                .compartments
                .iter()
                .map(|c| (c.clone(), vec![0.0; size]))
                .collect(),
            sample_steps,
        }
    }

    /// Whether neuron `i` (flat) spiked on run step `k`.
    pub fn spiked(&self, k: usize, i: usize) -> bool {
        let words = words_per_step(self.batch * self.n_units);
        self.raster
            .get(k * words + i / 32)
            .is_some_and(|w| w >> (i % 32) & 1 == 1)
    }

    /// Every spike as `(step, batch row, unit)`, in step then neuron order.
    pub fn spike_events(&self) -> Vec<(usize, usize, usize)> {
        let total = self.batch * self.n_units;
        let words = words_per_step(total);
        let mut out = Vec::new();
        for (w, &word) in self.raster.iter().enumerate() {
            let mut bits = word;
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let (k, i) = (w / words, (w % words) * 32 + bit);
                if i < total {
                    out.push((k, i / self.n_units, i % self.n_units));
                }
            }
        }
        out
    }

    /// Spike count per neuron (flat) over the run.
    pub fn spike_counts(&self) -> Vec<u32> {
        let mut counts = vec![0u32; self.batch * self.n_units];
        for (_, b, n) in self.spike_events() {
            counts[b * self.n_units + n] += 1;
        }
        counts
    }

    /// The trace of compartment `name` for the `j`-th recorded neuron, one value per sample.
    pub fn trace(&self, name: &str, j: usize) -> Option<Vec<f32>> {
        let values = self.traces.get(name)?;
        let n = self.neurons.len();
        (j < n).then(|| values.iter().skip(j).step_by(n).copied().collect())
    }
}

/// Packs spikes (`s > 0`) of `values` (flat neurons `first..first + values.len()`, `first`
/// a multiple of 32) into `words` (the step's words from `first/32`).
pub fn pack_spikes(values: &[f32], words: &mut [u32]) {
    for (chunk, word) in values.chunks(32).zip(words.iter_mut()) {
        let mut packed = 0u32;
        for (bit, &x) in chunk.iter().enumerate() {
            packed |= u32::from(x > 0.0) << bit;
        }
        *word = packed;
    }
}
