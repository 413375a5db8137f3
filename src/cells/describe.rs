//! The declarative description of a cell: what it is, stated once.
//!
//! A cell file declares, with the `cell_params!` and `describe_cell!` macros, its parameters
//! (ngclearn name, default, unit, validation rule, doc line), its compartments (role, initial
//! and reset value, self-check range), its uniform layout, its `override` switches, its
//! integrators and its conformance tolerance. From that one declaration come the params struct
//! with its doc table, `from_params` with "did you mean" errors, the registry entry, the GPU
//! override and uniform tables, and the WGSL prelude (uniform struct, bindings, `CellState`,
//! `cell_load`, `cell_store`) that [`crate::gpu::shaders::compose`] emits before the cell's
//! hand-written kernel. What stays hand-written is what must: the step, once in Rust and once in
//! WGSL, in ngclearn's operation order (as GeNN's neuron models keep their sim code).
//!
//! Nothing here is specific to neurons: a network component (an encoder, a synapse, a trace)
//! has parameters, compartments with roles, a CPU step and a WGSL twin, and uses the same
//! `cell_params!`, [`Layout`] and [`Layout::prelude`].

use std::fmt::Write as _;

use super::params::ParamReader;
use super::{Compartment, Role};
use crate::error::{Error, Result};
use crate::integrators::Integrator;
use crate::surrogate::SurrogateType;

/// How a parameter is validated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// Any value of its type.
    Any,
    /// A finite number.
    Finite,
    /// A finite number > 0.
    Positive,
    /// A finite number ≥ 0; the text says what 0 means.
    NonNegative(&'static str),
    /// A finite number in (0, max]; the text says why the bound exists.
    PositiveAtMost(f32, &'static str),
    /// A finite number ≠ 0; the text says why.
    NonZero(&'static str),
}

impl Rule {
    /// Checks one float value against the rule.
    pub fn check(self, name: &'static str, value: f32) -> Result<()> {
        let fail = |reason| {
            Err(Error::InvalidParameter {
                name,
                value: value.to_string(),
                reason,
            })
        };
        match self {
            Rule::Any => Ok(()),
            Rule::Finite if !value.is_finite() => fail("must be finite"),
            Rule::Positive if !(value.is_finite() && value > 0.0) => fail("must be positive and finite"),
            Rule::NonNegative(reason) if !(value.is_finite() && value >= 0.0) => fail(reason),
            Rule::PositiveAtMost(_, _) if !(value.is_finite() && value > 0.0) => fail("must be positive and finite"),
            Rule::PositiveAtMost(max, reason) if value > max => fail(reason),
            Rule::NonZero(_) if !value.is_finite() => fail("must be finite"),
            Rule::NonZero(reason) if value == 0.0 => fail(reason),
            _ => Ok(()),
        }
    }
}

/// One row of a parameter table, as the doc table shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamDoc {
    /// ngclearn's keyword.
    pub name: &'static str,
    /// The default as written in the description (`required` when ngclearn has none).
    pub default: &'static str,
    /// The unit (`ms`, `mV`, `—`).
    pub unit: &'static str,
    /// The validation rule.
    pub rule: Rule,
    /// What it means.
    pub doc: &'static str,
    /// Whether a population may give it one value per neuron (float parameters; options,
    /// integrators and `Option`s stay scalar): see [`crate::cells::heterogeneous`].
    pub per_neuron: bool,
}

/// A parameter type: how it is read from ngclearn keyword arguments and validated.
pub trait ParamValue: Sized {
    /// Whether the type can vary per neuron ([`ParamDoc::per_neuron`]): plain floats only.
    const PER_NEURON: bool = false;

    /// Reads `name`; `default` is `None` for a parameter ngclearn requires.
    fn read(r: &mut ParamReader<'_>, name: &'static str, default: Option<Self>) -> Result<Self>;

    /// Checks the value against its rule.
    fn check(&self, name: &'static str, rule: Rule) -> Result<()>;
}

/// A parameter type that may be required (no default): its placeholder in
/// `ngclearn_defaults()`, which the rule rejects until the caller gives a value.
pub trait RequiredParam {
    /// A value every rule but [`Rule::Any`] rejects.
    const PLACEHOLDER: Self;
}

impl RequiredParam for f32 {
    const PLACEHOLDER: f32 = f32::NAN;
}

impl ParamValue for f32 {
    const PER_NEURON: bool = true;

    fn read(r: &mut ParamReader<'_>, name: &'static str, default: Option<f32>) -> Result<f32> {
        match default {
            Some(d) => r.f32_or(name, d),
            None => r.f32_required(name),
        }
    }

    fn check(&self, name: &'static str, rule: Rule) -> Result<()> {
        rule.check(name, *self)
    }
}

/// ngclearn's `None` default (JSON `null`); the rule applies to a given value.
impl ParamValue for Option<f32> {
    fn read(r: &mut ParamReader<'_>, name: &'static str, _default: Option<Option<f32>>) -> Result<Option<f32>> {
        r.f32_opt(name)
    }

    fn check(&self, name: &'static str, rule: Rule) -> Result<()> {
        self.map_or(Ok(()), |x| rule.check(name, x))
    }
}

impl ParamValue for bool {
    fn read(r: &mut ParamReader<'_>, name: &'static str, default: Option<bool>) -> Result<bool> {
        r.bool_or(name, default.unwrap_or(false))
    }

    fn check(&self, _name: &'static str, _rule: Rule) -> Result<()> {
        Ok(())
    }
}

/// Which integrators a cell implements is the cell's [`Layout::integrators`]; any name
/// [`Integrator::parse`] knows is read.
impl ParamValue for Integrator {
    fn read(r: &mut ParamReader<'_>, name: &'static str, default: Option<Integrator>) -> Result<Integrator> {
        Integrator::parse(r.str_or(name, default.unwrap_or(Integrator::Euler).name())?)
    }

    fn check(&self, _name: &'static str, _rule: Rule) -> Result<()> {
        Ok(())
    }
}

impl ParamValue for SurrogateType {
    fn read(r: &mut ParamReader<'_>, name: &'static str, default: Option<SurrogateType>) -> Result<SurrogateType> {
        SurrogateType::parse(r.str_or(name, default.unwrap_or(SurrogateType::StraightThrough).name())?)
    }

    fn check(&self, _name: &'static str, _rule: Rule) -> Result<()> {
        Ok(())
    }
}

/// The `integration_type` of a cell that implements only `supported`; anything else is
/// [`Error::UnsupportedIntegrator`].
pub fn require_integrator(cell: &'static str, integrator: Integrator, supported: &[Integrator]) -> Result<Integrator> {
    if supported.contains(&integrator) {
        Ok(integrator)
    } else {
        Err(Error::UnsupportedIntegrator {
            cell,
            requested: integrator.name().to_string(),
            supported: supported.iter().map(|i| i.name()).collect::<Vec<_>>().join(", "),
        })
    }
}

/// The spike-upstroke allowance of a cell whose dynamics amplify rounding there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Upstroke {
    /// The compartment it applies to.
    pub compartment: &'static str,
    /// It applies where the reference value is above this.
    pub above: f32,
    /// The tolerance there (a floor on the base tolerance).
    pub tolerance: f32,
}

/// How far a cell's continuous states may differ from an independent reference (`rel_err`, see
/// [`crate::conformance::rel_err`]). Spikes and spike times are always compared exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Free runs against the conformance traces: the recommended tolerance of
    /// `../shared/conformance/README.md` for this cell.
    pub trace: f32,
    /// GPU against the CPU reference on adapters that may contract multiply-adds (hardware).
    /// `None`: the kernel is `+ - * /` (and [`crate::math`]) in the CPU's order, within 1e-5
    /// there; cells whose rounding differences the dynamics amplify give a tolerance.
    pub gpu: Option<f32>,
    /// Whether a software adapter (lavapipe) reproduces the CPU bit for bit. False where Mesa's
    /// shader compiler rewrites the kernel's arithmetic (seen for Izhikevich's quadratic term,
    /// Hodgkin–Huxley's RK4 and SLIF's inhibition: 1 ulp after one step).
    pub software_bitwise: bool,
    /// A larger allowance in spike upstrokes, where the README gives one.
    pub upstroke: Option<Upstroke>,
}

