//! From `ScenarioSpec` to the engine's `SimConfig`: units resolved, defaults
//! applied, every R11 rule checked. Every problem is collected (not just the
//! first) with the dotted path of its field; `mod.rs` adds line numbers.

use super::input::{excerpt, excerpt_n, looks_like_value, InputFile};
use super::replay::{self, Rows, TimeFormat, EPOCH_LOOKALIKE_S};
use super::schema::edit_distance;
use super::spec::*;
use super::units::*;
use super::yaml::Value;
use super::MAX_CSV_BYTES;
use super::{Problem, Severity};
use crate::engine::time::{US_PER_DAY, US_PER_H, US_PER_MIN, US_PER_S, US_PER_WEEK};
use crate::engine::{SimDuration, SimTime};
use crate::model::by_interval::{ByIntervalConfig, Cycle};
use crate::model::config::*;
use crate::model::pipeline::{
    ConfidenceDist, ConsumerConfig, DeadLetter, DeleteMode, FifoDedup, FifoQueue, PipelineConfig,
    Polling, QueueConfig, QueueKind, Route, StandardQueue, ThroughputScope, Visibility,
};
use crate::model::pipeline::{LambdaScaling, Scaling, TargetTracking};
use crate::model::schedule::{self, StepSchedule};
use crate::model::throttle::ThrottleConfig;
use crate::model::workforce::{ServiceDist, ShiftSchedule, ShiftZone};
use std::collections::HashSet;
use std::path::Path;

/// Default calendar origin: a Monday (SPEC §1).
pub const DEFAULT_START_AT: &str = "2026-01-05T00:00:00Z";

/// Task types of the managed service; the text ones cannot take S3 input (R11).
pub const TASK_TYPES: &[&str] = &[
    "image_classification",
    "image_multilabel_classification",
    "bounding_box",
    "semantic_segmentation",
    "label_verification",
    "video_classification",
    "video_object_detection",
    "video_object_tracking",
    "point_cloud",
    "text_classification",
    "text_multilabel_classification",
    "named_entity_recognition",
    "custom",
];
const TEXT_TASK_TYPES: &[&str] = &[
    "text_classification",
    "text_multilabel_classification",
    "named_entity_recognition",
];

pub(super) struct Ctx<'a> {
    pub problems: Vec<Problem>,
    pub base_dir: &'a Path,
}

impl Ctx<'_> {
    fn push(&mut self, severity: Severity, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            field: field.into(),
            line: None,
            message: message.into(),
            severity,
        });
    }
    /// A structural error: never waived.
    fn err(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, field, message);
    }
    /// A service limit (R11): an error unless `--lenient`.
    fn limit(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Limit, field, message);
    }
    fn warn(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, field, message);
    }

    fn duration(&mut self, field: &str, v: &Option<Text>, default: SimDuration) -> SimDuration {
        match v {
            None => default,
            Some(t) => parse_duration(&t.0).unwrap_or_else(|e| {
                self.err(field, e);
                default
            }),
        }
    }

    fn opt_duration(&mut self, field: &str, v: &Option<Text>) -> Option<SimDuration> {
        v.as_ref().and_then(|t| match parse_duration(&t.0) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(field, e);
                None
            }
        })
    }

    fn rate(&mut self, field: &str, v: &Option<Text>) -> f64 {
        match v {
            None => {
                self.err(field, "is required (a rate such as `90/h`)");
                0.0
            }
            Some(t) => parse_rate(&t.0).unwrap_or_else(|e| {
                self.err(field, e);
                0.0
            }),
        }
    }

    fn probability(&mut self, field: &str, v: Option<f64>) -> f64 {
        let p = v.unwrap_or(0.0);
        if !p.is_finite() {
            self.err(field, not_finite(p));
            return 0.0;
        }
        if !(0.0..=1.0).contains(&p) {
            self.err(
                field,
                format!("{p} is not a probability; it must be in [0, 1] (R11)"),
            );
            return 0.0;
        }
        p
    }

    fn count(&mut self, field: &str, v: i64) -> u64 {
        if v < 0 {
            self.err(
                field,
                format!("{v} is negative; counts must be non-negative (R11)"),
            );
            0
        } else {
            v as u64
        }
    }

    fn choice<T: Copy>(
        &mut self,
        field: &str,
        v: &Option<String>,
        default: T,
        options: &[(&str, T)],
    ) -> T {
        match v {
            None => default,
            Some(s) => match options.iter().find(|(name, _)| name == s) {
                Some((_, t)) => *t,
                None => {
                    let names: Vec<&str> = options.iter().map(|o| o.0).collect();
                    self.err(
                        field,
                        format!("`{}` is not one of: {}", excerpt(s), names.join(", ")),
                    );
                    default
                }
            },
        }
    }
}

/// The message for NaN or an infinity where a number is expected.
fn not_finite(x: f64) -> String {
    format!("must be a finite number, got {x}")
}

/// Most producers, and most worker groups, in a scenario (the model numbers
/// them with 16 bits).
pub const MAX_PRODUCERS: usize = u16::MAX as usize;

/// Most service levels (`output.sla`), each a metric of every run.
pub const MAX_SERVICE_LEVELS: usize = 100;

/// Largest worker group (memory grows with the number of workers).
pub const MAX_WORKERS_PER_GROUP: u64 = 10_000_000;

