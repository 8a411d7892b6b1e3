//! The metric catalog: every metric defined once, with its key, the label
//! printed for it, its unit (and what it counts), the SPEC rule it reports
//! on and how it aggregates over replications. The printed summary of
//! `run`, the "what each rule did" tables, the compare and sweep tables, the
//! printed units ([`crate::human`]) and the charts' axis text
//! ([`axis_label`]) read it; docs/model.md's glossary must mention every
//! key (a test checks both that and that every key a run emits is here).
//!
//! Adding a metric is one line in [`CATALOG`] (which also defines its
//! constant, e.g. [`TIME_TO_LABEL_P95_S`], so a typo in a metric name does
//! not compile) plus its computation in [`super::metrics`] or the pipeline.
//!
//! Keys made at run time are families, matched by pattern: an entry whose
//! key holds one `<placeholder>` (`labeled_within_<d>`,
//! `workers.<group>.utilization`, `producers.<name>.time_to_label_p95_s`,
//! a pipeline stage's `<stage>.<metric>`) stands for every key that has
//! its text before and after the placeholder around a non-empty name; in
//! `<stage>.<metric>` families the name holds no dot. See [`def`].

/// What a metric's numbers are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Objects, messages, tasks, requests, events: whole numbers (what
    /// is counted is the entry's [`MetricDef::noun`]).
    Count,
    /// A level averaged over time (objects on average; the entry's
    /// [`MetricDef::noun`]): a real number, never negative.
    Number,
    /// Seconds \[s\].
    Seconds,
    /// A fraction of 1 (utilization, shares, accuracy), of the entry's
    /// [`MetricDef::noun`].
    Fraction,
    /// US dollars (a total, or per object or per label).
    Usd,
    /// Objects per hour [objects/h] (the entry's [`MetricDef::noun`] per
    /// hour).
    PerHour,
    /// Worker-hours \[h\].
    Hours,
    /// Text (`job_end_state`).
    Text,
}

/// How a metric is summarised over replications (summary.json's `mean`
/// and `ci95`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aggregate {
    /// The mean over the replications with a value, and its Student-t 95%
    /// interval.
    MeanCi,
    /// The most frequent value, ties broken by name (text metrics).
    MostFrequent,
}

/// One metric.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricDef {
    /// The key in summary.json and the CSV headers; a pattern with one
    /// `<placeholder>` for a family of keys made at run time.
    pub key: &'static str,
    /// What `run` prints for it (its summary row's label).
    pub label: &'static str,
    pub unit: Unit,
    /// What the unit counts (a count or level: `messages`, `tasks`), is a
    /// fraction of (`on-shift time`) or is per hour: `objects` unless
    /// `MetricDef::of` says otherwise. Charts show it as the unit.
    pub noun: &'static str,
    /// Words for a chart axis where the label does not suit one (it holds
    /// the unit already, or another metric's value); None: the label.
    pub axis: Option<&'static str>,
    /// The SPEC rule(s) it reports on (`R6`, `R1/R8`, `P5`); empty for none.
    pub rule: &'static str,
    pub aggregate: Aggregate,
    /// The short column header of the compare tables.
    pub column: Option<&'static str>,
    /// Its row in run's "what each rule did" table.
    pub effect: Option<&'static str>,
    /// Its column, after the rule, in sweep's per-point "what each rule
    /// did" table (`R6 expired in queue`).
    pub rule_column: Option<&'static str>,
}

impl MetricDef {
    const fn new(
        key: &'static str,
        unit: Unit,
        rule: &'static str,
        label: &'static str,
    ) -> MetricDef {
        MetricDef {
            key,
            label,
            unit,
            noun: "objects",
            axis: None,
            rule,
            aggregate: match unit {
                Unit::Text => Aggregate::MostFrequent,
                _ => Aggregate::MeanCi,
            },
            column: None,
            effect: None,
            rule_column: None,
        }
    }
    /// What the unit counts or is a fraction of, if not objects.
    const fn of(mut self, noun: &'static str) -> MetricDef {
        self.noun = noun;
        self
    }
    const fn axis(mut self, words: &'static str) -> MetricDef {
        self.axis = Some(words);
        self
    }
    const fn column(mut self, c: &'static str) -> MetricDef {
        self.column = Some(c);
        self
    }
    const fn effect(mut self, e: &'static str) -> MetricDef {
        self.effect = Some(e);
        self
    }
    const fn rule_column(mut self, c: &'static str) -> MetricDef {
        self.rule_column = Some(c);
        self
    }

    /// Whether this entry stands for a family of keys made at run time.
    pub fn is_family(&self) -> bool {
        self.key.contains('<')
    }

    /// Whether `key` is this entry's key or, for a family, one of its keys.
    pub fn matches(&self, key: &str) -> bool {
        let Some((before, rest)) = self.key.split_once('<') else {
            return self.key == key;
        };
        let after = rest.split_once('>').map_or("", |(_, a)| a);
        let Some(name) = key.strip_prefix(before).and_then(|k| k.strip_suffix(after)) else {
            return false;
        };
        // `<stage>.<metric>`: a stage name has no dot.
        let stage = before.is_empty();
        !name.is_empty() && (!stage || !name.contains('.'))
    }

