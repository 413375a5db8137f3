//! Runs the WGSL PRNG on the GPU for comparison with [`crate::rng`]: used by the tests and by
//! `spikegpu validate`'s self-check on the user's own adapter.

use bytemuck::{Pod, Zeroable};

use super::check_kernel::{self, CheckKernel};
use super::context::GpuContext;
use super::shaders;
use crate::error::Result;
use crate::rng::Key;

/// The check kernel's file and WGSL source.
pub const SHADER: (&str, &str) = (
    "shaders/checks/rng_check.wgsl",
    include_str!("../../shaders/checks/rng_check.wgsl"),
);

/// Storage buffers of the check kernel's (derived) layout: the bits and the uniforms it writes.
pub const STORAGE_BUFFERS: u32 = 2;

/// The check kernel composed with the WGSL PRNG it tests.
pub fn composed() -> shaders::ComposedShader {
    shaders::compose_pieces(&[shaders::RNG_LIBRARY, SHADER])
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct RngCheckParams {
    key: [u32; 2],
    n: u32,
    groups_x: u32,
}

/// `bits(key, (n,))` and `uniform(key, (n,))` computed by the WGSL PRNG on the GPU.
pub fn gpu_bits_and_uniform(ctx: &GpuContext, key: Key, n: usize) -> Result<(Vec<u32>, Vec<f32>)> {
    let groups = check_kernel::groups_x(ctx, n)?;
    let params = RngCheckParams {
        key: key.0,
        n: n as u32,
        groups_x: groups.0,
    };
    let shader = composed();
    let kernel = CheckKernel {
        shader: &shader,
        entry: "rng_check",
        n,
    };
    let mut outputs = check_kernel::run(ctx, &kernel, bytemuck::bytes_of(&params), &[], 2)?;
    let uniform = outputs.pop().unwrap_or_default();
    let bits = outputs.pop().unwrap_or_default().iter().map(|x| x.to_bits()).collect();
    Ok((bits, uniform))
}
