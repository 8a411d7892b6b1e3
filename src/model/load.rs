//! Offered load of every capacity stage: whether each place where work can
//! pile up keeps up with its input in the long run, from the configuration
//! alone (no simulation).
//!
//! For a stationary stream, a stage whose offered load ρ reaches 1 grows
//! without bound (R6: queued objects then expire after `queue_retention`;
//! P1: messages after `retention`): whatever a finite run shows, such a
//! configuration never meets a latency target in steady state. The planner
//! uses the largest load (the *binding* stage) to mark those points
//! `unstable`, and `run` prints every stage's load.
//!
//! The stages ([`stage_loads`]), upstream first:
//!
//! | stage | load |
//! |---|---|
//! | `consumers[c]` (P2, P5) | messages per µs into the queue × poller time per message ÷ pollers (an autoscaled pool's most, A4; a scheduled pool's mean over its cycle, A3) |
//! | `index` (P8) | documents per µs × E[bulk latency] ÷ (bulk size × concurrency) |
//! | `workers[g]` (R7) | objects per µs into the job × N × task hold ÷ workers on shift |
//! | `job.max_concurrent_task_count` (R3) | objects per µs into the job × object hold ÷ K's usable slots |
//!
//! Every load is a *necessary* condition: a stage at ρ ≥ 1 cannot keep up,
//! whatever else holds; ρ < 1 at every stage does not prove stability (e.g.
//! visibility timeouts shorter than processing add work not counted here).

use super::config::{
    ArrivalProcess, Mode, ProducerConfig, RefillRule, SimConfig, Source, WorkerGroupConfig,
};
use super::pipeline::config::{
    ConsumerConfig, DeleteMode, PipelineConfig, QueueConfig, QueueKind, ThroughputScope,
};
use crate::engine::time::{US_PER_DAY, US_PER_S};

/// One place where work can pile up, and its offered load.
#[derive(Clone, Debug, PartialEq)]
pub struct StageLoad {
    /// `consumers[classifier]`, `index`, `workers[team]`,
    /// `job.max_concurrent_task_count`; several consumers of one queue, or
    /// several worker groups sharing the job's pool, are one stage
    /// (`workers[a,b]`).
    pub stage: String,
    /// Offered work ÷ capacity \[1\]; +∞ when work arrives and nothing can do
    /// it.
    pub load: f64,
}

/// The stage with the largest load (the first on ties, upstream first),
/// or None when no stage has a stationary input.
pub fn binding(stages: &[StageLoad]) -> Option<&StageLoad> {
    stages
        .iter()
        .reduce(|best, s| if s.load > best.load { s } else { best })
}

/// The binding stage's load (see [`stage_loads`]), or None when the input
/// is not a stationary stream.
pub fn offered_load(cfg: &SimConfig) -> Option<f64> {
    binding(&stage_loads(cfg)).map(|s| s.load)
}

/// The offered load of every capacity stage that receives a stationary
/// stream (module docs), upstream first; empty in batch mode (R4) or when
/// no producer is stationary.
///
/// Workers (R7):
///
/// ```text
/// ρ = λ · N / Σ_g (c_g · f_g / h_g)
///
/// λ    [objects/µs]  long-run rate into the job: stationary producers
///                    sending to it, plus what routes send to people (P6)
/// N    [tasks/object] job.workers_per_object
/// c_g  [workers]     worker group g's count
/// f_g  [1]           share of the week group g is on shift
/// h_g  [µs/task]     expected time a task holds a worker of group g:
///                    h_g = d · decline_time + (1 − d) · min(E[S] · e^(σ²/2), task_time_limit)
/// ```
///
/// For one group this is λ · N · h / (c · f). `d` is the group's decline
/// probability (R7: a declined task is resolved, not offered again), `E[S]`
/// its mean service time and σ its `speed_spread`: speeds are lognormal
/// with median 1, so E[1/speed] = e^(σ²/2).
///
/// The concurrency limit (R3): an object holds one of K slots from dispatch
/// until its N tasks resolve, at least one task's hold (the fastest group's
/// h, capped by `task_availability_lifetime`). ρ = λ · hold / slots, where
/// `slots` is what a backlog can use (see [`backlog_slots`]): with
/// `strict_fifo`, K − N; with the documented refill rule, the geometric
/// mean of K − N, …, K (the queue refills only up to K − N, and only new
/// arrivals take the last N slots).
///
/// Consumers (P2, P5), per queue, the consumers reading it pooled: at
/// saturation receives return full batches, so a poller spends per original
/// message
///
/// ```text
/// w = passes · (latency / batch + E[processing]) + deletes · delete cost
/// passes  = ((1 − π) / (1 − f) + π · R) / (1 − dup)
/// deletes = (1 − π) / (1 − dup);   delete cost = latency (per message) or latency / batch
/// ```
///
/// with `f` the transient failure probability, `π` the poison probability,
/// `R` the dead-letter `max_receive_count` (without one a poison message is
/// received until its retention ends: retention ÷ visibility timeout
/// times), `dup` the standard queue's `duplicate_probability` (P3: each
/// delete may leave a copy, processed again). λ counts the producers'
/// copies (R9) the queue keeps (a FIFO queue drops copies repeating an ID
/// within its deduplication window, P4). ρ = λ / Σ_c (pollers_c / w_c). A
/// FIFO queue serves at most one batch per group at a time (P4), so at most
/// `groups` pollers work, and its receives and deletes are limited to
/// `throughput` per second (per group with `high_throughput`).
///
/// People behind a route (P6) receive the consumer's results (at most its
/// capacity) below the threshold, plus the audit share of the rest.
///
/// Approximations: the time limit caps the *mean* service time rather than
/// each draw; tasks that time out and return to the pool (R7
/// `on_timeout: return`), job-side duplicates that deduplication does not
/// catch (R9), and redeliveries after a visibility timeout shorter than a
/// processing are not counted. Shifts count by the workers they keep on shift
/// over the week (a scheduled count only while its shift is on), however
/// they line up with a daily arrival profile.
///
/// A producer is stationary when it is `poisson`, `diurnal` (sinusoid or
/// profile) or `burst` with `every`; one that stops before the horizon (at
/// its `end`, or when its `limit` is reached at its mean rate) counts at
/// its rate averaged over the run from its start (25 days of a 30-day
/// run: 5/6 of its rate), so a stream that overloads the team for most of
/// the run is not overlooked, and a short one barely counts. `manifest`,
/// `trace` and single bursts are transients and do not count.
pub fn stage_loads(cfg: &SimConfig) -> Vec<StageLoad> {
    let mut stages = Vec::new();
    if cfg.job.mode == Mode::Batch {
        return stages;
    }
    // Objects per µs into the job, and whether any stationary input feeds it.
    let mut job_rate = 0.0;
    let mut job_fed = false;
    for p in cfg.producers.iter().filter(|p| p.to.is_none()) {
        if let Some(r) = stationary_rate_per_us(p, cfg) {
            job_rate += r;
            job_fed = true;
        }
    }
    if let Some(pipe) = &cfg.pipeline {
        let mut results_per_us = 0.0;
        for (qi, q) in pipe.queues.iter().enumerate() {
            let mut lambda = 0.0;
            let mut fed = false;
            for p in cfg.producers.iter().filter(|p| p.to == Some(qi)) {
                if let Some(r) = stationary_rate_per_us(p, cfg) {
                    lambda += r * kept_per_original(p, q);
                    fed = true;
                }
            }
            let readers: Vec<&ConsumerConfig> =
                pipe.consumers.iter().filter(|c| c.queue == qi).collect();
            if !fed || readers.is_empty() {
                continue;
            }
            let (load, routed, results) = consumer_stage(q, &readers, lambda);
            stages.push(StageLoad {
                stage: stage_name("consumers", readers.iter().map(|c| c.name.as_str())),
                load,
            });
            if routed > 0.0 {
                job_rate += routed;
                job_fed = true;
            }
            results_per_us += results;
        }
        if let Some(load) = index_load(pipe, results_per_us) {
            stages.push(StageLoad {
                stage: "index".into(),
                load,
            });
        }
    }
    if !job_fed || cfg.no_job {
        return stages;
    }
    let work_per_us = job_rate * cfg.job.workers_per_object as f64;
    let limit_us = cfg.job.task_time_limit.as_micros() as f64;
    let capacity_tasks_per_us: f64 = cfg
        .workers
        .iter()
        .map(|g| {
            let hold = task_hold_us(g, limit_us);
            // S1: a scheduled count, on shift, at its mean over the week.
            let on_shift = g.mean_on_shift();
            if on_shift == 0.0 {
                0.0
            } else if hold <= 0.0 {
                f64::INFINITY
            } else {
                on_shift / hold
            }
        })
        .sum();
    stages.push(StageLoad {
        stage: stage_name("workers", cfg.workers.iter().map(|g| g.name.as_str())),
        load: ratio(work_per_us, capacity_tasks_per_us),
    });
    if let Some(capacity) = slot_capacity_per_us(cfg) {
        stages.push(StageLoad {
            stage: "job.max_concurrent_task_count".into(),
            load: ratio(job_rate, capacity),
        });
    }
    stages
}

