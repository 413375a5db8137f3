// SLIFCell step. Twin of src/cells/slif.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl; the row passes are here;
// overrides, `P`, the bindings, CellState, cell_load and cell_store from the cell's description.
// Scratch layout: [0, B·N) spike lists per row, [B·N, B·N + B) list lengths,
// [B·N + B, 2·B·N + B) raw spikes (f32 bits) for rho_b, then the chunk counts of raw spikes of rows
// longer than ROW_CHUNK (B·⌈N / ROW_CHUNK⌉, f32 bits).

// src/cells/slif.rs W_LO, and SPAN_SIG, LO_SIG: f32(1 − 0.025) = SPAN_SIG·2⁻²⁴, 0.025 = LO_SIG·2⁻²⁹
// (LO_SIG = 0xcccccd).
const SLIF_W_LO: f32 = 0.025;
const SLIF_SPAN_SIG: u32 = 0xf9999au;
// LO_SIG·2¹⁸ as two words (WGSL refuses a constant shift that drops bits).
const SLIF_LO_SIG_LOW: u32 = 0x33340000u;  // (LO_SIG << 18) mod 2³²
const SLIF_LO_SIG_HIGH: u32 = 0x333u;      // LO_SIG >> 14

// src/cells/slif.rs `unit_weight`: u·(1 − 0.025) + 0.025 rounded once, in integers (WGSL's fma
// may round twice).
fn slif_unit_weight(mantissa: u32) -> f32 {
    let m0 = mantissa & 0xffffu;
    let m1 = mantissa >> 16u;
    let s0 = SLIF_SPAN_SIG & 0xffffu;
    let s1 = SLIF_SPAN_SIG >> 16u;
    let p00 = m0 * s0;
    let mid = m0 * s1 + m1 * s0;
    let lo1 = p00 + (mid << 16u);
    let hi1 = m1 * s1 + (mid >> 16u) + select(0u, 1u, lo1 < p00);
    let lo = lo1 + SLIF_LO_SIG_LOW;
    let hi = hi1 + SLIF_LO_SIG_HIGH + select(0u, 1u, lo < lo1);
    let shift = 63u - countLeadingZeros(hi) - 23u;
    let significand = (lo >> shift) | (hi << (32u - shift));
    let rest = lo & ((1u << shift) - 1u);
    let half = 1u << (shift - 1u);
    let round_up = rest > half || (rest == half && (significand & 1u) == 1u);
    return bitcast<f32>(((shift + 103u) << 23u) + (significand - (1u << 23u)) + select(0u, 1u, round_up));
}

// src/cells/slif.rs `inhibition_weight`.
fn slif_weight(w_key: vec2<u32>, m: u32, n: u32) -> f32 {
    if (m == n) {
        return 0.0;
    }
    return max(SLIF_W_LO, slif_unit_weight(rng_bits_2d(w_key, m, dims.n_units, n) >> 9u));
}

// src/cells/slif.rs `sech`.
fn slif_sech(x: f32) -> f32 {
    if (abs(x) > 88.0) {
        return 0.0;
    }
    return 1.0 / ((math_exp(x) + math_exp(-x)) / 2.0);
}

