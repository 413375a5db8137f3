//! Integrators as named, reusable pieces (ngclearn's `ode_utils.py`), applied per state variable.
//!
//! ngclearn integrates each state variable with its own call, the other variables frozen, and
//! every cell only implements some of the methods: any other choice silently runs Euler there.
//! spikegpu refuses such combinations with [`Error::UnsupportedIntegrator`].
//!
//! The helpers below keep ngclearn's float32 operation order (`x + f·dt`, `x + k1·(dt·0.5)`, ...).
//! Their WGSL twins are in `shaders/lib/integrators.wgsl`; [`integrate`]'s is `ode_step` in
//! `shaders/lib/ode.wgsl`.

use crate::error::{Error, Result};

/// An integration method, with ngclearn's numeric code as its discriminant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Integrator {
    /// Forward Euler: `x' = x + f(x)·dt` (code 0).
    Euler = 0,
    /// Explicit midpoint (rk2): `x' = x + f(x + f(x)·(dt/2))·dt` (code 1).
    Midpoint = 1,
    /// Heun's rk2 (code 2). No spiking cell implements it.
    Heun = 2,
    /// Ralston's rk2 (code 3). No spiking cell implements it.
    Ralston = 3,
    /// Classic fourth-order Runge–Kutta (code 4). Only the Hodgkin–Huxley cell implements it.
    Rk4 = 4,
}

impl Integrator {
    /// Parses ngclearn's `integration_type` strings: `euler`, `midpoint`/`rk2`, `heun`/`rk2_heun`,
    /// `ralston`/`rk2_ralston`, `rk4`. Unknown names are an error (ngclearn prints a message and
    /// runs Euler).
    pub fn parse(name: &str) -> Result<Integrator> {
        Ok(match name {
            "euler" => Integrator::Euler,
            "midpoint" | "rk2" => Integrator::Midpoint,
            "heun" | "rk2_heun" => Integrator::Heun,
            "ralston" | "rk2_ralston" => Integrator::Ralston,
            "rk4" => Integrator::Rk4,
            other => return Err(Error::UnknownIntegrator(other.to_string())),
        })
    }

    /// The canonical name (`euler`, `midpoint`, `heun`, `ralston`, `rk4`).
    pub fn name(self) -> &'static str {
        match self {
            Integrator::Euler => "euler",
            Integrator::Midpoint => "midpoint",
            Integrator::Heun => "heun",
            Integrator::Ralston => "ralston",
            Integrator::Rk4 => "rk4",
        }
    }

    /// ngclearn's integer code, also the value of the WGSL `INTEGRATOR` override.
    pub fn code(self) -> u32 {
        self as u32
    }
}

impl std::fmt::Display for Integrator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Euler: `x*1 + f(x)*dt` (the `*1` is exact, so it is omitted). WGSL: `integ_euler`.
#[inline(always)]
pub fn euler(x: f32, dxdt: f32, dt: f32) -> f32 {
    x + dxdt * dt
}

/// Midpoint's half step `x + k1*(dt*0.5)`; `half_dt` is `dt*0.5` in float32. WGSL: `integ_half`.
#[inline(always)]
pub fn midpoint_half(x: f32, k1: f32, half_dt: f32) -> f32 {
    x + k1 * half_dt
}

/// One midpoint (rk2) step of `x` under the derivative `f`, in ngclearn's operation order:
/// `k1 = f(x); xm = x + k1*(dt*0.5); k2 = f(xm); x' = x + k2*dt`.
#[inline(always)]
pub fn midpoint(x: f32, dt: f32, half_dt: f32, f: impl Fn(f32) -> f32) -> f32 {
    let k1 = f(x);
    let k2 = f(midpoint_half(x, k1, half_dt));
    euler(x, k2, dt)
}

/// `f32(1/6)`: ngclearn's rk4 divides the weighted sum by 6 in jit-compiled code, which XLA
/// turns into this multiplication (see [`crate::cells`]). WGSL: `INTEG_SIXTH`.
const SIXTH: f32 = 1.0 / 6.0;
const _: () = assert!(SIXTH.to_bits() == 0x3e2a_aaab, "the WGSL twin's literal");

/// rk4's final combination `x + ((0 + k1·1 + k2·2 + k3·2 + k4·1)/6)·dt` in ngclearn's order
/// (`0 + k1·1` is exactly `k1`), the division by 6 as XLA compiles it. WGSL:
/// `integ_rk4_combine`.
#[inline(always)]
pub fn rk4_combine(x: f32, k: [f32; 4], dt: f32) -> f32 {
    x + ((((k[0] + k[1] * 2.0) + k[2] * 2.0) + k[3]) * SIXTH) * dt
}

/// One classic rk4 step of `x` under `f`: `k2 = f(x + k1·(dt·0.5))`, `k3 = f(x + k2·(dt·0.5))`,
/// `k4 = f(x + k3·dt)`.
#[inline(always)]
pub fn rk4(x: f32, dt: f32, half_dt: f32, f: impl Fn(f32) -> f32) -> f32 {
    let k1 = f(x);
    let k2 = f(midpoint_half(x, k1, half_dt));
    let k3 = f(midpoint_half(x, k2, half_dt));
    let k4 = f(euler(x, k3, dt));
    rk4_combine(x, [k1, k2, k3, k4], dt)
}

/// Heun's rk2: `k2 = f(x + k1·dt)`, `x' = x + (k1 + k2)·(dt·0.5)`.
#[inline(always)]
pub fn heun(x: f32, dt: f32, half_dt: f32, f: impl Fn(f32) -> f32) -> f32 {
    let k1 = f(x);
    let k2 = f(euler(x, k1, dt));
    x + (k1 + k2) * half_dt
}

/// Ralston's rk2: `k2 = f(x + k1·(0.75·dt))`, `x' = x + (f32(1/3)·k1 + f32(2/3)·k2)·dt`, with
/// ngclearn's weights: Python's `1./3.` and `2./3.` made float32 constants.
#[inline(always)]
pub fn ralston(x: f32, dt: f32, f: impl Fn(f32) -> f32) -> f32 {
    const THIRD: f32 = (1.0f64 / 3.0) as f32;
    const TWO_THIRDS: f32 = (2.0f64 / 3.0) as f32;
    let k1 = f(x);
    let k2 = f(x + k1 * (0.75 * dt));
    x + (k1 * THIRD + k2 * TWO_THIRDS) * dt
}

/// One step of `x` under `f` with the given method. Cells refuse, at construction, the methods
/// the reference does not implement for them. WGSL: `ode_step` (Euler, midpoint and rk4, the
/// methods some cell implements).
#[inline(always)]
pub fn integrate(method: Integrator, x: f32, dt: f32, half_dt: f32, f: impl Fn(f32) -> f32) -> f32 {
    match method {
        Integrator::Euler => euler(x, f(x), dt),
        Integrator::Midpoint => midpoint(x, dt, half_dt, f),
        Integrator::Heun => heun(x, dt, half_dt, f),
        Integrator::Ralston => ralston(x, dt, f),
        Integrator::Rk4 => rk4(x, dt, half_dt, f),
    }
}
