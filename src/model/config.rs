//! The validated, unit-resolved description of one simulated job: what the
//! engine runs. Built from a scenario file by `scenario::build`; never seen as
//! raw YAML here. Times are [`SimTime`]/[`SimDuration`] (µs ticks), rates are per µs.

/// Message identity (R9) lives with the deduplication rules.
pub use super::dedup::{DedupKey, Source};
use super::workforce::{ServiceDist, ShiftSchedule};
use crate::engine::time::{US_PER_DAY, US_PER_WEEK};
use crate::engine::{SimDuration, SimTime};

/// R1/R4: a streaming job (SQS queue, perpetual) or a batch job (manifest only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Streaming,
    Batch,
}

/// Who labels. `Mturk` triggers the R5 pilot and a 12 h lifetime ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workforce {
    Private,
    Vendor,
    Mturk,
}

/// R3: when a newly accepted object may bypass a non-empty queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefillRule {
    /// The service docs as written: dispatch directly whenever A < K, even if
    /// objects are queued (arrivals can overtake when K − N ≤ A < K).
    Documented,
    /// A new arrival joins the queue whenever the queue is non-empty.
    StrictFifo,
}

/// R8: what counts as activity for the idle stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdleDefinition {
    /// Idle = no message received and nothing queued or available to workers.
    NoInputAndNoWork,
    /// Idle = no message received, whatever work remains.
    NoInput,
}

/// R7: what happens to a task whose worker hits `task_time_limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnTimeout {
    /// The task returns to the pool for another worker.
    Return,
    /// The task is resolved unsubmitted.
    Drop,
}

/// Job-level settings (SPEC §2).
#[derive(Clone, Debug)]
pub struct JobConfig {
    pub mode: Mode,
    pub workforce: Workforce,
    /// K, `MaxConcurrentTaskCount` \[objects\].
    pub max_concurrent_task_count: u32,
    /// N, `NumberOfHumanWorkersPerDataObject` [tasks per object].
    pub workers_per_object: u32,
    pub initializing: SimDuration,
    pub task_availability_lifetime: SimDuration,
    pub task_time_limit: SimDuration,
    pub queue_retention: SimDuration,
    pub idle_timeout: SimDuration,
    pub idle_definition: IdleDefinition,
    pub refill_rule: RefillRule,
    pub on_timeout: OnTimeout,
    pub dedup_key: DedupKey,
    pub stop_at: Option<SimTime>,
    /// R1/R4: a batch job not complete by then fails.
    pub max_runtime: SimDuration,
}

/// R9: probabilities that one original send gives rise to an extra copy.
#[derive(Clone, Debug, Default)]
pub struct DuplicateConfig {
    /// SNS delivers the same message again (same SNS message ID).
    pub sns_redelivery: f64,
    /// The producer publishes again (new SNS message ID; for S3, a new PUT).
    pub producer_retry: f64,
    /// S3 delivers the same event twice (same URI + sequencer). S3 only.
    pub s3_event_duplicate: f64,
    /// The same object key is uploaded or sent again later (new sequencer).
    pub reupload: f64,
    /// How long after the original each copy arrives.
    pub delay: SimDuration,
}

impl DuplicateConfig {
    /// Whether any kind of copy can happen (R9); most producers send none,
    /// and the send path skips the copy logic for them.
    #[inline]
    pub fn any(&self) -> bool {
        self.sns_redelivery + self.producer_retry + self.s3_event_duplicate + self.reupload > 0.0
    }
}

/// When a producer sends.
#[derive(Clone, Debug)]
pub enum ArrivalProcess {
    /// Homogeneous Poisson [messages/µs].
    Poisson { rate_per_us: f64 },
    /// `count` objects in the input manifest, received when the job starts.
    Manifest { count: u64 },
    /// `size` messages at once, every `every`, from `start`.
    Burst { size: u64, every: SimDuration },
    /// Poisson with a sinusoidal daily rate peaking at `peak_hour` (UTC of
    /// the calendar), λ(t) = mean · (1 + amplitude · cos(2π (h − peak)/24)).
    Diurnal {
        mean_per_us: f64,
        peak_hour: f64,
        amplitude: f64,
    },
    /// Poisson with a piecewise-constant daily rate: (µs of day, rate per µs),
    /// sorted, first at 0.
    Profile { points: Vec<(u64, f64)> },
    /// Replayed arrival instants, sorted.
    Trace { times: Vec<SimTime> },
}

