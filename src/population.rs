//! [`Population`]: one cell model × (batch, n_units), one key chain, one clock, on a backend.
//!
//! ```
//! use spikegpu::{Population, cells::{LifCell, LifParams}};
//! let cell = LifCell::new(LifParams::with_tau_m(10.0))?;
//! let mut pop = Population::cpu(Box::new(cell), 100, 1, 42)?;
//! pop.set_input(&vec![30.0; 100])?;
//! for _ in 0..200 {
//!     pop.step(0.1)?;
//! }
//! let spikes = pop.read("s")?;
//! assert_eq!(spikes.len(), 100);
//! # Ok::<(), spikegpu::Error>(())
//! ```

mod drives;

use std::sync::Arc;

use crate::backend::{Backend, ExecMode, RunRequest};
use crate::cells::{CellModel, StepInfo, compartment_index, input_index};
use crate::cpu::CpuBackend;
use crate::error::{Error, Result};
use crate::gpu::{GpuBackend, GpuContext};
use crate::rng::Key;
use crate::run::{Drive, DriveSpec, Record, Recording};

/// A population of `batch × n_units` cells of one model on one backend.
///
/// Time: step `k` after construction or [`reset`](Population::reset) gets the time stamp
/// `t = f32(t0 + k·dt)`, computed in f64 as ngclearn users do (`t0` = 0 unless set with
/// [`set_time`](Population::set_time)). The time only feeds `tols`.
///
/// Key: the population's PRNG key is ngclearn's `key` compartment. Cells that draw every step
/// (LIF with `one_spike`) split it each step, exactly as the reference; `reset` leaves it alone.
#[derive(Debug)]
pub struct Population<B: Backend> {
    cell: Box<dyn CellModel>,
    backend: B,
    batch: usize,
    n_units: usize,
    key: Key,
    init_key: Key,
    clock: Clock,
    /// Unique within the process: names the population in uploaded drives' handles.
    id: u64,
}

/// The population's clock: one step counter for its whole life (random drives are keyed by
/// it), and the step at which the time stamps last restarted at `t0` (construction, `reset`,
/// `set_time`, a new step size).
#[derive(Debug, Clone, Copy, Default)]
struct Clock {
    /// Steps taken since construction.
    steps: u64,
    /// The value of `steps` when the time stamps restarted at `t0`.
    origin: u64,
    /// The time stamp of the step at `origin`.
    t0: f64,
    /// The step size of the steps since `origin` (none before the first step).
    dt: Option<f64>,
}

impl Clock {
    /// `t0 + k·dt` in f64 for the k-th step since the origin.
    fn time_at(&self, steps: u64, dt: f64) -> f64 {
        self.t0 + (steps - self.origin) as f64 * dt
    }

    /// The time stamp the next step will get.
    fn next_time(&self) -> f64 {
        self.time_at(self.steps, self.dt.unwrap_or(0.0))
    }

    /// The next step is stamped `t0`.
    fn restart(&mut self, t0: f64) {
        self.t0 = t0;
        self.origin = self.steps;
    }

    /// The float32 time stamp of the next step of size `dt`; advances one step. A new step
    /// size keeps the elapsed time and counts steps from there.
    fn tick(&mut self, dt: f64) -> f32 {
        if self.dt != Some(dt) {
            self.restart(self.next_time());
            self.dt = Some(dt);
        }
        let t = self.time_at(self.steps, dt) as f32;
        self.steps += 1;
        t
    }
}

fn check_shape(n_units: usize, batch: usize) -> Result<()> {
    if n_units == 0 {
        return Err(Error::InvalidShape("n_units must be at least 1".into()));
    }
    if batch == 0 {
        return Err(Error::InvalidShape("batch must be at least 1".into()));
    }
    match n_units.checked_mul(batch) {
        Some(total) if total <= u32::MAX as usize => Ok(()),
        _ => Err(Error::InvalidShape(format!(
            "batch × n_units = {batch} × {n_units} exceeds 2^32 − 1 elements"
        ))),
    }
}

