//! Event-driven propagation (src/network/event.rs): the fixed-point sums against the exact sum
//! of the same synapses within the stated bound, event = gather bit for bit where every term is
//! a whole number of quanta, GPU = CPU bit for bit, run-to-run determinism, batch > 1 with
//! delays, the procedural fan-out against the explicit list of its synapses, network files, and
//! clear errors.

mod common;

use spikegpu::Error;
use spikegpu::network::projection::{self, Connectivity, Projection, Propagation, SparseSynapses};
use spikegpu::network::{
    ConnectivitySpec, Kind, LayerId, NetEngine, NetRecord, NetRun, NetworkBuilder, Port, ProjectionSpec, Weights,
};

use common::net::{N_IN, N_OUT, STEPS, lif, network};

fn record(input: LayerId, out: LayerId) -> NetRecord {
    NetRecord {
        spikes: vec![input, out],
        traces: vec![(out, "v".into()), (out, "j".into())],
    }
}

/// A run's spikes and traces, and the bits of the projection's `outputs` at its end (each
/// summed input there is exact to the quantum, where the cells' traces would round it away).
type Observed = (NetRun, Vec<u32>);

fn run(gpu: Option<&std::sync::Arc<spikegpu::GpuContext>>, batch: usize, spec: ProjectionSpec) -> Observed {
    let (b, input, out) = network(batch, spec);
    macro_rules! go {
        ($net:expr) => {{
            let mut net = $net;
            net.set_input(input, &vec![0.15; batch * N_IN]).expect("input");
            net.set_drive(out, &vec![12.0; batch * N_OUT]).expect("drive");
            let run = net.run(STEPS, 0.5, &record(input, out)).expect("run");
            let graph = net.engine_ref().graph();
            let component = graph
                .components
                .iter()
                .position(|c| c.name == "p")
                .expect("projection p");
            let compartment = graph.components[component].compartment("outputs").expect("outputs");
            let outputs = net
                .engine()
                .read(Port { component, compartment })
                .expect("read outputs");
            (run, outputs.iter().map(|x| x.to_bits()).collect())
        }};
    }
    match gpu {
        None => go!(b.build_cpu().expect("cpu network")),
        Some(ctx) => go!(b.build_gpu(ctx).expect("gpu network")),
    }
}

/// The one projection of [`network`] as built.
fn built(spec: ProjectionSpec) -> Projection {
    let (b, _, _) = network(1, spec);
    let (graph, _) = b.build().expect("graph");
    graph
        .components
        .iter()
        .find_map(|c| match &c.kind {
            Kind::Projection(p) => Some(p.clone()),
            _ => None,
        })
        .expect("a projection")
}

/// Every synapse `(pre, post, weight)` of a built projection, written out independently of
/// the event code (repeats of a fan-out kept).
fn synapses(p: &Projection) -> Vec<(usize, usize, f32)> {
    let (pre, post) = (p.n_pre, p.n_post);
    match &p.connectivity {
        Connectivity::Dense { weights } => (0..pre * post).map(|k| (k / post, k % post, weights[k])).collect(),
        Connectivity::OneToOne { weights } => weights.iter().enumerate().map(|(i, &w)| (i, i, w)).collect(),
        Connectivity::Sparse(s) => (0..post)
            .flat_map(|j| (s.post_ptr[j] as usize..s.post_ptr[j + 1] as usize).map(move |k| (k, j)))
            .map(|(k, j)| (s.post_pre[k] as usize, j, s.post_w[k]))
            .collect(),
        Connectivity::Procedural(q) => (0..pre)
            .flat_map(|i| (0..post).filter_map(move |j| q.synapse(i, j, post).map(|w| (i, j, w))))
            .collect(),
        Connectivity::ProceduralFanOut(f) => f
            .synapses(pre, post)
            .into_iter()
            .map(|(i, j, w)| (i as usize, j as usize, w))
            .collect(),
    }
}

fn kinds() -> Vec<(&'static str, ProjectionSpec)> {
    // Weights from 0.01 to 3: the small ones are not whole quanta, so rounding matters.
    let list: Vec<(u32, u32, f32)> = (0..N_IN as u32)
        .flat_map(|i| {
            (0..N_OUT as u32)
                .filter(move |j| (i * 7 + j * 3) % 4 == 0)
                .map(move |j| (i, j, 0.01 + 2.99 * ((i * 31 + j * 17) % 97) as f32 / 96.0))
        })
        .collect();
    vec![
        ("list", ProjectionSpec::list(list)),
        ("fixed probability", ProjectionSpec::fixed_probability(0.3, 4.0)),
        ("fixed in-degree", ProjectionSpec::fixed_in_degree(9, 4.0)),
        (
            "dense uniform",
            ProjectionSpec::dense(Weights::Uniform { low: -1.0, high: 5.0 }),
        ),
        (
            "procedural",
            ProjectionSpec::new(ConnectivitySpec::Procedural {
                p: 0.3,
                weight: 2.0,
                weight_high: Some(6.0),
            }),
        ),
        (
            "fan-out",
            ProjectionSpec::new(ConnectivitySpec::ProceduralFanOut {
                k: 12,
                weight: 1.0,
                weight_high: Some(5.0),
            }),
        ),
    ]
}

