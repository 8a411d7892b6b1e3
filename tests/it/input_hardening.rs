//! Adversarial input: the scenario loader and the files it reads must never
//! echo what they read beyond a short excerpt, never read what is not a
//! regular file, never take quadratic time or unbounded memory, never change
//! a value silently, and report every problem at once. Each test here
//! reproduces a finding of a probe of the release binary.

use crate::common::stderr;
use labelsim::scenario::{LoadOptions, Scenario, ScenarioError};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const DATA: &str = "tests/data/input";

/// Runs the binary; kills it (and fails) if it has not finished within
/// `limit` (a hang or a runaway read is a finding too).
fn labelsim_within(limit: Duration, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run labelsim");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("labelsim {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().expect("output")
}

fn validate(file: &Path) -> Output {
    labelsim_within(
        Duration::from_secs(20),
        &["validate", file.to_str().unwrap()],
        &[],
    )
}

fn load(text: &str, base: &Path) -> Result<Scenario, ScenarioError> {
    Scenario::from_str(text, "t.yaml", base, LoadOptions::default())
}

fn load_err(text: &str) -> String {
    match load(text, Path::new(DATA)) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// No line of a message may be long: a bounded excerpt plus our own words.
fn assert_bounded(msg: &str) {
    for line in msg.lines() {
        assert!(
            line.chars().count() <= 400,
            "a {}-character line: {line}",
            line.chars().count()
        );
    }
}

fn with_trace(csv: &str) -> String {
    format!(
        "name: t\nhorizon: 1d\nproducers:\n  - {{name: r, kind: trace, csv: \"{csv}\", column: timestamp}}\n"
    )
}

fn with_empirical(csv: &str, column: &str) -> String {
    format!(
        "name: t\nhorizon: 1d\nworkers:\n  - count: 1\n    service_time: {{dist: empirical, csv: \"{csv}\", column: {column}}}\n"
    )
}

// ---- 1. Files: never echo them, read only regular files, and not too much.

#[test]
fn a_csv_header_that_is_not_column_names_is_not_printed() {
    let err = load_err(&with_trace("secret_header.csv"));
    assert!(err.contains("has no column `timestamp`"), "{err}");
    assert!(!err.contains("sk-live"), "{err}");
    assert_bounded(&err);
}

#[test]
fn a_bad_csv_cell_is_named_by_line_and_column_and_not_printed() {
    let err = load_err(&with_trace("secret_cell.csv"));
    assert!(!err.contains("sk-live"), "{err}");
    assert!(err.contains("secret_cell.csv line 4"), "{err}");
    assert!(err.contains("column `timestamp`"), "{err}");
    assert_bounded(&err);
}

#[test]
fn a_bad_csv_cell_that_looks_like_a_value_is_quoted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "timestamp\n0\n-5\n").unwrap();
    let err = load(&with_trace("t.csv"), dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("t.csv line 3, column `timestamp`"), "{err}");
    assert!(err.contains("`-5`"), "{err}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_environment_is_never_printed_through_a_csv_path() {
    let dir = tempfile::tempdir().unwrap();
    for (what, text) in [
        ("trace", with_trace("/proc/self/environ")),
        ("empirical", with_empirical("/proc/self/environ", "x")),
    ] {
        let file = dir.path().join("env.yaml");
        std::fs::write(&file, text).unwrap();
        let o = labelsim_within(
            Duration::from_secs(20),
            &["validate", file.to_str().unwrap()],
            &[("LABELSIM_PROBE_SECRET", "hunter2-canary")],
        );
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(!err.contains("hunter2-canary"), "{what}: {err}");
        assert!(err.contains("not a regular file"), "{what}: {err}");
        assert_bounded(&err);
    }
}

#[cfg(unix)]
#[test]
fn devices_fifos_and_folders_are_refused_without_reading_them() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.csv");
    let have_fifo = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut cases = vec![
        ("/dev/zero".to_string(), "not a regular file"),
        (dir.path().display().to_string(), "folder"),
    ];
    if have_fifo {
        cases.push((fifo.display().to_string(), "not a regular file"));
    }
    for (path, why) in cases {
        for text in [with_trace(&path), with_empirical(&path, "seconds")] {
            let file = dir.path().join("dev.yaml");
            std::fs::write(&file, text).unwrap();
            let o = validate(&file);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{path}: {err}");
            assert!(err.contains(why), "{path}: {err}");
        }
        // The scenario itself, too.
        let o = validate(Path::new(&path));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(why), "{path}: {err}");
    }
}

#[test]
fn a_csv_larger_than_the_cap_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // A sparse file: 1 GiB + 1 byte of zeros, taking no disk space.
    let big = std::fs::File::create(dir.path().join("big.csv")).unwrap();
    big.set_len((1 << 30) + 1).unwrap();
    drop(big);
    let file = dir.path().join("big.yaml");
    std::fs::write(&file, with_trace("big.csv")).unwrap();
    let o = validate(&file);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("at most 1 GiB is read"), "{err}");
}

#[test]
fn a_scenario_larger_than_the_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.yaml");
    let mut text = String::from("name: big\nhorizon: 1d\n");
    while text.len() <= 4 << 20 {
        text.push_str("# padding padding padding padding padding padding padding\n");
    }
    std::fs::write(&file, text).unwrap();
    let o = validate(&file);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("at most 4 MiB is read"), "{err}");
}

