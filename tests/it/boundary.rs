//! The engine's boundary: `src/engine` never imports a UI framework, a browser
//! binding, the file system, the clock, the process environment, the network or an
//! unseeded random source. That is what lets the same code run in `cargo test`, the
//! CLI and the browser, and give the same answer in each (ARCHITECTURE.md,
//! "Invariants").
//!
//! The check reads the source rather than the dependency graph, because the crate as
//! a whole does depend on these (the web shell and the CLI live in it). Comments and
//! string literals are blanked out first, so a doc comment may still explain why the
//! engine avoids `std::time`.

use std::collections::BTreeMap;
use std::path::Path;

use super::citations::{files_under, relative};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Paths the engine must not use, as segments. A path is forbidden when it starts
/// with one of these, after `use` aliases are expanded.
const FORBIDDEN_PATHS: &[&[&str]] = &[
    &["leptos"],
    &["web_sys"],
    &["wasm_bindgen"],
    &["js_sys"],
    &["gloo"],
    &["rand"],
    &["std", "fs"],
    &["std", "time"],
    &["std", "env"],
    &["std", "net", "TcpStream"],
];

#[test]
fn engine_imports_nothing_outside_its_boundary() {
    let engine_directory = Path::new(ROOT).join("src/engine");
    let engine_files: Vec<_> = files_under(&engine_directory)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
        .collect();
    // Guards against a vacuous pass if the engine moves.
    assert!(
        engine_files.len() > 10,
        "expected the engine's modules in {}, found {engine_files:?}",
        engine_directory.display()
    );
    let mut violations = Vec::new();
    for path in engine_files {
        let source = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        for violation in boundary_violations(&source) {
            violations.push(format!(
                "{}:{}: uses `{}`",
                relative(&path),
                violation.line,
                violation.path
            ));
        }
    }
    assert!(
        violations.is_empty(),
        "the engine must stay pure (no UI, browser, files, clock, environment, network or unseeded randomness); move this into cli*.rs or web/:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_boundary_scan_finds_imports_and_paths_in_code() {
    let source = r#"use std::collections::BTreeMap;
use std::{fmt, time::Instant};
use std::net::{Ipv4Addr, TcpStream};
fn read() -> String {
    std::fs::read_to_string("x").unwrap()
}
use std::env as environment;
fn home() { environment::var("HOME"); }
#[wasm_bindgen]
fn draw() { let rand = 4; leptos::mount(rand); }
use ::rand::Rng;
extern crate gloo;
fn seeded() { crate::engine::config::SplitMix64::new(0); }
"#;
    let found: Vec<(usize, String)> = boundary_violations(source)
        .into_iter()
        .map(|violation| (violation.line, violation.path))
        .collect();
    assert_eq!(
        found,
        vec![
            (2, "std::time::Instant".to_string()),
            (3, "std::net::TcpStream".to_string()),
            (5, "std::fs::read_to_string".to_string()),
            (7, "std::env".to_string()),
            (8, "std::env::var".to_string()),
            (9, "wasm_bindgen".to_string()),
            (10, "leptos::mount".to_string()),
            (11, "rand::Rng".to_string()),
            (12, "gloo".to_string()),
        ]
    );
}

#[test]
fn the_boundary_scan_ignores_comments_and_strings() {
    let source = r##"//! The engine never calls std::time::Instant::now().
/* A block comment about leptos::view!, /* nested */ and std::fs. */
fn message() -> &'static str {
    let quote = '"';
    let _ = quote;
    "std::env::var is not used here"
}
fn raw() -> &'static str { r#"use rand::Rng; "web_sys::window""# }
fn lifetime<'a>(text: &'a str) -> &'a str { text }
"##;
    let found: Vec<(usize, String)> = boundary_violations(source)
        .into_iter()
        .map(|violation| (violation.line, violation.path))
        .collect();
    assert_eq!(found, Vec::<(usize, String)>::new());
}

/// One forbidden path found in code.
struct Violation {
    /// 1-based.
    line: usize,
    /// The path as used, with `use` aliases expanded, e.g. `std::time::Instant`.
    path: String,
}

