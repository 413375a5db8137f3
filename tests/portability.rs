//! Device-free portability checks (docs/PORTABILITY.md): every WGSL module spikegpu builds
//! pipelines from translates, with naga's back ends and the options wgpu-hal 30 passes them, to
//! Metal (MSL), DX12 (HLSL) and GL (GLSL); and no shader holds an infinity or NaN, which Metal's
//! fast math may assume away.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use naga::back::{glsl, hlsl, msl};
use naga::proc::{BoundsCheckPolicies, BoundsCheckPolicy};
use naga::valid::{Capabilities, ModuleInfo, ValidationFlags, Validator};
use naga::{AddressSpace, Expression, Literal, Module, ShaderStage, StorageAccess};
use spikegpu::cells::CELLS;
use spikegpu::gpu::{math_check, rng_check, shaders};

/// One module as a pipeline sees it: the composed source and the variant's override values.
struct Variant {
    name: String,
    shader: shaders::ComposedShader,
    overrides: Vec<(String, f64)>,
}

/// Every module spikegpu compiles: each cell × integrator × option variant, the recording
/// kernels and the PRNG check.
fn every_variant() -> Vec<Variant> {
    let mut all = Vec::new();
    for entry in CELLS {
        for cell in (entry.variants)() {
            all.push(Variant {
                name: cell.variant_name(),
                shader: shaders::compose(cell.as_ref()),
                overrides: cell
                    .gpu_overrides()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            });
        }
    }
    for (name, shader) in [
        ("record", shaders::compose_pieces(&[shaders::RECORD])),
        ("rng_check", rng_check::composed()),
        ("math_check", math_check::composed()),
    ] {
        all.push(Variant {
            name: name.to_string(),
            shader,
            overrides: Vec::new(),
        });
    }
    for kernel in spikegpu::network::gpu::KERNELS {
        all.push(Variant {
            name: kernel.name().to_string(),
            shader: kernel.composed(),
            overrides: Vec::new(),
        });
    }
    all
}

/// Parsed and validated with no optional capability: what every backend can run.
fn parse(variant: &Variant) -> (Module, ModuleInfo) {
    let source = &variant.shader.source;
    let module = naga::front::wgsl::parse_str(source)
        .unwrap_or_else(|e| panic!("{}: {}", variant.name, e.emit_to_string(source)));
    let info = Validator::new(ValidationFlags::all(), Capabilities::empty())
        .validate(&module)
        .unwrap_or_else(|e| {
            panic!(
                "{} needs a naga capability some backend lacks: {}",
                variant.name,
                e.emit_to_string(source)
            )
        });
    (module, info)
}

/// A pipeline's view of one compute entry point: the module specialised with the variant's
/// override values for that entry point, as wgpu-hal's `load_shader`/`create_shader` do first.
struct Pipeline {
    entry_point: String,
    module: Module,
    info: ModuleInfo,
    /// The pipeline layout's buffer bindings: every binding the module declares (specialising
    /// for one entry point drops the globals it does not use).
    layout: Vec<Resource>,
}

fn pipelines(variant: &Variant) -> Vec<Pipeline> {
    let (module, info) = parse(variant);
    let layout = buffer_bindings(&module);
    let constants: naga::back::PipelineConstants = variant.overrides.iter().cloned().collect();
    module
        .entry_points
        .iter()
        .filter(|ep| ep.stage == ShaderStage::Compute)
        .map(|ep| {
            let (specialised, specialised_info) = naga::back::pipeline_constants::process_overrides(
                &module,
                &info,
                Some((ShaderStage::Compute, &ep.name)),
                &constants,
            )
            .unwrap_or_else(|e| panic!("{} entry point {}: overrides: {e}", variant.name, ep.name));
            Pipeline {
                entry_point: ep.name.clone(),
                module: specialised.into_owned(),
                info: specialised_info.into_owned(),
                layout: layout.clone(),
            }
        })
        .collect()
}

