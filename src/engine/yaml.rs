//! A YAML/JSON loader that keeps line and column for every node.
//!
//! `serde_yaml` forgets positions, and diagnostics must point at the exact line of a
//! bad field, so the engine builds its own small spanned tree from the events of
//! `yaml-rust2`. JSON is YAML 1.2, so the same path reads both.
//!
//! Robustness is the point of this module (`docs/semantics.md` §10):
//! - the stream is split into documents *before* parsing, so a syntax error in one
//!   document never hides the documents after it;
//! - nesting deeper than [`MAX_DEPTH`] and alias expansion past a budget ("billion
//!   laughs") refuse the document with a diagnostic instead of hanging or exhausting memory;
//! - anchors and aliases share their subtrees (`Rc`), so memory stays linear in the
//!   input however anchors nest;
//! - the tree builder is iterative, so hostile input cannot overflow the stack;
//! - a NUL byte, which ends the input for the parser, is reported and dropped, so it
//!   cannot silently cut a document short;
//! - a key written twice in one map is reported, as the API server refuses it.
//!
//! Scalars are typed as Kubernetes types them: sigs.k8s.io/yaml reads manifests with
//! go-yaml v2, which follows YAML 1.1 (`0120` is octal, `yes` is a boolean). See
//! [`resolve_yaml_1_1`] and [`Node::yaml_1_2_reading_differs`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::config::{fnv32a_more, FNV32A_START};
use super::diag::{Diagnostic, Severity, Source};

/// Deepest nesting accepted. Real manifests stay below 20.
pub const MAX_DEPTH: usize = 100;
/// Nodes that aliases may add on top of the nodes written out in a document.
pub const ALIAS_EXPANSION_ALLOWANCE: usize = 100_000;
/// Bytes of scalars and keys that aliases may add on top of the document's own text:
/// a few aliases of one long string expand to gigabytes without many nodes.
pub const ALIAS_EXPANSION_BYTES_ALLOWANCE: usize = 16 * 1024 * 1024;
/// Largest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 50 * 1024 * 1024;
/// Lines with a NUL byte reported one by one in a document; the rest are summed up
/// in one more diagnostic, so a binary file does not flood the list.
pub const MAX_NUL_LINES_REPORTED: usize = 20;

/// One node of a document, with its 1-based position. Cloning a node is cheap:
/// sequences and maps share their children.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A scalar keeps its text; typing happens when a reader asks for a type, so
    /// nothing is lost and `"0800"` stays distinct from `0800`.
    Scalar(Scalar),
    /// Shared with every anchor and alias that names the same sequence.
    Seq(Rc<Vec<Node>>),
    /// Shared with every anchor and alias that names the same map.
    Map(Rc<Vec<(String, Node)>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Plain (unquoted) scalars may be null, bool or numbers; quoted ones are always strings.
    pub plain: bool,
}

/// What a plain scalar means under one YAML schema.
#[derive(Clone, Debug, PartialEq)]
pub enum ScalarReading {
    Null,
    Bool(bool),
    Int(i64),
    /// An integer beyond `i64`, which go-yaml v2 reads as an unsigned 64-bit integer.
    LargeInt(u64),
    Float(f64),
    Str,
}

impl ScalarReading {
    /// The reading in words, for messages: "the integer 80", "the boolean true".
    pub fn describe(&self, text: &str) -> String {
        match self {
            ScalarReading::Null => "null".to_string(),
            ScalarReading::Bool(value) => format!("the boolean {value}"),
            ScalarReading::Int(value) => format!("the integer {value}"),
            ScalarReading::LargeInt(value) => format!("the integer {value}"),
            ScalarReading::Float(value) => format!("the number {value}"),
            ScalarReading::Str => format!("the string \"{}\"", truncate(text, 40)),
        }
    }

    /// Two readings agree when they give the same JSON value: the integer 8 and the
    /// float 8.0 are the same number once converted, as sigs.k8s.io/yaml converts them.
    fn agrees_with(&self, other: &ScalarReading) -> bool {
        match (self, other) {
            (ScalarReading::Int(a), ScalarReading::Float(b))
            | (ScalarReading::Float(b), ScalarReading::Int(a)) => (*a as f64) == *b,
            (ScalarReading::Float(a), ScalarReading::Float(b)) => {
                a == b || (a.is_nan() && b.is_nan())
            }
            _ => self == other,
        }
    }
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// 1-based index of the document in its file.
    pub index: usize,
    /// The document's root, or `None` when it is empty, comment-only or refused.
    pub root: Option<Node>,
    /// The `# Source: chart/templates/x.yaml` comment Helm writes above each document.
    pub helm_source: Option<String>,
}

