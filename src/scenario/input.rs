//! Reading what a user hands us, whatever it is: the scenario file, trace
//! and empirical CSV files, a `--policies` file.
//!
//! Two rules hold for every input. First, only a regular file is read, and at
//! most a stated number of bytes of it: a device (`/dev/zero`), a FIFO, a
//! folder or a pseudo-file (`/proc/self/environ`) is refused before it can
//! block the program or fill its memory. Second, a message never repeats the
//! input beyond a short excerpt ([`excerpt`]): a file that is not what it
//! was meant to be (a README opened as a scenario, the environment opened as
//! a trace) must not be printed to a terminal or a CI log.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Largest scenario file read \[bytes\] (4 MiB; real scenarios are a few KiB).
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;
/// Largest CSV file read (traces, empirical distributions) \[bytes\] (1 GiB).
pub const MAX_CSV_BYTES: u64 = 1 << 30;
/// Longest excerpt of the input quoted in a message \[characters\].
pub const EXCERPT_CHARS: usize = 40;

/// An input file opened for reading: a regular file of at most `limit`
/// bytes. Reading fails (with a message that says why) once more bytes come
/// than the file had when it was opened, or than `limit`.
pub struct InputFile {
    inner: io::Take<File>,
    /// Bytes read so far.
    read: u64,
    /// The file's size when opened.
    size: u64,
}

impl InputFile {
    /// Opens `path`, refusing anything but a regular file of at most `limit`
    /// bytes. The error is the reason alone, without the path.
    pub fn open(path: &Path, limit: u64) -> Result<InputFile, String> {
        // Look before opening: opening a FIFO blocks until someone writes.
        let before = std::fs::metadata(path).map_err(|e| e.to_string())?;
        check_kind(&before)?;
        let file = File::open(path).map_err(|e| e.to_string())?;
        // And look again at what was opened (it may have been swapped).
        let meta = file.metadata().map_err(|e| e.to_string())?;
        check_kind(&meta)?;
        let size = meta.len();
        if size > limit {
            return Err(format!(
                "it is {}; at most {} is read",
                crate::human::file_size(size),
                crate::human::file_size(limit)
            ));
        }
        Ok(InputFile {
            // One byte more than the size, to notice a file that grows.
            inner: file.take(size.saturating_add(1)),
            read: 0,
            size,
        })
    }
}

fn check_kind(meta: &std::fs::Metadata) -> Result<(), String> {
    let t = meta.file_type();
    if t.is_file() {
        Ok(())
    } else if t.is_dir() {
        Err("it is a folder, not a file".into())
    } else {
        Err(
            "it is not a regular file (a device, FIFO or socket); only regular files are read"
                .into(),
        )
    }
}

impl Read for InputFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.size {
            // `/proc` files report size 0 and still have content.
            return Err(io::Error::other(
                "it changed size while being read, or is not a regular file (such as those under /proc)",
            ));
        }
        Ok(n)
    }
}

/// Reads the whole of `path`, a regular file of at most `limit` bytes (see
/// the module doc). For every file a command reads on the user's behalf
/// (e.g. `compare --policies FILE`); the error names the file and says why,
/// and never quotes its content.
pub fn read_input_file(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    read_limited(path, limit).map_err(|why| format!("cannot read {}: {why}", path.display()))
}

/// [`read_input_file`] without the path in the message.
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let mut f = InputFile::open(path, limit)?;
    let mut out = Vec::with_capacity(f.size.min(limit) as usize);
    f.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// 1-based line of byte offset `at` in `bytes`.
