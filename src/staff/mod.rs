//! `labelsim staff` (SPEC §8 S2–S4, issue 20): per-interval staffing of
//! one worker group for targets that must hold in every interval of a
//! daily or weekly demand cycle, by three methods side by side, and a
//! shift schedule covering it.
//!
//! - **SIPP** (stationary independent period by period): each interval is
//!   staffed with the fewest workers that meet the targets in a stationary
//!   M/M/c queue ([`erlang`]) at the interval's mean arrival rate.
//! - **Lagged SIPP**: the same at the rate one mean hold earlier (Green,
//!   Kolesar & Soares, "Improving the SIPP approach for staffing service
//!   systems that have cyclic demands", Operations Research 49(4), 2001):
//!   the work in progress lags the arrivals by about a service time.
//! - **ISA**, the iterative staffing algorithm (Feldman, Mandelbaum, Massey
//!   & Whitt, "Staffing of time-varying queues to achieve time-stable
//!   performance", Management Science 54(2), 2008): evaluate the whole
//!   cycle under the current staffing (a [`CycleEvaluator`]), read each
//!   interval's offered load from it, set each interval to the fewest
//!   workers meeting the targets at that load (Erlang C inverted per
//!   interval), and repeat until the staffing stops changing or the
//!   iteration limit. It starts from square-root staffing at SIPP's loads.
//!
//! [`shifts`] covers the chosen staffing with shifts as an exact integer
//! program (S3); [`demand`] holds the cycle's arrival rate and loads.
//!
//! The evaluator is a trait so that the staffing logic does not depend on
//! how a cycle is measured: [`AnalyticEvaluator`] computes each interval
//! from the modified offered load (the time-varying infinite-server load)
//! and Erlang C; [`SimEvaluator`] simulates the scenario and reads its
//! results by interval of arrival (SPEC §4b). A group is a worker group or
//! a pipeline consumer's pollers ([`StaffGroup`]).

pub mod demand;
pub mod erlang;
pub mod shifts;

use crate::model::load::{stage_loads, StageLoad};
use crate::model::workforce::ShiftSchedule;
use crate::model::SimConfig;
use crate::plan::Target;
use demand::{Cycle, IntervalDemand};
use erlang::{Mmc, StaffMetric};
use std::collections::BTreeMap;
use std::fmt;

/// A metric's value over one interval: its mean over replications and the
/// 95% interval (None with one replication or for an exact model); `mean`
/// None when nothing arrived in the interval (an empty sample is null).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: Option<f64>,
    pub ci95: Option<(f64, f64)>,
}

impl Estimate {
    /// An exact value (a model, not a sample).
    pub fn exact(x: f64) -> Estimate {
        Estimate {
            mean: Some(x),
            ci95: None,
        }
    }

    /// The target's verdict: met when the whole 95% interval (or the exact
    /// value) satisfies it; an interval with nothing to measure meets it.
    pub fn meets(&self, target: &Target) -> bool {
        match (self.mean, self.ci95) {
            (None, _) => true,
            (Some(_), Some((lo, hi))) => target.met_by(lo, hi),
            (Some(m), None) => target.met_by(m, m),
        }
    }
}

/// What one evaluation of the cycle says about one interval.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalMeasure {
    /// Arrivals per hour in the interval [objects/h].
    pub arrival_rate_per_h: f64,
    /// The interval's mean offered load [Erlangs: workers' worth of work
    /// in progress with as many workers as wanted], which ISA staffs for.
    pub offered_load: f64,
    /// Each target metric's value, by name.
    pub values: BTreeMap<String, Estimate>,
}

/// Why a cycle could not be evaluated. Fatal for the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvalError {
    /// A simulated replication came back without results by interval of
    /// arrival (SPEC §4b): a defect.
    NeedsByInterval,
    /// The staffing has the wrong number of intervals (a defect).
    Length { expected: usize, got: usize },
    /// Anything else, in words.
    Other(String),
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::NeedsByInterval => write!(
                f,
                "a simulated replication gave no results by interval of arrival (a defect; --evaluator analytic avoids it)"
            ),
            EvalError::Length { expected, got } => {
                write!(f, "a staffing of {got} intervals for a cycle of {expected}")
            }
            EvalError::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for EvalError {}

/// Measures a whole demand cycle under a staffing.
pub trait CycleEvaluator {
    /// Simulates (or computes) the cycle with `staffing[i]` workers in
    /// interval i; one measure per interval, with each target metric.
    fn evaluate(&self, staffing: &[u32]) -> Result<Vec<IntervalMeasure>, EvalError>;
}

/// A target of `staff`: the parsed target and the metric it names.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffTarget {
    pub target: Target,
    pub metric: StaffMetric,
}

/// Why a target cannot be used. Fatal.
#[derive(Debug, Clone, PartialEq)]
pub enum StaffTargetError {
    /// Not `METRIC OP VALUE`, or a bad value.
    Parse(crate::plan::TargetError),
    /// A metric that is not measured by interval of arrival.
    NotByInterval(String, String),
}

