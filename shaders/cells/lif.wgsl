// LIFCell step. Twin of src/cells/lif.rs `step_cpu`; keep the two in step, line for line.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl, `ode_step` from
// shaders/lib/ode.wgsl; the row passes are here; overrides, `P`, the bindings, CellState,
// cell_load and cell_store from the cell's description.

// src/cells/lif.rs `element_loop`'s `dvdt`, for `ode_step` (shaders/lib/ode.wgsl): v, with
// frozen = (drive).
fn cell_dxdt(which: u32, v_now: f32, frozen: vec4<f32>) -> f32 {
    let drive = frozen.x;
    if (QUADRATIC) {
        return ((P.v_rest - v_now) * (v_now - P.v_c) * P.a0 + drive) * P.inv_tau_m;
    }
    return ((P.v_rest - v_now) * P.conduct_leak + drive) * P.inv_tau_m;
}

// Returns the raw spike (what the fused kernel records for the variants it runs).
fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let dt = step_in.dt;
    let v_old = (*st).v;
    let rfr_old = (*st).rfr;
    let theta_old = (*st).thr_theta;
    let j_r = j_in * P.resist_m;
    let vthr = theta_old + P.thr;
    let mask = select(0.0, 1.0, rfr_old >= P.refract_time);
    let drive = j_r * mask;
    let v1 = ode_step(0u, v_old, vec4<f32>(drive, 0.0, 0.0, 0.0));
    let spike = select(0.0, 1.0, v1 > vthr);
    (*st).rfr = reset_to(rfr_old + dt, spike, 0.0);
    if (!QUADRATIC) {
        (*st).surrogate = surrogate_arctan_d(v1, vthr, P.arctan_slope) * step_in.c.y;
    }
    let v2 = reset_to(v1, spike, P.v_reset);
    (*st).s_raw = spike;
    var s_out = spike;
    if (MAX_ONE_SPIKE) {
        let is_winner = select(0.0, 1.0, i % dims.n_units == row_winner[i / dims.n_units]);
        s_out = spike * is_winner;
    }
    (*st).s = s_out;
    if (ADAPT_THRESHOLD) {
        let theta_new = theta_old * step_in.c.x + spike * P.theta_plus;
        (*st).thr_theta = theta_new;
        if (!QUADRATIC) {
            (*st).v_thr = P.thr + theta_new;
        }
    }
    if (!SELECT_BY_DRAW) {
        (*st).tols = tols_of((*st).tols, s_out, t);
    }
    if (CLAMP_V_MIN) {
        (*st).v = floor_at(v2, P.v_min);
    } else {
        (*st).v = v2;
    }
    return spike;
}

// max_one_spike: argmax over the row of the voltage before the step.
@compute @workgroup_size(256)
fn row_pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let r = row_pass(wid, lid3);
    var best_val = 0.0;
    var best_idx = 0xFFFFFFFFu;
    for (var n = r.lid; n < r.n_here; n += WG) {
        let x = v[r.base + n];
        if (best_idx == 0xFFFFFFFFu || x > best_val) {
            best_val = x;
            best_idx = n;
        }
    }
    red_val[r.lid] = best_val;
    red_idx[r.lid] = best_idx;
    red_any[r.lid] = 0u;
    // Threads without any element of the row (N < 256) repeat the row's first element: a
    // duplicate candidate never changes the argmax, so no sentinel value is needed (an -inf one
    // may be folded away under fast math, see docs/PORTABILITY.md). Rows past the batch have no
    // element at all; their result is not stored.
    let in_range = r.n_here > 0u;
    if (in_range && best_idx == 0xFFFFFFFFu) {
        red_val[r.lid] = v[r.base];
        red_idx[r.lid] = 0u;
    }
    workgroup_argmax(r.lid);
    if (in_range && r.lid == 0u) {
        row_winner[r.row] = red_idx[0];
    }
}

// one_spike: keep one spike per row, the argmax of s_raw·u with u = uniform(subkey, (B, N)).
@compute @workgroup_size(256)
fn row_post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let r = row_pass(wid, lid3);
    // Every product s_raw·u is ≥ 0, so 0 with index 0xFFFFFFFF is a neutral start: any real
    // element with value 0 wins over it by index.
    var best_val = 0.0;
    var best_idx = 0xFFFFFFFFu;
    var spiked_any = 0u;
    for (var n = r.lid; n < r.n_here; n += WG) {
        let spiked = s_raw[r.base + n];
        let u = spiked * rng_uniform01(step_in.key, r.base + n);
        if (better(best_val, best_idx, u, n)) {
            best_val = u;
            best_idx = n;
        }
        spiked_any = spiked_any | select(0u, 1u, spiked > 0.0);
    }
    red_val[r.lid] = best_val;
    red_idx[r.lid] = best_idx;
    red_any[r.lid] = spiked_any;
    workgroup_argmax(r.lid);
    let winner = red_idx[0];
    let row_any = red_any[0] != 0u;
    for (var n = r.lid; n < r.n_here; n += WG) {
        lif_keep_one_spike(r.base + n, row_any, n == winner);
    }
}

// one_spike: element i keeps its spike only as its row's winner (when the row spiked at all).
fn lif_keep_one_spike(i: u32, row_any: bool, is_winner: bool) {
    var sv = s[i];
    if (row_any) {
        sv = select(0.0, 1.0, is_winner);
    }
    s[i] = sv;
    tols[i] = tols_of(tols[i], sv, step_in.t);
}

