//! The cell descriptions are the one source of truth: the README and crate-doc cell tables match
//! the registry, every composed kernel's bindings, uniform, `CellState` and overrides match the
//! Rust description (naga reflection, no device), and every parameter table's defaults and rules
//! are what `from_params` does.

use naga::{AddressSpace, ScalarKind, TypeInner};
use serde_json::{Map, Value, json};
use spikegpu::Error;
use spikegpu::cells::describe::{FIRST_INPUT_BINDING, PARAMS_BINDING, Rule, STATE_BINDING, STATE_NAME};
use spikegpu::cells::{CELLS, CellEntry, CellModel, Role};
use spikegpu::gpu::shaders;

/// The rows of the first Markdown table after `heading` in `text` (lines starting with `| \``),
/// with `prefix` stripped from each line first.
fn table_rows(text: &str, heading: &str, prefix: &str) -> Vec<String> {
    let after = text.split_once(heading).map_or("", |(_, rest)| rest);
    after
        .lines()
        .map(|l| l.strip_prefix(prefix).unwrap_or(l).trim_start())
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| l.starts_with("| `"))
        .map(str::to_string)
        .collect()
}

/// Asserts that each row starts with the registry's row for that cell, in registry order; on
/// failure prints the table the registry gives.
fn assert_table(what: &str, rows: &[String], expected: impl Fn(&CellEntry) -> String) {
    let want: Vec<String> = CELLS.iter().map(|e| expected(e)).collect();
    let ok = rows.len() == want.len() && rows.iter().zip(&want).all(|(row, w)| row.starts_with(w.as_str()));
    assert!(
        ok,
        "{what}'s cell table differs from the registry; its rows must start with:\n{}\nfound:\n{}",
        want.join("\n"),
        rows.join("\n")
    );
}

#[test]
fn readme_and_crate_docs_cell_tables_match_the_registry() {
    let readme = table_rows(include_str!("../README.md"), "\n## Cells\n", "");
    assert_table("README.md", &readme, |e| {
        let (class, key, integrators) = (e.class_name, e.key, e.layout.integrator_names());
        format!("| `{class}` | `{key}` | [src/cells/{key}.rs](src/cells/{key}.rs) | {integrators} |")
    });
    let crate_docs = table_rows(include_str!("../src/lib.rs"), "//! ## Cells\n", "//!");
    assert_table("src/lib.rs", &crate_docs, |e| {
        let (class, key, integrators) = (e.class_name, e.key, e.layout.integrator_names());
        format!("| `{class}` | `{key}` | {integrators} | [`cells::{key}`] |")
    });
}

/// `(name, group, binding, address space)` of every bound global of a module.
fn bound_globals(module: &naga::Module) -> Vec<(String, u32, u32, AddressSpace)> {
    module
        .global_variables
        .iter()
        .filter_map(|(_, g)| {
            let b = g.binding.as_ref()?;
            Some((g.name.clone().unwrap_or_default(), b.group, b.binding, g.space))
        })
        .collect()
}

fn global<'m>(module: &'m naga::Module, name: &str) -> &'m naga::GlobalVariable {
    module
        .global_variables
        .iter()
        .map(|(_, g)| g)
        .find(|g| g.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no global `{name}`"))
}

/// The value of the module's `u32` constant `name`.
fn slot_constant(module: &naga::Module, name: &str) -> Option<u32> {
    let (_, c) = module.constants.iter().find(|(_, c)| c.name.as_deref() == Some(name))?;
    match module.global_expressions[c.init] {
        naga::Expression::Literal(naga::Literal::U32(v)) => Some(v),
        _ => None,
    }
}

fn is_f32(module: &naga::Module, ty: naga::Handle<naga::Type>) -> bool {
    matches!(module.types[ty].inner, TypeInner::Scalar(s) if s.kind == ScalarKind::Float && s.width == 4)
}

/// Member names of a struct type, asserting every member is an f32.
fn f32_members(module: &naga::Module, ty: naga::Handle<naga::Type>, what: &str) -> Vec<String> {
    let TypeInner::Struct { members, .. } = &module.types[ty].inner else {
        panic!("{what} is not a struct")
    };
    for m in members {
        assert!(is_f32(module, m.ty), "{what}.{:?} is not f32", m.name);
    }
    members.iter().map(|m| m.name.clone().unwrap_or_default()).collect()
}

