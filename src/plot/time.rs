//! Charts over simulated time: the run's throughput, backlog, workers and
//! cumulative charts, and the generic [`TimeChart`] other commands draw.
//!
//! A figure is one or more panels stacked on a shared time axis, each with
//! its own y axis and legend; events of the job (its stop, messages lost at
//! the door) are marked on every panel.

use super::axis::{nice_step, Axis, TimeUnit};
use super::frame::{self, Area, Entry, MARGIN, MEDIUM, SMALL};
use super::{Format, PlotResult, ALERT, HEIGHT, PALETTE, WIDTH};
use crate::human;
use crate::model::{EndState, RunOutput, Sample};
use plotters::prelude::*;
use std::path::Path;

/// One line on a time chart.
pub struct Series {
    /// Legend text; `None` draws the line without a legend entry.
    pub label: Option<String>,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
    pub width: u32,
    /// Opacity in [0, 1]: faint lines for secondary replications.
    pub alpha: f64,
}

/// A horizontal reference line (e.g. K), drawn dashed.
pub struct HLine {
    pub label: String,
    pub y: f64,
    pub color: RGBColor,
}

/// A chart of lines over time with one y axis (see [`render_time_chart`]).
pub struct TimeChart<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    /// Time axis span \[s\].
    pub horizon_s: f64,
    pub series: Vec<Series>,
    pub hlines: Vec<HLine>,
    /// Another x axis than "time since job creation": (seconds per unit,
    /// axis text), e.g. for latency distributions.
    pub x_axis: Option<(f64, String)>,
}

/// A shaded range around a line (e.g. the spread over replications).
pub(super) struct Band {
    pub label: String,
    /// (t, low, high), in time order.
    pub points: Vec<(f64, f64, f64)>,
    pub color: RGBColor,
    pub alpha: f64,
}

/// One panel of a figure: lines against one y axis.
pub(super) struct Panel {
    pub y_label: String,
    /// Drawn first, filled down to 0 (e.g. workers on shift).
    pub areas: Vec<Series>,
    /// Drawn after the areas, under the lines.
    pub bands: Vec<Band>,
    pub series: Vec<Series>,
    pub hlines: Vec<HLine>,
    /// Top of the y axis when set from a quantile: values above are drawn
    /// on the top edge, and `notes` say so.
    pub y_top: Option<f64>,
    /// Whole-number ticks (counts of workers).
    pub integer: bool,
    /// Values are durations [s]: the axis ticks in this unit (the label
    /// names it).
    pub time_unit: Option<TimeUnit>,
    /// Lines of text at the end of the legend.
    pub notes: Vec<String>,
}

impl Panel {
    pub(super) fn new(y_label: impl Into<String>, series: Vec<Series>) -> Self {
        Panel {
            y_label: y_label.into(),
            areas: vec![],
            bands: vec![],
            series,
            hlines: vec![],
            y_top: None,
            integer: false,
            time_unit: None,
            notes: vec![],
        }
    }
}

/// An event on the time axis, drawn on every panel.
pub(super) enum Mark {
    /// The job's end: a dashed vertical line.
    Stop { t_s: f64 },
    /// Messages lost at the door: a triangle on the top edge.
    Lost { t_s: f64 },
}

pub(super) struct TimeFigure<'a> {
    pub title: &'a str,
    /// The time axis runs over [0, span_s].
    pub span_s: f64,
    /// (seconds per unit, axis text); None: time since job creation.
    pub x_axis: Option<(f64, String)>,
    /// The calendar instant of t = 0 [s since the Unix epoch] when the
    /// scenario sets `start_at`: the time axis then shows weekdays and
    /// dates (UTC) instead of `x_axis`.
    pub calendar: Option<i64>,
    pub panels: Vec<Panel>,
    pub marks: Vec<Mark>,
    /// Legend entries of the marks (shown with the first panel).
    pub mark_entries: Vec<Entry>,
}

const STOP_COLOR: RGBColor = RGBColor(40, 40, 40);
const LOST_COLOR: RGBColor = RGBColor(148, 103, 189);

