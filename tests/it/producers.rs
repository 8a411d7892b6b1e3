//! SPEC §3 producers and workforce: each arrival process and each
//! service-time distribution against its exact law, with fixed seeds.
//! Counts are Poisson (σ = √mean); means of n draws have SE = sd/√n. Each
//! check allows 4 standard errors: a correct model fails with probability
//! < 0.01%, and a wrong rate or mean of a few percent is caught.

use crate::common;
use common::*;
use labelsim::model::TraceKind as K;

const H: f64 = 3_600.0;

fn accepted_times(yaml: &str) -> Vec<f64> {
    events(&run(yaml), K::Accepted)
        .into_iter()
        .map(|e| e.1)
        .collect()
}

fn within_poisson(what: &str, observed: usize, expected: f64) {
    let z = (observed as f64 - expected) / expected.sqrt();
    eprintln!("{what}: {observed} vs {expected:.0} (z = {z:.2})");
    assert!(
        z.abs() < 4.0,
        "{what}: {observed} vs {expected:.0}, z = {z:.2}"
    );
}

#[test]
fn poisson_producer_sends_at_its_rate_between_start_and_end() {
    let t = accepted_times(
        "name: p\nhorizon: 30d\njob: {initializing: 0s}\nproducers:\n  - {name: p, kind: poisson, rate: 90/h, start: 2d, end: 25d}\nworkers: [{count: 50, service_time: {dist: constant, value: 1m}}]\n",
    );
    assert!(t
        .iter()
        .all(|&x| (2.0 * 24.0 * H..25.0 * 24.0 * H).contains(&x)));
    within_poisson("poisson 90/h over 23 d", t.len(), 90.0 * 23.0 * 24.0);
}

#[test]
fn diurnal_producer_follows_its_sinusoid() {
    // λ(h) = 100 (1 + 0.5 cos(2π (h − 14)/24)) per hour; 60 days.
    let t = accepted_times(
        "name: d\nhorizon: 60d\njob: {initializing: 0s}\nproducers:\n  - {name: d, kind: diurnal, mean_rate: 100/h, peak_hour: 14, amplitude: 0.5}\nworkers: [{count: 50, service_time: {dist: constant, value: 1m}}]\n",
    );
    let integral = |h0: f64, h1: f64| {
        let w = 2.0 * std::f64::consts::PI / 24.0;
        100.0 * ((h1 - h0) + 0.5 / w * (((h1 - 14.0) * w).sin() - ((h0 - 14.0) * w).sin()))
    };
    let in_hours = |h0: f64, h1: f64| {
        t.iter()
            .filter(|&&x| {
                let h = (x / H) % 24.0;
                h >= h0 && h < h1
            })
            .count()
    };
    within_poisson(
        "diurnal peak hour",
        in_hours(13.5, 14.5),
        60.0 * integral(13.5, 14.5),
    );
    within_poisson(
        "diurnal trough hour",
        in_hours(1.5, 2.5),
        60.0 * integral(1.5, 2.5),
    );
    within_poisson("diurnal whole day", t.len(), 60.0 * 2400.0);
}

#[test]
fn profile_producer_follows_its_daily_steps() {
    let t = accepted_times(
        r#"name: pr
horizon: 30d
job: {initializing: 0s}
producers:
  - name: pr
    kind: diurnal
    profile: [{at: "00:00", rate: 10/h}, {at: "08:00", rate: 200/h}, {at: "18:00", rate: 30/h}]
workers: [{count: 100, service_time: {dist: constant, value: 1m}}]
"#,
    );
    let count = |h0: f64, h1: f64| {
        t.iter()
            .filter(|&&x| ((x / H) % 24.0) >= h0 && ((x / H) % 24.0) < h1)
            .count()
    };
    within_poisson("profile night", count(0.0, 8.0), 30.0 * 8.0 * 10.0);
    within_poisson("profile day", count(8.0, 18.0), 30.0 * 10.0 * 200.0);
    within_poisson("profile evening", count(18.0, 24.0), 30.0 * 6.0 * 30.0);
}

