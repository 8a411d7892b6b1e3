//! Worker groups: service-time distributions and weekly shift calendars (R7).

use crate::engine::time::{MS_PER_DAY, MS_PER_WEEK};
use crate::engine::{SimRng, SimTime};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform, Weibull};

/// A service-time distribution; samples are in ms.
#[derive(Clone, Debug)]
pub enum ServiceDist {
    Constant(f64),
    Exponential(Exp<f64>),
    LogNormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Weibull(Weibull<f64>),
    Uniform(Uniform<f64>),
    /// Bootstrap resampling of observed values [ms].
    Empirical(Vec<f64>),
}

impl ServiceDist {
    pub fn constant(ms: f64) -> Self {
        ServiceDist::Constant(ms)
    }
    pub fn exponential(mean_ms: f64) -> Result<Self, String> {
        Exp::new(1.0 / mean_ms)
            .map(ServiceDist::Exponential)
            .map_err(|e| e.to_string())
    }
    /// Lognormal by its median [ms] and log-space sigma.
    pub fn lognormal(median_ms: f64, sigma: f64) -> Result<Self, String> {
        LogNormal::new(median_ms.ln(), sigma)
            .map(ServiceDist::LogNormal)
            .map_err(|e| e.to_string())
    }
    /// Gamma by its mean [ms] and coefficient of variation.
    pub fn gamma(mean_ms: f64, cv: f64) -> Result<Self, String> {
        let shape = 1.0 / (cv * cv);
        Gamma::new(shape, mean_ms / shape)
            .map(ServiceDist::Gamma)
            .map_err(|e| e.to_string())
    }
    pub fn weibull(shape: f64, scale_ms: f64) -> Result<Self, String> {
        Weibull::new(scale_ms, shape)
            .map(ServiceDist::Weibull)
            .map_err(|e| e.to_string())
    }
    pub fn uniform(min_ms: f64, max_ms: f64) -> Result<Self, String> {
        Uniform::new_inclusive(min_ms, max_ms)
            .map(ServiceDist::Uniform)
            .map_err(|e| e.to_string())
    }

    /// One draw [ms], never negative.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        let x = match self {
            ServiceDist::Constant(v) => *v,
            ServiceDist::Exponential(d) => d.sample(rng),
            ServiceDist::LogNormal(d) => d.sample(rng),
            ServiceDist::Gamma(d) => d.sample(rng),
            ServiceDist::Weibull(d) => d.sample(rng),
            ServiceDist::Uniform(d) => d.sample(rng),
            ServiceDist::Empirical(v) => {
                let i = Uniform::new(0, v.len()).expect("non-empty").sample(rng);
                v[i]
            }
        };
        x.max(0.0)
    }
}

/// When a worker group is on shift: always, or a set of weekly intervals in
/// the group's local time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShiftSchedule {
    Always,
    Weekly {
        /// Disjoint, sorted [from, to) intervals in ms since Monday 00:00
        /// local time, within one week.
        intervals: Vec<(u64, u64)>,
        /// Local time minus UTC [ms].
        tz_offset_ms: i64,
    },
}

/// 1970-01-05 was a Monday: the anchor of the week grid [ms since epoch].
const MONDAY_ANCHOR_MS: i64 = 4 * MS_PER_DAY as i64;

