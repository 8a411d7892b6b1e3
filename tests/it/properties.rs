//! Property tests: over many random scenarios, every run satisfies the SPEC
//! §5 invariants (checked inside every run; a violation is an error) and
//! A ≤ K at every sampled instant; the same seed gives identical results on
//! 1 and 4 threads.

use crate::common;
use labelsim::runner::run_replications;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Gen {
    batch: bool,
    mturk: bool,
    k: u32,
    n: u32,
    strict: bool,
    no_input: bool,
    drop: bool,
    lifetime_m: u32,
    limit_m: u32,
    retention_h: u32,
    idle_h: u32,
    stop_h: Option<u32>,
    horizon_d: u32,
    rate_h: u32,
    burst: (u32, u32),
    manifest: u32,
    dups: (f64, f64, f64, f64),
    s3: bool,
    source_ref: bool,
    workers: u32,
    mean_m: u32,
    dist: u8,
    decline: f64,
    shifts: bool,
    init_m: u32,
}

fn gen() -> impl Strategy<Value = Gen> {
    (
        (
            any::<bool>(),
            any::<bool>(),
            2u32..40,
            1u32..10,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            1u32..3000,
            1u32..480,
            1u32..336,
            1u32..96,
            prop::option::of(1u32..200),
            1u32..12,
        ),
        (0u32..60, (0u32..40, 1u32..100), 0u32..80),
        (
            (0.0..1.0f64),
            (0.0..1.0f64),
            (0.0..1.0f64),
            (0.0..1.0f64),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            0u32..8,
            1u32..120,
            0u8..4,
            (0.0..0.6f64),
            any::<bool>(),
            0u32..30,
        ),
    )
        .prop_map(|(a, b, c, d, e)| Gen {
            batch: a.0,
            mturk: a.1,
            k: a.2,
            n: a.3.min(a.2 - 1).max(1),
            strict: a.4,
            no_input: a.5,
            drop: a.6,
            lifetime_m: b.0.max(1),
            limit_m: b.1.max(1),
            retention_h: b.2,
            idle_h: b.3,
            stop_h: b.4,
            horizon_d: b.5,
            rate_h: c.0,
            burst: c.1,
            manifest: c.2,
            dups: (d.0, d.1, d.2, d.3),
            s3: d.4,
            source_ref: d.5,
            workers: e.0,
            mean_m: e.1,
            dist: e.2,
            decline: e.3,
            shifts: e.4,
            init_m: e.5,
        })
}