impl Tolerance {
    /// The README's tolerance for cells without transcendental amplification (1e-4), bitwise on
    /// the GPU.
    pub const STRICT: Tolerance = Tolerance {
        trace: 1e-4,
        gpu: None,
        software_bitwise: true,
        upstroke: None,
    };

    /// The tolerance for one value of `compartment` whose reference value is `reference`, given
    /// the comparison's base tolerance.
    pub fn for_value(&self, compartment: &str, reference: f32, base: f32) -> f32 {
        match self.upstroke {
            Some(u) if u.compartment == compartment && reference > u.above => base.max(u.tolerance),
            _ => base,
        }
    }
}

/// A cell's GPU layout, stated once: the compartments (the input `j` in a buffer of its own at
/// binding 5, the others in slots 0, 1, … of the state buffer at binding 4, in this order), the
/// parameter uniform (binding 2), the `override` switches and the scratch binding (after the
/// input, where the kernel has one). [`Layout::prelude`] writes the WGSL declarations from it and
/// [`Layout::pack`] points the kernel's `name[index]` reads and writes at the compartment's slot,
/// so every cell binds the same few storage buffers whatever its compartment count
/// ([`Layout::storage_buffers`]). The input has its own buffer so that an application kernel
/// can read a population's state and write its input in one dispatch (wgpu tracks usage per
/// buffer: one buffer cannot be bound read-only and read-write at once).
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// The compartments, in the order of [`super::CellState::values`] and of the state slots.
    pub compartments: &'static [Compartment],
    /// The WGSL name of the uniform struct (`AdExParams`), bound as `P`.
    pub uniform_struct: &'static str,
    /// The uniform's `f32` fields, in order.
    pub uniform: &'static [&'static str],
    /// The `override` constants: name and WGSL type (`bool` or `u32`).
    pub overrides: &'static [(&'static str, &'static str)],
    /// The scratch buffer's WGSL name (an `array<u32>` at [`Layout::scratch_binding`]), if the
    /// kernel uses it.
    pub scratch: Option<&'static str>,
    /// The integrators the cell implements (none for a cell without an ODE, WTAS).
    pub integrators: &'static [Integrator],
    /// Whether the step writes its input compartment (SLIF stores the effective current in
    /// `j`): the input is then part of `CellState`, and a run leaves that value in `j` instead
    /// of the last input.
    pub overwrites_input: bool,
}

