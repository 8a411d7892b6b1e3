//! Dispatch and the task pool: R2's N tasks per object and what resolves
//! it, R3's dispatch and refill conditions, R7's match of waiting tasks to
//! free workers.
//!
//! R3: an accepted object is dispatched at once while fewer than K objects
//! are available (or, by the strict FIFO rule, also only while the queue is
//! empty); otherwise it waits in the SQS queue, and a resolution refills
//! from the queue whenever A < K − N (R5: within the pilot, only while the
//! pilot has room; right after it, up to K). R2: a dispatched object puts N
//! tasks in the pool, and no worker takes two tasks of one object. R7: the
//! oldest waiting task goes to the longest-idle free worker allowed to take
//! it; a task that times out returns to its original place in the pool.
//! The object resolves when every task is resolved (submitted, declined,
//! timed out for good, expired or withdrawn): labeled if one was submitted.
//!
//! The pool owns the waiting tasks, their counts and the R2 check; it works
//! on the available objects and the workforce it is handed and answers
//! through return values. The simulation draws each task's outcome,
//! schedules its end and keeps the counts of the report.

use super::available::{Available, Obj};
use super::lifecycle::{Lifecycle, PilotStage};
use super::queue::Queued;
use super::workers::{Holding, Outcome, Workers};
use crate::engine::SimTime;
use crate::model::config::RefillRule;
use std::collections::VecDeque;

/// A task waiting in the pool (R7).
#[derive(Clone, Copy, Debug)]
pub(crate) struct PoolTask {
    pub slot: u32,
    pub gen: u32,
    /// Creation order of the task (R2: dispatch order, then the object's N
    /// tasks in turn): its place in the pool, oldest first, kept when it
    /// returns after a time-out.
    pub seq: u64,
}

/// R3: whether an object accepted now is dispatched at once (else it
/// waits in the queue), with `available` objects and at most `k`.
#[inline]
pub(crate) fn dispatch_directly(
    rule: RefillRule,
    k: u32,
    available: u32,
    queue_empty: bool,
) -> bool {
    match rule {
        RefillRule::Documented => available < k,
        RefillRule::StrictFifo => queue_empty && available < k,
    }
}

/// R3/R5: how a streaming job refills from its queue after a resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Refill {
    /// R5: still in the pilot: queued objects wait unless the pilot has
    /// room (and A < K).
    Pilot,
    /// While A + `room` < K: R3's A < K − N once the pilot is over; the
    /// pilot just done, normal dispatch begins as at job start (A < K).
    Below { room: u32 },
}

impl Refill {
    /// The refill after a resolution, by where the pilot stands, with N
    /// tasks per object.
    #[inline]
    pub fn streaming(pilot: PilotStage, n: u32) -> Self {
        match pilot {
            PilotStage::Running => Refill::Pilot,
            PilotStage::JustDone => Refill::Below { room: 0 },
            PilotStage::Over => Refill::Below { room: n },
        }
    }

    /// Whether one more queued object may be dispatched, with `available`
    /// objects and at most `k`.
    #[inline]
    pub fn may_dispatch(self, life: &Lifecycle, available: u32, k: u32) -> bool {
        match self {
            Refill::Pilot => life.pilot_allows_dispatch() && available < k,
            Refill::Below { room } => available + room < k,
        }
    }
}

/// R2/R7: a dispatched object's state: N tasks waiting, none taken.
#[inline]
pub(crate) fn fill_object(
    o: &mut Obj,
    q: &Queued,
    now: SimTime,
    deadline: SimTime,
    n: u32,
    pilot: bool,
    piped: bool,
) {
    o.id = q.id;
    o.key = q.key;
    o.produced_at = q.produced_at;
    o.producer = q.producer;
    o.accepted_at = q.accepted_at;
    o.dispatched_at = now;
    o.deadline = deadline;
    o.unresolved = n;
    o.waiting = n;
    o.in_hand = 0;
    o.submitted = 0;
    o.taken_once = false;
    o.pilot = pilot;
    o.piped = piped;
    o.accuracies.clear();
    o.attempts = 0;
    o.touched.clear();
    o.takers.clear();
}

/// R2: a resolved object is labeled when at least one of its tasks was
/// submitted; failed otherwise.
#[inline]
pub(crate) fn labels(o: &Obj) -> bool {
    o.submitted > 0
}