#[test]
fn burst_producer_respects_every_end_and_limit() {
    // Bursts at 1h, 3h, 5h, 7h (end 9h is exclusive of 9h); the limit of 20
    // cuts the third burst to 6 and stops the fourth.
    let t = accepted_times(
        "name: b\nhorizon: 1d\njob: {initializing: 0s}\nproducers:\n  - {name: b, kind: burst, size: 7, every: 2h, start: 1h, end: 9h, limit: 20}\nworkers: [{count: 5, service_time: {dist: constant, value: 1m}}]\n",
    );
    let at = |h: f64| t.iter().filter(|&&x| x == h * H).count();
    assert_eq!((at(1.0), at(3.0), at(5.0), at(7.0)), (7, 7, 6, 0));
}

#[test]
fn trace_producer_replays_its_timestamps() {
    let t = accepted_times(
        "name: t\nhorizon: 1h\njob: {initializing: 0s}\nproducers:\n  - {name: t, kind: trace, csv: r1_arrivals.csv, column: timestamp, start: 60s}\nworkers: [{count: 5, service_time: {dist: constant, value: 1m}}]\n",
    );
    assert_eq!(t, vec![60.0, 299.0, 300.0, 301.0]);
}

#[test]
fn bundled_trace_replay_reads_iso_timestamps() {
    let s = labelsim::scenario::Scenario::load(
        std::path::Path::new("scenarios/trace-replay.yaml"),
        Default::default(),
    )
    .unwrap();
    let rows = std::fs::read_to_string("scenarios/traces/arrivals.csv")
        .unwrap()
        .lines()
        .count()
        - 1;
    let out =
        labelsim::model::simulate(&s.sim, labelsim::engine::StreamSeeds::for_replication(1, 0))
            .unwrap();
    assert_eq!(out.summary.messages_received as usize, rows);
}

