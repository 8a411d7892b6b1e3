//! Capacity planning: the smallest parameter value that meets every target
//! with 95% confidence, by galloping then bisecting over a sorted grid
//! (O(log n) points for a monotone question instead of n).
//!
//! The pieces here decide, from replications, whether a point meets its
//! targets: a [`Verdict`] per target (met, failed, not yet decided, no
//! value), a [`PointStatus`] per point (a stationary stream at offered load
//! ≥ 1 is [`PointStatus::Unstable`] whatever the finite run shows), and the
//! choice of the point that minimizes a metric ([`choose_minimum`]). The
//! planner adds replications at a point while its status is undecided.

use crate::scenario::units::parse_duration;
use std::fmt;

/// A comparison in a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Le,
    Lt,
    Ge,
    Gt,
    Eq,
}

/// `metric OP value`, e.g. `time_to_label_p95_s <= 24h`.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub metric: String,
    pub op: Op,
    pub value: f64,
    /// As the user wrote it.
    pub text: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Target {
    /// Parses a target. Values may carry units: durations (`24h`, converted
    /// to seconds) and percentages (`0.5%` → 0.005).
    pub fn parse(text: &str, known_metrics: &[&str]) -> Result<Target, String> {
        let t = text.trim();
        let ops = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("==", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
        ];
        let (i, sym, op) = ops
            .iter()
            .filter_map(|(s, o)| t.find(s).map(|i| (i, *s, *o)))
            .min_by_key(|x| x.0)
            .ok_or_else(|| format!("--target `{t}`: write METRIC OP VALUE with OP one of <=, <, >=, >, ==, e.g. \"time_to_label_p95_s <= 24h\""))?;
        let metric = t[..i].trim().to_string();
        let raw = t[i + sym.len()..].trim();
        if !known_metrics.contains(&metric.as_str()) {
            return Err(format!(
                "--target `{t}`: `{metric}` is not a numeric summary metric; one of: {}",
                known_metrics.join(", ")
            ));
        }
        let value = if let Some(p) = raw.strip_suffix('%') {
            p.trim()
                .parse::<f64>()
                .map(|x| x / 100.0)
                .map_err(|_| format!("--target `{t}`: `{raw}` is not a percentage"))?
        } else if let Ok(x) = raw.parse::<f64>() {
            x
        } else {
            parse_duration(raw)
                .map(|d| d.as_secs_f64())
                .map_err(|e| format!("--target `{t}`: {e}"))?
        };
        Ok(Target {
            metric,
            op,
            value,
            text: t.to_string(),
        })
    }

    /// Met with 95% confidence: the whole confidence interval satisfies the
    /// comparison (the upper bound for `<=`/`<`, the lower for `>=`/`>`,
    /// both for `==`).
    pub fn met_by(&self, lo: f64, hi: f64) -> bool {
        match self.op {
            Op::Le => hi <= self.value,
            Op::Lt => hi < self.value,
            Op::Ge => lo >= self.value,
            Op::Gt => lo > self.value,
            Op::Eq => lo == self.value && hi == self.value,
        }
    }

    /// Failed with 95% confidence: no value in the interval satisfies the
    /// comparison. For `==` any interval other than exactly [value, value]
    /// fails: once one replication differs, more replications cannot make
    /// every one equal.
    pub fn failed_by(&self, lo: f64, hi: f64) -> bool {
        match self.op {
            Op::Le => lo > self.value,
            Op::Lt => lo >= self.value,
            Op::Ge => hi < self.value,
            Op::Gt => hi <= self.value,
            Op::Eq => !self.met_by(lo, hi),
        }
    }

    /// The verdict of `runs` replications, of which `with_value` have a
    /// value of the metric, with 95% interval `ci` over those. SPEC §4a: a
    /// target on a metric with no value is not met; here that holds as soon
    /// as one replication has none (e.g. labeled nothing), since that
    /// replication cannot be said to meet it.
    pub fn verdict(&self, ci: Option<(f64, f64)>, with_value: usize, runs: usize) -> Verdict {
        match ci {
            Some((lo, hi)) if with_value == runs && runs > 0 => {
                if self.met_by(lo, hi) {
                    Verdict::Met
                } else if self.failed_by(lo, hi) || lo.is_nan() || hi.is_nan() {
                    Verdict::Failed
                } else {
                    Verdict::Undecided
                }
            }
            _ => Verdict::NoValue,
        }
    }
}

