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
//! Cells step through their population kernels ([`GpuBackend::encode_into`]), which still
//! allocate their uniform slots per call; the network's own kernels allocate nothing per step.

use std::sync::Arc;

use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

use super::NetEngine;
use super::cpu::{NetRecording, StepInputs, check_inputs};
use super::encoders::EncoderKind;
use super::graph::{Call, Graph, Kind, Port, StepOp, WireOp};
use super::projection::{Connectivity, Projection, ProjectionDynamics, names as pnames};
use super::synapses::{Dynamics, names};
use crate::cells::StepInfo;
use crate::error::{Error, Result};
use crate::gpu::buffers::{WORKGROUP_SIZE, grid, read_f32_at};
use crate::gpu::population::StepSlots;
use crate::gpu::shaders::compose_pieces;
use crate::gpu::{GpuBackend, GpuContext};
use crate::rng::Key;

/// `Call` of `shaders/network/call.wgsl`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable, Default)]
struct CallUniform {
    t: f32,
    dt: f32,
    inv_dt: f32,
    dt_ms: f32,
    key: [u32; 2],
    head: u32,
    decay: f32,
}

macro_rules! network_piece {
    ($stem:literal) => {
        (
            concat!("shaders/network/", $stem, ".wgsl"),
            include_str!(concat!("../../shaders/network/", $stem, ".wgsl")),
        )
    };
}

const RNG: (&str, &str) = ("shaders/lib/rng.wgsl", include_str!("../../shaders/lib/rng.wgsl"));
const INDEX: (&str, &str) = network_piece!("index");
const CALL: (&str, &str) = network_piece!("call");

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

const ENCODER: usize = 0;
const DENSE: usize = 1;
const EXPONENTIAL: usize = 2;
const PROJECTION: usize = 3;
const WIRE: usize = 4;
const PACK: usize = 5;

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
        pieces: &[RNG, INDEX, CALL, network_piece!("projection")],
        entries: &["projection_pre", "projection_post"],
        uses_call: true,
        storage: &[true, false, true, true, false, false, false],
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

/// A compartment's storage: `len` values at element `offset` of arena buffer `buffer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct View {
    buffer: usize,
    offset: usize,
    len: usize,
}

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

struct Kernel {
    layout: wgpu::BindGroupLayout,
    pipelines: Vec<wgpu::ComputePipeline>,
}

/// What one component dispatches per advance.
enum Plan {
    Encoder {
        bind: wgpu::BindGroup,
        grid: (u32, u32),
    },
    Dense {
        bind: wgpu::BindGroup,
        pre_grid: (u32, u32),
        post_grid: (u32, u32),
    },
    Exponential {
        bind: wgpu::BindGroup,
        grid: (u32, u32),
    },
    Projection {
        bind: wgpu::BindGroup,
        pre_grid: Option<(u32, u32)>,
        post_grid: (u32, u32),
    },
    /// Nothing to dispatch (a drive only holds the user's values).
    Nothing,
    Cell {
        backend: Box<GpuBackend>,
        /// One uniform slot per advance of a chunk, allocated once.
        slots: StepSlots,
    },
}

/// One command stream: dispatches share one open compute pass until a copy needs the encoder
/// (a pass per component costs a barrier and, on software adapters, real time).
struct Stream {
    encoder: wgpu::CommandEncoder,
    pass: Option<wgpu::ComputePass<'static>>,
}

impl Stream {
    fn new(device: &wgpu::Device) -> Stream {
        Stream {
            encoder: device.create_command_encoder(&Default::default()),
            pass: None,
        }
    }

