//! A compact binary form of [`Parsed`]: how the web app's worker hands parsed
//! documents to the page.
//!
//! The worker runs the same wasm module as the page, in its own memory, so what it
//! made must cross as bytes. Only the parsed documents cross, not the whole
//! topology: their encoder and decoder are one small recursive function each, where a
//! codec for every type of `Topology` would cost more wasm than the app's budget has
//! left (ARCHITECTURE.md, "Analysis off the main thread").
//!
//! The format: a version byte, the parser's diagnostics, then per file its name
//! and documents. Integers are LEB128 varints and strings are a length and UTF-8
//! bytes. A node is a tag byte, its line and column, then its content. A sequence
//! or map shared by anchors and aliases is written once and referred to afterwards
//! by a tag and its number (before the position), so the bytes stay linear in the input however anchors nest, and the
//! decoded tree shares it again.
//!
//! [`decode`] never panics: bytes it cannot read give `None`.

use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::sync::Mutex;

use super::diag::{Diagnostic, Severity, Source};
use super::ingest::ParsedFile;
use super::stages::Parsed;
use super::yaml::{Document, Node, Scalar, Value};

const VERSION: u8 = 1;
/// Deepest nesting decoded: the parser refuses documents past `yaml::MAX_DEPTH`,
/// so anything deeper is not ours and is refused rather than risking the stack.
const MAX_DECODED_DEPTH: usize = 2 * super::yaml::MAX_DEPTH + 8;

const TAG_QUOTED: u8 = 0;
const TAG_PLAIN: u8 = 1;
const TAG_SEQ: u8 = 2;
const TAG_MAP: u8 = 3;
/// A sequence or map written before: its number follows.
const TAG_SHARED: u8 = 4;
/// A sequence or map that other nodes share: it gets the next number.
const TAG_SEQ_SHARED: u8 = 5;
const TAG_MAP_SHARED: u8 = 6;

/// The bytes of `parsed`.
pub fn encode(parsed: &Parsed) -> Vec<u8> {
    let mut encoder = Encoder::default();
    encoder.bytes.push(VERSION);
    encoder.usize(parsed.diagnostics.len());
    for diagnostic in &parsed.diagnostics {
        encoder.str(diagnostic.code);
        encoder.bytes.push(diagnostic.severity as u8);
        encoder.str(&diagnostic.object);
        encoder.str(&diagnostic.field);
        encoder.str(&diagnostic.message);
        let source = &diagnostic.source;
        encoder.str(&source.file);
        encoder.usize(source.document);
        encoder.usize(source.line);
        encoder.usize(source.column);
    }
    encoder.usize(parsed.files.len());
    for file in &parsed.files {
        encoder.str(&file.name);
        encoder.usize(file.documents.len());
        for document in &file.documents {
            encoder.usize(document.index);
            match &document.helm_source {
                Some(helm_source) => {
                    encoder.bytes.push(1);
                    encoder.str(helm_source);
                }
                None => encoder.bytes.push(0),
            }
            match &document.root {
                Some(root) => {
                    encoder.bytes.push(1);
                    encoder.node(root);
                }
                None => encoder.bytes.push(0),
            }
        }
    }
    encoder.bytes
}

/// The [`Parsed`] that [`encode`] wrote into `bytes`, or `None` when they are not
/// such bytes (truncated, another version, garbage).
pub fn decode(bytes: &[u8]) -> Option<Parsed> {
    let mut decoder = Decoder {
        bytes,
        position: 0,
        shared: Vec::new(),
    };
    if decoder.byte()? != VERSION {
        return None;
    }
    let n_diagnostics = decoder.count()?;
    let mut diagnostics = Vec::with_capacity(n_diagnostics);
    for _ in 0..n_diagnostics {
        let code = intern(&decoder.string()?);
        let severity = match decoder.byte()? {
            0 => Severity::Error,
            1 => Severity::Warning,
            2 => Severity::Info,
            _ => return None,
        };
        let object = decoder.string()?;
        let field = decoder.string()?;
        let message = decoder.string()?;
        let source = Source {
            file: decoder.string()?,
            document: decoder.usize()?,
            line: decoder.usize()?,
            column: decoder.usize()?,
        };
        diagnostics.push(Diagnostic {
            code,
            severity,
            object,
            field,
            message,
            source,
        });
    }
    let n_files = decoder.count()?;
    let mut files = Vec::with_capacity(n_files);
    for _ in 0..n_files {
        let name = decoder.string()?;
        let n_documents = decoder.count()?;
        let mut documents = Vec::with_capacity(n_documents);
        for _ in 0..n_documents {
            let index = decoder.usize()?;
            let helm_source = match decoder.byte()? {
                0 => None,
                1 => Some(decoder.string()?),
                _ => return None,
            };
            let root = match decoder.byte()? {
                0 => None,
                1 => Some(decoder.node(0)?),
                _ => return None,
            };
            documents.push(Document {
                index,
                root,
                helm_source,
            });
        }
        files.push(ParsedFile { name, documents });
    }
    (decoder.position == bytes.len()).then_some(Parsed { files, diagnostics })
}

#[derive(Default)]
struct Encoder {
    bytes: Vec<u8>,
    /// Shared sequences and maps already written, by address, with their number.
    shared: HashMap<usize, usize>,
}

