// Evaluates the WGSL PRNG (shaders/lib/rng.wgsl) for elements 0..n of one key, so the host can
// compare it bit for bit with src/rng.rs. Composed with shaders/lib/rng.wgsl only.
struct RngCheckParams {
    key: vec2<u32>,
    n: u32,
    groups_x: u32,
}

@group(0) @binding(0) var<uniform> rc: RngCheckParams;
@group(0) @binding(1) var<storage, read_write> out_bits: array<u32>;
@group(0) @binding(2) var<storage, read_write> out_uniform: array<f32>;

@compute @workgroup_size(256)
fn rng_check(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = (wid.y * rc.groups_x + wid.x) * 256u + lid.x;
    if (i >= rc.n) {
        return;
    }
    out_bits[i] = rng_bits(rc.key, i);
    out_uniform[i] = rng_uniform01(rc.key, i);
}
