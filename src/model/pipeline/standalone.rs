//! A pipeline with no labeling job (SPEC §6: the seed's pipeline without
//! humans, `job_end_state: none`), for tests and benches: a list of
//! arrivals drives one [`Pipeline`] to the horizon, then the P9 ledgers are
//! checked. Routing to humans is recorded, or answered by a stand-in that
//! labels every routed object a fixed time later.
//!
//! It serves tests only (the pipeline's unit tests and `tests/it`): what
//! `labelsim run` runs, and what `cargo bench --bench pipeline` measures, is
//! the scenario's simulation (`model::simulate`), which hosts the pipeline
//! beside the labeling job. Its event type embeds [`PipeEvent`] through
//! [`Embed`], as that simulation's does.

use super::{
    Embed, ObjectRef, Outcome, PipeEvent, PipeMessage, Pipeline, PipelineConfig, QueueLevels,
};
use crate::engine::run::{self, Engine, Model};
use crate::engine::{Phase, SimDuration, SimRng, SimTime, StreamSeeds};
use crate::model::dedup::MessageIds;
use rand::SeedableRng;
use rand_distr::{Distribution, Exp};
use std::collections::VecDeque;
use std::convert::Infallible;

/// What arrives. Copies name an earlier arrival by its index in the list
/// and travel the way of the object they copy (S3 notification or send).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalKind {
    /// A new object sent with SendMessage (`source: sns`): at once.
    Send,
    /// A new object uploaded to S3 (P7): its event notification reaches the
    /// queue after the queue's `notification_delay`.
    Upload,
    /// R10 / P7: the `s3:TestEvent`, sent to the queue at once.
    TestEvent,
    /// R9 producer retry: the same object and body, a new publish.
    Retry { of: usize },
    /// R9 SNS redelivery: the same publish.
    Redelivery { of: usize },
    /// R9 / P7 duplicate S3 event delivery: the same upload, with its own
    /// notification delay.
    S3Duplicate { of: usize },
    /// R9 re-upload of the same key: a new object (new sequencer).
    Reupload { of: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub at: SimTime,
    pub queue: usize,
    pub kind: ArrivalKind,
    /// P4 `group_by: producer`: the sending producer's index, whose FIFO
    /// group is its own, apart from the queue's `groups` (none: the queue
    /// assigns one of its `groups` by a hash of the object).
    pub group: Option<u32>,
}

impl Arrival {
    pub fn new(at: SimTime, queue: usize, kind: ArrivalKind) -> Self {
        Arrival {
            at,
            queue,
            kind,
            group: None,
        }
    }
}

/// Who answers `Outcome::ToHumans`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Humans {
    /// Routed objects are only counted (`routed_to_humans`).
    Record,
    /// A stand-in labels each routed object `after` its routing.
    Label { after: SimDuration, correct: bool },
}

#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Events at times ≤ horizon are handled (as in the job's simulation).
    pub horizon: SimTime,
    pub humans: Humans,
    /// Queue levels are sampled every this long from 0 (none: no series).
    pub sample_every: Option<SimDuration>,
    /// Keep every outcome in [`PipelineRun::outcomes`].
    pub trace: bool,
}

impl Options {
    pub fn until(horizon: SimTime) -> Self {
        Options {
            horizon,
            humans: Humans::Record,
            sample_every: None,
            trace: false,
        }
    }
}

/// One standalone run's results.
#[derive(Clone, Debug)]
pub struct PipelineRun {
    pub metrics: Vec<(String, Option<f64>)>,
    pub timeseries: Vec<QueueLevels>,
    /// With [`Options::trace`]: every outcome, in order.
    pub outcomes: Vec<Outcome>,
    /// Events handled (arrivals, humans, samples and the pipeline's).
    pub events: u64,
    /// Issue 17: the most per-object entries the pipeline held at once
    /// ([`Pipeline::peak_tracked_entries`]).
    pub peak_tracked_entries: u64,
    pub end: SimTime,
}

impl PipelineRun {
    /// The value of metric `key`; panics if there is no such key (a typo
    /// in a test must not pass as "no value").
    pub fn get(&self, key: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("no pipeline metric `{key}`"))
            .1
    }

    /// A count metric as an integer.
    pub fn count(&self, key: &str) -> u64 {
        self.get(key)
            .unwrap_or_else(|| panic!("metric `{key}` has no value")) as u64
    }
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Arrival,
    Pipe(PipeEvent),
    Human,
    Sample,
}

impl Ev {
    fn phase(&self) -> Phase {
        match self {
            Ev::Pipe(p) => p.phase(),
            Ev::Sample => Phase::Observe,
            _ => Phase::Normal,
        }
    }
}

