//! The sections commands read from a scenario: `sweep:` (what `labelsim
//! sweep` varies) and `compare:` (the policies `labelsim compare` runs side
//! by side), and a policies file (`compare --policies FILE`). Their shape is
//! checked in `schema` with every other key; here is what needs the built
//! scenario: that `sweep.metrics` are metrics this scenario reports and that
//! each `sweep.vary` path leads to a field.

use super::paths::ParamPath;
use super::spec::{PolicySpec, ScenarioSpec};
use super::yaml::{self, Value};
use super::{input, schema, Problem, ScenarioError, Severity, MAX_SCENARIO_BYTES};
use crate::model::SimConfig;
use crate::suggest::{check_metric, numeric_metric_names_for};
use std::path::Path;

/// Problems of the `sweep:` section that only the built scenario shows.
pub(super) fn check(spec: &ScenarioSpec, sim: &SimConfig, doc: &Value) -> Vec<Problem> {
    let mut problems = Vec::new();
    let Some(sweep) = &spec.sweep else {
        return problems;
    };
    let error = |field: String, message: String| Problem {
        field,
        line: None,
        message,
        severity: Severity::Error,
    };
    let known = numeric_metric_names_for(sim);
    for (i, m) in sweep.metrics.iter().flatten().enumerate() {
        if let Err(e) = check_metric(m, &known) {
            problems.push(error(format!("sweep.metrics[{i}]"), e.to_string()));
        }
    }
    for (path, _) in &sweep.vary.0 {
        // The grammar was checked in `schema`; here, where the path leads.
        let Ok(p) = ParamPath::parse(path) else {
            continue;
        };
        if let Err(e) = p.set(&mut doc.clone(), Value::Null) {
            problems.push(error("sweep.vary".into(), e.to_string()));
        }
    }
    problems
}

/// Reads a policies file (`compare --policies FILE`): a list of policies,
/// or a document with a `compare:` list. Every problem is reported at once,
/// with its line.
pub fn load_policies(path: &Path) -> Result<Vec<PolicySpec>, ScenarioError> {
    let origin = path.display().to_string();
    let fail = |field: String, line: Option<usize>, message: String| {
        ScenarioError::new(
            &origin,
            vec![Problem {
                field,
                line,
                message,
                severity: Severity::Error,
            }],
        )
    };
    // The scenario's rules for a file read: regular, bounded, never echoed.
    let bytes = input::read_input_file(path, MAX_SCENARIO_BYTES)
        .map_err(|why| fail(String::new(), None, why))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| fail(String::new(), None, "is not UTF-8 text".into()))?;
    let doc: Value =
        yaml::from_str(&text).map_err(|(message, line)| fail(String::new(), line, message))?;
    let (list, field) = match &doc {
        Value::Sequence(_) => (doc.clone(), ""),
        Value::Mapping(m) => match m.get("compare") {
            Some(v) => (v.clone(), "compare"),
            None => {
                return Err(fail(
                    String::new(),
                    None,
                    "expected a list of policies (or a `compare:` list)".into(),
                ))
            }
        },
        other => {
            return Err(fail(
                String::new(),
                None,
                format!(
                    "expected a list of policies, got {}",
                    yaml::describe_kind(other)
                ),
            ))
        }
    };
    let (problems, kept) = schema::check_policies(&list, field);
    if !problems.is_empty() {
        let locator = yaml::Locator::new(&text);
        let mut problems: Vec<Problem> = problems
            .into_iter()
            .map(|(field, message)| Problem {
                line: locator.locate(&super::paths::parse_lenient(&field)),
                field,
                message,
                severity: Severity::Error,
            })
            .collect();
        problems.sort_by_key(|p| p.line.unwrap_or(0));
        return Err(ScenarioError::new(&origin, problems));
    }
    yaml::from_value(kept).map_err(|m| fail(field.to_string(), None, m))
}

#[cfg(test)]
mod tests {
    use super::super::{LoadOptions, Scenario};
    use super::*;

    const BASE: &str = "name: x\nhorizon: 1d\nworkers:\n  - name: team\n    count: 2\n    service_time: {dist: constant, value: 1m}\n";

    /// (line, field, message) of every problem of `BASE` + `tail`.
    fn problems(tail: &str) -> Vec<(Option<usize>, String, String)> {
        let text = format!("{BASE}{tail}");
        match Scenario::from_str(&text, "s.yaml", Path::new("."), LoadOptions::default()) {
            Ok(_) => Vec::new(),
            Err(e) => e
                .problems
                .into_iter()
                .map(|p| (p.line, p.field, p.message))
                .collect(),
        }
    }