/// P6: the probability that the human label of a resolved object is
/// correct. The label is the majority of its submitted tasks, ties to the
/// first submission, and each task is correct independently with its
/// worker group's `accuracy`: with p₁ the first's and K the correct
/// among the other n − 1 (a Poisson-binomial count),
/// p₁·P(2(K+1) ≥ n) + (1 − p₁)·P(2K > n). 0 without a submission.
pub(crate) fn majority_correct(o: &Obj) -> f64 {
    let Some((&first, rest)) = o.accuracies.split_first() else {
        return 0.0;
    };
    let n = o.accuracies.len();
    // dist[k] = P(k of the others correct); N ≤ 9 (R11), so it is short.
    let mut dist = vec![0.0; n];
    dist[0] = 1.0;
    for (m, &p) in rest.iter().enumerate() {
        for k in (1..=m + 1).rev() {
            dist[k] = dist[k] * (1.0 - p) + dist[k - 1] * p;
        }
        dist[0] *= 1.0 - p;
    }
    let share = |wins: &dyn Fn(usize) -> bool| -> f64 {
        dist.iter()
            .enumerate()
            .filter(|&(k, _)| wins(k))
            .map(|(_, d)| d)
            .sum()
    };
    first * share(&|k| 2 * (k + 1) >= n) + (1.0 - first) * share(&|k| 2 * k > n)
}

/// How a task that ended left its object (see [`TaskPool::task_done`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Done {
    Submitted,
    /// R7: resolved, not sent to another worker.
    Declined,
    /// R7: timed out, back in the pool in its place.
    Returned,
    /// Timed out, resolved (no return, or the job has ended).
    Dropped,
}

/// What the match needs of the simulation it runs in: the pool, the
/// available objects and the workforce at once, and a way to start each
/// task taken (draw its outcome, schedule its end). Implemented by the
/// simulation; every call inlines to a field access or a direct call.
pub(crate) trait MatchHost {
    fn parts(&mut self) -> (&mut TaskPool, &Available, &mut Workers);
    /// Worker `w` starts task `t`, already out of the pool and the free
    /// line (see [`TaskPool::take`]).
    fn start(&mut self, w: u32, t: PoolTask);
    /// The R2 filter is skipped (a deliberate defect, for the invariant
    /// tests).
    fn skip_distinct_filter(&self) -> bool;
}

/// R2/R7: gives waiting tasks to free workers, in pool order, each to the
/// longest-idle free worker who has not had a task of its object.
///
/// Between two calls the pool and the free line are *settled*: no task
/// in the pool can go to any free worker (the last call ended so, and
/// taking a task only removes tasks and workers and grows the objects'
/// lists of workers). So only a task put in the pool since (a fresh
/// task) or a worker freed since (a fresh worker) can match now: the
/// pass below checks an older task against the fresh workers only, and
/// with no fresh worker visits the fresh tasks only. It gives exactly
/// the matches of a scan of every pair, without the rescan that made
/// each event cost pool × free × workers when most tasks time out.
pub(crate) fn match_pool<H: MatchHost>(h: &mut H) {
    let (tasks, _, workforce) = h.parts();
    if workforce.any_free() && tasks.waiting > 0 {
        tasks.fresh.sort_unstable();
        let every_task = cfg!(test) && tasks.full_rescan;
        if every_task || workforce.any_fresh() {
            match_scan(h, every_task);
        } else {
            match_fresh_tasks(h);
        }
    }
    let (tasks, avail, workforce) = h.parts();
    tasks.fresh.clear();
    workforce.settle();
    // Entries of resolved or expired objects leave lazily; keep them
    // from piling up where the scans no longer pass.
    if tasks.pool.len() as u64 > 2 * tasks.waiting + 1024 {
        tasks.pool.retain(|t| avail.obj(t.slot).gen == t.gen);
    }
}

