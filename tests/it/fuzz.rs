//! A mutation fuzzer for scenario files, on stable Rust (no cargo-fuzz).
//!
//! Seeds: every file in `scenarios/` and the regression corpus in
//! `tests/data/fuzz/`. Each input is a seed with one to four text
//! mutations (lines deleted, duplicated, swapped, spliced from another
//! seed; numbers replaced by extremes such as 0, -1, 1e308, NaN, 2^32,
//! 10^12; units changed, `7d` → `7s` or `1ms`; deep nesting, YAML aliases,
//! random bytes, truncation, keys and enum words from the schema). For
//! each input, on its own thread:
//!
//! 1. load and validate it through the library (`Scenario::from_str`,
//!    strict or `--lenient` at random) — it must not panic;
//! 2. if valid, estimate it (`budget::estimate_run`, `estimate_points`,
//!    `check`, their messages: none may panic) and skip it if the budget
//!    refuses it (with the fuzzer's own, smaller limits);
//! 3. otherwise run one replication (on a capped horizon unless the whole
//!    one fits the budget) under a
//!    `RunGuard` with an event budget: it must not panic or break an
//!    invariant, must end within a time bound (the guard is stopped when
//!    the bound passes; a run that does not stop then is a hang) and must
//!    keep the process's resident memory under a bound (`MemoryWatchdog`).
//!
//! A finding is written to `target/fuzz-findings/` (the input as
//! `<kind>-<hash>.yaml`, what happened in `<kind>-<hash>.txt`) and fails
//! the test with the file's name. Before each input the fuzzer writes it
//! to `target/fuzz-findings/in-progress-<session>.yaml`, so an input that kills the
//! process (an allocation failure, a stack overflow) is found there and
//! reported by the next session as a `crash` finding.
//!
//! ```text
//! cargo test --release --test it -- --ignored --nocapture
//! LABELSIM_FUZZ_SECS=600 LABELSIM_FUZZ_SEED=42 cargo test --release --test it -- --ignored --nocapture
//! ```
//!
//! `fuzz_quick_slice` runs a small fixed slice of it in the normal suite.

use labelsim::budget::{
    check, estimate_points, estimate_run, resident_bytes, Limits, MemoryWatchdog, RunError,
    RunGuard, StopReason,
};
use labelsim::engine::{SimDuration, SimRng, SimTime, StreamSeeds};
use labelsim::model::sim::simulate_guarded;
use labelsim::scenario::{LoadOptions, Scenario};
use rand::{RngExt, SeedableRng};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// Default session length of the long fuzzer [s] (`LABELSIM_FUZZ_SECS`).
const DEFAULT_SECS: f64 = 150.0;
/// Default seed (`LABELSIM_FUZZ_SEED`).
const DEFAULT_SEED: u64 = 0x1AB3_15E1;
/// Largest input kept [bytes]: mutations that grow text stop here.
const MAX_INPUT_BYTES: usize = 64 * 1024;

/// How hard one session pushes each input.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    /// Horizon of the one replication run per valid input.
    horizon_cap: SimDuration,
    /// Budget the estimate must fit, or the input is skipped.
    limits: Limits,
    /// The run's guard: stops a run the estimate underrated.
    max_events: u64,
    /// Wall time after which the run's guard is stopped; a run still going
    /// `grace` later is a hang.
    time_bound: Duration,
    grace: Duration,
    /// Resident memory of the whole process that counts as a finding.
    rss_limit: u64,
    /// With the estimate check off (`LABELSIM_FUZZ_BUDGET=off`), runs the
    /// time bound or the memory watchdog stop are expected, not findings:
    /// only panics, broken invariants and hangs (a run the guard cannot
    /// stop) are.
    budget_off: bool,
}

impl Bounds {
    fn release() -> Bounds {
        Bounds {
            horizon_cap: SimDuration::from_days(60),
            limits: Limits {
                max_events: 20_000_000,
                max_memory_bytes: 1 << 30,
                max_output_bytes: 1 << 30,
            },
            max_events: 80_000_000,
            time_bound: Duration::from_secs(10),
            grace: Duration::from_secs(5),
            rss_limit: 2 << 30,
            budget_off: false,
        }
    }

