//! A large paste waits a frame before the textarea shows it; an edit that the
//! browser applied meanwhile to the older text (issue #10: `execCommand`, input
//! methods) is carried over to the pasted text, and neither is lost.

use kubetopo::text_edit::PendingPaste;

/// Pastes `pasted` over `before[start..end]`, lets the browser turn the old text
/// into `now`, and returns the text and the part after the caret.
fn check(before: &str, (start, end): (usize, usize), pasted: &str, now: &str) -> (String, String) {
    let paste = PendingPaste::new(before.to_string(), start, end, pasted);
    let (text, caret) = paste.replay(now);
    let after_caret = text[caret..].to_string();
    (text, after_caret)
}

#[test]
fn text_typed_over_the_replaced_selection_goes_after_the_paste() {
    // (old text, selection, pasted, what the textarea holds after the edit,
    //  expected text, expected text after the caret)
    let cases = [
        // Select all, paste, type: the browser replaced the whole old text.
        ("old", (0, 3), "PASTED", "x", "PASTEDx", ""),
        // A caret inside the text.
        ("abc", (1, 1), "ZZ", "axbc", "aZZxbc", "bc"),
        // A selection replaced by the same character it held.
        ("abc", (1, 2), "ZZ", "abc", "aZZbc", "c"),
        // Typing that repeats the text around it is still typed at the caret.
        ("aaa", (1, 1), "Z", "aaaa", "aZaaa", "aa"),
        // Several characters, and a line break.
        (
            "k: v\n",
            (5, 5),
            "a: b\n",
            "k: v\nc\n",
            "k: v\na: b\nc\n",
            "",
        ),
        // Multi-byte text on both sides.
        ("é—ü", (2, 5), "ß", "éxü", "éßxü", "ü"),
    ];
    for (before, selection, pasted, now, text, after_caret) in cases {
        assert_eq!(
            check(before, selection, pasted, now),
            (text.to_string(), after_caret.to_string()),
            "{before:?} {selection:?} + {pasted:?}, then {now:?}"
        );
    }
}

#[test]
fn a_deletion_while_the_paste_waits_deletes_nothing_of_it() {
    // Backspace at the caret removed the character before it in the old text,
    // which the user no longer sees: the paste stays whole.
    assert_eq!(
        check("abc", (1, 1), "ZZ", "bc"),
        ("aZZbc".to_string(), "bc".to_string())
    );
    // Delete over the selection: nothing typed, the paste as it was.
    assert_eq!(
        check("abcd", (1, 3), "ZZ", "ad"),
        ("aZZd".to_string(), "d".to_string())
    );
}

#[test]
fn offsets_inside_a_character_move_back_to_its_start() {
    // Byte 1 is inside "é": the paste goes before it.
    let paste = PendingPaste::new("é".to_string(), 1, 1, "Z");
    assert_eq!(paste.after, "Zé");
    assert_eq!(paste.caret, 1);
    let (text, caret) = paste.replay("xé");
    assert_eq!((text.as_str(), caret), ("Zxé", 2));
}

proptest::proptest! {
    /// The line count of a large paste, eight bytes at a time, is the count of its
    /// newline bytes, whatever bytes stand around them (and 0x0a inside a word, or
    /// bytes with the top bit set beside one, are the cases a word trick gets wrong).
    #[test]
    fn newlines_counted_eight_bytes_at_a_time_are_every_newline(
        bytes in proptest::collection::vec(proptest::prop_oneof![
            proptest::prelude::Just(b'\n'),
            proptest::prelude::Just(0x0b_u8),
            proptest::prelude::Just(0x8a_u8),
            proptest::prelude::Just(0_u8),
            proptest::prelude::any::<u8>(),
        ], 0..200),
    ) {
        let expected = bytes.iter().filter(|&&byte| byte == b'\n').count();
        proptest::prop_assert_eq!(kubetopo::engine::text::count_newlines(&bytes), expected);
    }
}