/// Every pool entry in order (see [`match_pool`]); `every_task` checks
/// each against every free worker, as if all were fresh.
fn match_scan<H: MatchHost>(h: &mut H, every_task: bool) {
    let mut i = 0;
    let mut next_fresh = 0;
    // The object of the last older task no fresh worker could take: its
    // next tasks (adjacent in the pool, created together) cannot either
    // until some task is taken.
    let mut refused: Option<(u32, u32)> = None;
    loop {
        let (tasks, _, workforce) = h.parts();
        if !(i < tasks.pool.len() && workforce.any_free() && tasks.waiting > 0) {
            break;
        }
        let t = tasks.pool[i];
        while next_fresh < tasks.fresh.len() && tasks.fresh[next_fresh] < t.seq {
            next_fresh += 1;
        }
        let fresh = every_task || tasks.fresh.get(next_fresh) == Some(&t.seq);
        if !fresh && refused == Some((t.slot, t.gen)) {
            i += 1;
        } else if try_match(h, i, fresh) {
            refused = None;
        } else {
            refused = (!fresh).then_some((t.slot, t.gen));
            i += 1;
        }
    }
}

/// The fresh tasks only, in pool order: no worker was freed since the
/// last match, so no older task can match (see [`match_pool`]).
fn match_fresh_tasks<H: MatchHost>(h: &mut H) {
    let (tasks, _, _) = h.parts();
    for k in 0..tasks.fresh.len() {
        let (tasks, _, workforce) = h.parts();
        if !(workforce.any_free() && tasks.waiting > 0) {
            break;
        }
        let seq = tasks.fresh[k];
        let i = tasks.pool.partition_point(|t| t.seq < seq);
        if tasks.pool.get(i).is_some_and(|t| t.seq == seq) {
            try_match(h, i, true);
        }
    }
}

/// Tries to give pool entry `i` to a free worker (any free worker when
/// the task is `fresh`, else a fresh one); returns whether the entry
/// left the pool (taken, or dead).
fn try_match<H: MatchHost>(h: &mut H, i: usize, fresh: bool) -> bool {
    let anyone = h.skip_distinct_filter();
    let (tasks, avail, workforce) = h.parts();
    let t = tasks.pool[i];
    let o = avail.obj(t.slot);
    if o.gen != t.gen {
        tasks.pool.remove(i);
        return true;
    }
    if o.touched.len() as u64 >= workforce.total() {
        // R2: every worker has had one of this object's tasks, so
        // nobody may take this one. It stays waiting (for R7's
        // lifetime or the stop) but leaves the pool, so the scan
        // stays fast when N exceeds the workforce.
        tasks.pool.remove(i);
        return true;
    }
    let taken = if fresh {
        workforce.take_free(&o.touched, anyone)
    } else {
        workforce.take_fresh(&o.touched, anyone)
    };
    match taken {
        Some(w) => {
            // Most often the oldest task goes: popping the front moves
            // nothing, where `remove` shifts the deque.
            if i == 0 {
                tasks.pool.pop_front();
            } else {
                tasks.pool.remove(i);
            }
            h.start(w, t);
            true
        }
        None => false,
    }
}

/// R7: the waiting tasks in creation order, and the tasks in hand.
#[derive(Default)]
pub(crate) struct TaskPool {
    /// Waiting tasks, oldest first (`PoolTask::seq`); entries of resolved
    /// objects leave lazily.
    pool: VecDeque<PoolTask>,
    /// The next task's `PoolTask::seq`.
    next_seq: u64,
    /// Tasks put in the pool since the last match (their `seq`).
    fresh: Vec<u64>,
    waiting: u64,
    in_hand: u64,
    /// Tests only: match by a scan of every pool task against every free
    /// worker after each event (the reference the incremental match must
    /// equal).
    full_rescan: bool,
}

impl TaskPool {
    /// Matches by the full rescan (tests of [`match_pool`]).
    #[cfg(test)]
    pub fn with_full_rescan(&mut self) {
        self.full_rescan = true;
    }

    /// Tasks waiting (in the pool or parked: no worker left may take them).
    #[inline]
    pub fn waiting(&self) -> u64 {
        self.waiting
    }

    /// Tasks in workers' hands.
    #[inline]
    pub fn in_hand(&self) -> u64 {
        self.in_hand
    }

    /// R2: the N tasks of the object dispatched in `slot` (generation
    /// `gen`) join the pool, after every task created before.
    #[inline]
    pub fn add_tasks(&mut self, slot: u32, gen: u32, n: u32) {
        for _ in 0..n {
            self.pool.push_back(PoolTask {
                slot,
                gen,
                seq: self.next_seq,
            });
            self.fresh.push(self.next_seq);
            self.next_seq += 1;
        }
        self.waiting += n as u64;
    }

