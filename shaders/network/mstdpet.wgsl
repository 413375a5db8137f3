// MSTDPETSynapse evolve (batch 1), one thread per weight (a dense synapse's (i, j), or a sparse
// projection's stored synapse). `call.decay` is the eligibility factor f32(exp(−dt/tau_elg)),
// computed on the host. Twin: src/network/mstdpet.rs `Mstdpet::evolve`.

struct ModulatedParams {
    n_pre: u32,
    n_post: u32,
    groups_x: u32,
    // Offsets of the modulator (1 value) and the outmask (N_post values) in `coords` (float bits).
    mod_off: u32,
    a_plus: f32,
    a_minus: f32,
    eta: f32,
    mu: f32,
    pretrace_target: f32,
    w_bound: f32,
    // f32(1/tau_elg), 0 without eligibility decay: XLA's multiplier for `dWeights/tau_elg`.
    inv_tau_elg: f32,
    elg_decay: f32,
    // f32(1/tau_w); 0 without decay.
    inv_tau_w: f32,
    outmask_off: u32,
    pad0: u32,
    pad1: u32,
    syn: SynapseSet,
}

@group(0) @binding(1) var<uniform> P: ModulatedParams;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> eligibility: array<f32>;
@group(0) @binding(5) var<storage, read> pre_spike: array<f32>;
@group(0) @binding(6) var<storage, read> post_spike: array<f32>;
@group(0) @binding(7) var<storage, read> pre_trace: array<f32>;
@group(0) @binding(8) var<storage, read> post_trace: array<f32>;
// The modulator, the outmask and (sparse projections) the synapse coordinates.
@group(0) @binding(9) var<storage, read> coords: array<u32>;

@compute @workgroup_size(256)
fn mstdpet_evolve(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.groups_x);
    if (k >= P.syn.n_syn) {
        return;
    }
    let pair = synapse_pair(P.syn, k);
    let w = weights[k];
    let old_dw = d_weights[k];
    var e = old_dw;
    if (P.inv_tau_elg > 0.0) {
        e = ((eligibility[k] * call.decay) * P.elg_decay) + old_dw * P.inv_tau_elg;
    }
    let modulator = bitcast<f32>(coords[P.mod_off]);
    let outmask = bitcast<f32>(coords[P.outmask_off + pair.y]);
    var w_new = w + ((e * modulator) * P.eta) * outmask;
    if (P.inv_tau_w > 0.0) {
        w_new = w_new - w * P.inv_tau_w;
    }
    let rule = TraceRule(1u, P.n_pre, P.n_post, P.a_plus, P.a_minus, P.mu, P.pretrace_target, P.w_bound);
    d_weights[k] = trace_dw(rule, pair.x, pair.y, w);
    weights[k] = min(max(w_new, 0.0), P.w_bound);
    eligibility[k] = e;
}
