//! One replication of a labeling job: the rules R1–R10 and R12 of SPEC §2
//! on the event engine, wiring the job's components together.
//!
//! Each component owns its state and answers through return values and its
//! own nested events (see `super::job`):
//! - producers (SPEC §3, R9 copies) → the sender (R12 throttle) → the
//!   job's SNS input (R1 acceptance, R9 deduplication, R10: the intake);
//! - the SQS queue (R3, R6) → dispatch (R3 conditions and refills, R2's N
//!   tasks, the task pool) → the available objects (R2, R7) ↔ the
//!   workforce; dispatch matches waiting tasks to free workers (R7) and
//!   says how each task's end leaves its object (R2, R7);
//! - the lifecycle (R1 states, R4 waves, R5 pilot, R8 idle stop) says when
//!   the job runs and ends; accounts take every latency and service level;
//! - the pipeline (SPEC §6, P1–P9) is one more component, fed by producers
//!   with `to:` and feeding the SNS input with what it routes to people.
//!
//! The engine's loop ([`crate::engine::run`]) pops each event and sets the
//! clock; `Simulation::route` (this file) hands the event to its handler,
//! then matches waiting tasks to free workers. The handlers are grouped by
//! rule, one file each:
//!
//! | file | events and rules |
//! |---|---|
//! | `arrivals.rs` | producers' sends, the R12 sender, R9 copies, the SNS input (R1, R9, R10) |
//! | `queueing.rs` | the SQS queue and dispatch (R3, R4 waves, R6 retention) |
//! | `tasks.rs` | the match, each task's draws and end, the object's resolution (R2, R7) |
//! | `shifts.rs` | shifts and scheduled counts of worker groups (R7, S1) |
//! | `life.rs` | the job's start, stops and ends, the idle clock (R1, R8) |
//! | `pipe.rs` | the pipeline's host (SPEC §6, P6, P7) |
//! | `finish.rs` | samples, the summary, costs, the SPEC §5 invariants |
//! | `warmup.rs` | `warmup: auto` (MSER-5) |
//!
//! The tie order of one instant is `Event::phase` (SPEC §1). Memory
//! follows the objects *in the system*, not those ever seen, and the hot path
//! does not allocate.

use super::config::{Mode, SimConfig, Source, Warmup};
use super::dedup::{IdIssuer, MessageIds};
use super::guard::{RunError, RunGuard, StopReason, Stopped, STALL_EVENTS};
use super::invariants::InvariantViolation;
use super::job::accounts::Accounts;
use super::job::available::Available;
use super::job::dispatch::TaskPool;
use super::job::intake::Intake;
use super::job::lifecycle::Lifecycle;
use super::job::producers::Producers;
use super::job::queue::JobQueue;
use super::job::sender::{Sender, SenderEvent};
use super::job::workers::Workers;
use super::metrics::{EndState, RunOutput, Sample, TraceKind, TraceRecord};
use super::pipeline::{Embed, Outcome as PipeOutcome, PipeEvent, Pipeline};
use crate::engine::run::{self, Engine, Model};
use crate::engine::{
    EventQueue, Phase, SimDuration, SimRng, SimTime, Slab, StreamKind, StreamSeeds,
};

pub use super::job::lifecycle::MTURK_PILOT_OBJECTS;
pub use warmup::mser5_truncation;

mod arrivals;
mod finish;
mod life;
mod pipe;
mod queueing;
mod shifts;
mod tasks;
mod warmup;