impl fmt::Display for StaffTargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaffTargetError::Parse(e) => write!(f, "{e}"),
            StaffTargetError::NotByInterval(t, hint) => write!(
                f,
                "`{t}`: staffing targets hold in every interval, so they must be by-interval metrics ({}){hint}",
                erlang::BY_INTERVAL_METRICS.join(", ")
            ),
        }
    }
}

impl std::error::Error for StaffTargetError {}

impl StaffTarget {
    /// Parses `METRIC OP VALUE` on the by-interval metrics (any
    /// `labeled_within_<d>`).
    pub fn parse(text: &str) -> Result<StaffTarget, StaffTargetError> {
        let mut known: Vec<String> = erlang::BY_INTERVAL_METRICS
            .iter()
            .filter(|m| !m.contains('<'))
            .map(|m| m.to_string())
            .collect();
        // The metric as written, if it is a service level of any duration.
        let head = text
            .split(['<', '>', '=', '!'])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if let Some(StaffMetric::LabeledWithin(_)) = StaffMetric::of_name(&head) {
            known.push(head.clone());
        }
        let refs: Vec<&str> = known.iter().map(String::as_str).collect();
        let target = Target::parse(text, &refs).map_err(|e| match e {
            crate::plan::TargetError::Metric(t, _) => {
                let hint = crate::suggest::did_you_mean(&head, &refs, "docs/model.md");
                let hint = if hint.starts_with("; did you mean") {
                    hint
                } else {
                    String::new()
                };
                StaffTargetError::NotByInterval(t, hint)
            }
            e => StaffTargetError::Parse(e),
        })?;
        let metric = StaffMetric::of_name(&target.metric)
            .expect("Target::parse accepts only the names above");
        Ok(StaffTarget { target, metric })
    }
}

/// The group staffed, as the queueing model sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Service {
    /// Mean time a task holds a worker \[s\].
    pub hold_s: f64,
    /// N, tasks per object (R2).
    pub tasks_per_object: u32,
}

/// The most workers any interval is given (a staffing above it is a
/// defect of the input, e.g. a rate in the millions).
pub const MAX_STAFF: u32 = 1_000_000;

/// The fewest workers meeting every target at `load` Erlangs, or None
/// when no number does (a target beyond what waiting nothing gives).
///
/// With work to do (a load above 0), the value with nobody waiting is a
/// limit that no finite count reaches: the mean time to label is above
/// the mean hold, the share labeled within d below 1 − e^(−d/h), for every
/// count. A target at that limit (within rounding: 1 − e^(−40) is 1 in
/// floating point) is beyond reach too, though the formula's value at a
/// large count rounds onto it.
pub fn required(load: f64, service: Service, targets: &[StaffTarget]) -> Option<u32> {
    let attainable = targets.iter().all(|t| {
        let best = erlang::unlimited(&t.metric, load, service.hold_s, service.tasks_per_object);
        let at_the_limit =
            load > 0.0 && (best - t.target.value).abs() <= 1e-9 * t.target.value.abs();
        Estimate::exact(best).meets(&t.target) && !at_the_limit
    });
    if !attainable {
        return None;
    }
    erlang::fewest(load, MAX_STAFF, |c| {
        let q = Mmc {
            servers: c,
            load,
            hold_s: service.hold_s,
            tasks_per_object: service.tasks_per_object,
        };
        targets
            .iter()
            .all(|t| Estimate::exact(q.metric(&t.metric)).meets(&t.target))
    })
}

/// Where no number meets the targets, the interval is given as many as
/// make waiting rare (delay probability ≤ 1%): more would change nothing.
pub fn ceiling(load: f64) -> u32 {
    erlang::fewest(load, MAX_STAFF, |c| erlang::erlang_c(c, load) <= 0.01).unwrap_or(MAX_STAFF)
}

/// The staffing for per-interval loads: [`required`], or the [`ceiling`]
/// where none meets the targets.
pub fn staff_for_loads(loads: &[f64], service: Service, targets: &[StaffTarget]) -> Vec<u32> {
    loads
        .iter()
        .map(|&a| required(a, service, targets).unwrap_or_else(|| ceiling(a)))
        .collect()
}

/// Whether every target holds in each interval of `measures`, given each
/// interval's expected arrival rate (`expected_rate_per_h`, objects an
/// hour from the scenario; a missing entry counts as none).
///
/// SPEC §4a: a target on a metric with no value is not met. So an
/// interval whose metric is empty misses its targets whenever arrivals
/// were expected there: because nobody took or labeled an object (no
/// workers), or because the runs measured none (arrivals too rare for the
/// horizon, or the job not yet in progress), which a longer horizon or
/// more replications would measure. Only an interval where nothing is
/// expected and nothing arrived has nothing to miss.
pub fn intervals_met(
    measures: &[IntervalMeasure],
    targets: &[StaffTarget],
    expected_rate_per_h: &[f64],
) -> Vec<bool> {
    measures
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let nothing_to_measure =
                m.arrival_rate_per_h <= 0.0 && expected_rate_per_h.get(i).is_none_or(|&r| r <= 0.0);
            targets
                .iter()
                .all(|t| match m.values.get(&t.target.metric) {
                    None => true,
                    Some(e) if e.mean.is_none() => nothing_to_measure,
                    Some(e) => e.meets(&t.target),
                })
        })
        .collect()
}

