//! End-to-end: the `labelsim` binary on every bundled scenario, on bad input
//! (R11: non-zero exit, the field and its line named, nothing written), and
//! byte-identical outputs whatever the thread count.

use crate::common::{labelsim, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Keys every run and `mean` must hold (SPEC §4).
const REQUIRED: &[&str] = &[
    "messages_received",
    "duplicates_dropped",
    "lost_not_in_progress",
    "lost_after_stop",
    "objects_accepted",
    "objects_dispatched",
    "objects_labeled",
    "objects_failed",
    "expired_in_queue",
    "stranded_at_stop",
    "queued_at_end",
    "in_progress_at_end",
    "tasks_created",
    "tasks_submitted",
    "tasks_declined",
    "tasks_timed_out",
    "tasks_expired",
    "time_to_label_mean_s",
    "time_to_label_p50_s",
    "time_to_label_p95_s",
    "time_to_label_p99_s",
    "queue_wait_mean_s",
    "pool_wait_mean_s",
    "backlog_max",
    "backlog_mean",
    "available_max",
    "worker_utilization",
    "labeled_per_hour",
    "test_events_accepted",
    "job_end_state",
    "job_end_time_s",
    "events",
];

const TIMESERIES: &[&str] = &[
    "t_s",
    "backlog",
    "available",
    "tasks_waiting",
    "tasks_in_progress",
    "workers_busy",
    "workers_on_shift",
    "labeled_total",
    "expired_total",
    "duplicates_total",
    "lost_total",
];

fn check_outputs(dir: &Path, replications: usize) {
    for f in [
        "summary.json",
        "summary.csv",
        "timeseries.csv",
        "timing.json",
        "report.html",
    ] {
        assert!(dir.join(f).is_file(), "{} missing", dir.join(f).display());
    }
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert!(doc["scenario"].is_string());
    assert_eq!(doc["replications"], replications);
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), replications);
    // SPEC §6: a pipeline without a labeling job has no job end state and
    // no job statistics of empty samples; its own metrics are required.
    let no_job = runs[0]["job_end_state"] == "none";
    // The job's charts where there is a job (issue 17: none without).
    for f in [
        "throughput.png",
        "backlog.png",
        "workers.png",
        "cumulative.png",
        "time_to_label_cdf.png",
    ] {
        assert_eq!(dir.join(f).is_file(), !no_job, "{}", dir.join(f).display());
    }
    let pipeline_keys = [
        "indexed_documents",
        "searchable_latency_mean_s",
        "processed",
    ];
    let required: Vec<&str> = if no_job {
        REQUIRED
            .iter()
            .copied()
            .filter(|k| !k.ends_with("_s") && !k.ends_with("_mean") && !k.contains("per_hour"))
            .filter(|k| *k != "worker_utilization")
            .chain(pipeline_keys)
            .collect()
    } else {
        REQUIRED.to_vec()
    };
    for key in &required {
        for r in runs {
            assert!(!r[key].is_null(), "runs[].{key} missing");
        }
        assert!(!doc["mean"][key].is_null(), "mean.{key} missing");
        // SPEC §4a: an interval needs two values; with one replication
        // there is none (null), with more it is [lo, hi].
        if *key != "job_end_state" {
            let n = doc["n"][key].as_u64().unwrap_or(replications as u64);
            if n >= 2 {
                assert_eq!(
                    doc["ci95"][key].as_array().map(|a| a.len()),
                    Some(2),
                    "ci95.{key}"
                );
            } else {
                assert!(
                    doc["ci95"][key].is_null(),
                    "ci95.{key}: one value, no interval"
                );
            }
        }
    }
    let state = runs[0]["job_end_state"].as_str().unwrap();
    assert!(
        no_job
            || [
                "completed",
                "stopped_manual",
                "stopped_idle",
                "failed",
                "in_progress"
            ]
            .contains(&state),
        "{state}"
    );
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let header: Vec<&str> = ts.lines().next().unwrap().split(',').collect();
    for c in TIMESERIES {
        assert!(header.contains(c), "timeseries.csv lacks {c}");
    }
    let summary_rows = std::fs::read_to_string(dir.join("summary.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(summary_rows, replications + 1);
    // summary.csv holds the same end state as summary.json (`none` without
    // a labeling job, SPEC §4).
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    let column = lines
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "job_end_state")
        .expect("summary.csv has job_end_state");
    let first = lines.next().unwrap().split(',').nth(column);
    assert_eq!(first, runs[0]["job_end_state"].as_str(), "summary.csv");
    // A pipeline scenario adds `<stage>.<quantity>` columns and five
    // charts (issue 10).
    let pipeline = header.iter().any(|c| c.contains('.'));
    if pipeline {
        for chart in [
            "queue_depth",
            "queue_age",
            "consumer_utilization",
            "searchable_latency_cdf",
            "queue_outcomes",
        ] {
            assert!(dir.join(format!("{chart}.png")).exists(), "{chart}.png");
        }
    }
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<img ").count(),
        if no_job { 0 } else { 5 }
            + if pipeline { 5 } else { 0 }
            // Issue 21: an autoscaled or scheduled pool adds
            // `consumer_scaling` (tests/it/autoscale.rs checks which).
            + usize::from(dir.join("consumer_scaling.png").exists()),
        "report.html embeds every chart"
    );
    assert!(
        !html.contains("src=\"http"),
        "report.html is self-contained"
    );
    let first_chart = if no_job {
        "queue_depth.png"
    } else {
        "backlog.png"
    };
    let png = std::fs::read(dir.join(first_chart)).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let timing: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("timing.json")).unwrap()).unwrap();
    for k in ["wall_s", "events", "events_per_s"] {
        assert!(timing[k].is_number(), "timing.{k}");
    }
}