/// R11: `^[$a-zA-Z0-9](-*[a-zA-Z0-9])*`, matched against the whole key.
pub fn dedup_key_is_valid(key: &str) -> bool {
    let b = key.as_bytes();
    if b.is_empty() || b.len() > 140 {
        return false;
    }
    if !(b[0] == b'$' || b[0].is_ascii_alphanumeric()) {
        return false;
    }
    // After the first character: runs of '-' must be followed by an alphanumeric.
    let mut i = 1;
    while i < b.len() {
        while i < b.len() && b[i] == b'-' {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_alphanumeric() {
            return false;
        }
        i += 1;
    }
    true
}

/// A sampling period giving about 720 samples over `horizon`, on a round step.
pub fn default_sample_every(horizon: SimTime) -> SimDuration {
    const STEPS_MIN: [u64; 11] = [1, 2, 5, 10, 15, 30, 60, 120, 360, 720, 1440];
    let target = horizon.as_micros() / 720;
    let step = STEPS_MIN
        .iter()
        .map(|m| m * US_PER_MIN)
        .find(|&us| us >= target)
        .unwrap_or(1440 * US_PER_MIN);
    SimDuration::from_micros(step)
}

pub(super) struct Built {
    pub seed: u64,
    pub replications: u32,
    pub sim: SimConfig,
}

pub(super) fn build(spec: &ScenarioSpec, ctx: &mut Ctx<'_>) -> Built {
    let horizon = match parse_duration(&spec.horizon.0) {
        Ok(d) if !d.is_zero() => SimTime::after(d),
        Ok(_) => {
            ctx.err("horizon", "must be positive (R11)");
            SimTime::from_micros(1)
        }
        Err(e) => {
            ctx.err("horizon", e);
            SimTime::from_micros(1)
        }
    };
    if spec.name.trim().is_empty() {
        ctx.err("name", "must not be empty");
    } else if spec.name.contains(['/', '\\']) || spec.name == "." || spec.name == ".." {
        ctx.err(
            "name",
            "is used as a folder name: it may not contain `/` or `\\`",
        );
    }
    let replications = spec.replications.unwrap_or(super::DEFAULT_REPLICATIONS);
    if replications == 0 {
        ctx.err("replications", "must be at least 1");
    }
    let start_at = spec
        .start_at
        .as_ref()
        .map(|t| t.0.trim())
        .unwrap_or(DEFAULT_START_AT);
    // Issue 11: trace and counts files are read before the calendar is
    // known, since `start_at: auto` is taken from them.
    let mut rows: Vec<Option<Rows>> = spec
        .producers
        .iter()
        .enumerate()
        .map(|(i, p)| read_producer_rows(p, &format!("producers[{i}]"), ctx))
        .collect();
    let auto_start = start_at == "auto";
    let start_at_epoch_us = if auto_start {
        match rows
            .iter()
            .flatten()
            .filter_map(Rows::earliest_instant)
            .min()
        {
            Some(first) => first,
            None => {
                // Files that could not be read were reported already.
                let unread = spec
                    .producers
                    .iter()
                    .zip(&rows)
                    .any(|(p, r)| matches!(p.kind.as_str(), "trace" | "counts") && r.is_none());
                if !unread {
                    ctx.err(
                        "start_at",
                        "`auto` starts the calendar at the earliest timestamp of the trace and counts files, but none has calendar timestamps (ISO 8601, SQL or epoch times); give an instant such as 2026-01-05T00:00:00Z",
                    );
                }
                parse_instant(DEFAULT_START_AT).expect("the default is an instant")
            }
        }
    } else {
        parse_instant(start_at).unwrap_or_else(|e| {
            ctx.err("start_at", format!("{e}, or `auto`"));
            0
        })
    };

    let job = build_job(&spec.job, ctx);
    // Valid, but almost surely a mistake: say so (the run goes ahead).
    if spec.job.initializing.is_some() && SimTime::after(job.initializing) >= horizon {
        ctx.warn(
            "job.initializing",
            format!(
                "{} is not shorter than the horizon ({}): the job never reaches InProgress and every message sent to it is lost (R1)",
                job.initializing.human(),
                horizon.since(SimTime::ZERO).human()
            ),
        );
    }
    if let Some(stop) = job.stop_at.filter(|s| *s > horizon) {
        ctx.warn(
            "job.stop_at",
            format!(
                "{} is after the horizon ({}): the stop never happens",
                stop.since(SimTime::ZERO).human(),
                horizon.since(SimTime::ZERO).human()
            ),
        );
    }
    if auto_start && !job.initializing.is_zero() {
        ctx.warn(
            "start_at",
            format!(
                "`auto` puts the first timestamp at job creation, while the job is initializing ({}): the arrivals of that time are lost (R1); set `job.initializing: 0s` to keep them",
                job.initializing.human()
            ),
        );
    }
    let task_type = spec
        .job
        .task_type
        .as_deref()
        .unwrap_or("image_classification");
    if !TASK_TYPES.contains(&task_type) {
        ctx.err(
            "job.task_type",
            format!(
                "`{}` is not a known task type; one of: {}",
                excerpt(task_type),
                TASK_TYPES.join(", ")
            ),
        );
    }
    let text_task = TEXT_TASK_TYPES.contains(&task_type);

    // The model numbers producers and worker groups with 16 bits.
    if spec.producers.len() > MAX_PRODUCERS {
        ctx.err(
            "producers",
            format!(
                "{} producers; at most {MAX_PRODUCERS}",
                spec.producers.len()
            ),
        );
    }
    let mut producers = Vec::new();
    let mut names: HashSet<String> = HashSet::new();
    for (i, p) in spec.producers.iter().enumerate() {
        let f = format!("producers[{i}]");
        let at = Calendar {
            horizon,
            start_epoch_us: start_at_epoch_us,
            auto: auto_start,
        };
        let built = build_producer(p, i, &at, rows[i].take(), ctx);
        if !names.insert(built.name.clone()) {
            ctx.err(
                format!("{f}.name"),
                format!("`{}` is used by two producers", excerpt(&built.name)),
            );
        }
        if built.source == Source::S3 && text_task {
            ctx.err(
                format!("{f}.source"),
                format!(
                    "an S3 producer cannot feed a `{task_type}` job: S3 input is not available for text task types (R11)"
                ),
            );
        }
        if job.mode == Mode::Batch && !matches!(built.process, ArrivalProcess::Manifest { .. }) {
            ctx.err(
                format!("{f}.kind"),
                "a batch job takes its input from the manifest only (R4); use `kind: manifest` or `job.mode: streaming`",
            );
        } else if job.mode == Mode::Batch && p.to.is_some() {
            ctx.err(
                format!("{f}.to"),
                "a batch job labels its manifest (R4); a manifest sent to a pipeline queue is not its input, so the job would have none: leave out `to:` or use `job.mode: streaming`",
            );
        }
        producers.push(built);
    }
    let pipeline = spec
        .pipeline
        .as_ref()
        .map(|p| build_pipeline(p, start_at_epoch_us, ctx));
    let queue_names: Vec<&str> = spec
        .pipeline
        .iter()
        .flat_map(|p| p.queues.iter().map(|q| q.name.as_str()))
        .collect();
    for (i, (p, built)) in spec.producers.iter().zip(producers.iter_mut()).enumerate() {
        let Some(to) = &p.to else { continue };
        let f = format!("producers[{i}].to");
        match queue_names.iter().position(|q| q == to) {
            None if spec.pipeline.is_none() => ctx.err(
                f,
                format!(
                    "`{}`: there is no `pipeline:` section with queues",
                    excerpt(to)
                ),
            ),
            None => ctx.err(
                f,
                format!(
                    "`{}` is not a pipeline queue; one of: {}",
                    excerpt(to),
                    queue_names.join(", ")
                ),
            ),
            Some(q) => {
                let fifo = pipeline
                    .as_ref()
                    .and_then(|pc| pc.queues.get(q))
                    .is_some_and(|qc| qc.is_fifo());
                if fifo && built.source == Source::S3 {
                    ctx.err(
                        f,
                        format!(
                            "an S3 event notification can only target a standard queue; `{}` is FIFO (P3). The usual workaround relays the events through SNS (or a Lambda function) to the FIFO queue: model that relay as a producer with `source: sns` (the default), which sends each message straight to the queue",
                            excerpt(to)
                        ),
                    );
                }
                built.to = Some(q);
                // SPEC §6: any producer may send to a queue. A manifest's
                // objects are then sent at once at the start, not handed
                // to the job when it starts (R3): a single burst of them.
                if let ArrivalProcess::Manifest { count } = built.process {
                    built.process = ArrivalProcess::Burst {
                        size: count,
                        every: SimDuration::ZERO,
                    };
                }
            }
        }
    }
    let routed = pipeline
        .as_ref()
        .is_some_and(|p| p.consumers.iter().any(|c| c.route.is_some()));
    let to_job = spec.producers.iter().any(|p| p.to.is_none());
    let no_job = pipeline.is_some() && !routed && !to_job && spec.workers.is_empty();
    if spec.workers.is_empty() {
        // Named at the first route, the line that asks for people.
        let first_route = spec
            .pipeline
            .as_ref()
            .and_then(|p| p.consumers.iter().position(|c| c.route.is_some()));
        if let Some(i) = first_route {
            ctx.err(
                format!("pipeline.consumers[{i}].route"),
                "sends objects to the humans (P6): the scenario needs `workers:`",
            );
        }
    }
    if producers.is_empty() && !no_job {
        ctx.warn("producers", "no producers: nothing will be sent to the job");
    }

    if spec.workers.len() > MAX_PRODUCERS {
        ctx.err(
            "workers",
            format!(
                "{} worker groups; at most {MAX_PRODUCERS}",
                spec.workers.len()
            ),
        );
    }
    let mut workers = Vec::new();
    let mut group_names: HashSet<String> = HashSet::new();
    for (i, w) in spec.workers.iter().enumerate() {
        let built = build_workers(w, i, start_at_epoch_us, ctx);
        // Issue 18: names unique, as for producers (an unnamed group is
        // `group<i>`), so `workers[NAME]` in --set or --vary means one group.
        if !group_names.insert(built.name.clone()) {
            ctx.err(
                format!("workers[{i}].name"),
                format!("`{}` is used by two worker groups", excerpt(&built.name)),
            );
        }
        workers.push(built);
    }
    let total_workers: u64 = workers
        .iter()
        .map(|w: &WorkerGroupConfig| w.count as u64)
        .sum();
    if total_workers > u32::MAX as u64 {
        ctx.err(
            "workers",
            format!("{total_workers} workers in all; at most 4294967295"),
        );
    }
    if total_workers == 0 && (no_job || routed) {
        // SPEC §6: a pipeline without a job (or `workers` reported above).
    } else if total_workers == 0 {
        ctx.warn("workers", "no workers: nothing will be labeled");
    } else if (job.workers_per_object as u64) > total_workers {
        ctx.warn(
            "job.workers_per_object",
            format!(
                "N = {} exceeds the {total_workers} workers: an object's N tasks go to N distinct workers (R2), so at most {total_workers} of them can ever be taken; the rest wait until the task lifetime (R7) or the stop",
                job.workers_per_object
            ),
        );
    }

    let throttle = build_throttle(spec, ctx);
    if let Some(m) = &spec.metrics {
        ctx.opt_duration("metrics.period", &m.period);
        if let Some(d) = ctx.opt_duration("metrics.delay", &m.delay) {
            if d > SimDuration::from_mins(15) {
                ctx.warn(
                    "metrics.delay",
                    "CloudWatch delivers queue metrics within 15 minutes at worst (R12)",
                );
            }
        }
    }
    let sample_every = match spec
        .output
        .as_ref()
        .and_then(|o| o.timeseries_every.as_ref())
    {
        Some(t) => match parse_duration(&t.0) {
            Ok(d) if d >= SimDuration::from_secs(1) => d,
            Ok(_) => {
                ctx.err("output.timeseries_every", "must be at least 1s");
                default_sample_every(horizon)
            }
            Err(e) => {
                ctx.err("output.timeseries_every", e);
                default_sample_every(horizon)
            }
        },
        None => default_sample_every(horizon),
    };
    if horizon.as_micros() / sample_every.as_micros().max(1) > 2_000_000 {
        ctx.err(
            "output.timeseries_every",
            "would write over 2 million samples per replication; choose a longer period",
        );
    }

    let output = spec.output.as_ref();
    let warmup = match output.and_then(|o| o.warmup.as_ref()) {
        None => Warmup::None,
        Some(t) if t.0.trim() == "auto" => Warmup::Auto,
        Some(t) => match parse_duration(&t.0) {
            Ok(d) if d.is_zero() => Warmup::None,
            Ok(d) => {
                if SimTime::after(d) >= horizon {
                    ctx.warn(
                        "output.warmup",
                        format!(
                            "{} is not before the horizon ({}): every latency statistic will be empty",
                            d.human(),
                            horizon.elapsed().human()
                        ),
                    );
                }
                Warmup::Fixed(d)
            }
            Err(e) => {
                ctx.err("output.warmup", format!("{e}, or `auto`"));
                Warmup::None
            }
        },
    };
    let mut sla = Vec::new();
    let sla_list = output.and_then(|o| o.sla.as_deref()).unwrap_or_default();
    if sla_list.len() > MAX_SERVICE_LEVELS {
        ctx.err(
            "output.sla",
            format!(
                "{} service levels; at most {MAX_SERVICE_LEVELS}",
                sla_list.len()
            ),
        );
    }
    for (i, t) in sla_list.iter().take(MAX_SERVICE_LEVELS).enumerate() {
        let f = format!("output.sla[{i}]");
        match parse_duration(&t.0) {
            Ok(d) if d.is_zero() => ctx.err(f, "must be positive"),
            Ok(d) => {
                let name = crate::model::metrics::intern(format!(
                    "labeled_within_{}",
                    t.0.trim().replace(' ', "")
                ));
                if sla.iter().any(|s: &Sla| s.name == name) {
                    ctx.err(f, format!("`{}` is listed twice", excerpt(t.0.trim())));
                } else {
                    sla.push(Sla { name, within: d });
                }
            }
            Err(e) => ctx.err(f, e),
        }
    }

    let by_interval = match output {
        Some(OutputSpec {
            by_interval: Some(b),
            cycle,
            ..
        }) => build_by_interval(b, cycle.as_ref(), &producers, &workers, ctx),
        Some(OutputSpec {
            by_interval: None,
            cycle: Some(_),
            ..
        }) => {
            ctx.err(
                "output.cycle",
                "is the cycle of `output.by_interval`, which is not set: add e.g. `by_interval: 1h`",
            );
            None
        }
        _ => None,
    };
    let sim = SimConfig {
        horizon,
        start_at_epoch_us,
        job,
        producers,
        workers,
        sample_every,
        warmup,
        sla,
        cost: build_cost(spec.cost.as_ref(), ctx),
        throttle,
        by_interval,
        pipeline,
        no_job,
    };
    if let Some(by) = &sim.by_interval {
        // SPEC §4b: every interval needs an occurrence after the warm-up.
        let warm = match sim.warmup {
            Warmup::Fixed(d) => d.as_micros(),
            _ => 0,
        };
        let span = sim.horizon.as_micros().saturating_sub(warm) as f64 / US_PER_S as f64;
        if span < by.cycle.length_s {
            ctx.warn(
                "output.by_interval",
                format!(
                    "the run after the warm-up ({}) is shorter than the cycle ({}): some intervals are never observed and stay empty",
                    SimDuration::from_secs_f64(span).human(),
                    SimDuration::from_secs_f64(by.cycle.length_s).human()
                ),
            );
        }
    }
    warn_fifo_groups(&sim, ctx);
    Built {
        seed: spec.seed.unwrap_or(super::DEFAULT_SEED),
        replications,
        sim,
    }
}

/// P4: a FIFO group has one batch in flight at a time, so a queue's groups
/// bound what its consumers can take, however many pollers they run. A
/// batch stays in flight from its receive until its last delete is sent
/// (a request acts on the queue when sent): one request latency, then
/// `batch` × the mean processing time, and with per-message deletes a
/// latency for each delete but the last. So `groups` groups take at most
/// groups × batch / that time [messages/s] (the best consumer of the
/// queue, full batches, no failures). Warns when the stationary arrival
/// rate into the queue is above it: the queue then grows without bound.
/// The queue's random groups are checked against the producers without
/// `group_by`; each `group_by: producer` producer, a group of its own,
/// against its own rate.
fn warn_fifo_groups(sim: &SimConfig, ctx: &mut Ctx<'_>) {
    let Some(pipeline) = &sim.pipeline else {
        return;
    };
    for (qi, q) in pipeline.queues.iter().enumerate() {
        let QueueKind::Fifo(fifo) = &q.kind else {
            continue;
        };
        // (messages/µs one group can take, the batch, its time in flight [µs])
        let best = pipeline
            .consumers
            .iter()
            .filter(|c| c.queue == qi)
            .filter_map(|c| {
                let b = c.batch as f64;
                let latency = c.request_latency.as_micros() as f64;
                let deletes = match c.delete {
                    DeleteMode::PerMessage => (b - 1.0) * latency,
                    DeleteMode::Batch => 0.0,
                };
                let busy = latency + b * c.processing_time.mean_us() + deletes;
                (busy.is_finite() && busy > 0.0).then_some((b / busy, c.batch, busy))
            })
            .max_by(|x, y| x.0.total_cmp(&y.0));
        let Some((per_group, batch, busy)) = best else {
            continue;
        };
        let per_s = |per_us: f64| crate::human::number(per_us * 1e6);
        let why = format!(
            "one batch of {batch} in flight per group, {} from its receive to its last delete",
            crate::human::duration(busy / 1e6)
        );
        // A relative slack, so that a rate exactly at the bound (or the
        // groups it needs) does not depend on rounding.
        let above = |rate: f64, bound: f64| rate > bound * (1.0 + 1e-9);
        let mut random = 0.0;
        for (pi, p) in sim.producers.iter().enumerate() {
            if p.to != Some(qi) {
                continue;
            }
            let Some(rate) = crate::model::load::stationary_rate_per_us(p, sim) else {
                continue;
            };
            if p.group.is_none() {
                random += rate;
            } else if above(rate, per_group) {
                ctx.warn(
                    format!("producers[{pi}].group_by"),
                    format!(
                        "all of this producer's messages are in one FIFO group of `{}`, which takes at most {}/s ({why}), below the {}/s it sends: the queue will grow without bound (P4); leave out `group_by` to spread them over the queue's `groups`",
                        excerpt(&q.name),
                        per_s(per_group),
                        per_s(rate)
                    ),
                );
            }
        }
        // Issue 18: sends at or above the queue's request limit are
        // throttled and retried every backoff, so the pending sends (and
        // the run's events) grow without bound.
        if fifo.throughput_scope == ThroughputScope::PerQueue {
            let sent: f64 = sim
                .producers
                .iter()
                .filter(|p| p.to == Some(qi))
                .filter_map(|p| crate::model::load::stationary_rate_per_us(p, sim))
                .sum::<f64>()
                * 1e6;
            let limit = f64::from(fifo.throughput_per_s);
            if sent >= limit * (1.0 - 1e-9) {
                ctx.warn(
                    format!("pipeline.queues[{qi}].throughput"),
                    format!(
                        "{}/s are sent to FIFO queue `{}`, at or above its limit of {}/s per API action: sends are throttled and retried every `throttle_backoff`, the pending sends grow without bound and the run slows down (P4); raise `throughput`, set `high_throughput: true`, or send less",
                        crate::human::number(sent),
                        excerpt(&q.name),
                        fifo.throughput_per_s
                    ),
                );
            }
        }
        let groups = fifo.groups as f64;
        if above(random, groups * per_group) {
            let needed = (random / per_group * (1.0 - 1e-9)).ceil();
            ctx.warn(
                format!("pipeline.queues[{qi}].groups"),
                format!(
                    "{} group{} of FIFO queue `{}` take{} at most {}/s ({why}), below the {}/s sent to it: the queue will grow without bound (P4); `groups: {}` or more keeps up",
                    fifo.groups,
                    if fifo.groups == 1 { "" } else { "s" },
                    excerpt(&q.name),
                    if fifo.groups == 1 { "s" } else { "" },
                    per_s(groups * per_group),
                    per_s(random),
                    crate::human::number(needed)
                ),
            );
        }
    }
}

/// SPEC §6 `pipeline:` (P1–P8). Ranges are SPEC §6's; errors name the
/// field, as everywhere.
fn build_pipeline(p: &PipelineSpec, start_at_epoch_us: i64, ctx: &mut Ctx<'_>) -> PipelineConfig {
    let mut cfg = PipelineConfig::default();
    let mut stages: HashSet<&str> = HashSet::new();
    let stage = |ctx: &mut Ctx<'_>, f: String, v: &str| {
        if v.trim().is_empty() {
            ctx.err(f, "must not be empty");
        } else if v == "index" {
            ctx.err(
                f,
                "`index` is reserved for the index's metrics; choose another name",
            );
        } else if v.contains(['.', '[', ']']) {
            ctx.err(
                f,
                format!(
                    "`{}`: a stage name is a metric prefix; no `.`, `[` or `]`",
                    excerpt(v)
                ),
            );
        }
    };
    let within = |ctx: &mut Ctx<'_>, f: &str, d: SimDuration, lo: SimDuration, hi: SimDuration| {
        if d < lo || d > hi {
            ctx.err(
                f,
                format!(
                    "{} is out of range; it must be in {}..{} (P1)",
                    d.human(),
                    lo.human(),
                    hi.human()
                ),
            );
        }
    };
    if p.queues.is_empty() {
        ctx.err("pipeline.queues", "a pipeline needs at least one queue");
    }
    for (i, q) in p.queues.iter().enumerate() {
        let f = format!("pipeline.queues[{i}]");
        stage(ctx, format!("{f}.name"), &q.name);
        if !stages.insert(q.name.as_str()) {
            ctx.err(
                format!("{f}.name"),
                format!(
                    "`{}` is used twice; stage names are unique across queues and consumers",
                    excerpt(&q.name)
                ),
            );
        }
        let fifo = ctx.choice(
            &format!("{f}.type"),
            &q.kind,
            false,
            &[("standard", false), ("fifo", true)],
        );
        let mut qc = if fifo {
            QueueConfig::fifo(&q.name)
        } else {
            QueueConfig::standard(&q.name)
        };
        let rf = format!("{f}.retention");
        qc.retention = ctx.duration(&rf, &q.retention, qc.retention);
        within(
            ctx,
            &rf,
            qc.retention,
            SimDuration::from_secs(60),
            SimDuration::from_days(14),
        );
        let vf = format!("{f}.visibility_timeout");
        qc.visibility_timeout = ctx.duration(&vf, &q.visibility_timeout, qc.visibility_timeout);
        within(
            ctx,
            &vf,
            qc.visibility_timeout,
            SimDuration::ZERO,
            SimDuration::from_hours(12),
        );
        let df = format!("{f}.delay");
        qc.delay = ctx.duration(&df, &q.delay, qc.delay);
        within(
            ctx,
            &df,
            qc.delay,
            SimDuration::ZERO,
            SimDuration::from_mins(15),
        );
        if let Some(d) = &q.dead_letter {
            let m = d.max_receive_count;
            if !(1..=1000).contains(&m) {
                ctx.err(
                    format!("{f}.dead_letter.max_receive_count"),
                    format!("{m} is out of range; it must be in 1..1000 (P1)"),
                );
            } else {
                qc.dead_letter = Some(DeadLetter {
                    max_receive_count: m as u32,
                });
            }
        }
        if fifo {
            reject_keys(
                ctx,
                &f,
                "does not apply to a FIFO queue (P3 keys; see P4)",
                &[
                    ("duplicate_probability", q.duplicate_probability.is_some()),
                    ("reorder_window", q.reorder_window.is_some()),
                ],
            );
            let mut fq = FifoQueue::default();
            if let Some(g) = q.groups {
                if !(1..=1_000_000).contains(&g) {
                    ctx.err(
                        format!("{f}.groups"),
                        format!("{g} must be in 1..1000000 (P4)"),
                    );
                } else {
                    fq.groups = g as u32;
                }
            }
            if q.high_throughput == Some(true) {
                fq.throughput_scope = ThroughputScope::PerGroup;
            }
            if let Some(t) = &q.throughput {
                // Issue 18: `0/s` is refused too, not the 300/s default.
                match parse_rate(&t.0).map(|r| r * 1e6) {
                    Ok(per_s) if (1.0..=1e6).contains(&per_s) => {
                        fq.throughput_per_s = per_s.round() as u32;
                    }
                    Ok(_) => ctx.err(
                        format!("{f}.throughput"),
                        format!("`{}` must be at least 1/s (P4)", excerpt(&t.0)),
                    ),
                    Err(e) => ctx.err(format!("{f}.throughput"), e),
                }
            }
            fq.throttle_backoff = ctx.duration(
                &format!("{f}.throttle_backoff"),
                &q.throttle_backoff,
                fq.throttle_backoff,
            );
            // Issue 18: a throttled message retried at the same instant
            // would be throttled again, forever.
            if q.throttle_backoff.is_some() && fq.throttle_backoff.as_micros() == 0 {
                ctx.err(
                    format!("{f}.throttle_backoff"),
                    "must be positive (at least 1us): a throttled message retried at the same instant is throttled again, forever (P4)",
                );
                fq.throttle_backoff = FifoQueue::default().throttle_backoff;
            }
            fq.deduplication = ctx.choice(
                &format!("{f}.deduplication"),
                &q.deduplication,
                FifoDedup::MessageId,
                &[
                    ("message_id", FifoDedup::MessageId),
                    ("content", FifoDedup::Content),
                ],
            );
            qc.kind = QueueKind::Fifo(fq);
        } else {
            reject_keys(
                ctx,
                &f,
                "applies to a FIFO queue only (`type: fifo`, P4)",
                &[
                    ("groups", q.groups.is_some()),
                    ("high_throughput", q.high_throughput.is_some()),
                    ("throughput", q.throughput.is_some()),
                    ("throttle_backoff", q.throttle_backoff.is_some()),
                    ("deduplication", q.deduplication.is_some()),
                ],
            );
            let mut sq = StandardQueue {
                duplicate_probability: ctx.probability(
                    &format!("{f}.duplicate_probability"),
                    q.duplicate_probability,
                ),
                ..StandardQueue::default()
            };
            if let Some(w) = q.reorder_window {
                if !(1..=1_000_000).contains(&w) {
                    ctx.err(
                        format!("{f}.reorder_window"),
                        format!("{w} must be in 1..1000000 (P3)"),
                    );
                } else {
                    sq.reorder_window = w as u32;
                }
            }
            qc.kind = QueueKind::Standard(sq);
        }
        cfg.queues.push(qc);
    }
    for (i, c) in p.consumers.iter().enumerate() {
        let f = format!("pipeline.consumers[{i}]");
        stage(ctx, format!("{f}.name"), &c.name);
        if !stages.insert(c.name.as_str()) {
            ctx.err(
                format!("{f}.name"),
                format!(
                    "`{}` is used twice; stage names are unique across queues and consumers",
                    excerpt(&c.name)
                ),
            );
        }
        let queue = match p.queues.iter().position(|q| q.name == c.queue) {
            Some(q) => q,
            None => {
                let names: Vec<&str> = p.queues.iter().map(|q| q.name.as_str()).collect();
                ctx.err(
                    format!("{f}.queue"),
                    format!(
                        "`{}` is not a pipeline queue; one of: {}",
                        excerpt(&c.queue),
                        names.join(", ")
                    ),
                );
                0
            }
        };
        let processing = build_dist(&c.processing_time, &format!("{f}.processing_time"), ctx);
        let mut cc = ConsumerConfig::new(&c.name, queue, processing);
        match &c.count {
            None => {}
            Some(CountSpec::Whole(n)) => {
                let n = *n;
                if !(0..=100_000).contains(&n) {
                    ctx.err(
                        format!("{f}.count"),
                        format!("{n} must be in 0..100000 (P5)"),
                    );
                } else {
                    cc.count = n as u32;
                }
            }
            Some(CountSpec::Scheduled(spec)) => {
                build_consumer_schedule(spec, &f, start_at_epoch_us, &mut cc, ctx)
            }
        }
        if let Some(b) = c.batch {
            if !(1..=10_000).contains(&b) {
                ctx.err(
                    format!("{f}.batch"),
                    format!(
                        "{b} must be in 1..10 (P2), or up to 10000 for a Lambda consumer \
                         with a batch_window on a standard queue (A1)"
                    ),
                );
            } else {
                cc.batch = b as u32;
            }
        }
        let wf = format!("{f}.wait");
        let wait = ctx.duration(&wf, &c.wait, SimDuration::from_secs(20));
        if wait > SimDuration::from_secs(20)
            || (!wait.is_zero() && wait < SimDuration::from_secs(1))
        {
            ctx.err(
                wf.clone(),
                format!(
                    "{} is out of range: `0s` is short polling, long polling waits 1s..20s (P2)",
                    wait.human()
                ),
            );
        }
        let pf = format!("{f}.poll_interval");
        let poll_interval = ctx.duration(&pf, &c.poll_interval, SimDuration::from_secs(1));
        cc.polling = if wait.is_zero() {
            Polling::Short { poll_interval }
        } else {
            if c.poll_interval.is_some() {
                ctx.err(pf.clone(), "applies to short polling only (`wait: 0s`, P2)");
            }
            Polling::Long { wait }
        };
        cc.request_latency = ctx.duration(
            &format!("{f}.request_latency"),
            &c.request_latency,
            cc.request_latency,
        );
        if let Polling::Short { poll_interval } = cc.polling {
            if (poll_interval + cc.request_latency).is_zero() {
                ctx.err(
                    pf,
                    "short polling with 0 ms requests needs a poll_interval > 0 (P2)",
                );
            }
        }
        cc.failure_probability =
            ctx.probability(&format!("{f}.failure_probability"), c.failure_probability);
        cc.poison_probability =
            ctx.probability(&format!("{f}.poison_probability"), c.poison_probability);
        cc.delete = ctx.choice(
            &format!("{f}.delete"),
            &c.delete,
            DeleteMode::PerMessage,
            &[
                ("message", DeleteMode::PerMessage),
                ("batch", DeleteMode::Batch),
            ],
        );
        if c.extend_visibility == Some(true) {
            cc.visibility = Visibility::Extend;
        }
        if let Some(k) = &c.confidence {
            cc.confidence = build_confidence(k, &format!("{f}.confidence"), ctx);
        }
        if let Some(r) = &c.route {
            let rf = format!("{f}.route");
            let threshold = r.threshold;
            if !(0.0..=1.0).contains(&threshold) {
                ctx.err(
                    format!("{rf}.threshold"),
                    format!("{threshold} must be in [0, 1] (P6)"),
                );
            }
            let sample = ctx.probability(&format!("{rf}.sample"), r.sample);
            cc.route = Some(Route {
                threshold: threshold.clamp(0.0, 1.0),
                sample,
            });
        }
        let fifo = p.queues.get(queue).and_then(|q| q.kind.as_deref()) == Some("fifo");
        if let Some(s) = &c.scaling {
            build_scaling(s, c, fifo, &f, &mut cc, ctx);
        }
        check_lambda_batch(&cc, fifo, &f, ctx);
        if let Some(q) = cfg.queues.get(queue) {
            check_zero_time_loop(&cc, q, &f, ctx);
        }
        cfg.consumers.push(cc);
    }
    if let Some(x) = &p.index {
        let f = "pipeline.index";
        if let Some(b) = x.bulk_size {
            if !(1..=100_000).contains(&b) {
                ctx.err(
                    format!("{f}.bulk_size"),
                    format!("{b} must be in 1..100000 (P8)"),
                );
            } else {
                cfg.index.bulk_size = b as u32;
            }
        }
        if let Some(c) = x.concurrency {
            if !(1..=1000).contains(&c) {
                ctx.err(
                    format!("{f}.concurrency"),
                    format!("{c} must be in 1..1000 (P8)"),
                );
            } else {
                cfg.index.concurrency = c as u32;
            }
        }
        cfg.index.flush_interval = ctx.duration(
            &format!("{f}.flush_interval"),
            &x.flush_interval,
            cfg.index.flush_interval,
        );
        cfg.index.refresh_interval = ctx.duration(
            &format!("{f}.refresh_interval"),
            &x.refresh_interval,
            cfg.index.refresh_interval,
        );
        if let Some(d) = &x.bulk_latency {
            cfg.index.bulk_latency = build_dist(d, &format!("{f}.bulk_latency"), ctx);
        }
    }
    cfg
}

