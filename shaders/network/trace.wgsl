// VarTrace advance_state, per element. Twin: src/network/traces.rs `VarTrace::advance`.

struct TraceParams {
    n: u32,
    groups_x: u32,
    // 0 nearest-spike, 1 additive, 2 gated.
    mode: u32,
    pad: u32,
    a_delta: f32,
    p_scale: f32,
    gamma_tr: f32,
    // f32(1/n_nearest_spikes): XLA's multiplier for ngclearn's `trace / n_nearest_spikes`.
    inv_nearest_spikes: f32,
}

@group(0) @binding(1) var<uniform> P: TraceParams;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> trace: array<f32>;
@group(0) @binding(4) var<storage, read_write> outputs: array<f32>;

@compute @workgroup_size(256)
fn trace_advance(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, lid, P.groups_x);
    if (i >= P.n) {
        return;
    }
    let s = inputs[i];
    let x_old = trace[i];
    // The decay factor of this step arrives in the call uniform (computed on the host).
    var y = (P.gamma_tr * x_old) * call.decay;
    if (P.mode == 0u) {
        y = y + s * (P.a_delta - x_old * P.inv_nearest_spikes);
    } else if (P.mode == 1u) {
        y = y + s * P.a_delta;
    } else {
        y = y * (1.0 - s) + s * P.p_scale;
    }
    trace[i] = y;
    outputs[i] = y;
}
