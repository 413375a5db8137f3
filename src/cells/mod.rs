//! Cell models: the [`CellModel`] trait, compartments, and the registry of implemented cells.
//!
//! Each cell lives in one file (`src/cells/<key>.rs`) with its WGSL twin
//! (`shaders/cells/<key>.wgsl`). [`CELLS`] is the only place a cell is registered: tests, the
//! CLI and the pipeline set-up iterate it, and [`ngclearn_classes`] maps ngclearn's class names
//! to spikegpu keys from it.
//!
//! # Adding a cell: two files and one line
//! 1. **`src/cells/<key>.rs`**: module docs with the equations and the quirks of the reference
//!    (the conformance traces' `SEMANTICS.md` says what ngclearn does);
//!    `cell_params!` (in `describe`) with one line per ngclearn keyword (type, default, unit, rule,
//!    doc); `describe_cell!` with the class name and key, the derived constants,
//!    the integrators and the variant table, the tolerance that the traces' README recommends,
//!    the compartments (role, initial and reset value, self-check range), the uniform fields,
//!    the `override` switches and the scratch buffer; and `impl CellModel` with
//!    `cell_accessors!()` and `step_cpu`, the step in ngclearn's operation order. Cells whose
//!    step couples a row also give `gpu_passes`; cells that draw at construction,
//!    `drawn_initial`.
//! 2. **`shaders/cells/<key>.wgsl`**: `fn cell_advance(st: ptr<function, CellState>, i: u32,
//!    j_in: f32, t: f32) -> f32` (returns the spike), the twin of `step_cpu` line for line,
//!    reading parameters as `P.<uniform field>` and state as `(*st).<compartment>`; and the row
//!    passes (`row_pre`, `row_post`) if any. A cell with a choice of integrator (an `INTEGRATOR`
//!    override) also defines `fn cell_dxdt(which: u32, x: f32, frozen: vec4<f32>) -> f32`, the
//!    derivatives that the shared `ode_step` (`shaders/lib/ode.wgsl`, the twin of
//!    [`StepInfo::integrate`]) integrates. The overrides, `P`, the compartment bindings,
//!    `CellState`, `cell_load` and `cell_store` are generated from the description
//!    ([`describe::Layout::prelude`]); the `step`/`fused` entry points and `cell_fired` (the `s`
//!    and `tols` stores) are shared.
//! 3. **One line**: the key in the `registry!` list below.
//!
//! # The reference's arithmetic is what XLA compiles
//! ngclearn's steps run jit-compiled, and the float32 operations that reach the CPU are XLA's
//! rewrite of the Python expressions, not the expressions themselves. The one that changes
//! results: **a division by a compile-time constant** (a literal, or a constructor parameter,
//! which ngcsimlib bakes in as a constant) **becomes a multiplication by the constant's float32
//! reciprocal** (`x / 18.` runs as `x · 0.055555556`; seen in the optimised HLO, and a jitted
//! `v / 10.` differs from the true quotient in 20 % of float32 inputs). So a cell here
//! multiplies by a derived `inv_…` where ngclearn divides by a constant, and divides only by
//! values that change (states, rates). XLA also turns `jnp.power(v, 3)` into `(v·v)·v` and
//! `x − c` into `x + (−c)` (the same bits). `tests/conformance_cpu.rs` holds every cell to the
//! golden traces, which record XLA's results.
//!
//! A liberty is taken here, for speed (each cell's quirks list its own, such as AdEx's exponent
//! cap): the reference's spike blends `x·(1 − s) + s·to` (resets, refractory timers, `tols`)
//! are selects on the spike ([`reset_to`], [`tols_of`]). For a spike of 0 or 1 and finite
//! operands that is the same value; only the sign of a zero can differ, which no comparison or
//! sum notices (every golden trace, spike times compared bit for bit, gives the same result
//! either way). It saves two of the blend's three vector operations, 20–25 % of IF's and LIF's
//! step on the CPU.
//!
//! Then `cargo test`: `tests/shaders.rs` validates every variant with naga,
//! `tests/cell_descriptions.rs` checks the kernel's bindings and `CellState` against the
//! description, the parameter table against `from_params`, and prints the row the README and
//! crate-docs cell tables need; the conformance tests run the cell's traces.

