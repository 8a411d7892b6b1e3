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
                  Exit codes: 0 success, 1 a planning target not met, 2 error, 130 a sweep interrupted (finished points kept)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario (the bundled quick start if none is given) and write results.
    #[command(after_help = RUN_EXAMPLES)]
    Run(RunArgs),
    /// Check a scenario without running it; reports every problem with its line.
    #[command(after_help = VALIDATE_EXAMPLES)]
    Validate(ValidateArgs),
    /// Run a scenario over a grid (or Latin hypercube) of parameter values.
    #[command(after_help = SWEEP_EXAMPLES)]
    Sweep(SweepArgs),
    /// Combine the outputs of `sweep --shard i/n` runs into the unsharded result.
    Merge(MergeArgs),
    /// Find the smallest parameter value that meets every target with 95% confidence.
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(PlanArgs),
    /// Run the policies under `compare:` (or several scenario files) side by
    /// side on common random numbers.
    #[command(after_help = COMPARE_EXAMPLES)]
    Compare(CompareArgs),
    /// Fit service-time distributions to observed task durations (a CSV
    /// column, or Ground Truth worker responses) and print the best as a
    /// `service_time:` line.
    #[command(after_help = FIT_EXAMPLES, long_about = FIT_ABOUT)]
    Fit(FitArgs),
    /// Staff one worker group interval by interval over a daily or weekly
    /// demand cycle (SIPP, lagged SIPP, ISA), optionally covered by shifts.
    #[command(after_help = STAFF_EXAMPLES)]
    Staff(StaffArgs),
    /// Print a shell completion script (bash, zsh, fish, ...) on standard output.
    #[command(after_help = COMPLETIONS_EXAMPLES)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) of labelsim, or of one of its commands.
    #[command(after_help = MAN_EXAMPLES)]
    Man(ManArgs),
}

const RUN_EXAMPLES: &str = "\
Examples:
  labelsim run                                   # the bundled quick start
  labelsim run scenarios/quickstart.yaml --replications 10 --out results/qs
  labelsim run scenarios/quickstart.yaml --set 'workers[team].count=9'
  labelsim run scenarios/quickstart.yaml --set job.max_concurrent_task_count=50 --json
  labelsim run scenarios/overload-expiry.yaml --no-charts -q";

const VALIDATE_EXAMPLES: &str = "\
Examples:
  labelsim validate scenarios/quickstart.yaml
  labelsim validate my-scenario.yaml --lenient   # service limits (R11) as warnings";

const SWEEP_EXAMPLES: &str = "\
Examples:
  labelsim sweep scenarios/quickstart.yaml --vary 'workers[team].count=8,10,12'
  labelsim sweep scenarios/quickstart.yaml --vary 'workers[0].count=8..14:2' \\
      --vary job.max_concurrent_task_count=100,1000 --replications 5
  labelsim sweep scenarios/quickstart.yaml --vary 'producers[cameras].rate=60/h..120/h' --samples 20
  labelsim sweep scenarios/quickstart.yaml --vary 'workers[0].count=5..40:1' --shard 2/4 --out s2";

const PLAN_EXAMPLES: &str = "\
Examples:
  labelsim plan scenarios/quickstart.yaml --vary 'workers[team].count=1..500' \\
      --target 'time_to_label_p95_s <= 24h' --target 'expired_in_queue == 0'
  labelsim plan scenarios/quickstart.yaml --vary 'workers[team].count=9..14' \\
      --vary job.max_concurrent_task_count=100,1000 \\
      --target 'time_to_label_mean_s <= 30m' --minimize cost_usd
Exit status: 0 a value meets every target, 1 none does, 2 error.";

const COMPARE_EXAMPLES: &str = "\
Examples:
  labelsim compare scenarios/overload-expiry.yaml          # its `compare:` list
  labelsim compare scenarios/quickstart.yaml --policies policies.yaml
  labelsim compare before.yaml after.yaml                   # two scenario files
  labelsim compare scenarios/overload-expiry.yaml --metric objects_labeled --metric cost_usd

An entry of `compare:` overrides sections of the scenario; a list item with
the `name` of one of the scenario's items is merged into it key by key:
  compare: [{name: bigger, workers: [{name: team, count: 11}]}]";

