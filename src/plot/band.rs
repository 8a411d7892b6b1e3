//! A metric against one swept parameter: the mean with its 95% confidence
//! band (sweeps), and targets and the answer drawn in (plans).
//!
//! The unit at the end of `y_label` (as [`super::metric_axis_label`] writes
//! it) says what the metric is: `[s]` is shown in a human time unit chosen
//! from the data, and intervals are clamped to the metric's range (no
//! negative counts or times, no utilization above 1).

use super::axis::{log_scale_for, relabel_percent, relabel_time, Axis, Quantity, TimeUnit};
use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::time::HLine;
use super::{Format, PlotResult, HEIGHT, PALETTE, WIDTH};
use plotters::prelude::*;
use std::path::Path;

/// A metric against a swept parameter: mean line with its 95% CI band, and
/// optional horizontal target lines (for plans).
pub struct BandChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    /// The metric with its unit in brackets (see the module doc).
    pub y_label: &'a str,
    /// (x, mean, lo, hi), sorted by x.
    pub points: Vec<(f64, f64, f64, f64)>,
    pub hlines: Vec<HLine>,
    /// Vertical markers (e.g. the planner's answer, quantiles).
    pub vlines: Vec<(f64, String)>,
    /// Cap the y axis here (values above are drawn on the top edge), to keep
    /// a target readable next to far-off points.
    pub y_cap: Option<f64>,
    /// Legend text of the line.
    pub line_label: &'a str,
    /// Indices of points not joined to the one before: values between them
    /// were not evaluated (a plan's search skips values), so a line across
    /// would draw what was never simulated. Empty: one line through all.
    pub gaps: Vec<usize>,
}

/// Whether every value is a whole number (a count parameter).
pub fn all_integer(xs: impl IntoIterator<Item = f64>) -> bool {
    let mut any = false;
    for x in xs {
        any = true;
        if !x.is_finite() || (x - x.round()).abs() > 1e-9 {
            return false;
        }
    }
    any
}

/// The runs of `n` points a line joins: split before each index in
/// `gaps` (see [`BandChart::gaps`]).
pub fn joined_runs(n: usize, gaps: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=n {
        if i == n || gaps.contains(&i) {
            runs.push(start..i);
            start = i;
        }
    }
    runs
}

/// The x axis for parameter values: integer ticks for whole numbers, a
/// little padding so the end points are not on the frame.
pub fn param_axis(xs: &[f64]) -> Axis {
    let (lo, hi) = xs
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    let integer = all_integer(xs.iter().copied());
    let (lo, hi) = if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi > lo {
        let pad = ((hi - lo) * 0.04).max(if integer { 0.3 } else { 0.0 });
        (lo - pad, hi + pad)
    } else {
        (lo - 1.0, hi + 1.0)
    };
    if integer {
        Axis::integer(lo, hi, 14)
    } else {
        Axis::linear(lo, hi, 12)
    }
}

/// The x axis for parameter values with its text: a duration parameter
/// (`x_label` ends in `[s]`, values in seconds) in the unit that suits its
/// own range (3–30 s in seconds, not hours); anything else as
/// [`param_axis`].
pub fn param_axis_for(xs: &[f64], x_label: &str) -> (Axis, String) {
    if Quantity::of_axis_label(x_label) != Quantity::Time {
        return (param_axis(xs), x_label.to_string());
    }
    let (lo, hi) = xs
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    let (lo, hi) = if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi > lo {
        let pad = (hi - lo) * 0.04;
        ((lo - pad).max(0.0), hi + pad)
    } else {
        ((lo * 0.9).max(0.0), (hi * 1.1).max(lo + 1.0))
    };
    let unit = TimeUnit::for_span(hi);
    (Axis::time(lo, hi, unit, 12), relabel_time(x_label, unit))
}

/// The y axis for a metric's values (seconds for times, in a unit chosen
/// from the range; shares in percent), with its text.
pub fn metric_axis(
    q: Quantity,
    y_label: &str,
    lo: f64,
    hi: f64,
    max_ticks: usize,
) -> (Axis, String) {
    match q {
        Quantity::Time => {
            let unit = TimeUnit::for_span(hi.abs().max(lo.abs()));
            (
                Axis::time(lo, hi, unit, max_ticks),
                relabel_time(y_label, unit),
            )
        }
        // Shares in percent, as the tables print them (issue 17).
        Quantity::Fraction => (Axis::percent(lo, hi, max_ticks), relabel_percent(y_label)),
        _ => (Axis::linear(lo, hi, max_ticks), y_label.to_string()),
    }
}

