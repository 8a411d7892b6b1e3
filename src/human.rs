//! Numbers as people read them: the one formatting module (issue 19).
//! One function per style; where two places print the same thing they
//! call the same function, and where styles differ on purpose the
//! function's name says which:
//!
//! - **Tables** (`run`'s summary, `sweep`, `plan`, `compare`, report.html):
//!   durations in their two largest units ([`duration`]: `1h 23m`,
//!   `45 s`), money ([`money`]: `$1,234.50`), shares ([`share`]:
//!   `91.30%`), plain numbers ([`number`]: `65,469`), each metric by its
//!   catalog unit ([`metric`], [`interval`]). CSV and JSON keep raw numbers.
//! - **Charts** (legends, titles, ticks): one decimal and a no-break space
//!   ([`chart_duration`]: `23.9 min`), three figures ([`chart_value`]:
//!   `65.5k`), round ticks ([`tick_duration`]: `6 h`), calendar ticks
//!   ([`calendar_tick`]), hours of a day's or week's cycle
//!   ([`cycle_tick`]: `mon`, `06:00`), shares ([`tick_percent`]: `95%`),
//!   window lengths ([`window`]), grouped counts ([`count`]).
//! - **`fit`'s summary**: one unit with two decimals
//!   ([`duration_one_unit`]: `4.90 min`, `350.000 ms`), ΔAIC ([`delta`]).
//! - **Scenario syntax** (what `fit` and `staff` write into YAML):
//!   [`yaml_duration`] (`4m 54s 120ms`), [`sig4`] (`0.6123`), a time in a
//!   day's or week's cycle ([`cycle_offset`]: `mon 08:00`, also the
//!   intervals of staffing tables), a zone ([`zone`]: `UTC+05:00`).
//! - **CSV cells**: the raw number, empty for none ([`csv_number`]).
//! - **Messages** (errors and warnings): parameters ([`short_num`]: `1e308`),
//!   estimated sizes ([`bytes`]: `3.4 MiB`), file sizes and limits
//!   ([`file_size`]: `4 MiB`, `12 bytes`), loads ([`load`]: `0.950`),
//!   estimated counts ([`rough_count`]: `65k`) and times
//!   ([`estimated_time`]: `about 17 min`).
//!
//! What a metric measures comes from its unit in the metric catalog
//! ([`crate::model::catalog`], [`Quantity::of`]): seconds as durations,
//! dollars as money, fractions of 1 as shares.

use crate::engine::time::SimDuration;
use crate::model::catalog::{self, Unit};
use crate::model::guard::StopReason;
use crate::model::schedule::DAY_NAMES;
use crate::model::workforce::ShiftZone;

/// The kind of quantity a metric is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// [`Unit::Seconds`].
    Duration,
    /// [`Unit::Usd`].
    Money,
    /// [`Unit::Fraction`], as a percentage.
    Share,
    /// Anything else: counts, levels, rates, hours.
    Plain,
}

impl Quantity {
    /// What a metric measures, from its catalog unit (a family's for
    /// `labeled_within_24h`); plain for a metric the catalog does not have.
    pub fn of(metric: &str) -> Quantity {
        catalog::unit(metric).map_or(Quantity::Plain, Quantity::of_unit)
    }

    /// How a metric of this unit is printed.
    pub fn of_unit(unit: Unit) -> Quantity {
        match unit {
            Unit::Seconds => Quantity::Duration,
            Unit::Usd => Quantity::Money,
            Unit::Fraction => Quantity::Share,
            Unit::Count | Unit::Number | Unit::PerHour | Unit::Hours | Unit::Text => {
                Quantity::Plain
            }
        }
    }

    /// `x` in this quantity's units; `-` for no value (NaN).
    pub fn format(self, x: f64) -> String {
        match self {
            Quantity::Duration => duration(x),
            Quantity::Money => money(x),
            Quantity::Share => share(x),
            Quantity::Plain => number(x),
        }
    }
}

/// A confidence interval's bound `x` kept within what `metric` can be:
/// counts, levels, times, money and rates are never negative, shares stay
/// in [0, 1]. The interval of a mean is symmetric, so near a bound it can
/// stick out (a p95 of `[-1h 59m, 22h 13m]`); the true mean cannot, and the
/// cut interval covers it as often. Differences (compare) are not cut.
pub fn within_range(metric: &str, x: f64) -> f64 {
    match catalog::unit(metric) {
        Some(Unit::Fraction) => x.clamp(0.0, 1.0),
        Some(
            Unit::Count | Unit::Number | Unit::Seconds | Unit::Usd | Unit::PerHour | Unit::Hours,
        ) => x.max(0.0),
        _ => x,
    }
}

