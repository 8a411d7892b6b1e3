//! Helpers shared by the integration tests.
#![allow(dead_code)]

use labelsim::engine::StreamSeeds;
use labelsim::model::{simulate_traced, RunOutput, RunSummary, TraceKind};
use labelsim::scenario::{LoadOptions, Scenario, ScenarioError};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Validates scenario text (relative paths resolve against tests/data).
pub fn try_scenario(yaml: &str) -> Result<Scenario, ScenarioError> {
    Scenario::from_str(
        yaml,
        "test.yaml",
        Path::new("tests/data"),
        LoadOptions::default(),
    )
}

pub fn scenario(yaml: &str) -> Scenario {
    try_scenario(yaml).unwrap_or_else(|e| panic!("test scenario invalid: {e}"))
}

/// Runs replication 0 with the event trace on; panics on an invariant violation.
pub fn run(yaml: &str) -> RunOutput {
    let s = scenario(yaml);
    simulate_traced(&s.sim, StreamSeeds::for_replication(s.seed, 0))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Times [s] at which `kind` happened, in trace order, with object numbers.
pub fn events(out: &RunOutput, kind: TraceKind) -> Vec<(u64, f64)> {
    out.trace
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| (r.object, r.t.as_secs_f64()))
        .collect()
}

/// Time [s] at which object `id` had event `kind` (the first such event).
pub fn time_of(out: &RunOutput, id: u64, kind: TraceKind) -> Option<f64> {
    out.trace
        .iter()
        .find(|r| r.object == id && r.kind == kind)
        .map(|r| r.t.as_secs_f64())
}

/// Workers that took a task of object `id`, in order.
pub fn takers(out: &RunOutput, id: u64) -> Vec<u32> {
    out.trace
        .iter()
        .filter(|r| r.object == id && r.kind == TraceKind::Taken)
        .filter_map(|r| r.worker)
        .collect()
}

/// Erlang C: the probability that an arrival waits, for c servers and
/// offered load a = λ/μ < c.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let top = term * a / c as f64 * (c as f64 / (c as f64 - a));
    top / (sum + top)
}

/// The captions of a report.html's charts, in page order.
pub fn figcaptions(html: &str) -> Vec<&str> {
    html.split("<figcaption>")
        .skip(1)
        .filter_map(|s| s.split("</figcaption>").next())
        .collect()
}

/// Whether an SVG chart draws data, not only axes and a legend: a bar
/// (a filled rectangle wider than a legend patch, narrower than the
/// page, at least 3 px high) or a line of three or more points that is
/// not flat along the x axis (the lowest tick mark). A chart of empty or
/// all-zero series draws neither.
pub fn svg_draws_data(svg: &str) -> bool {
    let attr = |tag: &str, name: &str| -> Option<f64> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        tag[at..].split('"').next()?.parse().ok()
    };
    let bar = svg.split("<rect").skip(1).any(|t| {
        let tag = t.split('>').next().unwrap_or("");
        let (w, h) = (attr(tag, "width"), attr(tag, "height"));
        matches!((w, h), (Some(w), Some(h)) if w > 40.0 && w < 1000.0 && h >= 3.0)
    });
    let lines: Vec<Vec<f64>> = svg
        .split("<polyline")
        .skip(1)
        .filter_map(|t| {
            let tag = t.split('>').next()?;
            let points = tag.split("points=\"").nth(1)?.split('"').next()?;
            Some(
                points
                    .split_whitespace()
                    .filter_map(|p| p.split(',').nth(1)?.parse().ok())
                    .collect(),
            )
        })
        .collect();
    // Axes and tick marks are lines of two points; the lowest is the x axis.
    let x_axis = lines
        .iter()
        .filter(|ys| ys.len() == 2)
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let line = lines
        .iter()
        .filter(|ys| ys.len() >= 3)
        .any(|ys| ys.iter().any(|y| *y != ys[0]) || ys[0] < x_axis - 2.0);
    bar || line
}

/// Runs the labelsim binary with `args` and returns its output.
pub fn labelsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .output()
        .expect("run labelsim")
}

/// `o`, after asserting that its command succeeded (its stderr otherwise).
pub fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    o
}

/// What a command printed on stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What a command printed on stdout, as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Writes scenario text to `dir/file` and returns the file's path, for
/// the commands that read a scenario file.
pub fn write_scenario(dir: &Path, file: &str, yaml: &str) -> PathBuf {
    let p = dir.join(file);
    std::fs::write(&p, yaml).unwrap_or_else(|e| panic!("writing {}: {e}", p.display()));
    p
}

/// Runs `labelsim COMMAND SCENARIO --out OUT EXTRA...`.
pub fn labelsim_on(command: &str, scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        command,
        scenario.to_str().expect("a UTF-8 path"),
        "--out",
        out.to_str().expect("a UTF-8 path"),
    ];
    args.extend_from_slice(extra);
    labelsim(&args)
}

/// A JSON file a command wrote; panics naming the file when it is missing
/// or not JSON.
pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON file a command may not have written (it failed): null then.
pub fn read_json_or_null(path: &Path) -> serde_json::Value {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// A CSV file's text and its rows below the header, split at commas (the
/// files the tests read quote nothing).
pub fn csv_rows(path: &Path) -> (String, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rows = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (text, rows)
}

/// The cells of the column named `name` of a CSV file, row by row;
/// panics when the header has no such column.
pub fn csv_column(path: &Path, name: &str) -> Vec<String> {
    let (text, rows) = csv_rows(path);
    let header = text.lines().next().unwrap_or_default();
    let j = header
        .split(',')
        .position(|c| c == name)
        .unwrap_or_else(|| panic!("{}: no column {name} in {header}", path.display()));
    rows.into_iter().map(|mut r| r.swap_remove(j)).collect()
}

/// A metric of a run by name (pipeline metrics included), as a number;
/// panics on a name the run does not report.
pub fn metric_value(out: &RunOutput, name: &str) -> Option<f64> {
    out.summary
        .metrics()
        .into_iter()
        .find(|(k, _)| *k == name)
        .unwrap_or_else(|| panic!("no metric `{name}`"))
        .1
        .as_f64()
}

/// Replication 0's summary of scenario text (see [`run`]).
pub fn summary(yaml: &str) -> RunSummary {
    run(yaml).summary
}
