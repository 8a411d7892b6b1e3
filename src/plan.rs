//! Capacity planning: the smallest parameter value that meets every target
//! with 95% confidence, by galloping then bisecting over a sorted grid
//! (O(log n) points for a monotone question instead of n).
//!
//! The pieces here decide, from replications, whether a point meets its
//! targets: a [`Verdict`] per target (met, failed, not yet decided, no
//! value), a [`PointStatus`] per point (a stationary stream at offered load
//! ≥ 1 is [`PointStatus::Unstable`] whatever the finite run shows), and the
//! choice of the point that minimizes a metric ([`choose_minimum`]). The
//! planner ([`search`]) adds replications at a point while its status is
//! undecided, and walks the grid in one of three ways ([`Search`]).
//!
//! `labelsim plan` (in `commands/plan.rs`) reads the arguments, runs the
//! simulations the search asks for, prints and writes.

use crate::model::load::{self, StageLoad};
use crate::model::{RunSummary, SimConfig};
use crate::runner::{aggregate, Aggregate};
use crate::scenario::paths::{value_text, ParamPath, ScenarioTemplate};
use crate::scenario::units::parse_duration;
use crate::suggest::{check_metric, UnknownMetric};
use crate::sweep::{numeric_param, Design, SweepError};
use std::collections::BTreeMap;
use std::fmt;

/// A target that cannot be read. Fatal for the command. Messages quote the
/// target as written, not the flag it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TargetError {
    /// Not `METRIC OP VALUE`.
    Form(String),
    /// The metric is not one of the scenario's numeric metrics.
    Metric(String, UnknownMetric),
    /// The value is neither a number, a percentage nor a duration, or is
    /// outside the metric's range (a share above 1).
    Value(String, String),
    /// A service level the scenario does not report: its duration is not
    /// in `output.sla`.
    MissingSla(String, String),
    /// An operator that is not one of <=, <, >=, >, == (`=<`, `=>`, `!=`).
    Operator(String, String),
}

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TargetError::Form(t) => write!(f, "`{t}`: write METRIC OP VALUE with OP one of <=, <, >=, >, ==, e.g. \"time_to_label_p95_s <= 24h\""),
            TargetError::Metric(t, e) => write!(f, "`{t}`: {e}"),
            TargetError::Value(t, why) => write!(f, "`{t}`: {why}"),
            TargetError::Operator(t, op) => write!(
                f,
                "`{t}`: `{op}` is not an operator; use one of <=, <, >=, >, =="
            ),
            TargetError::MissingSla(t, d) => write!(
                f,
                "`{t}`: the scenario does not report labeled_within_{d}: add {d} to output.sla (e.g. `output: {{sla: [{d}]}}`, or --set 'output.sla=[{d}]')"
            ),
        }
    }
}

impl std::error::Error for TargetError {}

/// A comparison in a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
}

/// `metric OP value`, e.g. `time_to_label_p95_s <= 24h`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub metric: String,
    pub op: Op,
    pub value: f64,
    /// As the user wrote it.
    pub text: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Target {
    /// Parses a target. Values may carry units: durations (`24h`, converted
    /// to seconds) and percentages (`0.5%` → 0.005).
    pub fn parse(text: &str, known_metrics: &[&str]) -> Result<Target, TargetError> {
        let t = text.trim();
        let ops = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let (i, sym, op) = ops
            .iter()
            .filter_map(|(s, o)| t.find(s).map(|i| (i, *s, *o)))
            .min_by_key(|x| x.0)
            .ok_or_else(|| TargetError::Form(t.to_string()))?;
        // `=<`, `=>`, `!=`: the operator is misspelt, not the metric.
        if let Some(bad) = ["=<", "=>", "!="].iter().find(|b| t.contains(**b)) {
            return Err(TargetError::Operator(t.to_string(), bad.to_string()));
        }
        let metric = t[..i].trim().to_string();
        let raw = t[i + sym.len()..].trim();
        if let Err(e) = check_metric(&metric, known_metrics) {
            // SPEC §4a: a service level is reported only for the durations
            // listed in output.sla.
            if let Some(d) = metric.strip_prefix("labeled_within_") {
                if parse_duration(d).is_ok() {
                    return Err(TargetError::MissingSla(t.to_string(), d.to_string()));
                }
            }
            return Err(TargetError::Metric(t.to_string(), e));
        }
        let share =
            crate::model::catalog::unit(&metric) == Some(crate::model::catalog::Unit::Fraction);
        if share && !raw.ends_with('%') {
            if let Ok(x) = raw.parse::<f64>() {
                if x > 1.0 {
                    return Err(TargetError::Value(
                        t.to_string(),
                        format!(
                            "{metric} is a share between 0 and 1; write {raw}% (or {})",
                            x / 100.0
                        ),
                    ));
                }
            }
        }
        let value = if let Some(p) = raw.strip_suffix('%') {
            p.trim().parse::<f64>().map(|x| x / 100.0).map_err(|_| {
                TargetError::Value(t.to_string(), format!("`{raw}` is not a percentage"))
            })?
        } else if let Ok(x) = raw.parse::<f64>() {
            x
        } else {
            parse_duration(raw)
                .map(|d| d.as_secs_f64())
                .map_err(|e| TargetError::Value(t.to_string(), e))?
        };
        if !value.is_finite() {
            return Err(TargetError::Value(
                t.to_string(),
                format!("`{raw}` is not a finite number"),
            ));
        }
        // A share lies in [0, 1]: a target past it is met by no value (or
        // every one), so it is a slip, like `95` for 95%.
        if share && !(0.0..=1.0).contains(&value) {
            return Err(TargetError::Value(
                t.to_string(),
                format!("{metric} is a share between 0% and 100%; `{raw}` is outside it"),
            ));
        }
        Ok(Target {
            metric,
            op,
            value,
            text: t.to_string(),
        })
    }

    /// Met with 95% confidence: the whole confidence interval satisfies the
    /// comparison (the upper bound for `<=`/`<`, the lower for `>=`/`>`,
    /// both for `==`).
    pub fn met_by(&self, lo: f64, hi: f64) -> bool {
        match self.op {
            Op::Le => hi <= self.value,
            Op::Lt => hi < self.value,
            Op::Ge => lo >= self.value,
            Op::Gt => lo > self.value,
            Op::Eq => lo == self.value && hi == self.value,
        }
    }

    /// Failed with 95% confidence: no value in the interval satisfies the
    /// comparison. For `==` any interval other than exactly [value, value]
    /// fails: once one replication differs, more replications cannot make
    /// every one equal.
    pub fn failed_by(&self, lo: f64, hi: f64) -> bool {
        match self.op {
            Op::Le => lo > self.value,
            Op::Lt => lo >= self.value,
            Op::Ge => hi < self.value,
            Op::Gt => hi <= self.value,
            Op::Eq => !self.met_by(lo, hi),
        }
    }

    /// The verdict of `runs` replications, of which `with_value` have a
    /// value of the metric, with 95% interval `ci` over those. SPEC §4a: a
    /// target on a metric with no value is not met; here that holds as soon
    /// as one replication has none (e.g. labeled nothing), since that
    /// replication cannot be said to meet it.
    pub fn verdict(&self, ci: Option<(f64, f64)>, with_value: usize, runs: usize) -> Verdict {
        match ci {
            Some((lo, hi)) if with_value == runs && runs > 0 => {
                if self.met_by(lo, hi) {
                    Verdict::Met
                } else if self.failed_by(lo, hi) || lo.is_nan() || hi.is_nan() {
                    Verdict::Failed
                } else {
                    Verdict::Undecided
                }
            }
            _ => Verdict::NoValue,
        }
    }
}

