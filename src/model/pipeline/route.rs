//! P6: the classifier's result and its routing. Each result gets a
//! confidence; with a `route`, a result below the threshold goes to the
//! humans (the labeling job) only, and a confident one is a machine label,
//! audited by the humans too with probability `sample`; without a `route`
//! every result is a machine label. Machine labels go to the index (P8);
//! an object routed to the humans stays known until the host reports its
//! human label ([`Pipeline::human_labeled`], then indexed on the human
//! path) or that none will come ([`Pipeline::human_dropped`]).
//!
//! The decision itself is [`route`], a pure function of the confidence
//! and the audit draw; the consumer calls [`Pipeline::classify`] once per
//! result.

use super::config::Route;
use super::{Fault, LabelPath, ObjectRef, Outcome, PathTimes, Pipeline, Schedule};
use crate::engine::{SimRng, SimTime};
use rand::RngExt;

/// P6: where one result goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Routing {
    /// Indexed as a machine label (confident, or no `route`).
    Machine,
    /// Confident and sampled: indexed as a machine label and published to
    /// the humans as an audit.
    Audit,
    /// Below the threshold: published to the humans only.
    Humans,
}

/// P6: the routing of a result of `confidence` under `route`. The audit
/// draw (one uniform from `audit_rng`) is taken only for a confident
/// result of a route that samples (`sample` > 0).
#[inline]
pub(super) fn route(route: Option<Route>, confidence: f64, audit_rng: &mut SimRng) -> Routing {
    let Some(Route { threshold, sample }) = route else {
        return Routing::Machine;
    };
    if confidence >= threshold {
        if sample > 0.0 && audit_rng.random::<f64>() < sample {
            Routing::Audit
        } else {
            Routing::Machine
        }
    } else {
        Routing::Humans
    }
}

impl Pipeline {
    /// P6: a result of pool `ci` for `object` at `now`: its confidence, its
    /// routing ([`route`]), the publication to the humans (in `out`) and
    /// the machine label's way to the index.
    pub(super) fn classify<S: Schedule>(
        &mut self,
        now: SimTime,
        ci: usize,
        object: ObjectRef,
        times: PathTimes,
        sched: &mut S,
        out: &mut Vec<Outcome>,
    ) {
        let not_routed = self.faulty(Fault::AuditNotRouted);
        let cfg = &self.cfg.consumers[ci];
        let cons = &mut self.consumers[ci];
        let confidence = cfg.confidence.sample(&mut cons.confidence_rng);
        let routing = route(cfg.route, confidence, &mut cons.audit_rng);
        match routing {
            Routing::Machine => {}
            Routing::Audit => {
                cons.c.audited += 1;
                if !not_routed {
                    cons.c.routed_to_humans += 1;
                }
            }
            Routing::Humans => cons.c.routed_to_humans += 1,
        }
        if routing != Routing::Machine {
            out.push(Outcome::ToHumans {
                object,
                at: now,
                audit: routing == Routing::Audit,
            });
            // Issue 17: the document stays known until the humans answer.
            self.routed(object, times);
        }
        if routing != Routing::Humans {
            let cons = &mut self.consumers[ci];
            cons.c.machine_labeled += 1;
            cons.machine_confidence_sum += confidence;
            self.index
                .add(now, object, LabelPath::Machine, confidence, times, sched);
        }
    }

    /// P6: an object was routed to the humans; its document stays known
    /// until the host answers.
    pub(super) fn routed(&mut self, object: ObjectRef, times: PathTimes) {
        self.humans_pending
            .entry(object.doc_id())
            .or_insert((0, times))
            .0 += 1;
    }

    /// One routing of `object` answered (labeled or dropped); the path of
    /// its first routing, if it was routed.
    fn human_answered(&mut self, object: ObjectRef) -> Option<PathTimes> {
        let doc = object.doc_id();
        let (n, times) = self.humans_pending.get_mut(&doc)?;
        let times = *times;
        *n -= 1;
        if *n == 0 {
            self.humans_pending.remove(&doc);
        }
        Some(times)
    }

    /// P6: the host will never label `object` (one of its routings): the
    /// job failed it, it expired in the job's queue, or the job did not
    /// accept it (R1, R9). Issue 17: lets the index forget the document.
    pub fn human_dropped(&mut self, object: ObjectRef) {
        let _ = self.human_answered(object);
    }

    /// P6/P8: the labeling job labeled a routed object; it is indexed on
    /// the human path. `correct`: whether the human label is right.
    pub fn human_labeled<S: Schedule>(
        &mut self,
        now: SimTime,
        object: ObjectRef,
        correct: f64,
        sched: &mut S,
    ) {
        self.human_labeled += 1;
        self.human_correct += correct;
        // SPEC §4b: a label for an object the pipeline never routed (a
        // host's own) counts wholly as the humans' part.
        let times = self.human_answered(object).unwrap_or(PathTimes {
            enqueued: object.origin,
            received: object.origin,
            result: object.origin,
        });
        self.index
            .add(now, object, LabelPath::Human, correct, times, sched);
        self.note_peak();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn rng() -> SimRng {
        SimRng::seed_from_u64(7)
    }

    /// The audit stream's next draw, to tell whether `route` took one.
    fn next(mut r: SimRng) -> f64 {
        r.random::<f64>()
    }

    #[test]
    fn without_a_route_every_result_is_a_machine_label_and_nothing_is_drawn() {
        let mut r = rng();
        assert_eq!(route(None, 0.0, &mut r), Routing::Machine);
        assert_eq!(next(r), next(rng()));
    }

    #[test]
    fn below_the_threshold_goes_to_the_humans_only_without_a_draw() {
        let mut r = rng();
        let to = Some(Route {
            threshold: 0.8,
            sample: 1.0,
        });
        assert_eq!(route(to, 0.79, &mut r), Routing::Humans);
        assert_eq!(next(r), next(rng()));
    }

    #[test]
    fn at_or_above_the_threshold_is_a_machine_label_audited_by_the_sample() {
        let never = Some(Route {
            threshold: 0.8,
            sample: 0.0,
        });
        let always = Some(Route {
            threshold: 0.8,
            sample: 1.0,
        });
        let mut r = rng();
        assert_eq!(route(never, 0.8, &mut r), Routing::Machine);
        assert_eq!(
            next(r.clone()),
            next(rng()),
            "no draw when nothing is sampled"
        );
        assert_eq!(route(always, 0.8, &mut r), Routing::Audit);
        assert_ne!(next(r), next(rng()), "one draw for the audit");
        // A share of about `sample` is audited.
        let half = Some(Route {
            threshold: 0.5,
            sample: 0.25,
        });
        let mut r = rng();
        let audits = (0..10_000)
            .filter(|_| route(half, 0.9, &mut r) == Routing::Audit)
            .count();
        assert!((2_300..2_700).contains(&audits), "{audits}");
    }
}
