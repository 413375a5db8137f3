//! Network components against ngclearn 3.2.3's multi-component golden traces
//! (`../shared/conformance/network/`), on the CPU reference and on the GPU.

mod common;

use spikegpu::conformance::{Outcome, rel_err};
use spikegpu::network::trace::Compare;
use spikegpu::network::trace::{NetTrace, is_network_trace};
use spikegpu::network::{CpuNetwork, GpuNetwork};

/// The case families spikegpu implements: all of the public ones.
const NETWORK_CASES: &[&str] = &[
    "PoissonCell_",
    "BernoulliCell_",
    "DenseSynapse_",
    "StaticSynapse_",
    "ExponentialSynapse_",
    "VarTrace_",
    "TraceSTDPSynapse_",
    "DCSNN_",
    "EventSTDPSynapse_",
];

fn traces() -> Option<Vec<NetTrace>> {
    let dir = common::conformance_dir()?.join("network");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && is_network_trace(p))
        .collect();
    files.sort();
    assert!(
        files.len() >= 19,
        "expected the 19 public network traces, found {}",
        files.len()
    );
    Some(
        files
            .iter()
            .map(|p| NetTrace::load(p).unwrap_or_else(|e| panic!("{e}")))
            .collect(),
    )
}

fn is_network_case(trace: &NetTrace) -> bool {
    NETWORK_CASES.iter().any(|p| trace.case.starts_with(p))
}

#[test]
fn cpu_passes_every_encoder_and_synapse_trace() {
    let Some(traces) = traces() else { return };
    let mut passed = 0;
    for trace in &traces {
        let outcome = spikegpu::network::trace::replay(trace, CpuNetwork::new);
        eprintln!("{:<45} {} {}", trace.case, outcome.tag(), outcome.detail());
        if is_network_case(trace) {
            assert!(matches!(outcome, Outcome::Pass(_)), "{}: {outcome:?}", trace.case);
            passed += 1;
        } else {
            assert!(!matches!(outcome, Outcome::Fail(_)), "{}: {outcome:?}", trace.case);
        }
    }
    assert_eq!(passed, 19, "every public network trace");
}

#[test]
fn gpu_passes_every_encoder_and_synapse_trace() {
    let Some(traces) = traces() else { return };
    let Some(ctx) = common::gpu() else { return };
    for trace in traces.iter().filter(|t| is_network_case(t)) {
        let outcome = spikegpu::network::trace::replay(trace, |g| GpuNetwork::new(&ctx, g));
        eprintln!("{:<45} {} {}", trace.case, outcome.tag(), outcome.detail());
        assert!(matches!(outcome, Outcome::Pass(_)), "{}: {outcome:?}", trace.case);
    }
}

#[test]
fn a_wrong_synapse_semantic_is_caught() {
    // The replay must be able to fail: a changed conductance scale breaks the outputs.
    let Some(traces) = traces() else { return };
    let mut trace = traces
        .into_iter()
        .find(|t| t.case == "DenseSynapse_real_b3_bias_resist_gate")
        .expect("case");
    trace.components[0]
        .resolved_params
        .insert("g_conduct_factor".into(), serde_json::json!(2.4));
    let outcome = spikegpu::network::trace::replay(&trace, CpuNetwork::new);
    assert!(matches!(outcome, Outcome::Fail(_)), "{outcome:?}");
}

#[test]
fn a_wrong_key_chain_is_caught() {
    let Some(traces) = traces() else { return };
    let mut trace = traces
        .into_iter()
        .find(|t| t.case == "PoissonCell_default_const")
        .expect("case");
    trace.components[0].key.0[1] ^= 1;
    for k in trace.keys_initial.values_mut() {
        k.0[1] ^= 1;
    }
    let outcome = spikegpu::network::trace::replay(&trace, CpuNetwork::new);
    assert!(
        matches!(&outcome, Outcome::Fail(m) if m.contains("diverges")),
        "{outcome:?}"
    );
}

/// README §3 "Chain": the first Diehl & Cook file's state after its last step, with `final`
/// applied and passed through the reset process and `set_once`, equals the second file's
/// `initial` (keys included), on the CPU and the GPU: exactly for every exact compartment and
/// key, within `compare[q]` for continuous ones (XLA fuses `thr_theta·d + s·theta_plus` into one
/// multiply-add, so after 200 steps a threshold sits one ulp from a float32 port's, as the
/// README's own port found: 3e-8).
#[test]
fn the_two_diehl_cook_segments_chain() {
    use spikegpu::network::{NetEngine, normalize::normalize_columns};
    let Some(traces) = traces() else { return };
    let first = traces.iter().find(|t| t.case == "DCSNN_in16_hid8_s1").expect("s1");
    let second = traces.iter().find(|t| t.case == "DCSNN_in16_hid8_s2").expect("s2");
    fn check<E: NetEngine>(mut engine: E, first: &NetTrace, second: &NetTrace) {
        engine.reset().expect("reset");
        for (q, values) in &first.initial {
            let port = engine.graph().port(q).expect("port");
            if engine.graph().wire_of(port).is_none() {
                engine.write(port, values).expect("initial");
            }
        }
        let inputs: Vec<&[f32]> = first.input_names().iter().map(|q| first.inputs[q].as_slice()).collect();
        engine.run(&first.t, first.dt as f32, &inputs, &[]).expect("run s1");
        let w1 = engine.graph().port("W1.weights").expect("W1.weights");
        normalize_columns(&mut engine, w1, 9.6, 1).expect("normalize");
        engine.reset().expect("reset between samples");
        for q in &second.set_once {
            let port = engine.graph().port(q).expect("port");
            engine.write(port, &second.initial[q]).expect("set_once");
        }
        for (q, reference) in &second.initial {
            let port = engine.graph().port(q).expect("port");
            let ours = engine.read(port).expect("read");
            let tol = match second.compare.get(q) {
                Some(Compare::Tol(t)) => *t,
                _ => 0.0,
            };
            for (i, (&x, &r)) in ours.iter().zip(reference).enumerate() {
                assert!(rel_err(x, r) <= tol, "`{q}`[{i}] after the chain: {x}, ngclearn {r}");
            }
        }
        for (q, key) in &second.keys_initial {
            let c = engine.graph().find(q.trim_end_matches(".key")).expect("component");
            assert_eq!(engine.key(c), *key, "key `{q}` after the chain");
        }
    }
    let graph = || {
        let mut g = first.build_graph().expect("graph");
        for (q, key) in &first.keys_initial {
            let c = g.find(q.trim_end_matches(".key")).expect("component");
            g.components[c].key = *key;
        }
        g
    };
    check(CpuNetwork::new(graph()).expect("cpu"), first, second);
    if let Some(ctx) = common::gpu() {
        check(GpuNetwork::new(&ctx, graph()).expect("gpu"), first, second);
    }
}
