//! SPEC §5: every invariant must be able to fail. Each test breaks the
//! model on purpose (a [`Fault`] that only unit tests can inject), checks
//! that the same scenario passes without it, and sees the invariant fire.

use super::sim::{Fault, Simulation};
use crate::engine::StreamSeeds;
use crate::scenario::{LoadOptions, Scenario};
use std::path::Path;

fn scenario(yaml: &str) -> Scenario {
    Scenario::from_str(yaml, "fault.yaml", Path::new("."), LoadOptions::default())
        .unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

/// Runs `yaml` sound (must pass) and with `fault` (must break `invariant`).
fn breaks(yaml: &str, fault: Fault, invariant: &str) {
    let s = scenario(yaml);
    let seeds = StreamSeeds::for_replication(s.seed, 0);
    if let Err(e) = Simulation::new(&s.sim, seeds).run() {
        panic!("the sound model must pass: {e}");
    }
    match Simulation::new(&s.sim, seeds).with_fault(fault).run() {
        Ok(_) => panic!("{fault:?} went unnoticed"),
        Err(e) => assert!(
            e.invariant.starts_with(invariant),
            "{fault:?} should break `{invariant}`, broke: {e}"
        ),
    }
}

const STREAM: &str = "name: f\nseed: 3\nhorizon: 2d\njob: {initializing: 0s}\n\
    producers: [{name: p, kind: poisson, rate: 50/h, duplicates: {sns_redelivery: 0.3}}]\n\
    workers: [{count: 6, service_time: {dist: exponential, mean: 6m}, decline_probability: 0.2}]\n";

#[test]
fn an_uncounted_duplicate_breaks_the_message_ledger() {
    breaks(STREAM, Fault::UncountedDuplicate, "messages_received =");
}

#[test]
fn an_uncounted_label_breaks_the_object_ledger() {
    breaks(STREAM, Fault::UncountedLabel, "objects_accepted =");
}

#[test]
fn an_uncounted_dispatch_breaks_the_dispatch_ledger() {
    breaks(STREAM, Fault::UncountedDispatch, "objects_dispatched =");
}

#[test]
fn an_uncounted_decline_breaks_the_task_ledger() {
    breaks(STREAM, Fault::UncountedDecline, "tasks_created =");
}

#[test]
fn a_message_lost_at_the_sender_breaks_the_production_ledger() {
    breaks(STREAM, Fault::LostAtSender, "messages_produced +");
}

#[test]
fn dispatch_past_k_breaks_a_at_most_k() {
    breaks(
        "name: f\nhorizon: 1d\njob: {initializing: 0s, max_concurrent_task_count: 5}\n\
         producers: [{name: m, kind: manifest, count: 20}]\n\
         workers: [{count: 1, service_time: {dist: constant, value: 1m}}]\n",
        Fault::DispatchPastK,
        "A <= K",
    );
}

const PAIRS: &str =
    "name: f\nseed: 5\nhorizon: 1d\njob: {initializing: 0s, workers_per_object: 2}\n\
    producers: [{name: p, kind: poisson, rate: 10/h}]\n\
    workers: [{count: 2, service_time: {dist: exponential, mean: 5m}}]\n";

#[test]
fn skipping_the_distinct_worker_filter_is_caught() {
    breaks(
        PAIRS,
        Fault::SkipDistinctFilter,
        "no worker holds two tasks",
    );
}

#[test]
fn losing_the_worker_list_is_caught_by_the_independent_pair_check() {
    // The filter and the check no longer share state: with the list gone
    // the filter fails open, and the take's own list of the object's workers
    // (`takers`, which the filter never reads) still sees it.
    breaks(PAIRS, Fault::ForgetTouched, "no worker holds two tasks");
}

#[test]
fn a_stale_available_level_breaks_littles_law() {
    breaks(STREAM, Fault::StaleAvailableLevel, "Little's law");
}

#[test]
fn a_stale_busy_level_breaks_the_busy_time_balance() {
    breaks(STREAM, Fault::StaleBusyLevel, "busy worker-time");
}

#[test]
fn uncounted_overtime_breaks_utilization_at_most_one() {
    // One worker on 09:00-17:00, saturated with 50-minute tasks: the task in
    // hand at 17:00 runs into the evening. Busy time exceeds on-shift time
    // unless overtime is counted (SPEC §4a).
    breaks(
        "name: f\nhorizon: 7d\njob: {initializing: 0s}\n\
         producers: [{name: p, kind: poisson, rate: 10/h}]\n\
         workers: [{count: 1, service_time: {dist: constant, value: 50m}, shifts: [{days: daily, from: \"09:00\", to: \"17:00\"}]}]\n",
        Fault::NoOvertime,
        "worker_utilization <= 1",
    );
}

#[test]
fn a_label_without_a_submission_breaks_the_label_bound() {
    breaks(
        "name: f\nhorizon: 1d\njob: {initializing: 0s}\n\
         producers: [{name: p, kind: poisson, rate: 10/h}]\n\
         workers: [{count: 2, service_time: {dist: constant, value: 5m}, decline_probability: 1.0}]\n",
        Fault::LabelWithoutSubmission,
        "labels made during the job's life",
    );
}
