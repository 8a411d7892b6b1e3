//! Several metrics against one swept parameter, in small panels stacked on
//! a shared x axis (issue 10: cost, accuracy and human load against a
//! routing threshold). Each line is a mean over replications with its 95%
//! confidence band; each panel has its own y axis and legend, so metrics
//! of different units read side by side without a second y axis.

use super::axis::{Axis, Quantity};
use super::band::{metric_axis, param_axis};
use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::{Format, PlotResult, HEIGHT, WIDTH};
use plotters::prelude::*;
use std::path::Path;

/// One line of a panel: (x, mean, lo, hi) sorted by x; lo = hi = mean
/// draws no band.
pub struct BandLine {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// One panel: lines against one y axis; the unit in brackets at the end of
/// `y_label` says what they are (see [`super::metric_axis_label`]).
pub struct BandPanel {
    /// Short (a third of the height holds about 20 characters).
    pub y_label: String,
    pub lines: Vec<BandLine>,
    /// The y axis starts at 0; otherwise a little below the lowest value
    /// (to show small differences, e.g. of accuracy).
    pub from_zero: bool,
}

pub struct PanelsChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub panels: Vec<BandPanel>,
}

fn y_axis_of(p: &BandPanel) -> (Axis, String) {
    let q = Quantity::of_axis_label(&p.y_label);
    let (min, max) = q.bounds();
    let ys = p
        .lines
        .iter()
        .flat_map(|l| l.points.iter().flat_map(|p| [p.1, p.2, p.3]))
        .filter(|y| y.is_finite())
        .map(|y| y.clamp(min, max));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (lo, hi) = if lo.is_finite() {
        let lo = if p.from_zero {
            lo.min(0.0)
        } else {
            (lo - (hi - lo).max(lo.abs() * 0.01) * 0.1).max(min)
        };
        let hi = if hi > lo { hi } else { lo + 1.0 };
        let top = hi + (hi - lo) * 0.05;
        let top = if q == Quantity::Fraction && hi <= 1.0 {
            top.min(1.0)
        } else {
            top
        };
        (lo, top)
    } else {
        (0.0, 1.0)
    };
    metric_axis(q, &p.y_label, lo, hi, 5)
}

fn entries_of(p: &BandPanel) -> Vec<Entry> {
    let mut out = Vec::new();
    for l in &p.lines {
        out.push(Entry::line(l.label.clone(), l.color, 3));
        if l.points.iter().any(|q| q.2 != q.1 || q.3 != q.1) {
            out.push(Entry::patch("95% confidence interval", l.color.mix(0.2)));
        }
    }
    out
}

fn draw_panels<DB: DrawingBackend>(root: Area<DB>, c: &PanelsChart<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, c.title)?;
    let legends: Vec<Vec<Entry>> = c.panels.iter().map(entries_of).collect();
    let side_w = legends
        .iter()
        .map(|l| frame::legend_width(&body, l))
        .max()
        .unwrap_or(0);
    let (plot_col, side_col) = frame::with_side_column(&body, side_w);
    let xs: Vec<f64> = c
        .panels
        .iter()
        .flat_map(|p| p.lines.iter().flat_map(|l| l.points.iter().map(|q| q.0)))
        .collect();
    let x_axis = param_axis(&xs);
    let y_axes: Vec<(Axis, String)> = c.panels.iter().map(y_axis_of).collect();
    let y_label_w = y_axes
        .iter()
        .map(|(a, _)| frame::y_label_width(&plot_col, a))
        .max()
        .unwrap_or(60);
    let x_label_h = 58;
    let areas = frame::stacked_panels(&plot_col, &side_col, c.panels.len(), x_label_h);
    for (i, (((p, legend), (y_axis, y_desc)), (area, side))) in c
        .panels
        .iter()
        .zip(&legends)
        .zip(y_axes)
        .zip(areas)
        .enumerate()
    {
        let last = i + 1 == c.panels.len();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(MARGIN)
            .margin_top(if i == 0 { MARGIN / 2 } else { MARGIN })
            .margin_bottom(MARGIN / 2)
            .x_label_area_size(if last { x_label_h } else { 0 })
            .y_label_area_size(y_label_w)
            .build_cartesian_2d(x_axis.clone(), y_axis.clone())?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(y_desc.as_str())
            .label_style((frame::FONT, SMALL))
            .axis_desc_style((frame::FONT, MEDIUM))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(205, 205, 205));
        if last {
            mesh.x_desc(c.x_label);
        }
        mesh.draw()?;
        for l in &p.lines {
            let pts: Vec<&(f64, f64, f64, f64)> =
                l.points.iter().filter(|q| q.1.is_finite()).collect();
            if pts.len() > 1 && pts.iter().any(|q| q.2 != q.1 || q.3 != q.1) {
                let mut band: Vec<(f64, f64)> =
                    pts.iter().map(|q| (q.0, y_axis.clamp(q.3))).collect();
                band.extend(pts.iter().rev().map(|q| (q.0, y_axis.clamp(q.2))));
                chart.draw_series(std::iter::once(Polygon::new(
                    band,
                    l.color.mix(0.2).filled(),
                )))?;
            }
            frame::stroke(
                &root,
                chart.plotting_area(),
                pts.iter().map(|q| (q.0, y_axis.clamp(q.1))),
                l.color.to_rgba(),
                3,
            )?;
            if pts.len() <= 200 {
                chart.draw_series(
                    pts.iter()
                        .map(|q| Circle::new((q.0, y_axis.clamp(q.1)), 4, l.color.filled())),
                )?;
            }
        }
        frame::draw_legend(&side, legend, MARGIN as i32 / 2)?;
    }
    root.present()?;
    Ok(())
}

/// Renders stacked panels of metrics against one parameter.
pub fn render_panels_chart(path: &Path, fmt: Format, c: &PanelsChart<'_>) -> PlotResult {
    render_to!(path, fmt, draw_panels(c))
}
