//! `labelsim run`: options → estimate → replications in parallel → outputs
//! staged and committed together → the printed summary.

use super::budget::Budget;
use super::common::{
    chart_format, echoed_command, load_for, open_output, plural, progress_bar, rule_rows,
    CHARTS_SKIPPED,
};
use crate::cli::RunArgs;
use anyhow::{Context, Result};
use labelsim::model::by_interval::{self, IntervalMean, IntervalRow};
use labelsim::model::catalog as c;
use labelsim::model::pipeline::{ConfidenceDist, PipelineConfig};
use labelsim::model::RunOutput;
use labelsim::output::OutputDir;
use labelsim::plot::{self, Format};
use labelsim::report;
use labelsim::runner::{self, Aggregate};
use labelsim::scenario::Scenario;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn run_cmd(args: RunArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let out_dir = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name));
    let fmt = chart_format(args.common.format);
    // None: --no-charts.
    let charts = (!args.common.no_charts).then_some(fmt);

    // The work is estimated before anything runs or is written.
    let budget = Budget::of(&args.common)?;
    budget.check(&labelsim::budget::estimate_run(
        &scenario.sim,
        scenario.replications,
        crate::commands::budget::threads(&args.common),
    ))?;
    // Open (create, lock, stage) the output folder before the work, so a
    // bad --out fails in the first second.
    let mut out = open_output(&out_dir, args.common.quiet)?;
    let guard = budget.guard();

    let pb = progress_bar(
        scenario.replications as u64,
        "replications",
        args.common.quiet,
    );
    let started = Instant::now();
    let runs = runner::run_replications_guarded(
        &scenario.sim,
        scenario.seed,
        scenario.replications,
        args.common.threads.map(|t| t as usize),
        &guard.guard,
        &|| pb.inc(1),
    )
    .map_err(crate::commands::budget::stopped)?;
    let wall_s = started.elapsed().as_secs_f64();
    pb.finish_and_clear();
    crate::signals::check()?;

    let summaries: Vec<_> = runs.iter().map(|r| r.summary.clone()).collect();
    let agg = runner::aggregate(&summaries);
    let events: u64 = summaries.iter().map(|s| s.events).sum();
    let summary_json = report::summary_json(&scenario.name, scenario.seed, &runs, &agg);
    let drawn = write_run_outputs(
        &mut out,
        &scenario,
        &runs,
        &agg,
        &summary_json,
        charts,
        wall_s,
        events,
        &echoed_command(
            "run",
            &args
                .scenario
                .iter()
                .map(PathBuf::as_path)
                .collect::<Vec<_>>(),
            &[],
            &args.common,
        ),
    )?;
    crate::signals::check()?;
    out.commit()?;
    if args.json {
        out!("{}", String::from_utf8_lossy(&summary_json));
    } else if !args.common.quiet {
        let shown = charts.map(|fmt| (fmt, drawn.as_slice()));
        print_summary(&scenario, &runs, &agg, &out_dir, wall_s, events, shown);
    }
    Ok(0)
}

