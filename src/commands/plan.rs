//! `labelsim plan`: targets → search over the parameter's grid → answer,
//! evidence table, plan.json, a chart and report.html. Exit 0 feasible, 1
//! infeasible.
//!
//! Each value evaluated starts with the scenario's replications (at least
//! 2) and gets more, doubling up to `--max-replications`, while a target's
//! 95% interval straddles its value. A value whose stationary input offers
//! load ≥ 1 (`model::load`) is unstable and never meets, unless
//! `--finite-horizon`. What to evaluate and the answer are the library's
//! ([`labelsim::plan`]); this command reads the arguments and writes.

use crate::cli::PlanArgs;
use crate::commands::common::{load_for, progress_bar};
use crate::commands::sweep::cli_error;
use anyhow::{anyhow, bail, Result};
use labelsim::output::OutputDir;
use labelsim::plan::{self, PlanOutcome, PlanSettings, Search, Target};
use labelsim::plot::{self, BandChart, Format, HLine};
use labelsim::scenario::paths::{value_text, ScenarioTemplate};
use labelsim::scenario::{LoadOptions, Scenario};
use labelsim::sweep::{self, Design};
use std::path::PathBuf;

pub fn plan(args: PlanArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let out_dir = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name).join("plan"));
    let settings = settings_of(&args, &scenario)?;
    let (initial, cap) = (settings.initial, settings.cap);
    let varies = args
        .vary
        .iter()
        .map(|v| sweep::parse_vary(v).map_err(cli_error))
        .collect::<Result<Vec<_>>>()?;
    let template = ScenarioTemplate::of(
        &scenario,
        LoadOptions {
            lenient: args.common.lenient,
        },
    )?;
    let (design, configs) = plan::grid(&template, &varies, scenario.seed).map_err(cli_error)?;
    // What the search costs: the values it evaluates (a bisection: about
    // 2 log2 n), each at its first replications, and the two either side
    // of the answer up to --max-replications (where intervals straddle).
    let runs = plan::runs_bound(configs.len(), &settings.search, initial, cap);
    crate::commands::budget::Budget::of(&args.common)?.check_evaluated(
        &configs.iter().collect::<Vec<_>>(),
        runs.div_ceil(initial as u64),
        initial,
        &args.common,
        "--vary",
    )?;
    let pool = labelsim::runner::thread_pool(args.common.threads.map(|t| t as usize))?;
    // The output folder is opened (created, locked) before the work.
    let mut out = crate::commands::common::open_output(&out_dir, args.common.quiet)?;
    crate::signals::install();
    let budget = crate::commands::budget::Budget::of(&args.common)?;
    let guard = budget.guard();
    // Replication r of value i draws the streams of (seed, i, r).
    let mut run = |jobs: &[(usize, u32)]| -> Result<Vec<labelsim::model::RunSummary>> {
        let pb = progress_bar(jobs.len() as u64, "plan runs", args.common.quiet);
        let results = pool.install(|| {
            sweep::run_jobs(&configs, jobs, scenario.seed, &guard.guard, &|| pb.inc(1))
        })?;
        pb.finish_and_clear();
        if guard.guard.is_stopped() {
            // A signal, --max-events or --max-memory: no answer from
            // part of the evidence; nothing is written.
            return Err(match guard.guard.reason() {
                Some(r) if !crate::signals::cancelled() => {
                    anyhow!(
                        "plan stopped ({}); nothing was written",
                        crate::commands::budget::reason_text(&r)
                    )
                }
                _ => anyhow::Error::new(crate::signals::Interrupted),
            });
        }
        Ok(results
            .into_iter()
            .map(|s| s.expect("not cancelled"))
            .collect())
    };
    let outcome = plan::search(&configs, &settings, &mut run)?;

    let mut bytes = serde_json::to_vec_pretty(&plan::plan_json(&design, &outcome, &settings))?;
    bytes.push(b'\n');
    out.put("plan.json", &bytes)?;
    let fmt = crate::commands::common::chart_format(args.common.format);
    let chart = if args.common.no_charts {
        None
    } else {
        draw_chart(&mut out, fmt, &design, &outcome, &settings)?
    };
    let found = plan::found_lines(&design, &outcome, &settings);
    write_report(
        &mut out, &args, &scenario, &design, &outcome, &settings, &found, &chart,
    )?;
    crate::signals::check()?;
    out.commit()?;

    if !args.common.quiet {
        print_results(&design, &outcome, &settings, &found);
        if args.common.no_charts {
            outln!(
                "results: {}/ (plan.json, report.html; charts skipped)",
                out_dir.display()
            );
        } else {
            outln!(
                "results: {}/ (plan.json, report.html, plan.{})",
                out_dir.display(),
                fmt.extension()
            );
        }
    }
    Ok(if outcome.answer.is_some() { 0 } else { 1 })
}

