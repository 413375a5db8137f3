//! A run of a [`GpuBackend`]: split into chunks that fit the adapter's bindings, each planned
//! (which dispatches, with which per-step uniforms), encoded into one compute pass, submitted
//! and read back into the [`Recording`].

use bytemuck::Pod;
use wgpu::util::DeviceExt;

use super::{GpuBackend, buffer};
use crate::backend::RunRequest;
use crate::cells::{CellModel, StepInfo};
use crate::error::{Error, Result};
use crate::gpu::buffers::{RecordParams, StepUniform, WORKGROUP_SIZE, grid, read_f32};
use crate::gpu::context::GpuContext;
use crate::run::{DriveSpec, Recording, words_per_step};

/// What a run needs on every chunk: its request and the choices made once for the whole run.
struct RunShape<'r, 'a> {
    req: &'r RunRequest<'a>,
    /// One `fused` dispatch per stretch of steps instead of the per-step passes.
    fused: bool,
    /// Compartments sampled into traces (indices).
    samples: Vec<usize>,
    /// Neurons recorded per sample.
    n_record: usize,
    /// Raster words per step.
    words: usize,
    /// The recorded neurons' flat indices.
    index_buffer: wgpu::Buffer,
}

/// Steps `[start, end)` of a run, and the sample steps among them.
struct Chunk {
    start: usize,
    end: usize,
    samples: Vec<usize>,
}