#[test]
fn every_kernel_binds_and_lays_out_what_its_description_says() {
    for entry in CELLS {
        let layout = entry.layout;
        for cell in (entry.variants)() {
            let variant = cell.variant_name();
            let composed = shaders::compose(cell.as_ref());
            let module = naga::front::wgsl::parse_str(&composed.source).unwrap_or_else(|e| panic!("{variant}: {e}"));
            naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{variant}: {e}"));

            // The input `j` in a buffer of its own at 5, every other compartment packed into the
            // state buffer at binding 4 (slot k for the k-th of them in the description's
            // order), then the scratch buffer where the cell has one: the host's bind group
            // layout (src/gpu/population.rs) provides exactly these.
            let globals = bound_globals(&module);
            let is_rw_f32_array = |name: &str, space: &AddressSpace| {
                matches!(space, AddressSpace::Storage { access } if access.contains(naga::StorageAccess::STORE))
                    && matches!(module.types[global(&module, name).ty].inner,
                        TypeInner::Array { base, .. } if is_f32(&module, base))
            };
            let at = |binding: u32| -> Vec<_> { globals.iter().filter(|g| g.1 == 0 && g.2 == binding).collect() };
            let state = at(STATE_BINDING);
            assert_eq!(state.len(), 1, "{variant}: binding {STATE_BINDING}");
            assert_eq!(
                state[0].0, STATE_NAME,
                "{variant}: binding {STATE_BINDING} is not the state buffer"
            );
            assert!(
                is_rw_f32_array(STATE_NAME, &state[0].3),
                "{variant}: the state buffer must be a read_write array<f32>"
            );
            let mut slot = 0;
            let mut input_binding = FIRST_INPUT_BINDING;
            for comp in layout.compartments {
                if comp.role == Role::Input {
                    let found = at(input_binding);
                    assert_eq!(found.len(), 1, "{variant}: binding {input_binding}");
                    assert_eq!(
                        found[0].0, comp.name,
                        "{variant}: binding {input_binding} holds the wrong input"
                    );
                    assert!(
                        is_rw_f32_array(comp.name, &found[0].3),
                        "{variant}: `{}` must be a read_write array<f32>",
                        comp.name
                    );
                    input_binding += 1;
                    continue;
                }
                assert!(
                    globals.iter().all(|g| g.0 != comp.name),
                    "{variant}: `{}` must live in the state buffer, not a binding of its own",
                    comp.name
                );
                assert_eq!(
                    slot_constant(&module, &format!("SLOT_{}", comp.name)),
                    Some(slot),
                    "{variant}: `{}` must be slot {slot}",
                    comp.name
                );
                slot += 1;
            }
            let last = if layout.scratch.is_some() {
                layout.scratch_binding()
            } else {
                input_binding - 1
            };
            for (name, group, binding, _) in &globals {
                assert!(
                    (*group == 1 && entry.elementwise) || (*group == 0 && *binding <= last),
                    "{variant}: `{name}` at group {group} binding {binding} is not in the host's layout"
                );
            }
            if let Some(scratch) = layout.scratch {
                let binding = layout.scratch_binding();
                assert!(
                    globals.iter().any(|g| g.0 == scratch && g.1 == 0 && g.2 == binding),
                    "{variant}: scratch `{scratch}` must be at binding {binding}"
                );
            }

            // The uniform: the description's fields, all f32, as many as the host writes.
            let params = global(&module, "P");
            assert_eq!(params.space, AddressSpace::Uniform, "{variant}: P");
            assert_eq!(
                params.binding.as_ref().map(|b| (b.group, b.binding)),
                Some((0, PARAMS_BINDING)),
                "{variant}: P's binding"
            );
            let fields = f32_members(&module, params.ty, "P");
            assert_eq!(fields, layout.uniform, "{variant}: uniform fields");
            assert_eq!(
                cell.gpu_params().len(),
                fields.len(),
                "{variant}: uniform words the host writes"
            );

            // CellState: every compartment the element step carries, in slot order.
            if entry.elementwise {
                let (state_ty, _) = module
                    .types
                    .iter()
                    .find(|(_, t)| t.name.as_deref() == Some("CellState"))
                    .unwrap_or_else(|| panic!("{variant}: no CellState"));
                let want: Vec<&str> = layout.state_compartments().map(|c| c.name).collect();
                assert_eq!(
                    f32_members(&module, state_ty, "CellState"),
                    want,
                    "{variant}: CellState"
                );
            }

            // Overrides: declared with the description's types; the host sets exactly those.
            let declared: Vec<(String, &str)> = module
                .overrides
                .iter()
                .map(|(_, o)| {
                    let ty = match module.types[o.ty].inner {
                        TypeInner::Scalar(s) if s.kind == ScalarKind::Bool => "bool",
                        TypeInner::Scalar(s) if s.kind == ScalarKind::Uint => "u32",
                        ref other => panic!("{variant}: override {:?} of type {other:?}", o.name),
                    };
                    (o.name.clone().unwrap_or_default(), ty)
                })
                .collect();
            let mut described: Vec<(String, &str)> =
                layout.overrides.iter().map(|(n, t)| (n.to_string(), *t)).collect();
            // Element-wise kernels also declare the per-neuron parameter mask, which only
            // heterogeneous populations set (tests/heterogeneous.rs).
            if entry.elementwise {
                described.push((spikegpu::cells::describe::PER_NEURON_OVERRIDE.to_string(), "u32"));
            }
            assert_eq!(declared, described, "{variant}: overrides");
            let set: Vec<&str> = cell.gpu_overrides().iter().map(|(n, _)| *n).collect();
            let names: Vec<&str> = layout.overrides.iter().map(|(n, _)| *n).collect();
            assert_eq!(set, names, "{variant}: overrides the host sets");
        }
    }
}