pub mod describe;
pub mod heterogeneous;
pub mod params;

/// The registry: one line per implemented cell (its module, whose `ENTRY` is registered).
macro_rules! registry {
    ($($key:ident),+ $(,)?) => {
        $(pub mod $key;)+

        /// The implemented cells, in the order of the cell tables.
        pub static CELLS: &[&CellEntry] = &[$(&$key::ENTRY),+];
    };
}

registry! {
    integrate_and_fire,
    lif,
    quad_lif,
    adex,
    fitzhugh_nagumo,
    hodgkin_huxley,
    izhikevich,
    resonate_and_fire,
    slif,
    wtas,
}

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::integrators::Integrator;
use crate::rng::Key;

pub use adex::{AdExCell, AdExParams};
pub use fitzhugh_nagumo::{FitzhughNagumoCell, FitzhughNagumoParams};
pub use hodgkin_huxley::{HodgkinHuxleyCell, HodgkinHuxleyParams};
pub use integrate_and_fire::{IfCell, IfParams};
pub use izhikevich::{IzhikevichCell, IzhikevichParams, IzhikevichPreset};
pub use lif::{LifCell, LifParams};
pub use quad_lif::QuadLifParams;
pub use resonate_and_fire::{RafCell, RafParams};
pub use slif::{SlifCell, SlifParams};
pub use wtas::{WtasCell, WtasParams};

/// What a compartment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Set by the user before a step (the input current `j`).
    Input,
    /// Carried from step to step.
    State,
    /// The spikes of the step (`s`): what rasters record and projections read. Exactly one
    /// compartment of a cell has this role.
    Spike,
    /// Written by each step (raw spikes, time of last spike).
    Output,
}

/// One compartment of a cell: a float32 array of shape (batch, n_units), row-major.
#[derive(Debug, Clone, Copy)]
pub struct Compartment {
    /// ngclearn's name (`v`, `s`, `rfr`, ...).
    pub name: &'static str,
    /// Input, state, spike or output.
    pub role: Role,
    /// What it holds, with its unit.
    pub doc: &'static str,
}

/// The state of a population on the CPU: one `Vec<f32>` of length `batch·n_units` per
/// compartment, in the order of [`CellModel::compartments`].
#[derive(Debug, Clone, PartialEq)]
pub struct CellState {
    /// Batch rows B.
    pub batch: usize,
    /// Units per row N.
    pub n_units: usize,
    /// One array per compartment, element `b·N + n`.
    pub values: Vec<Vec<f32>>,
}

impl CellState {
    /// A state with every compartment filled with its given value.
    pub fn filled(batch: usize, n_units: usize, fill: &[f32]) -> CellState {
        CellState {
            batch,
            n_units,
            values: fill.iter().map(|&x| vec![x; batch * n_units]).collect(),
        }
    }

    /// A view of the whole state.
    pub fn view(&mut self) -> StateView<'_> {
        StateView {
            batch: self.batch,
            n_units: self.n_units,
            values: self.values.iter_mut().map(|v| &mut v[..]).collect(),
            first: 0,
        }
    }
}

/// Mutable slices of every compartment over the same elements: the whole population, or (for
/// cells without row passes) any contiguous range of neurons, which is how the CPU backend
/// steps blocks of neurons on several threads.
#[derive(Debug)]
pub struct StateView<'a> {
    /// Rows in the view (1 for a range of an element-wise cell).
    pub batch: usize,
    /// Units per row (the range's length for a range of an element-wise cell).
    pub n_units: usize,
    /// One slice per compartment.
    pub values: Vec<&'a mut [f32]>,
    /// The flat index (`b·N + n`) in the population of the view's first element (0 for the
    /// whole population), so that a cell with per-neuron parameters knows whose they are.
    pub first: usize,
}

