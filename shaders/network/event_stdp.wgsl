// EventSTDPSynapse evolve, one thread per weight, batch 1 (as ngclearn).
// Twin: src/network/stdp.rs `EventStdp::evolve`.

struct EventParams {
    n_pre: u32,
    n_post: u32,
    groups_x: u32,
    pad: u32,
    one_plus_lmbda: f32,
    a_plus: f32,
    a_minus: f32,
    presyn_win_len: f32,
    w_bound: f32,
    pad1: f32,
    pad2: f32,
    pad3: f32,
    syn: SynapseSet,
}

@group(0) @binding(1) var<uniform> P: EventParams;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_weights: array<f32>;
@group(0) @binding(4) var<storage, read> pre_tols: array<f32>;
@group(0) @binding(5) var<storage, read> post_spike: array<f32>;
@group(0) @binding(6) var<storage, read> eta: array<f32>;
@group(0) @binding(7) var<storage, read> coords: array<u32>;

@compute @workgroup_size(256)
fn event_evolve(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.groups_x);
    if (k >= P.syn.n_syn) {
        return;
    }
    let pair = synapse_pair(P.syn, k);
    let tols = pre_tols[pair.x];
    let m = select(0.0, 1.0, tols > 0.0);
    var hit = tols == call.t;
    if (P.presyn_win_len > 0.0) {
        hit = (call.t - P.presyn_win_len) < tols;
    }
    let pre = select(0.0, 1.0, hit) * m;
    let w = weights[k];
    var shift = (-w * P.one_plus_lmbda) * P.a_minus;
    if (pre != 0.0) {
        shift = (P.w_bound - w * P.one_plus_lmbda) * P.a_plus;
    }
    let dw = shift * post_spike[pair.y];
    weights[k] = min(max(w + dw * eta[0], 0.01), P.w_bound);
    d_weights[k] = dw;
}
