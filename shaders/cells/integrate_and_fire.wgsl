// IFCell step. Twin of src/cells/integrate_and_fire.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl.

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

struct CellState {
    v: f32,
    rfr: f32,
    s: f32,
    tols: f32,
}

fn cell_load(i: u32) -> CellState {
    return CellState(v[i], rfr[i], s[i], tols[i]);
}

fn cell_store(i: u32, st: CellState) {
    v[i] = st.v;
    rfr[i] = st.rfr;
    s[i] = st.s;
    tols[i] = st.tols;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let dt = step_in.dt;
    let j_r = j_in * P.resist_m;
    let mask = select(0.0, 1.0, (*st).rfr >= P.refract_time);
    let drive = (j_r * mask) * P.inv_tau_m;
    // f does not depend on v, so midpoint's k2 equals k1 and both methods are this Euler step
    // (INTEGRATOR is still an override so every cell validates the same way).
    let v1 = integ_euler((*st).v, drive, dt);
    let spike = spike_of(v1, P.thr);
    (*st).rfr = ((*st).rfr + dt) * (1.0 - spike);
    let v2 = reset_to(v1, spike, P.v_reset);
    (*st).s = spike;
    (*st).tols = tols_of((*st).tols, spike, t);
    if (LOWER_CLAMP_VOLTAGE) {
        (*st).v = max(v2, P.v_rest);
    } else {
        (*st).v = v1;
    }
    return spike;
}