/// The identities and origin of arrival `i`, and whether it travels as an
/// S3 notification. Originals get IDs i + 1 in every namespace.
fn identity(arrivals: &[Arrival], i: usize) -> (ObjectRef, bool) {
    let a = &arrivals[i];
    let own = (i + 1) as u64;
    let fresh = ObjectRef {
        ids: MessageIds {
            publish: own,
            object_key: own,
            upload: own,
        },
        origin: a.at,
    };
    match a.kind {
        ArrivalKind::Send | ArrivalKind::TestEvent => (fresh, false),
        ArrivalKind::Upload => (fresh, true),
        ArrivalKind::Retry { of } => {
            let (mut o, s3) = identity(arrivals, of);
            o.ids.publish = own;
            (o, s3)
        }
        ArrivalKind::Redelivery { of } | ArrivalKind::S3Duplicate { of } => identity(arrivals, of),
        ArrivalKind::Reupload { of } => {
            let (o, _) = identity(arrivals, of);
            (
                ObjectRef {
                    ids: MessageIds {
                        object_key: o.ids.object_key,
                        ..fresh.ids
                    },
                    origin: a.at,
                },
                true,
            )
        }
    }
}

fn check_arrivals(cfg: &PipelineConfig, arrivals: &[Arrival]) -> Result<(), String> {
    for (i, a) in arrivals.iter().enumerate() {
        if a.queue >= cfg.queues.len() {
            return Err(format!("arrival {i}: unknown queue {}", a.queue));
        }
        if i > 0 && a.at < arrivals[i - 1].at {
            return Err(format!("arrival {i}: arrivals must be sorted by time"));
        }
        let s3 = matches!(
            a.kind,
            ArrivalKind::Upload
                | ArrivalKind::TestEvent
                | ArrivalKind::S3Duplicate { .. }
                | ArrivalKind::Reupload { .. }
        );
        if s3 && cfg.queues[a.queue].is_fifo() {
            return Err(format!(
                "arrival {i}: P3: an S3 event notification can only target a standard queue"
            ));
        }
        if let ArrivalKind::Retry { of }
        | ArrivalKind::Redelivery { of }
        | ArrivalKind::S3Duplicate { of }
        | ArrivalKind::Reupload { of } = a.kind
        {
            if of >= i {
                return Err(format!("arrival {i}: a copy must name an earlier arrival"));
            }
        }
    }
    Ok(())
}

/// Runs `cfg` on `arrivals` (sorted by time) to `opts.horizon`; checks the
/// P9 ledgers at the end.
pub fn run(
    cfg: &PipelineConfig,
    arrivals: &[Arrival],
    opts: &Options,
    seeds: StreamSeeds,
) -> Result<PipelineRun, String> {
    run_pipeline(Pipeline::new(cfg, seeds), cfg, arrivals, opts)
}

/// Issue 17: the host's copy window, an upper bound on the wait between
/// two arrivals about one object: the longest wait from an object's first
/// arrival to a copy of it (retry, redelivery, duplicate S3 event; a
/// re-upload is a new object). O(arrivals), no per-object memory.
fn copy_window(arrivals: &[Arrival]) -> SimDuration {
    let root = |mut i: usize| loop {
        match arrivals[i].kind {
            ArrivalKind::Retry { of }
            | ArrivalKind::Redelivery { of }
            | ArrivalKind::S3Duplicate { of } => i = of,
            _ => return i,
        }
    };
    (0..arrivals.len())
        .filter(|&i| root(i) != i)
        .map(|i| arrivals[i].at.since(arrivals[root(i)].at))
        .max()
        .unwrap_or(SimDuration::ZERO)
}

/// [`run`] with a deliberate defect (ledger tests only).
#[cfg(test)]
pub(super) fn run_with_fault(
    cfg: &PipelineConfig,
    arrivals: &[Arrival],
    opts: &Options,
    seeds: StreamSeeds,
    fault: super::Fault,
) -> Result<PipelineRun, String> {
    run_pipeline(
        Pipeline::new(cfg, seeds).with_fault(fault),
        cfg,
        arrivals,
        opts,
    )
}

/// [`run`] with a pipeline of the test's making (e.g. one that never
/// forgets a document).
#[cfg(test)]
pub(super) fn run_with(
    pipe: Pipeline,
    cfg: &PipelineConfig,
    arrivals: &[Arrival],
    opts: &Options,
) -> Result<PipelineRun, String> {
    run_pipeline(pipe, cfg, arrivals, opts)
}

