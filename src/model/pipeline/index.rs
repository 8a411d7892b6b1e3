//! P8: the search index. Documents are buffered and sent as bulk requests
//! (by size B or F after the oldest buffered document, at most C in
//! flight); a document is searchable at the first refresh (a multiple of R)
//! at or after its bulk request completes. The document ID is the S3 key +
//! sequencer ([`ObjectRef::doc_id`]): a second write overwrites.

use super::config::IndexConfig;
use super::{LabelPath, ObjectRef, Outcome, PathTimes, PipeEvent, Schedule, ALL};
use crate::engine::stats::{Latency, Mirror};
use crate::engine::{SimDuration, SimRng, SimTime};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

#[derive(Clone, Copy, Debug)]
struct Doc {
    object: ObjectRef,
    path: LabelPath,
    /// Probability that the label is correct (P6: a machine label's
    /// confidence; 1 or 0 for a human label), kept exactly as drawn so
    /// `accuracy_overall` is exact.
    p_correct: f64,
    buffered_at: SimTime,
    /// SPEC §4b: the path that made this label (enqueue, receive, result).
    times: PathTimes,
    /// The document's first write (set when its bulk completes).
    first: bool,
}

/// The index's documents that a later write may still reach: each one's
/// probability of a correct label. A document no copy of which can arrive
/// any more is forgotten ([`DocTable::keep_only`]): the running totals
/// (`indexed_documents`, `correct_sum`) already hold it, so memory follows
/// the objects in the pipeline, not those ever indexed.
#[derive(Clone, Debug, Default)]
pub(super) struct DocTable {
    /// Document ID → (probability, sweep mark).
    docs: FxHashMap<u64, (f64, u32)>,
    /// The current sweep's mark.
    epoch: u32,
    /// Documents forgotten so far (P9: indexed = held + forgotten).
    pub forgotten: u64,
}

impl DocTable {
    /// Sets document `id`'s value; its previous one if it existed.
    #[inline]
    fn put(&mut self, id: u64, p: f64) -> Option<f64> {
        self.docs.insert(id, (p, self.epoch)).map(|(old, _)| old)
    }

    /// Documents held.
    pub(super) fn len(&self) -> usize {
        self.docs.len()
    }

    /// Keeps the documents among `live` (IDs may repeat or be absent) and
    /// forgets the others, keeping the table's capacity. O(held + live).
    pub(super) fn keep_only(&mut self, live: impl Iterator<Item = u64>) {
        self.epoch = self.epoch.wrapping_add(1);
        let epoch = self.epoch;
        for id in live {
            if let Some(e) = self.docs.get_mut(&id) {
                e.1 = epoch;
            }
        }
        let before = self.docs.len();
        self.docs.retain(|_, e| e.1 == epoch);
        self.forgotten += (before - self.docs.len()) as u64;
    }

    /// Documents held, counted by walking the storage (P9).
    fn walk_len(&self) -> u64 {
        self.docs.values().filter(|e| !e.0.is_nan()).count() as u64
    }
}

/// Counters, each incremented where its event happens (P9).
#[derive(Clone, Debug, Default)]
pub(super) struct IndexCounters {
    /// Documents handed to the index (machine and human labels).
    pub writes: u64,
    pub bulk_requests: u64,
    /// Writes whose bulk request completed.
    pub completed: u64,
    /// Distinct documents written.
    pub indexed_documents: u64,
    pub overwrites: u64,
}

pub(super) struct IndexState {
    cfg: IndexConfig,
    rng: SimRng,
    buffer: VecDeque<Doc>,
    bulks: Vec<Vec<Doc>>,
    free_bulks: Vec<u32>,
    in_flight: u32,
    flush_timer: Option<SimTime>,
    awaiting: Vec<Doc>,
    refresh_timer: Option<SimTime>,
    pub docs: DocTable,
    pub c: IndexCounters,
    /// Σ over distinct documents of their current label's probability of
    /// being correct.
    pub correct_sum: f64,
}

impl IndexState {
    pub(super) fn new(cfg: IndexConfig, rng: SimRng) -> Self {
        IndexState {
            cfg,
            rng,
            buffer: VecDeque::new(),
            bulks: Vec::new(),
            free_bulks: Vec::new(),
            in_flight: 0,
            flush_timer: None,
            awaiting: Vec::new(),
            refresh_timer: None,
            docs: DocTable::default(),
            c: IndexCounters::default(),
            correct_sum: 0.0,
        }
    }

    /// A document to index at `now`.
    pub(super) fn add<S: Schedule>(
        &mut self,
        now: SimTime,
        object: ObjectRef,
        path: LabelPath,
        p_correct: f64,
        times: PathTimes,
        sched: &mut S,
    ) {
        self.c.writes += 1;
        self.buffer.push_back(Doc {
            object,
            path,
            p_correct,
            buffered_at: now,
            times,
            first: false,
        });
        self.pump(now, sched);
    }