#[derive(Clone, Copy, Debug)]
enum Event {
    /// R1: Initializing → InProgress.
    JobInProgress,
    /// Producer `p`'s next original send.
    ProducerNext(u16),
    /// A delayed copy (R9 duplicate source) arriving; its identities wait
    /// in [`Simulation::copies`] at `copy` (the event stays small).
    Deliver {
        producer: u16,
        copy: u32,
        produced: bool,
        /// P8: the original's upload (the same document).
        same_upload: bool,
    },
    /// R10: the S3 test event of producer `p`.
    S3Test(u16),
    /// A worker finishes (submits, declines or times out) its task.
    TaskDone { worker: u32, gen: u32 },
    /// Worker group `g` goes on or off shift.
    ShiftChange(u16),
    /// S1: worker group `g`'s scheduled count may change.
    StaffChange(u16),
    /// R6: the queue head may have reached its retention.
    QueueExpiry,
    /// R7: the oldest available object may have reached its lifetime.
    Lifetime,
    /// R8: the idle deadline may have passed (end-of-instant phase).
    IdleCheck,
    /// R1: `job.stop_at`.
    ManualStop,
    /// R1/R4: `job.max_runtime` of a batch job.
    MaxRuntime,
    /// Time-series sample.
    Sample,
    /// SPEC §4a: the warm-up ends; time-weighted means start here.
    WarmupEnd,
    /// R12: an event of the sender, handed to it.
    Sender(SenderEvent),
    /// SPEC §6: an event of the pipeline (P1–P8), handed to it.
    Pipe(PipeEvent),
}

// Every event is at most 16 bytes (32 with its key in the event list): a
// larger payload waits in a slab and the event carries its slot.
const _: () = assert!(std::mem::size_of::<Event>() <= 16);

impl Event {
    /// SPEC §1, one tie order for every instant: (1) lifecycle — the manual
    /// stop before anything else, InProgress before the messages of its
    /// instant; (2) ordinary events in scheduling order; (3) deadlines last,
    /// in a fixed rank: R6 retention, R7 lifetime, R1 `max_runtime`, R8
    /// idle; then time-series samples, which only observe. The phase belongs
    /// to the event kind, so no timer's arming history can change the order.
    fn phase(&self) -> Phase {
        match self {
            Event::ManualStop => Phase::Lifecycle(0),
            Event::JobInProgress => Phase::Lifecycle(1),
            Event::QueueExpiry => Phase::Deadline(0),
            Event::Lifetime => Phase::Deadline(1),
            Event::MaxRuntime => Phase::Deadline(2),
            Event::IdleCheck => Phase::Deadline(3),
            Event::Sample | Event::WarmupEnd => Phase::Observe,
            // P1 retention and visibility deadlines rank after the job's.
            Event::Pipe(p) => p.phase(),
            _ => Phase::Normal,
        }
    }
}

/// A deliberate model defect, for the tests proving that each SPEC §5
/// invariant can fail. Only unit tests can set one; release builds compile
/// every check of it away.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A dropped duplicate is not counted.
    UncountedDuplicate,
    /// A labeled object is not counted as labeled.
    UncountedLabel,
    /// A dispatch is not counted.
    UncountedDispatch,
    /// A declined task is not counted.
    UncountedDecline,
    /// The sender loses a message without counting it.
    LostAtSender,
    /// Direct dispatch while A < K + 1 (one object too many).
    DispatchPastK,
    /// The R2 distinct-worker filter is skipped.
    SkipDistinctFilter,
    /// An object's list of workers is not kept (the filter fails open).
    ForgetTouched,
    /// A resolution does not lower the level of available objects.
    StaleAvailableLevel,
    /// A freed worker does not lower the busy level.
    StaleBusyLevel,
    /// Busy time outside shifts is not counted as overtime.
    NoOvertime,
    /// An object with nothing submitted is labeled.
    LabelWithoutSubmission,
}

#[derive(Default)]
struct Counters {
    messages_received: u64,
    duplicates_dropped: u64,
    lost_not_in_progress: u64,
    lost_after_stop: u64,
    objects_accepted: u64,
    objects_dispatched: u64,
    objects_labeled: u64,
    objects_failed: u64,
    expired_in_queue: u64,
    stranded_at_stop: u64,
    tasks_created: u64,
    tasks_submitted: u64,
    tasks_declined: u64,
    tasks_timed_out: u64,
    tasks_expired: u64,
    tasks_withdrawn: u64,
    tasks_dropped: u64,
    messages_produced: u64,
    redeliveries: u64,
    /// A task handed to a worker who already had one of the object's (R2).
    distinct_worker_violations: u64,
    /// SPEC §6: messages sent to a pipeline queue; messages it routed here.
    sent_to_pipeline: u64,
    routed_from_pipeline: u64,
}

