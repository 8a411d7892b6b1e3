//! Issue 11, the user's own data in: trace timestamps as epoch seconds or
//! milliseconds and SQL times, `start_at: auto`, aggregated `counts`
//! (CloudWatch `NumberOfMessagesSent`), `scale`, and weekly profiles.
//!
//! Exact expectations where the model is exact (a timestamp's instant, the
//! calendar `auto` picks, ⌊s⌋ copies per trace row, no arrival where the
//! rate is 0); Poisson counts elsewhere, allowed 4 standard errors (a
//! correct model fails with probability < 0.01%, a rate off by a few
//! percent is caught), as in `tests/producers.rs`.

use labelsim::budget::estimate_run;
use labelsim::engine::StreamSeeds;
use labelsim::model::{simulate, simulate_traced, TraceKind};
use labelsim::scenario::{LoadOptions, Scenario, ScenarioError, Severity};

const H: f64 = 3_600.0;
const D: f64 = 24.0 * H;
/// 2026-03-02T09:00:00Z (a Monday) in Unix epoch seconds.
const MAR2_9H: u64 = 1_772_442_000;

/// Loads `yaml` in a fresh folder holding `files`.
fn load_in(files: &[(&str, String)], yaml: &str) -> Result<Scenario, ScenarioError> {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    Scenario::from_str(yaml, "test.yaml", dir.path(), LoadOptions::default())
}

fn ok(files: &[(&str, String)], yaml: &str) -> Scenario {
    load_in(files, yaml).unwrap_or_else(|e| panic!("{e}"))
}

