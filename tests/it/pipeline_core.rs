//! SPEC §6 pipelines, rule by rule (P1–P9): hand-traced scenarios with
//! constant times and 0 ms requests, each with its expected numbers worked
//! out in a comment, plus statistical checks against queueing theory.
//!
//! Every run goes through `standalone::run`, which checks the P9 ledgers at
//! the end (a ledger violation fails the test).
//!
//! Tie order used in the traces (SPEC §1): the pollers' first receives are
//! scheduled before the first arrival, so at t = 0 every poller is already
//! waiting (long polling) or has already come back empty (short polling);
//! visibility timeouts and retention are deadlines, after the ordinary
//! events of their instant.

use crate::common;

use labelsim::engine::{SimDuration, SimTime, StreamSeeds};
use labelsim::model::pipeline::standalone::{self, Arrival, ArrivalKind, Humans, Options};
use labelsim::model::pipeline::{
    ConfidenceDist, ConsumerConfig, DeadLetter, DeleteMode, FifoDedup, FifoQueue, IndexConfig,
    Outcome, PipelineConfig, Polling, QueueConfig, QueueKind, Route, StandardQueue,
    ThroughputScope, Visibility,
};
use labelsim::model::workforce::ServiceDist;

fn s(x: f64) -> SimDuration {
    SimDuration::from_secs_f64(x)
}
fn at(x: f64) -> SimTime {
    SimTime::after(s(x))
}
fn constant(x_s: f64) -> ServiceDist {
    ServiceDist::constant(x_s * 1e6)
}

/// A consumer on queue 0: `count` pollers, batch 1, long polling 20 s,
/// 0 ms requests, constant processing.
fn consumer(count: u32, processing_s: f64) -> ConsumerConfig {
    let mut c = ConsumerConfig::new("classifier", 0, constant(processing_s));
    c.count = count;
    c.request_latency = SimDuration::ZERO;
    c
}

/// An index that makes every document searchable the instant it is
/// written: bulks of 1, no flush wait, 0 ms bulk latency, no refresh wait.
fn instant_index() -> IndexConfig {
    IndexConfig {
        bulk_size: 1,
        flush_interval: SimDuration::ZERO,
        bulk_latency: constant(0.0),
        concurrency: 1,
        refresh_interval: SimDuration::ZERO,
    }
}

fn pipeline(queue: QueueConfig, consumers: Vec<ConsumerConfig>) -> PipelineConfig {
    PipelineConfig {
        queues: vec![queue],
        consumers,
        index: instant_index(),
    }
}

fn sends(times: &[f64]) -> Vec<Arrival> {
    times
        .iter()
        .map(|&t| Arrival::new(at(t), 0, ArrivalKind::Send))
        .collect()
}

fn run(cfg: &PipelineConfig, arrivals: &[Arrival], horizon_s: f64) -> standalone::PipelineRun {
    run_opts(cfg, arrivals, Options::until(at(horizon_s)))
}

