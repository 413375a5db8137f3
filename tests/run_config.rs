//! `spikegpu run`: every shipped config runs, its NumPy files read back with an independent
//! reader (Python's standard library, no NumPy needed), and bad configs name the file, the key
//! and what was expected.

use std::path::{Path, PathBuf};
use std::process::Command;

use spikegpu::config::RunConfig;
use spikegpu::{Error, Population, npy};

fn configs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/configs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("configs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    files
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spikegpu-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The run's `run.json`.
fn run_summary(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("run.json")).expect("run.json");
    serde_json::from_str(&text).expect("run.json is JSON")
}

/// Reads an .npy file with Python's standard library: returns (dtype, shape, values).
fn python_read(path: &Path) -> Option<(String, Vec<usize>, Vec<f64>)> {
    let script = r#"
import ast, json, struct, sys
data = open(sys.argv[1], 'rb').read()
assert data[:6] == b'\x93NUMPY', 'magic'
n = struct.unpack('<H', data[8:10])[0]
header = ast.literal_eval(data[10:10 + n].decode('latin1'))
assert (10 + n) % 64 == 0, 'alignment'
fmt = {'<f4': 'f', '<f8': 'd', '<i8': 'q'}[header['descr']]
count = 1
for d in header['shape']:
    count *= d
values = struct.unpack('<%d%s' % (count, fmt), data[10 + n:])
print(json.dumps({'descr': header['descr'], 'shape': list(header['shape']), 'fortran': header['fortran_order'], 'values': [repr(v) for v in values]}))
"#;
    let out = Command::new("python3").arg("-c").arg(script).arg(path).output().ok()?;
    assert!(
        out.status.success(),
        "python could not read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["fortran"], serde_json::json!(false));
    let shape = v["shape"]
        .as_array()
        .expect("shape")
        .iter()
        .map(|d| d.as_u64().expect("dim") as usize)
        .collect();
    // Python's repr is the shortest round-trip text; Rust's parse is correctly rounded.
    let values = v["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|x| x.as_str().expect("repr").parse::<f64>().expect("a float"))
        .collect();
    Some((v["descr"].as_str().expect("descr").to_string(), shape, values))
}

#[test]
fn npy_files_read_back_with_an_independent_reader() {
    let dir = temp_dir("npy");
    let f32s: Vec<f32> = vec![1.5, -2.25, 3.0e-8, 4.0, f32::MAX, -0.0];
    npy::write(&dir.join("a.npy"), &f32s, &[2, 3]).expect("write");
    let f64s: Vec<f64> = vec![0.1, 2.0, 1e300];
    npy::write(&dir.join("b.npy"), &f64s, &[3]).expect("write");
    let i64s: Vec<i64> = vec![-1, 0, 1 << 40];
    npy::write(&dir.join("c.npy"), &i64s, &[3, 1]).expect("write");
    let Some((descr, shape, values)) = python_read(&dir.join("a.npy")) else {
        eprintln!("skipped: no python3");
        return;
    };
    assert_eq!((descr.as_str(), shape), ("<f4", vec![2, 3]));
    assert_eq!(values, f32s.iter().map(|&x| f64::from(x)).collect::<Vec<_>>());
    let (descr, shape, values) = python_read(&dir.join("b.npy")).expect("python");
    assert_eq!((descr.as_str(), shape, values), ("<f8", vec![3], f64s));
    let (descr, shape, values) = python_read(&dir.join("c.npy")).expect("python");
    assert_eq!((descr.as_str(), shape), ("<i8", vec![3, 1]));
    assert_eq!(values, vec![-1.0, 0.0, (1u64 << 40) as f64]);
    assert!(
        npy::write(&dir.join("d.npy"), &f32s, &[4, 2]).is_err(),
        "shape must match the data"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_shipped_config_runs_and_writes_its_files() {
    let files = configs();
    assert_eq!(files.len(), spikegpu::cells::CELLS.len(), "one config per cell");
    for path in files {
        let mut config = RunConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
        config.steps = config.steps.min(60);
        let out = temp_dir(&format!("run-{}", path.file_stem().expect("stem").to_string_lossy()));
        let mut pop =
            Population::cpu(config.cell.boxed(), config.n_units, config.batch, config.seed).expect("population");
        let mut last = 0;
        let output = config
            .run(&mut pop, &out, |done| last = done)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(last, config.steps);
        let summary = run_summary(&out);
        assert_eq!(summary["spikes"].as_u64(), Some(output.spikes));
        assert!(
            output.non_finite.is_empty(),
            "{}: {:?}",
            path.display(),
            output.non_finite
        );
        assert_eq!(summary["non_finite"], serde_json::json!([]), "{}", path.display());
        // spikes.npy: one (time, neuron) row per spike, as run.json counts them.
        if let Some((descr, shape, values)) = python_read(&out.join("spikes.npy")) {
            assert_eq!(descr, "<f8");
            assert_eq!(shape, vec![output.spikes as usize, 2], "{}", path.display());
            assert!(
                values
                    .chunks(2)
                    .all(|row| row[0] >= 0.0 && (row[1] as usize) < config.n_units * config.batch)
            );
            for name in &config.record.compartments {
                let (descr, shape, _) = python_read(&out.join(format!("{name}.npy"))).expect("python");
                assert_eq!(descr, "<f4");
                assert_eq!(
                    shape,
                    vec![config.steps / config.record.every, config.record.neurons.len()],
                    "{name}"
                );
            }
        }
        std::fs::remove_dir_all(&out).ok();
    }
}

#[test]
fn a_recorded_trace_is_the_population_s_own_values() {
    let text = "cell = \"LIFCell\"\nn_units = 3\ndt = 0.1\nsteps = 7\n[params]\ntau_m = 10.0\n[drive]\nkind = \"constant\"\nvalue = 20.0\n[record]\ncompartments = [\"v\"]\nneurons = [2]\n";
    let config = RunConfig::parse(Path::new("inline.toml"), text).expect("valid");
    let out = temp_dir("trace");
    let mut pop = Population::cpu(config.cell.boxed(), 3, 1, 0).expect("population");
    config.run(&mut pop, &out, |_| {}).expect("run");
    let v_end = pop.read("v").expect("v")[2];
    if let Some((_, shape, values)) = python_read(&out.join("v.npy")) {
        assert_eq!(shape, vec![7, 1]);
        assert_eq!(values[6], f64::from(v_end));
    }
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn samples_and_spikes_share_one_clock_the_cell_s_own() {
    // Sampled every step: `s` and `tols` after step k, and the spikes of the raster. The cell
    // stamps a spike of step k with the time it was given (`tols`); run.json's sample time of
    // that sample and spikes.npy's time of that spike must both be that stamp.
    let text = "cell = \"LIFCell\"\nn_units = 2\ndt = 0.25\nsteps = 80\n[params]\ntau_m = 10.0\n[drive]\nkind = \"constant\"\nvalue = 40.0\n[record]\nspikes = true\ncompartments = [\"s\", \"tols\"]\nneurons = [1]\n";
    let config = RunConfig::parse(Path::new("clock.toml"), text).expect("valid");
    let out = temp_dir("clock");
    let mut pop = Population::cpu(config.cell.boxed(), 2, 1, 0).expect("population");
    config.run(&mut pop, &out, |_| {}).expect("run");
    let summary = run_summary(&out);
    let times: Vec<f64> = summary["sample_times_ms"]
        .as_array()
        .expect("sample times")
        .iter()
        .map(|t| t.as_f64().expect("a time"))
        .collect();
    assert_eq!(times.len(), 80);
    let Some((_, _, s)) = python_read(&out.join("s.npy")) else {
        eprintln!("skipped: no python3");
        return;
    };
    let (_, _, tols) = python_read(&out.join("tols.npy")).expect("python");
    let (_, _, events) = python_read(&out.join("spikes.npy")).expect("python");
    let spike_samples: Vec<usize> = (0..s.len()).filter(|&k| s[k] == 1.0).collect();
    assert!(spike_samples.len() >= 2, "the drive makes neuron 1 spike: {s:?}");
    for &k in &spike_samples {
        assert_eq!(
            times[k] as f32, tols[k] as f32,
            "sample {k}: run.json's time vs the cell's tols"
        );
    }
    let raster_times: Vec<f64> = events.chunks(2).filter(|e| e[1] == 1.0).map(|e| e[0]).collect();
    let sampled_times: Vec<f64> = spike_samples.iter().map(|&k| times[k]).collect();
    assert_eq!(raster_times, sampled_times, "spikes.npy vs the sampled spikes");
    std::fs::remove_dir_all(&out).ok();
}

/// FitzHugh–Nagumo with Euler at dt = 1 ms and a strong input diverges within a few steps.
const DIVERGING: &str = "cell = \"FitzhughNagumoCell\"\nn_units = 4\ndt = 1.0\nsteps = 30\n[drive]\nkind = \"constant\"\nvalue = 20.0\n[record]\ncompartments = [\"v\", \"s\"]\nneurons = [0, 3]\n";

#[test]
fn a_diverging_run_says_which_compartments_stopped_being_finite() {
    let config = RunConfig::parse(Path::new("diverging.toml"), DIVERGING).expect("valid");
    // The truth: the same cell stepped by hand, and the first step after which `v` is not finite.
    let mut by_hand = Population::cpu(config.cell.boxed(), 4, 1, 0).expect("population");
    by_hand.set_input(&[20.0; 4]).expect("input");
    let first_v = (0..30)
        .find(|_| {
            by_hand.step(1.0).expect("step");
            !by_hand.read("v").expect("v")[0].is_finite()
        })
        .expect("this configuration diverges");
    let out = temp_dir("diverging");
    let mut pop = Population::cpu(config.cell.boxed(), 4, 1, 0).expect("population");
    let output = config
        .run(&mut pop, &out, |_| {})
        .expect("a diverging run still writes its files");
    let v = output
        .non_finite
        .iter()
        .find(|nf| nf.compartment == "v")
        .unwrap_or_else(|| panic!("`v` not reported: {:?}", output.non_finite));
    assert_eq!((v.count, v.total), (4, 4), "{v:?}");
    assert_eq!(v.first_seen_step, Some(first_v), "{v:?}");
    assert_eq!(v.first_seen_ms, Some(first_v as f64), "{v:?}");
    // `w` diverges too but was not recorded: reported, its first step unknown. `s` stays 0/1.
    let w = output
        .non_finite
        .iter()
        .find(|nf| nf.compartment == "w")
        .expect("`w` reported");
    assert_eq!((w.count, w.first_seen_step), (4, None), "{w:?}");
    assert!(output.non_finite.iter().all(|nf| nf.compartment != "s"));
    assert!(v.to_string().contains(&format!("after step {first_v}")), "{v}");
    assert!(w.to_string().contains("first step unknown"), "{w}");
    let summary = run_summary(&out);
    assert_eq!(
        summary["non_finite"],
        serde_json::to_value(&output.non_finite).expect("json")
    );
    assert_eq!(summary["non_finite"][0]["compartment"], "v");
    std::fs::remove_dir_all(&out).ok();
}

fn config_error(text: &str) -> String {
    match RunConfig::parse(Path::new("bad.toml"), text) {
        Err(e @ Error::Config { .. }) => e.to_string(),
        other => panic!("expected a config error for:\n{text}\ngot {other:?}"),
    }
}

const GOOD: &str = "cell = \"LIFCell\"\nn_units = 10\ndt = 0.1\nsteps = 5\n[params]\ntau_m = 10.0\n[drive]\nkind = \"constant\"\nvalue = 1.0\n";

#[test]
fn config_errors_name_the_file_the_key_and_the_fix() {
    RunConfig::parse(Path::new("good.toml"), GOOD).expect("the base config is valid");
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "cell = \"LIFCell\"",
            "cell = \"LIFcel\"",
            &["bad.toml", "`cell`", "did you mean `LIFCell`"],
        ),
        ("n_units = 10", "n_unit = 10", &["`n_unit`", "did you mean `n_units`"]),
        (
            "tau_m = 10.0",
            "tau_mm = 10.0",
            &["`params`", "is `tau_mm` a misspelling of `tau_m`"],
        ),
        (
            "tau_m = 10.0",
            "tau_m = 10.0\nthrr = 1.0",
            &["`params`", "did you mean `thr`"],
        ),
        ("tau_m = 10.0", "tau_m = -1.0", &["`params`", "tau_m", "positive"]),
        ("steps = 5", "steps = \"five\"", &["`steps`", "whole number"]),
        ("n_units = 10", "n_units = 0", &["`n_units`", "≥ 1"]),
        ("dt = 0.1", "dt = 0", &["`dt`", "positive"]),
        (
            "kind = \"constant\"",
            "kind = \"constnt\"",
            &["`drive.kind`", "did you mean `constant`"],
        ),
        ("value = 1.0", "valu = 1.0", &["`drive.valu`", "did you mean `value`"]),
        (
            "value = 1.0",
            "value = 1.0\nrate_hz = 3.0",
            &["`drive.rate_hz`", "not used here"],
        ),
        ("value = 1.0", "value = true", &["`drive.value`", "expected a number"]),
        ("value = 1.0", "value = nan", &["`drive.value`", "finite"]),
    ];
    for (from, to, expected) in cases {
        let message = config_error(&GOOD.replacen(from, to, 1));
        for part in *expected {
            assert!(message.contains(part), "`{to}`: {message} (wanted {part})");
        }
    }
    let with_record = |record: &str| format!("{GOOD}[record]\n{record}\n");
    assert!(config_error(&with_record("neurons = [10]")).contains("record.neurons"));
    assert!(config_error(&with_record("compartments = [\"w\"]\nneurons = [0]")).contains("record.compartments"));
    assert!(config_error(&with_record("spikes = \"yes\"")).contains("record.spikes"));
    assert!(config_error(&with_record("evry = 2")).contains("did you mean `every`"));
    assert!(config_error("cell = [").contains("not valid TOML"));
    assert!(config_error(&GOOD.replace("[drive]\nkind = \"constant\"\nvalue = 1.0\n", "")).contains("`drive`"));
}
