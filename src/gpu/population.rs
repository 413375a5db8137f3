//! [`GpuBackend`]: one population's compartments as storage buffers, stepped by the cell's WGSL
//! kernel.
//!
//! Binding convention of every cell kernel (`shaders/cells/<key>.wgsl`), group 0: `0` per-step
//! uniform (dynamic offset), `1` dims, `2` cell parameters, `3` the K×B×N input of a run
//! (read-only; a placeholder otherwise), `4…` every compartment in [`CellModel::compartments`]
//! order (read-write, `j` included), then the cell's scratch buffer for row passes. Group 1
//! (element-wise cells): the fused kernel's step table and spike raster.
//!
//! A run is recorded into one command buffer per chunk; a chunk is as long as the adapter's
//! storage binding size allows for its input and raster (usually the whole run). Per step it
//! dispatches the row passes and the step (and, when recording, a spike-packing and a sampling
//! kernel); fused, one `fused` dispatch covers every step up to the next trace sample.

use std::sync::Arc;

use wgpu::util::DeviceExt;

use super::buffers::{Dims, RecordParams, StepUniform, WORKGROUP_SIZE, grid, read_f32};
use super::context::GpuContext;
use super::recorder::Recorder;
use super::shaders;
use crate::backend::{Backend, RunRequest};
use crate::cells::{CellModel, StepInfo};
use crate::error::{Error, Result};
use crate::run::{DriveSpec, Recording, words_per_step};

/// The GPU backend of one population.
#[derive(Debug)]
pub struct GpuBackend {
    ctx: Arc<GpuContext>,
    batch: usize,
    n_units: usize,
    total: usize,
    spike_index: usize,
    /// Whether the pipelines have group 1 (element-wise kernels: step table and raster).
    has_group1: bool,
    compartments: Vec<wgpu::Buffer>,
    scratch: wgpu::Buffer,
    params: wgpu::Buffer,
    dims: wgpu::Buffer,
    staging: wgpu::Buffer,
    layout0: wgpu::BindGroupLayout,
    layout1: wgpu::BindGroupLayout,
    placeholder: wgpu::Buffer,
    pipeline_step: wgpu::ComputePipeline,
    pipeline_row_pre: Option<wgpu::ComputePipeline>,
    pipeline_row_post: Option<wgpu::ComputePipeline>,
    pipeline_fused: Option<wgpu::ComputePipeline>,
    recorder: Recorder,
    step_stride: u64,
    element_grid: (u32, u32),
    row_grid: (u32, u32),
    step_per_row: bool,
    timing: bool,
    last_gpu_seconds: Option<f64>,
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

fn storage(read_only: bool) -> wgpu::BufferBindingType {
    wgpu::BufferBindingType::Storage { read_only }
}

fn check_limit(limit: &'static str, available: u64, needed: u64) -> Result<()> {
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

fn buffer(device: &wgpu::Device, label: &str, size: u64, usage: wgpu::BufferUsages) -> wgpu::Buffer {
    device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size.max(16),
        usage,
        mapped_at_creation: false,
    })
}

