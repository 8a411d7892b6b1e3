//! Parameter sweeps: designs (grids and Latin hypercubes over scenario
//! paths), parallel execution of every (point, replication), and the
//! `sweep.csv` / `sweep_summary.csv` tables.
//!
//! Each (point, replication) draws from its own streams, derived from
//! (seed, point, replication), and rows are kept sorted by (point,
//! replication). Results therefore do not depend on the thread count, the
//! order of completion, sharding or resumption. Rows are stored as the text
//! written to CSV, and summaries are computed from that text, so a merged or
//! resumed sweep reproduces the uninterrupted one byte for byte.

use crate::budget::{RunError, RunGuard};
use crate::engine::rng::{splitmix64, SimRng};
use crate::engine::stats::mean_ci95;
use crate::engine::time::US_PER_H;
use crate::model::catalog;
use crate::model::{MetricValue, RunSummary, SimConfig};
use crate::runner::{self, Batch, Job, Seeding, WhenStopped};
use crate::scenario::paths::{value_text, ParamPath};
use crate::scenario::paths::{OverrideError, ScenarioTemplate};
use crate::scenario::units::{parse_duration, parse_rate};
use crate::scenario::yaml::{self, Value};
use crate::scenario::Scenario;
use rand::{RngExt, SeedableRng};
use std::fmt;

/// Why a sweep (or a plan's grid) cannot be made or read back. Fatal for
/// the command; nothing has been run. Messages name the path and values
/// as written (`workers[0].count=5..1:1`), not the flag they came from:
/// the commands add that.
#[derive(Debug)]
pub enum SweepError {
    /// Not `PATH=VALUES`.
    VaryForm(String),
    /// A path outside the path grammar (the parser's message).
    Path(String),
    /// A path that leads nowhere in the scenario (e.g. a list addressed
    /// without an index).
    PathLeadsNowhere(String),
    /// `PATH=` with nothing after it.
    NoValues(String),
    /// Values that cannot be read: (`PATH=VALUES`, why).
    Values(String, String),
    /// A range without a step outside a Latin-hypercube design.
    NoStep(String),
    /// No parameter at all.
    NothingToVary,
    /// The same field varied twice: its path, or both paths (`a` and `b`).
    VaryTwice(String),
    /// A Latin-hypercube design of no samples.
    ZeroSamples,
    /// More samples than [`MAX_POINTS`].
    TooManySamples(u32),
    /// A grid of more than [`MAX_POINTS`].
    TooManyPoints(usize),
    /// A point whose scenario is invalid: what it is ("sweep point",
    /// "plan value"), its 1-based number, its values, why.
    Point {
        what: &'static str,
        number: usize,
        at: String,
        error: OverrideError,
    },
    /// Not `i/n` with 1 <= i <= n.
    Shard(String),
    /// A sweep.csv that cannot be read back.
    Csv(String),
    /// One (point, replication) twice with different results.
    Conflict { point: usize, replication: u32 },
    /// An entry of the scenario's `sweep.vary`: where (`FILE:LINE`), why.
    Section { at: String, error: Box<SweepError> },
}

impl fmt::Display for SweepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepError::VaryForm(arg) => write!(f, "`{arg}`: write PATH=VALUES, e.g. `workers[0].count=5,10,15` or `job.max_concurrent_task_count=100..1000:100`"),
            SweepError::Path(m) | SweepError::PathLeadsNowhere(m) | SweepError::Csv(m) => {
                f.write_str(m)
            }
            SweepError::NoValues(p) => write!(f, "`{p}`: no values"),
            SweepError::Values(vary, why) => write!(f, "`{vary}`: {why}"),
            SweepError::NoStep(vary) => write!(
                f,
                "`{vary}`: give a step (`lo..hi:step`), or sample the range in a Latin-hypercube design"
            ),
            SweepError::NothingToVary => {
                f.write_str("nothing to vary: give at least one parameter and its values")
            }
            SweepError::VaryTwice(p) => write!(
                f,
                "`{p}`: one field varied twice (or one inside the other); vary each field once"
            ),
            SweepError::ZeroSamples => {
                f.write_str("a Latin-hypercube design needs at least 1 sample")
            }
            SweepError::TooManySamples(m) => write!(
                f,
                "{m} samples: at most {MAX_POINTS} points in one sweep (split it into shards or runs)"
            ),
            SweepError::TooManyPoints(total) => write!(
                f,
                "the grid has {total} points; at most {MAX_POINTS} in one sweep (coarsen a step, or split it into runs)"
            ),
            SweepError::Point {
                what,
                number,
                at,
                error,
            } => write!(f, "{what} {number} ({at}): {error}"),
            SweepError::Shard(s) => write!(f, "`{s}`: write i/n with 1 <= i <= n, e.g. 3/8"),
            SweepError::Conflict { point, replication } => write!(
                f,
                "point {point} replication {replication} appears twice with different results"
            ),
            SweepError::Section { at, error } => write!(f, "{at}: sweep.vary: {error}"),
        }
    }
}

