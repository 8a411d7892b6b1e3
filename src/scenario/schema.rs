//! The shape of a scenario file: each section's keys and what kind of value
//! each key takes. It is checked on the parsed YAML before serde reads the
//! file into `spec`, because serde stops at the first problem and speaks of
//! `i64` and `a map`; here every unknown key, wrong type and missing key is
//! collected, with its dotted path, in words a user knows ("must be a whole
//! number, got \"ten\""). Values are quoted only as bounded excerpts.
//!
//! A unit test keeps these tables in step with the serde mirror in `spec`
//! (same keys per section), so a key added there must be added here.

use super::input::excerpt;
use super::yaml::{Mapping, Value};
pub use crate::suggest::edit_distance;

/// What a key takes.
#[derive(Debug)]
pub(super) enum Kind {
    /// A whole number in `min..=max` (an `i64`, `u64` or `u32` in `spec`).
    Whole { min: i128, max: i128 },
    /// A finite number (`f64`).
    Number,
    /// A duration, rate, time or instant written with units: any scalar.
    Units,
    /// A name or a choice: any scalar, read as text.
    Word,
    /// `true` or `false`.
    Bool,
    /// A section of known keys.
    Section(&'static [Field]),
    /// A list of one kind of item.
    List(&'static Kind),
    /// `always` or a list of shifts.
    Shifts,
    /// S1: a whole number, or a step schedule `{schedule: [{from, count}],
    /// cycle}` (`workers[].count`; consumers may use it too).
    Count,
    /// SPEC §4b `output.by_interval`: a duration, or `{every, cycle, tz}`.
    ByInterval,
    /// `workers[].speed`: the spread as a number, or `{spread}`.
    Speed,
    /// A flat price or a list of tiers.
    PerObject,
    /// `{policy: NAME, ...parameters}`; `build` checks the parameters.
    Throttle,
    /// `compare:` entries: `{name, ...scenario sections}`, names unique.
    /// The sections are checked when a policy is merged into the scenario.
    Policies,
    /// `sweep.vary`: `PATH: VALUES` (a scalar, or a list of scalars), each
    /// PATH in the grammar of `--vary`.
    Vary,
}

/// One key of a section.
#[derive(Debug)]
pub(super) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn opt(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

const fn req(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

const I64: Kind = Kind::Whole {
    min: i64::MIN as i128,
    max: i64::MAX as i128,
};
const U64: Kind = Kind::Whole {
    min: 0,
    max: u64::MAX as i128,
};
/// A count that 0 makes no sense for (`replications`: issue 18, the range
/// said is the one accepted).
const POSITIVE_U32: Kind = Kind::Whole {
    min: 1,
    max: u32::MAX as i128,
};

pub(super) const SCENARIO: &[Field] = &[
    req("name", Kind::Word),
    opt("seed", U64),
    req("horizon", Kind::Units),
    opt("replications", POSITIVE_U32),
    opt("start_at", Kind::Units),
    opt("job", Kind::Section(JOB)),
    opt("producers", Kind::List(&Kind::Section(PRODUCER))),
    opt("workers", Kind::List(&Kind::Section(WORKER))),
    opt("throttle", Kind::Throttle),
    opt("metrics", Kind::Section(METRICS)),
    opt("output", Kind::Section(OUTPUT)),
    opt("cost", Kind::Section(COST)),
    opt("pipeline", Kind::Section(PIPELINE)),
    opt("compare", Kind::Policies),
    opt("sweep", Kind::Section(SWEEP)),
];

pub(super) const SWEEP: &[Field] = &[
    opt("vary", Kind::Vary),
    opt(
        "samples",
        Kind::Whole {
            min: 1,
            max: u32::MAX as i128,
        },
    ),
    opt("replications", POSITIVE_U32),
    opt("metrics", Kind::List(&Kind::Word)),
];

/// Keys a `compare:` entry may override: the scenario's sections, but not
/// its name and not the `compare:` and `sweep:` sections themselves.
fn policy_keys() -> impl Iterator<Item = &'static str> {
    SCENARIO
        .iter()
        .map(|f| f.name)
        .filter(|n| !matches!(*n, "name" | "compare" | "sweep"))
}

pub(super) const JOB: &[Field] = &[
    opt("mode", Kind::Word),
    opt("workforce", Kind::Word),
    opt("task_type", Kind::Word),
    opt("max_concurrent_task_count", I64),
    opt("workers_per_object", I64),
    opt("initializing", Kind::Units),
    opt("task_availability_lifetime", Kind::Units),
    opt("task_time_limit", Kind::Units),
    opt("queue_retention", Kind::Units),
    opt("idle_timeout", Kind::Units),
    opt("idle_definition", Kind::Word),
    opt("refill_rule", Kind::Word),
    opt("on_timeout", Kind::Word),
    opt("dedup_key", Kind::Word),
    opt("label_attribute_name", Kind::Word),
    opt("stop_at", Kind::Units),
    opt("max_runtime", Kind::Units),
];

pub(super) const DUPLICATES: &[Field] = &[
    opt("sns_redelivery", Kind::Number),
    opt("producer_retry", Kind::Number),
    opt("s3_event_duplicate", Kind::Number),
    opt("reupload", Kind::Number),
    opt("delay", Kind::Units),
];

pub(super) const PROFILE_POINT: &[Field] = &[
    req("at", Kind::Units),
    req("rate", Kind::Units),
    opt("days", Kind::Word),
];

pub(super) const PRODUCER: &[Field] = &[
    opt("name", Kind::Word),
    req("kind", Kind::Word),
    opt("rate", Kind::Units),
    opt("count", I64),
    opt("size", I64),
    opt("every", Kind::Units),
    opt("mean_rate", Kind::Units),
    opt("peak_hour", Kind::Number),
    opt("amplitude", Kind::Number),
    opt("profile", Kind::List(&Kind::Section(PROFILE_POINT))),
    opt("csv", Kind::Word),
    opt("column", Kind::Word),
    opt("time_format", Kind::Word),
    opt("count_column", Kind::Word),
    opt("period", Kind::Units),
    opt("scale", Kind::Number),
    opt("start", Kind::Units),
    opt("end", Kind::Units),
    opt("limit", I64),
    opt("source", Kind::Word),
    opt("duplicates", Kind::Section(DUPLICATES)),
    opt("notification_configured_at", Kind::Units),
    opt("to", Kind::Word),
    opt("notification_delay", Kind::Section(DIST)),
    opt("group_by", Kind::Word),
];

pub(super) const DIST: &[Field] = &[
    req("dist", Kind::Word),
    opt("value", Kind::Units),
    opt("mean", Kind::Units),
    opt("median", Kind::Units),
    opt("sigma", Kind::Number),
    opt("cv", Kind::Number),
    opt("shape", Kind::Number),
    opt("scale", Kind::Units),
    opt("min", Kind::Units),
    opt("max", Kind::Units),
    opt("csv", Kind::Word),
    opt("column", Kind::Word),
];

pub(super) const SHIFT: &[Field] = &[
    req("days", Kind::Word),
    req("from", Kind::Units),
    req("to", Kind::Units),
];

pub(super) const SPEED: &[Field] = &[req("spread", Kind::Number)];

pub(super) const WORKER: &[Field] = &[
    opt("name", Kind::Word),
    req("count", Kind::Count),
    req("service_time", Kind::Section(DIST)),
    opt("decline_probability", Kind::Number),
    opt("decline_time", Kind::Units),
    opt("shifts", Kind::Shifts),
    opt("tz_offset", Kind::Units),
    opt("tz", Kind::Word),
    opt("speed", Kind::Speed),
    opt("accuracy", Kind::Number),
];

pub(super) const METRICS: &[Field] = &[
    opt("period", Kind::Units),
    opt("delay", Kind::Units),
    opt("wake_delay", Kind::Units),
    opt("inactivity", Kind::Units),
];

pub(super) const TIER: &[Field] = &[opt("up_to", I64), req("price", Kind::Number)];

pub(super) const COST: &[Field] = &[
    opt("per_object", Kind::PerObject),
    opt("per_task", Kind::Number),
    opt("wage_per_worker_hour", Kind::Number),
    opt("sqs_per_million_requests", Kind::Number),
    opt("consumer_per_hour", Kind::Number),
    opt("lambda_per_gb_second", Kind::Number),
    opt("lambda_per_million_invocations", Kind::Number),
];

pub(super) const OUTPUT: &[Field] = &[
    opt("timeseries_every", Kind::Units),
    opt("warmup", Kind::Units),
    opt("sla", Kind::List(&Kind::Units)),
    opt("by_interval", Kind::ByInterval),
    opt("cycle", Kind::Units),
];

/// S1: one step of a schedule.
pub(super) const STEP: &[Field] = &[req("from", Kind::Units), req("count", I64)];

/// S1: a scheduled count.
pub(super) const SCHEDULED_COUNT: &[Field] = &[
    req("schedule", Kind::List(&Kind::Section(STEP))),
    opt("cycle", Kind::Units),
];

/// SPEC §4b: `output.by_interval` written out.
pub(super) const BY_INTERVAL: &[Field] = &[
    req("every", Kind::Units),
    opt("cycle", Kind::Units),
    opt("tz", Kind::Word),
];

pub(super) const PIPELINE: &[Field] = &[
    opt("queues", Kind::List(&Kind::Section(QUEUE))),
    opt("consumers", Kind::List(&Kind::Section(CONSUMER))),
    opt("index", Kind::Section(INDEX)),
];

pub(super) const DEAD_LETTER: &[Field] = &[req("max_receive_count", I64)];

pub(super) const QUEUE: &[Field] = &[
    req("name", Kind::Word),
    opt("type", Kind::Word),
    opt("retention", Kind::Units),
    opt("visibility_timeout", Kind::Units),
    opt("delay", Kind::Units),
    opt("dead_letter", Kind::Section(DEAD_LETTER)),
    opt("duplicate_probability", Kind::Number),
    opt("reorder_window", I64),
    opt("groups", I64),
    opt("high_throughput", Kind::Bool),
    opt("throughput", Kind::Units),
    opt("throttle_backoff", Kind::Units),
    opt("deduplication", Kind::Word),
];

pub(super) const CONFIDENCE: &[Field] = &[
    req("dist", Kind::Word),
    opt("a", Kind::Number),
    opt("b", Kind::Number),
    opt("min", Kind::Number),
    opt("max", Kind::Number),
    opt("value", Kind::Number),
    opt("values", Kind::List(&Kind::Number)),
    opt("csv", Kind::Word),
    opt("column", Kind::Word),
];

pub(super) const ROUTE: &[Field] = &[req("threshold", Kind::Number), opt("sample", Kind::Number)];

pub(super) const CONSUMER: &[Field] = &[
    req("name", Kind::Word),
    req("queue", Kind::Word),
    opt("count", Kind::Count),
    opt("batch", I64),
    opt("wait", Kind::Units),
    opt("poll_interval", Kind::Units),
    opt("request_latency", Kind::Units),
    req("processing_time", Kind::Section(DIST)),
    opt("failure_probability", Kind::Number),
    opt("poison_probability", Kind::Number),
    opt("delete", Kind::Word),
    opt("extend_visibility", Kind::Bool),
    opt("confidence", Kind::Section(CONFIDENCE)),
    opt("route", Kind::Section(ROUTE)),
    opt("scaling", Kind::Section(SCALING)),
];

pub(super) const SCALING: &[Field] = &[
    req("kind", Kind::Word),
    opt("initial", I64),
    opt("ramp", I64),
    opt("interval", Kind::Units),
    opt("max_concurrency", I64),
    opt("min", I64),
    opt("batch_window", Kind::Units),
    opt("partial_batch_response", Kind::Bool),
    opt("memory_gb", Kind::Number),
    opt("max", I64),
    opt("messages_per_poller", I64),
    opt("poll_interval", Kind::Units),
    opt("startup", Kind::Units),
    opt("scale_in_window", Kind::Units),
    opt("count_in_flight", Kind::Bool),
];

pub(super) const INDEX: &[Field] = &[
    opt("bulk_size", I64),
    opt("flush_interval", Kind::Units),
    opt("bulk_latency", Kind::Section(DIST)),
    opt("concurrency", I64),
    opt("refresh_interval", Kind::Units),
];

/// What [`check`] found.
pub(super) struct Checked {
    /// (dotted field path, message) of every problem, in document order.
    pub problems: Vec<(String, String)>,
    /// The document with every offending value left out (a required one
    /// replaced by a stand-in): validating it finds the problems of meaning
    /// too. `None` if it still cannot be read.
    pub pruned: Option<Value>,
    /// Paths of the values left out of `pruned`: a later problem about one
    /// of them repeats one already reported.
    pub removed: Vec<String>,
}

/// Checks a parsed scenario against [`SCENARIO`].
pub(super) fn check(doc: &Value) -> Checked {
    let mut w = Walk {
        problems: Vec::new(),
        removed: Vec::new(),
    };
    let pruned = w.section(doc, SCENARIO, "");
    Checked {
        problems: w.problems,
        pruned,
        removed: w.removed,
    }
}

/// Checks a list of policies (`compare:`, or a policies file) on its own;
/// `field` is where the list is (`compare`, or empty for a file that is
/// one list). Returns the problems and the list as serde reads it.
pub(super) fn check_policies(list: &Value, field: &str) -> (Vec<(String, String)>, Value) {
    let mut w = Walk {
        problems: Vec::new(),
        removed: Vec::new(),
    };
    let kept = w
        .policies(list, field)
        .unwrap_or_else(|| Value::Sequence(Vec::new()));
    (w.problems, kept)
}

struct Walk {
    problems: Vec<(String, String)>,
    removed: Vec<String>,
}

/// A stand-in for a required value that is missing or wrong, so that the
/// rest of the document can still be read and checked. Problems `build`
/// finds in it are dropped (its path is among the removed ones).
fn stand_in(kind: &Kind) -> Value {
    match kind {
        Kind::Whole { .. } => Value::from(0),
        Kind::Number => Value::from(0.0),
        Kind::Units => Value::from("1d"),
        Kind::Word => Value::from(""),
        Kind::Bool => Value::from(false),
        Kind::Section(fields) => {
            let mut m = Mapping::new();
            for f in fields.iter().filter(|f| f.required) {
                m.insert(Value::from(f.name), stand_in(&f.kind));
            }
            Value::Mapping(m)
        }
        Kind::List(_) => Value::Sequence(Vec::new()),
        Kind::Shifts => Value::from("always"),
        Kind::Count => Value::from(0),
        Kind::ByInterval => Value::from("1h"),
        Kind::Speed => Value::from(0.0),
        Kind::PerObject => Value::from(0.0),
        Kind::Throttle => {
            let mut m = Mapping::new();
            m.insert(Value::from("policy"), Value::from("none"));
            Value::Mapping(m)
        }
        Kind::Vary => Value::Null,
        Kind::Policies => Value::Sequence(Vec::new()),
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A value, as a message quotes it: strings as a bounded excerpt in quotes,
/// numbers and booleans as written, collections by kind.
fn got(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => excerpt(&n.to_string()),
        Value::String(s) => format!("\"{}\"", excerpt(s)),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a section".into(),
        Value::Tagged(t) => format!("a value tagged `{}`", excerpt(&t.tag.to_string())),
    }
}

/// Text of a scalar key or value (`5` for the number 5).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Walk {
    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.problems.push((field.to_string(), message.into()));
    }

    /// A value of the wrong kind: reported, and left out.
    fn wrong(&mut self, field: &str, message: String) -> Option<Value> {
        self.problem(field, message);
        self.removed.push(field.to_string());
        None
    }

    /// Checks `v` against `kind`; returns the value to keep (scalars read as
    /// text become strings, as serde reads them from the file), or `None`
    /// when it was reported and must be left out.
    fn value(&mut self, v: &Value, kind: &Kind, field: &str) -> Option<Value> {
        if let Value::Tagged(t) = v {
            return self.wrong(
                field,
                format!(
                    "YAML tags such as `{}` are not used by labelsim; remove the tag",
                    excerpt(&t.tag.to_string())
                ),
            );
        }
        match kind {
            Kind::Policies => self.policies(v, field),
            Kind::Vary => self.vary(v, field),
            Kind::Whole { min, max } => self.whole(v, *min, *max, field),
            Kind::Number => match v {
                Value::Number(n) => match n.as_f64() {
                    Some(x) if x.is_finite() => Some(v.clone()),
                    Some(x) => self.wrong(field, format!("must be a finite number, got {x}")),
                    None => self.wrong(field, format!("must be a number, got {}", got(v))),
                },
                _ => self.wrong(field, format!("must be a number, got {}", got(v))),
            },
            Kind::Units => match v {
                Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(v.clone()),
                _ => self.wrong(
                    field,
                    format!(
                        "must be a single value such as `90s`, `10/h` or `09:00`, got {}",
                        got(v)
                    ),
                ),
            },
            Kind::Word => match scalar_text(v) {
                Some(s) => Some(Value::String(s)),
                None => self.wrong(field, format!("must be a word or text, got {}", got(v))),
            },
            Kind::Bool => match v {
                Value::Bool(_) => Some(v.clone()),
                _ => self.wrong(field, format!("must be true or false, got {}", got(v))),
            },
            Kind::Section(fields) => match v {
                Value::Mapping(_) => self.section(v, fields, field),
                _ => self.wrong(
                    field,
                    format!("must be a section (key: value pairs), got {}", got(v)),
                ),
            },
            Kind::List(item) => match v {
                Value::Sequence(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, it) in items.iter().enumerate() {
                        // A bad item is stood in for: dropping it would
                        // renumber the rest.
                        let x = self.value(it, item, &format!("{field}[{i}]"));
                        out.push(x.unwrap_or_else(|| stand_in(item)));
                    }
                    Some(Value::Sequence(out))
                }
                _ => self.wrong(
                    field,
                    format!(
                        "must be a list, got {}; write items as `- item` lines or `[a, b]`",
                        got(v)
                    ),
                ),
            },
            Kind::Shifts => match v {
                Value::Sequence(_) => self.value(v, &Kind::List(&Kind::Section(SHIFT)), field),
                Value::String(_) => Some(v.clone()),
                _ => {
                    self.wrong(
                        field,
                        format!(
                            "must be `always` or a list of shifts such as {{days: mon-fri, from: \"09:00\", to: \"17:00\"}}, got {}",
                            got(v)
                        ),
                    )
                }
            },
            Kind::Count => match v {
                Value::Mapping(_) => self.value(v, &Kind::Section(SCHEDULED_COUNT), field),
                Value::Number(_) => self.value(v, &I64, field),
                _ => self.wrong(
                    field,
                    format!(
                        "must be a whole number or a schedule such as {{schedule: [{{from: \"mon 08:00\", count: 12}}, {{from: \"mon 16:00\", count: 7}}], cycle: 1w}}, got {}",
                        got(v)
                    ),
                ),
            },
            Kind::ByInterval => match v {
                Value::Mapping(_) => self.value(v, &Kind::Section(BY_INTERVAL), field),
                _ => self.value(v, &Kind::Units, field),
            },
            Kind::Speed => match v {
                Value::Mapping(_) => self.value(v, &Kind::Section(SPEED), field),
                _ => self.value(v, &Kind::Number, field),
            },
            Kind::PerObject => match v {
                Value::Number(_) => self.value(v, &Kind::Number, field),
                Value::Sequence(_) => self.value(v, &Kind::List(&Kind::Section(TIER)), field),
                _ => self.wrong(
                    field,
                    format!(
                        "must be a price or a list of tiers such as {{up_to: 1000, price: 0.08}}, got {}",
                        got(v)
                    ),
                ),
            },
            Kind::Throttle => match v {
                Value::Mapping(m) => {
                    let mut out = Mapping::new();
                    let policy = Value::String("policy".into());
                    let f = join(field, "policy");
                    let p = match m.get(&policy) {
                        None | Some(Value::Null) => {
                            self.problem(
                                &f,
                                "is required (one of: none, fixed_rate, token_bucket, backlog_threshold, aimd, pi, expiry_alarm)",
                            );
                            None
                        }
                        Some(p) => self.value(p, &Kind::Word, &f),
                    };
                    if p.is_none() {
                        // Its parameters would be reported against `none`.
                        self.removed.push(field.to_string());
                    }
                    out.insert(policy.clone(), p.unwrap_or_else(|| Value::from("none")));
                    for (k, v) in m {
                        if k != &policy {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    Some(Value::Mapping(out))
                }
                _ => self.wrong(
                    field,
                    format!("must be a section (key: value pairs), got {}", got(v)),
                ),
            },
        }
    }

    /// `compare:`: a list of `{name, ...sections}` with unique names.
    fn policies(&mut self, v: &Value, field: &str) -> Option<Value> {
        let Value::Sequence(items) = v else {
            return self.wrong(
                field,
                format!(
                    "must be a list of policies such as `- {{name: open, throttle: {{policy: none}}}}`, got {}",
                    got(v)
                ),
            );
        };
        let mut out = Vec::with_capacity(items.len());
        let mut names: Vec<(String, usize)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("{field}[{i}]");
            let Value::Mapping(map) = item else {
                // Dropped, not stood in for: a stand-in has no name.
                self.wrong(
                    &at,
                    format!(
                        "must be a policy `{{name: NAME, throttle: {{...}}, ...}}`, got {}",
                        got(item)
                    ),
                );
                continue;
            };
            let mut kept = Mapping::new();
            for (k, val) in map {
                let key = scalar_text(k).unwrap_or_else(|| got(k));
                let f = join(&at, &excerpt(&key));
                if key == "name" {
                    if let Some(Value::String(n)) = self.value(val, &Kind::Word, &f) {
                        match names.iter().find(|(m, _)| *m == n) {
                            Some((_, j)) => {
                                self.problem(
                                    &f,
                                    format!(
                                        "the name `{}` is used twice (also {field}[{j}]); each policy needs its own",
                                        excerpt(&n)
                                    ),
                                );
                            }
                            None => names.push((n.clone(), i)),
                        }
                        kept.insert(k.clone(), Value::String(n));
                    }
                } else if policy_keys().any(|p| p == key) {
                    kept.insert(k.clone(), val.clone());
                } else {
                    let near = policy_keys()
                        .map(|p| (edit_distance(&key, p), p))
                        .min()
                        .filter(|&(d, p)| d <= 2 || (d <= 3 && p.len() >= 10));
                    let hint = match near {
                        Some((_, p)) => format!("did you mean `{p}`?"),
                        None => format!(
                            "a policy has a `name` and overrides scenario sections: {}",
                            policy_keys().collect::<Vec<_>>().join(", ")
                        ),
                    };
                    self.problem(&f, format!("unknown key `{}`; {hint}", excerpt(&key)));
                    self.removed.push(f);
                }
            }
            if !map.contains_key("name") {
                self.problem(
                    &join(&at, "name"),
                    "is required: each policy is named in the tables",
                );
                self.removed.push(at.clone());
                continue;
            }
            out.push(Value::Mapping(kept));
        }
        Some(Value::Sequence(out))
    }

    /// `sweep.vary`: `PATH: VALUES`, a path of `--vary`'s grammar each.
    fn vary(&mut self, v: &Value, field: &str) -> Option<Value> {
        let Value::Mapping(map) = v else {
            return self.wrong(
                field,
                format!(
                    "must map each PATH to its VALUES, e.g. `workers[team].count: [8, 10]` or `job.max_concurrent_task_count: 100..1000:100`, got {}",
                    got(v)
                ),
            );
        };
        let mut out = Mapping::new();
        for (k, vals) in map {
            let Some(path) = scalar_text(k) else {
                self.wrong(field, format!("a path must be text, got {}", got(k)));
                continue;
            };
            if let Err(e) = super::paths::ParamPath::parse(&path) {
                self.wrong(field, e.to_string());
                continue;
            }
            let scalar =
                |x: &Value| matches!(x, Value::String(_) | Value::Number(_) | Value::Bool(_));
            let ok = match vals {
                Value::Sequence(items) => !items.is_empty() && items.iter().all(scalar),
                other => scalar(other),
            };
            if !ok {
                self.wrong(
                    field,
                    format!(
                        "`{}`: the values must be a list of single values such as `[8, 10, 12]` or a range such as `8..14:2`, got {}",
                        excerpt(&path),
                        if matches!(vals, Value::Sequence(s) if s.is_empty()) { "an empty list".to_string() } else { got(vals) }
                    ),
                );
                continue;
            }
            out.insert(k.clone(), vals.clone());
        }
        Some(Value::Mapping(out))
    }

    fn whole(&mut self, v: &Value, min: i128, max: i128, field: &str) -> Option<Value> {
        let Value::Number(n) = v else {
            return self.wrong(field, format!("must be a whole number, got {}", got(v)));
        };
        let x: Option<i128> = n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from));
        match x {
            Some(x) if (min..=max).contains(&x) => Some(v.clone()),
            Some(x) => self.wrong(
                field,
                format!("must be a whole number from {min} to {max}, got {x}"),
            ),
            None => self.wrong(field, format!("must be a whole number, got {}", got(v))),
        }
    }

