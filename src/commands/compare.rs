//! `labelsim compare`: every policy of the `compare:` list (or every
//! scenario file given), each replication on the same random numbers
//! (common random numbers), side by side: compare.csv, compare.md with
//! paired differences against the first, overlay charts and report.html.
//! The contenders, the runs and the statistics are `labelsim::compare`'s;
//! here are the arguments, the tables as text, the charts and the files.

use crate::cli::CompareArgs;
use crate::commands::common::{load_for, progress_bar};
use anyhow::{anyhow, bail, Result};
use labelsim::compare::{self, CompareError, Contenders, Interval, TableMetric};
use labelsim::human::Quantity;
use labelsim::model::{RunOutput, RunSummary, SimConfig};
use labelsim::output::OutputDir;
use labelsim::plot::{self, Format, Series, TimeChart, PALETTE};
use labelsim::scenario::LoadOptions;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The charts `compare` draws, without their extension.
const COMPARE_CHARTS: [&str; 4] = [
    "compare_backlog",
    "compare_throughput",
    "compare_latency_cdf",
    "compare_outcomes",
];

/// A library error in the command's words: with the flag it concerns.
fn cli_error(e: CompareError) -> anyhow::Error {
    match e {
        CompareError::NothingToCompare => anyhow!("nothing to compare: add a `compare:` list to the scenario (e.g. `- {{name: open, throttle: {{policy: none}}}}`), give --policies FILE, or give two or more scenario files"),
        CompareError::Metric(_) | CompareError::MetricTwice(_) => anyhow!("--metric {e}"),
        e => anyhow!(e),
    }
}

/// The contenders the arguments name: the policies of the scenario's
/// `compare:` list or of `--policies FILE`, or two or more scenario files.
fn contenders(args: &CompareArgs) -> Result<(labelsim::scenario::Scenario, Contenders)> {
    let scenario = load_for(args.scenarios.first().map(PathBuf::as_path), &args.common)?;
    if args.scenarios.len() >= 2 {
        let mut scenarios = vec![scenario.clone()];
        for path in &args.scenarios[1..] {
            let s = load_for(Some(path), &args.common)?;
            if s.seed != scenario.seed && !args.common.quiet {
                eprintln!(
                    "note: {} runs on {}'s seed {} (not its own {}), so that every scenario's replication r uses the same random numbers",
                    s.origin, scenario.origin, scenario.seed, s.seed
                );
            }
            scenarios.push(s);
        }
        let c = compare::scenario_files(scenarios, &args.scenarios).map_err(cli_error)?;
        return Ok((scenario, c));
    }
    let entries = match &args.policies {
        Some(f) => labelsim::scenario::load_policies(f)?,
        None => scenario.spec.compare.clone().unwrap_or_default(),
    };
    let opts = LoadOptions {
        lenient: args.common.lenient,
    };
    let c = compare::policies(&scenario, &entries, opts).map_err(cli_error)?;
    Ok((scenario, c))
}

/// `mean ± half-width`, in the metric's units.
fn estimate_cell(e: &Interval, q: Quantity) -> String {
    format!("{} ± {}", q.format(e.mean), q.format(e.half_width()))
}

