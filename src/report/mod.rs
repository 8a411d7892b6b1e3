//! Exporters: summary.json, summary.csv, timeseries.csv, timing.json, and
//! report.html ([`html`], its headline from [`headline`]). Each serialises
//! to bytes; [`crate::output::OutputDir`] puts them in place, so a crash
//! never leaves a half-written file.

pub mod headline;
pub mod html;

/// One report, whatever command made it (issue 19): a title, what it says
/// first ([`html::Lead`]: the answer, lines that qualify it, the command
/// line), then sections of tables, text and charts. An exporter turns it
/// into a file: [`html::export`] into report.html.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    pub lead: html::Lead,
    pub sections: Vec<Section>,
}

/// A section of a [`Report`]: a heading and what is under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub body: Block,
}

/// What a [`Section`] holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A table: a header row and rows of cells, as printed.
    Table {
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// Preformatted text (a scenario, a design), shown as it is.
    Text(String),
    /// Markup already made for the format (charts embedded as
    /// [`html::chart`]s, or the note that charts were skipped).
    Html(String),
}

impl Section {
    pub fn table(heading: impl Into<String>, headers: &[String], rows: &[Vec<String>]) -> Section {
        Section {
            heading: heading.into(),
            body: Block::Table {
                headers: headers.to_vec(),
                rows: rows.to_vec(),
            },
        }
    }

    pub fn text(heading: impl Into<String>, text: impl Into<String>) -> Section {
        Section {
            heading: heading.into(),
            body: Block::Text(text.into()),
        }
    }

    pub fn html(heading: impl Into<String>, html: impl Into<String>) -> Section {
        Section {
            heading: heading.into(),
            body: Block::Html(html.into()),
        }
    }
}

use crate::model::{MetricValue, RunOutput, RunSummary, Sample};
use crate::runner::Aggregate;
use serde_json::{json, Map, Value};

fn metric_json(v: &MetricValue) -> Value {
    match v {
        MetricValue::Count(c) => json!(c),
        MetricValue::Real(r) if r.is_finite() => json!(r),
        MetricValue::Real(_) => Value::Null,
        MetricValue::Text(s) => json!(s),
        MetricValue::Missing => Value::Null,
    }
}

fn metrics_object(ms: &[(&'static str, MetricValue)]) -> Value {
    let mut m = Map::new();
    for (k, v) in ms {
        m.insert((*k).to_string(), metric_json(v));
    }
    Value::Object(m)
}

/// The `mean` and `ci95` objects of an aggregate, as in summary.json.
pub fn aggregate_json(agg: &Aggregate) -> (Value, Value) {
    let mut ci = Map::new();
    for (k, v) in &agg.ci95 {
        let v = match v {
            Some((lo, hi)) => json!([finite(*lo), finite(*hi)]),
            None => Value::Null,
        };
        ci.insert((*k).to_string(), v);
    }
    (metrics_object(&agg.mean), Value::Object(ci))
}

/// How many replications have a value, for every metric that can be empty
/// (SPEC §4a: means and intervals say over how many they were taken).
pub fn counts_json(agg: &Aggregate) -> Value {
    let mut m = Map::new();
    for (k, n) in &agg.n {
        if RunSummary::may_be_empty(k) {
            m.insert((*k).to_string(), json!(n));
        }
    }
    Value::Object(m)
}

/// summary.json (SPEC §4).
pub fn summary_json(name: &str, seed: u64, runs: &[RunOutput], agg: &Aggregate) -> Vec<u8> {
    let (mean, ci) = aggregate_json(agg);
    let doc = json!({
        "scenario": name,
        "seed": seed,
        "replications": runs.len(),
        "runs": runs.iter().map(|r| metrics_object(&r.summary.metrics())).collect::<Vec<_>>(),
        "mean": mean,
        "ci95": ci,
        "n": counts_json(agg),
    });
    let mut out = serde_json::to_vec_pretty(&doc).expect("JSON serialisation");
    out.push(b'\n');
    out
}

fn finite(x: f64) -> Value {
    if x.is_finite() {
        json!(x)
    } else {
        Value::Null
    }
}

fn cell(v: &MetricValue) -> String {
    match v {
        MetricValue::Count(c) => c.to_string(),
        MetricValue::Real(r) => crate::human::csv_number(Some(*r)),
        MetricValue::Text(s) => s.clone(),
        MetricValue::Missing => String::new(),
    }
}

/// summary.csv: a row per replication.
pub fn summary_csv(runs: &[RunOutput]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["replication"];
    match runs.first() {
        Some(r) => header.extend(r.summary.metrics().iter().map(|(k, _)| *k)),
        None => header.extend(RunSummary::metric_names()),
    }
    w.write_record(&header).expect("in-memory CSV");
    for (i, r) in runs.iter().enumerate() {
        let mut row = vec![(i + 1).to_string()];
        row.extend(r.summary.metrics().iter().map(|(_, v)| cell(v)));
        w.write_record(&row).expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}

/// timeseries.csv: every sample of every replication. A pipeline run adds
/// its columns (`<queue>.visible`, ..., `<consumer>.busy_time_s`, see
/// [`crate::model::pipeline::series`]) after the job's; a quantity with no
/// value (the oldest age of an empty queue) is an empty cell.
pub fn timeseries_csv(runs: &[RunOutput]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["replication"];
    header.extend(Sample::COLUMNS);
    let pipe_columns = runs
        .first()
        .and_then(|r| r.pipeline.as_ref())
        .map(|p| p.series.columns.as_slice())
        .unwrap_or_default();
    header.extend(pipe_columns.iter().map(String::as_str));
    w.write_record(&header).expect("in-memory CSV");
    for (i, r) in runs.iter().enumerate() {
        let series = r.pipeline.as_ref().map(|p| &p.series);
        for (k, s) in r.timeseries.iter().enumerate() {
            let mut row = vec![(i + 1).to_string()];
            row.extend(s.values().iter().map(|v| v.to_string()));
            if let Some(series) = series.filter(|s| !s.columns.is_empty()) {
                row.extend(series.row(k).iter().map(|v| {
                    if v.is_nan() {
                        String::new()
                    } else {
                        v.to_string()
                    }
                }));
            }
            w.write_record(&row).expect("in-memory CSV");
        }
    }
    w.into_inner().expect("in-memory CSV")
}

/// timing.json: the only output allowed to differ between identical runs.
pub fn timing_json(wall_s: f64, events: u64) -> Vec<u8> {
    let eps = if wall_s > 0.0 {
        events as f64 / wall_s
    } else {
        0.0
    };
    let mut out = serde_json::to_vec_pretty(&json!({
        "wall_s": wall_s,
        "events": events,
        "events_per_s": eps,
    }))
    .expect("JSON serialisation");
    out.push(b'\n');
    out
}
