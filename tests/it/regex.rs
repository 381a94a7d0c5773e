//! `engine::regex`, the matcher of Gateway API `RegularExpression` matches (§11.13):
//! the syntax it accepts and what it means, the patterns it refuses, its size limits
//! and linear time, and a differential test that holds it to `regex-lite` (the crate
//! it replaced) on patterns generated from the grammar §11.13 lists.

use std::cell::Cell;

use kubetopo::engine::regex::{ErrorKind, Regex};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

/// Whether `pattern` matches all of `text`, after checking that `regex-lite`
/// agrees, as the routing code used it before: anchored as `^(?:pattern)$`.
fn full_match(pattern: &str, text: &str) -> bool {
    let ours = Regex::new(pattern)
        .unwrap_or_else(|error| panic!("{pattern:?} does not compile: {error}"))
        .is_full_match(text);
    let reference = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
        .unwrap_or_else(|error| panic!("regex-lite refuses {pattern:?}: {error}"))
        .is_match(text);
    assert_eq!(
        ours, reference,
        "{pattern:?} on {text:?}: ours {ours}, regex-lite {reference}"
    );
    ours
}

/// Each `(pattern, text, whether it matches in full)`.
fn check(cases: &[(&str, &str, bool)]) {
    for &(pattern, text, expected) in cases {
        assert_eq!(
            full_match(pattern, text),
            expected,
            "{pattern:?} on {text:?}"
        );
    }
}

/// §11.13: literals, `.`, and the match is of the whole text, counted in
/// characters rather than bytes.
#[test]
fn literals_and_dot_match_the_whole_text() {
    check(&[
        ("", "", true),
        ("", "a", false),
        ("abc", "abc", true),
        ("abc", "abcd", false),
        ("abc", "xabc", false),
        ("/api/v1", "/api/v1", true),
        ("a.c", "abc", true),
        ("a.c", "a.c", true),
        ("a.c", "a\nc", false),
        ("(?s)a.c", "a\nc", true),
        (".", "é", true),
        ("..", "é", false),
        ("ü.ß", "ü😀ß", true),
        ("}]", "}]", true),
    ]);
}

