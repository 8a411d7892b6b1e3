//! Charts (another export target): PNG or SVG through plotters, with the
//! bundled DejaVu Sans font (pure-Rust `ab_glyph` text path), so charts have
//! legible text on any machine without system fonts.
//!
//! One file per kind of chart: [`time`] (the run's charts over simulated
//! time), [`cdf`] (latency distributions), [`band`] (a metric against one
//! parameter), [`heatmap`] (against two), [`bars`] (stacked outcomes).
//! [`pipeline`] draws a pipeline run's queues, consumers, latencies and
//! message outcomes; [`tradeoff`] several metrics against one parameter in
//! aligned panels.
//! [`axis`] chooses ticks and units for all of them; [`frame`] draws titles,
//! legends beside the plotting area (never over data) and colour bars.

use plotters::prelude::*;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Draws with `$draw(area, args...)` on a PNG or SVG backend at `$path`.
macro_rules! render_to {
    ($path:expr, $fmt:expr, $draw:ident($($arg:expr),*)) => {{
        $crate::plot::register_font();
        match $fmt {
            Format::Png => $draw(
                plotters::prelude::BitMapBackend::new($path, (WIDTH, HEIGHT)).into_drawing_area(),
                $($arg),*
            ),
            Format::Svg => $draw(
                plotters::prelude::SVGBackend::new($path, (WIDTH, HEIGHT)).into_drawing_area(),
                $($arg),*
            ),
        }
    }};
}

pub mod axis;
pub mod band;
pub mod bars;
pub mod cdf;
pub mod fit;
pub mod frame;
pub mod heatmap;
pub mod pipeline;
pub mod time;
pub mod tradeoff;

pub use band::{render_band_chart, BandChart};
pub use bars::render_stacked_bars;
pub use cdf::{latency_cdf_chart, render_latency_cdfs, Curve};
pub use heatmap::{render_heatmap, Heatmap};
pub use time::{
    render_rate_chart, render_time_chart, run_charts, shown_span_s, throughput_points, HLine,
    Series, TimeChart,
};
pub use tradeoff::{render_panels_chart, BandLine, BandPanel, PanelsChart};

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

type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// Tick labels without float noise: `1500`, `2.5`, `0.25`, `12k`. (Charts
/// format each axis as a whole, see [`axis::NumberFormat`].)
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

/// Axis text for a metric: its name with the unit spelled out. The unit in
/// brackets tells the charts what the metric is ([`axis::Quantity`]):
/// `[s]` times, `[fraction ...]` shares, anything else non-negative.
pub fn metric_axis_label(metric: &str) -> String {
    let words = metric.replace('_', " ");
    if let Some(base) = metric.strip_suffix("_s") {
        format!("{} [s]", base.replace('_', " "))
    } else if metric == "worker_utilization" {
        "worker utilization [fraction of on-shift time]".into()
    } else if metric.contains("accuracy") {
        format!("{words} [fraction of indexed objects]")
    } else if metric.ends_with("utilization") {
        format!("{words} [fraction of time]")
    } else if metric.ends_with("requests") || metric.ends_with("receives") {
        format!("{words} [requests]")
    } else if metric == "pool_wait_positive_fraction" {
        "objects that waited for a worker [fraction of objects]".into()
    } else if let Some(d) = metric.strip_prefix("labeled_within_") {
        format!("labeled within {d} [fraction of objects]")
    } else if metric == "labeled_per_hour" {
        "labeled [objects per hour]".into()
    } else if metric.starts_with("tasks_") {
        format!("{words} [tasks]")
    } else if metric.starts_with("worker_hours_") {
        format!("{words} [h]")
    } else if metric.contains("cost") {
        format!("{} [USD]", words.trim_end_matches(" usd"))
    } else if metric == "events" {
        "events [events]".into()
    } else if metric.starts_with("messages_")
        || metric == "redeliveries"
        || metric == "keepalive_messages"
    {
        format!("{words} [messages]")
    } else {
        format!("{words} [objects]")
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

#[cfg(test)]
mod tests {
    use super::axis::Quantity;
    use super::*;

    #[test]
    fn metric_units_decide_how_charts_treat_them() {
        let q = |m: &str| Quantity::of_axis_label(&metric_axis_label(m));
        assert_eq!(q("time_to_label_p95_s"), Quantity::Time);
        assert_eq!(q("worker_utilization"), Quantity::Fraction);
        assert_eq!(q("pool_wait_positive_fraction"), Quantity::Fraction);
        assert_eq!(q("labeled_within_24h"), Quantity::Fraction);
        assert_eq!(q("expired_in_queue"), Quantity::NonNegative);
        assert_eq!(metric_axis_label("cost_usd"), "cost [USD]");
    }
}
