// FitzhughNagumoCell step. Twin of src/cells/fitzhugh_nagumo.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl; overrides, `P`, the
// compartment bindings, CellState, cell_load and cell_store from the cell's description.

fn fn_dvdt(x: f32, w_old: f32, j_r: f32) -> f32 {
    return (x - x * x * x / P.gamma - w_old + j_r) * P.inv_tau_m;
}

fn fn_dwdt(x: f32, v_old: f32) -> f32 {
    return (v_old + P.alpha - P.beta * x) * P.inv_tau_w;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let j_r = j_in * P.resist_m;
    let v_old = (*st).v;
    let w_old = (*st).w;
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
        (*st).v = reset_to(v1, spike, P.v0);
        (*st).w = reset_to(w1, spike, P.w0);
    } else {
        (*st).v = v1;
        (*st).w = w1;
    }
    (*st).s = spike;
    (*st).tols = tols_of((*st).tols, spike, t);
    return spike;
}
