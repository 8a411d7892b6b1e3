//! `labelsim sweep` and `labelsim merge`: options → design → parallel runs
//! (rewriting sweep.csv atomically after each chunk) → summary and charts.

use crate::cli::{ChartFormat, MergeArgs, SweepArgs};
use crate::commands::common::{load_for, progress_bar};
use anyhow::{anyhow, bail, Context, Result};
use labelsim::human::Quantity;
use labelsim::model::catalog;
use labelsim::output::OutputDir;
use labelsim::plot::{self, BandChart, Format, Heatmap};
use labelsim::scenario::paths::{ParamPath, ScenarioTemplate};
use labelsim::scenario::{LoadOptions, Scenario};
use labelsim::sweep::{self, Design, Row, Shard, SweepError};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Outputs a sweep owns in its folder: a new sweep removes those an
/// earlier one wrote (as the folder's manifest records them) when it
/// commits, so a folder never holds one sweep's data beside another's
/// summary or charts.
fn is_sweep_output(name: &str) -> bool {
    matches!(
        name,
        "sweep.csv" | "sweep_summary.csv" | "report.html" | PARTIAL_JSON | PARTIAL_CSV
    ) || is_sweep_chart(name)
}

/// The checkpoint of a sweep under way: its manifest and finished runs,
/// rewritten atomically after each chunk. The finished sweep in the folder
/// (sweep.json, sweep.csv, ...) is replaced only when the new one is
/// complete (issue 18, item 11); a stopped sweep leaves its runs here for
/// `--resume`.
const PARTIAL_JSON: &str = ".sweep-partial.json";
const PARTIAL_CSV: &str = ".sweep-partial.csv";

/// Where a folder's sweep is read from: its unfinished checkpoint if there
/// is one, else its finished sweep. The names of the manifest and the rows.
fn sweep_files(dir: &Path) -> (&'static str, &'static str) {
    let partial = std::fs::symlink_metadata(dir.join(PARTIAL_JSON)).is_ok();
    if partial {
        (PARTIAL_JSON, PARTIAL_CSV)
    } else {
        ("sweep.json", "sweep.csv")
    }
}

fn is_sweep_chart(name: &str) -> bool {
    name.starts_with("sweep_") && (name.ends_with(".png") || name.ends_with(".svg"))
}

/// Reads `name` from a sweep folder if it is there, refusing anything but a
/// regular file (a link planted there is not followed).
fn read_sweep_file(dir: &Path, name: &str) -> Result<Option<Vec<u8>>> {
    let path = dir.join(name);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow!("cannot read {}: {e}", path.display())),
        Ok(m) if !m.file_type().is_file() => bail!(
            "{} is not a regular file (a link or a device?); refusing to read it",
            path.display()
        ),
        Ok(_) => {
            Ok(Some(std::fs::read(&path).with_context(|| {
                format!("cannot read {}", path.display())
            })?))
        }
    }
}

/// A library error in the command's words: with the flag it concerns.
/// Shared with `plan`, whose grid is a sweep's design.
pub fn cli_error(e: SweepError) -> anyhow::Error {
    match e {
        SweepError::VaryForm(_)
        | SweepError::Path(_)
        | SweepError::PathLeadsNowhere(_)
        | SweepError::NoValues(_)
        | SweepError::Values(..)
        | SweepError::VaryTwice(_) => anyhow!("--vary {e}"),
        SweepError::NoStep(_) => anyhow!("--vary {e} (--samples M)"),
        SweepError::NothingToVary => anyhow!(
            "nothing to vary: give at least one --vary PATH=VALUES (or a `sweep: {{vary: ...}}` section)"
        ),
        SweepError::ZeroSamples => anyhow!("--samples must be at least 1"),
        SweepError::TooManySamples(_) => anyhow!("--samples {e}"),
        SweepError::Shard(_) => anyhow!("--shard {e}"),
        e => anyhow!(e),
    }
}

fn fmt_of(f: ChartFormat) -> Format {
    match f {
        ChartFormat::Png => Format::Png,
        ChartFormat::Svg => Format::Svg,
    }
}

fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).expect("JSON");
    b.push(b'\n');
    b
}

pub fn sweep(args: SweepArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let (replications, design, shard, metrics) = what_to_sweep(&args, &scenario)?;

    // Build (and so validate) every point's scenario before running anything.
    let template = ScenarioTemplate::of(
        &scenario,
        LoadOptions {
            lenient: args.common.lenient,
        },
    )?;
    let owned: Vec<usize> = (0..design.points.len())
        .filter(|&p| shard.is_none_or(|s| s.owns(p)))
        .collect();
    let configs = sweep::point_configs(&template, &design, "sweep point").map_err(cli_error)?;
    let budget = crate::commands::budget::Budget::of(&args.common)?;
    budget.check_configs(
        &owned.iter().map(|&p| &configs[p]).collect::<Vec<_>>(),
        replications,
        &args.common,
        "--samples / --vary",
    )?;

    let out_dir = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name).join("sweep"));
    let header = sweep::sweep_header(&design.params, &scenario.sim);
    let man = sweep::manifest(&scenario, replications, &design, &metrics);
    let mut out = crate::commands::common::open_output(&out_dir, args.common.quiet)?;
    let mut rows = resumed_rows(&args, &out_dir, &out, &man, &header)?;
    // The finished sweep in the folder stays as it is until this one
    // commits; the runs go to the checkpoint.
    out.write_now(PARTIAL_JSON, &json_bytes(&man))?;

    let done: BTreeSet<(usize, u32)> = rows
        .iter()
        .map(|r| (r.point - 1, r.replication - 1))
        .collect();
    let jobs: Vec<(usize, u32)> = owned
        .iter()
        .flat_map(|&p| (0..replications).map(move |r| (p, r)))
        .filter(|j| !done.contains(j))
        .collect();
    let total_runs = owned.len() as u64 * replications as u64;
    let guard = budget.guard();
    let pb = progress_bar(total_runs, "sweep runs", args.common.quiet);
    pb.set_position(total_runs - jobs.len() as u64);
    let threads = args.common.threads.map(|t| t as usize);
    let pool = labelsim::runner::thread_pool(threads)?;
    let chunk = (pool.current_num_threads() * 16).max(32);
    let started = std::time::Instant::now();
    let mut interrupted = false;
    for part in jobs.chunks(chunk) {
        let results = pool.install(|| {
            sweep::run_jobs(&configs, part, scenario.seed, &guard.guard, &|| pb.inc(1))
        })?;
        for (&(p, r), res) in part.iter().zip(results) {
            match res {
                Some(s) => rows.push(sweep::row_of(&design, p, r, &s)),
                None => interrupted = true,
            }
        }
        sweep::normalise(&mut rows).map_err(cli_error)?;
        out.write_now(PARTIAL_CSV, &sweep::sweep_csv(&header, &rows))?;
        if guard.guard.is_stopped() {
            interrupted = true;
            break;
        }
    }
    pb.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    if !interrupted {
        out.put("sweep.json", &json_bytes(&man))?;
        out.put("sweep.csv", &sweep::sweep_csv(&header, &rows))?;
        write_summary_and_charts(
            out,
            &design.params,
            &rows,
            &header,
            &metrics,
            (!args.common.no_charts).then(|| fmt_of(args.common.format)),
            &man,
        )?;
    }
    if interrupted {
        return Ok(stopped(&guard.guard, rows.len(), total_runs, &out_dir));
    }
    if !args.common.quiet {
        let ran = jobs.len();
        print_done(
            &scenario.name,
            &design,
            &rows,
            &header,
            &metrics,
            &owned,
            shard,
            (replications, total_runs, ran, wall),
            &out_dir,
        );
    }
    Ok(0)
}

