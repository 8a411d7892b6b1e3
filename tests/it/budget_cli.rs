//! The work budget from the command line: a scenario whose estimate exceeds
//! the limits is refused before anything runs (exit 2, the estimate and the
//! setting to change named, nothing written); `--force` lets it start and
//! `--max-events` / `--max-memory` stop it cleanly, again with nothing
//! written; a design too large to build is refused before it is built.

use crate::common::{labelsim, stderr};
use std::path::Path;
use std::process::{Command, Output};

/// The quick start with a unit slip: a burst of 2000 every 7 s (meant 7 d).
fn slip(dir: &Path) -> String {
    let text = std::fs::read_to_string("scenarios/quickstart.yaml")
        .unwrap()
        .replace(
            "  - {name: backfill, kind: manifest, count: 500}\n",
            "  - {name: backfill, kind: manifest, count: 500}\n  - {name: weekly, kind: burst, size: 2000, every: 7s}\n",
        );
    assert!(text.contains("weekly"));
    let p = dir.join("slip.yaml");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn a_unit_slip_is_refused_before_running_with_the_setting_to_change() {
    let t = tempfile::tempdir().unwrap();
    let scen = slip(t.path());
    let out = t.path().join("out");
    let o = labelsim(&["run", &scen, "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("would take too much"), "{e}");
    assert!(e.contains("producers[2].every"), "{e}");
    assert!(e.contains("--force"), "{e}");
    assert!(!out.exists(), "nothing written, not even the folder");
}

/// `labelsim args` under GNU `/usr/bin/time -f %M` where it exists: its
/// output and its peak resident memory [KiB] (None without the tool).
fn labelsim_peak(args: &[&str]) -> (Output, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        eprintln!("peak memory not measured: /usr/bin/time (GNU time) not found");
        return (labelsim(args), None);
    }
    let o = Command::new(time)
        .args(["-f", "PEAK_KIB=%M"])
        .arg(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .output()
        .expect("run /usr/bin/time labelsim");
    let kib = stderr(&o)
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("PEAK_KIB="))
        .and_then(|v| v.trim().parse().ok());
    (o, kib)
}

/// Issue 18 item 9: this run peaked at 11.6 GiB when a burst of 2,000
/// messages counted as one event against `--max-events`; each message now
/// counts, and the run stays small.
#[test]
fn force_starts_it_and_max_events_stops_it_cleanly_with_nothing_written() {
    let t = tempfile::tempdir().unwrap();
    let scen = slip(t.path());
    let out = t.path().join("out");
    let (o, peak) = labelsim_peak(&[
        "run",
        &scen,
        "--force",
        "--max-events",
        "200000",
        "--out",
        out.to_str().unwrap(),
    ]);
    if let Some(kib) = peak {
        assert!(kib < 256 * 1024, "peak {} MiB", kib / 1024);
    }
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--max-events 200000 reached"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("nothing was written"));
    // Nothing written: the folder the command created is gone again.
    assert!(!out.exists(), "{out:?} left behind");
}

#[test]
fn max_memory_stops_a_forced_run_cleanly() {
    let t = tempfile::tempdir().unwrap();
    let scen = slip(t.path());
    let out = t.path().join("out");
    let o = labelsim(&[
        "run",
        &scen,
        "--force",
        "--max-memory",
        "200MiB",
        "--replications",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("memory"), "{}", stderr(&o));
    // Nothing written: the folder the command created is gone again.
    assert!(!out.exists(), "{out:?} left behind");
}

#[test]
fn a_design_too_large_to_build_is_refused_before_it_is_built() {
    let t = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "--vary",
            "workers[team].count=1..100",
            "--samples",
            "4294967295",
        ],
        vec![
            "--vary",
            "workers[team].count=1..1000:1",
            "--vary",
            "job.max_concurrent_task_count=1..1000:1",
            "--vary",
            "job.workers_per_object=1,2,3",
        ],
    ] {
        let mut a = vec!["sweep", "scenarios/quickstart.yaml", "--out"];
        let out = t.path().join("s");
        a.push(out.to_str().unwrap());
        a.extend(args);
        let o = labelsim(&a);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains("at most 1000000"), "{}", stderr(&o));
        assert!(!out.exists());
    }
}

#[test]
fn a_sweep_whose_runs_add_up_past_the_limit_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("s");
    // 2,000 points of the quick start at 30 replications: 60,000 runs of
    // a few hundred thousand events each.
    let o = labelsim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--replications",
        "30",
        "--vary",
        "workers[team].count=10..2009:1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("would take too much"), "{}", stderr(&o));
    assert!(!out.exists());
}

#[test]
fn max_events_stops_sweep_plan_and_compare_cleanly() {
    let t = tempfile::tempdir().unwrap();
    // A sweep keeps the runs that finished (resumable), exit 2.
    let out = t.path().join("sweep");
    let o = labelsim(&[
        "sweep",
        "scenarios/quickstart.yaml",
        "--vary",
        "workers[team].count=8..12:1",
        "--threads",
        "1",
        "--max-events",
        "500000",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--max-events 500000 reached"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
    // Plan and compare write nothing.
    for (cmd, extra) in [
        (
            "plan",
            vec![
                "--vary",
                "workers[team].count=8..12",
                "--target",
                "expired_in_queue == 0",
            ],
        ),
        ("compare", vec![]),
    ] {
        let out = t.path().join(cmd);
        let scen = if cmd == "plan" {
            "scenarios/quickstart.yaml"
        } else {
            "scenarios/reference.yaml"
        };
        let mut a = vec![cmd, scen, "--max-events", "100000", "--out"];
        a.push(out.to_str().unwrap());
        a.extend(extra);
        let o = labelsim(&a);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("--max-events 100000 reached"),
            "{}",
            stderr(&o)
        );
        assert!(!out.exists(), "{cmd}: {out:?} left behind");
    }
}
