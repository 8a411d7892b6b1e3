//! The SQS queue and dispatch (R3 direct dispatch and refills, R4 waves,
//! R5's pilot hold, R6 retention): an object dispatched becomes available
//! with its N tasks in the pool (R2). The conditions are
//! [`crate::model::job::dispatch`]'s; here they move objects.

use super::{Event, Fault, Simulation};
use crate::engine::SimTime;
use crate::model::config::Mode;
use crate::model::job::dispatch::{self, Refill};
use crate::model::job::queue::Queued;
use crate::model::job::sender::SenderEvent;
use crate::model::metrics::{EndState, TraceKind};
use crate::model::throttle::Policy;

impl Simulation<'_> {
    pub(super) fn enqueue(&mut self, q: Queued) {
        self.log(q.id, TraceKind::Queued, None);
        self.queue
            .push(self.engine.now, q, self.cfg.throttle.inactivity);
        if self.cfg.job.mode == Mode::Streaming {
            self.arm_queue_timer();
        }
    }

    pub(super) fn leave_system(&mut self, accepted_at: SimTime) {
        self.acct.leave(self.engine.now, accepted_at);
    }

    pub(super) fn dispatch(&mut self, q: Queued) {
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
    pub(super) fn streaming_refill(&mut self) {
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
    pub(super) fn batch_refill(&mut self) {
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

    pub(super) fn arm_queue_timer(&mut self) {
        if let Some(at) = self.queue.arm_timer(self.cfg.job.queue_retention) {
            self.schedule(at, Event::QueueExpiry);
        }
    }

    /// R6: objects that waited `queue_retention` in the queue expire.
    pub(super) fn on_queue_expiry(&mut self) {
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
}
