//! Charts of a pipeline run (SPEC §6, issue 10), drawn by `labelsim run`
//! beside the job's charts when the scenario has a `pipeline:`:
//!
//! - `queue_depth`: per queue (one panel each), messages visible, in
//!   flight and delayed over time (replication 1);
//! - `queue_age`: per queue, the age of the oldest message over time (0
//!   where the queue is empty), every replication;
//! - `consumer_utilization`: per consumer pool, the share of its pollers
//!   busy in each sampling interval, mean over replications with the
//!   lowest-to-highest band;
//! - `searchable_latency_cdf`: from first send to searchable, per path
//!   (machine, human), on a log time axis (replication 1);
//! - `queue_outcomes`: where each queue's messages went (deleted, expired,
//!   dead-lettered, still there at the end, FIFO-deduplicated), means over
//!   replications, with the P3 copies delivered in the legend;
//! - `consumer_scaling` (only when a pool is autoscaled or scheduled, SPEC
//!   §7 A3/A4): per such pool, its pollers over time above its queue's depth and
//!   the age of the queue's oldest message, on one time axis, so the
//!   controller's lag behind a burst shows (replication 1).
//!
//! Everything comes from [`RunOutput::pipeline`] (the time series of
//! `timeseries.csv`) and the summary's `<stage>.<metric>` keys.

use super::axis::TimeUnit;
use super::cdf::{render_latency_cdfs_with, CdfText, Curve};
use super::time::{render_figure, Band, Panel, Series, TimeFigure};
use super::{Format, PALETTE};
use crate::human;
use crate::model::pipeline::{PipelineConfig, PipelineSeries};
use crate::model::RunOutput;
use plotters::prelude::*;
use std::path::Path;

/// The pipeline charts (file stem, caption for report.html), in drawing
/// order.
pub const PIPELINE_CHARTS: [(&str, &str); 5] = [
    (
        "queue_depth",
        "Per queue: messages visible, in flight (received, not yet deleted or visible again) and delayed, at each sample (replication 1).",
    ),
    (
        "queue_age",
        "Per queue: age of the oldest message not yet gone (SQS ApproximateAgeOfOldestMessage), drawn at 0 where the queue is empty (an empty cell in timeseries.csv).",
    ),
    (
        "consumer_utilization",
        "Per consumer pool: share of its pollers processing, over each sampling interval (at most 1); mean over replications with the lowest-to-highest band.",
    ),
    (
        "searchable_latency_cdf",
        "Time from an object's first send (or upload) to the first time it is searchable, per path: machine labels and human labels (log time axis).",
    ),
    (
        "queue_outcomes",
        "Where each queue's messages went (means over replications): deleted after processing, expired (retention), dead-lettered, still in the queue at the end, or dropped by FIFO deduplication.",
    ),
];

/// A4 (issue 21): drawn after [`PIPELINE_CHARTS`] when a consumer pool is
/// autoscaled.
pub const SCALING_CHART: (&str, &str) = (
    "consumer_scaling",
    "Per autoscaled consumer pool: pollers running, its queue's messages visible and in flight, and the age of the oldest message, on one time axis (replication 1): how far the pollers lag behind the backlog.",
);

/// Series of replications shown on a chart (the rest are left out).
const SHOWN: usize = 20;

fn series_of(r: &RunOutput) -> Option<&PipelineSeries> {
    r.pipeline.as_ref().map(|p| &p.series)
}

/// (t, value) of column `name` of a run's pipeline series.
fn column_points(r: &RunOutput, name: &str) -> Vec<(f64, f64)> {
    let Some(values) = series_of(r).and_then(|s| s.values_of(name)) else {
        return Vec::new();
    };
    r.timeseries.iter().map(|s| s.t_s).zip(values).collect()
}

/// Mean of a summary metric over the runs that have a value.
fn mean_metric(runs: &[RunOutput], key: &str) -> Option<f64> {
    let vals: Vec<f64> = runs
        .iter()
        .filter_map(|r| {
            r.summary
                .pipeline
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| *v)
        })
        .collect();
    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
}

