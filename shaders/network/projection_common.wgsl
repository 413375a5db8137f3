// What both projection kernels share (projection.wgsl: gather; event.wgsl: event-driven):
// the parameters, the bindings but binding 8 (gather: the delayed signal; event: the spike list
// and accumulators), the procedural synapses and the synaptic dynamics. Twin:
// src/network/projection.rs.

struct ProjectionParams {
    batch: u32,
    n_pre: u32,
    n_post: u32,
    // 0 dense, 1 one-to-one, 2 sparse, 3 procedural, 4 procedural fan-out.
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
    // f32(1/tau_decay): XLA's multiplier for ngclearn's `-g_syn/tau_decay`.
    inv_tau_decay: f32,
    g_syn_bar: f32,
    syn_rest: f32,
    pad3: u32,
    // Event propagation (src/network/event.rs `FixedPoint`): 2^s, the quantum 2^-s, the
    // largest |quantised term|; the fan-out's k.
    up: f32,
    quantum: f32,
    limit: f32,
    fan_k: u32,
}

@group(0) @binding(1) var<uniform> P: ProjectionParams;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;
// Dense: (N_pre, N_post) row-major; one-to-one: N; sparse: by post (gather) or by pre (event).
@group(0) @binding(4) var<storage, read> weights: array<f32>;
// Sparse, gather: post_ptr (N_post + 1 values) then the presynaptic unit of each synapse, by
// post; event: the same by pre.
@group(0) @binding(5) var<storage, read> index: array<u32>;
@group(0) @binding(6) var<storage, read_write> current: array<f32>;
@group(0) @binding(7) var<storage, read_write> ring: array<f32>;
// Conductance: the target's voltage (a placeholder otherwise).
@group(0) @binding(9) var<storage, read> v: array<f32>;

// Whether procedural synapse (i, j) exists. Twin: projection.rs `Procedural::synapse`.
fn procedural_exists(i: u32, j: u32) -> bool {
    return rng_unit_f32(rng_bits_2d(P.conn_key, i, P.n_post, j)) < P.p;
}

// The weight of procedural synapse (row, col) of a draw `width` wide: constant, or uniform in
// [weight, weight_high) from the weight key (a separate multiply and add, as on the CPU).
fn procedural_weight(row: u32, width: u32, col: u32) -> f32 {
    if (P.has_high == 1u) {
        let u = rng_unit_f32(rng_bits_2d(P.weight_key, row, width, col));
        return max(P.weight, P.weight + u * (P.weight_high - P.weight));
    }
    return P.weight;
}

// The synaptic dynamics of postsynaptic element k given its summed input. Twin: projection.rs
// `advance`.
fn apply_dynamics(k: u32, acc: f32) {
    if (P.dynamics == 1u) {
        let c = current[k] * call.decay + acc * P.scale;
        current[k] = c;
        outputs[k] = c;
    } else if (P.dynamics == 2u) {
        // `current` holds the conductance g (ngclearn's operation order, README §4.5).
        let g_old = current[k];
        let dg = (-g_old) * P.inv_tau_decay + (acc * P.g_syn_bar) * call.inv_dt;
        let g = g_old + dg * call.dt;
        current[k] = g;
        outputs[k] = (-(g * P.scale)) * (v[k] - P.syn_rest);
    } else {
        outputs[k] = acc * P.scale;
    }
}
