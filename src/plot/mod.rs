//! Charts (another export target): PNG or SVG through plotters, with the
//! bundled DejaVu Sans font (pure-Rust `ab_glyph` text path), so charts have
//! legible text on any machine without system fonts.

pub mod axis;
pub mod frame;

use crate::model::{RunOutput, Sample};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Draws with `$draw(area, args...)` on a PNG or SVG backend at `$path`.
macro_rules! render_to {
    ($path:expr, $fmt:expr, $draw:ident($($arg:expr),*)) => {{
        register_font();
        match $fmt {
            Format::Png => $draw(BitMapBackend::new($path, (WIDTH, HEIGHT)).into_drawing_area(), $($arg),*),
            Format::Svg => $draw(SVGBackend::new($path, (WIDTH, HEIGHT)).into_drawing_area(), $($arg),*),
        }
    }};
}
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        // Bundled and known-good: failure here is a build defect.
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .map_err(|_| "invalid bundled font")
            .expect("bundled DejaVu Sans registers");
    });
}

/// Image format of charts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 700;

/// A consistent palette (colour-blind-safe Tableau 10 order).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
];
pub const ALERT: RGBColor = RGBColor(214, 39, 40);

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

/// A horizontal reference line (e.g. K).
pub struct HLine {
    pub label: String,
    pub y: f64,
    pub color: RGBColor,
}

pub struct TimeChart<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    /// Time axis span [s].
    pub horizon_s: f64,
    pub series: Vec<Series>,
    pub hlines: Vec<HLine>,
    /// Another x axis than "time since job creation": (seconds per unit,
    /// axis text), e.g. for latency distributions.
    pub x_axis: Option<(f64, String)>,
}

/// Time unit for the x axis: days for runs of two days or more, else hours.
fn time_unit(horizon_s: f64) -> (f64, &'static str) {
    if horizon_s >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else {
        (3_600.0, "hours")
    }
}

type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// The legend box every chart uses: upper right, on a translucent white.
fn draw_legend<'a, DB, CT>(chart: &mut ChartContext<'a, DB, CT>) -> PlotResult
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()?;
    Ok(())
}

fn draw_time_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    c: &TimeChart<'_>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (unit_s, x_desc) = match &c.x_axis {
        Some((u, label)) => (*u, label.clone()),
        None => {
            let (u, name) = time_unit(c.horizon_s);
            (u, format!("time since job creation [{name}]"))
        }
    };
    let x_max = (c.horizon_s / unit_s).max(1e-9);
    let y_max_data = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().filter(|p| p.0 <= c.horizon_s).map(|p| p.1))
        .chain(c.hlines.iter().map(|h| h.y))
        .fold(0.0f64, f64::max);
    let y_max = if y_max_data <= 0.0 {
        1.0
    } else {
        y_max_data * 1.3
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(c.title, ("sans-serif", 30))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(c.y_label)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 21))
        .light_line_style(RGBColor(235, 235, 235))
        .x_labels(12)
        .y_labels(10)
        .y_label_formatter(&|y| fmt_tick(*y))
        .x_label_formatter(&|x| fmt_tick(*x))
        .draw()?;
    for s in &c.series {
        let color = s.color;
        let style = color.mix(s.alpha).stroke_width(s.width);
        let drawn = chart.draw_series(LineSeries::new(
            s.points
                .iter()
                .filter(|p| p.0 <= c.horizon_s)
                .map(|&(t, y)| (t / unit_s, y)),
            style,
        ))?;
        if let Some(label) = &s.label {
            let legend_style = color.mix(s.alpha.max(0.6)).stroke_width(3);
            drawn
                .label(label.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], legend_style));
        }
    }
    for h in &c.hlines {
        let color = h.color;
        // Dashed: short segments along the line.
        let n = 120;
        let seg = x_max / n as f64;
        chart
            .draw_series((0..n).step_by(2).map(|i| {
                let x0 = i as f64 * seg;
                PathElement::new(vec![(x0, h.y), (x0 + seg, h.y)], color.stroke_width(2))
            }))?
            .label(h.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(2))
            });
    }
    draw_legend(&mut chart)?;
    root.present()?;
    Ok(())
}