fn err(files: &[(&str, String)], yaml: &str) -> String {
    match load_in(files, yaml) {
        Ok(_) => panic!("accepted:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

/// Times [s] of the messages the job accepted (replication 0).
fn accepted(s: &Scenario) -> Vec<f64> {
    let out = simulate_traced(&s.sim, StreamSeeds::for_replication(s.seed, 0)).unwrap();
    out.trace
        .iter()
        .filter(|r| r.kind == TraceKind::Accepted)
        .map(|r| r.t.as_secs_f64())
        .collect()
}

fn within_poisson(what: &str, observed: usize, expected: f64) {
    let z = (observed as f64 - expected) / expected.sqrt();
    eprintln!("{what}: {observed} vs {expected:.0} (z = {z:.2})");
    assert!(
        z.abs() < 4.0,
        "{what}: {observed} vs {expected:.0}, z = {z:.2}"
    );
}

fn count_in(t: &[f64], from: f64, to: f64) -> usize {
    t.iter().filter(|&&x| x >= from && x < to).count()
}

/// A scenario around one producer (plenty of workers, no initializing).
fn with_producer(extra: &str, producer: &str) -> String {
    format!(
        "name: t\nseed: 3\nhorizon: {}\njob: {{initializing: 0s}}\nproducers:\n  - {producer}\nworkers: [{{count: 2000, service_time: {{dist: constant, value: 1s}}}}]\n",
        extra
    )
}

fn trace_file(cells: &[String]) -> (&'static str, String) {
    ("t.csv", format!("timestamp\n{}\n", cells.join("\n")))
}

#[test]
fn epoch_seconds_milliseconds_sql_and_iso_times_are_the_same_instants() {
    let secs = [MAR2_9H, MAR2_9H + 90, MAR2_9H + 3600];
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("epoch_s", secs.iter().map(|s| s.to_string()).collect()),
        (
            "epoch_ms",
            secs.iter().map(|s| format!("{}000", s)).collect(),
        ),
        (
            "sql",
            vec![
                "2026-03-02 09:00:00".into(),
                "2026-03-02 09:01:30".into(),
                // Another offset: the same instant.
                "2026-03-02 12:00:00+02:00".into(),
            ],
        ),
        (
            "iso8601",
            vec![
                "2026-03-02T09:00:00Z".into(),
                "2026-03-02T09:01:30.000Z".into(),
                "2026-03-02T10:00:00Z".into(),
            ],
        ),
        (
            "auto",
            vec![
                "2026-03-02 09:00:00".into(),
                "2026-03-02T09:01:30Z".into(),
                "2026-03-02 10:00:00".into(),
            ],
        ),
    ];
    for (format, cells) in cases {
        let s = ok(
            &[trace_file(&cells)],
            &with_producer(
                "1d\nstart_at: auto",
                &format!("{{name: r, kind: trace, csv: t.csv, time_format: {format}}}"),
            ),
        );
        assert_eq!(
            s.sim.start_at_epoch_us,
            MAR2_9H as i64 * 1_000_000,
            "{format}: the calendar starts at the first timestamp"
        );
        assert_eq!(accepted(&s), vec![0.0, 90.0, 3600.0], "{format}");
        // Against a calendar an hour earlier, each is an hour later.
        let s = ok(
            &[trace_file(&cells)],
            &with_producer(
                "1d\nstart_at: 2026-03-02T08:00:00Z",
                &format!("{{name: r, kind: trace, csv: t.csv, time_format: {format}}}"),
            ),
        );
        assert_eq!(accepted(&s), vec![3600.0, 3690.0, 7200.0], "{format}");
        assert!(s.warnings.is_empty(), "{format}: {:?}", s.warnings);
    }
}

#[test]
fn start_at_auto_takes_the_earliest_timestamp_of_every_file() {
    let trace = trace_file(&["2026-03-02T10:00:00Z".into()]);
    let counts = (
        "c.csv",
        "timestamp,count\n2026-03-02 09:30:00,0\n2026-03-02 09:35:00,0\n".to_string(),
    );
    let s = ok(
        &[trace, counts],
        "name: t\nhorizon: 1d\nstart_at: auto\njob: {initializing: 0s}\nproducers:\n  - {name: a, kind: trace, csv: t.csv}\n  - {name: b, kind: counts, csv: c.csv}\nworkers: [{count: 1, service_time: {dist: constant, value: 1s}}]\n",
    );
    assert_eq!(s.sim.start_at_epoch_us, (MAR2_9H + 1800) as i64 * 1_000_000);
    assert_eq!(accepted(&s), vec![1800.0]);
}

#[test]
fn start_at_auto_needs_calendar_timestamps_and_warns_of_initializing() {
    let e = err(
        &[trace_file(&["60".into(), "1h".into()])],
        "name: t\nhorizon: 1d\nstart_at: auto\nproducers: [{name: r, kind: trace, csv: t.csv}]\n",
    );
    assert!(
        e.contains("test.yaml:3: start_at: `auto` starts the calendar at the earliest timestamp"),
        "{e}"
    );
    // With the default 5 minutes of initializing, the first arrivals are
    // lost (R1): said once, on start_at.
    let s = ok(
        &[trace_file(&["2026-03-02T09:00:00Z".into()])],
        "name: t\nhorizon: 1d\nstart_at: auto\nproducers: [{name: r, kind: trace, csv: t.csv}]\nworkers: [{count: 1, service_time: {dist: constant, value: 1s}}]\n",
    );
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert_eq!(s.warnings[0].field, "start_at");
    assert!(s.warnings[0].message.contains("initializing: 0s"));
}

#[test]
fn epoch_seconds_read_as_offsets_are_warned_about() {
    let cells = [MAR2_9H.to_string(), (MAR2_9H + 60).to_string()];
    let s = ok(
        &[trace_file(&cells)],
        &with_producer("1d", "{name: r, kind: trace, csv: t.csv}"),
    );
    let w: Vec<_> = s
        .warnings
        .iter()
        .filter(|w| w.message.contains("look like Unix epoch seconds"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", s.warnings);
    assert_eq!(w[0].field, "producers[0].csv");
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(
        w[0].message.contains("(2026-03-02T09:00:00Z)")
            && w[0].message.contains("time_format: epoch_s"),
        "{}",
        w[0].message
    );
    // Said outright, it is what the user meant: no warning.
    let s = ok(
        &[trace_file(&cells)],
        &with_producer(
            "1d",
            "{name: r, kind: trace, csv: t.csv, time_format: offset}",
        ),
    );
    assert!(s
        .warnings
        .iter()
        .all(|w| !w.message.contains("look like Unix epoch seconds")));
    // Epoch milliseconds are past the clock's 100 years: refused, with the fix.
    let e = err(
        &[trace_file(&[format!("{MAR2_9H}000")])],
        &with_producer("1d", "{name: r, kind: trace, csv: t.csv}"),
    );
    assert!(
        e.contains("t.csv line 2, column `timestamp`") && e.contains("time_format: epoch_ms"),
        "{e}"
    );
}

#[test]
fn a_trace_or_counts_file_outside_the_horizon_is_a_warning_naming_it() {
    // 2026-02-20 is 46 days after the default start_at (2026-01-05).
    let s = ok(
        &[trace_file(&[
            "2026-02-20T00:00:00Z".into(),
            "2026-02-21T06:00:00Z".into(),
        ])],
        &with_producer("30d", "{name: late, kind: trace, csv: t.csv}"),
    );
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let w = &s.warnings[0];
    assert_eq!(w.field, "producers[0].csv");
    assert_eq!(
        w.message,
        "producer `late`: its 2 arrivals span 46d to 47d 6h after job creation (2026-02-20T00:00:00Z to 2026-02-21T06:00:00Z), but it sends only from 0s to 30d (the horizon is 30d): it sends nothing; check `start_at`, or set `start_at: auto` to start the calendar at the first timestamp"
    );
    assert!(accepted(&s).is_empty());
    let s = ok(
        &[(
            "c.csv",
            "timestamp,count\n2026-02-20 00:00:00,5\n2026-02-20 00:05:00,5\n".into(),
        )],
        &with_producer("30d", "{name: late, kind: counts, csv: c.csv}"),
    );
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0]
            .message
            .starts_with("producer `late`: its 2 periods span 46d to 46d 10m after job creation"),
        "{}",
        s.warnings[0].message
    );
}

/// A counts file of 5-minute periods over two days: on day 1, 50 per
/// period in even hours and none in odd hours; on day 2, 10 per period in
/// even hours. Rows for 02:00-03:00 of day 1 are missing (no data).
fn two_day_counts() -> String {
    let mut csv = String::from("time,sent\n");
    for p in 0..(2 * 24 * 12) {
        let (day, hour) = (p / 288, (p % 288) / 12);
        if day == 0 && hour == 2 {
            continue;
        }
        let count = match (day, hour % 2) {
            (_, 1) => 0,
            (0, _) => 50,
            _ => 10,
        };
        csv.push_str(&format!("{},{count}\n", MAR2_9H - 9 * 3600 + p * 300));
    }
    csv
}

#[test]
fn counts_replay_as_poisson_at_each_periods_rate_over_absolute_time() {
    let s = ok(
        &[("c.csv", two_day_counts())],
        &with_producer(
            "2d\nstart_at: auto",
            "{name: cw, kind: counts, csv: c.csv, column: time, count_column: sent, time_format: epoch_s}",
        ),
    );
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let t = accepted(&s);
    // None where the rate is 0: odd hours, and the missing rows' hour.
    for h in 0..48 {
        let n = count_in(&t, h as f64 * H, (h + 1) as f64 * H);
        if h % 2 == 1 || h == 2 {
            assert_eq!(n, 0, "hour {h}");
        }
    }
    // Day 1: 11 even hours with data × 12 periods × 50; day 2 (absolute
    // time, not a daily repeat): 12 × 12 × 10.
    within_poisson("day 1", count_in(&t, 0.0, D), 11.0 * 12.0 * 50.0);
    within_poisson("day 2", count_in(&t, D, 2.0 * D), 12.0 * 12.0 * 10.0);
    // Within the periods the arrivals are Poisson: the counts per 5-minute
    // period of day 1 have mean 50 and variance 50. With n = 132 periods,
    // the sample variance has a standard error of about 50·√(2/n) = 6.2.
    let per: Vec<f64> = (0..288)
        .filter(|p| (p / 12) % 2 == 0 && p / 12 != 2)
        .map(|p| count_in(&t, p as f64 * 300.0, (p + 1) as f64 * 300.0) as f64)
        .collect();
    let n = per.len() as f64;
    let mean = per.iter().sum::<f64>() / n;
    let var = per.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    eprintln!("per period: mean {mean:.1}, variance {var:.1} over {n} periods");
    assert!((var - 50.0).abs() < 4.0 * 50.0 * (2.0 / n).sqrt(), "{var}");
    // The period was inferred from the spacing (5 min): a given one agrees.
    let given = ok(
        &[("c.csv", two_day_counts())],
        &with_producer(
            "2d\nstart_at: auto",
            "{name: cw, kind: counts, csv: c.csv, column: time, count_column: sent, time_format: epoch_s, period: 5m}",
        ),
    );
    assert_eq!(accepted(&given), t, "same steps, same seed, same arrivals");
}

#[test]
fn scale_multiplies_rates_of_counts_poisson_and_profiles() {
    // 30 per 5 minutes for 5 days, 30% more: 30 · 1.3 · 12 · 24 · 5.
    let mut csv = String::from("timestamp,count\n");
    for p in 0..(5 * 288) {
        csv.push_str(&format!("{}s,30\n", p * 300));
    }
    let s = ok(
        &[("c.csv", csv)],
        &with_producer("5d", "{name: c, kind: counts, csv: c.csv, scale: 1.3}"),
    );
    within_poisson(
        "counts × 1.3",
        accepted(&s).len(),
        30.0 * 1.3 * 12.0 * 24.0 * 5.0,
    );
    let s = ok(
        &[],
        &with_producer("10d", "{name: p, kind: poisson, rate: 100/h, scale: 1.3}"),
    );
    within_poisson("poisson × 1.3", accepted(&s).len(), 130.0 * 240.0);
    let s = ok(
        &[],
        &with_producer(
            "10d",
            "{name: d, kind: diurnal, profile: [{at: \"00:00\", rate: 10/h}, {at: \"12:00\", rate: 90/h}], scale: 0.5}",
        ),
    );
    within_poisson("profile × 0.5", accepted(&s).len(), 0.5 * 50.0 * 240.0);
}

#[test]
fn trace_scale_two_doubles_exactly_and_one_half_keeps_about_half() {
    let cells: Vec<String> = (1..=1000).map(|s| s.to_string()).collect();
    let trace = || [trace_file(&cells)];
    let run = |scale: &str| {
        accepted(&ok(
            &trace(),
            &with_producer(
                "1d",
                &format!("{{name: r, kind: trace, csv: t.csv, scale: {scale}}}"),
            ),
        ))
    };
    // ⌊2⌋ = 2 messages at every instant, no draw.
    let doubled = run("2");
    let expected: Vec<f64> = (1..=1000).flat_map(|s| [s as f64, s as f64]).collect();
    assert_eq!(doubled, expected);
    // Each instant kept with probability 1/2: Binomial(1000, 1/2), sd 15.8.
    let half = run("0.5");
    let z = (half.len() as f64 - 500.0) / 250f64.sqrt();
    assert!(z.abs() < 4.0, "{} kept of 1000 (z = {z:.2})", half.len());
    assert!(
        half.windows(2).all(|w| w[0] < w[1]),
        "at most one per instant"
    );
    assert!(half
        .iter()
        .all(|x| x.fract() == 0.0 && (1.0..=1000.0).contains(x)));
    assert_eq!(run("0.5"), half, "reproducible: the producer's own stream");
    // 1.5: one or two at every instant, 1500 on average.
    let more = run("1.5");
    let z = (more.len() as f64 - 1500.0) / 250f64.sqrt();
    assert!(z.abs() < 4.0, "{} of 1000 × 1.5 (z = {z:.2})", more.len());
    for s in 1..=1000 {
        let n = more.iter().filter(|&&x| x == s as f64).count();
        assert!(n == 1 || n == 2, "instant {s}: {n}");
    }
    assert!(run("0").is_empty());
}

#[test]
fn a_weekly_profile_follows_day_of_week_and_hour_on_the_calendar() {
    let profile = "{name: w, kind: diurnal, profile: [{days: mon-fri, at: \"00:00\", rate: 0/h}, {days: mon-fri, at: \"09:00\", rate: 200/h}, {days: mon-fri, at: \"17:00\", rate: 0/h}, {days: sat-sun, at: \"00:00\", rate: 50/h}]}";
    // 2026-01-05 (the default start_at) is a Monday: four weeks.
    let t = accepted(&ok(&[], &with_producer("28d", profile)));
    let mut weekday_day = 0;
    for day in 0..28 {
        let d0 = day as f64 * D;
        if day % 7 < 5 {
            assert_eq!(count_in(&t, d0, d0 + 9.0 * H), 0, "day {day} night");
            assert_eq!(count_in(&t, d0 + 17.0 * H, d0 + D), 0, "day {day} evening");
            weekday_day += count_in(&t, d0 + 9.0 * H, d0 + 17.0 * H);
        }
    }
    within_poisson("weekdays 09-17", weekday_day, 20.0 * 8.0 * 200.0);
    let weekend: usize = (0..4)
        .map(|w| count_in(&t, (w * 7 + 5) as f64 * D, (w * 7 + 7) as f64 * D))
        .sum();
    within_poisson("weekends", weekend, 8.0 * 24.0 * 50.0);
    // Starting on a Saturday, the first two days are a weekend.
    let t = accepted(&ok(
        &[],
        &with_producer("2d\nstart_at: 2026-01-10T00:00:00Z", profile),
    ));
    within_poisson("saturday start", t.len(), 2.0 * 24.0 * 50.0);
}

#[test]
fn weekly_profile_problems_are_all_listed_with_their_lines() {
    let e = err(
        &[],
        "name: t\nhorizon: 1d\nproducers:\n  - name: w\n    kind: diurnal\n    profile:\n      - {days: tue, at: \"00:00\", rate: 1/h}\n      - {at: \"09:00\", rate: 2/h}\n      - {days: someday, at: \"10:00\", rate: 3/h}\n      - {days: tue-wed, at: \"00:00\", rate: 4/h}\n",
    );
    for needle in [
        "test.yaml:6: producers[0].profile: a weekly profile must have a point on mon",
        "test.yaml:8: producers[0].profile[1]: has no `days`, but other points",
        "test.yaml:9: producers[0].profile[2].days: `someday` is not a day",
        "test.yaml:10: producers[0].profile[3]: tue 00:00 is also given by profile[0]",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
    assert!(e.contains("has 4 problems"), "{e}");
}

#[test]
fn counts_and_format_problems_are_all_listed_with_their_lines() {
    let e = err(
        &[
            ("c.csv", "timestamp,count\n0s,5\n5m,-1\n10m,x\n".into()),
            ("o.csv", "timestamp,count\n0s,5\n5m,1\n12m,1\n".into()),
        ],
        "name: t\nhorizon: 1d\nproducers:\n  - {name: a, kind: counts, csv: c.csv}\n  - {name: b, kind: counts, csv: o.csv}\n  - {name: c, kind: trace, csv: o.csv, time_format: unix}\n  - {name: d, kind: poisson, rate: 1/h, period: 5m, scale: -2}\n  - {name: e, kind: manifest, count: 5, scale: 2}\n  - {name: f, kind: counts}\n",
    );
    for needle in [
        "test.yaml:4: producers[0].csv: ",
        "c.csv line 3, column `count`: `-1` is not a count (a number, 0 or more) (and 1 more bad cell)",
        "test.yaml:5: producers[1].period: cannot be inferred: rows of o.csv are 5m apart at the closest, but lines 3 and 4 are 7m apart",
        "test.yaml:6: producers[2].time_format: `unix` is not one of: auto, epoch_s, epoch_ms, iso8601, sql, offset",
        "test.yaml:7: producers[3].period: does not apply to a `poisson` producer",
        "test.yaml:7: producers[3].scale: -2 is negative",
        "test.yaml:8: producers[4].scale: does not apply to a `manifest` producer",
        "test.yaml:9: producers[5].csv: is required for a counts producer",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
}

#[test]
fn the_budget_estimate_covers_counts_weekly_profiles_and_scaled_traces() {
    let cells: Vec<String> = (1..=2000).map(|s| (s * 10).to_string()).collect();
    let scenarios = [
        ok(
            &[("c.csv", two_day_counts())],
            &with_producer(
                "2d\nstart_at: auto",
                "{name: cw, kind: counts, csv: c.csv, column: time, count_column: sent, time_format: epoch_s}",
            ),
        ),
        ok(
            &[],
            &with_producer(
                "14d",
                "{name: w, kind: diurnal, profile: [{days: mon-fri, at: \"00:00\", rate: 5/h}, {days: mon-fri, at: \"09:00\", rate: 200/h}, {days: sat-sun, at: \"00:00\", rate: 50/h}]}",
            ),
        ),
        ok(
            &[trace_file(&cells)],
            &with_producer("1d", "{name: r, kind: trace, csv: t.csv, scale: 2.5}"),
        ),
    ];
    for s in scenarios {
        let est = estimate_run(&s.sim, 1, 1);
        let out = simulate(&s.sim, StreamSeeds::for_replication(s.seed, 0)).unwrap();
        let ratio = out.summary.events as f64 / est.events;
        eprintln!(
            "{}: {} events, estimate {:.0} (ratio {ratio:.2})",
            s.sim.producers[0].name, out.summary.events, est.events
        );
        assert!((0.5..=2.0).contains(&ratio), "ratio {ratio}");
    }
}

#[test]
fn the_bundled_counts_replay_sends_its_files_total_times_its_scale() {
    let s = Scenario::load(
        std::path::Path::new("scenarios/counts-replay.yaml"),
        LoadOptions::default(),
    )
    .unwrap();
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // `start_at: auto`: the file's first row, 2026-03-02 00:00:00 UTC.
    assert_eq!(
        s.sim.start_at_epoch_us,
        (MAR2_9H - 9 * 3600) as i64 * 1_000_000
    );
    let csv = std::fs::read_to_string("scenarios/traces/sqs_sent_5m.csv").unwrap();
    let total: f64 = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(total, 31_301.0, "the comment's figure");
    within_poisson("counts-replay", accepted(&s).len(), 1.3 * total);
}

/// Peak resident memory [KiB] of `labelsim args` (GNU `/usr/bin/time -f
/// %M`, which reports the largest of the process and its children), with
/// its output; None where that tool is missing.
fn peak_kib(args: &[&str]) -> Option<(u64, std::process::Output)> {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let out = std::process::Command::new(time)
        .args(["-f", "PEAK_KIB=%M"])
        .arg(env!("CARGO_BIN_EXE_labelsim"))
        .args(args)
        .output()
        .expect("run /usr/bin/time labelsim");
    let err = String::from_utf8_lossy(&out.stderr);
    let kib = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("PEAK_KIB="))
        .and_then(|v| v.trim().parse().ok())?;
    Some((kib, out))
}

/// Issue 18 item 8: a trace is streamed into compact rows. A 50 MB trace
/// (4.8 million rows) took 47–125 bytes of memory per byte of file (a
/// 100 MB trace aborted `validate` at 4.7 GB); it validates in < 512 MiB.
#[test]
fn a_fifty_megabyte_trace_validates_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(w, "timestamp").unwrap();
    let mut bytes = 10u64;
    let mut i = 0u64;
    while bytes < 50_000_000 {
        // Every 0.5 s over 28 days: `1234567.5`.
        let row = format!("{}.{}\n", i / 2, if i.is_multiple_of(2) { 0 } else { 5 });
        w.write_all(row.as_bytes()).unwrap();
        bytes += row.len() as u64;
        i += 1;
    }
    w.flush().unwrap();
    drop(w);
    let scen = dir.path().join("big.yaml");
    std::fs::write(
        &scen,
        "name: big\nhorizon: 30d\nproducers:\n  - {name: r, kind: trace, csv: big.csv}\nworkers:\n  - {name: team, count: 10, service_time: {dist: exponential, mean: 6m}}\n",
    )
    .unwrap();
    let Some((kib, out)) = peak_kib(&["validate", scen.to_str().unwrap()]) else {
        eprintln!("skipped: /usr/bin/time (GNU time) not found to measure peak memory");
        return;
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    eprintln!(
        "validate of a {bytes}-byte trace ({i} rows): peak {} MiB",
        kib / 1024
    );
    assert!(kib < 512 * 1024, "peak {} MiB", kib / 1024);
}

/// Issue 18 item 8, for `dist: empirical`: its column is parsed while the
/// CSV streams by (the rows' cells used to be kept as strings first, about
/// 40 bytes a row). 50 MB of durations (4.8 million values) validate in
/// well under 512 MiB, and a bad cell is still named by line.
#[test]
fn a_fifty_megabyte_empirical_service_time_validates_in_bounded_memory() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("durations.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
    writeln!(w, "task,service_time").unwrap();
    let mut bytes = 0u64;
    let mut i = 0u64;
    while bytes < 50_000_000 {
        let row = format!("{},{}\n", i % 10, 30 + i % 300);
        w.write_all(row.as_bytes()).unwrap();
        bytes += row.len() as u64;
        i += 1;
    }
    w.flush().unwrap();
    drop(w);
    let scen = dir.path().join("emp.yaml");
    std::fs::write(
        &scen,
        "name: emp\nhorizon: 1d\nproducers:\n  - {name: p, kind: poisson, rate: 10/h}\nworkers:\n  - {name: team, count: 2, service_time: {dist: empirical, csv: durations.csv}}\n",
    )
    .unwrap();
    let Some((kib, out)) = peak_kib(&["validate", scen.to_str().unwrap()]) else {
        eprintln!("skipped: /usr/bin/time (GNU time) not found to measure peak memory");
        return;
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    eprintln!(
        "validate of a {bytes}-byte empirical column ({i} rows): peak {} MiB",
        kib / 1024
    );
    assert!(kib < 256 * 1024, "peak {} MiB", kib / 1024);
    // A bad cell on line 3 of a small file: named by line and column.
    std::fs::write(&csv, "task,service_time\n1,30\n2,soon\n3,45\n").unwrap();
    let out = crate::common::labelsim(&["validate", scen.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("line 3, column `service_time`"), "{err}");
}
