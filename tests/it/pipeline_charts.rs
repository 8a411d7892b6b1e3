//! Issue 10: the charts of a pipeline run (`labelsim run`) and of a sweep
//! over a routing threshold (`labelsim sweep`), each listed with a caption
//! in report.html; a run without a pipeline draws none of them.

use std::path::Path;
use std::process::{Command, Output};

use crate::common;

fn labelsim(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .output()
        .expect("run labelsim");
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The visibility trap of tests/pipeline.rs, with every result routed to
/// one human.
const TRAP: &str = r#"
name: trap
horizon: 100s
producers:
  - {name: one, kind: burst, size: 1, every: 1d, to: incoming}
pipeline:
  queues:
    - {name: incoming, type: standard, visibility_timeout: 30s}
  consumers:
    - name: classifier
      queue: incoming
      count: 2
      batch: 1
      wait: 20s
      request_latency: 0ms
      processing_time: {dist: constant, value: 45s}
      confidence: {dist: constant, value: 0.5}
      route: {threshold: 0.9}
  index: {bulk_size: 1, flush_interval: 0s, bulk_latency: {dist: constant, value: 0ms},
          concurrency: 1, refresh_interval: 0s}
job: {initializing: 0s, workers_per_object: 1}
workers:
  - {name: team, count: 1, service_time: {dist: constant, value: 1s}}
output: {timeseries_every: 10s}
"#;

const PIPELINE_CHARTS: [&str; 5] = [
    "queue_depth",
    "queue_age",
    "consumer_utilization",
    "searchable_latency_cdf",
    "queue_outcomes",
];

#[test]
fn a_pipeline_run_draws_its_charts_and_lists_them_in_the_report() {
    let t = tempfile::tempdir().unwrap();
    let sc = t.path().join("trap.yaml");
    std::fs::write(&sc, TRAP).unwrap();
    let out = t.path().join("out");
    let o = labelsim(&["run", s(&sc), "--replications", "2", "--out", s(&out)]);
    let printed = String::from_utf8_lossy(&o.stdout);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    for chart in PIPELINE_CHARTS {
        let png = std::fs::read(out.join(format!("{chart}.png"))).unwrap();
        assert!(png.starts_with(b"\x89PNG"), "{chart}");
        assert!(printed.contains(chart), "{chart} in the printed list");
    }
    // Results routed to people: the job's rows and the pipeline's.
    for row in [
        "objects labeled",
        "job end:",
        "indexed documents",
        "incoming: sent",
    ] {
        assert!(printed.contains(row), "{row} in {printed}");
    }
    // The job's five charts and the pipeline's five, each with a caption.
    assert_eq!(report.matches("<img").count(), 10);
    assert_eq!(report.matches("<figcaption>").count(), 10);
    assert!(report.contains("age of the oldest message"));
    assert!(report.contains("per path: machine labels and human labels"));
}

#[test]
fn a_run_without_a_pipeline_draws_no_pipeline_chart() {
    let t = tempfile::tempdir().unwrap();
    let sc = t.path().join("plain.yaml");
    std::fs::write(
        &sc,
        "name: plain\nhorizon: 1h\nproducers:\n  - {name: p, kind: poisson, rate: 10/h}\n\
         workers:\n  - {name: w, count: 1, service_time: {dist: constant, value: 1m}}\n",
    )
    .unwrap();
    let out = t.path().join("out");
    labelsim(&["run", s(&sc), "-q", "--out", s(&out)]);
    for chart in PIPELINE_CHARTS {
        assert!(!out.join(format!("{chart}.png")).exists(), "{chart}");
    }
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(report.matches("<img").count(), 5);
}

#[test]
fn a_sweep_over_a_routing_threshold_draws_the_trade_off_chart() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("sweep");
    labelsim(&[
        "sweep",
        "scenarios/pipeline-hybrid.yaml",
        "--vary",
        "pipeline.consumers[classifier].route.threshold=0.7,0.9",
        "--metric",
        "accuracy_overall",
        "--replications",
        "2",
        "-q",
        "--out",
        s(&out),
    ]);
    let png = std::fs::read(out.join("sweep_threshold_tradeoff.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(
        report.matches("<img").count(),
        2,
        "the metric and the trade-off"
    );
    assert!(report.contains("against the routing threshold, cost per correct label"));

    // Another parameter: no trade-off chart.
    let other = t.path().join("other");
    labelsim(&[
        "sweep",
        "scenarios/pipeline-hybrid.yaml",
        "--vary",
        "pipeline.consumers[classifier].count=2,4",
        "--metric",
        "accuracy_overall",
        "-q",
        "--out",
        s(&other),
    ]);
    assert!(!other.join("sweep_threshold_tradeoff.png").exists());
}

/// A pipeline without a labeling job (issue 17): a burst of 100 messages
/// read by one poller at 2 s each over 101 s: 50 indexed, 49 visible and
/// 1 in flight at the end, the poller busy throughout; $1.01 for it.
const NO_JOB: &str = r#"
name: no-job
horizon: 101s
producers:
  - {name: burst, kind: burst, size: 100, every: 1d, to: work}
pipeline:
  queues:
    - {name: work, type: standard, visibility_timeout: 30s}
  consumers:
    - {name: pool, queue: work, count: 1, batch: 1, wait: 20s, request_latency: 0ms,
       processing_time: {dist: constant, value: 2s}}
  index: {bulk_size: 1, flush_interval: 0s, bulk_latency: {dist: constant, value: 0ms},
          concurrency: 1, refresh_interval: 0s}
cost: {consumer_per_hour: 36, sqs_per_million_requests: 0}
output: {timeseries_every: 10s}
"#;

#[test]
fn a_pipeline_only_run_prints_and_draws_no_job() {
    let t = tempfile::tempdir().unwrap();
    let sc = t.path().join("no-job.yaml");
    std::fs::write(&sc, NO_JOB).unwrap();
    let out = t.path().join("out");
    let o = labelsim(&[
        "run",
        s(&sc),
        "--replications",
        "2",
        "--format",
        "svg",
        "--out",
        s(&out),
    ]);
    let printed = String::from_utf8_lossy(&o.stdout);
    let row = |label: &str| -> String {
        printed
            .lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no row `{label}` in {printed}"))
            .trim_start()[label.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_string()
    };
    for (label, want) in [
        ("indexed documents", "50"),
        ("searchable latency, p50", "50"),
        ("work: sent", "100"),
        ("work: deleted", "50"),
        ("work: visible at end", "49"),
        ("work: in flight at end", "1"),
        ("pool: processed", "50"),
        ("pool: utilization", "100.00%"),
        ("cost [USD]", "$1.01"),
    ] {
        assert_eq!(row(label), want, "{label}");
    }
    // No job: none of its rows, no end state.
    for job in [
        "messages received",
        "objects labeled",
        "time to label",
        "worker utilization",
        "job end",
    ] {
        assert!(!printed.contains(job), "`{job}` in {printed}");
    }
    // The pipeline's charts only, each drawing data, listed and embedded.
    let mut svgs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|f| f.strip_suffix(".svg").map(str::to_string))
        .collect();
    svgs.sort();
    let mut want = PIPELINE_CHARTS.to_vec();
    want.sort();
    assert_eq!(svgs, want);
    for chart in PIPELINE_CHARTS {
        let svg = std::fs::read_to_string(out.join(format!("{chart}.svg"))).unwrap();
        assert!(common::svg_draws_data(&svg), "{chart} draws no data");
    }
    assert!(printed.contains(&format!("charts: {} .svg", PIPELINE_CHARTS.join(", "))));
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(common::figcaptions(&report).len(), PIPELINE_CHARTS.len());
    // The pipeline's rules, not the job's.
    assert!(report.contains("messages moved to a dead-letter queue"));
    assert!(!report.contains("objects expired after waiting in the queue"));
    assert!(!report.contains("objects_labeled"));
    // summary.json keeps every key of the contract.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for key in ["objects_labeled", "job_end_state", "indexed_documents"] {
        assert!(json["mean"].get(key).is_some(), "{key}");
    }
}

