//! ngclearn 3.2.3's ExpSTDPSynapse and MSTDPETSynapse against golden traces generated with the
//! real ngclearn (`tests/golden/plasticity_traces.py`, files in `tests/data/`), on the CPU
//! reference and on the GPU, with the conformance README's comparison rules.

mod common;

use std::path::Path;

use spikegpu::conformance::Outcome;
use spikegpu::network::trace::NetTrace;
use spikegpu::network::{CpuNetwork, GpuNetwork};

const CASES: &[&str] = &[
    "ExpSTDPSynapse_mask_tauw_b1_nodep_b2",
    "MSTDPETSynapse_elg_decay_mstdp_mu",
];

fn load(case: &str) -> NetTrace {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("{case}.json"));
    NetTrace::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn cpu_reproduces_ngclearn_exp_and_modulated_stdp() {
    for case in CASES {
        let trace = load(case);
        let outcome = spikegpu::network::trace::replay(&trace, CpuNetwork::new);
        eprintln!("{case:<45} {} {}", outcome.tag(), outcome.detail());
        assert!(matches!(outcome, Outcome::Pass(_)), "{case}: {outcome:?}");
    }
}

#[test]
fn gpu_reproduces_ngclearn_exp_and_modulated_stdp() {
    let Some(ctx) = common::gpu() else { return };
    for case in CASES {
        let trace = load(case);
        let outcome = spikegpu::network::trace::replay(&trace, |g| GpuNetwork::new(&ctx, g));
        eprintln!("{case:<45} {} {}", outcome.tag(), outcome.detail());
        assert!(matches!(outcome, Outcome::Pass(_)), "{case}: {outcome:?}");
    }
}

/// The replay can fail: ExpSTDP with its (ngclearn-unapplied) `tau_w` decay applied, or MSTDPET
/// without its eligibility decay, give other weights.
#[test]
fn a_wrong_rule_semantic_is_caught() {
    let mut trace = load("MSTDPETSynapse_elg_decay_mstdp_mu");
    trace.components[0]
        .resolved_params
        .insert("elg_decay".into(), serde_json::json!(1.0));
    let outcome = spikegpu::network::trace::replay(&trace, CpuNetwork::new);
    assert!(matches!(outcome, Outcome::Fail(_)), "{outcome:?}");
    let mut trace = load("ExpSTDPSynapse_mask_tauw_b1_nodep_b2");
    trace.components[0]
        .resolved_params
        .insert("exp_beta".into(), serde_json::json!(1.4));
    let outcome = spikegpu::network::trace::replay(&trace, CpuNetwork::new);
    assert!(matches!(outcome, Outcome::Fail(_)), "{outcome:?}");
}

mod api {
    use spikegpu::network::mstdpet::Mstdpet;
    use spikegpu::network::normalize::normalize_columns;
    use spikegpu::network::rules::Rule;
    use spikegpu::network::stdp::TraceStdp;
    use spikegpu::network::{
        LayerId, NetEngine, NetRecord, Network, NetworkBuilder, ProjectionId, ProjectionSpec, TraceId, Weights,
    };

    use super::common;

    fn modulated() -> Mstdpet {
        Mstdpet {
            stdp: TraceStdp {
                a_plus: 0.05,
                a_minus: 0.03,
                eta: 1.0,
                mu: 0.0,
                pretrace_target: 0.0,
                w_bound: 8.0,
                tau_w: 0.0,
                weight_mask: Vec::new(),
            },
            tau_elg: 20.0,
            elg_decay: 1.0,
            inv_tau_w: 0.0,
        }
    }

    fn layers(batch: usize) -> (NetworkBuilder, LayerId, LayerId, [TraceId; 2]) {
        let mut b = NetworkBuilder::new(batch, 3);
        let input = b.bernoulli("input", 8).expect("input");
        let out = b.population("out", common::lif_cell(), 4).expect("population");
        let t_in = b.trace("t_in", input, common::gated_trace(8)).expect("trace");
        let t_out = b.trace("t_out", out, common::gated_trace(4)).expect("trace");
        (b, input, out, [t_in, t_out])
    }

    fn reward_net(spec: ProjectionSpec) -> (NetworkBuilder, LayerId, LayerId, ProjectionId) {
        let (mut b, input, out, traces) = layers(1);
        let w = b
            .plastic_rule("w", input, out, spec, Rule::Modulated(modulated()), &traces)
            .expect("MSTDPET connection");
        (b, input, out, w)
    }

