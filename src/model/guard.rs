//! The run guard: an event budget and a stop switch shared by every run of
//! a command. The simulation consults it every [`RunGuard::CHECK_EVERY`]
//! events (one integer comparison per event) and inside bulk sends; the
//! memory watchdog and signal handlers ([`crate::budget`], the binary) stop
//! it. A stopped run ends with [`RunError::Stopped`] and writes nothing.

use crate::engine::SimTime;
use crate::model::InvariantViolation;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Why a run was stopped before its horizon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The command's event budget is spent.
    MaxEvents { limit: u64 },
    /// The memory watchdog saw the resident set pass its limit.
    Memory { rss_bytes: u64, limit_bytes: u64 },
    /// Asked to stop (Ctrl-C, a deadline): the caller's words.
    Requested(String),
    /// Simulated time stopped moving: `events` events were handled at one
    /// instant (a loop of work that takes no time, which validation did
    /// not foresee).
    Stalled { events: u64 },
}

/// Events at one instant, beyond 8 for each event already pending when a
/// guard look first sees the instant, after which a guarded run is taken
/// as stalled ([`StopReason::Stalled`]). Events booked for one instant
/// ahead of time (a large burst's uploads with a fixed notification
/// delay) and their few follow-ups stay within it; a zero-time loop, which
/// keeps the event list short, reaches it in about a second, well before
/// its memory (each turn leaves a result behind) becomes a problem.
pub const STALL_EVENTS: u64 = 10_000_000;

// `StopReason`'s words (Display) are in `crate::human`, the formatting
// module: `model` depends on `engine` only.

/// A run that its guard stopped. Not a bug and not a result: the command
/// writes nothing and says why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    /// Events handled by every run sharing the guard when it stopped.
    pub events: u64,
    /// Simulated time the stopped run had reached.
    pub at: SimTime,
    pub reason: StopReason,
    /// Which run, e.g. `replication 3` (empty for a single run).
    pub context: String,
}

impl Stopped {
    /// The stop in words, with `reason` for its reason: a command names
    /// its own flag for the event limit (Display uses the library's words).
    pub fn describe(&self, reason: &str) -> String {
        let at = self.at;
        match self.context.as_str() {
            "" => format!(
                "stopped after {} events: {reason} (at simulated time {at})",
                self.events
            ),
            run => format!(
                "stopped after {} events: {reason} ({run} at simulated time {at})",
                self.events
            ),
        }
    }
}

impl fmt::Display for Stopped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&self.reason.to_string()))
    }
}

impl std::error::Error for Stopped {}

/// How a guarded run can fail.
#[derive(Clone, Debug, PartialEq)]
pub enum RunError {
    /// A SPEC §5 invariant broke. Fatal: a bug in labelsim.
    Invariant(InvariantViolation),
    /// The guard stopped the run. Fatal for the command, not a bug.
    Stopped(Stopped),
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Invariant(e) => e.fmt(f),
            RunError::Stopped(s) => s.fmt(f),
        }
    }
}

impl std::error::Error for RunError {}

impl From<InvariantViolation> for RunError {
    fn from(e: InvariantViolation) -> Self {
        RunError::Invariant(e)
    }
}

impl From<Stopped> for RunError {
    fn from(s: Stopped) -> Self {
        RunError::Stopped(s)
    }
}

/// A stop switch and an event budget shared by every run of a command.
///
/// The budget counts work: every event, and every message sent within one
/// event (a burst's or a manifest's; issue 18: each is an object in memory
/// and events to come, so a 2,000-message burst is 2,001 units, not 1).
/// The engine calls [`RunGuard::spend`] once per [`RunGuard::CHECK_EVERY`]
/// units (an atomic add and a load: nothing on the per-event path but one
/// integer comparison), bulk loops included. Anyone holding
/// the guard (a Ctrl-C handler, a deadline, `MemoryWatchdog`) can
/// [`RunGuard::stop`] it; every run sharing it then stops within 4,096
/// events. A single run stops at exactly `max_events`; runs in parallel
/// may pass it by at most 4,096 events each.
#[derive(Debug)]
pub struct RunGuard {
    max_events: u64,
    spent: AtomicU64,
    stopped: AtomicBool,
    reason: Mutex<Option<StopReason>>,
}

impl Default for RunGuard {
    fn default() -> Self {
        RunGuard::new(None)
    }
}

impl RunGuard {
    /// Events between two looks at the guard.
    pub const CHECK_EVERY: u64 = 4096;

    /// A guard stopping runs after `max_events` events in all (None: only
    /// when asked).
    pub fn new(max_events: Option<u64>) -> RunGuard {
        RunGuard {
            max_events: max_events.unwrap_or(u64::MAX),
            spent: AtomicU64::new(0),
            stopped: AtomicBool::new(false),
            reason: Mutex::new(None),
        }
    }

    /// A guard for `Limits::max_events`, shareable with a watchdog.
    pub fn shared(max_events: Option<u64>) -> Arc<RunGuard> {
        Arc::new(RunGuard::new(max_events))
    }

    /// Asks every run sharing the guard to stop. The first reason given is
    /// the one reported.
    pub fn stop(&self, reason: StopReason) {
        let mut r = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        if r.is_none() {
            *r = Some(reason);
        }
        self.stopped.store(true, Ordering::Release);
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    /// Why it was stopped, if it was.
    pub fn reason(&self) -> Option<StopReason> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Events charged so far by every run.
    pub fn events_spent(&self) -> u64 {
        self.spent.load(Ordering::Relaxed)
    }

    pub fn max_events(&self) -> u64 {
        self.max_events
    }

    /// Engine side: charges `events` handled since the last call, before the
    /// next event is handled. Returns how many more events may run before
    /// the next call, or None to stop now.
    #[inline]
    pub fn spend(&self, events: u64) -> Option<u64> {
        let total = self.spent.fetch_add(events, Ordering::Relaxed) + events;
        if self.is_stopped() {
            return None;
        }
        if total >= self.max_events {
            self.stop(StopReason::MaxEvents {
                limit: self.max_events,
            });
            return None;
        }
        Some((self.max_events - total).min(Self::CHECK_EVERY))
    }

    /// Engine side: charges the events of a run that ended, without
    /// stopping anything.
    pub fn record(&self, events: u64) {
        self.spent.fetch_add(events, Ordering::Relaxed);
    }

    /// Engine side, in bulk loops: whether `pending` more units of work
    /// (events handled but not charged, plus messages sent in bulk, each
    /// of which brings at least one event later) still fit the budget.
    /// Stops the guard when they do not.
    pub fn allows(&self, pending: u64) -> bool {
        if self.is_stopped() {
            return false;
        }
        if self.events_spent().saturating_add(pending) >= self.max_events {
            self.stop(StopReason::MaxEvents {
                limit: self.max_events,
            });
            return false;
        }
        true
    }
}