fn x_axis_of(fig: &TimeFigure<'_>) -> (Axis, String) {
    let hi = fig.span_s.max(1e-6);
    if let Some(start) = fig.calendar {
        let axis = Axis::calendar(0.0, hi, start, 12);
        let text = if hi < 2.0 * 86_400.0 {
            "weekday and time (UTC)"
        } else {
            "date (UTC)"
        };
        return (axis, text.to_string());
    }
    match &fig.x_axis {
        None => {
            let unit = TimeUnit::for_span(hi);
            (
                Axis::time(0.0, hi, unit, 12),
                format!("time since job creation [{}]", unit.symbol()),
            )
        }
        Some((unit_s, label)) => {
            let unit = [
                TimeUnit::Seconds,
                TimeUnit::Minutes,
                TimeUnit::Hours,
                TimeUnit::Days,
            ]
            .into_iter()
            .find(|u| u.secs() == *unit_s);
            let axis = match unit {
                Some(u) => Axis::time(0.0, hi, u, 12),
                None => Axis::linear(0.0, hi, 12),
            };
            (axis, label.clone())
        }
    }
}

/// The y axis of a panel: from 0 (or the lowest value) to a round value
/// above the highest one, or to `y_top`.
fn y_axis_of(p: &Panel, span_s: f64) -> Axis {
    let values = p
        .series
        .iter()
        .chain(&p.areas)
        .flat_map(|s| s.points.iter().filter(|q| q.0 <= span_s).map(|q| q.1))
        .chain(
            p.bands
                .iter()
                .flat_map(|b| b.points.iter().filter(|q| q.0 <= span_s).map(|q| q.2)),
        )
        .chain(p.hlines.iter().map(|h| h.y))
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0.0f64, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if let Some(unit) = p.time_unit {
        let hi = if hi > lo { hi } else { lo + unit.secs() };
        let top = match p.y_top {
            Some(top) if top > lo => top,
            _ => hi + (hi - lo) * 0.04,
        };
        return Axis::time(lo, top, unit, 8);
    }
    let top = match p.y_top {
        Some(top) if top > lo => top,
        _ => {
            let hi = if hi > lo { hi } else { lo + 1.0 };
            // A little headroom, ending on a tick.
            let top = hi + (hi - lo) * 0.04;
            let (step, _) = nice_step(lo, top, 8, p.integer);
            lo + ((top - lo) / step).ceil() * step
        }
    };
    if p.integer {
        Axis::integer(lo, top, 8)
    } else {
        Axis::linear(lo, top, 8)
    }
}

fn panel_entries(p: &Panel) -> Vec<Entry> {
    let mut out = Vec::new();
    for s in &p.areas {
        if let Some(label) = &s.label {
            out.push(Entry::patch(label.clone(), s.color.mix(s.alpha)));
        }
    }
    for b in &p.bands {
        out.push(Entry::patch(b.label.clone(), b.color.mix(b.alpha)));
    }
    for s in &p.series {
        if let Some(label) = &s.label {
            out.push(Entry::line(
                label.clone(),
                s.color.mix(s.alpha.max(0.5)),
                s.width.clamp(2, 3),
            ));
        }
    }
    for h in &p.hlines {
        out.push(Entry::dashed(h.label.clone(), h.color, 2));
    }
    out.extend(p.notes.iter().map(|n| Entry::note(n.clone())));
    out
}