/// A step size must be positive and finite, in f64 and once rounded to f32.
fn check_dt(dt: f64) -> Result<()> {
    let dt32 = dt as f32;
    if dt.is_finite() && dt > 0.0 && dt32 > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidDt(dt32))
    }
}

fn check_finite(what: &str, values: &[f32]) -> Result<()> {
    match values.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Error::NonFiniteInput {
            what: what.to_string(),
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

impl Population<CpuBackend> {
    /// A population on the CPU reference backend. `seed` gives the key
    /// [`Key::from_seed`] (`jax.random.PRNGKey(seed)`).
    pub fn cpu(cell: Box<dyn CellModel>, n_units: usize, batch: usize, seed: u64) -> Result<Self> {
        check_shape(n_units, batch)?;
        crate::cells::heterogeneous::check_units(cell.as_ref(), n_units)?;
        let backend = CpuBackend::new(cell.as_ref(), batch, n_units);
        Population::assemble(cell, backend, n_units, batch, seed)
    }
}

impl Population<GpuBackend> {
    /// Compartment `name` on the GPU: `array<f32>` of length batch × n_units, row-major (element
    /// `b·N + n`), usage STORAGE | COPY_SRC | COPY_DST. The input `j` has a buffer of its own;
    /// every other compartment is a slice of the population's state buffer at an offset the
    /// adapter can bind. Bind it with
    /// [`CompartmentBuffer::binding`](crate::gpu::buffers::CompartmentBuffer::binding), copy
    /// with its `buffer` and `offset`. Application kernels may read any compartment (`s`, `v`,
    /// …) and write the input `j` between steps; see the embedding guide in the crate docs for
    /// the ordering rules. wgpu tracks usage per buffer, so one dispatch binds the compartments
    /// of one population's state buffer either all read-only or all read-write.
    pub fn gpu_buffer(&self, name: &str) -> Result<crate::gpu::buffers::CompartmentBuffer<'_>> {
        Ok(self.backend.buffer(compartment_index(self.cell.as_ref(), name)?))
    }

    /// Records `steps` steps into the caller's command encoder instead of submitting them, so
    /// one submission can interleave application kernels and cell steps. Nothing is recorded
    /// (read compartments, or use [`Population::run`], for that) and the steps must fit one
    /// chunk (the adapter's binding size for a buffer drive). The clock and key advance now;
    /// the work happens when the caller submits the encoder.
    pub fn encode_run(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        steps: usize,
        dt: f64,
        drive: Drive<'_>,
    ) -> Result<()> {
        check_dt(dt)?;
        self.check_uploaded(&drive)?;
        let spec = drive.resolve(steps, self.batch * self.n_units, dt)?;
        let first_step = self.clock.steps;
        let infos = self.next_steps(steps, dt)?;
        let request = RunRequest {
            steps: &infos,
            first_step,
            drive: spec,
            record: &Record::none(),
            mode: ExecMode::Auto,
        };
        self.backend.encode_into(self.cell.as_ref(), request, encoder)
    }

    /// A population on the GPU of `ctx`.
    pub fn gpu(
        ctx: &Arc<GpuContext>,
        cell: Box<dyn CellModel>,
        n_units: usize,
        batch: usize,
        seed: u64,
    ) -> Result<Self> {
        check_shape(n_units, batch)?;
        crate::cells::heterogeneous::check_units(cell.as_ref(), n_units)?;
        let backend = GpuBackend::new(ctx.clone(), cell.as_ref(), batch, n_units)?;
        Population::assemble(cell, backend, n_units, batch, seed)
    }
}

impl<B: Backend> Population<B> {
    fn assemble(cell: Box<dyn CellModel>, backend: B, n_units: usize, batch: usize, seed: u64) -> Result<Self> {
        let key = Key::from_seed(seed);
        let mut pop = Population {
            cell,
            backend,
            batch,
            n_units,
            key,
            init_key: key,
            clock: Clock::default(),
            id: drives::next_id(),
        };
        pop.write_drawn()?;
        Ok(pop)
    }

    /// Writes the construction draws (e.g. WTAS threshold jitter), broadcast to every row.
    fn write_drawn(&mut self) -> Result<()> {
        self.write_rows(self.cell.drawn_initial(self.init_key, self.n_units))
    }

    /// Writes `(compartment index, N values)` rows, broadcast to every batch row.
    fn write_rows(&mut self, rows: Vec<(usize, Vec<f32>)>) -> Result<()> {
        for (index, row) in rows {
            let all: Vec<f32> = (0..self.batch).flat_map(|_| row.iter().copied()).collect();
            self.backend.write(index, &all)?;
        }
        Ok(())
    }

    /// Moves the population to another backend type (e.g. boxes it as `Box<dyn Backend>`),
    /// keeping the cell, key and clock.
    pub fn map_backend<C: Backend>(self, f: impl FnOnce(B) -> C) -> Population<C> {
        Population {
            cell: self.cell,
            backend: f(self.backend),
            batch: self.batch,
            n_units: self.n_units,
            key: self.key,
            init_key: self.init_key,
            clock: self.clock,
            id: self.id,
        }
    }

    /// The cell model.
    pub fn cell(&self) -> &dyn CellModel {
        self.cell.as_ref()
    }

    /// The backend (e.g. to reach the GPU buffers).
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The backend, mutably (e.g. to turn on GPU timestamps).
    pub fn backend_mut(&mut self) -> &mut B {
        &mut self.backend
    }

    /// Waits until all submitted work is complete (GPU runs return once submitted).
    pub fn synchronize(&mut self) -> Result<()> {
        self.backend.synchronize()
    }

    /// Units per batch row.
    pub fn n_units(&self) -> usize {
        self.n_units
    }

    /// Batch rows.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The current PRNG key (ngclearn's `key` compartment).
    pub fn key(&self) -> Key {
        self.key
    }

    /// Replaces the PRNG key (the key chain of per-step draws; construction draws keep the
    /// key the population was built with).
    pub fn set_key(&mut self, key: Key) {
        self.key = key;
    }

    /// The time stamp the next step will get.
    pub fn next_time(&self) -> f64 {
        self.clock.next_time()
    }

    /// Restarts the clock at `t0` (the next step is stamped `t0`).
    pub fn set_time(&mut self, t0: f64) {
        self.clock.restart(t0);
    }

    /// Sets the input current `j` (length batch·n_units, row-major, finite).
    pub fn set_input(&mut self, j: &[f32]) -> Result<()> {
        let index = input_index(self.cell.as_ref())?;
        self.write_index(index, j)
    }

    /// Overwrites any compartment (e.g. to load a saved state).
    pub fn write(&mut self, name: &str, values: &[f32]) -> Result<()> {
        let index = compartment_index(self.cell.as_ref(), name)?;
        self.write_index(index, values)
    }

    /// Reads any compartment (length batch·n_units, row-major).
    pub fn read(&mut self, name: &str) -> Result<Vec<f32>> {
        let index = compartment_index(self.cell.as_ref(), name)?;
        self.backend.read(index)
    }

    /// Advances one step of size `dt` (ms) with the current `j`.
    pub fn step(&mut self, dt: f64) -> Result<()> {
        check_dt(dt)?;
        let first_step = self.clock.steps;
        let infos = self.next_steps(1, dt)?;
        let request = RunRequest {
            steps: &infos,
            first_step,
            drive: DriveSpec::Current,
            record: &Record::none(),
            mode: ExecMode::PerStep,
        };
        self.backend.run(self.cell.as_ref(), request).map(|_| ())
    }

    /// Runs `steps` steps of size `dt` (ms) with the given drive, recording what `record`
    /// asks for, without a host round trip between steps (on the GPU: one submission, split
    /// only where the input or raster would exceed the adapter's storage binding size). The
    /// fastest path the cell allows is used ([`ExecMode::Auto`]); see [`Population::run_with`].
    /// Afterwards `j` holds the last step's input, as when ngclearn's user sets `j` each step.
    pub fn run(&mut self, steps: usize, dt: f64, drive: Drive<'_>, record: &Record) -> Result<Recording> {
        self.run_with(steps, dt, drive, record, ExecMode::Auto)
    }

    /// [`Population::run`] with an explicit execution mode (per step, or fused).
    pub fn run_with(
        &mut self,
        steps: usize,
        dt: f64,
        drive: Drive<'_>,
        record: &Record,
        mode: ExecMode,
    ) -> Result<Recording> {
        check_dt(dt)?;
        let total = self.batch * self.n_units;
        self.check_uploaded(&drive)?;
        let spec = drive.resolve(steps, total, dt)?;
        self.check_record(record)?;
        let first_step = self.clock.steps;
        let infos = self.next_steps(steps, dt)?;
        let request = RunRequest {
            steps: &infos,
            first_step,
            drive: spec,
            record,
            mode,
        };
        self.backend.run(self.cell.as_ref(), request)
    }

    /// The host memory (bytes) a run's recording will take, known before it starts.
    pub fn recording_bytes(&self, steps: usize, record: &Record) -> u64 {
        record.bytes(steps, self.batch * self.n_units)
    }

    fn check_record(&self, record: &Record) -> Result<()> {
        if record.every == 0 {
            return Err(Error::InvalidParameter {
                name: "every",
                value: "0".into(),
                reason: "sample every ≥ 1 steps",
            });
        }
        for name in &record.compartments {
            compartment_index(self.cell.as_ref(), name)?;
        }
        let total = self.batch * self.n_units;
        if let Some(&bad) = record.neurons.iter().find(|&&n| n >= total) {
            return Err(Error::InvalidParameter {
                name: "neurons",
                value: bad.to_string(),
                reason: "a recorded neuron's flat index b·N + n must be below batch × n_units",
            });
        }
        crate::cells::spike_index(self.cell.as_ref())?;
        Ok(())
    }

    /// ngclearn's `reset()`: every compartment back to its reset value (the cell decides which
    /// ones persist, e.g. LIF's `thr_theta`), the clock back to `t0`; the key is kept.
    pub fn reset(&mut self) -> Result<()> {
        let total = self.batch * self.n_units;
        for (index, value) in self.cell.reset_values().into_iter().enumerate() {
            if let Some(value) = value {
                self.backend.write(index, &vec![value; total])?;
            }
        }
        self.write_rows(self.cell.per_neuron_reset())?;
        if self.cell.reset_restores_drawn() {
            self.write_drawn()?;
        }
        self.clock.restart(self.clock.t0);
        Ok(())
    }

    fn write_index(&mut self, index: usize, values: &[f32]) -> Result<()> {
        let name = self.cell.compartments()[index].name;
        let expected = self.batch * self.n_units;
        if values.len() != expected {
            return Err(Error::InputLength {
                what: name.to_string(),
                got: values.len(),
                expected,
            });
        }
        check_finite(name, values)?;
        self.backend.write(index, values)
    }

    /// The time stamps and subkeys of the next `steps` steps; advances the clock and the key.
    fn next_steps(&mut self, steps: usize, dt: f64) -> Result<Vec<StepInfo>> {
        let dt32 = dt as f32;
        let draws = self.cell.draws_every_step();
        let mut infos = Vec::with_capacity(steps);
        for _ in 0..steps {
            let subkey = if draws {
                let (next, sub) = self.key.split();
                self.key = next;
                sub
            } else {
                self.key
            };
            infos.push(StepInfo {
                t: self.clock.tick(dt),
                dt: dt32,
                half_dt: dt32 * 0.5,
                subkey,
                init_key: self.init_key,
            });
        }
        Ok(infos)
    }
}