    #[test]
    fn a_valid_sweep_section_is_read_in_order() {
        let text = format!(
            "{BASE}sweep:\n  vary:\n    workers[team].count: [2, 3]\n    job.task_time_limit: 30m..1h:30m\n  samples: 4\n  metrics: [objects_labeled]\n"
        );
        let s =
            Scenario::from_str(&text, "s.yaml", Path::new("."), LoadOptions::default()).unwrap();
        let sweep = s.spec.sweep.unwrap();
        assert_eq!(
            sweep.vary.0,
            vec![
                ("workers[team].count".to_string(), "2,3".to_string()),
                ("job.task_time_limit".to_string(), "30m..1h:30m".to_string())
            ]
        );
        assert_eq!(sweep.samples, Some(4));
        assert_eq!(sweep.metrics, Some(vec!["objects_labeled".to_string()]));
    }

    #[test]
    fn every_sweep_section_problem_is_reported_with_its_line() {
        let p = problems(
            "sweep:\n  vary:\n    workers.count: [2, 3]\n  sampels: 4\n  replications: many\n  metrics:\n    - objects_labeled\n    - objects_labled\n",
        );
        assert_eq!(
            p,
            vec![
                (
                    Some(8),
                    "sweep.vary".to_string(),
                    "`workers.count`: workers is a list: use workers[0] or workers[team]"
                        .to_string()
                ),
                (
                    Some(10),
                    "sweep.sampels".to_string(),
                    "unknown key `sampels`; did you mean `samples`?".to_string()
                ),
                (
                    Some(11),
                    "sweep.replications".to_string(),
                    "must be a whole number, got \"many\"".to_string()
                ),
                (
                    Some(14),
                    "sweep.metrics[1]".to_string(),
                    "`objects_labled` is not a numeric summary metric; did you mean `objects_labeled`?"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn bad_vary_paths_and_values_are_problems_of_the_section() {
        let p = problems(
            "sweep:\n  vary:\n    workers[0.count: [1]\n    job.task_time_limit: {a: 1}\n",
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p.iter().all(|x| x.0 == Some(8) && x.1 == "sweep.vary"),
            "{p:?}"
        );
        assert!(p[0].2.contains("workers[0.count"), "{p:?}");
        assert!(
            p[1].2
                .starts_with("`job.task_time_limit`: the values must be"),
            "{p:?}"
        );
    }

    #[test]
    fn every_compare_entry_problem_is_reported_with_its_line() {
        let p = problems(
            "compare:\n  - {name: open, throttle: {policy: none}}\n  - name: open\n    throtle: {policy: none}\n  - {throttle: {policy: none}}\n  - 5\n",
        );
        assert_eq!(
            p,
            vec![
                (
                    Some(9),
                    "compare[1].name".to_string(),
                    "the name `open` is used twice (also compare[0]); each policy needs its own"
                        .to_string()
                ),
                (
                    Some(10),
                    "compare[1].throtle".to_string(),
                    "unknown key `throtle`; did you mean `throttle`?".to_string()
                ),
                (
                    Some(11),
                    "compare[2].name".to_string(),
                    "is required: each policy is named in the tables".to_string()
                ),
                (
                    Some(12),
                    "compare[3]".to_string(),
                    "must be a policy `{name: NAME, throttle: {...}, ...}`, got 5".to_string()
                ),
            ]
        );
    }

    #[test]
    fn a_policies_file_is_checked_like_the_section() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.yaml");
        std::fs::write(
            &f,
            "- {name: a, throttle: {policy: none}}\n- {name: b, jb: {}}\n",
        )
        .unwrap();
        let e = load_policies(&f).unwrap_err();
        assert_eq!(e.problems.len(), 1, "{e}");
        assert_eq!(e.problems[0].line, Some(2));
        assert_eq!(e.problems[0].field, "[1].jb");
        assert_eq!(
            e.problems[0].message,
            "unknown key `jb`; did you mean `job`?"
        );
        std::fs::write(&f, "compare:\n  - {name: a, throttle: {policy: none}}\n").unwrap();
        let p = load_policies(&f).unwrap();
        assert_eq!(p[0].name, "a");
        assert!(p[0].overrides.contains_key("throttle"));
    }
}
