//! The one place that touches the YAML library: `serde_norway`, a
//! maintained hard fork of `serde_yaml` (deprecated upstream) with the same
//! `Value` model and error positions, on a maintained libyaml port. (Never
//! `serde_yml`: RUSTSEC-2025-0068.)
//!
//! A scenario's text is parsed once ([`parse`], issue 19): one pass of the
//! parser builds the document while counting its values; the spec is read
//! from that document (`from_doc`) and overridden scenarios are built
//! from clones of it, written out ([`to_string`]) for their text but not
//! parsed again ([`check_written`]).
//!
//! Also a line locator: serde's values carry no positions, so semantic
//! errors find their field's line by walking the source text's block
//! structure (mappings, `- ` list items, inline `{...}` flow mappings).

use super::input::{excerpt, excerpt_n, MAX_SCENARIO_BYTES};
use super::segs::PathSeg;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde_norway as yaml_impl;
use std::cell::Cell;

/// A YAML document or node, as parsed (no positions).
pub use serde_norway::{Mapping, Value};

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

/// Deepest nesting of collections a scenario may have; a real one needs 6.
pub const MAX_DEPTH: usize = 64;
/// Most values (scalars and collections) a scenario may hold once its
/// aliases are expanded; a real one holds a few hundred.
pub const MAX_VALUES: usize = 1_000_000;

/// Parses `text` into `T`; on error returns the message and 1-based line.
/// The message quotes the input only in bounded excerpts ([`bound_quotes`]).
/// Text over [`MAX_SCENARIO_BYTES`], nested deeper than [`MAX_DEPTH`] or
/// expanding to more than [`MAX_VALUES`] values is refused before it is
/// parsed: the parser's time grows with the square of the depth, and aliases
/// can make a small file expand without bound.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, (String, Option<usize>)> {
    check_size(text)?;
    check_nesting(text).map_err(|e| name_a_tab(text, e))?;
    check_expansion(text).map_err(|e| name_a_tab(text, e))?;
    from_checked_str(text).map_err(|e| name_a_tab(text, e))
}

/// Parses a scenario's text into its document, in one pass of the parser
/// (issue 19: a scenario is parsed once per load; overrides and sweep
/// points work on clones of this value). The same checks and messages as
/// [`from_str`]: the size and nesting pre-scans, then the parser, counting
/// values against [`MAX_VALUES`] as it builds them.
pub fn parse(text: &str) -> Result<Value, (String, Option<usize>)> {
    // A byte-order mark is allowed at the start of a YAML stream; the
    // parser would read it as content (and then a second document).
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_size(text)?;
    check_nesting(text).map_err(|e| name_a_tab(text, e))?;
    counted();
    let left = Cell::new(MAX_VALUES);
    let odd = Cell::new(false);
    let built = Build {
        left: &left,
        odd: &odd,
    }
    .deserialize(yaml_impl::Deserializer::from_str(text));
    match built {
        Ok(doc) if !odd.get() => Ok(doc),
        // A duplicate key, a tag or a 128-bit number: the parser's own
        // reading (and words) of the whole text, as before.
        Ok(_) => from_checked_str(text).map_err(|e| name_a_tab(text, e)),
        Err(e) => Err(name_a_tab(text, second_document(text, too_many_or(&e)))),
    }
}

/// The parser's "more than one document", which it gives without a line,
/// said where the second document starts: a `---` or `...` line, or the
/// first line indented less than the first key (the document then ends
/// there, and what follows reads as another).
fn second_document(text: &str, (msg, line): (String, Option<usize>)) -> (String, Option<usize>) {
    if !msg.contains("more than one document") {
        return (msg, line);
    }
    let content = |l: &str| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#')
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut lines = text.lines().enumerate().filter(|(_, l)| content(l));
    let Some((_, first)) = lines.next() else {
        return (msg, line);
    };
    let first_indent = indent(first);
    let at = lines
        .find(|(_, l)| l.starts_with("---") || l.starts_with("...") || indent(l) < first_indent);
    match at {
        Some((i, l)) if l.starts_with("---") || l.starts_with("...") => (
            "a second YAML document starts here (after `---` or `...`); a scenario is one document".into(),
            Some(i + 1),
        ),
        Some((i, _)) => (
            format!(
                "this line is indented less than the first key (line {}), so the document ended above it; a scenario's top-level keys start in the first column",
                text.lines().position(content).map_or(1, |p| p + 1)
            ),
            Some(i + 1),
        ),
        None => (
            "a scenario is one YAML document; this text holds more than one".into(),
            line,
        ),
    }
}

