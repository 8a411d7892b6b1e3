//! The future-event list: a binary heap keyed by (time, phase, sequence).
//!
//! Events at equal times come out in a fixed order (SPEC §1): first by
//! [`Phase`] (normal events before end-of-instant checks), then first-in,
//! first-out by the order in which they were scheduled. Push and pop cost
//! O(log n) in the number of pending events; the heap's storage is reused, so
//! the hot path does not allocate once it has grown to its working size.

use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Where an event sits among the events of one instant.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Phase {
    /// Ordinary events, first-in first-out by scheduling sequence.
    Normal = 0,
    /// Checks that must see everything else that happens at that instant
    /// (the R8 idle stop: "idle for *more* than" the timeout).
    EndOfInstant = 1,
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

    /// Schedules `event` at `time` in the normal phase.
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
    fn end_of_instant_phase_runs_after_later_scheduled_normal_events() {
        let mut q = EventQueue::new();
        q.schedule_in_phase(SimTime::from_micros(10), Phase::EndOfInstant, "idle");
        q.schedule(SimTime::from_micros(10), "arrival");
        assert_eq!(q.pop().unwrap().1, "arrival");
        assert_eq!(q.pop().unwrap().1, "idle");
    }
}
