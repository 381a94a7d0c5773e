//! A paste the editor has taken but not shown yet, and an edit the browser applied
//! meanwhile to the text the textarea still showed. Plain Rust on every target, so
//! `tests/it/text_edit.rs` checks it natively; `web/editor.rs` uses it.
//!
//! A paste of more than 256 KB goes into the buffer at once and into the textarea a
//! frame later, because laying out such a textarea takes the browser about a
//! second. An edit in between (a key, `document.execCommand("insertText")`, an input
//! method) is applied by the browser to the older text the textarea still holds,
//! at the selection the paste replaced. [`PendingPaste::replay`] carries what that
//! edit typed over to the pasted text, so neither the paste nor the edit is lost.

/// A paste written into the buffer but not yet into the textarea.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingPaste {
    /// What the textarea held when the paste arrived, and still shows.
    pub before: String,
    /// The selection the paste replaced, as byte offsets into `before`.
    pub start: usize,
    pub end: usize,
    /// The text with the paste in place of the selection: what the buffer holds.
    pub after: String,
    /// Where the caret goes after the pasted text, as a byte offset into `after`.
    pub caret: usize,
}

impl PendingPaste {
    /// The paste of `pasted` over `before[start..end]` (byte offsets, moved back to
    /// the nearest character boundary if they fall inside one).
    pub fn new(before: String, start: usize, end: usize, pasted: &str) -> PendingPaste {
        let start = floor_boundary(&before, start);
        let end = floor_boundary(&before, end.max(start));
        let after = format!("{}{pasted}{}", &before[..start], &before[end..]);
        PendingPaste {
            caret: start + pasted.len(),
            before,
            start,
            end,
            after,
        }
    }

    /// The text the user meant, and its caret (a byte offset), given `now`: what
    /// the textarea holds after the browser applied one edit to `before`. The
    /// browser applied that edit at the selection the paste replaced, so what it
    /// typed there goes after the pasted text, where the user's caret was. Text the
    /// edit deleted is not deleted from the paste: the user could not see it, as a
    /// key that deletes while a paste waits deletes nothing either.
    pub fn replay(&self, now: &str) -> (String, usize) {
        let before = self.before.as_str();
        // The edit touched the selection, so it lies between a common head no
        // longer than the text before the selection and a common tail no longer
        // than the text after it.
        let head = common_head(before, now, self.start);
        let tail_limit = (before.len() - self.end)
            .min(before.len() - head)
            .min(now.len() - head);
        let tail = common_tail(before, now, tail_limit);
        let typed = &now[head..now.len() - tail];
        let mut text = String::with_capacity(self.after.len() + typed.len());
        text.push_str(&self.after[..self.caret]);
        text.push_str(typed);
        text.push_str(&self.after[self.caret..]);
        (text, self.caret + typed.len())
    }
}

/// The length in bytes of the longest common head of `a` and `b`, at most `limit`,
/// on a character boundary.
fn common_head(a: &str, b: &str, limit: usize) -> usize {
    let mut length = 0;
    for (x, y) in a.chars().zip(b.chars()) {
        if x != y || length + x.len_utf8() > limit {
            break;
        }
        length += x.len_utf8();
    }
    length
}

/// The length in bytes of the longest common tail of `a` and `b`, at most `limit`,
/// on a character boundary.
fn common_tail(a: &str, b: &str, limit: usize) -> usize {
    let mut length = 0;
    for (x, y) in a.chars().rev().zip(b.chars().rev()) {
        if x != y || length + x.len_utf8() > limit {
            break;
        }
        length += x.len_utf8();
    }
    length
}

/// `index`, moved back to the nearest character boundary of `text` (and to its
/// length at most).
fn floor_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
