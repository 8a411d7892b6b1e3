//! Work budgets: how much a command will cost, estimated from the validated
//! configuration *before* it runs, and guards that stop a run which goes
//! past its budget anyway.
//!
//! A scenario can be valid and still ask for far more than a machine has: a
//! unit slip (`every: 7s` meant as `7d`), a burst of 10^12 objects, a sweep
//! of four billion points, a `metrics.period` of 1 ms over 30 days. Three
//! layers keep such a command from eating the machine:
//!
//! 1. [`estimate_run`] / [`estimate_points`] turn a [`SimConfig`] into an
//!    [`Estimate`] (events, peak memory, output bytes) without simulating;
//!    [`check`] compares it with [`Limits`] and, when a limit is exceeded,
//!    names the scenario setting that dominates the estimate.
//! 2. [`RunGuard`], consulted by the engine every [`RunGuard::CHECK_EVERY`]
//!    events, stops a run at a maximum number of events or when asked (a
//!    shared flag: Ctrl-C, a deadline, the memory watchdog). The run then
//!    ends with [`RunError::Stopped`], never with a partial summary.
//! 3. [`MemoryWatchdog`] polls the resident set (Linux) and stops the guard
//!    when it passes a limit.
//!
//! The estimate is a model, not a measurement: events within a factor of
//! about 2 of the truth on the bundled scenarios (the test
//! `tests/it/budget.rs` holds it to 0.25×–4×), memory an upper-leaning bound.
//! It exists to catch the orders of magnitude.

use crate::engine::rng::SimRng;
use crate::engine::time::US_PER_WEEK;
use crate::engine::{SimDuration, SimTime};
use crate::human;
use crate::model::config::{
    ArrivalProcess, Mode, OnTimeout, ProducerConfig, RateSchedule, Source, Warmup,
};
use crate::model::load::offered_load;
use crate::model::throttle::Policy;
use crate::model::workforce::ShiftSchedule;
use crate::model::SimConfig;
use rand::SeedableRng;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

// ----- estimation ------------------------------------------------------------

/// Events beyond its send and its tasks that one object may cost: R6/R7
/// deadline events (at most one each per object) and idle checks. On the
/// bundled scenarios the modelled terms alone come to 0.7–1.0 of the real
/// count (see `tests/it/budget.rs`); this small margin keeps the estimate on
/// the safe side without hiding a real excess.
pub const EXTRA_EVENTS_PER_OBJECT: f64 = 0.1;
// Memory constants are resident bytes, measured with `labelsim run` and
// `/usr/bin/time` (peak RSS) on cases where each term dominates (see the
// report of `tests/it/budget.rs`). Resident, not reserved: the unused half of
// a doubled `Vec` is never touched, and glibc grows large blocks with
// `mremap`, so growth costs little beyond the data itself.

/// One queued or held object (`Queued` 32 B, `Held` 40 B) with the R9 bits
/// and some slack. Measured: 40 B per object (48 million objects queued
/// by a `every: 7s` slip: 1.8 GiB).
const BYTES_PER_LIVE_OBJECT: f64 = 48.0;
/// The R9 "seen" sets: a bit per message in its namespace and a bit per
/// object key, in doubling bitsets.
const BYTES_PER_MESSAGE: f64 = 0.5;
/// A pending event in the binary heap (time, phase, sequence, event), with
/// the heap's doubling slack.
const BYTES_PER_PENDING_EVENT: f64 = 128.0;
/// A worker (`Worker` 48 B, the free list). Measured: 44 B (5 million
/// workers: 232 MiB).
const BYTES_PER_WORKER: f64 = 64.0;
/// Fixed memory of one run in flight: latency histograms (1 µs..2^50 µs,
/// 3 significant digits), the slab of at most K objects, counters.
const BYTES_PER_RUN: f64 = 2.0 * 1024.0 * 1024.0;
/// One time-series sample (14 × 8 B) and a little slack.
const BYTES_PER_SAMPLE: f64 = 112.0 * 1.1;
/// One `timeseries.csv` row: 15 numbers. Measured: 49 B on a 5-day
/// per-second series of the quick start; larger counters make it longer.
const CSV_BYTES_PER_SAMPLE: f64 = 64.0;
/// One pipeline column of a sample (issue 10: per queue visible, in flight,
/// delayed, oldest age; per consumer pool busy, busy time), an f64.
const BYTES_PER_PIPELINE_VALUE: f64 = 8.0;
/// The same in `timeseries.csv`: counts are short, ages and busy times
/// print with their microseconds (`3599.999876`). Measured: 3.8 to 5.3 B
/// per column over the bundled pipeline scenarios (seed 7); longer runs
/// print longer busy times.
const CSV_BYTES_PER_PIPELINE_VALUE: f64 = 8.0;
/// A run's summary (JSON and CSV rows, CDFs kept for charts).
const BYTES_PER_SUMMARY: f64 = 24.0 * 1024.0;
/// One `sweep.csv` row (about 90 metrics) and the row kept in memory.
const BYTES_PER_SWEEP_ROW: f64 = 2.0 * 1024.0;
/// The process itself and the chart fonts. Measured: a quick-start run
/// peaks at 12 MiB.
const BYTES_PER_COMMAND: f64 = 16.0 * 1024.0 * 1024.0;
/// Charts written by `run` (a few PNGs).
const CHART_BYTES: f64 = 1024.0 * 1024.0;

/// What an estimate is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Events handled by the engine (time: see [`Limits::max_events`]).
    Events,
    /// Peak resident memory \[bytes\].
    Memory,
    /// Bytes written to the output folder.
    Output,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::Events => "events",
            Resource::Memory => "memory",
            Resource::Output => "output",
        })
    }
}

/// One contribution to an estimate, tied to the scenario setting that
/// drives it.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub resource: Resource,
    /// The scenario path to change, e.g. `producers[2].every` or
    /// `output.timeseries_every`; for a command-line setting its flag.
    pub setting: String,
    /// What it is, e.g. "producer `weekly`: 1e12 messages".
    pub what: String,
    /// Its share of the command's total [events or bytes].
    pub amount: f64,
}

/// Figures of one replication, kept so that [`estimate_points`] can
/// re-derive a sweep's memory and output (a sweep keeps a summary row per
/// run, never time series).
#[derive(Clone, Debug, PartialEq)]
struct Basis {
    /// Parts of one replication: events, live memory (while it runs), kept
    /// memory and output (its time series, until written).
    events: Vec<Part>,
    live: Vec<Part>,
    kept: Vec<Part>,
    output: Vec<Part>,
    /// Memory of one point's configuration (traces and empirical
    /// distributions are copied per point).
    config_bytes: f64,
    /// Memory of reading the input files, once per command (issue 18
    /// item 8).
    input: Vec<Part>,
    replications: u64,
    threads: u64,
}

/// What a command will cost, estimated before it runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Events all runs together will handle.
    pub events: f64,
    /// Peak resident memory \[bytes\].
    pub memory_bytes: f64,
    /// Bytes written \[bytes\].
    pub output_bytes: f64,
    /// Simulation runs (replications × points).
    pub runs: u64,
    /// The contributions, largest first within each resource.
    pub parts: Vec<Part>,
    basis: Basis,
}

