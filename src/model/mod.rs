//! The labeling job's rules (SPEC §2, R1–R10) on top of the engine.
//! No YAML, threads, charts or CLI here: input is a validated [`SimConfig`],
//! output a [`RunOutput`] or an [`InvariantViolation`].

pub mod by_interval;
pub mod catalog;
pub mod config;
pub mod dedup;
pub mod guard;
pub mod invariants;
mod job;
pub mod load;
pub mod metrics;
pub mod pipeline;
pub mod schedule;
pub mod sim;
pub mod throttle;
pub mod workforce;

#[cfg(test)]
mod fault_tests;
#[cfg(test)]
mod match_tests;

pub use by_interval::{ByIntervalConfig, Cycle, IntervalMean, IntervalRow};
pub use config::SimConfig;
pub use invariants::InvariantViolation;
pub use metrics::{EndState, MetricValue, RunOutput, RunSummary, Sample, TraceKind, TraceRecord};
pub use schedule::StepSchedule;
pub use sim::{simulate, simulate_traced};