    /// R2: worker `w` takes a task of `o` (matched by [`match_pool`]); false when `w` had one of its tasks
    /// before (the check on its own path: the object's `takers`, which
    /// only this take writes and the match never reads). `forget_touched`
    /// keeps no `touched` list for the match (a deliberate defect the
    /// check must catch).
    #[inline]
    pub fn take(&mut self, o: &mut Obj, w: u32, forget_touched: bool) -> bool {
        let distinct = !o.takers.contains(&w);
        o.takers.push(w);
        if !forget_touched {
            o.touched.push(w);
        }
        o.waiting -= 1;
        o.in_hand += 1;
        self.waiting -= 1;
        self.in_hand += 1;
        distinct
    }

    /// A worker is done with its task, or had it taken away.
    #[inline]
    pub fn released(&mut self) {
        self.in_hand -= 1;
    }

    /// R2/R7: task `h` of `o` ended (its worker released); a time-out
    /// returns it to its place in the pool when `returns`.
    #[inline]
    pub fn task_done(&mut self, o: &mut Obj, h: &Holding, returns: bool) -> Done {
        o.in_hand -= 1;
        match h.outcome {
            Outcome::Submit => {
                o.submitted += 1;
                o.unresolved -= 1;
                if o.piped {
                    o.accuracies.push(h.accuracy);
                }
                Done::Submitted
            }
            Outcome::Decline => {
                // R7: a declined task is resolved and not sent to another worker.
                o.unresolved -= 1;
                Done::Declined
            }
            Outcome::Timeout if returns => {
                // R7: the task returns to the pool for another worker, in
                // its original place: ahead of every task created after it,
                // also those of objects dispatched at the same instant.
                o.waiting += 1;
                let task = PoolTask {
                    slot: h.slot,
                    gen: h.obj_gen,
                    seq: h.pool_seq,
                };
                let at = self.pool.partition_point(|t| t.seq < task.seq);
                self.pool.insert(at, task);
                self.fresh.push(task.seq);
                self.waiting += 1;
                Done::Returned
            }
            Outcome::Timeout => {
                o.unresolved -= 1;
                Done::Dropped
            }
        }
    }

    /// R1: the job ended: `o`'s waiting tasks are withdrawn (how many).
    #[inline]
    pub fn withdraw(o: &mut Obj) -> u32 {
        let waiting = o.waiting;
        o.waiting = 0;
        o.unresolved -= waiting;
        waiting
    }

    /// R1: every waiting task was withdrawn.
    pub fn clear(&mut self) {
        self.pool.clear();
        self.waiting = 0;
    }