impl GpuBackend {
    /// Creates the buffers and pipelines of a population of `cell` with its construction values.
    pub fn new(ctx: Arc<GpuContext>, cell: &dyn CellModel, batch: usize, n_units: usize) -> Result<GpuBackend> {
        let limits = ctx.device.limits();
        let comps = cell.compartments();
        crate::cells::input_index(cell)?;
        let spike_index = crate::cells::spike_index(cell)?;
        let total = batch * n_units;
        let bytes = (total as u64) * 4;
        check_limit(
            "max_storage_buffer_binding_size",
            limits.max_storage_buffer_binding_size,
            bytes,
        )?;
        check_limit("max_buffer_size", limits.max_buffer_size, bytes)?;
        // The run input, every compartment and the scratch buffer are storage bindings of one stage.
        check_limit(
            "max_storage_buffers_per_shader_stage",
            u64::from(limits.max_storage_buffers_per_shader_stage),
            comps.len() as u64 + 2,
        )?;
        let scratch_bytes = (cell.gpu_scratch_words(batch, n_units) as u64 * 4).max(4);
        check_limit(
            "max_storage_buffer_binding_size",
            limits.max_storage_buffer_binding_size,
            scratch_bytes,
        )?;
        let max_dim = limits.max_compute_workgroups_per_dimension;
        let element_groups = u32::try_from(total.div_ceil(WORKGROUP_SIZE as usize))
            .map_err(|_| Error::InvalidShape(format!("{total} elements are too many for one dispatch grid")))?;
        let element_grid = grid(element_groups, max_dim);
        let row_grid = grid(batch as u32, max_dim);
        let label = cell.entry().key;
        let passes = cell.gpu_passes();

        ctx.checked("creating the population's buffers and pipelines", || {
            let device = &ctx.device;
            let rw = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST;
            let compartments: Vec<wgpu::Buffer> = cell
                .initial_values()
                .iter()
                .zip(comps)
                .map(|(&value, comp)| {
                    device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some(&format!("{label}.{}", comp.name)),
                        contents: bytemuck::cast_slice(&vec![value; total]),
                        usage: rw,
                    })
                })
                .collect();
            let scratch = buffer(
                device,
                &format!("{label}.scratch"),
                scratch_bytes,
                wgpu::BufferUsages::STORAGE,
            );
            let mut words = cell.gpu_params();
            words.resize(words.len().div_ceil(4).max(1) * 4, 0);
            let params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{label}.params")),
                contents: bytemuck::cast_slice(&words),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let dims_value = Dims {
                n_units: n_units as u32,
                batch: batch as u32,
                total: total as u32,
                groups_x: element_grid.0,
                rows_x: row_grid.0,
                pad: [0; 3],
            };
            let dims = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(&format!("{label}.dims")),
                contents: bytemuck::bytes_of(&dims_value),
                usage: wgpu::BufferUsages::UNIFORM,
            });
            let staging = buffer(
                device,
                &format!("{label}.staging"),
                bytes,
                wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            );
            let placeholder = buffer(device, &format!("{label}.placeholder"), 16, wgpu::BufferUsages::STORAGE);
            let mut entries = vec![
                layout_entry(0, wgpu::BufferBindingType::Uniform, true),
                layout_entry(1, wgpu::BufferBindingType::Uniform, false),
                layout_entry(2, wgpu::BufferBindingType::Uniform, false),
                layout_entry(3, storage(true), false),
            ];
            entries.extend((0..comps.len() as u32 + 1).map(|k| layout_entry(4 + k, storage(false), false)));
            let layout0 = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(&format!("{label}.layout0")),
                entries: &entries,
            });
            let layout1 = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(&format!("{label}.layout1")),
                entries: &[
                    layout_entry(0, storage(true), false),
                    layout_entry(1, storage(false), false),
                ],
            });
            let elementwise = cell.entry().elementwise;
            let groups: Vec<Option<&wgpu::BindGroupLayout>> = if elementwise {
                vec![Some(&layout0), Some(&layout1)]
            } else {
                vec![Some(&layout0)]
            };
            let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(&format!("{label}.pipeline_layout")),
                bind_group_layouts: &groups,
                immediate_size: 0,
            });
            let composed = shaders::compose(cell);
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(composed.source.into()),
            });
            let overrides = cell.gpu_overrides();
            let pipeline = |entry: &str| {
                device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    label: Some(&format!("{label}.{entry}")),
                    layout: Some(&pipeline_layout),
                    module: &module,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions {
                        constants: &overrides,
                        zero_initialize_workgroup_memory: false,
                    },
                    cache: None,
                })
            };
            // Dynamic offsets must be multiples of the adapter's alignment.
            let step_stride = (std::mem::size_of::<StepUniform>() as u64)
                .next_multiple_of(u64::from(limits.min_uniform_buffer_offset_alignment));
            GpuBackend {
                batch,
                n_units,
                total,
                spike_index,
                has_group1: elementwise,
                pipeline_step: pipeline("step"),
                pipeline_row_pre: passes.row_pre.then(|| pipeline("row_pre")),
                pipeline_row_post: passes.row_post.then(|| pipeline("row_post")),
                pipeline_fused: (elementwise && !cell.has_row_passes()).then(|| pipeline("fused")),
                recorder: Recorder::new(&ctx),
                compartments,
                scratch,
                params,
                dims,
                staging,
                layout0,
                layout1,
                placeholder,
                step_stride,
                element_grid,
                row_grid,
                step_per_row: passes.step_per_row,
                timing: false,
                last_gpu_seconds: None,
                ctx: ctx.clone(),
            }
        })
    }

    /// Measures each run's GPU time with timestamp queries (where the adapter has them; the
    /// run then waits for the GPU to finish). See [`GpuBackend::last_gpu_seconds`].
    pub fn set_timing(&mut self, on: bool) {
        self.timing = on && self.ctx.adapter.timestamps;
    }

    /// GPU time of the last run's compute passes (seconds), when timing is on.
    pub fn last_gpu_seconds(&self) -> Option<f64> {
        self.last_gpu_seconds
    }

    /// The context this population runs on.
    pub fn context(&self) -> &Arc<GpuContext> {
        &self.ctx
    }

    /// The storage buffer of compartment `index` (f32, row-major B×N).
    pub fn buffer(&self, index: usize) -> &wgpu::Buffer {
        &self.compartments[index]
    }

    fn bind0(&self, steps: &wgpu::Buffer, input: &wgpu::Buffer) -> wgpu::BindGroup {
        let step_binding = wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: steps,
            offset: 0,
            size: wgpu::BufferSize::new(std::mem::size_of::<StepUniform>() as u64),
        });
        let mut entries = vec![
            wgpu::BindGroupEntry {
                binding: 0,
                resource: step_binding,
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: self.dims.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: self.params.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: input.as_entire_binding(),
            },
        ];
        for (k, b) in self
            .compartments
            .iter()
            .chain(std::iter::once(&self.scratch))
            .enumerate()
        {
            entries.push(wgpu::BindGroupEntry {
                binding: 4 + k as u32,
                resource: b.as_entire_binding(),
            });
        }
        self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &self.layout0,
            entries: &entries,
        })
    }

    fn bind1(&self, table: &wgpu::Buffer, raster: &wgpu::Buffer) -> wgpu::BindGroup {
        self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &self.layout1,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: table.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: raster.as_entire_binding(),
                },
            ],
        })
    }

    /// Steps per chunk: the run input and the raster of a chunk must each fit one binding.
    fn chunk_steps(&self, per_step_input: bool, record_spikes: bool) -> Result<usize> {
        let limits = self.ctx.device.limits();
        let max = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size)
            .min(u64::from(u32::MAX));
        let mut per_step_bytes = 0u64;
        if per_step_input {
            per_step_bytes = per_step_bytes.max(self.total as u64 * 4);
        }
        if record_spikes {
            per_step_bytes = per_step_bytes.max(words_per_step(self.total) as u64 * 4);
        }
        if per_step_bytes == 0 {
            return Ok(usize::MAX);
        }
        let steps = (max / per_step_bytes) as usize;
        if steps == 0 {
            return Err(Error::AdapterLimit {
                limit: "max_storage_buffer_binding_size",
                available: max,
                needed: per_step_bytes,
            });
        }
        Ok(steps)
    }
}

