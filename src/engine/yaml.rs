//! A YAML/JSON loader that keeps line and column for every node.
//!
//! `serde_yaml` forgets positions, and diagnostics must point at the exact line of a
//! bad field, so the engine builds its own small spanned tree from the events of
//! `yaml-rust2`. JSON is YAML 1.2, so the same path reads both.
//!
//! Robustness is the point of this module:
//! - the stream is split into documents *before* parsing, so a syntax error in one
//!   document never hides the documents after it;
//! - nesting deeper than [`MAX_DEPTH`] and alias expansion past a budget ("billion
//!   laughs") refuse the document with a diagnostic instead of hanging or exhausting memory;
//! - the tree builder is iterative, so hostile input cannot overflow the stack.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

use super::diag::{Diagnostic, Source};

/// Deepest nesting accepted. Real manifests stay below 20.
pub const MAX_DEPTH: usize = 100;
/// Nodes that aliases may add on top of the nodes written out in a document.
pub const ALIAS_EXPANSION_ALLOWANCE: usize = 100_000;
/// Bytes of scalars and keys that aliases may add on top of the document's own text:
/// a few aliases of one long string expand to gigabytes without many nodes.
pub const ALIAS_EXPANSION_BYTES_ALLOWANCE: usize = 16 * 1024 * 1024;
/// Largest input accepted, in bytes.
pub const MAX_INPUT_BYTES: usize = 50 * 1024 * 1024;

/// One node of a document, with its 1-based position.
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
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    /// Plain (unquoted) scalars may be null, bool or numbers; quoted ones are always strings.
    pub plain: bool,
}

/// One document of a stream.
#[derive(Clone, Debug)]
pub struct Document {
    /// 1-based index of the document in its file.
    pub index: usize,
    /// The document's root, or `None` when it is empty, comment-only or refused.
    pub root: Option<Node>,
    /// The `# Source: chart/templates/x.yaml` comment Helm writes above each document.
    pub helm_source: Option<String>,
}

impl Node {
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

    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Scalar(s) if s.plain => parse_int(&s.text),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Value::Scalar(s) if s.plain => parse_int(&s.text)
                .map(|i| i as f64)
                .or_else(|| s.text.parse().ok()),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(s) if s.plain => match s.text.as_str() {
                "true" | "True" | "TRUE" => Some(true),
                "false" | "False" | "FALSE" => Some(false),
                _ => None,
            },
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

    /// The number of nodes and the bytes of scalar text and keys in this subtree.
    fn count_nodes(&self) -> (usize, usize) {
        let (mut n_nodes, mut n_bytes) = (0, 0);
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            n_nodes += 1;
            match &node.value {
                Value::Scalar(s) => n_bytes += s.text.len(),
                Value::Seq(items) => stack.extend(items.iter()),
                Value::Map(entries) => {
                    n_bytes += entries.iter().map(|(k, _)| k.len()).sum::<usize>();
                    stack.extend(entries.iter().map(|(_, v)| v));
                }
            }
        }
        (n_nodes, n_bytes)
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

/// YAML 1.2 core-schema integers, plus the YAML 1.1 octal form Kubernetes users write.
fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // `from_str_radix` accepts its own sign, so `-0x-8000000000000000` would reach the
    // negation below as i64::MIN and overflow; only bare digits are numbers.
    let all_digits =
        |text: &str, radix: u32| !text.is_empty() && text.chars().all(|c| c.is_digit(radix));
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        if !all_digits(hex, 16) {
            return None;
        }
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(octal) = digits.strip_prefix("0o") {
        if !all_digits(octal, 8) {
            return None;
        }
        i64::from_str_radix(octal, 8).ok()?
    } else if all_digits(digits, 10) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Splits `text` into documents and parses each one. Problems become diagnostics on
/// `diagnostics`; the documents that could be read are returned.
pub fn load_documents(file: &str, text: &str, diagnostics: &mut Vec<Diagnostic>) -> Vec<Document> {
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
        return Vec::new();
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        normalized.as_str()
    } else {
        text
    };

