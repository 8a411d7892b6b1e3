//! P9: every ledger check must be able to fail. Each test breaks the model
//! on purpose (a [`Fault`] only unit tests can inject), checks that the same
//! run passes without it, and sees the named identity fire.

use super::standalone::{run, run_with_fault, Arrival, ArrivalKind, Humans, Options};
use super::*;
use crate::model::workforce::ServiceDist;

fn at(s: f64) -> SimTime {
    SimTime::after(SimDuration::from_secs_f64(s))
}

fn consumer(count: u32, processing_s: f64) -> ConsumerConfig {
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(processing_s * 1e6));
    c.count = count;
    c.request_latency = SimDuration::ZERO;
    c
}

fn fifo(groups: u32) -> QueueConfig {
    let mut q = QueueConfig::fifo("incoming");
    if let QueueKind::Fifo(f) = &mut q.kind {
        f.groups = groups;
    }
    q
}

fn sends(n: usize, every_s: f64) -> Vec<Arrival> {
    (0..n)
        .map(|i| Arrival::new(at(i as f64 * every_s), 0, ArrivalKind::Send))
        .collect()
}

/// Runs sound (must pass) and with `fault` (must break `identity`).
fn breaks(
    cfg: &PipelineConfig,
    arrivals: &[Arrival],
    horizon_s: f64,
    fault: Fault,
    identity: &str,
) {
    let opts = Options {
        humans: Humans::Label {
            after: SimDuration::from_secs(5),
            correct: true,
        },
        ..Options::until(at(horizon_s))
    };
    let seeds = StreamSeeds::for_replication(3, 0);
    if let Err(e) = run(cfg, arrivals, &opts, seeds) {
        panic!("the sound model must pass: {e}");
    }
    match run_with_fault(cfg, arrivals, &opts, seeds, fault) {
        Ok(_) => panic!("{fault:?} went unnoticed"),
        Err(e) => assert!(
            e.contains(identity),
            "{fault:?} should break `{identity}`: {e}"
        ),
    }
}

fn one_queue(q: QueueConfig, c: Vec<ConsumerConfig>) -> PipelineConfig {
    PipelineConfig {
        queues: vec![q],
        consumers: c,
        index: IndexConfig::default(),
    }
}

#[test]
fn an_uncounted_fifo_deduplication_breaks_the_send_ledger() {
    let mut a = sends(5, 1.0);
    a.push(Arrival::new(at(10.0), 0, ArrivalKind::Retry { of: 0 }));
    breaks(
        &one_queue(fifo(2), vec![consumer(1, 0.5)]),
        &a,
        60.0,
        Fault::UncountedFifoDedup,
        "sent = fifo_deduplicated + enqueued",
    );
}

#[test]
fn an_uncounted_expiry_breaks_the_message_ledger() {
    let mut q = QueueConfig::standard("incoming");
    q.retention = SimDuration::from_secs(60);
    breaks(
        &one_queue(q, vec![]),
        &sends(5, 1.0),
        100.0,
        Fault::UncountedExpiry,
        "enqueued + duplicates_delivered = deleted",
    );
}

#[test]
fn an_uncounted_copy_breaks_the_message_ledger() {
    let mut q = QueueConfig::standard("incoming");
    q.kind = QueueKind::Standard(StandardQueue {
        duplicate_probability: 0.5,
        reorder_window: 1,
    });
    breaks(
        &one_queue(q, vec![consumer(2, 1.0)]),
        &sends(20, 1.0),
        100.0,
        Fault::UncountedCopy,
        "enqueued + duplicates_delivered = deleted",
    );
}

#[test]
fn a_message_lost_at_its_visibility_timeout_breaks_the_message_ledger() {
    breaks(
        &one_queue(QueueConfig::standard("incoming"), vec![consumer(2, 45.0)]),
        &sends(3, 1.0),
        200.0,
        Fault::LostOnVisibilityTimeout,
        "enqueued + duplicates_delivered = deleted",
    );
}

#[test]
fn a_failure_that_emits_a_result_breaks_the_processing_ledger() {
    let mut c = consumer(1, 1.0);
    c.failure_probability = 0.5;
    breaks(
        &one_queue(QueueConfig::standard("incoming"), vec![c]),
        &sends(20, 1.0),
        200.0,
        Fault::FailureEmitsResult,
        "processed = results + failures",
    );
}

