//! Scenario files: YAML in, a validated [`Scenario`] out (two stages, as in
//! ripgrep's configuration): `schema` checks the file's shape (keys, kinds
//! of values) and `spec` mirrors it; `build` resolves units and defaults and
//! checks every R11 rule. Every problem is reported at once, with its
//! field's dotted path and line.
//!
//! The text is parsed once per load (`yaml::parse`); the parsed document
//! stays with the scenario (`Scenario::doc`), and `--set` (`overrides`),
//! sweep points and compared policies (`paths::ScenarioTemplate`) are
//! built from clones of it.
//!
//! The input is not trusted: `input` reads only regular files of bounded
//! size and quotes them only in short excerpts; `yaml` refuses text nested
//! too deeply or expanding too far before parsing it; numbers out of range
//! are refused with their range, never changed.

mod build;
pub mod input;
pub mod overrides;
pub mod paths;
mod replay;
mod schema;
mod sections;
mod segs;
pub mod spec;
pub mod units;
pub mod yaml;

pub use build::{dedup_key_is_valid, DEFAULT_START_AT, TASK_TYPES};
pub use input::{read_input_file, MAX_CSV_BYTES, MAX_SCENARIO_BYTES};
pub use replay::BYTES_PER_TRACE_ROW;
pub use schema::edit_distance;
pub use sections::load_policies;

use crate::model::SimConfig;
use std::fmt;
use std::path::{Path, PathBuf};

/// The bundled quick-start scenario, run by `labelsim run` with no file.
pub const BUNDLED_QUICKSTART: &str = include_str!("../../scenarios/quickstart.yaml");

/// How serious a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Structural: the scenario cannot be run as written. Never waived.
    Error,
    /// A service limit (R11): an error, a warning under `--lenient`.
    Limit,
    /// Worth knowing; the run goes ahead.
    Warning,
}

/// One finding about a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Dotted path of the field, e.g. `job.max_concurrent_task_count`.
    pub field: String,
    /// 1-based line in the scenario file, where it can be found.
    pub line: Option<usize>,
    pub message: String,
    pub severity: Severity,
}

impl Problem {
    /// `file:line: field: message`
    pub fn render(&self, origin: &str) -> String {
        let place = match self.line {
            Some(l) => format!("{origin}:{l}"),
            None => origin.to_string(),
        };
        let tag = match self.severity {
            Severity::Error => "",
            Severity::Limit => " [service limit; --lenient makes this a warning]",
            Severity::Warning => "",
        };
        if self.field.is_empty() {
            format!("{place}: {}{tag}", self.message)
        } else {
            format!("{place}: {}: {}{tag}", self.field, self.message)
        }
    }
}

/// A scenario that cannot be run. Fatal for the command; nothing is written.
#[derive(Clone, Debug)]
pub struct ScenarioError {
    /// The file (or `<bundled quickstart>`).
    pub origin: String,
    /// The problems, at most [`MAX_REPORTED`] of them, in line order.
    pub problems: Vec<Problem>,
    /// How many more problems were found and not listed.
    pub omitted: usize,
}

