// Bit-packs one step of a spike compartment into a raster row: bit (i % 32) of word i / 32 is
// set where the value is non-zero. One thread per word, no atomics.
// Twin: src/network/cpu.rs `pack_row`.

struct PackRow {
    row: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

struct PackParams {
    n: u32,
    words: u32,
    groups_x: u32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> R: PackRow;
@group(0) @binding(1) var<uniform> P: PackParams;
@group(0) @binding(2) var<storage, read> spikes: array<f32>;
@group(0) @binding(3) var<storage, read_write> raster: array<u32>;

@compute @workgroup_size(256)
fn pack_spikes(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let w = flat_index(wid, lid, P.groups_x);
    if (w >= P.words) {
        return;
    }
    var bits = 0u;
    for (var b = 0u; b < 32u; b++) {
        let i = w * 32u + b;
        if (i < P.n && spikes[i] != 0.0) {
            bits |= 1u << b;
        }
    }
    raster[R.row * P.words + w] = bits;
}
