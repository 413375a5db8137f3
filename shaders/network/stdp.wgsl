// TraceSTDPSynapse evolve, one thread per weight (a dense synapse's (i, j), or a sparse
// projection's stored synapse). Twin: src/network/stdp.rs `TraceStdp::evolve_set`.

struct StdpParams {
    batch: u32,
    n_pre: u32,
    n_post: u32,
    groups_x: u32,
    a_plus: f32,
    a_minus: f32,
    eta: f32,
    mu: f32,
    pretrace_target: f32,
    w_bound: f32,
    // f32(1/tau_w), 0 without decay: XLA's multiplier for ngclearn's `weights / tau_w`.
    inv_tau_w: f32,
    // Offset of the weight mask (N_pre × N_post) in `aux` (dense synapses).
    wmask_off: u32,
    syn: SynapseSet,
}

@group(0) @binding(1) var<uniform> P: StdpParams;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_weights: array<f32>;
@group(0) @binding(4) var<storage, read> pre_spike: array<f32>;
@group(0) @binding(5) var<storage, read> post_spike: array<f32>;
@group(0) @binding(6) var<storage, read> pre_trace: array<f32>;
@group(0) @binding(7) var<storage, read> post_trace: array<f32>;
@group(0) @binding(8) var<storage, read> aux: array<f32>;
@group(0) @binding(9) var<storage, read> coords: array<u32>;

@compute @workgroup_size(256)
fn stdp_evolve(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.groups_x);
    if (k >= P.syn.n_syn) {
        return;
    }
    let pair = synapse_pair(P.syn, k);
    let rule = TraceRule(P.batch, P.n_pre, P.n_post, P.a_plus, P.a_minus, P.mu, P.pretrace_target, P.w_bound);
    let w = weights[k];
    let dw = trace_dw(rule, pair.x, pair.y, w);
    var w_new = w + dw * P.eta;
    if (P.inv_tau_w > 0.0) {
        w_new = w_new - w * P.inv_tau_w;
    }
    var kept = 0.0;
    if (P.syn.sparse != 0u || aux[P.wmask_off + k] != 0.0) {
        kept = min(max(w_new, 0.0), P.w_bound);
    }
    weights[k] = kept;
    d_weights[k] = dw;
}