/// A Poisson rate that follows the week or the calendar (issue 11): what
/// [`ArrivalProcess`]'s daily shapes cannot say.
///
/// A producer with a schedule is a non-homogeneous Poisson stream of this
/// rate; its `process` is then `Poisson` at the schedule's long-run mean
/// (the week's mean, or the counts' expected arrivals over the horizon per
/// µs of it), which is what closed-form estimates such as the offered load
/// (`model::load`) read. Only the producers component reads the schedule.
#[derive(Clone, Debug)]
pub enum RateSchedule {
    /// Piecewise-constant weekly rate: (µs since Monday 00:00 UTC of the
    /// calendar, rate per µs), sorted, first at 0, all below a week.
    Weekly { points: Vec<(u64, f64)> },
    /// Piecewise-constant rate over the simulated clock (replayed
    /// aggregated counts): from each step's instant until the next step's,
    /// the step's rate [per µs]. The rate is 0 before the first step; the
    /// last step is the end of the data, rate 0. Sorted, instants distinct.
    Timeline { steps: Vec<(SimTime, f64)> },
}

impl RateSchedule {
    /// The highest rate it reaches [per µs].
    pub fn peak_per_us(&self) -> f64 {
        let rates: Box<dyn Iterator<Item = f64> + '_> = match self {
            RateSchedule::Weekly { points } => Box::new(points.iter().map(|p| p.1)),
            RateSchedule::Timeline { steps } => Box::new(steps.iter().map(|s| s.1)),
        };
        rates.fold(0.0, f64::max)
    }

    /// Expected arrivals in [from, to) of the simulated clock, for a
    /// calendar starting at `start_epoch_us` (the weekly rate's place).
    pub fn expected_between(&self, from: SimTime, to: SimTime, start_epoch_us: i64) -> f64 {
        let (a, b) = (from.as_micros(), to.as_micros());
        if b <= a {
            return 0.0;
        }
        match self {
            RateSchedule::Timeline { steps } => steps
                .iter()
                .zip(steps.iter().skip(1))
                .map(|(s, next)| {
                    let lo = s.0.as_micros().max(a);
                    let hi = next.0.as_micros().min(b);
                    s.1 * hi.saturating_sub(lo) as f64
                })
                .sum(),
            RateSchedule::Weekly { points } => {
                // Whole weeks, then the rest, walked point by point.
                let week = crate::engine::time::US_PER_WEEK;
                let span = b - a;
                let mean = weekly_mean_per_us(points);
                let whole = (span / week) as f64 * week as f64 * mean;
                let mut t = a + span / week * week;
                let mut area = 0.0;
                while t < b {
                    let pos = week_position(SimTime::from_micros(t), start_epoch_us);
                    let i = points.partition_point(|p| p.0 <= pos) - 1;
                    let next = points.get(i + 1).map_or(week, |p| p.0);
                    let len = (next - pos).min(b - t);
                    area += points[i].1 * len as f64;
                    t += len;
                }
                whole + area
            }
        }
    }
}

/// µs since Monday 00:00 UTC of the calendar at sim time `t`, for a
/// calendar starting at `start_epoch_us` (1970-01-05 was a Monday).
pub fn week_position(t: SimTime, start_epoch_us: i64) -> u64 {
    use crate::engine::time::{US_PER_DAY, US_PER_WEEK};
    (start_epoch_us + t.as_micros() as i64 - 4 * US_PER_DAY as i64).rem_euclid(US_PER_WEEK as i64)
        as u64
}

/// Time average over a week of a piecewise-constant weekly rate [per µs].
pub fn weekly_mean_per_us(points: &[(u64, f64)]) -> f64 {
    let week = crate::engine::time::US_PER_WEEK;
    let area: f64 = points
        .iter()
        .enumerate()
        .map(|(i, &(at, rate))| {
            let next = points.get(i + 1).map_or(week, |p| p.0).min(week);
            rate * next.saturating_sub(at) as f64
        })
        .sum();
    area / week as f64
}

#[derive(Clone, Debug)]
pub struct ProducerConfig {
    pub name: String,
    pub process: ArrivalProcess,
    /// A weekly or calendar rate (issue 11); `process` is then its
    /// stationary stand-in (see [`RateSchedule`]).
    pub schedule: Option<RateSchedule>,
    /// `scale` of a `trace` producer (issue 11): each replayed arrival
    /// gives ⌊s⌋ messages, plus one more with probability s − ⌊s⌋, at its
    /// instant. 1 for every other kind, whose rates have `scale` folded in.
    pub trace_scale: f64,
    pub start: SimTime,
    /// No original message is sent at or after `end`.
    pub end: SimTime,
    /// Cap on original messages sent.
    pub limit: Option<u64>,
    pub source: Source,
    pub duplicates: DuplicateConfig,
    /// R10: when an S3 producer's bucket notification was configured.
    pub notification_configured_at: Option<SimTime>,
    /// SPEC §6: `to: QUEUE`, the index of a pipeline queue (none: the job).
    pub to: Option<usize>,
    /// P4 `group_by: producer`: the producer's index, naming the FIFO group
    /// of its messages (a group of its own, apart from the queue's random
    /// `groups`).
    pub group: Option<u32>,
    /// P7: the producer's `notification_delay` (none: the queue's default).
    pub notification_delay: Option<ServiceDist>,
}

