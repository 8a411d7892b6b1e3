//! Reading task durations for [`super::fit_all`]: from one column of a CSV
//! file, or from SageMaker Ground Truth's worker-response files.
//!
//! **CSV.** Cells are seconds (`312.5`) or durations with units (`5m 12s`,
//! `2m30s`); empty cells are skipped. A header row is optional: the first
//! row is a header unless every cell of it is a value. The column is the
//! one named, else the only column, else the only column whose every cell
//! is a value.
//!
//! **Worker responses.** Ground Truth writes, under
//! `annotations/worker-response/iteration-N/<object>/`, one JSON file per
//! data object: `{"answers": [{"acceptanceTime", "submissionTime",
//! "timeSpentInSeconds", "workerId", "answerContent", "workerMetadata"},
//! ...]}`, one answer per worker who labeled the object (N of them with
//! `NumberOfHumanWorkersPerDataObject` = N). Timestamps are ISO 8601
//! (`2020-12-28T18:59:15.191Z`). Also read: a file that is a single answer
//! object, or a list of answers. A folder is searched recursively for
//! `*.json` files, in name order. The duration of an answer is, by default,
//! `submissionTime − acceptanceTime`: how long the worker held the task,
//! which is what labelsim's service time is (the worker takes no other
//! task meanwhile, and `task_time_limit` counts it). The measure
//! `timeSpentInSeconds` is the active time instead (pauses left out).
//!
//! Every file is read with [`crate::scenario::input::InputFile`] (regular
//! files only, bounded size), and messages never quote more of a file than
//! a value-like cell.

use crate::scenario::input::{
    excerpt, excerpt_n, line_of, looks_like_name, looks_like_names, looks_like_value, read_limited,
    MAX_CSV_BYTES, SINGLE_NAME_CHARS,
};
use crate::scenario::units::{parse_duration, parse_instant, MAX_DURATION};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Most worker-response files read from one folder.
pub const MAX_FILES: usize = 1_000_000;

/// What was read: the durations \[s\] and, for worker responses, who did each.
#[derive(Clone, Debug)]
pub struct Durations {
    /// The file or folder, for messages and reports (bounded).
    pub origin: String,
    /// What a duration is: `column `seconds``, `submissionTime − acceptanceTime`.
    pub measure: String,
    /// Every duration \[s\], positive and finite, in file order.
    pub seconds: Vec<f64>,
    /// Per worker (in order of first appearance): the worker ID and its
    /// durations \[s\]. Empty for a CSV file.
    pub per_worker: Vec<(String, Vec<f64>)>,
    /// Files read (1 for a single file).
    pub files: usize,
    /// The CSV column's name from the header row, if the file has one
    /// (what `dist: empirical` would need).
    pub header: Option<String>,
}

/// How a worker answer's duration is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// `submissionTime − acceptanceTime` (the default).
    Held,
    /// `timeSpentInSeconds`.
    Active,
}

impl Measure {
    /// The names `column` may give for worker responses.
    pub fn from_name(name: &str) -> Option<Measure> {
        match name.trim() {
            "timeSpentInSeconds" => Some(Measure::Active),
            "submissionTime-acceptanceTime" | "held" => Some(Measure::Held),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Measure::Held => "submissionTime − acceptanceTime",
            Measure::Active => "timeSpentInSeconds",
        }
    }
}

