//! Ctrl-C, SIGTERM and SIGHUP. The first asks the command to stop cleanly:
//! runs in flight finish or stop, nothing new is written, staged outputs are
//! removed (a sweep keeps its finished runs for `--resume`), exit code 130.
//! A second signal quits at once.

use labelsim::budget::{RunGuard, StopReason};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};

/// Set by the first signal; read by the commands and the runners.
pub static CANCEL: AtomicBool = AtomicBool::new(false);
static HANDLER: Once = Once::new();
/// The guard of the runs in progress, stopped by the first signal.
static GUARD: Mutex<Option<Arc<RunGuard>>> = Mutex::new(None);

/// The first signal also stops `guard`'s runs within a few thousand events.
pub fn stop_on_signal(guard: Arc<RunGuard>) {
    install();
    if let Ok(mut g) = GUARD.lock() {
        *g = Some(guard);
    }
}

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
            if let Ok(Some(g)) = GUARD.lock().as_deref() {
                g.stop(StopReason::Requested("interrupted".into()));
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