impl std::error::Error for SweepError {}

/// A sweep design: the varied paths and the values at each point.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    pub params: Vec<ParamPath>,
    pub points: Vec<Vec<Value>>,
}

/// Splits `PATH=VALUES`.
pub fn parse_vary(arg: &str) -> Result<(ParamPath, String), SweepError> {
    let (path, values) = arg
        .split_once('=')
        .ok_or_else(|| SweepError::VaryForm(arg.to_string()))?;
    let path = ParamPath::parse(path).map_err(|e| SweepError::Path(e.to_string()))?;
    if values.trim().is_empty() {
        return Err(SweepError::NoValues(path.to_string()));
    }
    Ok((path, values.trim().to_string()))
}

/// What kind of quantity a range is over.
#[derive(Clone, Copy, Debug, PartialEq)]
enum RangeKind {
    Int,
    Float,
    /// Microseconds (the clock's tick).
    Duration,
    /// Per µs, written per `unit`.
    Rate {
        unit_ticks: f64,
    },
}

#[derive(Clone, Debug, PartialEq)]
struct Range {
    kind: RangeKind,
    lo: f64,
    hi: f64,
    step: Option<f64>,
    unit: String,
}

fn rate_unit(text: &str) -> Option<(String, f64)> {
    let unit = text.split_once('/')?.1.trim().to_string();
    let per = parse_rate(&format!("1/{unit}")).ok()?;
    Some((unit, 1.0 / per))
}

fn parse_range(path: &ParamPath, text: &str) -> Result<Option<Range>, SweepError> {
    let Some((lo, rest)) = text.split_once("..") else {
        return Ok(None);
    };
    let (hi, step) = match rest.split_once(':') {
        Some((h, s)) => (h, Some(s)),
        None => (rest, None),
    };
    let err = |why: String| SweepError::Values(format!("{path}={text}"), why);
    let (lo, hi) = (lo.trim(), hi.trim());
    let step = step.map(str::trim);
    // Numbers.
    if let (Ok(l), Ok(h)) = (lo.parse::<f64>(), hi.parse::<f64>()) {
        let s = match step {
            Some(s) => Some(
                s.parse::<f64>()
                    .map_err(|_| err(format!("step `{s}` is not a number")))?,
            ),
            None => None,
        };
        let all_int = [lo, hi].iter().all(|x| x.parse::<i64>().is_ok())
            && step.is_none_or(|s| s.parse::<i64>().is_ok());
        return Ok(Some(Range {
            kind: if all_int {
                RangeKind::Int
            } else {
                RangeKind::Float
            },
            lo: l,
            hi: h,
            step: s,
            unit: String::new(),
        }));
    }
    // Rates.
    if lo.contains('/') {
        let l = parse_rate(lo).map_err(err)?;
        let h = parse_rate(hi).map_err(err)?;
        let s = step.map(|s| parse_rate(s).map_err(err)).transpose()?;
        let (unit, unit_ticks) =
            rate_unit(lo).ok_or_else(|| err(format!("`{lo}` has no rate unit")))?;
        return Ok(Some(Range {
            kind: RangeKind::Rate { unit_ticks },
            lo: l,
            hi: h,
            step: s,
            unit,
        }));
    }
    // Durations.
    let l = parse_duration(lo).map_err(err)?.as_micros() as f64;
    let h = parse_duration(hi).map_err(err)?.as_micros() as f64;
    let s = step
        .map(|s| parse_duration(s).map(|d| d.as_micros() as f64).map_err(err))
        .transpose()?;
    Ok(Some(Range {
        kind: RangeKind::Duration,
        lo: l,
        hi: h,
        step: s,
        unit: String::new(),
    }))
}

/// A float without representation noise (12 significant digits).
fn clean(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 12 - x.abs().log10().ceil() as i32;
    let f = 10f64.powi(digits.clamp(-300, 300));
    (x * f).round() / f
}

