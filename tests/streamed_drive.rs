//! Per-step host drives of network populations (`NetworkBuilder::stream_drive`,
//! `Network::run_streamed`) and heterogeneous populations inside a network: a network of one
//! population computes what the population alone computes with the same per-step input, on
//! the CPU and the GPU engine.

mod common;

use serde_json::json;
use spikegpu::cells::heterogeneous::{self, PerNeuron};
use spikegpu::cells::{self, CellModel};
use spikegpu::network::{NetRecord, NetworkBuilder};
use spikegpu::rng::Key;
use spikegpu::{Drive, Population, Record};

const N: usize = 50;
const STEPS: usize = 120;
const DT: f64 = 0.5;

/// An Izhikevich population with per-neuron c, d and v0.
fn cell() -> Box<dyn CellModel> {
    heterogeneous::build(
        cells::lookup("izhikevich").unwrap(),
        json!({ "w0": -13.0 }).as_object().unwrap(),
        &[
            ("v_reset", PerNeuron::uniform(-65.0, -50.0)),
            ("w_reset", PerNeuron::uniform(2.0, 8.0)),
            ("v0", PerNeuron::normal(-65.0, 3.0)),
        ],
        N,
        Key::from_seed(9),
    )
    .unwrap()
}

fn noise() -> Vec<f32> {
    spikegpu::network::init::normal(Key::from_seed(4), STEPS * N)
        .into_iter()
        .map(|z| 6.0 + 5.0 * z)
        .collect()
}

/// Spikes (steps × N, 0/1) and the final v of the network engine.
fn network<E: spikegpu::network::NetEngine>(mut net: spikegpu::network::Network<E>) -> (Vec<bool>, Vec<f32>) {
    let layer = net.layer("pop").unwrap();
    let values = noise();
    let run = net
        .run_streamed(STEPS, DT, &NetRecord::spikes(&[layer]), &[(layer, &values)])
        .unwrap();
    let mut spikes = vec![false; STEPS * N];
    for (k, i) in run.spike_events(layer) {
        spikes[k * N + i] = true;
    }
    (spikes, net.read(layer, "v").unwrap())
}

fn builder() -> NetworkBuilder {
    let mut b = NetworkBuilder::new(1, 3);
    let pop = b.population("pop", cell(), N).unwrap();
    b.stream_drive(pop).unwrap();
    b
}

#[test]
fn a_streamed_heterogeneous_population_in_a_network_equals_the_population_alone() {
    let mut pop = Population::cpu(cell(), N, 1, 0).unwrap();
    let values = noise();
    let record = Record {
        spikes: true,
        ..Record::none()
    };
    let rec = pop.run(STEPS, DT, Drive::Buffer(&values), &record).unwrap();
    let alone: Vec<bool> = (0..STEPS * N).map(|i| rec.spiked(i / N, i % N)).collect();
    let (spikes, v) = network(builder().build_cpu().unwrap());
    assert!(alone.iter().filter(|&&s| s).count() > 20, "the population fires");
    assert_eq!(spikes, alone, "spikes");
    let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&v), bits(&pop.read("v").unwrap()), "final v");
    let Some(ctx) = common::gpu() else { return };
    let (gpu_spikes, gpu_v) = network(builder().build_gpu(&ctx).unwrap());
    // Izhikevich's GPU tolerance (its description: 1e-3, 5e-2 in a spike upstroke).
    assert_eq!(gpu_spikes, spikes, "GPU spikes");
    let tolerance = cells::lookup("izhikevich").unwrap().tolerance;
    for (g, c) in gpu_v.iter().zip(&v) {
        let tol = tolerance.for_value("v", *c, tolerance.gpu.unwrap_or(0.0));
        assert!(spikegpu::conformance::rel_err(*g, *c) <= tol, "GPU v {g} vs CPU {c}");
    }
}

