//! Scenario files: YAML in, a validated [`Scenario`] out (two stages, as in
//! ripgrep's configuration): `spec` mirrors the file and checks its shape;
//! `build` resolves units and defaults and checks every R11 rule. Every
//! problem is reported with its field's dotted path and line.

mod build;
pub mod input;
pub mod paths;
pub mod spec;
pub mod units;
pub mod yaml;

pub use build::{dedup_key_is_valid, DEFAULT_START_AT, TASK_TYPES};
pub use input::{read_input_file, MAX_CSV_BYTES, MAX_SCENARIO_BYTES};

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
    pub problems: Vec<Problem>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "{} has {n} problem{}:",
            self.origin,
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            writeln!(f, "  {}", p.render(&self.origin))?;
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
    /// The shape-checked file, for `compare` and `sweep` sections.
    pub spec: spec::ScenarioSpec,
    /// Folder that relative paths inside the scenario are resolved against.
    pub base_dir: PathBuf,
}

impl Scenario {
    /// Reads and validates the scenario file at `path`: a regular file of at
    /// most [`MAX_SCENARIO_BYTES`] of UTF-8 text.
    pub fn load(path: &Path, opts: LoadOptions) -> Result<Scenario, ScenarioError> {
        let origin = path.display().to_string();
        let fail = |line: Option<usize>, message: String| ScenarioError {
            origin: origin.clone(),
            problems: vec![Problem {
                field: String::new(),
                line,
                message,
                severity: Severity::Error,
            }],
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
    pub fn from_str(
        text: &str,
        origin: &str,
        base_dir: &Path,
        opts: LoadOptions,
    ) -> Result<Scenario, ScenarioError> {
        let fail = |field: String, line: Option<usize>, message: String| ScenarioError {
            origin: origin.to_string(),
            problems: vec![Problem {
                field,
                line,
                message,
                severity: Severity::Error,
            }],
        };
        let doc: yaml::Value = yaml::from_str(text).map_err(|(message, line)| {
            let (field, message) = split_serde_message(&message);
            fail(field, line, message)
        })?;
        if !doc.is_mapping() {
            // A CSV or README opened by mistake: say so, quote nothing.
            return Err(fail(String::new(), None, format!(
                "is not a scenario: a scenario is YAML `key: value` lines such as `name: ...` and `horizon: ...`, but this file is {}",
                yaml::describe_kind(&doc)
            )));
        }
        let spec: spec::ScenarioSpec =
            yaml::from_checked_str(text).map_err(|(message, line)| {
                let (field, message) = split_serde_message(&message);
                fail(field, line, message)
            })?;
        let mut ctx = build::Ctx {
            problems: Vec::new(),
            base_dir,
        };
        let built = build::build(&spec, &mut ctx);
        let mut problems = ctx.problems;
        for p in &mut problems {
            p.line = yaml::locate(text, &yaml::parse_path(&p.field));
            if opts.lenient && p.severity == Severity::Limit {
                p.severity = Severity::Warning;
                p.message.push_str(" (allowed by --lenient)");
            }
        }
        let (errors, warnings): (Vec<Problem>, Vec<Problem>) = problems
            .into_iter()
            .partition(|p| p.severity != Severity::Warning);
        if !errors.is_empty() {
            return Err(ScenarioError {
                origin: origin.to_string(),
                problems: errors,
            });
        }
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
        })
    }
}

/// serde's messages start with the path of the offending field
/// (`job: unknown field ...`): split it off as the field, complete it with an
/// unknown key's name, and suggest the nearest valid key.
fn split_serde_message(msg: &str) -> (String, String) {
    let (mut field, rest) = match msg.split_once(": ") {
        Some((head, rest)) if !head.contains(' ') => (head.to_string(), rest.to_string()),
        _ => (String::new(), msg.to_string()),
    };
    let mut message = rest.clone();
    if let Some(after) = rest.strip_prefix("unknown field `") {
        if let Some((key, tail)) = after.split_once('`') {
            field = if field.is_empty() || field == "." {
                key.to_string()
            } else {
                format!("{field}.{key}")
            };
            let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
            let best = expected
                .iter()
                .map(|e| (edit_distance(key, e), *e))
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
    }
    (field, message)
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
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
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
