//! One file per subcommand (run, validate, sweep and merge, plan, compare,
//! fit, completions and man), and what they share: `common`, the work budget,
//! `--set` overrides, "did you mean"
//! hints, and the generated shell completions and man pages.

pub mod budget;
pub mod common;
pub mod compare;
pub mod docs;
pub mod fit;
pub mod plan;
pub mod run;
pub mod set;
pub mod staff;
pub mod sweep;
pub mod validate;

use crate::cli::{Cli, Command};
use anyhow::Result;

/// Runs the subcommand; its exit code on success.
pub fn dispatch(cli: Cli) -> Result<i32> {
    match cli.command {
        Command::Run(args) => run::run_cmd(args),
        Command::Validate(args) => validate::validate_cmd(args),
        Command::Sweep(args) => sweep::sweep(args),
        Command::Merge(args) => sweep::merge(args),
        Command::Plan(args) => plan::plan(args),
        Command::Compare(args) => compare::compare(args),
        Command::Fit(args) => fit::fit(args),
        Command::Staff(args) => staff::staff(args),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
    }
}