/// Events the engine handles per second on one thread, for the time an
/// estimate states (issue 18 item 10). Conservative: measured 3.0 million
/// per second on the quick start scaled up (100× the rate and the team,
/// 1.3e7 events in 4.4 s) and 2.1 million on `pipeline-fifo-vs-standard`
/// over 300 h (1.1e7 events in 5.4 s), one thread of a shared 2-core
/// build machine (release build, December 2026); an idle modern core does
/// 5–10 million (the M/M/c bench).
pub const EVENTS_PER_SECOND_PER_THREAD: f64 = 2.0e6;

impl Estimate {
    /// Seconds the events take at [`EVENTS_PER_SECOND_PER_THREAD`]: runs
    /// go in parallel on at most `threads` threads, one run per thread.
    pub fn seconds(&self) -> f64 {
        let lanes = self.runs.min(self.basis.threads).max(1) as f64;
        self.events / (EVENTS_PER_SECOND_PER_THREAD * lanes)
    }

    /// The total of `r`.
    pub fn amount(&self, r: Resource) -> f64 {
        match r {
            Resource::Events => self.events,
            Resource::Memory => self.memory_bytes,
            Resource::Output => self.output_bytes,
        }
    }

    /// The largest contribution to `r`.
    pub fn dominant(&self, r: Resource) -> Option<&Part> {
        self.parts
            .iter()
            .filter(|p| p.resource == r)
            .max_by(|a, b| a.amount.total_cmp(&b.amount))
    }

    /// `sweep_points`: the number of points and the setting that sets it.
    fn assemble(
        basis: Basis,
        runs: u64,
        in_flight: u64,
        sweep_points: Option<(u64, &str)>,
    ) -> Estimate {
        let mut parts = Vec::new();
        let scaled = |ps: &[Part], k: f64, parts: &mut Vec<Part>| {
            for p in ps {
                parts.push(Part {
                    amount: p.amount * k,
                    ..p.clone()
                });
            }
        };
        scaled(&basis.events, runs as f64, &mut parts);
        if runs > 1 {
            for p in parts.iter_mut() {
                p.what = format!(
                    "{} per run, × {} runs",
                    p.what,
                    human::rough_count(runs as f64)
                );
            }
        }
        scaled(&basis.live, in_flight as f64, &mut parts);
        match sweep_points {
            None => {
                scaled(&basis.kept, runs as f64, &mut parts);
                scaled(&basis.output, runs as f64, &mut parts);
                // The CSV is built in memory before it is written.
                for p in &basis.output {
                    parts.push(Part {
                        resource: Resource::Memory,
                        what: format!("{} (built in memory)", p.what),
                        amount: p.amount * runs as f64,
                        ..p.clone()
                    });
                }
            }
            Some((points, setting)) => {
                parts.push(Part {
                    resource: Resource::Memory,
                    setting: setting.into(),
                    what: format!(
                        "{} points × {} replications (a configuration per point, a row per run)",
                        human::rough_count(points as f64),
                        basis.replications
                    ),
                    amount: points as f64 * basis.config_bytes + runs as f64 * BYTES_PER_SWEEP_ROW,
                });
                parts.push(Part {
                    resource: Resource::Output,
                    setting: setting.into(),
                    what: format!("{} rows of results", human::rough_count(runs as f64)),
                    amount: runs as f64 * BYTES_PER_SWEEP_ROW,
                });
            }
        }
        parts.push(Part {
            resource: Resource::Memory,
            setting: String::new(),
            what: "the program itself".into(),
            amount: BYTES_PER_COMMAND,
        });
        parts.extend(basis.input.iter().cloned());
        if sweep_points.is_none() {
            parts.push(Part {
                resource: Resource::Output,
                setting: String::new(),
                what: "charts".into(),
                amount: CHART_BYTES,
            });
        }
        parts.sort_by(|a, b| {
            (a.resource as u8)
                .cmp(&(b.resource as u8))
                .then(b.amount.total_cmp(&a.amount))
        });
        let sum = |r: Resource| -> f64 {
            parts
                .iter()
                .filter(|p| p.resource == r)
                .map(|p| p.amount)
                .sum()
        };
        Estimate {
            events: sum(Resource::Events),
            memory_bytes: sum(Resource::Memory),
            output_bytes: sum(Resource::Output),
            runs,
            basis,
            parts,
        }
    }
}

impl fmt::Display for Estimate {
    /// `≈ 3.1e9 events in 16 runs (about 6 min), ≈ 12 GiB of memory, ≈ 1.6
    /// GiB of output`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "≈ {} events in {} run{} ({}), ≈ {} of memory, ≈ {} of output",
            human::rough_count(self.events),
            self.runs,
            if self.runs == 1 { "" } else { "s" },
            human::estimated_time(self.seconds()),
            human::bytes(self.memory_bytes),
            human::bytes(self.output_bytes)
        )
    }
}

/// What a producer sends in one run (see [`producer_volume`]).
struct Volume {
    /// Original messages.
    originals: f64,
    /// Extra copies (R9 duplicate sources).
    copies: f64,
    /// Events the producer schedules for its originals (a burst is one
    /// event, a manifest none).
    send_events: f64,
    /// Most messages it sends within any `window` [µs] (objects that can be
    /// in the queue at once when nothing is served).
    peak_in_window: f64,
    /// Copies pending at once (each a scheduled event).
    copies_pending: f64,
    /// Sends at a steady rate until the horizon (as in `model::load`).
    stationary: bool,
    /// The setting to change, and a description.
    setting: String,
    what: String,
}

