//! Composing WGSL (the language has no `#include`) and validating every variant with naga,
//! without a device.

use crate::cells::CellModel;
use crate::error::{Error, Result};

/// `(file name, source)` of a file in `shaders/lib/`.
macro_rules! lib_piece {
    ($stem:literal) => {
        (
            concat!("shaders/lib/", $stem, ".wgsl"),
            include_str!(concat!("../../shaders/lib/", $stem, ".wgsl")),
        )
    };
}

/// The counter-based PRNG (`shaders/lib/rng.wgsl`, twin of [`crate::rng`]).
pub const RNG_LIBRARY: (&str, &str) = lib_piece!("rng");

/// The math library (`shaders/lib/math.wgsl`, twin of [`crate::math`]).
pub const MATH_LIBRARY: (&str, &str) = lib_piece!("math");

/// The shared WGSL pieces every cell kernel is composed with, in order, with their file names.
pub const LIBRARY: &[(&str, &str)] = &[
    lib_piece!("common"),
    MATH_LIBRARY,
    RNG_LIBRARY,
    lib_piece!("integrators"),
    lib_piece!("surrogate"),
    lib_piece!("spikes"),
];

/// A composed shader: its source and the files it was joined from (error lines refer to the
/// joined text).
#[derive(Debug, Clone)]
pub struct ComposedShader {
    /// The WGSL source.
    pub source: String,
    /// The files joined, comma separated, for error messages.
    pub pieces: String,
}

/// Joins the library pieces, the prelude generated from the cell's description
/// ([`crate::cells::describe::Layout::prelude`]), the cell's kernel, for cells with a choice of
/// integrator (an `INTEGRATOR` override) the ODE step [`ODE`] that calls the kernel's
/// `cell_dxdt`, and, for element-wise cells, the shared entry points. The kernel and the entry
/// points index compartments by name, which [`crate::cells::describe::Layout::pack`] points at
/// their slots of the state buffer.
pub fn compose(cell: &dyn CellModel) -> ComposedShader {
    let entry = cell.entry();
    let layout = entry.layout;
    let prelude_name = format!("(prelude of {})", entry.key);
    let prelude = layout.prelude(&format!("src/cells/{}.rs", entry.key), entry.elementwise);
    // Element-wise kernels read each parameter through `cell_param`, so that a population may
    // give it per neuron (crate::cells::heterogeneous); uniform populations specialise it away.
    let kernel = if entry.elementwise {
        layout.pack(&layout.per_neuron_params(entry.shader.1))
    } else {
        layout.pack(entry.shader.1)
    };
    let shared = layout.pack(ELEMENTWISE.1);
    let mut parts: Vec<(&str, &str)> = LIBRARY.to_vec();
    parts.push((&prelude_name, &prelude));
    parts.push((entry.shader.0, &kernel));
    if layout.overrides.iter().any(|&(name, _)| name == "INTEGRATOR") {
        parts.push(ODE);
    }
    if entry.elementwise {
        parts.push((ELEMENTWISE.0, &shared));
    }
    compose_pieces(&parts)
}

/// `ode_step`, the per-variable integrator of the cells with a choice of integrator.
pub const ODE: (&str, &str) = lib_piece!("ode");

/// The `step`/`fused` entry points of element-wise cells.
pub const ELEMENTWISE: (&str, &str) = lib_piece!("elementwise");

/// The recording kernels (spike packing, trace sampling), composed on their own.
pub const RECORD: (&str, &str) = lib_piece!("record");

/// Joins the library pieces and one more file.
pub fn compose_with(name: &str, body: &str) -> ComposedShader {
    let mut all: Vec<(&str, &str)> = LIBRARY.to_vec();
    all.push((name, body));
    compose_pieces(&all)
}

/// Joins the given `(file name, source)` pieces in order.
pub fn compose_pieces(parts: &[(&str, &str)]) -> ComposedShader {
    let mut source = String::new();
    let mut pieces = Vec::new();
    for &(file, text) in parts {
        source.push_str(&format!("// ---- {file} ----\n"));
        source.push_str(text);
        source.push('\n');
        pieces.push(file);
    }
    ComposedShader {
        source,
        pieces: pieces.join(" + "),
    }
}

/// Parses and validates a composed shader, then specialises it with the given `override`
/// values and validates it again, as the driver would see it.
pub fn validate(shader: &ComposedShader, variant: &str, overrides: &[(&str, f64)]) -> Result<()> {
    let fail = |message: String| Error::Shader {
        variant: variant.to_string(),
        pieces: shader.pieces.clone(),
        message,
    };
    let module = naga::front::wgsl::parse_str(&shader.source).map_err(|e| fail(e.emit_to_string(&shader.source)))?;
    let mut validator =
        naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all());
    let info = validator
        .validate(&module)
        .map_err(|e| fail(e.emit_to_string(&shader.source)))?;
    let mut constants = naga::back::PipelineConstants::default();
    for (name, value) in overrides {
        constants.insert((*name).to_string(), *value);
    }
    let (specialised, _) = naga::back::pipeline_constants::process_overrides(&module, &info, None, &constants)
        .map_err(|e| fail(format!("override specialisation: {e}")))?;
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
        .validate(&specialised)
        .map_err(|e| fail(e.emit_to_string(&shader.source)))?;
    Ok(())
}

/// Validates every variant of every registered cell; returns the names checked.
pub fn validate_all_cells() -> Result<Vec<String>> {
    let mut names = Vec::new();
    for entry in crate::cells::CELLS {
        for cell in (entry.variants)() {
            let name = cell.variant_name();
            validate(&compose(cell.as_ref()), &name, &cell.gpu_overrides())?;
            names.push(name);
        }
    }
    Ok(names)
}
