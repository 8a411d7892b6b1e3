//! The user's own data in (issue 11): the timestamps of a `trace` file and
//! the (timestamp, count) rows of a `counts` file, such as a CloudWatch
//! `NumberOfMessagesSent` export.
//!
//! Files are read in two steps because `start_at: auto` takes the calendar
//! from them: [`read_rows`] parses every cell into a [`Stamp`] (a calendar
//! instant, or a time since job creation) before the calendar is known,
//! then [`Rows::resolve`] places them on the simulated clock. Every bad cell
//! is counted, the first one named by file, line and column.

use super::input::{excerpt, excerpt_n, looks_like_names, looks_like_value, InputFile};
use super::units::{
    format_instant, parse_duration, parse_epoch, parse_instant, too_long, MAX_DURATION,
};
use super::MAX_CSV_BYTES;
use crate::engine::time::{US_PER_MS, US_PER_S};
use crate::engine::{SimDuration, SimTime};
use std::io::{self, Read};
use std::path::Path;

/// How the cells of a timestamp column are written (`time_format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TimeFormat {
    /// Each cell as it reads: a number is seconds since job creation, a
    /// duration (`1h 5m`) is too, a date (`2026-01-05T09:30:00Z`,
    /// `2026-01-05 09:30:00`) is a calendar instant. The default.
    Auto,
    /// Unix epoch seconds (`1767605400`, fractions allowed).
    EpochS,
    /// Unix epoch milliseconds (`1767605400000`).
    EpochMs,
    /// ISO 8601 (`2026-01-05T09:30:00Z`; UTC without an offset).
    Iso8601,
    /// SQL / CloudWatch export (`2026-01-05 09:30:00`; UTC without an
    /// offset such as `+02:00`).
    Sql,
    /// Seconds or durations since job creation only.
    Offset,
}

/// The names `time_format` takes.
pub(super) const TIME_FORMATS: &[(&str, TimeFormat)] = &[
    ("auto", TimeFormat::Auto),
    ("epoch_s", TimeFormat::EpochS),
    ("epoch_ms", TimeFormat::EpochMs),
    ("iso8601", TimeFormat::Iso8601),
    ("sql", TimeFormat::Sql),
    ("offset", TimeFormat::Offset),
];

/// Numbers read as seconds since job creation from this value on [s] look
/// like Unix epoch seconds: 10^9 s is 31.7 years after job creation, and
/// 2001-09-09T01:46:40Z as an epoch time. Every Unix time of this century
/// is above it; no labeling job runs for 31 years.
pub(super) const EPOCH_LOOKALIKE_S: f64 = 1e9;

/// One timestamp before the calendar is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stamp {
    /// A calendar instant [µs since the Unix epoch, UTC].
    Instant(i64),
    /// A time since job creation.
    Offset(SimDuration),
}

/// The rows of a trace or counts file, their timestamps not yet placed.
///
/// Issue 18 item 8: kept compact, since a trace can have tens of millions
/// of rows: per row a line (4 B: a file of at most 1 GiB has fewer than
/// 2^32 lines), a timestamp (8 B) and a bit for its kind, and for a counts
/// file its count (8 B). [`BYTES_PER_TRACE_ROW`] is what reading costs.
pub(super) struct Rows {
    /// The file and the timestamp column, for messages (bounded).
    file: String,
    column: String,
    /// 1-based line of each row.
    lines: Vec<u32>,
    /// Each row's timestamp [µs]: since the Unix epoch (an instant) or
    /// since job creation (an offset), as `offset` says.
    stamps: Vec<i64>,
    /// Bit i set: row i is an offset.
    offset: Vec<u64>,
    /// Each row's count; empty for a trace (one arrival per row).
    counts: Vec<f64>,
    /// The smallest cell read as a plain number of seconds since job
    /// creation, if any (for the epoch look-alike warning).
    pub smallest_seconds: Option<f64>,
}

/// Peak memory of reading a trace, per row \[bytes\]: `Rows` (12 B and a
/// bit) and the times it becomes (8 B, converted in place), with `Vec`
/// doubling slack on the first.
pub const BYTES_PER_TRACE_ROW: f64 = 24.0;