/// Tick labels without float noise: `1500`, `2.5`, `0.25`, `12k`.
pub fn fmt_tick(v: f64) -> String {
    let a = v.abs();
    if a >= 10_000.0 {
        format!("{:.0}k", v / 1000.0)
    } else if a >= 100.0 || (v - v.round()).abs() < 1e-9 {
        format!("{:.0}", v)
    } else if a >= 1.0 {
        format!("{:.1}", v)
    } else {
        format!("{:.2}", v)
    }
}

/// Renders a time chart to `path` (format by `fmt`).
pub fn render_time_chart(path: &Path, fmt: Format, chart: &TimeChart<'_>) -> PlotResult {
    render_to!(path, fmt, draw_time_chart(chart))
}

/// Objects labeled per hour, smoothed over a rolling window of about 1/60 of
/// the run (at least one hour), from the cumulative `labeled_total`.
pub fn throughput_points(
    samples: &[Sample],
    field: fn(&Sample) -> u64,
    horizon_s: f64,
) -> Vec<(f64, f64)> {
    let window_s = (horizon_s / 60.0).max(3_600.0);
    let mut out = Vec::with_capacity(samples.len());
    let mut j = 0;
    for i in 1..samples.len() {
        while samples[i].t_s - samples[j].t_s > window_s {
            j += 1;
        }
        let (a, b) = (&samples[j], &samples[i]);
        let dt_h = (b.t_s - a.t_s) / 3_600.0;
        if dt_h > 0.0 {
            out.push((b.t_s, (field(b) - field(a)) as f64 / dt_h));
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
fn per_replication(
    runs: &[RunOutput],
    label: &str,
    color: RGBColor,
    points: impl Fn(&RunOutput) -> Vec<(f64, f64)>,
) -> Vec<Series> {
    const SHOWN: usize = 20;
    let mut out = Vec::new();
    for (i, r) in runs.iter().take(SHOWN).enumerate().rev() {
        let label = match (i, runs.len()) {
            (0, 1) => Some(label.to_string()),
            (0, _) => Some(format!("{label} (replication 1)")),
            (1, _) => Some(format!("{label} (other replications)")),
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

/// The two charts of a run: throughput.png and backlog.png.
pub fn run_charts(
    dir: &Path,
    fmt: Format,
    runs: &[RunOutput],
    k: u32,
    horizon_s: f64,
    batch: bool,
) -> PlotResult {
    let span = shown_span_s(runs, horizon_s);
    let mut series = per_replication(runs, "labeled per hour", PALETTE[0], |r| {
        throughput_points(&r.timeseries, |s| s.labeled_total, span)
    });
    series.extend(per_replication(
        &runs[..runs.len().min(1)],
        "accepted per hour",
        RGBColor(150, 150, 150),
        |r| throughput_points(&r.timeseries, |s| s.accepted_total, span),
    ));
    render_time_chart(
        &dir.join(format!("throughput.{}", fmt.extension())),
        fmt,
        &TimeChart {
            title: "Throughput: objects labeled per hour (rolling)",
            y_label: "objects per hour",
            horizon_s: span,
            series,
            hlines: vec![],
            x_axis: None,
        },
    )?;
    let backlog_label = if batch {
        "manifest objects not yet sent"
    } else {
        "backlog (SQS queue)"
    };
    let mut series = per_replication(runs, backlog_label, PALETTE[0], |r| {
        r.timeseries
            .iter()
            .map(|s| (s.t_s, s.backlog as f64))
            .collect()
    });
    series.extend(per_replication(
        runs,
        "available to workers (A)",
        PALETTE[1],
        |r| {
            r.timeseries
                .iter()
                .map(|s| (s.t_s, s.available as f64))
                .collect()
        },
    ));
    render_time_chart(
        &dir.join(format!("backlog.{}", fmt.extension())),
        fmt,
        &TimeChart {
            title: "Backlog and objects available to workers",
            y_label: "objects",
            horizon_s: span,
            series,
            hlines: vec![HLine {
                label: format!("K = MaxConcurrentTaskCount ({k})"),
                y: k as f64,
                color: ALERT,
            }],
            x_axis: None,
        },
    )?;
    let Some(first) = runs.first() else {
        return Ok(());
    };
    let line = |label: &str, color: RGBColor, f: &dyn Fn(&Sample) -> u64| Series {
        label: Some(label.to_string()),
        points: first
            .timeseries
            .iter()
            .map(|s| (s.t_s, f(s) as f64))
            .collect(),
        color,
        width: 2,
        alpha: 1.0,
    };
    let one = if runs.len() > 1 {
        " (replication 1)"
    } else {
        ""
    };
    render_time_chart(
        &dir.join(format!("workers.{}", fmt.extension())),
        fmt,
        &TimeChart {
            title: &format!("Tasks and workers{one}"),
            y_label: "tasks / workers",
            horizon_s: span,
            series: vec![
                line("tasks waiting for a worker", PALETTE[0], &|s| {
                    s.tasks_waiting
                }),
                line("tasks in progress", PALETTE[1], &|s| s.tasks_in_progress),
                line("workers busy", PALETTE[2], &|s| s.workers_busy),
                line("workers on shift", PALETTE[6], &|s| s.workers_on_shift),
            ],
            hlines: vec![],
            x_axis: None,
        },
    )?;
    render_time_chart(
        &dir.join(format!("cumulative.{}", fmt.extension())),
        fmt,
        &TimeChart {
            title: &format!("Where objects went, cumulative{one}"),
            y_label: "objects",
            // The whole horizon: messages lost after a stop arrive later.
            horizon_s,
            series: vec![
                line("accepted", RGBColor(150, 150, 150), &|s| s.accepted_total),
                line("labeled", PALETTE[2], &|s| s.labeled_total),
                line("failed (no submission)", PALETTE[4], &|s| s.failed_total),
                line("expired in queue (R6)", ALERT, &|s| s.expired_total),
                line("lost or stranded (R1)", PALETTE[3], &|s| s.lost_total),
                line("duplicates dropped (R9)", PALETTE[1], &|s| {
                    s.duplicates_total
                }),
            ],
            hlines: vec![],
            x_axis: None,
        },
    )?;
    latency_cdf_chart(
        &dir.join(format!("time_to_label_cdf.{}", fmt.extension())),
        fmt,
        &format!("Time to label, distribution{one}"),
        &first.time_to_label_cdf,
    )?;
    Ok(())
}

/// A latency CDF with p50, p95 and p99 marked; time in the unit that suits.
pub fn latency_cdf_chart(path: &Path, fmt: Format, title: &str, cdf: &[(f64, f64)]) -> PlotResult {
    let max = cdf.last().map_or(1.0, |p| p.0);
    let (unit, name) = if max >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else if max >= 2.0 * 3_600.0 {
        (3_600.0, "hours")
    } else {
        (60.0, "minutes")
    };
    let q = |p: f64| cdf.iter().find(|c| c.1 >= p).map_or(0.0, |c| c.0 / unit);
    let x_label = format!("time from acceptance to label [{name}]");
    render_band_chart(
        path,
        fmt,
        &BandChart {
            title,
            x_label: &x_label,
            y_label: "fraction of labeled objects",
            points: cdf.iter().map(|&(x, y)| (x / unit, y, y, y)).collect(),
            hlines: vec![],
            vlines: vec![
                (q(0.50), format!("p50 = {}", fmt_tick(q(0.50)))),
                (q(0.95), format!("p95 = {}", fmt_tick(q(0.95)))),
                (q(0.99), format!("p99 = {}", fmt_tick(q(0.99)))),
            ],
            y_cap: Some(1.02),
            line_label: "CDF",
        },
    )
}

/// A metric against a swept parameter: mean line with its 95% CI band, and
/// optional horizontal target lines (for plans).
pub struct BandChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// (x, mean, lo, hi), sorted by x.
    pub points: Vec<(f64, f64, f64, f64)>,
    pub hlines: Vec<HLine>,
    /// Vertical markers (e.g. the planner's answer, quantiles).
    pub vlines: Vec<(f64, String)>,
    /// Cap the y axis here (values above run off the top), to keep a target
    /// readable next to far-off points.
    pub y_cap: Option<f64>,
    /// Legend text of the line.
    pub line_label: &'a str,
}

fn draw_band_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    c: &BandChart<'_>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let xs = c.points.iter().map(|p| p.0);
    let (x_min, x_max) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let (x_min, x_max) = if x_min.is_finite() && x_max > x_min {
        let pad = (x_max - x_min) * 0.03;
        (x_min - pad, x_max + pad)
    } else if x_min.is_finite() {
        (x_min - 1.0, x_max + 1.0)
    } else {
        (0.0, 1.0)
    };
    let ys = c
        .points
        .iter()
        .flat_map(|p| [p.1, p.2, p.3])
        .chain(c.hlines.iter().map(|h| h.y))
        .filter(|y| y.is_finite());
    let (y_lo, y_hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (y_lo, y_hi) = if y_lo.is_finite() {
        let lo = y_lo.min(0.0);
        let hi = if y_hi > lo {
            y_hi + (y_hi - lo) * 0.25
        } else {
            lo + 1.0
        };
        (
            lo,
            c.y_cap.filter(|cap| *cap > lo && *cap < hi).unwrap_or(hi),
        )
    } else {
        (0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(c.title, ("sans-serif", 28))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(x_min..x_max, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc(c.x_label)
        .y_desc(c.y_label)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 21))
        .light_line_style(RGBColor(235, 235, 235))
        .y_label_formatter(&|y| fmt_tick(*y))
        .x_label_formatter(&|x| fmt_tick(*x))
        .draw()?;
    let color = PALETTE[0];
    let has_band = c.points.iter().any(|p| p.2 != p.1 || p.3 != p.1);
    if c.points.len() > 1 && has_band {
        let mut band: Vec<(f64, f64)> = c.points.iter().map(|p| (p.0, p.3.min(y_hi))).collect();
        band.extend(c.points.iter().rev().map(|p| (p.0, p.2.max(y_lo))));
        chart
            .draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))?
            .label("95% confidence interval")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 24, y + 6)], color.mix(0.2).filled())
            });
    }
    chart
        .draw_series(LineSeries::new(
            c.points.iter().map(|p| (p.0, p.1)),
            color.stroke_width(3),
        ))?
        .label(c.line_label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3)));
    if c.points.len() <= 200 {
        chart.draw_series(
            c.points
                .iter()
                .map(|p| Circle::new((p.0, p.1), 4, color.filled())),
        )?;
    }
    for h in &c.hlines {
        let hc = h.color;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x_min, h.y), (x_max, h.y)],
                hc.stroke_width(2),
            )))?
            .label(h.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], hc.stroke_width(2)));
    }
    for (k, (x, label)) in c.vlines.iter().enumerate() {
        let vc = PALETTE[(2 + k) % PALETTE.len()];
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(*x, y_lo), (*x, y_hi)],
                vc.stroke_width(2),
            )))?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], vc.stroke_width(2)));
    }
    draw_legend(&mut chart)?;
    root.present()?;
    Ok(())
}