    /// For the debug build of the normal suite: about 20× slower.
    fn quick() -> Bounds {
        Bounds {
            horizon_cap: SimDuration::from_days(7),
            limits: Limits {
                max_events: 200_000,
                max_memory_bytes: 1 << 30,
                max_output_bytes: 1 << 30,
            },
            max_events: 800_000,
            time_bound: Duration::from_secs(20),
            grace: Duration::from_secs(10),
            rss_limit: 2 << 30,
            budget_off: false,
        }
    }
}

#[derive(Default, Debug)]
struct Counts {
    tried: u64,
    valid: u64,
    refused: u64,
    run: u64,
    /// Runs the event guard stopped (the estimate underrated them).
    stopped_by_guard: u64,
    /// With the budget off: runs stopped at the time bound or by the
    /// memory watchdog.
    stopped_by_time: u64,
    stopped_by_memory: u64,
    /// Runs with over 4× (and 10,000 more) the events estimated.
    estimate_misses: u64,
    worst_miss: f64,
    findings: Vec<PathBuf>,
}

/// What one input did.
enum Outcome {
    Invalid,
    Refused,
    Ran {
        events: u64,
        estimate: f64,
    },
    GuardStopped {
        events: u64,
        estimate: f64,
    },
    /// A finding: its kind and what happened.
    Finding(&'static str, String),
}

// ----- corpus and mutations ------------------------------------------------

fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in ["scenarios", "tests/data/fuzz"] {
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            if let Ok(text) = std::fs::read_to_string(&p) {
                out.push((p.display().to_string(), text));
            }
        }
    }
    assert!(out.len() >= 8, "seeds from scenarios/: {}", out.len());
    out
}

const EXTREME_NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "1e308",
    "-1e308",
    "NaN",
    ".nan",
    ".inf",
    "-.inf",
    "4294967295",
    "4294967296",
    "1e12",
    "1000000000000",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "65535",
    "65536",
    "5000",
    "5001",
    "10000000",
    "10000001",
    "0.0000001",
    "1e-300",
    "0.5",
    "0x10",
    "1_000",
    "-0",
    "2.5",
];

const UNITS: &[&str] = &["ms", "s", "m", "h", "d", "us", "w", "y", "", "µs", "min"];

const WORDS: &[&str] = &[
    "streaming",
    "batch",
    "private",
    "vendor",
    "mturk",
    "strict_fifo",
    "documented",
    "no_input",
    "no_input_and_no_work",
    "drop",
    "return",
    "sns",
    "s3",
    "poisson",
    "manifest",
    "burst",
    "diurnal",
    "trace",
    "exponential",
    "constant",
    "lognormal",
    "gamma",
    "weibull",
    "uniform",
    "empirical",
    "always",
    "none",
    "fixed_rate",
    "token_bucket",
    "backlog_threshold",
    "aimd",
    "pi",
    "expiry_alarm",
    "auto",
    "source-ref",
    "sns_message_id",
    "text_classification",
    "~",
    "null",
    "''",
    "true",
    "[]",
    "{}",
    "mon-sun",
    "sat-mon",
    "\"24:00\"",
    "\"23:59\"",
    "\"00:00\"",
    "+14:00",
    "-12:00",
    "traces/arrivals.csv",
    "traces/service_times.csv",
    "2026-01-05T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
];

