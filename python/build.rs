//! Collects each cell file's module docs (`//!` lines of `../src/cells/<key>.rs`: the equations,
//! ngclearn's code and the parameter notes) into `$OUT_DIR/cell_docs.rs`, so the Python
//! docstrings carry the Rust docs without a second copy of them.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let cells = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/cells");
    println!("cargo:rerun-if-changed={}", cells.display());
    let mut entries: Vec<(String, String)> = Vec::new();
    if let Ok(dir) = std::fs::read_dir(&cells) {
        for file in dir.filter_map(|e| e.ok()).map(|e| e.path()) {
            let Some(stem) = file.file_stem().and_then(|s| s.to_str()).map(str::to_string) else {
                continue;
            };
            if file.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let doc: Vec<&str> = text
                .lines()
                .take_while(|l| l.starts_with("//!"))
                .map(|l| {
                    l.trim_start_matches("//!")
                        .strip_prefix(' ')
                        .unwrap_or(l.trim_start_matches("//!"))
                })
                .collect();
            entries.push((stem, doc.join("\n")));
        }
    }
    entries.sort();
    let mut out = String::from(
        "/// `(file stem, module docs)` of every file of `src/cells`.\npub static CELL_DOCS: &[(&str, &str)] = &[\n",
    );
    for (stem, doc) in &entries {
        // Debug formatting writes a valid Rust string literal.
        let _ = writeln!(out, "    ({stem:?}, {doc:?}),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR for build scripts")).join("cell_docs.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
