//! SPEC §6 pipelines through the scenario file: the `pipeline:` section,
//! producers' `to:`, routing to the labeling job and back to the index,
//! and outputs (P1–P9). Counts are traced by hand in the comments.

use crate::common;

use common::{metric_value, run, scenario, try_scenario};
use labelsim::engine::StreamSeeds;
use labelsim::model::{simulate, RunOutput, RunSummary};

fn count(out: &RunOutput, name: &str) -> u64 {
    metric_value(out, name).unwrap_or_else(|| panic!("`{name}` has no value")) as u64
}

/// One message at 0 into `incoming` (visibility 30 s), two pollers
/// processing 45 s each, 0 ms requests, an index that writes at once.
/// `extra` is appended to the consumer; `tail` to the document.
fn trap(extra: &str, tail: &str) -> String {
    format!(
        r#"
name: trap
horizon: 100s
producers:
  - {{name: one, kind: burst, size: 1, every: 1d, to: incoming}}
pipeline:
  queues:
    - {{name: incoming, type: standard, visibility_timeout: 30s}}
  consumers:
    - name: classifier
      queue: incoming
      count: 2
      batch: 1
      wait: 20s
      request_latency: 0ms
      processing_time: {{dist: constant, value: 45s}}
{extra}
  index: {{bulk_size: 1, flush_interval: 0s, bulk_latency: {{dist: constant, value: 0ms}},
          concurrency: 1, refresh_interval: 0s}}
{tail}
"#
    )
}

#[test]
fn p1_p5_processing_past_the_visibility_timeout_is_processed_twice() {
    // 0  p0 receives it (handle 1); p1 waits
    // 20 p1's long poll ends empty, p1 polls again
    // 30 visibility timeout: p1 receives it (handle 2)
    // 45 p0 done: result 1; its delete (handle 1) fails; p0 polls
    // 60 visibility timeout: p0 receives it (handle 3)
    // 75 p1 done: result 2; delete fails; p1 polls
    // 90 visibility timeout: p1 receives it (handle 4)
    // 100 horizon: 4 receives, 2 processings, 0 deletes, 1 in flight.
    let out = run(&trap("", ""));
    assert_eq!(count(&out, "incoming.received"), 4);
    // Receives after the first: at 30, 60 and 90 (issue 21).
    assert_eq!(count(&out, "incoming.redelivered"), 3);
    assert_eq!(count(&out, "classifier.processed"), 2);
    assert_eq!(count(&out, "classifier.results"), 2, "P5");
    assert_eq!(count(&out, "incoming.deleted"), 0);
    assert_eq!(count(&out, "incoming.delete_failures"), 2);
    assert_eq!(count(&out, "incoming.in_flight_at_end"), 1);
    assert_eq!(count(&out, "incoming.empty_receives"), 1);
    // 1 send + 5 receives + 2 deletes.
    assert_eq!(count(&out, "requests"), 8);
    // P8: one object written twice.
    assert_eq!(count(&out, "indexed_documents"), 1);
    assert_eq!(count(&out, "index_overwrites"), 1);
    // SPEC §6: no job, no workers, no route: no job end state.
    assert_eq!(out.summary.job_end_state, None);
    assert_eq!(out.summary.messages_received, 0);
}

#[test]
fn p5_extend_visibility_fixes_the_trap() {
    // p0 holds the message from 0 to its delete at 45; p1 never sees it.
    // Empty receives: p1 at 20, 40, 60, 80, 100; p0 (from 45) at 65, 85.
    let out = run(&trap("      extend_visibility: true", ""));
    assert_eq!(count(&out, "incoming.received"), 1);
    assert_eq!(count(&out, "incoming.redelivered"), 0);
    assert_eq!(count(&out, "classifier.processed"), 1);
    assert_eq!(count(&out, "incoming.deleted"), 1);
    assert_eq!(count(&out, "incoming.delete_failures"), 0);
    assert_eq!(count(&out, "incoming.empty_receives"), 7);
    assert_eq!(count(&out, "index_overwrites"), 0);
}

/// The trap with every result routed to one human (confidence 0.5 < 0.9).
fn routed(dedup: &str) -> RunOutput {
    run(&trap(
        "      confidence: {dist: constant, value: 0.5}\n      route: {threshold: 0.9}",
        &format!(
            "job: {{initializing: 0s, workers_per_object: 1{dedup}}}\n\
             workers:\n  - {{name: team, count: 1, service_time: {{dist: constant, value: 1s}}}}"
        ),
    ))
}

#[test]
fn p6_r9_a_message_processed_twice_is_two_objects_with_the_default_dedup_key() {
    // Results at 45 and 75 are each published to the job's SNS input as a
    // new SNS message: with the default key (the SNS message ID) both are
    // objects; each is labeled 1 s later and indexed on the human path.
    let out = routed("");
    assert_eq!(count(&out, "classifier.routed_to_humans"), 2);
    assert_eq!(out.summary.messages_received, 2);
    assert_eq!(out.summary.objects_accepted, 2);
    assert_eq!(out.summary.duplicates_dropped, 0);
    assert_eq!(out.summary.objects_labeled, 2);
    assert_eq!(count(&out, "human_labeled"), 2);
    // P8: one document (the S3 key + sequencer), written twice.
    assert_eq!(count(&out, "indexed_documents"), 1);
    assert_eq!(count(&out, "index_overwrites"), 1);
    assert_eq!(count(&out, "machine_labeled"), 0);
}

