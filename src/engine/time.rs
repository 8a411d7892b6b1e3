//! Simulated time: integer microseconds since job creation.
//!
//! Integer ticks make comparisons such as "idle for more than 10 days" exact
//! (SPEC §1); floats appear only at the edges (reports, distribution draws).
//! A microsecond resolves sub-millisecond request latencies and rates of
//! millions of messages per hour; a `u64` of them spans 584,000 years.
//! Both types are opaque: build them from a unit (`from_secs`, `from_micros`)
//! and read them back the same way, so no call site depends on the tick.

use std::fmt;
use std::ops::{Add, AddAssign, Mul, Sub};

/// Ticks \[µs\] per unit.
pub const US_PER_MS: u64 = 1_000;
pub const US_PER_S: u64 = 1_000 * US_PER_MS;
pub const US_PER_MIN: u64 = 60 * US_PER_S;
pub const US_PER_H: u64 = 60 * US_PER_MIN;
pub const US_PER_DAY: u64 = 24 * US_PER_H;
pub const US_PER_WEEK: u64 = 7 * US_PER_DAY;

/// An instant on the simulated clock [µs since job creation].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(u64);

/// A span of simulated time \[µs\].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimDuration(u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    pub const fn from_micros(us: u64) -> Self {
        SimTime(us)
    }
    /// The instant `d` after job creation.
    pub const fn after(d: SimDuration) -> Self {
        SimTime(d.0)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / US_PER_S as f64
    }
    /// Time since job creation.
    pub const fn elapsed(self) -> SimDuration {
        SimDuration(self.0)
    }
    /// Span from `earlier` to `self`, zero if `earlier` is later.
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    pub const ZERO: SimDuration = SimDuration(0);
    pub const MAX: SimDuration = SimDuration(u64::MAX);

    pub const fn from_micros(us: u64) -> Self {
        SimDuration(us)
    }
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms.saturating_mul(US_PER_MS))
    }
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(US_PER_S))
    }
    pub const fn from_mins(m: u64) -> Self {
        SimDuration(m.saturating_mul(US_PER_MIN))
    }
    pub const fn from_hours(h: u64) -> Self {
        SimDuration(h.saturating_mul(US_PER_H))
    }
    pub const fn from_days(d: u64) -> Self {
        SimDuration(d.saturating_mul(US_PER_DAY))
    }
    /// Rounds a non-negative float number of microseconds to the nearest
    /// tick (halves away from zero); NaN and negatives give zero, huge
    /// values saturate.
    #[inline]
    pub fn from_micros_f64(us: f64) -> Self {
        // 2^52: every double from here on is a whole number.
        const WHOLE: f64 = 4_503_599_627_370_496.0;
        if us > 0.0 && us < WHOLE {
            // `f64::round` without its library call (baseline x86-64 has
            // no rounding instruction), to the same result: below 2^52
            // the fraction `us - trunc(us)` is exact (Sterbenz). Through
            // i64, which holds every such value: baseline x86-64 converts
            // between f64 and i64 in one instruction each, and between f64
            // and u64 only by a branchy sequence.
            let t = us as i64;
            SimDuration(t as u64 + (us - t as f64 >= 0.5) as u64)
        } else if us.is_finite() && us > 0.0 {
            SimDuration(us.min(u64::MAX as f64 / 2.0) as u64)
        } else if us == f64::INFINITY {
            SimDuration(u64::MAX / 2)
        } else {
            SimDuration(0)
        }
    }
    pub fn from_secs_f64(s: f64) -> Self {
        Self::from_micros_f64(s * US_PER_S as f64)
    }
    pub const fn as_micros(self) -> u64 {
        self.0
    }
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / US_PER_S as f64
    }
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / US_PER_H as f64
    }
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    /// Compact text in scenario units: `1d 6h`, `90s` (as `1m 30s`), `250ms`.
    /// Sub-millisecond remainders print as `us`, never silently dropped.
    pub fn human(self) -> String {
        if self.0 == 0 {
            return "0s".into();
        }
        let mut rest = self.0;
        let mut parts = Vec::new();
        for (unit, us) in [
            ("d", US_PER_DAY),
            ("h", US_PER_H),
            ("m", US_PER_MIN),
            ("s", US_PER_S),
            ("ms", US_PER_MS),
            ("us", 1),
        ] {
            if rest >= us {
                parts.push(format!("{}{unit}", rest / us));
                rest %= us;
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

impl Sub for SimDuration {
    type Output = SimDuration;
    /// Saturating: never below zero.
    fn sub(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_sub(d.0))
    }
}

impl Mul<u64> for SimDuration {
    type Output = SimDuration;
    fn mul(self, k: u64) -> SimDuration {
        SimDuration(self.0.saturating_mul(k))
    }
}

/// Writes `1d 06:00:00.000`-style text (with `.000123` when a time has
/// sub-millisecond ticks), for messages and debugging.
fn fmt_us(us: u64, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let days = us / US_PER_DAY;
    let rem = us % US_PER_DAY;
    let (h, m, s, frac) = (
        rem / US_PER_H,
        rem % US_PER_H / US_PER_MIN,
        rem % US_PER_MIN / US_PER_S,
        rem % US_PER_S,
    );
    if days > 0 {
        write!(f, "{days}d ")?;
    }
    if frac % US_PER_MS == 0 {
        write!(f, "{h:02}:{m:02}:{s:02}.{:03}", frac / US_PER_MS)
    } else {
        write!(f, "{h:02}:{m:02}:{s:02}.{frac:06}")
    }
}

impl fmt::Debug for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t=")?;
        fmt_us(self.0, f)
    }
}
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_us(self.0, f)
    }
}
impl fmt::Debug for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_us(self.0, f)
    }
}
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_us(self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: what `from_micros_f64` computed with `f64::round`.
    fn by_round(us: f64) -> u64 {
        if us.is_finite() && us > 0.0 {
            us.round().min(u64::MAX as f64 / 2.0) as u64
        } else if us == f64::INFINITY {
            u64::MAX / 2
        } else {
            0
        }
    }

    #[test]
    fn from_micros_f64_rounds_as_f64_round_does() {
        let whole = 4_503_599_627_370_496.0_f64;
        let mut xs = vec![
            0.0,
            -0.0,
            -1.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            1e6 + 0.5,
            whole - 0.5,
            whole - 1.0,
            whole,
            whole + 2.0,
            9.223_372_036_854_775e18,
            1e19,
            1e300,
        ];
        // Every half and its two neighbours over many magnitudes.
        let mut h = 0.5_f64;
        while h < 1e16 {
            for x in [
                h,
                h.next_down(),
                h.next_up(),
                h + 0.5,
                (h + 0.5).next_down(),
            ] {
                xs.push(x);
            }
            h = h * 3.7 + 0.5;
        }
        // A fixed pseudo-random sweep.
        let mut z = 1_u64;
        for _ in 0..100_000 {
            z = crate::engine::rng::splitmix64(z);
            let mag = (z % 60) as i32 - 10;
            xs.push((z >> 11) as f64 / (1u64 << 53) as f64 * 2f64.powi(mag));
        }
        for x in xs {
            assert_eq!(SimDuration::from_micros_f64(x).0, by_round(x), "{x:e}");
        }
    }

    #[test]
    fn display_shows_days_and_clock() {
        let t = SimTime::ZERO + SimDuration::from_days(1) + SimDuration::from_hours(6);
        assert_eq!(t.to_string(), "1d 06:00:00.000");
        assert_eq!(SimTime::from_micros(1_500).to_string(), "00:00:00.001500");
    }

    #[test]
    fn human_durations_use_scenario_units() {
        assert_eq!(SimDuration::from_secs(1).human(), "1s");
        assert_eq!(SimDuration::from_hours(30).human(), "1d 6h");
        assert_eq!(SimDuration::from_millis(250).human(), "250ms");
        assert_eq!(SimDuration::from_micros(250).human(), "250us");
        assert_eq!(SimDuration::ZERO.human(), "0s");
    }

    #[test]
    fn subtraction_saturates() {
        assert_eq!(
            SimTime::from_micros(5) - SimTime::from_micros(9),
            SimDuration::ZERO
        );
    }

    #[test]
    fn the_tick_is_a_microsecond() {
        assert_eq!(SimDuration::from_secs(1).as_micros(), 1_000_000);
        assert_eq!(SimDuration::from_secs_f64(0.0000015).as_micros(), 2);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
    }
}
