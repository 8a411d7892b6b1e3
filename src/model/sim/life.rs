//! The job's life (R1 states and stops, R4's completion, R8 idle stop):
//! the job starting (and the manifest sent, R3/R4), ending by a stop, a
//! completion, a failure or the idle rule, and the idle clock. The states
//! and the rules' arithmetic are [`crate::model::job::lifecycle`]'s; here
//! they meet the queue and the tasks.

use super::{Event, Simulation};
use crate::model::config::Mode;
use crate::model::job::dispatch::TaskPool;
use crate::model::job::lifecycle::{EndSnapshot, IdleCheck, JobState};
use crate::model::job::producers::manifest_size;
use crate::model::metrics::{EndState, TraceKind};

impl Simulation<'_> {
    /// R1: `job.stop_at` (a manual stop) or a batch job's `max_runtime`
    /// (a failure), unless the job already ended.
    pub(super) fn on_stop_deadline(&mut self, how: EndState) {
        if !self.life.ended() {
            self.end_job(how);
        }
    }

    pub(super) fn on_in_progress(&mut self) {
        if !self.life.start(self.engine.now) {
            return; // stopped during initialization
        }
        self.log(0, TraceKind::JobInProgress, None);
        // R3/R4: the input manifest is handed over at creation and sent when
        // the job starts, in manifest order.
        for p in 0..self.cfg.producers.len() {
            for i in 0..manifest_size(self.cfg, p) {
                if !self.bulk_may_continue(i) {
                    return;
                }
                self.c.messages_produced += 1;
                let ids = self.ids.fresh();
                self.deliver(p, ids, false, self.engine.now);
                self.spawn_duplicates(p, ids);
            }
        }
        if self.cfg.job.mode == Mode::Batch {
            self.batch_refill();
        }
        self.arm_idle_timer();
    }

    /// R1: stop, completion or failure. Queued objects are stranded, waiting
    /// tasks withdrawn; tasks in workers' hands finish.
    pub(super) fn end_job(&mut self, how: EndState) {
        self.log(0, TraceKind::JobEnded(how), None);
        let mut manifest = Vec::new();
        if self.life.state() == JobState::Initializing {
            // R1: a stop during Initializing strands the manifest: its
            // objects were handed over at creation, so they are counted
            // (received, accepted, stranded), never dropped from the ledgers.
            // They were never sent to the SQS queue, so they do not pass
            // through its level (backlog_max stays what the queue held).
            for p in 0..self.cfg.producers.len() {
                for i in 0..manifest_size(self.cfg, p) {
                    if !self.bulk_may_continue(i) {
                        return;
                    }
                    self.c.messages_produced += 1;
                    self.c.messages_received += 1;
                    let ids = self.ids.fresh();
                    manifest.push(self.admit(self.engine.now, ids.publish, p as u16));
                }
            }
        }
        let snapshot = self.snapshot_end();
        self.life.end(how, snapshot);
        let queued = std::iter::from_fn(|| self.queue.pop()).collect::<Vec<_>>();
        for q in manifest.into_iter().chain(queued) {
            self.log(q.id, TraceKind::Stranded, None);
            self.c.stranded_at_stop += 1;
            self.leave_system(q.accepted_at);
        }
        self.queue.sync_level(self.engine.now);
        // Every waiting task is withdrawn, in the pool or parked (no worker
        // left who may take it); objects with nothing in a worker's hands
        // resolve now, in dispatch order.
        for slot in self.avail.slots() {
            let o = self.avail.obj_mut(slot);
            self.c.tasks_withdrawn += TaskPool::withdraw(o) as u64;
            if o.unresolved == 0 {
                self.resolve(slot);
            }
        }
        self.tasks.clear();
    }

    /// The integrals at the job's end (now), for job-life averages.
    pub(super) fn snapshot_end(&self) -> EndSnapshot {
        EndSnapshot {
            at: self.engine.now,
            backlog_area: self.queue.level().area_until(self.engine.now),
            available_area: self.avail.level().area_until(self.engine.now),
            busy_area: self.workforce.busy().area_until(self.engine.now),
            on_shift_area: self.workforce.on_shift().area_until(self.engine.now),
            overtime_area: self.workforce.overtime().area_until(self.engine.now),
            labeled: self.c.objects_labeled,
            submitted: self.c.tasks_submitted,
            groups: self.workforce.group_areas(self.engine.now),
        }
    }

    pub(super) fn system_empty(&self) -> bool {
        self.queue.is_empty() && self.avail.count() == 0
    }

    /// R8: the system may have emptied; the idle clock of
    /// `no_input_and_no_work` starts then.
    pub(super) fn note_maybe_idle(&mut self) {
        if self.system_empty() {
            if let Some(at) = self.life.emptied(self.engine.now, self.cfg) {
                self.schedule(at, Event::IdleCheck);
            }
        }
    }

    pub(super) fn arm_idle_timer(&mut self) {
        if let Some(at) = self.life.arm_idle(self.cfg, self.system_empty()) {
            self.schedule(at, Event::IdleCheck);
        }
    }

    /// R8: runs after every other event of its instant (see
    /// [`Lifecycle::idle_fired`]).
    pub(super) fn on_idle_check(&mut self) {
        match self
            .life
            .idle_fired(self.engine.now, self.cfg, self.system_empty())
        {
            IdleCheck::Stop => self.end_job(EndState::StoppedIdle),
            IdleCheck::RearmAt(at) => self.schedule(at, Event::IdleCheck),
            IdleCheck::Nothing => {}
        }
    }
}
