//! Addressing scenario fields by path, for sweeps and plans:
//! `job.max_concurrent_task_count`, `workers[0].count`,
//! `producers[cameras].rate` (a list item by index or by `name`).
//!
//! This is the one path grammar: `--set`, `--vary` and `sweep.vary` paths
//! are parsed strictly ([`ParamPath::parse`]); the field paths of problems
//! (`workers[0].service_time.mean`) leniently ([`parse_lenient`]), to find
//! their line (`yaml::Locator`).
//!
//! Overrides are applied to the YAML document, which is then validated like
//! any scenario, so a swept value gets the same checks (and messages) as one
//! written in the file.

use super::input::excerpt;
pub use super::segs::{parse_lenient, PathSeg};
use super::yaml::{self, Mapping, Value};
use super::{LoadOptions, Scenario, ScenarioError};
use std::fmt;
use std::path::Path;

/// A parsed parameter path; `Display` gives back its canonical text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamPath {
    pub text: String,
    pub segs: Vec<PathSeg>,
}

impl fmt::Display for ParamPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl ParamPath {
    /// Parses `a.b[0].c[name]`.
    pub fn parse(text: &str) -> Result<ParamPath, PathError> {
        let t = text.trim();
        let bad = |why: &'static str| PathError::Syntax {
            text: t.to_string(),
            why,
        };
        if t.is_empty() {
            return Err(bad("empty"));
        }
        let mut segs = Vec::new();
        for part in t.split('.') {
            let (key, mut rest) = match part.find('[') {
                Some(i) => (&part[..i], &part[i..]),
                None => (part, ""),
            };
            if key.is_empty() {
                return Err(bad("empty key"));
            }
            if !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(bad("a key may hold letters, digits, `_` and `-`"));
            }
            segs.push(PathSeg::Key(key.to_string()));
            while let Some(r) = rest.strip_prefix('[') {
                let close = r.find(']').ok_or_else(|| bad("unclosed `[`"))?;
                let inner = r[..close].trim();
                if inner.is_empty() {
                    return Err(bad("empty `[]`"));
                }
                segs.push(match inner.parse::<usize>() {
                    Ok(i) => PathSeg::Index(i),
                    Err(_) => PathSeg::Name(inner.to_string()),
                });
                rest = &r[close + 1..];
            }
            if !rest.is_empty() {
                return Err(bad("text after `]`"));
            }
        }
        Ok(ParamPath {
            text: t.to_string(),
            segs,
        })
    }

    /// The path's text before segment `end`, e.g. `producers[0]`.
    fn prefix(&self, end: usize) -> String {
        let mut text = String::new();
        for seg in &self.segs[..end] {
            match seg {
                PathSeg::Key(k) if text.is_empty() => text.push_str(k),
                PathSeg::Key(k) => {
                    text.push('.');
                    text.push_str(k);
                }
                PathSeg::Index(n) => text.push_str(&format!("[{n}]")),
                PathSeg::Name(n) => text.push_str(&format!("[{n}]")),
            }
        }
        text
    }

    /// Sets the field at this path in `doc` to `value`; mappings on the way
    /// are created when missing, list items must exist.
    pub fn set(&self, doc: &mut Value, value: Value) -> Result<(), PathError> {
        let mut cur = doc;
        for (i, seg) in self.segs.iter().enumerate() {
            let last = i + 1 == self.segs.len();
            let path = || self.text.clone();
            cur = match seg {
                PathSeg::Key(k) => {
                    if cur.is_null() {
                        *cur = Value::Mapping(Mapping::new());
                    }
                    if let Value::Sequence(items) = cur {
                        let first_name = items
                            .iter()
                            .find_map(|v| v.get("name").and_then(Value::as_str))
                            .map(str::to_string);
                        return Err(PathError::ListAsMapping {
                            path: path(),
                            list: self.prefix(i),
                            first_name,
                        });
                    }
                    let map = cur
                        .as_mapping_mut()
                        .ok_or_else(|| PathError::NotInMapping {
                            path: path(),
                            key: k.clone(),
                        })?;
                    let key = Value::String(k.clone());
                    if last {
                        map.insert(key, value);
                        return Ok(());
                    }
                    // Issue 18: `[item]` of a key the scenario lacks is a
                    // misspelt key (`pipeline.queue[incoming]`), not a
                    // missing list.
                    let indexed = matches!(self.segs[i + 1], PathSeg::Index(_) | PathSeg::Name(_));
                    if indexed && !map.contains_key(&key) {
                        let near = map
                            .keys()
                            .filter_map(Value::as_str)
                            .map(|n| (crate::suggest::edit_distance(n, k), n))
                            .filter(|(d, _)| *d <= 2)
                            .min()
                            .map(|(_, n)| n.to_string());
                        return Err(PathError::UnknownKey {
                            path: path(),
                            key: k.clone(),
                            near,
                        });
                    }
                    map.entry(key).or_insert(Value::Null)
                }
                PathSeg::Index(n) => {
                    let list = cur.as_sequence_mut().ok_or_else(|| PathError::NotAList {
                        path: path(),
                        item: n.to_string(),
                    })?;
                    let len = list.len();
                    let item = list.get_mut(*n).ok_or_else(|| PathError::IndexOutOfRange {
                        path: path(),
                        index: *n,
                        len,
                    })?;
                    if last {
                        *item = value;
                        return Ok(());
                    }
                    item
                }
                PathSeg::Name(name) => {
                    let list = cur.as_sequence_mut().ok_or_else(|| PathError::NotAList {
                        path: path(),
                        item: name.clone(),
                    })?;
                    let names: Vec<String> = list
                        .iter()
                        .filter_map(|v| v.get("name").and_then(|n| n.as_str()).map(excerpt))
                        .take(20)
                        .collect();
                    let item = list
                        .iter_mut()
                        .find(|v| v.get("name").and_then(|n| n.as_str()) == Some(name.as_str()))
                        .ok_or_else(|| PathError::NoItemNamed {
                            path: path(),
                            name: name.clone(),
                            names,
                        })?;
                    if last {
                        *item = value;
                        return Ok(());
                    }
                    item
                }
            };
        }
        Ok(())
    }
}

