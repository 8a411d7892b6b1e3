//! `output.warmup: auto` (SPEC §4a): a first pass on the same streams
//! reads the SQS backlog series (a pipeline without a labeling job: its
//! queues' visible messages), and MSER-5 picks the warm-up.

use super::Simulation;
use crate::engine::StreamSeeds;
use crate::model::config::{SimConfig, Warmup};
use crate::model::guard::{RunError, RunGuard};
use crate::model::pipeline::{PipelineSeries, QUEUE_COLUMNS};

/// For `warmup: auto`, the configuration with the warm-up MSER-5 picks
/// for this replication; None when the warm-up is not automatic.
pub(super) fn resolve_warmup(
    cfg: &SimConfig,
    seeds: StreamSeeds,
    guard: Option<&RunGuard>,
) -> Result<Option<SimConfig>, RunError> {
    if cfg.warmup != Warmup::Auto {
        return Ok(None);
    }
    let mut pilot = cfg.clone();
    pilot.warmup = Warmup::None;
    let first = match guard {
        Some(g) => Simulation::new(&pilot, seeds).run_guarded(g)?,
        None => Simulation::new(&pilot, seeds).run()?,
    };
    // SPEC §4a, literally: the backlog series (the SQS queue). A transient
    // held in A (objects available to workers, below K) does not show in it.
    // A pipeline without a labeling job has no such queue (its backlog is
    // always 0): its backlog is its SQS queues' visible messages.
    let levels: Vec<f64> = match (&first.pipeline, &cfg.pipeline) {
        (Some(out), Some(p)) if cfg.no_job => pipeline_backlog(&out.series, p.queues.len()),
        _ => first.timeseries.iter().map(|s| s.backlog as f64).collect(),
    };
    let batches = mser5_truncation(&levels);
    pilot.warmup = Warmup::Fixed(cfg.sample_every * (5 * batches as u64));
    Ok(Some(pilot))
}

/// The visible messages of a pipeline's `queues` SQS queues, summed, at
/// each sample (their columns come first, [`QUEUE_COLUMNS`] per queue).
fn pipeline_backlog(series: &PipelineSeries, queues: usize) -> Vec<f64> {
    let width = series.columns.len().max(1);
    series
        .values
        .chunks_exact(width)
        .map(|row| (0..queues).map(|q| row[q * QUEUE_COLUMNS.len()]).sum())
        .collect()
}

/// MSER-5 (White 1997; Franklin & White 2008): the series is cut into
/// batches of 5 observations, and the number d of leading batches to drop
/// minimises the marginal standard error Σ_{i≥d} (Y_i − Ȳ_d)² / (n − d)²
/// of the batch means Y, searched over d ≤ n/2. Returns d (0 when the
/// series is too short to judge).
pub fn mser5_truncation(series: &[f64]) -> usize {
    let means: Vec<f64> = series
        .chunks_exact(5)
        .map(|c| c.iter().sum::<f64>() / 5.0)
        .collect();
    let n = means.len();
    if n < 4 {
        return 0;
    }
    // Suffix sums make each d O(1).
    let (mut sum, mut sq) = (vec![0.0; n + 1], vec![0.0; n + 1]);
    for i in (0..n).rev() {
        sum[i] = sum[i + 1] + means[i];
        sq[i] = sq[i + 1] + means[i] * means[i];
    }
    let mut best = (f64::INFINITY, 0);
    for d in 0..=n / 2 {
        let m = (n - d) as f64;
        let ss = (sq[d] - sum[d] * sum[d] / m).max(0.0);
        let mser = ss / (m * m);
        if mser < best.0 {
            best = (mser, d);
        }
    }
    best.1
}

#[cfg(test)]
mod mser_tests {
    use super::mser5_truncation;

    #[test]
    fn mser5_cuts_a_start_up_transient_and_keeps_a_stationary_series() {
        // 100 observations decaying from 100, then 400 around 5: the cut
        // lands at the end of the transient (in batches of 5).
        let mut xs: Vec<f64> = (0..100).map(|i| 100.0 - i as f64).collect();
        xs.extend((0..400).map(|i| 5.0 + (i % 3) as f64));
        let d = mser5_truncation(&xs);
        assert!((18..=22).contains(&d), "cut {d} batches");
        let flat: Vec<f64> = (0..500).map(|i| (i % 7) as f64).collect();
        assert!(mser5_truncation(&flat) < 10);
        assert_eq!(mser5_truncation(&[1.0; 12]), 0, "too short to judge");
    }
}
