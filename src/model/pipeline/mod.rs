//! Pipelines (SPEC §6, P1–P9): S3 → SQS queues → consumer pools →
//! classifier and routing → search index, with the humans (the labeling job
//! of §2) as an outside party.
//!
//! The pipeline is a *component*: it owns its state, its random streams and
//! its statistics, and talks to its host through a narrow interface, so the
//! host (the labeling job's simulation, or [`standalone`]) can put it between
//! producers and the job without touching the job's rules:
//!
//! ```text
//!  host ──send / s3_upload──▶ queues (P1, P3/P4) ◀──receive/delete── consumers (P2, P5)
//!                                  │                                     │ result
//!   ◀── Outcome::ToHumans ─────────┼──────────── route (P6) ◀────────────┘
//!  host ──human_labeled──▶ index (P8) ◀── machine labels ──┘
//!   ◀── Outcome::Searchable ───┘
//! ```
//!
//! - Events: the host embeds [`PipeEvent`] in its own event type and hands
//!   each one back to [`Pipeline::handle`]; the pipeline schedules through
//!   the [`Schedule`] trait ([`Embed`] wraps an `EventQueue<HostEvent>`).
//!   Each event's [`Phase`] comes from [`PipeEvent::phase`]: P1 retention
//!   and visibility timeouts are deadlines ranked after the job's (SPEC §1),
//!   everything else is an ordinary event.
//! - Identity: a message carries an [`ObjectRef`] (the R9 identities —
//!   object key, S3 upload = key + sequencer, SNS publish — and the time the
//!   object was first sent), so the index overwrites instead of duplicating
//!   (P8), FIFO deduplication works (P4), and the host's R9 dedup key can
//!   decide what a routed object is.
//! - At-least-once S3 delivery (P7): copies of an event notification are the
//!   host's business (its R9 `s3_event_duplicate` logic calls
//!   [`Pipeline::s3_upload`] again with the same identities); the pipeline
//!   draws each delivery's notification delay, so copies arrive in no
//!   guaranteed order.
//! - Request timing (P2): the queue acts on a consumer's request when it is
//!   issued; the consumer has its answer `request_latency` later. A
//!   producer's send (or an S3 notification) is enqueued at its time; the
//!   producer's own wait for the answer is not modelled.
//! - Counting: `requests` counts the requests a queue admitted (sends,
//!   receives, deletes; a long poll is one request however long it waits);
//!   a request refused by the P4 throughput limit is counted in
//!   `throttled_requests` only, and retried after `throttle_backoff`.
//! - Statistics: [`Pipeline::metrics`] gives flat `<stage>.<metric>` keys and
//!   the unprefixed totals of SPEC §6; [`Pipeline::check_ledgers`] checks P9.
//!
//! # Example: a host embedding the pipeline's events
//!
//! ```
//! use labelsim::engine::run::{step_until, Engine, Model};
//! use labelsim::engine::{Phase, SimDuration, SimTime, StreamSeeds};
//! use labelsim::model::dedup::IdIssuer;
//! use labelsim::model::pipeline::*;
//! use labelsim::model::workforce::ServiceDist;
//!
//! #[derive(Clone, Copy)]
//! enum Event { Pipe(PipeEvent) /* , the host's own events */ }
//! impl Event {
//!     fn phase(&self) -> Phase {
//!         match self { Event::Pipe(p) => p.phase() }
//!     }
//! }
//!
//! /// The host: the engine's loop hands it each event (`engine::run`).
//! struct Host { engine: Engine<Event>, pipe: Pipeline, out: Vec<Outcome> }
//! impl Model for Host {
//!     type Event = Event;
//!     type Stop = std::convert::Infallible;
//!     fn engine(&mut self) -> &mut Engine<Event> { &mut self.engine }
//!     fn handle(&mut self, now: SimTime, ev: Event) {
//!         let Event::Pipe(ev) = ev;
//!         let mut sched = Embed { queue: &mut self.engine.events, wrap: Event::Pipe };
//!         self.pipe.handle(now, ev, &mut sched, &mut self.out);
//!         // The host acts on out.drain(..): ToHumans → publish to the job.
//!     }
//! }
//!
//! let mut cfg = PipelineConfig::default();
//! cfg.queues.push(QueueConfig::standard("incoming"));
//! cfg.consumers.push(ConsumerConfig::new("classifier", 0, ServiceDist::constant(400e3)));
//! let pipe = Pipeline::new(&cfg, StreamSeeds::for_replication(7, 0));
//! let mut host = Host { engine: Engine::new(), pipe, out: Vec::new() };
//! let mut sched = Embed { queue: &mut host.engine.events, wrap: Event::Pipe };
//! host.pipe.start(SimTime::ZERO, &mut sched);
//! let object = ObjectRef { ids: IdIssuer::default().fresh(), origin: SimTime::ZERO };
//! host.pipe.send(SimTime::ZERO, 0, PipeMessage::data(object), &mut sched);
//! let horizon = SimTime::after(SimDuration::from_secs(10));
//! let Ok(()) = step_until(&mut host, horizon);
//! assert!(host.out.iter().any(|o| matches!(o, Outcome::Searchable { .. })));
//! host.pipe.check_ledgers().expect("P9");
//! ```
//!
//! Storage is flat and reused (slabs with free lists, lazy deletion from
//! heaps and lists), so the hot path does not allocate once warm.
//!
//! # Memory follows the objects in the pipeline (issue 17)
//!
//! Per-object state is kept only while a copy of the object can still
//! arrive; everything else is folded into running totals (counters, sums,
//! bounded-memory latency samples). A copy of a document can still reach
//! the index while one of these holds its ID (P8: the S3 key + sequencer):
//! - a message in a queue that may still be received — sending (P4
//!   throttled), delayed, visible or in flight; not a dead-lettered one,
//!   which no consumer receives again (P1);
//! - a poller's batch (a received copy outlives its message's expiry);
//! - a pending S3 event notification (P7);
//! - a write buffered or in a bulk request (P8);
//! - the human path: routed to the job (P6) until the host reports the
//!   human label ([`Pipeline::human_labeled`]) or that none will come
//!   ([`Pipeline::human_dropped`]);
//! - the host: it may send another message about the object (R9 producer
//!   retries, SNS redeliveries, `s3_event_duplicate`; P3 copies are the
//!   queue's own, above). A host declares how long after its previous
//!   message about an object the next one may come
//!   ([`Pipeline::with_copy_window`]); a host that declares nothing keeps
//!   every document.
//!
//! When the index holds twice as many documents as were live at the last
//! sweep (and as many IDs as the holders had then, plus 65,536), one sweep
//! keeps the documents the holders name and forgets the rest: amortised
//! O(1) per write, memory O(objects in the pipeline). FIFO deduplication
//! IDs are the queue's own, kept for the 5-minute window after each enqueue
//! whatever happens to the message.