/// What the replications so far say about one target at one point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The whole 95% interval satisfies the target.
    Met,
    /// No value in the 95% interval satisfies it.
    Failed,
    /// The interval straddles the target value: more replications may decide.
    Undecided,
    /// Some replication has no value of the metric: not met (SPEC §4a).
    NoValue,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Failed => "failed",
            Verdict::Undecided => "undecided",
            Verdict::NoValue => "no value",
        }
    }
}

/// Whether a point meets every target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PointStatus {
    /// Every target met with 95% confidence.
    Meets,
    /// Some target failed or has no value.
    Fails,
    /// A stationary stream at offered load ≥ 1: the backlog grows without
    /// bound, so no target holds in steady state (see `model::load`).
    Unstable,
    /// No target failed, but some interval still straddles its value.
    Undecided,
}

impl PointStatus {
    /// Combines the targets' verdicts; `unstable` overrides them.
    pub fn of(verdicts: &[Verdict], unstable: bool) -> PointStatus {
        if unstable {
            PointStatus::Unstable
        } else if verdicts
            .iter()
            .any(|v| matches!(v, Verdict::Failed | Verdict::NoValue))
        {
            PointStatus::Fails
        } else if verdicts.contains(&Verdict::Undecided) {
            PointStatus::Undecided
        } else {
            PointStatus::Meets
        }
    }

    /// More replications cannot change a decided status.
    pub fn decided(self) -> bool {
        self != PointStatus::Undecided
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PointStatus::Meets => "yes",
            PointStatus::Fails => "no",
            PointStatus::Unstable => "unstable",
            PointStatus::Undecided => "undecided",
        }
    }
}

/// Replications after `have` at a still undecided point: double, up to `cap`.
pub fn next_replications(have: u32, cap: u32) -> u32 {
    (have.saturating_mul(2)).min(cap).max(have)
}

/// A metric's mean and 95% interval at one point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// `--minimize`: among feasible points (`(index, estimate)`, in ascending
/// parameter order), the best is the smallest mean (the first on ties); the
/// answer is the first point whose mean lies within the best point's 95%
/// interval, i.e. the smallest parameter not significantly worse than the
/// best. Returns (answer, best).
pub fn choose_minimum(feasible: &[(usize, Estimate)]) -> Option<(usize, usize)> {
    let best = feasible
        .iter()
        .min_by(|a, b| a.1.mean.total_cmp(&b.1.mean).then(a.0.cmp(&b.0)))?;
    let chosen = feasible
        .iter()
        .find(|(_, e)| best.1.lo <= e.mean && e.mean <= best.1.hi)
        .unwrap_or(best);
    Some((chosen.0, best.0))
}

/// Whether a metric is flat over the points: at least two, and their 95%
/// intervals share a common value, so no point differs significantly from
/// the others.
pub fn is_flat(estimates: &[Estimate]) -> bool {
    if estimates.len() < 2 {
        return false;
    }
    let lo = estimates
        .iter()
        .map(|e| e.lo)
        .fold(f64::NEG_INFINITY, f64::max);
    let hi = estimates.iter().map(|e| e.hi).fold(f64::INFINITY, f64::min);
    lo <= hi
}

