//! The one place that touches the YAML library. `serde_yaml` is marked
//! deprecated upstream; a maintained fork with the same API (e.g.
//! `serde_yml`) replaces it by changing the `use` below.
//!
//! Also a line locator: serde's values carry no positions, so semantic
//! errors find their field's line by walking the source text's block
//! structure (mappings, `- ` list items, inline `{...}` flow mappings).

use super::input::{excerpt, excerpt_n};
use serde::de::DeserializeOwned;
use serde_yaml as yaml_impl;

/// A YAML document or node, as parsed (no positions).
pub use serde_yaml::{Mapping, Value};

/// What kind of node `v` is, in words (`a list`, `text`), never its content.
pub fn describe_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a true/false value",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a section (key: value pairs)",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Parses `text` into `T`; on error returns the message and 1-based line.
/// The message quotes the input only in bounded excerpts ([`bound_quotes`]).
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, (String, Option<usize>)> {
    yaml_impl::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        // serde_yaml appends " at line L column C"; we print the line ourselves.
        let msg = e.to_string();
        let msg = match msg.find(" at line ") {
            Some(i) => msg[..i].to_string(),
            None => msg,
        };
        (bound_quotes(&msg), line)
    })
}

/// serde's messages quote the offending value in full (`invalid type: string
/// "...the whole file..."`): cut every quoted part (`"..."` or `` `...` ``)
/// to a bounded excerpt, and the message itself to a few lines' worth.
pub fn bound_quotes(msg: &str) -> String {
    const MAX_MESSAGE_CHARS: usize = 300;
    let mut out = String::new();
    let mut chars = msg.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '"' && c != '`' {
            out.push(c);
            continue;
        }
        let mut quoted = String::new();
        let mut closed = false;
        while let Some(q) = chars.next() {
            if q == c {
                closed = true;
                break;
            }
            quoted.push(q);
            if c == '"' && q == '\\' {
                if let Some(escaped) = chars.next() {
                    quoted.push(escaped);
                }
            }
        }
        out.push(c);
        out.push_str(&excerpt(&quoted));
        if closed {
            out.push(c);
        }
    }
    excerpt_n(&out, MAX_MESSAGE_CHARS)
}

/// One step of a field path: a mapping key or a list index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// Splits `workers[0].service_time.mean` into segments.
pub fn parse_path(path: &str) -> Vec<Seg> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(Seg::Key(rest[..i].to_string()));
            }
            rest = &rest[i..];
            while let Some(stripped) = rest.strip_prefix('[') {
                let close = stripped.find(']').unwrap_or(stripped.len());
                if let Ok(n) = stripped[..close].parse() {
                    out.push(Seg::Index(n));
                }
                rest = stripped.get(close + 1..).unwrap_or("");
            }
        } else if !rest.is_empty() {
            out.push(Seg::Key(rest.to_string()));
        }
    }
    out
}

struct Line<'a> {
    /// Column where the line's mapping content starts (after any `- `).
    indent: usize,
    /// Column of a leading `- `, if any.
    dash: Option<usize>,
    content: &'a str,
}

fn lines(text: &str) -> Vec<Option<Line<'_>>> {
    text.lines()
        .map(|raw| {
            let trimmed = raw.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                return None;
            }
            let mut indent = raw.len() - trimmed.len();
            let mut content = trimmed;
            let mut dash = None;
            while let Some(after) =
                content
                    .strip_prefix("- ")
                    .or_else(|| if content == "-" { Some("") } else { None })
            {
                dash.get_or_insert(indent);
                let t = after.trim_start();
                indent += content.len() - t.len();
                content = t;
            }
            Some(Line {
                indent,
                dash,
                content,
            })
        })
        .collect()
}

fn key_of(content: &str) -> Option<&str> {
    let c = content.trim_start_matches('{');
    let i = c.find(':')?;
    Some(c[..i].trim().trim_matches(['"', '\'']))
}

fn flow_has_key(content: &str, key: &str) -> bool {
    let pat = format!("{key}:");
    content.contains('{')
        && (content.contains(&format!("{{{pat}")) || content.contains(&format!(" {pat}")))
}

