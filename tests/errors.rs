//! Bad input gives a typed error, never a panic and never a silently wrong result.

use serde_json::json;
use spikegpu::cells::{self, LifCell, LifParams};
use spikegpu::conformance::Trace;
use spikegpu::integrators::Integrator;
use spikegpu::run::{Drive, Record};
use spikegpu::{Error, Population};

fn lif(p: LifParams) -> spikegpu::Result<LifCell> {
    LifCell::new(p)
}

fn pop(n: usize, b: usize) -> Population<spikegpu::CpuBackend> {
    Population::cpu(Box::new(lif(LifParams::with_tau_m(10.0)).expect("valid")), n, b, 0).expect("valid shape")
}

#[test]
fn non_positive_or_nan_tau_m() {
    for tau_m in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let err = lif(LifParams::with_tau_m(tau_m)).expect_err("must be rejected");
        assert!(matches!(err, Error::InvalidParameter { name: "tau_m", .. }), "{err}");
    }
}

#[test]
fn other_out_of_range_parameters() {
    let base = LifParams::with_tau_m(10.0);
    let cases = [
        (
            "resist_m",
            LifParams {
                resist_m: 0.0,
                ..base.clone()
            },
        ),
        (
            "tau_theta",
            LifParams {
                tau_theta: -1.0,
                ..base.clone()
            },
        ),
        (
            "refract_time",
            LifParams {
                refract_time: -0.5,
                ..base.clone()
            },
        ),
        (
            "thr",
            LifParams {
                thr: f32::NAN,
                ..base.clone()
            },
        ),
        (
            "v_min",
            LifParams {
                v_min: Some(f32::NEG_INFINITY),
                ..base.clone()
            },
        ),
    ];
    for (name, p) in cases {
        match lif(p) {
            Err(Error::InvalidParameter { name: got, .. }) => assert_eq!(got, name),
            other => panic!("{name}: expected InvalidParameter, got {other:?}"),
        }
    }
}

#[test]
fn integrators_lif_does_not_implement() {
    for integrator in [Integrator::Rk4, Integrator::Heun, Integrator::Ralston] {
        let err = lif(LifParams {
            integration_type: integrator,
            ..LifParams::with_tau_m(10.0)
        })
        .expect_err("unsupported");
        assert!(
            matches!(err, Error::UnsupportedIntegrator { cell: "LIFCell", .. }),
            "{err}"
        );
        assert!(err.to_string().contains("silently run Euler"), "{err}");
    }
    assert!(matches!(Integrator::parse("rk5"), Err(Error::UnknownIntegrator(_))));
    assert_eq!(Integrator::parse("rk2").expect("alias"), Integrator::Midpoint);
}

#[test]
fn keyword_arguments_are_checked() {
    let err =
        LifCell::from_params(json!({"tau_mm": 10.0, "tau_m": 10.0}).as_object().expect("object")).expect_err("typo");
    assert!(err.to_string().contains("did you mean `tau_m`"), "{err}");
    let err = LifCell::from_params(json!({"thr": -50.0}).as_object().expect("object")).expect_err("tau_m missing");
    assert!(matches!(err, Error::InvalidParameter { name: "tau_m", .. }), "{err}");
    let err = LifCell::from_params(json!({"tau_m": "ten"}).as_object().expect("object")).expect_err("wrong type");
    assert!(matches!(err, Error::InvalidParameter { name: "tau_m", .. }), "{err}");
    let err = LifCell::from_params(json!({"tau_m": 10, "one_spike": 1}).as_object().expect("object"))
        .expect_err("wrong type");
    assert!(
        matches!(err, Error::InvalidParameter { name: "one_spike", .. }),
        "{err}"
    );
    let err = LifCell::from_params(
        json!({"tau_m": 10, "surrogate_type": "sigmoid"})
            .as_object()
            .expect("object"),
    )
    .expect_err("unknown");
    assert!(
        matches!(
            err,
            Error::InvalidParameter {
                name: "surrogate_type",
                ..
            }
        ),
        "{err}"
    );
    let err = LifCell::from_params(
        json!({"tau_m": 10, "integration_type": "rk4"})
            .as_object()
            .expect("object"),
    )
    .expect_err("unsupported");
    assert!(matches!(err, Error::UnsupportedIntegrator { .. }), "{err}");
}

#[test]
fn impossible_shapes() {
    let cell = || Box::new(lif(LifParams::with_tau_m(10.0)).expect("valid")) as Box<dyn cells::CellModel>;
    assert!(matches!(Population::cpu(cell(), 0, 1, 0), Err(Error::InvalidShape(_))));
    assert!(matches!(Population::cpu(cell(), 1, 0, 0), Err(Error::InvalidShape(_))));
    assert!(matches!(
        Population::cpu(cell(), 1 << 20, 1 << 13, 0),
        Err(Error::InvalidShape(_))
    ));
}