    /// Runs 60 steps with a reward per step, either streamed or set before each one-step run;
    /// returns the weights after every step.
    fn rewarded<E: NetEngine>(
        mut net: Network<E>,
        input: LayerId,
        out: LayerId,
        w: ProjectionId,
        rewards: &[f32],
        streamed: bool,
    ) -> Vec<Vec<f32>> {
        net.set_input(input, &[0.4; 8]).expect("input");
        net.set_drive(out, &[16.0; 4]).expect("drive");
        let port = net.engine().graph().port("w.weights").expect("weights");
        let mut weights = Vec::new();
        if streamed {
            let record = NetRecord::default();
            for (k, chunk) in rewards.chunks(20).enumerate() {
                net.run_modulated(chunk.len(), 1.0, &record, &[(w, chunk)])
                    .unwrap_or_else(|e| panic!("chunk {k}: {e}"));
                weights.push(net.engine().read(port).expect("weights"));
            }
        } else {
            for (k, &r) in rewards.iter().enumerate() {
                net.set_modulator(w, &[r]).expect("modulator");
                net.run(1, 1.0, &NetRecord::default()).expect("step");
                if k % 20 == 19 {
                    weights.push(net.engine().read(port).expect("weights"));
                }
            }
        }
        weights
    }

    /// MSTDP-ET through the builder: a zero reward freezes the weights; a reward streamed per
    /// step equals the same rewards set before each step; dense and sparse (all pairs stored)
    /// learn the same; the GPU learns the CPU's weights.
    #[test]
    fn a_reward_modulated_connection_learns_only_when_rewarded() {
        let rewards: Vec<f32> = (0..60).map(|k| if k % 3 == 0 { 1.0 } else { -0.5 }).collect();
        let dense = || ProjectionSpec::dense(Weights::Constant(3.0));
        let all_pairs = || ProjectionSpec::list((0..8u32).flat_map(|i| (0..4u32).map(move |j| (i, j, 3.0))).collect());
        let (b, input, out, w) = reward_net(dense());
        let frozen = rewarded(b.build_cpu().expect("cpu"), input, out, w, &[0.0; 60], true);
        assert!(
            frozen.iter().all(|x| x == &vec![3.0; 32]),
            "a zero reward changed the weights"
        );
        let (b, input, out, w) = reward_net(dense());
        let streamed = rewarded(b.build_cpu().expect("cpu"), input, out, w, &rewards, true);
        assert_ne!(streamed.last(), Some(&vec![3.0; 32]), "nothing was learnt");
        let (b, input, out, w) = reward_net(dense());
        let stepped = rewarded(b.build_cpu().expect("cpu"), input, out, w, &rewards, false);
        assert_eq!(
            streamed, stepped,
            "a streamed reward differs from the same reward set per step"
        );
        let (b, input, out, w) = reward_net(all_pairs());
        let sparse = rewarded(b.build_cpu().expect("cpu"), input, out, w, &rewards, true);
        // All pairs stored: the by-post order is the transpose of the dense (N_pre, N_post) order.
        let transposed: Vec<Vec<f32>> = streamed
            .iter()
            .map(|d| (0..4).flat_map(|j| (0..8).map(move |i| d[i * 4 + j])).collect())
            .collect();
        assert_eq!(sparse, transposed, "sparse MSTDP-ET differs from dense");
        if let Some(ctx) = common::gpu() {
            let (b, input, out, w) = reward_net(dense());
            let gpu = rewarded(b.build_gpu(&ctx).expect("gpu"), input, out, w, &rewards, true);
            if ctx.adapter.is_software() {
                assert_eq!(gpu, streamed, "the GPU learnt other weights");
            }
            let (b, input, out, w) = reward_net(dense());
            let gpu = rewarded(b.build_gpu(&ctx).expect("gpu"), input, out, w, &rewards, false);
            if ctx.adapter.is_software() {
                assert_eq!(gpu, streamed, "the GPU learnt other weights with per-step set rewards");
            }
        }
    }

    fn error_of<T: std::fmt::Debug>(r: spikegpu::Result<T>) -> String {
        r.expect_err("expected an error").to_string()
    }

