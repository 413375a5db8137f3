// RAFCell step. Twin of src/cells/resonate_and_fire.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl; overrides, `P`, the
// compartment bindings, CellState, cell_load and cell_store from the cell's description.

fn raf_dwdt(w_now: f32, v_old: f32, j_r: f32) -> f32 {
    return (w_now * P.b - v_old * P.omega + j_r) * P.inv_tau_w;
}

fn raf_dvdt(v_now: f32, w_new: f32) -> f32 {
    return (P.omega * w_new + v_now * P.b) * P.inv_tau_v;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let j_r = j_in * P.resist_v;
    let v_old = (*st).v;
    let w_old = (*st).w;
    // w first, with the old v; then v, with the new w.
    var w1: f32;
    var v1: f32;
    if (INTEGRATOR == INTEG_MIDPOINT) {
        w1 = integ_euler(w_old, raf_dwdt(integ_half(w_old, raf_dwdt(w_old, v_old, j_r), hdt), v_old, j_r), dt);
        v1 = integ_euler(v_old, raf_dvdt(integ_half(v_old, raf_dvdt(v_old, w1), hdt), w1), dt);
    } else {
        w1 = integ_euler(w_old, raf_dwdt(w_old, v_old, j_r), dt);
        v1 = integ_euler(v_old, raf_dvdt(v_old, w1), dt);
    }
    let spike = spike_of(v1, P.thr);
    if (POST_SPIKE_RESET) {
        (*st).w = reset_to(w1, spike, P.w_reset);
        (*st).v = reset_to(v1, spike, P.v_reset);
    } else {
        (*st).w = w1;
        (*st).v = v1;
    }
    (*st).s = spike;
    (*st).tols = tols_of((*st).tols, spike, t);
    return spike;
}