const FIT_ABOUT: &str = "\
Fit every service-time distribution labelsim supports (exponential, lognormal, gamma, \
weibull, uniform; constant when all values are equal) to observed task durations by \
maximum likelihood, rank them by AIC (lower is better) with the Kolmogorov-Smirnov \
distance beside it, and print the best as a `service_time:` line in scenario syntax. \
Writes fit.json (every fit: parameters, log-likelihood, AIC, KS) and fit.png \
(histogram with the fitted densities) to the output folder.

Input: a CSV file (one column of seconds or durations such as 2m30s; a header row is \
optional), or SageMaker Ground Truth worker-response JSON files \
(annotations/worker-response/..., `{\"answers\": [...]}`), one file or a folder searched \
recursively. A worker answer's duration is submissionTime - acceptanceTime (how long the \
worker held the task), or timeSpentInSeconds with `--column timeSpentInSeconds`.

Worker speeds (worker responses only): labelsim's `speed: {spread: S}` gives each worker \
a lognormal speed with median 1 and log-sigma S. S is estimated from the median log \
duration of each worker with at least --min-tasks-per-worker tasks: the variance of those \
medians across workers, less the part sampling noise explains ((pi/2) x the pooled \
within-worker variance of log durations / tasks of the worker, averaged), square-rooted. \
The service time to use with that spread is fitted to the durations with each worker's \
speed divided out (the pooled durations already contain the spread).

Fewer than 10 durations fit with a warning. Zero, negative or non-finite durations are \
an error that names the file and line; nothing is written then.";

const FIT_EXAMPLES: &str = "\
Examples:
  labelsim fit durations.csv                      # the only numeric column
  labelsim fit tasks.csv --column seconds --out results/fit-tasks
  labelsim fit s3-copy/my-job/annotations/worker-response/   # a folder of worker responses
  labelsim fit responses/ --column timeSpentInSeconds --min-tasks-per-worker 10
  labelsim fit durations.csv --json | jq -r .best.service_time";

const STAFF_EXAMPLES: &str = "\
Examples:
  labelsim staff scenarios/staff-week.yaml --group 'workers[labelers]' \\
      --target 'labeled_within_4h >= 95%' --shifts 4h,8h
  labelsim staff scenarios/staff-week.yaml --group 'workers[labelers]' \\
      --target 'pool_wait_mean_s <= 2m' --target 'delay_probability <= 20%' --method lsipp
Writes staffing.csv, staff.json (with the schedule as a `workers:` list), schedule.yaml,
staffing.png and report.html.
Exit status: 0 every interval meets every target, 1 some cannot (named), 2 error.";

const COMPLETIONS_EXAMPLES: &str = "\
Examples:
  labelsim completions bash > ~/.local/share/bash-completion/completions/labelsim
  labelsim completions zsh > ~/.zfunc/_labelsim     # with fpath+=(~/.zfunc) before compinit
  labelsim completions fish > ~/.config/fish/completions/labelsim.fish";

