//! P2, P5: consumer pools. Each poller is a loop — receive, process the
//! batch's messages one at a time, delete — driven by its own events, one
//! step per stage: `poll` (receive), `process_next` / `on_processing_done`
//! (process: a failure, or a result handed to the routing of `route.rs`,
//! P6, which sends machine labels to the index), `issue_delete` (delete).

use super::config::{ConsumerConfig, DeleteMode, Polling, Visibility};
use super::poller::{Poller, PollerPhase, Taken, TakenState};
use super::queue::{Action, MsgState};
use super::{unit, Fault, MessageKind, Outcome, PathTimes, PipeEvent, Pipeline, Schedule};
use crate::engine::rng::splitmix64;
use crate::engine::{SimDuration, SimRng, SimTime};
use rand::RngExt;
use std::collections::VecDeque;

impl ConsumerConfig {
    /// The queue's visibility lane of this consumer's receives.
    pub(super) fn lane(&self) -> usize {
        match self.visibility {
            Visibility::Fixed => 0,
            Visibility::Extend => 1,
        }
    }
}

/// Per consumer pool, each incremented where its event happens (P9).
#[derive(Clone, Debug, Default)]
pub(super) struct ConsumerCounters {
    pub processed: u64,
    pub results: u64,
    pub failures: u64,
    pub poison_failures: u64,
    pub machine_labeled: u64,
    pub routed_to_humans: u64,
    pub audited: u64,
    pub test_events_discarded: u64,
    pub requests: u64,
    pub receive_requests: u64,
    pub delete_requests: u64,
    pub empty_receives: u64,
    pub delete_failures: u64,
    pub throttled_requests: u64,
    /// Messages received (one per message per receive).
    pub received: u64,
    /// P4: messages left unprocessed behind a failed one of their group.
    pub skipped: u64,
}

pub(super) struct ConsumerState {
    processing_rng: SimRng,
    failure_rng: SimRng,
    /// P6: the classifier's confidence and the audit sample.
    pub confidence_rng: SimRng,
    pub audit_rng: SimRng,
    pub c: ConsumerCounters,
    /// Σ processing time of finished processings [µs].
    pub busy_us: u128,
    /// Σ confidence of machine labels (their expected correct count).
    pub machine_confidence_sum: f64,
    /// P2: long polls under way, (end of wait, poller, epoch) in start
    /// order; entries of pollers served meanwhile are skipped lazily.
    waits: VecDeque<(SimTime, u32, u32)>,
    wait_timer: Option<SimTime>,
    /// A1/A2: the controller of an autoscaled pool.
    pub scale: Option<super::scaling::ScaleState>,
}

impl ConsumerState {
    pub(super) fn new(
        processing_rng: SimRng,
        failure_rng: SimRng,
        confidence_rng: SimRng,
        audit_rng: SimRng,
    ) -> Self {
        ConsumerState {
            processing_rng,
            failure_rng,
            confidence_rng,
            audit_rng,
            c: ConsumerCounters::default(),
            busy_us: 0,
            machine_confidence_sum: 0.0,
            waits: VecDeque::new(),
            wait_timer: None,
            scale: None,
        }
    }

    /// Busy time including processings under way at `now` [µs].
    pub(super) fn busy_until(&self, ci: usize, pollers: &[Poller], now: SimTime) -> u128 {
        self.busy_us
            + pollers
                .iter()
                .filter(|p| p.consumer as usize == ci && p.phase == PollerPhase::Processing)
                .map(|p| now.since(p.busy_since).as_micros() as u128)
                .sum::<u128>()
    }
}