    /// Bad input of plastic connections gives errors that name the part and what is wrong.
    #[test]
    fn bad_plastic_input_is_refused_with_clear_errors() {
        let trace_rule = || {
            Rule::Trace(TraceStdp {
                a_plus: 0.05,
                a_minus: 0.03,
                eta: 1.0,
                mu: 0.0,
                pretrace_target: 0.0,
                w_bound: 1.0,
                tau_w: 0.0,
                weight_mask: Vec::new(),
            })
        };
        // A rule whose source or target has no trace.
        let (mut b, input, out, [t_in, t_out]) = layers(1);
        let spec = || ProjectionSpec::fixed_probability(0.5, 1.0);
        let e = error_of(b.plastic_rule("w", input, out, spec(), trace_rule(), &[t_out]));
        assert!(
            e.contains("`w`") && e.contains("TraceSTDPSynapse") && e.contains("preTrace") && e.contains("`input`"),
            "{e}"
        );
        let e = error_of(b.plastic_rule("w", input, out, spec(), Rule::Modulated(modulated()), &[t_in]));
        assert!(
            e.contains("`w`") && e.contains("MSTDPETSynapse") && e.contains("postTrace") && e.contains("`out`"),
            "{e}"
        );
        // Connectivity without stored weights, a sparse projection with a zero weight mask.
        let e = error_of(b.plastic_rule(
            "w",
            input,
            out,
            ProjectionSpec::procedural(0.5, 1.0),
            trace_rule(),
            &[t_in, t_out],
        ));
        assert!(e.contains("needs stored weights"), "{e}");
        let mut masked = trace_rule();
        if let Rule::Trace(r) = &mut masked {
            r.weight_mask = vec![0.0; 32];
        }
        let e = error_of(b.plastic_rule("w", input, out, spec(), masked, &[t_in, t_out]));
        assert!(e.contains("empty weight mask"), "{e}");
        // A rule on an event-driven projection (its weights are stored by source unit).
        let e = error_of(b.plastic_rule("w", input, out, spec().event_driven(), trace_rule(), &[t_in, t_out]));
        assert!(e.contains("needs gather propagation"), "{e}");
        // Bad constants of the new rules.
        let mut bad = modulated();
        bad.tau_elg = -1.0;
        let e = error_of(b.plastic_rule("w", input, out, spec(), Rule::Modulated(bad), &[t_in, t_out]));
        assert!(e.contains("tau_elg >= 0") && e.contains("-1"), "{e}");
        let exp = spikegpu::network::exp_stdp::ExpStdp::new(0.1, 0.1, 1.0, 1.0, 0.0, 0.015, 0.0, Vec::new());
        let e = error_of(b.plastic_rule("w", input, out, spec(), Rule::Exp(exp), &[t_in, t_out]));
        assert!(e.contains("w_bound = 0.015 must exceed 0.02"), "{e}");
        // MSTDPET with batch 2.
        let (mut b2, input2, out2, traces2) = layers(2);
        let e = error_of(b2.plastic_rule("w", input2, out2, spec(), Rule::Modulated(modulated()), &traces2));
        assert!(e.contains("batch 1 only"), "{e}");
        // A modulator of the wrong shape, or on a connection without one.
        let (b, _, _, w) = reward_net(ProjectionSpec::dense(Weights::Constant(1.0)));
        let mut net = b.build_cpu().expect("cpu");
        let e = error_of(net.set_modulator(w, &[1.0, 2.0]));
        assert!(
            e.contains("w.modulator") && e.contains("(1, 1)") && e.contains("got 2"),
            "{e}"
        );
        let e = error_of(net.run_modulated(10, 1.0, &NetRecord::default(), &[(w, &[0.5; 9])]));
        assert!(e.contains("expected 10 value(s)") && e.contains("got 9"), "{e}");
        let e = error_of(net.set_modulator(w, &[f32::NAN]));
        assert!(e.contains("not finite"), "{e}");
        let (mut b, input, out, traces) = layers(1);
        let p = b
            .plastic_rule("p", input, out, spec(), trace_rule(), &traces)
            .expect("trace rule");
        let mut net = b.build_cpu().expect("cpu");
        let e = error_of(net.set_modulator(p, &[1.0]));
        assert!(
            e.contains("only an MSTDPETSynapse") && e.contains("TraceSTDPSynapse"),
            "{e}"
        );
        // A normalisation target that is not positive.
        let (b, input, out, traces) = layers(1);
        let mut b = b;
        b.plastic_rule(
            "d",
            input,
            out,
            ProjectionSpec::dense(Weights::Constant(1.0)),
            trace_rule(),
            &traces,
        )
        .expect("dense trace rule");
        let mut net = b.build_cpu().expect("cpu");
        let port = net.engine().graph().port("d.weights").expect("weights");
        for target in [0.0, -1.0, f32::NAN] {
            let e = error_of(normalize_columns(net.engine(), port, target, 1));
            assert!(
                e.contains("d.weights") && e.contains("must be positive"),
                "{target}: {e}"
            );
        }
    }

    /// Trace files: an MSTDPETSynapse with batch 2 (ngclearn cannot broadcast its modulator) and
    /// an ExpSTDPSynapse whose clip range is empty are refused, naming the component.
    #[test]
    fn bad_trace_file_rules_are_refused() {
        let mut trace = super::load("MSTDPETSynapse_elg_decay_mstdp_mu");
        trace.components[0]
            .resolved_params
            .insert("batch_size".into(), serde_json::json!(2));
        let e = error_of(trace.build_graph());
        assert!(e.contains("R") && e.contains("batch 1 only"), "{e}");
        let mut trace = super::load("ExpSTDPSynapse_mask_tauw_b1_nodep_b2");
        trace.components[1]
            .resolved_params
            .insert("w_bound".into(), serde_json::json!(0.02));
        let e = error_of(trace.build_graph());
        assert!(e.contains("Y") && e.contains("must exceed 0.02"), "{e}");
    }
}
