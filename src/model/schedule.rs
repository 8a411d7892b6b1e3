//! Step schedules (S1): a headcount that follows a daily or weekly cycle.
//!
//! A schedule is a list of steps `(offset in the cycle, count)`: the count
//! in force from each step until the next, the last one running on past
//! the cycle's end into the first (so a schedule whose first step is not at
//! the cycle's start wraps around). Offsets are local wall-clock times in a
//! zone ([`ShiftZone`]: a fixed offset or a named zone following daylight
//! saving) counted from Monday 00:00 (a week) or from midnight (a day).
//!
//! The type knows nothing of who is counted: worker groups use it for
//! `workers[].count` (the workforce adds and drops people as it changes),
//! and consumers (A3) for `pipeline.consumers[].count`, their pollers
//! started and retired as it changes (`model/pipeline/scaling.rs`).

use super::workforce::{local_to_instant, offset_at, ShiftZone};
use crate::engine::time::{US_PER_DAY, US_PER_H, US_PER_MIN, US_PER_WEEK};
use crate::engine::{SimDuration, SimTime};

/// 1970-01-05 was a Monday: the anchor of the week grid [µs since epoch].
const MONDAY_ANCHOR_US: i64 = 4 * US_PER_DAY as i64;

/// Day names as schedules and by-interval labels write them.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// A count that steps through a daily or weekly cycle, in a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepSchedule {
    /// The cycle [µs]: a day or a week.
    cycle_us: u64,
    /// (offset in the cycle [µs], count), sorted by offset, offsets
    /// distinct and below the cycle; never empty.
    steps: Vec<(u64, u32)>,
    zone: ShiftZone,
    /// The calendar instant of sim time 0 [µs since the Unix epoch].
    start_epoch_us: i64,
}

impl StepSchedule {
    /// A schedule of `steps` (offset in the cycle \[µs\], count) over a cycle
    /// of `cycle_us` (a day or a week), in `zone`, for a calendar whose sim
    /// time 0 is `start_epoch_us`. Errors (in words for the user) when the
    /// cycle is neither a day nor a week, or the steps are empty, unsorted,
    /// repeated or past the cycle's end.
    pub fn new(
        cycle_us: u64,
        steps: Vec<(u64, u32)>,
        zone: ShiftZone,
        start_epoch_us: i64,
    ) -> Result<Self, String> {
        if cycle_us != US_PER_DAY && cycle_us != US_PER_WEEK {
            return Err("the cycle must be `1d` or `1w`".into());
        }
        if steps.is_empty() {
            return Err("a schedule needs at least one step".into());
        }
        for (i, w) in steps.windows(2).enumerate() {
            if w[1].0 == w[0].0 {
                return Err(format!(
                    "steps {} and {} both start at {}; keep one",
                    i,
                    i + 1,
                    format_offset(w[0].0, cycle_us)
                ));
            }
            if w[1].0 < w[0].0 {
                return Err(format!(
                    "step {} ({}) comes before step {} ({}); list the steps in the order of the {}",
                    i + 1,
                    format_offset(w[1].0, cycle_us),
                    i,
                    format_offset(w[0].0, cycle_us),
                    if cycle_us == US_PER_WEEK {
                        "week"
                    } else {
                        "day"
                    }
                ));
            }
        }
        if let Some(&(at, _)) = steps.iter().find(|s| s.0 >= cycle_us) {
            return Err(format!("a step at {} µs lies past the cycle's end", at));
        }
        Ok(StepSchedule {
            cycle_us,
            steps,
            zone,
            start_epoch_us,
        })
    }

    /// A schedule that never changes (`count` all the time).
    pub fn constant(count: u32, zone: ShiftZone, start_epoch_us: i64) -> Self {
        StepSchedule {
            cycle_us: US_PER_DAY,
            steps: vec![(0, count)],
            zone,
            start_epoch_us,
        }
    }

    /// The cycle \[µs\].
    pub fn cycle_us(&self) -> u64 {
        self.cycle_us
    }

