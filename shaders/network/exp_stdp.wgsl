// ExpSTDPSynapse evolve, one thread per weight (a dense synapse's (i, j), or a sparse
// projection's stored synapse). Twin: src/network/exp_stdp.rs `ExpStdp::evolve`.

struct ExpParams {
    batch: u32,
    n_pre: u32,
    n_post: u32,
    groups_x: u32,
    a_plus: f32,
    a_minus: f32,
    // f32(−exp_beta).
    neg_exp_beta: f32,
    pretrace_target: f32,
    w_bound: f32,
    // f32(w_bound − 0.01).
    w_high: f32,
    // Dense synapses: offset of the weight mask in `coords` (the synapse's aux buffer, read as
    // float bits).
    wmask_off: u32,
    pad: u32,
    syn: SynapseSet,
}

@group(0) @binding(1) var<uniform> P: ExpParams;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_weights: array<f32>;
@group(0) @binding(4) var<storage, read> pre_spike: array<f32>;
@group(0) @binding(5) var<storage, read> post_spike: array<f32>;
@group(0) @binding(6) var<storage, read> pre_trace: array<f32>;
@group(0) @binding(7) var<storage, read> post_trace: array<f32>;
@group(0) @binding(8) var<storage, read> eta: array<f32>;
@group(0) @binding(9) var<storage, read> coords: array<u32>;

@compute @workgroup_size(256)
fn exp_evolve(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.groups_x);
    if (k >= P.syn.n_syn) {
        return;
    }
    let pair = synapse_pair(P.syn, k);
    let i = pair.x;
    let j = pair.y;
    var pot = 0.0;
    var tar = 0.0;
    var dep = 0.0;
    for (var b = 0u; b < P.batch; b++) {
        let post = post_spike[b * P.n_post + j];
        pot += pre_trace[b * P.n_pre + i] * post;
        tar += P.pretrace_target * post;
        dep += pre_spike[b * P.n_pre + i] * post_trace[b * P.n_post + j];
    }
    let w = weights[k];
    let e1 = math_exp(P.neg_exp_beta * w);
    let e2 = math_exp(P.neg_exp_beta * (P.w_bound - w));
    var dw = (e1 * pot - e2 * tar) * P.a_plus;
    if (P.a_minus > 0.0) {
        dw = dw + ((-e1) * dep) * P.a_minus;
    }
    var kept = 0.0;
    if (P.syn.sparse != 0u || bitcast<f32>(coords[P.wmask_off + k]) != 0.0) {
        kept = min(max(w + dw * eta[0], 0.01), P.w_high);
    }
    weights[k] = kept;
    d_weights[k] = dw;
}
