//! The job's SQS queue (R3, R6): accepted objects waiting for room among the
//! available objects, oldest first; in batch mode, the manifest not yet
//! sent (R4).
//!
//! R6: an object that waited `queue_retention` expires. Objects leave in
//! acceptance order and the retention is one constant, so one timer, armed
//! for the head, finds every expiry in order.

use crate::engine::stats::TimeWeighted;
use crate::engine::{SimDuration, SimTime};
use std::collections::VecDeque;

/// An accepted object not yet dispatched.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Queued {
    pub id: u64,
    pub accepted_at: SimTime,
    pub produced_at: SimTime,
    /// Key of the per-task random streams (the SNS message ID at production).
    pub key: u64,
    /// The producer it came from (`u16::MAX`: routed by the pipeline).
    pub producer: u16,
}

/// The queue, its R6 timer and the activity R12's wake-up delay reads.
#[derive(Default)]
pub(crate) struct JobQueue {
    items: VecDeque<Queued>,
    /// The armed R6 deadline, if any.
    timer: Option<SimTime>,
    /// Last change of the queue, and when it last woke from inactivity.
    last_activity: SimTime,
    woke_at: Option<SimTime>,
    /// The backlog level over time (objects).
    level: TimeWeighted,
}

impl JobQueue {
    #[inline]
    pub fn len(&self) -> u64 {
        self.items.len() as u64
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Appends `q` at `now`; a queue untouched for `inactivity` wakes up
    /// (R12: its metrics publish late for a while).
    #[inline]
    pub fn push(&mut self, now: SimTime, q: Queued, inactivity: SimDuration) {
        if now.since(self.last_activity) >= inactivity {
            self.woke_at = Some(now);
        }
        self.last_activity = now;
        self.items.push_back(q);
        self.level.set(now, self.len());
    }

    /// The oldest object, taken out; call [`Self::sync_level`] after a run
    /// of these.
    #[inline]
    pub fn pop(&mut self) -> Option<Queued> {
        self.items.pop_front()
    }

    /// Records the current length in the backlog level at `now`.
    #[inline]
    pub fn sync_level(&mut self, now: SimTime) {
        self.level.set(now, self.len());
    }

    /// R6: arms the timer for the head's deadline if none is armed; Some
    /// when a timer event must be scheduled then.
    #[inline]
    pub fn arm_timer(&mut self, retention: SimDuration) -> Option<SimTime> {
        if self.timer.is_some() {
            return None;
        }
        let at = self.items.front()?.accepted_at + retention;
        self.timer = Some(at);
        Some(at)
    }

    /// The R6 timer fired.
    pub fn timer_fired(&mut self) {
        self.timer = None;
    }

    /// R6: the head, taken out, if it has waited `retention` by `now`.
    pub fn pop_expired(&mut self, now: SimTime, retention: SimDuration) -> Option<Queued> {
        if self.items.front()?.accepted_at + retention > now {
            return None;
        }
        self.items.pop_front()
    }

    /// When the queue last woke from inactivity.
    pub fn woke_at(&self) -> Option<SimTime> {
        self.woke_at
    }

    /// The backlog level over time.
    pub fn level(&self) -> &TimeWeighted {
        &self.level
    }
}