/// The targets, the search and the replications the arguments ask for.
fn settings_of(args: &PlanArgs, scenario: &Scenario) -> Result<PlanSettings> {
    // A 95% interval needs two replications.
    let initial = scenario.replications.max(2);
    let cap = args.max_replications;
    if cap < initial {
        bail!(
            "--max-replications {cap} is below the {initial} replications each value starts with; raise it, or lower --replications"
        );
    }
    let known = sweep::numeric_metric_names_for(&scenario.sim);
    let targets: Vec<Target> = args
        .targets
        .iter()
        .map(|t| Target::parse(t, &known))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow!("--target {e}"))?;
    // Without a labeling job the job's metrics are empty or 0 at every
    // value: a target or a minimum on one means nothing.
    if scenario.sim.no_job {
        let mut asked: Vec<(&str, &str, &str)> = targets
            .iter()
            .map(|t| ("--target", t.text.as_str(), t.metric.as_str()))
            .collect();
        if let Some(m) = &args.minimize {
            asked.push(("--minimize", m, m));
        }
        let problems: Vec<String> = asked
            .into_iter()
            .filter(|(_, _, m)| labelsim::model::catalog::measures_the_job(m))
            .map(|(flag, text, m)| format!("{flag} {text}: `{m}` measures the labeling job"))
            .collect();
        if !problems.is_empty() {
            bail!(
                "{}\nthe scenario has no labeling job (a pipeline alone), so those metrics have no value at any point; use a pipeline metric such as `searchable_latency_p95_s` or `cost_usd`",
                problems.join("\n")
            );
        }
    }
    let search = if let Some(m) = &args.minimize {
        labelsim::suggest::check_metric(m, &known).map_err(|e| anyhow!("--minimize {e}"))?;
        Search::Minimize(m.clone())
    } else if args.vary.len() > 1 {
        bail!("the monotone search takes one --vary; to search a grid of several parameters, add --minimize METRIC");
    } else if args.exhaustive {
        Search::Exhaustive
    } else {
        Search::Monotone
    };
    Ok(PlanSettings {
        targets,
        search,
        initial,
        cap,
        finite_horizon: args.finite_horizon,
    })
}

/// The chart: the chosen metric ([`plan::chart_metric`]) against the
/// parameter, with its target and the answer; none for several parameters
/// or a categorical one. Its file and title.
fn draw_chart(
    out: &mut OutputDir,
    fmt: Format,
    design: &Design,
    outcome: &PlanOutcome,
    settings: &PlanSettings,
) -> Result<Option<(String, String)>> {
    let cache = &outcome.evaluated;
    let numeric: Option<Vec<f64>> = if design.params.len() == 1 {
        cache
            .keys()
            .map(|&i| sweep::numeric_param(&value_text(&design.points[i][0])))
            .collect()
    } else {
        None
    };
    let (Some(xs), Some((metric, target))) = (numeric, plan::chart_metric(outcome, settings))
    else {
        return Ok(None);
    };
    let pts: Vec<(f64, f64, f64, f64)> = cache
        .values()
        .zip(&xs)
        .map(|(e, &x)| {
            let m = e.agg.mean_of(metric).unwrap_or(f64::NAN);
            let (lo, hi) = e.agg.ci_of(metric).unwrap_or((m, m));
            (x, m, lo, hi)
        })
        .collect();
    let cap = target.and_then(|t| (t.value > 0.0).then_some(t.value * 3.0));
    let pinned = cap.is_some_and(|c| pts.iter().any(|p| p.1 > c));
    let title = format!(
        "plan: {} against {}{}",
        metric,
        design.params[0],
        if pinned {
            " (values above 3x the target pinned to the top)"
        } else {
            ""
        }
    );
    let x_label = plot::param_axis_label(
        &design.params[0].to_string(),
        &value_text(&design.points[0][0]),
    );
    let vline = outcome.answer.map(|i| {
        let x = sweep::numeric_param(&value_text(&design.points[i][0])).unwrap_or(0.0);
        (x, format!("answer: {}", value_text(&design.points[i][0])))
    });
    let file = format!("plan.{}", fmt.extension());
    plot::render_band_chart(
        &out.staging_path(&file)?,
        fmt,
        &BandChart {
            title: &title,
            x_label: &x_label,
            y_label: &plot::metric_axis_label(metric),
            points: pts,
            hlines: target
                .map(|t| HLine {
                    label: format!("target: {}", t.text),
                    y: t.value,
                    color: plot::ALERT,
                })
                .into_iter()
                .collect(),
            vlines: vline.into_iter().collect(),
            y_cap: cap,
            line_label: "mean over replications",
            // No line across values the search skipped (issue 17).
            gaps: cache
                .keys()
                .zip(cache.keys().skip(1))
                .enumerate()
                .filter(|(_, (a, b))| **b != **a + 1)
                .map(|(k, _)| k + 1)
                .collect(),
        },
    )
    .map_err(|e| anyhow!("cannot draw plan chart: {e}"))?;
    out.staged_by_path(&file)?;
    Ok(Some((file, title)))
}