    /// The open pass (opened if none is).
    fn pass(&mut self) -> &mut wgpu::ComputePass<'static> {
        let encoder = &mut self.encoder;
        self.pass.get_or_insert_with(|| {
            encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("network.step"),
                    timestamp_writes: None,
                })
                .forget_lifetime()
        })
    }

    /// The encoder, for copies: the open pass ends first.
    fn encoder(&mut self) -> &mut wgpu::CommandEncoder {
        self.pass = None;
        &mut self.encoder
    }

    fn finish(mut self) -> wgpu::CommandBuffer {
        self.pass = None;
        self.encoder.finish()
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
    /// Allocates every buffer, pipeline and bind group of `graph` on `ctx`'s device, with the
    /// components' construction values.
    pub fn new(ctx: &Arc<GpuContext>, graph: Graph) -> Result<GpuNetwork> {
        graph.check()?;
        let device = &ctx.device;
        let limits = device.limits();
        let max_binding = limits.max_storage_buffer_binding_size;
        let max_dim = limits.max_compute_workgroups_per_dimension;
        let stride = (std::mem::size_of::<CallUniform>() as u64)
            .next_multiple_of(u64::from(limits.min_uniform_buffer_offset_alignment));
        ctx.checked("building the network", || -> Result<GpuNetwork> {
            let kernels = KERNELS.iter().map(|k| build_kernel(ctx, k)).collect::<Vec<_>>();
            let mut arena: Vec<ArenaBuffer> = Vec::new();
            let mut views: Vec<Vec<View>> = Vec::new();
            let mut plans_pending: Vec<Option<Box<GpuBackend>>> = Vec::new();
            // 1. Storage for every compartment that is not wired.
            for (ci, c) in graph.components.iter().enumerate() {
                let comps = c.compartments();
                let initial = c.initial();
                let mut cv = vec![
                    View {
                        buffer: usize::MAX,
                        offset: 0,
                        len: 0
                    };
                    comps.len()
                ];
                let mut backend = None;
                match &c.kind {
                    Kind::Cell { model, n_units } => {
                        let mut b = GpuBackend::new(ctx.clone(), model.as_ref(), c.batch, *n_units)?;
                        for (q, values) in initial.iter().enumerate() {
                            crate::backend::Backend::write(&mut b, q, values)?;
                            arena.push(ArenaBuffer::slot(b.buffer(q)));
                            cv[q] = View {
                                buffer: arena.len() - 1,
                                offset: 0,
                                len: values.len(),
                            };
                        }
                        backend = Some(Box::new(b));
                    }
                    Kind::Synapse(s) if matches!(s.dynamics, Dynamics::Instant) => {
                        // mask, biases and the delay indices share one buffer: a dense synapse
                        // then binds 7 storage buffers (WebGPU's default limit is 8).
                        let mask_q = c.compartment(names::MASK)?;
                        let bias_q = c.compartment(names::BIASES)?;
                        let mut aux = initial[mask_q].clone();
                        aux.extend_from_slice(&initial[bias_q]);
                        aux.extend(s.delay_indices.iter().map(|&d| d as f32));
                        let aux_buffer = arena.len();
                        arena.push(init_buffer(device, &format!("{}.aux", c.name), &aux).into());
                        cv[mask_q] = View {
                            buffer: aux_buffer,
                            offset: 0,
                            len: initial[mask_q].len(),
                        };
                        cv[bias_q] = View {
                            buffer: aux_buffer,
                            offset: initial[mask_q].len(),
                            len: initial[bias_q].len(),
                        };
                        for (q, (name, _)) in comps.iter().enumerate() {
                            if q == mask_q || q == bias_q {
                                continue;
                            }
                            check_binding(&c.name, name, initial[q].len(), max_binding)?;
                            arena.push(init_buffer(device, &format!("{}.{name}", c.name), &initial[q]).into());
                            cv[q] = View {
                                buffer: arena.len() - 1,
                                offset: 0,
                                len: initial[q].len(),
                            };
                        }
                    }
                    _ => {
                        for (q, (name, _)) in comps.iter().enumerate() {
                            check_binding(&c.name, name, initial[q].len(), max_binding)?;
                            arena.push(init_buffer(device, &format!("{}.{name}", c.name), &initial[q]).into());
                            cv[q] = View {
                                buffer: arena.len() - 1,
                                offset: 0,
                                len: initial[q].len(),
                            };
                        }
                    }
                }
                let _ = ci;
                views.push(cv);
                plans_pending.push(backend);
            }
            // 2. Wires: copies alias their source (except into a cell's own buffers); sums get
            //    computed into the target's buffer before the reading call.
            let mut before: Vec<Vec<Materialise>> = graph.components.iter().map(|_| Vec::new()).collect();
            for w in &graph.wires {
                let sources: Vec<View> = w.sources.iter().map(|s| views[s.component][s.compartment]).collect();
                let target_is_cell = matches!(graph.components[w.target.component].kind, Kind::Cell { .. });
                let target = views[w.target.component][w.target.compartment];
                if w.op == WireOp::Copy && !target_is_cell {
                    views[w.target.component][w.target.compartment] = sources[0];
                    continue;
                }
                let n = target.len;
                let groups = grid((n as u32).div_ceil(WORKGROUP_SIZE), max_dim);
                let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("wire.params"),
                    contents: bytemuck::cast_slice(&[n as u32, groups.0, 0, 0]),
                    usage: wgpu::BufferUsages::UNIFORM,
                });
                let mut binds = Vec::new();
                if w.op == WireOp::Sum {
                    for (si, s) in sources.iter().enumerate().skip(1) {
                        let a = if si == 1 { sources[0] } else { *s };
                        binds.push(make_bind(
                            device,
                            &kernels[WIRE].layout,
                            &arena,
                            None,
                            &params,
                            &[a.buffer, s.buffer, target.buffer],
                        ));
                    }
                }
                before[w.target.component].push(Materialise {
                    op: w.op,
                    target,
                    sources,
                    binds,
                    grid: groups,
                });
            }
            let calls = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("network.calls"),
                size: stride * CALL_SLOTS as u64,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            // 3. Each component's parameters and bind group, built once.
            let mut plans = Vec::new();
            for (ci, (c, backend)) in graph.components.iter().zip(plans_pending).enumerate() {
                let v = &views[ci];
                let plan = match &c.kind {
                    Kind::Drive { .. } => Plan::Nothing,
                    Kind::Projection(p) => projection_plan(
                        device,
                        &kernels[PROJECTION].layout,
                        &mut arena,
                        &calls,
                        stride,
                        c,
                        p,
                        v,
                        max_dim,
                    )?,
                    Kind::Cell { .. } => {
                        let backend = backend.expect("cells got their backend in step 1");
                        let slots = backend.step_slots(CALL_SLOTS);
                        Plan::Cell { backend, slots }
                    }
                    Kind::Encoder { kind, .. } => {
                        let n = v[0].len as u32;
                        let g = grid(n.div_ceil(WORKGROUP_SIZE), max_dim);
                        let (freq, poisson) = match kind {
                            EncoderKind::Poisson { target_freq } => (*target_freq, 1u32),
                            EncoderKind::Bernoulli => (1.0, 0),
                        };
                        let params = uniform_words(device, &c.name, &[n, g.0, freq.to_bits(), poisson]);
                        let bufs: Vec<usize> = v.iter().map(|x| x.buffer).collect();
                        Plan::Encoder {
                            bind: make_bind(
                                device,
                                &kernels[ENCODER].layout,
                                &arena,
                                Some((&calls, stride)),
                                &params,
                                &bufs,
                            ),
                            grid: g,
                        }
                    }
                    Kind::Synapse(s) => match s.dynamics {
                        Dynamics::Instant => {
                            let (pre_n, post_n) = ((c.batch * s.n_pre) as u32, (c.batch * s.n_post) as u32);
                            let pre_grid = grid(pre_n.div_ceil(WORKGROUP_SIZE), max_dim);
                            let post_grid = grid(post_n.div_ceil(WORKGROUP_SIZE), max_dim);
                            let q = |name: &str| c.compartment(name);
                            let mask = v[q(names::MASK)?];
                            let bias = v[q(names::BIASES)?];
                            let ring = if s.max_delay_steps > 0 {
                                v[q(names::DELAY_BUFFER)?].buffer
                            } else {
                                v[q(names::DELAYED_INPUTS)?].buffer
                            };
                            let words = [
                                c.batch as u32,
                                s.n_pre as u32,
                                s.n_post as u32,
                                s.max_delay_steps as u32,
                                s.mask_shape[0] as u32,
                                s.mask_shape[1] as u32,
                                bias.len as u32,
                                pre_grid.0,
                                post_grid.0,
                                mask.offset as u32,
                                bias.offset as u32,
                                (bias.offset + bias.len) as u32,
                                s.g_conduct_factor.to_bits(),
                                0,
                                0,
                                0,
                            ];
                            let params = uniform_words(device, &c.name, &words);
                            let bufs = [
                                v[q(names::INPUTS)?].buffer,
                                v[q(names::OUTPUTS)?].buffer,
                                v[q(names::WEIGHTS)?].buffer,
                                mask.buffer,
                                v[q(names::GATE)?].buffer,
                                ring,
                                v[q(names::DELAYED_INPUTS)?].buffer,
                            ];
                            Plan::Dense {
                                bind: make_bind(
                                    device,
                                    &kernels[DENSE].layout,
                                    &arena,
                                    Some((&calls, stride)),
                                    &params,
                                    &bufs,
                                ),
                                pre_grid,
                                post_grid,
                            }
                        }
                        Dynamics::Exponential {
                            tau_decay,
                            g_syn_bar,
                            syn_rest,
                        } => {
                            let post_n = (c.batch * s.n_post) as u32;
                            let g = grid(post_n.div_ceil(WORKGROUP_SIZE), max_dim);
                            let words = [
                                c.batch as u32,
                                s.n_pre as u32,
                                s.n_post as u32,
                                g.0,
                                tau_decay.to_bits(),
                                g_syn_bar.to_bits(),
                                s.g_conduct_factor.to_bits(),
                                syn_rest.unwrap_or(0.0).to_bits(),
                                u32::from(syn_rest.is_some()),
                                0,
                                0,
                                0,
                            ];
                            let params = uniform_words(device, &c.name, &words);
                            let q = |name: &str| c.compartment(name).map(|i| v[i].buffer);
                            let bufs = [
                                q(names::INPUTS)?,
                                q(names::OUTPUTS)?,
                                q(names::WEIGHTS)?,
                                q(names::V)?,
                                q(names::I_SYN)?,
                                q(names::G_SYN)?,
                            ];
                            Plan::Exponential {
                                bind: make_bind(
                                    device,
                                    &kernels[EXPONENTIAL].layout,
                                    &arena,
                                    Some((&calls, stride)),
                                    &params,
                                    &bufs,
                                ),
                                grid: g,
                            }
                        }
                    },
                };
                plans.push(plan);
            }
            let mut row_bytes = vec![0u8; stride as usize * CALL_SLOTS];
            for k in 0..CALL_SLOTS {
                row_bytes[k * stride as usize..k * stride as usize + 4].copy_from_slice(&(k as u32).to_le_bytes());
            }
            let rows = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("network.rows"),
                contents: &row_bytes,
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let keys = graph.components.iter().map(|c| c.key).collect();
            let advances = vec![0; graph.components.len()];
            Ok(GpuNetwork {
                ctx: ctx.clone(),
                graph,
                arena,
                views,
                plans,
                before,
                kernels,
                calls,
                rows,
                stride,
                capacity: CALL_SLOTS,
                keys,
                advances,
                last_timing: None,
            })
        })?
    }

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
    fn ring_of(&self, port: Port) -> Option<(usize, usize)> {
        self.graph.ring(port)
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

    /// Records component `c`'s advance (its wires first) with call slot `slot`.
    fn encode_advance(&self, stream: &mut Stream, c: usize, slot: u64, cell_slot: usize) {
        for m in &self.before[c] {
            self.encode_materialise(stream, m);
        }
        let offset = [(slot * self.stride) as u32];
        match &self.plans[c] {
            Plan::Encoder { bind, grid } => {
                let pass = stream.pass();
                pass.set_pipeline(&self.kernels[ENCODER].pipelines[0]);
                pass.set_bind_group(0, &*bind, &offset);
                pass.dispatch_workgroups(grid.0, grid.1, 1);
            }
            Plan::Dense {
                bind,
                pre_grid,
                post_grid,
            } => {
                let pass = stream.pass();
                pass.set_bind_group(0, &*bind, &offset);
                pass.set_pipeline(&self.kernels[DENSE].pipelines[0]);
                pass.dispatch_workgroups(pre_grid.0, pre_grid.1, 1);
                pass.set_pipeline(&self.kernels[DENSE].pipelines[1]);
                pass.dispatch_workgroups(post_grid.0, post_grid.1, 1);
            }
            Plan::Projection {
                bind,
                pre_grid,
                post_grid,
            } => {
                let pass = stream.pass();
                pass.set_bind_group(0, &*bind, &offset);
                if let Some(g) = pre_grid {
                    pass.set_pipeline(&self.kernels[PROJECTION].pipelines[0]);
                    pass.dispatch_workgroups(g.0, g.1, 1);
                }
                pass.set_pipeline(&self.kernels[PROJECTION].pipelines[1]);
                pass.dispatch_workgroups(post_grid.0, post_grid.1, 1);
            }
            Plan::Nothing => {}
            Plan::Exponential { bind, grid } => {
                let pass = stream.pass();
                pass.set_pipeline(&self.kernels[EXPONENTIAL].pipelines[0]);
                pass.set_bind_group(0, &*bind, &offset);
                pass.dispatch_workgroups(grid.0, grid.1, 1);
            }
            Plan::Cell { backend, slots } => backend.encode_step(stream.pass(), slots, cell_slot),
        }
    }
}

