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
