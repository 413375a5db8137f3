//! [`GpuBackend`]: one population's compartments as storage buffers, stepped by the cell's WGSL
//! kernel.
//!
//! Binding convention of every cell kernel (`shaders/cells/<key>.wgsl`):
//! `0` per-step uniform (dynamic offset), `1` dims, `2` cell parameters, `3` the K×B×N input
//! of a run (read-only; a placeholder when stepping from `j`), `4…` every compartment in
//! [`CellModel::compartments`] order (read-write, `j` included), then the cell's scratch buffer
//! for row passes.

use std::sync::Arc;

use wgpu::util::DeviceExt;

use super::buffers::{Dims, StepUniform, WORKGROUP_SIZE, grid, read_f32};
use super::context::GpuContext;
use super::shaders;
use crate::backend::{Backend, StepInput};
use crate::cells::{CellModel, Role, StepInfo};
use crate::error::{Error, Result};

/// The GPU backend of one population.
#[derive(Debug)]
pub struct GpuBackend {
    ctx: Arc<GpuContext>,
    total: usize,
    input_index: usize,
    compartments: Vec<wgpu::Buffer>,
    row_scratch: wgpu::Buffer,
    params: wgpu::Buffer,
    dims: wgpu::Buffer,
    staging: wgpu::Buffer,
    steps: wgpu::Buffer,
    steps_capacity: usize,
    step_stride: u64,
    layout: wgpu::BindGroupLayout,
    no_run_input: wgpu::Buffer,
    bind_from_j: wgpu::BindGroup,
    pipeline_step: wgpu::ComputePipeline,
    pipeline_row_pre: Option<wgpu::ComputePipeline>,
    pipeline_row_post: Option<wgpu::ComputePipeline>,
    element_grid: (u32, u32),
    row_grid: (u32, u32),
    step_per_row: bool,
}

fn storage_entry(binding: u32, read_only: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Storage { read_only },
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

fn uniform_entry(binding: u32, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: dynamic,
            min_binding_size: None,
        },
        count: None,
    }
}

fn check_limit(limit: &'static str, available: u64, needed: u64) -> Result<()> {
    if needed > available {
        Err(Error::AdapterLimit {
            limit,
            available,
            needed,
        })
    } else {
        Ok(())
    }
}