/// Binding of the run input (K×B×N, read-only storage; a placeholder otherwise).
pub const INPUT_BINDING: u32 = 3;

/// Binding of the state buffer: every compartment but the inputs, one slot of `dims.slot`
/// values each.
pub const STATE_BINDING: u32 = 4;

/// Binding of the first input compartment (`j`); each input has a buffer of its own.
pub const FIRST_INPUT_BINDING: u32 = 5;

/// Binding of the parameter uniform.
pub const PARAMS_BINDING: u32 = 2;

/// The `override` whose bit k makes uniform field k per neuron (element-wise cells; see
/// [`crate::cells::heterogeneous`]). Not in [`Layout::overrides`]: uniform populations leave it
/// at its default 0.
pub const PER_NEURON_OVERRIDE: &str = "PER_NEURON_PARAMS";

/// The WGSL name of the state buffer.
pub const STATE_NAME: &str = "cell_state";

/// Storage buffers of group 1 of an element-wise cell (the fused kernel's step table and raster).
pub const FUSED_STORAGE_BUFFERS: u32 = 2;

impl Layout {
    /// The integrators as the cell tables show them: `euler, midpoint`, or `(no ODE)`.
    pub fn integrator_names(&self) -> String {
        if self.integrators.is_empty() {
            "(no ODE)".into()
        } else {
            self.integrators.iter().map(|i| i.name()).collect::<Vec<_>>().join(", ")
        }
    }

