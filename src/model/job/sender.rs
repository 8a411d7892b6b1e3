//! The sender (R12): the producers' side of the SNS input, holding messages
//! while the throttling policy says wait, and reading the SQS queue's
//! approximate metrics with their period and delay.
//!
//! The component owns the held messages, the policy's gate and the
//! keep-alive clock; it talks to the simulation through [`Poll`] (what to
//! send now, when to look again) and its own events, [`SenderEvent`].

use crate::engine::stats::Latency;
use crate::engine::{SimDuration, SimTime, Slab};
use crate::model::dedup::MessageIds;
use crate::model::throttle::{Decision, Gate, Policy, ThrottleConfig};
use std::collections::VecDeque;

/// The sender's events (R12), nested in the simulation's.
#[derive(Clone, Copy, Debug)]
pub(crate) enum SenderEvent {
    /// The sender may release held messages.
    Release,
    /// The queue metric is sampled.
    MetricSample,
    /// A sample reaches the sender, `metrics.delay` later, with the
    /// sender's send count at sampling time (parked in the sender at
    /// `slot`, so the event stays small).
    MetricObserved { slot: u32 },
    /// An expiry alarm reaches the sender.
    AlarmObserved,
    /// AIMD / PI control step.
    ControlTick,
    /// Keep-alive check.
    Keepalive,
}

/// A message waiting at the sender.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Held {
    pub producer: u16,
    pub ids: MessageIds,
    pub produced_at: SimTime,
}

/// What the sender does next.
pub(crate) enum Poll {
    /// Send this message now.
    Send(Held),
    /// Look again at this instant (schedule [`SenderEvent::Release`]).
    WakeAt(SimTime),
    /// Nothing to send until an observation or a tick changes the policy's
    /// mind, or nothing is held.
    Wait,
}

/// The sender's state.
pub(crate) struct Sender {
    held: VecDeque<Held>,
    gate: Gate,
    release_timer: Option<SimTime>,
    last_send: SimTime,
    held_max: u64,
    wait: Latency,
    keepalive_messages: u64,
    /// No policy: a message with nobody ahead of it goes at once.
    unthrottled: bool,
    /// Metric samples on their way to the sender: (visible backlog, sends
    /// at sampling time).
    in_transit: Slab<(u64, u64)>,
}

impl Sender {
    pub fn new(throttle: &ThrottleConfig) -> Self {
        Sender {
            held: VecDeque::new(),
            gate: Gate::new(&throttle.policy),
            release_timer: None,
            last_send: SimTime::ZERO,
            held_max: 0,
            wait: Latency::new(),
            keepalive_messages: 0,
            unthrottled: throttle.policy == Policy::None,
            in_transit: Slab::default(),
        }
    }

    /// The sender's first events: the metric samples and control ticks its
    /// policy uses, the keep-alive clock.
    pub fn initial_events(
        throttle: &ThrottleConfig,
    ) -> impl Iterator<Item = (SimTime, SenderEvent)> {
        let samples = matches!(
            throttle.policy,
            Policy::BacklogThreshold { .. } | Policy::Aimd { .. } | Policy::Pi { .. }
        ) && !throttle.metrics_period.is_zero();
        let tick = throttle.policy.interval().filter(|d| !d.is_zero());
        let keepalive = throttle.keepalive.filter(|d| !d.is_zero());
        [
            samples.then_some((SimTime::ZERO, SenderEvent::MetricSample)),
            tick.map(|iv| (SimTime::ZERO + iv, SenderEvent::ControlTick)),
            keepalive.map(|every| (SimTime::ZERO + every, SenderEvent::Keepalive)),
        ]
        .into_iter()
        .flatten()
    }

    /// Takes a producer's message: Some when it goes at once (no policy and
    /// nobody held), else it is held until [`Self::poll`] releases it.
    #[inline]
    pub fn offer(&mut self, h: Held) -> Option<Held> {
        if self.held.is_empty() && self.unthrottled {
            return Some(h);
        }
        self.held.push_back(h);
        self.held_max = self.held_max.max(self.held.len() as u64);
        None
    }

