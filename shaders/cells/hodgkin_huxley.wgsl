// HodgkinHuxleyCell step. Twin of src/cells/hodgkin_huxley.rs `step_cpu`; keep the two in step.
// Entry points `step` and `fused` come from shaders/lib/elementwise.wgsl; overrides, `P`, the
// compartment bindings, CellState, cell_load and cell_store from the cell's description.

// src/cells/hodgkin_huxley.rs `ratio`: the analytic limit where the denominator is 0.
fn hh_ratio(scale: f32, x: f32) -> f32 {
    let denominator = exp(x / 10.0) - 1.0;
    if (denominator == 0.0) {
        return scale * 10.0;
    }
    return scale * x / denominator;
}

// src/cells/hodgkin_huxley.rs `HodgkinHuxleyCell::dvdt`, the gates frozen in `g`.
fn hh_dvdt(x: f32, j_r: f32, g: CellState) -> f32 {
    let m3 = g.m * g.m * g.m;
    let n4 = g.n * g.n * g.n * g.n;
    return (j_r - P.g_na * m3 * g.h * (x - P.v_na) - P.g_k * n4 * (x - P.v_k) - P.g_l * (x - P.v_l)) * P.inv_tau_v;
}

fn hh_integrate_v(j_r: f32, g: CellState) -> f32 {
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let x = g.v;
    let k1 = hh_dvdt(x, j_r, g);
    if (INTEGRATOR == INTEG_MIDPOINT) {
        return integ_euler(x, hh_dvdt(integ_half(x, k1, hdt), j_r, g), dt);
    }
    if (INTEGRATOR == INTEG_RK4) {
        let k2 = hh_dvdt(integ_half(x, k1, hdt), j_r, g);
        let k3 = hh_dvdt(integ_half(x, k2, hdt), j_r, g);
        let k4 = hh_dvdt(integ_euler(x, k3, dt), j_r, g);
        return integ_rk4_combine(x, k1, k2, k3, k4, dt);
    }
    return integ_euler(x, k1, dt);
}

fn hh_gate_dxdt(x: f32, a: f32, b: f32) -> f32 {
    return a * (1.0 - x) - b * x;
}

fn hh_integrate_gate(x: f32, a: f32, b: f32) -> f32 {
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let k1 = hh_gate_dxdt(x, a, b);
    if (INTEGRATOR == INTEG_MIDPOINT) {
        return integ_euler(x, hh_gate_dxdt(integ_half(x, k1, hdt), a, b), dt);
    }
    if (INTEGRATOR == INTEG_RK4) {
        let k2 = hh_gate_dxdt(integ_half(x, k1, hdt), a, b);
        let k3 = hh_gate_dxdt(integ_half(x, k2, hdt), a, b);
        let k4 = hh_gate_dxdt(integ_euler(x, k3, dt), a, b);
        return integ_rk4_combine(x, k1, k2, k3, k4, dt);
    }
    return integ_euler(x, k1, dt);
}

fn cell_advance(st: ptr<function, CellState>, i: u32, j_in: f32, t: f32) -> f32 {
    let j_r = j_in * P.resist_m;
    let g = *st;
    // The six rates, once, from the old voltage (src/cells/hodgkin_huxley.rs `rates`).
    let an = hh_ratio(0.01, 10.0 - g.v);
    let bn = 0.125 * exp(-g.v / 80.0);
    let am = hh_ratio(0.1, 25.0 - g.v);
    let bm = 4.0 * exp(-g.v / 18.0);
    let ah = 0.07 * exp(-g.v / 20.0);
    let bh = 1.0 / (exp((30.0 - g.v) / 10.0) + 1.0);
    let v1 = hh_integrate_v(j_r, g);
    let n1 = hh_integrate_gate(g.n, an, bn);
    let m1 = hh_integrate_gate(g.m, am, bm);
    let h1 = hh_integrate_gate(g.h, ah, bh);
    let spike = spike_of(v1, P.thr);
    if (SPIKE_RESET) {
        (*st).v = reset_to(v1, spike, P.v_reset);
        (*st).n = reset_to(n1, spike, P.n_reset);
        (*st).m = reset_to(m1, spike, P.m_reset);
        (*st).h = reset_to(h1, spike, P.h_reset);
    } else {
        (*st).v = v1;
        (*st).n = n1;
        (*st).m = m1;
        (*st).h = h1;
    }
    (*st).s = spike;
    (*st).tols = tols_of(g.tols, spike, t);
    return spike;
}
