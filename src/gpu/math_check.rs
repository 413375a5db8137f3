//! Runs the WGSL math library (`shaders/lib/math.wgsl`) on the GPU for comparison with
//! [`crate::math`]: used by `tests/math_library.rs`.

use bytemuck::{Pod, Zeroable};

use super::check_kernel::{self, CheckKernel};
use super::context::GpuContext;
use super::shaders;
use crate::error::Result;

/// The check kernel's file and WGSL source.
pub const SHADER: (&str, &str) = (
    "shaders/checks/math_check.wgsl",
    include_str!("../../shaders/checks/math_check.wgsl"),
);

/// Storage buffers of the check kernel: its inputs and its outputs.
pub const STORAGE_BUFFERS: u32 = 2;

/// The check kernel composed with the math library.
pub fn composed() -> shaders::ComposedShader {
    shaders::compose_pieces(&[shaders::MATH_LIBRARY, SHADER])
}

/// A function of the math library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MathFn {
    /// `math_exp`, twin of [`crate::math::exp`].
    Exp = 0,
    /// `math_log`, twin of [`crate::math::log`].
    Log = 1,
}

#[repr(C)]
#[derive(Clone, Copy, Pod, Zeroable)]
struct MathCheckParams {
    n: u32,
    groups_x: u32,
    function: u32,
    pad: u32,
}

/// `function` of every element of `inputs`, computed by the WGSL twin on the GPU.
pub fn gpu_math(ctx: &GpuContext, function: MathFn, inputs: &[f32]) -> Result<Vec<f32>> {
    let groups = check_kernel::groups_x(ctx, inputs.len())?;
    let params = MathCheckParams {
        n: inputs.len() as u32,
        groups_x: groups.0,
        function: function as u32,
        pad: 0,
    };
    let shader = composed();
    let kernel = CheckKernel {
        shader: &shader,
        entry: "math_check",
        n: inputs.len(),
    };
    let mut outputs = check_kernel::run(ctx, &kernel, bytemuck::bytes_of(&params), &[inputs], 1)?;
    Ok(outputs.remove(0))
}
