//! The event loop, owned by the engine: pop the next event, set the clock,
//! count it, hand it to the model. A model is anything with an [`Engine`]
//! (its future-event list, clock and count) and a way to handle its own
//! event type ([`Model`]); the loop is generic over it, monomorphized, with
//! no dynamic dispatch and no allocation per event.
//!
//! The verbs follow nexosim's engine: [`step`] handles one event,
//! [`step_until`] every event up to an instant, [`run`] every event. As in
//! Ciw's `simulation.py`, the loop only picks the next event and lets the
//! model act; what an event means is the model's affair.
//!
//! A model may ask to be consulted every so many events (a budget, a stop
//! switch): [`Engine::check_at`] is the count at which [`Model::checkpoint`]
//! is next called, so the only per-event cost of that is one integer
//! comparison (`u64::MAX`, the default: never).

use super::queue::EventQueue;
use super::time::SimTime;

/// The engine's state, held by the model: the future-event list, the
/// clock and the count of events handled.
pub struct Engine<E> {
    /// Pending events, in (time, phase, sequence) order.
    pub events: EventQueue<E>,
    /// The time of the event being handled (of the last one, between
    /// events).
    pub now: SimTime,
    /// Events handled so far.
    pub handled: u64,
    /// `handled` at which [`Model::checkpoint`] is next called before an
    /// event (`u64::MAX`: never).
    pub check_at: u64,
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Engine<E> {
    /// An empty event list at time zero, with no checkpoint.
    pub fn new() -> Self {
        Engine {
            events: EventQueue::new(),
            now: SimTime::ZERO,
            handled: 0,
            check_at: u64::MAX,
        }
    }
}

/// A simulation model driven by the engine's loop.
pub trait Model {
    /// What the model schedules on its event list (small and `Copy`: the
    /// list hands out a copy of its root, see [`EventQueue::pop`]).
    type Event: Copy;
    /// Why a checkpoint may stop the run ([`std::convert::Infallible`] for
    /// a model that never stops early).
    type Stop;

    /// The engine state the model holds.
    fn engine(&mut self) -> &mut Engine<Self::Event>;

    /// Handles `ev`, due at `now` (the engine's clock is already `now`).
    fn handle(&mut self, now: SimTime, ev: Self::Event);

    /// Called before an event once [`Engine::handled`] reaches
    /// [`Engine::check_at`]; the model moves `check_at` on, or stops the
    /// run with an error.
    #[inline]
    fn checkpoint(&mut self) -> Result<(), Self::Stop> {
        let e = self.engine();
        e.check_at = u64::MAX;
        Ok(())
    }
}

/// Handles the next event, whatever its time: sets the clock to it,
/// counts it and hands it to the model. Returns false when no event is
/// pending. Does not consult [`Model::checkpoint`].
#[inline]
pub fn step<M: Model>(model: &mut M) -> bool {
    step_due(model, SimTime::MAX)
}

/// [`step`] when the next event is due at or before `until`.
#[inline]
fn step_due<M: Model>(model: &mut M, until: SimTime) -> bool {
    let e = model.engine();
    let Some((t, ev)) = e.events.pop_until(until) else {
        return false;
    };
    e.now = t;
    e.handled += 1;
    model.handle(t, ev);
    true
}

/// Handles every event due at or before `until`, in order, consulting the
/// model's checkpoint when its count is reached. Events after `until` stay
/// pending; the clock stays at the last event handled.
#[inline]
pub fn step_until<M: Model>(model: &mut M, until: SimTime) -> Result<(), M::Stop> {
    loop {
        let e = model.engine();
        if e.handled >= e.check_at {
            // Only before an event that is due: a checkpoint that stops the
            // run must not stop one with nothing left to do.
            match e.events.peek_time() {
                Some(t) if t <= until => {}
                _ => return Ok(()),
            }
            model.checkpoint()?;
        }
        if !step_due(model, until) {
            return Ok(());
        }
    }
}

/// Handles every event until none is pending.
#[inline]
pub fn run<M: Model>(model: &mut M) -> Result<(), M::Stop> {
    step_until(model, SimTime::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    /// A tick every second, recording when each came; stops at `stop_at`
    /// handled events when asked to check every 2.
    struct Ticker {
        engine: Engine<u32>,
        seen: Vec<(u64, u32)>,
        checks: u32,
        stop_after: u64,
    }

    impl Model for Ticker {
        type Event = u32;
        type Stop = u64;

        fn engine(&mut self) -> &mut Engine<u32> {
            &mut self.engine
        }

        fn handle(&mut self, now: SimTime, ev: u32) {
            self.seen.push((now.as_micros(), ev));
            if ev < 9 {
                let next = now + SimDuration::from_micros(1_000_000);
                self.engine.events.schedule(next, ev + 1);
            }
        }

        fn checkpoint(&mut self) -> Result<(), u64> {
            self.checks += 1;
            if self.engine.handled >= self.stop_after {
                return Err(self.engine.handled);
            }
            self.engine.check_at = self.engine.handled + 2;
            Ok(())
        }
    }

    fn ticker(check_at: u64, stop_after: u64) -> Ticker {
        let mut engine = Engine::new();
        engine.events.schedule(SimTime::ZERO, 0);
        engine.check_at = check_at;
        Ticker {
            engine,
            seen: Vec::new(),
            checks: 0,
            stop_after,
        }
    }

    #[test]
    fn step_until_handles_events_up_to_and_at_the_instant_then_run_finishes() {
        let mut m = ticker(u64::MAX, u64::MAX);
        assert!(step(&mut m));
        assert_eq!(m.engine.now, SimTime::ZERO);
        step_until(&mut m, SimTime::from_micros(3_000_000)).unwrap();
        assert_eq!(m.engine.handled, 4, "ticks at 0, 1, 2 and 3 s");
        assert_eq!(m.engine.now, SimTime::from_micros(3_000_000));
        assert_eq!(
            m.engine.events.peek_time(),
            Some(SimTime::from_micros(4_000_000))
        );
        run(&mut m).unwrap();
        assert_eq!(m.engine.handled, 10);
        assert_eq!(m.seen.last(), Some(&(9_000_000, 9)));
        assert_eq!(m.checks, 0, "no checkpoint asked for");
        assert!(!step(&mut m), "nothing left");
    }

    #[test]
    fn the_checkpoint_is_consulted_at_its_count_and_can_stop_the_run() {
        let mut m = ticker(0, 5);
        // Consulted with 0, 2, 4 and 6 events handled: stops at the fourth.
        assert_eq!(run(&mut m), Err(6));
        assert_eq!(m.checks, 4);
        assert_eq!(m.engine.handled, 6);
    }
}
