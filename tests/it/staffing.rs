//! Step schedules for a worker group's count (S1) and results by interval
//! of arrival (SPEC §4b, `output.by_interval`), on small scenarios traced
//! by hand (issue 20).

use crate::common;
use common::*;
use labelsim::model::TraceKind;

/// Six objects at 0, constant 40-minute tasks, and a daily schedule of 2
/// workers from 00:00, 1 from 01:00, 2 from 02:00.
const TWO_ONE_TWO: &str = r#"
name: steps
horizon: 1d
job: {initializing: 0s}
producers: [{name: m, kind: manifest, count: 6}]
workers:
  - name: team
    count:
      schedule: [{from: "00:00", count: 2}, {from: "01:00", count: 1}, {from: "02:00", count: 2}]
      cycle: 1d
    service_time: {dist: constant, value: 40m}
"#;

#[test]
fn a_daily_schedule_two_one_two_starts_and_finishes_work_when_traced_by_hand() {
    // 0m: workers 0 and 1 take objects 1 and 2; 40m: they take 3 and 4.
    // 60m: the count drops to 1 while both are busy: worker 1 (the
    // highest-numbered busy one) leaves the roster but finishes object 4
    // at 80m on overtime; worker 0 finishes 3 at 80m and takes 5. 120m:
    // the count is 2 again: worker 1 is back at once and takes 6 (the step
    // was scheduled before 5's finish, so it comes first in the instant);
    // worker 0 finishes 5 at 120m; worker 1 finishes 6 at 160m.
    let out = run(TWO_ONE_TWO);
    let taken = events(&out, TraceKind::Taken);
    let mins = |v: Vec<(u64, f64)>| {
        v.into_iter()
            .map(|(o, t)| (o, t / 60.0))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        mins(taken),
        [
            (1, 0.0),
            (2, 0.0),
            (3, 40.0),
            (4, 40.0),
            (5, 80.0),
            (6, 120.0)
        ]
    );
    let takers: Vec<u32> = (1..=6).map(|o| takers(&out, o)[0]).collect();
    assert_eq!(takers, [0, 1, 0, 1, 0, 1]);
    assert_eq!(
        mins(events(&out, TraceKind::Labeled)),
        [
            (1, 40.0),
            (2, 40.0),
            (3, 80.0),
            (4, 80.0),
            (5, 120.0),
            (6, 160.0)
        ]
    );
    let s = &out.summary;
    assert_eq!(s.objects_labeled, 6);
    // On shift: 2 × 1 h + 1 × 1 h + 2 × 22 h = 47 h; worker 1's 20 minutes
    // past the drop are overtime.
    assert!(
        (s.worker_hours_on_shift - 47.0).abs() < 1e-9,
        "{}",
        s.worker_hours_on_shift
    );
    assert!(
        (s.worker_hours_overtime - 1.0 / 3.0).abs() < 1e-9,
        "{}",
        s.worker_hours_overtime
    );
}

#[test]
fn a_drop_to_zero_while_both_are_busy_finishes_both_tasks() {
    // Both take a task at 0; the count drops to 0 at 00:20, mid-task: both
    // finish at 40m on overtime, and nobody takes the other four until the
    // count is back at 02:00.
    let yaml = TWO_ONE_TWO.replace(
        r#"[{from: "00:00", count: 2}, {from: "01:00", count: 1}, {from: "02:00", count: 2}]"#,
        r#"[{from: "00:00", count: 2}, {from: "00:20", count: 0}, {from: "02:00", count: 2}]"#,
    );
    let out = run(&yaml);
    let labeled = events(&out, TraceKind::Labeled);
    assert_eq!(labeled[0], (1, 2400.0));
    assert_eq!(labeled[1], (2, 2400.0));
    let taken = events(&out, TraceKind::Taken);
    assert_eq!(taken[2], (3, 7200.0));
    assert_eq!(taken[3], (4, 7200.0));
    let s = &out.summary;
    assert_eq!(s.tasks_expired, 0);
    assert!((s.worker_hours_overtime - 2.0 * 20.0 / 60.0).abs() < 1e-9);
}

