// HodgkinHuxleyCell step. Twin of src/cells/hodgkin_huxley.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl, `ode_step` from
// shaders/lib/ode.wgsl; overrides, `P`, the compartment bindings, CellState, cell_load and
// cell_store from the cell's description.

// src/cells/hodgkin_huxley.rs INV_10 and the others: f32(1/10), f32(1/18), f32(1/20), f32(1/80),
// the multipliers XLA puts in place of the reference's divisions by these constants. Written as
// f32 literals (the shortest decimals of those floats), not as `1.0 / 18.0`, which a constant
// evaluation in another precision could round differently (naga 30 has no const bitcast).
const HH_INV_10: f32 = 0.1f;         // 0x3dcccccd
const HH_INV_18: f32 = 0.055555556f; // 0x3d638e39
const HH_INV_20: f32 = 0.05f;        // 0x3d4ccccd
const HH_INV_80: f32 = 0.0125f;      // 0x3c4ccccd

// src/cells/hodgkin_huxley.rs `ratio`: the analytic limit where the denominator is 0.
fn hh_ratio(scale: f32, x: f32) -> f32 {
    let denominator = math_exp(x * HH_INV_10) - 1.0;
    if (denominator == 0.0) {
        return scale * 10.0;
    }
    return scale * (x / denominator);
}

const HH_V: u32 = 0u;
const HH_GATE: u32 = 1u;

// For `ode_step`: v with frozen = (j_r, n, m, h), the old gates (src/cells/hodgkin_huxley.rs
// `HodgkinHuxleyCell::dvdt`); a gate with frozen = (its rates a, b).
fn cell_dxdt(which: u32, x: f32, frozen: vec4<f32>) -> f32 {
    if (which == HH_GATE) {
        // ·1 from the uniform block: the same value, but rk4's `k1 + k2·2` no longer sees k1 as
        // a difference of two products, which Mesa reorders into `(a·b + k2·2) − c·d`.
        return (frozen.x * (1.0 - x) - frozen.y * x) * P.one;
    }
    let j_r = frozen.x;
    let m3 = frozen.z * frozen.z * frozen.z;
    let n4 = frozen.y * frozen.y * frozen.y * frozen.y;
    let h = frozen.w;
    return (j_r - P.g_na * m3 * h * (x - P.v_na) - P.g_k * n4 * (x - P.v_k) - P.g_l * (x - P.v_l)) * P.inv_tau_v;
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let j_r = j_in * P.resist_m;
    let g = *st;
    // The six rates, once, from the old voltage (src/cells/hodgkin_huxley.rs `rates`).
    let an = hh_ratio(0.01, 10.0 - g.v);
    let bn = 0.125 * math_exp(-g.v * HH_INV_80);
    let am = hh_ratio(0.1, 25.0 - g.v);
    let bm = 4.0 * math_exp(-g.v * HH_INV_18);
    let ah = 0.07 * math_exp(-g.v * HH_INV_20);
    let bh = 1.0 / (math_exp((30.0 - g.v) * HH_INV_10) + 1.0);
    let v1 = ode_step(HH_V, g.v, vec4<f32>(j_r, g.n, g.m, g.h));
    let n1 = ode_step(HH_GATE, g.n, vec4<f32>(an, bn, 0.0, 0.0));
    let m1 = ode_step(HH_GATE, g.m, vec4<f32>(am, bm, 0.0, 0.0));
    let h1 = ode_step(HH_GATE, g.h, vec4<f32>(ah, bh, 0.0, 0.0));
    let spike = spike_of(v1, P.thr);
    (*st).v = reset_if(SPIKE_RESET, v1, spike, P.v_reset);
    (*st).n = reset_if(SPIKE_RESET, n1, spike, P.n_reset);
    (*st).m = reset_if(SPIKE_RESET, m1, spike, P.m_reset);
    (*st).h = reset_if(SPIKE_RESET, h1, spike, P.h_reset);
    return cell_fired(st, spike, t);
}
