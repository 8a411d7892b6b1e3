//! S3: cover a per-interval requirement with shifts, at the fewest
//! worker-hours per cycle, as an exact integer program (a set-covering
//! model, Dantzig 1954), solved by `good_lp` with the pure-Rust `microlp`
//! backend (branch and bound on the simplex; no system library).
//!
//! ```text
//! minimize    Σ_{k,j} len_k · x_{k,j}                    worker-intervals
//! subject to  Σ_{(k,j) covers i} x_{k,j} ≥ r_i   ∀ i    every interval covered
//!             x_{k,j} ∈ ℕ
//! ```
//!
//! x_{k,j} is the number of workers on a shift of length k starting at
//! interval boundary j; shifts start at every boundary of every day of the
//! cycle and wrap around its end (a Sunday-night shift runs into Monday).

use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel};
use std::fmt;

/// A shift plan: how many workers start a shift of each length at each
/// interval boundary, and the staffing that results.
#[derive(Clone, Debug, PartialEq)]
pub struct ShiftPlan {
    /// (length \[intervals\], start interval, workers), those with workers.
    pub starts: Vec<(usize, usize, u32)>,
    /// Workers on shift in each interval.
    pub coverage: Vec<u32>,
    /// Σ length × workers [worker-intervals].
    pub worker_intervals: u64,
}

/// Why no plan was found. Fatal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShiftError {
    /// No shift lengths, or one of 0 or longer than the cycle.
    Lengths(String),
    /// The solver failed (it should not: the model is always feasible).
    Solver(String),
}

impl fmt::Display for ShiftError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShiftError::Lengths(m) => f.write_str(m),
            ShiftError::Solver(m) => write!(f, "the shift integer program failed: {m}"),
        }
    }
}

impl std::error::Error for ShiftError {}

/// Workers on shift in each interval when `starts` start.
pub fn coverage_of(intervals: usize, starts: &[(usize, usize, u32)]) -> Vec<u32> {
    let mut cov = vec![0u32; intervals];
    for &(len, start, workers) in starts {
        for k in 0..len {
            cov[(start + k) % intervals] += workers;
        }
    }
    cov
}

/// The cheapest cover of `required` (module docs) with shifts of
/// `lengths` intervals each.
pub fn cover(required: &[u32], lengths: &[usize]) -> Result<ShiftPlan, ShiftError> {
    let n = required.len();
    if lengths.is_empty() {
        return Err(ShiftError::Lengths("no shift lengths".into()));
    }
    if let Some(bad) = lengths.iter().find(|&&l| l == 0 || l > n) {
        return Err(ShiftError::Lengths(format!(
            "a shift of {bad} intervals does not fit a cycle of {n}"
        )));
    }
    let mut lengths = lengths.to_vec();
    lengths.sort_unstable();
    lengths.dedup();
    if required.iter().all(|&r| r == 0) {
        return Ok(ShiftPlan {
            starts: Vec::new(),
            coverage: vec![0; n],
            worker_intervals: 0,
        });
    }
    let mut vars = ProblemVariables::new();
    let mut x = Vec::new();
    for &len in &lengths {
        for start in 0..n {
            x.push((len, start, vars.add(variable().integer().min(0))));
        }
    }
    let objective: Expression = x.iter().map(|&(len, _, v)| len as f64 * v).sum();
    let mut model = vars.minimise(objective).using(microlp);
    for (i, &r) in required.iter().enumerate() {
        if r == 0 {
            continue;
        }
        // Shifts covering interval i: those starting at most len − 1 before.
        let covering: Expression = x
            .iter()
            .filter(|&&(len, start, _)| (i + n - start) % n < len)
            .map(|&(_, _, v)| v)
            .sum();
        model = model.with(covering.geq(r as f64));
    }
    let solution = model
        .solve()
        .map_err(|e| ShiftError::Solver(e.to_string()))?;
    let starts: Vec<(usize, usize, u32)> = x
        .iter()
        .map(|&(len, start, v)| (len, start, solution.value(v).round().max(0.0) as u32))
        .filter(|s| s.2 > 0)
        .collect();
    let coverage = coverage_of(n, &starts);
    let worker_intervals = starts.iter().map(|s| s.0 as u64 * s.2 as u64).sum();
    Ok(ShiftPlan {
        starts,
        coverage,
        worker_intervals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The cheapest cover by trying every x with each entry up to the
    /// largest requirement (an optimal cover never needs more).
    fn brute_force(required: &[u32], lengths: &[usize]) -> u64 {
        let n = required.len();
        let cap = *required.iter().max().unwrap() as usize;
        let vars: Vec<(usize, usize)> = lengths
            .iter()
            .flat_map(|&l| (0..n).map(move |s| (l, s)))
            .collect();
        let mut best = u64::MAX;
        let mut x = vec![0usize; vars.len()];
        loop {
            let starts: Vec<(usize, usize, u32)> = vars
                .iter()
                .zip(&x)
                .map(|(&(l, s), &w)| (l, s, w as u32))
                .collect();
            let cov = coverage_of(n, &starts);
            if cov.iter().zip(required).all(|(c, r)| c >= r) {
                let cost = starts.iter().map(|s| s.0 as u64 * s.2 as u64).sum();
                best = best.min(cost);
            }
            // Next x in mixed radix (cap + 1).
            let mut k = 0;
            loop {
                if k == x.len() {
                    return best;
                }
                x[k] += 1;
                if x[k] <= cap {
                    break;
                }
                x[k] = 0;
                k += 1;
            }
        }
    }

    #[test]
    fn the_integer_program_matches_brute_force_on_small_instances() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(20);
        for case in 0..40u32 {
            let n = rng.random_range(3..=5usize);
            let required: Vec<u32> = (0..n).map(|_| rng.random_range(0..=3u32)).collect();
            let lengths: Vec<usize> = if case.is_multiple_of(2) {
                vec![2, 3]
            } else {
                vec![2]
            };
            if required.iter().all(|&r| r == 0) {
                continue;
            }
            let plan = cover(&required, &lengths).unwrap();
            assert!(
                plan.coverage.iter().zip(&required).all(|(c, r)| c >= r),
                "{required:?} {plan:?}"
            );
            assert_eq!(
                plan.worker_intervals,
                brute_force(&required, &lengths),
                "case {case}: {required:?} with shifts {lengths:?}"
            );
        }
    }

    #[test]
    fn shifts_wrap_around_the_end_of_the_cycle() {
        // Only the last and first intervals need someone: one 2-interval
        // shift starting at the last one covers both.
        let plan = cover(&[1, 0, 0, 1], &[2]).unwrap();
        assert_eq!(plan.starts, vec![(2, 3, 1)]);
        assert_eq!(plan.coverage, vec![1, 0, 0, 1]);
    }

    #[test]
    fn bad_lengths_are_errors_not_panics() {
        assert!(matches!(cover(&[1, 2], &[3]), Err(ShiftError::Lengths(_))));
        assert!(matches!(cover(&[1, 2], &[]), Err(ShiftError::Lengths(_))));
        assert_eq!(cover(&[0, 0], &[1]).unwrap().worker_intervals, 0);
    }
}
