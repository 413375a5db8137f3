// Integrator pieces. Twin of src/integrators.rs; codes are ngclearn's.
const INTEG_EULER: u32 = 0u;
const INTEG_MIDPOINT: u32 = 1u;
const INTEG_RK4: u32 = 4u;

// src/integrators.rs `euler`.
fn integ_euler(x: f32, dxdt: f32, dt: f32) -> f32 {
    return x + dxdt * dt;
}

// src/integrators.rs `midpoint_half`: x + k1*(dt*0.5).
fn integ_half(x: f32, k1: f32, half_dt: f32) -> f32 {
    return x + k1 * half_dt;
}
