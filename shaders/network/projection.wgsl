// Projection advance in gather mode, two passes: `projection_pre` (per presynaptic element:
// the delay ring) and `projection_post` (per postsynaptic element: the sum over presynaptic
// units in ascending order, then the dynamics). Twin: src/network/projection.rs `advance`,
// `Projection::accumulate`. Parameters and dynamics: projection_common.wgsl.

// Bindings 1–7 and 9: projection_common.wgsl.
@group(0) @binding(8) var<storage, read_write> delayed: array<f32>;

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
                if (x != 0.0 && procedural_exists(i, j)) {
                    acc += x * procedural_weight(i, P.n_post, j);
                }
            }
        }
    }
    apply_dynamics(k, acc);
}