/// Stages every output of a run (charts in `charts`' format, none for
/// None); nothing is in place until the caller commits, so an error or a
/// signal leaves no partial results behind.
#[allow(clippy::too_many_arguments)]
fn write_run_outputs(
    out: &mut OutputDir,
    scenario: &Scenario,
    runs: &[RunOutput],
    agg: &Aggregate,
    summary_json: &[u8],
    charts: Option<Format>,
    wall_s: f64,
    events: u64,
    command: &str,
) -> Result<Drawn> {
    out.put("summary.json", summary_json)?;
    out.put("summary.csv", &report::summary_csv(runs))?;
    out.put("timeseries.csv", &report::timeseries_csv(runs))?;
    out.put("timing.json", &report::timing_json(wall_s, events))?;
    let by_interval = by_interval_means(runs);
    if let Some(rows) = &by_interval {
        let means: Vec<IntervalRow> = rows.iter().map(|m| m.row.clone()).collect();
        let arrivals: Vec<f64> = rows.iter().map(|m| m.arrivals_mean).collect();
        out.put(
            "by_interval.csv",
            &by_interval::csv(&means, &arrivals, &by_interval_columns(scenario)),
        )?;
    }
    crate::signals::check()?;
    let mut drawn = match charts {
        Some(fmt) => write_run_charts(out, scenario, runs, fmt)?,
        None => Vec::new(),
    };
    if let (Some(fmt), Some(rows), Some(by)) = (charts, &by_interval, &scenario.sim.by_interval) {
        let file = format!("by_interval.{}", fmt.extension());
        plot::by_interval::render_by_interval(
            &out.staging_dir().join(&file),
            fmt,
            &if scenario.sim.no_job {
                format!(
                    "{}: searchable latency by interval of upload",
                    scenario.name
                )
            } else {
                format!("{}: service level by interval of arrival", scenario.name)
            },
            rows,
            &by_interval_chart_keys(scenario),
            by.cycle.weekly(),
        )
        .map_err(|e| anyhow::anyhow!("cannot draw the by-interval chart: {e}"))?;
        out.staged_by_path(&file)?;
        drawn.push((
            "by_interval",
            if scenario.sim.no_job {
                "Searchable latency by interval of upload over the cycle, with uploads per hour"
            } else {
                "Service level by interval of arrival over the cycle, with arrivals per hour"
            },
        ));
    }
    let shown = charts.map(|fmt| (fmt, drawn.as_slice()));
    let report = run_report(out.staging_dir(), scenario, agg, shown, command)
        .context("cannot write report.html")?;
    out.put("report.html", &report)?;
    Ok(drawn)
}

/// Draws the charts of a run into staging: the job's where the scenario
/// has a labeling job, then, with a pipeline, the pipeline's; returns
/// those drawn.
fn write_run_charts(
    out: &mut OutputDir,
    scenario: &Scenario,
    runs: &[RunOutput],
    fmt: Format,
) -> Result<Drawn> {
    let parts = plot::Parts::of(&scenario.sim);
    // With `start_at` in the scenario, time axes show the calendar.
    let calendar = scenario
        .spec
        .start_at
        .is_some()
        .then(|| scenario.sim.start_at_epoch_us.div_euclid(1_000_000));
    let mut drawn = if parts.job {
        plot::time::run_charts_on_calendar(
            out.staging_dir(),
            fmt,
            runs,
            scenario.sim.job.max_concurrent_task_count,
            scenario.sim.horizon.as_secs_f64(),
            scenario.sim.job.mode == labelsim::model::config::Mode::Batch,
            calendar,
        )
        .map_err(|e| anyhow::anyhow!("cannot draw charts: {e}"))?
    } else {
        Vec::new()
    };
    if let (true, Some(p)) = (parts.pipeline, &scenario.sim.pipeline) {
        let pipeline = plot::pipeline::pipeline_charts_on_calendar(
            out.staging_dir(),
            fmt,
            runs,
            p,
            scenario.sim.horizon.as_secs_f64(),
            calendar,
        )
        .map_err(|e| anyhow::anyhow!("cannot draw pipeline charts: {e}"))?;
        drawn.extend(pipeline);
    }
    for (stem, _) in &drawn {
        out.staged_by_path(&format!("{stem}.{}", fmt.extension()))?;
    }
    crate::signals::check()?;
    Ok(drawn)
}

/// Charts drawn (file stem, caption for report.html).
type Drawn = Vec<(&'static str, &'static str)>;

/// SPEC §4b: the replications' by-interval rows averaged, when the
/// scenario asks for them.
fn by_interval_means(runs: &[RunOutput]) -> Option<Vec<IntervalMean>> {
    let reps: Vec<&[IntervalRow]> = runs
        .iter()
        .filter_map(|r| r.by_interval.as_deref())
        .collect();
    (!reps.is_empty()).then(|| by_interval::combine(&reps))
}

/// The value columns of `by_interval.csv`.
fn by_interval_columns(scenario: &Scenario) -> Vec<String> {
    by_interval::columns_of(&scenario.sim)
}