fn run_opts(cfg: &PipelineConfig, arrivals: &[Arrival], opts: Options) -> standalone::PipelineRun {
    standalone::run(cfg, arrivals, &opts, StreamSeeds::for_replication(1, 0))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn fifo(groups: u32) -> QueueConfig {
    let mut q = QueueConfig::fifo("incoming");
    if let QueueKind::Fifo(f) = &mut q.kind {
        f.groups = groups;
    }
    q
}

// ----- P1 / P2 / P5: visibility timeout, receipt handles ------------------

#[test]
fn p1_p5_processing_longer_than_the_visibility_timeout_is_redelivered_and_deletes_fail() {
    // One message at 0; visibility 30 s; 2 pollers; processing 45 s.
    //  0  p0 receives it (handle 1); p1 keeps waiting
    // 20  p1's long poll ends empty (empty_receives 1), p1 polls again
    // 30  visibility timeout: visible again, p1 receives it (handle 2)
    // 45  p0 done: result 1, delete with handle 1 fails (outdated); p0 polls
    // 60  visibility timeout: p0 receives it (handle 3)
    // 75  p1 done: result 2, delete with handle 2 fails; p1 polls
    // 90  visibility timeout: p1 receives it (handle 4), processing to 135
    // 100 horizon: 4 receives, 2 processings, 0 deletes, 1 in flight.
    // Requests: 1 send + receives (p0 at 0, 45; p1 at 0, 20, 75) + 2 deletes = 8.
    let cfg = pipeline(QueueConfig::standard("incoming"), vec![consumer(2, 45.0)]);
    let r = run(&cfg, &sends(&[0.0]), 100.0);
    assert_eq!(r.count("incoming.received"), 4);
    assert_eq!(r.count("classifier.processed"), 2);
    assert_eq!(
        r.count("classifier.results"),
        2,
        "P5: every processing emits a result"
    );
    assert_eq!(r.count("incoming.deleted"), 0);
    assert_eq!(r.count("incoming.delete_failures"), 2);
    assert_eq!(r.count("incoming.in_flight_at_end"), 1);
    assert_eq!(r.count("incoming.empty_receives"), 1);
    assert_eq!(r.count("requests"), 8);
    // P8: one object, written twice: one document, one overwrite.
    assert_eq!(r.count("indexed_documents"), 1);
    assert_eq!(r.count("index_overwrites"), 1);
}

#[test]
fn p5_extend_visibility_keeps_the_message_until_its_delete() {
    // As above with heartbeats: p0 holds the message from 0 to its delete
    // at 45, which succeeds; p1 never sees it.
    // Empty receives: p1's long polls end at 20, 40, 60, 80, 100 (5); p0's
    // polls from 45 end at 65, 85 (2): 7.
    let mut c = consumer(2, 45.0);
    c.visibility = Visibility::Extend;
    let cfg = pipeline(QueueConfig::standard("incoming"), vec![c]);
    let r = run(&cfg, &sends(&[0.0]), 100.0);
    assert_eq!(r.count("incoming.received"), 1);
    assert_eq!(r.count("classifier.processed"), 1);
    assert_eq!(r.count("incoming.deleted"), 1);
    assert_eq!(r.count("incoming.delete_failures"), 0);
    assert_eq!(r.count("incoming.empty_receives"), 7);
}

#[test]
fn p1_dead_letter_after_max_receive_count() {
    // The first scenario with dead_letter {max_receive_count: 2}: receives at
    // 0 and 30; at 60 the message would be visible after its 2nd receive, so
    // it moves to the dead-letter queue. Both deletes fail (45: outdated
    // handle; 75: the message is gone).
    let mut q = QueueConfig::standard("incoming");
    q.dead_letter = Some(DeadLetter {
        max_receive_count: 2,
    });
    let cfg = pipeline(q, vec![consumer(2, 45.0)]);
    let r = run(&cfg, &sends(&[0.0]), 100.0);
    assert_eq!(r.count("incoming.received"), 2);
    assert_eq!(r.count("incoming.dead_lettered"), 1);
    assert_eq!(r.count("dead_lettered"), 1);
    assert_eq!(r.count("incoming.dead_letter_at_end"), 1);
    assert_eq!(r.count("classifier.processed"), 2);
    assert_eq!(r.count("incoming.deleted"), 0);
    assert_eq!(r.count("incoming.delete_failures"), 2);
    assert_eq!(r.count("incoming.in_flight_at_end"), 0);
}

#[test]
fn p1_retention_counts_from_the_original_enqueue_while_in_flight() {
    // Retention 60 s, visibility 12 h, processing 100 s: received at 0, still
    // in flight at 60, it expires then; the delete at 100 fails.
    let mut q = QueueConfig::standard("incoming");
    q.retention = s(60.0);
    q.visibility_timeout = SimDuration::from_hours(12);
    let cfg = pipeline(q, vec![consumer(1, 100.0)]);
    let r = run(&cfg, &sends(&[0.0]), 59.0);
    assert_eq!(
        (r.count("expired"), r.count("incoming.in_flight_at_end")),
        (0, 1)
    );
    // Exactly at 60 it is gone (events at the horizon count).
    let r = run(&cfg, &sends(&[0.0]), 60.0);
    assert_eq!(
        (r.count("expired"), r.count("incoming.in_flight_at_end")),
        (1, 0)
    );
    let r = run(&cfg, &sends(&[0.0]), 120.0);
    assert_eq!(r.count("classifier.processed"), 1);
    assert_eq!(r.count("incoming.deleted"), 0);
    assert_eq!(r.count("incoming.delete_failures"), 1);
}

#[test]
fn p1_retention_counts_from_the_original_enqueue_in_the_dead_letter_queue() {
    // Retention 60 s, visibility 10 s, max_receive_count 1, processing 20 s:
    // received at 0, dead-lettered at 10, expires from the dead-letter queue
    // at 60 (not 10 + 60).
    let mut q = QueueConfig::standard("incoming");
    q.retention = s(60.0);
    q.visibility_timeout = s(10.0);
    q.dead_letter = Some(DeadLetter {
        max_receive_count: 1,
    });
    let cfg = pipeline(q, vec![consumer(1, 20.0)]);
    let r = run(&cfg, &sends(&[0.0]), 59.999);
    assert_eq!(r.count("incoming.dead_lettered"), 1);
    assert_eq!(r.count("incoming.dead_letter_at_end"), 1);
    let r = run(&cfg, &sends(&[0.0]), 60.0);
    assert_eq!(r.count("incoming.dead_letter_expired"), 1);
    assert_eq!(r.count("incoming.dead_letter_at_end"), 0);
    assert_eq!(
        r.count("incoming.expired"),
        0,
        "counted apart from the queue's"
    );
}

#[test]
fn p1_delay_hides_a_message_and_retention_runs_during_the_delay() {
    // Delay 10 s: sent at 0, visible and received at 10, processed at 11.
    let mut q = QueueConfig::standard("incoming");
    q.delay = s(10.0);
    let cfg = pipeline(q.clone(), vec![consumer(1, 1.0)]);
    let r = run(&cfg, &sends(&[0.0]), 5.0);
    assert_eq!(r.count("incoming.delayed_at_end"), 1);
    assert_eq!(r.count("incoming.received"), 0);
    let r = run(&cfg, &sends(&[0.0]), 20.0);
    assert_eq!(r.get("incoming.queue_wait_mean_s"), Some(10.0));
    assert_eq!(r.get("searchable_latency_mean_s"), Some(11.0));
    // Delay 15 m against retention 60 s: it expires before it is ever visible.
    q.delay = SimDuration::from_mins(15);
    q.retention = s(60.0);
    let cfg = pipeline(q, vec![consumer(1, 1.0)]);
    let r = run(&cfg, &sends(&[0.0]), 1000.0);
    assert_eq!(r.count("incoming.expired"), 1);
    assert_eq!(r.count("incoming.received"), 0);
}

// ----- P2: polling and batches ---------------------------------------------

#[test]
fn p2_long_and_short_polling_request_counts_over_a_quiet_minute() {
    // No messages, [0, 60 s): short polling every 1 s polls at 0, 1, ..., 59:
    // 60 requests, all empty. Long polling (wait 20 s) polls at 0, 20, 40:
    // 3 requests; the first two end empty, the third is still waiting.
    let quiet = 60.0 - 1e-6;
    let mut short = consumer(1, 1.0);
    short.polling = Polling::Short {
        poll_interval: s(1.0),
    };
    let r = run(
        &pipeline(QueueConfig::standard("incoming"), vec![short.clone()]),
        &[],
        quiet,
    );
    assert_eq!(r.count("classifier.receive_requests"), 60);
    assert_eq!(r.count("classifier.empty_receives"), 60);
    let r = run(
        &pipeline(QueueConfig::standard("incoming"), vec![consumer(1, 1.0)]),
        &[],
        quiet,
    );
    assert_eq!(r.count("classifier.receive_requests"), 3);
    assert_eq!(r.count("classifier.empty_receives"), 2);
    // With 20 ms requests, short polling repeats every 1.02 s: polls at
    // k · 1.02 < 60 for k = 0..=58: 59 requests.
    short.request_latency = SimDuration::from_millis(20);
    let r = run(
        &pipeline(QueueConfig::standard("incoming"), vec![short]),
        &[],
        quiet,
    );
    assert_eq!(r.count("classifier.receive_requests"), 59);
}

#[test]
fn p2_p5_batch_receive_with_per_message_and_batch_deletes() {
    // 10 messages at 0; short polling (1 s), batch 10, processing 1 s:
    // poll at 0 is empty (before the sends), poll at 1 takes all 10,
    // processed 1..11, poll at 11 empty. Horizon 11.5.
    // Per-message deletes: 10 delete requests; requests = 10 sends
    // + 3 receives + 10 deletes = 23.
    // Batch delete: 1 request at 11; requests = 10 + 3 + 1 = 14.
    let mut c = consumer(1, 1.0);
    c.batch = 10;
    c.polling = Polling::Short {
        poll_interval: s(1.0),
    };
    let arrivals = sends(&[0.0; 10]);
    let r = run(
        &pipeline(QueueConfig::standard("incoming"), vec![c.clone()]),
        &arrivals,
        11.5,
    );
    assert_eq!(r.count("classifier.receive_requests"), 3);
    assert_eq!(r.count("classifier.delete_requests"), 10);
    assert_eq!(r.count("incoming.requests"), 23);
    assert_eq!(r.count("incoming.deleted"), 10);
    c.delete = DeleteMode::Batch;
    let r = run(
        &pipeline(QueueConfig::standard("incoming"), vec![c]),
        &arrivals,
        11.5,
    );
    assert_eq!(r.count("classifier.receive_requests"), 3);
    assert_eq!(r.count("classifier.delete_requests"), 1);
    assert_eq!(r.count("incoming.requests"), 14);
    assert_eq!(r.count("incoming.deleted"), 10);
}

// ----- P3: standard queues -------------------------------------------------

#[test]
fn p3_a_surviving_copy_is_delivered_again_and_overwrites_in_the_index() {
    // duplicate_probability 1: every successful delete leaves a copy,
    // visible at once. One message, processing 1 s: processed at 1, 2, 3,
    // 4, 5, each time deleted and copied; at 5.5 the 6th delivery is in
    // flight. enqueued 1 + duplicates 5 = deleted 5 + in flight 1.
    // Index: one object (1 document, 4 overwrites), searchable once at 1 s.
    let mut q = QueueConfig::standard("incoming");
    q.kind = QueueKind::Standard(StandardQueue {
        duplicate_probability: 1.0,
        reorder_window: 1,
    });
    let r = run(&pipeline(q, vec![consumer(1, 1.0)]), &sends(&[0.0]), 5.5);
    assert_eq!(r.count("classifier.processed"), 5);
    assert_eq!(r.count("incoming.deleted"), 5);
    assert_eq!(r.count("duplicates_delivered"), 5);
    assert_eq!(r.count("incoming.in_flight_at_end"), 1);
    assert_eq!(r.count("indexed_documents"), 1);
    assert_eq!(r.count("index_overwrites"), 4);
    assert_eq!(r.get("searchable_latency_p99_s"), Some(1.0));
}

fn searchable_order(r: &standalone::PipelineRun) -> Vec<u64> {
    r.outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Searchable { object, .. } => Some(object.ids.upload),
            _ => None,
        })
        .collect()
}

