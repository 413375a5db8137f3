//! The crate's one error type. Every variant says what to check.

use std::path::PathBuf;

/// Everything that can go wrong in spikegpu. Library functions return `Result<_, Error>`;
/// nothing in the library panics on bad input.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A constructor parameter is out of its valid range (e.g. `tau_m <= 0`).
    #[error("invalid parameter `{name}` = {value}: {reason}")]
    InvalidParameter {
        /// ngclearn's name of the parameter.
        name: &'static str,
        /// The value that was given, as text.
        value: String,
        /// What the value must satisfy.
        reason: &'static str,
    },

    /// A population shape is impossible (`n_units = 0`, `batch = 0`, or too many elements).
    #[error("invalid population shape: {0}")]
    InvalidShape(String),

    /// The cell does not implement the integrator that was asked for.
    #[error(
        "{cell} does not implement the `{requested}` integrator (it supports: {supported}); \
         ngclearn would silently run Euler instead, spikegpu refuses"
    )]
    UnsupportedIntegrator {
        /// The ngclearn class name of the cell.
        cell: &'static str,
        /// The integrator name that was asked for.
        requested: String,
        /// The integrators the cell supports, comma separated.
        supported: String,
    },

    /// An integrator name that no cell knows.
    #[error("unknown integrator `{0}`: use one of euler, midpoint (rk2), rk4, heun (rk2_heun), ralston (rk2_ralston)")]
    UnknownIntegrator(String),

    /// An input array has the wrong number of elements.
    #[error("input `{what}` has {got} elements, expected {expected}")]
    InputLength {
        /// Which input.
        what: String,
        /// Its length.
        got: usize,
        /// The length it must have.
        expected: usize,
    },

    /// An input value is NaN or infinite: it would poison the state.
    #[error("input `{what}` holds a non-finite value ({value}) at element {index}; state would become NaN")]
    NonFiniteInput {
        /// Which input.
        what: String,
        /// Flat index of the first bad element.
        index: usize,
        /// The value found there.
        value: f32,
    },

    /// A step size that is not a positive finite number.
    #[error("time step dt = {0} must be positive and finite")]
    InvalidDt(f32),

    /// A compartment name that the cell does not have.
    #[error("{cell} has no compartment `{name}` (it has: {available})")]
    UnknownCompartment {
        /// The ngclearn class name of the cell.
        cell: &'static str,
        /// The name asked for.
        name: String,
        /// The names it has, comma separated.
        available: String,
    },

    /// A cell name (ngclearn class or spikegpu key) that spikegpu does not know or does not
    /// implement yet.
    #[error("unknown or unimplemented cell {0}")]
    UnknownCell(String),

    /// No GPU adapter was found, or not one of the backend the user named.
    #[error("no GPU adapter found{for_backend}: {hint}")]
    NoAdapter {
        /// " for backend X" when a backend was named, else empty.
        for_backend: String,
        /// What to install or set.
        hint: String,
    },

    /// The adapter wgpu returned is not on the backend the user asked for.
    #[error("asked for the {requested} backend but the adapter found is `{adapter}` on {got}; refusing to fall back")]
    BackendMismatch {
        /// The backend asked for.
        requested: String,
        /// The backend of the adapter found.
        got: String,
        /// The adapter's name.
        adapter: String,
    },

    /// A backend name that is not vulkan, metal, dx12 or gl.
    #[error("unknown GPU backend `{0}`: use vulkan, metal, dx12 or gl")]
    UnknownBackend(String),

    /// The device could not be created.
    #[error("could not create a device on adapter `{adapter}`: {reason}")]
    DeviceCreation {
        /// The adapter's name.
        adapter: String,
        /// wgpu's message.
        reason: String,
    },

    /// A population does not fit in one of the adapter's limits.
    #[error("population does not fit the adapter: {limit} is {available}, needs {needed} ({over} over)", over = .needed - .available)]
    AdapterLimit {
        /// The wgpu limit's name.
        limit: &'static str,
        /// The adapter's value.
        available: u64,
        /// What the population needs.
        needed: u64,
    },

    /// wgpu reported a validation or out-of-memory error, or a map/poll failure.
    #[error("GPU error during {during}: {message}")]
    Gpu {
        /// What spikegpu was doing.
        during: String,
        /// wgpu's message.
        message: String,
    },

    /// A composed shader failed naga's parse or validation.
    #[error("shader `{variant}` (composed from {pieces}) is invalid: {message}")]
    Shader {
        /// The variant's name (cell key + overrides).
        variant: String,
        /// The WGSL files that were concatenated.
        pieces: String,
        /// naga's message.
        message: String,
    },

    /// A conformance trace file could not be read or is malformed.
    #[error("trace {path}: {problem}")]
    Trace {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// A run configuration file is wrong: which file, which key, what was expected.
    #[error("{file}: `{key}`: {problem}")]
    Config {
        /// The configuration file.
        file: PathBuf,
        /// The key (dotted for tables, e.g. `drive.kind`).
        key: String,
        /// What is wrong and what was expected.
        problem: String,
    },

    /// A plot could not be drawn or written.
    #[error("plot {path}: {message}")]
    Plot {
        /// The PNG file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },

    /// A network, or one of its parts (a population, an encoder, a projection, a wire), is
    /// built or driven with something that cannot work: which part, and what is wrong.
    #[error("network part `{part}`: {problem}")]
    Network {
        /// The part, by its name (`W1`, `exc -> inh`, `W1.weights`, ...).
        part: String,
        /// What is wrong and what was expected.
        problem: String,
    },

    /// An I/O error with the path involved.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// Shorthand for `Result<T, spikegpu::Error>`.
pub type Result<T> = std::result::Result<T, Error>;
