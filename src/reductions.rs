//! Row reductions in a fixed order, the CPU twins of the workgroup reductions in
//! `shaders/lib/common.wgsl`. The GPU sums a row with [`LANES`] threads, each adding its strided
//! elements in ascending order, then combines the lanes as a binary tree; the CPU computes
//! exactly that, so both give the same float32 sum, on every run.
//!
//! Rows longer than [`ROW_CHUNK`] are summed in two levels ([`row_sum`]), so that a row can be
//! spread over many workgroups: each chunk of [`ROW_CHUNK`] units in `workgroup_sum`'s order,
//! then the chunks' partial sums, again in `workgroup_sum`'s order. The chunk is a constant, so
//! the order depends on N only, never on the adapter.

/// Threads per workgroup of a row reduction (`WG` in WGSL).
pub const LANES: usize = 256;

/// Units per chunk of a long row: the GPU reduces each chunk with one workgroup (WGSL:
/// `ROW_CHUNK` in `shaders/lib/common.wgsl`), 32 units per lane. A compromise measured on
/// lavapipe, where every workgroup costs a fixed overhead (WTAS at N = 1e6: 1024 units per chunk
/// ran 2× slower than 4096, 16384 1.4× faster), against a large GPU's need for workgroups (122
/// per row at N = 1e6).
pub const ROW_CHUNK: usize = 32 * LANES;

/// `Σ values` over a row of `n` units in the order of the GPU's row passes, for any `n`:
/// ```text
/// partial[c] = workgroup_sum over units c·ROW_CHUNK .. min((c+1)·ROW_CHUNK, n)
/// sum        = workgroup_sum over partial[0 .. ⌈n / ROW_CHUNK⌉]
/// ```
/// A row of one chunk (`n ≤ ROW_CHUNK`) gives exactly `workgroup_sum(n, value)`: the second
/// level then adds +0.0 to the one partial, which is the identity because a `workgroup_sum`
/// (lanes start at +0.0) is never −0.0. So short rows keep the single-workgroup order, and the
/// GPU may reduce them with one workgroup. WGSL: `wtas.wgsl`'s `chunk_*` passes.
#[inline(always)]
pub fn row_sum(n: usize, mut value: impl FnMut(usize) -> f32) -> f32 {
    if n <= ROW_CHUNK {
        return workgroup_sum(n, value);
    }
    workgroup_sum(
        n.div_ceil(ROW_CHUNK),
        #[inline(always)]
        |chunk| {
            let start = chunk * ROW_CHUNK;
            workgroup_sum((n - start).min(ROW_CHUNK), |k| value(start + k))
        },
    )
}

/// `Σ values` in the GPU's order: lane `t` adds `values[t], values[t + LANES], …`, then lanes
/// are combined pairwise (`lane[t] += lane[t + stride]` for stride = 128, 64, …, 1).
/// WGSL: `workgroup_sum`. The lanes advance together, [`LANES`] values at a time, which adds
/// each lane's values in the same order and lets the loop vectorise. `value` is called once
/// per index, in ascending order (so it may also store what it returns).
#[inline(always)]
pub fn workgroup_sum(n: usize, mut value: impl FnMut(usize) -> f32) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let full = n / LANES * LANES;
    let mut base = 0;
    while base < full {
        for (lane, acc) in lanes.iter_mut().enumerate() {
            *acc += value(base + lane);
        }
        base += LANES;
    }
    for (lane, acc) in lanes[..n - full].iter_mut().enumerate() {
        *acc += value(full + lane);
    }
    combine_lanes(lanes)
}

/// [`workgroup_sum`] of a slice: the same order and so the same bits, with no index to check,
/// so the lanes' loop is plain vector adds (through a closure that indexes a slice, part of the
/// work fell to a scalar copy of the loop).
#[inline(always)]
pub fn workgroup_sum_of(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut rows = values.chunks_exact(LANES);
    for row in &mut rows {
        for (acc, &x) in lanes.iter_mut().zip(row) {
            *acc += x;
        }
    }
    for (acc, &x) in lanes.iter_mut().zip(rows.remainder()) {
        *acc += x;
    }
    combine_lanes(lanes)
}

/// [`row_sum`] of a slice (through [`workgroup_sum_of`]): the same bits.
#[inline(always)]
pub fn row_sum_of(values: &[f32]) -> f32 {
    if values.len() <= ROW_CHUNK {
        return workgroup_sum_of(values);
    }
    let mut chunks = values.chunks(ROW_CHUNK);
    // workgroup_sum asks for each chunk once, in order.
    workgroup_sum(
        values.len().div_ceil(ROW_CHUNK),
        #[inline(always)]
        |_| match chunks.next() {
            Some(chunk) => workgroup_sum_of(chunk),
            None => 0.0,
        },
    )
}

/// The lanes' binary tree: `lane[t] += lane[t + stride]` for stride = 128, 64, …, 1.
#[inline(always)]
fn combine_lanes(mut lanes: [f32; LANES]) -> f32 {
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
#[inline(always)]
pub fn row_max(values: &[f32]) -> f32 {
    // Sixteen running maxima, so that the loop vectorises; max is exact in any order. The
    // select `x > m ? x : m` is one `maxps` (f32::max's NaN rule costs two more instructions)
    // and skips a NaN as f32::max does; only the sign of a zero maximum may differ, which no
    // `v − max` notices.
    const WIDTH: usize = 16;
    let mut lanes = [f32::MIN; WIDTH];
    let mut chunks = values.chunks_exact(WIDTH);
    for chunk in &mut chunks {
        for (m, &x) in lanes.iter_mut().zip(chunk) {
            *m = if x > *m { x } else { *m };
        }
    }
    let tail = chunks.remainder().iter().copied().fold(f32::MIN, f32::max);
    lanes.into_iter().fold(tail, f32::max)
}