#[test]
fn p6_r9_with_dedup_key_source_ref_the_second_result_is_dropped() {
    let out = routed(", dedup_key: source-ref");
    assert_eq!(count(&out, "classifier.routed_to_humans"), 2);
    assert_eq!(out.summary.messages_received, 2);
    assert_eq!(out.summary.objects_accepted, 1);
    assert_eq!(out.summary.duplicates_dropped, 1);
    assert_eq!(out.summary.objects_labeled, 1);
    assert_eq!(count(&out, "human_labeled"), 1);
    assert_eq!(count(&out, "indexed_documents"), 1);
    assert_eq!(count(&out, "index_overwrites"), 0);
}

/// One object at seed `seed`, its result routed to the job (confidence 0.1
/// under a threshold of 0.5), `n` tasks by the `workers` (YAML items).
fn one_routed(seed: u64, n: u32, workers: &str) -> RunOutput {
    run(&format!(
        r#"
name: routed
seed: {seed}
horizon: 2m
producers:
  - {{name: one, kind: burst, size: 1, every: 1d, to: incoming}}
pipeline:
  queues:
    - {{name: incoming}}
  consumers:
    - name: classifier
      queue: incoming
      request_latency: 0ms
      processing_time: {{dist: constant, value: 1s}}
      confidence: {{dist: constant, value: 0.1}}
      route: {{threshold: 0.5}}
  index: {{bulk_size: 1, flush_interval: 0s, bulk_latency: {{dist: constant, value: 0ms}},
          refresh_interval: 0s}}
job: {{initializing: 0s, workers_per_object: {n}}}
workers:
{workers}"#
    ))
}

/// Two tasks per object, one by an always-right worker and one by an
/// always-wrong one; `right_s`/`wrong_s` their service times (the first
/// submission breaks the 1–1 tie).
fn majority(right_s: u32, wrong_s: u32, n: u32) -> RunOutput {
    one_routed(
        0,
        n,
        &format!(
            "  - {{name: right, count: 1, service_time: {{dist: constant, value: {right_s}s}}, accuracy: 1}}\n\
             \x20 - {{name: wrong, count: 1, service_time: {{dist: constant, value: {wrong_s}s}}, accuracy: 0}}\n\
             \x20 - {{name: right2, count: {extra}, service_time: {{dist: constant, value: 9s}}, accuracy: 1}}\n",
            extra = (n == 3) as u32
        ),
    )
}

#[test]
fn p6_the_human_label_is_the_majority_ties_to_the_first_submission() {
    // 1–1, the right worker first: correct.
    let out = majority(1, 2, 2);
    assert_eq!(count(&out, "human_labeled"), 1);
    assert_eq!(metric_value(&out, "accuracy_human"), Some(1.0));
    // 1–1, the wrong worker first: wrong.
    let out = majority(2, 1, 2);
    assert_eq!(count(&out, "human_labeled"), 1);
    assert_eq!(metric_value(&out, "accuracy_human"), Some(0.0));
    // 2–1 with the wrong worker first: the majority is right.
    let out = majority(2, 1, 3);
    assert_eq!(count(&out, "human_labeled"), 1);
    assert_eq!(metric_value(&out, "accuracy_human"), Some(1.0));
}

/// The seed's pipeline without humans, small (two classifiers, an hour).
const SEED_SMALL: &str = r#"
name: seed
horizon: 1h
replications: 2
producers:
  - {name: uploads, kind: poisson, rate: 2000/h, source: s3, to: incoming,
     duplicates: {s3_event_duplicate: 0.01}}
pipeline:
  queues:
    - {name: incoming, visibility_timeout: 30s, duplicate_probability: 0.01,
       dead_letter: {max_receive_count: 3}}
  consumers:
    - name: classifier
      queue: incoming
      count: 2
      batch: 10
      processing_time: {dist: lognormal, median: 400ms, sigma: 0.5}
      failure_probability: 0.01
      poison_probability: 0.001
      confidence: {dist: beta, a: 8, b: 2}
"#;

#[test]
fn a_pipeline_only_run_has_no_job_and_its_ledgers_hold() {
    let yaml = SEED_SMALL;
    let s = scenario(yaml);
    assert!(s.sim.no_job);
    for r in 0..2 {
        // P9 is checked inside (a violation is an error).
        let out = simulate(&s.sim, StreamSeeds::for_replication(s.seed, r)).expect("P9 holds");
        assert_eq!(out.summary.job_end_state, None);
        assert!(count(&out, "classifier.processed") > 1500);
        assert_eq!(
            count(&out, "machine_labeled"),
            count(&out, "classifier.results"),
            "P6: without a route every result is a machine label"
        );
        assert!(metric_value(&out, "searchable_latency_mean_s").is_some());
        assert_eq!(metric_value(&out, "searchable_latency_human_mean_s"), None);
    }
}

#[test]
fn results_by_interval_change_no_other_result() {
    // Without `output.by_interval` the pipeline reports no document's
    // searchable time to the host (nothing else uses it); every result the
    // two runs share is the same, routing to the humans included.
    let yaml = format!(
        "{SEED_SMALL}      route: {{threshold: 0.85, sample: 0.05}}\n\
         job: {{initializing: 0s}}\n\
         workers: [{{name: team, count: 6, service_time: {{dist: exponential, mean: 2m}}, accuracy: 0.9}}]\n"
    );
    let plain = run(&yaml);
    let by = run(&format!("{yaml}output: {{by_interval: 30m}}\n"));
    assert!(plain.by_interval.is_none() && by.by_interval.is_some());
    assert!(count(&plain, "routed_to_humans") > 100);
    assert!(count(&plain, "human_labeled") > 100);
    assert_eq!(plain.summary, by.summary);
    // By their text: an empty series cell is NaN, which equals nothing.
    let text = |o: &RunOutput| format!("{:?} {:?}", o.pipeline, o.timeseries);
    assert!(text(&plain) == text(&by), "the pipeline's output differs");
}

