//! Streaming statistics: constant memory whatever the run length.
//!
//! - [`TimeWeighted`]: exact integral of a piecewise-constant level over
//!   integer time (u128 accumulators), for time-weighted means.
//! - [`Latency`]: count, exact sum/min/max, and an HDR histogram with three
//!   significant digits (relative error ≤ 0.1%) for quantiles. Its storage is
//!   allocated once (bounded by the trackable range), never per sample.
//! - [`mean_ci95`]: Student-t 95% confidence interval across replications.

use super::time::{SimDuration, SimTime, US_PER_S};
use hdrhistogram::Histogram;

/// Integral of a level that changes at event times.
#[derive(Clone, Debug, Default)]
pub struct TimeWeighted {
    level: u64,
    max: u64,
    last_change: u64,
    /// ∫ level dt [level·µs]
    area: u128,
    /// The mean's window, when it starts after 0 (SPEC §4a: at the
    /// warm-up's end): its start [µs] and the integral up to it.
    window: Option<(u64, u128)>,
}

impl TimeWeighted {
    /// Sets the level at `now`; the previous level is integrated up to `now`.
    #[inline]
    pub fn set(&mut self, now: SimTime, level: u64) {
        if level == self.level {
            // Nothing to integrate yet: the same level runs on, and the
            // integral is taken at its next change (or at the end).
            return;
        }
        let now = now.as_micros();
        self.area += self.level as u128 * (now - self.last_change) as u128;
        self.last_change = now;
        self.level = level;
        if level > self.max {
            self.max = level;
        }
    }

    pub fn level(&self) -> u64 {
        self.level
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// ∫ level dt over [0, until] [level·µs]; `until` must not precede the last change.
    pub fn area_until(&self, until: SimTime) -> u128 {
        self.area + self.level as u128 * until.as_micros().saturating_sub(self.last_change) as u128
    }

    /// Time-weighted mean over [0, until].
    pub fn mean_until(&self, until: SimTime) -> f64 {
        if until == SimTime::ZERO {
            return self.level as f64;
        }
        self.area_until(until) as f64 / until.as_micros() as f64
    }

    /// The mean's window starts at `now` (SPEC §4a: time-weighted means
    /// start at the warm-up's end): [`Self::window_mean_until`] leaves out
    /// what came before. The maximum stays the whole run's.
    pub fn start_window(&mut self, now: SimTime) {
        self.window = Some((now.as_micros(), self.area_until(now)));
    }

    /// Time-weighted mean over [window start, until], or over [0, until]
    /// when no window was started; None when the window is empty (it
    /// starts at `until` or later: an empty sample has no value).
    pub fn window_mean_until(&self, until: SimTime) -> Option<f64> {
        match self.window {
            None => Some(self.mean_until(until)),
            Some((from, area)) => (until.as_micros() > from).then(|| {
                (self.area_until(until) - area) as f64 / (until.as_micros() - from) as f64
            }),
        }
    }
}

/// Distribution of a non-negative duration \[µs\].
///
/// The first [`EXACT_SAMPLES`] values are kept as they are, so small runs
/// report exact nearest-rank quantiles; past that, values go into the
/// histogram (fixed size), whose quantiles are within 0.1%.
#[derive(Clone, Debug)]
pub struct Latency {
    count: u64,
    sum_us: u128,
    min_us: u64,
    max_us: u64,
    exact: Vec<u64>,
    hist: Option<Histogram<u64>>,
    /// Values of exactly 0 µs once the histogram is in use: kept apart, so
    /// a quantile among them is 0, not the histogram's lowest value (1 µs).
    zeros: u64,
}

impl Default for Latency {
    fn default() -> Self {
        Self::new()
    }
}

/// Largest value tracked by the histogram (about 35 years in µs); larger
/// values are clamped into the top bucket (min/max/sum stay exact).
const HIST_MAX_US: u64 = 1 << 50;
/// Values kept exactly before switching to the histogram (32 KiB).
pub const EXACT_SAMPLES: usize = 4096;

impl Latency {
    pub fn new() -> Self {
        Latency {
            count: 0,
            sum_us: 0,
            min_us: u64::MAX,
            max_us: 0,
            exact: Vec::new(),
            hist: None,
            zeros: 0,
        }
    }