/// Keys with a value, inserted as a new line (indentation taken from a
/// neighbour), to reach settings the seeds leave at their defaults.
const KEY_LINES: &[&str] = &[
    "limit: 1000000000000",
    "limit: 0",
    "every: 1ms",
    "every: 7s",
    "size: 1000000000000",
    "count: 1000000000000",
    "count: 10000000",
    "rate: 1000000/s",
    "rate: 1e12/h",
    "period: 1ms",
    "delay: 0s",
    "timeseries_every: 1s",
    "warmup: auto",
    "warmup: 29d",
    "sla: [1ms, 30d]",
    "stop_at: 0s",
    "stop_at: 1ms",
    "initializing: 0s",
    "idle_timeout: 1ms",
    "queue_retention: 1ms",
    "task_availability_lifetime: 60s",
    "task_time_limit: 30s",
    "workers_per_object: 9",
    "max_concurrent_task_count: 5000",
    "max_concurrent_task_count: 10",
    "decline_probability: 1",
    "duplicates: {sns_redelivery: 1, producer_retry: 1, s3_event_duplicate: 1, reupload: 1, delay: 0s}",
    "speed: {spread: 10}",
    "service_time: {dist: constant, value: 0s}",
    "service_time: {dist: exponential, mean: 1ms}",
    "service_time: {dist: lognormal, median: 1h, sigma: 20}",
    "service_time: {dist: weibull, shape: 0.01, scale: 1h}",
    "shifts: [{days: mon-fri, from: \"09:00\", to: \"09:01\"}]",
    "throttle: {policy: aimd, increase: 1/s, decrease_factor: 0.5, target_backlog: 1, interval: 1ms, initial_rate: 1/s}",
    "throttle: {policy: pi, target_backlog: 1, kp: 1e12, ki: 1e12, interval: 1ms, base_rate: 1/s}",
    "throttle: {policy: fixed_rate, rate: 1/d}",
    "throttle: {policy: token_bucket, rate: 1/s, burst: 1e12}",
    "throttle: {policy: backlog_threshold, high: 0, low: 0}",
    "throttle: {policy: none, keepalive: 1ms}",
    "metrics: {period: 1ms, delay: 0s}",
    "notification_configured_at: 1ms",
    "peak_hour: 1e308",
    "amplitude: -5",
    "profile: [{at: \"00:00\", rate: 1e9/h}]",
    "- {name: x, kind: burst, size: 1000000000000, every: 1ms}",
    "- {name: y, kind: manifest, count: 1000000000000}",
    "- {name: z, kind: poisson, rate: 1e9/s}",
    "- {count: 10000000, service_time: {dist: constant, value: 1ms}}",
    // Near the clock's ends (2^63 µs ≈ 106,751 days) and the calendar's.
    "horizon: 106751d",
    "horizon: 106752d",
    "horizon: 1us",
    "start_at: 9999-12-31T23:59:59Z",
    "start_at: 0001-01-01T00:00:00Z",
    "start_at: 1969-12-31T23:59:59Z",
    "tz_offset: \"+23:59\"",
    "tz_offset: \"-23:59\"",
    "stop_at: 106751d",
    "start: 106751d",
    "end: 106751d",
    "idle_timeout: 106751d",
    "max_runtime: 106751d",
    "queue_retention: 106751d",
    "task_availability_lifetime: 106751d",
    "delay: 106751d",
];

struct Mutator<'a> {
    rng: SimRng,
    corpus: &'a [(String, String)],
}

fn is_num_char(c: char) -> bool {
    c.is_ascii_digit() || c == '.'
}