/// The checks [`parse`] makes of a text, for a document built in memory
/// (an overridden scenario) and `text`, what it writes as: its size and
/// nesting, and its values counted (written out, it holds no aliases).
pub fn check_written(doc: &Value, text: &str) -> Result<(), (String, Option<usize>)> {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Sequence(items) => items.iter().map(count).sum(),
            Value::Mapping(m) => m.iter().map(|(k, v)| count(k) + count(v)).sum(),
            Value::Tagged(t) => 1 + count(&t.value),
            _ => 0,
        }
    }
    check_size(text)?;
    check_nesting(text).map_err(|e| name_a_tab(text, e))?;
    if count(doc) > MAX_VALUES {
        return Err((too_many_message(), None));
    }
    Ok(())
}

/// Reads a document into `T` as serde reads the text it was parsed from
/// (text fields keep their text); `None` where that may differ, e.g. a
/// text field written as a number (`name: 2024`) or a value of the wrong
/// kind: the caller then reads the text itself, as it always was.
pub(crate) fn from_doc<T: DeserializeOwned>(doc: &Value) -> Option<T> {
    T::deserialize(AsText(doc)).ok()
}

/// Reads a parsed document into `T`; on error returns the message (bounded).
pub fn from_value<T: DeserializeOwned>(v: Value) -> Result<T, String> {
    yaml_impl::from_value(v).map_err(|e| error_parts(&e).0)
}

/// A value as `--set PATH=VALUE` and `--vary PATH=VALUES` write it: YAML
/// where it parses (`9`, `2h`, `{dist: constant, value: 1m}`), else the text.
pub fn value_from_arg(text: &str) -> Value {
    yaml_impl::from_str::<Value>(text).unwrap_or_else(|_| Value::from(text))
}

/// A document as YAML text.
pub fn to_string(v: &Value) -> Result<String, String> {
    yaml_impl::to_string(v).map_err(|e| error_parts(&e).0)
}

/// [`from_str`] for text that has passed its checks already.
pub(crate) fn from_checked_str<T: DeserializeOwned>(
    text: &str,
) -> Result<T, (String, Option<usize>)> {
    counted();
    yaml_impl::from_str(text).map_err(|e| error_parts(&e))
}

#[cfg(test)]
thread_local! {
    static PARSES: Cell<usize> = const { Cell::new(0) };
}

/// How many times this thread has run the YAML parser over a scenario's
/// text (tests of issue 19: one per load).
#[cfg(test)]
pub(crate) fn parses() -> usize {
    PARSES.with(Cell::get)
}

fn counted() {
    #[cfg(test)]
    PARSES.with(|c| c.set(c.get() + 1));
}

/// A parse error at a line holding a tab, with what to do: the parser's
/// words for a tab say nothing of tabs.
fn name_a_tab(text: &str, (mut msg, line): (String, Option<usize>)) -> (String, Option<usize>) {
    let tab_there = line
        .and_then(|l| text.lines().nth(l.saturating_sub(1)))
        .is_some_and(|l| l.contains('\t'));
    if tab_there {
        msg.push_str(" (a tab: YAML indents with spaces only)");
    }
    (msg, line)
}

/// Message (bounded, without the parser's " at line L column C") and line.
fn error_parts(e: &yaml_impl::Error) -> (String, Option<usize>) {
    let line = e.location().map(|l| l.line());
    let msg = e.to_string();
    let msg = match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg,
    };
    // Issue 18: the parser's words for an alias bomb, in ours.
    if msg == "repetition limit exceeded" {
        return ("aliases (`*name`) repeat what they point to over 100 times the size of the document; write the values out instead".into(), line);
    }
    (bound_quotes(&msg), line)
}

