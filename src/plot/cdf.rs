//! Latency distributions: CDFs on a logarithmic time axis (latencies span
//! seconds to days). One curve gets p50, p95 and p99 drawn in; several
//! curves (one per policy) state their p50 and p95 in the legend.

use super::axis::Axis;
use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::{Format, PlotResult, HEIGHT, PALETTE, WIDTH};
use crate::human;
use plotters::prelude::*;
use std::path::Path;

/// p50, p95 and p99 \[s\] where known.
pub type Quantiles = [Option<f64>; 3];

/// One distribution: (seconds, fraction ≤) points, sorted.
pub struct Curve<'a> {
    pub label: String,
    pub color: RGBColor,
    pub cdf: &'a [(f64, f64)],
}

/// Nearest-rank quantile of a CDF given as (value, fraction ≤), sorted.
fn quantile_of(cdf: &[(f64, f64)], p: f64) -> Option<f64> {
    cdf.iter().find(|c| c.1 >= p - 1e-12).map(|c| c.0)
}

/// The time axis for these curves: up to a little past the slowest object,
/// from a little below the fastest 0.1% (zero latencies sit on the left
/// edge), five decades at most.
fn time_axis(curves: &[Curve<'_>]) -> Axis {
    let max = curves
        .iter()
        .filter_map(|c| c.cdf.last().map(|p| p.0))
        .fold(0.0f64, f64::max)
        .max(1e-3);
    let min_pos = curves
        .iter()
        .filter_map(|c| c.cdf.iter().find(|p| p.0 > 0.0 && p.1 >= 0.001))
        .map(|p| p.0)
        .fold(f64::INFINITY, f64::min);
    let min_pos = if min_pos.is_finite() {
        min_pos
    } else {
        max / 10.0
    };
    let lo = (min_pos.max(max * 1e-5) / 1.5).max(1e-3);
    Axis::log_duration(lo, max * 1.5)
}

/// What a CDF chart's axes and empty legend say.
#[derive(Clone, Copy)]
pub struct CdfText<'a> {
    /// The latency measured (the x axis).
    pub x_desc: &'a str,
    /// What the fraction is of (the y axis).
    pub y_desc: &'a str,
    /// The legend's note when no curve has a point.
    pub empty: &'a str,
}

const LABELED: &str = "fraction of labeled objects";
const NONE_LABELED: &str = "no object was labeled";

fn draw_cdfs<DB: DrawingBackend>(
    root: Area<DB>,
    title: &str,
    text: CdfText<'_>,
    curves: &[Curve<'_>],
    marked: Option<&Quantiles>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, title)?;
    let mut entries = Vec::new();
    let mut vlines: Vec<(f64, RGBColor)> = Vec::new();
    match (curves, marked) {
        ([one], Some(known)) => {
            entries.push(Entry::line(one.label.clone(), one.color, 3));
            let marks = [(0.50, PALETTE[2]), (0.95, PALETTE[3]), (0.99, PALETTE[4])];
            for ((p, c), k) in marks.iter().zip(known) {
                if let Some(v) = k.or_else(|| quantile_of(one.cdf, *p)) {
                    entries.push(Entry::dashed(
                        format!("p{:.0} = {}", p * 100.0, human::chart_duration(v)),
                        *c,
                        2,
                    ));
                    vlines.push((v, *c));
                }
            }
        }
        _ => {
            for c in curves {
                let q = |p| quantile_of(c.cdf, p).map_or("-".into(), human::chart_duration);
                entries.push(Entry::line(
                    format!("{}: p50 {}, p95 {}", c.label, q(0.50), q(0.95)),
                    c.color,
                    3,
                ));
            }
        }
    }
    if curves.iter().all(|c| c.cdf.is_empty()) {
        entries.push(Entry::note(text.empty));
    }
    let (plot, side) = frame::with_legend(&body, &entries);
    let x_axis = time_axis(curves);
    let (x_lo, x_hi) = (x_axis.lo(), x_axis.hi());
    let y_axis = Axis::linear(0.0, 1.0, 10);
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .margin_top(MARGIN / 2)
        .x_label_area_size(58)
        .y_label_area_size(frame::y_label_width(&plot, &y_axis))
        .build_cartesian_2d(x_axis, y_axis)?;
    chart
        .configure_mesh()
        .x_desc(format!("{} (log scale)", text.x_desc))
        .y_desc(text.y_desc)
        .label_style((frame::FONT, SMALL))
        .axis_desc_style((frame::FONT, MEDIUM))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()?;
    for c in curves {
        // A curve of one or two objects is drawn as steps across the
        // axis (as a line it would be a point, or nothing).
        let points: Vec<(f64, f64)> = if (1..3).contains(&c.cdf.len()) {
            let mut v = vec![(x_lo, 0.0)];
            let mut prev = 0.0;
            for &(x, f) in c.cdf {
                v.extend([(x, prev), (x, f)]);
                prev = f;
            }
            v.push((x_hi, prev));
            v
        } else {
            c.cdf.to_vec()
        };
        frame::stroke(&root, chart.plotting_area(), points, c.color.to_rgba(), 3)?;
    }
    for (v, c) in vlines {
        chart.draw_series(DashedLineSeries::new(
            vec![(v, 0.0), (v, 1.0)],
            8,
            5,
            c.stroke_width(2),
        ))?;
    }
    frame::draw_legend(&side, &entries, MARGIN as i32 / 2)?;
    root.present()?;
    Ok(())
}

const X_DESC: &str = "time from acceptance to label";
const LINE: &str = "share labeled within that time";

/// A latency CDF (seconds, fraction ≤) with p50, p95 and p99 marked, read
/// off the CDF.
pub fn latency_cdf_chart(path: &Path, fmt: Format, title: &str, cdf: &[(f64, f64)]) -> PlotResult {
    latency_cdf_chart_with(path, fmt, title, cdf, &[None; 3])
}

/// The same with the quantiles given (the run's exact ones, which the CDF,
/// thinned to a few hundred points, only approximates).
pub fn latency_cdf_chart_with(
    path: &Path,
    fmt: Format,
    title: &str,
    cdf: &[(f64, f64)],
    quantiles: &Quantiles,
) -> PlotResult {
    let curves = [Curve {
        label: LINE.into(),
        color: PALETTE[0],
        cdf,
    }];
    render_to!(
        path,
        fmt,
        draw_cdfs(
            title,
            CdfText {
                x_desc: X_DESC,
                y_desc: LABELED,
                empty: NONE_LABELED
            },
            &curves,
            Some(quantiles)
        )
    )
}

/// Several latency CDFs on one log time axis (e.g. one per policy), each
/// with its p50 and p95 in the legend; `x_desc` names the latency.
pub fn render_latency_cdfs(
    path: &Path,
    fmt: Format,
    title: &str,
    x_desc: &str,
    curves: &[Curve<'_>],
) -> PlotResult {
    let text = CdfText {
        x_desc,
        y_desc: LABELED,
        empty: NONE_LABELED,
    };
    render_to!(path, fmt, draw_cdfs(title, text, curves, None))
}

/// Several latency CDFs with the axis and legend texts given (e.g. the
/// searchable latency of indexed objects, per path).
pub fn render_latency_cdfs_with(
    path: &Path,
    fmt: Format,
    title: &str,
    text: CdfText<'_>,
    curves: &[Curve<'_>],
) -> PlotResult {
    render_to!(path, fmt, draw_cdfs(title, text, curves, None))
}