/// The parameters, index buffer and bind group of a projection.
#[allow(clippy::too_many_arguments)]
fn projection_plan(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    arena: &mut Vec<ArenaBuffer>,
    calls: &wgpu::Buffer,
    stride: u64,
    c: &super::graph::Component,
    p: &Projection,
    v: &[View],
    max_dim: u32,
) -> Result<Plan> {
    let (pre_n, post_n) = ((c.batch * p.n_pre) as u32, (c.batch * p.n_post) as u32);
    let pre_grid = grid(pre_n.div_ceil(WORKGROUP_SIZE), max_dim);
    let post_grid = grid(post_n.div_ceil(WORKGROUP_SIZE), max_dim);
    let (connectivity, prob, weight, weight_high, has_high, conn_key, weight_key) = match &p.connectivity {
        Connectivity::Dense { .. } => (0u32, 0.0f32, 0.0f32, 0.0f32, 0u32, [0u32; 2], [0u32; 2]),
        Connectivity::OneToOne { .. } => (1, 0.0, 0.0, 0.0, 0, [0; 2], [0; 2]),
        Connectivity::Sparse(_) => (2, 0.0, 0.0, 0.0, 0, [0; 2], [0; 2]),
        Connectivity::Procedural(q) => (
            3,
            q.p,
            q.weight,
            q.weight_high.unwrap_or(q.weight),
            u32::from(q.weight_high.is_some()),
            q.conn_key.0,
            q.weight_key.0,
        ),
    };
    let dynamics = u32::from(matches!(p.dynamics, ProjectionDynamics::ExponentialCurrent { .. }));
    let words = [
        c.batch as u32,
        p.n_pre as u32,
        p.n_post as u32,
        connectivity,
        p.delay as u32,
        dynamics,
        pre_grid.0,
        post_grid.0,
        p.scale.to_bits(),
        prob.to_bits(),
        weight.to_bits(),
        weight_high.to_bits(),
        has_high,
        0,
        conn_key[0],
        conn_key[1],
        weight_key[0],
        weight_key[1],
        0,
        0,
    ];
    let params = uniform_words(device, &c.name, &words);
    let index: Vec<u32> = match &p.connectivity {
        Connectivity::Sparse(s) => s.post_ptr.iter().chain(&s.post_pre).copied().collect(),
        _ => vec![0],
    };
    let index_bytes = index.len() as u64 * 4;
    if index_bytes > device.limits().max_storage_buffer_binding_size {
        return Err(network_error(
            &c.name,
            format!(
                "the sparse index ({index_bytes} bytes) exceeds the adapter's max_storage_buffer_binding_size; use a procedural projection"
            ),
        ));
    }
    arena.push(
        device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{}.index", c.name)),
                contents: bytemuck::cast_slice(&index),
                usage: wgpu::BufferUsages::STORAGE,
            })
            .into(),
    );
    let index_buffer = arena.len() - 1;
    let q = |name: &str| c.compartment(name).map(|i| v[i].buffer);
    let scratch = |arena: &mut Vec<ArenaBuffer>, label: &str, len: usize| {
        arena.push(init_buffer(device, &format!("{}.{label}", c.name), &vec![0.0; len.max(1)]).into());
        arena.len() - 1
    };
    let current = match p.dynamics {
        ProjectionDynamics::ExponentialCurrent { .. } => q(pnames::CURRENT)?,
        ProjectionDynamics::Instant => scratch(arena, "current", 1),
    };
    let (ring, delayed) = if p.delay > 0 {
        (q(pnames::DELAY_BUFFER)?, scratch(arena, "delayed", pre_n as usize))
    } else {
        (scratch(arena, "ring", 1), scratch(arena, "delayed", 1))
    };
    let bufs = [
        q(pnames::INPUTS)?,
        q(pnames::OUTPUTS)?,
        q(pnames::WEIGHTS)?,
        index_buffer,
        current,
        ring,
        delayed,
    ];
    Ok(Plan::Projection {
        bind: make_bind(device, layout, arena, Some((calls, stride)), &params, &bufs),
        pre_grid: (p.delay > 0).then_some(pre_grid),
        post_grid,
    })
}

