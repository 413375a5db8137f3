//! Every learning rule on a sparse projection is the same rule as on the dense ngclearn synapse
//! restricted to the existing synapses: fed the same spikes, traces, times of last spike and
//! rewards, a sparse plastic projection and a dense plastic synapse whose masks hold the same
//! connectivity learn the same weights (bit for bit) at every stored synapse and give the same
//! outputs (absent synapses contribute nothing), on the CPU and on the GPU. Plus the errors of
//! plastic connections.

mod common;

use spikegpu::network::exp_stdp::ExpStdp;
use spikegpu::network::graph::{Call, Component, Graph, Kind, Port, StepOp};
use spikegpu::network::mstdpet::Mstdpet;
use spikegpu::network::projection::{Connectivity, Projection, ProjectionDynamics, SparseSynapses};
use spikegpu::network::rules::Rule;
use spikegpu::network::stdp::{EventStdp, TraceStdp};
use spikegpu::network::synapses::{Dynamics, SynapseSpec};
use spikegpu::network::{CpuNetwork, GpuNetwork, NetEngine, NetRecording, NetRun};
use spikegpu::rng::Key;

const N_PRE: usize = 9;
const N_POST: usize = 5;
const STEPS: usize = 40;

/// Which pairs exist: a fixed irregular pattern (about 60 %), every row and column used.
fn connected(i: usize, j: usize) -> bool {
    (i * 7 + j * 3) % 5 < 3
}

fn trace_rule(mask: Vec<f32>) -> TraceStdp {
    TraceStdp {
        a_plus: 0.05,
        a_minus: 0.03,
        eta: 0.7,
        mu: 0.6,
        pretrace_target: 0.1,
        w_bound: 1.3,
        tau_w: 80.0,
        weight_mask: mask,
    }
}

/// The four rules, each with its batch, given the dense weight mask.
fn rules(mask: &[f32]) -> Vec<(Rule, usize)> {
    vec![
        (Rule::Trace(trace_rule(mask.to_vec())), 2),
        (
            Rule::Trace(TraceStdp {
                mu: 0.0,
                tau_w: 0.0,
                ..trace_rule(mask.to_vec())
            }),
            1,
        ),
        (
            Rule::Event(EventStdp {
                eta: 0.05,
                one_plus_lmbda: 1.01,
                a_plus: 1.0,
                a_minus: 0.8,
                presyn_win_len: 2.0,
                w_bound: 1.0,
            }),
            1,
        ),
        (
            Rule::Exp(ExpStdp::new(0.05, 0.03, 1.5, 0.5, 0.1, 1.2, 0.0, mask.to_vec())),
            2,
        ),
        (
            Rule::Modulated(Mstdpet {
                stdp: trace_rule(mask.to_vec()),
                tau_elg: 10.0,
                elg_decay: 0.9,
                inv_tau_w: (1.0f64 / 50.0) as f32,
            }),
            1,
        ),
    ]
}