fn bundled_scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir("scenarios")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    assert!(v.len() >= 6, "at least six bundled scenarios");
    v
}

#[test]
fn every_bundled_scenario_validates_and_runs() {
    for path in bundled_scenarios() {
        let p = path.to_str().unwrap();
        let v = labelsim(&["validate", p]);
        assert!(v.status.success(), "validate {p}: {}", stderr(&v));
        let out = tmp();
        let dir = out.path().join("r");
        let o = labelsim(&[
            "run",
            p,
            "--out",
            dir.to_str().unwrap(),
            "--replications",
            "2",
            "--quiet",
        ]);
        assert!(o.status.success(), "run {p}: {}", stderr(&o));
        check_outputs(&dir, 2);
    }
}

#[test]
fn run_without_a_file_uses_the_bundled_quickstart() {
    let out = tmp();
    let dir = out.path().join("qs");
    let o = labelsim(&["run", "--out", dir.to_str().unwrap(), "--replications", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("quickstart"), "{stdout}");
    assert!(stdout.contains("objects labeled"), "{stdout}");
    check_outputs(&dir, 1);
}

#[test]
fn a_pipeline_without_a_job_has_job_end_state_none_in_every_output() {
    // SPEC §4/§6 (issue 17): `none`, never an empty string, in
    // summary.json, summary.csv and the printed summary.
    let out = tmp();
    let scenario = out.path().join("nojob.yaml");
    std::fs::write(
        &scenario,
        r#"name: nojob
horizon: 60s
producers:
  - {name: up, kind: poisson, rate: 1/s, to: incoming}
pipeline:
  queues: [{name: incoming}]
  consumers:
    - {name: classifier, queue: incoming, processing_time: {dist: constant, value: 100ms}}
"#,
    )
    .unwrap();
    let dir = out.path().join("r");
    let o = labelsim(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--replications",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The printed summary has no job rows at all (tests/pipeline_charts.rs);
    // the files say `none`.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert_eq!(doc["runs"][0]["job_end_state"], "none");
    assert_eq!(doc["runs"][1]["job_end_state"], "none");
    assert_eq!(doc["mean"]["job_end_state"], "none");
    // SPEC §4a: no job, so no levels of one to average (null, not 0);
    // the maxima are counts and stay 0.
    for key in ["backlog_mean", "available_mean"] {
        assert!(doc["runs"][0][key].is_null(), "{key}: {}", doc["runs"][0]);
        assert!(doc["mean"][key].is_null(), "{key}");
        assert_eq!(doc["n"][key], 0, "{key}");
    }
    assert_eq!(doc["runs"][0]["backlog_max"], 0);
    check_outputs(&dir, 2);
}

#[test]
fn default_output_folder_is_results_slash_scenario_name() {
    let out = tmp();
    let scenario = std::fs::canonicalize("scenarios/quickstart.yaml").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--replications",
            "1",
            "-q",
        ])
        .current_dir(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    check_outputs(&out.path().join("results/quickstart"), 1);
}

#[test]
fn outputs_are_byte_identical_on_one_and_four_threads() {
    let out = tmp();
    let a = out.path().join("a");
    let b = out.path().join("b");
    for (dir, threads) in [(&a, "1"), (&b, "4")] {
        let o = labelsim(&[
            "run",
            "scenarios/duplicates.yaml",
            "--out",
            dir.to_str().unwrap(),
            "--replications",
            "6",
            "--threads",
            threads,
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    for f in [
        "summary.json",
        "summary.csv",
        "timeseries.csv",
        "throughput.png",
        "backlog.png",
        "workers.png",
        "cumulative.png",
        "time_to_label_cdf.png",
        "report.html",
    ] {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{f} differs between 1 and 4 threads");
    }
}

#[test]
fn seed_and_replications_flags_override_the_scenario() {
    let out = tmp();
    let run = |seed: &str, dir: &str| {
        let d = out.path().join(dir);
        let o = labelsim(&[
            "run",
            "scenarios/quickstart.yaml",
            "--out",
            d.to_str().unwrap(),
            "--seed",
            seed,
            "--replications",
            "2",
            "-q",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read_to_string(d.join("summary.json")).unwrap()
    };
    let s1 = run("1", "s1");
    let s1b = run("1", "s1b");
    let s2 = run("2", "s2");
    assert_eq!(s1, s1b);
    assert_ne!(s1, s2);
    assert!(s1.contains("\"seed\": 1"));
}

/// (what is wrong, the field the message must name, the scenario text)
/// Issue 17: report.html had no headline, raw seconds and fractions, a
/// negative interval bound the terminal clips, no --replications or --seed
/// in what it echoed, and a stray `charts: not checked`.
#[test]
fn report_html_leads_with_the_answer_in_the_terminals_units() {
    let out = tmp();
    let d = out.path().join("r");
    let o = labelsim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--out",
        d.to_str().unwrap(),
        "--seed",
        "7",
        "--replications",
        "3",
        "--set",
        "horizon=10d",
        "--threads",
        "2",
        "--no-charts",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    let html = std::fs::read_to_string(d.join("report.html")).unwrap();
    // The headline, before everything else, with the figures the terminal
    // printed.
    let answer = html
        .split("<p class=\"answer\">")
        .nth(1)
        .and_then(|a| a.split("</p>").next())
        .expect("a headline");
    let row = |label: &str| {
        printed
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("{label} in {printed}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let p95_row = row("time to label, p95");
    let p95 = p95_row
        .strip_prefix("time to label, p95 ")
        .and_then(|r| r.split(" [").next())
        .unwrap();
    assert!(
        answer.contains(&format!("p95 time to label {p95}")),
        "{answer} vs {p95_row}"
    );
    assert!(
        answer.contains(" labeled, ") && answer.ends_with(" expired"),
        "{answer}"
    );
    assert!(html.find("class=\"answer\"") < html.find("<nav>"));
    // The same units and intervals as the terminal.
    let ci = p95_row.split(" [").nth(1).unwrap();
    assert!(
        html.contains(&format!(
            "<td>time_to_label_p95_s</td><td>{p95}</td><td>[{ci}</td>"
        )),
        "{p95_row}"
    );
    let util = row("worker utilization");
    let util = util.split_whitespace().nth(2).unwrap();
    assert!(util.ends_with('%'));
    assert!(html.contains(&format!("<td>worker_utilization</td><td>{util}</td>")));
    assert!(!html.contains("<td>[-"), "no negative interval bound");
    // Every flag that changes the results, none that does not.
    assert!(html.contains(
        "$ labelsim run scenarios/quickstart.yaml --set horizon=10d --seed 7 --replications 3"
    ));
    assert!(!html.contains("--threads") && !html.contains("--out"));
    assert!(!html.contains("not checked"));
}

fn bad_inputs() -> Vec<(&'static str, &'static str, String)> {
    let base = |job: &str, extra: &str| {
        format!(
            "name: bad\nhorizon: 1d\njob:\n  {job}\nproducers:\n  - {{name: p, kind: poisson, rate: 10/h}}\n{extra}workers:\n  - {{count: 2, service_time: {{dist: exponential, mean: 5m}}}}\n"
        )
    };
    vec![
        ("K = 0", "job.max_concurrent_task_count", base("max_concurrent_task_count: 0", "")),
        ("K > 5000", "job.max_concurrent_task_count", base("max_concurrent_task_count: 6000", "")),
        ("N = 0", "job.workers_per_object", base("workers_per_object: 0", "")),
        ("N > 9", "job.workers_per_object", base("workers_per_object: 10", "")),
        (
            "K <= N",
            "job.max_concurrent_task_count",
            base("max_concurrent_task_count: 2\n  workers_per_object: 2", ""),
        ),
        ("time limit < 30s", "job.task_time_limit", base("task_time_limit: 10s", "")),
        ("time limit > 8h", "job.task_time_limit", base("task_time_limit: 9h", "")),
        (
            "lifetime < 60s",
            "job.task_availability_lifetime",
            base("task_availability_lifetime: 30s", ""),
        ),
        (
            "lifetime > 30d",
            "job.task_availability_lifetime",
            base("task_availability_lifetime: 31d", ""),
        ),
        (
            "mturk lifetime > 12h",
            "job.task_availability_lifetime",
            base("workforce: mturk\n  task_availability_lifetime: 13h", ""),
        ),
        ("retention > 14d", "job.queue_retention", base("queue_retention: 60d", "")),
        ("dedup key pattern", "job.dedup_key", base("dedup_key: bad_key!", "")),
        ("label attribute with $", "job.label_attribute_name", base("label_attribute_name: a$b", "")),
        (
            "S3 with a text task",
            "producers[1].source",
            base(
                "task_type: text_classification",
                "  - {name: s, kind: poisson, rate: 1/h, source: s3}\n",
            ),
        ),
        (
            "probability > 1",
            "producers[1].duplicates.sns_redelivery",
            base(
                "initializing: 5m",
                "  - {name: d, kind: poisson, rate: 1/h, duplicates: {sns_redelivery: 1.5}}\n",
            ),
        ),
        (
            "negative count",
            "producers[1].count",
            base("initializing: 5m", "  - {name: m, kind: manifest, count: -3}\n"),
        ),
        (
            "negative rate",
            "producers[1].rate",
            base("initializing: 5m", "  - {name: n, kind: poisson, rate: -4/h}\n"),
        ),
        ("duration without unit", "job.initializing", base("initializing: 300", "")),
        (
            "horizon zero",
            "horizon",
            "name: bad\nhorizon: 0s\n".to_string(),
        ),
        (
            "unknown key",
            "job.max_concurent_task_count",
            base("max_concurent_task_count: 10", ""),
        ),
        ("unknown enum value", "job.refill_rule", base("refill_rule: lifo", "")),
        (
            "unknown producer kind",
            "producers[1].kind",
            base("initializing: 5m", "  - {name: x, kind: geyser}\n"),
        ),
        (
            "missing trace file",
            "producers[1].csv",
            base("initializing: 5m", "  - {name: t, kind: trace, csv: nowhere.csv}\n"),
        ),
        (
            "decline probability < 0",
            "workers[0].decline_probability",
            "name: bad\nhorizon: 1d\nworkers:\n  - count: 1\n    decline_probability: -0.1\n    service_time: {dist: exponential, mean: 5m}\n"
                .to_string(),
        ),
    ]
}

/// Line of the first mention of the field's last key in the text (what the
/// message must point at).
fn expected_line(text: &str, field: &str) -> usize {
    let last = field.rsplit('.').next().unwrap();
    let key = last.split('[').next().unwrap();
    let producer_index: Option<usize> = field
        .strip_prefix("producers[")
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse().ok());
    let lines: Vec<&str> = text.lines().collect();
    if let Some(i) = producer_index {
        // The i-th "  - " item under producers.
        let start = lines.iter().position(|l| *l == "producers:").unwrap();
        let item = lines[start + 1..]
            .iter()
            .enumerate()
            .filter(|(_, l)| l.starts_with("  - "))
            .nth(i)
            .unwrap()
            .0;
        return start + 1 + item + 1;
    }
    lines
        .iter()
        .position(|l| l.contains(&format!("{key}:")))
        .map(|i| i + 1)
        .unwrap()
}

#[test]
fn every_bad_input_exits_nonzero_names_field_and_line_and_writes_nothing() {
    let out = tmp();
    for (what, field, text) in bad_inputs() {
        let file = out.path().join("bad.yaml");
        std::fs::write(&file, &text).unwrap();
        let dir = out.path().join("never");
        let o = labelsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: exit code; stderr: {err}");
        assert!(
            err.contains(field),
            "{what}: message does not name `{field}`: {err}"
        );
        let line = expected_line(&text, field);
        assert!(
            err.contains(&format!("bad.yaml:{line}")),
            "{what}: message lacks line {line}: {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{what}: {err}"
        );
        assert!(!dir.exists(), "{what}: output written despite the error");
        let v = labelsim(&["validate", file.to_str().unwrap()]);
        assert_eq!(v.status.code(), Some(2), "{what}: validate exit code");
    }
}

#[test]
fn lenient_turns_service_limits_into_warnings_but_not_structural_errors() {
    let out = tmp();
    let file = out.path().join("whatif.yaml");
    std::fs::write(
        &file,
        "name: whatif\nhorizon: 1d\njob:\n  queue_retention: 60d\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}}]\n",
    )
    .unwrap();
    let strict = labelsim(&["validate", file.to_str().unwrap()]);
    assert_eq!(strict.status.code(), Some(2));
    let lenient = labelsim(&["validate", file.to_str().unwrap(), "--lenient"]);
    assert!(lenient.status.success(), "{}", stderr(&lenient));
    assert!(stderr(&lenient).contains("warning"), "{}", stderr(&lenient));
    std::fs::write(
        &file,
        "name: whatif\nhorizon: 1d\njob:\n  max_concurrent_task_count: 0\n",
    )
    .unwrap();
    let structural = labelsim(&["validate", file.to_str().unwrap(), "--lenient"]);
    assert_eq!(structural.status.code(), Some(2));
}

#[test]
fn validate_reports_every_problem_not_just_the_first() {
    let out = tmp();
    let file = out.path().join("many.yaml");
    std::fs::write(
        &file,
        "name: many\nhorizon: 1d\njob:\n  max_concurrent_task_count: 0\n  task_time_limit: 1s\n  refill_rule: lifo\n",
    )
    .unwrap();
    let o = labelsim(&["validate", file.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(err.contains("3 problems"), "{err}");
    for (field, line) in [
        ("max_concurrent_task_count", 4),
        ("task_time_limit", 5),
        ("refill_rule", 6),
    ] {
        assert!(
            err.contains(&format!("many.yaml:{line}: job.{field}")),
            "{err}"
        );
    }
}

#[test]
fn a_missing_scenario_file_is_a_clear_error() {
    let o = labelsim(&["run", "no/such/file.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
}

#[test]
fn yaml_syntax_errors_carry_their_line() {
    let out = tmp();
    let file = out.path().join("broken.yaml");
    std::fs::write(
        &file,
        "name: broken\nhorizon: 1d\njob: {mode: streaming\nworkers: []\n",
    )
    .unwrap();
    let o = labelsim(&["validate", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("broken.yaml:"), "{}", stderr(&o));
}

/// A pipeline reads as a pipeline: its queues and consumers, and the job's
/// workforce only where there is a job.
#[test]
fn validate_names_a_pipelines_queues_and_consumers() {
    let said = |file: &str| {
        let o = labelsim(&["validate", file]);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let only = said("scenarios/pipeline-seed.yaml");
    assert!(
        only.contains("(scenario `pipeline-seed`, 1 producer, 1 queue, 1 consumer, horizon 6h)"),
        "{only}"
    );
    let hybrid = said("scenarios/pipeline-hybrid.yaml");
    assert!(
        hybrid.contains("6 workers in 1 group, 1 queue, 1 consumer, horizon 8h"),
        "{hybrid}"
    );
}

#[test]
fn validate_checks_a_scenario_with_set_overrides_as_run_would_run_it() {
    let ok = labelsim(&[
        "validate",
        "scenarios/quickstart.yaml",
        "--set",
        "workers[team].count=12",
    ]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let out = String::from_utf8_lossy(&ok.stdout).to_string();
    assert!(out.contains("12 workers in 1 group, horizon 30d"), "{out}");
    let bad = labelsim(&[
        "validate",
        "scenarios/quickstart.yaml",
        "--set",
        "workers[tam].count=12",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("no item named `tam`"),
        "{}",
        stderr(&bad)
    );
    let limit = labelsim(&[
        "validate",
        "scenarios/quickstart.yaml",
        "--set",
        "job.workers_per_object=10",
    ]);
    assert_eq!(limit.status.code(), Some(2));
    assert!(
        stderr(&limit).contains("workers_per_object"),
        "{}",
        stderr(&limit)
    );
}

/// `--threads` past 1024 is refused at parse time (a pool of 100,000
/// threads ran for minutes on a 2-core machine).
#[test]
fn threads_past_1024_are_refused() {
    let o = labelsim(&["run", "--threads", "100000", "--replications", "1"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--threads"), "{}", stderr(&o));
}