impl Rows {
    fn push(&mut self, line: u64, stamp: Stamp, count: Option<f64>) {
        let i = self.stamps.len();
        if i.is_multiple_of(64) {
            self.offset.push(0);
        }
        let us = match stamp {
            Stamp::Instant(us) => us,
            Stamp::Offset(d) => {
                self.offset[i / 64] |= 1 << (i % 64);
                // At most 100 years of µs: far below i64::MAX.
                d.as_micros() as i64
            }
        };
        self.lines.push(u32::try_from(line).unwrap_or(u32::MAX));
        self.stamps.push(us);
        if let Some(c) = count {
            self.counts.push(c);
        }
    }

    fn stamp(&self, i: usize) -> Stamp {
        if self.offset[i / 64] & (1 << (i % 64)) != 0 {
            Stamp::Offset(SimDuration::from_micros(self.stamps[i] as u64))
        } else {
            Stamp::Instant(self.stamps[i])
        }
    }

    /// Rows read.
    pub fn len(&self) -> usize {
        self.stamps.len()
    }

    /// The earliest calendar instant among the rows [µs since the epoch].
    pub fn earliest_instant(&self) -> Option<i64> {
        (0..self.len())
            .filter_map(|i| match self.stamp(i) {
                Stamp::Instant(us) => Some(us),
                Stamp::Offset(_) => None,
            })
            .min()
    }

    /// One row on the simulated clock of a calendar starting at
    /// `start_epoch_us`, or why not.
    fn place(&self, i: usize, start_epoch_us: i64) -> Result<SimTime, String> {
        match self.stamp(i) {
            Stamp::Offset(d) => Ok(SimTime::after(d)),
            Stamp::Instant(us) => {
                let since = us as i128 - start_epoch_us as i128;
                if since < 0 {
                    Err(format!(
                        "{} is before start_at ({}); `start_at: auto` starts the calendar at the earliest timestamp",
                        format_instant(us),
                        format_instant(start_epoch_us)
                    ))
                } else if since > MAX_DURATION.as_micros() as i128 {
                    Err(format!(
                        "`{}` is more than 100 years after start_at, the latest time labelsim accepts",
                        format_instant(us)
                    ))
                } else {
                    Ok(SimTime::from_micros(since as u64))
                }
            }
        }
    }

    /// Places every row on the simulated clock of a calendar starting at
    /// `start_epoch_us`: (line, instant, count), in file order. A calendar
    /// instant before `start_at`, or more than 100 years after it, is an
    /// error (the first named, the rest counted).
    pub fn resolve(&self, start_epoch_us: i64) -> Result<Vec<(u64, SimTime, f64)>, String> {
        let mut bad = Bad::default();
        let mut out = Vec::with_capacity(self.len());
        for i in 0..self.len() {
            let line = self.lines[i] as u64;
            match self.place(i, start_epoch_us) {
                Ok(t) => out.push((line, t, self.counts.get(i).copied().unwrap_or(1.0))),
                Err(why) => bad.add(line, why),
            }
        }
        bad.result(&self.file, &self.column)?;
        Ok(out)
    }

    /// As [`Rows::resolve`] for a trace: the instants alone, in file
    /// order, converted in place (no second copy of the rows).
    pub fn into_times(mut self, start_epoch_us: i64) -> Result<Vec<SimTime>, String> {
        let mut bad = Bad::default();
        for i in 0..self.len() {
            match self.place(i, start_epoch_us) {
                Ok(t) => self.stamps[i] = t.as_micros() as i64,
                Err(why) => bad.add(self.lines[i] as u64, why),
            }
        }
        bad.result(&self.file, &self.column)?;
        let Rows { stamps, .. } = self;
        // Same size and alignment: `collect` reuses the allocation.
        Ok(stamps
            .into_iter()
            .map(|us| SimTime::from_micros(us as u64))
            .collect())
    }
}

/// Bad cells: the first with its line, the rest counted.
#[derive(Default)]
struct Bad {
    first: Option<(u64, String)>,
    more: usize,
}

impl Bad {
    fn add(&mut self, line: u64, why: String) {
        if self.first.is_some() {
            self.more += 1;
        } else {
            self.first = Some((line, why));
        }
    }