/// A graph of a dense synapse `D` (masked: weight mask where the rule has one, and the
/// propagation mask) and a sparse projection `S` with the same rule; every rule input set per
/// step (the same rows into both).
fn graph(rule: &Rule, batch: usize) -> (Graph, Vec<(usize, usize)>) {
    let mask: Vec<Vec<f32>> = (0..N_PRE)
        .map(|i| (0..N_POST).map(|j| f32::from(u8::from(connected(i, j)))).collect())
        .collect();
    let weights = Key::from_seed(5).uniform(N_PRE * N_POST, 0.1, 1.0);
    let mut dense = SynapseSpec {
        class: rule.class(),
        n_pre: N_PRE,
        n_post: N_POST,
        dynamics: Dynamics::Instant,
        weight_init: None,
        bias_init: None,
        g_conduct_factor: 1.0,
        p_conn: 1.0,
        p_release_mean: 1.0,
        max_delay_steps: 0,
        mask: Some(mask.clone()),
        is_nonplastic: false,
    }
    .build("D", Key::from_seed(1))
    .expect("dense synapse");
    dense.weights = weights.iter().zip(mask.concat()).map(|(w, m)| w * m).collect();
    dense.rule = Some(rule.clone());
    let mut triples = Vec::new();
    for i in 0..N_PRE {
        for j in 0..N_POST {
            if connected(i, j) {
                triples.push((i as u32, j as u32, weights[i * N_POST + j]));
            }
        }
    }
    let sparse = SparseSynapses::from_triples("S", N_PRE, N_POST, triples).expect("sparse");
    let pairs = sparse
        .post_pre
        .iter()
        .zip(&sparse.post_post)
        .map(|(&i, &j)| (i as usize, j as usize))
        .collect();
    let mut sparse_rule = rule.clone();
    match &mut sparse_rule {
        Rule::Trace(r) => r.weight_mask.clear(),
        Rule::Exp(r) => r.weight_mask.clear(),
        Rule::Modulated(r) => r.stdp.weight_mask.clear(),
        Rule::Event(_) => {}
    }
    let projection = Projection {
        n_pre: N_PRE,
        n_post: N_POST,
        connectivity: Connectivity::Sparse(sparse),
        dynamics: ProjectionDynamics::Instant,
        scale: 1.0,
        delay: 0,
        rule: Some(sparse_rule),
        propagation: spikegpu::network::projection::Propagation::Gather,
    };
    projection.validate("S").expect("valid projection");
    let component = |name: &str, kind| Component {
        name: name.into(),
        kind,
        batch,
        key: Key::from_seed(1),
    };
    let mut g = Graph {
        components: vec![
            component("D", Kind::Synapse(dense)),
            component("S", Kind::Projection(projection)),
        ],
        ..Graph::default()
    };
    let names: Vec<&str> = rule
        .compartments(batch, N_PRE, N_POST, None)
        .into_iter()
        .map(|c| c.0)
        .filter(|n| {
            [
                "preSpike",
                "postSpike",
                "preTrace",
                "postTrace",
                "pre_tols",
                "modulator",
            ]
            .contains(n)
        })
        .chain(["inputs"])
        .collect();
    for name in names {
        for c in 0..2 {
            let port = Port {
                component: c,
                compartment: g.components[c].compartment(name).expect("compartment"),
            };
            g.step.push(StepOp::Set(port, g.inputs.len()));
            g.inputs.push(port);
        }
    }
    for c in 0..2 {
        g.step.push(StepOp::Call(Call::Advance(c)));
    }
    for c in 0..2 {
        g.step.push(StepOp::Call(Call::Evolve(c)));
        g.reset.push(c);
    }
    (g, pairs)
}

/// Per-step rows of every graph input: spikes, gated traces of them, times of last spike,
/// rewards (deterministic).
fn inputs(g: &Graph, batch: usize) -> Vec<Vec<f32>> {
    let u = |seed: u64, n: usize| Key::from_seed(seed).uniform(n, 0.0, 1.0);
    let spikes = |seed, n: usize| -> Vec<f32> {
        u(seed, STEPS * batch * n)
            .iter()
            .map(|&x| f32::from(u8::from(x < 0.3)))
            .collect()
    };
    let trace = |s: &[f32]| -> Vec<f32> {
        let n = s.len() / STEPS;
        let mut x = vec![0.0f32; n];
        let mut out = Vec::new();
        for k in 0..STEPS {
            for (v, &sk) in x.iter_mut().zip(&s[k * n..(k + 1) * n]) {
                *v = (*v * 0.95) * (1.0 - sk) + sk;
            }
            out.extend_from_slice(&x);
        }
        out
    };
    let tols = |s: &[f32]| -> Vec<f32> {
        let n = s.len() / STEPS;
        let mut last = vec![0.0f32; n];
        let mut out = Vec::new();
        for k in 0..STEPS {
            for (l, &sk) in last.iter_mut().zip(&s[k * n..(k + 1) * n]) {
                if sk > 0.0 {
                    *l = k as f32;
                }
            }
            out.extend_from_slice(&last);
        }
        out
    };
    let pre = spikes(11, N_PRE);
    let post = spikes(12, N_POST);
    g.inputs
        .iter()
        .map(|&p| match g.components[p.component].compartments()[p.compartment].0 {
            "preSpike" | "inputs" => pre.clone(),
            "postSpike" => post.clone(),
            "preTrace" => trace(&pre),
            "postTrace" => trace(&post),
            "pre_tols" => tols(&pre),
            "modulator" => u(13, STEPS).iter().map(|x| 2.0 * x - 1.0).collect(),
            other => panic!("unexpected input {other}"),
        })
        .collect()
}

