//! The everyday conveniences, end to end: `--set` overrides, `run --json`
//! and costs in the run summary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn labelsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .output()
        .expect("run labelsim")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        stderr(&o)
    );
    o
}

/// A small scenario (two days, two worker groups) that runs in moments.
const SMALL: &str = "name: small\nseed: 5\nhorizon: 2d\nreplications: 3\n\
job: {initializing: 0s}\n\
producers: [{name: p, kind: poisson, rate: 40/h}]\n\
workers:\n\
  - {name: team, count: 5, service_time: {dist: exponential, mean: 6m}}\n\
  - {name: night, count: 1, service_time: {dist: constant, value: 10m}}\n";

/// Writes `text` as `name` in `dir`; returns its path.
fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn set_gives_the_results_of_the_edited_file() {
    let t = tempfile::tempdir().unwrap();
    let base = write(t.path(), "base.yaml", SMALL);
    let edited = write(
        t.path(),
        "edited.yaml",
        &SMALL.replace("count: 5", "count: 7").replace(
            "job: {initializing: 0s}",
            "job: {initializing: 0s, max_concurrent_task_count: 50}",
        ),
    );
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    ok(labelsim(&[
        "run",
        s(&base),
        "--set",
        "workers[team].count=7",
        "--set",
        "job.max_concurrent_task_count=50",
        "--out",
        s(&a),
        "-q",
    ]));
    ok(labelsim(&["run", s(&edited), "--out", s(&b), "-q"]));
    for f in ["summary.json", "summary.csv", "timeseries.csv"] {
        assert!(
            read(&a.join(f)) == read(&b.join(f)),
            "{f}: --set differs from the edited file"
        );
    }
    // The report shows the scenario as run, overrides named.
    let html = read(&a.join("report.html"));
    assert!(html.contains("--set workers[team].count=7"), "report.html");
}

#[test]
fn set_errors_name_the_path_and_write_nothing() {
    let t = tempfile::tempdir().unwrap();
    let base = write(t.path(), "base.yaml", SMALL);
    let dir = t.path().join("never");
    for (set, named) in [
        ("workers[nobody].count=3", "workers[nobody].count"),
        (
            "job.max_concurrent_task_count=0",
            "job.max_concurrent_task_count",
        ),
        (
            "job.max_concurent_task_count=10",
            "max_concurrent_task_count",
        ),
        ("workers[team].count", "PATH=VALUE"),
        ("workers[9].count=1", "workers[9].count"),
    ] {
        let o = labelsim(&["run", s(&base), "--set", set, "--out", s(&dir)]);
        assert_eq!(o.status.code(), Some(2), "--set {set}: {}", stderr(&o));
        assert!(stderr(&o).contains(named), "--set {set}: {}", stderr(&o));
        assert!(
            !dir.exists(),
            "--set {set}: output written despite the error"
        );
    }
}

#[test]
fn set_applies_to_sweep_and_compare_too() {
    let t = tempfile::tempdir().unwrap();
    let base = write(t.path(), "base.yaml", SMALL);
    let out = t.path().join("sweep");
    ok(labelsim(&[
        "sweep",
        s(&base),
        "--set",
        "job.max_concurrent_task_count=50",
        "--vary",
        "workers[team].count=4,6",
        "--replications",
        "2",
        "--out",
        s(&out),
        "-q",
    ]));
    let manifest = read(&out.join("sweep.json"));
    assert!(
        manifest.contains("max_concurrent_task_count: 50"),
        "{manifest}"
    );
}

#[test]
fn run_json_prints_the_summary_document() {
    let t = tempfile::tempdir().unwrap();
    let base = write(t.path(), "base.yaml", SMALL);
    let dir = t.path().join("r");
    let o = ok(labelsim(&["run", s(&base), "--json", "--out", s(&dir)]));
    assert_eq!(stdout(&o), read(&dir.join("summary.json")));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc["replications"], 3);
    let o = labelsim(&["run", s(&base), "--json", "-q", "--out", s(&dir)]);
    assert_eq!(o.status.code(), Some(2), "--json with --quiet");
}

#[test]
fn run_prints_costs_when_the_scenario_has_a_cost_section() {
    let t = tempfile::tempdir().unwrap();
    let plain = write(t.path(), "plain.yaml", SMALL);
    let priced = write(
        t.path(),
        "priced.yaml",
        &format!("{SMALL}cost: {{per_object: 0.10, wage_per_worker_hour: 20}}\n"),
    );
    let o = ok(labelsim(&[
        "run",
        s(&plain),
        "--out",
        s(&t.path().join("p")),
    ]));
    assert!(!stdout(&o).contains("cost [USD]"), "{}", stdout(&o));
    let o = ok(labelsim(&[
        "run",
        s(&priced),
        "--out",
        s(&t.path().join("c")),
    ]));
    let text = stdout(&o);
    // 6 always-on workers for 48 h at $20: $5,760 in wages alone.
    let line = text
        .lines()
        .find(|l| l.contains("cost [USD]"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("$5,") || line.contains("$6,"), "{line}");
    assert!(text.contains("cost per labeled object [USD]"), "{text}");
    assert!(text.contains("worker-hours on shift"), "{text}");
}
