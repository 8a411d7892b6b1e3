//! `labelsim validate`: load and check a scenario, write nothing.

use super::common::{load, plural};
use crate::cli::ValidateArgs;
use anyhow::Result;

pub fn validate_cmd(args: ValidateArgs) -> Result<i32> {
    let s = load(Some(&args.scenario), args.lenient, &args.set)?;
    outln!(
        "{}: ok (scenario `{}`, {} producer{}, {} worker{} in {} group{}, horizon {})",
        s.origin,
        s.name,
        s.sim.producers.len(),
        plural(s.sim.producers.len() as u64),
        s.sim.total_workers(),
        plural(s.sim.total_workers()),
        s.sim.workers.len(),
        plural(s.sim.workers.len() as u64),
        s.sim.horizon.elapsed().human(),
    );
    Ok(0)
}
