//! Izhikevich's (2003) neuron classes with spikegpu's presets: one population per preset under
//! the same constant input, their voltage traces in one PNG (offset for readability).
//!
//! `cargo run --release --example izhikevich_patterns -- [out.png]`

use spikegpu::cells::{IzhikevichCell, IzhikevichParams, IzhikevichPreset};
use spikegpu::{Drive, Population, Record};

const DT: f64 = 0.1;

/// Each preset's voltage trace (one value per step) under a constant input of 10.
fn traces(steps: usize) -> spikegpu::Result<Vec<(IzhikevichPreset, Vec<f64>)>> {
    IzhikevichPreset::ALL
        .iter()
        .map(|&preset| {
            let cell = IzhikevichCell::new(IzhikevichParams::preset(preset))?;
            let mut pop = Population::cpu(Box::new(cell), 1, 1, 0)?;
            pop.reset()?;
            let record = Record {
                compartments: vec!["v".into()],
                neurons: vec![0],
                every: 1,
                spikes: false,
            };
            let rec = pop.run(steps, DT, Drive::Constant(10.0), &record)?;
            Ok((preset, rec.traces["v"].iter().map(|&v| f64::from(v)).collect()))
        })
        .collect()
}

fn main() -> spikegpu::Result<()> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "izhikevich_patterns.png".into());
    let steps = 3000; // 300 ms
    let traces = traces(steps)?;
    let time: Vec<f64> = (1..=steps).map(|k| k as f64 * DT).collect();
    // Offset each trace by 150 mV so the six patterns stack without overlapping.
    let series: Vec<(String, Vec<f64>)> = traces
        .iter()
        .enumerate()
        .map(|(k, (preset, v))| {
            let offset = -150 * k as i64;
            (
                format!("{} ({offset} mV)", preset.short_name()),
                v.iter().map(|x| x + offset as f64).collect(),
            )
        })
        .collect();
    spikegpu::plot::lines(
        std::path::Path::new(&out),
        "Izhikevich presets, input 10",
        "time (ms)",
        "v + offset (mV)",
        &time,
        &series,
    )?;
    println!("wrote {out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_preset_spikes_and_the_plot_is_written() {
        let traces = super::traces(1500).expect("runs");
        for (preset, v) in &traces {
            assert!(v.iter().any(|&x| x > 0.0), "{preset:?} never reached its spike peak");
        }
        let path = std::env::temp_dir().join(format!("izh-patterns-{}.png", std::process::id()));
        let time: Vec<f64> = (0..1500).map(|k| k as f64).collect();
        let series: Vec<(String, Vec<f64>)> = traces
            .into_iter()
            .map(|(p, v)| (p.short_name().to_string(), v))
            .collect();
        spikegpu::plot::lines(&path, "test", "t", "v", &time, &series).expect("plot");
        assert!(std::fs::metadata(&path).expect("png").len() > 1000);
        std::fs::remove_file(&path).ok();
    }
}
