//! Human units in scenario files (SPEC §1): durations `90s`, `15m`, `4h`,
//! `14d`, `1d 6h`; rates `N/s`, `N/m`, `N/h`, `N/d`; times of day `09:00`;
//! ISO 8601 instants; time-zone offsets `+02:00`.

use crate::engine::time::{US_PER_DAY, US_PER_H, US_PER_MIN, US_PER_MS, US_PER_S};
use crate::engine::SimDuration;
use crate::scenario::input::excerpt;

/// The longest duration (and latest time) a scenario may give: 100 years.
/// The µs clock would hold 5,800 times more; nothing a labeling job does
/// takes a century, so a longer value is a mistake, refused rather than
/// carried into the simulation.
pub const MAX_DURATION: SimDuration = SimDuration::from_days(36_525);

/// The fastest rate a scenario may give [per µs]: one per tick of the clock
/// (1,000,000/s); faster arrivals could not be told apart in time.
pub const MAX_RATE_PER_US: f64 = 1.0;

/// Parses a duration with units (humantime syntax: `90s`, `15m`, `4h`,
/// `14d`, `1d 6h`, `250ms`). A bare number is refused: units are required.
/// So is anything longer than [`MAX_DURATION`] (100 years), and a part
/// below a microsecond (`1500ns`, `0.4us`), the clock's tick: cut, it would
/// change the value silently.
///
/// ```
/// use labelsim::scenario::units::parse_duration;
/// assert_eq!(parse_duration("1d 6h").unwrap().as_secs_f64(), 30.0 * 3600.0);
/// assert!(parse_duration("90").unwrap_err().contains("no unit"));
/// assert!(parse_duration("36526d").unwrap_err().contains("100 years"));
/// ```
pub fn parse_duration(s: &str) -> Result<SimDuration, String> {
    let t = s.trim();
    let q = excerpt(t);
    if t.is_empty() {
        return Err("empty duration; write e.g. `90s`, `15m`, `4h` or `14d`".into());
    }
    if let Ok(x) = t.parse::<f64>() {
        if !x.is_finite() {
            return Err(format!(
                "must be a finite number, got `{q}`; write a duration such as `90s`"
            ));
        }
        return Err(format!(
            "`{q}` has no unit; write e.g. `{q}s`, `{q}m`, `{q}h` or `{q}d`"
        ));
    }
    if t.starts_with('-') {
        return Err(format!("`{q}` is negative; durations must be non-negative"));
    }
    // Issue 18: `1e308s` is a number with an exponent, not the unit `e`.
    if let Some(number) = t
        .strip_suffix(|c: char| c.is_ascii_alphabetic())
        .and_then(|n| {
            let n = n.trim_end_matches(|c: char| c.is_ascii_alphabetic()).trim();
            n.parse::<f64>().ok().filter(|_| n.contains(['e', 'E']))
        })
    {
        return Err(if number.abs() > MAX_DURATION.as_secs_f64() {
            too_long(&q)
        } else {
            format!("`{q}`: a duration takes no exponent (`e`); write the number out, e.g. `90s`, `15m`, `1d 6h`")
        });
    }
    // humantime also reads months (`M`) and years (`y`), whose length is
    // ambiguous: `initializing: 5M` would be five months. Only these units.
    // (Only where there is a number: `forever` is simply not a duration.)
    let has_number = t.contains(|c: char| c.is_ascii_digit());
    for unit in t
        .split(|c: char| c.is_ascii_digit() || c == '.' || c.is_whitespace())
        .filter(|u| has_number && !u.is_empty())
    {
        if !DURATION_UNITS.contains(&unit) {
            return Err(format!(
                "`{q}`: unknown unit `{}`; durations take {} (no months or years: their length is ambiguous)",
                excerpt(unit),
                DURATION_UNITS_TEXT
            ));
        }
    }
    let d = humantime::parse_duration(t).map_err(|e| {
        format!(
            "`{q}` is not a duration ({}); write e.g. `90s`, `15m`, `4h`, `1d 6h`",
            excerpt(&e.to_string())
        )
    })?;
    match u64::try_from(d.as_micros()) {
        Ok(us) if us <= MAX_DURATION.as_micros() && d.subsec_nanos() % 1000 != 0 => Err(format!(
            "`{q}` has a part below a microsecond, the clock's tick (it would be cut to {us}us); write whole microseconds"
        )),
        Ok(us) if us <= MAX_DURATION.as_micros() => Ok(SimDuration::from_micros(us)),
        _ => Err(too_long(&q)),
    }
}