    /// The compartments a kernel keeps in `CellState` (all but inputs the step only reads), in
    /// slot order.
    pub fn state_compartments(&self) -> impl Iterator<Item = &'static Compartment> {
        let with_input = self.overwrites_input;
        self.compartments
            .iter()
            .filter(move |c| with_input || c.role != Role::Input)
    }

    /// The input compartments (`j`), each bound on its own from [`FIRST_INPUT_BINDING`].
    pub fn inputs(&self) -> impl Iterator<Item = &'static Compartment> {
        self.compartments.iter().filter(|c| c.role == Role::Input)
    }

    /// The compartments in the state buffer, in slot order (all but the inputs).
    pub fn packed(&self) -> impl Iterator<Item = &'static Compartment> {
        self.compartments.iter().filter(|c| c.role != Role::Input)
    }

    /// Where compartment `index` (of [`Layout::compartments`]) lives: `Ok(slot)` in the state
    /// buffer, or `Err(k)` for the k-th input buffer.
    pub fn location(&self, index: usize) -> std::result::Result<usize, usize> {
        let before = &self.compartments[..index];
        let inputs_before = before.iter().filter(|c| c.role == Role::Input).count();
        if self.compartments[index].role == Role::Input {
            Err(inputs_before)
        } else {
            Ok(index - inputs_before)
        }
    }

    /// The binding of the scratch buffer: after the inputs.
    pub fn scratch_binding(&self) -> u32 {
        FIRST_INPUT_BINDING + self.inputs().count() as u32
    }

    /// Storage buffers the cell's pipeline layout binds in the compute stage: the run input, the
    /// state buffer, each input compartment, the scratch buffer where there is one, and for
    /// element-wise cells the fused kernel's step table and raster (group 1).
    pub fn storage_buffers(&self, elementwise: bool) -> u32 {
        2 + self.inputs().count() as u32
            + u32::from(self.scratch.is_some())
            + if elementwise { FUSED_STORAGE_BUFFERS } else { 0 }
    }

    /// The WGSL name of compartment `name`'s slot index constant (`SLOT_v`).
    fn slot_constant(name: &str) -> String {
        format!("SLOT_{name}")
    }

    /// The WGSL declarations composed before the cell's kernel: `override`s, the uniform struct
    /// and its binding, the state buffer and one slot constant per compartment, the scratch
    /// binding, and (for element-wise kernels) `CellState`, `cell_load` and `cell_store`.
    pub fn prelude(&self, source: &str, elementwise: bool) -> String {
        let mut w = String::new();
        // Writing into a String cannot fail.
        let mut line = |text: String| {
            w.push_str(&text);
            w.push('\n');
        };
        line(format!("// Generated from the description in {source}."));
        for (name, ty) in self.overrides {
            let default = if *ty == "bool" { "false" } else { "0u" };
            line(format!("override {name}: {ty} = {default};"));
        }
        line(format!("struct {} {{", self.uniform_struct));
        for field in self.uniform {
            line(format!("    {field}: f32,"));
        }
        line("}".into());
        line(format!(
            "@group(0) @binding({PARAMS_BINDING}) var<uniform> P: {};",
            self.uniform_struct
        ));
        line(format!(
            "// Every compartment but the inputs, slot k at [k·dims.slot, k·dims.slot + B·N); `name[i]` in the kernel reads {STATE_NAME}[SLOT_name * dims.slot + i]."
        ));
        line(format!(
            "@group(0) @binding({STATE_BINDING}) var<storage, read_write> {STATE_NAME}: array<f32>;"
        ));
        for (k, c) in self.packed().enumerate() {
            line(format!("const {}: u32 = {k}u;", Self::slot_constant(c.name)));
        }
        for (k, c) in self.inputs().enumerate() {
            let binding = FIRST_INPUT_BINDING + k as u32;
            line(format!(
                "@group(0) @binding({binding}) var<storage, read_write> {}: array<f32>;",
                c.name
            ));
        }
        if let Some(name) = self.scratch {
            line(format!(
                "@group(0) @binding({}) var<storage, read_write> {name}: array<u32>;",
                self.scratch_binding()
            ));
        }
        if elementwise {
            line(self.per_neuron_prelude());
            let names: Vec<&str> = self.state_compartments().map(|c| c.name).collect();
            line("struct CellState {".into());
            for name in &names {
                line(format!("    {name}: f32,"));
            }
            line("}".into());
            let loads: Vec<String> = names.iter().map(|n| self.element(n, "i")).collect();
            line(format!(
                "fn cell_load(i: u32) -> CellState {{\n    return CellState({});\n}}",
                loads.join(", ")
            ));
            let mut store = String::from("fn cell_store(i: u32, st: CellState) {\n");
            for name in &names {
                let _ = writeln!(store, "    {} = st.{name};", self.element(name, "i"));
            }
            store.push('}');
            line(store);
        }
        w
    }

    /// The per-neuron parameter accessor of element-wise kernels: bit k of [`PER_NEURON_OVERRIDE`]
    /// makes uniform field k a per-neuron value, read from plane k (`dims.n_units` values)
    /// after the compartment slots of the state buffer, at the neuron of `cell_element` (which
    /// the entry points set); planes `F..F+4` (F uniform fields) hold the step constants
    /// `step_in.c.x..w` per neuron ([`Layout::per_neuron_planes`]). Unset, as in every uniform
    /// population, the branch is dead once the pipeline is specialised and the value is the
    /// uniform's, as before.
    fn per_neuron_prelude(&self) -> String {
        assert!(
            self.per_neuron_planes() <= 32,
            "{PER_NEURON_OVERRIDE} is a 32-bit mask over the uniform's fields and the 4 step constants"
        );
        format!(
            "override {PER_NEURON_OVERRIDE}: u32 = 0u;\n\
             const PARAM_PLANES: u32 = {planes}u;\n\
             // The element (b·N + n) being stepped; set by the entry points.\n\
             var<private> cell_element: u32;\n\
             fn cell_param(k: u32, uniform_value: f32) -> f32 {{\n\
             \x20   if (({PER_NEURON_OVERRIDE} & (1u << k)) != 0u) {{\n\
             \x20       return {STATE_NAME}[PARAM_PLANES * dims.slot + k * dims.n_units + cell_element % dims.n_units];\n\
             \x20   }}\n\
             \x20   return uniform_value;\n\
             }}",
            planes = self.packed().count()
        )
    }

    /// An element-wise kernel's source with every parameter read `P.field` written as
    /// `cell_param(k, P.field)` (k: the field's position in the uniform) and every step
    /// constant `step_in.c.x..w` as `cell_param(F + 0..3, …)`, so that any of them can be per
    /// neuron (the accessor is in [`Layout::prelude`]). Comments are copied as they are.
    pub fn per_neuron_params(&self, source: &str) -> String {
        rewrite_words(source, |out, word, after| {
            if out.ends_with('.') {
                return None;
            }
            let (k, read) = match word {
                "P" => {
                    let field = after.strip_prefix('.')?;
                    let field = &field[..field.find(|c: char| !is_ident(c)).unwrap_or(field.len())];
                    (self.uniform.iter().position(|u| *u == field)?, format!("P.{field}"))
                }
                // The step constants, after the uniform's fields.
                "step_in" => {
                    let component = after.strip_prefix(".c.")?;
                    let k = ["x", "y", "z", "w"]
                        .iter()
                        .position(|c| component.starts_with(c) && !component[1..].starts_with(is_ident))?;
                    (self.uniform.len() + k, format!("step_in.c.{}", &component[..1]))
                }
                _ => return None,
            };
            let _ = write!(out, "cell_param({k}u, {read})");
            Some(read.len() - word.len())
        })
    }

    /// Planes of a population's per-neuron values: one per uniform field, then one per step
    /// constant (`step_in.c.x..w`, [`super::CellModel::gpu_step_constants`]).
    pub fn per_neuron_planes(&self) -> usize {
        self.uniform.len() + 4
    }

    /// Compartment `name`'s element at `index`: in its slot of the state buffer, or in its own
    /// buffer for an input.
    fn element(&self, name: &str, index: &str) -> String {
        if self.inputs().any(|c| c.name == name) {
            format!("{name}[{index}]")
        } else {
            format!("{STATE_NAME}[{} * dims.slot + ({index})]", Self::slot_constant(name))
        }
    }

    /// The kernel's source with every `compartment[index]` (a compartment name as a whole
    /// identifier, not a field after `.`, followed by `[`) written as the element of its slot in
    /// the state buffer. Comments are copied as they are. The hand-written kernels keep indexing
    /// compartments by name; naga then validates the result like any other source.
    pub fn pack(&self, source: &str) -> String {
        rewrite_words(source, |out, word, after| {
            if out.ends_with('.') || !self.packed().any(|c| c.name == word) {
                return None;
            }
            let close = after.strip_prefix('[').and_then(closing_bracket)?;
            out.push_str(&self.element(word, &self.pack(&after[1..1 + close])));
            Some(close + 2)
        })
    }
}

