//! Axes: one coordinate type for every chart, with ticks chosen here rather
//! than by plotters, so that times read in human units (`[h]`, `10 min`),
//! integer parameters get integer ticks, a log axis gets round durations,
//! and every tick of an axis is printed with the same number of decimals.
//!
//! Values stay in the data's own unit (seconds for times) and the axis maps
//! and labels them; a value outside the axis is drawn on its edge (plotters
//! does not clip), which the charts say in their legends when it happens.

use crate::human;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use std::ops::Range;

const MINUTE: f64 = 60.0;
const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;

/// A unit for times shown on an axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Seconds,
    Minutes,
    Hours,
    Days,
}

impl TimeUnit {
    /// Length of the unit \[s\].
    pub fn secs(self) -> f64 {
        match self {
            TimeUnit::Seconds => 1.0,
            TimeUnit::Minutes => MINUTE,
            TimeUnit::Hours => HOUR,
            TimeUnit::Days => DAY,
        }
    }

    /// The symbol the command-line summary uses too.
    pub fn symbol(self) -> &'static str {
        match self {
            TimeUnit::Seconds => "s",
            TimeUnit::Minutes => "min",
            TimeUnit::Hours => "h",
            TimeUnit::Days => "d",
        }
    }

    /// The unit that suits an axis reaching `max_s`: at least two of it
    /// fit, so ticks are whole or simple fractions.
    pub fn for_span(max_s: f64) -> Self {
        if max_s >= 2.0 * DAY {
            TimeUnit::Days
        } else if max_s >= 2.0 * HOUR {
            TimeUnit::Hours
        } else if max_s >= 2.0 * MINUTE {
            TimeUnit::Minutes
        } else {
            TimeUnit::Seconds
        }
    }

    /// Tick steps in this unit, each with the step of its light grid.
    fn steps(self) -> &'static [(f64, f64)] {
        match self {
            TimeUnit::Seconds => &[
                (1.0, 0.5),
                (2.0, 1.0),
                (5.0, 1.0),
                (10.0, 2.0),
                (15.0, 5.0),
                (30.0, 10.0),
            ],
            TimeUnit::Minutes => &[
                (1.0, 0.5),
                (2.0, 1.0),
                (5.0, 1.0),
                (10.0, 2.0),
                (15.0, 5.0),
                (30.0, 10.0),
                (60.0, 15.0),
            ],
            TimeUnit::Hours => &[
                (0.5, 0.25),
                (1.0, 0.25),
                (2.0, 1.0),
                (3.0, 1.0),
                (6.0, 1.0),
                (12.0, 3.0),
                (24.0, 6.0),
            ],
            // Weeks, because labeling work follows the week.
            TimeUnit::Days => &[
                (0.25, 0.125),
                (0.5, 0.25),
                (1.0, 0.25),
                (2.0, 1.0),
                (7.0, 1.0),
                (14.0, 7.0),
                (28.0, 7.0),
                (56.0, 7.0),
                (91.0, 7.0),
                (182.0, 28.0),
                (364.0, 28.0),
            ],
        }
    }
}

/// Whether a latency axis from `lo` to `hi` (> 0) should be logarithmic:
/// when it spans two decades or more, where a linear axis would squash
/// every value but the largest against 0.
pub fn log_scale_for(lo: f64, hi: f64) -> bool {
    lo > 0.0 && hi.is_finite() && hi / lo >= 100.0
}

/// Prints numbers with one precision for a whole axis, chosen from its tick
/// step: `0, 2.5k, 5.0k` or `0.90, 0.95, 1.00`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NumberFormat {
    /// Shown value = value / divisor (1, 1e3, 1e6).
    divisor: f64,
    suffix: &'static str,
    decimals: usize,
}