#[test]
fn an_audit_not_routed_breaks_the_routing_ledger() {
    let mut c = consumer(1, 1.0);
    c.confidence = ConfidenceDist::Constant(0.9);
    c.route = Some(Route {
        threshold: 0.5,
        sample: 0.5,
    });
    breaks(
        &one_queue(QueueConfig::standard("incoming"), vec![c]),
        &sends(20, 1.0),
        200.0,
        Fault::AuditNotRouted,
        "results = machine_labeled + routed_to_humans − audited",
    );
}

#[test]
fn a_group_left_available_while_in_flight_breaks_the_fifo_rule() {
    // One group, two pollers: the second would take the group's next
    // message while the first is in flight.
    breaks(
        &one_queue(fifo(1), vec![consumer(2, 10.0)]),
        &sends(4, 0.0),
        100.0,
        Fault::FifoGroupStaysAvailable,
        "FIFO: a group was served while one of its messages was in flight",
    );
}

#[test]
fn a_receive_that_skips_the_head_breaks_fifo_order() {
    let mut c = consumer(1, 1.0);
    c.polling = Polling::Short {
        poll_interval: SimDuration::from_secs(1),
    };
    breaks(
        &one_queue(fifo(1), vec![c]),
        &sends(4, 0.0),
        100.0,
        Fault::FifoSkipsHead,
        "FIFO order_violations = 0",
    );
}

#[test]
fn an_overwrite_counted_as_new_breaks_the_index_ledger() {
    let mut a = sends(5, 1.0);
    a.push(Arrival::new(at(10.0), 0, ArrivalKind::Retry { of: 0 }));
    breaks(
        &one_queue(QueueConfig::standard("incoming"), vec![consumer(1, 0.5)]),
        &a,
        60.0,
        Fault::OverwriteCountedAsNew,
        "indexed_documents = distinct documents",
    );
}

#[test]
fn pipeline_events_are_small_and_deadlines_rank_after_the_jobs() {
    assert!(std::mem::size_of::<PipeEvent>() <= 16);
    assert_eq!(
        PipeEvent::Retention { queue: 0 }.phase(),
        Phase::Deadline(RETENTION_RANK)
    );
    assert_eq!(
        PipeEvent::VisibilityTimeout { queue: 0, lane: 0 }.phase(),
        Phase::Deadline(VISIBILITY_RANK)
    );
    assert_eq!(PipeEvent::Poll { poller: 0 }.phase(), Phase::Normal);
    // The job's ranks are 0..=3 (model/sim/mod.rs): R6, R7, R1 max_runtime, R8.
    const { assert!(RETENTION_RANK > 3 && VISIBILITY_RANK > RETENTION_RANK) };
}

#[test]
fn the_config_check_names_the_field() {
    let mut cfg = one_queue(QueueConfig::standard("incoming"), vec![consumer(1, 1.0)]);
    cfg.consumers[0].batch = 11;
    let e = cfg.check().unwrap_err();
    assert!(e.contains("consumers[classifier].batch"), "{e}");
}

#[test]
fn a_run_is_reproducible() {
    let mut c = consumer(3, 0.0);
    c.processing_time = ServiceDist::exponential(0.5e6).unwrap();
    c.failure_probability = 0.1;
    c.confidence = ConfidenceDist::beta(8.0, 2.0).unwrap();
    c.route = Some(Route {
        threshold: 0.8,
        sample: 0.05,
    });
    let cfg = one_queue(QueueConfig::standard("incoming"), vec![c]);
    let a = standalone::poisson(5.0, at(0.0), at(500.0), 0, ArrivalKind::Upload, 9);
    let opts = Options::until(at(600.0));
    let r1 = run(&cfg, &a, &opts, StreamSeeds::for_replication(1, 0)).unwrap();
    let r2 = run(&cfg, &a, &opts, StreamSeeds::for_replication(1, 0)).unwrap();
    let r3 = run(&cfg, &a, &opts, StreamSeeds::for_replication(2, 0)).unwrap();
    assert_eq!(r1.metrics, r2.metrics);
    assert_ne!(r1.metrics, r3.metrics);
}
