//! One small deterministic scenario per rule of SPEC §2, with expectations
//! computed by hand (constant service times make every instant predictable).
//! Each test names the rule it protects; each would fail if the rule broke.

use crate::common;
use common::*;
use labelsim::model::{EndState, TraceKind as K};

const DAY: f64 = 86_400.0;
const H: f64 = 3_600.0;

// ----- R1 lifecycle ---------------------------------------------------------

#[test]
fn r1_messages_before_in_progress_are_lost() {
    // Initializing 5m = 300 s; arrivals at 0, 60, 299, 300, 301 s. The job
    // becomes InProgress at 300 s before the message of that instant.
    let out = run(r#"
name: r1
horizon: 1h
job: {initializing: 5m}
producers:
  - {name: replay, kind: trace, csv: r1_arrivals.csv, column: timestamp}
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#);
    let s = &out.summary;
    assert_eq!(s.messages_received, 5);
    assert_eq!(s.lost_not_in_progress, 3);
    assert_eq!(s.objects_accepted, 2);
    assert_eq!(time_of(&out, 1, K::Accepted), Some(300.0));
}

#[test]
fn r1_manual_stop_strands_queue_withdraws_waiting_and_finishes_held_tasks() {
    // K=3, N=1, one worker at 1h per task, 5 objects at t=0: objects 1-3 are
    // dispatched, 4-5 queued. Object 1 done at 1h (A=2 is not < K-N=2: no
    // refill); object 2 taken at 1h. Stop at 2h: 4-5 stranded, object 3's
    // waiting task withdrawn (object failed); object 2, in hand, finishes
    // at 2h and is labeled. The burst at 3h is lost after the stop.
    let out = run(r#"
name: r1stop
horizon: 4h
job: {initializing: 0s, max_concurrent_task_count: 3, stop_at: 2h}
producers:
  - {name: m, kind: manifest, count: 5}
  - {name: late, kind: burst, size: 4, start: 3h}
workers: [{count: 1, service_time: {dist: constant, value: 1h}}]
"#);
    let s = &out.summary;
    assert_eq!(s.job_end_state, Some(EndState::StoppedManual));
    assert_eq!(s.job_end_time_s, 2.0 * H);
    assert_eq!(s.stranded_at_stop, 2);
    assert_eq!(s.tasks_withdrawn, 1);
    assert_eq!(s.objects_failed, 1);
    assert_eq!(s.objects_labeled, 2);
    assert_eq!(time_of(&out, 2, K::Labeled), Some(2.0 * H));
    assert_eq!(s.lost_after_stop, 4);
    assert_eq!(s.objects_dispatched, 3);
}

#[test]
fn r1_reaching_the_horizon_ends_the_simulation_not_the_job() {
    let out = run(r#"
name: r1h
horizon: 2h
producers: [{name: p, kind: burst, size: 3, every: 30m}]
workers: [{count: 1, service_time: {dist: constant, value: 1h}}]
"#);
    let s = &out.summary;
    assert_eq!(s.job_end_state, Some(EndState::InProgress));
    assert_eq!(s.job_end_time_s, 2.0 * H);
    assert!(s.in_progress_at_end > 0);
}

// ----- R2 objects and tasks -------------------------------------------------

#[test]
fn r2_the_n_tasks_of_an_object_go_to_distinct_workers() {
    // N=3, 3 workers at 10m: object 1 to workers {0,1,2} at 0, object 2 to
    // the same three (each once) at 10m.
    let out = run(r#"
name: r2
horizon: 1h
job: {initializing: 0s, max_concurrent_task_count: 10, workers_per_object: 3}
producers: [{name: m, kind: manifest, count: 2}]
workers: [{count: 3, service_time: {dist: constant, value: 10m}}]
"#);
    for id in [1, 2] {
        let mut w = takers(&out, id);
        w.sort();
        assert_eq!(w, vec![0, 1, 2], "object {id}");
    }
    assert_eq!(time_of(&out, 2, K::Labeled), Some(1200.0));
    assert_eq!(out.summary.tasks_submitted, 6);
    assert_eq!(out.summary.objects_labeled, 2);
}

#[test]
fn r2_a_task_no_distinct_worker_can_take_waits_and_expires() {
    // N=3 but only 2 workers: the third task can never be taken (no worker
    // works twice on an object); at the 1h lifetime the object resolves
    // labeled (2 submissions) and the third task expires.
    let out = run(r#"
name: r2b
horizon: 2h
job: {initializing: 0s, max_concurrent_task_count: 10, workers_per_object: 3, task_availability_lifetime: 1h}
producers: [{name: m, kind: manifest, count: 1}]
workers: [{count: 2, service_time: {dist: constant, value: 10m}}]
"#);
    let s = &out.summary;
    assert_eq!(takers(&out, 1).len(), 2);
    assert_eq!(s.tasks_submitted, 2);
    assert_eq!(s.tasks_expired, 1);
    assert_eq!(s.objects_labeled, 1);
    assert_eq!(time_of(&out, 1, K::Labeled), Some(H));
}

#[test]
fn r2_an_object_with_no_submission_fails() {
    let out = run(r#"
name: r2c
horizon: 1h
job: {initializing: 0s, max_concurrent_task_count: 10, workers_per_object: 2}
producers: [{name: m, kind: manifest, count: 1}]
workers: [{count: 2, decline_probability: 1.0, service_time: {dist: constant, value: 10m}}]
"#);
    assert_eq!(out.summary.objects_failed, 1);
    assert_eq!(out.summary.objects_labeled, 0);
    assert_eq!(time_of(&out, 1, K::Failed), Some(10.0)); // decline_time 10s
}

// ----- R3 streaming dispatch ------------------------------------------------

const R3: &str = r#"
name: r3
horizon: 2h
job: {initializing: 0s, max_concurrent_task_count: 5, workers_per_object: 2, refill_rule: RULE}
producers:
  - {name: m, kind: manifest, count: 10}
  - {name: late, kind: burst, size: 1, start: 601s}
workers: [{count: 10, service_time: {dist: constant, value: 10m}}]
"#;

#[test]
fn r3_k5_n2_dispatch_times_follow_the_k_minus_n_refill() {
    // Objects 1-5 go out at 0 (A < K), 6-10 queue. At 600 s objects 1-5
    // resolve in turn: A drops 4, 3 (no refill: A < K-N = 3 is false), then
    // 2 → dispatch 6 (A=3), 2 → 7, 2 → 8. At 1200 s, 6 resolves: A=3 with
    // the late arrival 11 (dispatched directly at 601 s, A < K) → no refill;
    // 7 → 9, 8 → 10.
    let out = run(&R3.replace("RULE", "documented"));
    let d = |id| time_of(&out, id, K::Dispatched).unwrap();
    for id in 1..=5 {
        assert_eq!(d(id), 0.0, "object {id}");
    }
    for id in 6..=8 {
        assert_eq!(d(id), 600.0, "object {id}");
    }
    assert_eq!(
        d(11),
        601.0,
        "documented rule: a new arrival overtakes the queue when A < K"
    );
    assert_eq!(d(9), 1200.0);
    assert_eq!(d(10), 1200.0);
    let s = &out.summary;
    assert_eq!(s.available_max, 5);
    assert_eq!(s.backlog_max, 5);
    assert_eq!(s.objects_labeled, 11);
}

#[test]
fn r3_strict_fifo_queues_new_arrivals_behind_the_queue() {
    let out = run(&R3.replace("RULE", "strict_fifo"));
    let d = |id| time_of(&out, id, K::Dispatched).unwrap();
    assert_eq!(
        d(11),
        1200.0,
        "strict_fifo: the arrival waits behind objects 9 and 10"
    );
    assert_eq!(d(9), 1200.0);
    assert!(
        out.trace
            .iter()
            .position(|r| r.object == 9 && r.kind == K::Dispatched)
            < out
                .trace
                .iter()
                .position(|r| r.object == 11 && r.kind == K::Dispatched)
    );
}

#[test]
fn r3_exact_time_to_label_and_queue_wait_without_late_arrivals() {
    // Without the late arrival: labels at 600 s (1-5), 1200 s (6-8),
    // 1800 s (9-10). Mean time to label (5·600 + 3·1200 + 2·1800)/10 = 1020 s;
    // mean queue wait (3·600 + 2·1200)/10 = 420 s.
    let yaml = R3
        .replace("RULE", "documented")
        .replace("size: 1, start: 601s", "size: 0");
    let s = summary(&yaml);
    assert_eq!(s.time_to_label_mean_s.unwrap(), 1020.0);
    assert_eq!(s.queue_wait_mean_s.unwrap(), 420.0);
    // Nearest rank: the 5th of 10 values is 600 s; the 10th is 1800 s.
    assert_eq!(s.time_to_label_p50_s.unwrap(), 600.0);
    assert_eq!(s.time_to_label_p95_s.unwrap(), 1800.0);
}

#[test]
fn r3_k_not_above_n_is_rejected() {
    let err = try_scenario(
        "name: x\nhorizon: 1d\njob:\n  max_concurrent_task_count: 3\n  workers_per_object: 3\n",
    )
    .unwrap_err();
    let p = &err.problems[0];
    assert_eq!(p.field, "job.max_concurrent_task_count");
    assert_eq!(p.line, Some(4));
}

// ----- R4 batch mode --------------------------------------------------------

const R4: &str = r#"
name: r4
horizon: 1d
job: {mode: batch, initializing: 0s, max_concurrent_task_count: 10, MAXRT}
producers: [{name: m, kind: manifest, count: 25}]
workers: [{count: 5, service_time: {dist: constant, value: 1h}}]
"#;

#[test]
fn r4_batch_waves_wait_for_the_whole_wave() {
    // Waves of 10: 1-10 at 0 (5 workers: done at 1h and 2h), 11-20 at 2h
    // (done 3h, 4h), 21-25 at 4h (done 5h): completed at 5h.
    let out = run(&R4.replace(", MAXRT", ""));
    let d = |id| time_of(&out, id, K::Dispatched).unwrap();
    assert_eq!(d(10), 0.0);
    assert_eq!(d(11), 2.0 * H, "the second wave waits for all of the first");
    assert_eq!(d(21), 4.0 * H);
    let s = &out.summary;
    assert_eq!(s.job_end_state, Some(EndState::Completed));
    assert_eq!(s.job_end_time_s, 5.0 * H);
    assert_eq!(s.objects_labeled, 25);
    assert_eq!(s.available_max, 10);
}

#[test]
fn r4_batch_job_past_max_runtime_fails() {
    // At 2h30m objects 11-15 are in hand (finish at 3h, labeled), 16-20
    // wait (withdrawn: failed), 21-25 never sent (stranded).
    let s = summary(&R4.replace("MAXRT", "max_runtime: 2h 30m"));
    assert_eq!(s.job_end_state, Some(EndState::Failed));
    assert_eq!(s.job_end_time_s, 2.5 * H);
    assert_eq!(s.objects_labeled, 15);
    assert_eq!(s.objects_failed, 5);
    assert_eq!(s.stranded_at_stop, 5);
    assert_eq!(s.tasks_withdrawn, 5);
}

#[test]
fn tie_order_work_finishing_at_max_runtime_counts_before_the_deadline() {
    // SPEC §1: at 3h objects 11-15 are submitted (ordinary events) before
    // R1's max_runtime (a deadline) fires, and the freed workers take 16-20
    // at that instant: in hand, they finish at 4h. Nothing is withdrawn.
    let s = summary(&R4.replace("MAXRT", "max_runtime: 3h"));
    assert_eq!(s.job_end_state, Some(EndState::Failed));
    assert_eq!(s.job_end_time_s, 3.0 * H);
    assert_eq!(s.objects_labeled, 20);
    assert_eq!(s.objects_failed, 0);
    assert_eq!(s.tasks_withdrawn, 0);
    assert_eq!(s.stranded_at_stop, 5);
}

#[test]
fn tie_order_a_batch_job_completing_exactly_at_max_runtime_completed() {
    // Waves as above end at 5h; with max_runtime 5h the last submissions
    // (ordinary) come before the deadline: the job completed.
    let s = summary(&R4.replace("MAXRT", "max_runtime: 5h"));
    assert_eq!(s.job_end_state, Some(EndState::Completed));
    assert_eq!(s.job_end_time_s, 5.0 * H);
    assert_eq!(s.objects_labeled, 25);
}

#[test]
fn r4_batch_takes_manifest_input_only() {
    let err = try_scenario(
        "name: x\nhorizon: 1d\njob: {mode: batch}\nproducers:\n  - {name: p, kind: poisson, rate: 1/h}\n",
    )
    .unwrap_err();
    assert_eq!(err.problems[0].field, "producers[0].kind");
    assert_eq!(err.problems[0].line, Some(5));
}

// ----- R5 Mechanical Turk pilot ---------------------------------------------

const R5: &str = r#"
name: r5
horizon: 1d
job: {mode: MODE, workforce: WF, initializing: 0s, max_concurrent_task_count: 30}
producers: [{name: m, kind: manifest, count: 30}]
workers: [{count: 100, service_time: {dist: constant, value: 1h}}]
"#;

#[test]
fn r5_mturk_batch_sends_a_pilot_of_ten_first() {
    let mturk = run(&R5.replace("MODE", "batch").replace("WF", "mturk"));
    assert_eq!(time_of(&mturk, 10, K::Dispatched), Some(0.0));
    assert_eq!(time_of(&mturk, 11, K::Dispatched), Some(H));
    assert_eq!(mturk.summary.job_end_time_s, 2.0 * H);
    let private = run(&R5.replace("MODE", "batch").replace("WF", "private"));
    assert_eq!(time_of(&private, 30, K::Dispatched), Some(0.0));
    assert_eq!(private.summary.job_end_time_s, H);
}

#[test]
fn r5_mturk_streaming_queues_everything_after_the_pilot_until_it_resolves() {
    let s = summary(&R5.replace("MODE", "streaming").replace("WF", "mturk"));
    // 20 objects wait 1h each: mean queue wait 20·3600/30 = 2400 s.
    assert_eq!(s.backlog_max, 20);
    assert_eq!(s.queue_wait_mean_s.unwrap(), 2400.0);
    assert_eq!(s.objects_labeled, 30);
}

// ----- R6 queue expiry ------------------------------------------------------

#[test]
fn r6_objects_waiting_14_days_in_the_queue_expire_exactly() {
    // K=2 and no workers: 2 objects stay available, 8 queue at t=0 and
    // expire at exactly 14d; one more arrives at 1d and expires at 15d.
    let out = run(r#"
name: r6
horizon: 20d
job: {initializing: 0s, max_concurrent_task_count: 2}
producers:
  - {name: m, kind: manifest, count: 10}
  - {name: late, kind: burst, size: 1, start: 1d}
workers: []
"#);
    let exp = events(&out, K::ExpiredInQueue);
    assert_eq!(exp.len(), 9);
    assert!(exp[..8].iter().all(|&(_, t)| t == 14.0 * DAY), "{exp:?}");
    assert_eq!(exp[8], (11, 15.0 * DAY));
    let s = &out.summary;
    assert_eq!(s.expired_in_queue, 9);
    assert_eq!(s.in_progress_at_end, 2);
    assert_eq!(s.queued_at_end, 0);
}

#[test]
fn r6_retention_is_configurable_and_dispatch_before_expiry_saves_an_object() {
    // One worker at 8h, K=2, N=1: objects 1-2 go out at 0, object 3 queues.
    // When object 1 resolves at 8h, A=1 is not < K-N=1, so object 3 would go
    // out only when A reaches 0 at 16h; with a 10h retention it expires at
    // 10h first.
    let out = run(r#"
name: r6b
horizon: 3d
job: {initializing: 0s, max_concurrent_task_count: 2, queue_retention: 10h, task_time_limit: 8h}
producers: [{name: m, kind: manifest, count: 3}]
workers: [{count: 1, service_time: {dist: constant, value: 8h}}]
"#);
    assert_eq!(time_of(&out, 3, K::ExpiredInQueue), Some(10.0 * H));
    assert_eq!(out.summary.objects_labeled, 2);
}

// ----- R7 tasks and workers ---------------------------------------------------

#[test]
fn r7_declined_tasks_are_not_sent_to_another_worker() {
    let out = run(r#"
name: r7d
horizon: 1h
job: {initializing: 0s, max_concurrent_task_count: 10}
producers: [{name: m, kind: manifest, count: 1}]
workers: [{count: 3, decline_probability: 1.0, decline_time: 20s, service_time: {dist: constant, value: 1m}}]
"#);
    assert_eq!(takers(&out, 1).len(), 1);
    assert_eq!(out.summary.tasks_declined, 1);
    assert_eq!(time_of(&out, 1, K::Failed), Some(20.0));
}

const R7_TIMEOUT: &str = r#"
name: r7t
horizon: 10h
job: {initializing: 0s, max_concurrent_task_count: 10, task_time_limit: 1h, task_availability_lifetime: 5h, on_timeout: ON}
producers: [{name: m, kind: manifest, count: 1}]
workers: [{count: 2, service_time: {dist: constant, value: 2h}}]
"#;

#[test]
fn r7_timed_out_task_returns_to_the_pool_for_another_worker() {
    // Worker 0 times out at 1h; the task returns; worker 1 (not worker 0)
    // takes it, times out at 2h; nobody else may take it, so it expires at
    // the 5h lifetime and the object fails.
    let out = run(&R7_TIMEOUT.replace("ON", "return"));
    assert_eq!(takers(&out, 1), vec![0, 1]);
    let timed: Vec<f64> = events(&out, K::TimedOut).iter().map(|e| e.1).collect();
    assert_eq!(timed, vec![H, 2.0 * H]);
    let s = &out.summary;
    assert_eq!(s.tasks_timed_out, 2);
    assert_eq!(s.tasks_expired, 1);
    assert_eq!(time_of(&out, 1, K::Failed), Some(5.0 * H));
}

#[test]
fn r7_a_timed_out_task_returns_to_its_original_place_in_the_pool() {
    // N = 2, two objects dispatched together at 0: tasks 1a 1b 2a 2b, in
    // that order. Time limit 1h, lifetime 3h. Worker 0 (2h a task: times
    // out) and worker 1 (50m) are on shift until 00:30; worker 2 (50m)
    // from 01:30.
    //  0:00 worker 0 takes 1a, worker 1 takes 1b; 2a, 2b wait.
    //  0:30 both go off shift, holding their tasks (overtime).
    //  0:50 worker 1 submits 1b and leaves.
    //  1:00 worker 0 times out on 1a and leaves; 1a returns to its place,
    //       ahead of 2a and 2b (not behind every task of its instant).
    //  1:30 worker 2 takes 1a (not 2a).
    //  2:20 worker 2 submits 1a: object 1 labeled (8400 s); takes 2a.
    //  3:00 object 2's lifetime: 2a (in hand) and 2b (waiting) expire; it
    //       fails.
    // Pool waits: object 1 0 s, object 2 8400 s (2:20): mean 4200 s.
    // Behind its instant's tasks, 1a would have gone after 2b: worker 2
    // takes 2a at 1:30 (object 2's pool wait 5400 s), submits it at 2:20
    // and takes 1a, which expires in hand at 3:00: both objects labeled.
    let out = run(r#"
name: r7place
horizon: 4h
job: {initializing: 0s, max_concurrent_task_count: 10, workers_per_object: 2,
      task_time_limit: 1h, task_availability_lifetime: 3h}
producers: [{name: m, kind: manifest, count: 2}]
workers:
  - {name: slow, count: 1, service_time: {dist: constant, value: 2h},
     shifts: [{days: daily, from: "00:00", to: "00:30"}]}
  - {name: early, count: 1, service_time: {dist: constant, value: 50m},
     shifts: [{days: daily, from: "00:00", to: "00:30"}]}
  - {name: late, count: 1, service_time: {dist: constant, value: 50m},
     shifts: [{days: daily, from: "01:30", to: "23:00"}]}
"#);
    assert_eq!(takers(&out, 1), vec![0, 1, 2]);
    assert_eq!(takers(&out, 2), vec![2]);
    assert_eq!(time_of(&out, 1, K::Labeled), Some(8400.0));
    assert_eq!(time_of(&out, 2, K::Failed), Some(3.0 * H));
    let s = &out.summary;
    assert_eq!(s.pool_wait_mean_s, Some(4200.0));
    assert_eq!(s.tasks_created, 4);
    assert_eq!(s.tasks_timed_out, 1);
    assert_eq!(s.tasks_submitted, 2);
    assert_eq!(s.tasks_expired, 2);
    assert_eq!(s.objects_labeled, 1);
    assert_eq!(s.objects_failed, 1);
}

#[test]
fn r7_on_timeout_drop_resolves_the_task() {
    let out = run(&R7_TIMEOUT.replace("ON", "drop"));
    let s = &out.summary;
    assert_eq!(s.tasks_timed_out, 1);
    assert_eq!(s.tasks_dropped, 1);
    assert_eq!(time_of(&out, 1, K::Failed), Some(H));
}

#[test]
fn r7_lifetime_resolves_with_what_was_submitted() {
    // N=2 and one worker: one submission at 10m, the other task expires at
    // the 1h lifetime; the object is labeled then.
    let out = run(r#"
name: r7l
horizon: 3h
job: {initializing: 0s, max_concurrent_task_count: 10, workers_per_object: 2, task_availability_lifetime: 1h}
producers: [{name: m, kind: manifest, count: 1}]
workers: [{count: 1, service_time: {dist: constant, value: 10m}}]
"#);
    let s = &out.summary;
    assert_eq!(s.tasks_submitted, 1);
    assert_eq!(s.tasks_expired, 1);
    assert_eq!(s.objects_labeled, 1);
    assert_eq!(s.time_to_label_mean_s.unwrap(), H);
}

#[test]
fn r7_lifetime_takes_a_task_out_of_a_workers_hands() {
    // Service 2h > lifetime 1h: the task in hand expires at 1h and the worker
    // is free again: it takes the next object at once when it arrives at 1.5h.
    let out = run(r#"
name: r7h
horizon: 4h
job: {initializing: 0s, max_concurrent_task_count: 10, task_time_limit: 8h, task_availability_lifetime: 1h}
producers:
  - {name: m, kind: manifest, count: 1}
  - {name: late, kind: burst, size: 1, start: 90m}
workers: [{count: 1, service_time: {dist: constant, value: 2h}}]
"#);
    assert_eq!(time_of(&out, 1, K::Failed), Some(H));
    assert_eq!(time_of(&out, 2, K::Taken), Some(1.5 * H));
    assert_eq!(out.summary.tasks_expired, 2);
    assert_eq!(out.summary.tasks_submitted, 0);
}

#[test]
fn r7_workers_work_only_on_shift_and_finish_the_task_in_hand() {
    // Mon-Fri 09:00-17:00 from Monday 00:00. Object 1 (t=0) is taken at
    // 09:00; object 2 at 16:50 is taken at once and finished at 17:20, after
    // the shift; object 3 at 16:55 waits for Tuesday 09:00.
    let out = run(r#"
name: r7s
horizon: 3d
job: {initializing: 0s, max_concurrent_task_count: 10}
producers:
  - {name: a, kind: burst, size: 1}
  - {name: b, kind: burst, size: 1, start: 16h 50m}
  - {name: c, kind: burst, size: 1, start: 16h 55m}
workers:
  - count: 1
    service_time: {dist: constant, value: 30m}
    shifts: [{days: mon-fri, from: "09:00", to: "17:00"}]
"#);
    let taken: Vec<f64> = events(&out, K::Taken).iter().map(|e| e.1).collect();
    assert_eq!(taken, vec![9.0 * H, 16.0 * H + 3000.0, 33.0 * H]);
    assert_eq!(time_of(&out, 2, K::Labeled), Some(17.0 * H + 1200.0));
}

#[test]
fn r7_shift_hours_are_in_the_groups_time_zone() {
    let out = run(r#"
name: r7z
horizon: 1d
job: {initializing: 0s, max_concurrent_task_count: 10}
producers: [{name: a, kind: burst, size: 1}]
workers:
  - count: 1
    service_time: {dist: constant, value: 30m}
    shifts: [{days: mon-fri, from: "09:00", to: "17:00"}]
    tz_offset: "+02:00"
"#);
    assert_eq!(time_of(&out, 1, K::Taken), Some(7.0 * H));
}

#[test]
fn r7_the_oldest_waiting_task_is_taken_first() {
    let out = run(r#"
name: r7o
horizon: 1h
job: {initializing: 0s, max_concurrent_task_count: 10}
producers: [{name: m, kind: manifest, count: 4}]
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#);
    let order: Vec<u64> = events(&out, K::Taken).iter().map(|e| e.0).collect();
    assert_eq!(order, vec![1, 2, 3, 4]);
}

// ----- R8 idle stop -----------------------------------------------------------

#[test]
fn r8_idle_stop_at_exactly_last_activity_plus_ten_days() {
    // Bursts of 5 at 0, 11d, 22d; 5 workers at 1m: all labeled at 60 s, idle
    // from then; stopped at 60 s + 10d. The later bursts are lost.
    let out = run(r#"
name: r8
horizon: 25d
job: {initializing: 0s}
producers: [{name: weekly, kind: burst, size: 5, every: 11d}]
workers: [{count: 5, service_time: {dist: constant, value: 1m}}]
"#);
    let s = &out.summary;
    assert_eq!(s.job_end_state, Some(EndState::StoppedIdle));
    assert_eq!(s.job_end_time_s, 60.0 + 10.0 * DAY);
    assert_eq!(s.lost_after_stop, 10);
    assert_eq!(s.objects_labeled, 5);
}

#[test]
fn r8_activity_within_ten_days_keeps_the_job_alive() {
    let s = summary(
        r#"
name: r8b
horizon: 30d
job: {initializing: 0s}
producers: [{name: b, kind: burst, size: 5, every: 9d}]
workers: [{count: 5, service_time: {dist: constant, value: 1m}}]
"#,
    );
    assert_eq!(s.job_end_state, Some(EndState::InProgress));
    assert_eq!(s.lost_after_stop, 0);
}

#[test]
fn r8_a_message_at_exactly_the_deadline_is_accepted() {
    // Idle for exactly 10 days is not *more* than 10 days.
    let s = summary(
        r#"
name: r8c
horizon: 15d
job: {initializing: 0s}
producers:
  - {name: a, kind: burst, size: 1}
  - {name: b, kind: burst, size: 1, start: 10d 60s}
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#,
    );
    assert_eq!(s.lost_after_stop, 0);
    assert_eq!(s.objects_accepted, 2);
    assert_eq!(s.job_end_state, Some(EndState::InProgress));
}

const R8_DEF: &str = r#"
name: r8d
horizon: 15d
job: {initializing: 0s, idle_definition: DEF}
producers: [{name: m, kind: manifest, count: 1}]
workers: []
"#;

#[test]
fn r8_no_input_definition_stops_despite_pending_work() {
    let s = summary(&R8_DEF.replace("DEF", "no_input"));
    assert_eq!(s.job_end_state, Some(EndState::StoppedIdle));
    assert_eq!(s.job_end_time_s, 10.0 * DAY);
    assert_eq!(s.tasks_withdrawn, 1);
    assert_eq!(s.objects_failed, 1);
}

#[test]
fn r8_default_definition_counts_pending_work_as_activity() {
    let s = summary(&R8_DEF.replace("DEF", "no_input_and_no_work"));
    assert_eq!(s.job_end_state, Some(EndState::InProgress));
    assert_eq!(s.in_progress_at_end, 1);
}

#[test]
fn r8_a_job_that_never_receives_anything_stops_ten_days_after_starting() {
    let s = run("name: r8e\nhorizon: 20d\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}}]\n").summary;
    assert_eq!(s.job_end_state, Some(EndState::StoppedIdle));
    assert_eq!(s.job_end_time_s, 300.0 + 10.0 * DAY);
}

// ----- R9 deduplication -------------------------------------------------------

fn dedup(source: &str, key: &str, dups: &str) -> labelsim::model::RunSummary {
    summary(&format!(
        r#"
name: r9
horizon: 1h
job: {{initializing: 0s, dedup_key: {key}}}
producers: [{{name: p, kind: burst, size: 10, source: {source}, duplicates: {{{dups}}}}}]
workers: [{{count: 10, service_time: {{dist: constant, value: 1m}}}}]
"#
    ))
}

#[test]
fn r9_sns_redelivery_repeats_the_message_id_and_is_dropped() {
    let s = dedup("sns", "sns_message_id", "sns_redelivery: 1.0");
    assert_eq!(
        (
            s.messages_received,
            s.duplicates_dropped,
            s.objects_accepted
        ),
        (20, 10, 10)
    );
    assert_eq!((s.messages_produced, s.redeliveries), (10, 10));
}

#[test]
fn r9_producer_retry_is_a_new_message_id_unless_keyed_by_source_ref() {
    let by_id = dedup("sns", "sns_message_id", "producer_retry: 1.0");
    assert_eq!((by_id.duplicates_dropped, by_id.objects_accepted), (0, 20));
    assert_eq!(by_id.messages_produced, 20);
    let by_ref = dedup("sns", "source-ref", "producer_retry: 1.0");
    assert_eq!(
        (by_ref.duplicates_dropped, by_ref.objects_accepted),
        (10, 10)
    );
}

#[test]
fn r9_s3_duplicate_event_is_caught_but_a_reupload_is_a_new_object() {
    let dup = dedup("s3", "sns_message_id", "s3_event_duplicate: 1.0");
    assert_eq!((dup.duplicates_dropped, dup.objects_accepted), (10, 10));
    // S3 objects are keyed by URI + sequencer whatever dedup_key says.
    let re = dedup("s3", "source-ref", "reupload: 1.0");
    assert_eq!((re.duplicates_dropped, re.objects_accepted), (0, 20));
    let sns_re = dedup("sns", "source-ref", "reupload: 1.0");
    assert_eq!(
        (sns_re.duplicates_dropped, sns_re.objects_accepted),
        (10, 10)
    );
}

#[test]
fn r9_a_copy_of_a_message_lost_before_in_progress_is_accepted() {
    let s = summary(
        r#"
name: r9l
horizon: 1h
job: {initializing: 5m}
producers: [{name: p, kind: burst, size: 1, start: 270s, duplicates: {sns_redelivery: 1.0, delay: 1m}}]
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#,
    );
    assert_eq!(
        (
            s.lost_not_in_progress,
            s.objects_accepted,
            s.duplicates_dropped
        ),
        (1, 1, 0)
    );
}

// ----- R10 S3 test event --------------------------------------------------------

fn r10(at: &str) -> labelsim::model::RunSummary {
    summary(&format!(
        r#"
name: r10
horizon: 1d
job: {{initializing: 5m}}
producers: [{{name: bucket, kind: burst, size: 3, start: 2h, source: s3, notification_configured_at: {at}}}]
workers: [{{count: 1, service_time: {{dist: constant, value: 1m}}}}]
"#
    ))
}

#[test]
fn r10_a_notification_configured_after_in_progress_becomes_an_object() {
    let s = r10("1h");
    assert_eq!(s.test_events_accepted, 1);
    assert_eq!(s.objects_accepted, 4);
    assert_eq!(s.objects_labeled, 4);
}

#[test]
fn r10_a_notification_configured_during_initialization_is_lost() {
    let s = r10("2m");
    assert_eq!(s.test_events_accepted, 0);
    assert_eq!(s.lost_not_in_progress, 1);
    assert_eq!(s.objects_accepted, 3);
}

#[test]
fn r10_only_s3_producers_have_a_notification() {
    let err = try_scenario(
        "name: x\nhorizon: 1d\nproducers:\n  - name: p\n    kind: poisson\n    rate: 1/h\n    notification_configured_at: 1h\n",
    )
    .unwrap_err();
    assert_eq!(
        err.problems[0].field,
        "producers[0].notification_configured_at"
    );
    assert_eq!(err.problems[0].line, Some(7));
}

// ----- SPEC §1: one tie order for every instant ------------------------------

#[test]
fn tie_order_identical_objects_submitting_exactly_at_their_lifetime_are_both_labeled() {
    // Two objects, 10 s apart, each taken at dispatch by its own worker and
    // submitted after exactly the 1m lifetime. The submission (ordinary)
    // precedes the R7 deadline of the same instant for both, whichever
    // object the lifetime timer was armed for first.
    let out = run(r#"
name: tie_lifetime
horizon: 1h
job: {initializing: 0s, task_availability_lifetime: 1m}
producers: [{name: p, kind: burst, size: 1, every: 10s, limit: 2}]
workers: [{count: 2, service_time: {dist: constant, value: 1m}}]
"#);
    let s = &out.summary;
    assert_eq!(s.objects_labeled, 2);
    assert_eq!(s.objects_failed, 0);
    assert_eq!(s.tasks_expired, 0);
    assert_eq!(time_of(&out, 1, K::Labeled), Some(60.0));
    assert_eq!(time_of(&out, 2, K::Labeled), Some(70.0));
}

#[test]
fn tie_order_a_queued_object_whose_retention_ends_as_a_slot_opens_is_dispatched() {
    // K=2, N=1, two workers at 10m; manifest of 3 at 0: objects 1-2
    // dispatched and taken, object 3 queued with retention 10m. At 10m both
    // finish; the second completion makes A=0 < K−N, so object 3 is
    // dispatched at 10m, before its R6 deadline of that instant.
    let out = run(r#"
name: tie_retention
horizon: 1h
job: {initializing: 0s, max_concurrent_task_count: 2, queue_retention: 10m}
producers: [{name: m, kind: manifest, count: 3}]
workers: [{count: 2, service_time: {dist: constant, value: 10m}}]
"#);
    let s = &out.summary;
    assert_eq!(s.expired_in_queue, 0);
    assert_eq!(time_of(&out, 3, K::Dispatched), Some(600.0));
    assert_eq!(s.objects_labeled, 3);
}

#[test]
fn tie_order_a_queued_object_expires_at_its_retention_when_no_slot_opens() {
    // The same with one worker: at 10m only object 1 finishes (A=1, no
    // refill), so object 3 expires exactly at 10m (R6).
    let out = run(r#"
name: tie_retention_expires
horizon: 1h
job: {initializing: 0s, max_concurrent_task_count: 2, queue_retention: 10m}
producers: [{name: m, kind: manifest, count: 3}]
workers: [{count: 1, service_time: {dist: constant, value: 10m}}]
"#);
    assert_eq!(out.summary.expired_in_queue, 1);
    assert_eq!(time_of(&out, 3, K::ExpiredInQueue), Some(600.0));
}

#[test]
fn tie_order_a_burst_at_exactly_stop_at_is_lost_after_the_stop() {
    // R1 + SPEC §1: the manual stop precedes everything else of its instant,
    // including a producer's first send.
    let out = run(r#"
name: tie_stop
horizon: 2h
job: {initializing: 0s, stop_at: 1h}
producers: [{name: b, kind: burst, size: 5, start: 1h}]
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#);
    let s = &out.summary;
    assert_eq!(s.lost_after_stop, 5);
    assert_eq!(s.objects_accepted, 0);
}

#[test]
fn tie_order_in_progress_precedes_the_messages_of_its_instant() {
    let out = run(r#"
name: tie_start
horizon: 1h
job: {initializing: 5m}
producers: [{name: b, kind: burst, size: 3, start: 5m}]
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#);
    assert_eq!(out.summary.objects_accepted, 3);
    assert_eq!(out.summary.lost_not_in_progress, 0);
}

#[test]
fn r1_a_stop_during_initializing_strands_the_manifest() {
    // Stop at 2m, InProgress would be at 5m: the 7 manifest objects are
    // counted as received, accepted and stranded; the stream sent at 1m is
    // lost (not in progress).
    let out = run(r#"
name: stop_init
horizon: 1h
job: {initializing: 5m, stop_at: 2m}
producers:
  - {name: m, kind: manifest, count: 7}
  - {name: b, kind: burst, size: 2, start: 1m}
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#);
    let s = &out.summary;
    assert_eq!(s.job_end_state, Some(EndState::StoppedManual));
    assert_eq!(s.job_end_time_s, 120.0);
    assert_eq!(s.messages_received, 9);
    assert_eq!(s.lost_not_in_progress, 2);
    assert_eq!(s.objects_accepted, 7);
    assert_eq!(s.stranded_at_stop, 7);
    assert_eq!(s.objects_dispatched, 0);
    assert_eq!(s.labeled_per_hour, None, "the job never ran");
    // The manifest never reached the SQS queue: no backlog, not even for
    // an instant (backlog_max agrees with backlog_mean and the series).
    assert_eq!(s.backlog_max, 0);
    assert_eq!(s.backlog_mean, Some(0.0));
    assert!(out.timeseries.iter().all(|p| p.backlog == 0));
}

#[test]
fn r1_a_stop_at_the_instant_of_in_progress_strands_the_manifest() {
    // The stop precedes InProgress at the same instant (SPEC §1).
    let out = run(r#"
name: stop_at_start
horizon: 1h
job: {initializing: 5m, stop_at: 5m}
producers: [{name: m, kind: manifest, count: 4}]
workers: [{count: 1, service_time: {dist: constant, value: 1m}}]
"#);
    assert_eq!(out.summary.stranded_at_stop, 4);
    assert_eq!(out.summary.objects_dispatched, 0);
}

#[test]
fn limit_zero_sends_nothing_for_every_producer_kind() {
    for p in [
        "{name: p, kind: poisson, rate: 100/h, limit: 0}",
        "{name: p, kind: trace, csv: r1_arrivals.csv, column: timestamp, limit: 0}",
        "{name: p, kind: burst, size: 5, every: 10m, limit: 0}",
        "{name: p, kind: manifest, count: 5, limit: 0}",
        "{name: p, kind: diurnal, mean_rate: 100/h, limit: 0}",
    ] {
        let out = run(&format!(
            "name: limit0\nhorizon: 1h\njob: {{initializing: 0s}}\nproducers: [{p}]\nworkers: [{{count: 1, service_time: {{dist: constant, value: 1m}}}}]\n"
        ));
        assert_eq!(out.summary.messages_produced, 0, "{p}");
        assert_eq!(out.summary.messages_received, 0, "{p}");
    }
}

#[test]
fn r7_lifetime_timers_do_not_pile_up_events_grow_linearly_with_the_horizon() {
    // Overload with the 6h Mechanical Turk lifetime (K=1000, capacity
    // 100/h against 200/h): objects keep reaching their lifetime while the
    // queue refills the pool. Each lifetime event once re-armed an extra
    // timer chain per refill (8.0 M events for 4 days, 39 M for 8); now
    // doubling the horizon about doubles the events (42 k, 84 k).
    let yaml = |days: u32| {
        format!(
            "name: mturk_overload\nhorizon: {days}d\nseed: 3\njob: {{workforce: mturk, initializing: 0s}}\n\
             producers: [{{name: p, kind: poisson, rate: 200/h}}]\n\
             workers: [{{count: 10, service_time: {{dist: exponential, mean: 6m}}}}]\n"
        )
    };
    let e4 = run(&yaml(4)).summary.events as f64;
    let e8 = run(&yaml(8)).summary.events as f64;
    assert!(e8 / e4 < 2.2, "events {e4} for 4 days, {e8} for 8 days");
    assert!(e8 < 20.0 * 200.0 * 24.0 * 8.0, "events {e8}");
}

// ----- SPEC §4a metric definitions -------------------------------------------

#[test]
fn utilization_counts_overtime_and_never_exceeds_one() {
    // One worker on 09:00-17:00 (Monday), 20 objects of 50 minutes at 0:
    // tasks start at 9:00 + 50k min; the 10th starts at 16:30 and ends at
    // 17:20. Busy 500 min = on shift 480 + overtime 20: utilization exactly
    // 1 (it read 500/480 = 1.04 when overtime was left out).
    let s = summary(
        r#"
name: overtime
horizon: 1d
job: {initializing: 0s}
producers: [{name: m, kind: manifest, count: 20}]
workers: [{count: 1, service_time: {dist: constant, value: 50m}, shifts: [{days: mon, from: "09:00", to: "17:00"}]}]
"#,
    );
    assert_eq!(s.objects_labeled, 10);
    assert_eq!(s.worker_hours_on_shift, 8.0);
    assert!((s.worker_hours_overtime - 20.0 / 60.0).abs() < 1e-12);
    assert_eq!(s.worker_utilization, Some(1.0));
}

#[test]
fn labeled_per_hour_counts_only_labels_made_during_the_job() {
    // 10 one-hour tasks taken at 0, stop at 30m: the tasks in hand finish
    // at 1h, after the stop. None of the labels was made during the job's
    // life, so the rate is 0 (it read 20/h: 10 labels over 30 minutes).
    let s = summary(
        r#"
name: lph
horizon: 2h
job: {initializing: 0s, stop_at: 30m}
producers: [{name: m, kind: manifest, count: 10}]
workers: [{count: 10, service_time: {dist: constant, value: 1h}}]
"#,
    );
    assert_eq!(s.objects_labeled, 10);
    assert_eq!(s.labeled_per_hour, Some(0.0));
}

#[test]
fn an_empty_sample_has_no_value() {
    // Nothing is ever labeled or taken: every latency statistic is absent,
    // never 0 (SPEC §4a).
    let s = summary(
        r#"
name: empty
horizon: 1h
job: {initializing: 0s}
producers: [{name: m, kind: manifest, count: 3}]
workers: [{count: 0, service_time: {dist: constant, value: 1m}}]
"#,
    );
    assert_eq!(s.objects_labeled, 0);
    assert_eq!(s.time_to_label_mean_s, None);
    assert_eq!(s.time_to_label_p95_s, None);
    assert_eq!(s.pool_wait_mean_s, None);
    assert_eq!(s.worker_utilization, None, "no worker time at all");
    assert_eq!(s.cost_per_labeled_object, None);
    assert_eq!(s.queue_wait_mean_s, Some(0.0), "dispatched directly");
}

#[test]
fn r2_n_above_the_workforce_warns_and_each_object_gets_every_worker_once() {
    // N=3 with 2 workers: each object's third task can never be taken; it
    // waits until the 1h lifetime (R7) while the first two are submitted.
    let yaml = r#"
name: n_over_w
horizon: 1d
job: {initializing: 0s, workers_per_object: 3, task_availability_lifetime: 1h}
producers: [{name: m, kind: manifest, count: 50}]
workers: [{count: 2, service_time: {dist: constant, value: 1m}}]
"#;
    let sc = scenario(yaml);
    assert!(
        sc.warnings
            .iter()
            .any(|w| w.message.contains("exceeds the 2 workers")),
        "{:?}",
        sc.warnings
    );
    let s = summary(yaml);
    // 50 objects × 2 minutes of the pair's time each: all 100 possible
    // submissions within 50 minutes, before the first lifetime (1h).
    assert_eq!(s.tasks_submitted, 100);
    assert_eq!(s.tasks_expired, 50);
    assert_eq!(s.objects_labeled, 50);
}

// ----- SPEC §4a warm-up and service levels ----------------------------------

const SLA: &str = r#"
name: sla
horizon: 2h
job: {initializing: 0s}
producers:
  - {name: a, kind: burst, size: 3, start: 0s}
  - {name: b, kind: burst, size: 3, start: 1h}
  - {name: c, kind: burst, size: 1, start: 1h 30m}
workers: [{count: 1, service_time: {dist: constant, value: 10m}}]
output: {sla: [15m, 1h]WARMUP}
"#;

#[test]
fn sla_shares_count_objects_accepted_at_least_that_long_before_the_end() {
    // One worker, 10 minutes each: each burst of 3 is labeled after 10, 20
    // and 30 minutes; the object of 1h30m after 10 minutes. Within 15m:
    // eligible are all 7 (accepted by 1h45m), met 3. Within 1h: eligible
    // the 6 accepted by 1h (1h + 1h = 2h, the end: included), met 6.
    let out = run(&SLA.replace("WARMUP", ""));
    let m = out.summary.metrics();
    let get = |k: &str| m.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_f64());
    assert_eq!(get("labeled_within_15m"), Some(Some(3.0 / 7.0)));
    assert_eq!(get("labeled_within_1h"), Some(Some(1.0)));
    assert_eq!(out.summary.warmup_s, 0.0);
}

#[test]
fn warmup_leaves_early_objects_out_of_latencies_and_service_levels() {
    // Warm-up 30m: the first burst is left out. Times to label: 10, 20, 30
    // and 10 minutes: mean 17.5 min; within 15m: 2 of 4; within 1h: 3 of 3.
    let out = run(&SLA.replace("WARMUP", ", warmup: 30m"));
    let s = &out.summary;
    assert_eq!(s.warmup_s, 1800.0);
    assert_eq!(s.time_to_label_mean_s, Some(17.5 * 60.0));
    assert_eq!(s.objects_labeled, 7, "counts keep every object");
    let m = s.metrics();
    let get = |k: &str| {
        m.iter()
            .find(|(n, _)| *n == k)
            .and_then(|(_, v)| v.as_f64())
    };
    assert_eq!(get("labeled_within_15m"), Some(0.5));
    assert_eq!(get("labeled_within_1h"), Some(1.0));
}

#[test]
fn warmup_auto_drops_the_start_up_backfill() {
    // A 500-object backfill at the start of a stable M/M/10 stream, with
    // K = 50 so it waits in the SQS queue: with `auto` the warm-up covers
    // the backfill (MSER-5 on the backlog series, SPEC §4a; it drains at
    // 100 − 80 = 20/h, in about 25 h) and the p95 falls.
    let yaml = |w: &str| {
        format!(
            "name: auto\nseed: 7\nhorizon: 20d\njob: {{initializing: 0s, max_concurrent_task_count: 50}}\n\
             producers: [{{name: p, kind: poisson, rate: 80/h}}, {{name: m, kind: manifest, count: 500}}]\n\
             workers: [{{count: 10, service_time: {{dist: exponential, mean: 6m}}}}]\noutput: {{warmup: {w}}}\n"
        )
    };
    let plain = run(&yaml("0s")).summary;
    let auto = run(&yaml("auto")).summary;
    assert!(auto.warmup_s >= 3600.0, "warm-up {} s", auto.warmup_s);
    assert!(
        auto.warmup_s <= 5.0 * 86_400.0,
        "warm-up {} s",
        auto.warmup_s
    );
    assert!(
        auto.time_to_label_p95_s.unwrap() < 0.8 * plain.time_to_label_p95_s.unwrap(),
        "p95 {:?} with auto vs {:?}",
        auto.time_to_label_p95_s,
        plain.time_to_label_p95_s
    );
}

#[test]
fn labeled_per_hour_counts_a_label_made_at_the_stop_instant() {
    // SPEC §4a: labels made during [InProgress, job_end_time_s]. One object,
    // one hour of work, the manual stop at exactly 1h: the submission at 1h
    // runs after the stop (tie order) but at the instant the job ends, so it
    // counts: 1 label in 1 hour of life.
    let s = run("name: x\nhorizon: 1d\njob: {initializing: 0s, stop_at: 1h}\nproducers: [{name: m, kind: manifest, count: 1}]\nworkers: [{count: 1, service_time: {dist: constant, value: 1h}}]\n").summary;
    assert_eq!(s.job_end_state, Some(EndState::StoppedManual));
    assert_eq!(s.job_end_time_s, H);
    assert_eq!(s.objects_labeled, 1);
    assert_eq!(s.labeled_per_hour, Some(1.0));
}

#[test]
fn labeled_per_hour_leaves_out_a_label_made_after_the_stop() {
    // The same object takes 90m: it is finished at 1.5h, after the stop at
    // 1h (R1: work in hand finishes), outside the job's life.
    let s = run("name: x\nhorizon: 1d\njob: {initializing: 0s, stop_at: 1h, task_time_limit: 2h}\nproducers: [{name: m, kind: manifest, count: 1}]\nworkers: [{count: 1, service_time: {dist: constant, value: 90m}}]\n").summary;
    assert_eq!(s.objects_labeled, 1);
    assert_eq!(s.labeled_per_hour, Some(0.0));
}

#[test]
fn r9_a_manifest_producer_gets_its_duplicate_copies_too() {
    // SPEC §3: every producer kind may set `duplicates`. Each of the 5
    // manifest objects is redelivered 1m later with the same message ID and
    // dropped (R9); reuploads of the same key are new objects.
    let s = run("name: x\nhorizon: 1d\njob: {initializing: 0s}\nproducers: [{name: m, kind: manifest, count: 5, duplicates: {sns_redelivery: 1.0, delay: 1m}}]\nworkers: [{count: 5, service_time: {dist: constant, value: 10m}}]\n").summary;
    assert_eq!(s.messages_received, 10);
    assert_eq!(s.duplicates_dropped, 5);
    assert_eq!(s.objects_labeled, 5);
    let s = run("name: x\nhorizon: 1d\njob: {initializing: 0s}\nproducers: [{name: m, kind: manifest, count: 5, duplicates: {reupload: 1.0, delay: 1m}}]\nworkers: [{count: 5, service_time: {dist: constant, value: 10m}}]\n").summary;
    assert_eq!(s.duplicates_dropped, 0);
    assert_eq!(s.objects_labeled, 10);
}

#[test]
fn almost_certain_mistakes_are_warnings_and_the_run_goes_ahead() {
    // Valid, but nothing useful can come of it: initializing as long as the
    // horizon (R1: every message lost), a stop after the horizon, a
    // producer that starts after it.
    let s = scenario(
        "name: x\nhorizon: 1d\njob: {initializing: 1d, stop_at: 2d}\nproducers:\n  - {name: p, kind: poisson, rate: 1/h}\n  - {name: late, kind: poisson, rate: 1/h, start: 3d}\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}}]\n",
    );
    let fields: Vec<&str> = s.warnings.iter().map(|w| w.field.as_str()).collect();
    for f in ["job.initializing", "job.stop_at", "producers[1].start"] {
        assert!(fields.contains(&f), "{f} not warned: {:?}", s.warnings);
    }
    // The ordinary case warns about none of them.
    let s = scenario(
        "name: x\nhorizon: 1d\njob: {initializing: 5m, stop_at: 12h}\nproducers:\n  - {name: p, kind: poisson, rate: 1/h, start: 1h}\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}}]\n",
    );
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
}

/// The value of metric `name` in a run's summary, as a number.
fn metric(s: &labelsim::model::RunSummary, name: &str) -> Option<f64> {
    s.metrics()
        .into_iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| match v {
            labelsim::model::MetricValue::Count(c) => Some(c as f64),
            labelsim::model::MetricValue::Real(x) => Some(x),
            _ => None,
        })
}

#[test]
fn per_group_utilization_and_per_producer_time_to_label_are_hand_traced() {
    // SPEC §4a per group and per producer. Two manifests of one object each
    // reach the job at 0 in producer order; the free line holds group a's
    // worker first (longest idle), so m1's object goes to a (20 min) and
    // m2's to b (50 min; both within the 1 h task time limit). Over the
    // job's 10 h life: a busy 20 of 600 min → 1/30, b 50 of 600 → 1/12, all
    // workers 70 of 1200 → 7/120; m1 labeled in 20 min, m2 in 50 min.
    let s = summary(
        r#"
name: breakdown
horizon: 10h
job: {initializing: 0s}
producers: [{name: m1, kind: manifest, count: 1}, {name: m2, kind: manifest, count: 1}]
workers:
  - {name: a, count: 1, service_time: {dist: constant, value: 20m}}
  - {name: b, count: 1, service_time: {dist: constant, value: 50m}}
"#,
    );
    assert_eq!(s.objects_labeled, 2);
    assert_eq!(s.worker_utilization, Some(7.0 / 120.0));
    assert_eq!(metric(&s, "workers.a.utilization"), Some(1.0 / 30.0));
    assert_eq!(metric(&s, "workers.b.utilization"), Some(1.0 / 12.0));
    assert_eq!(
        metric(&s, "producers.m1.time_to_label_mean_s"),
        Some(1200.0)
    );
    assert_eq!(
        metric(&s, "producers.m2.time_to_label_mean_s"),
        Some(3000.0)
    );
    // p95 of one value is that value (histogram precision: 0.1%).
    let p95 = metric(&s, "producers.m2.time_to_label_p95_s").unwrap();
    assert!((p95 / 3000.0 - 1.0).abs() < 1e-3, "{p95}");
}

#[test]
fn one_group_and_one_producer_add_no_breakdown_and_an_empty_producer_has_no_value() {
    let one = summary(
        r#"
name: one
horizon: 10h
job: {initializing: 0s}
producers: [{name: m1, kind: manifest, count: 1}]
workers: [{name: a, count: 1, service_time: {dist: constant, value: 1h}}]
"#,
    );
    assert!(one.breakdown.is_empty());
    // A producer that sends nothing: its sample is empty, so no value.
    let s = summary(
        r#"
name: empty
horizon: 10h
job: {initializing: 0s}
producers: [{name: m1, kind: manifest, count: 1}, {name: none, kind: manifest, count: 0}]
workers: [{name: a, count: 1, service_time: {dist: constant, value: 1h}}]
"#,
    );
    assert_eq!(
        metric(&s, "producers.m1.time_to_label_mean_s"),
        Some(3600.0)
    );
    let none = s
        .metrics()
        .into_iter()
        .find(|(k, _)| *k == "producers.none.time_to_label_mean_s")
        .map(|(_, v)| v);
    assert_eq!(none, Some(labelsim::model::MetricValue::Missing));
}
