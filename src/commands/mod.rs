//! Helpers shared by the subcommands: `--set` overrides and "did you
//! mean" hints.

pub mod set;
pub mod suggest;
