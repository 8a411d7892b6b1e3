//! A1–A4 (issue 21): autoscaled and scheduled consumer pools. A consumer with
//! `scaling:` owns as many poller slots as its controller may ever run;
//! slots not running are [`PollerPhase::Off`]. The controller acts on its
//! own tick ([`PipeEvent::ScaleTick`]) and, for Lambda, when a receive comes
//! back empty; pollers leave only between batches (a poller told to retire
//! finishes its batch first).
//!
//! - **A1 Lambda** (event source mapping): `initial` pollers at the start;
//!   every `interval` while messages are visible, min(`ramp`, ⌈visible /
//!   batch⌉) more, at once, up to `max_concurrency` (on a FIFO queue never
//!   beyond the groups holding visible messages); a poller whose long poll
//!   comes back empty retires while more than `min` run. With a
//!   `batch_window` (standard queues; required for `batch` > 10, up to
//!   10,000) a poller gathers: it issues ReceiveMessage calls of up to 10
//!   messages each and holds what they return (in flight, their
//!   visibility timeout running) until it holds `batch` messages or the
//!   window, counted from its first call, ends — a deadline that sees its
//!   whole instant, so a message arriving exactly then is in the batch.
//!   A call that finds nothing long-polls; each call is a request, and one
//!   outstanding when the window ends, or a long poll that ends empty
//!   within it, is an empty receive. The pool's gatherers are served first
//!   come, first served. A window holding nothing is an empty receive.
//!   Each batch is one invocation, billed from its start to the batch's
//!   delete (⌈deleted / 10⌉ DeleteMessageBatch requests, sent together),
//!   or the end of its last processing when nothing is deleted.
//! - **A2 target tracking** (KEDA + HPA, ECS): every `poll_interval`,
//!   desired = ⌈(visible [+ in flight]) / messages_per_poller⌉ clamped to
//!   [min, max]. Above the current count, the missing pollers start and are
//!   ready `startup` later; below it, the count goes to the largest desired
//!   count of the last `scale_in_window` (ticks in (now − window, now]):
//!   starting pollers are cancelled first, then idle ones (a long poll under
//!   way is abandoned), then busy ones retire after their batch.
//! - **A3** (a `count` with a step `schedule`, no controller): each step
//!   starts pollers at once or stops idle ones (a long poll under way is
//!   abandoned) and lets busy ones finish their batch, as A2's scale-in;
//!   the steps themselves are `model/schedule.rs`.
//! - **A4**: `pollers` counts the pollers running (ready, or finishing a
//!   batch before retiring; not those still starting), as a time-weighted
//!   level; `scale_outs` / `scale_ins` count the controller's decisions that
//!   added / removed pollers (a Lambda poller retiring on an empty receive
//!   is one scale-in; a pool's starting count, Lambda's `initial`, target
//!   tracking's `min` or a schedule's count at the start, is neither).
//!
//! Cost: a tick is O(slots) plus, on a FIFO Lambda queue, O(messages in
//! the queue) to count the groups with visible messages.

use super::config::{LambdaScaling, Polling, Scaling, TargetTracking};
use super::poller::PollerPhase;
use super::{PipeEvent, Pipeline, Schedule};
use crate::engine::stats::TimeWeighted;
use crate::engine::SimTime;
use std::collections::VecDeque;

/// One autoscaled pool's controller state and A4 statistics.
#[derive(Clone, Debug)]
pub(super) struct ScaleState {
    /// The pool's poller slots: `base .. base + slots` in `Pipeline::pollers`.
    pub base: u32,
    pub slots: u32,
    /// Pollers running (ready, or finishing a batch before retiring).
    pub running: u32,
    /// A2: pollers started and not yet ready.
    pub starting: u32,
    /// A2: running pollers told to retire after their batch.
    pub retiring: u32,
    /// A4: `running` over time.
    pub level: TimeWeighted,
    pub scale_outs: u64,
    pub scale_ins: u64,
    /// A1: non-empty receives, and their billed time [µs].
    pub invocations: u64,
    pub billed_us: u128,
    /// A2: (tick, desired count) of the last `scale_in_window`.
    history: VecDeque<(SimTime, u32)>,
    /// A1: pollers gathering a batch, in the order they began.
    gathering: VecDeque<u32>,
}

