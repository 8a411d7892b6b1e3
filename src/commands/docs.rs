//! `labelsim completions SHELL` and `labelsim man [COMMAND]`: both generated
//! from the clap definition in `cli.rs`, so they never drift from `--help`.

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use anyhow::{anyhow, Result};
use clap::CommandFactory;

/// Prints the completion script for `args.shell`.
pub fn completions(args: CompletionsArgs) -> Result<i32> {
    let mut cmd = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "labelsim", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(0)
}

/// Prints the man page of labelsim, or of one command (`labelsim-run(1)`).
pub fn man(args: ManArgs) -> Result<i32> {
    let mut cmd = Cli::command();
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => {
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .filter(|n| n != "help")
                .collect();
            cmd.find_subcommand(name).cloned().ok_or_else(|| {
                anyhow!(
                    "`{name}` is not a labelsim command; one of: {}",
                    names.join(", ")
                )
            })?
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut roff)
        .map_err(|e| anyhow!("cannot render the man page: {e}"))?;
    out!("{}", String::from_utf8_lossy(&roff));
    Ok(0)
}
