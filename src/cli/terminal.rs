//! Escaping for text written to a terminal.
//!
//! Names, labels and messages come from manifests, which may come from anyone. A
//! name holding `ESC ] 0 ; … BEL` sets the window title, `ESC [ 2 J` clears the
//! screen, and a newline forges a table row. kubectl escapes what it prints for the
//! same reason (`printers.EscapeTerminal`); kubetopo goes further and escapes every
//! control character, so what reaches the terminal is only printable text.

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character written as a visible escape: `\n`, `\r`,
/// `\t`, `\x1b` and `\x7f` for C0 and DEL, `\u{85}` for C1, and the same for the
/// Unicode bidirectional overrides, which can reorder what a row seems to say.
/// Text without any is returned as is, without copying.
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        match character {
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            character if needs_escape(character) && u32::from(character) < 0x80 => {
                let _ = write!(escaped, "\\x{:02x}", u32::from(character));
            }
            character if needs_escape(character) => {
                let _ = write!(escaped, "\\u{{{:x}}}", u32::from(character));
            }
            character => escaped.push(character),
        }
    }
    Cow::Owned(escaped)
}

fn needs_escape(character: char) -> bool {
    character.is_control() || is_bidi_control(character)
}

/// Left-to-right and right-to-left embeddings, overrides and isolates (the
/// "Trojan Source" characters).
fn is_bidi_control(character: char) -> bool {
    matches!(character, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            escape("frontend-7d9f"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(escape("ünïcödé ok"), "ünïcödé ok");
    }

    #[test]
    fn every_kind_of_control_character_is_made_visible() {
        assert_eq!(escape("a\nb"), "a\\nb");
        assert_eq!(escape("\r\t"), "\\r\\t");
        assert_eq!(escape("\u{1b}[2J"), "\\x1b[2J");
        assert_eq!(escape("\u{1b}]0;owned\u{7}"), "\\x1b]0;owned\\x07");
        assert_eq!(escape("\u{7f}"), "\\x7f");
        assert_eq!(escape("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(escape("\u{85}"), "\\u{85}");
        assert_eq!(escape("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(escape("\0"), "\\x00");
    }
}
