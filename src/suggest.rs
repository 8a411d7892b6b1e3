//! "Did you mean" hints for misspelt names: the nearest known names by edit
//! distance, instead of a list of fifty. Used for metric names (`sweep
//! --metric`, `compare --metric`, `plan --target`, `sweep.metrics`); scenario
//! keys have their own, stricter hint in `scenario::schema`.

use crate::model::{RunSummary, SimConfig};
use std::fmt;

/// Levenshtein distance (characters, `strsim`), for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    // Keys are short; a long one is no misspelling of them (and the
    // distance's cost grows with the product of the lengths).
    if a.len() > 4 * b.len() + 8 {
        return usize::MAX;
    }
    strsim::levenshtein(a, b)
}

/// Where the metric names are listed, for a name with no near match.
pub const METRICS_LISTED: &str = "docs/model.md (Metrics) and summary.json";

/// A metric name that is not one of a scenario's numeric summary metrics.
/// Fatal for the command that was given it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownMetric {
    pub name: String,
    /// The nearest known names (at most three; none when nothing is near).
    pub nearest: Vec<String>,
}

impl fmt::Display for UnknownMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let near: Vec<&str> = self.nearest.iter().map(String::as_str).collect();
        write!(
            f,
            "`{}` is not a numeric summary metric{}",
            self.name,
            hint(&near, METRICS_LISTED)
        )
    }
}

impl std::error::Error for UnknownMetric {}

/// Numeric summary metrics of a scenario: the fixed ones, its service
/// levels and its pipeline's (valid in targets, `--metric` and
/// `sweep.metrics`).
pub fn numeric_metric_names_for(cfg: &SimConfig) -> Vec<&'static str> {
    RunSummary::metric_names_for_config(cfg)
        .into_iter()
        .filter(|m| *m != crate::model::catalog::JOB_END_STATE)
        .collect()
}

/// `name` if it is one of `known`, else the error with the nearest names.
pub fn check_metric(name: &str, known: &[&str]) -> Result<(), UnknownMetric> {
    if known.contains(&name) {
        return Ok(());
    }
    Err(UnknownMetric {
        name: name.to_string(),
        nearest: nearest(name, known)
            .into_iter()
            .map(str::to_string)
            .collect(),
    })
}

/// The known names closest to `name`, at most three: those at the smallest
/// edit distance if it is small for the name's length (at most 3, or a
/// third of it); else those that contain `name`, are contained in it, or
/// have all its words (between `_`); else those with a word within 2 edits
/// of `name`.
pub fn nearest<'a>(name: &str, known: &[&'a str]) -> Vec<&'a str> {
    let lower = name.to_ascii_lowercase();
    let closest = |dist: &dyn Fn(&str) -> usize, limit: usize| -> Vec<&'a str> {
        let Some(best) = known.iter().map(|k| dist(k)).min().filter(|d| *d <= limit) else {
            return Vec::new();
        };
        known.iter().copied().filter(|k| dist(k) == best).collect()
    };
    let mut out = closest(
        &|k: &str| edit_distance(&lower, k),
        (lower.chars().count() / 3).max(3),
    );
    if out.is_empty() && lower.len() >= 3 {
        let words: Vec<&str> = lower.split('_').filter(|w| !w.is_empty()).collect();
        out = known
            .iter()
            .copied()
            .filter(|k| {
                k.contains(&lower)
                    || lower.contains(*k)
                    || words.iter().all(|w| k.split('_').any(|kw| kw == *w))
            })
            .collect();
    }
    if out.is_empty() && lower.len() >= 3 {
        let word_distance = |k: &str| {
            k.split('_')
                .map(|w| edit_distance(&lower, w))
                .min()
                .unwrap_or(usize::MAX)
        };
        out = closest(&word_distance, 2);
    }
    out.truncate(3);
    out
}

/// The end of an "unknown name" message: `; did you mean `x`?` or a pointer
/// to where the names are listed.
pub fn did_you_mean(name: &str, known: &[&str], listed_where: &str) -> String {
    hint(&nearest(name, known), listed_where)
}

fn hint(near: &[&str], listed_where: &str) -> String {
    match near {
        [] => format!("; the names are listed in {listed_where}"),
        [one] => format!("; did you mean `{one}`?"),
        many => {
            let quoted: Vec<String> = many.iter().map(|m| format!("`{m}`")).collect();
            format!("; did you mean one of {}?", quoted.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: &[&str] = &[
        "objects_labeled",
        "objects_failed",
        "time_to_label_p95_s",
        "time_to_label_p99_s",
        "cost_usd",
        "cost_per_labeled_object",
        "expired_in_queue",
    ];

    #[test]
    fn a_typo_gets_the_nearest_name() {
        assert_eq!(nearest("objects_labled", KNOWN), vec!["objects_labeled"]);
        assert_eq!(nearest("expired_in_qeue", KNOWN), vec!["expired_in_queue"]);
        assert_eq!(
            nearest("time_to_label_p90_s", KNOWN),
            vec!["time_to_label_p95_s", "time_to_label_p99_s"]
        );
    }

    #[test]
    fn a_fragment_gets_the_names_containing_it() {
        assert_eq!(
            nearest("cost_per_object", KNOWN),
            vec!["cost_per_labeled_object"]
        );
        assert_eq!(nearest("p99", KNOWN), vec!["time_to_label_p99_s"]);
        assert!(nearest("zzzzzzzzzzzz", KNOWN).is_empty());
    }

    #[test]
    fn the_hint_never_lists_everything() {
        let h = did_you_mean("labled", KNOWN, "docs/model.md");
        assert_eq!(
            h,
            "; did you mean one of `objects_labeled`, `cost_per_labeled_object`?"
        );
        let h = did_you_mean("qqqqqqqqqqqqqqq", KNOWN, "docs/model.md");
        assert_eq!(h, "; the names are listed in docs/model.md");
    }

    #[test]
    fn an_unknown_metric_names_the_nearest_not_the_whole_list() {
        let e = check_metric("objects_labled", KNOWN).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`objects_labled` is not a numeric summary metric; did you mean `objects_labeled`?"
        );
        let e = check_metric("zzzzzzzzzzzzzzz", KNOWN).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`zzzzzzzzzzzzzzz` is not a numeric summary metric; the names are listed in docs/model.md (Metrics) and summary.json"
        );
        assert!(check_metric("cost_usd", KNOWN).is_ok());
    }
}
