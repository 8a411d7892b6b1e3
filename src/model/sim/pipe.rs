//! The job as the pipeline's host (SPEC §6): producers with `to:` send
//! to a pipeline queue (P7 S3 notifications included), pipeline events are
//! handed to it, and what its classifier routes to people (P6) is
//! published to the job's SNS input.

use super::{Event, Simulation};
use crate::engine::SimDuration;
use crate::engine::SimTime;
use crate::model::config::Source;
use crate::model::dedup::MessageIds;
use crate::model::job::intake::NO_PRODUCER;
use crate::model::pipeline::{Embed, ObjectRef, Outcome as PipeOutcome, PipeEvent, PipeMessage};

impl Simulation<'_> {
    /// SPEC §6: producer `p` (with `to:`) sends to its pipeline queue: a
    /// SendMessage at once (`source: sns`), or an S3 upload whose event
    /// notification arrives after `notification_delay` (P7).
    pub(super) fn send_to_pipeline(
        &mut self,
        p: usize,
        ids: MessageIds,
        test_event: bool,
        origin: SimTime,
    ) {
        let prod = &self.cfg.producers[p];
        let queue = prod.to.expect("a pipeline producer");
        self.c.sent_to_pipeline += 1;
        self.acct.sent_to_queue(self.engine.now, queue);
        let object = ObjectRef { ids, origin };
        let mut msg = if test_event {
            PipeMessage::test_event(object)
        } else {
            PipeMessage::data(object)
        };
        msg.group = prod.group;
        let now = self.engine.now;
        let delay = match (prod.source, &prod.notification_delay) {
            (Source::S3, Some(d)) if !test_event => Some(Some(SimDuration::from_micros_f64(
                d.sample(&mut self.notify_rng),
            ))),
            (Source::S3, None) if !test_event => Some(None),
            _ => None,
        };
        let pipe = self.pipeline.as_mut().expect("a pipeline");
        let mut sched = Embed {
            queue: &mut self.engine.events,
            wrap: Event::Pipe,
        };
        match delay {
            Some(Some(d)) => pipe.s3_upload_after(now, queue, msg, d, &mut sched),
            Some(None) => pipe.s3_upload(now, queue, msg, &mut sched),
            None => pipe.send(now, queue, msg, &mut sched),
        }
    }

    /// A pipeline event: handed to the pipeline; objects it routes to the
    /// humans are published to the job's SNS input (P6).
    pub(super) fn on_pipe(&mut self, ev: PipeEvent) {
        let now = self.engine.now;
        {
            let pipe = self.pipeline.as_mut().expect("a pipeline event");
            let mut sched = Embed {
                queue: &mut self.engine.events,
                wrap: Event::Pipe,
            };
            // The outcomes go straight into `pipe_out` (a field apart from
            // the pipeline and the event queue): most events have none, so
            // the vector is not taken out and put back at each one.
            pipe.handle(now, ev, &mut sched, &mut self.pipe_out);
        }
        self.pollers_changed();
        if !self.pipe_out.is_empty() {
            self.hand_out_pipe_outcomes();
        }
    }

    /// Acts on the outcomes of the last pipeline event, in their order.
    /// Taken out of `pipe_out` while they are handled: routing to the job
    /// needs the whole simulation.
    fn hand_out_pipe_outcomes(&mut self) {
        let mut out = std::mem::take(&mut self.pipe_out);
        for o in out.drain(..) {
            match o {
                PipeOutcome::ToHumans { object, .. } => self.route_to_humans(object),
                // P8 is recorded by the pipeline itself; SPEC §4b by
                // interval of the first send here.
                PipeOutcome::Searchable { object, at, .. } => {
                    self.acct.searchable(object.origin, at - object.origin)
                }
            }
        }
        self.pipe_out = out;
    }

    /// SPEC §4b: the pools whose running pollers the last pipeline call
    /// changed, into the rows by interval (noted only with
    /// `output.by_interval`).
    #[inline]
    pub(super) fn pollers_changed(&mut self) {
        let (Some(pipe), acct) = (self.pipeline.as_mut(), &mut self.acct) else {
            return;
        };
        let now = self.engine.now;
        pipe.poller_changes(|c, running| acct.pollers(now, c, running));
    }

    /// P6: the consumer publishes the object to the job's SNS input: a new
    /// SNS message (fresh publish ID) about the same object and upload, so
    /// R1/R9 apply — with the default dedup key a message processed twice is
    /// two objects; with `dedup_key: source-ref` the second is dropped.
    pub(super) fn route_to_humans(&mut self, object: ObjectRef) {
        let ids = MessageIds {
            publish: self.ids.new_publish(),
            ..object.ids
        };
        let before = self.c.objects_accepted;
        self.c.routed_from_pipeline += 1;
        self.intake.route(ids.publish, object);
        self.deliver_as(Source::Sns, NO_PRODUCER, ids, false, object.origin);
        if self.c.objects_accepted == before {
            self.intake.unroute(ids.publish);
            // Issue 17: no human label will come for this routing.
            self.pipeline
                .as_mut()
                .expect("a pipeline")
                .human_dropped(object);
        }
    }
}
