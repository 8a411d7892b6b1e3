//! Comparing policies (or scenario files) on common random numbers: every
//! contender's replication r runs on the streams of (seed, r), and the
//! tables give each contender's mean and 95% interval per metric and its
//! paired differences against the first.
//!
//! Common random numbers: arrivals and duplicate decisions are
//! per-producer streams, and each task's service and decline draws come from
//! a stream keyed by (object, attempt), so the same object gets the same
//! worker effort under every policy. Differences come from the policy, not
//! from noise; [`PairedDifference::unpaired_half_width`] says how wide the
//! interval would be without the pairing.
//!
//! `labelsim compare` (in `commands/compare.rs`) reads the arguments,
//! prints and writes; the work is here: [`policies`] / [`scenario_files`]
//! build the contenders, [`run`] runs them, [`compare`] computes the tables,
//! [`compare_csv`] gives compare.csv.

use crate::budget::{RunError, RunGuard};
use crate::engine::stats::mean_ci95;
use crate::human::Quantity;
use crate::model::catalog;
use crate::model::pipeline::ConfidenceDist;
use crate::model::{RunOutput, RunSummary, SimConfig};
use crate::runner::{self, Batch, Job, Seeding, WhenStopped};
use crate::scenario::paths::{OverrideError, PathError, ScenarioTemplate};
use crate::scenario::spec::PolicySpec;
use crate::scenario::yaml::{Mapping, Value};
use crate::scenario::{LoadOptions, Scenario};
use crate::suggest::{check_metric, numeric_metric_names_for, UnknownMetric};
use crate::sweep::metric_cell;
use std::fmt;
use std::path::PathBuf;

/// Why a comparison cannot be made. Every variant is fatal for the command;
/// nothing has been run.
#[derive(Debug)]
pub enum CompareError {
    /// No policies and no second scenario.
    NothingToCompare,
    /// The scenario's own text could not be read back as a template.
    Template(PathError),
    /// A policy makes the scenario invalid (`index` 0-based).
    Policy {
        index: usize,
        name: String,
        error: OverrideError,
    },
    /// Two scenario files would have the same name in the tables.
    SameName(String),
    /// A table metric that is not a numeric summary metric.
    Metric(UnknownMetric),
    /// A table metric asked for twice.
    MetricTwice(String),
}

impl fmt::Display for CompareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompareError::NothingToCompare => f.write_str(
                "nothing to compare: the scenario has no `compare:` list of policies (e.g. `- {name: open, throttle: {policy: none}}`)",
            ),
            CompareError::Template(e) => e.fmt(f),
            CompareError::Policy { index, name, error } => {
                write!(f, "compare[{index}] ({name}): {error}")
            }
            CompareError::SameName(n) => write!(
                f,
                "two scenarios are both called `{n}` (by name and by file name): rename one, so the tables can tell them apart"
            ),
            CompareError::Metric(e) => e.fmt(f),
            CompareError::MetricTwice(m) => write!(f, "`{m}` is given twice"),
        }
    }
}

impl std::error::Error for CompareError {}

/// What is compared: the policies of one scenario, or scenario files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Policy,
    Scenario,
}

impl Side {
    /// "policy" or "scenario", for headers and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Policy => "policy",
            Side::Scenario => "scenario",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Side::Policy => "policies",
            Side::Scenario => "scenarios",
        }
    }
}

/// The contenders of a comparison.
#[derive(Clone, Debug)]
pub struct Contenders {
    pub side: Side,
    pub names: Vec<String>,
    pub configs: Vec<SimConfig>,
    /// (title, text) of each scenario file shown in a report: the one
    /// scenario for policies, every file for scenarios.
    pub texts: Vec<(String, String)>,
}