    /// A section: every key known, every required key present.
    fn section(&mut self, v: &Value, fields: &'static [Field], path: &str) -> Option<Value> {
        let Value::Mapping(map) = v else {
            return self.wrong(
                path,
                format!("must be a section (key: value pairs), got {}", got(v)),
            );
        };
        let mut out = Mapping::new();
        let mut suggested: Vec<&str> = Vec::new();
        for (k, val) in map {
            let key_text = scalar_text(k).unwrap_or_else(|| got(k));
            let field = join(path, &excerpt(&key_text));
            let Some(spec) = fields.iter().find(|f| f.name == key_text) else {
                // Only the first problems are listed: spare the hints of the rest.
                let listed = self.problems.len() < super::MAX_REPORTED;
                let nearest = if listed {
                    did_you_mean(&key_text, fields)
                } else {
                    None
                };
                let hint = match nearest {
                    Some(name) => {
                        suggested.push(name);
                        format!("did you mean `{name}`?")
                    }
                    None => format!(
                        "expected one of: {}",
                        fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
                    ),
                };
                self.problem(
                    &field,
                    format!("unknown key `{}`; {hint}", excerpt(&key_text)),
                );
                self.removed.push(field);
                continue;
            };
            if val.is_null() {
                if spec.required {
                    self.problem(&field, "needs a value");
                    self.removed.push(field);
                    out.insert(k.clone(), stand_in(&spec.kind));
                }
                // An optional key with no value is the same as no key.
                continue;
            }
            match self.value(val, &spec.kind, &field) {
                Some(x) => {
                    out.insert(k.clone(), x);
                }
                None if spec.required => {
                    out.insert(k.clone(), stand_in(&spec.kind));
                }
                None => {}
            }
        }
        for f in fields.iter().filter(|f| f.required) {
            let key = Value::String(f.name.into());
            if !map.contains_key(&key) {
                let field = join(path, f.name);
                // A misspelling of it has been reported with this name.
                if !suggested.contains(&f.name) {
                    self.problem(&field, "is required");
                }
                self.removed.push(field);
                out.insert(key, stand_in(&f.kind));
            }
        }
        Some(Value::Mapping(out))
    }
}

