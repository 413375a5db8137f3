//! The `spikegpu` command as a user runs it.

mod common;

use std::process::{Command, Output};

fn spikegpu(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spikegpu"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn validate_reports_pass_fail_skip_and_the_closing_line() {
    let Some(conf) = common::conformance_dir() else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("spikegpu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::copy(
        conf.join("LIFCell_euler_subthreshold.json"),
        dir.join("LIFCell_euler_subthreshold.json"),
    )
    .expect("copy trace");
    // Every ngclearn cell is implemented: a trace of a cell spikegpu does not know is skipped.
    let mut other: serde_json::Value = common::json(&conf.join("IFCell_euler_arctan.json"));
    other["cell"] = serde_json::json!("MysteryCell");
    std::fs::write(dir.join("MysteryCell_case.json"), other.to_string()).expect("write");
    std::fs::write(dir.join("broken.json"), "[1, 2").expect("write");
    let out = spikegpu(
        &[
            "validate",
            "--traces",
            dir.to_str().expect("utf-8 path"),
            "--backend",
            "cpu",
        ],
        &[],
    );
    let text = stdout(&out);
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        !out.status.success(),
        "a failed case must give a non-zero exit status:\n{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("PASS") && l.contains("LIFCell_euler_subthreshold")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("FAIL") && l.contains("broken") && l.contains("not valid JSON")),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("SKIP") && l.contains("MysteryCell") && l.contains("unknown")),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("1 passed, 1 failed, 1 skipped"), "{text}");
}

