//! Heterogeneous populations (src/cells/heterogeneous.rs): for every cell of the registry, a
//! population of N neurons whose float parameters differ per neuron must compute, at neuron n,
//! exactly what a uniform population with neuron n's parameters computes there (CPU, bit for
//! bit; the same position, so that construction draws such as SLIF's jitter agree), and the
//! GPU must match the CPU as for uniform cells; cells whose step couples a row, and parameters
//! that must stay scalar, are refused with an error naming the parameter.

mod common;

use serde_json::{Map, Value};
use spikegpu::ExecMode;
use spikegpu::cells::heterogeneous::{self, PerNeuron};
use spikegpu::cells::{CELLS, CellEntry, CellModel};
use spikegpu::conformance::Outcome;
use spikegpu::rng::Key;
use spikegpu::run::{Drive, Record};
use spikegpu::{Error, Population, selfcheck};

const N: usize = 6;
const BATCH: usize = 2;
const STEPS: usize = 200;

/// A value for each parameter ngclearn requires.
fn required_value(name: &str) -> f32 {
    match name {
        "tau_v" => 1.0,
        "thr" => 0.5,
        _ => 10.0,
    }
}

/// The keyword arguments with every required parameter given.
fn base_params(entry: &CellEntry) -> Map<String, Value> {
    entry
        .params
        .iter()
        .filter(|d| d.default == "required")
        .map(|d| (d.name.to_string(), Value::from(f64::from(required_value(d.name)))))
        .collect()
}

/// Every float parameter that may vary, with N values spread ±6 % around its default (or
/// 0.01·n where the default is 0): `(name, values)`. Parameters whose values would switch an
/// option of the kernel (SLIF's `resist_inh > 0` turns on its inhibition pass) keep their default.
fn varied(entry: &CellEntry, base: &dyn CellModel) -> Vec<(&'static str, Vec<f32>)> {
    let same_variant = |name: &str, value: f32| {
        let mut params = base_params(entry);
        params.insert(name.to_string(), Value::from(f64::from(value)));
        (entry.from_params)(&params).is_ok_and(|c| c.gpu_overrides() == base.gpu_overrides())
    };
    entry
        .params
        .iter()
        .filter(|d| d.per_neuron)
        .filter_map(|d| {
            let default: f32 = if d.default == "required" {
                required_value(d.name)
            } else {
                d.default.parse().ok()?
            };
            let values = (0..N)
                .map(|n| {
                    let x = n as f32 / (N - 1) as f32 - 0.5;
                    if default == 0.0 {
                        0.01 * n as f32
                    } else {
                        default * (1.0 + 0.12 * x)
                    }
                })
                .collect::<Vec<f32>>();
            values
                .iter()
                .all(|&v| same_variant(d.name, v))
                .then_some((d.name, values))
        })
        .collect()
}

