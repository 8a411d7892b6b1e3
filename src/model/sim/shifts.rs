//! Who is at work (R7 shifts, S1 scheduled counts): a worker group going
//! on or off shift, or its count changing; busy workers finish on
//! overtime.

use super::{Event, Fault, Simulation};

impl Simulation<'_> {
    pub(super) fn set_group_shift(&mut self, g: usize, on: bool) {
        let no_overtime = self.faulty(Fault::NoOvertime);
        self.workforce
            .set_group_shift(self.engine.now, g, on, no_overtime);
        self.acct
            .staff(self.engine.now, g, self.workforce.group_on_count(g));
    }

    /// S1: group `g`'s count becomes `count` (a drop lets busy workers
    /// finish on overtime; added workers start at once).
    pub(super) fn set_group_count(&mut self, g: usize, count: u32) {
        let no_overtime = self.faulty(Fault::NoOvertime);
        self.workforce
            .set_group_count(self.engine.now, g, count, no_overtime);
        self.acct
            .staff(self.engine.now, g, self.workforce.group_on_count(g));
    }

    pub(super) fn on_staff_change(&mut self, g: usize) {
        let Some(schedule) = &self.cfg.workers[g].schedule else {
            return;
        };
        let next = schedule.next_change_after(self.engine.now);
        self.sync_group(g);
        if let Some(t) = next {
            self.schedule(t, Event::StaffChange(g as u16));
        }
        // Added workers take waiting tasks at once: `handle` matches the
        // pool after every event.
    }

    pub(super) fn on_shift_change(&mut self, g: usize) {
        let (_, next) = self.cfg.workers[g]
            .shifts
            .state_at(self.engine.now, self.cfg.start_at_epoch_us);
        self.sync_group(g);
        if let Some(t) = next {
            self.schedule(t, Event::ShiftChange(g as u16));
        }
    }

    /// Group `g`'s shift (R7) and scheduled count (S1) as they are at this
    /// instant. When a shift boundary and a step of the count fall on the
    /// same instant, the first of the two events applies both, whichever
    /// was scheduled first, and the pool is matched only after it: workers
    /// added as the shift ends take no task, and a shift that begins as the
    /// count drops starts with the new count. The second event finds
    /// nothing to change.
    fn sync_group(&mut self, g: usize) {
        let now = self.engine.now;
        let group = &self.cfg.workers[g];
        let (on, _) = group.shifts.state_at(now, self.cfg.start_at_epoch_us);
        let count = group.schedule.as_ref().map(|s| s.count_at(now));
        if on != self.workforce.group_on_shift(g) {
            self.set_group_shift(g, on);
        }
        if let Some(count) = count {
            if count != self.workforce.group_rostered(g) {
                self.set_group_count(g, count);
            }
        }
    }
}
