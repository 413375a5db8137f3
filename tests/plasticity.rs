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
