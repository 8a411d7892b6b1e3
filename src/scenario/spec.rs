//! `ScenarioSpec`: the serde mirror of a scenario file. It only checks shape
//! (known keys, value types); meaning, units and service limits are checked
//! in `build`. Unknown keys are rejected everywhere (`deny_unknown_fields`).

use super::yaml::{Mapping, Value};
use serde::{Deserialize, Deserializer};

/// A scalar kept as text: durations, rates and times may be written as
/// strings or (mistakenly) bare numbers; `build` explains what unit is missing.
#[derive(Clone, Debug, PartialEq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            S(String),
            I(i64),
            F(f64),
            B(bool),
        }
        Ok(Text(match Raw::deserialize(d)? {
            Raw::S(s) => s,
            Raw::I(i) => i.to_string(),
            Raw::F(f) => f.to_string(),
            Raw::B(b) => b.to_string(),
        }))
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSpec {
    pub name: String,
    pub seed: Option<u64>,
    pub horizon: Text,
    pub replications: Option<u32>,
    pub start_at: Option<Text>,
    #[serde(default)]
    pub job: JobSpec,
    #[serde(default)]
    pub producers: Vec<ProducerSpec>,
    #[serde(default)]
    pub workers: Vec<WorkerSpec>,
    pub throttle: Option<ThrottleSpec>,
    pub metrics: Option<MetricsSpec>,
    pub output: Option<OutputSpec>,
    pub cost: Option<CostSpec>,
    /// SPEC §6: queues, consumers and the index (P1–P9).
    pub pipeline: Option<PipelineSpec>,
    /// Read by `labelsim compare`.
    pub compare: Option<Vec<PolicySpec>>,
    /// Read by `labelsim sweep`.
    pub sweep: Option<SweepSpec>,
}

/// One entry of `compare:` (or of `compare --policies FILE`): a name, and
/// the scenario sections it overrides (`throttle: {...}`, `job: {...}`),
/// merged into the scenario when the policy is run. `schema` has checked
/// that every key is a scenario section and the names are unique; the
/// merged scenario is validated like any other.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicySpec {
    pub name: String,
    /// The entry without its `name`.
    pub overrides: Mapping,
}

impl<'de> Deserialize<'de> for PolicySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut overrides = Mapping::deserialize(d)?;
        let name = match overrides.remove("name") {
            Some(Value::String(s)) => s,
            Some(_) => return Err(serde::de::Error::custom("name: must be text")),
            None => return Err(serde::de::Error::missing_field("name")),
        };
        Ok(PolicySpec { name, overrides })
    }
}

/// `sweep:`: what `labelsim sweep` varies when no `--vary` says otherwise.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSpec {
    #[serde(default)]
    pub vary: VarySpec,
    pub samples: Option<u32>,
    pub replications: Option<u32>,
    pub metrics: Option<Vec<String>>,
}

/// `sweep.vary`: `PATH: VALUES` pairs in the file's order, VALUES as the
/// text `--vary PATH=VALUES` takes (a list is joined with commas).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VarySpec(pub Vec<(String, String)>);

impl<'de> Deserialize<'de> for VarySpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = Mapping::deserialize(d)?;
        let mut out = Vec::with_capacity(map.len());
        for (k, v) in map {
            let path = scalar_text(&k)
                .ok_or_else(|| serde::de::Error::custom("vary: a path must be text"))?;
            let values = match &v {
                Value::Sequence(items) => items
                    .iter()
                    .map(|x| scalar_text(x).unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(","),
                other => scalar_text(other).ok_or_else(|| {
                    serde::de::Error::custom("vary: values must be a list or a range")
                })?,
            };
            out.push((path, values));
        }
        Ok(VarySpec(out))
    }
}