const MAN_EXAMPLES: &str = "\
Examples:
  labelsim man > ~/.local/share/man/man1/labelsim.1
  labelsim man run > ~/.local/share/man/man1/labelsim-run.1
  labelsim man | man -l -";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command (run, sweep, ...) for its own page, `labelsim-<command>(1)`.
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario file (YAML) with a `compare:` list (or give --policies); or
    /// two or more scenario files, compared with one another.
    pub scenarios: Vec<PathBuf>,
    /// A YAML file with the list of policies (each `{name, throttle: {...}, ...overrides}`).
    #[arg(long)]
    pub policies: Option<PathBuf>,
    /// Metrics in the comparison tables [default: labeled, expired, lost to
    /// stop, held at sender, end-to-end p50 and p95, cost]. Repeat for several.
    #[arg(long = "metric", value_name = "NAME")]
    pub metrics: Vec<String>,
    #[command(flatten)]
    pub common: RunOptions,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Scenario file (YAML). Omit it to plan on the bundled quick start.
    pub scenario: Option<PathBuf>,
    /// PATH=VALUES, e.g. `workers[0].count=1..500` (step 1 by default for
    /// integer ranges). Several only with --minimize.
    #[arg(long = "vary", value_name = "PATH=VALUES", required = true)]
    pub vary: Vec<String>,
    /// METRIC OP VALUE, e.g. "time_to_label_p95_s <= 24h", "expired_in_queue == 0".
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// Among feasible grid points, return the smallest parameter whose mean
    /// of this metric is within the best point's 95% interval.
    #[arg(long)]
    pub minimize: Option<String>,
    /// Evaluate every value (and check the monotonicity the search assumes).
    #[arg(long)]
    pub exhaustive: bool,
    /// Judge the targets on the horizon as simulated, even where a
    /// stationary stream's offered load is 1 or more (by default such a
    /// value is unstable and never meets a target).
    #[arg(long)]
    pub finite_horizon: bool,
    /// Replications per value at most: a value whose 95% interval straddles
    /// a target gets more (doubling from the scenario's count, at least 2)
    /// up to this.
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(2..))]
    pub max_replications: u32,
    #[command(flatten)]
    pub common: RunOptions,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario file (YAML). Omit it to sweep the bundled quick start.
    pub scenario: Option<PathBuf>,
    /// PATH=VALUES: a list `a,b,c`, a range `lo..hi:step` (units allowed:
    /// `30m..2h:30m`, `60/h..120/h:20/h`), or `lo..hi` with --samples.
    /// Repeat for a grid over several parameters.
    #[arg(long = "vary", value_name = "PATH=VALUES")]
    pub vary: Vec<String>,
    /// Latin-hypercube design with this many points over the `lo..hi` ranges.
    #[arg(long)]
    pub samples: Option<u32>,
    /// Run only shard i of n (1-based): points p (numbered from 1) with (p - 1) mod n = i - 1.
    #[arg(long, value_name = "i/n")]
    pub shard: Option<String>,
    /// Continue an interrupted sweep in --out, skipping finished runs.
    #[arg(long)]
    pub resume: bool,
    /// Metrics to chart against the parameters [default: a few key ones].
    #[arg(long = "metric")]
    pub metrics: Vec<String>,
    #[command(flatten)]
    pub common: RunOptions,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folder for the merged sweep.
    pub out: PathBuf,
    /// Folders written by `sweep --shard i/n`.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Chart image format.
    #[arg(long, value_enum, default_value_t = ChartFormat::Png)]
    pub format: ChartFormat,
    /// Merge even if runs are missing (a shard not run or unfinished);
    /// without it, missing runs are an error and nothing is written.
    #[arg(long)]
    pub allow_partial: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChartFormat {
    Png,
    Svg,
}

/// Options of every command that runs simulations.
#[derive(Debug, Args)]
pub struct RunOptions {
    /// Output folder [default: results/<scenario name>/, with sweep/, plan/
    /// or compare/ below it for those commands].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications (per run, point, value or policy); overrides the scenario.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub replications: Option<u32>,
    /// Worker threads [default: all cores; at most 1024]. Results do not
    /// depend on it.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1024))]
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
    /// Override one scenario field, e.g. `workers[team].count=9` or
    /// `job.max_concurrent_task_count=50` (the paths of --vary; the value is
    /// YAML). Repeat for several.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Draw no charts (faster); report.html says they were skipped.
    #[arg(long)]
    pub no_charts: bool,
    /// Run even if the work estimated before running exceeds the limits
    /// (2e9 events, about 17 minutes on one thread at the 2e6 events/s
    /// assumed; 4 GiB of memory; 1 GiB of output per command).
    #[arg(long)]
    pub force: bool,
    /// Stop cleanly (nothing written) after this many simulated events in
    /// all (each message of a burst or manifest counts as one); also sets
    /// the event limit the estimate is checked against to N where N is
    /// above 2e9.
    #[arg(long, value_name = "N")]
    pub max_events: Option<u64>,
    /// Stop cleanly (nothing written) when resident memory passes this
    /// size, e.g. 2GiB; also allows an estimate up to it.
    #[arg(long, value_name = "SIZE")]
    pub max_memory: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario file (YAML). Omit it to run the bundled quick-start scenario.
    pub scenario: Option<PathBuf>,
    /// Print the summary (the document written to summary.json) on standard
    /// output instead of the table.
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
    #[command(flatten)]
    pub common: RunOptions,
}

