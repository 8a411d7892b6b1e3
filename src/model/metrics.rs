//! What one replication reports: the SPEC §4 summary keys and time series.

use std::fmt;

/// A metric name made at run time (`labeled_within_24h`), kept for the
/// life of the process: each distinct name is stored once.
pub fn intern(name: String) -> &'static str {
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = names.get(name.as_str()) {
        return n;
    }
    let leaked: &'static str = Box::leak(name.into_boxed_str());
    names.insert(leaked);
    leaked
}

/// How a job ended (SPEC §4 `job_end_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EndState {
    /// R4: a batch job whose objects are all resolved.
    Completed,
    /// R1: `job.stop_at` reached.
    StoppedManual,
    /// R8: idle for more than `job.idle_timeout`.
    StoppedIdle,
    /// R1/R4: a batch job not complete within `job.max_runtime`.
    Failed,
    /// The horizon came first; the job is still running.
    InProgress,
}

impl EndState {
    pub fn as_str(self) -> &'static str {
        match self {
            EndState::Completed => "completed",
            EndState::StoppedManual => "stopped_manual",
            EndState::StoppedIdle => "stopped_idle",
            EndState::Failed => "failed",
            EndState::InProgress => "in_progress",
        }
    }
}

/// SPEC §4 `job_end_state` of a run without a labeling job (§6: a pipeline
/// with no route and no producer sending to the job).
pub const NO_JOB_END_STATE: &str = "none";

/// `job_end_state` as written in every output: the end state, or
/// [`NO_JOB_END_STATE`] when the run has no labeling job.
pub fn job_end_state_name(state: Option<EndState>) -> &'static str {
    state.map_or(NO_JOB_END_STATE, EndState::as_str)
}

impl fmt::Display for EndState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reported value.
#[derive(Clone, Debug, PartialEq)]
pub enum MetricValue {
    Count(u64),
    Real(f64),
    Text(String),
    /// A statistic of an empty sample (SPEC §4a): `null` in JSON, an empty
    /// CSV cell, never 0.
    Missing,
}

impl MetricValue {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            MetricValue::Count(c) => Some(*c as f64),
            MetricValue::Real(r) => Some(*r),
            MetricValue::Text(_) | MetricValue::Missing => None,
        }
    }

    /// A real statistic that may have no value.
    pub fn from_option(x: Option<f64>) -> MetricValue {
        x.map_or(MetricValue::Missing, MetricValue::Real)
    }
}