fn range_value(r: &Range, x: f64) -> Value {
    match r.kind {
        RangeKind::Int => Value::from(x.round() as i64),
        RangeKind::Float => Value::from(clean(x)),
        RangeKind::Duration => Value::from(crate::engine::SimDuration::from_micros_f64(x).human()),
        RangeKind::Rate { unit_ticks } => {
            let n = clean(x * unit_ticks);
            Value::from(format!("{n}/{}", r.unit))
        }
    }
}

fn expand_grid(path: &ParamPath, text: &str) -> Result<Vec<Value>, SweepError> {
    let err = |why: String| SweepError::Values(format!("{path}={text}"), why);
    match parse_range(path, text)? {
        Some(r) => {
            let step = r
                .step
                .ok_or_else(|| SweepError::NoStep(format!("{path}={text}")))?;
            if !(r.lo.is_finite() && r.hi.is_finite() && step.is_finite()) {
                return Err(err("the bounds and the step must be finite numbers".into()));
            }
            if step <= 0.0 || r.hi < r.lo {
                return Err(err("need lo <= hi and a positive step".into()));
            }
            // Counted in floating point first: a count past usize (or one
            // that the `+ 1` would wrap to 0) is refused, not run as none.
            let count = ((r.hi - r.lo) / step + 1e-9).floor() + 1.0;
            if count > 100_000.0 {
                return Err(err(if count.is_finite() {
                    format!("{} values; at most 100,000", crate::human::number(count))
                } else {
                    "more values than can be counted; at most 100,000".to_string()
                }));
            }
            let n = count as usize;
            Ok((0..n)
                .map(|i| range_value(&r, r.lo + i as f64 * step))
                .collect())
        }
        None => text
            .split(',')
            .map(|item| {
                let item = item.trim();
                if item.is_empty() {
                    return Err(err("empty value in the list".into()));
                }
                Ok(yaml::value_from_arg(item))
            })
            .collect(),
    }
}

/// Builds the design: the full grid of the listed values (first parameter
/// varying slowest), or with `samples` a Latin hypercube of that many
/// points over the ranges (seeded from `seed`).
/// Points one design may have: beyond this the designs and per-point
/// configurations alone take gigabytes, before any run.
pub const MAX_POINTS: usize = 1_000_000;

pub fn design(
    varies: &[(ParamPath, String)],
    samples: Option<u32>,
    seed: u64,
) -> Result<Design, SweepError> {
    if varies.is_empty() {
        return Err(SweepError::NothingToVary);
    }
    for (i, (p, _)) in varies.iter().enumerate() {
        if varies[..i].iter().any(|(q, _)| q == p) {
            return Err(SweepError::VaryTwice(p.to_string()));
        }
    }
    let params: Vec<ParamPath> = varies.iter().map(|(p, _)| p.clone()).collect();
    if let Some(m) = samples {
        if m == 0 {
            return Err(SweepError::ZeroSamples);
        }
        if m as usize > MAX_POINTS {
            return Err(SweepError::TooManySamples(m));
        }
        let mut rng = SimRng::seed_from_u64(splitmix64(seed ^ 0x4C48_5321));
        let mut columns = Vec::new();
        for (path, text) in varies {
            let r = parse_range(path, text)?
                .filter(|r| r.step.is_none())
                .ok_or_else(|| {
                    SweepError::Values(
                        format!("{path}={text}"),
                        "a Latin-hypercube design takes a range `lo..hi` without a step".into(),
                    )
                })?;
            // One value per stratum, strata shuffled (Fisher-Yates).
            let mut col: Vec<Value> = (0..m)
                .map(|k| {
                    let u = (k as f64 + rng.random::<f64>()) / m as f64;
                    range_value(&r, r.lo + u * (r.hi - r.lo))
                })
                .collect();
            for i in (1..col.len()).rev() {
                let j = rng.random_range(0..=i);
                col.swap(i, j);
            }
            columns.push(col);
        }
        let points = (0..m as usize)
            .map(|k| columns.iter().map(|c| c[k].clone()).collect())
            .collect();
        return Ok(Design { params, points });
    }
    let lists: Vec<Vec<Value>> = varies
        .iter()
        .map(|(p, t)| expand_grid(p, t))
        .collect::<Result<_, _>>()?;
    let total = lists
        .iter()
        .map(Vec::len)
        .fold(1usize, |a, n| a.saturating_mul(n));
    if total > MAX_POINTS {
        return Err(SweepError::TooManyPoints(total));
    }
    let mut points = vec![Vec::new()];
    for list in &lists {
        points = points
            .into_iter()
            .flat_map(|prefix| {
                list.iter().map(move |v| {
                    let mut p = prefix.clone();
                    p.push(v.clone());
                    p
                })
            })
            .collect();
    }
    Ok(Design { params, points })
}