/// What the arguments and the scenario's `sweep:` section ask to sweep:
/// the replications per point, the design, this shard, the charted metrics.
fn what_to_sweep(
    args: &SweepArgs,
    scenario: &Scenario,
) -> Result<(u32, Design, Option<Shard>, Vec<String>)> {
    let section = sweep::sweep_section(scenario).map_err(cli_error)?;
    // --replications beats the `sweep:` section, which beats the scenario.
    let replications = args
        .common
        .replications
        .or(section.replications)
        .unwrap_or(scenario.replications)
        .max(1);
    // CLI --vary replaces the scenario's entry for the same path; the same
    // path twice on the command line is refused (by `design`).
    let cli: Vec<_> = args
        .vary
        .iter()
        .map(|v| sweep::parse_vary(v).map_err(cli_error))
        .collect::<Result<_>>()?;
    let mut varies = section.vary;
    varies.retain(|(q, _)| !cli.iter().any(|(p, _)| p == q));
    varies.extend(cli);
    let design = sweep::design(&varies, args.samples.or(section.samples), scenario.seed)
        .map_err(cli_error)?;
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(cli_error)?;
    let metrics: Vec<String> = if !args.metrics.is_empty() {
        args.metrics.clone()
    } else if !section.metrics.is_empty() {
        section.metrics.clone()
    } else {
        sweep::default_metrics(&scenario.sim)
    };
    let known = sweep::numeric_metric_names_for(&scenario.sim);
    for m in &metrics {
        labelsim::suggest::check_metric(m, &known).map_err(|e| anyhow!("--metric {e}"))?;
    }
    Ok((replications, design, shard, metrics))
}

/// The runs a `--resume` continues from (after checking that the folder
/// holds this very sweep); none otherwise, with a note on what the new
/// sweep replaces.
fn resumed_rows(
    args: &SweepArgs,
    out_dir: &Path,
    out: &OutputDir,
    man: &serde_json::Value,
    header: &[String],
) -> Result<Vec<Row>> {
    let mut rows: Vec<Row> = Vec::new();
    if args.resume {
        let (json_name, csv_name) = sweep_files(out_dir);
        let old_man = read_sweep_file(out_dir, json_name)?
            .ok_or_else(|| anyhow!("--resume: no sweep.json in {}", out_dir.display()))?;
        let old_man: serde_json::Value = serde_json::from_slice(&old_man)
            .with_context(|| format!("--resume: {}/{json_name}", out_dir.display()))?;
        if old_man != *man {
            bail!(
                "--resume: {} holds a different sweep: {}; run without --resume to start over",
                out_dir.display(),
                sweep::manifest_difference(&old_man, man)
            );
        }
        if let Some(bytes) = read_sweep_file(out_dir, csv_name)? {
            let (h, r) =
                sweep::read_sweep_csv(&bytes).map_err(|e| anyhow!("--resume: {csv_name}: {e}"))?;
            if h != header {
                bail!("--resume: {csv_name} has other columns than this sweep");
            }
            rows = r;
            sweep::normalise(&mut rows).map_err(cli_error)?;
        }
    } else if !args.common.quiet {
        let old = out.owned(is_sweep_output);
        if old.iter().any(|n| n == PARTIAL_CSV) {
            eprintln!(
                "note: discarding the unfinished sweep in {} (use --resume to continue it)",
                out_dir.display()
            );
        } else if old.iter().any(|n| n == "sweep.csv") {
            eprintln!(
                "note: the sweep in {} is replaced when this one finishes (use --resume to continue it)",
                out_dir.display()
            );
        }
    }
    Ok(rows)
}
/// Says that the sweep stopped and how to continue it; its exit code: 130
/// for a signal, else 2 (an event budget or the memory watchdog). The
/// finished runs are kept either way, for `--resume`.
fn stopped(
    guard: &labelsim::budget::RunGuard,
    finished: usize,
    total_runs: u64,
    out_dir: &Path,
) -> i32 {
    let signal = crate::signals::cancelled();
    let why = match guard.reason() {
        Some(r) if !signal => format!("stopped ({})", crate::commands::budget::reason_text(&r)),
        _ => "interrupted".to_string(),
    };
    eprintln!(
        "sweep {why}: {} of {} runs finished and kept in {} ({PARTIAL_CSV}; the folder's outputs are unchanged); continue with --resume",
        finished,
        total_runs,
        out_dir.display()
    );
    if signal {
        130
    } else {
        2
    }
}