/// The summary of one replication. Counts are objects unless named `tasks_`;
/// times are seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunSummary {
    pub messages_received: u64,
    pub duplicates_dropped: u64,
    pub lost_not_in_progress: u64,
    pub lost_after_stop: u64,
    pub objects_accepted: u64,
    pub objects_dispatched: u64,
    pub objects_labeled: u64,
    pub objects_failed: u64,
    pub expired_in_queue: u64,
    pub stranded_at_stop: u64,
    pub queued_at_end: u64,
    pub in_progress_at_end: u64,
    pub tasks_created: u64,
    pub tasks_submitted: u64,
    pub tasks_declined: u64,
    pub tasks_timed_out: u64,
    pub tasks_expired: u64,
    /// Tasks waiting in the pool when the job stopped (R1).
    pub tasks_withdrawn: u64,
    /// Timed-out tasks not returned (`on_timeout: drop`, or after a stop).
    pub tasks_dropped: u64,
    pub time_to_label_mean_s: Option<f64>,
    pub time_to_label_p50_s: Option<f64>,
    pub time_to_label_p95_s: Option<f64>,
    pub time_to_label_p99_s: Option<f64>,
    pub queue_wait_mean_s: Option<f64>,
    pub pool_wait_mean_s: Option<f64>,
    /// Share of dispatched objects whose first task waited for a worker:
    /// P(wait > 0), Erlang C's quantity for M/M/c.
    pub pool_wait_positive_fraction: Option<f64>,
    pub backlog_max: u64,
    pub backlog_mean: Option<f64>,
    pub available_max: u64,
    pub available_mean: Option<f64>,
    pub worker_utilization: Option<f64>,
    pub labeled_per_hour: Option<f64>,
    pub test_events_accepted: u64,
    pub job_end_state: Option<EndState>,
    pub job_end_time_s: f64,
    pub messages_produced: u64,
    pub redeliveries: u64,
    pub held_at_end: u64,
    pub held_at_sender_max: u64,
    pub sender_wait_mean_s: Option<f64>,
    /// Heartbeat objects sent by the keep-alive option.
    pub keepalive_messages: u64,
    /// From production (the producer's send, before any sender throttling)
    /// to the label event \[s\].
    pub e2e_time_to_label_mean_s: Option<f64>,
    pub e2e_time_to_label_p50_s: Option<f64>,
    pub e2e_time_to_label_p95_s: Option<f64>,
    /// On-shift worker time over the job's life [worker-hours].
    pub worker_hours_on_shift: f64,
    /// Busy worker time outside shifts over the job's life: tasks in hand
    /// at a shift's end are finished (R7) [worker-hours]; paid as wages.
    pub worker_hours_overtime: f64,
    /// Accepted objects that repeat an earlier accepted object (retries or
    /// re-uploads the deduplication key did not catch): labeled twice.
    pub duplicate_objects_accepted: u64,
    pub cost_usd: f64,
    pub cost_per_labeled_object: Option<f64>,
    /// What the uncaught duplicates cost.
    pub duplicate_cost_paid_usd: f64,
    /// What deduplication saved (dropped duplicates at the marginal price).
    pub duplicate_cost_avoided_usd: f64,
    /// SPEC §4a: the warm-up left out of latency statistics and
    /// time-weighted means (fixed, or chosen by MSER-5) \[s\].
    pub warmup_s: f64,
    pub events: u64,
    /// SPEC §4a `labeled_within_<d>`: per service level of the scenario, the
    /// share of eligible objects labeled within it; none if none eligible.
    pub sla: Vec<(&'static str, Option<f64>)>,
    /// SPEC §4a per group and per producer: `workers.<group>.utilization`
    /// when there are several groups, `producers.<name>.time_to_label_mean_s`
    /// and `_p95_s` when several producers send to the job (see
    /// [`breakdown_names`]).
    pub breakdown: Vec<(&'static str, Option<f64>)>,
    /// SPEC §6: the pipeline's flat `<stage>.<metric>` keys and unprefixed
    /// totals (interned), in the pipeline's order; empty without one.
    pub pipeline: Vec<(&'static str, Option<f64>)>,
}

/// The pipeline's cost metrics (SPEC §6), after its other metrics: SQS
/// requests, consumer hours, and the run's whole cost (`cost_usd`, people
/// included) per expected correct indexed label.
pub const PIPELINE_COST_METRICS: [&str; 3] = [
    super::catalog::SQS_COST_USD,
    super::catalog::CONSUMER_COST_USD,
    super::catalog::COST_PER_CORRECT_LABEL,
];

/// Whether a pipeline metric is a count (not a mean, time, share or
/// accuracy).
fn pipeline_count(name: &str) -> bool {
    !(name.ends_with("_s")
        || name.ends_with("_mean")
        || name.contains("utilization")
        || name.contains("accuracy"))
}

impl RunSummary {
    /// Every metric, in the stable output order.
    pub fn metrics(&self) -> Vec<(&'static str, MetricValue)> {
        use super::catalog as c;
        use MetricValue::{Count as C, Real as R};
        let opt = MetricValue::from_option;
        vec![
            (c::MESSAGES_RECEIVED, C(self.messages_received)),
            (c::DUPLICATES_DROPPED, C(self.duplicates_dropped)),
            (c::LOST_NOT_IN_PROGRESS, C(self.lost_not_in_progress)),
            (c::LOST_AFTER_STOP, C(self.lost_after_stop)),
            (c::OBJECTS_ACCEPTED, C(self.objects_accepted)),
            (c::OBJECTS_DISPATCHED, C(self.objects_dispatched)),
            (c::OBJECTS_LABELED, C(self.objects_labeled)),
            (c::OBJECTS_FAILED, C(self.objects_failed)),
            (c::EXPIRED_IN_QUEUE, C(self.expired_in_queue)),
            (c::STRANDED_AT_STOP, C(self.stranded_at_stop)),
            (c::QUEUED_AT_END, C(self.queued_at_end)),
            (c::IN_PROGRESS_AT_END, C(self.in_progress_at_end)),
            (c::TASKS_CREATED, C(self.tasks_created)),
            (c::TASKS_SUBMITTED, C(self.tasks_submitted)),
            (c::TASKS_DECLINED, C(self.tasks_declined)),
            (c::TASKS_TIMED_OUT, C(self.tasks_timed_out)),
            (c::TASKS_EXPIRED, C(self.tasks_expired)),
            (c::TASKS_WITHDRAWN, C(self.tasks_withdrawn)),
            (c::TASKS_DROPPED, C(self.tasks_dropped)),
            (c::TIME_TO_LABEL_MEAN_S, opt(self.time_to_label_mean_s)),
            (c::TIME_TO_LABEL_P50_S, opt(self.time_to_label_p50_s)),
            (c::TIME_TO_LABEL_P95_S, opt(self.time_to_label_p95_s)),
            (c::TIME_TO_LABEL_P99_S, opt(self.time_to_label_p99_s)),
            (c::QUEUE_WAIT_MEAN_S, opt(self.queue_wait_mean_s)),
            (c::POOL_WAIT_MEAN_S, opt(self.pool_wait_mean_s)),
            (
                c::POOL_WAIT_POSITIVE_FRACTION,
                opt(self.pool_wait_positive_fraction),
            ),
            (c::BACKLOG_MAX, C(self.backlog_max)),
            (c::BACKLOG_MEAN, opt(self.backlog_mean)),
            (c::AVAILABLE_MAX, C(self.available_max)),
            (c::AVAILABLE_MEAN, opt(self.available_mean)),
            (c::WORKER_UTILIZATION, opt(self.worker_utilization)),
            (c::LABELED_PER_HOUR, opt(self.labeled_per_hour)),
            (c::TEST_EVENTS_ACCEPTED, C(self.test_events_accepted)),
            (
                c::JOB_END_STATE,
                MetricValue::Text(job_end_state_name(self.job_end_state).to_string()),
            ),
            (c::JOB_END_TIME_S, R(self.job_end_time_s)),
            (c::MESSAGES_PRODUCED, C(self.messages_produced)),
            (c::REDELIVERIES, C(self.redeliveries)),
            (c::HELD_AT_END, C(self.held_at_end)),
            (c::HELD_AT_SENDER_MAX, C(self.held_at_sender_max)),
            (c::SENDER_WAIT_MEAN_S, opt(self.sender_wait_mean_s)),
            (c::KEEPALIVE_MESSAGES, C(self.keepalive_messages)),
            (
                c::E2E_TIME_TO_LABEL_MEAN_S,
                opt(self.e2e_time_to_label_mean_s),
            ),
            (
                c::E2E_TIME_TO_LABEL_P50_S,
                opt(self.e2e_time_to_label_p50_s),
            ),
            (
                c::E2E_TIME_TO_LABEL_P95_S,
                opt(self.e2e_time_to_label_p95_s),
            ),
            (c::WORKER_HOURS_ON_SHIFT, R(self.worker_hours_on_shift)),
            (c::WORKER_HOURS_OVERTIME, R(self.worker_hours_overtime)),
            (
                c::DUPLICATE_OBJECTS_ACCEPTED,
                C(self.duplicate_objects_accepted),
            ),
            (c::COST_USD, R(self.cost_usd)),
            (
                c::COST_PER_LABELED_OBJECT,
                opt(self.cost_per_labeled_object),
            ),
            (c::DUPLICATE_COST_PAID_USD, R(self.duplicate_cost_paid_usd)),
            (
                c::DUPLICATE_COST_AVOIDED_USD,
                R(self.duplicate_cost_avoided_usd),
            ),
            (c::WARMUP_S, R(self.warmup_s)),
            (c::EVENTS, C(self.events)),
        ]
        .into_iter()
        .chain(self.sla.iter().map(|&(k, v)| (k, opt(v))))
        .chain(self.breakdown.iter().map(|&(k, v)| (k, opt(v))))
        .chain(self.pipeline.iter().map(|&(k, v)| match v {
            // Counts print as whole numbers, like the job's.
            Some(x) if pipeline_count(k) && x >= 0.0 && x.fract() == 0.0 => (k, C(x as u64)),
            _ => (k, opt(v)),
        }))
        .collect()
    }

    /// Whether a metric is a statistic of a sample that can be empty (then
    /// it has no value, SPEC §4a).
    pub fn may_be_empty(name: &str) -> bool {
        RunSummary::default()
            .metrics()
            .iter()
            .any(|(k, v)| *k == name && *v == MetricValue::Missing)
            || name.starts_with("labeled_within_")
            || name.starts_with("workers.")
            || name.starts_with("producers.")
            || Self::pipeline_statistic(name)
    }

    /// SPEC §6: the pipeline's statistics of a sample (latencies and
    /// their parts, queue waits, utilizations, accuracies) and the cost
    /// per correct label: empty where nothing was measured (no document
    /// searchable, no poller time, no label).
    fn pipeline_statistic(name: &str) -> bool {
        use super::catalog::{self, Unit};
        name == catalog::COST_PER_CORRECT_LABEL
            || catalog::def(name).is_some_and(|d| {
                d.rule.starts_with('P') && matches!(d.unit, Unit::Seconds | Unit::Fraction)
            })
    }

    /// Metric names in output order for a scenario with these service
    /// levels (their `labeled_within_<d>` come last).
    pub fn metric_names_for(sla: &[super::config::Sla]) -> Vec<&'static str> {
        let mut names = RunSummary::metric_names();
        names.extend(sla.iter().map(|s| s.name));
        names
    }

    /// Metric names in output order for a scenario: its service levels,
    /// then its pipeline's `<stage>.<metric>` keys and totals (SPEC §6).
    /// Sweeps, plans and comparisons of pipeline scenarios need these (the
    /// `sla`-only [`Self::metric_names_for`] leaves the pipeline out).
    pub fn metric_names_for_config(cfg: &super::config::SimConfig) -> Vec<&'static str> {
        let mut names = RunSummary::metric_names_for(&cfg.sla);
        names.extend(breakdown_names(cfg));
        if let Some(p) = &cfg.pipeline {
            let seeds = crate::engine::StreamSeeds::for_replication(0, 0);
            let pipe = super::pipeline::Pipeline::new(p, seeds);
            names.extend(
                pipe.metrics(crate::engine::SimTime::ZERO)
                    .into_iter()
                    .map(|(k, _)| intern(k)),
            );
            names.extend(PIPELINE_COST_METRICS);
        }
        names
    }

    /// Metric names in output order.
    pub fn metric_names() -> Vec<&'static str> {
        RunSummary::default()
            .metrics()
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }
}