/// P6: a confidence distribution on [0, 1].
fn build_confidence(k: &ConfidenceSpec, f: &str, ctx: &mut Ctx<'_>) -> ConfidenceDist {
    let unit = |ctx: &mut Ctx<'_>, key: &str, v: Option<f64>| -> f64 {
        match v {
            None => {
                ctx.err(
                    format!("{f}.{key}"),
                    format!("is required for `dist: {}`", k.dist),
                );
                0.5
            }
            Some(x) if (0.0..=1.0).contains(&x) => x,
            Some(x) => {
                ctx.err(format!("{f}.{key}"), format!("{x} must be in [0, 1] (P6)"));
                0.5
            }
        }
    };
    let given = |name: &str| match name {
        "a" => k.a.is_some(),
        "b" => k.b.is_some(),
        "min" => k.min.is_some(),
        "max" => k.max.is_some(),
        "value" => k.value.is_some(),
        "csv" => k.csv.is_some(),
        "column" => k.column.is_some(),
        _ => k.values.is_some(),
    };
    let allowed: &[&str] = match k.dist.as_str() {
        "beta" => &["a", "b"],
        "uniform" => &["min", "max"],
        "constant" => &["value"],
        "empirical" => &["values", "csv", "column"],
        other => {
            ctx.err(
                format!("{f}.dist"),
                format!("`{}` is not a confidence distribution; one of: beta, uniform, constant, empirical", excerpt(other)),
            );
            return ConfidenceDist::Constant(1.0);
        }
    };
    for key in ["a", "b", "min", "max", "value", "values", "csv", "column"] {
        if given(key) && !allowed.contains(&key) {
            ctx.err(
                format!("{f}.{key}"),
                format!("does not apply to `dist: {}`", k.dist),
            );
        }
    }
    match k.dist.as_str() {
        "beta" => {
            let pos = |ctx: &mut Ctx<'_>, key: &str, v: Option<f64>| match v {
                Some(x) if x > 0.0 && x.is_finite() => x,
                Some(x) => {
                    ctx.err(format!("{f}.{key}"), format!("{x} must be positive"));
                    1.0
                }
                None => {
                    ctx.err(format!("{f}.{key}"), "is required for `dist: beta`");
                    1.0
                }
            };
            let (a, b) = (pos(ctx, "a", k.a), pos(ctx, "b", k.b));
            ConfidenceDist::beta(a, b).unwrap_or(ConfidenceDist::Constant(1.0))
        }
        "uniform" => {
            // On [0, 1] unless narrowed.
            let (lo, hi) = (
                unit(ctx, "min", k.min.or(Some(0.0))),
                unit(ctx, "max", k.max.or(Some(1.0))),
            );
            if lo > hi {
                ctx.err(format!("{f}.max"), "must be at least `min`");
                return ConfidenceDist::Constant(1.0);
            }
            ConfidenceDist::uniform(lo, hi).unwrap_or(ConfidenceDist::Constant(1.0))
        }
        "constant" => ConfidenceDist::Constant(unit(ctx, "value", k.value)),
        _ => {
            let v = match (&k.values, &k.csv) {
                (Some(_), Some(_)) => {
                    ctx.err(
                        format!("{f}.csv"),
                        "is given with `values`: the confidences come from one or the other",
                    );
                    return ConfidenceDist::Constant(1.0);
                }
                (None, Some(csv)) => {
                    let column = k.column.as_deref().unwrap_or("confidence");
                    let read = read_csv_column(ctx.base_dir, csv, column, |cell| {
                        match cell.trim().parse::<f64>() {
                            Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
                            Ok(x) => Err(format!("{x} must be in [0, 1] (P6)")),
                            Err(_) => Err(format!("`{}` is not a number", excerpt(cell))),
                        }
                    });
                    match read {
                        Ok(v) => v,
                        Err(e) => {
                            ctx.err(format!("{f}.csv"), e);
                            return ConfidenceDist::Constant(1.0);
                        }
                    }
                }
                (v, None) => {
                    if k.column.is_some() {
                        ctx.err(
                            format!("{f}.column"),
                            "applies to `csv`, which is not given",
                        );
                    }
                    v.clone().unwrap_or_default()
                }
            };
            if v.is_empty() {
                ctx.err(
                    format!("{f}.values"),
                    "is required for `dist: empirical`: a non-empty list of confidences (or `csv` and `column`)",
                );
                return ConfidenceDist::Constant(1.0);
            }
            if let Some(x) = v.iter().find(|x| !(0.0..=1.0).contains(*x)) {
                let from = if k.csv.is_some() { "csv" } else { "values" };
                ctx.err(format!("{f}.{from}"), format!("{x} must be in [0, 1] (P6)"));
                return ConfidenceDist::Constant(1.0);
            }
            ConfidenceDist::Empirical(v)
        }
    }
}

