//! The job's lifecycle: its states (R1), the waves of a batch job (R4),
//! the Mechanical Turk pilot (R5), the idle stop (R8) and the snapshot of
//! the job's end that job-life averages read.
//!
//! R1: a job is Initializing, then InProgress, then Ended (stopped by
//! hand, by the idle stop, by a batch job's `max_runtime`, or completed).
//! Only an InProgress job accepts messages. R8: a streaming job stops once
//! it has been idle for more than `idle_timeout`, idle meaning no input
//! (or no input and nothing in the system, by `idle_definition`); one
//! timer, armed for the earliest possible deadline and re-armed when it
//! finds input since. The component owns these states and answers through
//! return values: the simulation schedules what it is told to and does
//! what an end means to the other components (stranding, withdrawal).

use super::workers::GroupAreas;
use crate::engine::SimTime;
use crate::model::config::{IdleDefinition, Mode, SimConfig, Workforce};
use crate::model::metrics::EndState;

/// R5: the Mechanical Turk pilot batch.
pub const MTURK_PILOT_OBJECTS: u32 = 10;

/// R1: the job's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobState {
    Initializing,
    InProgress,
    Ended,
}

/// R5 pilot bookkeeping.
#[derive(Clone, Copy, Debug)]
struct Pilot {
    size: u32,
    dispatched: u32,
    resolved: u32,
}

/// R5, for streaming refills: where the pilot stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PilotStage {
    /// Pilot objects are still to dispatch or resolve: queued objects wait
    /// unless the pilot has room.
    Running,
    /// The pilot just finished (now forgotten): normal dispatch begins as
    /// at job start.
    JustDone,
    /// No pilot (not Mechanical Turk, or long done).
    Over,
}

/// R8: what the idle timer found when it fired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdleCheck {
    /// Idle for the timeout: the job stops (StoppedIdle).
    Stop,
    /// Input or work came since: the timer is re-armed for this instant.
    RearmAt(SimTime),
    /// Not idle-stoppable now (batch, not InProgress, not empty).
    Nothing,
}

/// Snapshot of integrals at the job's end, for job-life averages.
#[derive(Clone, Default)]
pub(crate) struct EndSnapshot {
    pub at: SimTime,
    pub backlog_area: u128,
    pub available_area: u128,
    pub busy_area: u128,
    pub on_shift_area: u128,
    /// Busy worker-time outside shifts (a task in hand at shift end).
    pub overtime_area: u128,
    /// Labels made and tasks submitted during the job's life.
    pub labeled: u64,
    pub submitted: u64,
    /// Each worker group's worker-time.
    pub groups: Vec<GroupAreas>,
}

/// The job's lifecycle (R1, R4, R5, R8).
pub(crate) struct Lifecycle {
    state: JobState,
    end_state: Option<EndState>,
    end: EndSnapshot,
    /// When the job became InProgress, if it did.
    in_progress_at: Option<SimTime>,
    /// R8: the armed idle deadline, if any.
    idle_timer: Option<SimTime>,
    /// R8: the last message received, and when the system last emptied.
    last_input: SimTime,
    empty_since: SimTime,
    pilot: Option<Pilot>,
    /// R4: objects of the current wave not yet resolved.
    wave_outstanding: u32,
}

impl Lifecycle {
    pub fn new(cfg: &SimConfig) -> Self {
        let pilot = (cfg.job.workforce == Workforce::Mturk).then(|| Pilot {
            size: MTURK_PILOT_OBJECTS.min(cfg.job.max_concurrent_task_count),
            dispatched: 0,
            resolved: 0,
        });
        Lifecycle {
            state: JobState::Initializing,
            end_state: None,
            end: EndSnapshot::default(),
            in_progress_at: None,
            idle_timer: None,
            last_input: SimTime::ZERO,
            empty_since: SimTime::ZERO,
            pilot,
            wave_outstanding: 0,
        }
    }

    #[inline]
    pub fn state(&self) -> JobState {
        self.state
    }

    #[inline]
    pub fn in_progress(&self) -> bool {
        self.state == JobState::InProgress
    }

    #[inline]
    pub fn ended(&self) -> bool {
        self.state == JobState::Ended
    }

