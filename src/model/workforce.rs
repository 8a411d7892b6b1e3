//! Worker groups: service-time distributions and weekly shift calendars (R7).

use crate::engine::time::{US_PER_DAY, US_PER_S, US_PER_WEEK};
use crate::engine::{SimDuration, SimRng, SimTime};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::Timestamp;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Uniform, Weibull};

/// A service-time distribution; samples are in µs. Each variant keeps its
/// mean \[µs\] beside the sampler (rand_distr does not expose its parameters),
/// for the offered-load estimate of [`crate::model::load`].
#[derive(Clone, Debug)]
pub enum ServiceDist {
    Constant(f64),
    Exponential(Exp<f64>, f64),
    LogNormal(LogNormal<f64>, f64),
    Gamma(Gamma<f64>, f64),
    Weibull(Weibull<f64>, f64),
    Uniform(Uniform<f64>, f64),
    /// Bootstrap resampling of observed values \[µs\].
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
    /// Lognormal by its median \[µs\] and log-space sigma.
    pub fn lognormal(median_us: f64, sigma: f64) -> Result<Self, String> {
        LogNormal::new(median_us.ln(), sigma)
            .map(|d| ServiceDist::LogNormal(d, median_us * (sigma * sigma / 2.0).exp()))
            .map_err(|e| e.to_string())
    }
    /// Gamma by its mean \[µs\] and coefficient of variation.
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

    /// One draw \[µs\], never negative.
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

    /// The distribution's mean \[µs\] (of the values drawn, before the clamp
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

/// The zone a weekly calendar's local times are in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShiftZone {
    /// A fixed offset, local time minus UTC \[µs\] (`tz_offset:`).
    Fixed { offset_us: i64 },
    /// An IANA zone such as `America/New_York` (`tz:`), from the tz database
    /// bundled with `jiff`: its offset follows daylight saving, so shift
    /// boundaries move by an hour in UTC across a transition.
    Named(TimeZone),
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
        /// The zone of the local times.
        zone: ShiftZone,
    },
}

/// 1970-01-05 was a Monday: the anchor of the week grid [µs since epoch].
const MONDAY_ANCHOR_US: i64 = 4 * US_PER_DAY as i64;

/// How many local weeks a named-zone lookup looks ahead for the next
/// boundary: the following week always has one unless every shift of it
/// falls in a daylight-saving gap.
const WEEKS_AHEAD: i64 = 3;

impl ShiftSchedule {
    /// Builds a schedule from local (day-of-week 0 = Monday, from, to) triples
    /// in µs of day, at a fixed offset (local minus UTC \[µs\]); `to` ≤ `from`
    /// means the shift runs past midnight.
    pub fn weekly(days_and_hours: &[(u8, u64, u64)], tz_offset_us: i64) -> Self {
        Self::weekly_in(
            days_and_hours,
            ShiftZone::Fixed {
                offset_us: tz_offset_us,
            },
        )
    }

    /// As [`ShiftSchedule::weekly`], in the wall-clock time of an IANA zone
    /// (see [`ShiftSchedule::state_at`] for daylight-saving gaps and folds).
    pub fn weekly_in_zone(days_and_hours: &[(u8, u64, u64)], zone: TimeZone) -> Self {
        Self::weekly_in(days_and_hours, ShiftZone::Named(zone))
    }

