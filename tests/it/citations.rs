//! Keeps the `§` citations honest and the repository self-contained.
//!
//! Code, tests and docs cite the rules of `docs/semantics.md` by section number, and
//! the selector tests cite its numbered test vectors (`§1.5 #24`). This module fails,
//! naming the file and line, when a citation points at a section heading or a vector
//! that `docs/semantics.md` does not have, so renumbering the rule book cannot leave
//! citations dangling.
//!
//! It also fails when a file mentions a rule book or a directory outside the
//! repository: a fresh clone must build, test and read on its own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The trees whose citations are checked, relative to the repository root.
const CITING_TREES: &[&str] = &["src", "tests", "benches", "fuzz/fuzz_targets", "docs"];

/// Top-level documents that cite rules too.
const CITING_FILES: &[&str] = &["README.md", "ARCHITECTURE.md"];

/// The rule book itself. Its own headings are the citation targets, and its prose
/// may name sections in ways that are not citations.
const RULE_BOOK: &str = "docs/semantics.md";

/// Names of things outside the repository that no file may point at. They are
/// written in pieces so that this file does not match itself.
fn outside_references() -> Vec<String> {
    vec![
        ["k8s-service", "-semantics.md"].concat(),
        ["gateway-api", "-semantics.md"].concat(),
        ["..", "/shared"].concat(),
    ]
}

#[test]
fn every_cited_section_has_a_heading_in_the_rule_book() {
    let rule_book = RuleBook::read();
    let mut n_citations = 0;
    let mut dangling = Vec::new();
    for (path, text) in citing_files() {
        for citation in citations_in(&text) {
            n_citations += 1;
            if let Some(problem) = rule_book.problem_with(&citation) {
                dangling.push(format!("{}:{}: {problem}", path, citation.line));
            }
        }
    }
    // A scan that finds nothing would pass vacuously, for example if the trees
    // moved; the code base cites hundreds of rules.
    assert!(
        n_citations > 100,
        "found only {n_citations} citations; is the scan looking in the right place?"
    );
    assert!(
        dangling.is_empty(),
        "citations without a matching heading or vector in {RULE_BOOK}:\n{}",
        dangling.join("\n")
    );
}

#[test]
fn no_file_points_outside_the_repository() {
    let mut offending_lines = Vec::new();
    for (path, text) in citing_files().into_iter().chain(rule_book_file()) {
        for (line_index, line) in text.lines().enumerate() {
            for outside_reference in outside_references() {
                if line.contains(&outside_reference) {
                    offending_lines.push(format!(
                        "{path}:{}: mentions `{outside_reference}`; cite {RULE_BOOK} or a file in the repository instead",
                        line_index + 1
                    ));
                }
            }
        }
    }
    assert!(
        offending_lines.is_empty(),
        "the repository must stand alone:\n{}",
        offending_lines.join("\n")
    );
}

#[test]
fn the_rule_book_has_every_section_of_the_agreed_numbering() {
    // About 400 citations were written against this numbering before the rule book
    // existed, so these sections are fixed even where nothing cites them today.
    let rule_book = RuleBook::read();
    let agreed_sections = [
        "1", "1.1", "1.2", "1.3", "1.4", "1.5", "2", "3", "4", "5", "5.1", "5.2", "5.3", "6", "7",
        "8", "9", "10", "11",
    ];
    let missing: Vec<&str> = agreed_sections
        .iter()
        .copied()
        .filter(|section| !rule_book.sections.contains(*section))
        .collect();
    assert!(
        missing.is_empty(),
        "{RULE_BOOK} lacks the sections {missing:?}"
    );
    let vectors: Vec<u32> = rule_book.test_vectors.iter().copied().collect();
    let expected_vectors: Vec<u32> = (1..=vectors.len() as u32).collect();
    assert_eq!(
        vectors, expected_vectors,
        "the test vectors of §1.5 must be numbered #1…#N without gaps"
    );
}

#[test]
fn the_citation_scanner_reads_the_forms_the_code_uses() {
    let text = "a (§5.2). b §1.5 #24, c §1.5 vector 28\nd §10 and §2 \"ports.name\" §3.";
    let found: Vec<(usize, String, Option<u32>)> = citations_in(text)
        .into_iter()
        .map(|citation| (citation.line, citation.section, citation.test_vector))
        .collect();
    assert_eq!(
        found,
        vec![
            (1, "5.2".to_string(), None),
            (1, "1.5".to_string(), Some(24)),
            (1, "1.5".to_string(), Some(28)),
            (2, "10".to_string(), None),
            (2, "2".to_string(), None),
            (2, "3".to_string(), None),
        ]
    );
}

#[test]
fn the_heading_reader_takes_the_number_before_the_title() {
    assert_eq!(
        heading_section("## 1. Label selectors").as_deref(),
        Some("1")
    );
    assert_eq!(
        heading_section("### 1.5 Test vectors").as_deref(),
        Some("1.5")
    );
    assert_eq!(heading_section("#### 3.2. Bands").as_deref(), Some("3.2"));
    assert_eq!(heading_section("## Sources"), None);
    assert_eq!(heading_section("#1 is not a heading"), None);
    assert_eq!(heading_section("text ## 2. not at the start"), None);
}

/// One `§` citation found in a file.
#[derive(Debug)]
struct Citation {
    /// 1-based.
    line: usize,
    /// The dotted section number, such as `5.2`.
    section: String,
    /// The vector number of `§1.5 #24` or `§1.5 vector 24`.
    test_vector: Option<u32>,
}