    /// R1: Initializing → InProgress at `now`; false when the job was
    /// stopped during initialization.
    pub fn start(&mut self, now: SimTime) -> bool {
        if self.state != JobState::Initializing {
            return false;
        }
        self.state = JobState::InProgress;
        self.in_progress_at = Some(now);
        self.last_input = now;
        self.empty_since = now;
        true
    }

    /// R1: the job ends `how`; `snapshot` holds the integrals at the end.
    pub fn end(&mut self, how: EndState, snapshot: EndSnapshot) {
        self.state = JobState::Ended;
        self.end_state = Some(how);
        self.end = snapshot;
    }

    /// At the horizon, for a job still running (no end state yet): its
    /// life ends InProgress there, with `snapshot`'s integrals.
    pub fn close(&mut self, snapshot: EndSnapshot) {
        debug_assert!(self.end_state.is_none(), "the job ended before");
        self.end_state = Some(EndState::InProgress);
        self.end = snapshot;
    }

    pub fn end_state(&self) -> Option<EndState> {
        self.end_state
    }

    pub fn in_progress_at(&self) -> Option<SimTime> {
        self.in_progress_at
    }

    /// The snapshot of the job's end, taken out (once, at the report).
    pub fn take_end(&mut self) -> EndSnapshot {
        std::mem::take(&mut self.end)
    }

    /// After the job ended, at the very instant it ended: a label or a
    /// submission made then (an object resolved by the withdrawal at the
    /// stop, or a task finishing at the stop instant, which the tie order
    /// runs after the stop) still falls in the job's life
    /// `[InProgress, job_end_time_s]` (SPEC §4a).
    #[inline]
    fn at_end_instant(&self, now: SimTime) -> bool {
        self.state == JobState::Ended && now == self.end.at
    }

    /// A label made at `now`: counted in the job's life if the job ended at
    /// this very instant (before, the snapshot is not taken yet).
    #[inline]
    pub fn labeled_at(&mut self, now: SimTime) {
        if self.at_end_instant(now) {
            self.end.labeled += 1;
        }
    }

    /// A task submitted at `now` (see [`Lifecycle::labeled_at`]).
    #[inline]
    pub fn submitted_at(&mut self, now: SimTime) {
        if self.at_end_instant(now) {
            self.end.submitted += 1;
        }
    }

    // ----- R8 idle stop -----------------------------------------------------

    /// R8: any message received is input.
    #[inline]
    pub fn input(&mut self, now: SimTime) {
        self.last_input = now;
    }

    /// The instant at which the job will have been idle for the timeout, if
    /// it is idle now (`system_empty`: nothing queued or available).
    fn idle_deadline(&self, cfg: &SimConfig, system_empty: bool) -> Option<SimTime> {
        if cfg.job.mode != Mode::Streaming || self.state != JobState::InProgress {
            return None;
        }
        let idle_since = match cfg.job.idle_definition {
            IdleDefinition::NoInput => self.last_input,
            IdleDefinition::NoInputAndNoWork => {
                if !system_empty {
                    return None;
                }
                self.last_input.max(self.empty_since)
            }
        };
        Some(idle_since + cfg.job.idle_timeout)
    }

    /// Arms the idle timer unless one is armed: the instant to schedule the
    /// idle check at, if any.
    pub fn arm_idle(&mut self, cfg: &SimConfig, system_empty: bool) -> Option<SimTime> {
        if self.idle_timer.is_some() {
            return None;
        }
        let at = self.idle_deadline(cfg, system_empty)?;
        self.idle_timer = Some(at);
        Some(at)
    }

    /// The system became empty at `now`: the idle clock of
    /// `no_input_and_no_work` starts; returns the idle check to schedule.
    #[inline]
    pub fn emptied(&mut self, now: SimTime, cfg: &SimConfig) -> Option<SimTime> {
        if self.state != JobState::InProgress {
            return None;
        }
        self.empty_since = now;
        self.arm_idle(cfg, true)
    }

    /// R8: the idle timer fired at `now` (after every other event of its
    /// instant, so a message arriving exactly at the deadline still counts:
    /// "idle for *more* than").
    pub fn idle_fired(&mut self, now: SimTime, cfg: &SimConfig, system_empty: bool) -> IdleCheck {
        self.idle_timer = None;
        match self.idle_deadline(cfg, system_empty) {
            Some(at) if at <= now => IdleCheck::Stop,
            Some(_) => match self.arm_idle(cfg, system_empty) {
                Some(at) => IdleCheck::RearmAt(at),
                None => IdleCheck::Nothing,
            },
            None => IdleCheck::Nothing,
        }
    }

