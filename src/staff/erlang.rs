//! The stationary M/M/c queue (Erlang C) for the targets of `labelsim
//! staff`, and its inversion: the fewest workers that meet every target at
//! a given offered load.
//!
//! A worker group seen from the task pool is c servers fed by tasks at rate
//! λ·N (objects per second × tasks per object, R2) with a mean hold h per
//! task; its offered load is a = λ·N·h [Erlangs: workers' worth of work].
//! With exponential holds and c > a (Erlang C, e.g. Gross & Harris,
//! *Fundamentals of Queueing Theory*, §2.3):
//!
//! ```text
//! B(0) = 1,  B(k) = a·B(k−1) / (k + a·B(k−1))          Erlang B, stable recursion
//! C(c, a) = c·B(c) / (c − a·(1 − B(c)))                  P(a task waits)
//! E[W]    = C · h / (c − a)                              mean wait for a worker [s]
//! P(W + S > t) = (1 − C)·e^{−t/h} + C·(θ e^{−t/h} − μ e^{−θ t}) / (θ − μ)
//!                μ = 1/h, θ = (c − a)/h                  (C·(1 + μt)·e^{−μt} when θ = μ)
//! ```
//!
//! An object's N tasks (R2: N different workers) are treated as N
//! independent tasks: it is labeled within t with probability
//! P(W + S ≤ t)^N. `pool_wait_mean_s` and `delay_probability` (the
//! object's first task taken at once or not) are the task's E\[W\] and C.
//! These are approximations for N > 1 and for holds that are not
//! exponential; the simulated evaluator measures instead (issue 20).

use std::fmt;

/// A by-interval metric a target of `labelsim staff` may name, with what
/// the Erlang C model computes for it.
#[derive(Clone, Debug, PartialEq)]
pub enum StaffMetric {
    /// `delay_probability`: share of objects that waited for a worker \[1\].
    DelayProbability,
    /// `pool_wait_mean_s`: mean wait for a worker \[s\].
    PoolWaitMean,
    /// `labeled_within_<d>`: share labeled within `d` seconds \[1\].
    LabeledWithin(f64),
    /// `time_to_label_mean_s` \[s\].
    TimeToLabelMean,
    /// `time_to_label_p95_s` \[s\].
    TimeToLabelP95,
    /// `searchable_latency_mean_s` \[s\] (pipelines, P8): as a consumer's
    /// queue, a message's wait for a poller plus its poller time.
    SearchableLatencyMean,
    /// `searchable_latency_p95_s` \[s\] (pipelines, P8).
    SearchableLatencyP95,
}

impl StaffMetric {
    /// Whether it is a pipeline's metric (what a consumer is staffed on).
    /// Whether the metric is a share of 1 (the others are seconds).
    pub fn is_share(&self) -> bool {
        matches!(
            self,
            StaffMetric::DelayProbability | StaffMetric::LabeledWithin(_)
        )
    }

    pub fn is_pipeline(&self) -> bool {
        matches!(
            self,
            StaffMetric::SearchableLatencyMean | StaffMetric::SearchableLatencyP95
        )
    }
}

/// The by-interval metrics (SPEC §4b) of the job; `labeled_within_<d>` is
/// any duration.
pub const BY_INTERVAL_METRICS: &[&str] = &[
    "delay_probability",
    "pool_wait_mean_s",
    "labeled_within_<d>",
    "time_to_label_mean_s",
    "time_to_label_p95_s",
    "searchable_latency_mean_s",
    "searchable_latency_p95_s",
];

