//! Charts (another export target): PNG or SVG through plotters, with the
//! bundled DejaVu Sans font (pure-Rust `ab_glyph` text path), so charts have
//! legible text on any machine without system fonts.

use crate::model::{RunOutput, Sample};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
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

fn draw_time_chart<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    c: &TimeChart<'_>,
) -> PlotResult
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (unit_s, unit) = time_unit(c.horizon_s);
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
        .x_desc(format!("time since job creation [{unit}]"))
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
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(("sans-serif", 18))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()?;
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
    register_font();
    match fmt {
        Format::Png => draw_time_chart(
            BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area(),
            chart,
        ),
        Format::Svg => draw_time_chart(
            SVGBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area(),
            chart,
        ),
    }
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
        },
    )?;
    Ok(())
}