impl ScaleState {
    pub(super) fn new(base: u32, slots: u32) -> Self {
        ScaleState {
            base,
            slots,
            running: 0,
            starting: 0,
            retiring: 0,
            level: TimeWeighted::default(),
            scale_outs: 0,
            scale_ins: 0,
            invocations: 0,
            billed_us: 0,
            history: VecDeque::new(),
            gathering: VecDeque::new(),
        }
    }

    /// The count the controller considers current: running and starting
    /// pollers, less those retiring.
    pub(super) fn current(&self) -> u32 {
        self.running + self.starting - self.retiring
    }
}

/// A1: the pollers a Lambda tick aims at, from the `running` ones and
/// the queue's `visible` messages (> 0): min(`ramp`, ⌈visible / batch⌉)
/// more, at most `max_concurrency`, and on a FIFO queue (`groups`: its
/// groups holding visible messages) never beyond those groups.
fn lambda_target(
    l: &LambdaScaling,
    batch: u32,
    running: u32,
    visible: u64,
    groups: Option<u64>,
) -> u32 {
    let step = (l.ramp as u64).min(visible.div_ceil(batch.max(1) as u64)) as u32;
    let target = (running + step).min(l.max_concurrency);
    match groups {
        Some(g) => target.min(running.max(g.min(u32::MAX as u64) as u32)),
        None => target,
    }
}

/// A2: the desired count for the queue's `visible` and `in_flight`
/// messages: ⌈backlog / messages_per_poller⌉ clamped to [min, max], the
/// backlog counting the messages in flight if `count_in_flight`.
fn desired_pollers(t: &TargetTracking, visible: u64, in_flight: u64) -> u32 {
    let backlog = visible + if t.count_in_flight { in_flight } else { 0 };
    backlog
        .div_ceil(t.messages_per_poller.max(1) as u64)
        .clamp(t.min as u64, t.max as u64) as u32
}

impl Pipeline {
    /// Pool `ci`'s `running` pollers changed at `now`: A4's time-weighted
    /// level follows, and a host that asked is told (SPEC §4b,
    /// [`Pipeline::note_poller_changes`]).
    #[inline]
    fn running_changed(&mut self, now: SimTime, ci: usize) {
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        st.level.set(now, st.running as u64);
        if let Some(log) = &mut self.level_log {
            log.push(ci as u16);
        }
    }

    /// A1/A2: the pool's first pollers run at `now`, and its controller's
    /// first tick is scheduled.
    pub(super) fn start_scaling<S: Schedule>(&mut self, now: SimTime, ci: usize, sched: &mut S) {
        let Some(scaling) = self.cfg.consumers[ci].scaling else {
            return;
        };
        let initial = scaling.initial_pollers();
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        let base = st.base;
        st.running = initial;
        self.running_changed(now, ci);
        for p in base..base + initial {
            self.pollers[p as usize].phase = PollerPhase::Idle;
            sched.schedule(now, PipeEvent::Poll { poller: p });
        }
        let every = match scaling {
            Scaling::Lambda(l) => l.interval,
            Scaling::TargetTracking(t) => t.poll_interval,
        };
        sched.schedule(
            now + every,
            PipeEvent::ScaleTick {
                consumer: ci as u16,
            },
        );
    }

    /// The controller's tick: A1 ramp-up or A2 target tracking.
    pub(super) fn on_scale_tick<S: Schedule>(&mut self, now: SimTime, ci: usize, sched: &mut S) {
        let Some(scaling) = self.cfg.consumers[ci].scaling else {
            return;
        };
        match scaling {
            Scaling::Lambda(l) => {
                sched.schedule(
                    now + l.interval,
                    PipeEvent::ScaleTick {
                        consumer: ci as u16,
                    },
                );
                self.lambda_tick(now, ci, &l, sched);
            }
            Scaling::TargetTracking(t) => {
                sched.schedule(
                    now + t.poll_interval,
                    PipeEvent::ScaleTick {
                        consumer: ci as u16,
                    },
                );
                self.target_tick(now, ci, &t, sched);
            }
        }
    }

