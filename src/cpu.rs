//! [`CpuBackend`]: the reference implementation, one `Vec<f32>` per compartment, stepped by
//! each cell's `step_cpu`. Needs no GPU, ever.
//!
//! Three paths compute the same numbers:
//! * per step: the whole population, one step after another, on one thread (the reference);
//! * fused (cells without row passes): the neurons are cut into blocks ([`block_for`]: tens of
//!   KiB of state, level-1 cache resident), each block runs all K steps before the next, and
//!   the blocks are shared out to every core with scoped threads;
//! * split rows (WTAS, one long row): each core owns a run of the row's reduction chunks and
//!   the cores step together, combining their partial sums in the one-thread order
//!   ([`crate::team`]).
//!
//! Each neuron's arithmetic is the same in all three, so the results are bit-identical. The
//! cells' element loops are vectorised: [`crate::simd`] runs the AVX-512, AVX2 or baseline copy
//! of each loop, whichever this CPU has, and every copy computes the same bits.

use crate::backend::{Backend, ExecMode, RunRequest};
use crate::cells::{CellModel, CellState, StateView, StepInfo};
use crate::error::Result;
use crate::reductions::ROW_CHUNK;
use crate::run::{Recording, pack_spikes, words_per_step};
use crate::team::Team;

/// Bytes of state per block of the fused CPU path: a block stays in a core's level-1 data cache
/// (48 KiB on the Xeon it was measured on) across all K steps.
pub const BLOCK_BYTES: usize = 40 * 1024;

/// Neurons per block of the fused CPU path for a cell with `compartments` compartments:
/// [`BLOCK_BYTES`] of state, rounded down to a multiple of 256 (so raster words never straddle
/// two blocks), between 256 and 4096. Measured on the 2-core Xeon: IF (5 compartments) runs
/// fastest at 2048 and LIF (9) at 1024; 4096 ran LIF 2.1× and IF 1.8× slower, 512 up to 20 %.
pub fn block_for(compartments: usize) -> usize {
    (BLOCK_BYTES / (4 * compartments.max(1)) / 256 * 256).clamp(256, 4096)
}

/// Whether a run writes the drive into the input every step: a drive that is the same every
/// step is written once (per run, or per fused block), unless the cell overwrites its input
/// (one load and one store less per neuron-step).
fn refills_input(req: &RunRequest<'_>, cell: &dyn CellModel) -> bool {
    req.drive.varies_per_step() || cell.overwrites_input()
}

/// Whether runs of `cell` on a CPU backend with `threads` threads, other than per-step ones,
/// split its row over the threads ([`crate::team`]): one row, longer than a reduction chunk,
/// of a cell that [splits rows](CellModel::splits_rows).
pub fn splits_row(cell: &dyn CellModel, batch: usize, n_units: usize, threads: usize) -> bool {
    cell.splits_rows() && batch == 1 && n_units > ROW_CHUNK && threads > 1
}

/// The threads a [`CpuBackend`] runs on: every core the process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The CPU reference backend.
#[derive(Debug, Clone)]
pub struct CpuBackend {
    state: CellState,
    threads: usize,
}

