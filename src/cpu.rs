//! [`CpuBackend`]: the reference implementation, one `Vec<f32>` per compartment, stepped by
//! each cell's `step_cpu`. Needs no GPU, ever.
//!
//! Two paths compute the same numbers:
//! * per step: the whole population, one step after another, on one thread (the reference);
//! * fused (cells without row passes): the neurons are cut into blocks of [`BLOCK`] (a few
//!   hundred KiB of state, cache-resident), each block runs all K steps before the next, and
//!   the blocks are shared out to every core with scoped threads.
//!
//! Each neuron's arithmetic is the same in both, so the results are bit-identical.

use crate::backend::{Backend, RunRequest};
use crate::cells::{CellModel, CellState, StateView};
use crate::error::Result;
use crate::run::{Recording, pack_spikes, words_per_step};

/// Neurons per block of the fused CPU path (a multiple of 32, so raster words never straddle
/// two blocks).
pub const BLOCK: usize = 4096;

/// The CPU reference backend.
#[derive(Debug, Clone)]
pub struct CpuBackend {
    state: CellState,
    threads: usize,
}

impl CpuBackend {
    /// A population of `cell` with its construction values; the fused path uses every core.
    pub fn new(cell: &dyn CellModel, batch: usize, n_units: usize) -> CpuBackend {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        CpuBackend {
            state: CellState::filled(batch, n_units, &cell.initial_values()),
            threads,
        }
    }

    /// Limits the fused path to `threads` threads (at least 1).
    pub fn with_threads(mut self, threads: usize) -> CpuBackend {
        self.threads = threads.max(1);
        self
    }

    /// The whole state, for inspection.
    pub fn state(&self) -> &CellState {
        &self.state
    }
}

impl CpuBackend {
    /// The reference: whole population, step by step.
    fn run_per_step(&mut self, cell: &dyn CellModel, req: &RunRequest<'_>, rec: &mut Recording) -> Result<()> {
        let total = self.state.batch * self.state.n_units;
        let (j_index, s_index) = (crate::cells::input_index(cell)?, crate::cells::spike_index(cell)?);
        let words = words_per_step(total);
        let samples = req.record.compartment_indices(cell)?;
        let mut next_sample = 0;
        for (k, step) in req.steps.iter().enumerate() {
            let abs = req.first_step + k as u64;
            req.drive.fill(k, abs, 0, total, &mut self.state.values[j_index]);
            cell.step_cpu(&mut self.state.view(), step);
            if req.record.spikes {
                pack_spikes(&self.state.values[s_index], &mut rec.raster[k * words..(k + 1) * words]);
            }
            if rec.sample_steps.get(next_sample) == Some(&k) {
                for (c, &index) in samples.iter().enumerate() {
                    let trace = rec
                        .traces
                        .get_mut(&req.record.compartments[c])
                        .expect("a trace per sampled compartment");
                    trace.extend(rec.neurons.iter().map(|&n| self.state.values[index][n]));
                }
                next_sample += 1;
            }
        }
        Ok(())
    }

    /// Blocks of neurons × all steps, blocks shared out to threads. Only for cells without row
    /// passes: each neuron's step depends on that neuron alone.
    fn run_fused(&mut self, cell: &dyn CellModel, req: &RunRequest<'_>, rec: &mut Recording) -> Result<()> {
        let total = self.state.batch * self.state.n_units;
        let (j_index, s_index) = (crate::cells::input_index(cell)?, crate::cells::spike_index(cell)?);
        let words = words_per_step(total);
        let samples = req.record.compartment_indices(cell)?;
        let n_blocks = total.div_ceil(BLOCK);
        let per_thread = n_blocks.div_ceil(self.threads);
        // Per block: its raster words (K × its words) and its sampled values.
        type BlockOut = (usize, Vec<u32>, Vec<(usize, usize, usize, f32)>);
        let mut slices: Vec<Vec<&mut [f32]>> = (0..n_blocks).map(|_| Vec::new()).collect();
        for values in self.state.values.iter_mut() {
            for (b, chunk) in values.chunks_mut(BLOCK).enumerate() {
                slices[b].push(chunk);
            }
        }
        let mut blocks: Vec<(usize, Vec<&mut [f32]>)> = slices.into_iter().enumerate().collect();
        let outputs: Vec<BlockOut> = std::thread::scope(|scope| {
            let handles: Vec<_> = blocks
                .chunks_mut(per_thread.max(1))
                .map(|group| {
                    let samples = &samples;
                    let rec_neurons = &rec.neurons;
                    let sample_steps = &rec.sample_steps;
                    scope.spawn(move || {
                        let mut out = Vec::new();
                        for (b, values) in group.iter_mut() {
                            let first = *b * BLOCK;
                            let len = values[0].len();
                            let block_words = len.div_ceil(32);
                            let mut raster = vec![
                                0u32;
                                if req.record.spikes {
                                    req.steps.len() * block_words
                                } else {
                                    0
                                }
                            ];
                            let mut traces = Vec::new();
                            let mut next_sample = 0;
                            let mut view = StateView {
                                batch: 1,
                                n_units: len,
                                values: values.iter_mut().map(|v| &mut v[..]).collect(),
                                first,
                            };
                            for (k, step) in req.steps.iter().enumerate() {
                                let abs = req.first_step + k as u64;
                                req.drive.fill(k, abs, first, total, view.values[j_index]);
                                cell.step_cpu(&mut view, step);
                                if req.record.spikes {
                                    pack_spikes(
                                        view.values[s_index],
                                        &mut raster[k * block_words..(k + 1) * block_words],
                                    );
                                }
                                if sample_steps.get(next_sample) == Some(&k) {
                                    for (c, &index) in samples.iter().enumerate() {
                                        for (slot, &n) in rec_neurons.iter().enumerate() {
                                            if (first..first + len).contains(&n) {
                                                traces.push((next_sample, c, slot, view.values[index][n - first]));
                                            }
                                        }
                                    }
                                    next_sample += 1;
                                }
                            }
                            out.push((*b, raster, traces));
                        }
                        out
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a CPU worker thread panicked"))
                .collect()
        });
        for (b, raster, traces) in outputs {
            if req.record.spikes {
                let first_word = b * BLOCK / 32;
                let block_words = raster.len() / req.steps.len();
                for k in 0..req.steps.len() {
                    rec.raster[k * words + first_word..k * words + first_word + block_words]
                        .copy_from_slice(&raster[k * block_words..(k + 1) * block_words]);
                }
            }
            let n = rec.neurons.len();
            for (sample, c, slot, value) in traces {
                let trace = rec
                    .traces
                    .get_mut(&req.record.compartments[c])
                    .expect("a trace per sampled compartment");
                trace[sample * n + slot] = value;
            }
        }
        Ok(())
    }
}

impl Backend for CpuBackend {
    fn describe(&self) -> String {
        format!("cpu ({} threads)", self.threads)
    }

    fn write(&mut self, index: usize, values: &[f32]) -> Result<()> {
        self.state.values[index].copy_from_slice(values);
        Ok(())
    }

    fn read(&mut self, index: usize) -> Result<Vec<f32>> {
        Ok(self.state.values[index].clone())
    }

    fn run(&mut self, cell: &dyn CellModel, req: RunRequest<'_>) -> Result<Recording> {
        let fused = req.mode.fuses(cell) && req.steps.len() > 1;
        let mut rec = Recording::empty(self.state.batch, self.state.n_units, req.steps.len(), req.record, fused);
        if fused {
            self.run_fused(cell, &req, &mut rec)?;
        } else {
            self.run_per_step(cell, &req, &mut rec)?;
        }
        Ok(rec)
    }
}
