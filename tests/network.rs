//! Networks built with the API: every connectivity kind against the dense result, delays,
//! batch > 1, exponential currents against their analytic decay, GPU = CPU bit for bit on
//! software adapters, run-to-run determinism, and clear errors for bad input.

mod common;

use spikegpu::Error;
use spikegpu::network::projection::{Connectivity, Procedural};
use spikegpu::network::{
    ConnectivitySpec, LayerId, NetEngine, NetRecord, NetRun, Network, NetworkBuilder, ProjectionSpec, Weights,
};

use common::net::{N_IN, N_OUT, STEPS, lif, network};

fn drive<E: NetEngine>(net: &mut Network<E>, input: LayerId, out: LayerId, batch: usize) {
    net.set_input(input, &vec![0.15; batch * N_IN]).expect("input");
    net.set_drive(out, &vec![12.0; batch * N_OUT]).expect("drive");
}

fn record(input: LayerId, out: LayerId) -> NetRecord {
    NetRecord {
        spikes: vec![input, out],
        traces: vec![(out, "v".into()), (out, "j".into())],
    }
}

fn run_cpu(batch: usize, spec: ProjectionSpec) -> NetRun {
    let (b, input, out) = network(batch, spec);
    let mut net = b.build_cpu().expect("cpu network");
    drive(&mut net, input, out, batch);
    net.run(STEPS, 0.5, &record(input, out)).expect("run")
}

fn run_gpu(ctx: &std::sync::Arc<spikegpu::GpuContext>, batch: usize, spec: ProjectionSpec) -> NetRun {
    let (b, input, out) = network(batch, spec);
    let mut net = b.build_gpu(ctx).expect("gpu network");
    drive(&mut net, input, out, batch);
    net.run(STEPS, 0.5, &record(input, out)).expect("run")
}

