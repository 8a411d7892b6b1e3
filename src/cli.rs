//! The command line (clap derive), kept apart from the work it triggers.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "labelsim",
    version,
    about = "Simulate and plan streaming data-labeling jobs (SageMaker Ground Truth-style)",
    long_about = "labelsim runs a YAML scenario of producers, a labeling job and a workforce on \
                  a simulated clock, with replications in parallel, and writes CSV, JSON and charts.\n\n\
                  Exit codes: 0 success, 1 a planning target not met, 2 error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (the bundled quick start if none is given) and write results.
    Run(RunArgs),
    /// Check a scenario without running it; reports every problem with its line.
    Validate(ValidateArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartFormat {
    Png,
    Svg,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (YAML). Omit it to run the bundled quick-start scenario.
    pub scenario: Option<PathBuf>,
    /// Output folder [default: results/<scenario name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the scenario's number of replications.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub replications: Option<u32>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub threads: Option<u32>,
    /// Turn service-limit errors (R11) into warnings, for what-if studies.
    #[arg(long)]
    pub lenient: bool,
    /// Chart image format.
    #[arg(long, value_enum, default_value_t = ChartFormat::Png)]
    pub format: ChartFormat,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario file (YAML).
    pub scenario: PathBuf,
    /// Turn service-limit errors (R11) into warnings.
    #[arg(long)]
    pub lenient: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