    /// A1: while messages are visible, min(ramp, ⌈visible / batch⌉) more
    /// pollers, up to `max_concurrency` (FIFO: up to the groups holding
    /// visible messages).
    fn lambda_tick<S: Schedule>(
        &mut self,
        now: SimTime,
        ci: usize,
        l: &LambdaScaling,
        sched: &mut S,
    ) {
        let cfg = &self.cfg.consumers[ci];
        let queue = &self.queues[cfg.queue];
        let visible = queue.n_visible;
        if visible == 0 {
            return;
        }
        let groups = queue.fifo.is_some().then(|| queue.groups_with_visible());
        let running = self.consumers[ci]
            .scale
            .as_ref()
            .expect("scaled pool")
            .running;
        let target = lambda_target(l, cfg.batch, running, visible, groups);
        if target > running {
            self.consumers[ci]
                .scale
                .as_mut()
                .expect("scaled")
                .scale_outs += 1;
            for _ in running..target {
                self.launch(now, ci, None, sched);
            }
        }
    }

    /// A2: desired = ⌈backlog / messages_per_poller⌉ clamped; scale out to
    /// it, or in to the largest desired count of the last window.
    fn target_tick<S: Schedule>(
        &mut self,
        now: SimTime,
        ci: usize,
        t: &TargetTracking,
        sched: &mut S,
    ) {
        let queue = &self.queues[self.cfg.consumers[ci].queue];
        let desired = desired_pollers(t, queue.n_visible, queue.n_in_flight);
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        st.history.push_back((now, desired));
        while let Some(&(at, _)) = st.history.front() {
            if now.since(at) >= t.scale_in_window && at < now {
                st.history.pop_front();
            } else {
                break;
            }
        }
        let current = st.current();
        if desired > current {
            st.scale_outs += 1;
            for _ in current..desired {
                self.launch(now, ci, Some(t.startup), sched);
            }
            return;
        }
        let keep = st.history.iter().map(|&(_, d)| d).max().unwrap_or(desired);
        if keep < current {
            st.scale_ins += 1;
            self.retire_some(now, ci, current - keep);
        }
    }

    /// Starts one poller of pool `ci`: ready at once (Lambda) or after
    /// `startup` (A2). A poller still finishing its batch before retiring
    /// is kept instead, when there is one.
    pub(super) fn launch<S: Schedule>(
        &mut self,
        now: SimTime,
        ci: usize,
        startup: Option<crate::engine::SimDuration>,
        sched: &mut S,
    ) {
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        let (base, slots) = (st.base, st.slots);
        if st.retiring > 0 {
            if let Some(p) = (base..base + slots).find(|&p| self.pollers[p as usize].retiring) {
                self.pollers[p as usize].retiring = false;
                st.retiring -= 1;
                return;
            }
        }
        let Some(p) =
            (base..base + slots).find(|&p| self.pollers[p as usize].phase == PollerPhase::Off)
        else {
            return;
        };
        let poller = &mut self.pollers[p as usize];
        poller.retiring = false;
        poller.empty = false;
        match startup {
            Some(d) if !d.is_zero() => {
                poller.phase = PollerPhase::Starting;
                poller.bump_epoch();
                st.starting += 1;
                sched.schedule(
                    now + d,
                    PipeEvent::PollerReady {
                        poller: p,
                        epoch: poller.epoch(),
                    },
                );
            }
            _ => {
                poller.phase = PollerPhase::Idle;
                st.running += 1;
                self.running_changed(now, ci);
                sched.schedule(now, PipeEvent::Poll { poller: p });
            }
        }
    }

