//! The labeling job's components (SPEC §2), each owning its state: the
//! simulation in [`super::sim`] wires them together on the event engine.
//!
//! - [`accounts`]: latencies, service levels, the in-system ledger.
//! - [`available`]: objects available to workers, R7's lifetime.
//! - [`dispatch`]: R3 dispatch and refills, R2's N tasks per object, the
//!   task pool and R7's match of waiting tasks to free workers.
//! - [`intake`]: the SNS input: R1 acceptance, R9 dedup, R10, P6 routed objects.
//! - [`lifecycle`]: R1 states, R4 waves, R5 pilot, R8 idle stop, the end.
//! - [`producers`]: when each producer sends (SPEC §3), R9's copies.
//! - [`queue`]: the job's SQS queue, R6 retention.
//! - [`sender`]: R12, the producers' throttle and what it observes.
//! - [`workers`]: the workforce, shifts and who is free (R2, R7).

pub(crate) mod accounts;
pub(crate) mod available;
pub(crate) mod dispatch;
pub(crate) mod intake;
pub(crate) mod lifecycle;
pub(crate) mod producers;
pub(crate) mod queue;
pub(crate) mod sender;
pub(crate) mod workers;