    /// The steps (offset in the cycle \[µs\], count), sorted.
    pub fn steps(&self) -> &[(u64, u32)] {
        &self.steps
    }

    /// The zone of the offsets.
    pub fn zone(&self) -> &ShiftZone {
        &self.zone
    }

    /// The largest count it reaches.
    pub fn max_count(&self) -> u32 {
        self.steps.iter().map(|s| s.1).max().unwrap_or(0)
    }

    /// The time average of the count over the cycle (daylight saving
    /// ignored).
    pub fn mean_count(&self) -> f64 {
        let area: f64 = (0..self.steps.len())
            .map(|i| self.step_len_us(i) as f64 * self.steps[i].1 as f64)
            .sum();
        area / self.cycle_us as f64
    }

    /// The time average over the cycle of the count capped at `cap`
    /// (a FIFO queue's groups: more pollers than groups find no batch, P4).
    pub fn mean_count_capped(&self, cap: u32) -> f64 {
        let area: f64 = (0..self.steps.len())
            .map(|i| self.step_len_us(i) as f64 * self.steps[i].1.min(cap) as f64)
            .sum();
        area / self.cycle_us as f64
    }

    /// Length of step `i` in the local cycle [µs] (the last one wraps).
    fn step_len_us(&self, i: usize) -> u64 {
        let from = self.steps[i].0;
        match self.steps.get(i + 1) {
            Some(next) => next.0 - from,
            None => self.cycle_us - from + self.steps[0].0,
        }
    }

    /// The count of the step holding local cycle position `pos` \[µs\].
    pub fn count_at_offset(&self, pos: u64) -> u32 {
        let i = self.steps.partition_point(|s| s.0 <= pos);
        // Before the first step: the last one, wrapping from the previous
        // cycle.
        let i = if i == 0 { self.steps.len() } else { i };
        self.steps[i - 1].1
    }

    /// The count in force at sim time `t`.
    pub fn count_at(&self, t: SimTime) -> u32 {
        let now = self.start_epoch_us + t.as_micros() as i64;
        let local = now + offset_at(&self.zone, now);
        let pos = (local - MONDAY_ANCHOR_US).rem_euclid(self.cycle_us as i64) as u64;
        self.count_at_offset(pos)
    }

    /// The first instant after `t` at which the count changes; None when it
    /// never does. In a named zone each step is a local time converted to
    /// an instant as shift boundaries are (`workforce`: the earlier
    /// occurrence in a fall-back fold, the end of a spring-forward gap).
    pub fn next_change_after(&self, t: SimTime) -> Option<SimTime> {
        let n = self.steps.len();
        // Offsets where the count differs from the step before (cyclically).
        let changes: Vec<u64> = (0..n)
            .filter(|&i| self.steps[i].1 != self.steps[(i + n - 1) % n].1)
            .map(|i| self.steps[i].0)
            .collect();
        if changes.is_empty() {
            return None;
        }
        let now = self.start_epoch_us + t.as_micros() as i64;
        let local = now + offset_at(&self.zone, now);
        let cycle = self.cycle_us as i64;
        // One cycle back covers a zone offset moving the local time.
        let first = (local - MONDAY_ANCHOR_US).div_euclid(cycle) - 1;
        for c in first..first + 4 {
            let base = MONDAY_ANCHOR_US + c * cycle;
            for &off in &changes {
                let at = match &self.zone {
                    ShiftZone::Fixed { offset_us } => base + off as i64 - offset_us,
                    ShiftZone::Named(z) => local_to_instant(z, base + off as i64),
                };
                if at > now {
                    return Some(t + SimDuration::from_micros((at - now) as u64));
                }
            }
        }
        None
    }
}

