//! SPEC §6 pipeline metrics: flat `<stage>.<metric>` keys per queue,
//! consumer and the index, then the unprefixed totals. A statistic of an
//! empty sample is `None` (SPEC §4a), never 0.

use super::index::path_index;
use super::{LabelPath, Pipeline, ALL};
use crate::engine::stats::Latency;
use crate::engine::SimTime;
use crate::model::catalog as metric;

struct Out<'a> {
    v: &'a mut Vec<(String, Option<f64>)>,
    prefix: String,
}

impl Out<'_> {
    fn n(&mut self, key: &str, x: u64) {
        self.v
            .push((format!("{}{key}", self.prefix), Some(x as f64)));
    }
    fn x(&mut self, key: &str, x: Option<f64>) {
        self.v.push((format!("{}{key}", self.prefix), x));
    }
    /// `<key>_{mean,p50,p95,p99}_s`.
    fn latency(&mut self, key: &str, l: &Latency) {
        self.x(&format!("{key}_mean_s"), l.mean_s());
        for (q, name) in [(0.5, "p50"), (0.95, "p95"), (0.99, "p99")] {
            self.x(&format!("{key}_{name}_s"), l.quantile_s(q));
        }
    }
}

fn ratio(a: f64, b: u64) -> Option<f64> {
    (b > 0).then(|| a / b as f64)
}

