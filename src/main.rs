//! The `labelsim` binary: parse arguments, run, print `Error: ...` and exit
//! non-zero on failure. Exit codes: 0 ok, 1 planning target not met, 2 error.

mod app;
mod cli;
mod compare_cmd;
mod plan_cmd;
mod sweep_cmd;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    match app::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::exit(2);
        }
    }
}
