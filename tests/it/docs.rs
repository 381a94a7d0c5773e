//! Keeps the reference docs honest. This guards the house rule "Document every
//! code, with an example" (for `docs/diagnostics.md`) and its counterpart for the
//! JSON document (`docs/json-output.md`):
//!
//! - (a) every diagnostic code the engine can emit, found by reading
//!   `src/engine/*.rs`, has a `### code` section in `docs/diagnostics.md`, and
//!   every section names a code the engine can emit;
//! - (b) the YAML example of every section, given to `engine::analyze`, yields
//!   that code with the severity the section states;
//! - (c) every key of `kubetopo analyze --format json` is named in
//!   `docs/json-output.md`.
//!
//! When a test here fails, the message says which code, section or key to fix.

use std::collections::{BTreeMap, BTreeSet};

use kubetopo::cli::parse_args;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::{analyze, output, yaml::MAX_INPUT_BYTES};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CORPUS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");

/// Kebab-case string literals in files that pass codes around in variables, which
/// are not diagnostic codes. A new literal of that shape in such a file (see
/// `engine_codes`) must be documented as a code or added here.
const NOT_CODES: &[&str] = &["kube-system", "kube-dns"];

/// Sections without an inline example, because the input that triggers them
/// cannot be written down. Each is triggered in code by `trigger_without_example`.
const NO_INLINE_EXAMPLE: &[&str] = &[
    "input-too-large",
    "yaml-nul-byte",
    "what-if-no-endpoints",
    "what-if-pod-replaced",
];

// ---------------------------------------------------------------------------
// (a) Every code the engine can emit has a section, and no section is stale.
// ---------------------------------------------------------------------------

#[test]
fn every_engine_code_is_documented() {
    let scan = engine_codes();
    let documented: BTreeSet<String> = diagnostics_doc_sections()
        .into_iter()
        .map(|section| section.code)
        .collect();
    let undocumented: Vec<&String> = scan
        .codes
        .keys()
        .filter(|code| !documented.contains(*code))
        .collect();
    assert!(
        undocumented.is_empty(),
        "codes the engine can emit without a `### code` section in docs/diagnostics.md: {:?} (found in {:?}). Add a section with severity, meaning, what to change and a ```yaml example.",
        undocumented,
        undocumented.iter().map(|code| &scan.codes[*code]).collect::<Vec<_>>()
    );
    let stale: Vec<&String> = documented
        .iter()
        .filter(|code| !scan.codes.contains_key(*code))
        .collect();
    assert!(stale.is_empty(), "docs/diagnostics.md documents codes that no Diagnostic constructor in src/engine emits: {stale:?}. Remove the sections, or teach `engine_codes` the new way codes are passed.");
}

#[test]
fn the_index_lists_every_section() {
    let doc = read("docs/diagnostics.md");
    for section in diagnostics_doc_sections() {
        let entry = format!("[`{0}`](#{0})", section.code);
        assert!(
            doc.contains(&entry),
            "the index of docs/diagnostics.md has no row for `{}`",
            section.code
        );
    }
}

/// The scanner itself: a sanity check that it finds codes passed in each way
/// the engine uses (a literal, a helper's parameter, a variable).
#[test]
fn the_scanner_sees_every_way_of_passing_a_code() {
    let codes = engine_codes().codes;
    for code in [
        "service-selects-no-pods",      // Diagnostic::warning("…", …)
        "duplicate-object",             // Diagnostic::warning(\n "…", …)
        "service-invalid-type",         // reader.invalid(node, path, "…", …)
        "workload-selector-missing",    // a closure: reject(diagnostics, "…", …)
        "service-headless-target-port", // report.add(Severity::Info, "…", …)
        "service-name-invalid",         // report.error("…", …)
        "node-port-conflict",           // a tuple, then Diagnostic::error(code, …)
        "yaml-syntax", // Problem { code: "…" }, then Diagnostic::error(problem.code, …)
        "unschedulable", // a code without a hyphen
    ] {
        assert!(
            codes.contains_key(code),
            "the source scan no longer finds `{code}`: {:?}",
            codes.keys().collect::<Vec<_>>()
        );
    }
}