fn producer_volume(i: usize, p: &ProducerConfig, cfg: &SimConfig, window_us: f64) -> Volume {
    let horizon = cfg.horizon.as_micros() as f64;
    let start = p.start.as_micros() as f64;
    // No original at or after `end`; no event after the horizon.
    let stop = (p.end.as_micros() as f64).min(horizon + 1.0);
    let active = (stop - start).max(0.0);
    let limit = p.limit.map_or(f64::INFINITY, |l| l as f64);
    let name = &p.name;
    let (raw, send_events, peak, setting, what): (f64, f64, f64, String, String) = match &p.process
    {
        ArrivalProcess::Poisson { rate_per_us } => (
            rate_per_us * active,
            f64::NAN,
            rate_per_us * window_us.min(active),
            format!("producers[{i}].rate"),
            format!("producer `{name}` (poisson)"),
        ),
        ArrivalProcess::Diurnal {
            mean_per_us,
            amplitude,
            ..
        } => (
            mean_per_us * active,
            f64::NAN,
            mean_per_us * (1.0 + amplitude.abs()) * window_us.min(active),
            format!("producers[{i}].mean_rate"),
            format!("producer `{name}` (diurnal)"),
        ),
        ArrivalProcess::Profile { points } => {
            let mean = crate::model::load::profile_mean_per_us(points);
            let peak_rate = points.iter().map(|p| p.1).fold(0.0, f64::max);
            (
                mean * active,
                f64::NAN,
                peak_rate * window_us.min(active),
                format!("producers[{i}].profile"),
                format!("producer `{name}` (profile)"),
            )
        }
        ArrivalProcess::Burst { size, every } => {
            let size = *size as f64;
            let bursts = if active <= 0.0 {
                0.0
            } else if every.is_zero() {
                1.0
            } else {
                (active / every.as_micros() as f64).ceil()
            };
            let in_window = if every.is_zero() {
                1.0
            } else {
                (window_us / every.as_micros() as f64).floor() + 1.0
            };
            let setting = if bursts > 1.0 {
                format!("producers[{i}].size` or `producers[{i}].every")
            } else {
                format!("producers[{i}].size")
            };
            (
                size * bursts,
                bursts.min((limit / size.max(1.0)).ceil()),
                size * in_window.min(bursts),
                setting,
                format!(
                    "producer `{name}` (burst of {} every {})",
                    human::rough_count(size),
                    every.human()
                ),
            )
        }
        ArrivalProcess::Manifest { count } => {
            let n = if cfg.job.initializing.as_micros() as f64 <= horizon {
                *count as f64
            } else {
                0.0
            };
            (
                n,
                0.0,
                n,
                format!("producers[{i}].count"),
                format!("producer `{name}` (manifest)"),
            )
        }
        ArrivalProcess::Trace { times } => {
            let lo = times.partition_point(|&t| t < p.start);
            let hi = times.partition_point(|&t| (t.as_micros() as f64) < stop);
            let n = hi.saturating_sub(lo) as f64;
            // Issue 11: `scale` s gives s messages per instant on average,
            // sent at the instants that give at least one.
            let s = p.trace_scale;
            if s == 1.0 {
                (
                    n,
                    f64::NAN,
                    n,
                    format!("producers[{i}].csv"),
                    format!("producer `{name}` (trace)"),
                )
            } else {
                (
                    n * s,
                    (n * s.min(1.0)).min(limit),
                    n * s,
                    format!("producers[{i}].csv` or `producers[{i}].scale"),
                    format!("producer `{name}` (trace, scale {s})"),
                )
            }
        }
    };
    // Issue 11: a weekly profile or replayed counts; `process` is then only
    // a stand-in at its mean rate.
    let (raw, send_events, peak, setting, what) = match &p.schedule {
        None => (raw, send_events, peak, setting, what),
        Some(schedule) => {
            let (setting, kind) = match schedule {
                RateSchedule::Weekly { .. } => {
                    (format!("producers[{i}].profile"), "weekly profile")
                }
                RateSchedule::Timeline { .. } => (format!("producers[{i}].csv"), "counts"),
            };
            let stop_at = SimTime::from_micros(stop.max(0.0) as u64);
            (
                schedule.expected_between(p.start, stop_at, cfg.start_at_epoch_us),
                f64::NAN,
                schedule.peak_per_us() * window_us.min(active),
                setting,
                format!("producer `{name}` ({kind})"),
            )
        }
    };
    let originals = raw.min(limit);
    let send_events = if send_events.is_nan() {
        originals
    } else {
        send_events
    };
    let d = &p.duplicates;
    let s3 = if p.source == Source::S3 {
        d.s3_event_duplicate
    } else {
        0.0
    };
    let dup = (d.sns_redelivery + d.producer_retry + s3 + d.reupload).clamp(0.0, 4.0);
    let copies = originals * dup;
    // Copies wait `delay` as scheduled events; a burst's all at once.
    let delay = d.delay.as_micros() as f64;
    let copies_pending = match p.process {
        ArrivalProcess::Burst { size, .. } => size as f64 * dup,
        ArrivalProcess::Manifest { .. } => copies,
        _ if active > 0.0 => copies * (delay / active).min(1.0),
        _ => 0.0,
    };
    let stationary = p.limit.is_none()
        && p.end >= cfg.horizon
        && !matches!(p.schedule, Some(RateSchedule::Timeline { .. }))
        && match &p.process {
            ArrivalProcess::Burst { every, .. } => !every.is_zero(),
            ArrivalProcess::Manifest { .. } | ArrivalProcess::Trace { .. } => false,
            _ => true,
        };
    Volume {
        originals,
        copies,
        send_events,
        peak_in_window: peak.min(originals),
        copies_pending,
        stationary,
        setting,
        what,
    }
}

/// Per worker group: the share of tasks that time out, and the expected
/// time a task holds a worker [µs], from 2,000 draws of its service time
/// (fixed seed: the estimate is deterministic).
fn task_profile(cfg: &SimConfig, g: usize) -> (f64, f64) {
    let group = &cfg.workers[g];
    let limit = cfg.job.task_time_limit.as_micros() as f64;
    let mut rng = SimRng::seed_from_u64(0x00B0_D6E7 ^ g as u64);
    let inverse_speed = (group.speed_spread * group.speed_spread / 2.0).exp();
    const DRAWS: usize = 2_000;
    let (mut timeouts, mut hold) = (0usize, 0.0);
    for _ in 0..DRAWS {
        let s = group.service_time.sample(&mut rng) * inverse_speed;
        if s > limit {
            timeouts += 1;
        }
        hold += s.min(limit);
    }
    let d = group.decline_probability.clamp(0.0, 1.0);
    let p_timeout = (1.0 - d) * timeouts as f64 / DRAWS as f64;
    let hold = d * group.decline_time.as_micros() as f64 + (1.0 - d) * hold / DRAWS as f64;
    (p_timeout, hold)
}

/// Shift changes per week of a schedule.
fn shift_changes_per_week(s: &ShiftSchedule) -> f64 {
    match s {
        ShiftSchedule::Always => 0.0,
        ShiftSchedule::Weekly { intervals, .. } => 2.0 * intervals.len() as f64,
    }
}

/// Bytes of a configuration beyond its fixed size: traces and empirical
/// service times are copied with it (a sweep keeps one per point).
fn config_bytes(cfg: &SimConfig) -> f64 {
    let traces: usize = cfg
        .producers
        .iter()
        .map(|p| match &p.process {
            ArrivalProcess::Trace { times } => times.len() * 8,
            ArrivalProcess::Profile { points } => points.len() * 16,
            _ => 0,
        } + match &p.schedule {
            Some(RateSchedule::Weekly { points }) => points.len() * 16,
            Some(RateSchedule::Timeline { steps }) => steps.len() * 16,
            None => 0,
        })
        .sum();
    let empirical: usize = cfg
        .workers
        .iter()
        .map(|g| match &g.service_time {
            crate::model::workforce::ServiceDist::Empirical(v) => v.len() * 8,
            _ => 0,
        })
        .sum();
    (std::mem::size_of::<SimConfig>()
        + cfg.producers.len() * 256
        + cfg.workers.len() * 256
        + traces
        + empirical) as f64
        + 1024.0
}