/// The summed input of one advance (Instant, scale 1: outputs = I).
fn event_sum(p: &Projection, batch: usize, x: &[f32]) -> Vec<f32> {
    let weights = p.initial(batch)[2].clone();
    let mut out = vec![0.0; batch * p.n_post];
    projection::advance(
        p,
        batch,
        x,
        &weights,
        projection::ProjectionState {
            ring: &mut [],
            head: 0,
            current: &mut [],
            v: &[],
            outputs: &mut out,
        },
        0.1,
    );
    out
}

#[test]
fn event_sums_are_the_rounded_terms_and_within_half_a_quantum_per_term_of_the_exact_sum() {
    let batch = 3;
    // Signals 1, 1/2 and 1/4: every product x·w is exact in float32.
    let x: Vec<f32> = (0..batch * N_IN)
        .map(|k| match (k * 7 + k / N_IN) % 5 {
            0 => 1.0,
            1 => 0.5,
            2 => 0.25,
            _ => 0.0,
        })
        .collect();
    for (name, spec) in kinds() {
        let p = built(spec.event_driven());
        let Propagation::Event(fixed) = p.propagation else {
            panic!("{name}: not event-driven")
        };
        let got = event_sum(&p, batch, &x);
        // Independently: each term fl(x·w) rounded to nearest (ties to even) in quanta 2^−s and
        // clamped, summed exactly, converted once; and the exact real sum with its bound.
        let up = 2f64.powi(fixed.shift);
        let mut quanta = vec![0i64; batch * N_OUT];
        let (mut exact, mut terms) = (vec![0.0f64; batch * N_OUT], vec![0u32; batch * N_OUT]);
        for (i, j, w) in synapses(&p) {
            for b in 0..batch {
                let xi = x[b * N_IN + i];
                if xi != 0.0 {
                    let limit = f64::from(fixed.limit);
                    quanta[b * N_OUT + j] += (f64::from(xi * w) * up).round_ties_even().clamp(-limit, limit) as i64;
                    exact[b * N_OUT + j] += f64::from(xi) * f64::from(w);
                    terms[b * N_OUT + j] += 1;
                }
            }
        }
        assert!(terms.iter().any(|&n| n > 0), "{name}: no unit receives a term");
        let q = f64::from(fixed.quantum());
        for k in 0..batch * N_OUT {
            assert_eq!(
                got[k],
                quanta[k] as f32 * fixed.quantum(),
                "{name}, element {k}: not the sum of the rounded terms"
            );
            // n terms of at most q/2 each, then the final conversion's half an ulp.
            let quantised = f64::from(terms[k]) * q / 2.0;
            let bound = quantised + (exact[k].abs() + quantised) * f64::from(f32::EPSILON) / 2.0;
            let error = (f64::from(got[k]) - exact[k]).abs();
            assert!(
                error <= bound,
                "{name}, element {k}: |{} − {}| = {error} > {bound} ({} terms, q = {q})",
                got[k],
                exact[k],
                terms[k]
            );
        }
    }
}

#[test]
fn whole_quanta_make_event_equal_gather_bit_for_bit() {
    // Weights 3, 4, 5 and spikes of 1: each term is a whole number of quanta and every partial
    // sum is exact in float32, so the fixed-point and the float sums agree exactly.
    let list: Vec<(u32, u32, f32)> = (0..N_IN as u32)
        .flat_map(|i| {
            (0..N_OUT as u32)
                .filter(move |j| (i * 7 + j * 3) % 5 == 0)
                .map(move |j| (i, j, 3.0 + (i % 3) as f32))
        })
        .collect();
    for (name, spec) in [
        ("fixed probability", ProjectionSpec::fixed_probability(0.3, 4.0)),
        ("list", ProjectionSpec::list(list)),
    ] {
        for batch in [1, 2] {
            let spec = spec.clone().exponential_current(5.0).delay(2);
            let gather = run(None, batch, spec.clone());
            let event = run(None, batch, spec.event_driven());
            assert!(
                gather.0.spike_count(gather.0.rasters[1].0) > 0,
                "{name}: the population never spikes"
            );
            assert_eq!(gather, event, "{name}, batch {batch}: event differs from gather");
        }
    }
}