#[test]
fn a_scenario_without_a_pipeline_is_unchanged() {
    // Worker accuracy is drawn only for pipeline objects: the job's numbers
    // are the same with or without it, and no pipeline metric appears.
    let base = std::fs::read_to_string("scenarios/quickstart.yaml").unwrap();
    let with_accuracy = base.replace("service_time:", "accuracy: 0.5\n    service_time:");
    assert_ne!(base, with_accuracy);
    let a = scenario(&base);
    let b = scenario(&with_accuracy);
    assert!(a.sim.pipeline.is_none() && !a.sim.no_job);
    let ra = simulate(&a.sim, StreamSeeds::for_replication(a.seed, 0)).unwrap();
    let rb = simulate(&b.sim, StreamSeeds::for_replication(b.seed, 0)).unwrap();
    assert_eq!(ra.summary, rb.summary);
    let names: Vec<&str> = ra.summary.metrics().into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, RunSummary::metric_names_for_config(&a.sim));
}

#[test]
fn validation_names_the_field() {
    let bad = |yaml: &str, needle: &str| {
        let e = match try_scenario(yaml) {
            Ok(_) => panic!("valid: {yaml}"),
            Err(e) => e.to_string(),
        };
        assert!(e.contains(needle), "{needle} not in: {e}");
    };
    let head = "name: x\nhorizon: 1h\n";
    // P3: an S3 notification cannot target a FIFO queue.
    bad(
        &format!("{head}producers:\n  - {{kind: poisson, rate: 1/h, source: s3, to: q}}\npipeline:\n  queues: [{{name: q, type: fifo}}]\n"),
        "producers[0].to",
    );
    // Unknown queue.
    bad(
        &format!("{head}producers:\n  - {{kind: poisson, rate: 1/h, to: nope}}\npipeline:\n  queues: [{{name: q}}]\n"),
        "`nope` is not a pipeline queue",
    );
    // Stage names are unique across queues and consumers.
    bad(
        &format!("{head}pipeline:\n  queues: [{{name: q}}]\n  consumers:\n    - {{name: q, queue: q, processing_time: {{dist: constant, value: 1s}}}}\n"),
        "pipeline.consumers[0].name",
    );
    // P1 ranges.
    bad(
        &format!(
            "{head}pipeline:\n  queues: [{{name: q, retention: 30s, visibility_timeout: 13h}}]\n"
        ),
        "pipeline.queues[0].retention",
    );
    bad(
        &format!(
            "{head}pipeline:\n  queues: [{{name: q, dead_letter: {{max_receive_count: 0}}}}]\n"
        ),
        "max_receive_count",
    );
    // P2: batch 1..10.
    bad(
        &format!("{head}pipeline:\n  queues: [{{name: q}}]\n  consumers:\n    - {{name: c, queue: q, batch: 11, processing_time: {{dist: constant, value: 1s}}}}\n"),
        "pipeline.consumers[0].batch",
    );
    // P6: a route needs workers, said at the route (its line).
    bad(
        &format!("{head}pipeline:\n  queues: [{{name: q}}]\n  consumers:\n    - {{name: c, queue: q, route: {{threshold: 0.8}}, processing_time: {{dist: constant, value: 1s}}}}\n"),
        ":6: pipeline.consumers[0].route: sends objects to the humans (P6): the scenario needs `workers:`",
    );
    // P2: `wait` is 0s (short polling) or 1s..20s, both ends said at once.
    for wait in ["21s", "500ms"] {
        bad(
            &format!("{head}pipeline:\n  queues: [{{name: q}}]\n  consumers:\n    - {{name: c, queue: q, wait: {wait}, processing_time: {{dist: constant, value: 1s}}}}\n"),
            "is out of range: `0s` is short polling, long polling waits 1s..20s (P2)",
        );
    }
}

#[test]
fn metric_names_for_a_pipeline_scenario_match_its_runs() {
    let s = scenario(&std::fs::read_to_string("scenarios/pipeline-hybrid.yaml").unwrap());
    let out = simulate(&s.sim, StreamSeeds::for_replication(s.seed, 0)).unwrap();
    let names: Vec<&str> = out.summary.metrics().into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, RunSummary::metric_names_for_config(&s.sim));
    for k in [
        "incoming.dead_lettered",
        "classifier.processed",
        "accuracy_overall",
    ] {
        assert!(names.contains(&k), "{k}");
    }
}

