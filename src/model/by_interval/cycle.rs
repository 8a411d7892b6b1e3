//! The demand cycle of `output.by_interval` and where an instant falls in
//! it: plain data and arithmetic, imported by the configuration
//! ([`crate::model::config`]) without the accounts that read the whole
//! configuration (issue 19: no import cycle).

use crate::engine::time::{US_PER_DAY, US_PER_S, US_PER_WEEK};
use crate::engine::{SimDuration, SimTime};
use crate::model::schedule::format_offset;
use crate::model::workforce::{local_to_instant, offset_at, ShiftZone};

/// 1970-01-05 was a Monday: the anchor of the week grid [µs since epoch].
const MONDAY_ANCHOR_US: i64 = 4 * US_PER_DAY as i64;

/// The demand cycle and its intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cycle {
    /// The cycle \[s\]: 86400 (a day) or 604800 (a week).
    pub length_s: f64,
    /// One interval \[s\]; divides the cycle.
    pub interval_s: f64,
}

impl Cycle {
    /// A day or week cut into intervals of `interval`; errors in words when
    /// the cycle is neither or the interval does not divide it.
    pub fn new(length: SimDuration, interval: SimDuration) -> Result<Cycle, String> {
        let (len, step) = (length.as_micros(), interval.as_micros());
        if len != US_PER_DAY && len != US_PER_WEEK {
            return Err("the cycle must be `1d` or `1w`".into());
        }
        if step == 0 || len % step != 0 {
            return Err(format!(
                "{} does not divide the cycle ({}) into whole intervals; use e.g. `15m`, `30m`, `1h` or `4h`",
                interval.human(),
                length.human()
            ));
        }
        Ok(Cycle {
            length_s: len as f64 / US_PER_S as f64,
            interval_s: step as f64 / US_PER_S as f64,
        })
    }

    pub(super) fn length_us(&self) -> u64 {
        (self.length_s * US_PER_S as f64).round() as u64
    }

    pub(super) fn interval_us(&self) -> u64 {
        (self.interval_s * US_PER_S as f64).round() as u64
    }

    /// Intervals in one cycle.
    pub fn intervals(&self) -> usize {
        (self.length_us() / self.interval_us().max(1)) as usize
    }

    /// Whether the cycle is a week (labels carry the day).
    pub fn weekly(&self) -> bool {
        self.length_us() == US_PER_WEEK
    }

    /// Interval `i`'s label: `mon 09:00` in a week, `09:00` in a day.
    pub fn label(&self, i: usize) -> String {
        format_offset(i as u64 * self.interval_us(), self.length_us())
    }

    /// Interval `i`'s start [s since the cycle's start].
    pub fn start_s(&self, i: usize) -> f64 {
        i as f64 * self.interval_s
    }
}

/// `output.by_interval`: the cycle and the zone its local times are in.
#[derive(Clone, Debug, PartialEq)]
pub struct ByIntervalConfig {
    pub cycle: Cycle,
    /// The zone of the intervals' wall-clock times (the first worker
    /// group's unless `output.by_interval.tz` says otherwise).
    pub zone: ShiftZone,
}

impl ByIntervalConfig {
    /// The local position of instant `now` [µs since epoch] in the cycle.
    fn local(&self, now: i64) -> (i64, u64) {
        let local = now + offset_at(&self.zone, now);
        let pos = (local - MONDAY_ANCHOR_US).rem_euclid(self.cycle.length_us() as i64) as u64;
        (local, pos)
    }

    /// The interval (0-based) of the cycle holding sim time `t`.
    pub fn interval_of(&self, t: SimTime, start_epoch_us: i64) -> usize {
        let (_, pos) = self.local(start_epoch_us + t.as_micros() as i64);
        ((pos / self.cycle.interval_us()) as usize).min(self.cycle.intervals() - 1)
    }

    /// The first interval boundary after sim time `t`.
    pub fn next_boundary(&self, t: SimTime, start_epoch_us: i64) -> SimTime {
        let now = start_epoch_us + t.as_micros() as i64;
        let (local, pos) = self.local(now);
        let step = self.cycle.interval_us();
        let next_local = local - (pos % step) as i64 + step as i64;
        let at = match &self.zone {
            ShiftZone::Fixed { offset_us } => next_local - offset_us,
            ShiftZone::Named(z) => local_to_instant(z, next_local),
        };
        // A fold can map the next local boundary to a time already past.
        let at = if at > now { at } else { now + step as i64 };
        t + SimDuration::from_micros((at - now) as u64)
    }
}
