// Recording kernels for the per-step path: pack one step's spikes into raster words, and copy
// chosen neurons' values of a compartment into a trace. Host side: src/gpu/recorder.rs; CPU
// twin: src/run.rs `pack_spikes`.

struct RecordParams {
    // Run-chunk step whose spikes are packed, and the sample a gather writes.
    step: u32,
    sample: u32,
    words: u32,
    total: u32,
    count: u32,
    groups_x: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> rp: RecordParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> out_words: array<u32>;
@group(0) @binding(3) var<storage, read> indices: array<u32>;
@group(0) @binding(4) var<storage, read_write> out_values: array<f32>;

@compute @workgroup_size(256)
fn pack_spikes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let word = (wid.y * rp.groups_x + wid.x) * 256u + lid.x;
    if (word >= rp.words) {
        return;
    }
    var packed = 0u;
    for (var bit = 0u; bit < 32u; bit++) {
        let i = word * 32u + bit;
        if (i < rp.total && src[i] > 0.0) {
            packed = packed | (1u << bit);
        }
    }
    out_words[rp.step * rp.words + word] = packed;
}

@compute @workgroup_size(64)
fn gather(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k = gid.x;
    if (k >= rp.count) {
        return;
    }
    out_values[rp.sample * rp.count + k] = src[indices[k]];
}