    fn result(self, file: &str, column: &str) -> Result<(), String> {
        match self.first {
            None => Ok(()),
            Some((line, why)) => {
                let more = match self.more {
                    0 => String::new(),
                    1 => " (and 1 more bad cell)".into(),
                    n => format!(" (and {n} more bad cells)"),
                };
                Err(format!(
                    "{file} line {line}, column `{column}`: {why}{more}"
                ))
            }
        }
    }
}

/// Longest line of a trace or counts file [bytes]. A row is a timestamp
/// and a count, a header a few names: a longer line is not a CSV row (a
/// file of NUL bytes, minified JSON), and is refused as soon as it is seen
/// rather than buffered whole (issue 18 item 8: 300 MB of NUL bytes took
/// 1.6 GB to say "no column").
pub(super) const MAX_LINE_BYTES: u64 = 64 * 1024;

/// A reader that fails on a line longer than [`MAX_LINE_BYTES`], naming
/// it.
struct LineBounded<R> {
    inner: R,
    line: u64,
    since_newline: u64,
}

impl<R: Read> Read for LineBounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.since_newline = 0;
            } else {
                self.since_newline += 1;
                if self.since_newline > MAX_LINE_BYTES {
                    return Err(io::Error::other(format!(
                        "line {} is longer than {} KiB: not a row of a CSV file",
                        self.line + 1,
                        MAX_LINE_BYTES / 1024
                    )));
                }
            }
        }
        Ok(n)
    }
}

/// `r`, failing on a line longer than [`MAX_LINE_BYTES`] (for every CSV
/// file the scenario names).
pub(super) fn bounded_lines<R: Read>(r: R) -> impl Read {
    LineBounded {
        inner: r,
        line: 0,
        since_newline: 0,
    }
}

/// The index of `column` in a CSV file's `headers`; the error names the
/// file (`name`, bounded) and lists the columns only when the first line
/// looks like a header of at most 20 names (issue 18: never a file's
/// first line echoed as "columns").
pub(super) fn column_index(
    headers: &csv::StringRecord,
    column: &str,
    name: &str,
) -> Result<usize, String> {
    let column_name = excerpt(column);
    headers
        .iter()
        .position(|h| h.trim() == column)
        .ok_or_else(|| {
            if headers.len() <= 20 && looks_like_names(headers.iter()) {
                format!(
                    "{name} has no column `{column_name}` (columns: {})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                )
            } else {
                format!(
                    "{name} has no column `{column_name}`, and its first line does not look like column names: is it a CSV file with a header row?"
                )
            }
        })
}

/// A CSV reading error in words, with its line; never the content.
pub(super) fn csv_error(name: &str, e: &csv::Error) -> String {
    let at = e
        .position()
        .map(|p| format!(" line {}", p.line()))
        .unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Io(io) => format!("cannot read {name}: {io}"),
        csv::ErrorKind::Utf8 { .. } => format!("{name}{at}: not UTF-8 text"),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{name}{at}: {len} fields where the first line has {expected_len}"),
        _ => format!("{name}{at}: not a readable CSV file"),
    }
}