/// One replication in progress.
pub struct Simulation<'a> {
    cfg: &'a SimConfig,
    /// The event list, the clock and the count of events handled; the
    /// engine's loop ([`crate::engine::run`]) drives the run.
    engine: Engine<Event>,
    /// R1, R4, R5, R8: the job's states, waves, pilot and idle stop.
    life: Lifecycle,
    /// The run's guard (budget and stop switch), if any, consulted when
    /// the engine's count of events reaches its `check_at` (the only
    /// per-event cost of the guard is that comparison).
    guard: Option<&'a RunGuard>,
    /// Work already charged to the guard: events, and messages sent in
    /// bulk ([`Simulation::bulk_may_continue`]).
    charged: u64,
    /// Messages sent within one event (a burst, a manifest), each counted
    /// as one unit of work beside the events (issue 18).
    bulk_sent: u64,
    /// The instant the clock was at when a guard look first saw it, the
    /// events handled then, and how many more that instant may take: a
    /// run stuck at one instant is stopped ([`StopReason::Stalled`]).
    stall: (SimTime, u64, u64),
    /// A bulk loop stopped on the guard's word; the run ends.
    halted: bool,

    producers: Producers,
    /// R9 copies on their way: their identities, parked until delivery.
    copies: Slab<MessageIds>,
    ids: IdIssuer,
    /// R1/R9/R10: the job's SNS input; P6: the objects routed to it.
    intake: Intake,

    /// R3/R6: the SQS queue.
    queue: JobQueue,
    /// R2/R7: the objects available to workers.
    avail: Available,
    /// R2/R7: the waiting tasks, the tasks in hand, the R2 check.
    tasks: TaskPool,
    /// The first instants of the calendar months (UTC) after the first,
    /// within the horizon, and objects labeled in each month so far: the
    /// per-object tiers restart every month, as the bill counts them.
    month_starts: Vec<SimTime>,
    labeled_by_month: Vec<u64>,

    /// R2/R7: the workers.
    workforce: Workers,

    c: Counters,
    /// SPEC §4a: latencies, service levels, the in-system ledger.
    acct: Accounts,
    fault: Option<Fault>,
    /// SPEC §4a: objects accepted before this are left out of latency
    /// statistics; time-weighted means start here.
    warmup_end: SimTime,
    /// Areas of the queue and A levels at the warm-up's end [object·µs].
    warm_areas: (u128, u128),

    timeseries: Vec<Sample>,
    sender: Sender,
    task_seed: u64,
    trace: Option<Vec<TraceRecord>>,
    /// SPEC §6: the pipeline, if the scenario has one.
    pipeline: Option<Pipeline>,
    pipe_out: Vec<PipeOutcome>,
    /// P7: draws of producers' own `notification_delay`.
    notify_rng: SimRng,
}

impl<'a> Simulation<'a> {
    /// Prepares replication `replication` of `cfg`, seeded from `seeds`.
    pub fn new(cfg: &'a SimConfig, seeds: StreamSeeds) -> Self {
        // SPEC §4a: the fixed warm-up's end (none, or `auto` before its
        // MSER-5 pass resolved it, is 0).
        let warmup_end = match cfg.warmup {
            Warmup::Fixed(d) => SimTime::after(d),
            _ => SimTime::ZERO,
        };
        Simulation {
            cfg,
            engine: Engine::new(),
            life: Lifecycle::new(cfg),
            guard: None,
            charged: 0,
            bulk_sent: 0,
            halted: false,
            stall: (SimTime::ZERO, 0, STALL_EVENTS),
            producers: Producers::new(cfg, seeds),
            copies: Slab::default(),
            ids: IdIssuer::default(),
            intake: Intake::default(),
            queue: JobQueue::default(),
            avail: Available::default(),
            tasks: TaskPool::default(),
            month_starts: finish::month_starts(cfg.start_at_epoch_us, cfg.horizon),
            labeled_by_month: vec![0],
            workforce: Workers::new(cfg, seeds),
            c: Counters::default(),
            acct: Accounts::new(cfg, warmup_end),
            fault: None,
            warmup_end,
            warm_areas: (0, 0),
            timeseries: Vec::new(),
            trace: None,
            sender: Sender::new(&cfg.throttle),
            task_seed: seeds.key(StreamKind::Tasks, 0),
            // The pipeline's streams are its own (a tag of `Tasks` the job
            // never uses): the job's draws are the same with or without it.
            // Issue 17: R9 copies of a message come `duplicates.delay` after
            // it, so the pipeline may forget a document once no copy can come.
            pipeline: cfg.pipeline.as_ref().map(|p| {
                let window = cfg
                    .producers
                    .iter()
                    .filter(|prod| prod.to.is_some())
                    .map(|prod| prod.duplicates.delay)
                    .max()
                    .unwrap_or(SimDuration::ZERO);
                Pipeline::new(p, seeds)
                    .with_copy_window(window)
                    .with_warmup(warmup_end)
            }),
            pipe_out: Vec::new(),
            notify_rng: seeds.stream(StreamKind::Tasks, u64::from_be_bytes(*b"P7NOTIFY")),
        }
    }

