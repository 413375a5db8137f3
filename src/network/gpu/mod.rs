//! [`GpuNetwork`]: a [`Graph`] on the GPU. Every compartment is a storage buffer allocated at
//! build time; every component's bind group is built once; a run writes one small uniform slot
//! per call (time, constants, PRNG subkey, delay-ring head) and records all steps of all
//! components into one command buffer per chunk, with per-step inputs and recordings copied on
//! the GPU and read back once per chunk.
//!
//! Wiring: a copy-wired compartment of an encoder or synapse binds its source's buffer (no
//! copy); a summed one is computed by `shaders/network/wire.wgsl` into a buffer of its own,
//! right before the call that reads it (ngclearn reads wires at the moment of the call). A
//! cell's wired input is written into the cell's own `j` buffer the same way.
//!
//! Cells step through their population kernels from persistent step slots
//! ([`GpuBackend::step_slots`]); nothing is allocated per step. All dispatches of a step share
//! one compute pass.
//!
//! Files: `kernels.rs` (the WGSL kernels, layouts, bind groups), `build.rs` (buffers and plans
//! from a graph), `stream.rs` (one command stream), `engine.rs` (state access and runs).

mod build;
mod engine;
mod kernels;
mod plastic;
mod stream;

pub use engine::RunTiming;
pub use kernels::{KERNELS, NetworkKernel};

use std::sync::Arc;

use super::graph::{Graph, Port, Ring, WireOp};
use crate::error::{Error, Result};
use crate::gpu::buffers::read_f32_at;
use crate::gpu::population::StepSlots;
use crate::gpu::{GpuBackend, GpuContext};
use crate::rng::Key;
use kernels::{KERNELS as KERNEL_TABLE, Kernel, WIRE};
use stream::Stream;

/// One arena entry: a whole buffer, or a cell compartment's slot of its population's state
/// buffer (bound as exactly that range; copies and views add its byte offset).
struct ArenaBuffer {
    buffer: wgpu::Buffer,
    offset: u64,
    size: Option<wgpu::BufferSize>,
}

impl ArenaBuffer {
    fn slot(slot: crate::gpu::buffers::CompartmentBuffer<'_>) -> ArenaBuffer {
        ArenaBuffer {
            buffer: slot.buffer.clone(),
            offset: slot.offset,
            size: wgpu::BufferSize::new(slot.size),
        }
    }

    fn binding(&self) -> wgpu::BindingResource<'_> {
        wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: &self.buffer,
            offset: self.offset,
            size: self.size,
        })
    }

    /// Byte offset of element `element` (of f32 values).
    fn at(&self, element: usize) -> u64 {
        self.offset + (element * 4) as u64
    }
}

impl From<wgpu::Buffer> for ArenaBuffer {
    fn from(buffer: wgpu::Buffer) -> ArenaBuffer {
        ArenaBuffer {
            buffer,
            offset: 0,
            size: None,
        }
    }
}

/// A compartment's storage: `len` values at element `offset` of arena buffer `buffer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct View {
    buffer: usize,
    offset: usize,
    len: usize,
}

/// What one component dispatches per advance.
enum Plan {
    /// One network kernel under one bind group (call uniform at binding 0): its entry points
    /// dispatched in order, each `(entry index, grid)`.
    Kernel {
        kernel: usize,
        bind: wgpu::BindGroup,
        dispatches: Vec<(usize, (u32, u32))>,
        /// A plastic synapse's evolve: its kernel, bind group and grid.
        evolve: Option<(usize, wgpu::BindGroup, (u32, u32))>,
    },
    /// Nothing to dispatch (a drive only holds the user's values).
    Nothing,
    Cell {
        backend: Box<GpuBackend>,
        /// One uniform slot per advance of a chunk, allocated once.
        slots: StepSlots,
    },
}

impl Plan {
    /// A kernel with a single entry point over `grid`.
    fn single(kernel: usize, bind: wgpu::BindGroup, grid: (u32, u32)) -> Plan {
        Plan::Kernel {
            kernel,
            bind,
            dispatches: vec![(0, grid)],
            evolve: None,
        }
    }
}

/// A wire that must be computed before a call: `(target view, source views)`.
struct Materialise {
    op: WireOp,
    target: View,
    sources: Vec<View>,
    /// Bind groups of the summation dispatches (one per source after the first).
    binds: Vec<wgpu::BindGroup>,
    grid: (u32, u32),
}

/// The GPU engine. See the [module docs](self).
pub struct GpuNetwork {
    ctx: Arc<GpuContext>,
    graph: Graph,
    arena: Vec<ArenaBuffer>,
    views: Vec<Vec<View>>,
    plans: Vec<Plan>,
    /// Per component: wires to compute before its advance.
    before: Vec<Vec<Materialise>>,
    kernels: Vec<Kernel>,
    calls: wgpu::Buffer,
    /// Slot k holds the row index k (the raster row of a chunk's step k), same stride as calls.
    rows: wgpu::Buffer,
    stride: u64,
    capacity: usize,
    keys: Vec<Key>,
    /// Per component: advances so far (the delay ring's head is this modulo its depth).
    advances: Vec<u64>,
    last_timing: Option<RunTiming>,
}

