//! The objects available to workers (R2, R7): dispatched, with tasks not
//! all resolved. Slots are recycled through a free list and a generation
//! counter, so memory follows the objects in the system, not those ever
//! seen; an intrusive list in dispatch order gives the next R7 lifetime
//! deadline in O(1) (the lifetime is one constant, so deadlines follow
//! dispatch order).

use crate::engine::stats::TimeWeighted;
use crate::engine::SimTime;

/// No slot (the end of the dispatch-order list).
pub(crate) const NONE: u32 = u32::MAX;

/// An object available to workers (R2).
#[derive(Clone, Debug, Default)]
pub(crate) struct Obj {
    pub id: u64,
    pub key: u64,
    pub produced_at: SimTime,
    /// The producer it came from (`u16::MAX`: routed by the pipeline).
    pub producer: u16,
    /// Bumped when the slot is freed: tasks and holdings naming an older
    /// generation are stale.
    pub gen: u32,
    pub accepted_at: SimTime,
    pub dispatched_at: SimTime,
    /// R7: when its task availability lifetime ends.
    pub deadline: SimTime,
    /// Tasks not yet resolved (waiting + in hand).
    pub unresolved: u32,
    pub waiting: u32,
    pub in_hand: u32,
    pub submitted: u32,
    pub taken_once: bool,
    pub pilot: bool,
    /// P6: routed here by the pipeline; its human label is indexed.
    pub piped: bool,
    /// P6: each submitted task's probability of being correct, in the
    /// order of submission (majority label, ties to the first submission).
    pub accuracies: Vec<f64>,
    /// Tasks taken so far (the key of the k-th task's random stream).
    pub attempts: u32,
    /// Workers who have taken one of its tasks (R2: never twice): the
    /// list the match's filter reads.
    pub touched: Vec<u32>,
    /// The same workers, kept by the take itself (the R2 check, on its own
    /// path, independent of `touched`; see [`super::dispatch::TaskPool::take`]).
    pub takers: Vec<u32>,
    prev: u32,
    next: u32,
}

/// The available objects, their count over time and the R7 timer.
pub(crate) struct Available {
    slab: Vec<Obj>,
    free: Vec<u32>,
    head: u32,
    tail: u32,
    count: u32,
    level: TimeWeighted,
    /// The armed R7 deadline, if any.
    timer: Option<SimTime>,
}

impl Default for Available {
    fn default() -> Self {
        Available {
            slab: Vec::new(),
            free: Vec::new(),
            head: NONE,
            tail: NONE,
            count: 0,
            level: TimeWeighted::default(),
            timer: None,
        }
    }
}

impl Available {
    /// Objects available now.
    #[inline]
    pub fn count(&self) -> u32 {
        self.count
    }

    #[inline]
    pub fn obj(&self, slot: u32) -> &Obj {
        &self.slab[slot as usize]
    }

    #[inline]
    pub fn obj_mut(&mut self, slot: u32) -> &mut Obj {
        &mut self.slab[slot as usize]
    }

    /// Makes an object available at `now`, last in dispatch order: `fill`
    /// sets its fields (a recycled slot keeps its generation and the
    /// capacity of its worker list). Returns its slot.
    #[inline]
    pub fn add(&mut self, now: SimTime, fill: impl FnOnce(&mut Obj)) -> u32 {
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slab.push(Obj::default());
                (self.slab.len() - 1) as u32
            }
        };
        let tail = self.tail;
        let o = &mut self.slab[slot as usize];
        fill(o);
        o.prev = tail;
        o.next = NONE;
        if tail == NONE {
            self.head = slot;
        } else {
            self.slab[tail as usize].next = slot;
        }
        self.tail = slot;
        self.count += 1;
        self.level.set(now, self.count as u64);
        slot
    }

    /// The object in `slot` resolved at `now` (R2) and leaves: its slot is
    /// freed and its generation bumped. `keep_level` leaves the level
    /// stale (a deliberate defect, for the invariant tests only).
    #[inline]
    pub fn remove(&mut self, now: SimTime, slot: u32, keep_level: bool) {
        let (prev, next) = {
            let o = &self.slab[slot as usize];
            (o.prev, o.next)
        };
        if prev == NONE {
            self.head = next;
        } else {
            self.slab[prev as usize].next = next;
        }
        if next == NONE {
            self.tail = prev;
        } else {
            self.slab[next as usize].prev = prev;
        }
        let o = &mut self.slab[slot as usize];
        o.gen = o.gen.wrapping_add(1);
        o.prev = NONE;
        o.next = NONE;
        self.free.push(slot);
        self.count -= 1;
        if !keep_level {
            self.level.set(now, self.count as u64);
        }
    }

    /// The oldest available object's slot (first in dispatch order).
    #[inline]
    pub fn oldest(&self) -> Option<u32> {
        (self.head != NONE).then_some(self.head)
    }

    /// Every available object's slot, in dispatch order.
    pub fn slots(&self) -> Vec<u32> {
        let mut out = Vec::with_capacity(self.count as usize);
        let mut slot = self.head;
        while slot != NONE {
            out.push(slot);
            slot = self.slab[slot as usize].next;
        }
        out
    }

    /// R7: arms the timer for the oldest object's deadline if none is
    /// armed; Some when a timer event must be scheduled then.
    #[inline]
    pub fn arm_timer(&mut self) -> Option<SimTime> {
        if self.timer.is_some() {
            return None;
        }
        let at = self.slab.get(self.oldest()? as usize)?.deadline;
        self.timer = Some(at);
        Some(at)
    }

    /// While the R7 timer's event runs: objects dispatched meanwhile (by
    /// refills) must not arm a second timer.
    pub fn hold_timer(&mut self, now: SimTime) {
        self.timer = Some(now);
    }

    /// The R7 timer's event is done.
    pub fn timer_done(&mut self) {
        self.timer = None;
    }

    /// The available-object level over time.
    pub fn level(&self) -> &TimeWeighted {
        &self.level
    }
}