/// What the replications so far say about one target at one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The whole 95% interval satisfies the target.
    Met,
    /// No value in the 95% interval satisfies it.
    Failed,
    /// The interval straddles the target value: more replications may decide.
    Undecided,
    /// Some replication has no value of the metric: not met (SPEC §4a).
    NoValue,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Failed => "failed",
            Verdict::Undecided => "undecided",
            Verdict::NoValue => "no value",
        }
    }
}

/// Whether a point meets every target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointStatus {
    /// Every target met with 95% confidence.
    Meets,
    /// Some target failed or has no value.
    Fails,
    /// A stationary stream at offered load ≥ 1: the backlog grows without
    /// bound, so no target holds in steady state (see `model::load`).
    Unstable,
    /// No target failed, but some interval still straddles its value.
    Undecided,
}

impl PointStatus {
    /// Combines the targets' verdicts; `unstable` overrides them.
    pub fn of(verdicts: &[Verdict], unstable: bool) -> PointStatus {
        if unstable {
            PointStatus::Unstable
        } else if verdicts
            .iter()
            .any(|v| matches!(v, Verdict::Failed | Verdict::NoValue))
        {
            PointStatus::Fails
        } else if verdicts.contains(&Verdict::Undecided) {
            PointStatus::Undecided
        } else {
            PointStatus::Meets
        }
    }

    /// More replications cannot change a decided status.
    pub fn decided(self) -> bool {
        self != PointStatus::Undecided
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PointStatus::Meets => "yes",
            PointStatus::Fails => "no",
            PointStatus::Unstable => "unstable",
            PointStatus::Undecided => "undecided",
        }
    }
}

/// Replications after `have` at a still undecided point: double, up to `cap`.
pub fn next_replications(have: u32, cap: u32) -> u32 {
    (have.saturating_mul(2)).min(cap).max(have)
}

/// A metric's mean and 95% interval at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// `--minimize`: among feasible points (`(index, estimate)`, in ascending
/// parameter order), the best is the smallest mean (the first on ties); the
/// answer is the first point whose mean lies within the best point's 95%
/// interval, i.e. the smallest parameter not significantly worse than the
/// best. Returns (answer, best).
pub fn choose_minimum(feasible: &[(usize, Estimate)]) -> Option<(usize, usize)> {
    let best = feasible
        .iter()
        .min_by(|a, b| a.1.mean.total_cmp(&b.1.mean).then(a.0.cmp(&b.0)))?;
    let chosen = feasible
        .iter()
        .find(|(_, e)| best.1.lo <= e.mean && e.mean <= best.1.hi)
        .unwrap_or(best);
    Some((chosen.0, best.0))
}

/// Whether a metric is flat over the points: at least two, and their 95%
/// intervals share a common value, so no point differs significantly from
/// the others.
pub fn is_flat(estimates: &[Estimate]) -> bool {
    if estimates.len() < 2 {
        return false;
    }
    let lo = estimates
        .iter()
        .map(|e| e.lo)
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = estimates.iter().map(|e| e.hi).fold(f64::INFINITY, f64::min);
    lo <= hi
}

/// How the planner walks the grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Search {
    /// The targets are monotone in the parameter: gallop, then bisect
    /// ([`gallop_then_bisect`]); O(log n) values evaluated.
    Monotone,
    /// Every value, and a check that the answer is monotone.
    Exhaustive,
    /// Every value; among the feasible ones, the smallest not
    /// significantly worse than the one with the smallest mean of this
    /// metric ([`choose_minimum`]).
    Minimize(String),
}

/// What the planner is asked.
#[derive(Clone, Debug)]
pub struct PlanSettings {
    pub targets: Vec<Target>,
    pub search: Search,
    /// Replications every value starts with (at least 2: an interval needs two).
    pub initial: u32,
    /// Most replications a value gets while a target's interval straddles it.
    pub cap: u32,
    /// Judge every value on the horizon simulated, even at offered load ≥ 1.
    pub finite_horizon: bool,
}

/// One value's replications and what they decide.
#[derive(Clone, Debug)]
pub struct Evaluated {
    pub runs: Vec<RunSummary>,
    pub agg: Aggregate,
    /// One per target, in order.
    pub verdicts: Vec<Verdict>,
    pub status: PointStatus,
    /// ρ of the value's binding stage (`model::load`); None when the input
    /// is not a stationary stream.
    pub offered_load: Option<f64>,
    /// Every capacity stage's load, upstream first (`model::load::stage_loads`).
    pub stages: Vec<StageLoad>,
    /// The stage with the largest load.
    pub binding_stage: Option<String>,
}

/// `Search::Minimize`'s finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Minimized {
    /// The value with the smallest mean; None when no feasible value has
    /// a value of the metric (the answer is then the first feasible one).
    pub best: Option<usize>,
    /// The metric does not differ significantly over the feasible values.
    pub flat: bool,
}

