//! A1, A2, A4 (issue 21): hand-traced autoscaling runs (constant
//! processing, zero request latency), driven by a small host that reads
//! the pool's running pollers after every instant.

use super::*;
use crate::model::workforce::ServiceDist;

fn at(s: f64) -> SimTime {
    SimTime::after(SimDuration::from_secs_f64(s))
}

#[derive(Clone, Copy)]
enum Ev {
    Pipe(PipeEvent),
    /// `n` messages sent at once.
    Dump(u32),
}

impl Ev {
    fn phase(&self) -> Phase {
        match self {
            Ev::Pipe(p) => p.phase(),
            Ev::Dump(_) => Phase::Normal,
        }
    }
}

/// What a driven run saw: (sample time [s], pollers of consumer 0 after
/// every event at that time) and the metrics at the horizon.
struct Seen {
    pollers: Vec<(f64, u32)>,
    metrics: Vec<(String, Option<f64>)>,
    /// A1: (start [s], messages) of every Lambda invocation, in order.
    invocations: Vec<(f64, usize)>,
}

impl Seen {
    fn get(&self, key: &str) -> f64 {
        self.metrics
            .iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("no metric `{key}`"))
            .1
            .unwrap_or_else(|| panic!("`{key}` has no value"))
    }
    fn pollers_at(&self, t: f64) -> u32 {
        self.pollers
            .iter()
            .find(|&&(s, _)| (s - t).abs() < 1e-9)
            .unwrap_or_else(|| panic!("no sample at {t} s"))
            .1
    }
}

/// Runs `cfg` with `dumps` (time [s], messages) to `horizon_s`, sampling
/// consumer 0's pollers at `samples` [s].
fn drive(cfg: &PipelineConfig, dumps: &[(f64, u32)], horizon_s: f64, samples: &[f64]) -> Seen {
    let mut pipe = Pipeline::new(cfg, StreamSeeds::for_replication(11, 0));
    let mut events: EventQueue<Ev> = EventQueue::new();
    for &(t, n) in dumps {
        events.schedule_in_phase(at(t), Phase::Normal, Ev::Dump(n));
    }
    {
        let mut s = Embed {
            queue: &mut events,
            wrap: Ev::Pipe,
        };
        pipe.start(SimTime::ZERO, &mut s);
    }
    let horizon = at(horizon_s);
    let mut out = Vec::new();
    let mut pollers = Vec::new();
    let mut next = 0;
    let mut ids = crate::model::dedup::IdIssuer::default();
    let mut invocations = Vec::new();
    let mut invoked: Vec<Option<SimTime>> = vec![None; pipe.pollers.len()];
    loop {
        let t = events.peek_time().filter(|&t| t <= horizon);
        while next < samples.len() && t.is_none_or(|t| at(samples[next]) < t) {
            pollers.push((samples[next], pipe.pollers_running(0)));
            next += 1;
        }
        let Some(_) = t else { break };
        let (now, ev) = events.pop().expect("peeked");
        let mut s = Embed {
            queue: &mut events,
            wrap: Ev::Pipe,
        };
        match ev {
            Ev::Pipe(p) => pipe.handle(now, p, &mut s, &mut out),
            Ev::Dump(n) => {
                for _ in 0..n {
                    let object = ObjectRef {
                        ids: ids.fresh(),
                        origin: now,
                    };
                    pipe.send(now, 0, PipeMessage::data(object), &mut s);
                }
            }
        }
        let _ = ev.phase();
        out.clear();
        for (p, seen) in pipe.pollers.iter().zip(invoked.iter_mut()) {
            if p.invoked.is_some() && p.invoked != *seen {
                invocations.push((now.since(SimTime::ZERO).as_secs_f64(), p.batch.len()));
            }
            *seen = p.invoked;
        }
    }
    pipe.check_ledgers().expect("P9");
    Seen {
        pollers,
        metrics: pipe.metrics(horizon),
        invocations,
    }
}

fn lambda_pool(batch: u32, processing_s: f64, l: LambdaScaling) -> PipelineConfig {
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = SimDuration::from_hours(1);
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(processing_s * 1e6));
    c.batch = batch;
    c.request_latency = SimDuration::ZERO;
    c.delete = DeleteMode::Batch;
    c.scaling = Some(Scaling::Lambda(l));
    PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        ..Default::default()
    }
}