/// The consumers reading queue `qi`, with their indices.
fn readers_of(
    pc: &crate::model::pipeline::PipelineConfig,
    qi: usize,
) -> Vec<(usize, &crate::model::pipeline::ConsumerConfig)> {
    pc.consumers
        .iter()
        .enumerate()
        .filter(|(_, c)| c.queue == qi)
        .collect()
}

/// The idle cycle of a poller [µs]: a long poll's wait, or a short poll's
/// interval and round trip.
fn poll_cycle_us(c: &crate::model::pipeline::ConsumerConfig) -> f64 {
    let every = match c.polling {
        crate::model::pipeline::Polling::Long { wait } => wait,
        crate::model::pipeline::Polling::Short { poll_interval } => {
            poll_interval + c.request_latency
        }
    };
    every.as_micros().max(1) as f64
}

/// Issue 18 item 5: a FIFO queue's throughput limit (P4, per queue)
/// admits `throughput` receives a second, each keeping its poller for
/// about one poll cycle; the queue's other pollers are throttled and poll
/// again every `throttle_backoff`, an event each (100,000 pollers at the
/// default 100 ms: a million events a simulated second). `push` gets
/// (setting, what, events) per consumer.
fn push_throttled_polls(
    pc: &crate::model::pipeline::PipelineConfig,
    horizon: f64,
    push: &mut dyn FnMut(String, String, f64),
) {
    use crate::model::pipeline::{QueueKind, ThroughputScope};
    for (qi, q) in pc.queues.iter().enumerate() {
        let QueueKind::Fifo(f) = &q.kind else {
            continue;
        };
        if f.throughput_scope != ThroughputScope::PerQueue {
            continue; // per group: receives are not limited
        }
        let readers = readers_of(pc, qi);
        let pollers: f64 = readers.iter().map(|(_, c)| c.count as f64).sum();
        if pollers <= 0.0 {
            continue;
        }
        let per_s = f.throughput_per_s as f64;
        // Pollers an admitted receive holds at once, by their share.
        let held: f64 = readers
            .iter()
            .map(|(_, c)| c.count as f64 / pollers * per_s * poll_cycle_us(c) / 1e6)
            .sum();
        let spinning = (pollers - held).max(0.0);
        let backoff = f.throttle_backoff.as_micros().max(1) as f64;
        for (ci, c) in readers {
            let share = c.count as f64 / pollers;
            push(
                format!("pipeline.consumers[{ci}].count"),
                format!(
                    "consumer `{}`: ≈ {} of {} pollers throttled by queue `{}` ({}/s), polling again every {}",
                    c.name,
                    human::rough_count(share * spinning),
                    c.count,
                    q.name,
                    f.throughput_per_s,
                    f.throttle_backoff.human()
                ),
                share * spinning * horizon / backoff,
            );
        }
    }
}

/// Issue 18: a send over a FIFO queue's throughput (P4) is retried every
/// `throttle_backoff`, an event each, until a second admits it. With
/// `backlog(t)` sends waiting, that is ∫ backlog / backoff: sends steadily
/// above the limit T pile up, (λ − T)·H²/(2·b) retries; a burst or a
/// manifest of B drains at T a second, B²/(2·T·b). Per group
/// (`high_throughput`), the limit applies to each group, so the queue's
/// groups (or a producer's own group) share the sends.
fn push_throttled_sends(
    pc: &crate::model::pipeline::PipelineConfig,
    producers: &[ProducerConfig],
    volumes: &[Volume],
    horizon: f64,
    push: &mut dyn FnMut(String, String, f64),
) {
    use crate::model::pipeline::{QueueKind, ThroughputScope};
    let h_s = horizon / 1e6;
    for (qi, q) in pc.queues.iter().enumerate() {
        let QueueKind::Fifo(f) = &q.kind else {
            continue;
        };
        let b = f.throttle_backoff.as_micros().max(1) as f64 / 1e6;
        let t = f.throughput_per_s as f64;
        for ((i, p), v) in producers.iter().enumerate().zip(volumes) {
            if p.to != Some(qi) {
                continue;
            }
            // Sends a second the limit admits for this producer.
            let cap = match (f.throughput_scope, p.group) {
                (ThroughputScope::PerQueue, _) | (ThroughputScope::PerGroup, Some(_)) => t,
                (ThroughputScope::PerGroup, None) => t * f.groups.max(1) as f64,
            };
            let retries = match &p.process {
                ArrivalProcess::Burst { size, .. } => {
                    let bursts = v.originals / (*size).max(1) as f64;
                    let excess = (*size as f64 - cap).max(0.0);
                    bursts * excess * excess / (2.0 * cap * b)
                }
                ArrivalProcess::Manifest { count } => {
                    let excess = (*count as f64 - cap).max(0.0);
                    excess * excess / (2.0 * cap * b)
                }
                _ => {
                    let rate = (v.originals + v.copies) / h_s.max(1e-9);
                    // Above the limit the waiting sends grow as a fluid,
                    // (λ − T)·t. At it they grow as a reflected random
                    // walk of variance λ a second, √(2λt/π) on average
                    // (∫ over H: ⅔·√(2λ/π)·H^1.5), which the fluid term
                    // calls 0 (a fuzz audit found a stream at exactly its
                    // FIFO limit 34–60× over the estimate); below it they
                    // settle near the M/D/1 queue's ρ²/(2(1 − ρ)).
                    let fluid = (rate - cap).max(0.0) * h_s * h_s / 2.0;
                    let walk =
                        2.0 / 3.0 * (2.0 * rate / std::f64::consts::PI).sqrt() * h_s.powf(1.5);
                    let rho = rate / cap;
                    let settled = if rho < 1.0 {
                        h_s * rho * rho / (2.0 * (1.0 - rho))
                    } else {
                        f64::INFINITY
                    };
                    fluid.max(walk.min(settled)) / b
                }
            };
            if retries >= 1.0 {
                push(
                    format!("producers[{i}]"),
                    format!(
                        "producer `{}`: sends over queue `{}`'s {}/s retried every {}",
                        p.name,
                        q.name,
                        f.throughput_per_s,
                        f.throttle_backoff.human()
                    ),
                    retries,
                );
            }
        }
    }
}

