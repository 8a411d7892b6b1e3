//! `labelsim fit FILE`: fit service-time distributions to observed task
//! durations (the work is in `labelsim::fit`), print the ranking and the
//! best fit as a `service_time:` line, and write fit.json and fit.png.

use super::common::{chart_format, open_output};
use crate::cli::FitArgs;
use anyhow::{anyhow, Result};
use labelsim::fit::data::{self, DataError, Durations};
use labelsim::fit::spread::{self, SpreadEstimate};
use labelsim::fit::{fit_all, FitReport, FEW_VALUES};
use labelsim::human::{self, sig4};
use labelsim::plot::fit::{render_fit_chart, FitCurve};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The default output folder: results/fit/<file or folder name>/.
fn default_out(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty() && s != "." && s != "..")
        .unwrap_or_else(|| "data".into());
    Path::new("results").join("fit").join(stem)
}

/// The fit of the durations with each worker's speed divided out, for use
/// with `speed.spread`.
struct SpreadFit {
    estimate: SpreadEstimate,
    report: FitReport,
}

pub fn fit(args: FitArgs) -> Result<i32> {
    let out_dir = args.out.clone().unwrap_or_else(|| default_out(&args.file));
    let mut out = open_output(&out_dir, args.quiet)?;
    let durations = data::read(&args.file, args.column.as_deref()).map_err(|e| match e {
        DataError::SeveralNumericColumns { .. } => anyhow!("{e} with --column NAME"),
        DataError::UnknownMeasure { .. } => anyhow!("--column: {e}"),
        e => e.into(),
    })?;
    let report = fit_all(&durations.seconds).map_err(|e| anyhow!("{}: {e}", durations.origin))?;

    let mut warnings = Vec::new();
    let n = durations.seconds.len();
    if n < FEW_VALUES {
        warnings.push(format!(
            "only {n} duration{}: the fits are rough and the ranking may not mean much; {FEW_VALUES} or more are advised",
            if n == 1 { "" } else { "s" }
        ));
    }
    let (spread, spread_json) = worker_spread(&durations, args.min_tasks_per_worker as usize);
    if let Err(why) = &spread {
        if !durations.per_worker.is_empty() {
            warnings.push(format!("speed.spread not estimated: {why}"));
        }
    }
    let spread = spread.ok();
    for w in &warnings {
        eprintln!("warning: {w}");
    }

    let best = report.best();
    let empirical = durations.header.as_ref().map(|col| {
        format!(
            "{{dist: empirical, csv: {}, column: {col}}}",
            args.file.display()
        )
    });
    let doc = json!({
        "source": durations.origin,
        "measure": durations.measure,
        "files": durations.files,
        "summary": report.summary,
        "ranked_by": report.ranked_by,
        "fits": report.fits,
        "not_fitted": report.not_fitted,
        "best": {"dist": best.dist.family(), "service_time": best.service_time},
        "empirical": empirical,
        "speed_spread": spread_json,
        "warnings": warnings,
    });
    let text = serde_json::to_string_pretty(&doc)? + "\n";
    out.put("fit.json", text.as_bytes())?;

    // Continuous fits get a curve; a point mass has no density to draw.
    let curves: Vec<FitCurve> = report
        .fits
        .iter()
        .filter(|f| f.dist.pdf(f.dist.mean()).is_finite() && f.dist.pdf(f.dist.mean()) > 0.0)
        .map(|f| FitCurve {
            // Lines break only between "name value" pairs.
            label: format!(
                "{}: {} ({})",
                f.dist.family().name(),
                unbreakable_pairs(&f.dist.describe()),
                unbreakable_pairs(&format!(
                    "ΔAIC {}, KS {:.3}",
                    human::delta(f.delta_aic),
                    f.ks
                )),
            ),
            dist: f.dist,
        })
        .collect();
    let fmt = chart_format(args.format);
    let chart = format!("fit.{}", fmt.extension());
    let path = out.staging_path(&chart)?;
    let title = format!(
        "Task durations and fitted service times ({}, {n} tasks)",
        file_name(&args.file)
    );
    render_fit_chart(&path, fmt, &title, &durations.seconds, &curves)
        .map_err(|e| anyhow!("cannot draw {chart}: {e}"))?;
    out.staged_by_path(&chart)?;
    let written = out.commit()?;

    if args.json {
        out!("{text}");
    } else if !args.quiet {
        print_table(&durations, &report, spread.as_ref(), empirical.as_deref());
        outln!("results: {}/ ({})", out_dir.display(), written.join(", "));
    }
    Ok(0)
}