// ---------------------------------------------------------------------------
// (b) Every example triggers its code, with the stated severity.
// ---------------------------------------------------------------------------

#[test]
fn every_example_triggers_its_code() {
    let documented: BTreeSet<String> = diagnostics_doc_sections()
        .into_iter()
        .map(|section| section.code)
        .collect();
    let mut failures = Vec::new();
    let mut incidental = BTreeSet::new();
    for section in diagnostics_doc_sections() {
        let code = section.code.as_str();
        let Some(severity) = section.severity() else {
            failures.push(format!("`### {code}` has no `Severity: error.`, `Severity: warning.` or `Severity: info.` line"));
            continue;
        };
        let diagnostics = match section.yaml_example() {
            Some(yaml) => {
                let config = match section.flags() {
                    Ok(config) => config,
                    Err(message) => {
                        failures.push(format!("`### {code}`: {message}"));
                        continue;
                    }
                };
                let topology = analyze(&[SourceFile::new("example.yaml", yaml)], &config);
                let mut diagnostics = topology.diagnostics.clone();
                // `kubetopo migrate`'s findings come from migrating the example.
                if code.starts_with("migrate-") {
                    diagnostics.extend(
                        kubetopo::engine::migrate::migrate(
                            &topology,
                            kubetopo::engine::migrate::Scope::All,
                        )
                        .diagnostics,
                    );
                }
                diagnostics
            }
            None if NO_INLINE_EXAMPLE.contains(&code) => trigger_without_example(code),
            None => {
                failures.push(format!("`### {code}` has no ```yaml example"));
                continue;
            }
        };
        incidental.extend(diagnostics.iter().map(|d| d.code.to_string()));
        if !diagnostics.iter().any(|d| d.code == code) {
            let got: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
            failures.push(format!(
                "the example under `### {code}` does not trigger it; it gives {got:?}"
            ));
        } else if !diagnostics
            .iter()
            .any(|d| d.code == code && d.severity.as_str() == severity)
        {
            let actual: Vec<&str> = diagnostics
                .iter()
                .filter(|d| d.code == code)
                .map(|d| d.severity.as_str())
                .collect();
            failures.push(format!(
                "`### {code}` says `Severity: {severity}.` but the example gives {actual:?}"
            ));
        }
    }
    let undocumented: Vec<&String> = incidental
        .iter()
        .filter(|code| !documented.contains(*code))
        .collect();
    if !undocumented.is_empty() {
        failures.push(format!(
            "the examples also emit codes with no section: {undocumented:?}"
        ));
    }
    assert!(
        failures.is_empty(),
        "docs/diagnostics.md is out of date:\n  {}",
        failures.join("\n  ")
    );
}

/// The corpus is real-world input: whatever it makes the engine say is documented.
#[test]
fn every_code_the_corpus_emits_is_documented() {
    let documented: BTreeSet<String> = diagnostics_doc_sections()
        .into_iter()
        .map(|section| section.code)
        .collect();
    for (name, text) in corpus_files() {
        let topology = analyze(&[SourceFile::new(name.clone(), text)], &Config::default());
        for diagnostic in &topology.diagnostics {
            assert!(
                documented.contains(diagnostic.code),
                "{name} emits `{}`, which docs/diagnostics.md does not document",
                diagnostic.code
            );
        }
    }
}