/// The per-group and per-producer metric names of a scenario, in output
/// order: `workers.<group>.utilization` for each worker group when there
/// are several; `producers.<name>.time_to_label_mean_s` and `_p95_s` for
/// each producer sending to the job when several do (SPEC §4a: the same
/// definitions as the totals, over that group's worker-time or that
/// producer's objects).
pub fn breakdown_names(cfg: &super::config::SimConfig) -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg.workers.len() > 1 {
        for g in &cfg.workers {
            names.push(intern(format!("workers.{}.utilization", g.name)));
        }
    }
    if super::job::accounts::job_bound_producers(cfg) > 1 {
        for p in cfg.producers.iter().filter(|p| p.to.is_none()) {
            names.push(intern(format!("producers.{}.time_to_label_mean_s", p.name)));
            names.push(intern(format!("producers.{}.time_to_label_p95_s", p.name)));
        }
    }
    names
}

/// One time-series sample (SPEC §4 timeseries.csv).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sample {
    pub t_s: f64,
    /// Objects accepted and not yet dispatched (the SQS queue; in batch mode
    /// the manifest objects not yet sent).
    pub backlog: u64,
    /// A: objects available to workers.
    pub available: u64,
    pub tasks_waiting: u64,
    pub tasks_in_progress: u64,
    pub workers_busy: u64,
    pub workers_on_shift: u64,
    pub labeled_total: u64,
    /// Cumulative R6 queue expiries.
    pub expired_total: u64,
    pub duplicates_total: u64,
    /// Cumulative lost_not_in_progress + lost_after_stop + stranded_at_stop.
    pub lost_total: u64,
    pub received_total: u64,
    pub accepted_total: u64,
    pub failed_total: u64,
}

