//! `labelsim plan`: targets → search over the parameter's grid → answer,
//! evidence table, plan.json and a chart. Exit 0 feasible, 1 infeasible.

use crate::app::{load_for, progress_bar};
use crate::cli::{ChartFormat, PlanArgs};
use anyhow::{anyhow, bail, Context, Result};
use labelsim::model::RunSummary;
use labelsim::plan::{gallop_then_bisect, Target};
use labelsim::plot::{self, BandChart, Format, HLine};
use labelsim::report::{aggregate_json, write_atomic};
use labelsim::runner::{aggregate, Aggregate};
use labelsim::scenario::paths::{value_text, ScenarioTemplate};
use labelsim::scenario::LoadOptions;
use labelsim::sweep;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

struct Evaluated {
    agg: Aggregate,
    meets: bool,
}

pub fn plan(args: PlanArgs) -> Result<i32> {
    let scenario = load_for(args.scenario.as_deref(), &args.common)?;
    let replications = scenario.replications.max(1);
    let known = sweep::numeric_metric_names();
    let targets: Vec<Target> = args
        .targets
        .iter()
        .map(|t| Target::parse(t, &known))
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow!(e))?;
    if let Some(m) = &args.minimize {
        if !known.contains(&m.as_str()) {
            bail!(
                "--minimize `{m}` is not a numeric summary metric; one of: {}",
                known.join(", ")
            );
        }
    } else if args.vary.len() > 1 {
        bail!("the monotone search takes one --vary; to search a grid of several parameters, add --minimize METRIC");
    }
    // Integer ranges without a step default to step 1.
    let mut varies = Vec::new();
    for v in &args.vary {
        let (p, mut t) = sweep::parse_vary(v).map_err(|e| anyhow!(e))?;
        if t.contains("..") && !t.contains(':') {
            let (lo, hi) = t.split_once("..").expect("contains ..");
            if lo.trim().parse::<i64>().is_ok() && hi.trim().parse::<i64>().is_ok() {
                t = format!("{t}:1");
            }
        }
        varies.push((p, t));
    }
    let mut design = sweep::design(&varies, None, scenario.seed).map_err(|e| anyhow!(e))?;
    if design.params.len() == 1 {
        // Search order: ascending value when numeric.
        let keys: Option<Vec<f64>> = design
            .points
            .iter()
            .map(|p| sweep::numeric_param(&value_text(&p[0])))
            .collect();
        if let Some(keys) = keys {
            let mut idx: Vec<usize> = (0..keys.len()).collect();
            idx.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]));
            design.points = idx.into_iter().map(|i| design.points[i].clone()).collect();
        }
    }
    if replications < 2 && !args.common.quiet {
        eprintln!("warning: with 1 replication there is no confidence interval; the plan uses the single run's values");
    }
    let template = ScenarioTemplate::new(
        &scenario,
        LoadOptions {
            lenient: args.common.lenient,
        },
    )
    .map_err(|e| anyhow!(e))?;
    let configs = sweep::point_configs(&template, &design, "plan value").map_err(|e| anyhow!(e))?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.common.threads.unwrap_or(0) as usize)
        .build()
        .context("thread pool")?;
    let never = AtomicBool::new(false);
    let mut cache: BTreeMap<usize, Evaluated> = BTreeMap::new();
    let mut simulations = 0u64;
    let evaluate =
        |indices: &[usize], cache: &mut BTreeMap<usize, Evaluated>, sims: &mut u64| -> Result<()> {
            let jobs: Vec<(usize, u32)> = indices
                .iter()
                .filter(|i| !cache.contains_key(i))
                .flat_map(|&i| (0..replications).map(move |r| (i, r)))
                .collect();
            if jobs.is_empty() {
                return Ok(());
            }
            let pb = progress_bar(jobs.len() as u64, "plan runs", args.common.quiet);
            let results = pool
                .install(|| sweep::run_jobs(&configs, &jobs, scenario.seed, &never, &|| pb.inc(1)))
                .map_err(|e| anyhow!("{e}"))?;
            pb.finish_and_clear();
            *sims += jobs.len() as u64;
            let mut by_point: BTreeMap<usize, Vec<RunSummary>> = BTreeMap::new();
            for (&(i, _), s) in jobs.iter().zip(results) {
                by_point
                    .entry(i)
                    .or_default()
                    .push(s.expect("not cancelled"));
            }
            for (i, runs) in by_point {
                let agg = aggregate(&runs);
                let meets = targets.iter().all(|t| {
                    let (lo, hi) = agg.ci_of(&t.metric).unwrap_or((f64::NAN, f64::NAN));
                    t.met_by(lo, hi)
                });
                cache.insert(i, Evaluated { agg, meets });
            }
            Ok(())
        };

    let n = design.points.len();
    let mut monotone: Option<bool> = None;
    let answer: Option<usize> = if let Some(metric) = &args.minimize {
        let all: Vec<usize> = (0..n).collect();
        evaluate(&all, &mut cache, &mut simulations)?;
        cache
            .iter()
            .filter(|(_, e)| e.meets)
            .min_by(|a, b| {
                let (x, y) = (
                    a.1.agg.mean_of(metric).unwrap_or(f64::INFINITY),
                    b.1.agg.mean_of(metric).unwrap_or(f64::INFINITY),
                );
                x.total_cmp(&y).then(a.0.cmp(b.0))
            })
            .map(|(i, _)| *i)
    } else if args.exhaustive {
        let all: Vec<usize> = (0..n).collect();
        evaluate(&all, &mut cache, &mut simulations)?;
        let first = cache.iter().find(|(_, e)| e.meets).map(|(i, _)| *i);
        monotone = Some(first.is_none_or(|f| cache.range(f..).all(|(_, e)| e.meets)));
        first
    } else {
        gallop_then_bisect(n, &mut |i| -> Result<bool> {
            evaluate(&[i], &mut cache, &mut simulations)?;
            Ok(cache[&i].meets)
        })?
    };

    let param_name = design
        .params
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let answer_json = answer.map(|i| {
        if design.params.len() == 1 {
            json!(design.points[i][0])
        } else {
            let mut m = serde_json::Map::new();
            for (p, v) in design.params.iter().zip(&design.points[i]) {
                m.insert(p.to_string(), json!(v));
            }
            serde_json::Value::Object(m)
        }
    });
    let points: Vec<serde_json::Value> = cache
        .iter()
        .map(|(i, e)| {
            let (mean, ci) = aggregate_json(&e.agg);
            let value = if design.params.len() == 1 {
                json!(design.points[*i][0])
            } else {
                json!(design.points[*i])
            };
            json!({"value": value, "meets": e.meets, "mean": mean, "ci95": ci})
        })
        .collect();
    let doc = json!({
        "parameter": param_name,
        "answer": answer_json,
        "feasible": answer.is_some(),
        "targets": targets.iter().map(|t| t.text.clone()).collect::<Vec<_>>(),
        "minimize": args.minimize,
        "replications": replications,
        "grid_size": n,
        "simulations": simulations,
        "simulations_full_grid": n as u64 * replications as u64,
        "monotone": monotone,
        "points": points,
    });
    let out_dir = args
        .common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&scenario.name).join("plan"));
    std::fs::create_dir_all(&out_dir)
        .with_context(|| format!("cannot create {}", out_dir.display()))?;
    let mut bytes = serde_json::to_vec_pretty(&doc)?;
    bytes.push(b'\n');
    write_atomic(&out_dir.join("plan.json"), &bytes)?;

    // Chart: the first target's metric against the parameter.
    let fmt = match args.common.format {
        ChartFormat::Png => Format::Png,
        ChartFormat::Svg => Format::Svg,
    };
    let numeric: Option<Vec<f64>> = if design.params.len() == 1 {
        cache
            .keys()
            .map(|&i| sweep::numeric_param(&value_text(&design.points[i][0])))
            .collect()
    } else {
        None
    };
    if let (Some(xs), Some(t)) = (numeric, targets.first()) {
        let pts: Vec<(f64, f64, f64, f64)> = cache
            .values()
            .zip(&xs)
            .map(|(e, &x)| {
                let m = e.agg.mean_of(&t.metric).unwrap_or(f64::NAN);
                let (lo, hi) = e.agg.ci_of(&t.metric).unwrap_or((m, m));
                (x, m, lo, hi)
            })
            .collect();
        let cap = (t.value > 0.0).then_some(t.value * 3.0);
        let pinned = cap.is_some_and(|c| pts.iter().any(|p| p.1 > c));
        let title = format!(
            "plan: {} against {}{}",
            t.metric,
            design.params[0],
            if pinned {
                " (values above 3x the target pinned to the top)"
            } else {
                ""
            }
        );
        let x_label = plot::param_axis_label(
            &design.params[0].to_string(),
            &value_text(&design.points[0][0]),
        );
        let vline = answer.map(|i| {
            let x = sweep::numeric_param(&value_text(&design.points[i][0])).unwrap_or(0.0);
            (x, format!("answer: {}", value_text(&design.points[i][0])))
        });
        plot::render_band_chart(
            &out_dir.join(format!("plan.{}", fmt.extension())),
            fmt,
            &BandChart {
                title: &title,
                x_label: &x_label,
                y_label: &plot::metric_axis_label(&t.metric),
                points: pts,
                hlines: vec![HLine {
                    label: format!("target: {}", t.text),
                    y: t.value,
                    color: plot::ALERT,
                }],
                vlines: vline.into_iter().collect(),
                y_cap: cap,
                line_label: "mean over replications",
            },
        )
        .map_err(|e| anyhow!("cannot draw plan chart: {e}"))?;
    }

    if !args.common.quiet {
        match answer {
            Some(i) => {
                let v: Vec<String> = design.points[i].iter().map(value_text).collect();
                println!("answer: {param_name} = {}", v.join(", "));
            }
            None => {
                println!("infeasible: no value of {param_name} in the range meets every target")
            }
        }
        println!(
            "  {} of {} values evaluated, {} simulations (a full grid needs {}), {} replications each",
            cache.len(),
            n,
            simulations,
            n as u64 * replications as u64,
            replications
        );
        if monotone == Some(false) {
            println!("  warning: the targets are not monotone in {param_name}: a larger value fails after a smaller one met them");
        }
        let mut head = vec![param_name.clone(), "meets".into()];
        head.extend(targets.iter().map(|t| format!("{} [95% CI]", t.metric)));
        println!("  {}", head.join(" | "));
        for (i, e) in &cache {
            let mut row = vec![
                design.points[*i]
                    .iter()
                    .map(value_text)
                    .collect::<Vec<_>>()
                    .join(", "),
                if e.meets { "yes".into() } else { "no".into() },
            ];
            for t in &targets {
                let m = e.agg.mean_of(&t.metric).unwrap_or(f64::NAN);
                let (lo, hi) = e.agg.ci_of(&t.metric).unwrap_or((m, m));
                row.push(format!("{m:.4} [{lo:.4}, {hi:.4}]"));
            }
            println!("  {}", row.join(" | "));
        }
        println!(
            "results: {}/ (plan.json, plan.{})",
            out_dir.display(),
            fmt.extension()
        );
    }
    Ok(if answer.is_some() { 0 } else { 1 })
}
