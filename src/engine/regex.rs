//! Regular expressions for Gateway API `RegularExpression` matches (§11.13): RE2
//! syntax, matched against the whole text, in time linear in the text.
//!
//! ```
//! use kubetopo::engine::regex::Regex;
//!
//! let version = Regex::new(r"/api/v\d+(/.*)?").unwrap();
//! assert!(version.is_full_match("/api/v2/users"));
//! assert!(version.is_full_match("/api/v2"));
//! assert!(!version.is_full_match("/api/v2x"));
//! assert!(Regex::new(r"(a").is_err());
//! ```
//!
//! A pattern is parsed into a small tree (`Node`), compiled into a program for a
//! Thompson NFA (`Inst`) and run as a Pike VM: every thread advances by one
//! character at a time, and a thread that reaches an instruction another thread
//! already holds at that position is dropped. A match therefore costs at most the
//! program's length times the text's length, whatever the pattern: `(a*)*b` over
//! 10,000 `a`s is no slower than `a*b`. The program's size is bounded (a count is at
//! most 1,000, as in RE2, and the program at most 20,000 steps).
//!
//! Only whole matches are asked for, so no capture positions are kept and
//! greediness is ignored: `a*?` and `a*` hold for the same texts.
//!
//! The syntax is the part of RE2 that routes use, and only where RE2 and
//! `regex-lite` read it alike (the native tests hold this matcher to `regex-lite`);
//! the list is in §11.13. Anything else is an [`Error`], and a match whose pattern
//! is an error never holds. This module exists for the wasm's size budget: in place
//! of `regex-lite`, it made the release wasm 11.3 KB brotli smaller.

use std::fmt;

/// A compiled pattern: build it with [`Regex::new`], then ask
/// [`Regex::is_full_match`].
#[derive(Clone, Debug)]
pub struct Regex {
    program: Vec<Inst>,
    /// The character classes the program's `Inst::Class` steps consume, by index.
    classes: Vec<Class>,
}

/// Why a pattern does not compile: what is wrong, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    offset: Option<usize>,
}

/// What is wrong with a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A `(` without its `)`, or a `)` without its `(`.
    UnbalancedGroup,
    /// A lookaround, an unknown or repeated flag, an empty flag group `(?)`, or a
    /// group name that is empty, badly formed or used twice.
    BadGroup,
    /// A `[` without its `]`, a nested class, a set operation (`&&`, `~~`, `--`), a
    /// reversed range, or a range with a class or an ambiguous `-` or `]` at an end.
    BadClass,
    /// An escape that is not supported, such as a backreference `\1`, `\p{Greek}`,
    /// `\Q`, `\e`, `\<`, or a `\` at the end of the pattern.
    BadEscape,
    /// A repetition with nothing to repeat, a repetition of a repetition (`a**`), a
    /// malformed `{n,m}`, a count over 1,000, or `n` over `m`.
    BadRepetition,
    /// Groups nested more than 100 deep, or a program of more than 20,000 steps.
    TooBig,
}

impl Regex {
    /// Compiles `pattern`, or says why it is not one.
    pub fn new(pattern: &str) -> Result<Regex, Error> {
        let mut parser = Parser {
            chars: pattern.chars().collect(),
            at: 0,
            flags: Flags::default(),
            depth: 0,
            classes: Vec::new(),
            group_names: Vec::new(),
        };
        let tree = parser.alternation()?;
        if parser.at < parser.chars.len() {
            // An alternation stops early only at a `)` that closes nothing.
            return Err(parser.error(ErrorKind::UnbalancedGroup));
        }
        let mut compiler = Compiler {
            program: Vec::new(),
            size: 0,
        };
        compiler.emit(&tree)?;
        compiler.push(Inst::Match)?;
        Ok(Regex {
            program: compiler.program,
            classes: parser.classes,
        })
    }

