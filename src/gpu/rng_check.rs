//! Runs the WGSL PRNG on the GPU for comparison with [`crate::rng`]: used by the tests and by
//! `spikegpu validate`'s self-check on the user's own adapter.

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::buffers::{WORKGROUP_SIZE, grid};
use super::context::GpuContext;
use super::shaders;
use crate::error::{Error, Result};
use crate::rng::Key;

/// The check kernel's file and WGSL source.
pub const SHADER: (&str, &str) = (
    "shaders/checks/rng_check.wgsl",
    include_str!("../../shaders/checks/rng_check.wgsl"),
);

/// Storage buffers of the check kernel's (derived) layout: the bits and the uniforms it writes.
pub const STORAGE_BUFFERS: u32 = 2;

/// The check kernel composed with the WGSL PRNG it tests.
pub fn composed() -> shaders::ComposedShader {
    shaders::compose_pieces(&[shaders::LIBRARY[1], SHADER])
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct RngCheckParams {
    key: [u32; 2],
    n: u32,
    groups_x: u32,
}

/// `bits(key, (n,))` and `uniform(key, (n,))` computed by the WGSL PRNG on the GPU.
pub fn gpu_bits_and_uniform(ctx: &GpuContext, key: Key, n: usize) -> Result<(Vec<u32>, Vec<f32>)> {
    let n32 = u32::try_from(n).map_err(|_| Error::InvalidShape(format!("{n} elements exceed u32")))?;
    let bytes = (n.max(1) * 4) as u64;
    let groups = grid(
        n32.div_ceil(WORKGROUP_SIZE),
        ctx.device.limits().max_compute_workgroups_per_dimension,
    );
    let (bits_buf, unif_buf, staging) = ctx.checked("running the PRNG check kernel", || {
        let device = &ctx.device;
        let composed = composed();
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("rng_check"),
            source: wgpu::ShaderSource::Wgsl(composed.source.into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("rng_check"),
            layout: None,
            module: &module,
            entry_point: Some("rng_check"),
            compilation_options: Default::default(),
            cache: None,
        });
        let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("rng_check.params"),
            contents: bytemuck::bytes_of(&RngCheckParams {
                key: key.0,
                n: n32,
                groups_x: groups.0,
            }),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let output = |label| {
            device.create_buffer(&wgpu::BufferDescriptor {
                label: Some(label),
                size: bytes,
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                mapped_at_creation: false,
            })
        };
        let bits_buf = output("rng_check.bits");
        let unif_buf = output("rng_check.uniform");
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("rng_check.staging"),
            size: bytes,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: bits_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: unif_buf.as_entire_binding(),
                },
            ],
        });
        let mut encoder = device.create_command_encoder(&Default::default());
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(groups.0, groups.1, 1);
        }
        ctx.queue.submit([encoder.finish()]);
        (bits_buf, unif_buf, staging)
    })?;
    let bits_as_f32 = super::buffers::read_f32(ctx, &bits_buf, &staging, n)?;
    let bits = bits_as_f32.iter().map(|x| x.to_bits()).collect();
    let uniform = super::buffers::read_f32(ctx, &unif_buf, &staging, n)?;
    Ok((bits, uniform))
}