    /// A2: a started poller is ready and issues its first receive.
    pub(super) fn on_poller_ready<S: Schedule>(
        &mut self,
        now: SimTime,
        p: u32,
        epoch: u32,
        sched: &mut S,
    ) {
        let poller = &mut self.pollers[p as usize];
        if poller.phase != PollerPhase::Starting || poller.epoch() != epoch {
            return;
        }
        poller.phase = PollerPhase::Idle;
        let ci = poller.consumer as usize;
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        st.starting -= 1;
        st.running += 1;
        self.running_changed(now, ci);
        self.poll(now, p, sched);
    }

    /// A2 scale-in by `n`: starting pollers are cancelled first, then idle
    /// ones (waiting in a long poll) stop at once, then the others retire
    /// after their batch.
    pub(super) fn retire_some(&mut self, now: SimTime, ci: usize, mut n: u32) {
        let st = self.consumers[ci].scale.as_ref().expect("scaled pool");
        let (base, slots) = (st.base, st.slots);
        let order = [
            PollerPhase::Starting,
            PollerPhase::Waiting,
            PollerPhase::Idle,
            PollerPhase::Sleeping,
            PollerPhase::Receiving,
            PollerPhase::Deleting,
            PollerPhase::Processing,
        ];
        for phase in order {
            for p in (base..base + slots).rev() {
                if n == 0 {
                    return;
                }
                let poller = &self.pollers[p as usize];
                if poller.phase != phase || poller.retiring {
                    continue;
                }
                match phase {
                    PollerPhase::Starting => {
                        let poller = &mut self.pollers[p as usize];
                        poller.phase = PollerPhase::Off;
                        poller.bump_epoch();
                        let st = self.consumers[ci].scale.as_mut().expect("scaled");
                        st.starting -= 1;
                    }
                    PollerPhase::Waiting => {
                        let q = poller.queue as usize;
                        let poller = &mut self.pollers[p as usize];
                        poller.phase = PollerPhase::Off;
                        poller.bump_epoch();
                        let waiters = &mut self.queues[q].waiters;
                        if let Some(i) = waiters.iter().position(|&w| w == p) {
                            waiters.remove(i);
                        }
                        let st = self.consumers[ci].scale.as_mut().expect("scaled");
                        st.running -= 1;
                        self.running_changed(now, ci);
                    }
                    _ => {
                        self.pollers[p as usize].retiring = true;
                        let st = self.consumers[ci].scale.as_mut().expect("scaled");
                        st.retiring += 1;
                    }
                }
                n -= 1;
            }
        }
    }

    /// Called as poller `p` of an autoscaled pool is about to receive:
    /// ends the invocation it was in (A1 billing) and retires it if told to
    /// (A2) or if its last receive came back empty and more than `min` run
    /// (A1). True when the poller stopped.
    #[inline]
    pub(super) fn retires_before_poll(&mut self, now: SimTime, p: u32) -> bool {
        let ci = self.pollers[p as usize].consumer as usize;
        self.consumers[ci].scale.is_some() && self.scaled_retires_before_poll(now, p)
    }

    fn scaled_retires_before_poll(&mut self, now: SimTime, p: u32) -> bool {
        let poller = &mut self.pollers[p as usize];
        let ci = poller.consumer as usize;
        let Some(st) = self.consumers[ci].scale.as_mut() else {
            return false;
        };
        if let Some(since) = poller.invoked.take() {
            st.billed_us += now.since(since).as_micros() as u128;
        }
        let empty = std::mem::replace(&mut poller.empty, false);
        let lambda_min = self.cfg.consumers[ci].lambda().map(|l| l.min);
        let stop = if poller.retiring {
            poller.retiring = false;
            st.retiring -= 1;
            true
        } else if let Some(min) = lambda_min {
            if empty && st.running > min {
                st.scale_ins += 1;
                true
            } else {
                false
            }
        } else {
            false
        };
        if stop {
            poller.phase = PollerPhase::Off;
            st.running -= 1;
            self.running_changed(now, ci);
        }
        stop
    }

