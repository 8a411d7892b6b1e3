//! `labelsim compare`: common random numbers, outputs, and the bundled
//! overload comparison.

use crate::common::labelsim;

use crate::common;

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

/// A pipeline without a labeling job (issue 17): a burst of 100 messages
/// on a standard queue, read by one poller (`one-poller`) or two
/// (`two-pollers`), each message 2 s of processing, indexed at once, over
/// 101 s. One poller finishes a message every 2 s: 50 indexed (at 2, 4,
/// ..., 100 s), 49 visible and 1 in flight at the end. Two pollers finish
/// all 100 by 100 s. Searchable latency: 2, 4, ..., 100 s (each twice
/// with two pollers): p50 50 s, p95 96 s. Pollers cost 36 USD/h each
/// over 101 s, SQS nothing: $1.01 and $2.02, $0.0202 per indexed
/// document either way.
const ONE_POLLER: &str = r#"
name: one-poller
horizon: 101s
producers:
  - {name: burst, kind: burst, size: 100, every: 1d, to: work}
pipeline:
  queues:
    - {name: work, type: standard, visibility_timeout: 30s}
  consumers:
    - {name: pool, queue: work, count: 1, batch: 1, wait: 20s, request_latency: 0ms,
       processing_time: {dist: constant, value: 2s}}
  index: {bulk_size: 1, flush_interval: 0s, bulk_latency: {dist: constant, value: 0ms},
          concurrency: 1, refresh_interval: 0s}
cost: {consumer_per_hour: 36, sqs_per_million_requests: 0}
output: {timeseries_every: 10s}
"#;

fn pipeline_pair(dir: &std::path::Path) -> (String, String) {
    let a = dir.join("one.yaml");
    let b = dir.join("two.yaml");
    std::fs::write(&a, ONE_POLLER).unwrap();
    std::fs::write(
        &b,
        ONE_POLLER
            .replace("name: one-poller", "name: two-pollers")
            .replace("count: 1,", "count: 2,"),
    )
    .unwrap();
    (
        a.to_str().unwrap().to_string(),
        b.to_str().unwrap().to_string(),
    )
}

/// The cells of compare.md's row `name` in its first table.
fn md_row<'a>(md: &'a str, name: &str) -> Vec<&'a str> {
    md.lines()
        .find(|l| l.starts_with(&format!("| {name} |")))
        .unwrap_or_else(|| panic!("no row {name} in {md}"))
        .trim_matches('|')
        .split(" | ")
        .map(str::trim)
        .collect()
}

#[test]
fn a_pipeline_compare_shows_the_pipelines_metrics_and_charts() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pipeline_pair(t.path());
    let out = t.path().join("cmp");
    compare_into(&[&a, &b, "--replications", "2", "--format", "svg"], &out);
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    // The pipeline's metrics, not the job's (no job: all zeros).
    assert_eq!(
        md_row(&md, "scenario"),
        [
            "scenario",
            "indexed",
            "searchable p50",
            "searchable p95",
            "dead-lettered",
            "expired (retention)",
            "still queued",
            "cost [USD]",
            "per indexed doc [USD]"
        ]
    );
    assert_eq!(
        md_row(&md, "one-poller")[1..],
        [
            "50 ± 0",
            "50 s ± 0.00 s",
            "1m 36s ± 0.00 s",
            "0 ± 0",
            "0 ± 0",
            "50 ± 0",
            "$1.01 ± $0.00",
            "$0.0202 ± $0.00"
        ]
    );
    let two = md_row(&md, "two-pollers");
    assert_eq!(
        (two[1], two[6], two[7], two[8]),
        ("100 ± 0", "0 ± 0", "$2.02 ± $0.00", "$0.0202 ± $0.00")
    );
    assert!(!md.contains("labeled") && !md.contains("e2e"), "{md}");

    let csv = std::fs::read_to_string(out.join("compare.csv")).unwrap();
    let r = rows(&csv);
    let col = |name: &str| r[0].iter().position(|h| h == name).unwrap();
    for (name, want) in [
        ("indexed_documents", ["50", "50", "100", "100"]),
        ("work.visible_at_end", ["49", "49", "0", "0"]),
        ("work.in_flight_at_end", ["1", "1", "0", "0"]),
        // The unprefixed totals over queues (one queue here).
        ("visible_at_end", ["49", "49", "0", "0"]),
        ("in_flight_at_end", ["1", "1", "0", "0"]),
        ("delayed_at_end", ["0", "0", "0", "0"]),
    ] {
        let got: Vec<&str> = r[1..].iter().map(|row| row[col(name)].as_str()).collect();
        assert_eq!(got, want, "{name}");
    }

    // The pipeline's four charts, each drawing data, all in the report.
    let mut svgs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".svg"))
        .collect();
    svgs.sort();
    assert_eq!(
        svgs,
        [
            "compare_cost.svg",
            "compare_message_outcomes.svg",
            "compare_queue_depth.svg",
            "compare_searchable_latency_cdf.svg"
        ]
    );
    for f in &svgs {
        let svg = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(common::svg_draws_data(&svg), "{f} draws no data");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(common::figcaptions(&html).len(), svgs.len());
    // No job: the pipeline's rules, not the job's.
    assert!(html.contains("What each rule did"));
    assert!(html.contains("messages moved to a dead-letter queue"));
    assert!(!html.contains("objects expired after waiting in the queue"));
}

