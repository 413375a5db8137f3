//! ngclearn's Diehl & Cook (2015) spiking network, as its exhibit builds it
//! (`exhibits/diehl_cook_snn/dcsnn_model.py`; `conformance/network/README.md` §4.11): Poisson
//! inputs → trace-STDP synapses → excitatory LIF cells (`one_spike`) ⇄ inhibitory LIF cells
//! through fixed eye/hollow synapses, two traces, ngclearn's advance-then-evolve schedule, and a
//! per-column weight normalisation after every sample. The same components and schedule pass
//! the `DCSNN_*` golden traces; this builds them at any size.
//!
//! Components and keys as the exhibit: `dkey, *subkeys = split(PRNGKey(seed), 10)`, component i
//! gets `subkeys[i]` in the order z0, W1, z1e, z1i, W1ie, W1ei, tr0, tr1.

use serde_json::{Value, json};

use super::NetEngine;
use super::graph::{Call, Graph, StepOp, Wire, WireOp};
use super::normalize::normalize_columns;
use super::trace::{ComponentDecl, build_component};
use crate::error::{Error, Result};
use crate::rng::Key;

/// The exhibit's hyperparameters (defaults: its values for 784 inputs and 100 cells).
#[derive(Debug, Clone, PartialEq)]
pub struct DiehlCookParams {
    /// Input units (784 for MNIST).
    pub n_in: usize,
    /// Excitatory (and inhibitory) cells.
    pub n_exc: usize,
    /// Seed of `PRNGKey(seed)`.
    pub seed: u64,
    /// Initial weights uniform in this range (the exhibit: (0, 0.3)).
    pub weight_init: (f32, f32),
    /// Column norm after every sample (the exhibit: 0.1 × n_in).
    pub w_norm: f32,
    /// Steps a sample is presented (dt = 1 ms).
    pub steps_per_sample: usize,
    /// Whether W1 learns (`evolve` every step); off to evaluate a trained network.
    pub learn: bool,
}

impl DiehlCookParams {
    /// The exhibit's values for `n_in` inputs and `n_exc` cells.
    pub fn exhibit(n_in: usize, n_exc: usize) -> DiehlCookParams {
        DiehlCookParams {
            n_in,
            n_exc,
            seed: 1234,
            weight_init: (0.0, 0.3),
            w_norm: 0.1 * n_in as f32,
            steps_per_sample: 200,
            learn: true,
        }
    }
}

/// `tau_m` of the exhibit's cells (ms).
pub const TAU_M: f64 = 100.500_896_468;