/// A1: a dump of 200,000 messages; batch 10 at 1 s a message, so every
/// invocation lasts 10 s and no receive comes back empty before 5 minutes.
/// Concurrency: 5, then +300 at each minute while messages are visible,
/// up to 1000: 5, 305, 605, 905, 1000.
#[test]
fn lambda_concurrency_climbs_the_staircase_minute_by_minute() {
    let l = LambdaScaling {
        memory_gb: 2.0,
        ..LambdaScaling::default()
    };
    let cfg = lambda_pool(10, 1.0, l);
    let samples = [0.0, 30.0, 59.0, 60.0, 90.0, 120.0, 180.0, 240.0, 299.0];
    let seen = drive(&cfg, &[(0.0, 200_000)], 299.5, &samples);
    let want = [5, 5, 5, 305, 305, 605, 905, 1000, 1000];
    for (t, w) in samples.iter().zip(want) {
        assert_eq!(seen.pollers_at(*t), w, "pollers at {t} s");
    }
    // Invocations: a poller started at t0 begins a batch at t0, t0 + 10,
    // ... ≤ 299.5: 5×30 + 300×24 + 300×18 + 300×12 + 95×6.
    assert_eq!(seen.get("classifier.invocations"), 16_920.0);
    // Every poller is busy from its start to the horizon (receive →
    // delete back to back): 5×299.5 + 300×239.5 + 300×179.5 + 300×119.5
    // + 95×59.5 = 168,700 s, × 2 GB.
    assert!((seen.get("classifier.gb_seconds") - 337_400.0).abs() < 1e-6);
    assert!((seen.get("classifier.poller_hours") - 168_700.0 / 3600.0).abs() < 1e-9);
    assert_eq!(seen.get("classifier.pollers_max"), 1000.0);
    assert_eq!(seen.get("classifier.scale_outs"), 4.0);
    assert_eq!(seen.get("classifier.scale_ins"), 0.0);
    assert!((seen.get("classifier.utilization") - 1.0).abs() < 1e-9);
}

/// A1: 100 messages; 5 pollers take 10 each at 0 s and at 10 s, the queue
/// is empty at 20 s; their long polls (20 s) come back empty at 40 s and
/// three retire, leaving `min` = 2. 10 invocations of 10 s at 1 GB.
#[test]
fn lambda_pollers_retire_on_empty_receives_down_to_min() {
    let cfg = lambda_pool(10, 1.0, LambdaScaling::default());
    let seen = drive(&cfg, &[(0.0, 100)], 120.0, &[0.0, 39.0, 40.0, 100.0]);
    assert_eq!(seen.pollers_at(0.0), 5);
    assert_eq!(seen.pollers_at(39.0), 5);
    assert_eq!(seen.pollers_at(40.0), 2);
    assert_eq!(seen.pollers_at(100.0), 2);
    assert_eq!(seen.get("classifier.invocations"), 10.0);
    assert!((seen.get("classifier.gb_seconds") - 100.0).abs() < 1e-9);
    assert_eq!(seen.get("classifier.scale_ins"), 3.0);
    assert_eq!(seen.get("classifier.scale_outs"), 0.0);
    assert_eq!(seen.get("incoming.deleted"), 100.0);
    // (5×40 + 2×80) / 120 pollers on average.
    assert!((seen.get("classifier.pollers_mean") - 3.0).abs() < 1e-9);
}

/// A1: one failed message fails the whole batch unless the function
/// reports partial batch responses. One batch of 10, failures at 50%.
#[test]
fn lambda_fails_the_whole_batch_without_partial_batch_responses() {
    for partial in [false, true] {
        let l = LambdaScaling {
            partial_batch_response: partial,
            ..LambdaScaling::default()
        };
        let mut cfg = lambda_pool(10, 1.0, l);
        cfg.consumers[0].failure_probability = 0.5;
        let seen = drive(&cfg, &[(0.0, 10)], 15.0, &[]);
        let (results, failures) = (
            seen.get("classifier.results"),
            seen.get("classifier.failures"),
        );
        assert_eq!(results + failures, 10.0);
        assert!(results > 0.0 && failures > 0.0, "the seed mixes both");
        let deleted = seen.get("incoming.deleted");
        if partial {
            assert_eq!(deleted, results, "only the failed ones return");
        } else {
            assert_eq!(deleted, 0.0, "the whole batch returns");
        }
    }
}

