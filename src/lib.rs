//! labelsim: a discrete-event simulator and capacity planner for streaming
//! data-labeling jobs (SageMaker Ground Truth streaming jobs are the
//! reference). See `README.md` for the user's view and `docs/model.md` for
//! the rules (R1–R12 for the job, P1–P9 for pipelines); code cites rule
//! numbers.
//!
//! ```text
//!  producers ──messages──▶ R1 accept? ─▶ R9 dedup ─▶ R3 A<K? ──yes──▶ dispatch (N tasks, R2)
//!  (poisson, manifest,       │ lost         │ dropped     │ no              │
//!   burst, diurnal, trace)   ▼              ▼             ▼                 ▼
//!                        lost_*       duplicates    SQS queue ──R6 14d──▶ expired_in_queue
//!                                                  (refill when A<K−N)      │
//!                                                                 task pool ─▶ workers (R7: decline,
//!                                                                   time limit, lifetime, shifts)
//!                                                                           ▼
//!                                                        object resolves: labeled | failed (label event)
//! ```
//!
//! # Example
//!
//! Run one replication of the bundled quick-start scenario:
//!
//! ```
//! use labelsim::engine::StreamSeeds;
//! use labelsim::model::{simulate, EndState};
//! use labelsim::scenario::Scenario;
//!
//! let s = Scenario::bundled();
//! let out = simulate(&s.sim, StreamSeeds::for_replication(s.seed, 0)).expect("invariants hold");
//! let m = &out.summary;
//! assert!(m.objects_labeled > 60_000);
//! assert_eq!(m.job_end_state, Some(EndState::InProgress));
//! // SPEC §5: every accepted object is accounted for.
//! assert_eq!(
//!     m.objects_accepted,
//!     m.objects_labeled + m.objects_failed + m.expired_in_queue
//!         + m.stranded_at_stop + m.queued_at_end + m.in_progress_at_end
//! );
//! ```
//!
//! Data flows one way: `scenario` (YAML → validated [`model::SimConfig`]) →
//! `engine` + `model` (one replication) → `runner` (every command's
//! replications, points or contenders in parallel, through
//! [`runner::execute`]) → `report` / `plot` (files). `model` depends on
//! `engine` only.
//!
//! # Where each rule lives
//!
//! The engine's loop (`engine/run.rs`: `step`, `step_until`, `run`) drives
//! one replication; `model::sim` is its model. `model/sim/mod.rs` only routes
//! each event to its handler; the handlers live in `model/sim/`, one file per
//! group of rules, and act through the job's components (`model/job/`), each
//! owning its state and the rule's arithmetic. One row per rule: where its
//! state and decisions are, and where its events are handled.
//!
//! | rule | state and decisions | events |
//! |---|---|---|
//! | R1 lifecycle: states, start, stops and ends | `model/job/lifecycle.rs` | `model/sim/life.rs` |
//! | R1 acceptance by state, R9 deduplication, R10 S3 test event | `model/job/intake.rs` | `model/sim/arrivals.rs` |
//! | R2 N tasks per object and resolution, R7 matching (the task pool) | `model/job/dispatch.rs` | `model/sim/tasks.rs` |
//! | R2/R7 available objects, R7 task lifetime | `model/job/available.rs` | `model/sim/tasks.rs` |
//! | R3 direct dispatch and refills, R4 waves, R5 pilot hold | `model/job/dispatch.rs`, `model/job/lifecycle.rs` | `model/sim/queueing.rs` |
//! | R3 queue, R6 retention | `model/job/queue.rs` | `model/sim/queueing.rs` |
//! | R5 pilot, R8 idle stop | `model/job/lifecycle.rs` | `model/sim/life.rs` |
//! | R7 workers, shifts, who is free | `model/job/workers.rs` | `model/sim/shifts.rs` |
//! | R7 calendars and service times | `model/workforce.rs` | `model/sim/tasks.rs` (each task's draws) |
//! | R9 duplicate copies, producer kinds | `model/job/producers.rs` | `model/sim/arrivals.rs` |
//! | R9 message IDs and their namespaces | `model/dedup.rs` | |
//! | R11 service limits | `scenario/build.rs` (validation) | |
//! | R12 sender throttle | `model/job/sender.rs`, policies in `model/throttle.rs` | `model/sim/arrivals.rs` |
//! | the event loop (`step`, `step_until`, `run`) | `engine/run.rs` | `model/sim/mod.rs` (`route`) |
//! | SPEC §1 one tie order per instant | `engine/queue.rs` | `model/sim/mod.rs` (`Event::phase`) |
//! | SPEC §4a metrics | `model/job/accounts.rs`, `model/metrics.rs`, the catalog `model/catalog.rs` | `model/sim/finish.rs`; warm-up in `model/sim/warmup.rs` |
//! | SPEC §5 invariants | `model/invariants.rs` | `model/sim/finish.rs` (checked at every run's end) |
//! | P1 queues, P3 standard-queue copies, P4 FIFO groups and throughput | `model/pipeline/queue.rs` | |
//! | P2 receiving, P5 consumers (process, fail, delete) | `model/pipeline/consumer.rs` (pollers' state in `poller.rs`) | |
//! | P6 classifier and routing | `model/pipeline/route.rs` | |
//! | P6 routed objects at the job (published, labeled) | `model/job/intake.rs` | `model/sim/pipe.rs`, the label in `model/sim/tasks.rs` |
//! | P7 S3 event notifications | `model/pipeline/mod.rs` (`s3_upload`) | `model/sim/pipe.rs` (producers' own delays) |
//! | P8 index | `model/pipeline/index.rs` | |
//! | P9 ledgers | `model/pipeline/ledger.rs` | |
//! | SPEC §6 pipeline costs (SQS, consumers, Lambda) | `model/pipeline/cost.rs` | `model/sim/finish.rs` (added to the run's cost) |
//! | A1 Lambda, A2 target tracking, A3 a consumer's scheduled count, A4 poller metrics | `model/pipeline/scaling.rs` (steps in `model/schedule.rs`) | |
//! | S1 step schedules of a group's count | `model/schedule.rs`, roster in `model/job/workers.rs` | `model/sim/shifts.rs` |
//! | SPEC §4b results by interval of arrival | `model/by_interval/` | |
//! | S2–S4 staffing (SIPP, lagged SIPP, ISA, shifts) | `staff/` (Erlang C in `staff/erlang.rs`, the integer program in `staff/shifts.rs`) | |
//! | the run guard (event budget, stop) | `model/guard.rs` | `model/sim/mod.rs` (`consult_guard`) |
//!
//! The pipeline (P1–P9, A1–A4) is a component that handles its own events
//! (`Pipeline::handle`), in the files of its rows; the job hosts it.
//!
//! Studies over many runs are library modules too, with typed results and
//! errors; the binary's commands only read arguments, print and write:
//! [`sweep`] (designs, parallel sweeps, their tables), [`plan`] (targets and
//! the search for the smallest value meeting them), [`compare`] (policies or
//! scenarios on common random numbers, paired differences). [`suggest`]
//! gives their "did you mean" for metric names, [`human`] the units of every
//! printed table.

pub mod budget;
pub mod compare;
pub mod engine;
pub mod fit;
pub mod human;
pub mod model;
pub mod output;
pub mod plan;
pub mod plot;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod staff;
pub mod suggest;
pub mod sweep;
