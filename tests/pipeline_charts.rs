//! Issue 10: the charts of a pipeline run (`labelsim run`) and of a sweep
//! over a routing threshold (`labelsim sweep`), each listed with a caption
//! in report.html; a run without a pipeline draws none of them.

use std::path::Path;
use std::process::{Command, Output};

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