/// A1, FIFO: concurrency never grows beyond the groups holding visible
/// messages. 20 groups, 5,000 messages: at 60 s the ramp would add
/// min(300, ⌈4700/10⌉), but only 20 groups hold visible messages: 20
/// pollers, and no more at 120 s or 180 s.
#[test]
fn lambda_on_fifo_grows_no_further_than_the_groups_with_visible_messages() {
    let mut cfg = lambda_pool(10, 1.0, LambdaScaling::default());
    let mut q = QueueConfig::fifo("incoming");
    q.visibility_timeout = SimDuration::from_hours(1);
    if let QueueKind::Fifo(f) = &mut q.kind {
        f.groups = 20;
        f.throughput_per_s = 100_000;
    }
    cfg.queues[0] = q;
    let seen = drive(&cfg, &[(0.0, 5_000)], 200.0, &[59.0, 61.0, 121.0, 181.0]);
    assert_eq!(seen.pollers_at(59.0), 5);
    assert_eq!(seen.pollers_at(61.0), 20);
    assert_eq!(seen.pollers_at(121.0), 20);
    assert_eq!(seen.pollers_at(181.0), 20);
    assert_eq!(seen.get("classifier.scale_outs"), 1.0);
    assert_eq!(seen.get("incoming.order_violations"), 0.0);
}

/// A2: 20 messages, batch 1 at 20 s each; min 1, max 10, 5 messages per
/// poller, ticks every 30 s, start-up 30 s, scale-in window 5 m.
/// Desired: 30 s: ⌈19/5⌉ = 4; 60 s: ⌈18/5⌉ = 4; 90 s: ⌈14/5⌉ = 3;
/// 120 s: ⌈10/5⌉ = 2; 150 s: ⌈2/5⌉ = 1; then 0 → min 1. The 3 pollers
/// asked for at 30 s are ready at 60 s; the count stays 4 until 360 s,
/// when the ticks asking 4 have left the window, then 3, 2 and 1.
#[test]
fn target_tracking_is_ready_one_startup_after_the_ask_and_holds_through_the_window() {
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = SimDuration::from_hours(1);
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(20e6));
    c.request_latency = SimDuration::ZERO;
    c.scaling = Some(Scaling::TargetTracking(TargetTracking {
        max: 10,
        ..TargetTracking::default()
    }));
    let cfg = PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        ..Default::default()
    };
    let samples = [
        0.0, 30.0, 59.0, 60.0, 200.0, 359.0, 360.0, 389.0, 390.0, 419.0, 420.0, 599.0,
    ];
    let seen = drive(&cfg, &[(0.0, 20)], 600.0, &samples);
    let want = [1, 1, 1, 4, 4, 4, 3, 3, 2, 2, 1, 1];
    for (t, w) in samples.iter().zip(want) {
        assert_eq!(seen.pollers_at(*t), w, "pollers at {t} s");
    }
    assert_eq!(seen.get("classifier.results"), 20.0);
    assert_eq!(seen.get("classifier.scale_outs"), 1.0);
    assert_eq!(seen.get("classifier.scale_ins"), 3.0);
    assert_eq!(seen.get("classifier.pollers_max"), 4.0);
    // 1×60 + 4×300 + 3×30 + 2×30 + 1×180 = 1590 poller-seconds.
    assert!((seen.get("classifier.poller_hours") - 1590.0 / 3600.0).abs() < 1e-12);
    assert!((seen.get("classifier.pollers_mean") - 2.65).abs() < 1e-12);
}

/// A2: `min: 0` scales to zero once the queue is empty (window 0), and
/// back out when messages arrive.
#[test]
fn target_tracking_scales_to_zero_and_back() {
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = SimDuration::from_hours(1);
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(1e6));
    c.request_latency = SimDuration::ZERO;
    c.scaling = Some(Scaling::TargetTracking(TargetTracking {
        min: 0,
        max: 10,
        startup: SimDuration::from_secs(10),
        scale_in_window: SimDuration::ZERO,
        ..TargetTracking::default()
    }));
    let cfg = PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        ..Default::default()
    };
    // 12 messages at 0 s: nobody runs; tick 30 s asks ⌈12/5⌉ = 3, ready at
    // 40 s; they finish by 44 s; tick 60 s asks 0.
    let seen = drive(&cfg, &[(0.0, 12)], 100.0, &[0.0, 39.0, 40.0, 59.0, 60.0]);
    assert_eq!(seen.pollers_at(0.0), 0);
    assert_eq!(seen.pollers_at(39.0), 0);
    assert_eq!(seen.pollers_at(40.0), 3);
    assert_eq!(seen.pollers_at(59.0), 3);
    assert_eq!(seen.pollers_at(60.0), 0);
    assert_eq!(seen.get("classifier.results"), 12.0);
    assert!((seen.get("classifier.poller_hours") - 3.0 * 20.0 / 3600.0).abs() < 1e-12);
}

