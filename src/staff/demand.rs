//! The demand cycle of `labelsim staff`: the arrival rate into the job over
//! one day or week (from the scenario's producers), cut into intervals, and
//! the loads each method staffs for.
//!
//! The rate is kept on a one-minute grid over the cycle (1,440 or 10,080
//! cells, each the rate at its middle), in UTC of the scenario's calendar
//! (`start_at`), weeks starting Monday 00:00. From it:
//!
//! - SIPP's load of interval i: the mean rate over the interval × N × h;
//! - lagged SIPP's: the mean rate over the interval shifted back by h (the
//!   mean hold), × N × h (Green, Kolesar & Soares 2001);
//! - the modified offered load m(t): the mean number of busy workers with
//!   as many workers as wanted, m'(t) = λ(t)·N − m(t)/h, in its periodic
//!   steady state (Eick, Massey & Whitt 1993, exponential holds), averaged
//!   over each interval: what [`super::AnalyticEvaluator`] calls the
//!   measured offered load.

use crate::engine::time::{US_PER_DAY, US_PER_H, US_PER_MIN, US_PER_WEEK};
use crate::engine::SimTime;
use crate::model::config::{week_position, ArrivalProcess, RateSchedule, SimConfig};
use crate::model::workforce::{offset_at, ShiftZone};

/// The demand cycle: a day or a week.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cycle {
    Day,
    Week,
}

impl Cycle {
    pub fn seconds(self) -> u64 {
        match self {
            Cycle::Day => US_PER_DAY / 1_000_000,
            Cycle::Week => US_PER_WEEK / 1_000_000,
        }
    }

    /// `1d` or `1w`, as the S1 schedule writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Cycle::Day => "1d",
            Cycle::Week => "1w",
        }
    }

    /// The week when a producer's rate, or the shifts or scheduled count
    /// of a group other than `staffed`, differ between days of the week,
    /// else the day (SPEC §4b, as results by interval). The staffed group's
    /// own shifts and count give way to the staffing, so they do not count.
    pub fn default_for(cfg: &SimConfig, staffed: Option<usize>) -> Cycle {
        let others: Vec<_> = cfg
            .workers
            .iter()
            .enumerate()
            .filter(|&(i, _)| Some(i) != staffed)
            .map(|(_, g)| g.clone())
            .collect();
        if crate::model::config::uses_days_of_the_week(&cfg.producers, &others) {
            Cycle::Week
        } else {
            Cycle::Day
        }
    }
}

/// Seconds per grid cell.
const CELL_S: f64 = 60.0;

/// The arrival rate over one cycle, cell by cell [objects/s].
#[derive(Clone, Debug, PartialEq)]
pub struct Demand {
    pub cycle: Cycle,
    /// One per minute of the cycle [objects/s].
    pub rate_per_s: Vec<f64>,
}

impl Demand {
    /// A demand from per-minute rates [objects/s]; the length must be the
    /// cycle's minutes.
    pub fn from_minutes(cycle: Cycle, rate_per_s: Vec<f64>) -> Demand {
        assert_eq!(rate_per_s.len() as u64, cycle.seconds() / 60);
        Demand { cycle, rate_per_s }
    }

    /// A demand stepping at interval boundaries: `rates_per_h[i]` over
    /// interval i of `interval_s` seconds (a whole number of minutes).
    pub fn stepped(cycle: Cycle, interval_s: u64, rates_per_h: &[f64]) -> Demand {
        let per = (interval_s / 60) as usize;
        let rate_per_s = rates_per_h
            .iter()
            .flat_map(|r| std::iter::repeat_n(r / 3600.0, per))
            .collect();
        Demand::from_minutes(cycle, rate_per_s)
    }