/// Why a parameter path cannot be parsed, or does not lead to a field of a
/// scenario; or why a scenario's document cannot be used as a template.
/// `Display` gives the message users read (without any flag name: a command
/// adds `--set` or `--vary`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Not a path by the grammar: the (trimmed) text, and why not.
    Syntax { text: String, why: &'static str },
    /// A key applied to a list (`workers.count`): the list's path and the
    /// name of its first named item, if any, to suggest.
    ListAsMapping {
        path: String,
        list: String,
        first_name: Option<String>,
    },
    /// A key under something that is not a mapping.
    NotInMapping { path: String, key: String },
    /// `[n]` or `[name]` under something that is not a list: `item` is
    /// the text between the brackets.
    NotAList { path: String, item: String },
    /// `[n]` past the end of the list.
    IndexOutOfRange {
        path: String,
        index: usize,
        len: usize,
    },
    /// `[name]` where no item has that name: the names there are (at most
    /// 20, shortened).
    NoItemNamed {
        path: String,
        name: String,
        names: Vec<String>,
    },
    /// `key[item]` where the scenario has no `key` there: the nearest key
    /// it has, if one is close.
    UnknownKey {
        path: String,
        key: String,
        near: Option<String>,
    },
    /// The scenario's document cannot be read, or a variant written, as
    /// YAML: the YAML library's message.
    Yaml(String),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Syntax { text, why } => write!(
                f,
                "`{text}` is not a scenario path ({why}); write e.g. `job.max_concurrent_task_count`, `workers[0].count` or `producers[cameras].rate`"
            ),
            PathError::ListAsMapping {
                path,
                list,
                first_name,
            } => {
                write!(f, "`{path}`: {list} is a list: use {list}[0]")?;
                match first_name {
                    Some(n) => write!(f, " or {list}[{n}]"),
                    None => Ok(()),
                }
            }
            PathError::NotInMapping { path, key } => {
                write!(f, "`{path}`: `{key}` is not inside a mapping")
            }
            PathError::NotAList { path, item } => write!(f, "`{path}`: `[{item}]` needs a list"),
            PathError::IndexOutOfRange { path, index, len } => write!(
                f,
                "`{path}`: index {index} is out of range (the list has {len} items)"
            ),
            PathError::NoItemNamed { path, name, names } => write!(
                f,
                "`{path}`: no item named `{name}` (names: {})",
                names.join(", ")
            ),
            PathError::UnknownKey { path, key, near } => {
                write!(f, "`{path}`: unknown key `{key}`")?;
                match near {
                    Some(n) => write!(f, ", did you mean `{n}`?"),
                    None => write!(f, " (the scenario has no such list here)"),
                }
            }
            PathError::Yaml(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for PathError {}

/// A scenario's YAML document, from which variants are built.
#[derive(Clone, Debug)]
pub struct ScenarioTemplate {
    doc: Value,
    origin: String,
    base_dir: std::path::PathBuf,
    opts: LoadOptions,
}

impl ScenarioTemplate {
    /// The template of `scenario`: a clone of its parsed document (its
    /// text is not parsed again, issue 19). It no longer fails; the
    /// `Result` stays for the callers written when it read the text.
    pub fn of(scenario: &Scenario, opts: LoadOptions) -> Result<ScenarioTemplate, PathError> {
        Ok(ScenarioTemplate {
            doc: scenario.doc.clone(),
            origin: scenario.origin.clone(),
            base_dir: scenario.base_dir.clone(),
            opts,
        })
    }

    /// The scenario's document, as parsed.
    pub fn doc(&self) -> &Value {
        &self.doc
    }

    /// Whether `path` leads to a field of this scenario (a list item that
    /// exists, no list addressed as a mapping), whatever the value.
    pub fn check_path(&self, path: &ParamPath) -> Result<(), PathError> {
        path.set(&mut self.doc.clone(), Value::Null)
    }

    /// Whether `a` and `b` lead to the same field of this scenario, or one
    /// lies inside the other: `workers[team].count` and `workers[0].count`
    /// when `team` is the first group (issue 18). False if either path
    /// leads nowhere (that is reported on its own).
    pub fn overlap(&self, a: &ParamPath, b: &ParamPath) -> bool {
        fn holds(v: &Value, mark: &Value) -> bool {
            v == mark
                || match v {
                    Value::Sequence(items) => items.iter().any(|i| holds(i, mark)),
                    Value::Mapping(m) => m.values().any(|i| holds(i, mark)),
                    _ => false,
                }
        }
        if self.check_path(a).is_err() || self.check_path(b).is_err() {
            return false;
        }
        let mark = Value::String("\u{1}labelsim: the field of the first path".into());
        let mut doc = self.doc.clone();
        if a.set(&mut doc, mark.clone()).is_err() {
            return false;
        }
        // `b` through `a`'s field fails; `b` at or above it overwrites it.
        b.set(&mut doc, Value::Null).is_err() || !holds(&doc, &mark)
    }

    /// The scenario with `overrides` applied, validated.
    pub fn with(&self, overrides: &[(ParamPath, Value)]) -> Result<Scenario, OverrideError> {
        let mut doc = self.doc.clone();
        for (path, v) in overrides {
            path.set(&mut doc, v.clone())
                .map_err(|e| OverrideError::Path(Box::new(e)))?;
        }
        self.validate(doc)
    }

    /// Validates a variant's document like a scenario file holding it
    /// written out (the document itself is used: nothing is parsed).
    fn validate(&self, doc: Value) -> Result<Scenario, OverrideError> {
        let text =
            yaml::to_string(&doc).map_err(|m| OverrideError::Path(Box::new(PathError::Yaml(m))))?;
        Scenario::from_written(
            doc,
            &text,
            &self.origin,
            Path::new(&self.base_dir),
            self.opts,
        )
        .map_err(OverrideError::Invalid)
    }
}

impl ScenarioTemplate {
    /// The scenario with `patch` merged in: mappings merge key by key,
    /// anything else (and the whole `throttle` section) is replaced.
    pub fn with_patch(&self, patch: &Value) -> Result<Scenario, OverrideError> {
        fn merge(base: &mut Value, patch: &Value, top: bool) {
            match (base, patch) {
                (Value::Mapping(b), Value::Mapping(p)) => {
                    for (k, v) in p {
                        let replace_whole = top && k.as_str() == Some("throttle");
                        match b.get_mut(k) {
                            Some(slot) if !replace_whole => merge(slot, v, false),
                            _ => {
                                b.insert(k.clone(), v.clone());
                            }
                        }
                    }
                }
                (b, p) => *b = p.clone(),
            }
        }
        let mut doc = self.doc.clone();
        merge(&mut doc, patch, true);
        self.validate(doc)
    }
}

/// Why a variant could not be built. Fatal for the command.
#[derive(Debug)]
pub enum OverrideError {
    /// The path does not lead anywhere in this scenario (or the variant's
    /// document cannot be written: [`PathError::Yaml`]). Boxed, to keep
    /// the errors that hold this one small.
    Path(Box<PathError>),
    /// The value makes the scenario invalid.
    Invalid(ScenarioError),
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideError::Path(e) => e.fmt(f),
            OverrideError::Invalid(e) => {
                let msgs: Vec<String> = e
                    .problems
                    .iter()
                    .map(|p| {
                        if p.field.is_empty() {
                            p.message.clone()
                        } else {
                            format!("{}: {}", p.field, p.message)
                        }
                    })
                    .collect();
                f.write_str(&msgs.join("; "))
            }
        }
    }
}