/// A scalar's text as written (`5`, `0.1`, `2h`, `true`); None for a
/// collection or nothing.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobSpec {
    pub mode: Option<String>,
    pub workforce: Option<String>,
    pub task_type: Option<String>,
    pub max_concurrent_task_count: Option<i64>,
    pub workers_per_object: Option<i64>,
    pub initializing: Option<Text>,
    pub task_availability_lifetime: Option<Text>,
    pub task_time_limit: Option<Text>,
    pub queue_retention: Option<Text>,
    pub idle_timeout: Option<Text>,
    pub idle_definition: Option<String>,
    pub refill_rule: Option<String>,
    pub on_timeout: Option<String>,
    pub dedup_key: Option<String>,
    pub label_attribute_name: Option<String>,
    pub stop_at: Option<Text>,
    pub max_runtime: Option<Text>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicatesSpec {
    pub sns_redelivery: Option<f64>,
    pub producer_retry: Option<f64>,
    pub s3_event_duplicate: Option<f64>,
    pub reupload: Option<f64>,
    /// How long after the original a copy arrives (default `1m`).
    pub delay: Option<Text>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfilePointSpec {
    pub at: Text,
    pub rate: Text,
    /// Issue 11: days of the week (`mon-fri`): the profile is weekly.
    pub days: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerSpec {
    pub name: Option<String>,
    pub kind: String,
    pub rate: Option<Text>,
    pub count: Option<i64>,
    pub size: Option<i64>,
    pub every: Option<Text>,
    pub mean_rate: Option<Text>,
    pub peak_hour: Option<f64>,
    pub amplitude: Option<f64>,
    pub profile: Option<Vec<ProfilePointSpec>>,
    pub csv: Option<String>,
    pub column: Option<String>,
    /// Issue 11: how a trace's or counts file's timestamps are written.
    pub time_format: Option<String>,
    /// Issue 11: the counts file's column of counts (default `count`).
    pub count_column: Option<String>,
    /// Issue 11: the counts' period (default: inferred from the spacing).
    pub period: Option<Text>,
    /// Issue 11: multiplies the traffic (rates; a trace's arrivals).
    pub scale: Option<f64>,
    pub start: Option<Text>,
    pub end: Option<Text>,
    pub limit: Option<i64>,
    pub source: Option<String>,
    pub duplicates: Option<DuplicatesSpec>,
    pub notification_configured_at: Option<Text>,
    /// SPEC §6: a pipeline queue instead of the labeling job.
    pub to: Option<String>,
    /// P7: delay of an S3 event notification.
    pub notification_delay: Option<DistSpec>,
    /// P4: `producer` puts the producer's messages in one FIFO group.
    pub group_by: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistSpec {
    pub dist: String,
    pub value: Option<Text>,
    pub mean: Option<Text>,
    pub median: Option<Text>,
    pub sigma: Option<f64>,
    pub cv: Option<f64>,
    pub shape: Option<f64>,
    pub scale: Option<Text>,
    pub min: Option<Text>,
    pub max: Option<Text>,
    pub csv: Option<String>,
    pub column: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    pub days: String,
    pub from: Text,
    pub to: Text,
}

/// S1: `count: 12`, or a step schedule.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum CountSpec {
    Whole(i64),
    Scheduled(ScheduledCountSpec),
}

impl Default for CountSpec {
    fn default() -> Self {
        CountSpec::Whole(0)
    }
}

/// S1: `{schedule: [{from: "mon 08:00", count: 12}, ...], cycle: 1w}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduledCountSpec {
    pub schedule: Vec<StepSpec>,
    /// `1d` or `1w` (default: `1w` when a step names a day, else `1d`).
    pub cycle: Option<Text>,
}

/// S1: one step, the count in force from `from` until the next step.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepSpec {
    pub from: Text,
    pub count: i64,
}

/// SPEC §4b: `by_interval: 1h`, or written out.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum ByIntervalChoice {
    Every(Text),
    Full(ByIntervalSpec),
}

/// SPEC §4b: `{every: 1h, cycle: 1w, tz: America/New_York}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByIntervalSpec {
    pub every: Text,
    /// `1d` or `1w` (default: `1w` when a producer or a shift uses days
    /// of the week, else `1d`).
    pub cycle: Option<Text>,
    /// The zone of the intervals' times (default: the first worker
    /// group's).
    pub tz: Option<String>,
}

/// `shifts: always` or a list of weekly shifts.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum ShiftsSpec {
    Keyword(String),
    List(Vec<ShiftSpec>),
}

/// `speed: 0.3` or `speed: {spread: 0.3}`: the lognormal sigma of
/// per-worker speed factors (median 1).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum SpeedSpec {
    Spread(f64),
    Full(SpeedFull),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeedFull {
    pub spread: f64,
}