/// §11.13: escapes, and `\d`, `\w`, `\s` are ASCII only.
#[test]
fn escapes_and_perl_classes() {
    check(&[
        (r"/api/v1\.0", "/api/v1.0", true),
        (r"/api/v1\.0", "/api/v1x0", false),
        (r"\/\-\*\+\?\(\)\[\]\{\}\|\^\$\\", r"/-*+?()[]{}|^$\", true),
        (r"\ \_\#\&\~", " _#&~", true),
        (r"\d+", "0123456789", true),
        (r"\d", "٣", false),
        (r"\D", "a", true),
        (r"\D", "7", false),
        (r"\w+", "azAZ09_", true),
        (r"\w", "é", false),
        (r"\W", "é", true),
        (r"\W", "_", false),
        (r"\s+", " \t\n\r\x0b\x0c", true),
        (r"\s", "\u{a0}", false),
        (r"\S", " ", false),
        (r"\S", "x", true),
        (r"\t\n\r\a\f\v", "\t\n\r\x07\x0c\x0b", true),
        (r"\x41\x{1F600}\x{e9}", "A😀é", true),
        (r"\x2f", "/", true),
    ]);
}

/// §11.13: bracketed classes: ranges, negation, `-` and `]` as literals, classes
/// inside, and the POSIX names.
#[test]
fn character_classes() {
    check(&[
        ("[a-z0-9_-]+", "my-name_1", true),
        ("[a-z0-9_-]+", "My", false),
        ("[^/]+", "segment", true),
        ("[^/]+", "a/b", false),
        ("[^/]", "é", true),
        (r"[\d\w]+", "ab12_", true),
        (r"[\d\w]", "-", false),
        (r"[^\d]", "5", false),
        (r"[\D]", "x", true),
        (r"[\s/]+", " / ", true),
        (r"[\-.]+", "-.", true),
        (r"[a\]]+", "a]", true),
        ("[-a]+", "-a", true),
        ("[a-]+", "a-", true),
        ("[--]", "-", true),
        ("[a-b-c]+", "ab-c", true),
        ("[a-b-c]", "B", false),
        ("[]a]+", "]a", true),
        ("[^]a]", "]", false),
        ("[^]a]", "b", true),
        ("[]-]+", "]-", true),
        ("[[:alpha:]]+", "aZ", true),
        ("[[:alpha:]]", "1", false),
        ("[[:^alpha:]]", "1", true),
        ("[[:digit:][:upper:]]+", "A1", true),
        ("[[:punct:]]+", "!/:@[`{~", true),
        ("[[:xdigit:]]+", "09afAF", true),
        ("[[:xdigit:]]", "g", false),
        ("[é-ê]", "ê", true),
        ("[é-ê]", "e", false),
        (r"[\x00-\x{10FFFF}]", "😀", true),
        ("[.]", "a", false),
        ("[$^]+", "^$", true),
    ]);
}

/// §11.13: groups of every kind, named ones as plain groups, and alternation.
#[test]
fn groups_and_alternation() {
    check(&[
        ("(foo|bar)/baz", "bar/baz", true),
        ("(foo|bar)/baz", "foo/baz", true),
        ("(foo|bar)/baz", "foobar/baz", false),
        ("(?:foo|bar)", "foobar", false),
        ("foo|bar", "bar", true),
        (r"(?P<version>v\d+)/(?<id>\d+)", "v2/17", true),
        (r"(?P<version>v\d+)/(?<id>\d+)", "v2/x", false),
        ("a|", "", true),
        ("|a", "a", true),
        ("()", "", true),
        ("(|)", "", true),
        ("((a|b)(c|d))+", "adbc", true),
        ("((a|b)(c|d))+", "adb", false),
    ]);
}

/// §11.13: quantifiers, counted ones, and lazy forms, which a whole match
/// treats as the greedy ones.
#[test]
fn quantifiers() {
    check(&[
        ("a*", "", true),
        ("a*", "aaaa", true),
        ("a+", "", false),
        ("a+", "aaa", true),
        ("ab?c", "ac", true),
        ("ab?c", "abbc", false),
        ("a{3}", "aaa", true),
        ("a{3}", "aaaa", false),
        ("a{2,}", "aaaaa", true),
        ("a{2,}", "a", false),
        ("a{2,3}", "aaa", true),
        ("a{2,3}", "aaaa", false),
        ("a{0}", "", true),
        ("a{0}", "a", false),
        ("a{0,0}b", "b", true),
        ("a{1000}", &"a".repeat(1000), true),
        ("a{1000}", &"a".repeat(999), false),
        ("a*?", "aaa", true),
        ("a+?b", "aab", true),
        ("a??b", "ab", true),
        ("a{1,2}?b", "aab", true),
        ("a{2}?", "aa", true),
        ("a{2,}?", "aaa", true),
        ("(a+?)(b??)", "ab", true),
        ("(ab)*c", "ababc", true),
        ("(ab)*c", "abac", false),
        ("^*a$+", "a", true),
        ("[0-9]{1,3}(\\.[0-9]{1,3}){3}", "10.0.0.255", true),
        ("[0-9]{1,3}(\\.[0-9]{1,3}){3}", "10.0.0", false),
    ]);
}

/// §11.13: `^`, `$`, `\A`, `\z`, `\b`, `\B`, and `(?m)` for lines.
#[test]
fn anchors_and_boundaries() {
    check(&[
        ("^/api$", "/api", true),
        ("/api$", "/api", true),
        ("^/api", "/api", true),
        ("a^b", "ab", false),
        ("a$b", "ab", false),
        ("(^a|b)c", "ac", true),
        ("x(^a|b)c", "xac", false),
        ("x(^a|b)c", "xbc", true),
        ("a$\n^b", "a\nb", false),
        ("(?m)a$\n^b", "a\nb", true),
        (r"\Aa\z", "a", true),
        (r"(?m)a\z\n", "a\n", false),
        (r"\bfoo\b", "foo", true),
        (r"a\bb", "ab", false),
        (r"a\Bb", "ab", true),
        (r"a\b-", "a-", true),
        (r"a\B-", "a-", false),
        (r"\b", "", false),
        (r"\B", "", true),
        (r"é\b", "é", false),
    ]);
}

/// §11.13: `(?i)` and the other flags: scoped to the group they are in, and case
/// folded for ASCII letters only.
#[test]
fn flags() {
    check(&[
        ("(?i)bearer .+", "BEARER xyz", true),
        ("(?i)bearer .+", "Bearer", false),
        ("(?i)ab(?-i)c", "ABc", true),
        ("(?i)ab(?-i)c", "ABC", false),
        ("(?i:a)b", "Ab", true),
        ("(?i:a)b", "AB", false),
        ("(a(?i)b)c", "aBc", true),
        ("(a(?i)b)c", "aBC", false),
        ("a(?i)b|c", "C", true),
        ("(?i)[a-c]+", "aBc", true),
        ("(?i)[^a]", "A", false),
        ("(?i)[^a]", "b", true),
        ("(?i)[[:lower:]]", "Q", true),
        ("(?i)\\x41", "a", true),
        ("(?i)é", "É", false),
        ("(?i)k", "\u{212a}", false),
        ("(?is)a.b", "A\nB", true),
        ("(?s-i:a.)b", "a\nb", true),
        ("(?U)a+", "aaa", true),
        ("(?i)(?-i)a", "A", false),
    ]);
}

/// §11.13: what routes write in practice.
#[test]
fn gateway_api_patterns() {
    check(&[
        ("/api/v[0-9]+/users/[^/]+", "/api/v2/users/alice", true),
        ("/api/v[0-9]+/users/[^/]+", "/api/v2/users/alice/x", false),
        (
            "/(images|css|js)/.*\\.(png|css|js)",
            "/images/a/b.png",
            true,
        ),
        (
            "/(images|css|js)/.*\\.(png|css|js)",
            "/images/a/b.gif",
            false,
        ),
        (
            "/v1/[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}",
            "/v1/123e4567-e89b-12d3-a456-426614174000",
            true,
        ),
        (
            "(?i)bearer [A-Za-z0-9._~+/-]+=*",
            "Bearer abc.DEF-_~+/==",
            true,
        ),
        (
            "Mozilla/5\\.0 .*(Android|iPhone).*",
            "Mozilla/5.0 (Linux; Android 14)",
            true,
        ),
        (
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
            "api.example.com",
            true,
        ),
        (
            "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*",
            "api.-x.com",
            false,
        ),
        ("foo\\.bar\\.Service", "foo.bar.Service", true),
        ("Get.*", "GetUser", true),
    ]);
}

/// Malformed patterns, which both matchers refuse (§11.13: such a match never
/// holds), with the kind of our error.
#[test]
fn malformed_patterns_are_refused_by_both() {
    let cases: &[(&str, ErrorKind)] = &[
        ("(", ErrorKind::UnbalancedGroup),
        ("(a", ErrorKind::UnbalancedGroup),
        ("((a)", ErrorKind::UnbalancedGroup),
        (")", ErrorKind::UnbalancedGroup),
        ("a)", ErrorKind::UnbalancedGroup),
        ("a)(b", ErrorKind::UnbalancedGroup),
        ("(?i", ErrorKind::UnbalancedGroup),
        ("[", ErrorKind::BadClass),
        ("[a", ErrorKind::BadClass),
        ("[]", ErrorKind::BadClass),
        ("[^]", ErrorKind::BadClass),
        ("[a-", ErrorKind::BadClass),
        ("[z-a]", ErrorKind::BadClass),
        (r"[a-\d]", ErrorKind::BadClass),
        (r"[\d-z]", ErrorKind::BadClass),
        (r"[\b]", ErrorKind::BadClass),
        ("[[a]]", ErrorKind::BadClass),
        ("[[:foo:]]", ErrorKind::BadClass),
        ("[a&&b]", ErrorKind::BadClass),
        ("[a~~b]", ErrorKind::BadClass),
        ("[a--b]", ErrorKind::BadClass),
        ("[!--]", ErrorKind::BadClass),
        ("*", ErrorKind::BadRepetition),
        ("+a", ErrorKind::BadRepetition),
        ("?", ErrorKind::BadRepetition),
        ("a|*", ErrorKind::BadRepetition),
        ("(*)", ErrorKind::BadRepetition),
        ("(?i)*", ErrorKind::BadRepetition),
        ("{1}", ErrorKind::BadRepetition),
        ("a{", ErrorKind::BadRepetition),
        ("a{1", ErrorKind::BadRepetition),
        ("a{1,", ErrorKind::BadRepetition),
        ("a{,2}", ErrorKind::BadRepetition),
        ("a{x}", ErrorKind::BadRepetition),
        ("a{1,2", ErrorKind::BadRepetition),
        ("a{2,1}", ErrorKind::BadRepetition),
        ("a{99999999999}", ErrorKind::BadRepetition),
        ("\\", ErrorKind::BadEscape),
        ("a\\", ErrorKind::BadEscape),
        (r"(a)\1", ErrorKind::BadEscape),
        (r"\0", ErrorKind::BadEscape),
        (r"\p{L}", ErrorKind::BadEscape),
        (r"\pL", ErrorKind::BadEscape),
        (r"\P{Greek}", ErrorKind::BadEscape),
        (r"\Q.\E", ErrorKind::BadEscape),
        (r"\e", ErrorKind::BadEscape),
        (r"\Z", ErrorKind::BadEscape),
        (r"\x", ErrorKind::BadEscape),
        (r"\xZ1", ErrorKind::BadEscape),
        (r"\x4", ErrorKind::BadEscape),
        (r"\x{}", ErrorKind::BadEscape),
        (r"\x{41", ErrorKind::BadEscape),
        (r"\x{110000}", ErrorKind::BadEscape),
        (r"\x{D800}", ErrorKind::BadEscape),
        (r"\é", ErrorKind::BadEscape),
        ("(?=a)", ErrorKind::BadGroup),
        ("(?!a)", ErrorKind::BadGroup),
        ("(?<=a)b", ErrorKind::BadGroup),
        ("(?<!a)b", ErrorKind::BadGroup),
        ("(?)", ErrorKind::BadGroup),
        ("(?-)", ErrorKind::BadGroup),
        ("(?i-)", ErrorKind::BadGroup),
        ("(?-:a)", ErrorKind::BadGroup),
        ("(?ii)", ErrorKind::BadGroup),
        ("(?i-i)", ErrorKind::BadGroup),
        ("(?--i)", ErrorKind::BadGroup),
        ("(?q)", ErrorKind::BadGroup),
        ("(?P<>a)", ErrorKind::BadGroup),
        ("(?P<1a>a)", ErrorKind::BadGroup),
        ("(?P<a-b>a)", ErrorKind::BadGroup),
        ("(?P<a>x)(?<a>y)", ErrorKind::BadGroup),
        ("(?P=a)", ErrorKind::BadGroup),
        ("(?P<a", ErrorKind::UnbalancedGroup),
    ];
    for &(pattern, kind) in cases {
        let error = Regex::new(pattern)
            .err()
            .unwrap_or_else(|| panic!("{pattern:?} compiles"));
        assert_eq!(error.kind(), kind, "{pattern:?}: {error}");
        assert!(
            regex_lite::Regex::new(pattern).is_err(),
            "regex-lite accepts {pattern:?}"
        );
    }
}

/// Patterns `regex-lite` accepts but RE2 refuses or reads otherwise: refused, so
/// that a pattern never means something else here than in a Gateway (§11.13).
/// Before this matcher, these compiled.
#[test]
fn patterns_re2_refuses_or_reads_otherwise_are_refused() {
    let cases: &[(&str, ErrorKind)] = &[
        // RE2 refuses a repetition of a repetition.
        ("a**", ErrorKind::BadRepetition),
        ("a*+", ErrorKind::BadRepetition),
        ("a+??", ErrorKind::BadRepetition),
        ("a{2}{3}", ErrorKind::BadRepetition),
        ("a*{2}", ErrorKind::BadRepetition),
        // RE2 counts to 1,000.
        ("a{1001}", ErrorKind::BadRepetition),
        ("a{0,1001}", ErrorKind::BadRepetition),
        // RE2 reads these as text.
        ("a{01}", ErrorKind::BadRepetition),
        ("a{ 2 }", ErrorKind::BadRepetition),
        (r"\b{start}", ErrorKind::BadRepetition),
        ("[--a]", ErrorKind::BadClass),
        ("[]-a]", ErrorKind::BadClass),
        // Flags and escapes RE2 does not have.
        ("(?x)a b", ErrorKind::BadGroup),
        ("(?R)a", ErrorKind::BadGroup),
        ("(?u)a", ErrorKind::BadGroup),
        (r"\u0041", ErrorKind::BadEscape),
        (r"\U00000041", ErrorKind::BadEscape),
        (r"\<a\>", ErrorKind::BadEscape),
    ];
    for &(pattern, kind) in cases {
        let error = Regex::new(pattern)
            .err()
            .unwrap_or_else(|| panic!("{pattern:?} compiles"));
        assert_eq!(error.kind(), kind, "{pattern:?}: {error}");
        assert!(
            regex_lite::Regex::new(pattern).is_ok(),
            "regex-lite refuses {pattern:?} too; move it to the list both refuse"
        );
    }
}

/// §11.13: a pattern is limited in size, and matching is linear in the text, so
/// patterns that make a backtracking matcher take exponential time are cheap.
#[test]
fn patterns_are_bounded_and_matching_is_linear() {
    let many_a = "a".repeat(10_000);
    let cases: &[(&str, &str, bool)] = &[
        ("(a*)*b", &many_a, false),
        ("(a*)*", &many_a, true),
        ("(a|a)*b", &many_a, false),
        ("(a|aa)+", &many_a, true),
        ("(a+a+)+b", &many_a, false),
        ("(x+x+)+y", &"x".repeat(10_000), false),
        ("(.*)*/", &many_a, false),
        ("(a?){100}a{100}", &"a".repeat(100), true),
        ("((a{0,10}){0,10}){0,10}b", &"a".repeat(1000), false),
        ("(?:){1000}", "", true),
    ];
    for &(pattern, text, expected) in cases {
        let regex = Regex::new(pattern).unwrap_or_else(|error| panic!("{pattern:?}: {error}"));
        assert_eq!(regex.is_full_match(text), expected, "{pattern:?}");
    }

    let too_big = [
        "((a{1000}){1000}){1000}".to_string(),
        // Copies of an empty group push nothing, and are bounded all the same.
        "(((){1000}){1000}){1000}".to_string(),
        "(\\w{1,1000}){1,1000}".to_string(),
        format!("{}a{}", "(".repeat(101), ")".repeat(101)),
    ];
    for pattern in &too_big {
        let error = Regex::new(pattern).expect_err("too big");
        assert_eq!(error.kind(), ErrorKind::TooBig, "{pattern}");
    }
    let deep = format!("{}a{}", "(".repeat(100), ")".repeat(100));
    assert!(Regex::new(&deep).unwrap().is_full_match("a"));
}

/// One piece of a generated pattern.
#[derive(Clone, Debug)]
enum Piece {
    /// One atom, with text that it may match.
    Atom(&'static str, &'static str),
    /// An assertion or a flag group: matches no text, and may not be repeated.
    Empty(&'static str),
    Concatenation(Vec<Piece>),
    Alternation(Vec<Piece>),
    /// `(…)` opened with this text.
    Group(&'static str, Box<Piece>),
    /// The operator and how many times the sample text repeats.
    Repetition(Box<Piece>, &'static str, usize),
}

/// The atoms, each with characters it matches, from §11.13's syntax.
const ATOMS: &[(&str, &str)] = &[
    ("a", "a"),
    ("b", "b"),
    ("B", "B"),
    ("-", "-"),
    ("/", "/"),
    ("é", "é"),
    ("}", "}"),
    (r"\.", "."),
    (r"\/", "/"),
    (r"\-", "-"),
    (r"\d", "07"),
    (r"\D", "a/"),
    (r"\w", "aZ_"),
    (r"\W", "-é"),
    (r"\s", " \n"),
    (r"\S", "a"),
    (r"\t", "\t"),
    (r"\n", "\n"),
    (r"\x61", "a"),
    (r"\x{42}", "B"),
    (r"\x{e9}", "é"),
    (".", "a\n"),
    ("[a-b]", "ab"),
    ("[^/]", "a/"),
    ("[a-z0-9_-]", "a0_-"),
    (r"[\d\w]", "1b"),
    (r"[^\d]", "a1"),
    ("[-a]", "-a"),
    ("[a-]", "a-"),
    ("[]a]", "]"),
    ("[^]a]", "b]"),
    (r"[\s/]", " /"),
    ("[[:alpha:]]", "aB"),
    ("[[:^digit:]]", "a0"),
    ("[[:punct:]]", "-/"),
    ("[A-Z]", "AB"),
    (r"[\-.]", ".-"),
    (r"[^a-b\n]", "\nc"),
    ("[é-ê]", "éê"),
];

const EMPTIES: &[&str] = &[
    "^", "$", r"\b", r"\B", r"\A", r"\z", "(?i)", "(?s)", "(?m)", "(?-i)",
];

const OPENERS: &[&str] = &[
    "(", "(?:", "(?P<g>", "(?<g>", "(?i:", "(?s:", "(?m:", "(?-i:", "(?i-s:", "(?U:",
];

const OPERATORS: &[&str] = &[
    "*", "+", "?", "{0}", "{1}", "{2}", "{0,}", "{1,}", "{0,1}", "{1,3}", "{2,2}", "*?", "+?",
    "??", "{1,2}?", "{2,}?",
];

fn piece() -> impl Strategy<Value = Piece> {
    let leaf = prop_oneof![
        4 => proptest::sample::select(ATOMS).prop_map(|(atom, text)| Piece::Atom(atom, text)),
        1 => proptest::sample::select(EMPTIES).prop_map(Piece::Empty),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            3 => proptest::collection::vec(inner.clone(), 1..5).prop_map(Piece::Concatenation),
            1 => proptest::collection::vec(inner.clone(), 2..4).prop_map(Piece::Alternation),
            1 => (proptest::sample::select(OPENERS), inner.clone())
                .prop_map(|(opener, piece)| Piece::Group(opener, Box::new(piece))),
            2 => (inner, proptest::sample::select(OPERATORS), 0usize..4)
                .prop_map(|(piece, operator, times)| Piece::Repetition(Box::new(piece), operator, times)),
        ]
    })
}

/// Writes the pattern; named groups are numbered so that no name repeats.
fn render(piece: &Piece, n_groups: &mut usize, pattern: &mut String) {
    match piece {
        Piece::Atom(atom, _) => pattern.push_str(atom),
        Piece::Empty(text) => pattern.push_str(text),
        Piece::Concatenation(pieces) => {
            for piece in pieces {
                render(piece, n_groups, pattern);
            }
        }
        Piece::Alternation(pieces) => {
            for (index, piece) in pieces.iter().enumerate() {
                if index > 0 {
                    pattern.push('|');
                }
                render(piece, n_groups, pattern);
            }
        }
        Piece::Group(opener, piece) => {
            *n_groups += 1;
            pattern.push_str(&opener.replace("<g>", &format!("<g{n_groups}>")));
            render(piece, n_groups, pattern);
            pattern.push(')');
        }
        Piece::Repetition(piece, operator, _) => {
            if let Piece::Atom(atom, _) = **piece {
                pattern.push_str(atom);
            } else {
                pattern.push_str("(?:");
                render(piece, n_groups, pattern);
                pattern.push(')');
            }
            pattern.push_str(operator);
        }
    }
}

/// A text the pattern may match, following `choices` through alternatives,
/// characters and repetitions.
fn sample(piece: &Piece, choices: &mut impl Iterator<Item = usize>, text: &mut String) {
    match piece {
        Piece::Atom(_, characters) => {
            let characters: Vec<char> = characters.chars().collect();
            text.push(characters[choose(choices, characters.len())]);
        }
        Piece::Empty(_) => {}
        Piece::Concatenation(pieces) => {
            for piece in pieces {
                sample(piece, choices, text);
            }
        }
        Piece::Alternation(pieces) => {
            let index = choose(choices, pieces.len());
            sample(&pieces[index], choices, text);
        }
        Piece::Group(_, piece) => sample(piece, choices, text),
        Piece::Repetition(piece, _, times) => {
            for _ in 0..*times {
                sample(piece, choices, text);
            }
        }
    }
}

/// One of `n`, as `choices` say.
fn choose(choices: &mut impl Iterator<Item = usize>, n: usize) -> usize {
    choices.next().unwrap_or(0) % n
}

/// The differential test: on patterns generated from §11.13's grammar, this
/// matcher and `regex-lite` (as `^(?:P)$`) compile the same and agree on every
/// text: texts sampled from the pattern, the same with one character changed,
/// added or removed, and texts of the atoms' characters.
#[test]
fn agrees_with_regex_lite_on_generated_patterns() {
    let n_matches = Cell::new(0usize);
    let n_non_matches = Cell::new(0usize);
    let alphabet: Vec<char> = "abB-/é}.07Z_ \n\t]AÉ".chars().collect();
    let strategy = (
        piece(),
        proptest::collection::vec(any::<usize>(), 64),
        proptest::collection::vec(proptest::collection::vec(0..alphabet.len(), 0..6), 6),
    );
    let mut runner = TestRunner::new(Config {
        cases: 3000,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(piece, choices, random_texts)| {
        let mut pattern = String::new();
        render(&piece, &mut 0, &mut pattern);
        let ours = Regex::new(&pattern)
            .map_err(|error| TestCaseError::fail(format!("{pattern:?}: {error}")))?;
        let reference = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|error| TestCaseError::fail(format!("regex-lite, {pattern:?}: {error}")))?;

        let mut texts = Vec::new();
        let mut choices = choices.into_iter().cycle();
        for _ in 0..4 {
            let mut text = String::new();
            sample(&piece, &mut choices, &mut text);
            let characters: Vec<char> = text.chars().collect();
            let at = choose(&mut choices, characters.len() + 1);
            let other = alphabet[choose(&mut choices, alphabet.len())];
            let mut changed = characters.clone();
            if at < changed.len() {
                changed[at] = other;
                let mut shorter = characters.clone();
                shorter.remove(at);
                texts.push(shorter.into_iter().collect());
            }
            let mut longer = characters;
            longer.insert(at, other);
            texts.push(changed.into_iter().collect());
            texts.push(longer.into_iter().collect());
            texts.push(text);
        }
        for indexes in random_texts {
            texts.push(indexes.into_iter().map(|index| alphabet[index]).collect());
        }
        for text in &texts {
            let expected = reference.is_match(text);
            prop_assert_eq!(
                ours.is_full_match(text),
                expected,
                "pattern {:?}, text {:?}",
                pattern,
                text
            );
            let counter = if expected { &n_matches } else { &n_non_matches };
            counter.set(counter.get() + 1);
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // The comparison means something only if both outcomes are common.
    assert!(
        n_matches.get() > 5_000 && n_non_matches.get() > 5_000,
        "{} matches and {} non-matches",
        n_matches.get(),
        n_non_matches.get()
    );
}

/// Pieces of pattern text, valid or not, for strings of them.
const TOKENS: &[&str] = &[
    "(", ")", "[", "]", "{", "}", "*", "+", "?", "|", "^", "$", ".", "\\", "-", ",", ":", "<", ">",
    "=", "!", "&", "~", "P", "i", "s", "m", "U", "x", "a", "b", "A", "0", "1", "2", "d", "w", "D",
    "x{", "é", "[:", ":]", "alpha", "(?", "(?P<", "\\b", "\\x", "{1,2}", "_",
];

/// Any string of pattern tokens: where this matcher compiles one, `regex-lite`
/// compiles it too and both agree on texts; where `regex-lite` refuses one, so does
/// this matcher. (This matcher refuses more: see
/// `patterns_re2_refuses_or_reads_otherwise_are_refused`.)
#[test]
fn arbitrary_pattern_text_compiles_only_where_regex_lite_agrees() {
    let n_compiled = Cell::new(0usize);
    let n_refused = Cell::new(0usize);
    let strategy = (
        proptest::collection::vec(proptest::sample::select(TOKENS), 1..12),
        proptest::collection::vec("[abA0é_ \\n:-]{0,5}", 8),
    );
    let mut runner = TestRunner::new(Config {
        cases: 5000,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |(tokens, texts)| {
        let pattern = tokens.concat();
        let reference = regex_lite::Regex::new(&pattern);
        let Ok(ours) = Regex::new(&pattern) else {
            n_refused.set(n_refused.get() + 1);
            return Ok(());
        };
        n_compiled.set(n_compiled.get() + 1);
        prop_assert!(reference.is_ok(), "only regex-lite refuses {:?}", pattern);
        let reference = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|error| TestCaseError::fail(format!("regex-lite, {pattern:?}: {error}")))?;
        for text in texts {
            prop_assert_eq!(
                ours.is_full_match(&text),
                reference.is_match(&text),
                "pattern {:?}, text {:?}",
                pattern,
                text
            );
        }
        Ok(())
    });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    assert!(
        n_compiled.get() > 500 && n_refused.get() > 500,
        "{} compiled and {} refused",
        n_compiled.get(),
        n_refused.get()
    );
}
