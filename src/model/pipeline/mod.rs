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
//! use labelsim::engine::{EventQueue, Phase, SimDuration, SimTime, StreamSeeds};
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
//! let mut cfg = PipelineConfig::default();
//! cfg.queues.push(QueueConfig::standard("incoming"));
//! cfg.consumers.push(ConsumerConfig::new("classifier", 0, ServiceDist::constant(400e3)));
//! let mut pipe = Pipeline::new(&cfg, StreamSeeds::for_replication(7, 0));
//! let mut events: EventQueue<Event> = EventQueue::new();
//! let mut out = Vec::new();
//! let mut sched = Embed { queue: &mut events, wrap: Event::Pipe };
//! pipe.start(SimTime::ZERO, &mut sched);
//! let object = ObjectRef { ids: IdIssuer::default().fresh(), origin: SimTime::ZERO };
//! pipe.send(SimTime::ZERO, 0, PipeMessage::data(object), &mut sched);
//! let horizon = SimTime::after(SimDuration::from_secs(10));
//! while events.peek_time().is_some_and(|t| t <= horizon) {
//!     let (now, Event::Pipe(ev)) = events.pop().expect("peeked");
//!     let mut sched = Embed { queue: &mut events, wrap: Event::Pipe };
//!     pipe.handle(now, ev, &mut sched, &mut out);
//!     // The host acts on out.drain(..): ToHumans → publish to the job.
//! }
//! assert!(out.iter().any(|o| matches!(o, Outcome::Searchable { .. })));
//! pipe.check_ledgers().expect("P9");
//! ```
//!
//! Storage is flat and reused (slabs with free lists, lazy deletion from
//! heaps and lists), so the hot path does not allocate once warm.

pub mod config;
mod consumer;
mod index;
mod ledger;
mod metrics;
mod queue;
pub mod series;
pub mod standalone;
#[cfg(test)]
mod tests;

pub use config::{
    ConfidenceDist, ConsumerConfig, DeadLetter, DeleteMode, FifoDedup, FifoQueue, IndexConfig,
    PipelineConfig, Polling, QueueConfig, QueueKind, Route, StandardQueue, ThroughputScope,
    Visibility, MAX_VISIBILITY,
};
pub use metrics::QueueLevels;
pub use series::{PipelineOutput, PipelineSeries};

use crate::engine::rng::splitmix64;
use crate::engine::stats::Latency;
use crate::engine::{EventQueue, Phase, SimDuration, SimRng, SimTime, StreamKind, StreamSeeds};
use crate::model::dedup::MessageIds;
use consumer::{ConsumerState, Poller};
use index::IndexState;
use queue::QueueState;
use rand::SeedableRng;

/// SPEC §1 deadline ranks. The job uses 0..=3 (R6 retention, R7 lifetime,
/// R1 `max_runtime`, R8 idle, see `sim.rs`); the pipeline's come after.
pub const RETENTION_RANK: u8 = 4;
/// P1/P2 visibility timeout: after retention, so a message whose retention
/// ends when its visibility timeout does expires instead of reappearing.
pub const VISIBILITY_RANK: u8 = 5;

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
    human_correct: u64,
    searchable: [Latency; 3],
    /// Issue 10: queue levels and busy pollers at each host sample.
    series: PipelineSeries,
    started: bool,
    events: u64,
    fault: Option<Fault>,
}

/// Index of the overall / machine / human searchable-latency samples.
const ALL: usize = 0;

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
                for _ in 0..c.count {
                    pollers.push(Poller::new(i as u16, c.queue as u16));
                }
                ConsumerState::new(
                    ps.stream(Purpose::Processing, i as u64),
                    ps.stream(Purpose::Failure, i as u64),
                    ps.stream(Purpose::Confidence, i as u64),
                    ps.stream(Purpose::Audit, i as u64),
                )
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
            human_correct: 0,
            searchable: [Latency::new(), Latency::new(), Latency::new()],
            series: PipelineSeries::new(
                cfg.queues.iter().map(|q| q.name.as_str()),
                cfg.consumers.iter().map(|c| c.name.as_str()),
            ),
            started: false,
            events: 0,
            fault: None,
        }
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

    /// Starts every poller's loop at `now` (call once, at time 0 usually).
    pub fn start<S: Schedule>(&mut self, now: SimTime, sched: &mut S) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        for p in 0..self.pollers.len() {
            sched.schedule(now, PipeEvent::Poll { poller: p as u32 });
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
        self.send_request(now, queue, msg, sched);
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
    }

    /// P6/P8: the labeling job labeled a routed object; it is indexed on
    /// the human path. `correct`: whether the human label is right.
    pub fn human_labeled<S: Schedule>(
        &mut self,
        now: SimTime,
        object: ObjectRef,
        correct: bool,
        sched: &mut S,
    ) {
        self.human_labeled += 1;
        self.human_correct += correct as u64;
        let p = if correct { 1.0 } else { 0.0 };
        self.index.add(now, object, LabelPath::Human, p, sched);
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
                self.index.on_bulk_done(now, bulk, fault, sched)
            }
            PipeEvent::Refresh => self.index.on_refresh(now, &mut self.searchable, out),
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
