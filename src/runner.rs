//! The one runner. Every command's simulations go through [`execute`]:
//! `run`'s replications, a sweep's or a plan's (point, replication) pairs,
//! `compare`'s contenders. A [`Batch`] names the configurations, the jobs,
//! how each job's RNG streams come from the seed ([`Seeding`]), the guard
//! that can stop them (an event budget, the memory watchdog, a signal: the
//! cancel flag) and what a stop means ([`WhenStopped`]). Jobs run in
//! parallel on the current rayon pool (the one constructor is
//! [`thread_pool`]); results come back in job order, so outputs are
//! identical whatever the thread count.

use crate::budget::{RunError, RunGuard};
use crate::engine::stats::mean_ci95;
use crate::engine::StreamSeeds;
use crate::model::catalog::{self, Aggregate as HowAggregated};
use crate::model::sim::simulate_guarded;
use crate::model::{simulate, InvariantViolation, MetricValue, RunOutput, RunSummary, SimConfig};
use rayon::prelude::*;
use std::collections::BTreeMap;

/// One simulation: replication `replication` (0-based) of configuration
/// `config` (an index into the batch's configurations).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Job {
    pub config: usize,
    pub replication: u32,
}

impl Job {
    /// `replications` jobs of each of `configs` configurations, one
    /// configuration after the other.
    pub fn grid(configs: usize, replications: u32) -> Vec<Job> {
        (0..configs)
            .flat_map(|config| {
                (0..replications).map(move |replication| Job {
                    config,
                    replication,
                })
            })
            .collect()
    }
}

/// How a job's RNG streams come from the seed (SPEC §1: one stream set per
/// replication, point or task, so a result never depends on the order the
/// threads ran in).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seeding {
    /// Replication r draws the streams of (seed, r), whatever its
    /// configuration: `run`'s replications, and `compare`'s common random
    /// numbers (every contender's replication r sees the same arrivals and
    /// service draws).
    PerReplication,
    /// Replication r of configuration p draws the streams of (seed, p, r):
    /// a sweep's or a plan's points, independent of each other.
    PerPoint,
}

impl Seeding {
    pub fn streams(self, seed: u64, job: Job) -> StreamSeeds {
        match self {
            Seeding::PerReplication => StreamSeeds::for_replication(seed, job.replication as u64),
            Seeding::PerPoint => {
                StreamSeeds::for_point(seed, job.config as u64, job.replication as u64)
            }
        }
    }
}

/// What the guard stopping a job means for the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenStopped {
    /// The batch fails with the stop, named after the job (`run`,
    /// `compare`: no answer from part of the evidence).
    Fail,
    /// The job comes back None, as does every job not started once the
    /// guard has stopped; the others keep their results (a sweep
    /// checkpoints what finished, a plan reports the stop).
    Skip,
}

/// The simulations one call of [`execute`] runs.
pub struct Batch<'a> {
    pub configs: &'a [SimConfig],
    pub jobs: &'a [Job],
    pub seed: u64,
    pub seeding: Seeding,
    /// None: nothing can stop the runs (tests and benches; the hot loop
    /// then skips the guard's checks).
    pub guard: Option<&'a RunGuard>,
    pub when_stopped: WhenStopped,
    /// Names a job in error messages: `replication 2`, `point 3,
    /// replication 1`, `policy fifo, replication 4`.
    pub name: &'a (dyn Fn(Job) -> String + Sync),
}

