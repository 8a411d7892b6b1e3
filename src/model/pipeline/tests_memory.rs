//! Issue 17: memory follows the objects in the pipeline, not those ever
//! indexed, and forgetting a document never changes a metric. Unit tests
//! sweep the index from 64 documents on (`SWEEP_FLOOR`), so these small
//! runs sweep many times.

use super::standalone::{run, run_with, Arrival, ArrivalKind, Humans, Options};
use super::*;
use crate::model::workforce::ServiceDist;

fn at(s: f64) -> SimTime {
    SimTime::after(SimDuration::from_secs_f64(s))
}

fn seeds() -> StreamSeeds {
    StreamSeeds::for_replication(5, 0)
}

/// Every document searchable the instant it is written.
fn instant_index() -> IndexConfig {
    IndexConfig {
        bulk_size: 1,
        flush_interval: SimDuration::ZERO,
        bulk_latency: ServiceDist::constant(0.0),
        concurrency: 1,
        refresh_interval: SimDuration::ZERO,
    }
}

/// One standard queue (S3 notifications after 1 s, P3 copies with
/// probability `dup`), 4 pollers of 10 ms, batch 1, 0 ms requests;
/// confidence 0.9 and every result audited (indexed and routed).
fn audited(dup: f64) -> PipelineConfig {
    let mut q = QueueConfig::standard("incoming");
    q.notification_delay = ServiceDist::constant(1e6);
    if let QueueKind::Standard(s) = &mut q.kind {
        s.duplicate_probability = dup;
    }
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(10e3));
    c.count = 4;
    c.batch = 1;
    c.request_latency = SimDuration::ZERO;
    c.confidence = ConfidenceDist::Constant(0.9);
    c.route = Some(Route {
        threshold: 0.5,
        sample: 1.0,
    });
    PipelineConfig {
        queues: vec![q],
        consumers: vec![c],
        index: instant_index(),
    }
}

/// `n` uploads, one every 0.1 s, each with a duplicate S3 event
/// (`s3_event_duplicate`) `copy_after_s` later, in time order.
fn uploads_with_late_copies(n: usize, copy_after_s: f64) -> Vec<Arrival> {
    let mut evs: Vec<(f64, bool, usize)> = (0..n)
        .flat_map(|i| {
            let t = i as f64 * 0.1;
            [(t, false, i), (t + copy_after_s, true, i)]
        })
        .collect();
    evs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut pos = vec![0usize; n];
    evs.iter()
        .enumerate()
        .map(|(k, &(t, copy, i))| {
            if copy {
                Arrival::new(at(t), 0, ArrivalKind::S3Duplicate { of: pos[i] })
            } else {
                pos[i] = k;
                Arrival::new(at(t), 0, ArrivalKind::Upload)
            }
        })
        .collect()
}