impl Node {
    /// A hash of what the node says, not of how or where: scalars by their text,
    /// sequences in order, maps whatever the order of their keys. Comments, layout,
    /// quoting, flow or block style and position change nothing (§7.2, the
    /// pod-template-hash).
    pub fn fingerprint(&self) -> u32 {
        match &self.value {
            Value::Scalar(scalar) => fnv32a_more(FNV32A_START, scalar.text.as_bytes()),
            Value::Seq(items) => items
                .iter()
                .fold(fnv32a_more(FNV32A_START, b"["), |hash, item| {
                    fnv32a_more(hash, &item.fingerprint().to_le_bytes())
                }),
            // Each entry is hashed on its own and the hashes added, so that the
            // order of the keys does not count, as in the Go object Kubernetes hashes.
            Value::Map(entries) => {
                entries
                    .iter()
                    .fold(fnv32a_more(FNV32A_START, b"{"), |sum, (key, value)| {
                        let entry = fnv32a_more(fnv32a_more(FNV32A_START, key.as_bytes()), b":");
                        sum.wrapping_add(fnv32a_more(entry, &value.fingerprint().to_le_bytes()))
                    })
            }
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.plain && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of any non-null scalar. Readers accept `8080` where a string is wanted,
    /// as a lenient reader should; they refuse maps and sequences.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) if !self.is_null() => Some(&s.text),
            _ => None,
        }
    }

    /// The scalar as Kubernetes reads it (YAML 1.1, see [`resolve_yaml_1_1`]), or
    /// `None` for a quoted scalar, a sequence or a map.
    pub fn yaml_1_1_reading(&self) -> Option<ScalarReading> {
        match &self.value {
            Value::Scalar(s) if s.plain => Some(resolve_yaml_1_1(&s.text)),
            _ => None,
        }
    }

    /// For a plain scalar that YAML 1.1 (Kubernetes) and the YAML 1.2 core schema
    /// (editors, linters, most other tools) read differently: both readings, in
    /// that order. `port: 0120` is 80 to Kubernetes and 120 to YAML 1.2.
    pub fn yaml_1_2_reading_differs(&self) -> Option<(ScalarReading, ScalarReading)> {
        let Value::Scalar(s) = &self.value else {
            return None;
        };
        if !s.plain {
            return None;
        }
        let yaml_1_1 = resolve_yaml_1_1(&s.text);
        let yaml_1_2 = resolve_yaml_1_2_core(&s.text);
        (!yaml_1_1.agrees_with(&yaml_1_2)).then_some((yaml_1_1, yaml_1_2))
    }

