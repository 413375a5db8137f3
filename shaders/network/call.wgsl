// What every network kernel gets per call: the step's time and constants, the call's PRNG
// subkey, and the delay ring's head. One aligned slot per call of a run, chosen by a dynamic
// offset (src/network/gpu.rs `CallUniform`).

struct Call {
    t: f32,
    dt: f32,
    inv_dt: f32,
    // Encoders: f32(dt / 1000), computed on the host (WGSL division is not correctly rounded).
    dt_ms: f32,
    key: vec2<u32>,
    // Delay rings: the physical slot of logical slot 0 (advances so far, modulo the depth).
    head: u32,
    // The decay factor of this component and step (exponential-current projections, traces),
    // computed on the host.
    decay: f32,
}

@group(0) @binding(0) var<uniform> call: Call;
