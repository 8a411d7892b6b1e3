//! Validated pipeline configuration (SPEC §6): plain Rust values, durations
//! as [`SimDuration`], distributions built. The scenario layer maps YAML
//! onto these types; nothing here parses or reports field lines.
//!
//! Defaults follow SPEC §6 (P1–P8); where the spec names none, the choice is
//! stated on the field.

use crate::engine::SimDuration;
use crate::engine::SimRng;
use crate::model::workforce::ServiceDist;
use rand_distr::{Beta, Distribution, Uniform};

/// P1–P4: one SQS queue.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    /// Stage name, unique across queues and consumers (metric prefix).
    pub name: String,
    /// P3 standard or P4 FIFO, with the parameters of that kind.
    pub kind: QueueKind,
    /// P1: 60s..14d, default 4d, counted from the original enqueue.
    pub retention: SimDuration,
    /// P1/P2: 0s..12h, default 30s.
    pub visibility_timeout: SimDuration,
    /// P1: 0s..15m, default 0: a sent message is invisible that long.
    pub delay: SimDuration,
    /// P1: optional redrive to the queue's dead-letter queue.
    pub dead_letter: Option<DeadLetter>,
    /// P7: delay of an S3 event notification to this queue, used by
    /// [`super::Pipeline::s3_upload`] (the host may draw its own delay and
    /// call [`super::Pipeline::s3_upload_after`]). Default lognormal,
    /// median 1s, sigma 1 \[µs\].
    pub notification_delay: ServiceDist,
}

/// P1: `dead_letter: {max_receive_count}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetter {
    /// 1..1000: a message that becomes visible again after this many
    /// receives moves to the dead-letter queue instead.
    pub max_receive_count: u32,
}

/// P3 / P4.
#[derive(Clone, Debug)]
pub enum QueueKind {
    Standard(StandardQueue),
    Fifo(FifoQueue),
}

/// P3: at-least-once delivery, best-effort order.
#[derive(Clone, Copy, Debug)]
pub struct StandardQueue {
    /// After a successful delete a copy survives with this probability and
    /// becomes visible again at once (default 0).
    pub duplicate_probability: f64,
    /// A receive takes each message uniformly among the oldest
    /// `reorder_window` visible ones (default 1: oldest first).
    pub reorder_window: u32,
}

impl Default for StandardQueue {
    fn default() -> Self {
        StandardQueue {
            duplicate_probability: 0.0,
            reorder_window: 1,
        }
    }
}

/// P4: message groups, strict order within a group, deduplication and a
/// throughput limit.
#[derive(Clone, Debug)]
pub struct FifoQueue {
    /// Objects without a producer-set group get one uniformly among `groups`
    /// (a hash of the object, so copies of one object share a group). A
    /// producer's own group (`group_by: producer`) is none of these.
    pub groups: u32,
    /// Which ID deduplicates sends within the 5-minute window.
    pub deduplication: FifoDedup,
    /// Whom the throughput limit applies to.
    pub throughput_scope: ThroughputScope,
    /// Requests per second per API action (default 300).
    pub throughput_per_s: u32,
    /// Throttled requests are retried this much later (default 100ms).
    pub throttle_backoff: SimDuration,
    /// The deduplication interval (5 minutes in SQS).
    pub dedup_window: SimDuration,
}

impl Default for FifoQueue {
    fn default() -> Self {
        FifoQueue {
            groups: 1,
            deduplication: FifoDedup::MessageId,
            throughput_scope: ThroughputScope::PerQueue,
            throughput_per_s: 300,
            throttle_backoff: SimDuration::from_millis(100),
            dedup_window: SimDuration::from_mins(5),
        }
    }
}

/// P4 `deduplication:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FifoDedup {
    /// The sender sets the object's identity (S3 key + sequencer) as the
    /// MessageDeduplicationId: copies and retries of one object repeat it.
    MessageId,
    /// A hash of the body ([`super::PipeMessage::body`]): equal bodies are
    /// one message, whatever the object.
    Content,
}

/// P4 `high_throughput:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThroughputScope {
    /// `high_throughput: false`: the limit is per queue and API action.
    PerQueue,
    /// `high_throughput: true`: sends and deletes are limited per message
    /// group; receives (which span groups) are not limited.
    PerGroup,
}