/// Runs the graph; returns per step the dense and sparse weights, updates and outputs.
fn run<E: NetEngine>(mut e: E, batch: usize) -> NetRecording {
    e.reset().expect("reset");
    let rows = inputs(e.graph(), batch);
    let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
    let times: Vec<f32> = (0..STEPS).map(|k| k as f32).collect();
    let mut record = Vec::new();
    for q in ["weights", "dWeights", "outputs"] {
        for c in 0..2 {
            record.push(Port {
                component: c,
                compartment: e.graph().components[c].compartment(q).expect("compartment"),
            });
        }
    }
    e.run(&times, 1.0, &refs, &record).expect("run")
}

fn check_sparse_equals_dense(rec: &NetRecording, pairs: &[(usize, usize)], rule: &Rule, batch: usize, engine: &str) {
    let n = N_PRE * N_POST;
    let s = pairs.len();
    let class = rule.class();
    for k in 0..STEPS {
        for (q, (dense, sparse)) in [
            ("weights", (&rec.values[0], &rec.values[1])),
            ("dWeights", (&rec.values[2], &rec.values[3])),
        ] {
            for (slot, &(i, j)) in pairs.iter().enumerate() {
                let d = dense[k * n + i * N_POST + j];
                let sp = sparse[k * s + slot];
                assert!(
                    d == sp,
                    "{engine} {class}: {q} of ({i}, {j}) at step {k}: dense {d}, sparse {sp}"
                );
            }
        }
        let m = batch * N_POST;
        assert_eq!(
            &rec.values[4][k * m..(k + 1) * m],
            &rec.values[5][k * m..(k + 1) * m],
            "{engine} {class}: outputs at step {k}"
        );
    }
    let first = &rec.values[1][..s];
    let last = &rec.values[1][(STEPS - 1) * s..];
    assert!(first != last, "{engine} {class}: nothing was learnt");
}

#[test]
fn every_rule_on_a_sparse_projection_equals_the_masked_dense_synapse() {
    let mask: Vec<f32> = (0..N_PRE * N_POST)
        .map(|k| f32::from(u8::from(connected(k / N_POST, k % N_POST))))
        .collect();
    let ctx = common::gpu();
    for (rule, batch) in rules(&mask) {
        let (g, pairs) = graph(&rule, batch);
        let cpu = run(CpuNetwork::new(g).expect("cpu"), batch);
        check_sparse_equals_dense(&cpu, &pairs, &rule, batch, "CPU");
        if let Some(ctx) = &ctx {
            let (g, _) = graph(&rule, batch);
            let gpu = run(GpuNetwork::new(ctx, g).expect("gpu"), batch);
            check_sparse_equals_dense(&gpu, &pairs, &rule, batch, "GPU");
            // Every rule is `+ - * /` and the math library's exp/log, so the GPU computes the
            // CPU's bits on adapters that do not contract multiply-adds (lavapipe); elsewhere
            // within the trace README's GPU allowance (10× the weights' 5e-7).
            let worst = gpu
                .values
                .iter()
                .zip(&cpu.values)
                .flat_map(|(g, c)| g.iter().zip(c))
                .map(|(&g, &c)| spikegpu::conformance::rel_err(g, c))
                .fold(0.0f32, f32::max);
            eprintln!("{}: GPU vs CPU max err {worst:e}", rule.class());
            if ctx.adapter.is_software() {
                assert!(gpu.values == cpu.values, "{}: the GPU learnt other bits", rule.class());
            } else {
                assert!(worst <= 5e-6, "{}: GPU vs CPU error {worst:e}", rule.class());
            }
        }
    }
}

mod builder {
    use super::*;
    use spikegpu::network::{LayerId, NetRecord, Network, NetworkBuilder, ProjectionSpec, TraceId, Weights};

    fn layers(batch: usize) -> (NetworkBuilder, LayerId, LayerId, [TraceId; 2]) {
        let mut b = NetworkBuilder::new(batch, 3);
        let input = b.bernoulli("input", N_PRE).expect("input");
        let out = b.population("out", common::lif_cell(), N_POST).expect("population");
        let t_in = b.trace("t_in", input, common::gated_trace(N_PRE)).expect("trace");
        let t_out = b.trace("t_out", out, common::gated_trace(N_POST)).expect("trace");
        (b, input, out, [t_in, t_out])
    }