/// Units a duration may use (humantime's, less months and years).
const DURATION_UNITS: &[&str] = &[
    "ns", "nsec", "us", "usec", "ms", "msec", "s", "sec", "secs", "second", "seconds", "m", "min",
    "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "d", "day", "days", "w",
    "week", "weeks",
];
const DURATION_UNITS_TEXT: &str =
    "ms, s (sec, second), m (min, minute), h (hr, hour), d (day), w (week), and their plurals";

/// The message for a duration or time past [`MAX_DURATION`].
pub(crate) fn too_long(what: &str) -> String {
    format!("`{what}` is longer than 100 years (36525d), the longest time labelsim accepts")
}

/// Parses a rate `N/unit` into messages per µs (the clock's tick); at most
/// one per µs ([`MAX_RATE_PER_US`]).
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let q = excerpt(t);
    let hint = "write e.g. `90/h`, `2/m`, `0.5/s` or `1000/d`; units: ms, s (sec, second), m (min, minute), h (hr, hour), d (day), w (week), and their plurals";
    let (num, unit) = t
        .split_once('/')
        .ok_or_else(|| format!("`{q}` is not a rate; {hint}"))?;
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("`{q}`: `{}` is not a number; {hint}", excerpt(num.trim())))?;
    if !n.is_finite() {
        return Err(format!("must be a finite number, got `{q}`; {hint}"));
    }
    if n < 0.0 {
        return Err(format!("`{q}` must be a non-negative rate"));
    }
    let ticks = match unit.trim() {
        "ms" | "msec" => US_PER_MS as f64,
        "s" | "sec" | "secs" | "second" | "seconds" => US_PER_S as f64,
        "m" | "min" | "mins" | "minute" | "minutes" => US_PER_MIN as f64,
        "h" | "hr" | "hrs" | "hour" | "hours" => US_PER_H as f64,
        "d" | "day" | "days" => US_PER_DAY as f64,
        "w" | "week" | "weeks" => 7.0 * US_PER_DAY as f64,
        other => {
            return Err(format!(
                "`{q}`: unknown rate unit `{}`; {hint}",
                excerpt(other)
            ))
        }
    };
    let per_us = n / ticks;
    if per_us > MAX_RATE_PER_US {
        return Err(format!(
            "`{q}` is faster than one per microsecond, the clock's tick: at most 1000000/s"
        ));
    }
    Ok(per_us)
}

/// Parses `HH:MM` (or `HH:MM:SS`) into µs since midnight; `24:00` allowed.
pub fn parse_time_of_day(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let parts: Vec<&str> = t.split(':').collect();
    let bad = || {
        format!(
            "`{}` is not a time of day; write e.g. `09:00` or `17:30`",
            excerpt(t)
        )
    };
    if parts.len() < 2 || parts.len() > 3 {
        return Err(bad());
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| p.parse::<u64>().map_err(|_| bad()))
        .collect::<Result<_, _>>()?;
    let (h, m, sec) = (nums[0], nums[1], nums.get(2).copied().unwrap_or(0));
    if m >= 60 || sec >= 60 || h > 24 || (h == 24 && (m > 0 || sec > 0)) {
        return Err(bad());
    }
    Ok(h * US_PER_H + m * US_PER_MIN + sec * US_PER_S)
}

/// Parses a time-zone offset (`+02:00`, `-05:30`, `UTC`, `Z`) into µs.
pub fn parse_tz_offset(s: &str) -> Result<i64, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("utc") || t == "Z" {
        return Ok(0);
    }
    let bad = || {
        format!(
            "`{}` is not a time-zone offset; write e.g. `+02:00`, `-05:30` or `UTC`",
            excerpt(t)
        )
    };
    let sign = match t.chars().next() {
        Some('+') => 1,
        Some('-') => -1,
        _ => return Err(bad()),
    };
    let body = &t[1..];
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h, m),
        None => (body, "0"),
    };
    let h: i64 = h.parse().map_err(|_| bad())?;
    let m: i64 = m.parse().map_err(|_| bad())?;
    if h > 14 || m >= 60 {
        return Err(bad());
    }
    Ok(sign * (h * US_PER_H as i64 + m * US_PER_MIN as i64))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in month `m` (1..=12) of year `y` (proleptic Gregorian).
fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Parses an ISO 8601 instant `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)` (a
/// missing offset means UTC) into µs since the Unix epoch. Years 1..=9999;
/// a date that does not exist (`02-31`) is refused, never moved; digits
/// below a microsecond are cut to the clock's tick.
pub fn parse_instant(s: &str) -> Result<i64, String> {
    let t = s.trim();
    let q = excerpt(t);
    let bad = || format!("`{q}` is not an ISO 8601 instant; write e.g. `2026-01-05T00:00:00Z`");
    let (date, rest) = t.split_once(['T', ' ']).unwrap_or((t, "00:00:00Z"));
    let dp: Vec<&str> = date.split('-').collect();
    if dp.len() != 3 {
        return Err(bad());
    }
    let y: i64 = dp[0].parse().map_err(|_| bad())?;
    let mo: u32 = dp[1].parse().map_err(|_| bad())?;
    let d: u32 = dp[2].parse().map_err(|_| bad())?;
    if !(1..=9999).contains(&y) {
        return Err(format!("`{q}`: the year must be from 1 to 9999"));
    }
    if !(1..=12).contains(&mo) || d < 1 {
        return Err(bad());
    }
    let month_days = days_in_month(y, mo);
    if d > month_days {
        return Err(format!(
            "`{q}`: {} {y} has {month_days} days",
            MONTHS[mo as usize - 1]
        ));
    }
    let (clock, offset_us) = if let Some(c) = rest.strip_suffix('Z') {
        (c, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        (&rest[..i], parse_tz_offset(&rest[i..])?)
    } else {
        (rest, 0)
    };
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let tod = parse_time_of_day(hms)?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let frac_us = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().chain("000000".chars()).take(6).collect();
        digits.parse::<i64>().map_err(|_| bad())?
    };
    // Years 1..=9999 are ±3·10^17 µs from 1970: no overflow below.
    Ok(days_from_civil(y, mo, d) * US_PER_DAY as i64 + tod as i64 + frac_us - offset_us)
}

/// Calendar date of a day count since 1970-01-01 (H. Hinnant's algorithm,
/// the inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// An instant [µs since the Unix epoch] as ISO 8601 in UTC, to the second
/// (`2026-01-05T00:00:00Z`), with `.ffffff` only when it has a fraction.
///
/// ```
/// use labelsim::scenario::units::format_instant;
/// assert_eq!(format_instant(1_767_571_200_000_000), "2026-01-05T00:00:00Z");
/// assert_eq!(format_instant(250_000), "1970-01-01T00:00:00.250000Z");
/// ```
pub fn format_instant(epoch_us: i64) -> String {
    let day = epoch_us.div_euclid(US_PER_DAY as i64);
    let in_day = epoch_us.rem_euclid(US_PER_DAY as i64) as u64;
    let (y, m, d) = civil_from_days(day);
    let (h, min, s, us) = (
        in_day / US_PER_H,
        in_day % US_PER_H / US_PER_MIN,
        in_day % US_PER_MIN / US_PER_S,
        in_day % US_PER_S,
    );
    let frac = if us == 0 {
        String::new()
    } else {
        format!(".{us:06}")
    };
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}{frac}Z")
}