impl Encoder {
    fn usize(&mut self, mut value: usize) {
        while value >= 0x80 {
            self.bytes.push((value as u8) | 0x80);
            value >>= 7;
        }
        self.bytes.push(value as u8);
    }

    fn str(&mut self, text: &str) {
        self.usize(text.len());
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// Writes the tag of a sequence or map, or a reference when it was written
    /// before; returns whether its content must follow.
    fn container(&mut self, address: usize, n_owners: usize, tags: (u8, u8)) -> bool {
        if n_owners < 2 {
            self.bytes.push(tags.0);
            return true;
        }
        if let Some(&number) = self.shared.get(&address) {
            self.bytes.push(TAG_SHARED);
            self.usize(number);
            return false;
        }
        self.shared.insert(address, self.shared.len());
        self.bytes.push(tags.1);
        true
    }

    fn node(&mut self, node: &Node) {
        // The tag (and a reference's number) first, then the position.
        let write_content = match &node.value {
            Value::Scalar(scalar) => {
                self.bytes
                    .push(if scalar.plain { TAG_PLAIN } else { TAG_QUOTED });
                true
            }
            Value::Seq(items) => self.container(
                Rc::as_ptr(items) as usize,
                Rc::strong_count(items),
                (TAG_SEQ, TAG_SEQ_SHARED),
            ),
            Value::Map(entries) => self.container(
                Rc::as_ptr(entries) as usize,
                Rc::strong_count(entries),
                (TAG_MAP, TAG_MAP_SHARED),
            ),
        };
        self.usize(node.line as usize);
        self.usize(node.column as usize);
        if !write_content {
            return;
        }
        match &node.value {
            Value::Scalar(scalar) => self.str(&scalar.text),
            Value::Seq(items) => {
                self.usize(items.len());
                for item in items.iter() {
                    self.node(item);
                }
            }
            Value::Map(entries) => {
                self.usize(entries.len());
                for (key, value) in entries.iter() {
                    self.str(key);
                    self.node(value);
                }
            }
        }
    }
}

struct Decoder<'a> {
    bytes: &'a [u8],
    position: usize,
    /// Shared sequences and maps by number, in the order they were written.
    shared: Vec<Value>,
}

impl Decoder<'_> {
    fn byte(&mut self) -> Option<u8> {
        let byte = *self.bytes.get(self.position)?;
        self.position += 1;
        Some(byte)
    }

    fn usize(&mut self) -> Option<usize> {
        let mut value = 0usize;
        for shift in (0..usize::BITS).step_by(7) {
            let byte = self.byte()?;
            value |= usize::from(byte & 0x7f).checked_shl(shift)?;
            if byte < 0x80 {
                return Some(value);
            }
        }
        None
    }

    /// A count of items that follow: each takes at least one byte, so a count past
    /// the bytes left is garbage, and refusing it keeps allocations bounded.
    fn count(&mut self) -> Option<usize> {
        let count = self.usize()?;
        (count <= self.bytes.len() - self.position).then_some(count)
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.usize()?).ok()
    }

    fn string(&mut self) -> Option<String> {
        let length = self.count()?;
        let text = std::str::from_utf8(&self.bytes[self.position..self.position + length]).ok()?;
        self.position += length;
        Some(text.to_owned())
    }

    fn node(&mut self, depth: usize) -> Option<Node> {
        if depth > MAX_DECODED_DEPTH {
            return None;
        }
        let tag = self.byte()?;
        let shared_number = if tag == TAG_SHARED {
            Some(self.usize()?)
        } else {
            None
        };
        let line = self.u32()?;
        let column = self.u32()?;
        let value = match tag {
            TAG_QUOTED | TAG_PLAIN => Value::Scalar(Scalar {
                text: self.string()?,
                plain: tag == TAG_PLAIN,
            }),
            TAG_SHARED => self.shared.get(shared_number?)?.clone(),
            TAG_SEQ | TAG_SEQ_SHARED | TAG_MAP | TAG_MAP_SHARED => {
                // A shared container gets its number before its content, as the
                // encoder numbered it; a placeholder holds the place meanwhile.
                let number = self.shared.len();
                if tag == TAG_SEQ_SHARED || tag == TAG_MAP_SHARED {
                    self.shared.push(Value::Seq(Rc::new(Vec::new())));
                }
                let n_items = self.count()?;
                let value = if tag == TAG_SEQ || tag == TAG_SEQ_SHARED {
                    let mut items = Vec::with_capacity(n_items);
                    for _ in 0..n_items {
                        items.push(self.node(depth + 1)?);
                    }
                    Value::Seq(Rc::new(items))
                } else {
                    let mut entries = Vec::with_capacity(n_items);
                    for _ in 0..n_items {
                        let key = self.string()?;
                        entries.push((key, self.node(depth + 1)?));
                    }
                    Value::Map(Rc::new(entries))
                };
                if tag == TAG_SEQ_SHARED || tag == TAG_MAP_SHARED {
                    self.shared[number] = value.clone();
                }
                value
            }
            _ => return None,
        };
        Some(Node {
            value,
            line,
            column,
        })
    }
}

/// The `&'static str` code of a decoded diagnostic. Codes are a small fixed set, so
/// each distinct one is leaked once and reused afterwards.
fn intern(code: &str) -> &'static str {
    static CODES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut codes = CODES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = codes.get(code) {
        return known;
    }
    let leaked: &'static str = Box::leak(code.to_owned().into_boxed_str());
    codes.insert(leaked);
    leaked
}
