// AdExCell step. Twin of src/cells/adex.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl, `ode_step` from
// shaders/lib/ode.wgsl; overrides, `P`, the compartment bindings, CellState, cell_load and
// cell_store from the cell's description.

// src/cells/adex.rs EXP_ARG_MAX: the overflow guard of the exponential term.
const ADEX_EXP_ARG_MAX: f32 = 80.0;

const ADEX_V: u32 = 0u;
const ADEX_W: u32 = 1u;

// src/cells/adex.rs `AdExCell::dvdt`.
fn adex_dvdt(v_now: f32, w_old: f32, j: f32) -> f32 {
    let exponent = min((v_now - P.v_t) * P.inv_sharpness, ADEX_EXP_ARG_MAX);
    return (-(v_now - P.v_rest) + P.sharpness * math_exp(exponent) - P.resist_m * w_old + P.resist_m * j) * P.inv_tau_m;
}

// For `ode_step`: v with frozen = (w_old, j), w with frozen = (v_old).
fn cell_dxdt(which: u32, x: f32, frozen: vec4<f32>) -> f32 {
    if (which == ADEX_V) {
        return adex_dvdt(x, frozen.x, frozen.y);
    }
    return (-x + (frozen.x - P.v_rest) * P.a) * P.inv_tau_w;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let v_old = (*st).v;
    let w_old = (*st).w;
    let v1 = ode_step(ADEX_V, v_old, vec4<f32>(w_old, j_in, 0.0, 0.0));
    let w1 = ode_step(ADEX_W, w_old, vec4<f32>(v_old, 0.0, 0.0, 0.0));
    let spike = spike_of(v1, P.thr);
    (*st).v = reset_to(v1, spike, P.v_reset);
    (*st).w = reset_to(w1, spike, w1 + P.b);
    return cell_fired(st, spike, t);
}