#[test]
fn wrong_input_length_and_non_finite_input() {
    let mut p = pop(4, 2);
    assert!(matches!(
        p.set_input(&[1.0; 7]),
        Err(Error::InputLength {
            got: 7,
            expected: 8,
            ..
        })
    ));
    let mut bad = vec![1.0; 8];
    bad[5] = f32::NAN;
    assert!(matches!(p.set_input(&bad), Err(Error::NonFiniteInput { index: 5, .. })));
    bad[5] = f32::INFINITY;
    assert!(matches!(p.set_input(&bad), Err(Error::NonFiniteInput { index: 5, .. })));
    assert!(matches!(
        p.run(2, 0.1, Drive::Buffer(&[1.0; 15]), &Record::none()),
        Err(Error::InputLength {
            got: 15,
            expected: 16,
            ..
        })
    ));
    let mut run_input = vec![1.0; 16];
    run_input[9] = f32::NAN;
    assert!(matches!(
        p.run(2, 0.1, Drive::Buffer(&run_input), &Record::none()),
        Err(Error::NonFiniteInput { index: 9, .. })
    ));
    assert!(matches!(p.write("v", &[0.0; 3]), Err(Error::InputLength { .. })));
    // Nothing above changed the state.
    assert_eq!(p.read("v").expect("v"), vec![-65.0; 8]);
    assert_eq!(p.read("j").expect("j"), vec![0.0; 8]);
}

#[test]
fn bad_step_size_and_unknown_compartment() {
    let mut p = pop(3, 1);
    for dt in [0.0, -0.1, f64::NAN, f64::INFINITY, 1e-50] {
        assert!(matches!(p.step(dt), Err(Error::InvalidDt(_))), "dt = {dt}");
    }
    let err = p.read("w").expect_err("LIF has no w");
    assert!(
        matches!(err, Error::UnknownCompartment { .. }) && err.to_string().contains("thr_theta"),
        "{err}"
    );
}

#[test]
fn every_ngclearn_cell_resolves_and_unknown_names_are_errors() {
    // ngclearn 3.2.3's spiking cells (ngclearn.components.neurons.spiking), all implemented.
    let ngclearn = [
        "IFCell",
        "LIFCell",
        "QuadLIFCell",
        "SLIFCell",
        "WTASCell",
        "AdExCell",
        "FitzhughNagumoCell",
        "HodgkinHuxleyCell",
        "IzhikevichCell",
        "RAFCell",
    ];
    for class in ngclearn {
        let key = cells::lookup(class).expect("implemented").key;
        assert_eq!(cells::lookup(key).expect("implemented").class_name, class);
    }
    assert_eq!(cells::ngclearn_classes().count(), ngclearn.len());
    let err = cells::lookup("NoSuchCell").expect_err("unknown");
    assert!(
        matches!(err, Error::UnknownCell(_)) && err.to_string().contains("LIFCell (lif)"),
        "{err}"
    );
}

#[test]
fn malformed_trace_files_name_the_file_and_problem() {
    let dir = std::env::temp_dir().join(format!("spikegpu-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases = [
        ("not_json.json", "{ this is not json", "not valid JSON"),
        (
            "no_steps.json",
            r#"{"n_units": 2, "batch_size": 1}"#,
            "missing field `steps`",
        ),
        (
            "short_rows.json",
            r#"{"n_units": 2, "batch_size": 1, "steps": 1, "inputs": {"j": [[1.0]]}}"#,
            "has 1 values, expected 2",
        ),
    ];
    for (file, text, expected) in cases {
        let path = dir.join(file);
        std::fs::write(&path, text).expect("write");
        let err = Trace::load(&path).expect_err("malformed");
        let msg = err.to_string();
        assert!(msg.contains(file) && msg.contains(expected), "{msg}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// Each implemented cell built from ngclearn keyword arguments: a time constant ≤ 0 and every
/// integrator the reference does not implement for it are typed errors.
#[test]
fn every_cell_rejects_bad_time_constants_and_unimplemented_integrators() {
    // (cell, its required keyword arguments, a time-constant name, the integrators it implements)
    let table: &[(&str, serde_json::Value, &str, &[&str])] = &[
        (
            "LIFCell",
            json!({"tau_m": 10.0}),
            "tau_m",
            &["euler", "midpoint", "rk2"],
        ),
        ("AdExCell", json!({}), "tau_w", &["euler", "midpoint", "rk2"]),
        ("FitzhughNagumoCell", json!({}), "tau_w", &["euler", "midpoint", "rk2"]),
        (
            "HodgkinHuxleyCell",
            json!({"tau_v": 1.0}),
            "tau_v",
            &["euler", "midpoint", "rk2", "rk4"],
        ),
        ("IzhikevichCell", json!({}), "tau_w", &["euler", "midpoint", "rk2"]),
        ("RAFCell", json!({}), "tau_v", &["euler", "midpoint", "rk2"]),
    ];
    for (class, base, tau, supported) in table {
        let entry = cells::lookup(class).expect("implemented");
        let with = |key: &str, value: serde_json::Value| {
            let mut map = base.as_object().expect("object").clone();
            map.insert(key.to_string(), value);
            (entry.from_params)(&map)
        };
        (entry.from_params)(base.as_object().expect("object")).unwrap_or_else(|e| panic!("{class} defaults: {e}"));
        for bad in [0.0, -2.0] {
            match with(tau, json!(bad)) {
                Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, *tau, "{class}"),
                other => panic!("{class} {tau} = {bad}: {other:?}"),
            }
        }
        for method in [
            "euler",
            "midpoint",
            "rk2",
            "rk4",
            "heun",
            "rk2_heun",
            "ralston",
            "rk2_ralston",
        ] {
            let result = with("integration_type", json!(method));
            if supported.contains(&method) {
                result.unwrap_or_else(|e| panic!("{class} {method}: {e}"));
            } else {
                assert!(
                    matches!(result, Err(Error::UnsupportedIntegrator { .. })),
                    "{class} {method}"
                );
            }
        }
        assert!(
            matches!(with("no_such_param", json!(1.0)), Err(Error::InvalidParameter { .. })),
            "{class}"
        );
    }
}