    /// The unit as a chart axis shows it, in brackets after the words:
    /// `s`, `fraction of objects`, `messages`, `objects per hour`, `USD`,
    /// `h`; None for text. The charts read it back
    /// ([`crate::plot::axis::Quantity::of_axis_label`]): `s` is a time,
    /// `fraction ...` a share, anything else a non-negative amount.
    pub fn axis_unit(&self) -> Option<String> {
        Some(match self.unit {
            Unit::Count | Unit::Number => self.noun.to_string(),
            Unit::Seconds => "s".into(),
            Unit::Fraction => format!("fraction of {}", self.noun),
            Unit::Usd => "USD".into(),
            Unit::PerHour => format!("{} per hour", self.noun),
            Unit::Hours => "h".into(),
            Unit::Text => return None,
        })
    }
}

/// The catalog entry of `key`: its own, or its family's; None for a key no
/// metric has.
pub fn def(key: &str) -> Option<&'static MetricDef> {
    CATALOG
        .iter()
        .find(|d| !d.is_family() && d.key == key)
        .or_else(|| CATALOG.iter().find(|d| d.is_family() && d.matches(key)))
}

/// A 95% interval over replications (Student t) of a metric in `unit`
/// (see [`unit()`]; None for one the catalog does not hold) kept within the
/// values the metric can take: none is negative (counts, levels, times,
/// money, rates), and a fraction is at most 1. The t interval is
/// symmetric and can cross those bounds with few replications (a share of
/// [-75.9%, 172.8%] from 3 of them); the part outside holds no possible
/// value, so cutting it keeps the interval's coverage.
pub fn bounded_ci(unit: Option<Unit>, (lo, hi): (f64, f64)) -> (f64, f64) {
    let top = match unit {
        Some(Unit::Fraction) => 1.0,
        _ => f64::INFINITY,
    };
    (lo.clamp(0.0, top), hi.clamp(0.0, top))
}

/// Whether `key` measures the labeling job (its objects, tasks, workers,
/// queue or end, R1–R8 and R10, and what follows from them: labels' costs,
/// duplicates labeled, the end-to-end time to label, the pipeline's human
/// path). Without a job (a pipeline alone) such a metric is empty or 0
/// whatever is varied, so a target on it cannot mean anything. The
/// producers' messages (R9, R12) and the pipeline's other metrics are not
/// the job's.
pub fn measures_the_job(key: &str) -> bool {
    const JOB_RULES: [&str; 9] = ["R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8", "R10"];
    let Some(d) = def(key) else { return false };
    d.rule.split('/').any(|r| JOB_RULES.contains(&r))
        || [
            DUPLICATES_DROPPED,
            DUPLICATE_OBJECTS_ACCEPTED,
            DUPLICATE_COST_PAID_USD,
            DUPLICATE_COST_AVOIDED_USD,
            COST_PER_LABELED_OBJECT,
        ]
        .contains(&key)
        || key.starts_with("e2e_time_to_label_")
        // P6/P8: the human path, which needs a job to route to.
        || key.starts_with("searchable_latency_human_")
        || key.starts_with("latency_human_")
        || [ACCURACY_HUMAN, HUMAN_LABELED, ROUTED_TO_HUMANS, AUDITED].contains(&key)
}

/// The unit of `key` (None for a key no metric has).
pub fn unit(key: &str) -> Option<Unit> {
    def(key).map(|d| d.unit)
}

/// The label of `key`: its entry's, with a family's placeholder replaced
/// by the name in `key` (`labeled_within_24h`: `labeled within 24h`), or
/// the name put first where the label has no placeholder
/// (`incoming.sent`: `incoming: sent`).
pub fn label(key: &str) -> Option<String> {
    let d = def(key)?;
    Some(with_name(d, key, d.label))
}

/// `text` of `d` with the name in `key` for a family (see [`label`]).
fn with_name(d: &MetricDef, key: &str, text: &str) -> String {
    let Some((before, rest)) = d.key.split_once('<') else {
        return text.to_string();
    };
    let (placeholder, after) = rest.split_once('>').unwrap_or((rest, ""));
    let Some(name) = key.strip_prefix(before).and_then(|k| k.strip_suffix(after)) else {
        return text.to_string();
    };
    let placeholder = format!("<{placeholder}>");
    if text.contains(&placeholder) {
        text.replace(&placeholder, name)
    } else {
        format!("{name}: {text}")
    }
}

/// The text of `key` on a chart axis: its label (or `MetricDef::axis`)
/// with the unit in brackets, `time to label, p95 [s]`, `labeled within
/// 24h [fraction of objects]`, `incoming: sent [messages]`; a label that
/// ends with its unit (`cost [USD]`) keeps it once. None for a key no
/// metric has.
pub fn axis_label(key: &str) -> Option<String> {
    let d = def(key)?;
    let words = with_name(d, key, d.axis.unwrap_or(d.label));
    let Some(unit) = d.axis_unit() else {
        return Some(words);
    };
    let unit = format!(" [{unit}]");
    let words = words.strip_suffix(&unit).unwrap_or(&words);
    Some(format!("{words}{unit}"))
}

/// The rows of run's "what each rule did" table, in order (each has an
/// `MetricDef::effect`).
pub const RULE_TABLE: &[&str] = &[
    LOST_NOT_IN_PROGRESS,
    LOST_AFTER_STOP,
    STRANDED_AT_STOP,
    TASKS_WITHDRAWN,
    JOB_END_STATE,
    JOB_END_TIME_S,
    AVAILABLE_MAX,
    BACKLOG_MAX,
    EXPIRED_IN_QUEUE,
    TASKS_DECLINED,
    TASKS_TIMED_OUT,
    TASKS_EXPIRED,
    OBJECTS_FAILED,
    DUPLICATES_DROPPED,
    DUPLICATE_OBJECTS_ACCEPTED,
    TEST_EVENTS_ACCEPTED,
    HELD_AT_END,
    KEEPALIVE_MESSAGES,
];