impl Pipeline {
    /// P2: the poller issues ReceiveMessage. One step per stage: the
    /// autoscaling controller may stop it (A1/A2), the FIFO throughput
    /// limit may refuse the request (P4), a Lambda poller with a batching
    /// window gathers instead (A1); otherwise the receive takes a batch
    /// or, finding nothing, waits (long polling) or sleeps (short polling).
    pub(super) fn poll<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        if self.retires_before_poll(now, p) {
            return;
        }
        if !self.receive_admitted(now, p, sched) {
            return;
        }
        if self.gathers(now, p, sched) {
            return;
        }
        if !self.receive(now, p, sched) {
            self.await_messages(now, p, sched);
        }
    }

    /// P4: whether the queue's throughput limit admits poller `p`'s
    /// ReceiveMessage at `now` (always, on a standard queue); a refused
    /// request is retried after `throttle_backoff`.
    #[inline]
    fn receive_admitted<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) -> bool {
        let poller = &self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        // The queue's own FIFO state (its config's copy): no limit on a
        // standard queue, without a look at the pipeline's config.
        let Some(f) = self.queues[q].fifo.as_mut() else {
            return true;
        };
        if f.admit(now, Action::Receive, 0) {
            return true;
        }
        let backoff = f.cfg.throttle_backoff;
        self.queues[q].c.throttled_requests += 1;
        self.consumers[ci].c.throttled_requests += 1;
        self.pollers[p as usize].phase = PollerPhase::Sleeping;
        sched.schedule(now + backoff, PipeEvent::Poll { poller: p });
        false
    }

    /// P2: poller `p`'s ReceiveMessage takes up to `batch` visible
    /// messages; true when it got some (the answer is on its way).
    #[inline]
    fn receive<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) -> bool {
        let poller = &self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        self.count_receive_request(ci, q);
        let cfg = &self.cfg.consumers[ci];
        let (max, lane) = (cfg.batch as usize, cfg.lane());
        if self.take_for(now, p, max, lane) == 0 {
            return false;
        }
        self.receive_answered(now, p, sched);
        true
    }

    /// P2: poller `p`'s receive found nothing: a long poll waits at the
    /// queue (until a message comes or its `wait` ends); a short poll is
    /// an empty receive, and the poller polls again `poll_interval` after
    /// the answer.
    #[inline]
    fn await_messages<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        let poller = &mut self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        let cfg = &self.cfg.consumers[ci];
        match cfg.polling {
            Polling::Long { wait } => {
                poller.bump_epoch();
                poller.phase = PollerPhase::Waiting;
                let epoch = poller.epoch();
                self.queues[q].waiters.push_back(p);
                let cons = &mut self.consumers[ci];
                cons.waits.push_back((now + wait, p, epoch));
                if cons.wait_timer.is_none_or(|t| now + wait < t) {
                    cons.wait_timer = Some(now + wait);
                    sched.schedule(
                        now + wait,
                        PipeEvent::LongPollTimeout {
                            consumer: ci as u16,
                        },
                    );
                }
            }
            Polling::Short { poll_interval } => {
                self.queues[q].c.empty_receives += 1;
                self.consumers[ci].c.empty_receives += 1;
                poller.phase = PollerPhase::Sleeping;
                sched.schedule(
                    now + cfg.request_latency + poll_interval,
                    PipeEvent::Poll { poller: p },
                );
            }
        }
    }

    /// P2: one ReceiveMessage request of poller pool `ci` on queue `q`,
    /// counted for the cost model.
    pub(super) fn count_receive_request(&mut self, ci: usize, q: usize) {
        let queue = &mut self.queues[q];
        queue.c.requests += 1;
        queue.c.receive_requests += 1;
        let cons = &mut self.consumers[ci].c;
        cons.requests += 1;
        cons.receive_requests += 1;
    }

    /// P2: poller `p`'s receive at `now` takes up to `max` messages into
    /// a fresh batch (`append`: after the ones it holds, A1 gathering).
    /// Returns how many it took.
    #[inline]
    pub(super) fn take_for(&mut self, now: SimTime, p: u32, max: usize, lane: usize) -> usize {
        self.take_into(now, p, max, lane, false)
    }

    #[inline]
    pub(super) fn take_into(
        &mut self,
        now: SimTime,
        p: u32,
        max: usize,
        lane: usize,
        append: bool,
    ) -> usize {
        let q = self.pollers[p as usize].queue as usize;
        if self.queues[q].fifo.is_none() && self.queues[q].n_visible == 0 {
            // P2: nothing visible on a standard queue: an empty receive
            // (what `take` finds, without handling the batch).
            return 0;
        }
        self.take_batch(now, p, max, lane, append)
    }

    fn take_batch(&mut self, now: SimTime, p: u32, max: usize, lane: usize, append: bool) -> usize {
        let poller = &mut self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        // The last batch stays held until a new one replaces it: on a
        // standard queue with a message visible the receive takes one (the
        // visible set is exactly the messages visible), so the new batch
        // can start empty; elsewhere the old one goes once the take is known.
        let sure = !append && max > 0 && self.queues[q].fifo.is_none();
        if sure {
            poller.batch.clear();
        }
        let old = poller.batch.len();
        let n = self.take(now, q, p, max, lane);
        if n > 0 && !append && old > 0 {
            self.pollers[p as usize].batch.drain(..old);
        }
        self.consumers[ci].c.received += n as u64;
        n
    }

    /// A receive gave poller `p` its batch (held in `p.batch`); the answer
    /// arrives one request latency later.
    pub(super) fn receive_answered<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        let poller = &mut self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        poller.pos = 0;
        poller.bump_epoch();
        poller.phase = PollerPhase::Receiving;
        self.invocation_starts(now, p);
        self.queues[q].arm_lanes(sched);
        let latency = self.cfg.consumers[ci].request_latency;
        sched.schedule(now + latency, PipeEvent::ReceiveDone { poller: p });
    }

    /// P2: long polls of pool `ci` whose `wait` has ended come back empty.
    pub(super) fn on_long_poll_timeout<S: Schedule>(
        &mut self,
        now: SimTime,
        ci: usize,
        sched: &mut S,
    ) {
        let cons = &mut self.consumers[ci];
        if cons.wait_timer.is_some_and(|t| t <= now) {
            cons.wait_timer = None;
        }
        let latency = self.cfg.consumers[ci].request_latency;
        while let Some(&(end, p, epoch)) = self.consumers[ci].waits.front() {
            let poller = &mut self.pollers[p as usize];
            let cons = &mut self.consumers[ci];
            if poller.phase != PollerPhase::Waiting || poller.epoch() != epoch {
                cons.waits.pop_front();
                continue;
            }
            if end > now {
                if cons.wait_timer.is_none_or(|t| end < t) {
                    cons.wait_timer = Some(end);
                    sched.schedule(
                        end,
                        PipeEvent::LongPollTimeout {
                            consumer: ci as u16,
                        },
                    );
                }
                break;
            }
            cons.waits.pop_front();
            poller.phase = PollerPhase::Sleeping;
            poller.empty = true;
            let q = poller.queue as usize;
            let waiters = &mut self.queues[q].waiters;
            if let Some(i) = waiters.iter().position(|&w| w == p) {
                waiters.remove(i);
            }
            self.queues[q].c.empty_receives += 1;
            cons.c.empty_receives += 1;
            sched.schedule(now + latency, PipeEvent::Poll { poller: p });
        }
    }

    pub(super) fn on_receive_done<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        self.process_next(now, p, sched);
    }

    /// P5: starts the next message of the batch, or finishes the batch.
    fn process_next<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        loop {
            let poller = &mut self.pollers[p as usize];
            let ci = poller.consumer as usize;
            if poller.pos as usize >= poller.batch.len() {
                self.finish_batch(now, p, sched);
                return;
            }
            let pos = poller.pos as usize;
            let t = &mut poller.batch[pos];
            match t.state {
                TakenState::Skipped => {
                    poller.pos += 1;
                    continue;
                }
                _ if t.kind == MessageKind::TestEvent => {
                    // P7 / R10: the consumer discards the test event.
                    t.state = TakenState::Done;
                    self.consumers[ci].c.test_events_discarded += 1;
                    if self.cfg.consumers[ci].delete == DeleteMode::PerMessage {
                        self.issue_delete(now, p, sched);
                        return;
                    }
                    poller.pos += 1;
                    continue;
                }
                _ => {}
            }
            poller.phase = PollerPhase::Processing;
            poller.busy_since = now;
            let us = self.cfg.consumers[ci]
                .processing_time
                .sample(&mut self.consumers[ci].processing_rng);
            let at = now + SimDuration::from_micros_f64(us);
            sched.schedule(at, PipeEvent::ProcessingDone { poller: p });
            return;
        }
    }

    fn finish_batch<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        let poller = &self.pollers[p as usize];
        let ci = poller.consumer as usize;
        let taken = &poller.batch[..];
        let mut any_done = taken.iter().any(|t| t.state == TakenState::Done);
        if self.cfg.consumers[ci]
            .lambda()
            .is_some_and(|l| !l.partial_batch_response)
            && taken
                .iter()
                .any(|t| matches!(t.state, TakenState::Failed | TakenState::Skipped))
        {
            // A1: a failed message fails the whole batch: nothing is
            // deleted, every message is visible again after its timeout.
            any_done = false;
        }
        if self.cfg.consumers[ci].delete == DeleteMode::Batch && any_done {
            self.issue_delete(now, p, sched);
        } else {
            self.poll(now, p, sched);
        }
    }

    /// P5: a processing ends: a failure (the message stays for its
    /// visibility timeout) or a result, routed (P6) and indexed, then
    /// deleted (per message) or kept for the batch's delete.
    pub(super) fn on_processing_done<S: Schedule>(
        &mut self,
        now: SimTime,
        p: u32,
        sched: &mut S,
        out: &mut Vec<Outcome>,
    ) {
        let (ci, pos, t) = self.processing_ends(now, p);
        if self.processing_fails(ci, &t) {
            self.fail(now, p, sched);
            self.pollers[p as usize].pos += 1;
            self.process_next(now, p, sched);
            return;
        }
        self.consumers[ci].c.results += 1;
        self.pollers[p as usize].batch[pos].state = TakenState::Done;
        let per_message = self.cfg.consumers[ci].delete == DeleteMode::PerMessage;
        let times = PathTimes {
            enqueued: t.enqueued_at,
            received: t.received_at,
            result: now,
        };
        self.classify(now, ci, t.object, times, sched, out);
        if per_message {
            self.issue_delete(now, p, sched);
        } else {
            self.pollers[p as usize].pos += 1;
            self.process_next(now, p, sched);
        }
    }

    /// P5: poller `p`'s processing ends at `now`: its busy time and the
    /// pool's count; the pool, and the message processed and its place in
    /// the batch.
    #[inline]
    fn processing_ends(&mut self, now: SimTime, p: u32) -> (usize, usize, Taken) {
        let poller = &mut self.pollers[p as usize];
        let ci = poller.consumer as usize;
        let pos = poller.pos as usize;
        let t = poller.batch[pos];
        poller.phase = PollerPhase::Idle;
        let cons = &mut self.consumers[ci];
        cons.busy_us += now.since(poller.busy_since).as_micros() as u128;
        cons.c.processed += 1;
        (ci, pos, t)
    }

    /// P5: whether the processing of `t` by pool `ci` failed: a transient
    /// failure (one draw per processing), or always for a poison object.
    #[inline]
    fn processing_fails(&mut self, ci: usize, t: &Taken) -> bool {
        let emits_anyway = self.faulty(Fault::FailureEmitsResult);
        let cfg = &self.cfg.consumers[ci];
        let cons = &mut self.consumers[ci];
        let draw = cons.failure_rng.random::<f64>();
        // P5: poison is per object (a hash of its document ID), so every
        // processing of it fails, whichever copy.
        let poison = cfg.poison_probability > 0.0
            && unit(splitmix64(
                self.traits_key.rotate_left(17) ^ t.object.doc_id(),
            )) < cfg.poison_probability;
        if !(poison || draw < cfg.failure_probability) {
            return false;
        }
        cons.c.failures += 1;
        cons.c.poison_failures += poison as u64;
        if emits_anyway {
            cons.c.results += 1;
        }
        true
    }

    /// P5: the message under processing by poller `p` failed: it is not
    /// deleted; on a FIFO queue the later messages of its group in the
    /// batch are skipped (P4), and with extended visibility each of them
    /// is visible again once its timeout has passed.
    fn fail<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        let poller = &mut self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        let pos = poller.pos as usize;
        let len = poller.batch.len();
        poller.batch[pos].state = TakenState::Failed;
        let group = poller.batch[pos].group;
        let extend = self.cfg.consumers[ci].visibility == Visibility::Extend;
        let mut give_up = [0u32; 10];
        let mut k = 0;
        if extend {
            give_up[k] = pos as u32;
            k += 1;
        }
        if self.queues[q].fifo.is_some() {
            // P4: order within a group is strict: the group's later
            // messages of this batch are not processed.
            let cons = &mut self.consumers[ci];
            for (i, later) in poller.batch[..len].iter_mut().enumerate().skip(pos + 1) {
                if later.group == group && later.state == TakenState::Pending {
                    later.state = TakenState::Skipped;
                    cons.c.skipped += 1;
                    if extend {
                        give_up[k] = i as u32;
                        k += 1;
                    }
                }
            }
        }
        for &i in &give_up[..k] {
            // Extended visibility: the heartbeats of a message given up
            // stop; it is visible again once the timeout since its
            // receive (or now) has passed.
            let g = poller.batch[i as usize];
            let queue = &self.queues[q];
            let m = &queue.slab[g.slot as usize];
            if m.handle == g.handle && m.state == MsgState::InFlight {
                let at = (m.received_at + queue.visibility).max(now);
                sched.schedule(
                    at,
                    PipeEvent::VisibilityOne {
                        queue: q as u16,
                        slot: g.slot,
                        handle: g.handle,
                    },
                );
            }
        }
    }

    /// P5: DeleteMessage (one message) or DeleteMessageBatch (the batch's
    /// processed messages).
    pub(super) fn issue_delete<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        let poller = &self.pollers[p as usize];
        let (ci, q) = (poller.consumer as usize, poller.queue as usize);
        let cfg = &self.cfg.consumers[ci];
        let per_message = cfg.delete == DeleteMode::PerMessage;
        let latency = cfg.request_latency;
        let (lo, hi) = if per_message {
            (poller.pos as usize, poller.pos as usize + 1)
        } else {
            (0, poller.batch.len())
        };
        let first_group = poller.batch[lo].group;
        // DeleteMessageBatch takes at most 10 entries: a Lambda batch of
        // more (A1) is deleted in ⌈done / 10⌉ requests, sent together.
        let requests = if per_message {
            1
        } else {
            let done = poller.batch[lo..hi]
                .iter()
                .filter(|t| t.state == TakenState::Done)
                .count() as u64;
            done.div_ceil(10).max(1)
        };
        if let Some(f) = self.queues[q].fifo.as_mut() {
            // Per-group limits: a batch delete counts against its first
            // message's group.
            if !f.admit(now, Action::Delete, first_group) {
                let backoff = f.cfg.throttle_backoff;
                self.queues[q].c.throttled_requests += 1;
                self.consumers[ci].c.throttled_requests += 1;
                self.pollers[p as usize].phase = PollerPhase::Sleeping;
                sched.schedule(now + backoff, PipeEvent::DeleteRetry { poller: p });
                return;
            }
        }
        let queue = &mut self.queues[q];
        queue.c.requests += requests;
        queue.c.delete_requests += requests;
        self.consumers[ci].c.requests += requests;
        self.consumers[ci].c.delete_requests += requests;
        for i in lo..hi {
            let t = self.pollers[p as usize].batch[i];
            if t.state != TakenState::Done {
                continue;
            }
            if !self.delete_message(now, q, t.slot, t.handle) {
                self.consumers[ci].c.delete_failures += 1;
            }
        }
        self.pollers[p as usize].phase = PollerPhase::Deleting;
        sched.schedule(now + latency, PipeEvent::DeleteDone { poller: p });
        // A delete may free a FIFO group or leave a copy visible.
        self.serve_waiters(now, q, sched);
    }

    pub(super) fn on_delete_done<S: Schedule>(&mut self, now: SimTime, p: u32, sched: &mut S) {
        let ci = self.pollers[p as usize].consumer as usize;
        if self.cfg.consumers[ci].delete == DeleteMode::PerMessage {
            self.pollers[p as usize].pos += 1;
            self.process_next(now, p, sched);
        } else {
            self.poll(now, p, sched);
        }
    }
}
