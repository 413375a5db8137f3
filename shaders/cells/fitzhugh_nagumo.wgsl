// FitzhughNagumoCell step. Twin of src/cells/fitzhugh_nagumo.rs `step_cpu`; keep the two in step.

override INTEGRATOR: u32 = 0u;
override SPIKE_RESET: bool = false;

struct FitzhughNagumoParams {
    resist_m: f32,
    inv_tau_m: f32,
    inv_tau_w: f32,
    alpha: f32,
    beta: f32,
    gamma: f32,
    v0: f32,
    w0: f32,
    v_thr: f32,
}

@group(0) @binding(2) var<uniform> P: FitzhughNagumoParams;
@group(0) @binding(4) var<storage, read_write> j: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> w: array<f32>;
@group(0) @binding(7) var<storage, read_write> s: array<f32>;
@group(0) @binding(8) var<storage, read_write> tols: array<f32>;

fn fn_dvdt(x: f32, w_old: f32, j_r: f32) -> f32 {
    return (x - x * x * x / P.gamma - w_old + j_r) * P.inv_tau_m;
}

fn fn_dwdt(x: f32, v_old: f32) -> f32 {
    return (v_old + P.alpha - P.beta * x) * P.inv_tau_w;
}

@compute @workgroup_size(256)
fn step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = element_index(wid, lid);
    if (i >= dims.total) {
        return;
    }
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let j_r = step_input(i, j[i]) * P.resist_m;
    let v_old = v[i];
    let w_old = w[i];
    var v1: f32;
    var w1: f32;
    if (INTEGRATOR == INTEG_MIDPOINT) {
        v1 = integ_euler(v_old, fn_dvdt(integ_half(v_old, fn_dvdt(v_old, w_old, j_r), hdt), w_old, j_r), dt);
        w1 = integ_euler(w_old, fn_dwdt(integ_half(w_old, fn_dwdt(w_old, v_old), hdt), v_old), dt);
    } else {
        v1 = integ_euler(v_old, fn_dvdt(v_old, w_old, j_r), dt);
        w1 = integ_euler(w_old, fn_dwdt(w_old, v_old), dt);
    }
    let spike = spike_of(v1, P.v_thr);
    if (SPIKE_RESET) {
        v[i] = reset_to(v1, spike, P.v0);
        w[i] = reset_to(w1, spike, P.w0);
    } else {
        v[i] = v1;
        w[i] = w1;
    }
    s[i] = spike;
    tols[i] = tols_of(tols[i], spike, step_in.t);
}
