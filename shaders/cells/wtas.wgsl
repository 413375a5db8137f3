// WTASCell step: one workgroup per batch row. Twin of src/cells/wtas.rs `step_cpu`.
// `P` and the compartment bindings come from the cell's description.

// The lowest finite f32 (Rust's `f32::MIN`), where a lane's maximum starts: not -inf, which fast
// math may fold away (docs/PORTABILITY.md). max(LOWEST_F32, x) = x for every x but -inf, so rows
// of finite voltages get the maximum they always got. Twin: src/reductions.rs `row_max`.
const LOWEST_F32: f32 = -0x1.fffffep+127f;

@compute @workgroup_size(256)
fn step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid3: vec3<u32>) {
    let r = row_pass(wid, lid3);
    // v and the row maximum.
    var lane_max = LOWEST_F32;
    for (var n = r.lid; n < r.n_here; n += WG) {
        let i = r.base + n;
        let mask = select(0.0, 1.0, rfr[i] >= P.refract_time);
        let j_now = drive_input(i, 0u, step_in.drive_key, j[i]);
        if (step_in.store_input != 0u) {
            j[i] = j_now;
        }
        let vv = (j_now * P.resist_m) * mask;
        v[i] = vv;
        lane_max = max(lane_max, vv);
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
        let spike = s[i];
        thr[i] = max(thr[i] + (count - 1.0) * P.thr_gain, 0.025);
        rfr[i] = (rfr[i] + step_in.dt) * (1.0 - spike) + spike * step_in.dt;
        tols[i] = tols_of(tols[i], spike, step_in.t);
    }
}