/// `median 1.78 min, sigma 0.6` with no-break spaces within each pair.
fn unbreakable_pairs(s: &str) -> String {
    s.split(", ")
        .map(|p| p.replace(' ', "\u{a0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// The speed-spread estimate and the refit on speed-normalised durations,
/// and their JSON (null for CSV input).
fn worker_spread(d: &Durations, min_tasks: usize) -> (Result<SpreadFit, String>, Value) {
    if d.per_worker.is_empty() {
        return (Err("no worker IDs in the data".into()), Value::Null);
    }
    let per_worker: Vec<Vec<f64>> = d.per_worker.iter().map(|(_, v)| v.clone()).collect();
    let estimate = match spread::estimate(&per_worker, min_tasks) {
        Ok(e) => e,
        Err(e) => return (Err(e.to_string()), json!({"not_estimated": e.to_string()})),
    };
    let report = match fit_all(&estimate.normalised) {
        Ok(r) => r,
        Err(e) => return (Err(e.to_string()), json!({"not_estimated": e.to_string()})),
    };
    let j = json!({
        "spread": estimate.sigma,
        "workers_used": estimate.workers_used,
        "workers_total": estimate.workers_total,
        "tasks_used": estimate.tasks_used,
        "min_tasks_per_worker": estimate.min_tasks,
        "between_variance": estimate.between_variance,
        "noise_variance": estimate.noise_variance,
        "service_time": report.best().service_time,
        "speed": format!("{{spread: {}}}", sig4(estimate.sigma.min(3.0))),
    });
    (Ok(SpreadFit { estimate, report }), j)
}

fn print_table(d: &Durations, r: &FitReport, spread: Option<&SpreadFit>, empirical: Option<&str>) {
    let s = &r.summary;
    let files = if d.files > 1 {
        format!(" ({} files)", d.files)
    } else {
        String::new()
    };
    outln!(
        "labelsim fit: {}{files}, {}: {} duration{}",
        d.origin,
        d.measure,
        s.n,
        if s.n == 1 { "" } else { "s" }
    );
    outln!(
        "  min {}, median {}, mean {}, max {}",
        human::duration_one_unit(s.min_s),
        human::duration_one_unit(s.median_s),
        human::duration_one_unit(s.mean_s),
        human::duration_one_unit(s.max_s)
    );
    let rows: Vec<[String; 7]> = r
        .fits
        .iter()
        .enumerate()
        .map(|(i, f)| {
            [
                format!("{}", i + 1),
                f.dist.family().name().to_string(),
                f.dist.describe(),
                format!("{:.1}", f.log_likelihood),
                format!("{:.1}", f.aic),
                human::delta(f.delta_aic),
                format!("{:.3}", f.ks),
            ]
        })
        .collect();
    let head = ["rank", "dist", "parameters", "log-lik", "AIC", "ΔAIC", "KS"];
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::from(" ");
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            // Text columns left-aligned, numbers right-aligned.
            if (1..=2).contains(&i) {
                out.push_str(&format!(" {c:<w$}"));
            } else {
                out.push_str(&format!(" {c:>w$}"));
            }
        }
        out.trim_end().to_string()
    };
    outln!("{}", line(&head.map(String::from)));
    for row in &rows {
        outln!("{}", line(row));
    }
    for nf in &r.not_fitted {
        outln!("  not fitted: {} ({})", nf.dist.name(), nf.why);
    }
    outln!("Ranked by AIC = 2k - 2 ln L: lower is better; a ΔAIC above 10 leaves a fit essentially no support.");
    outln!("KS: the largest gap between the data's CDF and the fit's (0 = perfect).");
    outln!("best fit, for a `workers:` entry of a scenario:");
    outln!("  service_time: {}", r.best().service_time);
    if let Some(e) = empirical {
        outln!("or resample the data itself (write `csv:` relative to the scenario file's folder; here it is the path given to fit):");
        outln!("  service_time: {e}");
    }
    if let Some(sf) = spread {
        let e = &sf.estimate;
        outln!(
            "worker speeds: {} of {} workers have at least {} tasks ({} tasks): speed.spread {}",
            e.workers_used,
            e.workers_total,
            e.min_tasks,
            e.tasks_used,
            sig4(e.sigma)
        );
        outln!(
            "  (variance of the workers' median log durations {}, of which sampling noise explains {})",
            sig4(e.between_variance),
            sig4(e.noise_variance)
        );
        outln!("with each worker's speed divided out, for a `workers:` entry with that spread:");
        outln!("  service_time: {}", sf.report.best().service_time);
        outln!("  speed: {{spread: {}}}", sig4(e.sigma.min(3.0)));
    }
}