impl GpuBackend {
    /// A run, encoded into `external` (not submitted, nothing recorded) when given, else into
    /// this backend's own command buffers, submitted and read back.
    fn run_inner(
        &mut self,
        cell: &dyn CellModel,
        req: RunRequest<'_>,
        mut external: Option<&mut wgpu::CommandEncoder>,
    ) -> Result<Recording> {
        let ctx = self.ctx.clone();
        let n_steps = req.steps.len();
        let mut rec = Recording::empty(self.batch, self.n_units, n_steps, req.record, true);
        if n_steps == 0 {
            return Ok(rec);
        }
        // A cell that overwrites j with something the next step reads (SLIF) must see each
        // step's j: only the per-step path does that for an undriven run.
        let fused = self.pipeline_fused.is_some()
            && req.mode.fuses(cell)
            && !(cell.overwrites_input() && req.drive == DriveSpec::Current);
        let per_step_input = matches!(req.drive, DriveSpec::Buffer { per_step: true, .. });
        let samples = req.record.compartment_indices(cell)?;
        let n_record = rec.neurons.len();
        let words = words_per_step(self.total);
        let chunk = self.chunk_steps(per_step_input, req.record.spikes)?;
        let max_dim = ctx.device.limits().max_compute_workgroups_per_dimension;
        let device = &ctx.device;
        let indices: Vec<u32> = rec.neurons.iter().map(|&n| n as u32).collect();
        let index_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("record.indices"),
            contents: bytemuck::cast_slice(if indices.is_empty() { &[0u32] } else { &indices }),
            usage: wgpu::BufferUsages::STORAGE,
        });
        let constant_input = match req.drive {
            DriveSpec::Buffer {
                inputs,
                per_step: false,
            } => Some(inputs),
            _ => None,
        };
        if external.is_some() && (n_steps > chunk || !req.record.is_empty()) {
            return Err(Error::InvalidShape(format!(
                "a run encoded into the caller's command encoder records nothing and must fit one chunk \
                 ({chunk} steps of this population's input and raster)"
            )));
        }
        let mut sample_cursor = 0usize;
        let mut gpu_seconds = 0.0f64;
        for chunk_start in (0..n_steps).step_by(chunk) {
            let chunk_end = (chunk_start + chunk).min(n_steps);
            let len = chunk_end - chunk_start;
            let chunk_samples: Vec<usize> = rec
                .sample_steps
                .iter()
                .copied()
                .filter(|&k| (chunk_start..chunk_end).contains(&k))
                .collect();
            let ext = external.take();
            let external_mode = ext.is_some();
            let result = ctx.checked("running the population", || -> Result<Vec<(usize, Vec<f32>)>> {
                let input_buffer = match (req.drive, constant_input) {
                    (DriveSpec::Buffer { inputs, per_step: true }, _) => {
                        Some(device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                            label: Some("run.input"),
                            contents: bytemuck::cast_slice(&inputs[chunk_start * self.total..chunk_end * self.total]),
                            usage: wgpu::BufferUsages::STORAGE,
                        }))
                    }
                    (_, Some(inputs)) => Some(device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("run.input"),
                        contents: bytemuck::cast_slice(inputs),
                        usage: wgpu::BufferUsages::STORAGE,
                    })),
                    _ => None,
                };
                let stride_elements = if per_step_input { self.total as u32 } else { 0 };
                let raster_bytes = if req.record.spikes {
                    (len * words * 4) as u64
                } else {
                    16
                };
                let raster = buffer(
                    device,
                    "run.raster",
                    raster_bytes,
                    wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                );
                let trace_bytes = (chunk_samples.len() * n_record * 4) as u64;
                let traces: Vec<wgpu::Buffer> = samples
                    .iter()
                    .map(|_| {
                        buffer(
                            device,
                            "run.trace",
                            trace_bytes,
                            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
                        )
                    })
                    .collect();
                // Uniform slots: one per dispatch group (a step, or a fused stretch).
                let store_last = !cell.overwrites_input();
                let mut slots: Vec<StepUniform> = Vec::new();
                let mut plan: Vec<(usize, usize)> = Vec::new(); // (first step, steps) per slot
                if fused {
                    let mut k = chunk_start;
                    let mut cuts: Vec<usize> = chunk_samples.iter().map(|&s| s + 1).collect();
                    cuts.push(chunk_end);
                    for cut in cuts {
                        if cut > k {
                            plan.push((k, cut - k));
                            k = cut;
                        }
                    }
                } else {
                    plan.extend((chunk_start..chunk_end).map(|k| (k, 1)));
                }
                for &(first, steps) in &plan {
                    let mut u = uniform_for(cell, &req.steps[first], &req.drive);
                    u.input_offset = (first - chunk_start) as u32 * stride_elements;
                    u.input_stride = stride_elements;
                    u.drive_key = drive_key(&req.drive, req.first_step + first as u64);
                    u.steps = steps as u32;
                    u.store_input = u32::from(store_last && first + steps == n_steps);
                    u.record_spikes = u32::from(req.record.spikes);
                    u.table_base = (first - chunk_start) as u32;
                    slots.push(u);
                }
                let mut slot_bytes = vec![0u8; slots.len() * self.step_stride as usize];
                for (k, u) in slots.iter().enumerate() {
                    let at = k * self.step_stride as usize;
                    slot_bytes[at..at + std::mem::size_of::<StepUniform>()].copy_from_slice(bytemuck::bytes_of(u));
                }
                let uniforms = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("run.steps"),
                    contents: &slot_bytes,
                    usage: wgpu::BufferUsages::UNIFORM,
                });
                let bind0 = self.bind0(&uniforms, input_buffer.as_ref().unwrap_or(&self.placeholder));
                let table: Vec<[u32; 4]> = (chunk_start..chunk_end)
                    .map(|k| {
                        let key = drive_key(&req.drive, req.first_step + k as u64);
                        [req.steps[k].t.to_bits(), key[0], key[1], 0]
                    })
                    .collect();
                let table_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("run.table"),
                    contents: bytemuck::cast_slice(&table),
                    usage: wgpu::BufferUsages::STORAGE,
                });
                let bind1 = self.has_group1.then(|| self.bind1(&table_buffer, &raster));
                // Recording kernels (per-step path): one params slot per chunk step.
                let record_slots: Vec<RecordParams> = (0..len)
                    .map(|k| RecordParams {
                        step: k as u32,
                        sample: chunk_samples.iter().position(|&s| s == chunk_start + k).unwrap_or(0) as u32,
                        words: words as u32,
                        total: self.total as u32,
                        count: n_record as u32,
                        groups_x: grid((words as u32).div_ceil(WORKGROUP_SIZE), max_dim).0,
                        pad: [0; 2],
                    })
                    .collect();
                let mut record_bytes = vec![0u8; record_slots.len().max(1) * self.recorder.stride as usize];
                for (k, r) in record_slots.iter().enumerate() {
                    let at = k * self.recorder.stride as usize;
                    record_bytes[at..at + std::mem::size_of::<RecordParams>()].copy_from_slice(bytemuck::bytes_of(r));
                }
                let record_params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                    label: Some("run.record_params"),
                    contents: &record_bytes,
                    usage: wgpu::BufferUsages::UNIFORM,
                });
                let pack_bind = self.recorder.bind(
                    &ctx,
                    [
                        &record_params,
                        &self.compartments[self.spike_index],
                        &raster,
                        &index_buffer,
                        &self.placeholder,
                    ],
                );
                let gather_binds: Vec<wgpu::BindGroup> = samples
                    .iter()
                    .zip(&traces)
                    .map(|(&c, trace)| {
                        self.recorder.bind(
                            &ctx,
                            [
                                &record_params,
                                &self.compartments[c],
                                &self.placeholder,
                                &index_buffer,
                                trace,
                            ],
                        )
                    })
                    .collect();

                let mut own = None;
                let encoder: &mut wgpu::CommandEncoder = match ext {
                    Some(e) => e,
                    None => own.insert(device.create_command_encoder(&Default::default())),
                };
                let queries = (self.timing && !external_mode).then(|| {
                    device.create_query_set(&wgpu::QuerySetDescriptor {
                        label: Some("run.time"),
                        ty: wgpu::QueryType::Timestamp,
                        count: 2,
                    })
                });
                {
                    let timestamp_writes = queries.as_ref().map(|query_set| wgpu::ComputePassTimestampWrites {
                        query_set,
                        beginning_of_pass_write_index: Some(0),
                        end_of_pass_write_index: Some(1),
                    });
                    let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                        label: Some("run"),
                        timestamp_writes,
                    });
                    for (slot, &(first, steps)) in plan.iter().enumerate() {
                        pass.set_bind_group(0, &bind0, &[(slot as u64 * self.step_stride) as u32]);
                        if let Some(bind1) = &bind1 {
                            pass.set_bind_group(1, bind1, &[]);
                        }
                        if fused {
                            if let Some(p) = &self.pipeline_fused {
                                pass.set_pipeline(p);
                                pass.dispatch_workgroups(self.element_grid.0, self.element_grid.1, 1);
                            }
                        } else {
                            if let Some(p) = &self.pipeline_row_pre {
                                pass.set_pipeline(p);
                                pass.dispatch_workgroups(self.row_grid.0, self.row_grid.1, 1);
                            }
                            pass.set_pipeline(&self.pipeline_step);
                            let g = if self.step_per_row {
                                self.row_grid
                            } else {
                                self.element_grid
                            };
                            pass.dispatch_workgroups(g.0, g.1, 1);
                            if let Some(p) = &self.pipeline_row_post {
                                pass.set_pipeline(p);
                                pass.dispatch_workgroups(self.row_grid.0, self.row_grid.1, 1);
                            }
                            if req.record.spikes {
                                self.recorder.pack(
                                    &mut pass,
                                    &pack_bind,
                                    (first - chunk_start) as u64,
                                    words as u32,
                                    max_dim,
                                );
                            }
                        }
                        let last = first + steps - 1;
                        if chunk_samples.contains(&last) {
                            for bind in &gather_binds {
                                self.recorder
                                    .gather(&mut pass, bind, (last - chunk_start) as u64, n_record as u32);
                            }
                        }
                    }
                }
                let resolved = queries.as_ref().map(|query_set| {
                    let resolve = buffer(
                        device,
                        "run.time",
                        16,
                        wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
                    );
                    encoder.resolve_query_set(query_set, 0..2, &resolve, 0);
                    resolve
                });
                let Some(own) = own else {
                    // Encoded into the caller's command stream: the caller submits.
                    return Ok(Vec::new());
                };
                ctx.queue.submit([own.finish()]);
                let mut out = Vec::new();
                if let Some(resolve) = &resolved {
                    let words: Vec<u64> = read_f32_any(&ctx, resolve, 4)?
                        .iter()
                        .map(|x| u64::from(x.to_bits()))
                        .collect();
                    let (start, end) = (words[0] | words[1] << 32, words[2] | words[3] << 32);
                    let ticks = end.saturating_sub(start) as f64;
                    out.push((
                        usize::MAX - 1,
                        vec![(ticks * f64::from(ctx.queue.get_timestamp_period()) * 1e-9) as f32],
                    ));
                }
                if req.record.spikes {
                    let values = read_f32_any(&ctx, &raster, len * words)?;
                    out.push((usize::MAX, values));
                }
                for (c, trace) in traces.iter().enumerate() {
                    if !chunk_samples.is_empty() {
                        out.push((c, read_f32_any(&ctx, trace, chunk_samples.len() * n_record)?));
                    }
                }
                Ok(out)
            })??;
            for (what, values) in result {
                if what == usize::MAX - 1 {
                    gpu_seconds += f64::from(values[0]);
                } else if what == usize::MAX {
                    let bits: Vec<u32> = values.iter().map(|x| x.to_bits()).collect();
                    rec.raster[chunk_start * words..chunk_end * words].copy_from_slice(&bits);
                } else {
                    let name = &req.record.compartments[what];
                    let trace = rec.traces.get_mut(name).expect("a trace per sampled compartment");
                    let at = sample_cursor * n_record;
                    trace[at..at + values.len()].copy_from_slice(&values);
                }
            }
            sample_cursor += chunk_samples.len();
        }
        self.last_gpu_seconds = self.timing.then_some(gpu_seconds);
        Ok(rec)
    }

    /// Encodes a run into the caller's command encoder (see [`crate::Population::encode_run`]).
    pub fn encode_into(
        &mut self,
        cell: &dyn CellModel,
        req: RunRequest<'_>,
        encoder: &mut wgpu::CommandEncoder,
    ) -> Result<()> {
        self.run_inner(cell, req, Some(encoder)).map(|_| ())
    }
}