/// The same run with a pipeline that never forgets a document (the model
/// before issue 17).
fn run_keeping_everything(
    cfg: &PipelineConfig,
    arrivals: &[Arrival],
    opts: &Options,
) -> standalone::PipelineRun {
    let pipe = Pipeline::new(cfg, seeds()).with_copy_window(SimDuration::MAX);
    run_with(pipe, cfg, arrivals, opts).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn copies_arriving_after_their_document_was_indexed_overwrite_it_exactly() {
    // 20,000 uploads over 2000 s; each one's duplicate S3 event 30 s
    // later (after its document was indexed at 1.01 s); every result
    // audited, the humans answering 60 s after each routing. Per object: 2
    // machine writes + 2 human writes on one document: indexed 20,000,
    // overwrites 3 × 20,000, human labels 2 × 20,000; the last label is a
    // correct human one, so overall accuracy is 1 (up to the rounding of
    // 0.9 + 0.1).
    let n = 20_000;
    let cfg = audited(0.0);
    let arrivals = uploads_with_late_copies(n, 30.0);
    let opts = Options {
        humans: Humans::Label {
            after: SimDuration::from_secs(60),
            correct: true,
        },
        ..Options::until(at(2200.0))
    };
    let r = run(&cfg, &arrivals, &opts, seeds()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.count("indexed_documents"), n as u64);
    assert_eq!(r.count("index_overwrites"), 3 * n as u64);
    assert_eq!(r.count("human_labeled"), 2 * n as u64);
    assert!((r.get("accuracy_overall").unwrap() - 1.0).abs() < 1e-12);
    // Documents were forgotten on the way: held are about the last 91 s of
    // objects (copies to come, humans to answer), twice that before a
    // sweep, with the human routings and recent sends beside them.
    assert!(
        r.peak_tracked_entries < n as u64 / 2,
        "peak {} entries for {n} objects",
        r.peak_tracked_entries
    );
    // And every metric is the one of the model that forgets nothing.
    let keep = run_keeping_everything(&cfg, &arrivals, &opts);
    assert_eq!(r.metrics, keep.metrics);
    assert!(keep.peak_tracked_entries >= n as u64);
}

#[test]
fn forgetting_changes_no_metric_with_queue_copies_and_dropped_humans() {
    // P3 copies (10% of deletes leave a copy, processed again later),
    // late S3 duplicates, routings no one answers (Humans::Record): the
    // metrics are those of the pipeline that forgets nothing.
    let cfg = audited(0.1);
    let arrivals = uploads_with_late_copies(6000, 30.0);
    for humans in [
        Humans::Record,
        Humans::Label {
            after: SimDuration::from_secs(45),
            correct: false,
        },
    ] {
        let opts = Options {
            humans,
            ..Options::until(at(800.0))
        };
        let r = run(&cfg, &arrivals, &opts, seeds()).unwrap_or_else(|e| panic!("{e}"));
        let keep = run_keeping_everything(&cfg, &arrivals, &opts);
        assert_eq!(r.metrics, keep.metrics, "{humans:?}");
        assert!(r.count("index_overwrites") > 6000, "{humans:?}");
        assert!(
            r.peak_tracked_entries < keep.peak_tracked_entries / 2,
            "{humans:?}: peak {} entries, {} keeping everything",
            r.peak_tracked_entries,
            keep.peak_tracked_entries
        );
    }
}

/// Poisson sends at 20/s for `seconds`, each retried (R9 producer retry)
/// 5 s later one time in ten; 20% of results routed to humans who answer
/// 30 s later.
fn steady(seconds: f64) -> standalone::PipelineRun {
    let mut cfg = audited(0.001);
    cfg.consumers[0].confidence = ConfidenceDist::Empirical(vec![0.1, 0.9, 0.9, 0.9, 0.9]);
    cfg.consumers[0].route = Some(Route {
        threshold: 0.5,
        sample: 0.0,
    });
    let base = standalone::poisson(20.0, SimTime::ZERO, at(seconds), 0, ArrivalKind::Send, 9);
    let mut evs: Vec<Arrival> = Vec::with_capacity(base.len() * 2);
    let mut retries: std::collections::VecDeque<(SimTime, usize)> = Default::default();
    for (i, a) in base.iter().enumerate() {
        while let Some(&(t, of)) = retries.front() {
            if t > a.at {
                break;
            }
            retries.pop_front();
            evs.push(Arrival::new(t, 0, ArrivalKind::Retry { of }));
        }
        evs.push(*a);
        if i % 10 == 0 {
            retries.push_back((a.at + SimDuration::from_secs(5), evs.len() - 1));
        }
    }
    let opts = Options {
        humans: Humans::Label {
            after: SimDuration::from_secs(30),
            correct: true,
        },
        ..Options::until(at(seconds + 60.0))
    };
    run(&cfg, &evs, &opts, seeds()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn four_times_the_messages_keep_the_peak_of_per_object_entries_flat() {
    // Issue 17: 4× the messages may cost at most 1.5× the peak. Counted in
    // live entries (documents, human routings, recent sends, retention
    // lists), not RSS.
    let one = steady(500.0);
    let four = steady(2000.0);
    let docs = |r: &standalone::PipelineRun| r.count("indexed_documents");
    assert!(docs(&four) > 3 * docs(&one), "4× the objects");
    assert!(one.peak_tracked_entries > 0);
    assert!(
        four.peak_tracked_entries as f64 <= 1.5 * one.peak_tracked_entries as f64,
        "peak entries {} for 1×, {} for 4×",
        one.peak_tracked_entries,
        four.peak_tracked_entries
    );
}

#[test]
fn dead_lettered_messages_do_not_pin_the_retention_list() {
    // 1% of processings fail; a failed message is dead-lettered at its
    // first visibility timeout (max_receive_count 1) and stays there for
    // the 4-day retention. Before issue 17 the first of them kept every
    // later message's retention entry (about 20,000); now the list holds
    // the live messages (the dead-lettered ones) twice at most, plus 1024.
    let mut cfg = audited(0.0);
    cfg.queues[0].visibility_timeout = SimDuration::from_secs(1);
    cfg.queues[0].dead_letter = Some(DeadLetter {
        max_receive_count: 1,
    });
    cfg.consumers[0].route = None;
    cfg.consumers[0].failure_probability = 0.01;
    let arrivals: Vec<Arrival> = (0..20_000)
        .map(|i| Arrival::new(at(i as f64 * 0.01), 0, ArrivalKind::Send))
        .collect();
    let r =
        run(&cfg, &arrivals, &Options::until(at(300.0)), seeds()).unwrap_or_else(|e| panic!("{e}"));
    let dead = r.count("dead_lettered");
    assert!(dead > 100, "{dead} dead-lettered");
    assert_eq!(r.count("incoming.dead_letter_at_end"), dead);
    // Retention list ≤ 2 × live + 1024; the index and the rest a few
    // hundred (no copies, 4 pollers).
    assert!(
        r.peak_tracked_entries <= 2 * dead + 1024 + 500,
        "peak {} entries with {dead} dead-lettered",
        r.peak_tracked_entries
    );
}

/// A hybrid scenario (the labeling job as the humans) over `horizon`:
/// R9 duplicate S3 events a minute later, P3 copies, routings to a team of
/// `workers` whose queue keeps objects `retention`. Returns the pipeline's
/// peak of per-object entries.
fn hybrid_peak(horizon: &str, workers: u32, retention: &str) -> u64 {
    use crate::model::simulate;
    use crate::scenario::{LoadOptions, Scenario};
    let yaml = format!(
        r#"
name: hybrid-memory
seed: 3
horizon: {horizon}
producers:
  - {{name: uploads, kind: poisson, rate: 2000/h, source: s3, to: incoming,
     notification_delay: {{dist: lognormal, median: 1s, sigma: 1}},
     duplicates: {{s3_event_duplicate: 0.01, delay: 1m}}}}
pipeline:
  queues:
    - {{name: incoming, type: standard, retention: 4d, visibility_timeout: 30s,
       duplicate_probability: 0.001}}
  consumers:
    - name: classifier
      queue: incoming
      count: 4
      batch: 10
      wait: 20s
      request_latency: 20ms
      processing_time: {{dist: lognormal, median: 400ms, sigma: 0.5}}
      confidence: {{dist: beta, a: 8, b: 2}}
      route: {{threshold: 0.85, sample: 0.02}}
  index: {{bulk_size: 50, flush_interval: 1s, bulk_latency: {{dist: constant, value: 50ms}},
          concurrency: 1, refresh_interval: 1s}}
job: {{max_concurrent_task_count: 100, workers_per_object: 1, dedup_key: source-ref,
      queue_retention: {retention}}}
workers:
  - {{name: team, count: {workers}, service_time: {{dist: exponential, mean: 2m}}, accuracy: 0.97}}
"#
    );
    let sc = Scenario::from_str(
        &yaml,
        "test",
        std::path::Path::new("."),
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = simulate(&sc.sim, StreamSeeds::for_replication(sc.seed, 0))
        .unwrap_or_else(|e| panic!("{e}"));
    out.pipeline.expect("a pipeline").peak_tracked_entries
}

#[test]
fn with_the_labeling_job_as_humans_the_peak_stays_flat() {
    // Enough people (60 × 30/h for about 1,100 routings an hour): 4× the
    // horizon, 4× the messages, and the documents of R9 copies, routings
    // and their labels are forgotten as the job answers.
    let one = hybrid_peak("2h", 60, "14d");
    let four = hybrid_peak("8h", 60, "14d");
    assert!(
        four as f64 <= 1.5 * one as f64,
        "peak entries {one} for 2 h, {four} for 8 h"
    );
}

#[test]
fn routings_that_expire_in_the_jobs_queue_are_forgotten() {
    // Too few people (6 × 30/h): routed objects wait in the job's queue and
    // expire after 10 minutes (R6). Each expiry tells the pipeline no human
    // label will come, so its pending routings do not pile up.
    let one = hybrid_peak("2h", 6, "10m");
    let four = hybrid_peak("8h", 6, "10m");
    assert!(
        four as f64 <= 1.5 * one as f64,
        "peak entries {one} for 2 h, {four} for 8 h"
    );
}
