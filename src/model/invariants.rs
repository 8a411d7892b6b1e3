//! SPEC §5: the conservation laws every run must satisfy, checked at the end
//! of every replication (tests and release alike). A violation is a bug in
//! labelsim, reported loudly with the numbers; results are never written.

use super::config::Mode;
use super::metrics::RunSummary;
use std::fmt;

/// A broken invariant. Fatal: the run's numbers cannot be trusted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantViolation {
    /// Which law, in SPEC §5's words.
    pub invariant: &'static str,
    /// The numbers on each side.
    pub details: String,
}

impl fmt::Display for InvariantViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invariant violated: {} ({}). This is a bug in labelsim; no results were written.",
            self.invariant, self.details
        )
    }
}

impl std::error::Error for InvariantViolation {}

/// What the checks need beyond the summary.
pub struct Ledger<'a> {
    pub summary: &'a RunSummary,
    pub mode: Mode,
    pub k: u32,
    /// Tasks waiting or in a worker's hands when the run ended.
    pub tasks_open_at_end: u64,
    /// Times a worker was handed a second task of one object (R2).
    pub distinct_worker_violations: u64,
    /// ∫ (queue level + A level) dt over the run, from the level
    /// trackers [object·µs].
    pub in_system_area_us: u128,
    /// Σ over accepted objects of their time in the system, truncated at the
    /// end of the run, from acceptance and departure instants \[µs\].
    pub sojourn_us: u128,
    /// ∫ busy workers dt over the run, from the level tracker [worker·µs].
    pub busy_area_us: u128,
    /// Σ over tasks of their time in a worker's hands, from each holding's
    /// start and end instants, truncated at the end of the run \[µs\].
    pub held_us: u128,
    /// Labels made and tasks submitted during the job's life.
    pub labeled_in_life: u64,
    pub submitted_in_life: u64,
    /// SPEC §6: messages producers sent to a pipeline queue instead of the
    /// job, and messages the pipeline routed to the job (P6).
    pub sent_to_pipeline: u64,
    pub routed_from_pipeline: u64,
}

fn violation(invariant: &'static str, details: String) -> Result<(), InvariantViolation> {
    Err(InvariantViolation { invariant, details })
}