#[test]
fn a_csv_or_readme_opened_as_the_scenario_is_not_printed() {
    for (file, marker) in [
        ("secret_cell.csv", "sk-live"),
        ("not_a_scenario.md", "PRIVATE-MARKER"),
    ] {
        let o = validate(&Path::new(DATA).join(file));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{file}: {err}");
        assert!(!err.contains(marker), "{file}: {err}");
        assert_bounded(&err);
    }
}

#[test]
fn a_scenario_that_is_not_utf8_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bin.yaml");
    std::fs::write(&file, b"name: x\nhorizon: 1d\nseed: \xff\xfe\n").unwrap();
    let o = validate(&file);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bin.yaml:3"), "{err}");
    assert!(err.contains("UTF-8"), "{err}");
}

#[test]
fn the_input_file_helper_refuses_what_it_must() {
    use labelsim::scenario::read_input_file;
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p.yaml");
    std::fs::write(&f, "- {name: open}\n").unwrap();
    assert_eq!(read_input_file(&f, 100).unwrap(), b"- {name: open}\n");
    let err = read_input_file(&f, 4).unwrap_err();
    assert!(
        err.contains("p.yaml") && err.contains("at most 4 bytes"),
        "{err}"
    );
    let err = read_input_file(dir.path(), 100).unwrap_err();
    assert!(err.contains("folder"), "{err}");
}

// ---- 2. Nesting and expansion: refused before the YAML parser sees them.

fn validate_text(text: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("deep.yaml");
    std::fs::write(&file, text).unwrap();
    labelsim_within(
        Duration::from_secs(10),
        &["validate", file.to_str().unwrap()],
        &[],
    )
}

#[test]
fn deeply_nested_flow_collections_are_refused_at_once() {
    let n = 100_000;
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let text = format!(
            "name: deep\nhorizon: 1d\nsweep: {}{}\n",
            open.repeat(n),
            close.repeat(n)
        );
        let o = validate_text(&text);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("deep.yaml:3"), "{err}");
        assert!(err.contains("nested deeper than 64 levels"), "{err}");
        assert_bounded(&err);
    }
}

#[test]
fn deeply_indented_blocks_are_refused_with_their_line() {
    let mut text = String::from("name: deep\nhorizon: 1d\nsweep:\n");
    for i in 0..200 {
        text.push_str(&format!("{}k{i}:\n", " ".repeat(2 * (i + 1))));
    }
    let o = validate_text(&text);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("nested deeper than 64 levels"), "{err}");
    // `sweep` is level 1, its k0 level 2, ... k63 is level 65, on line 67.
    assert!(err.contains("deep.yaml:67:"), "{err}");
}

#[test]
fn aliases_that_expand_beyond_reason_are_refused() {
    let n = 200_000;
    let text = format!(
        "name: bomb\nhorizon: 1d\nsweep:\n  a: &a [{}]\n  b: [{}]\n",
        "0,".repeat(n),
        "*a,".repeat(n)
    );
    let o = validate_text(&text);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("more than 1000000 values"), "{err}");
}

// ---- 3. Numbers: a value out of range is refused with its range, never
// changed silently.

fn in_dir(files: &[(&str, &str)], text: &str) -> Result<Scenario, ScenarioError> {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    load(text, dir.path())
}

fn base(extra: &str) -> String {
    format!("name: t\nhorizon: 1d\n{extra}")
}

