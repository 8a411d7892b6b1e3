//! The workforce (R2, R7): the workers, who is on shift, who is free, and
//! what each holds. The group calendars and service-time distributions are
//! in [`crate::model::workforce`]; this component owns the people.
//!
//! Free workers wait in a line, longest idle first; a worker whose group
//! goes off shift leaves it, and one holding a task at the shift's end
//! finishes it on overtime (SPEC §4a).
//!
//! S1: a group with a step schedule has as many workers as its schedule's
//! largest count; those *rostered* are the ones the schedule has in force.
//! A worker is on shift when rostered and the group's shift is on. When
//! the count drops, idle workers leave first (the highest-numbered), then
//! busy ones, who finish their task on overtime as at a shift's end; when
//! it rises, workers still finishing a task on overtime are rostered back
//! first, then the lowest-numbered off the roster.

use crate::engine::stats::TimeWeighted;
use crate::engine::{SimRng, SimTime, StreamKind, StreamSeeds};
use crate::model::config::SimConfig;
use rand_distr::{Distribution, LogNormal};
use std::collections::VecDeque;

/// How a task in a worker's hands ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Submit,
    Decline,
    Timeout,
}

/// A task in a worker's hands.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Holding {
    /// The object's slot and generation (see [`super::available`]).
    pub slot: u32,
    pub obj_gen: u32,
    /// Its place in the pool (R7: a timed-out task returns there).
    pub pool_seq: u64,
    pub outcome: Outcome,
    pub started_at: SimTime,
    /// P6: the probability that the submission is correct (the worker
    /// group's `accuracy`; pipeline objects only, else 0).
    pub accuracy: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct Worker {
    pub group: u16,
    /// The worker's speed factor: service times are divided by it.
    pub speed: f64,
    on_shift: bool,
    /// S1: the group's schedule has this worker in force (always true
    /// without a schedule).
    rostered: bool,
    /// Bumped each time the worker is freed: a finish event naming an
    /// older generation is stale (the task was taken away).
    gen: u32,
    busy: Option<Holding>,
}

/// The stamp of a worker not in the free line.
const NOT_FREE: u64 = u64::MAX;

/// Every worker of the scenario.
pub(crate) struct Workers {
    workers: Vec<Worker>,
    /// On-shift idle workers, longest idle first.
    free: VecDeque<u32>,
    /// Workers put in the free line since the last [`Workers::settle`]:
    /// only they can take a task that was already in the pool then (see
    /// `job::dispatch::match_pool`). A flag per worker and the list to clear.
    fresh: Vec<bool>,
    fresh_list: Vec<u32>,
    /// When each worker joined the free line (increasing, so the line is
    /// sorted by it); `NOT_FREE` while not in it.
    stamp: Vec<u64>,
    next_stamp: u64,
    group_on_shift: Vec<bool>,
    /// Workers on shift per group.
    group_on_count: Vec<u32>,
    busy: TimeWeighted,
    on_shift: TimeWeighted,
    /// Busy workers off shift (SPEC §4a overtime).
    overtime: TimeWeighted,
    /// Σ per task of (end − start) of every holding that ended [µs]; with
    /// the open ones at the end, equals ∫ busy level dt (SPEC §5, two paths).
    held_us: u128,
    /// The same three levels per group (for per-group utilization).
    groups: Vec<Levels>,
}

/// Busy, on-shift and overtime levels of one group.
#[derive(Default)]
struct Levels {
    busy: TimeWeighted,
    on_shift: TimeWeighted,
    overtime: TimeWeighted,
}

/// A group's worker-time until some instant [worker·µs].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GroupAreas {
    pub busy: u128,
    pub on_shift: u128,
    pub overtime: u128,
}

impl GroupAreas {
    /// SPEC §4a: busy / (on-shift + overtime) worker-time; None when the
    /// group never worked.
    pub fn utilization(&self) -> Option<f64> {
        let available = self.on_shift + self.overtime;
        (available > 0).then(|| self.busy as f64 / available as f64)
    }
}