/// The columns of sweep's per-point "what each rule did" table, in order
/// (each has a `MetricDef::rule_column`).
pub const SWEEP_RULE_TABLE: &[&str] = &[
    LOST_AFTER_STOP,
    STRANDED_AT_STOP,
    EXPIRED_IN_QUEUE,
    TASKS_EXPIRED,
    TASKS_DECLINED,
    DUPLICATES_DROPPED,
    HELD_AT_END,
];

/// The rows of run's "what each rule did" table for a pipeline (P1–P8),
/// in order (each has an `MetricDef::effect`).
pub const PIPELINE_RULE_TABLE: &[&str] = &[
    EXPIRED,
    DEAD_LETTERED,
    THROTTLED_REQUESTS,
    DUPLICATES_DELIVERED,
    FIFO_DEDUPLICATED,
    FAILURES,
    ROUTED_TO_HUMANS,
    TEST_EVENTS_DISCARDED,
    INDEX_OVERWRITES,
];

/// The columns of sweep's per-point "what each rule did" table for a
/// pipeline, in order (each has a `MetricDef::rule_column`).
pub const PIPELINE_SWEEP_RULE_TABLE: &[&str] = &[
    EXPIRED,
    DEAD_LETTERED,
    DUPLICATES_DELIVERED,
    FAILURES,
    ROUTED_TO_HUMANS,
    INDEX_OVERWRITES,
];

macro_rules! catalog {
    ($($name:ident = $def:expr;)*) => {
        $(
            #[doc = concat!("The metric key `", stringify!($name), "` (lower case).")]
            pub const $name: &str = $def.key;
        )*
        /// Every metric, in summary.json's order (job, per service level,
        /// per group and producer, pipeline stages and totals, pipeline
        /// costs).
        pub static CATALOG: &[MetricDef] = &[$($def),*];
    };
}

use MetricDef as D;
use Unit::{Count, Fraction, Hours, Number, PerHour, Seconds, Text, Usd};