/// Checks every invariant; the first broken one is returned.
pub fn check(l: &Ledger<'_>) -> Result<(), InvariantViolation> {
    let s = l.summary;
    let rhs =
        s.objects_accepted + s.duplicates_dropped + s.lost_not_in_progress + s.lost_after_stop;
    if s.messages_received != rhs {
        return violation(
            "messages_received = objects_accepted + duplicates_dropped + lost_not_in_progress + lost_after_stop",
            format!(
                "{} != {} + {} + {} + {}",
                s.messages_received,
                s.objects_accepted,
                s.duplicates_dropped,
                s.lost_not_in_progress,
                s.lost_after_stop
            ),
        );
    }
    let rhs = s.objects_labeled
        + s.objects_failed
        + s.expired_in_queue
        + s.stranded_at_stop
        + s.queued_at_end
        + s.in_progress_at_end;
    if s.objects_accepted != rhs {
        return violation(
            "objects_accepted = objects_labeled + objects_failed + expired_in_queue + stranded_at_stop + queued_at_end + in_progress_at_end",
            format!(
                "{} != {} + {} + {} + {} + {} + {}",
                s.objects_accepted,
                s.objects_labeled,
                s.objects_failed,
                s.expired_in_queue,
                s.stranded_at_stop,
                s.queued_at_end,
                s.in_progress_at_end
            ),
        );
    }
    if s.available_max > l.k as u64 {
        let what = match l.mode {
            Mode::Streaming => "A <= K at all times (streaming)",
            Mode::Batch => "a batch wave holds at most K objects",
        };
        return violation(
            what,
            format!("available_max {} > K {}", s.available_max, l.k),
        );
    }
    if l.distinct_worker_violations > 0 {
        return violation(
            "no worker holds two tasks of one object",
            format!("{} repeated assignments", l.distinct_worker_violations),
        );
    }
    // Little's law on the run's own sample path: the area under the queue
    // and A levels equals the summed time in system of the objects. Exact in
    // integer µs; the two sides are computed along independent paths.
    if l.in_system_area_us != l.sojourn_us {
        return violation(
            "Little's law (area under queue + available levels = summed time in system)",
            format!("{} != {} object·µs", l.in_system_area_us, l.sojourn_us),
        );
    }
    // The same for workers: the busy level's area equals the summed holding
    // times of the tasks.
    if l.busy_area_us != l.held_us {
        return violation(
            "busy worker-time (level) = summed task holding times",
            format!("{} != {} worker·µs", l.busy_area_us, l.held_us),
        );
    }
    // Physical bounds (SPEC §5).
    if let Some(u) = s.worker_utilization {
        if !(0.0..=1.0).contains(&u) {
            return violation(
                "worker_utilization <= 1 (busy time within on-shift time + overtime)",
                format!("worker_utilization {u}"),
            );
        }
    }
    if l.labeled_in_life > l.submitted_in_life {
        return violation(
            "labels made during the job's life <= tasks submitted in it (each label needs a submission by the team)",
            format!("{} labels > {} submissions", l.labeled_in_life, l.submitted_in_life),
        );
    }
    let task_rhs = s.tasks_submitted
        + s.tasks_declined
        + s.tasks_expired
        + s.tasks_withdrawn
        + s.tasks_dropped
        + l.tasks_open_at_end;
    if s.tasks_created != task_rhs {
        return violation(
            "tasks_created = submitted + declined + expired + withdrawn + dropped + open at end",
            format!(
                "{} != {} + {} + {} + {} + {} + {}",
                s.tasks_created,
                s.tasks_submitted,
                s.tasks_declined,
                s.tasks_expired,
                s.tasks_withdrawn,
                s.tasks_dropped,
                l.tasks_open_at_end
            ),
        );
    }
    // SPEC §6: a pipeline takes producers' messages and routes some to the job.
    if s.messages_produced + s.redeliveries + l.routed_from_pipeline
        != s.messages_received + s.held_at_end + l.sent_to_pipeline
    {
        return violation(
            "messages_produced + redeliveries = messages_received + held_at_end",
            format!(
                "{} + {} (+ {} routed by the pipeline) != {} + {} (+ {} sent to the pipeline)",
                s.messages_produced,
                s.redeliveries,
                l.routed_from_pipeline,
                s.messages_received,
                s.held_at_end,
                l.sent_to_pipeline
            ),
        );
    }
    if s.objects_dispatched != s.objects_labeled + s.objects_failed + s.in_progress_at_end {
        return violation(
            "objects_dispatched = objects_labeled + objects_failed + in_progress_at_end",
            format!(
                "{} != {} + {} + {}",
                s.objects_dispatched, s.objects_labeled, s.objects_failed, s.in_progress_at_end
            ),
        );
    }
    Ok(())
}

/// SPEC §6 P9: the pipeline's ledgers (per queue and consumer), checked at
/// the end of every run like the job's invariants.
pub fn check_pipeline(p: &super::pipeline::Pipeline) -> Result<(), InvariantViolation> {
    p.check_ledgers().map_err(|details| InvariantViolation {
        invariant: "P9 pipeline ledgers",
        details,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger(s: &RunSummary) -> Ledger<'_> {
        Ledger {
            summary: s,
            mode: Mode::Streaming,
            k: 10,
            tasks_open_at_end: 0,
            distinct_worker_violations: 0,
            in_system_area_us: 0,
            sojourn_us: 0,
            busy_area_us: 0,
            held_us: 0,
            labeled_in_life: 0,
            submitted_in_life: 0,
            sent_to_pipeline: 0,
            routed_from_pipeline: 0,
        }
    }

    #[test]
    fn a_lost_message_is_caught() {
        let s = RunSummary {
            messages_received: 3,
            messages_produced: 3,
            objects_accepted: 2,
            objects_dispatched: 2,
            objects_labeled: 2,
            ..Default::default()
        };
        let err = check(&ledger(&s)).unwrap_err();
        assert!(err.invariant.starts_with("messages_received"), "{err}");
    }

    #[test]
    fn available_above_k_is_caught() {
        let s = RunSummary {
            available_max: 11,
            ..Default::default()
        };
        let err = check(&ledger(&s)).unwrap_err();
        assert!(err.invariant.contains("A <= K"), "{err}");
    }

    #[test]
    fn littles_law_mismatch_is_caught() {
        let s = RunSummary::default();
        let mut l = ledger(&s);
        l.in_system_area_us = 5;
        assert!(check(&l).unwrap_err().invariant.contains("Little"));
    }

    #[test]
    fn consistent_ledger_passes() {
        let s = RunSummary {
            messages_received: 3,
            messages_produced: 3,
            objects_accepted: 2,
            duplicates_dropped: 1,
            objects_dispatched: 2,
            objects_labeled: 2,
            tasks_created: 2,
            tasks_submitted: 2,
            ..Default::default()
        };
        check(&ledger(&s)).unwrap();
    }
}