impl NumberFormat {
    /// The format for ticks `step` apart reaching `max_abs`.
    pub fn for_ticks(step: f64, max_abs: f64) -> Self {
        let (divisor, suffix) = if max_abs >= 1e7 {
            (1e6, "M")
        } else if max_abs >= 1e4 {
            (1e3, "k")
        } else {
            (1.0, "")
        };
        let shown = (step / divisor).abs();
        let mut decimals = 0;
        while decimals < 4 && shown > 0.0 {
            let scaled = shown * 10f64.powi(decimals as i32);
            if (scaled - scaled.round()).abs() < 1e-6 * scaled.max(1.0) {
                break;
            }
            decimals += 1;
        }
        NumberFormat {
            divisor,
            suffix,
            decimals,
        }
    }

    pub fn format(&self, v: f64) -> String {
        if v == 0.0 {
            return "0".into();
        }
        let s = format!("{:.*}", self.decimals, v / self.divisor);
        format!("{s}{}", self.suffix)
    }
}

/// How tick values are printed.
#[derive(Clone, Debug)]
enum Labels {
    /// value / scale as a number (times in a unit named in the axis text).
    Number { scale: f64, format: NumberFormat },
    /// Round durations with their unit (`10 min`); values in seconds.
    Duration,
    /// Each value on its own, `k`/`M` for thousands and millions (a log
    /// axis, whose ticks span decades): `200`, `1k`, `20k`.
    Compact,
    /// Names of integer positions (heatmap cells).
    Names(Vec<String>),
    /// Fractions of 1 as percentages (`90%`, `92.5%`), as the tables
    /// print shares.
    Percent { format: NumberFormat },
    /// Seconds since `start_epoch_s` as calendar days (`Mon 5 Jan`) or,
    /// with `time`, weekday and time of day (`Mon 06:00`), UTC.
    Calendar { start_epoch_s: i64, time: bool },
}

/// A one-dimensional axis: linear or logarithmic, with its own ticks.
#[derive(Clone, Debug)]
pub struct Axis {
    lo: f64,
    hi: f64,
    log: bool,
    major: Vec<f64>,
    minor: Vec<f64>,
    labels: Labels,
}

/// Ticks `step` apart covering [lo, hi] (only those inside).
fn ticks_every(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    if step.is_nan() || step <= 0.0 || !lo.is_finite() || !hi.is_finite() {
        return vec![];
    }
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    if last - first > 10_000 {
        return vec![];
    }
    (first..=last).map(|k| k as f64 * step).collect()
}

/// The smallest "nice" step (1, 2, 2.5, 5 × 10^k, or 1, 2, 5 × 10^k for
/// integers) giving at most `max_ticks` ticks over [lo, hi], and its light
/// grid step.
pub fn nice_step(lo: f64, hi: f64, max_ticks: usize, integer: bool) -> (f64, f64) {
    let span = (hi - lo).abs().max(f64::MIN_POSITIVE);
    let raw = span / max_ticks.max(2) as f64;
    let mut p = 10f64.powf(raw.log10().floor() - 1.0);
    loop {
        let mants: &[(f64, f64)] = if integer {
            &[(1.0, 0.5), (2.0, 1.0), (5.0, 1.0)]
        } else {
            &[(1.0, 0.2), (2.0, 0.5), (2.5, 0.5), (5.0, 1.0)]
        };
        for &(m, light) in mants {
            let step = m * p;
            if integer && step < 1.0 {
                continue;
            }
            if span / step <= max_ticks as f64 {
                let light = if integer {
                    (light * p).max(1.0)
                } else {
                    light * p
                };
                return (step, light);
            }
        }
        p *= 10.0;
    }
}

impl Axis {
    fn numbers(lo: f64, hi: f64, step: f64, light: f64, scale: f64) -> Self {
        let major = ticks_every(lo, hi, step * scale);
        let max_abs = major
            .iter()
            .map(|v| (v / scale).abs())
            .fold(0.0f64, f64::max);
        Axis {
            lo,
            hi,
            log: false,
            minor: ticks_every(lo, hi, light * scale),
            labels: Labels::Number {
                scale,
                format: NumberFormat::for_ticks(step, max_abs),
            },
            major,
        }
    }

    /// A linear axis over [lo, hi] with at most `max_ticks` round ticks.
    pub fn linear(lo: f64, hi: f64, max_ticks: usize) -> Self {
        let (step, light) = nice_step(lo, hi, max_ticks, false);
        Self::numbers(lo, hi, step, light, 1.0)
    }

