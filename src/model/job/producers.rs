//! Producers: when each sends its original messages (SPEC §3 producer kinds,
//! R9's duplicate copies). The component owns each producer's random
//! streams and position; the simulation asks it what is due and sends.

use crate::engine::time::{US_PER_DAY, US_PER_H};
use crate::engine::{SimRng, SimTime, StreamKind, StreamSeeds};
use crate::model::config::{
    week_position, ArrivalProcess, ProducerConfig, RateSchedule, SimConfig, Source,
};
use crate::model::dedup::{IdIssuer, MessageIds};
use rand::RngExt;
use rand_distr::{Distribution, Exp, Exp1};

/// One producer's position and streams.
struct State {
    arrivals: SimRng,
    duplicates: SimRng,
    sent: u64,
    next_index: usize,
    /// Exact instant of the last candidate arrival of a Poisson-type
    /// process [µs, fractional]: gaps are added here, never to the rounded
    /// tick, so no rounding accumulates (SPEC §4a).
    poisson_clock: f64,
    /// Original messages due at the current trace instant (its `scale`'s
    /// copies; 1 without a scale).
    pending: u64,
    /// Index of the timeline step that holds `poisson_clock`.
    step: usize,
    /// R9: whether the producer's messages may be copied at all (most
    /// send none; the send path then skips the copy logic).
    copies: bool,
    /// A Poisson-type process's peak rate [1/µs] and its gaps' law (none
    /// at a peak of 0), computed once: the rate is fixed for the run.
    peak: f64,
    gaps: Option<Exp<f64>>,
    /// The producer's `end` [µs] as a float, computed once (a u64 to f64
    /// conversion is a branchy sequence on baseline x86-64).
    end_us: f64,
}

/// A copy of a message that R9 delivers `duplicates.delay` after it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Copy {
    pub ids: MessageIds,
    /// A new production of the object (a retry or re-upload), as opposed to
    /// the same message delivered again.
    pub produced: bool,
    /// The same upload as the original (P8: the same document, whose
    /// latency counts from the original's first send).
    pub same_upload: bool,
}

/// Every producer of the scenario.
pub(crate) struct Producers {
    states: Vec<State>,
}

impl Producers {
    pub fn new(cfg: &SimConfig, seeds: StreamSeeds) -> Self {
        let states = cfg
            .producers
            .iter()
            .enumerate()
            .map(|(i, prod)| (i, prod, peak_of(prod)))
            .map(|(i, prod, peak)| State {
                arrivals: seeds.stream(StreamKind::Arrivals, i as u64),
                duplicates: seeds.stream(StreamKind::Duplicates, i as u64),
                sent: 0,
                next_index: 0,
                poisson_clock: 0.0,
                pending: 1,
                step: 0,
                copies: prod.duplicates.any(),
                peak,
                gaps: (peak > 0.0).then(|| Exp::new(peak).expect("positive rate")),
                end_us: prod.end.as_micros() as f64,
            })
            .collect();
        Producers { states }
    }

    /// The instant of producer `p`'s first send, if it sends at all
    /// (manifests are sent by the job at its start instead, R3/R4).
    pub fn first_send_time(&mut self, cfg: &SimConfig, p: usize) -> Option<SimTime> {
        let prod = &cfg.producers[p];
        if prod.limit == Some(0) {
            return None; // SPEC §4a: `limit: 0` sends nothing, for every kind.
        }
        match &prod.process {
            ArrivalProcess::Manifest { .. } => None,
            ArrivalProcess::Burst { .. } => Some(prod.start),
            ArrivalProcess::Trace { times } => {
                let i = times.partition_point(|&t| t < prod.start);
                self.next_trace_time(cfg, p, i, times)
            }
            _ if prod.schedule.is_some() => {
                self.states[p].poisson_clock = prod.start.as_micros() as f64;
                self.next_scheduled_time(cfg, p)
            }
            _ => {
                self.states[p].poisson_clock = prod.start.as_micros() as f64;
                self.next_poisson_time(cfg, p)
            }
        }
        .filter(|&t| t < prod.end)
    }

