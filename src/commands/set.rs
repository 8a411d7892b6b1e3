//! `--set PATH=VALUE`: the flag's messages. What a setting means, and how
//! it is applied to the parsed scenario, is the library's
//! ([`labelsim::scenario::overrides`]). Every command that runs simulations
//! takes it (through [`crate::commands::common::load_for`]).

use anyhow::{anyhow, Result};
use labelsim::scenario::overrides::{self, SetError};
use labelsim::scenario::{LoadOptions, Scenario};

/// `scenario` with every `--set` of `args` applied, in order, and validated.
pub fn apply(scenario: Scenario, args: &[String], opts: LoadOptions) -> Result<Scenario> {
    overrides::apply(scenario, args, opts).map_err(|e| match e {
        SetError::Syntax(_) => anyhow!("--set: {e}"),
        SetError::Template(_) => anyhow!("{e}"),
        SetError::Many(_) => anyhow!("--set: {e}"),
        e => anyhow!("--set {e}"),
    })
}
