//! What `--set PATH=VALUE` means: scenario fields overridden from the
//! command line, with the path grammar of `--vary` (`paths`). The settings
//! are applied, in order, to a clone of the scenario's parsed document
//! (`Scenario::doc`), which is then validated like a scenario file, so a
//! value set here gets the same checks and messages as one written in the
//! file; nothing is parsed again (issue 19).
//!
//! Messages name no flag: the command adds `--set`.

use super::input::{excerpt, excerpt_n};
use super::paths::{OverrideError, ParamPath, PathError, ScenarioTemplate};
use super::yaml::{self, Value};
use super::{LoadOptions, Problem, Scenario};
use std::fmt;

/// One parsed setting.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub path: ParamPath,
    pub value: Value,
    /// VALUE as given, for the header comment of the new scenario's text.
    given: String,
}

impl Setting {
    /// Parses `PATH=VALUE`; VALUE is read as YAML (`9`, `2h`, `80/h`,
    /// `{dist: constant, value: 1m}`), and taken as text if it is not YAML.
    pub fn parse(arg: &str) -> Result<Setting, SetError> {
        let (path, value) = arg
            .split_once('=')
            .ok_or_else(|| SetError::NotPathValue(excerpt(arg)))?;
        let path = ParamPath::parse(path).map_err(SetError::Syntax)?;
        let text = value.trim();
        if text.is_empty() {
            return Err(SetError::NoValue(path));
        }
        Ok(Setting {
            path,
            value: yaml::value_from_arg(text),
            given: text.to_string(),
        })
    }

    /// `PATH=VALUE` on one line, as given: it heads the new scenario's text
    /// as a comment, which must stay one line for the text to read as YAML.
    fn text(&self) -> String {
        let one_line: Vec<&str> = self.given.split_whitespace().collect();
        format!("{}={}", self.path, one_line.join(" "))
    }

    /// [`Setting::text`] for a message: a long value cut with an ellipsis
    /// (issue 18: a value of 10,000 characters was echoed whole).
    fn shown(&self) -> String {
        excerpt_n(&self.text(), 120)
    }
}

/// Why the settings cannot be applied. `Display` names no flag.
#[derive(Debug)]
pub enum SetError {
    /// Not `PATH=VALUE` (the argument, shortened).
    NotPathValue(String),
    /// PATH is not a path by the grammar.
    Syntax(PathError),
    /// `PATH=` with nothing after it.
    NoValue(ParamPath),
    /// The same path given twice.
    Twice(ParamPath),
    /// Two spellings of one field, or one field inside the other.
    Overlap(ParamPath, ParamPath),
    /// The scenario cannot serve as a template (see `ScenarioTemplate::of`).
    Template(PathError),
    /// A path that leads nowhere in this scenario.
    LeadsNowhere(Box<PathError>),
    /// Several of the above, one per setting at fault (every problem at
    /// once); never empty.
    Many(Vec<SetError>),
    /// The scenario with the settings is invalid: the settings to blame
    /// (those that are invalid alone, else all), shown as given.
    Invalid {
        blamed: Vec<String>,
        origin: String,
        error: OverrideError,
    },
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetError::NotPathValue(arg) => write!(f, "`{arg}`: write PATH=VALUE, e.g. `workers[team].count=9` or `job.max_concurrent_task_count=50`"),
            SetError::Syntax(e) => e.fmt(f),
            SetError::NoValue(path) => write!(f, "`{path}=`: no value"),
            SetError::Twice(path) => write!(f, "`{path}` is given twice"),
            SetError::Overlap(a, b) => write!(
                f,
                "`{a}` and `{b}` set the same field (or one inside the other); set it once"
            ),
            SetError::Template(e) => e.fmt(f),
            SetError::LeadsNowhere(e) => e.fmt(f),
            SetError::Many(errors) => {
                let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                write!(f, "{} problems:\n  {}", errors.len(), lines.join("\n  "))
            }
            SetError::Invalid {
                blamed,
                origin,
                error,
            } => {
                let names: Vec<String> = blamed.iter().map(|s| format!("`{s}`")).collect();
                write!(
                    f,
                    "{}: the scenario {origin} is then invalid: {error}",
                    names.join(" ")
                )
            }
        }
    }
}

impl std::error::Error for SetError {}