#[test]
fn an_empirical_time_beyond_the_clock_is_refused_not_zeroed() {
    for cell in ["1e308", "4000000000", "40000d"] {
        let err = in_dir(
            &[("e.csv", &format!("seconds\n1\n{cell}\n"))],
            &with_empirical("e.csv", "seconds"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("e.csv line 3, column `seconds`"), "{err}");
        assert!(err.contains("100 years"), "{cell}: {err}");
    }
}

#[test]
fn trace_times_beyond_the_clock_or_with_huge_years_are_refused() {
    for cell in [
        "99999999999-01-01T00:00:00Z",
        "9223372036854775807-01-01T00:00:00Z",
        "1e300",
        "2200-01-01T00:00:00Z",
    ] {
        let err = in_dir(
            &[("t.csv", &format!("timestamp\n{cell}\n"))],
            &with_trace("t.csv"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("t.csv line 2, column `timestamp`"), "{err}");
        assert!(
            err.contains("year must be from 1 to 9999") || err.contains("100 years"),
            "{cell}: {err}"
        );
    }
}

#[test]
fn a_date_that_does_not_exist_is_refused_not_moved() {
    let err = in_dir(
        &[("t.csv", "timestamp\n2026-02-31T00:00:00Z\n")],
        &with_trace("t.csv"),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("February 2026 has 28 days"), "{err}");
    let err = load_err(&base("start_at: 2026-04-31T00:00:00Z\n"));
    assert!(
        err.contains("start_at: ") && err.contains("April 2026 has 30 days"),
        "{err}"
    );
}

#[test]
fn a_worker_count_beyond_the_maximum_is_refused_not_clamped() {
    let err = load_err(&base(
        "workers:\n  - count: 1000000000\n    service_time: {dist: constant, value: 1m}\n",
    ));
    assert!(
        err.contains("t.yaml:4: workers[0].count: 1000000000 is above the maximum of 10000000 workers in a group"),
        "{err}"
    );
}

#[test]
fn k_and_n_beyond_the_counters_are_refused_even_when_lenient() {
    for (key, field) in [
        (
            "max_concurrent_task_count: 10000000000",
            "job.max_concurrent_task_count",
        ),
        (
            "workers_per_object: 10000000000\n  max_concurrent_task_count: 5000",
            "job.workers_per_object",
        ),
    ] {
        let text = base(&format!("job:\n  {key}\n"));
        let err = Scenario::from_str(
            &text,
            "t.yaml",
            Path::new(DATA),
            LoadOptions { lenient: true },
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(field) && err.contains("at most 4294967295"),
            "{err}"
        );
    }
}

#[test]
fn nan_and_infinity_are_called_what_they_are() {
    let cases = [
        ("workers[0].decline_probability", "workers:\n  - count: 1\n    decline_probability: .nan\n    service_time: {dist: constant, value: 1m}\n"),
        ("workers[0].service_time.sigma", "workers:\n  - count: 1\n    service_time: {dist: lognormal, median: 1m, sigma: .nan}\n"),
        ("workers[0].speed.spread", "workers:\n  - count: 1\n    service_time: {dist: constant, value: 1m}\n    speed: {spread: .nan}\n"),
        ("producers[0].duplicates.sns_redelivery", "producers:\n  - {kind: poisson, rate: 1/h, duplicates: {sns_redelivery: .inf}}\n"),
        ("producers[0].peak_hour", "producers:\n  - {kind: diurnal, mean_rate: 1/h, peak_hour: .nan}\n"),
        ("producers[0].amplitude", "producers:\n  - {kind: diurnal, mean_rate: 1/h, amplitude: -.inf}\n"),
        ("producers[0].rate", "producers:\n  - {kind: poisson, rate: nan/h}\n"),
        ("cost.per_task", "cost: {per_task: .nan}\n"),
        ("throttle.high", "throttle: {policy: backlog_threshold, high: .nan, low: 1}\n"),
    ];
    for (field, extra) in cases {
        let err = load_err(&base(extra));
        assert!(
            err.contains(&format!("{field}: must be a finite number")),
            "{field}: {err}"
        );
        assert!(!err.contains("negative"), "{field}: {err}");
    }
    let err = in_dir(
        &[("e.csv", "seconds\nNaN\n")],
        &with_empirical("e.csv", "seconds"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("must be a finite number") && !err.contains("negative"),
        "{err}"
    );
}

#[test]
fn durations_beyond_a_hundred_years_are_refused() {
    for extra in [
        "job:\n  stop_at: 36526d\n",
        "job:\n  idle_timeout: 9999999999999999999s\n",
        "metrics: {period: 200000000000h}\n",
    ] {
        let err = load_err(&base(extra));
        assert!(err.contains("longer than 100 years"), "{extra}: {err}");
    }
    let err = load_err("name: t\nhorizon: 36526d\n");
    assert!(
        err.contains("t.yaml:2: horizon: ") && err.contains("longer than 100 years"),
        "{err}"
    );
}

#[test]
fn throttle_thresholds_are_whole_and_a_bucket_holds_a_message() {
    let err = load_err(&base(
        "throttle: {policy: backlog_threshold, high: 2.5, low: 1e30}\n",
    ));
    assert!(
        err.contains("throttle.high: must be a whole number, got 2.5"),
        "{err}"
    );
    assert!(
        err.contains("throttle.low: ") && err.contains("too large"),
        "{err}"
    );
    let err = load_err(&base(
        "throttle: {policy: token_bucket, rate: 1/s, burst: 0.5}\n",
    ));
    assert!(
        err.contains("throttle.burst: 0.5 must be at least 1"),
        "{err}"
    );
}

#[test]
fn a_zero_scale_is_refused_not_raised_to_a_microsecond() {
    for (dist, key) in [
        ("{dist: lognormal, median: 0s, sigma: 1}", "median"),
        ("{dist: gamma, mean: 0s, cv: 1}", "mean"),
        ("{dist: weibull, shape: 1, scale: 0s}", "scale"),
    ] {
        let err = load_err(&base(&format!(
            "workers:\n  - count: 1\n    service_time: {dist}\n"
        )));
        assert!(
            err.contains(&format!("workers[0].service_time.{key}: must be positive")),
            "{dist}: {err}"
        );
    }
}

#[test]
fn rates_faster_than_the_clock_are_refused() {
    let err = load_err(&base("producers:\n  - {kind: poisson, rate: 2000000/s}\n"));
    assert!(
        err.contains("producers[0].rate") && err.contains("at most 1000000/s"),
        "{err}"
    );
}

#[test]
fn more_producers_or_worker_groups_than_the_model_can_index_are_refused() {
    let n = 65_536;
    let text = base(&format!(
        "producers: [&p {{kind: manifest, count: 0}}{}]\nworkers: [&w {{count: 0, service_time: {{dist: constant, value: 1m}}}}{}]\n",
        ",*p".repeat(n - 1),
        ",*w".repeat(n - 1)
    ));
    let start = Instant::now();
    let err = load_err(&text);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        err.contains("t.yaml:3: producers: 65536 producers; at most 65535"),
        "{err}"
    );
    assert!(
        err.contains("t.yaml:4: workers: 65536 worker groups; at most 65535"),
        "{err}"
    );
}

// ---- 4. Every structural problem at once, each with its field and line,
// in words a user knows.

/// serde's and the YAML library's words, which a user should never see.
const JARGON: &[&str] = &[
    "invalid type",
    "expected i64",
    "expected u64",
    "expected u32",
    "expected f64",
    "a sequence",
    "a map",
    "untagged enum",
    "unit value",
    "struct ",
];

fn assert_plain_words(err: &str) {
    for j in JARGON {
        assert!(!err.contains(j), "`{j}` in: {err}");
    }
}

#[test]
fn every_misspelled_key_is_reported_with_a_suggestion() {
    let err = load_err(
        "name: t\nhorizon: 1d\njob:\n  max_concurent_task_count: 10\nworkers:\n  - count: 2\n    sevice_time: {dist: constant, value: 1m}\nmetrics: {perod: 1m}\n",
    );
    assert!(err.contains("has 3 problems"), "{err}");
    for want in [
        "t.yaml:4: job.max_concurent_task_count: unknown key `max_concurent_task_count`; did you mean `max_concurrent_task_count`?",
        "t.yaml:7: workers[0].sevice_time: unknown key `sevice_time`; did you mean `service_time`?",
        "t.yaml:8: metrics.perod: unknown key `perod`; did you mean `period`?",
    ] {
        assert!(err.contains(want), "missing `{want}` in: {err}");
    }
}

#[test]
fn type_errors_are_reported_all_at_once_in_plain_words() {
    let text = "\
name: t
seed: -1
horizon: 1d
replications: 2.5
job:
  max_concurrent_task_count: [1]
producers:
  - {kind: poisson, rate: 1/h, duplicates: 0.5}
workers:
  - count: ten
    decline_probability: low
    service_time: {dist: constant, value: 1m}
output: {sla: 10m}
";
    let err = load_err(text);
    assert_plain_words(&err);
    for want in [
        "t.yaml:2: seed: must be a whole number from 0 to 18446744073709551615, got -1",
        "t.yaml:4: replications: must be a whole number, got 2.5",
        "t.yaml:6: job.max_concurrent_task_count: must be a whole number, got a list",
        "t.yaml:8: producers[0].duplicates: must be a section (key: value pairs), got 0.5",
        "t.yaml:10: workers[0].count: must be a whole number or a schedule such as",
        "t.yaml:11: workers[0].decline_probability: must be a number, got \"low\"",
        "t.yaml:13: output.sla: must be a list, got \"10m\"",
    ] {
        assert!(err.contains(want), "missing `{want}` in: {err}");
    }
    assert!(err.contains("has 7 problems"), "{err}");
}

#[test]
fn structural_and_semantic_problems_are_reported_together() {
    let err = load_err(
        "name: t\nhorizon: 1d\njob:\n  max_concurrent_task_count: 0\n  refil_rule: lifo\n  task_time_limit: forever\nproducers:\n  - {kind: poisson, rat: 10/h}\n",
    );
    for want in [
        "t.yaml:4: job.max_concurrent_task_count: 0 must be at least 1",
        "t.yaml:5: job.refil_rule: unknown key `refil_rule`; did you mean `refill_rule`?",
        "t.yaml:6: job.task_time_limit: `forever` is not a duration",
        "t.yaml:8: producers[0].rat: unknown key `rat`; did you mean `rate`?",
        "t.yaml:8: producers[0].rate: is required",
    ] {
        assert!(err.contains(want), "missing `{want}` in: {err}");
    }
}

#[test]
fn every_missing_required_field_is_named() {
    let err = load_err(
        "horizon: 1d\nproducers:\n  - {rate: 1/h}\nworkers:\n  - {service_time: {mean: 1m}}\n",
    );
    assert_plain_words(&err);
    for want in [
        // A missing top-level key: at the mapping that lacks it, line 1.
        "t.yaml:1: name: is required",
        "t.yaml:3: producers[0].kind: is required",
        "t.yaml:5: workers[0].count: is required",
        "t.yaml:5: workers[0].service_time.dist: is required",
    ] {
        assert!(err.contains(want), "missing `{want}` in: {err}");
    }
}

#[test]
fn odd_shapes_are_explained_not_reported_as_serde_types() {
    let text = "\
name: t
horizon: [1d]
workers:
  - count: 1
    service_time: {dist: constant, value: 1m}
    shifts: {days: mon}
throttle: fixed_rate
cost: {per_object: cheap}
start_at: !when 2026-01-05T00:00:00Z
";
    let err = load_err(text);
    assert_plain_words(&err);
    for want in [
        "t.yaml:2: horizon: must be a single value such as `90s`, `10/h` or `09:00`, got a list",
        "t.yaml:6: workers[0].shifts: must be `always` or a list of shifts",
        "t.yaml:7: throttle: must be a section (key: value pairs), got \"fixed_rate\"",
        "t.yaml:8: cost.per_object: must be a price or a list of tiers",
        "t.yaml:9: start_at: YAML tags such as `!when` are not used by labelsim",
    ] {
        assert!(err.contains(want), "missing `{want}` in: {err}");
    }
}

#[test]
fn the_number_of_reported_problems_is_bounded() {
    let mut text = String::from("name: t\nhorizon: 1d\n");
    for i in 0..5000 {
        text.push_str(&format!("unknown_{i}: 1\n"));
    }
    let start = Instant::now();
    let err = load_err(&text);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert!(err.contains("has 5000 problems"), "{}", &err[..200]);
    assert!(err.contains("and 4950 more"), "{}", &err[err.len() - 300..]);
    assert!(err.lines().count() < 60);
}

#[test]
fn a_key_given_twice_is_named_with_its_section() {
    let err = load_err("name: t\nhorizon: 1d\njob:\n  mode: batch\n  mode: streaming\n");
    assert!(err.contains("job.mode: is given twice; keep one"), "{err}");
    assert_plain_words(&err);
}

// Issue 18: crashes, spins and silently changed values.

#[test]
fn a_bare_date_in_a_sql_or_iso8601_column_is_refused_not_a_panic() {
    for format in ["sql", "iso8601"] {
        for kind in ["trace", "counts"] {
            let text = format!(
                "name: t\nhorizon: 1d\nstart_at: auto\nproducers:\n  - {{name: r, kind: {kind}, csv: t.csv, column: timestamp, time_format: {format}}}\n"
            );
            let err = in_dir(&[("t.csv", "timestamp,count\n2026-01-05,3\n")], &text)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("t.csv line 2, column `timestamp`") && err.contains(format),
                "{kind} {format}: {err}"
            );
        }
    }
    // `validate` too: exit 2 with the message, never a panic (101).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "timestamp\n2026-01-05\n").unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(
        &file,
        "name: t\nhorizon: 1d\nstart_at: auto\nproducers:\n  - {name: r, kind: trace, csv: t.csv, time_format: sql}\n",
    )
    .unwrap();
    let out = validate(&file);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("line 2"), "{}", stderr(&out));
}