fn check_binding(component: &str, name: &str, len: usize, max: u64) -> Result<()> {
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

fn init_buffer(device: &wgpu::Device, label: &str, values: &[f32]) -> wgpu::Buffer {
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

fn uniform_words(device: &wgpu::Device, label: &str, words: &[u32]) -> wgpu::Buffer {
    let mut w = words.to_vec();
    w.resize(w.len().next_multiple_of(4), 0);
    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some(&format!("{label}.params")),
        contents: bytemuck::cast_slice(&w),
        usage: wgpu::BufferUsages::UNIFORM,
    })
}

fn layout_entry(binding: u32, ty: wgpu::BufferBindingType, dynamic: bool) -> wgpu::BindGroupLayoutEntry {
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

fn build_kernel(ctx: &GpuContext, kernel: &NetworkKernel) -> Kernel {
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

fn make_bind(
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

impl NetEngine for GpuNetwork {
    fn graph(&self) -> &Graph {
        &self.graph
    }

    fn read(&mut self, port: Port) -> Result<Vec<f32>> {
        if let Some(w) = self.graph.wire_of(port).cloned() {
            let mut out = self.read(w.sources[0])?;
            if w.op == WireOp::Sum {
                for &s in &w.sources[1..] {
                    for (o, x) in out.iter_mut().zip(self.read(s)?) {
                        *o += x;
                    }
                }
            }
            return Ok(out);
        }
        let physical = self.read_view(self.view(port))?;
        Ok(match self.ring_of(port) {
            Some((depth, plane)) => {
                let head = self.head(port.component);
                (0..depth)
                    .flat_map(|d| {
                        let p = (head + d) % depth;
                        physical[p * plane..(p + 1) * plane].to_vec()
                    })
                    .collect()
            }
            None => physical,
        })
    }

    fn write(&mut self, port: Port, values: &[f32]) -> Result<()> {
        let port = match self.graph.wire_of(port) {
            None => port,
            Some(w) if w.op == WireOp::Copy => w.sources[0],
            Some(_) => {
                return Err(network_error(
                    self.graph.name(port),
                    "a summed compartment cannot be set",
                ));
            }
        };
        let view = self.view(port);
        if values.len() != view.len {
            return Err(network_error(
                self.graph.name(port),
                format!("{} values given, it holds {}", values.len(), view.len),
            ));
        }
        let physical: Vec<f32> = match self.ring_of(port) {
            Some((depth, plane)) => {
                let head = self.head(port.component);
                let mut p = vec![0.0; values.len()];
                for d in 0..depth {
                    let slot = (head + d) % depth;
                    p[slot * plane..(slot + 1) * plane].copy_from_slice(&values[d * plane..(d + 1) * plane]);
                }
                p
            }
            None => values.to_vec(),
        };
        self.ctx.queue.write_buffer(
            &self.arena[view.buffer].buffer,
            self.arena[view.buffer].at(view.offset),
            bytemuck::cast_slice(&physical),
        );
        Ok(())
    }

    fn key(&self, component: usize) -> Key {
        self.keys[component]
    }

    fn reset(&mut self) -> Result<()> {
        for i in 0..self.graph.reset.len() {
            let c = self.graph.reset[i];
            let wired: Vec<bool> = (0..self.graph.components[c].compartments().len())
                .map(|q| {
                    self.graph
                        .wire_of(Port {
                            component: c,
                            compartment: q,
                        })
                        .is_some()
                })
                .collect();
            let values = self.graph.components[c].reset_values(&wired);
            for (q, v) in values.into_iter().enumerate() {
                let Some(v) = v else { continue };
                let port = Port {
                    component: c,
                    compartment: q,
                };
                let len = self.graph.len(port);
                self.write(port, &vec![v; len])?;
            }
        }
        Ok(())
    }

    fn run_packed(
        &mut self,
        times: &[f32],
        dt: f32,
        inputs: StepInputs<'_>,
        record: &[Port],
        rasters: &[Port],
    ) -> Result<NetRecording> {
        check_inputs(&self.graph, times.len(), inputs)?;
        if self
            .graph
            .step
            .iter()
            .any(|op| matches!(op, StepOp::Call(Call::Reset(_))))
        {
            return Err(network_error(
                "schedule",
                "a reset inside a step is not supported by the GPU engine",
            ));
        }
        let advances_per_step = self
            .graph
            .step
            .iter()
            .filter(|op| matches!(op, StepOp::Call(_)))
            .count()
            .max(1);
        let chunk = (self.capacity / advances_per_step).max(1);
        let record_lens: Vec<usize> = record.iter().map(|&p| self.graph.len(p)).collect();
        let step_words: usize = record_lens.iter().sum();
        let mut rec = NetRecording {
            values: record.iter().map(|_| Vec::with_capacity(times.len())).collect(),
            keys: self
                .graph
                .components
                .iter()
                .map(|_| Vec::with_capacity(times.len()))
                .collect(),
            rasters: rasters.iter().map(|_| Vec::new()).collect(),
        };
        let raster_views: Vec<View> = rasters
            .iter()
            .map(|&port| match self.graph.wire_of(port) {
                Some(w) if w.op == WireOp::Copy => Ok(self.view(w.sources[0])),
                Some(_) => Err(network_error(
                    self.graph.name(port),
                    "a summed compartment cannot be rastered",
                )),
                None => Ok(self.view(port)),
            })
            .collect::<Result<_>>()?;
        let raster_words: Vec<usize> = raster_views.iter().map(|v| v.len.div_ceil(32)).collect();
        let max_dim = self.ctx.device.limits().max_compute_workgroups_per_dimension;
        let device = self.ctx.device.clone();
        let dt_ms = dt / 1000.0;
        let inv_dt = 1.0 / dt;
        let mut host_seconds = 0.0f64;
        let mut run_seconds = 0.0f64;
        for start in (0..times.len()).step_by(chunk) {
            let encoding = std::time::Instant::now();
            let end = (start + chunk).min(times.len());
            let len = end - start;
            // Per-step inputs of this chunk, uploaded once.
            let input_buffers: Vec<wgpu::Buffer> = inputs
                .iter()
                .zip(&self.graph.inputs)
                .map(|(values, &port)| {
                    let n = self.graph.len(port);
                    init_buffer(&device, "network.inputs", &values[start * n..end * n])
                })
                .collect();
            let rec_bytes = (len * step_words * 4).max(4) as u64;
            let rec_buffer = device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("network.record"),
                size: rec_bytes,
                usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            });
            // Rasters of this chunk: one storage buffer each, packed per step, read once.
            let packs: Vec<(wgpu::Buffer, wgpu::BindGroup, (u32, u32))> = raster_views
                .iter()
                .zip(&raster_words)
                .map(|(view, &words)| {
                    let raster = device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("network.raster"),
                        size: (len * words * 4).max(4) as u64,
                        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                        mapped_at_creation: false,
                    });
                    let g = grid((words as u32).div_ceil(WORKGROUP_SIZE), max_dim);
                    let params = uniform_words(&device, "pack", &[view.len as u32, words as u32, g.0, 0]);
                    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some("network.pack"),
                        layout: &self.kernels[PACK].layout,
                        entries: &[
                            wgpu::BindGroupEntry {
                                binding: 0,
                                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                                    buffer: &self.rows,
                                    offset: 0,
                                    size: wgpu::BufferSize::new(16),
                                }),
                            },
                            wgpu::BindGroupEntry {
                                binding: 1,
                                resource: params.as_entire_binding(),
                            },
                            wgpu::BindGroupEntry {
                                binding: 2,
                                resource: self.arena[view.buffer].binding(),
                            },
                            wgpu::BindGroupEntry {
                                binding: 3,
                                resource: raster.as_entire_binding(),
                            },
                        ],
                    });
                    (raster, bind, g)
                })
                .collect();
            let mut slots: Vec<CallUniform> = Vec::with_capacity(len * advances_per_step);
            let mut heads_at_step: Vec<Vec<usize>> = Vec::with_capacity(len);
            let mut stream = Stream::new(&device);
            // Per cell component: the step of each of its advances in this chunk.
            let mut cell_steps: Vec<Vec<StepInfo>> = self.graph.components.iter().map(|_| Vec::new()).collect();
            for k in start..end {
                let t = times[k];
                for i in 0..self.graph.step.len() {
                    match self.graph.step[i] {
                        StepOp::Set(port, input) => {
                            let n = self.graph.len(port);
                            let target = match self.graph.wire_of(port) {
                                Some(w) => w.sources[0],
                                None => port,
                            };
                            let view = self.view(target);
                            stream.encoder().copy_buffer_to_buffer(
                                &input_buffers[input],
                                ((k - start) * n * 4) as u64,
                                &self.arena[view.buffer].buffer,
                                self.arena[view.buffer].at(view.offset),
                                (n * 4) as u64,
                            );
                        }
                        StepOp::Call(Call::Advance(c)) => {
                            let sub = if self.graph.components[c].draws_every_step() {
                                let (next, sub) = self.keys[c].split();
                                self.keys[c] = next;
                                sub
                            } else {
                                self.keys[c]
                            };
                            let slot = slots.len() as u64;
                            slots.push(CallUniform {
                                t,
                                dt,
                                inv_dt,
                                dt_ms,
                                key: sub.0,
                                head: self.head(c) as u32,
                                decay: match &self.graph.components[c].kind {
                                    Kind::Projection(p) => p.decay(dt),
                                    _ => 0.0,
                                },
                            });
                            let cell_slot = cell_steps[c].len();
                            if matches!(self.plans[c], Plan::Cell { .. }) {
                                cell_steps[c].push(StepInfo {
                                    t,
                                    dt,
                                    half_dt: dt * 0.5,
                                    subkey: sub,
                                    init_key: self.graph.components[c].key,
                                });
                            }
                            self.encode_advance(&mut stream, c, slot, cell_slot);
                            self.advances[c] += 1;
                        }
                        StepOp::Call(Call::Reset(_)) => unreachable!("rejected above"),
                    }
                }
                let mut at = ((k - start) * step_words * 4) as u64;
                let mut heads = Vec::new();
                for (&port, &n) in record.iter().zip(&record_lens) {
                    // A wired compartment is recorded as its sources are after the step (as
                    // the CPU reads it): an aliased copy is its source, a computed one is
                    // computed again.
                    let view = self.view(port);
                    if let Some(m) = self.before[port.component].iter().find(|m| m.target == view) {
                        self.encode_materialise(&mut stream, m);
                    }
                    stream.encoder().copy_buffer_to_buffer(
                        &self.arena[view.buffer].buffer,
                        self.arena[view.buffer].at(view.offset),
                        &rec_buffer,
                        at,
                        (n * 4) as u64,
                    );
                    at += (n * 4) as u64;
                    heads.push(self.head(port.component));
                }
                heads_at_step.push(heads);
                if !packs.is_empty() {
                    let pass = stream.pass();
                    pass.set_pipeline(&self.kernels[PACK].pipelines[0]);
                    for (_, bind, g) in &packs {
                        pass.set_bind_group(0, bind, &[((k - start) as u64 * self.stride) as u32]);
                        pass.dispatch_workgroups(g.0, g.1, 1);
                    }
                }
                for (out, &key) in rec.keys.iter_mut().zip(&self.keys) {
                    out.push(key);
                }
            }
            let mut bytes = vec![0u8; slots.len() * self.stride as usize];
            for (i, s) in slots.iter().enumerate() {
                let at = i * self.stride as usize;
                bytes[at..at + std::mem::size_of::<CallUniform>()].copy_from_slice(bytemuck::bytes_of(s));
            }
            if !bytes.is_empty() {
                self.ctx.queue.write_buffer(&self.calls, 0, &bytes);
            }
            for (c, steps) in cell_steps.iter().enumerate() {
                if let (Plan::Cell { backend, slots }, Kind::Cell { model, .. }) =
                    (&self.plans[c], &self.graph.components[c].kind)
                    && !steps.is_empty()
                {
                    backend.write_step_slots(slots, model.as_ref(), steps);
                }
            }
            let raster_staging: Vec<wgpu::Buffer> = packs
                .iter()
                .zip(&raster_words)
                .map(|((raster, _, _), &words)| {
                    let staging = device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("network.raster.read"),
                        size: (len * words * 4).max(4) as u64,
                        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    });
                    stream
                        .encoder()
                        .copy_buffer_to_buffer(raster, 0, &staging, 0, (len * words * 4) as u64);
                    staging
                })
                .collect();
            let ctx = self.ctx.clone();
            host_seconds += encoding.elapsed().as_secs_f64();
            let running = std::time::Instant::now();
            let (values, raster_values) =
                ctx.checked("running the network", || -> Result<(Vec<f32>, Vec<Vec<f32>>)> {
                    ctx.queue.submit([stream.finish()]);
                    let values = map_all(&ctx, &rec_buffer, len * step_words)?;
                    let rasters = raster_staging
                        .iter()
                        .zip(&raster_words)
                        .map(|(b, &words)| map_all(&ctx, b, len * words))
                        .collect::<Result<Vec<_>>>()?;
                    Ok((values, rasters))
                })??;
            run_seconds += running.elapsed().as_secs_f64();
            for (out, words) in rec.rasters.iter_mut().zip(raster_values) {
                out.extend(words.iter().map(|w| w.to_bits()));
            }
            for (k, heads) in heads_at_step.iter().enumerate() {
                let mut at = k * step_words;
                for (r, (&port, &n)) in record.iter().zip(&record_lens).enumerate() {
                    let row = &values[at..at + n];
                    match self.ring_of(port) {
                        Some((depth, plane)) => {
                            for d in 0..depth {
                                let p = (heads[r] + d) % depth;
                                rec.values[r].extend_from_slice(&row[p * plane..(p + 1) * plane]);
                            }
                        }
                        None => rec.values[r].extend_from_slice(row),
                    }
                    at += n;
                }
            }
        }
        self.last_timing = Some(RunTiming {
            host_seconds,
            device_seconds: run_seconds,
            steps: times.len(),
        });
        Ok(rec)
    }
}

