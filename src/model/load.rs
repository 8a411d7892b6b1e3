//! Offered load: whether a streaming job's workforce can keep up with its
//! input in the long run, from the configuration alone (no simulation).
//!
//! For a stationary stream, a queue whose offered load ρ reaches 1 grows
//! without bound (R6: objects then expire after `queue_retention`): whatever
//! a finite run shows, such a staffing never meets a latency target in
//! steady state. The planner uses this to mark those points `unstable`.

use super::config::{ArrivalProcess, Mode, ProducerConfig, SimConfig, WorkerGroupConfig};
use crate::engine::time::US_PER_DAY;

/// Offered load ρ = offered work / on-shift capacity [dimensionless], or
/// None when the input is not a stationary stream.
///
/// ```text
/// ρ = λ · N / Σ_g (c_g · f_g / h_g)
///
/// λ    [objects/µs]  sum of the long-run rates of the stationary producers
/// N    [tasks/object] job.workers_per_object
/// c_g  [workers]     worker group g's count
/// f_g  [1]           share of the week group g is on shift
/// h_g  [µs/task]     expected time a task holds a worker of group g:
///                    h_g = d · decline_time + (1 − d) · min(E[S] · e^(σ²/2), task_time_limit)
/// ```
///
/// For one group this is λ · N · h / (c · f): offered work per µs over
/// on-shift workers. `d` is the group's decline probability (R7: a declined
/// task is resolved, not offered again), `E[S]` its mean service time and σ
/// its `speed_spread`: speeds are lognormal with median 1, so
/// E[1/speed] = e^(σ²/2).
///
/// Approximations: the time limit caps the *mean* service time rather than
/// each draw, and tasks that time out and return to the pool (R7
/// `on_timeout: return`) are not counted again; producer duplicates that
/// deduplication does not catch (R9) are not counted. Shifts count by their
/// weekly share, however they line up with a daily arrival profile.
///
/// A producer is stationary when it is `poisson`, `diurnal` (sinusoid or
/// profile) or `burst` with `every`, sends until the horizon, and has no
/// `limit`; `manifest`, `trace`, single bursts, and producers that stop or
/// are capped are transients and do not count. The result is None in batch
/// mode (R4) or when no producer is stationary, and +∞ when work arrives but
/// no worker is ever on shift.
pub fn offered_load(cfg: &SimConfig) -> Option<f64> {
    // A pipeline (SPEC §6) decides what reaches the job (routing by
    // confidence, copies, failures): no closed form here, so no verdict.
    if cfg.job.mode == Mode::Batch || cfg.no_job || cfg.pipeline.is_some() {
        return None;
    }
    let rates: Vec<f64> = cfg
        .producers
        .iter()
        .filter_map(|p| stationary_rate_per_us(p, cfg))
        .collect();
    if rates.is_empty() {
        return None;
    }
    let lambda: f64 = rates.iter().sum();
    let work_per_us = lambda * cfg.job.workers_per_object as f64;
    let capacity_tasks_per_us: f64 = cfg
        .workers
        .iter()
        .map(|g| {
            let hold = task_hold_us(g, cfg.job.task_time_limit.as_micros() as f64);
            let on_shift = g.count as f64 * g.shifts.on_shift_fraction();
            if on_shift == 0.0 {
                0.0
            } else if hold <= 0.0 {
                f64::INFINITY
            } else {
                on_shift / hold
            }
        })
        .sum();
    Some(if work_per_us == 0.0 {
        0.0
    } else if capacity_tasks_per_us == 0.0 {
        f64::INFINITY
    } else {
        work_per_us / capacity_tasks_per_us
    })
}

/// h_g [µs]: expected time one task holds a worker of the group (see
/// [`offered_load`]).
fn task_hold_us(g: &WorkerGroupConfig, task_time_limit_us: f64) -> f64 {
    let d = g.decline_probability.clamp(0.0, 1.0);
    let inverse_speed = (g.speed_spread * g.speed_spread / 2.0).exp();
    let service = (g.service_time.mean_us() * inverse_speed).min(task_time_limit_us);
    d * g.decline_time.as_micros() as f64 + (1.0 - d) * service
}

/// Long-run rate [messages/µs] of a producer that keeps sending until the
/// horizon, or None for a transient one.
pub(crate) fn stationary_rate_per_us(p: &ProducerConfig, cfg: &SimConfig) -> Option<f64> {
    if p.limit.is_some() || p.end < cfg.horizon {
        return None;
    }
    match &p.process {
        ArrivalProcess::Poisson { rate_per_us } => Some(*rate_per_us),
        // The cosine averages to 0 over a day.
        ArrivalProcess::Diurnal { mean_per_us, .. } => Some(*mean_per_us),
        ArrivalProcess::Profile { points } => Some(profile_mean_per_us(points)),
        ArrivalProcess::Burst { size, every } if !every.is_zero() => {
            Some(*size as f64 / every.as_micros() as f64)
        }
        ArrivalProcess::Burst { .. } | ArrivalProcess::Manifest { .. } => None,
        ArrivalProcess::Trace { .. } => None,
    }
}