#[test]
fn pipeline_costs_sqs_requests_consumer_hours_and_cost_per_correct_label() {
    // SPEC §6 cost: requests at the queue's price per million (0.40
    // standard, or the scenario's), consumers paid per hour over the
    // horizon, and the whole cost per expected correct indexed label.
    let text = std::fs::read_to_string("scenarios/pipeline-seed.yaml").unwrap();
    let base = run(&text);
    let requests = metric_value(&base, "requests").unwrap();
    assert!(requests > 0.0);
    let sqs = metric_value(&base, "sqs_cost_usd").unwrap();
    assert!(
        (sqs - requests * 0.40 / 1e6).abs() < 1e-12,
        "{sqs} for {requests} requests"
    );
    assert_eq!(metric_value(&base, "consumer_cost_usd"), Some(0.0));
    let priced = run(&format!(
        "{text}\ncost: {{sqs_per_million_requests: 1.0, consumer_per_hour: 0.5}}\n"
    ));
    let horizon_h = scenario(&text).sim.horizon.as_secs_f64() / 3600.0;
    let consumers = metric_value(&priced, "consumer_cost_usd").unwrap();
    assert!(
        (consumers - 4.0 * horizon_h * 0.5).abs() < 1e-9,
        "{consumers}"
    );
    let sqs = metric_value(&priced, "sqs_cost_usd").unwrap();
    assert!((sqs - metric_value(&priced, "requests").unwrap() / 1e6).abs() < 1e-12);
    let cost = priced.summary.cost_usd;
    assert!((cost - (sqs + consumers)).abs() < 1e-9, "no people: {cost}");
    let correct = metric_value(&priced, "indexed_documents").unwrap()
        * metric_value(&priced, "accuracy_overall").unwrap();
    let per = metric_value(&priced, "cost_per_correct_label").unwrap();
    assert!((per - cost / correct).abs() < 1e-12, "{per}");
}

/// A pipeline column of the run's time series at `t_s` (None: no value).
fn series_at(out: &RunOutput, column: &str, t_s: f64) -> Option<f64> {
    let p = out.pipeline.as_ref().expect("a pipeline run");
    let i = out
        .timeseries
        .iter()
        .position(|s| s.t_s == t_s)
        .unwrap_or_else(|| panic!("no sample at {t_s} s"));
    let v = p.series.row(i)[p.series.column(column).expect(column)];
    (!v.is_nan()).then_some(v)
}

#[test]
fn issue10_queue_series_follow_the_visibility_trap() {
    // The trap sampled every 10 s: the one message (enqueued at 0) is in
    // flight at every sample from 10 s on; p0 processes over [0, 45) and
    // [60, 105), p1 over [30, 75) and [90, 135).
    let out = run(&format!(
        "{}\noutput: {{timeseries_every: 10s}}\n",
        trap("", "")
    ));
    let at = |c: &str, t: f64| series_at(&out, c, t);
    for t in [10.0, 20.0, 40.0, 50.0, 70.0, 80.0, 100.0] {
        assert_eq!(at("incoming.visible", t), Some(0.0), "{t}");
        assert_eq!(at("incoming.in_flight", t), Some(1.0), "{t}");
        assert_eq!(at("incoming.delayed", t), Some(0.0), "{t}");
        assert_eq!(at("incoming.oldest_age_s", t), Some(t), "{t}");
    }
    let busy = [
        (10.0, 1.0),
        (20.0, 1.0),
        (40.0, 2.0),
        (50.0, 1.0),
        (70.0, 2.0),
        (80.0, 1.0),
        (100.0, 2.0),
    ];
    for (t, n) in busy {
        assert_eq!(at("classifier.busy", t), Some(n), "{t}");
    }
    // Busy poller-time so far: 40 + 10 at 40 s; 45 + 20 at 50 s; 45 + 45 +
    // 40 + 10 at the horizon.
    assert_eq!(at("classifier.busy_time_s", 40.0), Some(50.0));
    assert_eq!(at("classifier.busy_time_s", 50.0), Some(65.0));
    assert_eq!(at("classifier.busy_time_s", 100.0), Some(140.0));
}

#[test]
fn issue10_queue_series_delayed_visible_and_an_empty_queue() {
    // Three messages at 0, delayed 5 s; one poller, 10 s each:
    // 5 all visible, the first received (processing [5, 15)); then [15, 25)
    // and [25, 35); empty from 35 on.
    let out = run(r#"
name: delayed
horizon: 40s
producers:
  - {name: three, kind: burst, size: 3, every: 1d, to: incoming}
pipeline:
  queues:
    - {name: incoming, type: standard, visibility_timeout: 60s, delay: 5s}
  consumers:
    - {name: classifier, queue: incoming, count: 1, batch: 1, wait: 20s,
       request_latency: 0ms, processing_time: {dist: constant, value: 10s}}
  index: {bulk_size: 1, flush_interval: 0s, bulk_latency: {dist: constant, value: 0ms},
          concurrency: 1, refresh_interval: 0s}
output: {timeseries_every: 2s}
"#);
    let at = |c: &str, t: f64| series_at(&out, c, t);
    let levels = |t: f64| {
        [
            "incoming.delayed",
            "incoming.visible",
            "incoming.in_flight",
            "incoming.oldest_age_s",
            "classifier.busy",
            "classifier.busy_time_s",
        ]
        .map(|c| at(c, t))
    };
    let s = Some;
    assert_eq!(
        levels(2.0),
        [s(3.0), s(0.0), s(0.0), s(2.0), s(0.0), s(0.0)]
    );
    assert_eq!(
        levels(10.0),
        [s(0.0), s(2.0), s(1.0), s(10.0), s(1.0), s(5.0)]
    );
    assert_eq!(
        levels(20.0),
        [s(0.0), s(1.0), s(1.0), s(20.0), s(1.0), s(15.0)]
    );
    assert_eq!(
        levels(30.0),
        [s(0.0), s(0.0), s(1.0), s(30.0), s(1.0), s(25.0)]
    );
    // Empty: the oldest age has no value (an empty CSV cell).
    assert_eq!(
        levels(40.0),
        [s(0.0), s(0.0), s(0.0), None, s(0.0), s(30.0)]
    );
    let csv =
        String::from_utf8(labelsim::report::timeseries_csv(std::slice::from_ref(&out))).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().ends_with(
        ",failed_total,incoming.visible,incoming.in_flight,incoming.delayed,\
         incoming.oldest_age_s,classifier.busy,classifier.busy_time_s,classifier.pollers"
    ));
    assert!(csv
        .lines()
        .any(|l| l.starts_with("1,10,") && l.ends_with(",2,1,0,10,1,5,1")));
    assert!(csv.lines().last().unwrap().ends_with(",0,0,0,,0,30,1"));
}

