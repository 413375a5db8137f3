// Projection advance in event mode, three passes: `event_pre` (per presynaptic element: the
// delay ring, then the step's spike list), `event_scatter` (per spike × outgoing synapse:
// fixed-point terms added with integer atomics) and `event_post` (per postsynaptic element:
// back to float32, reset, dynamics). Integer sums do not depend on the order the atomics land,
// so every run and the CPU give the same bits. Twin: src/network/event.rs `accumulate`.
// Parameters and dynamics: projection_common.wgsl.

// Bindings 1–7 and 9: projection_common.wgsl (the index holds pre_ptr, N_pre + 1 values, then
// the postsynaptic unit of each synapse, by pre; sparse weights are stored by pre).
// [0]: the step's spike count; [1 + 2s], [2 + 2s]: spike s's element b·N_pre + i and its
// signal's bits; from 1 + 2·B·N_pre: the B × N_post accumulators (zero between steps).
@group(0) @binding(8) var<storage, read_write> scratch: array<atomic<i32>>;

@compute @workgroup_size(256)
fn event_pre(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let e = flat_index(wid, lid, P.pre_groups_x);
    let plane = P.batch * P.n_pre;
    if (e >= plane) {
        return;
    }
    var x = inputs[e];
    if (P.depth > 0u) {
        // Logical slot 0 lives at `head`: read it, then the roll overwrites it with this input.
        let at = call.head * plane + e;
        x = ring[at];
        ring[at] = inputs[e];
    }
    if (x != 0.0) {
        let s = u32(atomicAdd(&scratch[0], 1));
        atomicStore(&scratch[1u + 2u * s], i32(e));
        atomicStore(&scratch[2u + 2u * s], bitcast<i32>(x));
    }
}

// The term x·w in quanta. Twin: event.rs `FixedPoint::quantise` (round: ties to even).
fn quantise(x: f32, w: f32) -> i32 {
    return i32(round(clamp(x * w * P.up, -P.limit, P.limit)));
}

fn deposit(b: u32, j: u32, x: f32, w: f32) {
    atomicAdd(&scratch[1u + 2u * P.batch * P.n_pre + b * P.n_post + j], quantise(x, w));
}

const SCATTER_WG: u32 = 64u;

// One workgroup per spike at a time (a grid-stride loop over the list), its threads over the
// spike's outgoing synapses. Twin: event.rs `for_each_target`.
@compute @workgroup_size(64)
fn event_scatter(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let count = u32(atomicLoad(&scratch[0]));
    for (var s = wid.x; s < count; s += groups.x) {
        let e = u32(atomicLoad(&scratch[1u + 2u * s]));
        let x = bitcast<f32>(atomicLoad(&scratch[2u + 2u * s]));
        let b = e / P.n_pre;
        let i = e % P.n_pre;
        switch P.connectivity {
            case 0u: {
                for (var j = lid.x; j < P.n_post; j += SCATTER_WG) {
                    deposit(b, j, x, weights[i * P.n_post + j]);
                }
            }
            case 1u: {
                if (lid.x == 0u) {
                    deposit(b, i, x, weights[i]);
                }
            }
            case 2u: {
                let base = P.n_pre + 1u;
                for (var k = index[i] + lid.x; k < index[i + 1u]; k += SCATTER_WG) {
                    deposit(b, index[base + k], x, weights[k]);
                }
            }
            case 3u: {
                for (var j = lid.x; j < P.n_post; j += SCATTER_WG) {
                    if (procedural_exists(i, j)) {
                        deposit(b, j, x, procedural_weight(i, P.n_post, j));
                    }
                }
            }
            default: {
                // Fan-out: target m is ⌊bits·N_post / 2³²⌋, an exact integer product.
                for (var m = lid.x; m < P.fan_k; m += SCATTER_WG) {
                    let j = mul_wide(rng_bits_2d(P.conn_key, i, P.fan_k, m), P.n_post).x;
                    deposit(b, j, x, procedural_weight(i, P.fan_k, m));
                }
            }
        }
    }
}

// A sum of quanta as float32: both 16-bit halves convert exactly, their sum rounds once and the
// product by the power of two is exact. Twin: event.rs `FixedPoint::dequantise`.
fn dequantise(sum: i32) -> f32 {
    return (f32(sum >> 16u) * 65536.0 + f32(sum & 0xFFFF)) * P.quantum;
}

@compute @workgroup_size(256)
fn event_post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.post_groups_x);
    if (k == 0u) {
        atomicStore(&scratch[0], 0);
    }
    if (k >= P.batch * P.n_post) {
        return;
    }
    let acc = dequantise(atomicExchange(&scratch[1u + 2u * P.batch * P.n_pre + k], 0));
    apply_dynamics(k, acc);
}