    /// A linear axis with ticks on whole numbers only.
    pub fn integer(lo: f64, hi: f64, max_ticks: usize) -> Self {
        let (step, light) = nice_step(lo, hi, max_ticks, true);
        Self::numbers(lo, hi, step, light, 1.0)
    }

    /// A linear time axis: values in seconds, ticks round in `unit` and
    /// printed as numbers of it (the axis text names the unit).
    pub fn time(lo_s: f64, hi_s: f64, unit: TimeUnit, max_ticks: usize) -> Self {
        let u = unit.secs();
        let span = (hi_s - lo_s) / u;
        let (step, light) = unit
            .steps()
            .iter()
            .copied()
            .find(|(step, _)| span / step <= max_ticks as f64)
            .unwrap_or_else(|| nice_step(lo_s / u, hi_s / u, max_ticks, false));
        Self::numbers(lo_s, hi_s, step, light, u)
    }

    /// A logarithmic time axis over [lo_s, hi_s] (> 0) with ticks on round
    /// durations (`1 min`, `10 min`, `1 h`, ...), labelled with their unit.
    pub fn log_duration(lo_s: f64, hi_s: f64) -> Self {
        const S: f64 = 1.0;
        // Preferred ticks first; finer ones join when too few fit.
        let levels: [&[f64]; 3] = [
            &[
                S,
                10.0 * S,
                MINUTE,
                10.0 * MINUTE,
                HOUR,
                6.0 * HOUR,
                DAY,
                7.0 * DAY,
                28.0 * DAY,
                364.0 * DAY,
            ],
            &[
                0.1 * S,
                30.0 * S,
                5.0 * MINUTE,
                30.0 * MINUTE,
                3.0 * HOUR,
                12.0 * HOUR,
                2.0 * DAY,
                14.0 * DAY,
                91.0 * DAY,
            ],
            &[
                0.01 * S,
                0.5,
                2.0 * S,
                5.0 * S,
                20.0 * S,
                2.0 * MINUTE,
                15.0 * MINUTE,
                2.0 * HOUR,
                4.0 * HOUR,
                3.0 * DAY,
                5.0 * DAY,
            ],
        ];
        let inside = |v: &f64| *v >= lo_s * (1.0 - 1e-9) && *v <= hi_s * (1.0 + 1e-9);
        let mut major: Vec<f64> = Vec::new();
        for level in levels {
            if major.len() >= 4 {
                break;
            }
            major.extend(level.iter().copied().filter(inside));
        }
        major.sort_by(f64::total_cmp);
        let mut minor: Vec<f64> = levels.iter().flat_map(|l| l.iter().copied()).collect();
        // 1-9 × each decade for the light grid where no round time is.
        minor.extend(
            (-2..=8)
                .flat_map(|e| (1..10).map(move |m| m as f64 * 10f64.powi(e)))
                .filter(|v| *v < MINUTE),
        );
        minor.retain(inside);
        minor.sort_by(f64::total_cmp);
        Axis {
            lo: lo_s,
            hi: hi_s,
            log: true,
            major,
            minor,
            labels: Labels::Duration,
        }
    }

    /// A logarithmic number axis over [lo, hi] (> 0): ticks at powers of
    /// ten, with 2 and 5 between them when the range spans few decades.
    pub fn log_number(lo: f64, hi: f64) -> Self {
        let decades = (lo.log10().floor() as i32)..=(hi.log10().ceil() as i32);
        let inside = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
        let mut major: Vec<f64> = decades.clone().map(|e| 10f64.powi(e)).collect();
        major.retain(inside);
        if major.len() < 4 {
            major.extend(
                decades
                    .clone()
                    .flat_map(|e| [2.0, 5.0].map(|m| m * 10f64.powi(e)))
                    .filter(inside),
            );
            major.sort_by(f64::total_cmp);
        }
        let minor: Vec<f64> = decades
            .flat_map(|e| (1..10).map(move |m| m as f64 * 10f64.powi(e)))
            .filter(inside)
            .collect();
        Axis {
            lo,
            hi,
            log: true,
            major,
            minor,
            labels: Labels::Compact,
        }
    }
    /// A linear axis of fractions of 1 labelled as percentages, with
    /// round percentage ticks.
    pub fn percent(lo: f64, hi: f64, max_ticks: usize) -> Self {
        let (step, light) = nice_step(lo * 100.0, hi * 100.0, max_ticks, false);
        Axis {
            lo,
            hi,
            log: false,
            major: ticks_every(lo, hi, step / 100.0),
            minor: ticks_every(lo, hi, light / 100.0),
            labels: Labels::Percent {
                format: NumberFormat::for_ticks(step, 100.0),
            },
        }
    }