/// Why durations could not be read. Every variant is fatal to the command.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {file}: {why}")]
    Read { file: String, why: String },
    #[error("{file} is empty: there are no durations to fit")]
    Empty { file: String },
    #[error("{file} is not a valid CSV file: {why}")]
    Csv { file: String, why: String },
    #[error("{file} has no column `{column}`{columns}")]
    NoColumn {
        file: String,
        column: String,
        /// ` (columns: a, b)` when the header looks like names, else empty.
        columns: String,
    },
    #[error("{file} has no numeric column: no column has only seconds or durations such as `2m30s` ({first_bad})")]
    NoNumericColumn {
        file: String,
        /// Where the first column's first bad cell is.
        first_bad: String,
    },
    #[error("{file} has several numeric columns ({columns}); name the one to fit")]
    SeveralNumericColumns { file: String, columns: String },
    #[error("{file} line {line}, column `{column}`: {why}")]
    BadCell {
        file: String,
        line: usize,
        column: String,
        why: String,
    },
    #[error("{at}: a duration must be a finite number, got `{value}`")]
    NonFinite { at: String, value: String },
    #[error("{file}: {count} duration{} zero or negative (the first at {first}); every task takes a positive time — remove or fix those rows", if *.count == 1 { " is" } else { "s are" })]
    NotPositive {
        file: String,
        count: usize,
        first: String,
    },
    /// Fatal: durations the scenario's clock cannot hold (below its tick of
    /// 1 µs, or over 100 years): a fit to them could not be written as a
    /// `service_time`, and their spread overflows the fitting (issue 18).
    #[error("{file}: {count} duration{} outside 1us..36525d, the range labelsim's clock holds from its tick to 100 years (the first at {first}, {value}); are the values in another unit? — remove or fix those rows", if *.count == 1 { " is" } else { "s are" })]
    OutOfRange {
        file: String,
        count: usize,
        first: String,
        value: String,
    },
    #[error("{file} is not valid JSON (line {line}, column {col}): {why}")]
    Json {
        file: String,
        line: usize,
        col: usize,
        why: String,
    },
    #[error("{at}: {why}")]
    NotWorkerResponse { at: String, why: String },
    #[error("{dir} has no .json file (worker responses are read from *.json files)")]
    NoJsonFiles { dir: String },
    #[error("{dir} has more than {MAX_FILES} .json files; point at a smaller folder")]
    TooManyFiles { dir: String },
    #[error("`{name}` is not a measure of worker responses; use `timeSpentInSeconds` (active time) or `submissionTime-acceptanceTime` (the default)")]
    UnknownMeasure { name: String },
}

fn show(path: &Path) -> String {
    excerpt_n(&path.display().to_string(), 200)
}

/// Reads durations from `path`: a CSV file, a worker-response JSON file, or
/// a folder of worker-response files. `column` names the CSV column, or the
/// measure of worker responses (see the module doc).
pub fn read(path: &Path, column: Option<&str>) -> Result<Durations, DataError> {
    let meta = std::fs::metadata(path).map_err(|e| DataError::Read {
        file: show(path),
        why: e.to_string(),
    })?;
    if meta.is_dir() {
        let measure = measure_of(column)?;
        let files = json_files(path)?;
        return read_responses(&show(path), &files, measure);
    }
    let bytes = read_limited(path, MAX_CSV_BYTES).map_err(|why| DataError::Read {
        file: show(path),
        why,
    })?;
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        None => Err(DataError::Empty { file: show(path) }),
        Some(b'{') | Some(b'[') => {
            let measure = measure_of(column)?;
            let mut d = Durations {
                origin: show(path),
                measure: measure.describe().into(),
                seconds: Vec::new(),
                per_worker: Vec::new(),
                files: 1,
                header: None,
            };
            let mut bad = BadDurations::default();
            read_response_file(path, &bytes, measure, &mut d, &mut bad, &mut HashMap::new())?;
            finish_responses(d, bad)
        }
        Some(_) => read_csv(path, &bytes, column),
    }
}

fn measure_of(column: Option<&str>) -> Result<Measure, DataError> {
    match column {
        None => Ok(Measure::Held),
        Some(c) => {
            Measure::from_name(c).ok_or_else(|| DataError::UnknownMeasure { name: excerpt(c) })
        }
    }
}

/// A cell as seconds: a number, or a duration with units. None: not a value.
/// Negative durations (`-5m`) are values, to be counted as not positive.
fn cell_seconds(cell: &str) -> Option<f64> {
    let c = cell.trim();
    if let Ok(x) = c.parse::<f64>() {
        return Some(x);
    }
    if let Some(rest) = c.strip_prefix('-') {
        return parse_duration(rest).ok().map(|d| -d.as_secs_f64());
    }
    parse_duration(c).ok().map(|d| d.as_secs_f64())
}