fn draw_band_chart<DB: DrawingBackend>(root: Area<DB>, c: &BandChart<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, c.title)?;
    let q = Quantity::of_axis_label(c.y_label);
    let (min, max) = q.bounds();
    // Intervals clamped to the metric's range.
    let mut clamped = false;
    let points: Vec<(f64, f64, f64, f64)> = c
        .points
        .iter()
        .map(|&(x, m, lo, hi)| {
            let (l, h) = (lo.clamp(min, max), hi.clamp(min, max));
            clamped |= l != lo || h != hi;
            (x, m, l, h)
        })
        .collect();
    let ys = points
        .iter()
        .flat_map(|p| [p.1, p.2, p.3])
        .chain(c.hlines.iter().map(|h| h.y))
        .filter(|y| y.is_finite());
    let (y_lo, y_hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (y_lo, y_hi) = if y_lo.is_finite() {
        let lo = y_lo.min(0.0);
        let hi = if y_hi > lo { y_hi } else { lo + 1.0 };
        let hi = c.y_cap.filter(|cap| *cap > lo && *cap < hi).unwrap_or(hi);
        (
            lo,
            (hi + (hi - lo) * 0.05).min(if q == Quantity::Fraction && hi <= 1.0 {
                1.0
            } else {
                f64::INFINITY
            }),
        )
    } else {
        (0.0, 1.0)
    };
    let pinned = points.iter().any(|p| p.1 > y_hi);
    let xs: Vec<f64> = points.iter().map(|p| p.0).collect();
    let (x_axis, x_desc) = param_axis_for(&xs, c.x_label);
    let (mut y_axis, mut y_desc) = metric_axis(q, c.y_label, y_lo, y_hi, 9);
    // A latency over two decades or more: a log axis, so the small values
    // are not squashed against 0 (issue 17).
    let smallest = points
        .iter()
        .flat_map(|p| [p.1, p.2])
        .chain(c.hlines.iter().map(|h| h.y))
        .filter(|y| y.is_finite() && *y > 0.0)
        .fold(f64::INFINITY, f64::min);
    let log = q == Quantity::Time && log_scale_for(smallest, y_hi);
    if log {
        y_axis = Axis::log_duration(smallest * 0.8, y_hi);
        y_desc = format!(
            "{} (log scale)",
            c.y_label.strip_suffix(" [s]").unwrap_or(c.y_label)
        );
    } else if !pinned {
        // End on a tick.
        if let [a, b, ..] = y_axis.major() {
            let step = b - a;
            let top = a + ((y_hi - a) / step).ceil() * step;
            if top > y_hi && top - y_hi < step {
                (y_axis, y_desc) = metric_axis(q, c.y_label, y_lo, top, 9);
            }
        }
    }

    let color = PALETTE[0];
    let has_band = points.iter().any(|p| p.2 != p.1 || p.3 != p.1);
    let mut entries = Vec::new();
    if points.len() > 1 && has_band {
        let text = match (clamped, q) {
            (false, _) => "95% confidence interval".to_string(),
            (true, Quantity::Fraction) => "95% confidence interval (clamped to [0, 1])".into(),
            (true, _) => "95% confidence interval (clamped at 0)".into(),
        };
        entries.push(Entry::patch(text, color.mix(0.2)));
    }
    entries.push(Entry::line(c.line_label, color, 3));
    for h in &c.hlines {
        entries.push(Entry::line(h.label.clone(), h.color, 2));
    }
    for (k, (_, label)) in c.vlines.iter().enumerate() {
        entries.push(Entry::dashed(
            label.clone(),
            PALETTE[(2 + k) % PALETTE.len()],
            2,
        ));
    }
    if pinned {
        entries.push(Entry::note(
            "means above the top of the axis are drawn on its edge",
        ));
    }
    if !c.gaps.is_empty() {
        entries.push(Entry::note("no line across values that were not evaluated"));
    }
    let (plot, side) = frame::with_legend(&body, &entries);
    let mut chart = ChartBuilder::on(&plot)
        .margin(MARGIN)
        .margin_top(MARGIN / 2)
        .x_label_area_size(58)
        .y_label_area_size(frame::y_label_width(&plot, &y_axis))
        .build_cartesian_2d(x_axis.clone(), y_axis.clone())?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style((frame::FONT, SMALL))
        .axis_desc_style((frame::FONT, MEDIUM))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(205, 205, 205))
        .draw()?;
    // Runs of points joined by a line: split where a value was skipped.
    let runs: Vec<&[(f64, f64, f64, f64)]> = joined_runs(points.len(), &c.gaps)
        .into_iter()
        .map(|r| &points[r])
        .collect();
    if has_band {
        for run in &runs {
            if run.len() > 1 {
                let mut band: Vec<(f64, f64)> =
                    run.iter().map(|p| (p.0, y_axis.clamp(p.3))).collect();
                band.extend(run.iter().rev().map(|p| (p.0, y_axis.clamp(p.2))));
                chart.draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))?;
            } else if let [p] = run {
                // A lone value: its interval as a bar.
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(p.0, y_axis.clamp(p.2)), (p.0, y_axis.clamp(p.3))],
                    color.mix(0.35).stroke_width(6),
                )))?;
            }
        }
    }
    for run in &runs {
        frame::stroke(
            &root,
            chart.plotting_area(),
            run.iter().map(|p| (p.0, p.1)),
            color.to_rgba(),
            3,
        )?;
    }
    if points.len() <= 200 || !c.gaps.is_empty() {
        chart.draw_series(
            points
                .iter()
                .map(|p| Circle::new((p.0, p.1), 4, color.filled())),
        )?;
    }
    for h in &c.hlines {
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x_axis.lo(), h.y), (x_axis.hi(), h.y)],
            h.color.stroke_width(2),
        )))?;
    }
    for (k, (x, _)) in c.vlines.iter().enumerate() {
        let vc = PALETTE[(2 + k) % PALETTE.len()];
        chart.draw_series(DashedLineSeries::new(
            vec![(*x, y_axis.lo()), (*x, y_axis.hi())],
            8,
            5,
            vc.stroke_width(2),
        ))?;
    }
    frame::draw_legend(&side, &entries, MARGIN as i32 / 2)?;
    root.present()?;
    Ok(())
}