fn check_size(text: &str) -> Result<(), (String, Option<usize>)> {
    if text.len() as u64 > MAX_SCENARIO_BYTES {
        return Err((
            format!(
                "it is {}; at most {} is read",
                crate::human::file_size(text.len() as u64),
                crate::human::file_size(MAX_SCENARIO_BYTES)
            ),
            None,
        ));
    }
    Ok(())
}

/// Where a scalar may begin (a quote there opens a quoted scalar), inside
/// one (a quote or bracket there is text), or past one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    Start,
    Plain,
    Other,
}

/// A cheap, linear pre-scan of the nesting depth: block nesting by
/// indentation (and `- ` items on one line), flow nesting by `[` and `{`
/// outside quoted scalars, comments and block scalars (`|`, `>`). It may
/// over-count odd but valid text (a plain scalar continued on deeper lines),
/// never under-count what the parser will nest.
fn check_nesting(text: &str) -> Result<(), (String, Option<usize>)> {
    let too_deep = |line: usize| {
        Err((
            format!("nested deeper than {MAX_DEPTH} levels; a scenario needs a handful"),
            Some(line),
        ))
    };
    let mut flow = 0usize;
    let mut block: Vec<usize> = Vec::new();
    let mut quote: Option<char> = None;
    let mut at = At::Start;
    let mut block_scalar_parent: Option<usize> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let line_no = i + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = line.len() - line.trim_start_matches(' ').len();
        let mut rest = &line[indent..];
        if let Some(parent) = block_scalar_parent {
            if rest.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar_parent = None;
        }
        if quote.is_none() && flow == 0 {
            // A new line of block structure.
            if rest.is_empty() || rest.starts_with('#') || (indent == 0 && rest.starts_with('%')) {
                continue;
            }
            if indent == 0
                && (rest == "---"
                    || rest == "..."
                    || rest.starts_with("--- ")
                    || rest.starts_with("... "))
            {
                block.clear();
                rest = &rest[3..];
            } else {
                while block.last().is_some_and(|&c| c >= indent) {
                    block.pop();
                }
                block.push(indent);
                let mut col = indent;
                while let Some(after) = ["- ", "? "].iter().find_map(|p| rest.strip_prefix(p)) {
                    let t = after.trim_start_matches(' ');
                    col += rest.len() - t.len();
                    rest = t;
                    block.push(col);
                }
            }
            if block.len() > MAX_DEPTH {
                return too_deep(line_no);
            }
            at = At::Start;
        }
        let mut prev_space = true;
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(q) = quote {
                if q == '\'' && c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        quote = None;
                        at = At::Other;
                    }
                } else if q == '"' && c == '\\' {
                    chars.next();
                } else if q == '"' && c == '"' {
                    quote = None;
                    at = At::Other;
                }
                prev_space = false;
                continue;
            }
            let next = chars.peek().copied();
            let ends_token =
                next.is_none_or(|n| n == ' ' || n == '\t' || (flow > 0 && ",]}".contains(n)));
            match c {
                ' ' | '\t' => {
                    prev_space = true;
                    continue;
                }
                '#' if prev_space => break,
                '\'' | '"' if at == At::Start => quote = Some(c),
                '[' | '{' if at == At::Start || flow > 0 => {
                    flow += 1;
                    if block.len() + flow > MAX_DEPTH {
                        return too_deep(line_no);
                    }
                    at = At::Start;
                }
                ']' | '}' if flow > 0 => {
                    flow -= 1;
                    at = At::Other;
                }
                ',' if flow > 0 => at = At::Start,
                ':' if ends_token => at = At::Start,
                '-' | '?' if at == At::Start && ends_token => {}
                '|' | '>' if at == At::Start && flow == 0 => {
                    block_scalar_parent = Some(indent);
                    break;
                }
                '&' | '!' if at == At::Start => {
                    // An anchor or tag: a scalar may still start after it.
                    while chars.peek().is_some_and(|&n| n != ' ' && n != '\t') {
                        chars.next();
                    }
                }
                _ => {
                    if at != At::Plain {
                        at = At::Plain;
                    }
                }
            }
            prev_space = false;
        }
    }
    Ok(())
}

