//! The future-event list: a binary heap keyed by (time, phase, sequence).
//!
//! Events at equal times come out in one fixed order (SPEC §1): first by
//! [`Phase`] (lifecycle transitions, then ordinary events, then deadlines in
//! their fixed rank, then observations), then first-in, first-out by the
//! order in which they were scheduled. Push and pop cost O(log n) in the
//! number of pending events; the heap's storage is reused, so the hot path
//! does not allocate once it has grown to its working size.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where an event sits among the events of one instant. The derived order
/// is the tie order: every `Lifecycle` before every `Normal`, then every
/// `Deadline`, then `Observe`; within `Lifecycle` and `Deadline` by rank.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Hash)]
pub enum Phase {
    /// State changes that must precede everything else of their instant,
    /// by rank (the model's lifecycle transitions).
    Lifecycle(u8),
    /// Ordinary events (arrivals, completions, shift changes), first-in
    /// first-out by scheduling sequence.
    Normal,
    /// Deadlines, by rank: they see all the work of their instant, so work
    /// finishing exactly at a deadline counts before it. Each kind has its
    /// own rank, so a deadline never depends on which timer was armed first.
    Deadline(u8),
    /// Observations (time-series samples): the instant's final state.
    Observe,
}

impl Phase {
    /// The phase as one byte whose order is the tie order: `Lifecycle`
    /// ranks 0..=63, `Normal` 64, `Deadline` ranks from 65, `Observe` 255.
    /// (The model uses lifecycle ranks 0–1 and deadline ranks 0–5; a larger
    /// rank saturates, which a unit test would show.)
    #[inline]
    fn rank(self) -> u64 {
        match self {
            Phase::Lifecycle(n) => u64::from(n.min(63)),
            Phase::Normal => 64,
            Phase::Deadline(n) => 65 + u64::from(n.min(189)),
            Phase::Observe => 255,
        }
    }
}

/// Bits of [`Entry::order`] below the phase's rank: the scheduling
/// sequence (2^56 events, far past any run's event limit).
const SEQ_BITS: u32 = 56;

/// One pending event. The key (time, phase, sequence) is two words, the
/// phase's rank packed above the sequence, so that ordering two entries is
/// two integer comparisons (the heap's sift loops are the hottest code of a
/// run).
struct Entry<E> {
    time: SimTime,
    /// `rank << 56 | seq`.
    order: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.order == other.order
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed: `BinaryHeap` is a max-heap and the earliest key comes first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.order).cmp(&(self.time, self.order))
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time` in the normal phase (FIFO among equals).
    pub fn schedule(&mut self, time: SimTime, event: E) {
        self.schedule_in_phase(time, Phase::Normal, event);
    }

    pub fn schedule_in_phase(&mut self, time: SimTime, phase: Phase, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry {
            time,
            order: phase.rank() << SEQ_BITS | seq,
            event,
        });
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes and returns the next event.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_come_out_in_scheduling_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime::from_micros(10), 'b');
        q.schedule(SimTime::from_micros(5), 'a');
        q.schedule(SimTime::from_micros(10), 'c');
        q.schedule(SimTime::from_micros(10), 'd');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['a', 'b', 'c', 'd']);
    }

    #[test]
    fn one_tie_order_whatever_the_scheduling_order() {
        let t = SimTime::from_micros(10);
        let mut q = EventQueue::new();
        q.schedule_in_phase(t, Phase::Observe, "sample");
        q.schedule_in_phase(t, Phase::Deadline(3), "idle");
        q.schedule_in_phase(t, Phase::Deadline(0), "retention");
        q.schedule(t, "arrival");
        q.schedule_in_phase(t, Phase::Lifecycle(1), "in_progress");
        q.schedule_in_phase(t, Phase::Lifecycle(0), "stop");
        q.schedule(t, "completion");
        let order: Vec<&str> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            [
                "stop",
                "in_progress",
                "arrival",
                "completion",
                "retention",
                "idle",
                "sample"
            ]
        );
    }

    #[test]
    fn phase_ranks_keep_the_derived_tie_order() {
        let mut phases = vec![Phase::Normal, Phase::Observe];
        for n in 0..=63 {
            phases.push(Phase::Lifecycle(n));
        }
        for n in 0..=189 {
            phases.push(Phase::Deadline(n));
        }
        for a in &phases {
            for b in &phases {
                assert_eq!(a.cmp(b), a.rank().cmp(&b.rank()), "{a:?} vs {b:?}");
            }
        }
    }
}
