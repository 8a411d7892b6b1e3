//! A3 (issue 21): a consumer's `count` as a step schedule through the
//! scenario file: validation with field and line, the pollers it runs
//! (A4 metrics, time series, cost) and the stability guard at its mean
//! count.

use crate::common::{metric_value, run, try_scenario};

/// No messages; a consumer of `count` (YAML) over a 2-day horizon sampled
/// every hour.
fn idle(count: &str) -> String {
    format!(
        r#"name: sched
horizon: 2d
start_at: 2026-01-05T00:00:00Z
producers:
  - {{name: s, kind: poisson, rate: 1/h, to: incoming}}
pipeline:
  queues:
    - {{name: incoming, type: standard}}
  consumers:
    - name: classifier
      queue: incoming
      count: {count}
      processing_time: {{dist: constant, value: 1s}}
cost: {{consumer_per_hour: 0.5}}
output: {{timeseries_every: 1h}}
"#
    )
}

#[test]
fn a_daily_poller_schedule_runs_its_steps_and_pays_its_poller_hours() {
    // 4 pollers 08:00–20:00, 1 otherwise: 12×4 + 12×1 = 60 poller-hours a day.
    let out = run(&idle(
        r#"{schedule: [{from: "00:00", count: 1}, {from: "08:00", count: 4}, {from: "20:00", count: 1}], cycle: 1d}"#,
    ));
    let hours = metric_value(&out, "classifier.poller_hours").unwrap();
    assert!((hours - 120.0).abs() < 1e-6, "{hours}");
    assert!((metric_value(&out, "classifier.pollers_mean").unwrap() - 2.5).abs() < 1e-9);
    assert_eq!(metric_value(&out, "classifier.pollers_max"), Some(4.0));
    // One scale-out each 08:00 (the 1 poller at the start is none), one
    // scale-in each 20:00.
    assert_eq!(metric_value(&out, "classifier.scale_outs"), Some(2.0));
    assert_eq!(metric_value(&out, "classifier.scale_ins"), Some(2.0));
    // Priced by the poller-hours run, not the largest step all the time.
    let cost = metric_value(&out, "consumer_cost_usd").unwrap();
    assert!((cost - 120.0 * 0.5).abs() < 1e-6, "{cost}");
    // The time series carries the pollers in force.
    let p = out.pipeline.as_ref().unwrap();
    let col = p.series.column("classifier.pollers").expect("column");
    let at = |h: f64| {
        let i = out
            .timeseries
            .iter()
            .position(|s| s.t_s == h * 3600.0)
            .unwrap();
        p.series.row(i)[col]
    };
    assert_eq!((at(7.0), at(9.0), at(21.0), at(32.0)), (1.0, 4.0, 1.0, 4.0));
}

#[test]
fn bad_consumer_schedules_are_named_with_field_and_line() {
    let e = try_scenario(&idle(
        r#"{schedule: [{from: "09:00", count: 2}, {from: "08:00", count: 1}], cycle: 1d}"#,
    ))
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("pipeline.consumers[0].count.schedule[1].from")
            && e.contains("comes before")
            && e.contains("test.yaml:12:"),
        "{e}"
    );
    let e = try_scenario(&idle(r#"{schedule: [{from: "mon 09:00", count: -1}]}"#))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("pipeline.consumers[0].count.schedule[0].count") && e.contains("negative"),
        "{e}"
    );
    let e = try_scenario(
        &idle(r#"{schedule: [{from: "09:00", count: 1}], cycle: 1d}"#).replace(
            "      processing_time:",
            "      scaling: {kind: target_tracking}\n      processing_time:",
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("pipeline.consumers[0].count") && e.contains("autoscaled"),
        "{e}"
    );
    let e = try_scenario(&idle("many")).unwrap_err().to_string();
    assert!(
        e.contains("pipeline.consumers[0].count") && e.contains("schedule"),
        "{e}"
    );
}

/// 3600 messages an hour at 1 s each (no request latency): one poller's
/// worth, the consumer stage's load under `count` (YAML).
fn one_poller_of_work(count: &str) -> f64 {
    let yaml = one_poller_of_work_yaml(count);
    let s = try_scenario(&yaml).unwrap();
    let stages = labelsim::model::load::stage_loads(&s.sim);
    stages
        .iter()
        .find(|st| st.stage == "consumers[classifier]")
        .expect("consumer stage")
        .load
}

fn one_poller_of_work_yaml(count: &str) -> String {
    idle(count).replace("rate: 1/h", "rate: 3600/h").replace(
        "processing_time: {dist: constant, value: 1s}",
        "processing_time: {dist: constant, value: 1s}\n      request_latency: 0ms",
    )
}

#[test]
fn the_stability_guard_uses_the_mean_of_the_steps() {
    // A3, SPEC §4b: none 00:00–06:00, 2 pollers after: 1.5 on average,
    // load 1 / 1.5 (the largest step alone would say 0.5).
    let load = one_poller_of_work(
        r#"{schedule: [{from: "00:00", count: 0}, {from: "06:00", count: 2}], cycle: 1d}"#,
    );
    assert!((load - 2.0 / 3.0).abs() < 1e-9, "{load}");
    // One poller 00:00–12:00, none after: half a poller for one poller's
    // work, load 2; the run shows why: the queue gains about 43,200
    // messages a day (12 h × 3600/h that nobody takes).
    let half = r#"{schedule: [{from: "00:00", count: 1}, {from: "12:00", count: 0}], cycle: 1d}"#;
    assert!((one_poller_of_work(half) - 2.0).abs() < 1e-9);
    let out = run(&one_poller_of_work_yaml(half));
    let backlog = metric_value(&out, "incoming.visible_at_end").unwrap();
    assert!(backlog > 70_000.0, "{backlog}");
}

#[test]
fn a_scheduled_pool_gets_the_pollers_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("sched.yaml");
    std::fs::write(
        &file,
        idle(r#"{schedule: [{from: "00:00", count: 1}, {from: "08:00", count: 4}], cycle: 1d}"#),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = crate::common::labelsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let png = std::fs::read(out.join("consumer_scaling.png")).expect("the chart");
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn a_fixed_pool_reports_the_a4_metrics_of_its_count() {
    // A4 for every consumer: 3 pollers all the time over 2 days are 144
    // poller-hours, a mean and a maximum of 3, no scaling; the time series
    // carries the 3.
    let out = run(&idle("3"));
    assert_eq!(metric_value(&out, "classifier.pollers_mean"), Some(3.0));
    assert_eq!(metric_value(&out, "classifier.pollers_max"), Some(3.0));
    let hours = metric_value(&out, "classifier.poller_hours").unwrap();
    assert!((hours - 144.0).abs() < 1e-9, "{hours}");
    assert_eq!(metric_value(&out, "classifier.scale_outs"), Some(0.0));
    assert_eq!(metric_value(&out, "classifier.scale_ins"), Some(0.0));
    let cost = metric_value(&out, "consumer_cost_usd").unwrap();
    assert!((cost - 144.0 * 0.5).abs() < 1e-6, "{cost}");
    let p = out.pipeline.as_ref().unwrap();
    let col = p.series.column("classifier.pollers").expect("column");
    assert!((0..out.timeseries.len()).all(|i| p.series.row(i)[col] == 3.0));
}