/// R12: `throttle: {policy: NAME, ...params, keepalive: {every: 9d}}` and
/// `metrics: {period, delay}`.
fn build_throttle(spec: &ScenarioSpec, ctx: &mut Ctx<'_>) -> ThrottleConfig {
    use crate::model::throttle::Policy;
    let mut cfg = ThrottleConfig::default();
    if let Some(m) = &spec.metrics {
        if let Some(d) = ctx.opt_duration("metrics.period", &m.period) {
            if d.is_zero() {
                ctx.err("metrics.period", "must be positive");
            } else {
                cfg.metrics_period = d;
            }
        }
        if let Some(d) = ctx.opt_duration("metrics.delay", &m.delay) {
            cfg.metrics_delay = d;
        }
        if let Some(d) = ctx.opt_duration("metrics.wake_delay", &m.wake_delay) {
            cfg.wake_delay = d;
        }
        if let Some(d) = ctx.opt_duration("metrics.inactivity", &m.inactivity) {
            cfg.inactivity = d;
        }
    }
    let Some(t) = &spec.throttle else { return cfg };
    let mut params: Vec<(String, Value)> = t
        .params
        .iter()
        .map(|(k, v)| (k.as_str().unwrap_or("").to_string(), v.clone()))
        .collect();
    let mut take = |name: &str| -> Option<Value> {
        let i = params.iter().position(|(k, _)| k == name)?;
        Some(params.remove(i).1)
    };
    let text = |v: &Value| crate::scenario::paths::value_text(v);
    // Typed parameter readers; a missing required one is an error.
    let rate = |ctx: &mut Ctx<'_>,
                take: &mut dyn FnMut(&str) -> Option<Value>,
                name: &str,
                default: Option<f64>|
     -> f64 {
        match take(name) {
            Some(v) => parse_rate(&text(&v)).unwrap_or_else(|e| {
                ctx.err(format!("throttle.{name}"), e);
                0.0
            }),
            None => default.unwrap_or_else(|| {
                ctx.err(
                    format!("throttle.{name}"),
                    format!(
                        "is required for policy `{}` (a rate such as `120/h`)",
                        t.policy
                    ),
                );
                0.0
            }),
        }
    };
    let number = |ctx: &mut Ctx<'_>,
                  take: &mut dyn FnMut(&str) -> Option<Value>,
                  name: &str,
                  default: Option<f64>|
     -> f64 {
        match take(name) {
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 => x,
                Some(x) if !x.is_finite() => {
                    ctx.err(format!("throttle.{name}"), not_finite(x));
                    0.0
                }
                _ => {
                    ctx.err(
                        format!("throttle.{name}"),
                        format!("`{}` must be a non-negative number", excerpt(&text(&v))),
                    );
                    0.0
                }
            },
            None => default.unwrap_or_else(|| {
                ctx.err(
                    format!("throttle.{name}"),
                    format!("is required for policy `{}`", t.policy),
                );
                0.0
            }),
        }
    };
    // A count of messages: a whole number, exactly as written.
    let whole = |ctx: &mut Ctx<'_>,
                 take: &mut dyn FnMut(&str) -> Option<Value>,
                 name: &str,
                 default: Option<u64>|
     -> u64 {
        let field = format!("throttle.{name}");
        match take(name) {
            Some(v) => match whole_number(&v) {
                Ok(n) => n,
                Err(e) => {
                    ctx.err(field, e);
                    0
                }
            },
            None => default.unwrap_or_else(|| {
                ctx.err(field, format!("is required for policy `{}`", t.policy));
                0
            }),
        }
    };
    let duration = |ctx: &mut Ctx<'_>,
                    take: &mut dyn FnMut(&str) -> Option<Value>,
                    name: &str,
                    default: Option<SimDuration>|
     -> SimDuration {
        match take(name) {
            Some(v) => parse_duration(&text(&v)).unwrap_or_else(|e| {
                ctx.err(format!("throttle.{name}"), e);
                SimDuration::from_mins(5)
            }),
            None => default.unwrap_or_else(|| {
                ctx.err(
                    format!("throttle.{name}"),
                    format!(
                        "is required for policy `{}` (a duration such as `1h`)",
                        t.policy
                    ),
                );
                SimDuration::from_mins(5)
            }),
        }
    };
    let us_per_h = US_PER_H as f64;
    cfg.policy = match t.policy.as_str() {
        "none" => Policy::None,
        "fixed_rate" => Policy::FixedRate {
            rate: rate(ctx, &mut take, "rate", None),
        },
        "token_bucket" => {
            Policy::TokenBucket {
                rate: rate(ctx, &mut take, "rate", None),
                burst: {
                    let burst = number(ctx, &mut take, "burst", Some(10.0));
                    if burst < 1.0 {
                        ctx.err(
                        "throttle.burst",
                        format!("{burst} must be at least 1 (the bucket holds at least one message)"),
                    );
                    }
                    burst.max(1.0)
                },
            }
        }
        "backlog_threshold" => {
            let high = whole(ctx, &mut take, "high", None);
            let low = whole(ctx, &mut take, "low", None);
            if low > high {
                ctx.err(
                    "throttle.low",
                    format!("{low} must not exceed high ({high})"),
                );
            }
            Policy::BacklogThreshold { high, low }
        }
        "aimd" => {
            let increase = rate(ctx, &mut take, "increase", None);
            let decrease_factor = number(ctx, &mut take, "decrease_factor", Some(0.5));
            if !(0.0..1.0).contains(&decrease_factor) {
                ctx.err(
                    "throttle.decrease_factor",
                    format!("{decrease_factor} must be in [0, 1)"),
                );
            }
            Policy::Aimd {
                increase,
                decrease_factor,
                target_backlog: whole(ctx, &mut take, "target_backlog", None),
                interval: duration(ctx, &mut take, "interval", Some(SimDuration::from_mins(5))),
                initial_rate: rate(ctx, &mut take, "initial_rate", Some(increase * 10.0)),
            }
        }
        "pi" => {
            let base_rate = rate(ctx, &mut take, "base_rate", None);
            Policy::Pi {
                target_backlog: number(ctx, &mut take, "target_backlog", None),
                // Gains are given in (messages/h) per object of error.
                kp: number(ctx, &mut take, "kp", Some(1.0)) / us_per_h,
                ki: number(ctx, &mut take, "ki", Some(0.1)) / us_per_h,
                interval: duration(ctx, &mut take, "interval", Some(SimDuration::from_mins(5))),
                max_rate: rate(ctx, &mut take, "max_rate", Some(base_rate * 10.0)),
                base_rate,
            }
        }
        "expiry_alarm" => Policy::ExpiryAlarm {
            pause: duration(ctx, &mut take, "pause", None),
        },
        other => {
            ctx.err(
                "throttle.policy",
                format!("`{}` is not a policy; one of: none, fixed_rate, token_bucket, backlog_threshold, aimd, pi, expiry_alarm", excerpt(other)),
            );
            Policy::None
        }
    };
    if let Some(k) = take("keepalive") {
        match k.get("every").map(text) {
            Some(e) => match parse_duration(&e) {
                Ok(d) if !d.is_zero() => cfg.keepalive = Some(d),
                Ok(_) => ctx.err("throttle.keepalive.every", "must be positive"),
                Err(e) => ctx.err("throttle.keepalive.every", e),
            },
            None => ctx.err("throttle.keepalive", "write `keepalive: {every: 9d}`"),
        }
    }
    for (k, _) in params {
        ctx.err(
            format!("throttle.{}", excerpt(&k)),
            format!("is not a parameter of policy `{}`", excerpt(&t.policy)),
        );
    }
    cfg
}

/// A YAML number that is a whole, non-negative count (`2000`, or `2000.0`
/// written as a float), exactly; anything else is refused with a reason.
fn whole_number(v: &Value) -> Result<u64, String> {
    // 2^53: above it, floats no longer hold every whole number.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    if v.as_i64().is_some() {
        return Err(format!(
            "must not be negative, got {}",
            v.as_i64().unwrap_or(0)
        ));
    }
    match v.as_f64() {
        Some(x) if !x.is_finite() => Err(not_finite(x)),
        Some(x) if x < 0.0 => Err(format!("must not be negative, got {x}")),
        Some(x) if x.fract() != 0.0 => Err(format!("must be a whole number, got {x}")),
        Some(x) if x > EXACT => Err(format!(
            "{x} is too large; write it as a whole number up to 18446744073709551615"
        )),
        Some(x) => Ok(x as u64),
        None => Err(format!(
            "must be a whole number, got `{}`",
            excerpt(&crate::scenario::paths::value_text(v))
        )),
    }
}

fn build_cost(c: Option<&CostSpec>, ctx: &mut Ctx<'_>) -> CostConfig {
    let mut cost = CostConfig::service_default();
    let Some(c) = c else { return cost };
    let money = |ctx: &mut Ctx<'_>, f: &str, v: f64| -> f64 {
        if v.is_finite() && v >= 0.0 {
            v
        } else if !v.is_finite() {
            ctx.err(f, not_finite(v));
            0.0
        } else {
            ctx.err(f, format!("{v} must be a non-negative amount [USD]"));
            0.0
        }
    };
    match &c.per_object {
        None => {}
        Some(PerObjectSpec::Flat(p)) => {
            cost.per_object = vec![PriceTier {
                up_to: None,
                price: money(ctx, "cost.per_object", *p),
            }]
        }
        Some(PerObjectSpec::Tiers(tiers)) => {
            let mut out = Vec::new();
            let mut last = 0i64;
            for (i, t) in tiers.iter().enumerate() {
                let f = format!("cost.per_object[{i}]");
                let price = money(ctx, &format!("{f}.price"), t.price);
                match t.up_to {
                    Some(u) if u < 1 => {
                        ctx.err(format!("{f}.up_to"), format!("{u} must be at least 1"));
                    }
                    Some(u) if u <= last => {
                        ctx.err(format!("{f}.up_to"), "tiers must have increasing `up_to`");
                    }
                    None if i + 1 != tiers.len() => {
                        ctx.err(format!("{f}.up_to"), "only the last tier may omit `up_to`");
                    }
                    _ => {}
                }
                last = t.up_to.unwrap_or(i64::MAX);
                out.push(PriceTier {
                    // A negative `up_to` was reported above.
                    up_to: t.up_to.map(|u| u64::try_from(u).unwrap_or(0)),
                    price,
                });
            }
            if out.is_empty() {
                ctx.err("cost.per_object", "give a price or at least one tier");
            }
            cost.per_object = out;
        }
    }
    if let Some(p) = c.per_task {
        cost.per_task = money(ctx, "cost.per_task", p);
    }
    if let Some(w) = c.wage_per_worker_hour {
        cost.wage_per_worker_hour = money(ctx, "cost.wage_per_worker_hour", w);
    }
    if let Some(p) = c.sqs_per_million_requests {
        cost.sqs_per_million_requests = Some(money(ctx, "cost.sqs_per_million_requests", p));
    }
    if let Some(p) = c.consumer_per_hour {
        cost.consumer_per_hour = money(ctx, "cost.consumer_per_hour", p);
    }
    if let Some(p) = c.lambda_per_gb_second {
        cost.lambda_per_gb_second = money(ctx, "cost.lambda_per_gb_second", p);
    }
    if let Some(p) = c.lambda_per_million_invocations {
        cost.lambda_per_million_invocations = money(ctx, "cost.lambda_per_million_invocations", p);
    }
    cost
}

/// A3 (issue 21): a consumer's `count` as an S1 step schedule, its times
/// in UTC (consumers have no zone); `count` becomes its largest step.
fn build_consumer_schedule(
    spec: &ScheduledCountSpec,
    f: &str,
    start_at_epoch_us: i64,
    cc: &mut ConsumerConfig,
    ctx: &mut Ctx<'_>,
) {
    let utc = ShiftZone::Fixed { offset_us: 0 };
    let field = format!("{f}.count");
    if let Some(s) = build_step_schedule(spec, &field, utc, start_at_epoch_us, 100_000, ctx) {
        cc.count = s.max_count();
        cc.schedule = Some(s);
    }
}

/// A consumer whose work takes no time on a queue that gives every message
/// back at once would receive and process the same messages forever
/// without simulated time moving: refused, like a throttled send retried
/// at the same instant. The work takes no time when requests are 0 ms and
/// every processing time rounds to 0 µs; a message always comes back when
/// each delete leaves a copy (P3 `duplicate_probability: 1`), or when a
/// message always fails (a poison one, or any with `failure_probability`
/// 1, P5) and a visibility timeout of 0 with no dead-letter queue makes it
/// visible again at once, forever (P1).
fn check_zero_time_loop(cc: &ConsumerConfig, q: &QueueConfig, f: &str, ctx: &mut Ctx<'_>) {
    if !cc.request_latency.is_zero() || cc.processing_time.mean_us() >= 0.5 {
        return;
    }
    let copies = matches!(&q.kind, QueueKind::Standard(sq) if sq.duplicate_probability >= 1.0);
    // A poison message fails every time (P5), so one is enough.
    let fails = (cc.failure_probability >= 1.0 || cc.poison_probability > 0.0)
        && q.visibility_timeout.is_zero()
        && q.dead_letter.is_none();
    let why = if copies {
        format!(
            "queue `{}` has duplicate_probability 1, so every delete leaves a copy visible at once (P3)",
            q.name
        )
    } else if fails {
        format!(
            "a message that always fails (a poison one, or any with failure_probability 1) is visible again at once on queue `{}` (visibility_timeout 0s, no dead_letter, P1, P5)",
            q.name
        )
    } else {
        return;
    };
    ctx.err(
        format!("{f}.processing_time"),
        format!(
            "takes no time with 0 ms requests, and {why}: the same messages would be received and processed forever without simulated time moving; give the processing or the requests some time"
        ),
    );
}

/// A1/A2 (issue 21): a consumer's `scaling:`, every range checked with its
/// field named.
/// A1: a batch over 10 messages is a Lambda event source mapping's,
/// gathered within a batching window, on a standard queue.
fn check_lambda_batch(cc: &ConsumerConfig, fifo: bool, f: &str, ctx: &mut Ctx<'_>) {
    let b = cc.batch;
    if b <= 10 {
        return;
    }
    let why = match cc.lambda() {
        _ if fifo => "a FIFO queue's receives take at most 10 messages (P4, A1)",
        None => {
            "only a Lambda event source mapping (`scaling: {kind: lambda}`) with a \
             `batch_window` takes more than 10 (P2, A1)"
        }
        Some(l) if l.batch_window.is_zero() => {
            "a Lambda batch over 10 needs `scaling.batch_window` longer than 0s: the \
             messages are gathered within the window (A1)"
        }
        Some(_) => return,
    };
    ctx.err(format!("{f}.batch"), format!("{b} is over 10: {why}"));
}