fn read_csv(path: &Path, bytes: &[u8], column: Option<&str>) -> Result<Durations, DataError> {
    let file = show(path);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| DataError::Csv {
            file: file.clone(),
            why: excerpt_n(&e.to_string(), 120),
        })?;
        let line = rec.position().map_or(0, |p| p.line() as usize);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((line, rec.iter().map(|c| c.to_string()).collect()));
    }
    if rows.is_empty() {
        return Err(DataError::Empty { file });
    }
    let first_is_values = rows[0]
        .1
        .iter()
        .all(|c| c.trim().is_empty() || cell_seconds(c).is_some());
    let has_header = column.is_some() || !first_is_values;
    let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let names: Vec<String> = if has_header {
        (0..width)
            .map(|i| {
                rows[0]
                    .1
                    .get(i)
                    .map_or(String::new(), |h| h.trim().to_string())
            })
            .collect()
    } else {
        (1..=width).map(|i| format!("column {i}")).collect()
    };
    // Issue 18: a first line is named in messages (and in the empirical
    // snippet) only when it reads as column names; else its columns are
    // numbered, as without a header.
    let named = has_header
        && (looks_like_names(names.iter().map(|s| s.as_str()))
            || (width == 1 && looks_like_name(&names[0], SINGLE_NAME_CHARS)));
    let shown: Vec<String> = if named {
        names.iter().map(|n| excerpt(n)).collect()
    } else {
        (1..=width).map(|i| format!("column {i}")).collect()
    };
    let data = if has_header { &rows[1..] } else { &rows[..] };
    let cell = |r: &(usize, Vec<String>), i: usize| r.1.get(i).map_or("", |c| c.trim()).to_string();
    let idx = match column {
        Some(c) => names.iter().position(|n| n == c.trim()).ok_or_else(|| {
            let columns = if looks_like_names(names.iter().map(|s| s.as_str())) {
                format!(" (columns: {})", names.join(", "))
            } else {
                String::new()
            };
            DataError::NoColumn {
                file: file.clone(),
                column: excerpt(c),
                columns,
            }
        })?,
        None if width == 1 => 0,
        None => {
            let numeric: Vec<usize> = (0..width)
                .filter(|&i| {
                    let mut any = false;
                    let all = data.iter().all(|r| {
                        let c = cell(r, i);
                        any |= !c.is_empty();
                        c.is_empty() || cell_seconds(&c).is_some()
                    });
                    all && any
                })
                .collect();
            match numeric.as_slice() {
                [one] => *one,
                [] => {
                    let first_bad = data
                        .iter()
                        .find(|r| {
                            let c = cell(r, 0);
                            !c.is_empty() && cell_seconds(&c).is_none()
                        })
                        .map_or_else(
                            || format!("column `{}` is empty", shown[0]),
                            |r| format!("e.g. line {}, column `{}`", r.0, shown[0]),
                        );
                    return Err(DataError::NoNumericColumn { file, first_bad });
                }
                many => {
                    return Err(DataError::SeveralNumericColumns {
                        file,
                        columns: many
                            .iter()
                            .map(|&i| format!("`{}`", shown[i]))
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                }
            }
        }
    };
    let column_name = shown[idx].clone();
    let mut seconds = Vec::new();
    let mut bad = BadDurations::default();
    for r in data {
        let c = cell(r, idx);
        if c.is_empty() {
            continue;
        }
        let Some(x) = cell_seconds(&c) else {
            let why = if looks_like_value(&c) {
                format!(
                    "`{}` is not a number of seconds or a duration such as `2m30s`",
                    excerpt(&c)
                )
            } else {
                format!(
                    "not a number of seconds or a duration ({} characters, not shown)",
                    c.chars().count()
                )
            };
            return Err(DataError::BadCell {
                file,
                line: r.0,
                column: column_name,
                why,
            });
        };
        if !x.is_finite() {
            return Err(DataError::NonFinite {
                at: format!("{file} line {}, column `{column_name}`", r.0),
                value: excerpt(&c),
            });
        }
        if bad.check(x, || format!("line {}", r.0)) {
            continue;
        }
        seconds.push(x);
    }
    if let Some(e) = bad.error(&file) {
        return Err(e);
    }
    if seconds.is_empty() {
        return Err(DataError::Empty { file });
    }
    Ok(Durations {
        origin: file,
        measure: format!("column `{column_name}`"),
        seconds,
        per_worker: Vec::new(),
        files: 1,
        header: named.then(|| names[idx].clone()),
    })
}

/// Durations that were zero or negative, and those outside the clock's
/// range: how many, and where the first was.
#[derive(Default)]
struct BadDurations {
    count: usize,
    first: Option<String>,
    out_of_range: usize,
    first_out_of_range: Option<(String, f64)>,
}

/// The shortest and longest durations `fit` reads \[s\]: the clock's tick,
/// and the longest time a scenario accepts.
pub const SHORTEST_S: f64 = 1e-6;
pub const LONGEST_S: f64 = MAX_DURATION.as_micros() as f64 / 1e6;

impl BadDurations {
    /// Notes `x` [s] if it is not positive or out of range; true if so.
    fn check(&mut self, x: f64, at: impl FnOnce() -> String) -> bool {
        if x <= 0.0 {
            self.count += 1;
            if self.first.is_none() {
                self.first = Some(at());
            }
        } else if !(SHORTEST_S..=LONGEST_S).contains(&x) {
            self.out_of_range += 1;
            if self.first_out_of_range.is_none() {
                self.first_out_of_range = Some((at(), x));
            }
        } else {
            return false;
        }
        true
    }

    /// The error for what was noted, if anything: non-positive first.
    fn error(self, file: &str) -> Option<DataError> {
        if let Some(first) = self.first {
            return Some(DataError::NotPositive {
                file: file.to_string(),
                count: self.count,
                first,
            });
        }
        self.first_out_of_range
            .map(|(first, x)| DataError::OutOfRange {
                file: file.to_string(),
                count: self.out_of_range,
                first,
                value: format!("{x:e} s"),
            })
    }
}

/// labelsim's own JSON outputs (`fit DIR --out DIR` writes fit.json into
/// the folder it reads): never worker responses, so a later `fit DIR` skips
/// them instead of failing on them (issue 18).
const OWN_OUTPUTS: [&str; 7] = [
    ".labelsim-manifest.json",
    "fit.json",
    "summary.json",
    "timing.json",
    "plan.json",
    "sweep.json",
    "staff.json",
];

fn is_labelsim_output(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| OWN_OUTPUTS.contains(&n) || n == crate::output::MANIFEST_FILE)
}