/// A2, statistical: under steady Poisson load (20 messages/s of 1 s each,
/// batch 1: 20 pollers' worth of work) a target-tracking pool with one
/// message per poller settles where the pool is never short: the messages
/// in the pool (visible + in flight) then behave as an M/D/∞ system, a
/// Poisson count of mean 20 at each tick (ticks 30 s apart are
/// independent, the messages of one tick are gone 1 s later), and the pool
/// holds the largest desired count of the 10 ticks of its 5-minute window:
/// E[max of 10 Poisson(20)] = Σₖ (1 − F(k − 1)¹⁰) = 27.14 pollers. Sampled
/// every 10 s for 2.5 hours after 30 minutes of settling: 300 ticks, about
/// 30 independent windows, the max of 10 has sd ≈ 2.4, so the mean's
/// standard error is about 0.45; the tolerance is ±1.5 (over 3 standard
/// errors, plus the rare ticks that find the pool short).
#[test]
fn target_tracking_settles_on_the_offered_load() {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};
    let mut q = QueueConfig::standard("incoming");
    q.visibility_timeout = SimDuration::from_hours(1);
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(1e6));
    c.request_latency = SimDuration::ZERO;
    c.scaling = Some(Scaling::TargetTracking(TargetTracking {
        max: 200,
        messages_per_poller: 1,
        ..TargetTracking::default()
    }));
    let cfg = PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        ..Default::default()
    };
    let (rate, horizon): (f64, f64) = (20.0, 3.0 * 3600.0);
    let mut rng = SimRng::seed_from_u64(5);
    let gap = Exp::new(rate).expect("rate");
    let mut t = 0.0;
    let mut dumps = Vec::new();
    loop {
        t += gap.sample(&mut rng);
        if t >= horizon {
            break;
        }
        dumps.push((t, 1));
    }
    let samples: Vec<f64> = (180..1080).map(|k| k as f64 * 10.0).collect();
    let seen = drive(&cfg, &dumps, horizon, &samples);
    let mean = seen.pollers.iter().map(|&(_, n)| n as f64).sum::<f64>() / samples.len() as f64;
    // E[max of 10 Poisson(20)] from the Poisson CDF.
    let mut cdf = Vec::new();
    let (mut p, mut f) = ((-rate).exp(), 0.0);
    for k in 0..200 {
        f += p;
        cdf.push(f);
        p *= rate / (k + 1) as f64;
    }
    let expected: f64 = (1..200).map(|k| 1.0 - cdf[k - 1].powi(10)).sum();
    assert!((expected - 27.14).abs() < 0.01, "{expected}");
    assert!(
        (mean - expected).abs() < 1.5,
        "mean pollers {mean}, expected {expected}"
    );
    assert!(
        seen.get("incoming.visible_at_end") < 100.0,
        "the pool keeps up"
    );
}

/// A1 `batch_window`: 25 messages at 0 s, batch 10, 2 pollers, 0.1 s a
/// message. Both take 10 at once (a full batch is visible); at 1 s 5 are
/// left, fewer than a batch: with a 20 s window the first receives them at
/// 1 s and holds them until its window ends at 21 s (the second gathers
/// behind it and comes back empty at 21 s too: 2 empty receives; 2 = min,
/// so it gathers again). Without a window the 5 go at 1 s.
#[test]
fn lambda_batch_window_waits_for_a_full_batch_or_the_window() {
    for (window_s, third_at, empty) in [(20, 21.0, 2.0), (0, 1.0, 0.0)] {
        let l = LambdaScaling {
            initial: 2,
            batch_window: SimDuration::from_secs(window_s),
            ..LambdaScaling::default()
        };
        let cfg = lambda_pool(10, 0.1, l);
        let seen = drive(&cfg, &[(0.0, 25)], 25.0, &[]);
        assert_eq!(seen.get("classifier.invocations"), 3.0, "window {window_s}");
        assert_eq!(seen.invocations, [(0.0, 10), (0.0, 10), (third_at, 5)]);
        assert_eq!(seen.get("incoming.deleted"), 25.0);
        // Received at 1 s either way (the window holds them in flight).
        assert!((seen.get("incoming.queue_wait_p99_s") - 1.0).abs() < 1e-9);
        if window_s > 0 {
            assert_eq!(seen.get("incoming.empty_receives"), empty);
        }
    }
}