    /// A time axis on the calendar: values are seconds since
    /// `start_epoch_s` (the scenario's `start_at`), ticks on UTC midnights
    /// (Mondays for weekly ticks) or on round hours for a span under two
    /// days, labelled with the weekday ([`human::calendar_tick`]).
    pub fn calendar(lo_s: f64, hi_s: f64, start_epoch_s: i64, max_ticks: usize) -> Self {
        // (tick step, light grid step) [s]; weekly steps start on Mondays.
        const STEPS: [(f64, f64); 10] = [
            (HOUR, 15.0 * MINUTE),
            (3.0 * HOUR, HOUR),
            (6.0 * HOUR, HOUR),
            (12.0 * HOUR, 3.0 * HOUR),
            (DAY, 6.0 * HOUR),
            (2.0 * DAY, DAY),
            (7.0 * DAY, DAY),
            (14.0 * DAY, DAY),
            (28.0 * DAY, 7.0 * DAY),
            (91.0 * DAY, 7.0 * DAY),
        ];
        let span = (hi_s - lo_s).max(1.0);
        // Two days or more: ticks on days, labelled with dates.
        let (step, light) = STEPS
            .iter()
            .copied()
            .filter(|(step, _)| span < 2.0 * DAY || *step >= DAY)
            .find(|(step, _)| span / step <= max_ticks as f64)
            .unwrap_or((182.0 * DAY, 28.0 * DAY));
        // 1970-01-05, the first Monday of the epoch, is day 4.
        let offset = if step >= 7.0 * DAY { 4.0 * DAY } else { 0.0 };
        let start = start_epoch_s as f64;
        let on_grid = |every: f64| -> Vec<f64> {
            let first = ((start + lo_s - offset) / every - 1e-9).ceil();
            let last = ((start + hi_s - offset) / every + 1e-9).floor();
            if last - first > 10_000.0 {
                return vec![];
            }
            (first as i64..=last as i64)
                .map(|k| k as f64 * every + offset - start)
                .collect()
        };
        Axis {
            lo: lo_s,
            hi: hi_s,
            log: false,
            major: on_grid(step),
            minor: on_grid(light),
            labels: Labels::Calendar {
                start_epoch_s,
                time: step < DAY,
            },
        }
    }

    /// Named positions 0..n (cells), at most `max_ticks` of them labelled.
    pub fn names(names: Vec<String>, max_ticks: usize) -> Self {
        let n = names.len();
        let every = n.div_ceil(max_ticks.max(1)).max(1);
        Axis {
            lo: -0.5,
            hi: n as f64 - 0.5,
            log: false,
            major: (0..n).step_by(every).map(|i| i as f64).collect(),
            minor: vec![],
            labels: Labels::Names(names),
        }
    }

    /// The labelled ticks.
    pub fn major(&self) -> &[f64] {
        &self.major
    }

    pub fn lo(&self) -> f64 {
        self.lo
    }

    pub fn hi(&self) -> f64 {
        self.hi
    }

    /// The value clamped into the axis (how out-of-range data is drawn).
    pub fn clamp(&self, v: f64) -> f64 {
        if v.is_nan() {
            self.lo
        } else {
            v.clamp(self.lo, self.hi)
        }
    }

    /// Position in [0, 1] along the axis.
    pub fn fraction(&self, v: f64) -> f64 {
        let v = self.clamp(v);
        let t = if self.log {
            (v.ln() - self.lo.ln()) / (self.hi.ln() - self.lo.ln())
        } else {
            (v - self.lo) / (self.hi - self.lo)
        };
        if t.is_finite() {
            t
        } else {
            0.0
        }
    }

