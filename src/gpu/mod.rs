//! The GPU side: context and adapter choice, WGSL composition and validation, buffers, and the
//! population backend.

pub mod budget;
pub mod buffers;
pub mod check_kernel;
pub mod context;
pub mod math_check;
pub mod population;
pub mod recorder;
pub mod rng_check;
pub mod shaders;

pub use context::{AdapterSummary, GpuApi, GpuContext, list_adapters};
pub use population::GpuBackend;