/// report.html: the answer as a headline with the lines `found` under it,
/// the targets, the evidence table, the chart and the scenario.
#[allow(clippy::too_many_arguments)]
fn write_report(
    out: &mut OutputDir,
    args: &PlanArgs,
    scenario: &Scenario,
    design: &Design,
    outcome: &PlanOutcome,
    settings: &PlanSettings,
    found: &[String],
    chart: &Option<(String, String)>,
) -> Result<()> {
    use labelsim::report::{html, Report, Section};
    let columns = plan::evidence_metrics(settings);
    let mut head = plan::evidence_head(design);
    for m in &columns {
        head.push(format!("{m} mean"));
        head.push(format!("{m} 95% CI"));
    }
    let rows: Vec<Vec<String>> = outcome
        .evaluated
        .iter()
        .map(|(&i, e)| {
            // In the terminal's units, the bounds within the metric's
            // range (issue 17).
            let mut row = plan::evidence_cells(design, i, e, true);
            for m in &columns {
                match (e.agg.mean_of(m), e.agg.ci_of(m)) {
                    (Some(x), Some((lo, hi))) => {
                        row.push(labelsim::human::metric(m, x));
                        row.push(labelsim::human::interval(m, lo, hi));
                    }
                    (Some(x), None) => row.extend([labelsim::human::metric(m, x), "-".into()]),
                    _ => row.extend(["-".into(), "-".into()]),
                }
            }
            row
        })
        .collect();
    let mut answer_html = String::new();
    answer_html.push_str("<p>Targets, each met with 95% confidence:</p><ul>");
    for t in &settings.targets {
        answer_html.push_str(&format!("<li><code>{}</code></li>", html::esc(&t.text)));
    }
    answer_html.push_str("</ul>");
    let chart_html = match chart {
        Some((file, title)) => html::chart(&out.staging_path(file)?, title)?,
        None if args.common.no_charts => crate::commands::common::CHARTS_SKIPPED.to_string(),
        None => {
            "<p class=\"meta\">No chart: it is drawn for one numeric parameter.</p>".to_string()
        }
    };
    // The headline: the answer and that it meets every target, the lines
    // under it as printed, the command (issue 17).
    let lead = html::Lead {
        answer: labelsim::report::headline::plan(
            found.first().map_or("", String::as_str),
            outcome.answer.is_some(),
        ),
        details: found.iter().skip(1).map(|l| l.trim().to_string()).collect(),
        command: Some(crate::commands::common::echoed_command(
            "plan",
            &args
                .scenario
                .iter()
                .map(std::path::PathBuf::as_path)
                .collect::<Vec<_>>(),
            &echoed_words(args),
            &args.common,
        )),
    };
    let page = html::export(&Report {
        title: format!("labelsim plan: {}", scenario.name),
        lead,
        sections: vec![
            Section::html("Targets", answer_html),
            Section::table(
                "Values evaluated (mean and 95% CI over replications)",
                &head,
                &rows,
            ),
            Section::html("Chart", chart_html),
            crate::commands::common::scenario_section(scenario),
        ],
    });
    out.put("report.html", &page)?;
    Ok(())
}

/// The plan's own arguments, as report.html echoes the command.
fn echoed_words(args: &PlanArgs) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for v in &args.vary {
        words.extend(["--vary".into(), v.clone()]);
    }
    for t in &args.targets {
        words.extend(["--target".into(), t.clone()]);
    }
    if let Some(m) = &args.minimize {
        words.extend(["--minimize".into(), m.clone()]);
    }
    if args.exhaustive {
        words.push("--exhaustive".into());
    }
    if args.finite_horizon {
        words.push("--finite-horizon".into());
    }
    if args.max_replications != 50 {
        words.extend([
            "--max-replications".into(),
            args.max_replications.to_string(),
        ]);
    }
    words
}

/// What the plan found, then the evidence: per value evaluated, the
/// targets' metrics (then the minimized one) with their 95% intervals.
fn print_results(
    design: &Design,
    outcome: &PlanOutcome,
    settings: &PlanSettings,
    found: &[String],
) {
    for line in found {
        outln!("{line}");
    }
    let columns = plan::evidence_metrics(settings);
    let mut head = plan::evidence_head(design);
    head.extend(columns.iter().map(|m| format!("{m} [95% CI]")));
    outln!("  {}", head.join(" | "));
    for (&i, e) in &outcome.evaluated {
        let mut row = plan::evidence_cells(design, i, e, true);
        for m in &columns {
            row.push(match (e.agg.mean_of(m), e.agg.ci_of(m)) {
                (Some(mean), Some((lo, hi))) => {
                    format!(
                        "{} {}",
                        labelsim::human::metric(m, mean),
                        labelsim::human::interval(m, lo, hi)
                    )
                }
                _ => "-".into(),
            });
        }
        outln!("  {}", row.join(" | "));
    }
}