/// Reads a trace (`count_column` None: one arrival per row) or a counts
/// file (a count per row; an empty count cell is 0) relative to `base`: a
/// regular file of at most [`MAX_CSV_BYTES`] with a header row, streamed
/// row by row into [`Rows`] (issue 18 item 8: the whole table was held as
/// strings first, 47–125 bytes of memory per byte of file). Messages name
/// the file, line and column, never the file's content.
pub(super) fn read_rows(
    base: &Path,
    file: &str,
    column: &str,
    count_column: Option<&str>,
    format: TimeFormat,
) -> Result<Rows, String> {
    let path = base.join(file);
    let name = excerpt_n(&path.display().to_string(), 200);
    let input = InputFile::open(&path, MAX_CSV_BYTES)
        .map_err(|why| format!("cannot read {name}: {why}"))?;
    let mut rdr = csv::Reader::from_reader(bounded_lines(input));
    let headers = rdr.headers().map_err(|e| csv_error(&name, &e))?.clone();
    let mut columns = vec![column];
    columns.extend(count_column);
    let mut idx = Vec::with_capacity(columns.len());
    for c in &columns {
        idx.push(column_index(&headers, c, &name)?);
    }
    let names: Vec<String> = columns.iter().map(|c| excerpt(c)).collect();
    let mut bad_time = Bad::default();
    let mut bad_count = Bad::default();
    let mut out = Rows {
        file: name.clone(),
        column: names[0].clone(),
        lines: Vec::new(),
        stamps: Vec::new(),
        offset: Vec::new(),
        counts: Vec::new(),
        smallest_seconds: None,
    };
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error(&name, &e)),
        }
        let line = rec.position().map_or(0, |p| p.line());
        let cell = |k: usize| -> Result<&str, String> {
            std::str::from_utf8(rec.get(idx[k]).unwrap_or(b""))
                .map_err(|_| format!("{name} line {line}: not UTF-8 text"))
        };
        let time_cell = cell(0)?.trim();
        if time_cell.is_empty() {
            if count_column.is_some() {
                bad_time.add(line, "the timestamp is empty".into());
            }
            continue;
        }
        let stamp = match parse_stamp(time_cell, format) {
            Ok(s) => s,
            Err(why) => {
                let why = if looks_like_value(time_cell) {
                    why
                } else {
                    format!(
                        "not a number, duration or time ({} characters, not shown)",
                        time_cell.chars().count()
                    )
                };
                bad_time.add(line, why);
                continue;
            }
        };
        if let (Stamp::Offset(_), Ok(s)) = (stamp, time_cell.parse::<f64>()) {
            out.smallest_seconds = Some(out.smallest_seconds.map_or(s, |m| m.min(s)));
        }
        let count = match count_column.map(|_| cell(1)).transpose()?.map(str::trim) {
            None => None,
            Some("") => Some(0.0),
            Some(c) => match c.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
                Ok(_) => {
                    bad_count.add(
                        line,
                        format!("`{}` is not a count (a number, 0 or more)", excerpt(c)),
                    );
                    continue;
                }
                Err(_) if looks_like_value(c) => {
                    bad_count.add(
                        line,
                        format!("`{}` is not a count (a number, 0 or more)", excerpt(c)),
                    );
                    continue;
                }
                Err(_) => {
                    bad_count.add(
                        line,
                        format!("not a count ({} characters, not shown)", c.chars().count()),
                    );
                    continue;
                }
            },
        };
        out.push(line, stamp, count);
    }
    let time_result = bad_time.result(&name, &names[0]);
    let count_result = match names.get(1) {
        Some(c) => bad_count.result(&name, c),
        None => Ok(()),
    };
    match (time_result, count_result) {
        (Err(a), Err(b)) => return Err(format!("{a}; {b}")),
        (Err(e), _) | (_, Err(e)) => return Err(e),
        _ => {}
    }
    if out.len() == 0 {
        return Err(format!("{name} has no values in column `{}`", names[0]));
    }
    Ok(out)
}

/// Does a cell begin like a date (`YYYY-MM-DD`)? A duration never does.
fn starts_with_date(c: &str) -> bool {
    let b = c.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
}

/// One timestamp cell in the given format.
pub(super) fn parse_stamp(cell: &str, format: TimeFormat) -> Result<Stamp, String> {
    let c = cell.trim();
    let q = excerpt(c);
    let instant = |c: &str| parse_instant(c).map(Stamp::Instant);
    match format {
        TimeFormat::Auto | TimeFormat::Offset => {
            if let Ok(s) = c.parse::<f64>() {
                return seconds(c, s).map(Stamp::Offset);
            }
            let date = starts_with_date(c) || (c.contains('T') && c.contains('-'));
            if date && format == TimeFormat::Auto {
                return instant(c);
            }
            if date {
                return Err(format!(
                    "`{q}` is a calendar time, but `time_format: offset` reads times since job creation; use `time_format: auto` (or iso8601, sql)"
                ));
            }
            parse_duration(c).map(Stamp::Offset)
        }
        TimeFormat::EpochS => parse_epoch(c, US_PER_S).map(Stamp::Instant),
        TimeFormat::EpochMs => parse_epoch(c, US_PER_MS).map(Stamp::Instant),
        // A bare date (`2026-01-05`) is ten bytes: `get`, never index.
        TimeFormat::Iso8601 if !(starts_with_date(c) && c.as_bytes().get(10) == Some(&b'T')) => Err(format!(
            "`{q}` is not an ISO 8601 instant such as `2026-01-05T09:30:00Z` (`time_format: iso8601`)"
        )),
        TimeFormat::Sql if !(starts_with_date(c) && c.as_bytes().get(10) == Some(&b' ')) => Err(format!(
            "`{q}` is not a SQL time such as `2026-01-05 09:30:00` (`time_format: sql`)"
        )),
        TimeFormat::Iso8601 | TimeFormat::Sql => instant(c),
    }
}

