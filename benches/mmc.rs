//! Performance figures quoted in README (not asserted in tests).
//!
//! `cargo bench --bench mmc` runs every case, each in a fresh child process
//! so that its peak memory (VmHWM) is its own:
//! - the M/M/c reference: Poisson 80/h, 10 workers, exponential 6m, N=1,
//!   K=1000, one thread; 0.5M, 2M and 8M objects (memory must stay flat);
//! - a 10M-object, 90-day stream (4,630/h against 500 workers).
//!
//! `cargo bench --bench mmc -- case NAME` runs one case and prints one line.

use labelsim::engine::StreamSeeds;
use labelsim::model::simulate;
use labelsim::scenario::{LoadOptions, Scenario};
use std::path::Path;
use std::time::Instant;

mod common;

struct Case {
    name: &'static str,
    yaml: String,
}

fn mmc(objects: u64) -> String {
    // 80 objects/h: `objects` arrivals take objects/80 hours.
    let hours = objects / 80;
    format!(
        "name: mmc\nseed: 1\nhorizon: {hours}h\njob: {{initializing: 0s, max_concurrent_task_count: 1000, workers_per_object: 1, task_time_limit: 8h}}\n\
         producers: [{{name: p, kind: poisson, rate: 80/h}}]\n\
         workers: [{{count: 10, service_time: {{dist: exponential, mean: 6m}}}}]\noutput: {{timeseries_every: 1d}}\n"
    )
}

fn cases() -> Vec<Case> {
    vec![
        Case { name: "mmc-0.5M", yaml: mmc(500_000) },
        Case { name: "mmc-2M", yaml: mmc(2_000_000) },
        Case { name: "mmc-8M", yaml: mmc(8_000_000) },
        Case {
            name: "stream-10M-90d",
            yaml: "name: big\nseed: 1\nhorizon: 90d\njob: {initializing: 0s, max_concurrent_task_count: 1000, workers_per_object: 1, task_time_limit: 8h}\n\
                   producers: [{name: p, kind: poisson, rate: 4630/h}]\n\
                   workers: [{count: 500, service_time: {dist: exponential, mean: 6m}}]\noutput: {timeseries_every: 1h}\n"
                .to_string(),
        },
    ]
}

/// Peak resident memory of this process [MiB] (Linux VmHWM).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
            })
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn run_case(c: &Case) {
    let s = Scenario::from_str(&c.yaml, c.name, Path::new("."), LoadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    let out = simulate(&s.sim, StreamSeeds::for_replication(s.seed, 0)).expect("invariants hold");
    let wall = start.elapsed().as_secs_f64();
    let m = &out.summary;
    println!(
        "| {} | {} | {:.2} | {:.2} M | {:.2} M | {:.1} | {:.0} s |",
        c.name,
        m.objects_labeled,
        wall,
        m.objects_labeled as f64 / wall / 1e6,
        m.events as f64 / wall / 1e6,
        peak_rss_mib(),
        m.time_to_label_mean_s.unwrap(),
    );
}

/// Replications in parallel: wall time of 16 replications of the 0.5M case
/// on 1, 2, ... threads (up to the machine's cores).
fn scaling() {
    let s = Scenario::from_str(
        &mmc(500_000),
        "scaling",
        Path::new("."),
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!("| threads | 16 replications wall [s] | speed-up | efficiency |");
    println!("|---|---|---|---|");
    let mut base = None;
    let mut t = 1;
    while t <= cores {
        let start = Instant::now();
        labelsim::runner::run_replications(&s.sim, s.seed, 16, Some(t), &|| {}).expect("ok");
        let wall = start.elapsed().as_secs_f64();
        let b = *base.get_or_insert(wall);
        println!(
            "| {t} | {wall:.2} | {:.2} | {:.0}% |",
            b / wall,
            100.0 * b / wall / t as f64
        );
        t *= 2;
        if t > cores && t / 2 < cores {
            t = cores;
        }
    }
}

/// Sweep throughput: 48 points x 2 replications of a 20-day quick-start
/// variant (workers 5..52), on 1, 2, ... threads.
fn sweep_scaling() {
    use labelsim::scenario::paths::ScenarioTemplate;
    let base = Scenario::from_str(
        &std::fs::read_to_string("scenarios/quickstart.yaml")
            .expect("run from the repo root")
            .replace("horizon: 30d", "horizon: 20d"),
        "quickstart",
        Path::new("scenarios"),
        LoadOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let design = labelsim::sweep::design(
        &[labelsim::sweep::parse_vary("workers[team].count=5..52:1").unwrap()],
        None,
        1,
    )
    .unwrap();
    let t = ScenarioTemplate::of(&base, LoadOptions::default()).unwrap();
    let configs: Vec<_> = design
        .points
        .iter()
        .map(|p| {
            t.with(&[(design.params[0].clone(), p[0].clone())])
                .unwrap()
                .sim
        })
        .collect();
    let jobs: Vec<(usize, u32)> = (0..configs.len())
        .flat_map(|p| (0..2).map(move |r| (p, r)))
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!();
    println!("| threads | sweep runs | wall [s] | runs/s | efficiency |");
    println!("|---|---|---|---|---|");
    let never = labelsim::budget::RunGuard::new(None);
    let mut base_rate = None;
    let mut threads = 1;
    while threads <= cores {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let start = Instant::now();
        pool.install(|| labelsim::sweep::run_jobs(&configs, &jobs, 1, &never, &|| {}))
            .unwrap();
        let wall = start.elapsed().as_secs_f64();
        let rate = jobs.len() as f64 / wall;
        let b = *base_rate.get_or_insert(rate);
        println!(
            "| {threads} | {} | {wall:.2} | {rate:.1} | {:.0}% |",
            jobs.len(),
            100.0 * rate / b / threads as f64
        );
        threads = if threads == cores {
            cores + 1
        } else {
            (threads * 2).min(cores)
        };
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "scaling") {
        scaling();
        return;
    }
    if args.iter().any(|a| a == "sweep") {
        sweep_scaling();
        return;
    }
    if let Some(name) = common::case_asked() {
        let c = cases()
            .into_iter()
            .find(|c| c.name == name)
            .expect("known case");
        run_case(&c);
        return;
    }
    let names: Vec<&str> = cases().iter().map(|c| c.name).collect();
    common::run_each_in_a_child(
        &[
            "case",
            "objects labeled",
            "wall [s]",
            "objects/s",
            "events/s",
            "peak RSS [MiB]",
            "mean time to label",
        ],
        &names,
    );
    scaling();
    sweep_scaling();
}