#[test]
fn p3_reorder_window_one_is_oldest_first_and_wider_windows_shuffle() {
    // Short polling (so both messages are visible at the poll at 1 s),
    // batch 1, processing 1 s.
    let mut c = consumer(1, 1.0);
    c.polling = Polling::Short {
        poll_interval: s(1.0),
    };
    let arrivals = sends(&[0.0, 0.0]);
    let opts = Options {
        trace: true,
        ..Options::until(at(10.0))
    };
    let r = run_opts(
        &pipeline(QueueConfig::standard("incoming"), vec![c.clone()]),
        &arrivals,
        opts,
    );
    assert_eq!(searchable_order(&r), vec![1, 2]);
    // Window 2: the first receive picks either message with probability
    // 1/2. Over 400 seeds the second comes first Bin(400, 1/2) times:
    // 200 ± 10 (sd); 140..260 is 6 sd wide.
    let mut q = QueueConfig::standard("incoming");
    q.kind = QueueKind::Standard(StandardQueue {
        duplicate_probability: 0.0,
        reorder_window: 2,
    });
    let cfg = pipeline(q, vec![c]);
    let second_first = (0..400)
        .filter(|&seed| {
            let r = standalone::run(
                &cfg,
                &arrivals,
                &opts,
                StreamSeeds::for_replication(seed, 0),
            )
            .unwrap();
            searchable_order(&r) == vec![2, 1]
        })
        .count();
    assert!((140..=260).contains(&second_first), "{second_first}");
}

// ----- P4: FIFO queues -----------------------------------------------------

fn grouped(times_groups: &[(f64, u32)]) -> Vec<Arrival> {
    times_groups
        .iter()
        .map(|&(t, g)| Arrival {
            group: Some(g),
            ..Arrival::new(at(t), 0, ArrivalKind::Send)
        })
        .collect()
}

#[test]
fn p4_a_group_is_blocked_while_one_of_its_messages_is_in_flight() {
    // FIFO, 2 pollers, processing 10 s; messages 1, 2 in group 0, message
    // 3 in group 1, all at 0. p0 takes 1; 2 is blocked behind it; p1 takes
    // 3. At 10 both delete; p0 (first to poll again... p1's delete frees
    // nothing of group 0, p0's frees it): 2 is received at 10, done at 20.
    // Searchable at 10 (1), 10 (3), 20 (2).
    let cfg = pipeline(fifo(2), vec![consumer(2, 10.0)]);
    let opts = Options {
        trace: true,
        ..Options::until(at(100.0))
    };
    let r = run_opts(&cfg, &grouped(&[(0.0, 0), (0.0, 0), (0.0, 1)]), opts);
    assert_eq!(searchable_order(&r), vec![1, 3, 2]);
    assert_eq!(r.get("searchable_latency_p99_s"), Some(20.0));
    assert_eq!(r.get("searchable_latency_p50_s"), Some(10.0));
    assert_eq!(r.count("incoming.order_violations"), 0);
    // One group: strictly one at a time, at 10, 20, 30.
    let r = run_opts(&cfg, &grouped(&[(0.0, 0), (0.0, 0), (0.0, 0)]), opts);
    assert_eq!(searchable_order(&r), vec![1, 2, 3]);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(20.0));
}

#[test]
fn p4_order_within_a_group_is_strict_despite_failures() {
    // One group, 3 pollers, batch 3, 30% transient failures, visibility 5 s
    // (a batch takes at most 3 s): a failure leaves the group's later
    // messages of the batch unprocessed, so results come out in send order.
    let mut c = consumer(3, 1.0);
    c.batch = 3;
    c.failure_probability = 0.3;
    let mut q = fifo(1);
    q.visibility_timeout = s(5.0);
    let arrivals = sends(&(0..200).map(|i| i as f64 * 0.5).collect::<Vec<_>>());
    let opts = Options {
        trace: true,
        ..Options::until(at(5000.0))
    };
    let r = run_opts(&pipeline(q, vec![c]), &arrivals, opts);
    assert_eq!(searchable_order(&r), (1..=200).collect::<Vec<_>>());
    assert_eq!(r.count("order_violations"), 0);
    assert!(r.count("classifier.failures") > 20);
    assert!(r.count("classifier.skipped") > 0);
}