/// R3: the most objects per µs the job's K task slots can keep up with,
/// however many workers there are: an object holds a slot from dispatch
/// until its N tasks resolve, at least one task's hold (the fastest
/// group's, capped by `task_availability_lifetime`), and a backlog uses
/// [`backlog_slots`] of them. None without a group that ever works; +∞ for
/// holds of no time.
pub fn slot_capacity_per_us(cfg: &SimConfig) -> Option<f64> {
    let limit_us = cfg.job.task_time_limit.as_micros() as f64;
    let hold = cfg
        .workers
        .iter()
        .filter(|g| g.mean_on_shift() > 0.0)
        .map(|g| task_hold_us(g, limit_us))
        .reduce(f64::min)?
        .min(cfg.job.task_availability_lifetime.as_micros() as f64);
    let slots = backlog_slots(
        cfg.job.refill_rule,
        cfg.job.max_concurrent_task_count,
        cfg.job.workers_per_object,
    );
    Some(if hold <= 0.0 {
        f64::INFINITY
    } else {
        slots / hold
    })
}

/// R3: how many of the K task slots a backlog keeps busy on average, at
/// the edge of stability, so that a stream of λ objects per unit time, each
/// holding a slot `hold`, keeps up exactly when λ · hold < this.
///
/// - `strict_fifo`: a new arrival joins the queue whenever it is not
///   empty, and the queue refills only while A < K − N: a backlog holds A
///   at K − N.
/// - `documented`: the queue still refills only up to K − N, but a new
///   arrival is dispatched at once while A < K. With a backlog, A moves
///   between K − N and K: up by one per arrival (rate λ) below K, down by
///   one per resolution above K − N (rate A / hold; at K − N a
///   resolution is refilled from the queue at once). Its balance gives
///   π(a) ∝ ρ^a / a! on K − N ≤ a ≤ K (ρ = λ · hold), and the backlog
///   drains when the mean resolution rate E\[A\] / hold exceeds λ:
///   E\[A\] − ρ = ρ · (ρ^(K−N−1) / (K−N−1)! − ρ^K / K!) / Z > 0, that is
///   ρ^(N+1) < K! / (K−N−1)! = (K−N)(K−N+1)⋯K. The threshold is the
///   geometric mean of K − N, …, K: √(K(K−1)) for N = 1, just under
///   K − N/2 in general, and less than K, which no backlog ever reaches.
///
/// The chain takes resolutions as exponential; `tests/it/queueing.rs` checks
/// the threshold against simulated backlogs.
pub fn backlog_slots(rule: RefillRule, k: u32, n: u32) -> f64 {
    let low = k.saturating_sub(n);
    match rule {
        RefillRule::StrictFifo => low as f64,
        RefillRule::Documented if low == 0 => 0.0,
        RefillRule::Documented => {
            let log_sum: f64 = (low..=k).map(|a| (a as f64).ln()).sum();
            (log_sum / (k - low + 1) as f64).exp()
        }
    }
}