fn build_scaling(
    s: &ScalingSpec,
    c: &ConsumerSpec,
    fifo: bool,
    f: &str,
    cc: &mut ConsumerConfig,
    ctx: &mut Ctx<'_>,
) {
    let sf = format!("{f}.scaling");
    if c.count.is_some() {
        ctx.err(
            format!("{f}.count"),
            "an autoscaled consumer has no fixed `count`; its `scaling:` sets the pollers (A1/A2)",
        );
    }
    let int = |ctx: &mut Ctx<'_>, key: &str, v: Option<i64>, default: u32, lo: i64, hi: i64| match v
    {
        None => default,
        Some(n) if (lo..=hi).contains(&n) => n as u32,
        Some(n) => {
            ctx.err(format!("{sf}.{key}"), format!("{n} must be in {lo}..{hi}"));
            default
        }
    };
    let positive = |ctx: &mut Ctx<'_>, key: &str, v: &Option<Text>, default: SimDuration| {
        let d = ctx.duration(&format!("{sf}.{key}"), v, default);
        if d.is_zero() {
            ctx.err(format!("{sf}.{key}"), "must be longer than 0s");
            return default;
        }
        d
    };
    let lambda_keys: [(&str, bool); 7] = [
        ("initial", s.initial.is_some()),
        ("ramp", s.ramp.is_some()),
        ("interval", s.interval.is_some()),
        ("max_concurrency", s.max_concurrency.is_some()),
        ("batch_window", s.batch_window.is_some()),
        ("partial_batch_response", s.partial_batch_response.is_some()),
        ("memory_gb", s.memory_gb.is_some()),
    ];
    let tracking_keys: [(&str, bool); 6] = [
        ("max", s.max.is_some()),
        ("messages_per_poller", s.messages_per_poller.is_some()),
        ("poll_interval", s.poll_interval.is_some()),
        ("startup", s.startup.is_some()),
        ("scale_in_window", s.scale_in_window.is_some()),
        ("count_in_flight", s.count_in_flight.is_some()),
    ];
    let reject = |ctx: &mut Ctx<'_>, keys: &[(&str, bool)], kind: &str| {
        for (key, given) in keys {
            if *given {
                ctx.err(
                    format!("{sf}.{key}"),
                    format!("applies to `kind: {kind}` only"),
                );
            }
        }
    };
    match s.kind.as_str() {
        "lambda" => {
            reject(ctx, &tracking_keys, "target_tracking");
            let d = LambdaScaling::default();
            let max_concurrency = int(
                ctx,
                "max_concurrency",
                s.max_concurrency,
                d.max_concurrency,
                2,
                1000,
            );
            let batch_window = ctx.duration(
                &format!("{sf}.batch_window"),
                &s.batch_window,
                d.batch_window,
            );
            if batch_window > SimDuration::from_mins(5) {
                ctx.err(
                    format!("{sf}.batch_window"),
                    format!("{} is out of range: 0s..5m (A1)", batch_window.human()),
                );
            }
            if fifo && !batch_window.is_zero() {
                ctx.err(
                    format!("{sf}.batch_window"),
                    "a FIFO queue's event source mapping has no batching window (A1)",
                );
            }
            let memory_gb = match s.memory_gb {
                None => d.memory_gb,
                Some(m) if (0.125..=10.24).contains(&m) => m,
                Some(m) => {
                    ctx.err(
                        format!("{sf}.memory_gb"),
                        format!("{m} must be in 0.125..10.24 (Lambda's 128 MB to 10,240 MB)"),
                    );
                    d.memory_gb
                }
            };
            // A1: `initial` in 2..1000 like `max_concurrency`; the pool
            // starts at the smaller of the two (`initial_pollers`), as
            // Lambda never runs more than its maximum concurrency, so a
            // plan or sweep over `max_concurrency` may go below `initial`.
            let initial = match s.initial {
                None => d.initial.min(max_concurrency),
                given => {
                    let initial = int(ctx, "initial", given, d.initial, 2, 1000);
                    if initial > max_concurrency {
                        ctx.warn(
                            format!("{sf}.initial"),
                            format!(
                                "{initial} is above max_concurrency {max_concurrency}: the pool starts at {max_concurrency} (A1: Lambda never runs more than its maximum concurrency)"
                            ),
                        );
                    }
                    initial
                }
            };
            let l = LambdaScaling {
                initial,
                ramp: int(ctx, "ramp", s.ramp, d.ramp, 1, 1000),
                interval: positive(ctx, "interval", &s.interval, d.interval),
                max_concurrency,
                min: int(ctx, "min", s.min, d.min, 0, max_concurrency as i64),
                batch_window,
                partial_batch_response: s.partial_batch_response.unwrap_or(false),
                memory_gb,
            };
            if let Polling::Short { .. } = cc.polling {
                ctx.err(
                    format!("{f}.wait"),
                    "a Lambda event source mapping long-polls: `wait` must be 1s..20s (A1)",
                );
            }
            if c.delete.as_deref() == Some("message") {
                ctx.err(
                    format!("{f}.delete"),
                    "Lambda deletes a batch when the invocation succeeds: leave `delete` out or \
                     write `batch` (A1)",
                );
            }
            cc.delete = DeleteMode::Batch;
            cc.scaling = Some(Scaling::Lambda(l));
        }
        "target_tracking" => {
            reject(ctx, &lambda_keys, "lambda");
            let d = TargetTracking::default();
            let max = int(ctx, "max", s.max, d.max, 1, 100_000);
            let t = TargetTracking {
                min: int(ctx, "min", s.min, d.min, 0, max as i64),
                max,
                messages_per_poller: int(
                    ctx,
                    "messages_per_poller",
                    s.messages_per_poller,
                    d.messages_per_poller,
                    1,
                    1_000_000,
                ),
                poll_interval: positive(ctx, "poll_interval", &s.poll_interval, d.poll_interval),
                startup: ctx.duration(&format!("{sf}.startup"), &s.startup, d.startup),
                scale_in_window: ctx.duration(
                    &format!("{sf}.scale_in_window"),
                    &s.scale_in_window,
                    d.scale_in_window,
                ),
                count_in_flight: s.count_in_flight.unwrap_or(true),
            };
            cc.scaling = Some(Scaling::TargetTracking(t));
        }
        other => ctx.err(
            format!("{sf}.kind"),
            format!(
                "`{}` is not one of: lambda, target_tracking (A1/A2)",
                excerpt(other)
            ),
        ),
    }
}

fn build_job(j: &JobSpec, ctx: &mut Ctx<'_>) -> JobConfig {
    let mode = ctx.choice(
        "job.mode",
        &j.mode,
        Mode::Streaming,
        &[("streaming", Mode::Streaming), ("batch", Mode::Batch)],
    );
    let workforce = ctx.choice(
        "job.workforce",
        &j.workforce,
        Workforce::Private,
        &[
            ("private", Workforce::Private),
            ("vendor", Workforce::Vendor),
            ("mturk", Workforce::Mturk),
        ],
    );
    // R11: K in 1..5000 (above 1000 needs a quota raise), N in 1..9, N < K.
    let k_raw = j.max_concurrent_task_count.unwrap_or(1000);
    let n_raw = j.workers_per_object.unwrap_or(1);
    let f_k = "job.max_concurrent_task_count";
    let f_n = "job.workers_per_object";
    if k_raw < 1 {
        ctx.err(f_k, format!("{k_raw} must be at least 1 (R11)"));
    } else if k_raw > u32::MAX as i64 {
        ctx.err(
            f_k,
            format!("{k_raw} is too large: at most 4294967295, even under --lenient (the service maximum is 5000, R11)"),
        );
    } else if k_raw > 5000 {
        ctx.limit(
            f_k,
            format!("{k_raw} is above the service maximum of 5000 (R11)"),
        );
    } else if k_raw > 1000 {
        ctx.warn(
            f_k,
            format!("{k_raw} is above 1000, which needs a service quota increase (R11)"),
        );
    }
    if n_raw < 1 {
        ctx.err(f_n, format!("{n_raw} must be at least 1 (R11)"));
    } else if n_raw > u32::MAX as i64 {
        ctx.err(
            f_n,
            format!("{n_raw} is too large: at most 4294967295, even under --lenient (the service maximum is 9, R11)"),
        );
    } else if n_raw > 9 {
        ctx.limit(
            f_n,
            format!("{n_raw} is above the service maximum of 9 workers per object (R11)"),
        );
    }
    if k_raw >= 1 && n_raw >= 1 && k_raw <= n_raw {
        ctx.err(
            f_k,
            format!(
                "K = {k_raw} must be greater than workers_per_object N = {n_raw}: with K ≤ N the queue could never drain (R3, R11)"
            ),
        );
    }
    // Out-of-range values were reported above; these only keep going.
    let k = u32::try_from(k_raw).unwrap_or(1).max(1);
    let n = u32::try_from(n_raw).unwrap_or(1).max(1);

    let initializing = ctx.duration(
        "job.initializing",
        &j.initializing,
        SimDuration::from_mins(5),
    );
    let lifetime_max = match workforce {
        Workforce::Mturk => SimDuration::from_hours(12),
        _ => SimDuration::from_days(30),
    };
    let lifetime_default = match workforce {
        Workforce::Mturk => SimDuration::from_hours(6),
        _ => SimDuration::from_days(30),
    };
    let f = "job.task_availability_lifetime";
    let lifetime = ctx.duration(f, &j.task_availability_lifetime, lifetime_default);
    if lifetime < SimDuration::from_secs(60) {
        ctx.limit(
            f,
            format!(
                "{} is below the service minimum of 60s (R11)",
                lifetime.human()
            ),
        );
    } else if lifetime > lifetime_max {
        let w = if workforce == Workforce::Mturk {
            "12h for mturk"
        } else {
            "30d"
        };
        ctx.limit(
            f,
            format!(
                "{} is above the service maximum of {w} (R11)",
                lifetime.human()
            ),
        );
    }
    let f = "job.task_time_limit";
    let task_time_limit = ctx.duration(f, &j.task_time_limit, SimDuration::from_hours(1));
    if task_time_limit < SimDuration::from_secs(30) || task_time_limit > SimDuration::from_hours(8)
    {
        ctx.limit(
            f,
            format!(
                "{} is outside the service range 30s..8h (R11)",
                task_time_limit.human()
            ),
        );
    }
    let f = "job.queue_retention";
    let queue_retention = ctx.duration(f, &j.queue_retention, SimDuration::from_days(14));
    if queue_retention > SimDuration::from_days(14) || queue_retention < SimDuration::from_secs(60)
    {
        ctx.limit(
            f,
            format!(
                "{} is outside the SQS retention range 60s..14d (R6, R11)",
                queue_retention.human()
            ),
        );
    }
    let idle_timeout = ctx.duration(
        "job.idle_timeout",
        &j.idle_timeout,
        SimDuration::from_days(10),
    );
    let idle_definition = ctx.choice(
        "job.idle_definition",
        &j.idle_definition,
        IdleDefinition::NoInputAndNoWork,
        &[
            ("no_input_and_no_work", IdleDefinition::NoInputAndNoWork),
            ("no_input", IdleDefinition::NoInput),
        ],
    );
    let refill_rule = ctx.choice(
        "job.refill_rule",
        &j.refill_rule,
        RefillRule::Documented,
        &[
            ("documented", RefillRule::Documented),
            ("strict_fifo", RefillRule::StrictFifo),
        ],
    );
    let on_timeout = ctx.choice(
        "job.on_timeout",
        &j.on_timeout,
        OnTimeout::Return,
        &[("return", OnTimeout::Return), ("drop", OnTimeout::Drop)],
    );
    let dedup_key = match j.dedup_key.as_deref() {
        None | Some("sns_message_id") => DedupKey::SnsMessageId,
        Some(k) => {
            if !dedup_key_is_valid(k) {
                ctx.limit(
                    "job.dedup_key",
                    format!(
                        "`{}` is not a valid deduplication key: at most 140 characters matching ^[$a-zA-Z0-9](-*[a-zA-Z0-9])* (R11)",
                        excerpt(k)
                    ),
                );
            }
            DedupKey::Attribute(k.to_string())
        }
    };
    if let Some(name) = &j.label_attribute_name {
        if name.contains('$') {
            ctx.err(
                "job.label_attribute_name",
                format!("`{}` may not contain `$` (R11)", excerpt(name)),
            );
        }
    }
    let stop_at = ctx
        .opt_duration("job.stop_at", &j.stop_at)
        .map(SimTime::after);
    let f = "job.max_runtime";
    let max_runtime = ctx.duration(f, &j.max_runtime, SimDuration::from_days(30));
    if max_runtime > SimDuration::from_days(30) {
        ctx.limit(
            f,
            format!(
                "{} is above the service's 30-day job limit (R1, R11)",
                max_runtime.human()
            ),
        );
    }
    if mode == Mode::Streaming && j.max_runtime.is_some() {
        ctx.warn(
            f,
            "applies to batch jobs only (R1); a streaming job runs until stopped",
        );
    }
    JobConfig {
        mode,
        workforce,
        max_concurrent_task_count: k,
        workers_per_object: n,
        initializing,
        task_availability_lifetime: lifetime,
        task_time_limit,
        queue_retention,
        idle_timeout,
        idle_definition,
        refill_rule,
        on_timeout,
        dedup_key,
        stop_at,
        max_runtime,
    }
}

/// Each key of `present` that is set is an error: `why` says so.
fn reject_keys(ctx: &mut Ctx<'_>, f: &str, why: &str, present: &[(&str, bool)]) {
    for (name, is_set) in present {
        if *is_set {
            ctx.err(format!("{f}.{name}"), why.to_string());
        }
    }
}

fn reject_fields(ctx: &mut Ctx<'_>, f: &str, kind: &str, present: &[(&str, bool)]) {
    for (name, is_set) in present {
        if *is_set {
            ctx.err(
                format!("{f}.{name}"),
                format!("does not apply to a `{kind}` producer"),
            );
        }
    }
}

/// Where a producer's times are placed: the horizon and the calendar.
struct Calendar {
    horizon: SimTime,
    /// `start_at` [µs since the Unix epoch].
    start_epoch_us: i64,
    /// `start_at: auto` (taken from the trace and counts files).
    auto: bool,
}

/// Issue 11: the rows of a `trace` or `counts` producer's file, read
/// before the calendar is known; None for other kinds, or when the file
/// could not be read (reported).
fn read_producer_rows(p: &ProducerSpec, f: &str, ctx: &mut Ctx<'_>) -> Option<Rows> {
    let counts = match p.kind.as_str() {
        "trace" => false,
        "counts" => true,
        _ => return None,
    };
    let format = ctx.choice(
        &format!("{f}.time_format"),
        &p.time_format,
        TimeFormat::Auto,
        replay::TIME_FORMATS,
    );
    let csv = p.csv.as_ref()?;
    let column = p.column.as_deref().unwrap_or("timestamp");
    let count_column = counts.then(|| p.count_column.as_deref().unwrap_or("count"));
    match replay::read_rows(ctx.base_dir, csv, column, count_column, format) {
        Ok(rows) => {
            let lookalike = rows
                .smallest_seconds
                .filter(|&s| format == TimeFormat::Auto && s >= EPOCH_LOOKALIKE_S);
            if let Some(s) = lookalike {
                ctx.warn(
                    format!("{f}.csv"),
                    format!(
                        "the numbers in column `{}` start at {s} s, over 31 years after job creation: they look like Unix epoch seconds ({}), but are read as seconds since job creation; add `time_format: epoch_s` (and `start_at: auto` to start the calendar at the first)",
                        excerpt(column),
                        format_instant((s * 1e6) as i64)
                    ),
                );
            }
            Some(rows)
        }
        Err(e) => {
            ctx.err(format!("{f}.csv"), e);
            None
        }
    }
}

/// A producer that sends nothing because its whole file lies outside the
/// window it may send in: a warning naming the producer, the file's span
/// and the window (issue 11: never a silent empty run).
fn warn_outside(
    ctx: &mut Ctx<'_>,
    f: &str,
    name: &str,
    what: &str,
    span: Option<(SimTime, SimTime)>,
    window: (SimTime, SimTime),
    cal: &Calendar,
) {
    let Some((first, last)) = span else { return };
    let hint = if cal.auto {
        "check `start`, `end` and the horizon"
    } else {
        "check `start_at`, or set `start_at: auto` to start the calendar at the first timestamp"
    };
    ctx.warn(
        format!("{f}.csv"),
        format!(
            "producer `{}`: its {}, but it sends only from {} to {} (the horizon is {}): it sends nothing; {hint}",
            excerpt(name),
            replay::span_words(what, first, last, cal.start_epoch_us),
            window.0.elapsed().human(),
            window.1.elapsed().human(),
            cal.horizon.elapsed().human()
        ),
    );
}

/// `scale` (issue 11): finite and non-negative, else reported (and 1).
fn build_scale(p: &ProducerSpec, f: &str, ctx: &mut Ctx<'_>) -> f64 {
    match p.scale {
        None => 1.0,
        Some(s) if !s.is_finite() => {
            ctx.err(format!("{f}.scale"), not_finite(s));
            1.0
        }
        Some(s) if s < 0.0 => {
            ctx.err(
                format!("{f}.scale"),
                format!("{s} is negative; a scale is 0 or more (1.3: 30% more traffic)"),
            );
            1.0
        }
        Some(s) => s,
    }
}

/// A rate-based producer's highest rate once scaled must stay within the
/// clock's tick ([`MAX_RATE_PER_US`]).
fn check_scaled_rate(ctx: &mut Ctx<'_>, f: &str, p: &ProducerSpec, peak_per_us: f64) {
    if p.scale.is_some() && peak_per_us > MAX_RATE_PER_US {
        ctx.err(
            format!("{f}.scale"),
            format!(
                "makes the rate {:.0}/s, faster than one per microsecond, the clock's tick: at most 1000000/s",
                peak_per_us * US_PER_S as f64
            ),
        );
    }
}

