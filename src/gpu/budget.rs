//! The adapter-limit budget of every kernel spikegpu builds: storage buffers per shader stage
//! (from each pipeline layout's description: [`Layout::storage_buffers`] for cells,
//! [`NetworkKernel::storage`] for network components, the recording and PRNG-check layouts),
//! workgroup size, and for cells the largest population the state buffer's binding holds.
//! `spikegpu info` prints it per adapter; [`super::GpuBackend::new`] reports a population that
//! does not fit as [`Error::AdapterLimit`] with the limit and what it needs.

use super::buffers::WORKGROUP_SIZE;
use crate::cells::describe::Layout;
use crate::cells::{CELLS, CellEntry};
use crate::error::{Error, Result};
use crate::network::gpu::{KERNELS, NetworkKernel};

/// What a kernel belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelKind {
    /// A cell's kernel (every entry point of its module shares one pipeline layout).
    Cell,
    /// A network component's kernel.
    Network,
    /// The per-step path's spike packing and trace sampling.
    Recording,
    /// The PRNG conformance check.
    PrngCheck,
}

impl KernelKind {
    /// The word `spikegpu info` shows.
    pub fn name(self) -> &'static str {
        match self {
            KernelKind::Cell => "cell",
            KernelKind::Network => "network",
            KernelKind::Recording => "recording",
            KernelKind::PrngCheck => "prng check",
        }
    }
}

/// One kernel's pipeline layout, as the budget sees it.
#[derive(Debug, Clone, Copy)]
pub struct KernelBudget {
    /// The cell's key or the kernel's file.
    pub name: &'static str,
    /// What it belongs to.
    pub kind: KernelKind,
    /// Storage buffers its pipeline layout binds in the compute stage (all groups).
    pub storage_buffers: u32,
    /// The cell's layout (cells only).
    pub layout: Option<&'static Layout>,
}

/// Storage buffers of the recording kernels' layout (`shaders/lib/record.wgsl`).
pub const RECORDING_STORAGE_BUFFERS: u32 = super::recorder::STORAGE.len() as u32;

/// A cell's kernel.
pub fn cell_kernel(entry: &CellEntry) -> KernelBudget {
    KernelBudget {
        name: entry.key,
        kind: KernelKind::Cell,
        storage_buffers: entry.layout.storage_buffers(entry.elementwise),
        layout: Some(entry.layout),
    }
}

/// Every kernel spikegpu builds: the cells, the network components, recording and PRNG check.
pub fn kernels() -> Vec<KernelBudget> {
    let cells = CELLS.iter().map(|e| cell_kernel(e));
    let network = KERNELS.iter().map(|k: &NetworkKernel| KernelBudget {
        name: k.name(),
        kind: KernelKind::Network,
        storage_buffers: k.storage.len() as u32,
        layout: None,
    });
    let others = [
        KernelBudget {
            name: super::shaders::RECORD.0,
            kind: KernelKind::Recording,
            storage_buffers: RECORDING_STORAGE_BUFFERS,
            layout: None,
        },
        KernelBudget {
            name: super::rng_check::SHADER.0,
            kind: KernelKind::PrngCheck,
            storage_buffers: super::rng_check::STORAGE_BUFFERS,
            layout: None,
        },
    ];
    cells.chain(network).chain(others).collect()
}

/// `Err(Error::AdapterLimit)` when `needed` exceeds the adapter's `available`.
pub fn check_limit(limit: &'static str, available: u64, needed: u64) -> Result<()> {
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

/// Whether a kernel's pipelines can be created on an adapter with `limits`: the first limit
/// it exceeds otherwise.
pub fn check_kernel(kernel: &KernelBudget, limits: &wgpu::Limits) -> Result<()> {
    check_limit(
        "max_storage_buffers_per_shader_stage",
        u64::from(limits.max_storage_buffers_per_shader_stage),
        u64::from(kernel.storage_buffers),
    )?;
    check_limit(
        "max_compute_workgroup_size_x",
        u64::from(limits.max_compute_workgroup_size_x),
        u64::from(WORKGROUP_SIZE),
    )?;
    check_limit(
        "max_compute_invocations_per_workgroup",
        u64::from(limits.max_compute_invocations_per_workgroup),
        u64::from(WORKGROUP_SIZE),
    )
}

/// The largest binding a cell's state buffer may have: the adapter's storage binding and buffer
/// sizes, and 4 GiB (the kernels index it with `u32`).
pub fn state_binding_limit(limits: &wgpu::Limits) -> (&'static str, u64) {
    let binding = limits.max_storage_buffer_binding_size.min(1 << 32);
    if limits.max_buffer_size < binding {
        ("max_buffer_size", limits.max_buffer_size)
    } else {
        ("max_storage_buffer_binding_size", binding)
    }
}

/// Bytes of one compartment's slot in the state buffer for `total` = B·N values: the values,
/// rounded up to the adapter's storage offset alignment so the slot can be bound on its own.
pub fn slot_bytes(total: usize, limits: &wgpu::Limits) -> u64 {
    (total.max(1) as u64 * 4).next_multiple_of(u64::from(limits.min_storage_buffer_offset_alignment))
}

/// The most units (B·N) a population of a cell with `layout` may have on an adapter with
/// `limits`: its state buffer (every compartment's slot) must fit one binding.
pub fn max_units(layout: &Layout, limits: &wgpu::Limits) -> u64 {
    let (_, bytes) = state_binding_limit(limits);
    let align = u64::from(limits.min_storage_buffer_offset_alignment);
    let per_slot = bytes / layout.packed().count().max(1) as u64;
    per_slot / align * align / 4
}

/// The adapter limits `spikegpu info` shows: `(name, value)`.
pub fn relevant_limits(limits: &wgpu::Limits) -> Vec<(&'static str, u64)> {
    vec![
        (
            "max_storage_buffers_per_shader_stage",
            u64::from(limits.max_storage_buffers_per_shader_stage),
        ),
        (
            "max_storage_buffer_binding_size",
            limits.max_storage_buffer_binding_size,
        ),
        ("max_buffer_size", limits.max_buffer_size),
        (
            "min_storage_buffer_offset_alignment",
            u64::from(limits.min_storage_buffer_offset_alignment),
        ),
        (
            "max_compute_workgroup_size_x",
            u64::from(limits.max_compute_workgroup_size_x),
        ),
        (
            "max_compute_invocations_per_workgroup",
            u64::from(limits.max_compute_invocations_per_workgroup),
        ),
        (
            "max_compute_workgroups_per_dimension",
            u64::from(limits.max_compute_workgroups_per_dimension),
        ),
        (
            "max_compute_workgroup_storage_size",
            u64::from(limits.max_compute_workgroup_storage_size),
        ),
    ]
}
