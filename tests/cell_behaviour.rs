//! Behavioural checks against the literature, not against ngclearn: Izhikevich's (2003) neuron
//! classes, Hodgkin and Huxley's (1952) f–I curve, and FitzHugh–Nagumo's Hopf interval.
//! Units are independent, so each check runs many inputs side by side in one population.

use spikegpu::cells::{
    CellModel, FitzhughNagumoCell, FitzhughNagumoParams, HodgkinHuxleyCell, HodgkinHuxleyParams, IzhikevichCell,
    IzhikevichParams, IzhikevichPreset,
};
use spikegpu::integrators::Integrator;
use spikegpu::{CpuBackend, Population};

/// Runs `steps` steps with constant per-unit input; returns each unit's spike onset times (ms)
/// and its voltage trace.
fn run(cell: Box<dyn CellModel>, inputs: &[f32], steps: usize, dt: f64) -> (Vec<Vec<f64>>, Vec<Vec<f32>>) {
    let n = inputs.len();
    let mut pop: Population<CpuBackend> = Population::cpu(cell, n, 1, 0).expect("population");
    pop.reset().expect("reset");
    pop.set_input(inputs).expect("input");
    let mut onsets = vec![Vec::new(); n];
    let mut traces = vec![Vec::with_capacity(steps); n];
    let mut previous = vec![0.0f32; n];
    for k in 0..steps {
        pop.step(dt).expect("step");
        let s = pop.read("s").expect("s");
        let v = pop.read("v").expect("v");
        for u in 0..n {
            // s is a level for HH and FN: count rising edges.
            if s[u] > 0.0 && previous[u] == 0.0 {
                onsets[u].push(k as f64 * dt);
            }
            traces[u].push(v[u]);
        }
        previous = s;
    }
    (onsets, traces)
}

fn isis(times: &[f64]) -> Vec<f64> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

fn izhikevich(preset: IzhikevichPreset) -> Box<dyn CellModel> {
    Box::new(IzhikevichCell::new(IzhikevichParams::preset(preset)).expect("preset parameters are valid"))
}

/// One second of constant input 10 (Izhikevich 2003, Fig. 2), Euler at dt = 0.1 ms.
fn izhikevich_isis(preset: IzhikevichPreset) -> Vec<f64> {
    let (onsets, _) = run(izhikevich(preset), &[10.0], 10_000, 0.1);
    isis(&onsets[0])
}

#[test]
fn regular_spiking_fires_tonically_with_adaptation() {
    let i = izhikevich_isis(IzhikevichPreset::RegularSpiking);
    assert!(i.len() >= 10, "tonic firing: {i:?}");
    assert!(i.iter().all(|&x| x > 15.0), "no bursts: {i:?}");
    assert!(i[i.len() - 1] > 1.5 * i[0], "the rate adapts: {i:?}");
}

#[test]
fn intrinsically_bursting_starts_with_a_burst_then_fires_tonically() {
    let i = izhikevich_isis(IzhikevichPreset::IntrinsicallyBursting);
    assert!(
        i[0] < 10.0 && i[1] < 10.0,
        "an initial burst of at least three spikes: {i:?}"
    );
    assert!(i[3..].iter().all(|&x| x > 20.0), "then single spikes: {i:?}");
}

#[test]
fn chattering_fires_repeated_bursts() {
    let i = izhikevich_isis(IzhikevichPreset::Chattering);
    let short = i.iter().filter(|&&x| x < 10.0).count();
    let long = i.iter().filter(|&&x| x > 30.0).count();
    assert!(long >= 10, "at least ten pauses between bursts: {i:?}");
    assert!(short >= 3 * long, "several spikes per burst: {i:?}");
}

#[test]
fn fast_spiking_is_fast_and_barely_adapts_unlike_low_threshold_spiking() {
    let rs = izhikevich_isis(IzhikevichPreset::RegularSpiking);
    let fs = izhikevich_isis(IzhikevichPreset::FastSpiking);
    let lts = izhikevich_isis(IzhikevichPreset::LowThresholdSpiking);
    assert!(
        fs.len() > 4 * rs.len(),
        "FS fires much faster than RS: {} vs {}",
        fs.len(),
        rs.len()
    );
    assert!(fs.iter().all(|&x| x < 10.0), "FS never pauses: {fs:?}");
    assert!(fs[fs.len() - 1] < 2.0 * fs[0], "FS adapts little: {fs:?}");
    assert!(
        lts.len() > 2 * rs.len(),
        "LTS fires faster than RS: {} vs {}",
        lts.len(),
        rs.len()
    );
    assert!(lts[lts.len() - 1] > 3.0 * lts[0], "LTS adapts strongly: {lts:?}");
}