impl ShiftSchedule {
    /// Builds a schedule from local (day-of-week 0 = Monday, from, to) triples
    /// in ms of day; `to` ≤ `from` means the shift runs past midnight.
    pub fn weekly(days_and_hours: &[(u8, u64, u64)], tz_offset_ms: i64) -> Self {
        let mut raw = Vec::new();
        for &(day, from, to) in days_and_hours {
            let start = day as u64 * MS_PER_DAY + from;
            let end = if to > from {
                day as u64 * MS_PER_DAY + to
            } else {
                (day as u64 + 1) * MS_PER_DAY + to
            };
            if end > MS_PER_WEEK {
                raw.push((start, MS_PER_WEEK));
                raw.push((0, end - MS_PER_WEEK));
            } else {
                raw.push((start, end));
            }
        }
        raw.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::new();
        for (s, e) in raw {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        if merged == [(0, MS_PER_WEEK)] {
            return ShiftSchedule::Always;
        }
        ShiftSchedule::Weekly {
            intervals: merged,
            tz_offset_ms,
        }
    }

    /// Position in the local week of sim time `t` [ms since Monday 00:00].
    fn week_pos(t: SimTime, start_epoch_ms: i64, tz_offset_ms: i64) -> u64 {
        (start_epoch_ms + tz_offset_ms + t.0 as i64 - MONDAY_ANCHOR_MS)
            .rem_euclid(MS_PER_WEEK as i64) as u64
    }

    /// Whether the group is on shift at `t`, and when that next changes.
    pub fn state_at(&self, t: SimTime, start_epoch_ms: i64) -> (bool, Option<SimTime>) {
        match self {
            ShiftSchedule::Always => (true, None),
            ShiftSchedule::Weekly {
                intervals,
                tz_offset_ms,
            } => {
                if intervals.is_empty() {
                    return (false, None);
                }
                let pos = Self::week_pos(t, start_epoch_ms, *tz_offset_ms);
                for &(s, e) in intervals {
                    if pos < s {
                        return (false, Some(SimTime(t.0 + (s - pos))));
                    }
                    if pos < e {
                        // A shift ending at the week's end may continue into
                        // one starting at 0 of the next week.
                        if e == MS_PER_WEEK && intervals[0].0 == 0 {
                            return (true, Some(SimTime(t.0 + (e - pos) + intervals[0].1)));
                        }
                        return (true, Some(SimTime(t.0 + (e - pos))));
                    }
                }
                let first = intervals[0].0;
                (false, Some(SimTime(t.0 + (MS_PER_WEEK - pos) + first)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::MS_PER_H;

    // 2026-01-05T00:00:00Z, a Monday.
    const START: i64 = 1_767_571_200_000;

    #[test]
    fn nine_to_five_weekdays() {
        let s = ShiftSchedule::weekly(
            &(0..5)
                .map(|d| (d, 9 * MS_PER_H, 17 * MS_PER_H))
                .collect::<Vec<_>>(),
            0,
        );
        // Monday 00:00: off until 09:00.
        assert_eq!(
            s.state_at(SimTime(0), START),
            (false, Some(SimTime(9 * MS_PER_H)))
        );
        // Monday 10:00: on until 17:00.
        assert_eq!(
            s.state_at(SimTime(10 * MS_PER_H), START),
            (true, Some(SimTime(17 * MS_PER_H)))
        );
        // Friday 17:00: off until Monday 09:00.
        let fri17 = SimTime(4 * MS_PER_DAY + 17 * MS_PER_H);
        assert_eq!(
            s.state_at(fri17, START),
            (false, Some(SimTime(7 * MS_PER_DAY + 9 * MS_PER_H)))
        );
    }

    #[test]
    fn time_zone_shifts_the_calendar() {
        // 09:00-17:00 at UTC+2 is 07:00-15:00 UTC.
        let s = ShiftSchedule::weekly(&[(0, 9 * MS_PER_H, 17 * MS_PER_H)], 2 * MS_PER_H as i64);
        assert_eq!(
            s.state_at(SimTime(0), START),
            (false, Some(SimTime(7 * MS_PER_H)))
        );
    }

    #[test]
    fn overnight_shift_wraps_past_midnight_and_week_end() {
        // Sunday 22:00 to Monday 06:00.
        let s = ShiftSchedule::weekly(&[(6, 22 * MS_PER_H, 6 * MS_PER_H)], 0);
        assert_eq!(
            s.state_at(SimTime(0), START),
            (true, Some(SimTime(6 * MS_PER_H)))
        );
    }

    #[test]
    fn every_day_all_day_is_always() {
        let s = ShiftSchedule::weekly(
            &(0..7).map(|d| (d, 0, 24 * MS_PER_H)).collect::<Vec<_>>(),
            0,
        );
        assert_eq!(s, ShiftSchedule::Always);
    }
}