/// A scalar as CSV text (numbers as written, strings verbatim).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_indices_and_names() {
        let p = ParamPath::parse("producers[cameras].duplicates.sns_redelivery").unwrap();
        assert_eq!(
            p.segs,
            vec![
                PathSeg::Key("producers".into()),
                PathSeg::Name("cameras".into()),
                PathSeg::Key("duplicates".into()),
                PathSeg::Key("sns_redelivery".into()),
            ]
        );
        assert_eq!(
            ParamPath::parse("workers[0].count").unwrap().segs[1],
            PathSeg::Index(0)
        );
        assert!(ParamPath::parse("workers[0").is_err());
        assert!(ParamPath::parse("job..k").is_err());
    }

    #[test]
    fn one_grammar_strict_for_input_lenient_for_problem_fields() {
        for text in [
            "workers[team].count",
            "pipeline.consumers[classifier].route.threshold",
            "producers[0].duplicates.sns_redelivery",
        ] {
            assert_eq!(
                parse_lenient(text),
                ParamPath::parse(text).unwrap().segs,
                "{text}"
            );
        }
        assert_eq!(
            parse_lenient("[1].name"),
            vec![PathSeg::Index(1), PathSeg::Key("name".into())]
        );
        assert_eq!(
            parse_lenient("job.sevice time"),
            vec![
                PathSeg::Key("job".into()),
                PathSeg::Key("sevice time".into())
            ]
        );
        assert!(ParamPath::parse("job.sevice time").is_err());
        assert!(ParamPath::parse("workers[]").is_err());
        assert!(ParamPath::parse("workers[0]x").is_err());
    }

    #[test]
    fn sets_nested_values_and_reports_missing_items() {
        let mut doc: Value = serde_norway::from_str(
            "job: {max_concurrent_task_count: 10}\nworkers: [{name: a, count: 1}]\n",
        )
        .unwrap();
        ParamPath::parse("job.max_concurrent_task_count")
            .unwrap()
            .set(&mut doc, Value::from(20))
            .unwrap();
        ParamPath::parse("workers[a].count")
            .unwrap()
            .set(&mut doc, Value::from(5))
            .unwrap();
        ParamPath::parse("metrics.period")
            .unwrap()
            .set(&mut doc, Value::from("2m"))
            .unwrap();
        assert_eq!(doc["job"]["max_concurrent_task_count"], Value::from(20));
        assert_eq!(doc["workers"][0]["count"], Value::from(5));
        assert_eq!(doc["metrics"]["period"], Value::from("2m"));
        let err = ParamPath::parse("workers[3].count")
            .unwrap()
            .set(&mut doc, Value::from(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("out of range"), "{err}");
        let err = ParamPath::parse("workers[b].count")
            .unwrap()
            .set(&mut doc, Value::from(1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no item named `b`"), "{err}");
        let err = ParamPath::parse("workers.count")
            .unwrap()
            .set(&mut doc, Value::from(1))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`workers.count`: workers is a list: use workers[0] or workers[a]"
        );
    }

    #[test]
    fn messages_name_the_path_and_what_is_wrong() {
        let msg = |path: &str, yaml: &str| {
            let mut doc: Value = serde_norway::from_str(yaml).unwrap();
            ParamPath::parse(path)
                .and_then(|p| p.set(&mut doc, Value::from(1)))
                .unwrap_err()
                .to_string()
        };
        let doc = "job: {limit: 3}\nworkers: [{name: a, count: 1}, {name: b}]\n";
        assert_eq!(
            msg(" job..k ", doc),
            "`job..k` is not a scenario path (empty key); write e.g. `job.max_concurrent_task_count`, `workers[0].count` or `producers[cameras].rate`"
        );
        assert_eq!(
            msg("job.limit.x", doc),
            "`job.limit.x`: `x` is not inside a mapping"
        );
        assert_eq!(msg("job[0]", doc), "`job[0]`: `[0]` needs a list");
        assert_eq!(msg("job[a].x", doc), "`job[a].x`: `[a]` needs a list");
        assert_eq!(
            msg("workers[2].count", doc),
            "`workers[2].count`: index 2 is out of range (the list has 2 items)"
        );
        assert_eq!(
            msg("workers[c].count", doc),
            "`workers[c].count`: no item named `c` (names: a, b)"
        );
        assert_eq!(
            msg("workers.count", "workers: [{count: 1}]\n"),
            "`workers.count`: workers is a list: use workers[0]"
        );
    }
}
