// RAFCell step. Twin of src/cells/resonate_and_fire.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl, `ode_step` from
// shaders/lib/ode.wgsl; overrides, `P`, the compartment bindings, CellState, cell_load and
// cell_store from the cell's description.

const RAF_W: u32 = 0u;
const RAF_V: u32 = 1u;

// For `ode_step`: w with frozen = (v_old, j_r), v with frozen = (w_new).
fn cell_dxdt(which: u32, x: f32, frozen: vec4<f32>) -> f32 {
    if (which == RAF_W) {
        return (x * P.b - frozen.x * P.omega + frozen.y) * P.inv_tau_w;
    }
    return (P.omega * frozen.x + x * P.b) * P.inv_tau_v;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let v_old = (*st).v;
    // w first, with the old v; then v, with the new w.
    let w1 = ode_step(RAF_W, (*st).w, vec4<f32>(v_old, j_in * P.resist_v, 0.0, 0.0));
    let v1 = ode_step(RAF_V, v_old, vec4<f32>(w1, 0.0, 0.0, 0.0));
    let spike = spike_of(v1, P.thr);
    (*st).w = reset_if(POST_SPIKE_RESET, w1, spike, P.w_reset);
    (*st).v = reset_if(POST_SPIKE_RESET, v1, spike, P.v_reset);
    return cell_fired(st, spike, t);
}
