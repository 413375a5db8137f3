//! The library without its default features (`cli`, `plot`) depends on none of the command
//! line's or the plots' crates: an application that embeds spikegpu does not compile them.

use std::process::Command;

/// Crates that only the `cli` and `plot` features may bring in.
const FEATURE_ONLY: [&str; 5] = ["clap", "indicatif", "toml", "plotters", "dejavu"];

/// Package names in `cargo tree`'s output with `--prefix none` (`name vX.Y.Z (...)` per line).
fn package_names(tree: &str) -> Vec<&str> {
    tree.lines().filter_map(|line| line.split_whitespace().next()).collect()
}

fn cargo_tree(features: &[&str]) -> String {
    // Cargo sets CARGO for the tests it runs: the same toolchain and the same lock file.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-e",
            "normal",
            "-p",
            "spikegpu",
            "--prefix",
            "none",
            "--offline",
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .args(features)
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn without_default_features_the_library_has_no_cli_or_plot_dependencies() {
    let lean = cargo_tree(&["--no-default-features"]);
    let names = package_names(&lean);
    assert!(names.contains(&"wgpu") && names.contains(&"naga"), "{lean}");
    for crate_name in FEATURE_ONLY {
        assert!(
            !names.contains(&crate_name),
            "`{crate_name}` without default features:\n{lean}"
        );
    }
    // The check can fail: with the default features every one of them is there.
    let full = cargo_tree(&[]);
    let names = package_names(&full);
    for crate_name in FEATURE_ONLY {
        assert!(
            names.contains(&crate_name),
            "`{crate_name}` missing with default features:\n{full}"
        );
    }
}