pub fn render_band_chart(path: &Path, fmt: Format, chart: &BandChart<'_>) -> PlotResult {
    render_to!(path, fmt, draw_band_chart(chart))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: a visibility-timeout sweep of 3–30 s was drawn in hours
    /// (0.001–0.008); a duration parameter gets the unit of its own range.
    #[test]
    fn a_duration_parameter_is_drawn_in_its_own_unit() {
        let (axis, text) = param_axis_for(&[3.0, 12.0, 21.0, 30.0], "visibility_timeout [s]");
        assert_eq!(text, "visibility_timeout [s]");
        let labels: Vec<String> = axis.major().iter().map(|v| axis.label(*v)).collect();
        assert_eq!(labels, ["5", "10", "15", "20", "25", "30"]);
        let (_, text) = param_axis_for(&[600.0, 1_800.0, 3_600.0], "flush [s]");
        assert_eq!(text, "flush [min]");
        let (_, text) = param_axis_for(&[3_600.0, 4.0 * 3_600.0], "shift [s]");
        assert_eq!(text, "shift [h]");
        // Not a duration: as it is.
        let (_, text) = param_axis_for(&[9.0, 12.0], "workers[team].count");
        assert_eq!(text, "workers[team].count");
    }

    /// Issue 17: plan.png joined evaluated values across values the search
    /// skipped.
    #[test]
    fn lines_break_where_values_were_not_evaluated() {
        assert_eq!(joined_runs(4, &[]), vec![0..4]);
        // Values 1, 2, 4, 8, 9, 10 of 1..=10: runs 1-2, 4, 8-10.
        assert_eq!(joined_runs(6, &[2, 3]), vec![0..2, 2..3, 3..6]);
        assert_eq!(joined_runs(0, &[]), Vec::<std::ops::Range<usize>>::new());
    }
}
