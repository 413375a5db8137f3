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

/// The trace's own values of one compartment, read independently of `Trace::load`.
fn raw_initial(path: &std::path::Path, name: &str) -> (Vec<f32>, Vec<usize>) {
    let root = common::json(path);
    let values = root["initial"][name]
        .as_array()
        .expect("initial values")
        .iter()
        .map(|x| x.as_f64().expect("a number") as f32)
        .collect();
    let shape = root["shapes"]["initial"][name]
        .as_array()
        .expect("a shape")
        .iter()
        .map(|d| d.as_u64().expect("a dimension") as usize)
        .collect();
    (values, shape)
}

#[test]
fn a_narrow_initial_compartment_is_broadcast_to_every_batch_row() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    for file in ["WTASCell_batch3.json", "SLIFCell_euler_batch2.json"] {
        let path = dir.join(file);
        let trace = Trace::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let (row, shape) = raw_initial(&path, "thr");
        assert_eq!(shape, vec![1, trace.n_units], "{file}: the case this test is about");
        assert!(trace.batch > 1, "{file}");
        let thr = &trace.initial["thr"];
        assert_eq!(thr.len(), trace.batch * trace.n_units, "{file}");
        for b in 0..trace.batch {
            assert_eq!(
                &thr[b * trace.n_units..(b + 1) * trace.n_units],
                &row[..],
                "{file}: row {b}"
            );
        }
        for (name, values) in trace
            .initial
            .iter()
            .chain(trace.outputs.iter().map(|(n, rows)| (n, &rows[0])))
        {
            assert_eq!(values.len(), trace.batch * trace.n_units, "{file}: `{name}`");
        }
    }
}

#[test]
fn a_shape_that_does_not_broadcast_or_fit_its_values_is_a_load_error() {
    let Some(dir) = common::conformance_dir() else {
        return;
    };
    let original = common::json(&dir.join("WTASCell_batch3.json"));
    let temp = std::env::temp_dir().join(format!("spikegpu-shapes-{}", std::process::id()));
    std::fs::create_dir_all(&temp).expect("temp dir");
    let cases: &[(&str, serde_json::Value, &str)] = &[
        // B = 3: two rows neither equal B nor broadcast; 8 values cannot fill them either.
        ("initial", serde_json::json!([2, 8]), "holds 16"),
        ("initial", serde_json::json!([2, 4]), "does not broadcast"),
        ("initial", serde_json::json!([3, 8]), "holds 24"),
        ("outputs", serde_json::json!([1, 8]), "expected 8"),
    ];
    for (part, shape, expected) in cases {
        let mut broken = original.clone();
        broken["shapes"][part]["thr"] = shape.clone();
        let path = temp.join("WTASCell_broken.json");
        std::fs::write(&path, broken.to_string()).expect("write");
        match Trace::load(&path) {
            Err(e) => assert!(e.to_string().contains(expected), "{part} {shape}: {e}"),
            Ok(_) => panic!("{part} thr with shape {shape} loaded"),
        }
    }
    // One-dimensional (N,) broadcasts as NumPy does.
    let mut flat = original.clone();
    flat["shapes"]["initial"]["thr"] = serde_json::json!([8]);
    let path = temp.join("WTASCell_flat.json");
    std::fs::write(&path, flat.to_string()).expect("write");
    let trace = Trace::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(trace.initial["thr"].len(), 24);
    std::fs::remove_dir_all(&temp).ok();
}
