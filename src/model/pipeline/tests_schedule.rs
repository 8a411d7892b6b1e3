//! A3 (issue 21): hand-traced runs of a consumer whose `count` is a step
//! schedule (constant processing, zero request latency), driven by a small
//! host that reads the pool's running pollers and the queue's deletes.

use super::*;
use crate::model::schedule::StepSchedule;
use crate::model::workforce::{ServiceDist, ShiftZone};

const S: u64 = 1_000_000;
/// 2026-01-05T00:00:00Z, a Monday: the cycle starts at sim time 0.
const START: i64 = 1_767_571_200_000_000;

fn at(s: f64) -> SimTime {
    SimTime::after(SimDuration::from_secs_f64(s))
}

/// (sample time [s], pollers running, messages deleted so far).
type Sample = (f64, u32, u64);

/// Runs `cfg` with `n` messages sent at 0 s to `horizon_s`, sampling at
/// `samples` [s] (before the events at that time); metrics at the horizon.
fn drive(
    cfg: &PipelineConfig,
    n: u32,
    horizon_s: f64,
    samples: &[f64],
) -> (Vec<Sample>, Vec<(String, Option<f64>)>) {
    let mut pipe = Pipeline::new(cfg, StreamSeeds::for_replication(5, 0));
    let mut events: EventQueue<PipeEvent> = EventQueue::new();
    pipe.start(SimTime::ZERO, &mut events);
    let mut ids = crate::model::dedup::IdIssuer::default();
    let mut out = Vec::new();
    for _ in 0..n {
        let object = ObjectRef {
            ids: ids.fresh(),
            origin: SimTime::ZERO,
        };
        pipe.send(SimTime::ZERO, 0, PipeMessage::data(object), &mut events);
    }
    let horizon = at(horizon_s);
    let mut seen = Vec::new();
    let mut next = 0;
    loop {
        let t = events.peek_time().filter(|&t| t <= horizon);
        while next < samples.len() && t.is_none_or(|t| at(samples[next]) <= t) {
            seen.push((
                samples[next],
                pipe.pollers_running(0),
                pipe.queues[0].c.deleted,
            ));
            next += 1;
        }
        let Some(_) = t else { break };
        let (now, ev) = events.pop().expect("peeked");
        pipe.handle(now, ev, &mut events, &mut out);
        out.clear();
    }
    pipe.check_ledgers().expect("P9");
    (seen, pipe.metrics(horizon))
}

fn get(m: &[(String, Option<f64>)], key: &str) -> f64 {
    m.iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no metric `{key}`"))
        .1
        .unwrap_or_else(|| panic!("`{key}` has no value"))
}

/// One standard queue and a consumer of 7 s per message (batch 1, long
/// polling, per-message deletes, no request latency) whose count steps
/// through `steps` (offset [s], count) of a daily cycle.
fn scheduled_pool(steps: &[(u64, u32)]) -> PipelineConfig {
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = SimDuration::from_hours(1);
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(7.0 * 1e6));
    c.request_latency = SimDuration::ZERO;
    let schedule = StepSchedule::new(
        crate::engine::time::US_PER_DAY,
        steps.iter().map(|&(s, n)| (s * S, n)).collect(),
        ShiftZone::Fixed { offset_us: 0 },
        START,
    )
    .expect("valid schedule");
    c.count = schedule.max_count();
    c.schedule = Some(schedule);
    PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        ..Default::default()
    }
}

/// 2 pollers from 0 s, none from 60 s, 3 from 120 s, on a backlog of 100.
/// Each poller deletes a message every 7 s: at 7, 14, …, 56 (8 each, 16 in
/// all); both took another at 56 and are busy when the count drops at
/// 60 s, so they finish it at 63 s (18) and then stop. From 120 s three
/// pollers delete at 127, 134, …, 175: 7 each, 21 more (39).
#[test]
fn a_scheduled_count_steps_two_then_none_then_three_with_exact_deletes() {
    let cfg = scheduled_pool(&[(0, 2), (60, 0), (120, 3)]);
    let samples = [30.0, 60.0, 60.5, 63.5, 119.0, 120.5, 175.5];
    let (seen, m) = drive(&cfg, 100, 175.5, &samples);
    let want: [(u32, u64); 7] = [
        (2, 8),  // 30 s: 4 each
        (2, 16), // 60 s, before the step
        (2, 16), // retiring, still finishing their batch
        (0, 18), // finished at 63 s, then stopped
        (0, 18), // none run
        (3, 18), // started at once at 120 s
        (3, 39), // 7 each
    ];
    for (&(t, pollers, deleted), (wp, wd)) in seen.iter().zip(want) {
        assert_eq!((pollers, deleted), (wp, wd), "pollers and deletes at {t} s");
    }
    assert_eq!(get(&m, "incoming.deleted"), 39.0);
    // A4: 2 × 63 s + 3 × 55.5 s of pollers running.
    let poller_s = 2.0 * 63.0 + 3.0 * 55.5;
    assert!((get(&m, "classifier.poller_hours") - poller_s / 3600.0).abs() < 1e-9);
    assert!((get(&m, "classifier.pollers_mean") - poller_s / 175.5).abs() < 1e-9);
    assert_eq!(get(&m, "classifier.pollers_max"), 3.0);
    // A4: the rise at 120 s; the count of 2 at the start is no scale-out.
    assert_eq!(get(&m, "classifier.scale_outs"), 1.0);
    assert_eq!(get(&m, "classifier.scale_ins"), 1.0);
}

/// A3: a drop stops pollers waiting in a long poll at once (no batch to
/// finish), and a first step after midnight wraps from the last: 1 poller
/// from 00:00 (the 00:31 step of the day before), 2 from 00:30, 1 from
/// 00:31.
#[test]
fn idle_pollers_stop_at_once_and_the_first_step_wraps_from_the_last() {
    let cfg = scheduled_pool(&[(1800, 2), (1860, 1)]);
    // Nothing to do: pollers wait in long polls.
    let (seen, m) = drive(&cfg, 0, 1900.0, &[0.5, 1799.0, 1800.5, 1859.0, 1860.5]);
    let pollers: Vec<u32> = seen.iter().map(|s| s.1).collect();
    assert_eq!(pollers, [1, 1, 2, 2, 1]);
    let poller_s = 1800.0 + 2.0 * 60.0 + 40.0;
    assert!((get(&m, "classifier.poller_hours") - poller_s / 3600.0).abs() < 1e-9);
}
