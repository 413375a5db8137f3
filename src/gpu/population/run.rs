//! A run of a [`GpuBackend`]: split into chunks that fit the adapter's bindings, each planned
//! (which dispatches, with which per-step uniforms), encoded into one compute pass, submitted
//! and read back into the [`Recording`].

use bytemuck::Pod;

use super::GpuBackend;
use super::cache::RunCache;
use crate::backend::RunRequest;
use crate::cells::{CellModel, StepInfo};
use crate::error::{Error, Result};
use crate::gpu::buffers::{RecordParams, StepUniform, WORKGROUP_SIZE, grid, map_f32};
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
    /// Bytes of the raster this chunk uses (cleared before the pass when recording spikes).
    raster_bytes: u64,
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
        external: Option<&mut wgpu::CommandEncoder>,
    ) -> Result<Recording> {
        // A run encoded into the caller's encoder gets buffers of its own (see cache.rs).
        let fresh = external.is_some();
        let mut cache = if fresh {
            RunCache::default()
        } else {
            std::mem::take(&mut self.run_cache)
        };
        let result = self.run_cached(cell, req, external, &mut cache);
        if fresh {
            self.run_allocations.add(cache.created);
        } else {
            self.run_cache = cache;
        }
        let (rec, gpu_seconds) = result?;
        self.last_gpu_seconds = self.timing.then_some(gpu_seconds);
        Ok(rec)
    }

    /// [`GpuBackend::run_inner`] with the buffers and bind groups of `cache`; also returns the
    /// run's GPU time when timing.
    fn run_cached(
        &self,
        cell: &dyn CellModel,
        req: RunRequest<'_>,
        mut external: Option<&mut wgpu::CommandEncoder>,
        cache: &mut RunCache,
    ) -> Result<(Recording, f64)> {
        let ctx = self.ctx.clone();
        let n_steps = req.steps.len();
        let mut rec = Recording::empty(self.batch, self.n_units, n_steps, req.record, true);
        if n_steps == 0 {
            return Ok((rec, 0.0));
        }
        self.write_step_constant_planes(cell, req.steps[0].dt);
        // A resident drive is bound whole (it fits one binding), so only a streamed one splits runs.
        let streamed_input = matches!(req.drive, DriveSpec::Buffer { per_step: true, .. });
        let chunk_steps = self.chunk_steps(streamed_input, req.record.spikes)?;
        if external.is_some() && (n_steps > chunk_steps || !req.record.is_empty()) {
            return Err(Error::InvalidShape(format!(
                "a run encoded into the caller's command encoder records nothing and must fit one chunk \
                 ({chunk_steps} steps of this population's input and raster)"
            )));
        }
        let mut indices: Vec<u32> = rec.neurons.iter().map(|&n| n as u32).collect();
        if indices.is_empty() {
            indices.push(0);
        }
        let index_buffer = ctx.checked("preparing the run's recording", || {
            let contents = bytemuck::cast_slice(&indices);
            cache.written(&ctx, ("run.indices", 0), contents, wgpu::BufferUsages::STORAGE)
        })?;
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
            index_buffer,
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
                let resources = self.chunk_resources(cache, cell, &shape, &chunk);
                self.submit_chunk(cache, &shape, &chunk, &resources, encoder)
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
        Ok((rec, gpu_seconds))
    }

    /// Plans a chunk's dispatches, writes its values into the cached buffers (growing them
    /// where the chunk needs more room) and takes its bind groups from the cache.
    fn chunk_resources(
        &self,
        cache: &mut RunCache,
        cell: &dyn CellModel,
        shape: &RunShape<'_, '_>,
        chunk: &Chunk,
    ) -> ChunkResources {
        let (ctx, req) = (&*self.ctx, shape.req);
        let storage = wgpu::BufferUsages::STORAGE;
        // The kind of input also names the bind group over it, so that runs alternating between
        // kinds (a slice, an uploaded drive, a generated one) keep one bind group each.
        let (input, input_kind) = match run_input(req, self.total, chunk) {
            RunInput::None => (self.placeholder.clone(), 0),
            RunInput::Streamed(values) => (
                cache.written(ctx, ("run.input", 0), bytemuck::cast_slice(values), storage),
                1,
            ),
            RunInput::Resident(buffer) => (buffer.clone(), 2),
        };
        let plan = dispatch_plan(shape.fused, chunk);
        let steps = padded_slots(&self.step_uniforms(cell, req, &plan, chunk), self.step_stride);
        let uniforms = cache.written(ctx, ("run.steps", 0), &steps, wgpu::BufferUsages::UNIFORM);
        let raster_bytes = if req.record.spikes {
            (chunk.len() * shape.words * 4) as u64
        } else {
            16
        };
        // COPY_DST: a reused raster is cleared before the fused kernel ORs spikes into it.
        let raster = cache.buffer(
            &ctx.device,
            ("run.raster", 0),
            raster_bytes,
            storage | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
        );
        let trace_bytes = (chunk.samples.len() * shape.n_record * 4) as u64;
        let traces: Vec<wgpu::Buffer> = (0..shape.samples.len())
            .map(|k| {
                let usage = storage | wgpu::BufferUsages::COPY_SRC;
                cache.buffer(&ctx.device, ("run.trace", k), trace_bytes, usage)
            })
            .collect();
        let table: Vec<[u32; 4]> = (chunk.start..chunk.end)
            .map(|k| {
                let key = drive_key(&req.drive, req.first_step + k as u64);
                [req.steps[k].t.to_bits(), key[0], key[1], 0]
            })
            .collect();
        let table_buffer = cache.written(ctx, ("run.table", 0), bytemuck::cast_slice(&table), storage);
        let params = padded_slots(&self.record_params(shape, chunk), self.recorder.stride);
        let record_params = cache.written(ctx, ("run.record_params", 0), &params, wgpu::BufferUsages::UNIFORM);
        let record_bind = |source: usize, raster: &wgpu::Buffer, trace: &wgpu::Buffer| {
            self.recorder.bind(
                &self.ctx,
                &record_params,
                self.buffer(source),
                [raster, &shape.index_buffer, trace],
            )
        };
        let index = &shape.index_buffer;
        let bind0 = cache.bind(("run.bind0", input_kind), &[&uniforms, &input], || {
            self.bind0(&uniforms, &input)
        });
        let bind1 = self.has_group1.then(|| {
            cache.bind(("run.bind1", 0), &[&table_buffer, &raster], || {
                self.bind1(&table_buffer, &raster)
            })
        });
        let pack_bind = cache.bind(("run.pack", 0), &[&record_params, &raster, index], || {
            record_bind(self.spike_index, &raster, &self.placeholder)
        });
        // Keyed by compartment: the bind group binds that compartment's slot of the state.
        let gather_binds = shape
            .samples
            .iter()
            .zip(&traces)
            .map(|(&c, trace)| {
                cache.bind(("run.gather", c), &[&record_params, trace, index], || {
                    record_bind(c, &self.placeholder, trace)
                })
            })
            .collect();
        ChunkResources {
            bind0,
            bind1,
            pack_bind,
            gather_binds,
            plan,
            raster,
            raster_bytes,
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
        let (per_step_input, resident) = match req.drive {
            DriveSpec::Buffer { per_step, .. } => (per_step, false),
            DriveSpec::Resident { per_step, .. } => (per_step, true),
            _ => (false, false),
        };
        let stride_elements = if per_step_input { self.total as u32 } else { 0 };
        // A streamed drive's buffer holds the chunk's slices; a resident one holds the whole run.
        let input_base = if resident { 0 } else { chunk.start };
        // The last step stores its input in j, unless the cell writes j itself (SLIF).
        let store_last = !cell.overwrites_input();
        let n_steps = req.steps.len();
        plan.iter()
            .map(|&(first, steps)| {
                let mut u = uniform_for(cell, &req.steps[first], &req.drive);
                u.input_offset = (first - input_base) as u32 * stride_elements;
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
    /// own encoder that is submitted and read back through the cached staging buffer.
    fn submit_chunk(
        &self,
        cache: &mut RunCache,
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
        let timestamps = (self.timing && !external_mode).then(|| cache.timestamps(device));
        if shape.req.record.spikes {
            // The fused kernel ORs spikes into the raster, which may hold an earlier run's.
            encoder.clear_buffer(&r.raster, 0, Some(r.raster_bytes));
        }
        {
            let timestamp_writes = timestamps
                .as_ref()
                .map(|(query_set, _)| wgpu::ComputePassTimestampWrites {
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
        if let Some((query_set, resolve)) = &timestamps {
            encoder.resolve_query_set(query_set, 0..2, resolve, 0);
        }
        let Some(own) = own else {
            // Encoded into the caller's command stream: the caller submits.
            return Ok(ChunkReadback::default());
        };
        // Everything to read back is copied into one staging buffer by the run's own command
        // buffer, so the chunk costs one submission and one wait: the timestamps, the raster,
        // then each trace, back to back.
        let raster_len = if shape.req.record.spikes {
            chunk.len() * shape.words
        } else {
            0
        };
        let trace_len = chunk.samples.len() * shape.n_record;
        let mut sections: Vec<(&wgpu::Buffer, usize)> = Vec::new();
        if let Some((_, resolve)) = &timestamps {
            sections.push((resolve, 4));
        }
        if raster_len > 0 {
            sections.push((&r.raster, raster_len));
        }
        if trace_len > 0 {
            sections.extend(r.traces.iter().map(|trace| (trace, trace_len)));
        }
        let offsets: Vec<usize> = sections
            .iter()
            .scan(0, |at, &(_, len)| {
                let offset = *at;
                *at += len;
                Some(offset)
            })
            .collect();
        let words = sections
            .last()
            .zip(offsets.last())
            .map_or(0, |(&(_, len), at)| at + len);
        if words == 0 {
            ctx.queue.submit([own.finish()]);
            return Ok(ChunkReadback::default());
        }
        let staging = cache.buffer(
            device,
            ("run.readback", 0),
            words as u64 * 4,
            wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        );
        let mut own = own;
        for (&(source, len), &at) in sections.iter().zip(&offsets) {
            own.copy_buffer_to_buffer(source, 0, &staging, at as u64 * 4, len as u64 * 4);
        }
        ctx.queue.submit([own.finish()]);
        let values = map_f32(ctx, &staging, words)?;
        let mut parts = sections
            .iter()
            .zip(&offsets)
            .map(|(&(_, len), &at)| &values[at..at + len]);
        let mut out = ChunkReadback::default();
        if timestamps.is_some()
            && let Some(stamps) = parts.next()
        {
            let word = |k: usize| u64::from(stamps[k].to_bits());
            let (start, end) = (word(0) | word(1) << 32, word(2) | word(3) << 32);
            let ticks = end.saturating_sub(start) as f64;
            // The value passes through f32, as the run's GPU time always has.
            out.gpu_seconds = Some(f64::from(
                (ticks * f64::from(ctx.queue.get_timestamp_period()) * 1e-9) as f32,
            ));
        }
        if raster_len > 0
            && let Some(raster) = parts.next()
        {
            out.raster = Some(raster.iter().map(|x| x.to_bits()).collect());
        }
        out.traces = parts.map(<[f32]>::to_vec).collect();
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

/// The run input of a chunk.
enum RunInput<'a> {
    /// The drive needs none (`j`, a constant, random trains).
    None,
    /// Values to copy into the run's input buffer: the chunk's slices of a per-step drive, or a
    /// per-neuron drive whole.
    Streamed(&'a [f32]),
    /// An uploaded drive's own buffer, bound whole.
    Resident(&'a wgpu::Buffer),
}

/// Where a chunk's run input comes from.
fn run_input<'a>(req: &RunRequest<'a>, total: usize, chunk: &Chunk) -> RunInput<'a> {
    match req.drive {
        DriveSpec::Buffer { inputs, per_step: true } => {
            RunInput::Streamed(&inputs[chunk.start * total..chunk.end * total])
        }
        DriveSpec::Buffer {
            inputs,
            per_step: false,
        } => RunInput::Streamed(inputs),
        DriveSpec::Resident { buffer, .. } => RunInput::Resident(buffer),
        _ => RunInput::None,
    }
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
        DriveSpec::Current | DriveSpec::Buffer { .. } | DriveSpec::Resident { .. } => [0.0; 4],
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
