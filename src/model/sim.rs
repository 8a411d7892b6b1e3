//! One replication of a labeling job: the rules R1–R10 and R12 of SPEC §2
//! on the event engine, wiring the job's components together.
//!
//! Each component owns its state and answers through return values and its
//! own nested events (see [`super::job`]):
//! - producers (SPEC §3, R9 copies) → the sender (R12 throttle) → the
//!   job's SNS input (R1 acceptance, R9 deduplication, R10: the intake);
//! - the SQS queue (R3, R6) → dispatch (R3 conditions and refills, R2's N
//!   tasks, the task pool) → the available objects (R2, R7) ↔ the
//!   workforce; dispatch matches waiting tasks to free workers (R7) and
//!   says how each task's end leaves its object (R2, R7). This file draws
//!   each task's outcome, schedules its end and resolves the object (the
//!   label event, the pipeline's hand-off, the refill);
//! - the lifecycle (R1 states, R4 waves, R5 pilot, R8 idle stop) says when
//!   the job runs and ends; accounts take every latency and service level;
//! - the pipeline (SPEC §6, P1–P9) is one more component, fed by producers
//!   with `to:` and feeding the SNS input with what it routes to people.
//!
//! The engine's loop ([`crate::engine::run`]) pops each event and sets the
//! clock; this file routes the event to its component. The tie order of one
//! instant is [`Event::phase`] (SPEC §1). Memory follows the objects *in the
//! system*, not those ever seen, and the hot path does not allocate.

use super::config::{ArrivalProcess, Mode, OnTimeout, SimConfig, Source, Warmup};
use super::dedup::{IdIssuer, MessageIds};
use super::guard::{RunError, RunGuard, StopReason, Stopped};
use super::invariants::{self, InvariantViolation};
use super::job::accounts::Accounts;
use super::job::available::Available;
use super::job::dispatch::{self, Done, MatchHost, PoolTask, Refill, TaskPool};
use super::job::intake::{Admission, Intake, NO_PRODUCER};
use super::job::lifecycle::{EndSnapshot, IdleCheck, JobState, Lifecycle};
use super::job::producers::{manifest_size, Producers};
use super::job::queue::{JobQueue, Queued};
use super::job::sender::{Held, Poll, Sender, SenderEvent};
use super::job::workers::{GroupAreas, Holding, Outcome, Workers};
use super::metrics::{EndState, RunOutput, RunSummary, Sample, TraceKind, TraceRecord};
use super::pipeline::{Embed, ObjectRef, Outcome as PipeOutcome, PipeEvent, PipeMessage, Pipeline};
use super::throttle::Policy;
use crate::engine::rng::splitmix64;
use crate::engine::run::{self, Engine, Model};
use crate::engine::time::US_PER_H;
use crate::engine::{
    EventQueue, Phase, SimDuration, SimRng, SimTime, Slab, StreamKind, StreamSeeds,
};
use rand::RngExt;
use rand::SeedableRng;