#[test]
fn p4_deduplication_window_is_exactly_five_minutes() {
    // Object 1 sent at 0 (enqueued, processed and deleted at 1 s); a
    // producer retry at 4m59.999999s is deduplicated (the ID outlives the
    // delete); one at exactly 5m is enqueued. sent 3 = deduplicated 1 +
    // enqueued 2. Content deduplication catches the retry as well (same body).
    for dedup in [FifoDedup::MessageId, FifoDedup::Content] {
        let mut q = fifo(1);
        if let QueueKind::Fifo(f) = &mut q.kind {
            f.deduplication = dedup;
        }
        let arrivals = vec![
            Arrival::new(at(0.0), 0, ArrivalKind::Send),
            Arrival::new(at(300.0 - 1e-6), 0, ArrivalKind::Retry { of: 0 }),
            Arrival::new(at(300.0), 0, ArrivalKind::Retry { of: 0 }),
        ];
        let r = run(&pipeline(q, vec![consumer(1, 1.0)]), &arrivals, 400.0);
        assert_eq!(r.count("incoming.sent"), 3, "{dedup:?}");
        assert_eq!(r.count("fifo_deduplicated"), 1, "{dedup:?}");
        assert_eq!(r.count("incoming.enqueued"), 2, "{dedup:?}");
        assert_eq!(r.count("indexed_documents"), 1, "{dedup:?}");
        assert_eq!(r.count("index_overwrites"), 1, "{dedup:?}");
    }
}

#[test]
fn p4_throughput_is_throttled_at_300_per_second_with_backoff() {
    // 301 sends at 0 (no consumer): 300 fit in the second [0, 1); the 301st
    // is throttled at 0 and at each retry 0.1, ..., 0.9 (10 throttles) and
    // enqueued at 1.0.
    let arrivals = sends(&[0.0; 301]);
    let cfg = pipeline(fifo(1), vec![]);
    let r = run(&cfg, &arrivals, 0.95);
    assert_eq!(r.count("incoming.throttled_requests"), 10);
    assert_eq!(r.count("incoming.enqueued"), 300);
    assert_eq!(r.count("incoming.send_pending_at_end"), 1);
    let r = run(&cfg, &arrivals, 1.0);
    assert_eq!(r.count("throttled_requests"), 10);
    assert_eq!(r.count("incoming.enqueued"), 301);
    assert_eq!(r.count("incoming.send_requests"), 301);
    assert_eq!(r.count("incoming.send_pending_at_end"), 0);
    // high_throughput: the limit is per group; 150 + 151 in two groups fit.
    let mut q = fifo(2);
    if let QueueKind::Fifo(f) = &mut q.kind {
        f.throughput_scope = ThroughputScope::PerGroup;
    }
    let two_groups: Vec<(f64, u32)> = (0..301).map(|i| (0.0, i % 2)).collect();
    let r = run(&pipeline(q, vec![]), &grouped(&two_groups), 0.5);
    assert_eq!(r.count("throttled_requests"), 0);
    assert_eq!(r.count("incoming.enqueued"), 301);
}

#[test]
fn p4_a_zero_throttle_backoff_is_refused() {
    // Issue 18: a throttled send retried at the same instant would be
    // throttled again forever (301 sends at 0 against 300/s).
    let mut q = fifo(1);
    if let QueueKind::Fifo(f) = &mut q.kind {
        f.throttle_backoff = SimDuration::ZERO;
    }
    let e = match standalone::run(
        &pipeline(q, vec![]),
        &sends(&[0.0; 301]),
        &Options::until(at(2.0)),
        StreamSeeds::for_replication(1, 0),
    ) {
        Ok(_) => panic!("a zero backoff must be refused"),
        Err(e) => e,
    };
    assert!(e.contains("throttle_backoff must be > 0"), "{e}");
}

#[test]
fn p4_throttled_pollers_retry_once_per_backoff() {
    // Issue 18: throughput 1/s, 3 pollers long polling 1 s on an empty
    // queue, 0 ms requests, backoff 100 ms. Each second k one poll is
    // admitted (that poller waits until k + 1, then polls again); the other
    // two are throttled at k.0, k.1, ..., k.9 — 20 a second, the model's
    // (pollers − throughput × cycle) / backoff = (3 − 1 × 1 s) / 0.1 s.
    // Up to 9.95 s: 10 admitted receives, 200 throttled, 9 empty long
    // polls (their ends at 1, ..., 9).
    let mut q = fifo(1);
    if let QueueKind::Fifo(f) = &mut q.kind {
        f.throughput_per_s = 1;
    }
    let mut c = consumer(3, 1.0);
    c.polling = Polling::Long { wait: s(1.0) };
    let r = run(&pipeline(q, vec![c]), &[], 9.95);
    assert_eq!(r.count("incoming.receive_requests"), 10);
    assert_eq!(r.count("incoming.throttled_requests"), 200);
    assert_eq!(r.count("incoming.empty_receives"), 9);
}

#[test]
fn p4_p5_a_fifo_delete_after_the_visibility_timeout_fails_but_a_standard_one_succeeds() {
    // One poller, visibility 30 s, processing 45 s: the timeout at 30 makes
    // the message visible; nobody receives it before the delete at 45.
    // Standard: the handle is still the latest: deleted.
    let cfg = pipeline(QueueConfig::standard("incoming"), vec![consumer(1, 45.0)]);
    let r = run(&cfg, &sends(&[0.0]), 100.0);
    assert_eq!(
        (
            r.count("incoming.deleted"),
            r.count("incoming.delete_failures")
        ),
        (1, 0)
    );
    // FIFO: the delete at 45 fails; received again at 45, processed to 90,
    // that delete fails too (timeout at 75); received again at 90.
    let r = run(
        &pipeline(fifo(1), vec![consumer(1, 45.0)]),
        &sends(&[0.0]),
        100.0,
    );
    assert_eq!(r.count("incoming.deleted"), 0);
    assert_eq!(r.count("incoming.delete_failures"), 2);
    assert_eq!(r.count("incoming.received"), 3);
    assert_eq!(r.count("classifier.processed"), 2);
}

// ----- P5: failures and poison ---------------------------------------------

#[test]
fn p5_a_poison_message_fails_every_time_until_dead_lettered() {
    // poison_probability 1, visibility 10 s, max_receive_count 3,
    // processing 1 s: receives at 0, 10, 20 (each failing 1 s later); at 30
    // it moves to the dead-letter queue. processed 3 = results 0 + failures 3.
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = s(10.0);
    q.dead_letter = Some(DeadLetter {
        max_receive_count: 3,
    });
    let mut c = consumer(1, 1.0);
    c.poison_probability = 1.0;
    let r = run(&pipeline(q, vec![c]), &sends(&[0.0]), 40.0);
    assert_eq!(r.count("classifier.processed"), 3);
    assert_eq!(r.count("classifier.failures"), 3);
    assert_eq!(r.count("classifier.poison_failures"), 3);
    assert_eq!(r.count("classifier.results"), 0);
    assert_eq!(r.count("incoming.dead_lettered"), 1);
    assert_eq!(r.count("incoming.delete_requests"), 0);
}

