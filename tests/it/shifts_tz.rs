//! Shifts in IANA time zones (`workers[].tz`, issue 11): boundaries are
//! local wall-clock times that move by an hour in UTC across daylight-saving
//! transitions. Expectations computed by hand from the US rules of 2026
//! (spring forward on Sunday 8 March, fall back on Sunday 1 November).

use crate::common;
use common::*;

/// Three workers on daily 00:00-08:00 New York shifts, run for one week of
/// UTC time from `start_at`.
fn daily_night_week(start_at: &str) -> String {
    format!(
        r#"
name: tz
horizon: 1w
start_at: {start_at}
job: {{initializing: 0s}}
producers: [{{name: m, kind: manifest, count: 1}}]
workers:
  - count: 3
    service_time: {{dist: constant, value: 1m}}
    tz: America/New_York
    shifts: [{{days: daily, from: "00:00", to: "08:00"}}]
"#
    )
}

#[test]
fn on_shift_hours_follow_spring_forward() {
    // From Monday 2 March 00:00 EST (05:00Z) for 168 h: Monday to Saturday
    // 8 h each, Sunday 8 March 00:00 EST-08:00 EDT 7 h, and Monday 9 March
    // 00:00-01:00 EDT (the 168th hour) 1 h: 56 h × 3 workers.
    let s = run(&daily_night_week("2026-03-02T05:00:00Z")).summary;
    assert_eq!(s.worker_hours_on_shift, 168.0);
}

#[test]
fn on_shift_hours_follow_fall_back() {
    // From Monday 26 October 00:00 EDT (04:00Z) for 168 h, which ends at
    // Sunday 1 November 23:00 EST: Monday to Saturday 8 h each, Sunday
    // 00:00 EDT-08:00 EST 9 h: 57 h × 3 workers.
    let s = run(&daily_night_week("2026-10-26T04:00:00Z")).summary;
    assert_eq!(s.worker_hours_on_shift, 171.0);
}

#[test]
fn a_fixed_offset_still_ignores_daylight_saving() {
    // The same week at tz_offset -05:00: 7 × 8 h × 3 workers.
    let yaml = daily_night_week("2026-03-02T05:00:00Z")
        .replace("tz: America/New_York", "tz_offset: \"-05:00\"");
    assert_eq!(run(&yaml).summary.worker_hours_on_shift, 168.0);
    let yaml = daily_night_week("2026-10-26T04:00:00Z")
        .replace("tz: America/New_York", "tz_offset: \"-04:00\"");
    assert_eq!(run(&yaml).summary.worker_hours_on_shift, 168.0);
}

#[test]
fn an_unknown_zone_is_named_with_its_line_and_near_names() {
    let yaml =
        daily_night_week("2026-03-02T05:00:00Z").replace("America/New_York", "America/New_Yrok");
    let err = try_scenario(&yaml).unwrap_err();
    let p = &err.problems[0];
    assert_eq!(p.field, "workers[0].tz");
    assert_eq!(p.line, Some(10));
    assert!(
        p.message.contains("did you mean `America/New_York`"),
        "{}",
        p.message
    );
    // Near the city alone, too.
    let yaml = daily_night_week("2026-03-02T05:00:00Z").replace("America/New_York", "Berlin");
    let err = try_scenario(&yaml).unwrap_err();
    assert!(
        err.problems[0].message.contains("`Europe/Berlin`"),
        "{}",
        err.problems[0].message
    );
}

#[test]
fn tz_and_tz_offset_together_are_refused() {
    let yaml = daily_night_week("2026-03-02T05:00:00Z").replace(
        "tz: America/New_York",
        "tz: America/New_York\n    tz_offset: \"-05:00\"",
    );
    let err = try_scenario(&yaml).unwrap_err();
    assert_eq!(err.problems.len(), 1, "{err}");
    assert_eq!(err.problems[0].field, "workers[0].tz");
    assert!(err.problems[0].message.contains("keep one"));
}