#[test]
fn event_gpu_equals_event_cpu_bit_for_bit_with_batches_and_delays() {
    let Some(ctx) = common::gpu() else { return };
    for (name, spec) in kinds() {
        let spec = spec.event_driven();
        for (batch, spec) in [(1, spec.clone()), (3, spec.exponential_current(4.0).delay(3))] {
            let cpu = run(None, batch, spec.clone());
            let gpu = run(Some(&ctx), batch, spec);
            assert!(
                cpu.0.spike_count(cpu.0.rasters[1].0) > 0,
                "{name}: the population never spikes"
            );
            if ctx.adapter.is_software() {
                assert_eq!(cpu, gpu, "{name}, batch {batch}: GPU differs from the CPU");
            } else {
                assert_eq!(cpu.0.rasters, gpu.0.rasters, "{name}, batch {batch}: spikes differ");
            }
        }
    }
}

#[test]
fn event_gpu_runs_are_bitwise_identical_run_to_run() {
    let Some(ctx) = common::gpu() else { return };
    let spec = ProjectionSpec::new(ConnectivitySpec::ProceduralFanOut {
        k: 25,
        weight: 0.5,
        weight_high: Some(3.0),
    })
    .event_driven()
    .exponential_current(3.0)
    .delay(2);
    let a = run(Some(&ctx), 2, spec.clone());
    let b = run(Some(&ctx), 2, spec);
    assert!(a.0.spike_count(a.0.rasters[1].0) > 0);
    assert_eq!(a, b);
}

#[test]
fn a_fan_out_equals_the_explicit_list_of_its_synapses() {
    let p = built(
        ProjectionSpec::new(ConnectivitySpec::ProceduralFanOut {
            k: 7,
            weight: 1.0,
            weight_high: Some(5.0),
        })
        .event_driven(),
    );
    let Connectivity::ProceduralFanOut(f) = p.connectivity else {
        panic!("not a fan-out")
    };
    let mut list = f.synapses(N_IN, N_OUT);
    assert_eq!(list.len(), N_IN * 7);
    assert!(
        list.iter()
            .all(|&(i, j, w)| (i as usize) < N_IN && (j as usize) < N_OUT && (1.0..5.0).contains(&w))
    );
    let mut pairs: Vec<(u32, u32)> = list.iter().map(|t| (t.0, t.1)).collect();
    pairs.sort_unstable();
    pairs.dedup();
    assert!(
        pairs.len() < list.len(),
        "drawn with replacement: this key repeats a pair"
    );
    // The same synapses stored as an explicit list (repeats kept, which a user's list refuses).
    let by = |key: fn(&(u32, u32, f32)) -> u32, n: usize, list: &[(u32, u32, f32)]| {
        let mut ptr = vec![0u32; n + 1];
        for t in list {
            ptr[key(t) as usize + 1] += 1;
        }
        for k in 0..n {
            ptr[k + 1] += ptr[k];
        }
        ptr
    };
    let pre_ptr = by(|t| t.0, N_IN, &list);
    let (pre_post, pre_w) = list.iter().map(|t| (t.1, t.2)).unzip();
    // The by-post order (stable: repeats keep their by-pre order), and where each synapse by pre
    // lands in it.
    let mut by_post: Vec<usize> = (0..list.len()).collect();
    by_post.sort_by_key(|&k| (list[k].1, list[k].0));
    let mut pre_slot = vec![0u32; list.len()];
    for (slot, &k) in by_post.iter().enumerate() {
        pre_slot[k] = slot as u32;
    }
    list = by_post.iter().map(|&k| list[k]).collect();
    let post_ptr = by(|t| t.1, N_OUT, &list);
    let (post_pre, post_w) = list.iter().map(|t| (t.0, t.2)).unzip();
    let post_post = list.iter().map(|t| t.1).collect();
    let sparse = Projection {
        connectivity: Connectivity::Sparse(SparseSynapses {
            post_ptr,
            post_pre,
            post_w,
            pre_ptr,
            pre_post,
            pre_w,
            post_post,
            pre_slot,
        }),
        ..p.clone()
    };
    let batch = 2;
    let x: Vec<f32> = (0..batch * N_IN)
        .map(|k| [0.0, 1.0, 0.0, 0.5][(k * 5 + k / N_IN) % 4])
        .collect();
    for propagation in [Propagation::Gather, p.propagation] {
        let fan_out = Projection {
            propagation,
            ..p.clone()
        };
        let listed = Projection {
            propagation,
            ..sparse.clone()
        };
        assert_eq!(
            event_sum(&fan_out, batch, &x),
            event_sum(&listed, batch, &x),
            "{propagation:?}"
        );
    }
}

