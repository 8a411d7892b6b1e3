//! `labelsim sweep` and `labelsim merge`: options → design → parallel runs
//! (rewriting sweep.csv atomically after each chunk) → summary and charts.

use crate::app::{load_for, progress_bar};
use crate::cli::{ChartFormat, MergeArgs, SweepArgs};
use anyhow::{anyhow, bail, Context, Result};
use labelsim::plot::{self, BandChart, Format, Heatmap};
use labelsim::report::write_atomic;
use labelsim::scenario::paths::{ParamPath, ScenarioTemplate};
use labelsim::scenario::{LoadOptions, Scenario};
use labelsim::sweep::{self, Design, Row, Shard};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static CANCEL: AtomicBool = AtomicBool::new(false);
static HANDLER: Once = Once::new();

/// Ctrl-C asks the sweep to stop after the runs in flight; a second Ctrl-C
/// exits at once.
fn install_ctrlc() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if CANCEL.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: finishing the runs in flight and keeping every finished point (Ctrl-C again to quit now)");
        });
    });
}

/// Metrics charted by default.
const DEFAULT_METRICS: &[&str] = &[
    "time_to_label_p95_s",
    "objects_labeled",
    "expired_in_queue",
    "worker_utilization",
];

/// What the scenario's own `sweep:` section asks for.
struct SweepSection {
    vary: Vec<(ParamPath, String)>,
    samples: Option<u32>,
    replications: Option<u32>,
    metrics: Vec<String>,
}

fn sweep_section(s: &Scenario) -> Result<SweepSection> {
    let mut out = SweepSection {
        vary: Vec::new(),
        samples: None,
        replications: None,
        metrics: Vec::new(),
    };
    let Some(v) = &s.spec.sweep else {
        return Ok(out);
    };
    let map = v
        .as_mapping()
        .ok_or_else(|| anyhow!("{}: sweep: must be a mapping with `vary:`", s.origin))?;
    for (k, val) in map {
        let key = k.as_str().unwrap_or("");
        match key {
            "vary" => {
                let m = val
                    .as_mapping()
                    .ok_or_else(|| anyhow!("{}: sweep.vary: must map PATH to VALUES", s.origin))?;
                for (p, vals) in m {
                    let path = p.as_str().unwrap_or("");
                    let text = match vals {
                        serde_yaml::Value::Sequence(items) => items
                            .iter()
                            .map(labelsim::scenario::paths::value_text)
                            .collect::<Vec<_>>()
                            .join(","),
                        other => labelsim::scenario::paths::value_text(other),
                    };
                    out.vary.push(
                        sweep::parse_vary(&format!("{path}={text}"))
                            .map_err(|e| anyhow!("{}: sweep.vary: {e}", s.origin))?,
                    );
                }
            }
            "samples" => out.samples = val.as_u64().map(|x| x as u32),
            "replications" => out.replications = val.as_u64().map(|x| x as u32),
            "metrics" => {
                out.metrics = val
                    .as_sequence()
                    .map(|xs| {
                        xs.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default()
            }
            other => bail!(
                "{}: sweep.{other}: unknown key (expected vary, samples, replications, metrics)",
                s.origin
            ),
        }
    }
    Ok(out)
}

fn fmt_of(f: ChartFormat) -> Format {
    match f {
        ChartFormat::Png => Format::Png,
        ChartFormat::Svg => Format::Svg,
    }
}

/// The manifest that ties shards and resumptions to one design.
fn manifest(
    scenario: &Scenario,
    replications: u32,
    design: &Design,
    metrics: &[String],
) -> serde_json::Value {
    let (name, seed) = (scenario.name.as_str(), scenario.seed);
    let points: Vec<Vec<String>> = design
        .points
        .iter()
        .map(|p| {
            p.iter()
                .map(labelsim::scenario::paths::value_text)
                .collect()
        })
        .collect();
    json!({
        "scenario": name,
        "seed": seed,
        "replications": replications,
        "params": design.params.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "points": points,
        "chart_metrics": metrics,
        "scenario_text": scenario.text,
    })
}

fn json_bytes(v: &serde_json::Value) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).expect("JSON");
    b.push(b'\n');
    b
}

