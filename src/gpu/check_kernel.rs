//! Runs a one-pass check kernel: a uniform at binding 0, then storage buffers at bindings 1…,
//! the first ones filled from the host, the rest written by the kernel and read back. The PRNG
//! and math-library checks ([`super::rng_check`], [`super::math_check`]) use it to compare their
//! WGSL twins with the CPU's bits.

use wgpu::util::DeviceExt;

use super::buffers::{WORKGROUP_SIZE, grid};
use super::context::GpuContext;
use super::shaders::ComposedShader;
use crate::error::{Error, Result};

/// A check kernel's dispatch: its source, entry point and element count.
pub struct CheckKernel<'a> {
    /// The composed WGSL.
    pub shader: &'a ComposedShader,
    /// Its entry point (also the label).
    pub entry: &'a str,
    /// Elements: one thread each, `WORKGROUP_SIZE` threads per workgroup.
    pub n: usize,
}

/// The dispatch grid's x extent for `n` elements on this device (the kernel flattens 2-D grids).
pub fn groups_x(ctx: &GpuContext, n: usize) -> Result<(u32, u32)> {
    let n32 = u32::try_from(n).map_err(|_| Error::InvalidShape(format!("{n} elements exceed u32")))?;
    Ok(grid(
        n32.div_ceil(WORKGROUP_SIZE),
        ctx.device.limits().max_compute_workgroups_per_dimension,
    ))
}

/// Runs `kernel` with `params` at binding 0, `inputs` (f32 or u32 bit patterns) at bindings
/// 1..=inputs.len(), and `outputs` buffers of `n` 32-bit values after them; returns each
/// output's values as f32 bit patterns.
pub fn run(
    ctx: &GpuContext,
    kernel: &CheckKernel<'_>,
    params: &[u8],
    inputs: &[&[f32]],
    outputs: usize,
) -> Result<Vec<Vec<f32>>> {
    let groups = groups_x(ctx, kernel.n)?;
    let bytes = (kernel.n.max(1) * 4) as u64;
    let (out_buffers, staging) = ctx.checked(&format!("running the {} check kernel", kernel.entry), || {
        let device = &ctx.device;
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(kernel.entry),
            source: wgpu::ShaderSource::Wgsl(kernel.shader.source.as_str().into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.entry),
            layout: None,
            module: &module,
            entry_point: Some(kernel.entry),
            compilation_options: Default::default(),
            cache: None,
        });
        let uniform = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("check.params"),
            contents: params,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let in_buffers: Vec<wgpu::Buffer> = inputs
            .iter()
            .map(|values| {
                device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("check.input"),
                    contents: bytemuck::cast_slice(if values.is_empty() { &[0.0f32] } else { values }),
                    usage: wgpu::BufferUsages::STORAGE,
                })
            })
            .collect();
        let out_buffers: Vec<wgpu::Buffer> = (0..outputs)
            .map(|_| {
                device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("check.output"),
                    size: bytes,
                    usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: false,
                })
            })
            .collect();
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("check.staging"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let entries: Vec<wgpu::BindGroupEntry> = std::iter::once(&uniform)
            .chain(&in_buffers)
            .chain(&out_buffers)
            .enumerate()
            .map(|(binding, buffer)| wgpu::BindGroupEntry {
                binding: binding as u32,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(groups.0, groups.1, 1);
        }
        ctx.queue.submit([encoder.finish()]);
        (out_buffers, staging)
    })?;
    out_buffers
        .iter()
        .map(|buffer| super::buffers::read_f32(ctx, buffer, &staging, kernel.n))
        .collect()
}
