//! Charts (another export target): PNG or SVG through plotters, with the
//! bundled DejaVu Sans font (pure-Rust `ab_glyph` text path), so charts have
//! legible text on any machine without system fonts.
//!
//! One file per kind of chart: [`time`] (the run's charts over simulated
//! time), [`cdf`] (latency distributions), [`band`] (a metric against one
//! parameter), [`heatmap`] (against two), [`bars`] (stacked outcomes).
//! [`compare`] draws compare's charts, per contender.
//! [`pipeline`] draws a pipeline run's queues, consumers, latencies and
//! message outcomes; [`tradeoff`] several metrics against one parameter in
//! aligned panels.
//! [`axis`] chooses ticks and units for all of them; [`frame`] draws titles,
//! legends beside the plotting area (never over data) and colour bars.

use crate::model::catalog;
use crate::model::SimConfig;
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
pub mod by_interval;
pub mod cdf;
pub mod compare;
pub mod fit;
pub mod frame;
pub mod heatmap;
pub mod pipeline;
pub mod staffing;
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

/// What runs have, which decides the charts drawn for them: the job's
/// where there is a labeling job, the pipeline's where there is a
/// pipeline (a pipeline-only scenario has no job: its job charts would
/// be empty).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parts {
    pub job: bool,
    pub pipeline: bool,
}

impl Parts {
    /// What one scenario has.
    pub fn of(cfg: &SimConfig) -> Parts {
        Parts {
            job: !cfg.no_job,
            pipeline: cfg.pipeline.is_some(),
        }
    }

    /// What any of several scenarios (compared side by side) has.
    pub fn of_any<'a>(cfgs: impl IntoIterator<Item = &'a SimConfig>) -> Parts {
        cfgs.into_iter().map(Parts::of).fold(
            Parts {
                job: false,
                pipeline: false,
            },
            |a, b| Parts {
                job: a.job || b.job,
                pipeline: a.pipeline || b.pipeline,
            },
        )
    }
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

type PlotResult = Result<(), Box<dyn std::error::Error>>;

/// Axis text for a metric: its catalog label with its unit in brackets
/// ([`catalog::axis_label`]). The unit tells the charts what the metric is
/// ([`axis::Quantity`]): `[s]` times, `[fraction ...]` shares, anything
/// else non-negative. A metric the catalog does not have gets its name,
/// with `[s]` if it ends in `_s` and no unit otherwise.
pub fn metric_axis_label(metric: &str) -> String {
    catalog::axis_label(metric).unwrap_or_else(|| match metric.strip_suffix("_s") {
        Some(base) => format!("{} [s]", base.replace('_', " ")),
        None => metric.replace('_', " "),
    })
}

/// Axis text for a parameter, with the unit of the values
/// [`crate::sweep::numeric_param`] gives: rates per hour, durations in
/// seconds (`[s]`, which the chart shows in the unit that suits the range:
/// a 3–30 s sweep in seconds, not hours).
pub fn param_axis_label(path: &str, sample_cell: &str) -> String {
    if sample_cell.parse::<f64>().is_ok() {
        path.to_string()
    } else if sample_cell.contains('/') {
        format!("{path} [per hour]")
    } else {
        format!("{path} [s]")
    }
}

#[cfg(test)]
mod tests {
    use super::axis::Quantity;
    use super::*;

    /// Durations are charted in seconds (`[s]`), which the axis shows in
    /// the unit its range suits (issue 17).
    #[test]
    fn duration_parameters_are_in_seconds() {
        assert_eq!(
            param_axis_label("pipeline.queues[0].visibility_timeout", "3s"),
            "pipeline.queues[0].visibility_timeout [s]"
        );
        assert_eq!(
            crate::sweep::numeric_param("30s"),
            Some(30.0),
            "the value in the unit the label names"
        );
        assert_eq!(param_axis_label("rate", "60/h"), "rate [per hour]");
        assert_eq!(param_axis_label("n", "12"), "n");
    }

