//! PNG plots for runs and examples: spike rasters, traces and x–y curves, with labelled axes.
//! The font (DejaVu Sans) is compiled in, so no system fonts are needed.

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;

use crate::error::{Error, Result};

const FONT: &str = "sans-serif";

fn plot_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Plot {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Registers the embedded font once per process.
fn font(path: &Path) -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok());
    if ok {
        Ok(())
    } else {
        Err(plot_error(path, "the embedded font could not be loaded"))
    }
}

fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| (a.min(x), b.max(x)));
    if !lo.is_finite() {
        (0.0, 1.0)
    } else if lo == hi {
        (lo - 1.0, hi + 1.0)
    } else {
        let pad = 0.05 * (hi - lo);
        (lo - pad, hi + pad)
    }
}

/// A spike raster: one dot per `(time, neuron)`, time on x (ms), neuron on y.
pub fn raster(path: &Path, title: &str, spikes: &[(f64, usize)], t_max: f64, neurons: usize) -> Result<()> {
    font(path)?;
    let root = BitMapBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..t_max.max(1e-9), 0f64..neurons.max(1) as f64)
        .map_err(|e| plot_error(path, e))?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("time (ms)")
        .y_desc("neuron")
        .draw()
        .map_err(|e| plot_error(path, e))?;
    chart
        .draw_series(
            spikes
                .iter()
                .map(|&(t, n)| Rectangle::new([(t, n as f64), (t + t_max / 900.0, n as f64 + 1.0)], BLACK.filled())),
        )
        .map_err(|e| plot_error(path, e))?;
    root.present().map_err(|e| plot_error(path, e))
}

/// Lines sharing an x axis: `series` of `(label, y values)`, all sampled at `x`.
pub fn lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    x: &[f64],
    series: &[(String, Vec<f64>)],
) -> Result<()> {
    font(path)?;
    let root = BitMapBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
    let (x_lo, x_hi) = range(x.iter().copied());
    let (y_lo, y_hi) = range(series.iter().flat_map(|(_, ys)| ys.iter().copied()));
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
        .map_err(|e| plot_error(path, e))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(|e| plot_error(path, e))?;
    for (k, (label, ys)) in series.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        chart
            .draw_series(LineSeries::new(
                x.iter().copied().zip(ys.iter().copied()),
                color.stroke_width(2),
            ))
            .map_err(|e| plot_error(path, e))?
            .label(label.clone())
            .legend(move |(px, py)| PathElement::new(vec![(px, py), (px + 18, py)], color.stroke_width(2)));
    }
    if series.len() > 1 {
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font((FONT, 14))
            .draw()
            .map_err(|e| plot_error(path, e))?;
    }
    root.present().map_err(|e| plot_error(path, e))
}

/// A grid of grey-scale tiles (e.g. receptive fields): each of `tiles` is `width × height`
/// values, drawn black (high) on white (low), scaled per tile. Pixels shrink from 12 to 1 image
/// pixel per value so that large grids (6,400 fields of 28 × 28) stay about 2,000 pixels wide.
pub fn tiles(path: &Path, title: &str, tiles: &[Vec<f32>], width: usize, height: usize) -> Result<()> {
    font(path)?;
    let cols = (tiles.len() as f64).sqrt().ceil().max(1.0) as usize;
    let rows = tiles.len().div_ceil(cols).max(1);
    let gap = if width * cols > 400 { 1 } else { 4 };
    let cell = (2000 / (cols * width).max(1)).clamp(1, 12);
    let w = (cols * (width * cell + gap) + gap) as u32;
    let h = (rows * (height * cell + gap) + gap + 40) as u32;
    let root = BitMapBackend::new(path, (w.max(300), h)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| plot_error(path, e))?;
    root.draw(&Text::new(title.to_string(), (gap as i32, 8), (FONT, 18)))
        .map_err(|e| plot_error(path, e))?;
    for (t, values) in tiles.iter().enumerate() {
        let (lo, hi) = values
            .iter()
            .fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
        let span = if hi > lo { hi - lo } else { 1.0 };
        let (tx, ty) = (
            (t % cols) * (width * cell + gap) + gap,
            (t / cols) * (height * cell + gap) + gap + 36,
        );
        for y in 0..height {
            for x in 0..width {
                let v = values.get(y * width + x).copied().unwrap_or(lo);
                let shade = (255.0 * (1.0 - (v - lo) / span)).clamp(0.0, 255.0) as u8;
                let (x0, y0) = ((tx + x * cell) as i32, (ty + y * cell) as i32);
                root.draw(&Rectangle::new(
                    [(x0, y0), (x0 + cell as i32, y0 + cell as i32)],
                    RGBColor(shade, shade, shade).filled(),
                ))
                .map_err(|e| plot_error(path, e))?;
            }
        }
    }
    root.present().map_err(|e| plot_error(path, e))
}
