//! labelsim's integration tests, one binary (one link step instead of one
//! per file): each module is one area, `common` holds the shared helpers.
//!
//! Run one area with `cargo test --release --test it rules::`.

mod autoscale;
mod budget;
mod budget_cli;
mod cli;
mod common;
mod compare;
mod consumer_schedule;
mod cost;
mod daily;
mod fit;
mod fuzz;
mod input_hardening;
mod outputs;
mod pipeline;
mod pipeline_charts;
mod pipeline_core;
mod plan;
mod producers;
mod properties;
mod queueing;
mod readme;
mod rules;
mod shifts_tz;
mod staff;
mod staffing;
mod sweep;
mod throttle;
mod user_data;
