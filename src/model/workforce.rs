//! Worker groups: service-time distributions and weekly shift calendars (R7).

use crate::engine::time::{US_PER_DAY, US_PER_WEEK};
use crate::engine::{SimDuration, SimRng, SimTime};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform, Weibull};

/// A service-time distribution; samples are in µs.
#[derive(Clone, Debug)]
pub enum ServiceDist {
    Constant(f64),
    Exponential(Exp<f64>),
    LogNormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Weibull(Weibull<f64>),
    Uniform(Uniform<f64>),
    /// Bootstrap resampling of observed values [µs].
    Empirical(Vec<f64>),
}

impl ServiceDist {
    pub fn constant(ms: f64) -> Self {
        ServiceDist::Constant(ms)
    }
    pub fn exponential(mean_us: f64) -> Result<Self, String> {
        Exp::new(1.0 / mean_us)
            .map(ServiceDist::Exponential)
            .map_err(|e| e.to_string())
    }
    /// Lognormal by its median [µs] and log-space sigma.
    pub fn lognormal(median_us: f64, sigma: f64) -> Result<Self, String> {
        LogNormal::new(median_us.ln(), sigma)
            .map(ServiceDist::LogNormal)
            .map_err(|e| e.to_string())
    }
    /// Gamma by its mean [µs] and coefficient of variation.
    pub fn gamma(mean_us: f64, cv: f64) -> Result<Self, String> {
        let shape = 1.0 / (cv * cv);
        Gamma::new(shape, mean_us / shape)
            .map(ServiceDist::Gamma)
            .map_err(|e| e.to_string())
    }
    pub fn weibull(shape: f64, scale_us: f64) -> Result<Self, String> {
        Weibull::new(scale_us, shape)
            .map(ServiceDist::Weibull)
            .map_err(|e| e.to_string())
    }
    pub fn uniform(min_us: f64, max_us: f64) -> Result<Self, String> {
        Uniform::new_inclusive(min_us, max_us)
            .map(ServiceDist::Uniform)
            .map_err(|e| e.to_string())
    }

    /// One draw [µs], never negative.
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
        /// Disjoint, sorted [from, to) intervals in µs since Monday 00:00
        /// local time, within one week.
        intervals: Vec<(u64, u64)>,
        /// Local time minus UTC [µs].
        tz_offset_us: i64,
    },
}

/// 1970-01-05 was a Monday: the anchor of the week grid [µs since epoch].
const MONDAY_ANCHOR_US: i64 = 4 * US_PER_DAY as i64;

impl ShiftSchedule {
    /// Builds a schedule from local (day-of-week 0 = Monday, from, to) triples
    /// in µs of day; `to` ≤ `from` means the shift runs past midnight.
    pub fn weekly(days_and_hours: &[(u8, u64, u64)], tz_offset_us: i64) -> Self {
        let mut raw = Vec::new();
        for &(day, from, to) in days_and_hours {
            let start = day as u64 * US_PER_DAY + from;
            let end = if to > from {
                day as u64 * US_PER_DAY + to
            } else {
                (day as u64 + 1) * US_PER_DAY + to
            };
            if end > US_PER_WEEK {
                raw.push((start, US_PER_WEEK));
                raw.push((0, end - US_PER_WEEK));
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
        if merged == [(0, US_PER_WEEK)] {
            return ShiftSchedule::Always;
        }
        ShiftSchedule::Weekly {
            intervals: merged,
            tz_offset_us,
        }
    }

    /// Position in the local week of sim time `t` [µs since Monday 00:00].
    fn week_pos(t: SimTime, start_epoch_us: i64, tz_offset_us: i64) -> u64 {
        (start_epoch_us + tz_offset_us + t.as_micros() as i64 - MONDAY_ANCHOR_US)
            .rem_euclid(US_PER_WEEK as i64) as u64
    }

    /// Whether the group is on shift at `t`, and when that next changes.
    pub fn state_at(&self, t: SimTime, start_epoch_us: i64) -> (bool, Option<SimTime>) {
        match self {
            ShiftSchedule::Always => (true, None),
            ShiftSchedule::Weekly {
                intervals,
                tz_offset_us,
            } => {
                if intervals.is_empty() {
                    return (false, None);
                }
                let pos = Self::week_pos(t, start_epoch_us, *tz_offset_us);
                for &(s, e) in intervals {
                    if pos < s {
                        return (false, Some(t + SimDuration::from_micros(s - pos)));
                    }
                    if pos < e {
                        // A shift ending at the week's end may continue into
                        // one starting at 0 of the next week.
                        if e == US_PER_WEEK && intervals[0].0 == 0 {
                            return (
                                true,
                                Some(t + SimDuration::from_micros((e - pos) + intervals[0].1)),
                            );
                        }
                        return (true, Some(t + SimDuration::from_micros(e - pos)));
                    }
                }
                let first = intervals[0].0;
                (
                    false,
                    Some(t + SimDuration::from_micros((US_PER_WEEK - pos) + first)),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::US_PER_H;

    // 2026-01-05T00:00:00Z, a Monday.
    const START: i64 = 1_767_571_200_000_000;

    #[test]
    fn nine_to_five_weekdays() {
        let s = ShiftSchedule::weekly(
            &(0..5)
                .map(|d| (d, 9 * US_PER_H, 17 * US_PER_H))
                .collect::<Vec<_>>(),
            0,
        );
        // Monday 00:00: off until 09:00.
        assert_eq!(
            s.state_at(SimTime::from_micros(0), START),
            (false, Some(SimTime::from_micros(9 * US_PER_H)))
        );
        // Monday 10:00: on until 17:00.
        assert_eq!(
            s.state_at(SimTime::from_micros(10 * US_PER_H), START),
            (true, Some(SimTime::from_micros(17 * US_PER_H)))
        );
        // Friday 17:00: off until Monday 09:00.
        let fri17 = SimTime::from_micros(4 * US_PER_DAY + 17 * US_PER_H);
        assert_eq!(
            s.state_at(fri17, START),
            (
                false,
                Some(SimTime::from_micros(7 * US_PER_DAY + 9 * US_PER_H))
            )
        );
    }

    #[test]
    fn time_zone_shifts_the_calendar() {
        // 09:00-17:00 at UTC+2 is 07:00-15:00 UTC.
        let s = ShiftSchedule::weekly(&[(0, 9 * US_PER_H, 17 * US_PER_H)], 2 * US_PER_H as i64);
        assert_eq!(
            s.state_at(SimTime::from_micros(0), START),
            (false, Some(SimTime::from_micros(7 * US_PER_H)))
        );
    }

    #[test]
    fn overnight_shift_wraps_past_midnight_and_week_end() {
        // Sunday 22:00 to Monday 06:00.
        let s = ShiftSchedule::weekly(&[(6, 22 * US_PER_H, 6 * US_PER_H)], 0);
        assert_eq!(
            s.state_at(SimTime::from_micros(0), START),
            (true, Some(SimTime::from_micros(6 * US_PER_H)))
        );
    }

    #[test]
    fn every_day_all_day_is_always() {
        let s = ShiftSchedule::weekly(
            &(0..7).map(|d| (d, 0, 24 * US_PER_H)).collect::<Vec<_>>(),
            0,
        );
        assert_eq!(s, ShiftSchedule::Always);
    }
}