pub fn sweep(args: SweepArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let section = sweep_section(&scenario)?;
    // --replications beats the `sweep:` section, which beats the scenario.
    let replications = args
        .common
        .replications
        .or(section.replications)
        .unwrap_or(scenario.replications)
        .max(1);
    // CLI --vary replaces the scenario's entry for the same path.
    let mut varies = section.vary;
    for v in &args.vary {
        let (p, t) = sweep::parse_vary(v).map_err(|e| anyhow!(e))?;
        varies.retain(|(q, _)| *q != p);
        varies.push((p, t));
    }
    let design = sweep::design(&varies, args.samples.or(section.samples), scenario.seed)
        .map_err(|e| anyhow!(e))?;
    let shard = args
        .shard
        .as_deref()
        .map(Shard::parse)
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let metrics: Vec<String> = if !args.metrics.is_empty() {
        args.metrics.clone()
    } else if !section.metrics.is_empty() {
        section.metrics.clone()
    } else {
        DEFAULT_METRICS.iter().map(|s| s.to_string()).collect()
    };
    let known = sweep::numeric_metric_names_for(&scenario.sim.sla);
    for m in &metrics {
        if !known.contains(&m.as_str()) {
            bail!(
                "--metric `{m}` is not a numeric summary metric; one of: {}",
                known.join(", ")
            );
        }
    }

    // Build (and so validate) every point's scenario before running anything.
    let template = ScenarioTemplate::new(
        &scenario,
        LoadOptions {
            lenient: args.common.lenient,
        },
    )
    .map_err(|e| anyhow!(e))?;
    let owned: Vec<usize> = (0..design.points.len())
        .filter(|&p| shard.is_none_or(|s| s.owns(p)))
        .collect();
    let configs =
        sweep::point_configs(&template, &design, "sweep point").map_err(|e| anyhow!(e))?;

    let out_dir = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name).join("sweep"));
    let header = sweep::sweep_header(&design.params, &scenario.sim.sla);
    let man = manifest(&scenario, replications, &design, &metrics);
    let mut rows: Vec<Row> = Vec::new();
    if args.resume {
        let old_man = std::fs::read(out_dir.join("sweep.json"))
            .with_context(|| format!("--resume: no sweep.json in {}", out_dir.display()))?;
        let old_man: serde_json::Value = serde_json::from_slice(&old_man)?;
        if old_man != man {
            bail!("--resume: {} holds a different sweep (scenario, seed, replications or design differ)", out_dir.display());
        }
        if let Ok(bytes) = std::fs::read(out_dir.join("sweep.csv")) {
            let (h, r) =
                sweep::read_sweep_csv(&bytes).map_err(|e| anyhow!("--resume: sweep.csv: {e}"))?;
            if h != header {
                bail!("--resume: sweep.csv has other columns than this sweep");
            }
            rows = r;
            sweep::normalise(&mut rows).map_err(|e| anyhow!(e))?;
        }
    } else if out_dir.join("sweep.csv").exists() && !args.common.quiet {
        eprintln!(
            "note: overwriting the sweep in {} (use --resume to continue it)",
            out_dir.display()
        );
    }
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    write_atomic(&out_dir.join("sweep.json"), &json_bytes(&man))?;

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
    install_ctrlc();
    let pb = progress_bar(total_runs, "sweep runs", args.common.quiet);
    pb.set_position(total_runs - jobs.len() as u64);
    let threads = args.common.threads.map(|t| t as usize);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .context("thread pool")?;
    let chunk = (pool.current_num_threads() * 16).max(32);
    let started = std::time::Instant::now();
    let mut interrupted = false;
    for part in jobs.chunks(chunk) {
        let results = pool
            .install(|| sweep::run_jobs(&configs, part, scenario.seed, &CANCEL, &|| pb.inc(1)))
            .map_err(|e| anyhow!("{e}"))?;
        for (&(p, r), res) in part.iter().zip(results) {
            match res {
                Some(s) => rows.push(sweep::row_of(&design, p, r, &s)),
                None => interrupted = true,
            }
        }
        sweep::normalise(&mut rows).map_err(|e| anyhow!(e))?;
        write_atomic(
            &out_dir.join("sweep.csv"),
            &sweep::sweep_csv(&header, &rows),
        )?;
        if CANCEL.load(Ordering::SeqCst) {
            interrupted = true;
            break;
        }
    }
    pb.finish_and_clear();
    let wall = started.elapsed().as_secs_f64();
    write_summary_and_charts(
        &out_dir,
        &design.params,
        &rows,
        &header,
        &metrics,
        fmt_of(args.common.format),
        &man,
    )?;
    if interrupted {
        eprintln!(
            "sweep interrupted: {} of {} runs finished and kept in {}; continue with --resume",
            rows.len(),
            total_runs,
            out_dir.display()
        );
        return Ok(130);
    }
    if !args.common.quiet {
        let ran = jobs.len();
        println!(
            "labelsim sweep: `{}`, {} point{}{} x {} replication{} = {} runs ({} new) in {:.2} s ({:.1} runs/s)",
            scenario.name,
            owned.len(),
            crate::app::plural(owned.len() as u64),
            shard.map(|s| format!(" (shard {}/{} of {})", s.index, s.count, design.points.len())).unwrap_or_default(),
            replications,
            crate::app::plural(replications as u64),
            total_runs,
            ran,
            wall,
            ran as f64 / wall.max(1e-9)
        );
        print_point_table(&design.params, &rows, &metrics);
        println!(
            "results: {}/ (sweep.csv, sweep_summary.csv, sweep.json, charts)",
            out_dir.display()
        );
    }
    Ok(0)
}