#[test]
fn streamed_drives_must_be_given_and_only_for_streamed_layers() {
    let mut net = builder().build_cpu().unwrap();
    let layer = net.layer("pop").unwrap();
    let err = net.run(5, DT, &NetRecord::default()).unwrap_err().to_string();
    assert!(err.contains("pop") && err.contains("streamed"), "{err}");
    let err = net
        .run_streamed(5, DT, &NetRecord::default(), &[(layer, &[0.0; 4])])
        .unwrap_err()
        .to_string();
    assert!(err.contains("5 steps × 50"), "{err}");
    let mut b = NetworkBuilder::new(1, 3);
    let other = b.population("plain", cell(), N).unwrap();
    assert!(b.stream_drive(other).is_ok());
    assert!(
        b.stream_drive(other)
            .unwrap_err()
            .to_string()
            .contains("streamed already")
    );
    let mut b = NetworkBuilder::new(1, 3);
    let plain = b.population("plain", cell(), N).unwrap();
    let mut net = b.build_cpu().unwrap();
    let err = net
        .run_streamed(5, DT, &NetRecord::default(), &[(plain, &[0.0; 250])])
        .unwrap_err()
        .to_string();
    assert!(err.contains("plain") && err.contains("not streamed"), "{err}");
    // A heterogeneous cell built for another size.
    let mut b = NetworkBuilder::new(1, 3);
    let err = b.population("wrong", cell(), N + 1).unwrap_err().to_string();
    assert!(err.contains("wrong") && err.contains("given for 50 neurons"), "{err}");
}

#[test]
fn reset_restores_per_neuron_values_in_a_network() {
    let mut net = builder().build_cpu().unwrap();
    let layer = net.layer("pop").unwrap();
    let v0 = net.read(layer, "v").unwrap();
    let fresh = Population::cpu(cell(), N, 1, 0).unwrap().read("v").unwrap();
    assert_eq!(v0, fresh, "construction: per-neuron v0");
    assert!(v0.iter().any(|&v| v != v0[0]), "v0 differs between neurons");
    let values = noise();
    net.run_streamed(STEPS, DT, &NetRecord::default(), &[(layer, &values)])
        .unwrap();
    assert_ne!(net.read(layer, "v").unwrap(), v0);
    net.reset().unwrap();
    assert_eq!(net.read(layer, "v").unwrap(), v0, "reset: per-neuron v0 again");
}

/// LIF with a per-neuron `tau_m`: its host-computed step constant (the surrogate's
/// `resist_m·dt/tau_m`) is per neuron in the GPU network engine as on the CPU.
#[test]
fn per_neuron_step_constants_in_a_gpu_network() {
    let Some(ctx) = common::gpu() else { return };
    let build = || {
        let cell = heterogeneous::build(
            cells::lookup("lif").unwrap(),
            json!({ "thr": -55.0 }).as_object().unwrap(),
            &[("tau_m", PerNeuron::uniform(5.0, 20.0))],
            N,
            Key::from_seed(2),
        )
        .unwrap();
        let mut b = NetworkBuilder::new(1, 3);
        let pop = b.population("pop", cell, N).unwrap();
        b.stream_drive(pop).unwrap();
        b
    };
    let values: Vec<f32> = Key::from_seed(6).uniform(STEPS * N, 0.0, 30.0);
    let out = [
        spikes_v_surrogate(build().build_cpu().unwrap(), &values),
        spikes_v_surrogate(build().build_gpu(&ctx).unwrap(), &values),
    ];
    assert!(out[0].0 > 0, "the population fires");
    assert_eq!(out[1].0, out[0].0, "spikes");
    let bits = |x: &[f32]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    if ctx.adapter.is_software() {
        assert_eq!(bits(&out[1].1), bits(&out[0].1), "v");
        assert_eq!(bits(&out[1].2), bits(&out[0].2), "surrogate");
    }
}

/// Spike count, v and surrogate of layer `pop` after a streamed run at dt = 0.1 ms.
fn spikes_v_surrogate<E: spikegpu::network::NetEngine>(
    mut net: spikegpu::network::Network<E>,
    values: &[f32],
) -> (u64, Vec<f32>, Vec<f32>) {
    let layer = net.layer("pop").unwrap();
    let run = net
        .run_streamed(STEPS, 0.1, &NetRecord::spikes(&[layer]), &[(layer, values)])
        .unwrap();
    (
        run.spike_count(layer),
        net.read(layer, "v").unwrap(),
        net.read(layer, "surrogate").unwrap(),
    )
}