/// Smallest index in `0..n` for which `meets` holds, assuming it is
/// monotone (false…false true…true): gallop from 0 with doubling steps, then
/// bisect. `meets` is called O(log n) times.
pub fn gallop_then_bisect<E>(
    n: usize,
    meets: &mut dyn FnMut(usize) -> Result<bool, E>,
) -> Result<Option<usize>, E> {
    if n == 0 {
        return Ok(None);
    }
    if meets(0)? {
        return Ok(Some(0));
    }
    let (mut fail, mut step) = (0usize, 1usize);
    let ok = loop {
        let i = (fail + step).min(n - 1);
        if meets(i)? {
            break i;
        }
        if i == n - 1 {
            return Ok(None);
        }
        fail = i;
        step *= 2;
    };
    let (mut lo, mut hi) = (fail, ok);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if meets(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Some(hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[&str] = &[
        "time_to_label_p95_s",
        "expired_in_queue",
        "worker_utilization",
    ];

    #[test]
    fn targets_parse_with_units() {
        let t = Target::parse("time_to_label_p95_s <= 24h", M).unwrap();
        assert_eq!((t.op, t.value), (Op::Le, 86_400.0));
        assert_eq!(
            Target::parse("expired_in_queue == 0", M).unwrap().op,
            Op::Eq
        );
        assert_eq!(
            Target::parse("worker_utilization>=85%", M).unwrap().value,
            0.85
        );
        assert!(Target::parse("nonsense <= 3", M)
            .unwrap_err()
            .contains("not a numeric summary metric"));
        assert!(Target::parse("expired_in_queue 3", M).is_err());
    }

    #[test]
    fn confidence_bounds_decide() {
        let t = Target::parse("time_to_label_p95_s <= 100s", M).unwrap();
        assert!(t.met_by(80.0, 99.0));
        assert!(
            !t.met_by(80.0, 101.0),
            "the upper bound must meet a <= target"
        );
        let z = Target::parse("expired_in_queue == 0", M).unwrap();
        assert!(z.met_by(0.0, 0.0));
        assert!(!z.met_by(0.0, 0.5));
    }

    #[test]
    fn a_straddling_interval_is_undecided_and_a_missing_value_is_not_met() {
        let t = Target::parse("time_to_label_p95_s <= 100s", M).unwrap();
        assert_eq!(t.verdict(Some((80.0, 99.0)), 4, 4), Verdict::Met);
        assert_eq!(t.verdict(Some((90.0, 110.0)), 4, 4), Verdict::Undecided);
        assert_eq!(t.verdict(Some((100.0, 110.0)), 4, 4), Verdict::Undecided);
        assert_eq!(t.verdict(Some((101.0, 110.0)), 4, 4), Verdict::Failed);
        assert_eq!(t.verdict(None, 0, 4), Verdict::NoValue);
        assert_eq!(
            t.verdict(Some((80.0, 99.0)), 3, 4),
            Verdict::NoValue,
            "one replication without a value"
        );
        let g = Target::parse("worker_utilization > 50%", M).unwrap();
        assert_eq!(g.verdict(Some((0.4, 0.5)), 2, 2), Verdict::Failed);
        assert_eq!(g.verdict(Some((0.4, 0.6)), 2, 2), Verdict::Undecided);
        let z = Target::parse("expired_in_queue == 0", M).unwrap();
        assert_eq!(
            z.verdict(Some((-1.0, 3.0)), 2, 2),
            Verdict::Failed,
            "== is decided at once"
        );
    }

    #[test]
    fn unstable_and_failed_points_are_decided() {
        use Verdict::*;
        assert_eq!(PointStatus::of(&[Met, Met], true), PointStatus::Unstable);
        assert_eq!(
            PointStatus::of(&[Undecided, Failed], false),
            PointStatus::Fails
        );
        assert_eq!(PointStatus::of(&[Met, NoValue], false), PointStatus::Fails);
        assert_eq!(
            PointStatus::of(&[Met, Undecided], false),
            PointStatus::Undecided
        );
        assert_eq!(PointStatus::of(&[Met], false), PointStatus::Meets);
        assert!(!PointStatus::Undecided.decided() && PointStatus::Unstable.decided());
        assert_eq!(next_replications(3, 50), 6);
        assert_eq!(next_replications(48, 50), 50);
    }

    #[test]
    fn minimize_breaks_ties_within_the_interval_toward_the_smallest_parameter() {
        let e = |mean: f64, half: f64| Estimate {
            mean,
            lo: mean - half,
            hi: mean + half,
        };
        // Point 5 is best, but point 2's mean is within its interval.
        let pts = [(0, e(10.5, 0.5)), (2, e(9.2, 0.5)), (5, e(9.0, 0.5))];
        assert_eq!(choose_minimum(&pts), Some((2, 5)));
        assert!(!is_flat(&pts.map(|p| p.1)), "point 0 differs from point 5");
        let flat = [(0, e(10.0, 1.0)), (1, e(9.5, 1.0)), (2, e(10.4, 1.0))];
        assert_eq!(choose_minimum(&flat), Some((0, 1)));
        assert!(is_flat(&flat.map(|p| p.1)));
        assert_eq!(choose_minimum(&[]), None);
    }

    #[test]
    fn gallop_finds_the_threshold_in_log_steps() {
        for n in [1usize, 2, 7, 100, 1000] {
            for answer in 0..n.min(40) {
                let mut calls = 0;
                let got = gallop_then_bisect::<()>(n, &mut |i| {
                    calls += 1;
                    Ok(i >= answer)
                })
                .unwrap();
                assert_eq!(got, Some(answer));
                assert!(
                    calls <= 2 * (usize::BITS - n.leading_zeros()) as usize + 2,
                    "n {n}: {calls} calls"
                );
            }
            assert_eq!(
                gallop_then_bisect::<()>(n, &mut |_| Ok(false)).unwrap(),
                None
            );
        }
    }
}
