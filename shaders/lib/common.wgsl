// Bindings and indexing shared by every cell kernel. Host side: src/gpu/population.rs.

// Per-step values; one aligned slot per step, bound with a dynamic offset. Host side:
// src/gpu/buffers.rs `StepUniform`.
struct StepUniform {
    t: f32,
    dt: f32,
    half_dt: f32,
    // Offset (in f32 elements) of this dispatch's first input slice in run_input.
    input_offset: u32,
    // This step's PRNG subkey (split off the population key on the host).
    key: vec2<u32>,
    // 0: the `j` compartment; 1: run_input; 2: the constant drive.x; 3: random spikes.
    input_mode: u32,
    // Elements between the input slices of consecutive steps (B·N, or 0 for per-neuron).
    input_stride: u32,
    // Step-size dependent constants of the cell (CellModel::gpu_step_constants).
    c: vec4<f32>,
    // The population's key at construction (SLIF's inhibition weights).
    init_key: vec2<u32>,
    // Random drive: this step's key (per-step dispatches).
    drive_key: vec2<u32>,
    // x: constant current or spike amplitude; y: spike probability.
    drive: vec4<f32>,
    // Fused dispatches: the number of steps.
    steps: u32,
    // 1: write the input into `j` (the last step of a run).
    store_input: u32,
    // 1: set raster bits for spikes (fused dispatches).
    record_spikes: u32,
    // Fused dispatches: row of step_table and raster of this dispatch's first step.
    table_base: u32,
}

struct Dims {
    n_units: u32,
    batch: u32,
    total: u32,
    // Workgroups along x of the element grid; the grid is 2-D beyond 65,535 workgroups.
    groups_x: u32,
    // Workgroups along x of the row grid (one workgroup per batch row).
    rows_x: u32,
    // Values between two compartments' slots in the state buffer (B·N rounded up to the
    // adapter's storage offset alignment, so each slot can be bound on its own).
    slot: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> step_in: StepUniform;
@group(0) @binding(1) var<uniform> dims: Dims;
// K×B×N input currents of a run (a small placeholder otherwise).
@group(0) @binding(3) var<storage, read> run_input: array<f32>;

// The input current of element i on step k of this dispatch (k = 0 for per-step dispatches);
// `key` is the random drive's key for that step, `current` the value of `j`.
// Twin: src/run.rs `DriveSpec::fill`.
fn drive_input(i: u32, k: u32, key: vec2<u32>, current: f32) -> f32 {
    switch step_in.input_mode {
        case 1u: {
            return run_input[step_in.input_offset + k * step_in.input_stride + i];
        }
        case 2u: {
            return step_in.drive.x;
        }
        case 3u: {
            return select(0.0, step_in.drive.x, rng_uniform01(key, i) < step_in.drive.y);
        }
        default: {
            return current;
        }
    }
}

// Threads per workgroup, element and row passes alike (src/gpu/population.rs WORKGROUP_SIZE).
const WG: u32 = 256u;

fn element_index(wid: vec3<u32>, lid: vec3<u32>) -> u32 {
    return (wid.y * dims.groups_x + wid.x) * WG + lid.x;
}

fn row_index(wid: vec3<u32>) -> u32 {
    return wid.y * dims.rows_x + wid.x;
}

// Where a row pass's thread stands: its batch row, its lane, the units it walks (N, or 0 for the
// grid's rows past the batch, which still take part in the workgroup's barriers, with empty
// loops) and the row's first element.
struct RowPass {
    row: u32,
    lid: u32,
    n_here: u32,
    base: u32,
}

fn row_pass(wid: vec3<u32>, lid3: vec3<u32>) -> RowPass {
    let row = row_index(wid);
    return RowPass(row, lid3.x, select(dims.n_units, 0u, row >= dims.batch), row * dims.n_units);
}

// Units per chunk of a long row's multi-workgroup passes (src/reductions.rs ROW_CHUNK; a different
// value fails tests/row_reductions.rs `wtas_long_rows_spike_as_the_fixed_order_sum_says`): one
// workgroup per chunk, on a grid of ⌈N / ROW_CHUNK⌉ chunks (x) by B rows (y).
const ROW_CHUNK: u32 = 8192u;

// Where a chunk pass's thread stands: its row and chunk, its lane, the row's chunk count, the
// chunk's first unit in the row (`start`) and in the buffers (`base`), and its length (0 for the
// grid's rows past the batch, which still take part in the workgroup's barriers, with empty
// loops).
struct ChunkPass {
    row: u32,
    chunk: u32,
    lid: u32,
    chunks: u32,
    start: u32,
    base: u32,
    len: u32,
}

fn chunk_pass(wid: vec3<u32>, lid3: vec3<u32>) -> ChunkPass {
    let chunks = (dims.n_units + ROW_CHUNK - 1u) / ROW_CHUNK;
    let start = wid.x * ROW_CHUNK;
    var len = 0u;
    if (wid.y < dims.batch && start < dims.n_units) {
        len = min(ROW_CHUNK, dims.n_units - start);
    }
    return ChunkPass(wid.y, wid.x, lid3.x, chunks, start, wid.y * dims.n_units + start, len);
}

// Deterministic argmax with jnp.argmax's tie rule (first index wins), as a tree over one
// workgroup. The order of comparisons is fixed, so every run gives the same result.
var<workgroup> red_val: array<f32, 256>;
var<workgroup> red_idx: array<u32, 256>;
var<workgroup> red_any: array<u32, 256>;

fn better(val_a: f32, idx_a: u32, val_b: f32, idx_b: u32) -> bool {
    // Is (val_b, idx_b) a better argmax candidate than (val_a, idx_a)?
    return val_b > val_a || (val_b == val_a && idx_b < idx_a);
}

// Reduces red_val/red_idx/red_any in place; the result is in slot 0. Call from all threads.
fn workgroup_argmax(lid: u32) {
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            let other = lid + stride;
            if (better(red_val[lid], red_idx[lid], red_val[other], red_idx[other])) {
                red_val[lid] = red_val[other];
                red_idx[lid] = red_idx[other];
            }
            red_any[lid] = red_any[lid] | red_any[other];
        }
        workgroupBarrier();
    }
}

// Sum over the workgroup of every thread's `lane`, in src/reductions.rs `workgroup_sum`'s order.
// Call from all threads: each gets the sum, and red_val is free again on return.
fn workgroup_sum(lid: u32, lane: f32) -> f32 {
    return workgroup_reduce(lid, lane, false);
}

// Maximum over the workgroup of every thread's `lane`, as `workgroup_sum`.
fn workgroup_max(lid: u32, lane: f32) -> f32 {
    return workgroup_reduce(lid, lane, true);
}

// The tree of `workgroup_sum` and `workgroup_max` over red_val.
fn workgroup_reduce(lid: u32, lane: f32, take_max: bool) -> f32 {
    red_val[lid] = lane;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            let other = red_val[lid + stride];
            if (take_max) {
                red_val[lid] = max(red_val[lid], other);
            } else {
                red_val[lid] = red_val[lid] + other;
            }
        }
        workgroupBarrier();
    }
    let result = red_val[0];
    workgroupBarrier();
    return result;
}