    /// Sends what is due while a request slot is free; arms the flush timer.
    #[inline(always)]
    fn pump<S: Schedule>(&mut self, now: SimTime, sched: &mut S) {
        let (b, f) = (self.cfg.bulk_size.max(1) as usize, self.cfg.flush_interval);
        while self.in_flight < self.cfg.concurrency.max(1) {
            let Some(oldest) = self.buffer.front() else {
                break;
            };
            if self.buffer.len() < b && oldest.buffered_at + f > now {
                break;
            }
            self.send_bulk(now, b, sched);
        }
        if let Some(oldest) = self.buffer.front() {
            let at = oldest.buffered_at + f;
            if at > now && self.flush_timer.is_none_or(|t| t > at || t < now) {
                self.flush_timer = Some(at);
                sched.schedule(at, PipeEvent::IndexFlush);
            }
        }
    }

    #[inline(never)]
    fn send_bulk<S: Schedule>(&mut self, now: SimTime, b: usize, sched: &mut S) {
        let slot = match self.free_bulks.pop() {
            Some(s) => s,
            None => {
                self.bulks.push(Vec::with_capacity(b.min(1024)));
                (self.bulks.len() - 1) as u32
            }
        };
        let k = b.min(self.buffer.len());
        let bulk = &mut self.bulks[slot as usize];
        if k == self.buffer.len() {
            // The whole buffer goes (the usual flush): the storages trade
            // places instead of the documents moving one by one. The bulk's
            // is empty; a buffer only pushed to since it was one starts at
            // the front of its storage, so the conversions move nothing.
            let spare = VecDeque::from(std::mem::take(bulk));
            *bulk = Vec::from(std::mem::replace(&mut self.buffer, spare));
        } else {
            bulk.extend(self.buffer.drain(..k));
        }
        self.c.bulk_requests += 1;
        self.in_flight += 1;
        let us = self.cfg.bulk_latency.sample(&mut self.rng);
        sched.schedule(
            now + SimDuration::from_micros_f64(us),
            PipeEvent::BulkDone { bulk: slot },
        );
    }

    pub(super) fn on_flush<S: Schedule>(&mut self, now: SimTime, sched: &mut S) {
        if self.flush_timer.is_some_and(|t| t <= now) {
            self.flush_timer = None;
        }
        self.pump(now, sched);
    }

    /// A bulk request completes: its documents are written (new or
    /// overwritten) and wait for the next refresh.
    pub(super) fn on_bulk_done<S: Schedule>(
        &mut self,
        now: SimTime,
        slot: u32,
        overwrite_as_new: bool,
        sched: &mut S,
    ) {
        let mut bulk = std::mem::take(&mut self.bulks[slot as usize]);
        for doc in bulk.iter_mut() {
            self.c.completed += 1;
            match self.docs.put(doc.object.doc_id(), doc.p_correct) {
                Some(old) => {
                    if overwrite_as_new {
                        self.c.indexed_documents += 1;
                    } else {
                        self.c.overwrites += 1;
                    }
                    self.correct_sum += doc.p_correct - old;
                }
                None => {
                    self.c.indexed_documents += 1;
                    self.correct_sum += doc.p_correct;
                    doc.first = true;
                }
            }
        }
        // The bulk's documents wait for the refresh after those already
        // waiting, in order: its storage becomes the waiting list when that
        // is empty (the usual case: a refresh between bulks), or is
        // appended in one copy.
        if self.awaiting.is_empty() {
            std::mem::swap(&mut self.awaiting, &mut bulk);
        } else {
            self.awaiting.append(&mut bulk);
        }
        self.bulks[slot as usize] = bulk;
        self.free_bulks.push(slot);
        self.in_flight -= 1;
        // The first multiple of R at or after now.
        let r = self.cfg.refresh_interval.as_micros();
        let at = if r == 0 {
            now
        } else {
            SimTime::from_micros(now.as_micros().div_ceil(r) * r)
        };
        if self.refresh_timer.is_none_or(|t| t < now) {
            self.refresh_timer = Some(at);
            sched.schedule(at, PipeEvent::Refresh);
        }
        self.pump(now, sched);
    }

    /// A refresh: documents written since become searchable; each object's
    /// first time counts (P8 latency from its first send or upload), and so
    /// do the parts of that latency along the path of the label that made
    /// it searchable (SPEC §4b, [`LatencyParts`]).
    pub(super) fn on_refresh(
        &mut self,
        now: SimTime,
        warmup_end: SimTime,
        searchable: &mut SearchableLatency,
        parts: &mut LatencyParts,
        mut out: Option<&mut Vec<Outcome>>,
    ) {
        if self.refresh_timer.is_some_and(|t| t <= now) {
            self.refresh_timer = None;
        }
        for doc in &self.awaiting {
            if !doc.first {
                continue;
            }
            // SPEC §4a: documents first sent in the warm-up are left out.
            if doc.object.origin >= warmup_end {
                searchable.record(doc.path, now.since(doc.object.origin));
                parts.record(doc.object.origin, doc.times, doc.buffered_at, now);
            }
            if let Some(out) = out.as_deref_mut() {
                out.push(Outcome::Searchable {
                    object: doc.object,
                    path: doc.path,
                    at: now,
                });
            }
        }
        self.awaiting.clear();
    }