/// The finished sweep's summary line and per-point table.
#[allow(clippy::too_many_arguments)]
fn print_done(
    name: &str,
    design: &Design,
    rows: &[Row],
    header: &[String],
    metrics: &[String],
    owned: &[usize],
    shard: Option<Shard>,
    (replications, total_runs, ran, wall): (u32, u64, usize, f64),
    out_dir: &Path,
) {
    outln!(
        "labelsim sweep: `{}`, {} point{}{} x {} replication{} = {} runs ({} new) in {:.2} s ({:.1} runs/s)",
        name,
        owned.len(),
        crate::commands::common::plural(owned.len() as u64),
        shard.map(|s| format!(" (shard {}/{} of {})", s.index, s.count, design.points.len())).unwrap_or_default(),
        replications,
        crate::commands::common::plural(replications as u64),
        total_runs,
        ran,
        wall,
        ran as f64 / wall.max(1e-9)
    );
    print_point_table(&design.params, rows, header, metrics);
    outln!(
        "results: {}/ (sweep.csv, sweep_summary.csv, sweep.json, charts)",
        out_dir.display()
    );
}

/// The per-point table printed: means and 95% intervals in the metrics'
/// units (sweep_summary.csv keeps the raw numbers).
fn print_point_table(params: &[ParamPath], rows: &[Row], header: &[String], metrics: &[String]) {
    let summaries = sweep::summarise(rows);
    let names = sweep::stat_names(header);
    let idx: Vec<usize> = metrics
        .iter()
        .filter_map(|m| names.iter().position(|n| n == m))
        .collect();
    let mut head: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    head.extend(idx.iter().map(|&i| names[i].to_string()));
    outln!("  {}", head.join(" | "));
    for s in summaries.iter().take(40) {
        let mut cells = s.params.clone();
        cells.extend(idx.iter().map(|&i| {
            let q = Quantity::of(&names[i]);
            match s.stats[i] {
                None => "-".to_string(),
                Some((m, lo, hi)) if lo == hi => q.format(m),
                Some((m, lo, hi)) => {
                    format!(
                        "{} {}",
                        q.format(m),
                        labelsim::human::interval(&names[i], lo, hi)
                    )
                }
            }
        }));
        outln!("  {}", cells.join(" | "));
    }
    if summaries.len() > 40 {
        outln!(
            "  ... {} more points in sweep_summary.csv",
            summaries.len() - 40
        );
    }
}

/// sweep_summary.csv, the charts (none for `fmt` None: --no-charts) and
/// report.html, from the sorted rows: staged, then moved into place
/// together with sweep.json and sweep.csv (staged by the caller); the
/// outputs of an earlier sweep that this one did not write (its charts,
/// its checkpoint), as the folder's manifest lists them, are removed.
fn write_summary_and_charts(
    mut out: OutputDir,
    params: &[ParamPath],
    rows: &[Row],
    header: &[String],
    metrics: &[String],
    fmt: Option<Format>,
    manifest: &serde_json::Value,
) -> Result<()> {
    let charts = write_tables_and_charts(&mut out, params, rows, header, metrics, fmt)?;
    write_sweep_report(
        &mut out,
        &charts,
        fmt.is_none(),
        params,
        rows,
        header,
        metrics,
        manifest,
    )?;
    // `commit` keeps what this sweep writes again.
    let stale = out.owned(is_sweep_output);
    out.remove(&stale)?;
    out.commit()?;
    Ok(())
}

