//! `labelsim plan`: the planner finds the staffing answer Erlang C gives,
//! with far fewer simulations than the grid; exits 1 when infeasible.

mod common;
use std::process::{Command, Output};

fn labelsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .output()
        .expect("run labelsim")
}

/// M/M/c: Poisson 80/h, exponential service with mean 6 min.
const MMC: &str = "name: mmc-staffing\nseed: 3\nhorizon: 60d\nreplications: 4\n\
job: {initializing: 0s, max_concurrent_task_count: 1000, task_time_limit: 8h}\n\
producers: [{name: p, kind: poisson, rate: 80/h}]\n\
workers: [{name: team, count: 10, service_time: {dist: exponential, mean: 6m}}]\n";

fn erlang_w(c: u32) -> f64 {
    let (lambda, mu) = (80.0 / 3600.0, 1.0 / 360.0);
    common::erlang_c(c, lambda / mu) / (c as f64 * mu - lambda) + 1.0 / mu
}

fn plan(dir: &std::path::Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let file = dir.join("mmc.yaml");
    std::fs::write(&file, MMC).unwrap();
    let out = dir.join("plan");
    let mut args = vec![
        "plan",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend(extra);
    let o = labelsim(&args);
    let doc = std::fs::read(out.join("plan.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null);
    (o, doc)
}

#[test]
fn planner_finds_the_erlang_c_staffing_answer_with_few_simulations() {
    // Smallest c with W(c) <= 410 s: W(10) = 433.7 s, W(11) = 389.4 s.
    let target = 410.0;
    let truth = (9..40).find(|&c| erlang_w(c) <= target).unwrap();
    assert_eq!(truth, 11);
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = plan(
        t.path(),
        &[
            "--vary",
            "workers[team].count=1..200",
            "--target",
            "time_to_label_mean_s <= 410",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(doc["answer"], truth);
    assert_eq!(doc["feasible"], true);
    assert_eq!(doc["parameter"], "workers[team].count");
    let sims = doc["simulations"].as_u64().unwrap();
    assert!(
        sims <= 4 * 20,
        "galloping + bisection used {sims} simulations for a 200-value grid"
    );
    let points = doc["points"].as_array().unwrap();
    let at = |c: u64| points.iter().find(|p| p["value"] == c).unwrap();
    assert_eq!(at(11)["meets"], true);
    assert_eq!(at(10)["meets"], false);
    assert!(at(11)["ci95"]["time_to_label_mean_s"][1].as_f64().unwrap() <= target);
    assert!(t.path().join("plan/plan.png").is_file());
}

#[test]
fn exhaustive_search_agrees_and_confirms_monotonicity() {
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = plan(
        t.path(),
        &[
            "--vary",
            "workers[team].count=1..25",
            "--target",
            "time_to_label_mean_s <= 410",
            "--exhaustive",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(doc["answer"], 11);
    assert_eq!(doc["monotone"], true);
    assert_eq!(doc["simulations"], 25 * 4);
}

#[test]
fn an_infeasible_target_exits_1_with_a_null_answer() {
    // Service alone averages 360 s: no staffing gets the mean below 300 s.
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = plan(
        t.path(),
        &[
            "--vary",
            "workers[team].count=5..40",
            "--target",
            "time_to_label_mean_s <= 5m",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(doc["feasible"], false);
    assert!(doc["answer"].is_null());
}

#[test]
fn several_targets_and_units_must_all_hold() {
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = plan(
        t.path(),
        &[
            "--vary",
            "workers[team].count=8..30",
            "--target",
            "time_to_label_p95_s <= 20m",
            "--target",
            "expired_in_queue == 0",
            "--target",
            "worker_utilization >= 50%",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let answer = doc["answer"].as_u64().unwrap();
    // Utilization 80/h / (c · 10/h) >= 0.5 means c <= 16; p95 within 20 min needs c >= 11.
    assert!((11..=16).contains(&answer), "answer {answer}");
    assert_eq!(doc["targets"].as_array().unwrap().len(), 3);
}

#[test]
fn minimize_over_a_grid_returns_the_best_feasible_point() {
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = plan(
        t.path(),
        &[
            "--vary",
            "workers[team].count=10,11,12,14",
            "--vary",
            "job.max_concurrent_task_count=20,1000",
            "--target",
            "time_to_label_mean_s <= 410",
            "--minimize",
            "worker_utilization",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Lowest utilization among feasible points: the most workers.
    assert_eq!(doc["answer"]["workers[team].count"], 14);
    assert_eq!(doc["simulations"], 8 * 4);
}

#[test]
fn bad_plan_arguments_are_clear_errors() {
    let t = tempfile::tempdir().unwrap();
    for (extra, needle) in [
        (
            vec![
                "--vary",
                "workers[9].count=1..5",
                "--target",
                "expired_in_queue == 0",
            ],
            "workers[9].count",
        ),
        (
            vec![
                "--vary",
                "workers[team].count=1..5",
                "--target",
                "nonsense <= 3",
            ],
            "nonsense",
        ),
        (
            vec![
                "--vary",
                "workers[team].count=1..5",
                "--target",
                "expired_in_queue about 0",
            ],
            "METRIC OP VALUE",
        ),
    ] {
        let (o, _) = plan(t.path(), &extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
}