    /// An integer as Kubernetes reads it: YAML 1.1 integers (`0120` is octal 80,
    /// `0b1010`, `0x50`, `1_000`), and floats with no fraction (`80.0`, `1e3`),
    /// which sigs.k8s.io/yaml writes into JSON as integers.
    pub fn as_i64(&self) -> Option<i64> {
        match self.yaml_1_1_reading()? {
            ScalarReading::Int(value) => Some(value),
            // 2^63 as f64 is the first float past i64::MAX.
            ScalarReading::Float(value)
                if value.fract() == 0.0 && value.abs() < 9_223_372_036_854_775_808.0 =>
            {
                Some(value as i64)
            }
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.yaml_1_1_reading()? {
            ScalarReading::Int(value) => Some(value as f64),
            ScalarReading::LargeInt(value) => Some(value as f64),
            ScalarReading::Float(value) => Some(value),
            _ => None,
        }
    }

    /// A boolean as Kubernetes reads it: YAML 1.1 also takes `yes`, `no`, `on`,
    /// `off`, `y` and `n` in the spellings go-yaml v2 lists.
    pub fn as_bool(&self) -> Option<bool> {
        match self.yaml_1_1_reading()? {
            ScalarReading::Bool(value) => Some(value),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(String, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A short name for the node's type, for messages such as "expected an integer, found a string".
    pub fn describe(&self) -> String {
        match &self.value {
            Value::Scalar(_) if self.is_null() => "null".to_string(),
            Value::Scalar(s) => format!("\"{}\"", truncate(&s.text, 40)),
            Value::Seq(_) => "a list".to_string(),
            Value::Map(_) => "a map".to_string(),
        }
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max_chars).collect();
        cut.push('…');
        cut
    }
}

/// Reads a plain scalar as go-yaml v2 (v2.4.0, `resolve.go`) does, which is what
/// Kubernetes uses through sigs.k8s.io/yaml:
/// - a fixed table: `y Y yes Yes YES on On ON true True TRUE` are true, `n N no No
///   NO off Off OFF false False FALSE` are false, `"" ~ null Null NULL` are null,
///   `.nan .inf -.inf +.inf` (three spellings each) are floats;
/// - text starting with `.` is a float if Go's `ParseFloat` takes it;
/// - text starting with a sign or a digit, once every `_` is removed, is an integer
///   as Go's `strconv.ParseInt(s, 0, 64)` reads it (`0x`, `0o`, `0b` prefixes in
///   either case, a leading `0` for octal), else an unsigned integer beyond `i64`,
///   else a float if it matches `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`,
///   else a binary integer after `0b` or `-0b` (the digits after `0b` may carry a
///   sign of their own, as `ParseInt` allows);
/// - everything else, timestamps included, is a string.
pub fn resolve_yaml_1_1(text: &str) -> ScalarReading {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return ScalarReading::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return ScalarReading::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => return ScalarReading::Null,
        ".nan" | ".NaN" | ".NAN" => return ScalarReading::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ScalarReading::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return ScalarReading::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match text.as_bytes()[0] {
        b'.' => match parse_go_decimal_float(text) {
            Some(value) => ScalarReading::Float(value),
            None => ScalarReading::Str,
        },
        b'+' | b'-' | b'0'..=b'9' => {
            if is_yaml_1_1_timestamp(text) {
                return ScalarReading::Str;
            }
            let plain: String = text.chars().filter(|&c| c != '_').collect();
            if let Some(value) = parse_go_int(&plain, 0) {
                return ScalarReading::Int(value);
            }
            if let Some(value) = parse_go_uint(&plain, 0) {
                return ScalarReading::LargeInt(value);
            }
            if is_yaml_float(&plain) {
                if let Ok(value) = plain.parse::<f64>() {
                    return ScalarReading::Float(value);
                }
            }
            if let Some(digits) = plain.strip_prefix("0b") {
                if let Some(value) = parse_go_int(digits, 2) {
                    return ScalarReading::Int(value);
                }
                if let Some(value) = parse_go_uint(digits, 2) {
                    return ScalarReading::LargeInt(value);
                }
            } else if let Some(digits) = plain.strip_prefix("-0b") {
                if let Some(value) = parse_go_int(&format!("-{digits}"), 2) {
                    return ScalarReading::Int(value);
                }
            }
            ScalarReading::Str
        }
        _ => ScalarReading::Str,
    }
}

/// Reads a plain scalar with the YAML 1.2 core schema (section 10.3.2 of the YAML 1.2.2 specification), as
/// YAML 1.2 tools do. Only used to tell the user where Kubernetes reads differently.
pub fn resolve_yaml_1_2_core(text: &str) -> ScalarReading {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarReading::Null,
        "true" | "True" | "TRUE" => return ScalarReading::Bool(true),
        "false" | "False" | "FALSE" => return ScalarReading::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return ScalarReading::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ScalarReading::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return ScalarReading::Float(f64::NEG_INFINITY),
        _ => {}
    }
    let digits_in =
        |digits: &str, radix: u32| !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix));
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    // Integers past i64 are floats to kubetopo's reading, as a float's range holds them.
    if digits_in(unsigned, 10) {
        if let Ok(value) = text.parse::<i64>() {
            return ScalarReading::Int(value);
        }
    }
    for (prefix, radix) in [("0o", 8), ("0x", 16)] {
        if let Some(digits) = text.strip_prefix(prefix).filter(|d| digits_in(d, radix)) {
            return i64::from_str_radix(digits, radix)
                .map_or(ScalarReading::Str, ScalarReading::Int);
        }
    }
    if is_yaml_float(text) {
        if let Ok(value) = text.parse::<f64>() {
            return ScalarReading::Float(value);
        }
    }
    ScalarReading::Str
}

/// Go's `strconv.ParseInt(text, base, 64)` for base 0 (prefixes decide) or a fixed
/// base, after go-yaml has removed the underscores.
fn parse_go_int(text: &str, base: u32) -> Option<i64> {
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = parse_go_uint(unsigned, base)?;
    if negative {
        if magnitude <= 1 << 63 {
            Some((magnitude as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// Go's `strconv.ParseUint(text, base, 64)`: no sign; with base 0, `0x`, `0o` and
/// `0b` (either case, with at least one digit after) choose the base, and any other
/// leading `0` means octal.
fn parse_go_uint(text: &str, base: u32) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    let (radix, digits) = if base != 0 {
        (base, text)
    } else if let Some(after_zero) = text.strip_prefix('0') {
        match after_zero.as_bytes().first().map(u8::to_ascii_lowercase) {
            Some(b'x') if text.len() >= 3 => (16, &after_zero[1..]),
            Some(b'o') if text.len() >= 3 => (8, &after_zero[1..]),
            Some(b'b') if text.len() >= 3 => (2, &after_zero[1..]),
            _ => (8, after_zero),
        }
    } else {
        (10, text)
    };
    // Checked here because `from_str_radix` would accept a `+` of its own.
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    if digits.is_empty() {
        // Only "0" itself gets here: a lone leading `0` is octal with no digits.
        return Some(0);
    }
    u64::from_str_radix(digits, radix).ok()
}

/// go-yaml's `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        at += 1;
    }
    let digits = |at: &mut usize| {
        let start = *at;
        while bytes.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        *at - start
    };
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        if digits(&mut at) == 0 {
            return false;
        }
    } else {
        if digits(&mut at) == 0 {
            return false;
        }
        if bytes.get(at) == Some(&b'.') {
            at += 1;
            digits(&mut at);
        }
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'-' | b'+')) {
            at += 1;
        }
        if digits(&mut at) == 0 {
            return false;
        }
    }
    at == bytes.len()
}