/// What one step needs besides the state: the time stamp and step size (both float32, as the
/// reference sees them), half the step, and the subkey split off the population's key for this
/// step (used only by cells that draw random numbers every step).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepInfo {
    /// `t0 + k·dt`, computed in f64 and rounded to f32.
    pub t: f32,
    /// The step size in float32.
    pub dt: f32,
    /// `dt·0.5` in float32.
    pub half_dt: f32,
    /// This step's subkey (`key, sub = split(key)`), or the unchanged key for cells that draw
    /// nothing per step.
    pub subkey: Key,
    /// The population's key at construction (SLIF regenerates its inhibition weights from it).
    pub init_key: Key,
}

impl StepInfo {
    /// One step of `x` under `f` by `method`: [`crate::integrators::integrate`] with this
    /// step's `dt`. WGSL: `ode_step`.
    #[inline(always)]
    pub fn integrate(&self, method: Integrator, x: f32, f: impl Fn(f32) -> f32) -> f32 {
        crate::integrators::integrate(method, x, self.dt, self.half_dt, f)
    }
}

/// Runs `body(method)` with `method` a compile-time constant, vectorised
/// ([`crate::simd::vectorised`]): one copy of the loop per integrator, so that the integrator's
/// `match` is decided once per call rather than once per neuron (a branch in the loop keeps it
/// scalar). `body` must be an `#[inline(always)]` closure.
#[inline(always)]
pub(crate) fn unswitched<R>(method: Integrator, mut body: impl FnMut(Integrator) -> R) -> R {
    use crate::simd::vectorised;
    match method {
        Integrator::Euler => vectorised(
            #[inline(always)]
            || body(Integrator::Euler),
        ),
        Integrator::Midpoint => vectorised(
            #[inline(always)]
            || body(Integrator::Midpoint),
        ),
        Integrator::Heun => vectorised(
            #[inline(always)]
            || body(Integrator::Heun),
        ),
        Integrator::Ralston => vectorised(
            #[inline(always)]
            || body(Integrator::Ralston),
        ),
        Integrator::Rk4 => vectorised(
            #[inline(always)]
            || body(Integrator::Rk4),
        ),
    }
}

/// The step loop of a cell whose compartments are `[j, v, w, s, tols]`, a voltage `v` and a
/// recovery variable `w` (AdEx, FitzHugh–Nagumo, Izhikevich, RAF): `advance(method, j, v, w)`
/// gives one neuron's new `(v, w, s)` under the integrator `method` (a constant in each copy of
/// the loop, see [`unswitched`]), and `tols` follows `s` at time `t`. `cell` names the cell in
/// the message of the broken invariant. `advance` must be an `#[inline(always)]` closure.
#[inline(always)]
pub(crate) fn step_voltage_recovery(
    state: &mut StateView<'_>,
    t: f32,
    method: Integrator,
    cell: &'static str,
    advance: impl Fn(Integrator, f32, f32, f32) -> (f32, f32, f32),
) {
    let [j, v, w, s, tols] = &mut state.values[..] else {
        unreachable!("{cell} states are built with its 5 compartments [j, v, w, s, tols]")
    };
    unswitched(
        method,
        #[inline(always)]
        |m| voltage_recovery_loop(m, t, j, v, w, s, tols, &advance),
    );
}

/// [`step_voltage_recovery`]'s loop. The slices are arguments of their own function so that
/// the compiler knows they do not alias each other or the parameters `advance` reads (it then
/// keeps those in registers and vectorises).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn voltage_recovery_loop(
    m: Integrator,
    t: f32,
    j: &[f32],
    v: &mut [f32],
    w: &mut [f32],
    s: &mut [f32],
    tols: &mut [f32],
    advance: &impl Fn(Integrator, f32, f32, f32) -> (f32, f32, f32),
) {
    let n = j.len();
    let (v, w, s, tols) = (&mut v[..n], &mut w[..n], &mut s[..n], &mut tols[..n]);
    for i in 0..n {
        let (v1, w1, spike) = advance(m, j[i], v[i], w[i]);
        v[i] = v1;
        w[i] = w1;
        s[i] = spike;
        tols[i] = tols_of(tols[i], spike, t);
    }
}