impl GpuBackend {
    /// Creates the buffers and pipelines of a population of `cell` with its construction values.
    pub fn new(ctx: Arc<GpuContext>, cell: &dyn CellModel, batch: usize, n_units: usize) -> Result<GpuBackend> {
        let limits = ctx.device.limits();
        let comps = cell.compartments();
        let input_index = comps
            .iter()
            .position(|c| c.role == Role::Input)
            .ok_or_else(|| Error::UnknownCell(format!("{} has no input compartment", cell.entry().class_name)))?;
        let total = batch * n_units;
        let bytes = (total as u64) * 4;
        check_limit(
            "max_storage_buffer_binding_size",
            limits.max_storage_buffer_binding_size,
            bytes,
        )?;
        check_limit("max_buffer_size", limits.max_buffer_size, bytes)?;
        // The run input, every compartment and the scratch buffer are storage bindings of one stage.
        check_limit(
            "max_storage_buffers_per_shader_stage",
            u64::from(limits.max_storage_buffers_per_shader_stage),
            comps.len() as u64 + 2,
        )?;
        let scratch_bytes = (cell.gpu_scratch_words(batch, n_units) as u64 * 4).max(4);
        check_limit(
            "max_storage_buffer_binding_size",
            limits.max_storage_buffer_binding_size,
            scratch_bytes,
        )?;
        let max_dim = limits.max_compute_workgroups_per_dimension;
        let element_groups = u32::try_from(total.div_ceil(WORKGROUP_SIZE as usize))
            .map_err(|_| Error::InvalidShape(format!("{total} elements are too many for one dispatch grid")))?;
        let element_grid = grid(element_groups, max_dim);
        let row_grid = grid(batch as u32, max_dim);
        let label = cell.entry().key;

        ctx.checked("creating the population's buffers and pipelines", || {
            let device = &ctx.device;
            let compartments: Vec<wgpu::Buffer> = cell
                .initial_values()
                .iter()
                .zip(comps)
                .map(|(&value, comp)| {
                    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some(&format!("{label}.{}", comp.name)),
                        contents: bytemuck::cast_slice(&vec![value; total]),
                        usage: wgpu::BufferUsages::STORAGE
                            | wgpu::BufferUsages::COPY_SRC
                            | wgpu::BufferUsages::COPY_DST,
                    })
                })
                .collect();
            let row_scratch = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(&format!("{label}.row_scratch")),
                size: scratch_bytes,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            });
            let mut words = cell.gpu_params();
            words.resize(words.len().div_ceil(4).max(1) * 4, 0);
            let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{label}.params")),
                contents: bytemuck::cast_slice(&words),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let dims_value = Dims {
                n_units: n_units as u32,
                batch: batch as u32,
                total: total as u32,
                groups_x: element_grid.0,
                rows_x: row_grid.0,
                pad: [0; 3],
            };
            let dims = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{label}.dims")),
                contents: bytemuck::bytes_of(&dims_value),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let staging = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(&format!("{label}.staging")),
                size: bytes.max(4),
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            let mut entries = vec![
                uniform_entry(0, true),
                uniform_entry(1, false),
                uniform_entry(2, false),
                storage_entry(3, true),
            ];
            let extra = comps.len() as u32 + 1; // compartments + row scratch
            entries.extend((0..extra).map(|k| storage_entry(4 + k, false)));
            let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(&format!("{label}.layout")),
                entries: &entries,
            });
            let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(&format!("{label}.pipeline_layout")),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
            let composed = shaders::compose(cell);
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(composed.source.into()),
            });
            let overrides = cell.gpu_overrides();
            let pipeline = |entry: &str| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&format!("{label}.{entry}")),
                    layout: Some(&pipeline_layout),
                    module: &module,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants: &overrides,
                        zero_initialize_workgroup_memory: false,
                    },
                    cache: None,
                })
            };
            let passes = cell.gpu_passes();
            // Dynamic offsets must be multiples of the adapter's alignment.
            let step_stride = (std::mem::size_of::<StepUniform>() as u64)
                .next_multiple_of(u64::from(limits.min_uniform_buffer_offset_alignment));
            let steps_capacity = 1;
            let steps = create_steps_buffer(device, label, steps_capacity, step_stride);
            let no_run_input = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(&format!("{label}.no_run_input")),
                size: 16,
                usage: wgpu::BufferUsages::STORAGE,
                mapped_at_creation: false,
            });
            let others: Vec<&wgpu::Buffer> = compartments.iter().chain(std::iter::once(&row_scratch)).collect();
            let bind_from_j = build_bind_group(device, &layout, [&steps, &dims, &params, &no_run_input], &others);
            GpuBackend {
                total,
                input_index,
                row_scratch,
                params,
                dims,
                staging,
                steps,
                steps_capacity,
                step_stride,
                pipeline_step: pipeline("step"),
                pipeline_row_pre: passes.row_pre.then(|| pipeline("row_pre")),
                pipeline_row_post: passes.row_post.then(|| pipeline("row_post")),
                bind_from_j,
                no_run_input,
                layout,
                compartments,
                element_grid,
                row_grid,
                step_per_row: passes.step_per_row,
                ctx: ctx.clone(),
            }
        })
    }

    /// The context this population runs on.
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }

    /// The storage buffer of compartment `index` (f32, row-major B×N).
    pub fn buffer(&self, index: usize) -> &wgpu::Buffer {
        &self.compartments[index]
    }

    fn bind_group(&self, input: &wgpu::Buffer) -> wgpu::BindGroup {
        let others: Vec<&wgpu::Buffer> = self
            .compartments
            .iter()
            .chain(std::iter::once(&self.row_scratch))
            .collect();
        build_bind_group(
            &self.ctx.device,
            &self.layout,
            [&self.steps, &self.dims, &self.params, input],
            &others,
        )
    }

    /// Steps that fit one run buffer (the adapter's storage binding limit).
    fn max_steps_per_chunk(&self) -> usize {
        let limits = self.ctx.device.limits();
        let bytes = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(u64::from(u32::MAX));
        ((bytes / (self.total as u64 * 4)) as usize).max(1)
    }

    fn encode_steps(
        &self,
        cell: &dyn CellModel,
        n_steps: usize,
        bind: &wgpu::BindGroup,
        encoder: &mut wgpu::CommandEncoder,
    ) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(cell.entry().key),
            timestamp_writes: None,
        });
        for k in 0..n_steps {
            let offset = [(k as u64 * self.step_stride) as u32];
            pass.set_bind_group(0, bind, &offset);
            if let Some(p) = &self.pipeline_row_pre {
                pass.set_pipeline(p);
                pass.dispatch_workgroups(self.row_grid.0, self.row_grid.1, 1);
            }
            pass.set_pipeline(&self.pipeline_step);
            let grid = if self.step_per_row {
                self.row_grid
            } else {
                self.element_grid
            };
            pass.dispatch_workgroups(grid.0, grid.1, 1);
            if let Some(p) = &self.pipeline_row_post {
                pass.set_pipeline(p);
                pass.dispatch_workgroups(self.row_grid.0, self.row_grid.1, 1);
            }
        }
    }

    fn upload_steps(&mut self, cell: &dyn CellModel, steps: &[StepInfo], with_offsets: bool) {
        if steps.len() > self.steps_capacity {
            self.steps_capacity = steps.len().next_power_of_two();
            self.steps = create_steps_buffer(
                &self.ctx.device,
                cell.entry().key,
                self.steps_capacity,
                self.step_stride,
            );
            self.bind_from_j = self.bind_group(&self.no_run_input);
        }
        let mut bytes = vec![0u8; steps.len() * self.step_stride as usize];
        for (k, s) in steps.iter().enumerate() {
            let uniform = StepUniform {
                t: s.t,
                dt: s.dt,
                half_dt: s.half_dt,
                input_offset: if with_offsets { (k * self.total) as u32 } else { 0 },
                key: s.subkey.0,
                from_run: u32::from(with_offsets),
                pad: 0,
                c: cell.gpu_step_constants(s.dt),
                init_key: s.init_key.0,
                pad2: [0; 2],
            };
            let at = k * self.step_stride as usize;
            bytes[at..at + std::mem::size_of::<StepUniform>()].copy_from_slice(bytemuck::bytes_of(&uniform));
        }
        self.ctx.queue.write_buffer(&self.steps, 0, &bytes);
    }
}

