//! Helpers shared by the integration tests.
#![allow(dead_code)]

use labelsim::engine::StreamSeeds;
use labelsim::model::{simulate_traced, RunOutput, TraceKind};
use labelsim::scenario::{LoadOptions, Scenario, ScenarioError};
use std::path::Path;

/// Validates scenario text (relative paths resolve against tests/data).
pub fn try_scenario(yaml: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_str(
        yaml,
        "test.yaml",
        Path::new("tests/data"),
        LoadOptions::default(),
    )
}

pub fn scenario(yaml: &str) -> Scenario {
    try_scenario(yaml).unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

/// Runs replication 0 with the event trace on; panics on an invariant violation.
pub fn run(yaml: &str) -> RunOutput {
    let s = scenario(yaml);
    simulate_traced(&s.sim, StreamSeeds::for_replication(s.seed, 0))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Times [s] at which `kind` happened, in trace order, with object numbers.
pub fn events(out: &RunOutput, kind: TraceKind) -> Vec<(u64, f64)> {
    out.trace
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| (r.object, r.t.as_secs_f64()))
        .collect()
}

/// Time [s] at which object `id` had event `kind` (the first such event).
pub fn time_of(out: &RunOutput, id: u64, kind: TraceKind) -> Option<f64> {
    out.trace
        .iter()
        .find(|r| r.object == id && r.kind == kind)
        .map(|r| r.t.as_secs_f64())
}

/// Workers that took a task of object `id`, in order.
pub fn takers(out: &RunOutput, id: u64) -> Vec<u32> {
    out.trace
        .iter()
        .filter(|r| r.object == id && r.kind == TraceKind::Taken)
        .filter_map(|r| r.worker)
        .collect()
}

/// Erlang C: the probability that an arrival waits, for c servers and
/// offered load a = λ/μ < c.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 * (c as f64 / (c as f64 - a));
    top / (sum + top)
}

/// The captions of a report.html's charts, in page order.
pub fn figcaptions(html: &str) -> Vec<&str> {
    html.split("<figcaption>")
        .skip(1)
        .filter_map(|s| s.split("</figcaption>").next())
        .collect()
}
