//! [`GpuContext`]: instance, adapter, device and queue, chosen from the environment or by an
//! explicit backend, and never silently falling back to another backend.

use std::sync::Arc;

use crate::error::{Error, Result};

/// Which GPU API to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuApi {
    /// Honour `WGPU_BACKEND` (e.g. `vulkan`, `metal`, `dx12`, `gl`; all when unset) and
    /// `WGPU_ADAPTER_NAME` (a case-insensitive substring of the adapter's name).
    FromEnv,
    /// Vulkan (Linux, Windows, Android; Mesa's lavapipe without a GPU).
    Vulkan,
    /// Metal (macOS, iOS).
    Metal,
    /// Direct3D 12 (Windows).
    Dx12,
    /// OpenGL / GLES (EGL on Linux).
    Gl,
}

impl GpuApi {
    /// Parses `vulkan`, `metal`, `dx12`, `gl` (and `env`).
    pub fn parse(name: &str) -> Result<GpuApi> {
        Ok(match name.to_ascii_lowercase().as_str() {
            "env" => GpuApi::FromEnv,
            "vulkan" | "vk" => GpuApi::Vulkan,
            "metal" | "mtl" => GpuApi::Metal,
            "dx12" | "d3d12" => GpuApi::Dx12,
            "gl" | "gles" | "opengl" => GpuApi::Gl,
            _ => return Err(Error::UnknownBackend(name.to_string())),
        })
    }

    fn backends(self) -> wgpu::Backends {
        match self {
            GpuApi::FromEnv => wgpu::Backends::from_env().unwrap_or(wgpu::Backends::all()),
            GpuApi::Vulkan => wgpu::Backends::VULKAN,
            GpuApi::Metal => wgpu::Backends::METAL,
            GpuApi::Dx12 => wgpu::Backends::DX12,
            GpuApi::Gl => wgpu::Backends::GL,
        }
    }

    /// Whether a specific backend was named (explicitly or through `WGPU_BACKEND`).
    fn named(self) -> Option<wgpu::Backends> {
        match self {
            GpuApi::FromEnv => wgpu::Backends::from_env(),
            other => Some(other.backends()),
        }
    }
}

/// Name, backend and type of an adapter, plus the limits that matter to spikegpu.
#[derive(Debug, Clone)]
pub struct AdapterSummary {
    /// The adapter's name (e.g. "NVIDIA H100", "llvmpipe (LLVM 15.0.6, 256 bits)").
    pub name: String,
    /// Vulkan, Metal, Dx12 or Gl.
    pub backend: wgpu::Backend,
    /// Discrete, integrated, virtual, CPU (software) or other.
    pub device_type: wgpu::DeviceType,
    /// Driver name and version.
    pub driver: String,
    /// The adapter's limits.
    pub limits: wgpu::Limits,
    /// Whether GPU timestamp queries are available.
    pub timestamps: bool,
}

impl AdapterSummary {
    fn of(adapter: &wgpu::Adapter) -> AdapterSummary {
        let info = adapter.get_info();
        AdapterSummary {
            name: info.name,
            backend: info.backend,
            device_type: info.device_type,
            driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
            limits: adapter.limits(),
            timestamps: adapter.features().contains(wgpu::Features::TIMESTAMP_QUERY),
        }
    }

    /// Whether this is a software rasteriser (lavapipe/llvmpipe, WARP, SwiftShader): its
    /// `+ - * /` are IEEE float32 with no fused multiply-add, so GPU results can be compared
    /// bit for bit with the CPU reference.
    pub fn is_software(&self) -> bool {
        self.device_type == wgpu::DeviceType::Cpu
    }
}

impl std::fmt::Display for AdapterSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let l = &self.limits;
        write!(
            f,
            "{} ({:?}, {:?}; driver {})\n  storage buffers/stage {}, storage binding {} MiB, buffer {} MiB, \
             workgroups/dim {}, invocations/workgroup {}, timestamps {}",
            self.name,
            self.backend,
            self.device_type,
            if self.driver.is_empty() { "?" } else { &self.driver },
            l.max_storage_buffers_per_shader_stage,
            l.max_storage_buffer_binding_size >> 20,
            l.max_buffer_size >> 20,
            l.max_compute_workgroups_per_dimension,
            l.max_compute_invocations_per_workgroup,
            if self.timestamps { "yes" } else { "no" },
        )
    }
}

/// A wgpu device and queue on a chosen adapter, shared by populations (clone the `Arc`).
#[derive(Debug)]
pub struct GpuContext {
    /// The adapter's description.
    pub adapter: AdapterSummary,
    /// The device; requested with the adapter's own limits.
    pub device: wgpu::Device,
    /// The device's queue.
    pub queue: wgpu::Queue,
}

/// What to install when no adapter is found.
const INSTALL_HINT: &str = "install a GPU driver with Vulkan, Metal or DX12 support; without a GPU, \
    install Mesa's software Vulkan driver (Debian/Ubuntu: `apt-get install mesa-vulkan-drivers libvulkan1`) \
    and set WGPU_BACKEND=vulkan";

fn new_instance(backends: wgpu::Backends) -> wgpu::Instance {
    let mut desc = wgpu::InstanceDescriptor::new_without_display_handle_from_env();
    desc.backends = backends;
    wgpu::Instance::new(desc)
}