/// Mean and standard deviation [s] of the service time, measured as time
/// to label with far more workers than work (no waiting: pool wait is 0).
fn service_stats(dist: &str, extra: &str) -> (f64, f64, u64) {
    let yaml = format!(
        "name: s\nseed: 17\nhorizon: 20d\njob: {{initializing: 0s, task_time_limit: 8h}}\nproducers: [{{name: p, kind: poisson, rate: 200/h}}]\nworkers: [{{count: 1000, service_time: {dist}{extra}}}]\n"
    );
    let out = run(&yaml);
    assert_eq!(out.summary.pool_wait_mean_s.unwrap(), 0.0, "no waiting");
    // Recover each object's service time from the trace: taken → labeled.
    let mut taken = std::collections::HashMap::new();
    let mut xs = Vec::new();
    for r in &out.trace {
        match r.kind {
            K::Taken => {
                taken.insert(r.object, r.t.as_micros());
            }
            K::Labeled => xs.push((r.t.as_micros() - taken[&r.object]) as f64 / 1e6),
            _ => {}
        }
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((out.summary.time_to_label_mean_s.unwrap() - mean).abs() < 1e-6 * mean.max(1.0));
    (mean, sd, xs.len() as u64)
}

fn check_dist(dist: &str, mean: f64, sd: f64) {
    check_dist_with(dist, "", mean, sd, 0.0)
}

fn check_dist_with(dist: &str, extra: &str, mean: f64, sd: f64, rel_slack: f64) {
    let (m, s, n) = service_stats(dist, extra);
    let se = sd / (n as f64).sqrt();
    let tol = 4.0 * se + rel_slack * mean + 0.001;
    eprintln!(
        "{dist}{extra}: mean {m:.2} (expected {mean:.2} ± {tol:.2}), sd {s:.2} (expected {sd:.2})"
    );
    assert!((m - mean).abs() < tol, "{dist}: mean {m} vs {mean}");
    if sd > 0.0 && rel_slack == 0.0 {
        assert!((s - sd).abs() / sd < 0.05, "{dist}: sd {s} vs {sd}");
    }
}

#[test]
fn constant_service_time_is_exact() {
    let (m, s, _) = service_stats("{dist: constant, value: 6m}", "");
    assert_eq!((m, s), (360.0, 0.0));
}

#[test]
fn exponential_service_time() {
    check_dist("{dist: exponential, mean: 6m}", 360.0, 360.0);
}

#[test]
fn lognormal_service_time_by_median_and_sigma() {
    let mean = 300.0 * (0.5f64 * 0.5 / 2.0).exp();
    check_dist(
        "{dist: lognormal, median: 5m, sigma: 0.5}",
        mean,
        mean * ((0.25f64).exp() - 1.0).sqrt(),
    );
}

#[test]
fn gamma_service_time_by_mean_and_cv() {
    check_dist("{dist: gamma, mean: 6m, cv: 0.5}", 360.0, 180.0);
}

#[test]
fn weibull_service_time_by_shape_and_scale() {
    // shape 2: mean = scale Γ(1.5), variance = scale² (1 − Γ(1.5)²).
    let g15 = 0.886_226_925_452_758;
    check_dist(
        "{dist: weibull, shape: 2, scale: 6m}",
        360.0 * g15,
        360.0 * (1.0 - g15 * g15).sqrt(),
    );
}

#[test]
fn uniform_service_time() {
    check_dist(
        "{dist: uniform, min: 2m, max: 10m}",
        360.0,
        480.0 / 12f64.sqrt(),
    );
}

#[test]
fn empirical_service_time_resamples_the_csv() {
    let text = std::fs::read_to_string("scenarios/traces/service_times.csv").unwrap();
    let v: Vec<f64> = text.lines().skip(1).map(|l| l.parse().unwrap()).collect();
    let mean = v.iter().sum::<f64>() / v.len() as f64;
    let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    check_dist(
        "{dist: empirical, csv: ../../scenarios/traces/service_times.csv, column: seconds}",
        mean,
        sd,
    );
}

#[test]
fn speed_spread_slows_the_average_by_e_to_the_half_sigma_squared() {
    // Service = draw / speed with speed ~ LN(0, 0.5) per worker: the mean
    // over many equally used workers is 360 · E[1/speed] = 360 · e^{0.125}.
    // 1000 workers' factors: their sample mean of 1/speed is within ~5%.
    check_dist_with(
        "{dist: exponential, mean: 6m}",
        ", speed: {spread: 0.5}",
        360.0 * 0.125f64.exp(),
        360.0,
        0.05,
    );
}

#[test]
fn speed_is_the_spread_itself_or_written_out() {
    // SPEC §3: `speed` spread between workers; `speed: 0.5` says the same
    // as `speed: {spread: 0.5}`, and a bad shorthand is named as written.
    let group = |speed: &str| {
        format!("name: s\nhorizon: 1h\nproducers: [{{name: p, kind: poisson, rate: 1/h}}]\nworkers: [{{count: 2, service_time: {{dist: constant, value: 1m}}, speed: {speed}}}]\n")
    };
    let spread = |speed: &str| common::scenario(&group(speed)).sim.workers[0].speed_spread;
    assert_eq!(spread("0.5"), 0.5);
    assert_eq!(spread("{spread: 0.5}"), 0.5);
    let e = common::try_scenario(&group("5")).unwrap_err().to_string();
    assert!(e.contains("workers[0].speed: 5 must be in [0, 3]"), "{e}");
}

#[test]
fn poisson_counts_match_the_rate_at_any_rate_the_clock_resolves() {
    // SPEC §4a: no rounding accumulates. With gaps added to the rounded
    // millisecond, 3.6e6/h gave 5% too many arrivals and at 1e8/h the clock
    // never left 0. Each rate over a horizon giving ~300k arrivals (σ ≈ 550,
    // tolerance 4σ ≈ 0.7%); no workers, a manual stop strands the rest.
    for (rate, horizon, expected) in [
        ("3600000/h", "300s", 300_000.0),
        ("100000000/h", "11s", 1e8 / 3600.0 * 11.0),
        ("1000000/s", "300ms", 300_000.0),
    ] {
        let out = run(&format!(
            "name: fast\nhorizon: {horizon}\njob: {{initializing: 0s, max_concurrent_task_count: 10}}\nproducers: [{{name: p, kind: poisson, rate: {rate}}}]\nworkers: [{{count: 0, service_time: {{dist: constant, value: 1m}}}}]\noutput: {{timeseries_every: 1s}}\n"
        ));
        within_poisson(
            &format!("poisson {rate}"),
            out.summary.messages_received as usize,
            expected,
        );
    }
}