/// Parses a Unix epoch time, a decimal number of `unit_us`-long units since
/// 1970-01-01T00:00:00Z (`1767571200`, `1767571200.5` for seconds with
/// `unit_us` = 1,000,000; `1767571200500` for milliseconds with 1,000), into
/// µs since the epoch. Read digit by digit, never through a float: every
/// microsecond is exact. Digits below a microsecond are cut to the tick;
/// years past 9999 are refused.
///
/// ```
/// use labelsim::scenario::units::parse_epoch;
/// assert_eq!(parse_epoch("1767571200", 1_000_000).unwrap(), 1_767_571_200_000_000);
/// assert_eq!(parse_epoch("1767571200123.5", 1_000).unwrap(), 1_767_571_200_123_500);
/// assert!(parse_epoch("2026-01-05", 1_000_000).is_err());
/// ```
pub fn parse_epoch(s: &str, unit_us: u64) -> Result<i64, String> {
    let t = s.trim();
    let q = excerpt(t);
    let unit = if unit_us == 1_000 {
        "milliseconds"
    } else {
        "seconds"
    };
    let bad = || {
        format!("`{q}` is not a Unix epoch time (a number of {unit} since 1970-01-01T00:00:00Z)")
    };
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // The latest instant accepted: 9999-12-31T23:59:59.999999Z.
    const LATEST_US: i128 = 253_402_300_799_999_999;
    let too_late = || format!("`{q}` is after the year 9999");
    let whole: i128 = if whole.is_empty() {
        0
    } else if whole.trim_start_matches('0').len() > 20 {
        return Err(too_late());
    } else {
        whole.parse().map_err(|_| bad())?
    };
    // Fraction digits down to the microsecond (unit_us is a power of ten).
    let places = unit_us.ilog10() as usize;
    let frac_digits: String = frac.chars().chain("000000".chars()).take(places).collect();
    let frac_us: i128 = if places == 0 {
        0
    } else {
        frac_digits.parse().map_err(|_| bad())?
    };
    let us = whole * unit_us as i128 + frac_us;
    if us > LATEST_US {
        return Err(too_late());
    }
    if neg {
        return Err(format!("`{q}` is before 1970-01-01T00:00:00Z"));
    }
    Ok(us as i64)
}

