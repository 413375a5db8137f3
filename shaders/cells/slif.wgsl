// SLIFCell step. Twin of src/cells/slif.rs `step_cpu`; keep the two in step.
// Scratch layout: [0, B·N) spike lists per row, [B·N, B·N + B) list lengths,
// [B·N + B, 2·B·N + B) raw spikes (f32 bits) for rho_b.

override INHIBITION: bool = false;
override STICKY_SPIKES: bool = false;
override RHO_B: bool = false;

struct SlifParams {
    resist_m: f32,
    inv_tau_m: f32,
    resist_inh: f32,
    thr_gain: f32,
    thr_leak: f32,
    rho_b: f32,
    refract_time: f32,
}

@group(0) @binding(2) var<uniform> P: SlifParams;
@group(0) @binding(4) var<storage, read_write> j: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> s: array<f32>;
@group(0) @binding(7) var<storage, read_write> thr: array<f32>;
@group(0) @binding(8) var<storage, read_write> rfr: array<f32>;
@group(0) @binding(9) var<storage, read_write> tols: array<f32>;
@group(0) @binding(10) var<storage, read_write> surrogate: array<f32>;
@group(0) @binding(11) var<storage, read_write> scratch: array<u32>;

// src/cells/slif.rs W_LO and W_HI − W_LO (0.025, f32(1 − 0.025)).
const SLIF_W_LO: f32 = 0.025;
const SLIF_W_SPAN: f32 = 0.975;

// src/cells/slif.rs `inhibition_weight`; the multiply-add is rounded as the driver does it
// (within 1 ulp of the CPU's fused value).
fn slif_weight(w_key: vec2<u32>, m: u32, n: u32) -> f32 {
    if (m == n) {
        return 0.0;
    }
    let u = rng_unit_f32(rng_bits_2d(w_key, m, dims.n_units, n));
    return max(SLIF_W_LO, u * SLIF_W_SPAN + SLIF_W_LO);
}

// src/cells/slif.rs `sech`.
fn slif_sech(x: f32) -> f32 {
    if (abs(x) > 88.0) {
        return 0.0;
    }
    return 1.0 / ((exp(x) + exp(-x)) / 2.0);
}

// Lateral inhibition: the units of each row that spiked on the previous step, in ascending
// order (a workgroup scan per chunk of 256 units).
@compute @workgroup_size(256)
fn row_pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let row = row_index(wid);
    let lid = lid3.x;
    var n_here = dims.n_units;
    if (row >= dims.batch) {
        n_here = 0u;
    }
    let base = row * dims.n_units;
    let chunks = (n_here + WG - 1u) / WG;
    var offset = 0u;
    for (var c = 0u; c < chunks; c++) {
        let n = c * WG + lid;
        var flag = 0u;
        if (n < n_here && s[base + n] > 0.0) {
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
            scratch[base + offset + red_idx[lid] - 1u] = n;
        }
        offset = offset + red_idx[WG - 1u];
        workgroupBarrier();
    }
    if (lid == 0u && row < dims.batch) {
        scratch[dims.total + row] = offset;
    }
}

@compute @workgroup_size(256)
fn step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = element_index(wid, lid);
    if (i >= dims.total) {
        return;
    }
    let row = i / dims.n_units;
    let n = i % dims.n_units;
    var j_e = step_input(i, j[i]) * P.resist_m;
    if (INHIBITION) {
        let w_key = rng_split(step_in.init_key, 1u);
        let count = scratch[dims.total + row];
        var inhibition = 0.0;
        for (var k = 0u; k < count; k++) {
            inhibition += slif_weight(w_key, scratch[row * dims.n_units + k], n);
        }
        j_e = j_e - inhibition * P.resist_inh;
    }
    surrogate[i] = slif_sech(0.08 * j_e) * select(0.0, 1.0, j_e > 0.0);
    let mask = select(0.0, 1.0, rfr[i] >= P.refract_time);
    let v_old = v[i];
    let v1 = v_old + ((-v_old + j_e) * P.inv_tau_m) * mask * step_in.dt;
    let spike = spike_of(v1, thr[i]);
    if (RHO_B) {
        scratch[dims.total + dims.batch + i] = bitcast<u32>(spike);
    } else {
        thr[i] = thr[i] + spike * P.thr_gain - thr[i] * P.thr_leak;
    }
    v[i] = (1.0 - spike) * v1;
    rfr[i] = (rfr[i] + step_in.dt) * (1.0 - spike) + spike * step_in.dt;
    var out = spike;
    if (STICKY_SPIKES) {
        out = spike * mask + (1.0 - mask);
    }
    s[i] = out;
    tols[i] = tols_of(tols[i], out, step_in.t);
    j[i] = j_e;
}

// rho_b: thr' = max(thr + (Σ_row raw s − 1)·rho_b, 0.025), the sum in src/reductions.rs's order.
@compute @workgroup_size(256)
fn row_post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let row = row_index(wid);
    let lid = lid3.x;
    var n_here = dims.n_units;
    if (row >= dims.batch) {
        n_here = 0u;
    }
    let base = row * dims.n_units;
    var lane = 0.0;
    for (var n = lid; n < n_here; n += WG) {
        lane += bitcast<f32>(scratch[dims.total + dims.batch + base + n]);
    }
    red_val[lid] = lane;
    workgroup_sum(lid);
    let count = red_val[0];
    for (var n = lid; n < n_here; n += WG) {
        thr[base + n] = max(thr[base + n] + (count - 1.0) * P.rho_b, 0.025);
    }
}