    /// A network whose input drives `out` through a plastic connection learning with `rule`:
    /// dense with the connectivity as weight mask, or sparse with the same synapses.
    fn network(rule: &Rule, sparse: bool, batch: usize) -> (NetworkBuilder, LayerId, LayerId) {
        let (mut b, input, out, traces) = layers(batch);
        let weights: Vec<f32> = Key::from_seed(5).uniform(N_PRE * N_POST, 2.0, 6.0);
        let spec = if sparse {
            let mut list = Vec::new();
            for i in 0..N_PRE {
                for j in 0..N_POST {
                    if connected(i, j) {
                        list.push((i as u32, j as u32, weights[i * N_POST + j]));
                    }
                }
            }
            ProjectionSpec::list(list)
        } else {
            ProjectionSpec::dense(Weights::Values(weights))
        };
        let mut rule = rule.clone();
        if sparse {
            match &mut rule {
                Rule::Trace(r) => r.weight_mask.clear(),
                Rule::Exp(r) => r.weight_mask.clear(),
                _ => {}
            }
        }
        b.plastic_rule("w", input, out, spec, rule, &traces)
            .expect("plastic connection");
        (b, input, out)
    }

    /// 80 steps of training: the spike rasters, the learnt weights and the target's spike count.
    fn train<E: NetEngine>(mut net: Network<E>, input: LayerId, out: LayerId, batch: usize) -> (NetRun, Vec<f32>, u64) {
        net.set_input(input, &vec![0.3; batch * N_PRE]).expect("input");
        net.set_drive(out, &vec![16.0; batch * N_POST]).expect("drive");
        let run = net.run(80, 1.0, &NetRecord::spikes(&[input, out])).expect("run");
        let w = net.engine().graph().port("w.weights").expect("weights");
        let weights = net.engine().read(w).expect("weights");
        let fired = run.spike_count(out);
        (run, weights, fired)
    }

    /// Through the builder, in a running network (spikes feed back into the traces): a sparse
    /// TraceSTDP / ExpSTDP connection and the dense one masked to the same synapses give the
    /// same spikes and the same weights at every synapse, on the CPU and the GPU.
    #[test]
    fn a_sparse_plastic_connection_equals_the_masked_dense_one_in_a_network() {
        let mask: Vec<f32> = (0..N_PRE * N_POST)
            .map(|k| f32::from(u8::from(connected(k / N_POST, k % N_POST))))
            .collect();
        let ctx = common::gpu();
        for (rule, batch) in rules(&mask)
            .into_iter()
            .filter(|(r, _)| matches!(r, Rule::Trace(_) | Rule::Exp(_)))
        {
            let mut results = Vec::new();
            for sparse in [false, true] {
                let (b, input, out) = network(&rule, sparse, batch);
                results.push(train(b.build_cpu().expect("cpu"), input, out, batch));
                if let Some(ctx) = &ctx {
                    let (b, input, out) = network(&rule, sparse, batch);
                    results.push(train(b.build_gpu(ctx).expect("gpu"), input, out, batch));
                }
            }
            let per = results.len() / 2;
            let (dense, sparse) = results.split_at(per);
            let stored: Vec<usize> = (0..N_POST)
                .flat_map(|j| {
                    (0..N_PRE)
                        .filter(move |&i| connected(i, j))
                        .map(move |i| i * N_POST + j)
                })
                .collect();
            for (d, s) in dense.iter().zip(sparse) {
                assert_eq!(d.0.rasters, s.0.rasters, "{}: spikes differ", rule.class());
                let at: Vec<f32> = stored.iter().map(|&k| d.1[k]).collect();
                assert_eq!(at, s.1, "{}: weights differ", rule.class());
                assert!(d.2 > 5, "{}: the target hardly fired ({} spikes)", rule.class(), d.2);
            }
            assert_ne!(
                dense[0].1,
                network_initial(&rule),
                "{}: nothing was learnt",
                rule.class()
            );
        }
    }

    fn network_initial(rule: &Rule) -> Vec<f32> {
        let weights: Vec<f32> = Key::from_seed(5).uniform(N_PRE * N_POST, 2.0, 6.0);
        let mask = rule.weight_mask().map_or(vec![1.0; weights.len()], <[f32]>::to_vec);
        weights.iter().zip(mask).map(|(w, m)| w * m).collect()
    }
}
