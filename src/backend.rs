//! The [`Backend`] trait: storage of one population's compartments and the step loop. Two
//! implementations: [`crate::CpuBackend`] (the reference) and [`crate::GpuBackend`] (WGSL).

use crate::cells::{CellModel, StepInfo};
use crate::error::Result;

/// Where a step's input current comes from.
#[derive(Debug, Clone, Copy)]
pub enum StepInput<'a> {
    /// The `j` compartment as it is (set by [`Backend::write`]).
    Compartment,
    /// One B×N slice per step, `steps.len()` slices back to back (K×B×N, row-major). After the
    /// run, `j` holds the last slice, as in ngclearn where the user sets `j` before each step.
    Buffer(&'a [f32]),
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

    /// Advances `steps.len()` steps of `cell`; inputs already checked for length and finiteness.
    fn advance(&mut self, cell: &dyn CellModel, steps: &[StepInfo], input: StepInput<'_>) -> Result<()>;
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
    fn advance(&mut self, cell: &dyn CellModel, steps: &[StepInfo], input: StepInput<'_>) -> Result<()> {
        (**self).advance(cell, steps, input)
    }
}