pub(crate) fn line_of(bytes: &[u8], at: usize) -> usize {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// At most `max` characters of `s`, control and invisible formatting
/// characters escaped, `…` where it was cut: safe to put in a message.
pub fn excerpt_n(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        let invisible = c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        if invisible {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`excerpt_n`] with the standard bound ([`EXCERPT_CHARS`]).
pub fn excerpt(s: &str) -> String {
    excerpt_n(s, EXCERPT_CHARS)
}

/// Does a CSV cell look like a number, a duration or an instant, short
/// enough to quote? It starts with a digit, a sign or a point (or is `nan`
/// or `inf`), holds only digits, signs, `.:` separators and spaces besides
/// letters, and each run of letters is a time unit, an exponent or an
/// instant's `T`/`Z`. Only such cells are quoted in messages: a cell of a
/// file that is not a trace at all is described, never shown (a word made
/// of a unit's letters, `hunter2`, is not a value).
pub fn looks_like_value(cell: &str) -> bool {
    const WORDS: &[&str] = &[
        "ns", "us", "ms", "s", "sec", "secs", "m", "min", "mins", "h", "hr", "hrs", "hour",
        "hours", "d", "day", "days", "w", "wk", "wks", "week", "weeks", "t", "z", "e", "nan",
        "inf", "infinity",
    ];
    let c = cell.trim();
    let bare = c.trim_start_matches(['+', '-']).to_ascii_lowercase();
    if ["nan", "inf", "infinity"].contains(&bare.as_str()) {
        return true;
    }
    let starts_well = c
        .chars()
        .next()
        .is_some_and(|ch| ch.is_ascii_digit() || "+-.".contains(ch));
    starts_well
        && c.chars().count() <= EXCERPT_CHARS
        && c.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || " .:+-".contains(ch))
        && c.split(|ch: char| !ch.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .all(|w| WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

/// Does a CSV header look like column names: at least two fields (a
/// delimiter) and at most 20, each a short name (letters, digits, spaces
/// and `_-.()[]/%#`, at most [`EXCERPT_CHARS`])? Only then are they listed
/// in a message. A first line of one field is not listed, however it reads
/// (issue 18: a one-line token, an `-----BEGIN ... KEY-----` line), nor
/// one with `=` (a `.env` line).
pub fn looks_like_names<'a>(headers: impl IntoIterator<Item = &'a str>) -> bool {
    let mut n = 0usize;
    headers.into_iter().all(|h| {
        n += 1;
        n <= 20 && looks_like_name(h, EXCERPT_CHARS)
    }) && n >= 2
}

/// Does one header field look like a column name of at most `max_chars`
/// characters (letters, digits, spaces and `_-.()[]/%#`, at least one
/// letter)?
pub fn looks_like_name(h: &str, max_chars: usize) -> bool {
    let h = h.trim();
    h.chars().count() <= max_chars
        && h.chars().any(|c| c.is_ascii_alphabetic())
        && h.chars()
            .all(|c| c.is_ascii_alphanumeric() || " _-.()[]/%#".contains(c))
}

/// Longest name a header of a single field may have to be named in a
/// message: a column name alone on its line is a word (`seconds`,
/// `duration_s`), not a 35-character line.
pub const SINGLE_NAME_CHARS: usize = 24;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_bounded_and_escaped() {
        assert_eq!(excerpt("90s"), "90s");
        assert_eq!(excerpt("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        let long = "x".repeat(1000);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
    }

    #[test]
    fn only_value_like_cells_are_quoted() {
        assert!(looks_like_value("12.5"));
        assert!(looks_like_value("2026-01-05T00:00:00Z"));
        assert!(looks_like_value("1h 5m"));
        assert!(looks_like_value("nan"));
        assert!(!looks_like_value("AKIAIOSFODNN7EXAMPLE"));
        // Words of a unit's letters are not values (found by a fuzz audit).
        for secret in ["hunter2", "mysecret99", "2hunter", "1 secret", "Passw0rd"] {
            assert!(!looks_like_value(secret), "{secret}");
        }
        assert!(looks_like_value("2m30s"));
        assert!(looks_like_value("-1.5e3"));
        assert!(looks_like_value("3 days"));
        assert!(looks_like_value("INF"));
        assert!(!looks_like_value("HOME=/root"));
        assert!(!looks_like_value(&"1".repeat(41)));
        assert!(looks_like_names(["timestamp", "id", "service time (s)"]));
        assert!(!looks_like_names(["PATH=/usr/bin\0HOME=/root"]));
        // Issue 18: one field is no header, however it reads.
        assert!(!looks_like_names(["timestamp"]));
        assert!(!looks_like_names(["-----BEGIN OPENSSH PRIVATE KEY-----"]));
        assert!(!looks_like_names(["a", "b=c"]));
        assert!(looks_like_name("seconds", SINGLE_NAME_CHARS));
        assert!(!looks_like_name(
            "-----BEGIN OPENSSH PRIVATE KEY-----",
            SINGLE_NAME_CHARS
        ));
        assert!(!looks_like_name(
            "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
            SINGLE_NAME_CHARS
        ));
    }

    #[test]
    fn byte_counts_read_naturally() {
        assert_eq!(crate::human::file_size(MAX_SCENARIO_BYTES), "4 MiB");
        assert_eq!(crate::human::file_size(MAX_CSV_BYTES), "1 GiB");
        assert_eq!(crate::human::file_size(1536), "1.5 KiB");
        assert_eq!(crate::human::file_size(12), "12 bytes");
    }

    #[test]
    fn folders_and_devices_are_refused() {
        let dir = std::env::temp_dir();
        assert!(read_limited(&dir, 10).unwrap_err().contains("folder"));
        #[cfg(unix)]
        assert!(read_limited(Path::new("/dev/zero"), 10)
            .unwrap_err()
            .contains("not a regular file"));
    }
}