/// What the planner found.
#[derive(Clone, Debug)]
pub struct PlanOutcome {
    /// Every value evaluated (index into the design's points), in order.
    pub evaluated: BTreeMap<usize, Evaluated>,
    /// The smallest value (index) meeting every target; None: infeasible.
    pub answer: Option<usize>,
    /// `Search::Exhaustive`: whether every value after the first feasible
    /// one is feasible too.
    pub monotone: Option<bool>,
    pub minimized: Option<Minimized>,
    /// Simulations run.
    pub simulations: u64,
}

impl PlanOutcome {
    /// Values still undecided after the most replications (counted as not met).
    pub fn undecided(&self) -> usize {
        self.count(PointStatus::Undecided)
    }

    /// Values at offered load ≥ 1 on a stationary stream.
    pub fn unstable(&self) -> usize {
        self.count(PointStatus::Unstable)
    }

    fn count(&self, status: PointStatus) -> usize {
        self.evaluated
            .values()
            .filter(|e| e.status == status)
            .count()
    }
}

/// Searches the values of `configs` (one per point of the design, in
/// ascending order) for the smallest meeting every target. `run` runs
/// simulations: given (value, replication) pairs (0-based), it returns
/// their summaries in the same order; replication r of value i must always
/// draw the same streams (e.g. [`crate::sweep::run_jobs`]'s), and which
/// values get more replications depends only on results, so the outcome
/// does not depend on the thread count. An error of `run` stops the search.
pub fn search<E>(
    configs: &[SimConfig],
    settings: &PlanSettings,
    mut run: impl FnMut(&[(usize, u32)]) -> Result<Vec<RunSummary>, E>,
) -> Result<PlanOutcome, E> {
    let mut cache: BTreeMap<usize, Evaluated> = BTreeMap::new();
    let mut simulations = 0u64;
    // Evaluates `indices` in rounds: every value starts with `initial`
    // replications; each round doubles those still undecided, up to `cap`.
    let mut evaluate = |indices: &[usize],
                        cache: &mut BTreeMap<usize, Evaluated>,
                        sims: &mut u64|
     -> Result<(), E> {
        let mut pending: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|i| cache.get(i).is_none_or(|e| !e.status.decided()))
            .collect();
        loop {
            let jobs: Vec<(usize, u32)> = pending
                .iter()
                .flat_map(|&i| {
                    let have = cache.get(&i).map_or(0, |e| e.runs.len() as u32);
                    let want = if have == 0 {
                        settings.initial
                    } else {
                        next_replications(have, settings.cap)
                    };
                    (have..want).map(move |r| (i, r))
                })
                .collect();
            if jobs.is_empty() {
                return Ok(());
            }
            let results = run(&jobs)?;
            *sims += jobs.len() as u64;
            for (&(i, _), s) in jobs.iter().zip(results) {
                cache
                    .entry(i)
                    .or_insert_with(|| {
                        let stages = load::stage_loads(&configs[i]);
                        let binding = load::binding(&stages).cloned();
                        Evaluated {
                            runs: Vec::new(),
                            agg: aggregate(&[]),
                            verdicts: Vec::new(),
                            status: PointStatus::Undecided,
                            offered_load: binding.as_ref().map(|b| b.load),
                            binding_stage: binding.map(|b| b.stage),
                            stages,
                        }
                    })
                    .runs
                    .push(s);
            }
            for &i in &pending {
                let e = cache.get_mut(&i).expect("just run");
                e.agg = aggregate(&e.runs);
                let runs = e.runs.len();
                e.verdicts = settings
                    .targets
                    .iter()
                    .map(|t| {
                        t.verdict(
                            e.agg.interval_or_value(&t.metric),
                            e.agg.n_of(&t.metric),
                            runs,
                        )
                    })
                    .collect();
                let unstable = !settings.finite_horizon && e.offered_load.is_some_and(|r| r >= 1.0);
                e.status = PointStatus::of(&e.verdicts, unstable);
            }
            pending.retain(|i| {
                let e = &cache[i];
                !e.status.decided() && (e.runs.len() as u32) < settings.cap
            });
        }
    };

    let n = configs.len();
    let mut monotone: Option<bool> = None;
    let mut minimized: Option<Minimized> = None;
    let answer: Option<usize> = match &settings.search {
        Search::Minimize(metric) => {
            let all: Vec<usize> = (0..n).collect();
            evaluate(&all, &mut cache, &mut simulations)?;
            let feasible: Vec<(usize, Estimate)> = cache
                .iter()
                .filter(|(_, e)| e.status == PointStatus::Meets)
                .filter_map(|(&i, e)| {
                    let mean = e.agg.mean_of(metric)?;
                    let (lo, hi) = e.agg.interval_or_value(metric)?;
                    Some((i, Estimate { mean, lo, hi }))
                })
                .collect();
            let flat = is_flat(&feasible.iter().map(|p| p.1).collect::<Vec<_>>());
            match choose_minimum(&feasible) {
                Some((chosen, best)) => {
                    minimized = Some(Minimized {
                        best: Some(best),
                        flat,
                    });
                    Some(chosen)
                }
                None => {
                    // Feasible points without a value of the metric: the first.
                    minimized = Some(Minimized {
                        best: None,
                        flat: false,
                    });
                    cache
                        .iter()
                        .find(|(_, e)| e.status == PointStatus::Meets)
                        .map(|(i, _)| *i)
                }
            }
        }
        Search::Exhaustive => {
            let all: Vec<usize> = (0..n).collect();
            evaluate(&all, &mut cache, &mut simulations)?;
            let meets = |e: &Evaluated| e.status == PointStatus::Meets;
            let first = cache.iter().find(|(_, e)| meets(e)).map(|(i, _)| *i);
            monotone = Some(first.is_none_or(|f| cache.range(f..).all(|(_, e)| meets(e))));
            first
        }
        Search::Monotone => gallop_then_bisect(n, &mut |i| -> Result<bool, E> {
            evaluate(&[i], &mut cache, &mut simulations)?;
            Ok(cache[&i].status == PointStatus::Meets)
        })?,
    };
    Ok(PlanOutcome {
        evaluated: cache,
        answer,
        monotone,
        minimized,
        simulations,
    })
}

