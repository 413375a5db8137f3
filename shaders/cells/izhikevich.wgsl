// IzhikevichCell step. Twin of src/cells/izhikevich.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl, `ode_step` from
// shaders/lib/ode.wgsl; overrides, `P`, the compartment bindings, CellState, cell_load and
// cell_store from the cell's description.

const IZH_V: u32 = 0u;
const IZH_W: u32 = 1u;

// For `ode_step`: v with frozen = (w_old, j_r), w with frozen = (v_old).
fn cell_dxdt(which: u32, x: f32, frozen: vec4<f32>) -> f32 {
    if (which == IZH_V) {
        // Coefficients and `one` from the uniform block, so that no compiler rule reorders the
        // sum (src/cells/izhikevich.rs `QUAD`); the CPU's order, exactly.
        return ((x * x * P.quad + x * P.lin) * P.one + P.offset - frozen.x + frozen.y) * P.inv_tau_m;
    }
    return (frozen.x * P.b - x) * P.inv_tau_w;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let v_old = (*st).v;
    let w_old = (*st).w;
    // The spike test uses the voltage from before the step.
    let spike = spike_of(v_old, P.v_thr);
    let v1 = ode_step(IZH_V, v_old, vec4<f32>(w_old, j_in * P.resist_m, 0.0, 0.0));
    let w1 = ode_step(IZH_W, w_old, vec4<f32>(v_old, 0.0, 0.0, 0.0));
    (*st).v = reset_to(v1, spike, P.v_reset);
    (*st).w = reset_to(w1, spike, w_old + P.w_reset);
    return cell_fired(st, spike, t);
}