impl Mutator<'_> {
    fn pick<'b, T>(&mut self, xs: &'b [T]) -> &'b T {
        &xs[self.rng.random_range(0..xs.len())]
    }

    fn input(&mut self) -> String {
        let seed = self.rng.random_range(0..self.corpus.len());
        let mut text = self.corpus[seed].1.clone();
        let n = self.rng.random_range(1..=4);
        for _ in 0..n {
            text = self.mutate(&text);
            if text.len() > MAX_INPUT_BYTES {
                let mut cut = MAX_INPUT_BYTES;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
        }
        text
    }

    fn mutate(&mut self, text: &str) -> String {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = self.rng.random_range(0..lines.len());
        match self.rng.random_range(0..16) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let j = self.rng.random_range(0..lines.len());
                lines.swap(i, j);
            }
            3 | 4 => {
                // A number (or the number of a duration or rate) replaced.
                let x = self.pick(EXTREME_NUMBERS).to_string();
                if let Some(l) = self.replace_number(&lines[i], &x) {
                    lines[i] = l;
                } else if let Some(k) = (0..lines.len()).find(|&k| {
                    let k = (i + k) % lines.len();
                    lines[k].chars().any(|c| c.is_ascii_digit())
                }) {
                    let k = (i + k) % lines.len();
                    if let Some(l) = self.replace_number(&lines[k], &x) {
                        lines[k] = l;
                    }
                }
            }
            5 => {
                // A unit changed: `7d` → `7s`, `90/h` → `90/ms`.
                let u = self.pick(UNITS).to_string();
                lines[i] = change_unit(&lines[i], &u);
            }
            6 => {
                // Deep nesting as a value.
                let depth = self.rng.random_range(8..400);
                let nest = if self.rng.random::<bool>() {
                    format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
                } else {
                    format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth))
                };
                lines[i] = replace_value(&lines[i], &nest);
            }
            7 => {
                // Random bytes (as text) into a line.
                let n = self.rng.random_range(1..12);
                let bytes: Vec<u8> = (0..n).map(|_| self.rng.random::<u8>()).collect();
                let junk = String::from_utf8_lossy(&bytes).into_owned();
                let l = &mut lines[i];
                let mut at = self.rng.random_range(0..=l.len());
                while !l.is_char_boundary(at) {
                    at -= 1;
                }
                l.insert_str(at, &junk);
            }
            8 => {
                // Truncated anywhere.
                let joined = lines.join("\n");
                let mut cut = self.rng.random_range(0..=joined.len());
                while !joined.is_char_boundary(cut) {
                    cut -= 1;
                }
                return joined[..cut].to_string();
            }
            9 => {
                // A line spliced in from another seed.
                let other = &self.pick(self.corpus).1;
                let ls: Vec<&str> = other.lines().collect();
                if !ls.is_empty() {
                    let l = ls[self.rng.random_range(0..ls.len())].to_string();
                    lines.insert(i, l);
                }
            }
            10 => {
                // A value of another type or word.
                let w = self.pick(WORDS).to_string();
                lines[i] = replace_value(&lines[i], &w);
            }
            11 | 12 => {
                // A key with an extreme value, indented like a neighbour.
                let k = self.pick(KEY_LINES).to_string();
                let indent: String = lines[i].chars().take_while(|c| *c == ' ').collect();
                let indent = if lines[i].trim_start().starts_with("- ") {
                    format!("{indent}  ")
                } else {
                    indent
                };
                lines.insert(i + 1, format!("{indent}{k}"));
            }
            13 => {
                // Indentation changed.
                if self.rng.random::<bool>() {
                    lines[i].insert_str(0, "  ");
                } else if lines[i].starts_with("  ") {
                    lines[i].drain(..2);
                }
            }
            14 => {
                // YAML anchors and aliases (a small "billion laughs").
                let bomb = [
                    "x0: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
                    "x1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
                    "x2: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
                    "x3: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
                    "x4: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
                    "x5: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]",
                ];
                for (k, l) in bomb.iter().enumerate() {
                    lines.insert(i + k, l.to_string());
                }
            }
            _ => {
                // A number grown into a long one.
                let digits = self.rng.random_range(15..400);
                let x = "9".repeat(digits);
                if let Some(l) = self.replace_number(&lines[i], &x) {
                    lines[i] = l;
                }
            }
        }
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }

    /// Replaces one run of digits in `line` (chosen at random) with `x`.
    fn replace_number(&mut self, line: &str, x: &str) -> Option<String> {
        let chars: Vec<(usize, char)> = line.char_indices().collect();
        let mut runs = Vec::new();
        let mut k = 0;
        while k < chars.len() {
            if chars[k].1.is_ascii_digit() {
                let start = chars[k].0;
                while k < chars.len() && is_num_char(chars[k].1) {
                    k += 1;
                }
                let end = chars.get(k).map_or(line.len(), |c| c.0);
                runs.push((start, end));
            } else {
                k += 1;
            }
        }
        if runs.is_empty() {
            return None;
        }
        let (s, e) = runs[self.rng.random_range(0..runs.len())];
        Some(format!("{}{}{}", &line[..s], x, &line[e..]))
    }
}

