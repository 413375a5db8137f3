// TraceSTDPSynapse's dW of one synapse (i, j): the batch-contracted products (rows summed in
// ascending order, no atomics), then the weight dependence. Used by stdp.wgsl and mstdpet.wgsl,
// which bind `pre_spike`, `post_spike`, `pre_trace`, `post_trace`.
// Twin: src/network/stdp.rs `TraceStdp::d_weight`.

struct TraceRule {
    batch: u32,
    n_pre: u32,
    n_post: u32,
    a_plus: f32,
    a_minus: f32,
    mu: f32,
    pretrace_target: f32,
    w_bound: f32,
}

// x^mu = exp(mu·log x) for x > 0 with the math library (shaders/lib/math.wgsl), 0 for x <= 0.
// Twin: src/network/stdp.rs `pow_mu`.
fn pow_mu(x: f32, mu: f32) -> f32 {
    if (x <= 0.0) {
        return 0.0;
    }
    return math_exp(mu * math_log(x));
}

fn trace_dw(r: TraceRule, i: u32, j: u32, w: f32) -> f32 {
    var pot = 0.0;
    var dep = 0.0;
    for (var b = 0u; b < r.batch; b++) {
        let x_hat = pre_trace[b * r.n_pre + i] - r.pretrace_target;
        if (r.mu > 0.0) {
            pot += x_hat * post_spike[b * r.n_post + j];
            dep += pre_spike[b * r.n_pre + i] * post_trace[b * r.n_post + j];
        } else {
            pot += x_hat * (post_spike[b * r.n_post + j] * r.a_plus);
            dep += pre_spike[b * r.n_pre + i] * (post_trace[b * r.n_post + j] * r.a_minus);
        }
    }
    var dw = pot;
    if (r.mu > 0.0) {
        dw = (pow_mu(r.w_bound - w, r.mu) * pot) * r.a_plus;
    }
    if (r.a_minus > 0.0) {
        if (r.mu > 0.0) {
            dw = dw + (-(pow_mu(w, r.mu) * dep) * r.a_minus);
        } else {
            dw = dw + (-dep);
        }
    }
    return dw;
}