/// 1-based line of the field at `path`, or of its nearest located ancestor.
pub fn locate(text: &str, path: &[Seg]) -> Option<usize> {
    let ls = lines(text);
    // Region: [start, end) of line indices and the indent of its entries.
    let (mut start, mut end) = (0usize, ls.len());
    let mut found: Option<usize> = None;
    for seg in path {
        let base = (start..end).find_map(|i| ls[i].as_ref().map(|l| l.indent));
        let Some(base) = base else { break };
        match seg {
            Seg::Key(k) => {
                // Inline flow mapping on the current line holds deeper keys.
                if let Some(f) = found {
                    if let Some(l) = &ls[f - 1] {
                        if flow_has_key(l.content, k) {
                            return Some(f);
                        }
                    }
                }
                let hit = (start..end).find(|&i| {
                    ls[i].as_ref().is_some_and(|l| {
                        (l.indent == base && key_of(l.content) == Some(k.as_str()))
                            || (l.indent >= base
                                && l.dash.is_none()
                                && flow_has_key(l.content, k)
                                && l.indent == base)
                    })
                });
                let Some(i) = hit else { break };
                found = Some(i + 1);
                let next = (i + 1..end)
                    .find(|&j| {
                        ls[j]
                            .as_ref()
                            .is_some_and(|l| l.indent <= base && l.dash.is_none_or(|d| d <= base))
                    })
                    .unwrap_or(end);
                let dash_sibling = (i + 1..end)
                    .find(|&j| {
                        ls[j]
                            .as_ref()
                            .is_some_and(|l| l.dash.is_some_and(|d| d < base))
                    })
                    .unwrap_or(end);
                start = i + 1;
                end = next.min(dash_sibling);
                if let Some(l) = &ls[i] {
                    // `key: {a: 1, b: 2}` or `key: [..]`: everything is on this line.
                    let after = l.content.split_once(':').map(|x| x.1.trim()).unwrap_or("");
                    if after.starts_with('{') || after.starts_with('[') {
                        start = i;
                        end = i + 1;
                    }
                }
            }
            Seg::Index(n) => {
                let dash_col = (start..end).find_map(|i| ls[i].as_ref().and_then(|l| l.dash));
                let Some(dash_col) = dash_col else { break };
                let items: Vec<usize> = (start..end)
                    .filter(|&i| ls[i].as_ref().is_some_and(|l| l.dash == Some(dash_col)))
                    .collect();
                let Some(&i) = items.get(*n) else { break };
                found = Some(i + 1);
                start = i;
                end = items.get(n + 1).copied().unwrap_or(end);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "\
name: x
job:
  mode: streaming
  max_concurrent_task_count: 0
producers:
  - name: cams
    kind: poisson
    rate: 90/h
    duplicates: {sns_redelivery: 2.0}
  - {name: backfill, kind: manifest, count: -5}
workers:
  - name: team
    count: 3
    service_time: {dist: exponential, mean: 6}
";

    fn at(path: &str) -> Option<usize> {
        locate(DOC, &parse_path(path))
    }

    #[test]
    fn finds_nested_block_keys() {
        assert_eq!(at("job.max_concurrent_task_count"), Some(4));
        assert_eq!(at("producers[0].rate"), Some(8));
        assert_eq!(at("workers[0].count"), Some(13));
    }

    #[test]
    fn finds_keys_in_flow_mappings() {
        assert_eq!(at("producers[1].count"), Some(10));
        assert_eq!(at("producers[0].duplicates.sns_redelivery"), Some(9));
        assert_eq!(at("workers[0].service_time.mean"), Some(14));
    }

    #[test]
    fn falls_back_to_nearest_ancestor() {
        assert_eq!(at("job.refill_rule"), Some(2));
        assert_eq!(at("producers[0].limit"), Some(6));
    }

    #[test]
    fn parse_errors_carry_lines() {
        let err = from_str::<serde_yaml::Value>("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.1.is_some());
    }

    #[test]
    fn quoted_input_in_messages_is_cut_short() {
        let long = "x".repeat(500);
        let msg = bound_quotes(&format!(
            "invalid type: string \"{long}\", expected a `{long}`"
        ));
        assert!(msg.chars().count() < 140, "{msg}");
        assert!(msg.starts_with("invalid type: string \"xxx"), "{msg}");
        assert_eq!(
            bound_quotes("unknown field `sevice_time`"),
            "unknown field `sevice_time`"
        );
    }
}