impl std::fmt::Debug for GpuNetwork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuNetwork")
            .field("adapter", &self.ctx.adapter.name)
            .field("components", &self.graph.components.len())
            .field("buffers", &self.arena.len())
            .finish()
    }
}

const STORAGE_USAGE: wgpu::BufferUsages = wgpu::BufferUsages::STORAGE
    .union(wgpu::BufferUsages::COPY_SRC)
    .union(wgpu::BufferUsages::COPY_DST);

/// Call slots of one uniform buffer (a run longer than this is recorded in chunks).
const CALL_SLOTS: usize = 16 * 1024;

fn network_error(part: impl Into<String>, problem: impl Into<String>) -> Error {
    Error::Network {
        part: part.into(),
        problem: problem.into(),
    }
}

impl GpuNetwork {
    /// Where the last run's time went (host encoding vs GPU execution and readback).
    pub fn last_timing(&self) -> Option<RunTiming> {
        self.last_timing
    }

    /// The adapter's name and API.
    pub fn describe(&self) -> String {
        format!("{} ({:?})", self.ctx.adapter.name, self.ctx.adapter.backend)
    }

    fn view(&self, port: Port) -> View {
        self.views[port.component][port.compartment]
    }

    /// The delay ring of `port`, if it is one: `(depth, plane)`.
    /// The delay ring stored at `port` now, if it is one.
    fn ring_of(&self, port: Port) -> Option<Ring> {
        let (depth, plane) = self.graph.ring(port)?;
        Some(Ring {
            depth,
            plane,
            head: self.head(port.component),
        })
    }

    fn head(&self, component: usize) -> usize {
        match self.graph.ring_depth(component) {
            0 => 0,
            depth => (self.advances[component] % depth as u64) as usize,
        }
    }

    fn read_view(&self, view: View) -> Result<Vec<f32>> {
        let ctx = &self.ctx;
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("network.readback"),
            size: ((view.offset + view.len) * 4).max(4) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let all = ctx.checked("reading a network compartment", || {
            let a = &self.arena[view.buffer];
            read_f32_at(ctx, &a.buffer, a.offset, &staging, view.offset + view.len)
        })??;
        Ok(all[view.offset..].to_vec())
    }

    /// Computes a wired compartment into its own buffer from its sources now.
    fn encode_materialise(&self, stream: &mut Stream, m: &Materialise) {
        match m.op {
            WireOp::Copy => stream.encoder().copy_buffer_to_buffer(
                &self.arena[m.sources[0].buffer].buffer,
                self.arena[m.sources[0].buffer].at(m.sources[0].offset),
                &self.arena[m.target.buffer].buffer,
                self.arena[m.target.buffer].at(m.target.offset),
                (m.target.len * 4) as u64,
            ),
            WireOp::Sum => {
                let pass = stream.pass();
                for (k, bind) in m.binds.iter().enumerate() {
                    pass.set_pipeline(&self.kernels[WIRE].pipelines[usize::from(k > 0)]);
                    pass.set_bind_group(0, bind, &[]);
                    pass.dispatch_workgroups(m.grid.0, m.grid.1, 1);
                }
            }
        }
    }

    /// Records a plastic synapse's `evolve` (its wires first) with call slot `slot` (the time
    /// EventSTDP reads).
    fn encode_evolve(&self, stream: &mut Stream, c: usize, slot: u64) {
        for m in &self.before[c] {
            self.encode_materialise(stream, m);
        }
        if let Plan::Kernel {
            evolve: Some((kernel, bind, grid)),
            ..
        } = &self.plans[c]
        {
            let pass = stream.pass();
            pass.set_pipeline(&self.kernels[*kernel].pipelines[0]);
            if KERNEL_TABLE[*kernel].uses_call {
                pass.set_bind_group(0, bind, &[(slot * self.stride) as u32]);
            } else {
                pass.set_bind_group(0, bind, &[]);
            }
            pass.dispatch_workgroups(grid.0, grid.1, 1);
        }
    }

    /// Records component `c`'s advance (its wires first) with call slot `slot`.
    fn encode_advance(&self, stream: &mut Stream, c: usize, slot: u64, cell_slot: usize) {
        for m in &self.before[c] {
            self.encode_materialise(stream, m);
        }
        let offset = [(slot * self.stride) as u32];
        match &self.plans[c] {
            Plan::Kernel {
                kernel,
                bind,
                dispatches,
                ..
            } => {
                let pass = stream.pass();
                pass.set_bind_group(0, bind, &offset);
                for &(entry, grid) in dispatches {
                    pass.set_pipeline(&self.kernels[*kernel].pipelines[entry]);
                    pass.dispatch_workgroups(grid.0, grid.1, 1);
                }
            }
            Plan::Nothing => {}
            Plan::Cell { backend, slots } => backend.encode_step(stream.pass(), slots, cell_slot),
        }
    }
}
