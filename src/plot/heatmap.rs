//! A metric over two parameters: a heatmap when the points form a full
//! grid, else (a Latin hypercube, a partial grid) a scatter of the points
//! themselves, coloured by the metric. Both carry a colour bar, on a log
//! scale when the values span two decades or more.
//!
//! The metric is the first word of the title (as `sweep` writes it); a name
//! ending in `_s` is a time and is printed in human units.

use super::axis::{relabel_time, Axis, NumberFormat, Quantity, TimeUnit};
use super::band::param_axis_for;
use super::frame::{self, Area, ColorScale, MARGIN, MEDIUM, SMALL};
use super::{metric_axis_label, Format, PlotResult, HEIGHT, WIDTH};
use crate::human;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// A metric over a grid of two parameters.
pub struct Heatmap<'a> {
    /// Starts with the metric's name (see the module doc).
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// Distinct x and y values, sorted.
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// (x index, y index, value).
    pub cells: Vec<(usize, usize, f64)>,
}

/// Whether the cells cover every (x, y) pair once: a full grid.
pub fn is_full_grid(h: &Heatmap<'_>) -> bool {
    let (nx, ny) = (h.xs.len(), h.ys.len());
    let mut seen = vec![false; nx * ny];
    for &(i, j, _) in &h.cells {
        if i >= nx || j >= ny || std::mem::replace(&mut seen[j * nx + i], true) {
            return false;
        }
    }
    seen.iter().all(|s| *s)
}

/// The metric named at the start of the title.
fn metric_of(title: &str) -> &str {
    title.split([',', ' ']).next().unwrap_or_default()
}

/// Tick labels of parameter values, one precision for the axis.
/// The names of a grid axis's cells with the axis text: a duration
/// parameter (`[s]`) in the unit its largest value suits.
fn grid_names(vs: &[f64], label: &str) -> (Vec<String>, String) {
    if Quantity::of_axis_label(label) != Quantity::Time {
        return (value_names(vs), label.to_string());
    }
    let unit = TimeUnit::for_span(vs.iter().fold(0.0f64, |a, v| a.max(v.abs())));
    let scaled: Vec<f64> = vs.iter().map(|v| v / unit.secs()).collect();
    (value_names(&scaled), relabel_time(label, unit))
}

fn value_names(vs: &[f64]) -> Vec<String> {
    let step = vs
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let max = vs.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    let f = NumberFormat::for_ticks(if step.is_finite() { step } else { 1.0 }, max);
    vs.iter().map(|v| f.format(*v)).collect()
}

struct Metric {
    time: bool,
    /// Colour-bar text: the metric and its unit.
    label: String,
}

fn color_scale(values: &[f64], m: &Metric) -> (ColorScale, String) {
    let scale = ColorScale::for_values(values, |lo, hi| {
        if m.time {
            Axis::time(lo, hi, TimeUnit::for_span(hi.abs().max(lo.abs())), 8)
        } else {
            Axis::linear(lo, hi, 8)
        }
    });
    let mut label = m.label.clone();
    if m.time {
        if scale.log {
            // Ticks carry their units.
            label = label.trim_end_matches(" [s]").to_string();
            let (lo, hi) = (scale.axis.lo(), scale.axis.hi());
            return (
                ColorScale {
                    axis: Axis::log_duration(lo, hi),
                    log: true,
                },
                format!("{label} (log scale)"),
            );
        }
        let hi = scale.axis.hi().abs().max(scale.axis.lo().abs());
        label = relabel_time(&label, TimeUnit::for_span(hi));
    }
    if scale.log {
        label = format!("{label} (log scale)");
    }
    (scale, label)
}