    /// At one of producer `p`'s send instants: how many original messages
    /// it sends now (a burst's size, else 1, within its `limit`). They are
    /// counted as sent.
    #[inline]
    pub fn due(&mut self, cfg: &SimConfig, p: usize) -> u64 {
        let prod = &cfg.producers[p];
        let limit = prod.limit.unwrap_or(u64::MAX);
        let state = &mut self.states[p];
        let n = match &prod.process {
            ArrivalProcess::Burst { size, .. } => (*size).min(limit - state.sent),
            ArrivalProcess::Trace { .. } => state.pending.min(limit - state.sent),
            _ => 1,
        };
        state.sent += n;
        n
    }

    /// After the messages [`Self::due`] at `now` were sent: producer `p`'s
    /// next send instant, if any.
    #[inline]
    pub fn next_send_time(&mut self, cfg: &SimConfig, p: usize, now: SimTime) -> Option<SimTime> {
        let prod = &cfg.producers[p];
        let limit = prod.limit.unwrap_or(u64::MAX);
        if self.states[p].sent >= limit {
            return None;
        }
        match &prod.process {
            ArrivalProcess::Burst { every, .. } => {
                let next = now + *every;
                (!every.is_zero() && next < prod.end).then_some(next)
            }
            ArrivalProcess::Trace { times } => {
                let i = self.states[p].next_index + 1;
                self.next_trace_time(cfg, p, i, times)
                    .filter(|&t| t < prod.end)
            }
            _ if prod.schedule.is_some() => self.next_scheduled_time(cfg, p),
            _ => self.next_poisson_time(cfg, p),
        }
    }

    /// The first instant of producer `p`'s trace from index `i` on at which
    /// it sends, and how many (`pending`). Without a scale, every instant
    /// sends one. With `scale` s, each instant sends ⌊s⌋, plus one with
    /// probability s − ⌊s⌋ (one draw from the producer's arrival stream,
    /// made only when s is not whole); an instant that sends none is skipped.
    fn next_trace_time(
        &mut self,
        cfg: &SimConfig,
        p: usize,
        mut i: usize,
        times: &[SimTime],
    ) -> Option<SimTime> {
        let scale = cfg.producers[p].trace_scale;
        let whole = scale.floor();
        let fraction = scale - whole;
        let state = &mut self.states[p];
        loop {
            let t = times.get(i).copied();
            state.next_index = i;
            if t.is_none() || scale == 1.0 {
                return t;
            }
            let extra = fraction > 0.0 && state.arrivals.random::<f64>() < fraction;
            state.pending = whole as u64 + u64::from(extra);
            if state.pending > 0 {
                return t;
            }
            i += 1;
        }
    }

    /// Next event of a Poisson process whose rate follows producer `p`'s
    /// schedule. A timeline (counts) is sampled exactly by inversion: one
    /// unit exponential draw is spent across the steps' rates, so spiky
    /// data costs no rejected candidates. A weekly profile is thinned like
    /// a daily one.
    fn next_scheduled_time(&mut self, cfg: &SimConfig, p: usize) -> Option<SimTime> {
        let prod = &cfg.producers[p];
        let Some(RateSchedule::Timeline { steps }) = &prod.schedule else {
            return self.next_poisson_time(cfg, p);
        };
        if steps.is_empty() {
            return None;
        }
        let end = prod.end.as_micros() as f64;
        let state = &mut self.states[p];
        let at = |i: usize| {
            steps
                .get(i)
                .map_or(f64::INFINITY, |s| s.0.as_micros() as f64)
        };
        if state.poisson_clock < at(0) {
            state.poisson_clock = at(0);
        }
        while at(state.step + 1) <= state.poisson_clock {
            state.step += 1;
        }
        let mut need: f64 = Exp1.sample(&mut state.arrivals);
        loop {
            let i = state.step;
            let &(_, rate) = steps.get(i)?;
            let to = at(i + 1);
            if to.is_infinite() && rate <= 0.0 {
                return None;
            }
            let room = rate * (to - state.poisson_clock);
            if rate > 0.0 && room > need {
                state.poisson_clock += need / rate;
                break;
            }
            need -= room;
            state.poisson_clock = to;
            state.step += 1;
            if state.poisson_clock >= end {
                return None;
            }
        }
        if state.poisson_clock >= end {
            return None;
        }
        Some(SimTime::from_micros(state.poisson_clock as u64))
    }