/// Runs every job of `batch` in parallel on the current rayon pool and
/// returns `keep` of each output, in job order; `on_done` is called after
/// each finished job (progress), from worker threads. The first invariant
/// violation fails the batch, named after its job; so does the first stop
/// under [`WhenStopped::Fail`], while under [`WhenStopped::Skip`] stopped
/// and unstarted jobs come back None.
pub fn execute<T: Send>(
    batch: &Batch,
    keep: &(dyn Fn(RunOutput) -> T + Sync),
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<Option<T>>, RunError> {
    let skip = batch.when_stopped == WhenStopped::Skip;
    batch
        .jobs
        .par_iter()
        .map(|&job| {
            if skip && batch.guard.is_some_and(RunGuard::is_stopped) {
                return Ok(None);
            }
            let cfg = &batch.configs[job.config];
            let seeds = batch.seeding.streams(batch.seed, job);
            let out = match batch.guard {
                Some(guard) => simulate_guarded(cfg, seeds, guard),
                None => simulate(cfg, seeds).map_err(RunError::Invariant),
            };
            match out {
                Ok(out) => {
                    on_done();
                    Ok(Some(keep(out)))
                }
                Err(RunError::Stopped(_)) if skip => Ok(None),
                Err(RunError::Stopped(mut s)) => {
                    s.context = (batch.name)(job);
                    Err(RunError::Stopped(s))
                }
                Err(RunError::Invariant(mut e)) => {
                    e.details = format!("{}: {}", (batch.name)(job), e.details);
                    Err(RunError::Invariant(e))
                }
            }
        })
        .collect()
}

/// Runs `replications` replications of `cfg` seeded from `seed`, on `threads`
/// threads (None: all cores), with nothing to stop them: [`execute`] for
/// tests, benches and library users. `on_done` is called once per finished
/// replication, from worker threads.
pub fn run_replications(
    cfg: &SimConfig,
    seed: u64,
    replications: u32,
    threads: Option<usize>,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<RunOutput>, InvariantViolation> {
    run_replications_from(cfg, seed, 0, replications, threads, on_done)
}

/// As [`run_replications`], `replications` replications of the seed from
/// replication `first` on (counted from 0): streams independent of the
/// first `first` replications', e.g. to measure an answer again on runs it
/// was not tuned on.
pub fn run_replications_from(
    cfg: &SimConfig,
    seed: u64,
    first: u32,
    replications: u32,
    threads: Option<usize>,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<RunOutput>, InvariantViolation> {
    let reps = first..first.saturating_add(replications);
    replications_of(cfg, seed, reps, threads, None, on_done).map_err(|e| match e {
        RunError::Invariant(e) => e,
        RunError::Stopped(_) => unreachable!("a run without a guard never stops"),
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
    replications_of(cfg, seed, 0..replications, threads, Some(guard), on_done)
}

fn replications_of(
    cfg: &SimConfig,
    seed: u64,
    replications: std::ops::Range<u32>,
    threads: Option<usize>,
    guard: Option<&RunGuard>,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<RunOutput>, RunError> {
    let jobs: Vec<Job> = replications
        .map(|replication| Job {
            config: 0,
            replication,
        })
        .collect();
    let batch = Batch {
        configs: std::slice::from_ref(cfg),
        jobs: &jobs,
        seed,
        seeding: Seeding::PerReplication,
        guard,
        when_stopped: WhenStopped::Fail,
        name: &|job| format!("replication {}", job.replication + 1),
    };
    let outputs = in_pool(threads, || execute(&batch, &|out| out, on_done))?;
    // Under WhenStopped::Fail every job that comes back has its output.
    Ok(outputs.into_iter().flatten().collect())
}

/// Runs `work` on [`thread_pool`]; if no thread can be started (a process
/// limit), on the calling thread and the global pool, never a panic here.
fn in_pool<T: Send>(threads: Option<usize>, work: impl FnOnce() -> T + Send) -> T {
    match thread_pool(threads) {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// No worker thread could be started (a process or memory limit).
#[derive(Debug, thiserror::Error)]
#[error("cannot start worker threads: {0}")]
pub struct NoThreads(#[from] rayon::ThreadPoolBuildError);

/// The one thread-pool constructor: `threads` workers (None: one per core).
/// If that many threads cannot be started (a process limit), tries one.
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, NoThreads> {
    let build = |n: usize| rayon::ThreadPoolBuilder::new().num_threads(n).build();
    Ok(build(threads.unwrap_or(0)).or_else(|_| build(1))?)
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
        // How a metric aggregates is the catalog's to say (a key it lacks,
        // which a test rules out, goes by its values).
        let how = catalog::def(name)
            .map(|d| d.aggregate)
            .unwrap_or(match values.first() {
                Some(MetricValue::Text(_)) => HowAggregated::MostFrequent,
                _ => HowAggregated::MeanCi,
            });
        if how == HowAggregated::MostFrequent {
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
        // SPEC §4a: an interval needs two values; one value has none
        // (null, not a zero-width interval that reads as certain).
        ci95.push((
            name,
            stat.filter(|_| xs.len() >= 2).map(|s| {
                crate::model::catalog::bounded_ci(crate::model::catalog::unit(name), (s.1, s.2))
            }),
        ));
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
    /// What a decision reads for `name`: its 95% interval, or with a single
    /// value (which has no interval) the value itself at both ends.
    pub fn interval_or_value(&self, name: &str) -> Option<(f64, f64)> {
        self.ci_of(name).or_else(|| {
            (self.n_of(name) == 1)
                .then(|| self.mean_of(name))
                .flatten()
                .map(|m| (m, m))
        })
    }
    /// Replications with a value of `name`.
    pub fn n_of(&self, name: &str) -> usize {
        self.n
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(0, |(_, v)| *v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budget::StopReason;
    use crate::scenario::{LoadOptions, Scenario};
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn quickstart() -> SimConfig {
        Scenario::from_str(
            include_str!("../scenarios/quickstart.yaml"),
            "quickstart.yaml",
            Path::new("scenarios"),
            LoadOptions::default(),
        )
        .expect("quickstart is valid")
        .sim
    }

    fn batch<'a>(
        configs: &'a [SimConfig],
        jobs: &'a [Job],
        seeding: Seeding,
        guard: Option<&'a RunGuard>,
        when_stopped: WhenStopped,
    ) -> Batch<'a> {
        Batch {
            configs,
            jobs,
            seed: 11,
            seeding,
            guard,
            when_stopped,
            name: &|job| format!("config {}, replication {}", job.config, job.replication + 1),
        }
    }

    #[test]
    fn jobs_come_back_in_order_whatever_the_thread_count() {
        let configs = [quickstart(), quickstart()];
        let jobs = Job::grid(2, 3);
        assert_eq!(
            jobs[3],
            Job {
                config: 1,
                replication: 0
            }
        );
        let b = batch(&configs, &jobs, Seeding::PerPoint, None, WhenStopped::Fail);
        let events = |threads| {
            let pool = thread_pool(Some(threads)).expect("threads");
            pool.install(|| execute(&b, &|o| o.summary.events, &|| {}))
                .expect("runs")
        };
        assert_eq!(events(1), events(2));
    }

    #[test]
    fn seeding_per_replication_gives_every_configuration_the_same_streams() {
        // Two identical configurations: under common random numbers their
        // replication r is the same run; seeded per point, it is not.
        let configs = [quickstart(), quickstart()];
        let jobs = Job::grid(2, 1);
        let run = |seeding| {
            let b = batch(&configs, &jobs, seeding, None, WhenStopped::Fail);
            execute(&b, &|o| o.summary.events, &|| {}).expect("runs")
        };
        let crn = run(Seeding::PerReplication);
        assert_eq!(crn[0], crn[1]);
        let points = run(Seeding::PerPoint);
        assert_ne!(points[0], points[1]);
        assert_eq!(points[0], crn[0], "point 0 and replication 0 share streams");
    }

    #[test]
    fn a_stop_fails_the_batch_under_fail_and_skips_jobs_under_skip() {
        let configs = [quickstart()];
        let jobs = Job::grid(1, 3);
        let guard = RunGuard::new(None);
        guard.stop(StopReason::Requested("a test".into()));
        let done = AtomicUsize::new(0);
        let on_done = || {
            done.fetch_add(1, Ordering::Relaxed);
        };
        let b = batch(
            &configs,
            &jobs,
            Seeding::PerReplication,
            Some(&guard),
            WhenStopped::Fail,
        );
        match execute(&b, &|o| o, &on_done) {
            Err(RunError::Stopped(s)) => assert!(s.context.starts_with("config 0, replication ")),
            other => panic!("expected a stop, got {:?}", other.map(|v| v.len())),
        }
        let b = batch(
            &configs,
            &jobs,
            Seeding::PerReplication,
            Some(&guard),
            WhenStopped::Skip,
        );
        let skipped = execute(&b, &|o| o, &on_done).expect("no invariant broken");
        assert_eq!(skipped.len(), 3);
        assert!(skipped.iter().all(Option::is_none));
        assert_eq!(
            done.load(Ordering::Relaxed),
            0,
            "no stopped job counts as done"
        );
    }

    #[test]
    fn text_metrics_aggregate_as_the_catalog_says() {
        assert_eq!(
            catalog::def("job_end_state").map(|d| d.aggregate),
            Some(HowAggregated::MostFrequent)
        );
        let runs = run_replications(&quickstart(), 3, 2, Some(1), &|| {}).expect("runs");
        let summaries: Vec<RunSummary> = runs.into_iter().map(|r| r.summary).collect();
        let agg = aggregate(&summaries);
        assert!(matches!(
            agg.mean.iter().find(|(k, _)| *k == "job_end_state"),
            Some((_, MetricValue::Text(_)))
        ));
        assert!(agg.ci95.iter().all(|(k, _)| *k != "job_end_state"));
    }

    /// SPEC §4a: a 95% interval needs two values. One replication (or one
    /// with a value) has a mean and no interval, not a zero-width one; a
    /// decision reads the value itself.
    #[test]
    fn one_value_has_a_mean_and_no_interval() {
        let one = run_replications(&quickstart(), 3, 1, Some(1), &|| {}).expect("runs");
        let agg = aggregate(&[one[0].summary.clone()]);
        let m = agg.mean_of("time_to_label_mean_s").expect("a mean");
        assert_eq!(agg.ci_of("time_to_label_mean_s"), None);
        assert_eq!(agg.interval_or_value("time_to_label_mean_s"), Some((m, m)));
        let two = run_replications(&quickstart(), 3, 2, Some(1), &|| {}).expect("runs");
        let agg = aggregate(&[two[0].summary.clone(), two[1].summary.clone()]);
        let (lo, hi) = agg.ci_of("time_to_label_mean_s").expect("an interval");
        assert!(lo < hi);
        assert_eq!(
            agg.interval_or_value("time_to_label_mean_s"),
            Some((lo, hi))
        );
    }
}