/// `workers[team]`, `consumers[a,b]`.
fn stage_name<'a>(kind: &str, names: impl Iterator<Item = &'a str>) -> String {
    format!("{kind}[{}]", names.collect::<Vec<_>>().join(","))
}

/// Work ÷ capacity: 0 without work, +∞ with work and no capacity.
///
/// A load within [`SATURATION_TOLERANCE`] of 1 is 1: rates and means are
/// decimal numbers that binary floating point does not hold exactly, so
/// 0.7/min × 10 min over 7 workers computes as 0.9999999999999999, and a
/// stage at exactly its capacity must read as saturated (never stable).
fn ratio(work: f64, capacity: f64) -> f64 {
    if work == 0.0 {
        0.0
    } else if capacity == 0.0 {
        f64::INFINITY
    } else {
        let r = work / capacity;
        if (r - 1.0).abs() <= SATURATION_TOLERANCE {
            1.0
        } else {
            r
        }
    }
}

/// How close to 1 a computed load is taken as exactly 1 (a few hundred
/// units of rounding of the products and quotients that make it).
pub const SATURATION_TOLERANCE: f64 = 1e-9;

/// Messages a queue keeps per original send of `p` (R9 copies; a FIFO
/// queue drops a copy that repeats the ID within its window, P4).
pub(crate) fn kept_per_original(p: &ProducerConfig, q: &QueueConfig) -> f64 {
    let d = &p.duplicates;
    let same_id = d.sns_redelivery
        + d.producer_retry
        + if p.source == Source::S3 {
            d.s3_event_duplicate
        } else {
            0.0
        };
    let repeats_kept = match &q.kind {
        QueueKind::Fifo(f) if d.delay < f.dedup_window => 0.0,
        _ => same_id,
    };
    1.0 + repeats_kept + d.reupload
}

/// P6: objects the consumers of pipeline queue `qi` route to people per
/// message into the queue (copies kept included), below saturation: the
/// share under each route's threshold plus its audit sample, as the
/// workers' offered load counts them. 0 without a route.
pub(crate) fn routed_per_message(cfg: &SimConfig, qi: usize) -> f64 {
    let Some(pipe) = &cfg.pipeline else {
        return 0.0;
    };
    let Some(q) = pipe.queues.get(qi) else {
        return 0.0;
    };
    let readers: Vec<&ConsumerConfig> = pipe.consumers.iter().filter(|c| c.queue == qi).collect();
    if readers.is_empty() {
        return 0.0;
    }
    // A vanishing rate: no stage saturates, and the share is linear.
    let tiny = 1e-12;
    let (_, routed, _) = consumer_stage(q, &readers, tiny);
    routed / tiny
}

/// One queue's consumers pooled, each at the pollers the load counts
/// ([`ConsumerConfig::load_pollers`]: an autoscaled pool's most, A4; a
/// scheduled pool's mean, A3): (load, objects routed to people per µs,
/// results per µs).
fn consumer_stage(q: &QueueConfig, readers: &[&ConsumerConfig], lambda: f64) -> (f64, f64, f64) {
    let groups = match &q.kind {
        QueueKind::Fifo(f) => Some(f.groups),
        _ => None,
    };
    let pollers: Vec<f64> = readers.iter().map(|c| c.load_pollers(groups)).collect();
    consumer_stage_at(q, readers, &pollers, lambda)
}

/// The load of one queue's consumers (`readers`) running `pollers` each
/// (means, as measured over an interval) when `lambda` messages per µs
/// arrive: what [`stage_loads`] computes at the largest counts, for SPEC
/// §4b's rows by interval.
pub(crate) fn consumer_load_at(
    q: &QueueConfig,
    readers: &[&ConsumerConfig],
    pollers: &[f64],
    lambda: f64,
) -> f64 {
    consumer_stage_at(q, readers, pollers, lambda).0
}

/// [`consumer_stage`] with `pollers[i]` pollers for `readers[i]`.
fn consumer_stage_at(
    q: &QueueConfig,
    readers: &[&ConsumerConfig],
    pollers: &[f64],
    lambda: f64,
) -> (f64, f64, f64) {
    // Per consumer: (pollers, µs per original message, results per original).
    let per: Vec<(f64, f64, f64)> = readers
        .iter()
        .zip(pollers)
        .map(|(c, &n)| {
            let (w, deletes) = message_cost(q, c);
            (n, w, deletes)
        })
        .collect();
    let capacities: Vec<f64> = per
        .iter()
        .map(|&(n, w, _)| {
            if n == 0.0 {
                0.0
            } else if w <= 0.0 {
                f64::INFINITY
            } else {
                n / w
            }
        })
        .collect();
    let mut capacity: f64 = capacities.iter().sum();
    if let QueueKind::Fifo(fifo) = &q.kind {
        // P4: one batch per group in flight, so at most `groups` pollers work.
        let pollers: f64 = per.iter().map(|p| p.0).sum();
        if pollers > fifo.groups as f64 {
            capacity *= fifo.groups as f64 / pollers;
        }
        // P4: `throughput` requests per second per action (per group with
        // high throughput): receives take a batch, deletes per message or batch.
        let scope = match fifo.throughput_scope {
            ThroughputScope::PerQueue => 1.0,
            ThroughputScope::PerGroup => fifo.groups as f64,
        };
        let per_us = fifo.throughput_per_s as f64 * scope / US_PER_S as f64;
        let smallest_batch = readers.iter().map(|c| c.batch.max(1)).min().unwrap_or(1) as f64;
        let per_message_delete = readers.iter().any(|c| c.delete == DeleteMode::PerMessage);
        let api = per_us
            * if per_message_delete {
                1.0
            } else {
                smallest_batch
            };
        capacity = capacity.min(api);
    }
    let load = ratio(lambda, capacity);
    // What comes out is at most what the pollers can do.
    let through = if load > 1.0 { lambda / load } else { lambda };
    let total: f64 = capacities.iter().sum();
    let (mut routed, mut results) = (0.0, 0.0);
    for ((c, &(_, _, results_per_msg)), cap) in readers.iter().zip(&per).zip(&capacities) {
        let share = if total > 0.0 && total.is_finite() {
            cap / total
        } else {
            1.0 / readers.len() as f64
        };
        let out = through * share * results_per_msg;
        results += out;
        if let Some(r) = c.route {
            let below = c.confidence.share_below(r.threshold);
            routed += out * (below + r.sample.clamp(0.0, 1.0) * (1.0 - below));
        }
    }
    (load, routed, results)
}