fn yaml(g: &Gen) -> String {
    let lifetime = if g.mturk {
        g.lifetime_m.clamp(1, 720)
    } else {
        g.lifetime_m
    };
    let dist = match g.dist {
        0 => format!("{{dist: exponential, mean: {}m}}", g.mean_m),
        1 => format!("{{dist: constant, value: {}m}}", g.mean_m),
        2 => format!("{{dist: uniform, min: 30s, max: {}m}}", g.mean_m),
        _ => format!("{{dist: lognormal, median: {}m, sigma: 0.8}}", g.mean_m),
    };
    let shifts = if g.shifts {
        r#"[{days: mon-fri, from: "09:00", to: "17:00"}, {days: sat, from: "22:00", to: "04:00"}]"#
    } else {
        "always"
    };
    let source = if g.s3 { "s3" } else { "sns" };
    let s3dup = if g.s3 { g.dups.2 } else { 0.0 };
    let dups = format!(
        "{{sns_redelivery: {:.3}, producer_retry: {:.3}, s3_event_duplicate: {:.3}, reupload: {:.3}, delay: 7m}}",
        g.dups.0, g.dups.1, s3dup, g.dups.3
    );
    let mut producers = format!(
        "  - {{name: m, kind: manifest, count: {}, source: {source}, duplicates: {dups}}}\n",
        g.manifest
    );
    if !g.batch {
        producers += &format!(
            "  - {{name: p, kind: poisson, rate: {}/h, source: {source}, duplicates: {dups}}}\n",
            g.rate_h
        );
        producers += &format!(
            "  - {{name: b, kind: burst, size: {}, every: {}h, start: 2m, source: {source}, duplicates: {dups}}}\n",
            g.burst.0, g.burst.1
        );
        if g.s3 {
            producers += "  - {name: t, kind: burst, size: 1, start: 1h, source: s3, notification_configured_at: 3m}\n";
        }
    }
    let stop = g
        .stop_h
        .map(|h| format!("  stop_at: {h}h\n"))
        .unwrap_or_default();
    format!(
        r#"name: prop
seed: 3
horizon: {h}d
job:
  mode: {mode}
  workforce: {wf}
  max_concurrent_task_count: {k}
  workers_per_object: {n}
  initializing: {init}m
  task_availability_lifetime: {lifetime}m
  task_time_limit: {limit}m
  queue_retention: {ret}h
  idle_timeout: {idle}h
  idle_definition: {idef}
  refill_rule: {rule}
  on_timeout: {ot}
  dedup_key: {key}
{stop}producers:
{producers}workers:
  - count: {w}
    service_time: {dist}
    decline_probability: {decline:.3}
    shifts: {shifts}
    speed: {{spread: 0.3}}
  - count: 1
    service_time: {{dist: exponential, mean: 20m}}
output: {{timeseries_every: 10m}}
"#,
        h = g.horizon_d,
        mode = if g.batch { "batch" } else { "streaming" },
        wf = if g.mturk { "mturk" } else { "private" },
        k = g.k,
        n = g.n,
        init = g.init_m,
        limit = g.limit_m.max(1),
        ret = g.retention_h,
        idle = g.idle_h,
        idef = if g.no_input {
            "no_input"
        } else {
            "no_input_and_no_work"
        },
        rule = if g.strict {
            "strict_fifo"
        } else {
            "documented"
        },
        ot = if g.drop { "drop" } else { "return" },
        key = if g.source_ref {
            "source-ref"
        } else {
            "sns_message_id"
        },
        w = g.workers,
        decline = g.decline,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_and_available_never_exceeds_k(g in gen()) {
        let text = yaml(&g);
        let s = labelsim::scenario::Scenario::from_str(
            &text, "prop.yaml", std::path::Path::new("."),
            labelsim::scenario::LoadOptions { lenient: true },
        ).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let runs = run_replications(&s.sim, s.seed, 2, Some(1), &|| {})
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        for r in &runs {
            let m = &r.summary;
            prop_assert!(m.available_max <= g.k as u64);
            prop_assert!(r.timeseries.iter().all(|x| x.available <= g.k as u64));
            prop_assert!(r.timeseries.iter().all(|x| x.tasks_in_progress <= x.workers_busy));
            prop_assert_eq!(
                m.messages_received,
                m.objects_accepted + m.duplicates_dropped + m.lost_not_in_progress + m.lost_after_stop
            );
            prop_assert_eq!(
                m.objects_accepted,
                m.objects_labeled + m.objects_failed + m.expired_in_queue + m.stranded_at_stop
                    + m.queued_at_end + m.in_progress_at_end
            );
            if g.batch {
                prop_assert_eq!(m.expired_in_queue, 0);
            }
        }
    }
}

#[test]
fn same_seed_gives_identical_outputs_on_one_and_four_threads() {
    use labelsim::report;
    let s = common::scenario(&std::fs::read_to_string("scenarios/quickstart.yaml").unwrap());
    let run = |threads| {
        let runs = run_replications(&s.sim, s.seed, 8, Some(threads), &|| {}).unwrap();
        let summaries: Vec<_> = runs.iter().map(|r| r.summary.clone()).collect();
        let agg = labelsim::runner::aggregate(&summaries);
        (
            report::summary_json(&s.name, s.seed, &runs, &agg),
            report::timeseries_csv(&runs),
            report::summary_csv(&runs),
        )
    };
    let one = run(1);
    let four = run(4);
    assert!(
        one.0 == four.0,
        "summary.json differs between 1 and 4 threads"
    );
    assert!(
        one.1 == four.1,
        "timeseries.csv differs between 1 and 4 threads"
    );
    assert!(
        one.2 == four.2,
        "summary.csv differs between 1 and 4 threads"
    );
    // And different seeds do differ (the test can fail).
    let other = run_replications(&s.sim, s.seed + 1, 1, Some(1), &|| {}).unwrap();
    assert_ne!(
        other[0].summary,
        run_replications(&s.sim, s.seed, 1, Some(1), &|| {}).unwrap()[0].summary
    );
}