pub mod config;
mod consumer;
mod cost;
mod index;
mod ledger;
mod metrics;
mod poller;
mod queue;
mod route;
mod scaling;
pub mod series;
pub mod standalone;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_latency;
#[cfg(test)]
mod tests_memory;
#[cfg(test)]
mod tests_scaling;
#[cfg(test)]
mod tests_schedule;

pub use config::{
    ConfidenceDist, ConsumerConfig, DeadLetter, DeleteMode, FifoDedup, FifoQueue, IndexConfig,
    LambdaScaling, PipelineConfig, Polling, QueueConfig, QueueKind, Route, Scaling, StandardQueue,
    TargetTracking, ThroughputScope, Visibility, MAX_VISIBILITY,
};
pub use queue::QueueLevels;
pub use series::{PipelineOutput, PipelineSeries, QUEUE_COLUMNS};

use crate::engine::rng::splitmix64;
use crate::engine::{EventQueue, Phase, SimDuration, SimRng, SimTime, StreamKind, StreamSeeds};
use crate::model::dedup::MessageIds;
use consumer::ConsumerState;
use index::{IndexState, LatencyParts, SearchableLatency};
use poller::{Poller, PollerPhase};
use queue::{MsgState, QueueState};
use rand::SeedableRng;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

/// SPEC §1 deadline ranks. The job uses 0..=3 (R6 retention, R7 lifetime,
/// R1 `max_runtime`, R8 idle, see `model/sim/mod.rs`); the pipeline's come after.
pub const RETENTION_RANK: u8 = 4;
/// P1/P2 visibility timeout: after retention, so a message whose retention
/// ends when its visibility timeout does expires instead of reappearing.
pub const VISIBILITY_RANK: u8 = 5;
/// A1 batching window: last, so a window ending at an instant sees every
/// message that instant made visible (a message arriving exactly at the
/// window's end is in the batch).
pub const WINDOW_RANK: u8 = 6;

