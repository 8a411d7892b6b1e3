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
        let (count, next) = (
            schedule.count_at(self.engine.now),
            schedule.next_change_after(self.engine.now),
        );
        self.set_group_count(g, count);
        if let Some(t) = next {
            self.schedule(t, Event::StaffChange(g as u16));
        }
        // Added workers take waiting tasks at once: `handle` matches the
        // pool after every event.
    }

    pub(super) fn on_shift_change(&mut self, g: usize) {
        let (on, next) = self.cfg.workers[g]
            .shifts
            .state_at(self.engine.now, self.cfg.start_at_epoch_us);
        if on != self.workforce.group_on_shift(g) {
            self.set_group_shift(g, on);
        }
        if let Some(t) = next {
            self.schedule(t, Event::ShiftChange(g as u16));
        }
    }
}