#[derive(Clone, Debug)]
pub struct WorkerGroupConfig {
    pub name: String,
    /// Workers in the group; with a `schedule`, the most it ever has.
    pub count: u32,
    /// S1: the headcount by the time of day or week (None: `count` always).
    pub schedule: Option<super::schedule::StepSchedule>,
    pub service_time: ServiceDist,
    pub decline_probability: f64,
    pub decline_time: SimDuration,
    pub shifts: ShiftSchedule,
    /// The zone of the group's shift hours and schedule (`tz`, `tz_offset`).
    pub zone: super::workforce::ShiftZone,
    /// Per-worker speed factors are lognormal with median 1 and this sigma
    /// (0 = identical workers); a worker's service time is a draw / its speed.
    pub speed_spread: f64,
    /// P6: a submitted task is correct with this probability (default 1).
    pub accuracy: f64,
}

/// Everything one replication needs.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub horizon: SimTime,
    /// Calendar instant of t = 0 [µs since the Unix epoch, UTC].
    pub start_at_epoch_us: i64,
    pub job: JobConfig,
    pub producers: Vec<ProducerConfig>,
    pub workers: Vec<WorkerGroupConfig>,
    /// Time-series sampling period.
    pub sample_every: SimDuration,
    /// SPEC §4a: the start-up transient left out of the statistics.
    pub warmup: Warmup,
    /// SPEC §4a: service levels reported as `labeled_within_<d>`.
    pub sla: Vec<Sla>,
    pub cost: CostConfig,
    pub throttle: super::throttle::ThrottleConfig,
    /// SPEC §6: the pipeline in front of (or instead of) the job.
    pub pipeline: Option<super::pipeline::PipelineConfig>,
    /// SPEC §6: no `job:`, no workers, no route and no producer sending to
    /// the job: the run has no labeling job (`job_end_state` none).
    pub no_job: bool,
    /// SPEC §4b `output.by_interval`: results by interval of arrival.
    pub by_interval: Option<super::by_interval::cycle::ByIntervalConfig>,
}

/// How much of the start is left out of latency statistics and
/// time-weighted means (SPEC §4a `output.warmup`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Warmup {
    #[default]
    None,
    /// Objects accepted before this instant are left out.
    Fixed(SimDuration),
    /// Chosen per replication by MSER-5 on the number of objects in the
    /// system (queue + available), sampled every `sample_every`.
    Auto,
}

/// A service level: the share of objects labeled within `within` of their
/// acceptance, among those accepted at least that long before the end.
#[derive(Clone, Debug, PartialEq)]
pub struct Sla {
    /// `labeled_within_<d>`, `<d>` as written in the scenario.
    pub name: &'static str,
    pub within: SimDuration,
}

/// One price tier: objects up to `up_to` (cumulative; None = no limit) cost
/// `price` each \[USD\].
#[derive(Clone, Debug, PartialEq)]
pub struct PriceTier {
    pub up_to: Option<u64>,
    pub price: f64,
}

/// What a run costs \[USD\].
#[derive(Clone, Debug, PartialEq)]
pub struct CostConfig {
    /// Price per labeled object, by cumulative tier.
    pub per_object: Vec<PriceTier>,
    /// Price per submitted task (e.g. a Mechanical Turk reward).
    pub per_task: f64,
    /// Wage per worker-hour on shift (private and vendor teams).
    pub wage_per_worker_hour: f64,
    /// SQS price per million requests (SPEC §6); None: the published
    /// prices, 0.40 for a standard queue and 0.50 for a FIFO queue.
    pub sqs_per_million_requests: Option<f64>,
    /// Price per consumer (poller) hour, over the whole horizon (an
    /// autoscaled pool, SPEC §7 A4: over its poller-hours).
    pub consumer_per_hour: f64,
    /// A4: Lambda price per GB-second of billed duration (default
    /// 0.0000166667).
    pub lambda_per_gb_second: f64,
    /// A4: Lambda price per million invocations (default 0.20).
    pub lambda_per_million_invocations: f64,
}