#[test]
fn a_throughput_of_zero_is_refused_not_the_default() {
    let err = load_err(&base(
        "pipeline:\n  queues:\n    - {name: q, type: fifo, throughput: 0/s}\n",
    ));
    assert!(
        err.contains("throughput") && err.contains("at least 1/s"),
        "{err}"
    );
}

#[test]
fn a_zero_throttle_backoff_is_refused_not_a_retry_at_the_same_instant_forever() {
    let text = base(
        "producers:\n  - {name: p, kind: poisson, rate: 1000/s, to: q}\npipeline:\n  queues:\n    - {name: q, type: fifo, throughput: 1/s, throttle_backoff: 0s}\n",
    );
    let err = load_err(&text);
    assert!(
        err.contains("pipeline.queues[0].throttle_backoff") && err.contains("must be positive"),
        "{err}"
    );
    // `run` stops at validation (exit 2) instead of spinning.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(&file, &text).unwrap();
    let out = labelsim_within(
        Duration::from_secs(20),
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Runs the binary with stderr closed (`2>&-`) or on /dev/full.
fn with_stderr(args: &[&str], closed: bool) -> std::process::ExitStatus {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_labelsim"));
    cmd.args(args).stdout(Stdio::null());
    if closed {
        // SAFETY: only async-signal-safe `close` between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                libc_close(2);
                Ok(())
            });
        }
    } else {
        cmd.stderr(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        );
    }
    cmd.status().expect("run labelsim")
}