/// Changes the unit after the first number followed by a letter, or the
/// unit after a `/` (rates).
fn change_unit(line: &str, unit: &str) -> String {
    let b = line.as_bytes();
    for k in 1..b.len() {
        let after_digit = b[k - 1].is_ascii_digit() && b[k].is_ascii_alphabetic();
        let after_slash = b[k - 1] == b'/' && b[k].is_ascii_alphabetic();
        if after_digit || after_slash {
            let mut e = k;
            while e < b.len() && b[e].is_ascii_alphabetic() {
                e += 1;
            }
            return format!("{}{}{}", &line[..k], unit, &line[e..]);
        }
    }
    line.to_string()
}

/// Replaces what follows the first `: ` of `line` (or appends a value).
fn replace_value(line: &str, value: &str) -> String {
    match line.find(": ") {
        Some(at) => format!("{}: {}", &line[..at], value),
        None => format!("{line} {value}"),
    }
}

// ----- running one input ---------------------------------------------------

thread_local! {
    /// Set on fuzz threads: their panics are recorded, not printed.
    static FUZZ_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if FUZZ_THREAD.with(|f| f.get()) {
                let msg = match info.payload().downcast_ref::<&str>() {
                    Some(s) => s.to_string(),
                    None => info
                        .payload()
                        .downcast_ref::<String>()
                        .cloned()
                        .unwrap_or_else(|| "(non-text panic)".into()),
                };
                let at = info
                    .location()
                    .map(|l| format!("{}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(format!("{msg} (at {at})"));
            } else {
                default(info);
            }
        }));
    });
}

fn take_panic() -> String {
    LAST_PANIC
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .unwrap_or_else(|| "panic".into())
}

/// Loads, estimates and runs one input (on the calling thread).
fn process(text: &str, lenient: bool, bounds: &Bounds, guard: &RunGuard) -> Outcome {
    let loaded = catch_unwind(|| {
        Scenario::from_str(
            text,
            "fuzz.yaml",
            Path::new("scenarios"),
            LoadOptions { lenient },
        )
    });
    let s = match loaded {
        Err(_) => return Outcome::Finding("panic-load", take_panic()),
        Ok(Err(_)) => return Outcome::Invalid,
        Ok(Ok(s)) => s,
    };
    // Estimates and their messages, of the scenario as written: never a panic.
    let estimated = catch_unwind(AssertUnwindSafe(|| {
        let full = estimate_run(&s.sim, s.replications, 16);
        let sweep = estimate_points(&full, 4_294_967_295, "--samples");
        let _ = format!("{full} {sweep}");
        if let Err(e) = check(&sweep, &Limits::default()) {
            let _ = e.to_string();
        }
        // The whole horizon when it fits the budget, else a capped one.
        let whole = estimate_run(&s.sim, 1, 1);
        if check(&whole, &bounds.limits).is_ok() {
            return (s.sim.clone(), whole);
        }
        let mut cfg = s.sim.clone();
        cfg.horizon = cfg
            .horizon
            .min(SimTime::ZERO + bounds.horizon_cap)
            .max(SimTime::from_micros(1));
        let est = estimate_run(&cfg, 1, 1);
        (cfg, est)
    }));
    let (cfg, est) = match estimated {
        Err(_) => return Outcome::Finding("panic-estimate", take_panic()),
        Ok(x) => x,
    };
    if check(&est, &bounds.limits).is_err() {
        return Outcome::Refused;
    }
    let seeds = StreamSeeds::for_replication(s.seed, 0);
    let ran = catch_unwind(AssertUnwindSafe(|| simulate_guarded(&cfg, seeds, guard)));
    match ran {
        Err(_) => Outcome::Finding("panic-run", take_panic()),
        Ok(Ok(out)) => Outcome::Ran {
            events: out.summary.events,
            estimate: est.events,
        },
        Ok(Err(RunError::Invariant(e))) => Outcome::Finding("invariant", e.to_string()),
        Ok(Err(RunError::Stopped(stop))) => match &stop.reason {
            StopReason::MaxEvents { .. } => Outcome::GuardStopped {
                events: stop.events,
                estimate: est.events,
            },
            StopReason::Memory { .. } => Outcome::Finding(
                "memory",
                format!(
                    "{stop}; the estimate was {est} (horizon capped at {})",
                    cfg.horizon
                ),
            ),
            StopReason::Requested(_) => Outcome::Finding(
                "slow",
                format!(
                    "{stop}; the estimate was {est} (horizon capped at {})",
                    cfg.horizon
                ),
            ),
        },
    }
}