/// What the by-interval chart draws: the service levels, or the share
/// that waited for a worker without one.
fn by_interval_chart_keys(scenario: &Scenario) -> Vec<String> {
    // A pipeline alone: its searchable latency by interval of upload.
    if scenario.sim.no_job && scenario.sim.pipeline.is_some() {
        return vec![
            "searchable_latency_p95_s".to_string(),
            "searchable_latency_mean_s".to_string(),
        ];
    }
    if scenario.sim.sla.is_empty() {
        vec!["delay_probability".to_string()]
    } else {
        scenario
            .sim
            .sla
            .iter()
            .map(|s| s.name.to_string())
            .collect()
    }
}

/// SPEC §4b: the worst interval of arrival of each service level.
fn print_worst_intervals(scenario: &Scenario, runs: &[RunOutput]) {
    let Some(rows) = by_interval_means(runs) else {
        return;
    };
    let means: Vec<IntervalRow> = rows.iter().map(|m| m.row.clone()).collect();
    for sla in &scenario.sim.sla {
        match by_interval::worst(&means, sla.name) {
            Some((row, v)) => {
                let ci = rows
                    .iter()
                    .find(|m| m.row.interval == row.interval)
                    .and_then(|m| m.ci95.get(sla.name))
                    .filter(|_| runs.len() > 1)
                    .map_or(String::new(), |(lo, hi)| {
                        format!(" [{:.1}%, {:.1}%]", lo * 100.0, hi * 100.0)
                    });
                outln!(
                    "  worst interval of arrival for {}: {} at {:.1}%{ci} ({} arrivals/h, {} on shift)",
                    sla.name,
                    row.interval,
                    v * 100.0,
                    labelsim::human::number(row.arrival_rate_per_h),
                    row.staff_on_shift_mean
                        .map_or("-".to_string(), |s| format!("{s:.1}"))
                );
            }
            None => outln!(
                "  worst interval of arrival for {}: none (no interval has an eligible object)",
                sla.name
            ),
        }
    }
}

