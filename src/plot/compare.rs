//! The charts of `labelsim compare`, one curve or bar per contender
//! (policy or scenario file), drawn for what the contenders contain
//! ([`Parts::of_any`]):
//!
//! - with a labeling job: `compare_backlog` and `compare_throughput`
//!   (replication 1), `compare_latency_cdf` (end-to-end time to label),
//!   `compare_outcomes` (where objects went, means over replications);
//! - with a pipeline (issue 17): `compare_queue_depth` (messages visible,
//!   in flight or delayed in each queue, replication 1),
//!   `compare_searchable_latency_cdf` (per path, indexed of sent in the
//!   legend), `compare_message_outcomes` (machine-labeled results,
//!   routed to humans, dead-lettered, still queued, expired) and
//!   `compare_cost` (cost per indexed document, or per correct label where
//!   labels carry a confidence, by SQS, consumers and people; the totals
//!   in the legend), so that a pipeline that processed a fraction of its
//!   messages does not look cheaper. A pipeline chart with nothing to show
//!   (no message ever queued, nothing indexed) is left out.

use super::{Format, Parts, PlotResult, Series, TimeChart, PALETTE};
use crate::model::{RunOutput, RunSummary, SimConfig};
use plotters::style::RGBColor;
use std::error::Error;
use std::path::PathBuf;

/// What the compare charts are drawn from.
pub struct CompareCharts<'a> {
    pub fmt: Format,
    /// "policy" or "scenario", for titles.
    pub what: &'a str,
    /// The contenders' names, in order.
    pub names: &'a [String],
    pub configs: &'a [SimConfig],
    /// Every contender's runs, in replication order.
    pub runs: &'a [Vec<RunOutput>],
}

/// Where a chart goes: (file stem, title) → the path to draw it at (the
/// caller records the chart as drawn).
pub type ChartPath<'a> = dyn FnMut(&str, &str) -> Result<PathBuf, Box<dyn Error>> + 'a;