    fn weekly_in(days_and_hours: &[(u8, u64, u64)], zone: ShiftZone) -> Self {
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
            zone,
        }
    }

    /// Share of the local week the group is on shift, in [0, 1] (the time
    /// zone does not change it; a week with a daylight-saving transition is
    /// an hour shorter or longer in UTC, which this ignores).
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
    ///
    /// In a named zone, each boundary is a local wall-clock time of a given
    /// day converted to an instant: a time in the repeated hour of a
    /// fall-back fold is its earlier occurrence; a time in the skipped hour
    /// of a spring-forward gap is the first instant after the gap (02:30 on
    /// a New York spring-forward day is 03:00 EDT), so a shift lying wholly
    /// in a gap does not happen that day. Cost: O(intervals) conversions,
    /// each a binary search in the zone's transitions; called at each shift
    /// change only.
    pub fn state_at(&self, t: SimTime, start_epoch_us: i64) -> (bool, Option<SimTime>) {
        match self {
            ShiftSchedule::Always => (true, None),
            ShiftSchedule::Weekly { intervals, .. } if intervals.is_empty() => (false, None),
            ShiftSchedule::Weekly {
                intervals,
                zone: ShiftZone::Fixed { offset_us },
            } => Self::fixed_state_at(intervals, *offset_us, t, start_epoch_us),
            ShiftSchedule::Weekly {
                intervals,
                zone: ShiftZone::Named(zone),
            } => {
                let now = start_epoch_us + t.as_micros() as i64;
                let (on, next) = zoned_state_at(intervals, zone, now);
                let next = next.map(|b| t + SimDuration::from_micros((b - now) as u64));
                (on, next)
            }
        }
    }

    fn fixed_state_at(
        intervals: &[(u64, u64)],
        tz_offset_us: i64,
        t: SimTime,
        start_epoch_us: i64,
    ) -> (bool, Option<SimTime>) {
        let pos = Self::week_pos(t, start_epoch_us, tz_offset_us);
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

fn offset_us(offset: Offset) -> i64 {
    offset.seconds() as i64 * US_PER_S as i64
}

/// Local time minus UTC in `zone` at instant `now` [µs since the epoch,
/// both].
pub(crate) fn offset_at(zone: &ShiftZone, now: i64) -> i64 {
    match zone {
        ShiftZone::Fixed { offset_us } => *offset_us,
        ShiftZone::Named(z) => {
            Timestamp::from_microsecond(now).map_or(0, |ts| offset_us(z.to_offset(ts)))
        }
    }
}

/// The instant [µs since epoch] of local wall-clock time `local_us` (µs
/// since 1970-01-01T00:00 local) in `zone`: in a fold, the earlier
/// occurrence; in a gap, the first instant after it (the transition). Both
/// choices keep the map from local times to instants non-decreasing, so a
/// week's sorted intervals stay sorted.
pub(crate) fn local_to_instant(zone: &TimeZone, local_us: i64) -> i64 {
    let Ok(ts) = Timestamp::from_microsecond(local_us) else {
        // Beyond jiff's years −9999..9999: no shift calendar reaches there.
        return local_us;
    };
    match zone
        .to_ambiguous_timestamp(TimeZone::UTC.to_datetime(ts))
        .offset()
    {
        AmbiguousOffset::Unambiguous { offset } => local_us - offset_us(offset),
        AmbiguousOffset::Fold { before, .. } => local_us - offset_us(before),
        AmbiguousOffset::Gap { before, after } => {
            // With the offset after the gap, the local time reads as an
            // instant before the transition; the transition follows it.
            let probe = local_us - offset_us(after);
            Timestamp::from_microsecond(probe)
                .ok()
                .and_then(|p| zone.following(p).take(4).find(|tr| tr.offset() == after))
                .map_or(local_us - offset_us(before), |tr| {
                    tr.timestamp().as_microsecond()
                })
        }
    }
}

/// [`ShiftSchedule::state_at`] in a named zone, in µs since the epoch:
/// converts the local week's interval ends around `now` to instants, joins
/// those that touch (a gap can close the space between two shifts, and a
/// shift ending at the week's end runs on into one starting at Monday
/// 00:00), and finds `now` among them.
fn zoned_state_at(intervals: &[(u64, u64)], zone: &TimeZone, now: i64) -> (bool, Option<i64>) {
    let local_now =
        Timestamp::from_microsecond(now).map_or(now, |ts| now + offset_us(zone.to_offset(ts)));
    let week = (local_now - MONDAY_ANCHOR_US).div_euclid(US_PER_WEEK as i64);
    // Where `now` lies against one run of shifts [from, to), if not after it.
    let place = |(from, to): (i64, i64)| {
        if now < from {
            Some((false, Some(from)))
        } else if now < to {
            Some((true, Some(to)))
        } else {
            None
        }
    };
    // Shifts of earlier local weeks end by this week's start, at or before
    // `now` (a local time maps to an instant no later than any instant that
    // reads as it), so the search starts at this week.
    let mut run: Option<(i64, i64)> = None;
    for w in week..week + WEEKS_AHEAD {
        let base = MONDAY_ANCHOR_US + w * US_PER_WEEK as i64;
        for &(from, to) in intervals {
            let s = local_to_instant(zone, base + from as i64);
            let e = local_to_instant(zone, base + to as i64);
            if e <= s {
                continue; // wholly in a spring-forward gap
            }
            match &mut run {
                Some((_, run_to)) if s <= *run_to => *run_to = (*run_to).max(e),
                _ => {
                    if let Some(found) = run.and_then(place) {
                        return found;
                    }
                    run = Some((s, e));
                }
            }
        }
    }
    run.and_then(place).unwrap_or((false, None))
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

    fn new_york() -> TimeZone {
        TimeZone::get("America/New_York").unwrap()
    }

    /// The on-shift spans [from, to) in sim µs over [0, horizon), walking
    /// `state_at` from boundary to boundary as the simulator does.
    fn spans(s: &ShiftSchedule, start: i64, horizon: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut t = SimTime::from_micros(0);
        let mut on_since = None;
        while t.as_micros() < horizon {
            let (on, next) = s.state_at(t, start);
            match (on, on_since) {
                (true, None) => on_since = Some(t.as_micros()),
                (false, Some(from)) => {
                    out.push((from, t.as_micros()));
                    on_since = None;
                }
                _ => {}
            }
            let Some(next) = next else { break };
            assert!(next > t, "the next boundary must be after {t:?}");
            t = next;
        }
        if let Some(from) = on_since {
            out.push((from, horizon));
        }
        out
    }

    const H: u64 = US_PER_H;
    // Mondays at 00:00 UTC.
    const JUL_6_2026: i64 = 1_783_296_000_000_000;
    const MAR_2_2026: i64 = 1_772_409_600_000_000;
    const OCT_26_2026: i64 = 1_792_972_800_000_000;

    #[test]
    fn new_york_nine_to_five_is_13_to_21_utc_in_july_and_14_to_22_in_january() {
        let s = ShiftSchedule::weekly_in_zone(&[(0, 9 * H, 17 * H)], new_york());
        // July, EDT (UTC−4).
        assert_eq!(spans(&s, JUL_6_2026, 24 * H), [(13 * H, 21 * H)]);
        // January, EST (UTC−5).
        assert_eq!(spans(&s, START, 24 * H), [(14 * H, 22 * H)]);
    }

    #[test]
    fn sunday_midnight_to_eight_lasts_7h_at_spring_forward_and_9h_at_fall_back() {
        // Sunday 00:00-08:00 New York. 8 March 2026: 00:00 EST = 05:00Z,
        // 08:00 EDT = 12:00Z. 1 November 2026: 00:00 EDT = 04:00Z, 08:00 EST
        // = 13:00Z. The weeks start on Monday 00:00 UTC, so Sunday is day 6.
        let s = ShiftSchedule::weekly_in_zone(&[(6, 0, 8 * H)], new_york());
        let sunday = 6 * US_PER_DAY;
        assert_eq!(
            spans(&s, MAR_2_2026, US_PER_WEEK),
            [(sunday + 5 * H, sunday + 12 * H)]
        );
        assert_eq!(
            spans(&s, OCT_26_2026, US_PER_WEEK),
            [(sunday + 4 * H, sunday + 13 * H)]
        );
    }

    #[test]
    fn a_shift_starting_in_the_spring_forward_gap_starts_when_it_ends() {
        let sunday = 6 * US_PER_DAY;
        // 02:30 does not exist on 8 March 2026: the shift starts at 03:00
        // EDT = 07:00Z and ends at 10:00 EDT = 14:00Z.
        let s = ShiftSchedule::weekly_in_zone(&[(6, 2 * H + H / 2, 10 * H)], new_york());
        assert_eq!(
            spans(&s, MAR_2_2026, US_PER_WEEK),
            [(sunday + 7 * H, sunday + 14 * H)]
        );
        // 02:10-02:50 lies wholly in the gap: no shift that Sunday; the next
        // is on 15 March at 02:10 EDT = 06:10Z.
        let s = ShiftSchedule::weekly_in_zone(&[(6, 2 * H + H / 6, 2 * H + 5 * H / 6)], new_york());
        assert_eq!(spans(&s, MAR_2_2026, US_PER_WEEK), []);
        assert_eq!(
            s.state_at(SimTime::from_micros(0), MAR_2_2026),
            (
                false,
                Some(SimTime::from_micros(US_PER_WEEK + sunday + 6 * H + H / 6))
            )
        );
        // Two shifts on either side of the gap touch in UTC and join.
        let s = ShiftSchedule::weekly_in_zone(&[(6, 0, 2 * H), (6, 3 * H, 5 * H)], new_york());
        assert_eq!(
            spans(&s, MAR_2_2026, US_PER_WEEK),
            [(sunday + 5 * H, sunday + 9 * H)]
        );
    }

    #[test]
    fn a_time_in_the_fall_back_fold_is_its_earlier_occurrence() {
        // 01:30-03:00 on 1 November 2026: 01:30 EDT = 05:30Z, 03:00 EST =
        // 08:00Z, 2.5 hours.
        let sunday = 6 * US_PER_DAY;
        let s = ShiftSchedule::weekly_in_zone(&[(6, H + H / 2, 3 * H)], new_york());
        assert_eq!(
            spans(&s, OCT_26_2026, US_PER_WEEK),
            [(sunday + 5 * H + H / 2, sunday + 8 * H)]
        );
    }

    #[test]
    fn a_named_zone_shift_past_midnight_spans_the_transition() {
        // Saturday 22:00 to Sunday 06:00: 22:00 EST = Sunday 03:00Z, 06:00
        // EDT = 10:00Z, 7 hours.
        let s = ShiftSchedule::weekly_in_zone(&[(5, 22 * H, 6 * H)], new_york());
        let sunday = 6 * US_PER_DAY;
        assert_eq!(
            spans(&s, MAR_2_2026, US_PER_WEEK),
            [(sunday + 3 * H, sunday + 10 * H)]
        );
        // Sunday 22:00 to Monday 06:00 runs on across the local week's end
        // as one span: Monday 03:00Z to 11:00Z in January (Sunday 22:00 EST
        // is Monday 03:00 UTC).
        let s = ShiftSchedule::weekly_in_zone(&[(6, 22 * H, 6 * H)], new_york());
        assert_eq!(
            spans(&s, START, 2 * US_PER_WEEK),
            [(3 * H, 11 * H), (US_PER_WEEK + 3 * H, US_PER_WEEK + 11 * H)]
        );
    }

    #[test]
    fn daily_shifts_sum_to_the_hand_count_over_the_spring_forward_week() {
        // Daily 00:00-08:00 New York from Monday 2 March 2026 05:00Z
        // (00:00 EST) for 168 h: six days of 8 h, Sunday of 7 h, and Monday
        // 9 March 00:00-01:00 EDT (the last hour of the 168) = 56 h.
        let s = ShiftSchedule::weekly_in_zone(
            &(0..7).map(|d| (d, 0, 8 * H)).collect::<Vec<_>>(),
            new_york(),
        );
        let start = MAR_2_2026 + 5 * H as i64;
        let on: u64 = spans(&s, start, US_PER_WEEK)
            .iter()
            .map(|(a, b)| b - a)
            .sum();
        assert_eq!(on, 56 * H);
    }

    #[test]
    fn a_fixed_zone_and_utc_by_name_agree() {
        let days: Vec<_> = (0..5).map(|d| (d, 9 * H, 17 * H)).collect();
        let fixed = ShiftSchedule::weekly(&days, 0);
        let named = ShiftSchedule::weekly_in_zone(&days, TimeZone::get("UTC").unwrap());
        assert_eq!(
            spans(&fixed, MAR_2_2026, 3 * US_PER_WEEK),
            spans(&named, MAR_2_2026, 3 * US_PER_WEEK)
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