    /// Records one value: the common case (the histogram in use) inline,
    /// the first [`EXACT_SAMPLES`] values and the switch out of line.
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        let us = d.as_micros();
        self.count += 1;
        if us == 0 && self.hist.is_some() {
            // A wait of none (the common case of several waits): the sum
            // and the maximum stay as they are.
            self.min_us = 0;
            self.zeros += 1;
            return;
        }
        self.sum_us += us as u128;
        self.min_us = self.min_us.min(us);
        self.max_us = self.max_us.max(us);
        match &mut self.hist {
            Some(h) => h.saturating_record(us.min(HIST_MAX_US)),
            None => self.record_exact(us),
        }
    }

    /// Before the histogram: keeps `us` as it is, or, past
    /// [`EXACT_SAMPLES`], moves every value kept so far into a histogram.
    #[inline(never)]
    fn record_exact(&mut self, us: u64) {
        if self.exact.len() < EXACT_SAMPLES {
            self.exact.push(us);
            return;
        }
        let mut h = Histogram::new_with_bounds(1, HIST_MAX_US, 3).expect("valid histogram bounds");
        for &v in self.exact.iter().chain(std::iter::once(&us)) {
            if v == 0 {
                self.zeros += 1;
            } else {
                h.saturating_record(v.min(HIST_MAX_US));
            }
        }
        self.exact = Vec::new();
        self.hist = Some(h);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean \[s\]; none when empty (SPEC §4a: an empty sample has no value).
    pub fn mean_s(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum_us as f64 / self.count as f64 / US_PER_S as f64)
    }

    /// The empirical CDF as (value \[s\], fraction ≤ value), at most about
    /// `max_points` points, for charts.
    pub fn cdf(&self, max_points: usize) -> Vec<(f64, f64)> {
        let n = self.count as f64;
        if self.count == 0 {
            return Vec::new();
        }
        let mut pts: Vec<(f64, f64)> = match &self.hist {
            None => {
                let mut v = self.exact.clone();
                v.sort_unstable();
                v.iter()
                    .enumerate()
                    .map(|(i, &x)| (x as f64 / US_PER_S as f64, (i + 1) as f64 / n))
                    .collect()
            }
            Some(h) => {
                let mut acc = self.zeros;
                let zeros = (self.zeros > 0).then_some((0.0, self.zeros as f64 / n));
                zeros
                    .into_iter()
                    .chain(h.iter_recorded().map(|it| {
                        acc += it.count_at_value();
                        (
                            it.value_iterated_to().min(self.max_us) as f64 / US_PER_S as f64,
                            acc as f64 / n,
                        )
                    }))
                    .collect()
            }
        };
        if pts.len() > max_points {
            let step = pts.len() as f64 / max_points as f64;
            let mut thin: Vec<(f64, f64)> = (0..max_points)
                .map(|k| pts[(k as f64 * step) as usize])
                .collect();
            thin.push(*pts.last().expect("non-empty"));
            pts = thin;
        }
        pts
    }

    /// Nearest-rank quantile `q` in [0, 1] \[s\]: the smallest value with at
    /// least q·n values at or below it; none when empty.
    pub fn quantile_s(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let v = match &self.hist {
            None => {
                let mut v = self.exact.clone();
                let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
                *v.select_nth_unstable(rank - 1).1
            }
            Some(h) => {
                // Nearest rank over all values: the zeros come first.
                let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
                if rank <= self.zeros {
                    0
                } else {
                    let rest = self.count - self.zeros;
                    let q_rest = (rank - self.zeros) as f64 / rest as f64;
                    h.value_at_quantile(q_rest).clamp(self.min_us, self.max_us)
                }
            }
        };
        Some(v as f64 / US_PER_S as f64)
    }
}