/// ISA's least count per interval: one where arrivals are expected
/// (`rate_per_h` above 0). A simulated cycle may sample no arrival in a
/// quiet interval, or a load too small to call for anyone, and ISA would
/// staff it with nobody, so that every object arriving there waits for
/// the next staffed interval on fresh runs.
pub fn floor(rate_per_h: &[f64]) -> Vec<u32> {
    rate_per_h.iter().map(|&r| u32::from(r > 0.0)).collect()
}

/// ISA's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct IsaOutcome {
    pub staffing: Vec<u32>,
    /// Evaluations of the cycle made.
    pub iterations: u32,
    /// The staffing stopped changing before the limit.
    pub converged: bool,
}

/// The iterative staffing algorithm (module docs) from `start`, at most
/// `max_iterations` evaluations; `progress` is told after each the
/// iteration's number and how many intervals' staffing it changed.
/// `floor[i]` is the least count interval `i` is given (see [`floor`];
/// missing entries are 0).
pub fn isa(
    evaluator: &dyn CycleEvaluator,
    start: Vec<u32>,
    floor: &[u32],
    service: Service,
    targets: &[StaffTarget],
    max_iterations: u32,
    progress: &dyn Fn(u32, usize),
) -> Result<IsaOutcome, EvalError> {
    let mut staffing = start;
    // Workers added above the formula where the measurement missed.
    let mut extra = vec![0u32; staffing.len()];
    for it in 1..=max_iterations {
        let measures = evaluator.evaluate(&staffing)?;
        if measures.len() != staffing.len() {
            return Err(EvalError::Length {
                expected: staffing.len(),
                got: measures.len(),
            });
        }
        let loads: Vec<f64> = measures.iter().map(|m| m.offered_load).collect();
        let mut next = staff_for_loads(&loads, service, targets);
        // Where the measurement (its 95% interval, as the verdict reads
        // it) misses a target that the interval's
        // load can meet, the formula underrates what this model needs
        // (general service times, N tasks an object, work carried over from
        // earlier intervals): one more worker than was measured there, so
        // that the fixed point is one the measurement itself meets. The
        // addition is kept, so the iteration cannot undo it.
        for (i, m) in measures.iter().enumerate() {
            let mean_misses = targets.iter().any(|t| {
                m.values
                    .get(&t.target.metric)
                    .is_some_and(|e| !e.meets(&t.target))
            });
            // Only where the staffing measured was already what the formula
            // asks for this load (else the formula's own step fixes it).
            let formula = required(m.offered_load, service, targets);
            if mean_misses && formula.is_some_and(|r| staffing[i] >= r + extra[i]) {
                extra[i] += 1;
            }
            next[i] += extra[i];
            next[i] = next[i].max(floor.get(i).copied().unwrap_or(0));
        }
        progress(
            it,
            next.iter().zip(&staffing).filter(|(a, b)| a != b).count(),
        );
        if next == staffing {
            return Ok(IsaOutcome {
                staffing,
                iterations: it,
                converged: true,
            });
        }
        staffing = next;
    }
    Ok(IsaOutcome {
        staffing,
        iterations: max_iterations,
        converged: false,
    })
}