/// The section numbers and test vectors `docs/semantics.md` defines.
struct RuleBook {
    sections: BTreeSet<String>,
    test_vectors: BTreeSet<u32>,
}

impl RuleBook {
    fn read() -> RuleBook {
        let text = read_to_string(&Path::new(ROOT).join(RULE_BOOK));
        let mut sections = BTreeSet::new();
        let mut test_vectors = BTreeSet::new();
        let mut current_section = String::new();
        for line in text.lines() {
            if let Some(section) = heading_section(line) {
                current_section = section.clone();
                sections.insert(section);
            } else if line.starts_with('#') {
                // An unnumbered heading ends the numbered section before it.
                current_section.clear();
            } else if current_section == "1.5" {
                if let Some(vector) = table_row_number(line) {
                    test_vectors.insert(vector);
                }
            }
        }
        RuleBook {
            sections,
            test_vectors,
        }
    }

    fn problem_with(&self, citation: &Citation) -> Option<String> {
        if !self.sections.contains(&citation.section) {
            return Some(format!("cites §{}, which has no heading", citation.section));
        }
        match citation.test_vector {
            Some(vector) if !self.test_vectors.contains(&vector) => Some(format!(
                "cites test vector #{vector} of §{}, which the table does not have",
                citation.section
            )),
            _ => None,
        }
    }
}

/// The section number of a Markdown heading such as `### 1.4 String syntax` or
/// `## 1. Label selectors`; `None` for other lines and unnumbered headings.
fn heading_section(line: &str) -> Option<String> {
    let title = line.trim_start_matches('#');
    if title.len() == line.len() || !title.starts_with(' ') {
        return None;
    }
    let number: String = title
        .trim_start()
        .chars()
        .take_while(|character| character.is_ascii_digit() || *character == '.')
        .collect();
    let number = number.trim_end_matches('.');
    let well_formed = !number.is_empty()
        && number
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
    well_formed.then(|| number.to_string())
}

/// The number in the first cell of a table row such as `| 24 | map {} | … |`.
fn table_row_number(line: &str) -> Option<u32> {
    let first_cell = line.trim().strip_prefix('|')?.split('|').next()?;
    first_cell.trim().trim_start_matches('#').parse().ok()
}

/// Every `§N`, `§N.M`, … in `text`, with the test vector that may follow it.
fn citations_in(text: &str) -> Vec<Citation> {
    let mut citations = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        for (offset, _) in line.match_indices('§') {
            let after_mark = &line[offset + '§'.len_utf8()..];
            let Some((section, rest)) = dotted_number(after_mark) else {
                continue;
            };
            citations.push(Citation {
                line: line_index + 1,
                section,
                test_vector: test_vector_after(rest),
            });
        }
    }
    citations
}

/// Splits a leading `5.2` off `text`. A trailing dot ends a sentence, not the number.
fn dotted_number(text: &str) -> Option<(String, &str)> {
    let mut end = 0;
    let bytes = text.as_bytes();
    while end < bytes.len() {
        // A dot belongs to the number only between two digits.
        let continues_number = bytes[end].is_ascii_digit()
            || (bytes[end] == b'.'
                && end > 0
                && bytes.get(end + 1).is_some_and(u8::is_ascii_digit));
        if !continues_number {
            break;
        }
        end += 1;
    }
    (end > 0).then(|| (text[..end].to_string(), &text[end..]))
}

/// The vector number in ` #24` or ` vector 24` right after a citation.
fn test_vector_after(text: &str) -> Option<u32> {
    let text = text.trim_start();
    let digits = text
        .strip_prefix('#')
        .or_else(|| text.strip_prefix("vector "))
        .or_else(|| text.strip_prefix("vectors "))?;
    let digits: String = digits.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `(path relative to the root, contents)` of every text file that may cite rules,
/// sorted by path so failures are listed in a stable order.
fn citing_files() -> Vec<(String, String)> {
    let root = Path::new(ROOT);
    let mut paths = Vec::new();
    for tree in CITING_TREES {
        paths.extend(files_under(&root.join(tree)));
    }
    paths.extend(CITING_FILES.iter().map(|file| root.join(file)));
    paths.sort();
    paths
        .into_iter()
        .filter(|path| path != &root.join(RULE_BOOK))
        .filter_map(|path| {
            // Binary files (the screenshot) cannot cite anything.
            let text = String::from_utf8(std::fs::read(&path).ok()?).ok()?;
            Some((relative(&path), text))
        })
        .collect()
}

fn rule_book_file() -> Option<(String, String)> {
    let path = Path::new(ROOT).join(RULE_BOOK);
    Some((RULE_BOOK.to_string(), std::fs::read_to_string(path).ok()?))
}

/// Every file below `directory`, recursively, sorted. A missing directory has none.
pub(crate) fn files_under(directory: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(directory) else {
        return files;
    };
    let mut entries: Vec<PathBuf> = entries
        .filter_map(|entry| Some(entry.ok()?.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            files.extend(files_under(&entry));
        } else {
            files.push(entry);
        }
    }
    files
}

/// `path` relative to the repository root, with `/` separators, for messages.
pub(crate) fn relative(path: &Path) -> String {
    let relative = path.strip_prefix(ROOT).unwrap_or(path);
    relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn read_to_string(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}