/// A sample that is another one (its source) for as long as every value
/// recorded in both would be the same: it records nothing of its own and
/// reads as the source. [`Mirror::diverge`], called before the first value
/// that differs, copies the source's values so far and ends the mirror;
/// from then on the sample records its own values. The result is the
/// sample that recording every value gives, value by value; only the work
/// differs (one record per value fewer while the mirror lasts).
///
/// Used where one sample usually equals another: end-to-end time to label
/// (time to label while no object waits before its acceptance), and P8's
/// overall searchable latency (one label path's while only one is used).
#[derive(Clone, Debug)]
pub struct Mirror {
    own: Latency,
    mirrors: bool,
}

impl Default for Mirror {
    fn default() -> Self {
        Self::new()
    }
}

impl Mirror {
    /// A mirror of its source, with nothing of its own yet.
    pub fn new() -> Self {
        Mirror {
            own: Latency::new(),
            mirrors: true,
        }
    }

    /// Whether the sample is still its source's.
    #[inline]
    pub fn mirrors(&self) -> bool {
        self.mirrors
    }

    /// Ends the mirror (if it lasts): the sample starts as a copy of
    /// `source`, the sample it mirrored.
    #[inline(never)]
    pub fn diverge(&mut self, source: &Latency) {
        if self.mirrors {
            self.own = source.clone();
            self.mirrors = false;
        }
    }

    /// Records `d` once the mirror has ended; while it lasts the source
    /// holds the value (the caller records it there).
    #[inline]
    pub fn record(&mut self, d: SimDuration) {
        if !self.mirrors {
            self.own.record(d);
        }
    }

    /// The sample: `source` while the mirror lasts, its own after.
    #[inline]
    pub fn get<'a>(&'a self, source: &'a Latency) -> &'a Latency {
        if self.mirrors {
            source
        } else {
            &self.own
        }
    }
}

/// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom
/// (`statrs`); infinite with none.
pub fn t_975(df: usize) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    if df == 0 {
        return f64::INFINITY;
    }
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::INFINITY)
}