/// The policies `entries` (the scenario's `compare:` list, or a policies
/// file), each the scenario with the entry merged in (see
/// [`merge_named_items`]) and validated.
pub fn policies(
    scenario: &Scenario,
    entries: &[PolicySpec],
    opts: LoadOptions,
) -> Result<Contenders, CompareError> {
    if entries.is_empty() {
        return Err(CompareError::NothingToCompare);
    }
    let template = ScenarioTemplate::of(scenario, opts).map_err(CompareError::Template)?;
    let base = template.doc();
    let mut names = Vec::new();
    let mut configs = Vec::new();
    for (index, e) in entries.iter().enumerate() {
        let patch = merge_named_items(base, &Value::Mapping(e.overrides.clone()), true);
        let s = template
            .with_patch(&patch)
            .map_err(|error| CompareError::Policy {
                index,
                name: e.name.clone(),
                error,
            })?;
        names.push(e.name.clone());
        configs.push(s.sim);
    }
    Ok(Contenders {
        side: Side::Policy,
        names,
        configs,
        texts: vec![("Scenario".into(), scenario.text.clone())],
    })
}

/// Scenario files side by side, as loaded from `files` (the first is the
/// reference of the paired differences). Each is named by its scenario's
/// `name`, or by its file where two share one.
pub fn scenario_files(
    scenarios: Vec<Scenario>,
    files: &[PathBuf],
) -> Result<Contenders, CompareError> {
    let shared = |s: &Scenario| scenarios.iter().filter(|t| t.name == s.name).count() > 1;
    let names: Vec<String> = scenarios
        .iter()
        .zip(files)
        .map(|(s, path)| {
            if shared(s) {
                path.file_stem()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string())
            } else {
                s.name.clone()
            }
        })
        .collect();
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(CompareError::SameName(n.clone()));
        }
    }
    Ok(Contenders {
        side: Side::Scenario,
        texts: names
            .iter()
            .zip(&scenarios)
            .map(|(n, s)| (format!("Scenario {n} ({})", s.origin), s.text.clone()))
            .collect(),
        names,
        configs: scenarios.into_iter().map(|s| s.sim).collect(),
    })
}