/// Builds (and so validates) the scenario of every point of `design`.
/// A path that leads nowhere is an error naming the path; an invalid point
/// is an error naming it, e.g. `sweep point 3 (workers[0].count=0): ...`;
/// `what` is "sweep point" or "plan value".
pub fn point_configs(
    template: &ScenarioTemplate,
    design: &Design,
    what: &'static str,
) -> Result<Vec<SimConfig>, SweepError> {
    for p in &design.params {
        template
            .check_path(p)
            .map_err(|e| SweepError::PathLeadsNowhere(e.to_string()))?;
    }
    // Issue 18: two spellings of one field would label points with values
    // never used (the later path wins).
    for (i, a) in design.params.iter().enumerate() {
        if let Some(b) = design.params[..i].iter().find(|b| template.overlap(b, a)) {
            return Err(SweepError::VaryTwice(format!("{b}` and `{a}")));
        }
    }
    design
        .points
        .iter()
        .enumerate()
        .map(|(p, values)| {
            let overrides: Vec<(ParamPath, Value)> = design
                .params
                .iter()
                .cloned()
                .zip(values.iter().cloned())
                .collect();
            template.with(&overrides).map(|s| s.sim).map_err(|error| {
                let at: Vec<String> = overrides
                    .iter()
                    .map(|(k, v)| format!("{k}={}", value_text(v)))
                    .collect();
                SweepError::Point {
                    what,
                    number: p + 1,
                    at: at.join(", "),
                    error,
                }
            })
        })
        .collect()
}

/// `--shard i/n` (1-based): which points this process runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    pub fn parse(s: &str) -> Result<Shard, SweepError> {
        let bad = || SweepError::Shard(s.to_string());
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (i, n): (u32, u32) = (
            i.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if n == 0 || i == 0 || i > n {
            return Err(bad());
        }
        Ok(Shard { index: i, count: n })
    }
    /// Points are dealt round-robin: point p (0-based) is in shard p mod n + 1.
    pub fn owns(&self, point: usize) -> bool {
        point % self.count as usize == (self.index - 1) as usize
    }
}

/// One finished (point, replication), as the text cells of its CSV row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// 1-based.
    pub point: usize,
    /// 1-based.
    pub replication: u32,
    pub params: Vec<String>,
    pub metrics: Vec<String>,
}

/// Text of a metric cell (as in summary.csv).
pub fn metric_cell(v: &MetricValue) -> String {
    match v {
        MetricValue::Count(c) => c.to_string(),
        MetricValue::Real(r) => r.to_string(),
        MetricValue::Text(s) => s.clone(),
        MetricValue::Missing => String::new(),
    }
}

/// sweep.csv's columns; a scenario's service levels (`labeled_within_<d>`)
/// and pipeline metrics come after the fixed metrics.
pub fn sweep_header(params: &[ParamPath], cfg: &SimConfig) -> Vec<String> {
    let mut h = vec!["point".to_string(), "replication".to_string()];
    h.extend(params.iter().map(|p| format!("param_{p}")));
    h.extend(
        RunSummary::metric_names_for_config(cfg)
            .into_iter()
            .map(str::to_string),
    );
    h
}

/// The numeric metric columns of a sweep.csv header beyond the fixed
/// metrics (the scenario's service levels).
pub fn extra_metric_names(header: &[String]) -> Vec<String> {
    let fixed = RunSummary::metric_names();
    header
        .iter()
        .skip_while(|h| *h != fixed[0])
        .skip(fixed.len())
        .cloned()
        .collect()
}

/// Names of a point summary's statistics, in [`summarise`]'s order: the
/// fixed numeric metrics, then the header's service levels and pipeline
/// metrics.
pub fn stat_names(header: &[String]) -> Vec<String> {
    let mut names: Vec<String> = numeric_metric_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    names.extend(extra_metric_names(header));
    names
}

/// Runs `jobs` ((point, replication), 0-based) through
/// [`runner::execute`]: in parallel on the current rayon pool, each with its
/// own RNG streams from (seed, point, replication) ([`Seeding::PerPoint`]),
/// all under one `guard`. A job not started, or stopped, when the guard
/// stops (an event budget, the memory watchdog, a signal) comes back None
/// ([`WhenStopped::Skip`]). Results come back in job order.
pub fn run_jobs(
    configs: &[SimConfig],
    jobs: &[(usize, u32)],
    seed: u64,
    guard: &RunGuard,
    on_done: &(dyn Fn() + Sync),
) -> Result<Vec<Option<RunSummary>>, RunError> {
    let jobs: Vec<Job> = jobs
        .iter()
        .map(|&(config, replication)| Job {
            config,
            replication,
        })
        .collect();
    let batch = Batch {
        configs,
        jobs: &jobs,
        seed,
        seeding: Seeding::PerPoint,
        guard: Some(guard),
        when_stopped: WhenStopped::Skip,
        name: &|job| {
            format!(
                "point {}, replication {}",
                job.config + 1,
                job.replication + 1
            )
        },
    };
    runner::execute(&batch, &|out| out.summary, on_done)
}