extern "C" {
    #[link_name = "close"]
    fn libc_close(fd: i32) -> i32;
}

#[test]
fn a_closed_or_full_stderr_keeps_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "name: t\nhorizon: 1x\n").unwrap();
    let warn = dir.path().join("warn.yaml");
    // A scenario that loads with a warning (written to stderr).
    std::fs::write(&warn, "name: t\nhorizon: 1h\nworkers:\n  - count: 1\n    service_time: {dist: constant, value: 1m}\n").unwrap();
    for closed in [true, false] {
        let s = with_stderr(&["validate", bad.to_str().unwrap()], closed);
        assert_eq!(s.code(), Some(2), "closed {closed}: an error");
        let s = with_stderr(&["validate", warn.to_str().unwrap()], closed);
        assert_eq!(s.code(), Some(0), "closed {closed}: valid");
        let s = with_stderr(&["run", "--no-such-flag"], closed);
        assert_eq!(s.code(), Some(2), "closed {closed}: a usage error");
        // Success with a warning on stderr (`only 3 durations`).
        let few = dir.path().join("few.csv");
        std::fs::write(&few, "10\n12\n15\n").unwrap();
        let out = dir.path().join(format!("fit-{closed}"));
        let s = with_stderr(
            &["fit", few.to_str().unwrap(), "--out", out.to_str().unwrap()],
            closed,
        );
        assert_eq!(s.code(), Some(0), "closed {closed}: a warning");
    }
}

fn with_service_time(dist: &str) -> String {
    base(&format!(
        "workers:\n  - count: 1\n    service_time: {dist}\n"
    ))
}