/// Go's `ParseFloat` on text that starts with `.`: only decimal forms such as `.5`
/// or `.5e3` can parse there (the named values are in the table already).
fn parse_go_decimal_float(text: &str) -> Option<f64> {
    if is_yaml_float(text) {
        text.parse().ok()
    } else {
        None
    }
}

/// go-yaml v2 tries timestamps before numbers, and only for text that starts with
/// four digits and a `-`; kubetopo keeps such text as a string, as timestamps are
/// strings in every field it reads.
fn is_yaml_1_1_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() > 4 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-'
}

/// Splits `text` into documents and parses each one. Problems become diagnostics on
/// `diagnostics`; the documents that could be read are returned.
pub fn load_documents(file: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Document> {
    let mut documents = Vec::new();
    load_documents_each(file, text, diagnostics, &mut |document, _, _| {
        documents.push(document)
    });
    documents
}

/// [`load_documents`], one document at a time: `each` gets every document as soon as
/// it is parsed, with the number of documents in the file and the diagnostics so far
/// (so that a shell can hand out parts of a large file, and show how far it got).
pub fn load_documents_each(
    file: &str,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
    each: &mut dyn FnMut(Document, usize, &mut Vec<Diagnostic>),
) {
    if text.len() > MAX_INPUT_BYTES {
        diagnostics.push(
            Diagnostic::error(
                "input-too-large",
                format!(
                    "The input is {} MB; kubetopo reads at most {} MB. Split it into smaller files.",
                    text.len() / (1024 * 1024),
                    MAX_INPUT_BYTES / (1024 * 1024)
                ),
            )
            .at(Source { file: file.to_string(), document: 0, line: 1, column: 1 }),
        );
        return;
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };

    let chunks = split_documents(text);
    let n_chunks = chunks.len();
    for (index, chunk) in (1..).zip(chunks) {
        let source = |line: usize, column: usize| Source {
            file: file.to_string(),
            document: index,
            line,
            column,
        };
        let mut notes = Vec::new();
        let chunk_text = without_nul_bytes(&chunk, &mut notes);
        let root = match build_tree(
            &chunk_text,
            chunk.first_line,
            chunk.first_column_offset,
            &mut notes,
        ) {
            Ok(root) => root,
            Err(problem) => {
                notes.push(problem);
                None
            }
        };
        for note in notes {
            diagnostics.push(
                Diagnostic::new(note.code, note.severity, note.message)
                    .at(source(note.line, note.column)),
            );
        }
        let document = Document {
            index,
            root,
            helm_source: chunk.helm_source,
        };
        each(document, n_chunks, diagnostics);
    }
}

/// The chunk's text without NUL bytes, with one note per line that held any.
///
/// yaml-rust2 (like libyaml) takes NUL for the end of the input, so a NUL used to
/// end the document silently wherever it stood: in a comment it hid a whole
/// Service, after `name:` it dropped the namespace and the type (issue #12 item 17).
/// YAML forbids the byte, and the API server refuses the document, so it is an
/// error; but only the byte itself is dropped, and the rest of the line is read.
fn without_nul_bytes<'a>(chunk: &Chunk<'a>, notes: &mut Vec<Problem>) -> Cow<'a, str> {
    if !chunk.text.contains('\0') {
        return Cow::Borrowed(chunk.text);
    }
    let mut n_lines_with_nul = 0usize;
    let mut n_lines_not_reported = 0usize;
    for (line_index, line) in chunk.text.split('\n').enumerate() {
        let Some(byte_offset) = line.find('\0') else {
            continue;
        };
        n_lines_with_nul += 1;
        if n_lines_with_nul > MAX_NUL_LINES_REPORTED {
            n_lines_not_reported += 1;
            continue;
        }
        let column_offset = if line_index == 0 {
            chunk.first_column_offset
        } else {
            0
        };
        let n_nul_bytes = line.matches('\0').count();
        let kept = line.replace('\0', "");
        let what = if n_nul_bytes == 1 {
            "a NUL byte".to_string()
        } else {
            format!("{n_nul_bytes} NUL bytes")
        };
        notes.push(Problem {
            code: "yaml-nul-byte",
            severity: Severity::Error,
            message: format!(
                "This line holds {what} (U+0000), which YAML does not allow; the API server refuses the document, and a YAML parser stops reading at it. kubetopo dropped only the NUL and read the rest of the document, with this line as `{}`. Remove the byte.",
                truncate(kept.trim_end(), 80)
            ),
            line: chunk.first_line + line_index,
            column: line[..byte_offset].chars().count() + 1 + column_offset,
        });
    }
    if n_lines_not_reported > 0 {
        notes.push(Problem {
            code: "yaml-nul-byte",
            severity: Severity::Error,
            message: format!(
                "{n_lines_not_reported} more lines of this document hold NUL bytes; each was dropped and the rest of its line read. Is this a binary file?"
            ),
            line: chunk.first_line,
            column: 1 + chunk.first_column_offset,
        });
    }
    Cow::Owned(chunk.text.replace('\0', ""))
}