pub fn row_of(design: &Design, point: usize, replication: u32, s: &RunSummary) -> Row {
    Row {
        point: point + 1,
        replication: replication + 1,
        params: design.points[point].iter().map(value_text).collect(),
        metrics: s.metrics().iter().map(|(_, v)| metric_cell(v)).collect(),
    }
}

pub fn sweep_csv(header: &[String], rows: &[Row]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).expect("in-memory CSV");
    for r in rows {
        let mut rec = vec![r.point.to_string(), r.replication.to_string()];
        rec.extend(r.params.iter().cloned());
        rec.extend(r.metrics.iter().cloned());
        w.write_record(&rec).expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}

/// Reads a sweep.csv back: its header and rows.
pub fn read_sweep_csv(bytes: &[u8]) -> Result<(Vec<String>, Vec<Row>), SweepError> {
    let mut rdr = csv::Reader::from_reader(bytes);
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| SweepError::Csv(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let n_params = header.iter().filter(|h| h.starts_with("param_")).count();
    let n_metrics = RunSummary::metric_names().len();
    if header.len() < 2 + n_params + n_metrics || header[0] != "point" || header[1] != "replication"
    {
        return Err(SweepError::Csv(
            "not a labelsim sweep.csv (unexpected columns)".into(),
        ));
    }
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| SweepError::Csv(e.to_string()))?;
        let cells: Vec<String> = rec.iter().map(str::to_string).collect();
        let point = cells[0]
            .parse()
            .map_err(|_| SweepError::Csv(format!("bad point `{}`", cells[0])))?;
        let replication = cells[1]
            .parse()
            .map_err(|_| SweepError::Csv(format!("bad replication `{}`", cells[1])))?;
        rows.push(Row {
            point,
            replication,
            params: cells[2..2 + n_params].to_vec(),
            metrics: cells[2 + n_params..].to_vec(),
        });
    }
    Ok((header, rows))
}

/// Sorts rows by (point, replication) and checks there are no conflicting
/// duplicates (identical duplicates, e.g. from overlapping shards, collapse).
pub fn normalise(rows: &mut Vec<Row>) -> Result<(), SweepError> {
    rows.sort_by_key(|r| (r.point, r.replication));
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    for r in rows.drain(..) {
        match out.last() {
            Some(last) if last.point == r.point && last.replication == r.replication => {
                if *last != r {
                    return Err(SweepError::Conflict {
                        point: r.point,
                        replication: r.replication,
                    });
                }
            }
            _ => out.push(r),
        }
    }
    *rows = out;
    Ok(())
}

/// Per-point mean and 95% CI of every numeric metric, from sorted rows.
pub struct PointSummary {
    pub point: usize,
    pub params: Vec<String>,
    /// (mean, lo, hi) per numeric metric, in metric order; none when no
    /// replication of the point has a value (SPEC §4a).
    pub stats: Vec<Option<(f64, f64, f64)>>,
    /// How many replications have a value, per numeric metric.
    pub counts: Vec<usize>,
}

pub use crate::suggest::numeric_metric_names_for;

pub fn numeric_metric_names() -> Vec<&'static str> {
    RunSummary::metric_names()
        .into_iter()
        .filter(|m| *m != catalog::JOB_END_STATE)
        .collect()
}

pub fn summarise(rows: &[Row]) -> Vec<PointSummary> {
    let names = RunSummary::metric_names();
    let width = rows.first().map_or(names.len(), |r| r.metrics.len());
    // Every column but the end state; service levels come after the fixed
    // metrics, so a fixed metric's index is the same in every scenario.
    let numeric: Vec<usize> = (0..width)
        .filter(|&j| names.get(j) != Some(&catalog::JOB_END_STATE))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let mut j = i;
        while j < rows.len() && rows[j].point == rows[i].point {
            j += 1;
        }
        let (stats, counts) = numeric
            .iter()
            .map(|&m| {
                let xs: Vec<f64> = rows[i..j]
                    .iter()
                    .filter_map(|r| r.metrics[m].parse().ok())
                    .collect();
                let stat = mean_ci95(&xs).map(|(mean, lo, hi)| match names.get(m) {
                    Some(name) => {
                        let (lo, hi) = catalog::bounded_ci(catalog::unit(name), (lo, hi));
                        (mean, lo, hi)
                    }
                    None => (mean, lo, hi),
                });
                (stat, xs.len())
            })
            .unzip();
        out.push(PointSummary {
            point: rows[i].point,
            params: rows[i].params.clone(),
            stats,
            counts,
        });
        i = j;
    }
    out
}

