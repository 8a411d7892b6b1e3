//! `labelsim compare`: every policy of the `compare:` list (or every
//! scenario file given), each replication on the same random numbers
//! (common random numbers), side by side: compare.csv, compare.md with
//! paired differences against the first, overlay charts and report.html.
//!
//! Common random numbers: replication r of every policy uses the streams of
//! (seed, r). Arrivals and duplicate decisions are per-producer streams, and
//! each task's service and decline draws come from a stream keyed by
//! (object, attempt), so the same object gets the same worker effort under
//! every policy. Differences come from the policy, not from noise.

use crate::cli::CompareArgs;
use crate::commands::common::{load_for, progress_bar};
use anyhow::{anyhow, bail, Result};
use labelsim::budget::RunError;
use labelsim::engine::stats::mean_ci95;
use labelsim::engine::StreamSeeds;
use labelsim::model::sim::simulate_guarded;
use labelsim::model::{RunOutput, RunSummary, SimConfig};
use labelsim::output::OutputDir;
use labelsim::plot::{self, Format, Series, TimeChart, PALETTE};
use labelsim::scenario::paths::ScenarioTemplate;
use labelsim::scenario::{LoadOptions, Scenario};
use labelsim::sweep::metric_cell;
use rayon::prelude::*;
use serde_yaml::{Mapping, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Metrics in the comparison tables by default: (metric, label, is a time).
const TABLE: &[(&str, &str, bool)] = &[
    ("objects_labeled", "labeled", false),
    ("expired_in_queue", "expired (R6)", false),
    ("lost_to_stop", "lost to stop", false),
    ("held_at_end", "held at sender", false),
    ("e2e_time_to_label_p50_s", "e2e p50", true),
    ("e2e_time_to_label_p95_s", "e2e p95", true),
    ("cost_usd", "cost [USD]", false),
];

fn value_of(s: &RunSummary, metric: &str) -> f64 {
    if metric == "lost_to_stop" {
        return (s.lost_after_stop + s.stranded_at_stop) as f64;
    }
    s.metrics()
        .into_iter()
        .find(|(k, _)| *k == metric)
        .and_then(|(_, v)| v.as_f64())
        .unwrap_or(f64::NAN)
}

/// Mean and CI of the values present; NaN (printed `-`) when none.
fn stat(xs: &[f64]) -> (f64, f64, f64) {
    mean_ci95(xs).unwrap_or((f64::NAN, f64::NAN, f64::NAN))
}

fn fmt_value(x: f64, time: bool) -> String {
    if !x.is_finite() {
        "-".into()
    } else if time {
        if x >= 86_400.0 {
            format!("{:.2} d", x / 86_400.0)
        } else if x >= 3_600.0 {
            format!("{:.2} h", x / 3_600.0)
        } else {
            format!("{:.1} min", x / 60.0)
        }
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// The charts `compare` draws, without their extension.
const COMPARE_CHARTS: [&str; 4] = [
    "compare_backlog",
    "compare_throughput",
    "compare_latency_cdf",
    "compare_outcomes",
];

/// The contenders of a comparison: the policies of one scenario, or
/// several scenario files.
struct Contenders {
    /// "policy" or "scenario", for headers and messages.
    what: &'static str,
    names: Vec<String>,
    configs: Vec<SimConfig>,
    /// (name, text) of each scenario file shown in report.html: the one
    /// scenario for policies, every file for scenarios.
    texts: Vec<(String, String)>,
}

impl Contenders {
    fn what_plural(&self) -> &'static str {
        if self.what == "policy" {
            "policies"
        } else {
            "scenarios"
        }
    }
}

/// The policies of the `compare:` list (or of `--policies FILE`), each the
/// scenario with the entry merged in.
fn policies(scenario: &Scenario, args: &CompareArgs) -> Result<Contenders> {
    let entries: Vec<Value> = match &args.policies {
        Some(f) => {
            // The scenario's rules for a file read: regular, bounded, never
            // echoed; YAML depth and size checked before parsing.
            let bytes =
                labelsim::scenario::read_input_file(f, labelsim::scenario::MAX_SCENARIO_BYTES)
                    .map_err(|e| anyhow!(e))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow!("{}: is not UTF-8 text", f.display()))?;
            let v: Value = labelsim::scenario::yaml::from_str(&text).map_err(|(m, line)| {
                anyhow!(
                    "{}{}: {m}",
                    f.display(),
                    line.map(|l| format!(":{l}")).unwrap_or_default()
                )
            })?;
            match v {
                Value::Sequence(s) => s,
                Value::Mapping(m) => match m.get("compare") {
                    Some(Value::Sequence(s)) => s.clone(),
                    _ => bail!(
                        "{}: expected a list of policies (or a `compare:` list)",
                        f.display()
                    ),
                },
                _ => bail!("{}: expected a list of policies", f.display()),
            }
        }
        None => scenario.spec.compare.clone().unwrap_or_default(),
    };
    if entries.is_empty() {
        bail!("nothing to compare: add a `compare:` list to the scenario (e.g. `- {{name: open, throttle: {{policy: none}}}}`), give --policies FILE, or give two or more scenario files");
    }
    let template = ScenarioTemplate::new(
        scenario,
        LoadOptions {
            lenient: args.common.lenient,
        },
    )
    .map_err(|e| anyhow!(e))?;
    let base: Value =
        labelsim::scenario::yaml::from_str(&scenario.text).map_err(|(m, _)| anyhow!(m))?;
    let mut names = Vec::new();
    let mut configs = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let map = e.as_mapping().ok_or_else(|| {
            anyhow!("compare[{i}]: each entry is a mapping `{{name, throttle: {{...}}, ...}}`")
        })?;
        let name = map
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or_else(|| anyhow!("compare[{i}]: `name` is required"))?
            .to_string();
        if names.contains(&name) {
            bail!("compare[{i}]: the name `{name}` is used twice");
        }
        let mut patch = map.clone();
        patch.remove("name");
        let patch = merge_named_items(&base, &Value::Mapping(patch), true);
        let s = template
            .with_patch(&patch)
            .map_err(|err| anyhow!("compare[{i}] ({name}): {err}"))?;
        names.push(name);
        configs.push(s.sim);
    }
    Ok(Contenders {
        what: "policy",
        names,
        configs,
        texts: vec![("Scenario".into(), scenario.text.clone())],
    })
}

