//! Building a [`GpuNetwork`] from a graph: every buffer, view, wire and plan, once.

use std::sync::Arc;

use wgpu::util::DeviceExt;

use super::kernels::*;
use super::*;
use crate::error::Result;
use crate::gpu::buffers::{WORKGROUP_SIZE, grid};
use crate::gpu::{GpuBackend, GpuContext};
use crate::network::encoders::EncoderKind;
use crate::network::event::scatter_groups;
use crate::network::exp_stdp::ExpStdp;
use crate::network::graph::{Graph, Kind, WireOp};
use crate::network::projection::{Connectivity, Projection, ProjectionDynamics, Propagation, names as pnames};
use crate::network::rules::Rule;
use crate::network::stdp::TraceStdp as StdpRule;
use crate::network::synapses::{Dynamics, names};

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
            let mut rule_storage: Vec<Option<plastic::RuleStorage>> = vec![None; graph.components.len()];
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
                        // A TraceSTDPSynapse's fixed weight mask follows (its evolve kernel reads it).
                        // A TraceSTDP or ExpSTDP synapse's fixed weight mask follows (its evolve
                        // kernel reads it).
                        if let Some(
                            Rule::Trace(StdpRule { weight_mask, .. }) | Rule::Exp(ExpStdp { weight_mask, .. }),
                        ) = &s.rule
                        {
                            aux.extend_from_slice(weight_mask);
                        }
                        let mut placed = Vec::new();
                        if let Some(rule) = &s.rule {
                            let (storage, at) =
                                plastic::place_storage(device, &mut arena, c, rule, None, &initial, &mut cv)?;
                            rule_storage[ci] = storage;
                            placed = at;
                        }
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
                            if q == mask_q || q == bias_q || placed.contains(&q) {
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
                        // A plastic sparse projection: its rule's coordinates (and MSTDPET's
                        // control values) in one buffer.
                        let mut placed = Vec::new();
                        if let Kind::Projection(Projection {
                            rule: Some(rule),
                            connectivity: Connectivity::Sparse(sp),
                            ..
                        }) = &c.kind
                        {
                            let coords = Some((&sp.post_pre[..], &sp.post_post[..]));
                            let (storage, at) =
                                plastic::place_storage(device, &mut arena, c, rule, coords, &initial, &mut cv)?;
                            rule_storage[ci] = storage;
                            placed = at;
                        }
                        for (q, (name, _)) in comps.iter().enumerate() {
                            if placed.contains(&q) {
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
                    Kind::Trace(tr) => {
                        let n = v[0].len as u32;
                        let g = grid(n.div_ceil(WORKGROUP_SIZE), max_dim);
                        let words = [
                            n,
                            g.0,
                            tr.mode(),
                            0,
                            tr.a_delta.to_bits(),
                            tr.p_scale.to_bits(),
                            tr.gamma_tr.to_bits(),
                            crate::network::reciprocal_of_constant(tr.n_nearest_spikes).to_bits(),
                        ];
                        let bufs: Vec<usize> = v.iter().map(|x| x.buffer).collect();
                        Plan::single(
                            TRACE,
                            bind_words(
                                device,
                                &kernels[TRACE].layout,
                                &arena,
                                Some((&calls, stride)),
                                (&c.name, &words),
                                &bufs,
                            ),
                            g,
                        )
                    }
                    Kind::Projection(p) => {
                        let mut plan = projection_plan(
                            (device, ctx.adapter.is_software()),
                            &kernels,
                            &mut arena,
                            &calls,
                            stride,
                            c,
                            p,
                            v,
                            max_dim,
                        )?;
                        if let (Some(rule), Plan::Kernel { evolve, .. }) = (&p.rule, &mut plan) {
                            let set = plastic::Synapses {
                                n_pre: p.n_pre,
                                n_post: p.n_post,
                                n_syn: v[c.compartment(pnames::WEIGHTS)?].len,
                                sparse: true,
                            };
                            *evolve = Some(plastic::evolve_plan(
                                device,
                                &kernels,
                                &mut arena,
                                (&calls, stride),
                                c,
                                rule,
                                set,
                                v,
                                rule_storage[ci],
                                None,
                                max_dim,
                            )?);
                        }
                        plan
                    }
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
                        let bufs: Vec<usize> = v.iter().map(|x| x.buffer).collect();
                        Plan::single(
                            ENCODER,
                            bind_words(
                                device,
                                &kernels[ENCODER].layout,
                                &arena,
                                Some((&calls, stride)),
                                (&c.name, &[n, g.0, freq.to_bits(), poisson]),
                                &bufs,
                            ),
                            g,
                        )
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
                            let bufs = [
                                v[q(names::INPUTS)?].buffer,
                                v[q(names::OUTPUTS)?].buffer,
                                v[q(names::WEIGHTS)?].buffer,
                                mask.buffer,
                                v[q(names::GATE)?].buffer,
                                ring,
                                v[q(names::DELAYED_INPUTS)?].buffer,
                            ];
                            let evolve = match &s.rule {
                                Some(rule) => Some(plastic::evolve_plan(
                                    device,
                                    &kernels,
                                    &mut arena,
                                    (&calls, stride),
                                    c,
                                    rule,
                                    plastic::Synapses {
                                        n_pre: s.n_pre,
                                        n_post: s.n_post,
                                        n_syn: s.n_pre * s.n_post,
                                        sparse: false,
                                    },
                                    v,
                                    rule_storage[ci],
                                    Some((mask.buffer, bias.offset + bias.len + s.delay_indices.len())),
                                    max_dim,
                                )?),
                                None => None,
                            };
                            Plan::Kernel {
                                kernel: DENSE,
                                bind: bind_words(
                                    device,
                                    &kernels[DENSE].layout,
                                    &arena,
                                    Some((&calls, stride)),
                                    (&c.name, &words),
                                    &bufs,
                                ),
                                dispatches: vec![(0, pre_grid), (1, post_grid)],
                                evolve,
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
                                crate::network::reciprocal_of_constant(tau_decay).to_bits(),
                                g_syn_bar.to_bits(),
                                s.g_conduct_factor.to_bits(),
                                syn_rest.unwrap_or(0.0).to_bits(),
                                u32::from(syn_rest.is_some()),
                                0,
                                0,
                                0,
                            ];
                            let q = |name: &str| c.compartment(name).map(|i| v[i].buffer);
                            let bufs = [
                                q(names::INPUTS)?,
                                q(names::OUTPUTS)?,
                                q(names::WEIGHTS)?,
                                q(names::V)?,
                                q(names::I_SYN)?,
                                q(names::G_SYN)?,
                            ];
                            Plan::single(
                                EXPONENTIAL,
                                bind_words(
                                    device,
                                    &kernels[EXPONENTIAL].layout,
                                    &arena,
                                    Some((&calls, stride)),
                                    (&c.name, &words),
                                    &bufs,
                                ),
                                g,
                            )
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
}

/// The parameters, index buffer and bind group of a projection.
#[allow(clippy::too_many_arguments)]
fn projection_plan(
    (device, software): (&wgpu::Device, bool),
    kernels: &[Kernel],
    arena: &mut Vec<ArenaBuffer>,
    calls: &wgpu::Buffer,
    stride: u64,
    c: &super::super::graph::Component,
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
        Connectivity::ProceduralFanOut(f) => (
            4,
            0.0,
            f.weight,
            f.weight_high.unwrap_or(f.weight),
            u32::from(f.weight_high.is_some()),
            f.conn_key.0,
            f.weight_key.0,
        ),
    };
    let fixed = match (&p.propagation, &p.connectivity) {
        (Propagation::Event(f), _) => Some(*f),
        (Propagation::Gather, Connectivity::ProceduralFanOut(_)) => {
            return Err(network_error(
                &c.name,
                "a procedural fan-out has no gather kernel on the GPU: make it event-driven",
            ));
        }
        (Propagation::Gather, _) => None,
    };
    let (up, quantum, limit) = fixed.map_or((0.0, 0.0, 0.0), |f| (f.up(), f.quantum(), f.limit));
    let fan_k = match &p.connectivity {
        Connectivity::ProceduralFanOut(f) => f.k,
        _ => 0,
    };
    let (dynamics, tau_decay, g_syn_bar, syn_rest) = match p.dynamics {
        ProjectionDynamics::Instant => (0u32, 0.0f32, 0.0f32, 0.0f32),
        ProjectionDynamics::ExponentialCurrent { .. } => (1, 0.0, 0.0, 0.0),
        ProjectionDynamics::Conductance {
            tau_decay,
            g_syn_bar,
            syn_rest,
        } => (2, tau_decay, g_syn_bar, syn_rest),
    };
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
        crate::network::reciprocal_of_constant(tau_decay).to_bits(),
        g_syn_bar.to_bits(),
        syn_rest.to_bits(),
        0,
        up.to_bits(),
        quantum.to_bits(),
        limit.to_bits(),
        fan_k,
    ];
    let index: Vec<u32> = match (&p.connectivity, fixed) {
        (Connectivity::Sparse(s), None) => s.post_ptr.iter().chain(&s.post_pre).copied().collect(),
        (Connectivity::Sparse(s), Some(_)) => s.pre_ptr.iter().chain(&s.pre_post).copied().collect(),
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
    let (current, voltage) = match p.dynamics {
        ProjectionDynamics::ExponentialCurrent { .. } => (q(pnames::CURRENT)?, scratch(arena, "v", 1)),
        ProjectionDynamics::Conductance { .. } => (q(pnames::CONDUCTANCE)?, q(pnames::VOLTAGE)?),
        ProjectionDynamics::Instant => (scratch(arena, "current", 1), scratch(arena, "v", 1)),
    };
    // Event mode: the spike count, list and integer accumulators take the `delayed` binding.
    let event_scratch = (pre_n as u64) * 2 + post_n as u64 + 1;
    if fixed.is_some() && event_scratch > i32::MAX as u64 {
        return Err(network_error(
            &c.name,
            format!("event propagation indexes {event_scratch} values with i32 atomics; the limit is 2^31 − 1"),
        ));
    }
    let delayed_len = match fixed {
        Some(_) => event_scratch as usize,
        None if p.delay > 0 => pre_n as usize,
        None => 1,
    };
    check_binding(
        &c.name,
        "event scratch",
        delayed_len,
        device.limits().max_storage_buffer_binding_size,
    )?;
    let ring = match p.delay {
        0 => scratch(arena, "ring", 1),
        _ => q(pnames::DELAY_BUFFER)?,
    };
    let delayed = scratch(arena, "delayed", delayed_len);
    let bufs = [
        q(pnames::INPUTS)?,
        q(pnames::OUTPUTS)?,
        q(pnames::WEIGHTS)?,
        index_buffer,
        current,
        ring,
        delayed,
        voltage,
    ];
    // Gather: the ring pass (entry 0) runs only with a delay; the sum (entry 1) always.
    // Event: the spike list, the scatter over a fixed grid, the conversion and dynamics.
    let (kernel, dispatches) = match fixed {
        Some(_) => (
            EVENT,
            vec![
                (0, pre_grid),
                (1, (scatter_groups(software).min(pre_n.max(1)), 1)),
                (2, post_grid),
            ],
        ),
        None if p.delay > 0 => (PROJECTION, vec![(0, pre_grid), (1, post_grid)]),
        None => (PROJECTION, vec![(1, post_grid)]),
    };
    Ok(Plan::Kernel {
        kernel,
        bind: bind_words(
            device,
            &kernels[kernel].layout,
            arena,
            Some((calls, stride)),
            (&c.name, &words),
            &bufs,
        ),
        dispatches,
        evolve: None,
    })
}