    /// The rate into the job of `cfg`'s producers that send to it, and of
    /// what pipeline routes send to people (P6): Poisson,
    /// daily sinusoid or profile, weekly schedules, and periodic bursts at
    /// their mean rate. Manifests, traces and single bursts are transients
    /// and left out, as are calendar (`timeline`) schedules, which count at
    /// their mean.
    pub fn of_config(cfg: &SimConfig, cycle: Cycle) -> Demand {
        let cells = (cycle.seconds() / 60) as usize;
        let mut rate_per_s = vec![0.0; cells];
        for p in cfg.producers.iter().filter(|p| p.to.is_none()) {
            for (i, r) in rate_per_s.iter_mut().enumerate() {
                // The middle of the cell, as a calendar position.
                let mid_us = i as u64 * US_PER_MIN + US_PER_MIN / 2;
                *r += 1e6 * producer_rate_per_us(&p.process, p.schedule.as_ref(), mid_us, cycle);
            }
        }
        // P6: the people behind a route receive its share of the queue's
        // messages (the pipeline's seconds of latency left out).
        let queues = cfg.pipeline.as_ref().map_or(0, |p| p.queues.len());
        for qi in 0..queues {
            let share = crate::model::load::routed_per_message(cfg, qi);
            if share > 0.0 {
                let into = Demand::of_queue(cfg, qi, cycle);
                for (r, q) in rate_per_s.iter_mut().zip(&into.rate_per_s) {
                    *r += share * q;
                }
            }
        }
        Demand { cycle, rate_per_s }
    }

    /// The rate of messages into pipeline queue `queue` of `cfg`'s
    /// producers that send to it (the shapes of [`Demand::of_config`]),
    /// each original counted with the copies the queue keeps (R9, P4), as
    /// the offered load of its consumers counts them (`model::load`).
    pub fn of_queue(cfg: &SimConfig, queue: usize, cycle: Cycle) -> Demand {
        let cells = (cycle.seconds() / 60) as usize;
        let mut rate_per_s = vec![0.0; cells];
        let Some(q) = cfg.pipeline.as_ref().and_then(|p| p.queues.get(queue)) else {
            return Demand { cycle, rate_per_s };
        };
        for p in cfg.producers.iter().filter(|p| p.to == Some(queue)) {
            let kept = crate::model::load::kept_per_original(p, q);
            for (i, r) in rate_per_s.iter_mut().enumerate() {
                let mid_us = i as u64 * US_PER_MIN + US_PER_MIN / 2;
                *r += 1e6
                    * kept
                    * producer_rate_per_us(&p.process, p.schedule.as_ref(), mid_us, cycle);
            }
        }
        Demand { cycle, rate_per_s }
    }

    /// The same demand seen from a zone `offset_s` ahead of UTC: the rate at
    /// local cycle position p is the UTC rate at p − offset (a whole
    /// number of minutes; the rest is dropped).
    pub fn in_zone(&self, offset_s: i64) -> Demand {
        let n = self.rate_per_s.len() as i64;
        let shift = (offset_s.div_euclid(60)).rem_euclid(n.max(1)) as usize;
        let mut rate_per_s = self.rate_per_s.clone();
        rate_per_s.rotate_right(shift);
        Demand {
            cycle: self.cycle,
            rate_per_s,
        }
    }

    /// The demand in the local cycle of `zone` (its offset at the
    /// calendar's start `start_epoch_us`; a named zone's daylight-saving
    /// shifts later in the run are not followed).
    pub fn in_group_zone(&self, zone: &ShiftZone, start_epoch_us: i64) -> Demand {
        self.in_zone(offset_at(zone, start_epoch_us).div_euclid(1_000_000))
    }

    /// Arrivals in [from, to) seconds of the cycle, wrapping around it.
    fn arrivals_between(&self, from_s: f64, to_s: f64) -> f64 {
        let len = self.cycle.seconds() as f64;
        let cum = |t: f64| -> f64 {
            // Whole cycles, then the rest, cell by cell.
            let cycles = (t / len).floor();
            let rest = t - cycles * len;
            let total: f64 = self.rate_per_s.iter().sum::<f64>() * CELL_S;
            let full = (rest / CELL_S).floor() as usize;
            let part: f64 = self.rate_per_s[..full.min(self.rate_per_s.len())]
                .iter()
                .sum::<f64>()
                * CELL_S;
            let frac = self
                .rate_per_s
                .get(full)
                .map_or(0.0, |r| r * (rest - full as f64 * CELL_S));
            cycles * total + part + frac
        };
        cum(to_s) - cum(from_s)
    }

    /// Mean rate over [from, from + len) seconds of the cycle [objects/h].
    pub fn mean_rate_per_h(&self, from_s: f64, len_s: f64) -> f64 {
        self.arrivals_between(from_s, from_s + len_s) / len_s * 3600.0
    }