    /// Next event of a (possibly non-homogeneous) Poisson process after the
    /// producer's previous candidate, by thinning against the process's peak
    /// rate (Lewis–Shedler). The exact (fractional) instant is kept and the
    /// event fires at its tick (floor), so gaps never accumulate rounding.
    fn next_poisson_time(&mut self, cfg: &SimConfig, p: usize) -> Option<SimTime> {
        let prod = &cfg.producers[p];
        let state = &mut self.states[p];
        let (peak, exp) = (state.peak, state.gaps?);
        let homogeneous =
            prod.schedule.is_none() && matches!(prod.process, ArrivalProcess::Poisson { .. });
        let end = state.end_us;
        loop {
            state.poisson_clock += exp.sample(&mut state.arrivals);
            if state.poisson_clock >= end {
                return None;
            }
            // The clock is not negative and below `end`, which a scenario
            // caps with every duration at 100 years (about 2^52 µs): it
            // fits an i64, whose conversion is one instruction where a
            // u64's is a branchy sequence on baseline x86-64.
            let st = SimTime::from_micros(state.poisson_clock as i64 as u64);
            if homogeneous
                || state.arrivals.random::<f64>() * peak
                    < match &prod.schedule {
                        Some(RateSchedule::Weekly { points }) => {
                            let w = week_position(st, cfg.start_at_epoch_us);
                            points[points.partition_point(|&(at, _)| at <= w) - 1].1
                        }
                        _ => rate_at(&prod.process, st, cfg.start_at_epoch_us),
                    }
            {
                return Some(st);
            }
        }
    }

    /// R9: the copies message `ids` of producer `p` gives rise to (every
    /// producer kind, the manifest too), in a fixed order: the same SNS
    /// message redelivered, a producer retry (a new publish of the object;
    /// from S3 a new PUT), the same S3 event delivered again (same URI and
    /// sequencer), a re-upload of the key (new sequencer, new publish).
    /// Each source is one draw from the producer's duplicate stream (four
    /// draws per message, whatever they decide, for a producer with any
    /// chance of a copy; none for the others); None when no copy is made.
    /// The producer's flag is read here, inline; the draws are out of line.
    #[inline]
    pub fn duplicates(
        &mut self,
        cfg: &SimConfig,
        p: usize,
        ids: MessageIds,
        issuer: &mut IdIssuer,
    ) -> Option<impl Iterator<Item = Copy>> {
        if !self.states[p].copies {
            return None;
        }
        self.draw_duplicates(cfg, p, ids, issuer)
    }

