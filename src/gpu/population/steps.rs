//! Driving a population one step at a time from someone else's compute pass, with `j` as its
//! input: what a network does every step. [`StepSlots`] are allocated once (a uniform buffer of
//! step slots and its bind groups); each run only writes the slots and records dispatches, so a
//! network step allocates nothing.

use wgpu::util::DeviceExt;

use super::GpuBackend;
use super::run::{padded_slots, uniform_for};
use crate::cells::{CellModel, StepInfo};
use crate::run::DriveSpec;

/// A population's persistent per-step resources: `capacity` uniform slots and the bind groups
/// that use them.
#[derive(Debug)]
pub struct StepSlots {
    uniforms: wgpu::Buffer,
    bind0: wgpu::BindGroup,
    bind1: Option<wgpu::BindGroup>,
    capacity: usize,
}

impl StepSlots {
    /// How many steps one write can hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl GpuBackend {
    /// Allocates `capacity` step slots (input from `j`, nothing recorded).
    pub fn step_slots(&self, capacity: usize) -> StepSlots {
        let device = &self.ctx.device;
        let capacity = capacity.max(1);
        let uniforms = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("steps.slots"),
            size: capacity as u64 * self.step_stride,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        // Element-wise pipelines declare group 1 (the fused kernel's table and raster): per-step
        // dispatches never touch it, but it must be bound; two distinct small buffers, as a
        // read-only and a writable binding may not alias.
        let bind1 = self.has_group1.then(|| {
            let small = |label: &str| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some(label),
                    contents: &[0u8; 16],
                    usage: wgpu::BufferUsages::STORAGE,
                })
            };
            self.bind1(&small("steps.table"), &small("steps.raster"))
        });
        StepSlots {
            bind0: self.bind0(&uniforms, &self.placeholder),
            bind1,
            uniforms,
            capacity,
        }
    }

    /// Writes one slot per step (queued before the next submission).
    pub fn write_step_slots(&self, slots: &StepSlots, cell: &dyn CellModel, steps: &[StepInfo]) {
        if let Some(first) = steps.first() {
            self.write_step_constant_planes(cell, first.dt);
        }
        let uniforms: Vec<_> = steps
            .iter()
            .take(slots.capacity)
            .map(|s| uniform_for(cell, s, &DriveSpec::Current))
            .collect();
        self.ctx
            .queue
            .write_buffer(&slots.uniforms, 0, &padded_slots(&uniforms, self.step_stride));
    }

    /// Records the step of slot `slot` (row passes included) into `pass`.
    pub fn encode_step(&self, pass: &mut wgpu::ComputePass<'_>, slots: &StepSlots, slot: usize) {
        pass.set_bind_group(0, &slots.bind0, &[(slot as u64 * self.step_stride) as u32]);
        if let Some(bind1) = &slots.bind1 {
            pass.set_bind_group(1, bind1, &[]);
        }
        self.dispatch_step(pass);
    }

    /// The dispatches of one step with bind groups already set: the row passes around the
    /// element step, or the chunk passes of long rows (shared by runs and by networks).
    pub(super) fn dispatch_step(&self, pass: &mut wgpu::ComputePass<'_>) {
        if !self.pipelines_chunked.is_empty() {
            for (p, g) in &self.pipelines_chunked {
                pass.set_pipeline(p);
                pass.dispatch_workgroups(g.0, g.1, 1);
            }
            return;
        }
        if let Some(p) = &self.pipeline_row_pre {
            pass.set_pipeline(p);
            pass.dispatch_workgroups(self.row_grid.0, self.row_grid.1, 1);
        }
        pass.set_pipeline(&self.pipeline_step);
        let g = if self.step_per_row {
            self.row_grid
        } else {
            self.element_grid
        };
        pass.dispatch_workgroups(g.0, g.1, 1);
        if let Some(p) = &self.pipeline_row_post {
            pass.set_pipeline(p);
            pass.dispatch_workgroups(self.row_grid.0, self.row_grid.1, 1);
        }
    }
}
