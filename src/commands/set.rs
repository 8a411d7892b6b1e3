//! `--set PATH=VALUE`: override scenario fields from the command line, with
//! the path grammar of `--vary` (`job.max_concurrent_task_count`,
//! `workers[0].count`, `producers[cameras].rate`). The overridden document is
//! validated like a scenario file, so a value set here gets the same checks
//! and messages as one written in the file. Every command that runs
//! simulations takes it (through [`crate::commands::common::load_for`]).

use anyhow::{anyhow, bail, Result};
use labelsim::scenario::input::{excerpt, excerpt_n};
use labelsim::scenario::paths::{OverrideError, ParamPath, ScenarioTemplate};
use labelsim::scenario::yaml::Value;
use labelsim::scenario::{LoadOptions, Problem, Scenario};

/// One parsed `--set`.
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
    pub fn parse(arg: &str) -> Result<Setting> {
        let (path, value) = arg.split_once('=').ok_or_else(|| {
            anyhow!("--set `{}`: write PATH=VALUE, e.g. `workers[team].count=9` or `job.max_concurrent_task_count=50`", excerpt(arg))
        })?;
        let path = ParamPath::parse(path).map_err(|e| anyhow!("--set: {e}"))?;
        let text = value.trim();
        if text.is_empty() {
            bail!("--set `{path}=`: no value");
        }
        let value = labelsim::scenario::yaml::value_from_arg(text);
        Ok(Setting {
            path,
            value,
            given: text.to_string(),
        })
    }

    /// `PATH=VALUE` on one line, as given: it heads the new scenario's text
    /// as a comment, which must stay one line for the text to read back as
    /// YAML (a sweep or plan builds its template from it).
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

/// `scenario` with every `--set` of `args` applied, in order, and validated.
/// Without any, the scenario is returned untouched (its text included, so
/// outputs stay byte-identical). The new scenario's text is the overridden
/// document, headed by a comment naming the overrides; its warnings are the
/// original's (with their lines) plus any the overrides brought.
pub fn apply(scenario: Scenario, args: &[String], opts: LoadOptions) -> Result<Scenario> {
    if args.is_empty() {
        return Ok(scenario);
    }
    let settings: Vec<Setting> = args
        .iter()
        .map(|a| Setting::parse(a))
        .collect::<Result<_>>()?;
    for (i, s) in settings.iter().enumerate() {
        if settings[..i].iter().any(|t| t.path == s.path) {
            return Err(anyhow!("--set `{}` is given twice", s.path));
        }
    }
    let template = ScenarioTemplate::of(&scenario, opts)?;
    // Issue 18: two spellings of one field (`workers[team].count`,
    // `workers[0].count`): the later would silently win.
    for (i, s) in settings.iter().enumerate() {
        if let Some(t) = settings[..i]
            .iter()
            .find(|t| template.overlap(&t.path, &s.path))
        {
            return Err(anyhow!(
                "--set `{}` and `{}` set the same field (or one inside the other); set it once",
                t.path,
                s.path
            ));
        }
    }
    let overrides = |ss: &[&Setting]| -> Vec<(ParamPath, Value)> {
        ss.iter()
            .map(|s| (s.path.clone(), s.value.clone()))
            .collect()
    };
    let all: Vec<&Setting> = settings.iter().collect();
    let mut patched = match template.with(&overrides(&all)) {
        Ok(s) => s,
        // The message of a path that leads nowhere names the path.
        Err(OverrideError::Path(m)) => return Err(anyhow!("--set {m}")),
        Err(e @ OverrideError::Invalid(_)) => {
            // Name the settings that make the scenario invalid on their own;
            // if none does alone, it is their combination.
            let alone: Vec<&Setting> = if all.len() > 1 {
                all.iter()
                    .copied()
                    .filter(|s| template.with(&overrides(&[s])).is_err())
                    .collect()
            } else {
                all.clone()
            };
            let blamed = if alone.is_empty() { &all } else { &alone };
            let names: Vec<String> = blamed.iter().map(|s| format!("`{}`", s.shown())).collect();
            return Err(anyhow!(
                "--set {}: the scenario {} is then invalid: {e}",
                names.join(" "),
                scenario.origin
            ));
        }
    };
    let mut warnings = scenario.warnings.clone();
    for w in &patched.warnings {
        if !warnings
            .iter()
            .any(|o| o.field == w.field && o.message == w.message)
        {
            // Its line would be one of the rewritten document, not the file's.
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
        // A sweep or plan builds its template from the overridden text: a
        // list printed as a block in the header comment broke it.
        for arg in ["output.sla=[1h,24h]", "output.sla=[1h, 24h]"] {
            let s = apply(quickstart(), &[arg.into()], LoadOptions::default()).unwrap();
            let first = s.text.lines().next().unwrap();
            assert!(first.ends_with(&format!("--set {arg}")), "{first}");
            ScenarioTemplate::of(&s, LoadOptions::default()).expect("the text reads back");
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
        assert!(
            e.starts_with("--set `job.max_concurrent_task_count=0`"),
            "{e}"
        );
        assert!(!e.contains("workers[team]"), "{e}");
    }

    #[test]
    fn no_setting_leaves_the_scenario_untouched() {
        let s = apply(quickstart(), &[], LoadOptions::default()).unwrap();
        assert_eq!(s.text, quickstart().text);
    }
}
