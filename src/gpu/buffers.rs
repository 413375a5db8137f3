//! Buffer helpers: the uniform layouts shared with `shaders/lib/common.wgsl`, dispatch grids,
//! and readback through a persistent staging buffer.

use bytemuck::{Pod, Zeroable};

use super::context::GpuContext;
use crate::error::{Error, Result};

/// Threads per workgroup of every spikegpu kernel (`WG` in `shaders/lib/common.wgsl`).
pub const WORKGROUP_SIZE: u32 = 256;

/// `StepUniform` of `shaders/lib/common.wgsl` (96 bytes; one aligned slot per dispatch).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct StepUniform {
    /// Time stamp of the step (per-step dispatches).
    pub t: f32,
    /// Step size.
    pub dt: f32,
    /// `dt·0.5`.
    pub half_dt: f32,
    /// Offset of the dispatch's first input slice, in elements.
    pub input_offset: u32,
    /// The step's PRNG subkey.
    pub key: [u32; 2],
    /// Drive: 0 `j`, 1 buffer, 2 constant, 3 random spikes.
    pub input_mode: u32,
    /// Elements between consecutive steps' input slices.
    pub input_stride: u32,
    /// Cell constants for this step size.
    pub c: [f32; 4],
    /// The population's key at construction.
    pub init_key: [u32; 2],
    /// Random drive key of the step (per-step dispatches).
    pub drive_key: [u32; 2],
    /// Drive value or amplitude, and spike probability.
    pub drive: [f32; 4],
    /// Steps of a fused dispatch.
    pub steps: u32,
    /// 1: write the input into `j`.
    pub store_input: u32,
    /// 1: record spikes into the raster (fused dispatches).
    pub record_spikes: u32,
    /// First row of the step table and raster for this fused dispatch.
    pub table_base: u32,
}

/// `RecordParams` of `shaders/lib/record.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct RecordParams {
    /// Step whose spikes are packed.
    pub step: u32,
    /// Sample a gather writes.
    pub sample: u32,
    /// Raster words per step.
    pub words: u32,
    /// B·N.
    pub total: u32,
    /// Neurons gathered.
    pub count: u32,
    /// Workgroups along x of the packing grid.
    pub groups_x: u32,
    /// Padding.
    pub pad: [u32; 2],
}

/// `Dims` of `shaders/lib/common.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Dims {
    /// N.
    pub n_units: u32,
    /// B.
    pub batch: u32,
    /// B·N.
    pub total: u32,
    /// Workgroups along x of the element grid.
    pub groups_x: u32,
    /// Workgroups along x of the row grid.
    pub rows_x: u32,
    /// Values between two compartments' slots in the state buffer.
    pub slot: u32,
    /// Padding to 32 bytes.
    pub pad: [u32; 2],
}

/// A 2-D grid of `count` workgroups within `max_per_dim` per dimension, split evenly (software
/// rasterisers give each thread an equal slice of the linearised grid, so an uneven split
/// leaves threads idle). Returns `(x, y)`.
pub fn grid(count: u32, max_per_dim: u32) -> (u32, u32) {
    let count = count.max(1);
    let y = count.div_ceil(max_per_dim);
    (count.div_ceil(y), y)
}

/// One compartment of a population on the GPU: `size` bytes (B·N f32, row-major) at byte
/// `offset` of the population's state buffer. The offset is a multiple of the adapter's
/// `min_storage_buffer_offset_alignment`, so the compartment can be bound on its own
/// ([`CompartmentBuffer::binding`]) as well as copied from and to.
#[derive(Debug, Clone, Copy)]
pub struct CompartmentBuffer<'a> {
    /// The population's state buffer (STORAGE | COPY_SRC | COPY_DST).
    pub buffer: &'a wgpu::Buffer,
    /// Byte offset of the compartment's first value.
    pub offset: u64,
    /// Bytes of the compartment (B·N·4).
    pub size: u64,
}

impl<'a> CompartmentBuffer<'a> {
    /// The compartment as a bind group resource (a storage binding of exactly its values).
    pub fn binding(&self) -> wgpu::BindingResource<'a> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: self.buffer,
            offset: self.offset,
            size: wgpu::BufferSize::new(self.size),
        })
    }
}

/// Reads `len` f32 values from `buffer` through `staging` (MAP_READ, at least `len·4` bytes).
pub fn read_f32(ctx: &GpuContext, buffer: &wgpu::Buffer, staging: &wgpu::Buffer, len: usize) -> Result<Vec<f32>> {
    read_f32_at(ctx, buffer, 0, staging, len)
}

/// Reads `len` f32 values from byte `offset` of `buffer` through `staging`.
pub fn read_f32_at(
    ctx: &GpuContext,
    buffer: &wgpu::Buffer,
    offset: u64,
    staging: &wgpu::Buffer,
    len: usize,
) -> Result<Vec<f32>> {
    let bytes = (len * 4) as u64;
    let mut encoder = ctx.device.create_command_encoder(&Default::default());
    encoder.copy_buffer_to_buffer(buffer, offset, staging, 0, bytes);
    ctx.queue.submit([encoder.finish()]);
    map_f32(ctx, staging, len)
}

/// Maps the first `len` f32 values of a MAP_READ buffer once the submitted work is done, copies
/// them out and unmaps it.
pub fn map_f32(ctx: &GpuContext, buffer: &wgpu::Buffer, len: usize) -> Result<Vec<f32>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let slice = buffer.slice(..(len * 4) as u64);
    let (sender, receiver) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        // The receiver lives until recv() below returns; a send error cannot happen.
        let _ = sender.send(r);
    });
    ctx.wait()?;
    let mapped = receiver.recv().map_err(|e| map_error(e.to_string()))?;
    mapped.map_err(|e| map_error(e.to_string()))?;
    let out = {
        let view = slice.get_mapped_range().map_err(|e| map_error(e.to_string()))?;
        bytemuck::cast_slice::<u8, f32>(&view).to_vec()
    };
    buffer.unmap();
    Ok(out)
}

/// A compute-stage buffer binding of a bind group layout.
pub fn layout_entry(binding: u32, ty: wgpu::BufferBindingType, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: dynamic,
            min_binding_size: None,
        },
        count: None,
    }
}

fn map_error(message: String) -> Error {
    Error::Gpu {
        during: "reading a buffer back".into(),
        message,
    }
}
