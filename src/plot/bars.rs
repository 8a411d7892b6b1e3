//! Stacked bars: one bar per group (e.g. a policy), one segment per part
//! (where objects went).

use super::axis::{nice_step, Axis};
use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::{Format, PlotResult, HEIGHT, WIDTH};
use crate::human;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Stacked bars: one bar per group (e.g. policy), one segment per part.
pub fn render_stacked_bars(
    path: &Path,
    fmt: Format,
    title: &str,
    y_label: &str,
    groups: &[String],
    parts: &[(&str, RGBColor)],
    values: &[Vec<f64>],
) -> PlotResult {
    render_to!(
        path,
        fmt,
        draw_stacked_bars(title, y_label, groups, parts, values, &[])
    )
}

/// The same with lines of text after the legend (`notes`).
#[allow(clippy::too_many_arguments)]
pub fn render_stacked_bars_with_notes(
    path: &Path,
    fmt: Format,
    title: &str,
    y_label: &str,
    groups: &[String],
    parts: &[(&str, RGBColor)],
    values: &[Vec<f64>],
    notes: &[String],
) -> PlotResult {
    render_to!(
        path,
        fmt,
        draw_stacked_bars(title, y_label, groups, parts, values, notes)
    )
}

fn draw_stacked_bars<DB: DrawingBackend>(
    root: Area<DB>,
    title: &str,
    y_label: &str,
    groups: &[String],
    parts: &[(&str, RGBColor)],
    values: &[Vec<f64>],
    notes: &[String],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, title)?;
    let total = values
        .iter()
        .map(|v| v.iter().sum::<f64>())
        .fold(0.0f64, f64::max)
        .max(1.0);
    // Parts in stacking order, bottom first; the legend lists them top
    // first, as they appear on the bars.
    let entries: Vec<Entry> = parts
        .iter()
        .rev()
        .map(|(label, c)| Entry::patch(*label, c.to_rgba()))
        .chain(notes.iter().map(|n| Entry::note(n.clone())))
        .collect();
    let (plot, side) = frame::with_legend(&body, &entries);
    let (step, _) = nice_step(0.0, total * 1.04, 8, false);
    let y_axis = Axis::linear(0.0, (total * 1.04 / step).ceil() * step, 8);
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .margin_top(MARGIN / 2)
        .x_label_area_size(58)
        .y_label_area_size(frame::y_label_width(&plot, &y_axis))
        .build_cartesian_2d(Axis::names(groups.to_vec(), 24), y_axis.clone())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc(y_label)
        .label_style((frame::FONT, SMALL))
        .axis_desc_style((frame::FONT, MEDIUM))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()?;
    for (k, (_, color)) in parts.iter().enumerate() {
        chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let base: f64 = v[..k].iter().sum();
            Rectangle::new(
                [(i as f64 - 0.3, base), (i as f64 + 0.3, base + v[k])],
                color.filled(),
            )
        }))?;
    }
    // Each segment tall enough for it carries its value.
    let min_h = y_axis.hi() * 0.04;
    for (k, _) in parts.iter().enumerate() {
        chart.draw_series(
            values
                .iter()
                .enumerate()
                .filter(|(_, v)| v[k] >= min_h)
                .map(|(i, v)| {
                    let base: f64 = v[..k].iter().sum();
                    Text::new(
                        human::chart_value(v[k]),
                        (i as f64, base + v[k] / 2.0),
                        (frame::FONT, SMALL)
                            .into_font()
                            .color(&WHITE)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                    )
                }),
        )?;
    }
    frame::draw_legend(&side, &entries, MARGIN as i32 / 2)?;
    root.present()?;
    Ok(())
}