    #[test]
    fn metric_units_decide_how_charts_treat_them() {
        let q = |m: &str| Quantity::of_axis_label(&metric_axis_label(m));
        assert_eq!(q("time_to_label_p95_s"), Quantity::Time);
        assert_eq!(q("worker_utilization"), Quantity::Fraction);
        assert_eq!(q("pool_wait_positive_fraction"), Quantity::Fraction);
        assert_eq!(q("labeled_within_24h"), Quantity::Fraction);
        assert_eq!(q("expired_in_queue"), Quantity::NonNegative);
        assert_eq!(metric_axis_label("cost_usd"), "cost [USD]");
        // Not in the catalog: its name, a time if it ends in `_s`.
        assert_eq!(q("made_up_s"), Quantity::Time);
        assert_eq!(metric_axis_label("made_up_s"), "made up [s]");
        assert_eq!(q("made_up"), Quantity::Any);
    }

    /// Every catalog entry but text gets its unit in brackets, and the
    /// charts read it as the entry's unit.
    #[test]
    fn every_catalog_entry_has_an_axis_unit() {
        use catalog::Unit;
        for d in catalog::CATALOG {
            let key = d
                .key
                .replace("<d>", "24h")
                .replace("<group>", "night")
                .replace("<name>", "app")
                .replace("<stage>", "classifier");
            assert_eq!(catalog::def(&key), Some(d), "{key}");
            let label = metric_axis_label(&key);
            let want = match d.unit {
                Unit::Text => {
                    assert!(!label.contains('['), "{key}: {label}");
                    continue;
                }
                Unit::Seconds => Quantity::Time,
                Unit::Fraction => Quantity::Fraction,
                _ => Quantity::NonNegative,
            };
            assert_eq!(Quantity::of_axis_label(&label), want, "{key}: {label}");
            let (words, unit) = label.split_once(" [").unwrap();
            assert!(!words.is_empty() && !words.contains('['), "{key}: {label}");
            assert!(unit.len() > 1 && !unit.contains('['), "{key}: {label}");
        }
    }

    /// The texts the charts had before they came from the catalog.
    #[test]
    fn axis_texts_of_the_former_special_cases() {
        for (metric, text) in [
            (
                "worker_utilization",
                "worker utilization [fraction of on-shift time]",
            ),
            (
                "pool_wait_positive_fraction",
                "objects that waited for a worker [fraction of objects]",
            ),
            (
                "labeled_within_24h",
                "labeled within 24h [fraction of objects]",
            ),
            (
                "labeled_within_1h",
                "labeled within 1h [fraction of objects]",
            ),
            ("labeled_per_hour", "labeled [objects per hour]"),
            ("cost_usd", "cost [USD]"),
            ("cost_per_labeled_object", "cost per labeled object [USD]"),
            ("cost_per_correct_label", "cost per correct label [USD]"),
            ("events", "events [events]"),
            ("tasks_created", "tasks created [tasks]"),
            ("messages_received", "messages received [messages]"),
            ("redeliveries", "redeliveries [messages]"),
            (
                "classifier.receive_requests",
                "classifier: receive requests [requests]",
            ),
            ("worker_hours_on_shift", "worker-hours on shift [h]"),
            ("objects_labeled", "objects labeled [objects]"),
            ("queued_at_end", "queued at end [objects]"),
            // Better than before: the catalog's words, and what the share
            // is of (accuracy_machine is a share of the machine labels,
            // not of all indexed objects).
            (
                "accuracy_overall",
                "overall accuracy [fraction of indexed objects]",
            ),
            (
                "accuracy_machine",
                "machine accuracy [fraction of machine-labeled objects]",
            ),
            ("time_to_label_p95_s", "time to label, p95 [s]"),
            ("keepalive_messages", "keep-alive heartbeats [messages]"),
            ("incoming.sent", "incoming: sent [messages]"),
        ] {
            assert_eq!(metric_axis_label(metric), text, "{metric}");
        }
    }
}