/// Why no value met a target: the best mean any evaluated value reached,
/// and for a pipeline latency the parts no evaluated value changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Shortfall {
    /// Index into the targets.
    pub target: usize,
    /// The value (index into the design's points) whose mean came closest,
    /// and that mean; None when no value has one.
    pub best: Option<(usize, f64)>,
    /// Parts of the latency (SPEC §4b `latency_<part>_<stat>_s`) whose 95%
    /// intervals overlap at every value evaluated: (metric, smallest mean).
    pub fixed_parts: Vec<(String, f64)>,
    /// A fixed part whose smallest mean alone misses the target: no value
    /// of the parameter can meet it.
    pub impossible: Option<String>,
}

/// The parts a pipeline latency adds up from, for the same statistic
/// (`searchable_latency_p95_s` → `latency_notification_p95_s`, …); empty
/// for any other metric, for statistics without parts (p50, p99) and for
/// one path's latency (the parts are over every object).
pub fn latency_parts(metric: &str) -> Vec<String> {
    let Some(stat) = metric.strip_prefix("searchable_latency_") else {
        return Vec::new();
    };
    if stat != "mean_s" && stat != "p95_s" {
        return Vec::new();
    }
    ["notification", "queue", "processing", "human", "index"]
        .iter()
        .map(|p| format!("latency_{p}_{stat}"))
        .collect()
}

/// For each target no value met ([`PlanOutcome::answer`] is None), what
/// came closest (see [`Shortfall`]).
pub fn shortfalls(outcome: &PlanOutcome, targets: &[Target]) -> Vec<Shortfall> {
    let evaluated = &outcome.evaluated;
    targets
        .iter()
        .enumerate()
        .filter(|(j, _)| {
            !evaluated
                .values()
                .any(|e| e.verdicts.get(*j) == Some(&Verdict::Met))
        })
        .map(|(j, t)| {
            let better = |a: f64, b: f64| match t.op {
                Op::Le | Op::Lt => a < b,
                Op::Ge | Op::Gt => a > b,
                Op::Eq => (a - t.value).abs() < (b - t.value).abs(),
            };
            let mut best: Option<(usize, f64)> = None;
            for (&i, e) in evaluated {
                if let Some(m) = e.agg.mean_of(&t.metric) {
                    if best.is_none_or(|(_, b)| better(m, b)) {
                        best = Some((i, m));
                    }
                }
            }
            let mut fixed_parts = Vec::new();
            for part in latency_parts(&t.metric) {
                let estimates: Option<Vec<Estimate>> = evaluated
                    .values()
                    .map(|e| {
                        let mean = e.agg.mean_of(&part)?;
                        let (lo, hi) = e.agg.interval_or_value(&part)?;
                        Some(Estimate { mean, lo, hi })
                    })
                    .collect();
                let Some(estimates) = estimates else { continue };
                // One value evaluated: nothing says whether it changes.
                // A part that is 0 throughout (no human path) says nothing.
                let least = estimates
                    .iter()
                    .map(|e| e.mean)
                    .fold(f64::INFINITY, f64::min);
                if is_flat(&estimates) && least > 0.0 {
                    fixed_parts.push((part, least));
                }
            }
            let impossible = match t.op {
                Op::Le | Op::Lt => fixed_parts
                    .iter()
                    .find(|(_, least)| !t.met_by(*least, *least))
                    .map(|(p, _)| p.clone()),
                _ => None,
            };
            Shortfall {
                target: j,
                best,
                fixed_parts,
                impossible,
            }
        })
        .collect()
}

/// Most values a search over `n` values evaluates: every value for
/// [`Search::Exhaustive`] and [`Search::Minimize`]; for
/// [`Search::Monotone`], the gallop's probes (1, 2, 4, … past 0) and the
/// bisection between the last two, at most 2⌈log₂ n⌉ + 2.
pub fn values_bound(n: usize, search: &Search) -> usize {
    match search {
        Search::Monotone if n > 1 => {
            let log = (usize::BITS - (n - 1).leading_zeros()) as usize;
            n.min(2 * log + 2)
        }
        _ => n,
    }
}

/// Simulations a search over `n` values is expected to run at most: each
/// value evaluated ([`values_bound`]) at its `initial` replications, and,
/// for a monotone search, the two values either side of the answer (where
/// an interval can straddle a target) up to `cap`. Exhaustive and
/// minimizing searches count every value at `initial`: any of them may
/// straddle, but budgeting each at `cap` would refuse most grids.
pub fn runs_bound(n: usize, search: &Search, initial: u32, cap: u32) -> u64 {
    let values = values_bound(n, search) as u64;
    let straddling = match search {
        Search::Monotone => values.min(2),
        _ => 0,
    };
    values * initial as u64 + straddling * cap.saturating_sub(initial) as u64
}

/// A `--vary` of the planner: an integer range without a step steps by 1
/// (`1..500` is `1..500:1`).
pub fn with_default_step(values: &str) -> String {
    if values.contains("..") && !values.contains(':') {
        let (lo, hi) = values.split_once("..").expect("contains ..");
        if lo.trim().parse::<i64>().is_ok() && hi.trim().parse::<i64>().is_ok() {
            return format!("{values}:1");
        }
    }
    values.to_string()
}

