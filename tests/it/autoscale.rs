//! A1–A4 (issue 21): autoscaled consumers through the scenario front door:
//! Lambda batches over 10 and their validation.

use crate::common::try_scenario;

fn consumer_yaml(queue: &str, batch: &str, scaling: &str) -> String {
    format!(
        "name: x\nhorizon: 1h\npipeline:\n  queues: [{{name: q{queue}}}]\n  consumers:\n    - name: c\n      queue: q\n      processing_time: {{dist: constant, value: 1s}}\n      batch: {batch}\n{scaling}"
    )
}

fn error(yaml: &str) -> String {
    match try_scenario(yaml) {
        Ok(_) => panic!("valid: {yaml}"),
        Err(e) => e.to_string(),
    }
}

/// A1: a batch over 10 needs a Lambda event source mapping with a batching
/// window on a standard queue; up to 10,000. Each refusal names the field
/// and its line (line 9 is `batch:`).
#[test]
fn a_batch_over_10_needs_a_lambda_batching_window_on_a_standard_queue() {
    let ok = consumer_yaml(
        "",
        "10000",
        "      scaling: {kind: lambda, batch_window: 1s}\n",
    );
    let s = try_scenario(&ok).expect("batch 10000 with a window");
    let c = &s.sim.pipeline.as_ref().expect("pipeline").consumers[0];
    assert_eq!(c.batch, 10_000);
    let cases = [
        (
            consumer_yaml("", "20", ""),
            ":9: pipeline.consumers[0].batch: 20 is over 10: only a Lambda event source mapping",
        ),
        (
            consumer_yaml("", "20", "      scaling: {kind: lambda}\n"),
            ":9: pipeline.consumers[0].batch: 20 is over 10: a Lambda batch over 10 needs `scaling.batch_window` longer than 0s",
        ),
        (
            consumer_yaml(", type: fifo", "20", "      scaling: {kind: lambda}\n"),
            ":9: pipeline.consumers[0].batch: 20 is over 10: a FIFO queue's receives take at most 10",
        ),
        (
            consumer_yaml("", "10001", "      scaling: {kind: lambda, batch_window: 5s}\n"),
            ":9: pipeline.consumers[0].batch: 10001 must be in 1..10 (P2), or up to 10000",
        ),
        (
            consumer_yaml("", "20", "      scaling: {kind: target_tracking}\n"),
            ":9: pipeline.consumers[0].batch: 20 is over 10: only a Lambda",
        ),
    ];
    for (yaml, needle) in cases {
        let e = error(&yaml);
        assert!(e.contains(needle), "{needle}\nnot in: {e}");
    }
}

/// SPEC §4a on a pipeline: with `output.warmup`, the time-weighted means
/// (here an A2 pool's pollers) start at the warm-up's end, documents first
/// sent in the warm-up are left out of every latency statistic, and maxima
/// stay the whole run's. Hand trace: a burst of 100 at 10 s; target
/// tracking (10 messages a poller, ticks every 30 s from 0, start-up 30 s)
/// runs 1 poller over [0, 60), 9 over [60, 90), 6 over [90, 120), 1 over
/// [120, 180]: 570 poller-seconds in 180 s (3.1667), 510 in the 120 s
/// after a 60 s warm-up (4.25).
#[test]
fn a_pipeline_warm_up_starts_its_means_and_leaves_out_its_early_documents() {
    let yaml = |warmup: &str| {
        format!(
            "name: w\nseed: 1\nhorizon: 180s\n\
             producers: [{{name: b, kind: burst, size: 100, every: 1d, start: 10s, to: incoming}}]\n\
             pipeline:\n  queues: [{{name: incoming, type: standard, visibility_timeout: 10m}}]\n  consumers:\n    - {{name: tt, queue: incoming, batch: 10, wait: 20s, request_latency: 0ms,\n       processing_time: {{dist: constant, value: 1s}},\n       scaling: {{kind: target_tracking, min: 1, max: 10, messages_per_poller: 10,\n                 poll_interval: 30s, startup: 30s, scale_in_window: 60s}}}}\n\
             output: {{timeseries_every: 10s, warmup: {warmup}}}\n"
        )
    };
    let cold = crate::common::run(&yaml("0s"));
    let warm = crate::common::run(&yaml("60s"));
    let m = crate::common::metric_value;
    assert!((m(&cold, "tt.pollers_mean").unwrap() - 570.0 / 180.0).abs() < 1e-9);
    assert!((m(&warm, "tt.pollers_mean").unwrap() - 4.25).abs() < 1e-9);
    assert_eq!(m(&cold, "tt.pollers_max"), Some(9.0));
    assert_eq!(m(&warm, "tt.pollers_max"), Some(9.0));
    for name in ["searchable_latency_mean_s", "incoming.queue_wait_mean_s"] {
        assert!(m(&cold, name).is_some(), "{name} without a warm-up");
        assert_eq!(
            m(&warm, name),
            None,
            "{name}: every document came in the warm-up"
        );
    }
    // Totals are the whole run's either way.
    assert_eq!(m(&cold, "tt.poller_hours"), m(&warm, "tt.poller_hours"));
}

/// A1: `initial` is in 2..1000 whatever `max_concurrency` (a plan over
/// `max_concurrency` from 2 keeps the scenario's `initial: 5`), and the
/// pool starts at the smaller of the two: Lambda never runs more than its
/// maximum concurrency (a warning says so). The default `initial` (5) follows a smaller
/// maximum. Out of 2..1000 it is refused naming the field and line.
#[test]
fn a_lambda_pool_starts_at_its_maximum_when_initial_is_above_it() {
    let s = try_scenario(&consumer_yaml(
        "",
        "10",
        "      scaling: {kind: lambda, initial: 8, max_concurrency: 3}\n",
    ))
    .expect("initial above the maximum is accepted");
    let c = &s.sim.pipeline.as_ref().unwrap().consumers[0];
    assert_eq!(c.lambda().unwrap().initial, 8);
    assert_eq!(c.scaling.as_ref().unwrap().initial_pollers(), 3);
    // ... with a warning at its field, as the value given is not used.
    let w: Vec<_> = s
        .warnings
        .iter()
        .filter(|w| w.field == "pipeline.consumers[0].scaling.initial")
        .collect();
    assert_eq!(w.len(), 1, "{:?}", s.warnings);
    assert!(
        w[0].message.contains("the pool starts at 3"),
        "{}",
        w[0].message
    );
    let e = error(&consumer_yaml(
        "",
        "10",
        "      scaling: {kind: lambda, initial: 1001}\n",
    ));
    assert!(
        e.contains(":10: pipeline.consumers[0].scaling.initial: 1001 must be in 2..1000"),
        "{e}"
    );
    let s = try_scenario(&consumer_yaml(
        "",
        "10",
        "      scaling: {kind: lambda, max_concurrency: 3}\n",
    ))
    .expect("the default initial follows the maximum");
    let c = &s.sim.pipeline.as_ref().unwrap().consumers[0];
    assert_eq!(c.lambda().unwrap().initial, 3);
}