/// The keyword arguments a cell needs: its required parameters, at a valid value.
fn required(entry: &CellEntry) -> Map<String, Value> {
    entry
        .params
        .iter()
        .filter(|p| p.default == "required")
        .map(|p| (p.name.to_string(), json!(10.0)))
        .collect()
}

fn build(entry: &CellEntry, extra: &[(&str, Value)]) -> spikegpu::Result<Box<dyn CellModel>> {
    let mut map = required(entry);
    for (k, v) in extra {
        map.insert(k.to_string(), v.clone());
    }
    (entry.from_params)(&map)
}

#[test]
fn parameter_tables_state_the_defaults_and_rules_from_params_applies() {
    for entry in CELLS {
        let class = entry.class_name;
        let base = build(entry, &[]).unwrap_or_else(|e| panic!("{class} with its required parameters: {e}"));
        for p in entry.params {
            // A numeric default, given explicitly, builds the same cell as leaving it out.
            if let Ok(default) = p.default.replace(' ', "").parse::<f64>() {
                let given = build(entry, &[(p.name, json!(default))]).unwrap_or_else(|e| panic!("{class}: {e}"));
                assert_eq!(given.gpu_params(), base.gpu_params(), "{class}.{} default", p.name);
                assert_eq!(
                    given.initial_values(),
                    base.initial_values(),
                    "{class}.{} default",
                    p.name
                );
            }
            if p.default == "required" {
                let mut map = required(entry);
                map.remove(p.name);
                assert!(
                    matches!((entry.from_params)(&map), Err(Error::InvalidParameter { name, .. }) if name == p.name),
                    "{class}: missing {}",
                    p.name
                );
            }
            let bad: &[f64] = match p.rule {
                Rule::Positive | Rule::PositiveAtMost(..) => &[0.0, -2.0],
                Rule::NonNegative(_) => &[-0.5],
                Rule::NonZero(_) => &[0.0],
                Rule::Finite | Rule::Any => &[],
            };
            for &value in bad {
                match build(entry, &[(p.name, json!(value))]) {
                    Err(Error::InvalidParameter { name, .. }) => assert_eq!(name, p.name, "{class}"),
                    other => panic!("{class}.{} = {value}: {other:?}", p.name),
                }
            }
            if let Rule::PositiveAtMost(max, _) = p.rule {
                assert!(
                    build(entry, &[(p.name, json!(f64::from(max) * 2.0))]).is_err(),
                    "{class}.{}",
                    p.name
                );
            }
        }
        let typo = build(entry, &[("no_such_param", json!(1.0))]).expect_err("unknown key");
        assert!(typo.to_string().contains("did you mean"), "{class}: {typo}");
    }
}

#[test]
fn exactly_one_spike_and_one_input_compartment_per_cell() {
    use spikegpu::cells::Role;
    for entry in CELLS {
        let comps = entry.layout.compartments;
        let count = |role| comps.iter().filter(|c| c.role == role).count();
        assert_eq!(count(Role::Spike), 1, "{}", entry.class_name);
        assert_eq!(count(Role::Input), 1, "{}", entry.class_name);
        assert_eq!(comps.iter().find(|c| c.role == Role::Spike).map(|c| c.name), Some("s"));
    }
}