    /// Whether the pattern matches all of `text`, as if written `^(?:pattern)$`.
    pub fn is_full_match(&self, text: &str) -> bool {
        let mut closure = Closure {
            stamps: vec![0; self.program.len()],
            generation: 1,
            stack: Vec::new(),
        };
        let mut current = Vec::new();
        let mut next = Vec::new();
        let mut chars = text.chars();
        let mut after = chars.next();
        closure.add(&self.program, &mut current, 0, None, after);
        while let Some(character) = after {
            let following = chars.next();
            closure.generation += 1;
            next.clear();
            for &pc in &current {
                if let Inst::Class(class) = self.program[pc] {
                    if self.classes[class].contains(character) {
                        closure.add(&self.program, &mut next, pc + 1, Some(character), following);
                    }
                }
            }
            if next.is_empty() {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
            after = following;
        }
        current
            .iter()
            .any(|&pc| matches!(self.program[pc], Inst::Match))
    }
}

impl Error {
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where the problem was found, in characters from the start of the pattern;
    /// `None` for a pattern that is too large as a whole.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ErrorKind::UnbalancedGroup => "unbalanced parenthesis",
            ErrorKind::BadGroup => "bad group or flags",
            ErrorKind::BadClass => "bad character class",
            ErrorKind::BadEscape => "unsupported escape",
            ErrorKind::BadRepetition => "bad repetition",
            ErrorKind::TooBig => "pattern too large",
        };
        match self.offset {
            Some(offset) => write!(f, "{what} at character {offset}"),
            None => f.write_str(what),
        }
    }
}

impl std::error::Error for Error {}

/// The most times a counted repetition may repeat, as in RE2: `a{1001}` is refused.
const MAX_REPEAT: u32 = 1000;

/// The deepest nesting of groups.
const MAX_NESTING: u32 = 100;

/// The most instructions and tree nodes a compiled pattern may take. A counted
/// repetition copies its operand, so without a bound `((a{1000}){1000}){1000}`
/// would be a billion instructions (RE2 bounds the product of nested counts).
const MAX_SIZE: usize = 20_000;

/// One step of the program.
#[derive(Clone, Copy, Debug)]
enum Inst {
    /// Consume one character of the class at this index.
    Class(usize),
    /// Go on only where the assertion holds; consumes nothing.
    Look(Look),
    /// Go on both at the next instruction and at this one.
    Fork(usize),
    Jump(usize),
    Match,
}

/// The assertions, which look at the characters on either side of a position.
#[derive(Clone, Copy, Debug)]
enum Look {
    /// `^`, `\A`: the start of the text.
    Start,
    /// `$`, `\z`: the end of the text.
    End,
    /// `^` under `(?m)`: the start of the text or just after a `\n`.
    LineStart,
    /// `$` under `(?m)`: the end of the text or just before a `\n`.
    LineEnd,
    /// `\b`: a word character (`\w`) on one side only.
    WordBoundary,
    /// `\B`: word characters on both sides or neither.
    NotWordBoundary,
}

impl Look {
    fn holds(self, before: Option<char>, after: Option<char>) -> bool {
        let is_word = |side: Option<char>| {
            side.is_some_and(|character| character.is_ascii_alphanumeric() || character == '_')
        };
        match self {
            Look::Start => before.is_none(),
            Look::End => after.is_none(),
            Look::LineStart => matches!(before, None | Some('\n')),
            Look::LineEnd => matches!(after, None | Some('\n')),
            Look::WordBoundary => is_word(before) != is_word(after),
            Look::NotWordBoundary => is_word(before) == is_word(after),
        }
    }
}

/// A set of characters: the union of inclusive ranges, or everything else.
///
/// A literal is a class of one character (two under `(?i)`), and `.` is everything
/// but `\n`, so the program has one kind of consuming step.
#[derive(Clone, Debug)]
struct Class {
    ranges: Vec<(char, char)>,
    negated: bool,
}

impl Class {
    fn contains(&self, character: char) -> bool {
        let in_ranges = self
            .ranges
            .iter()
            .any(|&(low, high)| low <= character && character <= high);
        in_ranges != self.negated
    }

    /// Adds the other case of every ASCII letter in the ranges. Done before the
    /// class is negated, as RE2 does, so that `(?i)[^x]` refuses `X`. Case folding
    /// beyond ASCII is not supported (§11.13).
    fn fold_ascii_case(&mut self) {
        for index in 0..self.ranges.len() {
            let (low, high) = self.ranges[index];
            for (first, last) in [('a', 'z'), ('A', 'Z')] {
                let (start, end) = (low.max(first), high.min(last));
                if start <= end {
                    let other_case = |letter: char| char::from(letter as u8 ^ 0x20);
                    self.ranges.push((other_case(start), other_case(end)));
                }
            }
        }
    }
}

