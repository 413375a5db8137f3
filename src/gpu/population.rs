//! [`GpuBackend`]: one population's compartments as storage buffers, stepped by the cell's WGSL
//! kernel.
//!
//! Binding convention of every cell kernel (`shaders/cells/<key>.wgsl`), group 0: `0` per-step
//! uniform (dynamic offset), `1` dims, `2` cell parameters, `3` the K×B×N input of a run
//! (read-only; a placeholder otherwise), `4` the state buffer: every compartment but the input,
//! in [`CellModel::compartments`] order, one slot of `dims.slot` values each, the slots aligned
//! so that each can also be bound on its own ([`GpuBackend::buffer`]); `5` the input `j` in a
//! buffer of its own; `6` the cell's scratch buffer for row passes, where it has one. Group 1
//! (element-wise cells): the fused kernel's step table and spike raster. So a cell binds at most
//! 6 storage buffers ([`crate::cells::describe::Layout::storage_buffers`]), within WebGPU's
//! default of 8.
//!
//! A run is recorded into one command buffer per chunk; a chunk is as long as the adapter's
//! storage binding size allows for its input and raster (usually the whole run). Per step it
//! dispatches the row passes and the step, or a cell's chunk passes where its rows are longer
//! than [`ROW_CHUNK`] (and, when recording, a spike-packing and a sampling kernel); fused, one
//! `fused` dispatch covers every step up to the next trace sample. A run's buffers and bind
//! groups are kept for the next run (`population/cache.rs`): repeated runs of one shape only
//! write their per-step values and record dispatches.

mod cache;
mod run;
mod steps;

pub use cache::RunAllocations;
pub use steps::StepSlots;

use std::sync::Arc;

use wgpu::util::DeviceExt;

use super::budget;
use super::buffers::{CompartmentBuffer, Dims, StepUniform, WORKGROUP_SIZE, grid, layout_entry, read_f32_at};
use super::context::GpuContext;
use super::recorder::Recorder;
use super::shaders;
use crate::backend::{Backend, RunRequest};
use crate::cells::describe::{FIRST_INPUT_BINDING, INPUT_BINDING, Layout, STATE_BINDING};
use crate::cells::{CellModel, PassGrid};
use crate::error::{Error, Result};
use crate::reductions::ROW_CHUNK;
use crate::run::{Recording, words_per_step};

/// The GPU backend of one population.
#[derive(Debug)]
pub struct GpuBackend {
    ctx: Arc<GpuContext>,
    batch: usize,
    n_units: usize,
    total: usize,
    spike_index: usize,
    /// Whether the pipelines have group 1 (element-wise kernels: step table and raster).
    has_group1: bool,
    /// Every compartment but the inputs, slot k at byte k·`slot_bytes`.
    state: wgpu::Buffer,
    slot_bytes: u64,
    /// The input compartments' own buffers.
    inputs: Vec<wgpu::Buffer>,
    layout: &'static Layout,
    scratch: Option<wgpu::Buffer>,
    params: wgpu::Buffer,
    dims: wgpu::Buffer,
    staging: wgpu::Buffer,
    layout0: wgpu::BindGroupLayout,
    layout1: wgpu::BindGroupLayout,
    placeholder: wgpu::Buffer,
    pipeline_step: wgpu::ComputePipeline,
    pipeline_row_pre: Option<wgpu::ComputePipeline>,
    pipeline_row_post: Option<wgpu::ComputePipeline>,
    pipeline_fused: Option<wgpu::ComputePipeline>,
    /// The step's multi-workgroup passes ([`crate::cells::GpuPasses::chunked`]) where rows are
    /// longer than [`ROW_CHUNK`], each with its grid; empty otherwise.
    pipelines_chunked: Vec<(wgpu::ComputePipeline, (u32, u32))>,
    recorder: Recorder,
    step_stride: u64,
    element_grid: (u32, u32),
    row_grid: (u32, u32),
    step_per_row: bool,
    /// Byte offset in the state buffer of the per-neuron step constants' planes (a
    /// heterogeneous population's, [`CellModel::gpu_step_constant_planes`]).
    step_constant_planes: u64,
    timing: bool,
    last_gpu_seconds: Option<f64>,
    /// Buffers and bind groups kept from one run to the next (`population/cache.rs`).
    run_cache: cache::RunCache,
    /// What the run path created outside `run_cache` (uploads, runs in a caller's encoder).
    run_allocations: RunAllocations,
}