impl QueueConfig {
    /// A standard queue with SPEC §6 defaults.
    pub fn standard(name: &str) -> Self {
        QueueConfig {
            name: name.to_string(),
            kind: QueueKind::Standard(StandardQueue::default()),
            retention: SimDuration::from_days(4),
            visibility_timeout: SimDuration::from_secs(30),
            delay: SimDuration::ZERO,
            dead_letter: None,
            notification_delay: default_notification_delay(),
        }
    }

    /// A FIFO queue with SPEC §6 defaults.
    pub fn fifo(name: &str) -> Self {
        QueueConfig {
            kind: QueueKind::Fifo(FifoQueue::default()),
            ..Self::standard(name)
        }
    }

    pub fn is_fifo(&self) -> bool {
        matches!(self.kind, QueueKind::Fifo(_))
    }
}

/// P7 default: lognormal, median 1s, sigma 1 \[µs\].
pub fn default_notification_delay() -> ServiceDist {
    ServiceDist::lognormal(1e6, 1.0).expect("valid lognormal")
}

/// P2: how a poller receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polling {
    /// `wait` 1s..20s: return as soon as a message is visible, else empty
    /// when `wait` ends.
    Long { wait: SimDuration },
    /// `wait: 0s`: return at once; an empty receive is followed by
    /// `poll_interval` of sleep (default 1s).
    Short { poll_interval: SimDuration },
}

/// P5 `delete:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteMode {
    /// One DeleteMessage right after each processing.
    PerMessage,
    /// One DeleteMessageBatch after the batch's last processing.
    Batch,
}

/// P5 `extend_visibility:`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// `extend_visibility: false`: the queue's visibility timeout applies.
    Fixed,
    /// `extend_visibility: true`: heartbeats keep a message invisible from
    /// its receive until its delete, at most [`MAX_VISIBILITY`] after the
    /// receive. A failed processing stops the heartbeats: the message is
    /// visible again at `max(receive + visibility_timeout, failure)`.
    Extend,
}

/// P5: ChangeMessageVisibility cannot keep a message beyond 12 h.
pub const MAX_VISIBILITY: SimDuration = SimDuration::from_hours(12);

/// P6: a confidence distribution on [0, 1].
#[derive(Clone, Debug)]
pub enum ConfidenceDist {
    /// The sampler and its shape parameters (a, b).
    Beta(Beta<f64>, f64, f64),
    /// The sampler and its bounds (min, max).
    Uniform(Uniform<f64>, f64, f64),
    Constant(f64),
    /// Bootstrap resampling of observed confidences.
    Empirical(Vec<f64>),
}

impl ConfidenceDist {
    pub fn beta(a: f64, b: f64) -> Result<Self, String> {
        Beta::new(a, b)
            .map(|d| ConfidenceDist::Beta(d, a, b))
            .map_err(|e| e.to_string())
    }
    pub fn uniform(min: f64, max: f64) -> Result<Self, String> {
        Uniform::new_inclusive(min, max)
            .map(|d| ConfidenceDist::Uniform(d, min, max))
            .map_err(|e| e.to_string())
    }

    /// One draw, clamped to [0, 1].
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        let x = match self {
            ConfidenceDist::Beta(d, ..) => d.sample(rng),
            ConfidenceDist::Uniform(d, ..) => d.sample(rng),
            ConfidenceDist::Constant(v) => *v,
            ConfidenceDist::Empirical(v) => {
                v[Uniform::new(0, v.len()).expect("non-empty").sample(rng)]
            }
        };
        x.clamp(0.0, 1.0)
    }

    /// P(confidence < x) of the drawn (clamped) value: the share of
    /// results a route with threshold x sends to people (P6), for the
    /// offered load of the humans behind it (`model::load`).
    pub fn share_below(&self, x: f64) -> f64 {
        use statrs::distribution::ContinuousCDF;
        if x <= 0.0 {
            return 0.0;
        }
        if x > 1.0 {
            return 1.0;
        }
        match self {
            ConfidenceDist::Beta(_, a, b) => statrs::distribution::Beta::new(*a, *b)
                .map(|d| d.cdf(x))
                .unwrap_or(0.0),
            ConfidenceDist::Uniform(_, lo, hi) if hi > lo => ((x - lo) / (hi - lo)).clamp(0.0, 1.0),
            ConfidenceDist::Uniform(_, lo, _) => f64::from(u8::from(lo.clamp(0.0, 1.0) < x)),
            ConfidenceDist::Constant(v) => f64::from(u8::from(v.clamp(0.0, 1.0) < x)),
            ConfidenceDist::Empirical(v) if v.is_empty() => 0.0,
            ConfidenceDist::Empirical(v) => {
                v.iter().filter(|c| c.clamp(0.0, 1.0) < x).count() as f64 / v.len() as f64
            }
        }
    }
}