/// A cycle offset as schedules write it: `mon 08:00` in a week, `08:00` in
/// a day (seconds only when there are some).
///
/// The one formatter of this style; [`crate::human`] (the formatting
/// module) re-exports it as `human::cycle_offset`. It stays here because
/// `model` uses it (step validation messages, the by-interval cycle's
/// labels) and `model` depends on `engine` only, while `human` reads
/// `model`'s catalog.
pub fn format_offset(offset_us: u64, cycle_us: u64) -> String {
    let in_day = offset_us % US_PER_DAY;
    let (h, m) = (in_day / US_PER_H, in_day % US_PER_H / US_PER_MIN);
    let s = in_day % US_PER_MIN / 1_000_000;
    let time = if s > 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}")
    };
    if cycle_us > US_PER_DAY {
        let day = (offset_us / US_PER_DAY) as usize % 7;
        format!("{} {time}", DAY_NAMES[day])
    } else {
        time
    }
}

/// Reads a step's `from`: `mon 08:00` (a week's cycle) or `08:00` (a
/// day's), into its offset in the cycle \[µs\]; `time_of_day` reads the
/// `HH:MM` part.
pub fn parse_offset(
    text: &str,
    cycle_us: u64,
    time_of_day: impl Fn(&str) -> Result<u64, String>,
) -> Result<u64, String> {
    let t = text.trim();
    let (day, time) = match t.split_once(char::is_whitespace) {
        Some((d, rest)) => (Some(d.trim()), rest.trim()),
        None => (None, t),
    };
    let weekly = cycle_us == US_PER_WEEK;
    let tod = time_of_day(time)?;
    if tod >= US_PER_DAY {
        return Err(format!("`{t}`: a step starts before 24:00"));
    }
    match (day, weekly) {
        (Some(d), true) => {
            let lower = d.to_ascii_lowercase();
            let i = DAY_NAMES
                .iter()
                .position(|n| lower.len() >= 3 && n.starts_with(&lower[..3]) && lower.starts_with(n))
                .ok_or_else(|| {
                    format!(
                        "`{d}` is not a day; write mon, tue, wed, thu, fri, sat or sun, e.g. `mon 08:00`"
                    )
                })?;
            Ok(i as u64 * US_PER_DAY + tod)
        }
        (None, true) => Err(format!(
            "`{t}` has no day; with `cycle: 1w` write the day too, e.g. `mon {time}`"
        )),
        (Some(_), false) => Err(format!(
            "`{t}` names a day but the cycle is `1d`; write `{time}`, or set `cycle: 1w`"
        )),
        (None, false) => Ok(tod),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    const H: u64 = US_PER_H;
    // 2026-01-05T00:00:00Z, a Monday.
    const START: i64 = 1_767_571_200_000_000;
    const UTC: ShiftZone = ShiftZone::Fixed { offset_us: 0 };

    fn at(h: u64) -> SimTime {
        SimTime::from_micros(h * H)
    }

    #[test]
    fn a_daily_schedule_steps_and_wraps() {
        // 2 from 00:00, 1 from 08:00, 2 from 16:00.
        let s = StepSchedule::new(
            US_PER_DAY,
            vec![(0, 2), (8 * H, 1), (16 * H, 2)],
            UTC,
            START,
        )
        .unwrap();
        assert_eq!(s.count_at(at(0)), 2);
        assert_eq!(s.count_at(at(8)), 1);
        assert_eq!(s.count_at(at(15)), 1);
        assert_eq!(s.count_at(at(16)), 2);
        assert_eq!(s.count_at(at(24 + 9)), 1);
        assert_eq!(s.next_change_after(at(0)), Some(at(8)));
        assert_eq!(s.next_change_after(at(8)), Some(at(16)));
        // 16:00 → 00:00 keeps 2: the next change is 08:00 tomorrow.
        assert_eq!(s.next_change_after(at(16)), Some(at(32)));
        assert_eq!(s.max_count(), 2);
        assert!((s.mean_count() - 5.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_first_step_after_midnight_wraps_from_the_last() {
        let s = StepSchedule::new(US_PER_DAY, vec![(8 * H, 12), (16 * H, 7)], UTC, START).unwrap();
        assert_eq!(s.count_at(at(3)), 7);
        assert_eq!(s.count_at(at(9)), 12);
        assert_eq!(s.next_change_after(at(3)), Some(at(8)));
    }

    #[test]
    fn a_weekly_schedule_in_a_fixed_offset() {
        // Monday 08:00 at UTC−5 is 13:00 UTC.
        let zone = ShiftZone::Fixed {
            offset_us: -5 * H as i64,
        };
        let s =
            StepSchedule::new(US_PER_WEEK, vec![(8 * H, 12), (16 * H, 7)], zone, START).unwrap();
        assert_eq!(s.count_at(at(12)), 7);
        assert_eq!(s.count_at(at(13)), 12);
        assert_eq!(s.next_change_after(at(0)), Some(at(13)));
        assert_eq!(s.next_change_after(at(13)), Some(at(21)));
        // Then Monday next week.
        assert_eq!(s.next_change_after(at(21)), Some(at(13 + 168)));
    }

    #[test]
    fn a_named_zone_follows_daylight_saving() {
        // Daily 09:00 New York: 14:00Z in January, 13:00Z in July.
        let ny = ShiftZone::Named(TimeZone::get("America/New_York").unwrap());
        let s = StepSchedule::new(US_PER_DAY, vec![(0, 1), (9 * H, 3)], ny.clone(), START).unwrap();
        assert_eq!(s.next_change_after(at(0)), Some(at(5)));
        assert_eq!(s.next_change_after(at(5)), Some(at(14)));
        const JUL_6_2026: i64 = 1_783_296_000_000_000;
        let s = StepSchedule::new(US_PER_DAY, vec![(0, 1), (9 * H, 3)], ny, JUL_6_2026).unwrap();
        assert_eq!(s.next_change_after(at(4)), Some(at(13)));
        assert_eq!(s.count_at(at(13)), 3);
        assert_eq!(s.count_at(at(12)), 1);
    }

    #[test]
    fn bad_steps_are_refused_in_words() {
        let e =
            StepSchedule::new(US_PER_DAY, vec![(8 * H, 1), (8 * H, 2)], UTC, START).unwrap_err();
        assert!(e.contains("both start at 08:00"), "{e}");
        let e =
            StepSchedule::new(US_PER_DAY, vec![(9 * H, 1), (8 * H, 2)], UTC, START).unwrap_err();
        assert!(e.contains("comes before"), "{e}");
        assert!(StepSchedule::new(2 * US_PER_DAY, vec![(0, 1)], UTC, START).is_err());
        assert!(StepSchedule::new(US_PER_DAY, vec![], UTC, START).is_err());
    }

    #[test]
    fn offsets_read_and_write_both_forms() {
        let tod = |s: &str| -> Result<u64, String> {
            let (h, m) = s.split_once(':').ok_or("no colon")?;
            Ok(h.parse::<u64>().map_err(|e| e.to_string())? * H
                + m.parse::<u64>().map_err(|e| e.to_string())? * US_PER_MIN)
        };
        assert_eq!(parse_offset("mon 08:00", US_PER_WEEK, tod), Ok(8 * H));
        assert_eq!(
            parse_offset("Wed 16:30", US_PER_WEEK, tod),
            Ok(2 * US_PER_DAY + 16 * H + 30 * US_PER_MIN)
        );
        assert_eq!(parse_offset("08:00", US_PER_DAY, tod), Ok(8 * H));
        assert!(parse_offset("08:00", US_PER_WEEK, tod)
            .unwrap_err()
            .contains("no day"));
        assert!(parse_offset("mon 08:00", US_PER_DAY, tod)
            .unwrap_err()
            .contains("cycle is `1d`"));
        assert!(parse_offset("mun 08:00", US_PER_WEEK, tod)
            .unwrap_err()
            .contains("not a day"));
        assert_eq!(
            format_offset(2 * US_PER_DAY + 16 * H, US_PER_WEEK),
            "wed 16:00"
        );
        assert_eq!(format_offset(9 * H, US_PER_DAY), "09:00");
    }
}