fn storage(read_only: bool) -> wgpu::BufferBindingType {
    wgpu::BufferBindingType::Storage { read_only }
}

fn buffer(device: &wgpu::Device, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size.max(16),
        usage,
        mapped_at_creation: false,
    })
}

impl GpuBackend {
    /// Creates the buffers and pipelines of a population of `cell` with its construction values.
    pub fn new(ctx: Arc<GpuContext>, cell: &dyn CellModel, batch: usize, n_units: usize) -> Result<GpuBackend> {
        let limits = ctx.device.limits();
        let comps = cell.compartments();
        crate::cells::input_index(cell)?;
        let spike_index = crate::cells::spike_index(cell)?;
        let total = batch * n_units;
        let bytes = (total as u64) * 4;
        let layout = cell.entry().layout;
        let elementwise = cell.entry().elementwise;
        budget::check_kernel(&budget::cell_kernel(cell.entry()), &limits)?;
        // Each slot starts at an offset the adapter can bind, so embedders can bind one compartment.
        let slot_bytes = budget::slot_bytes(total, &limits);
        let (state_limit, state_available) = budget::state_binding_limit(&limits);
        // Per-neuron parameter planes follow the compartment slots (cells::heterogeneous).
        let planes = cell.gpu_param_planes().unwrap_or_default();
        budget::check_limit(
            state_limit,
            state_available,
            slot_bytes * layout.packed().count() as u64 + planes.len() as u64 * 4,
        )?;
        let scratch_bytes = (cell.gpu_scratch_words(batch, n_units) as u64 * 4).max(4);
        if layout.scratch.is_some() {
            budget::check_limit(state_limit, state_available, scratch_bytes)?;
        }
        let max_dim = limits.max_compute_workgroups_per_dimension;
        let element_groups = u32::try_from(total.div_ceil(WORKGROUP_SIZE as usize))
            .map_err(|_| Error::InvalidShape(format!("{total} elements are too many for one dispatch grid")))?;
        let element_grid = grid(element_groups, max_dim);
        let row_grid = grid(batch as u32, max_dim);
        let label = cell.entry().key;
        let passes = cell.gpu_passes();
        let chunked = !passes.chunked.is_empty() && n_units > ROW_CHUNK;
        let chunk_grid = (n_units.div_ceil(ROW_CHUNK), batch);
        if chunked && (chunk_grid.0.max(chunk_grid.1) > max_dim as usize) {
            return Err(Error::InvalidShape(format!(
                "{batch} rows of {} chunks are too many for one dispatch grid",
                chunk_grid.0
            )));
        }
        let chunk_grid = (chunk_grid.0 as u32, chunk_grid.1 as u32);
        let grid_of = |g: PassGrid| match g {
            PassGrid::Rows => row_grid,
            PassGrid::Elements => element_grid,
            PassGrid::Chunks => chunk_grid,
        };

        ctx.checked("creating the population's buffers and pipelines", || {
            let device = &ctx.device;
            let rw = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
            let slot = (slot_bytes / 4) as usize;
            let mut packed = vec![0f32; (slot * layout.packed().count()).max(1)];
            if !planes.is_empty() {
                packed.truncate(slot * layout.packed().count());
                packed.extend_from_slice(planes);
            }
            let mut inputs = Vec::new();
            for (k, (&value, comp)) in cell.initial_values().iter().zip(comps).enumerate() {
                match layout.location(k) {
                    Ok(at) => packed[at * slot..at * slot + total].fill(value),
                    Err(_) => inputs.push(device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some(&format!("{label}.{}", comp.name)),
                        contents: bytemuck::cast_slice(&vec![value; total]),
                        usage: rw,
                    })),
                }
            }
            let state = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{label}.state")),
                contents: bytemuck::cast_slice(&packed),
                usage: rw,
            });
            let scratch = layout.scratch.map(|name| {
                buffer(
                    device,
                    &format!("{label}.{name}"),
                    scratch_bytes,
                    wgpu::BufferUsages::STORAGE,
                )
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
                slot: slot as u32,
                pad: [0; 2],
            };
            let dims = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{label}.dims")),
                contents: bytemuck::bytes_of(&dims_value),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let staging = buffer(
                device,
                &format!("{label}.staging"),
                bytes,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            );
            let placeholder = buffer(device, &format!("{label}.placeholder"), 16, wgpu::BufferUsages::STORAGE);
            let mut entries = vec![
                layout_entry(0, wgpu::BufferBindingType::Uniform, true),
                layout_entry(1, wgpu::BufferBindingType::Uniform, false),
                layout_entry(2, wgpu::BufferBindingType::Uniform, false),
                layout_entry(INPUT_BINDING, storage(true), false),
                layout_entry(STATE_BINDING, storage(false), false),
            ];
            entries
                .extend((0..inputs.len() as u32).map(|k| layout_entry(FIRST_INPUT_BINDING + k, storage(false), false)));
            if scratch.is_some() {
                entries.push(layout_entry(layout.scratch_binding(), storage(false), false));
            }
            let layout0 = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(&format!("{label}.layout0")),
                entries: &entries,
            });
            let layout1 = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(&format!("{label}.layout1")),
                entries: &[
                    layout_entry(0, storage(true), false),
                    layout_entry(1, storage(false), false),
                ],
            });
            let groups: Vec<Option<&wgpu::BindGroupLayout>> = if elementwise {
                vec![Some(&layout0), Some(&layout1)]
            } else {
                vec![Some(&layout0)]
            };
            let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(&format!("{label}.pipeline_layout")),
                bind_group_layouts: &groups,
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
            // Dynamic offsets must be multiples of the adapter's alignment.
            let step_stride = (std::mem::size_of::<StepUniform>() as u64)
                .next_multiple_of(u64::from(limits.min_uniform_buffer_offset_alignment));
            GpuBackend {
                batch,
                n_units,
                total,
                spike_index,
                has_group1: elementwise,
                pipeline_step: pipeline("step"),
                pipeline_row_pre: passes.row_pre.then(|| pipeline("row_pre")),
                pipeline_row_post: passes.row_post.then(|| pipeline("row_post")),
                pipeline_fused: (elementwise && !cell.has_row_passes()).then(|| pipeline("fused")),
                pipelines_chunked: if chunked {
                    passes
                        .chunked
                        .iter()
                        .map(|&(entry, g)| (pipeline(entry), grid_of(g)))
                        .collect()
                } else {
                    Vec::new()
                },
                recorder: Recorder::new(&ctx),
                state,
                slot_bytes,
                inputs,
                layout,
                scratch,
                params,
                dims,
                staging,
                layout0,
                layout1,
                placeholder,
                step_stride,
                element_grid,
                row_grid,
                step_per_row: passes.step_per_row,
                step_constant_planes: slot_bytes * layout.packed().count() as u64
                    + (layout.uniform.len() * n_units * 4) as u64,
                timing: false,
                last_gpu_seconds: None,
                run_cache: Default::default(),
                run_allocations: RunAllocations::default(),
                ctx: ctx.clone(),
            }
        })
    }

    /// Measures each run's GPU time with timestamp queries (where the adapter has them; the
    /// run then waits for the GPU to finish). See [`GpuBackend::last_gpu_seconds`].
    pub fn set_timing(&mut self, on: bool) {
        self.timing = on && self.ctx.adapter.timestamps;
    }

    /// GPU time of the last run's compute passes (seconds), when timing is on.
    pub fn last_gpu_seconds(&self) -> Option<f64> {
        self.last_gpu_seconds
    }

    /// The context this population runs on.
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }

    /// Compartment `index` (f32, row-major B×N): its slot of the state buffer, or the input's
    /// own buffer.
    pub fn buffer(&self, index: usize) -> CompartmentBuffer<'_> {
        let (buffer, offset) = match self.layout.location(index) {
            Ok(slot) => (&self.state, slot as u64 * self.slot_bytes),
            Err(k) => (&self.inputs[k], 0),
        };
        CompartmentBuffer {
            buffer,
            offset,
            size: self.total as u64 * 4,
        }
    }

    fn bind0(&self, steps: &wgpu::Buffer, input: &wgpu::Buffer) -> wgpu::BindGroup {
        let step_binding = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: steps,
            offset: 0,
            size: wgpu::BufferSize::new(std::mem::size_of::<StepUniform>() as u64),
        });
        let mut entries = vec![
            wgpu::BindGroupEntry {
                binding: 0,
                resource: step_binding,
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: self.dims.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: self.params.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: INPUT_BINDING,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: STATE_BINDING,
                resource: self.state.as_entire_binding(),
            },
        ];
        for (k, input) in self.inputs.iter().enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: FIRST_INPUT_BINDING + k as u32,
                resource: input.as_entire_binding(),
            });
        }
        if let Some(scratch) = &self.scratch {
            entries.push(wgpu::BindGroupEntry {
                binding: self.layout.scratch_binding(),
                resource: scratch.as_entire_binding(),
            });
        }
        self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &self.layout0,
            entries: &entries,
        })
    }

    fn bind1(&self, table: &wgpu::Buffer, raster: &wgpu::Buffer) -> wgpu::BindGroup {
        self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &self.layout1,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: table.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: raster.as_entire_binding(),
                },
            ],
        })
    }

    /// Writes a heterogeneous population's per-neuron step constants for step size `dt`
    /// (queued before the next submission: a run has one step size).
    fn write_step_constant_planes(&self, cell: &dyn CellModel, dt: f32) {
        if let Some(planes) = cell.gpu_step_constant_planes(dt) {
            self.ctx
                .queue
                .write_buffer(&self.state, self.step_constant_planes, bytemuck::cast_slice(&planes));
        }
    }

    /// Steps per chunk: the run input and the raster of a chunk must each fit one binding.
    fn chunk_steps(&self, per_step_input: bool, record_spikes: bool) -> Result<usize> {
        let limits = self.ctx.device.limits();
        let max = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(u64::from(u32::MAX));
        let mut per_step_bytes = 0u64;
        if per_step_input {
            per_step_bytes = per_step_bytes.max(self.total as u64 * 4);
        }
        if record_spikes {
            per_step_bytes = per_step_bytes.max(words_per_step(self.total) as u64 * 4);
        }
        if per_step_bytes == 0 {
            return Ok(usize::MAX);
        }
        let steps = (max / per_step_bytes) as usize;
        if steps == 0 {
            return Err(Error::AdapterLimit {
                limit: "max_storage_buffer_binding_size",
                available: max,
                needed: per_step_bytes,
            });
        }
        Ok(steps)
    }
}

impl Backend for GpuBackend {
    fn describe(&self) -> String {
        format!("{} ({:?})", self.ctx.adapter.name, self.ctx.adapter.backend)
    }

    fn write(&mut self, index: usize, values: &[f32]) -> Result<()> {
        let slot = self.buffer(index);
        self.ctx
            .queue
            .write_buffer(slot.buffer, slot.offset, bytemuck::cast_slice(values));
        Ok(())
    }

    fn synchronize(&mut self) -> Result<()> {
        self.ctx.wait()
    }

    fn read(&mut self, index: usize) -> Result<Vec<f32>> {
        let ctx = self.ctx.clone();
        ctx.checked("reading a compartment", || {
            let slot = self.buffer(index);
            read_f32_at(&ctx, slot.buffer, slot.offset, &self.staging, self.total)
        })?
    }

    fn run(&mut self, cell: &dyn CellModel, req: RunRequest<'_>) -> Result<Recording> {
        self.run_inner(cell, req, None)
    }

    fn upload_drive(&mut self, values: &[f32]) -> Result<crate::run::DriveStore> {
        self.upload_values(values)
    }
}
