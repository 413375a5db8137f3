// Summation wires (ngclearn's `Summation(a, b, …) >> c`): the left-to-right float32 sum,
// computed right before the call that reads it. Twin: src/network/cpu.rs `CpuNetwork::read`.

struct WireParams {
    n: u32,
    groups_x: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(1) var<uniform> P: WireParams;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

// out = a + b (the first two sources).
@compute @workgroup_size(256)
fn wire_sum2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, lid, P.groups_x);
    if (i < P.n) {
        out[i] = a[i] + b[i];
    }
}

// out = out + b (each further source, in order).
@compute @workgroup_size(256)
fn wire_add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, lid, P.groups_x);
    if (i < P.n) {
        out[i] = out[i] + b[i];
    }
}