#[test]
fn p5_extended_visibility_after_a_failure_returns_at_the_timeout() {
    // Extend visibility, failure_probability 1, visibility 30 s, processing
    // 45 s, max_receive_count 1: the failure at 45 stops the heartbeats; the
    // message is visible again at max(0 + 30, 45) = 45 and, after its first
    // receive, dead-lettered.
    let mut q = QueueConfig::standard("incoming");
    q.dead_letter = Some(DeadLetter {
        max_receive_count: 1,
    });
    let mut c = consumer(1, 45.0);
    c.visibility = Visibility::Extend;
    c.failure_probability = 1.0;
    let cfg = pipeline(q, vec![c]);
    let r = run(&cfg, &sends(&[0.0]), 44.0);
    assert_eq!(r.count("incoming.in_flight_at_end"), 1);
    let r = run(&cfg, &sends(&[0.0]), 45.0);
    assert_eq!(r.count("incoming.dead_lettered"), 1);
    assert_eq!(r.count("classifier.failures"), 1);
}

// ----- P6: classifier and routing ------------------------------------------

fn routed(confidence: f64, threshold: f64, sample: f64) -> standalone::PipelineRun {
    let mut c = consumer(1, 1.0);
    c.confidence = ConfidenceDist::Constant(confidence);
    c.route = Some(Route { threshold, sample });
    run(
        &pipeline(QueueConfig::standard("incoming"), vec![c]),
        &sends(&[0.0]),
        10.0,
    )
}

#[test]
fn p6_confidence_exactly_at_the_threshold_goes_to_the_index() {
    let r = routed(0.85, 0.85, 0.0);
    assert_eq!(
        (r.count("machine_labeled"), r.count("routed_to_humans")),
        (1, 0)
    );
    assert_eq!(r.get("accuracy_machine"), Some(0.85));
    let r = routed(0.85, 0.850001, 0.0);
    assert_eq!(
        (r.count("machine_labeled"), r.count("routed_to_humans")),
        (0, 1)
    );
    assert_eq!(
        r.get("accuracy_machine"),
        None,
        "an empty sample has no value"
    );
    assert_eq!(r.count("indexed_documents"), 0, "humans never answered");
}

#[test]
fn p6_an_audited_result_is_counted_on_both_paths() {
    // sample 1: the confident result is indexed and also sent to humans.
    // results 1 = machine 1 + routed 1 − audited 1.
    let r = routed(0.9, 0.5, 1.0);
    assert_eq!(r.count("classifier.results"), 1);
    assert_eq!(r.count("machine_labeled"), 1);
    assert_eq!(r.count("routed_to_humans"), 1);
    assert_eq!(r.count("audited"), 1);
}

#[test]
fn p6_p8_human_labels_are_indexed_on_the_human_path() {
    // Confidence 0.5 < θ 0.85: routed at 1 s; the stand-in labels it 60 s
    // later (correctly); indexed at once: searchable 61 s after its send.
    let mut c = consumer(1, 1.0);
    c.confidence = ConfidenceDist::Constant(0.5);
    c.route = Some(Route {
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
    let r = run_opts(
        &pipeline(QueueConfig::standard("incoming"), vec![c]),
        &sends(&[0.0]),
        opts,
    );
    assert_eq!(r.count("human_labeled"), 1);
    assert_eq!(r.get("searchable_latency_human_mean_s"), Some(61.0));
    assert_eq!(r.get("searchable_latency_machine_mean_s"), None);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(61.0));
    assert_eq!(r.get("accuracy_human"), Some(1.0));
    assert_eq!(r.get("accuracy_overall"), Some(1.0));
}

#[test]
fn p6_accuracy_is_the_expected_share_of_correct_labels() {
    // Two machine labels at confidence 0.9 and one wrong human label:
    // accuracy_machine 0.9, accuracy_human 0, overall (0.9 + 0.9 + 0) / 3.
    let mut c = consumer(1, 1.0);
    c.confidence = ConfidenceDist::Empirical(vec![0.9]);
    let mut h = consumer(1, 1.0);
    h.name = "low".into();
    h.queue = 1;
    h.confidence = ConfidenceDist::Constant(0.1);
    h.route = Some(Route {
        threshold: 0.5,
        sample: 0.0,
    });
    let cfg = PipelineConfig {
        queues: vec![QueueConfig::standard("a"), QueueConfig::standard("b")],
        consumers: vec![c, h],
        index: instant_index(),
    };
    let arrivals = vec![
        Arrival::new(at(0.0), 0, ArrivalKind::Send),
        Arrival::new(at(0.0), 0, ArrivalKind::Send),
        Arrival::new(at(0.0), 1, ArrivalKind::Send),
    ];
    let opts = Options {
        humans: Humans::Label {
            after: s(1.0),
            correct: false,
        },
        ..Options::until(at(100.0))
    };
    let r = run_opts(&cfg, &arrivals, opts);
    assert_eq!(r.get("accuracy_machine"), Some(0.9));
    assert_eq!(r.get("accuracy_human"), Some(0.0));
    // Exact: the index keeps each label's probability as drawn (f64), so
    // the mean is the hand-computed one to the last bit.
    assert_eq!(r.get("accuracy_overall"), Some((0.9 + 0.9 + 0.0) / 3.0));
}

// ----- P7: S3 event notifications ------------------------------------------

#[test]
fn p7_notifications_arrive_after_their_delay_and_copies_are_one_object() {
    // Notification delay 5 s: an upload at 0 and a duplicate event of it,
    // both delivered at 5, processed by 2 pollers at 6: one document, one
    // overwrite, searchable 6 s after the upload, counted once.
    let mut q = QueueConfig::standard("incoming");
    q.notification_delay = constant(5.0);
    let arrivals = vec![
        Arrival::new(at(0.0), 0, ArrivalKind::Upload),
        Arrival::new(at(0.0), 0, ArrivalKind::S3Duplicate { of: 0 }),
    ];
    let cfg = pipeline(q, vec![consumer(2, 1.0)]);
    let r = run(&cfg, &arrivals, 4.0);
    assert_eq!(r.count("s3_events_pending_at_end"), 2);
    assert_eq!(r.count("incoming.sent"), 0);
    let r = run(&cfg, &arrivals, 10.0);
    assert_eq!(r.count("incoming.enqueued"), 2);
    assert_eq!(r.count("classifier.processed"), 2);
    assert_eq!(r.count("indexed_documents"), 1);
    assert_eq!(r.count("index_overwrites"), 1);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(6.0));
    // A re-upload of the key is a new object: two documents.
    let arrivals = vec![
        Arrival::new(at(0.0), 0, ArrivalKind::Upload),
        Arrival::new(at(1.0), 0, ArrivalKind::Reupload { of: 0 }),
    ];
    let r = run(&cfg, &arrivals, 10.0);
    assert_eq!(r.count("indexed_documents"), 2);
}