/// The stored or regenerated synapses of the one projection of [`network`], as a dense matrix.
fn as_dense(spec: ProjectionSpec) -> Vec<f32> {
    let (b, _, _) = network(1, spec);
    let (graph, _) = b.build().expect("graph");
    let p = graph
        .components
        .iter()
        .find_map(|c| match &c.kind {
            spikegpu::network::Kind::Projection(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a projection");
    let mut w = vec![0.0f32; N_IN * N_OUT];
    match &p.connectivity {
        Connectivity::Dense { weights } => w.copy_from_slice(weights),
        Connectivity::OneToOne { weights } => {
            for (i, &x) in weights.iter().enumerate() {
                w[i * N_OUT + i] = x;
            }
        }
        Connectivity::Sparse(s) => {
            for i in 0..N_IN {
                for k in s.pre_ptr[i] as usize..s.pre_ptr[i + 1] as usize {
                    w[i * N_OUT + s.pre_post[k] as usize] = s.pre_w[k];
                }
            }
        }
        Connectivity::Procedural(q) => {
            let q: &Procedural = q;
            for i in 0..N_IN {
                for j in 0..N_OUT {
                    w[i * N_OUT + j] = q.synapse(i, j, N_OUT).unwrap_or(0.0);
                }
            }
        }
        Connectivity::ProceduralFanOut(f) => {
            for (i, j, x) in f.synapses(N_IN, N_OUT) {
                w[i as usize * N_OUT + j as usize] += x;
            }
        }
    }
    w
}

fn kinds() -> Vec<(&'static str, ProjectionSpec)> {
    let list: Vec<(u32, u32, f32)> = (0..N_IN as u32)
        .flat_map(|i| {
            (0..N_OUT as u32)
                .filter(move |j| (i * 7 + j * 3) % 5 == 0)
                .map(move |j| (i, j, 3.0 + (i % 3) as f32))
        })
        .collect();
    vec![
        ("fixed probability", ProjectionSpec::fixed_probability(0.3, 4.0)),
        ("fixed in-degree", ProjectionSpec::fixed_in_degree(9, 4.0)),
        ("list", ProjectionSpec::list(list)),
        (
            "procedural",
            ProjectionSpec::new(ConnectivitySpec::Procedural {
                p: 0.3,
                weight: 2.0,
                weight_high: Some(6.0),
            }),
        ),
        (
            "dense uniform",
            ProjectionSpec::dense(Weights::Uniform { low: -1.0, high: 5.0 }),
        ),
    ]
}

#[test]
fn every_connectivity_kind_equals_the_dense_projection_of_its_synapses() {
    for (name, spec) in kinds() {
        let dense = ProjectionSpec::dense(Weights::Values(as_dense(spec.clone())));
        let a = run_cpu(1, spec.clone().exponential_current(5.0));
        let b = run_cpu(1, dense.exponential_current(5.0));
        assert!(a.spike_count(a.rasters[1].0) > 0, "{name}: the population never spikes");
        assert_eq!(a, b, "{name}: differs from the dense projection of the same synapses");
    }
}

#[test]
fn one_to_one_equals_a_diagonal_dense_projection() {
    let mut b = NetworkBuilder::new(1, 3);
    let input = b.bernoulli("input", N_OUT).expect("input");
    let out = b.population("out", lif(), N_OUT).expect("population");
    let w: Vec<f32> = (0..N_OUT).map(|i| 10.0 + i as f32).collect();
    b.project("p", input, out, ProjectionSpec::one_to_one(Weights::Values(w.clone())))
        .expect("projection");
    let mut one = b.build_cpu().expect("net");
    let mut b = NetworkBuilder::new(1, 3);
    let input2 = b.bernoulli("input", N_OUT).expect("input");
    let out2 = b.population("out", lif(), N_OUT).expect("population");
    let mut dense = vec![0.0; N_OUT * N_OUT];
    for i in 0..N_OUT {
        dense[i * N_OUT + i] = w[i];
    }
    b.project("p", input2, out2, ProjectionSpec::dense(Weights::Values(dense)))
        .expect("projection");
    let mut two = b.build_cpu().expect("net");
    for (net, i) in [(&mut one, input), (&mut two, input2)] {
        net.set_input(i, &[0.3; N_OUT]).expect("input");
    }
    let rec = NetRecord {
        spikes: vec![out],
        traces: vec![(out, "v".into())],
    };
    assert_eq!(
        one.run(100, 0.5, &rec).expect("run"),
        two.run(100, 0.5, &rec).expect("run")
    );
}

#[test]
fn a_delay_of_d_steps_arrives_d_plus_one_steps_later() {
    for delay in [0usize, 1, 4] {
        let mut b = NetworkBuilder::new(2, 11);
        let input = b.bernoulli("input", 16).expect("input");
        let out = b.population("out", lif(), 16).expect("population");
        b.project(
            "p",
            input,
            out,
            ProjectionSpec::one_to_one(Weights::Constant(1.0)).delay(delay),
        )
        .expect("projection");
        let mut net = b.build_cpu().expect("net");
        net.set_input(input, &[0.3; 32]).expect("input");
        let rec = NetRecord {
            spikes: vec![input],
            traces: vec![(out, "j".into())],
        };
        let run = net.run(60, 1.0, &rec).expect("run");
        let spikes = run.spike_events(input);
        assert!(spikes.len() > 50, "too few input spikes: {}", spikes.len());
        let j = &run.traces[0].2;
        for k in 0..60 {
            for e in 0..32 {
                let expected = k > delay && spikes.contains(&(k - delay - 1, e));
                assert_eq!(
                    j[k * 32 + e],
                    if expected { 1.0 } else { 0.0 },
                    "delay {delay}, step {k}, element {e}"
                );
            }
        }
    }
}

#[test]
fn an_exponential_current_decays_by_exp_minus_dt_over_tau() {
    let mut b = NetworkBuilder::new(1, 5);
    let input = b.bernoulli("input", 1).expect("input");
    let out = b.population("out", lif(), 1).expect("population");
    b.project(
        "p",
        input,
        out,
        ProjectionSpec::one_to_one(Weights::Constant(2.0)).exponential_current(5.0),
    )
    .expect("projection");
    let mut net = b.build_cpu().expect("net");
    net.set_input(input, &[1.0]).expect("p = 1");
    let rec = NetRecord {
        spikes: vec![],
        traces: vec![(out, "j".into())],
    };
    net.run(1, 0.1, &rec).expect("one spike");
    net.set_input(input, &[0.0]).expect("p = 0");
    let run = net.run(200, 0.1, &rec).expect("decay");
    let d = (-0.1f64 / 5.0).exp() as f32;
    // Step 0 delivers the spike of the step before; then only decay.
    let mut i = 2.0f32;
    for k in 0..200 {
        assert_eq!(run.traces[0].2[k], i, "step {k}");
        i *= d;
    }
    assert!((f64::from(run.traces[0].2[199]) - 2.0 * (-199.0f64 * 0.1 / 5.0).exp()).abs() < 1e-5);
}

#[test]
fn gpu_equals_cpu_for_every_kind_batch_and_delay() {
    let Some(ctx) = common::gpu() else { return };
    for (name, spec) in kinds() {
        for (batch, spec) in [(1, spec.clone()), (3, spec.clone().exponential_current(4.0).delay(3))] {
            let cpu = run_cpu(batch, spec.clone());
            let gpu = run_gpu(&ctx, batch, spec);
            if ctx.adapter.is_software() {
                assert_eq!(cpu, gpu, "{name}, batch {batch}: GPU differs from the CPU");
            } else {
                assert_eq!(cpu.rasters, gpu.rasters, "{name}, batch {batch}: spikes differ");
            }
            if batch == 3 {
                let words = cpu.rasters[0].1;
                let row = |b: usize| -> Vec<u32> { (0..STEPS).map(|k| cpu.rasters[0].2[k * words + b]).collect() };
                assert_ne!(row(0), row(words - 1), "{name}: batch rows drew the same input");
            }
        }
    }
}

#[test]
fn gpu_runs_are_bitwise_identical_run_to_run() {
    let Some(ctx) = common::gpu() else { return };
    let spec = ProjectionSpec::fixed_probability(0.3, 4.0)
        .exponential_current(3.0)
        .delay(2);
    let a = run_gpu(&ctx, 2, spec.clone());
    let b = run_gpu(&ctx, 2, spec);
    assert_eq!(a, b);
}

fn error_of(result: spikegpu::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(e @ Error::Network { .. }) => e.to_string(),
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[test]
fn bad_input_names_the_part() {
    let mut b = NetworkBuilder::new(1, 1);
    let input = b.bernoulli("input", 4).expect("input");
    let out = b.population("out", lif(), 3).expect("population");
    let e = error_of(b.project(
        "bad_list",
        input,
        out,
        ProjectionSpec::list(vec![(0, 0, 1.0), (4, 1, 1.0)]),
    ));
    assert!(e.contains("bad_list") && e.contains("(4 → 1)"), "{e}");
    let e = error_of(b.project(
        "bad_dense",
        input,
        out,
        ProjectionSpec::dense(Weights::Values(vec![1.0; 11])),
    ));
    assert!(
        e.contains("bad_dense") && e.contains("11 values") && e.contains("needs 12"),
        "{e}"
    );
    let e = error_of(b.project(
        "bad_one",
        input,
        out,
        ProjectionSpec::one_to_one(Weights::Constant(1.0)),
    ));
    assert!(e.contains("bad_one") && e.contains("equal sizes"), "{e}");
    let e = error_of(b.project("into_input", out, input, ProjectionSpec::fixed_probability(0.5, 1.0)));
    assert!(e.contains("into_input") && e.contains("population"), "{e}");
    let e = error_of(b.project("bad_p", input, out, ProjectionSpec::fixed_probability(1.5, 1.0)));
    assert!(e.contains("bad_p") && e.contains("[0, 1]"), "{e}");
    let e = error_of(b.population("out", lif(), 3));
    assert!(e.contains("exists already"), "{e}");
    let mut net = NetworkBuilder::new(1, 1);
    let i = net.bernoulli("i", 4).expect("input");
    let mut net = net.build_cpu().expect("net");
    let e = error_of(net.set_input(i, &[0.1, f32::NAN, 0.1, 0.1]));
    assert!(e.contains("not finite"), "{e}");
}

#[test]
fn a_gated_trace_snaps_to_p_scale_on_a_spike_and_decays_by_exp_minus_dt_over_tau() {
    use spikegpu::network::traces::{Decay, VarTrace};
    let trace = VarTrace {
        n_units: 8,
        tau_tr: 20.0,
        a_delta: 0.0,
        p_scale: 1.0,
        gamma_tr: 1.0,
        decay: Decay::Exponential,
        n_nearest_spikes: 0.0,
    };
    // Per run: the (step, unit) spike events and the trace after every step.
    type Observed = Vec<(Vec<(usize, usize)>, Vec<Vec<f32>>)>;
    let run = |gpu: Option<&std::sync::Arc<spikegpu::GpuContext>>| -> Observed {
        let mut b = NetworkBuilder::new(1, 9);
        let input = b.bernoulli("input", 8).expect("input");
        let tr = b.trace("tr", input, trace).expect("trace");
        let mut out = Vec::new();
        macro_rules! go {
            ($net:expr) => {{
                let mut net = $net;
                net.set_input(input, &[0.1; 8]).expect("input");
                let mut values = Vec::new();
                let mut events = Vec::new();
                for k in 0..80 {
                    let r = net.run(1, 1.0, &NetRecord::spikes(&[input])).expect("run");
                    events.extend(r.spike_events(input).into_iter().map(|(_, i)| (k, i)));
                    values.push(net.read_trace(tr).expect("trace"));
                }
                out.push((events, values));
            }};
        }
        match gpu {
            None => go!(b.build_cpu().expect("cpu")),
            Some(ctx) => go!(b.build_gpu(ctx).expect("gpu")),
        }
        out
    };
    let cpu = run(None);
    let (events, values) = &cpu[0];
    assert!(events.len() > 20, "too few spikes: {}", events.len());
    let d = (-1.0f64 / 20.0).exp() as f32;
    for unit in 0..8 {
        let mut expected = 0.0f32;
        for (k, row) in values.iter().enumerate() {
            expected = if events.contains(&(k, unit)) { 1.0 } else { expected * d };
            assert_eq!(row[unit], expected, "unit {unit}, step {k}");
        }
    }
    if let Some(ctx) = common::gpu() {
        assert_eq!(run(Some(&ctx)), cpu, "the GPU trace differs from the CPU's");
    }
}

/// Diehl & Cook training (ngclearn's exhibit network, STDP and normalisation between samples)
/// gives bitwise-identical weights run to run on each backend, and the GPU's equal the CPU's on
/// software adapters.
#[test]
fn diehl_cook_training_is_deterministic_and_the_gpu_learns_the_cpu_weights() {
    use spikegpu::network::diehl_cook::{DiehlCookParams, diehl_cook, present};
    use spikegpu::network::{CpuNetwork, GpuNetwork};
    let params = DiehlCookParams {
        steps_per_sample: 60,
        w_norm: 2.4,
        ..DiehlCookParams::exhibit(16, 6)
    };
    fn train<E: NetEngine>(mut e: E, w_norm: f32, steps: usize) -> Vec<f32> {
        for s in 0..6u32 {
            let image: Vec<f32> = spikegpu::rng::Key::from_seed(9).fold_in(s).uniform(16, 0.0, 4.0);
            present(&mut e, &image, steps, Some(w_norm)).expect("sample");
        }
        let weights = e.graph().port("W1.weights").expect("W1");
        e.read(weights).expect("weights")
    }
    let cpu = || CpuNetwork::new(diehl_cook(&params).expect("graph")).expect("cpu");
    let first = train(cpu(), params.w_norm, params.steps_per_sample);
    let initial = CpuNetwork::new(diehl_cook(&params).expect("graph")).expect("cpu");
    let w0 = initial.read(initial.graph().port("W1.weights").expect("W1"));
    assert_ne!(first, w0, "the weights never changed: nothing was learnt");
    assert_eq!(
        first,
        train(cpu(), params.w_norm, params.steps_per_sample),
        "CPU runs differ"
    );
    if let Some(ctx) = common::gpu() {
        let gpu = || GpuNetwork::new(&ctx, diehl_cook(&params).expect("graph")).expect("gpu");
        let a = train(gpu(), params.w_norm, params.steps_per_sample);
        assert_eq!(
            a,
            train(gpu(), params.w_norm, params.steps_per_sample),
            "GPU runs differ"
        );
        if ctx.adapter.is_software() {
            assert_eq!(a, first, "GPU weights differ from the CPU's");
        }
    }
}

/// A conductance projection follows ngclearn's ExponentialSynapse (README §4.5), re-implemented
/// here from the README: g ← g + ((−g)/τ + (I·ḡ)·(1/dt))·dt, i = −(g·scale)·(v − E), with v the
/// target's voltage after the previous step; and the GPU gives the CPU's bits.
#[test]
fn a_conductance_projection_follows_ngclearns_exponential_synapse() {
    let (tau, gbar, rest, scale, dt) = (4.0f32, 0.3f32, 0.0f32, 1.5f32, 0.5f32);
    let build = || {
        let mut b = NetworkBuilder::new(1, 21);
        let input = b.bernoulli("input", 6).expect("input");
        let out = b.population("out", lif(), 6).expect("population");
        b.project(
            "g",
            input,
            out,
            ProjectionSpec::one_to_one(Weights::Constant(2.0))
                .conductance(tau, gbar, rest)
                .scale(scale),
        )
        .expect("projection");
        (b, input, out)
    };
    let (b, input, out) = build();
    let mut net = b.build_cpu().expect("cpu");
    net.set_input(input, &[0.2; 6]).expect("input");
    net.set_drive(out, &[0.0; 6]).expect("drive");
    let spikes_rec = NetRecord {
        spikes: vec![input],
        traces: vec![(out, "v".into()), (out, "j".into())],
    };
    let run = net.run(100, f64::from(dt), &spikes_rec).expect("run");
    let spikes = run.spike_events(input);
    assert!(spikes.len() > 20, "too few input spikes");
    let (v, j) = (&run.traces[0].2, &run.traces[1].2);
    let mut g = [0.0f32; 6];
    let mut v_prev = [-65.0f32; 6];
    for k in 0..100 {
        for e in 0..6 {
            // The projection sees the input spikes of the step before (advanced first).
            let x = if k > 0 && spikes.contains(&(k - 1, e)) {
                1.0f32
            } else {
                0.0
            };
            let o = 0.0f32 + x * 2.0;
            let dg = (-g[e]) / tau + (o * gbar) * (1.0 / dt);
            g[e] += dg * dt;
            let i = (-(g[e] * scale)) * (v_prev[e] - rest);
            // j = drive (0) + the projection's output.
            assert_eq!(j[k * 6 + e], 0.0 + i, "step {k}, unit {e}");
            v_prev[e] = v[k * 6 + e];
        }
    }
    if let Some(ctx) = common::gpu() {
        let (b, input, out) = build();
        let mut gpu = b.build_gpu(&ctx).expect("gpu");
        gpu.set_input(input, &[0.2; 6]).expect("input");
        gpu.set_drive(out, &[0.0; 6]).expect("drive");
        let g_run = gpu.run(100, f64::from(dt), &spikes_rec).expect("run");
        if ctx.adapter.is_software() {
            assert_eq!(g_run, run, "GPU differs from the CPU");
        }
    }
}

/// A plastic projection built with the API learns by ngclearn's TraceSTDPSynapse rule: every
/// step's weights equal an update computed here from the README's equations (mu = 0) with the
/// step's spikes and traces; the GPU learns the same bits; a rule without its traces is refused.
#[test]
fn a_plastic_projection_follows_the_trace_stdp_rule() {
    use spikegpu::network::stdp::TraceStdp;
    use spikegpu::network::traces::{Decay, VarTrace};
    let gated = |n| VarTrace {
        n_units: n,
        tau_tr: 20.0,
        a_delta: 0.0,
        p_scale: 1.0,
        gamma_tr: 1.0,
        decay: Decay::Exponential,
        n_nearest_spikes: 0.0,
    };
    let rule = TraceStdp {
        a_plus: 0.05,
        a_minus: 0.02,
        eta: 1.0,
        mu: 0.0,
        pretrace_target: 0.0,
        w_bound: 12.0,
        tau_w: 0.0,
        weight_mask: vec![1.0; 8 * 4],
    };
    let build = || {
        let mut b = NetworkBuilder::new(1, 4);
        let input = b.bernoulli("input", 8).expect("input");
        let out = b.population("out", lif(), 4).expect("population");
        let tr_in = b.trace("tr_in", input, gated(8)).expect("trace");
        let tr_out = b.trace("tr_out", out, gated(4)).expect("trace");
        b.plastic("w", input, out, Weights::Constant(10.0), rule.clone(), (tr_in, tr_out))
            .expect("plastic projection");
        (b, input, out, tr_in, tr_out)
    };
    type Steps = Vec<(Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>)>;
    fn observe<E: NetEngine>(
        mut net: Network<E>,
        ids: (LayerId, LayerId, spikegpu::network::TraceId, spikegpu::network::TraceId),
    ) -> Steps {
        let (input, out, tr_in, tr_out) = ids;
        net.set_input(input, &[0.3; 8]).expect("input");
        let w = net.engine_ref().graph().port("w.weights").expect("weights");
        let mut steps = Vec::new();
        for _ in 0..60 {
            net.run(1, 1.0, &NetRecord::default()).expect("step");
            steps.push((
                net.read(input, "outputs").expect("pre spikes"),
                net.read(out, "s").expect("post spikes"),
                net.read_trace(tr_in).expect("pre trace"),
                net.read_trace(tr_out).expect("post trace"),
                net.engine().read(w).expect("weights"),
            ));
        }
        steps
    }
    let (b, input, out, tr_in, tr_out) = build();
    let cpu = observe(b.build_cpu().expect("cpu"), (input, out, tr_in, tr_out));
    let mut w = vec![10.0f32; 32];
    let mut post_spikes = 0.0;
    for (k, (pre, post, x_pre, x_post, weights)) in cpu.iter().enumerate() {
        for i in 0..8 {
            for j in 0..4 {
                let ltp = 0.0 + x_pre[i] * (post[j] * rule.a_plus);
                let ltd = 0.0 + pre[i] * (x_post[j] * rule.a_minus);
                let dw = ltp + (-ltd);
                w[i * 4 + j] = (w[i * 4 + j] + dw * rule.eta).max(0.0).min(rule.w_bound);
            }
        }
        assert_eq!(weights, &w, "weights after step {k}");
        post_spikes += post.iter().sum::<f32>();
    }
    assert!(post_spikes > 5.0, "the target hardly fired: {post_spikes} spikes");
    assert_ne!(w, vec![10.0f32; 32], "nothing was learnt");
    if let Some(ctx) = common::gpu() {
        let (b, input, out, tr_in, tr_out) = build();
        let gpu = observe(b.build_gpu(&ctx).expect("gpu"), (input, out, tr_in, tr_out));
        if ctx.adapter.is_software() {
            assert_eq!(gpu, cpu, "the GPU learnt other weights");
        }
    }
    // A rule whose traces follow other layers is refused, naming the part.
    let mut b = NetworkBuilder::new(1, 4);
    let input = b.bernoulli("input", 8).expect("input");
    let out = b.population("out", lif(), 4).expect("population");
    let tr_in = b.trace("tr_in", input, gated(8)).expect("trace");
    let e = error_of(b.plastic("w", input, out, Weights::Constant(1.0), rule, (tr_in, tr_in)));
    assert!(e.contains("`w`") && e.contains("post_trace"), "{e}");
}
