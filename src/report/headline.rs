//! The headline of each report.html: the answer in one sentence, in the
//! units the terminal prints ([`crate::human`]). `run`: the main figures;
//! `plan`: the value found or that none was; `compare`: who is best on the
//! first metric and whether the paired differences say so; `sweep`: the
//! best point on the first charted metric.

use crate::compare::Interval;
use crate::human::{self, Better};
use crate::model::catalog as c;
use crate::runner::Aggregate;
use crate::sweep::PointSummary;

/// A metric's label for a sentence: the catalog's, else its key.
fn label(metric: &str) -> String {
    c::label(metric).unwrap_or_else(|| metric.to_string())
}

/// `run`: the job's figures (labeled, p95 time to label, expired) when the
/// scenario has a job that accepted objects or no pipeline, then the
/// pipeline's (indexed, p95 searchable latency, dead-lettered) when it has
/// one. Means over replications.
pub fn run(agg: &Aggregate, has_pipeline: bool) -> String {
    let value = |k: &str| agg.mean_of(k).map(|m| human::metric(k, m));
    let mut parts: Vec<String> = Vec::new();
    let has_job = !has_pipeline || agg.mean_of(c::OBJECTS_ACCEPTED).is_some_and(|a| a > 0.0);
    if has_job {
        parts.push(format!(
            "{} labeled",
            value(c::OBJECTS_LABELED).unwrap_or("-".into())
        ));
        parts.push(match value(c::TIME_TO_LABEL_P95_S) {
            Some(v) => format!("p95 time to label {v}"),
            None => "no time to label (nothing labeled)".into(),
        });
        parts.push(format!(
            "{} expired",
            value(c::EXPIRED_IN_QUEUE).unwrap_or("-".into())
        ));
    }
    if has_pipeline {
        parts.push(format!(
            "{} indexed",
            value(c::INDEXED_DOCUMENTS).unwrap_or("-".into())
        ));
        parts.push(match value(c::SEARCHABLE_LATENCY_P95_S) {
            Some(v) => format!("p95 searchable latency {v}"),
            None => "nothing searchable".into(),
        });
        parts.push(format!(
            "{} dead-lettered",
            value(c::DEAD_LETTERED).unwrap_or("-".into())
        ));
    }
    parts.join(", ")
}

/// `plan`: the answer line the terminal prints first, and that it meets
/// every target.
pub fn plan(answer_line: &str, feasible: bool) -> String {
    let line = answer_line.trim();
    if feasible {
        format!("{line} (meets every target with 95% confidence)")
    } else {
        line.to_string()
    }
}

fn significant(d: &Interval) -> bool {
    d.lo > 0.0 || d.hi < 0.0
}

/// `compare`: on `metric` (the tables' first column), the best contender
/// (which way is better from [`human::better`]), then each other one's
/// paired difference against the first with whether its 95% interval
/// excludes 0. `estimates` and `differences` are the metric's column of
/// [`crate::compare::Comparison`] (`differences[i]` is contender i + 1
/// minus the first).
pub fn compare(
    names: &[String],
    metric: &str,
    estimates: &[Interval],
    differences: &[Interval],
) -> (String, Vec<String>) {
    let f = |x: f64| human::metric(metric, x);
    let what = label(metric);
    let with_values: Vec<usize> = (0..estimates.len())
        .filter(|&i| estimates[i].mean.is_finite())
        .collect();
    let answer = match (human::better(metric), with_values.is_empty()) {
        (_, true) => format!("{what}: no value for any of them"),
        (Some(dir), false) => {
            let best = with_values
                .iter()
                .copied()
                .reduce(|a, b| {
                    let (x, y) = (estimates[a].mean, estimates[b].mean);
                    let b_better = match dir {
                        Better::Higher => y > x,
                        Better::Lower => y < x,
                    };
                    if b_better {
                        b
                    } else {
                        a
                    }
                })
                .expect("some have a value");
            let tied: Vec<&str> = with_values
                .iter()
                .filter(|&&i| i != best && estimates[i].mean == estimates[best].mean)
                .map(|&i| names[i].as_str())
                .collect();
            let word = match dir {
                Better::Higher => "highest",
                Better::Lower => "lowest",
            };
            if tied.is_empty() {
                format!(
                    "{what}: {} is best ({word}), {}",
                    names[best],
                    f(estimates[best].mean)
                )
            } else {
                format!(
                    "{what}: {} and {} tie for best ({word}), {}",
                    names[best],
                    tied.join(", "),
                    f(estimates[best].mean)
                )
            }
        }
        (None, false) => {
            let each: Vec<String> = with_values
                .iter()
                .map(|&i| format!("{} {}", names[i], f(estimates[i].mean)))
                .collect();
            format!("{what}: {}", each.join(", "))
        }
    };
    let details = differences
        .iter()
        .enumerate()
        .filter(|(_, d)| d.mean.is_finite())
        .map(|(i, d)| {
            format!(
                "{} − {}: {} [{}, {}] ({})",
                names[i + 1],
                names[0],
                f(d.mean),
                f(d.lo),
                f(d.hi),
                if significant(d) {
                    "a real difference: its 95% interval excludes 0"
                } else {
                    "not significant: its 95% interval includes 0"
                }
            )
        })
        .collect();
    (answer, details)
}