/// Two or more scenario files, each as written (with the command's
/// overrides), run on the first one's seed and replications.
fn scenario_files(first: &Scenario, args: &CompareArgs) -> Result<Contenders> {
    let mut scenarios = vec![first.clone()];
    for path in &args.scenarios[1..] {
        let s = load_for(Some(path), &args.common)?;
        if s.seed != first.seed && !args.common.quiet {
            eprintln!(
                "note: {} runs on {}'s seed {} (not its own {}), so that every scenario's replication r uses the same random numbers",
                s.origin, first.origin, first.seed, s.seed
            );
        }
        scenarios.push(s);
    }
    // Each side is named by its scenario's `name`, or by its file where
    // two share one.
    let shared = |s: &Scenario| scenarios.iter().filter(|t| t.name == s.name).count() > 1;
    let names: Vec<String> = scenarios
        .iter()
        .zip(&args.scenarios)
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
            bail!(
                "two scenarios are both called `{n}` (by name and by file name): rename one, so the tables can tell them apart"
            );
        }
    }
    Ok(Contenders {
        what: "scenario",
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
fn merge_named_items(base: &Value, patch: &Value, top: bool) -> Value {
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

/// The metrics of the tables: `--metric` (with `lost_to_stop`), checked
/// against the metrics every contender has, or [`TABLE`].
fn table_metrics(asked: &[String], c: &Contenders) -> Result<Vec<(String, String, bool)>> {
    if asked.is_empty() {
        return Ok(TABLE
            .iter()
            .map(|&(m, l, t)| (m.to_string(), l.to_string(), t))
            .collect());
    }
    let mut known = vec!["lost_to_stop"];
    for cfg in &c.configs {
        for m in labelsim::sweep::numeric_metric_names_for(cfg) {
            if !known.contains(&m) {
                known.push(m);
            }
        }
    }
    let mut out: Vec<(String, String, bool)> = Vec::new();
    for m in asked {
        if !known.contains(&m.as_str()) {
            bail!(
                "--metric `{m}` is not a numeric summary metric{}",
                crate::commands::suggest::did_you_mean(
                    m,
                    &known,
                    "docs/model.md (Metrics) and summary.json"
                )
            );
        }
        if out.iter().any(|(n, _, _)| n == m) {
            bail!("--metric `{m}` is given twice");
        }
        let label = TABLE
            .iter()
            .find(|(n, _, _)| n == m)
            .map_or(m.as_str(), |(_, l, _)| l);
        out.push((m.clone(), label.to_string(), m.ends_with("_s")));
    }
    Ok(out)
}

pub fn compare(args: CompareArgs) -> Result<i32> {
    if args.scenarios.len() >= 2 && args.policies.is_some() {
        bail!("--policies compares policies on one scenario: give one scenario file with it (with several files, each file is one side of the comparison)");
    }
    let scenario = load_for(args.scenarios.first().map(PathBuf::as_path), &args.common)?;
    let replications = scenario.replications.max(1);
    let contenders = if args.scenarios.len() >= 2 {
        scenario_files(&scenario, &args)?
    } else {
        policies(&scenario, &args)?
    };
    let metrics = table_metrics(&args.metrics, &contenders)?;
    let what = contenders.what;
    let names = &contenders.names;
    let configs = &contenders.configs;
    let budget = crate::commands::budget::Budget::of(&args.common)?;
    budget.check_configs(
        &configs.iter().collect::<Vec<_>>(),
        replications,
        &args.common,
    )?;

    let jobs: Vec<(usize, u32)> = (0..configs.len())
        .flat_map(|p| (0..replications).map(move |r| (p, r)))
        .collect();
    let pool = labelsim::runner::thread_pool(args.common.threads.map(|t| t as usize))
        .map_err(|e| anyhow!(e))?;
    // The output folder is opened (created, locked) before the work.
    let out_dir = args.common.out.clone().unwrap_or_else(|| {
        PathBuf::from("results")
            .join(&scenario.name)
            .join("compare")
    });
    let mut out = crate::commands::common::open_output(&out_dir, args.common.quiet)?;
    let guard = budget.guard();
    let pb = progress_bar(jobs.len() as u64, "compare runs", args.common.quiet);
    let outputs: Vec<RunOutput> = pool
        .install(|| {
            jobs.par_iter()
                .map(|&(p, r)| {
                    // CRN: every contender's replication r uses the streams of (seed, r).
                    let out = simulate_guarded(
                        &configs[p],
                        StreamSeeds::for_replication(scenario.seed, r as u64),
                        &guard.guard,
                    );
                    pb.inc(1);
                    out.map_err(|e| match e {
                        RunError::Invariant(mut e) => {
                            e.details = format!(
                                "{what} {}, replication {}: {}",
                                names[p],
                                r + 1,
                                e.details
                            );
                            RunError::Invariant(e)
                        }
                        stopped => stopped,
                    })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(crate::commands::budget::stopped)?;
    pb.finish_and_clear();
    let per_policy: Vec<Vec<&RunOutput>> = (0..configs.len())
        .map(|p| {
            outputs
                .iter()
                .zip(&jobs)
                .filter(|(_, j)| j.0 == p)
                .map(|(o, _)| o)
                .collect()
        })
        .collect();

    // compare.csv: the first's metrics, then service levels only others have.
    let mut metric_names = RunSummary::metric_names_for_config(&configs[0]);
    for c in &configs[1..] {
        for m in RunSummary::metric_names_for_config(c) {
            if !metric_names.contains(&m) {
                metric_names.push(m);
            }
        }
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![what.to_string(), "replication".to_string()];
    header.extend(metric_names.iter().map(|m| m.to_string()));
    w.write_record(&header)?;
    for (p, runs) in per_policy.iter().enumerate() {
        for (r, o) in runs.iter().enumerate() {
            let mut row = vec![names[p].clone(), (r + 1).to_string()];
            let values = o.summary.metrics();
            row.extend(metric_names.iter().map(|m| {
                values
                    .iter()
                    .find(|(k, _)| k == m)
                    .map(|(_, v)| metric_cell(v))
                    .unwrap_or_default()
            }));
            w.write_record(&row)?;
        }
    }
    let csv_bytes = w.into_inner().map_err(|e| anyhow!("{e}"))?;

    // compare.md
    let horizons: Vec<String> = configs
        .iter()
        .map(|c| c.horizon.elapsed().human().to_string())
        .collect();
    let horizon = if horizons.iter().all(|h| *h == horizons[0]) {
        format!("horizon {}", horizons[0])
    } else {
        let each: Vec<String> = names
            .iter()
            .zip(&horizons)
            .map(|(n, h)| format!("{n} {h}"))
            .collect();
        format!("horizons {}", each.join(", "))
    };
    let mut md = String::new();
    writeln!(md, "# labelsim compare: `{}`\n", scenario.name)?;
    writeln!(
        md,
        "{} {} x {} replications, seed {}, {horizon}. Mean ± half-width of the 95% CI over replications; every {what}'s replication r uses the same random numbers.\n",
        names.len(),
        contenders.what_plural(),
        replications,
        scenario.seed,
    )?;
    let mut head = format!("| {what} |");
    let mut rule = "|---|".to_string();
    for (_, label, _) in &metrics {
        write!(head, " {label} |")?;
        rule.push_str("---|");
    }
    writeln!(md, "{head}\n{rule}")?;
    for (p, runs) in per_policy.iter().enumerate() {
        let mut row = format!("| {} |", names[p]);
        for (m, _, time) in &metrics {
            // SPEC §4a: only the replications that have a value.
            let xs: Vec<f64> = runs
                .iter()
                .map(|o| value_of(&o.summary, m))
                .filter(|x| x.is_finite())
                .collect();
            let (mean, lo, hi) = stat(&xs);
            write!(
                row,
                " {} ± {} |",
                fmt_value(mean, *time),
                fmt_value((hi - lo) / 2.0, *time)
            )?;
        }
        writeln!(md, "{row}")?;
    }
    if names.len() > 1 {
        writeln!(
            md,
            "\n## Paired differences against `{}`\n\nEach cell: mean of ({what} − {}) over replications, its 95% CI, and in brackets the CI half-width an unpaired comparison would have (independent runs): the variance reduction common random numbers buy.\n",
            names[0], names[0]
        )?;
        writeln!(md, "{head}\n{rule}")?;
        for (p, runs) in per_policy.iter().enumerate().skip(1) {
            let mut row = format!("| {} |", names[p]);
            for (m, _, time) in &metrics {
                let a: Vec<f64> = per_policy[0]
                    .iter()
                    .map(|o| value_of(&o.summary, m))
                    .collect();
                let b: Vec<f64> = runs.iter().map(|o| value_of(&o.summary, m)).collect();
                // Pairs where both policies have a value.
                let d: Vec<f64> = b
                    .iter()
                    .zip(&a)
                    .map(|(x, y)| x - y)
                    .filter(|x| x.is_finite())
                    .collect();
                let finite = |v: &[f64]| {
                    v.iter()
                        .copied()
                        .filter(|x| x.is_finite())
                        .collect::<Vec<_>>()
                };
                let (mean, lo, hi) = stat(&d);
                let (_, alo, ahi) = stat(&finite(&a));
                let (_, blo, bhi) = stat(&finite(&b));
                let unpaired = (((ahi - alo) / 2.0).powi(2) + ((bhi - blo) / 2.0).powi(2)).sqrt();
                write!(
                    row,
                    " {} [{}, {}] (unpaired ±{}) |",
                    fmt_value(mean, *time),
                    fmt_value(lo, *time),
                    fmt_value(hi, *time),
                    fmt_value(unpaired, *time)
                )?;
            }
            writeln!(md, "{row}")?;
        }
    }

    out.put("compare.csv", &csv_bytes)?;
    out.put("compare.md", md.as_bytes())?;

    // Overlay charts (replication 1 of each contender).
    let fmt = crate::commands::common::chart_format(args.common.format);
    let ext = fmt.extension();
    if !args.common.no_charts {
        draw_charts(&mut out, fmt, names, configs, &per_policy)?;
    }

    // report.html: the same tables, the charts, the scenario.
    {
        use labelsim::report::html;
        let mut sections: Vec<(String, String)> = Vec::new();
        let mut current: Vec<Vec<String>> = Vec::new();
        let mut title = if what == "policy" {
            "Policies"
        } else {
            "Scenarios"
        }
        .to_string();
        let flush =
            |title: &str, rows: &mut Vec<Vec<String>>, sections: &mut Vec<(String, String)>| {
                if rows.len() > 1 {
                    let headers = rows[0].clone();
                    sections.push((title.to_string(), html::table(&headers, &rows[1..])));
                }
                rows.clear();
            };
        for line in md.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                flush(&title, &mut current, &mut sections);
                title = h.replace('`', "");
            } else if line.starts_with('|') && !line.starts_with("|---") {
                current.push(
                    line.trim_matches('|')
                        .split(" | ")
                        .map(|c| c.trim().to_string())
                        .collect(),
                );
            }
        }
        flush(&title, &mut current, &mut sections);
        // What each rule did, per policy.
        let per_rules: Vec<Vec<Vec<String>>> = per_policy
            .iter()
            .map(|runs| {
                let summaries: Vec<RunSummary> = runs.iter().map(|o| o.summary.clone()).collect();
                crate::commands::common::rule_rows(&labelsim::runner::aggregate(&summaries))
            })
            .collect();
        let mut rule_headers = vec!["rule".to_string(), "what happened".to_string()];
        rule_headers.extend(names.iter().cloned());
        let rule_table: Vec<Vec<String>> = (0..per_rules[0].len())
            .map(|i| {
                let mut row = per_rules[0][i][..2].to_vec();
                row.extend(per_rules.iter().map(|r| r[i][2].clone()));
                row
            })
            .collect();
        sections.insert(
            0,
            (
                "What each rule did (mean per replication)".into(),
                html::table(&rule_headers, &rule_table),
            ),
        );
        let mut charts = String::new();
        if args.common.no_charts {
            charts.push_str(crate::commands::common::CHARTS_SKIPPED);
        } else {
            for (f, caption) in [
                ("compare_backlog", "SQS backlog per policy (replication 1)."),
                (
                    "compare_throughput",
                    "Objects labeled per hour per policy (replication 1).",
                ),
            ] {
                let caption = caption.replace("policy", what);
                charts.push_str(&html::chart(
                    &out.staging_path(&format!("{f}.{ext}"))?,
                    &caption,
                )?);
            }
        }
        sections.push(("Charts".into(), charts));
        for (title, text) in &contenders.texts {
            sections.push((title.clone(), format!("<pre>{}</pre>", html::esc(text))));
        }
        let page = html::page(&format!("labelsim compare: {}", scenario.name), &sections);
        out.put("report.html", &page)?;
    }
    crate::signals::check()?;
    out.commit()?;
    if !args.common.quiet {
        out!("{md}");
        if args.common.no_charts {
            outln!(
                "\nresults: {}/ (compare.csv, compare.md, report.html; charts skipped)",
                out_dir.display()
            );
        } else {
            outln!("\nresults: {}/ (compare.csv, compare.md, report.html, charts compare_backlog, compare_throughput, compare_latency_cdf, compare_outcomes .{ext})", out_dir.display());
        }
    }
    Ok(0)
}

/// The overlay charts (replication 1 of each contender) and where objects
/// went, staged in `out`.
fn draw_charts(
    out: &mut OutputDir,
    fmt: Format,
    names: &[String],
    configs: &[SimConfig],
    per_policy: &[Vec<&RunOutput>],
) -> Result<()> {
    let span = per_policy
        .iter()
        .zip(configs)
        .map(|(runs, c)| {
            plot::shown_span_s(
                &runs.iter().map(|o| (*o).clone()).collect::<Vec<_>>(),
                c.horizon.as_secs_f64(),
            )
        })
        .fold(0.0, f64::max);
    let series = |f: &dyn Fn(&RunOutput) -> Vec<(f64, f64)>| -> Vec<Series> {
        per_policy
            .iter()
            .enumerate()
            .map(|(p, runs)| Series {
                label: Some(names[p].clone()),
                points: f(runs[0]),
                color: PALETTE[p % PALETTE.len()],
                width: 2,
                alpha: 1.0,
            })
            .collect()
    };
    let ext = fmt.extension();
    plot::render_time_chart(
        &out.staging_path(&format!("compare_backlog.{ext}"))?,
        fmt,
        &TimeChart {
            title: "SQS backlog per policy (replication 1)",
            y_label: "objects in the queue",
            horizon_s: span,
            series: series(&|o| {
                o.timeseries
                    .iter()
                    .map(|s| (s.t_s, s.backlog as f64))
                    .collect()
            }),
            hlines: vec![],
            x_axis: None,
        },
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;
    plot::render_rate_chart(
        &out.staging_path(&format!("compare_throughput.{ext}"))?,
        fmt,
        &TimeChart {
            title: "Objects labeled per hour per policy (replication 1)",
            y_label: "objects per hour",
            horizon_s: span,
            series: series(&|o| plot::throughput_points(&o.timeseries, |s| s.labeled_total, span)),
            hlines: vec![],
            x_axis: None,
        },
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

    // End-to-end latency CDF per policy, and where objects went.
    let curves: Vec<plot::Curve> = per_policy
        .iter()
        .enumerate()
        .map(|(p, runs)| plot::Curve {
            label: names[p].clone(),
            color: PALETTE[p % PALETTE.len()],
            cdf: &runs[0].e2e_cdf,
        })
        .collect();
    plot::render_latency_cdfs(
        &out.staging_path(&format!("compare_latency_cdf.{ext}"))?,
        fmt,
        "End-to-end time to label (production to label), per policy (replication 1)",
        "time from production to label",
        &curves,
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;
    let outcome_values: Vec<Vec<f64>> = per_policy
        .iter()
        .map(|runs| {
            let mean = |f: &dyn Fn(&RunSummary) -> u64| {
                runs.iter().map(|o| f(&o.summary) as f64).sum::<f64>() / runs.len() as f64
            };
            vec![
                mean(&|s| s.objects_labeled),
                mean(&|s| s.objects_failed),
                mean(&|s| s.expired_in_queue),
                mean(&|s| s.lost_after_stop + s.lost_not_in_progress + s.stranded_at_stop),
                mean(&|s| s.held_at_end),
                mean(&|s| s.queued_at_end + s.in_progress_at_end),
            ]
        })
        .collect();
    plot::render_stacked_bars(
        &out.staging_path(&format!("compare_outcomes.{ext}"))?,
        fmt,
        "Where objects went, per policy (mean over replications)",
        "objects",
        names,
        &[
            ("labeled", PALETTE[2]),
            ("failed", PALETTE[4]),
            ("expired in queue (R6)", plot::ALERT),
            ("lost or stranded (R1)", PALETTE[3]),
            ("held at sender (R12)", PALETTE[1]),
            ("still queued or in progress", PALETTE[6]),
        ],
        &outcome_values,
    )
    .map_err(|e| anyhow!("cannot draw chart: {e}"))?;

    for f in COMPARE_CHARTS {
        out.staged_by_path(&format!("{f}.{ext}"))?;
    }
    Ok(())
}
