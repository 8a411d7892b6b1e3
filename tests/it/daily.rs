//! The everyday conveniences, end to end: shell completions and man pages,
//! examples in `--help`, `--set` overrides, `run --json`, `--no-charts`,
//! costs in the run summary, `compare` of scenario files and its merging of
//! list items by name, `compare --metric` with its "did you mean", and
//! plan's report.html.

use crate::common::{labelsim, ok, stderr, stdout};
use std::path::{Path, PathBuf};

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

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    v.sort();
    v
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn completions_and_man_pages_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let o = ok(labelsim(&["completions", shell]));
        let script = stdout(&o);
        for word in ["labelsim", "compare", "completions", "no-charts"] {
            assert!(script.contains(word), "{shell} script lacks `{word}`");
        }
    }
    let page = stdout(&ok(labelsim(&["man"])));
    assert!(page.contains(".TH labelsim 1"), "{page}");
    assert!(page.contains("compare"), "{page}");
    let page = stdout(&ok(labelsim(&["man", "run"])));
    assert!(page.contains(".TH labelsim-run 1"), "{page}");
    assert!(page.contains("set"), "{page}");
    let o = labelsim(&["man", "runn"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a labelsim command"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn help_shows_examples_for_the_main_commands() {
    for cmd in ["run", "sweep", "plan", "compare", "validate"] {
        let help = stdout(&ok(labelsim(&[cmd, "--help"])));
        assert!(help.contains("Examples:"), "{cmd} --help: {help}");
        assert!(
            help.contains(&format!("labelsim {cmd} ")),
            "{cmd} --help: {help}"
        );
    }
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
        "--no-charts",
        "--out",
        s(&out),
        "-q",
    ]));
    let manifest = read(&out.join("sweep.json"));
    assert!(
        manifest.contains("max_concurrent_task_count: 50"),
        "{manifest}"
    );
    // No chart drawn; the report says so.
    assert!(
        !files(&out).iter().any(|f| f.ends_with(".png")),
        "{:?}",
        files(&out)
    );
    assert!(read(&out.join("report.html")).contains("Charts were skipped"));

    let o = labelsim(&[
        "compare",
        s(&base),
        s(&base),
        "--set",
        "workers[nobody].count=1",
        "--out",
        s(&t.path().join("c")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("workers[nobody]"), "{}", stderr(&o));
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
fn run_no_charts_draws_none_and_the_report_says_so() {
    let t = tempfile::tempdir().unwrap();
    let base = write(t.path(), "base.yaml", SMALL);
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    let o = ok(labelsim(&["run", s(&base), "--no-charts", "--out", s(&a)]));
    assert!(stdout(&o).contains("charts skipped"), "{}", stdout(&o));
    assert_eq!(
        files(&a),
        [
            "report.html",
            "summary.csv",
            "summary.json",
            "timeseries.csv",
            "timing.json"
        ]
    );
    let html = read(&a.join("report.html"));
    assert!(html.contains("Charts were skipped") && !html.contains("<img"));
    // The data do not depend on it.
    ok(labelsim(&["run", s(&base), "--out", s(&b), "-q"]));
    assert_eq!(read(&a.join("summary.json")), read(&b.join("summary.json")));
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

/// compare.csv as rows of cells.
fn csv_rows(p: &Path) -> Vec<Vec<String>> {
    read(p)
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

fn rows_of(rows: &[Vec<String>], name: &str) -> Vec<Vec<String>> {
    rows.iter()
        .filter(|r| r[0] == name)
        .map(|r| r[1..].to_vec())
        .collect()
}

#[test]
fn compare_runs_scenario_files_side_by_side_on_common_random_numbers() {
    let t = tempfile::tempdir().unwrap();
    let a = write(t.path(), "a.yaml", SMALL);
    let twin = write(
        t.path(),
        "twin.yaml",
        &SMALL.replace("name: small", "name: twin"),
    );
    let bigger = write(
        t.path(),
        "bigger.yaml",
        &SMALL
            .replace("name: small", "name: bigger")
            .replace("count: 5", "count: 8"),
    );
    let out = t.path().join("cmp");
    let o = ok(labelsim(&[
        "compare",
        s(&a),
        s(&twin),
        s(&bigger),
        "--out",
        s(&out),
    ]));
    let md = stdout(&o);
    assert!(md.contains("3 scenarios x 3 replications"), "{md}");
    assert!(md.contains("| scenario |"), "{md}");
    assert!(md.contains("Paired differences against `small`"), "{md}");
    let rows = csv_rows(&out.join("compare.csv"));
    // The contract's column name, holding each file's scenario name.
    assert_eq!(rows[0][0], "policy");
    let (x, y, z) = (
        rows_of(&rows, "small"),
        rows_of(&rows, "twin"),
        rows_of(&rows, "bigger"),
    );
    assert_eq!(x.len(), 3);
    assert_eq!(x, y, "the same scenario on the same random numbers");
    assert_ne!(x, z);
    // Same arrivals in every scenario (common random numbers).
    let col = rows[0]
        .iter()
        .position(|h| h == "messages_received")
        .unwrap()
        - 1;
    for r in 0..3 {
        assert_eq!(x[r][col], z[r][col]);
    }
    let html = read(&out.join("report.html"));
    for name in ["small", "twin", "bigger"] {
        assert!(
            html.contains(&format!("Scenario {name} (")),
            "report.html: {name}"
        );
    }
    // --policies belongs to one scenario.
    let o = labelsim(&["compare", s(&a), s(&twin), "--policies", s(&a)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--policies"), "{}", stderr(&o));
}

#[test]
fn compare_entries_merge_list_items_by_name() {
    let t = tempfile::tempdir().unwrap();
    let file = write(
        t.path(),
        "s.yaml",
        &format!(
            "{SMALL}compare:\n  - {{name: base}}\n  - {{name: bigger, workers: [{{name: team, count: 11}}]}}\n  - {{name: solo, workers: [{{count: 2, service_time: {{dist: constant, value: 5m}}}}]}}\n"
        ),
    );
    let out = t.path().join("cmp");
    ok(labelsim(&[
        "compare",
        s(&file),
        "--out",
        s(&out),
        "-q",
        "--no-charts",
    ]));
    let rows = csv_rows(&out.join("compare.csv"));
    let col = rows[0]
        .iter()
        .position(|h| h == "worker_hours_on_shift")
        .unwrap()
        - 1;
    let hours = |name: &str| -> f64 { rows_of(&rows, name)[0][col].parse().unwrap() };
    // Always-on workers over 48 h: 5 + 1, then 11 + 1 (the night group
    // kept), then a list without names replacing the scenario's: 2.
    assert_eq!(hours("base"), 6.0 * 48.0);
    assert_eq!(hours("bigger"), 12.0 * 48.0);
    assert_eq!(hours("solo"), 2.0 * 48.0);
    assert!(!files(&out).iter().any(|f| f.ends_with(".png")));
    assert!(read(&out.join("report.html")).contains("Charts were skipped"));
}

#[test]
fn compare_metric_picks_the_columns_and_suggests_on_a_typo() {
    let t = tempfile::tempdir().unwrap();
    let a = write(t.path(), "a.yaml", SMALL);
    let b = write(
        t.path(),
        "b.yaml",
        &SMALL
            .replace("name: small", "name: b")
            .replace("count: 5", "count: 6"),
    );
    let out = t.path().join("cmp");
    let o = ok(labelsim(&[
        "compare",
        s(&a),
        s(&b),
        "--metric",
        "objects_labeled",
        "--metric",
        "time_to_label_p95_s",
        "--replications",
        "2",
        "--no-charts",
        "--out",
        s(&out),
    ]));
    let md = stdout(&o);
    assert!(
        md.contains("| scenario | labeled | time_to_label_p95_s |"),
        "{md}"
    );
    assert!(!md.contains("cost"), "{md}");
    let o = labelsim(&[
        "compare",
        s(&a),
        s(&b),
        "--metric",
        "objects_labled",
        "--out",
        s(&t.path().join("never")),
    ]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("did you mean `objects_labeled`?"), "{err}");
    assert!(
        !err.contains("messages_received"),
        "lists every metric: {err}"
    );
    assert!(!t.path().join("never").exists());
}

#[test]
fn plan_writes_a_report_with_the_answer_the_table_and_the_chart() {
    let t = tempfile::tempdir().unwrap();
    let file = write(t.path(), "s.yaml", SMALL);
    let out = t.path().join("plan");
    let o = ok(labelsim(&[
        "plan",
        s(&file),
        "--vary",
        "workers[team].count=1..12",
        "--target",
        "time_to_label_mean_s <= 1h",
        "--out",
        s(&out),
    ]));
    assert!(stdout(&o).contains("report.html"), "{}", stdout(&o));
    let doc: serde_json::Value = serde_json::from_str(&read(&out.join("plan.json"))).unwrap();
    let answer = doc["answer"].as_u64().unwrap();
    let html = read(&out.join("report.html"));
    assert!(
        html.contains(&format!("answer: workers[team].count = {answer}")),
        "report.html lacks the answer"
    );
    assert!(html.contains("time_to_label_mean_s mean"));
    assert!(html.contains("time_to_label_mean_s 95% CI"));
    assert_eq!(html.matches("<img ").count(), 1, "the plan chart");
    assert!(html.contains("name: small"), "the scenario");

    let bare = t.path().join("bare");
    ok(labelsim(&[
        "plan",
        s(&file),
        "--vary",
        "workers[team].count=1..12",
        "--target",
        "time_to_label_mean_s <= 1h",
        "--no-charts",
        "--out",
        s(&bare),
        "-q",
    ]));
    assert_eq!(files(&bare), ["plan.json", "report.html"]);
    assert_eq!(read(&bare.join("plan.json")), read(&out.join("plan.json")));
    assert!(read(&bare.join("report.html")).contains("Charts were skipped"));
}

#[test]
fn plan_minimize_suggests_on_a_typo() {
    let t = tempfile::tempdir().unwrap();
    let file = write(t.path(), "s.yaml", SMALL);
    let o = labelsim(&[
        "plan",
        s(&file),
        "--vary",
        "workers[team].count=1..12",
        "--target",
        "time_to_label_mean_s <= 1h",
        "--minimize",
        "cost_usdd",
        "--out",
        s(&t.path().join("never")),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `cost_usd`?"),
        "{}",
        stderr(&o)
    );
}