/// Merges an entry's lists into the scenario's by item `name`, so that
/// [`ScenarioTemplate::with_patch`] (which replaces lists whole) sees the
/// merged list: a list item whose `name` matches an item of the scenario's
/// list is merged into it key by key (recursively, by the same rule), the
/// scenario's other items stay, and items with new names are added. A list
/// none of whose items names a scenario item replaces the scenario's, as
/// does any list at all under the top-level `throttle`. Returns the patch
/// with only its own keys, its named lists expanded.
pub fn merge_named_items(base: &Value, patch: &Value, top: bool) -> Value {
    match (base, patch) {
        (Value::Mapping(b), Value::Mapping(p)) => {
            let mut out = Mapping::new();
            for (k, v) in p {
                let whole = top && k.as_str() == Some("throttle");
                let merged = match b.get(k) {
                    Some(bv) if !whole => merge_named_items(bv, v, false),
                    _ => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Mapping(out)
        }
        (Value::Sequence(b), Value::Sequence(p)) => {
            let name = |v: &Value| v.get("name").and_then(Value::as_str).map(str::to_string);
            let matches = p
                .iter()
                .filter_map(name)
                .any(|n| b.iter().any(|x| name(x).as_deref() == Some(n.as_str())));
            if !matches {
                return patch.clone();
            }
            let mut list = b.clone();
            for item in p {
                let slot = name(item)
                    .and_then(|n| list.iter().position(|x| name(x).as_deref() == Some(&n)));
                match slot {
                    Some(i) => list[i] = merged(&list[i], item),
                    None => list.push(item.clone()),
                }
            }
            Value::Sequence(list)
        }
        _ => patch.clone(),
    }
}

/// `patch` merged into `base` in full: mappings key by key, lists by item
/// name as in [`merge_named_items`], anything else replaced.
fn merged(base: &Value, patch: &Value) -> Value {
    match (base, patch) {
        (Value::Mapping(b), Value::Mapping(p)) => {
            let mut out = b.clone();
            for (k, v) in p {
                let m = match b.get(k) {
                    Some(bv) => merged(bv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), m);
            }
            Value::Mapping(out)
        }
        (Value::Sequence(_), Value::Sequence(_)) => merge_named_items(base, patch, false),
        _ => patch.clone(),
    }
}

/// One column of the comparison tables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableMetric {
    pub metric: String,
    /// The column header.
    pub label: String,
    /// How its cells are printed (a duration, money, a share, a number).
    pub quantity: Quantity,
}

/// Metrics in the comparison tables by default, where the contenders are
/// labeling jobs without a pipeline.
pub const DEFAULT_TABLE: &[&str] = &[
    catalog::OBJECTS_LABELED,
    catalog::EXPIRED_IN_QUEUE,
    LOST_TO_STOP,
    catalog::HELD_AT_END,
    catalog::E2E_TIME_TO_LABEL_P50_S,
    catalog::E2E_TIME_TO_LABEL_P95_S,
    catalog::COST_USD,
];

/// By default, where the contenders are pipelines without a labeling job
/// (P1–P9): what was indexed and how fast, where the other messages went,
/// and the cost beside the cost per indexed document, so that a pipeline
/// that processed a fraction of its messages does not look cheaper.
pub const PIPELINE_TABLE: &[&str] = &[
    catalog::INDEXED_DOCUMENTS,
    catalog::SEARCHABLE_LATENCY_P50_S,
    catalog::SEARCHABLE_LATENCY_P95_S,
    catalog::DEAD_LETTERED,
    catalog::EXPIRED,
    IN_QUEUES_AT_END,
    catalog::COST_USD,
    COST_PER_INDEXED_DOCUMENT,
];

/// By default, where a contender has a pipeline and one has a labeling job
/// (results routed to people, P6): the job's and the pipeline's outcomes,
/// and the cost beside the cost per correct label.
pub const PIPELINE_AND_JOB_TABLE: &[&str] = &[
    catalog::INDEXED_DOCUMENTS,
    catalog::ROUTED_TO_HUMANS,
    catalog::OBJECTS_LABELED,
    catalog::SEARCHABLE_LATENCY_P50_S,
    catalog::SEARCHABLE_LATENCY_P95_S,
    catalog::DEAD_LETTERED,
    IN_QUEUES_AT_END,
    catalog::QUEUED_AT_END,
    catalog::ACCURACY_OVERALL,
    catalog::COST_USD,
    catalog::COST_PER_CORRECT_LABEL,
];

/// `lost_after_stop + stranded_at_stop`: a table metric of its own.
pub const LOST_TO_STOP: &str = "lost_to_stop";

/// Messages in a pipeline's queues at the end, over all queues: visible,
/// in flight and delayed (P1); a table metric of its own.
pub const IN_QUEUES_AT_END: &str = "in_queues_at_end";

/// `cost_usd / indexed_documents`: what each document in the index cost
/// (P7); a table metric of its own, none where nothing was indexed.
pub const COST_PER_INDEXED_DOCUMENT: &str = "cost_per_indexed_document";

/// The table metrics compare computes from others.
pub const DERIVED: [&str; 3] = [LOST_TO_STOP, IN_QUEUES_AT_END, COST_PER_INDEXED_DOCUMENT];

/// A metric's column header: its catalog column, the short header of a
/// pipeline metric, else its key.
pub fn column_label(metric: &str) -> &str {
    match metric {
        LOST_TO_STOP => return "lost to stop",
        IN_QUEUES_AT_END => return "still queued",
        COST_PER_INDEXED_DOCUMENT => return "per indexed doc [USD]",
        catalog::INDEXED_DOCUMENTS => return "indexed",
        catalog::ROUTED_TO_HUMANS => return "to humans",
        catalog::SEARCHABLE_LATENCY_P50_S => return "searchable p50",
        catalog::SEARCHABLE_LATENCY_P95_S => return "searchable p95",
        catalog::DEAD_LETTERED => return "dead-lettered",
        catalog::EXPIRED => return "expired (retention)",
        catalog::ACCURACY_OVERALL => return "accuracy",
        catalog::QUEUED_AT_END => return "queued for people",
        catalog::COST_PER_CORRECT_LABEL => return "per correct label [USD]",
        _ => {}
    }
    catalog::def(metric)
        .and_then(|d| d.column)
        .unwrap_or(metric)
}

/// How a table metric's cells are printed: its catalog unit's, or the
/// derived metric's.
pub fn quantity_of(metric: &str) -> Quantity {
    match metric {
        LOST_TO_STOP | IN_QUEUES_AT_END => Quantity::Plain,
        COST_PER_INDEXED_DOCUMENT => Quantity::Money,
        m => Quantity::of(m),
    }
}

/// The default table metrics for these contenders: [`DEFAULT_TABLE`] for
/// labeling jobs, [`PIPELINE_TABLE`] for pipelines without a job,
/// [`PIPELINE_AND_JOB_TABLE`] where both are present. A pipeline whose
/// labels carry a confidence (or are routed) shows the cost per correct
/// label rather than per indexed document.
pub fn default_table(configs: &[SimConfig]) -> Vec<&'static str> {
    let pipeline = configs.iter().any(|c| c.pipeline.is_some());
    let job = configs.iter().any(|c| !c.no_job);
    match (pipeline, job) {
        (false, _) => DEFAULT_TABLE.to_vec(),
        (true, true) => PIPELINE_AND_JOB_TABLE.to_vec(),
        (true, false) => {
            let scored = configs.iter().filter_map(|c| c.pipeline.as_ref()).any(|p| {
                p.consumers
                    .iter()
                    .any(|k| !matches!(k.confidence, ConfidenceDist::Constant(x) if x == 1.0))
            });
            PIPELINE_TABLE
                .iter()
                .map(|&m| match m {
                    COST_PER_INDEXED_DOCUMENT if scored => catalog::COST_PER_CORRECT_LABEL,
                    m => m,
                })
                .collect()
        }
    }
}