/// report.html of a run, with the charts drawn in `dir` (None: skipped):
/// a headline of the main figures, the command, then the tables in the
/// terminal's units.
fn run_report(
    dir: &Path,
    scenario: &Scenario,
    agg: &Aggregate,
    charts: Option<(Format, &[(&str, &str)])>,
    command: &str,
) -> Result<Vec<u8>> {
    use labelsim::report::{headline, html, Report, Section};
    // Without a labeling job, the job's metrics (zeros and empty samples
    // in summary.json, which keeps every key) are left out.
    let job_keys = labelsim::model::RunSummary::metric_names();
    let shown = |k: &str| {
        !scenario.sim.no_job || !job_keys.contains(&k) || k == c::COST_USD || k == c::EVENTS
    };
    let mut figures = String::new();
    match charts {
        Some((fmt, drawn)) => {
            let ext = fmt.extension();
            for (file, caption) in drawn {
                figures.push_str(&html::chart(&dir.join(format!("{file}.{ext}")), caption)?);
            }
        }
        None => figures.push_str(CHARTS_SKIPPED),
    }
    let rule_headers: Vec<String> = ["rule", "what happened", "mean per replication"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    // The job's rules (R1–R12) where there is a job, the pipeline's
    // (P1–P8) where there is one.
    let keys = crate::commands::common::rule_keys(&scenario.sim);
    let rules = (!keys.is_empty())
        .then(|| Section::table("What each rule did", &rule_headers, &rule_rows(agg, &keys)));
    // What is printed beside the summary: each stage's offered load, and
    // the scenario's warnings.
    let loads = stage_load_rows(scenario).map(|rows| {
        let headers: Vec<String> = ["stage", "offered load", ""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
        let mut title = STAGE_LOADS.to_string();
        title[..1].make_ascii_uppercase();
        Section::table(title, &headers, &rows)
    });
    let warnings = (!scenario.warnings.is_empty()).then(|| {
        let lines: Vec<String> = scenario
            .warnings
            .iter()
            .map(|w| format!("warning: {}", w.render(&scenario.origin)))
            .collect();
        Section::text("Warnings", lines.join("\n"))
    });
    let r = scenario.replications as usize;
    let lead = html::Lead {
        answer: headline::run(agg, scenario.sim.pipeline.is_some()),
        details: vec![format!(
            "means over {r} replication{}, seed {}, horizon {}",
            plural(r as u64),
            scenario.seed,
            scenario.sim.horizon.elapsed().human()
        )],
        command: Some(command.to_string()),
    };
    Ok(html::export(&Report {
        title: format!("labelsim run: {}", scenario.name),
        lead,
        sections: warnings
            .into_iter()
            .chain(rules)
            .chain(loads)
            .chain([
                Section::html("Charts", figures),
                Section::html(
                    format!(
                        "Summary ({} replications, seed {})",
                        scenario.replications, scenario.seed
                    ),
                    html::metrics_table(agg, r, &shown),
                ),
                crate::commands::common::scenario_section(scenario),
            ])
            .collect(),
    }))
}

fn print_summary(
    scenario: &Scenario,
    runs: &[RunOutput],
    agg: &Aggregate,
    dir: &Path,
    wall_s: f64,
    events: u64,
    charts: Option<(Format, &[(&str, &str)])>,
) {
    let r = runs.len();
    outln!(
        "labelsim: `{}`, {} replication{}, seed {}, horizon {}",
        scenario.name,
        r,
        plural(r as u64),
        scenario.seed,
        scenario.sim.horizon.elapsed().human()
    );
    outln!(
        "  {:<32} {:>14}   95% CI over replications",
        "metric",
        "mean"
    );
    let row = |key: &str| print_row(scenario, agg, r, key);
    // The job's rows, only when the scenario has a labeling job.
    if !scenario.sim.no_job {
        for key in job_rows(scenario) {
            row(key);
        }
    }
    // The pipeline's rows (P1–P9), when it has one.
    if let Some(p) = &scenario.sim.pipeline {
        for key in pipeline_rows(scenario, p) {
            row(&key);
        }
    }
    print_stage_loads(scenario);
    print_worst_intervals(scenario, runs);
    if !scenario.sim.no_job {
        print_job_end(runs);
    }
    outln!(
        "  {} events in {:.2} s ({} events/s)",
        labelsim::human::number(events as f64),
        wall_s,
        labelsim::human::number((events as f64 / wall_s.max(1e-9)).round())
    );
    print_results_line(dir, charts);
}

/// SPEC §4b: the offered load of every capacity stage that receives a
/// stationary stream (`model::load`), the binding one marked; nothing for
/// transient inputs (a manifest, a trace, capped producers) or batch mode.
fn print_stage_loads(scenario: &Scenario) {
    let Some(rows) = stage_load_rows(scenario) else {
        return;
    };
    outln!("  {STAGE_LOADS}");
    for [stage, load, note] in &rows {
        let note = if note.is_empty() {
            String::new()
        } else {
            format!("   {note}")
        };
        outln!("    {stage:<34} {load:>10}{note}");
    }
}

/// What the stage loads' table is, printed and on the page.
const STAGE_LOADS: &str = "offered load by capacity stage (at 1 or more it cannot keep up)";

/// Each capacity stage's offered load (`inf` for one with no capacity)
/// and note (binding, unstable); None where no stage has a stationary
/// stream.
fn stage_load_rows(scenario: &Scenario) -> Option<Vec<[String; 3]>> {
    let stages = labelsim::model::load::stage_loads(&scenario.sim);
    let binding = labelsim::model::load::binding(&stages)?;
    Some(
        stages
            .iter()
            .map(|st| {
                let load = if st.load.is_finite() {
                    format!("{:.3}", st.load)
                } else {
                    "inf".into()
                };
                let note = match (std::ptr::eq(st, binding), st.load >= 1.0) {
                    (true, true) => "binding: unstable",
                    (true, false) => "binding",
                    (false, true) => "unstable",
                    (false, false) => "",
                };
                [st.stage.to_string(), load, note.to_string()]
            })
            .collect(),
    )
}

/// `job end: in_progress in 3 of 3 (mean end 8h 0m)`: how the job ended,
/// per end state (R1/R8).
fn print_job_end(runs: &[RunOutput]) {
    let r = runs.len();
    let mut states: std::collections::BTreeMap<&str, (usize, f64)> = Default::default();
    for run in runs {
        let s = labelsim::model::metrics::job_end_state_name(run.summary.job_end_state);
        let e = states.entry(s).or_default();
        e.0 += 1;
        e.1 += run.summary.job_end_time_s;
    }
    let states: Vec<String> = states
        .iter()
        .map(|(s, (n, t))| {
            if *s == labelsim::model::metrics::NO_JOB_END_STATE {
                // SPEC §6: a pipeline without a labeling job.
                return format!("{s} in {n} of {r} (no labeling job)");
            }
            format!(
                "{s} in {n} of {r} (mean end {})",
                labelsim::human::duration(t / *n as f64)
            )
        })
        .collect();
    outln!("  job end: {}", states.join("; "));
}

/// The `results:` line: the files written, the charts among them as drawn.
fn print_results_line(dir: &Path, charts: Option<(Format, &[(&str, &str)])>) {
    match charts {
        Some((fmt, drawn)) => outln!(
            "results: {}/ (report.html, summary.json, summary.csv, timeseries.csv, timing.json, charts: {} .{})",
            dir.display(),
            drawn
                .iter()
                .map(|c| c.0)
                .collect::<Vec<_>>()
                .join(", "),
            fmt.extension()
        ),
        None => outln!(
            "results: {}/ (report.html, summary.json, summary.csv, timeseries.csv, timing.json; charts skipped)",
            dir.display()
        ),
    }
}

/// The job's rows of the printed summary, in order: [`ROWS`], the
/// warm-up, the service levels, the per-group and per-producer rows
/// (SPEC §4a, when there are several) and, with a `cost:` section,
/// [`COST_ROWS`].
fn job_rows(scenario: &Scenario) -> Vec<&'static str> {
    // With a `cost:` section, what the run cost (model/metrics.rs).
    let cost_rows: &[&'static str] = if scenario.spec.cost.is_some() {
        &COST_ROWS
    } else {
        &[]
    };
    let warmup_row =
        (scenario.sim.warmup != labelsim::model::config::Warmup::None).then_some(c::WARMUP_S);
    ROWS.into_iter()
        .chain(warmup_row)
        .chain(scenario.sim.sla.iter().map(|s| s.name))
        .chain(labelsim::model::metrics::breakdown_names(&scenario.sim))
        .chain(cost_rows.iter().copied())
        .collect()
}

/// The pipeline's rows of the printed summary (P1–P9), in order: when
/// objects became searchable (per path where results are routed to
/// people), what was indexed and how accurately, then each queue (what
/// was sent, deleted, lost to retention or the dead-letter queue, what
/// is left, how long messages waited, its requests) and each consumer
/// pool (processed, failed, routed, busy), then the costs. Rows that
/// cannot apply to this configuration (FIFO deduplication on a standard
/// queue, dead letters without a dead-letter queue, human paths without
/// a route) are left out.
fn pipeline_rows(scenario: &Scenario, p: &PipelineConfig) -> Vec<String> {
    let routed = p.consumers.iter().any(|k| k.route.is_some());
    // Accuracy says something only where a confidence below 1 is drawn.
    let scored = routed
        || p.consumers
            .iter()
            .any(|k| !matches!(k.confidence, ConfidenceDist::Constant(x) if x == 1.0));
    let mut rows: Vec<String> = Vec::new();
    let mut add = |k: &str| rows.push(k.to_string());
    add(c::SEARCHABLE_LATENCY_P50_S);
    add(c::SEARCHABLE_LATENCY_P95_S);
    if routed {
        add(c::SEARCHABLE_LATENCY_MACHINE_P95_S);
        add(c::SEARCHABLE_LATENCY_HUMAN_P95_S);
    }
    add(c::INDEXED_DOCUMENTS);
    if routed {
        add(c::MACHINE_LABELED);
        add(c::ROUTED_TO_HUMANS);
        add(c::HUMAN_LABELED);
    }
    if scored {
        add(c::ACCURACY_OVERALL);
    }
    for q in &p.queues {
        let k = |m: &str| format!("{}.{m}", q.name);
        rows.push(k("sent"));
        if q.is_fifo() {
            rows.push(k("fifo_deduplicated"));
        }
        rows.push(k("deleted"));
        rows.push(k("expired"));
        if q.dead_letter.is_some() {
            rows.push(k("dead_lettered"));
        }
        rows.push(k("visible_at_end"));
        rows.push(k("in_flight_at_end"));
        rows.push(k("queue_wait_p95_s"));
        rows.push(k("requests"));
    }
    for pool in &p.consumers {
        let k = |m: &str| format!("{}.{m}", pool.name);
        rows.push(k("processed"));
        rows.push(k("failures"));
        if pool.route.is_some() {
            rows.push(k("routed_to_humans"));
        }
        rows.push(k("utilization"));
    }
    // The job's cost rows hold the total already.
    if scenario.sim.no_job || scenario.spec.cost.is_none() {
        rows.push(c::COST_USD.to_string());
    }
    rows.push(c::SQS_COST_USD.to_string());
    rows.push(c::CONSUMER_COST_USD.to_string());
    rows.push(c::COST_PER_CORRECT_LABEL.to_string());
    rows
}

/// One row of the printed summary: `key`'s label, its mean and its 95%
/// interval over the `r` replications, in its units.
fn print_row(scenario: &Scenario, agg: &Aggregate, r: usize, key: &str) {
    let mut label = c::label(key).unwrap_or_else(|| key.to_string());
    if key == c::EXPIRED_IN_QUEUE {
        // R6 with this scenario's retention: `expired in queue (R6, 14d)`.
        if let Some(l) = label.strip_suffix(')') {
            label = format!("{l}, {})", scenario.sim.job.queue_retention.human());
        }
    }
    let Some(m) = agg.mean_of(key) else {
        // SPEC §4a: an empty sample has no value.
        outln!("  {label:<32} {:>14}   no value in any replication", "-");
        return;
    };
    let (lo, hi) = agg.ci_of(key).unwrap_or((m, m));
    // In the metric's units, as sweep and plan print them: durations,
    // dollars, shares as percentages (summary.csv keeps the numbers).
    let f = |x: f64| labelsim::human::metric(key, x);
    let value = if key == c::QUEUED_AT_END {
        format!(
            "{} / {}",
            f(m),
            labelsim::human::number(agg.mean_of(c::IN_PROGRESS_AT_END).unwrap_or(0.0))
        )
    } else {
        f(m)
    };
    let ci = if r > 1 && key != c::QUEUED_AT_END {
        // Within the metric's range, as sweep and plan print it
        // (summary.json keeps the raw Student-t bounds).
        labelsim::human::interval(key, lo, hi)
    } else {
        String::new()
    };
    outln!("  {label:<32} {value:>14}   {ci}");
}

/// The rows of the printed summary, in order (labels and units from the
/// catalog); `queued_at_end`'s row shows `in_progress_at_end` too.
const ROWS: [&str; 17] = [
    c::MESSAGES_RECEIVED,
    c::DUPLICATES_DROPPED,
    c::LOST_NOT_IN_PROGRESS,
    c::LOST_AFTER_STOP,
    c::OBJECTS_ACCEPTED,
    c::OBJECTS_LABELED,
    c::OBJECTS_FAILED,
    c::EXPIRED_IN_QUEUE,
    c::STRANDED_AT_STOP,
    c::QUEUED_AT_END,
    c::TIME_TO_LABEL_MEAN_S,
    c::TIME_TO_LABEL_P95_S,
    c::QUEUE_WAIT_MEAN_S,
    c::POOL_WAIT_MEAN_S,
    c::BACKLOG_MAX,
    c::WORKER_UTILIZATION,
    c::LABELED_PER_HOUR,
];

/// The rows printed after the others when the scenario has a `cost:`
/// section.
const COST_ROWS: [&str; 5] = [
    c::WORKER_HOURS_ON_SHIFT,
    c::COST_USD,
    c::COST_PER_LABELED_OBJECT,
    c::DUPLICATE_COST_PAID_USD,
    c::DUPLICATE_COST_AVOIDED_USD,
];