impl CostConfig {
    /// The managed service's published per-object tiers: $0.08 for the first
    /// 50,000 objects, $0.04 up to 1,000,000, $0.02 beyond (the run applies
    /// them to each calendar month's labels).
    pub fn service_default() -> Self {
        CostConfig {
            per_object: vec![
                PriceTier {
                    up_to: Some(50_000),
                    price: 0.08,
                },
                PriceTier {
                    up_to: Some(1_000_000),
                    price: 0.04,
                },
                PriceTier {
                    up_to: None,
                    price: 0.02,
                },
            ],
            per_task: 0.0,
            wage_per_worker_hour: 0.0,
            sqs_per_million_requests: None,
            consumer_per_hour: 0.0,
            lambda_per_gb_second: 0.000_016_666_7,
            lambda_per_million_invocations: 0.20,
        }
    }

    /// Price of `n` objects under the tiers.
    pub fn objects_cost(&self, n: u64) -> f64 {
        let mut cost = 0.0;
        let mut done = 0u64;
        for t in &self.per_object {
            let cap = t.up_to.unwrap_or(u64::MAX).max(done);
            let here = n.min(cap) - done.min(n);
            cost += here as f64 * t.price;
            done = cap;
            if done >= n {
                break;
            }
        }
        cost
    }
}

impl Default for CostConfig {
    fn default() -> Self {
        Self::service_default()
    }
}

impl SimConfig {
    pub fn total_workers(&self) -> u64 {
        self.workers.iter().map(|g| g.count as u64).sum()
    }
}

impl WorkerGroupConfig {
    /// Workers in the group on average over its schedule's cycle (`count`
    /// without one), before shifts.
    pub fn mean_count(&self) -> f64 {
        self.schedule
            .as_ref()
            .map_or(self.count as f64, |s| s.mean_count())
    }

    /// Workers of the group on shift on average over the local week: the
    /// count in force while a shift is on (S1: shifts apply on top of a
    /// scheduled count, so a step outside every shift adds nobody).
    /// Daylight saving ignored, as in
    /// [`super::schedule::StepSchedule::mean_count`].
    pub fn mean_on_shift(&self) -> f64 {
        let ShiftSchedule::Weekly { intervals, .. } = &self.shifts else {
            return self.mean_count();
        };
        let Some(schedule) = &self.schedule else {
            return self.count as f64 * self.shifts.on_shift_fraction();
        };
        // Every instant of the week where the count or the shift changes.
        let cycle = schedule.cycle_us();
        let mut cuts = vec![0, US_PER_WEEK];
        for k in 0..US_PER_WEEK / cycle {
            cuts.extend(schedule.steps().iter().map(|&(off, _)| k * cycle + off));
        }
        for &(from, to) in intervals {
            cuts.extend([from, to]);
        }
        cuts.sort_unstable();
        cuts.dedup();
        let area: f64 = cuts
            .windows(2)
            .filter(|w| {
                intervals
                    .iter()
                    .any(|&(from, to)| from <= w[0] && w[0] < to)
            })
            .map(|w| (w[1] - w[0]) as f64 * schedule.count_at_offset(w[0] % cycle) as f64)
            .sum();
        area / US_PER_WEEK as f64
    }
}

/// SPEC §4b: whether a producer's rate, a group's shifts or its scheduled
/// count differ from one day of the week to another (a weekly cycle is
/// then the default of results by interval and of `labelsim staff`).
pub fn uses_days_of_the_week(producers: &[ProducerConfig], workers: &[WorkerGroupConfig]) -> bool {
    producers.iter().any(|p| match &p.schedule {
        Some(RateSchedule::Weekly { points }) => {
            let rate = |pos: u64| points[points.partition_point(|p| p.0 <= pos).max(1) - 1].1;
            !same_every_day(points.iter().map(|p| p.0), rate)
        }
        _ => false,
    }) || workers.iter().any(|w| {
        let shift_differs = match &w.shifts {
            ShiftSchedule::Weekly { intervals, .. } => {
                let on = |pos: u64| intervals.iter().any(|&(s, e)| s <= pos && pos < e);
                let cuts = intervals
                    .iter()
                    .flat_map(|&(s, e)| [s, e.saturating_sub(1)]);
                !same_every_day(cuts, on)
            }
            ShiftSchedule::Always => false,
        };
        shift_differs
            || w.schedule.as_ref().is_some_and(|s| {
                s.cycle_us() == US_PER_WEEK
                    && !same_every_day(s.steps().iter().map(|st| st.0), |pos| {
                        s.count_at_offset(pos)
                    })
            })
    })
}

/// Whether a piecewise-constant weekly `value_at` (µs since Monday 00:00)
/// is the same every day: checked at each of its changes `cuts`, on each
/// of the seven days.
fn same_every_day<T: PartialEq>(
    mut cuts: impl Iterator<Item = u64>,
    value_at: impl Fn(u64) -> T,
) -> bool {
    cuts.all(|p| (0..7).all(|d| value_at(p % US_PER_DAY + d * US_PER_DAY) == value_at(p)))
}