/// A weekly profile (issue 11): points with `days`, each day of the set
/// getting the point; the rate holds until the week's next point.
fn build_weekly_profile(
    profile: &[ProfilePointSpec],
    f: &str,
    scale: f64,
    ctx: &mut Ctx<'_>,
) -> Vec<(u64, f64)> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut points: Vec<(u64, f64, usize)> = Vec::new();
    for (j, pt) in profile.iter().enumerate() {
        let fj = format!("{f}.profile[{j}]");
        let at = parse_time_of_day(&pt.at.0).unwrap_or_else(|e| {
            ctx.err(format!("{fj}.at"), e);
            0
        });
        let rate = ctx.rate(&format!("{fj}.rate"), &Some(pt.rate.clone())) * scale;
        match &pt.days {
            None => ctx.err(
                fj,
                "has no `days`, but other points of this profile have: give `days` on every point (a weekly profile) or on none (a daily one)",
            ),
            Some(d) => match parse_days(d) {
                Ok(days) => {
                    for day in days {
                        let pos = (day as u64 * US_PER_DAY + at) % US_PER_WEEK;
                        points.push((pos, rate, j));
                    }
                }
                Err(e) => ctx.err(format!("{fj}.days"), e),
            },
        }
    }
    points.sort_by_key(|p| (p.0, p.2));
    for w in points.windows(2).filter(|w| w[0].0 == w[1].0) {
        let pos = w[0].0;
        ctx.err(
            format!("{f}.profile[{}]", w[1].2),
            format!(
                "{} {:02}:{:02} is also given by profile[{}]: one rate per instant of the week",
                DAYS[(pos / US_PER_DAY) as usize],
                pos % US_PER_DAY / US_PER_H,
                pos % US_PER_H / US_PER_MIN,
                w[0].2
            ),
        );
    }
    if points.first().is_none_or(|p| p.0 != 0) {
        ctx.err(
            format!("{f}.profile"),
            "a weekly profile must have a point on mon at \"00:00\" (e.g. `{days: mon, at: \"00:00\", rate: 10/h}`): its rate is the week's first",
        );
    }
    let mut out: Vec<(u64, f64)> = points.into_iter().map(|p| (p.0, p.1)).collect();
    out.dedup_by_key(|p| p.0);
    if out.first().is_none_or(|p| p.0 != 0) {
        out.insert(0, (0, 0.0)); // reported above; keeps the model's invariant
    }
    out
}

fn build_producer(
    p: &ProducerSpec,
    i: usize,
    cal: &Calendar,
    rows: Option<Rows>,
    ctx: &mut Ctx<'_>,
) -> ProducerConfig {
    let horizon = cal.horizon;
    let start_epoch_us = cal.start_epoch_us;
    let f = format!("producers[{i}]");
    let name = p.name.clone().unwrap_or_else(|| format!("{}{}", p.kind, i));
    let start = SimTime::after(ctx.duration(&format!("{f}.start"), &p.start, SimDuration::ZERO));
    if start >= horizon && p.start.is_some() {
        ctx.warn(
            format!("{f}.start"),
            format!(
                "{} is not before the horizon ({}): this producer sends nothing",
                start.since(SimTime::ZERO).human(),
                horizon.since(SimTime::ZERO).human()
            ),
        );
    }
    let mut end = ctx
        .opt_duration(&format!("{f}.end"), &p.end)
        .map(SimTime::after)
        .unwrap_or(horizon);
    let scale = build_scale(p, &f, ctx);
    let mut schedule = None;
    let mut trace_scale = 1.0;
    let limit = p.limit.map(|l| ctx.count(&format!("{f}.limit"), l));
    let source = ctx.choice(
        &format!("{f}.source"),
        &p.source,
        Source::Sns,
        &[("sns", Source::Sns), ("s3", Source::S3)],
    );
    let d = p.duplicates.clone().unwrap_or_default();
    let fd = format!("{f}.duplicates");
    let duplicates = DuplicateConfig {
        sns_redelivery: ctx.probability(&format!("{fd}.sns_redelivery"), d.sns_redelivery),
        producer_retry: ctx.probability(&format!("{fd}.producer_retry"), d.producer_retry),
        s3_event_duplicate: ctx
            .probability(&format!("{fd}.s3_event_duplicate"), d.s3_event_duplicate),
        reupload: ctx.probability(&format!("{fd}.reupload"), d.reupload),
        delay: ctx.duration(&format!("{fd}.delay"), &d.delay, SimDuration::from_mins(1)),
    };
    if source == Source::Sns && duplicates.s3_event_duplicate > 0.0 {
        ctx.err(
            format!("{fd}.s3_event_duplicate"),
            "applies to `source: s3` producers only (R9)",
        );
    }
    let notification_configured_at = ctx
        .opt_duration(
            &format!("{f}.notification_configured_at"),
            &p.notification_configured_at,
        )
        .map(SimTime::after);
    if notification_configured_at.is_some() && source != Source::S3 {
        ctx.err(
            format!("{f}.notification_configured_at"),
            "applies to `source: s3` producers only (R10)",
        );
    }
    let kind = p.kind.as_str();
    let process = match kind {
        "poisson" => {
            reject_fields(
                ctx,
                &f,
                kind,
                &[
                    ("count", p.count.is_some()),
                    ("size", p.size.is_some()),
                    ("csv", p.csv.is_some()),
                ],
            );
            let rate_per_us = ctx.rate(&format!("{f}.rate"), &p.rate) * scale;
            check_scaled_rate(ctx, &f, p, rate_per_us);
            ArrivalProcess::Poisson { rate_per_us }
        }
        "manifest" => {
            reject_fields(
                ctx,
                &f,
                kind,
                &[
                    ("rate", p.rate.is_some()),
                    ("start", p.start.is_some()),
                    ("end", p.end.is_some()),
                ],
            );
            if p.scale.is_some() {
                ctx.err(
                    format!("{f}.scale"),
                    "does not apply to a `manifest` producer; change its `count`",
                );
            }
            let count = match p.count {
                Some(c) => ctx.count(&format!("{f}.count"), c),
                None => {
                    ctx.err(format!("{f}.count"), "is required for a manifest producer");
                    0
                }
            };
            ArrivalProcess::Manifest { count }
        }
        "burst" => {
            reject_fields(
                ctx,
                &f,
                kind,
                &[("rate", p.rate.is_some()), ("count", p.count.is_some())],
            );
            if p.scale.is_some() {
                ctx.err(
                    format!("{f}.scale"),
                    "does not apply to a `burst` producer; change its `size` or `every`",
                );
            }
            let size = match p.size {
                Some(s) => ctx.count(&format!("{f}.size"), s),
                None => {
                    ctx.err(format!("{f}.size"), "is required for a burst producer");
                    0
                }
            };
            let every = match &p.every {
                Some(_) => ctx.duration(&format!("{f}.every"), &p.every, SimDuration::ZERO),
                None => SimDuration::ZERO,
            };
            if p.every.is_some() && every.is_zero() {
                ctx.err(
                    format!("{f}.every"),
                    "must be positive (omit it for a single burst)",
                );
            }
            ArrivalProcess::Burst { size, every }
        }
        "diurnal" => {
            if let Some(profile) = &p.profile {
                if p.mean_rate.is_some() {
                    ctx.err(
                        format!("{f}.mean_rate"),
                        "give either `mean_rate` (sinusoid) or `profile`, not both",
                    );
                }
                if profile.iter().any(|pt| pt.days.is_some()) {
                    let points = build_weekly_profile(profile, &f, scale, ctx);
                    let peak = points.iter().map(|p| p.1).fold(0.0, f64::max);
                    check_scaled_rate(ctx, &f, p, peak);
                    let mean = weekly_mean_per_us(&points);
                    schedule = Some(RateSchedule::Weekly { points });
                    ArrivalProcess::Poisson { rate_per_us: mean }
                } else {
                    let mut points = Vec::new();
                    for (j, pt) in profile.iter().enumerate() {
                        let at = parse_time_of_day(&pt.at.0).unwrap_or_else(|e| {
                            ctx.err(format!("{f}.profile[{j}].at"), e);
                            0
                        });
                        let rate = ctx
                            .rate(&format!("{f}.profile[{j}].rate"), &Some(pt.rate.clone()))
                            * scale;
                        points.push((at, rate));
                    }
                    let peak = points.iter().map(|p| p.1).fold(0.0, f64::max);
                    check_scaled_rate(ctx, &f, p, peak);
                    points.sort_by_key(|p| p.0);
                    if points.first().is_none_or(|p| p.0 != 0) {
                        ctx.err(
                            format!("{f}.profile"),
                            "must start with a point `at: \"00:00\"`",
                        );
                    }
                    ArrivalProcess::Profile { points }
                }
            } else {
                let mean = ctx.rate(&format!("{f}.mean_rate"), &p.mean_rate) * scale;
                check_scaled_rate(ctx, &f, p, mean);
                let peak_hour = p.peak_hour.unwrap_or(12.0);
                if !peak_hour.is_finite() {
                    ctx.err(format!("{f}.peak_hour"), not_finite(peak_hour));
                } else if !(0.0..24.0).contains(&peak_hour) {
                    ctx.err(
                        format!("{f}.peak_hour"),
                        format!("{peak_hour} must be in [0, 24)"),
                    );
                }
                let amplitude = p.amplitude.unwrap_or(0.5);
                if !amplitude.is_finite() {
                    ctx.err(format!("{f}.amplitude"), not_finite(amplitude));
                } else if !(0.0..=1.0).contains(&amplitude) {
                    ctx.err(
                        format!("{f}.amplitude"),
                        format!("{amplitude} must be in [0, 1]"),
                    );
                }
                ArrivalProcess::Diurnal {
                    mean_per_us: mean,
                    peak_hour,
                    // Out-of-range values were reported above.
                    amplitude: if (0.0..=1.0).contains(&amplitude) {
                        amplitude
                    } else {
                        0.0
                    },
                }
            }
        }
        "trace" => {
            reject_fields(
                ctx,
                &f,
                kind,
                &[("rate", p.rate.is_some()), ("count", p.count.is_some())],
            );
            if p.csv.is_none() {
                ctx.err(format!("{f}.csv"), "is required for a trace producer");
            }
            // Issue 18 item 8: the rows become the times in place.
            let times = match rows.map(|r| r.into_times(start_epoch_us)) {
                None => Vec::new(), // reported
                Some(Err(e)) => {
                    ctx.err(format!("{f}.csv"), e);
                    Vec::new()
                }
                Some(Ok(mut times)) => {
                    times.sort_unstable();
                    times
                }
            };
            let stop = end.min(horizon);
            if !times.is_empty() && !times.iter().any(|&t| t >= start && t < stop) {
                let span = Some((times[0], times[times.len() - 1]));
                let what = format!("{} arrivals", times.len());
                warn_outside(ctx, &f, &name, &what, span, (start, stop), cal);
            }
            trace_scale = scale;
            ArrivalProcess::Trace { times }
        }
        "counts" => {
            reject_fields(
                ctx,
                &f,
                kind,
                &[
                    ("rate", p.rate.is_some()),
                    ("count", p.count.is_some()),
                    ("size", p.size.is_some()),
                    ("every", p.every.is_some()),
                    ("mean_rate", p.mean_rate.is_some()),
                    ("profile", p.profile.is_some()),
                ],
            );
            if p.csv.is_none() {
                ctx.err(
                    format!("{f}.csv"),
                    "is required for a counts producer (a CSV of `timestamp, count` rows)",
                );
            }
            let period = match &p.period {
                None => None,
                Some(t) => match parse_duration(&t.0) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        ctx.err(format!("{f}.period"), e);
                        None
                    }
                },
            };
            let resolved = match rows.map(|r| r.resolve(start_epoch_us)) {
                None => None,
                Some(Err(e)) => {
                    ctx.err(format!("{f}.csv"), e);
                    None
                }
                Some(Ok(rows)) => Some(rows),
            };
            let file = p.csv.as_deref().map(excerpt).unwrap_or_default();
            let counts = resolved.and_then(|mut rows| {
                match replay::counts_steps(&mut rows, period, scale, &file) {
                    Ok(c) => Some(c),
                    Err((key, e)) => {
                        ctx.err(format!("{f}.{key}"), e);
                        None
                    }
                }
            });
            let steps = match counts {
                None => Vec::new(),
                Some(c) => {
                    if let Some(gap) = c.sparse {
                        ctx.warn(
                            format!("{f}.period"),
                            format!(
                                "{}: the rows of {file} are at least {} apart, so each row's count is sent within its {} and none in the rest of the gap; is the period {}?",
                                c.period.human(),
                                gap.human(),
                                c.period.human(),
                                gap.human()
                            ),
                        );
                    }
                    c.steps
                }
            };
            let peak = steps.iter().map(|s| s.1).fold(0.0, f64::max);
            if peak > MAX_RATE_PER_US {
                ctx.err(
                    format!("{f}.csv"),
                    format!(
                        "a period's count makes a rate of {:.0}/s, faster than one per microsecond, the clock's tick: at most 1000000/s",
                        peak * US_PER_S as f64
                    ),
                );
            }
            let stop = end.min(horizon);
            let schedule_here = RateSchedule::Timeline { steps };
            let expected = schedule_here.expected_between(start, stop, start_epoch_us);
            if let RateSchedule::Timeline { steps } = &schedule_here {
                if let (Some(first), Some(last)) = (steps.first(), steps.last()) {
                    // No arrival after the data's last period.
                    end = end.min(last.0);
                    if expected == 0.0 && !steps.iter().all(|s| s.1 == 0.0) {
                        let what =
                            format!("{} periods", steps.iter().filter(|s| s.1 > 0.0).count());
                        let window = (start, stop);
                        warn_outside(ctx, &f, &name, &what, Some((first.0, last.0)), window, cal);
                    }
                }
            }
            let active = end
                .min(horizon)
                .as_micros()
                .saturating_sub(start.as_micros());
            schedule = Some(schedule_here);
            ArrivalProcess::Poisson {
                rate_per_us: if active > 0 {
                    expected / active as f64
                } else {
                    0.0
                },
            }
        }
        other => {
            ctx.err(
                format!("{f}.kind"),
                format!(
                    "`{}` is not a producer kind; one of: poisson, manifest, burst, diurnal, trace, counts",
                    excerpt(other)
                ),
            );
            ArrivalProcess::Manifest { count: 0 }
        }
    };
    // The keys of another kind's arrival process, beyond those each kind's
    // own block refuses above: an error, not ignored (a `profile` beside
    // `kind: poisson` was run at the poisson rate).
    let diurnal_curve = p.profile.is_none();
    let other_kinds: &[(&str, bool)] = match kind {
        "poisson" | "trace" => &[
            ("every", p.every.is_some()),
            ("mean_rate", p.mean_rate.is_some()),
            ("peak_hour", p.peak_hour.is_some()),
            ("amplitude", p.amplitude.is_some()),
            ("profile", p.profile.is_some()),
        ],
        "manifest" => &[
            ("size", p.size.is_some()),
            ("every", p.every.is_some()),
            ("mean_rate", p.mean_rate.is_some()),
            ("peak_hour", p.peak_hour.is_some()),
            ("amplitude", p.amplitude.is_some()),
            ("profile", p.profile.is_some()),
        ],
        "burst" => &[
            ("mean_rate", p.mean_rate.is_some()),
            ("peak_hour", p.peak_hour.is_some()),
            ("amplitude", p.amplitude.is_some()),
            ("profile", p.profile.is_some()),
        ],
        "diurnal" => &[
            ("rate", p.rate.is_some()),
            ("count", p.count.is_some()),
            ("size", p.size.is_some()),
            ("every", p.every.is_some()),
            // The curve's keys beside a profile, which replaces the curve.
            ("peak_hour", p.peak_hour.is_some() && !diurnal_curve),
            ("amplitude", p.amplitude.is_some() && !diurnal_curve),
        ],
        "counts" => &[
            ("peak_hour", p.peak_hour.is_some()),
            ("amplitude", p.amplitude.is_some()),
        ],
        _ => &[],
    };
    reject_fields(ctx, &f, kind, other_kinds);
    if !matches!(kind, "trace" | "poisson" | "counts") {
        reject_fields(
            ctx,
            &f,
            kind,
            &[("csv", p.csv.is_some()), ("column", p.column.is_some())],
        );
    }
    if !matches!(kind, "trace" | "counts") {
        reject_fields(ctx, &f, kind, &[("time_format", p.time_format.is_some())]);
    }
    if kind != "counts" {
        reject_fields(
            ctx,
            &f,
            kind,
            &[
                ("count_column", p.count_column.is_some()),
                ("period", p.period.is_some()),
            ],
        );
    }
    let notification_delay = p
        .notification_delay
        .as_ref()
        .map(|d| build_dist(d, &format!("{f}.notification_delay"), ctx));
    if p.to.is_none() {
        reject_keys(
            ctx,
            &f,
            "applies only to a producer with `to:` (a pipeline queue, SPEC §6)",
            &[
                ("notification_delay", p.notification_delay.is_some()),
                ("group_by", p.group_by.is_some()),
            ],
        );
    } else if notification_delay.is_some() && source != Source::S3 {
        ctx.err(
            format!("{f}.notification_delay"),
            "only an S3 producer's events are notifications (P7); add `source: s3`",
        );
    }
    let group = ctx
        .choice(
            &format!("{f}.group_by"),
            &p.group_by,
            false,
            &[("producer", true)],
        )
        .then_some(i as u32);
    ProducerConfig {
        name,
        process,
        schedule,
        trace_scale,
        start,
        end,
        limit,
        source,
        duplicates,
        notification_configured_at,
        // Resolved against `pipeline.queues` in `build`.
        to: None,
        group,
        notification_delay,
    }
}