/// Every `*.json` file under `dir`, recursively, sorted by path, except
/// labelsim's own outputs ([`OWN_OUTPUTS`]). Links are
/// not followed (no loops, nothing outside the folder).
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| DataError::Read {
            file: show(&d),
            why: e.to_string(),
        })?;
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            let p = e.path();
            if t.is_dir() {
                // A command's staging folder holds its outputs, not data.
                if !p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(".labelsim-staging-"))
                {
                    stack.push(p);
                }
            } else if t.is_file()
                && p.extension().is_some_and(|x| x == "json")
                && !is_labelsim_output(&p)
            {
                out.push(p);
                if out.len() > MAX_FILES {
                    return Err(DataError::TooManyFiles { dir: show(dir) });
                }
            }
        }
    }
    if out.is_empty() {
        return Err(DataError::NoJsonFiles { dir: show(dir) });
    }
    out.sort();
    Ok(out)
}

fn read_responses(
    origin: &str,
    files: &[PathBuf],
    measure: Measure,
) -> Result<Durations, DataError> {
    let mut d = Durations {
        origin: origin.to_string(),
        measure: measure.describe().into(),
        seconds: Vec::new(),
        per_worker: Vec::new(),
        files: files.len(),
        header: None,
    };
    let mut bad = BadDurations::default();
    let mut index = HashMap::new();
    for f in files {
        let bytes =
            read_limited(f, MAX_CSV_BYTES).map_err(|why| DataError::Read { file: show(f), why })?;
        read_response_file(f, &bytes, measure, &mut d, &mut bad, &mut index)?;
    }
    finish_responses(d, bad)
}