#[test]
fn distributions_that_make_no_sense_on_the_clock_are_refused_with_the_range() {
    for (dist, field, says) in [
        // Every draw 0 µs.
        (
            "{dist: gamma, mean: 1m, cv: 1e10}",
            "service_time.cv",
            "cv must be at most",
        ),
        // Every task infinite.
        (
            "{dist: lognormal, median: 1m, sigma: 1e308}",
            "service_time.sigma",
            "sigma must be at most",
        ),
        (
            "{dist: weibull, shape: 1e-300, scale: 1m}",
            "service_time.shape",
            "shape must be at least",
        ),
        // Not rand_distr's `scale is not positive`.
        (
            "{dist: gamma, mean: 1m, cv: 1e-200}",
            "service_time.cv",
            "dist: constant",
        ),
    ] {
        let err = load_err(&with_service_time(dist));
        assert!(err.contains(field) && err.contains(says), "{dist}: {err}");
        assert!(
            !err.contains("not positive") && !err.contains("e307"),
            "{dist}: {err}"
        );
        assert_bounded(&err);
    }
    // The bound given is the edge: just inside loads.
    let err = load_err(&with_service_time(
        "{dist: lognormal, median: 1m, sigma: 8}",
    ));
    assert!(err.contains("longer than 100 years"), "{err}");
    assert!(load(
        &with_service_time("{dist: lognormal, median: 1m, sigma: 5}"),
        Path::new(DATA)
    )
    .is_ok());
    // Many draws at 0 µs, but not most: a warning.
    let s = load(
        &with_service_time("{dist: gamma, mean: 1m, cv: 3}"),
        Path::new(DATA),
    )
    .unwrap();
    let w: Vec<String> = s.warnings.iter().map(|w| w.message.clone()).collect();
    assert!(
        w.iter()
            .any(|m| m.contains("% of draws below half a microsecond")),
        "{w:?}"
    );
}

#[test]
fn sub_microsecond_durations_are_refused_not_rounded() {
    for (d, cut) in [("0.4us", "0us"), ("1.5us", "1us"), ("1500ns", "1us")] {
        let err = load_err(&with_service_time(&format!(
            "{{dist: constant, value: {d}}}"
        )));
        assert!(
            err.contains("below a microsecond") && err.contains(&format!("cut to {cut}")),
            "{d}: {err}"
        );
    }
}

fn team_scenario(dir: &Path) -> String {
    let file = dir.join("s.yaml");
    std::fs::write(
        &file,
        "name: t\nhorizon: 1h\nproducers:\n  - {name: p, kind: poisson, rate: 10/h}\nworkers:\n  - name: team\n    count: 2\n    service_time: {dist: constant, value: 1m}\n",
    )
    .unwrap();
    file.to_str().unwrap().to_string()
}

#[test]
fn one_field_varied_or_set_twice_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = team_scenario(dir.path());
    let out = dir.path().join("o");
    let o = out.to_str().unwrap();
    for (args, says) in [
        // Two spellings of one field.
        (
            vec![
                "sweep",
                &s,
                "--vary",
                "workers[team].count=1,2",
                "--vary",
                "workers[0].count=4,5",
                "--out",
                o,
            ],
            "`workers[team].count` and `workers[0].count`: one field varied twice",
        ),
        // The same path twice: the first list was dropped.
        (
            vec![
                "sweep",
                &s,
                "--vary",
                "workers[0].count=1,2",
                "--vary",
                "workers[0].count=4,5",
                "--out",
                o,
            ],
            "`workers[0].count`: one field varied twice",
        ),
        // One inside the other.
        (
            vec![
                "sweep",
                &s,
                "--vary",
                "workers[0].count=1,2",
                "--vary",
                "workers[team]={count: 3, service_time: {dist: constant, value: 1m}}",
                "--out",
                o,
            ],
            "one field varied twice",
        ),
        (
            vec![
                "run",
                &s,
                "--set",
                "workers[team].count=1",
                "--set",
                "workers[0].count=4",
                "--out",
                o,
            ],
            "--set `workers[team].count` and `workers[0].count` set the same field",
        ),
    ] {
        let r = labelsim_within(Duration::from_secs(30), &args, &[]);
        assert_eq!(r.status.code(), Some(2), "{args:?}: {}", stderr(&r));
        assert!(stderr(&r).contains(says), "{args:?}: {}", stderr(&r));
        assert!(!out.exists(), "{args:?}: partial output");
    }
}

#[test]
fn worker_group_names_are_unique_as_producer_names_are() {
    let group = |name: &str| {
        format!("  - {{{name}count: 1, service_time: {{dist: constant, value: 1m}}}}\n")
    };
    let err = load_err(&base(&format!(
        "workers:\n{}{}",
        group("name: team, "),
        group("name: team, ")
    )));
    assert!(
        err.contains("workers[1].name") && err.contains("`team` is used by two worker groups"),
        "{err}"
    );
    // Unnamed groups are `group<i>`: a group named `group0` beside an
    // unnamed first group is the same name.
    let err = load_err(&base(&format!(
        "workers:\n{}{}",
        group(""),
        group("name: group0, ")
    )));
    assert!(
        err.contains("`group0` is used by two worker groups"),
        "{err}"
    );
    // Unnamed groups alone are fine, as unnamed producers are.
    let s = load(
        &base(&format!("workers:\n{}{}", group(""), group(""))),
        Path::new(DATA),
    )
    .unwrap();
    let names: Vec<&str> = s.sim.workers.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["group0", "group1"]);
}