impl Pipeline {
    /// Every pipeline metric at `now` (the end of the run, usually).
    pub fn metrics(&self, now: SimTime) -> Vec<(String, Option<f64>)> {
        let mut v = Vec::new();
        for (qc, q) in self.cfg.queues.iter().zip(&self.queues) {
            let mut o = Out {
                v: &mut v,
                prefix: format!("{}.", qc.name),
            };
            let c = &q.c;
            o.n("sent", c.sent);
            o.n("fifo_deduplicated", c.fifo_deduplicated);
            o.n("enqueued", c.enqueued);
            o.n("duplicates_delivered", c.duplicates_delivered);
            o.n("received", c.received);
            o.n("redelivered", c.redelivered);
            o.n("deleted", c.deleted);
            o.n("delete_failures", c.delete_failures);
            o.n("expired", c.expired);
            o.n("dead_lettered", c.dead_lettered);
            o.n("dead_letter_expired", c.dead_letter_expired);
            o.n("dead_letter_at_end", q.n_dead);
            o.n("visible_at_end", q.n_visible);
            o.n("in_flight_at_end", q.n_in_flight);
            o.n("delayed_at_end", q.n_delayed);
            o.n("send_pending_at_end", q.n_sending);
            o.n("requests", c.requests);
            o.n("send_requests", c.send_requests);
            o.n("receive_requests", c.receive_requests);
            o.n("delete_requests", c.delete_requests);
            o.n("empty_receives", c.empty_receives);
            o.n("throttled_requests", c.throttled_requests);
            if q.fifo.is_some() {
                o.n("order_violations", c.order_violations);
            }
            o.x("visible_mean", q.tw_visible.window_mean_until(now));
            o.n("visible_max", q.tw_visible.max());
            o.x("in_flight_mean", q.tw_in_flight.window_mean_until(now));
            o.n("in_flight_max", q.tw_in_flight.max());
            o.latency("queue_wait", &q.queue_wait);
        }
        for (ci, (cc, cs)) in self.cfg.consumers.iter().zip(&self.consumers).enumerate() {
            let mut o = Out {
                v: &mut v,
                prefix: format!("{}.", cc.name),
            };
            let c = &cs.c;
            o.n("received", c.received);
            o.n("processed", c.processed);
            o.n("results", c.results);
            o.n("failures", c.failures);
            o.n("poison_failures", c.poison_failures);
            o.n("skipped", c.skipped);
            o.n("machine_labeled", c.machine_labeled);
            o.n("routed_to_humans", c.routed_to_humans);
            o.n("audited", c.audited);
            o.n("test_events_discarded", c.test_events_discarded);
            o.n("requests", c.requests);
            o.n("receive_requests", c.receive_requests);
            o.n("delete_requests", c.delete_requests);
            o.n("empty_receives", c.empty_receives);
            o.n("delete_failures", c.delete_failures);
            o.n("throttled_requests", c.throttled_requests);
            let capacity = match &cs.scale {
                // A4: an autoscaled pool's capacity is its poller-time.
                Some(st) => st.level.area_until(now),
                None => cc.count as u128 * now.as_micros() as u128,
            };
            o.x(
                "utilization",
                (capacity > 0)
                    .then(|| cs.busy_until(ci, &self.pollers, now) as f64 / capacity as f64),
            );
            o.x(
                "accuracy_machine",
                ratio(cs.machine_confidence_sum, c.machine_labeled),
            );
            match &cs.scale {
                // A4 (issue 21): the controller's pollers and decisions.
                Some(st) => {
                    o.x("pollers_mean", st.level.window_mean_until(now));
                    o.n("pollers_max", st.level.max());
                    o.x(
                        "poller_hours",
                        Some(st.level.area_until(now) as f64 / 3.6e9),
                    );
                    o.n("scale_outs", st.scale_outs);
                    o.n("scale_ins", st.scale_ins);
                }
                // A4 for every consumer: a fixed pool runs its `count`
                // throughout (its mean over the warm-up's window, none when
                // that window is empty), never scaling.
                None => {
                    let observed = self.warmup_end == SimTime::ZERO || now > self.warmup_end;
                    o.x("pollers_mean", observed.then_some(cc.count as f64));
                    o.n("pollers_max", cc.count as u64);
                    o.x(
                        "poller_hours",
                        Some(cc.count as f64 * now.as_micros() as f64 / 3.6e9),
                    );
                    o.n("scale_outs", 0);
                    o.n("scale_ins", 0);
                }
            }
            if let Some(st) = &cs.scale {
                if let Some(l) = cc.lambda() {
                    o.n("invocations", st.invocations);
                    o.x(
                        "gb_seconds",
                        Some(self.billed_until(ci, now) as f64 / 1e6 * l.memory_gb),
                    );
                }
            }
        }
        let (buffered, in_flight, awaiting, _) = self.index.walk();
        let ic = &self.index.c;
        {
            let mut o = Out {
                v: &mut v,
                prefix: "index.".into(),
            };
            o.n("writes", ic.writes);
            o.n("bulk_requests", ic.bulk_requests);
            o.n("completed", ic.completed);
            o.n("indexed_documents", ic.indexed_documents);
            o.n("index_overwrites", ic.overwrites);
            o.n("buffered_at_end", buffered);
            o.n("in_flight_at_end", in_flight);
            o.n("awaiting_refresh_at_end", awaiting);
        }
        let mut o = Out {
            v: &mut v,
            prefix: String::new(),
        };
        let qsum = |f: &dyn Fn(&super::queue::QueueCounters) -> u64| {
            self.queues.iter().map(|q| f(&q.c)).sum::<u64>()
        };
        let csum = |f: &dyn Fn(&super::consumer::ConsumerCounters) -> u64| {
            self.consumers.iter().map(|c| f(&c.c)).sum::<u64>()
        };
        o.n(metric::SENT, qsum(&|c| c.sent));
        o.n(metric::ENQUEUED, qsum(&|c| c.enqueued));
        o.n(metric::FIFO_DEDUPLICATED, qsum(&|c| c.fifo_deduplicated));
        o.n(
            metric::DUPLICATES_DELIVERED,
            qsum(&|c| c.duplicates_delivered),
        );
        o.n(metric::DELETED, qsum(&|c| c.deleted));
        o.n(metric::EXPIRED, qsum(&|c| c.expired));
        o.n(metric::DEAD_LETTERED, qsum(&|c| c.dead_lettered));
        // P9's ledger terms at the end, summed over queues like the rest.
        o.n(
            metric::VISIBLE_AT_END,
            self.queues.iter().map(|q| q.n_visible).sum::<u64>(),
        );
        o.n(
            metric::IN_FLIGHT_AT_END,
            self.queues.iter().map(|q| q.n_in_flight).sum::<u64>(),
        );
        o.n(
            metric::DELAYED_AT_END,
            self.queues.iter().map(|q| q.n_delayed).sum::<u64>(),
        );
        o.n(metric::REQUESTS, qsum(&|c| c.requests));
        o.n(metric::EMPTY_RECEIVES, qsum(&|c| c.empty_receives));
        o.n(metric::THROTTLED_REQUESTS, qsum(&|c| c.throttled_requests));
        o.n(metric::ORDER_VIOLATIONS, qsum(&|c| c.order_violations));
        o.n(metric::PROCESSED, csum(&|c| c.processed));
        o.n(metric::RESULTS, csum(&|c| c.results));
        o.n(metric::FAILURES, csum(&|c| c.failures));
        let machine = csum(&|c| c.machine_labeled);
        o.n(metric::MACHINE_LABELED, machine);
        o.n(metric::ROUTED_TO_HUMANS, csum(&|c| c.routed_to_humans));
        o.n(metric::AUDITED, csum(&|c| c.audited));
        o.n(metric::HUMAN_LABELED, self.human_labeled);
        o.n(
            metric::TEST_EVENTS_DISCARDED,
            csum(&|c| c.test_events_discarded),
        );
        o.n(metric::INDEXED_DOCUMENTS, ic.indexed_documents);
        o.n(metric::INDEX_OVERWRITES, ic.overwrites);
        o.n(metric::S3_UPLOADS, self.s3_uploads);
        o.n(
            metric::S3_EVENTS_PENDING_AT_END,
            self.s3_uploads - self.s3_delivered,
        );
        o.latency("searchable_latency", self.searchable.get(ALL));
        o.latency(
            "searchable_latency_machine",
            self.searchable.get(path_index(LabelPath::Machine)),
        );
        o.latency(
            "searchable_latency_human",
            self.searchable.get(path_index(LabelPath::Human)),
        );
        let conf: f64 = self
            .consumers
            .iter()
            .map(|c| c.machine_confidence_sum)
            .sum();
        // SPEC §4b: the parts of searchable_latency (mean and p95).
        let parts = &self.parts;
        for (mean, p95, l) in [
            (
                metric::LATENCY_NOTIFICATION_MEAN_S,
                metric::LATENCY_NOTIFICATION_P95_S,
                &parts.notification,
            ),
            (
                metric::LATENCY_QUEUE_MEAN_S,
                metric::LATENCY_QUEUE_P95_S,
                &parts.queue,
            ),
            (
                metric::LATENCY_PROCESSING_MEAN_S,
                metric::LATENCY_PROCESSING_P95_S,
                &parts.processing,
            ),
            (
                metric::LATENCY_HUMAN_MEAN_S,
                metric::LATENCY_HUMAN_P95_S,
                &parts.human,
            ),
            (
                metric::LATENCY_INDEX_MEAN_S,
                metric::LATENCY_INDEX_P95_S,
                &parts.index,
            ),
        ] {
            o.x(mean, l.mean_s());
            o.x(p95, l.quantile_s(0.95));
        }
        o.x(metric::ACCURACY_MACHINE, ratio(conf, machine));
        o.x(
            metric::ACCURACY_HUMAN,
            ratio(self.human_correct, self.human_labeled),
        );
        o.x(
            metric::ACCURACY_OVERALL,
            ratio(self.index.correct_sum, ic.indexed_documents),
        );
        v
    }
}