/// One document's slice of the stream. A document opened by `---` starts right
/// after the marker, so content on the marker line keeps its place once
/// `first_column_offset` is added back.
struct Chunk<'a> {
    text: &'a str,
    first_line: usize,
    first_column_offset: usize,
    helm_source: Option<String>,
}

fn is_marker(line: &str, marker: &str) -> bool {
    line.strip_prefix(marker)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn has_content(text: &str) -> bool {
    text.lines().any(|line| {
        let trimmed = line.trim_start();
        !trimmed.is_empty() && !trimmed.starts_with('#') && !is_marker(line, "...")
    })
}

/// Cuts the stream at `---` lines, without copying it.
fn split_documents(text: &str) -> Vec<Chunk<'_>> {
    let mut chunks = Vec::new();
    // (byte offset where the document's text starts, its first line, column offset, opened by a marker)
    let mut start = (0usize, 1usize, 0usize, false);
    let mut helm_source: Option<String> = None;
    let mut offset = 0usize;
    for (line_index, line) in text.split('\n').enumerate() {
        let line_number = line_index + 1;
        let line_start = offset;
        offset += line.len() + 1;
        if is_marker(line, "---") {
            let body = &text[start.0..line_start];
            // The part before the first marker counts only if it holds something.
            if has_content(body) || start.3 {
                chunks.push(Chunk {
                    text: body,
                    first_line: start.1,
                    first_column_offset: start.2,
                    helm_source: helm_source.take(),
                });
            }
            helm_source = None;
            start = (line_start + 3, line_number, 3, true);
            continue;
        }
        if let Some(path) = line.strip_prefix("# Source: ") {
            helm_source = Some(path.trim().to_string());
        }
    }
    let body = &text[start.0.min(text.len())..];
    // A trailing document opened by a marker is kept when anything but blank lines follows.
    if has_content(body) || (start.3 && body.lines().skip(1).any(|l| !l.trim().is_empty())) {
        chunks.push(Chunk {
            text: body,
            first_line: start.1,
            first_column_offset: start.2,
            helm_source,
        });
    }
    chunks
}

/// A problem found while building a tree. A refusal (`build_tree` returns it as
/// `Err`) drops the document; a note is reported and the document is kept.
struct Problem {
    code: &'static str,
    severity: Severity,
    message: String,
    line: usize,
    column: usize,
}

/// What a subtree stands for once every alias in it is expanded: the budgets are
/// counted in these units, and each finished node carries its own so that an
/// anchor never has to walk its subtree again.
#[derive(Clone, Copy, Debug, Default)]
struct ExpandedSize {
    n_nodes: usize,
    n_bytes: usize,
}

impl ExpandedSize {
    fn add(&mut self, other: ExpandedSize) {
        self.n_nodes = self.n_nodes.saturating_add(other.n_nodes);
        self.n_bytes = self.n_bytes.saturating_add(other.n_bytes);
    }
}

/// A map key waiting for its value, with the key's own position for diagnostics.
struct PendingKey {
    text: String,
    line: u32,
    column: u32,
}

/// Maps up to this many entries look keys up by a linear scan; larger ones keep a
/// hash index, so that a map with many keys is still built in linear time.
const LINEAR_SCAN_MAX_ENTRIES: usize = 8;

/// The entries of a mapping being built, with what duplicate detection needs.
#[derive(Default)]
struct MapEntries {
    entries: Vec<(String, Node)>,
    /// Per entry: whether it was spliced in by a `<<` merge key, which an explicit
    /// key overrides without that being a duplicate.
    from_merge: Vec<bool>,
    /// Per entry: the line of the key that set it, to name it in a duplicate-key error.
    key_lines: Vec<u32>,
    /// Key to entry index, filled only once the map outgrows a linear scan.
    index: HashMap<String, usize>,
}

impl MapEntries {
    fn position(&self, key: &str) -> Option<usize> {
        if self.entries.len() <= LINEAR_SCAN_MAX_ENTRIES {
            self.entries.iter().position(|(k, _)| k == key)
        } else {
            self.index.get(key).copied()
        }
    }