/// The fewest constant count that meets the targets in as many intervals
/// as `reference` does (every interval when it meets all): what `plan`
/// would answer for one number. A bisection between `floor` and `upper`
/// (which must reach that many), assuming more workers never meet fewer
/// intervals. `floor` is the fewest count that keeps the stream stable
/// (more than the cycle's mean offered load, [`erlang::stable_floor`]):
/// as in `plan`, an unstable count is never an answer, whatever a finite
/// run or an interval's verdict says. None when even `upper` does not.
pub fn constant(
    evaluator: &dyn CycleEvaluator,
    expected_rate_per_h: &[f64],
    (floor, upper): (u32, u32),
    reference: usize,
    targets: &[StaffTarget],
) -> Result<Option<u32>, EvalError> {
    let intervals = expected_rate_per_h.len();
    let upper = upper.max(floor);
    let met = |c: u32| -> Result<usize, EvalError> {
        let m = evaluator.evaluate(&vec![c; intervals])?;
        Ok(intervals_met(&m, targets, expected_rate_per_h)
            .iter()
            .filter(|x| **x)
            .count())
    };
    if met(upper)? < reference {
        return Ok(None);
    }
    let (mut lo, mut hi) = (floor, upper);
    if met(floor)? >= reference {
        return Ok(Some(floor));
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if met(mid)? >= reference {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// Worker-hours over the cycle of a staffing.
pub fn worker_hours(staffing: &[u32], interval_s: u64) -> f64 {
    staffing.iter().map(|&s| s as f64).sum::<f64>() * interval_s as f64 / 3600.0
}

/// Evaluates each interval as a stationary M/M/c queue at the interval's
/// *modified offered load* (the mean busy workers with as many as wanted,
/// following the arrivals with a lag of about a hold; [`demand`]): the
/// MOL approximation, good where holds are short against the intervals
/// and the staffing keeps waits short. It ignores queues carried from one
/// interval to the next, which the simulation measures.
///
/// An interval whose load reaches what the job's task slots can keep up with
/// (`slots_per_h`, R3's K: see [`slot_capacity_per_h`], [`over_the_slots`])
/// has no value and is not met: no number of workers labels faster than
/// K allows.
#[derive(Clone, Debug)]
pub struct AnalyticEvaluator {
    pub demand: IntervalDemand,
    pub service: Service,
    pub targets: Vec<StaffTarget>,
    /// Objects per hour the job's K task slots keep up with at most (None: no
    /// such bound, e.g. for a consumer's pollers).
    pub slots_per_h: Option<f64>,
}

/// R3 for `labelsim staff`: the objects per hour the job's K task slots
/// can label, whatever the count of `group` (None for a consumer, or
/// without a job).
pub fn slot_capacity_per_h(cfg: &SimConfig, group: GroupRef) -> Option<f64> {
    if matches!(group, GroupRef::Consumer(_)) || cfg.no_job {
        return None;
    }
    crate::model::load::slot_capacity_per_us(&unlimited_group(cfg, group)).map(|c| c * 3.6e9)
}

/// `cfg` with `group` as many as may be, on duty all the time (its own
/// shifts and schedule give way, as to any staffing): what holds whatever
/// its count.
fn unlimited_group(cfg: &SimConfig, group: GroupRef) -> SimConfig {
    let mut probe = cfg.clone();
    match group {
        GroupRef::Workers(i) => {
            probe.workers[i].count = MAX_STAFF;
            probe.workers[i].schedule = None;
            probe.workers[i].shifts = ShiftSchedule::Always;
        }
        GroupRef::Consumer(i) => {
            if let Some(pipe) = probe.pipeline.as_mut() {
                pipe.consumers[i].count = MAX_STAFF;
                pipe.consumers[i].schedule = None;
            }
        }
    }
    probe
}

/// Whether an interval's work reaches what the job's task slots label
/// (within rounding): its offered load `load` [Erlangs of tasks], read as
/// objects an hour (load ÷ (N · h)), against `slots_per_h`. The load is
/// the interval's smoothed one (the modified offered load), as Erlang C
/// reads it for the workers: an hour's burst above the slots' rate that
/// the lag absorbs is not past them.
pub fn over_the_slots(load: f64, service: Service, slots_per_h: Option<f64>) -> bool {
    let per_object_h = service.tasks_per_object as f64 * service.hold_s / 3600.0;
    slots_per_h.is_some_and(|cap| {
        load > 0.0
            && per_object_h > 0.0
            && load / per_object_h >= cap * (1.0 - crate::model::load::SATURATION_TOLERANCE)
    })
}

impl CycleEvaluator for AnalyticEvaluator {
    fn evaluate(&self, staffing: &[u32]) -> Result<Vec<IntervalMeasure>, EvalError> {
        if staffing.len() != self.demand.len() {
            return Err(EvalError::Length {
                expected: self.demand.len(),
                got: staffing.len(),
            });
        }
        Ok(staffing
            .iter()
            .enumerate()
            .map(|(i, &servers)| {
                let load = self.demand.modified_load[i];
                let rate = self.demand.rate_per_h[i];
                let q = Mmc {
                    servers,
                    load,
                    hold_s: self.service.hold_s,
                    tasks_per_object: self.service.tasks_per_object,
                };
                let values = self
                    .targets
                    .iter()
                    .map(|t| {
                        let e = if rate <= 0.0
                            || over_the_slots(load, self.service, self.slots_per_h)
                        {
                            Estimate {
                                mean: None,
                                ci95: None,
                            }
                        } else {
                            Estimate::exact(q.metric(&t.metric))
                        };
                        (t.target.metric.clone(), e)
                    })
                    .collect();
                IntervalMeasure {
                    arrival_rate_per_h: rate,
                    offered_load: load,
                    values,
                }
            })
            .collect())
    }
}

/// Which group `--group` names (S2): a worker group or a pipeline
/// consumer, by index in the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupRef {
    /// `workers[NAME]`: index in the scenario's workers.
    Workers(usize),
    /// `pipeline.consumers[NAME]`: index in the pipeline's consumers.
    Consumer(usize),
}

/// SPEC §4b: the capacity stages other than `group` that stay at an
/// offered load of 1 or more whatever its count (the job's task slots K,
/// another consumer, the workers a route feeds), with their loads. Any
/// makes every staffing of `group` unstable: none is an answer.
pub fn stages_unstable_whatever(cfg: &SimConfig, group: GroupRef) -> Vec<StageLoad> {
    stage_loads(&unlimited_group(cfg, group))
        .into_iter()
        .filter(|s| s.load >= 1.0)
        .collect()
}

/// A part of the searchable latency that no number of a consumer's pollers
/// changes (P7's notification delay, P8's index), measured alone above
/// a latency target: no staffing meets it.
#[derive(Clone, Debug, PartialEq)]
pub struct UnmovablePart {
    /// The target, as the user wrote it.
    pub target: String,
    /// The part's metric (`latency_notification_p95_s`).
    pub part: String,
    /// Its mean over the replications \[s\].
    pub value_s: f64,
}

/// P7/P8: the latency targets on consumer `consumer` that a part no count
/// of its pollers changes misses on its own: the notification delay or the
/// index, measured over `replications` runs with the consumer given
/// `count` pollers all the time (enough that its own stage keeps up, so
/// documents do become searchable). A part's mean (or mean p95) at or over
/// a `<=`/`<` target leaves nothing for the queue and the processing.
/// The analytic model sees the consumer's stage only, and the simulation
/// would add pollers in vain up to `--max-iterations`.
pub fn unmovable_latency_parts(
    cfg: &SimConfig,
    consumer: usize,
    count: u32,
    targets: &[StaffTarget],
    seed: u64,
    replications: u32,
) -> Result<Vec<UnmovablePart>, EvalError> {
    let latency: Vec<&StaffTarget> = targets
        .iter()
        .filter(|t| t.target.metric.starts_with("searchable_latency_"))
        .filter(|t| matches!(t.target.op, crate::plan::Op::Le | crate::plan::Op::Lt))
        .collect();
    if latency.is_empty() {
        return Ok(Vec::new());
    }
    let mut probe = cfg.clone();
    if let Some(c) = probe
        .pipeline
        .as_mut()
        .and_then(|p| p.consumers.get_mut(consumer))
    {
        c.count = count;
        c.schedule = None;
        c.scaling = None;
    }
    probe.by_interval = None;
    let runs = crate::runner::run_replications(&probe, seed, replications, None, &|| {})
        .map_err(|e| EvalError::Other(e.to_string()))?;
    // Means over the replications with a value (SPEC §4a), as summary.json's.
    let summaries: Vec<_> = runs.iter().map(|r| r.summary.clone()).collect();
    let agg = crate::runner::aggregate(&summaries);
    let mean_of = |key: &str| agg.mean_of(key);
    let mut found = Vec::new();
    for t in latency {
        let stat = t
            .target
            .metric
            .strip_prefix("searchable_latency_")
            .unwrap_or_default();
        let parts: Vec<(String, f64)> = ["notification", "index"]
            .iter()
            .map(|part| format!("latency_{part}_{stat}"))
            .filter_map(|key| mean_of(&key).map(|v| (key, v)))
            .filter(|(_, v)| *v > 0.0)
            .collect();
        let alone = parts
            .iter()
            .find(|(_, v)| !t.target.met_by(*v, *v))
            .cloned()
            // Means add up (the parts of each document's latency sum to
            // it), so two parts within a mean target may miss it together;
            // p95s do not add up.
            .or_else(|| {
                let sum: f64 = parts.iter().map(|p| p.1).sum();
                (stat == "mean_s" && parts.len() > 1 && !t.target.met_by(sum, sum)).then(|| {
                    let names: Vec<&str> = parts.iter().map(|p| p.0.as_str()).collect();
                    (names.join(" + "), sum)
                })
            });
        if let Some((part, value_s)) = alone {
            found.push(UnmovablePart {
                target: t.target.text.clone(),
                part,
                value_s,
            });
        }
    }
    Ok(found)
}

/// A target on waiting (`delay_probability`, `pool_wait_mean_s`) that only
/// a wait of exactly 0 meets: with random arrivals some objects always
/// wait, whatever the count (Erlang C is above 0 for any finite number;
/// the formula's value only underflows to 0 far up), so none meets it.
pub fn needs_no_wait_at_all(t: &StaffTarget) -> bool {
    matches!(
        t.metric,
        StaffMetric::DelayProbability | StaffMetric::PoolWaitMean
    ) && !t.target.met_by(f64::MIN_POSITIVE, f64::MIN_POSITIVE)
}

/// SPEC §4b over a cycle: a staffing unstable in the long run, whose
/// count summed over the intervals does not exceed their offered loads
/// (the backlog would grow cycle after cycle), whatever the intervals'
/// verdicts over a finite run say.
pub fn unstable_over_the_cycle(staffing: &[u32], loads: &[f64]) -> bool {
    let work: f64 = loads.iter().sum();
    let capacity: f64 = staffing.iter().map(|&c| c as f64).sum();
    work > 0.0 && capacity <= work * (1.0 + 1e-9)
}

/// The group `labelsim staff` staffs (S2 `--group`).
#[derive(Clone, Debug, PartialEq)]
pub enum StaffGroup {
    /// `workers[i]`: its headcount.
    Workers(usize),
    /// `pipeline.consumers[index]`: its pollers (A3), with the demand to
    /// its queue in the cycle's intervals, whose loads [pollers' worth of
    /// work] ISA staffs for.
    Consumer {
        index: usize,
        demand: IntervalDemand,
    },
}

/// Simulates the scenario over the cycle with the group's count set to the
/// staffing (an S1 step schedule) and reads the results by interval of
/// arrival (SPEC §4b), `replications` times.
///
/// Wiring it: per interval, `arrival_rate_per_h` is the rows'
/// `arrival_rate_per_h`; `offered_load` must be in Erlangs (the mean
/// number of workers busy on the interval's work, what ISA inverts
/// Erlang C on), so a load given as a ratio ρ of the staff on shift is
/// ρ × `staff_on_shift_mean`; each target metric's [`Estimate`] is the
/// mean over replications with its 95% interval, None where no object
/// arrived.
#[derive(Clone, Debug)]
pub struct SimEvaluator {
    pub scenario: crate::model::SimConfig,
    /// The group staffed.
    pub group: StaffGroup,
    /// The zone of the cycle's intervals and of the schedule's steps: the
    /// worker group's; UTC for a consumer (consumers have no zone).
    pub zone: crate::model::workforce::ShiftZone,
    pub cycle: Cycle,
    pub interval_s: u64,
    pub seed: u64,
    /// The first replication run (counted from 0): 0 for the runs a
    /// staffing is tuned on, see [`SimEvaluator::fresh`].
    pub first_replication: u32,
    pub replications: u32,
    pub targets: Vec<StaffTarget>,
}

impl SimEvaluator {
    /// The same measurement on the next `replications` replications of the
    /// seed: random streams independent of those this one reads, so a
    /// staffing tuned on this evaluator's runs (ISA adds a worker where
    /// they miss) is judged again on runs it has not seen.
    pub fn fresh(&self) -> SimEvaluator {
        SimEvaluator {
            first_replication: self.first_replication.saturating_add(self.replications),
            ..self.clone()
        }
    }

    /// The scenario with the group's `count` replaced by `staffing` as a
    /// step schedule over the cycle (S1 for workers, A3 for a consumer, in
    /// `zone` like the demand's intervals) and results by interval of
    /// arrival switched on (§4b).
    pub fn scenario_with(&self, staffing: &[u32]) -> Result<crate::model::SimConfig, EvalError> {
        use crate::model::by_interval::{ByIntervalConfig, Cycle as ByCycle};
        use crate::model::schedule::StepSchedule;
        let cycle_s = self.cycle.seconds();
        let expected = (cycle_s / self.interval_s.max(1)) as usize;
        if staffing.len() != expected {
            return Err(EvalError::Length {
                expected,
                got: staffing.len(),
            });
        }
        let mut cfg = self.scenario.clone();
        // One step per change of count (a schedule's steps are distinct).
        let mut steps: Vec<(u64, u32)> = Vec::new();
        for (i, &n) in staffing.iter().enumerate() {
            if steps.last().is_none_or(|&(_, last)| last != n) {
                steps.push((i as u64 * self.interval_s * 1_000_000, n));
            }
        }
        let schedule = StepSchedule::new(
            cycle_s * 1_000_000,
            steps,
            self.zone.clone(),
            cfg.start_at_epoch_us,
        )
        .map_err(EvalError::Other)?;
        let most = staffing.iter().copied().max().unwrap_or(0);
        match &self.group {
            StaffGroup::Workers(i) => {
                let g = cfg
                    .workers
                    .get_mut(*i)
                    .ok_or_else(|| EvalError::Other("no such worker group".into()))?;
                g.count = most;
                g.schedule = Some(schedule);
                // The staffing is who is on duty each interval, as the
                // schedule written (S4) says: the group's own shifts give
                // way to it, or its off-shift hours would be measured as
                // misses no count can mend.
                g.shifts = ShiftSchedule::Always;
            }
            StaffGroup::Consumer { index, .. } => {
                // A3: the consumer's pollers follow the staffing.
                let c = cfg
                    .pipeline
                    .as_mut()
                    .and_then(|p| p.consumers.get_mut(*index))
                    .ok_or_else(|| EvalError::Other("no such consumer".into()))?;
                c.count = most;
                c.scaling = None;
                c.schedule = Some(schedule);
            }
        }
        let cycle = ByCycle::new(
            crate::engine::SimDuration::from_secs(cycle_s),
            crate::engine::SimDuration::from_secs(self.interval_s),
        )
        .map_err(EvalError::Other)?;
        cfg.by_interval = Some(ByIntervalConfig {
            cycle,
            zone: self.zone.clone(),
        });
        // A `labeled_within_<d>` target is measured whether or not the
        // scenario's `output.sla` lists d (without it, no interval had a
        // value and every one read as missed).
        for t in &self.targets {
            if let StaffMetric::LabeledWithin(secs) = t.metric {
                if !cfg.sla.iter().any(|s| s.name == t.target.metric) {
                    cfg.sla.push(crate::model::config::Sla {
                        name: crate::model::metrics::intern(t.target.metric.clone()),
                        within: crate::engine::SimDuration::from_micros(
                            (secs * 1e6).round() as u64,
                        ),
                    });
                }
            }
        }
        Ok(cfg)
    }
}

impl CycleEvaluator for SimEvaluator {
    /// Simulates `replications` runs of the scenario under `staffing` and
    /// reads each interval's target metrics (mean and 95% interval over
    /// the replications) and its offered load in Erlangs: the interval's
    /// load per worker on shift times the workers on shift, i.e. the work
    /// that arrived in it, as ISA staffs for.
    fn evaluate(&self, staffing: &[u32]) -> Result<Vec<IntervalMeasure>, EvalError> {
        let cfg = self.scenario_with(staffing)?;
        let runs = crate::runner::run_replications_from(
            &cfg,
            self.seed,
            self.first_replication,
            self.replications,
            None,
            &|| {},
        )
        .map_err(|e| EvalError::Other(e.to_string()))?;
        let rows: Vec<&[crate::model::by_interval::IntervalRow]> = runs
            .iter()
            .filter_map(|r| r.by_interval.as_deref())
            .collect();
        if rows.len() != runs.len() {
            return Err(EvalError::NeedsByInterval);
        }
        let means = crate::model::by_interval::combine(&rows);
        Ok(means
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let values = self
                    .targets
                    .iter()
                    .map(|t| {
                        let name = t.target.metric.clone();
                        let mean = m.row.values.get(&name).copied().flatten();
                        let ci95 = m.ci95.get(&name).copied();
                        (name, Estimate { mean, ci95 })
                    })
                    .collect();
                match &self.group {
                    StaffGroup::Workers(_) => IntervalMeasure {
                        arrival_rate_per_h: m.row.arrival_rate_per_h,
                        offered_load: m
                            .row
                            .workers_load
                            .filter(|rho| rho.is_finite())
                            .zip(m.row.staff_on_shift_mean)
                            .map(|(rho, staff)| rho * staff)
                            .unwrap_or(0.0),
                        values,
                    },
                    // The job's rows count the job's arrivals; a
                    // consumer's come from the demand to its queue.
                    StaffGroup::Consumer { demand, .. } => IntervalMeasure {
                        arrival_rate_per_h: demand.rate_per_h.get(i).copied().unwrap_or(0.0),
                        offered_load: demand.modified_load.get(i).copied().unwrap_or(0.0),
                        values,
                    },
                }
            })
            .collect())
    }
}