impl CompareCharts<'_> {
    /// Draws the charts of what the contenders contain ([`Parts::of_any`]):
    /// the job's, then the pipeline's.
    pub fn draw(&self, chart: &mut ChartPath<'_>) -> PlotResult {
        let parts = Parts::of_any(self.configs);
        if parts.job {
            self.job(chart)?;
        }
        if parts.pipeline {
            self.pipeline(chart)?;
        }
        Ok(())
    }

    /// The job's charts: SQS backlog and throughput over time, end-to-end
    /// latency CDF and where objects went.
    fn job(&self, chart: &mut ChartPath<'_>) -> PlotResult {
        let CompareCharts {
            fmt,
            what,
            names,
            configs,
            runs: per_policy,
        } = *self;
        let span = per_policy
            .iter()
            .zip(configs)
            .map(|(runs, c)| super::shown_span_s(runs, c.horizon.as_secs_f64()))
            .fold(0.0, f64::max);
        let series = |f: &dyn Fn(&RunOutput) -> Vec<(f64, f64)>| -> Vec<Series> {
            per_policy
                .iter()
                .enumerate()
                .map(|(p, runs)| Series {
                    label: Some(names[p].clone()),
                    points: f(&runs[0]),
                    color: PALETTE[p % PALETTE.len()],
                    width: 2,
                    alpha: 1.0,
                })
                .collect()
        };
        let title = format!("SQS backlog per {what} (replication 1)");
        super::render_time_chart(
            &chart("compare_backlog", &title)?,
            fmt,
            &TimeChart {
                title: &title,
                y_label: "objects in the queue",
                horizon_s: span,
                series: series(&|o| {
                    o.timeseries
                        .iter()
                        .map(|s| (s.t_s, s.backlog as f64))
                        .collect()
                }),
                hlines: vec![],
                x_axis: None,
            },
        )?;
        let title = format!("Objects labeled per hour per {what} (replication 1)");
        super::render_rate_chart(
            &chart("compare_throughput", &title)?,
            fmt,
            &TimeChart {
                title: &title,
                y_label: "objects per hour",
                horizon_s: span,
                series: series(&|o| {
                    super::throughput_points(&o.timeseries, |s| s.labeled_total, span)
                }),
                hlines: vec![],
                x_axis: None,
            },
        )?;

        // End-to-end latency CDF per policy, and where objects went.
        let curves: Vec<super::Curve> = per_policy
            .iter()
            .enumerate()
            .map(|(p, runs)| super::Curve {
                label: names[p].clone(),
                color: PALETTE[p % PALETTE.len()],
                cdf: &runs[0].e2e_cdf,
            })
            .collect();
        let title =
            format!("End-to-end time to label (production to label), per {what} (replication 1)");
        super::render_latency_cdfs(
            &chart("compare_latency_cdf", &title)?,
            fmt,
            &title,
            "time from production to label",
            &curves,
        )?;
        let outcome_values: Vec<Vec<f64>> = per_policy
            .iter()
            .map(|runs| {
                let mean = |f: &dyn Fn(&RunSummary) -> u64| {
                    runs.iter().map(|o| f(&o.summary) as f64).sum::<f64>() / runs.len() as f64
                };
                vec![
                    mean(&|s| s.objects_labeled),
                    mean(&|s| s.objects_failed),
                    mean(&|s| s.expired_in_queue),
                    mean(&|s| s.lost_after_stop + s.lost_not_in_progress + s.stranded_at_stop),
                    mean(&|s| s.held_at_end),
                    mean(&|s| s.queued_at_end + s.in_progress_at_end),
                ]
            })
            .collect();
        let title = format!("Where objects went, per {what} (mean over replications)");
        super::render_stacked_bars(
            &chart("compare_outcomes", &title)?,
            fmt,
            &title,
            "objects",
            names,
            &[
                ("labeled", PALETTE[2]),
                ("failed", PALETTE[4]),
                ("expired in queue (R6)", super::ALERT),
                ("lost or stranded (R1)", PALETTE[3]),
                ("held at sender (R12)", PALETTE[1]),
                ("still queued or in progress", PALETTE[6]),
            ],
            &outcome_values,
        )?;

        Ok(())
    }

    /// The pipeline's charts (P1–P9): messages in the queues over time,
    /// the searchable-latency CDF, where messages went and the cost per
    /// unit of work, per contender.
    fn pipeline(&self, chart: &mut ChartPath<'_>) -> PlotResult {
        use crate::model::catalog as c;
        let CompareCharts {
            fmt,
            what,
            names,
            configs,
            runs: per_policy,
        } = *self;
        let color = |p: usize| PALETTE[p % PALETTE.len()];
        let horizon_s = configs
            .iter()
            .map(|c| c.horizon.as_secs_f64())
            .fold(1.0, f64::max);
        let unit = super::axis::TimeUnit::for_span(horizon_s);
        let x_axis = Some((unit.secs(), format!("simulated time [{}]", unit.symbol())));
        // Several queues in a contender: a line per queue.
        let queues_of = |c: &SimConfig| -> Vec<String> {
            c.pipeline
                .as_ref()
                .map(|p| p.queues.iter().map(|q| q.name.clone()).collect())
                .unwrap_or_default()
        };
        let several_queues = configs.iter().any(|c| queues_of(c).len() > 1);
        let mut series = Vec::new();
        for (p, (runs, cfg)) in per_policy.iter().zip(configs).enumerate() {
            let first = &runs[0];
            let Some(out) = &first.pipeline else { continue };
            let times: Vec<f64> = first.timeseries.iter().map(|s| s.t_s).collect();
            for (qi, q) in queues_of(cfg).iter().enumerate() {
                let column = |m: &str| {
                    out.series
                        .values_of(&format!("{q}.{m}"))
                        .unwrap_or_default()
                };
                let (visible, in_flight, delayed) =
                    (column("visible"), column("in_flight"), column("delayed"));
                let points = times
                    .iter()
                    .enumerate()
                    .map(|(i, &t)| {
                        let at = |v: &[f64]| v.get(i).copied().unwrap_or(0.0);
                        (t, at(&visible) + at(&in_flight) + at(&delayed))
                    })
                    .collect();
                series.push(Series {
                    label: Some(if several_queues {
                        format!("{}: {q}", names[p])
                    } else {
                        names[p].clone()
                    }),
                    points,
                    color: color(p),
                    width: if qi == 0 { 2 } else { 1 },
                    alpha: if qi == 0 { 1.0 } else { 0.6 },
                });
            }
        }
        // Every chart below is left out where it would be empty.
        let title = format!("Messages in the queues per {what} (replication 1)");
        if series.iter().any(|s| s.points.iter().any(|p| p.1 > 0.0)) {
            super::render_time_chart(
                &chart("compare_queue_depth", &title)?,
                fmt,
                &TimeChart {
                    title: &title,
                    y_label: "messages visible, in flight or delayed",
                    horizon_s,
                    series,
                    hlines: vec![],
                    x_axis,
                },
            )?;
        }

        // Searchable latency: each contender's machine path, and its human
        // path where results are routed to people (P6, P9).
        let mean = |runs: &[RunOutput], m: &str| -> f64 {
            let v: Vec<f64> = runs
                .iter()
                .map(|o| crate::compare::metric_value(&o.summary, m))
                .filter(|x| x.is_finite())
                .collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        let mut curves: Vec<super::Curve> = Vec::new();
        for (p, runs) in per_policy.iter().enumerate() {
            let Some(out) = &runs[0].pipeline else {
                continue;
            };
            let one =
                |m: &str| crate::human::number(crate::compare::metric_value(&runs[0].summary, m));
            let of = format!(
                "{} indexed of {} sent",
                one(c::INDEXED_DOCUMENTS),
                one(c::SENT)
            );
            let human = !out.searchable_cdf_human.is_empty();
            curves.push(super::Curve {
                label: if human {
                    format!("{}, machine labels ({of})", names[p])
                } else {
                    format!("{} ({of})", names[p])
                },
                color: color(p),
                cdf: &out.searchable_cdf_machine,
            });
            if human {
                curves.push(super::Curve {
                    label: format!("{}, human labels", names[p]),
                    color: PALETTE[(p + 4) % PALETTE.len()],
                    cdf: &out.searchable_cdf_human,
                });
            }
        }
        let title = format!("Time to searchable, per {what} (replication 1)");
        if curves.iter().any(|c| !c.cdf.is_empty()) {
            super::cdf::render_latency_cdfs_with(
                &chart("compare_searchable_latency_cdf", &title)?,
                fmt,
                &title,
                super::cdf::CdfText {
                    x_desc: "time from first send (or upload) to searchable",
                    y_desc: "fraction of indexed objects",
                    empty: "no object became searchable",
                },
                &curves,
            )?;
        }

        // Where messages went.
        let parts: [(&str, &str, RGBColor); 5] = [
            (
                c::MACHINE_LABELED,
                "machine-labeled results (P6; a copy processed again counts again)",
                PALETTE[2],
            ),
            (c::ROUTED_TO_HUMANS, "routed to humans (P6)", PALETTE[0]),
            (c::DEAD_LETTERED, "dead-lettered (P1)", PALETTE[3]),
            (
                crate::compare::IN_QUEUES_AT_END,
                "still in a queue at the end",
                PALETTE[6],
            ),
            (c::EXPIRED, "expired (retention, P1)", super::ALERT),
        ];
        // Routing only where a contender routes results to people.
        let routed = configs
            .iter()
            .filter_map(|c| c.pipeline.as_ref())
            .any(|p| p.consumers.iter().any(|k| k.route.is_some()));
        let parts: Vec<_> = parts
            .into_iter()
            .filter(|(m, _, _)| routed || *m != c::ROUTED_TO_HUMANS)
            .collect();
        let values: Vec<Vec<f64>> = per_policy
            .iter()
            .map(|runs| {
                parts
                    .iter()
                    .map(|(m, _, _)| {
                        let v = mean(runs, m);
                        if v.is_finite() {
                            v
                        } else {
                            0.0
                        }
                    })
                    .collect()
            })
            .collect();
        // Small parts are thin on the bar: the legend states every count.
        let labels: Vec<String> = parts
            .iter()
            .enumerate()
            .map(|(k, (_, label, _))| {
                let counts: Vec<String> = names
                    .iter()
                    .zip(&values)
                    .map(|(n, v)| format!("{n} {}", crate::human::number(v[k].round())))
                    .collect();
                format!("{label}: {}", counts.join(", "))
            })
            .collect();
        let bar_parts: Vec<(&str, RGBColor)> = labels
            .iter()
            .zip(&parts)
            .map(|(l, (_, _, col))| (l.as_str(), *col))
            .collect();
        let title = format!("Where messages went, per {what} (mean over replications)");
        if values.iter().flatten().any(|v| *v > 0.0) {
            super::bars::render_stacked_bars_with_notes(
                &chart("compare_message_outcomes", &title)?,
                fmt,
                &title,
                "messages",
                names,
                &bar_parts,
                &values,
                &[],
            )?;
        }

        // Cost against work done: per indexed document (or per correct
        // label where labels carry a confidence), split by where it goes;
        // the totals in the legend.
        let per_correct =
            crate::compare::default_table(configs).contains(&c::COST_PER_CORRECT_LABEL);
        let unit_word = if per_correct {
            "correct label"
        } else {
            "indexed document"
        };
        let denominator = |s: &RunSummary| -> f64 {
            let n = crate::compare::metric_value(s, c::INDEXED_DOCUMENTS);
            if per_correct {
                n * crate::compare::metric_value(s, c::ACCURACY_OVERALL)
            } else {
                n
            }
        };
        let parts_of = |s: &RunSummary| -> [f64; 3] {
            let sqs = crate::compare::metric_value(s, c::SQS_COST_USD);
            let consumers = crate::compare::metric_value(s, c::CONSUMER_COST_USD);
            let rest = (s.cost_usd - sqs - consumers).max(0.0);
            [sqs, consumers, rest]
        };
        // Mean over replications of each part per unit of work.
        let per_unit: Vec<[f64; 3]> = per_policy
            .iter()
            .map(|runs| {
                let mut sum = [0.0; 3];
                let mut n = 0.0;
                for o in runs {
                    let d = denominator(&o.summary);
                    if d.is_finite() && d > 0.0 {
                        for (a, b) in sum.iter_mut().zip(parts_of(&o.summary)) {
                            *a += if b.is_finite() { b / d } else { 0.0 };
                        }
                        n += 1.0;
                    }
                }
                sum.map(|a| if n > 0.0 { a / n } else { 0.0 })
            })
            .collect();
        // Per 1, 1,000 or 1,000,000 units, so the largest bar is at least $1.
        let largest = per_unit
            .iter()
            .map(|v| v.iter().sum::<f64>())
            .fold(0.0, f64::max);
        let (scale, per) = if largest <= 0.0 || largest >= 1.0 {
            (1.0, unit_word.to_string())
        } else if largest * 1e3 >= 1.0 {
            (1e3, format!("1,000 {unit_word}s"))
        } else {
            (1e6, format!("1,000,000 {unit_word}s"))
        };
        let with_job = configs.iter().any(|c| !c.no_job);
        let mut cost_parts = vec![("SQS requests", PALETTE[0]), ("consumers", PALETTE[1])];
        if with_job {
            cost_parts.push(("labeling job (people)", PALETTE[2]));
        }
        let values: Vec<Vec<f64>> = per_unit
            .iter()
            .map(|v| v[..cost_parts.len()].iter().map(|x| x * scale).collect())
            .collect();
        let notes: Vec<String> = names
            .iter()
            .zip(per_policy)
            .map(|(n, runs)| {
                let work =
                    runs.iter().map(|o| denominator(&o.summary)).sum::<f64>() / runs.len() as f64;
                format!(
                    "{n}: {} in all, for {} {unit_word}s",
                    crate::human::money(mean(runs, c::COST_USD)),
                    crate::human::number(work.round())
                )
            })
            .collect();
        let title = format!("Cost per {per}, per {what} (mean over replications)");
        // Nothing indexed (or nothing paid): no cost per unit of work.
        if values.iter().flatten().any(|v| *v > 0.0) {
            super::bars::render_stacked_bars_with_notes(
                &chart("compare_cost", &title)?,
                fmt,
                &title,
                &format!("cost per {per} [USD]"),
                names,
                &cost_parts,
                &values,
                &notes,
            )?;
        }
        Ok(())
    }
}