/// A CSV cell that is a number of seconds. `None` if the cell is not a
/// number; an error if it is not finite, negative, or past [`MAX_DURATION`]
/// (100 years), never a changed value.
fn parse_seconds(cell: &str) -> Option<Result<f64, String>> {
    let c = cell.trim();
    let s = c.parse::<f64>().ok()?;
    let q = excerpt(c);
    Some(if !s.is_finite() {
        Err(format!("must be a finite number, got `{q}`"))
    } else if s < 0.0 {
        Err(format!("`{q}` is negative"))
    } else if s > MAX_DURATION.as_secs_f64() {
        Err(too_long(&format!("{q} s")))
    } else {
        Ok(s)
    })
}

/// Reads one column of a CSV file with a header row, relative to the
/// scenario's folder (a regular file of at most [`MAX_CSV_BYTES`]), and
/// converts each non-empty cell with `parse` as it streams by: memory holds
/// the values, never the file's rows (issue 18). Messages name the file,
/// line and column, never the file's content: the first bad cell (quoted
/// only if it looks like a value at all, see [`looks_like_value`]) and how
/// many more there are.
fn read_csv_column<T>(
    base: &Path,
    file: &str,
    column: &str,
    mut parse: impl FnMut(&str) -> Result<T, String>,
) -> Result<Vec<T>, String> {
    let path = base.join(file);
    let name = excerpt_n(&path.display().to_string(), 200);
    let input = InputFile::open(&path, MAX_CSV_BYTES)
        .map_err(|why| format!("cannot read {name}: {why}"))?;
    let mut rdr = csv::Reader::from_reader(replay::bounded_lines(input));
    let headers = rdr
        .headers()
        .map_err(|e| replay::csv_error(&name, &e))?
        .clone();
    let column_name = excerpt(column);
    let i = replay::column_index(&headers, column, &name)?;
    let mut out = Vec::new();
    let mut first_error = None;
    let mut more = 0usize;
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(replay::csv_error(&name, &e)),
        }
        let cell = rec.get(i).unwrap_or("");
        if cell.trim().is_empty() {
            continue;
        }
        match parse(cell) {
            Ok(v) => out.push(v),
            Err(_) if first_error.is_some() => more += 1,
            Err(why) => {
                let why = if looks_like_value(cell) {
                    why
                } else {
                    format!(
                        "not a number, duration or time ({} characters, not shown)",
                        cell.chars().count()
                    )
                };
                let line = rec.position().map_or(0, |p| p.line());
                first_error = Some(format!("{name} line {line}, column `{column_name}`: {why}"));
            }
        }
    }
    match first_error {
        None if out.is_empty() => Err(format!("{name} has no values in column `{column_name}`")),
        None => Ok(out),
        Some(e) if more > 0 => Err(format!(
            "{e} (and {more} more bad cell{})",
            if more == 1 { "" } else { "s" }
        )),
        Some(e) => Err(e),
    }
}

fn build_dist(d: &DistSpec, f: &str, ctx: &mut Ctx<'_>) -> ServiceDist {
    let us = |ctx: &mut Ctx<'_>, key: &str, v: &Option<Text>| -> f64 {
        match v {
            None => {
                ctx.err(
                    format!("{f}.{key}"),
                    format!("is required for `dist: {}`", d.dist),
                );
                1.0
            }
            Some(t) => match parse_duration(&t.0) {
                Ok(x) => x.as_micros() as f64,
                Err(e) => {
                    ctx.err(format!("{f}.{key}"), e);
                    1.0
                }
            },
        }
    };
    // A positive time: zero would be raised to one tick, silently.
    let positive_us = |ctx: &mut Ctx<'_>, key: &str, v: &Option<Text>| -> f64 {
        let x = us(ctx, key, v);
        if x <= 0.0 {
            ctx.err(format!("{f}.{key}"), "must be positive");
            return 1.0;
        }
        x
    };
    let num = |ctx: &mut Ctx<'_>, key: &str, v: Option<f64>| -> f64 {
        match v {
            Some(x) if x.is_finite() && x > 0.0 => x,
            Some(x) if !x.is_finite() => {
                ctx.err(format!("{f}.{key}"), not_finite(x));
                1.0
            }
            Some(x) => {
                ctx.err(format!("{f}.{key}"), format!("{x} must be positive"));
                1.0
            }
            None => {
                ctx.err(
                    format!("{f}.{key}"),
                    format!("is required for `dist: {}`", d.dist),
                );
                1.0
            }
        }
    };
    // A parameter of another distribution is an error, not ignored: a
    // `sigma` beside `dist: exponential` says the author meant another law.
    let takes: &[&str] = match d.dist.as_str() {
        "constant" => &["value"],
        "exponential" => &["mean"],
        "lognormal" => &["median", "sigma"],
        "gamma" => &["mean", "cv"],
        "weibull" => &["shape", "scale"],
        "uniform" => &["min", "max"],
        "empirical" => &["csv", "column"],
        _ => &[],
    };
    if !takes.is_empty() {
        let given = [
            ("value", d.value.is_some()),
            ("mean", d.mean.is_some()),
            ("median", d.median.is_some()),
            ("sigma", d.sigma.is_some()),
            ("cv", d.cv.is_some()),
            ("shape", d.shape.is_some()),
            ("scale", d.scale.is_some()),
            ("min", d.min.is_some()),
            ("max", d.max.is_some()),
            ("csv", d.csv.is_some()),
            ("column", d.column.is_some()),
        ];
        for (key, _) in given.iter().filter(|(k, set)| *set && !takes.contains(k)) {
            ctx.err(
                format!("{f}.{key}"),
                format!(
                    "is not a parameter of `dist: {}`, which takes {}",
                    d.dist,
                    takes
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
            );
        }
    }
    let problems_before = ctx.problems.len();
    let built = match d.dist.as_str() {
        "constant" => Ok(ServiceDist::constant(us(ctx, "value", &d.value))),
        "exponential" => ServiceDist::exponential(positive_us(ctx, "mean", &d.mean)),
        "lognormal" => {
            let median = positive_us(ctx, "median", &d.median);
            let sigma = num(ctx, "sigma", d.sigma);
            if ctx.problems.len() == problems_before {
                let shape = DistShape::lognormal(median);
                shape.check(ctx, &format!("{f}.sigma"), sigma, "sigma", "at most");
            }
            ServiceDist::lognormal(median, sigma)
        }
        "gamma" => {
            let mean = positive_us(ctx, "mean", &d.mean);
            let cv = num(ctx, "cv", d.cv);
            if ctx.problems.len() == problems_before && cv < 1e-6 {
                ctx.err(
                    format!("{f}.cv"),
                    format!(
                        "cv {} is below 1e-6: every draw is the mean; write `dist: constant`",
                        crate::human::short_num(cv)
                    ),
                );
            } else if ctx.problems.len() == problems_before {
                let shape = DistShape::gamma(mean);
                shape.check(ctx, &format!("{f}.cv"), cv, "cv", "at most");
            }
            ServiceDist::gamma(mean, cv)
        }
        "weibull" => {
            let shape = num(ctx, "shape", d.shape);
            let scale = positive_us(ctx, "scale", &d.scale);
            if ctx.problems.len() == problems_before {
                let s = DistShape::weibull(scale);
                s.check(ctx, &format!("{f}.shape"), shape, "shape", "at least");
            }
            ServiceDist::weibull(shape, scale)
        }
        "uniform" => {
            let (lo, hi) = (us(ctx, "min", &d.min), us(ctx, "max", &d.max));
            if lo > hi {
                ctx.err(format!("{f}.min"), "must not exceed max");
            }
            ServiceDist::uniform(lo.min(hi), hi.max(lo))
        }
        "empirical" => match &d.csv {
            None => {
                ctx.err(format!("{f}.csv"), "is required for `dist: empirical`");
                Ok(ServiceDist::constant(1.0))
            }
            Some(csv) => {
                let column = d.column.as_deref().unwrap_or("service_time");
                let values =
                    read_csv_column(ctx.base_dir, csv, column, |cell| {
                        match parse_seconds(cell) {
                            Some(secs) => secs.map(|s| s * US_PER_S as f64),
                            None => parse_duration(cell).map(|d| d.as_micros() as f64),
                        }
                    });
                match values {
                    Err(e) => {
                        ctx.err(format!("{f}.csv"), e);
                        Ok(ServiceDist::constant(1.0))
                    }
                    Ok(values) => Ok(ServiceDist::Empirical(values)),
                }
            }
        },
        other => {
            ctx.err(
                format!("{f}.dist"),
                format!(
                    "`{}` is not a distribution; one of: constant, exponential, lognormal, gamma, weibull, uniform, empirical",
                    excerpt(other)
                ),
            );
            Ok(ServiceDist::constant(1.0))
        }
    };
    built.unwrap_or_else(|e| {
        // Issue 18: a parameter already refused is not blamed again in
        // rand_distr's words (`scale is not positive`).
        if ctx.problems.len() == problems_before {
            ctx.err(
                f,
                format!("these parameters make no `{}` distribution ({e})", d.dist),
            );
        }
        ServiceDist::constant(1.0)
    })
}

/// Issue 18: a lognormal, gamma or Weibull whose shape parameter parses but
/// makes no sense on the µs clock. `mean_us` and `zero_share` (the share of
/// draws below half a microsecond, which the clock rounds to 0 µs) as
/// functions of the shape parameter, the time parameter fixed.
struct DistShape {
    /// The time parameter in words (`median 1m`), for messages.
    time: String,
    mean_us: Box<dyn Fn(f64) -> f64>,
    zero_share: Box<dyn Fn(f64) -> f64>,
    /// Where to look for the bound: ln of the parameter, sane end first.
    search: (f64, f64),
}

impl DistShape {
    fn lognormal(median_us: f64) -> DistShape {
        DistShape {
            time: format!(
                "median {}",
                SimDuration::from_micros(median_us as u64).human()
            ),
            mean_us: Box::new(move |sigma| median_us * (sigma * sigma / 2.0).exp()),
            zero_share: Box::new(move |sigma| {
                0.5 * statrs::function::erf::erfc(
                    -(0.5 / median_us).ln() / (sigma * std::f64::consts::SQRT_2),
                )
            }),
            search: (-40.0, 40.0),
        }
    }
    fn gamma(mean_us: f64) -> DistShape {
        DistShape {
            time: format!("mean {}", SimDuration::from_micros(mean_us as u64).human()),
            mean_us: Box::new(move |_| mean_us),
            zero_share: Box::new(move |cv| {
                let k = 1.0 / (cv * cv);
                if !(k.is_finite() && k > 0.0) {
                    return if k > 0.0 { 0.0 } else { 1.0 };
                }
                let x = 0.5 * k / mean_us;
                statrs::function::gamma::checked_gamma_lr(k, x).unwrap_or(1.0)
            }),
            // cv from 1e-6 (below, refused as a constant).
            search: (-13.8, 40.0),
        }
    }
    fn weibull(scale_us: f64) -> DistShape {
        DistShape {
            time: format!(
                "scale {}",
                SimDuration::from_micros(scale_us as u64).human()
            ),
            mean_us: Box::new(move |k| {
                scale_us * statrs::function::gamma::ln_gamma(1.0 + 1.0 / k).exp()
            }),
            zero_share: Box::new(move |k| 1.0 - (-(0.5 / scale_us).powf(k)).exp()),
            search: (40.0, -40.0),
        }
    }

    /// Sense at `v`: a mean within 100 years, at most half the draws 0 µs.
    fn sane(&self, v: f64) -> bool {
        (self.mean_us)(v) <= MAX_DURATION.as_micros() as f64 && (self.zero_share)(v) <= 0.5
    }

    /// Refuses `v` (the `key` parameter) if it makes no sense, with the
    /// bound that does (`at most` or `at least`, found by bisection in
    /// log space); warns if over 1% of draws would be 0 µs.
    fn check(&self, ctx: &mut Ctx<'_>, field: &str, v: f64, key: &str, side: &str) {
        let (mean, zeros) = ((self.mean_us)(v), (self.zero_share)(v));
        if !self.sane(v) {
            let (mut lo, mut hi) = self.search;
            // `lo` sane, `hi` not (in ln of the parameter).
            if self.sane(lo.exp()) && !self.sane(hi.exp()) {
                for _ in 0..100 {
                    let m = 0.5 * (lo + hi);
                    if self.sane(m.exp()) {
                        lo = m
                    } else {
                        hi = m
                    }
                }
            }
            let why = if mean.is_nan() || mean > MAX_DURATION.as_micros() as f64 {
                "makes the mean longer than 100 years".to_string()
            } else {
                format!(
                    "puts {:.0}% of draws below half a microsecond, where the clock rounds them to 0 µs",
                    zeros * 100.0
                )
            };
            ctx.err(
                field,
                format!(
                    "{key} {} {why}; with {}, {key} must be {side} {}",
                    crate::human::short_num(v),
                    self.time,
                    crate::human::short_num(lo.exp())
                ),
            );
        } else if zeros > 0.01 {
            ctx.warn(
                field,
                format!(
                    "{key} {} puts {:.0}% of draws below half a microsecond, where the clock rounds them to 0 µs",
                    crate::human::short_num(v),
                    zeros * 100.0
                ),
            );
        }
    }
}