/// Time average over a day of a piecewise-constant daily rate [per µs].
pub(crate) fn profile_mean_per_us(points: &[(u64, f64)]) -> f64 {
    let mut area = 0.0;
    for (i, &(at, rate)) in points.iter().enumerate() {
        let next = points
            .get(i + 1)
            .map_or(US_PER_DAY, |p| p.0)
            .min(US_PER_DAY);
        area += rate * next.saturating_sub(at) as f64;
    }
    area / US_PER_DAY as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::time::{US_PER_H, US_PER_MIN};
    use crate::engine::{SimDuration, SimTime};
    use crate::model::workforce::{ServiceDist, ShiftSchedule};
    use crate::scenario::{LoadOptions, Scenario};
    use std::path::Path;

    fn quickstart() -> SimConfig {
        Scenario::from_str(
            include_str!("../../scenarios/quickstart.yaml"),
            "quickstart.yaml",
            Path::new("scenarios"),
            LoadOptions::default(),
        )
        .expect("quickstart is valid")
        .sim
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn quickstart_runs_at_ninety_percent_and_nine_workers_saturate() {
        // 90/h × 6 min / 10 workers = 0.9; the 500-object manifest is a transient.
        let mut cfg = quickstart();
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
        cfg.workers[0].count = 9;
        assert!(close(offered_load(&cfg).unwrap(), 1.0));
        cfg.workers[0].count = 0;
        assert_eq!(offered_load(&cfg), Some(f64::INFINITY));
    }

    #[test]
    fn tasks_per_object_speed_declines_and_shifts_scale_the_load() {
        let mut cfg = quickstart();
        cfg.job.workers_per_object = 3;
        assert!(close(offered_load(&cfg).unwrap(), 2.7));
        cfg.job.workers_per_object = 1;
        // Half the week on shift doubles the load.
        cfg.workers[0].shifts = ShiftSchedule::weekly(&[(0, 0, 0), (1, 0, 12 * US_PER_H)], 0);
        assert!(close(offered_load(&cfg).unwrap(), 0.9 * 168.0 / 36.0));
        cfg.workers[0].shifts = ShiftSchedule::Always;
        // Speeds with sigma 1: E[1/speed] = e^0.5.
        cfg.workers[0].speed_spread = 1.0;
        assert!(close(offered_load(&cfg).unwrap(), 0.9 * 0.5f64.exp()));
        cfg.workers[0].speed_spread = 0.0;
        // Half the tasks declined after 1 min: h = 0.5 · 1 + 0.5 · 6 min.
        cfg.workers[0].decline_probability = 0.5;
        cfg.workers[0].decline_time = SimDuration::from_mins(1);
        assert!(close(offered_load(&cfg).unwrap(), 0.9 * 3.5 / 6.0));
        cfg.workers[0].decline_probability = 0.0;
        // The task time limit caps the mean: 6 min → 3 min.
        cfg.job.task_time_limit = SimDuration::from_mins(3);
        assert!(close(offered_load(&cfg).unwrap(), 0.45));
    }

    #[test]
    fn several_groups_add_their_task_rates() {
        let mut cfg = quickstart();
        let mut slow = cfg.workers[0].clone();
        slow.count = 5;
        slow.service_time = ServiceDist::exponential(12.0 * US_PER_MIN as f64).unwrap();
        cfg.workers.push(slow);
        // 10/6 + 5/12 = 25/12 tasks per min against 1.5/min.
        assert!(close(offered_load(&cfg).unwrap(), 1.5 * 12.0 / 25.0));
    }

    #[test]
    fn stationary_rates_of_each_producer_kind() {
        let mut cfg = quickstart();
        let per_h = |x: f64| x / US_PER_H as f64;
        cfg.producers[0].process = ArrivalProcess::Diurnal {
            mean_per_us: per_h(90.0),
            peak_hour: 12.0,
            amplitude: 0.8,
        };
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
        // 180/h for 12 h, 0 for 12 h.
        cfg.producers[0].process = ArrivalProcess::Profile {
            points: vec![(0, per_h(180.0)), (12 * US_PER_H, 0.0)],
        };
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
        // 45 every 30 min.
        cfg.producers[0].process = ArrivalProcess::Burst {
            size: 45,
            every: SimDuration::from_mins(30),
        };
        assert!(close(offered_load(&cfg).unwrap(), 0.9));
    }

    #[test]
    fn transient_inputs_have_no_offered_load() {
        let base = quickstart();
        let mut cfg = base.clone();
        cfg.producers[0].limit = Some(1000);
        assert_eq!(offered_load(&cfg), None, "a capped producer");
        let mut cfg = base.clone();
        cfg.producers[0].end = SimTime::from_micros(US_PER_DAY);
        assert_eq!(offered_load(&cfg), None, "a producer stopping early");
        let mut cfg = base.clone();
        cfg.producers[0].process = ArrivalProcess::Burst {
            size: 100,
            every: SimDuration::ZERO,
        };
        assert_eq!(offered_load(&cfg), None, "a single burst");
        let mut cfg = base.clone();
        cfg.producers[0].process = ArrivalProcess::Trace { times: vec![] };
        assert_eq!(offered_load(&cfg), None, "a trace");
        let mut cfg = base;
        cfg.job.mode = Mode::Batch;
        assert_eq!(offered_load(&cfg), None, "batch mode");
    }
}