    /// R7: `o`'s lifetime passed: its tasks expire (how many were not
    /// resolved); the caller frees the workers holding them.
    #[inline]
    pub fn expire(&mut self, o: &mut Obj) -> u64 {
        let expired = o.unresolved as u64;
        self.waiting -= o.waiting as u64;
        o.waiting = 0;
        o.in_hand = 0;
        o.unresolved = 0;
        expired
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    #[test]
    fn r3_dispatches_directly_below_k_and_strict_fifo_only_past_an_empty_queue() {
        assert!(dispatch_directly(RefillRule::Documented, 10, 9, false));
        assert!(!dispatch_directly(RefillRule::Documented, 10, 10, true));
        assert!(dispatch_directly(RefillRule::StrictFifo, 10, 9, true));
        assert!(!dispatch_directly(RefillRule::StrictFifo, 10, 9, false));
    }

    #[test]
    fn r3_refills_below_k_minus_n_and_up_to_k_right_after_the_pilot() {
        let cfg = Scenario::bundled().sim;
        let life = Lifecycle::new(&cfg);
        let over = Refill::streaming(PilotStage::Over, 3);
        assert!(over.may_dispatch(&life, 6, 10));
        assert!(!over.may_dispatch(&life, 7, 10), "A = K − N: no refill");
        let just_done = Refill::streaming(PilotStage::JustDone, 3);
        assert!(just_done.may_dispatch(&life, 9, 10));
        assert!(!just_done.may_dispatch(&life, 10, 10));
        assert_eq!(Refill::streaming(PilotStage::Running, 3), Refill::Pilot);
    }

    fn object(n: u32) -> Obj {
        let mut o = Obj::default();
        o.id = 7;
        o.unresolved = n;
        o.waiting = n;
        o
    }

    fn holding(seq: u64, outcome: Outcome) -> Holding {
        Holding {
            slot: 0,
            obj_gen: 0,
            pool_seq: seq,
            outcome,
            started_at: SimTime::ZERO,
            accuracy: 0.0,
        }
    }

    #[test]
    fn r7_a_timed_out_task_returns_to_its_place_ahead_of_later_tasks() {
        let mut pool = TaskPool::default();
        let mut o = object(3);
        pool.add_tasks(0, 0, 3);
        // The oldest task is taken by worker 4, the two others stay.
        pool.pool.pop_front();
        assert!(pool.take(&mut o, 4, false));
        assert_eq!((pool.waiting(), pool.in_hand()), (2, 1));
        pool.released();
        let done = pool.task_done(&mut o, &holding(0, Outcome::Timeout), true);
        assert_eq!(done, Done::Returned);
        let seqs: Vec<u64> = pool.pool.iter().map(|t| t.seq).collect();
        assert_eq!(seqs, [0, 1, 2]);
        assert_eq!((o.waiting, o.in_hand, o.unresolved), (3, 0, 3));
        assert_eq!(pool.waiting(), 3);
    }

    #[test]
    fn r2_a_second_task_of_one_object_to_one_worker_fails_the_pair_check() {
        let mut pool = TaskPool::default();
        let mut o = object(2);
        pool.add_tasks(0, 0, 2);
        assert!(pool.take(&mut o, 4, false));
        assert!(!pool.take(&mut o, 4, false), "worker 4 twice");
    }

    #[test]
    fn r7_declines_and_dropped_time_outs_resolve_and_withdrawal_empties_the_rest() {
        let mut pool = TaskPool::default();
        let mut o = object(3);
        pool.add_tasks(0, 0, 3);
        pool.take(&mut o, 1, false);
        pool.take(&mut o, 2, false);
        pool.released();
        pool.released();
        let declined = pool.task_done(&mut o, &holding(0, Outcome::Decline), true);
        let dropped = pool.task_done(&mut o, &holding(1, Outcome::Timeout), false);
        assert_eq!((declined, dropped), (Done::Declined, Done::Dropped));
        assert_eq!(o.unresolved, 1);
        assert_eq!(TaskPool::withdraw(&mut o), 1);
        assert_eq!((o.waiting, o.unresolved), (0, 0));
    }

    #[test]
    fn p6_the_majority_of_submissions_labels_and_a_tie_goes_to_the_first() {
        let mut o = object(0);
        assert_eq!(majority_correct(&o), 0.0, "no submission, no label");
        // Sure workers: 2 of 3 right is right; 1 of 2 goes to the first.
        o.accuracies = vec![1.0, 0.0, 1.0];
        assert_eq!(majority_correct(&o), 1.0);
        o.accuracies = vec![0.0, 1.0];
        assert_eq!(majority_correct(&o), 0.0);
        o.accuracies = vec![1.0, 0.0];
        assert_eq!(majority_correct(&o), 1.0);
        // One worker: its accuracy.
        o.accuracies = vec![0.7];
        assert!((majority_correct(&o) - 0.7).abs() < 1e-15);
        // Three at 0.8: at least two right, 0.8³ + 3·0.8²·0.2 = 0.896.
        o.accuracies = vec![0.8; 3];
        assert!((majority_correct(&o) - 0.896).abs() < 1e-12);
        // Two: both right, or a tie the first wins: p₁p₂ + p₁(1 − p₂) = p₁.
        o.accuracies = vec![0.9, 0.6];
        assert!((majority_correct(&o) - 0.9).abs() < 1e-12);
        // Four, 0.9, 0.5, 0.5, 0.5: the first right needs ≥ 1 of the
        // other three (1 − 0.125), wrong needs all three (0.125).
        o.accuracies = vec![0.9, 0.5, 0.5, 0.5];
        assert!((majority_correct(&o) - (0.9 * 0.875 + 0.1 * 0.125)).abs() < 1e-12);
    }
}