    fn push(&mut self, key: String, node: Node, from_merge: bool, key_line: u32) {
        self.entries.push((key, node));
        self.from_merge.push(from_merge);
        self.key_lines.push(key_line);
        let n_entries = self.entries.len();
        if n_entries == LINEAR_SCAN_MAX_ENTRIES + 1 {
            for (index, (k, _)) in self.entries.iter().enumerate() {
                self.index.entry(k.clone()).or_insert(index);
            }
        } else if n_entries > LINEAR_SCAN_MAX_ENTRIES {
            let key = self.entries[n_entries - 1].0.clone();
            self.index.entry(key).or_insert(n_entries - 1);
        }
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        line: u32,
        column: u32,
        anchor: usize,
        size: ExpandedSize,
    },
    Map {
        map: MapEntries,
        pending_key: Option<PendingKey>,
        line: u32,
        column: u32,
        anchor: usize,
        size: ExpandedSize,
    },
}

impl Frame {
    fn size_mut(&mut self) -> &mut ExpandedSize {
        match self {
            Frame::Seq { size, .. } | Frame::Map { size, .. } => size,
        }
    }
}

/// A finished sequence's or map's items without the spare room reserved while it was
/// built: most maps in hostile input hold one entry, and the spare room of six made
/// a tree of nested maps take about 65 bytes per byte of input instead of about 35.
fn fitted<T>(mut items: Vec<T>) -> Vec<T> {
    if items.capacity() > items.len() {
        items.shrink_to_fit();
    }
    items
}

/// The first tab at or after 1-based `line` and 0-based `column` (in characters)
/// of `text`, on that line or the next, as the same kind of position.
fn first_tab_from(text: &str, line: usize, column: usize) -> Option<(usize, usize)> {
    let (mut at_line, mut at_column) = (1, 0);
    for &byte in text.as_bytes() {
        let reached = at_line > line || at_line == line && at_column >= column;
        match byte {
            b'\t' if reached => return Some((at_line, at_column)),
            b'\n' if at_line > line => return None,
            b'\n' => (at_line, at_column) = (at_line + 1, 0),
            // A UTF-8 continuation byte is part of the character before it.
            _ if byte & 0xC0 != 0x80 => at_column += 1,
            _ => {}
        }
    }
    None
}

