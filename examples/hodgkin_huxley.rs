//! Hodgkin and Huxley's 1952 squid axon (classic parameters, rk4 at dt = 0.01 ms): an action
//! potential, and the f–I curve (firing rate against constant current), as two PNGs.
//!
//! `cargo run --release --example hodgkin_huxley -- [out_dir]`

use spikegpu::cells::{HodgkinHuxleyCell, HodgkinHuxleyParams};
use spikegpu::integrators::Integrator;
use spikegpu::{Drive, Population, Record};

const DT: f64 = 0.01;

fn cell() -> spikegpu::Result<Box<HodgkinHuxleyCell>> {
    let p = HodgkinHuxleyParams {
        integration_type: Integrator::Rk4,
        thr: 50.0,
        ..HodgkinHuxleyParams::classic()
    };
    Ok(Box::new(HodgkinHuxleyCell::new(p)?))
}

/// The voltage (mV) every step for `ms` of a constant current `j` (µA/cm²).
fn action_potential(j: f32, ms: f64) -> spikegpu::Result<Vec<f64>> {
    let mut pop = Population::cpu(cell()?, 1, 1, 0)?;
    pop.reset()?;
    let steps = (ms / DT) as usize;
    let record = Record {
        compartments: vec!["v".into()],
        neurons: vec![0],
        every: 1,
        spikes: false,
    };
    let rec = pop.run(steps, DT, Drive::Constant(j), &record)?;
    Ok(rec.traces["v"].iter().map(|&v| f64::from(v)).collect())
}

/// Firing rate (Hz) over the second half of `ms` for each current, all currents side by side in
/// one population (its units are independent). A spike is a rising edge of v above 50 mV.
fn f_i_curve(currents: &[f32], ms: f64) -> spikegpu::Result<Vec<f64>> {
    let mut pop = Population::cpu(cell()?, currents.len(), 1, 0)?;
    pop.reset()?;
    let steps = (ms / DT) as usize;
    let rec = pop.run(
        steps,
        DT,
        Drive::PerNeuron(currents),
        &Record {
            spikes: true,
            ..Record::none()
        },
    )?;
    let late = steps / 2;
    let mut counts = vec![0usize; currents.len()];
    for (u, count) in counts.iter_mut().enumerate() {
        // s is a level while v > thr: count its onsets.
        *count = (late..steps)
            .filter(|&k| rec.spiked(k, u) && !rec.spiked(k - 1, u))
            .count();
    }
    Ok(counts.iter().map(|&c| c as f64 / (ms / 2.0 / 1000.0)).collect())
}

fn main() -> spikegpu::Result<()> {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let v = action_potential(10.0, 30.0)?;
    let time: Vec<f64> = (1..=v.len()).map(|k| k as f64 * DT).collect();
    let ap = dir.join("hodgkin_huxley_action_potential.png");
    spikegpu::plot::lines(
        &ap,
        "Hodgkin–Huxley 1952, 10 µA/cm²",
        "time (ms)",
        "v (mV, rest = 0)",
        &time,
        &[("v".into(), v)],
    )?;
    let currents: Vec<f32> = (0..=30).map(|k| k as f32 * 0.5).collect();
    let rates = f_i_curve(&currents, 500.0)?;
    let fi = dir.join("hodgkin_huxley_f_i.png");
    let x: Vec<f64> = currents.iter().map(|&c| f64::from(c)).collect();
    spikegpu::plot::lines(
        &fi,
        "Hodgkin–Huxley 1952: f–I curve (rk4, dt = 0.01 ms)",
        "current (µA/cm²)",
        "rate (Hz)",
        &x,
        &[("rate".into(), rates.clone())],
    )?;
    let at_10 = rates[currents.iter().position(|&c| c == 10.0).unwrap_or(0)];
    println!(
        "rate at 10 µA/cm²: {at_10:.0} Hz; wrote {} and {}",
        ap.display(),
        fi.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_action_potential_and_a_rising_f_i_curve() {
        let v = super::action_potential(10.0, 15.0).expect("runs");
        let peak = v.iter().copied().fold(f64::MIN, f64::max);
        assert!((90.0..=115.0).contains(&peak), "peak {peak} mV");
        let rates = super::f_i_curve(&[0.0, 10.0, 15.0], 200.0).expect("runs");
        assert_eq!(rates[0], 0.0);
        assert!(rates[1] > 40.0 && rates[2] > rates[1], "{rates:?}");
    }
}