/// report.html of a sweep: the per-point table, the charts, the design.
/// Built only from the rows and the manifest, so a merge reproduces it.
#[allow(clippy::too_many_arguments)]
fn write_sweep_report(
    out: &mut OutputDir,
    charts_drawn: &[(String, String)],
    charts_skipped: bool,
    params: &[ParamPath],
    rows: &[Row],
    header: &[String],
    metrics: &[String],
    manifest: &serde_json::Value,
) -> Result<()> {
    use labelsim::report::{html, Report, Section};
    let names = sweep::stat_names(header);
    let idx: Vec<usize> = metrics
        .iter()
        .filter_map(|m| names.iter().position(|n| n == m))
        .collect();
    let mut headers: Vec<String> = vec!["point".into()];
    headers.extend(params.iter().map(|p| p.to_string()));
    headers.extend(idx.iter().map(|&i| format!("{} mean [95% CI]", names[i])));
    let table_rows: Vec<Vec<String>> = sweep::summarise(rows)
        .iter()
        .take(2000)
        .map(|s| {
            let mut r = vec![s.point.to_string()];
            r.extend(s.params.iter().cloned());
            // In the terminal's units, the bounds within the metric's
            // range (issue 17).
            r.extend(idx.iter().map(|&i| match s.stats[i] {
                Some((m, lo, hi)) if lo == hi => labelsim::human::metric(&names[i], m),
                Some((m, lo, hi)) => format!(
                    "{} {}",
                    labelsim::human::metric(&names[i], m),
                    labelsim::human::interval(&names[i], lo, hi)
                ),
                None => "-".to_string(),
            }));
            r
        })
        .collect();
    // Exactly the charts this command drew, from staging.
    let mut charts = String::new();
    for (file, caption) in charts_drawn {
        charts.push_str(&html::chart(&out.staging_path(file)?, caption)?);
    }
    if charts_skipped {
        charts.push_str(crate::commands::common::CHARTS_SKIPPED);
    }
    let name = manifest["scenario"].as_str().unwrap_or("sweep");
    // The scenario's shape (a manifest from before it was recorded: a
    // job, and a pipeline where its metrics are there).
    let has = |part: &str, default: bool| manifest["shape"][part].as_bool().unwrap_or(default);
    let mut keys: Vec<&str> = Vec::new();
    if has("job", true) {
        keys.extend_from_slice(labelsim::model::catalog::SWEEP_RULE_TABLE);
    }
    if has("pipeline", names.iter().any(|n| n == "indexed_documents")) {
        keys.extend_from_slice(labelsim::model::catalog::PIPELINE_SWEEP_RULE_TABLE);
    }
    let (rule_headers, rule_rows) = rule_table(params, rows, &names, &keys);
    let scenario_text = manifest["scenario_text"].as_str().unwrap_or("").to_string();
    // The headline: the best point on the first metric charted; under it
    // what was run (from the manifest, so a merge says the same).
    let summaries = sweep::summarise(rows);
    let param_names: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    let answer = idx
        .first()
        .map(|&i| labelsim::report::headline::sweep(&param_names, &summaries, &names[i], i))
        .unwrap_or_default();
    let lead = html::Lead {
        answer,
        details: vec![format!(
            "{} point{} × {} replication{} each, seed {}",
            summaries.len(),
            if summaries.len() == 1 { "" } else { "s" },
            manifest["replications"],
            if manifest["replications"] == 1 {
                ""
            } else {
                "s"
            },
            manifest["seed"],
        )],
        // From the manifest only, so a merge of shards says the same:
        // the seed and replications are in the line above, the --set
        // overrides head the scenario's text.
        command: None,
    };
    let page = html::export(&Report {
        title: format!("labelsim sweep: {name}"),
        lead,
        sections: vec![
            Section::table("Points", &headers, &table_rows),
            Section::table("What each rule did, per point", &rule_headers, &rule_rows),
            Section::text("Scenario", scenario_text),
            Section::html("Charts", charts),
            Section::text(
                "Design",
                serde_json::to_string_pretty(manifest).unwrap_or_default(),
            ),
        ],
    });
    out.put("report.html", &page)?;
    Ok(())
}