/// Inputs that cannot be pasted into a document, built here instead.
fn trigger_without_example(code: &str) -> Vec<kubetopo::engine::diag::Diagnostic> {
    match code {
        "input-too-large" => {
            analyze(
                &[SourceFile::new(
                    "big.yaml",
                    "\n".repeat(MAX_INPUT_BYTES + 1),
                )],
                &Config::default(),
            )
            .diagnostics
        }
        // A NUL byte cannot be shown in a Markdown code block; this is the `printf`
        // line of its section.
        "yaml-nul-byte" => {
            analyze(
                &[SourceFile::new(
                    "nul.yaml",
                    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\0\n  namespace: prod\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80}]\n",
                )],
                &Config::default(),
            )
            .diagnostics
        }
        // What-if findings come from an edit of the Online Boutique sample (§7.5).
        "what-if-no-endpoints" | "what-if-pod-replaced" => {
            let mut topology = crate::common::samples(&["online-boutique.yaml"]);
            let mutation = if code == "what-if-no-endpoints" {
                kubetopo::engine::whatif::Mutation::ScaleWorkload {
                    namespace: "default".into(),
                    name: "cartservice".into(),
                    replicas: 0,
                }
            } else {
                let pod = topology
                    .cluster
                    .pods
                    .iter()
                    .find(|p| p.name.starts_with("redis-cart-"))
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                kubetopo::engine::whatif::Mutation::KillPod {
                    namespace: "default".into(),
                    name: pod,
                }
            };
            kubetopo::engine::whatif::apply(&mut topology, &mutation)
                .unwrap_or_else(|e| panic!("{code}: {e}"));
            topology.diagnostics
        }
        other => panic!("no trigger for `{other}`: give its section a ```yaml example instead"),
    }
}

// ---------------------------------------------------------------------------
// (c) Every key of the analyze JSON is documented.
// ---------------------------------------------------------------------------

#[test]
fn every_top_level_json_key_is_documented() {
    let doc = read("docs/json-output.md");
    let guestbook = std::fs::read_to_string(format!("{CORPUS_DIR}/guestbook.yaml"))
        .expect("samples/guestbook.yaml");
    let topology = analyze(
        &[SourceFile::new("guestbook.yaml", guestbook)],
        &Config::default(),
    );
    let json = output::to_json(&topology);
    let value: serde_json::Value = serde_json::from_str(&json).expect("analyze JSON parses");
    let object = value.as_object().expect("the document is an object");
    assert!(!object.is_empty());
    for key in object.keys() {
        assert!(
            doc.contains(&format!("| `{key}` |")),
            "docs/json-output.md has no row for the top-level key `{key}`"
        );
    }
    // The example in the doc is real output: the same top-level keys, in the same order.
    let example = doc
        .split("```json\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```").next())
        .expect("a ```json example in docs/json-output.md");
    serde_json::from_str::<serde_json::Value>(example)
        .expect("the ```json example in docs/json-output.md is valid JSON");
    assert_eq!(top_level_keys(example), top_level_keys(&json), "the example in docs/json-output.md does not have the keys `kubetopo analyze` prints, in its order");
}

/// Nested keys too, over every corpus file and an input with an Ingress, so that
/// objects the guestbook leaves empty (`ingresses`, `dependencies`) are covered.
#[test]
fn every_nested_json_key_is_documented() {
    let doc = read("docs/json-output.md");
    let mut inputs: Vec<Vec<SourceFile>> = corpus_files()
        .into_iter()
        .map(|(name, text)| vec![SourceFile::new(name, text)])
        .collect();
    let ingress = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{name: http, port: 80}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: shop}\nspec:\n  tls: [{hosts: [shop.example.com]}]\n  rules:\n  - host: shop.example.com\n    http:\n      paths:\n      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {name: http}}}}\n";
    inputs.push(vec![SourceFile::new("ingress.yaml", ingress)]);
    let mut keys = BTreeMap::new();
    for files in &inputs {
        let topology = analyze(files, &Config::default());
        let value: serde_json::Value =
            serde_json::from_str(&output::to_json(&topology)).expect("analyze JSON parses");
        collect_keys(&value, "", &mut keys);
    }
    assert!(
        keys.contains_key("routes[].resolvedPort") && keys.contains_key("dependencies[].evidence"),
        "the inputs no longer exercise ingresses and dependencies"
    );
    for (path, key) in &keys {
        let documented = doc.contains(&format!("`{key}`")) || doc.contains(&format!("].{key}`"));
        assert!(
            documented,
            "docs/json-output.md does not document `{key}` (at `{path}`)"
        );
    }
}

