// Evaluates one function of the WGSL math library (shaders/lib/math.wgsl) for every input, so
// the host can compare it bit for bit with src/math.rs. Composed with shaders/lib/math.wgsl only.
struct MathCheckParams {
    n: u32,
    groups_x: u32,
    // 0 math_exp, 1 math_log.
    function: u32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> mc: MathCheckParams;
@group(0) @binding(1) var<storage, read> inputs: array<f32>;
@group(0) @binding(2) var<storage, read_write> outputs: array<f32>;

@compute @workgroup_size(256)
fn math_check(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = (wid.y * mc.groups_x + wid.x) * 256u + lid.x;
    if (i >= mc.n) {
        return;
    }
    if (mc.function == 0u) {
        outputs[i] = math_exp(inputs[i]);
    } else {
        outputs[i] = math_log(inputs[i]);
    }
}
