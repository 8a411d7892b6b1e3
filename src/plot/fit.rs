//! `labelsim fit`'s chart: a histogram of the observed durations with the
//! density of every fitted distribution over it.
//!
//! When the data span two decades or more (largest / smallest ≥ 100), the
//! time axis is logarithmic and bins are equal in ln(duration); the
//! histogram and the curves then show the density per unit of ln(duration),
//! f(x)·x, so areas still read as shares of tasks. Otherwise the axis is
//! linear and the density is per unit of the axis (per second, minute, ...).
//! A curve that leaves the top of the chart is cut there, never drawn over
//! the title.

use super::axis::{Axis, TimeUnit};
use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::{Format, PlotResult, HEIGHT, PALETTE, WIDTH};
use crate::fit::Dist;
use plotters::prelude::*;
use std::path::Path;

/// One fitted curve and its legend text.
pub struct FitCurve {
    pub label: String,
    pub dist: Dist,
}

/// Draws the histogram of `values` \[s\] with `curves` over it, to `path`.
pub fn render_fit_chart(
    path: &Path,
    fmt: Format,
    title: &str,
    values: &[f64],
    curves: &[FitCurve],
) -> PlotResult {
    render_to!(path, fmt, draw_fit(title, values, curves))
}

/// Whether the chart of these values uses a log time axis.
pub fn uses_log_axis(min: f64, max: f64) -> bool {
    min > 0.0 && max / min >= 100.0
}

fn draw_fit<DB: DrawingBackend>(
    root: Area<DB>,
    title: &str,
    values: &[f64],
    curves: &[FitCurve],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, title)?;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
    let n = sorted.len() as f64;
    let log = uses_log_axis(min, max);
    let (lo, hi) = if max > min {
        if log {
            (min / 1.5, max * 1.5)
        } else {
            (0.0, max * 1.05)
        }
    } else {
        (min * 0.5, min * 1.5)
    };
    let unit = TimeUnit::for_span(hi);
    let x_axis = if log {
        Axis::log_duration(lo, hi)
    } else {
        Axis::time(lo, hi, unit, 10)
    };
    // Bins: √n of them, 8 to 50, over [min, max] (in ln x on a log axis).
    let bins = (n.sqrt().round() as usize).clamp(8, 50);
    let (a, b) = if log {
        (min.ln(), max.ln())
    } else {
        (min, max)
    };
    let width = ((b - a) / bins as f64).max(f64::MIN_POSITIVE);
    let mut counts = vec![0usize; bins];
    for &v in &sorted {
        let t = if log { v.ln() } else { v };
        let i = (((t - a) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    // Density per axis unit (linear) or per unit of ln x (log).
    let per = if log { 1.0 } else { unit.secs() };
    let bars: Vec<(f64, f64, f64)> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let (t0, t1) = (a + i as f64 * width, a + (i + 1) as f64 * width);
            let (x0, x1) = if log { (t0.exp(), t1.exp()) } else { (t0, t1) };
            let h = if max > min {
                c as f64 / (n * width) * per
            } else {
                1.0
            };
            (x0, x1, h)
        })
        .collect();
    let curve_at = |d: &Dist, x: f64| {
        let f = d.pdf(x);
        if log {
            f * x
        } else {
            f * per
        }
    };
    let samples: Vec<f64> = (0..=400)
        .map(|i| {
            let t = i as f64 / 400.0;
            if log {
                lo * (hi / lo).powf(t)
            } else {
                lo + (hi - lo) * t
            }
        })
        .filter(|x| *x > 0.0)
        .collect();
    let bar_max = bars.iter().map(|b| b.2).fold(0.0f64, f64::max);
    // Room for the best curve's peak, within reason (a density may have a
    // pole at 0).
    let best_peak = curves
        .first()
        .map(|c| {
            samples
                .iter()
                .map(|&x| curve_at(&c.dist, x))
                .filter(|y| y.is_finite())
                .fold(0.0f64, f64::max)
        })
        .unwrap_or(0.0);
    let y_hi = (bar_max.max(best_peak.min(2.0 * bar_max)) * 1.1).max(1e-12);
    let y_axis = Axis::linear(0.0, y_hi, 8);
    let y_desc = if log {
        "share of tasks per unit of ln(duration)".to_string()
    } else {
        format!("share of tasks per {}", unit_word(unit))
    };
    let x_desc = if log {
        "task duration (log scale)".to_string()
    } else {
        format!("task duration [{}]", unit.symbol())
    };

    let mut entries = vec![Entry::patch(
        format!("data: {} tasks", sorted.len()),
        PALETTE[0].mix(0.35),
    )];
    for (i, c) in curves.iter().enumerate() {
        entries.push(Entry::line(
            c.label.clone(),
            PALETTE[(i + 1) % PALETTE.len()],
            if i == 0 { 4 } else { 2 },
        ));
    }
    let (plot, side) = frame::with_legend(&body, &entries);
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .margin_top(MARGIN / 2)
        .x_label_area_size(58)
        .y_label_area_size(frame::y_label_width(&plot, &y_axis))
        .build_cartesian_2d(x_axis, y_axis.clone())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((frame::FONT, SMALL))
        .axis_desc_style((frame::FONT, MEDIUM))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()?;
    chart.draw_series(bars.iter().map(|&(x0, x1, h)| {
        Rectangle::new(
            [(x0, 0.0), (x1, h.min(y_hi))],
            PALETTE[0].mix(0.35).filled(),
        )
    }))?;
    chart.draw_series(bars.iter().map(|&(x0, x1, h)| {
        Rectangle::new(
            [(x0, 0.0), (x1, h.min(y_hi))],
            PALETTE[0].mix(0.7).stroke_width(1),
        )
    }))?;
    // Later curves first, so the best is drawn on top.
    for (i, c) in curves.iter().enumerate().rev() {
        let color = PALETTE[(i + 1) % PALETTE.len()].to_rgba();
        let mut segment: Vec<(f64, f64)> = Vec::new();
        let mut segments = Vec::new();
        for &x in &samples {
            let y = curve_at(&c.dist, x);
            if y.is_finite() && y <= y_hi {
                segment.push((x, y));
            } else if !segment.is_empty() {
                segments.push(std::mem::take(&mut segment));
            }
        }
        segments.push(segment);
        for s in segments {
            frame::stroke(
                &root,
                chart.plotting_area(),
                s,
                color,
                if i == 0 { 4 } else { 2 },
            )?;
        }
    }
    frame::draw_legend(&side, &entries, MARGIN as i32 / 2)?;
    root.present()?;
    Ok(())
}

fn unit_word(unit: TimeUnit) -> &'static str {
    match unit {
        TimeUnit::Seconds => "second",
        TimeUnit::Minutes => "minute",
        TimeUnit::Hours => "hour",
        TimeUnit::Days => "day",
    }
}
