//! Tasks and their objects (R2, R7): waiting tasks matched to free
//! workers, each task's outcome drawn from its own stream (common random
//! numbers), its end, the object's resolution into a label event (or a
//! failure) once every task is resolved, and R7's task availability
//! lifetime. The pool, the match and the R2 arithmetic are
//! [`crate::model::job::dispatch`]'s.

use super::{Event, Fault, Simulation};
use crate::engine::rng::splitmix64;
use crate::engine::{SimDuration, SimRng};
use crate::model::config::{Mode, OnTimeout};
use crate::model::job::available::Available;
use crate::model::job::dispatch::{self, Done, MatchHost, PoolTask, TaskPool};
use crate::model::job::workers::{Holding, Outcome, Workers};
use crate::model::metrics::TraceKind;
use crate::model::pipeline::Embed;
use rand::RngExt;
use rand::SeedableRng;

impl Simulation<'_> {
    /// R2/R7: gives waiting tasks to free workers (see
    /// [`dispatch::match_pool`]), starting each.
    pub(super) fn match_pool(&mut self) {
        dispatch::match_pool(self);
    }

    /// Worker `w` starts task `t` (taken by [`dispatch::match_pool`]):
    /// its outcome is drawn and its end scheduled. Inlined into the match.
    #[inline(always)]
    pub(super) fn start_task(&mut self, w: u32, t: PoolTask) {
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
        // P6: the chance the submission is correct (pipeline objects only):
        // the human label's expected correctness, not a draw.
        let accuracy = if piped { group.accuracy } else { 0.0 };
        let task = Holding {
            slot: t.slot,
            obj_gen: t.gen,
            pool_seq: t.seq,
            outcome,
            started_at: now,
            accuracy,
        };
        let gen = self.workforce.start(now, w, task);
        self.log(id, TraceKind::Taken, Some(w));
        self.schedule(now + dur, Event::TaskDone { worker: w, gen });
    }

    /// The worker is done with its task (or had it taken away): free it.
    pub(super) fn release_worker(&mut self, w: u32) {
        let stale_busy = self.faulty(Fault::StaleBusyLevel);
        let no_overtime = self.faulty(Fault::NoOvertime);
        self.workforce
            .release(self.engine.now, w, stale_busy, no_overtime);
        self.tasks.released();
    }

    pub(super) fn on_task_done(&mut self, w: u32, gen: u32) {
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

    /// R2: all tasks resolved (or R7 lifetime reached): emit the label event.
    pub(super) fn resolve(&mut self, slot: u32) {
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

    /// R7: one pending timer, at the deadline of the oldest available
    /// object (deadlines follow dispatch order, the lifetime being one
    /// constant). Every object's deadline fires in the deadline phase of its
    /// instant (SPEC §1), whichever object the timer was armed for.
    pub(super) fn arm_lifetime_timer(&mut self) {
        if let Some(at) = self.avail.arm_timer() {
            self.schedule(at, Event::Lifetime);
        }
    }

    /// R7: an object whose task availability lifetime has passed resolves
    /// with what was submitted; its other tasks expire.
    pub(super) fn on_lifetime(&mut self) {
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
