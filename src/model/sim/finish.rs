//! What a run reports: time-series samples, and at the end the SPEC §4a
//! summary, the costs (per calendar month's tiers, SPEC §6 pipeline
//! costs) and the SPEC §5 invariants, checked before anything is
//! returned.

use super::{Event, Simulation};
use crate::engine::time::US_PER_H;
use crate::engine::SimTime;
use crate::model::invariants::{self, InvariantViolation};
use crate::model::job::lifecycle::EndSnapshot;
use crate::model::job::workers::GroupAreas;
use crate::model::metrics::{RunOutput, RunSummary, Sample};
use crate::model::pipeline::Pipeline;

impl Simulation<'_> {
    /// SPEC §4a: the warm-up ends; time-weighted means start here.
    pub(super) fn on_warmup_end(&mut self) {
        self.warm_areas = (
            self.queue.level().area_until(self.engine.now),
            self.avail.level().area_until(self.engine.now),
        );
        if let Some(p) = &mut self.pipeline {
            p.warmup_ended(self.engine.now);
        }
    }

    /// A time-series sample, and the next one `sample_every` later.
    pub(super) fn on_sample(&mut self) {
        self.record_sample();
        let next = self.engine.now + self.cfg.sample_every;
        if next <= self.cfg.horizon && !self.cfg.sample_every.is_zero() {
            self.schedule(next, Event::Sample);
        }
    }

    pub(super) fn record_sample(&mut self) {
        let c = &self.c;
        self.timeseries.push(Sample {
            t_s: self.engine.now.as_secs_f64(),
            backlog: self.queue.len(),
            available: self.avail.count() as u64,
            tasks_waiting: self.tasks.waiting(),
            tasks_in_progress: self.tasks.in_hand(),
            workers_busy: self.workforce.busy().level(),
            workers_on_shift: self.workforce.on_shift().level(),
            labeled_total: c.objects_labeled,
            expired_total: c.expired_in_queue,
            duplicates_total: c.duplicates_dropped,
            lost_total: c.lost_not_in_progress + c.lost_after_stop + c.stranded_at_stop,
            received_total: c.messages_received,
            accepted_total: c.objects_accepted,
            failed_total: c.objects_failed,
        });
        if let Some(p) = &mut self.pipeline {
            p.record_sample(self.engine.now);
        }
    }

    /// SPEC §4a per group and per producer (names from
    /// [`crate::model::metrics::breakdown_names`], in its order): each worker
    /// group's utilization over the job's life, when there are several;
    /// each job-bound producer's time to label, when there are several.
    pub(super) fn breakdown(&self, end: &EndSnapshot) -> Vec<(&'static str, Option<f64>)> {
        let names = crate::model::metrics::breakdown_names(self.cfg);
        let mut values = Vec::with_capacity(names.len());
        if self.cfg.workers.len() > 1 {
            values.extend(end.groups.iter().map(GroupAreas::utilization));
        }
        for l in self.acct.by_producer.iter().flatten() {
            values.push(l.mean_s());
            values.push(l.quantile_s(0.95));
        }
        names.into_iter().zip(values).collect()
    }

    pub(super) fn finish(mut self) -> Result<RunOutput, InvariantViolation> {
        let horizon = self.cfg.horizon;
        if self.life.end_state().is_none() {
            // The job runs on past the horizon: its life ends here.
            let at_horizon = self.snapshot_end();
            self.life.close(at_horizon);
        }
        if self
            .timeseries
            .last()
            .is_none_or(|s| s.t_s < horizon.as_secs_f64())
        {
            self.record_sample();
        }
        let end = self.life.take_end();
        // Time-weighted means over [warm-up end, job end] (SPEC §4a).
        let window =
            (end.at > self.warmup_end).then(|| (end.at - self.warmup_end).as_micros() as f64);
        let (warm_backlog, warm_available) = if end.at > self.warmup_end {
            self.warm_areas
        } else {
            (0, 0)
        };
        let c = &self.c;
        let summary = RunSummary {
            messages_received: c.messages_received,
            duplicates_dropped: c.duplicates_dropped,
            lost_not_in_progress: c.lost_not_in_progress,
            lost_after_stop: c.lost_after_stop,
            objects_accepted: c.objects_accepted,
            objects_dispatched: c.objects_dispatched,
            objects_labeled: c.objects_labeled,
            objects_failed: c.objects_failed,
            expired_in_queue: c.expired_in_queue,
            stranded_at_stop: c.stranded_at_stop,
            queued_at_end: self.queue.len(),
            in_progress_at_end: self.avail.count() as u64,
            tasks_created: c.tasks_created,
            tasks_submitted: c.tasks_submitted,
            tasks_declined: c.tasks_declined,
            tasks_timed_out: c.tasks_timed_out,
            tasks_expired: c.tasks_expired,
            tasks_withdrawn: c.tasks_withdrawn,
            tasks_dropped: c.tasks_dropped,
            time_to_label_mean_s: self.acct.time_to_label.mean_s(),
            time_to_label_p50_s: self.acct.time_to_label.quantile_s(0.50),
            time_to_label_p95_s: self.acct.time_to_label.quantile_s(0.95),
            time_to_label_p99_s: self.acct.time_to_label.quantile_s(0.99),
            queue_wait_mean_s: self.acct.queue_wait.mean_s(),
            pool_wait_mean_s: self.acct.pool_wait.mean_s(),
            pool_wait_positive_fraction: (self.acct.pool_wait.count() > 0)
                .then(|| self.acct.pool_waited as f64 / self.acct.pool_wait.count() as f64),
            backlog_max: self.queue.level().max(),
            // A pipeline alone has no job whose levels to average (its
            // maxima stay the counts they are: 0).
            backlog_mean: window
                .filter(|_| !self.cfg.no_job)
                .map(|w| (end.backlog_area - warm_backlog) as f64 / w),
            available_max: self.avail.level().max(),
            available_mean: window
                .filter(|_| !self.cfg.no_job)
                .map(|w| (end.available_area - warm_available) as f64 / w),
            // SPEC §4a: busy / (on-shift + overtime) worker-time, so a task
            // run past the shift end counts on both sides.
            worker_utilization: (end.on_shift_area + end.overtime_area > 0)
                .then(|| end.busy_area as f64 / (end.on_shift_area + end.overtime_area) as f64),
            // SPEC §4a: labels made during [InProgress, job end] per hour of
            // it; none without a labeling job (a pipeline alone).
            labeled_per_hour: self
                .life
                .in_progress_at()
                .filter(|&t0| end.at > t0 && !self.cfg.no_job)
                .map(|t0| end.labeled as f64 / (end.at - t0).as_hours_f64()),
            test_events_accepted: self.intake.test_events_accepted(),
            // SPEC §6: a pipeline without a labeling job has no end state.
            job_end_state: if self.cfg.no_job {
                None
            } else {
                self.life.end_state()
            },
            job_end_time_s: end.at.as_secs_f64(),
            messages_produced: c.messages_produced,
            redeliveries: c.redeliveries,
            held_at_end: self.sender.held(),
            held_at_sender_max: self.sender.held_max(),
            sender_wait_mean_s: self.sender.wait().mean_s(),
            keepalive_messages: self.sender.keepalive_messages(),
            e2e_time_to_label_mean_s: self.acct.e2e().mean_s(),
            e2e_time_to_label_p50_s: self.acct.e2e().quantile_s(0.50),
            e2e_time_to_label_p95_s: self.acct.e2e().quantile_s(0.95),
            worker_hours_on_shift: end.on_shift_area as f64 / US_PER_H as f64,
            worker_hours_overtime: end.overtime_area as f64 / US_PER_H as f64,
            duplicate_objects_accepted: self.intake.duplicate_objects_accepted(),
            cost_usd: 0.0,
            cost_per_labeled_object: None,
            duplicate_cost_paid_usd: 0.0,
            duplicate_cost_avoided_usd: 0.0,
            warmup_s: self.warmup_end.as_secs_f64(),
            events: self.engine.handled,
            sla: self.acct.sla_shares(self.cfg),
            breakdown: self.breakdown(&end),
            pipeline: self
                .pipeline
                .as_ref()
                .map(|p| {
                    p.metrics(horizon)
                        .into_iter()
                        .map(|(k, v)| (crate::model::metrics::intern(k), v))
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut summary = summary;
        apply_costs(
            &mut summary,
            &self.cfg.cost,
            self.cfg.job.workers_per_object,
            &self.labeled_by_month,
        );
        if let Some(p) = &self.pipeline {
            apply_pipeline_costs(&mut summary, p, &self.cfg.cost, horizon);
        }
        let ledger = invariants::Ledger {
            summary: &summary,
            mode: self.cfg.job.mode,
            k: self.cfg.job.max_concurrent_task_count,
            tasks_open_at_end: self.tasks.waiting() + self.tasks.in_hand(),
            distinct_worker_violations: c.distinct_worker_violations,
            // Little's law on two paths: the level trackers of the queue and
            // of A against the per-object sojourns (acceptance → departure).
            in_system_area_us: self.queue.level().area_until(horizon)
                + self.avail.level().area_until(horizon),
            sojourn_us: self.acct.sojourn_us_until(horizon),
            busy_area_us: self.workforce.busy().area_until(horizon),
            held_us: self.workforce.held_us_until(horizon),
            labeled_in_life: end.labeled,
            submitted_in_life: end.submitted,
            sent_to_pipeline: c.sent_to_pipeline,
            routed_from_pipeline: c.routed_from_pipeline,
        };
        invariants::check(&ledger)?;
        if let Some(p) = &self.pipeline {
            invariants::check_pipeline(p)?;
        }
        Ok(RunOutput {
            summary,
            timeseries: self.timeseries,
            trace: self.trace.unwrap_or_default(),
            time_to_label_cdf: self.acct.time_to_label.cdf(400),
            e2e_cdf: self.acct.e2e().cdf(400),
            pipeline: self.pipeline.as_mut().map(|p| p.output()),
            by_interval: self.acct.by_interval_rows(self.cfg),
        })
    }
}

/// The first instants (simulated) of the calendar months in UTC after the
/// one `start_epoch_us` falls in, up to the horizon.
pub(super) fn month_starts(start_epoch_us: i64, horizon: SimTime) -> Vec<SimTime> {
    use jiff::civil::Date;
    use jiff::tz::TimeZone;
    use jiff::{Timestamp, ToSpan};
    let Ok(start) = Timestamp::from_microsecond(start_epoch_us) else {
        return Vec::new();
    };
    let first = TimeZone::UTC.to_datetime(start).date().first_of_month();
    let mut out = Vec::new();
    let mut month: Date = first;
    loop {
        let Ok(next) = month.checked_add(1.month()) else {
            break;
        };
        month = next;
        let Ok(at) = TimeZone::UTC.to_timestamp(month.to_datetime(jiff::civil::Time::midnight()))
        else {
            break;
        };
        let us = at.as_microsecond() - start_epoch_us;
        if us < 0 || us as u64 > horizon.as_micros() {
            break;
        }
        out.push(SimTime::from_micros(us as u64));
    }
    out
}

/// Fills the cost metrics from the counts: tiered per-object price for
/// labeled objects (per calendar month), per-task price for submitted tasks, wages for on-shift
/// worker-hours. A duplicate is valued at the average price of an object
/// plus the reward for its N tasks.
fn apply_costs(
    s: &mut RunSummary,
    cost: &crate::model::config::CostConfig,
    n: u32,
    labeled_by_month: &[u64],
) {
    // Issue 20: the tiers apply to each calendar month's labels.
    let objects: f64 = labeled_by_month.iter().map(|&m| cost.objects_cost(m)).sum();
    let tasks = s.tasks_submitted as f64 * cost.per_task;
    // Overtime (a task finished after the shift end) is paid too (SPEC §4a).
    let wages = (s.worker_hours_on_shift + s.worker_hours_overtime) * cost.wage_per_worker_hour;
    s.cost_usd = objects + tasks + wages;
    s.cost_per_labeled_object =
        (s.objects_labeled > 0).then(|| s.cost_usd / s.objects_labeled as f64);
    let per_object = if s.objects_labeled > 0 {
        objects / s.objects_labeled as f64
    } else {
        cost.objects_cost(1)
    };
    let per_duplicate = per_object + n as f64 * cost.per_task;
    s.duplicate_cost_paid_usd = s.duplicate_objects_accepted as f64 * per_duplicate;
    s.duplicate_cost_avoided_usd = s.duplicates_dropped as f64 * per_duplicate;
}

/// SPEC §6 costs ([`Pipeline::costs`]) added to `cost_usd`, and the
/// pipeline's cost metrics: SQS, consumers, and the whole cost (people
/// included) per expected correct indexed label, None when no label is
/// indexed.
fn apply_pipeline_costs(
    s: &mut RunSummary,
    pipe: &Pipeline,
    cost: &crate::model::config::CostConfig,
    horizon: SimTime,
) {
    let c = pipe.costs(cost, horizon);
    s.cost_usd += c.sqs_usd + c.consumers_usd;
    let per_correct = c.expected_correct.map(|n| s.cost_usd / n);
    let names = crate::model::metrics::PIPELINE_COST_METRICS;
    s.pipeline.push((names[0], Some(c.sqs_usd)));
    s.pipeline.push((names[1], Some(c.consumers_usd)));
    s.pipeline.push((names[2], per_correct));
}
