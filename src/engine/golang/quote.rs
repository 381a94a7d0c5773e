//! Go's `strconv.Quote` (`%q` in `fmt`), which apimachinery uses to print a
//! string value in a field error: `key: Invalid value: "a b": ...`.
//!
//! Go keeps every rune that `unicode.IsPrint` accepts (letters, marks,
//! numbers, punctuation, symbols and the ASCII space) and escapes everything
//! else, so an invisible character in a manifest, such as a soft hyphen or a
//! zero-width space, shows up as `\u00ad` or `\u200b` in the message instead of
//! hiding in it. The table of printable code points is generated from Unicode
//! 15.0.0, the version Go 1.21 and later use (`scripts/gen-go-printable.py`).

use std::fmt::Write as _;

use super::printable::PRINTABLE_RANGES;

/// `strconv.Quote(text)`: the text in double quotes, with `"` and `\`
/// backslashed, the short escapes `\a \b \f \n \r \t \v`, other control
/// characters below U+0080 as `\xNN`, and every other rune that Go does not
/// consider printable as `\uNNNN` or `\UNNNNNNNN`.
///
/// ```
/// use kubetopo::engine::golang::quote::go_quote;
///
/// assert_eq!(go_quote("my app"), "\"my app\"");
/// assert_eq!(go_quote("tab\there"), "\"tab\\there\"");
/// assert_eq!(go_quote("soft\u{ad}hyphen"), "\"soft\\u00adhyphen\"");
/// ```
pub fn go_quote(text: &str) -> String {
    go_quote_bytes(text.as_bytes())
}

/// `strconv.Quote` of a Go string that need not be valid UTF-8. Go decodes
/// one rune at a time and prints each byte that does not start a valid
/// encoding as `\xNN`, then carries on with the next byte.
pub fn go_quote_bytes(bytes: &[u8]) -> String {
    let mut quoted = String::with_capacity(bytes.len() + 2);
    quoted.push('"');
    for chunk in bytes.utf8_chunks() {
        for character in chunk.valid().chars() {
            push_escaped_rune(&mut quoted, character);
        }
        // Rust groups the bytes of a broken sequence together; Go rejects them
        // one at a time, so each gets its own escape.
        for byte in chunk.invalid() {
            let _ = write!(quoted, "\\x{byte:02x}");
        }
    }
    quoted.push('"');
    quoted
}

/// `json.Marshal` of a `[]string`, as a field error prints a bad value that is
/// a list: `["a","b"]`, with no spaces. Each string is escaped the way Go's
/// `encoding/json` does by default: `"` and `\` backslashed; backspace, form
/// feed, newline, carriage return and tab as short escapes (since Go 1.22);
/// other control characters, and `<`, `>` and `&` (HTML safety), as `\u00XX`;
/// U+2028 and U+2029 as `\u2028` and `\u2029`; everything else as it is.
pub fn go_json_strings(values: &[String]) -> String {
    let mut json = String::from("[");
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            json.push(',');
        }
        push_json_string(&mut json, value);
    }
    json.push(']');
    json
}

fn push_json_string(json: &mut String, value: &str) {
    json.push('"');
    for character in value.chars() {
        match character {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\u{8}' => json.push_str("\\b"),
            '\u{c}' => json.push_str("\\f"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            '<' | '>' | '&' | '\u{0}'..='\u{1f}' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(json, "\\u{:04x}", character as u32);
            }
            _ => json.push(character),
        }
    }
    json.push('"');
}

/// Go's `unicode.IsPrint` (and `strconv.IsPrint`, which agrees with it): the
/// rune is a letter, mark, number, punctuation or symbol, or the ASCII space.
/// Other spaces, such as U+00A0, are not printable.
pub fn is_go_printable(character: char) -> bool {
    let code_point = character as u32;
    PRINTABLE_RANGES
        .binary_search_by(|&(start, end)| {
            if end < code_point {
                std::cmp::Ordering::Less
            } else if start > code_point {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `appendEscapedRune` with a `"` quote and neither ASCII-only nor
/// graphic-only output, the mode `strconv.Quote` uses.
fn push_escaped_rune(quoted: &mut String, character: char) {
    if character == '"' || character == '\\' {
        quoted.push('\\');
        quoted.push(character);
        return;
    }
    if is_go_printable(character) {
        quoted.push(character);
        return;
    }
    let code_point = character as u32;
    match character {
        '\u{7}' => quoted.push_str("\\a"),
        '\u{8}' => quoted.push_str("\\b"),
        '\u{c}' => quoted.push_str("\\f"),
        '\n' => quoted.push_str("\\n"),
        '\r' => quoted.push_str("\\r"),
        '\t' => quoted.push_str("\\t"),
        '\u{b}' => quoted.push_str("\\v"),
        _ if code_point < 0x20 || code_point == 0x7f => {
            let _ = write!(quoted, "\\x{code_point:02x}");
        }
        // A Rust `char` is always a valid rune (no surrogates, nothing past
        // U+10FFFF), so Go's replacement of invalid runes by U+FFFD never applies.
        _ if code_point < 0x1_0000 => {
            let _ = write!(quoted, "\\u{code_point:04x}");
        }
        _ => {
            let _ = write!(quoted, "\\U{code_point:08x}");
        }
    }
}