fn draw_time_figure<DB: DrawingBackend>(root: Area<DB>, fig: &TimeFigure<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let body = frame::title(&root, fig.title)?;
    let mut legends: Vec<Vec<Entry>> = fig.panels.iter().map(panel_entries).collect();
    if let Some(first) = legends.first_mut() {
        first.extend(fig.mark_entries.iter().map(|e| Entry {
            label: e.label.clone(),
            glyph: e.glyph,
        }));
    }
    let side_w = legends
        .iter()
        .map(|l| frame::legend_width(&body, l))
        .max()
        .unwrap_or(0);
    let (plot_col, side_col) = frame::with_side_column(&body, side_w);
    let (x_axis, x_desc) = x_axis_of(fig);
    let x_label_h = 58;
    let y_axes: Vec<Axis> = fig
        .panels
        .iter()
        .map(|p| y_axis_of(p, fig.span_s))
        .collect();
    // One width for all panels, so their plotting areas line up.
    let y_label_w = y_axes
        .iter()
        .map(|a| frame::y_label_width(&plot_col, a))
        .max()
        .unwrap_or(60);
    let areas = frame::stacked_panels(&plot_col, &side_col, fig.panels.len(), x_label_h);
    for (i, (((p, legend), y_axis), (area, side))) in fig
        .panels
        .iter()
        .zip(&legends)
        .zip(y_axes)
        .zip(areas)
        .enumerate()
    {
        let last = i + 1 == fig.panels.len();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(MARGIN)
            .margin_top(if i == 0 { MARGIN / 2 } else { MARGIN + 8 })
            .margin_bottom(MARGIN / 2)
            .x_label_area_size(if last { x_label_h } else { 0 })
            .y_label_area_size(y_label_w)
            .build_cartesian_2d(x_axis.clone(), y_axis.clone())?;
        let mut mesh = chart.configure_mesh();
        mesh.y_desc(p.y_label.as_str())
            .label_style((frame::FONT, SMALL))
            .axis_desc_style((frame::FONT, MEDIUM))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(205, 205, 205));
        if last {
            mesh.x_desc(x_desc.as_str());
        }
        mesh.draw()?;
        // Reference lines under the data.
        for hl in &p.hlines {
            chart.draw_series(DashedLineSeries::new(
                vec![(x_axis.lo(), hl.y), (x_axis.hi(), hl.y)],
                10,
                6,
                hl.color.stroke_width(2),
            ))?;
        }
        for s in &p.areas {
            let mut outline: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|q| q.0 <= fig.span_s)
                .collect();
            if let (Some(first), Some(last)) = (outline.first().copied(), outline.last().copied()) {
                outline.push((last.0, 0.0));
                outline.push((first.0, 0.0));
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    s.color.mix(s.alpha).filled(),
                )))?;
            }
        }
        for b in &p.bands {
            let shown: Vec<&(f64, f64, f64)> =
                b.points.iter().filter(|q| q.0 <= fig.span_s).collect();
            if shown.len() > 1 {
                let mut outline: Vec<(f64, f64)> =
                    shown.iter().map(|q| (q.0, y_axis.clamp(q.2))).collect();
                outline.extend(shown.iter().rev().map(|q| (q.0, y_axis.clamp(q.1))));
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    b.color.mix(b.alpha).filled(),
                )))?;
            }
        }
        for s in &p.series {
            frame::stroke(
                &root,
                chart.plotting_area(),
                s.points.iter().copied().filter(|q| q.0 <= fig.span_s),
                s.color.mix(s.alpha),
                s.width,
            )?;
        }
        for m in &fig.marks {
            match *m {
                Mark::Stop { t_s } => {
                    chart.draw_series(DashedLineSeries::new(
                        vec![(t_s, y_axis.lo()), (t_s, y_axis.hi())],
                        6,
                        5,
                        STOP_COLOR.stroke_width(2),
                    ))?;
                }
                Mark::Lost { t_s } => {
                    let c = LOST_COLOR.to_rgba();
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((t_s, y_axis.hi())) + frame::marker_triangle((0, 6), c),
                    ))?;
                }
            }
        }
        frame::draw_legend(&side, legend, MARGIN as i32 / 2)?;
    }
    root.present()?;
    Ok(())
}

pub(super) fn render_figure(path: &Path, fmt: Format, fig: &TimeFigure<'_>) -> PlotResult {
    render_to!(path, fmt, draw_time_figure(fig))
}

/// The one panel of a [`TimeChart`].
fn one_panel(c: &TimeChart<'_>) -> Panel {
    Panel {
        hlines: c
            .hlines
            .iter()
            .map(|h| HLine {
                label: h.label.clone(),
                y: h.y,
                color: h.color,
            })
            .collect(),
        ..Panel::new(
            c.y_label,
            c.series
                .iter()
                .map(|s| Series {
                    label: s.label.clone(),
                    points: s.points.clone(),
                    color: s.color,
                    width: s.width,
                    alpha: s.alpha,
                })
                .collect(),
        )
    }
}