impl Workers {
    /// The workers of every group, each with a speed drawn from the group's
    /// `speed_spread` (lognormal, median 1) on the group's service stream.
    pub fn new(cfg: &SimConfig, seeds: StreamSeeds) -> Self {
        let mut workers = Vec::with_capacity(cfg.total_workers() as usize);
        for (g, group) in cfg.workers.iter().enumerate() {
            let mut rng: SimRng = seeds.stream(StreamKind::Service, g as u64);
            let speed_dist = LogNormal::new(0.0, group.speed_spread.max(0.0)).expect("sigma ≥ 0");
            for _ in 0..group.count {
                let speed = if group.speed_spread > 0.0 {
                    speed_dist.sample(&mut rng)
                } else {
                    1.0
                };
                workers.push(Worker {
                    group: g as u16,
                    speed,
                    on_shift: false,
                    rostered: group.schedule.is_none(),
                    gen: 0,
                    busy: None,
                });
            }
        }
        let n = workers.len();
        Workers {
            workers,
            free: VecDeque::new(),
            fresh: vec![false; n],
            fresh_list: Vec::new(),
            stamp: vec![NOT_FREE; n],
            next_stamp: 0,
            group_on_shift: vec![false; cfg.workers.len()],
            group_on_count: vec![0; cfg.workers.len()],
            busy: TimeWeighted::default(),
            on_shift: TimeWeighted::default(),
            overtime: TimeWeighted::default(),
            held_us: 0,
            // One group's levels are the totals: kept only for several.
            groups: if cfg.workers.len() > 1 {
                (0..cfg.workers.len()).map(|_| Levels::default()).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Workers in all.
    #[inline]
    pub fn total(&self) -> u64 {
        self.workers.len() as u64
    }

    #[inline]
    pub fn worker(&self, w: u32) -> &Worker {
        &self.workers[w as usize]
    }

    /// Whether some worker is free.
    #[inline]
    pub fn any_free(&self) -> bool {
        !self.free.is_empty()
    }

    /// R2/R7: takes the longest-idle free worker who is not in `touched`
    /// (or the longest-idle of all when `anyone`) out of the free line.
    #[inline]
    pub fn take_free(&mut self, touched: &[u32], anyone: bool) -> Option<u32> {
        let pos = if touched.is_empty() || anyone {
            Some(0)
        } else {
            self.free.iter().position(|w| !touched.contains(w))
        }?;
        let w = self.remove_free(pos)?;
        self.stamp[w as usize] = NOT_FREE;
        Some(w)
    }

    /// Takes the worker at `pos` out of the free line. Most often it is
    /// the first or the last, whose removal moves nothing (`remove` would
    /// still run its general shift).
    #[inline]
    fn remove_free(&mut self, pos: usize) -> Option<u32> {
        if pos == 0 {
            self.free.pop_front()
        } else if pos + 1 == self.free.len() {
            self.free.pop_back()
        } else {
            self.free.remove(pos)
        }
    }

    /// Puts `w` at the back of the free line, marked fresh (see
    /// [`Workers::take_fresh`]).
    #[inline]
    fn push_free(&mut self, w: u32) {
        self.free.push_back(w);
        self.stamp[w as usize] = self.next_stamp;
        self.next_stamp += 1;
        if !self.fresh[w as usize] {
            self.fresh[w as usize] = true;
            self.fresh_list.push(w);
        }
    }

    /// Like [`Workers::take_free`], among the workers freed since the last
    /// [`Workers::settle`] only: the longest-idle of those not in `touched`.
    #[inline]
    pub fn take_fresh(&mut self, touched: &[u32], anyone: bool) -> Option<u32> {
        // The fresh workers are few: find the longest idle among those
        // still free and allowed, then its place in the line by its stamp.
        let mut best: Option<(u64, u32)> = None;
        for &w in &self.fresh_list {
            let st = self.stamp[w as usize];
            if st == NOT_FREE || (!anyone && touched.contains(&w)) {
                continue;
            }
            if best.is_none_or(|(b, _)| st < b) {
                best = Some((st, w));
            }
        }
        let (st, w) = best?;
        let stamp = &self.stamp;
        let pos = self.free.partition_point(|&x| stamp[x as usize] < st);
        debug_assert_eq!(self.free.get(pos), Some(&w));
        self.remove_free(pos);
        self.stamp[w as usize] = NOT_FREE;
        Some(w)
    }

    /// Whether a worker was put in the free line since the last
    /// [`Workers::settle`].
    #[inline]
    pub fn any_fresh(&self) -> bool {
        !self.fresh_list.is_empty()
    }

    /// The pool and the free line are matched: no waiting task can go to a
    /// free worker. Every free worker counts as seen from now on.
    #[inline]
    pub fn settle(&mut self) {
        for w in self.fresh_list.drain(..) {
            self.fresh[w as usize] = false;
        }
    }

    /// Worker `w` starts `task` at `now`; returns the generation its finish
    /// event must carry.
    #[inline]
    pub fn start(&mut self, now: SimTime, w: u32, task: Holding) -> u32 {
        let worker = &mut self.workers[w as usize];
        worker.busy = Some(task);
        self.busy.set(now, self.busy.level() + 1);
        if let Some(g) = self.groups.get_mut(worker.group as usize) {
            g.busy.set(now, g.busy.level() + 1);
        }
        worker.gen
    }

    /// The task worker `w` holds, if its generation is still `gen`.
    #[inline]
    pub fn current(&self, w: u32, gen: u32) -> Option<Holding> {
        let worker = &self.workers[w as usize];
        if worker.gen != gen {
            return None;
        }
        worker.busy
    }

    /// Whether worker `w` holds a task of the object in `slot`, generation
    /// `obj_gen`.
    #[inline]
    pub fn holds(&self, w: u32, slot: u32, obj_gen: u32) -> bool {
        self.workers[w as usize]
            .busy
            .is_some_and(|h| h.slot == slot && h.obj_gen == obj_gen)
    }

    /// Worker `w` is done with its task (or had it taken away) at `now`:
    /// it is freed, back in the free line if on shift. The flags break the
    /// model on purpose (invariant tests only): `stale_busy` leaves the busy
    /// level as it was, `no_overtime` forgets the overtime.
    #[inline]
    pub fn release(&mut self, now: SimTime, w: u32, stale_busy: bool, no_overtime: bool) {
        let worker = &mut self.workers[w as usize];
        if let Some(h) = worker.busy.take() {
            self.held_us += (now - h.started_at).as_micros() as u128;
        }
        worker.gen = worker.gen.wrapping_add(1);
        let mut group = self.groups.get_mut(worker.group as usize);
        if !stale_busy {
            self.busy.set(now, self.busy.level() - 1);
            if let Some(g) = group.as_deref_mut() {
                g.busy.set(now, g.busy.level() - 1);
            }
        }
        if worker.on_shift {
            self.push_free(w);
        } else if !no_overtime {
            // Overtime ends: the task in hand at shift end is done (R7).
            self.overtime.set(now, self.overtime.level() - 1);
            if let Some(g) = group {
                g.overtime.set(now, g.overtime.level() - 1);
            }
        }
    }

    /// Whether group `g` is on shift.
    pub fn group_on_shift(&self, g: usize) -> bool {
        self.group_on_shift[g]
    }

    /// Workers of group `g` on its roster (its scheduled count, S1).
    pub fn group_rostered(&self, g: usize) -> u32 {
        self.workers
            .iter()
            .filter(|w| w.group as usize == g && w.rostered)
            .count() as u32
    }

    /// Group `g` goes on or off shift at `now`. A worker going off shift
    /// with a task in hand finishes it on overtime (`no_overtime`: the
    /// deliberate defect of the invariant tests).
    pub fn set_group_shift(&mut self, now: SimTime, g: usize, on: bool, no_overtime: bool) {
        self.group_on_shift[g] = on;
        let members: Vec<u32> = (0..self.workers.len() as u32)
            .filter(|&w| {
                let worker = &self.workers[w as usize];
                worker.group as usize == g && worker.rostered && worker.on_shift != on
            })
            .collect();
        self.set_on_shift(now, g, &members, on, no_overtime);
    }

    /// S1: group `g`'s scheduled count becomes `count` at `now` (see the
    /// module's doc for who leaves and who joins).
    pub fn set_group_count(&mut self, now: SimTime, g: usize, count: u32, no_overtime: bool) {
        let in_group: Vec<u32> = (0..self.workers.len() as u32)
            .filter(|&w| self.workers[w as usize].group as usize == g)
            .collect();
        let rostered = self.group_rostered(g);
        let mut changed = Vec::new();
        if count < rostered {
            let mut leave = (rostered - count) as usize;
            // Idle ones first, then busy ones; the highest-numbered first.
            for busy in [false, true] {
                for &w in in_group.iter().rev() {
                    let worker = &self.workers[w as usize];
                    if leave > 0 && worker.rostered && worker.busy.is_some() == busy {
                        changed.push(w);
                        leave -= 1;
                    }
                }
            }
            for &w in &changed {
                self.workers[w as usize].rostered = false;
            }
        } else if count > rostered {
            let mut join = (count - rostered) as usize;
            // Those finishing a task on overtime first, then idle ones;
            // the lowest-numbered first.
            for busy in [true, false] {
                for &w in &in_group {
                    let worker = &self.workers[w as usize];
                    if join > 0 && !worker.rostered && worker.busy.is_some() == busy {
                        changed.push(w);
                        join -= 1;
                    }
                }
            }
            for &w in &changed {
                self.workers[w as usize].rostered = true;
            }
        }
        if self.group_on_shift[g] {
            let on = count > rostered;
            self.set_on_shift(now, g, &changed, on, no_overtime);
        }
    }

    /// Workers `members` of group `g` go on (or off) shift at `now`.
    fn set_on_shift(
        &mut self,
        now: SimTime,
        g: usize,
        members: &[u32],
        on: bool,
        no_overtime: bool,
    ) {
        let mut on_shift_delta: i64 = 0;
        let mut overtime_delta: i64 = 0;
        for &w in members {
            let worker = &mut self.workers[w as usize];
            if worker.on_shift == on {
                continue;
            }
            worker.on_shift = on;
            on_shift_delta += if on { 1 } else { -1 };
            let busy = worker.busy.is_some();
            if on && !busy {
                self.push_free(w);
            }
            if busy {
                // A task in hand at shift end is finished on overtime.
                overtime_delta += if on { -1 } else { 1 };
            }
        }
        if overtime_delta != 0 && !no_overtime {
            let level = (self.overtime.level() as i64 + overtime_delta) as u64;
            self.overtime.set(now, level);
        }
        if let Some(levels) = self.groups.get_mut(g) {
            if overtime_delta != 0 && !no_overtime {
                let level = (levels.overtime.level() as i64 + overtime_delta) as u64;
                levels.overtime.set(now, level);
            }
            let level = (levels.on_shift.level() as i64 + on_shift_delta) as u64;
            levels.on_shift.set(now, level);
        }
        if !on && on_shift_delta != 0 {
            let workers = &self.workers;
            self.free.retain(|&w| workers[w as usize].on_shift);
            for &w in members {
                if !self.workers[w as usize].on_shift {
                    self.stamp[w as usize] = NOT_FREE;
                }
            }
        }
        self.group_on_count[g] = (self.group_on_count[g] as i64 + on_shift_delta) as u32;
        let level = (self.on_shift.level() as i64 + on_shift_delta) as u64;
        self.on_shift.set(now, level);
    }

    /// Workers of group `g` on shift now.
    pub fn group_on_count(&self, g: usize) -> u32 {
        self.group_on_count[g]
    }

    /// Each group's worker-time until `until` (none kept for one group).
    pub fn group_areas(&self, until: SimTime) -> Vec<GroupAreas> {
        self.groups
            .iter()
            .map(|l| GroupAreas {
                busy: l.busy.area_until(until),
                on_shift: l.on_shift.area_until(until),
                overtime: l.overtime.area_until(until),
            })
            .collect()
    }

    /// Busy workers over time.
    pub fn busy(&self) -> &TimeWeighted {
        &self.busy
    }

    /// On-shift workers over time.
    pub fn on_shift(&self) -> &TimeWeighted {
        &self.on_shift
    }

    /// Busy workers off shift over time.
    pub fn overtime(&self) -> &TimeWeighted {
        &self.overtime
    }

    /// Σ of every task's holding time until `horizon`, open ones included
    /// [µs]: the per-task path to the busy area (SPEC §5).
    pub fn held_us_until(&self, horizon: SimTime) -> u128 {
        self.held_us
            + self
                .workers
                .iter()
                .filter_map(|w| w.busy)
                .map(|h| (horizon - h.started_at).as_micros() as u128)
                .sum::<u128>()
    }
}
