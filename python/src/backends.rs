//! Backends by name, as the `spikegpu` command takes them: `cpu`; `gpu` (the adapter that
//! `WGPU_BACKEND` / `WGPU_ADAPTER_NAME` choose, or the best one); or a GPU API (`vulkan`,
//! `metal`, `dx12`, `gl`). One device per name is opened once and shared by every population
//! and network of the process.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use spikegpu::{GpuApi, GpuContext, Result};

/// Where a population or network runs.
#[derive(Clone)]
pub enum Target {
    /// The CPU reference backend.
    Cpu,
    /// A GPU device.
    Gpu(Arc<GpuContext>),
}

/// The target called `name`.
pub fn target(name: &str) -> Result<Target> {
    let name = name.trim().to_ascii_lowercase();
    if name == "cpu" {
        return Ok(Target::Cpu);
    }
    let api = if name == "gpu" {
        GpuApi::FromEnv
    } else {
        GpuApi::parse(&name)?
    };
    static OPEN: OnceLock<Mutex<HashMap<String, Arc<GpuContext>>>> = OnceLock::new();
    // A panic while the table was held left it whole (insertions are single calls): keep using it.
    let mut open = OPEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(ctx) = open.get(&name) {
        return Ok(Target::Gpu(ctx.clone()));
    }
    let ctx = Arc::new(GpuContext::new(api)?);
    open.insert(name, ctx.clone());
    Ok(Target::Gpu(ctx))
}