/// The legend's line on index overwrites (P8): writes over a document
/// already indexed, and what makes them.
fn overwrites_note(overwrites: f64, audited: f64) -> String {
    if audited > 0.0 {
        format!(
            "index overwrites (P8): {}, a human label written over an audited object's machine label, or a copy processed again",
            human::chart_value(overwrites)
        )
    } else {
        format!(
            "index overwrites (P8): {}, a copy of an object processed again and written over its document",
            human::chart_value(overwrites)
        )
    }
}

fn time_axis(span_s: f64) -> Option<(f64, String)> {
    let unit = TimeUnit::for_span(span_s);
    // As the job's charts say it (issue 17).
    Some((unit.secs(), format!("time since start [{}]", unit.symbol())))
}

/// Draws the pipeline charts of `runs` into `dir`; returns the charts
/// drawn (file stem, caption), none when the runs have no pipeline.
pub fn pipeline_charts(
    dir: &Path,
    fmt: Format,
    runs: &[RunOutput],
    cfg: &PipelineConfig,
    horizon_s: f64,
) -> Result<Vec<(&'static str, &'static str)>, Box<dyn std::error::Error>> {
    pipeline_charts_on_calendar(dir, fmt, runs, cfg, horizon_s, None)
}

/// [`pipeline_charts`] with the time axes on the calendar when `calendar`
/// is the instant of t = 0 [s since the Unix epoch] (see
/// [`super::time::run_charts_on_calendar`]).
pub fn pipeline_charts_on_calendar(
    dir: &Path,
    fmt: Format,
    runs: &[RunOutput],
    cfg: &PipelineConfig,
    horizon_s: f64,
    calendar: Option<i64>,
) -> Result<Vec<(&'static str, &'static str)>, Box<dyn std::error::Error>> {
    let Some(first) = runs.first().filter(|r| r.pipeline.is_some()) else {
        return Ok(Vec::new());
    };
    let ext = fmt.extension();
    let span = horizon_s.max(1.0);
    let several = runs.len() > 1;
    let one = if several { " (replication 1)" } else { "" };
    let path = |stem: &str| dir.join(format!("{stem}.{ext}"));

    // Queue depth, one panel per queue.
    let panels: Vec<Panel> = cfg
        .queues
        .iter()
        .map(|q| {
            let line = |what: &str, label: &str, color: RGBColor, width: u32| Series {
                label: Some(label.to_string()),
                points: column_points(first, &format!("{}.{what}", q.name)),
                color,
                width,
                alpha: 1.0,
            };
            let mut series = vec![
                line("visible", &format!("{}: visible", q.name), PALETTE[0], 2),
                line(
                    "in_flight",
                    &format!("{}: in flight", q.name),
                    PALETTE[1],
                    2,
                ),
            ];
            let delayed = line("delayed", &format!("{}: delayed", q.name), PALETTE[2], 2);
            if !q.delay.is_zero() || delayed.points.iter().any(|p| p.1 > 0.0) {
                series.push(delayed);
            }
            let mut p = Panel::new(format!("{} [messages]", q.name), series);
            p.integer = true;
            p
        })
        .collect();
    render_figure(
        &path("queue_depth"),
        fmt,
        &TimeFigure {
            title: &format!("Queue depth: messages visible, in flight and delayed{one}"),
            span_s: span,
            x_axis: time_axis(span),
            calendar,
            panels,
            marks: vec![],
            mark_entries: vec![],
        },
    )?;

    // Age of the oldest message, one panel per queue, every replication.
    let panels: Vec<Panel> = cfg
        .queues
        .iter()
        .map(|q| {
            let column = format!("{}.oldest_age_s", q.name);
            let mut series = Vec::new();
            let mut max_age: f64 = 0.0;
            let shown = runs.len().min(SHOWN);
            for (i, r) in runs.iter().take(SHOWN).enumerate().rev() {
                // An empty queue has no oldest message: drawn at 0.
                let pts: Vec<(f64, f64)> = column_points(r, &column)
                    .into_iter()
                    .map(|(t, a)| (t, if a.is_nan() { 0.0 } else { a }))
                    .collect();
                max_age = pts
                    .iter()
                    .filter(|p| p.1.is_finite())
                    .fold(max_age, |m, p| m.max(p.1));
                let label = match (i, shown) {
                    (0, 1) => Some(format!("{}: oldest message", q.name)),
                    (0, _) => Some(format!("{}: oldest message, replication\u{a0}1", q.name)),
                    (1, 2) => Some("replication\u{a0}2".to_string()),
                    (1, _) => Some(format!("replications\u{a0}2\u{2013}{shown}")),
                    _ => None,
                };
                series.push(Series {
                    label,
                    points: pts,
                    color: PALETTE[0],
                    width: if i == 0 { 2 } else { 1 },
                    alpha: if i == 0 { 1.0 } else { 0.35 },
                });
            }
            // Drawn last (on top), listed first.
            series.reverse();
            let unit = TimeUnit::for_span(max_age.max(1.0));
            let mut p = Panel::new(format!("{} age [{}]", q.name, unit.symbol()), series);
            p.time_unit = Some(unit);
            if max_age == 0.0 {
                p.notes.push("empty at every sample".into());
            }
            p
        })
        .collect();
    render_figure(
        &path("queue_age"),
        fmt,
        &TimeFigure {
            title: "Age of the oldest message in each queue",
            span_s: span,
            x_axis: time_axis(span),
            calendar,
            panels,
            marks: vec![],
            mark_entries: vec![],
        },
    )?;

    // Consumer utilization per sampling interval: mean and band.
    let mut bands = Vec::new();
    let mut lines = Vec::new();
    for (ci, c) in cfg.consumers.iter().enumerate() {
        let color = PALETTE[ci % PALETTE.len()];
        let per_run: Vec<Vec<(f64, f64)>> = runs
            .iter()
            .map(|r| match c.scaling {
                None if c.schedule.is_none() => utilization_points(r, &c.name, c.count),
                // A3: a scheduled pool's capacity is the pollers in force.
                _ => scaled_utilization_points(r, &c.name),
            })
            .collect();
        let n = per_run.iter().map(Vec::len).min().unwrap_or(0);
        let mut mean = Vec::with_capacity(n);
        let mut band = Vec::with_capacity(n);
        for k in 0..n {
            let vals: Vec<f64> = per_run.iter().map(|p| p[k].1).collect();
            let t = per_run[0][k].0;
            let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            mean.push((t, vals.iter().sum::<f64>() / vals.len() as f64));
            band.push((t, lo, hi));
        }
        let overall = mean_metric(runs, &format!("{}.utilization", c.name))
            .map(|u| format!(", {:.0}% over the run", u * 100.0))
            .unwrap_or_default();
        let what = if several {
            format!(", mean of {} replications", runs.len())
        } else {
            String::new()
        };
        let pool = match c.scaling {
            None if c.schedule.is_some() => format!("scheduled, up to {}", c.count),
            None => format!("{} poller{}", c.count, if c.count == 1 { "" } else { "s" }),
            Some(s) => format!("autoscaled, up to {}", s.max_pollers()),
        };
        lines.push(Series {
            label: Some(format!("{} ({pool}){what}{overall}", c.name)),
            points: mean,
            color,
            width: 2,
            alpha: 1.0,
        });
        if several {
            bands.push(Band {
                label: format!("{}: lowest to highest replication", c.name),
                points: band,
                color,
                alpha: 0.2,
            });
        }
    }
    let mut panel = Panel::new("busy pollers [fraction of the pool]", lines);
    panel.bands = bands;
    panel.y_top = Some(1.0);
    render_figure(
        &path("consumer_utilization"),
        fmt,
        &TimeFigure {
            title: "Consumer utilization: share of each pool's pollers processing",
            span_s: span,
            x_axis: time_axis(span),
            calendar,
            panels: vec![panel],
            marks: vec![],
            mark_entries: vec![],
        },
    )?;

    // Searchable latency per path.
    let out = first.pipeline.as_ref().expect("checked above");
    let curves: Vec<Curve<'_>> = [
        ("machine labels", PALETTE[0], &out.searchable_cdf_machine),
        ("human labels", PALETTE[1], &out.searchable_cdf_human),
    ]
    .into_iter()
    .filter(|(_, _, cdf)| !cdf.is_empty())
    .map(|(label, color, cdf)| Curve {
        label: label.into(),
        color,
        cdf,
    })
    .collect();
    render_latency_cdfs_with(
        &path("searchable_latency_cdf"),
        fmt,
        &format!("Time to searchable, per path{one}"),
        CdfText {
            x_desc: "time from first send (or upload) to searchable",
            y_desc: "fraction of indexed objects",
            empty: "no object became searchable",
        },
        &curves,
    )?;

    // Where each queue's messages went.
    let parts: [(&str, RGBColor); 5] = [
        ("deleted after processing", PALETTE[2]),
        ("expired (retention, P1)", super::ALERT),
        ("dead-lettered (P1)", PALETTE[3]),
        ("in the queue at the end", PALETTE[6]),
        ("FIFO deduplicated (P4)", PALETTE[1]),
    ];
    let keys = [
        "deleted",
        "expired",
        "dead_lettered",
        "at_end",
        "fifo_deduplicated",
    ];
    let m = |q: &str, k: &str| mean_metric(runs, &format!("{q}.{k}")).unwrap_or(0.0);
    let values: Vec<Vec<f64>> = cfg
        .queues
        .iter()
        .map(|q| {
            keys.iter()
                .map(|k| match *k {
                    "at_end" => {
                        m(&q.name, "visible_at_end")
                            + m(&q.name, "in_flight_at_end")
                            + m(&q.name, "delayed_at_end")
                    }
                    k => m(&q.name, k),
                })
                .collect()
        })
        .collect();
    let groups: Vec<String> = cfg.queues.iter().map(|q| q.name.clone()).collect();
    // Small parts are thin on the bar: the legend states every count.
    let labels: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(k, (label, _))| {
            let counts: Vec<String> = cfg
                .queues
                .iter()
                .zip(&values)
                .map(|(q, v)| {
                    if cfg.queues.len() == 1 {
                        human::chart_value(v[k])
                    } else {
                        format!("{} {}", q.name, human::chart_value(v[k]))
                    }
                })
                .collect();
            format!("{label}: {}", counts.join(", "))
        })
        .collect();
    let parts: Vec<(&str, RGBColor)> = labels
        .iter()
        .zip(parts)
        .map(|(l, (_, c))| (l.as_str(), c))
        .collect();
    let mut notes = vec!["bar: messages sent plus copies delivered".to_string()];
    for q in &cfg.queues {
        let copies = m(&q.name, "duplicates_delivered");
        if copies > 0.0 {
            notes.push(format!(
                "{}: {} copies delivered again (P3)",
                q.name,
                human::chart_value(copies)
            ));
        }
    }
    // Say what the overwrites are (issue 17): the audit sample's human
    // labels replacing the machine label, and copies processed again.
    if let Some(o) = mean_metric(runs, "index_overwrites").filter(|o| *o > 0.0) {
        notes.push(overwrites_note(
            o,
            mean_metric(runs, "audited").unwrap_or(0.0),
        ));
    }
    let per = if several {
        format!(", mean of {} replications", runs.len())
    } else {
        String::new()
    };
    super::bars::render_stacked_bars_with_notes(
        &path("queue_outcomes"),
        fmt,
        &format!("Where each queue's messages went{per}"),
        "messages",
        &groups,
        &parts,
        &values,
        &notes,
    )?;
    let mut drawn = PIPELINE_CHARTS.to_vec();
    if scaling_chart(&path(SCALING_CHART.0), fmt, first, cfg, span, calendar, one)? {
        drawn.push(SCALING_CHART);
    }
    Ok(drawn)
}

