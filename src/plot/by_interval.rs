//! `by_interval.png` (SPEC §4b): service-level attainment by interval of
//! arrival over the demand cycle, one line per service level with its 95%
//! band over replications, and arrivals per hour as pale bars on a scale
//! of their own (right), so the hours that miss show beside the demand
//! that made them miss. A week's axis names the days. A pipeline without a
//! job draws its searchable latency (mean and p95) by interval of upload
//! on a time axis instead.

use super::axis::{Axis, TimeUnit};
use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::{Format, PlotResult, HEIGHT, PALETTE, WIDTH};
use crate::human;
use crate::model::by_interval::IntervalMean;
use plotters::prelude::*;
use std::path::Path;

/// Draws the chart of `rows` (a cycle's intervals, means over
/// replications) for the value columns `keys` (service-level shares, or
/// `delay_probability` when there are none).
pub fn render_by_interval(
    path: &Path,
    fmt: Format,
    title: &str,
    rows: &[IntervalMean],
    keys: &[String],
    weekly: bool,
) -> PlotResult {
    render_to!(path, fmt, draw(title, rows, keys, weekly))
}

fn draw<DB: DrawingBackend>(
    root: Area<DB>,
    title: &str,
    rows: &[IntervalMean],
    keys: &[String],
    weekly: bool,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, title)?;
    let peak_rate = rows
        .iter()
        .map(|r| r.row.arrival_rate_per_h)
        .fold(0.0f64, f64::max);
    let bar_color = RGBColor(222, 235, 247);
    let mut entries: Vec<Entry> = keys
        .iter()
        .enumerate()
        .map(|(k, key)| Entry::line(key.clone(), PALETTE[k % PALETTE.len()], 3))
        .collect();
    entries.push(Entry::patch(
        format!(
            "arrivals per hour (bars; peak {})",
            human::chart_value(peak_rate)
        ),
        bar_color.to_rgba(),
    ));
    entries.push(Entry::note("shaded: 95% CI over replications"));
    let (plot, side) = frame::with_legend(&body, &entries);
    // A week's ticks name the day at midnight and the time otherwise
    // (`tue`, `12:00`), short enough to sit side by side.
    let labels: Vec<String> = rows
        .iter()
        .map(|r| {
            let name = &r.row.interval;
            match name.split_once(' ') {
                Some((day, "00:00")) => day.to_string(),
                Some((_, time)) => time.to_string(),
                None => name.clone(),
            }
        })
        .collect();
    // A week: a label every 12 hours' worth of intervals at most 14; a
    // day: at most 12.
    let x_axis = Axis::names(labels, if weekly { 14 } else { 12 });
    // Shares on a percent axis; times (a pipeline's searchable latency by
    // interval of upload) on a time axis from 0 past the largest value.
    let times = !keys.is_empty() && keys.iter().all(|k| k.ends_with("_s"));
    let (y_axis, y_desc) = if times {
        let top = rows
            .iter()
            .flat_map(|r| {
                keys.iter().flat_map(move |k| {
                    let v = r.row.values.get(k).copied().flatten();
                    let hi = r.ci95.get(k).map(|c| c.1);
                    v.into_iter().chain(hi)
                })
            })
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        let top = if top > 0.0 { top * 1.1 } else { 1.0 };
        let unit = TimeUnit::for_span(top);
        (
            Axis::time(0.0, top, unit, 10),
            format!("latency [{}], documents of the interval", unit.symbol()),
        )
    } else {
        (
            Axis::percent(0.0, 1.0, 10),
            "share of the objects arriving in the interval".to_string(),
        )
    };
    let y_top = y_axis.hi();
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .margin_top(MARGIN / 2)
        .x_label_area_size(58)
        .y_label_area_size(frame::y_label_width(&plot, &y_axis))
        .build_cartesian_2d(x_axis, y_axis)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc(y_desc)
        .x_desc(match (weekly, times) {
            (true, false) => "interval of arrival (day and local time)",
            (false, false) => "interval of arrival (local time)",
            // A pipeline's documents count from their first send or upload.
            (true, true) => "interval of upload or first send (day and local time)",
            (false, true) => "interval of upload or first send (local time)",
        })
        .label_style((frame::FONT, SMALL))
        .axis_desc_style((frame::FONT, MEDIUM))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()?;
    // Demand bars, scaled so the busiest interval reaches 95% of the axis.
    if peak_rate > 0.0 {
        chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
            let h = 0.95 * y_top * r.row.arrival_rate_per_h / peak_rate;
            Rectangle::new(
                [(i as f64 - 0.4, 0.0), (i as f64 + 0.4, h)],
                bar_color.filled(),
            )
        }))?;
    }
    for (k, key) in keys.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        // The band, interval by interval (a gap where there is no value).
        chart.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
            let (lo, hi) = r.ci95.get(key)?;
            Some(Rectangle::new(
                [
                    (i as f64 - 0.5, lo.clamp(0.0, y_top)),
                    (i as f64 + 0.5, hi.clamp(0.0, y_top)),
                ],
                color.mix(0.18).filled(),
            ))
        }))?;
        // The line, broken where an interval has no value.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (i, r) in rows.iter().enumerate() {
            match r.row.values.get(key).copied().flatten() {
                Some(v) => run.push((i as f64, v)),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for run in runs.into_iter().filter(|r| !r.is_empty()) {
            if run.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(run[0], 3, color.filled())))?;
            } else {
                chart.draw_series(LineSeries::new(run, color.stroke_width(3)))?;
            }
        }
    }
    frame::draw_legend(&side, &entries, MARGIN as i32 / 2)?;
    root.present()?;
    Ok(())
}