    /// The next held message the policy lets go at `now`, or when to look
    /// again.
    #[inline]
    pub fn poll(&mut self, now: SimTime) -> Poll {
        if self.held.is_empty() {
            return Poll::Wait;
        }
        match self.gate.decide(now) {
            Decision::Send => {
                self.gate.sent(now);
                Poll::Send(self.held.pop_front().expect("non-empty"))
            }
            Decision::WaitUntil(t) => {
                if self.release_timer.is_none_or(|r| r > t) {
                    self.release_timer = Some(t);
                    Poll::WakeAt(t)
                } else {
                    Poll::Wait
                }
            }
            Decision::Blocked => Poll::Wait,
        }
    }

    /// A message leaves the sender at `now`.
    #[inline]
    pub fn sent(&mut self, now: SimTime, h: &Held) {
        self.wait.record(now - h.produced_at);
        self.last_send = now;
    }

    /// [`SenderEvent::Release`] fired.
    pub fn release_timer_fired(&mut self) {
        self.release_timer = None;
    }

    /// [`SenderEvent::MetricSample`] at `now` with the queue's visible
    /// `backlog`: the observation and when it reaches the sender — after
    /// `metrics.delay`, and no sooner than `wake_delay` after a queue that
    /// just woke from inactivity (`queue_woke_at`) publishes.
    pub fn sample(
        &mut self,
        t: &ThrottleConfig,
        now: SimTime,
        backlog: u64,
        queue_woke_at: Option<SimTime>,
    ) -> (SimTime, SenderEvent) {
        let ev = SenderEvent::MetricObserved {
            slot: self.in_transit.put((backlog, self.gate.sends())),
        };
        let mut at = now + t.metrics_delay;
        if let Some(w) = queue_woke_at {
            if now.since(w) < t.wake_delay {
                at = at.max(w + t.wake_delay);
            }
        }
        (at, ev)
    }

    /// The metric sample parked at `slot` reached the sender.
    pub fn observe_backlog(&mut self, slot: u32) {
        let (backlog, sends) = self.in_transit.take(slot);
        self.gate.observe_backlog(backlog, sends);
    }

    /// An expiry alarm reached the sender.
    pub fn expiry_alarm(&mut self, now: SimTime) {
        self.gate.expiry_alarm(now);
    }

    /// An AIMD / PI control step.
    pub fn control_tick(&mut self) {
        self.gate.control_tick();
    }

    /// Keep-alive at `now`: when nothing was sent for `every`, the held
    /// message to send (Some(Some)), or Some(None) when a heartbeat object
    /// must be made because none is held; None when something was sent
    /// recently.
    pub fn keepalive_due(&mut self, now: SimTime, every: SimDuration) -> Option<Option<Held>> {
        if now.since(self.last_send) < every {
            return None;
        }
        Some(self.held.pop_front().inspect(|_| self.gate.sent(now)))
    }

    /// A heartbeat object was made for the keep-alive.
    pub fn count_heartbeat(&mut self) {
        self.keepalive_messages += 1;
    }

    /// The keep-alive's next check after `now`.
    pub fn next_keepalive(&self, now: SimTime, every: SimDuration) -> SimTime {
        let next = self.last_send + every;
        if next <= now {
            now + every
        } else {
            next
        }
    }

    /// Messages held now.
    pub fn held(&self) -> u64 {
        self.held.len() as u64
    }

    /// The most messages held at once.
    pub fn held_max(&self) -> u64 {
        self.held_max
    }

    /// Time from production to leaving the sender.
    pub fn wait(&self) -> &Latency {
        &self.wait
    }

    /// Heartbeat objects the keep-alive made.
    pub fn keepalive_messages(&self) -> u64 {
        self.keepalive_messages
    }
}
