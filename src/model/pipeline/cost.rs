//! SPEC §6 costs of a pipeline, from its own typed counters: SQS requests
//! per queue at its price (standard or FIFO), consumers by their kind (a
//! fixed pool over the horizon, A4 poller-hours of an autoscaled or
//! scheduled pool, A1 Lambda GB-seconds and invocations), and the expected
//! number of correct indexed labels the cost per correct label divides by.
//!
//! The published prices live here, in one place; a scenario's `cost:`
//! overrides them ([`CostConfig`]).

use super::{Pipeline, Scaling};
use crate::engine::SimTime;
use crate::model::config::CostConfig;

/// The published SQS price of a standard queue [USD per million requests],
/// used unless `cost.sqs_per_million_requests` is set.
pub const SQS_STANDARD_PER_MILLION_REQUESTS: f64 = 0.40;
/// The published SQS price of a FIFO queue [USD per million requests].
pub const SQS_FIFO_PER_MILLION_REQUESTS: f64 = 0.50;

/// What a pipeline cost over a run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PipelineCosts {
    /// SQS requests of every queue [USD].
    pub sqs_usd: f64,
    /// Consumers: pollers, poller-hours or Lambda [USD].
    pub consumers_usd: f64,
    /// Indexed documents × the expected share correct
    /// (`accuracy_overall`); None when no label is indexed.
    pub expected_correct: Option<f64>,
}

impl Pipeline {
    /// The pipeline's costs over `[0, horizon]` at the prices of `cost`.
    pub fn costs(&self, cost: &CostConfig, horizon: SimTime) -> PipelineCosts {
        let sqs_usd: f64 = self
            .cfg
            .queues
            .iter()
            .zip(&self.queues)
            .map(|(qc, q)| {
                let price = cost.sqs_per_million_requests.unwrap_or(if qc.is_fifo() {
                    SQS_FIFO_PER_MILLION_REQUESTS
                } else {
                    SQS_STANDARD_PER_MILLION_REQUESTS
                });
                q.c.requests as f64 * price / 1e6
            })
            .sum();
        let hours = horizon.as_secs_f64() / 3600.0;
        let consumers_usd: f64 = self
            .cfg
            .consumers
            .iter()
            .zip(&self.consumers)
            .enumerate()
            .map(|(ci, (cc, cs))| match &cc.scaling {
                None if cc.schedule.is_none() => cc.count as f64 * hours * cost.consumer_per_hour,
                // SPEC §7 A4: Lambda bills GB-seconds and invocations.
                Some(Scaling::Lambda(l)) => {
                    let (gb_seconds, invocations) = match &cs.scale {
                        Some(st) => (
                            self.billed_until(ci, horizon) as f64 / 1e6 * l.memory_gb,
                            st.invocations as f64,
                        ),
                        None => (0.0, 0.0),
                    };
                    gb_seconds * cost.lambda_per_gb_second
                        + invocations * cost.lambda_per_million_invocations / 1e6
                }
                // A4: other autoscaled pools, and A3 scheduled ones, pay
                // their poller-hours.
                _ => {
                    let poller_hours = cs
                        .scale
                        .as_ref()
                        .map_or(0.0, |st| st.level.area_until(horizon) as f64 / 3.6e9);
                    poller_hours * cost.consumer_per_hour
                }
            })
            .sum();
        // indexed × accuracy_overall, computed as the metrics compute them.
        let indexed = self.index.c.indexed_documents;
        let expected_correct = (indexed > 0)
            .then(|| indexed as f64 * (self.index.correct_sum / indexed as f64))
            .filter(|&c| c > 0.0);
        PipelineCosts {
            sqs_usd,
            consumers_usd,
            expected_correct,
        }
    }
}