/// Where the last run's wall time went: recording the command buffers on the host (the
/// per-step host overhead) and waiting for the GPU to execute them and for the readback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunTiming {
    /// Seconds spent encoding all steps (uniform slots, dispatches, copies).
    pub host_seconds: f64,
    /// Seconds from submission to the readback of the recordings.
    pub device_seconds: f64,
    /// Steps run.
    pub steps: usize,
}

impl RunTiming {
    /// Host overhead per step (µs).
    pub fn host_us_per_step(&self) -> f64 {
        self.host_seconds / self.steps.max(1) as f64 * 1e6
    }
}

/// Maps a MAP_READ buffer after the submitted work and returns its first `len` floats.
fn map_all(ctx: &GpuContext, buffer: &wgpu::Buffer, len: usize) -> Result<Vec<f32>> {
    if len == 0 {
        return Ok(Vec::new());
    }
    let slice = buffer.slice(..(len * 4) as u64);
    let (sender, receiver) = std::sync::mpsc::channel();
    slice.map_async(wgpu::MapMode::Read, move |r| {
        // The receiver waits below; a failed send cannot happen.
        let _ = sender.send(r);
    });
    ctx.wait()?;
    let fail = |message: String| Error::Gpu {
        during: "reading the network's recording".into(),
        message,
    };
    receiver
        .recv()
        .map_err(|e| fail(e.to_string()))?
        .map_err(|e| fail(e.to_string()))?;
    let out = {
        let view = slice.get_mapped_range().map_err(|e| fail(e.to_string()))?;
        bytemuck::cast_slice::<u8, f32>(&view).to_vec()
    };
    buffer.unmap();
    Ok(out)
}
