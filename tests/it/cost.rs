//! The cost model: tiered per-object prices, per-task rewards, wages per
//! on-shift worker-hour, and the cost of duplicates paid or avoided under
//! each deduplication key. Expectations computed by hand.

use crate::common;
use common::*;
use labelsim::model::config::CostConfig;

#[test]
fn service_default_tiers() {
    let c = CostConfig::service_default();
    assert_eq!(c.objects_cost(0), 0.0);
    assert!((c.objects_cost(10) - 0.8).abs() < 1e-9);
    // 50,000 × 0.08 + 10,000 × 0.04
    assert!((c.objects_cost(60_000) - 4_400.0).abs() < 1e-6);
    // 4,000 + 950,000 × 0.04 + 200,000 × 0.02
    assert!((c.objects_cost(1_200_000) - 46_000.0).abs() < 1e-6);
}

#[test]
fn run_cost_adds_objects_tasks_and_wages() {
    // 10 objects, 2 always-on workers for the whole 1-day run (no stop):
    // 10 × $0.10 + 10 tasks × $0.50 + 48 worker-hours × $20 = $966.
    let s = run(r#"
name: c
horizon: 1d
job: {initializing: 0s}
producers: [{name: m, kind: manifest, count: 10}]
workers: [{count: 2, service_time: {dist: constant, value: 30m}}]
cost: {per_object: 0.10, per_task: 0.50, wage_per_worker_hour: 20}
"#)
    .summary;
    assert_eq!(s.worker_hours_on_shift, 48.0);
    assert!((s.cost_usd - 966.0).abs() < 1e-9, "{}", s.cost_usd);
    assert!((s.cost_per_labeled_object.unwrap() - 96.6).abs() < 1e-9);
}

#[test]
fn uncaught_duplicates_are_paid_and_caught_ones_avoided() {
    let yaml = |key: &str| {
        format!(
            "name: d\nhorizon: 1h\njob: {{initializing: 0s, dedup_key: {key}}}\n\
             producers: [{{name: p, kind: burst, size: 10, duplicates: {{producer_retry: 1.0}}}}]\n\
             workers: [{{count: 20, service_time: {{dist: constant, value: 1m}}}}]\ncost: {{per_object: 0.10}}\n"
        )
    };
    let by_id = run(&yaml("sns_message_id")).summary;
    assert_eq!(by_id.duplicate_objects_accepted, 10);
    assert!((by_id.duplicate_cost_paid_usd - 1.0).abs() < 1e-9);
    assert_eq!(by_id.duplicate_cost_avoided_usd, 0.0);
    assert!((by_id.cost_usd - 2.0).abs() < 1e-9);
    let by_ref = run(&yaml("source-ref")).summary;
    assert_eq!(by_ref.duplicate_objects_accepted, 0);
    assert_eq!(by_ref.duplicate_cost_paid_usd, 0.0);
    assert!((by_ref.duplicate_cost_avoided_usd - 1.0).abs() < 1e-9);
    assert!((by_ref.cost_usd - 1.0).abs() < 1e-9);
}

#[test]
fn bad_cost_sections_are_rejected() {
    let err = try_scenario("name: x\nhorizon: 1d\ncost:\n  per_task: -1\n").unwrap_err();
    assert_eq!(err.problems[0].field, "cost.per_task");
    assert_eq!(err.problems[0].line, Some(4));
    let err = try_scenario(
        "name: x\nhorizon: 1d\ncost:\n  per_object: [{up_to: 100, price: 0.1}, {up_to: 50, price: 0.05}]\n",
    )
    .unwrap_err();
    assert_eq!(err.problems[0].field, "cost.per_object[1].up_to");
}

#[test]
fn plan_minimizes_cost_among_feasible_staffing() {
    // Wages make every extra worker cost money: the cheapest feasible team
    // is the smallest that meets the target (11, by Erlang C).
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("s.yaml");
    std::fs::write(
        &file,
        "name: s\nseed: 3\nhorizon: 60d\nreplications: 4\njob: {initializing: 0s, task_time_limit: 8h}\n\
         producers: [{name: p, kind: poisson, rate: 80/h}]\n\
         workers: [{name: team, count: 10, service_time: {dist: exponential, mean: 6m}}]\n\
         cost: {wage_per_worker_hour: 25}\n",
    )
    .unwrap();
    let out = t.path().join("plan");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args([
            "plan",
            file.to_str().unwrap(),
            "--vary",
            "workers[team].count=9..14",
            "--vary",
            "job.max_concurrent_task_count=100,1000",
            "--target",
            "time_to_label_mean_s <= 410",
            "--minimize",
            "cost_usd",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("plan.json")).unwrap()).unwrap();
    assert_eq!(doc["answer"]["workers[team].count"], 11);
}

/// Issue 20: the per-object tiers restart every calendar month (UTC), as
/// the bill counts them. 40,000 objects labeled in January and 40,000 in
/// February each stay in the first tier: 80,000 × $0.08 = $6,400, where
/// tiers over the run's total would give 50,000 × $0.08 + 30,000 × $0.04 =
/// $5,200. A burst lands exactly at February's first instant and counts
/// in February.
#[test]
fn per_object_tiers_restart_each_calendar_month() {
    let yaml = |start: &str, second: &str| {
        format!(
            "name: months\nhorizon: 20d\nstart_at: {start}\n\
             job: {{initializing: 0s, max_concurrent_task_count: 5000}}\n\
             producers:\n  - {{name: jan, kind: burst, size: 40000, start: 1h}}\n  \
             - {{name: feb, kind: burst, size: 40000, start: {second}}}\n\
             workers: [{{count: 1000, service_time: {{dist: constant, value: 1s}}}}]\n"
        )
    };
    // Start 2026-01-25: the second burst at +7d 1h is 2026-02-01T01:00Z.
    let s = run(&yaml("2026-01-25T00:00:00Z", "7d 1h")).summary;
    assert_eq!(s.objects_labeled, 80_000);
    assert!((s.cost_usd - 6_400.0).abs() < 1e-6, "{}", s.cost_usd);
    // Both bursts inside January (start 2026-01-01): one month's tiers.
    let s = run(&yaml("2026-01-01T00:00:00Z", "7d 1h")).summary;
    assert!((s.cost_usd - 5_200.0).abs() < 1e-6, "{}", s.cost_usd);
    // The second burst at 2026-02-01T00:00:00Z exactly, labeled 1 s later,
    // in February: $6,400 again.
    let s = run(&yaml("2026-01-25T00:00:00Z", "7d")).summary;
    assert!((s.cost_usd - 6_400.0).abs() < 1e-6, "{}", s.cost_usd);
}
