//! `labelsim compare`: every policy of the `compare:` list (or every
//! scenario file given), each replication on the same random numbers
//! (common random numbers), side by side: compare.csv, compare.md with
//! paired differences against the first, overlay charts and report.html.
//! The contenders, the runs and the statistics are `labelsim::compare`'s;
//! here are the arguments, the tables as text, the charts and the files.

use crate::cli::CompareArgs;
use crate::commands::common::{load_for, progress_bar};
use anyhow::{anyhow, bail, Result};
use labelsim::compare::{self, CompareError, Comparison, Contenders, Interval, TableMetric};
use labelsim::human::Quantity;
use labelsim::model::{RunOutput, RunSummary, SimConfig};
use labelsim::output::OutputDir;
use labelsim::plot::{self, Format};
use labelsim::scenario::{LoadOptions, Scenario};
use std::fmt::Write as _;
use std::path::PathBuf;

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

/// A labeling job's own metric (one of [`labelsim::model::RunSummary`]'s,
/// but not the cost or the event count, which every run has).
fn job_only(name: &str) -> bool {
    use labelsim::model::catalog as c;
    name != c::COST_USD
        && name != c::EVENTS
        && labelsim::model::RunSummary::metric_names().contains(&name)
}

/// `mean ± half-width`, in the metric's units; the mean alone when there is
/// no interval (one replication: issue 18, not `± 0`), and how many of the
/// `replications` had a value when not all did (SPEC §4a).
fn estimate_cell(e: &Interval, q: Quantity, replications: u32) -> String {
    if replications == 1 {
        return q.format(e.mean);
    }
    let cell = if e.n < 2 {
        q.format(e.mean)
    } else {
        format!("{} ± {}", q.format(e.mean), q.format(e.half_width()))
    };
    if e.n < replications as usize {
        format!("{cell} ({} of {replications})", e.n)
    } else {
        cell
    }
}

pub fn compare(args: CompareArgs) -> Result<i32> {
    if args.scenarios.len() >= 2 && args.policies.is_some() {
        bail!("--policies compares policies on one scenario: give one scenario file with it (with several files, each file is one side of the comparison)");
    }
    let (scenario, contenders) = contenders(&args)?;
    let replications = scenario.replications.max(1);
    let metrics = compare::table_metrics(&args.metrics, &contenders.configs).map_err(cli_error)?;
    let names = &contenders.names;
    let configs = &contenders.configs;
    let budget = crate::commands::budget::Budget::of(&args.common)?;
    budget.check_configs(
        &configs.iter().collect::<Vec<_>>(),
        replications,
        &args.common,
        "the policies or scenario files compared",
    )?;
    let pool = labelsim::runner::thread_pool(args.common.threads.map(|t| t as usize))?;
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
    let tables = tables(&contenders, &metrics, &table, replications);
    let md = markdown(&scenario, &contenders, replications, &tables)?;

    out.put("compare.csv", &csv_bytes)?;
    out.put("compare.md", md.as_bytes())?;

    // Overlay charts (replication 1 of each contender).
    let fmt = crate::commands::common::chart_format(args.common.format);
    let charts = if args.common.no_charts {
        Vec::new()
    } else {
        draw_charts(&mut out, fmt, contenders.side, names, configs, &runs)?
    };

    // report.html: the same tables, the charts, the scenario.
    write_report(
        &mut out,
        &args,
        &scenario,
        &contenders,
        &runs,
        (&table, &tables, &metrics),
        &charts,
        replications,
    )?;
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
            let files: Vec<&str> = charts.iter().map(|(f, _)| f.as_str()).collect();
            outln!(
                "\nresults: {}/ (compare.csv, compare.md, report.html, charts {})",
                out_dir.display(),
                files.join(", ")
            );
        }
    }
    Ok(0)
}

