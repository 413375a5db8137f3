// WTASCell step: one workgroup per batch row (`step`), or per chunk of a long row (`chunk_*`).
// Twin of src/cells/wtas.rs `step_cpu`.
// `P` and the compartment bindings come from the cell's description.

// The lowest finite f32 (Rust's `f32::MIN`), where a lane's maximum starts: not -inf, which fast
// math may fold away (docs/PORTABILITY.md). max(LOWEST_F32, x) = x for every x but -inf, so rows
// of finite voltages get the maximum they always got. Twin: src/reductions.rs `row_max`.
const LOWEST_F32: f32 = -0x1.fffffep+127f;

// v of element i (its input kept in j on a run's last step), shared by `step` and `chunk_max`.
fn wtas_set_v(i: u32) -> f32 {
    let mask = select(0.0, 1.0, rfr[i] >= P.refract_time);
    let j_now = drive_input(i, 0u, step_in.drive_key, j[i]);
    if (step_in.store_input != 0u) {
        j[i] = j_now;
    }
    let vv = (j_now * P.resist_m) * mask;
    v[i] = vv;
    return vv;
}

// Refractory timer and spike time of element i after its spike.
fn wtas_after_spike(i: u32, spike: f32) {
    rfr[i] = reset_to(rfr[i] + step_in.dt, spike, step_in.dt);
    tols[i] = tols_of(tols[i], spike, step_in.t);
}

// Threshold of element i, given its row's spike count.
fn wtas_set_thr(i: u32, count: f32) {
    thr[i] = floor_at(thr[i] + (count - 1.0) * P.thr_gain, 0.025);
}

@compute @workgroup_size(256)
fn step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let r = row_pass(wid, lid3);
    // v and the row maximum.
    var lane_max = LOWEST_F32;
    for (var n = r.lid; n < r.n_here; n += WG) {
        lane_max = max(lane_max, wtas_set_v(r.base + n));
    }
    let row_max = workgroup_max(r.lid, lane_max);
    // Σ math_exp(v − max), in src/reductions.rs's order.
    var lane_sum = 0.0;
    for (var n = r.lid; n < r.n_here; n += WG) {
        lane_sum += math_exp(v[r.base + n] - row_max);
    }
    let total = workgroup_sum(r.lid, lane_sum);
    // Spikes and their count.
    var lane_count = 0.0;
    for (var n = r.lid; n < r.n_here; n += WG) {
        let i = r.base + n;
        let spike = spike_of(math_exp(v[i] - row_max) / total, thr[i]);
        s[i] = spike;
        lane_count += spike;
    }
    let count = workgroup_sum(r.lid, lane_count);
    // Thresholds, refractory timers, spike times.
    for (var n = r.lid; n < r.n_here; n += WG) {
        let i = r.base + n;
        wtas_set_thr(i, count);
        wtas_after_spike(i, s[i]);
    }
}

// The multi-workgroup form of `step` for rows longer than ROW_CHUNK (src/cells/wtas.rs
// `gpu_passes`): four passes, one workgroup per chunk of ROW_CHUNK units. Each pass leaves its
// chunk's partial in row_partials; the next pass's workgroups each reduce the row's partials in
// the same fixed order, so all of them get the same value: src/reductions.rs `row_sum`.

// Where chunk `chunk` of `row` keeps partial `which` (0: maximum, 1: Σ exp, 2: spike count).
// Twin: src/cells/wtas.rs PARTIALS.
fn wtas_partial(which: u32, row: u32, chunk: u32, chunks: u32) -> u32 {
    return (which * dims.batch + row) * chunks + chunk;
}

// Lane 0 stores the chunk's partial (rows past the batch store nothing).
fn wtas_store_partial(c: ChunkPass, which: u32, value: f32) {
    if (c.lid == 0u && c.len > 0u) {
        row_partials[wtas_partial(which, c.row, c.chunk, c.chunks)] = bitcast<u32>(value);
    }
}

// The row's total of partial `which`: lane t takes chunks t, t + WG, …, then the tree
// (src/reductions.rs `row_sum`'s second level; the maximum is the same in any order).
fn wtas_row_total(c: ChunkPass, which: u32, take_max: bool) -> f32 {
    var lane = select(0.0, LOWEST_F32, take_max);
    if (c.len > 0u) {
        for (var k = c.lid; k < c.chunks; k += WG) {
            let x = bitcast<f32>(row_partials[wtas_partial(which, c.row, k, c.chunks)]);
            if (take_max) {
                lane = max(lane, x);
            } else {
                lane += x;
            }
        }
    }
    return workgroup_reduce(c.lid, lane, take_max);
}

// v and the chunk's maximum.
@compute @workgroup_size(256)
fn chunk_max(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    var lane_max = LOWEST_F32;
    for (var n = c.lid; n < c.len; n += WG) {
        lane_max = max(lane_max, wtas_set_v(c.base + n));
    }
    wtas_store_partial(c, 0u, workgroup_max(c.lid, lane_max));
}

// The chunk's Σ math_exp(v − row max). Each exp waits in `s` for `chunk_count`, which replaces
// it by the spike: the passes of one step are dispatched back to back, so nothing else reads
// `s` in between, and the stored exp is the one `step` computes twice.
@compute @workgroup_size(256)
fn chunk_sum(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    let row_max = wtas_row_total(c, 0u, true);
    var lane_sum = 0.0;
    for (var n = c.lid; n < c.len; n += WG) {
        let e = math_exp(v[c.base + n] - row_max);
        s[c.base + n] = e;
        lane_sum += e;
    }
    wtas_store_partial(c, 1u, workgroup_sum(c.lid, lane_sum));
}

// Spikes, the chunk's count, refractory timers and spike times (they need no count).
@compute @workgroup_size(256)
fn chunk_count(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    let total = wtas_row_total(c, 1u, false);
    var lane_count = 0.0;
    for (var n = c.lid; n < c.len; n += WG) {
        let i = c.base + n;
        let spike = spike_of(s[i] / total, thr[i]);
        s[i] = spike;
        lane_count += spike;
        wtas_after_spike(i, spike);
    }
    wtas_store_partial(c, 2u, workgroup_sum(c.lid, lane_count));
}

// Thresholds.
@compute @workgroup_size(256)
fn chunk_update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    let count = wtas_row_total(c, 2u, false);
    for (var n = c.lid; n < c.len; n += WG) {
        wtas_set_thr(c.base + n, count);
    }
}
