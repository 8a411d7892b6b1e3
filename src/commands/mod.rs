//! Helpers shared by the subcommands: the work budget, `--set` overrides, "did you mean"
//! hints, and the generated shell completions and man pages.

pub mod budget;
pub mod docs;
pub mod set;
pub mod suggest;