#[derive(Debug, Args)]
pub struct FitArgs {
    /// A CSV file of task durations, a Ground Truth worker-response JSON
    /// file, or a folder of worker-response files.
    pub file: PathBuf,
    /// The CSV column to fit [default: the only numeric column]. For worker
    /// responses: `timeSpentInSeconds` to fit the active time instead of
    /// submissionTime - acceptanceTime.
    #[arg(long, value_name = "NAME")]
    pub column: Option<String>,
    /// Output folder [default: results/fit/<file name>/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Chart image format.
    #[arg(long, value_enum, default_value_t = ChartFormat::Png)]
    pub format: ChartFormat,
    /// Print the document written to fit.json on standard output instead of
    /// the table.
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,
    /// Worker responses: tasks a worker needs to count in the speed-spread
    /// estimate (fewer give a median dominated by chance).
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..))]
    pub min_tasks_per_worker: u32,
    /// Print nothing but errors and warnings.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How `labelsim staff` chooses the final staffing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StaffMethod {
    /// The iterative staffing algorithm (Feldman, Mandelbaum, Massey & Whitt 2008).
    Isa,
    /// Each interval as if stationary at its own mean rate.
    Sipp,
    /// SIPP on the rate one mean service time earlier.
    Lsipp,
}

/// The demand cycle of `labelsim staff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StaffCycle {
    #[value(name = "1d")]
    Day,
    #[value(name = "1w")]
    Week,
}

/// What measures a cycle under a staffing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StaffEvaluator {
    /// Erlang C at each interval's modified offered load (fast, approximate).
    Analytic,
    /// Simulate the scenario under each staffing (its replications) and
    /// read the results by interval of arrival.
    Simulation,
}

#[derive(Debug, Args)]
pub struct StaffArgs {
    /// Scenario file (YAML). Omit it to staff the bundled quick start.
    pub scenario: Option<PathBuf>,
    /// The group to staff: `workers[NAME]` (or `workers[0]`), or a
    /// consumer's pollers, `pipeline.consumers[NAME]`.
    #[arg(long, value_name = "PATH")]
    pub group: String,
    /// METRIC OP VALUE on a by-interval metric, holding in every interval,
    /// e.g. "labeled_within_4h >= 95%", "pool_wait_mean_s <= 2m",
    /// "delay_probability <= 20%". Repeat for several.
    #[arg(long = "target", required = true)]
    pub targets: Vec<String>,
    /// Length of an interval; it must divide the cycle.
    #[arg(long, default_value = "1h")]
    pub interval: String,
    /// The demand cycle [default: 1w when a producer's rate or a shift
    /// follows the week, else 1d].
    #[arg(long, value_enum)]
    pub cycle: Option<StaffCycle>,
    /// The method whose staffing is the answer (all three are computed).
    #[arg(long, value_enum, default_value_t = StaffMethod::Isa)]
    pub method: StaffMethod,
    /// Cover the staffing with shifts of these lengths (whole intervals),
    /// starting at any interval boundary, at the fewest worker-hours, e.g. `4h,8h`.
    #[arg(long, value_name = "LENGTHS")]
    pub shifts: Option<String>,
    /// ISA stops after this many evaluations of the cycle, and says so.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_iterations: u32,
    /// What measures each staffing: the simulation (S2: ISA simulates the
    /// cycle) or Erlang C (fast, approximate).
    #[arg(long, value_enum, default_value_t = StaffEvaluator::Simulation)]
    pub evaluator: StaffEvaluator,
    /// Print each ISA iteration and measurement to stderr as a line, even
    /// when stderr is not a terminal (a terminal gets a progress bar).
    #[arg(long)]
    pub progress: bool,
    #[command(flatten)]
    pub common: RunOptions,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario file (YAML).
    pub scenario: PathBuf,
    /// Turn service-limit errors (R11) into warnings.
    #[arg(long)]
    pub lenient: bool,
    /// Check the scenario with this field overridden, as `run --set` would
    /// run it, e.g. `workers[team].count=9`. Repeat for several.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
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