/// Walks a JSON value and records every key with its path. The keys of `labels`
/// and `selector` are data (label keys), not part of the schema.
fn collect_keys(value: &serde_json::Value, path: &str, keys: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(object) => {
            for (key, child) in object {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let short = path
                    .rsplit('.')
                    .next()
                    .filter(|last| last.ends_with("[]"))
                    .map(|last| format!("{last}.{key}"))
                    .unwrap_or_else(|| key.clone());
                keys.insert(short, key.clone());
                if key != "labels" && key != "selector" {
                    collect_keys(child, &child_path, keys);
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_keys(item, &format!("{path}[]"), keys);
            }
        }
        _ => {}
    }
}

/// The keys of a pretty-printed document's top-level object, in order.
fn top_level_keys(json: &str) -> Vec<String> {
    json.lines()
        .filter_map(|line| line.strip_prefix("  \""))
        .filter_map(|rest| rest.split_once('"'))
        .map(|(key, _)| key.to_string())
        .collect()
}

// ---------------------------------------------------------------------------
// docs/diagnostics.md, section by section
// ---------------------------------------------------------------------------

/// One `### code` section: the text up to the next heading.
struct Section {
    code: String,
    body: String,
}

impl Section {
    /// `Severity: error.` → `error`.
    fn severity(&self) -> Option<&str> {
        let line = self
            .body
            .lines()
            .find_map(|line| line.strip_prefix("Severity: "))?;
        let word = line.trim_end_matches('.').trim();
        ["error", "warning", "info"]
            .into_iter()
            .find(|known| *known == word)
    }

    /// The first ```yaml block, which is what `tests/validation.rs` runs too.
    fn yaml_example(&self) -> Option<&str> {
        self.body
            .split("```yaml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
    }

    /// Flags from "Run it with `kubetopo analyze example.yaml FLAGS`", parsed the
    /// way the CLI parses them.
    fn flags(&self) -> Result<Config, String> {
        let Some(rest) = self.body.split("`kubetopo analyze example.yaml").nth(1) else {
            return Ok(Config::default());
        };
        let flags = rest.split('`').next().unwrap_or("");
        let raw: Vec<String> = ["analyze", "example.yaml"]
            .into_iter()
            .map(String::from)
            .chain(flags.split_whitespace().map(String::from))
            .collect();
        parse_args(&raw)
            .map(|args| args.config)
            .map_err(|error| format!("bad flags `{flags}`: {}", error.0))
    }
}

/// Every `### code` section. A section runs to the next heading of any level;
/// fenced blocks are skipped, so a `#` inside an example does not end it.
/// Headings that are not codes (`### Order`) are not sections.
fn diagnostics_doc_sections() -> Vec<Section> {
    let doc = read("docs/diagnostics.md");
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<Section> = None;
    let mut in_fence = false;
    for line in doc.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && line.starts_with('#') {
            sections.extend(current.take());
            if let Some(heading) = line.strip_prefix("### ") {
                let heading = heading.trim();
                if is_code(heading) {
                    current = Some(Section {
                        code: heading.to_string(),
                        body: String::new(),
                    });
                }
            }
            continue;
        }
        if let Some(section) = current.as_mut() {
            section.body.push_str(line);
            section.body.push('\n');
        }
    }
    sections.extend(current);
    let mut seen = BTreeSet::new();
    for section in &sections {
        assert!(
            seen.insert(section.code.clone()),
            "docs/diagnostics.md has two `### {}` sections",
            section.code
        );
    }
    assert!(
        !sections.is_empty(),
        "docs/diagnostics.md has no `### code` sections"
    );
    sections
}

fn is_code(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && text.as_bytes()[0].is_ascii_lowercase()
}

// ---------------------------------------------------------------------------
// Finding codes in the engine's source
// ---------------------------------------------------------------------------

/// What the source scan found: each code, with the files it appears in.
struct Scan {
    codes: BTreeMap<String, BTreeSet<String>>,
}