#[test]
fn validate_all_public_traces_passes_every_implemented_case() {
    let Some(conf) = common::conformance_dir() else {
        return;
    };
    let gpu_required = std::env::var("SPIKEGPU_REQUIRE_GPU").is_ok_and(|v| v == "1");
    let backend = if gpu_required { "all" } else { "cpu" };
    let out = spikegpu(
        &[
            "validate",
            "--traces",
            conf.to_str().expect("utf-8 path"),
            "--backend",
            backend,
        ],
        &[],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let per_backend = if gpu_required { 2 } else { 1 };
    let implemented = common::implemented_traces(&conf);
    for path in &implemented {
        let stem = path.file_stem().expect("file name").to_string_lossy().into_owned();
        let passes = text
            .lines()
            .filter(|l| l.starts_with("PASS") && l.split_whitespace().nth(1) == Some(stem.as_str()))
            .count();
        assert_eq!(passes, per_backend, "{stem}:\n{text}");
    }
    let all = std::fs::read_dir(&conf)
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .count();
    let closing = text.lines().last().unwrap_or_default();
    let expected = format!(
        "{} passed, 0 failed, {} skipped",
        implemented.len() * per_backend,
        all - implemented.len()
    );
    assert_eq!(closing, expected, "{text}");
}

#[test]
fn a_named_adapter_that_does_not_exist_is_a_clear_error() {
    let out = spikegpu(&["validate"], &[("WGPU_ADAPTER_NAME", "no-such-adapter-anywhere")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no GPU adapter found") && err.contains("no-such-adapter-anywhere"),
        "{err}"
    );
}

#[test]
fn info_lists_adapters_or_says_there_are_none() {
    let out = spikegpu(&["info"], &[]);
    let text = stdout(&out);
    assert!(
        text.contains("storage buffers/stage") || text.contains("no GPU adapters found"),
        "{text}"
    );
}

#[test]
fn run_writes_npy_files_and_a_summary_from_a_config() {
    let out_dir = std::env::temp_dir().join(format!("spikegpu-cli-run-{}", std::process::id()));
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/configs/lif.toml");
    let out = spikegpu(
        &[
            "run",
            config,
            "--out",
            out_dir.to_str().expect("utf-8 path"),
            "--backend",
            "cpu",
        ],
        &[],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    for file in ["spikes.npy", "v.npy", "run.json"] {
        assert!(out_dir.join(file).is_file(), "{file} missing:\n{text}");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("run.json")).expect("run.json")).expect("json");
    assert_eq!(summary["cell"], "LIFCell");
    assert!(summary["spikes"].as_u64().is_some_and(|s| s > 0), "{summary}");
    let bad = spikegpu(&["run", "no-such-config.toml"], &[]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-config.toml"));
    std::fs::remove_dir_all(&out_dir).ok();
}

#[test]
fn gpu_commands_print_no_window_system_errors() {
    // Without XDG_RUNTIME_DIR (containers, SSH, CI), Mesa's Vulkan device-select layer makes
    // libwayland print "error: XDG_RUNTIME_DIR is invalid or not set" twice per command; a user
    // must see no such line without setting anything (no NODEVICE_SELECT).
    let out = Command::new(env!("CARGO_BIN_EXE_spikegpu"))
        .args(["info", "--api", "vulkan"])
        .env_remove("XDG_RUNTIME_DIR")
        .env_remove("NODEVICE_SELECT")
        .env_remove("MESA_VK_DEVICE_SELECT")
        .output()
        .expect("the binary runs");
    let (text, errors) = (stdout(&out), String::from_utf8_lossy(&out.stderr).into_owned());
    assert!(!errors.contains("XDG_RUNTIME_DIR"), "{errors}");
    assert!(!text.contains("XDG_RUNTIME_DIR"), "{text}");
    if !text.contains("(Vulkan") {
        eprintln!("note: no Vulkan adapter here, so no Vulkan layer ran: the check above proves little");
    }
}

#[test]
fn a_run_whose_state_diverges_says_so() {
    let dir = std::env::temp_dir().join(format!("spikegpu-cli-diverge-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let config = dir.join("diverging.toml");
    // FitzHugh–Nagumo with Euler at dt = 1 ms and a strong input blows up within a few steps.
    std::fs::write(
        &config,
        "cell = \"FitzhughNagumoCell\"\nn_units = 4\ndt = 1.0\nsteps = 30\n[drive]\nkind = \"constant\"\nvalue = 20.0\n[record]\ncompartments = [\"v\"]\nneurons = [0]\n",
    )
    .expect("write config");
    let out_dir = dir.join("out");
    let out = spikegpu(
        &[
            "run",
            config.to_str().expect("utf-8 path"),
            "--out",
            out_dir.to_str().expect("utf-8 path"),
            "--backend",
            "cpu",
        ],
        &[],
    );
    let errors = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{errors}");
    let warnings: Vec<&str> = errors
        .lines()
        .filter(|l| l.starts_with("warning: the state is not finite"))
        .collect();
    assert!(
        warnings
            .iter()
            .any(|l| l.contains("`v`") && l.contains("4 of 4") && l.contains("after step")),
        "{errors}"
    );
    assert!(warnings.iter().any(|l| l.contains("`w`")), "{errors}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn validate_routes_network_traces_to_the_network_engines() {
    let Some(conf) = common::conformance_dir() else {
        return;
    };
    let gpu_required = std::env::var("SPIKEGPU_REQUIRE_GPU").is_ok_and(|v| v == "1");
    let backend = if gpu_required { "all" } else { "cpu" };
    let dir = conf.join("network");
    let out = spikegpu(
        &[
            "validate",
            "--traces",
            dir.to_str().expect("utf-8 path"),
            "--backend",
            backend,
        ],
        &[],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    let per_backend = if gpu_required { 2 } else { 1 };
    for case in [
        "PoissonCell_default_const",
        "PoissonCell_b3_dt0.5_varying",
        "BernoulliCell_b2",
        "DenseSynapse_spikes_b1",
        "DenseSynapse_real_b3_bias_resist_gate",
        "DenseSynapse_pconn_mask_default_init",
        "DenseSynapse_delay4_b2",
        "StaticSynapse_dc_hollow_eye",
        "ExponentialSynapse_conductance",
        "ExponentialSynapse_plastic_current_b2",
    ] {
        let passes = text
            .lines()
            .filter(|l| l.starts_with("PASS") && l.split_whitespace().nth(1) == Some(case))
            .count();
        assert_eq!(passes, per_backend, "{case}:\n{text}");
    }
    let last = text.lines().last().unwrap_or_default();
    assert!(last.contains(" 0 failed"), "{last}");
}

#[test]
fn bench_network_reports_gather_and_event_rows() {
    let json = std::env::temp_dir().join(format!("spikegpu-bench-prop-{}.json", std::process::id()));
    let out = spikegpu(
        &[
            "bench",
            "--network",
            "cuba",
            "--scale",
            "0.1",
            "--seconds",
            "0.02",
            "--propagation",
            "gather,event",
            "--backend",
            "cpu",
            "--json",
            json.to_str().expect("utf-8 path"),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = common::json(&json);
    let modes: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["propagation"].as_str().expect("a propagation"))
        .collect();
    assert_eq!(modes, ["gather", "event"]);
    let out = spikegpu(&["bench", "--network", "cuba", "--propagation", "events"], &[]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("gather, event"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