impl StaffMetric {
    /// The metric named `name`, or None when it is not a by-interval metric
    /// of the job.
    pub fn of_name(name: &str) -> Option<StaffMetric> {
        match name {
            "delay_probability" => Some(StaffMetric::DelayProbability),
            "pool_wait_mean_s" => Some(StaffMetric::PoolWaitMean),
            "time_to_label_mean_s" => Some(StaffMetric::TimeToLabelMean),
            "time_to_label_p95_s" => Some(StaffMetric::TimeToLabelP95),
            "searchable_latency_mean_s" => Some(StaffMetric::SearchableLatencyMean),
            "searchable_latency_p95_s" => Some(StaffMetric::SearchableLatencyP95),
            _ => {
                let d = name.strip_prefix("labeled_within_")?;
                let secs = crate::scenario::units::parse_duration(d)
                    .ok()?
                    .as_secs_f64();
                Some(StaffMetric::LabeledWithin(secs))
            }
        }
    }
}

/// One stationary queue: `servers` workers, `load` Erlangs of tasks, `hold`
/// seconds per task, `tasks_per_object` (N).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mmc {
    pub servers: u32,
    pub load: f64,
    pub hold_s: f64,
    pub tasks_per_object: u32,
}

impl fmt::Display for Mmc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "M/M/{} at {:.3} Erlangs (hold {} s, N = {})",
            self.servers, self.load, self.hold_s, self.tasks_per_object
        )
    }
}

/// Erlang B, B(c, a), by the stable recursion. O(c).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    b
}

/// Erlang C, the probability that a task waits: 1 when c ≤ a (the queue
/// grows without bound; a load within rounding of c counts as c, as in
/// [`stable_floor`]), 0 without load.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if a <= 0.0 {
        return 0.0;
    }
    if c < stable_floor(a) {
        return 1.0;
    }
    let b = erlang_b(c, a);
    let cf = c as f64;
    (cf * b / (cf - a * (1.0 - b))).clamp(0.0, 1.0)
}

impl Mmc {
    /// c > a, a load within rounding of a whole number being that number
    /// ([`stable_floor`]).
    fn stable(&self) -> bool {
        self.servers >= stable_floor(self.load)
    }

    /// P(a task's wait + hold > t) (module docs); 1 when unstable.
    pub fn sojourn_tail(&self, t: f64) -> f64 {
        if !self.stable() {
            return 1.0;
        }
        let h = self.hold_s;
        if h <= 0.0 {
            return if t < 0.0 { 1.0 } else { 0.0 };
        }
        let c = erlang_c(self.servers, self.load);
        let mu = 1.0 / h;
        let theta = (self.servers as f64 - self.load) / h;
        let served = (-mu * t).exp();
        let waited = if (theta - mu).abs() < 1e-12 * mu {
            (1.0 + mu * t) * served
        } else {
            (theta * served - mu * (-theta * t).exp()) / (theta - mu)
        };
        ((1.0 - c) * served + c * waited).clamp(0.0, 1.0)
    }

    /// P(object labeled within t) = P(W + S ≤ t)^N.
    pub fn labeled_within(&self, t: f64) -> f64 {
        (1.0 - self.sojourn_tail(t)).powi(self.tasks_per_object.max(1) as i32)
    }

    /// The value of `metric` [1 or s]; +∞ for a wait or time when unstable.
    pub fn metric(&self, metric: &StaffMetric) -> f64 {
        let stable = self.stable();
        match metric {
            StaffMetric::DelayProbability => erlang_c(self.servers, self.load),
            StaffMetric::PoolWaitMean if !stable => f64::INFINITY,
            StaffMetric::PoolWaitMean => {
                if self.load <= 0.0 {
                    0.0
                } else {
                    erlang_c(self.servers, self.load) * self.hold_s
                        / (self.servers as f64 - self.load)
                }
            }
            StaffMetric::LabeledWithin(d) => self.labeled_within(*d),
            StaffMetric::TimeToLabelMean | StaffMetric::SearchableLatencyMean if !stable => {
                f64::INFINITY
            }
            // A consumer's stage: the wait for a poller plus the poller
            // time; the rest of the searchable latency (notification,
            // index) no poller count changes, and the simulation measures.
            StaffMetric::TimeToLabelMean | StaffMetric::SearchableLatencyMean => {
                self.time_to_label_mean()
            }
            StaffMetric::TimeToLabelP95 | StaffMetric::SearchableLatencyP95 if !stable => {
                f64::INFINITY
            }
            StaffMetric::TimeToLabelP95 | StaffMetric::SearchableLatencyP95 => {
                self.time_to_label_quantile(0.95)
            }
        }
    }

