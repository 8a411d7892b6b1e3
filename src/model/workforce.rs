//! Worker groups: service-time distributions and weekly shift calendars (R7).

use crate::engine::time::{US_PER_DAY, US_PER_WEEK};
use crate::engine::{SimDuration, SimRng, SimTime};
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform, Weibull};

/// A service-time distribution; samples are in µs. Each variant keeps its
/// mean [µs] beside the sampler (rand_distr does not expose its parameters),
/// for the offered-load estimate of [`crate::model::load`].
#[derive(Clone, Debug)]
pub enum ServiceDist {
    Constant(f64),
    Exponential(Exp<f64>, f64),
    LogNormal(LogNormal<f64>, f64),
    Gamma(Gamma<f64>, f64),
    Weibull(Weibull<f64>, f64),
    Uniform(Uniform<f64>, f64),
    /// Bootstrap resampling of observed values [µs].
    Empirical(Vec<f64>),
}

impl ServiceDist {
    pub fn constant(ms: f64) -> Self {
        ServiceDist::Constant(ms)
    }
    pub fn exponential(mean_us: f64) -> Result<Self, String> {
        Exp::new(1.0 / mean_us)
            .map(|d| ServiceDist::Exponential(d, mean_us))
            .map_err(|e| e.to_string())
    }
    /// Lognormal by its median [µs] and log-space sigma.
    pub fn lognormal(median_us: f64, sigma: f64) -> Result<Self, String> {
        LogNormal::new(median_us.ln(), sigma)
            .map(|d| ServiceDist::LogNormal(d, median_us * (sigma * sigma / 2.0).exp()))
            .map_err(|e| e.to_string())
    }
    /// Gamma by its mean [µs] and coefficient of variation.
    pub fn gamma(mean_us: f64, cv: f64) -> Result<Self, String> {
        let shape = 1.0 / (cv * cv);
        Gamma::new(shape, mean_us / shape)
            .map(|d| ServiceDist::Gamma(d, mean_us))
            .map_err(|e| e.to_string())
    }
    pub fn weibull(shape: f64, scale_us: f64) -> Result<Self, String> {
        Weibull::new(scale_us, shape)
            .map(|d| ServiceDist::Weibull(d, scale_us * gamma_fn(1.0 + 1.0 / shape)))
            .map_err(|e| e.to_string())
    }
    pub fn uniform(min_us: f64, max_us: f64) -> Result<Self, String> {
        Uniform::new_inclusive(min_us, max_us)
            .map(|d| ServiceDist::Uniform(d, (min_us + max_us) / 2.0))
            .map_err(|e| e.to_string())
    }

    /// One draw [µs], never negative.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        let x = match self {
            ServiceDist::Constant(v) => *v,
            ServiceDist::Exponential(d, _) => d.sample(rng),
            ServiceDist::LogNormal(d, _) => d.sample(rng),
            ServiceDist::Gamma(d, _) => d.sample(rng),
            ServiceDist::Weibull(d, _) => d.sample(rng),
            ServiceDist::Uniform(d, _) => d.sample(rng),
            ServiceDist::Empirical(v) => {
                let i = Uniform::new(0, v.len()).expect("non-empty").sample(rng);
                v[i]
            }
        };
        x.max(0.0)
    }

    /// The distribution's mean [µs] (of the values drawn, before the clamp
    /// at 0, which only a negative `Constant` or `Uniform` would hit).
    pub fn mean_us(&self) -> f64 {
        match self {
            ServiceDist::Constant(v) => v.max(0.0),
            ServiceDist::Exponential(_, m)
            | ServiceDist::LogNormal(_, m)
            | ServiceDist::Gamma(_, m)
            | ServiceDist::Weibull(_, m)
            | ServiceDist::Uniform(_, m) => *m,
            ServiceDist::Empirical(v) if v.is_empty() => 0.0,
            ServiceDist::Empirical(v) => v.iter().map(|x| x.max(0.0)).sum::<f64>() / v.len() as f64,
        }
    }
}

/// Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-13),
/// for the Weibull mean scale · Γ(1 + 1/shape).
fn gamma_fn(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x));
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
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

    /// Share of the week the group is on shift, in [0, 1] (the time zone
    /// does not change it).
    pub fn on_shift_fraction(&self) -> f64 {
        match self {
            ShiftSchedule::Always => 1.0,
            ShiftSchedule::Weekly { intervals, .. } => {
                intervals.iter().map(|(s, e)| e - s).sum::<u64>() as f64 / US_PER_WEEK as f64
            }
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
    fn service_means_match_their_parameters() {
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
        assert!(close(ServiceDist::constant(5.0).mean_us(), 5.0));
        assert!(close(
            ServiceDist::exponential(360.0).unwrap().mean_us(),
            360.0
        ));
        assert!(close(
            ServiceDist::gamma(100.0, 0.5).unwrap().mean_us(),
            100.0
        ));
        assert!(close(
            ServiceDist::uniform(10.0, 30.0).unwrap().mean_us(),
            20.0
        ));
        // Lognormal: median · e^(σ²/2).
        assert!(close(
            ServiceDist::lognormal(100.0, 1.0).unwrap().mean_us(),
            100.0 * 0.5f64.exp()
        ));
        // Weibull shape 1 is exponential; shape 2: scale · √π / 2.
        assert!(close(
            ServiceDist::weibull(1.0, 50.0).unwrap().mean_us(),
            50.0
        ));
        assert!(close(
            ServiceDist::weibull(2.0, 50.0).unwrap().mean_us(),
            50.0 * std::f64::consts::PI.sqrt() / 2.0
        ));
        assert!(close(
            ServiceDist::Empirical(vec![1.0, 2.0, 6.0]).mean_us(),
            3.0
        ));
        assert!(close(gamma_fn(5.0), 24.0) && close(gamma_fn(0.5), std::f64::consts::PI.sqrt()));
    }

    #[test]
    fn on_shift_fraction_is_the_share_of_the_week() {
        assert_eq!(ShiftSchedule::Always.on_shift_fraction(), 1.0);
        let nine_to_five = ShiftSchedule::weekly(
            &(0..5)
                .map(|d| (d, 9 * US_PER_H, 17 * US_PER_H))
                .collect::<Vec<_>>(),
            3 * US_PER_H as i64,
        );
        assert_eq!(nine_to_five.on_shift_fraction(), 40.0 / 168.0);
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
