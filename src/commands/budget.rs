//! The work a command may do: its estimate is checked before anything runs
//! (refused with the estimate and how to proceed, unless `--force`), and
//! the runs are guarded while they go (`--max-events`, `--max-memory`,
//! Ctrl-C), stopping cleanly with nothing written.

use crate::cli::RunOptions;
use anyhow::{anyhow, bail, Result};
use labelsim::budget::{self, Estimate, Limits, MemoryWatchdog, RunError, RunGuard, StopReason};
use std::sync::Arc;

/// The limits of one command, from its options.
pub struct Budget {
    force: bool,
    max_events: Option<u64>,
    max_memory: Option<u64>,
}

/// A guard shared by every run of a command, and the watchdog that feeds
/// it (kept alive as long as the guard is in use).
pub struct Guard {
    pub guard: Arc<RunGuard>,
    _watchdog: Option<MemoryWatchdog>,
}

impl Budget {
    pub fn of(opts: &RunOptions) -> Result<Budget> {
        let max_memory = opts
            .max_memory
            .as_deref()
            .map(parse_bytes)
            .transpose()
            .map_err(|e| anyhow!("--max-memory: {e}"))?;
        Ok(Budget {
            force: opts.force,
            max_events: opts.max_events,
            max_memory,
        })
    }

    /// The limits an estimate is checked against: the defaults, raised to
    /// `--max-events`/`--max-memory` where those allow more.
    fn limits(&self) -> Limits {
        let mut l = Limits::default();
        if let Some(e) = self.max_events {
            l.max_events = l.max_events.max(e);
        }
        if let Some(m) = self.max_memory {
            l.max_memory_bytes = l.max_memory_bytes.max(m);
        }
        l
    }

    /// Refuses a command whose estimate exceeds the limits (unless
    /// `--force`), before any work or output.
    pub fn check(&self, est: &Estimate) -> Result<()> {
        if self.force {
            return Ok(());
        }
        budget::check(est, &self.limits()).map_err(|e| {
            // Issue 18 item 10: the event limit can be set.
            let events = e
                .exceeded
                .iter()
                .any(|x| x.resource == budget::Resource::Events);
            let anyway = if events {
                "Pass --force to run anyway, or --max-events N to allow up to N events (and stop there)"
            } else {
                "Pass --force to run anyway"
            };
            anyhow!("{}", e.describe(Some(anyway)))
        })
    }

    /// The guard for the runs: an event budget if `--max-events`, a memory
    /// watchdog if `--max-memory`, and Ctrl-C stops it.
    pub fn guard(&self) -> Guard {
        let guard = RunGuard::shared(self.max_events);
        let watchdog = self
            .max_memory
            .map(|m| MemoryWatchdog::spawn(Arc::clone(&guard), m));
        crate::signals::stop_on_signal(Arc::clone(&guard));
        Guard {
            guard,
            _watchdog: watchdog,
        }
    }
}

impl Budget {
    /// Checks the work of `replications` runs of each of `configs` (points,
    /// values or contenders), summed; `points_setting` names what sets
    /// their number, for the refusal.
    pub fn check_configs(
        &self,
        configs: &[&labelsim::model::SimConfig],
        replications: u32,
        opts: &RunOptions,
        points_setting: &str,
    ) -> Result<()> {
        self.check_evaluated(
            configs,
            configs.len() as u64,
            replications,
            opts,
            points_setting,
        )
    }

    /// As [`Budget::check_configs`], for a search that runs `points` of
    /// the `configs` (which ones depends on the results), `replications`
    /// each: the dearest configuration's estimate for every point run.
    pub fn check_evaluated(
        &self,
        configs: &[&labelsim::model::SimConfig],
        points: u64,
        replications: u32,
        opts: &RunOptions,
        points_setting: &str,
    ) -> Result<()> {
        let threads = threads(opts);
        let per: Vec<Estimate> = configs
            .iter()
            .map(|c| budget::estimate_run(c, replications, threads))
            .collect();
        // The dearest point's estimate for every point: an upper bound.
        let Some(dearest) = per.iter().max_by(|a, b| a.events.total_cmp(&b.events)) else {
            return Ok(());
        };
        self.check(&budget::estimate_points(dearest, points, points_setting))
    }
}

/// A stopped run as the command's error: interrupted (exit 130) if a
/// signal stopped it, else the reason (exit 2).
pub fn stopped(e: RunError) -> anyhow::Error {
    match e {
        RunError::Stopped(_) if crate::signals::cancelled() => {
            anyhow::Error::new(crate::signals::Interrupted)
        }
        RunError::Stopped(s) => anyhow!(
            "{}; nothing was written",
            s.describe(&reason_text(&s.reason))
        ),
        RunError::Invariant(v) => anyhow!("{v}"),
    }
}

/// Why a guard stopped, in the command's words: the event limit is the
/// `--max-events` flag.
pub fn reason_text(r: &StopReason) -> String {
    match r {
        StopReason::MaxEvents { limit } => format!("--max-events {limit} reached"),
        other => other.to_string(),
    }
}

/// `4GiB`, `512MiB`, `2G`, `1500M`, `1048576` (bytes).
pub fn parse_bytes(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let x: f64 = num
        .parse()
        .map_err(|_| anyhow!("`{text}` is not a size such as 4GiB or 512MiB"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" => 1e12,
        "tib" => 1024f64.powi(4),
        other => {
            bail!("unknown unit `{other}` in `{text}` (B, KB, KiB, MB, MiB, GB, GiB, TB, TiB)")
        }
    };
    let bytes = x * mult;
    if !bytes.is_finite() || bytes < 1.0 || bytes > u64::MAX as f64 {
        bail!("`{text}` is out of range");
    }
    Ok(bytes as u64)
}

/// Worker threads a command will use, for the memory estimate.
pub fn threads(opts: &RunOptions) -> usize {
    opts.threads.map(|t| t as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

#[cfg(test)]
mod tests {
    use super::parse_bytes;

    #[test]
    fn sizes_in_words_people_use() {
        assert_eq!(parse_bytes("4GiB").unwrap(), 4 << 30);
        assert_eq!(parse_bytes("512 MiB").unwrap(), 512 << 20);
        assert_eq!(parse_bytes("2G").unwrap(), 2_000_000_000);
        assert_eq!(parse_bytes("1048576").unwrap(), 1 << 20);
        assert!(parse_bytes("4 months").is_err());
        assert!(parse_bytes("-1G").is_err());
        assert!(parse_bytes("0").is_err());
    }
}