impl CpuBackend {
    /// A population of `cell` with its construction values; the fused path uses every core.
    pub fn new(cell: &dyn CellModel, batch: usize, n_units: usize) -> CpuBackend {
        let threads = default_threads();
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
        let refill = refills_input(req, cell);
        for (k, step) in req.steps.iter().enumerate() {
            let abs = req.first_step + k as u64;
            if k == 0 || refill {
                req.drive.fill(k, abs, 0, total, &mut self.state.values[j_index]);
            }
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
        let block = block_for(self.state.values.len());
        let bounds: Vec<usize> = (0..total).step_by(block).chain([total]).collect();
        let per_thread = (bounds.len() - 1).div_ceil(self.threads);
        self.run_blocks(cell, req, rec, &bounds, per_thread, &|view, step, _| {
            cell.step_cpu(view, step)
        })
    }

    /// One long row split over threads on chunk boundaries ([`crate::team`]), all threads
    /// stepping together; for cells that [split rows](CellModel::splits_rows).
    fn run_split_row(&mut self, cell: &dyn CellModel, req: &RunRequest<'_>, rec: &mut Recording) -> Result<()> {
        let n = self.state.n_units;
        let threads = self.threads.min(n.div_ceil(ROW_CHUNK));
        let team = Team::new(threads, n);
        let bounds: Vec<usize> = team.ranges().iter().map(|r| r.start).chain([n]).collect();
        self.run_blocks(cell, req, rec, &bounds, 1, &|view, step, worker| {
            // A worker that panics must not leave the others at the barrier for ever.
            let _guard = team.poison_on_panic();
            cell.step_cpu_part(view, step, &team.part(worker, view.first))
        })
    }

    /// Runs all steps on blocks of neurons (`bounds[b]..bounds[b + 1]`, starts multiples of 32),
    /// `per_thread` consecutive blocks to a thread, each block through all steps before the
    /// next, stepped by `step_block(view, step, thread)`.
    fn run_blocks(
        &mut self,
        cell: &dyn CellModel,
        req: &RunRequest<'_>,
        rec: &mut Recording,
        bounds: &[usize],
        per_thread: usize,
        step_block: &(dyn Fn(&mut StateView<'_>, &StepInfo, usize) + Sync),
    ) -> Result<()> {
        let total = self.state.batch * self.state.n_units;
        let (j_index, s_index) = (crate::cells::input_index(cell)?, crate::cells::spike_index(cell)?);
        let words = words_per_step(total);
        let samples = req.record.compartment_indices(cell)?;
        let refill = refills_input(req, cell);
        let n_blocks = bounds.len() - 1;
        // Per block: its raster words (K × its words) and its sampled values.
        type BlockOut = (usize, Vec<u32>, Vec<(usize, usize, usize, f32)>);
        let mut slices: Vec<Vec<&mut [f32]>> = (0..n_blocks).map(|_| Vec::new()).collect();
        for values in self.state.values.iter_mut() {
            let mut rest = &mut values[..];
            for (b, w) in bounds.windows(2).enumerate() {
                let (chunk, tail) = rest.split_at_mut(w[1] - w[0]);
                slices[b].push(chunk);
                rest = tail;
            }
        }
        let mut blocks: Vec<(usize, Vec<&mut [f32]>)> = slices.into_iter().enumerate().collect();
        let samples = &samples;
        let (rec_neurons, sample_steps) = (&rec.neurons, &rec.sample_steps);
        // One thread's consecutive blocks, each through all steps.
        let run_group = |thread: usize, group: &mut [(usize, Vec<&mut [f32]>)]| -> Vec<BlockOut> {
            let mut out = Vec::new();
            for (b, values) in group.iter_mut() {
                let first = bounds[*b];
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
                    if k == 0 || refill {
                        req.drive.fill(k, abs, first, total, view.values[j_index]);
                    }
                    step_block(&mut view, step, thread);
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
        };
        let outputs: Vec<BlockOut> = std::thread::scope(|scope| {
            let mut groups = blocks.chunks_mut(per_thread.max(1)).enumerate();
            let first = groups.next();
            let run_group = &run_group;
            let handles: Vec<_> = groups
                .map(|(thread, group)| scope.spawn(move || run_group(thread, group)))
                .collect();
            // The calling thread runs the first group itself rather than waiting: the spawned
            // threads then start beside a busy core. When it waited, a new thread sometimes
            // started on the same core as another and a run of a few milliseconds ended before
            // the scheduler moved it: a fused LIF or IF run at half speed, 1 run in 5.
            let mut outputs = first.map_or_else(Vec::new, |(thread, group)| run_group(thread, group));
            for handle in handles {
                outputs.extend(handle.join().expect("a CPU worker thread panicked"));
            }
            outputs
        });
        for (b, raster, traces) in outputs {
            if req.record.spikes {
                let first_word = bounds[b] / 32;
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
        format!("cpu ({} threads, {})", self.threads, crate::simd::level().name())
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
        // One long row over threads: the per-step path's numbers, from every core.
        let split = !fused
            && req.mode != ExecMode::PerStep
            && splits_row(cell, self.state.batch, self.state.n_units, self.threads);
        let presized = fused || split;
        let mut rec = Recording::empty(
            self.state.batch,
            self.state.n_units,
            req.steps.len(),
            req.record,
            presized,
        );
        if fused {
            self.run_fused(cell, &req, &mut rec)?;
        } else if split {
            self.run_split_row(cell, &req, &mut rec)?;
        } else {
            self.run_per_step(cell, &req, &mut rec)?;
        }
        Ok(rec)
    }
}