fn run_pipeline(
    pipe: Pipeline,
    cfg: &PipelineConfig,
    arrivals: &[Arrival],
    opts: &Options,
) -> Result<PipelineRun, String> {
    cfg.check()?;
    check_arrivals(cfg, arrivals)?;
    let pipe = match pipe.copy_window {
        Some(_) => pipe,
        None => pipe.with_copy_window(copy_window(arrivals)),
    };
    let mut host = Host {
        engine: Engine::new(),
        pipe,
        cfg,
        arrivals,
        opts,
        next: 0,
        humans: VecDeque::new(),
        out: Vec::new(),
        outcomes: Vec::new(),
        timeseries: Vec::new(),
    };
    host.pipe.start(
        SimTime::ZERO,
        &mut Embed {
            queue: &mut host.engine.events,
            wrap: Ev::Pipe,
        },
    );
    if let Some(a) = arrivals.first() {
        host.engine.events.schedule(a.at, Ev::Arrival);
    }
    if opts.sample_every.is_some() {
        host.engine
            .events
            .schedule_in_phase(SimTime::ZERO, Ev::Sample.phase(), Ev::Sample);
    }
    match run::step_until(&mut host, opts.horizon) {
        Ok(()) => {}
        Err(never) => match never {},
    }
    let run = PipelineRun {
        metrics: host.pipe.metrics(opts.horizon),
        timeseries: host.timeseries,
        outcomes: host.outcomes,
        events: host.engine.handled,
        peak_tracked_entries: host.pipe.peak_tracked_entries(),
        end: opts.horizon,
    };
    host.pipe.check_ledgers()?;
    Ok(run)
}

/// The standalone run as a model of the engine's loop: the pipeline, the
/// arrivals it is fed and the humans standing in for the job.
struct Host<'a> {
    engine: Engine<Ev>,
    pipe: Pipeline,
    cfg: &'a PipelineConfig,
    arrivals: &'a [Arrival],
    opts: &'a Options,
    /// The next arrival's index.
    next: usize,
    /// Routed objects awaiting their stand-in label, in routing order.
    humans: VecDeque<ObjectRef>,
    /// The pipeline's outcomes of the current event (reused).
    out: Vec<Outcome>,
    outcomes: Vec<Outcome>,
    timeseries: Vec<QueueLevels>,
}

impl Model for Host<'_> {
    type Event = Ev;
    type Stop = Infallible;

    #[inline(always)]
    fn engine(&mut self) -> &mut Engine<Ev> {
        &mut self.engine
    }

    fn handle(&mut self, now: SimTime, ev: Ev) {
        let (arrivals, opts) = (self.arrivals, self.opts);
        let q = &mut self.engine.events;
        let pipe = &mut self.pipe;
        let mut s = Embed {
            queue: &mut *q,
            wrap: Ev::Pipe,
        };
        match ev {
            Ev::Pipe(p) => pipe.handle(now, p, &mut s, &mut self.out),
            Ev::Arrival => {
                let a = arrivals[self.next];
                let (object, s3) = identity(arrivals, self.next);
                let mut msg = if a.kind == ArrivalKind::TestEvent {
                    PipeMessage::test_event(object)
                } else {
                    PipeMessage::data(object)
                };
                msg.group = a.group;
                if s3 {
                    pipe.s3_upload(now, a.queue, msg, &mut s);
                } else {
                    pipe.send(now, a.queue, msg, &mut s);
                }
                self.next += 1;
                if let Some(b) = arrivals.get(self.next) {
                    q.schedule(b.at, Ev::Arrival);
                }
            }
            Ev::Human => {
                let object = self.humans.pop_front().expect("a routed object");
                let correct = matches!(opts.humans, Humans::Label { correct: true, .. });
                pipe.human_labeled(now, object, f64::from(u8::from(correct)), &mut s);
            }
            Ev::Sample => {
                for i in 0..self.cfg.queues.len() {
                    self.timeseries.push(pipe.levels(now, i));
                }
                let every = opts.sample_every.expect("sampling");
                if !every.is_zero() {
                    q.schedule_in_phase(now + every, Ev::Sample.phase(), Ev::Sample);
                }
            }
        }
        for o in self.out.drain(..) {
            if let Outcome::ToHumans { object, .. } = o {
                match opts.humans {
                    Humans::Label { after, .. } => {
                        self.humans.push_back(object);
                        q.schedule(now + after, Ev::Human);
                    }
                    // No one answers: the routing is only counted.
                    Humans::Record => pipe.human_dropped(object),
                }
            }
            if opts.trace {
                self.outcomes.push(o);
            }
        }
    }
}

/// `count`-free Poisson arrivals of new objects at `rate_per_s` on
/// [`start`, `end`), all `kind` (`Send` or `Upload`) to `queue`, from their
/// own generator seeded `seed`.
pub fn poisson(
    rate_per_s: f64,
    start: SimTime,
    end: SimTime,
    queue: usize,
    kind: ArrivalKind,
    seed: u64,
) -> Vec<Arrival> {
    let mut rng = SimRng::seed_from_u64(seed);
    let exp = Exp::new(rate_per_s).expect("positive rate");
    let mut v = Vec::new();
    let mut t = start.as_micros() as f64;
    loop {
        t += exp.sample(&mut rng) * 1e6;
        let at = SimTime::from_micros(t.round() as u64);
        if at >= end {
            return v;
        }
        v.push(Arrival::new(at, queue, kind));
    }
}