/// The ASCII tables of `\d`, `\s`, `\w` and the POSIX classes, as byte ranges in
/// ascending order.
type Table = &'static [(u8, u8)];

const DIGIT: Table = &[(b'0', b'9')];
/// `\t \n \v \f \r` and the space.
const SPACE: Table = &[(b'\t', b'\r'), (b' ', b' ')];
const WORD: Table = &[(b'0', b'9'), (b'A', b'Z'), (b'_', b'_'), (b'a', b'z')];

/// `[[:name:]]` inside a bracketed class.
const POSIX_CLASSES: &[(&str, Table)] = &[
    ("alnum", &[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z')]),
    ("alpha", &[(b'A', b'Z'), (b'a', b'z')]),
    ("ascii", &[(0, 0x7f)]),
    ("blank", &[(b'\t', b'\t'), (b' ', b' ')]),
    ("cntrl", &[(0, 0x1f), (0x7f, 0x7f)]),
    ("digit", DIGIT),
    ("graph", &[(b'!', b'~')]),
    ("lower", &[(b'a', b'z')]),
    ("print", &[(b' ', b'~')]),
    (
        "punct",
        &[(b'!', b'/'), (b':', b'@'), (b'[', b'`'), (b'{', b'~')],
    ),
    ("space", SPACE),
    ("upper", &[(b'A', b'Z')]),
    ("word", WORD),
    ("xdigit", &[(b'0', b'9'), (b'A', b'F'), (b'a', b'f')]),
];

/// Adds a table's ranges, or, for `\D`, `\S`, `\W` and `[:^name:]`, the ranges
/// between them.
fn push_table(ranges: &mut Vec<(char, char)>, table: Table, negated: bool) {
    if !negated {
        ranges.extend(
            table
                .iter()
                .map(|&(low, high)| (char::from(low), char::from(high))),
        );
        return;
    }
    let mut next: u8 = 0;
    for &(low, high) in table {
        if low > next {
            ranges.push((char::from(next), char::from(low - 1)));
        }
        next = high + 1;
    }
    ranges.push((char::from(next), char::MAX));
}

/// The parsed pattern. Groups leave no trace: they only shape the tree.
enum Node {
    Class(usize),
    Look(Look),
    Concatenation(Vec<Node>),
    Alternation(Vec<Node>),
    /// `max` is `None` for no upper bound.
    Repetition {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
    },
}

/// What an escape stands for.
enum Escape {
    Char(char),
    /// `\d`, `\s`, `\w`, and negated for `\D`, `\S`, `\W`.
    Table(Table, bool),
    Look(Look),
}

/// The flags set by `(?flags)` or `(?flags:…)`; `U` is accepted and changes
/// nothing, as greediness does not change a whole match.
#[derive(Clone, Copy, Default)]
struct Flags {
    case_insensitive: bool,
    multi_line: bool,
    dot_matches_new_line: bool,
}

/// A recursive-descent parser over the pattern's characters.
struct Parser {
    chars: Vec<char>,
    at: usize,
    flags: Flags,
    depth: u32,
    classes: Vec<Class>,
    group_names: Vec<String>,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_second(&self) -> Option<char> {
        self.chars.get(self.at + 1).copied()
    }

    fn eat(&mut self, wanted: char) -> bool {
        let found = self.peek() == Some(wanted);
        self.at += usize::from(found);
        found
    }

    fn eat_text(&mut self, wanted: &str) -> bool {
        let n_chars = wanted.chars().count();
        let found = self
            .chars
            .get(self.at..self.at + n_chars)
            .is_some_and(|here| here.iter().copied().eq(wanted.chars()));
        self.at += if found { n_chars } else { 0 };
        found
    }

    /// The next character, or an error of `kind` at the end of the pattern.
    fn next_char(&mut self, kind: ErrorKind) -> Result<char, Error> {
        let character = self.peek().ok_or(self.error(kind))?;
        self.at += 1;
        Ok(character)
    }

    fn error(&self, kind: ErrorKind) -> Error {
        error_at(kind, self.at)
    }

    /// `branch|branch|…`, up to the end of the pattern or a `)`.
    fn alternation(&mut self) -> Result<Node, Error> {
        let mut branches = vec![self.concatenation()?];
        while self.eat('|') {
            branches.push(self.concatenation()?);
        }
        Ok(Node::Alternation(branches))
    }

    fn concatenation(&mut self) -> Result<Node, Error> {
        let mut items = Vec::new();
        while let Some(character) = self.peek() {
            if character == '|' || character == ')' {
                break;
            }
            if let Some(atom) = self.atom()? {
                items.push(self.repetition(atom)?);
            }
        }
        Ok(Node::Concatenation(items))
    }

    /// One thing to match, or `None` for a flag group such as `(?i)`, which matches
    /// nothing and cannot be repeated.
    fn atom(&mut self) -> Result<Option<Node>, Error> {
        let start = self.at;
        let node = match self.next_char(ErrorKind::BadRepetition)? {
            '(' => return self.group(),
            '[' => self.class()?,
            '.' => {
                let newline = if self.flags.dot_matches_new_line {
                    vec![]
                } else {
                    vec![('\n', '\n')]
                };
                self.class_node(Class {
                    ranges: newline,
                    negated: true,
                })
            }
            '^' if self.flags.multi_line => Node::Look(Look::LineStart),
            '^' => Node::Look(Look::Start),
            '$' if self.flags.multi_line => Node::Look(Look::LineEnd),
            '$' => Node::Look(Look::End),
            '\\' => match self.escape()? {
                Escape::Char(character) => self.literal(character),
                Escape::Table(table, negated) => {
                    let mut ranges = Vec::new();
                    push_table(&mut ranges, table, false);
                    self.class_node(Class { ranges, negated })
                }
                Escape::Look(look) => Node::Look(look),
            },
            // RE2 reads a `{` that starts no repetition as a literal, regex-lite
            // refuses it; so do we, as we do everywhere they differ.
            '*' | '+' | '?' | '{' => return Err(error_at(ErrorKind::BadRepetition, start)),
            character => self.literal(character),
        };
        Ok(Some(node))
    }

    fn literal(&mut self, character: char) -> Node {
        let mut class = Class {
            ranges: vec![(character, character)],
            negated: false,
        };
        if self.flags.case_insensitive {
            class.fold_ascii_case();
        }
        self.class_node(class)
    }

    fn class_node(&mut self, class: Class) -> Node {
        self.classes.push(class);
        Node::Class(self.classes.len() - 1)
    }

    /// The repetition operator after `atom`, if any: `*`, `+`, `?`, `{n}`, `{n,}` or
    /// `{n,m}`, each possibly followed by the `?` that makes it lazy.
    fn repetition(&mut self, atom: Node) -> Result<Node, Error> {
        let (min, max) = if self.eat('*') {
            (0, None)
        } else if self.eat('+') {
            (1, None)
        } else if self.eat('?') {
            (0, Some(1))
        } else if self.eat('{') {
            self.counted_repetition()?
        } else {
            return Ok(atom);
        };
        self.eat('?');
        // RE2 refuses a repetition of a repetition, `a**` or `a{2}{3}`.
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return Err(self.error(ErrorKind::BadRepetition));
        }
        Ok(Node::Repetition {
            node: Box::new(atom),
            min,
            max,
        })
    }

    /// `n}`, `n,}` or `n,m}`, after a `{`.
    fn counted_repetition(&mut self) -> Result<(u32, Option<u32>), Error> {
        let min = self.count()?;
        let max = if !self.eat(',') {
            Some(min)
        } else if self.peek() == Some('}') {
            None
        } else {
            Some(self.count()?)
        };
        if !self.eat('}') || max.is_some_and(|max| max < min) {
            return Err(self.error(ErrorKind::BadRepetition));
        }
        Ok((min, max))
    }

    /// A count: decimal digits without a leading zero (RE2 reads `{01}` as text),
    /// at most [`MAX_REPEAT`].
    fn count(&mut self) -> Result<u32, Error> {
        let start = self.at;
        let mut count: u32 = 0;
        while let Some(digit) = self.peek().and_then(|character| character.to_digit(10)) {
            if self.at > start && count == 0 {
                return Err(self.error(ErrorKind::BadRepetition));
            }
            count = count * 10 + digit;
            if count > MAX_REPEAT {
                return Err(error_at(ErrorKind::BadRepetition, start));
            }
            self.at += 1;
        }
        if self.at == start {
            return Err(self.error(ErrorKind::BadRepetition));
        }
        Ok(count)
    }

    /// After a `(`: a group, a named group `(?P<name>…)` or `(?<name>…)`, a
    /// non-capturing group with flags `(?flags:…)`, or a flag group `(?flags)`,
    /// whose flags hold to the end of the enclosing group (`None`).
    fn group(&mut self) -> Result<Option<Node>, Error> {
        let start = self.at - 1;
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(error_at(ErrorKind::TooBig, start));
        }
        let outer_flags = self.flags;
        if self.eat('?') {
            if self.eat('<') || self.eat_text("P<") {
                self.group_name()?;
            } else if self.flags()? {
                self.depth -= 1;
                return Ok(None);
            }
        }
        let node = self.alternation()?;
        if !self.eat(')') {
            return Err(error_at(ErrorKind::UnbalancedGroup, start));
        }
        self.flags = outer_flags;
        self.depth -= 1;
        Ok(Some(node))
    }

    /// The name of a named group and its `>`: a letter or `_`, then letters,
    /// digits and `_` (what both RE2 and regex-lite accept), not used before.
    fn group_name(&mut self) -> Result<(), Error> {
        let start = self.at;
        loop {
            let character = self.next_char(ErrorKind::UnbalancedGroup)?;
            let is_first = self.at - 1 == start;
            if character == '>' && !is_first {
                break;
            }
            let allowed = character == '_'
                || character.is_ascii_alphabetic()
                || (character.is_ascii_digit() && !is_first);
            if !allowed {
                return Err(error_at(ErrorKind::BadGroup, self.at - 1));
            }
        }
        let name: String = self.chars[start..self.at - 1].iter().collect();
        if self.group_names.contains(&name) {
            return Err(error_at(ErrorKind::BadGroup, start));
        }
        self.group_names.push(name);
        Ok(())
    }

    /// The flags after `(?`, up to and including the `)` or `:` that ends them;
    /// sets them and says whether this was a flag group `(?flags)`. A flag may
    /// appear once, after at most one `-` that clears the flags after it.
    fn flags(&mut self) -> Result<bool, Error> {
        let mut enabled = true;
        let mut seen = 0u8;
        loop {
            let bit = match self.next_char(ErrorKind::UnbalancedGroup)? {
                end @ (':' | ')') => {
                    // `(?)`, `(?-)`, `(?i-)` and `(?-:…)` set nothing.
                    let previous = self.chars[self.at - 2];
                    if previous == '-' || (end == ')' && previous == '?') {
                        return Err(error_at(ErrorKind::BadGroup, self.at - 1));
                    }
                    return Ok(end == ')');
                }
                '-' if enabled => {
                    enabled = false;
                    continue;
                }
                'i' => {
                    self.flags.case_insensitive = enabled;
                    1
                }
                'm' => {
                    self.flags.multi_line = enabled;
                    2
                }
                's' => {
                    self.flags.dot_matches_new_line = enabled;
                    4
                }
                // Swaps greediness, which does not change a whole match.
                'U' => 8,
                _ => return Err(error_at(ErrorKind::BadGroup, self.at - 1)),
            };
            if seen & bit != 0 {
                return Err(error_at(ErrorKind::BadGroup, self.at - 1));
            }
            seen |= bit;
        }
    }

    /// After a `\`, outside a class or in one.
    fn escape(&mut self) -> Result<Escape, Error> {
        let bad = error_at(ErrorKind::BadEscape, self.at - 1);
        let escape = match self.next_char(ErrorKind::BadEscape)? {
            letter @ ('d' | 'D') => Escape::Table(DIGIT, letter == 'D'),
            letter @ ('s' | 'S') => Escape::Table(SPACE, letter == 'S'),
            letter @ ('w' | 'W') => Escape::Table(WORD, letter == 'W'),
            'a' => Escape::Char('\x07'),
            'f' => Escape::Char('\x0c'),
            't' => Escape::Char('\t'),
            'n' => Escape::Char('\n'),
            'r' => Escape::Char('\r'),
            'v' => Escape::Char('\x0b'),
            'x' => Escape::Char(self.hex().ok_or(bad)?),
            'A' => Escape::Look(Look::Start),
            'z' => Escape::Look(Look::End),
            'b' => Escape::Look(Look::WordBoundary),
            'B' => Escape::Look(Look::NotWordBoundary),
            // Punctuation stands for itself. regex-lite refuses `\<` and `\>`.
            character
                if character.is_ascii()
                    && !character.is_ascii_alphanumeric()
                    && character != '<'
                    && character != '>' =>
            {
                Escape::Char(character)
            }
            _ => return Err(bad),
        };
        Ok(escape)
    }

    /// The character of `\xHH` or `\x{H…}`, after the `x`.
    fn hex(&mut self) -> Option<char> {
        let braced = self.eat('{');
        let mut value: u32 = 0;
        let mut n_digits = 0;
        while !(braced && self.eat('}')) {
            if !braced && n_digits == 2 {
                break;
            }
            value = value * 16 + self.peek()?.to_digit(16)?;
            if value > u32::from(char::MAX) {
                return None;
            }
            self.at += 1;
            n_digits += 1;
        }
        if n_digits == 0 {
            return None;
        }
        char::from_u32(value)
    }

    /// After a `[`: a bracketed class, `[…]` or `[^…]`. A `]` first and a `-` first
    /// or last are literals. Where RE2 and regex-lite read a class differently, it
    /// is refused: set operations, nested classes, and ranges from a leading `]`,
    /// from or to an unescaped `-`, or with a class at an end (`[\d-z]`).
    fn class(&mut self) -> Result<Node, Error> {
        let unclosed = error_at(ErrorKind::BadClass, self.at - 1);
        let negated = self.eat('^');
        let mut ranges = Vec::new();
        let mut is_first = true;
        loop {
            let character = self.peek().ok_or(unclosed)?;
            if character == ']' && !is_first {
                self.at += 1;
                break;
            }
            is_first = false;
            if character == '[' {
                let (table, negated_table) =
                    self.posix_class().ok_or(self.error(ErrorKind::BadClass))?;
                push_table(&mut ranges, table, negated_table);
                continue;
            }
            // Intersection and symmetric difference to regex-lite, literals to RE2.
            if (character == '&' || character == '~') && self.peek_second() == Some(character) {
                return Err(self.error(ErrorKind::BadClass));
            }
            let low = match self.class_item()? {
                Escape::Char(low) => low,
                Escape::Table(table, negated_table) if !self.is_range_dash() => {
                    push_table(&mut ranges, table, negated_table);
                    continue;
                }
                _ => return Err(self.error(ErrorKind::BadClass)),
            };
            let mut high = low;
            if self.is_range_dash() {
                self.at += 1;
                let high_is_dash = self.peek() == Some('-');
                match self.class_item()? {
                    Escape::Char(end)
                        if character != '-' && character != ']' && !high_is_dash && low <= end =>
                    {
                        high = end
                    }
                    _ => return Err(self.error(ErrorKind::BadClass)),
                }
            }
            ranges.push((low, high));
        }
        let mut class = Class { ranges, negated };
        if self.flags.case_insensitive {
            class.fold_ascii_case();
        }
        Ok(self.class_node(class))
    }

    /// Whether a `-` here makes a range: it is followed by something other than `]`.
    fn is_range_dash(&self) -> bool {
        self.peek() == Some('-') && !matches!(self.peek_second(), Some(']') | None)
    }

    /// A character or an escape inside a class.
    fn class_item(&mut self) -> Result<Escape, Error> {
        match self.next_char(ErrorKind::BadClass)? {
            '\\' => self.escape(),
            character => Ok(Escape::Char(character)),
        }
    }

    /// `[:name:]` or `[:^name:]` at a `[` inside a class, if that is what follows.
    fn posix_class(&mut self) -> Option<(Table, bool)> {
        let rest = self.chars.get(self.at..)?;
        if *rest.get(..2)? != ['[', ':'] {
            return None;
        }
        let negated = rest.get(2) == Some(&'^');
        let name_start = 2 + usize::from(negated);
        let name_length = rest.get(name_start..)?.iter().position(|&c| c == ':')?;
        let name = &rest[name_start..name_start + name_length];
        if rest.get(name_start + name_length + 1) != Some(&']') {
            return None;
        }
        let (_, table) = POSIX_CLASSES
            .iter()
            .find(|(known, _)| known.chars().eq(name.iter().copied()))?;
        self.at += name_start + name_length + 2;
        Some((table, negated))
    }
}