/// Reads every `.rs` file under `src/engine` (without `#[cfg(test)]` items) and collects every code
/// passed to a `Diagnostic` constructor. Codes reach a constructor in three ways:
///
/// 1. as a string literal: `Diagnostic::warning("service-selects-no-pods", …)`;
/// 2. through a helper that takes a `code: &'static str` parameter (a fn, a
///    method or a closure): `reader.invalid(node, path, "invalid-ip", …)`. The
///    literal at that parameter's position in each call is a code;
/// 3. through a variable, from a tuple or a struct field:
///    `(Some((code, text)), _) => Diagnostic::error(code, text)`. The scan cannot
///    follow data flow, so in a file where this happens it takes every kebab-case
///    string literal as a code, except those in `NOT_CODES`. Such codes must
///    contain a `-`.
fn engine_codes() -> Scan {
    let mut scan = Scan {
        codes: BTreeMap::new(),
    };
    // Every `.rs` file under src/engine, subdirectories (`gateway/`, `trace/`) included.
    let mut paths: Vec<std::path::PathBuf> = Vec::new();
    let mut directories = vec![std::path::PathBuf::from(format!("{ROOT}/src/engine"))];
    while let Some(directory) = directories.pop() {
        for entry in std::fs::read_dir(&directory).expect("src/engine") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                directories.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    for path in paths {
        let file = path
            .strip_prefix(format!("{ROOT}/src/engine"))
            .unwrap_or(&path)
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("engine source");
        let tokens = without_test_items(tokenize(&text));
        let mut add = |code: &str| {
            scan.codes
                .entry(code.to_string())
                .or_default()
                .insert(file.clone());
        };
        let helpers = helpers(&tokens);
        let mut indirect = false;
        // A code argument: a literal is a code; the helper's own parameter, inside
        // its body, is a delegation; anything else is a variable (way 3).
        let mut judge = |argument: &[Token], at: usize, add: &mut dyn FnMut(&str)| match argument {
            [Token::Str(code)] => add(code),
            [Token::Ident(name)]
                if helpers
                    .iter()
                    .any(|h| h.parameter == *name && h.body.contains(&at)) => {}
            _ => indirect = true,
        };
        for at in 0..tokens.len() {
            // Way 1: Diagnostic::error|warning|info|new(
            if let [Token::Ident(ty), Token::Punct(':'), Token::Punct(':'), Token::Ident(constructor), Token::Punct('(')] =
                &tokens[at..(at + 5).min(tokens.len())]
            {
                if ty == "Diagnostic"
                    && ["error", "warning", "info", "new"].contains(&constructor.as_str())
                {
                    let arguments = call_arguments(&tokens, at + 4);
                    if let Some(first) = arguments.first() {
                        judge(first, at, &mut add);
                    }
                    continue;
                }
            }
            // Way 2: a call of a helper, not its definition.
            if let [Token::Ident(name), Token::Punct('(')] = &tokens[at..(at + 2).min(tokens.len())]
            {
                let defining = at > 0 && tokens[at - 1] == Token::Ident("fn".into());
                let is_constructor = at >= 3 && tokens[at - 3] == Token::Ident("Diagnostic".into());
                if defining || is_constructor {
                    continue;
                }
                for helper in helpers.iter().filter(|h| h.name == *name) {
                    if let Some(argument) = call_arguments(&tokens, at + 1).get(helper.index) {
                        judge(argument, at, &mut add);
                    }
                }
            }
        }
        // Way 3.
        if indirect {
            for token in &tokens {
                if let Token::Str(text) = token {
                    if text.contains('-') && is_code(text) && !NOT_CODES.contains(&text.as_str()) {
                        add(text);
                    }
                }
            }
        }
    }
    scan
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Punct(char),
    Number,
}

/// A small Rust tokenizer: identifiers (lifetimes included, as `'static`),
/// string literals (plain, byte and raw), numbers and punctuation. Comments and
/// char literals are dropped.
fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            let (value, next) = plain_string(&chars, i + 1);
            tokens.push(Token::Str(value));
            i = next;
        } else if c == '\'' {
            if at(i + 1) == '\\' {
                // An escaped char literal: '\n', '\'', '\u{..}'.
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if (word == "r" || word == "br") && (at(i) == '"' || at(i) == '#') {
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1; // the opening quote
                let start = i;
                loop {
                    if i >= chars.len() {
                        break;
                    }
                    if chars[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                        break;
                    }
                    i += 1;
                }
                tokens.push(Token::Str(
                    chars[start..i.min(chars.len())].iter().collect(),
                ));
                i += 1 + hashes;
            } else if word == "b" && at(i) == '"' {
                let (value, next) = plain_string(&chars, i + 1);
                tokens.push(Token::Str(value));
                i = next;
            } else if word == "b" && at(i) == '\'' {
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
            } else {
                tokens.push(Token::Ident(word));
            }
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token::Number);
        } else {
            tokens.push(Token::Punct(c));
            i += 1;
        }
    }
    tokens
}