/// Renders a time chart to `path` (format by `fmt`).
pub fn render_time_chart(path: &Path, fmt: Format, c: &TimeChart<'_>) -> PlotResult {
    let fig = TimeFigure {
        title: c.title,
        span_s: c.horizon_s,
        x_axis: c.x_axis.clone(),
        calendar: None,
        panels: vec![one_panel(c)],
        marks: vec![],
        mark_entries: vec![],
    };
    render_figure(path, fmt, &fig)
}

/// The top of a rate axis that a start-up spike does not dictate: 1.25 ×
/// the larger of the 99th percentile of `main` and the 75th of `spiky`
/// (a rate that is mostly steady but jumps when a backfill or burst
/// arrives), rounded up to a tick; `None` when nothing lies much above it.
/// With it, the legend note that says values above are drawn on the edge.
fn robust_rate_top(main: &[f64], spiky: &[f64]) -> (Option<f64>, Vec<String>) {
    let data_max = main.iter().chain(spiky).copied().fold(0.0f64, f64::max);
    let robust = quantile(main.to_vec(), 0.99).max(quantile(spiky.to_vec(), 0.75)) * 1.25;
    if robust > 0.0 && data_max > robust * 1.15 {
        let (step, _) = nice_step(0.0, robust, 8, false);
        let top = (robust / step).ceil() * step;
        let note = format!(
            "values above {}/h drawn on the top edge (peak {}/h)",
            human::chart_value(top),
            human::chart_value(data_max)
        );
        (Some(top), vec![note])
    } else {
        (None, vec![])
    }
}

/// Every y value of `series` within the span.
fn shown_values(series: &[Series], span_s: f64) -> Vec<f64> {
    series
        .iter()
        .flat_map(|s| s.points.iter().filter(|p| p.0 <= span_s).map(|p| p.1))
        .collect()
}

/// Renders a chart of rates from [`throughput_points`] (objects per hour):
/// the title gains the rolling window, and the y axis is set by a high
/// quantile of the values, not by a start-up spike (which is then drawn on
/// the top edge, and the legend says so).
pub fn render_rate_chart(path: &Path, fmt: Format, c: &TimeChart<'_>) -> PlotResult {
    let values = shown_values(&c.series, c.horizon_s);
    let (y_top, notes) = robust_rate_top(&values, &[]);
    let title = format!(
        "{}, rolling {} window",
        c.title,
        human::window(rolling_window_s(c.horizon_s))
    );
    let fig = TimeFigure {
        title: &title,
        span_s: c.horizon_s,
        x_axis: c.x_axis.clone(),
        calendar: None,
        panels: vec![Panel {
            y_top,
            notes,
            ..one_panel(c)
        }],
        marks: vec![],
        mark_entries: vec![],
    };
    render_figure(path, fmt, &fig)
}

/// The rolling window \[s\] of [`throughput_points`] for a chart spanning
/// `span_s`: 1/60 of it, at least one hour.
pub fn rolling_window_s(span_s: f64) -> f64 {
    (span_s / 60.0).max(3_600.0)
}

/// Objects per hour, smoothed over a rolling window of about 1/60 of the
/// run (at least one hour, [`rolling_window_s`]), from a cumulative field.
/// The window is centred on each sample (cut short at the ends of the
/// series), so a change shows where it happens, not half a window later.
pub fn throughput_points(
    samples: &[Sample],
    field: fn(&Sample) -> u64,
    horizon_s: f64,
) -> Vec<(f64, f64)> {
    let half = rolling_window_s(horizon_s) / 2.0;
    let mut out = Vec::with_capacity(samples.len());
    let (mut j, mut k) = (0, 0);
    for (i, s) in samples.iter().enumerate() {
        while samples[j].t_s < s.t_s - half {
            j += 1;
        }
        k = k.max(i);
        while k + 1 < samples.len() && samples[k + 1].t_s <= s.t_s + half {
            k += 1;
        }
        let (a, b) = (&samples[j], &samples[k]);
        let dt_h = (b.t_s - a.t_s) / 3_600.0;
        if dt_h > 0.0 {
            out.push((s.t_s, field(b).saturating_sub(field(a)) as f64 / dt_h));
        }
    }
    out
}