    /// Breaks the model on purpose (tests of the invariants only).
    #[cfg(test)]
    pub(crate) fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Matches by the full rescan (tests of [`dispatch::match_pool`]).
    #[cfg(test)]
    pub(crate) fn with_full_rescan(mut self) -> Self {
        self.tasks.with_full_rescan();
        self
    }

    /// Whether `f` is the injected defect; always false outside unit tests.
    #[inline(always)]
    fn faulty(&self, f: Fault) -> bool {
        cfg!(test) && self.fault == Some(f)
    }

    /// Schedules `ev` at `at` in its kind's phase (SPEC §1).
    #[inline]
    fn schedule(&mut self, at: SimTime, ev: Event) {
        schedule(&mut self.engine.events, at, ev);
    }

    /// Records every object-level event (for tests and `--trace`).
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Vec::new());
        self
    }

    #[inline]
    fn log(&mut self, object: u64, kind: TraceKind, worker: Option<u32>) {
        if let Some(t) = &mut self.trace {
            t.push(TraceRecord {
                t: self.engine.now,
                object,
                kind,
                worker,
            });
        }
    }

    /// Runs to the horizon, checks the SPEC §5 invariants and reports.
    pub fn run(self) -> Result<RunOutput, InvariantViolation> {
        match self.run_loop() {
            Ok(out) => Ok(out),
            Err(RunError::Invariant(e)) => Err(e),
            Err(RunError::Stopped(_)) => unreachable!("a run without a guard never stops early"),
        }
    }

    /// As [`Simulation::run`], consulting `guard` every
    /// [`RunGuard::CHECK_EVERY`] events: stops with [`RunError::Stopped`]
    /// when its event budget is spent or it is stopped.
    pub fn run_guarded(mut self, guard: &'a RunGuard) -> Result<RunOutput, RunError> {
        self.guard = Some(guard);
        self.engine.check_at = 0;
        self.run_loop()
    }

    fn run_loop(mut self) -> Result<RunOutput, RunError> {
        self.schedule_initial();
        let horizon = self.cfg.horizon;
        run::step_until(&mut Driven(&mut self), horizon)?;
        if self.halted {
            return Err(self.stopped().into());
        }
        if let Some(g) = self.guard {
            g.record(self.engine.handled + self.bulk_sent - self.charged);
        }
        self.engine.now = horizon;
        Ok(self.finish()?)
    }

    /// Charges the events since the last look to the guard; Some when the
    /// run must stop before its next event.
    #[cold]
    fn consult_guard(&mut self) -> Option<Stopped> {
        let g = self.guard?;
        if self.halted {
            return Some(self.stopped());
        }
        if self.engine.now != self.stall.0 {
            // Events already booked for this instant are not a loop (a
            // manifest of 10M uploads with one fixed notification delay
            // lands 10M notifications on one instant), nor are a few
            // follow-ups of each: the instant may take STALL_EVENTS more
            // than 8 per event pending now.
            let pending = self.engine.events.len() as u64;
            self.stall = (
                self.engine.now,
                self.engine.handled,
                STALL_EVENTS.saturating_add(pending.saturating_mul(8)),
            );
        } else if self.engine.handled - self.stall.1 >= self.stall.2 {
            g.stop(StopReason::Stalled {
                events: self.engine.handled - self.stall.1,
            });
            return Some(self.stopped());
        }
        let work = self.engine.handled + self.bulk_sent;
        match g.spend(work - self.charged) {
            Some(more) => {
                self.charged = work;
                self.engine.check_at = self.engine.handled + more;
                None
            }
            None => {
                self.charged = work;
                Some(self.stopped())
            }
        }
    }

    /// In a loop sending messages within one event (a burst, a manifest):
    /// whether the guard lets it send one more. Issue 18: each message so
    /// sent is work and memory of its own (an object queued, its tasks and
    /// events to come), so it counts as one unit against the event budget,
    /// like an event; counting the burst as one event let a `every: 7s`
    /// slip of 2,000-message bursts reach 11.5 GiB within
    /// `--max-events 200000`. When the budget is spent, the run halts after
    /// the current event.
    #[inline]
    fn bulk_may_continue(&mut self, _sent: u64) -> bool {
        if self.guard.is_none() {
            return true;
        }
        if self.halted {
            return false;
        }
        if self.engine.handled >= self.engine.check_at && self.consult_guard().is_some() {
            self.halted = true;
            self.engine.check_at = 0;
            return false;
        }
        // One unit of the allowance the guard handed out.
        self.bulk_sent += 1;
        self.engine.check_at -= 1;
        true
    }

    fn stopped(&self) -> Stopped {
        let g = self.guard.expect("only a guarded run stops");
        Stopped {
            events: g.events_spent(),
            at: self.engine.now,
            reason: g.reason().unwrap_or(StopReason::MaxEvents {
                limit: g.max_events(),
            }),
            context: String::new(),
        }
    }

    fn schedule_initial(&mut self) {
        let cfg = self.cfg;
        self.schedule(SimTime::ZERO + cfg.job.initializing, Event::JobInProgress);
        for (g, group) in cfg.workers.iter().enumerate() {
            if let Some(schedule) = &group.schedule {
                // S1: the count in force at 0, before the shift opens.
                self.set_group_count(g, schedule.count_at(SimTime::ZERO));
                if let Some(t) = schedule.next_change_after(SimTime::ZERO) {
                    self.schedule(t, Event::StaffChange(g as u16));
                }
            }
            let (on, next) = group.shifts.state_at(SimTime::ZERO, cfg.start_at_epoch_us);
            self.set_group_shift(g, on);
            if let Some(t) = next {
                self.schedule(t, Event::ShiftChange(g as u16));
            }
        }
        for (p, prod) in cfg.producers.iter().enumerate() {
            if let Some(t) = self.producers.first_send_time(cfg, p) {
                self.schedule(t, Event::ProducerNext(p as u16));
            }
            if let (Source::S3, Some(t)) = (prod.source, prod.notification_configured_at) {
                self.schedule(t, Event::S3Test(p as u16));
            }
        }
        if let Some(t) = cfg.job.stop_at {
            self.schedule(t, Event::ManualStop);
        }
        if cfg.job.mode == Mode::Batch {
            self.schedule(SimTime::ZERO + cfg.job.max_runtime, Event::MaxRuntime);
        }
        self.schedule(SimTime::ZERO, Event::Sample);
        if self.warmup_end > SimTime::ZERO && self.warmup_end <= cfg.horizon {
            self.schedule(self.warmup_end, Event::WarmupEnd);
        }
        for (at, ev) in Sender::initial_events(&cfg.throttle) {
            self.schedule(at, Event::Sender(ev));
        }
        if let Some(pipe) = &mut self.pipeline {
            let mut sched = Embed {
                queue: &mut self.engine.events,
                wrap: Event::Pipe,
            };
            if self.acct.by_interval() {
                pipe.note_poller_changes();
            } else {
                // Only the rows by interval use a document's searchable time.
                pipe.without_searchable_outcomes();
            }
            pipe.start(SimTime::ZERO, &mut sched);
            self.pollers_changed();
        }
    }

    /// Routes `ev` to the rule or component it belongs to, then matches
    /// waiting tasks to free workers (R7).
    fn route(&mut self, ev: Event) {
        match ev {
            Event::JobInProgress => self.on_in_progress(),
            Event::ProducerNext(p) => self.on_producer_next(p as usize),
            Event::Deliver {
                producer,
                copy,
                produced,
                same_upload,
            } => self.on_copy(producer as usize, copy, produced, same_upload),
            Event::S3Test(p) => self.on_s3_test(p as usize),
            Event::Pipe(ev) => self.on_pipe(ev),
            Event::TaskDone { worker, gen } => self.on_task_done(worker, gen),
            Event::ShiftChange(g) => self.on_shift_change(g as usize),
            Event::StaffChange(g) => self.on_staff_change(g as usize),
            Event::QueueExpiry => self.on_queue_expiry(),
            Event::Lifetime => self.on_lifetime(),
            Event::IdleCheck => self.on_idle_check(),
            Event::ManualStop => self.on_stop_deadline(EndState::StoppedManual),
            Event::MaxRuntime => self.on_stop_deadline(EndState::Failed),
            Event::Sender(ev) => self.on_sender(ev),
            Event::WarmupEnd => self.on_warmup_end(),
            Event::Sample => self.on_sample(),
        }
        self.match_pool();
    }
}