fn error_of<T: std::fmt::Debug>(result: spikegpu::Result<T>) -> String {
    match result {
        Err(e @ Error::Network { .. }) => e.to_string(),
        other => panic!("expected a network error, got {other:?}"),
    }
}

#[test]
fn bad_event_projections_name_the_part_and_the_problem() {
    let try_build = |n_pre: usize, spec: ProjectionSpec| {
        let mut b = NetworkBuilder::new(1, 1);
        let input = b.bernoulli("input", n_pre).expect("input");
        let out = b.population("out", lif(), 3).expect("population");
        b.project("proj", input, out, spec).map(|_| ())
    };
    let e = error_of(try_build(5, ProjectionSpec::procedural_fan_out(0, 1.0)));
    assert!(e.contains("proj") && e.contains("k >= 1"), "{e}");
    // 600,000 possible synapses onto one unit leave fewer than 12 bits per term.
    let e = error_of(try_build(
        600_000,
        ProjectionSpec::procedural(0.001, 1.0).event_driven(),
    ));
    assert!(e.contains("proj") && e.contains("quantisation steps"), "{e}");
    let e = error_of(try_build(
        5,
        ProjectionSpec::fixed_probability(0.5, 3e38).event_driven_bounded(10.0),
    ));
    assert!(e.contains("overflows float32"), "{e}");
    let e = error_of(try_build(
        5,
        ProjectionSpec::fixed_probability(0.5, 1.0).event_driven_bounded(0.0),
    ));
    assert!(e.contains("signal bound"), "{e}");
    if let Some(ctx) = common::gpu() {
        let mut spec = ProjectionSpec::procedural_fan_out(3, 1.0);
        spec.event = None;
        let (b, _, _) = network(1, spec);
        let e = error_of(b.build_gpu(&ctx).map(|_| ()));
        assert!(e.contains("no gather kernel"), "{e}");
    }
}

/// Network files (the `cli` feature's `spikegpu::netconfig`).
#[cfg(feature = "cli")]
mod network_files {
    use super::*;
    use spikegpu::netconfig::NetworkConfig;
    use std::path::Path;

    const FILE: &str = r#"
    seed = 3
    dt = 0.5
    steps = 200

    [[population]]
    name = "out"
    cell = "LIFCell"
    n_units = 30
    drive = 12.0
    [population.params]
    tau_m = 10.0

    [[encoder]]
    name = "input"
    kind = "bernoulli"
    n_units = 40
    input = 0.15

    [[projection]]
    name = "fan"
    from = "input"
    to = "out"
    connectivity = "procedural_fan_out"
    k = 6
    weight = 2.0
    weight_high = 4.0

    [[projection]]
    name = "sparse"
    from = "input"
    to = "out"
    connectivity = "fixed_probability"
    p = 0.2
    weight = 1.0
    propagation = "event"

    [record]
    spikes = ["out"]
    "#;

    fn parse(text: &str) -> spikegpu::Result<NetworkConfig> {
        NetworkConfig::parse(Path::new("net.toml"), text)
    }

    #[test]
    fn network_files_choose_event_propagation_and_the_fan_out() {
        let mut config = parse(FILE).expect("valid file");
        let graph = config.take_builder().build().expect("graph").0;
        let event = |name: &str| {
            graph
                .components
                .iter()
                .find(|c| c.name == name)
                .map(|c| matches!(&c.kind, Kind::Projection(p) if matches!(p.propagation, Propagation::Event(_))))
        };
        assert_eq!(event("fan"), Some(true), "a fan-out is event-driven by default");
        assert_eq!(event("sparse"), Some(true));
        let e = parse(&FILE.replace("propagation = \"event\"", "propagation = \"events\"")).expect_err("bad mode");
        assert!(
            e.to_string().contains("propagation") && e.to_string().contains("\"gather\" or \"event\""),
            "{e}"
        );
        let e = parse(&FILE.replace("propagation = \"event\"", "propagaton = \"event\"")).expect_err("typo");
        assert!(e.to_string().contains("did you mean `propagation`"), "{e}");
        // The conductance form's keys are known too.
        let conductance = "synapse = \"conductance\"\ntau = 5.0\ng_syn_bar = 0.5\nsyn_rest = 0.0\n\n[record]";
        parse(&FILE.replacen("\n[record]", conductance, 1)).expect("a conductance projection's keys");
        let e = parse(&FILE.replace("k = 6", "k = 0")).expect_err("k = 0");
        assert!(e.to_string().contains("projection[0].k"), "{e}");
    }
}
