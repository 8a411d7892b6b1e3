//! `labelsim staff` (SPEC §8 S2–S4, issue 20): one worker group staffed per
//! interval of a daily or weekly demand cycle by SIPP, lagged SIPP and ISA
//! side by side (`labelsim::staff`), the chosen one optionally covered by
//! shifts (an exact integer program), every staffing measured, and
//! staffing.csv, staff.json, schedule.yaml, staffing.png and report.html
//! written. Exit 0 when every interval meets every target, 1 when some
//! cannot (named), 2 on error.

use crate::cli::{StaffArgs, StaffCycle, StaffEvaluator, StaffMethod};
use crate::commands::common::{chart_format, load_for, progress_bar};
use anyhow::{anyhow, bail, Result};
use labelsim::engine::time::US_PER_S;
use labelsim::human;
use labelsim::plot::staffing::{self as chart, StaffingChart, StepLine};
use labelsim::report::{html, Block, Report, Section};
use labelsim::scenario::units::parse_duration;
use labelsim::staff::demand::{Cycle, Demand, IntervalDemand};
// The group `--group` names.
use labelsim::staff::GroupRef as Which;
use labelsim::staff::{
    self, erlang, shifts, AnalyticEvaluator, CycleEvaluator, Estimate, IntervalMeasure, Service,
    SimEvaluator, StaffGroup, StaffTarget,
};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

/// The group named by `--group`: a worker group, or a pipeline consumer
/// with a fixed or scheduled count.
fn which_group(path: &str, cfg: &labelsim::model::SimConfig) -> Result<Which> {
    let p = path.trim();
    if let Some(inner) = p
        .strip_prefix("pipeline.consumers[")
        .and_then(|r| r.strip_suffix(']'))
    {
        let Some(pipe) = &cfg.pipeline else {
            bail!("--group {p}: the scenario has no `pipeline:`; staff a worker group, `workers[NAME]`");
        };
        let names: Vec<&str> = pipe.consumers.iter().map(|c| c.name.as_str()).collect();
        let i = match inner.parse::<usize>() {
            Ok(i) if i < names.len() => i,
            _ => names.iter().position(|n| *n == inner).ok_or_else(|| {
                anyhow!(
                    "--group {p}: no consumer `{inner}` in the pipeline; one of: {}",
                    names.join(", ")
                )
            })?,
        };
        if pipe.consumers[i].scaling.is_some() {
            bail!(
                "--group {p}: this consumer is autoscaled (`scaling:`), its controller sets the pollers; staffing gives a scheduled count (A3), so staff a consumer with a `count`"
            );
        }
        return Ok(Which::Consumer(i));
    }
    if cfg.workers.is_empty() && p.starts_with("workers[") {
        let consumers: Vec<String> = cfg
            .pipeline
            .iter()
            .flat_map(|pipe| &pipe.consumers)
            .map(|c| format!("pipeline.consumers[{}]", c.name))
            .collect();
        bail!(
            "--group {p}: the scenario has no `workers:`{}",
            if consumers.is_empty() {
                String::new()
            } else {
                format!(
                    "; staff a consumer's pollers instead: {}",
                    consumers.join(", ")
                )
            }
        );
    }
    let names: Vec<&str> = cfg.workers.iter().map(|g| g.name.as_str()).collect();
    group_index(p, &names).map(Which::Workers)
}

/// The index of the group named by `--group` in the scenario's workers.
fn group_index(path: &str, names: &[&str]) -> Result<usize> {
    let p = path.trim();
    let inner = p
        .strip_prefix("workers[")
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| {
            anyhow!("--group {p}: write `workers[NAME]` (or `workers[0]`) or `pipeline.consumers[NAME]`, the group to staff")
        })?;
    if let Ok(i) = inner.parse::<usize>() {
        if i < names.len() {
            return Ok(i);
        }
        bail!(
            "--group {p}: the scenario has {} worker group{} (workers[0] to workers[{}])",
            names.len(),
            crate::commands::common::plural(names.len() as u64),
            names.len().saturating_sub(1)
        );
    }
    names.iter().position(|n| *n == inner).ok_or_else(|| {
        anyhow!(
            "--group {p}: no worker group `{inner}`{}",
            labelsim::suggest::did_you_mean(inner, names, "the scenario's `workers:`")
                .replace("; did you mean `", "; did you mean `workers[")
                .replace("`?", "]`?")
        )
    })
}

/// The shift lengths of `--shifts` in intervals.
fn shift_lengths(text: &str, interval_s: u64, cycle: Cycle) -> Result<Vec<usize>> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let secs = parse_duration(part)
            .map_err(|e| anyhow!("--shifts `{part}`: {e}"))?
            .as_secs_f64()
            .round() as u64;
        if secs == 0 || !secs.is_multiple_of(interval_s) {
            bail!(
                "--shifts `{part}` is not a whole number of intervals of {}; choose lengths that are (or another --interval)",
                human::duration(interval_s as f64)
            );
        }
        if secs > cycle.seconds() {
            bail!(
                "--shifts `{part}` is longer than the cycle ({})",
                cycle.as_str()
            );
        }
        out.push((secs / interval_s) as usize);
    }
    if out.is_empty() {
        bail!("--shifts: give one or more lengths, e.g. 4h,8h");
    }
    Ok(out)
}