impl Sample {
    pub const COLUMNS: [&'static str; 14] = [
        "t_s",
        "backlog",
        "available",
        "tasks_waiting",
        "tasks_in_progress",
        "workers_busy",
        "workers_on_shift",
        "labeled_total",
        "expired_total",
        "duplicates_total",
        "lost_total",
        "received_total",
        "accepted_total",
        "failed_total",
    ];

    pub fn values(&self) -> [f64; 14] {
        [
            self.t_s,
            self.backlog as f64,
            self.available as f64,
            self.tasks_waiting as f64,
            self.tasks_in_progress as f64,
            self.workers_busy as f64,
            self.workers_on_shift as f64,
            self.labeled_total as f64,
            self.expired_total as f64,
            self.duplicates_total as f64,
            self.lost_total as f64,
            self.received_total as f64,
            self.accepted_total as f64,
            self.failed_total as f64,
        ]
    }
}

/// What happened to an object (or the job) at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceKind {
    JobInProgress,
    JobEnded(EndState),
    LostNotInProgress,
    LostAfterStop,
    DuplicateDropped,
    Accepted,
    Queued,
    Dispatched,
    Taken,
    Submitted,
    Declined,
    TimedOut,
    LifetimeReached,
    Labeled,
    Failed,
    ExpiredInQueue,
    Stranded,
}