/// A resource binding of the module and how a bind group layout declares it.
#[derive(Clone, Copy)]
struct Resource {
    binding: naga::ResourceBinding,
    /// `None`: a uniform buffer; `Some(read_only)`: a storage buffer.
    storage: Option<bool>,
}

/// The module's buffer bindings in (group, binding) order, as the pipeline layout declares them
/// (spikegpu's layouts mirror the shaders' declarations; wgpu rejects any mismatch).
fn buffer_bindings(module: &Module) -> Vec<Resource> {
    let mut list: Vec<Resource> = module
        .global_variables
        .iter()
        .filter_map(|(_, var)| {
            let binding = var.binding?;
            let storage = match var.space {
                AddressSpace::Uniform => None,
                AddressSpace::Storage { access } => Some(!access.contains(StorageAccess::STORE)),
                other => panic!("binding {binding:?} in {other:?}: not a buffer; teach this test its layout"),
            };
            Some(Resource { binding, storage })
        })
        .collect();
    list.sort_by_key(|r| (r.binding.group, r.binding.binding));
    list
}

/// Whether the entry point uses workgroup memory: then `zero_initialize_workgroup_memory`
/// changes the code, and both settings are translated.
fn zero_init_settings(pipeline: &Pipeline) -> Vec<bool> {
    let index = pipeline
        .module
        .entry_points
        .iter()
        .position(|ep| ep.name == pipeline.entry_point)
        .expect("process_overrides keeps the entry point it was asked for");
    let uses_workgroup = pipeline.module.global_variables.iter().any(|(handle, var)| {
        var.space == AddressSpace::WorkGroup && !pipeline.info.get_entry_point(index)[handle].is_empty()
    });
    if uses_workgroup { vec![true, false] } else { vec![true] }
}

/// wgpu's default `ShaderRuntimeChecks::checked()`: bounds checks on, so wgpu-hal asks for
/// `Restrict` (binding arrays stay unchecked).
fn checked_policies() -> BoundsCheckPolicies {
    BoundsCheckPolicies {
        index: BoundsCheckPolicy::Restrict,
        buffer: BoundsCheckPolicy::Restrict,
        image_load: BoundsCheckPolicy::Restrict,
        binding_array: BoundsCheckPolicy::Unchecked,
    }
}

/// wgpu-hal 30 `metal/device.rs` `load_shader` and `create_pipeline_layout`: buffers numbered
/// in layout order, the sizes buffer after them, no fake bindings.
fn to_msl(pipeline: &Pipeline, version: (u8, u8), zero_init: bool) -> Result<String, String> {
    let mut resources = msl::BindingMap::default();
    let mut slot = 0u8;
    for &r in &pipeline.layout {
        resources.insert(
            r.binding,
            msl::BindTarget {
                buffer: Some(slot),
                mutable: r.storage == Some(false),
                ..Default::default()
            },
        );
        slot += 1;
    }
    let options = msl::Options {
        lang_version: version,
        per_entry_point_map: msl::EntryPointResourceMap::from([(
            pipeline.entry_point.clone(),
            msl::EntryPointResources {
                resources,
                immediates_buffer: None,
                sizes_buffer: Some(slot),
            },
        )]),
        inline_samplers: Vec::new(),
        spirv_cross_compatibility: false,
        fake_missing_bindings: false,
        bounds_check_policies: checked_policies(),
        zero_initialize_workgroup_memory: zero_init,
        force_loop_bounding: true,
        task_dispatch_limits: None,
        mesh_shader_primitive_indices_clamp: true,
        emit_int_div_checks: true,
        ray_query_initialization_tracking: true,
    };
    let pipeline_options = msl::PipelineOptions {
        entry_point: Some((ShaderStage::Compute, pipeline.entry_point.clone())),
        allow_and_force_point_size: false,
        vertex_pulling_transform: true,
        vertex_buffer_mappings: Vec::new(),
        binding_array_length_map: Default::default(),
    };
    let (source, info) = msl::write_string(&pipeline.module, &pipeline.info, &options, &pipeline_options)
        .map_err(|e| format!("{e:?}"))?;
    // An entry point's own errors (e.g. a binding missing from the map) come back here, as
    // wgpu-hal reads them.
    entry_point_result(info.entry_point_names)?;
    Ok(source)
}