/// The forbidden paths `source` uses, in order of appearance.
fn boundary_violations(source: &str) -> Vec<Violation> {
    let tokens = tokenize(&blank_comments_and_literals(source));
    let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        if token.text == "use"
            || (token.text == "extern"
                && tokens
                    .get(index + 1)
                    .is_some_and(|next| next.text == "crate"))
        {
            let start = if token.text == "use" {
                index + 1
            } else {
                index + 2
            };
            let end = (start..tokens.len())
                .find(|&position| tokens[position].text == ";")
                .unwrap_or(tokens.len());
            for (path, local_name) in expand_use_tree(&tokens[start..end]) {
                if is_forbidden(&path) {
                    violations.push(Violation {
                        line: token.line,
                        path: path.join("::"),
                    });
                }
                if let Some(local_name) = local_name {
                    aliases.insert(local_name, path);
                }
            }
            index = end + 1;
            continue;
        }
        // A path in code: `a::b::c`, optionally rooted (`::a::b`). A segment after
        // another `::` is not a root, so `crate::engine::rand` is fine.
        let follows_separator = index > 0 && tokens[index - 1].text == "::";
        let rooted = follows_separator && (index < 2 || !is_identifier(&tokens[index - 2].text));
        if is_identifier(&token.text) && (!follows_separator || rooted) {
            let mut path = vec![token.text.clone()];
            let mut next = index + 1;
            while next + 1 < tokens.len()
                && tokens[next].text == "::"
                && is_identifier(&tokens[next + 1].text)
            {
                path.push(tokens[next + 1].text.clone());
                next += 2;
            }
            let in_attribute =
                index >= 2 && tokens[index - 1].text == "[" && tokens[index - 2].text == "#";
            if path.len() > 1 || in_attribute {
                let mut expanded = aliases
                    .get(&path[0])
                    .cloned()
                    .unwrap_or_else(|| vec![path[0].clone()]);
                expanded.extend(path[1..].iter().cloned());
                if is_forbidden(&expanded) {
                    violations.push(Violation {
                        line: token.line,
                        path: expanded.join("::"),
                    });
                }
            }
            index = next;
            continue;
        }
        index += 1;
    }
    violations
}

fn is_forbidden(path: &[String]) -> bool {
    FORBIDDEN_PATHS.iter().any(|forbidden| {
        path.len() >= forbidden.len()
            && forbidden
                .iter()
                .zip(path)
                .all(|(forbidden_segment, segment)| forbidden_segment == segment)
    })
}

/// Expands a use tree such as `std::{fmt, time::{Duration, Instant as Now}}` into
/// full paths, each with the name it binds (`None` for globs and `self` imports of
/// nothing nameable).
fn expand_use_tree(tokens: &[Token]) -> Vec<(Vec<String>, Option<String>)> {
    let mut expanded = Vec::new();
    expand_use_tree_into(tokens, &[], &mut expanded);
    expanded
}

fn expand_use_tree_into(
    tokens: &[Token],
    prefix: &[String],
    expanded: &mut Vec<(Vec<String>, Option<String>)>,
) {
    for branch in split_top_level_commas(tokens) {
        let mut path = prefix.to_vec();
        let mut position = 0;
        let mut local_name = None;
        while position < branch.len() {
            let text = branch[position].text.as_str();
            match text {
                "::" => position += 1,
                "{" => {
                    let inner_end = branch.len()
                        - usize::from(branch.last().is_some_and(|last| last.text == "}"));
                    expand_use_tree_into(&branch[position + 1..inner_end], &path, expanded);
                    path.clear();
                    break;
                }
                "*" => {
                    position += 1;
                }
                "as" => {
                    local_name = branch.get(position + 1).map(|token| token.text.clone());
                    position += 2;
                }
                "self" if !path.is_empty() => position += 1,
                _ => {
                    path.push(text.to_string());
                    position += 1;
                }
            }
        }
        if !path.is_empty() {
            let local_name = local_name.or_else(|| path.last().cloned());
            expanded.push((path, local_name.filter(|name| name != "_")));
        }
    }
}

fn split_top_level_commas(tokens: &[Token]) -> Vec<&[Token]> {
    let mut branches = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (position, token) in tokens.iter().enumerate() {
        match token.text.as_str() {
            "{" => depth += 1,
            "}" => depth = depth.saturating_sub(1),
            "," if depth == 0 => {
                branches.push(&tokens[start..position]);
                start = position + 1;
            }
            _ => {}
        }
    }
    branches.push(&tokens[start..]);
    branches
        .into_iter()
        .filter(|branch| !branch.is_empty())
        .collect()
}