/// P5: a poller's time per message sent to queue `q` for consumer `c`
/// \[µs\]: processing and its share of the receive and delete requests,
/// with the retries of failures, poison receives and surviving copies (what
/// the offered load of `consumers[c]` counts; `labelsim staff` staffs a
/// consumer on it).
pub fn poller_us_per_message(q: &QueueConfig, c: &ConsumerConfig) -> f64 {
    message_cost(q, c).0
}

/// (poller µs, deletes) per original message of queue `q` for consumer `c`.
fn message_cost(q: &QueueConfig, c: &ConsumerConfig) -> (f64, f64) {
    let dup = match &q.kind {
        QueueKind::Standard(s) => s.duplicate_probability.clamp(0.0, 0.999_999),
        QueueKind::Fifo(_) => 0.0,
    };
    let poison_receives = match q.dead_letter {
        Some(d) => d.max_receive_count as f64,
        None => q.retention.as_micros() as f64 / q.visibility_timeout.as_micros().max(1) as f64,
    };
    let f = c.failure_probability.clamp(0.0, 0.999_999);
    let pi = c.poison_probability.clamp(0.0, 1.0);
    let latency = c.request_latency.as_micros() as f64;
    let batch = c.batch.max(1) as f64;
    let passes = ((1.0 - pi) / (1.0 - f) + pi * poison_receives) / (1.0 - dup);
    let deletes = (1.0 - pi) / (1.0 - dup);
    let delete_cost = match c.delete {
        DeleteMode::PerMessage => latency,
        DeleteMode::Batch => latency / batch,
    };
    let w = passes * (latency / batch + c.processing_time.mean_us()) + deletes * delete_cost;
    (w, deletes)
}

/// P8: documents per µs ÷ (bulk size × concurrency ÷ E[bulk latency]), or
/// None without documents.
fn index_load(pipe: &PipelineConfig, docs_per_us: f64) -> Option<f64> {
    if docs_per_us <= 0.0 {
        return None;
    }
    let ix = &pipe.index;
    let latency = ix.bulk_latency.mean_us();
    let capacity = if latency <= 0.0 {
        f64::INFINITY
    } else {
        ix.bulk_size as f64 * ix.concurrency as f64 / latency
    };
    Some(ratio(docs_per_us, capacity))
}

/// h_g [µs]: expected time one task holds a worker of the group (see
/// [`offered_load`]).
pub(crate) fn task_hold_us(g: &WorkerGroupConfig, task_time_limit_us: f64) -> f64 {
    let d = g.decline_probability.clamp(0.0, 1.0);
    let inverse_speed = (g.speed_spread * g.speed_spread / 2.0).exp();
    let service = (g.service_time.mean_us() * inverse_speed).min(task_time_limit_us);
    d * g.decline_time.as_micros() as f64 + (1.0 - d) * service
}

/// Long-run rate [messages/µs] of a producer that sends at a rate, or
/// None for a transient one (see [`stage_loads`]). One that stops before
/// the horizon, at its `end` or at its `limit` (reached at its mean rate),
/// counts at its rate × (stop − start) / (horizon − start).
pub(crate) fn stationary_rate_per_us(p: &ProducerConfig, cfg: &SimConfig) -> Option<f64> {
    if p.start >= cfg.horizon {
        return None;
    }
    let rate = sending_rate_per_us(p)?;
    let start = p.start.as_micros() as f64;
    let horizon = cfg.horizon.as_micros() as f64;
    let mut stop = (p.end.as_micros() as f64).min(horizon);
    if let Some(limit) = p.limit {
        if rate > 0.0 {
            stop = stop.min(start + limit as f64 / rate);
        }
    }
    if stop >= horizon {
        return Some(rate);
    }
    Some(rate * (stop - start).max(0.0) / (horizon - start))
}

/// A producer's mean rate while it sends [messages/µs], or None for one
/// that does not send at a rate (a manifest, a trace, a single burst).
fn sending_rate_per_us(p: &ProducerConfig) -> Option<f64> {
    match &p.process {
        ArrivalProcess::Poisson { rate_per_us } => Some(*rate_per_us),
        // The cosine averages to 0 over a day.
        ArrivalProcess::Diurnal { mean_per_us, .. } => Some(*mean_per_us),
        ArrivalProcess::Profile { points } => Some(profile_mean_per_us(points)),
        ArrivalProcess::Burst { size, every } if !every.is_zero() => {
            Some(*size as f64 / every.as_micros() as f64)
        }
        ArrivalProcess::Burst { .. } | ArrivalProcess::Manifest { .. } => None,
        ArrivalProcess::Trace { .. } => None,
    }
}