/// Puts the design's points in the search order: ascending values
/// (lexicographic over several parameters) when all are numeric; otherwise
/// the order given.
pub fn sort_ascending(design: &mut Design) {
    let keys: Option<Vec<Vec<f64>>> = design
        .points
        .iter()
        .map(|p| p.iter().map(|v| numeric_param(&value_text(v))).collect())
        .collect();
    if let Some(keys) = keys {
        let mut idx: Vec<usize> = (0..keys.len()).collect();
        idx.sort_by(|&a, &b| {
            keys[a]
                .iter()
                .zip(&keys[b])
                .map(|(x, y)| x.total_cmp(y))
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        design.points = idx.into_iter().map(|i| design.points[i].clone()).collect();
    }
}

/// Smallest index in `0..n` for which `meets` holds, assuming it is
/// monotone (false…false true…true): gallop from 0 with doubling steps, then
/// bisect. `meets` is called O(log n) times.
pub fn gallop_then_bisect<E>(
    n: usize,
    meets: &mut dyn FnMut(usize) -> Result<bool, E>,
) -> Result<Option<usize>, E> {
    if n == 0 {
        return Ok(None);
    }
    if meets(0)? {
        return Ok(Some(0));
    }
    let (mut fail, mut step) = (0usize, 1usize);
    let ok = loop {
        let i = (fail + step).min(n - 1);
        if meets(i)? {
            break i;
        }
        if i == n - 1 {
            return Ok(None);
        }
        fail = i;
        step *= 2;
    };
    let (mut lo, mut hi) = (fail, ok);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if meets(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

/// What a plan evaluates: the design of `varies` (a sweep's grammar, a
/// default step where a range has none), in ascending order, and each
/// value's configuration, built from `template` (which checks every value).
pub fn grid(
    template: &ScenarioTemplate,
    varies: &[(ParamPath, String)],
    seed: u64,
) -> Result<(Design, Vec<SimConfig>), SweepError> {
    let varies: Vec<(ParamPath, String)> = varies
        .iter()
        .map(|(p, t)| (p.clone(), with_default_step(t)))
        .collect();
    let mut design = crate::sweep::design(&varies, None, seed)?;
    sort_ascending(&mut design);
    let configs = crate::sweep::point_configs(template, &design, "plan value")?;
    Ok((design, configs))
}

/// The metric `--minimize` names, if the search minimizes one.
pub fn minimized_metric(settings: &PlanSettings) -> Option<&str> {
    match &settings.search {
        Search::Minimize(m) => Some(m),
        _ => None,
    }
}

/// The parameters' names, joined: `workers[team].count`.
pub fn param_name(design: &Design) -> String {
    design
        .params
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// plan.json: the answer, the targets, and every value evaluated with
/// its verdicts, loads, means and intervals.
pub fn plan_json(
    design: &Design,
    outcome: &PlanOutcome,
    settings: &PlanSettings,
) -> serde_json::Value {
    use crate::report::{aggregate_json, counts_json};
    use serde_json::json;
    let targets = &settings.targets;
    let cache = &outcome.evaluated;
    let answer = outcome.answer;
    let minimized = outcome.minimized.map(|m| (m.best, m.flat));
    let n = design.points.len();
    let minimize = minimized_metric(settings);
    // SPEC §4b: when nothing is feasible, what came closest and why.
    let shortfalls = if answer.is_none() {
        shortfalls(outcome, targets)
    } else {
        Vec::new()
    };
    let shortfalls_json: Vec<serde_json::Value> = shortfalls
        .iter()
        .map(|sf| {
            json!({
                "target": targets[sf.target].text,
                "best_value": sf.best.map(|(i, _)| value_json(design, i)),
                "best_mean": sf.best.map(|(_, m)| m),
                "fixed_parts": sf.fixed_parts.iter().map(|(p, m)| (p.clone(), json!(m))).collect::<serde_json::Map<_, _>>(),
                "impossible": sf.impossible,
            })
        })
        .collect();
    let points: Vec<serde_json::Value> = cache
        .iter()
        .map(|(i, e)| {
            let (mean, ci) = aggregate_json(&e.agg);
            let value = if design.params.len() == 1 {
                json!(design.points[*i][0])
            } else {
                json!(design.points[*i])
            };
            let verdicts: serde_json::Map<String, serde_json::Value> = targets
                .iter()
                .zip(&e.verdicts)
                .map(|(t, v)| (t.text.clone(), json!(v.as_str())))
                .collect();
            json!({
                "value": value,
                "meets": e.status == PointStatus::Meets,
                "decided": e.status.decided(),
                "unstable": e.status == PointStatus::Unstable,
                "offered_load": load_json(e.offered_load),
                "binding_stage": e.binding_stage,
                "stages": e.stages.iter().map(|st| (st.stage.clone(), load_json(Some(st.load)))).collect::<serde_json::Map<_, _>>(),
                "replications": e.runs.len(),
                "targets": verdicts,
                "mean": mean,
                "ci95": ci,
                "n": counts_json(&e.agg),
            })
        })
        .collect();
    let minimize_json = minimize.map(|metric| {
        let at = answer.and_then(|i| cache.get(&i));
        json!({
            "metric": metric,
            "mean": at.and_then(|e| e.agg.mean_of(metric)),
            "ci95": at.and_then(|e| e.agg.ci_of(metric)).map(|(lo, hi)| json!([lo, hi])),
            "best": minimized
                .and_then(|m| m.0)
                .map(|b| value_json(design, b)),
            "flat": minimized.is_some_and(|m| m.1),
        })
    });
    json!({
        "parameter": param_name(design),
        "answer": answer.map(|i| value_json(design, i)),
        "feasible": answer.is_some(),
        "targets": targets.iter().map(|t| t.text.clone()).collect::<Vec<_>>(),
        "minimize": minimize,
        "minimized": minimize_json,
        "finite_horizon": settings.finite_horizon,
        "replications": settings.initial,
        "max_replications": settings.cap,
        "grid_size": n,
        "simulations": outcome.simulations,
        "simulations_full_grid": n as u64 * settings.initial as u64,
        "undecided": outcome.undecided(),
        "monotone": outcome.monotone,
        "shortfalls": shortfalls_json,
        "points": points,
    })
}

/// A point's value(s) in plan.json: the value for one parameter, else
/// `{path: value}`.
fn value_json(design: &Design, i: usize) -> serde_json::Value {
    use serde_json::json;
    if design.params.len() == 1 {
        json!(design.points[i][0])
    } else {
        let mut m = serde_json::Map::new();
        for (p, v) in design.params.iter().zip(&design.points[i]) {
            m.insert(p.to_string(), json!(v));
        }
        serde_json::Value::Object(m)
    }
}

/// ρ in plan.json: a number; null when the input is not a stationary
/// stream, or when no worker is ever on shift (ρ infinite: the point is
/// then marked `unstable`), so the field stays numeric.
fn load_json(rho: Option<f64>) -> serde_json::Value {
    match rho {
        Some(r) if r.is_finite() => serde_json::json!(r),
        _ => serde_json::Value::Null,
    }
}

/// What the plan found, in lines as printed (and shown in report.html):
/// the answer (or why there is none), the minimized metric, the work done
/// and the warnings.
pub fn found_lines(design: &Design, outcome: &PlanOutcome, settings: &PlanSettings) -> Vec<String> {
    let targets = &settings.targets;
    let cache = &outcome.evaluated;
    let answer = outcome.answer;
    let param_name = param_name(design);
    let mut found: Vec<String> = Vec::new();
    match answer {
        Some(i) => {
            let v: Vec<String> = design.points[i].iter().map(value_text).collect();
            found.push(format!("answer: {param_name} = {}", v.join(", ")));
        }
        None => {
            found.push(format!(
                "infeasible: no value of {param_name} in the range meets every target"
            ));
            found.extend(shortfall_lines(design, outcome, targets, &param_name));
        }
    }
    if let Some(metric) = minimized_metric(settings) {
        found.extend(minimized_lines(design, outcome, metric));
    }
    found.push(format!(
        "  {} of {} values evaluated, {} simulations ({} replications per value, more up to {} where an interval straddles a target)",
        cache.len(),
        design.points.len(),
        outcome.simulations,
        settings.initial,
        settings.cap
    ));
    let unstable = outcome.unstable();
    if unstable > 0 {
        // Name the stages that could not keep up, each with its largest load.
        let mut binding: Vec<(String, f64)> = Vec::new();
        for e in cache.values().filter(|e| e.status == PointStatus::Unstable) {
            if let (Some(stage), Some(load)) = (&e.binding_stage, e.offered_load) {
                match binding.iter_mut().find(|b| &b.0 == stage) {
                    Some(b) => b.1 = b.1.max(load),
                    None => binding.push((stage.clone(), load)),
                }
            }
        }
        let stages = binding
            .iter()
            .map(|(s, l)| format!("{s} up to {}", crate::human::load(*l)))
            .collect::<Vec<_>>()
            .join("; ");
        found.push(format!("  {unstable} unstable: offered load >= 1 on a stationary stream ({stages}), so a backlog grows without bound (--finite-horizon to judge them on the horizon simulated)"));
    }
    let undecided = outcome.undecided();
    if undecided > 0 {
        found.push(format!("  warning: {undecided} value(s) still undecided after {} replications, counted as not met (raise --max-replications)", settings.cap));
    }
    if outcome.monotone == Some(false) {
        found.push(format!("  warning: the targets are not monotone in {param_name}: a larger value fails after a smaller one met them"));
    }
    found
}

/// Lines of an infeasible plan: per target, what came closest, and the
/// parts no value changes.
fn shortfall_lines(
    design: &Design,
    outcome: &PlanOutcome,
    targets: &[Target],
    param_name: &str,
) -> Vec<String> {
    let mut found = Vec::new();
    for sf in &shortfalls(outcome, targets) {
        let t = &targets[sf.target];
        let h = |m: &str, x: f64| crate::human::metric(m, x);
        match sf.best {
            Some((i, mean)) => {
                let v: Vec<String> = design.points[i].iter().map(value_text).collect();
                found.push(format!(
                    "  `{t}`: best reached {} (mean) at {param_name} = {}",
                    h(&t.metric, mean),
                    v.join(", ")
                ));
            }
            None => found.push(format!(
                "  `{t}`: no value evaluated has a value of {}",
                t.metric
            )),
        }
        if !sf.fixed_parts.is_empty() {
            let parts: Vec<String> = sf
                .fixed_parts
                .iter()
                .map(|(p, least)| format!("{p} {}", h(p, *least)))
                .collect();
            found.push(format!(
                "    parts no value of {param_name} changes: {}",
                parts.join(", ")
            ));
        }
        if let Some(part) = &sf.impossible {
            let least = sf
                .fixed_parts
                .iter()
                .find(|p| &p.0 == part)
                .map_or(0.0, |p| p.1);
            found.push(format!(
                "    impossible here: {part} alone is {} whatever {param_name}",
                h(part, least)
            ));
        }
    }
    found
}

/// Lines on the minimized metric at the answer.
fn minimized_lines(design: &Design, outcome: &PlanOutcome, metric: &str) -> Vec<String> {
    let answer = outcome.answer;
    let minimized = outcome.minimized.map(|m| (m.best, m.flat));
    let mut found = Vec::new();
    let at = answer.and_then(|i| outcome.evaluated.get(&i));
    match at.and_then(|e| e.agg.mean_of(metric)) {
        Some(m) => {
            // In the metric's units, the bounds within its range, as
            // the table below prints them.
            let h = |x: f64| crate::human::metric(metric, x);
            let within = |x: f64| crate::human::within_range(metric, x);
            found.push(match at.and_then(|e| e.agg.ci_of(metric)) {
                Some((lo, hi)) => format!(
                    "  {metric}: {} [95% CI {}, {}]",
                    h(m),
                    h(within(lo)),
                    h(within(hi))
                ),
                // One replication: a value, no interval.
                None => format!("  {metric}: {} (one replication: no interval)", h(m)),
            });
            if let Some(best) = minimized.and_then(|m| m.0).filter(|&b| Some(b) != answer) {
                let v: Vec<String> = design.points[best].iter().map(value_text).collect();
                found.push(format!(
                    "  the smallest mean is at {}; this smaller value's mean lies within its 95% interval",
                    v.join(", ")
                ));
            }
        }
        None if answer.is_some() => found.push(format!(
            "  warning: {metric} has no value at any feasible point; the answer is the first feasible one"
        )),
        None => {}
    }
    if minimized.is_some_and(|m| m.1) {
        found.push(format!("  warning: {metric} does not vary significantly over the feasible points (their 95% intervals overlap): the choice is noise, not a difference"));
    }
    found
}

/// The evidence table's metric columns: the targets' metrics, then the
/// minimized one.
pub fn evidence_metrics(settings: &PlanSettings) -> Vec<&str> {
    let mut columns: Vec<&str> = settings.targets.iter().map(|t| t.metric.as_str()).collect();
    if let Some(m) = minimized_metric(settings) {
        columns.push(m);
    }
    columns
}

/// The evidence table's first columns' heads.
pub fn evidence_head(design: &Design) -> Vec<String> {
    vec![
        param_name(design),
        "meets".into(),
        "reps".into(),
        "offered load".into(),
        "binding stage".into(),
        "utilization".into(),
    ]
}

/// The evidence table's first cells for value `i`; `printed`: the table
/// printed (utilization as a share), else plan data's (three decimals).
pub fn evidence_cells(design: &Design, i: usize, e: &Evaluated, printed: bool) -> Vec<String> {
    vec![
        design.points[i]
            .iter()
            .map(value_text)
            .collect::<Vec<_>>()
            .join(", "),
        e.status.as_str().into(),
        e.runs.len().to_string(),
        match e.offered_load {
            Some(r) if r.is_finite() => format!("{r:.3}"),
            Some(_) => "inf".into(),
            None => "-".into(),
        },
        e.binding_stage.clone().unwrap_or_else(|| "-".into()),
        // The binding consumer's utilization where a consumer binds,
        // else the workers'.
        e.binding_stage
            .as_deref()
            .and_then(|b| b.strip_prefix("consumers[")?.strip_suffix(']'))
            .filter(|c| !c.contains(','))
            .and_then(|c| e.agg.mean_of(&format!("{c}.utilization")))
            .or_else(|| e.agg.mean_of(crate::model::catalog::WORKER_UTILIZATION))
            .map_or("-".into(), |u| {
                if printed {
                    crate::human::share(u)
                } else {
                    format!("{u:.3}")
                }
            }),
    ]
}

/// The metric a plan's chart draws: the first target's that varies over
/// the values evaluated, with its target; if every target is flat there
/// (say `expired_in_queue == 0` met everywhere), the minimized metric.
pub fn chart_metric<'a>(
    outcome: &PlanOutcome,
    settings: &'a PlanSettings,
) -> Option<(&'a str, Option<&'a Target>)> {
    let means = |metric: &str| -> Vec<f64> {
        outcome
            .evaluated
            .values()
            .filter_map(|e| e.agg.mean_of(metric))
            .collect()
    };
    let varies = |metric: &str| {
        let m = means(metric);
        m.iter().any(|&x| m.first().is_some_and(|&f| x != f))
    };
    let targets = &settings.targets;
    targets
        .iter()
        .find(|t| varies(&t.metric))
        .map(|t| (t.metric.as_str(), Some(t)))
        .or_else(|| minimized_metric(settings).map(|m| (m, None)))
        .or_else(|| targets.first().map(|t| (t.metric.as_str(), Some(t))))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::catalog;

    const M: &[&str] = &[
        catalog::TIME_TO_LABEL_P95_S,
        catalog::EXPIRED_IN_QUEUE,
        catalog::WORKER_UTILIZATION,
    ];

    #[test]
    fn targets_parse_with_units() {
        let t = Target::parse("time_to_label_p95_s <= 24h", M).unwrap();
        assert_eq!((t.op, t.value), (Op::Le, 86_400.0));
        assert_eq!(
            Target::parse("expired_in_queue == 0", M).unwrap().op,
            Op::Eq
        );
        assert_eq!(
            Target::parse("worker_utilization>=85%", M).unwrap().value,
            0.85
        );
        assert!(Target::parse("nonsense <= 3", M)
            .unwrap_err()
            .to_string()
            .contains("not a numeric summary metric"));
        assert_eq!(
            Target::parse("expired_in_quee == 0", M)
                .unwrap_err()
                .to_string(),
            "`expired_in_quee == 0`: `expired_in_quee` is not a numeric summary metric; did you mean `expired_in_queue`?"
        );
        // Not finite, or a share outside [0, 100%]: refused, not searched.
        for bad in [
            "objects_labeled >= nan",
            "time_to_label_p95_s <= inf",
            "time_to_label_p95_s > 1e400",
            "worker_utilization >= 195%",
            "worker_utilization >= -5%",
        ] {
            assert!(Target::parse(bad, M).is_err(), "{bad}");
        }
        assert_eq!(with_default_step("1..500"), "1..500:1");
        assert_eq!(with_default_step("1h..2h"), "1h..2h");
        assert!(Target::parse("expired_in_queue 3", M).is_err());
        // Issue 18: the operator is blamed, not the metric.
        assert_eq!(
            Target::parse("worker_utilization =< 0.9", M)
                .unwrap_err()
                .to_string(),
            "`worker_utilization =< 0.9`: `=<` is not an operator; use one of <=, <, >=, >, =="
        );
    }

    #[test]
    fn a_share_written_as_a_percentage_number_is_refused_with_the_hint() {
        let m = &[catalog::WORKER_UTILIZATION, "labeled_within_4h"];
        let e = Target::parse("labeled_within_4h >= 95", m)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "`labeled_within_4h >= 95`: labeled_within_4h is a share between 0 and 1; write 95% (or 0.95)"
        );
        assert_eq!(
            Target::parse("labeled_within_4h >= 95%", m).unwrap().value,
            0.95
        );
        assert_eq!(
            Target::parse("labeled_within_4h >= 0.95", m).unwrap().value,
            0.95
        );
        assert_eq!(
            Target::parse("worker_utilization <= 1", m).unwrap().value,
            1.0
        );
        assert!(Target::parse("worker_utilization <= 85", m).is_err());
    }

    #[test]
    fn a_target_on_a_service_level_not_reported_says_to_add_it() {
        let e = Target::parse("labeled_within_4h >= 95%", M)
            .unwrap_err()
            .to_string();
        assert!(e.contains("add 4h to output.sla"), "{e}");
        // Not a duration: the usual unknown-metric error.
        let e = Target::parse("labeled_within_soon >= 95%", M)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a numeric summary metric"), "{e}");
    }

    #[test]
    fn confidence_bounds_decide() {
        let t = Target::parse("time_to_label_p95_s <= 100s", M).unwrap();
        assert!(t.met_by(80.0, 99.0));
        assert!(
            !t.met_by(80.0, 101.0),
            "the upper bound must meet a <= target"
        );
        let z = Target::parse("expired_in_queue == 0", M).unwrap();
        assert!(z.met_by(0.0, 0.0));
        assert!(!z.met_by(0.0, 0.5));
    }

    #[test]
    fn a_straddling_interval_is_undecided_and_a_missing_value_is_not_met() {
        let t = Target::parse("time_to_label_p95_s <= 100s", M).unwrap();
        assert_eq!(t.verdict(Some((80.0, 99.0)), 4, 4), Verdict::Met);
        assert_eq!(t.verdict(Some((90.0, 110.0)), 4, 4), Verdict::Undecided);
        assert_eq!(t.verdict(Some((100.0, 110.0)), 4, 4), Verdict::Undecided);
        assert_eq!(t.verdict(Some((101.0, 110.0)), 4, 4), Verdict::Failed);
        assert_eq!(t.verdict(None, 0, 4), Verdict::NoValue);
        assert_eq!(
            t.verdict(Some((80.0, 99.0)), 3, 4),
            Verdict::NoValue,
            "one replication without a value"
        );
        let g = Target::parse("worker_utilization > 50%", M).unwrap();
        assert_eq!(g.verdict(Some((0.4, 0.5)), 2, 2), Verdict::Failed);
        assert_eq!(g.verdict(Some((0.4, 0.6)), 2, 2), Verdict::Undecided);
        let z = Target::parse("expired_in_queue == 0", M).unwrap();
        assert_eq!(
            z.verdict(Some((-1.0, 3.0)), 2, 2),
            Verdict::Failed,
            "== is decided at once"
        );
    }

    #[test]
    fn unstable_and_failed_points_are_decided() {
        use Verdict::*;
        assert_eq!(PointStatus::of(&[Met, Met], true), PointStatus::Unstable);
        assert_eq!(
            PointStatus::of(&[Undecided, Failed], false),
            PointStatus::Fails
        );
        assert_eq!(PointStatus::of(&[Met, NoValue], false), PointStatus::Fails);
        assert_eq!(
            PointStatus::of(&[Met, Undecided], false),
            PointStatus::Undecided
        );
        assert_eq!(PointStatus::of(&[Met], false), PointStatus::Meets);
        assert!(!PointStatus::Undecided.decided() && PointStatus::Unstable.decided());
        assert_eq!(next_replications(3, 50), 6);
        assert_eq!(next_replications(48, 50), 50);
    }

    #[test]
    fn minimize_breaks_ties_within_the_interval_toward_the_smallest_parameter() {
        let e = |mean: f64, half: f64| Estimate {
            mean,
            lo: mean - half,
            hi: mean + half,
        };
        // Point 5 is best, but point 2's mean is within its interval.
        let pts = [(0, e(10.5, 0.5)), (2, e(9.2, 0.5)), (5, e(9.0, 0.5))];
        assert_eq!(choose_minimum(&pts), Some((2, 5)));
        assert!(!is_flat(&pts.map(|p| p.1)), "point 0 differs from point 5");
        let flat = [(0, e(10.0, 1.0)), (1, e(9.5, 1.0)), (2, e(10.4, 1.0))];
        assert_eq!(choose_minimum(&flat), Some((0, 1)));
        assert!(is_flat(&flat.map(|p| p.1)));
        assert_eq!(choose_minimum(&[]), None);
    }

    fn evaluated(metrics: &[(&'static str, f64, f64)], verdict: Verdict) -> Evaluated {
        use crate::model::MetricValue;
        Evaluated {
            runs: Vec::new(),
            agg: Aggregate {
                mean: metrics
                    .iter()
                    .map(|&(k, m, _)| (k, MetricValue::Real(m)))
                    .collect(),
                ci95: metrics
                    .iter()
                    .map(|&(k, m, h)| (k, Some((m - h, m + h))))
                    .collect(),
                n: metrics.iter().map(|&(k, ..)| (k, 3)).collect(),
            },
            verdicts: vec![verdict],
            status: PointStatus::Fails,
            offered_load: None,
            stages: Vec::new(),
            binding_stage: None,
        }
    }

    #[test]
    fn an_infeasible_latency_names_the_part_no_value_changes() {
        let m = &["searchable_latency_p95_s"];
        let t = Target::parse("searchable_latency_p95_s <= 5s", m).unwrap();
        // More consumers shrink the queue part; the notification delay
        // stays at 5.2 s: the target cannot be met.
        let point = |total: f64, queue: f64| {
            evaluated(
                &[
                    ("searchable_latency_p95_s", total, 0.1),
                    ("latency_notification_p95_s", 5.2, 0.1),
                    ("latency_queue_p95_s", queue, 0.1),
                    ("latency_processing_p95_s", 0.4, 0.01),
                    ("latency_index_p95_s", 1.0, 0.05),
                ],
                Verdict::Failed,
            )
        };
        let outcome = PlanOutcome {
            evaluated: [
                (0, point(30.0, 25.0)),
                (3, point(6.5, 0.3)),
                (7, point(6.4, 0.2)),
            ]
            .into_iter()
            .collect(),
            answer: None,
            monotone: None,
            minimized: None,
            simulations: 9,
        };
        let s = shortfalls(&outcome, &[t]);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].best, Some((7, 6.4)));
        let fixed: Vec<&str> = s[0].fixed_parts.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(
            fixed,
            [
                "latency_notification_p95_s",
                "latency_processing_p95_s",
                "latency_index_p95_s"
            ]
        );
        assert_eq!(
            s[0].impossible.as_deref(),
            Some("latency_notification_p95_s")
        );
        assert_eq!(latency_parts("time_to_label_p95_s"), Vec::<String>::new());
        assert_eq!(
            latency_parts("searchable_latency_p50_s"),
            Vec::<String>::new()
        );
        assert_eq!(
            latency_parts("searchable_latency_mean_s")[1],
            "latency_queue_mean_s"
        );
        assert!(latency_parts("searchable_latency_human_mean_s").is_empty());
    }

    #[test]
    fn the_work_bound_counts_what_a_bisection_evaluates() {
        // Every call gallop_then_bisect makes is within values_bound.
        for n in [1usize, 2, 3, 7, 100, 400, 1000] {
            for answer in (0..n).step_by((n / 37).max(1)) {
                let mut calls = 0;
                gallop_then_bisect::<()>(n, &mut |i| {
                    calls += 1;
                    Ok(i >= answer)
                })
                .unwrap();
                assert!(
                    calls <= values_bound(n, &Search::Monotone),
                    "n {n} answer {answer}: {calls}"
                );
            }
        }
        // 1..400 consumers, 3 replications: 20 values, not 400.
        assert_eq!(values_bound(400, &Search::Monotone), 20);
        assert_eq!(runs_bound(400, &Search::Monotone, 3, 50), 20 * 3 + 2 * 47);
        assert_eq!(runs_bound(400, &Search::Exhaustive, 3, 50), 1200);
        assert_eq!(values_bound(1, &Search::Monotone), 1);
    }

    #[test]
    fn gallop_finds_the_threshold_in_log_steps() {
        for n in [1usize, 2, 7, 100, 1000] {
            for answer in 0..n.min(40) {
                let mut calls = 0;
                let got = gallop_then_bisect::<()>(n, &mut |i| {
                    calls += 1;
                    Ok(i >= answer)
                })
                .unwrap();
                assert_eq!(got, Some(answer));
                assert!(
                    calls <= 2 * (usize::BITS - n.leading_zeros()) as usize + 2,
                    "n {n}: {calls} calls"
                );
            }
            assert_eq!(
                gallop_then_bisect::<()>(n, &mut |_| Ok(false)).unwrap(),
                None
            );
        }
    }
}