/// The pipeline's own events; the host embeds them (e.g. `Event::Pipe(..)`)
/// and gives them back to [`Pipeline::handle`]. 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeEvent {
    /// P2: a poller issues ReceiveMessage.
    Poll { poller: u32 },
    /// P2: a receive's answer (with messages) reaches the poller.
    ReceiveDone { poller: u32 },
    /// P2: the oldest long poll of a consumer pool may reach its `wait`
    /// (one timer per pool: waits of a pool end in the order they began).
    LongPollTimeout { consumer: u16 },
    /// P5: a message's processing ends.
    ProcessingDone { poller: u32 },
    /// P5: a delete's answer reaches the poller.
    DeleteDone { poller: u32 },
    /// P4: a throttled delete is retried.
    DeleteRetry { poller: u32 },
    /// P1: the oldest delayed message of a queue may be due.
    DelayEnd { queue: u16 },
    /// P4: a throttled send is retried.
    SendRetry { queue: u16, slot: u32, gen: u32 },
    /// P7: an S3 event notification reaches its queue.
    S3Notification { note: u32 },
    /// P1/P2: the oldest in-flight message of a lane may be due.
    VisibilityTimeout { queue: u16, lane: u8 },
    /// P5: one message's visibility ends (extended visibility after a
    /// failed processing).
    VisibilityOne { queue: u16, slot: u32, handle: u32 },
    /// P1: the oldest message of a queue may reach its retention.
    Retention { queue: u16 },
    /// P8: the index buffer's flush interval may have passed.
    IndexFlush,
    /// P8: a bulk request completes.
    BulkDone { bulk: u32 },
    /// P8: an index refresh (a multiple of the refresh interval).
    Refresh,
    /// A1/A2: an autoscaled pool's controller acts.
    ScaleTick { consumer: u16 },
    /// A2: a started poller is ready (`epoch`: a cancelled start is stale).
    PollerReady { poller: u32, epoch: u32 },
    /// A1: a poller's batching window ends (`epoch`: served meanwhile).
    WindowEnd { poller: u32, epoch: u32 },
    /// A3: a scheduled pool's count changes (its next step).
    CountStep { consumer: u16 },
}

impl PipeEvent {
    /// SPEC §1 tie order: P1 retention and visibility timeouts are
    /// deadlines (after the job's ranks); everything else is ordinary.
    pub fn phase(&self) -> Phase {
        match self {
            PipeEvent::Retention { .. } => Phase::Deadline(RETENTION_RANK),
            PipeEvent::VisibilityTimeout { .. } | PipeEvent::VisibilityOne { .. } => {
                Phase::Deadline(VISIBILITY_RANK)
            }
            PipeEvent::WindowEnd { .. } => Phase::Deadline(WINDOW_RANK),
            _ => Phase::Normal,
        }
    }
}

/// Where the pipeline puts its future events.
pub trait Schedule {
    fn schedule(&mut self, at: SimTime, ev: PipeEvent);
}

impl Schedule for EventQueue<PipeEvent> {
    #[inline]
    fn schedule(&mut self, at: SimTime, ev: PipeEvent) {
        self.schedule_in_phase(at, ev.phase(), ev);
    }
}

/// A host's event queue seen as a [`Schedule`]: `wrap` embeds the
/// pipeline's event in the host's event type; the phase is the pipeline
/// event's own.
pub struct Embed<'q, E, F> {
    pub queue: &'q mut EventQueue<E>,
    pub wrap: F,
}

impl<E, F: FnMut(PipeEvent) -> E> Schedule for Embed<'_, E, F> {
    #[inline]
    fn schedule(&mut self, at: SimTime, ev: PipeEvent) {
        let phase = ev.phase();
        self.queue.schedule_in_phase(at, phase, (self.wrap)(ev));
    }
}

/// An object as the pipeline knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectRef {
    /// R9 identities: the SNS publish, the object key (repeated by producer
    /// retries), the S3 upload (key + sequencer, repeated by duplicate event
    /// deliveries; new for a re-upload).
    pub ids: MessageIds,
    /// When the object was first sent or uploaded: P8 latencies start here.
    pub origin: SimTime,
}