#[test]
fn issue10_a_run_without_a_pipeline_has_no_pipeline_columns() {
    let out = run("name: plain\nhorizon: 1h\nproducers:\n  - {name: p, kind: poisson, rate: 10/h}\nworkers:\n  - {name: w, count: 1, service_time: {dist: constant, value: 1m}}\n");
    assert!(out.pipeline.is_none());
    let csv =
        String::from_utf8(labelsim::report::timeseries_csv(std::slice::from_ref(&out))).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",failed_total"));
}

/// P8, R9: latency counts from an object's *first* send. Every upload's S3
/// event is delivered twice (`s3_event_duplicate: 1`), the copy 1 h after
/// the original, each after a notification delay uniform on 0..4 h; the
/// document (same upload) is searchable at the first of the two, so its
/// latency is min(N1, 1 h + N2): E = 0.875 h + 13.5/16 h = 1.71875 h =
/// 6187.5 s (plus the near-zero processing and index times). Counting the
/// copy from its own send instead gives 6187.5 − 3600 · P(N1 ≥ 1 h + N2)
/// = 6187.5 − 3600 · 9/32 = 5175 s. With 3,000 objects the standard error
/// of the mean is about 55 s; the tolerance is 250 s.
#[test]
fn a_copy_of_the_same_upload_keeps_the_originals_first_send() {
    use labelsim::engine::StreamSeeds;
    use labelsim::scenario::{LoadOptions, Scenario};
    let yaml = "name: copies\nseed: 3\nhorizon: 6h\n\
        producers: [{name: up, kind: burst, size: 3000, source: s3, to: q,\n\
        \x20 notification_delay: {dist: uniform, min: 0s, max: 4h},\n\
        \x20 duplicates: {s3_event_duplicate: 1.0, delay: 1h}}]\n\
        pipeline:\n  queues: [{name: q, type: standard}]\n  consumers:\n\
        \x20   - {name: c, queue: q, count: 20, batch: 10, wait: 20s, request_latency: 0ms,\n\
        \x20      processing_time: {dist: constant, value: 1ms}}\n\
        \x20 index: {bulk_size: 1, flush_interval: 0s, refresh_interval: 1ms,\n\
        \x20         bulk_latency: {dist: constant, value: 0ms}}\n";
    let s = Scenario::from_str(
        yaml,
        "copies.yaml",
        std::path::Path::new("."),
        LoadOptions::default(),
    )
    .expect("valid");
    let out = labelsim::model::simulate(&s.sim, StreamSeeds::for_replication(s.seed, 0)).unwrap();
    let metrics = out.summary.metrics();
    let get = |k: &str| {
        metrics
            .iter()
            .find(|(n, _)| *n == k)
            .and_then(|(_, v)| v.as_f64())
            .unwrap()
    };
    assert_eq!(get("indexed_documents"), 3000.0);
    let mean = get("searchable_latency_mean_s");
    assert!(
        (mean - 6187.5).abs() < 250.0,
        "mean {mean} s (5175 if a copy counted from its own send)"
    );
}

/// A1/A2 (issue 21): every `scaling:` range and combination is refused
/// with its field and line.
#[test]
fn scaling_validation_names_the_field_and_line() {
    let errors = |scaling: &str, queue: &str, extra: &str| -> String {
        let yaml = format!(
            "name: x\nhorizon: 1h\npipeline:\n  queues: [{{name: q{queue}}}]\n  consumers:\n    - name: c\n      queue: q\n      processing_time: {{dist: constant, value: 1s}}\n{extra}      scaling: {scaling}\n"
        );
        match try_scenario(&yaml) {
            Ok(_) => panic!("valid: {yaml}"),
            Err(e) => e.to_string(),
        }
    };
    let has = |e: &str, needle: &str| assert!(e.contains(needle), "{needle} not in: {e}");
    let e = errors(
        "{kind: lambda, max_concurrency: 5000, initial: 1, ramp: 0, min: 3000, interval: 0s, memory_gb: 20, batch_window: 6m}",
        "",
        "",
    );
    has(
        &e,
        ":9: pipeline.consumers[0].scaling.max_concurrency: 5000 must be in 2..1000",
    );
    has(
        &e,
        "pipeline.consumers[0].scaling.initial: 1 must be in 2..1000",
    );
    has(
        &e,
        "pipeline.consumers[0].scaling.ramp: 0 must be in 1..1000",
    );
    has(
        &e,
        "pipeline.consumers[0].scaling.min: 3000 must be in 0..1000",
    );
    has(
        &e,
        "pipeline.consumers[0].scaling.interval: must be longer than 0s",
    );
    has(
        &e,
        "pipeline.consumers[0].scaling.memory_gb: 20 must be in 0.125..10.24",
    );
    has(
        &e,
        "pipeline.consumers[0].scaling.batch_window: 6m is out of range: 0s..5m (A1)",
    );
    // FIFO: no batching window; the other kind's keys; count and scaling.
    let e = errors(
        "{kind: lambda, batch_window: 10s, messages_per_poller: 3}",
        ", type: fifo",
        "      count: 4\n      delete: message\n      wait: 0s\n",
    );
    has(
        &e,
        "scaling.batch_window: a FIFO queue's event source mapping has no batching window",
    );
    has(
        &e,
        "scaling.messages_per_poller: applies to `kind: target_tracking` only",
    );
    has(
        &e,
        "pipeline.consumers[0].count: an autoscaled consumer has no fixed `count`",
    );
    has(&e, "pipeline.consumers[0].delete: Lambda deletes a batch");
    has(
        &e,
        "pipeline.consumers[0].wait: a Lambda event source mapping long-polls",
    );
    let e = errors(
        "{kind: target_tracking, min: 5, max: 2, messages_per_poller: 0, poll_interval: 0s, ramp: 3}",
        "",
        "",
    );
    has(&e, "pipeline.consumers[0].scaling.min: 5 must be in 0..2");
    has(&e, "scaling.messages_per_poller: 0 must be in 1..1000000");
    has(&e, "scaling.poll_interval: must be longer than 0s");
    has(&e, "scaling.ramp: applies to `kind: lambda` only");
    let e = errors("{kind: keda}", "", "");
    has(
        &e,
        "scaling.kind: `keda` is not one of: lambda, target_tracking",
    );
}