    /// P9 walk: documents buffered, in bulk requests in flight, written but
    /// not yet refreshed; distinct documents in the index (those held,
    /// walked, plus those forgotten).
    pub(super) fn walk(&self) -> (u64, u64, u64, u64) {
        let in_flight = self.bulks.iter().map(|b| b.len() as u64).sum::<u64>();
        (
            self.buffer.len() as u64,
            in_flight,
            self.awaiting.len() as u64,
            self.docs.walk_len() + self.docs.forgotten,
        )
    }
}

impl IndexState {
    /// Documents of the writes still to complete (buffered or in a bulk
    /// request): each will look its document up.
    pub(super) fn pending_doc_ids(&self) -> impl Iterator<Item = u64> + '_ {
        self.buffer
            .iter()
            .chain(self.bulks.iter().flatten())
            .map(|d| d.object.doc_id())
    }
}

/// P8: `searchable_latency` over all documents and per label path. While
/// every document recorded came by one path, the overall sample is that
/// path's (the same values in the same order), so it is not recorded
/// twice ([`Mirror`]): at the first document of the other path it starts
/// as a copy of the first path's, and both are recorded from then on.
#[derive(Clone, Debug)]
pub(super) struct SearchableLatency {
    /// Machine, human ([`path_index`] less 1).
    by_path: [Latency; 2],
    /// The overall sample: the path `source`'s while only it is used.
    all: Mirror,
    source: usize,
}

impl SearchableLatency {
    pub(super) fn new() -> Self {
        SearchableLatency {
            by_path: [Latency::new(), Latency::new()],
            all: Mirror::new(),
            source: 0,
        }
    }

    #[inline]
    pub(super) fn record(&mut self, path: LabelPath, d: SimDuration) {
        let i = path_index(path) - 1;
        if self.all.mirrors() && self.source != i {
            if self.by_path[self.source].count() == 0 {
                // Nothing recorded yet: the overall sample follows this
                // path instead.
                self.source = i;
            } else {
                self.all.diverge(&self.by_path[self.source]);
            }
        }
        self.by_path[i].record(d);
        self.all.record(d);
    }

    /// Over all documents ([`ALL`]), or along one path.
    pub(super) fn get(&self, which: usize) -> &Latency {
        match which {
            ALL => self.all.get(&self.by_path[self.source]),
            i => &self.by_path[i - 1],
        }
    }
}

/// SPEC §4b: the parts of `searchable_latency`, per object, along the path
/// of the label that made it searchable first (each object once, the
/// objects of `searchable_latency`):
/// - notification: first send (upload) → enqueue of the message that
///   produced the result (S3 notification delay; for a SendMessage 0,
///   unless P4 throttling made it wait);
/// - queue: that enqueue → the receive whose processing produced the
///   result (visible waits, earlier failed receives, visibility timeouts);
/// - processing: that receive → the result (the receive's answer, the
///   batch's earlier messages, its own processing);
/// - human: the result → the human label written to the index (0 on the
///   machine path; on the human path, the labeling job's whole time);
/// - index: the write → searchable (buffer, bulk request, refresh).
///
/// The five add up to `searchable_latency` exactly, object by object (in
/// µs), so their means add up to its mean; quantiles do not add up.
#[derive(Clone, Debug, Default)]
pub(super) struct LatencyParts {
    pub notification: Latency,
    pub queue: Latency,
    pub processing: Latency,
    pub human: Latency,
    pub index: Latency,
}

impl LatencyParts {
    pub(super) fn new() -> Self {
        LatencyParts {
            notification: Latency::new(),
            queue: Latency::new(),
            processing: Latency::new(),
            human: Latency::new(),
            index: Latency::new(),
        }
    }

    fn record(&mut self, origin: SimTime, t: PathTimes, written: SimTime, searchable: SimTime) {
        self.notification.record(t.enqueued.since(origin));
        self.queue.record(t.received.since(t.enqueued));
        self.processing.record(t.result.since(t.received));
        self.human.record(written.since(t.result));
        self.index.record(searchable.since(written));
    }
}

pub(super) fn path_index(path: LabelPath) -> usize {
    match path {
        LabelPath::Machine => 1,
        LabelPath::Human => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::DocTable;

    #[test]
    fn doc_table_overwrites_and_forgets_only_what_it_is_told() {
        let mut t = DocTable::default();
        assert_eq!(t.put(1, 0.5), None);
        assert_eq!(t.put(1, 0.7), Some(0.5), "a second write overwrites");
        assert_eq!(t.put(1 << 40, 0.9), None);
        for id in 2..100 {
            t.put(id, 1.0);
        }
        t.keep_only([1, 1 << 40, 5, 12345].into_iter());
        assert_eq!(t.len(), 3);
        assert_eq!(t.forgotten, 97);
        assert_eq!(t.put(1, 0.2), Some(0.7), "a kept document still overwrites");
        assert_eq!(t.put(7, 0.2), None, "a forgotten one is new again");
        assert_eq!(t.walk_len() + t.forgotten, 101);
    }
}