// Rows longer than ROW_CHUNK (src/cells/lif.rs `gpu_passes`): the row's argmax in chunks, one
// workgroup each. An argmax with the first-index tie rule has one answer in any order, so the
// chunks' candidates combine to the single-workgroup result. They wait in row_winner after its
// B winners: values (f32 bits), indices in the row, spiked flags, B·⌈N / ROW_CHUNK⌉ of each.
fn lif_candidate_at(which: u32, row: u32, chunk: u32, chunks: u32) -> u32 {
    return dims.batch + (which * dims.batch + row) * chunks + chunk;
}

// After workgroup_argmax: lane 0 stores the chunk's candidate.
fn lif_store_candidate(c: ChunkPass) {
    if (c.lid == 0u && c.len > 0u) {
        row_winner[lif_candidate_at(0u, c.row, c.chunk, c.chunks)] = bitcast<u32>(red_val[0]);
        row_winner[lif_candidate_at(1u, c.row, c.chunk, c.chunks)] = red_idx[0];
        row_winner[lif_candidate_at(2u, c.row, c.chunk, c.chunks)] = red_any[0];
    }
}

// The argmax of the row's chunk candidates into red_* slot 0. Lanes without a chunk repeat the
// first chunk's candidate (a duplicate never changes the argmax); rows past the batch (`valid`
// false) read nothing and their result is not used.
fn lif_combine_candidates(row: u32, lid: u32, chunks: u32, valid: bool) {
    var best_val = 0.0;
    var best_idx = 0xFFFFFFFFu;
    var spiked_any = 0u;
    if (valid) {
        for (var k = lid; k < chunks; k += WG) {
            let val = bitcast<f32>(row_winner[lif_candidate_at(0u, row, k, chunks)]);
            let idx = row_winner[lif_candidate_at(1u, row, k, chunks)];
            if (best_idx == 0xFFFFFFFFu || better(best_val, best_idx, val, idx)) {
                best_val = val;
                best_idx = idx;
            }
            spiked_any = spiked_any | row_winner[lif_candidate_at(2u, row, k, chunks)];
        }
        if (best_idx == 0xFFFFFFFFu) {
            best_val = bitcast<f32>(row_winner[lif_candidate_at(0u, row, 0u, chunks)]);
            best_idx = row_winner[lif_candidate_at(1u, row, 0u, chunks)];
        }
    }
    red_val[lid] = best_val;
    red_idx[lid] = best_idx;
    red_any[lid] = spiked_any;
    workgroup_argmax(lid);
}

// max_one_spike: the chunk's argmax of the pre-step voltage (as `row_pre` over the chunk).
@compute @workgroup_size(256)
fn chunk_argmax_v(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    var best_val = 0.0;
    var best_idx = 0xFFFFFFFFu;
    for (var n = c.lid; n < c.len; n += WG) {
        let x = v[c.base + n];
        if (best_idx == 0xFFFFFFFFu || x > best_val) {
            best_val = x;
            best_idx = c.start + n;
        }
    }
    if (c.len > 0u && best_idx == 0xFFFFFFFFu) {
        best_val = v[c.base];
        best_idx = c.start;
    }
    red_val[c.lid] = best_val;
    red_idx[c.lid] = best_idx;
    red_any[c.lid] = 0u;
    workgroup_argmax(c.lid);
    lif_store_candidate(c);
}

// max_one_spike: one workgroup per row picks the winner among its chunks' candidates.
@compute @workgroup_size(256)
fn winner_of_chunks(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let r = row_pass(wid, lid3);
    let chunks = (dims.n_units + ROW_CHUNK - 1u) / ROW_CHUNK;
    lif_combine_candidates(r.row, r.lid, chunks, r.n_here > 0u);
    if (r.n_here > 0u && r.lid == 0u) {
        row_winner[r.row] = red_idx[0];
    }
}

// one_spike: the chunk's argmax of s_raw·u and whether it spiked (as `row_post` over the chunk).
@compute @workgroup_size(256)
fn chunk_pick(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    var best_val = 0.0;
    var best_idx = 0xFFFFFFFFu;
    var spiked_any = 0u;
    for (var n = c.lid; n < c.len; n += WG) {
        let spiked = s_raw[c.base + n];
        let u = spiked * rng_uniform01(step_in.key, c.base + n);
        if (better(best_val, best_idx, u, c.start + n)) {
            best_val = u;
            best_idx = c.start + n;
        }
        spiked_any = spiked_any | select(0u, 1u, spiked > 0.0);
    }
    red_val[c.lid] = best_val;
    red_idx[c.lid] = best_idx;
    red_any[c.lid] = spiked_any;
    workgroup_argmax(c.lid);
    lif_store_candidate(c);
}

// one_spike: every workgroup of a row combines the chunks' candidates, then keeps the winner's
// spike in its chunk.
@compute @workgroup_size(256)
fn chunk_select(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    lif_combine_candidates(c.row, c.lid, c.chunks, c.len > 0u);
    let winner = red_idx[0];
    let row_any = red_any[0] != 0u;
    for (var n = c.lid; n < c.len; n += WG) {
        lif_keep_one_spike(c.base + n, row_any, c.start + n == winner);
    }
}