    // ----- R5 pilot ---------------------------------------------------------

    /// R5: whether the pilot lets one more object be dispatched.
    #[inline]
    pub fn pilot_allows_dispatch(&self) -> bool {
        self.pilot.is_none_or(|p| p.dispatched < p.size)
    }

    /// An object is dispatched: whether it belongs to the pilot.
    #[inline]
    pub fn dispatched(&mut self) -> bool {
        match &mut self.pilot {
            Some(p) => {
                p.dispatched += 1;
                true
            }
            None => false,
        }
    }

    /// An object of the pilot resolved.
    #[inline]
    pub fn pilot_resolved(&mut self) {
        if let Some(p) = &mut self.pilot {
            p.resolved += 1;
        }
    }

    /// R5 in a streaming job: where the pilot stands (forgotten once done).
    #[inline]
    pub fn streaming_pilot(&mut self) -> PilotStage {
        match self.pilot {
            None => PilotStage::Over,
            Some(p) if p.dispatched < p.size || p.resolved < p.size => PilotStage::Running,
            Some(_) => {
                self.pilot = None;
                PilotStage::JustDone
            }
        }
    }

    // ----- R4 waves ---------------------------------------------------------

    /// R4: whether a new wave may start (the job InProgress, every object
    /// of the current wave resolved).
    #[inline]
    pub fn wave_done(&self) -> bool {
        self.wave_outstanding == 0 && self.state == JobState::InProgress
    }

    /// R4/R5: the size of the next wave: the pilot is the first wave.
    pub fn next_wave_size(&mut self, k: u32) -> u32 {
        match self.pilot {
            Some(p) if p.dispatched == 0 => p.size,
            Some(_) => {
                self.pilot = None;
                k
            }
            None => k,
        }
    }

    /// R4: an object of the wave was dispatched.
    #[inline]
    pub fn wave_dispatched(&mut self) {
        self.wave_outstanding += 1;
    }

    /// R4: an object of the wave resolved.
    #[inline]
    pub fn wave_resolved(&mut self) {
        self.wave_outstanding -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;
    use crate::scenario::Scenario;

    fn config() -> SimConfig {
        let mut cfg = Scenario::bundled().sim;
        cfg.job.mode = Mode::Streaming;
        cfg.job.idle_definition = IdleDefinition::NoInput;
        cfg.job.idle_timeout = SimDuration::from_micros(10);
        cfg
    }

    #[test]
    fn only_an_initializing_job_starts_and_labels_at_the_end_instant_count_in_its_life() {
        let cfg = config();
        let mut life = Lifecycle::new(&cfg);
        assert_eq!(life.state(), JobState::Initializing);
        assert!(life.start(SimTime::from_micros(5)));
        assert!(!life.start(SimTime::from_micros(6)), "already started");
        assert_eq!(life.in_progress_at(), Some(SimTime::from_micros(5)));
        life.end(
            EndState::StoppedManual,
            EndSnapshot {
                at: SimTime::from_micros(7),
                ..EndSnapshot::default()
            },
        );
        assert!(life.ended());
        life.labeled_at(SimTime::from_micros(7));
        life.labeled_at(SimTime::from_micros(8));
        assert_eq!(life.end_state(), Some(EndState::StoppedManual));
        assert_eq!(life.take_end().labeled, 1, "only at the end instant");
    }

    #[test]
    fn the_idle_timer_rearms_on_input_and_stops_once_idle_long_enough() {
        let cfg = config();
        let mut life = Lifecycle::new(&cfg);
        assert_eq!(life.arm_idle(&cfg, true), None, "not InProgress");
        life.start(SimTime::ZERO);
        assert_eq!(life.arm_idle(&cfg, true), Some(SimTime::from_micros(10)));
        assert_eq!(life.arm_idle(&cfg, true), None, "one timer at a time");
        life.input(SimTime::from_micros(4));
        assert_eq!(
            life.idle_fired(SimTime::from_micros(10), &cfg, true),
            IdleCheck::RearmAt(SimTime::from_micros(14))
        );
        assert_eq!(
            life.idle_fired(SimTime::from_micros(14), &cfg, true),
            IdleCheck::Stop
        );
    }
}
