//! Field paths as segments (`workers[0].service_time` → key, index, key):
//! the vocabulary shared by the YAML line locator (`yaml`) and the
//! parameter paths of `--set`/`--vary` (`paths`), so neither imports the
//! other.

/// One step of a path: a mapping key, a list index, or a list item by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Index(usize),
    /// A list item whose `name` is this.
    Name(String),
}

/// Splits a field path as problems name it (`workers[0].service_time.mean`,
/// `[1].name`, a key with any characters) into segments, never failing:
/// what is not a segment is skipped. For user input, `paths::ParamPath::parse`.
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
