//! Row reductions in a fixed order, the CPU twins of the workgroup reductions in
//! `shaders/lib/common.wgsl`. The GPU sums a row with [`LANES`] threads, each adding its strided
//! elements in ascending order, then combines the lanes as a binary tree; the CPU computes
//! exactly that, so both give the same float32 sum, on every run.

/// Threads per workgroup of a row reduction (`WG` in WGSL).
pub const LANES: usize = 256;

/// `Σ values` in the GPU's order: lane `t` adds `values[t], values[t + LANES], …`, then lanes
/// are combined pairwise (`lane[t] += lane[t + stride]` for stride = 128, 64, …, 1).
/// WGSL: `workgroup_sum`.
pub fn workgroup_sum(n: usize, value: impl Fn(usize) -> f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    for (lane, acc) in lanes.iter_mut().enumerate() {
        let mut k = lane;
        while k < n {
            *acc += value(k);
            k += LANES;
        }
    }
    let mut stride = LANES / 2;
    while stride > 0 {
        for lane in 0..stride {
            lanes[lane] += lanes[lane + stride];
        }
        stride /= 2;
    }
    lanes[0]
}

/// The maximum (order does not matter for max), starting from the lowest finite value as the
/// GPU does (WGSL: `LOWEST_F32` in `shaders/cells/wtas.wgsl`): the kernels use no infinity as
/// data, because Metal's fast math may assume there is none (docs/PORTABILITY.md).
pub fn row_max(values: &[f32]) -> f32 {
    values.iter().copied().fold(f32::MIN, f32::max)
}