impl ObjectRef {
    /// P8: the document ID (S3 key + sequencer): copies and retries of one
    /// object share it, a re-upload is a new document.
    #[inline]
    pub fn doc_id(&self) -> u64 {
        self.ids.upload
    }
}

/// P7 / R10: what a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Data,
    /// The `s3:TestEvent`: a consumer discards it (`test_events_discarded`).
    TestEvent,
}

/// One SendMessage (or S3 event notification) body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PipeMessage {
    pub object: ObjectRef,
    /// A hash of the body (P4 content deduplication). A producer retry
    /// repeats the body; [`PipeMessage::data`] derives it from the object.
    pub body: u64,
    /// P4 `group_by: producer`: the producer's index, whose group is its
    /// own (apart from the queue's `groups`); `None` lets a FIFO queue pick
    /// one of its `groups` by a hash of the object.
    pub group: Option<u32>,
    pub kind: MessageKind,
}

impl PipeMessage {
    /// A data message whose body is the object (key + upload).
    pub fn data(object: ObjectRef) -> Self {
        PipeMessage {
            object,
            body: splitmix64(object.ids.object_key ^ splitmix64(object.ids.upload)),
            group: None,
            kind: MessageKind::Data,
        }
    }

    /// R10 / P7: the S3 test event.
    pub fn test_event(object: ObjectRef) -> Self {
        PipeMessage {
            kind: MessageKind::TestEvent,
            ..Self::data(object)
        }
    }
}

/// SPEC §4b: when the message whose processing produced a result was
/// enqueued and received, and when the result came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PathTimes {
    pub enqueued: SimTime,
    pub received: SimTime,
    pub result: SimTime,
}

/// P8: how a document's label was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelPath {
    Machine,
    Human,
}

/// What the pipeline tells its host.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// P6: publish `object` to the labeling job's SNS input at `at`;
    /// `audit` when the result was confident and sampled (it is indexed as
    /// a machine label too).
    ToHumans {
        object: ObjectRef,
        at: SimTime,
        audit: bool,
    },
    /// P8: `object` became searchable for the first time at `at`.
    Searchable {
        object: ObjectRef,
        path: LabelPath,
        at: SimTime,
    },
}

/// A deliberate model defect, for the tests proving that each P9 ledger
/// check can fail. Only unit tests can set one; release builds compile every
/// check of it away.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// A FIFO-deduplicated send is not counted.
    UncountedFifoDedup,
    /// A retention expiry is not counted.
    UncountedExpiry,
    /// A surviving standard-queue copy is not counted as delivered.
    UncountedCopy,
    /// A visibility timeout loses the message silently.
    LostOnVisibilityTimeout,
    /// A failed processing also emits a result.
    FailureEmitsResult,
    /// An audited result is not counted as routed to humans.
    AuditNotRouted,
    /// A FIFO receive leaves the group available while in flight.
    FifoGroupStaysAvailable,
    /// A FIFO receive takes the group's second message before its head.
    FifoSkipsHead,
    /// An index overwrite is counted as a new document.
    OverwriteCountedAsNew,
}

/// Random-stream purposes: part of each stream's seed, never renumbered.
#[derive(Clone, Copy)]
enum Purpose {
    QueueOrder = 1,
    QueueCopies = 2,
    Processing = 3,
    Failure = 4,
    Confidence = 5,
    Audit = 6,
    Notification = 7,
    Bulk = 8,
    ObjectTraits = 9,
}

/// The pipeline's streams hang off one key of the replication's seeds
/// (`StreamKind::Tasks` with a tag the job never uses), then per purpose
/// and entity, so the job's draws are the same with or without a pipeline.
#[derive(Clone, Copy)]
struct PipeSeeds(u64);

impl PipeSeeds {
    const TAG: u64 = u64::from_be_bytes(*b"PIPELINE");

