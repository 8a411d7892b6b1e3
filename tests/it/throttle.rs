//! R12 sender throttling: each policy on a small scenario whose right
//! behaviour can be computed, the keep-alive, and common random numbers.

use crate::common;
use common::*;
use labelsim::model::TraceKind as K;

const H: f64 = 3_600.0;
const DAY: f64 = 86_400.0;

fn accepted(out: &labelsim::model::RunOutput) -> Vec<f64> {
    events(out, K::Accepted).into_iter().map(|e| e.1).collect()
}

#[test]
fn fixed_rate_sends_at_the_rate() {
    // 100 messages at once, released one per minute: accepted at 0, 60, ...
    // Mean wait at the sender (0 + 1 + ... + 99 minutes)/100 = 49.5 min.
    let out = run(r#"
name: fr
horizon: 1d
job: {initializing: 0s}
producers: [{name: b, kind: burst, size: 100}]
workers: [{count: 5, service_time: {dist: constant, value: 1m}}]
throttle: {policy: fixed_rate, rate: 60/h}
"#);
    let t = accepted(&out);
    assert_eq!(t.len(), 100);
    for (i, x) in t.iter().enumerate() {
        assert_eq!(*x, 60.0 * i as f64);
    }
    let s = &out.summary;
    assert_eq!(s.sender_wait_mean_s.unwrap(), 49.5 * 60.0);
    assert_eq!(s.held_at_sender_max, 99);
    assert_eq!(s.held_at_end, 0);
}

#[test]
fn token_bucket_sends_a_burst_then_at_the_rate() {
    let out = run(r#"
name: tb
horizon: 1d
job: {initializing: 0s}
producers: [{name: b, kind: burst, size: 8}]
workers: [{count: 5, service_time: {dist: constant, value: 1m}}]
throttle: {policy: token_bucket, rate: 60/h, burst: 5}
"#);
    assert_eq!(
        accepted(&out),
        vec![0.0, 0.0, 0.0, 0.0, 0.0, 60.0, 120.0, 180.0]
    );
}

#[test]
fn held_messages_are_counted_never_dropped() {
    // 100 produced, 10/h for 5 h: 51 sent (at 0, 6 min, ..., 5 h: events at
    // the horizon itself still happen), 49 held.
    let s = run(r#"
name: held
horizon: 5h
job: {initializing: 0s}
producers: [{name: b, kind: burst, size: 100}]
workers: [{count: 5, service_time: {dist: constant, value: 1m}}]
throttle: {policy: fixed_rate, rate: 10/h}
"#)
    .summary;
    assert_eq!(s.messages_produced, 100);
    assert_eq!(s.messages_received, 51);
    assert_eq!(s.held_at_end, 49);
    assert_eq!(
        s.messages_produced + s.redeliveries,
        s.messages_received + s.held_at_end
    );
}

const OVERLOAD: &str = r#"
name: ov
seed: 5
horizon: 45d
job: {initializing: 5m, max_concurrent_task_count: 1000}
producers: [{name: cameras, kind: poisson, rate: 200/h, start: 5m}]
workers: [{name: team, count: 10, service_time: {dist: exponential, mean: 6m}}]
"#;

#[test]
fn backlog_threshold_keeps_the_observed_backlog_near_high() {
    // The sender samples every 1 min with a 2 min delay; it stops above
    // `high` and counts its own sends since the reading, so the queue never
    // exceeds `high` by more than the inflow of one delay + period.
    let out =
        run(&(OVERLOAD.to_string()
            + "throttle: {policy: backlog_threshold, high: 2000, low: 1500}\n"));
    let s = &out.summary;
    let slack = 200.0 / H * (120.0 + 60.0);
    assert!(
        s.backlog_max as f64 <= 2000.0 + slack,
        "backlog_max {}",
        s.backlog_max
    );
    assert!(out
        .timeseries
        .iter()
        .all(|x| x.backlog as f64 <= 2000.0 + slack));
    assert_eq!(s.expired_in_queue, 0);
    assert!(s.held_at_end > 0);
}

#[test]
fn backlog_threshold_beats_none_on_the_bundled_overload_scenario() {
    let text = std::fs::read_to_string("scenarios/overload-expiry.yaml").unwrap();
    let none = run(&text).summary;
    let throttled =
        run(&(text.clone() + "throttle: {policy: backlog_threshold, high: 2000, low: 1500}\n"))
            .summary;
    assert!(none.expired_in_queue > 10_000);
    assert!(
        throttled.expired_in_queue < none.expired_in_queue / 10,
        "{} vs {}",
        throttled.expired_in_queue,
        none.expired_in_queue
    );
    for s in [&none, &throttled] {
        assert_eq!(
            s.lost_after_stop + s.lost_not_in_progress + s.stranded_at_stop,
            0,
            "nothing lost"
        );
    }
    // Common random numbers: the same producer stream under both policies.
    assert_eq!(none.messages_produced, throttled.messages_produced);
    // Throughput is capacity either way.
    assert!(
        (throttled.labeled_per_hour.unwrap() - none.labeled_per_hour.unwrap()).abs()
            / none.labeled_per_hour.unwrap()
            < 0.02
    );
}

#[test]
fn aimd_and_pi_hold_the_backlog_near_their_target() {
    for policy in [
        "{policy: aimd, increase: 5/h, decrease_factor: 0.5, target_backlog: 500, interval: 5m, initial_rate: 100/h}",
        "{policy: pi, target_backlog: 500, kp: 1, ki: 0.1, interval: 5m, base_rate: 100/h}",
    ] {
        let out = run(&format!("{OVERLOAD}throttle: {policy}\n"));
        let s = &out.summary;
        assert_eq!(s.expired_in_queue, 0, "{policy}");
        assert!(s.backlog_max < 2000, "{policy}: backlog_max {}", s.backlog_max);
        // After the first days, the backlog hovers around the target.
        let late: Vec<f64> = out.timeseries.iter().filter(|x| x.t_s > 5.0 * DAY).map(|x| x.backlog as f64).collect();
        let mean = late.iter().sum::<f64>() / late.len() as f64;
        assert!((200.0..1000.0).contains(&mean), "{policy}: mean backlog {mean}");
        assert!(s.labeled_per_hour.unwrap() > 95.0, "{policy}: workers kept busy ({})", s.labeled_per_hour.unwrap());
    }
}

#[test]
fn expiry_alarm_pauses_sending_after_an_expiry() {
    let text = OVERLOAD.to_string();
    let none = run(&text).summary;
    let out = run(&(text + "throttle: {policy: expiry_alarm, pause: 2d}\n"));
    let s = &out.summary;
    assert!(s.held_at_sender_max > 0, "the alarm paused the sender");
    assert!(s.expired_in_queue < none.expired_in_queue);
    assert!(none.expired_in_queue > 0);
}

#[test]
fn keepalive_prevents_an_idle_stop_that_happens_without_it() {
    // Bursts on day 0 and day 12: without keep-alive the job stops idle
    // on day 10 and the second burst is lost; with one every 9 days it is not.
    let base = r#"
name: ka
horizon: 15d
job: {initializing: 0s}
producers:
  - {name: a, kind: burst, size: 5}
  - {name: b, kind: burst, size: 5, start: 12d}
workers: [{count: 5, service_time: {dist: constant, value: 1m}}]
"#;
    let without = run(base).summary;
    assert_eq!(
        without.job_end_state,
        Some(labelsim::model::EndState::StoppedIdle)
    );
    assert_eq!(without.lost_after_stop, 5);
    let with =
        run(&(base.to_string() + "throttle: {policy: none, keepalive: {every: 9d}}\n")).summary;
    assert_eq!(
        with.job_end_state,
        Some(labelsim::model::EndState::InProgress)
    );
    assert_eq!(with.lost_after_stop, 0);
    assert_eq!(with.keepalive_messages, 1, "one heartbeat at day 9");
    assert_eq!(
        with.objects_labeled, 11,
        "its cost: one more object labeled"
    );
}

#[test]
fn policies_see_only_delayed_metrics() {
    // With a 15-minute delay the threshold reacts later; the own-send
    // estimate still bounds the queue, but the sender holds longer.
    let fast = run(&(OVERLOAD.to_string() + "throttle: {policy: backlog_threshold, high: 2000, low: 1500}\nmetrics: {period: 1m, delay: 2m}\n")).summary;
    let slow = run(&(OVERLOAD.to_string() + "throttle: {policy: backlog_threshold, high: 2000, low: 1500}\nmetrics: {period: 5m, delay: 15m}\n")).summary;
    assert!(
        slow.backlog_mean.unwrap() < fast.backlog_mean.unwrap(),
        "stale readings make the sender more cautious"
    );
    assert!(slow.backlog_max <= 2000 + 200 * 20 / 60);
}

#[test]
fn bad_throttle_parameters_name_the_field() {
    for (t, field) in [
        ("{policy: fixed_rate}", "throttle.rate"),
        ("{policy: fixed_rate, rate: fast}", "throttle.rate"),
        (
            "{policy: backlog_threshold, high: 10, low: 20}",
            "throttle.low",
        ),
        ("{policy: teleport}", "throttle.policy"),
        ("{policy: none, speed: 3}", "throttle.speed"),
        (
            "{policy: aimd, increase: 5/h, target_backlog: 10, decrease_factor: 2}",
            "throttle.decrease_factor",
        ),
    ] {
        let err = try_scenario(&format!("name: x\nhorizon: 1d\nthrottle: {t}\n")).unwrap_err();
        assert!(
            err.problems
                .iter()
                .any(|p| p.field == field && p.line == Some(3)),
            "{t}: {err}"
        );
    }
}

#[test]
fn a_queue_waking_from_inactivity_reports_late() {
    // Bursts every 2 days into a slow team: each burst wakes a queue idle for
    // more than 6 hours, so the readings of its first 15 minutes arrive 15
    // minutes after the wake-up instead of 2 minutes after sampling, and the
    // threshold sender waits longer for news that the queue is draining.
    let base = r#"
name: wake
horizon: 8d
job: {initializing: 0s, max_concurrent_task_count: 20}
producers: [{name: b, kind: burst, size: 400, every: 2d, start: 1h}]
workers: [{count: 20, service_time: {dist: constant, value: 3m}}]
throttle: {policy: backlog_threshold, high: 50, low: 40}
"#;
    let prompt =
        run(&(base.to_string() + "metrics: {period: 1m, delay: 2m, wake_delay: 0s}\n")).summary;
    let sleepy =
        run(&(base.to_string()
            + "metrics: {period: 1m, delay: 2m, wake_delay: 15m, inactivity: 6h}\n"))
        .summary;
    assert!(
        sleepy.sender_wait_mean_s.unwrap() > prompt.sender_wait_mean_s.unwrap(),
        "sleepy {} vs prompt {}",
        sleepy.sender_wait_mean_s.unwrap(),
        prompt.sender_wait_mean_s.unwrap()
    );
    assert_eq!(
        sleepy.objects_labeled, prompt.objects_labeled,
        "same work done in the end"
    );
}

/// Issue 18: a FIFO queue sent at or above its request limit throttles
/// sends for ever (each retried every backoff); validation says so, and is
/// quiet just below the limit and under `high_throughput`.
#[test]
fn fifo_sends_at_the_request_limit_are_warned_about() {
    let yaml = |rate: &str, high: bool| {
        format!(
            "name: t\nseed: 5\nhorizon: 1h\n\
             producers: [{{name: p, kind: poisson, rate: {rate}, to: q}}]\n\
             pipeline:\n  queues: [{{name: q, type: fifo, groups: 400, high_throughput: {high}}}]\n  \
             consumers: [{{name: c, queue: q, count: 200, batch: 10, wait: 20s, processing_time: {{dist: constant, value: 1s}}}}]\n"
        )
    };
    let warned = |s: &labelsim::scenario::Scenario| {
        s.warnings
            .iter()
            .any(|w| w.field == "pipeline.queues[0].throughput")
    };
    let at = scenario(&yaml("300/s", false));
    assert!(warned(&at), "{:?}", at.warnings);
    let w = at
        .warnings
        .iter()
        .find(|w| w.field == "pipeline.queues[0].throughput")
        .unwrap();
    assert!(
        w.message.contains("300/s") && w.message.contains("throttle_backoff"),
        "{}",
        w.message
    );
    assert!(!warned(&scenario(&yaml("299/s", false))));
    assert!(!warned(&scenario(&yaml("300/s", true))));
}