/// Counts the values the parser will build, aliases expanded, and stops at
/// [`MAX_VALUES`] (it stores nothing, so the count costs no memory).
fn check_expansion(text: &str) -> Result<(), (String, Option<usize>)> {
    counted();
    let left = Cell::new(MAX_VALUES);
    match Count(&left).deserialize(yaml_impl::Deserializer::from_str(text)) {
        Ok(()) => Ok(()),
        Err(e) => Err(too_many_or(&e)),
    }
}

fn too_many_message() -> String {
    format!(
        "expands to more than {MAX_VALUES} values (aliases `*name` repeat what they point to); a scenario holds a few hundred"
    )
}

/// The message of a parse that stopped: too many values, or the parser's.
fn too_many_or(e: &yaml_impl::Error) -> (String, Option<usize>) {
    if e.to_string().contains(TOO_MANY) {
        (too_many_message(), None)
    } else {
        error_parts(e)
    }
}

const TOO_MANY: &str = "labelsim: too many values";

/// A visitor that counts every value against a budget and keeps nothing.
#[derive(Clone, Copy)]
struct Count<'a>(&'a Cell<usize>);

impl Count<'_> {
    fn take<E: de::Error>(self) -> Result<(), E> {
        match self.0.get() {
            0 => Err(E::custom(TOO_MANY)),
            n => {
                self.0.set(n - 1);
                Ok(())
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Count<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Count<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.take()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.take()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.take()
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.take()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.take()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.take()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.take()
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.take()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.take()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.take()?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.take()?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        // A tagged value (`!tag value`): the tag, then the value.
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

/// [`Count`] that keeps what it counts: the document, as serde_norway's
/// `Value` reads it. What that reading refuses or reads its own way (a
/// duplicate key, a tag, a 128-bit number) marks the document `odd`, and
/// [`parse`] leaves it to the parser's own reading.
#[derive(Clone, Copy)]
struct Build<'a> {
    left: &'a Cell<usize>,
    odd: &'a Cell<bool>,
}

impl Build<'_> {
    fn take<E: de::Error>(self) -> Result<(), E> {
        Count(self.left).take()
    }
    fn odd<E: de::Error>(self) -> Result<Value, E> {
        self.odd.set(true);
        self.take()?;
        Ok(Value::Null)
    }
}

impl<'de> DeserializeSeed<'de> for Build<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Build<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: de::Error>(self, i: i64) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Number(i.into()))
    }
    fn visit_u64<E: de::Error>(self, u: u64) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Number(u.into()))
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Value, E> {
        self.odd()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Value, E> {
        self.odd()
    }
    fn visit_f64<E: de::Error>(self, f: f64) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Number(f.into()))
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        self.take()?;
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        self.take()?;
        Ok(Value::String(s))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        self.take()?;
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.odd.set(true);
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        self.take()?;
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Value::Sequence(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        self.take()?;
        let mut out = Mapping::new();
        while let Some(k) = map.next_key_seed(self)? {
            let v = map.next_value_seed(self)?;
            if out.contains_key(&k) {
                self.odd.set(true);
            } else {
                out.insert(k, v);
            }
        }
        Ok(Value::Mapping(out))
    }
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A tagged value: counted as `Count` counts it, read by the parser.
        self.odd.set(true);
        let (_, variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

/// A document read as the text it was parsed from: a deserializer over a
/// parsed `Value` that fails ([`AsTextError`]) wherever serde's reading of
/// the text could differ from its reading of the value.
#[derive(Clone, Copy)]
struct AsText<'a>(&'a Value);

#[derive(Debug)]
struct AsTextError;

impl std::fmt::Display for AsTextError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("read from the text")
    }
}

impl std::error::Error for AsTextError {}

impl de::Error for AsTextError {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        AsTextError
    }
}

