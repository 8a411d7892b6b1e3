//! The job's SNS input: whether a message becomes an object (R1
//! acceptance, R9 deduplication, R10 the S3 test event), and the objects
//! the pipeline routed to the job (P6), by their publish.
//!
//! R1: only an InProgress job accepts messages; the others are lost and
//! counted by the job's state. R9: a message whose ID (by the producer's
//! source and the job's `dedup_key`: the SNS publish, the object key or
//! the S3 upload) was seen is dropped; an accepted object whose object key
//! was accepted before is an uncaught duplicate, counted (its cost is
//! paid). R10: the `s3:TestEvent` is a message like any other, accepted as
//! an object and counted apart. P6: an object a consumer routes to people
//! is a new SNS publish about the same object; the job remembers it until
//! its label (or its loss) goes back to the pipeline.

use super::lifecycle::JobState;
use crate::model::config::{DedupKey, Source};
use crate::model::dedup::{DedupNamespace, MessageIds, SeenIds};
use crate::model::pipeline::ObjectRef;
use rustc_hash::FxHashMap;

/// The producer of an object the pipeline routed to the job (P6).
pub(crate) const NO_PRODUCER: u16 = u16::MAX;

/// What becomes of a message reaching the job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admission {
    /// R1: the job is still Initializing.
    LostNotInProgress,
    /// R1: the job has ended.
    LostAfterStop,
    /// R9: its ID was seen.
    Duplicate,
    /// A new object.
    Accepted,
}

/// The SNS input's memory: IDs seen, object keys accepted, routed objects.
#[derive(Default)]
pub(crate) struct Intake {
    /// R9: IDs of the messages received, by namespace.
    seen: SeenIds,
    /// Object keys of accepted objects, to count uncaught duplicates.
    accepted_keys: SeenIds,
    duplicate_objects_accepted: u64,
    /// R10: test events accepted as objects.
    test_events_accepted: u64,
    /// P6: job objects routed by the pipeline, by their key (the publish).
    routed: FxHashMap<u64, ObjectRef>,
}

impl Intake {
    /// R1, R9, R10: a message from `source` with `ids` reaches the job in
    /// `state`.
    #[inline]
    pub fn receive(
        &mut self,
        state: JobState,
        dedup_key: &DedupKey,
        source: Source,
        ids: MessageIds,
        test_event: bool,
    ) -> Admission {
        match state {
            JobState::Initializing => return Admission::LostNotInProgress,
            JobState::Ended => return Admission::LostAfterStop,
            JobState::InProgress => {}
        }
        let ns = DedupNamespace::for_message(source, dedup_key);
        if self.seen.check_and_insert(ns, ids) {
            return Admission::Duplicate;
        }
        if test_event {
            self.test_events_accepted += 1;
        }
        if self
            .accepted_keys
            .check_and_insert(DedupNamespace::ObjectKey, ids)
        {
            self.duplicate_objects_accepted += 1;
        }
        Admission::Accepted
    }

    /// Accepted objects whose object key was accepted before (R9).
    pub fn duplicate_objects_accepted(&self) -> u64 {
        self.duplicate_objects_accepted
    }

    /// R10: test events accepted as objects.
    pub fn test_events_accepted(&self) -> u64 {
        self.test_events_accepted
    }

    /// P6: `object` is published to the job under key `publish`.
    #[inline]
    pub fn route(&mut self, publish: u64, object: ObjectRef) {
        self.routed.insert(publish, object);
    }

    /// P6: whether the object keyed `key` came from the pipeline.
    #[inline]
    pub fn is_routed(&self, key: u64) -> bool {
        !self.routed.is_empty() && self.routed.contains_key(&key)
    }

    /// P6: the routed object keyed `key`, forgotten: its label (or its
    /// loss) goes back to the pipeline once.
    #[inline]
    pub fn unroute(&mut self, key: u64) -> Option<ObjectRef> {
        self.routed.remove(&key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(publish: u64, object_key: u64) -> MessageIds {
        MessageIds {
            publish,
            object_key,
            upload: publish,
        }
    }

    #[test]
    fn only_in_progress_accepts_and_a_seen_publish_is_a_duplicate() {
        let mut intake = Intake::default();
        let key = DedupKey::SnsMessageId;
        let m = ids(1, 1);
        assert_eq!(
            intake.receive(JobState::Initializing, &key, Source::Sns, m, false),
            Admission::LostNotInProgress
        );
        assert_eq!(
            intake.receive(JobState::InProgress, &key, Source::Sns, m, true),
            Admission::Accepted,
            "a loss before InProgress is not remembered"
        );
        assert_eq!(
            intake.receive(JobState::InProgress, &key, Source::Sns, m, false),
            Admission::Duplicate
        );
        // A retry: new publish, same object key: accepted, counted.
        assert_eq!(
            intake.receive(JobState::InProgress, &key, Source::Sns, ids(2, 1), false),
            Admission::Accepted
        );
        assert_eq!(
            intake.receive(JobState::Ended, &key, Source::Sns, ids(3, 3), false),
            Admission::LostAfterStop
        );
        assert_eq!(intake.duplicate_objects_accepted(), 1);
        assert_eq!(intake.test_events_accepted(), 1);
    }
}