/// Receives beyond a message's first (P5): a failed message is received
/// again after its visibility timeout (1/(1 − f) passes on average), and a
/// poison message fails every time, so it comes back until the queue's
/// dead-letter `max_receive_count`, or, without one, until its retention
/// or the end of the run (half the horizon on average), once per
/// visibility timeout: events that grow with the square of the horizon,
/// which the fuzzer found the estimate missing (issue 18). Each pass
/// costs about three events (receive, processing, visibility deadline).
/// `sent_to[q]`: messages sent to queue `q` over the run.
fn push_redeliveries(
    pc: &crate::model::pipeline::PipelineConfig,
    sent_to: &[f64],
    horizon: f64,
    push: &mut dyn FnMut(String, String, f64),
) {
    for (qi, q) in pc.queues.iter().enumerate() {
        let msgs = sent_to.get(qi).copied().unwrap_or(0.0);
        let readers = readers_of(pc, qi);
        let pollers: f64 = readers.iter().map(|(_, c)| c.max_pollers() as f64).sum();
        if msgs <= 0.0 || pollers <= 0.0 {
            continue;
        }
        let cycle = q.visibility_timeout.as_micros().max(1) as f64;
        let poison_passes = match q.dead_letter {
            Some(d) => d.max_receive_count as f64,
            None => (q.retention.as_micros() as f64).min(horizon / 2.0) / cycle,
        };
        for (ci, c) in readers {
            let share = c.max_pollers() as f64 / pollers;
            let f = c.failure_probability.clamp(0.0, 1.0);
            let pi = c.poison_probability.clamp(0.0, 1.0);
            // A pass also ends in vain when the processing outlasts the
            // visibility timeout (the message is visible again before its
            // delete): with processing always longer, every message comes
            // back until retention, as a poison one does (a fuzz finding,
            // 78× over the estimate).
            let late = late_share(c, cycle);
            let ok = (1.0 - f) * (1.0 - late);
            let again = if ok > 0.0 {
                ((1.0 - ok) / ok).min(poison_passes)
            } else {
                poison_passes
            };
            // No more passes than the consumer's pollers can make: a
            // message in hand for longer than the timeout holds its poller.
            let pass_us = c.processing_time.mean_us() + 2.0 * c.request_latency.as_micros() as f64;
            let capacity = c.max_pollers() as f64 * horizon / pass_us.max(1.0);
            let extra = ((1.0 - pi) * again + pi * poison_passes)
                .min(capacity / (share * msgs) - 1.0)
                .max(0.0);
            if extra <= 0.0 {
                continue;
            }
            let setting = if late > f.max(pi) {
                format!("pipeline.queues[{qi}].visibility_timeout")
            } else {
                format!("pipeline.consumers[{ci}].poison_probability")
            };
            push(
                setting,
                format!(
                    "consumer `{}`: ≈ {} receives again of failed, poison or late messages (queue `{}`{})",
                    c.name,
                    human::rough_count(share * msgs * extra),
                    q.name,
                    if q.dead_letter.is_none() && pi > 0.0 {
                        ", no dead-letter queue: poison messages come back until retention"
                    } else {
                        ""
                    }
                ),
                3.0 * share * msgs * extra,
            );
        }
    }
}

/// The share of receives whose processing (one message, with the receive
/// and delete round trips) outlasts a visibility timeout of `cycle` [µs],
/// by a fixed sample of the processing time.
fn late_share(c: &crate::model::pipeline::ConsumerConfig, cycle: f64) -> f64 {
    const DRAWS: usize = 1_000;
    let mut rng = SimRng::seed_from_u64(0x1A7E_5AE5);
    let trips = 2.0 * c.request_latency.as_micros() as f64;
    let late = (0..DRAWS)
        .filter(|_| c.processing_time.sample(&mut rng) + trips > cycle)
        .count();
    late as f64 / DRAWS as f64
}

/// Issue 18 item 8: reading a trace file costs
/// [`crate::scenario::BYTES_PER_TRACE_ROW`] per row at its peak (the rows,
/// then the times in place), once per command; the estimate is made after
/// reading, so this part says what reading took rather than guarding it.
fn input_parts(cfg: &SimConfig) -> Vec<Part> {
    cfg.producers
        .iter()
        .enumerate()
        .filter_map(|(i, p)| match &p.process {
            ArrivalProcess::Trace { times } if !times.is_empty() => Some(Part {
                resource: Resource::Memory,
                setting: format!("producers[{i}].csv"),
                what: format!(
                    "producer `{}` (trace): {} rows read",
                    p.name,
                    human::rough_count(times.len() as f64)
                ),
                amount: times.len() as f64 * crate::scenario::BYTES_PER_TRACE_ROW,
            }),
            _ => None,
        })
        .collect()
}

/// Estimates `replications` runs of `cfg` on `threads` threads (runs in
/// flight at once hold their live state; every run's time series is kept
/// until the command writes `timeseries.csv`, as `labelsim run` does).
///
/// Events of one run (see `tests/it/budget.rs` for the check against real
/// runs):
///
/// ```text
/// events ≈ Σ_p sends_p + copies_p                     producers and R9 copies
///        + served · N' · attempts + (objects − served)  tasks, or R6 expiry
///        + objects · EXTRA_EVENTS_PER_OBJECT          R6/R7 deadlines
///        + horizon / timeseries_every                 samples
///        + 2 · horizon / metrics.period               R12 (backlog policies)
///        + horizon / throttle.interval, / keepalive   control
///        + shift changes · workers / 16               (each visits every worker)
///        + objects · 2 · service levels / 8           (`output.sla`, per object)
/// ```
///
/// where objects = originals + copies, N' = min(N, workers), attempts =
/// 1 / (1 − P\[timeout\]) with `on_timeout: return` (at most lifetime /
/// time limit), and served = min(objects, what the on-shift workers can
/// do over the horizon). With `warmup: auto` every run is made twice.
///
/// Memory: per run in flight, the objects that can be queued or held at
/// once (about K when the offered load is below 1, else every object
/// sent within `queue_retention`), the R9 bitsets, pending events and
/// workers; per run kept, the time series; for the command, the CSV built
/// in memory and the program itself.
pub fn estimate_run(cfg: &SimConfig, replications: u32, threads: usize) -> Estimate {
    let basis = basis(cfg, replications, threads);
    let runs = replications as u64;
    let in_flight = runs.min(basis.threads).max(1);
    Estimate::assemble(basis, runs, in_flight, None)
}

/// A sweep or plan of `points` points, each estimated by [`estimate_run`]
/// (with the sweep's replications and threads): events and runs scale with
/// the points; runs in flight are still bounded by the threads; what is
/// kept is one configuration per point and a summary row per run (no time
/// series). Call it with the number of points before building the design:
/// the design and the point configurations are allocated up front.
/// `setting` names what sets the number of points, for a refusal (the
/// binary: `--samples / --vary`).
pub fn estimate_points(per_point: &Estimate, points: u64, setting: &str) -> Estimate {
    let basis = per_point.basis.clone();
    let runs = basis.replications.saturating_mul(points);
    let in_flight = runs.min(basis.threads).max(1);
    Estimate::assemble(basis, runs, in_flight, Some((points, setting)))
}