struct AsTextSeq<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for AsTextSeq<'_> {
    type Error = AsTextError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, AsTextError> {
        self.0
            .next()
            .map(|v| seed.deserialize(AsText(v)))
            .transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct AsTextMap<'a> {
    entries: serde_norway::mapping::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for AsTextMap<'_> {
    type Error = AsTextError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, AsTextError> {
        match self.entries.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(AsText(k)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, AsTextError> {
        let v = self.value.take().ok_or(AsTextError)?;
        seed.deserialize(AsText(v))
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

impl<'de> Deserializer<'de> for AsText<'_> {
    type Error = AsTextError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            // As the parser visits a number: unsigned, negative, or not whole.
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (None, Some(i), _) => visitor.visit_i64(i),
                (None, None, Some(f)) => visitor.visit_f64(f),
                (None, None, None) => Err(AsTextError),
            },
            Value::String(s) => visitor.visit_str(s),
            Value::Sequence(_) => self.deserialize_seq(visitor),
            Value::Mapping(_) => self.deserialize_map(visitor),
            Value::Tagged(_) => Err(AsTextError),
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            _ => Err(AsTextError),
        }
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, AsTextError> {
        self.deserialize_unit(visitor)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, AsTextError> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        match self.0 {
            Value::Sequence(items) => visitor.visit_seq(AsTextSeq(items.iter())),
            _ => Err(AsTextError),
        }
    }
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, AsTextError> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, AsTextError> {
        self.deserialize_seq(visitor)
    }
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        match self.0 {
            Value::Mapping(m) => visitor.visit_map(AsTextMap {
                entries: m.iter(),
                value: None,
            }),
            _ => Err(AsTextError),
        }
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, AsTextError> {
        self.deserialize_map(visitor)
    }
    /// Text as written: only a string is known to be (a number's or a
    /// boolean's text may have been written otherwise, `1.50`, `True`).
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        match self.0 {
            Value::String(s) => visitor.visit_str(s),
            _ => Err(AsTextError),
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        self.deserialize_str(visitor)
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        self.deserialize_str(visitor)
    }
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        self.deserialize_str(visitor)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, AsTextError> {
        use serde::de::IntoDeserializer;
        match self.0 {
            Value::String(s) => visitor.visit_enum(s.as_str().into_deserializer()),
            _ => Err(AsTextError),
        }
    }
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, AsTextError> {
        visitor.visit_unit()
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 bytes byte_buf
    }
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

/// 1-based line of the field at `path` (segments of the one path grammar,
/// [`super::paths`]), or of its nearest located ancestor.
pub fn locate(text: &str, path: &[PathSeg]) -> Option<usize> {
    Locator::new(text).locate(path)
}

/// Finds the lines of many fields of one text, splitting it into lines once.
pub struct Locator<'a> {
    lines: Vec<Option<Line<'a>>>,
}

impl<'a> Locator<'a> {
    pub fn new(text: &'a str) -> Self {
        Locator { lines: lines(text) }
    }

    /// 1-based line of the field at `path`, or of its nearest located
    /// ancestor.
    pub fn locate(&self, path: &[PathSeg]) -> Option<usize> {
        locate_in(&self.lines, path)
    }

    /// 1-based line where the scenario's top-level mapping starts (its
    /// first line with content): where a missing top-level key belongs.
    pub fn first_line(&self) -> Option<usize> {
        self.lines.iter().position(Option::is_some).map(|i| i + 1)
    }
}

/// The `name:` of the list item on lines `[start, end)` whose content
/// starts at column `indent`: `name: x` on its own line, or in a flow
/// mapping `{name: x, ...}`.
fn item_name<'a>(ls: &[Option<Line<'a>>], start: usize, end: usize) -> Option<&'a str> {
    let indent = ls[start].as_ref()?.indent;
    let unquote = |v: &'a str| v.trim().trim_matches(['"', '\'']);
    for l in ls[start..end].iter().flatten() {
        if l.indent == indent && key_of(l.content) == Some("name") && !l.content.starts_with('{') {
            return l.content.split_once(':').map(|(_, v)| unquote(v));
        }
        if let Some(flow) = l.content.strip_prefix('{') {
            for part in flow.trim_end_matches('}').split(',') {
                if let Some((k, v)) = part.split_once(':') {
                    if k.trim() == "name" {
                        return Some(unquote(v));
                    }
                }
            }
        }
    }
    None
}