/// Every adapter wgpu finds on the given backend (all backends for [`GpuApi::FromEnv`]
/// without `WGPU_BACKEND`).
pub fn list_adapters(backend: GpuApi) -> Vec<AdapterSummary> {
    let backends = backend.backends();
    let instance = new_instance(backends);
    pollster::block_on(instance.enumerate_adapters(backends))
        .iter()
        .map(AdapterSummary::of)
        .collect()
}

impl GpuContext {
    /// The adapter chosen by `WGPU_BACKEND` and `WGPU_ADAPTER_NAME` (or the highest-performance
    /// one), as an `Arc` to share between populations.
    pub fn from_env() -> Result<Arc<GpuContext>> {
        GpuContext::new(GpuApi::FromEnv).map(Arc::new)
    }

    /// Opens the best adapter of the given backend. `WGPU_ADAPTER_NAME` narrows the choice in
    /// every mode. An adapter of another backend is never used when one was named.
    pub fn new(backend: GpuApi) -> Result<GpuContext> {
        let backends = backend.backends();
        let instance = new_instance(backends);
        let for_backend = match backend.named() {
            Some(b) => format!(" for backend {b:?}"),
            None => String::new(),
        };
        let adapter = match std::env::var("WGPU_ADAPTER_NAME").ok().filter(|s| !s.is_empty()) {
            Some(wanted) => {
                let wanted_lower = wanted.to_lowercase();
                let adapters = pollster::block_on(instance.enumerate_adapters(backends));
                let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
                adapters
                    .into_iter()
                    .find(|a| a.get_info().name.to_lowercase().contains(&wanted_lower))
                    .ok_or_else(|| Error::NoAdapter {
                        for_backend: format!("{for_backend} named like `{wanted}`"),
                        hint: format!(
                            "adapters present: [{}]; unset WGPU_ADAPTER_NAME or pick one of them",
                            names.join(", ")
                        ),
                    })?
            }
            None => pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                // The adapter's real limits: populations are sized against them.
                apply_limit_buckets: false,
            }))
            .map_err(|e| Error::NoAdapter {
                for_backend: for_backend.clone(),
                hint: format!("{INSTALL_HINT} (wgpu: {e})"),
            })?,
        };
        let summary = AdapterSummary::of(&adapter);
        if let Some(named) = backend.named()
            && !named.contains(wgpu::Backends::from(summary.backend))
        {
            return Err(Error::BackendMismatch {
                requested: format!("{named:?}"),
                got: format!("{:?}", summary.backend),
                adapter: summary.name,
            });
        }
        let mut features = wgpu::Features::empty();
        if summary.timestamps {
            features |= wgpu::Features::TIMESTAMP_QUERY;
        }
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("spikegpu"),
            required_features: features,
            required_limits: summary.limits.clone(),
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::Performance,
            trace: wgpu::Trace::Off,
        }))
        .map_err(|e| Error::DeviceCreation {
            adapter: summary.name.clone(),
            reason: e.to_string(),
        })?;
        // wgpu 30 panics on uncaptured validation errors; every operation that can fail runs in
        // an error scope, so anything reaching this handler is a spikegpu bug: report it loudly.
        device.on_uncaptured_error(Arc::new(|e: wgpu::Error| {
            eprintln!("spikegpu: uncaptured wgpu error (please report): {e}");
        }));
        Ok(GpuContext {
            adapter: summary,
            device,
            queue,
        })
    }

    /// A context over a device and queue the application already has (e.g. its renderer's or
    /// its own compute pipeline's), so spikegpu populations and the application's kernels share
    /// buffers and command streams. The application keeps its device: spikegpu holds clones of
    /// the (reference-counted) handles, and installs no error handler of its own (it checks its
    /// own operations with error scopes). Limits and features are the device's.
    ///
    /// ```no_run
    /// # async fn demo(adapter: wgpu::Adapter) -> spikegpu::Result<()> {
    /// let (device, queue) = adapter.request_device(&Default::default()).await.expect("a device");
    /// let ctx = spikegpu::GpuContext::from_device(&device, &queue);
    /// # Ok(()) }
    /// ```
    pub fn from_device(device: &wgpu::Device, queue: &wgpu::Queue) -> Arc<GpuContext> {
        let info = device.adapter_info();
        let adapter = AdapterSummary {
            name: info.name,
            backend: info.backend,
            device_type: info.device_type,
            driver: format!("{} {}", info.driver, info.driver_info).trim().to_string(),
            limits: device.limits(),
            timestamps: device.features().contains(wgpu::Features::TIMESTAMP_QUERY),
        };
        Arc::new(GpuContext {
            adapter,
            device: device.clone(),
            queue: queue.clone(),
        })
    }

    /// Blocks until all submitted work is done.
    pub fn wait(&self) -> Result<()> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| Error::Gpu {
                during: "waiting for the GPU".into(),
                message: e.to_string(),
            })
    }

    /// Runs `f` inside validation and out-of-memory error scopes and turns a captured error into
    /// [`Error::Gpu`].
    pub fn checked<T>(&self, during: &str, f: impl FnOnce() -> T) -> Result<T> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let value = f();
        let validation_error = pollster::block_on(validation.pop());
        let oom_error = pollster::block_on(oom.pop());
        match validation_error.or(oom_error) {
            Some(e) => Err(Error::Gpu {
                during: during.to_string(),
                message: e.to_string(),
            }),
            None => Ok(value),
        }
    }
}
