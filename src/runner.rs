//! Runs replications in parallel (rayon). Each replication owns its RNG
//! streams, derived from (seed, replication), and results are collected in
//! replication order, so outputs are identical whatever the thread count.

use crate::budget::{RunError, RunGuard};
use crate::engine::stats::mean_ci95;
use crate::engine::StreamSeeds;
use crate::model::sim::simulate_guarded;
use crate::model::{simulate, InvariantViolation, MetricValue, RunOutput, RunSummary, SimConfig};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Runs `replications` replications of `cfg` seeded from `seed`, on `threads`
/// threads (None: all cores). `on_done` is called once per finished
/// replication, from worker threads (progress reporting).
pub fn run_replications(
    cfg: &SimConfig,
    seed: u64,
    replications: u32,
    threads: Option<usize>,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<RunOutput>, InvariantViolation> {
    let one = |r: u64| {
        let out = simulate(cfg, StreamSeeds::for_replication(seed, r)).map_err(|mut e| {
            e.details = format!("replication {}: {}", r + 1, e.details);
            e
        });
        on_done();
        out
    };
    in_pool(threads, || {
        (0..replications as u64)
            .into_par_iter()
            .map(one)
            .collect::<Result<Vec<_>, _>>()
    })
}

/// As [`run_replications`], every replication under one shared `guard`
/// (its event budget is for all of them together): the first replication
/// stopped stops the others within 4,096 events, and the command gets
/// [`RunError::Stopped`] naming it instead of results.
pub fn run_replications_guarded(
    cfg: &SimConfig,
    seed: u64,
    replications: u32,
    threads: Option<usize>,
    guard: &RunGuard,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<RunOutput>, RunError> {
    in_pool(threads, || {
        (0..replications as u64)
            .into_par_iter()
            .map(|r| {
                let out = simulate_guarded(cfg, StreamSeeds::for_replication(seed, r), guard)
                    .map_err(|e| match e {
                        RunError::Invariant(mut e) => {
                            e.details = format!("replication {}: {}", r + 1, e.details);
                            RunError::Invariant(e)
                        }
                        RunError::Stopped(mut s) => {
                            s.context = format!("replication {}", r + 1);
                            RunError::Stopped(s)
                        }
                    });
                on_done();
                out
            })
            .collect::<Result<Vec<_>, _>>()
    })
}

/// Runs `work` on [`thread_pool`]; if no thread can be started (a process
/// limit), on the calling thread and the global pool, never a panic here.
fn in_pool<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> T {
    match thread_pool(threads) {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// The one thread-pool constructor: `threads` workers (None: one per core).
/// If that many threads cannot be started (a process limit), tries one.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    let build = |n: usize| rayon::ThreadPoolBuilder::new().num_threads(n).build();
    build(threads.unwrap_or(0))
        .or_else(|_| build(1))
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

/// Mean and 95% confidence interval of every numeric metric across runs;
/// for text metrics (`job_end_state`) the most frequent value.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub mean: Vec<(&'static str, MetricValue)>,
    /// None where no replication has a value.
    pub ci95: Vec<(&'static str, Option<(f64, f64)>)>,
    /// Replications with a value, per numeric metric (SPEC §4a: means and
    /// intervals use those and say how many).
    pub n: Vec<(&'static str, usize)>,
}

pub fn aggregate(runs: &[RunSummary]) -> Aggregate {
    let per_run: Vec<Vec<(&'static str, MetricValue)>> = runs.iter().map(|r| r.metrics()).collect();
    let mut mean = Vec::new();
    let mut ci95 = Vec::new();
    let mut n = Vec::new();
    // Names from the runs themselves: they include the scenario's service
    // levels (`labeled_within_<d>`) after the fixed metrics.
    let names: Vec<&'static str> = match per_run.first() {
        Some(m) => m.iter().map(|(k, _)| *k).collect(),
        None => RunSummary::metric_names(),
    };
    for (j, name) in names.into_iter().enumerate() {
        let values: Vec<&MetricValue> = per_run.iter().map(|m| &m[j].1).collect();
        if let Some(MetricValue::Text(_)) = values.first() {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for v in &values {
                if let MetricValue::Text(s) = v {
                    *counts.entry(s.as_str()).or_default() += 1;
                }
            }
            // Most frequent; ties broken by name, for determinism.
            let mode = counts
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(k, _)| k.to_string())
                .unwrap_or_default();
            mean.push((name, MetricValue::Text(mode)));
            continue;
        }
        let xs: Vec<f64> = values.iter().filter_map(|v| v.as_f64()).collect();
        let stat = mean_ci95(&xs);
        mean.push((name, MetricValue::from_option(stat.map(|s| s.0))));
        ci95.push((name, stat.map(|s| (s.1, s.2))));
        n.push((name, xs.len()));
    }
    Aggregate { mean, ci95, n }
}

impl Aggregate {
    pub fn mean_of(&self, name: &str) -> Option<f64> {
        self.mean
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| v.as_f64())
    }
    pub fn ci_of(&self, name: &str) -> Option<(f64, f64)> {
        self.ci95
            .iter()
            .find(|(k, _)| *k == name)
            .and_then(|(_, v)| *v)
    }
    /// Replications with a value of `name`.
    pub fn n_of(&self, name: &str) -> usize {
        self.n
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(0, |(_, v)| *v)
    }
}
