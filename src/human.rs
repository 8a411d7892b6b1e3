//! Numbers as people read them, for the tables commands print: durations
//! (`1h 23m`, `45 s`), money (`$1,234.50`), shares (`91.3%`) and counts
//! (`65,469`). One formatter for every printed table (`run`'s summary,
//! `sweep`, `plan`, `compare`); CSV and JSON keep raw numbers.
//!
//! What a metric measures comes from its unit in the metric catalog
//! ([`crate::model::catalog`], [`Quantity::of`]): seconds as durations,
//! dollars as money, fractions of 1 as shares.

use crate::model::catalog::{self, Unit};

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

#[cfg(test)]
mod tests {
    use super::*;

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