    /// The modified offered load [Erlangs] on the grid: m at the start of
    /// each cell and its mean over the cell, in periodic steady state, for
    /// `tasks_per_object` tasks per arrival held `hold_s` each.
    fn modified_load_cells(&self, tasks_per_object: u32, hold_s: f64) -> Vec<f64> {
        let n = tasks_per_object as f64;
        if hold_s <= 0.0 {
            return vec![0.0; self.rate_per_s.len()];
        }
        let decay = (-CELL_S / hold_s).exp();
        // Mean of m over a cell that starts at m0 and relaxes to target.
        let keep = hold_s / CELL_S * (1.0 - decay);
        let mut m = 0.0;
        // Periodic steady state: the start value after one more cycle
        // changes by less than 1e-12 (h far below the cycle: a few laps).
        let mut means = vec![0.0; self.rate_per_s.len()];
        for _lap in 0..200 {
            let start = m;
            for (r, mean) in self.rate_per_s.iter().zip(means.iter_mut()) {
                let target = r * n * hold_s;
                *mean = target + (m - target) * keep;
                m = target + (m - target) * decay;
            }
            if (m - start).abs() <= 1e-12 * m.max(1.0) {
                break;
            }
        }
        means
    }
}

/// The loads of each interval of the cycle, for `tasks_per_object` tasks
/// held `hold_s` each.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalDemand {
    /// Seconds per interval.
    pub interval_s: u64,
    /// Mean arrival rate of each interval [objects/h].
    pub rate_per_h: Vec<f64>,
    /// SIPP's load: rate × N × h \[Erlangs\].
    pub sipp_load: Vec<f64>,
    /// Lagged SIPP's: the rate h earlier × N × h \[Erlangs\].
    pub lsipp_load: Vec<f64>,
    /// The modified offered load's mean over the interval \[Erlangs\].
    pub modified_load: Vec<f64>,
}

impl IntervalDemand {
    /// `interval_s` must divide the cycle into whole minutes (checked by
    /// the caller, [`super::check_interval`]).
    pub fn of(demand: &Demand, interval_s: u64, tasks_per_object: u32, hold_s: f64) -> Self {
        let count = (demand.cycle.seconds() / interval_s) as usize;
        let n = tasks_per_object as f64;
        let len = interval_s as f64;
        let rate_per_h: Vec<f64> = (0..count)
            .map(|i| demand.mean_rate_per_h(i as f64 * len, len))
            .collect();
        let sipp_load = rate_per_h.iter().map(|r| r / 3600.0 * n * hold_s).collect();
        let cycle = demand.cycle.seconds() as f64;
        let lsipp_load = (0..count)
            .map(|i| {
                let from = (i as f64 * len - hold_s).rem_euclid(cycle);
                demand.mean_rate_per_h(from, len) / 3600.0 * n * hold_s
            })
            .collect();
        let cells = demand.modified_load_cells(tasks_per_object, hold_s);
        let per = (interval_s / 60) as usize;
        let modified_load = cells
            .chunks(per)
            .map(|c| c.iter().sum::<f64>() / c.len() as f64)
            .collect();
        IntervalDemand {
            interval_s,
            rate_per_h,
            sipp_load,
            lsipp_load,
            modified_load,
        }
    }

    pub fn len(&self) -> usize {
        self.rate_per_h.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rate_per_h.is_empty()
    }
}