/// report.html: the tables (and what each rule did, per contender), the
/// charts, the scenario texts, under a headline naming the best.
#[allow(clippy::too_many_arguments)]
fn write_report(
    out: &mut OutputDir,
    args: &CompareArgs,
    scenario: &Scenario,
    contenders: &Contenders,
    runs: &[Vec<RunOutput>],
    (table, tables, metrics): (&Comparison, &[Table], &[TableMetric]),
    charts: &[(String, String)],
    replications: u32,
) -> Result<()> {
    let (names, configs) = (&contenders.names, &contenders.configs);
    use labelsim::report::{html, Report, Section};
    let mut sections: Vec<Section> = tables
        .iter()
        .map(|t| Section::table(t.title.replace('`', ""), &t.headers, &t.rows))
        .collect();
    // What each rule did, per policy: the rules of every contender's
    // shape (a job, a pipeline), in the first one's order.
    let mut keys: Vec<&str> = Vec::new();
    for c in configs.iter() {
        for k in crate::commands::common::rule_keys(c) {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    let per_rules: Vec<Vec<Vec<String>>> = runs
        .iter()
        .zip(configs.iter())
        .map(|(runs, cfg)| {
            let summaries: Vec<RunSummary> = runs.iter().map(|o| o.summary.clone()).collect();
            let mut rows =
                crate::commands::common::rule_rows(&labelsim::runner::aggregate(&summaries), &keys);
            // A rule of a part this contender lacks (a job, a pipeline)
            // did nothing: no value, not its zeros.
            let own = crate::commands::common::rule_keys(cfg);
            for (row, key) in rows.iter_mut().zip(&keys) {
                if !own.contains(key) {
                    row[2] = "-".into();
                }
            }
            rows
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
    if !keys.is_empty() {
        sections.insert(
            0,
            Section::table(
                "What each rule did (mean per replication)",
                &rule_headers,
                &rule_table,
            ),
        );
    }
    let mut html_charts = String::new();
    if args.common.no_charts {
        html_charts.push_str(crate::commands::common::CHARTS_SKIPPED);
    } else {
        for (f, caption) in charts {
            html_charts.push_str(&html::chart(&out.staging_path(f)?, caption)?);
        }
    }
    sections.push(Section::html("Charts", html_charts));
    for (title, text) in &contenders.texts {
        sections.push(Section::text(title.clone(), text.clone()));
    }
    // The headline: who is best on the first metric that tells the
    // contenders apart (issue 17); those before it are the same for all
    // (e.g. every policy indexes every document) and are said so.
    let same_for_all = |k: usize| {
        let means: Vec<f64> = table.estimates.iter().map(|e| e[k].mean).collect();
        means
            .windows(2)
            .all(|w| w[0] == w[1] || (w[0].is_nan() && w[1].is_nan()))
    };
    let k = (0..metrics.len()).find(|&k| !same_for_all(k)).unwrap_or(0);
    let (mut answer, mut details) = labelsim::report::headline::compare(
        names,
        &metrics[k].metric,
        &table.estimates.iter().map(|e| e[k]).collect::<Vec<_>>(),
        &table
            .differences
            .iter()
            .map(|d| d[k].difference)
            .collect::<Vec<_>>(),
    );
    if k > 0 && names.len() > 1 {
        let same: Vec<String> = metrics[..k]
            .iter()
            .map(|m| labelsim::model::catalog::label(&m.metric).unwrap_or_else(|| m.metric.clone()))
            .collect();
        let _ = write!(answer, "; {} the same for all", same.join(", "));
    }
    details.push(format!(
        "{} replications each, seed {}, on common random numbers",
        replications, scenario.seed
    ));
    let mut words: Vec<String> = Vec::new();
    if let Some(p) = &args.policies {
        words.extend(["--policies".into(), p.display().to_string()]);
    }
    for m in &args.metrics {
        words.extend(["--metric".into(), m.clone()]);
    }
    let lead = html::Lead {
        answer,
        details,
        command: Some(crate::commands::common::echoed_command(
            "compare",
            &args
                .scenarios
                .iter()
                .map(PathBuf::as_path)
                .collect::<Vec<_>>(),
            &words,
            &args.common,
        )),
    };
    let page = html::export(&Report {
        title: format!("labelsim compare: {}", compared(scenario, contenders)),
        lead,
        sections,
    });
    out.put("report.html", &page)?;
    Ok(())
}

/// One table of the comparison, as compare.md and report.html show it.
struct Table {
    title: String,
    /// What its cells are (compare.md's paragraph under the title).
    note: Option<String>,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The comparison's tables: the estimates per contender, then (with two
/// or more) the paired differences against the first, in the metrics'
/// units.
fn tables(
    contenders: &Contenders,
    metrics: &[TableMetric],
    table: &compare::Comparison,
    replications: u32,
) -> Vec<Table> {
    let single = replications == 1;
    let what = contenders.side.as_str();
    let names = &contenders.names;
    let mut headers = vec![what.to_string()];
    headers.extend(metrics.iter().map(|m| m.label.clone()));
    let estimates = Table {
        title: capitalised(contenders.side.plural()),
        note: None,
        headers: headers.clone(),
        rows: table
            .estimates
            .iter()
            .zip(names)
            .zip(&contenders.configs)
            .map(|((row, name), cfg)| {
                let mut cells = vec![name.clone()];
                cells.extend(metrics.iter().zip(row).map(|(m, e)| {
                    // A side without a labeling job has no job metrics
                    // (summary.json keeps them, as zeros): `-`, as a job
                    // side's pipeline metrics.
                    if cfg.no_job && job_only(&m.metric) {
                        "-".to_string()
                    } else {
                        estimate_cell(e, m.quantity, replications)
                    }
                }));
                cells
            })
            .collect(),
    };
    let mut out = vec![estimates];
    if names.len() > 1 {
        out.push(Table {
            title: format!("Paired differences against `{}`", names[0]),
            note: Some(if single {
                format!("Each cell: ({what} − {}) in the one replication; no interval with one replication.", names[0])
            } else {
                format!("Each cell: mean of ({what} − {}) over replications, its 95% CI, and in brackets the CI half-width an unpaired comparison would have (independent runs): the variance reduction common random numbers buy.", names[0])
            }),
            headers,
            rows: table
                .differences
                .iter()
                .zip(&names[1..])
                .map(|(diffs, name)| {
                    let mut cells = vec![name.clone()];
                    cells.extend(metrics.iter().zip(diffs).map(|(m, d)| {
                        let (e, q) = (&d.difference, m.quantity);
                        // One pair (or none) has no interval.
                        if single || e.n < 2 {
                            return q.format(e.mean);
                        }
                        format!(
                            "{} [{}, {}] (unpaired ±{})",
                            q.format(e.mean),
                            q.format(e.lo),
                            q.format(e.hi),
                            q.format(d.unpaired_half_width)
                        )
                    }));
                    cells
                })
                .collect(),
        });
    }
    out
}

/// What is compared, for a title: the scenario of the policies, or every
/// scenario file's name (`a vs b`).
fn compared(scenario: &Scenario, contenders: &Contenders) -> String {
    match contenders.side {
        labelsim::compare::Side::Policy => scenario.name.clone(),
        labelsim::compare::Side::Scenario => contenders.names.join(" vs "),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// compare.md (also printed): the run's description, then the tables (the
/// first under the page title).
fn markdown(
    scenario: &labelsim::scenario::Scenario,
    contenders: &Contenders,
    replications: u32,
    tables: &[Table],
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
    writeln!(
        md,
        "# labelsim compare: `{}`\n",
        compared(scenario, contenders)
    )?;
    let intervals = if replications == 1 {
        "One replication: each cell is its value, with no confidence interval (an interval needs at least 2 replications; add --replications)"
    } else {
        "Mean ± half-width of the 95% CI over replications"
    };
    writeln!(
        md,
        "{} {} x {} replications, seed {}, {horizon}. {intervals}; every {what}'s replication r uses the same random numbers.\n",
        names.len(),
        contenders.side.plural(),
        replications,
        scenario.seed,
    )?;
    for (i, t) in tables.iter().enumerate() {
        if i > 0 {
            writeln!(md, "\n## {}\n", t.title)?;
        }
        if let Some(note) = &t.note {
            writeln!(md, "{note}\n")?;
        }
        writeln!(md, "| {} |", t.headers.join(" | "))?;
        writeln!(md, "|{}", "---|".repeat(t.headers.len()))?;
        for row in &t.rows {
            writeln!(md, "| {} |", row.join(" | "))?;
        }
    }
    Ok(md)
}

/// The overlay charts (replication 1 of each contender) and where objects
/// or messages went, staged in `out`: the job's where a contender has a
/// labeling job, the pipeline's where one has a pipeline; returns each
/// chart's file name and its caption for report.html, in drawing order.
fn draw_charts(
    out: &mut OutputDir,
    fmt: Format,
    side: compare::Side,
    names: &[String],
    configs: &[SimConfig],
    per_policy: &[Vec<RunOutput>],
) -> Result<Vec<(String, String)>> {
    let what = side.as_str();
    let ext = fmt.extension();
    let mut drawn: Vec<(String, String)> = Vec::new();
    let mut chart = |stem: &str, title: &str| -> Result<PathBuf> {
        let file = format!("{stem}.{ext}");
        let path = out.staging_path(&file)?;
        drawn.push((file, format!("{title}.")));
        Ok(path)
    };
    plot::compare::CompareCharts {
        fmt,
        what,
        names,
        configs,
        runs: per_policy,
    }
    .draw(&mut |stem: &str, title: &str| {
        chart(stem, title).map_err(|e| -> Box<dyn std::error::Error> { e.into() })
    })
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;
    for (file, _) in &drawn {
        out.staged_by_path(file)?;
    }
    Ok(drawn)
}