/// Time average over a day of a piecewise-constant daily rate [per µs].
pub(crate) fn profile_mean_per_us(points: &[(u64, f64)]) -> f64 {
    let mut area = 0.0;
    for (i, &(at, rate)) in points.iter().enumerate() {
        let next = points
            .get(i + 1)
            .map_or(US_PER_DAY, |p| p.0)
            .min(US_PER_DAY);
        area += rate * next.saturating_sub(at) as f64;
    }
    area / US_PER_DAY as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{US_PER_H, US_PER_MIN, US_PER_WEEK};
    use crate::engine::{SimDuration, SimTime};
    use crate::model::workforce::{ServiceDist, ShiftSchedule};
    use crate::scenario::{LoadOptions, Scenario};
    use std::path::Path;

    fn quickstart() -> SimConfig {
        Scenario::from_str(
            include_str!("../../scenarios/quickstart.yaml"),
            "quickstart.yaml",
            Path::new("scenarios"),
            LoadOptions::default(),
        )
        .expect("quickstart is valid")
        .sim
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn quickstart_runs_at_ninety_percent_and_nine_workers_saturate() {
        // 90/h × 6 min / 10 workers = 0.9; the 500-object manifest is a transient.
        let mut cfg = quickstart();
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
        cfg.workers[0].count = 9;
        assert!(close(offered_load(&cfg).unwrap(), 1.0));
        cfg.workers[0].count = 0;
        assert_eq!(offered_load(&cfg), Some(f64::INFINITY));
    }

    #[test]
    fn tasks_per_object_speed_declines_and_shifts_scale_the_load() {
        let mut cfg = quickstart();
        cfg.job.workers_per_object = 3;
        assert!(close(offered_load(&cfg).unwrap(), 2.7));
        cfg.job.workers_per_object = 1;
        // Half the week on shift doubles the load.
        cfg.workers[0].shifts = ShiftSchedule::weekly(&[(0, 0, 0), (1, 0, 12 * US_PER_H)], 0);
        assert!(close(offered_load(&cfg).unwrap(), 0.9 * 168.0 / 36.0));
        cfg.workers[0].shifts = ShiftSchedule::Always;
        // Speeds with sigma 1: E[1/speed] = e^0.5.
        cfg.workers[0].speed_spread = 1.0;
        assert!(close(offered_load(&cfg).unwrap(), 0.9 * 0.5f64.exp()));
        cfg.workers[0].speed_spread = 0.0;
        // Half the tasks declined after 1 min: h = 0.5 · 1 + 0.5 · 6 min.
        cfg.workers[0].decline_probability = 0.5;
        cfg.workers[0].decline_time = SimDuration::from_mins(1);
        assert!(close(offered_load(&cfg).unwrap(), 0.9 * 3.5 / 6.0));
        cfg.workers[0].decline_probability = 0.0;
        // The task time limit caps the mean: 6 min → 3 min.
        cfg.job.task_time_limit = SimDuration::from_mins(3);
        assert!(close(offered_load(&cfg).unwrap(), 0.45));
    }

    #[test]
    fn a_load_at_capacity_is_one_whatever_the_rounding() {
        // SPEC §4b: 0.7/min × 10 min = 7 Erlangs over 7 workers is exactly
        // at capacity; in binary floating point the quotient is
        // 0.9999999999999999, which read as stable made `plan` answer 7.
        let mut cfg = quickstart();
        cfg.producers[0].process = ArrivalProcess::Poisson {
            rate_per_us: 0.7 / US_PER_MIN as f64,
        };
        cfg.workers[0].service_time = ServiceDist::exponential(10.0 * US_PER_MIN as f64).unwrap();
        cfg.workers[0].count = 7;
        assert_eq!(offered_load(&cfg), Some(1.0));
        cfg.workers[0].count = 8;
        assert!(close(offered_load(&cfg).unwrap(), 7.0 / 8.0));
        // R3: K − N = 7 task slots (`strict_fifo`, K = 8) at one 10-minute
        // task per object.
        cfg.job.max_concurrent_task_count = 8;
        cfg.job.refill_rule = RefillRule::StrictFifo;
        let stages = stage_loads(&cfg);
        let k = stages
            .iter()
            .find(|s| s.stage == "job.max_concurrent_task_count");
        assert_eq!(k.map(|s| s.load), Some(1.0));
    }

    #[test]
    fn a_scheduled_count_counts_only_while_its_shift_is_on() {
        // S1: shifts apply on top of the schedule. 12 workers scheduled
        // outside the 09:00–17:00 shift, none during it: nobody is ever on
        // shift, so any arrivals make the load infinite.
        use crate::model::schedule::StepSchedule;
        use crate::model::workforce::ShiftZone;
        let h = US_PER_H;
        let utc = ShiftZone::Fixed { offset_us: 0 };
        let start = quickstart().start_at_epoch_us;
        let daily = (0..7).map(|d| (d, 9 * h, 17 * h)).collect::<Vec<_>>();
        let mut cfg = quickstart();
        cfg.workers[0].shifts = ShiftSchedule::weekly(&daily, 0);
        cfg.workers[0].count = 12;
        cfg.workers[0].schedule = Some(
            StepSchedule::new(
                US_PER_DAY,
                vec![(0, 12), (9 * h, 0), (17 * h, 12)],
                utc.clone(),
                start,
            )
            .unwrap(),
        );
        assert_eq!(cfg.workers[0].mean_on_shift(), 0.0);
        assert_eq!(offered_load(&cfg), Some(f64::INFINITY));
        // The reverse: 12 workers only from 09:00 to 17:00, the shift's
        // hours: 12 × 8/24 = 4 on shift on average (not 4 × 8/24).
        cfg.workers[0].schedule = Some(
            StepSchedule::new(
                US_PER_DAY,
                vec![(0, 0), (9 * h, 12), (17 * h, 0)],
                utc,
                start,
            )
            .unwrap(),
        );
        assert!(close(cfg.workers[0].mean_on_shift(), 4.0));
        // 90/h × 6 min = 9 Erlangs over 4 workers.
        assert!(close(offered_load(&cfg).unwrap(), 9.0 / 4.0));
        // Without a schedule, the count times the share of the week.
        cfg.workers[0].schedule = None;
        assert!(close(cfg.workers[0].mean_on_shift(), 4.0));
    }

    #[test]
    fn a_weekly_count_the_same_every_day_does_not_follow_the_week() {
        use crate::model::config::uses_days_of_the_week;
        use crate::model::schedule::StepSchedule;
        let h = US_PER_H;
        let utc = crate::model::workforce::ShiftZone::Fixed { offset_us: 0 };
        let mut cfg = quickstart();
        let start = cfg.start_at_epoch_us;
        let weekly = |steps: Vec<(u64, u32)>| {
            Some(StepSchedule::new(US_PER_WEEK, steps, utc.clone(), start).unwrap())
        };
        // 5 all week, written as a weekly schedule: the same every day.
        cfg.workers[0].schedule = weekly(vec![(0, 5)]);
        assert!(!uses_days_of_the_week(&cfg.producers, &cfg.workers));
        // 12 from Monday 08:00, 7 from Monday 16:00 to the next Monday.
        cfg.workers[0].schedule = weekly(vec![(8 * h, 12), (16 * h, 7)]);
        assert!(uses_days_of_the_week(&cfg.producers, &cfg.workers));
        // 3 from 09:00 and 1 from 17:00 on each of the seven days.
        let daily: Vec<(u64, u32)> = (0..7)
            .flat_map(|d| [(d * US_PER_DAY + 9 * h, 3), (d * US_PER_DAY + 17 * h, 1)])
            .collect();
        cfg.workers[0].schedule = weekly(daily);
        assert!(!uses_days_of_the_week(&cfg.producers, &cfg.workers));
    }

    #[test]
    fn several_groups_add_their_task_rates() {
        let mut cfg = quickstart();
        let mut slow = cfg.workers[0].clone();
        slow.count = 5;
        slow.service_time = ServiceDist::exponential(12.0 * US_PER_MIN as f64).unwrap();
        cfg.workers.push(slow);
        // 10/6 + 5/12 = 25/12 tasks per min against 1.5/min.
        assert!(close(offered_load(&cfg).unwrap(), 1.5 * 12.0 / 25.0));
    }

    #[test]
    fn stationary_rates_of_each_producer_kind() {
        let mut cfg = quickstart();
        let per_h = |x: f64| x / US_PER_H as f64;
        cfg.producers[0].process = ArrivalProcess::Diurnal {
            mean_per_us: per_h(90.0),
            peak_hour: 12.0,
            amplitude: 0.8,
        };
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
        // 180/h for 12 h, 0 for 12 h.
        cfg.producers[0].process = ArrivalProcess::Profile {
            points: vec![(0, per_h(180.0)), (12 * US_PER_H, 0.0)],
        };
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
        // 45 every 30 min.
        cfg.producers[0].process = ArrivalProcess::Burst {
            size: 45,
            every: SimDuration::from_mins(30),
        };
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
    }

    #[test]
    fn transient_inputs_have_no_offered_load() {
        let base = quickstart();

        // A producer stopping early counts at its rate averaged over the
        // run from its start: 1 day of the run's 30 (it starts at 0).
        let mut cfg = base.clone();
        cfg.producers[0].start = SimTime::ZERO;
        let rate = |cfg: &SimConfig| stationary_rate_per_us(&cfg.producers[0], cfg).unwrap();
        let full = rate(&cfg);
        cfg.producers[0].end = SimTime::from_micros(US_PER_DAY);
        let days = cfg.horizon.as_micros() as f64 / US_PER_DAY as f64;
        assert!((rate(&cfg) - full / days).abs() < 1e-12 * full);
        // From a later start, averaged over the rest of the run.
        cfg.producers[0].start = SimTime::from_micros(US_PER_DAY / 2);
        let rest = days - 0.5;
        assert!((rate(&cfg) - full * 0.5 / rest).abs() < 1e-12 * full);
        // A cap stops it once reached at its rate: a day's worth, then
        // nothing (from 0); a cap it never reaches changes nothing.
        let mut cfg = base.clone();
        cfg.producers[0].start = SimTime::ZERO;
        let per_day = full * US_PER_DAY as f64;
        cfg.producers[0].limit = Some(per_day.round() as u64);
        assert!((rate(&cfg) - full / days).abs() < 1e-6 * full);
        cfg.producers[0].limit = Some((per_day * days * 2.0) as u64);
        assert_eq!(rate(&cfg), full);
        // One that starts after the horizon never sends.
        let mut cfg = base.clone();
        cfg.producers[0].start = cfg.horizon;
        assert_eq!(offered_load(&cfg), None, "a producer that never starts");
        let mut cfg = base.clone();
        cfg.producers[0].process = ArrivalProcess::Burst {
            size: 100,
            every: SimDuration::ZERO,
        };
        assert_eq!(offered_load(&cfg), None, "a single burst");
        let mut cfg = base.clone();
        cfg.producers[0].process = ArrivalProcess::Trace { times: vec![] };
        assert_eq!(offered_load(&cfg), None, "a trace");
        let mut cfg = base;
        cfg.job.mode = Mode::Batch;
        assert_eq!(offered_load(&cfg), None, "batch mode");
    }

    #[test]
    fn a_stream_that_stops_before_the_horizon_counts_at_its_average() {
        // SPEC §3's quickstart stream: 90/h of 6-minute tasks for 25 of 30
        // days is 9 Erlangs while it runs, 7.5 on average over the run:
        // 7 workers are overloaded (7.5 / 7 ≥ 1), 8 are not (0.9375).
        let yaml = |workers: u32| {
            format!("name: q\nhorizon: 30d\nproducers: [{{name: cameras, kind: poisson, rate: 90/h, end: 25d}}]\nworkers: [{{name: team, count: {workers}, service_time: {{dist: exponential, mean: 6m}}}}]\n")
        };
        let rho = |w: u32| offered_load(&load(&yaml(w))).unwrap();
        assert!((rho(7) - 7.5 / 7.0).abs() < 1e-9, "{}", rho(7));
        assert!((rho(8) - 0.9375).abs() < 1e-9, "{}", rho(8));
    }

    fn load(yaml: &str) -> SimConfig {
        Scenario::from_str(yaml, "t.yaml", Path::new("."), LoadOptions::default())
            .expect("valid")
            .sim
    }

    fn stages(cfg: &SimConfig) -> Vec<(String, f64)> {
        stage_loads(cfg)
            .into_iter()
            .map(|s| (s.stage, s.load))
            .collect()
    }

    /// 24/h against 5 workers of 10 minutes: the workers are at 0.8, but K
    /// slots each held at least 10 minutes carry 6/h per slot.
    const K_LIMITED: &str = "name: k\nhorizon: 30d\n\
        job: {initializing: 0s, max_concurrent_task_count: 2}\n\
        producers: [{name: p, kind: poisson, rate: 24/h}]\n\
        workers: [{name: team, count: 5, service_time: {dist: exponential, mean: 10m}}]\n";

    /// R3: the slots a backlog uses are the birth-death chain's threshold:
    /// at ρ = the geometric mean of K − N..=K, the mean of A over
    /// π(a) ∝ ρ^a / a! on K − N..=K is exactly ρ (resolutions = arrivals).
    #[test]
    fn backlog_slots_are_where_the_chain_just_keeps_up() {
        assert_eq!(backlog_slots(RefillRule::StrictFifo, 5, 2), 3.0);
        assert_eq!(backlog_slots(RefillRule::StrictFifo, 2, 2), 0.0);
        assert_eq!(backlog_slots(RefillRule::Documented, 2, 2), 0.0);
        assert!(close(
            backlog_slots(RefillRule::Documented, 2, 1),
            2f64.sqrt()
        ));
        assert!(close(
            backlog_slots(RefillRule::Documented, 5, 2),
            60f64.cbrt()
        ));
        for (k, n) in [(2, 1), (5, 2), (5, 3), (10, 1), (40, 7), (1000, 3)] {
            let rho = backlog_slots(RefillRule::Documented, k, n);
            assert!(rho > (k - n) as f64 && rho < k as f64, "{k} {n}");
            // π(a) ∝ ρ^a / a!, relative to a = K − N, in logs.
            let (mut w, mut z, mut mean) = (1.0f64, 0.0, 0.0);
            for a in (k - n)..=k {
                if a > k - n {
                    w *= rho / a as f64;
                }
                z += w;
                mean += a as f64 * w;
            }
            assert!(
                close(mean / z, rho),
                "K {k}, N {n}: E[A] {} ρ {rho}",
                mean / z
            );
        }
    }

    #[test]
    fn the_concurrency_limit_is_a_stage_and_can_bind() {
        // R3, documented rule, K = 2, N = 1: a backlog uses √(2·1) slots;
        // 24/h × 10 min = 4 Erlangs over √2 = 2.83. Workers: 4 / 5 = 0.8.
        let mut cfg = load(K_LIMITED);
        let st = stages(&cfg);
        assert_eq!(st[0].0, "workers[team]");
        assert!(close(st[0].1, 0.8));
        assert_eq!(st[1].0, "job.max_concurrent_task_count");
        assert!(close(st[1].1, 4.0 / 2f64.sqrt()));
        let b = binding(&stage_loads(&cfg)).cloned().unwrap();
        assert_eq!(b.stage, "job.max_concurrent_task_count");
        assert!(close(offered_load(&cfg).unwrap(), 4.0 / 2f64.sqrt()));
        cfg.job.max_concurrent_task_count = 6;
        assert!(
            close(offered_load(&cfg).unwrap(), 0.8),
            "K = 6 (√30 = 5.48 slots, 0.73): the workers bind"
        );
        cfg.job.max_concurrent_task_count = 5;
        assert!(
            close(offered_load(&cfg).unwrap(), 4.0 / 20f64.sqrt()),
            "K = 5: √20 = 4.47 slots, 0.89, above the workers' 0.8"
        );
        // strict_fifo: a backlog refills only while A < K − N, so K − N slots.
        cfg.job.refill_rule = RefillRule::StrictFifo;
        cfg.job.workers_per_object = 2;
        let st = stages(&cfg);
        assert!(close(st[0].1, 1.6), "N = 2 doubles the workers' load");
        assert!(close(st[1].1, 4.0 / 3.0), "24/h × 10 min / (5 − 2)");
        // A lifetime shorter than the hold caps it: 4/h × ... 24/h × 5 min / 3.
        cfg.job.task_availability_lifetime = SimDuration::from_mins(5);
        assert!(close(stages(&cfg)[1].1, 2.0 / 3.0));
    }

    const PIPE: &str = "name: p\nhorizon: 1d\n\
        producers: [{name: up, kind: poisson, rate: 10/s, source: sns, to: q}]\n\
        pipeline:\n  queues: [{name: q, type: standard}]\n  consumers:\n\
        \x20   - {name: c, queue: q, count: 4, batch: 10, wait: 20s, request_latency: 100ms,\n\
        \x20      processing_time: {dist: constant, value: 200ms}}\n\
        \x20 index: {bulk_size: 10, concurrency: 1, bulk_latency: {dist: constant, value: 500ms}}\n";

    #[test]
    fn a_scheduled_pool_counts_its_mean_pollers_an_autoscaled_one_its_most() {
        // The consumer stage's load with PIPE's `count: 4,` replaced by
        // `pollers` (and its queue's `type: standard` by `queue`).
        let consumer_load = |queue: &str, pollers: &str| {
            let yaml = PIPE
                .replace("type: standard", queue)
                .replace("count: 4,", pollers);
            let st = stages(&load(&yaml));
            assert_eq!(st[0].0, "consumers[c]");
            st[0].1
        };
        let standard = "type: standard";
        let eight_then_none =
            "count: {schedule: [{from: \"00:00\", count: 8}, {from: \"12:00\", count: 0}], cycle: 1d},";
        // A3: 8 pollers from 00:00, none from 12:00: 4 on average, so
        // 10/s × 0.31 s / 4 = 0.775, as with a fixed 4 (the largest step,
        // 8, would say 0.39 for a pool idle half the day).
        assert!(close(consumer_load(standard, eight_then_none), 0.775));
        // 2 pollers from 06:00 to 18:00 only: 1 on average, 3.1 — unstable.
        let day_only = "count: {schedule: [{from: \"00:00\", count: 0}, {from: \"06:00\", count: 2}, {from: \"18:00\", count: 0}], cycle: 1d},";
        assert!(close(consumer_load(standard, day_only), 3.1));
        // P4: on a FIFO queue of 2 groups each step counts at most 2
        // pollers: 8 then 0 is 1 on average (not min(4, 2) = 2), so 3.1.
        let fifo = "type: fifo, groups: 2, throughput: 1000/s";
        assert!(close(consumer_load(fifo, eight_then_none), 3.1));
        // A4: an autoscaled pool at its most (8 pollers: 0.3875).
        let scaled = "scaling: {kind: target_tracking, min: 1, max: 8, messages_per_poller: 5},";
        assert!(close(consumer_load(standard, scaled), 0.3875));
    }

    #[test]
    fn consumers_and_the_index_are_stages() {
        // P5: per message 100 ms / 10 (receive) + 200 ms + 100 ms (delete)
        // = 310 ms; 10/s × 0.31 s / 4 pollers = 0.775.
        let cfg = load(PIPE);
        let st = stages(&cfg);
        assert_eq!(st[0].0, "consumers[c]");
        assert!(close(st[0].1, 0.775), "{st:?}");
        // P8: 10 documents/s × 0.5 s per bulk of 10, one at a time = 0.5.
        assert_eq!(st[1].0, "index");
        assert!(close(st[1].1, 0.5), "{st:?}");
        assert_eq!(st.len(), 2, "no job: no workers or K stage");
        // delete: batch makes the delete one request per batch: 0.22 s.
        let mut cfg2 = cfg.clone();
        cfg2.pipeline.as_mut().unwrap().consumers[0].delete = DeleteMode::Batch;
        assert!(close(stages(&cfg2)[0].1, 10.0 * 0.22 / 4.0));
        // 2 pollers cannot keep up: 1.55.
        let mut cfg3 = cfg.clone();
        cfg3.pipeline.as_mut().unwrap().consumers[0].count = 2;
        assert!(close(offered_load(&cfg3).unwrap(), 1.55));
        cfg3.pipeline.as_mut().unwrap().consumers[0].count = 0;
        assert_eq!(offered_load(&cfg3), Some(f64::INFINITY));
    }

    #[test]
    fn failures_poison_and_copies_add_passes() {
        let mut cfg = load(PIPE);
        {
            let p = cfg.pipeline.as_mut().unwrap();
            // Each message fails half the time: 2 passes, 1 delete.
            p.consumers[0].failure_probability = 0.5;
        }
        // 2 × (10 ms + 200 ms) + 100 ms = 0.52 s; × 10/s / 4.
        assert!(close(stages(&cfg)[0].1, 1.3));
        {
            let p = cfg.pipeline.as_mut().unwrap();
            p.consumers[0].failure_probability = 0.0;
            p.consumers[0].poison_probability = 0.1;
            p.queues[0].dead_letter = Some(crate::model::pipeline::config::DeadLetter {
                max_receive_count: 5,
            });
        }
        // passes 0.9 + 0.1 × 5 = 1.4; deletes 0.9: 1.4 × 0.21 + 0.9 × 0.1 = 0.384 s.
        assert!(close(stages(&cfg)[0].1, 10.0 * 0.384 / 4.0));
    }

    #[test]
    fn a_fifo_queue_serves_one_batch_per_group_and_its_throughput() {
        let yaml = PIPE.replace("type: standard", "type: fifo, groups: 2");
        let cfg = load(&yaml);
        // 4 pollers but 2 groups: 10/s × 0.31 s / 2 = 1.55.
        assert!(close(stages(&cfg)[0].1, 1.55), "{:?}", stages(&cfg));
        // 20 groups, throughput 5 requests/s with per-message deletes: 10/5.
        let yaml = PIPE.replace("type: standard", "type: fifo, groups: 20, throughput: 5/s");
        assert!(close(stages(&load(&yaml))[0].1, 2.0));
    }

    #[test]
    fn people_behind_a_route_get_the_share_below_the_threshold_plus_the_audit() {
        // Uniform confidence, threshold 0.5 and a 20% audit: 0.5 + 0.2 × 0.5
        // = 60% of 10/s = 6/s = 21,600/h; × 1 min / 400 workers = 0.9.
        let yaml = PIPE.replace(
            "processing_time: {dist: constant, value: 200ms}}",
            "processing_time: {dist: constant, value: 200ms},\n\
             \x20      confidence: {dist: uniform, min: 0, max: 1}, route: {threshold: 0.5, sample: 0.2}}",
        ) + "job: {initializing: 0s, max_concurrent_task_count: 1000}\n\
             workers: [{name: people, count: 400, service_time: {dist: constant, value: 1m}}]\n";
        let cfg = load(&yaml);
        let st = stages(&cfg);
        let names: Vec<&str> = st.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "consumers[c]",
                "index",
                "workers[people]",
                "job.max_concurrent_task_count"
            ]
        );
        assert!(close(st[2].1, 0.9), "{st:?}");
        // 6/s × 60 s / √(1000 · 999) slots (a backlog's, R3) = 0.36018.
        assert!(close(st[3].1, 360.0 / 999_000f64.sqrt()), "{st:?}");
        // A saturated consumer passes on at most its capacity: 2 pollers
        // (load 1.55) send 6/s ÷ 1.55.
        let mut cfg2 = cfg.clone();
        cfg2.pipeline.as_mut().unwrap().consumers[0].count = 2;
        assert!(close(stages(&cfg2)[2].1, 0.9 / 1.55));
    }

    #[test]
    fn confidence_shares_below_a_threshold() {
        use crate::model::pipeline::config::ConfidenceDist;
        let beta = ConfidenceDist::beta(8.0, 2.0).unwrap();
        // Beta(8, 2): F(x) = 9x^8 − 8x^9; F(0.85) = 0.40470...
        let x: f64 = 0.85;
        assert!(close(
            beta.share_below(x),
            9.0 * x.powi(8) - 8.0 * x.powi(9)
        ));
        assert_eq!(
            ConfidenceDist::Constant(0.7).share_below(0.7),
            0.0,
            "≥ θ is indexed"
        );
        assert_eq!(ConfidenceDist::Constant(0.7).share_below(0.71), 1.0);
        assert_eq!(
            ConfidenceDist::Empirical(vec![0.1, 0.5, 0.9, 0.95]).share_below(0.9),
            0.5
        );
        assert_eq!(
            ConfidenceDist::uniform(0.0, 1.0).unwrap().share_below(0.25),
            0.25
        );
    }
}