/// A number of seconds since job creation: finite, non-negative, at most
/// 100 years; one that big is most likely an epoch time, and is told so.
fn seconds(c: &str, s: f64) -> Result<SimDuration, String> {
    let q = excerpt(c);
    if !s.is_finite() {
        Err(format!("must be a finite number, got `{q}`"))
    } else if s < 0.0 {
        Err(format!("`{q}` is negative"))
    } else if s > MAX_DURATION.as_secs_f64() {
        let hint = if s >= 1e11 {
            "; if these are Unix epoch milliseconds, add `time_format: epoch_ms`"
        } else {
            ""
        };
        Err(format!("{}{hint}", too_long(&format!("{q} s"))))
    } else {
        Ok(SimDuration::from_secs_f64(s))
    }
}

/// The periods of a counts file as a piecewise-constant rate: (instant,
/// rate per µs) steps, sorted, the last one 0 at the end of the data.
/// Row times are the starts of their periods (CloudWatch's convention); a
/// period with no row has no arrivals. `period` None: inferred as the
/// smallest spacing between rows, which every spacing must then be a whole
/// multiple of. `scale` multiplies every rate.
#[derive(Debug)]
pub(super) struct Counts {
    pub steps: Vec<(SimTime, f64)>,
    pub period: SimDuration,
    /// Spacing larger than a given period (each row's count sent in its
    /// period, nothing in the rest until the next row): a warning.
    pub sparse: Option<SimDuration>,
}

