//! The network's WGSL kernels: their pieces, layouts, pipelines and bind groups, and the small
//! buffer helpers the engine builds with.

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::*;
use crate::error::Result;
use crate::gpu::GpuContext;
use crate::gpu::buffers::layout_entry;
use crate::gpu::shaders::compose_pieces;

/// `Call` of `shaders/network/call.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, Default)]
pub(super) struct CallUniform {
    pub(super) t: f32,
    pub(super) dt: f32,
    pub(super) inv_dt: f32,
    pub(super) dt_ms: f32,
    pub(super) key: [u32; 2],
    pub(super) head: u32,
    pub(super) decay: f32,
}

macro_rules! network_piece {
    ($stem:literal) => {
        (
            concat!("shaders/network/", $stem, ".wgsl"),
            include_str!(concat!("../../../shaders/network/", $stem, ".wgsl")),
        )
    };
}

use crate::gpu::shaders::{MATH_LIBRARY as MATH, RNG_LIBRARY as RNG};
pub(super) const INDEX: (&str, &str) = network_piece!("index");
pub(super) const CALL: (&str, &str) = network_piece!("call");
pub(super) const SYNAPSE_SET: (&str, &str) = network_piece!("synapse_set");
pub(super) const STDP_RULE: (&str, &str) = network_piece!("stdp_rule");
pub(super) const PROJECTION_COMMON: (&str, &str) = network_piece!("projection_common");

/// One network kernel file: its pieces (composed in order, the file last), its entry points,
/// whether it binds the per-call uniform at binding 0, and its storage bindings from binding 2
/// (`true`: read-only).
#[derive(Debug)]
pub struct NetworkKernel {
    /// The WGSL pieces, the kernel file last.
    pub pieces: &'static [(&'static str, &'static str)],
    /// Entry points.
    pub entries: &'static [&'static str],
    /// Whether binding 0 is the per-call uniform (dynamic offset).
    pub uses_call: bool,
    /// Storage bindings 2, 3, …: read-only or not.
    pub storage: &'static [bool],
}

pub(super) const ENCODER: usize = 0;
pub(super) const DENSE: usize = 1;
pub(super) const EXPONENTIAL: usize = 2;
pub(super) const PROJECTION: usize = 3;
pub(super) const WIRE: usize = 4;
pub(super) const PACK: usize = 5;
pub(super) const TRACE: usize = 6;
pub(super) const STDP: usize = 7;
pub(super) const EVENT_STDP: usize = 8;
pub(super) const EXP_STDP: usize = 9;
pub(super) const MSTDPET: usize = 10;
pub(super) const EVENT: usize = 11;

/// Every network kernel, in the order the engine indexes them.
pub const KERNELS: &[NetworkKernel] = &[
    NetworkKernel {
        pieces: &[RNG, INDEX, CALL, network_piece!("encoders")],
        entries: &["encoder_advance"],
        uses_call: true,
        storage: &[true, false, false],
    },
    NetworkKernel {
        pieces: &[INDEX, CALL, network_piece!("dense")],
        entries: &["dense_pre", "dense_post"],
        uses_call: true,
        storage: &[true, false, true, true, true, false, false],
    },
    NetworkKernel {
        pieces: &[INDEX, CALL, network_piece!("exponential")],
        entries: &["exponential_post"],
        uses_call: true,
        storage: &[true, false, true, true, false, false],
    },
    NetworkKernel {
        pieces: &[RNG, INDEX, CALL, PROJECTION_COMMON, network_piece!("projection")],
        entries: &["projection_pre", "projection_post"],
        uses_call: true,
        storage: &[true, false, true, true, false, false, false, true],
    },
    NetworkKernel {
        pieces: &[INDEX, network_piece!("wire")],
        entries: &["wire_sum2", "wire_add"],
        uses_call: false,
        storage: &[true, true, false],
    },
    NetworkKernel {
        pieces: &[INDEX, network_piece!("pack")],
        entries: &["pack_spikes"],
        uses_call: true,
        storage: &[true, false],
    },
    NetworkKernel {
        pieces: &[INDEX, CALL, network_piece!("trace")],
        entries: &["trace_advance"],
        uses_call: true,
        storage: &[true, false, false],
    },
    NetworkKernel {
        pieces: &[MATH, INDEX, SYNAPSE_SET, STDP_RULE, network_piece!("stdp")],
        entries: &["stdp_evolve"],
        uses_call: false,
        storage: &[false, false, true, true, true, true, true, true],
    },
    NetworkKernel {
        pieces: &[INDEX, CALL, SYNAPSE_SET, network_piece!("event_stdp")],
        entries: &["event_evolve"],
        uses_call: true,
        storage: &[false, false, true, true, true, true],
    },
    NetworkKernel {
        pieces: &[MATH, INDEX, SYNAPSE_SET, network_piece!("exp_stdp")],
        entries: &["exp_evolve"],
        uses_call: false,
        storage: &[false, false, true, true, true, true, true, true],
    },
    NetworkKernel {
        pieces: &[MATH, INDEX, CALL, SYNAPSE_SET, STDP_RULE, network_piece!("mstdpet")],
        entries: &["mstdpet_evolve"],
        uses_call: true,
        storage: &[false, false, false, true, true, true, true, true],
    },
    NetworkKernel {
        pieces: &[RNG, INDEX, CALL, PROJECTION_COMMON, network_piece!("event")],
        entries: &["event_pre", "event_scatter", "event_post"],
        uses_call: true,
        storage: &[true, false, true, true, false, false, false, true],
    },
];