/// Builds the tree of one document with an explicit stack. Problems that refuse
/// the document are the `Err`; problems that keep it are pushed on `notes`.
fn build_tree(
    text: &str,
    first_line: usize,
    first_column_offset: usize,
    notes: &mut Vec<Problem>,
) -> Result<Option<Node>, Problem> {
    let line_offset = first_line - 1;
    let column =
        |line: usize, column: usize| column + 1 + if line == 1 { first_column_offset } else { 0 };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    // An anchor keeps a shallow clone of its node: sequences and maps share their
    // children through `Rc`, so nested anchors cost one pointer each, not a copy of
    // the subtree (issue #12 item 7: 99 nested anchors made 1 MB of YAML take 2.5 GB).
    let mut anchors: HashMap<usize, (Node, ExpandedSize)> = HashMap::new();
    let mut root: Option<Node> = None;
    let mut n_nodes: usize = 0;
    let mut n_alias_nodes: usize = 0;
    let mut n_alias_bytes: usize = 0;
    loop {
        let (event, marker) = parser.next_token().map_err(|error| {
            // The scanner has its own flow-nesting limit; report it like ours.
            let (code, message) = if error.info().contains("recursion limit") {
                ("yaml-too-deep", format!("The document nests deeper than the parser allows ({}), which no Kubernetes object needs. The document was refused.", error.info()))
            } else {
                ("yaml-syntax", format!("YAML syntax error: {}. Fix the document; the other documents are still read.", error.info()))
            };
            let (mut line, mut col) = (error.marker().line(), error.marker().col());
            // The scanner can report a tab it tripped on from the end of the line
            // before it: point at the tab itself.
            if error.info().contains("tab") {
                if let Some(tab) = first_tab_from(text, line, col) {
                    (line, col) = tab;
                }
            }
            Problem { code, severity: Severity::Error, message, line: line + line_offset, column: column(line, col) }
        })?;
        let line = (marker.line() + line_offset) as u32;
        let column = column(marker.line(), marker.col()) as u32;
        let refusal = |code: &'static str, message: String| Problem {
            code,
            severity: Severity::Error,
            message,
            line: line as usize,
            column: column as usize,
        };
        let finished: Option<(Node, usize, ExpandedSize)> = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => None,
            Event::Scalar(text, style, anchor, _tag) => {
                n_nodes += 1;
                let plain = matches!(style, TScalarStyle::Plain);
                let size = ExpandedSize {
                    n_nodes: 1,
                    n_bytes: text.len(),
                };
                Some((
                    Node {
                        value: Value::Scalar(Scalar { text, plain }),
                        line,
                        column,
                    },
                    anchor,
                    size,
                ))
            }
            Event::Alias(anchor) => {
                let Some((node, size)) = anchors.get(&anchor) else {
                    return Err(refusal(
                        "yaml-syntax",
                        "YAML alias refers to an unknown anchor.".to_string(),
                    ));
                };
                n_alias_nodes = n_alias_nodes.saturating_add(size.n_nodes);
                n_alias_bytes = n_alias_bytes.saturating_add(size.n_bytes);
                if n_alias_bytes > ALIAS_EXPANSION_BYTES_ALLOWANCE + text.len() {
                    return Err(refusal(
                        "yaml-alias-bomb",
                        format!(
                            "YAML aliases expand to more than {} MB of text, which looks like an alias bomb (\"billion laughs\"). The document was refused; expand the aliases by hand if this is intended.",
                            (ALIAS_EXPANSION_BYTES_ALLOWANCE + text.len()) / (1024 * 1024)
                        ),
                    ));
                }
                if n_alias_nodes > ALIAS_EXPANSION_ALLOWANCE + n_nodes {
                    return Err(refusal(
                        "yaml-alias-bomb",
                        format!(
                            "YAML aliases expand to more than {} nodes, which looks like an alias bomb (\"billion laughs\"). The document was refused; expand the aliases by hand if this is intended.",
                            ALIAS_EXPANSION_ALLOWANCE + n_nodes
                        ),
                    ));
                }
                // A shallow clone: the alias shares the anchor's children.
                let mut node = node.clone();
                node.line = line;
                node.column = column;
                Some((node, 0, *size))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                n_nodes += 1;
                if stack.len() >= MAX_DEPTH {
                    return Err(refusal(
                        "yaml-too-deep",
                        format!("The document nests deeper than {MAX_DEPTH} levels, which no Kubernetes object needs. The document was refused."),
                    ));
                }
                let size = ExpandedSize {
                    n_nodes: 1,
                    n_bytes: 0,
                };
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::with_capacity(4),
                        line,
                        column,
                        anchor,
                        size,
                    }
                } else {
                    Frame::Map {
                        map: MapEntries {
                            entries: Vec::with_capacity(6),
                            ..MapEntries::default()
                        },
                        pending_key: None,
                        line,
                        column,
                        anchor,
                        size,
                    }
                });
                None
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    line,
                    column,
                    anchor,
                    size,
                }) => Some((
                    Node {
                        value: Value::Seq(Rc::new(fitted(items))),
                        line,
                        column,
                    },
                    anchor,
                    size,
                )),
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    map,
                    line,
                    column,
                    anchor,
                    size,
                    ..
                }) => Some((
                    Node {
                        value: Value::Map(Rc::new(fitted(map.entries))),
                        line,
                        column,
                    },
                    anchor,
                    size,
                )),
                _ => None,
            },
        };
        let Some((node, anchor, size)) = finished else {
            continue;
        };
        if anchor != 0 {
            anchors.insert(anchor, (node.clone(), size));
        }
        let Some(parent) = stack.last_mut() else {
            root = Some(node);
            continue;
        };
        // A key counts for its text only, as it did when sizes were counted by walking
        // the finished tree; the budgets' documented figures depend on it.
        let is_key = matches!(
            parent,
            Frame::Map {
                pending_key: None,
                ..
            }
        );
        parent.size_mut().add(if is_key {
            ExpandedSize {
                n_nodes: 0,
                n_bytes: size.n_bytes,
            }
        } else {
            size
        });
        match parent {
            Frame::Seq { items, .. } => items.push(node),
            Frame::Map {
                map,
                pending_key,
                line: map_line,
                column: map_column,
                ..
            } => match pending_key.take() {
                None => {
                    // yaml-rust2 marks a block mapping at the `:` after its first key; the
                    // mapping starts at that key (a flow mapping's `{` comes first and stays).
                    if map.entries.is_empty() && (node.line, node.column) < (*map_line, *map_column)
                    {
                        (*map_line, *map_column) = (node.line, node.column);
                    }
                    let text = match node.value {
                        Value::Scalar(scalar) => scalar.text,
                        _ => "<complex key>".to_string(),
                    };
                    *pending_key = Some(PendingKey {
                        text,
                        line: node.line,
                        column: node.column,
                    });
                }
                Some(key) => {
                    // YAML merge keys (`<<: *base`) splice the aliased map's entries in;
                    // keys already in the map, explicit or merged earlier, win.
                    if key.text == "<<" {
                        if let Value::Map(merged_entries) = &node.value {
                            for (merged_key, merged_value) in merged_entries.iter() {
                                if map.position(merged_key).is_none() {
                                    map.push(
                                        merged_key.clone(),
                                        merged_value.clone(),
                                        true,
                                        key.line,
                                    );
                                }
                            }
                            continue;
                        }
                    }
                    match map.position(&key.text) {
                        None => map.push(key.text, node, false, key.line),
                        Some(index) => {
                            // An explicit key overrides a merged one, even when written
                            // after `<<`. Two explicit keys are an error the API server
                            // reports; the later value is kept, as a decoder that
                            // overwrites would keep it.
                            if !map.from_merge[index] {
                                notes.push(Problem {
                                    code: "yaml-duplicate-key",
                                    severity: Severity::Error,
                                    message: format!(
                                        "The key \"{}\" appears twice in the same map (first on line {}). Kubernetes refuses a manifest with a duplicate key; kubetopo uses this later value. Remove one of them.",
                                        truncate(&key.text, 60),
                                        map.key_lines[index]
                                    ),
                                    line: key.line as usize,
                                    column: key.column as usize,
                                });
                            }
                            map.entries[index].1 = node;
                            map.from_merge[index] = false;
                            map.key_lines[index] = key.line;
                        }
                    }
                }
            },
        }
    }
    Ok(root.filter(|node| !node.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Vec<Document>, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let documents = load_documents("t.yaml", text, &mut diagnostics);
        (documents, diagnostics)
    }

    #[test]
    fn positions_are_one_based_and_offset_per_document() {
        let (documents, diagnostics) = load("a: 1\n---\nb:\n  c: x\n");
        assert!(diagnostics.is_empty());
        assert_eq!(documents.len(), 2);
        let c = documents[1]
            .root
            .as_ref()
            .unwrap()
            .get("b")
            .unwrap()
            .get("c")
            .unwrap();
        assert_eq!((c.line, c.column), (4, 6));
        assert_eq!(c.as_str(), Some("x"));
    }

    #[test]
    fn broken_document_does_not_hide_later_ones() {
        let (documents, diagnostics) = load("a: 1\n---\nb: [unclosed\n---\nc: 3\n");
        assert_eq!(documents.len(), 3);
        assert!(documents[1].root.is_none());
        assert_eq!(
            documents[2]
                .root
                .as_ref()
                .unwrap()
                .get("c")
                .unwrap()
                .as_i64(),
            Some(3)
        );
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "yaml-syntax");
        assert_eq!(diagnostics[0].source.document, 2);
        assert!(diagnostics[0].source.line >= 3, "{:?}", diagnostics[0]);
    }

    #[test]
    fn crlf_and_comment_only_documents() {
        let (documents, diagnostics) = load("# only a comment\r\n---\r\n---\r\nkind: Pod\r\n");
        assert!(diagnostics.is_empty());
        let with_roots: Vec<_> = documents.iter().filter(|d| d.root.is_some()).collect();
        assert_eq!(with_roots.len(), 1);
        assert_eq!(
            with_roots[0]
                .root
                .as_ref()
                .unwrap()
                .get("kind")
                .unwrap()
                .line,
            4
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let (documents, _) = load("base: &b {x: 1}\nuse: *b\nmerged:\n  <<: *b\n  y: 2\n");
        let root = documents[0].root.as_ref().unwrap();
        assert_eq!(root.get("use").unwrap().get("x").unwrap().as_i64(), Some(1));
        assert_eq!(
            root.get("merged").unwrap().get("x").unwrap().as_i64(),
            Some(1)
        );
    }

    #[test]
    fn alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let prev = level - 1;
            text.push_str(&format!("a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let (documents, diagnostics) = load(&text);
        assert!(documents[0].root.is_none());
        assert_eq!(diagnostics[0].code, "yaml-alias-bomb");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}1{}", "[".repeat(5000), "]".repeat(5000));
        let (documents, diagnostics) = load(&text);
        assert!(documents[0].root.is_none());
        assert_eq!(diagnostics[0].code, "yaml-too-deep");
    }

    #[test]
    fn json_and_quoted_scalars() {
        let (documents, _) =
            load(r#"{"kind": "Service", "spec": {"ports": [{"port": 80, "name": "0800"}]}}"#);
        let port = &documents[0]
            .root
            .as_ref()
            .unwrap()
            .get("spec")
            .unwrap()
            .get("ports")
            .unwrap()
            .as_seq()
            .unwrap()[0];
        assert_eq!(port.get("port").unwrap().as_i64(), Some(80));
        assert_eq!(port.get("name").unwrap().as_i64(), None);
    }

    #[test]
    fn helm_source_comments() {
        let (documents, _) = load("---\n# Source: chart/templates/svc.yaml\nkind: Service\n");
        assert_eq!(
            documents[0].helm_source.as_deref(),
            Some("chart/templates/svc.yaml")
        );
    }
}
