//! The CPU reference against every golden trace of an implemented cell.

mod common;

use spikegpu::Population;
use spikegpu::cells;
use spikegpu::conformance::{self, Outcome, Trace};

#[test]
fn cpu_passes_every_implemented_trace() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let mut ran = 0;
    for path in conformance::trace_files(&dir).expect("trace folder") {
        let trace = Trace::load(&path).unwrap_or_else(|e| panic!("{e}"));
        if cells::find(&trace.cell).is_none() {
            continue;
        }
        match conformance::replay(&trace, Population::cpu) {
            Outcome::Pass(_) => ran += 1,
            other => panic!("{}: {other:?}", trace.case),
        }
    }
    // Every LIF case of the public set, the per-step PRNG case included.
    assert!(ran >= 11, "only {ran} traces ran");
}

#[test]
fn a_wrong_semantic_is_caught() {
    // The harness must be able to fail: replay a LIF trace with a changed parameter.
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let mut trace = Trace::load(&dir.join("LIFCell_euler_arctan_dt0.1.json")).expect("trace");
    trace
        .params
        .insert("v_reset".into(), serde_json::json!(-61.0));
    assert!(matches!(
        conformance::replay(&trace, Population::cpu),
        Outcome::Fail(_)
    ));
}

#[test]
fn one_spike_trace_needs_the_exact_key_chain() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let mut trace = Trace::load(&dir.join("LIFCell_euler_one_spike_rng.json")).expect("trace");
    assert!(matches!(
        conformance::replay(&trace, Population::cpu),
        Outcome::Pass(_)
    ));
    // Another seed picks other winners where two units spike together.
    trace.key_seed += 1;
    trace.key[1] += 1;
    let outcome = conformance::replay(&trace, Population::cpu);
    assert!(
        matches!(&outcome, Outcome::Fail(m) if m.contains("spike")),
        "{outcome:?}"
    );
}