impl Chunk {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// The buffers and bind groups of one chunk's pass.
struct ChunkResources {
    /// `(first step, steps)` per dispatch group; slot k of the step uniforms belongs to group k.
    plan: Vec<(usize, usize)>,
    raster: wgpu::Buffer,
    traces: Vec<wgpu::Buffer>,
    bind0: wgpu::BindGroup,
    bind1: Option<wgpu::BindGroup>,
    pack_bind: wgpu::BindGroup,
    gather_binds: Vec<wgpu::BindGroup>,
}

/// What a submitted chunk gives back.
#[derive(Default)]
struct ChunkReadback {
    /// GPU time of the pass (timestamp queries), when timing.
    gpu_seconds: Option<f64>,
    /// The chunk's spike raster words, when recording spikes.
    raster: Option<Vec<u32>>,
    /// One trace per sampled compartment, `samples × neurons` values each.
    traces: Vec<Vec<f32>>,
}

impl GpuBackend {
    /// A run, encoded into `external` (not submitted, nothing recorded) when given, else into
    /// this backend's own command buffers, submitted and read back.
    pub(super) fn run_inner(
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
        self.write_step_constant_planes(cell, req.steps[0].dt);
        let per_step_input = matches!(req.drive, DriveSpec::Buffer { per_step: true, .. });
        let chunk_steps = self.chunk_steps(per_step_input, req.record.spikes)?;
        if external.is_some() && (n_steps > chunk_steps || !req.record.is_empty()) {
            return Err(Error::InvalidShape(format!(
                "a run encoded into the caller's command encoder records nothing and must fit one chunk \
                 ({chunk_steps} steps of this population's input and raster)"
            )));
        }
        let indices: Vec<u32> = rec.neurons.iter().map(|&n| n as u32).collect();
        let shape = RunShape {
            req: &req,
            // A cell that overwrites j with something the next step reads (SLIF) must see each
            // step's j: only the per-step path does that for an undriven run.
            fused: self.pipeline_fused.is_some()
                && req.mode.fuses(cell)
                && !(cell.overwrites_input() && req.drive == DriveSpec::Current),
            samples: req.record.compartment_indices(cell)?,
            n_record: rec.neurons.len(),
            words: words_per_step(self.total),
            index_buffer: ctx.device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("record.indices"),
                contents: bytemuck::cast_slice(if indices.is_empty() { &[0u32] } else { &indices }),
                usage: wgpu::BufferUsages::STORAGE,
            }),
        };
        let mut sample_cursor = 0usize;
        let mut gpu_seconds = 0.0f64;
        for start in (0..n_steps).step_by(chunk_steps) {
            let end = (start + chunk_steps).min(n_steps);
            let samples = rec
                .sample_steps
                .iter()
                .copied()
                .filter(|k| (start..end).contains(k))
                .collect();
            let chunk = Chunk { start, end, samples };
            let encoder = external.take();
            let readback = ctx.checked("running the population", || -> Result<ChunkReadback> {
                let resources = self.chunk_resources(cell, &shape, &chunk);
                self.submit_chunk(&shape, &chunk, &resources, encoder)
            })??;
            gpu_seconds += readback.gpu_seconds.unwrap_or(0.0);
            if let Some(bits) = readback.raster {
                rec.raster[chunk.start * shape.words..chunk.end * shape.words].copy_from_slice(&bits);
            }
            for (name, values) in req.record.compartments.iter().zip(readback.traces) {
                let trace = rec.traces.get_mut(name).expect("a trace per sampled compartment");
                let at = sample_cursor * shape.n_record;
                trace[at..at + values.len()].copy_from_slice(&values);
            }
            sample_cursor += chunk.samples.len();
        }
        self.last_gpu_seconds = self.timing.then_some(gpu_seconds);
        Ok(rec)
    }

    /// Plans a chunk's dispatches and creates its buffers and bind groups.
    fn chunk_resources(&self, cell: &dyn CellModel, shape: &RunShape<'_, '_>, chunk: &Chunk) -> ChunkResources {
        let device = &self.ctx.device;
        let req = shape.req;
        let input = run_input(device, req, self.total, chunk);
        let plan = dispatch_plan(shape.fused, chunk);
        let steps = padded_slots(&self.step_uniforms(cell, req, &plan, chunk), self.step_stride);
        let uniforms = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("run.steps"),
            contents: &steps,
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let raster_bytes = if req.record.spikes {
            (chunk.len() * shape.words * 4) as u64
        } else {
            16
        };
        let raster = buffer(
            device,
            "run.raster",
            raster_bytes,
            wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        );
        let trace_bytes = (chunk.samples.len() * shape.n_record * 4) as u64;
        let traces: Vec<wgpu::Buffer> = shape
            .samples
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
        let table: Vec<[u32; 4]> = (chunk.start..chunk.end)
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
        let record_params = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("run.record_params"),
            contents: &padded_slots(&self.record_params(shape, chunk), self.recorder.stride),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let record_bind = |source: usize, raster: &wgpu::Buffer, trace: &wgpu::Buffer| {
            self.recorder.bind(
                &self.ctx,
                &record_params,
                self.buffer(source),
                [raster, &shape.index_buffer, trace],
            )
        };
        ChunkResources {
            bind0: self.bind0(&uniforms, input.as_ref().unwrap_or(&self.placeholder)),
            bind1: self.has_group1.then(|| self.bind1(&table_buffer, &raster)),
            pack_bind: record_bind(self.spike_index, &raster, &self.placeholder),
            gather_binds: shape
                .samples
                .iter()
                .zip(&traces)
                .map(|(&c, trace)| record_bind(c, &self.placeholder, trace))
                .collect(),
            plan,
            raster,
            traces,
        }
    }

    /// One step uniform per dispatch group of the plan.
    fn step_uniforms(
        &self,
        cell: &dyn CellModel,
        req: &RunRequest<'_>,
        plan: &[(usize, usize)],
        chunk: &Chunk,
    ) -> Vec<StepUniform> {
        let per_step_input = matches!(req.drive, DriveSpec::Buffer { per_step: true, .. });
        let stride_elements = if per_step_input { self.total as u32 } else { 0 };
        // The last step stores its input in j, unless the cell writes j itself (SLIF).
        let store_last = !cell.overwrites_input();
        let n_steps = req.steps.len();
        plan.iter()
            .map(|&(first, steps)| {
                let mut u = uniform_for(cell, &req.steps[first], &req.drive);
                u.input_offset = (first - chunk.start) as u32 * stride_elements;
                u.input_stride = stride_elements;
                u.drive_key = drive_key(&req.drive, req.first_step + first as u64);
                u.steps = steps as u32;
                u.store_input = u32::from(store_last && first + steps == n_steps);
                u.record_spikes = u32::from(req.record.spikes);
                u.table_base = (first - chunk.start) as u32;
                u
            })
            .collect()
    }

    /// The recording kernels' parameters (per-step path): one slot per step of the chunk.
    fn record_params(&self, shape: &RunShape<'_, '_>, chunk: &Chunk) -> Vec<RecordParams> {
        let max_dim = self.ctx.device.limits().max_compute_workgroups_per_dimension;
        (0..chunk.len())
            .map(|k| RecordParams {
                step: k as u32,
                sample: chunk.samples.iter().position(|&s| s == chunk.start + k).unwrap_or(0) as u32,
                words: shape.words as u32,
                total: self.total as u32,
                count: shape.n_record as u32,
                groups_x: grid((shape.words as u32).div_ceil(WORKGROUP_SIZE), max_dim).0,
                pad: [0; 2],
            })
            .collect()
    }

    /// Records the chunk's dispatches into one compute pass.
    fn encode_pass(
        &self,
        pass: &mut wgpu::ComputePass<'_>,
        shape: &RunShape<'_, '_>,
        chunk: &Chunk,
        r: &ChunkResources,
    ) {
        let max_dim = self.ctx.device.limits().max_compute_workgroups_per_dimension;
        for (slot, &(first, steps)) in r.plan.iter().enumerate() {
            pass.set_bind_group(0, &r.bind0, &[(slot as u64 * self.step_stride) as u32]);
            if let Some(bind1) = &r.bind1 {
                pass.set_bind_group(1, bind1, &[]);
            }
            if shape.fused {
                if let Some(p) = &self.pipeline_fused {
                    pass.set_pipeline(p);
                    pass.dispatch_workgroups(self.element_grid.0, self.element_grid.1, 1);
                }
            } else {
                self.dispatch_step(pass);
                if shape.req.record.spikes {
                    let step = (first - chunk.start) as u64;
                    self.recorder
                        .pack(pass, &r.pack_bind, step, shape.words as u32, max_dim);
                }
            }
            let last = first + steps - 1;
            if chunk.samples.contains(&last) {
                for bind in &r.gather_binds {
                    self.recorder
                        .gather(pass, bind, (last - chunk.start) as u64, shape.n_record as u32);
                }
            }
        }
    }

    /// Encodes the chunk into `external` (returning nothing: the caller submits), or into an
    /// own encoder that is submitted and read back.
    fn submit_chunk(
        &self,
        shape: &RunShape<'_, '_>,
        chunk: &Chunk,
        r: &ChunkResources,
        external: Option<&mut wgpu::CommandEncoder>,
    ) -> Result<ChunkReadback> {
        let ctx = &self.ctx;
        let device = &ctx.device;
        let mut own = None;
        let external_mode = external.is_some();
        let encoder: &mut wgpu::CommandEncoder = match external {
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
            self.encode_pass(&mut pass, shape, chunk, r);
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
            return Ok(ChunkReadback::default());
        };
        ctx.queue.submit([own.finish()]);
        let mut out = ChunkReadback::default();
        if let Some(resolve) = &resolved {
            let words: Vec<u64> = read_f32_any(ctx, resolve, 4)?
                .iter()
                .map(|x| u64::from(x.to_bits()))
                .collect();
            let (start, end) = (words[0] | words[1] << 32, words[2] | words[3] << 32);
            let ticks = end.saturating_sub(start) as f64;
            // The value passes through f32, as the run's GPU time always has.
            out.gpu_seconds = Some(f64::from(
                (ticks * f64::from(ctx.queue.get_timestamp_period()) * 1e-9) as f32,
            ));
        }
        if shape.req.record.spikes {
            let values = read_f32_any(ctx, &r.raster, chunk.len() * shape.words)?;
            out.raster = Some(values.iter().map(|x| x.to_bits()).collect());
        }
        if !chunk.samples.is_empty() {
            for trace in &r.traces {
                out.traces
                    .push(read_f32_any(ctx, trace, chunk.samples.len() * shape.n_record)?);
            }
        }
        Ok(out)
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

/// The run input of a chunk: its slice of a per-step buffer drive, or a per-neuron constant
/// drive whole; none for other drives.
fn run_input(device: &wgpu::Device, req: &RunRequest<'_>, total: usize, chunk: &Chunk) -> Option<wgpu::Buffer> {
    let contents: &[f32] = match req.drive {
        DriveSpec::Buffer { inputs, per_step: true } => &inputs[chunk.start * total..chunk.end * total],
        DriveSpec::Buffer {
            inputs,
            per_step: false,
        } => inputs,
        _ => return None,
    };
    Some(device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("run.input"),
        contents: bytemuck::cast_slice(contents),
        usage: wgpu::BufferUsages::STORAGE,
    }))
}