#[test]
fn shifts_still_apply_on_top_of_a_schedule() {
    // 2 scheduled all day, but the shift is 08:00-16:00 only.
    let yaml = TWO_ONE_TWO
        .replace(
            r#"[{from: "00:00", count: 2}, {from: "01:00", count: 1}, {from: "02:00", count: 2}]"#,
            r#"[{from: "00:00", count: 2}, {from: "12:00", count: 1}]"#,
        )
        .replace(
            "    service_time:",
            "    shifts: [{days: daily, from: \"08:00\", to: \"16:00\"}]\n    service_time:",
        );
    let out = run(&yaml);
    // 2 × 4 h + 1 × 4 h on shift.
    assert!((out.summary.worker_hours_on_shift - 12.0).abs() < 1e-9);
    assert_eq!(events(&out, TraceKind::Taken)[0], (1, 8.0 * 3600.0));
}

#[test]
fn a_step_and_a_shift_boundary_at_one_instant_apply_together_in_either_order() {
    // Nobody is ever both scheduled and on the 09:00-17:00 shift, so the
    // six objects wait all day. At 09:00 and 17:00 a step and a shift
    // boundary share the instant; whichever event comes first applies
    // both (R7 with S1) before the pool is matched, so no worker added as
    // the shift ends takes a task, nor does one of those scheduled as the
    // shift begins. Starting at midnight, each step's event comes before
    // the shift's; starting at 17:30 with a third step at 20:00, the
    // shift's event comes first at the next 09:00 (the step's next event
    // is scheduled at 20:00, after the shift's).
    let cases = [
        (
            "2026-01-05T00:00:00Z",
            r#"[{from: "00:00", count: 12}, {from: "09:00", count: 0}, {from: "17:00", count: 12}]"#,
        ),
        (
            "2026-01-05T17:30:00Z",
            r#"[{from: "09:00", count: 0}, {from: "17:00", count: 12}, {from: "20:00", count: 13}]"#,
        ),
    ];
    for (start, steps) in cases {
        let yaml = TWO_ONE_TWO
            .replace(
                r#"[{from: "00:00", count: 2}, {from: "01:00", count: 1}, {from: "02:00", count: 2}]"#,
                steps,
            )
            .replace(
                "    service_time:",
                "    shifts: [{days: daily, from: \"09:00\", to: \"17:00\"}]\n    service_time:",
            )
            .replace("horizon: 1d", &format!("horizon: 2d\nstart_at: \"{start}\""));
        let out = run(&yaml);
        assert!(events(&out, TraceKind::Taken).is_empty(), "start {start}");
        assert_eq!(out.summary.objects_labeled, 0);
        assert_eq!(out.summary.worker_hours_on_shift, 0.0, "start {start}");
    }
    // The reverse: 3 scheduled exactly during the shift work all of it.
    let yaml = TWO_ONE_TWO
        .replace(
            r#"[{from: "00:00", count: 2}, {from: "01:00", count: 1}, {from: "02:00", count: 2}]"#,
            r#"[{from: "00:00", count: 0}, {from: "09:00", count: 3}, {from: "17:00", count: 0}]"#,
        )
        .replace(
            "    service_time:",
            "    shifts: [{days: daily, from: \"09:00\", to: \"17:00\"}]\n    service_time:",
        );
    let out = run(&yaml);
    assert_eq!(events(&out, TraceKind::Taken)[0], (1, 9.0 * 3600.0));
    assert!((out.summary.worker_hours_on_shift - 24.0).abs() < 1e-9);
    assert_eq!(out.summary.objects_labeled, 6);
}