/// The known key nearest to `key`, if it is a likely misspelling.
fn did_you_mean(key: &str, fields: &[Field]) -> Option<&'static str> {
    fields
        .iter()
        .map(|f| (edit_distance(key, f.name), f.name))
        .min()
        .filter(|&(d, name)| d <= 2 || (d <= 3 && name.len() >= 10))
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::super::spec::*;
    use super::*;
    use serde::de::{self, Deserialize, Visitor};
    use std::fmt;

    /// The keys serde's derive gives a struct: asked for through a
    /// deserializer that only records them.
    fn keys_of<T: for<'de> Deserialize<'de>>() -> Vec<&'static str> {
        #[derive(Debug)]
        struct Keys(&'static [&'static str]);
        impl fmt::Display for Keys {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl std::error::Error for Keys {}
        impl de::Error for Keys {
            fn custom<M: fmt::Display>(_: M) -> Self {
                Keys(&[])
            }
        }
        struct Probe;
        impl<'de> de::Deserializer<'de> for Probe {
            type Error = Keys;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Keys> {
                Err(Keys(&[]))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Keys> {
                Err(Keys(fields))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
                bytes byte_buf option unit unit_struct newtype_struct seq tuple
                tuple_struct map enum identifier ignored_any
            }
        }
        let keys = match T::deserialize(Probe) {
            Ok(_) => &[],
            Err(Keys(keys)) => keys,
        };
        assert!(
            !keys.is_empty(),
            "no keys for {}",
            std::any::type_name::<T>()
        );
        keys.to_vec()
    }

    fn names(fields: &[Field]) -> Vec<&'static str> {
        fields.iter().map(|f| f.name).collect()
    }

    #[test]
    fn the_tables_have_the_keys_of_the_serde_mirror() {
        assert_eq!(names(SCENARIO), keys_of::<ScenarioSpec>());
        assert_eq!(names(JOB), keys_of::<JobSpec>());
        assert_eq!(names(DUPLICATES), keys_of::<DuplicatesSpec>());
        assert_eq!(names(PROFILE_POINT), keys_of::<ProfilePointSpec>());
        assert_eq!(names(PRODUCER), keys_of::<ProducerSpec>());
        assert_eq!(names(DIST), keys_of::<DistSpec>());
        assert_eq!(names(SHIFT), keys_of::<ShiftSpec>());
        assert_eq!(names(STEP), keys_of::<StepSpec>());
        assert_eq!(names(SCHEDULED_COUNT), keys_of::<ScheduledCountSpec>());
        assert_eq!(names(BY_INTERVAL), keys_of::<ByIntervalSpec>());
        assert_eq!(names(SPEED), keys_of::<SpeedFull>());
        assert_eq!(names(WORKER), keys_of::<WorkerSpec>());
        assert_eq!(names(METRICS), keys_of::<MetricsSpec>());
        assert_eq!(names(TIER), keys_of::<TierSpec>());
        assert_eq!(names(COST), keys_of::<CostSpec>());
        assert_eq!(names(OUTPUT), keys_of::<OutputSpec>());
        assert_eq!(names(PIPELINE), keys_of::<PipelineSpec>());
        assert_eq!(names(DEAD_LETTER), keys_of::<DeadLetterSpec>());
        assert_eq!(names(QUEUE), keys_of::<QueueSpec>());
        assert_eq!(names(CONFIDENCE), keys_of::<ConfidenceSpec>());
        assert_eq!(names(ROUTE), keys_of::<RouteSpec>());
        assert_eq!(names(CONSUMER), keys_of::<ConsumerSpec>());
        assert_eq!(names(SCALING), keys_of::<ScalingSpec>());
        assert_eq!(names(INDEX), keys_of::<IndexSpec>());
        assert_eq!(names(SWEEP), keys_of::<SweepSpec>());
    }

    fn problems(yaml: &str) -> Vec<(String, String)> {
        let doc: Value = serde_norway::from_str(yaml).unwrap();
        check(&doc).problems
    }

    #[test]
    fn a_valid_document_has_no_problems_and_is_kept() {
        let yaml = "name: x\nhorizon: 1d\njob: {max_concurrent_task_count: 10}\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}, shifts: always}]\n";
        let doc: Value = serde_norway::from_str(yaml).unwrap();
        let c = check(&doc);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert!(c.pruned.is_some());
    }

    #[test]
    fn optional_values_are_pruned_required_ones_stood_in_for() {
        let doc: Value =
            serde_norway::from_str("name: x\nhorizon: 1d\nseed: lots\nbogus: 1\n").unwrap();
        let c = check(&doc);
        assert_eq!(c.problems.len(), 2);
        assert_eq!(c.removed, vec!["seed".to_string(), "bogus".to_string()]);
        let pruned = c.pruned.unwrap();
        assert!(pruned.get("seed").is_none() && pruned.get("bogus").is_none());
        let doc: Value =
            serde_norway::from_str("horizon: [1d]\nworkers: [5, {count: 1}]\n").unwrap();
        let c = check(&doc);
        let spec: ScenarioSpec = serde_norway::from_value(c.pruned.unwrap()).unwrap();
        assert_eq!(spec.workers.len(), 2, "items keep their numbers");
        assert_eq!(
            c.removed,
            ["horizon", "workers[0]", "workers[1].service_time", "name"]
        );
    }

    #[test]
    fn a_required_key_misspelled_is_reported_once() {
        let p = problems("name: x\nhorizn: 1d\n");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].1, "unknown key `horizn`; did you mean `horizon`?");
    }

    #[test]
    fn shifts_are_a_keyword_or_a_list_and_prices_a_number_or_tiers() {
        let p = problems("name: x\nhorizon: 1d\nworkers: [{count: 1, service_time: {dist: constant, value: 1m}, shifts: 5}]\ncost: {per_object: '0.05'}\n");
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].1.starts_with("must be `always` or a list of shifts"),
            "{p:?}"
        );
        assert!(
            p[1].1.starts_with("must be a price or a list of tiers"),
            "{p:?}"
        );
    }

    #[test]
    fn unlike_keys_list_the_known_ones() {
        let p = problems("name: x\nhorizon: 1d\nmetrics: {zzz: 1}\n");
        assert_eq!(
            p[0].1,
            "unknown key `zzz`; expected one of: period, delay, wake_delay, inactivity"
        );
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance(&"x".repeat(10_000), "abc"), usize::MAX);
    }
}