#[test]
fn a_comparison_of_one_replication_says_it_has_no_interval() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.yaml");
    std::fs::write(
        &file,
        "name: t\nhorizon: 2h\nproducers:\n  - {name: p, kind: poisson, rate: 60/h}\nworkers:\n  - {name: team, count: 2, service_time: {dist: exponential, mean: 2m}}\n\
         compare:\n  - {name: a, throttle: {policy: fixed_rate, rate: 200/h}}\n  - {name: b, throttle: {policy: fixed_rate, rate: 30/h}}\n",
    )
    .unwrap();
    let out = dir.path().join("o");
    let o = labelsim_within(
        Duration::from_secs(60),
        &[
            "compare",
            file.to_str().unwrap(),
            "--replications",
            "1",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    let shown = String::from_utf8_lossy(&o.stdout).into_owned() + &md;
    assert!(!shown.contains("± 0") && !shown.contains('±'), "{shown}");
    assert!(md.contains("no confidence interval"), "{md}");
}

#[test]
fn messages_are_in_labelsims_words_not_its_libraries() {
    // `1e308s`: an exponent, not the unit `e`.
    let err = load_err("name: t\nhorizon: 1e308s\n");
    assert!(
        err.contains("100 years") && !err.contains("unknown unit"),
        "{err}"
    );
    let err = load_err("name: t\nhorizon: 1e3s\n");
    assert!(
        err.contains("no exponent") && !err.contains("unknown unit"),
        "{err}"
    );
    // `replications: 0` is refused with the range that is accepted.
    let err = load_err("name: t\nhorizon: 1d\nreplications: -1\n");
    assert!(err.contains("from 1 to 4294967295"), "{err}");
    // An alias bomb small enough for the expansion check: the parser's
    // `repetition limit exceeded`, in our words.
    let ten = |x: &str| [x; 10].join(", ");
    let text = format!(
        "name: bomb\nhorizon: 1d\nsweep:\n  a: &a [{}]\n  b: &b [{}]\n  c: &c [{}]\n  d: &d [{}]\n  e: [{}]\n",
        ten("1"),
        ten("*a"),
        ten("*b"),
        ten("*c"),
        ten("*d")
    );
    let err = load_err(&text);
    assert!(
        err.contains("aliases") && !err.contains("repetition limit"),
        "{err}"
    );
    // A --set value of 10,000 characters is not echoed whole.
    let dir = tempfile::tempdir().unwrap();
    let s = team_scenario(dir.path());
    let long = format!("workers[team].service_time={}", "x".repeat(10_000));
    let o = labelsim_within(
        Duration::from_secs(30),
        &[
            "run",
            &s,
            "--set",
            &long,
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!stderr(&o).contains(&"x".repeat(200)), "{}", stderr(&o));
    assert_bounded(&stderr(&o));
    // A misspelt list key is named as such, with the key meant.
    let file = dir.path().join("p.yaml");
    std::fs::write(
        &file,
        "name: t\nhorizon: 1h\nproducers:\n  - {name: p, kind: poisson, rate: 10/h, to: incoming}\npipeline:\n  queues: [{name: incoming}]\n",
    )
    .unwrap();
    let o = labelsim_within(
        Duration::from_secs(30),
        &[
            "run",
            file.to_str().unwrap(),
            "--set",
            "pipeline.queue[incoming].retention=1d",
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unknown key `queue`, did you mean `queues`?"),
        "{}",
        stderr(&o)
    );
}

// ---- Issue 18 item 13: a first line is named as columns only when it
// looks like a CSV header (a delimiter, short names).

/// Three files whose first line is a secret: a one-line token, a `.env`
/// line, an OpenSSH private key. `secret` is what must never be printed.
fn secret_first_lines() -> [(&'static str, &'static str, &'static [&'static str]); 3] {
    [
        (
            "token.csv",
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a\n",
            &["ghp_16C7e42F292c6912E7710c838347Ae178B4a", "ghp_16C7"],
        ),
        (
            "env.csv",
            "OPENAI_API_KEY=sk-proj-abc123def456\nX=1\n",
            &["OPENAI_API_KEY", "sk-proj-abc123def456"],
        ),
        (
            "key.csv",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n",
            &["BEGIN OPENSSH", "b3BlbnNzaC1rZXkt", "END OPENSSH"],
        ),
    ]
}

#[test]
fn a_first_line_that_is_a_secret_is_never_named_as_columns() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, secrets) in secret_first_lines() {
        let csv = dir.path().join(name);
        std::fs::write(&csv, text).unwrap();
        let scen = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&scen, with_trace(csv.to_str().unwrap())).unwrap();
        let csv = csv.to_str().unwrap();
        for args in [
            vec!["validate", scen.to_str().unwrap()],
            vec!["fit", csv, "--column", "seconds"],
            vec!["fit", csv],
        ] {
            let o = labelsim_within(Duration::from_secs(20), &args, &[]);
            let (out, err) = (String::from_utf8_lossy(&o.stdout), stderr(&o));
            assert_ne!(o.status.code(), Some(0), "{args:?}: {out}{err}");
            for s in secrets {
                assert!(
                    !err.contains(s) && !out.contains(s),
                    "{args:?} printed `{s}`: {err}{out}"
                );
            }
            assert_bounded(&err);
        }
    }
}