/// An IANA time zone from the tz database bundled with the binary (no
/// system tzdata is read, so every machine computes the same calendar). An
/// unknown name is an error with the nearest known names.
fn named_zone(name: &str) -> Result<jiff::tz::TimeZone, String> {
    let name = name.trim();
    if let Ok(zone) = jiff::tz::TimeZone::get(name) {
        return Ok(zone);
    }
    // Near the whole name, or near its city (`New_Yrok` → `America/New_York`).
    let wanted = name.to_ascii_lowercase();
    let wanted_city = wanted.rsplit('/').next().unwrap_or(&wanted).to_string();
    let mut near: Vec<(usize, String)> = jiff::tz::db()
        .available()
        .map(|n| {
            let n = n.as_str().to_string();
            let lower = n.to_ascii_lowercase();
            let city = lower.rsplit('/').next().unwrap_or(&lower);
            let d = edit_distance(&wanted, &lower).min(edit_distance(&wanted_city, city));
            (d, n)
        })
        .filter(|(d, n)| *d <= 2 || (*d <= 3 && n.len() >= 10))
        .collect();
    near.sort();
    // Only the nearest (`Europe/Pariss`: `Europe/Paris`, not also
    // `Antarctica/Davis`), at most three.
    let best = near.first().map_or(0, |(d, _)| *d);
    near.retain(|(d, _)| *d == best);
    near.truncate(3);
    let hint = if near.is_empty() {
        "write an IANA zone name such as `America/New_York`, `Europe/Berlin` or `UTC`, or a fixed `tz_offset`".to_string()
    } else {
        let names: Vec<String> = near.into_iter().map(|(_, n)| format!("`{n}`")).collect();
        format!("did you mean {}?", names.join(" or "))
    };
    Err(format!(
        "`{}` is not a time zone in the tz database; {hint}",
        excerpt(name)
    ))
}

fn build_workers(
    w: &WorkerSpec,
    i: usize,
    start_at_epoch_us: i64,
    ctx: &mut Ctx<'_>,
) -> WorkerGroupConfig {
    let f = format!("workers[{i}]");
    let count = match &w.count {
        CountSpec::Whole(n) => ctx.count(&format!("{f}.count"), *n),
        // S1: checked below, once the zone is known.
        CountSpec::Scheduled(_) => 0,
    };
    if count > MAX_WORKERS_PER_GROUP {
        ctx.err(
            format!("{f}.count"),
            format!("{count} is above the maximum of {MAX_WORKERS_PER_GROUP} workers in a group; split them into groups if you need more"),
        );
    }
    // Out-of-range counts were reported above; this only keeps going.
    let count = u32::try_from(count.min(MAX_WORKERS_PER_GROUP)).unwrap_or(0);
    let service_time = build_dist(&w.service_time, &format!("{f}.service_time"), ctx);
    let decline_probability =
        ctx.probability(&format!("{f}.decline_probability"), w.decline_probability);
    let decline_time = ctx.duration(
        &format!("{f}.decline_time"),
        &w.decline_time,
        SimDuration::from_secs(10),
    );
    if let (Some(_), Some(_)) = (&w.tz, &w.tz_offset) {
        ctx.err(
            format!("{f}.tz"),
            "`tz` and `tz_offset` both give the shift hours' time zone; keep one (`tz` follows daylight saving, `tz_offset` is fixed)",
        );
    }
    let zone = w.tz.as_deref().and_then(|name| {
        named_zone(name)
            .map_err(|e| ctx.err(format!("{f}.tz"), e))
            .ok()
    });
    let tz_offset_us = match &w.tz_offset {
        None => 0,
        Some(t) => {
            // Accept a bare number of hours too.
            let parsed =
                t.0.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|h| h.abs() <= 14.0)
                    .map(|h| (h * US_PER_H as f64).round() as i64)
                    .map_or_else(|| parse_tz_offset(&t.0), Ok);
            parsed.unwrap_or_else(|e| {
                ctx.err(format!("{f}.tz_offset"), e);
                0
            })
        }
    };
    let shifts = match &w.shifts {
        None => ShiftSchedule::Always,
        Some(ShiftsSpec::Keyword(k)) if k == "always" => ShiftSchedule::Always,
        Some(ShiftsSpec::Keyword(k)) => {
            ctx.err(
                format!("{f}.shifts"),
                format!("`{}`: write `always` or a list of {{days: mon-fri, from: \"09:00\", to: \"17:00\"}}", excerpt(k)),
            );
            ShiftSchedule::Always
        }
        Some(ShiftsSpec::List(list)) => {
            if list.is_empty() {
                ctx.warn(
                    format!("{f}.shifts"),
                    "an empty list: the group is never on shift, so it labels nothing (write `always`, or leave `shifts` out, for a group always on shift)",
                );
            }
            let mut triples = Vec::new();
            for (j, s) in list.iter().enumerate() {
                let fs = format!("{f}.shifts[{j}]");
                let days = parse_days(&s.days).unwrap_or_else(|e| {
                    ctx.err(format!("{fs}.days"), e);
                    Vec::new()
                });
                let from = parse_time_of_day(&s.from.0).unwrap_or_else(|e| {
                    ctx.err(format!("{fs}.from"), e);
                    0
                });
                let to = parse_time_of_day(&s.to.0).unwrap_or_else(|e| {
                    ctx.err(format!("{fs}.to"), e);
                    0
                });
                if from == to {
                    ctx.err(format!("{fs}.to"), "a shift must not end when it starts");
                }
                for d in days {
                    triples.push((d, from, to));
                }
            }
            match zone.clone() {
                Some(zone) => ShiftSchedule::weekly_in_zone(&triples, zone),
                None => ShiftSchedule::weekly(&triples, tz_offset_us),
            }
        }
    };
    let group_zone = match zone.clone() {
        Some(z) => ShiftZone::Named(z),
        None => ShiftZone::Fixed {
            offset_us: tz_offset_us,
        },
    };
    let (count, schedule) = match &w.count {
        CountSpec::Whole(_) => (count, None),
        CountSpec::Scheduled(spec) => {
            match build_step_schedule(
                spec,
                &format!("{f}.count"),
                group_zone.clone(),
                start_at_epoch_us,
                MAX_WORKERS_PER_GROUP,
                ctx,
            ) {
                Some(s) => (s.max_count(), Some(s)),
                None => (0, None),
            }
        }
    };
    let speed_spread = w.speed.as_ref().map_or(0.0, SpeedSpec::spread);
    let f_spread = match w.speed {
        Some(SpeedSpec::Spread(_)) => format!("{f}.speed"),
        _ => format!("{f}.speed.spread"),
    };
    if !speed_spread.is_finite() {
        ctx.err(f_spread.clone(), not_finite(speed_spread));
    } else if !(0.0..=3.0).contains(&speed_spread) {
        ctx.err(f_spread, format!("{speed_spread} must be in [0, 3]"));
    }
    let accuracy = ctx.probability(&format!("{f}.accuracy"), w.accuracy.or(Some(1.0)));
    WorkerGroupConfig {
        accuracy,
        name: w.name.clone().unwrap_or_else(|| format!("group{i}")),
        count,
        schedule,
        service_time,
        decline_probability,
        decline_time,
        shifts,
        zone: group_zone,
        // Out-of-range values were reported above; this only keeps going.
        speed_spread: if (0.0..=3.0).contains(&speed_spread) {
            speed_spread
        } else {
            0.0
        },
    }
}

/// S1: a step schedule for a count (`FIELD: {schedule: [{from, count}],
/// cycle}`), its local times in `zone`; each problem names its step's
/// field. None when it has errors (reported).
pub(super) fn build_step_schedule(
    spec: &ScheduledCountSpec,
    field: &str,
    zone: ShiftZone,
    start_at_epoch_us: i64,
    max_count: u64,
    ctx: &mut Ctx<'_>,
) -> Option<StepSchedule> {
    let problems = ctx.problems.len();
    // Default: a week when a step names a day.
    let names_day = spec
        .schedule
        .iter()
        .any(|s| s.from.0.trim().contains(char::is_whitespace));
    let cycle_us = match &spec.cycle {
        None if names_day => US_PER_WEEK,
        None => US_PER_DAY,
        Some(t) => match parse_duration(&t.0) {
            Ok(d) if d.as_micros() == US_PER_DAY || d.as_micros() == US_PER_WEEK => d.as_micros(),
            Ok(d) => {
                ctx.err(
                    format!("{field}.cycle"),
                    format!("{} is not a cycle; write `1d` (steps such as \"08:00\") or `1w` (steps such as \"mon 08:00\")", d.human()),
                );
                return None;
            }
            Err(e) => {
                ctx.err(format!("{field}.cycle"), format!("{e}; write `1d` or `1w`"));
                return None;
            }
        },
    };
    if spec.schedule.is_empty() {
        ctx.err(
            format!("{field}.schedule"),
            "is empty; list at least one step such as {from: \"08:00\", count: 5}",
        );
        return None;
    }
    let mut steps: Vec<(u64, u32)> = Vec::with_capacity(spec.schedule.len());
    for (j, step) in spec.schedule.iter().enumerate() {
        let fs = format!("{field}.schedule[{j}]");
        let count = if step.count < 0 {
            ctx.err(
                format!("{fs}.count"),
                format!("{} is negative; a count is 0 or more", step.count),
            );
            0
        } else if step.count as u64 > max_count {
            ctx.err(
                format!("{fs}.count"),
                format!("{} is above the maximum of {max_count}", step.count),
            );
            0
        } else {
            step.count as u32
        };
        let Ok(at) = schedule::parse_offset(&step.from.0, cycle_us, parse_time_of_day)
            .map_err(|e| ctx.err(format!("{fs}.from"), e))
        else {
            continue;
        };
        if let Some(&(prev, _)) = steps.last() {
            if at == prev {
                ctx.err(
                    format!("{fs}.from"),
                    format!(
                        "`{}` is the start of the step before too; keep one of them",
                        excerpt(step.from.0.trim())
                    ),
                );
                continue;
            }
            if at < prev {
                ctx.err(
                    format!("{fs}.from"),
                    format!(
                        "`{}` comes before the step above it (`{}`); list the steps in the order of the {}{}",
                        excerpt(step.from.0.trim()),
                        schedule::format_offset(prev, cycle_us),
                        if cycle_us == US_PER_WEEK { "week, from Monday" } else { "day" },
                        if cycle_us == US_PER_WEEK { "" } else { ", from midnight" }
                    ),
                );
                continue;
            }
        }
        steps.push((at, count));
    }
    if ctx.problems.len() > problems {
        return None;
    }
    StepSchedule::new(cycle_us, steps, zone, start_at_epoch_us)
        .map_err(|e| ctx.err(format!("{field}.schedule"), e))
        .ok()
}

/// SPEC §4b `output.by_interval`: `1h` or `{every, cycle, tz}`. The cycle
/// defaults to a week when a producer, a shift or a schedule uses days of
/// the week, else a day; the zone to the first worker group's.
fn build_by_interval(
    choice: &ByIntervalChoice,
    beside: Option<&Text>,
    producers: &[ProducerConfig],
    workers: &[WorkerGroupConfig],
    ctx: &mut Ctx<'_>,
) -> Option<ByIntervalConfig> {
    let (every, cycle, tz, f_every) = match choice {
        ByIntervalChoice::Every(t) => (t, None, None, "output.by_interval".to_string()),
        ByIntervalChoice::Full(s) => (
            &s.every,
            s.cycle.as_ref(),
            s.tz.as_deref(),
            "output.by_interval.every".to_string(),
        ),
    };
    // `output.cycle` says the same as `output.by_interval.cycle`.
    let (cycle, f_cycle) = match (cycle, beside) {
        (Some(_), Some(_)) => {
            ctx.err(
                "output.cycle",
                "is given twice, here and as `output.by_interval.cycle`; keep one",
            );
            return None;
        }
        (None, Some(c)) => (Some(c), "output.cycle"),
        (c, None) => (c, "output.by_interval.cycle"),
    };
    let weekly_use = uses_days_of_the_week(producers, workers);
    let length = match cycle {
        None if weekly_use => SimDuration::from_days(7),
        None => SimDuration::from_days(1),
        Some(t) => match parse_duration(&t.0) {
            Ok(d) => d,
            Err(e) => {
                ctx.err(f_cycle, format!("{e}; write `1d` or `1w`"));
                return None;
            }
        },
    };
    let interval = match parse_duration(&every.0) {
        Ok(d) => d,
        Err(e) => {
            ctx.err(f_every, format!("{e}; write e.g. `1h`"));
            return None;
        }
    };
    let cycle = match Cycle::new(length, interval) {
        Ok(c) => c,
        Err(e) => {
            let f = if e.contains("cycle must") {
                f_cycle.to_string()
            } else {
                f_every
            };
            ctx.err(f, e);
            return None;
        }
    };
    if cycle.intervals() > 10_080 {
        ctx.err(
            f_every,
            format!(
                "{} intervals in a cycle; at most 10080 (one a minute over a week)",
                cycle.intervals()
            ),
        );
        return None;
    }
    let zone = match tz {
        Some(name) => match named_zone(name) {
            Ok(z) => ShiftZone::Named(z),
            Err(e) => {
                ctx.err("output.by_interval.tz", e);
                return None;
            }
        },
        None => workers
            .first()
            .map_or(ShiftZone::Fixed { offset_us: 0 }, |w| w.zone.clone()),
    };
    Some(ByIntervalConfig { cycle, zone })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_key_pattern_follows_r11() {
        assert!(dedup_key_is_valid("source-ref"));
        assert!(dedup_key_is_valid("$byo-key"));
        assert!(dedup_key_is_valid("a--b"));
        assert!(!dedup_key_is_valid("-abc"));
        assert!(!dedup_key_is_valid("abc-"));
        assert!(!dedup_key_is_valid("a_b"));
        assert!(!dedup_key_is_valid(""));
        assert!(!dedup_key_is_valid(&"a".repeat(141)));
        assert!(dedup_key_is_valid(&"a".repeat(140)));
    }

    #[test]
    fn default_sampling_is_round() {
        assert_eq!(
            default_sample_every(SimTime::after(SimDuration::from_days(30))),
            SimDuration::from_hours(1)
        );
        assert_eq!(
            default_sample_every(SimTime::after(SimDuration::from_hours(1))),
            SimDuration::from_mins(1)
        );
        assert_eq!(
            default_sample_every(SimTime::after(SimDuration::from_days(5))),
            SimDuration::from_mins(10)
        );
    }
}
