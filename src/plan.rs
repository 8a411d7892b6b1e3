//! Capacity planning: the smallest parameter value that meets every target
//! with 95% confidence, by galloping then bisecting over a sorted grid
//! (O(log n) points for a monotone question instead of n).

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
