//! `labelsim compare`: every policy of the `compare:` list, each
//! replication on the same random numbers (common random numbers), side by
//! side: compare.csv, compare.md with paired differences against the first
//! policy, and overlay charts.
//!
//! Common random numbers: replication r of every policy uses the streams of
//! (seed, r). Arrivals and duplicate decisions are per-producer streams, and
//! each task's service and decline draws come from a stream keyed by
//! (object, attempt), so the same object gets the same worker effort under
//! every policy. Differences come from the policy, not from noise.

use crate::app::{load_for, progress_bar};
use crate::cli::{ChartFormat, CompareArgs};
use anyhow::{anyhow, bail, Context, Result};
use labelsim::engine::stats::mean_ci95;
use labelsim::engine::StreamSeeds;
use labelsim::model::{simulate, RunOutput, RunSummary};
use labelsim::plot::{self, Format, Series, TimeChart, PALETTE};
use labelsim::scenario::paths::ScenarioTemplate;
use labelsim::scenario::LoadOptions;
use labelsim::sweep::metric_cell;
use rayon::prelude::*;
use serde_yaml::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Metrics in the comparison table: (metric, label, is a time).
const TABLE: &[(&str, &str, bool)] = &[
    ("objects_labeled", "labeled", false),
    ("expired_in_queue", "expired (R6)", false),
    ("lost_to_stop", "lost to stop", false),
    ("held_at_end", "held at sender", false),
    ("e2e_time_to_label_p50_s", "e2e p50", true),
    ("e2e_time_to_label_p95_s", "e2e p95", true),
    ("cost_usd", "cost [USD]", false),
];

