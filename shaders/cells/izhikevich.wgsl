// IzhikevichCell step. Twin of src/cells/izhikevich.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl; overrides, `P`, the
// compartment bindings, CellState, cell_load and cell_store from the cell's description.

fn izh_dvdt(x: f32, w_old: f32, j_r: f32) -> f32 {
    return (x * x * 0.04 + x * 5.0 + 140.0 - w_old + j_r) * P.inv_tau_m;
}

fn izh_dwdt(x: f32, v_old: f32) -> f32 {
    return (v_old * P.b - x) * P.inv_tau_w;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let j_r = j_in * P.resist_m;
    let v_old = (*st).v;
    let w_old = (*st).w;
    // The spike test uses the voltage from before the step.
    let spike = spike_of(v_old, P.v_thr);
    var v1: f32;
    var w1: f32;
    if (INTEGRATOR == INTEG_MIDPOINT) {
        v1 = integ_euler(v_old, izh_dvdt(integ_half(v_old, izh_dvdt(v_old, w_old, j_r), hdt), w_old, j_r), dt);
        w1 = integ_euler(w_old, izh_dwdt(integ_half(w_old, izh_dwdt(w_old, v_old), hdt), v_old), dt);
    } else {
        v1 = integ_euler(v_old, izh_dvdt(v_old, w_old, j_r), dt);
        w1 = integ_euler(w_old, izh_dwdt(w_old, v_old), dt);
    }
    (*st).v = reset_to(v1, spike, P.v_reset);
    (*st).w = reset_to(w1, spike, w_old + P.w_reset);
    (*st).s = spike;
    (*st).tols = tols_of((*st).tols, spike, t);
    return spike;
}
