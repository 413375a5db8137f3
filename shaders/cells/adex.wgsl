// AdExCell step. Twin of src/cells/adex.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl; overrides, `P`, the
// compartment bindings, CellState, cell_load and cell_store from the cell's description.

// src/cells/adex.rs EXP_ARG_MAX: the overflow guard of the exponential term.
const ADEX_EXP_ARG_MAX: f32 = 80.0;

// src/cells/adex.rs `AdExCell::dvdt`.
fn adex_dvdt(v_now: f32, w_old: f32, j: f32) -> f32 {
    let exponent = min((v_now - P.v_t) / P.sharpness, ADEX_EXP_ARG_MAX);
    return (-(v_now - P.v_rest) + P.sharpness * exp(exponent) - P.resist_m * w_old + P.resist_m * j) * P.inv_tau_m;
}

fn adex_dwdt(w_now: f32, v_old: f32) -> f32 {
    return (-w_now + (v_old - P.v_rest) * P.a) * P.inv_tau_w;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let v_old = (*st).v;
    let w_old = (*st).w;
    var v1: f32;
    var w1: f32;
    if (INTEGRATOR == INTEG_MIDPOINT) {
        v1 = integ_euler(v_old, adex_dvdt(integ_half(v_old, adex_dvdt(v_old, w_old, j_in), hdt), w_old, j_in), dt);
        w1 = integ_euler(w_old, adex_dwdt(integ_half(w_old, adex_dwdt(w_old, v_old), hdt), v_old), dt);
    } else {
        v1 = integ_euler(v_old, adex_dvdt(v_old, w_old, j_in), dt);
        w1 = integ_euler(w_old, adex_dwdt(w_old, v_old), dt);
    }
    let spike = spike_of(v1, P.thr);
    (*st).v = reset_to(v1, spike, P.v_reset);
    (*st).w = reset_to(w1, spike, w1 + P.b);
    (*st).s = spike;
    (*st).tols = tols_of((*st).tols, spike, t);
    return spike;
}
