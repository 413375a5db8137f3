//! The storage-buffer budget (issue 15): every kernel's pipeline layout binds at most WebGPU's
//! default of 8 storage buffers per stage; the layouts the host builds bind exactly the storage
//! buffers each composed module declares (naga reflection, no device); every cell runs its GPU
//! self-check on a device created with WebGPU's default limits; and a population that does not
//! fit an adapter names the limit and what it needs.

mod common;

use naga::AddressSpace;
use spikegpu::cells::{CELLS, IzhikevichCell, IzhikevichParams, LifCell, LifParams, lif};
use spikegpu::conformance::Outcome;
use spikegpu::gpu::budget::{self, KernelKind};
use spikegpu::gpu::buffers::WORKGROUP_SIZE;
use spikegpu::gpu::{math_check, recorder, rng_check, shaders};
use spikegpu::network::gpu::KERNELS;
use spikegpu::{Error, GpuContext, Population, selfcheck};

/// WebGPU's default, which wgpu's default limits request (and many GLES drivers have).
const WEBGPU_STORAGE_BUFFERS: u32 = 8;

/// Storage buffers a composed module declares, after checking that every entry point's
/// workgroup is within spikegpu's size.
fn declared_storage_buffers(name: &str, source: &str) -> u32 {
    let module = naga::front::wgsl::parse_str(source).unwrap_or_else(|e| panic!("{name}: {e}"));
    for ep in &module.entry_points {
        let size: u32 = ep.workgroup_size.iter().product();
        assert!(
            size <= WORKGROUP_SIZE,
            "{name}::{}: workgroup of {size} invocations",
            ep.name
        );
    }
    module
        .global_variables
        .iter()
        .filter(|(_, g)| matches!(g.space, AddressSpace::Storage { .. }) && g.binding.is_some())
        .count() as u32
}

#[test]
fn every_pipeline_layout_binds_at_most_eight_storage_buffers() {
    assert_eq!(
        wgpu::Limits::default().max_storage_buffers_per_shader_stage,
        WEBGPU_STORAGE_BUFFERS
    );
    let kernels = budget::kernels();
    // Every cell, every network kernel, recording and the PRNG check.
    assert_eq!(kernels.len(), CELLS.len() + KERNELS.len() + 2);
    for k in &kernels {
        assert!(
            k.storage_buffers <= WEBGPU_STORAGE_BUFFERS,
            "{} ({}) binds {} storage buffers per stage",
            k.name,
            k.kind.name(),
            k.storage_buffers
        );
    }

    // The budget's counts are the host layouts', and those bind exactly what the modules declare.
    for entry in CELLS {
        let layout_count = budget::cell_kernel(entry).storage_buffers;
        for cell in (entry.variants)() {
            let name = cell.variant_name();
            let composed = shaders::compose(cell.as_ref());
            assert_eq!(
                declared_storage_buffers(&name, &composed.source),
                layout_count,
                "{name}: the pipeline layout and the module disagree"
            );
        }
    }
    for kernel in KERNELS {
        let budgeted = kernels
            .iter()
            .find(|k| k.kind == KernelKind::Network && k.name == kernel.name());
        assert_eq!(budgeted.map(|k| k.storage_buffers), Some(kernel.storage.len() as u32));
        assert_eq!(
            declared_storage_buffers(kernel.name(), &kernel.composed().source),
            kernel.storage.len() as u32,
            "{}: the pipeline layout and the module disagree",
            kernel.name()
        );
    }
    let record = shaders::compose_pieces(&[shaders::RECORD]);
    assert_eq!(
        declared_storage_buffers("record", &record.source),
        recorder::STORAGE.len() as u32
    );
    assert_eq!(
        declared_storage_buffers("rng_check", &rng_check::composed().source),
        rng_check::STORAGE_BUFFERS
    );
    assert_eq!(
        declared_storage_buffers("math_check", &math_check::composed().source),
        math_check::STORAGE_BUFFERS
    );
}