#[test]
fn p7_the_test_event_is_discarded() {
    // The s3:TestEvent is received and deleted, never processed or indexed.
    let arrivals = vec![Arrival::new(at(0.0), 0, ArrivalKind::TestEvent)];
    let cfg = pipeline(QueueConfig::standard("incoming"), vec![consumer(1, 1.0)]);
    let r = run(&cfg, &arrivals, 10.0);
    assert_eq!(r.count("test_events_discarded"), 1);
    assert_eq!(r.count("classifier.processed"), 0);
    assert_eq!(r.count("incoming.deleted"), 1);
    assert_eq!(r.count("indexed_documents"), 0);
}

// ----- P8: index -----------------------------------------------------------

fn index_run(
    index: IndexConfig,
    pollers: u32,
    processing_s: f64,
    n: usize,
) -> standalone::PipelineRun {
    let cfg = PipelineConfig {
        queues: vec![QueueConfig::standard("incoming")],
        consumers: vec![consumer(pollers, processing_s)],
        index,
    };
    run(&cfg, &sends(&vec![0.0; n]), 100.0)
}

#[test]
fn p8_a_bulk_goes_out_when_full() {
    // B 3, F 10 s, bulk latency 100 ms, R 1 s: three results at 1 s fill a
    // bulk at once; it completes at 1.1; the refresh at 2 makes them
    // searchable: 2 s each.
    let index = IndexConfig {
        bulk_size: 3,
        flush_interval: s(10.0),
        bulk_latency: constant(0.1),
        concurrency: 1,
        refresh_interval: s(1.0),
    };
    let r = index_run(index, 3, 1.0, 3);
    assert_eq!(r.count("index.bulk_requests"), 1);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(2.0));
    assert_eq!(r.get("searchable_latency_machine_p99_s"), Some(2.0));
}

#[test]
fn p8_a_partial_bulk_goes_out_after_the_flush_interval() {
    // Two results at 1 s (B 3): flushed at 1 + 10 = 11, complete at 11.1,
    // searchable at the refresh at 12.
    let index = IndexConfig {
        bulk_size: 3,
        flush_interval: s(10.0),
        bulk_latency: constant(0.1),
        concurrency: 1,
        refresh_interval: s(1.0),
    };
    let r = index_run(index, 3, 1.0, 2);
    assert_eq!(r.count("index.bulk_requests"), 1);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(12.0));
}

#[test]
fn p8_a_document_completed_exactly_at_a_refresh_is_searchable_then() {
    // B 1, bulk latency 1 s, R 1 s. Processing 1 s: bulk done at 2.000000,
    // a multiple of R: searchable at 2. Processing 1.000001 s: done at
    // 2.000001, searchable at the next refresh, 3.
    let index = IndexConfig {
        bulk_size: 1,
        flush_interval: SimDuration::ZERO,
        bulk_latency: constant(1.0),
        concurrency: 1,
        refresh_interval: s(1.0),
    };
    let r = index_run(index.clone(), 1, 1.0, 1);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(2.0));
    let r = index_run(index, 1, 1.000001, 1);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(3.0));
}

#[test]
fn p8_bulk_requests_wait_for_a_free_slot() {
    // B 1, C 1, bulk latency 1 s, no refresh wait: three results at 1 s go
    // out at 1, 2, 3 and are searchable at 2, 3, 4: mean 3 s.
    let index = IndexConfig {
        bulk_size: 1,
        flush_interval: SimDuration::ZERO,
        bulk_latency: constant(1.0),
        concurrency: 1,
        refresh_interval: SimDuration::ZERO,
    };
    let r = index_run(index, 3, 1.0, 3);
    assert_eq!(r.count("index.bulk_requests"), 3);
    assert_eq!(r.get("searchable_latency_mean_s"), Some(3.0));
    assert_eq!(r.get("searchable_latency_p50_s"), Some(3.0));
}

#[test]
fn p1_p8_quantiles_are_nearest_rank() {
    // Three sends at 0 (3 pollers, processing 2 s: searchable at 2) and one
    // upload whose notification takes 10 s (searchable at 12): latencies
    // 2, 2, 2, 12. p99 = the ⌈3.96⌉ = 4th smallest = 12; p50 = 2nd = 2;
    // p95 = 4th = 12; mean 4.5.
    let mut q = QueueConfig::standard("incoming");
    q.notification_delay = constant(10.0);
    let mut arrivals = sends(&[0.0, 0.0, 0.0]);
    arrivals.push(Arrival::new(at(0.0), 0, ArrivalKind::Upload));
    let r = run(&pipeline(q, vec![consumer(3, 2.0)]), &arrivals, 100.0);
    assert_eq!(r.get("searchable_latency_p99_s"), Some(12.0));
    assert_eq!(r.get("searchable_latency_p95_s"), Some(12.0));
    assert_eq!(r.get("searchable_latency_p50_s"), Some(2.0));
    assert_eq!(r.get("searchable_latency_mean_s"), Some(4.5));
}

// ----- P9 and statistics ---------------------------------------------------

