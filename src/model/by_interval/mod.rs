//! Results by interval of arrival (SPEC §4b, `output.by_interval`).
//!
//! The demand cycle (a day or a week, in a zone) is cut into equal
//! intervals; every object accepted after the warm-up is filed under the
//! interval of the cycle in which it *arrived* (was accepted), whichever
//! day or week that was, and its outcome (labeled in time or not, time to
//! label, wait for a worker) counts there, even when it is labeled hours
//! later. Staff on shift is the time average over the interval's
//! occurrences after the warm-up. So a night hour whose objects wait for
//! the morning shows as a bad night hour, not as a bad morning.
//!
//! `ByIntervalAccounts` keeps the counts during one replication (memory:
//! O(intervals × (service levels + worker groups)) plus up to
//! [`EXACT_PER_INTERVAL`] exact times to label per interval, then a
//! 2-digit histogram); [`IntervalRow`] is its result, [`combine`] averages
//! replications, [`mod@csv`] writes `by_interval.csv`.

pub(super) mod cycle;

use crate::engine::stats::mean_ci95;
use crate::engine::time::{US_PER_H, US_PER_S};
use crate::engine::{SimDuration, SimTime};
use crate::model::catalog;
use crate::model::config::SimConfig;
use crate::model::load;
pub use cycle::{ByIntervalConfig, Cycle};
use hdrhistogram::Histogram;
use std::collections::BTreeMap;

/// Times to label kept exactly per interval before the histogram.
pub const EXACT_PER_INTERVAL: usize = 1024;

/// One interval of the cycle: what arrived in it and how those objects
/// fared. `values` hold, by column name, `labeled_within_<d>` (each
/// service level), `time_to_label_mean_s`, `time_to_label_p95_s`,
/// `pool_wait_mean_s` and `delay_probability` (the share of objects whose
/// first task waited for a worker at all); None when no object gives one.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalRow {
    /// `mon 09:00` (weekly cycle) or `09:00` (daily).
    pub interval: String,
    /// Start of the interval in the cycle \[s\].
    pub interval_start_s: f64,
    /// Objects accepted in the interval's occurrences after the warm-up
    /// (a mean over replications in [`combine`]'s rows).
    pub arrivals: u64,
    /// `arrivals` per hour of the interval's occurrences observed.
    pub arrival_rate_per_h: f64,
    /// The largest of the capacity stages' loads in the interval: the
    /// workers' ([`IntervalRow::workers_load`]) and each pipeline queue's
    /// consumers' (the messages sent to the queue in the interval per
    /// message its pollers, at their mean running count there, can
    /// handle, as the planner's offered load counts them); None when no
    /// stage has one, +∞ when work met no capacity.
    pub offered_load: Option<f64>,
    /// λ·N / Σ over groups of (staff on shift / a task's mean hold): the
    /// tasks offered per task the staff on shift can do; None with no
    /// staff and no work, +∞ with work and no staff.
    pub workers_load: Option<f64>,
    /// Workers on shift, time-averaged over the interval's occurrences;
    /// None where none was observed, or without a labeling job (a
    /// pipeline alone has no staff to count).
    pub staff_on_shift_mean: Option<f64>,
    /// Hours of the interval's occurrences observed (after the warm-up).
    pub observed_h: f64,
    pub values: BTreeMap<String, Option<f64>>,
}

/// The value columns of `by_interval.csv` after the fixed ones, in order,
/// for service levels named `sla` (`labeled_within_4h`, ...).
pub fn value_columns(sla: &[&str]) -> Vec<String> {
    sla.iter()
        .map(|s| s.to_string())
        .chain(
            [
                "time_to_label_mean_s",
                "time_to_label_p95_s",
                "pool_wait_mean_s",
                "delay_probability",
            ]
            .iter()
            .map(|s| s.to_string()),
        )
        .collect()
}

/// The unit of a value column: the catalog's, and a share for
/// `delay_probability` (a metric by interval only, SPEC §4b).
fn unit_of(key: &str) -> Option<catalog::Unit> {
    match key {
        "delay_probability" => Some(catalog::Unit::Fraction),
        _ => catalog::unit(key),
    }
}

