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
use super::yaml::{self, Mapping, Value};
use super::{LoadOptions, Scenario, ScenarioError};
use std::fmt;
use std::path::Path;

/// One step of a path: a mapping key, a list index, or a list item by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
    /// A list item whose `name` is this.
    Name(String),
}

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
    pub fn parse(text: &str) -> Result<ParamPath, String> {
        let t = text.trim();
        let bad = |why: &str| {
            format!("`{t}` is not a scenario path ({why}); write e.g. `job.max_concurrent_task_count`, `workers[0].count` or `producers[cameras].rate`")
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
    pub fn set(&self, doc: &mut Value, value: Value) -> Result<(), String> {
        let mut cur = doc;
        for (i, seg) in self.segs.iter().enumerate() {
            let last = i + 1 == self.segs.len();
            let so_far = || format!("`{}`", self.text);
            cur = match seg {
                PathSeg::Key(k) => {
                    if cur.is_null() {
                        *cur = Value::Mapping(Mapping::new());
                    }
                    if let Value::Sequence(items) = cur {
                        let list = self.prefix(i);
                        let by_name = items
                            .iter()
                            .find_map(|v| v.get("name").and_then(Value::as_str))
                            .map(|n| format!(" or {list}[{n}]"))
                            .unwrap_or_default();
                        return Err(format!(
                            "{}: {list} is a list: use {list}[0]{by_name}",
                            so_far()
                        ));
                    }
                    let map = cur
                        .as_mapping_mut()
                        .ok_or_else(|| format!("{}: `{k}` is not inside a mapping", so_far()))?;
                    let key = Value::String(k.clone());
                    if last {
                        map.insert(key, value);
                        return Ok(());
                    }
                    map.entry(key).or_insert(Value::Null)
                }
                PathSeg::Index(n) => {
                    let list = cur
                        .as_sequence_mut()
                        .ok_or_else(|| format!("{}: `[{n}]` needs a list", so_far()))?;
                    let len = list.len();
                    let item = list.get_mut(*n).ok_or_else(|| {
                        format!(
                            "{}: index {n} is out of range (the list has {len} items)",
                            so_far()
                        )
                    })?;
                    if last {
                        *item = value;
                        return Ok(());
                    }
                    item
                }
                PathSeg::Name(name) => {
                    let list = cur
                        .as_sequence_mut()
                        .ok_or_else(|| format!("{}: `[{name}]` needs a list", so_far()))?;
                    let names: Vec<String> = list
                        .iter()
                        .filter_map(|v| v.get("name").and_then(|n| n.as_str()).map(excerpt))
                        .take(20)
                        .collect();
                    let item = list
                        .iter_mut()
                        .find(|v| v.get("name").and_then(|n| n.as_str()) == Some(name.as_str()))
                        .ok_or_else(|| {
                            format!(
                                "{}: no item named `{name}` (names: {})",
                                so_far(),
                                names.join(", ")
                            )
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

/// Splits a field path as problems name it (`workers[0].service_time.mean`,
/// `[1].name`, a key with any characters) into segments, never failing:
/// what is not a segment is skipped. For user input, [`ParamPath::parse`].
pub fn parse_lenient(path: &str) -> Vec<PathSeg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(PathSeg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let close = stripped.find(']').unwrap_or(stripped.len());
                let inner = stripped[..close].trim();
                if !inner.is_empty() {
                    out.push(match inner.parse() {
                        Ok(n) => PathSeg::Index(n),
                        Err(_) => PathSeg::Name(inner.to_string()),
                    });
                }
                rest = stripped.get(close + 1..).unwrap_or("");
            }
        } else if !rest.is_empty() {
            out.push(PathSeg::Key(rest.to_string()));
        }
    }
    out
}

/// A scenario's YAML document, from which variants are built.
#[derive(Clone, Debug)]
pub struct ScenarioTemplate {
    doc: Value,
    origin: String,
    base_dir: std::path::PathBuf,
    opts: LoadOptions,
}

impl ScenarioTemplate {
    pub fn new(scenario: &Scenario, opts: LoadOptions) -> Result<ScenarioTemplate, String> {
        let doc: Value = yaml::from_str(&scenario.text).map_err(|(m, _)| m)?;
        Ok(ScenarioTemplate {
            doc,
            origin: scenario.origin.clone(),
            base_dir: scenario.base_dir.clone(),
            opts,
        })
    }

    /// Whether `path` leads to a field of this scenario (a list item that
    /// exists, no list addressed as a mapping), whatever the value.
    pub fn check_path(&self, path: &ParamPath) -> Result<(), String> {
        path.set(&mut self.doc.clone(), Value::Null)
    }

    /// The scenario with `overrides` applied, validated.
    pub fn with(&self, overrides: &[(ParamPath, Value)]) -> Result<Scenario, OverrideError> {
        let mut doc = self.doc.clone();
        for (path, v) in overrides {
            path.set(&mut doc, v.clone()).map_err(OverrideError::Path)?;
        }
        self.validate(&doc)
    }

    /// Validates a variant's document like a scenario file.
    fn validate(&self, doc: &Value) -> Result<Scenario, OverrideError> {
        let text = yaml::to_string(doc).map_err(OverrideError::Path)?;
        Scenario::from_str(&text, &self.origin, Path::new(&self.base_dir), self.opts)
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
        self.validate(&doc)
    }
}

/// Why a variant could not be built. Fatal for the command.
#[derive(Debug)]
pub enum OverrideError {
    /// The path does not lead anywhere in this scenario.
    Path(String),
    /// The value makes the scenario invalid.
    Invalid(ScenarioError),
}

impl fmt::Display for OverrideError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OverrideError::Path(m) => f.write_str(m),
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
        let mut doc: Value = serde_yaml::from_str(
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
            .unwrap_err();
        assert!(err.contains("out of range"), "{err}");
        let err = ParamPath::parse("workers[b].count")
            .unwrap()
            .set(&mut doc, Value::from(1))
            .unwrap_err();
        assert!(err.contains("no item named `b`"), "{err}");
        let err = ParamPath::parse("workers.count")
            .unwrap()
            .set(&mut doc, Value::from(1))
            .unwrap_err();
        assert_eq!(
            err,
            "`workers.count`: workers is a list: use workers[0] or workers[a]"
        );
    }
}
