// FitzhughNagumoCell step. Twin of src/cells/fitzhugh_nagumo.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl, `ode_step` from
// shaders/lib/ode.wgsl; overrides, `P`, the compartment bindings, CellState, cell_load and
// cell_store from the cell's description.

// The largest f32: `min(v³, FN_F32_MAX)` below.
const FN_F32_MAX: f32 = 0x1.fffffep+127f;

const FN_V: u32 = 0u;
const FN_W: u32 = 1u;

// For `ode_step`: v with frozen = (w_old, j_r), w with frozen = (v_old).
fn cell_dxdt(which: u32, x: f32, frozen: vec4<f32>) -> f32 {
    if (which == FN_V) {
        // `min(v³, FN_F32_MAX)` is v³ for every finite v³; it keeps the product `(v·v·v)·f32(1/gamma)`
        // in the CPU's order: Mesa's GL compiler turned it into `(v·v)·(v·f32(1/gamma))` inside
        // this subtraction (measured; an overflowing v³ becomes FN_F32_MAX here, inf on the CPU).
        return (x - min(x * x * x, FN_F32_MAX) * P.inv_gamma - frozen.x + frozen.y) * P.inv_tau_m;
    }
    return (frozen.x + P.alpha - P.beta * x) * P.inv_tau_w;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let j_r = j_in * P.resist_m;
    let v_old = (*st).v;
    let w_old = (*st).w;
    let v1 = ode_step(FN_V, v_old, vec4<f32>(w_old, j_r, 0.0, 0.0));
    let w1 = ode_step(FN_W, w_old, vec4<f32>(v_old, 0.0, 0.0, 0.0));
    let spike = spike_of(v1, P.v_thr);
    (*st).v = reset_if(SPIKE_RESET, v1, spike, P.v0);
    (*st).w = reset_if(SPIKE_RESET, w1, spike, P.w0);
    return cell_fired(st, spike, t);
}