    /// The tick label of `v`.
    pub fn label(&self, v: f64) -> String {
        match &self.labels {
            Labels::Number { scale, format } => format.format(v / scale),
            Labels::Duration => human::tick_duration(v),
            Labels::Compact => {
                let a = v.abs();
                if a >= 1e6 {
                    format!("{}M", human::trim_decimals(v / 1e6))
                } else if a >= 1e3 {
                    format!("{}k", human::trim_decimals(v / 1e3))
                } else {
                    human::trim_decimals(v)
                }
            }
            Labels::Percent { format } => format!("{}%", format.format(v * 100.0)),
            Labels::Calendar {
                start_epoch_s,
                time,
            } => human::calendar_tick(*start_epoch_s + v.round() as i64, *time),
            Labels::Names(names) => {
                if (v - v.round()).abs() > 1e-6 || v < -0.01 {
                    String::new()
                } else {
                    names.get(v.round() as usize).cloned().unwrap_or_default()
                }
            }
        }
    }
}

impl Ranged for Axis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let t = self.fraction(*value);
        limit.0 + (t * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.major.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for Axis {
    fn format_ext(&self, value: &f64) -> String {
        self.label(*value)
    }
}

/// What a metric measures, read from the unit its axis text ends with (as
/// [`super::metric_axis_label`] writes it): it decides the unit shown and
/// the range a confidence interval is clamped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// Seconds (`[s]`): shown in a human unit, never negative.
    Time,
    /// A share (`[fraction ...]`): within [0, 1].
    Fraction,
    /// Objects, tasks, money, hours (any other bracketed unit): never
    /// negative.
    NonNegative,
    /// No unit given: anything.
    Any,
}

impl Quantity {
    pub fn of_axis_label(label: &str) -> Self {
        let unit = label
            .rfind('[')
            .filter(|_| label.ends_with(']'))
            .map(|i| &label[i + 1..label.len() - 1]);
        match unit {
            Some("s") => Quantity::Time,
            Some(u) if u.starts_with("fraction") => Quantity::Fraction,
            Some(_) => Quantity::NonNegative,
            None => Quantity::Any,
        }
    }

    /// The range values of this quantity can take.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Quantity::Time | Quantity::NonNegative => (0.0, f64::INFINITY),
            Quantity::Fraction => (0.0, 1.0),
            Quantity::Any => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }
}

/// The axis text of a share with `[fraction ...]` as `[% ...]`, for an
/// axis labelled in percent ([`Axis::percent`]).
pub fn relabel_percent(label: &str) -> String {
    match label.rfind("[fraction") {
        Some(i) if label.ends_with(']') => format!("{}[%{}", &label[..i], &label[i + 9..]),
        _ => label.to_string(),
    }
}

