//! [`NetEngine`] for [`GpuNetwork`]: state access, the reset process, and runs.

use super::kernels::*;
use super::stream::Stream;
use super::*;
use crate::cells::StepInfo;
use crate::error::Result;
use crate::gpu::buffers::{WORKGROUP_SIZE, grid, map_f32};
use crate::network::NetEngine;
use crate::network::cpu::{NetRecording, StepInputs, check_inputs};
use crate::network::graph::{Call, Graph, Kind, Port, StepOp, WireOp};
use crate::rng::Key;

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
            Some(ring) => ring.unroll(&physical),
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
            Some(ring) => {
                let mut p = vec![0.0; values.len()];
                ring.store(values, &mut p);
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
            // Per step, per recorded port: the delay ring as it stood (to unroll the copy).
            let mut rings_at_step: Vec<Vec<Option<Ring>>> = Vec::with_capacity(len);
            let mut stream = Stream::new(&device);
            // Per cell component: the step of each of its advances in this chunk.
            let mut cell_steps: Vec<Vec<StepInfo>> = self.graph.components.iter().map(|_| Vec::new()).collect();
            for (k, &t) in times.iter().enumerate().take(end).skip(start) {
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
                                    Kind::Trace(tr) => tr.decay_factor(dt),
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
                        StepOp::Call(Call::Evolve(c)) => {
                            let slot = slots.len() as u64;
                            slots.push(CallUniform {
                                t,
                                dt,
                                inv_dt,
                                dt_ms,
                                key: self.keys[c].0,
                                head: 0,
                                decay: match &self.graph.components[c].kind {
                                    Kind::Synapse(s) => s.rule.as_ref().map_or(0.0, |r| r.decay(dt)),
                                    Kind::Projection(p) => p.rule.as_ref().map_or(0.0, |r| r.decay(dt)),
                                    _ => 0.0,
                                },
                            });
                            self.encode_evolve(&mut stream, c, slot);
                        }
                        StepOp::Call(Call::Reset(_)) => unreachable!("rejected above"),
                    }
                }
                let mut at = ((k - start) * step_words * 4) as u64;
                let mut rings = Vec::new();
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
                    rings.push(self.ring_of(port));
                }
                rings_at_step.push(rings);
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
                    // A run returns once its work is done, recorded or not.
                    ctx.wait()?;
                    let values = map_f32(&ctx, &rec_buffer, len * step_words)?;
                    let rasters = raster_staging
                        .iter()
                        .zip(&raster_words)
                        .map(|(b, &words)| map_f32(&ctx, b, len * words))
                        .collect::<Result<Vec<_>>>()?;
                    Ok((values, rasters))
                })??;
            run_seconds += running.elapsed().as_secs_f64();
            for (out, words) in rec.rasters.iter_mut().zip(raster_values) {
                out.extend(words.iter().map(|w| w.to_bits()));
            }
            for (k, rings) in rings_at_step.iter().enumerate() {
                let mut at = k * step_words;
                for ((out, &n), ring) in rec.values.iter_mut().zip(&record_lens).zip(rings) {
                    let row = &values[at..at + n];
                    match ring {
                        Some(ring) => ring.unroll_into(row, out),
                        None => out.extend_from_slice(row),
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