/// Parses a day set: `mon-fri`, `sat,sun`, `mon`, `daily` / `all`. Returns
/// weekday indices, 0 = Monday.
pub fn parse_days(s: &str) -> Result<Vec<u8>, String> {
    const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let day = |d: &str| -> Result<u8, String> {
        let d = d.trim().to_ascii_lowercase();
        NAMES
            .iter()
            .position(|n| d.starts_with(n))
            .map(|i| i as u8)
            .ok_or_else(|| {
                format!(
                    "`{}` is not a day; use mon, tue, wed, thu, fri, sat, sun",
                    excerpt(&d)
                )
            })
    };
    let t = s.trim().to_ascii_lowercase();
    if t == "daily" || t == "all" || t == "every day" {
        return Ok((0..7).collect());
    }
    let mut out = Vec::new();
    for part in t.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (day(a)?, day(b)?);
                let mut i = a;
                loop {
                    out.push(i);
                    if i == b {
                        break;
                    }
                    i = (i + 1) % 7;
                }
            }
            None => out.push(day(part)?),
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_month_or_year_units_and_rates_take_the_duration_words() {
        // `5M` is five months to humantime; `initializing: 5M` would lose
        // every message of a month-long run.
        for bad in ["5M", "1y", "2months", "1 year", "3 fortnights"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.contains("no months or years"), "{bad}: {e}");
        }
        assert_eq!(parse_duration("2w").unwrap(), SimDuration::from_days(14));
        assert_eq!(
            parse_duration("1hr 30mins").unwrap(),
            SimDuration::from_mins(90)
        );
        let per_h = parse_rate("90/h").unwrap();
        for same in [
            "90/hr",
            "90/hour",
            "90/hours",
            "1.5/min",
            "2160/day",
            "15120/week",
        ] {
            assert!((parse_rate(same).unwrap() - per_h).abs() < 1e-15, "{same}");
        }
        let e = parse_rate("3/month").unwrap_err();
        assert!(e.contains("units: ms, s"), "{e}");
    }

    #[test]
    fn durations_need_units() {
        assert_eq!(parse_duration("90s").unwrap(), SimDuration::from_secs(90));
        assert_eq!(parse_duration("15m").unwrap(), SimDuration::from_mins(15));
        assert_eq!(parse_duration("14d").unwrap(), SimDuration::from_days(14));
        assert_eq!(
            parse_duration("1d 6h").unwrap(),
            SimDuration::from_hours(30)
        );
        assert_eq!(parse_duration("0s").unwrap(), SimDuration::ZERO);
        assert!(parse_duration("90").unwrap_err().contains("no unit"));
        assert!(parse_duration("-5m").is_err());
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_duration("36525d").unwrap(), MAX_DURATION);
        assert!(parse_duration("36525d 1us")
            .unwrap_err()
            .contains("100 years"));
        assert!(parse_duration("NaN").unwrap_err().contains("finite"));
    }

    #[test]
    fn rates_in_every_unit() {
        assert_eq!(parse_rate("90/h").unwrap(), 90.0 / 3_600_000_000.0);
        assert_eq!(parse_rate("2/s").unwrap(), 0.000_002);
        assert_eq!(parse_rate("1440/d").unwrap(), parse_rate("1/m").unwrap());
        assert!(parse_rate("90").is_err());
        assert!(parse_rate("-1/h").is_err());
        assert!(parse_rate("3/fortnight").is_err());
        assert!(parse_rate("1000000/s").is_ok());
        assert!(parse_rate("1000001/s").is_err());
        assert!(parse_rate("inf/h").unwrap_err().contains("finite"));
    }

    #[test]
    fn instants_and_offsets() {
        // 2026-01-05T00:00:00Z
        assert_eq!(
            parse_instant("2026-01-05T00:00:00Z").unwrap(),
            1_767_571_200_000_000
        );
        assert_eq!(
            parse_instant("2026-01-05T02:00:00+02:00").unwrap(),
            1_767_571_200_000_000
        );
        assert_eq!(parse_instant("1970-01-01T00:00:00.250Z").unwrap(), 250_000);
        assert!(parse_instant("2026-13-01T00:00:00Z").is_err());
        assert!(parse_instant("2024-02-29T00:00:00Z").is_ok());
        assert!(parse_instant("2023-02-29T00:00:00Z")
            .unwrap_err()
            .contains("February 2023 has 28 days"));
        assert!(parse_instant("99999999999-01-01T00:00:00Z")
            .unwrap_err()
            .contains("year"));
        assert!(parse_instant("2026-01-05T00:00:00.12x4Z").is_err());
        assert_eq!(
            parse_instant("9999-12-31T23:59:59.999999Z").unwrap(),
            253_402_300_799_999_999
        );
        assert_eq!(
            parse_tz_offset("-05:30").unwrap(),
            -(5 * 60 + 30) * 60_000_000
        );
    }

    #[test]
    fn epoch_times_are_exact_and_instants_print_back() {
        // 2026-01-05T00:00:00Z, a Monday.
        let monday = 1_767_571_200_000_000;
        assert_eq!(parse_epoch("1767571200", US_PER_S).unwrap(), monday);
        assert_eq!(
            parse_epoch("1767571200.000001", US_PER_S).unwrap(),
            monday + 1
        );
        assert_eq!(parse_epoch("1767571200000", US_PER_MS).unwrap(), monday);
        assert_eq!(
            parse_epoch("1767571200000.25", US_PER_MS).unwrap(),
            monday + 250
        );
        assert_eq!(parse_epoch(" 0 ", US_PER_S).unwrap(), 0);
        assert!(parse_epoch("-1", US_PER_S)
            .unwrap_err()
            .contains("before 1970"));
        assert!(parse_epoch("1e9", US_PER_S).is_err());
        assert!(parse_epoch("", US_PER_S).is_err());
        assert!(parse_epoch("253402300800", US_PER_S)
            .unwrap_err()
            .contains("9999"));
        assert!(parse_epoch(&"9".repeat(40), US_PER_S)
            .unwrap_err()
            .contains("9999"));
        assert_eq!(format_instant(monday), "2026-01-05T00:00:00Z");
        assert_eq!(
            format_instant(monday + 90_061_000_001),
            "2026-01-06T01:01:01.000001Z"
        );
        assert_eq!(format_instant(-(US_PER_DAY as i64)), "1969-12-31T00:00:00Z");
        for s in [
            "2024-02-29T23:59:59Z",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
        ] {
            assert_eq!(format_instant(parse_instant(s).unwrap()), s);
        }
    }

    #[test]
    fn day_sets() {
        assert_eq!(parse_days("mon-fri").unwrap(), vec![0, 1, 2, 3, 4]);
        assert_eq!(parse_days("sat,sun").unwrap(), vec![5, 6]);
        assert_eq!(parse_days("fri-mon").unwrap(), vec![0, 4, 5, 6]);
        assert!(parse_days("someday").is_err());
        assert_eq!(parse_time_of_day("24:00").unwrap(), 86_400_000_000);
        assert!(parse_time_of_day("25:00").is_err());
    }
}
