//! `labelsim validate`: load and check a scenario, write nothing.

use super::common::{load, plural};
use crate::cli::ValidateArgs;
use anyhow::Result;

pub fn validate_cmd(args: ValidateArgs) -> Result<i32> {
    let s = load(Some(&args.scenario), args.lenient, &args.set)?;
    outln!(
        "{}: ok (scenario `{}`, {})",
        s.origin,
        s.name,
        parts(&s.sim)
    );
    Ok(0)
}

/// What the scenario holds, in words: producers, the job's workforce (when
/// there is a job), the pipeline's queues and consumers (when there is a
/// pipeline), and the horizon.
fn parts(sim: &labelsim::model::SimConfig) -> String {
    let count = |n: u64, noun: &str| format!("{n} {noun}{}", plural(n));
    let mut said = vec![count(sim.producers.len() as u64, "producer")];
    if !sim.no_job {
        said.push(format!(
            "{} in {}",
            count(sim.total_workers(), "worker"),
            count(sim.workers.len() as u64, "group")
        ));
    }
    if let Some(p) = &sim.pipeline {
        said.push(count(p.queues.len() as u64, "queue"));
        said.push(count(p.consumers.len() as u64, "consumer"));
    }
    said.push(format!("horizon {}", sim.horizon.elapsed().human()));
    said.join(", ")
}