#[test]
fn resonator_rings_where_integrators_do_not() {
    // A small step of input after settling at rest: the resonator oscillates around its new
    // level (damped subthreshold oscillations); regular and fast spiking cells approach it
    // with at most one overshoot.
    for (preset, min_crossings, max_crossings) in [
        (IzhikevichPreset::Resonator, 4, usize::MAX),
        (IzhikevichPreset::RegularSpiking, 0, 1),
        (IzhikevichPreset::FastSpiking, 0, 1),
    ] {
        let mut pop: Population<CpuBackend> = Population::cpu(izhikevich(preset), 1, 1, 0).expect("population");
        pop.reset().expect("reset");
        for _ in 0..20_000 {
            pop.step(0.1).expect("settle");
        }
        pop.set_input(&[0.1]).expect("input");
        let mut v = Vec::new();
        for _ in 0..3_000 {
            pop.step(0.1).expect("step");
            assert_eq!(pop.read("s").expect("s")[0], 0.0, "{preset:?} must stay subthreshold");
            v.push(pop.read("v").expect("v")[0]);
        }
        let last = v[v.len() - 1];
        let crossings = v
            .windows(2)
            .filter(|w| (w[0] - last).signum() != (w[1] - last).signum() && (w[0] - last).abs() > 1e-4)
            .count();
        assert!(
            (min_crossings..=max_crossings).contains(&crossings),
            "{preset:?}: {crossings} crossings of the final level"
        );
    }
}

#[test]
fn hodgkin_huxley_1952_f_i_curve() {
    // Classic parameters through the constructor, rk4 at dt = 0.01 ms, 1 s per current;
    // a spike is a rising edge of v above 50 mV; the rate is taken over the last 500 ms.
    let p = HodgkinHuxleyParams {
        integration_type: Integrator::Rk4,
        thr: 50.0,
        ..HodgkinHuxleyParams::classic()
    };
    let currents = [5.0, 6.0, 7.0, 10.0];
    let (onsets, traces) = run(
        Box::new(HodgkinHuxleyCell::new(p).expect("valid")),
        &currents,
        100_000,
        0.01,
    );
    let late = |u: usize| onsets[u].iter().filter(|&&t| t >= 500.0).count() as f64 / 0.5;
    assert_eq!(late(0), 0.0, "no repetitive firing at 5 µA/cm²");
    assert_eq!(late(1), 0.0, "no repetitive firing at 6 µA/cm²");
    assert!(late(2) > 40.0, "repetitive firing at 7 µA/cm²: {} Hz", late(2));
    assert!(
        (late(3) - 68.0).abs() <= 3.0,
        "68 ± 3 Hz at 10 µA/cm², got {} Hz",
        late(3)
    );
    // Action potentials of the classic model peak near 100 mV above rest.
    let peak = traces[3].iter().copied().fold(f32::MIN, f32::max);
    assert!((90.0..=115.0).contains(&peak), "peak {peak} mV");
}

#[test]
fn fitzhugh_nagumo_oscillates_between_the_hopf_points() {
    // a = 0.7, b = 0.8, tau_w = 12.5 (the defaults): Hopf points at j ≈ 0.33 and ≈ 1.42.
    let currents = [0.0, 0.2, 0.3, 0.4, 0.8, 1.2, 1.38, 1.5, 1.8];
    for integration_type in [Integrator::Euler, Integrator::Midpoint] {
        let p = FitzhughNagumoParams {
            integration_type,
            ..FitzhughNagumoParams::default()
        };
        let (_, traces) = run(
            Box::new(FitzhughNagumoCell::new(p).expect("valid")),
            &currents,
            20_000,
            0.1,
        );
        for (u, &j) in currents.iter().enumerate() {
            let tail = &traces[u][15_000..];
            let amplitude =
                tail.iter().copied().fold(f32::MIN, f32::max) - tail.iter().copied().fold(f32::MAX, f32::min);
            let inside = (0.34..=1.41).contains(&j);
            if inside {
                assert!(
                    amplitude > 2.0,
                    "{integration_type}: j = {j} must oscillate, amplitude {amplitude}"
                );
            } else {
                assert!(
                    amplitude < 1e-2,
                    "{integration_type}: j = {j} must rest, amplitude {amplitude}"
                );
            }
        }
    }
}