fn locate_in(ls: &[Option<Line<'_>>], path: &[PathSeg]) -> Option<usize> {
    // Region: [start, end) of line indices and the indent of its entries.
    let (mut start, mut end) = (0usize, ls.len());
    let mut found: Option<usize> = None;
    for seg in path {
        let base = (start..end).find_map(|i| ls[i].as_ref().map(|l| l.indent));
        let Some(base) = base else { break };
        match seg {
            PathSeg::Key(k) => {
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
                // A flow mapping left open on the line found goes on over
                // the next lines: its keys sit deeper, anywhere in them.
                let open_flow = found.and_then(|f| ls[f - 1].as_ref()).is_some_and(|l| {
                    l.content.matches('{').count() > l.content.matches('}').count()
                });
                let hit = hit.or_else(|| {
                    open_flow.then(|| {
                        (start..end).find(|&i| {
                            ls[i].as_ref().is_some_and(|l| {
                                l.indent > base
                                    && l.dash.is_none()
                                    && (key_of(l.content) == Some(k.as_str())
                                        || flow_has_key(l.content, k))
                            })
                        })
                    })?
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
            PathSeg::Index(_) | PathSeg::Name(_) => {
                let dash_col = (start..end).find_map(|i| ls[i].as_ref().and_then(|l| l.dash));
                let Some(dash_col) = dash_col else { break };
                let items: Vec<usize> = (start..end)
                    .filter(|&i| ls[i].as_ref().is_some_and(|l| l.dash == Some(dash_col)))
                    .collect();
                let item_end = |k: usize| items.get(k + 1).copied().unwrap_or(end);
                let k = match seg {
                    PathSeg::Index(n) => *n,
                    PathSeg::Name(name) => {
                        let by_name = (0..items.len())
                            .find(|&k| item_name(ls, items[k], item_end(k)) == Some(name));
                        let Some(k) = by_name else { break };
                        k
                    }
                    PathSeg::Key(_) => unreachable!("matched above"),
                };
                let Some(&i) = items.get(k) else { break };
                found = Some(i + 1);
                start = i;
                end = item_end(k);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_tab_in_the_indentation_is_named() {
        let (msg, line) = from_str::<Value>("name: x\njob:\n\tinitializing: 5m\n").unwrap_err();
        assert_eq!(line, Some(3));
        assert!(
            msg.ends_with("(a tab: YAML indents with spaces only)"),
            "{msg}"
        );
        let (msg, _) = from_str::<Value>("name: [x\n").unwrap_err();
        assert!(!msg.contains("tab"), "{msg}");
    }

    use super::super::segs::parse_lenient;
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
        locate(DOC, &parse_lenient(path))
    }

    #[test]
    fn finds_nested_block_keys() {
        assert_eq!(at("job.max_concurrent_task_count"), Some(4));
        assert_eq!(at("producers[0].rate"), Some(8));
        assert_eq!(at("workers[0].count"), Some(13));
    }

    /// A flow mapping spread over lines: a key on a continuation line is
    /// found there, not on the mapping's first line.
    #[test]
    fn finds_keys_on_the_continuation_lines_of_a_flow_mapping() {
        let doc = "\
pipeline:
  queues:
    - {name: q, type: standard, visibility_timeout: 30s,
       retention: 1s,
       dead_letter: {max_receive_count: 0}}
  consumers:
    - {name: c, queue: q, count: 1,
       processing_time: {dist: constant, value: -1s}}
";
        let at = |path: &str| locate(doc, &parse_lenient(path));
        assert_eq!(at("pipeline.queues[0].visibility_timeout"), Some(3));
        assert_eq!(at("pipeline.queues[0].retention"), Some(4));
        assert_eq!(
            at("pipeline.queues[0].dead_letter.max_receive_count"),
            Some(5)
        );
        assert_eq!(at("pipeline.queues[q].dead_letter"), Some(5));
        assert_eq!(at("pipeline.consumers[0].count"), Some(7));
        assert_eq!(at("pipeline.consumers[0].processing_time.value"), Some(8));
    }

    #[test]
    fn finds_keys_in_flow_mappings() {
        assert_eq!(at("producers[1].count"), Some(10));
        assert_eq!(at("producers[0].duplicates.sns_redelivery"), Some(9));
        assert_eq!(at("workers[0].service_time.mean"), Some(14));
    }

    #[test]
    fn finds_list_items_by_name() {
        assert_eq!(at("workers[team].count"), Some(13));
        assert_eq!(at("producers[backfill].count"), Some(10));
        assert_eq!(at("producers[cams].duplicates.sns_redelivery"), Some(9));
        assert_eq!(at("producers[nobody].rate"), Some(5), "the list's line");
    }

    #[test]
    fn falls_back_to_nearest_ancestor() {
        assert_eq!(at("job.refill_rule"), Some(2));
        assert_eq!(at("producers[0].limit"), Some(6));
    }

    #[test]
    fn parse_errors_carry_lines() {
        let err = from_str::<serde_norway::Value>("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.1.is_some());
    }

    fn nesting(text: &str) -> Result<(), Option<usize>> {
        check_nesting(text).map_err(|(_, line)| line)
    }

    #[test]
    fn nesting_counts_flow_and_block_levels() {
        let deep = |n: usize| format!("a: {}{}\n", "[".repeat(n), "]".repeat(n));
        assert_eq!(nesting(&deep(63)), Ok(()));
        assert_eq!(nesting(&deep(64)), Err(Some(1)));
        let deep_map = format!("a: {}1{}\n", "{k: ".repeat(100), "}".repeat(100));
        assert_eq!(nesting(&deep_map), Err(Some(1)));
        let mut block = String::new();
        for i in 0..70 {
            block.push_str(&format!("{}k:\n", " ".repeat(i)));
        }
        assert_eq!(nesting(&block), Err(Some(65)));
        let dashes = format!("{}x\n", "- ".repeat(70));
        assert_eq!(nesting(&dashes), Err(Some(1)));
        // Split over lines inside a flow collection.
        let lines = format!("a: {}\n{}\n", "[\n".repeat(70), "]\n".repeat(70));
        assert!(nesting(&lines).is_err());
    }

    #[test]
    fn brackets_in_text_do_not_count() {
        let b = "[".repeat(100);
        for text in [
            format!("a: '{b}'\n"),
            format!("a: \"{b}\\\"{b}\"\n"),
            format!("a: 'it''s {b}'\n"),
            format!("a: x{b}\n"),
            format!("a: it's {b}\n"),
            format!("a: 1 # {b}\n"),
            format!("# {b}\n"),
            format!("a: |\n  {b}\n  more {b}\nb: 1\n"),
            format!("a: >-\n    {b}\n\n    {b}\nb: 1\n"),
            format!("a: \"multi\n  line {b}\"\nb: 1\n"),
            format!("a: &anchor '{b}'\nb: !tag '{b}'\n"),
            format!("- [x, '{b}', \"{b}\"]\n- {{k: '{b}'}}\n"),
        ] {
            assert_eq!(nesting(&text), Ok(()), "{text}");
        }
    }

    #[test]
    fn a_closing_bracket_in_text_does_not_hide_what_follows() {
        let text = format!("a: x]]]]]]\nb: {}\n", "[".repeat(70));
        assert_eq!(nesting(&text), Err(Some(2)));
        // After a block scalar ends, counting resumes.
        let text = format!("a: |\n  text\nb: {}\n", "[".repeat(70));
        assert_eq!(nesting(&text), Err(Some(3)));
    }

    #[test]
    fn expansion_is_counted_with_aliases() {
        assert!(check_expansion("a: &a [1, 2]\nb: *a\n").is_ok());
        let bomb = format!(
            "a: &a [{}]\nb: [{}]\n",
            "0,".repeat(2000),
            "*a,".repeat(1000)
        );
        let (msg, _) = check_expansion(&bomb).unwrap_err();
        assert!(msg.contains("more than 1000000 values"), "{msg}");
        let (msg, line) = check_expansion("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(line.is_some() && !msg.is_empty());
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

    /// A byte-order mark is read past; a second document (the parser says
    /// so without a line) is named at the line where it starts.
    #[test]
    fn a_bom_is_allowed_and_a_second_document_is_named_at_its_line() {
        assert!(parse("\u{feff}name: x\nhorizon: 1d\n").is_ok());
        let (msg, line) = parse("    shifts: always\nname: x\nhorizon: 1d\n").unwrap_err();
        assert_eq!(line, Some(2), "{msg}");
        assert!(msg.contains("indented less than the first key"), "{msg}");
        let (msg, line) = parse("name: x\nhorizon: 1d\n---\nname: y\n").unwrap_err();
        assert_eq!(line, Some(3), "{msg}");
        assert!(msg.contains("second YAML document"), "{msg}");
    }
}