/// `metric`'s value `x` in its units.
pub fn metric(metric: &str, x: f64) -> String {
    Quantity::of(metric).format(x)
}

/// `metric`'s 95% interval as the printed tables show it: `[lo, hi]` in
/// its units, each bound kept [`within_range`] of the metric.
pub fn interval(metric: &str, lo: f64, hi: f64) -> String {
    let q = Quantity::of(metric);
    format!(
        "[{}, {}]",
        q.format(within_range(metric, lo)),
        q.format(within_range(metric, hi))
    )
}

/// Which way a metric is better, for the headlines that name a best
/// policy or point: times, costs and losses lower, labels and accuracy
/// higher; None where it depends on what one wants (utilization, levels,
/// counts of traffic).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// See [`Better`]; read from the catalog's unit and the metric's name.
pub fn better(metric: &str) -> Option<Better> {
    // A family's own name is after the dot (`classifier.accuracy_machine`).
    let name = metric.rsplit('.').next().unwrap_or(metric);
    const HIGHER: [&str; 8] = [
        "objects_labeled",
        "tasks_submitted",
        "labeled_per_hour",
        "indexed_documents",
        "machine_labeled",
        "human_labeled",
        "accuracy",
        "labeled_within_",
    ];
    const LOWER: [&str; 19] = [
        "expired",
        "lost",
        "failed",
        "failures",
        "dead_letter",
        "duplicates_delivered",
        "duplicate_cost_paid",
        "stranded",
        "withdrawn",
        "timed_out",
        "declined",
        "redeliver",
        "held_at_end",
        "queued_at_end",
        "backlog",
        "overwrites",
        "order_violations",
        "throttled",
        "pool_wait_positive_fraction",
    ];
    match catalog::unit(metric) {
        Some(Unit::Seconds | Unit::Usd) => Some(Better::Lower),
        Some(Unit::Text) | None if metric != "lost_to_stop" => None,
        _ if LOWER.iter().any(|w| name.contains(w)) => Some(Better::Lower),
        _ if HIGHER.iter().any(|w| name.starts_with(w)) => Some(Better::Higher),
        _ => None,
    }
}

/// Seconds in the two largest units: `2.50 s` (below 10 s), `45 s`,
/// `8m 36s`, `1h 23m`, `5d 6h`; negative with a leading `-`.
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".into();
    }
    if secs < 0.0 {
        return format!("-{}", duration(-secs));
    }
    if secs < 9.995 {
        return format!("{secs:.2} s");
    }
    if secs < 59.5 {
        return format!("{secs:.0} s");
    }
    let two = |big: u64, small: u64, s: f64, units: (&str, &str)| {
        let n = (s / small as f64).round() as u64;
        let per = big / small;
        format!("{}{} {}{}", n / per, units.0, n % per, units.1)
    };
    if secs < 3_600.0 - 0.5 {
        two(60, 1, secs, ("m", "s"))
    } else if secs < 86_400.0 - 30.0 {
        two(3_600, 60, secs, ("h", "m"))
    } else {
        two(86_400, 3_600, secs, ("d", "h"))
    }
}

/// Dollars: cents at $1 and above (with thousands separators), four
/// decimals below, three significant digits below a cent (`$0.0000233`
/// per indexed document, not `$0.0000`).
pub fn money(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x == 0.0 {
        return "$0.00".into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    if x.abs() < 0.01 {
        let decimals = (2.0 - x.abs().log10().floor()) as usize;
        return format!("{sign}${:.*}", decimals, x.abs());
    }
    if x.abs() < 1.0 {
        return format!("{sign}${:.4}", x.abs());
    }
    let cents = format!("{:.2}", x.abs());
    let (whole, frac) = cents.split_once('.').expect("two decimals");
    format!("{sign}${}.{frac}", group(whole))
}

/// A share of 1 as a percentage with two decimals: `91.30%`.
pub fn share(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    format!("{:.2}%", x * 100.0)
}

/// A plain number with thousands separators: whole numbers as `65,469`,
/// others with 1 decimal from 100 up (`65,490.7`) and 3 below, 4
/// significant digits in scientific notation from a million up.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    if x.abs() >= 1e6 {
        format!("{:.3e}", x)
    } else if (x - x.round()).abs() < 1e-9 {
        let s = format!("{}", x.round() as i64);
        let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
        format!("{sign}{}", group(digits))
    } else if x.abs() >= 100.0 {
        let s = format!("{:.1}", x.abs());
        let (whole, frac) = s.split_once('.').expect("one decimal");
        let sign = if x < 0.0 { "-" } else { "" };
        format!("{sign}{}.{frac}", group(whole))
    } else {
        format!("{:.3}", x)
    }
}