fn value_of(s: &RunSummary, metric: &str) -> f64 {
    if metric == "lost_to_stop" {
        return (s.lost_after_stop + s.stranded_at_stop) as f64;
    }
    s.metrics()
        .into_iter()
        .find(|(k, _)| *k == metric)
        .and_then(|(_, v)| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// Mean and CI of the values present; NaN (printed `-`) when none.
fn stat(xs: &[f64]) -> (f64, f64, f64) {
    mean_ci95(xs).unwrap_or((f64::NAN, f64::NAN, f64::NAN))
}

fn fmt_value(x: f64, time: bool) -> String {
    if !x.is_finite() {
        "-".into()
    } else if time {
        if x >= 86_400.0 {
            format!("{:.2} d", x / 86_400.0)
        } else if x >= 3_600.0 {
            format!("{:.2} h", x / 3_600.0)
        } else {
            format!("{:.1} min", x / 60.0)
        }
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// The charts `compare` draws, without their extension.
const COMPARE_CHARTS: [&str; 4] = [
    "compare_backlog",
    "compare_throughput",
    "compare_latency_cdf",
    "compare_outcomes",
];

pub fn compare(args: CompareArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let replications = scenario.replications.max(1);
    let entries: Vec<Value> = match &args.policies {
        Some(f) => {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read {}", f.display()))?;
            let v: Value =
                serde_yaml::from_str(&text).map_err(|e| anyhow!("{}: {e}", f.display()))?;
            match v {
                Value::Sequence(s) => s,
                Value::Mapping(m) => match m.get("compare") {
                    Some(Value::Sequence(s)) => s.clone(),
                    _ => bail!(
                        "{}: expected a list of policies (or a `compare:` list)",
                        f.display()
                    ),
                },
                _ => bail!("{}: expected a list of policies", f.display()),
            }
        }
        None => scenario.spec.compare.clone().unwrap_or_default(),
    };
    if entries.is_empty() {
        bail!("nothing to compare: add a `compare:` list to the scenario (e.g. `- {{name: open, throttle: {{policy: none}}}}`) or give --policies FILE");
    }
    let template = ScenarioTemplate::new(
        &scenario,
        LoadOptions {
            lenient: args.common.lenient,
        },
    )
    .map_err(|e| anyhow!(e))?;
    let mut names = Vec::new();
    let mut configs = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let map = e.as_mapping().ok_or_else(|| {
            anyhow!("compare[{i}]: each entry is a mapping `{{name, throttle: {{...}}, ...}}`")
        })?;
        let name = map
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or_else(|| anyhow!("compare[{i}]: `name` is required"))?
            .to_string();
        if names.contains(&name) {
            bail!("compare[{i}]: the name `{name}` is used twice");
        }
        let mut patch = map.clone();
        patch.remove("name");
        let s = template
            .with_patch(&Value::Mapping(patch))
            .map_err(|err| anyhow!("compare[{i}] ({name}): {err}"))?;
        names.push(name);
        configs.push(s.sim);
    }

    let jobs: Vec<(usize, u32)> = (0..configs.len())
        .flat_map(|p| (0..replications).map(move |r| (p, r)))
        .collect();
    let pool = labelsim::runner::thread_pool(args.common.threads.map(|t| t as usize))
        .map_err(|e| anyhow!(e))?;
    // The output folder is opened (created, locked) before the work.
    let out_dir = args.common.out.clone().unwrap_or_else(|| {
        PathBuf::from("results")
            .join(&scenario.name)
            .join("compare")
    });
    let mut out = crate::app::open_output(&out_dir, args.common.quiet)?;
    crate::signals::install();
    let pb = progress_bar(jobs.len() as u64, "compare runs", args.common.quiet);
    let outputs: Vec<RunOutput> = pool
        .install(|| {
            jobs.par_iter()
                .map(|&(p, r)| {
                    // CRN: every policy's replication r uses the streams of (seed, r).
                    let out = simulate(
                        &configs[p],
                        StreamSeeds::for_replication(scenario.seed, r as u64),
                    );
                    pb.inc(1);
                    out.map_err(|mut e| {
                        e.details =
                            format!("policy {}, replication {}: {}", names[p], r + 1, e.details);
                        e
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| anyhow!("{e}"))?;
    pb.finish_and_clear();
    let per_policy: Vec<Vec<&RunOutput>> = (0..configs.len())
        .map(|p| {
            outputs
                .iter()
                .zip(&jobs)
                .filter(|(_, j)| j.0 == p)
                .map(|(o, _)| o)
                .collect()
        })
        .collect();

    // compare.csv
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["policy".to_string(), "replication".to_string()];
    header.extend(
        RunSummary::metric_names_for(&scenario.sim.sla)
            .into_iter()
            .map(str::to_string),
    );
    w.write_record(&header)?;
    for (p, runs) in per_policy.iter().enumerate() {
        for (r, o) in runs.iter().enumerate() {
            let mut row = vec![names[p].clone(), (r + 1).to_string()];
            row.extend(o.summary.metrics().iter().map(|(_, v)| metric_cell(v)));
            w.write_record(&row)?;
        }
    }
    let csv_bytes = w.into_inner().map_err(|e| anyhow!("{e}"))?;

    // compare.md
    let mut md = String::new();
    writeln!(md, "# labelsim compare: `{}`\n", scenario.name)?;
    writeln!(
        md,
        "{} policies x {} replications, seed {}, horizon {}. Mean ± half-width of the 95% CI over replications; every policy's replication r uses the same random numbers.\n",
        names.len(),
        replications,
        scenario.seed,
        scenario.sim.horizon.elapsed().human()
    )?;
    let mut head = "| policy |".to_string();
    let mut rule = "|---|".to_string();
    for (_, label, _) in TABLE {
        write!(head, " {label} |")?;
        rule.push_str("---|");
    }
    writeln!(md, "{head}\n{rule}")?;
    for (p, runs) in per_policy.iter().enumerate() {
        let mut row = format!("| {} |", names[p]);
        for (m, _, time) in TABLE {
            // SPEC §4a: only the replications that have a value.
            let xs: Vec<f64> = runs
                .iter()
                .map(|o| value_of(&o.summary, m))
                .filter(|x| x.is_finite())
                .collect();
            let (mean, lo, hi) = stat(&xs);
            write!(
                row,
                " {} ± {} |",
                fmt_value(mean, *time),
                fmt_value((hi - lo) / 2.0, *time)
            )?;
        }
        writeln!(md, "{row}")?;
    }
    if names.len() > 1 {
        writeln!(
            md,
            "\n## Paired differences against `{}`\n\nEach cell: mean of (policy − {}) over replications, its 95% CI, and in brackets the CI half-width an unpaired comparison would have (independent runs): the variance reduction common random numbers buy.\n",
            names[0], names[0]
        )?;
        writeln!(md, "{head}\n{rule}")?;
        for (p, runs) in per_policy.iter().enumerate().skip(1) {
            let mut row = format!("| {} |", names[p]);
            for (m, _, time) in TABLE {
                let a: Vec<f64> = per_policy[0]
                    .iter()
                    .map(|o| value_of(&o.summary, m))
                    .collect();
                let b: Vec<f64> = runs.iter().map(|o| value_of(&o.summary, m)).collect();
                // Pairs where both policies have a value.
                let d: Vec<f64> = b
                    .iter()
                    .zip(&a)
                    .map(|(x, y)| x - y)
                    .filter(|x| x.is_finite())
                    .collect();
                let finite = |v: &[f64]| {
                    v.iter()
                        .copied()
                        .filter(|x| x.is_finite())
                        .collect::<Vec<_>>()
                };
                let (mean, lo, hi) = stat(&d);
                let (_, alo, ahi) = stat(&finite(&a));
                let (_, blo, bhi) = stat(&finite(&b));
                let unpaired = (((ahi - alo) / 2.0).powi(2) + ((bhi - blo) / 2.0).powi(2)).sqrt();
                write!(
                    row,
                    " {} [{}, {}] (unpaired ±{}) |",
                    fmt_value(mean, *time),
                    fmt_value(lo, *time),
                    fmt_value(hi, *time),
                    fmt_value(unpaired, *time)
                )?;
            }
            writeln!(md, "{row}")?;
        }
    }

    out.put("compare.csv", &csv_bytes)?;
    out.put("compare.md", md.as_bytes())?;

    // Overlay charts (replication 1 of each policy).
    let fmt = match args.common.format {
        ChartFormat::Png => Format::Png,
        ChartFormat::Svg => Format::Svg,
    };
    let horizon_s = scenario.sim.horizon.as_secs_f64();
    let span = per_policy
        .iter()
        .map(|runs| {
            plot::shown_span_s(
                &runs.iter().map(|o| (*o).clone()).collect::<Vec<_>>(),
                horizon_s,
            )
        })
        .fold(0.0, f64::max);
    let series = |f: &dyn Fn(&RunOutput) -> Vec<(f64, f64)>| -> Vec<Series> {
        per_policy
            .iter()
            .enumerate()
            .map(|(p, runs)| Series {
                label: Some(names[p].clone()),
                points: f(runs[0]),
                color: PALETTE[p % PALETTE.len()],
                width: 2,
                alpha: 1.0,
            })
            .collect()
    };
    let ext = fmt.extension();
    plot::render_time_chart(
        &out.staging_path(&format!("compare_backlog.{ext}"))?,
        fmt,
        &TimeChart {
            title: "SQS backlog per policy (replication 1)",
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
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;
    plot::render_time_chart(
        &out.staging_path(&format!("compare_throughput.{ext}"))?,
        fmt,
        &TimeChart {
            title: "Objects labeled per hour per policy (replication 1, rolling)",
            y_label: "objects per hour",
            horizon_s: span,
            series: series(&|o| plot::throughput_points(&o.timeseries, |s| s.labeled_total, span)),
            hlines: vec![],
            x_axis: None,
        },
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

    // End-to-end latency CDF per policy, and where objects went.
    let max_latency = per_policy
        .iter()
        .filter_map(|runs| runs[0].e2e_cdf.last().map(|p| p.0))
        .fold(1.0, f64::max);
    let (unit, unit_name) = if max_latency >= 2.0 * 86_400.0 {
        (86_400.0, "days")
    } else if max_latency >= 2.0 * 3_600.0 {
        (3_600.0, "hours")
    } else {
        (60.0, "minutes")
    };
    plot::render_time_chart(
        &out.staging_path(&format!("compare_latency_cdf.{ext}"))?,
        fmt,
        &TimeChart {
            title: "End-to-end time to label (production to label), per policy",
            y_label: "fraction of labeled objects",
            horizon_s: max_latency,
            series: series(&|o| o.e2e_cdf.clone()),
            hlines: vec![],
            x_axis: Some((unit, format!("time from production to label [{unit_name}]"))),
        },
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;
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
    plot::render_stacked_bars(
        &out.staging_path(&format!("compare_outcomes.{ext}"))?,
        fmt,
        "Where objects went, per policy (mean over replications)",
        "objects",
        &names,
        &[
            ("labeled", PALETTE[2]),
            ("failed", PALETTE[4]),
            ("expired in queue (R6)", plot::ALERT),
            ("lost or stranded (R1)", PALETTE[3]),
            ("held at sender (R12)", PALETTE[1]),
            ("still queued or in progress", PALETTE[6]),
        ],
        &outcome_values,
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

    for f in COMPARE_CHARTS {
        out.staged_by_path(&format!("{f}.{ext}"))?;
    }

    // report.html: the same tables, the charts, the scenario.
    {
        use labelsim::report::html;
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut current: Vec<Vec<String>> = Vec::new();
        let mut title = "Policies".to_string();
        let flush =
            |title: &str, rows: &mut Vec<Vec<String>>, sections: &mut Vec<(String, String)>| {
                if rows.len() > 1 {
                    let headers = rows[0].clone();
                    sections.push((title.to_string(), html::table(&headers, &rows[1..])));
                }
                rows.clear();
            };
        for line in md.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                flush(&title, &mut current, &mut sections);
                title = h.replace('`', "");
            } else if line.starts_with('|') && !line.starts_with("|---") {
                current.push(
                    line.trim_matches('|')
                        .split(" | ")
                        .map(|c| c.trim().to_string())
                        .collect(),
                );
            }
        }
        flush(&title, &mut current, &mut sections);
        // What each rule did, per policy.
        let per_rules: Vec<Vec<Vec<String>>> = per_policy
            .iter()
            .map(|runs| {
                let summaries: Vec<RunSummary> = runs.iter().map(|o| o.summary.clone()).collect();
                crate::app::rule_rows(&labelsim::runner::aggregate(&summaries))
            })
            .collect();
        let mut rule_headers = vec!["rule".to_string(), "what happened".to_string()];
        rule_headers.extend(names.iter().cloned());
        let rule_table: Vec<Vec<String>> = (0..per_rules[0].len())
            .map(|i| {
                let mut row = per_rules[0][i][..2].to_vec();
                row.extend(per_rules.iter().map(|r| r[i][2].clone()));
                row
            })
            .collect();
        sections.insert(
            0,
            (
                "What each rule did (mean per replication)".into(),
                html::table(&rule_headers, &rule_table),
            ),
        );
        let mut charts = String::new();
        for (f, caption) in [
            ("compare_backlog", "SQS backlog per policy (replication 1)."),
            (
                "compare_throughput",
                "Objects labeled per hour per policy (replication 1).",
            ),
        ] {
            charts.push_str(&html::chart(
                &out.staging_path(&format!("{f}.{ext}"))?,
                caption,
            )?);
        }
        sections.push(("Charts".into(), charts));
        sections.push((
            "Scenario".into(),
            format!("<pre>{}</pre>", html::esc(&scenario.text)),
        ));
        let page = html::page(&format!("labelsim compare: {}", scenario.name), &sections);
        out.put("report.html", &page)?;
    }
    crate::signals::check()?;
    out.commit()?;
    if !args.common.quiet {
        out!("{md}");
        outln!("\nresults: {}/ (compare.csv, compare.md, report.html, charts compare_backlog, compare_throughput, compare_latency_cdf, compare_outcomes .{ext})", out_dir.display());
    }
    Ok(0)
}
