//! `labelsim plan`: the planner finds the staffing answer Erlang C gives,
//! with far fewer simulations than the grid; exits 1 when infeasible; never
//! answers an unstable staffing (offered load >= 1); adds replications only
//! where an interval straddles a target; treats a metric with no value as
//! not met.

use crate::common;
use crate::common::{labelsim_on, read_json, read_json_or_null, write_scenario};
use std::path::Path;
use std::process::Output;

/// M/M/c: Poisson 80/h, exponential service with mean 6 min.
const MMC: &str = "name: mmc-staffing\nseed: 3\nhorizon: 60d\nreplications: 4\n\
job: {initializing: 0s, max_concurrent_task_count: 1000, task_time_limit: 8h}\n\
producers: [{name: p, kind: poisson, rate: 80/h}]\n\
workers: [{name: team, count: 10, service_time: {dist: exponential, mean: 6m}}]\n";

fn erlang_w(c: u32) -> f64 {
    let (lambda, mu) = (80.0 / 3600.0, 1.0 / 360.0);
    common::erlang_c(c, lambda / mu) / (c as f64 * mu - lambda) + 1.0 / mu
}

fn plan(dir: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    plan_yaml(dir, MMC, extra)
}

/// Plans scenario `yaml` (written to `dir`) with `extra` arguments, quiet;
/// plan.json, or null where the plan failed.
fn plan_yaml(dir: &Path, yaml: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let file = write_scenario(dir, "mmc.yaml", yaml);
    let out = dir.join("plan");
    let o = labelsim_on("plan", &file, &out, &[&["-q"][..], extra].concat());
    (o, read_json_or_null(&out.join("plan.json")))
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
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
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
    assert_eq!(doc["simulations"].as_u64(), Some(reps_used(&doc)));
    assert!(reps_used(&doc) >= 25 * 4);
    // c <= 8 serves at most 80/h of 80/h offered.
    for p in doc["points"].as_array().unwrap() {
        let c = p["value"].as_u64().unwrap();
        assert_eq!(p["unstable"], c <= 8, "c = {c}");
        let rho = p["offered_load"].as_f64().unwrap();
        assert!((rho - 8.0 / c as f64).abs() < 1e-12, "c = {c}: {rho}");
    }
}

/// Replications over every point of a plan.json.
fn reps_used(doc: &serde_json::Value) -> u64 {
    doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["replications"].as_u64().unwrap())
        .sum()
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
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
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
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    // Lowest utilization among feasible points: the most workers.
    assert_eq!(doc["answer"]["workers[team].count"], 14);
    assert_eq!(doc["simulations"].as_u64(), Some(reps_used(&doc)));
    assert_eq!(doc["minimized"]["metric"], "worker_utilization");
    assert_eq!(doc["minimized"]["flat"], false);
    let (m, ci) = (&doc["minimized"]["mean"], &doc["minimized"]["ci95"]);
    assert!(ci[0].as_f64() <= m.as_f64() && m.as_f64() <= ci[1].as_f64());
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
        (
            vec![
                "--vary",
                "workers[team].count=1..5",
                "--target",
                "expired_in_queue == 0",
                "--replications",
                "5",
                "--max-replications",
                "3",
            ],
            "--max-replications 3 is below the 5 replications",
        ),
    ] {
        let (o, _) = plan(t.path(), &extra);
        let err = common::stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
}

/// Runs `plan` on the bundled quick start (not quiet: the tests read stdout).
fn quickstart_plan(dir: &Path, extra: &[&str]) -> (Output, serde_json::Value) {
    let out = dir.join("plan");
    let o = labelsim_on("plan", Path::new("scenarios/quickstart.yaml"), &out, extra);
    (o, read_json(&out.join("plan.json")))
}

fn point(doc: &serde_json::Value, value: u64) -> &serde_json::Value {
    doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["value"] == value)
        .unwrap_or_else(|| panic!("value {value} not evaluated"))
}

const README_EXAMPLE: [&str; 6] = [
    "--vary",
    "workers[team].count=1..500",
    "--target",
    "time_to_label_p95_s <= 24h",
    "--target",
    "expired_in_queue == 0",
];