/// `1234567` → `1,234,567` (the digits of a whole number).
pub fn group(digits: &str) -> String {
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `1500` → `1,500`: a count as legends and the tables print it.
pub fn count(n: u64) -> String {
    group(&n.to_string())
}

// ---- Charts -------------------------------------------------------------

/// A duration as charts print it in legends and titles: `45.0 s`,
/// `23.9 min`, `2.27 h`, `1.50 d` (with a no-break space, so a wrapped
/// legend keeps the number and its unit together).
pub fn chart_duration(s: f64) -> String {
    let a = s.abs();
    if a >= DAY {
        format!("{:.2}\u{a0}d", s / DAY)
    } else if a >= HOUR {
        format!("{:.2}\u{a0}h", s / HOUR)
    } else if a >= MINUTE {
        format!("{:.1}\u{a0}min", s / MINUTE)
    } else {
        format!("{:.1}\u{a0}s", s)
    }
}

/// A value as charts print it: three significant figures, `k`/`M` for
/// large values: `0.908`, `12.3`, `1377`, `65.5k`, `1.23M`.
pub fn chart_value(v: f64) -> String {
    let a = v.abs();
    if !v.is_finite() {
        "-".into()
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else if a >= 100.0 || v == v.round() {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A round duration as a tick label: `30 s`, `10 min`, `6 h`, `7 d`.
pub fn tick_duration(s: f64) -> String {
    let (v, unit) = if s >= DAY {
        (s / DAY, "d")
    } else if s >= HOUR {
        (s / HOUR, "h")
    } else if s >= MINUTE {
        (s / MINUTE, "min")
    } else {
        (s, "s")
    };
    format!("{} {unit}", trim_decimals(v))
}

/// `2`, `2.5`, `0.25`: up to three decimals, no trailing zeros (tick
/// labels).
pub fn trim_decimals(v: f64) -> String {
    let s = format!("{:.3}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// A calendar tick, UTC: `Mon 5 Jan`, or with `time` the weekday and time
/// of day, `Mon 06:00`.
pub fn calendar_tick(epoch_s: i64, time: bool) -> String {
    let Ok(ts) = jiff::Timestamp::from_second(epoch_s) else {
        return String::new();
    };
    let z = ts.to_zoned_datetime(jiff::tz::TimeZone::UTC);
    if time {
        z.strftime("%a %H:%M").to_string()
    } else {
        format!("{} {} {}", z.strftime("%a"), z.day(), z.strftime("%b"))
    }
}

/// An hour `x` of a day's or week's cycle as a tick label: the day's name
/// at a week's midnights (`mon`), else the time of day (`06:00`).
pub fn cycle_tick(week: bool, x: f64) -> String {
    let h = x.round() as i64;
    if week && h % 24 == 0 {
        DAY_NAMES[(h / 24).rem_euclid(7) as usize].to_string()
    } else {
        format!("{:02}:00", h.rem_euclid(24))
    }
}

/// A share of 1 as a tick label, in percent with `decimals` decimals:
/// `95%`, `99.5%`.
pub fn tick_percent(x: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, x * 100.0)
}

/// A window length as a chart title states it: `12 h`, `1.5 d`.
pub fn window(s: f64) -> String {
    let (v, unit) = if s >= 2.0 * DAY {
        (s / DAY, "d")
    } else {
        (s / HOUR, "h")
    };
    let t = format!("{v:.1}");
    format!("{} {unit}", t.trim_end_matches(".0"))
}

// ---- fit's summary --------------------------------------------------------

/// A duration in one unit with two decimals, as `fit` prints its
/// summary: `45.00 s`, `4.90 min`, `2.27 h`, `1.50 d`, `350.000 ms`.
pub fn duration_one_unit(s: f64) -> String {
    let a = s.abs();
    if a >= DAY {
        format!("{:.2} d", s / DAY)
    } else if a >= HOUR {
        format!("{:.2} h", s / HOUR)
    } else if a >= MINUTE {
        format!("{:.2} min", s / MINUTE)
    } else if a >= 1.0 {
        format!("{:.2} s", s)
    } else {
        format!("{:.3} ms", s * 1e3)
    }
}

/// A non-negative difference (ΔAIC) for people: `0`, `3.2`, `1,234`.
pub fn delta(d: f64) -> String {
    if d < 1e-9 {
        "0".into()
    } else if d < 100.0 {
        format!("{d:.1}")
    } else {
        number(d.round())
    }
}

// ---- Scenario syntax ------------------------------------------------------

/// A duration as scenario YAML reads it (units required, no decimals):
/// `4m 54s 120ms`, `2h 5m`, `350us`. Rounded to the millisecond, or to the
/// microsecond below one second; never zero (a service time must be
/// positive), at least `1us`.
pub fn yaml_duration(seconds: f64) -> String {
    // `as` saturates a huge value (it then reads as over 100 years).
    let us = (seconds * 1e6).round().max(1.0) as u64;
    let us = if us >= 1_000_000 {
        us.saturating_add(500) / 1000 * 1000
    } else {
        us
    };
    SimDuration::from_micros(us).human()
}

/// Four significant figures, without trailing zeros: `0.612`, `1.5`, `1234`.
pub fn sig4(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A time `offset_us` into a cycle of `cycle_us` as schedules write it:
/// `mon 08:00` in a week, `08:00` in a day, seconds only when there are
/// some (`08:00:30`); `staff` labels its intervals so too.
///
/// It is [`crate::model::schedule::format_offset`]: `model` reads and
/// checks schedules and labels results by interval with it, and `model`
/// depends on `engine` only, so the one implementation lives there.
pub use crate::model::schedule::format_offset as cycle_offset;

/// A zone as a chart names the local time of its axis: `UTC`,
/// `UTC+05:00`, or the IANA name (`local time` for a zone that has none).
pub fn zone(zone: &ShiftZone) -> String {
    match zone {
        ShiftZone::Fixed { offset_us: 0 } => "UTC".into(),
        ShiftZone::Fixed { offset_us } => {
            let m = offset_us.unsigned_abs() / 60_000_000;
            let sign = if *offset_us < 0 { '-' } else { '+' };
            format!("UTC{sign}{:02}:{:02}", m / 60, m % 60)
        }
        ShiftZone::Named(tz) => tz.iana_name().unwrap_or("local time").to_string(),
    }
}

// ---- CSV cells ------------------------------------------------------------

/// A number as a CSV cell holds it: the shortest text that reads back as
/// the same `f64` (`inf` for an unbounded wait), empty for none.
pub fn csv_number(x: Option<f64>) -> String {
    x.map_or_else(String::new, |v| v.to_string())
}

// ---- Messages -------------------------------------------------------------

/// An estimated count for messages: `1234`, `65k`, `3.1e9`, `∞`.
pub fn rough_count(x: f64) -> String {
    if !x.is_finite() {
        return "∞".into();
    }
    if x < 10_000.0 {
        format!("{x:.0}")
    } else if x < 1e6 {
        format!("{:.0}k", x / 1e3)
    } else {
        format!("{x:.1e}")
    }
}

/// An estimated time in words, rounded as an estimate deserves: `under a
/// minute`, `about 17 min`, `about 3.0 h`, `about 90 days`, `forever`.
pub fn estimated_time(seconds: f64) -> String {
    if !seconds.is_finite() {
        "forever".into()
    } else if seconds < 60.0 {
        "under a minute".into()
    } else if seconds < 99.5 * 60.0 {
        format!("about {:.0} min", seconds / 60.0)
    } else if seconds < 48.0 * 3600.0 {
        format!("about {:.1} h", seconds / 3600.0)
    } else {
        format!("about {:.0} days", seconds / 86400.0)
    }
}

/// A parameter for a message: four significant figures, or `1e308`.
pub fn short_num(x: f64) -> String {
    if x != 0.0 && !(1e-4..1e6).contains(&x.abs()) {
        format!("{x:.3e}").replace(".000e", "e")
    } else {
        sig4(x)
    }
}

/// An estimated size: `512 B`, `3.4 MiB`, `12 GiB` (`∞ B` for no bound).
pub fn bytes(x: f64) -> String {
    if !x.is_finite() {
        return "∞ B".into();
    }
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = x.max(0.0);
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v >= 100.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A file's size or a limit, exact where it is round: `4 MiB`, `1 GiB`,
/// `1.5 KiB`, `512 bytes`.
pub fn file_size(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size {
            return if n.is_multiple_of(size) {
                format!("{} {unit}", n / size)
            } else {
                format!("{:.1} {unit}", n as f64 / size as f64)
            };
        }
    }
    format!("{n} bytes")
}

/// A load ρ as `plan` prints it: three decimals, or `inf`.
pub fn load(rho: f64) -> String {
    if rho.is_finite() {
        format!("{rho:.3}")
    } else {
        "inf".into()
    }
}

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;

/// A run guard's reason to stop, in words.
impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::MaxEvents { limit } => {
                write!(f, "the limit of {limit} events was reached")
            }
            StopReason::Memory {
                rss_bytes,
                limit_bytes,
            } => write!(
                f,
                "memory use {} passed the limit of {}",
                bytes(*rss_bytes as f64),
                bytes(*limit_bytes as f64)
            ),
            StopReason::Requested(why) => f.write_str(why),
            StopReason::Stalled { events } => write!(
                f,
                "simulated time stopped moving ({} events at one instant): some work loops without taking any time, e.g. messages that come back at once to a consumer whose requests and processing take 0 ms; give those durations some time",
                number(*events as f64)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_are_rounded_and_sizes_binary() {
        assert_eq!(rough_count(0.0), "0");
        assert_eq!(rough_count(9_999.0), "9999");
        assert_eq!(rough_count(65_432.0), "65k");
        assert_eq!(rough_count(3.1e9), "3.1e9");
        assert_eq!(rough_count(f64::INFINITY), "∞");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(12.0 * (1u64 << 30) as f64), "12.0 GiB");
        assert_eq!(bytes(300.0 * (1u64 << 20) as f64), "300 MiB");
        assert_eq!(estimated_time(f64::INFINITY), "forever");
        assert_eq!(estimated_time(2.0 * 86_400.0), "about 2 days");
    }

    /// One style for a time in a cycle: schedules' `from`, staffing's
    /// intervals (issue 19: `staff` had its own), and the chart's ticks.
    #[test]
    fn cycle_times_name_the_weekday_in_a_week() {
        const H: u64 = 3_600_000_000;
        const DAY: u64 = 24 * H;
        assert_eq!(cycle_offset(0, 7 * DAY), "mon 00:00");
        assert_eq!(cycle_offset(6 * DAY + 23 * H + H / 2, 7 * DAY), "sun 23:30");
        assert_eq!(cycle_offset(9 * H, DAY), "09:00");
        assert_eq!(cycle_tick(true, 48.0), "wed");
        assert_eq!(cycle_tick(true, 54.0), "06:00");
        assert_eq!(cycle_tick(false, 30.0), "06:00");
        assert_eq!(cycle_tick(false, 24.0), "00:00");
        assert_eq!(tick_percent(0.95, 0), "95%");
        assert_eq!(tick_percent(0.995, 1), "99.5%");
        let at = |offset_us| zone(&ShiftZone::Fixed { offset_us });
        assert_eq!(at(0), "UTC");
        assert_eq!(at(5 * 3_600_000_000 + 1_800_000_000), "UTC+05:30");
        assert_eq!(at(-4 * 3_600_000_000), "UTC-04:00");
    }

    #[test]
    fn csv_cells_are_raw_numbers() {
        assert_eq!(csv_number(None), "");
        assert_eq!(csv_number(Some(f64::INFINITY)), "inf");
        assert_eq!(csv_number(Some(0.1 + 0.2)), "0.30000000000000004");
        assert_eq!(csv_number(Some(3.0)), "3");
    }

    #[test]
    fn durations_use_the_two_largest_units() {
        assert_eq!(duration(2.5), "2.50 s");
        assert_eq!(duration(45.2), "45 s");
        assert_eq!(duration(516.0), "8m 36s");
        assert_eq!(duration(4_980.0), "1h 23m");
        assert_eq!(duration(3_599.8), "1h 0m");
        assert_eq!(duration(86_399.0), "1d 0h");
        assert_eq!(duration(453_600.0), "5d 6h");
        assert_eq!(duration(-90.0), "-1m 30s");
        assert_eq!(duration(f64::NAN), "-");
    }

    #[test]
    fn dollars_have_cents_and_separators() {
        assert_eq!(money(966.0), "$966.00");
        assert_eq!(money(1_234.5), "$1,234.50");
        assert_eq!(money(1_234_567.0), "$1,234,567.00");
        assert_eq!(money(0.08), "$0.0800");
        assert_eq!(money(0.0145), "$0.0145");
        assert_eq!(money(0.00134), "$0.00134");
        assert_eq!(money(0.0000233), "$0.0000233");
        assert_eq!(money(-0.0000012), "-$0.00000120");
        assert_eq!(money(-13.28), "-$13.28");
        assert_eq!(money(0.0), "$0.00");
        assert_eq!(money(f64::NAN), "-");
    }

    #[test]
    fn shares_are_percent_and_counts_are_grouped() {
        assert_eq!(share(0.913), "91.30%");
        assert_eq!(number(65_469.0), "65,469");
        assert_eq!(number(-1_234.0), "-1,234");
        assert_eq!(number(90.94), "90.940");
        // One separator style for whole and other numbers (issue 11).
        assert_eq!(number(65_490.7), "65,490.7");
        assert_eq!(number(-33_202.5), "-33,202.5");
        assert_eq!(number(243.3), "243.3");
        assert_eq!(number(3.1e9), "3.100e9");
    }

    #[test]
    fn quantities_follow_the_catalog_units() {
        assert_eq!(Quantity::of("time_to_label_p95_s"), Quantity::Duration);
        assert_eq!(Quantity::of("cost_usd"), Quantity::Money);
        assert_eq!(Quantity::of("cost_per_labeled_object"), Quantity::Money);
        assert_eq!(Quantity::of("worker_utilization"), Quantity::Share);
        assert_eq!(Quantity::of("accuracy_overall"), Quantity::Share);
        assert_eq!(Quantity::of("objects_labeled"), Quantity::Plain);
        assert_eq!(metric("cost_usd", 4_618.8), "$4,618.80");
        // Families have their entry's unit.
        assert_eq!(Quantity::of("labeled_within_24h"), Quantity::Share);
        assert_eq!(Quantity::of("workers.night.utilization"), Quantity::Share);
        assert_eq!(Quantity::of("classifier.utilization"), Quantity::Share);
        assert_eq!(
            Quantity::of("incoming.queue_wait_p95_s"),
            Quantity::Duration
        );
        assert_eq!(Quantity::of("lost_to_stop"), Quantity::Plain);
    }
}

#[cfg(test)]
mod better_tests {
    use super::{better, Better};

    #[test]
    fn times_costs_and_losses_are_better_lower_labels_higher() {
        assert_eq!(better("time_to_label_p95_s"), Some(Better::Lower));
        assert_eq!(better("searchable_latency_p95_s"), Some(Better::Lower));
        assert_eq!(better("cost_per_correct_label"), Some(Better::Lower));
        assert_eq!(better("expired_in_queue"), Some(Better::Lower));
        assert_eq!(better("lost_to_stop"), Some(Better::Lower));
        assert_eq!(better("incoming.dead_lettered"), Some(Better::Lower));
        assert_eq!(better("objects_labeled"), Some(Better::Higher));
        assert_eq!(better("accuracy_overall"), Some(Better::Higher));
        assert_eq!(better("labeled_within_24h"), Some(Better::Higher));
        // It depends on what one wants.
        assert_eq!(better("worker_utilization"), None);
        assert_eq!(better("messages_received"), None);
        assert_eq!(better("job_end_state"), None);
        assert_eq!(better("no_such_metric"), None);
    }
}

#[cfg(test)]
mod range_tests {
    use super::{interval, within_range};

    #[test]
    fn intervals_are_printed_in_units_within_range() {
        assert_eq!(
            interval("time_to_label_p95_s", -7140.0, 80001.6),
            "[0.00 s, 22h 13m]"
        );
        assert_eq!(
            interval("worker_utilization", 0.9, 1.02),
            "[90.00%, 100.00%]"
        );
        assert_eq!(interval("cost_usd", -3.0, 4_618.8), "[$0.00, $4,618.80]");
        assert_eq!(interval("no_such_metric", -1.0, 2.5), "[-1, 2.500]");
    }

    #[test]
    fn interval_bounds_stay_within_what_the_metric_can_be() {
        assert_eq!(within_range("time_to_label_p95_s", -7140.0), 0.0);
        assert_eq!(within_range("objects_labeled", -3.5), 0.0);
        assert_eq!(within_range("worker_utilization", 1.02), 1.0);
        assert_eq!(within_range("worker_utilization", -0.1), 0.0);
        assert_eq!(
            within_range("backlog_mean", -0.4),
            0.0,
            "a mean level is never negative"
        );
        assert_eq!(within_range("time_to_label_p95_s", 80001.6), 80001.6);
        // A metric the catalog does not know is left alone.
        assert_eq!(within_range("no_such_metric", -1.0), -1.0);
    }
}

#[cfg(test)]
mod style_tests {
    use super::*;

    #[test]
    fn durations_are_written_in_scenario_syntax() {
        assert_eq!(yaml_duration(294.12), "4m 54s 120ms");
        assert_eq!(yaml_duration(7200.0), "2h");
        assert_eq!(yaml_duration(0.00035), "350us");
        assert_eq!(yaml_duration(0.0), "1us");
        assert_eq!(yaml_duration(90061.0004), "1d 1h 1m 1s");
        assert_eq!(sig4(0.61234), "0.6123");
        assert_eq!(sig4(1.5), "1.5");
        assert_eq!(sig4(12345.6), "12346");
    }

    #[test]
    fn chart_durations_have_one_unit_and_a_no_break_space() {
        let plain = |s: f64| chart_duration(s).replace('\u{a0}', " ");
        assert_eq!(plain(45.0), "45.0 s");
        assert_eq!(plain(1434.0), "23.9 min");
        assert_eq!(plain(8172.0), "2.27 h");
        assert_eq!(plain(2.0 * DAY), "2.00 d");
        assert_eq!(tick_duration(600.0), "10 min");
        assert_eq!(tick_duration(5_400.0), "1.5 h");
        assert_eq!(trim_decimals(-0.0001), "0");
    }

    #[test]
    fn chart_values_print_with_three_figures() {
        assert_eq!(chart_value(0.9081), "0.908");
        assert_eq!(chart_value(65_469.0), "65.5k");
        assert_eq!(chart_value(1377.8), "1378");
        assert_eq!(chart_value(0.0), "0");
        assert_eq!(count(1_500), "1,500");
        assert_eq!(window(12.0 * HOUR), "12 h");
        assert_eq!(window(3.0 * DAY), "3 d");
    }

    #[test]
    fn calendar_ticks_name_the_weekday_and_date() {
        // 2026-01-05T00:00:00Z, a Monday.
        let monday = 1_767_571_200;
        assert_eq!(calendar_tick(monday, false), "Mon 5 Jan");
        assert_eq!(
            calendar_tick(monday + 86_400 + 6 * 3_600, true),
            "Tue 06:00"
        );
    }

    #[test]
    fn fit_prints_durations_in_one_unit() {
        assert_eq!(duration_one_unit(45.0), "45.00 s");
        assert_eq!(duration_one_unit(294.0), "4.90 min");
        assert_eq!(duration_one_unit(0.35), "350.000 ms");
        assert_eq!(delta(0.0), "0");
        assert_eq!(delta(3.21), "3.2");
        assert_eq!(delta(1_234.4), "1,234");
    }

    #[test]
    fn messages_print_sizes_and_parameters() {
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3.4 * 1024.0 * 1024.0), "3.4 MiB");
        assert_eq!(bytes(f64::INFINITY), "∞ B");
        assert_eq!(file_size(4 << 20), "4 MiB");
        assert_eq!(file_size(1536), "1.5 KiB");
        assert_eq!(file_size(12), "12 bytes");
        assert_eq!(short_num(1e308), "1e308");
        assert_eq!(short_num(0.61234), "0.6123");
        assert_eq!(load(0.95), "0.950");
        assert_eq!(load(f64::INFINITY), "inf");
    }
}