fn basis(cfg: &SimConfig, replications: u32, threads: usize) -> Basis {
    let horizon = cfg.horizon.as_micros() as f64;
    let retention = match cfg.job.mode {
        Mode::Streaming => cfg.job.queue_retention.as_micros() as f64,
        Mode::Batch => f64::INFINITY,
    };
    let volumes: Vec<Volume> = cfg
        .producers
        .iter()
        .enumerate()
        .map(|(i, p)| producer_volume(i, p, cfg, retention))
        .collect();
    let objects: f64 = volumes.iter().map(|v| v.originals + v.copies).sum();
    let total_workers = cfg.total_workers() as f64;
    let n = (cfg.job.workers_per_object as f64).min(total_workers);

    // Tasks: attempts per task, and what the workers can do at most.
    let lifetime = cfg.job.task_availability_lifetime.as_micros() as f64;
    let limit = (cfg.job.task_time_limit.as_micros() as f64).max(1.0);
    let mut task_rate = 0.0; // tasks per µs the on-shift workforce can end
    let mut p_timeout = 0.0f64;
    for (g, group) in cfg.workers.iter().enumerate() {
        let (p, hold) = task_profile(cfg, g);
        p_timeout = p_timeout.max(p);
        let on_shift = group.count as f64 * group.shifts.on_shift_fraction();
        task_rate += if hold > 0.0 {
            on_shift / hold
        } else {
            f64::INFINITY
        };
    }
    let attempts = if cfg.job.on_timeout == OnTimeout::Return && p_timeout > 0.0 {
        (1.0 / (1.0 - p_timeout).max(1e-12)).min(lifetime / limit + 1.0)
    } else {
        1.0
    };
    let job_time = (horizon - cfg.job.initializing.as_micros() as f64).max(0.0);
    let capacity = task_rate * job_time;
    let per_object = n * attempts;
    let served = if per_object > 0.0 {
        objects.min(capacity / per_object)
    } else {
        0.0
    };

    let twice = if cfg.warmup == Warmup::Auto { 2.0 } else { 1.0 };
    let mut events = Vec::new();
    let push = |events: &mut Vec<Part>, setting: String, what: String, amount: f64| {
        if amount > 0.0 {
            events.push(Part {
                resource: Resource::Events,
                setting,
                what,
                amount: amount * twice,
            });
        }
    };
    for v in &volumes {
        // Each message costs its send (or delivery) event, then its tasks
        // (or an expiry) and deadlines: the producer's share of the objects.
        let msgs = v.originals + v.copies;
        let share = if objects > 0.0 { msgs / objects } else { 0.0 };
        let amount = v.send_events
            + v.copies
            + share * (served * per_object + (objects - served))
            + msgs * EXTRA_EVENTS_PER_OBJECT;
        push(
            &mut events,
            v.setting.clone(),
            format!("{}: {} messages", v.what, human::rough_count(msgs)),
            amount,
        );
    }
    if let Some(pc) = &cfg.pipeline {
        // SPEC §6: a message sent to a pipeline costs about six events
        // (notification, receive and its answer, processing, delete, index);
        // each poller's long polls (or short-poll sleeps) two per `wait`.
        let piped: f64 = volumes
            .iter()
            .zip(&cfg.producers)
            .filter(|(_, p)| p.to.is_some())
            .map(|(v, _)| v.originals + v.copies)
            .sum();
        let polls: f64 = pc
            .consumers
            .iter()
            .map(|c| {
                use crate::model::pipeline::Scaling;
                let mut every = poll_cycle_us(c);
                // Pollers that keep polling when nothing comes: an
                // autoscaled pool idles at its minimum (A1, A2); a Lambda
                // poller with a batching window gathers again every window.
                let idle = match &c.scaling {
                    None => c.count,
                    Some(Scaling::Lambda(l)) => {
                        if !l.batch_window.is_zero() {
                            every = every.min(l.batch_window.as_micros() as f64);
                        }
                        l.min
                    }
                    Some(Scaling::TargetTracking(t)) => t.min,
                };
                2.0 * idle as f64 * horizon / every.max(1.0)
            })
            .sum();
        push(
            &mut events,
            "pipeline".into(),
            format!("pipeline: {} messages and polls", human::rough_count(piped)),
            6.0 * piped + polls,
        );
        push_throttled_polls(pc, horizon, &mut |setting, what, amount| {
            push(&mut events, setting, what, amount)
        });
        push_throttled_sends(
            pc,
            &cfg.producers,
            &volumes,
            horizon,
            &mut |setting, what, amount| push(&mut events, setting, what, amount),
        );
        let sent_to: Vec<f64> = (0..pc.queues.len())
            .map(|qi| {
                volumes
                    .iter()
                    .zip(&cfg.producers)
                    .filter(|(_, p)| p.to == Some(qi))
                    .map(|(v, _)| v.originals + v.copies)
                    .sum()
            })
            .collect();
        push_redeliveries(pc, &sent_to, horizon, &mut |setting, what, amount| {
            push(&mut events, setting, what, amount)
        });
    }
    if attempts > 1.5 {
        if let Some(e) = events
            .iter_mut()
            .max_by(|a, b| a.amount.total_cmp(&b.amount))
        {
            // Retries, not the arrivals, dominate.
            e.setting = "job.task_time_limit` or `job.on_timeout".into();
            e.what = format!(
                "{} (each task timed out and retried ≈ {attempts:.0} times)",
                e.what
            );
        }
    }
    let sample_every = cfg.sample_every.as_micros().max(1) as f64;
    let samples = horizon / sample_every + 2.0;
    push(
        &mut events,
        "output.timeseries_every".into(),
        format!("time-series samples every {}", cfg.sample_every.human()),
        samples,
    );
    let t = &cfg.throttle;
    let per_period = |d: Option<SimDuration>| -> f64 {
        match d {
            Some(d) if !d.is_zero() => horizon / d.as_micros() as f64,
            _ => 0.0,
        }
    };
    if matches!(
        t.policy,
        Policy::BacklogThreshold { .. } | Policy::Aimd { .. } | Policy::Pi { .. }
    ) {
        push(
            &mut events,
            "metrics.period".into(),
            format!(
                "queue metrics sampled every {} (R12)",
                t.metrics_period.human()
            ),
            2.0 * per_period(Some(t.metrics_period)),
        );
    }
    push(
        &mut events,
        "throttle.interval".into(),
        "throttle control steps".into(),
        per_period(t.policy.interval()),
    );
    push(
        &mut events,
        "throttle.keepalive".into(),
        "keep-alive checks".into(),
        per_period(t.keepalive),
    );
    if matches!(
        t.policy,
        Policy::FixedRate { .. }
            | Policy::TokenBucket { .. }
            | Policy::Aimd { .. }
            | Policy::Pi { .. }
    ) {
        let originals: f64 = volumes.iter().map(|v| v.originals).sum();
        push(
            &mut events,
            "throttle.policy".into(),
            "sender releases (one per throttled message)".into(),
            originals,
        );
    }
    if !cfg.sla.is_empty() {
        // Each acceptance and each label visit every service level.
        push(
            &mut events,
            "output.sla".into(),
            format!(
                "{} service levels checked per object (≈ 1/8 event each)",
                cfg.sla.len()
            ),
            objects * 2.0 * cfg.sla.len() as f64 / 8.0,
        );
    }
    let weeks = horizon / US_PER_WEEK as f64;
    for (g, group) in cfg.workers.iter().enumerate() {
        let changes = shift_changes_per_week(&group.shifts) * weeks;
        push(
            &mut events,
            format!("workers[{g}].shifts"),
            format!(
                "shift changes of `{}` (each visits all {} workers)",
                group.name,
                human::rough_count(total_workers)
            ),
            changes * (1.0 + total_workers / 16.0),
        );
    }

    // Memory of one run in flight.
    let stable = offered_load(cfg).is_some_and(|rho| rho < 1.0);
    let k = cfg.job.max_concurrent_task_count as f64;
    let mut live = Vec::new();
    for v in &volumes {
        // A stable stream keeps about K objects in the system; a transient
        // (manifest, single burst, trace, capped producer) can still queue
        // all at once.
        let queued = if stable && v.stationary && cfg.job.mode == Mode::Streaming {
            v.peak_in_window.min(k)
        } else {
            v.peak_in_window
        };
        let msgs = v.originals + v.copies;
        live.push(Part {
            resource: Resource::Memory,
            setting: v.setting.clone(),
            what: format!(
                "{}: ≈ {} objects queued at once, {} message IDs",
                v.what,
                human::rough_count(queued),
                human::rough_count(msgs)
            ),
            amount: queued * BYTES_PER_LIVE_OBJECT
                + msgs * BYTES_PER_MESSAGE
                + v.copies_pending * BYTES_PER_PENDING_EVENT,
        });
    }
    if total_workers > 0.0 {
        live.push(Part {
            resource: Resource::Memory,
            setting: "workers[].count".into(),
            what: format!("{} workers", human::rough_count(total_workers)),
            amount: total_workers * BYTES_PER_WORKER,
        });
    }
    live.push(Part {
        resource: Resource::Memory,
        setting: String::new(),
        what: "statistics of a run in flight".into(),
        amount: BYTES_PER_RUN + config_bytes(cfg),
    });

    // Kept per run until written, and written. A pipeline adds columns
    // (model::pipeline::series).
    let pipe_cols = cfg.pipeline.as_ref().map_or(0.0, |p| {
        (p.queues.len() * crate::model::pipeline::series::QUEUE_COLUMNS.len()
            + p.consumers.len() * crate::model::pipeline::series::CONSUMER_COLUMNS.len())
            as f64
    });
    let kept = vec![
        Part {
            resource: Resource::Memory,
            setting: "output.timeseries_every".into(),
            what: format!(
                "{} time-series samples per run (every {})",
                human::rough_count(samples),
                cfg.sample_every.human()
            ),
            amount: samples * (BYTES_PER_SAMPLE + pipe_cols * BYTES_PER_PIPELINE_VALUE),
        },
        Part {
            resource: Resource::Memory,
            setting: String::new(),
            what: "run summaries".into(),
            amount: BYTES_PER_SUMMARY,
        },
    ];
    let output = vec![Part {
        resource: Resource::Output,
        setting: "output.timeseries_every".into(),
        what: format!(
            "timeseries.csv: {} rows per run (every {})",
            human::rough_count(samples),
            cfg.sample_every.human()
        ),
        amount: samples * (CSV_BYTES_PER_SAMPLE + pipe_cols * CSV_BYTES_PER_PIPELINE_VALUE)
            + BYTES_PER_SUMMARY / 4.0,
    }];
    Basis {
        events,
        live,
        kept,
        output,
        config_bytes: config_bytes(cfg),
        input: input_parts(cfg),
        replications: replications as u64,
        threads: threads.max(1) as u64,
    }
}

