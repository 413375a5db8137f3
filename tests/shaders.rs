//! Device-free: naga parses and validates every composed shader × integrator × option variant.

use spikegpu::cells::CELLS;
use spikegpu::gpu::{math_check, rng_check, shaders};

#[test]
fn every_cell_variant_validates() {
    let names = shaders::validate_all_cells().unwrap_or_else(|e| panic!("{e}"));
    // LIF: 2 integrators × 4 selection modes × adaptation on/off × v_min on/off.
    assert!(names.len() >= 32, "only {} variants checked", names.len());
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "variant names must be unique: {names:?}");
}

#[test]
fn every_variant_sets_only_declared_overrides() {
    for entry in CELLS {
        for cell in (entry.variants)() {
            let composed = shaders::compose(cell.as_ref());
            for (name, _) in cell.gpu_overrides() {
                assert!(
                    composed.source.contains(&format!("override {name}:")),
                    "{} sets override {name} that {} does not declare",
                    cell.variant_name(),
                    composed.pieces
                );
            }
        }
    }
}

#[test]
fn check_kernels_validate() {
    shaders::validate(&rng_check::composed(), "rng_check", &[]).unwrap_or_else(|e| panic!("{e}"));
    shaders::validate(&math_check::composed(), "math_check", &[]).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn invalid_wgsl_is_a_typed_error_naming_the_variant() {
    let composed = shaders::compose_with("broken.wgsl", "fn broken() -> f32 { return undefined_name; }");
    let err = shaders::validate(&composed, "broken-variant", &[]).expect_err("must not validate");
    let text = err.to_string();
    assert!(
        text.contains("broken-variant") && text.contains("broken.wgsl"),
        "{text}"
    );
}

#[test]
fn wgsl_inv_pi_literal_is_the_rust_constant() {
    let lib = shaders::LIBRARY
        .iter()
        .find(|(f, _)| f.ends_with("surrogate.wgsl"))
        .expect("surrogate piece");
    let literal = lib
        .1
        .lines()
        .find_map(|l| l.strip_prefix("const SURROGATE_INV_PI: f32 = "))
        .and_then(|rest| rest.strip_suffix(';'))
        .expect("SURROGATE_INV_PI declaration");
    let parsed: f32 = literal.parse().expect("a float literal");
    assert_eq!(parsed.to_bits(), spikegpu::surrogate::INV_PI.to_bits());
}
