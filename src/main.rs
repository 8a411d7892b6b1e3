//! The `labelsim` binary: parse arguments, run, print `Error: ...` and exit
//! non-zero on failure. Exit codes: 0 ok, 1 planning target not met, 2 error.

/// `println!` for the command's output: a reader that closes the pipe
/// (`labelsim sweep ... | head -1`) ends the program quietly with exit 0
/// instead of a panic.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::out_write(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `print!` with the same rule as [`outln!`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::out_write(format_args!($($arg)*)) };
}

mod cli;
mod commands;
mod signals;

use clap::Parser;

fn out_write(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("Error: cannot write to standard output: {e}");
        std::process::exit(2);
    }
}

fn main() {
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) if e.is::<signals::Interrupted>() => {
            eprintln!("{e}");
            std::process::exit(130);
        }
        Err(e) => {
            eprintln!("Error: {e:#}");
            std::process::exit(2);
        }
    }
}
