// The two entry points of every cell without row reductions, built from the cell's
// `CellState`, `cell_load`, `cell_advance` and `cell_store` (composed after the cell's file).
// Host side: src/gpu/population.rs.

// The end of most `cell_advance`s: the step's spike into `s` and the time of last spike `tols`
// (compartments every element-wise cell has); returns the spike, as `cell_advance` does.
// Rust: src/cells/mod.rs `tols_of` where each cell stores `s`.
fn cell_fired(st: ptr<function, CellState>, spike: f32, t: f32) -> f32 {
    (*st).s = spike;
    (*st).tols = tols_of((*st).tols, spike, t);
    return spike;
}

// Fused runs: per step (t bits, drive key x, drive key y, 0), and the bit-packed spike raster.
@group(1) @binding(0) var<storage, read> step_table: array<vec4<u32>>;
@group(1) @binding(1) var<storage, read_write> raster: array<atomic<u32>>;

// One step of every neuron.
@compute @workgroup_size(256)
fn step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = element_index(wid, lid);
    if (i >= dims.total) {
        return;
    }
    let j_now = drive_input(i, 0u, step_in.drive_key, j[i]);
    if (step_in.store_input != 0u) {
        j[i] = j_now;
    }
    // Per-neuron parameters (`cell_param`) are read at this element's neuron.
    cell_element = i;
    var st = cell_load(i);
    cell_advance(&st, i, j_now, step_in.t);
    cell_store(i, st);
}

// `step_in.steps` steps of every neuron in one dispatch, the state in registers; spikes are
// OR-ed into the raster (bit i % 32 of word k·ceil(B·N/32) + i/32).
@compute @workgroup_size(256)
fn fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = element_index(wid, lid);
    if (i >= dims.total) {
        return;
    }
    let steps = step_in.steps;
    let record = step_in.record_spikes != 0u;
    let words = (dims.total + 31u) / 32u;
    let current = j[i];
    // A drive that is the same every step (j, a constant, or one value per neuron) is read once.
    let invariant = step_in.input_mode == 0u || step_in.input_mode == 2u
        || (step_in.input_mode == 1u && step_in.input_stride == 0u);
    let fixed_input = drive_input(i, 0u, vec2<u32>(0u, 0u), current);
    var j_now = current;
    cell_element = i;
    var st = cell_load(i);
    for (var k = 0u; k < steps; k++) {
        let row = step_table[step_in.table_base + k];
        if (invariant) {
            j_now = fixed_input;
        } else {
            j_now = drive_input(i, k, row.yz, current);
        }
        let spike = cell_advance(&st, i, j_now, bitcast<f32>(row.x));
        if (record && spike > 0.0) {
            atomicOr(&raster[(step_in.table_base + k) * words + i / 32u], 1u << (i % 32u));
        }
    }
    if (step_in.store_input != 0u) {
        j[i] = j_now;
    }
    cell_store(i, st);
}
