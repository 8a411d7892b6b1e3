//! The job's accounts (SPEC §4a): latencies, service levels and the
//! in-system ledger behind Little's law. Every other component reports
//! here; nothing here changes what happens.
//!
//! Latencies count objects accepted at or after the warm-up's end; a
//! service level counts an object only when it was accepted at least that
//! long before the horizon (so every eligible object had its chance).

use crate::engine::stats::{Latency, Mirror};
use crate::engine::{SimDuration, SimTime};
use crate::model::by_interval::{ByIntervalAccounts, IntervalRow};
use crate::model::config::SimConfig;

/// Latency samples and the in-system ledger.
pub(crate) struct Accounts {
    /// Acceptance → label.
    pub time_to_label: Latency,
    /// Production → label (end to end): the time-to-label sample itself
    /// while every labeled object was accepted at the instant it was
    /// produced (no sender hold, no pipeline); read through
    /// [`Accounts::e2e`] (issue 19: one histogram record per label fewer).
    e2e: Mirror,
    /// Acceptance → dispatch, and dispatch → first task taken.
    pub queue_wait: Latency,
    pub pool_wait: Latency,
    /// Objects whose first task waited in the pool for a worker (> 0 ms).
    pub pool_waited: u64,
    /// Per service level: objects eligible, and those labeled within it.
    sla_eligible: Vec<u64>,
    sla_met: Vec<u64>,
    /// Σ (departure − acceptance) of objects that left the system [µs].
    departed_sojourn_us: u128,
    /// Σ acceptance time of objects in the system [µs].
    in_system_accepted_sum_us: u128,
    in_system: u64,
    /// Acceptance → label per producer, for the job-bound producers when
    /// there are several (None for one sending to a pipeline).
    pub by_producer: Vec<Option<Latency>>,
    /// SPEC §4b: the same by interval of arrival (`output.by_interval`).
    by_interval: Option<ByIntervalAccounts>,
}

impl Accounts {
    /// Accounts for `cfg`, whose warm-up ends at `warmup_end`.
    pub fn new(cfg: &SimConfig, warmup_end: SimTime) -> Self {
        Accounts {
            time_to_label: Latency::new(),
            e2e: Mirror::new(),
            queue_wait: Latency::new(),
            pool_wait: Latency::new(),
            pool_waited: 0,
            sla_eligible: vec![0; cfg.sla.len()],
            sla_met: vec![0; cfg.sla.len()],
            departed_sojourn_us: 0,
            in_system_accepted_sum_us: 0,
            in_system: 0,
            by_producer: if job_bound_producers(cfg) > 1 {
                cfg.producers
                    .iter()
                    .map(|p| p.to.is_none().then(Latency::new))
                    .collect()
            } else {
                Vec::new()
            },
            by_interval: cfg
                .by_interval
                .as_ref()
                .map(|by| ByIntervalAccounts::new(cfg, by, warmup_end)),
        }
    }

    /// An object enters the system at `now`; `warm`: after the warm-up.
    #[inline]
    pub fn enter(&mut self, cfg: &SimConfig, now: SimTime, warm: bool) {
        self.in_system += 1;
        self.in_system_accepted_sum_us += now.as_micros() as u128;
        if warm {
            // Eligible for a service level when accepted at least that long
            // before the simulation's end.
            for (i, sla) in cfg.sla.iter().enumerate() {
                if now + sla.within <= cfg.horizon {
                    self.sla_eligible[i] += 1;
                }
            }
            if let Some(by) = &mut self.by_interval {
                by.arrive(now);
            }
        }
    }

    /// An object accepted at `accepted_at` leaves the system at `now`.
    #[inline]
    pub fn leave(&mut self, now: SimTime, accepted_at: SimTime) {
        self.in_system -= 1;
        self.in_system_accepted_sum_us -= accepted_at.as_micros() as u128;
        self.departed_sojourn_us += (now - accepted_at).as_micros() as u128;
    }

    /// A (warm) object accepted at `accepted_at`, produced at
    /// `produced_at`, is labeled at `now`.
    #[inline]
    pub fn labeled(
        &mut self,
        cfg: &SimConfig,
        now: SimTime,
        accepted_at: SimTime,
        produced_at: SimTime,
        producer: u16,
    ) {
        let ttl = now - accepted_at;
        if self.e2e.mirrors() && produced_at != accepted_at {
            self.e2e.diverge(&self.time_to_label);
        }
        self.time_to_label.record(ttl);
        if let Some(Some(l)) = self.by_producer.get_mut(producer as usize) {
            l.record(ttl);
        }
        self.e2e.record(now - produced_at);
        for (i, sla) in cfg.sla.iter().enumerate() {
            if ttl <= sla.within && accepted_at + sla.within <= cfg.horizon {
                self.sla_met[i] += 1;
            }
        }
        if let Some(by) = &mut self.by_interval {
            by.labeled(accepted_at, ttl);
        }
    }

