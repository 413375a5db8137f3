//! The [`Backend`] trait: storage of one population's compartments and its multi-step runs.
//! Two implementations: [`crate::CpuBackend`] (the reference) and [`crate::GpuBackend`] (WGSL).

use crate::cells::{CellModel, StepInfo};
use crate::error::Result;
use crate::run::{DriveSpec, DriveStore, Record, Recording};

/// How a run of several steps executes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecMode {
    /// The fastest path the cell allows: fused (GPU: one dispatch for many steps; CPU: neuron
    /// blocks × steps on all cores) for cells without row passes, per step otherwise.
    #[default]
    Auto,
    /// One step after another over the whole population (GPU: one dispatch per step, all in
    /// one submission; CPU: the single-threaded reference loop).
    PerStep,
    /// Fused where the cell allows it (as `Auto`); a request that makes the intent explicit.
    Fused,
}

impl ExecMode {
    /// Whether this run of `cell` uses the fused path.
    pub fn fuses(self, cell: &dyn CellModel) -> bool {
        self != ExecMode::PerStep && !cell.has_row_passes()
    }
}

/// One run handed to a backend: everything already validated by [`crate::Population`].
#[derive(Debug, Clone, Copy)]
pub struct RunRequest<'a> {
    /// Per step: time, step size, subkeys.
    pub steps: &'a [StepInfo],
    /// Absolute step number (since construction) of `steps[0]`: keys the random drives.
    pub first_step: u64,
    /// Where inputs come from.
    pub drive: DriveSpec<'a>,
    /// What to record.
    pub record: &'a Record,
    /// Per-step or fused.
    pub mode: ExecMode,
}

/// Storage and stepping of one population. [`crate::Population`] owns one, validates every
/// argument, keeps the clock and the key chain, and calls these methods.
pub trait Backend {
    /// A one-line description: "cpu", or the adapter's name and API.
    fn describe(&self) -> String;

    /// Overwrites compartment `index` (length B·N, already checked).
    fn write(&mut self, index: usize, values: &[f32]) -> Result<()>;

    /// Reads compartment `index` back (length B·N).
    fn read(&mut self, index: usize) -> Result<Vec<f32>>;

    /// Runs `request.steps.len()` steps of `cell` and returns what was recorded. Afterwards
    /// `j` holds the last step's input (or what the cell stores there).
    fn run(&mut self, cell: &dyn CellModel, request: RunRequest<'_>) -> Result<Recording>;

    /// Waits until all submitted work is complete (a no-op on the CPU).
    fn synchronize(&mut self) -> Result<()> {
        Ok(())
    }

    /// Keeps the values of a drive (already checked: B·N or K·B·N finite values) where this
    /// backend's runs read them, for [`crate::Population::upload_drive`]. By default a shared host
    /// copy; the GPU backend uploads them to a storage buffer.
    fn upload_drive(&mut self, values: &[f32]) -> Result<DriveStore> {
        Ok(DriveStore::Host(values.into()))
    }
}

impl<B: Backend + ?Sized> Backend for Box<B> {
    fn describe(&self) -> String {
        (**self).describe()
    }
    fn write(&mut self, index: usize, values: &[f32]) -> Result<()> {
        (**self).write(index, values)
    }
    fn read(&mut self, index: usize) -> Result<Vec<f32>> {
        (**self).read(index)
    }
    fn run(&mut self, cell: &dyn CellModel, request: RunRequest<'_>) -> Result<Recording> {
        (**self).run(cell, request)
    }
    fn synchronize(&mut self) -> Result<()> {
        (**self).synchronize()
    }
    fn upload_drive(&mut self, values: &[f32]) -> Result<DriveStore> {
        (**self).upload_drive(values)
    }
}
