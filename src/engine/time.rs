//! Simulated time: integer milliseconds since job creation.
//!
//! Integer ticks make comparisons such as "idle for more than 10 days" exact
//! (SPEC §1); floats appear only at the edges (reports, distribution draws).

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Milliseconds per unit, for readability at call sites.
pub const MS_PER_S: u64 = 1_000;
pub const MS_PER_MIN: u64 = 60 * MS_PER_S;
pub const MS_PER_H: u64 = 60 * MS_PER_MIN;
pub const MS_PER_DAY: u64 = 24 * MS_PER_H;
pub const MS_PER_WEEK: u64 = 7 * MS_PER_DAY;

/// An instant on the simulated clock [ms since job creation].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

/// A span of simulated time [ms].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }
    pub fn ms(self) -> u64 {
        self.0
    }
    /// Span from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);

    pub fn from_secs(s: u64) -> Self {
        SimDuration(s * MS_PER_S)
    }
    pub fn from_mins(m: u64) -> Self {
        SimDuration(m * MS_PER_MIN)
    }
    pub fn from_hours(h: u64) -> Self {
        SimDuration(h * MS_PER_H)
    }
    pub fn from_days(d: u64) -> Self {
        SimDuration(d * MS_PER_DAY)
    }
    /// Rounds a non-negative float number of milliseconds to the nearest tick.
    pub fn from_ms_f64(ms: f64) -> Self {
        if ms.is_finite() && ms > 0.0 {
            SimDuration(ms.round().min(u64::MAX as f64 / 2.0) as u64)
        } else {
            SimDuration(0)
        }
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / MS_PER_S as f64
    }
    pub fn ms(self) -> u64 {
        self.0
    }
    /// Compact text in scenario units: `1d 6h`, `90s` (as `1m 30s`), `250ms`.
    pub fn human(self) -> String {
        if self.0 == 0 {
            return "0s".into();
        }
        let mut rest = self.0;
        let mut parts = Vec::new();
        for (unit, ms) in [
            ("d", MS_PER_DAY),
            ("h", MS_PER_H),
            ("m", MS_PER_MIN),
            ("s", MS_PER_S),
            ("ms", 1),
        ] {
            if rest >= ms {
                parts.push(format!("{}{unit}", rest / ms));
                rest %= ms;
            }
        }
        parts.join(" ")
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

/// Writes `1d 06:00:00.000`-style text, for messages and debugging.
fn fmt_ms(ms: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let days = ms / MS_PER_DAY;
    let rem = ms % MS_PER_DAY;
    let (h, m, s, milli) = (
        rem / MS_PER_H,
        rem % MS_PER_H / MS_PER_MIN,
        rem % MS_PER_MIN / MS_PER_S,
        rem % MS_PER_S,
    );
    if days > 0 {
        write!(f, "{days}d ")?;
    }
    write!(f, "{h:02}:{m:02}:{s:02}.{milli:03}")
}

impl fmt::Debug for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t=")?;
        fmt_ms(self.0, f)
    }
}
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}
impl fmt::Debug for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_ms(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_days_and_clock() {
        let t = SimTime(0) + SimDuration::from_days(1) + SimDuration::from_hours(6);
        assert_eq!(t.to_string(), "1d 06:00:00.000");
    }

    #[test]
    fn human_durations_use_scenario_units() {
        assert_eq!(SimDuration::from_secs(1).human(), "1s");
        assert_eq!(SimDuration::from_hours(30).human(), "1d 6h");
        assert_eq!(SimDuration(250).human(), "250ms");
        assert_eq!(SimDuration::ZERO.human(), "0s");
    }

    #[test]
    fn subtraction_saturates() {
        assert_eq!(SimTime(5) - SimTime(9), SimDuration(0));
    }
}
