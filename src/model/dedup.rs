//! R9 deduplication IDs and the set of IDs seen during the job's life.
//!
//! Every message carries three identities, each a counter in its own
//! namespace: the SNS publish (SNS message ID), the logical object (the value
//! of an attribute such as `source-ref`), and the S3 upload (URI +
//! sequencer). The deduplication ID is one of them, chosen by the source and
//! `job.dedup_key`. Since IDs are dense counters, the "seen" set is a bitset:
//! one bit per ID ever issued (1.25 MB per 10 million messages), O(1) lookups.

/// R9: which message field is the deduplication ID for SNS-sourced messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DedupKey {
    /// The SNS message ID: redeliveries are caught, producer retries are not.
    SnsMessageId,
    /// A message attribute naming the object (e.g. `source-ref`): retries
    /// and re-sends of the same object are caught too.
    Attribute(String),
}

/// Where a producer's messages come from (R9/R10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Sns,
    S3,
}

/// The identities of one delivered message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MessageIds {
    /// SNS message ID: new for every publish, repeated by SNS redelivery.
    pub publish: u64,
    /// The object the message refers to: repeated by retries and re-sends.
    pub object_key: u64,
    /// The S3 upload (URI + sequencer): repeated by duplicate event
    /// delivery, and by a producer retry into a pipeline, where it names
    /// the index document (P8: a retry is the same object).
    pub upload: u64,
}

/// Which namespace is the deduplication ID for a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DedupNamespace {
    Publish,
    ObjectKey,
    Upload,
}

impl DedupNamespace {
    /// R9: S3-sourced objects use URI + sequencer whatever the key; SNS
    /// messages use the SNS message ID or the chosen attribute.
    pub fn for_message(source: Source, key: &DedupKey) -> Self {
        match (source, key) {
            (Source::S3, _) => DedupNamespace::Upload,
            (Source::Sns, DedupKey::SnsMessageId) => DedupNamespace::Publish,
            (Source::Sns, DedupKey::Attribute(_)) => DedupNamespace::ObjectKey,
        }
    }

    fn pick(self, ids: MessageIds) -> u64 {
        match self {
            DedupNamespace::Publish => ids.publish,
            DedupNamespace::ObjectKey => ids.object_key,
            DedupNamespace::Upload => ids.upload,
        }
    }
}

/// A growable bitset.
#[derive(Clone, Debug, Default)]
struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// Sets bit `i`; returns whether it was already set.
    #[inline]
    fn test_and_set(&mut self, i: u64) -> bool {
        let (w, b) = ((i >> 6) as usize, i & 63);
        if w >= self.words.len() {
            let new_len = (w + 1).max(self.words.len() * 2);
            self.words.resize(new_len, 0);
        }
        let mask = 1u64 << b;
        let was = self.words[w] & mask != 0;
        self.words[w] |= mask;
        was
    }
}

/// The set of deduplication IDs seen so far, one bitset per namespace.
#[derive(Clone, Debug, Default)]
pub struct SeenIds {
    sets: [BitSet; 3],
}

impl SeenIds {
    /// Records the message's ID in `ns`; true if it had been seen before
    /// (the message is a duplicate and must be dropped).
    #[inline]
    pub fn check_and_insert(&mut self, ns: DedupNamespace, ids: MessageIds) -> bool {
        self.sets[ns as usize].test_and_set(ns.pick(ids))
    }
}

/// Issues fresh identities.
#[derive(Clone, Debug, Default)]
pub struct IdIssuer {
    publish: u64,
    object_key: u64,
    upload: u64,
}

impl IdIssuer {
    pub fn new_publish(&mut self) -> u64 {
        self.publish += 1;
        self.publish
    }
    pub fn new_object_key(&mut self) -> u64 {
        self.object_key += 1;
        self.object_key
    }
    pub fn new_upload(&mut self) -> u64 {
        self.upload += 1;
        self.upload
    }
    /// A brand-new object: new key, new upload, new publish.
    pub fn fresh(&mut self) -> MessageIds {
        MessageIds {
            publish: self.new_publish(),
            object_key: self.new_object_key(),
            upload: self.new_upload(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_follow_r9() {
        let attr = DedupKey::Attribute("source-ref".into());
        assert_eq!(
            DedupNamespace::for_message(Source::Sns, &DedupKey::SnsMessageId),
            DedupNamespace::Publish
        );
        assert_eq!(
            DedupNamespace::for_message(Source::Sns, &attr),
            DedupNamespace::ObjectKey
        );
        assert_eq!(
            DedupNamespace::for_message(Source::S3, &attr),
            DedupNamespace::Upload
        );
    }

    #[test]
    fn seen_set_reports_repeats_only() {
        let mut seen = SeenIds::default();
        let mut ids = IdIssuer::default();
        let a = ids.fresh();
        let b = ids.fresh();
        assert!(!seen.check_and_insert(DedupNamespace::Publish, a));
        assert!(!seen.check_and_insert(DedupNamespace::Publish, b));
        assert!(seen.check_and_insert(DedupNamespace::Publish, a));
        // A retry: same object key, new publish.
        let retry = MessageIds {
            publish: ids.new_publish(),
            ..a
        };
        assert!(!seen.check_and_insert(DedupNamespace::Publish, retry));
        assert!(!seen.check_and_insert(DedupNamespace::ObjectKey, a));
        assert!(seen.check_and_insert(DedupNamespace::ObjectKey, retry));
    }
}