impl TraceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TraceKind::JobInProgress => "job_in_progress",
            TraceKind::JobEnded(_) => "job_ended",
            TraceKind::LostNotInProgress => "lost_not_in_progress",
            TraceKind::LostAfterStop => "lost_after_stop",
            TraceKind::DuplicateDropped => "duplicate_dropped",
            TraceKind::Accepted => "accepted",
            TraceKind::Queued => "queued",
            TraceKind::Dispatched => "dispatched",
            TraceKind::Taken => "taken",
            TraceKind::Submitted => "submitted",
            TraceKind::Declined => "declined",
            TraceKind::TimedOut => "timed_out",
            TraceKind::LifetimeReached => "lifetime_reached",
            TraceKind::Labeled => "labeled",
            TraceKind::Failed => "failed",
            TraceKind::ExpiredInQueue => "expired_in_queue",
            TraceKind::Stranded => "stranded",
        }
    }
}

/// One line of the event trace. `object` is the 1-based acceptance number
/// (0 for job-level and rejected-message records).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceRecord {
    pub t: crate::engine::SimTime,
    pub object: u64,
    pub kind: TraceKind,
    pub worker: Option<u32>,
}

/// Everything one replication produces.
#[derive(Clone, Debug)]
pub struct RunOutput {
    pub summary: RunSummary,
    pub timeseries: Vec<Sample>,
    /// Empty unless tracing was asked for.
    pub trace: Vec<TraceRecord>,
    /// Time-to-label CDF of labeled objects: (seconds, fraction ≤).
    pub time_to_label_cdf: Vec<(f64, f64)>,
    /// The same from production (end-to-end).
    pub e2e_cdf: Vec<(f64, f64)>,
    /// SPEC §6: the pipeline's time series (rows aligned with
    /// `timeseries`) and searchable-latency CDFs; None without a pipeline.
    pub pipeline: Option<super::pipeline::PipelineOutput>,
    /// SPEC §4b: results by interval of arrival, one row per interval of
    /// the cycle (`output.by_interval`); None without it.
    pub by_interval: Option<Vec<super::by_interval::IntervalRow>>,
}
