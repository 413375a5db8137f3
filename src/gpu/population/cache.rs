//! What a run of a [`GpuBackend`] allocates, kept for the next run: the step uniforms, the fused
//! kernel's step table, the streamed input, the raster and trace buffers, the recording
//! parameters and neuron indices, the readback staging buffer, the timestamp queries, and the
//! bind groups over them. A run writes its values into these buffers (`Queue::write_buffer`,
//! ordered before the run's submission and after every earlier one) instead of creating new
//! ones; a buffer is replaced only when a run needs more room than it has, and then at least
//! doubles, so a sequence of runs of the same shape allocates once. A bind group is recreated
//! only when one of the buffers it binds changed: the step bind group is kept per kind of input
//! (none, a slice copied in, an uploaded drive), so runs alternating between kinds reuse theirs,
//! while alternating between two uploaded drives rebinds (one bind group per run, no buffer).
//!
//! The buffers stay allocated while the population lives (the largest run's raster and input
//! included); [`GpuBackend::trim_run_buffers`] frees them. Runs encoded into a caller's command
//! encoder ([`crate::Population::encode_run`]) use fresh buffers instead: the caller may encode
//! several before submitting any, and a shared buffer would then hold only the last one's values.

use std::collections::HashMap;

use super::GpuBackend;
use crate::error::{Error, Result};
use crate::gpu::context::GpuContext;
use crate::run::DriveStore;

/// Resources the run path of one GPU population has created since it was built. Runs with the
/// same shape as an earlier run (steps, drive kind, what is recorded) create none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunAllocations {
    /// Buffers (uniforms, tables, inputs, rasters, traces, staging, uploaded drives).
    pub buffers: u64,
    /// Bind groups.
    pub bind_groups: u64,
    /// Timestamp query sets.
    pub query_sets: u64,
}

/// The role of a cached buffer or bind group: a name, and an index where a run has several
/// (one trace per sampled compartment).
type Role = (&'static str, usize);

/// Buffers and bind groups kept between runs, by role.
#[derive(Debug, Default)]
pub(super) struct RunCache {
    buffers: HashMap<Role, wgpu::Buffer>,
    /// Each bind group with the buffers it binds, in binding order.
    binds: HashMap<Role, (Vec<wgpu::Buffer>, wgpu::BindGroup)>,
    timestamps: Option<(wgpu::QuerySet, wgpu::Buffer)>,
    /// What this cache created (added to the backend's totals when a run ends).
    pub(super) created: RunAllocations,
}

impl RunCache {
    /// The buffer of `role` with at least `bytes` bytes (rounded up to 16) and `usage`: the
    /// cached one if it is large enough, else a new one of at least twice its size, within what
    /// the adapter allows for a buffer (bound whole where it is a storage buffer).
    pub(super) fn buffer(
        &mut self,
        device: &wgpu::Device,
        role: Role,
        bytes: u64,
        usage: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        let bytes = bytes.max(16).next_multiple_of(16);
        if let Some(held) = self.buffers.get(&role)
            && held.size() >= bytes
        {
            return held.clone();
        }
        let limits = device.limits();
        let cap = if usage.contains(wgpu::BufferUsages::STORAGE) {
            limits.max_storage_buffer_binding_size.min(limits.max_buffer_size)
        } else {
            limits.max_buffer_size
        };
        let grown = self.buffers.get(&role).map_or(0, |held| held.size().saturating_mul(2));
        let size = grown.min(cap).max(bytes);
        let made = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(role.0),
            size,
            usage,
            mapped_at_creation: false,
        });
        self.created.buffers += 1;
        self.buffers.insert(role, made.clone());
        made
    }

    /// The buffer of `role` ([`RunCache::buffer`], COPY_DST added) holding `contents` from byte
    /// 0, written through the queue (before the next submission, after every earlier one).
    pub(super) fn written(
        &mut self,
        ctx: &GpuContext,
        role: Role,
        contents: &[u8],
        usage: wgpu::BufferUsages,
    ) -> wgpu::Buffer {
        let buffer = self.buffer(
            &ctx.device,
            role,
            contents.len() as u64,
            usage | wgpu::BufferUsages::COPY_DST,
        );
        ctx.queue.write_buffer(&buffer, 0, contents);
        buffer
    }

    /// The bind group of `role` over `bound` (the buffers it binds): the cached one if it binds
    /// the same buffers, else `make()`.
    pub(super) fn bind(
        &mut self,
        role: Role,
        bound: &[&wgpu::Buffer],
        make: impl FnOnce() -> wgpu::BindGroup,
    ) -> wgpu::BindGroup {
        if let Some((held, group)) = self.binds.get(&role)
            && held.len() == bound.len()
            && held.iter().zip(bound).all(|(a, &b)| a == b)
        {
            return group.clone();
        }
        let group = make();
        self.created.bind_groups += 1;
        let key = bound.iter().map(|&b| b.clone()).collect();
        self.binds.insert(role, (key, group.clone()));
        group
    }

    /// A query set of two timestamps and the buffer they resolve into.
    pub(super) fn timestamps(&mut self, device: &wgpu::Device) -> (wgpu::QuerySet, wgpu::Buffer) {
        if let Some(held) = &self.timestamps {
            return held.clone();
        }
        let queries = device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("run.time"),
            ty: wgpu::QueryType::Timestamp,
            count: 2,
        });
        let resolve = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("run.time"),
            size: 16,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        self.created.query_sets += 1;
        self.created.buffers += 1;
        self.timestamps = Some((queries.clone(), resolve.clone()));
        (queries, resolve)
    }
}

impl RunAllocations {
    /// Adds `other`'s counts.
    pub(super) fn add(&mut self, other: RunAllocations) {
        self.buffers += other.buffers;
        self.bind_groups += other.bind_groups;
        self.query_sets += other.query_sets;
    }
}

impl GpuBackend {
    /// Buffers, bind groups and query sets this population's runs and drive uploads have
    /// created so far. A run with the same shape as the one before it (steps, drive kind,
    /// recording) adds nothing: its resources are reused (see `gpu/population/cache.rs`).
    pub fn run_allocations(&self) -> RunAllocations {
        let mut total = self.run_allocations;
        total.add(self.run_cache.created);
        total
    }

    /// Frees the buffers and bind groups kept for the next run (the next run allocates them
    /// again). Uploaded drives are not affected: they live as long as their handles.
    pub fn trim_run_buffers(&mut self) {
        let cache = std::mem::take(&mut self.run_cache);
        self.run_allocations.add(cache.created);
    }

    /// Uploads a drive's values (B·N or K·B·N, checked) into a storage buffer of their own.
    pub(super) fn upload_values(&mut self, values: &[f32]) -> Result<DriveStore> {
        let limits = self.ctx.device.limits();
        let cap = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
        let bytes = values.len() as u64 * 4;
        if bytes > cap {
            return Err(Error::AdapterLimit {
                limit: "max_storage_buffer_binding_size (an uploaded drive is bound whole)",
                available: cap,
                needed: bytes,
            });
        }
        let ctx = self.ctx.clone();
        let buffer = ctx.checked("uploading a drive", || {
            use wgpu::util::DeviceExt;
            ctx.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("run.uploaded_drive"),
                contents: bytemuck::cast_slice(values),
                usage: wgpu::BufferUsages::STORAGE,
            })
        })?;
        self.run_allocations.buffers += 1;
        Ok(DriveStore::Device(buffer))
    }
}
