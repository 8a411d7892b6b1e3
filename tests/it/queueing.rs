//! Statistical tests against queueing theory, with fixed seeds.
//!
//! With N = 1, K far above the number in system, always-on workers, Poisson
//! arrivals and exponential service, the labeling job is an M/M/c queue
//! (the SQS queue never fills; objects wait in the task pool). Erlang C gives
//! P(wait > 0) and the mean time in system W = C/(cμ − λ) + 1/μ.
//!
//! Tolerance: each point runs R = 10 independent replications of 100 days
//! (≈ 50k–190k objects each). The replication means are i.i.d., so
//! (mean − truth)/SE follows Student's t with 9 df; |t| > 4 has probability
//! ≈ 0.3% for a correct model. We also require SE/truth < 2.5%, so the test
//! has the power to catch a model that is off by more than ~10%. Start-up
//! bias (runs begin empty) decays within hours against 100 days: < 0.1%.

use crate::common;
use common::erlang_c;
use labelsim::runner::{aggregate, run_replications};
use labelsim::scenario::{LoadOptions, Scenario};
use std::path::Path;

struct Point {
    lambda_per_h: f64,
    mean_service_min: f64,
    c: u32,
}

fn mmc_yaml(p: &Point, horizon: &str) -> String {
    format!(
        r#"
name: mmc
seed: 20261123
horizon: {horizon}
job: {{initializing: 0s, max_concurrent_task_count: 5000, workers_per_object: 1, task_time_limit: 8h}}
producers: [{{name: p, kind: poisson, rate: {}/h}}]
workers: [{{count: {}, service_time: {{dist: exponential, mean: {}m}}}}]
"#,
        p.lambda_per_h, p.c, p.mean_service_min
    )
}