    /// A1: a receive gave poller `p` a batch: one invocation starts.
    #[inline]
    pub(super) fn invocation_starts(&mut self, now: SimTime, p: u32) {
        let ci = self.pollers[p as usize].consumer as usize;
        if self.consumers[ci].scale.is_some() {
            self.scaled_invocation_starts(now, p);
        }
    }

    fn scaled_invocation_starts(&mut self, now: SimTime, p: u32) {
        let poller = &mut self.pollers[p as usize];
        let ci = poller.consumer as usize;
        if let Some(st) = self.consumers[ci].scale.as_mut() {
            if self.cfg.consumers[ci].lambda().is_some() {
                st.invocations += 1;
                poller.invoked = Some(now);
            }
        }
    }

    /// A1 `batch_window`: poller `p` of a Lambda pool with a batching
    /// window begins a batch (false for any other poller). It issues
    /// ReceiveMessage calls of up to 10 messages each and holds what they
    /// return (in flight: the visibility timeout runs from each receive)
    /// until it holds `batch` messages or the window ends; a call finding
    /// nothing visible long-polls. Pollers of a pool gather first come,
    /// first served: only the earliest takes messages.
    pub(super) fn gathers<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) -> bool {
        let poller = &self.pollers[p as usize];
        let ci = poller.consumer as usize;
        let cfg = &self.cfg.consumers[ci];
        let Some(l) = cfg.lambda() else { return false };
        if l.batch_window.is_zero() {
            return false;
        }
        let (q, window) = (cfg.queue, l.batch_window);
        self.count_receive_request(ci, q);
        let poller = &mut self.pollers[p as usize];
        poller.batch.clear();
        poller.pos = 0;
        poller.phase = PollerPhase::Gathering;
        poller.bump_epoch();
        let epoch = poller.epoch();
        poller.window_end = now + window;
        poller.call_since = now;
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        let first = st.gathering.is_empty();
        st.gathering.push_back(p);
        self.gathering += 1;
        sched.schedule(now + window, PipeEvent::WindowEnd { poller: p, epoch });
        if first && self.gather_more(now, p, sched) {
            self.invoke(now, p, sched);
        }
        true
    }

    /// A1: gathering poller `p` takes visible messages, up to 10 a call,
    /// until it holds a full batch. Each call that returns messages is
    /// answered at once and, while the batch is not full, followed by a
    /// new call (counted as issued). True when the batch is full.
    fn gather_more<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) -> bool {
        let poller = &self.pollers[p as usize];
        let ci = poller.consumer as usize;
        let cfg = &self.cfg.consumers[ci];
        let (q, size, lane) = (cfg.queue, cfg.batch as usize, cfg.lane());
        let mut took = false;
        loop {
            let held = self.pollers[p as usize].batch.len();
            if held >= size || self.queues[q].n_visible == 0 {
                break;
            }
            let n = self.take_into(now, p, (size - held).min(10), lane, true);
            if n == 0 {
                break;
            }
            took = true;
            self.count_expired_polls(now, p);
            if held + n < size {
                self.count_receive_request(ci, q);
            }
        }
        if took {
            self.queues[q].arm_lanes(sched);
        }
        self.pollers[p as usize].batch.len() >= size
    }

    /// A1: the outstanding call of gathering poller `p` returns at `now`;
    /// the long polls before it that ended empty (one each `wait` since
    /// it was issued; a message at the very end of a wait is returned, not
    /// a new call) are counted, each a request and an empty receive.
    fn count_expired_polls(&mut self, now: SimTime, p: u32) {
        let poller = &mut self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        let since = std::mem::replace(&mut poller.call_since, now);
        let Polling::Long { wait } = self.cfg.consumers[ci].polling else {
            return;
        };
        let (elapsed, wait) = (now.since(since).as_micros(), wait.as_micros());
        if elapsed == 0 || wait == 0 {
            return;
        }
        let k = (elapsed - 1) / wait;
        for _ in 0..k {
            self.count_receive_request(ci, q);
        }
        self.queues[q].c.empty_receives += k;
        self.consumers[ci].c.empty_receives += k;
    }

    /// A1: gathering poller `p` invokes the function with the messages it
    /// holds. They count as received now for the latency parts (SPEC §4b):
    /// the batching window is part of their wait.
    fn invoke<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        let ci = self.pollers[p as usize].consumer as usize;
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        if let Some(i) = st.gathering.iter().position(|&g| g == p) {
            st.gathering.remove(i);
            self.gathering -= 1;
        }
        for t in &mut self.pollers[p as usize].batch {
            t.received_at = now;
        }
        self.receive_answered(now, p, sched);
    }

    /// A1: gathering pollers take visible messages, the earliest first;
    /// each whose batch fills invokes.
    pub(super) fn serve_gatherers<S: Schedule>(&mut self, now: SimTime, sched: &mut S) {
        for ci in 0..self.consumers.len() {
            while let Some(st) = self.consumers[ci].scale.as_ref() {
                let Some(&p) = st.gathering.front() else {
                    break;
                };
                if !self.gather_more(now, p, sched) {
                    break;
                }
                self.invoke(now, p, sched);
            }
        }
    }

    /// A1: the batching window of poller `p` ends (a deadline: it sees
    /// every message made visible at its instant). Its outstanding call
    /// comes back empty; it invokes with what it holds, or, holding
    /// nothing, its receive was an empty one.
    pub(super) fn on_window_end<S: Schedule>(
        &mut self,
        now: SimTime,
        p: u32,
        epoch: u32,
        sched: &mut S,
    ) {
        let poller = &self.pollers[p as usize];
        if poller.phase != PollerPhase::Gathering || poller.epoch() != epoch {
            return;
        }
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        self.count_expired_polls(now, p);
        self.queues[q].c.empty_receives += 1;
        self.consumers[ci].c.empty_receives += 1;
        if !self.pollers[p as usize].batch.is_empty() {
            self.invoke(now, p, sched);
            return;
        }
        let st = self.consumers[ci].scale.as_mut().expect("scaled pool");
        if let Some(i) = st.gathering.iter().position(|&g| g == p) {
            st.gathering.remove(i);
            self.gathering -= 1;
        }
        let latency = self.cfg.consumers[ci].request_latency;
        let poller = &mut self.pollers[p as usize];
        poller.phase = PollerPhase::Sleeping;
        poller.empty = true;
        sched.schedule(now + latency, PipeEvent::Poll { poller: p });
    }

    /// A3: a scheduled pool runs its first step's count at `now` and waits
    /// for the next change of count.
    pub(super) fn start_count_schedule<S: Schedule>(
        &mut self,
        now: SimTime,
        ci: usize,
        sched: &mut S,
    ) {
        if self.cfg.consumers[ci].schedule.is_some() {
            self.count_step(now, ci, sched, false);
        }
    }

    /// A3: the schedule's count in force at `now`. A rise starts pollers at
    /// once; a drop stops idle pollers (a long poll under way is abandoned)
    /// and lets the busy ones finish their batch first (A2's scale-in).
    pub(super) fn on_count_step<S: Schedule>(&mut self, now: SimTime, ci: usize, sched: &mut S) {
        self.count_step(now, ci, sched, true);
    }

    /// A3: the count in force at `now`; `counted`: a rise or a drop is a
    /// scale-out or scale-in (A4), which the pool's starting count is not
    /// (as Lambda's `initial` and target tracking's `min` are not).
    fn count_step<S: Schedule>(&mut self, now: SimTime, ci: usize, sched: &mut S, counted: bool) {
        let Some(schedule) = &self.cfg.consumers[ci].schedule else {
            return;
        };
        let target = schedule.count_at(now);
        let next = schedule.next_change_after(now);
        if let Some(at) = next {
            sched.schedule(
                at,
                PipeEvent::CountStep {
                    consumer: ci as u16,
                },
            );
        }
        let st = self.consumers[ci].scale.as_mut().expect("scheduled pool");
        let current = st.current();
        if target > current {
            st.scale_outs += counted as u64;
            for _ in current..target {
                self.launch(now, ci, None, sched);
            }
        } else if target < current {
            st.scale_ins += counted as u64;
            self.retire_some(now, ci, current - target);
        }
    }

    /// A4: pollers running in pool `ci` now (`count` for a fixed pool).
    pub fn pollers_running(&self, ci: usize) -> u32 {
        match &self.consumers[ci].scale {
            Some(st) => st.running,
            None => self.cfg.consumers[ci].count,
        }
    }

    /// SPEC §4b: from now on, note every pool whose running pollers change
    /// ([`Pipeline::poller_changes`]), for a host that keeps results by
    /// interval; the next hand-over reports every pool.
    pub fn note_poller_changes(&mut self) {
        // Every pool's count is news at first: a fixed pool's never changes.
        self.level_log = Some((0..self.consumers.len() as u16).collect());
    }

    /// Hands `f` each pool noted since the last call (in the order noted)
    /// with its running pollers now; nothing unless the host asked
    /// ([`Pipeline::note_poller_changes`]).
    #[inline(always)]
    pub fn poller_changes(&mut self, f: impl FnMut(usize, u32)) {
        // After every pipeline event: a test inline, the work out of line.
        if self.level_log.as_ref().is_some_and(|log| !log.is_empty()) {
            self.hand_over_poller_changes(f);
        }
    }

    #[inline(never)]
    fn hand_over_poller_changes(&mut self, mut f: impl FnMut(usize, u32)) {
        let Some(log) = &mut self.level_log else {
            return;
        };
        let noted = std::mem::take(log);
        for &ci in &noted {
            f(ci as usize, self.pollers_running(ci as usize));
        }
        let mut noted = noted;
        noted.clear();
        self.level_log = Some(noted);
    }

    /// A4: billed time of the Lambda invocations finished or under way at
    /// `now` [µs].
    pub(super) fn billed_until(&self, ci: usize, now: SimTime) -> u128 {
        let Some(st) = &self.consumers[ci].scale else {
            return 0;
        };
        st.billed_us
            + self.pollers[st.base as usize..(st.base + st.slots) as usize]
                .iter()
                .filter_map(|p| p.invoked)
                .map(|t| now.since(t).as_micros() as u128)
                .sum::<u128>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lambda_tick_ramps_by_the_batches_visible_up_to_the_cap_and_the_fifo_groups() {
        let l = LambdaScaling {
            ramp: 300,
            max_concurrency: 200,
            ..LambdaScaling::default()
        };
        // ⌈25 / 10⌉ = 3 more.
        assert_eq!(lambda_target(&l, 10, 5, 25, None), 8);
        // The ramp, then the cap.
        assert_eq!(lambda_target(&l, 1, 0, 10_000, None), 200);
        let slow = LambdaScaling { ramp: 60, ..l };
        assert_eq!(lambda_target(&slow, 1, 0, 10_000, None), 60);
        // FIFO: no more pollers than groups with visible messages, never
        // fewer than run.
        assert_eq!(lambda_target(&l, 10, 5, 25, Some(6)), 6);
        assert_eq!(lambda_target(&l, 10, 5, 25, Some(2)), 5);
    }

    #[test]
    fn target_tracking_wants_the_backlog_per_poller_within_its_bounds() {
        let t = TargetTracking {
            min: 1,
            max: 10,
            messages_per_poller: 20,
            ..TargetTracking::default()
        };
        assert_eq!(desired_pollers(&t, 0, 0), 1);
        assert_eq!(desired_pollers(&t, 41, 0), 3);
        assert_eq!(desired_pollers(&t, 41, 20), 4);
        assert_eq!(
            desired_pollers(
                &TargetTracking {
                    count_in_flight: false,
                    ..t
                },
                41,
                20
            ),
            3
        );
        assert_eq!(desired_pollers(&t, 10_000, 0), 10);
    }
}
