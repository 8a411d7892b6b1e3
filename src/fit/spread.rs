//! The spread of worker speeds (`workers[].speed.spread`) from durations
//! tagged with the worker who did each task.
//!
//! labelsim's model (R7): worker w has a fixed speed s_w, lognormal with
//! median 1 and log-space sigma σ, and a task takes a draw from the group's
//! `service_time` divided by s_w. So ln(duration) = ln(draw) − ln s_w, and
//! each worker's median log duration m_w = median(ln draw) − ln s_w + noise,
//! where the noise is that of a sample median of n_w tasks.
//!
//! The estimate, by the method of moments:
//!
//! 1. keep the workers with at least `min_tasks` tasks (fewer give a median
//!    dominated by chance);
//! 2. m_w = the median of ln(duration) of each kept worker;
//! 3. V = the variance of the m_w across workers (divisor W − 1);
//! 4. s² = the pooled within-worker variance of ln(duration), and the
//!    sampling variance of a median of n_w values ≈ (π/2) s² / n_w (exact
//!    for normal logs, as under a lognormal service time);
//! 5. σ² = max(0, V − mean over workers of (π/2) s² / n_w).
//!
//! Step 5 removes the part of the workers' differences that chance alone
//! would give. At least two kept workers are needed.
//!
//! [`SpreadEstimate::normalised`] also gives the durations with each
//! worker's speed divided out (x · ŝ_w, with ln ŝ_w = median(m) − m_w): the
//! sample to fit `service_time` to when the scenario sets `speed.spread`,
//! since the pooled durations already contain the spread between workers
//! and would count it twice.

use serde::Serialize;

/// Tasks a worker needs by default to count in the estimate.
pub const DEFAULT_MIN_TASKS: usize = 5;

/// The estimate of `speed.spread` and how it was made.
#[derive(Clone, Debug, Serialize)]
pub struct SpreadEstimate {
    /// σ̂, the log-space sigma of worker speeds (what `speed.spread` takes).
    pub sigma: f64,
    /// Workers with at least `min_tasks` tasks, which the estimate uses.
    pub workers_used: usize,
    /// Workers in the data.
    pub workers_total: usize,
    /// Tasks of the workers used.
    pub tasks_used: usize,
    pub min_tasks: usize,
    /// V, the variance of the workers' median log durations.
    pub between_variance: f64,
    /// The part of V expected from sampling noise alone.
    pub noise_variance: f64,
    /// Durations \[s\] of the workers used, with their speeds divided out.
    #[serde(skip)]
    pub normalised: Vec<f64>,
}

/// Why the spread could not be estimated.
#[derive(Clone, Debug, PartialEq, Serialize, thiserror::Error)]
pub enum SpreadError {
    /// Not fatal to a fit: the durations carry no worker.
    #[error("the durations do not say which worker did each task")]
    NoWorkers,
    /// Not fatal to a fit: too few workers with enough tasks.
    #[error(
        "{qualifying} worker(s) of {total} have at least {min_tasks} tasks; at least 2 are needed"
    )]
    TooFewWorkers {
        qualifying: usize,
        total: usize,
        min_tasks: usize,
    },
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Estimates σ from per-worker durations \[s\] (each positive), as the module
/// doc describes.
pub fn estimate(per_worker: &[Vec<f64>], min_tasks: usize) -> Result<SpreadEstimate, SpreadError> {
    if per_worker.is_empty() {
        return Err(SpreadError::NoWorkers);
    }
    let min_tasks = min_tasks.max(2);
    let kept: Vec<&Vec<f64>> = per_worker.iter().filter(|w| w.len() >= min_tasks).collect();
    if kept.len() < 2 {
        return Err(SpreadError::TooFewWorkers {
            qualifying: kept.len(),
            total: per_worker.len(),
            min_tasks,
        });
    }
    let logs: Vec<Vec<f64>> = kept
        .iter()
        .map(|w| w.iter().map(|x| x.ln()).collect())
        .collect();
    let medians: Vec<f64> = logs.iter().map(|l| median(&mut l.clone())).collect();
    let w = medians.len() as f64;
    let grand = medians.iter().sum::<f64>() / w;
    let between = medians.iter().map(|m| (m - grand).powi(2)).sum::<f64>() / (w - 1.0);
    let (mut ss, mut dof) = (0.0, 0.0);
    for l in &logs {
        let mean = l.iter().sum::<f64>() / l.len() as f64;
        ss += l.iter().map(|x| (x - mean).powi(2)).sum::<f64>();
        dof += (l.len() - 1) as f64;
    }
    let within = ss / dof;
    let noise = logs
        .iter()
        .map(|l| std::f64::consts::FRAC_PI_2 * within / l.len() as f64)
        .sum::<f64>()
        / w;
    let sigma = (between - noise).max(0.0).sqrt();
    let centre = median(&mut medians.clone());
    let mut normalised = Vec::new();
    for (l, m) in logs.iter().zip(&medians) {
        normalised.extend(l.iter().map(|x| (x + centre - m).exp()));
    }
    Ok(SpreadEstimate {
        sigma,
        workers_used: kept.len(),
        workers_total: per_worker.len(),
        tasks_used: normalised.len(),
        min_tasks,
        between_variance: between,
        noise_variance: noise,
        normalised,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_with_too_few_tasks_do_not_count() {
        let per_worker = vec![vec![1.0; 10], vec![2.0, 3.0]];
        assert_eq!(
            estimate(&per_worker, 5).unwrap_err(),
            SpreadError::TooFewWorkers {
                qualifying: 1,
                total: 2,
                min_tasks: 5
            }
        );
        assert_eq!(estimate(&[], 5).unwrap_err(), SpreadError::NoWorkers);
    }

    #[test]
    fn identical_workers_have_no_spread_and_constant_speeds_are_recovered() {
        // Same durations for everyone: σ = 0.
        let same = vec![vec![1.0, 2.0, 3.0, 4.0, 5.0]; 4];
        let e = estimate(&same, 5).unwrap();
        assert_eq!(e.sigma, 0.0);
        // Worker w twice as slow as w − 1, no noise within: the medians of
        // ln x are 0, ln 2, 2 ln 2 → V = (ln 2)², with no within variance.
        let scaled: Vec<Vec<f64>> = (0..3).map(|w| vec![2f64.powi(w); 6]).collect();
        let e = estimate(&scaled, 5).unwrap();
        assert!((e.sigma - 2f64.ln()).abs() < 1e-12, "{}", e.sigma);
        // Normalised: every duration at the middle worker's speed.
        assert!(e.normalised.iter().all(|x| (x - 2.0).abs() < 1e-12));
    }
}
