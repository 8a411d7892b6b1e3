//! Payloads parked beside the event list: an event carries a 32-bit slot
//! instead of a large value, so every event stays small (the event list's
//! sift loops move whole events; issue 19). Slots are reused once taken, so
//! the slab holds only what is pending and the hot path does not allocate
//! once it has grown to its working size.

/// Values waiting for their event, each at a slot.
#[derive(Clone, Debug)]
pub struct Slab<T> {
    values: Vec<Option<T>>,
    free: Vec<u32>,
}

impl<T> Default for Slab<T> {
    fn default() -> Self {
        Slab {
            values: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<T> Slab<T> {
    /// Parks `value`; its slot, for the event that will take it back.
    #[inline]
    pub fn put(&mut self, value: T) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.values[slot as usize] = Some(value);
                slot
            }
            None => {
                self.values.push(Some(value));
                u32::try_from(self.values.len() - 1).expect("fewer than 2^32 pending values")
            }
        }
    }

    /// Takes back the value parked at `slot` (once).
    #[inline]
    pub fn take(&mut self, slot: u32) -> T {
        let value = self.values[slot as usize]
            .take()
            .expect("a slot is taken once");
        self.free.push(slot);
        value
    }

    /// Values parked and not yet taken.
    pub fn len(&self) -> usize {
        self.values.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_come_back_with_their_values_and_are_reused() {
        let mut s = Slab::default();
        let a = s.put("a");
        let b = s.put("b");
        assert_eq!(s.take(a), "a");
        let c = s.put("c");
        assert_eq!(c, a, "a taken slot is reused");
        assert_eq!(s.take(b), "b");
        assert_eq!(s.take(c), "c");
        assert!(s.is_empty());
    }
}