/// A4: per autoscaled pool, pollers / queue depth / oldest age panels on
/// one time axis; false (nothing drawn) when no pool is autoscaled.
fn scaling_chart(
    file: &Path,
    fmt: Format,
    run: &RunOutput,
    cfg: &PipelineConfig,
    span: f64,
    calendar: Option<i64>,
    one: &str,
) -> Result<bool, Box<dyn std::error::Error>> {
    let mut panels = Vec::new();
    for (ci, c) in cfg.consumers.iter().enumerate() {
        let (kind, most) = match (c.scaling, &c.schedule) {
            (Some(crate::model::pipeline::Scaling::Lambda(l)), _) => ("Lambda", l.max_concurrency),
            (Some(crate::model::pipeline::Scaling::TargetTracking(t)), _) => {
                ("target tracking", t.max)
            }
            // A3: a scheduled count, drawn the same way.
            (None, Some(_)) => ("scheduled", c.count),
            (None, None) => continue,
        };
        let q = &cfg.queues[c.queue].name;
        let line = |points: Vec<(f64, f64)>, label: String, color: RGBColor| Series {
            label: Some(label),
            points,
            color,
            width: 2,
            alpha: 1.0,
        };
        let mut p = Panel::new(
            format!("{} [pollers]", c.name),
            vec![line(
                column_points(run, &format!("{}.pollers", c.name)),
                format!("{}: pollers running ({kind}, up to {most})", c.name),
                PALETTE[ci % PALETTE.len()],
            )],
        );
        p.integer = true;
        panels.push(p);
        let mut p = Panel::new(
            format!("{q} [messages]"),
            vec![
                line(
                    column_points(run, &format!("{q}.visible")),
                    format!("{q}: visible"),
                    PALETTE[0],
                ),
                line(
                    column_points(run, &format!("{q}.in_flight")),
                    format!("{q}: in flight"),
                    PALETTE[1],
                ),
            ],
        );
        p.integer = true;
        panels.push(p);
        let age: Vec<(f64, f64)> = column_points(run, &format!("{q}.oldest_age_s"))
            .into_iter()
            .map(|(t, a)| (t, if a.is_nan() { 0.0 } else { a }))
            .collect();
        let max_age = age.iter().fold(0.0f64, |m, p| m.max(p.1));
        let unit = TimeUnit::for_span(max_age.max(1.0));
        let mut p = Panel::new(
            format!("{q} age [{}]", unit.symbol()),
            vec![line(age, format!("{q}: oldest message"), super::ALERT)],
        );
        p.time_unit = Some(unit);
        panels.push(p);
    }
    if panels.is_empty() {
        return Ok(false);
    }
    render_figure(
        file,
        fmt,
        &TimeFigure {
            title: &format!("Autoscaled consumers: pollers against the backlog{one}"),
            span_s: span,
            x_axis: time_axis(span),
            calendar,
            panels,
            marks: vec![],
            mark_entries: vec![],
        },
    )?;
    Ok(true)
}

