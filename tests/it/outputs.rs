//! The output folder as an adversary or an accident would find it: links
//! planted under output names, stale charts of an earlier sweep, a second
//! process writing the same folder, a signal in the middle of a command, a
//! reader that closes the pipe, shards missing at merge, inputs that changed
//! under `--resume`. Nothing outside the folder is written, nothing partial
//! is left, and the exit codes are the documented ones.

use crate::common::{labelsim, ok, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every entry of `dir`, hidden ones included.
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Plants a link named `name` in `dir` pointing at `victim`.
#[cfg(unix)]
fn plant(dir: &Path, name: &str, victim: &Path) {
    std::os::unix::fs::symlink(victim, dir.join(name)).unwrap();
}

/// Every planted name is now a regular file and the victim is untouched.
fn assert_links_replaced(dir: &Path, names: &[String], victim: &Path) {
    assert_eq!(std::fs::read(victim).unwrap(), b"precious");
    for n in names {
        let m = std::fs::symlink_metadata(dir.join(n)).unwrap();
        assert!(m.file_type().is_file(), "{n} is not a regular file");
    }
}

#[cfg(unix)]
#[test]
fn no_command_writes_through_a_link_planted_in_its_output_folder() {
    let t = tempfile::tempdir().unwrap();
    let victim = t.path().join("victim.txt");
    std::fs::write(&victim, b"precious").unwrap();
    let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
    let cases: Vec<(Vec<String>, Vec<String>)> = vec![
        (
            names(&[
                "run",
                "scenarios/quickstart.yaml",
                "--replications",
                "2",
                "-q",
            ]),
            names(&[
                "summary.json",
                "summary.csv",
                "timeseries.csv",
                "timing.json",
                "report.html",
                "throughput.png",
                "backlog.png",
                "workers.png",
                "cumulative.png",
                "time_to_label_cdf.png",
            ]),
        ),
        (
            names(&[
                "sweep",
                "scenarios/quickstart.yaml",
                "--vary",
                "workers[team].count=8,10",
                "--replications",
                "2",
                "-q",
            ]),
            names(&[
                "sweep.json",
                "sweep.csv",
                "sweep_summary.csv",
                "report.html",
                "sweep_time_to_label_p95_s.png",
                "sweep_objects_labeled.png",
            ]),
        ),
        (
            names(&[
                "compare",
                "scenarios/reference.yaml",
                "--replications",
                "2",
                "-q",
            ]),
            names(&[
                "compare.csv",
                "compare.md",
                "report.html",
                "compare_backlog.png",
                "compare_throughput.png",
                "compare_latency_cdf.png",
                "compare_outcomes.png",
            ]),
        ),
        (
            names(&[
                "plan",
                "scenarios/quickstart.yaml",
                "--vary",
                "workers[team].count=8..12",
                "--target",
                "expired_in_queue == 0",
                "--replications",
                "2",
                "--max-replications",
                "2",
                "-q",
            ]),
            names(&["plan.json", "plan.png"]),
        ),
    ];
    for (i, (args, outputs)) in cases.iter().enumerate() {
        let dir = t.path().join(format!("out{i}"));
        std::fs::create_dir(&dir).unwrap();
        for n in outputs {
            plant(&dir, n, &victim);
        }
        let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
        a.extend(["--out", s(&dir)]);
        let o = labelsim(&a);
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{args:?}: {}",
            stderr(&o)
        );
        assert_links_replaced(&dir, outputs, &victim);
    }
}

#[cfg(unix)]
#[test]
fn a_sweep_report_embeds_exactly_the_charts_that_sweep_drew() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    // An earlier sweep drew the default charts; this one draws one.
    ok(labelsim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workers[team].count=8,10",
        "--replications",
        "2",
        "-q",
        "--out",
        s(&dir),
    ]));
    assert!(dir.join("sweep_time_to_label_p95_s.png").exists());
    // The user's own chart and a link to a picture elsewhere, named like
    // sweep charts: not labelsim's, so they stay (issue 18, item 12).
    let png = t.path().join("elsewhere.png");
    std::fs::write(&png, b"\x89PNG stale").unwrap();
    std::fs::copy(&png, dir.join("sweep_mine.png")).unwrap();
    std::os::unix::fs::symlink(&png, dir.join("sweep_linked.png")).unwrap();
    ok(labelsim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workers[team].count=8,10",
        "--metric",
        "objects_labeled",
        "--replications",
        "2",
        "-q",
        "--out",
        s(&dir),
    ]));
    let files = entries(&dir);
    assert!(!files.contains(&"sweep_time_to_label_p95_s.png".to_string()));
    assert!(files.contains(&"sweep_objects_labeled.png".to_string()));
    assert_eq!(
        std::fs::read(dir.join("sweep_mine.png")).unwrap(),
        b"\x89PNG stale"
    );
    assert!(std::fs::symlink_metadata(dir.join("sweep_linked.png")).is_ok());
    assert!(png.exists());
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert_eq!(report.matches("<img").count(), 1, "one chart drawn");
    assert!(report.contains("<figcaption>objects_labeled against workers[team].count"));
}