/// `sweep`: the best point on `metric` (which way is better from
/// [`human::better`]; the range over the points where that depends), with
/// how many other points' 95% intervals overlap its own. `stat` is the
/// metric's index in the summaries' stats.
pub fn sweep(params: &[String], summaries: &[PointSummary], metric: &str, stat: usize) -> String {
    let f = |x: f64| human::metric(metric, x);
    let what = label(metric);
    let at = |s: &PointSummary| {
        params
            .iter()
            .zip(&s.params)
            .map(|(p, v)| format!("{p} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let points: Vec<(&PointSummary, (f64, f64, f64))> = summaries
        .iter()
        .filter_map(|s| s.stats.get(stat).copied().flatten().map(|st| (s, st)))
        .collect();
    let Some(&first) = points.first() else {
        return format!("{what}: no value at any point");
    };
    let pick = |higher: bool| {
        points.iter().copied().fold(first, |a, b| {
            if (higher && b.1 .0 > a.1 .0) || (!higher && b.1 .0 < a.1 .0) {
                b
            } else {
                a
            }
        })
    };
    match human::better(metric) {
        Some(dir) => {
            let (best, (m, lo, hi)) = pick(dir == Better::Higher);
            let overlapping = points
                .iter()
                .filter(|(s, (_, l, h))| s.point != best.point && *l <= hi && *h >= lo)
                .count();
            let word = match dir {
                Better::Higher => "highest",
                Better::Lower => "lowest",
            };
            let note = match overlapping {
                0 => "its 95% interval overlaps no other point's".to_string(),
                1 => "its 95% interval overlaps 1 other point's".to_string(),
                n => format!("its 95% interval overlaps {n} other points'"),
            };
            format!(
                "best point ({word} {what}): {}, {} {}; {note}",
                at(best),
                f(m),
                human::interval(metric, lo, hi)
            )
        }
        None => {
            let (lo_p, (lo_m, ..)) = pick(false);
            let (hi_p, (hi_m, ..)) = pick(true);
            format!(
                "{what}: from {} at {} to {} at {}",
                f(lo_m),
                at(lo_p),
                f(hi_m),
                at(hi_p)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunSummary;

    fn iv(mean: f64, lo: f64, hi: f64) -> Interval {
        Interval { mean, lo, hi, n: 3 }
    }

    #[test]
    fn a_runs_headline_has_its_main_figures_in_the_terminals_units() {
        let a = RunSummary {
            objects_accepted: 65_500,
            objects_labeled: 65_469,
            time_to_label_p95_s: Some(8_160.0),
            ..Default::default()
        };
        let agg = crate::runner::aggregate(&[a]);
        assert_eq!(
            run(&agg, false),
            "65,469 labeled, p95 time to label 2h 16m, 0 expired"
        );
    }

    #[test]
    fn a_plans_headline_says_it_meets_every_target() {
        assert_eq!(
            plan("answer: workers[team].count = 10", true),
            "answer: workers[team].count = 10 (meets every target with 95% confidence)"
        );
        let none = "infeasible: no value of n in the range meets every target";
        assert_eq!(plan(none, false), none);
    }

    #[test]
    fn a_compares_headline_names_the_best_and_what_is_significant() {
        let names: Vec<String> = ["open", "threshold", "alarm"].map(String::from).to_vec();
        let (answer, details) = compare(
            &names,
            "expired_in_queue",
            &[
                iv(62_438.3, 61_000.0, 63_800.0),
                iv(0.0, 0.0, 0.0),
                iv(11_256.3, 10_500.0, 12_000.0),
            ],
            &[
                iv(-62_438.3, -63_807.5, -61_069.2),
                iv(-51_182.0, -52_042.2, -50_321.8),
            ],
        );
        assert_eq!(
            answer,
            "expired in queue (R6): threshold is best (lowest), 0"
        );
        assert_eq!(
            details[0],
            "threshold − open: -62,438.3 [-63,807.5, -61,069.2] (a real difference: its 95% interval excludes 0)"
        );
        let (_, details) = compare(
            &names[..2],
            "objects_labeled",
            &[
                iv(107_942.3, 107_205.1, 108_679.5),
                iv(107_788.0, 107_118.7, 108_457.3),
            ],
            &[iv(-154.3, -531.6, 222.9)],
        );
        assert!(details[0].ends_with("(not significant: its 95% interval includes 0)"));
    }

    #[test]
    fn a_sweeps_headline_is_its_best_point() {
        let p = |point: usize, v: &str, m: f64, lo: f64, hi: f64| PointSummary {
            point,
            params: vec![v.to_string()],
            stats: vec![Some((m, lo, hi))],
            counts: vec![2],
        };
        let s = [
            p(0, "3s", 4_020.0, 1_366.0, 6_600.0),
            p(1, "21s", 116.0, 0.0, 238.0),
            p(2, "30s", 62.0, 61.5, 63.0),
        ];
        let params = ["pipeline.queues[0].visibility_timeout".to_string()];
        assert_eq!(
            sweep(&params, &s, "searchable_latency_p95_s", 0),
            "best point (lowest searchable latency, p95): \
             pipeline.queues[0].visibility_timeout = 30s, 1m 2s [1m 2s, 1m 3s]; \
             its 95% interval overlaps 1 other point's"
        );
    }
}