/// The writers' per-entry-point outcome: exactly one entry point, translated.
fn entry_point_result<E: std::fmt::Debug>(names: Vec<Result<String, E>>) -> Result<(), String> {
    match names.as_slice() {
        [Ok(_)] => Ok(()),
        [Err(e)] => Err(format!("{e:?}")),
        other => Err(format!("expected one entry point, the writer reports {}", other.len())),
    }
}

/// wgpu-hal 30 `dx12/device.rs` `create_pipeline_layout` and `load_shader`: CBV/SRV/UAV
/// registers counted per class across the groups in space 0, no fake bindings, restricted
/// indexing. (Dynamic-offset uniforms become root CBVs there, numbered after the tables: other
/// register numbers, the same code.)
fn to_hlsl(pipeline: &Pipeline, shader_model: hlsl::ShaderModel, zero_init: bool) -> Result<String, String> {
    let mut binding_map = hlsl::BindingMap::default();
    let (mut cbv, mut srv, mut uav) = (0u32, 0u32, 0u32);
    for &r in &pipeline.layout {
        let counter = match r.storage {
            None => &mut cbv,
            Some(true) => &mut srv,
            Some(false) => &mut uav,
        };
        binding_map.insert(
            r.binding,
            hlsl::BindTarget {
                space: 0,
                register: *counter,
                binding_array_size: None,
                dynamic_storage_buffer_offsets_index: None,
                restrict_indexing: r.storage.is_none(),
            },
        );
        *counter += 1;
    }
    let options = hlsl::Options {
        shader_model,
        binding_map,
        fake_missing_bindings: false,
        special_constants_binding: None,
        zero_initialize_workgroup_memory: zero_init,
        restrict_indexing: true,
        force_loop_bounding: true,
        ..Default::default()
    };
    let pipeline_options = hlsl::PipelineOptions {
        entry_point: Some((ShaderStage::Compute, pipeline.entry_point.clone())),
    };
    let mut source = String::new();
    let info = hlsl::Writer::new(&mut source, &options, &pipeline_options)
        .write(&pipeline.module, &pipeline.info, None)
        .map_err(|e| format!("{e:?}"))?;
    entry_point_result(info.entry_point_names)?;
    Ok(source)
}

/// wgpu-hal 30 `gles/device.rs` `create_pipeline_layout` and `create_shader`: uniform and
/// storage blocks numbered per class across the groups; buffer and index bounds checks left to
/// GLSL; image checks only on desktop GL ≥ 4.3.
fn to_glsl(pipeline: &Pipeline, version: glsl::Version, zero_init: bool) -> Result<String, String> {
    let mut binding_map = glsl::BindingMap::default();
    let (mut uniform, mut storage) = (0u8, 0u8);
    for &r in &pipeline.layout {
        let counter = if r.storage.is_some() {
            &mut storage
        } else {
            &mut uniform
        };
        binding_map.insert(r.binding, *counter);
        *counter += 1;
    }
    let options = glsl::Options {
        version,
        writer_flags: glsl::WriterFlags::ADJUST_COORDINATE_SPACE | glsl::WriterFlags::FORCE_POINT_SIZE,
        binding_map,
        zero_initialize_workgroup_memory: zero_init,
    };
    let pipeline_options = glsl::PipelineOptions {
        shader_stage: ShaderStage::Compute,
        entry_point: pipeline.entry_point.clone(),
        multiview: None,
    };
    let image_load = match version {
        glsl::Version::Desktop(v) if v >= 430 => BoundsCheckPolicy::ReadZeroSkipWrite,
        _ => BoundsCheckPolicy::Unchecked,
    };
    let policies = BoundsCheckPolicies {
        index: BoundsCheckPolicy::Unchecked,
        buffer: BoundsCheckPolicy::Unchecked,
        image_load,
        binding_array: BoundsCheckPolicy::Unchecked,
    };
    let mut source = String::new();
    glsl::Writer::new(
        &mut source,
        &pipeline.module,
        &pipeline.info,
        &options,
        &pipeline_options,
        policies,
    )
    .and_then(|mut writer| writer.write())
    .map_err(|e| format!("{e}"))?;
    Ok(source)
}