/// Whether `interval_s` is a whole number of minutes (at least one) that
/// divides the cycle; the message names the flag.
pub fn check_interval(interval_s: u64, cycle: Cycle) -> Result<(), String> {
    if interval_s < 60 || !interval_s.is_multiple_of(60) {
        return Err(format!(
            "--interval must be a whole number of minutes, at least 1m (got {interval_s} s)"
        ));
    }
    if !cycle.seconds().is_multiple_of(interval_s) {
        return Err(format!(
            "--interval {} does not divide the cycle of {} ({} s): choose one that does, e.g. 30m, 1h or 2h",
            crate::human::duration(interval_s as f64),
            cycle.as_str(),
            cycle.seconds()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over a cycle, a staffing is unstable when its counts do not add up
    /// to more than the loads (a load of 6 and 6 workers: a load of 1),
    /// whatever one interval has; none without load.
    #[test]
    fn a_staffing_is_unstable_when_its_capacity_does_not_exceed_the_work() {
        assert!(unstable_over_the_cycle(&[6, 6], &[6.0, 6.0]));
        assert!(unstable_over_the_cycle(&[8, 3], &[6.0, 6.0]));
        assert!(!unstable_over_the_cycle(&[9, 4], &[6.0, 6.0]));
        assert!(!unstable_over_the_cycle(&[0, 0], &[0.0, 0.0]));
        // 60/h × 6 min in floating point is a whole 6.
        assert!(unstable_over_the_cycle(&[6], &[6.0 * (1.0 - 1e-15)]));
    }

    /// Only a target that no positive wait meets is "no wait at all".
    #[test]
    fn only_a_zero_wait_target_needs_no_wait_at_all() {
        let t = |s| StaffTarget::parse(s).unwrap();
        assert!(needs_no_wait_at_all(&t("delay_probability <= 0%")));
        assert!(needs_no_wait_at_all(&t("pool_wait_mean_s <= 0s")));
        assert!(!needs_no_wait_at_all(&t("delay_probability <= 1%")));
        assert!(!needs_no_wait_at_all(&t("labeled_within_1h >= 100%")));
    }

    fn targets(t: &[&str]) -> Vec<StaffTarget> {
        t.iter().map(|t| StaffTarget::parse(t).unwrap()).collect()
    }

    /// A metric with no value in an interval that had arrivals (no worker
    /// took a task: `pool_wait_mean_s` is empty) misses its target, and so
    /// does one where arrivals were expected but none were measured; only
    /// an interval where none are expected has nothing to miss. Zero
    /// workers used to "meet" every interval, so the constant staffing
    /// read 0.
    #[test]
    fn an_empty_metric_meets_only_where_nothing_arrived() {
        let t = targets(&["pool_wait_mean_s <= 2m"]);
        let measure = |rate: f64| IntervalMeasure {
            arrival_rate_per_h: rate,
            offered_load: 0.0,
            values: [(
                "pool_wait_mean_s".to_string(),
                Estimate {
                    mean: None,
                    ci95: None,
                },
            )]
            .into_iter()
            .collect(),
        };
        assert_eq!(
            intervals_met(&[measure(100.0), measure(0.0)], &t, &[100.0, 0.0]),
            [false, true]
        );
        // SPEC §4a: arrivals expected but none measured (too rare for the
        // horizon): no value, so not met.
        assert_eq!(
            intervals_met(&[measure(0.0), measure(0.0)], &t, &[0.01, 0.0]),
            [false, true]
        );
    }

    #[test]
    fn targets_must_be_by_interval_metrics() {
        let e = StaffTarget::parse("cost_usd <= 10").unwrap_err();
        assert!(matches!(e, StaffTargetError::NotByInterval(..)), "{e}");
        let e = StaffTarget::parse("delay_probabilty <= 20%").unwrap_err();
        assert!(
            e.to_string().contains("did you mean `delay_probability`"),
            "{e}"
        );
        let t = StaffTarget::parse("labeled_within_90m >= 95%").unwrap();
        assert_eq!(t.metric, StaffMetric::LabeledWithin(5400.0));
        assert!((t.target.value - 0.95).abs() < 1e-12);
    }

    /// A fake cycle whose load in each interval depends on the staffing of
    /// the one before (work carried over): ISA must iterate to the fixed
    /// point.
    struct Carry {
        base: Vec<f64>,
    }

    impl CycleEvaluator for Carry {
        fn evaluate(&self, staffing: &[u32]) -> Result<Vec<IntervalMeasure>, EvalError> {
            let n = staffing.len();
            Ok((0..n)
                .map(|i| {
                    let prev = staffing[(i + n - 1) % n] as f64;
                    // An understaffed neighbour leaves up to 2 Erlangs.
                    let carry = (self.base[(i + n - 1) % n] + 3.0 - prev).clamp(0.0, 2.0);
                    IntervalMeasure {
                        arrival_rate_per_h: 1.0,
                        offered_load: self.base[i] + carry,
                        values: BTreeMap::new(),
                    }
                })
                .collect())
        }
    }

    #[test]
    fn isa_iterates_to_a_fixed_point_and_reports_it() {
        let service = Service {
            hold_s: 360.0,
            tasks_per_object: 1,
        };
        let t = targets(&["delay_probability <= 20%"]);
        let e = Carry {
            base: vec![4.0, 12.0, 8.0],
        };
        let calls = std::cell::Cell::new(0);
        let out = isa(&e, vec![0, 0, 0], &[], service, &t, 20, &|_, _| {
            calls.set(calls.get() + 1)
        })
        .unwrap();
        assert!(out.converged);
        assert_eq!(calls.get(), out.iterations);
        // At the fixed point each interval meets the target at its load.
        let m = e.evaluate(&out.staffing).unwrap();
        for (s, m) in out.staffing.iter().zip(&m) {
            assert_eq!(Some(*s), required(m.offered_load, service, &t));
        }
        // One iteration is not enough: it says so.
        let short = isa(&e, vec![0, 0, 0], &[], service, &t, 1, &|_, _| {}).unwrap();
        assert!(!short.converged);
        assert_eq!(short.iterations, 1);
    }

    #[test]
    fn a_target_at_the_limit_of_no_waiting_is_beyond_reach() {
        // 6-minute holds: the mean time to label is above 6 min whatever
        // the count (C·h/(c − a) > 0), and the share within 4 h below
        // 1 − e^(−40), which rounds to 1: neither is met by any count,
        // though the formulas' values at 35 workers round onto the target.
        let service = Service {
            hold_s: 360.0,
            tasks_per_object: 1,
        };
        let t = |s: &str| vec![StaffTarget::parse(s).unwrap()];
        assert_eq!(
            required(6.0, service, &t("time_to_label_mean_s <= 6m")),
            None
        );
        assert_eq!(
            required(6.0, service, &t("labeled_within_4h >= 100%")),
            None
        );
        assert!(required(6.0, service, &t("time_to_label_mean_s <= 6.5m")).is_some());
        assert!(required(6.0, service, &t("labeled_within_4h >= 99.9%")).is_some());
        // No work: nobody waits, and the limits are the values.
        assert_eq!(
            required(0.0, service, &t("time_to_label_mean_s <= 6m")),
            Some(0)
        );
    }

    #[test]
    fn an_unattainable_target_gets_the_ceiling() {
        // A 6-minute exponential task is labeled within 1 minute with
        // probability 1 − e^−1/6 ≈ 15% at best.
        let service = Service {
            hold_s: 360.0,
            tasks_per_object: 1,
        };
        let t = targets(&["labeled_within_1m >= 50%"]);
        assert_eq!(required(10.0, service, &t), None);
        assert_eq!(staff_for_loads(&[10.0], service, &t), vec![ceiling(10.0)]);
        assert!(erlang::erlang_c(ceiling(10.0), 10.0) <= 0.01);
    }

    #[test]
    fn intervals_must_divide_the_cycle() {
        assert!(check_interval(3600, Cycle::Day).is_ok());
        let e = check_interval(7 * 3600, Cycle::Day).unwrap_err();
        assert!(e.contains("does not divide the cycle of 1d"), "{e}");
        assert!(check_interval(90, Cycle::Day).is_err());
    }
}
