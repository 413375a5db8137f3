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

// src/integrators.rs SIXTH: f32(1/6) (0x3e2aaaab), XLA's multiplier for the reference's `/ 6`.
const INTEG_SIXTH: f32 = 0.16666667f;

// src/integrators.rs `rk4_combine`: x + ((0 + k1*1 + k2*2 + k3*2 + k4*1)/6)*dt, the division
// as XLA compiles it.
fn integ_rk4_combine(x: f32, k1: f32, k2: f32, k3: f32, k4: f32, dt: f32) -> f32 {
    return x + ((((k1 + k2 * 2.0) + k3 * 2.0) + k4) * INTEG_SIXTH) * dt;
}
