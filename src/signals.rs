//! Ctrl-C, SIGTERM and SIGHUP. The first asks the command to stop cleanly:
//! runs in flight finish or stop, nothing new is written, staged outputs are
//! removed (a sweep keeps its finished runs for `--resume`), exit code 130.
//! A second signal quits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

/// Set by the first signal; read by the commands and the runners.
pub static CANCEL: AtomicBool = AtomicBool::new(false);
static HANDLER: Once = Once::new();

/// The command was stopped by a signal; main exits 130.
#[derive(Debug, thiserror::Error)]
#[error("interrupted: no new outputs were written")]
pub struct Interrupted;

/// Installs the handler (once per process).
pub fn install() {
    HANDLER.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if CANCEL.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ninterrupted: stopping cleanly (press Ctrl-C again to quit now)");
        });
    });
}

pub fn cancelled() -> bool {
    CANCEL.load(Ordering::SeqCst)
}

/// `Err(Interrupted)` once a signal has arrived.
pub fn check() -> Result<(), Interrupted> {
    if cancelled() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}