#[test]
fn readme_quickstart_plan_does_not_answer_a_saturated_team() {
    // 9 workers serve 9 × 10/h = 90/h, exactly the Poisson input: the queue
    // is a null-recurrent random walk; only the 30-day horizon hides it.
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = quickstart_plan(t.path(), &README_EXAMPLE);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert!(
        doc["answer"].as_u64().unwrap() >= 10,
        "answer {}",
        doc["answer"]
    );
    let nine = point(&doc, 9);
    assert_eq!(nine["unstable"], true);
    assert_eq!(nine["meets"], false);
    assert!((nine["offered_load"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    let ten = point(&doc, 10);
    assert_eq!(
        (ten["unstable"].clone(), ten["meets"].clone()),
        (false.into(), true.into())
    );
    assert!((ten["offered_load"].as_f64().unwrap() - 0.9).abs() < 1e-12);
    let stdout = common::stdout(&o);
    assert!(stdout.contains("| unstable |"), "{stdout}");
    assert!(
        stdout.contains("offered load | binding stage | utilization"),
        "{stdout}"
    );
}

#[test]
fn finite_horizon_judges_a_saturated_team_on_the_simulated_horizon() {
    let t = tempfile::tempdir().unwrap();
    let mut args = README_EXAMPLE.to_vec();
    args.push("--finite-horizon");
    let (o, doc) = quickstart_plan(t.path(), &args);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(doc["finite_horizon"], true);
    assert_eq!(doc["answer"], 9);
    assert_eq!(point(&doc, 9)["unstable"], false);
    assert_eq!(point(&doc, 9)["meets"], true);
}

#[test]
fn minimize_warns_when_the_metric_is_flat_and_takes_the_smallest_value() {
    // Wages default to 0: cost is the per-object price of what gets labeled,
    // the same whatever the team size, up to noise. The run is kept inside
    // one calendar month: the tiers restart each month, so labels that a
    // smaller team pushes past a month's end would change the price.
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = quickstart_plan(
        t.path(),
        &[
            "--set",
            "start_at=2026-01-01T00:00:00Z",
            "--vary",
            "workers[team].count=10..16",
            "--target",
            "expired_in_queue == 0",
            "--minimize",
            "cost_usd",
        ],
    );
    let stdout = common::stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert_eq!(doc["minimized"]["flat"], true);
    assert_eq!(
        doc["answer"], 10,
        "the smallest value within the best interval"
    );
    assert!(stdout.contains("cost_usd: "), "{stdout}");
    assert!(stdout.contains("does not vary significantly"), "{stdout}");
}

/// M/M/c where only P(wait) is asked: Poisson 80/h, exponential 6 min, a short
/// horizon so that 2 replications leave wide intervals.
const MMC_WAIT: &str = "name: mmc-wait\nseed: 11\nhorizon: 3d\nreplications: 2\n\
job: {initializing: 0s, max_concurrent_task_count: 1000, task_time_limit: 8h}\n\
producers: [{name: p, kind: poisson, rate: 80/h}]\n\
workers: [{name: team, count: 10, service_time: {dist: exponential, mean: 6m}}]\n";

fn mmc_wait_plan(dir: &Path, name: &str, extra: &[&str]) -> (Output, serde_json::Value) {
    let file = write_scenario(dir, "mmc-wait.yaml", MMC_WAIT);
    let out = dir.join(name);
    let target = ["-q", "--target", "pool_wait_positive_fraction <= 0.45"];
    let o = labelsim_on("plan", &file, &out, &[&target[..], extra].concat());
    assert!(
        o.status.code().is_some_and(|c| c < 2),
        "{}",
        common::stderr(&o)
    );
    (o, read_json(&out.join("plan.json")))
}

#[test]
fn adaptive_replications_find_the_erlang_c_answer_exactly() {
    // P(wait) = C(c, 8): C(9) = 0.653, C(10) = 0.409, C(11) = 0.245.
    let truth = (9..40).find(|&c| common::erlang_c(c, 8.0) <= 0.45).unwrap();
    assert_eq!(truth, 10);
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = mmc_wait_plan(t.path(), "plan", &["--vary", "workers[team].count=1..200"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(doc["answer"], truth);
    let at = point(&doc, 10);
    assert!(
        at["replications"].as_u64().unwrap() > 2,
        "10 needed more than 2 replications"
    );
    assert!(
        at["ci95"]["pool_wait_positive_fraction"][1]
            .as_f64()
            .unwrap()
            <= 0.45
    );
    assert_eq!(doc["simulations"].as_u64(), Some(reps_used(&doc)));
    // Same answer, byte for byte, on one thread.
    let (_, one) = mmc_wait_plan(
        t.path(),
        "plan1",
        &["--vary", "workers[team].count=1..200", "--threads", "1"],
    );
    assert_eq!(
        std::fs::read(t.path().join("plan/plan.json")).unwrap(),
        std::fs::read(t.path().join("plan1/plan.json")).unwrap()
    );
    assert_eq!(one["answer"], truth);
}

#[test]
fn replications_are_added_only_where_an_interval_straddles_a_target() {
    // With the cap at the initial 2, plan.json shows which values the first
    // 2 replications leave undecided; replication r of a value draws the same
    // streams in both runs, so exactly those get more when the cap is 50.
    let t = tempfile::tempdir().unwrap();
    let grid = ["--vary", "workers[team].count=7..14", "--exhaustive"];
    let (_, two) = mmc_wait_plan(
        t.path(),
        "two",
        &[&grid[..], &["--max-replications", "2"]].concat(),
    );
    let (_, adaptive) = mmc_wait_plan(t.path(), "adaptive", &grid);
    let mut straddled = 0;
    for c in 7..=14u64 {
        let (a, b) = (point(&two, c), point(&adaptive, c));
        assert_eq!(a["replications"], 2);
        let more = b["replications"].as_u64().unwrap() > 2;
        assert_eq!(more, a["decided"] == false, "c = {c}: {a} vs {b}");
        assert_eq!(b["decided"], true, "c = {c} decided within 50 replications");
        if a["decided"] == true {
            assert_eq!(a["ci95"], b["ci95"], "c = {c}: the same 2 replications");
        }
        straddled += more as u32;
    }
    assert!(
        straddled > 0,
        "some value must straddle with 2 replications"
    );
    assert!(two["undecided"].as_u64().unwrap() > 0);
    assert_eq!(adaptive["answer"], 10);
}

#[test]
fn a_target_on_a_metric_with_no_value_is_not_met() {
    // 0 workers label nothing, so time_to_label_p95_s has no value (SPEC §4a).
    let t = tempfile::tempdir().unwrap();
    let file = write_scenario(
        t.path(),
        "batch.yaml",
        "name: batch-missing\nseed: 5\nhorizon: 2d\nreplications: 2\n\
         job: {mode: batch, initializing: 0s}\n\
         producers: [{name: manifest, kind: manifest, count: 100}]\n\
         workers: [{name: team, count: 1, service_time: {dist: constant, value: 1m}}]\n",
    );
    let out = t.path().join("plan");
    let o = labelsim_on(
        "plan",
        &file,
        &out,
        &[
            "--vary",
            "workers[team].count=0..3",
            "--target",
            "time_to_label_p95_s <= 1h",
        ],
    );
    let stdout = common::stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    let doc = read_json(&out.join("plan.json"));
    // 100 one-minute tasks: 1 worker needs 100 min, 2 workers 50.
    assert_eq!(doc["answer"], 2);
    let zero = point(&doc, 0);
    assert_eq!(zero["meets"], false);
    assert_eq!(zero["targets"]["time_to_label_p95_s <= 1h"], "no value");
    assert!(
        zero["offered_load"].is_null(),
        "a batch is not a stationary stream"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.trim_start().starts_with("0 | no |") && l.ends_with("| -")),
        "{stdout}"
    );
    // Streaming, 0 workers: unstable at infinite load, and still no value.
    let (_, doc) = mmc_wait_plan(
        t.path(),
        "stream",
        &["--vary", "workers[team].count=0..3", "--exhaustive"],
    );
    let zero = point(&doc, 0);
    assert!(
        zero["offered_load"].is_null(),
        "infinite load stays numeric: null"
    );
    assert_eq!(zero["unstable"], true);
    assert_eq!(
        zero["targets"]["pool_wait_positive_fraction <= 0.45"],
        "no value"
    );
    assert!(doc["answer"].is_null());
}

#[test]
fn a_service_level_is_a_planning_target() {
    // SPEC §4a: `output.sla` adds labeled_within_<d>, usable in --target.
    // M/M/c at 80/h with 6-minute tasks: with 9 workers (ρ = 0.89) nearly
    // every object is labeled within 4h, with 8 (ρ = 1) not; the answer is
    // the first stable team that meets it.
    let t = tempfile::tempdir().unwrap();
    let yaml = MMC.replace("horizon: 60d", "horizon: 20d") + "output: {sla: [4h]}\n";
    let (o, doc) = plan_yaml(
        t.path(),
        &yaml,
        &[
            "--vary",
            "workers[team].count=6..14",
            "--target",
            "labeled_within_4h >= 99%",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    assert_eq!(doc["answer"], 9, "{doc}");
}

#[test]
fn a_misspelt_target_metric_gets_a_hint_not_the_list() {
    let t = tempfile::tempdir().unwrap();
    let (o, _) = plan(
        t.path(),
        &[
            "--vary",
            "workers[team].count=1..5",
            "--target",
            "expired_in_quee == 0",
        ],
    );
    let err = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim(),
        "Error: --target `expired_in_quee == 0`: `expired_in_quee` is not a numeric summary metric; did you mean `expired_in_queue`?"
    );
    let (o, _) = plan(
        t.path(),
        &[
            "--vary",
            "workers.count=1..5",
            "--target",
            "expired_in_queue == 0",
        ],
    );
    let err = common::stderr(&o);
    assert_eq!(
        err.trim(),
        "Error: --vary `workers.count`: workers is a list: use workers[0] or workers[team]"
    );
}

/// plan.png draws the first target's metric when it varies over the values
/// evaluated, else the --minimize metric (a target met everywhere, such as
/// `expired_in_queue == 0`, is a flat line that shows nothing).
#[test]
fn the_chart_shows_a_metric_that_varies() {
    let t = tempfile::tempdir().unwrap();
    let caption = |extra: &[&str]| {
        let (o, _) = plan(t.path(), extra);
        assert!(o.status.success(), "{}", common::stderr(&o));
        let html = std::fs::read_to_string(t.path().join("plan/report.html")).unwrap();
        common::figcaptions(&html)[0].to_string()
    };
    let vary = ["--vary", "workers[team].count=10..13"];
    let flat = caption(
        &[
            &vary[..],
            &[
                "--target",
                "expired_in_queue == 0",
                "--minimize",
                "worker_utilization",
            ],
        ]
        .concat(),
    );
    assert!(
        flat.starts_with("plan: worker_utilization against"),
        "{flat}"
    );
    let varying = caption(
        &[
            &vary[..],
            &[
                "--target",
                "time_to_label_mean_s <= 600",
                "--minimize",
                "worker_utilization",
            ],
        ]
        .concat(),
    );
    assert!(
        varying.starts_with("plan: time_to_label_mean_s against"),
        "{varying}"
    );
}

/// SPEC §4b, R3: 24/h against 5 workers of 10 minutes. The workers are at
/// 0.8, but each slot is held at least 10 minutes, and a backlog keeps
/// only √(K(K − 1)) of the K slots busy (the queue refills to K − 1, new
/// arrivals take the last one), so K ≤ 4 cannot keep up (4 Erlangs over
/// √12 = 3.46 slots); the pool wait stays 0 there (objects wait in the SQS
/// queue instead), which made K = 2 look like an answer.
const K_LIMITED: &str = "name: k-limited\nseed: 5\nhorizon: 20d\nreplications: 3\n\
job: {initializing: 0s, max_concurrent_task_count: 2}\n\
producers: [{name: p, kind: poisson, rate: 24/h}]\n\
workers: [{name: team, count: 5, service_time: {dist: exponential, mean: 10m}}]\n";

#[test]
fn the_guard_covers_the_concurrency_limit() {
    let t = tempfile::tempdir().unwrap();
    let (o, doc) = plan_yaml(
        t.path(),
        K_LIMITED,
        &[
            "--vary",
            "job.max_concurrent_task_count=2..20",
            "--target",
            "pool_wait_mean_s <= 120",
        ],
    );
    let stdout = common::stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{stdout}");
    assert_eq!(doc["answer"], 5, "{stdout}");
    let two = point(&doc, 2);
    assert_eq!(two["unstable"], true);
    assert_eq!(two["meets"], false);
    assert_eq!(two["binding_stage"], "job.max_concurrent_task_count");
    assert!((two["offered_load"].as_f64().unwrap() - 4.0 / 2f64.sqrt()).abs() < 1e-9);
    assert!((two["stages"]["workers[team]"].as_f64().unwrap() - 0.8).abs() < 1e-9);
    // K = 4: 4 / √12 = 1.15, unstable; K = 5: 4 / √20 = 0.89, stable and
    // still binding (at K = 6, 4 / √30 = 0.73, the workers would bind).
    let four = point(&doc, 4);
    assert_eq!(four["unstable"], true);
    assert!((four["offered_load"].as_f64().unwrap() - 4.0 / 12f64.sqrt()).abs() < 1e-9);
    assert_eq!(point(&doc, 5)["unstable"], false);
    assert_eq!(
        point(&doc, 5)["binding_stage"],
        "job.max_concurrent_task_count"
    );
}

/// The seed pipeline at 200 messages/s: a 10-minute horizon lets a
/// saturated pool of pollers look fine; the guard marks every count whose
/// pollers cannot keep up (0.5 s a message: 200/s needs > 100 pollers).
#[test]
fn the_guard_covers_consumers() {
    let t = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/pipeline-seed.yaml"
    ))
    .unwrap();
    let (o, doc) = plan_yaml(
        t.path(),
        &yaml,
        &[
            "--vary",
            "pipeline.consumers[classifier].count=60..140:20",
            "--exhaustive",
            "--target",
            "searchable_latency_p95_s <= 10m",
            "--set",
            "producers[uploads].rate=200/s",
            "--set",
            "horizon=2m",
            "--replications",
            "2",
        ],
    );
    let stdout = common::stdout(&o);
    let stderr = common::stderr(&o);
    assert!(o.status.code().is_some(), "{stderr}");
    let pts = doc["points"].as_array().unwrap();
    assert_eq!(pts.len(), 5, "{stdout}{stderr}");
    for p in pts {
        let load = p["offered_load"].as_f64().unwrap();
        assert_eq!(p["binding_stage"], "consumers[classifier]");
        assert_eq!(p["unstable"], load >= 1.0, "{p}");
        if load >= 1.0 {
            assert_eq!(p["meets"], false, "a saturated pool is never an answer");
        }
    }
    // 100 pollers: 200/s × ~0.475 s ≈ 95 pollers' work.
    assert_eq!(point(&doc, 80)["unstable"], true);
    assert_eq!(point(&doc, 100)["unstable"], false);
}

#[test]
fn a_share_target_written_as_a_number_or_on_a_missing_sla_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let yaml = format!("{MMC}output: {{sla: [4h]}}\n");
    let (o, _) = plan_yaml(
        t.path(),
        &yaml,
        &[
            "--vary",
            "workers[team].count=8..20",
            "--target",
            "labeled_within_4h >= 95",
        ],
    );
    let stderr = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("write 95%"), "{stderr}");
    let (o, _) = plan_yaml(
        t.path(),
        MMC,
        &[
            "--vary",
            "workers[team].count=8..20",
            "--target",
            "labeled_within_4h >= 95%",
        ],
    );
    let stderr = common::stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("add 4h to output.sla"), "{stderr}");
}

/// Without a labeling job (a pipeline alone) the job's metrics are empty
/// or 0 at every value: a target or a minimum on one is refused before
/// anything runs (exit 2, nothing written), every such flag named at
/// once, as `staff` refuses them.
#[test]
fn plan_refuses_the_jobs_metrics_on_a_pipeline_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = labelsim_on(
        "plan",
        Path::new("scenarios/pipeline-seed.yaml"),
        &out,
        &[
            "--vary",
            "pipeline.consumers[classifier].count=1..8",
            "--target",
            "time_to_label_p95_s <= 10s",
            "--target",
            "searchable_latency_p95_s <= 30s",
            "--minimize",
            "objects_labeled",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = common::stderr(&o);
    assert!(
        err.contains(
            "--target time_to_label_p95_s <= 10s: `time_to_label_p95_s` measures the labeling job"
        ),
        "{err}"
    );
    assert!(
        err.contains("--minimize objects_labeled: `objects_labeled` measures the labeling job"),
        "{err}"
    );
    assert!(!err.contains("searchable_latency_p95_s <= 30s:"), "{err}");
    assert!(!out.exists());
}
