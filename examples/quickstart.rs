//! Quick start: a population of ngclearn LIF cells driven by a constant current; count the
//! spikes. Runs on your GPU when there is one, else on the CPU backend (same numbers).
//!
//! `cargo run --release --example quickstart`

use spikegpu::cells::{LifCell, LifParams};
use spikegpu::{Drive, GpuContext, Population, Record};

/// Runs `n` LIF cells for 1000 steps of 0.1 ms and returns every spike as (step, row, unit).
fn quickstart(n: usize) -> spikegpu::Result<Vec<(usize, usize, usize)>> {
    // ngclearn: LIFCell("z", n_units=n, tau_m=10., key=PRNGKey(0)) with j = 25 every step.
    let cell = Box::new(LifCell::new(LifParams::with_tau_m(10.0))?);
    let record = Record {
        spikes: true,
        ..Record::none()
    };
    let recording = match GpuContext::from_env() {
        Ok(ctx) => Population::gpu(&ctx, cell, n, 1, 0)?.run(1000, 0.1, Drive::Constant(25.0), &record)?,
        Err(_) => Population::cpu(cell, n, 1, 0)?.run(1000, 0.1, Drive::Constant(25.0), &record)?,
    };
    Ok(recording.spike_events())
}

fn main() -> spikegpu::Result<()> {
    let spikes = quickstart(10_000)?;
    println!(
        "{} spikes from 10,000 LIF cells in 100 ms; the first at step {:?}",
        spikes.len(),
        spikes.first().map(|s| s.0)
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_cell_fires_regularly() {
        let spikes = super::quickstart(100).expect("runs");
        // Identical cells and input: every cell fires, and at the same steps.
        assert!(
            spikes.len() >= 100 && spikes.len().is_multiple_of(100),
            "{} spikes",
            spikes.len()
        );
    }
}