/// Every problem of `settings` on `template` (some were found already:
/// `problems`): each path that leads nowhere alone, then the usable
/// settings together (two may be valid only together); where those make
/// the scenario invalid, the settings invalid on their own are named, each
/// with its problem, else their combination.
fn every_problem(
    template: &ScenarioTemplate,
    settings: &[Setting],
    mut problems: Vec<SetError>,
    origin: &str,
) -> SetError {
    let overrides = |ss: &[&Setting]| -> Vec<(ParamPath, Value)> {
        ss.iter()
            .map(|s| (s.path.clone(), s.value.clone()))
            .collect()
    };
    let mut usable: Vec<&Setting> = Vec::new();
    for s in settings {
        match template.with(&overrides(&[s])) {
            Err(OverrideError::Path(m)) => problems.push(SetError::LeadsNowhere(m)),
            _ => usable.push(s),
        }
    }
    let invalid = |s: &[&Setting], error: OverrideError| SetError::Invalid {
        blamed: s.iter().map(|s| s.shown()).collect(),
        origin: origin.to_string(),
        error,
    };
    if !usable.is_empty() {
        match template.with(&overrides(&usable)) {
            Ok(_) => {}
            // A path that leads nowhere once the others are applied.
            Err(OverrideError::Path(m)) => problems.push(SetError::LeadsNowhere(m)),
            Err(error) => {
                let alone: Vec<SetError> = if usable.len() > 1 {
                    usable
                        .iter()
                        .filter_map(|s| {
                            let e = template.with(&overrides(&[s])).err()?;
                            Some(invalid(&[s], e))
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                if alone.is_empty() {
                    problems.push(invalid(&usable, error));
                } else {
                    problems.extend(alone);
                }
            }
        }
    }
    one_or_many(problems)
}

/// The one problem, or all of them (never called with none).
fn one_or_many(mut problems: Vec<SetError>) -> SetError {
    if problems.len() == 1 {
        problems.remove(0)
    } else {
        SetError::Many(problems)
    }
}

/// `scenario` with the settings `args` (`PATH=VALUE` each) applied, in
/// order, and validated. Without any, the scenario is returned untouched
/// (its text included, so outputs stay byte-identical). The new scenario's
/// text is the overridden document written out, headed by a comment naming
/// the settings; its warnings are the original's (with their lines) plus
/// any the settings brought (without lines: theirs would be of the written
/// document, not the file).
pub fn apply(scenario: Scenario, args: &[String], opts: LoadOptions) -> Result<Scenario, SetError> {
    if args.is_empty() {
        return Ok(scenario);
    }
    // Every setting's own problems at once: its syntax, a path given
    // twice or overlapping another, a path that leads nowhere.
    let mut problems: Vec<SetError> = Vec::new();
    let mut settings: Vec<Setting> = Vec::new();
    for a in args {
        match Setting::parse(a) {
            Ok(s) => settings.push(s),
            Err(e) => problems.push(e),
        }
    }
    for (i, s) in settings.iter().enumerate() {
        if settings[..i].iter().any(|t| t.path == s.path) {
            problems.push(SetError::Twice(s.path.clone()));
        }
    }
    let template = ScenarioTemplate::of(&scenario, opts).map_err(SetError::Template)?;
    // Issue 18: two spellings of one field (`workers[team].count`,
    // `workers[0].count`): the later would silently win.
    for (i, s) in settings.iter().enumerate() {
        if let Some(t) = settings[..i]
            .iter()
            .find(|t| t.path != s.path && template.overlap(&t.path, &s.path))
        {
            problems.push(SetError::Overlap(t.path.clone(), s.path.clone()));
        }
    }
    let overrides = |ss: &[&Setting]| -> Vec<(ParamPath, Value)> {
        ss.iter()
            .map(|s| (s.path.clone(), s.value.clone()))
            .collect()
    };
    // All together, once: the usual case. Only where something is wrong
    // is each setting tried alone, to name every problem.
    let all: Vec<&Setting> = settings.iter().collect();
    let mut patched = match problems.is_empty().then(|| template.with(&overrides(&all))) {
        Some(Ok(patched)) => patched,
        _ => {
            return Err(every_problem(
                &template,
                &settings,
                problems,
                &scenario.origin,
            ))
        }
    };
    let mut warnings = scenario.warnings.clone();
    for w in &patched.warnings {
        if !warnings
            .iter()
            .any(|o| o.field == w.field && o.message == w.message)
        {
            warnings.push(Problem {
                line: None,
                ..w.clone()
            });
        }
    }
    patched.warnings = warnings;
    let names: Vec<String> = settings
        .iter()
        .map(|s| format!("--set {}", s.text()))
        .collect();
    patched.text = format!(
        "# {} with {}\n{}",
        scenario.origin,
        names.join(" "),
        patched.text
    );
    Ok(patched)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::BUNDLED_QUICKSTART;

    /// The bundled quick-start (as `q.yaml`) with the settings `args`.
    fn on_quickstart(args: &[&str]) -> Result<Scenario, SetError> {
        let scenario = Scenario::from_str(
            BUNDLED_QUICKSTART,
            "q.yaml",
            std::path::Path::new("."),
            LoadOptions::default(),
        )
        .unwrap();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        apply(scenario, &args, LoadOptions::default())
    }

    /// Every setting's problem is named at once, one a line: a bad
    /// PATH=VALUE, and each path that leads nowhere.
    #[test]
    fn every_bad_setting_is_named_at_once() {
        let e = on_quickstart(&[
            "horizon",
            "workers[tema].count=3",
            "job.max_concurent_task_count=5",
            "horizon=2d",
        ])
        .unwrap_err();
        let text = e.to_string();
        assert!(matches!(&e, SetError::Many(v) if v.len() == 3), "{text}");
        assert!(
            text.starts_with("3 problems:\n  `horizon`: write PATH=VALUE"),
            "{text}"
        );
        assert!(
            text.contains("\n  `workers[tema].count`: no item named `tema`"),
            "{text}"
        );
        assert!(
            text.contains(
                "\n  `job.max_concurent_task_count=5`: the scenario q.yaml is then invalid"
            ),
            "{text}"
        );
    }

    /// Two settings valid only together (a batch job fed by a manifest)
    /// are applied; each alone would be refused.
    #[test]
    fn settings_valid_only_together_are_applied() {
        let s = on_quickstart(&[
            "job.mode=batch",
            "producers[cameras]={name: cameras, kind: manifest, count: 100}",
        ])
        .expect("valid together");
        assert!(s.text.contains("manifest"));
    }

    #[test]
    fn values_are_yaml() {
        let s = Setting::parse("workers[team].count=9").unwrap();
        assert_eq!(s.path.to_string(), "workers[team].count");
        assert_eq!(s.value, Value::from(9));
        let s = Setting::parse("job.task_time_limit=2h").unwrap();
        assert_eq!(s.value, Value::from("2h"));
        let s = Setting::parse("workers[0].service_time={dist: constant, value: 1m}").unwrap();
        assert!(s.value.is_mapping());
        assert!(Setting::parse("workers[0].count")
            .unwrap_err()
            .to_string()
            .contains("PATH=VALUE"));
        assert!(Setting::parse("workers[0].count=")
            .unwrap_err()
            .to_string()
            .contains("no value"));
    }

    fn quickstart() -> Scenario {
        Scenario::bundled()
    }

    #[test]
    fn a_list_value_keeps_the_header_on_one_line_so_the_text_reads_back() {
        // The overridden text is echoed in reports: a list printed as a
        // block in the header comment made it unreadable as YAML.
        for arg in ["output.sla=[1h,24h]", "output.sla=[1h, 24h]"] {
            let s = apply(quickstart(), &[arg.into()], LoadOptions::default()).unwrap();
            let first = s.text.lines().next().unwrap();
            assert!(first.ends_with(&format!("--set {arg}")), "{first}");
            assert_eq!(yaml::parse(&s.text).expect("the text reads back"), s.doc);
            assert_eq!(s.sim.sla.len(), 2);
        }
    }

    #[test]
    fn overrides_apply_and_name_the_path_when_they_fail() {
        let s = apply(
            quickstart(),
            &[
                "workers[team].count=12".into(),
                "job.max_concurrent_task_count=50".into(),
            ],
            LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(s.sim.total_workers(), 12);
        assert_eq!(s.sim.job.max_concurrent_task_count, 50);
        assert!(s
            .text
            .starts_with("# <bundled quickstart> with --set workers[team].count=12"));
        let e = apply(
            quickstart(),
            &["workers[night].count=3".into()],
            LoadOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("workers[night].count") && e.contains("no item named `night`"),
            "{e}"
        );
        let e = apply(
            quickstart(),
            &[
                "workers[team].count=12".into(),
                "job.max_concurrent_task_count=0".into(),
            ],
            LoadOptions::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("`job.max_concurrent_task_count=0`"), "{e}");
        assert!(!e.contains("workers[team]"), "{e}");
    }

    #[test]
    fn a_run_with_set_parses_the_scenario_once() {
        // Issue 19: the settings apply to the parsed document.
        let before = yaml::parses();
        let s = Scenario::bundled();
        let s = apply(
            s,
            &[
                "workers[team].count=12".into(),
                "job.max_concurrent_task_count=0".into(),
            ],
            LoadOptions::default(),
        );
        assert!(s.is_err(), "blames the one setting");
        let s = apply(
            Scenario::bundled(),
            &["workers[team].count=12".into()],
            LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(s.sim.total_workers(), 12);
        assert_eq!(yaml::parses() - before, 2, "one per load, none per setting");
    }

    #[test]
    fn a_text_field_written_as_a_number_keeps_its_text() {
        // `name: 1.50` is read from the text as `1.50` (the parsed number
        // would say `1.5`): that reading, at the cost of a second parse.
        let text = BUNDLED_QUICKSTART.replacen("name: quickstart", "name: 1.50", 1);
        assert_ne!(text, BUNDLED_QUICKSTART);
        let before = yaml::parses();
        let s = Scenario::from_str(
            &text,
            "n.yaml",
            std::path::Path::new("."),
            LoadOptions::default(),
        )
        .unwrap();
        assert_eq!(s.name, "1.50");
        assert_eq!(yaml::parses() - before, 2);
    }

    #[test]
    fn no_setting_leaves_the_scenario_untouched() {
        let s = apply(quickstart(), &[], LoadOptions::default()).unwrap();
        assert_eq!(s.text, quickstart().text);
    }
}
