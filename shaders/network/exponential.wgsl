// ExponentialSynapse advance_state, per postsynaptic element.
// Twin: src/network/synapses.rs `Synapse::advance` (Dynamics::Exponential).

struct ExpParams {
    batch: u32,
    n_pre: u32,
    n_post: u32,
    groups_x: u32,
    // f32(1/tau_decay): XLA's multiplier for ngclearn's `-g_syn/tau_decay`.
    inv_tau_decay: f32,
    g_syn_bar: f32,
    g_conduct_factor: f32,
    syn_rest: f32,
    // 1: conductance form −(g·factor)·(v − syn_rest); 0: current form (−g)·factor.
    has_rest: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(1) var<uniform> P: ExpParams;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;
@group(0) @binding(4) var<storage, read> weights: array<f32>;
@group(0) @binding(5) var<storage, read> v: array<f32>;
@group(0) @binding(6) var<storage, read_write> i_syn: array<f32>;
@group(0) @binding(7) var<storage, read_write> g_syn: array<f32>;

@compute @workgroup_size(256)
fn exponential_post(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.groups_x);
    if (k >= P.batch * P.n_post) {
        return;
    }
    let b = k / P.n_post;
    let j = k % P.n_post;
    var o = 0.0;
    for (var n = 0u; n < P.n_pre; n++) {
        o += inputs[b * P.n_pre + n] * weights[n * P.n_post + j];
    }
    let g_old = g_syn[k];
    let dg = (-g_old) * P.inv_tau_decay + (o * P.g_syn_bar) * call.inv_dt;
    let g = g_old + dg * call.dt;
    g_syn[k] = g;
    var i = (-g) * P.g_conduct_factor;
    if (P.has_rest == 1u) {
        i = (-(g * P.g_conduct_factor)) * (v[k] - P.syn_rest);
    }
    i_syn[k] = i;
    outputs[k] = i;
}