/// Problems of a scenario, as "field (line N): message".
fn problems(yaml: &str) -> String {
    match try_scenario(yaml) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn bad_schedules_are_named_with_field_and_line() {
    let with = |steps: &str, cycle: &str| {
        TWO_ONE_TWO.replace(
            r#"[{from: "00:00", count: 2}, {from: "01:00", count: 1}, {from: "02:00", count: 2}]
      cycle: 1d"#,
            &format!("{steps}\n      cycle: {cycle}"),
        )
    };
    let e = problems(&with(r#"[{from: "mun 08:00", count: 2}]"#, "1w"));
    assert!(
        e.contains("workers[0].count.schedule[0].from") && e.contains("test.yaml:9:"),
        "{e}"
    );
    assert!(e.contains("not a day"), "{e}");
    let e = problems(&with(
        r#"[{from: "09:00", count: 2}, {from: "08:00", count: 1}]"#,
        "1d",
    ));
    assert!(
        e.contains("workers[0].count.schedule[1].from") && e.contains("comes before"),
        "{e}"
    );
    let e = problems(&with(
        r#"[{from: "09:00", count: 2}, {from: "09:00", count: 1}]"#,
        "1d",
    ));
    assert!(
        e.contains("schedule[1].from") && e.contains("step before too"),
        "{e}"
    );
    let e = problems(&with(r#"[{from: "09:00", count: -1}]"#, "1d"));
    assert!(
        e.contains("schedule[0].count") && e.contains("negative"),
        "{e}"
    );
    let e = problems(&with(r#"[{from: "09:00", count: 1}]"#, "1w"));
    assert!(
        e.contains("schedule[0].from") && e.contains("no day"),
        "{e}"
    );
    let e = problems(&with(r#"[{from: "mon 09:00", count: 1}]"#, "1d"));
    assert!(e.contains("cycle is `1d`"), "{e}");
    let e = problems(&with(r#"[{from: "09:00", count: 1}]"#, "2d"));
    assert!(
        e.contains("workers[0].count.cycle") && e.contains("not a cycle"),
        "{e}"
    );
}

/// One worker, 30-minute tasks; three objects at 01:00 and one at 05:00.
const TINY: &str = r#"
name: tiny
horizon: 1d
job: {initializing: 0s}
producers:
  - {name: three, kind: burst, size: 3, every: 1d, start: 1h}
  - {name: one, kind: burst, size: 1, every: 1d, start: 5h}
workers:
  - {name: solo, count: 1, service_time: {dist: constant, value: 30m}}
output: {by_interval: 1h, sla: [1h]}
"#;

#[test]
fn by_interval_values_match_a_hand_trace() {
    // 01:00: three arrive; taken at 01:00, 01:30, 02:00 (waits 0, 30, 60
    // minutes), labeled at 01:30, 02:00, 02:30 (30, 60, 90 minutes).
    // 05:00: one arrives, waits 0, labeled at 05:30.
    let out = run(TINY);
    let rows = out.by_interval.expect("by-interval rows");
    assert_eq!(rows.len(), 24);
    let r = &rows[1];
    assert_eq!(r.interval, "01:00");
    assert_eq!(r.interval_start_s, 3600.0);
    assert_eq!(r.arrivals, 3);
    assert_eq!(r.arrival_rate_per_h, 3.0);
    assert_eq!(r.staff_on_shift_mean, Some(1.0));
    // 3 tasks of 30 minutes against one worker's 2 per hour.
    assert_eq!(r.offered_load, Some(1.5));
    let v = |k: &str| r.values[k];
    assert_eq!(v("labeled_within_1h"), Some(2.0 / 3.0));
    assert_eq!(v("time_to_label_mean_s"), Some(3600.0));
    assert_eq!(v("time_to_label_p95_s"), Some(5400.0));
    assert_eq!(v("pool_wait_mean_s"), Some(1800.0));
    assert_eq!(v("delay_probability"), Some(2.0 / 3.0));
    let r5 = &rows[5];
    assert_eq!((r5.arrivals, r5.offered_load), (1, Some(0.5)));
    assert_eq!(r5.values["labeled_within_1h"], Some(1.0));
    assert_eq!(r5.values["time_to_label_p95_s"], Some(1800.0));
    assert_eq!(r5.values["delay_probability"], Some(0.0));
    // An interval with no arrivals has no values, not zeros.
    let r0 = &rows[0];
    assert_eq!(r0.arrivals, 0);
    assert_eq!(r0.offered_load, Some(0.0));
    assert!(r0.values.values().all(|v| v.is_none()), "{:?}", r0.values);
}

#[test]
fn by_interval_staff_follows_the_schedule() {
    let yaml = format!("{TWO_ONE_TWO}output: {{by_interval: 30m}}\n");
    let rows = run(&yaml).by_interval.unwrap();
    assert_eq!(rows.len(), 48);
    let staff: Vec<Option<f64>> = rows.iter().take(5).map(|r| r.staff_on_shift_mean).collect();
    assert_eq!(staff, [2.0, 2.0, 1.0, 1.0, 2.0].map(Some));
    assert_eq!(rows[0].arrivals, 6);
}

#[test]
fn a_stationary_mmc_interval_by_interval_delay_matches_erlang_c() {
    // M/M/3 at 20/h with 6-minute exponential tasks: a = 2, Erlang C
    // P(wait) = 4/9. 200 days give each hour of the day about 4000
    // arrivals; waits of neighbours are correlated (busy periods last
    // minutes, not hours), so the standard error of one hour's share is
    // about 1.5 × √(p(1−p)/n) ≈ 0.012: 0.06 is five of them. The mean
    // over the 24 hours is held tighter.
    let yaml = r#"
name: mmc
horizon: 200d
job: {initializing: 0s}
producers: [{name: p, kind: poisson, rate: 20/h}]
workers: [{name: t, count: 3, service_time: {dist: exponential, mean: 6m}}]
output: {by_interval: 1h, warmup: 1d}
"#;
    let rows = run(yaml).by_interval.unwrap();
    let target = erlang_c(3, 2.0);
    assert!((target - 4.0 / 9.0).abs() < 1e-12);
    let mut sum = 0.0;
    for r in &rows {
        let p = r.values["delay_probability"].unwrap();
        assert!((p - target).abs() < 0.06, "{}: {p} vs {target}", r.interval);
        assert!(
            (r.offered_load.unwrap() - 2.0 / 3.0).abs() < 0.05,
            "{:?}",
            r.offered_load
        );
        sum += p;
    }
    let mean = sum / rows.len() as f64;
    assert!((mean - target).abs() < 0.02, "{mean} vs {target}");
}

#[test]
fn run_writes_by_interval_csv_with_empty_cells_and_prints_the_worst_interval() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("tiny.yaml");
    std::fs::write(
        &scenario,
        TINY.replace("name: tiny", "name: tiny\nreplications: 2"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_labelsim"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Both replications are the same (constant times, fixed bursts).
    assert!(
        stdout.contains("worst interval of arrival for labeled_within_1h: 01:00 at 66.7%"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("by_interval.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 25);
    assert_eq!(
        lines[0],
        "interval,interval_start_s,arrivals,arrival_rate_per_h,offered_load,staff_on_shift_mean,\
         labeled_within_1h,time_to_label_mean_s,time_to_label_p95_s,pool_wait_mean_s,delay_probability"
    );
    // No arrivals at 00:00: values are empty cells, never 0.
    assert_eq!(lines[1], "00:00,0,0,0,0,1,,,,,");
    assert!(
        lines[2].starts_with("01:00,3600,3,3,1.5,1,0.666"),
        "{}",
        lines[2]
    );
    assert!(out.join("by_interval.png").exists());
}

#[test]
fn the_cycle_is_a_week_when_shifts_use_days_of_the_week_else_a_day() {
    let daily = scenario(TINY);
    let by = daily.sim.by_interval.as_ref().unwrap();
    assert_eq!((by.cycle.length_s, by.cycle.intervals()), (86_400.0, 24));
    let weekdays = TINY.replace(
        "service_time: {dist: constant, value: 30m}}",
        "service_time: {dist: constant, value: 30m}, shifts: [{days: mon-fri, from: \"08:00\", to: \"16:00\"}]}",
    );
    let by = scenario(&weekdays).sim.by_interval.unwrap();
    assert_eq!((by.cycle.length_s, by.cycle.intervals()), (604_800.0, 168));
    assert_eq!(by.cycle.label(24 + 9), "tue 09:00");
    // Every day the same: still a day.
    let every_day = weekdays.replace("mon-fri", "daily");
    assert_eq!(
        scenario(&every_day)
            .sim
            .by_interval
            .unwrap()
            .cycle
            .intervals(),
        24
    );
    // Written out, the cycle is what it says.
    let written = TINY.replace("by_interval: 1h", "by_interval: {every: 4h, cycle: 1w}");
    assert_eq!(
        scenario(&written)
            .sim
            .by_interval
            .unwrap()
            .cycle
            .intervals(),
        42
    );
    // The cycle may also sit beside `by_interval` in `output`.
    let beside = TINY.replace("by_interval: 1h", "by_interval: 4h, cycle: 1w");
    assert_eq!(
        scenario(&beside).sim.by_interval.unwrap().cycle.intervals(),
        42
    );
}

/// [`TINY`] with `attrs` added to its one worker group.
fn tiny_solo_with(attrs: &str) -> String {
    TINY.replace(
        "{name: solo, count: 1,",
        &format!("{{name: solo, count: 1, {attrs},"),
    )
}

#[test]
fn intervals_are_in_the_first_groups_zone_unless_tz_says_otherwise() {
    // The three objects arrive at 01:00 UTC: 20:00 the day before at
    // UTC−5, 02:00 in Berlin in January (CET, UTC+1).
    let ny = tiny_solo_with("tz_offset: \"-05:00\"");
    let rows = run(&ny).by_interval.unwrap();
    assert_eq!(rows[20].arrivals, 3);
    let berlin = ny.replace(
        "by_interval: 1h",
        "by_interval: {every: 1h, tz: Europe/Berlin}",
    );
    let rows = run(&berlin).by_interval.unwrap();
    assert_eq!(rows[2].arrivals, 3);
}

#[test]
fn bad_by_interval_settings_are_named() {
    let e = problems(&TINY.replace("by_interval: 1h", "by_interval: 7m"));
    assert!(
        e.contains("output.by_interval") && e.contains("does not divide"),
        "{e}"
    );
    let e = problems(&TINY.replace("by_interval: 1h", "by_interval: {every: 1h, cycle: 2d}"));
    assert!(e.contains("output.by_interval.cycle"), "{e}");
    let e = problems(&TINY.replace(
        "by_interval: 1h",
        "by_interval: {every: 1h, tz: Mars/Olympus}",
    ));
    assert!(e.contains("output.by_interval.tz"), "{e}");
    let e = problems(&TINY.replace("by_interval: 1h", "by_interval: {cycle: 1d}"));
    assert!(e.contains("output.by_interval.every"), "{e}");
    // `output.cycle`: named as written, twice is refused, alone is refused.
    let e = problems(&TINY.replace("by_interval: 1h", "by_interval: 1h, cycle: 2d"));
    assert!(
        e.contains("output.cycle") && e.contains("cycle must"),
        "{e}"
    );
    let e = problems(&TINY.replace(
        "by_interval: 1h",
        "by_interval: {every: 1h, cycle: 1d}, cycle: 1d",
    ));
    assert!(
        e.contains("output.cycle") && e.contains("given twice"),
        "{e}"
    );
    let e = problems(&TINY.replace("by_interval: 1h", "cycle: 1d"));
    assert!(e.contains("output.cycle") && e.contains("not set"), "{e}");
}

#[test]
fn a_weekly_schedule_is_in_the_groups_zone() {
    // Nobody until Monday 09:00 New York (14:00Z in January), then one.
    let yaml = r#"
name: weekly
horizon: 1d
job: {initializing: 0s}
producers: [{name: m, kind: manifest, count: 1}]
workers:
  - name: team
    tz: America/New_York
    count: {schedule: [{from: "mon 00:00", count: 0}, {from: "mon 09:00", count: 1}, {from: "mon 17:00", count: 0}]}
    service_time: {dist: constant, value: 10m}
output: {by_interval: 1h}
"#;
    let out = run(yaml);
    assert_eq!(events(&out, TraceKind::Taken), [(1, 14.0 * 3600.0)]);
    assert!((out.summary.worker_hours_on_shift - 8.0).abs() < 1e-9);
    // A weekly schedule makes the cycle a week, in the group's zone: the
    // manifest arrived at 00:00Z, Sunday 19:00 in New York.
    let rows = out.by_interval.unwrap();
    assert_eq!(rows.len(), 168);
    assert_eq!(rows[6 * 24 + 19].arrivals, 1);
    assert_eq!(rows[9].staff_on_shift_mean, Some(1.0));
    assert_eq!(rows[8].staff_on_shift_mean, Some(0.0));
}

#[test]
fn a_pipeline_reports_searchable_latency_by_interval_of_first_send() {
    // The bundled seed pipeline over a day at a steady rate: each hour's
    // mean searchable latency is near the run's.
    let text = std::fs::read_to_string("scenarios/pipeline-seed.yaml")
        .unwrap()
        .replace("horizon: 6h", "horizon: 1d");
    let yaml = format!("{text}\noutput: {{by_interval: 1h}}\n");
    let out = run(&yaml);
    let overall = out
        .summary
        .pipeline
        .iter()
        .find(|(k, _)| *k == "searchable_latency_mean_s")
        .and_then(|(_, v)| *v)
        .expect("a searchable latency");
    let rows = out.by_interval.unwrap();
    assert_eq!(rows.len(), 24);
    for r in &rows {
        let m = r.values["searchable_latency_mean_s"].expect("a value every hour");
        assert!(
            (m - overall).abs() < 0.15 * overall,
            "{}: {m} vs {overall}",
            r.interval
        );
        assert!(r.values["searchable_latency_p95_s"].unwrap() >= m);
    }
}

/// SPEC §4b on a pipeline without a labeling job: an interval's arrivals
/// are the documents first sent in it (the job accepts none), so they add
/// up to the messages produced (no copies, no test event here), and no
/// service level of the job's is reported where nobody labels.
#[test]
fn a_pipeline_alone_counts_its_documents_as_the_intervals_arrivals() {
    let out = crate::common::run(
        "name: p\nseed: 4\nhorizon: 1d\n\
         producers: [{name: up, kind: poisson, rate: 600/h, to: incoming}]\n\
         pipeline:\n  queues: [{name: incoming}]\n  consumers:\n    - {name: c, queue: incoming, count: 4, processing_time: {dist: constant, value: 1s}}\n\
         output: {by_interval: 1h, sla: [1h]}\n",
    );
    let rows = out.by_interval.expect("by-interval rows");
    assert_eq!(rows.len(), 24);
    let total: u64 = rows.iter().map(|r| r.arrivals).sum();
    assert_eq!(total, out.summary.messages_produced);
    for r in &rows {
        // 600 an hour, Poisson: within 5 standard deviations (±122).
        assert!(
            (r.arrival_rate_per_h - 600.0).abs() < 125.0,
            "{}: {}",
            r.interval,
            r.arrival_rate_per_h
        );
        assert_eq!(
            r.values["labeled_within_1h"], None,
            "nothing is labeled by people"
        );
        assert!(r.values["searchable_latency_mean_s"].is_some());
    }
}

#[test]
fn a_pipeline_alone_has_its_consumers_load_and_pollers_by_interval() {
    // One message a second into a consumer of 1 poller until noon and 3
    // after. A poller spends per message its processing (500 ms), its
    // delete (20 ms) and a tenth of its batch's receive (2 ms): 0.522 s, so
    // the load is 0.522 with one poller and 0.174 with three.
    let yaml = r#"name: pipe-by
horizon: 1d
producers:
  - {name: s, kind: burst, size: 1, every: 1s, to: incoming}
pipeline:
  queues:
    - {name: incoming, type: standard}
  consumers:
    - name: classifier
      queue: incoming
      count: {schedule: [{from: "00:00", count: 1}, {from: "12:00", count: 3}], cycle: 1d}
      batch: 10
      processing_time: {dist: constant, value: 500ms}
output: {by_interval: 6h}
"#;
    let rows = run(yaml).by_interval.expect("by-interval rows");
    assert_eq!(rows.len(), 4);
    let pollers: Vec<Option<f64>> = rows
        .iter()
        .map(|r| r.values["classifier.pollers_mean"])
        .collect();
    assert_eq!(pollers, [Some(1.0), Some(1.0), Some(3.0), Some(3.0)]);
    for (r, load) in rows.iter().zip([0.522, 0.522, 0.174, 0.174]) {
        let got = r.offered_load.expect("a consumer load");
        // ±1 message of 21,600 in an interval (the send at its boundary).
        assert!(
            (got - load).abs() < 1e-4 * load,
            "{}: {got} vs {load}",
            r.interval
        );
        assert_eq!(r.workers_load, None, "no workers");
        // A pipeline alone has no staff to count: no value, not 0.
        assert_eq!(r.staff_on_shift_mean, None);
    }
}

#[test]
fn a_mixed_scenario_reads_the_larger_of_workers_and_consumers_by_interval() {
    // The job gets a message every 10 s for 1 worker of 5 s (load 0.5);
    // the consumer's 1 poller gets one a second at 0.522 s each.
    let yaml = r#"name: mixed-by
horizon: 1d
job: {initializing: 0s}
producers:
  - {name: s, kind: burst, size: 1, every: 1s, to: incoming}
  - {name: j, kind: burst, size: 1, every: 10s}
workers:
  - {name: solo, count: 1, service_time: {dist: constant, value: 5s}}
pipeline:
  queues:
    - {name: incoming, type: standard}
  consumers:
    - {name: classifier, queue: incoming, count: 1, batch: 10,
       processing_time: {dist: constant, value: 500ms}, confidence: {dist: constant, value: 1}}
output: {by_interval: 6h}
"#;
    let rows = run(yaml).by_interval.expect("by-interval rows");
    for r in &rows {
        let workers = r.workers_load.expect("workers on shift");
        assert!((workers - 0.5).abs() < 1e-3, "{workers}");
        let got = r.offered_load.unwrap();
        assert!((got - 0.522).abs() < 1e-3, "{}: {got}", r.interval);
    }
}

#[test]
fn by_interval_loads_count_holds_as_the_planner_does_and_no_capacity_is_no_value() {
    // Declines count as the offered load counts them: half the tasks
    // declined after 2 minutes, half held 30: h = 16 min, so the 3 tasks
    // at 01:00 against one worker are 3 × 16 / 60 = 0.8, not 1.5.
    let declines = tiny_solo_with("decline_probability: 0.5, decline_time: 2m");
    let rows = run(&declines).by_interval.unwrap();
    let load = rows[1].offered_load.unwrap();
    assert!((load - 0.8).abs() < 1e-12, "{load}");
    // A pipeline interval with no pollers and no messages has no load (an
    // empty cell), one with messages and no pollers +∞ (empty too).
    let yaml = r#"name: idle-pool
horizon: 1d
producers:
  - {name: s, kind: burst, size: 2, every: 1d, start: 10h, to: incoming}
pipeline:
  queues:
    - {name: incoming, type: standard}
  consumers:
    - name: classifier
      queue: incoming
      count: {schedule: [{from: "00:00", count: 0}, {from: "12:00", count: 1}], cycle: 1d}
      processing_time: {dist: constant, value: 1s}
output: {by_interval: 1h}
"#;
    let rows = run(yaml).by_interval.unwrap();
    assert_eq!(rows[0].offered_load, None, "no pollers, no messages");
    assert_eq!(
        rows[10].offered_load,
        Some(f64::INFINITY),
        "messages, no pollers"
    );
    assert_eq!(rows[13].offered_load, Some(0.0), "pollers, no messages");
    // A job with work and nobody on shift is +∞ whatever the consumers.
    let mixed = r#"name: night
horizon: 1d
job: {initializing: 0s}
producers:
  - {name: s, kind: burst, size: 4, every: 1d, start: 20h, to: incoming}
pipeline:
  queues:
    - {name: incoming}
  consumers:
    - {name: classifier, queue: incoming, count: 2, processing_time: {dist: constant, value: 1s},
       confidence: {dist: constant, value: 0.5}, route: {threshold: 0.9}}
workers:
  - {name: team, count: 3, service_time: {dist: constant, value: 10m},
     shifts: [{days: mon-sun, from: "09:00", to: "17:00"}]}
output: {by_interval: 1h}
"#;
    let rows = run(mixed).by_interval.unwrap();
    assert_eq!(rows[20].workers_load, Some(f64::INFINITY));
    assert_eq!(rows[20].offered_load, Some(f64::INFINITY));
}