impl ScenarioError {
    pub fn new(origin: &str, problems: Vec<Problem>) -> ScenarioError {
        ScenarioError {
            origin: origin.to_string(),
            problems,
            omitted: 0,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len() + self.omitted;
        writeln!(
            f,
            "{} has {n} problem{}:",
            self.origin,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "  {}", p.render(&self.origin))?;
        }
        if self.omitted > 0 {
            writeln!(
                f,
                "  ... and {} more, not listed (fix these first)",
                self.omitted
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// Options that change how strictly a scenario is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Turn R11 service-limit errors into warnings (what-if studies).
    pub lenient: bool,
}

/// The seed of a scenario without `seed:`.
pub const DEFAULT_SEED: u64 = 1;
/// The replications of a scenario without `replications:`.
pub const DEFAULT_REPLICATIONS: u32 = 1;

/// A validated scenario, ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub seed: u64,
    pub replications: u32,
    pub sim: SimConfig,
    /// Warnings (and waived limits) found while loading.
    pub warnings: Vec<Problem>,
    /// Where it came from, for messages.
    pub origin: String,
    /// The source text, echoed in reports.
    pub text: String,
    /// The shape-checked file; commands read its `compare` and `sweep`
    /// sections.
    pub spec: spec::ScenarioSpec,
    /// Folder that relative paths inside the scenario are resolved against.
    pub base_dir: PathBuf,
    /// The parsed document (`text` read once): overrides and sweep points
    /// are built from clones of it (`paths::ScenarioTemplate`).
    pub doc: yaml::Value,
}

impl Scenario {
    /// Reads and validates the scenario file at `path`: a regular file of at
    /// most [`MAX_SCENARIO_BYTES`] of UTF-8 text.
    pub fn load(path: &Path, opts: LoadOptions) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let fail = |line: Option<usize>, message: String| {
            ScenarioError::new(
                &origin,
                vec![Problem {
                    field: String::new(),
                    line,
                    message,
                    severity: Severity::Error,
                }],
            )
        };
        let bytes = input::read_limited(path, MAX_SCENARIO_BYTES)
            .map_err(|why| fail(None, format!("cannot read the scenario file: {why}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let line = input::line_of(e.as_bytes(), at);
            fail(
                Some(line),
                "is not UTF-8 text (a scenario is a YAML text file)".to_string(),
            )
        })?;
        let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        Scenario::from_str(&text, &origin, &base, opts)
    }

    /// The bundled quick-start scenario.
    pub fn bundled() -> Scenario {
        Scenario::from_str(
            BUNDLED_QUICKSTART,
            "<bundled quickstart>",
            Path::new("."),
            LoadOptions::default(),
        )
        .expect("the bundled scenario is valid")
    }

    /// Validates scenario text; relative paths resolve against `base_dir`.
    ///
    /// Every problem is reported, not just the first: the shape of the file
    /// (unknown keys, wrong types, missing keys; `schema`) and what its
    /// values mean (units, service limits; `build`) are checked in one go,
    /// the latter on what remains of the file once the values of the wrong
    /// shape are left out.
    pub fn from_str(
        text: &str,
        origin: &str,
        base_dir: &Path,
        opts: LoadOptions,
    ) -> Result<Scenario, ScenarioError> {
        let doc = yaml::parse(text).map_err(|e| text_error_in(text, origin, e))?;
        Scenario::from_doc(doc, text, origin, base_dir, opts)
    }

    /// A scenario built in memory: `doc` (a parsed scenario with overrides
    /// applied, `paths::ScenarioTemplate`) and `text`, the document written
    /// out as YAML (`yaml::to_string`), validated like a file holding that
    /// text, without parsing it (issue 19).
    pub fn from_written(
        doc: yaml::Value,
        text: &str,
        origin: &str,
        base_dir: &Path,
        opts: LoadOptions,
    ) -> Result<Scenario, ScenarioError> {
        yaml::check_written(&doc, text).map_err(|e| text_error(origin, e))?;
        Scenario::from_doc(doc, text, origin, base_dir, opts)
    }

    /// Validates a parsed document whose text is `text` (see [`Scenario::from_str`]).
    fn from_doc(
        doc: yaml::Value,
        text: &str,
        origin: &str,
        base_dir: &Path,
        opts: LoadOptions,
    ) -> Result<Scenario, ScenarioError> {
        let error = |field: String, line: Option<usize>, message: String| Problem {
            field,
            line,
            message,
            severity: Severity::Error,
        };
        let fail = |problems: Vec<Problem>| ScenarioError::new(origin, problems);
        if !doc.is_mapping() {
            // A CSV or README opened by mistake: say so, quote nothing.
            return Err(fail(vec![error(String::new(), None, format!(
                "is not a scenario: a scenario is YAML `key: value` lines such as `name: ...` and `horizon: ...`, but this file is {}",
                yaml::describe_kind(&doc)
            ))]));
        }
        let checked = schema::check(&doc);
        let mut problems: Vec<Problem> = checked
            .problems
            .into_iter()
            .map(|(field, message)| error(field, None, message))
            .collect();
        let spec: Option<spec::ScenarioSpec> = if problems.is_empty() {
            // The file as written, read as it always was: from the parsed
            // document where that reads the same, else from the text.
            match yaml::from_doc(&doc).map_or_else(|| yaml::from_checked_str(text), Ok) {
                Ok(spec) => Some(spec),
                Err((message, line)) => {
                    let (field, message) = split_serde_message(&message);
                    problems.push(error(field, line, message));
                    None
                }
            }
        } else {
            checked.pruned.and_then(|v| yaml::from_value(v).ok())
        };
        let built = spec.as_ref().map(|spec| {
            let mut ctx = build::Ctx {
                problems: Vec::new(),
                base_dir,
            };
            let built = build::build(spec, &mut ctx);
            ctx.problems.extend(sections::check(spec, &built.sim, &doc));
            // A value left out was reported; what `build` says of it repeats that.
            problems.extend(ctx.problems.into_iter().filter(|p| {
                !checked.removed.iter().any(|r| {
                    p.field == *r
                        || p.field.starts_with(&format!("{r}."))
                        || p.field.starts_with(&format!("{r}["))
                })
            }));
            built
        });
        for p in &mut problems {
            if opts.lenient && p.severity == Severity::Limit {
                p.severity = Severity::Warning;
                p.message.push_str(" (allowed by --lenient)");
            }
        }
        let (errors, mut warnings): (Vec<Problem>, Vec<Problem>) = problems
            .into_iter()
            .partition(|p| p.severity != Severity::Warning);
        let locator = yaml::Locator::new(text);
        let place = |list: &mut Vec<Problem>| {
            for p in list.iter_mut() {
                if p.line.is_none() {
                    // A field not in the text (a missing top-level key) is
                    // placed at the mapping that lacks it: the file's first.
                    p.line = locator
                        .locate(&paths::parse_lenient(&p.field))
                        .or_else(|| locator.first_line());
                }
            }
            list.sort_by_key(|p| p.line.unwrap_or(0));
        };
        let (Some(spec), Some(built), true) = (spec, built, errors.is_empty()) else {
            let total = errors.len();
            let mut shown: Vec<Problem> = errors.into_iter().take(MAX_REPORTED).collect();
            place(&mut shown);
            let mut e = fail(shown);
            e.omitted = total - e.problems.len();
            return Err(e);
        };
        warnings.truncate(MAX_REPORTED);
        place(&mut warnings);
        Ok(Scenario {
            name: spec.name.clone(),
            seed: built.seed,
            replications: built.replications,
            sim: built.sim,
            warnings,
            origin: origin.to_string(),
            text: text.to_string(),
            spec,
            base_dir: base_dir.to_path_buf(),
            doc,
        })
    }
}

/// [`text_error`], for the text itself: a top-level key given twice is
/// said at its second line (the parser names the mapping's first line).
fn text_error_in(text: &str, origin: &str, e: (String, Option<usize>)) -> ScenarioError {
    let mut err = text_error(origin, e);
    for p in &mut err.problems {
        let top_level = !p.field.is_empty() && !p.field.contains(['.', '[']);
        if top_level && p.message.starts_with("is given twice") {
            let key = format!("{}:", p.field);
            if let Some((i, _)) = text
                .lines()
                .enumerate()
                .filter(|(_, l)| l.starts_with(&key))
                .nth(1)
            {
                p.line = Some(i + 1);
            }
        }
    }
    err
}

/// A scenario whose text cannot be read as a YAML document.
fn text_error(origin: &str, (message, line): (String, Option<usize>)) -> ScenarioError {
    let (field, message) = split_serde_message(&message);
    ScenarioError::new(
        origin,
        vec![Problem {
            field,
            line,
            message,
            severity: Severity::Error,
        }],
    )
}

/// Most problems listed for one scenario; the rest are counted. (A file
/// with thousands is most likely not a scenario at all.)
pub const MAX_REPORTED: usize = 50;

/// serde's messages (the fallback, for a file that passed `schema` and
/// still failed serde) start with the path of the offending field (`job:
/// unknown field ...`): split it off as the field, complete it with an
/// unknown or missing key's name, and put serde's words (`i64`, `a map`)
/// into the user's.
fn split_serde_message(msg: &str) -> (String, String) {
    let (mut field, rest) = match msg.split_once(": ") {
        Some((head, rest)) if !head.contains(' ') => (head.to_string(), rest.to_string()),
        _ => (String::new(), msg.to_string()),
    };
    if field == "." {
        field.clear();
    }
    let with_key = |field: &str, key: &str| {
        if field.is_empty() {
            key.to_string()
        } else {
            format!("{field}.{key}")
        }
    };
    let mut message = rest.clone();
    if let Some(after) = rest.strip_prefix("unknown field `") {
        if let Some((key, tail)) = after.split_once('`') {
            field = with_key(&field, key);
            let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
            let best = expected
                .iter()
                .map(|e| (schema::edit_distance(key, e), *e))
                .min()
                .filter(|(d, _)| *d <= 3);
            message = match best {
                Some((_, e)) => format!("unknown key `{key}`; did you mean `{e}`?"),
                None => format!(
                    "unknown key `{key}`; expected one of: {}",
                    expected.join(", ")
                ),
            };
        }
    } else if let Some((key, _)) = rest
        .strip_prefix("missing field `")
        .and_then(|a| a.split_once('`'))
    {
        field = with_key(&field, key);
        message = "is required".into();
    } else if let Some((got, expected)) = rest
        .strip_prefix("invalid type: ")
        .or_else(|| rest.strip_prefix("invalid value: "))
        .and_then(|a| a.split_once(", expected "))
    {
        message = format!(
            "must be {}, got {}",
            expected_words(expected),
            got_words(got)
        );
    } else if let Some(key) = rest.strip_prefix("duplicate entry with key ") {
        field = with_key(&field, key.trim_matches('"'));
        message = "is given twice; keep one".into();
    } else if rest.starts_with("data did not match any variant of untagged enum") {
        message = "has a value of the wrong shape; see the scenario keys in README".into();
    }
    (field, message)
}

/// serde's name of what it expected, in the user's words.
fn expected_words(e: &str) -> String {
    let integer = [
        "i8", "i16", "i32", "i64", "i128", "u8", "u16", "u32", "u64", "u128", "usize",
    ];
    if integer.contains(&e) || e == "an integer" {
        "a whole number".into()
    } else if e == "f64" || e == "f32" {
        "a number".into()
    } else if e == "a sequence" {
        "a list".into()
    } else if e == "a map" || e.starts_with("struct ") {
        "a section (key: value pairs)".into()
    } else if e == "a string" {
        "text".into()
    } else if e == "a boolean" {
        "true or false".into()
    } else {
        e.into()
    }
}

/// serde's description of what it found, in the user's words.
fn got_words(g: &str) -> String {
    let inner = |s: &str| s.trim_matches('`').to_string();
    if let Some(s) = g.strip_prefix("string ") {
        s.to_string()
    } else if let Some(s) = g
        .strip_prefix("integer ")
        .or_else(|| g.strip_prefix("floating point "))
        .or_else(|| g.strip_prefix("boolean "))
    {
        inner(s.split(" as ").next().unwrap_or(s))
    } else {
        match g {
            "sequence" => "a list".into(),
            "map" => "a section".into(),
            "unit value" => "nothing".into(),
            other => other.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_get_their_full_path_and_a_suggestion() {
        let (f, m) = split_serde_message(
            "job: unknown field `max_concurent_task_count`, expected one of `mode`, `max_concurrent_task_count`",
        );
        assert_eq!(f, "job.max_concurent_task_count");
        assert_eq!(
            m,
            "unknown key `max_concurent_task_count`; did you mean `max_concurrent_task_count`?"
        );
    }

    #[test]
    fn serde_words_become_the_users() {
        assert_eq!(
            split_serde_message("workers[0].count: invalid type: string \"ten\", expected i64"),
            (
                "workers[0].count".to_string(),
                "must be a whole number, got \"ten\"".to_string()
            )
        );
        assert_eq!(
            split_serde_message("job: invalid type: sequence, expected struct JobSpec").1,
            "must be a section (key: value pairs), got a list"
        );
        assert_eq!(
            split_serde_message("producers[0]: missing field `kind`"),
            ("producers[0].kind".to_string(), "is required".to_string())
        );
    }
}