/// The table's metrics: `asked` (checked against the metrics every
/// contender has, and [`DERIVED`]), or [`default_table`].
pub fn table_metrics(
    asked: &[String],
    configs: &[SimConfig],
) -> Result<Vec<TableMetric>, CompareError> {
    let column = |m: &str| TableMetric {
        metric: m.to_string(),
        label: column_label(m).to_string(),
        quantity: quantity_of(m),
    };
    if asked.is_empty() {
        return Ok(default_table(configs).into_iter().map(column).collect());
    }
    let mut known = DERIVED.to_vec();
    for cfg in configs {
        for m in numeric_metric_names_for(cfg) {
            if !known.contains(&m) {
                known.push(m);
            }
        }
    }
    let mut out: Vec<TableMetric> = Vec::new();
    for m in asked {
        check_metric(m, &known).map_err(CompareError::Metric)?;
        if out.iter().any(|c| c.metric == *m) {
            return Err(CompareError::MetricTwice(m.clone()));
        }
        out.push(column(m));
    }
    Ok(out)
}

/// Runs every contender `replications` times on common random numbers
/// ([`Seeding::PerReplication`]: every contender's replication r draws the
/// streams of (seed, r)) through [`runner::execute`], in parallel on the
/// current rayon pool under `guard`; `on_done` is called after each run.
/// Returns the runs per contender, in replication order. A stop or an
/// invariant violation names the contender and replication.
pub fn run(
    contenders: &Contenders,
    replications: u32,
    seed: u64,
    guard: &RunGuard,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<Vec<RunOutput>>, RunError> {
    let jobs = Job::grid(contenders.configs.len(), replications);
    let what = contenders.side.as_str();
    let batch = Batch {
        configs: &contenders.configs,
        jobs: &jobs,
        seed,
        seeding: Seeding::PerReplication,
        guard: Some(guard),
        when_stopped: WhenStopped::Fail,
        name: &|job| {
            let who = &contenders.names[job.config];
            format!("{what} {who}, replication {}", job.replication + 1)
        },
    };
    let outputs = runner::execute(&batch, &|out| out, on_done)?;
    let mut per: Vec<Vec<RunOutput>> = vec![Vec::new(); contenders.configs.len()];
    // Under WhenStopped::Fail every job that comes back has its output.
    for (o, job) in outputs.into_iter().zip(&jobs) {
        per[job.config].extend(o);
    }
    Ok(per)
}

/// A metric's value in one run; NaN where the run has none.
pub fn metric_value(s: &RunSummary, metric: &str) -> f64 {
    let pipeline = |key: &str| -> Option<f64> {
        s.pipeline
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| *v)
    };
    match metric {
        LOST_TO_STOP => (s.lost_after_stop + s.stranded_at_stop) as f64,
        IN_QUEUES_AT_END => {
            // A queue's keys are the ones with `.enqueued` (P1).
            let queues: Vec<&str> = s
                .pipeline
                .iter()
                .filter_map(|(k, _)| k.strip_suffix(".enqueued"))
                .collect();
            if queues.is_empty() {
                return f64::NAN;
            }
            queues
                .iter()
                .flat_map(|q| {
                    ["visible_at_end", "in_flight_at_end", "delayed_at_end"]
                        .map(|m| pipeline(&format!("{q}.{m}")))
                })
                .map(|v| v.unwrap_or(0.0))
                .sum()
        }
        COST_PER_INDEXED_DOCUMENT => match pipeline(catalog::INDEXED_DOCUMENTS) {
            Some(n) if n > 0.0 => s.cost_usd / n,
            _ => f64::NAN,
        },
        _ => s
            .metrics()
            .into_iter()
            .find(|(k, _)| *k == metric)
            .and_then(|(_, v)| v.as_f64())
            .unwrap_or(f64::NAN),
    }
}