/// SPEC §4b for a pipeline alone: by_interval.png draws what its rows
/// hold, the searchable latency (mean and p95) by interval of upload on a
/// time axis, not the job's shares (empty without a job, so nothing was
/// drawn).
#[test]
fn a_pipeline_alone_draws_its_searchable_latency_by_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("scenarios/pipeline-seed.yaml")
        .unwrap()
        .replace("horizon: 6h", "horizon: 1d")
        + "output: {by_interval: 1h}\n";
    let path = common::write_scenario(tmp.path(), "seed.yaml", &text);
    let out = tmp.path().join("out");
    labelsim(&[
        "run",
        s(&path),
        "--replications",
        "2",
        "--format",
        "svg",
        "-q",
        "--out",
        s(&out),
    ]);
    let svg = std::fs::read_to_string(out.join("by_interval.svg")).unwrap();
    assert!(common::svg_draws_data(&svg));
    for text in [
        "searchable_latency_p95_s",
        "searchable_latency_mean_s",
        "latency [s], documents of the interval",
        "interval of upload or first send",
    ] {
        assert!(svg.contains(text), "{text}");
    }
    assert!(!svg.contains("delay_probability") && !svg.contains("share of the objects"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Searchable latency by interval of upload"));
}

/// A pipeline's report says what each of its rules did (P1 expired and
/// dead-lettered, P3 duplicates, P5 failures, P8 overwrites...), in run's
/// table and in sweep's per-point one, and not the job's rules, which
/// have nothing to count without a job.
#[test]
fn a_pipeline_alone_reports_what_each_of_its_rules_did() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    labelsim(&[
        "run",
        "scenarios/pipeline-poison-dlq.yaml",
        "--no-charts",
        "-q",
        "--out",
        s(&out),
    ]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("What each rule did"));
    assert!(html.contains("messages moved to a dead-letter queue after their last receive"));
    assert!(!html.contains("objects expired after waiting in the queue"));

    let out = tmp.path().join("sweep");
    labelsim(&[
        "sweep",
        "scenarios/pipeline-seed.yaml",
        "--vary",
        "pipeline.consumers[classifier].count=2..3:1",
        "--set",
        "horizon=30m",
        "--replications",
        "2",
        "--no-charts",
        "-q",
        "--out",
        s(&out),
    ]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("P1 dead-lettered") && html.contains("P8 index overwrites"));
    assert!(!html.contains("R6 expired in queue"));
}