pub fn render_band_chart(path: &Path, fmt: Format, chart: &BandChart<'_>) -> PlotResult {
    render_to!(path, fmt, draw_band_chart(chart))
}

/// A metric over a grid of two parameters.
pub struct Heatmap<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// Distinct x and y values, sorted.
    pub xs: Vec<f64>,
    pub ys: Vec<f64>,
    /// (x index, y index, value).
    pub cells: Vec<(usize, usize, f64)>,
}

fn heat_color(t: f64) -> RGBColor {
    // Light yellow → orange → dark red (sequential, readable in grey).
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64, u: f64| (a + (b - a) * u).round() as u8;
    if t < 0.5 {
        let u = t * 2.0;
        RGBColor(
            lerp(255.0, 253.0, u),
            lerp(247.0, 141.0, u),
            lerp(188.0, 60.0, u),
        )
    } else {
        let u = (t - 0.5) * 2.0;
        RGBColor(
            lerp(253.0, 165.0, u),
            lerp(141.0, 15.0, u),
            lerp(60.0, 21.0, u),
        )
    }
}

fn draw_heatmap<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, h: &Heatmap<'_>) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (vmin, vmax) = h
        .cells
        .iter()
        .map(|c| c.2)
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let span = if vmax > vmin { vmax - vmin } else { 1.0 };
    let nx = h.xs.len();
    let ny = h.ys.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(h.title, ("sans-serif", 28))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(100)
        .build_cartesian_2d(-0.5..nx as f64 - 0.5, -0.5..ny as f64 - 0.5)?;
    let xs = h.xs.clone();
    let ys = h.ys.clone();
    // Cells are centred on integer coordinates; label only those.
    let at = |v: &Vec<f64>, x: f64| -> String {
        if (x - x.round()).abs() > 1e-6 || x < -0.01 {
            return String::new();
        }
        v.get(x.round() as usize)
            .map(|t| fmt_tick(*t))
            .unwrap_or_default()
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(h.x_label)
        .y_desc(h.y_label)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 21))
        .x_labels(nx.min(24) + 1)
        .y_labels(ny.min(24) + 1)
        .x_label_formatter(&|x| at(&xs, *x))
        .y_label_formatter(&|y| at(&ys, *y))
        .draw()?;
    chart.draw_series(h.cells.iter().map(|&(i, j, v)| {
        let t = if v.is_finite() {
            (v - vmin) / span
        } else {
            0.0
        };
        Rectangle::new(
            [
                (i as f64 - 0.48, j as f64 - 0.48),
                (i as f64 + 0.48, j as f64 + 0.48),
            ],
            heat_color(t).filled(),
        )
    }))?;
    if nx * ny <= 400 {
        chart.draw_series(h.cells.iter().map(|&(i, j, v)| {
            let dark = v.is_finite() && (v - vmin) / span > 0.6;
            Text::new(
                fmt_tick(v),
                (i as f64, j as f64),
                ("sans-serif", 16)
                    .into_font()
                    .color(if dark { &WHITE } else { &BLACK })
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Center,
                        plotters::style::text_anchor::VPos::Center,
                    )),
            )
        }))?;
    }
    root.present()?;
    Ok(())
}