/// A mean and its 95% interval over the `n` replications with a value;
/// NaN everywhere when none had one, and a zero-width interval (which
/// says nothing) when one had.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
    pub n: usize,
}

impl Interval {
    /// Mean and 95% interval of the finite values of `xs` (SPEC §4a: only
    /// the replications that have a value).
    fn of(xs: &[f64]) -> Interval {
        let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
        let (mean, lo, hi) = mean_ci95(&finite).unwrap_or((f64::NAN, f64::NAN, f64::NAN));
        Interval {
            mean,
            lo,
            hi,
            n: finite.len(),
        }
    }

    pub fn half_width(&self) -> f64 {
        (self.hi - self.lo) / 2.0
    }
}

/// One contender against the first, for one metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairedDifference {
    /// Mean and 95% interval of (contender − first) over the replications
    /// where both have a value.
    pub difference: Interval,
    /// The interval's half-width had the runs been independent: the
    /// variance reduction common random numbers buy.
    pub unpaired_half_width: f64,
}

/// The comparison tables.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// `[contender][metric]`.
    pub estimates: Vec<Vec<Interval>>,
    /// `[contender − 1][metric]`: every contender but the first against it.
    pub differences: Vec<Vec<PairedDifference>>,
}

/// Estimates and paired differences of `metrics` from the runs of
/// [`run`].
pub fn compare(runs: &[Vec<RunOutput>], metrics: &[TableMetric]) -> Comparison {
    let values = |p: usize, m: &str| -> Vec<f64> {
        runs[p]
            .iter()
            .map(|o| metric_value(&o.summary, m))
            .collect()
    };
    let estimates = (0..runs.len())
        .map(|p| {
            metrics
                .iter()
                .map(|m| Interval::of(&values(p, &m.metric)))
                .collect()
        })
        .collect();
    let differences = (1..runs.len())
        .map(|p| {
            metrics
                .iter()
                .map(|m| {
                    let a = values(0, &m.metric);
                    let b = values(p, &m.metric);
                    // Pairs where both contenders have a value.
                    let d: Vec<f64> = b.iter().zip(&a).map(|(x, y)| x - y).collect();
                    let (ia, ib) = (Interval::of(&a), Interval::of(&b));
                    PairedDifference {
                        difference: Interval::of(&d),
                        unpaired_half_width: (ia.half_width().powi(2) + ib.half_width().powi(2))
                            .sqrt(),
                    }
                })
                .collect()
        })
        .collect();
    Comparison {
        estimates,
        differences,
    }
}

