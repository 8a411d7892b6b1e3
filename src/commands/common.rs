//! What every subcommand shares: loading a scenario with the overrides of
//! the command line, progress bars, the output folder, number formats and
//! the "what each rule did" rows.

use crate::cli::ChartFormat;
use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use labelsim::model::catalog;
use labelsim::output::{OutputDir, OutputError};
use labelsim::plot::Format;
use labelsim::runner::Aggregate;
use labelsim::scenario::{LoadOptions, Scenario};
use std::io::IsTerminal;
use std::path::Path;

/// Reads and validates a scenario file (the bundled quick start for none),
/// without printing its warnings.
fn load_quietly(path: Option<&Path>, lenient: bool) -> Result<Scenario> {
    Ok(match path {
        Some(p) => Scenario::load(p, LoadOptions { lenient })?,
        None => Scenario::bundled(),
    })
}

fn print_warnings(scenario: &Scenario) {
    for w in &scenario.warnings {
        eprintln!("warning: {}", w.render(&scenario.origin));
    }
}

/// Loads the scenario with the `--set` overrides applied (validated as
/// a whole) and prints its warnings.
pub fn load(path: Option<&Path>, lenient: bool, set: &[String]) -> Result<Scenario> {
    let scenario = load_quietly(path, lenient)?;
    let scenario = crate::commands::set::apply(scenario, set, LoadOptions { lenient })?;
    print_warnings(&scenario);
    Ok(scenario)
}

/// Loads the scenario and applies the `--set`, `--seed` and
/// `--replications` overrides every running command takes.
pub fn load_for(path: Option<&Path>, opts: &crate::cli::RunOptions) -> Result<Scenario> {
    let mut scenario = load(path, opts.lenient, &opts.set)?;
    if let Some(seed) = opts.seed {
        scenario.seed = seed;
    }
    if let Some(r) = opts.replications {
        scenario.replications = r;
    }
    Ok(scenario)
}

pub fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// One progress bar style for every long operation; hidden when stderr is
/// not a terminal or NO_COLOR is set.
pub fn progress_bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    let visible =
        !quiet && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let pb = ProgressBar::with_draw_target(
        Some(len),
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({per_sec}, ETA {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// The chart format of `--format`.
pub fn chart_format(f: ChartFormat) -> Format {
    match f {
        ChartFormat::Png => Format::Png,
        ChartFormat::Svg => Format::Svg,
    }
}

/// What report.html says in place of the charts under `--no-charts`.
pub const CHARTS_SKIPPED: &str =
    "<p class=\"meta\">Charts were skipped (<code>--no-charts</code>).</p>";

/// Opens an output folder for a command (see [`OutputDir`]), saying when
/// leftovers of a killed run were removed.
pub fn open_output(dir: &Path, quiet: bool) -> Result<OutputDir> {
    // A signal from the moment the staging folder exists stops the command
    // cleanly (the folder removed), not the process at once.
    crate::signals::install();
    let out = OutputDir::open(dir).map_err(|e| match e {
        OutputError::NotADir { .. } => anyhow::anyhow!("{e}; choose another --out"),
        OutputError::Locked { .. } => anyhow::anyhow!("{e} (--out)"),
        e => e.into(),
    })?;
    if !quiet {
        for p in out.cleaned() {
            eprintln!(
                "note: removed {}, left by an interrupted labelsim",
                p.display()
            );
        }
    }
    Ok(out)
}

/// The rows of the "what each rule did" table for a scenario of this
/// shape: the job's rules where it has a job, the pipeline's where it has
/// one.
pub fn rule_keys(cfg: &labelsim::model::SimConfig) -> Vec<&'static str> {
    let mut keys = Vec::new();
    if !cfg.no_job {
        keys.extend_from_slice(catalog::RULE_TABLE);
    }
    if cfg.pipeline.is_some() {
        keys.extend_from_slice(catalog::PIPELINE_RULE_TABLE);
    }
    keys
}

/// What each rule did, from the mean over replications: one row per
/// metric of `keys` ([`rule_keys`]), with its rule and effect.
pub fn rule_rows(agg: &Aggregate, keys: &[&str]) -> Vec<Vec<String>> {
    keys.iter()
        .map(|&key| {
            let d = catalog::def(key).expect("rule table keys are in the catalog");
            let value = match d.unit {
                // The most frequent end state.
                catalog::Unit::Text => agg
                    .mean
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| match v {
                        labelsim::model::MetricValue::Text(t) => t.clone(),
                        _ => String::new(),
                    })
                    .unwrap_or_default(),
                // In the metric's units, as the terminal prints it.
                _ => labelsim::human::metric(key, agg.mean_of(key).unwrap_or(0.0)),
            };
            vec![
                d.rule.to_string(),
                // The value is in its units now (`30d 0h`), not seconds.
                d.effect
                    .unwrap_or(d.label)
                    .trim_end_matches(" [s]")
                    .to_string(),
                value,
            ]
        })
        .collect()
}

/// The command line a report echoes: `labelsim COMMAND`, the scenario
/// files, `words` (the command's own flags, as given), then the flags of
/// [`crate::cli::RunOptions`] that change results (`--set`, `--seed`,
/// `--replications`, `--lenient`). Those that do not (`--out`,
/// `--threads`, `--format`, `--quiet`, limits) are left out, so the same
/// runs give the same report at any thread count and in any folder.
pub fn echoed_command(
    command: &str,
    scenarios: &[&Path],
    words: &[String],
    opts: &crate::cli::RunOptions,
) -> String {
    let mut w: Vec<String> = vec!["labelsim".into(), command.into()];
    w.extend(scenarios.iter().map(|p| p.display().to_string()));
    w.extend(words.iter().cloned());
    for s in &opts.set {
        w.extend(["--set".into(), s.clone()]);
    }
    if let Some(seed) = opts.seed {
        w.extend(["--seed".into(), seed.to_string()]);
    }
    if let Some(r) = opts.replications {
        w.extend(["--replications".into(), r.to_string()]);
    }
    if opts.lenient {
        w.push("--lenient".into());
    }
    labelsim::report::html::command_line(&w)
}

/// The report's echo of the scenario, headed by what the command line put
/// in place of the text's seed or replications (`--seed`,
/// `--replications`), so the text below does not read as what ran.
pub fn scenario_section(scenario: &Scenario) -> labelsim::report::Section {
    let mut instead = Vec::new();
    // What the text gives (its values, or the defaults where it has none).
    let text_seed = scenario
        .spec
        .seed
        .unwrap_or(labelsim::scenario::DEFAULT_SEED);
    let text_replications = scenario
        .spec
        .replications
        .unwrap_or(labelsim::scenario::DEFAULT_REPLICATIONS);
    if text_seed != scenario.seed {
        instead.push(format!("seed {}", scenario.seed));
    }
    if text_replications != scenario.replications {
        instead.push(format!(
            "{} replication{}",
            scenario.replications,
            plural(scenario.replications as u64)
        ));
    }
    let heading = if instead.is_empty() {
        "Scenario".to_string()
    } else {
        format!(
            "Scenario (run with {} from the command line, not as written below)",
            instead.join(" and ")
        )
    };
    labelsim::report::Section::text(heading, scenario.text.clone())
}