fn print_point_table(params: &[ParamPath], rows: &[Row], metrics: &[String]) {
    let summaries = sweep::summarise(rows);
    let names = sweep::numeric_metric_names();
    let idx: Vec<usize> = metrics
        .iter()
        .filter_map(|m| names.iter().position(|n| n == m))
        .collect();
    let mut head: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    head.extend(idx.iter().map(|&i| names[i].to_string()));
    println!("  {}", head.join(" | "));
    for s in summaries.iter().take(40) {
        let mut cells = s.params.clone();
        cells.extend(idx.iter().map(|&i| match s.stats[i] {
            None => "-".to_string(),
            Some((m, lo, hi)) if lo == hi => format!("{m:.4}"),
            Some((m, lo, hi)) => format!("{m:.4} [{lo:.4}, {hi:.4}]"),
        }));
        println!("  {}", cells.join(" | "));
    }
    if summaries.len() > 40 {
        println!(
            "  ... {} more points in sweep_summary.csv",
            summaries.len() - 40
        );
    }
}

/// sweep_summary.csv, the charts and report.html, from the sorted rows.
fn write_summary_and_charts(
    dir: &Path,
    params: &[ParamPath],
    rows: &[Row],
    header: &[String],
    metrics: &[String],
    fmt: Format,
    manifest: &serde_json::Value,
) -> Result<()> {
    write_tables_and_charts(dir, params, rows, header, metrics, fmt)?;
    write_sweep_report(dir, params, rows, metrics, fmt, manifest)
}

/// report.html of a sweep: the per-point table, the charts, the design.
/// Built only from the rows and the manifest, so a merge reproduces it.
fn write_sweep_report(
    dir: &Path,
    params: &[ParamPath],
    rows: &[Row],
    metrics: &[String],
    fmt: Format,
    manifest: &serde_json::Value,
) -> Result<()> {
    use labelsim::report::html;
    let names = sweep::numeric_metric_names();
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
            r.extend(idx.iter().map(|&i| match s.stats[i] {
                Some((m, lo, hi)) => format!("{m:.4} [{lo:.4}, {hi:.4}]"),
                None => "-".to_string(),
            }));
            r
        })
        .collect();
    let ext = fmt.extension();
    let mut charts = String::new();
    let mut files: Vec<String> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("sweep") && n.ends_with(&format!(".{ext}")))
        .collect();
    files.sort();
    for f in files {
        charts.push_str(&html::chart(&dir.join(&f), &f)?);
    }
    let name = manifest["scenario"].as_str().unwrap_or("sweep");
    // What each rule did, per point (means over replications).
    let rule_metrics = [
        ("R1 lost after stop", "lost_after_stop"),
        ("R1 stranded at stop", "stranded_at_stop"),
        ("R6 expired in queue", "expired_in_queue"),
        ("R7 tasks expired", "tasks_expired"),
        ("R7 tasks declined", "tasks_declined"),
        ("R9 duplicates dropped", "duplicates_dropped"),
        ("R12 held at sender", "held_at_end"),
    ];
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
                    .map(|st| format!("{:.1}", st.0))
                    .unwrap_or_default()
            }));
            r
        })
        .collect();
    let scenario_text = manifest["scenario_text"].as_str().unwrap_or("").to_string();
    let page = html::page(
        &format!("labelsim sweep: {name}"),
        &[
            ("Points".into(), html::table(&headers, &table_rows)),
            (
                "What each rule did, per point".into(),
                html::table(&rule_headers, &rule_rows),
            ),
            (
                "Scenario".into(),
                format!("<pre>{}</pre>", html::esc(&scenario_text)),
            ),
            ("Charts".into(), charts),
            (
                "Design".into(),
                format!(
                    "<pre>{}</pre>",
                    html::esc(&serde_json::to_string_pretty(manifest).unwrap_or_default())
                ),
            ),
        ],
    );
    write_atomic(&dir.join("report.html"), &page)?;
    Ok(())
}