/// The simulation as the engine's model (its event type stays private).
struct Driven<'s, 'a>(&'s mut Simulation<'a>);

impl Model for Driven<'_, '_> {
    type Event = Event;
    type Stop = Stopped;

    #[inline(always)]
    fn engine(&mut self) -> &mut Engine<Event> {
        &mut self.0.engine
    }

    #[inline(always)]
    fn handle(&mut self, _now: SimTime, ev: Event) {
        self.0.route(ev);
    }

    /// The guard's look every [`RunGuard::CHECK_EVERY`] events.
    #[inline]
    fn checkpoint(&mut self) -> Result<(), Stopped> {
        match self.0.consult_guard() {
            Some(stop) => Err(stop),
            None => Ok(()),
        }
    }
}

/// Every event goes on the queue in its kind's phase (SPEC §1: lifecycle,
/// ordinary events, deadlines), so one instant has one order.
#[inline]
fn schedule(events: &mut EventQueue<Event>, at: SimTime, ev: Event) {
    events.schedule_in_phase(at, ev.phase(), ev);
}

/// Runs one replication of `cfg`.
///
/// With `output.warmup: auto` the replication runs twice on the same
/// streams (so the same sample path): once to read its SQS backlog series
/// and pick the warm-up by MSER-5 (SPEC §4a), once with that warm-up.
pub fn simulate(cfg: &SimConfig, seeds: StreamSeeds) -> Result<RunOutput, InvariantViolation> {
    match warmup::resolve_warmup(cfg, seeds, None) {
        Ok(Some(fixed)) => Simulation::new(&fixed, seeds).run(),
        Ok(None) => Simulation::new(cfg, seeds).run(),
        Err(RunError::Invariant(e)) => Err(e),
        Err(RunError::Stopped(_)) => unreachable!("a run without a guard never stops early"),
    }
}