fn scenario(yaml: &str) -> Scenario {
    Scenario::from_str(
        yaml,
        "mmc.yaml",
        Path::new("."),
        LoadOptions { lenient: false },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Runs R replications; returns (mean, standard error) of `metric`.
fn estimate(s: &Scenario, reps: u32, metric: &str) -> (f64, f64) {
    let runs = run_replications(&s.sim, s.seed, reps, None, &|| {}).expect("invariants hold");
    let xs: Vec<f64> = runs
        .iter()
        .map(|r| {
            r.summary
                .metrics()
                .into_iter()
                .find(|(k, _)| *k == metric)
                .and_then(|(_, v)| v.as_f64())
                .expect("numeric metric")
        })
        .collect();
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn check(what: &str, sim: (f64, f64), truth: f64) {
    let (mean, se) = sim;
    let t = (mean - truth) / se;
    eprintln!("{what}: sim {mean:.5} ± {se:.5} (SE), theory {truth:.5}, t = {t:.2}");
    assert!(t.abs() < 4.0, "{what}: |t| = {:.2} ≥ 4", t.abs());
    assert!(
        se / truth < 0.025,
        "{what}: SE {se} too large for a meaningful test"
    );
}

fn erlang_point(p: Point) {
    let lambda = p.lambda_per_h / 3600.0; // per s
    let mu = 1.0 / (p.mean_service_min * 60.0);
    let a = lambda / mu;
    let pw = erlang_c(p.c, a);
    let w = pw / (p.c as f64 * mu - lambda) + 1.0 / mu;
    let s = scenario(&mmc_yaml(&p, "100d"));
    let label = format!(
        "M/M/{} λ={}/h mean {}m",
        p.c, p.lambda_per_h, p.mean_service_min
    );
    check(
        &format!("{label}: P(wait > 0)"),
        estimate(&s, 10, "pool_wait_positive_fraction"),
        pw,
    );
    check(
        &format!("{label}: mean time to label [s]"),
        estimate(&s, 10, "time_to_label_mean_s"),
        w,
    );
}

#[test]
fn erlang_c_formula_matches_known_values() {
    // c = 1: C = ρ. c = 2, a = 1: C = 1/3 (textbook value).
    assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
    assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
    // c = 10, a = 8: C ≈ 0.4092 (Erlang C tables).
    assert!((erlang_c(10, 8.0) - 0.4092).abs() < 5e-4);
}

#[test]
fn mmc_ten_workers_rho_080_matches_erlang_c() {
    erlang_point(Point {
        lambda_per_h: 80.0,
        mean_service_min: 6.0,
        c: 10,
    });
}

#[test]
fn mmc_five_workers_rho_080_matches_erlang_c() {
    erlang_point(Point {
        lambda_per_h: 40.0,
        mean_service_min: 6.0,
        c: 5,
    });
}

#[test]
fn mmc_two_workers_rho_083_matches_erlang_c() {
    erlang_point(Point {
        lambda_per_h: 20.0,
        mean_service_min: 5.0,
        c: 2,
    });
}

#[test]
fn mmc_single_worker_rho_050_matches_mm1() {
    // M/M/1: P(wait) = ρ, W = 1/(μ − λ).
    erlang_point(Point {
        lambda_per_h: 6.0,
        mean_service_min: 5.0,
        c: 1,
    });
}

fn overload_runs(rule: &str) -> Vec<labelsim::model::RunSummary> {
    // λ = 200/h against c·μ = 10 × 10/h = 100/h. K = 1000 fills; the queue
    // grows; objects that wait 14 days expire (R6).
    let yaml = mmc_yaml(
        &Point {
            lambda_per_h: 200.0,
            mean_service_min: 6.0,
            c: 10,
        },
        "60d",
    )
    .replace(
        "max_concurrent_task_count: 5000",
        &format!("max_concurrent_task_count: 1000, refill_rule: {rule}"),
    );
    let s = scenario(&yaml);
    run_replications(&s.sim, 5, 3, None, &|| {})
        .expect("invariants hold")
        .into_iter()
        .map(|r| r.summary)
        .collect()
}

#[test]
fn overloaded_pool_labels_at_capacity_and_the_excess_expires_in_the_queue() {
    for m in &overload_runs("strict_fifo") {
        // Labeled rate at most c·μ; 2% is > 6 standard deviations of the
        // labeled count (≈ 144k services, Poisson-like: 0.26%).
        assert!(
            m.labeled_per_hour.unwrap() <= 102.0,
            "labeled {}/h",
            m.labeled_per_hour.unwrap()
        );
        assert!(
            m.labeled_per_hour.unwrap() >= 95.0,
            "workers idle while overloaded: {}/h",
            m.labeled_per_hour.unwrap()
        );
        assert_eq!(m.objects_failed, 0);
        assert_eq!(m.available_max, 1000);
        // Where the excess went, exactly (SPEC §5 conservation).
        assert_eq!(
            m.objects_accepted,
            m.objects_labeled + m.expired_in_queue + m.queued_at_end + m.in_progress_at_end
        );
        // FIFO: an object arriving at t waits ≈ t − 10h (the queue grows at
        // λ − cμ and drains at cμ), so expiries start near 28 days; from then
        // the head is always 14 days old, arrivals pass it at λ and cμ of
        // them are dispatched: expiries ≈ (λ − cμ) × (60d − 28d) = 76,800.
        let expected =
            (m.objects_accepted as f64 / (60.0 * 24.0) - m.labeled_per_hour.unwrap()) * 32.0 * 24.0;
        let ratio = m.expired_in_queue as f64 / expected;
        assert!(
            (0.95..1.05).contains(&ratio),
            "expired {} vs ≈ {expected:.0}",
            m.expired_in_queue
        );
    }
}

#[test]
fn under_the_documented_refill_rule_new_arrivals_overtake_and_more_queued_objects_expire() {
    // R3 `documented`: with N = 1 a freed slot (A = K − 1) is not refilled
    // from the queue, so the next arrival takes it directly. In overload the
    // queue is served only when two slots free before an arrival: queued
    // objects starve and expire sooner than under strict FIFO.
    let fifo = overload_runs("strict_fifo");
    let documented = overload_runs("documented");
    for (f, d) in fifo.iter().zip(&documented) {
        assert!(d.labeled_per_hour.unwrap() <= 102.0 && d.labeled_per_hour.unwrap() >= 95.0);
        assert!(
            d.expired_in_queue as f64 > 1.1 * f.expired_in_queue as f64,
            "documented {} vs strict_fifo {}",
            d.expired_in_queue,
            f.expired_in_queue
        );
        assert!(d.time_to_label_p50_s.unwrap() < f.time_to_label_p50_s.unwrap());
    }
}

#[test]
fn overloaded_pool_with_short_lifetime_fails_the_excess_objects() {
    // K = 5000 holds everything in the pool; a 1h task availability lifetime
    // (R7) expires tasks that wait longer: the excess becomes failed objects.
    let yaml = mmc_yaml(
        &Point {
            lambda_per_h: 200.0,
            mean_service_min: 6.0,
            c: 10,
        },
        "10d",
    )
    .replace(
        "task_time_limit: 8h",
        "task_time_limit: 8h, task_availability_lifetime: 1h",
    );
    let s = scenario(&yaml);
    let runs = run_replications(&s.sim, s.seed, 3, None, &|| {}).expect("invariants hold");
    for r in &runs {
        let m = &r.summary;
        assert!(
            m.labeled_per_hour.unwrap() <= 102.0,
            "labeled {}/h",
            m.labeled_per_hour.unwrap()
        );
        assert!(m.objects_failed > 20_000, "failed {}", m.objects_failed);
        assert_eq!(m.expired_in_queue, 0);
        assert_eq!(m.tasks_expired, m.objects_failed);
        assert_eq!(
            m.objects_accepted,
            m.objects_labeled + m.objects_failed + m.queued_at_end + m.in_progress_at_end
        );
    }
}

#[test]
fn littles_law_holds_on_the_time_series() {
    // L (time average of objects in system from the sampled series) against
    // λ·W (accepted per second × mean time to label). Sampling every 10 min
    // over 100 days: 14,400 samples; both sides agree within 3%.
    let yaml = mmc_yaml(
        &Point {
            lambda_per_h: 80.0,
            mean_service_min: 6.0,
            c: 10,
        },
        "100d",
    ) + "output: {timeseries_every: 10m}\n";
    let s = scenario(&yaml);
    let runs = run_replications(&s.sim, s.seed, 1, None, &|| {}).expect("invariants hold");
    let r = &runs[0];
    let l: f64 = r
        .timeseries
        .iter()
        .map(|x| (x.backlog + x.available) as f64)
        .sum::<f64>()
        / r.timeseries.len() as f64;
    let lambda = r.summary.objects_accepted as f64 / r.summary.job_end_time_s;
    let lw = lambda * r.summary.time_to_label_mean_s.unwrap();
    eprintln!("Little: L = {l:.4}, λW = {lw:.4}");
    assert!((l - lw).abs() / lw < 0.03, "L {l} vs λW {lw}");
    let agg = aggregate(std::slice::from_ref(&r.summary));
    assert!(agg.mean_of("available_mean").unwrap() > 0.0);
}

/// R3, SPEC §4b: under the documented refill rule a backlog keeps A, the
/// objects out, between K − N (the queue refills only below it) and K (new
/// arrivals are dispatched at once below it). With exponential holds h, A
/// is a birth-death chain, π(a) ∝ (λh)^a / a!, and the job labels E[A] / h
/// an hour; it keeps up only while λh < (K(K−1)⋯(K−N))^(1/(N+1)), the
/// slots the planner's `job.max_concurrent_task_count` stage divides by.
/// K = 2, N = 1, 10-minute tasks, 5 workers (never the limit): the edge is
/// √2 · 6 = 8.49/h. Overloaded at 10/h the job labels E[A]/h = 8.73/h,
/// not the 12/h that K / h would allow; just under the edge (8/h) the
/// queue stays short.
#[test]
fn a_backlog_under_the_documented_rule_uses_the_geometric_mean_of_k_minus_n_to_k_slots() {
    let yaml = |rate: f64| {
        format!(
            "name: k\nseed: 7\nhorizon: 600d\n\
             job: {{initializing: 0s, max_concurrent_task_count: 2, workers_per_object: 1}}\n\
             producers: [{{name: p, kind: poisson, rate: {rate}/h}}]\n\
             workers: [{{name: team, count: 5, service_time: {{dist: exponential, mean: 10m}}}}]\n"
        )
    };
    let s = scenario(&yaml(10.0));
    let cfg = &s.sim;
    let slots = labelsim::model::load::backlog_slots(cfg.job.refill_rule, 2, 1);
    assert!((slots - 2f64.sqrt()).abs() < 1e-12);
    // E[A] over a ∈ {1, 2}: π(2)/π(1) = λh / 2.
    let rho = 10.0 / 6.0;
    let mean_a = (1.0 + 2.0 * rho / 2.0) / (1.0 + rho / 2.0);
    // Each of 4 replications labels about 126k objects: the standard error
    // of the rate is a fraction of a percent; |t| < 4 as for Erlang C.
    check(
        "labeled per hour at 10/h",
        estimate(&s, 4, "labeled_per_hour"),
        mean_a * 6.0,
    );
    // Just under the edge (8/h: λh / slots = 0.94) the backlog drains.
    let under = scenario(&yaml(8.0));
    let runs = run_replications(&under.sim, under.seed, 4, None, &|| {}).expect("invariants hold");
    for r in &runs {
        assert!(
            r.summary.queued_at_end < 200,
            "queued {}",
            r.summary.queued_at_end
        );
    }
    assert!(labelsim::model::load::offered_load(&under.sim).unwrap() < 1.0);
    assert!(labelsim::model::load::offered_load(cfg).unwrap() > 1.0);
}
