// IFCell step. Twin of src/cells/integrate_and_fire.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl, `ode_step` from
// shaders/lib/ode.wgsl; overrides, `P`, the compartment bindings, CellState, cell_load and
// cell_store from the cell's description.

// For `ode_step` (shaders/lib/ode.wgsl): v, with frozen = (drive); f does not depend on v.
fn cell_dxdt(which: u32, x: f32, frozen: vec4<f32>) -> f32 {
    return frozen.x;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let dt = step_in.dt;
    let j_r = j_in * P.resist_m;
    let mask = select(0.0, 1.0, (*st).rfr >= P.refract_time);
    let drive = (j_r * mask) * P.inv_tau_m;
    let v1 = ode_step(0u, (*st).v, vec4<f32>(drive, 0.0, 0.0, 0.0));
    let spike = spike_of(v1, P.thr);
    (*st).rfr = reset_to((*st).rfr + dt, spike, 0.0);
    let v2 = reset_to(v1, spike, P.v_reset);
    if (LOWER_CLAMP_VOLTAGE) {
        (*st).v = floor_at(v2, P.v_rest);
    } else {
        (*st).v = v1;
    }
    return cell_fired(st, spike, t);
}
