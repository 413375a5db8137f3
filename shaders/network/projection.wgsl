// Projection advance in two passes: `projection_pre` (per presynaptic element: the delay ring)
// and `projection_post` (per postsynaptic element: the sum over presynaptic units in ascending
// order, then the dynamics). Twin: src/network/projection.rs `advance`, `Projection::accumulate`.

struct ProjectionParams {
    batch: u32,
    n_pre: u32,
    n_post: u32,
    // 0 dense, 1 one-to-one, 2 sparse, 3 procedural.
    connectivity: u32,
    depth: u32,
    // 0 instant, 1 exponential current, 2 conductance.
    dynamics: u32,
    pre_groups_x: u32,
    post_groups_x: u32,
    scale: f32,
    p: f32,
    weight: f32,
    weight_high: f32,
    has_high: u32,
    pad0: u32,
    conn_key: vec2<u32>,
    weight_key: vec2<u32>,
    pad1: u32,
    pad2: u32,
    // Conductance dynamics (ngclearn's ExponentialSynapse).
    tau_decay: f32,
    g_syn_bar: f32,
    syn_rest: f32,
    pad3: u32,
}

@group(0) @binding(1) var<uniform> P: ProjectionParams;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
// Sparse: post_ptr (N_post + 1 values) then the presynaptic index of each synapse, by post.
@group(0) @binding(5) var<storage, read> index: array<u32>;
@group(0) @binding(6) var<storage, read_write> current: array<f32>;
@group(0) @binding(7) var<storage, read_write> ring: array<f32>;
@group(0) @binding(8) var<storage, read_write> delayed: array<f32>;
// Conductance: the target's voltage (a placeholder otherwise).
@group(0) @binding(9) var<storage, read> v: array<f32>;

@compute @workgroup_size(256)
fn projection_pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, lid, P.pre_groups_x);
    let plane = P.batch * P.n_pre;
    if (i >= plane) {
        return;
    }
    // Logical slot 0 lives at `head`: read it, then the roll overwrites it with this input.
    let at = call.head * plane + i;
    delayed[i] = ring[at];
    ring[at] = inputs[i];
}

fn signal(b: u32, i: u32) -> f32 {
    if (P.depth > 0u) {
        return delayed[b * P.n_pre + i];
    }
    return inputs[b * P.n_pre + i];
}

@compute @workgroup_size(256)
fn projection_post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.post_groups_x);
    if (k >= P.batch * P.n_post) {
        return;
    }
    let b = k / P.n_post;
    let j = k % P.n_post;
    var acc = 0.0;
    switch P.connectivity {
        case 0u: {
            for (var i = 0u; i < P.n_pre; i++) {
                acc += signal(b, i) * weights[i * P.n_post + j];
            }
        }
        case 1u: {
            acc += signal(b, j) * weights[j];
        }
        case 2u: {
            let first = index[j];
            let last = index[j + 1u];
            let base = P.n_post + 1u;
            for (var s = first; s < last; s++) {
                acc += signal(b, index[base + s]) * weights[s];
            }
        }
        default: {
            // Procedural: regenerate synapse (i, j) only where the presynaptic signal is non-zero.
            for (var i = 0u; i < P.n_pre; i++) {
                let x = signal(b, i);
                if (x != 0.0 && rng_unit_f32(rng_bits_2d(P.conn_key, i, P.n_post, j)) < P.p) {
                    var w = P.weight;
                    if (P.has_high == 1u) {
                        let u = rng_unit_f32(rng_bits_2d(P.weight_key, i, P.n_post, j));
                        w = max(P.weight, P.weight + u * (P.weight_high - P.weight));
                    }
                    acc += x * w;
                }
            }
        }
    }
    if (P.dynamics == 1u) {
        let c = current[k] * call.decay + acc * P.scale;
        current[k] = c;
        outputs[k] = c;
    } else if (P.dynamics == 2u) {
        // `current` holds the conductance g (ngclearn's operation order, README §4.5).
        let g_old = current[k];
        let dg = (-g_old) / P.tau_decay + (acc * P.g_syn_bar) * call.inv_dt;
        let g = g_old + dg * call.dt;
        current[k] = g;
        outputs[k] = (-(g * P.scale)) * (v[k] - P.syn_rest);
    } else {
        outputs[k] = acc * P.scale;
    }
}
