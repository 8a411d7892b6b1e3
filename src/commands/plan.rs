//! `labelsim plan`: targets → search over the parameter's grid → answer,
//! evidence table, plan.json, a chart and report.html. Exit 0 feasible, 1
//! infeasible.
//!
//! Each value evaluated starts with the scenario's replications (at least
//! 2) and gets more, doubling up to `--max-replications`, while a target's
//! 95% interval straddles its value. A value whose stationary input offers
//! load ≥ 1 (`model::load`) is unstable and never meets, unless
//! `--finite-horizon`.

use crate::cli::PlanArgs;
use crate::commands::common::{load_for, progress_bar};
use crate::commands::sweep::cli_error;
use anyhow::{anyhow, bail, Result};
use labelsim::plan::{self, Evaluated, PlanSettings, PointStatus, Search, Target};
use labelsim::plot::{self, BandChart, HLine};
use labelsim::report::{aggregate_json, counts_json};
use labelsim::scenario::paths::{value_text, ScenarioTemplate};
use labelsim::scenario::LoadOptions;
use labelsim::sweep;
use serde_json::json;
use std::path::PathBuf;

pub fn plan(args: PlanArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let out_dir = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name).join("plan"));
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
    let mut varies = Vec::new();
    for v in &args.vary {
        let (p, t) = sweep::parse_vary(v).map_err(cli_error)?;
        varies.push((p, plan::with_default_step(&t)));
    }
    let mut design = sweep::design(&varies, None, scenario.seed).map_err(cli_error)?;
    plan::sort_ascending(&mut design);
    let template = ScenarioTemplate::of(
        &scenario,
        LoadOptions {
            lenient: args.common.lenient,
        },
    )?;
    let configs = sweep::point_configs(&template, &design, "plan value").map_err(cli_error)?;
    // What the search costs: the values it evaluates (a bisection: about
    // 2 log2 n), each at its first replications, and the two either side
    // of the answer up to --max-replications (where intervals straddle).
    let runs = plan::runs_bound(configs.len(), &search, initial, cap);
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
    let settings = PlanSettings {
        targets,
        search,
        initial,
        cap,
        finite_horizon: args.finite_horizon,
    };
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
    let targets = &settings.targets;
    let cache = &outcome.evaluated;
    let answer = outcome.answer;
    let monotone = outcome.monotone;
    let minimized = outcome.minimized.map(|m| (m.best, m.flat));
    let simulations = outcome.simulations;
    let undecided = outcome.undecided();
    let n = design.points.len();

    let param_name = design
        .params
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let answer_json = answer.map(|i| value_json(&design, i));
    // SPEC §4b: when nothing is feasible, what came closest and why.
    let shortfalls = if answer.is_none() {
        plan::shortfalls(&outcome, targets)
    } else {
        Vec::new()
    };
    let shortfalls_json: Vec<serde_json::Value> = shortfalls
        .iter()
        .map(|sf| {
            json!({
                "target": targets[sf.target].text,
                "best_value": sf.best.map(|(i, _)| value_json(&design, i)),
                "best_mean": sf.best.map(|(_, m)| m),
                "fixed_parts": sf.fixed_parts.iter().map(|(p, m)| (p.clone(), json!(m))).collect::<serde_json::Map<_, _>>(),
                "impossible": sf.impossible,
            })
        })
        .collect();
    let points: Vec<serde_json::Value> = cache
        .iter()
        .map(|(i, e)| {
            let (mean, ci) = aggregate_json(&e.agg);
            let value = if design.params.len() == 1 {
                json!(design.points[*i][0])
            } else {
                json!(design.points[*i])
            };
            let verdicts: serde_json::Map<String, serde_json::Value> = targets
                .iter()
                .zip(&e.verdicts)
                .map(|(t, v)| (t.text.clone(), json!(v.as_str())))
                .collect();
            json!({
                "value": value,
                "meets": e.status == PointStatus::Meets,
                "decided": e.status.decided(),
                "unstable": e.status == PointStatus::Unstable,
                "offered_load": load_json(e.offered_load),
                "binding_stage": e.binding_stage,
                "stages": e.stages.iter().map(|st| (st.stage.clone(), load_json(Some(st.load)))).collect::<serde_json::Map<_, _>>(),
                "replications": e.runs.len(),
                "targets": verdicts,
                "mean": mean,
                "ci95": ci,
                "n": counts_json(&e.agg),
            })
        })
        .collect();
    let minimize_json = args.minimize.as_ref().map(|metric| {
        let at = answer.and_then(|i| cache.get(&i));
        json!({
            "metric": metric,
            "mean": at.and_then(|e| e.agg.mean_of(metric)),
            "ci95": at.and_then(|e| e.agg.ci_of(metric)).map(|(lo, hi)| json!([lo, hi])),
            "best": minimized
                .and_then(|m| m.0)
                .map(|b| value_json(&design, b)),
            "flat": minimized.is_some_and(|m| m.1),
        })
    });
    let doc = json!({
        "parameter": param_name,
        "answer": answer_json,
        "feasible": answer.is_some(),
        "targets": targets.iter().map(|t| t.text.clone()).collect::<Vec<_>>(),
        "minimize": args.minimize,
        "minimized": minimize_json,
        "finite_horizon": args.finite_horizon,
        "replications": initial,
        "max_replications": cap,
        "grid_size": n,
        "simulations": simulations,
        "simulations_full_grid": n as u64 * initial as u64,
        "undecided": undecided,
        "monotone": monotone,
        "shortfalls": shortfalls_json,
        "points": points,
    });
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    out.put("plan.json", &bytes)?;

    // Chart: the first target's metric against the parameter.
    let fmt = crate::commands::common::chart_format(args.common.format);
    let numeric: Option<Vec<f64>> = if design.params.len() == 1 {
        cache
            .keys()
            .map(|&i| sweep::numeric_param(&value_text(&design.points[i][0])))
            .collect()
    } else {
        None
    };
    // The chart drawn (file, title); none under --no-charts, or for several
    // parameters or a categorical one.
    let mut chart: Option<(String, String)> = None;
    // The metric drawn: the first target's that varies over the values
    // evaluated, with its target line; if every target is flat there (say
    // `expired_in_queue == 0` met everywhere), the --minimize metric.
    let means = |metric: &str| -> Vec<f64> {
        cache
            .values()
            .filter_map(|e| e.agg.mean_of(metric))
            .collect()
    };
    let varies = |metric: &str| {
        let m = means(metric);
        m.iter().any(|&x| m.first().is_some_and(|&f| x != f))
    };
    let shown: Option<(&str, Option<&labelsim::plan::Target>)> = targets
        .iter()
        .find(|t| varies(&t.metric))
        .map(|t| (t.metric.as_str(), Some(t)))
        .or_else(|| args.minimize.as_deref().map(|m| (m, None)))
        .or_else(|| targets.first().map(|t| (t.metric.as_str(), Some(t))));
    if let (Some(xs), Some((metric, target)), false) = (numeric, shown, args.common.no_charts) {
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
        let vline = answer.map(|i| {
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
        chart = Some((file, title));
    }

    // What the plan found, in lines printed as they are and shown in
    // report.html.
    let mut found: Vec<String> = Vec::new();
    match answer {
        Some(i) => {
            let v: Vec<String> = design.points[i].iter().map(value_text).collect();
            found.push(format!("answer: {param_name} = {}", v.join(", ")));
        }
        None => {
            found.push(format!(
                "infeasible: no value of {param_name} in the range meets every target"
            ));
            for sf in &shortfalls {
                let t = &targets[sf.target];
                let h = |m: &str, x: f64| labelsim::human::metric(m, x);
                match sf.best {
                    Some((i, mean)) => {
                        let v: Vec<String> = design.points[i].iter().map(value_text).collect();
                        found.push(format!(
                            "  `{t}`: best reached {} (mean) at {param_name} = {}",
                            h(&t.metric, mean),
                            v.join(", ")
                        ));
                    }
                    None => found.push(format!(
                        "  `{t}`: no value evaluated has a value of {}",
                        t.metric
                    )),
                }
                if !sf.fixed_parts.is_empty() {
                    let parts: Vec<String> = sf
                        .fixed_parts
                        .iter()
                        .map(|(p, least)| format!("{p} {}", h(p, *least)))
                        .collect();
                    found.push(format!(
                        "    parts no value of {param_name} changes: {}",
                        parts.join(", ")
                    ));
                }
                if let Some(part) = &sf.impossible {
                    let least = sf
                        .fixed_parts
                        .iter()
                        .find(|p| &p.0 == part)
                        .map_or(0.0, |p| p.1);
                    found.push(format!(
                        "    impossible here: {part} alone is {} whatever {param_name}",
                        h(part, least)
                    ));
                }
            }
        }
    }
    if let Some(metric) = &args.minimize {
        let at = answer.and_then(|i| cache.get(&i));
        match at.and_then(|e| e.agg.mean_of(metric)) {
            Some(m) => {
                let (lo, hi) = at.and_then(|e| e.agg.ci_of(metric)).unwrap_or((m, m));
                // In the metric's units, the bounds within its range, as
                // the table below prints them.
                let h = |x: f64| labelsim::human::metric(metric, x);
                let within = |x: f64| labelsim::human::within_range(metric, x);
                found.push(format!(
                    "  {metric}: {} [95% CI {}, {}]",
                    h(m),
                    h(within(lo)),
                    h(within(hi))
                ));
                if let Some(best) = minimized.and_then(|m| m.0).filter(|&b| Some(b) != answer) {
                    let v: Vec<String> = design.points[best].iter().map(value_text).collect();
                    found.push(format!(
                        "  the smallest mean is at {}; this smaller value's mean lies within its 95% interval",
                        v.join(", ")
                    ));
                }
            }
            None if answer.is_some() => found.push(format!(
                "  warning: {metric} has no value at any feasible point; the answer is the first feasible one"
            )),
            None => {}
        }
        if minimized.is_some_and(|m| m.1) {
            found.push(format!("  warning: {metric} does not vary significantly over the feasible points (their 95% intervals overlap): the choice is noise, not a difference"));
        }
    }
    found.push(format!(
        "  {} of {} values evaluated, {} simulations ({} replications per value, more up to {} where an interval straddles a target)",
        cache.len(),
        n,
        simulations,
        initial,
        cap
    ));
    let unstable = outcome.unstable();
    if unstable > 0 {
        // Name the stages that could not keep up, each with its largest load.
        let mut binding: Vec<(String, f64)> = Vec::new();
        for e in cache.values().filter(|e| e.status == PointStatus::Unstable) {
            if let (Some(stage), Some(load)) = (&e.binding_stage, e.offered_load) {
                match binding.iter_mut().find(|b| &b.0 == stage) {
                    Some(b) => b.1 = b.1.max(load),
                    None => binding.push((stage.clone(), load)),
                }
            }
        }
        let stages = binding
            .iter()
            .map(|(s, l)| format!("{s} up to {}", load_text(*l)))
            .collect::<Vec<_>>()
            .join("; ");
        found.push(format!("  {unstable} unstable: offered load >= 1 on a stationary stream ({stages}), so a backlog grows without bound (--finite-horizon to judge them on the horizon simulated)"));
    }
    if undecided > 0 {
        found.push(format!("  warning: {undecided} value(s) still undecided after {cap} replications, counted as not met (raise --max-replications)"));
    }
    if monotone == Some(false) {
        found.push(format!("  warning: the targets are not monotone in {param_name}: a larger value fails after a smaller one met them"));
    }

    // The evidence: per value evaluated, the targets' metrics (then the
    // minimized one) with their 95% intervals.
    let mut columns: Vec<&str> = targets.iter().map(|t| t.metric.as_str()).collect();
    if let Some(m) = &args.minimize {
        columns.push(m);
    }
    // `printed`: the table printed (utilization as a share); else report.html's.
    let value_cells = |i: usize, e: &Evaluated, printed: bool| -> Vec<String> {
        vec![
            design.points[i]
                .iter()
                .map(value_text)
                .collect::<Vec<_>>()
                .join(", "),
            e.status.as_str().into(),
            e.runs.len().to_string(),
            match e.offered_load {
                Some(r) if r.is_finite() => format!("{r:.3}"),
                Some(_) => "inf".into(),
                None => "-".into(),
            },
            e.binding_stage.clone().unwrap_or_else(|| "-".into()),
            // The binding consumer's utilization where a consumer binds,
            // else the workers'.
            e.binding_stage
                .as_deref()
                .and_then(|b| b.strip_prefix("consumers[")?.strip_suffix(']'))
                .filter(|c| !c.contains(','))
                .and_then(|c| e.agg.mean_of(&format!("{c}.utilization")))
                .or_else(|| e.agg.mean_of(labelsim::model::catalog::WORKER_UTILIZATION))
                .map_or("-".into(), |u| {
                    if printed {
                        labelsim::human::share(u)
                    } else {
                        format!("{u:.3}")
                    }
                }),
        ]
    };
    let first_head = vec![
        param_name.clone(),
        "meets".into(),
        "reps".into(),
        "offered load".into(),
        "binding stage".into(),
        "utilization".into(),
    ];

    {
        use labelsim::report::html;
        let mut head = first_head.clone();
        for m in &columns {
            head.push(format!("{m} mean"));
            head.push(format!("{m} 95% CI"));
        }
        let rows: Vec<Vec<String>> = cache
            .iter()
            .map(|(&i, e)| {
                // In the terminal's units, the bounds within the metric's
                // range (issue 17).
                let mut row = value_cells(i, e, true);
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
        for t in targets {
            answer_html.push_str(&format!("<li><code>{}</code></li>", html::esc(&t.text)));
        }
        answer_html.push_str("</ul>");
        let chart_html = match &chart {
            Some((file, title)) => html::chart(&out.staging_path(file)?, title)?,
            None if args.common.no_charts => crate::commands::common::CHARTS_SKIPPED.to_string(),
            None => {
                "<p class=\"meta\">No chart: it is drawn for one numeric parameter.</p>".to_string()
            }
        };
        // The headline: the answer and that it meets every target, the
        // lines under it as printed, the command (issue 17).
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
        let lead = html::Lead {
            answer: labelsim::report::headline::plan(
                found.first().map_or("", String::as_str),
                answer.is_some(),
            ),
            details: found.iter().skip(1).map(|l| l.trim().to_string()).collect(),
            command: Some(crate::commands::common::echoed_command(
                "plan",
                &args
                    .scenario
                    .iter()
                    .map(std::path::PathBuf::as_path)
                    .collect::<Vec<_>>(),
                &words,
                &args.common,
            )),
        };
        let page = html::page(
            &format!("labelsim plan: {}", scenario.name),
            &lead,
            &[
                ("Targets".into(), answer_html),
                (
                    "Values evaluated (mean and 95% CI over replications)".into(),
                    html::table(&head, &rows),
                ),
                ("Chart".into(), chart_html),
                (
                    "Scenario".into(),
                    format!("<pre>{}</pre>", html::esc(&scenario.text)),
                ),
            ],
        );
        out.put("report.html", &page)?;
    }
    crate::signals::check()?;
    out.commit()?;

    if !args.common.quiet {
        for line in &found {
            outln!("{line}");
        }
        let mut head = first_head;
        head.extend(columns.iter().map(|m| format!("{m} [95% CI]")));
        outln!("  {}", head.join(" | "));
        for (&i, e) in cache {
            let mut row = value_cells(i, e, true);
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
    Ok(if answer.is_some() { 0 } else { 1 })
}

/// A point's value(s) in plan.json: the value for one parameter, else
/// `{path: value}`.
fn value_json(design: &sweep::Design, i: usize) -> serde_json::Value {
    if design.params.len() == 1 {
        json!(design.points[i][0])
    } else {
        let mut m = serde_json::Map::new();
        for (p, v) in design.params.iter().zip(&design.points[i]) {
            m.insert(p.to_string(), json!(v));
        }
        serde_json::Value::Object(m)
    }
}

/// ρ in plan.json: a number; null when the input is not a stationary
/// stream, or when no worker is ever on shift (ρ infinite: the point is
/// then marked `unstable`), so the field stays numeric.
fn load_json(rho: Option<f64>) -> serde_json::Value {
    match rho {
        Some(r) if r.is_finite() => json!(r),
        _ => serde_json::Value::Null,
    }
}

/// ρ as printed: three decimals, or `inf`.
fn load_text(rho: f64) -> String {
    if rho.is_finite() {
        format!("{rho:.3}")
    } else {
        "inf".into()
    }
}