/// How much of the run to show: up to a little after the latest job end,
/// when every replication's job ended before the horizon.
pub fn shown_span_s(runs: &[RunOutput], horizon_s: f64) -> f64 {
    let latest_end = runs
        .iter()
        .map(|r| r.summary.job_end_time_s)
        .fold(0.0, f64::max);
    if latest_end > 0.0 && latest_end < horizon_s {
        (latest_end * 1.1).min(horizon_s)
    } else {
        horizon_s
    }
}

/// Replication 1 in full colour with a legend entry; the others faint, with
/// one shared legend entry.
pub(super) fn per_replication(
    runs: &[RunOutput],
    label: &str,
    color: RGBColor,
    points: impl Fn(&RunOutput) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    const SHOWN: usize = 20;
    let shown = runs.len().min(SHOWN);
    let mut out = Vec::new();
    for (i, r) in runs.iter().take(SHOWN).enumerate().rev() {
        let label = match (i, shown) {
            (0, 1) => Some(label.to_string()),
            (0, _) => Some(format!("{label}, replication\u{a0}1")),
            (1, 2) => Some(format!("{label}, replication\u{a0}2")),
            (1, _) => Some(format!("{label}, replications\u{a0}2\u{2013}{shown}")),
            _ => None,
        };
        out.push(Series {
            label,
            points: points(r),
            color,
            width: if i == 0 { 3 } else { 1 },
            alpha: if i == 0 { 1.0 } else { 0.35 },
        });
    }
    out.reverse();
    out
}

/// The `q`-quantile (nearest rank) of `v`; 0 when empty.
fn quantile(mut v: Vec<f64>, q: f64) -> f64 {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[k - 1]
}

/// Messages lost at the door (R1) in one stretch of samples.
#[derive(Debug, PartialEq)]
struct Burst {
    /// The first and last sample [s] by which `lost_total` grew.
    from_s: f64,
    to_s: f64,
    messages: u64,
}

/// The stretches of samples in which `lost_total` grew, in a run.
fn lost_bursts(samples: &[Sample]) -> Vec<Burst> {
    let mut out: Vec<Burst> = Vec::new();
    if let Some(first) = samples.first().filter(|s| s.lost_total > 0) {
        out.push(Burst {
            from_s: first.t_s,
            to_s: first.t_s,
            messages: first.lost_total,
        });
    }
    let mut open = !out.is_empty();
    for w in samples.windows(2) {
        let d = w[1].lost_total.saturating_sub(w[0].lost_total);
        if d > 0 {
            match (open, out.last_mut()) {
                (true, Some(last)) => {
                    last.messages += d;
                    last.to_s = w[1].t_s;
                }
                _ => out.push(Burst {
                    from_s: w[1].t_s,
                    to_s: w[1].t_s,
                    messages: d,
                }),
            }
        }
        open = d > 0;
    }
    out
}