fn error_at(kind: ErrorKind, offset: usize) -> Error {
    Error {
        kind,
        offset: Some(offset),
    }
}

/// Turns the tree into a program.
struct Compiler {
    program: Vec<Inst>,
    /// Instructions pushed and nodes compiled: a repeated empty group pushes
    /// nothing, and still has to be bounded.
    size: usize,
}

impl Compiler {
    fn grow(&mut self) -> Result<(), Error> {
        self.size += 1;
        if self.size > MAX_SIZE {
            return Err(Error {
                kind: ErrorKind::TooBig,
                offset: None,
            });
        }
        Ok(())
    }

    fn push(&mut self, inst: Inst) -> Result<usize, Error> {
        self.grow()?;
        self.program.push(inst);
        Ok(self.program.len() - 1)
    }

    /// Points the `Fork` or `Jump` at `at` to the end of the program so far.
    fn patch_to_end(&mut self, at: usize) {
        let end = self.program.len();
        if let Inst::Fork(target) | Inst::Jump(target) = &mut self.program[at] {
            *target = end;
        }
    }

    fn emit(&mut self, node: &Node) -> Result<(), Error> {
        self.grow()?;
        match node {
            Node::Class(class) => {
                self.push(Inst::Class(*class))?;
            }
            Node::Look(look) => {
                self.push(Inst::Look(*look))?;
            }
            Node::Concatenation(items) => {
                for item in items {
                    self.emit(item)?;
                }
            }
            Node::Alternation(branches) => {
                // Each branch but the last: fork to the next branch, then jump to
                // the end.
                let mut jumps = Vec::new();
                for (index, branch) in branches.iter().enumerate() {
                    let is_last = index + 1 == branches.len();
                    let fork = if is_last {
                        None
                    } else {
                        Some(self.push(Inst::Fork(0))?)
                    };
                    self.emit(branch)?;
                    if let Some(fork) = fork {
                        jumps.push(self.push(Inst::Jump(0))?);
                        self.patch_to_end(fork);
                    }
                }
                for jump in jumps {
                    self.patch_to_end(jump);
                }
            }
            Node::Repetition { node, min, max } => {
                for _ in 0..*min {
                    self.emit(node)?;
                }
                match max {
                    // The rest as a loop: fork out, or once more and back.
                    None => {
                        let fork = self.push(Inst::Fork(0))?;
                        self.emit(node)?;
                        self.push(Inst::Jump(fork))?;
                        self.patch_to_end(fork);
                    }
                    // The rest as optional copies, each able to skip to the end.
                    Some(max) => {
                        let mut forks = Vec::new();
                        for _ in *min..*max {
                            forks.push(self.push(Inst::Fork(0))?);
                            self.emit(node)?;
                        }
                        for fork in forks {
                            self.patch_to_end(fork);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// The epsilon closure of the Pike VM: from one instruction, every `Class` and
/// `Match` reachable without consuming a character at the current position.
struct Closure {
    /// The generation in which each instruction was last reached; one that is
    /// reached twice in one position is followed once, which makes the match
    /// linear and ends loops that consume nothing, as in `(a*)*`.
    stamps: Vec<usize>,
    generation: usize,
    stack: Vec<usize>,
}

impl Closure {
    fn add(
        &mut self,
        program: &[Inst],
        threads: &mut Vec<usize>,
        start: usize,
        before: Option<char>,
        after: Option<char>,
    ) {
        self.stack.push(start);
        while let Some(pc) = self.stack.pop() {
            if self.stamps[pc] == self.generation {
                continue;
            }
            self.stamps[pc] = self.generation;
            match program[pc] {
                Inst::Fork(other) => {
                    self.stack.push(other);
                    self.stack.push(pc + 1);
                }
                Inst::Jump(target) => self.stack.push(target),
                Inst::Look(look) => {
                    if look.holds(before, after) {
                        self.stack.push(pc + 1);
                    }
                }
                Inst::Class(_) | Inst::Match => threads.push(pc),
            }
        }
    }
}