pub fn sweep_summary_csv(
    param_header: &[String],
    summaries: &[PointSummary],
    extra: &[String],
) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut h: Vec<String> = vec!["point".into()];
    h.extend(param_header.iter().cloned());
    let names: Vec<&str> = numeric_metric_names()
        .into_iter()
        .chain(extra.iter().map(String::as_str))
        .collect();
    for m in &names {
        h.push(format!("{m}_mean"));
        h.push(format!("{m}_ci95_lo"));
        h.push(format!("{m}_ci95_hi"));
        if RunSummary::may_be_empty(m) {
            h.push(format!("{m}_n"));
        }
    }
    w.write_record(&h).expect("in-memory CSV");
    for s in summaries {
        let mut rec = vec![s.point.to_string()];
        rec.extend(s.params.iter().cloned());
        for ((m, stat), n) in names.iter().zip(&s.stats).zip(&s.counts) {
            // SPEC §4a: no value is an empty cell, never 0.
            // A single value has no interval: empty bounds.
            match stat {
                Some((mean, lo, hi)) if *n >= 2 => {
                    rec.extend([mean.to_string(), lo.to_string(), hi.to_string()])
                }
                Some((mean, _, _)) => rec.extend([mean.to_string(), String::new(), String::new()]),
                None => rec.extend([String::new(), String::new(), String::new()]),
            }
            if RunSummary::may_be_empty(m) {
                rec.push(n.to_string());
            }
        }
        w.write_record(&rec).expect("in-memory CSV");
    }
    w.into_inner().expect("in-memory CSV")
}

/// A parameter cell as a number for charts: numbers as they are,
/// durations in seconds (the chart picks the unit its range suits), rates
/// per hour; None for anything else.
pub fn numeric_param(cell: &str) -> Option<f64> {
    if let Ok(x) = cell.parse::<f64>() {
        return Some(x);
    }
    if cell.contains('/') {
        return parse_rate(cell).ok().map(|r| r * US_PER_H as f64);
    }
    parse_duration(cell).ok().map(|d| d.as_secs_f64())
}

/// What the scenario's own `sweep:` section asks for.
#[derive(Clone, Debug, Default)]
pub struct SweepSection {
    pub vary: Vec<(ParamPath, String)>,
    pub samples: Option<u32>,
    pub replications: Option<u32>,
    pub metrics: Vec<String>,
}