/// The job-end and lost-message marks of replication 1, with legend text,
/// and the span that shows them.
fn job_marks(first: &RunOutput, horizon_s: f64, several: bool) -> (Vec<Mark>, Vec<Entry>, f64) {
    let mut marks = Vec::new();
    let mut entries = Vec::new();
    let rep = if several { ", replication\u{a0}1" } else { "" };
    let end = first.summary.job_end_time_s;
    let what = match first.summary.job_end_state {
        Some(EndState::Completed) => Some("batch job completed (R4)"),
        Some(EndState::StoppedManual) => Some("job stopped (stop_at, R1)"),
        Some(EndState::StoppedIdle) => Some("job stopped: idle (R8)"),
        Some(EndState::Failed) => Some("job failed: max_runtime (R4)"),
        Some(EndState::InProgress) | None => None,
    };
    if let Some(what) = what.filter(|_| end > 0.0 && end < horizon_s) {
        marks.push(Mark::Stop { t_s: end });
        entries.push(Entry::dashed(
            format!("{what} at {}{rep}", human::chart_duration(end)),
            STOP_COLOR,
            2,
        ));
    }
    let bursts = lost_bursts(&first.timeseries);
    let mut span_end: f64 = 0.0;
    if !bursts.is_empty() {
        let total: u64 = bursts.iter().map(|b| b.messages).sum();
        let text = if bursts.len() <= 2 {
            let at: Vec<String> = bursts
                .iter()
                .map(|b| {
                    if b.to_s > b.from_s {
                        format!(
                            "{} from {} to {}",
                            human::count(b.messages),
                            human::chart_duration(b.from_s),
                            human::chart_duration(b.to_s)
                        )
                    } else {
                        format!(
                            "{} at {}",
                            human::count(b.messages),
                            human::chart_duration(b.from_s)
                        )
                    }
                })
                .collect();
            format!("lost or stranded (R1): {}{rep}", at.join(", "))
        } else {
            format!(
                "lost or stranded (R1): {} in {} bursts{rep}",
                human::count(total),
                bursts.len()
            )
        };
        entries.push(Entry::marker(text, LOST_COLOR));
        for b in bursts.iter().take(200) {
            marks.push(Mark::Lost { t_s: b.from_s });
            if b.to_s > b.from_s {
                marks.push(Mark::Lost { t_s: b.to_s });
            }
        }
        span_end = bursts.last().map_or(0.0, |b| b.to_s);
    }
    (marks, entries, span_end)
}

/// The charts of a run (file stem, caption for report.html), in drawing
/// order.
pub const RUN_CHARTS: [(&str, &str); 5] = [
    (
        THROUGHPUT,
        "Objects labeled per hour (rolling), with objects accepted per hour.",
    ),
    (
        BACKLOG,
        "SQS backlog and objects available to workers (A); K dashed.",
    ),
    (
        WORKERS,
        "Tasks waiting and in progress; workers busy and on shift.",
    ),
    (CUMULATIVE, "Where objects went, cumulative."),
    (
        TIME_TO_LABEL_CDF,
        "Time-to-label distribution with p50, p95 and p99.",
    ),
];
const THROUGHPUT: &str = "throughput";
const BACKLOG: &str = "backlog";
const WORKERS: &str = "workers";
const CUMULATIVE: &str = "cumulative";
const TIME_TO_LABEL_CDF: &str = "time_to_label_cdf";

/// Draws the charts of a run ([`RUN_CHARTS`]) into `dir`; returns the
/// charts drawn (file stem, caption), none when there are no runs. Time
/// axes read "time since job creation"; see [`run_charts_on_calendar`].
pub fn run_charts(
    dir: &Path,
    fmt: Format,
    runs: &[RunOutput],
    k: u32,
    horizon_s: f64,
    batch: bool,
) -> Result<Vec<(&'static str, &'static str)>, Box<dyn std::error::Error>> {
    run_charts_on_calendar(dir, fmt, runs, k, horizon_s, batch, None)
}