/// A4 (issue 21): a Lambda pool costs its GB-seconds and invocations, a
/// target-tracking pool its poller-hours; both report their pollers.
#[test]
fn autoscaled_pools_are_priced_by_what_they_ran() {
    let text = std::fs::read_to_string("scenarios/pipeline-lambda.yaml").unwrap();
    let out = run(&text);
    let gb_s = metric_value(&out, "classifier.gb_seconds").unwrap();
    let invocations = metric_value(&out, "classifier.invocations").unwrap();
    assert!(gb_s > 0.0 && invocations > 0.0);
    let want = gb_s * 0.000_016_666_7 + invocations * 0.20 / 1e6;
    let cost = metric_value(&out, "consumer_cost_usd").unwrap();
    assert!((cost - want).abs() < 1e-12, "{cost} != {want}");
    let max = metric_value(&out, "classifier.pollers_max").unwrap();
    assert_eq!(max, 50.0, "the bursts reach max_concurrency");
    let mean = metric_value(&out, "classifier.pollers_mean").unwrap();
    assert!((2.0..50.0).contains(&mean), "{mean}");
    assert!(
        metric_value(&out, "classifier.scale_outs").unwrap() >= 3.0,
        "one per burst at least"
    );
    // Lambda bills its busy time: GB-seconds ≥ 2 GB × processing time.
    let busy_s = metric_value(&out, "classifier.utilization").unwrap()
        * metric_value(&out, "classifier.poller_hours").unwrap()
        * 3600.0;
    assert!(gb_s >= 2.0 * busy_s * (1.0 - 1e-9), "{gb_s} vs {busy_s}");

    let text = std::fs::read_to_string("scenarios/pipeline-keda.yaml").unwrap();
    let out = run(&text);
    let hours = metric_value(&out, "classifier.poller_hours").unwrap();
    let cost = metric_value(&out, "consumer_cost_usd").unwrap();
    assert!((cost - hours * 0.05).abs() < 1e-12, "{cost}");
    let horizon_h = 6.0;
    let mean = metric_value(&out, "classifier.pollers_mean").unwrap();
    assert!((hours - mean * horizon_h).abs() < 1e-9);
    // The time series has the pool's pollers.
    assert_eq!(series_at(&out, "classifier.pollers", 0.0), Some(1.0));
}

/// SPEC §4a, `warmup: auto`, on a pipeline without a labeling job: its
/// backlog is its SQS queues' visible messages (the job's backlog is always
/// 0 there), so MSER-5 cuts the drain of a start-up burst of 10,000 (30
/// pollers of about 1 s per message take about 6 min), and the queue's
/// time-weighted mean starts after it: far below the whole run's.
#[test]
fn warmup_auto_on_a_pipeline_alone_cuts_its_queues_start_up_backlog() {
    let yaml = "name: pw\nseed: 1\nhorizon: 4h\n\
        producers:\n  - {name: up, kind: poisson, rate: 10/s, to: incoming}\n  - {name: b, kind: burst, size: 10000, every: 30d, start: 0s, to: incoming}\n\
        pipeline:\n  queues: [{name: incoming, type: standard, visibility_timeout: 10m}]\n  consumers:\n    - {name: c, queue: incoming, count: 30, batch: 10, wait: 20s, processing_time: {dist: exponential, mean: 1s}}\n\
        output: {timeseries_every: 1m, warmup: WARM}\n";
    let cold = crate::common::run(&yaml.replace("WARM", "0s"));
    let auto = crate::common::run(&yaml.replace("WARM", "auto"));
    let warmup = auto.summary.warmup_s;
    assert!((300.0..=1800.0).contains(&warmup), "warm-up {warmup} s");
    let m = crate::common::metric_value;
    let (all, after) = (
        m(&cold, "incoming.visible_mean").unwrap(),
        m(&auto, "incoming.visible_mean").unwrap(),
    );
    assert!(
        after < all / 10.0,
        "visible mean {after} after the warm-up, {all} over the run"
    );
}