/// The value columns of `by_interval.csv` for `cfg`: [`value_columns`],
/// then for a pipeline `searchable_latency_{mean,p95}_s` (P8, over the
/// documents first sent or uploaded in the interval).
pub fn columns_of(cfg: &SimConfig) -> Vec<String> {
    let sla: Vec<&str> = cfg.sla.iter().map(|s| s.name).collect();
    let mut cols = value_columns(&sla);
    if let Some(pipe) = &cfg.pipeline {
        cols.push("searchable_latency_mean_s".into());
        cols.push("searchable_latency_p95_s".into());
        cols.extend(pipe.consumers.iter().map(|c| pollers_column(&c.name)));
    }
    cols
}

/// A consumer's running pollers, time-averaged over the interval's
/// occurrences (A4's `<c>.pollers_mean` by interval).
fn pollers_column(consumer: &str) -> String {
    format!("{consumer}.pollers_mean")
}

/// The columns of `by_interval.csv` before the values.
pub const FIXED_COLUMNS: [&str; 6] = [
    "interval",
    "interval_start_s",
    "arrivals",
    "arrival_rate_per_h",
    "offered_load",
    "staff_on_shift_mean",
];

/// The rows of every replication averaged interval by interval, with each
/// value's 95% confidence interval across replications.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalMean {
    /// Means over replications (`arrivals` rounded to a whole number; its
    /// exact mean is `arrivals_mean`). A value is the mean over the
    /// replications that have one; None when none has.
    pub row: IntervalRow,
    pub arrivals_mean: f64,
    /// (lo, hi) per value with at least one replication's value.
    pub ci95: BTreeMap<String, (f64, f64)>,
    /// Replications that gave each value.
    pub with_value: BTreeMap<String, usize>,
}

/// Averages replications' rows interval by interval (each replication's
/// rows in cycle order, all of one cycle). Values are averaged over the
/// replications that have one (SPEC §4a); the interval of each is
/// Student's t (none from one replication: a value has no interval).
pub fn combine(reps: &[&[IntervalRow]]) -> Vec<IntervalMean> {
    let Some(first) = reps.first() else {
        return Vec::new();
    };
    (0..first.len())
        .map(|i| {
            let rows: Vec<&IntervalRow> = reps.iter().filter_map(|r| r.get(i)).collect();
            let n = rows.len().max(1) as f64;
            let mean_of =
                |f: &dyn Fn(&IntervalRow) -> f64| rows.iter().map(|r| f(r)).sum::<f64>() / n;
            let arrivals_mean = mean_of(&|r| r.arrivals as f64);
            let mean_load = |f: &dyn Fn(&IntervalRow) -> Option<f64>| {
                let loads: Vec<f64> = rows.iter().filter_map(|r| f(r)).collect();
                (!loads.is_empty()).then(|| loads.iter().sum::<f64>() / loads.len() as f64)
            };
            let mut values = BTreeMap::new();
            let mut ci95 = BTreeMap::new();
            let mut with_value = BTreeMap::new();
            for key in first[i].values.keys() {
                let xs: Vec<f64> = rows
                    .iter()
                    .filter_map(|r| r.values.get(key).copied().flatten())
                    .collect();
                with_value.insert(key.clone(), xs.len());
                match mean_ci95(&xs) {
                    Some((m, lo, hi)) => {
                        values.insert(key.clone(), Some(m));
                        // One value has no interval (SPEC §4a).
                        if xs.len() >= 2 {
                            ci95.insert(key.clone(), catalog::bounded_ci(unit_of(key), (lo, hi)));
                        }
                    }
                    None => {
                        values.insert(key.clone(), None);
                    }
                }
            }
            IntervalMean {
                row: IntervalRow {
                    interval: first[i].interval.clone(),
                    interval_start_s: first[i].interval_start_s,
                    arrivals: arrivals_mean.round() as u64,
                    arrival_rate_per_h: mean_of(&|r| r.arrival_rate_per_h),
                    offered_load: mean_load(&|r| r.offered_load),
                    workers_load: mean_load(&|r| r.workers_load),
                    staff_on_shift_mean: mean_load(&|r| r.staff_on_shift_mean),
                    observed_h: mean_of(&|r| r.observed_h),
                    values,
                },
                arrivals_mean,
                ci95,
                with_value,
            }
        })
        .collect()
}