/// An autoscaled pool's utilization over each sampling interval: the
/// increase of `<pool>.busy_time_s` over the poller-time of the interval
/// (the mean of the pollers running at its two ends × its length).
fn scaled_utilization_points(r: &RunOutput, pool: &str) -> Vec<(f64, f64)> {
    let busy = column_points(r, &format!("{pool}.busy_time_s"));
    let pollers = column_points(r, &format!("{pool}.pollers"));
    busy.windows(2)
        .zip(pollers.windows(2))
        .filter(|(w, _)| w[1].0 > w[0].0)
        .map(|(w, n)| {
            let capacity = (n[0].1 + n[1].1) / 2.0 * (w[1].0 - w[0].0);
            let share = if capacity > 0.0 {
                (w[1].1 - w[0].1) / capacity
            } else {
                0.0
            };
            (w[1].0, share.clamp(0.0, 1.0))
        })
        .collect()
}

/// A pool's utilization over each sampling interval, at the interval's
/// end: the increase of `<pool>.busy_time_s` over `count ×` its length.
fn utilization_points(r: &RunOutput, pool: &str, count: u32) -> Vec<(f64, f64)> {
    let pts = column_points(r, &format!("{pool}.busy_time_s"));
    pts.windows(2)
        .filter(|w| w[1].0 > w[0].0)
        .map(|w| {
            let share = (w[1].1 - w[0].1) / (count.max(1) as f64 * (w[1].0 - w[0].0));
            (w[1].0, share.clamp(0.0, 1.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: the note called the audit sample's human labels "objects
    /// processed more than once".
    #[test]
    fn the_overwrites_note_says_what_they_are() {
        let n = overwrites_note(15.7, 12.0);
        assert!(
            n.contains("a human label written over an audited object's machine label"),
            "{n}"
        );
        assert!(!n.contains("more than once"));
        let n = overwrites_note(3.0, 0.0);
        assert!(
            n.contains("a copy of an object processed again") && !n.contains("audit"),
            "{n}"
        );
    }
}