/// Waits until `dir` holds a staging folder (the command has opened it).
fn wait_for_staging(dir: &Path) {
    let start = Instant::now();
    while !entries(dir)
        .iter()
        .any(|n| n.starts_with(".labelsim-staging-"))
    {
        assert!(start.elapsed() < Duration::from_secs(20), "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn long_run(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_labelsim"));
    c.args([
        "run",
        "scenarios/quickstart.yaml",
        "--replications",
        "400",
        "--threads",
        "1",
        "-q",
        "--out",
        s(dir),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    c
}

#[test]
fn a_second_process_writing_the_same_folder_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    let mut first = long_run(&dir).spawn().unwrap();
    wait_for_staging(&dir);
    let o = labelsim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--replications",
        "1",
        "--out",
        s(&dir),
    ]);
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("in use by another labelsim"),
        "{}",
        stderr(&o)
    );
}

#[cfg(unix)]
#[test]
fn a_terminated_run_leaves_nothing_behind() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    let child = long_run(&dir).spawn().unwrap();
    wait_for_staging(&dir);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let o = child.wait_with_output().unwrap();
    if o.status.success() {
        return; // finished before the signal: nothing to check
    }
    assert_eq!(o.status.code(), Some(130), "{}", stderr(&o));
    assert_eq!(entries(&dir), Vec::<String>::new());
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next_command() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    let mut child = long_run(&dir).spawn().unwrap();
    wait_for_staging(&dir);
    let _ = child.kill(); // SIGKILL: it cannot clean up
    let _ = child.wait();
    let o = ok(labelsim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--replications",
        "1",
        "--out",
        s(&dir),
    ]));
    assert!(stderr(&o).contains("left by an interrupted labelsim"));
    let hidden: Vec<String> = entries(&dir)
        .into_iter()
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(hidden, [".labelsim-manifest.json"]);
}

/// Issue 18, item 12: a folder named like labelsim's staging folders but
/// not made by labelsim (no marker) is never removed.
#[test]
fn a_users_folder_named_like_a_staging_folder_survives() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    let theirs = dir.join(".labelsim-staging-x");
    std::fs::create_dir_all(&theirs).unwrap();
    std::fs::write(theirs.join("notes.txt"), b"mine").unwrap();
    let o = ok(labelsim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--replications",
        "1",
        "--no-charts",
        "--out",
        s(&dir),
    ]));
    assert!(!stderr(&o).contains("left by an interrupted labelsim"));
    assert_eq!(std::fs::read(theirs.join("notes.txt")).unwrap(), b"mine");
}

/// Every file of `dir` but the hidden ones, with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    entries(dir)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .map(|n| {
            let b = std::fs::read(dir.join(&n)).unwrap();
            (n, b)
        })
        .collect()
}

