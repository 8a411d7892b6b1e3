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

/// Bits of an entry's key below the phase's rank: the scheduling
/// sequence (2^56 events, far past any run's event limit).
const SEQ_BITS: u32 = 56;

/// One pending event. The key (time, phase, sequence) is one 128-bit
/// integer, the time in the high word and the phase's rank packed above the
/// sequence in the low word, so that ordering two entries is one wide
/// comparison without branches (the heap's sift loops are the hottest code
/// of a run).
struct Entry<E> {
    /// `time << 64 | rank << 56 | seq`.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    #[inline]
    fn time(&self) -> SimTime {
        SimTime::from_micros((self.key >> 64) as u64)
    }
}

// Reversed throughout: `BinaryHeap` is a max-heap and the earliest key
// comes first. The comparisons are spelled out so that the sift loops use
// them directly.
impl<E> PartialEq for Entry<E> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
    #[inline]
    fn lt(&self, other: &Self) -> bool {
        other.key < self.key
    }
    #[inline]
    fn le(&self, other: &Self) -> bool {
        other.key <= self.key
    }
    #[inline]
    fn gt(&self, other: &Self) -> bool {
        other.key > self.key
    }
    #[inline]
    fn ge(&self, other: &Self) -> bool {
        other.key >= self.key
    }
}
impl<E> Ord for Entry<E> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    /// The root was handed out by [`EventQueue::pop`] and still sits in the
    /// heap. Most handlers schedule an event: the first one then takes the
    /// root's place (one sift down) instead of a pop's sift and a push's;
    /// anything else removes the spent root first.
    spent_root: bool,
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
            spent_root: false,
        }
    }

    /// Schedules `event` at `time` in the normal phase (FIFO among equals).
    pub fn schedule(&mut self, time: SimTime, event: E) {
        self.schedule_in_phase(time, Phase::Normal, event);
    }

    #[inline]
    pub fn schedule_in_phase(&mut self, time: SimTime, phase: Phase, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let entry = Entry {
            key: (time.as_micros() as u128) << 64 | (phase.rank() << SEQ_BITS | seq) as u128,
            event,
        };
        if self.spent_root {
            self.spent_root = false;
            // The spent root is overwritten; dropping the guard sifts the
            // new entry down to its place.
            *self.heap.peek_mut().expect("the spent root") = entry;
        } else {
            self.heap.push(entry);
        }
    }

    /// Removes the root handed out by the last pop, if still there.
    #[inline]
    fn drop_spent_root(&mut self) {
        if self.spent_root {
            self.spent_root = false;
            self.heap.pop();
        }
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.drop_spent_root();
        self.heap.peek().map(|e| e.time())
    }

    pub fn len(&self) -> usize {
        self.heap.len() - self.spent_root as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<E: Copy> EventQueue<E> {
    /// Removes and returns the next event. (It leaves the heap lazily: see
    /// `spent_root`; the order events come out in is the keys' order
    /// whatever the heap's shape, as every key is distinct.)
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_until(SimTime::MAX)
    }

    /// [`EventQueue::pop`] when the next event is due at or before
    /// `until`; otherwise none, and the event stays.
    #[inline]
    pub fn pop_until(&mut self, until: SimTime) -> Option<(SimTime, E)> {
        self.drop_spent_root();
        let top = self.heap.peek()?;
        let t = top.time();
        if t > until {
            return None;
        }
        let next = (t, top.event);
        self.spent_root = true;
        Some(next)
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
    fn a_spent_root_is_replaced_or_removed_and_never_seen_again() {
        // Pops interleaved with schedules (none, one, several per pop)
        // against a reference list kept sorted by (time, phase, sequence).
        let mut q = EventQueue::new();
        let mut reference: Vec<(u64, u64, u64, u32)> = Vec::new();
        let (mut seq, mut z, mut now) = (0_u64, 7_u64, 0_u64);
        let mut add = |q: &mut EventQueue<u32>, r: &mut Vec<_>, t: u64, z: u64| {
            let phase = [Phase::Normal, Phase::Deadline(1), Phase::Lifecycle(0)][(z % 3) as usize];
            q.schedule_in_phase(SimTime::from_micros(t), phase, seq as u32);
            r.push((t, phase.rank(), seq, seq as u32));
            seq += 1;
        };
        for _ in 0..20 {
            z = crate::engine::rng::splitmix64(z);
            add(&mut q, &mut reference, z % 100, z);
        }
        for _ in 0..5_000 {
            assert_eq!(q.len(), reference.len());
            reference.sort_unstable();
            let Some((t, ev)) = q.pop() else {
                assert!(reference.is_empty());
                break;
            };
            let (rt, _, _, rev) = reference.remove(0);
            assert_eq!((t.as_micros(), ev), (rt, rev));
            now = now.max(t.as_micros());
            z = crate::engine::rng::splitmix64(z);
            for k in 0..(z % 4) {
                // Some at this very instant (ties), most later.
                let at = if k == 1 { now } else { now + (z >> 8) % 50 };
                add(&mut q, &mut reference, at, z >> k);
            }
            if z % 7 == 0 {
                assert_eq!(
                    q.peek_time().map(SimTime::as_micros),
                    reference.iter().min().map(|r| r.0)
                );
            }
        }
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