/// [`run_charts`] with the time axes on the calendar when `calendar` is
/// the instant of t = 0 [s since the Unix epoch] (a scenario that sets
/// `start_at`): weekdays and dates, UTC.
pub fn run_charts_on_calendar(
    dir: &Path,
    fmt: Format,
    runs: &[RunOutput],
    k: u32,
    horizon_s: f64,
    batch: bool,
    calendar: Option<i64>,
) -> Result<Vec<(&'static str, &'static str)>, Box<dyn std::error::Error>> {
    let Some(first) = runs.first() else {
        return Ok(Vec::new());
    };
    let several = runs.len() > 1;
    let (marks_of, mark_entries, lost_until) = job_marks(first, horizon_s, several);
    // Show lost messages that arrive after the job's end, too.
    let span = shown_span_s(runs, horizon_s)
        .max((lost_until * 1.04).min(horizon_s))
        .max(1.0);
    let marks = || -> Vec<Mark> {
        marks_of
            .iter()
            .map(|m| match *m {
                Mark::Stop { t_s } => Mark::Stop { t_s },
                Mark::Lost { t_s } => Mark::Lost { t_s },
            })
            .collect()
    };
    let entries = || -> Vec<Entry> {
        mark_entries
            .iter()
            .map(|e| Entry {
                label: e.label.clone(),
                glyph: e.glyph,
            })
            .collect()
    };
    let ext = fmt.extension();
    let one = if several { " (replication 1)" } else { "" };

    // Throughput, with the y axis set robustly (the accepted rate spikes
    // when a backfill or burst arrives at once).
    let window = rolling_window_s(span);
    let mut series = per_replication(runs, "labeled per hour", PALETTE[0], |r| {
        throughput_points(&r.timeseries, |s| s.labeled_total, span)
    });
    let accepted = throughput_points(&first.timeseries, |s| s.accepted_total, span);
    let labeled_all: Vec<f64> = shown_values(&series, span);
    let accepted_shown: Vec<f64> = accepted
        .iter()
        .filter(|p| p.0 <= span)
        .map(|p| p.1)
        .collect();
    let (y_top, notes) = robust_rate_top(&labeled_all, &accepted_shown);
    series.push(Series {
        label: Some(format!(
            "accepted per hour{}",
            if several { ", replication\u{a0}1" } else { "" }
        )),
        points: accepted,
        color: RGBColor(150, 150, 150),
        width: 2,
        alpha: 1.0,
    });
    let panel = Panel {
        y_top,
        notes,
        ..Panel::new("objects per hour", series)
    };
    render_figure(
        &dir.join(format!("{THROUGHPUT}.{ext}")),
        fmt,
        &TimeFigure {
            title: &format!(
                "Throughput: objects per hour, rolling {} window",
                human::window(window)
            ),
            span_s: span,
            x_axis: None,
            calendar,
            panels: vec![panel],
            marks: marks(),
            mark_entries: entries(),
        },
    )?;

    // Backlog and A, with K.
    let backlog_label = if batch {
        "manifest objects not yet sent"
    } else {
        "backlog (SQS queue)"
    };
    let backlog = per_replication(runs, backlog_label, PALETTE[0], |r| {
        r.timeseries
            .iter()
            .map(|s| (s.t_s, s.backlog as f64))
            .collect()
    });
    let available = per_replication(runs, "available to workers (A)", PALETTE[1], |r| {
        r.timeseries
            .iter()
            .map(|s| (s.t_s, s.available as f64))
            .collect()
    });
    let k_line = HLine {
        label: format!("K = MaxConcurrentTaskCount ({k})"),
        y: k as f64,
        color: ALERT,
    };
    // A backlog far above K would flatten A (at most K) against the axis:
    // then the queue gets a panel of its own.
    let backlog_max = shown_values(&backlog, span).into_iter().fold(0.0, f64::max);
    let a_max = shown_values(&available, span)
        .into_iter()
        .fold(0.0, f64::max);
    // K far above everything would flatten the data instead: then the
    // legend states it.
    let data_max = backlog_max.max(a_max);
    let k_far = k as f64 > 4.0 * data_max && data_max > 0.0;
    let with_k = |mut p: Panel| {
        if k_far {
            p.notes.push(format!(
                "K = MaxConcurrentTaskCount ({k}) lies above this axis: A reached {}",
                human::chart_value(a_max)
            ));
        } else {
            p.hlines.push(HLine {
                label: k_line.label.clone(),
                y: k_line.y,
                color: k_line.color,
            });
        }
        p
    };
    let panels = if backlog_max > 4.0 * a_max.max(k as f64) {
        vec![
            Panel::new("objects", backlog),
            with_k(Panel::new("objects", available)),
        ]
    } else {
        vec![with_k(Panel::new(
            "objects",
            backlog.into_iter().chain(available).collect(),
        ))]
    };
    render_figure(
        &dir.join(format!("{BACKLOG}.{ext}")),
        fmt,
        &TimeFigure {
            title: "Backlog and objects available to workers",
            span_s: span,
            x_axis: None,
            calendar,
            panels,
            marks: marks(),
            mark_entries: entries(),
        },
    )?;

    // Tasks and workers: tasks waiting can be hundreds while workers are
    // ten, so each has its own panel.
    let line = |label: &str, color: RGBColor, width: u32, f: &dyn Fn(&Sample) -> u64| Series {
        label: Some(label.to_string()),
        points: first
            .timeseries
            .iter()
            .map(|s| (s.t_s, f(s) as f64))
            .collect(),
        color,
        width,
        alpha: 1.0,
    };
    let tasks = Panel::new(
        "tasks",
        vec![
            line("tasks waiting for a worker", PALETTE[0], 2, &|s| {
                s.tasks_waiting
            }),
            line("tasks in progress", PALETTE[1], 2, &|s| s.tasks_in_progress),
        ],
    );
    let mut workers = Panel::new(
        "workers",
        vec![line("workers busy", PALETTE[2], 2, &|s| s.workers_busy)],
    );
    workers.areas.push(Series {
        alpha: 0.3,
        ..line("workers on shift", PALETTE[6], 1, &|s| s.workers_on_shift)
    });
    workers.integer = true;
    render_figure(
        &dir.join(format!("{WORKERS}.{ext}")),
        fmt,
        &TimeFigure {
            title: &format!("Tasks and workers{one}"),
            span_s: span,
            x_axis: None,
            calendar,
            panels: vec![tasks, workers],
            marks: marks(),
            mark_entries: entries(),
        },
    )?;

    // Cumulative outcomes: the whole horizon, since messages lost after a
    // stop arrive later.
    let cumulative = Panel::new(
        "objects",
        vec![
            line("accepted", RGBColor(150, 150, 150), 3, &|s| {
                s.accepted_total
            }),
            line("labeled", PALETTE[2], 2, &|s| s.labeled_total),
            line("failed (no submission)", PALETTE[4], 2, &|s| s.failed_total),
            line("expired in queue (R6)", ALERT, 2, &|s| s.expired_total),
            line("lost or stranded (R1)", LOST_COLOR, 2, &|s| s.lost_total),
            line("duplicates dropped (R9)", PALETTE[1], 2, &|s| {
                s.duplicates_total
            }),
        ],
    );
    render_figure(
        &dir.join(format!("{CUMULATIVE}.{ext}")),
        fmt,
        &TimeFigure {
            title: &format!("Where objects went, cumulative{one}"),
            span_s: horizon_s,
            x_axis: None,
            calendar,
            panels: vec![cumulative],
            marks: marks(),
            mark_entries: entries(),
        },
    )?;
    let s = &first.summary;
    super::cdf::latency_cdf_chart_with(
        &dir.join(format!("{TIME_TO_LABEL_CDF}.{ext}")),
        fmt,
        &format!("Time to label, distribution{one}"),
        &first.time_to_label_cdf,
        &[
            s.time_to_label_p50_s,
            s.time_to_label_p95_s,
            s.time_to_label_p99_s,
        ],
    )?;
    Ok(RUN_CHARTS.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(t_s: f64, lost_total: u64) -> Sample {
        Sample {
            t_s,
            backlog: 0,
            available: 0,
            tasks_waiting: 0,
            tasks_in_progress: 0,
            workers_busy: 0,
            workers_on_shift: 0,
            labeled_total: 0,
            expired_total: 0,
            duplicates_total: 0,
            lost_total,
            received_total: 0,
            accepted_total: 0,
            failed_total: 0,
        }
    }

    #[test]
    fn lost_messages_group_into_bursts() {
        let s: Vec<Sample> = [0, 0, 5, 9, 9, 9, 12, 12]
            .iter()
            .enumerate()
            .map(|(i, n)| sample(i as f64 * 60.0, *n))
            .collect();
        let b = |from_s, to_s, messages| Burst {
            from_s,
            to_s,
            messages,
        };
        assert_eq!(
            lost_bursts(&s),
            vec![b(120.0, 180.0, 9), b(360.0, 360.0, 3)]
        );
    }

    #[test]
    fn windows_and_counts_read_like_the_summary() {
        assert_eq!(human::window(rolling_window_s(30.0 * 86_400.0)), "12 h");
        assert_eq!(human::window(rolling_window_s(3_600.0)), "1 h");
        assert_eq!(human::count(1_500), "1,500");
    }
}
