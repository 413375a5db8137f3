//! The per-step path's recording kernels (`shaders/lib/record.wgsl`): pack a step's spikes
//! into raster words, and copy chosen neurons of a compartment into a trace buffer.

use super::buffers::{CompartmentBuffer, RecordParams, WORKGROUP_SIZE, grid, layout_entry};
use super::context::GpuContext;
use super::shaders;

/// Pipelines and layout of the recording kernels, created once per population.
#[derive(Debug)]
pub struct Recorder {
    layout: wgpu::BindGroupLayout,
    pack: wgpu::ComputePipeline,
    gather: wgpu::ComputePipeline,
    /// Bytes between two `RecordParams` slots (the adapter's uniform offset alignment).
    pub stride: u64,
}

/// Storage bindings 1, 2, … of the recording layout (`true`: read-only): source compartment,
/// raster, neuron indices, trace.
pub const STORAGE: &[bool] = &[true, false, true, false];

impl Recorder {
    /// Creates the pipelines (call inside an error scope).
    pub fn new(ctx: &GpuContext) -> Recorder {
        let device = &ctx.device;
        let mut entries = vec![layout_entry(0, wgpu::BufferBindingType::Uniform, true)];
        entries.extend(
            STORAGE.iter().enumerate().map(|(k, &read_only)| {
                layout_entry(1 + k as u32, wgpu::BufferBindingType::Storage { read_only }, false)
            }),
        );
        let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("record.layout"),
            entries: &entries,
        });
        let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("record.pipeline_layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let composed = shaders::compose_pieces(&[shaders::RECORD]);
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("record"),
            source: wgpu::ShaderSource::Wgsl(composed.source.into()),
        });
        let pipeline = |entry_point: &str| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry_point),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry_point),
                compilation_options: Default::default(),
                cache: None,
            })
        };
        let stride = (std::mem::size_of::<RecordParams>() as u64)
            .next_multiple_of(u64::from(device.limits().min_uniform_buffer_offset_alignment));
        Recorder {
            pack: pipeline("pack_spikes"),
            gather: pipeline("gather"),
            layout,
            stride,
        }
    }

    /// A bind group: params (dynamic slots), source compartment, raster, neuron indices, trace.
    pub fn bind(
        &self,
        ctx: &GpuContext,
        params: &wgpu::Buffer,
        src: CompartmentBuffer<'_>,
        [raster, indices, trace]: [&wgpu::Buffer; 3],
    ) -> wgpu::BindGroup {
        let params_binding = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: params,
            offset: 0,
            size: wgpu::BufferSize::new(std::mem::size_of::<RecordParams>() as u64),
        });
        ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("record"),
            layout: &self.layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params_binding,
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: src.binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: raster.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: indices.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: trace.as_entire_binding(),
                },
            ],
        })
    }

    /// Packs one step's spikes (params slot `slot`).
    pub fn pack(&self, pass: &mut wgpu::ComputePass<'_>, bind: &wgpu::BindGroup, slot: u64, words: u32, max_dim: u32) {
        let (x, y) = grid(words.div_ceil(WORKGROUP_SIZE), max_dim);
        pass.set_pipeline(&self.pack);
        pass.set_bind_group(0, bind, &[(slot * self.stride) as u32]);
        pass.dispatch_workgroups(x, y, 1);
    }

    /// Copies the chosen neurons of the bound compartment into the bound trace (params slot
    /// `slot` names the sample).
    pub fn gather(&self, pass: &mut wgpu::ComputePass<'_>, bind: &wgpu::BindGroup, slot: u64, count: u32) {
        pass.set_pipeline(&self.gather);
        pass.set_bind_group(0, bind, &[(slot * self.stride) as u32]);
        pass.dispatch_workgroups(count.div_ceil(64), 1, 1);
    }
}