/// P6 `route: {threshold, sample}`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Route {
    /// θ: confidence ≥ θ is indexed as a machine label; below θ goes to
    /// the humans.
    pub threshold: f64,
    /// s: share of the confident results also sent to the humans (audit).
    pub sample: f64,
}

/// P2, P5, P6: a pool of identical pollers on one queue.
#[derive(Clone, Debug)]
pub struct ConsumerConfig {
    /// Stage name, unique across queues and consumers (metric prefix).
    pub name: String,
    /// Index into [`PipelineConfig::queues`].
    pub queue: usize,
    /// Pollers.
    pub count: u32,
    /// P2: messages per ReceiveMessage, 1..10; A1: a Lambda pool with a
    /// `batch_window` on a standard queue gathers up to 10,000.
    pub batch: u32,
    pub polling: Polling,
    /// P2: round trip of every API request (default 20ms). The queue acts
    /// when a request is issued; the caller has its answer this much later.
    pub request_latency: SimDuration,
    /// P5: download + inference, per message \[µs\]. No default in SPEC:
    /// the constructor takes it.
    pub processing_time: ServiceDist,
    /// P5: transient failure probability of a processing.
    pub failure_probability: f64,
    /// P5: probability that an object is poison (every processing fails).
    pub poison_probability: f64,
    pub delete: DeleteMode,
    pub visibility: Visibility,
    /// P6. No default in SPEC; `Constant(1.0)` here.
    pub confidence: ConfidenceDist,
    /// P6: without a route every result is indexed as a machine label.
    pub route: Option<Route>,
    /// A1/A2 (issue 21): the pollers follow the queue; none: `count`
    /// pollers all the time (P5).
    pub scaling: Option<Scaling>,
    /// A3 (S1): the pollers follow a daily or weekly step schedule (in
    /// UTC); `count` is then its largest step (the pollers built). The
    /// offered load uses the schedule's mean ([`ConsumerConfig::load_pollers`]).
    /// Exclusive with `scaling`.
    pub schedule: Option<crate::model::schedule::StepSchedule>,
}

/// A1/A2: how an autoscaled consumer's poller count follows its queue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scaling {
    Lambda(LambdaScaling),
    TargetTracking(TargetTracking),
}

/// A1: a Lambda SQS event source mapping. Each concurrent invocation is a
/// poller (long polling, batch deletes).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LambdaScaling {
    /// Concurrent pollers at the start, 2..1000 (default 5).
    pub initial: u32,
    /// Pollers added at most per `interval` while messages are visible
    /// (default 300).
    pub ramp: u32,
    /// How often concurrency may grow (default 1m).
    pub interval: SimDuration,
    /// Most concurrent pollers, 2..1000 (default 1000).
    pub max_concurrency: u32,
    /// A poller whose receive comes back empty retires while more than
    /// this many run (default 2).
    pub min: u32,
    /// 0s..5m (default 0s, standard queues only): a poller gathers
    /// messages (ReceiveMessage calls of up to 10) until it holds `batch`
    /// or this long has passed since its first call. Required for
    /// `batch` > 10.
    pub batch_window: SimDuration,
    /// `false` (default): one failed message fails the whole batch, none is
    /// deleted; `true`: only failed messages return.
    pub partial_batch_response: bool,
    /// Function memory \[GB\] (default 1): billed GB-seconds are the
    /// invocation's duration × this.
    pub memory_gb: f64,
}

impl Default for LambdaScaling {
    fn default() -> Self {
        LambdaScaling {
            initial: 5,
            ramp: 300,
            interval: SimDuration::from_mins(1),
            max_concurrency: 1000,
            min: 2,
            batch_window: SimDuration::ZERO,
            partial_batch_response: false,
            memory_gb: 1.0,
        }
    }
}