#[test]
fn p9_ledgers_hold_on_a_busy_mixed_pipeline() {
    // Everything at once (copies, failures, poison, dead letters, delays,
    // FIFO dedup and throttling, routing with audits, a slow index): the
    // run's own ledger check must pass, and the metrics tie up.
    let mut a = QueueConfig::standard("incoming");
    a.kind = QueueKind::Standard(StandardQueue {
        duplicate_probability: 0.05,
        reorder_window: 5,
    });
    a.visibility_timeout = s(2.0);
    a.delay = s(0.5);
    a.dead_letter = Some(DeadLetter {
        max_receive_count: 3,
    });
    let mut b = fifo(7);
    if let QueueKind::Fifo(f) = &mut b.kind {
        *f = FifoQueue {
            groups: 7,
            throughput_per_s: 10,
            ..f.clone()
        };
    }
    b.name = "ordered".into();
    b.visibility_timeout = s(3.0);
    let mut c1 = consumer(4, 0.0);
    c1.processing_time = ServiceDist::exponential(0.6e6).unwrap();
    c1.batch = 4;
    c1.failure_probability = 0.1;
    c1.poison_probability = 0.02;
    c1.confidence = ConfidenceDist::beta(8.0, 2.0).unwrap();
    c1.route = Some(Route {
        threshold: 0.8,
        sample: 0.1,
    });
    c1.request_latency = SimDuration::from_millis(20);
    let mut c2 = consumer(3, 0.0);
    c2.name = "sorter".into();
    c2.queue = 1;
    c2.processing_time = ServiceDist::exponential(0.3e6).unwrap();
    c2.batch = 10;
    c2.delete = DeleteMode::Batch;
    c2.visibility = Visibility::Extend;
    c2.failure_probability = 0.05;
    c2.polling = Polling::Short {
        poll_interval: s(0.5),
    };
    let cfg = PipelineConfig {
        queues: vec![a, b],
        consumers: vec![c1, c2],
        index: IndexConfig::default(),
    };
    let mut originals = standalone::poisson(4.0, at(0.0), at(2000.0), 0, ArrivalKind::Upload, 5);
    originals.extend(standalone::poisson(
        8.0,
        at(0.0),
        at(2000.0),
        1,
        ArrivalKind::Send,
        6,
    ));
    originals.sort_by_key(|a| a.at);
    // Every 50th object is retried by its producer 1 s later (copies name
    // an earlier arrival by its index in the merged list).
    let mut arrivals: Vec<Arrival> = Vec::new();
    let mut retries: std::collections::VecDeque<Arrival> = Default::default();
    for a in originals {
        while retries.front().is_some_and(|r| r.at <= a.at) {
            arrivals.push(retries.pop_front().unwrap());
        }
        if arrivals.len().is_multiple_of(50) {
            let of = arrivals.len();
            retries.push_back(Arrival::new(
                a.at + s(1.0),
                a.queue,
                ArrivalKind::Retry { of },
            ));
        }
        arrivals.push(a);
    }
    arrivals.extend(retries);
    let opts = Options {
        humans: Humans::Label {
            after: s(30.0),
            correct: true,
        },
        sample_every: Some(s(60.0)),
        ..Options::until(at(2500.0))
    };
    let r = run_opts(&cfg, &arrivals, opts);
    assert!(r.count("dead_lettered") > 0);
    assert!(r.count("duplicates_delivered") > 0);
    assert!(r.count("fifo_deduplicated") > 0);
    assert!(r.count("throttled_requests") > 0);
    assert!(r.count("audited") > 0);
    assert_eq!(r.count("order_violations"), 0);
    assert_eq!(r.timeseries.len(), 2 * (2500 / 60 + 1));
}

/// Erlang C: the probability that an arrival waits in M/M/c with offered
/// load a = λ/μ.
fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..c {
        term *= a / k as f64;
        sum += term;
    }
    let top = term * a / c as f64 * c as f64 / (c as f64 - a);
    top / (sum + top)
}

#[test]
fn consumers_with_batch_one_and_no_latency_are_an_m_m_c_queue() {
    // Poisson 8/s into one queue, 10 pollers with exponential 1 s
    // processing, batch 1, 0 ms requests, long polling (a free poller takes
    // a message the instant it is visible), 12 h visibility (no timeouts):
    // M/M/10 with ρ = 0.8. Over 20,000 s (160,000 messages) the utilization
    // estimate's standard error is about 0.2% of ρ (busy-server time
    // average, relaxation time ≈ 1/(μ(1 − ρ)) = 5 s), so 2% is ~10 sd.
    // Wq = C(10, 8) / (cμ − λ) ≈ 0.409 / 2 = 0.2045 s; its estimate is
    // noisier (waits are correlated over busy periods): 10%.
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = SimDuration::from_hours(12);
    let mut c = consumer(10, 0.0);
    c.processing_time = ServiceDist::exponential(1e6).unwrap();
    let cfg = PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        index: IndexConfig::default(),
    };
    let arrivals = standalone::poisson(8.0, at(0.0), at(20_000.0), 0, ArrivalKind::Send, 42);
    let r = run(&cfg, &arrivals, 20_000.0);
    let rho = r.get("classifier.utilization").unwrap();
    assert!((rho - 0.8).abs() < 0.016, "utilization {rho}");
    let wq = r.get("incoming.queue_wait_mean_s").unwrap();
    let theory = erlang_c(10, 8.0) / 2.0;
    assert!((wq - theory).abs() / theory < 0.10, "Wq {wq} vs {theory}");
}

#[test]
fn p1_queue_levels_are_sampled_on_request() {
    // Two messages at 0, one poller processing 30 s, visibility 12 h.
    // Samples (after the instant's events): at 0 one in flight, one visible,
    // oldest 0 s old; at 10 the same, 10 s; at 30 the first is deleted and
    // the second received: one in flight, 30 s old; at 60 both gone.
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = SimDuration::from_hours(12);
    let opts = Options {
        sample_every: Some(s(10.0)),
        ..Options::until(at(60.0))
    };
    let r = run_opts(
        &pipeline(q, vec![consumer(1, 30.0)]),
        &sends(&[0.0, 0.0]),
        opts,
    );
    let row = |t: f64| {
        let l = r.timeseries.iter().find(|l| l.t == at(t)).unwrap();
        (l.visible, l.in_flight, l.delayed, l.oldest_age_s)
    };
    assert_eq!(row(0.0), (1, 1, 0, Some(0.0)));
    assert_eq!(row(10.0), (1, 1, 0, Some(10.0)));
    assert_eq!(row(30.0), (0, 1, 0, Some(30.0)));
    assert_eq!(row(60.0), (0, 0, 0, None));
    // The waiting poller takes the first message the instant it is sent,
    // so at most one is ever visible: 1 for 30 s, then 0: mean 30 / 60.
    assert_eq!(r.get("incoming.visible_max"), Some(1.0));
    assert_eq!(r.get("incoming.visible_mean"), Some(0.5));
}

#[test]
fn p3_s3_notifications_cannot_target_a_fifo_queue() {
    let cfg = pipeline(fifo(1), vec![consumer(1, 1.0)]);
    let e = standalone::run(
        &cfg,
        &[Arrival::new(at(0.0), 0, ArrivalKind::Upload)],
        &Options::until(at(10.0)),
        StreamSeeds::for_replication(1, 0),
    )
    .unwrap_err();
    assert!(e.contains("standard queue"), "{e}");
}

// ----- P4 through the scenario file: producer groups (issue 17) ------------

/// Two producers into a FIFO queue with `groups: 1`, each one burst of
/// `size` messages at 0; `first` and `second` are the producers' extra
/// keys. Two pollers, batch 1, 0 ms requests, 10 s processing, an index
/// that writes at once.
fn two_producers_fifo(first: &str, second: &str, size: u32) -> String {
    format!(
        r#"
name: fifo-groups
horizon: 100s
producers:
  - {{name: a, kind: burst, size: {size}, to: incoming{first}}}
  - {{name: b, kind: burst, size: {size}, to: incoming{second}}}
pipeline:
  queues:
    - {{name: incoming, type: fifo, groups: 1, visibility_timeout: 1h}}
  consumers:
    - {{name: classifier, queue: incoming, count: 2, batch: 1, wait: 20s,
       request_latency: 0ms, processing_time: {{dist: constant, value: 10s}}}}
  index: {{bulk_size: 1, flush_interval: 0s, bulk_latency: {{dist: constant, value: 0ms}},
          concurrency: 1, refresh_interval: 0s}}
"#
    )
}

