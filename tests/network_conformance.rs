//! Network components against ngclearn 3.2.3's multi-component golden traces
//! (`../shared/conformance/network/`), on the CPU reference and on the GPU.

mod common;

use spikegpu::conformance::Outcome;
use spikegpu::network::trace::{NetTrace, is_network_trace};
use spikegpu::network::{CpuNetwork, GpuNetwork};

/// The cases spikegpu implements (encoders, synapses, traces); the STDP and Diehl & Cook cases
/// come with plasticity and are skipped by the replay until then.
const NETWORK_CASES: &[&str] = &[
    "PoissonCell_",
    "BernoulliCell_",
    "DenseSynapse_",
    "StaticSynapse_",
    "ExponentialSynapse_",
    "VarTrace_",
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
    assert_eq!(passed, 14, "the 10 encoder and synapse cases and the 4 VarTrace cases");
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
