//! `labelsim sweep` / `merge`: byte-identical outputs across thread counts,
//! shards and resumption after an interruption; clear errors for bad --vary.

use crate::common::{labelsim, ok};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common;

const VARY: [&str; 4] = [
    "--vary",
    "workers[team].count=8..12:1",
    "--vary",
    "job.max_concurrent_task_count=50,200",
];

fn sweep(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "sweep",
        "scenarios/quickstart.yaml",
        "--replications",
        "3",
        "-q",
        "--out",
    ];
    args.push(out.to_str().unwrap());
    args.extend(VARY);
    args.extend(extra);
    labelsim(&args)
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

fn assert_same_dirs(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(fa, fb, "different files");
    for f in fa {
        let (x, y) = (
            std::fs::read(a.join(&f)).unwrap(),
            std::fs::read(b.join(&f)).unwrap(),
        );
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn sweep_outputs_are_identical_for_any_thread_count() {
    let t = tempfile::tempdir().unwrap();
    ok(sweep(&t.path().join("one"), &["--threads", "1"]));
    ok(sweep(&t.path().join("four"), &["--threads", "4"]));
    assert_same_dirs(&t.path().join("one"), &t.path().join("four"));
    let csv = std::fs::read_to_string(t.path().join("one/sweep.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with(
        "point,replication,param_workers[team].count,param_job.max_concurrent_task_count,messages_received,"
    ));
    assert_eq!(csv.lines().count(), 1 + 5 * 2 * 3);
    let summary = std::fs::read_to_string(t.path().join("one/sweep_summary.csv")).unwrap();
    assert!(summary.lines().next().unwrap().contains(
        "time_to_label_p95_s_mean,time_to_label_p95_s_ci95_lo,time_to_label_p95_s_ci95_hi"
    ));
    assert_eq!(summary.lines().count(), 1 + 10);
    assert!(t
        .path()
        .join("one/sweep_heatmap_time_to_label_p95_s.png")
        .is_file());
}

#[test]
fn merged_shards_equal_the_single_process_sweep() {
    let t = tempfile::tempdir().unwrap();
    ok(sweep(&t.path().join("full"), &[]));
    let mut dirs = Vec::new();
    for i in 1..=3 {
        let d = t.path().join(format!("shard{i}"));
        ok(sweep(&d, &["--shard", &format!("{i}/3")]));
        dirs.push(d.to_str().unwrap().to_string());
    }
    let merged = t.path().join("merged");
    let mut args = vec!["merge", merged.to_str().unwrap()];
    args.extend(dirs.iter().map(String::as_str));
    ok(labelsim(&args));
    assert_same_dirs(&t.path().join("full"), &merged);
    // A shard holds only its points: 1, 4, 7, 10 of 10 for shard 1/3.
    let s1 = std::fs::read_to_string(t.path().join("shard1/sweep.csv")).unwrap();
    let points: std::collections::BTreeSet<&str> = s1
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(
        points.into_iter().collect::<Vec<_>>(),
        vec!["1", "10", "4", "7"]
    );
}

#[test]
fn merge_refuses_shards_of_different_sweeps() {
    let t = tempfile::tempdir().unwrap();
    ok(sweep(&t.path().join("a"), &["--shard", "1/2"]));
    ok(sweep(
        &t.path().join("b"),
        &["--shard", "2/2", "--seed", "99"],
    ));
    let o = labelsim(&[
        "merge",
        t.path().join("m").to_str().unwrap(),
        t.path().join("a").to_str().unwrap(),
        t.path().join("b").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("different sweep"));
}

#[test]
fn resume_after_a_partial_sweep_gives_the_uninterrupted_output() {
    // Simulate a crash after some chunks: keep only the first rows of the
    // atomically written sweep.csv, then resume.
    let t = tempfile::tempdir().unwrap();
    let full = t.path().join("full");
    ok(sweep(&full, &[]));
    let part = t.path().join("part");
    ok(sweep(&part, &[]));
    let csv = std::fs::read_to_string(part.join("sweep.csv")).unwrap();
    let kept: Vec<&str> = csv.lines().take(1 + 11).collect();
    std::fs::write(part.join("sweep.csv"), kept.join("\n") + "\n").unwrap();
    for f in files(&part) {
        if f.ends_with(".png") || f == "sweep_summary.csv" {
            std::fs::remove_file(part.join(f)).unwrap();
        }
    }
    let o = ok(sweep(&part, &["--resume"]));
    let _ = o;
    assert_same_dirs(&full, &part);
}

/// A sweep long enough (about 3 s on one thread) to be interrupted midway.
fn long_sweep_args(out: &Path) -> Vec<String> {
    [
        "sweep",
        "scenarios/overload-expiry.yaml",
        "--vary",
        "workers[team].count=10..40:1",
        "--replications",
        "2",
        "--threads",
        "1",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn resume_after_a_real_kill_gives_the_uninterrupted_output() {
    let t = tempfile::tempdir().unwrap();
    let args = long_sweep_args;
    let full = t.path().join("full");
    ok(labelsim(
        &args(&full).iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    let killed = t.path().join("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(args(&killed))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let _ = child.kill(); // SIGKILL: no chance to clean up
    let _ = child.wait();
    // Whatever was written is a complete CSV (atomic rename).
    if let Ok(csv) = std::fs::read_to_string(killed.join("sweep.csv")) {
        assert!(csv.is_empty() || csv.ends_with('\n'));
    }
    let mut resume = args(&killed);
    resume.push("--resume".into());
    ok(labelsim(
        &resume.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    assert_same_dirs(&full, &killed);
}

#[test]
fn ctrl_c_keeps_finished_points_and_resume_completes_them() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("int");
    let base = long_sweep_args(&out);
    let child = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(&base)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let o = child.wait_with_output().unwrap();
    let finished_early = o.status.success();
    if !finished_early {
        assert_eq!(
            o.status.code(),
            Some(130),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
        // Kept in the checkpoint; the folder's outputs are not written
        // until the sweep finishes (issue 18, item 11).
        let rows = std::fs::read_to_string(out.join(".sweep-partial.csv"))
            .unwrap()
            .lines()
            .count();
        assert!(rows > 1 && rows < 1 + 31 * 2, "kept {rows} lines");
        assert_eq!(files(&out), Vec::<String>::new());
    }
    let mut resume: Vec<&str> = base.iter().map(String::as_str).collect();
    resume.push("--resume");
    ok(labelsim(&resume));
    let rows = std::fs::read_to_string(out.join("sweep.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 1 + 31 * 2);
}

#[test]
fn bad_vary_paths_and_values_are_clear_errors_naming_the_path() {
    let t = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("workers[5].count=1,2", "workers[5].count"),
        ("workers[nobody].count=1,2", "no item named `nobody`"),
        (
            "job.max_concurent_task_count=10,20",
            "job.max_concurent_task_count",
        ),
        (
            "job.max_concurrent_task_count=0,10",
            "job.max_concurrent_task_count",
        ),
        ("job.task_time_limit=1h..2h", "job.task_time_limit"),
        ("job.task_time_limit=soon..later:1h", "job.task_time_limit"),
        ("workers[0].count", "PATH=VALUES"),
        ("workers[0.count=1", "workers[0.count"),
    ];
    for (vary, needle) in cases {
        let out = t.path().join("never");
        let o = labelsim(&[
            "sweep",
            "scenarios/quickstart.yaml",
            "--vary",
            vary,
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{vary}: {err}");
        assert!(
            err.contains(needle),
            "{vary}: error does not mention `{needle}`: {err}"
        );
        assert!(!err.contains("panicked"), "{vary}: {err}");
        assert!(!out.exists(), "{vary}: output written");
    }
}

#[test]
fn latin_hypercube_and_scenario_sweep_section() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("s.yaml");
    let text = std::fs::read_to_string("scenarios/quickstart.yaml").unwrap().replace("replications: 3", "replications: 2")
        + "sweep:\n  vary:\n    workers[team].count: [9, 11]\n    producers[cameras].rate: 60/h..120/h:30/h\n";
    std::fs::write(&file, text).unwrap();
    let out = t.path().join("grid");
    ok(labelsim(&[
        "sweep",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]));
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 3 * 2);
    assert!(csv.contains(",9,90/h,"));
    let lhs = t.path().join("lhs");
    ok(labelsim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workers[team].count=8..20",
        "--vary",
        "producers[cameras].rate=50/h..100/h",
        "--samples",
        "6",
        "--replications",
        "1",
        "--out",
        lhs.to_str().unwrap(),
        "-q",
    ]));
    let csv = std::fs::read_to_string(lhs.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 6);
}

#[test]
fn a_misspelt_metric_or_a_list_addressed_as_a_section_gets_a_hint_not_a_list() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("never");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "scenarios/quickstart.yaml",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let o = labelsim(&args);
        assert_eq!(o.status.code(), Some(2));
        assert!(!out.exists(), "output written");
        String::from_utf8_lossy(&o.stderr).trim().to_string()
    };
    assert_eq!(
        run(&["--vary", "workers[team].count=8,9", "--metric", "objects_labled"]),
        "Error: --metric `objects_labled` is not a numeric summary metric; did you mean `objects_labeled`?"
    );
    assert_eq!(
        run(&["--vary", "workers.count=8"]),
        "Error: --vary `workers.count`: workers is a list: use workers[0] or workers[team]"
    );
}

#[test]
fn a_bad_sweep_section_reports_every_problem_with_its_line() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("s.yaml");
    let text = std::fs::read_to_string("scenarios/quickstart.yaml").unwrap();
    let lines = text.lines().count();
    std::fs::write(
        &file,
        text + "sweep:\n  vary:\n    workers.count: [9, 11]\n  sampels: 3\n  metrics: [cost_usd, objects_labled]\n",
    )
    .unwrap();
    let o = labelsim(&["validate", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let f = file.to_str().unwrap();
    for needle in [
        format!("{f}:{}: sweep.vary: `workers.count`: workers is a list: use workers[0] or workers[team]", lines + 2),
        format!("{f}:{}: sweep.sampels: unknown key `sampels`; did you mean `samples`?", lines + 4),
        format!("{f}:{}: sweep.metrics[1]: `objects_labled` is not a numeric summary metric; did you mean `objects_labeled`?", lines + 5),
    ] {
        assert!(err.contains(&needle), "missing `{needle}` in:\n{err}");
    }
}

/// report.html shows exactly the charts the sweep drew, each with a caption
/// that says what it shows (not its file name).
#[test]
fn the_report_captions_every_chart_drawn() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("s");
    ok(sweep(&out, &[]));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let captions = common::figcaptions(&html);
    let charts: Vec<String> = files(&out)
        .into_iter()
        .filter(|f| f.ends_with(".png"))
        .collect();
    assert!(!charts.is_empty());
    assert_eq!(captions.len(), charts.len(), "{captions:?} vs {charts:?}");
    for c in &captions {
        assert!(
            !c.ends_with(".png") && c.contains("mean over replications"),
            "{c}"
        );
    }
}

/// Issue 17: a sweep of a pipeline-only scenario charted the job's default
/// metrics, four empty charts; it charts the pipeline's, and its report's
/// headline names the best point.
#[test]
fn a_pipeline_sweep_charts_the_pipelines_metrics_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    ok(labelsim(&[
        "sweep",
        "scenarios/pipeline-visibility-trap.yaml",
        "--vary",
        "pipeline.queues[0].visibility_timeout=10s,30s",
        "--replications",
        "1",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]));
    let charts: Vec<String> = files(&out)
        .into_iter()
        .filter(|f| f.ends_with(".png"))
        .collect();
    assert_eq!(
        charts,
        [
            "sweep_dead_lettered.png",
            "sweep_indexed_documents.png",
            "sweep_searchable_latency_p95_s.png"
        ]
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<p class=\"answer\">best point (lowest searchable latency, p95): pipeline.queues[0].visibility_timeout = "),
        "{html}"
    );
}

/// Issue 18: `--resume` with other `--set` overrides names them, instead of
/// saying the scenario file changed; other seeds and replications are named
/// too.
#[test]
fn resume_names_what_changed() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("sw");
    ok(sweep(&out, &["--set", "horizon=1d", "--no-charts"]));
    let err = |extra: &[&str]| {
        let o = sweep(&out, extra);
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let e = err(&["--set", "horizon=2d", "--no-charts", "--resume"]);
    assert!(
        e.contains(
            "the --set overrides differ (those runs: --set horizon=1d; now: --set horizon=2d)"
        ),
        "{e}"
    );
    let e = err(&["--no-charts", "--resume"]);
    assert!(
        e.contains("those runs: --set horizon=1d; now: no --set"),
        "{e}"
    );
    let e = err(&[
        "--set",
        "horizon=1d",
        "--no-charts",
        "--resume",
        "--seed",
        "99",
    ]);
    assert!(e.contains("they differ in seed"), "{e}");
}