// ----- limits ----------------------------------------------------------------

/// What a command may cost before it needs `--force`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Events per command. Default 2·10^9: the engine handles 2–10
    /// million events per second per thread (M/M/c bench, `mmc-2M`: 9.5–9.7
    /// M/s on an idle core; 2–3 M/s on a loaded one, see
    /// [`EVENTS_PER_SECOND_PER_THREAD`]), so this is 3.5 to 17 minutes on
    /// one thread (the refusal says which the estimate assumes); the
    /// binary's `--max-events N` raises it to N — long enough for every bundled scenario with room
    /// to spare (the largest, `overload-expiry`, is ≈ 4·10^5 events per
    /// replication; the 10-million-object, 90-day bench stream ≈ 2·10^7),
    /// short of a unit slip (a producer `every: 7s` for `7d` sends 86,400
    /// times more).
    pub max_events: u64,
    /// Peak memory \[bytes\]. Default 4 GiB: half of a small machine's RAM,
    /// two orders of magnitude above every bundled scenario (< 100 MiB).
    pub max_memory_bytes: u64,
    /// Bytes written. Default 1 GiB: a month of per-minute time series
    /// (43,200 rows) is about 3.5 MB per replication; a GiB of CSV is
    /// beyond what a spreadsheet or a chart can use.
    pub max_output_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: 2_000_000_000,
            max_memory_bytes: 4 << 30,
            max_output_bytes: 1 << 30,
        }
    }
}

impl Limits {
    /// No limit (`--force`).
    pub const UNLIMITED: Limits = Limits {
        max_events: u64::MAX,
        max_memory_bytes: u64::MAX,
        max_output_bytes: u64::MAX,
    };

    pub fn of(&self, r: Resource) -> u64 {
        match r {
            Resource::Events => self.max_events,
            Resource::Memory => self.max_memory_bytes,
            Resource::Output => self.max_output_bytes,
        }
    }
}

/// One exceeded limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Excess {
    pub resource: Resource,
    pub estimate: f64,
    pub limit: u64,
    /// The largest contribution to it.
    pub dominant: Option<Part>,
}

/// A command refused before it ran because its estimate exceeds a limit.
/// Fatal for the command unless `--force` is given; nothing is written.
#[derive(Clone, Debug, PartialEq)]
pub struct BudgetError {
    pub estimate: Box<Estimate>,
    pub exceeded: Vec<Excess>,
}

/// An amount of `r` in its style: events as [`human::rough_count`], bytes
/// as [`human::bytes`].
fn fmt_amount(r: Resource, x: f64) -> String {
    match r {
        Resource::Events => human::rough_count(x),
        Resource::Memory | Resource::Output => human::bytes(x),
    }
}

impl fmt::Display for BudgetError {
    /// ```text
    /// this command would take too much (estimated before running: ≈ 5.2e9 events in 1 run, ...):
    ///   events ≈ 5.2e9, over the limit of 2.0e9; 5.2e9 of them from queue metrics sampled every 1ms (R12) [`metrics.period`]
    /// To fit, change `metrics.period`, or shorten `horizon`.
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(None))
    }
}

impl BudgetError {
    /// The refusal in words; `run_anyway` is how the caller lets a command
    /// go on regardless (the binary: `Pass --force to run anyway`), offered
    /// first among the ways out.
    pub fn describe(&self, run_anyway: Option<&str>) -> String {
        let mut out = String::new();
        self.write(&mut out, run_anyway)
            .expect("writing to a String cannot fail");
        out
    }