/// The interval with the lowest value of `key` (a service-level share),
/// among those with one; the first of equals.
pub fn worst<'a>(rows: &'a [IntervalRow], key: &str) -> Option<(&'a IntervalRow, f64)> {
    rows.iter()
        .filter_map(|r| r.values.get(key).copied().flatten().map(|v| (r, v)))
        .fold(
            None,
            |best: Option<(&IntervalRow, f64)>, (r, v)| match best {
                Some((_, b)) if b <= v => best,
                _ => Some((r, v)),
            },
        )
}

/// `by_interval.csv`: the fixed columns, then `columns` (see
/// [`value_columns`]); no value is an empty cell, never 0. Arrivals are
/// written as given (`arrivals_mean` when the rows are means).
pub fn csv(rows: &[IntervalRow], arrivals: &[f64], columns: &[String]) -> Vec<u8> {
    let mut out = String::new();
    out.push_str(&FIXED_COLUMNS.join(","));
    for c in columns {
        out.push(',');
        out.push_str(c);
    }
    out.push('\n');
    let num = |x: f64| {
        if x.is_finite() {
            format!("{x}")
        } else {
            String::new()
        }
    };
    for (i, r) in rows.iter().enumerate() {
        let observed = r.observed_h > 0.0;
        let cells = [
            r.interval.clone(),
            num(r.interval_start_s),
            // An interval never observed counted nothing: no value.
            if observed {
                num(arrivals.get(i).copied().unwrap_or(r.arrivals as f64))
            } else {
                String::new()
            },
            if observed {
                num(r.arrival_rate_per_h)
            } else {
                String::new()
            },
            r.offered_load.map_or(String::new(), num),
            r.staff_on_shift_mean.map_or(String::new(), num),
        ];
        out.push_str(&cells.join(","));
        for c in columns {
            out.push(',');
            if let Some(Some(v)) = r.values.get(c) {
                out.push_str(&num(*v));
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Times to label of one interval: exact nearest-rank quantiles for the
/// first [`EXACT_PER_INTERVAL`] values, then a histogram with two
/// significant digits (1% relative error).
#[derive(Clone, Debug, Default)]
struct Times {
    count: u64,
    sum_us: u128,
    exact: Vec<u64>,
    hist: Option<Histogram<u64>>,
}

impl Times {
    fn record(&mut self, us: u64) {
        self.count += 1;
        self.sum_us += us as u128;
        match &mut self.hist {
            Some(h) => h.saturating_record(us.max(1)),
            None if self.exact.len() < EXACT_PER_INTERVAL => self.exact.push(us),
            None => {
                let mut h = Histogram::new_with_bounds(1, 1 << 50, 2).expect("valid bounds");
                for &v in self.exact.iter().chain(std::iter::once(&us)) {
                    h.saturating_record(v.max(1));
                }
                self.exact = Vec::new();
                self.hist = Some(h);
            }
        }
    }

    fn mean_s(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_us as f64 / self.count as f64 / US_PER_S as f64)
    }

    fn quantile_s(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let us = match &self.hist {
            Some(h) => h.value_at_quantile(q),
            None => {
                let mut v = self.exact.clone();
                let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
                *v.select_nth_unstable(rank - 1).1
            }
        };
        Some(us as f64 / US_PER_S as f64)
    }
}

/// One replication's by-interval counts (kept by the job's accounts).
pub(crate) struct ByIntervalAccounts {
    cfg: ByIntervalConfig,
    start_epoch_us: i64,
    warmup_end: SimTime,
    horizon: SimTime,
    n: usize,
    /// Per interval: objects accepted (warm).
    arrivals: Vec<u64>,
    /// Per interval × service level: eligible objects, and those met.
    sla_within: Vec<SimDuration>,
    sla_names: Vec<&'static str>,
    sla_eligible: Vec<u64>,
    sla_met: Vec<u64>,
    ttl: Vec<Times>,
    /// P8 per interval of first send (pipelines only).
    searchable: Option<Vec<Times>>,
    /// Per interval: Σ pool wait [µs], objects taken, objects that waited.
    wait_sum_us: Vec<u128>,
    wait_n: Vec<u64>,
    waited: Vec<u64>,
    /// Workers on shift per group now, since `last`.
    staff: Vec<u32>,
    last: SimTime,
    /// Per group × interval: ∫ on-shift workers dt after the warm-up
    /// [worker·µs]; per interval: µs observed after the warm-up.
    staff_area: Vec<u128>,
    observed_us: Vec<u128>,
    /// Per group: a task's mean hold [µs] (`load::task_hold_us`); tasks
    /// per object (N).
    hold_us: Vec<f64>,
    tasks_per_object: u32,
    /// Per pipeline queue × interval: messages sent to it (warm).
    queue_sent: Vec<u64>,
    /// Running pollers per consumer now, since `last`; per consumer ×
    /// interval: ∫ running pollers dt after the warm-up [poller·µs].
    pollers: Vec<u32>,
    poller_area: Vec<u128>,
}

impl ByIntervalAccounts {
    pub fn new(cfg: &SimConfig, by: &ByIntervalConfig, warmup_end: SimTime) -> Self {
        let n = by.cycle.intervals();
        let s = cfg.sla.len();
        let g = cfg.workers.len();
        let (queues, consumers) = cfg
            .pipeline
            .as_ref()
            .map_or((0, 0), |p| (p.queues.len(), p.consumers.len()));
        ByIntervalAccounts {
            cfg: by.clone(),
            start_epoch_us: cfg.start_at_epoch_us,
            warmup_end,
            horizon: cfg.horizon,
            n,
            arrivals: vec![0; n],
            sla_within: cfg.sla.iter().map(|s| s.within).collect(),
            sla_names: cfg.sla.iter().map(|s| s.name).collect(),
            sla_eligible: vec![0; n * s],
            sla_met: vec![0; n * s],
            ttl: vec![Times::default(); n],
            searchable: cfg.pipeline.is_some().then(|| vec![Times::default(); n]),
            wait_sum_us: vec![0; n],
            wait_n: vec![0; n],
            waited: vec![0; n],
            staff: vec![0; g],
            last: SimTime::ZERO,
            staff_area: vec![0; n * g],
            observed_us: vec![0; n],
            // A task's hold as the offered load counts it (declines,
            // speeds, the time limit), so the rows agree with `plan`'s.
            hold_us: cfg
                .workers
                .iter()
                .map(|w| load::task_hold_us(w, cfg.job.task_time_limit.as_micros() as f64))
                .collect(),
            tasks_per_object: cfg.job.workers_per_object,
            queue_sent: vec![0; n * queues],
            // The pipeline reports every pool's count at the start, then
            // each change (`Pipeline::note_poller_changes`).
            pollers: vec![0; consumers],
            poller_area: vec![0; n * consumers],
        }
    }

    fn interval(&self, t: SimTime) -> usize {
        self.cfg.interval_of(t, self.start_epoch_us)
    }

    /// A warm object is accepted at `now`.
    pub fn arrive(&mut self, now: SimTime) {
        let i = self.interval(now);
        self.arrivals[i] += 1;
        let s = self.sla_within.len();
        for (k, within) in self.sla_within.iter().enumerate() {
            if now + *within <= self.horizon {
                self.sla_eligible[i * s + k] += 1;
            }
        }
    }

    /// A warm object accepted at `accepted_at` is labeled after `ttl`.
    pub fn labeled(&mut self, accepted_at: SimTime, ttl: SimDuration) {
        let i = self.interval(accepted_at);
        self.ttl[i].record(ttl.as_micros());
        let s = self.sla_within.len();
        for (k, within) in self.sla_within.iter().enumerate() {
            if ttl <= *within && accepted_at + *within <= self.horizon {
                self.sla_met[i * s + k] += 1;
            }
        }
    }

    /// A pipeline without a labeling job (SPEC §6): a document first sent
    /// or uploaded at `origin` is an arrival of its interval (after the
    /// warm-up). No service level counts it: nothing is labeled by people.
    pub fn document(&mut self, origin: SimTime) {
        if origin >= self.warmup_end {
            let i = self.interval(origin);
            self.arrivals[i] += 1;
        }
    }

    /// P8: a document first sent or uploaded at `origin` (after the
    /// warm-up) became searchable after `latency`.
    pub fn searchable(&mut self, origin: SimTime, latency: SimDuration) {
        if origin < self.warmup_end {
            return;
        }
        let i = self.interval(origin);
        if let Some(s) = &mut self.searchable {
            s[i].record(latency.as_micros());
        }
    }

    /// A warm object accepted at `accepted_at` has its first task taken
    /// after waiting `wait` in the pool.
    pub fn first_taken(&mut self, accepted_at: SimTime, wait: SimDuration) {
        let i = self.interval(accepted_at);
        self.wait_sum_us[i] += wait.as_micros() as u128;
        self.wait_n[i] += 1;
        if !wait.is_zero() {
            self.waited[i] += 1;
        }
    }

    /// Integrates the staff levels from the last change to `to`, interval
    /// by interval, over [warm-up end, horizon).
    fn advance(&mut self, to: SimTime) {
        let to = to.min(self.horizon);
        let mut t = self.last.max(self.warmup_end);
        self.last = self.last.max(to);
        while t < to {
            let i = self.interval(t);
            let next = self.cfg.next_boundary(t, self.start_epoch_us).min(to);
            let span = (next - t).as_micros() as u128;
            self.observed_us[i] += span;
            for (k, &level) in self.staff.iter().enumerate() {
                self.staff_area[k * self.n + i] += level as u128 * span;
            }
            for (c, &level) in self.pollers.iter().enumerate() {
                self.poller_area[c * self.n + i] += level as u128 * span;
            }
            t = next;
        }
    }

    /// Group `g` has `on_shift` workers on shift from `now`.
    pub fn staff(&mut self, now: SimTime, g: usize, on_shift: u32) {
        if self.staff[g] != on_shift {
            self.advance(now);
            self.staff[g] = on_shift;
        }
    }

    /// Consumer `c` runs `running` pollers from `now`.
    pub fn pollers(&mut self, now: SimTime, c: usize, running: u32) {
        if self.pollers[c] != running {
            self.advance(now);
            self.pollers[c] = running;
        }
    }

    /// A message is sent to pipeline queue `q` at `now` (an upload, a
    /// SendMessage or a producer's copy).
    pub fn sent(&mut self, now: SimTime, q: usize) {
        if now >= self.warmup_end {
            let i = self.interval(now);
            self.queue_sent[q * self.n + i] += 1;
        }
    }

    /// Per interval, each pipeline queue's consumer load (see
    /// [`IntervalRow::offered_load`]) and each consumer's mean running
    /// pollers; empty without a pipeline or for an interval never
    /// observed.
    fn pipeline_loads(&self, cfg: &SimConfig, i: usize) -> (Vec<f64>, Vec<f64>) {
        let Some(pipe) = &cfg.pipeline else {
            return (Vec::new(), Vec::new());
        };
        let observed = self.observed_us[i];
        if observed == 0 {
            return (Vec::new(), Vec::new());
        }
        let mean_pollers: Vec<f64> = (0..pipe.consumers.len())
            .map(|c| self.poller_area[c * self.n + i] as f64 / observed as f64)
            .collect();
        let loads = pipe
            .queues
            .iter()
            .enumerate()
            .filter_map(|(q, queue)| {
                let (readers, pollers): (Vec<_>, Vec<f64>) = pipe
                    .consumers
                    .iter()
                    .zip(&mean_pollers)
                    .filter(|(c, _)| c.queue == q)
                    .unzip();
                // No pollers ran: no capacity, so no load (and no work:
                // the same +∞ as the workers' when messages came).
                let sent = self.queue_sent[q * self.n + i];
                if readers.is_empty() || pollers.iter().sum::<f64>() == 0.0 {
                    return (!readers.is_empty() && sent > 0).then_some(f64::INFINITY);
                }
                let lambda = sent as f64 / observed as f64;
                Some(load::consumer_load_at(queue, &readers, &pollers, lambda))
            })
            .collect();
        (loads, mean_pollers)
    }

    /// The rows at the end of the run.
    pub fn rows(&mut self, cfg: &SimConfig) -> Vec<IntervalRow> {
        self.advance(self.horizon);
        let s = self.sla_within.len();
        let g = self.staff.len();
        (0..self.n)
            .map(|i| {
                let observed = self.observed_us[i];
                let observed_h = observed as f64 / US_PER_H as f64;
                let staff_area: u128 = (0..g).map(|k| self.staff_area[k * self.n + i]).sum();
                // Task capacity [tasks] over the observed time: Σ (worker·µs / µs per task).
                let capacity: f64 = (0..g)
                    .filter(|&k| self.hold_us[k] > 0.0)
                    .map(|k| self.staff_area[k * self.n + i] as f64 / self.hold_us[k])
                    .sum();
                let offered = self.arrivals[i] as f64 * self.tasks_per_object as f64;
                let mut values = BTreeMap::new();
                for (k, name) in self.sla_names.iter().enumerate() {
                    let e = self.sla_eligible[i * s + k];
                    values.insert(
                        name.to_string(),
                        (e > 0).then(|| self.sla_met[i * s + k] as f64 / e as f64),
                    );
                }
                values.insert("time_to_label_mean_s".into(), self.ttl[i].mean_s());
                values.insert("time_to_label_p95_s".into(), self.ttl[i].quantile_s(0.95));
                let wn = self.wait_n[i];
                values.insert(
                    "pool_wait_mean_s".into(),
                    (wn > 0).then(|| self.wait_sum_us[i] as f64 / wn as f64 / US_PER_S as f64),
                );
                values.insert(
                    "delay_probability".into(),
                    (wn > 0).then(|| self.waited[i] as f64 / wn as f64),
                );
                if let Some(s) = &self.searchable {
                    values.insert("searchable_latency_mean_s".into(), s[i].mean_s());
                    values.insert("searchable_latency_p95_s".into(), s[i].quantile_s(0.95));
                }
                let (consumer_loads, mean_pollers) = self.pipeline_loads(cfg, i);
                if let Some(pipe) = &cfg.pipeline {
                    for (c, consumer) in pipe.consumers.iter().enumerate() {
                        values.insert(pollers_column(&consumer.name), mean_pollers.get(c).copied());
                    }
                }
                // No staff: no load without work, +∞ with work (an empty
                // cell either way, but the largest stage then stays +∞).
                let workers_load = if cfg.no_job {
                    // A pipeline alone: its arrivals are documents, and no
                    // people take them.
                    None
                } else if capacity > 0.0 {
                    Some(offered / capacity)
                } else {
                    (offered > 0.0).then_some(f64::INFINITY)
                };
                let offered_load = workers_load
                    .into_iter()
                    .chain(consumer_loads)
                    .reduce(f64::max);
                IntervalRow {
                    interval: self.cfg.cycle.label(i),
                    interval_start_s: self.cfg.cycle.start_s(i),
                    arrivals: self.arrivals[i],
                    arrival_rate_per_h: if observed > 0 {
                        self.arrivals[i] as f64 / observed_h
                    } else {
                        0.0
                    },
                    offered_load,
                    workers_load,
                    staff_on_shift_mean: (observed > 0 && !cfg.no_job)
                        .then(|| staff_area as f64 / observed as f64),
                    observed_h,
                    values,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::US_PER_DAY;
    use crate::model::workforce::ShiftZone;

    const H: u64 = US_PER_H;
    const START: i64 = 1_767_571_200_000_000; // Monday 2026-01-05 00:00Z

    fn daily(step_h: u64) -> ByIntervalConfig {
        ByIntervalConfig {
            cycle: Cycle::new(
                SimDuration::from_micros(US_PER_DAY),
                SimDuration::from_hours(step_h),
            )
            .unwrap(),
            zone: ShiftZone::Fixed { offset_us: 0 },
        }
    }

    #[test]
    fn cycles_cut_into_whole_intervals_only() {
        assert!(Cycle::new(SimDuration::from_days(1), SimDuration::from_mins(7)).is_err());
        assert!(Cycle::new(SimDuration::from_days(2), SimDuration::from_hours(1)).is_err());
        let w = Cycle::new(SimDuration::from_days(7), SimDuration::from_hours(1)).unwrap();
        assert_eq!(w.intervals(), 168);
        assert_eq!(w.label(0), "mon 00:00");
        assert_eq!(w.label(24 + 9), "tue 09:00");
        assert_eq!(daily(1).cycle.label(9), "09:00");
    }

    #[test]
    fn intervals_follow_the_zone() {
        let by = daily(1);
        assert_eq!(by.interval_of(SimTime::from_micros(25 * H + 1), START), 1);
        assert_eq!(
            by.next_boundary(SimTime::from_micros(25 * H + 1), START),
            SimTime::from_micros(26 * H)
        );
        // At UTC−5, 00:00Z is 19:00 local.
        let ny = ByIntervalConfig {
            zone: ShiftZone::Fixed {
                offset_us: -5 * H as i64,
            },
            ..daily(1)
        };
        assert_eq!(ny.interval_of(SimTime::ZERO, START), 19);
    }

    #[test]
    fn a_named_zone_interval_follows_daylight_saving() {
        use jiff::tz::TimeZone;
        let ny = ByIntervalConfig {
            zone: ShiftZone::Named(TimeZone::get("America/New_York").unwrap()),
            ..daily(1)
        };
        // 14:00Z is 09:00 EST in January; in July (from Monday 6 July
        // 2026 00:00Z) 13:00Z is 09:00 EDT.
        assert_eq!(ny.interval_of(SimTime::from_micros(14 * H), START), 9);
        const JUL_6_2026: i64 = 1_783_296_000_000_000;
        assert_eq!(ny.interval_of(SimTime::from_micros(13 * H), JUL_6_2026), 9);
        // Walking the boundaries over the fall-back day (Sunday 1 November
        // 2026, from Monday 26 October 04:00Z = 00:00 EDT): 25 hours of
        // wall clock, the 01:00 interval twice as long.
        const OCT_26_2026_EDT: i64 = 1_792_972_800_000_000 + 4 * H as i64;
        let sunday = SimTime::from_micros(6 * US_PER_DAY);
        let mut t = sunday;
        let mut spans = [0u64; 24];
        while t < sunday + SimDuration::from_hours(25) {
            let i = ny.interval_of(t, OCT_26_2026_EDT);
            let next = ny.next_boundary(t, OCT_26_2026_EDT);
            assert!(next > t);
            spans[i] += (next - t).as_micros();
            t = next;
        }
        assert_eq!(spans[1], 2 * H);
        assert_eq!(spans.iter().sum::<u64>(), 25 * H);
    }

    #[test]
    fn combine_averages_over_replications_with_a_value() {
        let row = |arr: u64, v: Option<f64>| IntervalRow {
            interval: "00:00".into(),
            interval_start_s: 0.0,
            arrivals: arr,
            arrival_rate_per_h: arr as f64,
            offered_load: None,
            workers_load: None,
            staff_on_shift_mean: Some(2.0),
            observed_h: 1.0,
            values: [("delay_probability".to_string(), v)].into_iter().collect(),
        };
        let a = [row(2, Some(0.5))];
        let b = [row(3, None)];
        let c = [row(4, Some(1.0))];
        let m = combine(&[&a, &b, &c]);
        assert_eq!(m[0].arrivals_mean, 3.0);
        assert_eq!(m[0].row.values["delay_probability"], Some(0.75));
        assert_eq!(m[0].with_value["delay_probability"], 2);
        // The t interval of 0.5 and 1.0 (±3.18) is cut to a share's range.
        assert_eq!(m[0].ci95["delay_probability"], (0.0, 1.0));
        assert_eq!(m[0].row.offered_load, None);
        let only_none = combine(&[&b]);
        assert_eq!(only_none[0].row.values["delay_probability"], None);
        assert!(only_none[0].ci95.is_empty());
    }

    #[test]
    fn an_empty_value_is_an_empty_cell() {
        let r = IntervalRow {
            interval: "00:00".into(),
            interval_start_s: 0.0,
            arrivals: 0,
            arrival_rate_per_h: 0.0,
            offered_load: Some(0.0),
            workers_load: Some(0.0),
            staff_on_shift_mean: Some(1.0),
            observed_h: 1.0,
            values: [("time_to_label_mean_s".to_string(), None)]
                .into_iter()
                .collect(),
        };
        let text = String::from_utf8(csv(
            std::slice::from_ref(&r),
            &[],
            &["time_to_label_mean_s".into()],
        ))
        .unwrap();
        assert_eq!(
            text,
            "interval,interval_start_s,arrivals,arrival_rate_per_h,offered_load,staff_on_shift_mean,time_to_label_mean_s\n00:00,0,0,0,0,1,\n"
        );
        // An interval the run never reached (a horizon shorter than the
        // cycle) counted nothing: even its arrivals have no value; and a
        // pipeline alone has no staff to count.
        let unseen = IntervalRow {
            observed_h: 0.0,
            staff_on_shift_mean: None,
            offered_load: None,
            ..r
        };
        let text =
            String::from_utf8(csv(&[unseen], &[], &["time_to_label_mean_s".into()])).unwrap();
        assert_eq!(text.lines().nth(1), Some("00:00,0,,,,,"));
    }
}