fn finish_responses(d: Durations, bad: BadDurations) -> Result<Durations, DataError> {
    if let Some(e) = bad.error(&d.origin) {
        return Err(e);
    }
    if d.seconds.is_empty() {
        return Err(DataError::Empty { file: d.origin });
    }
    Ok(d)
}

/// Line of the `k`-th (0-based) occurrence of `"key"` in `bytes`, if any:
/// where answer k starts, near enough for a message.
fn line_of_key(bytes: &[u8], key: &str, k: usize) -> Option<usize> {
    let pat = format!("\"{key}\"");
    let pat = pat.as_bytes();
    bytes
        .windows(pat.len())
        .enumerate()
        .filter(|(_, w)| *w == pat)
        .nth(k)
        .map(|(i, _)| line_of(bytes, i))
}

fn read_response_file(
    path: &Path,
    bytes: &[u8],
    measure: Measure,
    d: &mut Durations,
    bad: &mut BadDurations,
    // Worker ID → its place in `d.per_worker`.
    index: &mut HashMap<String, usize>,
) -> Result<(), DataError> {
    use serde_json::Value;
    let file = show(path);
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| DataError::Json {
        file: file.clone(),
        line: e.line(),
        col: e.column(),
        why: excerpt_n(&e.to_string(), 120),
    })?;
    let not_response = |why: &str| DataError::NotWorkerResponse {
        at: file.clone(),
        why: why.to_string(),
    };
    let answers: Vec<&Value> = match &doc {
        Value::Object(o) => match o.get("answers") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(_) => return Err(not_response("`answers` is not a list")),
            None if o.contains_key("acceptanceTime") || o.contains_key("timeSpentInSeconds") => {
                vec![&doc]
            }
            None => {
                return Err(not_response(
                    "not a worker response: no `answers` list and no `acceptanceTime`",
                ))
            }
        },
        Value::Array(a) => a.iter().collect(),
        _ => {
            return Err(not_response(
                "not a worker response (neither an object nor a list)",
            ))
        }
    };
    let key = match measure {
        Measure::Held => "submissionTime",
        Measure::Active => "timeSpentInSeconds",
    };
    for (i, a) in answers.iter().enumerate() {
        let at = || match line_of_key(bytes, key, i) {
            Some(line) => format!("{file} line {line} (answer {})", i + 1),
            None => format!("{file} (answer {})", i + 1),
        };
        let field = |name: &str| -> Result<&Value, DataError> {
            a.get(name).ok_or_else(|| DataError::NotWorkerResponse {
                at: at(),
                why: format!("no `{name}`"),
            })
        };
        let instant = |name: &str| -> Result<i64, DataError> {
            let v = field(name)?;
            let s = v.as_str().ok_or_else(|| DataError::NotWorkerResponse {
                at: at(),
                why: format!("`{name}` is not a timestamp string"),
            })?;
            parse_instant(s).map_err(|why| DataError::NotWorkerResponse {
                at: at(),
                why: format!("`{name}`: {why}"),
            })
        };
        let x = match measure {
            Measure::Held => (instant("submissionTime")? - instant("acceptanceTime")?) as f64 / 1e6,
            Measure::Active => field("timeSpentInSeconds")?.as_f64().ok_or_else(|| {
                DataError::NotWorkerResponse {
                    at: at(),
                    why: "`timeSpentInSeconds` is not a number".into(),
                }
            })?,
        };
        if !x.is_finite() {
            return Err(DataError::NonFinite {
                at: at(),
                value: format!("{x}"),
            });
        }
        if bad.check(x, at) {
            continue;
        }
        d.seconds.push(x);
        if let Some(w) = a.get("workerId").and_then(|w| w.as_str()) {
            match index.get(w) {
                Some(&i) => d.per_worker[i].1.push(x),
                None => {
                    index.insert(w.to_string(), d.per_worker.len());
                    d.per_worker.push((w.to_string(), vec![x]));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str, column: Option<&str>) -> Result<Durations, DataError> {
        read_csv(Path::new("t.csv"), text.as_bytes(), column)
    }

    #[test]
    fn csv_with_or_without_a_header_and_with_units() {
        let d = csv("seconds\n10\n2m30s\n\n1h\n", None).unwrap();
        assert_eq!(d.seconds, vec![10.0, 150.0, 3600.0]);
        assert_eq!(d.measure, "column `seconds`");
        let d = csv("10\n20.5\n", None).unwrap();
        assert_eq!(d.seconds, vec![10.0, 20.5]);
        let d = csv("id,worker,t\na,w1,5\nb,w2,6\n", None).unwrap();
        assert_eq!(d.seconds, vec![5.0, 6.0]);
        let d = csv("a,b\n1,2\n3,4\n", Some("b")).unwrap();
        assert_eq!(d.seconds, vec![2.0, 4.0]);
    }

    #[test]
    fn csv_errors_name_the_file_and_line() {
        let e = csv("t\n5\n0\n-3\n7\n-1m\n", None).unwrap_err();
        assert_eq!(
            e,
            DataError::NotPositive {
                file: "t.csv".into(),
                count: 3,
                first: "line 3".into()
            }
        );
        assert!(e.to_string().contains("3 durations are zero or negative"));
        let e = csv("t\n5\nnan\n", None).unwrap_err();
        assert!(e.to_string().contains("t.csv line 3"), "{e}");
        let e = csv("t\n5\nabc\n", None).unwrap_err();
        assert!(matches!(e, DataError::BadCell { line: 3, .. }), "{e:?}");
        assert!(matches!(
            csv("a,b\nx,y\n", None).unwrap_err(),
            DataError::NoNumericColumn { .. }
        ));
        assert!(matches!(
            csv("a,b\n1,2\n", None).unwrap_err(),
            DataError::SeveralNumericColumns { .. }
        ));
        assert!(matches!(
            csv("a,b\n1,2\n", Some("c")).unwrap_err(),
            DataError::NoColumn { .. }
        ));
        assert!(matches!(
            csv("t\n", None).unwrap_err(),
            DataError::Empty { .. }
        ));
    }

    #[test]
    fn answers_in_every_layout() {
        let one = r#"{"acceptanceTime": "2020-12-28T18:59:15.191Z",
            "submissionTime": "2020-12-28T18:59:58.321Z",
            "timeSpentInSeconds": 40.543, "workerId": "a"}"#;
        let many = format!(r#"{{"answers": [{one}, {one}]}}"#);
        let list = format!("[{one}]");
        for (text, n) in [(one.to_string(), 1), (many, 2), (list, 1)] {
            let mut d = Durations {
                origin: String::new(),
                measure: String::new(),
                seconds: vec![],
                per_worker: vec![],
                files: 1,
                header: None,
            };
            let mut bad = BadDurations::default();
            read_response_file(
                Path::new("r.json"),
                text.as_bytes(),
                Measure::Held,
                &mut d,
                &mut bad,
                &mut HashMap::new(),
            )
            .unwrap();
            assert_eq!(d.seconds.len(), n);
            assert!((d.seconds[0] - 43.13).abs() < 1e-9);
            assert_eq!(d.per_worker[0].1.len(), n);
            let mut d2 = d.clone();
            d2.seconds.clear();
            read_response_file(
                Path::new("r.json"),
                text.as_bytes(),
                Measure::Active,
                &mut d2,
                &mut bad,
                &mut HashMap::new(),
            )
            .unwrap();
            assert_eq!(d2.seconds[0], 40.543);
        }
    }
}