fn write_tables_and_charts(
    dir: &Path,
    params: &[ParamPath],
    rows: &[Row],
    header: &[String],
    metrics: &[String],
    fmt: Format,
) -> Result<()> {
    let param_header: Vec<String> = params.iter().map(|p| format!("param_{p}")).collect();
    let summaries = sweep::summarise(rows);
    write_atomic(
        &dir.join("sweep_summary.csv"),
        &sweep::sweep_summary_csv(
            &param_header,
            &summaries,
            &sweep::extra_metric_names(header),
        ),
    )?;
    let names = sweep::numeric_metric_names();
    let numeric_params: Option<Vec<Vec<f64>>> = summaries
        .iter()
        .map(|s| {
            s.params
                .iter()
                .map(|c| sweep::numeric_param(c))
                .collect::<Option<Vec<f64>>>()
        })
        .collect();
    let (Some(xs), false) = (numeric_params, summaries.is_empty()) else {
        return Ok(()); // categorical parameters: tables only
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
                plot::render_band_chart(
                    &dir.join(format!("sweep_{m}.{ext}")),
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
                    },
                )
                .map_err(|e| anyhow!("cannot draw sweep chart: {e}"))?;
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
                plot::render_heatmap(
                    &dir.join(format!("sweep_heatmap_{m}.{ext}")),
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
            }
            _ => {}
        }
    }
    Ok(())
}

pub fn merge(args: MergeArgs) -> Result<i32> {
    let mut manifest: Option<serde_json::Value> = None;
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for d in &args.dirs {
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(d.join("sweep.json")).with_context(|| {
                format!("{}: no sweep.json (not a sweep output folder)", d.display())
            })?)
            .with_context(|| format!("{}/sweep.json", d.display()))?;
        match &manifest {
            None => manifest = Some(m),
            Some(first) if *first != m => bail!(
                "{} belongs to a different sweep than {}",
                d.display(),
                args.dirs[0].display()
            ),
            _ => {}
        }
        let bytes = std::fs::read(d.join("sweep.csv"))
            .with_context(|| format!("{}: no sweep.csv", d.display()))?;
        let (h, r) =
            sweep::read_sweep_csv(&bytes).map_err(|e| anyhow!("{}/sweep.csv: {e}", d.display()))?;
        match &header {
            None => header = Some(h),
            Some(first) if *first != h => bail!("{}/sweep.csv has other columns", d.display()),
            _ => {}
        }
        rows.extend(r);
    }
    let manifest = manifest.expect("at least one folder");
    let header = header.expect("at least one folder");
    sweep::normalise(&mut rows).map_err(|e| anyhow!(e))?;
    let params: Vec<ParamPath> = manifest["params"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p.as_str())
                .filter_map(|p| ParamPath::parse(p).ok())
                .collect()
        })
        .unwrap_or_default();
    let expected = manifest["points"].as_array().map_or(0, |p| p.len())
        * manifest["replications"].as_u64().unwrap_or(0) as usize;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    write_atomic(&args.out.join("sweep.json"), &json_bytes(&manifest))?;
    write_atomic(
        &args.out.join("sweep.csv"),
        &sweep::sweep_csv(&header, &rows),
    )?;
    let metrics: Vec<String> = manifest["chart_metrics"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .filter_map(|m| m.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    write_summary_and_charts(
        &args.out,
        &params,
        &rows,
        &header,
        &metrics,
        fmt_of(args.format),
        &manifest,
    )?;
    println!(
        "merged {} folder{}: {} of {} runs into {}/",
        args.dirs.len(),
        crate::app::plural(args.dirs.len() as u64),
        rows.len(),
        expected,
        args.out.display()
    );
    if rows.len() < expected {
        eprintln!(
            "warning: {} runs are missing (a shard not run or not finished?)",
            expected - rows.len()
        );
    }
    Ok(0)
}