impl SpeedSpec {
    pub fn spread(&self) -> f64 {
        match self {
            SpeedSpec::Spread(s) => *s,
            SpeedSpec::Full(f) => f.spread,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSpec {
    pub name: Option<String>,
    pub count: CountSpec,
    pub service_time: DistSpec,
    pub decline_probability: Option<f64>,
    pub decline_time: Option<Text>,
    pub shifts: Option<ShiftsSpec>,
    pub tz_offset: Option<Text>,
    /// Issue 11: an IANA zone (`America/New_York`) for the shift hours,
    /// following daylight saving; exclusive with `tz_offset`.
    pub tz: Option<String>,
    pub speed: Option<SpeedSpec>,
    /// P6: a submitted task is correct with this probability (default 1).
    pub accuracy: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ThrottleSpec {
    pub policy: String,
    #[serde(flatten)]
    pub params: Mapping,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSpec {
    pub period: Option<Text>,
    pub delay: Option<Text>,
    pub wake_delay: Option<Text>,
    pub inactivity: Option<Text>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    pub up_to: Option<i64>,
    pub price: f64,
}

/// `per_object: 0.05` (flat) or a list of cumulative tiers.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum PerObjectSpec {
    Flat(f64),
    Tiers(Vec<TierSpec>),
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostSpec {
    pub per_object: Option<PerObjectSpec>,
    pub per_task: Option<f64>,
    pub wage_per_worker_hour: Option<f64>,
    pub sqs_per_million_requests: Option<f64>,
    pub consumer_per_hour: Option<f64>,
    pub lambda_per_gb_second: Option<f64>,
    pub lambda_per_million_invocations: Option<f64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Time-series sampling period (default: about 720 samples per run).
    pub timeseries_every: Option<Text>,
    /// SPEC §4a: `DURATION` or `auto` (MSER-5); objects accepted before it
    /// are left out of latency statistics.
    pub warmup: Option<Text>,
    /// SPEC §4a: durations for the `labeled_within_<d>` service levels.
    pub sla: Option<Vec<Text>>,
    /// SPEC §4b: results by interval of arrival.
    pub by_interval: Option<ByIntervalChoice>,
    /// SPEC §4b: the cycle of `by_interval` beside it (`by_interval: 1h,
    /// cycle: 1d`), the same as `by_interval.cycle`.
    pub cycle: Option<Text>,
}

/// SPEC §6 `pipeline:`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    #[serde(default)]
    pub queues: Vec<QueueSpec>,
    #[serde(default)]
    pub consumers: Vec<ConsumerSpec>,
    pub index: Option<IndexSpec>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadLetterSpec {
    pub max_receive_count: i64,
}

/// P1–P4: one queue.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueSpec {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub retention: Option<Text>,
    pub visibility_timeout: Option<Text>,
    pub delay: Option<Text>,
    pub dead_letter: Option<DeadLetterSpec>,
    pub duplicate_probability: Option<f64>,
    pub reorder_window: Option<i64>,
    pub groups: Option<i64>,
    pub high_throughput: Option<bool>,
    pub throughput: Option<Text>,
    pub throttle_backoff: Option<Text>,
    pub deduplication: Option<String>,
}

/// P6 `confidence:`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfidenceSpec {
    pub dist: String,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub value: Option<f64>,
    pub values: Option<Vec<f64>>,
    /// `empirical` from a CSV column (as a service time's), instead of
    /// `values`.
    pub csv: Option<String>,
    pub column: Option<String>,
}

/// P6 `route:`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    pub threshold: f64,
    pub sample: Option<f64>,
}

/// P2, P5, P6: a consumer pool.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerSpec {
    pub name: String,
    pub queue: String,
    /// P5 pollers, or A3 a step schedule of them (S1 form, UTC).
    pub count: Option<CountSpec>,
    pub batch: Option<i64>,
    pub wait: Option<Text>,
    pub poll_interval: Option<Text>,
    pub request_latency: Option<Text>,
    pub processing_time: DistSpec,
    pub failure_probability: Option<f64>,
    pub poison_probability: Option<f64>,
    pub delete: Option<String>,
    pub extend_visibility: Option<bool>,
    pub confidence: Option<ConfidenceSpec>,
    pub route: Option<RouteSpec>,
    pub scaling: Option<ScalingSpec>,
}

/// A1/A2 `scaling:` (issue 21): the keys of both kinds; each kind rejects
/// the other's.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScalingSpec {
    pub kind: String,
    pub initial: Option<i64>,
    pub ramp: Option<i64>,
    pub interval: Option<Text>,
    pub max_concurrency: Option<i64>,
    pub min: Option<i64>,
    pub batch_window: Option<Text>,
    pub partial_batch_response: Option<bool>,
    pub memory_gb: Option<f64>,
    pub max: Option<i64>,
    pub messages_per_poller: Option<i64>,
    pub poll_interval: Option<Text>,
    pub startup: Option<Text>,
    pub scale_in_window: Option<Text>,
    pub count_in_flight: Option<bool>,
}

/// P8 `index:`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexSpec {
    pub bulk_size: Option<i64>,
    pub flush_interval: Option<Text>,
    pub bulk_latency: Option<DistSpec>,
    pub concurrency: Option<i64>,
    pub refresh_interval: Option<Text>,
}
