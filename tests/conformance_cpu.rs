//! The CPU reference against every golden trace of an implemented cell.

mod common;

use spikegpu::Population;
use spikegpu::conformance::{self, Outcome, Trace};

#[test]
fn cpu_passes_every_implemented_trace() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let files = common::implemented_traces(&dir);
    // LIF (11), AdEx (2), FN (2), HH (3), Izhikevich (2), RAF (2) at least.
    assert!(files.len() >= 22, "only {} traces of implemented cells", files.len());
    for path in files {
        let trace = Trace::load(&path).unwrap_or_else(|e| panic!("{e}"));
        match conformance::replay(&trace, Population::cpu) {
            Outcome::Pass(_) => {}
            other => panic!("{}: {other:?}", trace.case),
        }
    }
}

#[test]
fn a_wrong_semantic_is_caught() {
    // The harness must be able to fail: replay a LIF trace with a changed parameter.
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let mut trace = Trace::load(&dir.join("LIFCell_euler_arctan_dt0.1.json")).expect("trace");
    trace.params.insert("v_reset".into(), serde_json::json!(-61.0));
    assert!(matches!(conformance::replay(&trace, Population::cpu), Outcome::Fail(_)));
}

#[test]
fn one_spike_trace_needs_the_exact_key_chain() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let mut trace = Trace::load(&dir.join("LIFCell_euler_one_spike_rng.json")).expect("trace");
    assert!(matches!(conformance::replay(&trace, Population::cpu), Outcome::Pass(_)));
    // Another seed picks other winners where two units spike together.
    trace.key_seed += 1;
    trace.key[1] += 1;
    let outcome = conformance::replay(&trace, Population::cpu);
    assert!(
        matches!(&outcome, Outcome::Fail(m) if m.contains("spike")),
        "{outcome:?}"
    );
}
