//! Network files (`spikegpu run network.toml`): a small CUBA-shaped network runs on the CPU and
//! the GPU with identical spikes, and every mistake is reported with the file, the key and a fix.

mod common;

use std::path::{Path, PathBuf};

use spikegpu::Error;
use spikegpu::netconfig::NetworkConfig;

const SMALL: &str = r#"
seed = 3
dt = 0.1
steps = 600

[[population]]
name = "exc"
cell = "LIFCell"
n_units = 160
v0 = [-60.0, -50.0]
drive = 2.0
[population.params]
tau_m = 20.0
v_rest = -49.0
thr = -50.0
v_reset = -60.0
refract_time = 5.0
theta_plus = 0.0

[[encoder]]
name = "input"
kind = "poisson"
n_units = 50
input = 1.0

[[projection]]
name = "in_exc"
from = "input"
to = "exc"
connectivity = "fixed_in_degree"
k = 10
weight = 2.0
synapse = "exponential_current"
tau = 5.0
delay = 2

[[projection]]
name = "ee"
from = "exc"
to = "exc"
connectivity = "procedural"
p = 0.1
weight = 0.5
weight_high = 1.5

[record]
spikes = ["exc", "input"]
"#;

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spikegpu_netcfg_{tag}_{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn run(text: &str, gpu: Option<&std::sync::Arc<spikegpu::GpuContext>>, tag: &str) -> (Vec<(String, f64)>, Vec<u8>) {
    let dir = temp_dir(tag);
    let file = dir.join("net.toml");
    std::fs::write(&file, text).expect("write config");
    let mut config = NetworkConfig::load(&file).expect("valid network file");
    let builder = config.take_builder();
    let (files, rates) = match gpu {
        None => config.run(&mut builder.build_cpu().expect("cpu"), &dir.join("out")),
        Some(ctx) => config.run(&mut builder.build_gpu(ctx).expect("gpu"), &dir.join("out")),
    }
    .expect("run");
    assert!(files.iter().all(|f| f.exists()), "{files:?}");
    let spikes = std::fs::read(dir.join("out/exc_spikes.npy")).expect("spikes file");
    (rates, spikes)
}

#[test]
fn a_network_file_runs_and_the_gpu_gives_the_cpu_spikes() {
    let (rates, spikes) = run(SMALL, None, "cpu");
    let exc = rates.iter().find(|r| r.0 == "exc").expect("exc rate").1;
    let input = rates.iter().find(|r| r.0 == "input").expect("input rate").1;
    assert!(exc > 1.0 && exc < 200.0, "exc rate {exc} Hz");
    // 63.75 Hz Poisson trains: 50 units × 60 ms.
    assert!((input - 63.75).abs() < 20.0, "input rate {input} Hz");
    if let Some(ctx) = common::gpu() {
        let (gpu_rates, gpu_spikes) = run(SMALL, Some(&ctx), "gpu");
        if ctx.adapter.is_software() {
            assert_eq!(gpu_spikes, spikes, "GPU spikes differ from the CPU's");
        }
        assert_eq!(gpu_rates.len(), rates.len());
    }
}

fn error_for(text: &str, tag: &str) -> String {
    let dir = temp_dir(tag);
    let file = dir.join("net.toml");
    std::fs::write(&file, text).expect("write config");
    match NetworkConfig::load(&file) {
        Err(e @ Error::Config { .. }) => e.to_string(),
        Err(other) => panic!("expected a config error, got {other}"),
        Ok(_) => panic!("expected an error for {tag}"),
    }
}

fn write_npy_f32(path: &Path, rows: usize, cols: usize) {
    let header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    let mut h = header.into_bytes();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&h);
    for k in 0..rows * cols {
        bytes.extend_from_slice(&(k as f32).to_le_bytes());
    }
    std::fs::write(path, bytes).expect("write npy");
}

#[test]
fn mistakes_name_the_file_the_key_and_a_fix() {
    let e = error_for(&SMALL.replace("n_units = 160", "n_unit = 160"), "typo");
    assert!(
        e.contains("population[0].n_unit") && e.contains("did you mean `n_units`"),
        "{e}"
    );
    let e = error_for(&SMALL.replace("from = \"input\"", "from = \"inputs\""), "layer");
    assert!(
        e.contains("projection[0].from") && e.contains("did you mean `input`"),
        "{e}"
    );
    let e = error_for(&SMALL.replace("\"fixed_in_degree\"", "\"fixed_indegree\""), "kind");
    assert!(e.contains("did you mean `fixed_in_degree`"), "{e}");
    let e = error_for(&SMALL.replace("k = 10", "k = 80"), "degree");
    assert!(
        e.contains("in_exc") && e.contains("exceeds the 50 presynaptic units"),
        "{e}"
    );
    let dir = temp_dir("npy");
    write_npy_f32(&dir.join("w.npy"), 50, 161);
    let dense = SMALL.replace(
        "connectivity = \"fixed_in_degree\"\nk = 10\nweight = 2.0",
        &format!(
            "connectivity = \"dense\"\nweights_npy = \"{}\"",
            dir.join("w.npy").display()
        ),
    );
    let e = error_for(&dense, "npy");
    assert!(e.contains("[50, 161]") && e.contains("(50, 160)"), "{e}");
    write_npy_f32(&dir.join("w.npy"), 50, 160);
    let text = dense.clone();
    let file = dir.join("ok.toml");
    std::fs::write(&file, &text).expect("write");
    NetworkConfig::load(&file).expect("a weight file of the right shape loads");
}

#[test]
fn every_shipped_network_file_loads_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/networks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/networks")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for path in files {
        let mut config = NetworkConfig::load(&path).unwrap_or_else(|e| panic!("{e}"));
        config.steps = config.steps.min(200);
        let builder = config.take_builder();
        let out = temp_dir(&format!(
            "shipped_{}",
            path.file_stem().expect("stem").to_string_lossy()
        ));
        let (files, _) = config
            .run(&mut builder.build_cpu().expect("cpu"), &out)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(files.iter().all(|f| f.exists()));
    }
}