struct Token {
    text: String,
    line: usize,
}

fn is_identifier(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
}

/// Identifiers, `::` and single punctuation characters, each with its line.
fn tokenize(code: &str) -> Vec<Token> {
    let characters: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut position = 0;
    while position < characters.len() {
        let character = characters[position];
        if character == '\n' {
            line += 1;
            position += 1;
        } else if character.is_whitespace() {
            position += 1;
        } else if character.is_alphanumeric() || character == '_' {
            let start = position;
            while position < characters.len()
                && (characters[position].is_alphanumeric() || characters[position] == '_')
            {
                position += 1;
            }
            tokens.push(Token {
                text: characters[start..position].iter().collect(),
                line,
            });
        } else if character == ':' && characters.get(position + 1) == Some(&':') {
            tokens.push(Token {
                text: "::".to_string(),
                line,
            });
            position += 2;
        } else {
            tokens.push(Token {
                text: character.to_string(),
                line,
            });
            position += 1;
        }
    }
    tokens
}

/// `source` with every comment, string literal and character literal replaced by
/// spaces, keeping newlines so that line numbers stay right.
fn blank_comments_and_literals(source: &str) -> String {
    let characters: Vec<char> = source.chars().collect();
    let mut output = String::with_capacity(source.len());
    let mut position = 0;
    let blank = |characters: &[char], output: &mut String| {
        for character in characters {
            output.push(if *character == '\n' { '\n' } else { ' ' });
        }
    };
    while position < characters.len() {
        let rest = &characters[position..];
        let previous_is_identifier = position > 0
            && (characters[position - 1].is_alphanumeric() || characters[position - 1] == '_');
        let end = if rest.starts_with(&['/', '/']) {
            position + rest.iter().position(|c| *c == '\n').unwrap_or(rest.len())
        } else if rest.starts_with(&['/', '*']) {
            position + block_comment_length(rest)
        } else if rest[0] == '"' {
            position + quoted_length(rest, '"')
        } else if !previous_is_identifier && raw_string_prefix(rest).is_some() {
            position + raw_string_length(rest)
        } else if rest[0] == '\'' && is_character_literal(rest) {
            position + quoted_length(rest, '\'')
        } else {
            output.push(rest[0]);
            position += 1;
            continue;
        };
        blank(&characters[position..end], &mut output);
        position = end;
    }
    output
}

fn block_comment_length(text: &[char]) -> usize {
    let mut depth = 0;
    let mut position = 0;
    while position < text.len() {
        if text[position..].starts_with(&['/', '*']) {
            depth += 1;
            position += 2;
        } else if text[position..].starts_with(&['*', '/']) {
            depth -= 1;
            position += 2;
            if depth == 0 {
                return position;
            }
        } else {
            position += 1;
        }
    }
    text.len()
}

/// Length of a literal that opens and closes with `quote` and uses `\` escapes.
fn quoted_length(text: &[char], quote: char) -> usize {
    let mut position = 1;
    while position < text.len() {
        match text[position] {
            '\\' => position += 2,
            character if character == quote => return position + 1,
            _ => position += 1,
        }
    }
    text.len()
}

/// The number of `#` of a raw string opening such as `r#"` or `br"`.
fn raw_string_prefix(text: &[char]) -> Option<usize> {
    let after_b = if text.first() == Some(&'b') {
        &text[1..]
    } else {
        text
    };
    let after_r = after_b.strip_prefix(&['r'])?;
    let n_hashes = after_r.iter().take_while(|c| **c == '#').count();
    (after_r.get(n_hashes) == Some(&'"')).then_some(n_hashes)
}

fn raw_string_length(text: &[char]) -> usize {
    let n_hashes = raw_string_prefix(text).unwrap_or(0);
    let opening = text.iter().position(|c| *c == '"').unwrap_or(0) + 1;
    let mut closing: Vec<char> = vec!['"'];
    closing.extend(std::iter::repeat_n('#', n_hashes));
    let mut position = opening;
    while position < text.len() {
        if text[position..].starts_with(&closing) {
            return position + closing.len();
        }
        position += 1;
    }
    text.len()
}

/// Tells `'x'` and `'\n'` from the lifetime `'a`.
fn is_character_literal(text: &[char]) -> bool {
    match text.get(1) {
        Some('\\') => true,
        Some(_) => text.get(2) == Some(&'\''),
        None => false,
    }
}