/// A2: target tracking on the queue's backlog (KEDA `aws-sqs-queue` with
/// the HPA, ECS target tracking).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TargetTracking {
    /// Fewest pollers (default 1; 0 allows scaling to zero).
    pub min: u32,
    /// Most pollers (default 100).
    pub max: u32,
    /// Backlog per poller the controller aims at (default 5).
    pub messages_per_poller: u32,
    /// How often the desired count is computed (default 30s).
    pub poll_interval: SimDuration,
    /// A started poller's first receive comes this much later (default 30s).
    pub startup: SimDuration,
    /// Scale-in goes to the largest desired count of this last window
    /// (default 5m).
    pub scale_in_window: SimDuration,
    /// Whether in-flight messages count as backlog (default true).
    pub count_in_flight: bool,
}

impl Default for TargetTracking {
    fn default() -> Self {
        TargetTracking {
            min: 1,
            max: 100,
            messages_per_poller: 5,
            poll_interval: SimDuration::from_secs(30),
            startup: SimDuration::from_secs(30),
            scale_in_window: SimDuration::from_mins(5),
            count_in_flight: true,
        }
    }
}

impl Scaling {
    /// The most pollers the controller may run.
    pub fn max_pollers(&self) -> u32 {
        match self {
            Scaling::Lambda(l) => l.max_concurrency,
            Scaling::TargetTracking(t) => t.max,
        }
    }

    /// Pollers running at the start.
    pub fn initial_pollers(&self) -> u32 {
        match self {
            Scaling::Lambda(l) => l.initial.min(l.max_concurrency),
            Scaling::TargetTracking(t) => t.min,
        }
    }
}

impl ConsumerConfig {
    /// A consumer with SPEC §6 defaults: 1 poller, batch 1, long polling
    /// 20s, 20ms requests, per-message deletes, no failures, confidence 1.
    pub fn new(name: &str, queue: usize, processing_time: ServiceDist) -> Self {
        ConsumerConfig {
            name: name.to_string(),
            queue,
            count: 1,
            batch: 1,
            polling: Polling::Long {
                wait: SimDuration::from_secs(20),
            },
            request_latency: SimDuration::from_millis(20),
            processing_time,
            failure_probability: 0.0,
            poison_probability: 0.0,
            delete: DeleteMode::PerMessage,
            visibility: Visibility::Fixed,
            confidence: ConfidenceDist::Constant(1.0),
            route: None,
            scaling: None,
            schedule: None,
        }
    }

    /// P5 pollers, or A1/A2 the most an autoscaled consumer may run (its
    /// offered load, SPEC §7 A4, uses this maximum).
    pub fn max_pollers(&self) -> u32 {
        self.scaling.map_or(self.count, |s| s.max_pollers())
    }

    /// The pollers SPEC §4b's offered load counts for a stationary stream:
    /// an autoscaled pool's most (A4: whether the controller could keep up
    /// at full size), a scheduled pool's mean over its cycle (A3: a backlog
    /// is worked by the pollers in force, step by step, so the long run
    /// gets the time average; the largest step would call a pool that sits
    /// at 0 half the day stable), else `count`. On a FIFO queue of `groups`
    /// groups (`fifo_groups`), each step counts at most that many (P4: a
    /// poller beyond them finds no batch), before the average: the cap
    /// applied to the mean would count a step's idle pollers as making up
    /// for another's missing ones. (Several scheduled readers of one FIFO
    /// queue are capped one by one here, and together by the caller.)
    pub fn load_pollers(&self, fifo_groups: Option<u32>) -> f64 {
        match (&self.scaling, &self.schedule) {
            (Some(s), _) => s.max_pollers() as f64,
            (None, Some(schedule)) => match fifo_groups {
                Some(g) => schedule.mean_count_capped(g),
                None => schedule.mean_count(),
            },
            (None, None) => self.count as f64,
        }
    }

    /// A1: the Lambda event source mapping, if this consumer is one.
    pub fn lambda(&self) -> Option<&LambdaScaling> {
        match &self.scaling {
            Some(Scaling::Lambda(l)) => Some(l),
            _ => None,
        }
    }
}