    fn new(seeds: StreamSeeds) -> Self {
        PipeSeeds(seeds.key(StreamKind::Tasks, Self::TAG))
    }
    fn key(self, purpose: Purpose, entity: u64) -> u64 {
        splitmix64(self.0 ^ ((purpose as u64) << 56) ^ entity.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }
    fn stream(self, purpose: Purpose, entity: u64) -> SimRng {
        SimRng::seed_from_u64(self.key(purpose, entity))
    }
}

/// A uniform [0, 1) from a 64-bit hash.
#[inline]
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A pending S3 event notification (P7).
#[derive(Clone, Copy, Debug)]
struct Note {
    queue: u16,
    msg: PipeMessage,
}

/// One pipeline replication: queues, consumer pools, index.
pub struct Pipeline {
    cfg: PipelineConfig,
    queues: Vec<QueueState>,
    consumers: Vec<ConsumerState>,
    pollers: Vec<Poller>,
    index: IndexState,
    notes: Vec<Option<Note>>,
    free_notes: Vec<u32>,
    notification_rng: SimRng,
    /// P5 poison and P4 group draws are per object: a hash of the document
    /// ID with this key, so copies and retries agree.
    traits_key: u64,
    /// P7 counters: uploads announced, notifications delivered.
    s3_uploads: u64,
    s3_delivered: u64,
    /// P6/P8: labels the host reported from the humans, and the correct ones.
    human_labeled: u64,
    /// The labels' expected correctness, summed (P6).
    human_correct: f64,
    searchable: SearchableLatency,
    /// Whether a refresh reports each document that became searchable
    /// ([`Outcome::Searchable`]); a host that keeps nothing by document
    /// says it needs none ([`Pipeline::without_searchable_outcomes`]).
    searchable_outcomes: bool,
    /// Issue 10: queue levels and busy pollers at each host sample.
    series: PipelineSeries,
    /// Issue 17: how long after its previous message about an object the
    /// host may send another (none: no promise, documents are never
    /// forgotten).
    copy_window: Option<SimDuration>,
    /// The host's messages of the last `copy_window`: (time, document).
    recent_sends: VecDeque<(SimTime, u64)>,
    /// P6: objects routed to the humans and not yet answered, by document:
    /// how many routings are outstanding, and the path of the first (SPEC
    /// §4b: a human label's parts before the humans).
    humans_pending: FxHashMap<u64, (u32, PathTimes)>,
    /// SPEC §4b: the parts of `searchable_latency`.
    parts: LatencyParts,
    /// SPEC §4a: documents first sent before this are left out of every
    /// latency statistic (`searchable_latency`, its parts, queue waits).
    warmup_end: SimTime,
    /// The index sweeps when it holds this many documents.
    sweep_at: usize,
    /// Largest [`Pipeline::tracked_entries`] seen.
    peak_tracked: u64,
    started: bool,
    events: u64,
    fault: Option<Fault>,
    /// A1: pollers gathering a batch (batching window), over all pools.
    gathering: u32,
    /// SPEC §4b: the pools whose running pollers changed since the host
    /// last looked, when it asked to be told.
    level_log: Option<Vec<u16>>,
}

/// Index of the overall / machine / human searchable-latency samples.
const ALL: usize = 0;

/// Issue 17: the index sweeps no sooner than at this many documents (unit
/// tests sweep early and often).
const SWEEP_FLOOR: usize = if cfg!(test) { 64 } else { 1 << 16 };

impl Pipeline {
    /// A pipeline for one replication; streams derive from `seeds`.
    pub fn new(cfg: &PipelineConfig, seeds: StreamSeeds) -> Self {
        let ps = PipeSeeds::new(seeds);
        let queues = cfg
            .queues
            .iter()
            .enumerate()
            .map(|(i, q)| {
                QueueState::new(
                    i as u16,
                    q,
                    ps.stream(Purpose::QueueOrder, i as u64),
                    ps.stream(Purpose::QueueCopies, i as u64),
                )
            })
            .collect();
        let mut pollers = Vec::new();
        let consumers = cfg
            .consumers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let base = pollers.len() as u32;
                let mut state = ConsumerState::new(
                    ps.stream(Purpose::Processing, i as u64),
                    ps.stream(Purpose::Failure, i as u64),
                    ps.stream(Purpose::Confidence, i as u64),
                    ps.stream(Purpose::Audit, i as u64),
                );
                match c.scaling {
                    // A3: a slot per poller the schedule's largest step runs.
                    None if c.schedule.is_some() => {
                        for _ in 0..c.count {
                            pollers.push(Poller::off(i as u16, c.queue as u16));
                        }
                        state.scale = Some(scaling::ScaleState::new(base, c.count));
                    }
                    None => {
                        for _ in 0..c.count {
                            pollers.push(Poller::new(i as u16, c.queue as u16));
                        }
                    }
                    Some(s) => {
                        // A1/A2: a slot per poller the controller may run.
                        let slots = s.max_pollers();
                        for _ in 0..slots {
                            pollers.push(Poller::off(i as u16, c.queue as u16));
                        }
                        state.scale = Some(scaling::ScaleState::new(base, slots));
                    }
                }
                state
            })
            .collect();
        Pipeline {
            cfg: cfg.clone(),
            queues,
            consumers,
            pollers,
            index: IndexState::new(cfg.index.clone(), ps.stream(Purpose::Bulk, 0)),
            notes: Vec::new(),
            free_notes: Vec::new(),
            notification_rng: ps.stream(Purpose::Notification, 0),
            traits_key: ps.key(Purpose::ObjectTraits, 0),
            s3_uploads: 0,
            s3_delivered: 0,
            human_labeled: 0,
            human_correct: 0.0,
            searchable: SearchableLatency::new(),
            searchable_outcomes: true,
            series: {
                let mut s = PipelineSeries::new(
                    cfg.queues.iter().map(|q| q.name.as_str()),
                    cfg.consumers.iter().map(|c| c.name.as_str()),
                );
                // A4: every pool's running pollers, after the rest.
                s.columns
                    .extend(cfg.consumers.iter().map(|c| format!("{}.pollers", c.name)));
                s
            },
            copy_window: None,
            recent_sends: VecDeque::new(),
            humans_pending: FxHashMap::default(),
            parts: LatencyParts::new(),
            warmup_end: SimTime::ZERO,
            sweep_at: SWEEP_FLOOR,
            peak_tracked: 0,
            started: false,
            events: 0,
            fault: None,
            gathering: 0,
            level_log: None,
        }
    }

    /// The host's promise (issue 17): every message it sends about an
    /// object (same document ID) comes at most `window` after its previous
    /// one about that object (the labeling job: the producers' R9
    /// `duplicates.delay`). Documents no copy of which can still arrive are
    /// then forgotten, so memory stays flat in the messages processed.
    pub fn with_copy_window(mut self, window: SimDuration) -> Self {
        self.copy_window = Some(window);
        self
    }

    /// SPEC §4a, `output.warmup`: documents first sent (or uploaded)
    /// before `end` are left out of the latency statistics, and the
    /// time-weighted means start at `end` ([`Pipeline::warmup_ended`]).
    pub fn with_warmup(mut self, end: SimTime) -> Self {
        self.warmup_end = end;
        for q in &mut self.queues {
            q.warmup_end = end;
        }
        self
    }

    /// SPEC §4a: the warm-up ends now; the time-weighted means (queue
    /// levels, autoscaled pools' pollers) start here. Maxima, totals and
    /// costs stay the whole run's.
    pub fn warmup_ended(&mut self, now: SimTime) {
        for q in &mut self.queues {
            q.tw_visible.start_window(now);
            q.tw_in_flight.start_window(now);
        }
        for c in &mut self.consumers {
            if let Some(st) = &mut c.scale {
                st.level.start_window(now);
            }
        }
    }

    /// Per-object entries held now: documents in the index, outstanding
    /// human routings, the host's recent messages, and the queues'
    /// retention lists. Issue 17: bounded by the objects in the pipeline.
    pub fn tracked_entries(&self) -> u64 {
        (self.index.docs.len() + self.humans_pending.len() + self.recent_sends.len()) as u64
            + self
                .queues
                .iter()
                .map(|q| q.tracked_entries() as u64)
                .sum::<u64>()
    }

    /// The largest [`Self::tracked_entries`] seen so far (sampled after each
    /// host call and bulk completion, and after each sweep).
    pub fn peak_tracked_entries(&self) -> u64 {
        self.peak_tracked.max(self.tracked_entries())
    }

    #[inline]
    fn note_peak(&mut self) {
        let n = self.tracked_entries();
        if n > self.peak_tracked {
            self.peak_tracked = n;
        }
    }

    /// A message from the host about `doc` at `now`: another may follow
    /// within the copy window.
    fn host_sent(&mut self, now: SimTime, doc: u64) {
        let Some(w) = self.copy_window else { return };
        while let Some(&(t, _)) = self.recent_sends.front() {
            if t + w >= now {
                break;
            }
            self.recent_sends.pop_front();
        }
        self.recent_sends.push_back((now, doc));
    }

    /// Issue 17: forgets the documents no copy of which can still arrive,
    /// when the index has grown enough since the last sweep.
    fn sweep_documents(&mut self, now: SimTime) {
        let Some(w) = self.copy_window else { return };
        if self.index.docs.len() < self.sweep_at {
            return;
        }
        self.note_peak();
        while let Some(&(t, _)) = self.recent_sends.front() {
            if t + w >= now {
                break;
            }
            self.recent_sends.pop_front();
        }
        let mut docs = std::mem::take(&mut self.index.docs);
        let in_queues = self.queues.iter().flat_map(|q| {
            q.slab
                .iter()
                .filter(|m| {
                    matches!(
                        m.state,
                        MsgState::Sending
                            | MsgState::Delayed
                            | MsgState::Visible
                            | MsgState::InFlight
                    )
                })
                .map(|m| m.object.doc_id())
        });
        let in_pollers = self
            .pollers
            .iter()
            .flat_map(|p| p.batch.iter().map(|t| t.object.doc_id()));
        let in_notes = self.notes.iter().flatten().map(|n| n.msg.object.doc_id());
        let mut holders = 0usize;
        let live = in_queues
            .chain(in_pollers)
            .chain(in_notes)
            .chain(self.index.pending_doc_ids())
            .chain(self.humans_pending.keys().copied())
            .chain(self.recent_sends.iter().map(|&(_, d)| d))
            .inspect(|_| holders += 1);
        docs.keep_only(live);
        self.index.docs = docs;
        self.note_peak();
        self.sweep_at = 2 * self.index.docs.len().max(holders) + SWEEP_FLOOR;
    }

    /// Breaks the model on purpose (tests of the P9 ledgers only).
    #[cfg(test)]
    pub(crate) fn with_fault(mut self, fault: Fault) -> Self {
        self.fault = Some(fault);
        self
    }

    /// Whether `f` is the injected defect; always false outside unit tests.
    #[inline(always)]
    fn faulty(&self, f: Fault) -> bool {
        cfg!(test) && self.fault == Some(f)
    }

    pub fn config(&self) -> &PipelineConfig {
        &self.cfg
    }

    /// Index of the queue named `name`.
    pub fn queue_index(&self, name: &str) -> Option<usize> {
        self.cfg.queues.iter().position(|q| q.name == name)
    }

    /// Pipeline events handled so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The host needs no [`Outcome::Searchable`]: a refresh then reports
    /// nothing by document (the pipeline's own P8 statistics are kept all
    /// the same). One outcome per document is most of the outcomes of a
    /// run, and a host that keeps nothing by interval has no use for them.
    pub fn without_searchable_outcomes(&mut self) {
        self.searchable_outcomes = false;
    }

    /// Starts every poller's loop at `now` (call once, at time 0 usually).
    pub fn start<S: Schedule>(&mut self, now: SimTime, sched: &mut S) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        for p in 0..self.pollers.len() {
            if self.pollers[p].phase != PollerPhase::Off {
                sched.schedule(now, PipeEvent::Poll { poller: p as u32 });
            }
        }
        for ci in 0..self.consumers.len() {
            self.start_scaling(now, ci, sched);
            self.start_count_schedule(now, ci, sched);
        }
    }

    /// P2 / producers into a pipeline: a SendMessage (or SNS subscription
    /// delivery) of `msg` to queue `queue` at `now`.
    pub fn send<S: Schedule>(
        &mut self,
        now: SimTime,
        queue: usize,
        msg: PipeMessage,
        sched: &mut S,
    ) {
        self.host_sent(now, msg.object.doc_id());
        self.send_request(now, queue, msg, sched);
        if self.gathering > 0 {
            self.serve_gatherers(now, sched);
        }
        self.note_peak();
    }

    /// P7: an upload whose event notification reaches `queue` after the
    /// queue's `notification_delay`. At-least-once copies are the host's
    /// (R9 `s3_event_duplicate`: call again with the same identities).
    pub fn s3_upload<S: Schedule>(
        &mut self,
        now: SimTime,
        queue: usize,
        msg: PipeMessage,
        sched: &mut S,
    ) {
        let us = self.cfg.queues[queue]
            .notification_delay
            .sample(&mut self.notification_rng);
        self.s3_upload_after(now, queue, msg, SimDuration::from_micros_f64(us), sched);
    }

    /// P7 with a delay the host drew (e.g. from the producer's own
    /// `notification_delay`).
    pub fn s3_upload_after<S: Schedule>(
        &mut self,
        now: SimTime,
        queue: usize,
        msg: PipeMessage,
        delay: SimDuration,
        sched: &mut S,
    ) {
        self.s3_uploads += 1;
        self.host_sent(now, msg.object.doc_id());
        let note = Note {
            queue: queue as u16,
            msg,
        };
        let slot = match self.free_notes.pop() {
            Some(s) => {
                self.notes[s as usize] = Some(note);
                s
            }
            None => {
                self.notes.push(Some(note));
                (self.notes.len() - 1) as u32
            }
        };
        sched.schedule(now + delay, PipeEvent::S3Notification { note: slot });
        self.note_peak();
    }

    /// Handles one of the pipeline's events at `now`; what the host must
    /// act on is appended to `out`.
    pub fn handle<S: Schedule>(
        &mut self,
        now: SimTime,
        ev: PipeEvent,
        sched: &mut S,
        out: &mut Vec<Outcome>,
    ) {
        self.events += 1;
        match ev {
            PipeEvent::Poll { poller } => self.poll(now, poller, sched),
            PipeEvent::ReceiveDone { poller } => self.on_receive_done(now, poller, sched),
            PipeEvent::LongPollTimeout { consumer } => {
                self.on_long_poll_timeout(now, consumer as usize, sched)
            }
            PipeEvent::ProcessingDone { poller } => {
                self.on_processing_done(now, poller, sched, out)
            }
            PipeEvent::DeleteDone { poller } => self.on_delete_done(now, poller, sched),
            PipeEvent::DeleteRetry { poller } => self.issue_delete(now, poller, sched),
            PipeEvent::DelayEnd { queue } => self.on_delay_end(now, queue as usize, sched),
            PipeEvent::SendRetry { queue, slot, gen } => {
                self.on_send_retry(now, queue as usize, slot, gen, sched)
            }
            PipeEvent::S3Notification { note } => {
                let n = self.notes[note as usize]
                    .take()
                    .expect("pending notification");
                self.free_notes.push(note);
                self.s3_delivered += 1;
                self.send_request(now, n.queue as usize, n.msg, sched);
            }
            PipeEvent::VisibilityTimeout { queue, lane } => {
                self.on_visibility_timeout(now, queue as usize, lane as usize, sched)
            }
            PipeEvent::VisibilityOne {
                queue,
                slot,
                handle,
            } => self.on_visibility_one(now, queue as usize, slot, handle, sched),
            PipeEvent::Retention { queue } => self.on_retention(now, queue as usize, sched),
            PipeEvent::IndexFlush => self.index.on_flush(now, sched),
            PipeEvent::BulkDone { bulk } => {
                let fault = self.faulty(Fault::OverwriteCountedAsNew);
                self.index.on_bulk_done(now, bulk, fault, sched);
                self.note_peak();
                self.sweep_documents(now);
            }
            PipeEvent::Refresh => self.index.on_refresh(
                now,
                self.warmup_end,
                &mut self.searchable,
                &mut self.parts,
                self.searchable_outcomes.then_some(out),
            ),
            PipeEvent::ScaleTick { consumer } => self.on_scale_tick(now, consumer as usize, sched),
            PipeEvent::PollerReady { poller, epoch } => {
                self.on_poller_ready(now, poller, epoch, sched)
            }
            PipeEvent::WindowEnd { poller, epoch } => self.on_window_end(now, poller, epoch, sched),
            PipeEvent::CountStep { consumer } => self.on_count_step(now, consumer as usize, sched),
        }
        if self.gathering > 0 {
            self.serve_gatherers(now, sched);
        }
    }

    /// P1 time series: the levels of queue `queue` at `now` (visible, in
    /// flight, delayed, in the dead-letter queue, age of the oldest
    /// message). O(1) amortised, plus the dead-letter messages older than
    /// the oldest live one.
    pub fn levels(&mut self, now: SimTime, queue: usize) -> QueueLevels {
        self.queues[queue].levels(now)
    }
}