/// Every metric of a scenario run, by name.
fn scenario_metrics(yaml: &str) -> Vec<(&'static str, labelsim::model::MetricValue)> {
    common::run(yaml).summary.metrics()
}

fn scenario_metric(yaml: &str, name: &str) -> Option<f64> {
    common::metric_value(&common::run(yaml), name)
}

#[test]
fn p4_a_producer_group_is_not_one_of_the_queues_random_groups() {
    // Producer a (`group_by: producer`) and producer b (a random group
    // among `groups: 1`, so group 0) send one message each at 0. The two
    // groups are different, so the two pollers take one message each at 0:
    // both searchable at 10 s (mean 10, p99 10). Were a's group the
    // producer's index 0, it would be b's group too: the second message
    // would wait behind the first, searchable at 20 s (mean 15, p99 20).
    let yaml = two_producers_fifo(", group_by: producer", "", 1);
    assert_eq!(
        scenario_metric(&yaml, "searchable_latency_mean_s"),
        Some(10.0)
    );
    assert_eq!(
        scenario_metric(&yaml, "searchable_latency_p99_s"),
        Some(10.0)
    );
    assert_eq!(
        scenario_metric(&yaml, "incoming.order_violations"),
        Some(0.0)
    );
}

#[test]
fn p4_reordering_producers_does_not_change_results() {
    // Three messages each, at 0. Each group is served one message at a
    // time: a's at 10, 20, 30 and b's at 10, 20, 30 (mean 20, p99 30),
    // whichever producer comes first in the file and which one groups by
    // producer.
    let grouped_first = two_producers_fifo(", group_by: producer", "", 3);
    let grouped_second = two_producers_fifo("", ", group_by: producer", 3);
    assert_eq!(
        scenario_metric(&grouped_first, "searchable_latency_mean_s"),
        Some(20.0)
    );
    assert_eq!(
        scenario_metric(&grouped_first, "searchable_latency_p99_s"),
        Some(30.0)
    );
    assert_eq!(
        scenario_metrics(&grouped_first),
        scenario_metrics(&grouped_second)
    );
    // Both grouped by producer: two groups of their own, the same again.
    let both = two_producers_fifo(", group_by: producer", ", group_by: producer", 3);
    assert_eq!(scenario_metrics(&both), scenario_metrics(&grouped_first));
}

// ----- SPEC §6: a pipeline without a job (issue 17) ------------------------

#[test]
fn s6_a_pipeline_without_a_job_reports_job_end_state_none() {
    let out = common::run(&two_producers_fifo("", "", 1));
    assert_eq!(out.summary.job_end_state, None);
    let state = out
        .summary
        .metrics()
        .into_iter()
        .find(|(k, _)| *k == "job_end_state")
        .unwrap()
        .1;
    assert_eq!(
        state,
        labelsim::model::MetricValue::Text("none".into()),
        "SPEC §4/§6: `none`, never an empty string"
    );
}

// ----- P4 validation: groups against the arrival rate (issue 17) ----------

/// A FIFO queue fed by a Poisson producer at `rate`; the consumer takes
/// batches of 10 with 20 ms requests and 100 ms processing per message.
/// `queue_extra` goes into the queue, `producer_extra` into the producer.
fn fifo_rate(rate: &str, queue_extra: &str, producer_extra: &str) -> String {
    format!(
        r#"name: fifo-rate
horizon: 1h
producers:
  - {{name: cams, kind: poisson, rate: {rate}, to: incoming{producer_extra}}}
pipeline:
  queues:
    - name: incoming
      type: fifo{queue_extra}
  consumers:
    - {{name: classifier, queue: incoming, count: 40, batch: 10, wait: 20s,
       request_latency: 20ms, processing_time: {{dist: constant, value: 100ms}}}}
"#
    )
}

#[test]
fn p4_warns_when_one_group_cannot_keep_up_with_the_arrival_rate() {
    // A group's batch is in flight from its receive until its last delete
    // is sent: 20 ms + 10 × 100 ms + 9 deletes × 20 ms = 1.2 s, so one
    // group takes at most 10 / 1.2 s = 8.33 messages/s; 200/s needs 24
    // groups.
    let s = common::scenario(&fifo_rate("200/s", "", ""));
    let w: Vec<_> = s
        .warnings
        .iter()
        .filter(|w| w.field == "pipeline.queues[0].groups")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", s.warnings);
    // Not written: the queue's line.
    assert_eq!(w[0].line, Some(7), "{:?}", w[0]);
    for part in ["1 group", "8.333/s", "200/s", "24"] {
        assert!(w[0].message.contains(part), "`{part}` in {}", w[0].message);
    }
    // Written: its own line.
    let s = common::scenario(&fifo_rate("200/s", "\n      groups: 10", ""));
    let w = s
        .warnings
        .iter()
        .find(|w| w.field == "pipeline.queues[0].groups")
        .expect("10 groups take 83.3/s at most");
    assert_eq!(w.line, Some(9));
    // Enough groups, or a rate one group keeps up with: no warning.
    for (rate, groups) in [("200/s", "\n      groups: 24"), ("8/s", "")] {
        let s = common::scenario(&fifo_rate(rate, groups, ""));
        assert!(
            s.warnings.iter().all(|w| !w.field.contains("groups")),
            "{rate}{groups}: {:?}",
            s.warnings
        );
    }
}

#[test]
fn p4_warns_when_a_producer_group_cannot_keep_up_with_its_producer() {
    // `group_by: producer`: all 200/s in the producer's one group, whatever
    // the queue's `groups`.
    let s = common::scenario(&fifo_rate(
        "200/s",
        "\n      groups: 100",
        ", group_by: producer",
    ));
    let w = s
        .warnings
        .iter()
        .find(|w| w.field == "producers[0].group_by")
        .unwrap_or_else(|| panic!("{:?}", s.warnings));
    assert_eq!(w.line, Some(4));
    assert!(w.message.contains("8.333/s"), "{}", w.message);
    assert!(s.warnings.iter().all(|w| !w.field.contains("queues")));
}

// ----- P3: S3 notifications cannot target a FIFO queue (issue 17) ---------

#[test]
fn p3_an_s3_producer_to_a_fifo_queue_is_refused_with_the_usual_workaround() {
    let yaml = fifo_rate("1/s", "", ", source: s3");
    let e = common::try_scenario(&yaml).unwrap_err().to_string();
    assert!(e.contains("producers[0].to"), "{e}");
    assert!(e.contains("standard queue"), "{e}");
    // The usual workaround: S3 → SNS (or a Lambda) → the FIFO queue, which
    // is a producer with `source: sns`.
    assert!(e.contains("source: sns"), "{e}");
    assert!(e.contains("SNS"), "{e}");
}
