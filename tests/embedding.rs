//! Embedding: an application that owns a wgpu device runs two populations of different cells
//! on it, coupled by its own WGSL kernel, for 1000 steps in one submission with no host round
//! trip, and gets what the same network gives on the CPU.

mod common;

use spikegpu::cells::{IzhikevichCell, IzhikevichParams, LifCell, LifParams};
use spikegpu::run::{Drive, Record};
use spikegpu::selfcheck::{Exactness, compare_populations};
use spikegpu::{GpuContext, Population};
use wgpu::util::DeviceExt;

const N_A: usize = 64;
const N_B: usize = 32;
const STEPS: usize = 1000;
const DT: f64 = 0.1;

/// The application's synapse kernel: j_B[i] = Σ_k W[i·N_A + k]·s_A[k], in ascending k.
const SYNAPSES: &str = r#"
struct Sizes { n_a: u32, n_b: u32 }
@group(0) @binding(0) var<uniform> sizes: Sizes;
@group(0) @binding(1) var<storage, read> weights: array<f32>;
@group(0) @binding(2) var<storage, read> s_a: array<f32>;
@group(0) @binding(3) var<storage, read_write> j_b: array<f32>;

@compute @workgroup_size(64)
fn couple(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= sizes.n_b) {
        return;
    }
    var acc = 0.0;
    for (var k = 0u; k < sizes.n_a; k++) {
        acc = acc + weights[i * sizes.n_a + k] * s_a[k];
    }
    j_b[i] = acc;
}
"#;

/// The application's own device (borrowed by spikegpu), with wgpu's default limits (WebGPU's:
/// 8 storage buffers per stage), which every population fits.
fn application_device() -> Option<(wgpu::Device, wgpu::Queue)> {
    // Skips or fails (SPIKEGPU_REQUIRE_GPU) the same way as the other GPU tests.
    common::gpu()?;
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default())).ok()?;
    pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default())).ok()
}

fn weights() -> Vec<f32> {
    // Strong enough that a few of A's spikes make a B cell fire.
    spikegpu::rng::Key::from_seed(12).uniform(N_A * N_B, 0.0, 40.0)
}

fn input_a() -> Vec<f32> {
    spikegpu::rng::Key::from_seed(13).uniform(N_A, 20.0, 60.0)
}

fn lif() -> Box<LifCell> {
    Box::new(LifCell::new(LifParams::with_tau_m(10.0)).expect("valid"))
}

fn izhikevich() -> Box<IzhikevichCell> {
    Box::new(IzhikevichCell::new(IzhikevichParams::default()).expect("valid"))
}

#[test]
fn two_coupled_populations_in_one_submission_match_the_cpu() {
    let Some((device, queue)) = application_device() else {
        return;
    };
    let ctx = GpuContext::from_device(&device, &queue);
    let mut a = Population::gpu(&ctx, lif(), N_A, 1, 1).expect("population A");
    let mut b = Population::gpu(&ctx, izhikevich(), N_B, 1, 2).expect("population B");

    // The application's pipeline, reading A's spikes and writing B's input in place.
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("synapses"),
        source: wgpu::ShaderSource::Wgsl(SYNAPSES.into()),
    });
    let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some("synapses"),
        layout: None,
        module: &module,
        entry_point: Some("couple"),
        compilation_options: Default::default(),
        cache: None,
    });
    let sizes = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("sizes"),
        contents: bytemuck::cast_slice(&[N_A as u32, N_B as u32]),
        usage: wgpu::BufferUsages::UNIFORM,
    });
    let w = weights();
    let weight_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
        label: Some("weights"),
        contents: bytemuck::cast_slice(&w),
        usage: wgpu::BufferUsages::STORAGE,
    });
    let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("synapses"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: sizes.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: weight_buffer.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 2,
                resource: a.gpu_buffer("s").expect("s").binding(),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: b.gpu_buffer("j").expect("j").binding(),
            },
        ],
    });

    // 1000 steps of A, the synapses, and B, all in one command buffer and one submission.
    let drive_a = input_a();
    let mut encoder = device.create_command_encoder(&Default::default());
    for _ in 0..STEPS {
        a.encode_run(&mut encoder, 1, DT, Drive::PerNeuron(&drive_a))
            .expect("encode A");
        {
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(&pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups((N_B as u32).div_ceil(64), 1, 1);
        }
        b.encode_run(&mut encoder, 1, DT, Drive::Current).expect("encode B");
    }
    queue.submit([encoder.finish()]);

    // The same network on the CPU, coupled on the host.
    let mut a_cpu = Population::cpu(lif(), N_A, 1, 1).expect("population A");
    let mut b_cpu = Population::cpu(izhikevich(), N_B, 1, 2).expect("population B");
    let mut spikes_b = 0.0;
    for _ in 0..STEPS {
        a_cpu
            .run(1, DT, Drive::PerNeuron(&drive_a), &Record::none())
            .expect("A");
        let s_a = a_cpu.read("s").expect("s");
        let j_b: Vec<f32> = (0..N_B)
            .map(|i| (0..N_A).fold(0.0f32, |acc, k| acc + w[i * N_A + k] * s_a[k]))
            .collect();
        b_cpu.set_input(&j_b).expect("j");
        b_cpu.step(DT).expect("B");
        spikes_b += b_cpu.read("s").expect("s").iter().sum::<f32>();
    }
    assert!(spikes_b > 0.0, "the coupling must drive B to fire");
    let exact_a = Exactness::for_cell(&ctx, a.cell());
    let exact_b = Exactness::for_cell(&ctx, b.cell());
    assert_eq!(compare_populations(&mut a, &mut a_cpu, exact_a).expect("read A"), None);
    assert_eq!(compare_populations(&mut b, &mut b_cpu, exact_b).expect("read B"), None);
}

#[test]
fn populations_on_a_borrowed_device_report_its_adapter_and_keep_it_usable() {
    let Some((device, queue)) = application_device() else {
        return;
    };
    let ctx = GpuContext::from_device(&device, &queue);
    assert_eq!(ctx.adapter.name, device.adapter_info().name);
    let mut pop = Population::gpu(&ctx, lif(), 10, 1, 0).expect("population");
    pop.run(20, 0.1, Drive::Constant(30.0), &Record::none()).expect("run");
    drop(pop);
    drop(ctx);
    // The application's device still works after spikegpu is gone.
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: 16,
        usage: wgpu::BufferUsages::STORAGE,
        mapped_at_creation: false,
    });
    queue.submit([]);
    assert_eq!(buffer.size(), 16);
}

#[test]
fn an_encoded_run_cannot_exceed_one_chunk_or_skip_validation() {
    let Some((device, queue)) = application_device() else {
        return;
    };
    let ctx = GpuContext::from_device(&device, &queue);
    let mut pop = Population::gpu(&ctx, lif(), 10, 1, 0).expect("population");
    let mut encoder = device.create_command_encoder(&Default::default());
    assert!(
        pop.encode_run(&mut encoder, 5, 0.1, Drive::PerNeuron(&[1.0; 9]))
            .is_err()
    );
    assert!(pop.encode_run(&mut encoder, 5, -1.0, Drive::Current).is_err());
    assert!(pop.encode_run(&mut encoder, 5, 0.1, Drive::Constant(2.0)).is_ok());
    queue.submit([encoder.finish()]);
    assert_eq!(pop.read("j").expect("j"), vec![2.0; 10]);
}
