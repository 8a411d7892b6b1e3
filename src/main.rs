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

/// `eprintln!` for the whole binary (it shadows std's, which panics, exit
/// 101, when stderr is closed or full): a message that cannot be written is
/// dropped, and the exit code stays the command's own (issue 18).
macro_rules! eprintln {
    ($($arg:tt)*) => { $crate::err_write(format_args!("{}\n", format_args!($($arg)*))) };
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

fn err_write(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_fmt(args).and_then(|()| stderr.flush());
}

/// Rayon's global pool, which runs the work when a command's own pool
/// cannot be started (`runner::in_pool`), built now with one thread: left
/// to rayon, a failure to start it is a panic at first use. If not even
/// one thread can be started, nothing can run: exit 2.
fn init_global_pool() {
    if let Err(e) = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global()
    {
        eprintln!("Error: cannot start a worker thread: {e}");
        std::process::exit(2);
    }
}

fn main() {
    let cli = cli::Cli::parse();
    init_global_pool();
    match commands::dispatch(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) if e.is::<signals::Interrupted>() => {
            eprintln!("{e}");
            std::process::exit(130);
        }
        Err(e) => {
            eprintln!("Error: {}", error_text(&e));
            std::process::exit(2);
        }
    }
}

/// The error and its causes, `: `-joined, each cause said once: an error
/// whose own words already hold its cause (an I/O error named in a
/// "cannot write" message) does not repeat it.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}
