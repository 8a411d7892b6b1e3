//! Helpers shared by the subcommands: `--set` overrides.

pub mod set;