// Lateral inhibition: the units of each row that spiked on the previous step, in ascending
// order (a workgroup scan per chunk of 256 units).
@compute @workgroup_size(256)
fn row_pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let r = row_pass(wid, lid3);
    let lid = r.lid;
    let chunks = (r.n_here + WG - 1u) / WG;
    var offset = 0u;
    for (var c = 0u; c < chunks; c++) {
        let n = c * WG + lid;
        var flag = 0u;
        if (n < r.n_here && s[r.base + n] > 0.0) {
            flag = 1u;
        }
        red_idx[lid] = flag;
        workgroupBarrier();
        for (var stride = 1u; stride < WG; stride = stride * 2u) {
            var add = 0u;
            if (lid >= stride) {
                add = red_idx[lid - stride];
            }
            workgroupBarrier();
            red_idx[lid] = red_idx[lid] + add;
            workgroupBarrier();
        }
        if (flag == 1u) {
            scratch[r.base + offset + red_idx[lid] - 1u] = n;
        }
        offset = offset + red_idx[WG - 1u];
        workgroupBarrier();
    }
    if (lid == 0u && r.row < dims.batch) {
        scratch[dims.total + r.row] = offset;
    }
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let row = i / dims.n_units;
    let n = i % dims.n_units;
    var j_e = j_in * P.resist_m;
    if (INHIBITION) {
        let w_key = rng_split(step_in.init_key, 1u);
        let count = scratch[dims.total + row];
        var inhibition = 0.0;
        for (var k = 0u; k < count; k++) {
            inhibition += slif_weight(w_key, scratch[row * dims.n_units + k], n);
        }
        j_e = j_e - inhibition * P.resist_inh;
    }
    (*st).surrogate = slif_sech(0.08 * j_e) * select(0.0, 1.0, j_e > 0.0);
    let mask = select(0.0, 1.0, (*st).rfr >= P.refract_time);
    let v_old = (*st).v;
    let v1 = v_old + ((-v_old + j_e) * P.inv_tau_m) * mask * step_in.dt;
    let thr_old = (*st).thr;
    let spike = spike_of(v1, thr_old);
    if (RHO_B) {
        scratch[dims.total + dims.batch + i] = bitcast<u32>(spike);
    } else {
        (*st).thr = thr_old + spike * P.thr_gain - thr_old * P.thr_leak;
    }
    (*st).v = reset_to(v1, spike, 0.0);
    (*st).rfr = reset_to((*st).rfr + step_in.dt, spike, step_in.dt);
    var out = spike;
    if (STICKY_SPIKES) {
        out = spike * mask + (1.0 - mask);
    }
    (*st).j = j_e;
    return cell_fired(st, out, t);
}

// Element i's raw spike of this step, kept in scratch by `step` for rho_b.
fn slif_raw_spike(i: u32) -> f32 {
    return bitcast<f32>(scratch[dims.total + dims.batch + i]);
}

// rho_b's threshold of element i, given its row's count of raw spikes.
fn slif_rho_b_thr(i: u32, count: f32) {
    thr[i] = max(thr[i] + (count - 1.0) * P.rho_b, 0.025);
}

// rho_b: thr' = max(thr + (Σ_row raw s − 1)·rho_b, 0.025), the sum in src/reductions.rs's order.
@compute @workgroup_size(256)
fn row_post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let r = row_pass(wid, lid3);
    var lane = 0.0;
    for (var n = r.lid; n < r.n_here; n += WG) {
        lane += slif_raw_spike(r.base + n);
    }
    let count = workgroup_sum(r.lid, lane);
    for (var n = r.lid; n < r.n_here; n += WG) {
        slif_rho_b_thr(r.base + n, count);
    }
}

// rho_b on rows longer than ROW_CHUNK (src/cells/slif.rs `gpu_passes`), one workgroup per chunk:
// `chunk_spikes` counts the chunk's raw spikes, `chunk_rho_b` sums the row's chunk counts (every
// workgroup alike, in src/reductions.rs `row_sum`'s order) and moves the chunk's thresholds.
fn slif_chunk_count_at(row: u32, chunk: u32, chunks: u32) -> u32 {
    return 2u * dims.total + dims.batch + row * chunks + chunk;
}

@compute @workgroup_size(256)
fn chunk_spikes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    var lane = 0.0;
    for (var n = c.lid; n < c.len; n += WG) {
        lane += slif_raw_spike(c.base + n);
    }
    let count = workgroup_sum(c.lid, lane);
    if (c.lid == 0u && c.len > 0u) {
        scratch[slif_chunk_count_at(c.row, c.chunk, c.chunks)] = bitcast<u32>(count);
    }
}

@compute @workgroup_size(256)
fn chunk_rho_b(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let c = chunk_pass(wid, lid3);
    var lane = 0.0;
    if (c.len > 0u) {
        for (var k = c.lid; k < c.chunks; k += WG) {
            lane += bitcast<f32>(scratch[slif_chunk_count_at(c.row, k, c.chunks)]);
        }
    }
    let count = workgroup_sum(c.lid, lane);
    for (var n = c.lid; n < c.len; n += WG) {
        slif_rho_b_thr(c.base + n, count);
    }
}