/// How a cell runs on the GPU: passes around the per-element step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GpuPasses {
    /// A per-row pass (entry point `row_pre`) before the element step.
    pub row_pre: bool,
    /// A per-row pass (entry point `row_post`) after the element step.
    pub row_post: bool,
    /// The `step` entry point itself runs one workgroup per batch row (WTAS: the whole step is
    /// a chain of row reductions).
    pub step_per_row: bool,
    /// The step's multi-workgroup form for rows longer than [`crate::reductions::ROW_CHUNK`]:
    /// entry points dispatched in this order, each over its grid, instead of the passes above.
    /// Empty: the single-workgroup row passes serve every row length.
    pub chunked: &'static [(&'static str, PassGrid)],
}

/// The grid a pass of [`GpuPasses::chunked`] is dispatched over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassGrid {
    /// One workgroup per batch row (the row passes).
    Rows,
    /// One thread per element (the element-wise `step`).
    Elements,
    /// One workgroup per chunk of [`crate::reductions::ROW_CHUNK`] units (x) of every row (y).
    Chunks,
}

/// What checks need of a cell besides the cell itself: where to draw random states from and a
/// step size at which it is stable. (How closely it must match is its description's
/// [`describe::Tolerance`], on [`CellEntry::tolerance`].) Generated from the description.
pub trait CellChecks {
    /// A plausible random state and input range per compartment, for the GPU-vs-CPU self-check
    /// and benchmarks (`(lo, hi)` per compartment; spikes are outputs and their ranges are
    /// ignored).
    fn random_ranges(&self) -> Vec<(f32, f32)>;

    /// A step size (ms) at which explicit integration of this cell is stable, for checks.
    fn check_dt(&self) -> f64;
}

/// A spiking cell model with validated parameters: everything the backends need to build a
/// population of it and advance it (its description, its CPU step, its GPU passes); what
/// checks need is [`CellChecks`].
pub trait CellModel: CellChecks + std::fmt::Debug + Send + Sync {
    /// A boxed copy of this cell model.
    fn boxed(&self) -> Box<dyn CellModel>;

    /// The registry entry (key, ngclearn class name, shader).
    fn entry(&self) -> &'static CellEntry;