/// Reads a `"…"` literal whose opening quote is just before `start`. Returns its
/// value (escapes resolved loosely) and the index after the closing quote.
fn plain_string(chars: &[char], start: usize) -> (String, usize) {
    let mut value = String::new();
    let mut i = start;
    while i < chars.len() && chars[i] != '"' {
        if chars[i] == '\\' && i + 1 < chars.len() {
            value.push(chars[i + 1]);
            i += 2;
        } else {
            value.push(chars[i]);
            i += 1;
        }
    }
    (value, i + 1)
}

/// Drops every item marked `#[cfg(test)]`: test modules name codes in assertions.
fn without_test_items(tokens: Vec<Token>) -> Vec<Token> {
    let marker = [
        Token::Punct('#'),
        Token::Punct('['),
        Token::Ident("cfg".into()),
        Token::Punct('('),
        Token::Ident("test".into()),
        Token::Punct(')'),
        Token::Punct(']'),
    ];
    let mut kept = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i..].starts_with(&marker) {
            // Skip to the item's first `{` (or `;`), then past its matching `}`.
            i += marker.len();
            while i < tokens.len()
                && tokens[i] != Token::Punct('{')
                && tokens[i] != Token::Punct(';')
            {
                i += 1;
            }
            if tokens.get(i) == Some(&Token::Punct('{')) {
                i = matching(&tokens, i, '{', '}') + 1;
            } else {
                i += 1;
            }
            continue;
        }
        kept.push(tokens[i].clone());
        i += 1;
    }
    kept
}