    /// Production → label of the (warm) labeled objects.
    pub fn e2e(&self) -> &Latency {
        self.e2e.get(&self.time_to_label)
    }

    /// The first task of a (warm) object accepted at `accepted_at` is
    /// taken after `wait` in the pool.
    #[inline]
    pub fn first_taken(&mut self, accepted_at: SimTime, wait: SimDuration) {
        if let Some(by) = &mut self.by_interval {
            by.first_taken(accepted_at, wait);
        }
    }

    /// P8: a document first sent at `origin` became searchable after
    /// `latency` (by interval of its first send).
    #[inline]
    pub fn searchable(&mut self, origin: SimTime, latency: SimDuration) {
        if let Some(by) = &mut self.by_interval {
            by.searchable(origin, latency);
        }
    }

    /// SPEC §4b for a pipeline without a labeling job: a new document
    /// (not a copy of one) first sent or uploaded at `origin` arrives.
    #[inline]
    pub fn document(&mut self, origin: SimTime) {
        if let Some(by) = &mut self.by_interval {
            by.document(origin);
        }
    }

    /// Group `g` has `on_shift` workers on shift from `now`.
    #[inline]
    pub fn staff(&mut self, now: SimTime, g: usize, on_shift: u32) {
        if let Some(by) = &mut self.by_interval {
            by.staff(now, g, on_shift);
        }
    }

    /// SPEC §4b: a message is sent to pipeline queue `q` at `now`.
    #[inline]
    pub fn sent_to_queue(&mut self, now: SimTime, q: usize) {
        if let Some(by) = &mut self.by_interval {
            by.sent(now, q);
        }
    }

    /// SPEC §4b: consumer `c` runs `running` pollers from `now`.
    pub fn pollers(&mut self, now: SimTime, c: usize, running: u32) {
        if let Some(by) = &mut self.by_interval {
            by.pollers(now, c, running);
        }
    }

    /// Whether results are kept by interval (`output.by_interval`).
    pub fn by_interval(&self) -> bool {
        self.by_interval.is_some()
    }

    /// SPEC §4b: the by-interval rows at the end of the run.
    pub fn by_interval_rows(&mut self, cfg: &SimConfig) -> Option<Vec<IntervalRow>> {
        self.by_interval.as_mut().map(|by| by.rows(cfg))
    }

    /// Each service level's share met, None for one with no eligible object.
    pub fn sla_shares(&self, cfg: &SimConfig) -> Vec<(&'static str, Option<f64>)> {
        cfg.sla
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let n = self.sla_eligible[i];
                (s.name, (n > 0).then(|| self.sla_met[i] as f64 / n as f64))
            })
            .collect()
    }

    /// Σ of every object's time in the system until `horizon` [µs] (those
    /// still in it counted to the horizon): Little's law's other side.
    pub fn sojourn_us_until(&self, horizon: SimTime) -> u128 {
        self.departed_sojourn_us + self.in_system as u128 * horizon.as_micros() as u128
            - self.in_system_accepted_sum_us
    }
}

/// Producers sending to the job (not to a pipeline queue).
pub(crate) fn job_bound_producers(cfg: &SimConfig) -> usize {
    cfg.producers.iter().filter(|p| p.to.is_none()).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{LoadOptions, Scenario};
    use std::path::Path;

    /// The mirrored end-to-end sample equals the one recorded value by
    /// value, before and after the first object whose production and
    /// acceptance differ, and past the switch to the histogram.
    #[test]
    fn the_e2e_mirror_gives_the_sample_recording_every_value_gives() {
        let s = Scenario::from_str(
            "name: a\nhorizon: 10d\nproducers: [{name: p, kind: poisson, rate: 1/h}]\n\
             workers: [{count: 1, service_time: {dist: constant, value: 1m}}]\n",
            "a.yaml",
            Path::new("."),
            LoadOptions::default(),
        )
        .expect("valid");
        let mut acct = Accounts::new(&s.sim, SimTime::ZERO);
        let mut every = Latency::new();
        let n = crate::engine::stats::EXACT_SAMPLES as u64 * 2;
        for i in 0..n {
            let accepted = SimTime::from_micros(i * 1_000);
            // Production precedes acceptance from the 5,000th object on.
            let produced = SimTime::from_micros((i * 1_000).saturating_sub(i / 5_000 * 700));
            let now = accepted + SimDuration::from_micros(i % 97 * 13);
            acct.labeled(&s.sim, now, accepted, produced, 0);
            every.record(now - produced);
            if i == 4_999 {
                assert!(
                    acct.e2e.mirrors(),
                    "still mirrored before the first difference"
                );
                assert_eq!(acct.e2e().cdf(400), every.cdf(400));
            }
        }
        assert!(!acct.e2e.mirrors());
        let e2e = acct.e2e();
        assert_eq!(e2e.count(), every.count());
        assert_eq!(e2e.mean_s(), every.mean_s());
        assert_eq!(e2e.quantile_s(0.95), every.quantile_s(0.95));
        assert_eq!(e2e.cdf(400), every.cdf(400));
    }
}