    /// The compartments, in the order of [`CellState::values`] and of the GPU bindings.
    fn compartments(&self) -> &'static [Compartment] {
        self.entry().layout.compartments
    }

    /// The integrator the cell was built with.
    fn integrator(&self) -> Integrator;

    /// Value of each compartment after construction (ngclearn's constructor).
    fn initial_values(&self) -> Vec<f32>;

    /// Per-unit construction values drawn from the population's key (WTAS/SLIF threshold
    /// jitter): `(compartment index, N values)`, the same for every batch row.
    fn drawn_initial(&self, _key: Key, _n_units: usize) -> Vec<(usize, Vec<f32>)> {
        Vec::new()
    }

    /// Whether `reset()` restores the [drawn](CellModel::drawn_initial) values (SLIF without
    /// `thr_persist`); otherwise reset keeps them as they are.
    fn reset_restores_drawn(&self) -> bool {
        false
    }

    /// What `reset()` does to each compartment: `Some(value)` to fill, `None` to keep it (as
    /// LIF's `thr_theta`). By default every compartment gets its construction value back.
    fn reset_values(&self) -> Vec<Option<f32>> {
        self.initial_values().into_iter().map(Some).collect()
    }

    /// Whether each step splits the key (`key, sub = split(key)`) and draws from `sub`.
    fn draws_every_step(&self) -> bool {
        false
    }

    /// Whether the step overwrites its input compartment (SLIF stores the effective current in
    /// `j`); a run then leaves that value in `j` instead of the last input.
    fn overwrites_input(&self) -> bool {
        self.entry().layout.overwrites_input
    }

    /// Advances the CPU state by one step. Inputs are already in the `Input` compartments. For
    /// cells without row passes ([`CellModel::has_row_passes`]) the view may be any range of
    /// neurons.
    fn step_cpu(&self, state: &mut StateView<'_>, step: &StepInfo);

    /// Whether the CPU backend may split a long row (longer than
    /// [`crate::reductions::ROW_CHUNK`]) over threads and step the parts with
    /// [`CellModel::step_cpu_part`]: true for cells whose row coupling is reductions in
    /// [`crate::reductions::row_sum`]'s order.
    fn splits_rows(&self) -> bool {
        false
    }

    /// One thread's part of a one-row step, the part starting on a chunk boundary, the row's
    /// reductions done through `part` (called only where [`CellModel::splits_rows`] is true).
    fn step_cpu_part(&self, state: &mut StateView<'_>, step: &StepInfo, part: &crate::team::TeamPart<'_>) {
        let _ = part;
        self.step_cpu(state, step)
    }

    /// Whether a step couples the neurons of a row (row passes on the GPU): such cells are
    /// stepped whole, and have no fused multi-step kernel.
    fn has_row_passes(&self) -> bool {
        let passes = self.gpu_passes();
        passes.row_pre || passes.row_post || passes.step_per_row
    }

    /// A short name of this variant for reports: key, integrator and options.
    fn variant_name(&self) -> String;

    /// WGSL `override` constants for this variant (integrator and boolean options), in the
    /// order of [`describe::Layout::overrides`].
    fn gpu_overrides(&self) -> Vec<(&'static str, f64)>;

    /// The contents of the cell's parameter uniform (`@binding(2)`), as 32-bit words in the
    /// order of [`describe::Layout::uniform`]; the backend pads it to 16 bytes.
    fn gpu_params(&self) -> Vec<u32>;

    /// Step-size dependent constants for `step_in.c` (e.g. `exp(-dt/tau)`), computed on the
    /// host in float32 exactly as the CPU step computes them. None by default.
    fn gpu_step_constants(&self, _dt: f32) -> [f32; 4] {
        [0.0; 4]
    }

    /// 32-bit words of the GPU scratch buffer (binding 5, for cells whose layout has one) for a
    /// population of this shape: one per batch row by default.
    fn gpu_scratch_words(&self, batch: usize, _n_units: usize) -> usize {
        batch
    }

    /// The per-neuron parameter planes of a [`heterogeneous`] population: uniform
    /// field k's value for neuron n at `k·N + n`, placed after the compartment slots of the
    /// GPU state buffer. None (uniform parameters) by default.
    fn gpu_param_planes(&self) -> Option<&[f32]> {
        None
    }

    /// The per-neuron step constants for step size `dt` ([`CellModel::gpu_step_constants`] of
    /// each neuron: constant k of neuron n at `k·N + n`), where they differ between neurons; the
    /// GPU writes them into their planes before a run. None by default.
    fn gpu_step_constant_planes(&self, _dt: f32) -> Option<Vec<f32>> {
        None
    }

    /// The number of neurons the cell's per-neuron parameters were given for (a population
    /// must have exactly that many units); `None` for a uniform cell.
    fn neuron_count(&self) -> Option<usize> {
        None
    }

    /// Per-neuron values that `reset()` writes after [`CellModel::reset_values`]:
    /// `(compartment index, N values)`, the same for every batch row. None by default.
    fn per_neuron_reset(&self) -> Vec<(usize, Vec<f32>)> {
        Vec::new()
    }

    /// The parameters that [`CellModel::gpu_step_constants`] are computed from on the host
    /// (once per step size): a population whose neurons differ in them gets the constants per
    /// neuron ([`CellModel::gpu_step_constant_planes`]).
    fn step_constant_params(&self) -> &'static [&'static str] {
        &[]
    }

    /// Which row passes the GPU kernel needs for this variant. None by default.
    fn gpu_passes(&self) -> GpuPasses {
        GpuPasses::default()
    }
}