/// The bind group of the binding convention above: `fixed` = steps, dims, params, input.
fn build_bind_group(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    fixed: [&wgpu::Buffer; 4],
    others: &[&wgpu::Buffer],
) -> wgpu::BindGroup {
    let [steps, dims, params, input] = fixed;
    let mut entries = vec![
        wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: steps,
                offset: 0,
                size: wgpu::BufferSize::new(std::mem::size_of::<StepUniform>() as u64),
            }),
        },
        wgpu::BindGroupEntry {
            binding: 1,
            resource: dims.as_entire_binding(),
        },
        wgpu::BindGroupEntry {
            binding: 2,
            resource: params.as_entire_binding(),
        },
        wgpu::BindGroupEntry {
            binding: 3,
            resource: input.as_entire_binding(),
        },
    ];
    for (k, buffer) in others.iter().enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: 4 + k as u32,
            resource: buffer.as_entire_binding(),
        });
    }
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout,
        entries: &entries,
    })
}

fn create_steps_buffer(device: &wgpu::Device, label: &str, capacity: usize, stride: u64) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(&format!("{label}.steps")),
        size: capacity as u64 * stride,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

impl Backend for GpuBackend {
    fn describe(&self) -> String {
        format!("{} ({:?})", self.ctx.adapter.name, self.ctx.adapter.backend)
    }

    fn write(&mut self, index: usize, values: &[f32]) -> Result<()> {
        self.ctx
            .queue
            .write_buffer(&self.compartments[index], 0, bytemuck::cast_slice(values));
        Ok(())
    }

    fn read(&mut self, index: usize) -> Result<Vec<f32>> {
        let ctx = self.ctx.clone();
        ctx.checked("reading a compartment", || {
            read_f32(&ctx, &self.compartments[index], &self.staging, self.total)
        })?
    }

    fn advance(&mut self, cell: &dyn CellModel, steps: &[StepInfo], input: StepInput<'_>) -> Result<()> {
        let ctx = self.ctx.clone();
        match input {
            StepInput::Compartment => ctx.checked("stepping the population", || {
                let mut encoder = ctx.device.create_command_encoder(&Default::default());
                self.upload_steps(cell, steps, false);
                let bind = self.bind_from_j.clone();
                self.encode_steps(cell, steps.len(), &bind, &mut encoder);
                ctx.queue.submit([encoder.finish()]);
            }),
            StepInput::Buffer(all) => {
                let chunk = self.max_steps_per_chunk();
                for (c, chunk_steps) in steps.chunks(chunk).enumerate() {
                    let start = c * chunk * self.total;
                    let slice = &all[start..start + chunk_steps.len() * self.total];
                    ctx.checked("running the population", || {
                        let input_buffer = ctx.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                            label: Some("run_input"),
                            contents: bytemuck::cast_slice(slice),
                            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                        });
                        self.upload_steps(cell, chunk_steps, true);
                        let bind = self.bind_group(&input_buffer);
                        let mut encoder = ctx.device.create_command_encoder(&Default::default());
                        self.encode_steps(cell, chunk_steps.len(), &bind, &mut encoder);
                        // As in ngclearn, j holds the last input afterwards, unless the cell
                        // stores something else there (SLIF's effective current).
                        if !cell.overwrites_input() {
                            let last = ((chunk_steps.len() - 1) * self.total * 4) as u64;
                            let bytes = (self.total * 4) as u64;
                            encoder.copy_buffer_to_buffer(
                                &input_buffer,
                                last,
                                &self.compartments[self.input_index],
                                0,
                                bytes,
                            );
                        }
                        ctx.queue.submit([encoder.finish()]);
                    })?;
                }
                Ok(())
            }
        }
    }
}
