//! R2/R7: the incremental match of waiting tasks to free workers
//! (`job::dispatch::match_pool`, which checks only pairs with a task or a
//! worker new since the last match) gives exactly the run of a full rescan
//! of every task against every free worker after each event, on scenarios
//! where the shortcut matters: tasks that time out and return to their
//! place, N distinct workers per object, shifts and step schedules that
//! bring several workers at once, declines, and workers who have had every
//! task in the pool.

use super::sim::Simulation;
use crate::engine::StreamSeeds;
use crate::scenario::{LoadOptions, Scenario};
use std::path::Path;

fn same_run(yaml: &str) {
    let s = Scenario::from_str(yaml, "match.yaml", Path::new("."), LoadOptions::default())
        .unwrap_or_else(|e| panic!("test scenario invalid: {e}"));
    for rep in 0..2 {
        let seeds = StreamSeeds::for_replication(s.seed, rep);
        let fast = Simulation::new(&s.sim, seeds)
            .run()
            .expect("incremental run");
        let full = Simulation::new(&s.sim, seeds)
            .with_full_rescan()
            .run()
            .expect("full rescan");
        assert!(
            fast.summary.events > 1000,
            "too small to tell: {}",
            fast.summary.events
        );
        assert_eq!(format!("{:?}", fast.summary), format!("{:?}", full.summary));
        assert_eq!(
            format!("{:?}", fast.timeseries),
            format!("{:?}", full.timeseries)
        );
    }
}

/// Most tasks time out (240 s limit, 22–50 min work): each returns to its
/// place and goes to a worker who has not had its object, until every
/// worker has (R2), while the weekend vendor shift adds 11 workers at once.
/// Before the incremental match, 20 days of this took over 5 minutes.
#[test]
fn timeouts_returning_to_a_pool_the_workers_have_seen() {
    same_run(
        "name: m\nseed: 5\nhorizon: 3d\nstart_at: 2026-01-03T00:00:00Z\n\
         job: {max_concurrent_task_count: 1184, workers_per_object: 3, initializing: 5m,\n\
           task_availability_lifetime: 10d, task_time_limit: 240s}\n\
         producers: [{name: p, kind: poisson, rate: 430/h}]\n\
         workers:\n\
           - {name: team, count: 58, service_time: {dist: uniform, min: 22m, max: 50m}}\n\
           - {name: vendor, count: 11, service_time: {dist: constant, value: 582s},\n\
              shifts: [{days: sat-mon, from: \"18:00\", to: \"24:00\"}]}\n",
    );
}

/// Some tasks time out, some are declined, N = 5 of 9 workers on a step
/// schedule (S1) and a day shift, with bursts that fill the pool.
#[test]
fn schedules_declines_and_a_few_timeouts() {
    same_run(
        "name: m\nseed: 9\nhorizon: 4d\n\
         job: {max_concurrent_task_count: 60, workers_per_object: 5, initializing: 0s,\n\
           task_availability_lifetime: 6h, task_time_limit: 10m}\n\
         producers: [{name: p, kind: poisson, rate: 40/h},\n\
           {name: b, kind: burst, size: 300, every: 1d, start: 7h}]\n\
         workers:\n\
           - {name: day, count: {schedule: [{from: \"00:00\", count: 2}, {from: \"08:00\", count: 6},\n\
               {from: \"16:00\", count: 3}], cycle: 1d}, service_time: {dist: exponential, mean: 5m},\n\
              decline_probability: 0.2, decline_time: 15s, speed: {spread: 0.3}}\n\
           - {name: night, count: 3, service_time: {dist: lognormal, median: 4m, sigma: 0.8},\n\
              shifts: [{days: mon-sun, from: \"18:00\", to: \"06:00\"}]}\n",
    );
}