pub use super::job::lifecycle::MTURK_PILOT_OBJECTS;

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
        Simulation {
            cfg,
            engine: Engine::new(),
            life: Lifecycle::new(cfg),
            guard: None,
            charged: 0,
            bulk_sent: 0,
            halted: false,
            producers: Producers::new(cfg, seeds),
            copies: Slab::default(),
            ids: IdIssuer::default(),
            intake: Intake::default(),
            queue: JobQueue::default(),
            avail: Available::default(),
            tasks: TaskPool::default(),
            month_starts: month_starts(cfg.start_at_epoch_us, cfg.horizon),
            labeled_by_month: vec![0],
            workforce: Workers::new(cfg, seeds),
            c: Counters::default(),
            acct: Accounts::new(
                cfg,
                match cfg.warmup {
                    Warmup::Fixed(d) => SimTime::after(d),
                    _ => SimTime::ZERO,
                },
            ),
            fault: None,
            warmup_end: match cfg.warmup {
                Warmup::Fixed(d) => SimTime::after(d),
                _ => SimTime::ZERO,
            },
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
                Pipeline::new(p, seeds).with_copy_window(window)
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
            pipe.start(SimTime::ZERO, &mut sched);
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
            } => {
                let ids = self.copies.take(copy);
                if produced {
                    self.c.messages_produced += 1;
                } else {
                    self.c.redeliveries += 1;
                }
                if self.cfg.producers[producer as usize].to.is_some() {
                    // R9 copies into a pipeline: an s3_event_duplicate is
                    // the same upload announced again (P7). A copy of the
                    // same document (same upload) keeps the original's
                    // first send as its origin, `duplicates.delay` ago
                    // (P8: latency from the object's first send); a
                    // re-upload is a new document, first sent now.
                    let origin = if same_upload {
                        let delay = self.cfg.producers[producer as usize].duplicates.delay;
                        SimTime::from_micros(
                            self.engine
                                .now
                                .as_micros()
                                .saturating_sub(delay.as_micros()),
                        )
                    } else {
                        self.engine.now
                    };
                    self.send_to_pipeline(producer as usize, ids, false, origin);
                } else {
                    self.deliver(producer as usize, ids, false, self.engine.now);
                }
            }
            Event::S3Test(p) => {
                // R10: one s3:TestEvent, published by S3, delivered as a message.
                self.c.messages_produced += 1;
                let ids = self.ids.fresh();
                if self.cfg.producers[p as usize].to.is_some() {
                    self.send_to_pipeline(p as usize, ids, true, self.engine.now);
                } else {
                    self.deliver(p as usize, ids, true, self.engine.now);
                }
            }
            Event::Pipe(ev) => self.on_pipe(ev),
            Event::TaskDone { worker, gen } => self.on_task_done(worker, gen),
            Event::ShiftChange(g) => self.on_shift_change(g as usize),
            Event::StaffChange(g) => self.on_staff_change(g as usize),
            Event::QueueExpiry => self.on_queue_expiry(),
            Event::Lifetime => self.on_lifetime(),
            Event::IdleCheck => self.on_idle_check(),
            Event::ManualStop => {
                if !self.life.ended() {
                    self.end_job(EndState::StoppedManual);
                }
            }
            Event::MaxRuntime => {
                if !self.life.ended() {
                    self.end_job(EndState::Failed);
                }
            }
            Event::Sender(ev) => self.on_sender(ev),
            Event::WarmupEnd => {
                self.warm_areas = (
                    self.queue.level().area_until(self.engine.now),
                    self.avail.level().area_until(self.engine.now),
                );
            }
            Event::Sample => {
                self.record_sample();
                let next = self.engine.now + self.cfg.sample_every;
                if next <= self.cfg.horizon && !self.cfg.sample_every.is_zero() {
                    self.schedule(next, Event::Sample);
                }
            }
        }
        self.match_pool();
    }

    // ----- R1 lifecycle ---------------------------------------------------

    fn on_in_progress(&mut self) {
        if !self.life.start(self.engine.now) {
            return; // stopped during initialization
        }
        self.log(0, TraceKind::JobInProgress, None);
        // R3/R4: the input manifest is handed over at creation and sent when
        // the job starts, in manifest order.
        for p in 0..self.cfg.producers.len() {
            for i in 0..manifest_size(self.cfg, p) {
                if !self.bulk_may_continue(i) {
                    return;
                }
                self.c.messages_produced += 1;
                let ids = self.ids.fresh();
                self.deliver(p, ids, false, self.engine.now);
                self.spawn_duplicates(p, ids);
            }
        }
        if self.cfg.job.mode == Mode::Batch {
            self.batch_refill();
        }
        self.arm_idle_timer();
    }

    /// R1: stop, completion or failure. Queued objects are stranded, waiting
    /// tasks withdrawn; tasks in workers' hands finish.
    fn end_job(&mut self, how: EndState) {
        self.log(0, TraceKind::JobEnded(how), None);
        let mut manifest = Vec::new();
        if self.life.state() == JobState::Initializing {
            // R1: a stop during Initializing strands the manifest: its
            // objects were handed over at creation, so they are counted
            // (received, accepted, stranded), never dropped from the ledgers.
            // They were never sent to the SQS queue, so they do not pass
            // through its level (backlog_max stays what the queue held).
            for p in 0..self.cfg.producers.len() {
                for i in 0..manifest_size(self.cfg, p) {
                    if !self.bulk_may_continue(i) {
                        return;
                    }
                    self.c.messages_produced += 1;
                    self.c.messages_received += 1;
                    let ids = self.ids.fresh();
                    manifest.push(self.admit(self.engine.now, ids.publish, p as u16));
                }
            }
        }
        let snapshot = self.snapshot_end();
        self.life.end(how, snapshot);
        let queued = std::iter::from_fn(|| self.queue.pop()).collect::<Vec<_>>();
        for q in manifest.into_iter().chain(queued) {
            self.log(q.id, TraceKind::Stranded, None);
            self.c.stranded_at_stop += 1;
            self.leave_system(q.accepted_at);
        }
        self.queue.sync_level(self.engine.now);
        // Every waiting task is withdrawn, in the pool or parked (no worker
        // left who may take it); objects with nothing in a worker's hands
        // resolve now, in dispatch order.
        for slot in self.avail.slots() {
            let o = self.avail.obj_mut(slot);
            self.c.tasks_withdrawn += TaskPool::withdraw(o) as u64;
            if o.unresolved == 0 {
                self.resolve(slot);
            }
        }
        self.tasks.clear();
    }

    /// The integrals at the job's end (now), for job-life averages.
    fn snapshot_end(&self) -> EndSnapshot {
        EndSnapshot {
            at: self.engine.now,
            backlog_area: self.queue.level().area_until(self.engine.now),
            available_area: self.avail.level().area_until(self.engine.now),
            busy_area: self.workforce.busy().area_until(self.engine.now),
            on_shift_area: self.workforce.on_shift().area_until(self.engine.now),
            overtime_area: self.workforce.overtime().area_until(self.engine.now),
            labeled: self.c.objects_labeled,
            submitted: self.c.tasks_submitted,
            groups: self.workforce.group_areas(self.engine.now),
        }
    }

    // ----- producers and messages ----------------------------------------

    fn on_producer_next(&mut self, p: usize) {
        let cfg = self.cfg;
        // A burst is many sends in one event, so the guard is consulted
        // within it; a single send is an ordinary event.
        let bulk = matches!(cfg.producers[p].process, ArrivalProcess::Burst { .. });
        for i in 0..self.producers.due(cfg, p) {
            if bulk && !self.bulk_may_continue(i) {
                return;
            }
            self.send_original(p);
        }
        if let Some(t) = self.producers.next_send_time(cfg, p, self.engine.now) {
            self.schedule(t, Event::ProducerNext(p as u16));
        }
    }

    /// A producer's original send: through the sender throttle (R12).
    fn send_original(&mut self, p: usize) {
        self.c.messages_produced += 1;
        let ids = self.ids.fresh();
        let held = Held {
            producer: p as u16,
            ids,
            produced_at: self.engine.now,
        };
        if let Some(h) = self.sender.offer(held) {
            self.release(h);
        } else {
            self.pump_sender();
        }
    }

    /// Releases held messages while the policy allows.
    fn pump_sender(&mut self) {
        loop {
            match self.sender.poll(self.engine.now) {
                Poll::Send(h) => self.release(h),
                Poll::WakeAt(t) => {
                    self.schedule(t, Event::Sender(SenderEvent::Release));
                    return;
                }
                Poll::Wait => return,
            }
        }
    }

    /// R12: an event of the sender.
    fn on_sender(&mut self, ev: SenderEvent) {
        let t = &self.cfg.throttle;
        match ev {
            SenderEvent::Release => {
                self.sender.release_timer_fired();
                self.pump_sender();
            }
            SenderEvent::MetricSample => {
                // ApproximateNumberOfMessagesVisible: the SQS backlog.
                let (at, ev) =
                    self.sender
                        .sample(t, self.engine.now, self.queue.len(), self.queue.woke_at());
                self.schedule(at, Event::Sender(ev));
                let next = self.engine.now + t.metrics_period;
                if next <= self.cfg.horizon {
                    self.schedule(next, Event::Sender(SenderEvent::MetricSample));
                }
            }
            SenderEvent::MetricObserved { slot } => {
                self.sender.observe_backlog(slot);
                self.pump_sender();
            }
            SenderEvent::AlarmObserved => {
                self.sender.expiry_alarm(self.engine.now);
                self.pump_sender();
            }
            SenderEvent::ControlTick => {
                self.sender.control_tick();
                self.pump_sender();
                if let Some(iv) = t.policy.interval() {
                    let next = self.engine.now + iv;
                    if next <= self.cfg.horizon {
                        self.schedule(next, Event::Sender(SenderEvent::ControlTick));
                    }
                }
            }
            SenderEvent::Keepalive => self.on_keepalive(),
        }
    }

    /// Keep-alive: when nothing was sent for `every`, send one held object,
    /// or a heartbeat object if none is held.
    fn on_keepalive(&mut self) {
        let Some(every) = self.cfg.throttle.keepalive else {
            return;
        };
        if self.life.ended() {
            return;
        }
        match self.sender.keepalive_due(self.engine.now, every) {
            Some(Some(h)) => self.release(h),
            Some(None) => {
                if let Some(p) = self
                    .cfg
                    .producers
                    .iter()
                    .position(|p| !matches!(p.process, ArrivalProcess::Manifest { .. }))
                {
                    self.c.messages_produced += 1;
                    self.sender.count_heartbeat();
                    let ids = self.ids.fresh();
                    self.release(Held {
                        producer: p as u16,
                        ids,
                        produced_at: self.engine.now,
                    });
                }
            }
            None => {}
        }
        let next = self.sender.next_keepalive(self.engine.now, every);
        if next <= self.cfg.horizon {
            self.schedule(next, Event::Sender(SenderEvent::Keepalive));
        }
    }

    /// A message leaves the sender: delivered now, plus the R9 duplicate
    /// copies it gives rise to.
    fn release(&mut self, h: Held) {
        let (p, ids) = (h.producer as usize, h.ids);
        self.sender.sent(self.engine.now, &h);
        if self.faulty(Fault::LostAtSender) {
            return;
        }
        if self.cfg.producers[p].to.is_some() {
            self.send_to_pipeline(p, ids, false, h.produced_at);
        } else {
            self.deliver(p, ids, false, h.produced_at);
        }
        self.spawn_duplicates(p, ids);
    }

    /// SPEC §6: producer `p` (with `to:`) sends to its pipeline queue: a
    /// SendMessage at once (`source: sns`), or an S3 upload whose event
    /// notification arrives after `notification_delay` (P7).
    fn send_to_pipeline(&mut self, p: usize, ids: MessageIds, test_event: bool, origin: SimTime) {
        let prod = &self.cfg.producers[p];
        let queue = prod.to.expect("a pipeline producer");
        self.c.sent_to_pipeline += 1;
        let object = ObjectRef { ids, origin };
        let mut msg = if test_event {
            PipeMessage::test_event(object)
        } else {
            PipeMessage::data(object)
        };
        msg.group = prod.group;
        let now = self.engine.now;
        let delay = match (prod.source, &prod.notification_delay) {
            (Source::S3, Some(d)) if !test_event => Some(Some(SimDuration::from_micros_f64(
                d.sample(&mut self.notify_rng),
            ))),
            (Source::S3, None) if !test_event => Some(None),
            _ => None,
        };
        let pipe = self.pipeline.as_mut().expect("a pipeline");
        let mut sched = Embed {
            queue: &mut self.engine.events,
            wrap: Event::Pipe,
        };
        match delay {
            Some(Some(d)) => pipe.s3_upload_after(now, queue, msg, d, &mut sched),
            Some(None) => pipe.s3_upload(now, queue, msg, &mut sched),
            None => pipe.send(now, queue, msg, &mut sched),
        }
    }

    /// A pipeline event: handed to the pipeline; objects it routes to the
    /// humans are published to the job's SNS input (P6).
    fn on_pipe(&mut self, ev: PipeEvent) {
        let now = self.engine.now;
        let mut out = std::mem::take(&mut self.pipe_out);
        {
            let pipe = self.pipeline.as_mut().expect("a pipeline event");
            let mut sched = Embed {
                queue: &mut self.engine.events,
                wrap: Event::Pipe,
            };
            pipe.handle(now, ev, &mut sched, &mut out);
        }
        for o in out.drain(..) {
            match o {
                PipeOutcome::ToHumans { object, .. } => self.route_to_humans(object),
                // P8 is recorded by the pipeline itself; SPEC §4b by
                // interval of the first send here.
                PipeOutcome::Searchable { object, at, .. } => {
                    self.acct.searchable(object.origin, at - object.origin)
                }
            }
        }
        self.pipe_out = out;
    }

    /// P6: the consumer publishes the object to the job's SNS input: a new
    /// SNS message (fresh publish ID) about the same object and upload, so
    /// R1/R9 apply — with the default dedup key a message processed twice is
    /// two objects; with `dedup_key: source-ref` the second is dropped.
    fn route_to_humans(&mut self, object: ObjectRef) {
        let ids = MessageIds {
            publish: self.ids.new_publish(),
            ..object.ids
        };
        let before = self.c.objects_accepted;
        self.c.routed_from_pipeline += 1;
        self.intake.route(ids.publish, object);
        self.deliver_as(Source::Sns, NO_PRODUCER, ids, false, object.origin);
        if self.c.objects_accepted == before {
            self.intake.unroute(ids.publish);
            // Issue 17: no human label will come for this routing.
            self.pipeline
                .as_mut()
                .expect("a pipeline")
                .human_dropped(object);
        }
    }

    /// R9: the duplicate copies a message gives rise to, each arriving
    /// `duplicates.delay` after it (every producer kind, the manifest too).
    #[inline]
    fn spawn_duplicates(&mut self, p: usize, ids: MessageIds) {
        if self.producers.copies(p) {
            self.spawn_copies(p, ids);
        }
    }

    /// [`Self::spawn_duplicates`] for a producer whose messages may be copied.
    #[inline(never)]
    fn spawn_copies(&mut self, p: usize, ids: MessageIds) {
        let at = self.engine.now + self.cfg.producers[p].duplicates.delay;
        let producer = p as u16;
        let Some(copies) = self.producers.duplicates(self.cfg, p, ids, &mut self.ids) else {
            return;
        };
        for copy in copies {
            let ev = Event::Deliver {
                producer,
                copy: self.copies.put(copy.ids),
                produced: copy.produced,
                same_upload: copy.same_upload,
            };
            // The copies borrow the producers: the queue is reached directly,
            // through the same phase rule as every other event.
            schedule(&mut self.engine.events, at, ev);
        }
    }

    /// A message reaches the job: R1 acceptance, R9 deduplication.
    fn deliver(&mut self, p: usize, ids: MessageIds, test_event: bool, produced_at: SimTime) {
        let source = self.cfg.producers[p].source;
        self.deliver_as(source, p as u16, ids, test_event, produced_at);
    }

    /// [`Self::deliver`] for a message from a `source` (a producer's, or
    /// SNS for the pipeline's routed objects).
    fn deliver_as(
        &mut self,
        source: Source,
        producer: u16,
        ids: MessageIds,
        test_event: bool,
        produced_at: SimTime,
    ) {
        self.c.messages_received += 1;
        let admission = self.intake.receive(
            self.life.state(),
            &self.cfg.job.dedup_key,
            source,
            ids,
            test_event,
        );
        match admission {
            Admission::LostNotInProgress => {
                self.c.lost_not_in_progress += 1;
                self.log(0, TraceKind::LostNotInProgress, None);
                return;
            }
            Admission::LostAfterStop => {
                self.c.lost_after_stop += 1;
                self.log(0, TraceKind::LostAfterStop, None);
                return;
            }
            Admission::Duplicate | Admission::Accepted => {}
        }
        // R8: any message received is input.
        self.life.input(self.engine.now);
        if admission == Admission::Duplicate {
            if !self.faulty(Fault::UncountedDuplicate) {
                self.c.duplicates_dropped += 1;
            }
            self.log(0, TraceKind::DuplicateDropped, None);
            return;
        }
        self.accept(produced_at, ids.publish, producer);
    }

    /// Counts an object in (accepted, in the system) and names it.
    fn admit(&mut self, produced_at: SimTime, key: u64, producer: u16) -> Queued {
        self.c.objects_accepted += 1;
        self.acct.enter(
            self.cfg,
            self.engine.now,
            self.engine.now >= self.warmup_end,
        );
        let q = Queued {
            id: self.c.objects_accepted,
            accepted_at: self.engine.now,
            produced_at,
            key,
            producer,
        };
        self.log(q.id, TraceKind::Accepted, None);
        q
    }

    fn accept(&mut self, produced_at: SimTime, key: u64, producer: u16) {
        let q = self.admit(produced_at, key, producer);
        if self.cfg.job.mode == Mode::Batch {
            // R4: manifest objects wait for their wave.
            self.enqueue(q);
            return;
        }
        // R3: direct dispatch or the SQS queue.
        let k = self.cfg.job.max_concurrent_task_count + self.faulty(Fault::DispatchPastK) as u32;
        let direct = dispatch::dispatch_directly(
            self.cfg.job.refill_rule,
            k,
            self.avail.count(),
            self.queue.is_empty(),
        );
        if direct && self.life.pilot_allows_dispatch() {
            self.dispatch(q);
        } else {
            self.enqueue(q);
        }
    }

    fn enqueue(&mut self, q: Queued) {
        self.log(q.id, TraceKind::Queued, None);
        self.queue
            .push(self.engine.now, q, self.cfg.throttle.inactivity);
        if self.cfg.job.mode == Mode::Streaming {
            self.arm_queue_timer();
        }
    }

    fn leave_system(&mut self, accepted_at: SimTime) {
        self.acct.leave(self.engine.now, accepted_at);
    }

    // ----- R3/R4/R5 dispatch (the rules in job/dispatch.rs) -----------------

    fn dispatch(&mut self, q: Queued) {
        let cfg = self.cfg;
        let n = cfg.job.workers_per_object;
        let is_pilot = self.life.dispatched();
        let now = self.engine.now;
        let deadline = now + cfg.job.task_availability_lifetime;
        let piped = self.intake.is_routed(q.key);
        let slot = self.avail.add(now, |o| {
            dispatch::fill_object(o, &q, now, deadline, n, is_pilot, piped);
        });
        if !self.faulty(Fault::UncountedDispatch) {
            self.c.objects_dispatched += 1;
        }
        self.log(q.id, TraceKind::Dispatched, None);
        if q.accepted_at >= self.warmup_end {
            self.acct.queue_wait.record(self.engine.now - q.accepted_at);
        }
        let gen = self.avail.obj(slot).gen;
        self.tasks.add_tasks(slot, gen, n);
        self.c.tasks_created += n as u64;
        self.arm_lifetime_timer();
    }

    /// R3 refill after an object resolves (streaming).
    fn streaming_refill(&mut self) {
        let k = self.cfg.job.max_concurrent_task_count;
        let n = self.cfg.job.workers_per_object;
        let refill = Refill::streaming(self.life.streaming_pilot(), n);
        while refill.may_dispatch(&self.life, self.avail.count(), k) {
            match self.queue.pop() {
                Some(q) => self.dispatch(q),
                None => break,
            }
        }
        self.queue.sync_level(self.engine.now);
        if refill != Refill::Pilot {
            self.arm_queue_timer();
        }
    }

    /// R4: the next wave starts when every object of the current one resolved.
    fn batch_refill(&mut self) {
        if !self.life.wave_done() {
            return;
        }
        if self.queue.is_empty() {
            if self.avail.count() == 0 {
                self.end_job(EndState::Completed);
            }
            return;
        }
        // R5: the pilot is the first wave.
        let size = self
            .life
            .next_wave_size(self.cfg.job.max_concurrent_task_count);
        for _ in 0..size {
            match self.queue.pop() {
                Some(q) => {
                    self.dispatch(q);
                    self.life.wave_dispatched();
                }
                None => break,
            }
        }
        self.queue.sync_level(self.engine.now);
    }

    // ----- R7 workers (the match in job/dispatch.rs) -----------------------

    /// R2/R7: gives waiting tasks to free workers (see
    /// [`dispatch::match_pool`]), starting each.
    fn match_pool(&mut self) {
        dispatch::match_pool(self);
    }

    /// Worker `w` starts task `t` (taken by [`dispatch::match_pool`]):
    /// its outcome is drawn and its end scheduled. Inlined into the match.
    #[inline(always)]
    fn start_task(&mut self, w: u32, t: PoolTask) {
        let now = self.engine.now;
        let forget_touched = self.faulty(Fault::ForgetTouched);
        let o = self.avail.obj_mut(t.slot);
        if !self.tasks.take(o, w, forget_touched) {
            self.c.distinct_worker_violations += 1;
        }
        if !o.taken_once {
            o.taken_once = true;
            if o.accepted_at >= self.warmup_end {
                self.acct.pool_wait.record(now - o.dispatched_at);
                self.acct.first_taken(o.accepted_at, now - o.dispatched_at);
                if now > o.dispatched_at {
                    self.acct.pool_waited += 1;
                }
            }
        }
        let id = o.id;
        o.attempts += 1;
        let attempt = o.attempts as u64;
        let key = o.key;
        let piped = o.piped;
        let worker = self.workforce.worker(w);
        let g = worker.group as usize;
        let group = &self.cfg.workers[g];
        // Common random numbers: the draws of an object's k-th task come
        // from a stream keyed by (object, k), not by the order of events.
        let rng = &mut SimRng::seed_from_u64(splitmix64(
            self.task_seed
                ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ attempt.wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
        ));
        let (outcome, dur) =
            if group.decline_probability > 0.0 && rng.random::<f64>() < group.decline_probability {
                (Outcome::Decline, group.decline_time)
            } else {
                let x = group.service_time.sample(rng);
                // x / 1.0 is x: the division (slow) only for a speed spread.
                let x = if worker.speed == 1.0 {
                    x
                } else {
                    x / worker.speed
                };
                let s = SimDuration::from_micros_f64(x);
                let limit = self.cfg.job.task_time_limit;
                if s > limit {
                    (Outcome::Timeout, limit)
                } else {
                    (Outcome::Submit, s)
                }
            };
        // P6: the task's correctness, drawn after its other draws from its
        // own stream (pipeline objects only: the job's draws are unchanged).
        let correct = piped && outcome == Outcome::Submit && rng.random::<f64>() < group.accuracy;
        let task = Holding {
            slot: t.slot,
            obj_gen: t.gen,
            pool_seq: t.seq,
            outcome,
            started_at: now,
            correct,
        };
        let gen = self.workforce.start(now, w, task);
        self.log(id, TraceKind::Taken, Some(w));
        self.schedule(now + dur, Event::TaskDone { worker: w, gen });
    }

    /// The worker is done with its task (or had it taken away): free it.
    fn release_worker(&mut self, w: u32) {
        let stale_busy = self.faulty(Fault::StaleBusyLevel);
        let no_overtime = self.faulty(Fault::NoOvertime);
        self.workforce
            .release(self.engine.now, w, stale_busy, no_overtime);
        self.tasks.released();
    }

    fn on_task_done(&mut self, w: u32, gen: u32) {
        let Some(h) = self.workforce.current(w, gen) else {
            return; // the task was taken away (R7 lifetime)
        };
        debug_assert_eq!(self.avail.obj(h.slot).gen, h.obj_gen);
        self.release_worker(w);
        let returns = self.cfg.job.on_timeout == OnTimeout::Return && !self.life.ended();
        let uncounted_decline = self.faulty(Fault::UncountedDecline);
        let o = self.avail.obj_mut(h.slot);
        let id = o.id;
        match self.tasks.task_done(o, &h, returns) {
            Done::Submitted => {
                self.c.tasks_submitted += 1;
                self.life.submitted_at(self.engine.now);
            }
            Done::Declined => {
                if !uncounted_decline {
                    self.c.tasks_declined += 1;
                }
            }
            Done::Returned => self.c.tasks_timed_out += 1,
            Done::Dropped => {
                self.c.tasks_timed_out += 1;
                self.c.tasks_dropped += 1;
            }
        }
        let kind = match h.outcome {
            Outcome::Submit => TraceKind::Submitted,
            Outcome::Decline => TraceKind::Declined,
            Outcome::Timeout => TraceKind::TimedOut,
        };
        self.log(id, kind, Some(w));
        if self.avail.obj(h.slot).unresolved == 0 {
            self.resolve(h.slot);
        }
    }

    fn set_group_shift(&mut self, g: usize, on: bool) {
        let no_overtime = self.faulty(Fault::NoOvertime);
        self.workforce
            .set_group_shift(self.engine.now, g, on, no_overtime);
        self.acct
            .staff(self.engine.now, g, self.workforce.group_on_count(g));
    }

    /// S1: group `g`'s count becomes `count` (a drop lets busy workers
    /// finish on overtime; added workers start at once).
    fn set_group_count(&mut self, g: usize, count: u32) {
        let no_overtime = self.faulty(Fault::NoOvertime);
        self.workforce
            .set_group_count(self.engine.now, g, count, no_overtime);
        self.acct
            .staff(self.engine.now, g, self.workforce.group_on_count(g));
    }

    fn on_staff_change(&mut self, g: usize) {
        let Some(schedule) = &self.cfg.workers[g].schedule else {
            return;
        };
        let (count, next) = (
            schedule.count_at(self.engine.now),
            schedule.next_change_after(self.engine.now),
        );
        self.set_group_count(g, count);
        if let Some(t) = next {
            self.schedule(t, Event::StaffChange(g as u16));
        }
        // Added workers take waiting tasks at once: `handle` matches the
        // pool after every event.
    }

    fn on_shift_change(&mut self, g: usize) {
        let (on, next) = self.cfg.workers[g]
            .shifts
            .state_at(self.engine.now, self.cfg.start_at_epoch_us);
        if on != self.workforce.group_on_shift(g) {
            self.set_group_shift(g, on);
        }
        if let Some(t) = next {
            self.schedule(t, Event::ShiftChange(g as u16));
        }
    }

    // ----- resolution, R6, R7 lifetime -------------------------------------

    /// R2: all tasks resolved (or R7 lifetime reached): emit the label event.
    fn resolve(&mut self, slot: u32) {
        let human_label = {
            let o = self.avail.obj(slot);
            (
                o.piped,
                o.key,
                o.submitted > 0,
                dispatch::majority_correct(o),
            )
        };
        let (accepted_at, labeled, pilot, id, produced_at, producer) = {
            let o = self.avail.obj(slot);
            (
                o.accepted_at,
                dispatch::labels(o) || self.faulty(Fault::LabelWithoutSubmission),
                o.pilot,
                o.id,
                o.produced_at,
                o.producer,
            )
        };
        self.log(
            id,
            if labeled {
                TraceKind::Labeled
            } else {
                TraceKind::Failed
            },
            None,
        );
        let stale = self.faulty(Fault::StaleAvailableLevel);
        self.avail.remove(self.engine.now, slot, stale);
        if labeled {
            if !self.faulty(Fault::UncountedLabel) {
                self.c.objects_labeled += 1;
                // Labels come in time order: the month only moves on.
                while self
                    .month_starts
                    .get(self.labeled_by_month.len() - 1)
                    .is_some_and(|&m| self.engine.now >= m)
                {
                    self.labeled_by_month.push(0);
                }
                *self.labeled_by_month.last_mut().expect("one month") += 1;
                self.life.labeled_at(self.engine.now);
            }
            if accepted_at >= self.warmup_end {
                self.acct.labeled(
                    self.cfg,
                    self.engine.now,
                    accepted_at,
                    produced_at,
                    producer,
                );
            }
        } else {
            self.c.objects_failed += 1;
        }
        if let (true, key, submitted, correct) = human_label {
            // R2 → P6/P8: the human label is indexed.
            if let Some(object) = self.intake.unroute(key) {
                let now = self.engine.now;
                let pipe = self.pipeline.as_mut().expect("a pipeline");
                if labeled && submitted {
                    let mut sched = Embed {
                        queue: &mut self.engine.events,
                        wrap: Event::Pipe,
                    };
                    pipe.human_labeled(now, object, correct, &mut sched);
                } else {
                    pipe.human_dropped(object);
                }
            }
        }
        self.leave_system(accepted_at);
        if pilot {
            self.life.pilot_resolved();
        }
        if self.life.in_progress() {
            match self.cfg.job.mode {
                Mode::Streaming => self.streaming_refill(),
                Mode::Batch => {
                    self.life.wave_resolved();
                    self.batch_refill();
                }
            }
        }
        self.note_maybe_idle();
    }

    fn arm_queue_timer(&mut self) {
        if let Some(at) = self.queue.arm_timer(self.cfg.job.queue_retention) {
            self.schedule(at, Event::QueueExpiry);
        }
    }

    /// R6: objects that waited `queue_retention` in the queue expire.
    fn on_queue_expiry(&mut self) {
        self.queue.timer_fired();
        if self.cfg.job.mode != Mode::Streaming {
            return;
        }
        let retention = self.cfg.job.queue_retention;
        let mut expired = false;
        while let Some(q) = self.queue.pop_expired(self.engine.now, retention) {
            self.log(q.id, TraceKind::ExpiredInQueue, None);
            self.c.expired_in_queue += 1;
            // Issue 17: a routed object that expires gets no human label.
            if let Some(object) = self.intake.unroute(q.key) {
                if let Some(pipe) = &mut self.pipeline {
                    pipe.human_dropped(object);
                }
            }
            if matches!(self.cfg.throttle.policy, Policy::ExpiryAlarm { .. }) {
                // R12: the alarm reaches the sender after the metrics delay.
                self.schedule(
                    self.engine.now + self.cfg.throttle.metrics_delay,
                    Event::Sender(SenderEvent::AlarmObserved),
                );
            }
            self.leave_system(q.accepted_at);
            expired = true;
        }
        if expired {
            self.queue.sync_level(self.engine.now);
            self.note_maybe_idle();
        }
        self.arm_queue_timer();
    }

    /// R7: one pending timer, at the deadline of the oldest available
    /// object (deadlines follow dispatch order, the lifetime being one
    /// constant). Every object's deadline fires in the deadline phase of its
    /// instant (SPEC §1), whichever object the timer was armed for.
    fn arm_lifetime_timer(&mut self) {
        if let Some(at) = self.avail.arm_timer() {
            self.schedule(at, Event::Lifetime);
        }
    }

    /// R7: an object whose task availability lifetime has passed resolves
    /// with what was submitted; its other tasks expire.
    fn on_lifetime(&mut self) {
        // Objects dispatched while this runs (refills) must not arm a second
        // timer: one chain of lifetime events, linear in objects.
        self.avail.hold_timer(self.engine.now);
        while let Some(slot) = self.avail.oldest() {
            let o = self.avail.obj(slot);
            if o.deadline > self.engine.now {
                break;
            }
            let gen = o.gen;
            let id = o.id;
            self.log(id, TraceKind::LifetimeReached, None);
            self.c.tasks_expired += self.tasks.expire(self.avail.obj_mut(slot));
            // Workers holding its tasks are freed.
            let holders: Vec<u32> = self
                .avail
                .obj(slot)
                .touched
                .iter()
                .copied()
                .filter(|&w| self.workforce.holds(w, slot, gen))
                .collect();
            for w in holders {
                self.release_worker(w);
            }
            self.resolve(slot);
        }
        self.avail.timer_done();
        self.arm_lifetime_timer();
    }

    // ----- R8 idle stop -----------------------------------------------------

    fn system_empty(&self) -> bool {
        self.queue.is_empty() && self.avail.count() == 0
    }

    /// R8: the system may have emptied; the idle clock of
    /// `no_input_and_no_work` starts then.
    fn note_maybe_idle(&mut self) {
        if self.system_empty() {
            if let Some(at) = self.life.emptied(self.engine.now, self.cfg) {
                self.schedule(at, Event::IdleCheck);
            }
        }
    }

    fn arm_idle_timer(&mut self) {
        if let Some(at) = self.life.arm_idle(self.cfg, self.system_empty()) {
            self.schedule(at, Event::IdleCheck);
        }
    }

    /// R8: runs after every other event of its instant (see
    /// [`Lifecycle::idle_fired`]).
    fn on_idle_check(&mut self) {
        match self
            .life
            .idle_fired(self.engine.now, self.cfg, self.system_empty())
        {
            IdleCheck::Stop => self.end_job(EndState::StoppedIdle),
            IdleCheck::RearmAt(at) => self.schedule(at, Event::IdleCheck),
            IdleCheck::Nothing => {}
        }
    }

    // ----- reporting --------------------------------------------------------

    fn record_sample(&mut self) {
        let c = &self.c;
        self.timeseries.push(Sample {
            t_s: self.engine.now.as_secs_f64(),
            backlog: self.queue.len(),
            available: self.avail.count() as u64,
            tasks_waiting: self.tasks.waiting(),
            tasks_in_progress: self.tasks.in_hand(),
            workers_busy: self.workforce.busy().level(),
            workers_on_shift: self.workforce.on_shift().level(),
            labeled_total: c.objects_labeled,
            expired_total: c.expired_in_queue,
            duplicates_total: c.duplicates_dropped,
            lost_total: c.lost_not_in_progress + c.lost_after_stop + c.stranded_at_stop,
            received_total: c.messages_received,
            accepted_total: c.objects_accepted,
            failed_total: c.objects_failed,
        });
        if let Some(p) = &mut self.pipeline {
            p.record_sample(self.engine.now);
        }
    }

    /// SPEC §4a per group and per producer (names from
    /// [`super::metrics::breakdown_names`], in its order): each worker
    /// group's utilization over the job's life, when there are several;
    /// each job-bound producer's time to label, when there are several.
    fn breakdown(&self, end: &EndSnapshot) -> Vec<(&'static str, Option<f64>)> {
        let names = super::metrics::breakdown_names(self.cfg);
        let mut values = Vec::with_capacity(names.len());
        if self.cfg.workers.len() > 1 {
            values.extend(end.groups.iter().map(GroupAreas::utilization));
        }
        for l in self.acct.by_producer.iter().flatten() {
            values.push(l.mean_s());
            values.push(l.quantile_s(0.95));
        }
        names.into_iter().zip(values).collect()
    }

    fn finish(mut self) -> Result<RunOutput, InvariantViolation> {
        let horizon = self.cfg.horizon;
        if self.life.end_state().is_none() {
            // The job runs on past the horizon: its life ends here.
            let at_horizon = self.snapshot_end();
            self.life.close(at_horizon);
        }
        if self
            .timeseries
            .last()
            .is_none_or(|s| s.t_s < horizon.as_secs_f64())
        {
            self.record_sample();
        }
        let end = self.life.take_end();
        // Time-weighted means over [warm-up end, job end] (SPEC §4a).
        let window =
            (end.at > self.warmup_end).then(|| (end.at - self.warmup_end).as_micros() as f64);
        let (warm_backlog, warm_available) = if end.at > self.warmup_end {
            self.warm_areas
        } else {
            (0, 0)
        };
        let c = &self.c;
        let summary = RunSummary {
            messages_received: c.messages_received,
            duplicates_dropped: c.duplicates_dropped,
            lost_not_in_progress: c.lost_not_in_progress,
            lost_after_stop: c.lost_after_stop,
            objects_accepted: c.objects_accepted,
            objects_dispatched: c.objects_dispatched,
            objects_labeled: c.objects_labeled,
            objects_failed: c.objects_failed,
            expired_in_queue: c.expired_in_queue,
            stranded_at_stop: c.stranded_at_stop,
            queued_at_end: self.queue.len(),
            in_progress_at_end: self.avail.count() as u64,
            tasks_created: c.tasks_created,
            tasks_submitted: c.tasks_submitted,
            tasks_declined: c.tasks_declined,
            tasks_timed_out: c.tasks_timed_out,
            tasks_expired: c.tasks_expired,
            tasks_withdrawn: c.tasks_withdrawn,
            tasks_dropped: c.tasks_dropped,
            time_to_label_mean_s: self.acct.time_to_label.mean_s(),
            time_to_label_p50_s: self.acct.time_to_label.quantile_s(0.50),
            time_to_label_p95_s: self.acct.time_to_label.quantile_s(0.95),
            time_to_label_p99_s: self.acct.time_to_label.quantile_s(0.99),
            queue_wait_mean_s: self.acct.queue_wait.mean_s(),
            pool_wait_mean_s: self.acct.pool_wait.mean_s(),
            pool_wait_positive_fraction: (self.acct.pool_wait.count() > 0)
                .then(|| self.acct.pool_waited as f64 / self.acct.pool_wait.count() as f64),
            backlog_max: self.queue.level().max(),
            backlog_mean: window.map(|w| (end.backlog_area - warm_backlog) as f64 / w),
            available_max: self.avail.level().max(),
            available_mean: window.map(|w| (end.available_area - warm_available) as f64 / w),
            // SPEC §4a: busy / (on-shift + overtime) worker-time, so a task
            // run past the shift end counts on both sides.
            worker_utilization: (end.on_shift_area + end.overtime_area > 0)
                .then(|| end.busy_area as f64 / (end.on_shift_area + end.overtime_area) as f64),
            // SPEC §4a: labels made during [InProgress, job end] per hour of it.
            labeled_per_hour: self
                .life
                .in_progress_at()
                .filter(|&t0| end.at > t0)
                .map(|t0| end.labeled as f64 / (end.at - t0).as_hours_f64()),
            test_events_accepted: self.intake.test_events_accepted(),
            // SPEC §6: a pipeline without a labeling job has no end state.
            job_end_state: if self.cfg.no_job {
                None
            } else {
                self.life.end_state()
            },
            job_end_time_s: end.at.as_secs_f64(),
            messages_produced: c.messages_produced,
            redeliveries: c.redeliveries,
            held_at_end: self.sender.held(),
            held_at_sender_max: self.sender.held_max(),
            sender_wait_mean_s: self.sender.wait().mean_s(),
            keepalive_messages: self.sender.keepalive_messages(),
            e2e_time_to_label_mean_s: self.acct.e2e().mean_s(),
            e2e_time_to_label_p50_s: self.acct.e2e().quantile_s(0.50),
            e2e_time_to_label_p95_s: self.acct.e2e().quantile_s(0.95),
            worker_hours_on_shift: end.on_shift_area as f64 / US_PER_H as f64,
            worker_hours_overtime: end.overtime_area as f64 / US_PER_H as f64,
            duplicate_objects_accepted: self.intake.duplicate_objects_accepted(),
            cost_usd: 0.0,
            cost_per_labeled_object: None,
            duplicate_cost_paid_usd: 0.0,
            duplicate_cost_avoided_usd: 0.0,
            warmup_s: self.warmup_end.as_secs_f64(),
            events: self.engine.handled,
            sla: self.acct.sla_shares(self.cfg),
            breakdown: self.breakdown(&end),
            pipeline: self
                .pipeline
                .as_ref()
                .map(|p| {
                    p.metrics(horizon)
                        .into_iter()
                        .map(|(k, v)| (super::metrics::intern(k), v))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut summary = summary;
        apply_costs(
            &mut summary,
            &self.cfg.cost,
            self.cfg.job.workers_per_object,
            &self.labeled_by_month,
        );
        if let Some(p) = &self.pipeline {
            apply_pipeline_costs(&mut summary, p, &self.cfg.cost, horizon);
        }
        let ledger = invariants::Ledger {
            summary: &summary,
            mode: self.cfg.job.mode,
            k: self.cfg.job.max_concurrent_task_count,
            tasks_open_at_end: self.tasks.waiting() + self.tasks.in_hand(),
            distinct_worker_violations: c.distinct_worker_violations,
            // Little's law on two paths: the level trackers of the queue and
            // of A against the per-object sojourns (acceptance → departure).
            in_system_area_us: self.queue.level().area_until(horizon)
                + self.avail.level().area_until(horizon),
            sojourn_us: self.acct.sojourn_us_until(horizon),
            busy_area_us: self.workforce.busy().area_until(horizon),
            held_us: self.workforce.held_us_until(horizon),
            labeled_in_life: end.labeled,
            submitted_in_life: end.submitted,
            sent_to_pipeline: c.sent_to_pipeline,
            routed_from_pipeline: c.routed_from_pipeline,
        };
        invariants::check(&ledger)?;
        if let Some(p) = &self.pipeline {
            invariants::check_pipeline(p)?;
        }
        Ok(RunOutput {
            summary,
            timeseries: self.timeseries,
            trace: self.trace.unwrap_or_default(),
            time_to_label_cdf: self.acct.time_to_label.cdf(400),
            e2e_cdf: self.acct.e2e().cdf(400),
            pipeline: self.pipeline.as_mut().map(|p| p.output()),
            by_interval: self.acct.by_interval_rows(),
        })
    }
}

/// The first instants (simulated) of the calendar months in UTC after the
/// one `start_epoch_us` falls in, up to the horizon.
fn month_starts(start_epoch_us: i64, horizon: SimTime) -> Vec<SimTime> {
    use jiff::civil::Date;
    use jiff::tz::TimeZone;
    use jiff::{Timestamp, ToSpan};
    let Ok(start) = Timestamp::from_microsecond(start_epoch_us) else {
        return Vec::new();
    };
    let first = TimeZone::UTC.to_datetime(start).date().first_of_month();
    let mut out = Vec::new();
    let mut month: Date = first;
    loop {
        let Ok(next) = month.checked_add(1.month()) else {
            break;
        };
        month = next;
        let Ok(at) = TimeZone::UTC.to_timestamp(month.to_datetime(jiff::civil::Time::midnight()))
        else {
            break;
        };
        let us = at.as_microsecond() - start_epoch_us;
        if us < 0 || us as u64 > horizon.as_micros() {
            break;
        }
        out.push(SimTime::from_micros(us as u64));
    }
    out
}

/// Fills the cost metrics from the counts: tiered per-object price for
/// labeled objects (per calendar month), per-task price for submitted tasks, wages for on-shift
/// worker-hours. A duplicate is valued at the average price of an object
/// plus the reward for its N tasks.
fn apply_costs(
    s: &mut RunSummary,
    cost: &super::config::CostConfig,
    n: u32,
    labeled_by_month: &[u64],
) {
    // Issue 20: the tiers apply to each calendar month's labels.
    let objects: f64 = labeled_by_month.iter().map(|&m| cost.objects_cost(m)).sum();
    let tasks = s.tasks_submitted as f64 * cost.per_task;
    // Overtime (a task finished after the shift end) is paid too (SPEC §4a).
    let wages = (s.worker_hours_on_shift + s.worker_hours_overtime) * cost.wage_per_worker_hour;
    s.cost_usd = objects + tasks + wages;
    s.cost_per_labeled_object =
        (s.objects_labeled > 0).then(|| s.cost_usd / s.objects_labeled as f64);
    let per_object = if s.objects_labeled > 0 {
        objects / s.objects_labeled as f64
    } else {
        cost.objects_cost(1)
    };
    let per_duplicate = per_object + n as f64 * cost.per_task;
    s.duplicate_cost_paid_usd = s.duplicate_objects_accepted as f64 * per_duplicate;
    s.duplicate_cost_avoided_usd = s.duplicates_dropped as f64 * per_duplicate;
}

/// SPEC §6 costs ([`Pipeline::costs`]) added to `cost_usd`, and the
/// pipeline's cost metrics: SQS, consumers, and the whole cost (people
/// included) per expected correct indexed label, None when no label is
/// indexed.
fn apply_pipeline_costs(
    s: &mut RunSummary,
    pipe: &Pipeline,
    cost: &super::config::CostConfig,
    horizon: SimTime,
) {
    let c = pipe.costs(cost, horizon);
    s.cost_usd += c.sqs_usd + c.consumers_usd;
    let per_correct = c.expected_correct.map(|n| s.cost_usd / n);
    let names = super::metrics::PIPELINE_COST_METRICS;
    s.pipeline.push((names[0], Some(c.sqs_usd)));
    s.pipeline.push((names[1], Some(c.consumers_usd)));
    s.pipeline.push((names[2], per_correct));
}

/// The simulation as the host of dispatch's match (R2/R7).
impl MatchHost for Simulation<'_> {
    #[inline(always)]
    fn parts(&mut self) -> (&mut TaskPool, &Available, &mut Workers) {
        (&mut self.tasks, &self.avail, &mut self.workforce)
    }

    #[inline(always)]
    fn start(&mut self, w: u32, t: PoolTask) {
        self.start_task(w, t);
    }

    #[inline(always)]
    fn skip_distinct_filter(&self) -> bool {
        self.faulty(Fault::SkipDistinctFilter)
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
    match resolve_warmup(cfg, seeds, None) {
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
    match resolve_warmup(cfg, seeds, Some(guard))? {
        Some(fixed) => Simulation::new(&fixed, seeds).run_guarded(guard),
        None => Simulation::new(cfg, seeds).run_guarded(guard),
    }
}

/// For `warmup: auto`, the configuration with the warm-up MSER-5 picks
/// for this replication; None when the warm-up is not automatic.
fn resolve_warmup(
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
    let levels: Vec<f64> = first.timeseries.iter().map(|s| s.backlog as f64).collect();
    let batches = mser5_truncation(&levels);
    pilot.warmup = Warmup::Fixed(cfg.sample_every * (5 * batches as u64));
    Ok(Some(pilot))
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

/// Runs one replication of `cfg`, recording the object-level event trace.
pub fn simulate_traced(
    cfg: &SimConfig,
    seeds: StreamSeeds,
) -> Result<RunOutput, InvariantViolation> {
    match resolve_warmup(cfg, seeds, None) {
        Ok(Some(fixed)) => Simulation::new(&fixed, seeds).with_trace().run(),
        Ok(None) => Simulation::new(cfg, seeds).with_trace().run(),
        Err(RunError::Invariant(e)) => Err(e),
        Err(RunError::Stopped(_)) => unreachable!("a run without a guard never stops early"),
    }
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