/// A producer's rate at `pos_us` into the cycle [per µs]: see
/// `model::job::producers` for the shapes (the daily ones by hour of the
/// UTC day, the weekly schedule by position since Monday 00:00 UTC).
fn producer_rate_per_us(
    process: &ArrivalProcess,
    schedule: Option<&RateSchedule>,
    pos_us: u64,
    cycle: Cycle,
) -> f64 {
    let of_day = pos_us % US_PER_DAY;
    if let Some(RateSchedule::Weekly { points }) = schedule {
        // A weekly rate over a daily cycle: its mean day.
        let at = |w: u64| {
            let i = points.partition_point(|p| p.0 <= w);
            points[i.saturating_sub(1)].1
        };
        return match cycle {
            Cycle::Week => at(pos_us % US_PER_WEEK),
            Cycle::Day => (0..7).map(|d| at(d * US_PER_DAY + of_day)).sum::<f64>() / 7.0,
        };
    }
    match process {
        ArrivalProcess::Poisson { rate_per_us } => *rate_per_us,
        ArrivalProcess::Diurnal {
            mean_per_us,
            peak_hour,
            amplitude,
        } => {
            let h = of_day as f64 / US_PER_H as f64;
            mean_per_us
                * (1.0 + amplitude * (2.0 * std::f64::consts::PI * (h - peak_hour) / 24.0).cos())
        }
        ArrivalProcess::Profile { points } => {
            let i = points.partition_point(|&(at, _)| at <= of_day);
            points[i.saturating_sub(1)].1
        }
        ArrivalProcess::Burst { size, every } if every.as_micros() > 0 => {
            *size as f64 / every.as_micros() as f64
        }
        _ => 0.0,
    }
}

/// The offset into the cycle of sim time 0 \[s\], for a calendar starting at
/// `start_epoch_us` (the cycle starts on Monday 00:00 UTC, or midnight).
pub fn cycle_offset_s(start_epoch_us: i64, cycle: Cycle) -> u64 {
    let week = week_position(SimTime::from_micros(0), start_epoch_us);
    (week % (cycle.seconds() * 1_000_000)) / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_means_and_lag_follow_a_step() {
        // 40/h for 12 h, then 120/h; 1 h intervals, 6-minute holds.
        let rates: Vec<f64> = (0..24).map(|h| if h < 12 { 40.0 } else { 120.0 }).collect();
        let d = Demand::stepped(Cycle::Day, 3600, &rates);
        let iv = IntervalDemand::of(&d, 3600, 1, 360.0);
        assert!((iv.rate_per_h[0] - 40.0).abs() < 1e-9);
        assert!((iv.rate_per_h[12] - 120.0).abs() < 1e-9);
        assert!((iv.sipp_load[12] - 12.0).abs() < 1e-9);
        // Lagged 6 minutes: a tenth of interval 12 still sees 40/h.
        assert!((iv.lsipp_load[12] - (0.1 * 40.0 + 0.9 * 120.0) / 10.0).abs() < 1e-9);
        // The modified load rises from 4 to 12 with time constant 6 min:
        // its mean over the hour after the step is 12 − 8·(1 − e^−10)/10.
        let expect = 12.0 - 8.0 * (1.0 - (-10f64).exp()) / 10.0;
        assert!(
            (iv.modified_load[12] - expect).abs() < 1e-6,
            "{}",
            iv.modified_load[12]
        );
        assert!((iv.modified_load[6] - 4.0).abs() < 1e-9);
        // Wrapping: interval 0 follows 120/h.
        assert!(iv.lsipp_load[0] > iv.sipp_load[0]);
    }

    /// P6: people behind a route are staffed for the share it sends them:
    /// uniform confidence, threshold 0.5 and a 20% audit sample route
    /// 0.5 + 0.2 × 0.5 = 60% of 3,600 messages an hour to the job.
    #[test]
    fn a_route_sends_its_share_of_the_queue_to_the_job() {
        use crate::scenario::{LoadOptions, Scenario};
        let yaml = "name: r\nhorizon: 1d\n\
            producers: [{name: p, kind: poisson, rate: 3600/h, to: q}]\n\
            pipeline:\n  queues: [{name: q, type: standard}]\n  \
            consumers: [{name: c, queue: q, count: 4, processing_time: {dist: constant, value: 100ms},\n    \
            confidence: {dist: uniform, min: 0, max: 1}, route: {threshold: 0.5, sample: 0.2}}]\n\
            workers: [{name: team, count: 40, service_time: {dist: exponential, mean: 1m}}]\n";
        let s = Scenario::from_str(
            yaml,
            "r.yaml",
            std::path::Path::new("."),
            LoadOptions::default(),
        )
        .expect("valid");
        let d = Demand::of_config(&s.sim, Cycle::Day);
        let per_h = d.mean_rate_per_h(0.0, 86_400.0);
        assert!((per_h - 2160.0).abs() < 1e-6, "{per_h}");
    }
}
