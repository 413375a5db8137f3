// TraceSTDPSynapse evolve, one thread per synapse (i, j): the batch-contracted products summed
// over rows in ascending order, no atomics. Twin: src/network/stdp.rs `TraceStdp::evolve`.

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
    tau_w: f32,
    // Offset of the weight mask (N_pre × N_post) in `aux`.
    wmask_off: u32,
}

@group(0) @binding(1) var<uniform> P: StdpParams;
@group(0) @binding(2) var<storage, read_write> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_weights: array<f32>;
@group(0) @binding(4) var<storage, read> pre_spike: array<f32>;
@group(0) @binding(5) var<storage, read> post_spike: array<f32>;
@group(0) @binding(6) var<storage, read> pre_trace: array<f32>;
@group(0) @binding(7) var<storage, read> post_trace: array<f32>;
@group(0) @binding(8) var<storage, read> aux: array<f32>;

// x^mu for mu > 0, with 0 for x <= 0 (pow would take log2(0) = −inf: no infinities as data).
// Twin: src/network/stdp.rs `pow_mu`.
fn pow_mu(x: f32, mu: f32) -> f32 {
    if (x <= 0.0) {
        return 0.0;
    }
    return pow(x, mu);
}

@compute @workgroup_size(256)
fn stdp_evolve(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let k = flat_index(wid, lid, P.groups_x);
    if (k >= P.n_pre * P.n_post) {
        return;
    }
    let i = k / P.n_post;
    let j = k % P.n_post;
    let w = weights[k];
    var pot = 0.0;
    var dep = 0.0;
    for (var b = 0u; b < P.batch; b++) {
        let x_hat = pre_trace[b * P.n_pre + i] - P.pretrace_target;
        if (P.mu > 0.0) {
            pot += x_hat * post_spike[b * P.n_post + j];
            dep += pre_spike[b * P.n_pre + i] * post_trace[b * P.n_post + j];
        } else {
            pot += x_hat * (post_spike[b * P.n_post + j] * P.a_plus);
            dep += pre_spike[b * P.n_pre + i] * (post_trace[b * P.n_post + j] * P.a_minus);
        }
    }
    var dw = pot;
    if (P.mu > 0.0) {
        dw = (pow_mu(P.w_bound - w, P.mu) * pot) * P.a_plus;
    }
    if (P.a_minus > 0.0) {
        if (P.mu > 0.0) {
            dw = dw + (-(pow_mu(w, P.mu) * dep) * P.a_minus);
        } else {
            dw = dw + (-dep);
        }
    }
    var w_new = w + dw * P.eta;
    if (P.tau_w > 0.0) {
        w_new = w_new - w / P.tau_w;
    }
    var kept = 0.0;
    if (aux[P.wmask_off + k] != 0.0) {
        kept = min(max(w_new, 0.0), P.w_bound);
    }
    weights[k] = kept;
    d_weights[k] = dw;
}