/// The axis text with `[s]` replaced by `unit`'s symbol.
pub fn relabel_time(label: &str, unit: TimeUnit) -> String {
    match label.strip_suffix("[s]") {
        Some(base) => format!("{base}[{}]", unit.symbol()),
        None => label.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_axes_tick_whole_numbers_only() {
        let a = Axis::integer(5.7, 13.3, 12);
        assert_eq!(a.major, vec![6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0]);
        assert!(a.minor.iter().all(|v| v.fract() == 0.0));
        let labels: Vec<String> = a.major.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels[0], "6");
    }

    #[test]
    fn one_precision_per_axis() {
        let a = Axis::linear(0.0, 1.0, 5);
        let labels: Vec<String> = a.major.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
        let a = Axis::linear(0.0, 14_000.0, 8);
        let labels: Vec<String> = a.major.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels, ["0", "2k", "4k", "6k", "8k", "10k", "12k", "14k"]);
    }

    #[test]
    fn time_axes_use_weeks_and_hours() {
        let a = Axis::time(0.0, 45.0 * DAY, TimeUnit::Days, 12);
        assert_eq!(a.major.len(), 7); // 0, 7, ..., 42 days
        assert_eq!(a.label(14.0 * DAY), "14");
        let a = Axis::time(0.0, 20.0 * HOUR, TimeUnit::Hours, 12);
        assert_eq!(a.label(6.0 * HOUR), "6");
        assert_eq!(TimeUnit::for_span(4.0 * HOUR), TimeUnit::Hours);
    }

    #[test]
    fn log_time_axes_tick_round_durations() {
        let a = Axis::log_duration(30.0, 3.0 * DAY);
        let labels: Vec<String> = a.major.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels, ["1 min", "10 min", "1 h", "6 h", "1 d"]);
        assert!(a.fraction(1.0) == 0.0 && a.fraction(1e9) == 1.0);
    }

    #[test]
    fn log_number_axes_print_each_tick_compactly() {
        let a = Axis::log_number(150.0, 25_000.0);
        let labels: Vec<String> = a.major.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels, ["200", "500", "1k", "2k", "5k", "10k", "20k"]);
    }

    /// Issue 17: a latency range of two decades or more is drawn on a
    /// log axis; less stays linear.
    #[test]
    fn latency_axes_go_logarithmic_from_two_decades() {
        assert!(log_scale_for(30.0, 3_000.0));
        assert!(log_scale_for(7.0, 15.0 * DAY));
        assert!(!log_scale_for(62.0, 4_020.0), "1.8 decades: linear");
        assert!(!log_scale_for(0.0, 4_020.0), "0 cannot be on a log axis");
    }

    /// Issue 17: with `start_at`, time axes show the calendar.
    #[test]
    fn calendar_ticks_name_the_weekday_and_date() {
        // 2026-01-05T00:00:00Z, a Monday.
        let monday = 1_767_571_200;
        assert_eq!(human::calendar_tick(monday, false), "Mon 5 Jan");
        assert_eq!(
            human::calendar_tick(monday + 86_400 + 6 * 3_600, true),
            "Tue 06:00"
        );
        // Thirty days from that Monday: ticks on Mondays, a week apart.
        let a = Axis::calendar(0.0, 30.0 * DAY, monday, 12);
        let labels: Vec<String> = a.major.iter().map(|v| a.label(*v)).collect();
        assert_eq!(
            labels,
            [
                "Mon 5 Jan",
                "Mon 12 Jan",
                "Mon 19 Jan",
                "Mon 26 Jan",
                "Mon 2 Feb"
            ]
        );
        // A start in the middle of a day: ticks still on midnights.
        let a = Axis::calendar(0.0, 5.0 * DAY, monday + 15 * 3_600, 12);
        assert_eq!(a.label(a.major[0]), "Tue 6 Jan");
        assert!((a.major[0] - 9.0 * HOUR).abs() < 1e-6);
        // Under two days: weekday and time of day.
        let a = Axis::calendar(0.0, 8.0 * HOUR, monday + 6 * 3_600, 12);
        assert_eq!(a.label(a.major[0]), "Mon 06:00");
    }

    /// Issue 17: shares are drawn in percent, as the tables print them.
    #[test]
    fn share_axes_are_in_percent() {
        let a = Axis::percent(0.9, 1.0, 5);
        let labels: Vec<String> = a.major.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels, ["90%", "92%", "94%", "96%", "98%", "100%"]);
        assert_eq!(
            relabel_percent("overall accuracy [fraction of indexed objects]"),
            "overall accuracy [% of indexed objects]"
        );
        assert_eq!(relabel_percent("accuracy [fraction]"), "accuracy [%]");
    }

    #[test]
    fn quantities_from_axis_text() {
        assert_eq!(
            Quantity::of_axis_label("time to label p95 [s]"),
            Quantity::Time
        );
        assert_eq!(
            Quantity::of_axis_label("worker utilization [fraction of on-shift time]"),
            Quantity::Fraction
        );
        assert_eq!(
            Quantity::of_axis_label("expired in queue [objects]"),
            Quantity::NonNegative
        );
        assert_eq!(
            relabel_time("time to label p95 [s]", TimeUnit::Hours),
            "time to label p95 [h]"
        );
    }
}