/// One dispatch's uniform slot.
fn uniform_for(cell: &dyn CellModel, step: &StepInfo, drive: &DriveSpec<'_>) -> StepUniform {
    let drive_values = match *drive {
        DriveSpec::Current | DriveSpec::Buffer { .. } => [0.0; 4],
        DriveSpec::Constant(value) => [value, 0.0, 0.0, 0.0],
        DriveSpec::Random { p, amplitude, .. } => [amplitude, p, 0.0, 0.0],
    };
    StepUniform {
        t: step.t,
        dt: step.dt,
        half_dt: step.half_dt,
        input_offset: 0,
        key: step.subkey.0,
        input_mode: drive.mode_code(),
        input_stride: 0,
        c: cell.gpu_step_constants(step.dt),
        init_key: step.init_key.0,
        drive_key: [0; 2],
        drive: drive_values,
        steps: 1,
        store_input: 0,
        record_spikes: 0,
        table_base: 0,
    }
}

fn drive_key(drive: &DriveSpec<'_>, step: u64) -> [u32; 2] {
    match drive {
        DriveSpec::Random { key, .. } => key.fold_in(step as u32).0,
        _ => [0; 2],
    }
}

impl Backend for GpuBackend {
    fn describe(&self) -> String {
        format!("{} ({:?})", self.ctx.adapter.name, self.ctx.adapter.backend)
    }

    fn write(&mut self, index: usize, values: &[f32]) -> Result<()> {
        self.ctx
            .queue
            .write_buffer(&self.compartments[index], 0, bytemuck::cast_slice(values));
        Ok(())
    }

    fn synchronize(&mut self) -> Result<()> {
        self.ctx.wait()
    }

    fn read(&mut self, index: usize) -> Result<Vec<f32>> {
        let ctx = self.ctx.clone();
        ctx.checked("reading a compartment", || {
            read_f32(&ctx, &self.compartments[index], &self.staging, self.total)
        })?
    }

    fn run(&mut self, cell: &dyn CellModel, req: RunRequest<'_>) -> Result<Recording> {
        self.run_inner(cell, req, None)
    }
}

/// Reads `len` 32-bit values (f32, or u32 words as f32 bit patterns, copied untouched) through
/// a temporary staging buffer.
fn read_f32_any(ctx: &GpuContext, src: &wgpu::Buffer, len: usize) -> Result<Vec<f32>> {
    let staging = buffer(
        &ctx.device,
        "run.readback",
        (len * 4) as u64,
        wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
    );
    read_f32(ctx, src, &staging, len)
}