    fn write(&self, f: &mut impl fmt::Write, run_anyway: Option<&str>) -> fmt::Result {
        writeln!(
            f,
            "this command would take too much (estimated before running: {}):",
            self.estimate
        )?;
        let mut settings: Vec<&str> = Vec::new();
        for x in &self.exceeded {
            write!(
                f,
                "  {} ≈ {}, over the limit of {}",
                x.resource,
                fmt_amount(x.resource, x.estimate),
                fmt_amount(x.resource, x.limit as f64)
            )?;
            if x.resource == Resource::Events {
                // Issue 18 item 10: what the limit means in time.
                let lanes = self.estimate.runs.min(self.estimate.basis.threads).max(1);
                let secs = x.limit as f64 / (EVENTS_PER_SECOND_PER_THREAD * lanes as f64);
                write!(
                    f,
                    " ({} at {} events/s on {lanes} thread{})",
                    human::estimated_time(secs),
                    human::rough_count(EVENTS_PER_SECOND_PER_THREAD),
                    if lanes == 1 { "" } else { "s" }
                )?;
            }
            if let Some(d) = &x.dominant {
                write!(
                    f,
                    "; {} of it from {}",
                    fmt_amount(x.resource, d.amount),
                    d.what
                )?;
                if !d.setting.is_empty() {
                    write!(f, " [`{}`]", d.setting)?;
                    if !settings.contains(&d.setting.as_str()) {
                        settings.push(&d.setting);
                    }
                }
            }
            writeln!(f)?;
        }
        let mut fixes: Vec<String> = settings.iter().map(|s| format!("change `{s}`")).collect();
        fixes.push("shorten `horizon`".into());
        if self.estimate.runs > 1 {
            fixes.push("run fewer replications or points".into());
        }
        match run_anyway {
            Some(anyway) => write!(f, "{anyway}, or {}.", fixes.join(", or ")),
            None => write!(f, "To fit, {}.", fixes.join(", or ")),
        }
    }
}

impl std::error::Error for BudgetError {}

/// Compares an estimate with the limits: Err names every limit exceeded and
/// the scenario setting that dominates each.
pub fn check(est: &Estimate, limits: &Limits) -> Result<(), BudgetError> {
    let exceeded: Vec<Excess> = [Resource::Events, Resource::Memory, Resource::Output]
        .into_iter()
        .filter(|&r| {
            // NaN (a degenerate estimate) counts as over.
            let x = est.amount(r);
            x.is_nan() || x > limits.of(r) as f64
        })
        .map(|r| Excess {
            resource: r,
            estimate: est.amount(r),
            limit: limits.of(r),
            dominant: est.dominant(r).cloned(),
        })
        .collect();
    if exceeded.is_empty() {
        Ok(())
    } else {
        Err(BudgetError {
            estimate: Box::new(est.clone()),
            exceeded,
        })
    }
}

// ----- runtime guard ---------------------------------------------------------

// The guard lives with the model that consults it (so the model does not
// depend on this module); its types are re-exported here, beside the
// estimates and the memory watchdog that stops it.
pub use crate::model::guard::{RunError, RunGuard, StopReason, Stopped};

// ----- memory watchdog -------------------------------------------------------

/// Resident memory of this process \[bytes\] (Linux: `VmRSS` of
/// `/proc/self/status`, which states its unit, unlike `statm`'s pages);
/// None elsewhere.
pub fn resident_bytes() -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// A thread that stops a [`RunGuard`] (with [`StopReason::Memory`]) when the
/// process's resident memory passes a limit. Polls every `period` (100 ms
/// by default); does nothing where [`resident_bytes`] is unknown. Stops
/// polling when dropped.
#[derive(Debug)]
pub struct MemoryWatchdog {
    done: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    peak: Arc<AtomicU64>,
}

impl MemoryWatchdog {
    pub const PERIOD: Duration = Duration::from_millis(100);

    pub fn spawn(guard: Arc<RunGuard>, limit_bytes: u64) -> MemoryWatchdog {
        Self::spawn_with_period(guard, limit_bytes, Self::PERIOD)
    }

    pub fn spawn_with_period(
        guard: Arc<RunGuard>,
        limit_bytes: u64,
        period: Duration,
    ) -> MemoryWatchdog {
        let done = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let thread = resident_bytes().is_some().then(|| {
            let (done, peak) = (done.clone(), peak.clone());
            std::thread::Builder::new()
                .name("labelsim-memory-watchdog".into())
                .spawn(move || {
                    while !done.load(Ordering::Acquire) {
                        if let Some(rss) = resident_bytes() {
                            peak.fetch_max(rss, Ordering::Relaxed);
                            if rss > limit_bytes {
                                guard.stop(StopReason::Memory {
                                    rss_bytes: rss,
                                    limit_bytes,
                                });
                            }
                        }
                        std::thread::park_timeout(period);
                    }
                })
                .expect("spawn the memory watchdog")
        });
        MemoryWatchdog { done, thread, peak }
    }

    /// Highest resident memory seen so far \[bytes\] (0 if never polled).
    pub fn peak_bytes(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }
}

impl Drop for MemoryWatchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_hands_out_events_in_chunks_up_to_its_limit() {
        let g = RunGuard::new(Some(10_000));
        assert_eq!(g.spend(0), Some(RunGuard::CHECK_EVERY));
        assert_eq!(g.spend(4096), Some(RunGuard::CHECK_EVERY));
        assert_eq!(g.spend(4096), Some(10_000 - 8192));
        assert_eq!(g.spend(10_000 - 8192), None);
        assert_eq!(g.reason(), Some(StopReason::MaxEvents { limit: 10_000 }));
        assert_eq!(g.events_spent(), 10_000);
        // Unlimited: only a stop ends it; the first reason stays.
        let g = RunGuard::new(None);
        assert_eq!(g.spend(1 << 40), Some(RunGuard::CHECK_EVERY));
        assert!(g.allows(1 << 50));
        g.stop(StopReason::Requested("first".into()));
        g.stop(StopReason::Requested("second".into()));
        assert_eq!(g.spend(1), None);
        assert!(!g.allows(0));
        assert_eq!(g.reason(), Some(StopReason::Requested("first".into())));
    }

    #[test]
    fn bulk_work_past_the_budget_stops_the_guard() {
        let g = RunGuard::new(Some(1000));
        g.record(600);
        assert!(g.allows(399));
        assert!(!g.allows(400));
        assert!(g.is_stopped());
    }

    #[test]
    fn check_names_each_exceeded_limit() {
        let s = crate::scenario::Scenario::bundled();
        let est = estimate_run(&s.sim, 3, 4);
        assert!(check(&est, &Limits::default()).is_ok());
        let tight = Limits {
            max_events: 1,
            max_memory_bytes: u64::MAX,
            max_output_bytes: 1,
        };
        let e = check(&est, &tight).expect_err("over");
        let which: Vec<Resource> = e.exceeded.iter().map(|x| x.resource).collect();
        assert_eq!(which, [Resource::Events, Resource::Output]);
        let text = e.to_string();
        assert!(text.contains("[`producers[0].rate`]"), "{text}");
        // A month sampled every hour: the charts outweigh the CSV.
        assert!(text.contains("of it from charts"), "{text}");
        assert!(check(&est, &Limits::UNLIMITED).is_ok());
    }
}