/// What each rule did, per point (means over replications): the table's
/// headers and rows.
fn rule_table<'k>(
    params: &[ParamPath],
    rows: &[Row],
    names: &[String],
    keys: &[&'k str],
) -> (Vec<String>, Vec<Vec<String>>) {
    let rule_metrics: Vec<(String, &'k str)> = keys
        .iter()
        .map(|&k| {
            let d = catalog::def(k).expect("sweep rule table keys are in the catalog");
            (
                format!("{} {}", d.rule, d.rule_column.unwrap_or(d.label)),
                k,
            )
        })
        .collect();
    let mut rule_headers: Vec<String> = vec!["point".into()];
    rule_headers.extend(params.iter().map(|p| p.to_string()));
    rule_headers.extend(rule_metrics.iter().map(|(h, _)| h.to_string()));
    let rule_rows: Vec<Vec<String>> = sweep::summarise(rows)
        .iter()
        .take(2000)
        .map(|s| {
            let mut r = vec![s.point.to_string()];
            r.extend(s.params.iter().cloned());
            r.extend(rule_metrics.iter().map(|(_, m)| {
                names
                    .iter()
                    .position(|n| n == m)
                    .and_then(|i| s.stats[i])
                    .map(|st| labelsim::human::metric(m, st.0))
                    .unwrap_or_default()
            }));
            r
        })
        .collect();
    (rule_headers, rule_rows)
}

/// Stages sweep_summary.csv and the charts; returns the charts drawn (file,
/// caption for report.html), in drawing order.
fn write_tables_and_charts(
    out: &mut OutputDir,
    params: &[ParamPath],
    rows: &[Row],
    header: &[String],
    metrics: &[String],
    fmt: Option<Format>,
) -> Result<Vec<(String, String)>> {
    let param_header: Vec<String> = params.iter().map(|p| format!("param_{p}")).collect();
    let summaries = sweep::summarise(rows);
    let mut drawn = Vec::new();
    out.put(
        "sweep_summary.csv",
        &sweep::sweep_summary_csv(
            &param_header,
            &summaries,
            &sweep::extra_metric_names(header),
        ),
    )?;
    let names = sweep::stat_names(header);
    let numeric_params: Option<Vec<Vec<f64>>> = summaries
        .iter()
        .map(|s| {
            s.params
                .iter()
                .map(|c| sweep::numeric_param(c))
                .collect::<Option<Vec<f64>>>()
        })
        .collect();
    let (Some(xs), false, Some(fmt)) = (numeric_params, summaries.is_empty(), fmt) else {
        return Ok(drawn); // categorical parameters or --no-charts: tables only
    };
    let ext = fmt.extension();
    for m in metrics {
        let Some(mi) = names.iter().position(|n| n == m) else {
            continue;
        };
        let y_label = plot::metric_axis_label(m);
        match params.len() {
            1 => {
                let mut pts: Vec<(f64, f64, f64, f64)> = summaries
                    .iter()
                    .zip(&xs)
                    .filter_map(|(s, x)| s.stats[mi].map(|(m, lo, hi)| (x[0], m, lo, hi)))
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                let title = format!("{m} against {}", params[0]);
                let x_label =
                    plot::param_axis_label(&params[0].to_string(), &summaries[0].params[0]);
                let file = format!("sweep_{m}.{ext}");
                plot::render_band_chart(
                    &out.staging_path(&file)?,
                    fmt,
                    &BandChart {
                        title: &title,
                        x_label: &x_label,
                        y_label: &y_label,
                        points: pts,
                        hlines: vec![],
                        vlines: vec![],
                        y_cap: None,
                        line_label: "mean over replications",
                        gaps: vec![],
                    },
                )
                .map_err(|e| anyhow!("cannot draw sweep chart: {e}"))?;
                out.staged_by_path(&file)?;
                let caption =
                    format!("{title}: the mean over replications and its 95% confidence band.");
                drawn.push((file, caption));
            }
            2 => {
                let mut ux: Vec<f64> = xs.iter().map(|x| x[0]).collect();
                let mut uy: Vec<f64> = xs.iter().map(|x| x[1]).collect();
                for u in [&mut ux, &mut uy] {
                    u.sort_by(f64::total_cmp);
                    u.dedup();
                }
                if ux.len() * uy.len() > 20_000 {
                    continue;
                }
                let cells = summaries
                    .iter()
                    .zip(&xs)
                    .map(|(s, x)| {
                        (
                            ux.iter().position(|v| *v == x[0]).unwrap_or(0),
                            uy.iter().position(|v| *v == x[1]).unwrap_or(0),
                            s.stats[mi].map_or(f64::NAN, |st| st.0),
                        )
                    })
                    .collect();
                let title = format!("{m}, mean over replications (darker = higher)");
                let xl = plot::param_axis_label(&params[0].to_string(), &summaries[0].params[0]);
                let yl = plot::param_axis_label(&params[1].to_string(), &summaries[0].params[1]);
                let file = format!("sweep_heatmap_{m}.{ext}");
                plot::render_heatmap(
                    &out.staging_path(&file)?,
                    fmt,
                    &Heatmap {
                        title: &title,
                        x_label: &xl,
                        y_label: &yl,
                        xs: ux,
                        ys: uy,
                        cells,
                    },
                )
                .map_err(|e| anyhow!("cannot draw heatmap: {e}"))?;
                out.staged_by_path(&file)?;
                drawn.push((file, format!("{title}.")));
            }
            _ => {}
        }
    }
    if let Some(file) = threshold_tradeoff(out, params, &summaries, &xs, &names, fmt)? {
        let caption = format!(
            "{file}: against the routing threshold, cost per correct label, accuracy_overall, \
             and the humans' load (share of results routed to them, and their utilization); \
             bands are 95% confidence intervals over replications"
        );
        drawn.push((file, caption));
    }
    Ok(drawn)
}

/// The chart of a sweep over one consumer pool's routing threshold.
pub const TRADEOFF_CHART: &str = "sweep_threshold_tradeoff";

/// Issue 10: when the sweep varies only `pipeline.consumers[X].route.threshold`,
/// cost per correct label, accuracy and the humans' load against the
/// threshold, in three aligned panels (`sweep_threshold_tradeoff`).
fn threshold_tradeoff(
    out: &mut OutputDir,
    params: &[ParamPath],
    summaries: &[sweep::PointSummary],
    xs: &[Vec<f64>],
    names: &[String],
    fmt: Format,
) -> Result<Option<String>> {
    let path = match params {
        [p] => p.to_string(),
        _ => return Ok(None),
    };
    if !(path.starts_with("pipeline.consumers[") && path.ends_with("].route.threshold")) {
        return Ok(None);
    }
    let stat = |metric: &str| -> Vec<(f64, f64, f64, f64)> {
        let Some(i) = names.iter().position(|n| n == metric) else {
            return Vec::new();
        };
        let mut v: Vec<_> = summaries
            .iter()
            .zip(xs)
            .filter_map(|(s, x)| s.stats[i].map(|(m, lo, hi)| (x[0], m, lo, hi)))
            .collect();
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v
    };
    // Share of results sent to the humans: a ratio of the means (no band).
    let routed = stat(catalog::ROUTED_TO_HUMANS);
    let results = stat(catalog::RESULTS);
    let share: Vec<(f64, f64, f64, f64)> = routed
        .iter()
        .filter_map(|r| {
            let n = results.iter().find(|q| q.0 == r.0)?.1;
            (n > 0.0).then(|| (r.0, r.1 / n, r.1 / n, r.1 / n))
        })
        .collect();
    let line = |label: &str, k: usize, points| plot::BandLine {
        label: label.to_string(),
        color: plot::PALETTE[k],
        points,
    };
    let panels = vec![
        plot::BandPanel {
            y_label: "cost [USD]".into(),
            from_zero: true,
            lines: vec![line(
                "cost_per_correct_label [USD]: people, SQS and consumers per expected correct indexed label",
                0,
                stat(catalog::COST_PER_CORRECT_LABEL),
            )],
        },
        plot::BandPanel {
            y_label: "accuracy [fraction]".into(),
            from_zero: false,
            lines: vec![line(
                "accuracy_overall: expected share of indexed labels that are correct",
                2,
                stat(catalog::ACCURACY_OVERALL),
            )],
        },
        plot::BandPanel {
            y_label: "human load [fraction]".into(),
            from_zero: true,
            lines: vec![
                line(
                    "routed_to_humans / results (ratio of the means)",
                    1,
                    share,
                ),
                line(
                    "worker_utilization: the human workers' busy share",
                    3,
                    stat(catalog::WORKER_UTILIZATION),
                ),
            ],
        },
    ];
    let file = format!("{TRADEOFF_CHART}.{}", fmt.extension());
    plot::render_panels_chart(
        &out.staging_path(&file)?,
        fmt,
        &plot::PanelsChart {
            title: "Routing threshold: cost, accuracy and human load (means over replications)",
            x_label: &path,
            panels,
        },
    )
    .map_err(|e| anyhow!("cannot draw the threshold trade-off chart: {e}"))?;
    out.staged_by_path(&file)?;
    Ok(Some(file))
}

pub fn merge(args: MergeArgs) -> Result<i32> {
    let mut out = crate::commands::common::open_output(&args.out, false)?;
    let mut manifest: Option<serde_json::Value> = None;
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for d in &args.dirs {
        // A shard stopped before it finished has only its checkpoint.
        let (json_name, csv_name) = sweep_files(d);
        let bytes = read_sweep_file(d, json_name)?
            .ok_or_else(|| anyhow!("{}: no sweep.json (not a sweep output folder)", d.display()))?;
        let m: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("{}/{json_name}", d.display()))?;
        match &manifest {
            None => manifest = Some(m),
            Some(first) if *first != m => bail!(
                "{} belongs to a different sweep than {}: {}",
                d.display(),
                args.dirs[0].display(),
                sweep::manifest_difference(first, &m)
            ),
            _ => {}
        }
        let bytes = read_sweep_file(d, csv_name)?
            .ok_or_else(|| anyhow!("{}: no {csv_name}", d.display()))?;
        let (h, r) = sweep::read_sweep_csv(&bytes)
            .map_err(|e| anyhow!("{}/{csv_name}: {e}", d.display()))?;
        match &header {
            None => header = Some(h),
            Some(first) if *first != h => bail!("{}/{csv_name} has other columns", d.display()),
            _ => {}
        }
        rows.extend(r);
    }
    let manifest = manifest.expect("at least one folder");
    let header = header.expect("at least one folder");
    sweep::normalise(&mut rows).map_err(cli_error)?;
    let params: Vec<ParamPath> = manifest["params"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.as_str())
                .filter_map(|p| ParamPath::parse(p).ok())
                .collect()
        })
        .unwrap_or_default();
    let points = manifest["points"].as_array().map_or(0, |p| p.len());
    let replications = manifest["replications"].as_u64().unwrap_or(0) as usize;
    let expected = points * replications;
    if rows.len() < expected {
        let have: BTreeSet<usize> = rows.iter().map(|r| r.point).collect();
        let short: Vec<String> = (1..=points)
            .filter(|p| rows.iter().filter(|r| r.point == *p).count() < replications)
            .take(10)
            .map(|p| {
                if have.contains(&p) {
                    format!("{p} (unfinished)")
                } else {
                    p.to_string()
                }
            })
            .collect();
        let msg = format!(
            "{} of {expected} runs are missing (a shard not run or not finished?); points without all their replications: {}{}",
            expected - rows.len(),
            short.join(", "),
            if short.len() == 10 { ", ..." } else { "" }
        );
        if !args.allow_partial {
            bail!("{msg}; nothing written (pass --allow-partial to merge what is there)");
        }
        eprintln!("warning: {msg}");
    }
    out.put("sweep.json", &json_bytes(&manifest))?;
    out.put("sweep.csv", &sweep::sweep_csv(&header, &rows))?;
    let metrics: Vec<String> = manifest["chart_metrics"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    write_summary_and_charts(
        out,
        &params,
        &rows,
        &header,
        &metrics,
        Some(fmt_of(args.format)),
        &manifest,
    )?;
    outln!(
        "merged {} folder{}: {} of {} runs into {}/",
        args.dirs.len(),
        crate::commands::common::plural(args.dirs.len() as u64),
        rows.len(),
        expected,
        args.out.display()
    );
    Ok(0)
}
