//! SPEC §4b: the parts of `searchable_latency` (notification, queue,
//! processing, human, index) on hand-traced runs, and their sum.

use super::standalone::{run, Arrival, ArrivalKind, Humans, Options, PipelineRun};
use super::*;
use crate::model::workforce::ServiceDist;

fn s(x: f64) -> SimDuration {
    SimDuration::from_secs_f64(x)
}

fn at(x: f64) -> SimTime {
    SimTime::after(s(x))
}

const PARTS: [&str; 5] = ["notification", "queue", "processing", "human", "index"];

/// One queue (S3 notifications after 5 s), one poller (batch 1, 0.1 s
/// requests, 2 s processing, per-message deletes); bulks of 1 taking
/// 0.5 s, a refresh every second.
fn traced() -> PipelineConfig {
    let mut q = QueueConfig::standard("incoming");
    q.notification_delay = ServiceDist::constant(5e6);
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(2e6));
    c.request_latency = s(0.1);
    PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        index: IndexConfig {
            bulk_size: 1,
            flush_interval: SimDuration::ZERO,
            bulk_latency: ServiceDist::constant(0.5e6),
            concurrency: 1,
            refresh_interval: s(1.0),
        },
    }
}

fn go(cfg: &PipelineConfig, arrivals: &[Arrival], opts: Options) -> PipelineRun {
    run(cfg, arrivals, &opts, StreamSeeds::for_replication(2, 0)).unwrap_or_else(|e| panic!("{e}"))
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

/// Σ of the parts' means against the mean of `searchable_latency`.
fn parts_add_up(r: &PipelineRun) {
    let sum: f64 = PARTS
        .iter()
        .map(|p| r.get(&format!("latency_{p}_mean_s")).expect("a mean"))
        .sum();
    let total = r.get("searchable_latency_mean_s").expect("a mean");
    assert!(
        (sum - total).abs() < 1e-9 * total.max(1.0),
        "parts {sum} ≠ searchable latency {total}"
    );
}

#[test]
fn the_parts_of_searchable_latency_on_a_hand_traced_run() {
    // t = 0: the poller's long poll waits; C is uploaded (notification at 5).
    // A sent at 1.0: received at once (1.0), answer 1.1, result 3.1; bulk
    //   3.1–3.6, refresh 4.0. Total 3.0 = 0 + 0 + 2.1 + 0 + 0.9.
    // B sent at 1.5: waits for the poller (A's delete answers at 3.2),
    //   received 3.2, result 5.3; bulk 5.3–5.8, refresh 6.0.
    //   Total 4.5 = 0 + 1.7 + 2.1 + 0 + 0.7.
    // C enqueued at 5.0 (notification): received 5.4 (after B's delete),
    //   result 7.5; bulk 7.5–8.0, refresh 8.0.
    //   Total 8.0 = 5.0 + 0.4 + 2.1 + 0 + 0.5.
    let arrivals = vec![
        Arrival::new(at(0.0), 0, ArrivalKind::Upload),
        Arrival::new(at(1.0), 0, ArrivalKind::Send),
        Arrival::new(at(1.5), 0, ArrivalKind::Send),
    ];
    let r = go(&traced(), &arrivals, Options::until(at(60.0)));
    assert!(close(
        r.get("searchable_latency_mean_s"),
        (3.0 + 4.5 + 8.0) / 3.0
    ));
    assert!(close(r.get("latency_notification_mean_s"), 5.0 / 3.0));
    assert!(close(r.get("latency_queue_mean_s"), (1.7 + 0.4) / 3.0));
    assert!(close(r.get("latency_processing_mean_s"), 2.1));
    assert_eq!(r.get("latency_human_mean_s"), Some(0.0));
    assert!(close(
        r.get("latency_index_mean_s"),
        (0.9 + 0.7 + 0.5) / 3.0
    ));
    // p95 of three samples: the largest (nearest rank).
    assert_eq!(r.get("latency_notification_p95_s"), Some(5.0));
    assert_eq!(r.get("latency_queue_p95_s"), Some(1.7));
    assert_eq!(r.get("latency_processing_p95_s"), Some(2.1));
    assert_eq!(r.get("latency_human_p95_s"), Some(0.0));
    assert_eq!(r.get("latency_index_p95_s"), Some(0.9));
    parts_add_up(&r);
}

#[test]
fn on_the_human_path_the_humans_have_their_own_part() {
    // Sent at 0, received at once, result at 2.1 (confidence 0.5 < 0.85:
    // routed); the humans label it 60 s later (62.1); bulk 62.1–62.6,
    // refresh 63.0. Total 63.0 = 0 + 0 + 2.1 + 60 + 0.9.
    let mut cfg = traced();
    cfg.consumers[0].confidence = ConfidenceDist::Constant(0.5);
    cfg.consumers[0].route = Some(Route {
        threshold: 0.85,
        sample: 0.0,
    });
    let opts = Options {
        humans: Humans::Label {
            after: s(60.0),
            correct: true,
        },
        ..Options::until(at(100.0))
    };
    let r = go(
        &cfg,
        &[Arrival::new(SimTime::ZERO, 0, ArrivalKind::Send)],
        opts,
    );
    assert_eq!(r.get("searchable_latency_human_mean_s"), Some(63.0));
    assert_eq!(r.get("latency_notification_mean_s"), Some(0.0));
    assert_eq!(r.get("latency_queue_mean_s"), Some(0.0));
    assert!(close(r.get("latency_processing_mean_s"), 2.1));
    assert!(close(r.get("latency_human_mean_s"), 60.0));
    assert!(close(r.get("latency_index_mean_s"), 0.9));
    parts_add_up(&r);
}

#[test]
fn nothing_searchable_leaves_every_part_empty() {
    let r = go(&traced(), &[], Options::until(at(60.0)));
    for p in PARTS {
        for stat in ["mean", "p95"] {
            assert_eq!(r.get(&format!("latency_{p}_{stat}_s")), None, "{p} {stat}");
        }
    }
}

#[test]
fn the_parts_add_up_on_a_busy_random_pipeline() {
    // Lognormal notifications, failures and redeliveries after visibility
    // timeouts, P3 copies, late duplicate events, audits and routings
    // answered by the humans, batched bulks: per object the parts add up to
    // the total, so their means add up to its mean.
    let mut q = QueueConfig::standard("incoming");
    q.notification_delay = ServiceDist::lognormal(1e6, 1.0).expect("a lognormal");
    q.visibility_timeout = s(5.0);
    if let QueueKind::Standard(st) = &mut q.kind {
        st.duplicate_probability = 0.05;
        st.reorder_window = 4;
    }
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(300e3));
    c.count = 3;
    c.batch = 5;
    c.failure_probability = 0.05;
    c.confidence = ConfidenceDist::Empirical(vec![0.2, 0.7, 0.95, 0.99]);
    c.route = Some(Route {
        threshold: 0.6,
        sample: 0.2,
    });
    let cfg = PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        index: IndexConfig::default(),
    };
    let mut arrivals =
        standalone::poisson(4.0, SimTime::ZERO, at(600.0), 0, ArrivalKind::Upload, 3);
    let n = arrivals.len();
    for i in (0..n).step_by(7) {
        let t = arrivals[i].at + s(20.0);
        arrivals.push(Arrival::new(t, 0, ArrivalKind::S3Duplicate { of: i }));
    }
    arrivals.sort_by_key(|a| a.at);
    // Sorting moved the originals: name them by their new places.
    let mut place = vec![0usize; arrivals.len()];
    let mut k = 0;
    for (j, a) in arrivals.iter().enumerate() {
        if a.kind == ArrivalKind::Upload {
            place[k] = j;
            k += 1;
        }
    }
    for a in arrivals.iter_mut() {
        if let ArrivalKind::S3Duplicate { of } = &mut a.kind {
            *of = place[*of];
        }
    }
    let opts = Options {
        humans: Humans::Label {
            after: s(90.0),
            correct: true,
        },
        ..Options::until(at(900.0))
    };
    let r = go(&cfg, &arrivals, opts);
    assert!(r.count("human_labeled") > 100);
    assert!(r.count("index_overwrites") > 100);
    assert!(r.get("latency_human_mean_s").unwrap() > 0.0);
    parts_add_up(&r);
}