impl NetworkKernel {
    /// The composed source.
    pub fn composed(&self) -> crate::gpu::shaders::ComposedShader {
        compose_pieces(self.pieces)
    }

    /// The file name of the kernel (its last piece).
    pub fn name(&self) -> &'static str {
        self.pieces.last().map_or("", |p| p.0)
    }
}

pub(super) struct Kernel {
    pub(super) layout: wgpu::BindGroupLayout,
    pub(super) pipelines: Vec<wgpu::ComputePipeline>,
}

pub(super) fn check_binding(component: &str, name: &str, len: usize, max: u64) -> Result<()> {
    let bytes = len as u64 * 4;
    if bytes > max {
        return Err(network_error(
            format!("{component}.{name}"),
            format!(
                "{bytes} bytes exceed the adapter's max_storage_buffer_binding_size ({max}); use a sparse or procedural projection"
            ),
        ));
    }
    Ok(())
}

pub(super) fn init_buffer(device: &wgpu::Device, label: &str, values: &[f32]) -> wgpu::Buffer {
    let padded;
    let contents: &[f32] = if values.is_empty() {
        padded = [0.0f32];
        &padded
    } else {
        values
    };
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(label),
        contents: bytemuck::cast_slice(contents),
        usage: STORAGE_USAGE,
    })
}

pub(super) fn uniform_words(device: &wgpu::Device, label: &str, words: &[u32]) -> wgpu::Buffer {
    let mut w = words.to_vec();
    w.resize(w.len().next_multiple_of(4), 0);
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(&format!("{label}.params")),
        contents: bytemuck::cast_slice(&w),
        usage: wgpu::BufferUsages::UNIFORM,
    })
}

pub(super) fn build_kernel(ctx: &GpuContext, kernel: &NetworkKernel) -> Kernel {
    let device = &ctx.device;
    let mut layout_entries = Vec::new();
    if kernel.uses_call {
        layout_entries.push(layout_entry(0, wgpu::BufferBindingType::Uniform, true));
    }
    layout_entries.push(layout_entry(1, wgpu::BufferBindingType::Uniform, false));
    for (i, &read_only) in kernel.storage.iter().enumerate() {
        layout_entries.push(layout_entry(
            2 + i as u32,
            wgpu::BufferBindingType::Storage { read_only },
            false,
        ));
    }
    let name = kernel.name();
    let layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some(name),
        entries: &layout_entries,
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(name),
        bind_group_layouts: &[Some(&layout)],
        immediate_size: 0,
    });
    let source = kernel.composed().source;
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(name),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    });
    let pipelines = kernel
        .entries
        .iter()
        .map(|entry| {
            device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                cache: None,
            })
        })
        .collect();
    Kernel { layout, pipelines }
}

/// [`make_bind`] with the parameter words uploaded as a uniform of their own (labelled `label`;
/// the bind group keeps it alive).
pub(super) fn bind_words(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    arena: &[ArenaBuffer],
    calls: Option<(&wgpu::Buffer, u64)>,
    (label, words): (&str, &[u32]),
    storage: &[usize],
) -> wgpu::BindGroup {
    make_bind(
        device,
        layout,
        arena,
        calls,
        &uniform_words(device, label, words),
        storage,
    )
}

pub(super) fn make_bind(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    arena: &[ArenaBuffer],
    calls: Option<(&wgpu::Buffer, u64)>,
    params: &wgpu::Buffer,
    storage: &[usize],
) -> wgpu::BindGroup {
    let mut entries = Vec::new();
    if let Some((calls, _)) = calls {
        entries.push(wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: calls,
                offset: 0,
                size: wgpu::BufferSize::new(std::mem::size_of::<CallUniform>() as u64),
            }),
        });
    }
    entries.push(wgpu::BindGroupEntry {
        binding: 1,
        resource: params.as_entire_binding(),
    });
    for (i, &b) in storage.iter().enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: 2 + i as u32,
            resource: arena[b].binding(),
        });
    }
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout,
        entries: &entries,
    })
}