/// P8: the search index (Elasticsearch bulk API).
#[derive(Clone, Debug)]
pub struct IndexConfig {
    /// B: a bulk request is sent when B documents are buffered (default 500).
    pub bulk_size: u32,
    /// F: ... or F after the oldest buffered document (default 1s).
    pub flush_interval: SimDuration,
    /// Bulk request latency \[µs\] (default lognormal, median 50ms; the spec
    /// names no sigma: 0.5 here).
    pub bulk_latency: ServiceDist,
    /// C: bulk requests in flight at most (default 1).
    pub concurrency: u32,
    /// R: a document is searchable at the first multiple of R at or after
    /// its bulk request completes (default 1s; 0 = at once).
    pub refresh_interval: SimDuration,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            bulk_size: 500,
            flush_interval: SimDuration::from_secs(1),
            bulk_latency: ServiceDist::lognormal(50_000.0, 0.5).expect("valid lognormal"),
            concurrency: 1,
            refresh_interval: SimDuration::from_secs(1),
        }
    }
}

/// The whole pipeline: queues, consumer pools and the index.
#[derive(Clone, Debug, Default)]
pub struct PipelineConfig {
    pub queues: Vec<QueueConfig>,
    pub consumers: Vec<ConsumerConfig>,
    pub index: IndexConfig,
}

impl PipelineConfig {
    /// Structural checks the scenario layer should already have made; a
    /// second line of defence with plain messages naming the field.
    pub fn check(&self) -> Result<(), String> {
        let mut names = std::collections::HashSet::new();
        for q in &self.queues {
            if !names.insert(q.name.as_str()) {
                return Err(format!("pipeline: stage name `{}` is used twice", q.name));
            }
            if let QueueKind::Fifo(f) = &q.kind {
                if f.groups == 0 {
                    return Err(format!("pipeline.queues[{}].groups must be ≥ 1", q.name));
                }
                if f.throughput_per_s == 0 {
                    return Err(format!(
                        "pipeline.queues[{}].throughput must be > 0",
                        q.name
                    ));
                }
                // Issue 18: a throttled request retried at the same instant
                // is throttled again, forever; each retry must advance time.
                if f.throttle_backoff.is_zero() {
                    return Err(format!(
                        "pipeline.queues[{}].throttle_backoff must be > 0",
                        q.name
                    ));
                }
            }
            if let QueueKind::Standard(s) = &q.kind {
                if s.reorder_window == 0 {
                    return Err(format!(
                        "pipeline.queues[{}].reorder_window must be ≥ 1",
                        q.name
                    ));
                }
            }
            if let Some(d) = q.dead_letter {
                if !(1..=1000).contains(&d.max_receive_count) {
                    return Err(format!(
                        "pipeline.queues[{}].dead_letter.max_receive_count must be in 1..1000",
                        q.name
                    ));
                }
            }
        }
        for c in &self.consumers {
            if !names.insert(c.name.as_str()) {
                return Err(format!("pipeline: stage name `{}` is used twice", c.name));
            }
            if c.queue >= self.queues.len() {
                return Err(format!("pipeline.consumers[{}].queue is unknown", c.name));
            }
            let windowed = c.lambda().is_some_and(|l| !l.batch_window.is_zero())
                && matches!(self.queues[c.queue].kind, QueueKind::Standard(_));
            let most = if windowed { 10_000 } else { 10 };
            if !(1..=most).contains(&c.batch) {
                return Err(format!(
                    "pipeline.consumers[{}].batch must be in 1..{most}",
                    c.name
                ));
            }
            match c.polling {
                Polling::Long { wait } if wait.is_zero() => {
                    return Err(format!(
                        "pipeline.consumers[{}].wait: long polling needs 1s..20s (0s is \
                         short polling)",
                        c.name
                    ));
                }
                Polling::Short { poll_interval }
                    if (poll_interval + c.request_latency).is_zero() =>
                {
                    return Err(format!(
                        "pipeline.consumers[{}].poll_interval: short polling with 0 ms \
                         requests needs a poll_interval > 0",
                        c.name
                    ));
                }
                _ => {}
            }
            if let ConfidenceDist::Empirical(v) = &c.confidence {
                if v.is_empty() {
                    return Err(format!(
                        "pipeline.consumers[{}].confidence: empirical sample is empty",
                        c.name
                    ));
                }
            }
        }
        if names.contains("index") {
            return Err("pipeline: `index` is reserved for the index's metrics".into());
        }
        if self.index.bulk_size == 0 || self.index.concurrency == 0 {
            return Err("pipeline.index: bulk_size and concurrency must be ≥ 1".into());
        }
        Ok(())
    }
}
