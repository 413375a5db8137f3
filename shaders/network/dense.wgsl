// DenseSynapse / StaticSynapse advance_state in two passes: `dense_pre` (per presynaptic
// element: the delay ring, delayed_inputs) and `dense_post` (per postsynaptic element: the
// gather over presynaptic units in ascending order, gate, scale, bias).
// Twin: src/network/synapses.rs `Synapse::advance` (Dynamics::Instant).

struct DenseParams {
    batch: u32,
    n_pre: u32,
    n_post: u32,
    depth: u32,
    mask_rows: u32,
    mask_cols: u32,
    bias_len: u32,
    pre_groups_x: u32,
    post_groups_x: u32,
    // Offsets into `aux`: the mask, the biases, the delay indices (as exact small floats).
    mask_off: u32,
    bias_off: u32,
    idx_off: u32,
    g_conduct_factor: f32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(1) var<uniform> P: DenseParams;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
@group(0) @binding(5) var<storage, read> aux: array<f32>;
@group(0) @binding(6) var<storage, read> gate: array<f32>;
@group(0) @binding(7) var<storage, read_write> ring: array<f32>;
@group(0) @binding(8) var<storage, read_write> delayed: array<f32>;

@compute @workgroup_size(256)
fn dense_pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, lid, P.pre_groups_x);
    if (i >= P.batch * P.n_pre) {
        return;
    }
    if (P.depth == 0u) {
        delayed[i] = inputs[i];
        return;
    }
    // Logical slot d lives at physical slot (head + d) % depth; the roll by −1 then only
    // overwrites the old logical slot 0, at `head`, with this step's input.
    let plane = P.batch * P.n_pre;
    let n = i % P.n_pre;
    let d = u32(aux[P.idx_off + n]);
    let x = ring[((call.head + d) % P.depth) * plane + i];
    ring[call.head * plane + i] = inputs[i];
    delayed[i] = x;
}

@compute @workgroup_size(256)
fn dense_post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.post_groups_x);
    if (k >= P.batch * P.n_post) {
        return;
    }
    let b = k / P.n_post;
    let j = k % P.n_post;
    let mj = select(j, 0u, P.mask_cols == 1u);
    var acc = 0.0;
    for (var n = 0u; n < P.n_pre; n++) {
        let mi = select(n, 0u, P.mask_rows == 1u);
        acc += delayed[b * P.n_pre + n] * (weights[n * P.n_post + j] * aux[P.mask_off + mi * P.mask_cols + mj]);
    }
    let bias = aux[P.bias_off + select(j, 0u, P.bias_len == 1u)];
    outputs[k] = ((acc * gate[k]) * P.g_conduct_factor) + bias;
}