    let mut documents = Vec::new();
    for chunk in split_documents(text) {
        let index = documents.len() + 1;
        let source = |line: usize, column: usize| Source {
            file: file.to_string(),
            document: index,
            line,
            column,
        };
        let root = match build_tree(chunk.text, chunk.first_line, chunk.first_column_offset) {
            Ok(root) => root,
            Err(problem) => {
                diagnostics.push(
                    Diagnostic::error(problem.code, problem.message)
                        .at(source(problem.line, problem.column)),
                );
                None
            }
        };
        documents.push(Document {
            index,
            root,
            helm_source: chunk.helm_source,
        });
    }
    documents
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

struct Problem {
    code: &'static str,
    message: String,
    line: usize,
    column: usize,
}

enum Frame {
    Seq {
        items: Vec<Node>,
        line: u32,
        column: u32,
        anchor: usize,
    },
    /// `merged` holds the keys spliced in by `<<` merge keys, which explicit keys override.
    Map {
        entries: Vec<(String, Node)>,
        pending_key: Option<String>,
        merged: Vec<String>,
        line: u32,
        column: u32,
        anchor: usize,
    },
}

/// Builds the tree of one document with an explicit stack.
fn build_tree(
    text: &str,
    first_line: usize,
    first_column_offset: usize,
) -> Result<Option<Node>, Problem> {
    let line_offset = first_line - 1;
    let column =
        |line: usize, column: usize| column + 1 + if line == 1 { first_column_offset } else { 0 };
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, (Node, (usize, usize))> = HashMap::new();
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
            Problem { code, message, line: error.marker().line() + line_offset, column: column(error.marker().line(), error.marker().col()) }
        })?;
        let line = (marker.line() + line_offset) as u32;
        let column = column(marker.line(), marker.col()) as u32;
        let finished: Option<(Node, usize)> = match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => None,
            Event::Scalar(text, style, anchor, _tag) => {
                n_nodes += 1;
                let plain = matches!(style, TScalarStyle::Plain);
                Some((
                    Node {
                        value: Value::Scalar(Scalar { text, plain }),
                        line,
                        column,
                    },
                    anchor,
                ))
            }
            Event::Alias(anchor) => {
                let Some((node, (size, bytes))) = anchors.get(&anchor) else {
                    return Err(Problem {
                        code: "yaml-syntax",
                        message: "YAML alias refers to an unknown anchor.".to_string(),
                        line: line as usize,
                        column: column as usize,
                    });
                };
                n_alias_nodes += size;
                n_alias_bytes += bytes;
                if n_alias_bytes > ALIAS_EXPANSION_BYTES_ALLOWANCE + text.len() {
                    return Err(Problem {
                        code: "yaml-alias-bomb",
                        message: format!(
                            "YAML aliases expand to more than {} MB of text, which looks like an alias bomb (\"billion laughs\"). The document was refused; expand the aliases by hand if this is intended.",
                            (ALIAS_EXPANSION_BYTES_ALLOWANCE + text.len()) / (1024 * 1024)
                        ),
                        line: line as usize,
                        column: column as usize,
                    });
                }
                if n_alias_nodes > ALIAS_EXPANSION_ALLOWANCE + n_nodes {
                    return Err(Problem {
                        code: "yaml-alias-bomb",
                        message: format!(
                            "YAML aliases expand to more than {} nodes, which looks like an alias bomb (\"billion laughs\"). The document was refused; expand the aliases by hand if this is intended.",
                            ALIAS_EXPANSION_ALLOWANCE + n_nodes
                        ),
                        line: line as usize,
                        column: column as usize,
                    });
                }
                let mut node = node.clone();
                node.line = line;
                node.column = column;
                Some((node, 0))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                n_nodes += 1;
                if stack.len() >= MAX_DEPTH {
                    return Err(Problem {
                        code: "yaml-too-deep",
                        message: format!("The document nests deeper than {MAX_DEPTH} levels, which no Kubernetes object needs. The document was refused."),
                        line: line as usize,
                        column: column as usize,
                    });
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::with_capacity(4),
                        line,
                        column,
                        anchor,
                    }
                } else {
                    Frame::Map {
                        entries: Vec::with_capacity(6),
                        pending_key: None,
                        merged: Vec::new(),
                        line,
                        column,
                        anchor,
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
                }) => Some((
                    Node {
                        value: Value::Seq(items),
                        line,
                        column,
                    },
                    anchor,
                )),
                _ => None,
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    entries,
                    line,
                    column,
                    anchor,
                    ..
                }) => Some((
                    Node {
                        value: Value::Map(entries),
                        line,
                        column,
                    },
                    anchor,
                )),
                _ => None,
            },
        };
        let Some((node, anchor)) = finished else {
            continue;
        };
        if anchor != 0 {
            let size = node.count_nodes();
            anchors.insert(anchor, (node.clone(), size));
        }
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                merged,
                line: map_line,
                column: map_column,
                ..
            }) => match pending_key.take() {
                None => {
                    // yaml-rust2 marks a block mapping at the `:` after its first key; the
                    // mapping starts at that key (a flow mapping's `{` comes first and stays).
                    if entries.is_empty() && (node.line, node.column) < (*map_line, *map_column) {
                        (*map_line, *map_column) = (node.line, node.column);
                    }
                    let key = match &node.value {
                        Value::Scalar(s) => s.text.clone(),
                        _ => "<complex key>".to_string(),
                    };
                    *pending_key = Some(key);
                }
                Some(key) => {
                    // YAML merge keys (`<<: *base`) splice the aliased map's entries in.
                    if key == "<<" {
                        if let Value::Map(merged_entries) = node.value {
                            for (merged_key, merged_value) in merged_entries {
                                if !entries.iter().any(|(k, _)| *k == merged_key) {
                                    merged.push(merged_key.clone());
                                    entries.push((merged_key, merged_value));
                                }
                            }
                            continue;
                        }
                    }
                    // An explicit key overrides a merged one even when written after `<<`.
                    if let Some(position) = merged.iter().position(|k| *k == key) {
                        merged.swap_remove(position);
                        entries.retain(|(k, _)| *k != key);
                    }
                    entries.push((key, node));
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
