//! Helpers shared by the subcommands: `--set` overrides, "did you mean"
//! hints, and the generated shell completions and man pages.

pub mod docs;
pub mod set;
pub mod suggest;
