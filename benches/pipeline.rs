//! Pipeline performance (SPEC §6), not asserted in tests: messages per wall
//! second end to end through `pipeline::standalone::run` (arrival, send,
//! receive, processing, delete, routing, index) — arrival generation is not
//! timed.
//!
//! `cargo bench --bench pipeline` runs every case, each in a fresh child
//! process (its own peak memory); `cargo bench --bench pipeline -- case NAME`
//! runs one and prints one line.
//! - `standard-2M`: Poisson 2,000/s for 1,000 s into a standard queue, 64
//!   pollers, batch 10, 20 ms requests, 5 ms processing, per-message deletes,
//!   the default index (bulks of 500);
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

use labelsim::engine::{SimDuration, SimTime, StreamSeeds};
use labelsim::model::pipeline::standalone::{self, ArrivalKind, Options};
use labelsim::model::pipeline::{
    ConsumerConfig, DeleteMode, IndexConfig, LambdaScaling, PipelineConfig, QueueConfig, QueueKind,
    Scaling, TargetTracking,
};
use labelsim::model::workforce::ServiceDist;
use std::time::Instant;

mod common;

struct Case {
    name: &'static str,
    cfg: PipelineConfig,
    rate_per_s: f64,
    seconds: u64,
}

fn base(pollers: u32, batch: u32, latency_ms: u64, processing_ms: f64) -> PipelineConfig {
    let mut c = ConsumerConfig::new("classifier", 0, ServiceDist::constant(processing_ms * 1e3));
    c.count = pollers;
    c.batch = batch;
    c.request_latency = SimDuration::from_millis(latency_ms);
    PipelineConfig {
        queues: vec![QueueConfig::standard("incoming")],
        consumers: vec![c],
        index: IndexConfig::default(),
    }
}

fn cases() -> Vec<Case> {
    let std2m = base(64, 10, 20, 5.0);
    let mut batch_delete = std2m.clone();
    batch_delete.consumers[0].delete = DeleteMode::Batch;
    let mut fifo = std2m.clone();
    fifo.queues[0] = QueueConfig::fifo("incoming");
    if let QueueKind::Fifo(f) = &mut fifo.queues[0].kind {
        f.groups = 200;
        f.throughput_per_s = 1_000_000;
    }
    let mut lambda = std2m.clone();
    lambda.consumers[0].delete = DeleteMode::Batch;
    lambda.consumers[0].scaling = Some(Scaling::Lambda(LambdaScaling {
        max_concurrency: 200,
        ..LambdaScaling::default()
    }));
    let mut lambda_batch = lambda.clone();
    lambda_batch.consumers[0].batch = 100;
    lambda_batch.consumers[0].scaling = Some(Scaling::Lambda(LambdaScaling {
        max_concurrency: 200,
        batch_window: SimDuration::from_secs(1),
        ..LambdaScaling::default()
    }));
    let mut tracking = std2m.clone();
    tracking.consumers[0].scaling = Some(Scaling::TargetTracking(TargetTracking {
        max: 200,
        messages_per_poller: 20,
        ..TargetTracking::default()
    }));
    vec![
        Case {
            name: "standard-2M",
            cfg: std2m,
            rate_per_s: 2000.0,
            seconds: 1000,
        },
        Case {
            name: "standard-batch-delete-2M",
            cfg: batch_delete,
            rate_per_s: 2000.0,
            seconds: 1000,
        },
        Case {
            name: "standard-batch1-1M",
            cfg: base(40, 1, 0, 10.0),
            rate_per_s: 2000.0,
            seconds: 500,
        },
        Case {
            name: "fifo-2M",
            cfg: fifo,
            rate_per_s: 2000.0,
            seconds: 1000,
        },
        Case {
            name: "lambda-2M",
            cfg: lambda,
            rate_per_s: 2000.0,
            seconds: 1000,
        },
        Case {
            name: "lambda-batch100-2M",
            cfg: lambda_batch,
            rate_per_s: 2000.0,
            seconds: 1000,
        },
        Case {
            name: "target-tracking-2M",
            cfg: tracking,
            rate_per_s: 2000.0,
            seconds: 1000,
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
    let end = SimTime::after(SimDuration::from_secs(c.seconds));
    let arrivals = standalone::poisson(c.rate_per_s, SimTime::ZERO, end, 0, ArrivalKind::Send, 1);
    let opts = Options::until(end + SimDuration::from_secs(60));
    let start = Instant::now();
    let r = standalone::run(&c.cfg, &arrivals, &opts, StreamSeeds::for_replication(1, 0))
        .unwrap_or_else(|e| panic!("{e}"));
    let wall = start.elapsed().as_secs_f64();
    println!(
        "| {} | {} | {} | {:.2} | {:.2} M | {:.2} M | {:.0} | {:.3} s |",
        c.name,
        arrivals.len(),
        r.count("indexed_documents"),
        wall,
        arrivals.len() as f64 / wall / 1e6,
        r.events as f64 / wall / 1e6,
        peak_rss_mib(),
        r.get("searchable_latency_mean_s").unwrap_or(f64::NAN),
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