    /// [`Self::duplicates`] for a producer whose messages may be copied.
    #[inline(never)]
    fn draw_duplicates(
        &mut self,
        cfg: &SimConfig,
        p: usize,
        ids: MessageIds,
        issuer: &mut IdIssuer,
    ) -> Option<impl Iterator<Item = Copy>> {
        let prod = &cfg.producers[p];
        let d = &prod.duplicates;
        let rng = &mut self.states[p].duplicates;
        let (redeliver, retry, s3dup, reupload) = (
            rng.random::<f64>() < d.sns_redelivery,
            rng.random::<f64>() < d.producer_retry,
            rng.random::<f64>() < d.s3_event_duplicate,
            rng.random::<f64>() < d.reupload,
        );
        if !(redeliver || retry || (s3dup && prod.source == Source::S3) || reupload) {
            // Most messages: the four draws made, no copy.
            return None;
        }
        let mut copies: [Option<Copy>; 4] = [None; 4];
        if redeliver {
            copies[0] = Some(Copy {
                ids,
                produced: false,
                same_upload: true,
            });
        }
        if retry {
            // R9: an S3 retry sent to the job is a new upload (a new
            // sequencer, which the job's deduplication does not catch).
            // Into a pipeline, where the upload only names the index
            // document, P8 counts it as the same object: the same document.
            let retry_ids = MessageIds {
                publish: issuer.new_publish(),
                upload: match (prod.source, prod.to) {
                    (Source::S3, None) => issuer.new_upload(),
                    _ => ids.upload,
                },
                ..ids
            };
            copies[1] = Some(Copy {
                same_upload: true,
                ids: retry_ids,
                produced: true,
            });
        }
        if s3dup && prod.source == Source::S3 {
            copies[2] = Some(Copy {
                ids: MessageIds {
                    publish: issuer.new_publish(),
                    ..ids
                },
                produced: false,
                same_upload: true,
            });
        }
        if reupload {
            copies[3] = Some(Copy {
                ids: MessageIds {
                    publish: issuer.new_publish(),
                    object_key: ids.object_key,
                    upload: issuer.new_upload(),
                },
                produced: true,
                same_upload: false,
            });
        }
        Some(copies.into_iter().flatten())
    }
}

/// Objects in producer `p`'s input manifest (its `limit` applies); 0 for
/// other kinds.
pub(crate) fn manifest_size(cfg: &SimConfig, p: usize) -> u64 {
    match cfg.producers[p].process {
        ArrivalProcess::Manifest { count } => {
            cfg.producers[p].limit.map_or(count, |l| l.min(count))
        }
        _ => 0,
    }
}

/// The highest rate a Poisson-type process reaches [messages/µs].
/// The peak rate of producer `prod`'s Poisson-type process [1/µs] (its
/// schedule's, or its process's), the rate thinning draws against.
fn peak_of(prod: &ProducerConfig) -> f64 {
    match &prod.schedule {
        Some(s) => s.peak_per_us(),
        None => peak_rate(&prod.process),
    }
}

fn peak_rate(process: &ArrivalProcess) -> f64 {
    match process {
        ArrivalProcess::Poisson { rate_per_us } => *rate_per_us,
        ArrivalProcess::Diurnal {
            mean_per_us,
            amplitude,
            ..
        } => mean_per_us * (1.0 + amplitude),
        ArrivalProcess::Profile { points } => points.iter().map(|p| p.1).fold(0.0, f64::max),
        _ => 0.0,
    }
}

/// The rate of a Poisson-type process at `t` [messages/µs].
fn rate_at(process: &ArrivalProcess, t: SimTime, start_epoch_us: i64) -> f64 {
    match process {
        ArrivalProcess::Poisson { rate_per_us } => *rate_per_us,
        ArrivalProcess::Diurnal {
            mean_per_us,
            peak_hour,
            amplitude,
        } => {
            let h = us_of_day(t, start_epoch_us) as f64 / US_PER_H as f64;
            mean_per_us
                * (1.0 + amplitude * (2.0 * std::f64::consts::PI * (h - peak_hour) / 24.0).cos())
        }
        ArrivalProcess::Profile { points } => {
            let d = us_of_day(t, start_epoch_us);
            let i = points.partition_point(|&(at, _)| at <= d);
            points[i.saturating_sub(1)].1
        }
        _ => 0.0,
    }
}

/// Microseconds since midnight UTC of the calendar at sim time `t`.
fn us_of_day(t: SimTime, start_epoch_us: i64) -> u64 {
    (start_epoch_us + t.as_micros() as i64).rem_euclid(US_PER_DAY as i64) as u64
}
