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

struct Entry<E> {
    time: SimTime,
    phase: Phase,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> Entry<E> {
    fn key(&self) -> (SimTime, Phase, u64) {
        (self.time, self.phase, self.seq)
    }
}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // BinaryHeap is a max-heap: reverse so the earliest key is on top.
        other.key().cmp(&self.key())
    }
}

/// A deterministic priority queue of future events.
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
            phase,
            seq,
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
}
