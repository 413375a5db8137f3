// The per-variable ODE step of the cells. Twin of src/integrators.rs `integrate`.
// Composed (src/gpu/shaders.rs `compose`) after the kernel of every cell whose description has
// an `INTEGRATOR` override; that kernel defines `fn cell_dxdt(which: u32, x: f32,
// frozen: vec4<f32>) -> f32`, the derivative of its variable `which` at `x` with the other
// variables and the input frozen at the values it packs into `frozen` (ngclearn integrates each
// variable with its own call, the others held fixed).

// One step of variable `which` from `x` by the variant's INTEGRATOR, in ngclearn's operation
// order: src/integrators.rs `euler`, `midpoint` and `rk4`.
fn ode_step(which: u32, x: f32, frozen: vec4<f32>) -> f32 {
    let dt = step_in.dt;
    let hdt = step_in.half_dt;
    let k1 = cell_dxdt(which, x, frozen);
    if (INTEGRATOR == INTEG_MIDPOINT) {
        return integ_euler(x, cell_dxdt(which, integ_half(x, k1, hdt), frozen), dt);
    }
    if (INTEGRATOR == INTEG_RK4) {
        let k2 = cell_dxdt(which, integ_half(x, k1, hdt), frozen);
        let k3 = cell_dxdt(which, integ_half(x, k2, hdt), frozen);
        let k4 = cell_dxdt(which, integ_euler(x, k3, dt), frozen);
        return integ_rk4_combine(x, k1, k2, k3, k4, dt);
    }
    return integ_euler(x, k1, dt);
}