/// Mean and 95% confidence interval of `xs` (Student t, n − 1 df). With a
/// single value the interval collapses to the value itself; with none there
/// is no mean (SPEC §4a).
pub fn mean_ci95(xs: &[f64]) -> Option<(f64, f64, f64)> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some((mean, mean, mean));
    }
    let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64;
    let half = t_975(n - 1) * (var / n as f64).sqrt();
    Some((mean, mean - half, mean + half))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window leaves out the integral before its start; one that starts
    /// at the end is empty (no value); none is the mean over [0, until].
    #[test]
    fn a_time_weighted_window_starts_its_mean_at_its_start() {
        let t = SimTime::from_micros;
        let mut l = TimeWeighted::default();
        l.set(t(0), 4);
        l.set(t(10), 1);
        assert_eq!(l.window_mean_until(t(20)), Some(2.5));
        l.start_window(t(10));
        l.set(t(15), 3);
        assert_eq!(l.window_mean_until(t(20)), Some(2.0));
        assert_eq!(l.max(), 4, "the maximum stays the whole run's");
        l.start_window(t(20));
        assert_eq!(l.window_mean_until(t(20)), None);
    }

    /// A mirror reads as its source until it diverges, then as the
    /// sample of every value (its source's values so far, then its own),
    /// past the switch to the histogram; a second diverge changes nothing.
    #[test]
    fn a_mirror_is_its_source_until_it_diverges_then_every_value() {
        let (mut source, mut mirror, mut every) = (Latency::new(), Mirror::new(), Latency::new());
        assert!(
            mirror.get(&source).mean_s().is_none(),
            "an empty sample has no value"
        );
        let n = EXACT_SAMPLES as u64 * 3;
        for i in 0..n {
            let d = SimDuration::from_micros(i % 101 * 7);
            let differs = i >= n / 2;
            if differs {
                mirror.diverge(&source);
            }
            // The mirrored sample's own value differs from the source's.
            let own = if differs {
                d + SimDuration::from_micros(5)
            } else {
                d
            };
            source.record(d);
            mirror.record(own);
            every.record(own);
            if i == n / 2 - 1 {
                assert!(mirror.mirrors());
                assert_eq!(mirror.get(&source).cdf(50), every.cdf(50));
            }
        }
        assert!(!mirror.mirrors());
        mirror.diverge(&source);
        let m = mirror.get(&source);
        assert_eq!((m.count(), m.mean_s()), (every.count(), every.mean_s()));
        assert_eq!(m.quantile_s(0.99), every.quantile_s(0.99));
        assert_eq!(m.cdf(400), every.cdf(400));
    }

    #[test]
    fn time_weighted_mean_is_exact() {
        let mut tw = TimeWeighted::default();
        tw.set(SimTime::ZERO, 2);
        tw.set(SimTime::from_micros(10), 4);
        // 2 for 10 µs, 4 for 30 µs: (20 + 120) / 40 = 3.5
        assert_eq!(tw.mean_until(SimTime::from_micros(40)), 3.5);
        assert_eq!(tw.max(), 4);
    }

    #[test]
    fn zeros_past_the_exact_samples_stay_zero() {
        // 6,000 zeros and 4,000 values of 10 s: p50 is 0, p60 is 0, p61 10 s.
        let mut l = Latency::new();
        for i in 0..10_000 {
            l.record(SimDuration::from_secs(if i % 5 < 3 { 0 } else { 10 }));
        }
        assert_eq!(l.quantile_s(0.5), Some(0.0));
        assert_eq!(l.quantile_s(0.6), Some(0.0));
        let p61 = l.quantile_s(0.61).unwrap();
        assert!((p61 - 10.0).abs() <= 0.01, "{p61}");
        assert_eq!(l.cdf(100)[0], (0.0, 0.6));
        let mut all_zero = Latency::new();
        for _ in 0..10_000 {
            all_zero.record(SimDuration::ZERO);
        }
        assert_eq!(all_zero.quantile_s(0.99), Some(0.0));
    }

    #[test]
    fn latency_quantiles_of_constant_sample_are_exact() {
        let mut l = Latency::new();
        for _ in 0..100 {
            l.record(SimDuration::from_secs(360));
        }
        assert_eq!(l.quantile_s(0.5), Some(360.0));
        assert_eq!(l.quantile_s(0.99), Some(360.0));
        assert_eq!(l.mean_s(), Some(360.0));
    }

    #[test]
    fn small_samples_give_exact_nearest_rank_quantiles() {
        let mut l = Latency::new();
        for v in [5, 1, 4, 2, 3] {
            l.record(SimDuration::from_secs(v));
        }
        assert_eq!(l.quantile_s(0.5), Some(3.0));
        assert_eq!(l.quantile_s(0.2), Some(1.0));
        assert_eq!(l.quantile_s(0.21), Some(2.0));
        assert_eq!(l.quantile_s(1.0), Some(5.0));
    }

    #[test]
    fn latency_quantiles_are_within_a_thousandth() {
        let mut l = Latency::new();
        for v in 1..=100_000u64 {
            l.record(SimDuration::from_millis(v * 10));
        }
        let p95 = l.quantile_s(0.95).unwrap();
        assert!((p95 - 950.0).abs() / 950.0 < 1e-3, "p95 {p95}");
    }

    #[test]
    fn an_empty_latency_sample_has_no_value() {
        let l = Latency::new();
        assert_eq!(l.mean_s(), None);
        assert_eq!(l.quantile_s(0.95), None);
        assert!(l.cdf(10).is_empty());
    }

    #[test]
    fn ci_uses_student_t() {
        assert_eq!(mean_ci95(&[]), None, "an empty sample has no mean");
        let (m, lo, hi) = mean_ci95(&[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(m, 2.0);
        // s = 1, n = 3: half-width = t(0.975; 2) / sqrt(3), t = 4.302653 (tables)
        assert!((hi - m - 4.302_653 / 3f64.sqrt()).abs() < 1e-5);
        assert!((m - lo - 4.302_653 / 3f64.sqrt()).abs() < 1e-5);
        assert!((t_975(1) - 12.706_205).abs() < 1e-5);
        assert!((t_975(60) - 2.000_298).abs() < 1e-5);
        assert_eq!(t_975(0), f64::INFINITY);
    }
}