/// SPEC §4a: a mean over replications uses those with a value and says
/// how many. A message that fails half the time and dead-letters at its
/// first failure is indexed in some replications only: summary.json's `n`
/// counts them for the pipeline's latencies, waits and utilization as for
/// the job's, and the sweep's table has their `_n` columns.
#[test]
fn n_counts_the_replications_with_a_value_for_pipeline_statistics_too() {
    let tmp = tempfile::tempdir().unwrap();
    let path = common::write_scenario(
        tmp.path(),
        "s.yaml",
        r#"name: m1
seed: 1
horizon: 1m
producers:
  - {name: p, kind: burst, size: 1, start: 0s, to: q}
pipeline:
  queues:
    - {name: q, type: standard, visibility_timeout: 5s, dead_letter: {max_receive_count: 1}}
  consumers:
    - {name: c, queue: q, count: 1, batch: 1, wait: 20s, request_latency: 20ms,
       processing_time: {dist: constant, value: 1s}, failure_probability: 0.5}
"#,
    );
    let out = tmp.path().join("out");
    let o = common::labelsim_on("run", &path, &out, &["--replications", "8", "--no-charts"]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let json = common::read_json(&out.join("summary.json"));
    let runs = json["runs"].as_array().unwrap();
    for m in [
        "searchable_latency_mean_s",
        "latency_notification_p95_s",
        "accuracy_machine",
        "q.queue_wait_p95_s",
        "c.utilization",
    ] {
        let with_value = runs.iter().filter(|r| !r[m].is_null()).count() as u64;
        assert_eq!(json["n"][m].as_u64(), Some(with_value), "{m}");
    }
    let indexed = runs
        .iter()
        .filter(|r| !r["searchable_latency_mean_s"].is_null())
        .count();
    assert!(
        0 < indexed && indexed < 8,
        "a test of empty replications: {indexed}"
    );
    assert!(json["n"].get("indexed_documents").is_none());

    let out = tmp.path().join("sweep");
    let o = common::labelsim_on(
        "sweep",
        &path,
        &out,
        &[
            "--vary",
            "pipeline.consumers[c].count=1..2:1",
            "--replications",
            "4",
            "--no-charts",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let (head, _) = common::csv_rows(&out.join("sweep_summary.csv"));
    assert!(head.contains("searchable_latency_mean_s_n"), "{head}");
}

#[test]
fn p6_confidence_uniform_defaults_to_0_1_and_empirical_reads_a_csv_column() {
    let consumer = |conf: &str| {
        format!(
            "name: x\nhorizon: 1h\npipeline:\n  queues: [{{name: q}}]\n  consumers:\n    - {{name: c, queue: q, processing_time: {{dist: constant, value: 1s}}, confidence: {conf}}}\n"
        )
    };
    let share = |s: &labelsim::scenario::Scenario, x: f64| {
        s.sim.pipeline.as_ref().unwrap().consumers[0]
            .confidence
            .share_below(x)
    };
    // `uniform` alone is on [0, 1] (P6: a distribution on [0, 1]).
    let s = scenario(&consumer("{dist: uniform}"));
    assert!((share(&s, 0.25) - 0.25).abs() < 1e-12);
    let s = scenario(&consumer("{dist: uniform, min: 0.5}"));
    assert!((share(&s, 0.75) - 0.5).abs() < 1e-12);
    // `empirical` from a CSV column, as a service time's.
    let t = tempfile::tempdir().unwrap();
    std::fs::write(
        t.path().join("conf.csv"),
        "id,score\n1,0.2\n2,0.8\n3,0.9\n4,0.95\n",
    )
    .unwrap();
    let path = common::write_scenario(
        t.path(),
        "s.yaml",
        &consumer("{dist: empirical, csv: conf.csv, column: score}"),
    );
    let s = labelsim::scenario::Scenario::load(&path, labelsim::scenario::LoadOptions::default())
        .unwrap();
    assert!((share(&s, 0.5) - 0.25).abs() < 1e-12);
    // Both sources, a value off [0, 1], or a column without a csv: named.
    std::fs::write(t.path().join("bad.csv"), "score\n1.5\n").unwrap();
    for (conf, needle) in [
        (
            "{dist: empirical, csv: conf.csv, values: [0.5]}",
            "confidence.csv: is given with `values`",
        ),
        (
            "{dist: empirical, csv: bad.csv, column: score}",
            "bad.csv line 2, column `score`: 1.5 must be in [0, 1]",
        ),
        (
            "{dist: empirical, values: [0.5], column: score}",
            "confidence.column: applies to `csv`",
        ),
    ] {
        let path = common::write_scenario(t.path(), "b.yaml", &consumer(conf));
        let e =
            labelsim::scenario::Scenario::load(&path, labelsim::scenario::LoadOptions::default())
                .unwrap_err()
                .to_string();
        assert!(e.contains(needle), "{needle} not in {e}");
    }
}

/// One object routed, N tasks by a group of `count` workers with
/// `accuracy`; `seed` varies the draws.
fn expected_human(n: u32, count: u32, accuracy: f64, seed: u64) -> RunOutput {
    one_routed(
        seed,
        n,
        &format!("  - {{name: team, count: {count}, service_time: {{dist: exponential, mean: 5s}}, accuracy: {accuracy}}}\n"),
    )
}

#[test]
fn p6_accuracy_human_is_the_expected_share_whatever_the_draws() {
    // SPEC P6: `accuracy_*` are expected shares of indexed objects whose
    // label is correct. One worker at 0.7: 0.7 on every seed, not 0 or 1.
    for seed in 1..=6 {
        let out = expected_human(1, 1, 0.7, seed);
        assert_eq!(count(&out, "human_labeled"), 1);
        let a = metric_value(&out, "accuracy_human").unwrap();
        assert!((a - 0.7).abs() < 1e-12, "seed {seed}: {a}");
        let overall = metric_value(&out, "accuracy_overall").unwrap();
        assert!((overall - 0.7).abs() < 1e-12, "seed {seed}: {overall}");
        // Priced per expected correct label: never null for 0.7 > 0.
        assert!(metric_value(&out, "cost_per_correct_label").is_some());
    }
    // Three at 0.8, majority: 0.8³ + 3·0.8²·0.2 = 0.896.
    for seed in 1..=3 {
        let out = expected_human(3, 3, 0.8, seed);
        let a = metric_value(&out, "accuracy_human").unwrap();
        assert!((a - 0.896).abs() < 1e-12, "seed {seed}: {a}");
    }
}

#[test]
fn p8_an_s3_producer_retry_is_the_same_document_a_reupload_a_new_one() {
    // SPEC P8: indexed_documents counts distinct objects; a producer retry
    // or a copy is the same object (its second write overwrites), while a
    // re-upload is a new one. One upload at 10m, its copy 30 s later.
    let yaml = |dup: &str| {
        format!(
            r#"name: retry
horizon: 20m
producers:
  - {{name: up, kind: burst, size: 1, every: 1d, start: 10m, source: s3, to: q,
     notification_delay: {{dist: constant, value: 2s}}, duplicates: {{{dup}: 1.0, delay: 30s}}}}
pipeline:
  queues: [{{name: q}}]
  consumers:
    - {{name: c, queue: q, processing_time: {{dist: constant, value: 1s}}, confidence: {{dist: constant, value: 0.8}}}}
"#
        )
    };
    let retry = run(&yaml("producer_retry"));
    assert_eq!(count(&retry, "indexed_documents"), 1);
    assert_eq!(count(&retry, "index_overwrites"), 1);
    // Latency counted once, from the first upload (notification 2 s,
    // receive 20 ms, processing 1 s, delete, bulk and refresh after).
    let once = metric_value(&retry, "searchable_latency_mean_s").unwrap();
    assert_eq!(metric_value(&retry, "searchable_latency_p99_s"), Some(once));
    assert!(once < 10.0, "{once}");
    // Both uploads were sent and processed (R9: a new sequencer).
    assert_eq!(count(&retry, "s3_uploads"), 2);
    assert_eq!(count(&retry, "processed"), 2);
    let reupload = run(&yaml("reupload"));
    assert_eq!(count(&reupload, "indexed_documents"), 2);
    assert_eq!(count(&reupload, "index_overwrites"), 0);
}

/// SPEC §6: any producer may set `to: QUEUE`, a manifest too: its `count`
/// messages go to the queue at its start (one burst), not to the job. One
/// poller, batch 1, 0 ms requests, 1 s each: the three messages sent at 0
/// are processed at 1, 2 and 3 s. A manifest without `to:` beside it is
/// still the job's input (R3), and only it reaches the job.
#[test]
fn a_manifest_with_to_sends_its_objects_to_the_queue() {
    let yaml = r#"
name: manifest-to-queue
horizon: 10m
producers:
  - {name: m, kind: manifest, count: 3, to: q}
pipeline:
  queues: [{name: q, type: standard}]
  consumers:
    - {name: c, queue: q, count: 1, batch: 1, wait: 20s, request_latency: 0ms,
       processing_time: {dist: constant, value: 1s}}
"#;
    let out = run(yaml);
    assert_eq!(count(&out, "messages_produced"), 3);
    assert_eq!(count(&out, "q.sent"), 3);
    assert_eq!(count(&out, "c.processed"), 3);
    assert_eq!(count(&out, "indexed_documents"), 3);
    assert_eq!(out.summary.messages_received, 0, "the job got nothing");
    assert_eq!(out.summary.objects_accepted, 0);
    // Waits in the queue: 0, 1 and 2 s.
    let wait = metric_value(&out, "q.queue_wait_mean_s").unwrap();
    assert!((wait - 1.0).abs() < 1e-9, "{wait}");
    // Beside a job: its own manifest of 2 reaches it, the queue's 3 do not.
    let mixed = yaml.replace(
        "  - {name: m, kind: manifest, count: 3, to: q}",
        "  - {name: m, kind: manifest, count: 3, to: q}\n  - {name: own, kind: manifest, count: 2}",
    ) + "job: {initializing: 0s}\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}}]\n";
    let out = run(&mixed);
    assert_eq!(count(&out, "q.sent"), 3);
    assert_eq!(out.summary.messages_received, 2);
    assert_eq!(out.summary.objects_labeled, 2);
    // R4: a batch job labels its own manifest; one sent to a queue is not
    // its input (the job would complete at once with nothing).
    let batch = mixed.replace(
        "job: {initializing: 0s}",
        "job: {initializing: 0s, mode: batch}",
    );
    let e = try_scenario(&batch).unwrap_err().to_string();
    assert!(
        e.contains(":5: producers[0].to: a batch job labels its manifest"),
        "{e}"
    );
}
