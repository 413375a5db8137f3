//! Helpers shared by the integration tests: where the conformance data is, whether a GPU is
//! required, and JSON/hex parsing.
#![allow(dead_code)]

pub mod net;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use spikegpu::GpuContext;
use spikegpu::rng::Key;

/// `../shared/conformance` beside the checkout. Missing: skip with a printed reason, or fail
/// when `CI` is set (CI always has it).
pub fn conformance_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if dir.is_dir() {
        return Some(dir);
    }
    let reason = format!("conformance data not found at {}", dir.display());
    if std::env::var("CI").is_ok_and(|v| !v.is_empty()) {
        panic!("{reason}; CI must provide ../shared beside the checkout");
    }
    eprintln!("skipped: {reason} (a fresh clone has no ../shared)");
    None
}

/// The GPU adapter chosen by the environment. None: skip with a printed reason, or fail when
/// `SPIKEGPU_REQUIRE_GPU=1`.
pub fn gpu() -> Option<Arc<GpuContext>> {
    match GpuContext::from_env() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            if std::env::var("SPIKEGPU_REQUIRE_GPU").is_ok_and(|v| v == "1") {
                panic!("SPIKEGPU_REQUIRE_GPU=1 but no GPU adapter: {e}");
            }
            eprintln!("skipped: no GPU adapter ({e})");
            None
        }
    }
}

/// Reads a JSON file of the conformance folder.
pub fn json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `"0x6b200159"` → 0x6b200159.
pub fn hex(v: &Value) -> u32 {
    let s = v.as_str().unwrap_or_else(|| panic!("not a hex string: {v}"));
    u32::from_str_radix(s.trim_start_matches("0x"), 16).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// A list of hex strings.
pub fn hex_list(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(hex)
        .collect()
}

/// `["0x..", "0x.."]` → Key.
pub fn key(v: &Value) -> Key {
    let w = hex_list(v);
    assert_eq!(w.len(), 2, "a key has two words: {v}");
    Key([w[0], w[1]])
}

/// The product of a shape list.
pub fn shape_len(v: &Value) -> usize {
    v.as_array()
        .map_or(1, |a| a.iter().map(|d| d.as_u64().unwrap_or(0) as usize).product())
}

/// `{"value": .., "hex": ".."}` → f32 from its bits.
pub fn scalar(v: &Value) -> f32 {
    f32::from_bits(hex(&v["hex"]))
}

/// The trace files in `dir` whose cell spikegpu implements.
pub fn implemented_traces(dir: &std::path::Path) -> Vec<PathBuf> {
    spikegpu::conformance::trace_files(dir)
        .expect("trace folder")
        .into_iter()
        .filter(|p| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let class = stem.split('_').next().unwrap_or_default().to_string();
            spikegpu::cells::find(&class).is_some()
        })
        .collect()
}

/// A LIF population's cell for network tests: tau_m 10 ms, refractory 2 ms.
pub fn lif_cell() -> Box<spikegpu::cells::LifCell> {
    let mut p = spikegpu::cells::LifParams::with_tau_m(10.0);
    p.refract_time = 2.0;
    Box::new(spikegpu::cells::LifCell::new(p).expect("valid LIF"))
}

/// ngclearn's gated exponential trace of `n` units (tau 20 ms), the Diehl & Cook traces.
pub fn gated_trace(n: usize) -> spikegpu::network::traces::VarTrace {
    spikegpu::network::traces::VarTrace {
        n_units: n,
        tau_tr: 20.0,
        a_delta: 0.0,
        p_scale: 1.0,
        gamma_tr: 1.0,
        decay: spikegpu::network::traces::Decay::Exponential,
        n_nearest_spikes: 0.0,
    }
}