/// `x` to 6 decimals: rates and loads summed minute by minute carry
/// rounding noise in the last digits (299.99999999999994 for 300).
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The group's YAML item with `count` as the S1 step schedule of
/// `staffing` (a step where the count changes), its other keys kept but
/// `shifts` (the steps are who is on duty; their times are in the group's
/// `tz` or `tz_offset`, kept, and UTC for a consumer).
fn schedule_item(
    scenario_text: &str,
    group: Which,
    staffing: &[u32],
    interval_s: u64,
    cycle: Cycle,
) -> labelsim::scenario::yaml::Value {
    use labelsim::scenario::yaml::{self as yaml, Mapping, Value as Y};
    let doc: Y = yaml::from_str(scenario_text).unwrap_or(Y::Null);
    let found = match group {
        Which::Workers(i) => doc.get("workers").and_then(|w| w.get(i)),
        Which::Consumer(i) => doc
            .get("pipeline")
            .and_then(|p| p.get("consumers"))
            .and_then(|c| c.get(i)),
    };
    let mut item = found
        .cloned()
        .filter(Y::is_mapping)
        .unwrap_or_else(|| Y::Mapping(Mapping::new()));
    let mut steps = Vec::new();
    let mut last = None;
    for (i, &s) in staffing.iter().enumerate() {
        if last != Some(s) {
            let mut m = Mapping::new();
            let from =
                human::cycle_offset(i as u64 * interval_s * US_PER_S, cycle.seconds() * US_PER_S);
            m.insert("from".into(), Y::String(from));
            m.insert("count".into(), Y::Number(s.into()));
            steps.push(Y::Mapping(m));
            last = Some(s);
        }
    }
    let mut count = Mapping::new();
    count.insert("schedule".into(), Y::Sequence(steps));
    count.insert("cycle".into(), Y::String(cycle.as_str().into()));
    if let Y::Mapping(m) = &mut item {
        m.remove("shifts");
        m.insert("count".into(), Y::Mapping(count));
    }
    item
}

/// The evaluator after ISA, telling each measurement (a staffing of a
/// method, or a step of the constant count's search) with `--progress`.
struct Progress<'a> {
    inner: &'a dyn CycleEvaluator,
    lines: bool,
    started: std::time::Instant,
    /// Measurements so far, shared by every wrapper of one command.
    done: &'a std::cell::Cell<u32>,
}

impl CycleEvaluator for Progress<'_> {
    fn evaluate(&self, staffing: &[u32]) -> Result<Vec<IntervalMeasure>, staff::EvalError> {
        let m = self.inner.evaluate(staffing)?;
        self.done.set(self.done.get() + 1);
        if self.lines {
            eprintln!(
                "measurement {} of a staffing ({:.1} s)",
                self.done.get(),
                self.started.elapsed().as_secs_f64()
            );
        }
        Ok(m)
    }
}

/// One staffing measured.
struct Measured {
    name: &'static str,
    staffing: Vec<u32>,
    measures: Vec<IntervalMeasure>,
    met: Vec<bool>,
}

/// SPEC §4b: refuses a scenario where another stage is unstable whatever
/// the staffed group's count ([`staff::stages_unstable_whatever`]).
fn stages_stable_without(cfg: &labelsim::model::SimConfig, which: Which) -> Result<()> {
    let stuck: Vec<String> = staff::stages_unstable_whatever(cfg, which)
        .into_iter()
        .map(|s| format!("{} (offered load {})", s.stage, human::number(s.load)))
        .collect();
    if !stuck.is_empty() {
        let (name, unbounded) = match which {
            Which::Workers(i) => (format!("workers[{}]", cfg.workers[i].name), "workers"),
            Which::Consumer(i) => (
                format!(
                    "pipeline.consumers[{}]",
                    cfg.pipeline
                        .as_ref()
                        .expect("checked by which_group")
                        .consumers[i]
                        .name
                ),
                "pollers",
            ),
        };
        bail!(
            "{}: unstable whatever the number of {unbounded} in {name}, so no staffing of it is an answer; raise that capacity first (`labelsim run` shows every stage's load)",
            stuck.join(", ")
        );
    }
    Ok(())
}