/// Per-neuron parameter columns: `(name, N values)`.
type Columns = Vec<(&'static str, Vec<f32>)>;

/// The heterogeneous cell of `entry` and its per-neuron parameter columns, or the error.
fn heterogeneous_cell(entry: &'static CellEntry) -> spikegpu::Result<(Box<dyn CellModel>, Columns)> {
    let params = base_params(entry);
    let base = (entry.from_params)(&params)?;
    let columns = varied(entry, base.as_ref());
    let spec: Vec<(&str, PerNeuron)> = columns
        .iter()
        .map(|(name, v)| (*name, PerNeuron::Values(v.clone())))
        .collect();
    let mut scalars = params;
    for (name, _) in &columns {
        scalars.remove(*name);
    }
    let cell = heterogeneous::build(entry, &scalars, &spec, N, Key::from_seed(1))?;
    Ok((cell, columns))
}

/// The uniform cell with neuron n's parameters.
fn neuron_cell(entry: &CellEntry, columns: &[(&str, Vec<f32>)], n: usize) -> Box<dyn CellModel> {
    let mut params = base_params(entry);
    for (name, values) in columns {
        params.insert(name.to_string(), Value::from(f64::from(values[n])));
    }
    (entry.from_params)(&params).expect("each neuron's parameters are valid")
}

/// Cells whose step is each neuron's own (no row passes in the default variant).
fn capable(entry: &CellEntry) -> bool {
    let cell = (entry.from_params)(&base_params(entry)).expect("defaults are valid");
    entry.elementwise && !cell.has_row_passes()
}

/// What a population goes through: its construction state, a run, `reset()`, a second run:
/// the two rasters and the state after construction, after the reset and at the end.
struct History {
    rasters: [spikegpu::run::Recording; 2],
    states: [Vec<Vec<f32>>; 3],
}

fn history(pop: &mut Population<spikegpu::CpuBackend>, inputs: &[f32], dt: f64, mode: ExecMode) -> History {
    let record = Record {
        spikes: true,
        ..Record::none()
    };
    let names: Vec<&str> = pop.cell().compartments().iter().map(|c| c.name).collect();
    let state = |pop: &mut Population<spikegpu::CpuBackend>| names.iter().map(|c| pop.read(c).unwrap()).collect();
    let initial = state(pop);
    let first = pop.run_with(STEPS, dt, Drive::Buffer(inputs), &record, mode).unwrap();
    pop.reset().unwrap();
    let after_reset = state(pop);
    let second = pop.run_with(STEPS, dt, Drive::Buffer(inputs), &record, mode).unwrap();
    History {
        rasters: [first, second],
        states: [initial, after_reset, state(pop)],
    }
}

#[test]
fn per_neuron_population_equals_uniform_single_neurons_on_the_cpu() {
    for entry in CELLS.iter().copied().filter(|e| capable(e)) {
        let (cell, columns) = heterogeneous_cell(entry).unwrap_or_else(|e| panic!("{}: {e}", entry.key));
        assert!(!columns.is_empty(), "{}: no parameter varies", entry.key);
        assert!(cell.neuron_count() == Some(N), "{}: not heterogeneous", entry.key);
        let (lo, hi) = cell.random_ranges()[spikegpu::cells::input_index(cell.as_ref()).unwrap()];
        // Strong enough that every cell spikes in the run.
        let inputs = Key::from_seed(11).uniform(STEPS * BATCH * N, 0.5 * (lo + hi), 1.5 * hi);
        let dt = cell.check_dt();
        for mode in [ExecMode::PerStep, ExecMode::Auto] {
            let all = history(
                &mut Population::cpu(cell.boxed(), N, BATCH, 0).unwrap(),
                &inputs,
                dt,
                mode,
            );
            for n in 0..N {
                let at = |b: usize| b * N + n;
                // A uniform population with neuron n's parameters; its neuron n (the same
                // construction draws, where the cell draws any).
                let mut uniform = Population::cpu(neuron_cell(entry, &columns, n), N, BATCH, 0).unwrap();
                let one = history(&mut uniform, &inputs, dt, mode);
                for (r, (a, b)) in all.rasters.iter().zip(&one.rasters).enumerate() {
                    for k in 0..STEPS {
                        for row in 0..BATCH {
                            assert_eq!(
                                a.spiked(k, at(row)),
                                b.spiked(k, at(row)),
                                "{} neuron {n} row {row}: spike at step {k} of run {r} ({mode:?})",
                                entry.key
                            );
                        }
                    }
                }
                for (when, (a, b)) in ["construction", "reset", "the second run"]
                    .iter()
                    .zip(all.states.iter().zip(&one.states))
                {
                    for (c, comp) in cell.compartments().iter().enumerate() {
                        let got: Vec<f32> = (0..BATCH).map(|row| a[c][at(row)]).collect();
                        let expected: Vec<f32> = (0..BATCH).map(|row| b[c][at(row)]).collect();
                        assert_eq!(
                            bits(&got),
                            bits(&expected),
                            "{} neuron {n}: `{}` after {when} ({mode:?})",
                            entry.key,
                            comp.name
                        );
                    }
                }
            }
            let spikes: u32 = all.rasters.iter().map(|r| r.spike_counts().iter().sum::<u32>()).sum();
            println!(
                "{}: {} parameters per neuron, {spikes} spikes ({mode:?})",
                entry.key,
                columns.len()
            );
        }
    }
}

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn per_neuron_population_on_the_gpu_matches_the_cpu() {
    let Some(ctx) = common::gpu() else { return };
    for entry in CELLS.iter().copied().filter(|e| capable(e)) {
        let (cell, _) = heterogeneous_cell(entry).unwrap();
        let outcome = selfcheck::check_variant(&ctx, cell.as_ref(), N, BATCH, 5).expect("check runs");
        assert!(
            matches!(outcome, Outcome::Pass(_)),
            "{}: {outcome:?}",
            cell.variant_name()
        );
        // From the per-neuron construction values, a longer fused run: the same spikes.
        let (lo, hi) = cell.random_ranges()[spikegpu::cells::input_index(cell.as_ref()).unwrap()];
        let drive = Drive::Constant(0.5 * (lo + hi));
        let record = Record {
            spikes: true,
            ..Record::none()
        };
        let mut gpu = Population::gpu(&ctx, cell.boxed(), N, BATCH, 0).unwrap();
        let mut cpu = Population::cpu(cell.boxed(), N, BATCH, 0).unwrap();
        let mode = selfcheck::Exactness::for_cell(&ctx, cell.as_ref());
        assert_eq!(
            selfcheck::compare_populations(&mut gpu, &mut cpu, mode).unwrap(),
            None,
            "{}: initial",
            entry.key
        );
        let g = gpu.run(STEPS, cell.check_dt(), drive, &record).unwrap();
        let c = cpu.run(STEPS, cell.check_dt(), drive, &record).unwrap();
        assert_eq!(g.raster, c.raster, "{}: spike rasters", entry.key);
        assert_eq!(
            selfcheck::compare_populations(&mut gpu, &mut cpu, mode).unwrap(),
            None,
            "{}: after a run",
            entry.key
        );
    }
}

/// LIF's `resist_m·dt/tau_m` (the surrogate's scale, as XLA compiles ngclearn's division by the
/// constant: `(resist_m·dt)·f32(1/tau_m)`) is a step constant computed on the host: with a
/// per-neuron `tau_m` it is per neuron too, for each run's step size.
#[test]
fn step_constants_follow_per_neuron_parameters() {
    let lif = spikegpu::cells::lookup("lif").unwrap();
    let taus = vec![5.0, 10.0, 20.0];
    let cell = heterogeneous::build(
        lif,
        &Map::new(),
        &[("tau_m", PerNeuron::Values(taus.clone()))],
        3,
        Key::from_seed(0),
    )
    .unwrap();
    for dt in [0.1f32, 0.25] {
        let planes = cell.gpu_step_constant_planes(dt).expect("per-neuron step constants");
        for (n, tau) in taus.iter().enumerate() {
            // resist_m is 1, so resist_m·dt is dt.
            assert_eq!(
                planes[3 + n],
                dt * (1.0 / tau),
                "surrogate scale of neuron {n} at dt = {dt}"
            );
        }
    }
    let tau = serde_json::json!({"tau_m": 10.0}).as_object().unwrap().clone();
    let uniform = heterogeneous::build(
        lif,
        &tau,
        &[("thr", PerNeuron::uniform(-55.0, -50.0))],
        3,
        Key::from_seed(0),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(uniform.neuron_count() == Some(3) && uniform.gpu_step_constant_planes(0.1).is_none());
}

#[test]
fn uniform_values_give_the_plain_cell() {
    let entry = spikegpu::cells::lookup("izhikevich").unwrap();
    let cell = heterogeneous::build(
        entry,
        &Map::new(),
        &[("v_reset", PerNeuron::Values(vec![-60.0; N]))],
        N,
        Key::from_seed(0),
    )
    .unwrap();
    assert_eq!(cell.neuron_count(), None);
    assert_eq!(
        cell.gpu_params(),
        (entry.from_params)(&serde_json::json!({"v_reset": -60.0}).as_object().unwrap().clone())
            .unwrap()
            .gpu_params()
    );
}

#[test]
fn distributions_are_drawn_once_from_the_key() {
    let entry = spikegpu::cells::lookup("izhikevich").unwrap();
    let build = |seed| {
        heterogeneous::from_params(
            entry,
            serde_json::json!({"w_reset": {"uniform": [2.0, 8.0]}, "v_reset": {"normal": [-65.0, 3.0]}})
                .as_object()
                .unwrap(),
            100,
            Key::from_seed(seed),
        )
        .unwrap()
    };
    let planes = |c: &dyn CellModel| c.gpu_param_planes().unwrap().to_vec();
    assert_eq!(planes(build(3).as_ref()), planes(build(3).as_ref()));
    assert_ne!(planes(build(3).as_ref()), planes(build(4).as_ref()));
    // w_reset's plane: uniform in [2, 8), spread over the range.
    let cell = build(3);
    let field = entry.layout.uniform.iter().position(|f| *f == "w_reset").unwrap();
    let w: Vec<f32> = planes(cell.as_ref())[field * 100..(field + 1) * 100].to_vec();
    assert!(w.iter().all(|&x| (2.0..8.0).contains(&x)), "{w:?}");
    assert!(w.iter().any(|&x| x < 3.0) && w.iter().any(|&x| x > 7.0), "{w:?}");
}

fn error_text(result: spikegpu::Result<Box<dyn CellModel>>) -> String {
    match result {
        Ok(cell) => panic!("expected an error, got {}", cell.variant_name()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_per_neuron_values_are_errors_naming_the_parameter() {
    let izh = spikegpu::cells::lookup("izhikevich").unwrap();
    let none = Map::new();
    let build = |entry, params: &Map<String, Value>, name, spec| {
        heterogeneous::build(entry, params, &[(name, spec)], N, Key::from_seed(0))
    };
    let text = error_text(build(izh, &none, "v_reset", PerNeuron::Values(vec![-65.0; N - 1])));
    assert!(
        text.contains("v_reset") && text.contains("expected n_units = 6"),
        "{text}"
    );
    let text = error_text(build(izh, &none, "v_rest", PerNeuron::Values(vec![-65.0; N])));
    assert!(text.contains("v_reset"), "closest name: {text}");
    let text = error_text(build(izh, &none, "integration_type", PerNeuron::Values(vec![0.0; N])));
    assert!(
        text.contains("integration_type") && text.contains("only float parameters"),
        "{text}"
    );
    let text = error_text(build(
        izh,
        &none,
        "tau_w",
        PerNeuron::Values(vec![50.0, -1.0, 50.0, 50.0, 50.0, 50.0]),
    ));
    assert!(text.contains("tau_w"), "rule checked per neuron: {text}");
    let given = serde_json::json!({"v_reset": -60.0}).as_object().unwrap().clone();
    let text = error_text(build(izh, &given, "v_reset", PerNeuron::uniform(-65.0, -60.0)));
    assert!(text.contains("given twice"), "{text}");
    let text = error_text(build(izh, &none, "v_reset", PerNeuron::uniform(-60.0, -65.0)));
    assert!(text.contains("v_reset") && text.contains("low <= high"), "{text}");
    let lif = spikegpu::cells::lookup("lif").unwrap();
    // Row-coupled cells and options keep uniform parameters.
    let one_spike = serde_json::json!({"tau_m": 10.0, "one_spike": true})
        .as_object()
        .unwrap()
        .clone();
    let text = error_text(build(lif, &one_spike, "thr", PerNeuron::uniform(-55.0, -50.0)));
    assert!(
        text.contains("thr") && text.contains("couples the neurons of a row"),
        "{text}"
    );
    for entry in CELLS.iter().copied().filter(|e| !capable(e)) {
        let params = base_params(entry);
        let name = entry
            .params
            .iter()
            .find(|d| d.per_neuron && d.default != "required")
            .unwrap()
            .name;
        let text = error_text(build(
            entry,
            &params,
            name,
            PerNeuron::Values((0..N).map(|n| 0.1 + n as f32 * 0.01).collect()),
        ));
        assert!(
            text.contains(name) && text.contains("couples the neurons of a row"),
            "{}: {text}",
            entry.key
        );
    }
    // A population of another size.
    let (cell, _) = heterogeneous_cell(lif).unwrap();
    let err = Population::cpu(cell, N + 1, 1, 0).unwrap_err();
    assert!(
        matches!(err, Error::InvalidShape(_)) && err.to_string().contains("given for 6 neurons"),
        "{err}"
    );
}

#[test]
fn config_tables_give_per_neuron_values() {
    let entry = spikegpu::cells::lookup("izhikevich").unwrap();
    let map = serde_json::json!({"v_reset": [-65.0, -60.0, -55.0], "w_reset": {"uniform": [2.0, 8.0]}, "v_thr": 30.0});
    let cell = heterogeneous::from_params(entry, map.as_object().unwrap(), 3, Key::from_seed(0)).unwrap();
    assert_eq!(cell.neuron_count(), Some(3));
    let bad = serde_json::json!({"v_reset": {"unifrom": [0.0, 1.0]}});
    let text = error_text(heterogeneous::from_params(
        entry,
        bad.as_object().unwrap(),
        3,
        Key::from_seed(0),
    ));
    assert!(text.contains("did you mean `uniform`"), "{text}");
}

#[cfg(feature = "cli")]
#[test]
fn toml_files_give_per_neuron_parameters() {
    use spikegpu::config::RunConfig;
    use spikegpu::netconfig::NetworkConfig;
    let file = std::path::Path::new("het.toml");
    let run = |params: &str| {
        RunConfig::parse(
            file,
            &format!(
                "cell = \"IzhikevichCell\"\nn_units = 4\ndt = 0.5\nsteps = 10\n[params]\n{params}\n[drive]\nkind = \"constant\"\nvalue = 10.0\n"
            ),
        )
    };
    let cfg = run("v_reset = { uniform = [-65.0, -50.0] }\nw_reset = [2.0, 4.0, 6.0, 8.0]").unwrap();
    assert_eq!(cfg.cell.neuron_count(), Some(4));
    let text = run("v_reset = { unifrom = [-65.0, -50.0] }").unwrap_err().to_string();
    assert!(
        text.contains("params") && text.contains("did you mean `uniform`"),
        "{text}"
    );
    let text = run("w_reset = [2.0, 4.0]").unwrap_err().to_string();
    assert!(
        text.contains("w_reset") && text.contains("expected n_units = 4"),
        "{text}"
    );
    let net = |params: &str| {
        NetworkConfig::parse(
            file,
            &format!(
                "dt = 0.5\nsteps = 10\n[[population]]\nname = \"exc\"\ncell = \"IzhikevichCell\"\nn_units = 3\n[population.params]\n{params}\n"
            ),
        )
    };
    assert!(net("v_reset = { normal = [-65.0, 2.0] }").is_ok());
    let text = net("integration_type = [\"euler\", \"euler\", \"euler\"]")
        .unwrap_err()
        .to_string();
    assert!(text.contains("integration_type"), "{text}");
}