/// Builds the network's graph. The sample is set into `z0.inputs` (intensities in [0, 1]).
pub fn diehl_cook(p: &DiehlCookParams) -> Result<Graph> {
    if p.n_in == 0 || p.n_exc == 0 || p.steps_per_sample == 0 {
        return Err(Error::Network {
            part: "diehl_cook".into(),
            problem: "inputs, cells and steps per sample must be at least 1".into(),
        });
    }
    if !(p.w_norm.is_finite() && p.w_norm > 0.0) {
        return Err(Error::Network {
            part: "diehl_cook".into(),
            problem: format!("the normalisation target {} must be positive", p.w_norm),
        });
    }
    let keys = Key::from_seed(p.seed).split_n(10);
    let (n_in, n) = (p.n_in, p.n_exc);
    let lif = |thr: f64, v_rest: f64, v_reset: f64, tau_theta: f64, theta_plus: f64, one_spike: bool| {
        json!({
            "n_units": n, "tau_m": TAU_M, "resist_m": TAU_M, "thr": thr, "v_rest": v_rest,
            "v_reset": v_reset, "tau_theta": tau_theta, "theta_plus": theta_plus,
            "refract_time": 5.0, "one_spike": one_spike,
        })
    };
    let static_synapse = |value: f64, option: &str| json!({"shape": [n, n], "weight_init": {"dist": "constant", "value": value, option: true}});
    let trace = |units: usize| json!({"n_units": units, "tau_tr": 20.0, "a_delta": 0.0, "decay_type": "exp"});
    let decls: [(&str, &str, Value); 8] = [
        ("z0", "PoissonCell", json!({"n_units": n_in, "target_freq": 63.75})),
        (
            "W1",
            "TraceSTDPSynapse",
            json!({
                "shape": [n_in, n], "A_plus": 1e-2, "A_minus": 1e-4, "eta": 1.0, "w_bound": 1.0,
                "weight_init": {"dist": "uniform", "low": p.weight_init.0, "high": p.weight_init.1},
            }),
        ),
        ("z1e", "LIFCell", lif(-52.0, -65.0, -60.0, 1e7, 0.05, true)),
        ("z1i", "LIFCell", lif(-40.0, -60.0, -45.0, 0.0, 0.0, false)),
        ("W1ie", "StaticSynapse", static_synapse(-120.0, "hollow")),
        ("W1ei", "StaticSynapse", static_synapse(22.5, "eye")),
        ("tr0", "VarTrace", trace(n_in)),
        ("tr1", "VarTrace", trace(n)),
    ];
    let mut graph = Graph::default();
    for (i, (name, class, params)) in decls.into_iter().enumerate() {
        let Value::Object(resolved_params) = params else {
            unreachable!("the parameters above are JSON objects")
        };
        graph.components.push(build_component(&ComponentDecl {
            name: name.into(),
            class: class.into(),
            resolved_params,
            key: keys[i + 1],
        })?);
    }
    let wires: [(&str, &[&str], WireOp); 11] = [
        ("W1.inputs", &["z0.outputs"], WireOp::Copy),
        ("W1ie.inputs", &["z1i.s"], WireOp::Copy),
        ("z1e.j", &["W1.outputs", "W1ie.outputs"], WireOp::Sum),
        ("W1ei.inputs", &["z1e.s"], WireOp::Copy),
        ("z1i.j", &["W1ei.outputs"], WireOp::Copy),
        ("tr0.inputs", &["z0.outputs"], WireOp::Copy),
        ("tr1.inputs", &["z1e.s"], WireOp::Copy),
        ("W1.preTrace", &["tr0.trace"], WireOp::Copy),
        ("W1.preSpike", &["z0.outputs"], WireOp::Copy),
        ("W1.postTrace", &["tr1.trace"], WireOp::Copy),
        ("W1.postSpike", &["z1e.s"], WireOp::Copy),
    ];
    for (target, sources, op) in wires {
        graph.wires.push(Wire {
            target: graph.port(target)?,
            sources: sources.iter().map(|s| graph.port(s)).collect::<Result<_>>()?,
            op,
        });
    }
    for name in ["W1", "W1ie", "W1ei", "z0", "z1e", "z1i", "tr0", "tr1"] {
        graph.step.push(StepOp::Call(Call::Advance(graph.find(name)?)));
    }
    if p.learn {
        graph.step.push(StepOp::Call(Call::Evolve(graph.find("W1")?)));
    }
    graph.reset = ["z0", "z1e", "z1i", "tr0", "tr1", "W1", "W1ie", "W1ei"]
        .iter()
        .map(|n| graph.find(n))
        .collect::<Result<_>>()?;
    graph.check()?;
    Ok(graph)
}

/// Presents one sample as the exhibit's `process(obs)` does: the reset process, `z0.inputs =
/// image`, `steps` steps at `t = k` with `dt = 1`, then (with `w_norm`) W1's per-column
/// normalisation. Returns how often each excitatory cell spiked.
pub fn present<E: NetEngine>(engine: &mut E, image: &[f32], steps: usize, w_norm: Option<f32>) -> Result<Vec<u32>> {
    let g = engine.graph();
    let (inputs, spikes, weights) = (g.port("z0.inputs")?, g.port("z1e.s")?, g.port("W1.weights")?);
    engine.reset()?;
    engine.write(inputs, image)?;
    let times: Vec<f32> = (0..steps).map(|k| k as f32).collect();
    let rec = engine.run_packed(&times, 1.0, &[], &[], &[spikes])?;
    if let Some(w_norm) = w_norm {
        normalize_columns(engine, weights, w_norm, 1)?;
    }
    let n = engine.graph().len(spikes);
    let words = n.div_ceil(32);
    let mut counts = vec![0u32; n];
    for (w, &bits) in rec.rasters[0].iter().enumerate() {
        let first = (w % words) * 32;
        for (b, count) in counts.iter_mut().skip(first).take(32).enumerate() {
            *count += bits >> b & 1;
        }
    }
    Ok(counts)
}