/// A WGSL identifier character.
fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `source` copied word by word (identifiers, and single other characters; comments as they
/// are), with `replace(out, word, after)` given each word and the text after it: it may write
/// a replacement of the word and a prefix of `after` into `out` and return that prefix's
/// length, or return `None` (having written nothing) to keep the word.
fn rewrite_words(source: &str, mut replace: impl FnMut(&mut String, &str, &str) -> Option<usize>) -> String {
    let mut out = String::with_capacity(source.len() + source.len() / 4);
    let mut rest = source;
    while let Some(pos) = rest.find(|c: char| is_ident(c) || c == '/') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len()).max(1);
        let (word, after) = rest.split_at(len);
        match replace(&mut out, word, after) {
            Some(consumed) => rest = &after[consumed..],
            None => {
                out.push_str(word);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The position of the `]` that closes an index whose `[` is just before `text`.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (k, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' if depth == 0 => return Some(k),
            ']' => depth -= 1,
            '\n' => return None,
            _ => {}
        }
    }
    None
}

/// The parameter type of a `cell_params!` default: `required` or an expression.
macro_rules! param_default_opt {
    (required) => {
        None
    };
    ($($default:tt)+) => {
        Some($($default)+)
    };
}
pub(crate) use param_default_opt;

/// The value of a `cell_params!` default in `ngclearn_defaults()`.
macro_rules! param_default_value {
    ($ty:ty; required) => {
        <$ty as $crate::cells::describe::RequiredParam>::PLACEHOLDER
    };
    ($ty:ty; $($default:tt)+) => {
        $($default)+
    };
}
pub(crate) use param_default_value;

/// A `cell_params!` rule as a [`Rule`].
macro_rules! param_rule {
    (any) => {
        $crate::cells::describe::Rule::Any
    };
    (finite) => {
        $crate::cells::describe::Rule::Finite
    };
    (positive) => {
        $crate::cells::describe::Rule::Positive
    };
    (non_negative($reason:expr)) => {
        $crate::cells::describe::Rule::NonNegative($reason)
    };
    (positive_at_most($max:expr, $reason:expr)) => {
        $crate::cells::describe::Rule::PositiveAtMost($max, $reason)
    };
    (non_zero($reason:expr)) => {
        $crate::cells::describe::Rule::NonZero($reason)
    };
}
pub(crate) use param_rule;

/// A `cell_params!` rule as doc-table text.
macro_rules! param_rule_text {
    (any) => {
        ""
    };
    (finite) => {
        "finite"
    };
    (positive) => {
        "> 0"
    };
    (non_negative($reason:expr)) => {
        "≥ 0"
    };
    (positive_at_most($max:expr, $reason:expr)) => {
        concat!("> 0, ≤ ", stringify!($max))
    };
    (non_zero($reason:expr)) => {
        "≠ 0"
    };
}
pub(crate) use param_rule_text;

/// Declares a parameter struct from one line per parameter:
///
/// ```text
/// cell_params! {
///     /// `AdExCell`'s constructor parameters.
///     pub struct AdExParams (default) {
///         tau_m: f32 [15.0] "ms" positive, "Membrane time constant.";
///         v_min: Option<f32> [None] "mV" finite, "Lower voltage clamp.";
///     }
///     accepts [batch_size];
/// }
/// ```
///
/// Each line: ngclearn's name, the type, the default (`[required]` when ngclearn has none), the
/// unit, the rule and the doc; the rule is one of (`any`, `finite`, `positive`, `non_negative("what 0 means")`,
/// `positive_at_most(max, "why")`, `non_zero("why")`). It generates the struct with the doc table, `TABLE`
/// ([`ParamDoc`] rows), `ngclearn_defaults()` (required parameters as NaN), `check()` (every
/// rule, in declaration order), `read()` (from ngclearn keyword arguments) and, with
/// `(default)`, `Default`. `accepts` names keywords spikegpu takes elsewhere (a positive
/// integer, e.g. `batch_size`); `drops` names deprecated numeric keywords that ngclearn accepts
/// and ignores (`thr_jitter`). `pub struct LifParams, with_tau_m(tau_m)` also generates the
/// constructor `LifParams::with_tau_m(tau_m)` (ngclearn's defaults, the required ones given).
macro_rules! cell_params {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident $(($default_flag:ident))? $(, $ctor:ident($($required:ident),+))? {
            $(
                $field:ident : $ty:ty [$($default:tt)+] $unit:literal $rule:ident $(($($rule_arg:expr),*))?, $doc:literal;
            )+
        }
        $(accepts [$($accepted:ident),*];)?
        $(drops [$($dropped:ident),*];)?
    ) => {
        $(#[doc = $sdoc])*
        #[doc = ""]
        #[doc = "| name | default | unit | rule | meaning |"]
        #[doc = "|---|---|---|---|---|"]
        $(
            #[doc = concat!(
                "| `", stringify!($field), "` | ", stringify!($($default)+), " | ", $unit, " | ",
                $crate::cells::describe::param_rule_text!($rule $(($($rule_arg),*))?), " | ", $doc, " |"
            )]
        )+
        #[derive(Debug, Clone, PartialEq)]
        #[allow(non_snake_case)] // ngclearn's names (HH's `v_Na`, `g_K`, ...)
        pub struct $name {
            $(
                #[doc = $doc]
                pub $field: $ty,
            )+
        }

        impl $name {
            /// The parameter table: ngclearn names, defaults, units, rules and docs.
            pub const TABLE: &'static [$crate::cells::describe::ParamDoc] = &[
                $(
                    $crate::cells::describe::ParamDoc {
                        name: stringify!($field),
                        default: stringify!($($default)+),
                        unit: $unit,
                        rule: $crate::cells::describe::param_rule!($rule $(($($rule_arg),*))?),
                        doc: $doc,
                        per_neuron: <$ty as $crate::cells::describe::ParamValue>::PER_NEURON,
                    },
                )+
            ];

            /// ngclearn's defaults; a required parameter holds a placeholder (NaN) that
            /// `check()` rejects until it is given.
            pub fn ngclearn_defaults() -> $name {
                $name {
                    $($field: $crate::cells::describe::param_default_value!($ty; $($default)+),)+
                }
            }

            $(
                /// ngclearn's defaults with the required parameters given.
                pub fn $ctor($($required: f32),+) -> $name {
                    $name {
                        $($required,)+
                        ..$name::ngclearn_defaults()
                    }
                }
            )?

            /// Checks every parameter's rule, in declaration order.
            pub fn check(&self) -> $crate::error::Result<()> {
                $(
                    $crate::cells::describe::ParamValue::check(
                        &self.$field,
                        stringify!($field),
                        $crate::cells::describe::param_rule!($rule $(($($rule_arg),*))?),
                    )?;
                )+
                Ok(())
            }

            /// Reads the parameters from ngclearn keyword arguments (the reader's `finish`
            /// then rejects unknown keys).
            #[allow(non_snake_case)]
            pub(crate) fn read(r: &mut $crate::cells::params::ParamReader<'_>) -> $crate::error::Result<$name> {
                $(
                    let $field = <$ty as $crate::cells::describe::ParamValue>::read(
                        r,
                        stringify!($field),
                        $crate::cells::describe::param_default_opt!($($default)+),
                    )?;
                )+
                $($(r.accept_positive_int(stringify!($accepted))?;)*)?
                $($(r.f32_opt(stringify!($dropped))?;)*)?
                Ok($name { $($field),+ })
            }
        }

        $($crate::cells::describe::cell_params!(@default $default_flag $name);)?
    };
    (@default default $name:ident) => {
        impl Default for $name {
            /// ngclearn's defaults.
            fn default() -> Self {
                $name::ngclearn_defaults()
            }
        }
    };
}
pub(crate) use cell_params;

