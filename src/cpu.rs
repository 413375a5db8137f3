//! [`CpuBackend`]: the reference implementation, one `Vec<f32>` per compartment, stepped by
//! each cell's `step_cpu`. Needs no GPU, ever.

use crate::backend::{Backend, StepInput};
use crate::cells::{CellModel, CellState, Role, StepInfo};
use crate::error::Result;

/// The CPU reference backend.
#[derive(Debug, Clone)]
pub struct CpuBackend {
    state: CellState,
}

impl CpuBackend {
    /// A population of `cell` with its construction values.
    pub fn new(cell: &dyn CellModel, batch: usize, n_units: usize) -> CpuBackend {
        CpuBackend {
            state: CellState::filled(batch, n_units, &cell.initial_values()),
        }
    }

    /// The whole state, for inspection.
    pub fn state(&self) -> &CellState {
        &self.state
    }
}

impl Backend for CpuBackend {
    fn describe(&self) -> String {
        "cpu".to_string()
    }

    fn write(&mut self, index: usize, values: &[f32]) -> Result<()> {
        self.state.values[index].copy_from_slice(values);
        Ok(())
    }

    fn read(&mut self, index: usize) -> Result<Vec<f32>> {
        Ok(self.state.values[index].clone())
    }

    fn advance(&mut self, cell: &dyn CellModel, steps: &[StepInfo], input: StepInput<'_>) -> Result<()> {
        let input_index = cell.compartments().iter().position(|c| c.role == Role::Input);
        let total = self.state.batch * self.state.n_units;
        for (k, step) in steps.iter().enumerate() {
            // A cell that overwrites j (SLIF) still reads this step's input from it first.
            if let (StepInput::Buffer(all), Some(j)) = (input, input_index) {
                self.state.values[j].copy_from_slice(&all[k * total..(k + 1) * total]);
            }
            cell.step_cpu(&mut self.state, step);
        }
        Ok(())
    }
}