pub fn staff(args: StaffArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let cfg = &scenario.sim;
    let which = which_group(&args.group, cfg)?;
    let targets: Vec<StaffTarget> = args
        .targets
        .iter()
        .map(|t| StaffTarget::parse(t).map_err(|e| anyhow!("--target {e}")))
        .collect::<Result<_>>()?;
    for t in &targets {
        match which {
            Which::Consumer(_) if !t.metric.is_pipeline() => bail!(
                "--target {}: a consumer is staffed on the pipeline's latency by interval of upload, `searchable_latency_mean_s` or `searchable_latency_p95_s`",
                t.target.text
            ),
            Which::Workers(_) if t.metric.is_pipeline() && cfg.pipeline.is_none() => bail!(
                "--target {}: the scenario has no `pipeline:`, so nothing becomes searchable; use a job metric such as `labeled_within_4h`",
                t.target.text
            ),
            _ => {}
        }
    }
    // A target only a wait of exactly 0 meets cannot be met.
    for t in &targets {
        if staff::needs_no_wait_at_all(t) {
            bail!(
                "--target {}: with objects arriving at random some always wait, whatever the number of {}; no staffing meets it (ask for a small positive value, e.g. `{} <= 1%` or `<= 10s`)",
                t.target.text,
                match which {
                    Which::Workers(_) => "workers",
                    Which::Consumer(_) => "pollers",
                },
                t.target.metric
            );
        }
    }
    stages_stable_without(cfg, which)?;
    let cycle = match args.cycle {
        Some(StaffCycle::Day) => Cycle::Day,
        Some(StaffCycle::Week) => Cycle::Week,
        None => Cycle::default_for(
            cfg,
            match which {
                Which::Workers(i) => Some(i),
                Which::Consumer(_) => None,
            },
        ),
    };
    let interval_s = parse_duration(&args.interval)
        .map_err(|e| anyhow!("--interval {e}"))?
        .as_secs_f64()
        .round() as u64;
    staff::check_interval(interval_s, cycle).map_err(|e| anyhow!(e))?;
    // Simulated, every interval of the cycle needs a run that reaches it:
    // a shorter horizon would leave the later ones unmeasured (and read
    // as missed).
    let horizon_s = cfg.horizon.as_secs_f64();
    if args.evaluator == StaffEvaluator::Simulation && horizon_s < cycle.seconds() as f64 {
        bail!(
            "the scenario's horizon ({}) is shorter than the cycle ({}): the simulated runs would not reach every interval; run whole cycles, e.g. --set horizon={}, or use --evaluator analytic",
            human::duration(horizon_s),
            cycle.as_str(),
            match cycle {
                Cycle::Day => "3d",
                Cycle::Week => "2w",
            }
        );
    }
    let lengths = match &args.shifts {
        Some(s) => Some(shift_lengths(s, interval_s, cycle)?),
        None => None,
    };
    let utc = labelsim::model::workforce::ShiftZone::Fixed { offset_us: 0 };
    // The group as the queueing model sees it: its hold per task or
    // message, the demand it serves, its zone, its price per hour.
    let (group_path, service, demand, zone, price_per_hour) = match which {
        Which::Workers(i) => {
            // The hold of a task (see `model::load`): declines, speeds,
            // time limit.
            let g = &cfg.workers[i];
            let limit_s = cfg.job.task_time_limit.as_secs_f64();
            let served_s = (g.service_time.mean_us() / 1e6
                * (g.speed_spread * g.speed_spread / 2.0).exp())
            .min(limit_s);
            let hold_s = g.decline_probability * g.decline_time.as_secs_f64()
                + (1.0 - g.decline_probability) * served_s;
            if hold_s <= 0.0 {
                bail!(
                    "workers[{}]: a task holds a worker for no time (service_time 0), so no staffing is needed",
                    g.name
                );
            }
            // The cycle's intervals (and the schedule's steps) are in the
            // group's zone, so `mon 08:00` is the group's local time.
            let demand =
                Demand::of_config(cfg, cycle).in_group_zone(&g.zone, cfg.start_at_epoch_us);
            if demand.rate_per_s.iter().all(|r| *r <= 0.0) {
                bail!(
                    "no producer sends a steady stream to the job (poisson, diurnal, a weekly schedule or periodic bursts): there is no demand cycle to staff for"
                );
            }
            (
                format!("workers[{}]", g.name),
                Service {
                    hold_s,
                    tasks_per_object: cfg.job.workers_per_object,
                },
                demand,
                g.zone.clone(),
                cfg.cost.wage_per_worker_hour,
            )
        }
        Which::Consumer(i) => {
            let pipe = cfg.pipeline.as_ref().expect("checked by which_group");
            let c = &pipe.consumers[i];
            let q = &pipe.queues[c.queue];
            // A poller's time per message (as the offered load counts it):
            // a poller holds its batch, one message after another.
            let hold_s = labelsim::model::load::poller_us_per_message(q, c) / 1e6;
            if hold_s <= 0.0 {
                bail!(
                    "pipeline.consumers[{}]: a message holds a poller for no time (processing_time 0, no request latency), so no staffing is needed",
                    c.name
                );
            }
            let demand = Demand::of_queue(cfg, c.queue, cycle);
            if demand.rate_per_s.iter().all(|r| *r <= 0.0) {
                bail!(
                    "no producer sends a steady stream to queue `{}` (poisson, diurnal, a weekly schedule or periodic bursts): there is no demand cycle to staff for",
                    q.name
                );
            }
            (
                format!("pipeline.consumers[{}]", c.name),
                Service {
                    hold_s,
                    tasks_per_object: 1,
                },
                demand,
                utc,
                cfg.cost.consumer_per_hour,
            )
        }
    };
    let hold_s = service.hold_s;
    let iv = IntervalDemand::of(&demand, interval_s, service.tasks_per_object, hold_s);
    let n = iv.len();
    // P7/P8: a latency target that the notification delay or the index
    // alone misses is met by no number of pollers. Found before the
    // search (the analytic model sees the consumer's stage only, and the
    // simulation would add pollers in vain): the search staffs for the
    // other targets (or, with none left, for the stream alone), every
    // target is still measured, and the intervals it misses are named as
    // ones no count can meet (S4: exit 1).
    let mut unmovable: Vec<String> = Vec::new();
    let mut unmovable_lines: Vec<String> = Vec::new();
    if let Which::Consumer(i) = which {
        let peak = iv.sipp_load.iter().copied().fold(0.0, f64::max);
        let ample = (peak * 1.5).ceil() as u32 + 2;
        let parts = staff::unmovable_latency_parts(
            cfg,
            i,
            ample,
            &targets,
            scenario.seed,
            scenario.replications,
        )?;
        if !parts.is_empty() {
            let lines: Vec<String> = parts
                .iter()
                .map(|p| {
                    format!(
                        "--target {}: {} {} {} whatever the number of pollers in {group_path}",
                        p.target,
                        p.part,
                        if p.part.contains(" + ") {
                            "together take"
                        } else {
                            "alone is"
                        },
                        human::duration(p.value_s)
                    )
                })
                .collect();
            unmovable = parts.iter().map(|p| p.target.clone()).collect();
            unmovable_lines = lines
                .into_iter()
                .map(|line| format!(
                    "{line}: no number of pollers meets it, since the S3 notification comes before the consumer and the index after it (measured with {ample} pollers); ask for a larger value, or change those settings"
                ))
                .collect();
        }
    }
    // What the search staffs for: the targets some count can meet.
    let search_targets: Vec<StaffTarget> = targets
        .iter()
        .filter(|t| !unmovable.contains(&t.target.text))
        .cloned()
        .collect();
    let slots_per_h = staff::slot_capacity_per_h(cfg, which);
    let analytic = AnalyticEvaluator {
        demand: iv.clone(),
        service,
        targets: targets.clone(),
        slots_per_h,
    };
    let simulated = match args.evaluator {
        StaffEvaluator::Analytic => None,
        StaffEvaluator::Simulation => Some(SimEvaluator {
            scenario: cfg.clone(),
            group: match which {
                Which::Workers(i) => StaffGroup::Workers(i),
                Which::Consumer(index) => StaffGroup::Consumer {
                    index,
                    demand: iv.clone(),
                },
            },
            zone: zone.clone(),
            cycle,
            interval_s,
            seed: scenario.seed,
            first_replication: 0,
            replications: scenario.replications,
            targets: targets.clone(),
        }),
    };
    let evaluator: &dyn CycleEvaluator = match &simulated {
        Some(sim) => sim,
        None => &analytic,
    };
    let out_dir = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name).join("staff"));
    let mut out = crate::commands::common::open_output(&out_dir, args.common.quiet)?;

    let sipp = staff::staff_for_loads(&iv.sipp_load, service, &search_targets);
    let lsipp = staff::staff_for_loads(&iv.lsipp_load, service, &search_targets);
    // ISA from square-root staffing at SIPP's loads.
    let start: Vec<u32> = iv
        .sipp_load
        .iter()
        .map(|&a| erlang::square_root_staffing(a, 1.0))
        .collect();
    // Progress: a bar on a terminal, or a line per step with --progress.
    let lines = args.progress && !args.common.quiet;
    let pb = progress_bar(
        args.max_iterations as u64,
        "ISA iterations",
        args.common.quiet || args.progress,
    );
    let started = std::time::Instant::now();
    let isa = staff::isa(
        evaluator,
        start,
        &staff::floor(&iv.rate_per_h),
        service,
        &search_targets,
        args.max_iterations,
        &|it, changed| {
            pb.inc(1);
            if lines {
                eprintln!(
                    "ISA iteration {it}/{}: {changed} interval{} changed ({:.1} s)",
                    args.max_iterations,
                    crate::commands::common::plural(changed as u64),
                    started.elapsed().as_secs_f64()
                );
            }
        },
    )?;
    pb.finish_and_clear();
    let measurements = std::cell::Cell::new(0);
    let counted = Progress {
        inner: evaluator,
        lines,
        started,
        done: &measurements,
    };
    let evaluator: &dyn CycleEvaluator = &counted;
    let chosen = match args.method {
        StaffMethod::Isa => isa.staffing.clone(),
        StaffMethod::Sipp => sipp.clone(),
        StaffMethod::Lsipp => lsipp.clone(),
    };
    let method = match args.method {
        StaffMethod::Isa => "isa",
        StaffMethod::Sipp => "sipp",
        StaffMethod::Lsipp => "lsipp",
    };
    let plan = match &lengths {
        Some(l) => Some(shifts::cover(&chosen, l)?),
        None => None,
    };
    // Each interval's verdict. A target no count meets is missed wherever
    // arrivals are expected, whatever the measurement of that interval
    // says (the analytic model sees the consumer's stage only).
    let verdict = |measures: &[staff::IntervalMeasure]| -> Vec<bool> {
        let mut met = staff::intervals_met(measures, &targets, &iv.rate_per_h);
        if !unmovable.is_empty() {
            for (m, rate) in met.iter_mut().zip(&iv.rate_per_h) {
                *m &= *rate <= 0.0;
            }
        }
        met
    };
    let measure = |name: &'static str, staffing: Vec<u32>| -> Result<Measured> {
        let measures = evaluator.evaluate(&staffing)?;
        let met = verdict(&measures);
        Ok(Measured {
            name,
            staffing,
            measures,
            met,
        })
    };
    let mut measured = vec![
        measure("sipp", sipp)?,
        measure("lsipp", lsipp)?,
        measure("isa", isa.staffing.clone())?,
    ];
    if let Some(p) = &plan {
        measured.push(measure("schedule", p.coverage.clone())?);
    }
    // The answer: the schedule's measurement when there are shifts (S3),
    // else the chosen method's.
    let final_ix = if plan.is_some() {
        measured.len() - 1
    } else {
        measured
            .iter()
            .position(|m| m.name == method)
            .expect("measured")
    };
    let fin = &measured[final_ix];
    let met_count = fin.met.iter().filter(|m| **m).count();
    // The answer measured again on as many replications it was not tuned
    // on (simulated only): ISA adds a worker where its own runs miss, so
    // those runs flatter it; fresh ones say how it holds.
    let fresh = match &simulated {
        Some(sim) => {
            let fresh = sim.fresh();
            let measures = Progress {
                inner: &fresh,
                lines,
                started,
                done: &measurements,
            }
            .evaluate(&fin.staffing)?;
            Some((fresh, verdict(&measures)))
        }
        None => None,
    };
    let fin_hours = staff::worker_hours(&fin.staffing, interval_s);
    // SPEC §4b: over the cycle the staffing must do more work than
    // arrives (its mean count above the mean offered load), or the backlog
    // grows cycle after cycle: never an answer, whatever the intervals'
    // verdicts over a finite run say.
    let work_hours = iv.sipp_load.iter().sum::<f64>() * interval_s as f64 / 3600.0;
    let unstable = staff::unstable_over_the_cycle(&fin.staffing, &iv.sipp_load);
    // S4: the fewest constant count meeting the targets in every interval
    // (none where some interval cannot be met), searched up to twice the
    // largest staffing of any method.
    let upper = measured
        .iter()
        .flat_map(|m| m.staffing.iter().copied())
        .max()
        .unwrap_or(0)
        .saturating_mul(2)
        .max(1);
    // Stable only above the cycle's mean offered load (as `plan` judges a
    // constant count on a stationary stream, SPEC §4b).
    let mean_load = iv.sipp_load.iter().sum::<f64>() / n.max(1) as f64;
    let floor = erlang::stable_floor(mean_load);
    let constant = if unmovable.is_empty() {
        staff::constant(evaluator, &iv.rate_per_h, (floor, upper), n, &targets)?
    } else {
        None
    };
    let wage = price_per_hour;
    let money = |hours: f64| {
        if wage > 0.0 {
            json!(hours * wage)
        } else {
            Value::Null
        }
    };
    let cycle_h = cycle.seconds() as f64 / 3600.0;
    // Intervals as schedules write their steps (`mon 08:00`).
    let label = |i: usize| {
        human::cycle_offset(i as u64 * interval_s * US_PER_S, cycle.seconds() * US_PER_S)
    };
    // The first `most` of intervals `v` by label, then how many more
    // (`rest`: where the others are listed).
    let listed = |v: &[usize], most: usize, rest: &str| {
        let mut t = v
            .iter()
            .take(most)
            .map(|&i| label(i))
            .collect::<Vec<_>>()
            .join(", ");
        if v.len() > most {
            let _ = write!(t, " and {} more{rest}", v.len() - most);
        }
        t
    };
    // R3: intervals whose work (the demand's own load: a simulated
    // interval's measured one cannot pass the slots) no count of the group
    // can label.
    let past_slots: Vec<bool> = (0..n)
        .map(|i| staff::over_the_slots(iv.modified_load[i], service, slots_per_h))
        .collect();
    let not_met: Vec<String> = (0..n).filter(|&i| !fin.met[i]).map(label).collect();

    // staffing.csv (S4).
    let mut metric_cols: Vec<&str> = Vec::new();
    for t in &targets {
        if !metric_cols.contains(&t.target.metric.as_str()) {
            metric_cols.push(&t.target.metric);
        }
    }
    let by = |name: &str| measured.iter().find(|m| m.name == name);
    let mut csv = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = [
        "interval",
        "interval_start_s",
        "arrival_rate_per_h",
        "offered_load",
        "staff_sipp",
        "staff_lsipp",
        "staff_isa",
        "staff_schedule",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for m in &metric_cols {
        head.extend([
            m.to_string(),
            format!("{m}_ci95_lo"),
            format!("{m}_ci95_hi"),
        ]);
    }
    head.push("met".into());
    csv.write_record(&head)?;
    for i in 0..n {
        let fm = &fin.measures[i];
        let mut row = vec![
            label(i),
            (i as u64 * interval_s).to_string(),
            format!("{}", round6(fm.arrival_rate_per_h)),
            format!("{}", round6(fm.offered_load)),
        ];
        for name in ["sipp", "lsipp", "isa", "schedule"] {
            row.push(by(name).map_or(String::new(), |m| m.staffing[i].to_string()));
        }
        for m in &metric_cols {
            let e = fm.values.get(*m).copied().unwrap_or(Estimate {
                mean: None,
                ci95: None,
            });
            // Empty for none, `inf` for an unbounded wait.
            row.push(human::csv_number(e.mean));
            row.push(human::csv_number(e.ci95.map(|c| c.0)));
            row.push(human::csv_number(e.ci95.map(|c| c.1)));
        }
        row.push(fin.met[i].to_string());
        csv.write_record(&row)?;
    }
    out.put("staffing.csv", &csv.into_inner()?)?;

    // staff.json (S4).
    let summary = |m: &Measured| -> Value {
        let hours = staff::worker_hours(&m.staffing, interval_s);
        json!({
            "worker_hours_per_cycle": hours,
            "cost_per_cycle": money(hours),
            "intervals_met": m.met.iter().filter(|x| **x).count(),
            "staff": m.staffing,
        })
    };
    let constant_met = match constant {
        Some(c) => Some(
            measure("constant", vec![c; n])?
                .met
                .iter()
                .filter(|x| **x)
                .count(),
        ),
        None => None,
    };
    let constant_json = match (constant, constant_met) {
        (Some(c), Some(met)) => {
            let hours = c as f64 * cycle_h;
            json!({
                "count": c,
                "worker_hours_per_cycle": hours,
                "cost_per_cycle": money(hours),
                "intervals_met": met,
            })
        }
        _ => Value::Null,
    };
    let schedule_json = match (&plan, by("schedule")) {
        (Some(p), Some(m)) => {
            let mut s = summary(m);
            s["shifts"] = p
                .starts
                .iter()
                .map(|&(len, start, workers)| {
                    json!({
                        "length_s": len as u64 * interval_s,
                        "start": label(start),
                        "workers": workers,
                    })
                })
                .collect();
            s
        }
        _ => Value::Null,
    };
    // The answer on fresh replications (numbered from 1, as `run` names
    // them); null when measured by the analytic model.
    let holdout_json = match &fresh {
        Some((f, met)) => json!({
            "first_replication": f.first_replication + 1,
            "replications": f.replications,
            "intervals_met": met.iter().filter(|x| **x).count(),
            "not_met": (0..n).filter(|&i| !met[i]).map(label).collect::<Vec<_>>(),
        }),
        None => Value::Null,
    };
    let item = schedule_item(&scenario.text, which, &fin.staffing, interval_s, cycle);
    let workers_yaml =
        labelsim::scenario::yaml::to_string(&labelsim::scenario::yaml::Value::Sequence(vec![
            item.clone()
        ]))
        .map_err(|e| anyhow::anyhow!(e))?;
    // Where the item goes in a scenario, ready to paste.
    let yaml_block = match which {
        Which::Workers(_) => format!("workers:\n{workers_yaml}"),
        Which::Consumer(_) => {
            let mut b = String::from("pipeline:\n  consumers:\n");
            for line in workers_yaml.lines() {
                let _ = writeln!(b, "  {line}");
            }
            b
        }
    };
    let doc = json!({
        "method": method,
        "evaluator": match args.evaluator {
            StaffEvaluator::Analytic => "analytic",
            StaffEvaluator::Simulation => "simulation",
        },
        "group": group_path,
        "targets": targets.iter().map(|t| t.target.text.clone()).collect::<Vec<_>>(),
        "cycle": cycle.as_str(),
        "interval_s": interval_s,
        "hold_s": hold_s,
        "iterations": isa.iterations,
        "max_iterations": args.max_iterations,
        "converged": isa.converged,
        "staffings": {
            "constant": constant_json,
            "sipp": summary(by("sipp").expect("measured")),
            "lsipp": summary(by("lsipp").expect("measured")),
            "isa": summary(by("isa").expect("measured")),
            "schedule": schedule_json,
        },
        "intervals": n,
        "intervals_met": met_count,
        "not_met": not_met,
        "unstable": unstable,
        "holdout": holdout_json,
        "schedule": [serde_json::to_value(&item)?],
    });
    out.put("staff.json", &serde_json::to_vec_pretty(&doc)?)?;
    out.put(
        "schedule.yaml",
        format!(
            "# labelsim staff: the {} staffing of {group_path} as {}\n{yaml_block}",
            fin.name,
            match which {
                Which::Workers(_) => "an S1 step schedule",
                Which::Consumer(_) => "an A3 step schedule of its pollers (UTC)",
            }
        )
        .as_bytes(),
    )?;

    // staffing.png.
    let fmt = chart_format(args.common.format);
    let chart_file = format!("staffing.{}", fmt.extension());
    let mut chart_html = crate::commands::common::CHARTS_SKIPPED.to_string();
    if !args.common.no_charts {
        let mut workers = vec![StepLine {
            label: "offered load [Erlangs]".into(),
            color: chart::COLORS[0],
            values: fin.measures.iter().map(|m| m.offered_load).collect(),
            dashed: true,
        }];
        for (k, m) in measured.iter().enumerate() {
            workers.push(StepLine {
                label: m.name.to_string(),
                color: chart::COLORS[1 + k % 5],
                values: m.staffing.iter().map(|&s| s as f64).collect(),
                dashed: false,
            });
        }
        let attainment = targets
            .iter()
            .take(3)
            .map(|t| chart::AttainmentPanel {
                // Shares in percent, as the target's label writes them.
                y_label: format!(
                    "{} [{}]",
                    t.target.metric,
                    if t.metric.is_share() { "%" } else { "s" }
                ),
                percent: t.metric.is_share(),
                values: fin
                    .measures
                    .iter()
                    .map(|m| {
                        m.values
                            .get(&t.target.metric)
                            .and_then(|e| e.mean)
                            .unwrap_or(f64::NAN)
                    })
                    .collect(),
                target: t.target.value,
                target_label: format!("target {}", t.target.text),
            })
            .collect();
        let title = format!("labelsim staff: {} {group_path}", scenario.name);
        let path = out.staging_path(&chart_file)?;
        chart::render_staffing_chart(
            &path,
            fmt,
            &StaffingChart {
                title: &title,
                week: cycle == Cycle::Week,
                zone: human::zone(&zone),
                interval_h: interval_s as f64 / 3600.0,
                arrivals_per_h: iv.rate_per_h.clone(),
                arrivals_noun: match which {
                    Which::Workers(_) => "objects",
                    Which::Consumer(_) => "messages",
                },
                workers,
                staff_noun: match which {
                    Which::Workers(_) => "workers",
                    Which::Consumer(_) => "pollers",
                },
                attainment,
            },
        )
        .map_err(|e| anyhow!("drawing {chart_file}: {e}"))?;
        out.staged_by_path(&chart_file)?;
        chart_html = html::chart(
            &path,
            "Arrivals, offered load, staffings and attainment over the cycle",
        )?;
    }

    // What is printed, and the report's lead.
    let period = match cycle {
        Cycle::Day => "a day",
        Cycle::Week => "a week",
    };
    let unit = match which {
        Which::Workers(_) => "worker",
        Which::Consumer(_) => "poller",
    };
    let mut details = unmovable_lines;
    let headline = match constant {
        _ if unstable => format!(
            "unstable: {} {unit}-hours {period} for {} hours of work arriving; the backlog would grow every cycle, so this staffing is not an answer",
            human::number(fin_hours),
            human::number(work_hours)
        ),
        Some(c) if not_met.is_empty() && fin_hours < c as f64 * cycle_h => format!(
            "{} {unit}-hours {period} instead of {} (a constant {c}), every interval meets every target",
            human::number(fin_hours),
            human::number(c as f64 * cycle_h)
        ),
        Some(c) if not_met.is_empty() => format!(
            "{} {unit}-hours {period} (a constant {c}: {}), every interval meets every target",
            human::number(fin_hours),
            human::number(c as f64 * cycle_h)
        ),
        _ if not_met.is_empty() => format!(
            "{} {unit}-hours {period}, every interval meets every target",
            human::number(fin_hours)
        ),
        _ => {
            // Those no number of workers meets at their load (a target
            // beyond what no waiting gives), and those this staffing misses.
            let (cannot, missed): (Vec<usize>, Vec<usize>) = (0..n)
                .filter(|&i| !fin.met[i])
                .partition(|&i| {
                    !unmovable.is_empty()
                        || staff::required(fin.measures[i].offered_load, service, &targets)
                            .is_none()
                        || past_slots[i]
                });
            // At most 12 named; staffing.csv has every one.
            let names = |v: &[usize]| listed(v, 12, " (staffing.csv, `met`)");
            let mut h = format!("{} {unit}-hours {period}", human::number(fin_hours));
            if !cannot.is_empty() {
                let _ = write!(
                    h,
                    "; {} of {n} intervals cannot meet the targets with any number of {unit}s: {}",
                    cannot.len(),
                    names(&cannot)
                );
            }
            if !missed.is_empty() {
                let _ = write!(
                    h,
                    "; {} of {n} intervals miss the targets with this staffing ({}): {}",
                    missed.len(),
                    if plan.is_some() { "schedule" } else { method },
                    names(&missed)
                );
            }
            h
        }
    };
    details.push(format!(
        "ISA: {} iteration{}{}",
        isa.iterations,
        crate::commands::common::plural(isa.iterations as u64),
        if isa.converged {
            ", converged".to_string()
        } else {
            format!(
                ", stopped at --max-iterations {} without converging",
                args.max_iterations
            )
        }
    ));
    if let Some((f, met)) = &fresh {
        let missed: Vec<usize> = (0..n).filter(|&i| !met[i]).collect();
        let mut line = format!(
            "on fresh replication{} {} of seed {} (not those it was tuned on), {} meets {}/{n} intervals",
            crate::commands::common::plural(f.replications as u64),
            if f.replications == 1 {
                format!("{}", f.first_replication + 1)
            } else {
                format!(
                    "{}-{}",
                    f.first_replication + 1,
                    f.first_replication + f.replications
                )
            },
            f.seed,
            match fin.name {
                "schedule" => "the shift schedule",
                "isa" => "ISA's staffing",
                "sipp" => "SIPP's staffing",
                "lsipp" => "lagged SIPP's staffing",
                other => other,
            },
            n - missed.len()
        );
        if !missed.is_empty() {
            let _ = write!(
                line,
                "; misses {}",
                listed(&missed, 6, " (staff.json, `holdout`)")
            );
        }
        details.push(line);
    }
    // Intervals with arrivals expected where the measured runs had none
    // (the job not yet in progress, or too rare for the horizon): their
    // metrics have no value, so their targets are not met (SPEC §4a); the
    // way to measure them is said.
    let unseen: Vec<usize> = (0..n)
        .filter(|&i| iv.rate_per_h[i] > 0.0 && fin.measures[i].arrival_rate_per_h <= 0.0)
        .collect();
    if !unseen.is_empty() {
        details.push(format!(
            "{} of {n} intervals with arrivals expected had none in the runs measured (the job not yet in progress, or arrivals too rare for the horizon), so their targets have no value and are not met; a horizon of more cycles (or, where arrivals are rare, more --replications) would measure them: {}",
            unseen.len(),
            listed(&unseen, 6, "")
        ));
    }
    let past_slots = past_slots.iter().filter(|&&p| p).count();
    if let (Some(cap), true) = (slots_per_h, past_slots > 0) {
        details.push(format!(
            "the job's task slots (job.max_concurrent_task_count {}) keep up with at most {} objects an hour, whatever the workers; {past_slots} of {n} intervals bring more work (R3)",
            cfg.job.max_concurrent_task_count,
            human::number(cap)
        ));
    }
    if args.evaluator == StaffEvaluator::Analytic {
        details.push(
            "measured by the analytic model (Erlang C at each interval's modified offered load), not by simulation"
                .into(),
        );
    }
    let mut table_rows: Vec<Vec<String>> = Vec::new();
    // The cost column where the group has a price (wage or poller-hour).
    let priced = |mut row: Vec<String>, hours: f64| {
        if wage > 0.0 {
            row.push(human::money(hours * wage));
        }
        row
    };
    if let (Some(c), Some(met)) = (constant, constant_met) {
        let hours = c as f64 * cycle_h;
        table_rows.push(priced(
            vec![
                "constant".into(),
                human::number(hours),
                format!("{c}"),
                format!("{met}/{n}"),
            ],
            hours,
        ));
    }
    for m in &measured {
        let hours = staff::worker_hours(&m.staffing, interval_s);
        table_rows.push(priced(
            vec![
                m.name.into(),
                human::number(hours),
                format!(
                    "{}..{}",
                    m.staffing.iter().min().unwrap_or(&0),
                    m.staffing.iter().max().unwrap_or(&0)
                ),
                format!("{}/{n}", m.met.iter().filter(|x| **x).count()),
            ],
            hours,
        ));
    }
    let mut table_head: Vec<String> = vec![
        "staffing".into(),
        format!("{unit}-hours per cycle"),
        format!("{unit}s"),
        "intervals met".into(),
    ];
    if wage > 0.0 {
        table_head.push("cost per cycle".into());
    }
    // Every flag that changes the answer, so the page's command reruns it.
    let mut words: Vec<String> = vec!["--group".into(), args.group.clone()];
    for t in &args.targets {
        words.extend(["--target".into(), t.clone()]);
    }
    if args.interval != "1h" {
        words.extend(["--interval".into(), args.interval.clone()]);
    }
    if args.cycle.is_some() {
        words.extend(["--cycle".into(), cycle.as_str().into()]);
    }
    if args.method != StaffMethod::Isa {
        words.extend(["--method".into(), method.into()]);
    }
    if let Some(sh) = &args.shifts {
        words.extend(["--shifts".into(), sh.clone()]);
    }
    if args.max_iterations != 20 {
        words.extend(["--max-iterations".into(), args.max_iterations.to_string()]);
    }
    if args.evaluator == StaffEvaluator::Analytic {
        words.extend(["--evaluator".into(), "analytic".into()]);
    }
    let lead = html::Lead {
        answer: headline,
        details,
        command: Some(crate::commands::common::echoed_command(
            "staff",
            &args
                .scenario
                .iter()
                .map(std::path::PathBuf::as_path)
                .collect::<Vec<_>>(),
            &words,
            &args.common,
        )),
    };
    let mut interval_rows = Vec::new();
    for i in 0..n {
        let mut r = vec![
            label(i),
            human::number(fin.measures[i].arrival_rate_per_h),
            format!("{:.2}", fin.measures[i].offered_load),
        ];
        for m in &measured {
            r.push(m.staffing[i].to_string());
        }
        r.push(if fin.met[i] { "yes" } else { "no" }.into());
        if let Some((_, met)) = &fresh {
            r.push(if met[i] { "yes" } else { "no" }.into());
        }
        interval_rows.push(r);
    }
    let mut interval_head: Vec<String> = vec![
        "interval".into(),
        "arrivals [/h]".into(),
        "offered load".into(),
    ];
    interval_head.extend(measured.iter().map(|m| m.name.to_string()));
    interval_head.push("met".into());
    if fresh.is_some() {
        interval_head.push("met on fresh replications".into());
    }
    // The page and what is printed are one report (issue 19): report.html
    // is its HTML export; the terminal gets its lead and its first table.
    let report = Report {
        title: format!("labelsim staff: {}", scenario.name),
        lead,
        sections: vec![
            Section::table("Staffings", &table_head, &table_rows),
            Section::html("Chart", chart_html),
            Section::table("By interval", &interval_head, &interval_rows),
            Section::text("Schedule", yaml_block),
        ],
    };
    out.put("report.html", &html::export(&report))?;
    out.commit()?;

    if !args.common.quiet {
        outln!("{}", report.lead.answer);
        for l in &report.lead.details {
            outln!("{l}");
        }
        if let Block::Table { headers, rows } = &report.sections[0].body {
            outln!("  {}", headers.join(" | "));
            for r in rows {
                outln!("  {}", r.join(" | "));
            }
        }
        outln!("wrote {}", out_dir.display());
    }
    Ok(if not_met.is_empty() && !unstable {
        0
    } else {
        1
    })
}
