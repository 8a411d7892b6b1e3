//! Pipeline performance (SPEC §6), not asserted in tests: messages per wall
//! second end to end through what `labelsim run` runs (the scenario's
//! simulation, [`labelsim::model::simulate`]: producers, send, receive,
//! processing, delete, routing, index). Each case is a pipeline-only
//! scenario (a Poisson producer `to:` the queue, no labeling job); only the
//! simulation is timed, not loading the scenario.
//!
//! `cargo bench --bench pipeline` runs every case, each in a fresh child
//! process (its own peak memory); `cargo bench --bench pipeline -- case NAME`
//! runs one and prints one line. Every case sends for 1,000 s (500 s for
//! the batch-1 case) and runs 60 s more:
//! - `standard-2M`: Poisson 2,000/s into a standard queue, 64 pollers,
//!   batch 10, 20 ms requests, 5 ms processing, per-message deletes, the
//!   default index (bulks of 500);
//! - `standard-batch-delete-2M`: the same with `delete: batch`;
//! - `standard-batch1-1M`: batch 1, 0 ms requests, 40 pollers of 10 ms
//!   (the per-message worst case: every message its own receive);
//! - `fifo-2M`: the first case on a FIFO queue with 200 groups and a
//!   throughput limit high enough not to throttle;
//! - `lambda-2M`, `target-tracking-2M` (A1, A2, issue 21): the first case
//!   with the 64 fixed pollers replaced by a Lambda mapping (5 at first,
//!   +300 a minute, at most 200) or a target-tracking pool (1..200 pollers,
//!   20 messages per poller, ticks every 30 s, start-up 30 s): the
//!   controllers' cost beside the fixed pool's;
//! - `lambda-batch100-2M` (A1): the Lambda case gathering batches of up to
//!   100 messages within a 1 s `batch_window` (ReceiveMessage calls of 10).
//!
//! Columns: messages sent, documents indexed, wall seconds, messages and
//! events per wall second (events: the whole run's, producers' included),
//! peak memory, mean searchable latency.

use labelsim::engine::StreamSeeds;
use labelsim::model::simulate;
use labelsim::scenario::{LoadOptions, Scenario};
use std::path::Path;
use std::time::Instant;

mod common;

struct Case {
    name: &'static str,
    yaml: String,
}

/// A pipeline-only scenario: Poisson `rate_per_s` for `seconds` into one
/// queue (`queue`: its YAML mapping's keys after the name) read by one
/// pool (`consumer`: its keys after name and queue), the default index.
fn scenario(rate_per_s: u32, seconds: u32, queue: &str, consumer: &str) -> String {
    format!(
        "name: bench\nseed: 1\nhorizon: {horizon}s\n\
         producers: [{{name: p, kind: poisson, rate: {rate_per_s}/s, end: {seconds}s, to: incoming}}]\n\
         pipeline:\n  queues: [{{name: incoming, {queue}}}]\n  \
         consumers: [{{name: classifier, queue: incoming, {consumer}}}]\n",
        horizon = seconds + 60,
    )
}

/// The first case's pool: batch 10, 20 ms requests, 5 ms processing, with
/// `more` keys (count or scaling, delete mode).
fn pool(more: &str) -> String {
    format!(
        "batch: 10, request_latency: 20ms, processing_time: {{dist: constant, value: 5ms}}, {more}"
    )
}

fn cases() -> Vec<Case> {
    let standard = "type: standard";
    let lambda = "scaling: {kind: lambda, max_concurrency: 200}, delete: batch";
    vec![
        Case {
            name: "standard-2M",
            yaml: scenario(2000, 1000, standard, &pool("count: 64")),
        },
        Case {
            name: "standard-batch-delete-2M",
            yaml: scenario(2000, 1000, standard, &pool("count: 64, delete: batch")),
        },
        Case {
            name: "standard-batch1-1M",
            yaml: scenario(
                2000,
                500,
                standard,
                "count: 40, batch: 1, request_latency: 0ms, \
                 processing_time: {dist: constant, value: 10ms}",
            ),
        },
        Case {
            name: "fifo-2M",
            yaml: scenario(
                2000,
                1000,
                "type: fifo, groups: 200, throughput: 1000000/s",
                &pool("count: 64"),
            ),
        },
        Case {
            name: "lambda-2M",
            yaml: scenario(2000, 1000, standard, &pool(lambda)),
        },
        Case {
            name: "lambda-batch100-2M",
            yaml: scenario(
                2000,
                1000,
                standard,
                "batch: 100, request_latency: 20ms, processing_time: {dist: constant, value: 5ms}, \
                 scaling: {kind: lambda, max_concurrency: 200, batch_window: 1s}, delete: batch",
            ),
        },
        Case {
            name: "target-tracking-2M",
            yaml: scenario(
                2000,
                1000,
                standard,
                &pool("scaling: {kind: target_tracking, max: 200, messages_per_poller: 20}"),
            ),
        },
    ]
}

/// Peak resident memory of this process [MiB] (Linux VmHWM).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn run_case(c: &Case) {
    let s = Scenario::from_str(&c.yaml, c.name, Path::new("."), LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let out = simulate(&s.sim, StreamSeeds::for_replication(s.seed, 0)).expect("invariants hold");
    let wall = start.elapsed().as_secs_f64();
    let m = &out.summary;
    let pipe = |key: &str| {
        m.pipeline
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| *v)
    };
    let sent = m.messages_produced;
    println!(
        "| {} | {} | {} | {:.2} | {:.2} M | {:.2} M | {:.0} | {:.3} s |",
        c.name,
        sent,
        pipe("indexed_documents").unwrap_or(f64::NAN),
        wall,
        sent as f64 / wall / 1e6,
        m.events as f64 / wall / 1e6,
        peak_rss_mib(),
        pipe("searchable_latency_mean_s").unwrap_or(f64::NAN),
    );
}

fn main() {
    if let Some(name) = common::case_asked() {
        let c = cases()
            .into_iter()
            .find(|c| c.name == name)
            .expect("known case");
        run_case(&c);
        return;
    }
    let names: Vec<&str> = cases().iter().map(|c| c.name).collect();
    common::run_each_in_a_child(
        &[
            "case",
            "messages",
            "indexed",
            "wall [s]",
            "messages/s",
            "events/s",
            "peak RSS [MiB]",
            "mean searchable latency",
        ],
        &names,
    );
}