/// Declares a cell's registry entry and GPU layout, and the methods that derive from them:
///
/// ```text
/// describe_cell! {
///     AdExCell(c) = "AdExCell"(AdExParams) {
///         key: "adex", kernel: "adex", elementwise: true,
///         // optional: overwrites_input: true,
///         derived(p) { inv_tau_m: f32 = 1.0 / p.tau_m }
///         integrators: [Euler, Midpoint],   // `[Euler] from <expr>` where there is no choice
///         variants(integration_type): [AdExParams { integration_type, ..AdExParams::default() }],
///         tags { spike_reset: c.p.spike_reset },   // variant name suffixes
///         // optional after the tolerance: check_dt: 0.01, (a stable step for checks; 0.1 ms)
///         tolerance: Tolerance { trace: 5e-3, gpu: Some(5e-3), software_bitwise: true, upstroke: None },
///         compartments: {
///             j: Input = 0.0, range (0.0, 120.0), "input current";
///             v: State = c.p.v0, range (-80.0, -45.0), "membrane voltage (mV)";
///         }
///         uniform AdExParams { resist_m: c.p.resist_m, inv_tau_m: c.inv_tau_m }
///         overrides { INTEGRATOR: u32 = c.p.integration_type.code() }
///         scratch: none
///     }
/// }
/// ```
///
/// `c` names the cell inside the value expressions. A compartment may add `reset <expr>` (an
/// `Option<f32>`: `None` keeps the value across `reset()`; by default it gets its initial value
/// back). It generates `ENTRY` (the registry entry), `LAYOUT`, and on the cell `from_params`
/// (reads the params with their `read()`, rejects unknown keys, builds the cell with its `new`),
/// `described_initial`, `described_reset`, `described_ranges`, `described_uniform`,
/// `described_overrides` and `described_integrator`, which `cell_accessors!` forwards.
macro_rules! describe_cell {
    (
        $(#[doc = $celldoc:literal])*
        $cell:ident($c:ident) = $class:literal($params:ident) {
            key: $key:literal, kernel: $kernel:literal, elementwise: $elementwise:literal,
            $(overwrites_input: $overwrites:literal,)?
            derived($p:ident) {
                $(
                    $(#[doc = $ddoc:literal])*
                    $dfield:ident : $dty:ty = $dvalue:expr
                ),* $(,)?
            }
            integrators: [$($integ:ident),*] $(from $integrator:expr)?,
            variants($vi:ident): $variants:expr,
            tags { $($tag:ident: $tagged:expr),* $(,)? }
            tolerance: $tolerance:expr,
            $(check_dt: $check_dt:literal,)?
            compartments: {
                $(
                    $comp:ident : $role:ident = $init:expr $(, reset $reset:expr)?, range ($lo:expr, $hi:expr), $cdoc:literal;
                )+
            }
            uniform $uniform_struct:ident { $($ufield:ident : $uvalue:expr),+ $(,)? }
            overrides { $($oname:ident : $oty:ident = $ovalue:expr),* $(,)? }
            scratch: $scratch:ident
        }
    ) => {
        /// The cell's layout: compartments (state slots 0, 1, … in this order), uniform, overrides,
        /// scratch and integrators.
        ///
        /// | compartment | role | initial value | `reset()` | meaning |
        /// |---|---|---|---|---|
        $(
            #[doc = concat!(
                "| `", stringify!($comp), "` | ", stringify!($role), " | `", stringify!($init), "` | ",
                $crate::cells::describe::describe_cell!(@reset_text $($reset)?), " | ", $cdoc, " |"
            )]
        )+
        pub static LAYOUT: $crate::cells::describe::Layout = $crate::cells::describe::Layout {
            compartments: &[
                $(
                    $crate::cells::Compartment {
                        name: stringify!($comp),
                        role: $crate::cells::Role::$role,
                        doc: $cdoc,
                    },
                )+
            ],
            uniform_struct: stringify!($uniform_struct),
            uniform: &[$(stringify!($ufield)),+],
            overrides: &[$((stringify!($oname), stringify!($oty))),*],
            scratch: $crate::cells::describe::describe_cell!(@scratch $scratch),
            overwrites_input: $crate::cells::describe::describe_cell!(@flag $($overwrites)?),
            integrators: &[$($crate::integrators::Integrator::$integ),*],
        };

        /// The registry entry.
        pub static ENTRY: $crate::cells::CellEntry = $crate::cells::CellEntry {
            key: $key,
            class_name: $class,
            shader: (
                concat!("shaders/cells/", $kernel, ".wgsl"),
                include_str!(concat!("../../shaders/cells/", $kernel, ".wgsl")),
            ),
            elementwise: $elementwise,
            layout: &LAYOUT,
            params: $params::TABLE,
            tolerance: $tolerance,
            from_params: |map| Ok(Box::new($cell::from_params(map)?)),
            variants: $cell::all_variants,
        };

        $(#[doc = $celldoc])*
        #[derive(Debug, Clone)]
        pub struct $cell {
            /// The validated parameters.
            p: $params,
            $(
                $(#[doc = $ddoc])*
                $dfield: $dty,
            )*
        }

        impl $cell {
            /// Validates the parameters (every rule of the table, and the integrator) and
            /// computes the derived constants.
            pub fn new(p: $params) -> $crate::error::Result<$cell> {
                p.check()?;
                #[allow(clippy::let_unit_value, clippy::unused_unit, unused_variables)] // cells without derived constants
                let ($($dfield,)*) = {
                    let $p = &p;
                    ($($dvalue,)*)
                };
                let cell = $cell { $($dfield,)* p };
                if !LAYOUT.integrators.is_empty() {
                    $crate::cells::describe::require_integrator($class, cell.described_integrator(), LAYOUT.integrators)?;
                }
                Ok(cell)
            }

            /// The validated parameters.
            pub fn params(&self) -> &$params {
                &self.p
            }

            /// Every integrator × option variant of the description's table, for shader
            /// validation and the GPU self-check.
            pub fn all_variants() -> Vec<Box<dyn $crate::cells::CellModel>> {
                // A cell without an ODE runs its option table once.
                let integrators = if LAYOUT.integrators.is_empty() {
                    &[$crate::integrators::Integrator::Euler][..]
                } else {
                    LAYOUT.integrators
                };
                #[allow(unused_variables)] // option tables that do not depend on the integrator
                let sets = integrators.iter().flat_map(|&$vi| $variants);
                $crate::cells::describe::variants_of(sets, $cell::new)
            }

            /// Builds the cell from ngclearn keyword arguments (a JSON object); unknown or
            /// misspelled keys are an error that names the closest parameter.
            pub fn from_params(map: &serde_json::Map<String, serde_json::Value>) -> $crate::error::Result<$cell> {
                let mut r = $crate::cells::params::ParamReader::new(map);
                let p = $params::read(&mut r)?;
                r.finish()?;
                $cell::new(p)
            }

            /// Each compartment's value after construction, in layout order.
            #[allow(unused_variables)] // cells whose values do not depend on the parameters
            fn described_initial(&self) -> Vec<f32> {
                let $c = self;
                vec![$($init),+]
            }

            /// What `reset()` does to each compartment: its initial value unless the
            /// description says otherwise (`None`: keep).
            #[allow(unused_variables)] // cells whose values do not depend on the parameters
            fn described_reset(&self) -> Vec<Option<f32>> {
                let $c = self;
                vec![$($crate::cells::describe::describe_cell!(@reset $init $(, $reset)?)),+]
            }

            /// The parameter uniform's words, in the layout's order.
            #[allow(unused_variables)] // cells whose values do not depend on the parameters
            fn described_uniform(&self) -> Vec<u32> {
                let $c = self;
                vec![$(f32::to_bits($uvalue)),+]
            }

            /// The `override` values of this variant.
            #[allow(unused_variables)] // cells whose values do not depend on the parameters
            fn described_overrides(&self) -> Vec<(&'static str, f64)> {
                let $c = self;
                vec![$((stringify!($oname), $crate::cells::describe::OverrideValue::to_override($ovalue))),*]
            }

            /// The integrator the cell was built with (`c.p.integration_type` unless the
            /// description names another).
            #[allow(unused_variables)] // cells whose values do not depend on the parameters
            fn described_integrator(&self) -> $crate::integrators::Integrator {
                let $c = self;
                $crate::cells::describe::describe_cell!(@integrator $c $($integrator)?)
            }

            /// The variant's name: key, integrator (where there is a choice) and the tags that
            /// are on.
            #[allow(unused_variables)] // cells without tags
            fn described_variant_name(&self) -> String {
                let $c = self;
                let mut name = $crate::cells::CellModel::entry(self).key.to_string();
                if LAYOUT.integrators.len() > 1 {
                    name = format!("{name}/{}", self.described_integrator());
                }
                $(
                    if $tagged {
                        name.push_str(concat!("+", stringify!($tag)));
                    }
                )*
                name
            }
        }

        impl $crate::cells::CellChecks for $cell {
            #[allow(unused_variables)] // cells whose ranges do not depend on the parameters
            fn random_ranges(&self) -> Vec<(f32, f32)> {
                let $c = self;
                vec![$(($lo, $hi)),+]
            }

            fn check_dt(&self) -> f64 {
                $crate::cells::describe::describe_cell!(@check_dt $($check_dt)?)
            }
        }
    };
    (@integrator $c:ident) => {
        $c.p.integration_type
    };
    (@integrator $c:ident $integrator:expr) => {
        $integrator
    };
    (@check_dt) => {
        0.1
    };
    (@check_dt $dt:literal) => {
        $dt
    };
    (@flag) => {
        false
    };
    (@flag $flag:literal) => {
        $flag
    };
    (@scratch none) => {
        None
    };
    (@scratch $name:ident) => {
        Some(stringify!($name))
    };
    (@reset_text) => {
        "initial value"
    };
    (@reset_text $reset:expr) => {
        concat!("`", stringify!($reset), "`")
    };
    (@reset $init:expr) => {
        Some($init)
    };
    (@reset $init:expr, $reset:expr) => {
        $reset
    };
}
pub(crate) use describe_cell;

/// A value of a WGSL `override` constant.
pub trait OverrideValue {
    /// As the pipeline constant (f64, as wgpu takes them).
    fn to_override(self) -> f64;
}

impl OverrideValue for bool {
    fn to_override(self) -> f64 {
        if self { 1.0 } else { 0.0 }
    }
}

impl OverrideValue for u32 {
    fn to_override(self) -> f64 {
        f64::from(self)
    }
}

/// Builds one boxed cell per parameter set, for [`super::CellEntry::variants`]: the variant
/// tables hold valid parameters by construction.
pub fn variants_of<P, C: super::CellModel + 'static>(
    params: impl IntoIterator<Item = P>,
    build: fn(P) -> Result<C>,
) -> Vec<Box<dyn super::CellModel>> {
    params
        .into_iter()
        .map(|p| Box::new(build(p).expect("the variant table holds valid parameters")) as Box<dyn super::CellModel>)
        .collect()
}