/// `(first step, steps)` per dispatch group: every step on its own, or fused stretches that end
/// at each sample step (the trace is gathered after the stretch).
fn dispatch_plan(fused: bool, chunk: &Chunk) -> Vec<(usize, usize)> {
    if !fused {
        return (chunk.start..chunk.end).map(|k| (k, 1)).collect();
    }
    let mut plan = Vec::new();
    let mut k = chunk.start;
    for cut in chunk.samples.iter().map(|&s| s + 1).chain([chunk.end]) {
        if cut > k {
            plan.push((k, cut - k));
            k = cut;
        }
    }
    plan
}

/// Uniform slots for dynamic offsets: each item at a multiple of `stride` bytes (at least one
/// slot, so the buffer is never empty).
pub(super) fn padded_slots<T: Pod>(items: &[T], stride: u64) -> Vec<u8> {
    let stride = stride as usize;
    let mut bytes = vec![0u8; items.len().max(1) * stride];
    for (k, item) in items.iter().enumerate() {
        let at = k * stride;
        bytes[at..at + std::mem::size_of::<T>()].copy_from_slice(bytemuck::bytes_of(item));
    }
    bytes
}

/// One dispatch's uniform slot.
pub(super) fn uniform_for(cell: &dyn CellModel, step: &StepInfo, drive: &DriveSpec<'_>) -> StepUniform {
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

/// The random drive's key for an absolute step of the population.
fn drive_key(drive: &DriveSpec<'_>, step: u64) -> [u32; 2] {
    match drive {
        DriveSpec::Random { key, .. } => key.fold_in(step as u32).0,
        _ => [0; 2],
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