pub fn render_heatmap(path: &Path, fmt: Format, h: &Heatmap<'_>) -> PlotResult {
    render_to!(path, fmt, draw_heatmap(h))
}

/// Axis text for a metric: its name with the unit spelled out.
pub fn metric_axis_label(metric: &str) -> String {
    if let Some(base) = metric.strip_suffix("_s") {
        format!("{} [s]", base.replace('_', " "))
    } else if metric == "worker_utilization" {
        "worker utilization [fraction of on-shift time]".into()
    } else if metric == "labeled_per_hour" {
        "labeled [objects per hour]".into()
    } else if metric.starts_with("tasks_") {
        format!("{} [tasks]", metric.replace('_', " "))
    } else {
        format!("{} [objects]", metric.replace('_', " "))
    }
}

/// Axis text for a parameter, with the unit charts use (hours, per hour).
pub fn param_axis_label(path: &str, sample_cell: &str) -> String {
    if sample_cell.parse::<f64>().is_ok() {
        path.to_string()
    } else if sample_cell.contains('/') {
        format!("{path} [per hour]")
    } else {
        format!("{path} [hours]")
    }
}

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
        draw_stacked_bars(title, y_label, groups, parts, values)
    )
}

fn draw_stacked_bars<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    title: &str,
    y_label: &str,
    groups: &[String],
    parts: &[(&str, RGBColor)],
    values: &[Vec<f64>],
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let total = values
        .iter()
        .map(|v| v.iter().sum::<f64>())
        .fold(0.0f64, f64::max)
        .max(1.0);
    let n = groups.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 28))
        .margin(18)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, 0.0..total * 1.3)?;
    let names = groups.to_vec();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n + 1)
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() > 1e-6 || *x < -0.01 {
                return String::new();
            }
            names.get(x.round() as usize).cloned().unwrap_or_default()
        })
        .y_desc(y_label)
        .label_style(("sans-serif", 18))
        .axis_desc_style(("sans-serif", 21))
        .y_label_formatter(&|y| fmt_tick(*y))
        .draw()?;
    for (k, (label, color)) in parts.iter().enumerate() {
        let c = *color;
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let base: f64 = v[..k].iter().sum();
                Rectangle::new(
                    [(i as f64 - 0.3, base), (i as f64 + 0.3, base + v[k])],
                    c.filled(),
                )
            }))?
            .label(*label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 24, y + 6)], c.filled()));
    }
    draw_legend(&mut chart)?;
    root.present()?;
    Ok(())
}
