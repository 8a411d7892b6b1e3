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
use plotters::style::RGBColor;
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
    let tables = tables(&contenders, &metrics, &table);
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
    {
        use labelsim::report::html;
        let mut sections: Vec<(String, String)> = tables
            .iter()
            .map(|t| (t.title.replace('`', ""), html::table(&t.headers, &t.rows)))
            .collect();
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
        let mut html_charts = String::new();
        if args.common.no_charts {
            html_charts.push_str(crate::commands::common::CHARTS_SKIPPED);
        } else {
            for (f, caption) in &charts {
                html_charts.push_str(&html::chart(&out.staging_path(f)?, caption)?);
            }
        }
        sections.push(("Charts".into(), html_charts));
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
) -> Vec<Table> {
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
            .map(|(row, name)| {
                let mut cells = vec![name.clone()];
                cells.extend(
                    metrics
                        .iter()
                        .zip(row)
                        .map(|(m, e)| estimate_cell(e, m.quantity)),
                );
                cells
            })
            .collect(),
    };
    let mut out = vec![estimates];
    if names.len() > 1 {
        out.push(Table {
            title: format!("Paired differences against `{}`", names[0]),
            note: Some(format!("Each cell: mean of ({what} − {}) over replications, its 95% CI, and in brackets the CI half-width an unpaired comparison would have (independent runs): the variance reduction common random numbers buy.", names[0])),
            headers,
            rows: table
                .differences
                .iter()
                .zip(&names[1..])
                .map(|(diffs, name)| {
                    let mut cells = vec![name.clone()];
                    cells.extend(metrics.iter().zip(diffs).map(|(m, d)| {
                        let (e, q) = (&d.difference, m.quantity);
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
    writeln!(md, "# labelsim compare: `{}`\n", scenario.name)?;
    writeln!(
        md,
        "{} {} x {} replications, seed {}, {horizon}. Mean ± half-width of the 95% CI over replications; every {what}'s replication r uses the same random numbers.\n",
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
    let parts = plot::Parts::of_any(configs);
    let c = Charts {
        fmt,
        what,
        names,
        configs,
        per_policy,
    };
    if parts.job {
        c.job(&mut chart)?;
    }
    if parts.pipeline {
        c.pipeline(&mut chart)?;
    }
    for (file, _) in &drawn {
        out.staged_by_path(file)?;
    }
    Ok(drawn)
}

/// What the compare charts are drawn from.
struct Charts<'a> {
    fmt: Format,
    /// "policy" or "scenario".
    what: &'a str,
    names: &'a [String],
    configs: &'a [SimConfig],
    per_policy: &'a [Vec<RunOutput>],
}

/// Stages a chart: (file stem, title) → its path.
type ChartPath<'a> = dyn FnMut(&str, &str) -> Result<PathBuf> + 'a;

impl Charts<'_> {
    /// The job's charts: SQS backlog and throughput over time, end-to-end
    /// latency CDF and where objects went.
    fn job(&self, chart: &mut ChartPath<'_>) -> Result<()> {
        let Charts {
            fmt,
            what,
            names,
            configs,
            per_policy,
        } = *self;
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
        let title = format!("SQS backlog per {what} (replication 1)");
        plot::render_time_chart(
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
        )
        .map_err(|e| anyhow!("cannot draw chart: {e}"))?;
        let title = format!("Objects labeled per hour per {what} (replication 1)");
        plot::render_rate_chart(
            &chart("compare_throughput", &title)?,
            fmt,
            &TimeChart {
                title: &title,
                y_label: "objects per hour",
                horizon_s: span,
                series: series(&|o| {
                    plot::throughput_points(&o.timeseries, |s| s.labeled_total, span)
                }),
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
        let title =
            format!("End-to-end time to label (production to label), per {what} (replication 1)");
        plot::render_latency_cdfs(
            &chart("compare_latency_cdf", &title)?,
            fmt,
            &title,
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
        let title = format!("Where objects went, per {what} (mean over replications)");
        plot::render_stacked_bars(
            &chart("compare_outcomes", &title)?,
            fmt,
            &title,
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

        Ok(())
    }

    /// The pipeline's charts (P1–P9): messages in the queues over time,
    /// the searchable-latency CDF, where messages went and the cost per
    /// unit of work, per contender.
    fn pipeline(&self, chart: &mut ChartPath<'_>) -> Result<()> {
        use labelsim::model::catalog as c;
        let Charts {
            fmt,
            what,
            names,
            configs,
            per_policy,
        } = *self;
        let color = |p: usize| PALETTE[p % PALETTE.len()];
        let horizon_s = configs
            .iter()
            .map(|c| c.horizon.as_secs_f64())
            .fold(1.0, f64::max);
        let unit = plot::axis::TimeUnit::for_span(horizon_s);
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
        let title = format!("Messages in the queues per {what} (replication 1)");
        plot::render_time_chart(
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
        )
        .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

        // Searchable latency: each contender's machine path, and its human
        // path where results are routed to people (P6, P9).
        let mean = |runs: &[RunOutput], m: &str| -> f64 {
            let v: Vec<f64> = runs
                .iter()
                .map(|o| compare::metric_value(&o.summary, m))
                .filter(|x| x.is_finite())
                .collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        let mut curves: Vec<plot::Curve> = Vec::new();
        for (p, runs) in per_policy.iter().enumerate() {
            let Some(out) = &runs[0].pipeline else {
                continue;
            };
            let one = |m: &str| labelsim::human::number(compare::metric_value(&runs[0].summary, m));
            let of = format!(
                "{} indexed of {} sent",
                one(c::INDEXED_DOCUMENTS),
                one(c::SENT)
            );
            let human = !out.searchable_cdf_human.is_empty();
            curves.push(plot::Curve {
                label: if human {
                    format!("{}, machine labels ({of})", names[p])
                } else {
                    format!("{} ({of})", names[p])
                },
                color: color(p),
                cdf: &out.searchable_cdf_machine,
            });
            if human {
                curves.push(plot::Curve {
                    label: format!("{}, human labels", names[p]),
                    color: PALETTE[(p + 4) % PALETTE.len()],
                    cdf: &out.searchable_cdf_human,
                });
            }
        }
        let title = format!("Time to searchable, per {what} (replication 1)");
        plot::cdf::render_latency_cdfs_with(
            &chart("compare_searchable_latency_cdf", &title)?,
            fmt,
            &title,
            plot::cdf::CdfText {
                x_desc: "time from first send (or upload) to searchable",
                y_desc: "fraction of indexed objects",
                empty: "no object became searchable",
            },
            &curves,
        )
        .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

        // Where messages went.
        let parts: [(&str, &str, RGBColor); 5] = [
            (c::MACHINE_LABELED, "indexed as machine labels", PALETTE[2]),
            (c::ROUTED_TO_HUMANS, "routed to humans (P6)", PALETTE[0]),
            (c::DEAD_LETTERED, "dead-lettered (P1)", PALETTE[3]),
            (
                compare::IN_QUEUES_AT_END,
                "still in a queue at the end",
                PALETTE[6],
            ),
            (c::EXPIRED, "expired (retention, P1)", plot::ALERT),
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
                    .map(|(n, v)| format!("{n} {}", labelsim::human::number(v[k].round())))
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
        plot::bars::render_stacked_bars_with_notes(
            &chart("compare_message_outcomes", &title)?,
            fmt,
            &title,
            "messages",
            names,
            &bar_parts,
            &values,
            &[],
        )
        .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

        // Cost against work done: per indexed document (or per correct
        // label where labels carry a confidence), split by where it goes;
        // the totals in the legend.
        let per_correct = compare::default_table(configs).contains(&c::COST_PER_CORRECT_LABEL);
        let unit_word = if per_correct {
            "correct label"
        } else {
            "indexed document"
        };
        let denominator = |s: &RunSummary| -> f64 {
            let n = compare::metric_value(s, c::INDEXED_DOCUMENTS);
            if per_correct {
                n * compare::metric_value(s, c::ACCURACY_OVERALL)
            } else {
                n
            }
        };
        let parts_of = |s: &RunSummary| -> [f64; 3] {
            let sqs = compare::metric_value(s, c::SQS_COST_USD);
            let consumers = compare::metric_value(s, c::CONSUMER_COST_USD);
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
                    labelsim::human::money(mean(runs, c::COST_USD)),
                    labelsim::human::number(work.round())
                )
            })
            .collect();
        let title = format!("Cost per {per}, per {what} (mean over replications)");
        plot::bars::render_stacked_bars_with_notes(
            &chart("compare_cost", &title)?,
            fmt,
            &title,
            &format!("cost per {per} [USD]"),
            names,
            &cost_parts,
            &values,
            &notes,
        )
        .map_err(|e| anyhow!("cannot draw chart: {e}"))?;
        Ok(())
    }
}