/// The [`CellModel`] methods that come from the cell's description (`describe_cell!`):
/// `cell_accessors!(entry(self) = expr)` names the entry where one cell type serves two
/// registry entries (LIF and QuadLIF).
macro_rules! cell_accessors {
    () => {
        $crate::cells::cell_accessors!(entry(self) = &ENTRY);
    };
    (entry($self:ident) = $entry:expr) => {
        fn boxed(&self) -> Box<dyn $crate::cells::CellModel> {
            Box::new(self.clone())
        }

        fn entry(&$self) -> &'static $crate::cells::CellEntry {
            $entry
        }

        fn integrator(&self) -> $crate::integrators::Integrator {
            self.described_integrator()
        }

        fn initial_values(&self) -> Vec<f32> {
            self.described_initial()
        }

        fn reset_values(&self) -> Vec<Option<f32>> {
            self.described_reset()
        }

        fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
            self.described_overrides()
        }

        fn gpu_params(&self) -> Vec<u32> {
            self.described_uniform()
        }

        fn variant_name(&self) -> String {
            self.described_variant_name()
        }
    };
}
pub(crate) use cell_accessors;

/// Builds a cell from ngclearn keyword arguments (a JSON object).
pub type CellBuilder = fn(&Map<String, Value>) -> Result<Box<dyn CellModel>>;

/// A registered cell type.
#[derive(Debug)]
pub struct CellEntry {
    /// spikegpu's key: file stem, WGSL file stem and pipeline label prefix.
    pub key: &'static str,
    /// ngclearn's class name.
    pub class_name: &'static str,
    /// The cell's WGSL kernel: its file name (`shaders/cells/<key>.wgsl`; QuadLIF names LIF's,
    /// which it runs) and its source.
    pub shader: (&'static str, &'static str),
    /// Whether the kernel defines `cell_advance` and gets `CellState`/`cell_load`/`cell_store`
    /// from its prelude and its `step` and `fused` entry points from
    /// `shaders/lib/elementwise.wgsl` (all cells but WTAS, whose step is one row reduction).
    pub elementwise: bool,
    /// Compartments, uniform, overrides, scratch and integrators; the WGSL prelude comes from it.
    pub layout: &'static describe::Layout,
    /// The parameters: ngclearn names, defaults, units, rules and docs.
    pub params: &'static [describe::ParamDoc],
    /// How far its continuous states may differ from the traces and from the CPU.
    pub tolerance: describe::Tolerance,
    /// Builds the cell from ngclearn keyword arguments (a JSON object).
    pub from_params: CellBuilder,
    /// Every integrator × option variant, for shader validation and the self-check.
    pub variants: fn() -> Vec<Box<dyn CellModel>>,
}

/// ngclearn 3.2.3's spiking cells as `(class name, spikegpu key)`, from [`CELLS`].
pub fn ngclearn_classes() -> impl Iterator<Item = (&'static str, &'static str)> {
    CELLS.iter().map(|e| (e.class_name, e.key))
}

/// Finds an implemented cell by ngclearn class name or spikegpu key.
pub fn find(name: &str) -> Option<&'static CellEntry> {
    CELLS.iter().copied().find(|e| e.key == name || e.class_name == name)
}

/// Finds a cell by ngclearn class name or spikegpu key, or says which names exist.
pub fn lookup(name: &str) -> Result<&'static CellEntry> {
    find(name).ok_or_else(|| {
        let known: Vec<String> = CELLS.iter().map(|e| format!("{} ({})", e.class_name, e.key)).collect();
        Error::UnknownCell(format!("`{name}`; known cells: {}", known.join(", ")))
    })
}