    /// ∫ (1 − P(T ≤ t)) dt; exact E[W] + h for N = 1, else Simpson's rule
    /// out to where the tail is below 1e-12.
    fn time_to_label_mean(&self) -> f64 {
        let n = self.tasks_per_object.max(1);
        if n == 1 {
            return self.metric(&StaffMetric::PoolWaitMean) + self.hold_s;
        }
        let mut end = self.hold_s.max(1e-9);
        while 1.0 - self.labeled_within(end) > 1e-12 && end < 1e12 {
            end *= 2.0;
        }
        let steps = 4000;
        let dt = end / steps as f64;
        let f = |t: f64| 1.0 - self.labeled_within(t);
        let mut sum = f(0.0) + f(end);
        for i in 1..steps {
            sum += f(i as f64 * dt) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        sum * dt / 3.0
    }

    /// The q-quantile of the time to label, by bisection.
    fn time_to_label_quantile(&self, q: f64) -> f64 {
        let mut hi = self.hold_s.max(1e-9);
        while self.labeled_within(hi) < q && hi < 1e12 {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..100 {
            let mid = 0.5 * (lo + hi);
            if self.labeled_within(mid) < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        hi
    }
}

/// The value of `metric` with as many workers as wanted (nobody waits):
/// the best any staffing can reach. A target this misses cannot be met.
pub fn unlimited(metric: &StaffMetric, load: f64, hold_s: f64, tasks_per_object: u32) -> f64 {
    // Far above the load, C is below 1e-300.
    let servers = (load + 40.0 * load.sqrt() + 400.0).ceil() as u32;
    Mmc {
        servers,
        load,
        hold_s,
        tasks_per_object,
    }
    .metric(metric)
}

/// Square-root staffing, ⌈a + β·√a⌉ (Halfin & Whitt 1981): ISA's first
/// staffing.
pub fn square_root_staffing(load: f64, beta: f64) -> u32 {
    if load <= 0.0 {
        0
    } else {
        (load + beta * load.sqrt()).ceil() as u32
    }
}

/// The fewest servers that keep a queue of `load` Erlangs stable (c > a):
/// ⌊a⌋ + 1, and 0 for no load. A load within rounding of a whole number
/// is that number (60/h × 6 min comes out as 5.999…, and 6 servers for 6
/// Erlangs is a load of 1: unstable).
pub fn stable_floor(load: f64) -> u32 {
    if load <= 0.0 {
        0
    } else {
        (load * (1.0 + 1e-9)).floor() as u32 + 1
    }
}

/// The fewest workers `c` for which `ok(c)` holds, for an `ok` that is
/// false at c ≤ ⌊a⌋ and monotone above: a gallop up from ⌊a⌋ + 1, then a
/// bisection. None when not even `cap` workers do.
pub fn fewest(load: f64, cap: u32, ok: impl Fn(u32) -> bool) -> Option<u32> {
    let first = stable_floor(load);
    if first > cap {
        return None;
    }
    if ok(first) {
        return Some(first);
    }
    let (mut lo, mut step) = (first, 1u32);
    let hi = loop {
        let next = lo.saturating_add(step).min(cap);
        if ok(next) {
            break next;
        }
        if next == cap {
            return None;
        }
        lo = next;
        step = step.saturating_mul(2);
    };
    // ok(lo) false, ok(hi) true.
    let (mut lo, mut hi) = (lo, hi);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if ok(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Some(hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// c > a for stability: ⌊a⌋ + 1, a whole load needing one more, and
    /// a whole load off by rounding (60/h × 0.1 h) counted as whole.
    #[test]
    fn the_stable_floor_is_the_fewest_count_above_the_load() {
        assert_eq!(stable_floor(0.0), 0);
        assert_eq!(stable_floor(0.3), 1);
        assert_eq!(stable_floor(5.5), 6);
        assert_eq!(stable_floor(6.0), 7);
        let rounded = 60.0 / 3600.0 * 360.0 * (1.0 - 1e-15);
        assert!(rounded < 6.0);
        assert_eq!(stable_floor(rounded), 7);
        assert_eq!(fewest(rounded, 100, |_| true), Some(7));
    }

    #[test]
    fn erlang_c_matches_hand_computed_values() {
        // c = 2, a = 1: B = 1/5, C = 2·0.2 / (2 − 0.8) = 1/3.
        assert!((erlang_c(2, 1.0) - 1.0 / 3.0).abs() < 1e-12);
        // c = 1: C = ρ.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        assert_eq!(erlang_c(3, 3.0), 1.0);
        assert_eq!(erlang_c(3, 0.0), 0.0);
        // 6 Erlangs computed a hair low (60/h × 6 min) on 6 servers: at
        // capacity, so every task waits, and the sojourn has no tail bound.
        let rounded = 6.0 * (1.0 - 1e-15);
        assert_eq!(erlang_c(6, rounded), 1.0);
        let q = Mmc {
            servers: 6,
            load: rounded,
            hold_s: 360.0,
            tasks_per_object: 1,
        };
        assert_eq!(q.sojourn_tail(1e9), 1.0);
    }

    #[test]
    fn mm1_sojourn_is_exponential_at_rate_mu_minus_lambda() {
        // M/M/1, ρ = 0.5, h = 1: W + S ~ Exp(1 − 0.5).
        let q = Mmc {
            servers: 1,
            load: 0.5,
            hold_s: 1.0,
            tasks_per_object: 1,
        };
        for t in [0.0, 0.5, 1.0, 3.0] {
            assert!(
                (q.sojourn_tail(t) - (-0.5 * t).exp()).abs() < 1e-12,
                "t = {t}"
            );
        }
        assert!((q.metric(&StaffMetric::TimeToLabelMean) - 2.0).abs() < 1e-12);
        // p95 of Exp(0.5): ln 20 / 0.5.
        let p95 = q.metric(&StaffMetric::TimeToLabelP95);
        assert!((p95 - 20f64.ln() / 0.5).abs() < 1e-6, "{p95}");
    }

    #[test]
    fn mean_of_two_tasks_is_integrated_from_the_tail() {
        // No waiting: max of two Exp(1) has mean 1.5.
        let q = Mmc {
            servers: 500,
            load: 1.0,
            hold_s: 1.0,
            tasks_per_object: 2,
        };
        let m = q.metric(&StaffMetric::TimeToLabelMean);
        assert!((m - 1.5).abs() < 1e-6, "{m}");
    }

    #[test]
    fn fewest_finds_the_boundary_and_says_when_none() {
        assert_eq!(fewest(3.2, 1000, |c| c >= 17), Some(17));
        assert_eq!(fewest(3.2, 1000, |c| c >= 4), Some(4));
        assert_eq!(fewest(3.2, 10, |c| c >= 17), None);
        assert_eq!(fewest(0.0, 10, |_| true), Some(0));
    }

    #[test]
    fn metric_names_are_the_by_interval_ones() {
        assert_eq!(
            StaffMetric::of_name("labeled_within_4h"),
            Some(StaffMetric::LabeledWithin(14_400.0))
        );
        assert_eq!(
            StaffMetric::of_name("delay_probability"),
            Some(StaffMetric::DelayProbability)
        );
        assert_eq!(
            StaffMetric::of_name("searchable_latency_p95_s"),
            Some(StaffMetric::SearchableLatencyP95)
        );
        assert!(StaffMetric::SearchableLatencyMean.is_pipeline());
        assert!(!StaffMetric::TimeToLabelMean.is_pipeline());
        assert_eq!(StaffMetric::of_name("cost_usd"), None);
        assert_eq!(StaffMetric::of_name("labeled_within_soon"), None);
    }
}