/// A device on the environment's adapter with exactly `limits` (WebGPU's defaults, or lower).
fn device_with(limits: wgpu::Limits) -> Option<std::sync::Arc<GpuContext>> {
    // Skips or fails (SPIKEGPU_REQUIRE_GPU) the same way as the other GPU tests.
    common::gpu()?;
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
        .expect("the adapter common::gpu() found");
    let descriptor = wgpu::DeviceDescriptor {
        required_limits: limits,
        ..Default::default()
    };
    let (device, queue) = pollster::block_on(adapter.request_device(&descriptor)).expect("a device");
    Some(GpuContext::from_device(&device, &queue))
}

#[test]
fn every_cell_passes_its_self_check_at_webgpu_default_limits() {
    let limits = wgpu::Limits {
        max_storage_buffers_per_shader_stage: WEBGPU_STORAGE_BUFFERS,
        ..wgpu::Limits::default()
    };
    let Some(ctx) = device_with(limits) else {
        return;
    };
    assert_eq!(
        ctx.device.limits().max_storage_buffers_per_shader_stage,
        WEBGPU_STORAGE_BUFFERS
    );
    let mut failed = Vec::new();
    let mut checked = 0;
    selfcheck::run(&ctx, |name, outcome| {
        checked += 1;
        if !matches!(outcome, Outcome::Pass(_)) {
            failed.push(format!("{name}: {}", outcome.detail()));
        }
    })
    .expect("the self-check runs");
    let variants: usize = CELLS.iter().map(|e| (e.variants)().len()).sum();
    assert_eq!(checked, variants + 2, "every variant and both PRNG keys");
    assert!(failed.is_empty(), "failed at WebGPU's limits:\n{}", failed.join("\n"));
}

#[test]
fn a_population_that_does_not_fit_names_the_limit_and_what_it_needs() {
    // Fewer storage buffers than LIF's layout binds (6), enough for Izhikevich's (5).
    let limits = wgpu::Limits {
        max_storage_buffers_per_shader_stage: 5,
        ..wgpu::Limits::default()
    };
    let Some(ctx) = device_with(limits) else {
        return;
    };
    let lif = || Box::new(LifCell::new(LifParams::with_tau_m(10.0)).expect("valid"));
    let izhikevich = Box::new(IzhikevichCell::new(IzhikevichParams::default()).expect("valid"));
    assert_eq!(budget::cell_kernel(&lif::ENTRY).storage_buffers, 6);
    match Population::gpu(&ctx, lif(), 64, 1, 0) {
        Err(Error::AdapterLimit {
            limit,
            available,
            needed,
        }) => assert_eq!(
            (limit, available, needed),
            ("max_storage_buffers_per_shader_stage", 5, 6)
        ),
        other => panic!("expected AdapterLimit, got {other:?}"),
    }
    Population::gpu(&ctx, izhikevich, 64, 1, 0).expect("Izhikevich binds 5 storage buffers");

    // LIF's state compartments, each in a slot of B·N values, must fit one 128 MiB binding: the largest
    // population the budget reports does, one more unit does not, and the error says by how much.
    let Some(ctx) = device_with(wgpu::Limits::default()) else {
        return;
    };
    let limits = ctx.device.limits();
    let binding = limits.max_storage_buffer_binding_size;
    let largest = budget::max_units(&lif::LAYOUT, &limits) as usize;
    Population::gpu(&ctx, lif(), largest, 1, 0).expect("the largest population the budget reports");
    let needed = lif::LAYOUT.packed().count() as u64 * budget::slot_bytes(largest + 1, &limits);
    let err = Population::gpu(&ctx, lif(), largest + 1, 1, 0).expect_err("one unit more than the budget");
    assert!(
        matches!(
            err,
            Error::AdapterLimit { limit: "max_storage_buffer_binding_size", available, needed: n }
                if available == binding && n == needed
        ),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&format!("({} over)", needed - binding)),
        "{err}"
    );
}
