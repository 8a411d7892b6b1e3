//! `labelsim compare`: common random numbers, outputs, and the bundled
//! overload comparison.

use std::process::{Command, Output};

mod common;

fn labelsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .output()
        .expect("run labelsim")
}

/// Runs `labelsim compare ARGS --out OUT -q` and expects success.
fn compare_into(args: &[&str], out: &std::path::Path) {
    let mut all = vec!["compare"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap(), "-q"]);
    let o = labelsim(&all);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn rows(csv: &str) -> Vec<Vec<String>> {
    csv.lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn two_identical_policies_give_identical_results() {
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("s.yaml");
    let text = std::fs::read_to_string("scenarios/quickstart.yaml").unwrap()
        + "compare:\n  - {name: a, throttle: {policy: fixed_rate, rate: 200/h}}\n  - {name: b, throttle: {policy: fixed_rate, rate: 200/h}}\n  - {name: c, throttle: {policy: fixed_rate, rate: 85/h}}\n";
    std::fs::write(&file, text).unwrap();
    let out = t.path().join("cmp");
    compare_into(&[file.to_str().unwrap()], &out);
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let r = rows(&csv);
    assert!(r[0].starts_with(&[
        "policy".to_string(),
        "replication".to_string(),
        "messages_received".to_string()
    ]));
    let of = |name: &str| -> Vec<Vec<String>> {
        r.iter()
            .filter(|row| row[0] == name)
            .map(|row| row[1..].to_vec())
            .collect()
    };
    let (a, b, c) = (of("a"), of("b"), of("c"));
    assert_eq!(a.len(), 3);
    // Identical except the `events` and wall-independent columns are all equal.
    assert_eq!(
        a, b,
        "identical policies on common random numbers must give identical results"
    );
    assert_ne!(a, c);
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("| a |") && md.contains("Paired differences against `a`"));
    assert!(
        out.join("compare_backlog.png").is_file() && out.join("compare_throughput.png").is_file()
    );
}

#[test]
fn bundled_overload_comparison_threshold_expires_less_and_loses_nothing() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("cmp");
    compare_into(
        &["scenarios/overload-expiry.yaml", "--replications", "2"],
        &out,
    );
    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let r = rows(&csv);
    let col = |name: &str| r[0].iter().position(|h| h == name).unwrap();
    let (exp, lost, strand, produced) = (
        col("expired_in_queue"),
        col("lost_after_stop"),
        col("stranded_at_stop"),
        col("messages_produced"),
    );
    let get = |policy: &str, c: usize| -> Vec<u64> {
        r.iter()
            .filter(|row| row[0] == policy)
            .map(|row| row[c].parse().unwrap())
            .collect()
    };
    for rep in 0..2 {
        assert!(get("threshold", exp)[rep] < get("open", exp)[rep]);
        assert_eq!(
            get("threshold", lost)[rep] + get("threshold", strand)[rep],
            0
        );
        // Same producer stream under every policy.
        assert_eq!(get("threshold", produced)[rep], get("open", produced)[rep]);
    }
}

#[test]
fn compare_needs_a_list_and_names_bad_entries() {
    let t = tempfile::tempdir().unwrap();
    let o = labelsim(&[
        "compare",
        "scenarios/quickstart.yaml",
        "--out",
        t.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to compare"));
    let pol = t.path().join("p.yaml");
    std::fs::write(&pol, "- {name: ok, throttle: {policy: none}}\n- {name: broken, throttle: {policy: fixed_rate}}\n").unwrap();
    let o = labelsim(&[
        "compare",
        "scenarios/quickstart.yaml",
        "--policies",
        pol.to_str().unwrap(),
        "--out",
        t.path().join("y").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("compare[1] (broken)") && err.contains("throttle.rate"),
        "{err}"
    );
}

#[test]
fn a_misspelt_metric_or_policy_key_gets_a_hint() {
    let t = tempfile::tempdir().unwrap();
    let o = labelsim(&[
        "compare",
        "scenarios/reference.yaml",
        "--metric",
        "objects_labled",
        "--out",
        t.path().join("x").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.trim(),
        "Error: --metric `objects_labled` is not a numeric summary metric; did you mean `objects_labeled`?"
    );
    let pol = t.path().join("p.yaml");
    std::fs::write(
        &pol,
        "- {name: a, throttle: {policy: none}}\n- name: b\n  thrttle: {policy: none}\n",
    )
    .unwrap();
    let o = labelsim(&[
        "compare",
        "scenarios/quickstart.yaml",
        "--policies",
        pol.to_str().unwrap(),
        "--out",
        t.path().join("y").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let f = pol.to_str().unwrap();
    assert!(
        err.contains(&format!(
            "{f}:3: [1].thrttle: unknown key `thrttle`; did you mean `throttle`?"
        )),
        "{err}"
    );
}

/// report.html is built from the same typed tables as compare.md (not by
/// re-reading the markdown) and shows every chart compare drew, each
/// titled for what is compared (scenario files here, not policies).
#[test]
fn the_report_holds_every_table_and_every_chart_drawn() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("cmp");
    compare_into(
        &[
            "scenarios/quickstart.yaml",
            "scenarios/overload-expiry.yaml",
            "--replications",
            "2",
        ],
        &out,
    );
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let captions = common::figcaptions(&html);
    assert_eq!(captions.len(), 4, "{captions:?}");
    assert!(
        captions.iter().all(|c| c.contains("per scenario")),
        "{captions:?}"
    );
    let pngs = std::fs::read_dir(&out)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "png")
        })
        .count();
    assert_eq!(pngs, captions.len(), "every chart drawn is in the report");
    for section in [
        "Scenarios",
        "Paired differences against quickstart",
        "What each rule did",
    ] {
        assert!(html.contains(section), "report.html lacks {section}");
    }
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("## Paired differences against `quickstart`"));
    // Every row of compare.md's tables is a row of report.html's.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| quickstart |") || l.starts_with("| overload-expiry |"))
    {
        let first_cell = line.trim_matches('|').split(" | ").nth(1).unwrap().trim();
        assert!(html.contains(first_cell), "report.html lacks {first_cell}");
    }
}