/// The index of the bracket that closes the one at `open`.
fn matching(tokens: &[Token], open: usize, opening: char, closing: char) -> usize {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if *token == Token::Punct(opening) {
            depth += 1;
        } else if *token == Token::Punct(closing) {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    tokens.len().saturating_sub(1)
}

/// The arguments of the call whose `(` is at `open`, split at top-level commas.
fn call_arguments(tokens: &[Token], open: usize) -> Vec<Vec<Token>> {
    let close = matching(tokens, open, '(', ')');
    split_top_level(&tokens[open + 1..close], false)
}

/// Splits at commas outside brackets. Angle brackets count in parameter lists
/// (`BTreeMap<String, String>`), but not in expressions, where `<` compares.
fn split_top_level(tokens: &[Token], angle_brackets: bool) -> Vec<Vec<Token>> {
    let mut parts = vec![Vec::new()];
    let mut depth = 0i32;
    let mut previous: Option<&Token> = None;
    for token in tokens {
        match token {
            Token::Punct('(' | '[' | '{') => depth += 1,
            Token::Punct(')' | ']' | '}') => depth -= 1,
            Token::Punct('<') if angle_brackets => depth += 1,
            Token::Punct('>') if angle_brackets && previous != Some(&Token::Punct('-')) => {
                depth -= 1
            }
            Token::Punct(',') if depth == 0 => {
                parts.push(Vec::new());
                previous = Some(token);
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(token.clone());
        previous = Some(token);
    }
    parts.retain(|part| !part.is_empty());
    parts
}

/// A fn, method or closure with a parameter `code: &'static str`.
struct Helper {
    name: String,
    /// The parameter's name (`code`).
    parameter: String,
    /// Its position among a call's arguments (`self` does not count).
    index: usize,
    /// Token indices of the body, where the parameter is passed on.
    body: std::ops::Range<usize>,
}

fn helpers(tokens: &[Token]) -> Vec<Helper> {
    let mut found = Vec::new();
    for at in 0..tokens.len() {
        // fn NAME [<…>] ( PARAMS ) … { BODY }
        if tokens[at] == Token::Ident("fn".into()) {
            let Some(Token::Ident(name)) = tokens.get(at + 1) else {
                continue;
            };
            let Some(open) = (at + 2..tokens.len()).find(|&i| tokens[i] == Token::Punct('('))
            else {
                continue;
            };
            let close = matching(tokens, open, '(', ')');
            let Some(body_open) = (close..tokens.len())
                .find(|&i| tokens[i] == Token::Punct('{') || tokens[i] == Token::Punct(';'))
            else {
                continue;
            };
            if tokens[body_open] != Token::Punct('{') {
                continue;
            }
            let body = body_open..matching(tokens, body_open, '{', '}');
            found.extend(
                code_parameter(&tokens[open + 1..close]).map(|(parameter, index)| Helper {
                    name: name.clone(),
                    parameter,
                    index,
                    body,
                }),
            );
        }
        // let NAME = [move] | PARAMS | BODY
        if tokens[at] == Token::Ident("let".into()) {
            let mut i = at + 1;
            if tokens.get(i) == Some(&Token::Ident("mut".into())) {
                i += 1;
            }
            let (Some(Token::Ident(name)), Some(Token::Punct('='))) =
                (tokens.get(i), tokens.get(i + 1))
            else {
                continue;
            };
            let mut open = i + 2;
            if tokens.get(open) == Some(&Token::Ident("move".into())) {
                open += 1;
            }
            if tokens.get(open) != Some(&Token::Punct('|')) {
                continue;
            }
            let Some(close) = (open + 1..tokens.len()).find(|&j| tokens[j] == Token::Punct('|'))
            else {
                continue;
            };
            let body = if tokens.get(close + 1) == Some(&Token::Punct('{')) {
                close + 1..matching(tokens, close + 1, '{', '}')
            } else {
                close + 1
                    ..(close + 1..tokens.len())
                        .find(|&j| tokens[j] == Token::Punct(';'))
                        .unwrap_or(tokens.len())
            };
            found.extend(
                code_parameter(&tokens[open + 1..close]).map(|(parameter, index)| Helper {
                    name: name.clone(),
                    parameter,
                    index,
                    body,
                }),
            );
        }
    }
    found
}

/// The name and call position of a `…code: &'static str` parameter, if any.
fn code_parameter(parameters: &[Token]) -> Option<(String, usize)> {
    let parameters = split_top_level(parameters, true);
    let has_self = parameters.first().is_some_and(|first| {
        first.contains(&Token::Ident("self".into())) && !first.contains(&Token::Punct(':'))
    });
    parameters
        .iter()
        .enumerate()
        .find_map(|(index, parameter)| {
            let name = match parameter.as_slice() {
                [Token::Ident(name), Token::Punct(':'), rest @ ..]
                | [Token::Ident(_), Token::Ident(name), Token::Punct(':'), rest @ ..]
                    if rest
                        == [
                            Token::Punct('&'),
                            Token::Ident("'static".into()),
                            Token::Ident("str".into()),
                        ] =>
                {
                    name
                }
                _ => return None,
            };
            (name == "code" || name.ends_with("_code"))
                .then(|| (name.clone(), index - usize::from(has_self)))
        })
}

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{ROOT}/{path}"))
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"))
}

/// Every manifest of `samples/`, by bare file name, in sorted order.
fn corpus_files() -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(CORPUS_DIR)
        .expect("samples/")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read_to_string(&path).expect("corpus file"),
            )
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {CORPUS_DIR}");
    files
}