catalog! {
    MESSAGES_RECEIVED = D::new("messages_received", Count, "R1/R9", "messages received").of("messages");
    DUPLICATES_DROPPED = D::new("duplicates_dropped", Count, "R9", "duplicates dropped (R9)").of("messages").effect("duplicate messages dropped").rule_column("duplicates dropped");
    LOST_NOT_IN_PROGRESS = D::new("lost_not_in_progress", Count, "R1", "lost: not in progress (R1)").of("messages").effect("messages lost while the job was initializing");
    LOST_AFTER_STOP = D::new("lost_after_stop", Count, "R1", "lost: after stop (R1)").of("messages").effect("messages lost after the job stopped").rule_column("lost after stop");
    OBJECTS_ACCEPTED = D::new("objects_accepted", Count, "R1/R9", "objects accepted");
    OBJECTS_DISPATCHED = D::new("objects_dispatched", Count, "R3", "objects dispatched");
    OBJECTS_LABELED = D::new("objects_labeled", Count, "R2", "objects labeled").column("labeled");
    OBJECTS_FAILED = D::new("objects_failed", Count, "R2/R7", "objects failed (no submission)").effect("objects resolved with no submission (failed)");
    EXPIRED_IN_QUEUE = D::new("expired_in_queue", Count, "R6", "expired in queue (R6)").column("expired (R6)").effect("objects expired after waiting in the queue").rule_column("expired in queue");
    STRANDED_AT_STOP = D::new("stranded_at_stop", Count, "R1", "stranded at stop (R1)").effect("objects stranded in the queue at the stop").rule_column("stranded at stop");
    QUEUED_AT_END = D::new("queued_at_end", Count, "R3", "queued / in progress at end").axis("queued at end");
    IN_PROGRESS_AT_END = D::new("in_progress_at_end", Count, "R2", "in progress at end");
    TASKS_CREATED = D::new("tasks_created", Count, "R2", "tasks created").of("tasks");
    TASKS_SUBMITTED = D::new("tasks_submitted", Count, "R7", "tasks submitted").of("tasks");
    TASKS_DECLINED = D::new("tasks_declined", Count, "R7", "tasks declined").of("tasks").effect("tasks declined").rule_column("tasks declined");
    TASKS_TIMED_OUT = D::new("tasks_timed_out", Count, "R7", "tasks timed out").of("tasks").effect("tasks timed out");
    TASKS_EXPIRED = D::new("tasks_expired", Count, "R7", "tasks expired").of("tasks").effect("tasks expired at the availability lifetime").rule_column("tasks expired");
    TASKS_WITHDRAWN = D::new("tasks_withdrawn", Count, "R1", "tasks withdrawn").of("tasks").effect("tasks withdrawn at the stop");
    TASKS_DROPPED = D::new("tasks_dropped", Count, "R7/R1", "tasks dropped").of("tasks");
    TIME_TO_LABEL_MEAN_S = D::new("time_to_label_mean_s", Seconds, "R2", "time to label, mean");
    TIME_TO_LABEL_P50_S = D::new("time_to_label_p50_s", Seconds, "R2", "time to label, p50");
    TIME_TO_LABEL_P95_S = D::new("time_to_label_p95_s", Seconds, "R2", "time to label, p95");
    TIME_TO_LABEL_P99_S = D::new("time_to_label_p99_s", Seconds, "R2", "time to label, p99");
    QUEUE_WAIT_MEAN_S = D::new("queue_wait_mean_s", Seconds, "R3/R4", "queue wait (SQS), mean");
    POOL_WAIT_MEAN_S = D::new("pool_wait_mean_s", Seconds, "R7", "pool wait (for a worker), mean");
    POOL_WAIT_POSITIVE_FRACTION = D::new("pool_wait_positive_fraction", Fraction, "R7", "share waiting for a worker").axis("objects that waited for a worker");
    BACKLOG_MAX = D::new("backlog_max", Count, "R3", "backlog, max").effect("longest SQS backlog");
    BACKLOG_MEAN = D::new("backlog_mean", Number, "R3", "backlog, mean");
    AVAILABLE_MAX = D::new("available_max", Count, "R3", "available to workers (A), max").effect("most objects available to workers at once (A)");
    AVAILABLE_MEAN = D::new("available_mean", Number, "R3", "available to workers (A), mean");
    WORKER_UTILIZATION = D::new("worker_utilization", Fraction, "R7", "worker utilization").of("on-shift time");
    LABELED_PER_HOUR = D::new("labeled_per_hour", PerHour, "R1/R2", "labeled per hour").axis("labeled");
    TEST_EVENTS_ACCEPTED = D::new("test_events_accepted", Count, "R10", "S3 test events accepted").effect("S3 test events labeled as objects");
    JOB_END_STATE = D::new("job_end_state", Text, "R1/R8", "job end").effect("how the job ended (most frequent)");
    JOB_END_TIME_S = D::new("job_end_time_s", Seconds, "R1/R8", "job end time").effect("when the job ended [s]");
    MESSAGES_PRODUCED = D::new("messages_produced", Count, "R9/R12", "messages produced").of("messages");
    REDELIVERIES = D::new("redeliveries", Count, "R9", "redeliveries").of("messages");
    HELD_AT_END = D::new("held_at_end", Count, "R12", "held at the sender at end").of("messages").column("held at sender").effect("messages held at the sender at the end").rule_column("held at sender");
    HELD_AT_SENDER_MAX = D::new("held_at_sender_max", Count, "R12", "held at the sender, max").of("messages");
    SENDER_WAIT_MEAN_S = D::new("sender_wait_mean_s", Seconds, "R12", "sender wait, mean");
    KEEPALIVE_MESSAGES = D::new("keepalive_messages", Count, "R12", "keep-alive heartbeats").of("messages").effect("keep-alive heartbeats sent");
    E2E_TIME_TO_LABEL_MEAN_S = D::new("e2e_time_to_label_mean_s", Seconds, "R12", "end-to-end time to label, mean");
    E2E_TIME_TO_LABEL_P50_S = D::new("e2e_time_to_label_p50_s", Seconds, "R12", "end-to-end time to label, p50").column("e2e p50");
    E2E_TIME_TO_LABEL_P95_S = D::new("e2e_time_to_label_p95_s", Seconds, "R12", "end-to-end time to label, p95").column("e2e p95");
    WORKER_HOURS_ON_SHIFT = D::new("worker_hours_on_shift", Hours, "R7", "worker-hours on shift");
    WORKER_HOURS_OVERTIME = D::new("worker_hours_overtime", Hours, "R7", "worker-hours overtime");
    DUPLICATE_OBJECTS_ACCEPTED = D::new("duplicate_objects_accepted", Count, "R9", "duplicates accepted").effect("duplicates the key did not catch (labeled again)");
    COST_USD = D::new("cost_usd", Usd, "", "cost [USD]").column("cost [USD]");
    COST_PER_LABELED_OBJECT = D::new("cost_per_labeled_object", Usd, "", "cost per labeled object [USD]");
    DUPLICATE_COST_PAID_USD = D::new("duplicate_cost_paid_usd", Usd, "R9", "duplicates paid for [USD]");
    DUPLICATE_COST_AVOIDED_USD = D::new("duplicate_cost_avoided_usd", Usd, "R9", "duplicates avoided (R9) [USD]");
    WARMUP_S = D::new("warmup_s", Seconds, "", "warm-up left out");
    EVENTS = D::new("events", Count, "", "events").of("events");
    // Families (SPEC §4a).
    LABELED_WITHIN = D::new("labeled_within_<d>", Fraction, "R2", "labeled within <d>");
    WORKERS_UTILIZATION = D::new("workers.<group>.utilization", Fraction, "R7", "utilization: <group>").of("on-shift time");
    PRODUCERS_TIME_TO_LABEL_MEAN_S = D::new("producers.<name>.time_to_label_mean_s", Seconds, "R1/R2", "time to label, mean: <name>");
    PRODUCERS_TIME_TO_LABEL_P95_S = D::new("producers.<name>.time_to_label_p95_s", Seconds, "R1/R2", "time to label, p95: <name>");
    // Pipeline queues (SPEC §6; shared with consumers where both count it).
    STAGE_SENT = D::new("<stage>.sent", Count, "P1", "sent").of("messages");
    STAGE_FIFO_DEDUPLICATED = D::new("<stage>.fifo_deduplicated", Count, "P4", "FIFO deduplicated").of("messages");
    STAGE_ENQUEUED = D::new("<stage>.enqueued", Count, "P1", "enqueued").of("messages");
    STAGE_DUPLICATES_DELIVERED = D::new("<stage>.duplicates_delivered", Count, "P3", "duplicates delivered").of("messages");
    STAGE_RECEIVED = D::new("<stage>.received", Count, "P2", "received").of("messages");
    STAGE_REDELIVERED = D::new("<stage>.redelivered", Count, "P2", "redelivered").of("messages");
    STAGE_DELETED = D::new("<stage>.deleted", Count, "P2", "deleted").of("messages");
    STAGE_DELETE_FAILURES = D::new("<stage>.delete_failures", Count, "P2", "delete failures").of("requests");
    STAGE_EXPIRED = D::new("<stage>.expired", Count, "P1", "expired").of("messages");
    STAGE_DEAD_LETTERED = D::new("<stage>.dead_lettered", Count, "P1", "dead-lettered").of("messages");
    STAGE_DEAD_LETTER_EXPIRED = D::new("<stage>.dead_letter_expired", Count, "P1", "expired in the dead-letter queue").of("messages");
    STAGE_DEAD_LETTER_AT_END = D::new("<stage>.dead_letter_at_end", Count, "P1", "in the dead-letter queue at end").of("messages");
    STAGE_VISIBLE_AT_END = D::new("<stage>.visible_at_end", Count, "P1", "visible at end").of("messages");
    STAGE_IN_FLIGHT_AT_END = D::new("<stage>.in_flight_at_end", Count, "P1", "in flight at end").of("messages");
    STAGE_DELAYED_AT_END = D::new("<stage>.delayed_at_end", Count, "P1", "delayed at end").of("messages");
    STAGE_SEND_PENDING_AT_END = D::new("<stage>.send_pending_at_end", Count, "P1", "sends pending at end").of("messages");
    STAGE_REQUESTS = D::new("<stage>.requests", Count, "P2", "requests").of("requests");
    STAGE_SEND_REQUESTS = D::new("<stage>.send_requests", Count, "P2", "send requests").of("requests");
    STAGE_RECEIVE_REQUESTS = D::new("<stage>.receive_requests", Count, "P2", "receive requests").of("requests");
    STAGE_DELETE_REQUESTS = D::new("<stage>.delete_requests", Count, "P2", "delete requests").of("requests");
    STAGE_EMPTY_RECEIVES = D::new("<stage>.empty_receives", Count, "P2", "empty receives").of("requests");
    STAGE_THROTTLED_REQUESTS = D::new("<stage>.throttled_requests", Count, "P2", "throttled requests").of("requests");
    STAGE_ORDER_VIOLATIONS = D::new("<stage>.order_violations", Count, "P4", "FIFO order violations").of("messages");
    STAGE_VISIBLE_MEAN = D::new("<stage>.visible_mean", Number, "P1", "visible, mean").of("messages");
    STAGE_VISIBLE_MAX = D::new("<stage>.visible_max", Count, "P1", "visible, max").of("messages");
    STAGE_IN_FLIGHT_MEAN = D::new("<stage>.in_flight_mean", Number, "P1", "in flight, mean").of("messages");
    STAGE_IN_FLIGHT_MAX = D::new("<stage>.in_flight_max", Count, "P1", "in flight, max").of("messages");
    STAGE_QUEUE_WAIT_MEAN_S = D::new("<stage>.queue_wait_mean_s", Seconds, "P2", "queue wait, mean");
    STAGE_QUEUE_WAIT_P50_S = D::new("<stage>.queue_wait_p50_s", Seconds, "P2", "queue wait, p50");
    STAGE_QUEUE_WAIT_P95_S = D::new("<stage>.queue_wait_p95_s", Seconds, "P2", "queue wait, p95");
    STAGE_QUEUE_WAIT_P99_S = D::new("<stage>.queue_wait_p99_s", Seconds, "P2", "queue wait, p99");
    // Pipeline consumers.
    STAGE_PROCESSED = D::new("<stage>.processed", Count, "P5", "processed").of("messages");
    STAGE_RESULTS = D::new("<stage>.results", Count, "P5", "results").of("messages");
    STAGE_FAILURES = D::new("<stage>.failures", Count, "P5", "failures").of("messages");
    STAGE_POISON_FAILURES = D::new("<stage>.poison_failures", Count, "P5", "poison failures").of("messages");
    STAGE_SKIPPED = D::new("<stage>.skipped", Count, "P5", "skipped").of("messages");
    STAGE_MACHINE_LABELED = D::new("<stage>.machine_labeled", Count, "P6", "machine labeled");
    STAGE_ROUTED_TO_HUMANS = D::new("<stage>.routed_to_humans", Count, "P6", "routed to humans");
    STAGE_AUDITED = D::new("<stage>.audited", Count, "P6", "audited");
    STAGE_TEST_EVENTS_DISCARDED = D::new("<stage>.test_events_discarded", Count, "P7", "test events discarded").of("messages");
    STAGE_UTILIZATION = D::new("<stage>.utilization", Fraction, "P5", "utilization").of("poller time");
    STAGE_ACCURACY_MACHINE = D::new("<stage>.accuracy_machine", Fraction, "P6", "machine accuracy").of("machine-labeled objects");
    // Autoscaled consumers (SPEC §7, issue 21).
    STAGE_POLLERS_MEAN = D::new("<stage>.pollers_mean", Number, "A4", "pollers, mean").of("pollers");
    STAGE_POLLERS_MAX = D::new("<stage>.pollers_max", Count, "A4", "pollers, max").of("pollers");
    STAGE_POLLER_HOURS = D::new("<stage>.poller_hours", Hours, "A4", "poller-hours");
    STAGE_SCALE_OUTS = D::new("<stage>.scale_outs", Count, "A4", "scale-outs").of("scaling decisions");
    STAGE_SCALE_INS = D::new("<stage>.scale_ins", Count, "A4", "scale-ins").of("scaling decisions");
    STAGE_INVOCATIONS = D::new("<stage>.invocations", Count, "A4", "Lambda invocations").of("invocations");
    STAGE_GB_SECONDS = D::new("<stage>.gb_seconds", Number, "A4", "Lambda GB-seconds").of("GB-seconds");
    // The pipeline's index.
    INDEX_WRITES = D::new("index.writes", Count, "P8", "index writes").of("writes");
    INDEX_BULK_REQUESTS = D::new("index.bulk_requests", Count, "P8", "index bulk requests").of("requests");
    INDEX_COMPLETED = D::new("index.completed", Count, "P8", "index writes completed").of("writes");
    INDEX_INDEXED_DOCUMENTS = D::new("index.indexed_documents", Count, "P8", "indexed documents").of("documents");
    INDEX_INDEX_OVERWRITES = D::new("index.index_overwrites", Count, "P8", "index overwrites").of("writes");
    INDEX_BUFFERED_AT_END = D::new("index.buffered_at_end", Count, "P8", "index buffered at end").of("writes");
    INDEX_IN_FLIGHT_AT_END = D::new("index.in_flight_at_end", Count, "P8", "index in flight at end").of("writes");
    INDEX_AWAITING_REFRESH_AT_END = D::new("index.awaiting_refresh_at_end", Count, "P8", "awaiting refresh at end").of("writes");
    // The pipeline's totals over stages.
    SENT = D::new("sent", Count, "P1", "sent").of("messages");
    ENQUEUED = D::new("enqueued", Count, "P1", "enqueued").of("messages");
    FIFO_DEDUPLICATED = D::new("fifo_deduplicated", Count, "P4", "FIFO deduplicated").of("messages").effect("sends a FIFO queue dropped as duplicates within 5 minutes").rule_column("FIFO deduplicated");
    DUPLICATES_DELIVERED = D::new("duplicates_delivered", Count, "P3", "duplicates delivered").of("messages").effect("extra copies a standard queue delivered (at least once)").rule_column("duplicates delivered");
    DELETED = D::new("deleted", Count, "P2", "deleted").of("messages");
    EXPIRED = D::new("expired", Count, "P1", "expired").of("messages").effect("messages deleted at their queue's retention").rule_column("expired");
    DEAD_LETTERED = D::new("dead_lettered", Count, "P1", "dead-lettered").of("messages").effect("messages moved to a dead-letter queue after their last receive").rule_column("dead-lettered");
    VISIBLE_AT_END = D::new("visible_at_end", Count, "P1", "visible at end").of("messages");
    IN_FLIGHT_AT_END = D::new("in_flight_at_end", Count, "P1", "in flight at end").of("messages");
    DELAYED_AT_END = D::new("delayed_at_end", Count, "P1", "delayed at end").of("messages");
    REQUESTS = D::new("requests", Count, "P2", "requests").of("requests");
    EMPTY_RECEIVES = D::new("empty_receives", Count, "P2", "empty receives").of("requests");
    THROTTLED_REQUESTS = D::new("throttled_requests", Count, "P2", "throttled requests").of("requests").effect("requests throttled and retried").rule_column("throttled");
    ORDER_VIOLATIONS = D::new("order_violations", Count, "P4", "FIFO order violations").of("messages");
    PROCESSED = D::new("processed", Count, "P5", "processed").of("messages");
    RESULTS = D::new("results", Count, "P5", "results").of("messages");
    FAILURES = D::new("failures", Count, "P5", "failures").of("messages").effect("processings that failed (the message returns after its visibility timeout)").rule_column("failures");
    MACHINE_LABELED = D::new("machine_labeled", Count, "P6", "machine labeled");
    ROUTED_TO_HUMANS = D::new("routed_to_humans", Count, "P6", "routed to humans").effect("results routed to the labeling job (confidence below the threshold)").rule_column("routed to humans");
    AUDITED = D::new("audited", Count, "P6", "audited");
    HUMAN_LABELED = D::new("human_labeled", Count, "P6", "human labeled");
    TEST_EVENTS_DISCARDED = D::new("test_events_discarded", Count, "P7", "test events discarded").of("messages").effect("S3 test events the consumers discarded");
    INDEXED_DOCUMENTS = D::new("indexed_documents", Count, "P8", "indexed documents").of("documents");
    INDEX_OVERWRITES = D::new("index_overwrites", Count, "P8", "index overwrites").of("writes").effect("index writes over a document already there (a copy processed again)").rule_column("index overwrites");
    S3_UPLOADS = D::new("s3_uploads", Count, "P7", "S3 event notifications (duplicates included)").of("notifications");
    S3_EVENTS_PENDING_AT_END = D::new("s3_events_pending_at_end", Count, "P7", "S3 events pending at end").of("S3 events");
    SEARCHABLE_LATENCY_MEAN_S = D::new("searchable_latency_mean_s", Seconds, "P8", "searchable latency, mean");
    SEARCHABLE_LATENCY_P50_S = D::new("searchable_latency_p50_s", Seconds, "P8", "searchable latency, p50");
    SEARCHABLE_LATENCY_P95_S = D::new("searchable_latency_p95_s", Seconds, "P8", "searchable latency, p95");
    SEARCHABLE_LATENCY_P99_S = D::new("searchable_latency_p99_s", Seconds, "P8", "searchable latency, p99");
    SEARCHABLE_LATENCY_MACHINE_MEAN_S = D::new("searchable_latency_machine_mean_s", Seconds, "P8", "searchable latency (machine), mean");
    SEARCHABLE_LATENCY_MACHINE_P50_S = D::new("searchable_latency_machine_p50_s", Seconds, "P8", "searchable latency (machine), p50");
    SEARCHABLE_LATENCY_MACHINE_P95_S = D::new("searchable_latency_machine_p95_s", Seconds, "P8", "searchable latency (machine), p95");
    SEARCHABLE_LATENCY_MACHINE_P99_S = D::new("searchable_latency_machine_p99_s", Seconds, "P8", "searchable latency (machine), p99");
    SEARCHABLE_LATENCY_HUMAN_MEAN_S = D::new("searchable_latency_human_mean_s", Seconds, "P8", "searchable latency (human), mean");
    SEARCHABLE_LATENCY_HUMAN_P50_S = D::new("searchable_latency_human_p50_s", Seconds, "P8", "searchable latency (human), p50");
    SEARCHABLE_LATENCY_HUMAN_P95_S = D::new("searchable_latency_human_p95_s", Seconds, "P8", "searchable latency (human), p95");
    SEARCHABLE_LATENCY_HUMAN_P99_S = D::new("searchable_latency_human_p99_s", Seconds, "P8", "searchable latency (human), p99");
    LATENCY_NOTIFICATION_MEAN_S = D::new("latency_notification_mean_s", Seconds, "P8", "notification latency, mean");
    LATENCY_NOTIFICATION_P95_S = D::new("latency_notification_p95_s", Seconds, "P8", "notification latency, p95");
    LATENCY_QUEUE_MEAN_S = D::new("latency_queue_mean_s", Seconds, "P8", "queue latency, mean");
    LATENCY_QUEUE_P95_S = D::new("latency_queue_p95_s", Seconds, "P8", "queue latency, p95");
    LATENCY_PROCESSING_MEAN_S = D::new("latency_processing_mean_s", Seconds, "P8", "processing latency, mean");
    LATENCY_PROCESSING_P95_S = D::new("latency_processing_p95_s", Seconds, "P8", "processing latency, p95");
    LATENCY_HUMAN_MEAN_S = D::new("latency_human_mean_s", Seconds, "P8", "human latency, mean");
    LATENCY_HUMAN_P95_S = D::new("latency_human_p95_s", Seconds, "P8", "human latency, p95");
    LATENCY_INDEX_MEAN_S = D::new("latency_index_mean_s", Seconds, "P8", "index latency, mean");
    LATENCY_INDEX_P95_S = D::new("latency_index_p95_s", Seconds, "P8", "index latency, p95");
    ACCURACY_MACHINE = D::new("accuracy_machine", Fraction, "P6", "machine accuracy").of("machine-labeled objects");
    ACCURACY_HUMAN = D::new("accuracy_human", Fraction, "P6", "human accuracy").of("human-labeled objects");
    ACCURACY_OVERALL = D::new("accuracy_overall", Fraction, "P6", "overall accuracy").of("indexed objects");
    // The pipeline's costs.
    SQS_COST_USD = D::new("sqs_cost_usd", Usd, "", "SQS cost [USD]");
    CONSUMER_COST_USD = D::new("consumer_cost_usd", Usd, "", "consumer cost [USD]");
    COST_PER_CORRECT_LABEL = D::new("cost_per_correct_label", Usd, "", "cost per correct label [USD]");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A t interval crossing what a metric can take is cut there: no
    /// value below 0, no share above 1; one inside is kept as it is.
    #[test]
    fn intervals_stay_within_what_a_metric_can_take() {
        assert_eq!(
            bounded_ci(unit("labeled_within_24h"), (-0.759, 1.728)),
            (0.0, 1.0)
        );
        assert_eq!(
            bounded_ci(unit("worker_utilization"), (0.2, 0.4)),
            (0.2, 0.4)
        );
        assert_eq!(
            bounded_ci(unit("duplicates_dropped"), (-3.5, 12.0)),
            (0.0, 12.0)
        );
        assert_eq!(
            bounded_ci(unit("time_to_label_mean_s"), (-1.0, 1e6)),
            (0.0, 1e6)
        );
    }
    use crate::model::RunSummary;

    #[test]
    fn the_jobs_metrics_are_told_from_the_producers_and_the_pipelines() {
        for job in [
            "time_to_label_p95_s",
            "objects_labeled",
            "messages_received",
            "expired_in_queue",
            "labeled_per_hour",
            "worker_utilization",
            "labeled_within_4h",
            "workers.team.utilization",
            "producers.p.time_to_label_mean_s",
            "duplicates_dropped",
            "cost_per_labeled_object",
            "e2e_time_to_label_p95_s",
            "test_events_accepted",
            "searchable_latency_human_p95_s",
            "latency_human_mean_s",
            "accuracy_human",
            "routed_to_humans",
        ] {
            assert!(measures_the_job(job), "{job}");
        }
        for other in [
            "messages_produced",
            "redeliveries",
            "held_at_end",
            "cost_usd",
            "events",
            "searchable_latency_p95_s",
            "incoming.queue_wait_p95_s",
            "classifier.utilization",
            "indexed_documents",
            "no_such_metric",
        ] {
            assert!(!measures_the_job(other), "{other}");
        }
    }

    #[test]
    fn every_summary_key_has_an_entry() {
        for k in RunSummary::metric_names() {
            assert!(def(k).is_some(), "`{k}` has no catalog entry");
        }
        // The fixed keys in summary.json's order.
        let fixed: Vec<&str> = CATALOG
            .iter()
            .take_while(|d| !d.is_family())
            .map(|d| d.key)
            .collect();
        assert_eq!(fixed, RunSummary::metric_names());
    }

    #[test]
    fn families_match_by_pattern() {
        assert_eq!(def("labeled_within_24h").unwrap().key, LABELED_WITHIN);
        assert_eq!(
            def("workers.night.utilization").unwrap().key,
            WORKERS_UTILIZATION
        );
        assert_eq!(
            def("producers.app.time_to_label_p95_s").unwrap().unit,
            Unit::Seconds
        );
        assert_eq!(
            def("classifier.utilization").unwrap().key,
            STAGE_UTILIZATION
        );
        assert_eq!(
            def("incoming.queue_wait_p95_s").unwrap().unit,
            Unit::Seconds
        );
        assert_eq!(
            def("index.in_flight_at_end").unwrap().key,
            INDEX_IN_FLIGHT_AT_END
        );
        assert_eq!(def("sent").unwrap().key, SENT);
        assert_eq!(def("labeled_within_"), None);
        assert_eq!(def(".sent"), None);
        assert_eq!(def("objects_labled"), None);
        assert_eq!(unit(TIME_TO_LABEL_P95_S), Some(Unit::Seconds));
        assert_eq!(label("labeled_within_24h").unwrap(), "labeled within 24h");
        assert_eq!(
            label("workers.night.utilization").unwrap(),
            "utilization: night"
        );
        assert_eq!(label(OBJECTS_LABELED).unwrap(), "objects labeled");
        // A stage's label has no placeholder: the name goes first.
        assert_eq!(label("incoming.sent").unwrap(), "incoming: sent");
        assert_eq!(
            axis_label("classifier.utilization").unwrap(),
            "classifier: utilization [fraction of poller time]"
        );
        assert_eq!(axis_label("objects_labled"), None);
    }

    #[test]
    fn keys_are_unique_and_tables_are_complete() {
        for (i, d) in CATALOG.iter().enumerate() {
            assert!(
                CATALOG[..i].iter().all(|e| e.key != d.key),
                "`{}` twice",
                d.key
            );
        }
        for k in RULE_TABLE {
            let d = def(k).unwrap();
            assert!(d.effect.is_some() && !d.rule.is_empty(), "{k}");
        }
        for k in SWEEP_RULE_TABLE.iter().chain(PIPELINE_SWEEP_RULE_TABLE) {
            assert!(def(k).unwrap().rule_column.is_some(), "{k}");
        }
        for k in PIPELINE_RULE_TABLE {
            let d = def(k).unwrap();
            assert!(d.effect.is_some() && d.rule.starts_with('P'), "{k}");
        }
        assert_eq!(
            def(JOB_END_STATE).unwrap().aggregate,
            Aggregate::MostFrequent
        );
    }

    #[test]
    fn every_key_of_every_bundled_scenario_has_an_entry() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
        let mut seen_pipeline = false;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let sc = crate::scenario::Scenario::load(&path, Default::default()).unwrap();
            seen_pipeline |= sc.sim.pipeline.is_some();
            for k in RunSummary::metric_names_for_config(&sc.sim) {
                assert!(
                    def(k).is_some(),
                    "{}: `{k}` has no catalog entry",
                    path.display()
                );
            }
        }
        assert!(seen_pipeline);
    }

    /// `{mean,p50}` in `x_{mean,p50}_s` written out: `x_mean_s x_p50_s`.
    fn expand_braces(text: &str) -> String {
        let mut out = String::new();
        for word in text.split(|c: char| c.is_whitespace() || c == '`' || c == '|') {
            let mut forms = vec![word.to_string()];
            while let Some(f) = forms.first().cloned() {
                let (Some(a), Some(b)) = (f.find('{'), f.find('}')) else {
                    break;
                };
                if b < a {
                    break;
                }
                forms = forms
                    .iter()
                    .flat_map(|f| {
                        f[a + 1..b]
                            .split(',')
                            .map(|alt| format!("{}{alt}{}", &f[..a], &f[b + 1..]))
                            .collect::<Vec<_>>()
                    })
                    .collect();
            }
            out.push_str(&forms.join(" "));
            out.push(' ');
        }
        out
    }

    #[test]
    fn the_glossary_mentions_every_key() {
        let docs = include_str!("../../docs/model.md");
        let start = docs.find("\n## Metrics").expect("a Metrics section");
        let text = expand_braces(&docs[start..]);
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let mentions = |token: &str| {
            text.match_indices(token).any(|(i, _)| {
                !text[..i].ends_with(word) && !text[i + token.len()..].starts_with(word)
            })
        };
        let missing: Vec<&str> = CATALOG
            .iter()
            .map(|d| d.key)
            .filter(|k| {
                // `<queue>.sent, .enqueued`: a stage's metric as `.enqueued`.
                let token = k.strip_prefix("<stage>").unwrap_or(k);
                !mentions(token)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "docs/model.md does not mention {missing:?}"
        );
    }
}