/// Issue 17: a chart with nothing to show is not drawn. Messages of 200 s
/// over a 101 s horizon: nothing is indexed, so no latency and no cost per
/// indexed document; the queues and where messages went remain.
#[test]
fn a_pipeline_compare_draws_no_empty_chart() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pipeline_pair(t.path());
    for f in [&a, &b] {
        let text = std::fs::read_to_string(f).unwrap();
        std::fs::write(f, text.replace("value: 2s", "value: 200s")).unwrap();
    }
    let out = t.path().join("cmp");
    compare_into(&[&a, &b, "--replications", "1", "--format", "svg"], &out);
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    // One replication: the value alone, no interval (issue 18).
    assert_eq!(md_row(&md, "one-poller")[1], "0", "{md}");
    let mut svgs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".svg"))
        .collect();
    svgs.sort();
    assert_eq!(
        svgs,
        ["compare_message_outcomes.svg", "compare_queue_depth.svg"]
    );
    for f in &svgs {
        let svg = std::fs::read_to_string(out.join(f)).unwrap();
        assert!(common::svg_draws_data(&svg), "{f} draws no data");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(common::figcaptions(&html).len(), 2);
}

/// `--metric` takes compare's own pipeline metrics too.
#[test]
fn the_derived_pipeline_metrics_can_be_asked_for() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = pipeline_pair(t.path());
    let out = t.path().join("cmp");
    compare_into(
        &[
            &a,
            &b,
            "--replications",
            "1",
            "--no-charts",
            "--metric",
            "in_queues_at_end",
            "--metric",
            "cost_per_indexed_document",
        ],
        &out,
    );
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert_eq!(md_row(&md, "one-poller")[1..], ["50", "$0.0202"]);
}

/// The chart check itself: a flat line of zeros, or axes alone, is no
/// data.
#[test]
fn an_svg_of_a_flat_zero_line_draws_no_data() {
    let axes = r##"<svg><rect x="0" y="0" width="1200" height="700" fill="#FFFFFF"/><polyline points="92,58 92,633 "/><rect x="843" y="62" width="28" height="14"/></svg>"##;
    assert!(!common::svg_draws_data(axes));
    let flat = axes.replace(
        "</svg>",
        r#"<polyline points="92,633 300,633 500,633 "/></svg>"#,
    );
    assert!(!common::svg_draws_data(&flat));
    // A flat line above the x axis is data (a pool busy all the time).
    let full = axes.replace(
        "</svg>",
        r#"<polyline points="92,58 300,58 500,58 "/></svg>"#,
    );
    assert!(common::svg_draws_data(&full));
    let line = axes.replace(
        "</svg>",
        r#"<polyline points="92,633 300,600 500,633 "/></svg>"#,
    );
    assert!(common::svg_draws_data(&line));
    let bar = axes.replace(
        "</svg>",
        r#"<rect x="166" y="389" width="219" height="236"/></svg>"#,
    );
    assert!(common::svg_draws_data(&bar));
}

/// The headline names the best contender on the first metric that tells
/// them apart: every policy of the Lambda comparison indexes every
/// document, so that column's tie is said in passing, not crowned.
#[test]
fn the_compare_headline_skips_a_metric_the_same_for_all() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = common::labelsim(&[
        "compare",
        "scenarios/pipeline-lambda.yaml",
        "--no-charts",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("; indexed documents the same for all"),
        "headline"
    );
    assert!(!html.contains("tie for best"));
}

/// Two scenario files: the title names both, and a rule of a part one of
/// them lacks (the job of a pipeline alone) shows no value, not zeros.
#[test]
fn comparing_a_job_with_a_pipeline_alone_names_both_and_blanks_the_missing_part() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = common::labelsim(&[
        "compare",
        "scenarios/pipeline-hybrid.yaml",
        "scenarios/pipeline-seed.yaml",
        "--set",
        "horizon=30m",
        "--replications",
        "2",
        "--no-charts",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<h1>labelsim compare: pipeline-hybrid vs pipeline-seed</h1>"));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.starts_with("# labelsim compare: `pipeline-hybrid vs pipeline-seed`"));
    // The job's end, for the hybrid only.
    let row = html
        .split("<tr>")
        .find(|r| r.contains("when the job ended"))
        .expect("the job's end row");
    assert!(row.contains("<td>-</td>"), "{row}");
}

/// Every command serves every shape: a pipeline without a labeling job
/// beside a job shows `-` for the job's metrics (summary.json keeps them
/// as zeros), as the job's side shows for the pipeline's.
#[test]
fn a_side_without_a_job_shows_no_job_metrics() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("out");
    compare_into(
        &[
            "scenarios/pipeline-seed.yaml",
            "scenarios/quickstart.yaml",
            "--set",
            "horizon=1h",
            "--replications",
            "2",
            "--no-charts",
        ],
        &out,
    );
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    let header = md.lines().find(|l| l.starts_with("| scenario |")).unwrap();
    let row = md
        .lines()
        .find(|l| l.starts_with("| pipeline-seed |"))
        .unwrap();
    let h: Vec<&str> = header.split('|').map(str::trim).collect();
    let r: Vec<&str> = row.split('|').map(str::trim).collect();
    for job_metric in ["labeled", "queued for people"] {
        let i = h.iter().position(|c| *c == job_metric).expect(job_metric);
        assert_eq!(r[i], "-", "{job_metric} in {row}");
    }
    let indexed = h.iter().position(|c| *c == "indexed").unwrap();
    assert_ne!(r[indexed], "-");
}