/// Runs one replication of `cfg` under `guard` (see
/// [`super::guard::RunGuard`]): as [`simulate`], but ends with
/// [`RunError::Stopped`] when the guard's event budget is spent or it is
/// stopped (Ctrl-C, the memory watchdog). With `warmup: auto` both passes
/// count against the budget.
pub fn simulate_guarded(
    cfg: &SimConfig,
    seeds: StreamSeeds,
    guard: &RunGuard,
) -> Result<RunOutput, RunError> {
    match warmup::resolve_warmup(cfg, seeds, Some(guard))? {
        Some(fixed) => Simulation::new(&fixed, seeds).run_guarded(guard),
        None => Simulation::new(cfg, seeds).run_guarded(guard),
    }
}

/// Runs one replication of `cfg`, recording the object-level event trace.
pub fn simulate_traced(
    cfg: &SimConfig,
    seeds: StreamSeeds,
) -> Result<RunOutput, InvariantViolation> {
    match warmup::resolve_warmup(cfg, seeds, None) {
        Ok(Some(fixed)) => Simulation::new(&fixed, seeds).with_trace().run(),
        Ok(None) => Simulation::new(cfg, seeds).with_trace().run(),
        Err(RunError::Invariant(e)) => Err(e),
        Err(RunError::Stopped(_)) => unreachable!("a run without a guard never stops early"),
    }
}