fn findings_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("fuzz-findings")
}

fn save_finding(dir: &Path, kind: &str, text: &str, what: &str) -> PathBuf {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    let stem = format!("{kind}-{:016x}", h.finish());
    std::fs::create_dir_all(dir).expect("create target/fuzz-findings");
    let path = dir.join(format!("{stem}.yaml"));
    std::fs::write(&path, text).expect("write a finding");
    std::fs::write(dir.join(format!("{stem}.txt")), format!("{kind}: {what}\n"))
        .expect("write a finding");
    path
}

/// Runs inputs until `secs` pass or `max_inputs` are tried; returns the
/// counts. Stops at the first hang (its thread cannot be reclaimed).
fn fuzz(session: &str, secs: f64, max_inputs: u64, seed: u64, bounds: Bounds) -> Counts {
    install_panic_hook();
    let dir = findings_dir();
    std::fs::create_dir_all(&dir).expect("create target/fuzz-findings");
    let in_progress = dir.join(format!("in-progress-{session}.yaml"));
    let mut counts = Counts::default();
    if let Ok(text) = std::fs::read_to_string(&in_progress) {
        // The previous session died on this input.
        let p = save_finding(
            &dir,
            "crash",
            &text,
            "the process died on this input (allocation failure, stack overflow or kill)",
        );
        counts.findings.push(p);
    }
    let corpus = corpus();
    let mut m = Mutator {
        rng: SimRng::seed_from_u64(seed),
        corpus: &corpus,
    };
    let started = Instant::now();
    let mut misses_saved = 0;
    while started.elapsed().as_secs_f64() < secs && counts.tried < max_inputs {
        let text = m.input();
        let lenient = m.rng.random_range(0..4) == 0;
        counts.tried += 1;
        std::fs::write(&in_progress, &text).expect("write the in-progress input");

        let guard = Arc::new(RunGuard::new(Some(bounds.max_events)));
        let dog = MemoryWatchdog::spawn(guard.clone(), bounds.rss_limit);
        let (tx, rx) = mpsc::channel();
        let (t_text, t_guard) = (text.clone(), guard.clone());
        std::thread::Builder::new()
            .name("fuzz-input".into())
            .stack_size(8 << 20) // as the main thread of the CLI
            .spawn(move || {
                FUZZ_THREAD.with(|f| f.set(true));
                let out = process(&t_text, lenient, &bounds, &t_guard);
                let _ = tx.send(out);
            })
            .expect("spawn a fuzz thread");
        let outcome = match rx.recv_timeout(bounds.time_bound) {
            Ok(o) => o,
            Err(_) => {
                guard.stop(StopReason::Requested(format!(
                    "fuzz time bound of {:?} passed",
                    bounds.time_bound
                )));
                match rx.recv_timeout(bounds.grace) {
                    Ok(o) => o,
                    Err(_) => {
                        let p = save_finding(
                            &dir,
                            "hang",
                            &text,
                            &format!(
                                "still running {:?} after the guard was stopped at the time bound (in loading or a loop that does not consult the guard)",
                                bounds.grace
                            ),
                        );
                        counts.findings.push(p);
                        eprintln!(
                            "fuzz: a hang; its thread cannot be reclaimed, so the session ends"
                        );
                        let _ = std::fs::remove_file(&in_progress);
                        return counts;
                    }
                }
            }
        };
        drop(dog);
        match outcome {
            Outcome::Invalid => {}
            Outcome::Refused => {
                counts.valid += 1;
                counts.refused += 1;
            }
            Outcome::Ran { events, estimate } | Outcome::GuardStopped { events, estimate } => {
                counts.valid += 1;
                counts.run += 1;
                if matches!(outcome, Outcome::GuardStopped { .. }) {
                    counts.stopped_by_guard += 1;
                }
                let ratio = events as f64 / estimate.max(1.0);
                if ratio > 4.0 && events > 10_000 {
                    counts.estimate_misses += 1;
                    counts.worst_miss = counts.worst_miss.max(ratio);
                    if misses_saved < 20 {
                        misses_saved += 1;
                        save_finding(
                            &dir.join("estimate-misses"),
                            "miss",
                            &text,
                            &format!("{events} events against an estimate of {estimate:.0} ({ratio:.1}×)"),
                        );
                    }
                }
            }
            Outcome::Finding("slow", _) if bounds.budget_off => {
                counts.valid += 1;
                counts.run += 1;
                counts.stopped_by_time += 1;
            }
            Outcome::Finding("memory", _) if bounds.budget_off => {
                counts.valid += 1;
                counts.run += 1;
                counts.stopped_by_memory += 1;
            }
            Outcome::Finding(kind, what) => {
                counts.valid += (kind != "panic-load") as u64;
                let p = save_finding(&dir, kind, &text, &what);
                eprintln!("fuzz: finding {}: {what}", p.display());
                counts.findings.push(p);
            }
        }
    }
    let _ = std::fs::remove_file(&in_progress);
    counts
}

