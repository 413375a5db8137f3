// PoissonCell / BernoulliCell advance_state. Twin: src/network/encoders.rs `EncoderKind::advance`.

struct EncoderParams {
    n: u32,
    groups_x: u32,
    target_freq: f32,
    poisson: u32,
}

@group(0) @binding(1) var<uniform> P: EncoderParams;
@group(0) @binding(2) var<storage, read> inputs: array<f32>;
@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;
@group(0) @binding(4) var<storage, read_write> tols: array<f32>;

@compute @workgroup_size(256)
fn encoder_advance(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let i = flat_index(wid, lid, P.groups_x);
    if (i >= P.n) {
        return;
    }
    let u = rng_uniform01(call.key, i);
    var p = inputs[i];
    if (P.poisson == 1u) {
        p = (p * call.dt_ms) * P.target_freq;
    }
    let s = select(0.0, 1.0, u < p);
    outputs[i] = s;
    // src/cells/mod.rs `tols_of`: the reference's (1 - s)·tols + s·t as a select.
    tols[i] = select(tols[i], call.t, s > 0.0);
}
