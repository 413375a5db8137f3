//! Networks: populations of the ten cells, ngclearn's input encoders and synapses, wired
//! compartment to compartment and advanced in a given order, on the CPU or the GPU.
//!
//! The model is ngclearn's own: a network is a [`Graph`] of components (each with
//! compartments), wires (`a >> b` copies, `Summation(a, b) >> c` sums left to right in float32)
//! and a per-step schedule of method calls. Two engines run a graph with the same semantics:
//! [`CpuNetwork`] (the reference) and [`GpuNetwork`] (WGSL kernels, every step of a run
//! recorded into command buffers with no host round trip). The conformance replay
//! ([`trace`]) builds a graph from one of ngclearn's multi-component golden traces.
//!
//! | component | ngclearn class | docs |
//! |---|---|---|
//! | Poisson encoder | `PoissonCell` | [`encoders`] |
//! | Bernoulli encoder | `BernoulliCell` | [`encoders`] |
//! | dense synapse | `DenseSynapse`, `StaticSynapse` | [`synapses`] |
//! | exponential synapse | `ExponentialSynapse` (current and conductance forms) | [`synapses`] |
//! | trace-based STDP | `TraceSTDPSynapse` (`mu`, decay, targets, weight masks) | [`stdp`] |
//! | event-based STDP | `EventSTDPSynapse` (presynaptic window, batch 1) | [`stdp`] |
//! | exponential STDP | `ExpSTDPSynapse` (exponential weight dependence) | [`exp_stdp`] |
//! | reward-modulated STDP | `MSTDPETSynapse` (eligibility trace, modulator, batch 1) | [`mstdpet`] |
//! | variable trace | `VarTrace` (exponential, linear or step decay; additive, gated, nearest-spike) | [`traces`] |
//! | the ten cells | `LIFCell`, … | [`crate::cells`] |
//!
//! Determinism: every sum runs in a fixed order (a postsynaptic gather over the presynaptic
//! index, ascending), on the CPU and in WGSL, with no atomics: the same inputs give the same
//! bits run to run, and the GPU equals the CPU bit for bit on adapters that do not contract
//! multiply-adds (lavapipe), within the trace README's tolerances elsewhere.
//!
//! Projections may opt into event-driven propagation ([`event`]): integer atomics on a
//! fixed-point scale chosen at build time, order-independent, so bitwise GPU = CPU everywhere.
//!
//! Where this departs from the design (`DESIGN.md` §6), and why:
//! * **Delay rings hold f32 values, not bit-packed spikes.** A projection may read any
//!   compartment (ngclearn delays a `DenseSynapse`'s real-valued inputs: the
//!   `DenseSynapse_delay4_b2` trace), so the ring stores what it reads; a spike-only ring would
//!   save 32× of the ring's memory (depth × N_pre × B floats) for spike sources only.
//! * **Cells in a network step once per network step**, with no fused multi-step stretches:
//!   every population of a network is read by a projection or a trace every step in the models
//!   built so far, so there is no stretch to fuse; a run still records every step into command
//!   buffers with no host round trip.

pub mod bench;
pub mod builder;
pub mod cpu;
pub mod diehl_cook;
pub mod encoders;
pub mod event;
pub mod exp_stdp;
pub mod gpu;
pub mod graph;
pub mod init;
pub mod models;
pub mod mstdpet;
pub mod normalize;
pub mod projection;
pub mod readout;
pub mod rules;
pub mod stdp;
pub mod synapses;
pub mod trace;
pub mod traces;

pub use builder::{
    ConnectivitySpec, LayerId, NetRecord, NetRun, Network, NetworkBuilder, ProjectionId, ProjectionSpec, TraceId,
    Weights,
};
pub use cpu::{CpuNetwork, NetRecording, StepInputs};
pub use gpu::GpuNetwork;
pub use graph::{Call, Component, Graph, Kind, Port, StepOp, Wire, WireOp};

use crate::error::Result;
use crate::rng::Key;

/// `f32(1/c)`, what ngclearn's jit-compiled step multiplies by where its source divides by the
/// constant `c` (a constructor parameter, baked in as a constant): XLA rewrites `x / c` into
/// `x · f32(1/c)` (see [`crate::cells`]); 0 for `c` = 0, which marks a term that is off.
pub(crate) fn reciprocal_of_constant(c: f32) -> f32 {
    if c == 0.0 { 0.0 } else { 1.0 / c }
}

/// What both engines offer: state access, the reset process, and runs of many steps.
pub trait NetEngine {
    /// The graph being run.
    fn graph(&self) -> &Graph;
    /// A compartment's value now (a wired one: its sources now).
    fn read(&mut self, port: Port) -> Result<Vec<f32>>;
    /// Overwrites a compartment (a copy-wired one: its source).
    fn write(&mut self, port: Port, values: &[f32]) -> Result<()>;
    /// A component's key now.
    fn key(&self, component: usize) -> Key;
    /// Runs the reset process: every listed component's `reset()`, in order (a wired
    /// compartment is written through to its source).
    fn reset(&mut self) -> Result<()> {
        for i in 0..self.graph().reset.len() {
            let c = self.graph().reset[i];
            for (port, value) in self.graph().reset_writes(c) {
                let len = self.graph().len(port);
                self.write(port, &vec![value; len])?;
            }
            for (port, values) in self.graph().reset_rows(c) {
                self.write(port, &values)?;
            }
        }
        Ok(())
    }
    /// Runs `times.len()` steps of step size `dt` (step k at time `times[k]`), setting the
    /// graph's inputs to their row k first, and records `record` after every step as float32
    /// values and `rasters` bit-packed (a bit per non-zero value).
    fn run_packed(
        &mut self,
        times: &[f32],
        dt: f32,
        inputs: StepInputs<'_>,
        record: &[Port],
        rasters: &[Port],
    ) -> Result<NetRecording>;

    /// [`NetEngine::run_packed`] without rasters.
    fn run(&mut self, times: &[f32], dt: f32, inputs: StepInputs<'_>, record: &[Port]) -> Result<NetRecording> {
        self.run_packed(times, dt, inputs, record, &[])
    }
}

impl NetEngine for CpuNetwork {
    fn graph(&self) -> &Graph {
        CpuNetwork::graph(self)
    }
    fn read(&mut self, port: Port) -> Result<Vec<f32>> {
        Ok(CpuNetwork::read(self, port))
    }
    fn write(&mut self, port: Port, values: &[f32]) -> Result<()> {
        CpuNetwork::write(self, port, values)
    }
    fn key(&self, component: usize) -> Key {
        CpuNetwork::key(self, component)
    }
    fn run_packed(
        &mut self,
        times: &[f32],
        dt: f32,
        inputs: StepInputs<'_>,
        record: &[Port],
        rasters: &[Port],
    ) -> Result<NetRecording> {
        CpuNetwork::run(self, times, dt, inputs, record, rasters)
    }
}