/// Index of the cell's input compartment (`j`), or a typed error listing its compartments.
pub fn input_index(cell: &dyn CellModel) -> Result<usize> {
    find_compartment(cell, "j", |c| c.role == Role::Input)
}

/// Index of the cell's spike compartment (role [`Role::Spike`], `s`), or a typed error listing
/// its compartments.
pub fn spike_index(cell: &dyn CellModel) -> Result<usize> {
    find_compartment(cell, "s", |c| c.role == Role::Spike)
}

/// Index of a compartment by name, or a typed error listing the cell's compartments.
pub fn compartment_index(cell: &dyn CellModel, name: &str) -> Result<usize> {
    find_compartment(cell, name, |c| c.name == name)
}

/// The first compartment that `is_it`, or an error that names `what` and the cell's compartments.
fn find_compartment(cell: &dyn CellModel, what: &str, is_it: impl Fn(&Compartment) -> bool) -> Result<usize> {
    let comps = cell.compartments();
    comps.iter().position(is_it).ok_or_else(|| Error::UnknownCompartment {
        cell: cell.entry().class_name,
        name: what.to_string(),
        available: comps.iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
    })
}

/// `[x > thr]` as float32 1/0: every spike test of the reference is a strict `>`.
/// WGSL: `spike_of`.
#[inline(always)]
pub fn spike_of(x: f32, thr: f32) -> f32 {
    if x > thr { 1.0 } else { 0.0 }
}

/// `max(x, floor)` for a voltage clamp, as the select `x > floor ? x : floor`: one vector
/// instruction on x86 (`maxps` is exactly this select), where `f32::max`'s rule for NaN costs
/// two more. The same value as `f32::max` for every x but −0 against a +0 floor (+0 here,
/// either there). A NaN x gives `floor`, as `f32::max` does (XLA's `maximum` would give NaN; a
/// finite input makes no NaN here). WGSL: `floor_at`.
#[inline(always)]
pub fn floor_at(x: f32, floor: f32) -> f32 {
    if x > floor { x } else { floor }
}

/// Time of last spike: the reference's `(1 − s)·tols + s·t`, as [`reset_to`]'s select.
/// WGSL: `tols_of`.
#[inline(always)]
pub fn tols_of(tols: f32, s: f32, t: f32) -> f32 {
    reset_to(tols, s, t)
}

/// The reference's spike blend `x·(1 − s) + s·to` for a spike s of 0 or 1 (resets, refractory
/// timers, spike times), as the select `to` where s is 1, `x` where it is 0: one vector
/// operation for the blend's three. The same value for every finite x and `to`; only the sign of
/// a zero can differ (the blend adds a ±0 product, so a −0 x comes out +0 beside a positive
/// `to`), which no comparison or sum of the dynamics notices. A non-finite operand differs more:
/// the one not selected does not reach the result, where the blend would give NaN (∞·0, or a
/// NaN operand). WGSL: `reset_to`.
#[inline(always)]
pub fn reset_to(x: f32, s: f32, to: f32) -> f32 {
    select_bits(s > 0.0, to, x)
}

/// [`reset_to`] where the cell's reset option `on` is set, `x` unchanged otherwise.
/// WGSL: `reset_if`.
#[inline(always)]
pub fn reset_if(on: bool, x: f32, s: f32, to: f32) -> f32 {
    select_bits(on & (s > 0.0), to, x)
}

/// `if take { a } else { b }` as bit operations, which the compiler turns into a select
/// instruction, never a branch: behind a branch, the read of a parameter passed as `a` was
/// moved into the branch and vectorised as a masked gather (RAF's fused runs 20 % slower).
/// (`std::hint::select_unpredictable` says this directly, from Rust 1.88; the crate's minimum is
/// 1.87.)
#[inline(always)]
fn select_bits(take: bool, a: f32, b: f32) -> f32 {
    let mask = 0u32.wrapping_sub(u32::from(take));
    f32::from_bits((a.to_bits() & mask) | (b.to_bits() & !mask))
}

pub use describe::require_integrator;