/// The scenario's `sweep:` section, its `vary` entries parsed as `--vary`
/// arguments (an error names the file and line).
pub fn sweep_section(s: &Scenario) -> Result<SweepSection, SweepError> {
    let Some(section) = &s.spec.sweep else {
        return Ok(SweepSection::default());
    };
    let vary = section
        .vary
        .0
        .iter()
        .map(|(path, values)| {
            parse_vary(&format!("{path}={values}")).map_err(|e| {
                let line = yaml::locate(
                    &s.text,
                    &crate::scenario::paths::parse_lenient("sweep.vary"),
                );
                let at = line.map(|l| format!(":{l}")).unwrap_or_default();
                SweepError::Section {
                    at: format!("{}{at}", s.origin),
                    error: Box::new(e),
                }
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(SweepSection {
        vary,
        samples: section.samples,
        replications: section.replications,
        metrics: section.metrics.clone().unwrap_or_default(),
    })
}

/// Metrics charted by default.
const DEFAULT_METRICS: &[&str] = &[
    catalog::TIME_TO_LABEL_P95_S,
    catalog::OBJECTS_LABELED,
    catalog::EXPIRED_IN_QUEUE,
    catalog::WORKER_UTILIZATION,
];

/// The pipeline's metrics charted by default.
const PIPELINE_DEFAULT_METRICS: &[&str] = &[
    catalog::SEARCHABLE_LATENCY_P95_S,
    catalog::INDEXED_DOCUMENTS,
    catalog::DEAD_LETTERED,
];

/// The metrics charted by default: the pipeline's when the scenario has
/// one (a pipeline-only sweep drew four empty job charts), then the job's
/// when it has workers.
pub fn default_metrics(sim: &SimConfig) -> Vec<String> {
    let mut out: Vec<&str> = Vec::new();
    if sim.pipeline.is_some() {
        out.extend(PIPELINE_DEFAULT_METRICS);
    }
    if sim.pipeline.is_none() || !sim.workers.is_empty() {
        out.extend(DEFAULT_METRICS);
    }
    out.into_iter().map(str::to_string).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fingerprints of what the runs depend on: the scenario text, and the
/// configuration it resolves to, which holds every trace and empirical CSV
/// it read. `--resume` and `merge` refuse to mix runs made from other inputs.
pub fn fingerprints(scenario: &Scenario) -> serde_json::Value {
    serde_json::json!({
        "scenario": sha256_hex(scenario.text.as_bytes()),
        "inputs": sha256_hex(format!("{:?}", scenario.sim).as_bytes()),
    })
}

/// The manifest that ties shards and resumptions to one design.
pub fn manifest(
    scenario: &Scenario,
    replications: u32,
    design: &Design,
    metrics: &[String],
) -> serde_json::Value {
    let (name, seed) = (scenario.name.as_str(), scenario.seed);
    let points: Vec<Vec<String>> = design
        .points
        .iter()
        .map(|p| p.iter().map(value_text).collect())
        .collect();
    serde_json::json!({
        "scenario": name,
        "seed": seed,
        "replications": replications,
        "params": design.params.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "points": points,
        "chart_metrics": metrics,
        "scenario_text": scenario.text,
        // What the scenario has, for the report's rule table.
        "shape": {"job": !scenario.sim.no_job, "pipeline": scenario.sim.pipeline.is_some()},
        "fingerprints": fingerprints(scenario),
    })
}

/// Why two manifests do not describe the same sweep, in a user's words.
pub fn manifest_difference(old: &serde_json::Value, new: &serde_json::Value) -> String {
    let fp = |m: &serde_json::Value, k: &str| m["fingerprints"][k].clone();
    // The overrides are on the text's first line: `# FILE with --set ...`.
    let overrides = |m: &serde_json::Value| -> String {
        let text = m["scenario_text"].as_str().unwrap_or_default();
        let first = text.lines().next().unwrap_or_default();
        match first
            .strip_prefix("# ")
            .and_then(|l| l.split_once(" with "))
        {
            Some((_, sets)) => sets.to_string(),
            None => "no --set".into(),
        }
    };
    if fp(old, "scenario") != fp(new, "scenario") && overrides(old) != overrides(new) {
        // Issue 18: name what changed, not "the scenario file".
        let cut = |t: String| crate::scenario::input::excerpt_n(&t, 200);
        format!(
            "the --set overrides differ (those runs: {}; now: {})",
            cut(overrides(old)),
            cut(overrides(new))
        )
    } else if fp(old, "scenario") != fp(new, "scenario") {
        "the scenario file changed since those runs were made".into()
    } else if fp(old, "inputs") != fp(new, "inputs") {
        "a file the scenario reads (a trace or empirical CSV) changed since those runs were made"
            .into()
    } else {
        let differ: Vec<&str> = ["seed", "replications", "params", "points", "chart_metrics"]
            .into_iter()
            .filter(|k| old[*k] != new[*k])
            .collect();
        if differ.is_empty() {
            "the sweep's description differs".into()
        } else {
            format!("they differ in {}", differ.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(arg: &str) -> (ParamPath, String) {
        parse_vary(arg).unwrap()
    }

    /// A range too long to count (or not finite) is refused; it used to
    /// wrap its count to 0 and run an empty sweep with exit 0.
    #[test]
    fn a_range_past_any_count_is_refused_not_empty() {
        for range in [
            "1..inf:1",
            "1..1e20:1",
            "1..1e300:1e-300",
            "1..10:inf",
            "1..1e19:1",
        ] {
            let arg = format!("workers[team].count={range}");
            let e = design(&[v(&arg)], None, 1).expect_err(&arg).to_string();
            assert!(
                e.contains("at most 100,000") || e.contains("finite"),
                "{arg}: {e}"
            );
        }
        assert_eq!(
            design(&[v("workers[team].count=1..3:1")], None, 1)
                .unwrap()
                .points
                .len(),
            3
        );
    }

    #[test]
    fn a_sweep_with_set_parses_the_scenario_once() {
        // Issue 19: the scenario is parsed once per load; a `--set` and
        // every point work on clones of the parsed document.
        use crate::scenario::{overrides, yaml, LoadOptions, Scenario, BUNDLED_QUICKSTART};
        let before = yaml::parses();
        let opts = LoadOptions::default();
        let s = Scenario::from_str(
            BUNDLED_QUICKSTART,
            "q.yaml",
            std::path::Path::new("."),
            opts,
        )
        .unwrap();
        let s = overrides::apply(s, &["job.max_concurrent_task_count=50".into()], opts).unwrap();
        let d = design(
            &[
                v("workers[team].count=10,11,12"),
                v("job.task_time_limit=30m,1h"),
            ],
            None,
            1,
        )
        .unwrap();
        let template = ScenarioTemplate::of(&s, opts).unwrap();
        let configs = point_configs(&template, &d, "sweep point").unwrap();
        assert_eq!(configs.len(), 6);
        assert_eq!(configs[5].total_workers(), 12);
        assert_eq!(configs[5].job.max_concurrent_task_count, 50);
        assert_eq!(
            yaml::parses() - before,
            1,
            "one parse for the load, none for --set or the points"
        );
    }

    #[test]
    fn grids_from_lists_and_ranges_with_units() {
        let d = design(
            &[
                v("workers[0].count=5,10"),
                v("job.task_time_limit=30m..1h 30m:30m"),
            ],
            None,
            1,
        )
        .unwrap();
        let texts: Vec<Vec<String>> = d
            .points
            .iter()
            .map(|p| p.iter().map(value_text).collect())
            .collect();
        assert_eq!(
            texts,
            vec![
                vec!["5", "30m"],
                vec!["5", "1h"],
                vec!["5", "1h 30m"],
                vec!["10", "30m"],
                vec!["10", "1h"],
                vec!["10", "1h 30m"]
            ]
        );
        let d = design(&[v("producers[cams].rate=80/h..120/h:20/h")], None, 1).unwrap();
        let t: Vec<String> = d.points.iter().map(|p| value_text(&p[0])).collect();
        assert_eq!(t, vec!["80/h", "100/h", "120/h"]);
        let d = design(
            &[v("producers[p].duplicates.sns_redelivery=0..0.3:0.1")],
            None,
            1,
        )
        .unwrap();
        let t: Vec<String> = d.points.iter().map(|p| value_text(&p[0])).collect();
        assert_eq!(t, vec!["0.0", "0.1", "0.2", "0.3"]);
    }

    #[test]
    fn latin_hypercube_puts_one_point_in_each_stratum() {
        let d = design(
            &[v("job.x=0.0..100.0"), v("job.initializing=0s..100s")],
            Some(10),
            7,
        )
        .unwrap();
        assert_eq!(d.points.len(), 10);
        for col in 0..2 {
            let mut strata: Vec<u64> = d
                .points
                .iter()
                .map(|p| {
                    // Durations in seconds.
                    (numeric_param(&value_text(&p[col])).unwrap() / 10.0) as u64
                })
                .collect();
            strata.sort();
            assert_eq!(strata, (0..10).collect::<Vec<_>>(), "column {col}");
        }
        assert_eq!(
            d,
            design(
                &[v("job.x=0.0..100.0"), v("job.initializing=0s..100s")],
                Some(10),
                7
            )
            .unwrap()
        );
    }

    #[test]
    fn bad_vary_arguments_name_the_path() {
        assert!(parse_vary("workers[0].count")
            .unwrap_err()
            .to_string()
            .contains("PATH=VALUES"));
        let e = design(&[v("job.task_time_limit=1h..2h")], None, 1)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("job.task_time_limit") && e.contains("step"),
            "{e}"
        );
        let e = design(&[v("job.x=5..1:1")], None, 1)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "`job.x=5..1:1`: need lo <= hi and a positive step");
        assert!(!e.contains("--"), "library messages name no flag: {e}");
    }

    #[test]
    fn shards_deal_points_round_robin() {
        let s = Shard::parse("2/3").unwrap();
        let owned: Vec<usize> = (0..7).filter(|&p| s.owns(p)).collect();
        assert_eq!(owned, vec![1, 4]);
        assert!(Shard::parse("0/3").is_err());
        assert!(Shard::parse("4/3").is_err());
    }

    #[test]
    fn numeric_params_for_charts() {
        assert_eq!(numeric_param("12"), Some(12.0));
        // Durations in seconds; the axis chooses the unit to show.
        assert_eq!(numeric_param("90m"), Some(5_400.0));
        assert_eq!(numeric_param("3s"), Some(3.0));
        assert_eq!(numeric_param("2/m"), Some(120.0));
        assert_eq!(numeric_param("documented"), None);
    }
}
