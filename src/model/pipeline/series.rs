//! The pipeline's time series (issue 10): at each sample instant of the
//! host's `timeseries.csv`, every queue's levels (P1) and every consumer
//! pool's busy pollers (P5), as extra columns named `<stage>.<quantity>`.
//! The host calls [`Pipeline::record_sample`] wherever it records its own
//! sample, so the rows line up with its own, and takes the whole record
//! with [`Pipeline::output`] at the end.
//!
//! Columns, per queue then per consumer pool, in configuration order:
//! - `<queue>.visible`, `<queue>.in_flight`, `<queue>.delayed` \[messages\];
//! - `<queue>.oldest_age_s`: age of the oldest message not yet gone
//!   (delayed, visible or in flight; SQS's ApproximateAgeOfOldestMessage)
//!   \[s\], no value when the queue holds none;
//! - `<consumer>.busy`: pollers processing a message at that instant;
//! - `<consumer>.busy_time_s`: busy poller-time since the start, the
//!   processings under way included \[s\]: its increase over an interval,
//!   divided by `count ×` the interval, is the pool's utilization there;
//! - then, for each pool (A4, issue 21), `<consumer>.pollers`: pollers
//!   running at that instant (a fixed pool's `count`).
//!
//! Cost: O(queues + pollers) per sample (the oldest message is found at the
//! head of the queue's enqueue-order list, see `QueueState::levels`);
//! memory 8 B per column per sample.

use super::index::path_index;
use super::poller::PollerPhase;
use super::{LabelPath, Pipeline};
use crate::engine::SimTime;

/// Quantities sampled per queue, in column order.
pub const QUEUE_COLUMNS: [&str; 4] = ["visible", "in_flight", "delayed", "oldest_age_s"];
/// Quantities sampled per consumer pool, in column order.
pub const CONSUMER_COLUMNS: [&str; 2] = ["busy", "busy_time_s"];

/// A pipeline's samples: one row per sample instant, `columns.len()`
/// values per row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PipelineSeries {
    /// `<stage>.<quantity>` (see the module doc).
    pub columns: Vec<String>,
    /// Row-major values; NaN where a quantity has no value (the oldest age
    /// of an empty queue).
    pub values: Vec<f64>,
}

impl PipelineSeries {
    /// The columns of a pipeline with these queues and consumer pools.
    pub fn new<'a>(
        queues: impl IntoIterator<Item = &'a str>,
        consumers: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        let mut columns = Vec::new();
        for q in queues {
            columns.extend(QUEUE_COLUMNS.iter().map(|c| format!("{q}.{c}")));
        }
        for c in consumers {
            columns.extend(CONSUMER_COLUMNS.iter().map(|k| format!("{c}.{k}")));
        }
        PipelineSeries {
            columns,
            values: Vec::new(),
        }
    }

    /// Number of rows (sample instants).
    pub fn len(&self) -> usize {
        self.values
            .len()
            .checked_div(self.columns.len())
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s values, in column order.
    pub fn row(&self, i: usize) -> &[f64] {
        let n = self.columns.len();
        &self.values[i * n..(i + 1) * n]
    }

    /// Position of column `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Every row's value of column `name` (None: no such column).
    pub fn values_of(&self, name: &str) -> Option<Vec<f64>> {
        let k = self.column(name)?;
        Some((0..self.len()).map(|i| self.row(i)[k]).collect())
    }
}

/// What a pipeline reports besides its summary metrics: its time series and
/// the searchable-latency distributions per path (P8), for charts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PipelineOutput {
    pub series: PipelineSeries,
    /// (seconds, fraction ≤) of the machine path's searchable latency.
    pub searchable_cdf_machine: Vec<(f64, f64)>,
    /// The same for the human path.
    pub searchable_cdf_human: Vec<(f64, f64)>,
    /// Issue 17: the most per-object entries held at once
    /// ([`Pipeline::peak_tracked_entries`]).
    pub peak_tracked_entries: u64,
}

impl Pipeline {
    /// Samples every queue's levels and every pool's busy pollers at `now`
    /// (one row of [`PipelineSeries`]).
    pub fn record_sample(&mut self, now: SimTime) {
        for q in 0..self.queues.len() {
            let l = self.queues[q].levels(now);
            self.series.values.extend([
                l.visible as f64,
                l.in_flight as f64,
                l.delayed as f64,
                l.oldest_age_s.unwrap_or(f64::NAN),
            ]);
        }
        let first = self.series.values.len();
        for c in &self.consumers {
            self.series.values.extend([0.0, c.busy_us as f64 / 1e6]);
        }
        for p in &self.pollers {
            if p.phase == PollerPhase::Processing {
                let k = first + 2 * p.consumer as usize;
                self.series.values[k] += 1.0;
                self.series.values[k + 1] += now.since(p.busy_since).as_secs_f64();
            }
        }
        for (ci, c) in self.consumers.iter().enumerate() {
            let running = match &c.scale {
                Some(st) => st.running,
                None => self.cfg.consumers[ci].count,
            };
            self.series.values.push(running as f64);
        }
    }

    /// The time series recorded so far and the searchable-latency CDFs
    /// (the series is moved out: call once, at the end).
    pub fn output(&mut self) -> PipelineOutput {
        let empty = PipelineSeries {
            columns: self.series.columns.clone(),
            values: Vec::new(),
        };
        PipelineOutput {
            series: std::mem::replace(&mut self.series, empty),
            searchable_cdf_machine: self.searchable.get(path_index(LabelPath::Machine)).cdf(400),
            searchable_cdf_human: self.searchable.get(path_index(LabelPath::Human)).cdf(400),
            peak_tracked_entries: self.peak_tracked_entries(),
        }
    }
}
