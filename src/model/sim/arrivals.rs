//! Messages on their way in: producers' sends (SPEC §3), the sender's
//! throttle (R12), the R9 duplicate copies, and the job's SNS input (R1
//! acceptance by state, R9 deduplication, R10 the S3 test event), which
//! admits each object and hands it to dispatch or the queue (R3).

use super::{schedule, Event, Fault, Simulation};
use crate::engine::SimTime;
use crate::model::config::{ArrivalProcess, Mode, Source};
use crate::model::dedup::MessageIds;
use crate::model::job::dispatch;
use crate::model::job::intake::Admission;
use crate::model::job::queue::Queued;
use crate::model::job::sender::{Held, Poll, SenderEvent};
use crate::model::metrics::TraceKind;

impl Simulation<'_> {
    /// R9: a delayed copy arrives (its identities parked in `copies`).
    pub(super) fn on_copy(&mut self, p: usize, copy: u32, produced: bool, same_upload: bool) {
        let ids = self.copies.take(copy);
        if produced {
            self.c.messages_produced += 1;
        } else {
            self.c.redeliveries += 1;
        }
        if self.cfg.producers[p].to.is_some() {
            // R9 copies into a pipeline: an s3_event_duplicate is the same
            // upload announced again (P7). A copy of the same document (same
            // upload) keeps the original's first send as its origin,
            // `duplicates.delay` ago (P8: latency from the object's first
            // send); a re-upload is a new document, first sent now.
            let origin = if same_upload {
                let delay = self.cfg.producers[p].duplicates.delay;
                SimTime::from_micros(
                    self.engine
                        .now
                        .as_micros()
                        .saturating_sub(delay.as_micros()),
                )
            } else {
                self.new_document(self.engine.now);
                self.engine.now
            };
            self.send_to_pipeline(p, ids, false, origin);
        } else {
            self.deliver(p, ids, false, self.engine.now);
        }
    }

    /// SPEC §4b: in a pipeline without a labeling job, the arrivals by
    /// interval are its new documents, first sent (or uploaded) at
    /// `origin`; with a job they are the objects it accepts.
    #[inline]
    fn new_document(&mut self, origin: SimTime) {
        if self.cfg.no_job {
            self.acct.document(origin);
        }
    }

    /// R10: one s3:TestEvent, published by S3, delivered as a message.
    pub(super) fn on_s3_test(&mut self, p: usize) {
        self.c.messages_produced += 1;
        let ids = self.ids.fresh();
        if self.cfg.producers[p].to.is_some() {
            self.send_to_pipeline(p, ids, true, self.engine.now);
        } else {
            self.deliver(p, ids, true, self.engine.now);
        }
    }

    pub(super) fn on_producer_next(&mut self, p: usize) {
        let cfg = self.cfg;
        // A burst is many sends in one event, so the guard is consulted
        // within it; a single send is an ordinary event.
        let bulk = matches!(cfg.producers[p].process, ArrivalProcess::Burst { .. });
        for i in 0..self.producers.due(cfg, p) {
            if bulk && !self.bulk_may_continue(i) {
                return;
            }
            self.send_original(p);
        }
        if let Some(t) = self.producers.next_send_time(cfg, p, self.engine.now) {
            self.schedule(t, Event::ProducerNext(p as u16));
        }
    }

    /// A producer's original send: through the sender throttle (R12).
    pub(super) fn send_original(&mut self, p: usize) {
        self.c.messages_produced += 1;
        let ids = self.ids.fresh();
        let held = Held {
            producer: p as u16,
            ids,
            produced_at: self.engine.now,
        };
        if let Some(h) = self.sender.offer(held) {
            self.release(h);
        } else {
            self.pump_sender();
        }
    }

    /// Releases held messages while the policy allows.
    pub(super) fn pump_sender(&mut self) {
        loop {
            match self.sender.poll(self.engine.now) {
                Poll::Send(h) => self.release(h),
                Poll::WakeAt(t) => {
                    self.schedule(t, Event::Sender(SenderEvent::Release));
                    return;
                }
                Poll::Wait => return,
            }
        }
    }

    /// R12: an event of the sender.
    pub(super) fn on_sender(&mut self, ev: SenderEvent) {
        let t = &self.cfg.throttle;
        match ev {
            SenderEvent::Release => {
                self.sender.release_timer_fired();
                self.pump_sender();
            }
            SenderEvent::MetricSample => {
                // ApproximateNumberOfMessagesVisible: the SQS backlog.
                let (at, ev) =
                    self.sender
                        .sample(t, self.engine.now, self.queue.len(), self.queue.woke_at());
                self.schedule(at, Event::Sender(ev));
                let next = self.engine.now + t.metrics_period;
                if next <= self.cfg.horizon {
                    self.schedule(next, Event::Sender(SenderEvent::MetricSample));
                }
            }
            SenderEvent::MetricObserved { slot } => {
                self.sender.observe_backlog(slot);
                self.pump_sender();
            }
            SenderEvent::AlarmObserved => {
                self.sender.expiry_alarm(self.engine.now);
                self.pump_sender();
            }
            SenderEvent::ControlTick => {
                self.sender.control_tick();
                self.pump_sender();
                if let Some(iv) = t.policy.interval() {
                    let next = self.engine.now + iv;
                    if next <= self.cfg.horizon {
                        self.schedule(next, Event::Sender(SenderEvent::ControlTick));
                    }
                }
            }
            SenderEvent::Keepalive => self.on_keepalive(),
        }
    }

    /// Keep-alive: when nothing was sent for `every`, send one held object,
    /// or a heartbeat object if none is held.
    pub(super) fn on_keepalive(&mut self) {
        let Some(every) = self.cfg.throttle.keepalive else {
            return;
        };
        if self.life.ended() {
            return;
        }
        match self.sender.keepalive_due(self.engine.now, every) {
            Some(Some(h)) => self.release(h),
            Some(None) => {
                if let Some(p) = self
                    .cfg
                    .producers
                    .iter()
                    .position(|p| !matches!(p.process, ArrivalProcess::Manifest { .. }))
                {
                    self.c.messages_produced += 1;
                    self.sender.count_heartbeat();
                    let ids = self.ids.fresh();
                    self.release(Held {
                        producer: p as u16,
                        ids,
                        produced_at: self.engine.now,
                    });
                }
            }
            None => {}
        }
        let next = self.sender.next_keepalive(self.engine.now, every);
        if next <= self.cfg.horizon {
            self.schedule(next, Event::Sender(SenderEvent::Keepalive));
        }
    }

    /// A message leaves the sender: delivered now, plus the R9 duplicate
    /// copies it gives rise to.
    pub(super) fn release(&mut self, h: Held) {
        let (p, ids) = (h.producer as usize, h.ids);
        self.sender.sent(self.engine.now, &h);
        if self.faulty(Fault::LostAtSender) {
            return;
        }
        if self.cfg.producers[p].to.is_some() {
            self.new_document(h.produced_at);
            self.send_to_pipeline(p, ids, false, h.produced_at);
        } else {
            self.deliver(p, ids, false, h.produced_at);
        }
        self.spawn_duplicates(p, ids);
    }

    /// R9: the duplicate copies a message gives rise to, each arriving
    /// `duplicates.delay` after it (every producer kind, the manifest too).
    #[inline]
    pub(super) fn spawn_duplicates(&mut self, p: usize, ids: MessageIds) {
        let Some(copies) = self.producers.duplicates(self.cfg, p, ids, &mut self.ids) else {
            return;
        };
        let at = self.engine.now + self.cfg.producers[p].duplicates.delay;
        for copy in copies {
            let ev = Event::Deliver {
                producer: p as u16,
                copy: self.copies.put(copy.ids),
                produced: copy.produced,
                same_upload: copy.same_upload,
            };
            // The copies borrow the producers: the queue is reached directly,
            // through the same phase rule as every other event.
            schedule(&mut self.engine.events, at, ev);
        }
    }

    /// A message reaches the job: R1 acceptance, R9 deduplication.
    pub(super) fn deliver(
        &mut self,
        p: usize,
        ids: MessageIds,
        test_event: bool,
        produced_at: SimTime,
    ) {
        let source = self.cfg.producers[p].source;
        self.deliver_as(source, p as u16, ids, test_event, produced_at);
    }

    /// [`Self::deliver`] for a message from a `source` (a producer's, or
    /// SNS for the pipeline's routed objects).
    pub(super) fn deliver_as(
        &mut self,
        source: Source,
        producer: u16,
        ids: MessageIds,
        test_event: bool,
        produced_at: SimTime,
    ) {
        self.c.messages_received += 1;
        let admission = self.intake.receive(
            self.life.state(),
            &self.cfg.job.dedup_key,
            source,
            ids,
            test_event,
        );
        match admission {
            Admission::LostNotInProgress => {
                self.c.lost_not_in_progress += 1;
                self.log(0, TraceKind::LostNotInProgress, None);
                return;
            }
            Admission::LostAfterStop => {
                self.c.lost_after_stop += 1;
                self.log(0, TraceKind::LostAfterStop, None);
                return;
            }
            Admission::Duplicate | Admission::Accepted => {}
        }
        // R8: any message received is input.
        self.life.input(self.engine.now);
        if admission == Admission::Duplicate {
            if !self.faulty(Fault::UncountedDuplicate) {
                self.c.duplicates_dropped += 1;
            }
            self.log(0, TraceKind::DuplicateDropped, None);
            return;
        }
        self.accept(produced_at, ids.publish, producer);
    }

    /// Counts an object in (accepted, in the system) and names it.
    pub(super) fn admit(&mut self, produced_at: SimTime, key: u64, producer: u16) -> Queued {
        self.c.objects_accepted += 1;
        self.acct.enter(
            self.cfg,
            self.engine.now,
            self.engine.now >= self.warmup_end,
        );
        let q = Queued {
            id: self.c.objects_accepted,
            accepted_at: self.engine.now,
            produced_at,
            key,
            producer,
        };
        self.log(q.id, TraceKind::Accepted, None);
        q
    }

    pub(super) fn accept(&mut self, produced_at: SimTime, key: u64, producer: u16) {
        let q = self.admit(produced_at, key, producer);
        if self.cfg.job.mode == Mode::Batch {
            // R4: manifest objects wait for their wave.
            self.enqueue(q);
            return;
        }
        // R3: direct dispatch or the SQS queue.
        let k = self.cfg.job.max_concurrent_task_count + self.faulty(Fault::DispatchPastK) as u32;
        let direct = dispatch::dispatch_directly(
            self.cfg.job.refill_rule,
            k,
            self.avail.count(),
            self.queue.is_empty(),
        );
        if direct && self.life.pilot_allows_dispatch() {
            self.dispatch(q);
        } else {
            self.enqueue(q);
        }
    }
}