pub fn compare(args: CompareArgs) -> Result<i32> {
    if args.scenarios.len() >= 2 && args.policies.is_some() {
        bail!("--policies compares policies on one scenario: give one scenario file with it (with several files, each file is one side of the comparison)");
    }
    let (scenario, contenders) = contenders(&args)?;
    let replications = scenario.replications.max(1);
    let metrics = compare::table_metrics(&args.metrics, &contenders.configs).map_err(cli_error)?;
    let what = contenders.side.as_str();
    let names = &contenders.names;
    let configs = &contenders.configs;
    let budget = crate::commands::budget::Budget::of(&args.common)?;
    budget.check_configs(
        &configs.iter().collect::<Vec<_>>(),
        replications,
        &args.common,
    )?;
    let pool = labelsim::runner::thread_pool(args.common.threads.map(|t| t as usize))
        .map_err(|e| anyhow!(e))?;
    // The output folder is opened (created, locked) before the work.
    let out_dir = args.common.out.clone().unwrap_or_else(|| {
        PathBuf::from("results")
            .join(&scenario.name)
            .join("compare")
    });
    let mut out = crate::commands::common::open_output(&out_dir, args.common.quiet)?;
    let guard = budget.guard();
    let pb = progress_bar(
        configs.len() as u64 * replications as u64,
        "compare runs",
        args.common.quiet,
    );
    let runs = pool
        .install(|| {
            compare::run(
                &contenders,
                replications,
                scenario.seed,
                &guard.guard,
                &|| pb.inc(1),
            )
        })
        .map_err(crate::commands::budget::stopped)?;
    pb.finish_and_clear();
    let table = compare::compare(&runs, &metrics);
    let csv_bytes = compare::compare_csv(&contenders, &runs);
    let md = markdown(&scenario, &contenders, replications, &metrics, &table)?;

    out.put("compare.csv", &csv_bytes)?;
    out.put("compare.md", md.as_bytes())?;

    // Overlay charts (replication 1 of each contender).
    let fmt = crate::commands::common::chart_format(args.common.format);
    let ext = fmt.extension();
    if !args.common.no_charts {
        draw_charts(&mut out, fmt, names, configs, &runs)?;
    }

    // report.html: the same tables, the charts, the scenario.
    {
        use labelsim::report::html;
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut current: Vec<Vec<String>> = Vec::new();
        let mut title = if what == "policy" {
            "Policies"
        } else {
            "Scenarios"
        }
        .to_string();
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
        let per_rules: Vec<Vec<Vec<String>>> = runs
            .iter()
            .map(|runs| {
                let summaries: Vec<RunSummary> = runs.iter().map(|o| o.summary.clone()).collect();
                crate::commands::common::rule_rows(&labelsim::runner::aggregate(&summaries))
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
        if args.common.no_charts {
            charts.push_str(crate::commands::common::CHARTS_SKIPPED);
        } else {
            for (f, caption) in [
                ("compare_backlog", "SQS backlog per policy (replication 1)."),
                (
                    "compare_throughput",
                    "Objects labeled per hour per policy (replication 1).",
                ),
            ] {
                let caption = caption.replace("policy", what);
                charts.push_str(&html::chart(
                    &out.staging_path(&format!("{f}.{ext}"))?,
                    &caption,
                )?);
            }
        }
        sections.push(("Charts".into(), charts));
        for (title, text) in &contenders.texts {
            sections.push((title.clone(), format!("<pre>{}</pre>", html::esc(text))));
        }
        let page = html::page(&format!("labelsim compare: {}", scenario.name), &sections);
        out.put("report.html", &page)?;
    }
    crate::signals::check()?;
    out.commit()?;
    if !args.common.quiet {
        out!("{md}");
        if args.common.no_charts {
            outln!(
                "\nresults: {}/ (compare.csv, compare.md, report.html; charts skipped)",
                out_dir.display()
            );
        } else {
            outln!("\nresults: {}/ (compare.csv, compare.md, report.html, charts compare_backlog, compare_throughput, compare_latency_cdf, compare_outcomes .{ext})", out_dir.display());
        }
    }
    Ok(0)
}

/// compare.md (also printed): the estimates per contender, then the paired
/// differences against the first, in the metrics' units.
fn markdown(
    scenario: &labelsim::scenario::Scenario,
    contenders: &Contenders,
    replications: u32,
    metrics: &[TableMetric],
    table: &compare::Comparison,
) -> Result<String> {
    let what = contenders.side.as_str();
    let names = &contenders.names;
    let horizons: Vec<String> = contenders
        .configs
        .iter()
        .map(|c| c.horizon.elapsed().human().to_string())
        .collect();
    let horizon = if horizons.iter().all(|h| *h == horizons[0]) {
        format!("horizon {}", horizons[0])
    } else {
        let each: Vec<String> = names
            .iter()
            .zip(&horizons)
            .map(|(n, h)| format!("{n} {h}"))
            .collect();
        format!("horizons {}", each.join(", "))
    };
    let mut md = String::new();
    writeln!(md, "# labelsim compare: `{}`\n", scenario.name)?;
    writeln!(
        md,
        "{} {} x {} replications, seed {}, {horizon}. Mean ± half-width of the 95% CI over replications; every {what}'s replication r uses the same random numbers.\n",
        names.len(),
        contenders.side.plural(),
        replications,
        scenario.seed,
    )?;
    let mut head = format!("| {what} |");
    let mut rule = "|---|".to_string();
    for m in metrics {
        write!(head, " {} |", m.label)?;
        rule.push_str("---|");
    }
    writeln!(md, "{head}\n{rule}")?;
    for (p, row_stats) in table.estimates.iter().enumerate() {
        let mut row = format!("| {} |", names[p]);
        for (m, e) in metrics.iter().zip(row_stats) {
            write!(row, " {} |", estimate_cell(e, Quantity::of(&m.metric)))?;
        }
        writeln!(md, "{row}")?;
    }
    if names.len() > 1 {
        writeln!(
            md,
            "\n## Paired differences against `{}`\n\nEach cell: mean of ({what} − {}) over replications, its 95% CI, and in brackets the CI half-width an unpaired comparison would have (independent runs): the variance reduction common random numbers buy.\n",
            names[0], names[0]
        )?;
        writeln!(md, "{head}\n{rule}")?;
        for (p, diffs) in table.differences.iter().enumerate() {
            let mut row = format!("| {} |", names[p + 1]);
            for (m, d) in metrics.iter().zip(diffs) {
                let (e, q) = (&d.difference, Quantity::of(&m.metric));
                write!(
                    row,
                    " {} [{}, {}] (unpaired ±{}) |",
                    q.format(e.mean),
                    q.format(e.lo),
                    q.format(e.hi),
                    q.format(d.unpaired_half_width)
                )?;
            }
            writeln!(md, "{row}")?;
        }
    }
    Ok(md)
}

/// The overlay charts (replication 1 of each contender) and where objects
/// went, staged in `out`.
fn draw_charts(
    out: &mut OutputDir,
    fmt: Format,
    names: &[String],
    configs: &[SimConfig],
    per_policy: &[Vec<RunOutput>],
) -> Result<()> {
    let span = per_policy
        .iter()
        .zip(configs)
        .map(|(runs, c)| plot::shown_span_s(runs, c.horizon.as_secs_f64()))
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
    plot::render_rate_chart(
        &out.staging_path(&format!("compare_throughput.{ext}"))?,
        fmt,
        &TimeChart {
            title: "Objects labeled per hour per policy (replication 1)",
            y_label: "objects per hour",
            horizon_s: span,
            series: series(&|o| plot::throughput_points(&o.timeseries, |s| s.labeled_total, span)),
            hlines: vec![],
            x_axis: None,
        },
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

    // End-to-end latency CDF per policy, and where objects went.
    let curves: Vec<plot::Curve> = per_policy
        .iter()
        .enumerate()
        .map(|(p, runs)| plot::Curve {
            label: names[p].clone(),
            color: PALETTE[p % PALETTE.len()],
            cdf: &runs[0].e2e_cdf,
        })
        .collect();
    plot::render_latency_cdfs(
        &out.staging_path(&format!("compare_latency_cdf.{ext}"))?,
        fmt,
        "End-to-end time to label (production to label), per policy (replication 1)",
        "time from production to label",
        &curves,
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
        names,
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
    Ok(())
}