/// compare.csv: one row per (contender, replication) with every metric of
/// the first contender's scenario, then the service levels only others
/// have; raw numbers.
pub fn compare_csv(contenders: &Contenders, runs: &[Vec<RunOutput>]) -> Vec<u8> {
    let configs = &contenders.configs;
    let mut metric_names = RunSummary::metric_names_for_config(&configs[0]);
    for c in &configs[1..] {
        for m in RunSummary::metric_names_for_config(c) {
            if !metric_names.contains(&m) {
                metric_names.push(m);
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    // The contract's first column is `policy` whatever is compared: for
    // scenario files it holds each file's scenario name.
    let mut header = vec!["policy".to_string(), "replication".to_string()];
    header.extend(metric_names.iter().map(|m| m.to_string()));
    w.write_record(&header).expect("in-memory CSV");
    for (p, runs) in runs.iter().enumerate() {
        for (r, o) in runs.iter().enumerate() {
            let mut row = vec![contenders.names[p].clone(), (r + 1).to_string()];
            let values = o.summary.metrics();
            row.extend(metric_names.iter().map(|m| {
                values
                    .iter()
                    .find(|(k, _)| k == m)
                    .map(|(_, v)| metric_cell(v))
                    .unwrap_or_default()
            }));
            w.write_record(&row).expect("in-memory CSV");
        }
    }
    w.into_inner().expect("in-memory CSV")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_table_metric_gets_a_suggestion() {
        let cfg = Scenario::bundled().sim;
        let e = table_metrics(&["objects_labled".into()], std::slice::from_ref(&cfg)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`objects_labled` is not a numeric summary metric; did you mean `objects_labeled`?"
        );
        let e = table_metrics(&["cost_usd".into(), "cost_usd".into()], &[cfg]).unwrap_err();
        assert!(matches!(e, CompareError::MetricTwice(_)), "{e}");
    }

    /// Issue 17: the default columns follow what the contenders contain.
    #[test]
    fn default_tables_follow_the_contenders_contents() {
        let load = |f: &str| {
            let path = format!("{}/scenarios/{f}", env!("CARGO_MANIFEST_DIR"));
            Scenario::load(std::path::Path::new(&path), Default::default())
                .unwrap()
                .sim
        };
        let job = Scenario::bundled().sim;
        let fifo = load("pipeline-fifo-vs-standard.yaml");
        let scored = load("pipeline-seed.yaml");
        let hybrid = load("pipeline-hybrid.yaml");
        assert_eq!(default_table(std::slice::from_ref(&job)), DEFAULT_TABLE);
        assert_eq!(default_table(std::slice::from_ref(&fifo)), PIPELINE_TABLE);
        // Labels with a confidence: the cost per correct label.
        let t = default_table(&[fifo.clone(), scored]);
        assert_eq!(t.last(), Some(&catalog::COST_PER_CORRECT_LABEL));
        assert_eq!(t[..t.len() - 1], PIPELINE_TABLE[..PIPELINE_TABLE.len() - 1]);
        assert_eq!(default_table(&[fifo, job]), PIPELINE_AND_JOB_TABLE);
        assert_eq!(default_table(&[hybrid]), PIPELINE_AND_JOB_TABLE);
        let header = |m: &str| table_metrics(&[m.to_string()], &[]).unwrap()[0].clone();
        assert_eq!(header(COST_PER_INDEXED_DOCUMENT).quantity, Quantity::Money);
        assert_eq!(header(IN_QUEUES_AT_END).label, "still queued");
    }

    #[test]
    fn paired_differences_of_identical_contenders_are_zero() {
        let s = Scenario::bundled();
        let mut cfg = s.sim.clone();
        cfg.horizon = crate::engine::SimTime::after(crate::engine::SimDuration::from_hours(24));
        let c = Contenders {
            side: Side::Policy,
            names: vec!["a".into(), "b".into()],
            configs: vec![cfg.clone(), cfg],
            texts: vec![],
        };
        let guard = RunGuard::default();
        let runs = run(&c, 3, 7, &guard, &|| {}).unwrap();
        let metrics = table_metrics(&[], &c.configs).unwrap();
        let t = compare(&runs, &metrics);
        assert_eq!(t.estimates[0], t.estimates[1]);
        let labeled = t.differences[0][0];
        assert_eq!(
            (
                labeled.difference.mean,
                labeled.difference.lo,
                labeled.difference.hi
            ),
            (0.0, 0.0, 0.0)
        );
        assert!(labeled.unpaired_half_width > 0.0);
    }
}