fn report(counts: &Counts, seed: u64, secs: f64) {
    println!(
        "fuzz: seed {seed} ({seed:#x}), {secs:.0} s: inputs tried {}, valid {}, refused by budget {}, run {} (stopped by the event guard {}, by the time bound {}, by the memory watchdog {}; estimate misses over 4×: {}, worst {:.1}×), findings {}",
        counts.tried,
        counts.valid,
        counts.refused,
        counts.run,
        counts.stopped_by_guard,
        counts.stopped_by_time,
        counts.stopped_by_memory,
        counts.estimate_misses,
        counts.worst_miss,
        counts.findings.len()
    );
    if let Some(rss) = resident_bytes() {
        println!("fuzz: resident memory at the end {} MiB", rss >> 20);
    }
}

fn assert_no_findings(counts: &Counts) {
    assert!(
        counts.findings.is_empty(),
        "fuzz findings (inputs and notes in target/fuzz-findings/):\n{}",
        counts
            .findings
            .iter()
            .map(|p| format!("  {}", p.display()))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The long session: `LABELSIM_FUZZ_SECS` (default 150) seconds from
/// `LABELSIM_FUZZ_SEED`. Run it in release.
#[test]
#[ignore = "long; run with --release -- --ignored"]
fn fuzz_scenarios() {
    let secs = std::env::var("LABELSIM_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SECS);
    let seed = std::env::var("LABELSIM_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    println!("fuzz: LABELSIM_FUZZ_SEED={seed} LABELSIM_FUZZ_SECS={secs}");
    let mut bounds = if cfg!(debug_assertions) {
        Bounds::quick()
    } else {
        Bounds::release()
    };
    if std::env::var("LABELSIM_FUZZ_BUDGET").is_ok_and(|v| v == "off") {
        // Tests the runtime guard alone: every valid input runs.
        println!("fuzz: LABELSIM_FUZZ_BUDGET=off: no estimate check, only the run guard");
        bounds.limits = Limits::UNLIMITED;
        bounds.budget_off = true;
    }
    let started = Instant::now();
    let counts = fuzz("long", secs, u64::MAX, seed, bounds);
    report(&counts, seed, started.elapsed().as_secs_f64());
    assert_no_findings(&counts);
}

/// A fixed slice of the fuzzer in the normal suite: 150 inputs.
#[test]
fn fuzz_quick_slice() {
    let bounds = if cfg!(debug_assertions) {
        Bounds::quick()
    } else {
        Bounds::release()
    };
    let started = Instant::now();
    let counts = fuzz("slice", 120.0, 150, DEFAULT_SEED, bounds);
    report(&counts, DEFAULT_SEED, started.elapsed().as_secs_f64());
    assert_no_findings(&counts);
    assert_eq!(counts.tried, 150);
    assert!(counts.run > 0, "some inputs are valid and run: {counts:?}");
}

/// Every mutation keeps text valid UTF-8 and within the size cap, and the
/// same seed gives the same inputs.
#[test]
fn mutations_are_deterministic_and_bounded() {
    let corpus = corpus();
    let inputs = |seed| {
        let mut m = Mutator {
            rng: SimRng::seed_from_u64(seed),
            corpus: &corpus,
        };
        (0..300).map(|_| m.input()).collect::<Vec<_>>()
    };
    let a = inputs(7);
    assert_eq!(a, inputs(7));
    assert_ne!(a, inputs(8));
    assert!(a.iter().all(|t| t.len() <= MAX_INPUT_BYTES));
    assert_eq!(change_unit("every: 7d", "s"), "every: 7s");
    assert_eq!(change_unit("rate: 90/h", "ms"), "rate: 90/ms");
    assert_eq!(replace_value("  count: 10", "[]"), "  count: []");
}

/// Runs one saved input through the same checks as the fuzzer (time bound
/// and memory watchdog included); Some(what) on a finding.
fn replay(text: &str, bounds: Bounds) -> Option<String> {
    install_panic_hook();
    let guard = Arc::new(RunGuard::new(Some(bounds.max_events)));
    let _dog = MemoryWatchdog::spawn(guard.clone(), bounds.rss_limit);
    let (tx, rx) = mpsc::channel();
    let (t_text, t_guard) = (text.to_string(), guard.clone());
    std::thread::Builder::new()
        .name("fuzz-replay".into())
        .stack_size(8 << 20)
        .spawn(move || {
            FUZZ_THREAD.with(|f| f.set(true));
            let _ = tx.send(process(&t_text, false, &bounds, &t_guard));
        })
        .expect("spawn");
    let outcome = rx.recv_timeout(bounds.time_bound).or_else(|_| {
        guard.stop(StopReason::Requested("time bound".into()));
        rx.recv_timeout(bounds.grace)
    });
    match outcome {
        Err(_) => Some("hang: the guard could not stop it".into()),
        Ok(Outcome::Finding(kind, what)) => Some(format!("{kind}: {what}")),
        Ok(_) => None,
    }
}

fn saved_inputs(dir: &str) -> Vec<(PathBuf, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read a saved input");
            (p, text)
        })
        .collect()
}

/// The regression corpus (`tests/data/fuzz/*.yaml`, also fuzz seeds; paths
/// inside resolve against `scenarios/`): the adversarial probe's inputs,
/// each refused by the default budget, and past findings fixed since.
#[test]
fn regression_corpus_is_refused_or_runs_cleanly() {
    let inputs = saved_inputs("tests/data/fuzz");
    assert!(inputs.len() >= 4, "{inputs:?}");
    for (path, text) in inputs {
        let bounds = Bounds {
            limits: Limits::default(),
            ..Bounds::quick()
        };
        if let Some(what) = replay(&text, bounds) {
            panic!("{}: {what}", path.display());
        }
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("probe-"))
        {
            let s = Scenario::from_str(
                &text,
                "probe",
                Path::new("scenarios"),
                LoadOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let est = estimate_run(&s.sim, s.replications, 16);
            assert!(
                check(&est, &Limits::default()).is_err(),
                "{}: not refused: {est}",
                path.display()
            );
        }
    }
}

/// Findings of the fuzzer in the scenario loader, kept as reproducers in
/// `tests/data/fuzz/scenario/` (e.g. `csv: /dev/zero`, which read forever
/// until the loader refused non-regular files). Each file's header says
/// what it shows.
#[test]
fn scenario_loader_findings_stay_fixed() {
    let mut failed = Vec::new();
    for (path, text) in saved_inputs("tests/data/fuzz/scenario") {
        if let Some(what) = replay(&text, Bounds::quick()) {
            failed.push(format!("{}: {what}", path.display()));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