/// A1, batch over 10: 25 messages at 0 s, batch 20, a 10 s window, 2
/// pollers (min 2, at most 2), 0.1 s a message, 0 ms requests. The first
/// poller's calls take 10 + 10 at 0 s: a full batch, invoked at once
/// (20 × 0.1 = 2 s, then 2 DeleteMessageBatch requests of 10). The second
/// takes the 5 left at 0 s and holds them; its window ends at 10 s and it
/// invokes with 5 (0.5 s, one delete). Billed: 2 s + 0.5 s at 1 GB.
/// Receive requests by 11 s: first poller 2 at 0 s + 1 at 2 s (gathering
/// again, behind the second); second 1 + 1 (outstanding, empty at 10 s) at
/// 0 s + 1 at 10.5 s: 6.
#[test]
fn lambda_batch_of_20_gathers_in_calls_of_10_until_full_or_the_window() {
    let l = LambdaScaling {
        initial: 2,
        max_concurrency: 2,
        min: 2,
        batch_window: SimDuration::from_secs(10),
        ..LambdaScaling::default()
    };
    let cfg = lambda_pool(20, 0.1, l);
    cfg.check().expect("batch 20 with a window is valid");
    let seen = drive(&cfg, &[(0.0, 25)], 11.0, &[]);
    assert_eq!(seen.invocations, [(0.0, 20), (10.0, 5)]);
    assert_eq!(seen.get("classifier.invocations"), 2.0);
    assert!((seen.get("classifier.gb_seconds") - 2.5).abs() < 1e-9);
    assert_eq!(seen.get("incoming.deleted"), 25.0);
    assert_eq!(seen.get("classifier.receive_requests"), 6.0);
    assert_eq!(seen.get("classifier.delete_requests"), 3.0);
    assert_eq!(seen.get("classifier.empty_receives"), 1.0);
    // Every message was received at 0 s; the 5 waited for the window.
    assert_eq!(seen.get("incoming.queue_wait_p99_s"), 0.0);
}

/// A1 batching window, boundary: a message a second at 1, 2, 3, … s; a
/// 5 s window, batch 10, 2 pollers, 10 ms a message. The first poller's
/// window is [0 s, 5 s]: the message arriving exactly at 5 s is in its
/// batch (a window's end is a deadline: it sees its whole instant), so it
/// invokes with 5 at 5 s. The second gathers from 5 s (its own window
/// came back empty then) and invokes with 6..10 at 10 s, again taking the
/// message at its deadline. The first, free at 5.05 s, gathers behind it;
/// its window ends empty at 10.05 s, as the second finishes; the second
/// gathers 11..15 and invokes at 15.05 s. Batches of 5, never 4 or 6.
/// Requests: each message answers the outstanding call, and a new one is
/// issued (the batch is not full): 6 calls per batch of 5.
#[test]
fn lambda_batch_window_takes_a_message_arriving_at_its_end() {
    let l = LambdaScaling {
        initial: 2,
        max_concurrency: 2,
        min: 2,
        batch_window: SimDuration::from_secs(5),
        ..LambdaScaling::default()
    };
    let cfg = lambda_pool(10, 0.01, l);
    let dumps: Vec<(f64, u32)> = (1..=16).map(|k| (k as f64, 1)).collect();
    let seen = drive(&cfg, &dumps, 16.5, &[]);
    let starts: Vec<(f64, usize)> = seen
        .invocations
        .iter()
        .map(|&(t, n)| ((t * 1e6).round() / 1e6, n))
        .collect();
    assert_eq!(starts, [(5.0, 5), (10.0, 5), (15.05, 5)]);
    assert_eq!(seen.get("incoming.deleted"), 15.0);
}