fn draw_heatmap<DB: DrawingBackend>(root: Area<DB>, h: &Heatmap<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, h.title)?;
    let name = metric_of(h.title);
    let m = Metric {
        time: name.ends_with("_s"),
        label: format!("mean {}", metric_axis_label(name)),
    };
    let values: Vec<f64> = h.cells.iter().map(|c| c.2).collect();
    let (scale, bar_label) = color_scale(&values, &m);
    let (plot, side) = frame::with_side_column(&body, 200);
    let zero_note = (scale.log && values.iter().any(|v| *v <= 0.0 || !v.is_finite()))
        .then_some("0 or no value");
    frame::draw_color_bar(&side, &scale, &bar_label, zero_note, MARGIN as i32 / 2)?;
    let text_of = |v: f64| {
        if m.time && v.is_finite() {
            human::chart_duration(v)
        } else {
            human::chart_value(v)
        }
    };

    if is_full_grid(h) {
        let (nx, ny) = (h.xs.len(), h.ys.len());
        let (x_names, x_desc) = grid_names(&h.xs, h.x_label);
        let (y_names, y_desc) = grid_names(&h.ys, h.y_label);
        let y_axis = Axis::names(y_names, 24);
        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .margin_top(MARGIN / 2)
            .x_label_area_size(58)
            .y_label_area_size(frame::y_label_width(&plot, &y_axis))
            .build_cartesian_2d(Axis::names(x_names, 24), y_axis)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((frame::FONT, SMALL))
            .axis_desc_style((frame::FONT, MEDIUM))
            .draw()?;
        chart.draw_series(h.cells.iter().map(|&(i, j, v)| {
            Rectangle::new(
                [
                    (i as f64 - 0.49, j as f64 - 0.49),
                    (i as f64 + 0.49, j as f64 + 0.49),
                ],
                scale.color(v).filled(),
            )
        }))?;
        if nx * ny <= 400 {
            let size = if nx <= 12 { 16 } else { 13 };
            chart.draw_series(h.cells.iter().map(|&(i, j, v)| {
                Text::new(
                    text_of(v),
                    (i as f64, j as f64),
                    (frame::FONT, size)
                        .into_font()
                        .color(if scale.is_dark(v) { &WHITE } else { &BLACK })
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )
            }))?;
        }
    } else {
        // The points as sampled: a scatter, colour = metric.
        let pts: Vec<(f64, f64, f64)> = h
            .cells
            .iter()
            .filter_map(|&(i, j, v)| Some((*h.xs.get(i)?, *h.ys.get(j)?, v)))
            .collect();
        let xs: Vec<f64> = pts.iter().map(|p| p.0).collect();
        let ys: Vec<f64> = pts.iter().map(|p| p.1).collect();
        let (y_axis, y_desc) = param_axis_for(&ys, h.y_label);
        let (x_axis, x_desc) = param_axis_for(&xs, h.x_label);
        let mut chart = ChartBuilder::on(&plot)
            .margin(MARGIN)
            .margin_top(MARGIN / 2)
            .x_label_area_size(58)
            .y_label_area_size(frame::y_label_width(&plot, &y_axis))
            .build_cartesian_2d(x_axis, y_axis)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .label_style((frame::FONT, SMALL))
            .axis_desc_style((frame::FONT, MEDIUM))
            .light_line_style(RGBColor(242, 242, 242))
            .bold_line_style(RGBColor(215, 215, 215))
            .draw()?;
        let r = if pts.len() <= 60 {
            9
        } else if pts.len() <= 300 {
            6
        } else {
            4
        };
        chart.draw_series(
            pts.iter()
                .map(|&(x, y, v)| Circle::new((x, y), r, scale.color(v).filled())),
        )?;
        chart.draw_series(
            pts.iter()
                .map(|&(x, y, _)| Circle::new((x, y), r, BLACK.mix(0.55).stroke_width(1))),
        )?;
    }
    root.present()?;
    Ok(())
}

/// Draws a heatmap, or a scatter when the cells do not form a full grid.
pub fn render_heatmap(path: &Path, fmt: Format, h: &Heatmap<'_>) -> PlotResult {
    render_to!(path, fmt, draw_heatmap(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(cells: Vec<(usize, usize, f64)>) -> Heatmap<'static> {
        Heatmap {
            title: "time_to_label_p95_s, mean",
            x_label: "",
            y_label: "",
            xs: vec![1.0, 2.0],
            ys: vec![1.0, 2.0],
            cells,
        }
    }

    #[test]
    fn a_latin_hypercube_is_not_a_grid() {
        let full = map(vec![(0, 0, 1.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)]);
        assert!(is_full_grid(&full));
        assert!(!is_full_grid(&map(vec![(0, 0, 1.0), (1, 1, 1.0)])));
        assert_eq!(metric_of(full.title), "time_to_label_p95_s");
    }
}