#[test]
fn a_real_header_is_still_named_when_a_column_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.csv"), "time,count\n0,1\n").unwrap();
    let err = load(&with_trace("t.csv"), dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("(columns: time, count)"), "{err}");
    let o = labelsim_within(
        Duration::from_secs(20),
        &[
            "fit",
            dir.path().join("t.csv").to_str().unwrap(),
            "--column",
            "seconds",
        ],
        &[],
    );
    assert!(
        stderr(&o).contains("(columns: time, count)"),
        "{}",
        stderr(&o)
    );
}

/// Issue 18 item 8: a file of NUL bytes named as a trace is refused at its
/// first 64 KiB line, not buffered whole (300 MB of NUL bytes took 1.6 GB
/// to say "no column").
#[test]
fn a_csv_of_one_endless_line_is_refused_without_reading_it_whole() {
    let time = Path::new("/usr/bin/time");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nul.csv"), vec![0u8; 64 << 20]).unwrap();
    for text in [with_trace("nul.csv"), with_empirical("nul.csv", "x")] {
        let scen = dir.path().join("nul.yaml");
        std::fs::write(&scen, text).unwrap();
        if !time.exists() {
            eprintln!("peak memory not measured: /usr/bin/time (GNU time) not found");
            let o = validate(&scen);
            assert!(stderr(&o).contains("longer than 64 KiB"), "{}", stderr(&o));
            continue;
        }
        let o = Command::new(time)
            .args(["-f", "PEAK_KIB=%M"])
            .arg(env!("CARGO_BIN_EXE_labelsim"))
            .args(["validate", scen.to_str().unwrap()])
            .output()
            .unwrap();
        let err = stderr(&o);
        assert!(
            err.contains("nul.csv line 1 is longer than 64 KiB")
                || err.contains("line 1 is longer than 64 KiB"),
            "{err}"
        );
        let kib: u64 = err
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("PEAK_KIB="))
            .and_then(|v| v.trim().parse().ok())
            .expect("peak");
        assert!(kib < 48 * 1024, "peak {} MiB", kib / 1024);
    }
}

/// A parameter of another distribution is an error at its line, every one
/// at once (a fuzz audit found `sigma` beside `dist: exponential`, and
/// `max` beside `dist: constant`, accepted and ignored).
#[test]
fn a_parameter_of_another_distribution_is_refused_at_its_line() {
    let e = load_err(
        "name: x\nhorizon: 1d\nproducers: [{name: p, kind: poisson, rate: 1/h}]\nworkers:\n  - count: 1\n    service_time: {dist: exponential, mean: 6m, sigma: 2}\n  - count: 1\n    service_time: {dist: constant, value: 1m, max: 2m}\n",
    );
    assert!(
        e.contains(":6: workers[0].service_time.sigma: is not a parameter of `dist: exponential`, which takes `mean`"),
        "{e}"
    );
    assert!(
        e.contains(":8: workers[1].service_time.max: is not a parameter of `dist: constant`"),
        "{e}"
    );
}

/// A key of another kind's arrival process is an error at its line (a
/// fuzz audit found a `profile` beside `kind: poisson` run at the poisson
/// rate, and `peak_hour` beside a diurnal `profile` ignored).
#[test]
fn a_key_of_another_producer_kind_is_refused_at_its_line() {
    let e = load_err(
        "name: x\nhorizon: 1d\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}}]\nproducers:\n  - {name: p, kind: poisson, rate: 10/h, profile: [{at: \"00:00\", rate: 1000/h}]}\n  - {name: d, kind: diurnal, profile: [{at: \"00:00\", rate: 1/h}], peak_hour: 3}\n  - {name: m, kind: manifest, count: 5, every: 1h}\n",
    );
    for want in [
        ":5: producers[0].profile: does not apply to a `poisson` producer",
        ":6: producers[1].peak_hour: does not apply to a `diurnal` producer",
        ":7: producers[2].every: does not apply to a `manifest` producer",
    ] {
        assert!(e.contains(want), "{want}\n{e}");
    }
}

/// `shifts: []` (never on shift) is warned of at its line, as an empty
/// `workers:` is.
#[test]
fn an_empty_shift_list_is_warned_of() {
    let s = load(
        "name: x\nhorizon: 1d\nproducers: [{name: p, kind: poisson, rate: 1/h}]\nworkers:\n  - count: 1\n    service_time: {dist: constant, value: 1m}\n    shifts: []\n",
        Path::new(DATA),
    )
    .expect("a warning, not an error");
    assert!(
        s.warnings.iter().any(|w| w.field == "workers[0].shifts"
            && w.line == Some(7)
            && w.message.contains("never on shift")),
        "{:?}",
        s.warnings
    );
}

/// A top-level key given twice is said at its second line, not at the
/// document's first (the parser names where the mapping starts).
#[test]
fn a_top_level_key_given_twice_is_named_at_its_second_line() {
    let e = load_err(
        "name: m\nhorizon: 1d\nproducers:\n  - {name: p, kind: poisson, rate: 10/h}\nworkers:\n  - {name: w, count: 2, service_time: {dist: exponential, mean: 6m}}\nhorizon: 2d\n",
    );
    assert!(e.contains(":7: horizon: is given twice"), "{e}");
}
