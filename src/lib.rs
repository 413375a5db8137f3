//! # spikegpu
//!
//! ngclearn 3.2.3's spiking cells, re-implemented to give the same spikes, on any GPU that wgpu
//! reaches (Vulkan, Metal, DX12, GL) through WGSL compute shaders, and on a CPU reference
//! backend that computes the same numbers.
//!
//! ## Quick start
//! ```
//! use spikegpu::{Population, cells::{LifCell, LifParams}};
//!
//! // ngclearn: LIFCell("z", n_units=1000, tau_m=10., key=PRNGKey(1))
//! let cell = LifCell::new(LifParams::with_tau_m(10.0))?;
//! let mut pop = Population::cpu(Box::new(cell), 1000, 1, 1)?;
//! // On a GPU: let ctx = spikegpu::GpuContext::from_env()?; Population::gpu(&ctx, ...)
//! pop.set_input(&vec![25.0; 1000])?;
//! let mut spikes = 0.0;
//! for _ in 0..1000 {
//!     pop.step(0.1)?; // t = k·0.1 ms
//!     spikes += pop.read("s")?.iter().sum::<f32>();
//! }
//! assert!(spikes > 0.0);
//! # Ok::<(), spikegpu::Error>(())
//! ```
//!
//! ## Cells
//! | ngclearn class | key | integrators | docs |
//! |---|---|---|---|
//! | `IFCell` | `integrate_and_fire` | euler, midpoint | [`cells::integrate_and_fire`] |
//! | `LIFCell` | `lif` | euler, midpoint | [`cells::lif`] |
//! | `QuadLIFCell` | `quad_lif` | euler, midpoint | [`cells::quad_lif`] |
//! | `AdExCell` | `adex` | euler, midpoint | [`cells::adex`] |
//! | `FitzhughNagumoCell` | `fitzhugh_nagumo` | euler, midpoint | [`cells::fitzhugh_nagumo`] |
//! | `HodgkinHuxleyCell` | `hodgkin_huxley` | euler, midpoint, rk4 | [`cells::hodgkin_huxley`] |
//! | `IzhikevichCell` | `izhikevich` | euler, midpoint | [`cells::izhikevich`] |
//! | `RAFCell` | `resonate_and_fire` | euler, midpoint | [`cells::resonate_and_fire`] |
//! | `SLIFCell` | `slif` | euler | [`cells::slif`] |
//! | `WTASCell` | `wtas` | (no ODE) | [`cells::wtas`] |
//!
//! ## Networks
//! [`network`] couples populations, ngclearn's input encoders and projections (dense, one-to-one,
//! sparse, procedural; instantaneous or exponential-current synapses; axonal delays) into one
//! network on the CPU ([`network::CpuNetwork`]) or the GPU ([`network::GpuNetwork`]), built with
//! [`network::NetworkBuilder`]; ngclearn's own synapse components replay its multi-component
//! golden traces through the same engines ([`network::trace`]).
//!
//! ## Heterogeneous populations
//! Any float parameter of an element-wise cell may differ per neuron: N values, or a
//! `uniform`/`normal` distribution drawn once on the host from a key
//! ([`cells::heterogeneous::build`], or `{ uniform = [low, high] }` and arrays in config files).
//! A scalar stays uniform, with the same kernel and numbers as before; what must stay scalar is
//! refused with an error naming the parameter (see [`cells::heterogeneous`]).
//!
//! ```
//! use spikegpu::cells::{self, heterogeneous::{self, PerNeuron}};
//! use spikegpu::rng::Key;
//! // Izhikevich (2003)'s inhibitory cells: a = 0.02 + 0.08·r, b = 0.25 − 0.05·r, r uniform.
//! let r = Key::from_seed(1).uniform01(200);
//! let cell = heterogeneous::build(
//!     cells::lookup("IzhikevichCell")?,
//!     serde_json::json!({ "v_reset": -65.0, "w_reset": 2.0 }).as_object().unwrap(),
//!     &[
//!         ("tau_w", PerNeuron::Values(r.iter().map(|r| 1.0 / (0.02 + 0.08 * r)).collect())),
//!         ("coupling_factor", PerNeuron::Values(r.iter().map(|r| 0.25 - 0.05 * r).collect())),
//!         ("v0", PerNeuron::uniform(-70.0, -60.0)),
//!     ],
//!     200,
//!     Key::from_seed(7),
//! )?;
//! let mut pop = spikegpu::Population::cpu(cell, 200, 1, 0)?;
//! pop.run(100, 0.5, spikegpu::Drive::Constant(10.0), &spikegpu::Record::none())?;
//! # Ok::<(), spikegpu::Error>(())
//! ```
//!
//! ## Embedding in an application's GPU pipeline
//! An application that already owns a wgpu device can run populations on it and couple them to
//! its own kernels on the GPU, with no copy through the CPU:
//!
//! 1. **Bring your own device.** [`GpuContext::from_device`]`(&device, &queue)` wraps the
//!    application's device and queue (spikegpu keeps clones of the reference-counted handles and
//!    installs no error handler). wgpu's default limits suffice: a population binds at most 6
//!    storage buffers per stage (WebGPU's default is 8); request the adapter's own limits
//!    (`required_limits: adapter.limits()`) for populations larger than the default 128 MiB
//!    binding holds. Any number of populations, of any cells, can share the context.
//! 2. **Buffers.** [`Population::gpu_buffer`]`("s")` (or `"v"`, `"j"`, …) is the compartment
//!    ([`gpu::buffers::CompartmentBuffer`]: `buffer`, `offset`, `size`): `array<f32>`, batch ×
//!    n_units, row-major (element `b·N + n`), usage STORAGE | COPY_SRC | COPY_DST; the input `j`
//!    in a buffer of its own, the others slices of the population's state buffer. Bind it with
//!    `.binding()`, copy with `buffer` and `offset`. Read any compartment; write the input `j`
//!    (in one dispatch, bind one population's state compartments all read-only or all
//!    read-write: wgpu tracks usage per buffer).
//! 3. **One command stream.** [`Population::encode_run`]`(&mut encoder, steps, dt, drive)`
//!    records steps into the application's `CommandEncoder` instead of submitting them; the
//!    application interleaves its own compute passes and submits once.
//!
//! Ordering and synchronisation: commands execute in the order they are encoded, and wgpu
//! inserts the barriers between passes, so a kernel encoded after a population's step sees that
//! step's outputs (`s`, `v`, …), and a step encoded after a kernel that wrote `j` uses that `j`
//! (with [`run::Drive::Current`]). Within one `encode_run` of several steps, the steps see only
//! their own drive: couple populations step by step (one `encode_run(…, 1, …)` per population
//! per step, the application's kernels in between). `encode_run` advances the population's
//! clock and key immediately; the work happens at submission. Buffer contents are read back
//! with [`Population::read`] after the submission (it waits for the GPU). Do not write a
//! population's buffers from another queue or thread while its work is in flight.
//!
//! ## Cargo features
//! The library itself needs only wgpu, naga, bytemuck and a few small crates. Two default
//! features add the rest:
//! * `cli`: the `spikegpu` command and `spikegpu::config` (TOML run configs, with clap, indicatif and
//!   toml); it turns on `plot`, since `spikegpu run` draws its results.
//! * `plot`: `spikegpu::plot`, PNG rasters and traces (plotters, with the DejaVu font compiled in).
//!
//! An application that embeds spikegpu turns them off:
//! `spikegpu = { version = "0.1", default-features = false }`.
//!
//! ## Layers
//! [`Population`] validates input, keeps the clock and the PRNG key chain, and drives a
//! [`Backend`]: [`CpuBackend`] (the reference math) or [`GpuBackend`] (WGSL kernels over one
//! state buffer holding every compartment). [`conformance`] compares either against ngclearn's golden
//! traces; [`selfcheck`] compares the GPU against the CPU on random states.

#![warn(missing_docs)]
#![deny(clippy::unwrap_used)]

pub mod backend;
pub mod bench;
pub mod cells;
#[cfg(feature = "cli")]
pub mod config;
pub mod conformance;
pub mod cpu;
pub mod error;
pub mod gpu;
pub mod integrators;
pub mod math;
#[cfg(feature = "cli")]
pub mod netconfig;
pub mod network;
pub mod npy;
#[cfg(feature = "plot")]
pub mod plot;
pub mod population;
pub mod reductions;
pub mod rng;
pub mod run;
pub mod selfcheck;
pub mod simd;
pub mod surrogate;
pub mod team;

pub use backend::{Backend, ExecMode, RunRequest};
pub use cpu::CpuBackend;
pub use error::{Error, Result};
pub use gpu::{GpuApi, GpuBackend, GpuContext};
pub use population::Population;
pub use run::{Drive, Record, Recording};
