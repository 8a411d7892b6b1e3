//! P2, P5: a consumer pool's pollers and the batches they hold, plain
//! state that the consumer loop (`consumer.rs`), the autoscaling
//! controllers (`scaling.rs`), the queues' receives (`queue.rs`, which
//! fill a poller's batch in place), the time series and the metrics read
//! and change. It names no other stage, so the modules using it import it
//! one way.

use super::{MessageKind, ObjectRef};
use crate::engine::SimTime;

/// P2: what a receive hands over for one message: its receipt handle,
/// group and body (a copy: the queue may expire the message meanwhile),
/// and when it was enqueued and received (SPEC §4b latency parts).
#[derive(Clone, Copy, Debug)]
pub(super) struct Receipt {
    pub slot: u32,
    pub handle: u32,
    pub group: u32,
    pub object: ObjectRef,
    pub kind: MessageKind,
    pub enqueued_at: SimTime,
    pub received_at: SimTime,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TakenState {
    /// Not processed yet.
    Pending,
    /// Processed with a result (or a discarded test event): to delete.
    Done,
    Failed,
    /// P4: behind a failed message of its group; left to time out.
    Skipped,
}

/// A received message as the poller holds it: the queue's [`Receipt`]
/// (a copy of the body: the queue may expire the message meanwhile) and
/// how far its processing got.
#[derive(Clone, Copy, Debug)]
pub(super) struct Taken {
    pub slot: u32,
    pub handle: u32,
    pub group: u32,
    pub object: ObjectRef,
    pub kind: MessageKind,
    pub state: TakenState,
    /// SPEC §4b latency parts: when the message was enqueued and this
    /// receive took it.
    pub enqueued_at: SimTime,
    pub received_at: SimTime,
}

impl Taken {
    /// A message a receive gave the poller, not processed yet.
    #[inline]
    pub(super) fn pending(r: Receipt) -> Self {
        Taken {
            slot: r.slot,
            handle: r.handle,
            group: r.group,
            object: r.object,
            kind: r.kind,
            state: TakenState::Pending,
            enqueued_at: r.enqueued_at,
            received_at: r.received_at,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PollerPhase {
    Idle,
    /// A receive's answer is on its way.
    Receiving,
    /// Long polling, waiting at the queue.
    Waiting,
    Processing,
    Deleting,
    /// Short polling after an empty receive, or a throttled request.
    Sleeping,
    /// A1/A2: a slot of an autoscaled pool that is not running.
    Off,
    /// A2: started, ready after the controller's `startup`.
    Starting,
    /// A1 `batch_window`: a receive waiting for `batch` visible messages
    /// or the end of the window.
    Gathering,
}

#[derive(Clone, Debug)]
pub(super) struct Poller {
    pub consumer: u16,
    pub queue: u16,
    pub phase: PollerPhase,
    /// Long-poll token: a timeout of an earlier wait is stale.
    epoch: u32,
    /// The next message of `batch` to process.
    pub pos: u32,
    /// The batch under way (up to `batch` messages: 10, or 10,000 for a
    /// Lambda pool with a batching window, A1); kept until the next
    /// receive reuses it.
    pub batch: Vec<Taken>,
    pub busy_since: SimTime,
    /// A2: told to retire once its batch is done.
    pub retiring: bool,
    /// A1: its last long poll came back empty.
    pub empty: bool,
    /// A1: when the invocation under way began (its receive).
    pub invoked: Option<SimTime>,
    /// A1 `batch_window`: when the gathering ends, and when the
    /// ReceiveMessage now outstanding was issued.
    pub window_end: SimTime,
    pub call_since: SimTime,
}

impl Poller {
    pub(super) fn new(consumer: u16, queue: u16) -> Self {
        Poller {
            consumer,
            queue,
            phase: PollerPhase::Idle,
            epoch: 0,
            pos: 0,
            batch: Vec::new(),
            busy_since: SimTime::ZERO,
            retiring: false,
            empty: false,
            invoked: None,
            window_end: SimTime::ZERO,
            call_since: SimTime::ZERO,
        }
    }

    /// A slot of an autoscaled pool, not running yet (A1/A2).
    pub(super) fn off(consumer: u16, queue: u16) -> Self {
        Poller {
            phase: PollerPhase::Off,
            ..Self::new(consumer, queue)
        }
    }

    /// Invalidates the poller's pending long-poll timeout or start-up.
    pub(super) fn bump_epoch(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
    }

    pub(super) fn epoch(&self) -> u32 {
        self.epoch
    }
}