/// Issue 18, item 11: a new sweep killed as soon as it has started leaves
/// the finished sweep in the folder as it was, byte for byte (it used to
/// delete it first).
#[test]
fn a_new_sweep_never_sits_beside_the_old_sweeps_summary() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    ok(labelsim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workers[team].count=8,10",
        "--replications",
        "2",
        "-q",
        "--out",
        s(&dir),
    ]));
    let before = contents(&dir);
    assert!(dir.join("sweep_summary.csv").exists());
    // A new sweep of another parameter, killed as soon as it has started.
    let mut child = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args([
            "sweep",
            "scenarios/overload-expiry.yaml",
            "--vary",
            "job.max_concurrent_task_count=10..400:1",
            "--replications",
            "4",
            "--threads",
            "1",
            "-q",
            "--out",
            s(&dir),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let json = std::fs::read_to_string(dir.join(".sweep-partial.json")).unwrap_or_default();
        if json.contains("\"job.max_concurrent_task_count\"") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(contents(&dir) == before, "the old sweep changed");
}

/// Issue 18, item 11: a sweep stopped by `--max-events` keeps the finished
/// sweep in the folder intact (no header-only files), keeps its own runs for
/// `--resume`, and the resumed sweep then replaces the old one whole.
#[test]
fn a_stopped_sweep_leaves_the_finished_one_intact() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("out");
    let sweep = |extra: &[&str]| {
        let mut a = vec![
            "sweep",
            "scenarios/quickstart.yaml",
            "--replications",
            "2",
            "--threads",
            "1",
            "-q",
            "--out",
            s(&dir),
        ];
        a.extend(extra);
        labelsim(&a)
    };
    ok(sweep(&["--vary", "workers[team].count=8,10"]));
    let before = contents(&dir);
    let other = ["--vary", "workers[team].count=11,12"];
    let o = sweep(&[&other[..], &["--max-events", "1000"]].concat());
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
    assert!(contents(&dir) == before, "the old sweep changed");
    assert!(!entries(&dir)
        .iter()
        .any(|n| n.starts_with(".labelsim-staging-")));
    // Resumed, it finishes and replaces the old sweep, checkpoint included.
    ok(sweep(&[&other[..], &["--resume"]].concat()));
    let csv = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 2, "{csv}");
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.contains(",11,") || l.contains(",12,")),
        "{csv}"
    );
    assert!(!dir.join(".sweep-partial.csv").exists());
    assert!(!dir.join(".sweep-partial.json").exists());
    let fresh = t.path().join("fresh");
    let mut a = vec![
        "sweep",
        "scenarios/quickstart.yaml",
        "--replications",
        "2",
        "--threads",
        "1",
        "-q",
        "--out",
        s(&fresh),
    ];
    a.extend(other);
    ok(labelsim(&a));
    assert!(
        contents(&dir) == contents(&fresh),
        "resumed != uninterrupted"
    );
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_command_quietly() {
    let t = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args([
            "sweep",
            "scenarios/quickstart.yaml",
            "--vary",
            "workers[team].count=8..12:1",
            "--replications",
            "1",
            "--out",
            s(&t.path().join("out")),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // `| head -0`
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

fn shard(dir: &Path, i: u32) -> Output {
    labelsim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workers[team].count=8..11:1",
        "--replications",
        "2",
        "--shard",
        &format!("{i}/2"),
        "-q",
        "--out",
        s(dir),
    ])
}

#[test]
fn merge_with_a_missing_shard_fails_and_writes_nothing_unless_allowed() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    ok(shard(&a, 1));
    let merged = t.path().join("merged");
    let o = labelsim(&["merge", s(&merged), s(&a)]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("4 of 8 runs are missing"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--allow-partial"));
    assert_eq!(entries(&merged), Vec::<String>::new());
    let o = ok(labelsim(&["merge", s(&merged), s(&a), "--allow-partial"]));
    assert!(stderr(&o).contains("warning"));
    assert!(merged.join("sweep_summary.csv").exists());
}

/// A copy of the trace-replay scenario and its CSV files in `dir`.
fn trace_scenario(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("traces")).unwrap();
    for f in ["traces/arrivals.csv", "traces/service_times.csv"] {
        std::fs::copy(Path::new("scenarios").join(f), dir.join(f)).unwrap();
    }
    let p = dir.join("trace-replay.yaml");
    std::fs::copy("scenarios/trace-replay.yaml", &p).unwrap();
    p
}

#[test]
fn resume_and_merge_refuse_runs_made_from_an_input_that_changed() {
    let t = tempfile::tempdir().unwrap();
    let scen = trace_scenario(t.path());
    let sweep = |out: &Path, extra: &[&str]| {
        let mut a = vec![
            "sweep",
            s(&scen),
            "--vary",
            "workers[office].count=6,8",
            "--replications",
            "1",
            "-q",
            "--out",
            s(out),
        ];
        a.extend(extra);
        labelsim(&a)
    };
    let (one, two) = (t.path().join("one"), t.path().join("two"));
    ok(sweep(&one, &["--shard", "1/2"]));
    // The service-time data the scenario reads changes between the shards.
    let csv = t.path().join("traces/service_times.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let changed: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 1 {
                "1".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&csv, changed.join("\n") + "\n").unwrap();
    ok(sweep(&two, &["--shard", "2/2"]));
    let o = labelsim(&["merge", s(&t.path().join("m")), s(&one), s(&two)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("trace or empirical CSV) changed"),
        "{}",
        stderr(&o)
    );
    let o = sweep(&one, &["--shard", "1/2", "--resume"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("trace or empirical CSV) changed"),
        "{}",
        stderr(&o)
    );
}

/// Metrics are physically possible, their intervals too: with two
/// replications a Student t interval is wide, and summary.json's `ci95`
/// keeps it within what each metric can take (nothing below 0, no share
/// above 1).
#[test]
fn summary_intervals_stay_within_what_each_metric_can_take() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = crate::common::labelsim(&[
        "run",
        "scenarios/duplicates.yaml",
        "-q",
        "--no-charts",
        "--replications",
        "2",
        "--set",
        "horizon=6h",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let doc = crate::common::read_json(&out.join("summary.json"));
    let ci = doc["ci95"].as_object().expect("ci95");
    let mut checked = 0;
    for (k, v) in ci {
        let Some(pair) = v.as_array() else { continue };
        let (lo, hi) = (pair[0].as_f64().unwrap(), pair[1].as_f64().unwrap());
        assert!(lo >= 0.0 && lo <= hi, "{k}: [{lo}, {hi}]");
        if labelsim::model::catalog::unit(k) == Some(labelsim::model::catalog::Unit::Fraction) {
            assert!(hi <= 1.0, "{k}: [{lo}, {hi}]");
        }
        checked += 1;
    }
    assert!(checked > 20, "{checked} intervals");
}

/// report.html holds what `run` prints beside its summary: each capacity
/// stage's offered load, and the scenario's warnings.
#[test]
fn the_run_report_has_the_stage_loads_and_the_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("q");
    let o = crate::common::labelsim_on(
        "run",
        Path::new("scenarios/quickstart.yaml"),
        &out,
        &["--no-charts", "-q", "--replications", "1"],
    );
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("Offered load by capacity stage"),
        "stage loads"
    );
    assert!(
        html.contains("workers[team]") && html.contains("binding"),
        "rows"
    );
    assert!(!html.contains("warning: "));

    let path = crate::common::write_scenario(
        tmp.path(),
        "w.yaml",
        "name: w\nhorizon: 1d\nproducers: [{name: p, kind: poisson, rate: 10/h}]\nworkers: []\n",
    );
    let out = tmp.path().join("w");
    let o = crate::common::labelsim_on("run", &path, &out, &["--no-charts", "-q"]);
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("w.yaml:4: workers: no workers: nothing will be labeled"));
}

/// report.html echoes the scenario as written; where `--seed` or
/// `--replications` ran it otherwise, the echo's heading says so (a
/// `--set` is written into the echoed text itself).
#[test]
fn the_scenario_echo_says_what_the_command_line_put_in_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let heading = |extra: &[&str], name: &str| {
        let out = tmp.path().join(name);
        let mut args = vec![
            "run",
            "scenarios/pipeline-seed.yaml",
            "--set",
            "horizon=10m",
            "--no-charts",
            "-q",
            "--out",
            s(&out),
        ];
        args.extend_from_slice(extra);
        ok(labelsim(&args));
        let page = std::fs::read_to_string(out.join("report.html")).unwrap();
        let at = page.find("<h2>Scenario").expect("a scenario section");
        page[at..at + page[at..].find("</h2>").unwrap()].to_string()
    };
    assert_eq!(heading(&[], "plain"), "<h2>Scenario");
    assert_eq!(
        heading(&["--seed", "5", "--replications", "2"], "both"),
        "<h2>Scenario (run with seed 5 and 2 replications from the command line, not as written below)"
    );
    // The file's own values given again change nothing.
    assert_eq!(heading(&["--seed", "11"], "same"), "<h2>Scenario");
}

/// A folder in the way of one output fails the run before any output goes
/// into place (no partial output), and the error says why once.
#[test]
fn a_folder_in_the_way_of_an_output_leaves_nothing_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("timing.json")).unwrap();
    let o = labelsim(&[
        "run",
        "scenarios/quickstart.yaml",
        "--set",
        "horizon=1d",
        "-q",
        "--no-charts",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.matches("in the way").count(), 1, "{err}");
    assert_eq!(entries(&out), ["timing.json"]);
}
