// IFCell step. Twin of src/cells/integrate_and_fire.rs `step_cpu`; keep the two in step.

override INTEGRATOR: u32 = 0u;
override LOWER_CLAMP_VOLTAGE: bool = true;

struct IfParams {
    resist_m: f32,
    inv_tau_m: f32,
    thr: f32,
    v_rest: f32,
    v_reset: f32,
    refract_time: f32,
}

@group(0) @binding(2) var<uniform> P: IfParams;
@group(0) @binding(4) var<storage, read_write> j: array<f32>;
@group(0) @binding(5) var<storage, read_write> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> rfr: array<f32>;
@group(0) @binding(7) var<storage, read_write> s: array<f32>;
@group(0) @binding(8) var<storage, read_write> tols: array<f32>;

@compute @workgroup_size(256)
fn step(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = element_index(wid, lid);
    if (i >= dims.total) {
        return;
    }
    let dt = step_in.dt;
    let j_r = step_input(i, j[i]) * P.resist_m;
    let mask = select(0.0, 1.0, rfr[i] >= P.refract_time);
    let drive = (j_r * mask) * P.inv_tau_m;
    // f does not depend on v, so midpoint's k2 equals k1 and both methods are this Euler step
    // (INTEGRATOR is still an override so every cell validates the same way).
    let v1 = integ_euler(v[i], drive, dt);
    let spike = spike_of(v1, P.thr);
    rfr[i] = (rfr[i] + dt) * (1.0 - spike);
    let v2 = reset_to(v1, spike, P.v_reset);
    s[i] = spike;
    tols[i] = tols_of(tols[i], spike, step_in.t);
    if (LOWER_CLAMP_VOLTAGE) {
        v[i] = max(v2, P.v_rest);
    } else {
        v[i] = v1;
    }
}