/// A back end at one language version, as wgpu-hal drives it.
#[derive(Clone, Copy)]
enum Target {
    Msl(u8, u8),
    Hlsl(hlsl::ShaderModel),
    Glsl(glsl::Version),
}

impl Target {
    fn translate(self, pipeline: &Pipeline, zero_init: bool) -> Result<String, String> {
        match self {
            Target::Msl(major, minor) => to_msl(pipeline, (major, minor), zero_init),
            Target::Hlsl(model) => to_hlsl(pipeline, model, zero_init),
            Target::Glsl(version) => to_glsl(pipeline, version, zero_init),
        }
    }

    fn name(self) -> String {
        match self {
            Target::Msl(major, minor) => format!("MSL {major}.{minor}"),
            Target::Hlsl(model) => format!("HLSL {}", model.to_str()),
            Target::Glsl(version) => format!("GLSL {version}"),
        }
    }
}

/// Translates every entry point of every variant to each target; fails with every failure,
/// each naming variant, entry point and target. Returns the number of entry points.
fn translate_all(targets: &[Target]) -> usize {
    let mut failures = Vec::new();
    let (mut entry_points, mut count) = (0, 0);
    for variant in every_variant() {
        for pipeline in pipelines(&variant) {
            entry_points += 1;
            for zero_init in zero_init_settings(&pipeline) {
                for target in targets {
                    count += 1;
                    if let Err(e) = target.translate(&pipeline, zero_init) {
                        failures.push(format!(
                            "{} (composed from {}), entry point `{}`, {} (zero-initialised workgroup memory: {zero_init}): {e}",
                            variant.name,
                            variant.shader.pieces,
                            pipeline.entry_point,
                            target.name()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} translations failed (the first 20):\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    entry_points
}

/// Compute entry points today: 88 cell variants, the recording kernels and the PRNG check
/// (305); fewer means a variant dropped out of the test.
const MIN_ENTRY_POINTS: usize = 305;

#[test]
fn every_entry_point_translates_to_msl() {
    // wgpu-hal picks MSL 2.0 (macOS 10.13) … 4.0 (macOS 26) by OS version.
    let targets = [
        Target::Msl(2, 0),
        Target::Msl(2, 4),
        Target::Msl(3, 0),
        Target::Msl(4, 0),
    ];
    assert!(translate_all(&targets) >= MIN_ENTRY_POINTS);
}

#[test]
fn every_entry_point_translates_to_hlsl() {
    let targets = [
        Target::Hlsl(hlsl::ShaderModel::V5_1),
        Target::Hlsl(hlsl::ShaderModel::V6_0),
    ];
    assert!(translate_all(&targets) >= MIN_ENTRY_POINTS);
}

#[test]
fn every_entry_point_translates_to_glsl() {
    // GLES 3.1 is the least that has compute shaders; desktop 4.3 likewise.
    let es = |version| glsl::Version::Embedded {
        version,
        is_webgl: false,
    };
    let targets = [
        Target::Glsl(es(310)),
        Target::Glsl(es(320)),
        Target::Glsl(glsl::Version::Desktop(430)),
    ];
    assert!(translate_all(&targets) >= MIN_ENTRY_POINTS);
}

#[test]
fn every_shader_file_is_in_a_translated_module() {
    // A new standalone kernel must join every_variant(), or it escapes the translation tests.
    let used: BTreeSet<String> = every_variant()
        .iter()
        .flat_map(|v| v.shader.pieces.split(" + ").map(str::to_string).collect::<Vec<_>>())
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let missing: Vec<String> = wgsl_files()
        .into_iter()
        .map(|p| {
            p.strip_prefix(root)
                .expect("under the crate")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|p| !used.contains(p))
        .collect();
    assert!(
        missing.is_empty(),
        "not composed into any translated module: {missing:?}"
    );
}

// ---- No infinity or NaN as data ----

/// Every `.wgsl` file under `shaders/`, sorted.
fn wgsl_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "wgsl") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders"), &mut files);
    files.sort();
    files
}

/// WGSL without its comments (`// …` and nested `/* … */`), line breaks kept.
fn strip_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('/', Some('*')) => {
                chars.next();
                depth += 1;
            }
            ('*', Some('/')) if depth > 0 => {
                chars.next();
                depth -= 1;
            }
            ('/', Some('/')) if depth == 0 => {
                while chars.peek().is_some_and(|&c| c != '\n') {
                    chars.next();
                }
            }
            ('\n', _) => out.push('\n'),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// u32::MAX, the kernels' "no index" value: an integer, never reinterpreted as a float.
const INDEX_SENTINEL: u64 = 0xFFFF_FFFF;

/// Why a WGSL token is an infinity or NaN, if it is one: the words `inf`/`infinity`/`nan`
/// (any case, as identifiers), a hex integer whose f32 bit pattern is an infinity or NaN
/// (exponent bits all ones, e.g. 0x7f800000, 0xff800000, 0x7fc00000), or a float literal
/// beyond the f32 range.
fn special_value(token: &str) -> Option<String> {
    let lower = token.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return Some(format!("`{token}`"));
    }
    let digits = lower.trim_end_matches(['u', 'i', 'f', 'h']);
    if let Some(hex) = digits.strip_prefix("0x") {
        if hex.contains(['.', 'p']) {
            return hex_float_is_beyond_f32(hex).then(|| format!("hex float {token} overflows f32"));
        }
        let bits = u64::from_str_radix(hex, 16).ok()?;
        let pattern = bits as u32;
        let exponent_all_ones = pattern & 0x7F80_0000 == 0x7F80_0000;
        return (exponent_all_ones && bits != INDEX_SENTINEL)
            .then(|| format!("{token} is the bit pattern of an f32 infinity or NaN"));
    }
    if token.starts_with(|c: char| c.is_ascii_digit() || c == '.') && lower.contains(['.', 'e']) {
        let value: f64 = digits.parse().ok()?;
        return (value.abs() > f64::from(f32::MAX)).then(|| format!("{token} overflows f32"));
    }
    None
}

/// `1.fffffep+127` (the part after `0x`): is its value beyond f32::MAX?
fn hex_float_is_beyond_f32(hex: &str) -> bool {
    let (mantissa, exponent) = hex.split_once('p').unwrap_or((hex, "0"));
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut value = 0f64;
    for (k, c) in whole.chars().chain(fraction.chars()).enumerate() {
        let digit = f64::from(c.to_digit(16).unwrap_or(0));
        value += digit * 16f64.powi(whole.len() as i32 - 1 - k as i32);
    }
    let exponent: i32 = exponent.parse().unwrap_or(0);
    value * 2f64.powi(exponent) > f64::from(f32::MAX)
}

/// The tokens of WGSL code (identifiers and numeric literals, with their line numbers).
fn tokens(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (line_no, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut k = 0;
        while k < chars.len() {
            let c = chars[k];
            let starts_number = c.is_ascii_digit() || (c == '.' && chars.get(k + 1).is_some_and(char::is_ascii_digit));
            if starts_number || c.is_alphabetic() || c == '_' {
                let start = k;
                k += 1;
                while k < chars.len() {
                    let d = chars[k];
                    let exponent_sign = starts_number
                        && matches!(d, '+' | '-')
                        && matches!(chars[k - 1], 'e' | 'E' | 'p' | 'P')
                        && !(chars[start..k].iter().any(|c| matches!(c, 'x' | 'X'))
                            && matches!(chars[k - 1], 'e' | 'E'));
                    if d.is_alphanumeric() || d == '_' || (starts_number && d == '.') || exponent_sign {
                        k += 1;
                    } else {
                        break;
                    }
                }
                out.push((line_no + 1, chars[start..k].iter().collect()));
            } else {
                k += 1;
            }
        }
    }
    out
}

/// Every special value in one WGSL source, as `file:line: why`.
fn special_values_in(file: &str, source: &str) -> Vec<String> {
    tokens(&strip_comments(source))
        .into_iter()
        .filter_map(|(line, token)| special_value(&token).map(|why| format!("{file}:{line}: {why}")))
        .collect()
}

#[test]
fn no_shader_file_holds_an_infinity_or_nan() {
    let files = wgsl_files();
    assert!(files.len() >= 15, "only {} WGSL files found", files.len());
    let found: Vec<String> = files
        .iter()
        .flat_map(|path| {
            let source = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            special_values_in(&path.display().to_string(), &source)
        })
        .collect();
    assert!(
        found.is_empty(),
        "infinities and NaN are not data under Metal's fast math (docs/PORTABILITY.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_file_scan_finds_each_kind_of_special_value() {
    let bad = [
        "var m = bitcast<f32>(0xFF800000u);",
        "let x = bitcast<f32>(0x7f800000);",
        "let q = bitcast<f32>(0x7FC00000u);",
        "let big = 1e39;",
        "let big = 0x1p128f;",
        "const INF: f32 = 1.0;",
        "let n = nan;",
    ];
    for line in bad {
        assert_eq!(special_values_in("t.wgsl", line).len(), 1, "missed in `{line}`");
    }
    let fine = [
        "let lowest = -0x1.fffffep+127f;",
        "let none = 0xFFFFFFFFu;",
        "let one = bitcast<f32>(0x3F800000u);",
        "let small = 1.5e-3;",
        "let info = inhibition; // inf nan 0xFF800000",
        "/* 0x7f800000 /* nested */ inf */ let a = 1.0;",
    ];
    for line in fine {
        assert_eq!(
            special_values_in("t.wgsl", line),
            Vec::<String>::new(),
            "false alarm in `{line}`"
        );
    }
}

/// Non-finite float constants in a module: float literals (after naga's constant evaluation
/// of constant expressions and overrides) and bitcasts of integer literals to floats, which
/// naga does not fold (`bitcast<f32>(0xff800000u)`).
fn non_finite_constants(module: &Module) -> usize {
    let count = |expressions: &naga::Arena<Expression>| {
        expressions
            .iter()
            .filter(|(_, e)| match e {
                Expression::Literal(Literal::F32(x)) => !x.is_finite(),
                Expression::Literal(Literal::F64(x) | Literal::AbstractFloat(x)) => !x.is_finite(),
                Expression::As {
                    expr,
                    kind: naga::ScalarKind::Float,
                    convert: None,
                } => match expressions[*expr] {
                    Expression::Literal(Literal::U32(bits)) => !f32::from_bits(bits).is_finite(),
                    Expression::Literal(Literal::I32(bits)) => !f32::from_bits(bits as u32).is_finite(),
                    _ => false,
                },
                _ => false,
            })
            .count()
    };
    count(&module.global_expressions)
        + module
            .functions
            .iter()
            .map(|(_, f)| count(&f.expressions))
            .sum::<usize>()
        + module
            .entry_points
            .iter()
            .map(|ep| count(&ep.function.expressions))
            .sum::<usize>()
}

#[test]
fn no_composed_module_holds_an_infinite_or_nan_constant() {
    let mut found = Vec::new();
    for variant in every_variant() {
        for pipeline in pipelines(&variant) {
            let count = non_finite_constants(&pipeline.module);
            if count > 0 {
                found.push(format!(
                    "{} entry point {}: {count}",
                    variant.name, pipeline.entry_point
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "non-finite constants after specialisation:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_constant_scan_catches_a_bitcast_infinity() {
    let module = naga::front::wgsl::parse_str(
        "@compute @workgroup_size(1) fn main() { var x = bitcast<f32>(0xFF800000u); x = x + 1.0; }",
    )
    .expect("valid WGSL");
    assert_eq!(non_finite_constants(&module), 1);
}