/// What is wrong with a counts file's periods: the key to name (`csv` or
/// `period`) and why.
pub(super) type CountsError = (&'static str, String);

pub(super) fn counts_steps(
    rows: &mut [(u64, SimTime, f64)],
    period: Option<SimDuration>,
    scale: f64,
    file: &str,
) -> Result<Counts, CountsError> {
    rows.sort_by_key(|r| r.1);
    if let Some(w) = rows.windows(2).find(|w| w[0].1 == w[1].1) {
        return Err((
            "csv",
            format!(
                "{file} lines {} and {} have the same time ({} after job creation): one row per period",
                w[0].0,
                w[1].0,
                w[0].1.elapsed().human()
            ),
        ));
    }
    let smallest_gap = rows.windows(2).map(|w| w[1].1.since(w[0].1)).min();
    let period = match (period, smallest_gap) {
        (Some(p), _) if p.is_zero() => return Err(("period", "must be positive".into())),
        (Some(p), _) => {
            if let Some(w) = rows.windows(2).find(|w| w[1].1.since(w[0].1) < p) {
                return Err((
                    "period",
                    format!(
                        "{}: lines {} and {} of {file} are {} apart, less than one period: their periods would overlap",
                        p.human(),
                        w[0].0,
                        w[1].0,
                        w[1].1.since(w[0].1).human()
                    ),
                ));
            }
            p
        }
        (None, None) => {
            return Err((
                "period",
                format!("is required: {file} has one row, so the period cannot be inferred from the spacing of rows; write e.g. `period: 5m`"),
            ))
        }
        (None, Some(g)) => {
            let odd = rows
                .windows(2)
                .find(|w| w[1].1.since(w[0].1).as_micros() % g.as_micros() != 0);
            if let Some(w) = odd {
                return Err((
                    "period",
                    format!(
                        "cannot be inferred: rows of {file} are {} apart at the closest, but lines {} and {} are {} apart, not a whole number of periods; give it, e.g. `period: {}`",
                        g.human(),
                        w[0].0,
                        w[1].0,
                        w[1].1.since(w[0].1).human(),
                        g.human()
                    ),
                ));
            }
            g
        }
    };
    let sparse = smallest_gap.filter(|&g| g > period);
    let per_us = period.as_micros() as f64;
    let mut steps = Vec::with_capacity(rows.len() + 1);
    for (i, &(_, t, count)) in rows.iter().enumerate() {
        steps.push((t, count * scale / per_us));
        let end = t + period;
        if rows.get(i + 1).is_none_or(|next| next.1 > end) {
            steps.push((end, 0.0));
        }
    }
    Ok(Counts {
        steps,
        period,
        sparse,
    })
}

/// `what` spans of a replayed file and the window the producer sends in,
/// in words: `3 arrivals span 40d to 41d after job creation
/// (2026-02-14T00:00:00Z to 2026-02-15T00:00:00Z)`.
pub(super) fn span_words(what: &str, first: SimTime, last: SimTime, start_epoch_us: i64) -> String {
    let at = |t: SimTime| format_instant(start_epoch_us + t.as_micros() as i64);
    format!(
        "{what} span {} to {} after job creation ({} to {})",
        first.elapsed().human(),
        last.elapsed().human(),
        at(first),
        at(last)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const MONDAY: i64 = 1_767_571_200_000_000; // 2026-01-05T00:00:00Z

    #[test]
    fn every_format_reads_the_same_instant() {
        let nine_thirty = MONDAY + 9 * 3_600_000_000 + 30 * 60_000_000;
        for (cell, format) in [
            ("1767605400", TimeFormat::EpochS),
            ("1767605400.000", TimeFormat::EpochS),
            ("1767605400000", TimeFormat::EpochMs),
            ("2026-01-05T09:30:00Z", TimeFormat::Iso8601),
            ("2026-01-05T11:30:00+02:00", TimeFormat::Iso8601),
            ("2026-01-05 09:30:00", TimeFormat::Sql),
            ("2026-01-05 04:30:00-05:00", TimeFormat::Sql),
            ("2026-01-05 09:30:00", TimeFormat::Auto),
            ("2026-01-05T09:30:00Z", TimeFormat::Auto),
        ] {
            assert_eq!(
                parse_stamp(cell, format),
                Ok(Stamp::Instant(nine_thirty)),
                "{cell} as {format:?}"
            );
        }
        let offset = Stamp::Offset(SimDuration::from_secs(90));
        for (cell, format) in [
            ("90", TimeFormat::Auto),
            ("1m 30s", TimeFormat::Auto),
            ("90", TimeFormat::Offset),
            ("90s", TimeFormat::Offset),
        ] {
            assert_eq!(
                parse_stamp(cell, format),
                Ok(offset),
                "{cell} as {format:?}"
            );
        }
    }

    #[test]
    fn a_cell_in_another_format_is_refused_with_the_format_named() {
        for (cell, format, says) in [
            ("2026-01-05 09:30:00", TimeFormat::Iso8601, "iso8601"),
            ("2026-01-05T09:30:00Z", TimeFormat::Sql, "sql"),
            ("2026-01-05T09:30:00Z", TimeFormat::Offset, "offset"),
            ("2026-01-05T09:30:00Z", TimeFormat::EpochS, "Unix epoch"),
            ("90s", TimeFormat::EpochMs, "milliseconds"),
        ] {
            let e = parse_stamp(cell, format).unwrap_err();
            assert!(e.contains(says), "{cell} as {format:?}: {e}");
        }
        let e = parse_stamp("1767605400000", TimeFormat::Auto).unwrap_err();
        assert!(e.contains("100 years") && e.contains("epoch_ms"), "{e}");
    }

    fn rows(times_s: &[u64]) -> Vec<(u64, SimTime, f64)> {
        times_s
            .iter()
            .enumerate()
            .map(|(i, &s)| (i as u64 + 2, SimTime::from_micros(s * 1_000_000), 10.0))
            .collect()
    }

    #[test]
    fn counts_become_steps_of_count_over_period() {
        // Rows at 0, 300, 900 s (the 600 s period missing): 5 min inferred.
        let mut r = rows(&[900, 0, 300]);
        let c = counts_steps(&mut r, None, 1.0, "c.csv").unwrap();
        assert_eq!(c.period, SimDuration::from_mins(5));
        let per_us = 10.0 / 300e6;
        let s = |secs: u64, rate: f64| (SimTime::from_micros(secs * 1_000_000), rate);
        assert_eq!(
            c.steps,
            vec![
                s(0, per_us),
                s(300, per_us),
                s(600, 0.0),
                s(900, per_us),
                s(1200, 0.0)
            ]
        );
        assert_eq!(c.sparse, None);
        // Scale multiplies every rate; a given period longer than the
        // spacing would overlap.
        let c = counts_steps(&mut rows(&[0, 300]), None, 1.3, "c.csv").unwrap();
        assert_eq!(c.steps[0].1, 13.0 / 300e6);
        let (key, e) = counts_steps(
            &mut rows(&[0, 300]),
            Some(SimDuration::from_mins(10)),
            1.0,
            "c.csv",
        )
        .unwrap_err();
        assert_eq!(key, "period");
        assert!(e.contains("lines 2 and 3") && e.contains("overlap"), "{e}");
        // A shorter period than the spacing is allowed, and flagged.
        let c = counts_steps(
            &mut rows(&[0, 300]),
            Some(SimDuration::from_mins(1)),
            1.0,
            "c.csv",
        )
        .unwrap();
        assert_eq!(c.sparse, Some(SimDuration::from_mins(5)));
        assert_eq!(c.steps.len(), 4);
    }

    #[test]
    fn counts_periods_that_cannot_be_inferred_are_refused() {
        let (key, e) = counts_steps(&mut rows(&[0, 300, 700]), None, 1.0, "c.csv").unwrap_err();
        assert_eq!(key, "period");
        assert!(e.contains("not a whole number of periods"), "{e}");
        let (key, e) = counts_steps(&mut rows(&[0]), None, 1.0, "c.csv").unwrap_err();
        assert_eq!(key, "period");
        assert!(e.contains("one row"), "{e}");
        let (key, e) = counts_steps(&mut rows(&[0, 0]), None, 1.0, "c.csv").unwrap_err();
        assert_eq!(key, "csv");
        assert!(e.contains("same time"), "{e}");
    }

    #[test]
    fn instants_before_the_calendar_are_named_and_counted() {
        let mut r = Rows {
            file: "t.csv".into(),
            column: "timestamp".into(),
            lines: Vec::new(),
            stamps: Vec::new(),
            offset: Vec::new(),
            counts: Vec::new(),
            smallest_seconds: Some(5.0),
        };
        r.push(2, Stamp::Instant(MONDAY - 1_000_000), None);
        r.push(3, Stamp::Instant(MONDAY - 2_000_000), None);
        r.push(4, Stamp::Offset(SimDuration::from_secs(5)), None);
        assert_eq!(r.earliest_instant(), Some(MONDAY - 2_000_000));
        let e = r.resolve(MONDAY).unwrap_err();
        assert!(
            e.starts_with("t.csv line 2, column `timestamp`: 2026-01-04T23:59:59Z is before start_at (2026-01-05T00:00:00Z)"),
            "{e}"
        );
        assert!(e.ends_with("(and 1 more bad cell)"), "{e}");
        let ok = r.resolve(MONDAY - 2_000_000).unwrap();
        assert_eq!(ok[0].1, SimTime::from_micros(1_000_000));
        assert_eq!(ok[2].1, SimTime::from_micros(5_000_000));
        assert_eq!(ok[2].0, 4);
        // Issue 18 item 8: a trace's rows become its times in place, in
        // file order, offsets and instants alike.
        let times = r.into_times(MONDAY - 2_000_000).unwrap();
        assert_eq!(
            times,
            [1_000_000, 0, 5_000_000].map(SimTime::from_micros).to_vec()
        );
    }

    #[test]
    fn a_line_past_the_bound_is_refused_with_its_number() {
        let mut text = b"timestamp\n1\n".to_vec();
        text.extend(std::iter::repeat_n(b'7', MAX_LINE_BYTES as usize + 1));
        let mut out = Vec::new();
        let e = bounded_lines(&text[..]).read_to_end(&mut out).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 3 is longer than 64 KiB: not a row of a CSV file"
        );
        // At the bound, fine.
        let ok = vec![b'7'; MAX_LINE_BYTES as usize];
        assert!(bounded_lines(&ok[..]).read_to_end(&mut out).is_ok());
    }
}
