//! The editor pane: file tabs, a textarea with a line-number gutter and diagnostic
//! markers, and the diagnostics list. Typing re-analyses after a short pause;
//! pasting, opening and dropping files re-analyse at once.

use std::rc::Rc;

use leptos::leptos_dom::helpers::TimeoutHandle;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::state::{AppState, ClosedFile, InputFile};
use super::workspaces::SaveStatus;
use crate::engine::diag::Severity;
use crate::engine::sort::SortCompact;
use crate::text_edit::PendingPaste;

/// Pixels per editor line; must match `.editor textarea` in style.css.
const LINE_HEIGHT: f64 = 18.0;
const TYPING_PAUSE_MS: u64 = 250;
/// Pastes larger than this update the graph before the editor text.
const LARGE_TEXT_BYTES: usize = 256 * 1024;
/// Line numbers drawn around the visible part of the editor; the gutter is
/// virtual, so a 100,000-line file costs no more than a short one.
const GUTTER_WINDOW: usize = 160;
/// Above either size a file is analysed but not put into the textarea: Chromium
/// needs seconds and gigabytes to lay out a multi-megabyte textarea (issue #12.9).
const LARGE_FILE_BYTES: usize = 2 * 1024 * 1024;
const LARGE_FILE_LINES: usize = 50_000;
/// What the read-only preview of a large file shows.
const PREVIEW_LINES: usize = 200;
const PREVIEW_BYTES: usize = 64 * 1024;

/// Size of a file too large for the textarea.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LargeFile {
    pub n_bytes: usize,
    pub n_lines: usize,
}

/// `Some` when the text is past the thresholds and is shown as a read-only preview.
pub fn large_file(text: &str) -> Option<LargeFile> {
    is_large(text).then(|| LargeFile {
        n_bytes: text.len(),
        n_lines: count_lines(text),
    })
}

/// Whether the text is past the thresholds: [`large_file`] without counting the
/// lines of a text its size already decides, since a paste's handler asks several
/// times (issue #12.9).
fn is_large(text: &str) -> bool {
    text.len() > LARGE_FILE_BYTES
        || (text.len() >= LARGE_FILE_LINES && count_lines(text) > LARGE_FILE_LINES)
}

fn count_lines(text: &str) -> usize {
    crate::engine::text::count_newlines(text.as_bytes()) + 1
}

/// The head of a large file: at most `PREVIEW_LINES` lines and `PREVIEW_BYTES` bytes.
fn preview_of(text: &str) -> &str {
    let mut end = text.len().min(PREVIEW_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    match head.match_indices('\n').nth(PREVIEW_LINES - 1) {
        Some((index, _)) => &head[..index],
        None => head,
    }
}

/// Puts a closed file tab back where it was.
pub fn undo_close(state: AppState) {
    let Some(closed) = state.closed_file.get_untracked() else {
        return;
    };
    state.closed_file.set(None);
    let index = state
        .files
        .with_untracked(|files| closed.index.min(files.len()));
    state.files.update(|files| files.insert(index, closed.file));
    state.active_file.set(index);
    state.mark_edited();
    state.reanalyze();
    refresh_editor_text(state);
}

/// Analyses after the browser has painted, so a progress note shown just before a
/// long analysis is visible while it runs.
pub fn reanalyze_after_paint(state: AppState) {
    super::worker::after_paint(move || state.reanalyze());
}

thread_local! {
    static EDITOR: std::cell::RefCell<Option<web_sys::HtmlTextAreaElement>> = const { std::cell::RefCell::new(None) };
    /// A large paste's text and caret, written into the textarea a frame after the
    /// buffer took it (see `on_paste`). Until then the textarea shows older text, so
    /// anything that reads or changes it first writes this, and a change from
    /// outside the editor drops it.
    static DEFERRED_WRITE: std::cell::RefCell<Option<PendingPaste>> = const { std::cell::RefCell::new(None) };
    /// A large paste, taken into the buffers in the next task (see `on_paste`), or
    /// first by any editor event that comes before.
    static WAITING_PASTE: std::cell::RefCell<Option<WaitingPaste>> = const { std::cell::RefCell::new(None) };
    /// The editor's way to take a waiting paste (see [`take_waiting_paste`]).
    static PASTE_TAKER: std::cell::RefCell<Option<Rc<dyn Fn() -> bool>>> = const { std::cell::RefCell::new(None) };
    /// How many times the buffers were changed from outside the editor
    /// ([`refresh_editor_text`]): a paste made before one of those changes cannot
    /// go where it was made.
    static OUTSIDE_CHANGES: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Takes a paste that still waits for its task into the buffers now. Everything
/// that reads the buffers as the user left them (a key, a save before the page
/// goes) calls this first. Says whether one was waiting.
pub fn take_waiting_paste() -> bool {
    let taker = PASTE_TAKER.with_borrow(Clone::clone);
    taker.is_some_and(|take| take())
}

/// A paste as the clipboard gave it, with the file, text and selection it was
/// pasted into, as `take_paste` takes them.
struct WaitingPaste {
    pasted: js_sys::JsString,
    /// [`OUTSIDE_CHANGES`] at the paste: another file shown since is one of them.
    generation: u64,
    value: String,
    start: usize,
    end: usize,
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A paste event's `DataTransfer`, read without copying its text into the wasm.
    type PastedData;
    /// `getData`, with the text left a JavaScript string: copying a large one into
    /// the wasm waits for the task after the paste event.
    #[wasm_bindgen(method, js_name = getData)]
    fn text_of(this: &PastedData, format: &str) -> js_sys::JsString;
}

/// Puts the active buffer into the textarea after the buffers changed from outside
/// the editor (sample, file open, drop). Typing never goes through here, so the
/// caret is never moved under the user.
pub fn refresh_editor_text(state: AppState) {
    OUTSIDE_CHANGES.set(OUTSIDE_CHANGES.get() + 1);
    DEFERRED_WRITE.with(|pending| pending.borrow_mut().take());
    // A large file shows only its head, read-only; the engine still reads all of it.
    let (text, read_only) =
        state
            .files
            .with_untracked(|files| match files.get(state.active_file.get_untracked()) {
                Some(file) if is_large(&file.text) => (preview_of(&file.text).to_string(), true),
                Some(file) => (file.text.clone(), false),
                None => (String::new(), false),
            });
    EDITOR.with(|editor| {
        if let Some(textarea) = editor.borrow().as_ref() {
            textarea.set_read_only(read_only);
            textarea.set_value(&text);
            textarea.set_scroll_top(0);
            if let Some(gutter) = textarea.previous_element_sibling() {
                gutter.set_scroll_top(0);
            }
        }
    });
}

/// Writes a deferred paste into the textarea now, if one is waiting, so that what
/// the user does next (a key, another paste) applies to the text the buffer holds.
/// Returns the caret it put after the text, `None` when nothing was waiting.
fn flush_deferred_write() -> Option<u32> {
    let paste = DEFERRED_WRITE.with(|pending| pending.borrow_mut().take())?;
    Some(write_editor(&paste.after, paste.caret))
}

/// Puts `text` into the textarea with the caret at byte `caret`; returns the
/// caret in UTF-16 units, as the textarea counts.
fn write_editor(text: &str, caret: usize) -> u32 {
    let caret = text[..caret].encode_utf16().count() as u32;
    EDITOR.with(|editor| {
        if let Some(textarea) = editor.borrow().as_ref() {
            textarea.set_value(text);
            let _ = textarea.set_selection_range(caret, caret);
        }
    });
    caret
}

#[component]
pub fn Editor() -> impl IntoView {
    let state = expect_context::<AppState>();
    let textarea_ref = NodeRef::<leptos::html::Textarea>::new();
    let gutter_ref = NodeRef::<leptos::html::Div>::new();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let dragging = RwSignal::new(false);

    Effect::new(move |_| {
        if let Some(textarea) = textarea_ref.get() {
            EDITOR.with(|editor| *editor.borrow_mut() = Some(textarea.clone()));
            refresh_editor_text(state);
        }
    });

    let schedule = move |delay_ms: u64| {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || state.reanalyze(),
            std::time::Duration::from_millis(delay_ms),
        )
        .ok();
        pending.set_value(handle);
    };
    let set_active_text = move |text: String| {
        let active = state.active_file.get_untracked();
        state.files.update(|files| {
            if files.is_empty() {
                files.push(InputFile {
                    name: "pasted.yaml".into(),
                    text: String::new(),
                });
            }
            let last = files.len() - 1;
            if let Some(file) = files.get_mut(active.min(last)) {
                file.text = text;
            }
        });
    };
    // A paste is a complete edit: analyse at once instead of waiting for a pause.
    // `value` is what the textarea held at the paste, with the selection it replaces
    // from byte `start` to `end`.
    let take_paste = move |pasted: String, value: String, start: usize, end: usize| {
        let Some(textarea) = textarea_ref.get_untracked() else {
            return;
        };
        // The untouched demo (or sample), before this paste marks it edited.
        let untouched = matches!(state.save_status.get_untracked(), SaveStatus::Unchanged);
        state.mark_edited();
        let (active_is_large, only_file) = state.files.with_untracked(|files| {
            let active = files.get(state.active_file.get_untracked());
            (active.is_some_and(|f| is_large(&f.text)), files.len() == 1)
        });
        if active_is_large {
            // The textarea holds only a preview of the large file, so a paste cannot
            // be merged into it: it goes into a new file beside it, and nothing is lost.
            state.files.update(|files| {
                let name = unique_name(files, "pasted.yaml");
                files.push(InputFile { name, text: pasted });
            });
            state
                .active_file
                .set(state.files.with_untracked(|f| f.len() - 1));
            after_large_change(state);
            return;
        }
        // A paste over all of the only file is a new input, not an edit of the old
        // one: it keeps nothing of its policy room (§13.1). So is a paste over all
        // of the text of a file of the untouched demo (not a paste that went into a
        // new file beside it): the demo's other files go too, since its
        // NetworkPolicies would only warn about a cluster they were not written for
        // (issue #10). The demo is still in the samples menu. Its file's name goes
        // too: it named the demo, not what was pasted. The namespaces chosen, the
        // search and the focus stay, as through any edit in the same workspace.
        if start == 0 && end == value.len() && (only_file || untouched && end > 0) {
            state.had_policies.set_value(false);
            if !only_file || untouched {
                let active = state.active_file.get_untracked();
                state.files.update(|files| {
                    let last = files.len() - 1;
                    files.swap(0, active.min(last));
                    files.truncate(1);
                    if untouched {
                        files[0].name = "pasted.yaml".into();
                    }
                });
                state.active_file.set(0);
            }
        }
        let text = [&value[..start], pasted.as_str(), &value[end..]].concat();
        if is_large(&text) {
            set_active_text(text);
            after_large_change(state);
            return;
        }
        if text.len() > LARGE_TEXT_BYTES {
            // Laying out a multi-megabyte textarea takes the browser about a second;
            // draw the graph first and fill the editor in the frame after. A key or
            // paste before then writes it first (`flush_deferred_write`), and an
            // edit without `beforeinput` is carried over to it (`on_input`).
            let paste = PendingPaste::new(value, start, end, &pasted);
            DEFERRED_WRITE.with(|pending| *pending.borrow_mut() = Some(paste));
            request_animation_frame(move || {
                set_timeout(
                    || {
                        flush_deferred_write();
                    },
                    std::time::Duration::ZERO,
                )
            });
        } else {
            let caret =
                (value[..start].encode_utf16().count() + pasted.encode_utf16().count()) as u32;
            textarea.set_value(&text);
            let _ = textarea.set_selection_range(caret, caret);
        }
        set_active_text(text);
        schedule(0);
    };
    // A paste that waits for its task is taken before anything else the editor
    // does, and before a save (`take_waiting_paste`).
    let taker: Rc<dyn Fn() -> bool> = Rc::new(move || {
        let waiting = WAITING_PASTE.take();
        if let Some(WaitingPaste {
            pasted,
            generation,
            mut value,
            mut start,
            mut end,
        }) = waiting
        {
            if generation != OUTSIDE_CHANGES.get() {
                // The buffers changed from outside meanwhile (another file shown, a
                // sample or a tab opened or closed): the paste goes beside them.
                state.files.update(|files| {
                    files.push(InputFile {
                        name: unique_name(files, "pasted.yaml"),
                        text: String::new(),
                    })
                });
                state
                    .active_file
                    .set(state.files.with_untracked(|f| f.len() - 1));
                refresh_editor_text(state);
                (value, start, end) = (String::new(), 0, 0);
            }
            take_paste(pasted.into(), value, start, end);
            return true;
        }
        false
    });
    PASTE_TAKER.set(Some(taker));
    // Whether the textarea shows a large file's read-only preview: a key cannot go
    // after a paste that made it so.
    let active_is_large = move || textarea_ref.get_untracked().is_some_and(|t| t.read_only());
    // An edit that came without a `beforeinput` while a large paste waits for its
    // frame (`execCommand("insertText")`, some input methods): the browser applied
    // it to the older text the textarea showed. What it typed goes after the paste.
    let on_input = move |ev: leptos::ev::Event| {
        if take_waiting_paste() && active_is_large() {
            // The paste made the file too large for the textarea, which now shows
            // its preview: the key cannot be put after it.
            return;
        }
        let value = event_target_value(&ev);
        let value = match DEFERRED_WRITE.with(|pending| pending.borrow_mut().take()) {
            Some(paste) => {
                let (text, caret) = paste.replay(&value);
                write_editor(&text, caret);
                text
            }
            None => value,
        };
        set_active_text(value);
        state.mark_edited();
        schedule(TYPING_PAUSE_MS);
    };
    // A key pressed while a large paste still waits for its frame: the textarea
    // shows the older text, so the browser would apply the key there. Write the
    // paste first, then apply the key to it here; a deletion is dropped rather
    // than applied to text the user no longer sees.
    let on_beforeinput = move |ev: leptos::ev::InputEvent| {
        let took_paste = take_waiting_paste();
        let Some(caret) = flush_deferred_write() else {
            if took_paste && active_is_large() {
                // As in `on_input`: the textarea shows a large file's preview now.
                ev.prevent_default();
            }
            return;
        };
        ev.prevent_default();
        let inserted = match ev.input_type().as_str() {
            "insertLineBreak" | "insertParagraph" => Some("\n".to_string()),
            kind if kind.starts_with("insert") => ev.data(),
            _ => None,
        };
        let (Some(inserted), Some(textarea)) = (inserted, textarea_ref.get_untracked()) else {
            return;
        };
        let _ = textarea.set_range_text(&inserted);
        let caret = caret + inserted.encode_utf16().count() as u32;
        let _ = textarea.set_selection_range(caret, caret);
        set_active_text(textarea.value());
        state.mark_edited();
        schedule(TYPING_PAUSE_MS);
    };
    // The paste event's task only reads the clipboard (at 14 MB the browser needs
    // about 80 ms for that alone); a large text is copied into the buffers in the
    // next task, so the key that pasted paints sooner (issue #9).
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        let Some(data) = ev.clipboard_data() else {
            return;
        };
        let Some(textarea) = textarea_ref.get_untracked() else {
            return;
        };
        ev.prevent_default();
        take_waiting_paste();
        let _ = flush_deferred_write();
        // Where it goes is read now: an edit made before the paste is taken is
        // applied by the browser to this text, and put after the paste.
        let value = textarea.value();
        let [start, end] = [textarea.selection_start(), textarea.selection_end()]
            .map(|at| utf16_to_byte(&value, at.ok().flatten().unwrap_or(0) as usize));
        let pasted = data.unchecked_ref::<PastedData>().text_of("text/plain");
        let large = pasted.length() as usize >= LARGE_TEXT_BYTES;
        WAITING_PASTE.set(Some(WaitingPaste {
            pasted,
            generation: OUTSIDE_CHANGES.get(),
            value,
            start,
            end,
        }));
        if large {
            super::worker::in_next_task(|| {
                take_waiting_paste();
            });
        } else {
            take_waiting_paste();
        }
    };
    let first_visible_line = RwSignal::new(0usize);
    let on_scroll = move |_| {
        if let (Some(textarea), Some(gutter)) =
            (textarea_ref.get_untracked(), gutter_ref.get_untracked())
        {
            gutter.set_scroll_top(textarea.scroll_top());
            let line = (f64::from(textarea.scroll_top()) / LINE_HEIGHT) as usize;
            // Re-render the numbers only when the window must move.
            if line.abs_diff(first_visible_line.get_untracked()) > GUTTER_WINDOW / 4 {
                first_visible_line.set(line);
            }
        }
    };

    // Jump to a line: select it, focus, and scroll it into the upper third.
    Effect::new(move |_| {
        let jump = state.jump.get();
        if jump.serial == 0 {
            return;
        }
        refresh_editor_text(state);
        let Some(textarea) = textarea_ref.get_untracked() else {
            return;
        };
        let text = textarea.value();
        let (start, end) = line_range_utf16(&text, jump.line);
        let _ = textarea.focus();
        let _ = textarea.set_selection_range(start, end);
        let top = ((jump.line as f64 - 1.0) * LINE_HEIGHT
            - f64::from(textarea.client_height()) / 3.0)
            .max(0.0);
        textarea.set_scroll_top(top as i32);
        first_visible_line.set((top / LINE_HEIGHT) as usize);
        if let Some(gutter) = gutter_ref.get_untracked() {
            gutter.set_scroll_top(top as i32);
        }
    });

    let open_files = move |list: web_sys::FileList| {
        let files: Vec<gloo::file::File> = (0..list.length())
            .filter_map(|i| list.get(i))
            .map(gloo::file::File::from)
            .collect();
        if files.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            let mut opened = Vec::new();
            for file in files {
                let name = file.name();
                match gloo::file::futures::read_as_text(&file).await {
                    Ok(text) => opened.push(InputFile { name, text }),
                    Err(error) => {
                        web_sys::console::warn_1(&format!("cannot read {name}: {error}").into())
                    }
                }
            }
            if opened.is_empty() {
                return;
            }
            // Opened files join the open ones; a clashing name gets a number.
            let first_opened = state.files.with_untracked(Vec::len);
            state.files.update(|files| {
                for mut file in opened {
                    file.name = unique_name(files, &file.name);
                    files.push(file);
                }
            });
            state.active_file.set(first_opened);
            state.selection.set(None);
            state.mark_edited();
            after_large_change(state);
        });
    };
    let on_file_input = move |ev: leptos::ev::Event| {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            if let Some(list) = input.files() {
                open_files(list);
            }
            input.set_value("");
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
            open_files(list);
        }
    };

    let active_large_file = Memo::new(move |_| {
        state.files.with(|files| {
            files
                .get(state.active_file.get())
                .and_then(|f| large_file(&f.text))
        })
    });
    // A large file's gutter numbers its preview, which is all the textarea holds.
    let line_count = Memo::new(move |_| {
        state.files.with(|files| {
            files
                .get(state.active_file.get())
                .map(|f| {
                    if is_large(&f.text) {
                        preview_of(&f.text).lines().count().max(1)
                    } else {
                        f.text.lines().count().max(1)
                    }
                })
                .unwrap_or(1)
        })
    });
    let gutter_first = move || first_visible_line.get().saturating_sub(GUTTER_WINDOW / 4);
    let gutter_numbers = move || {
        let n = line_count.get();
        let first = gutter_first().min(n.saturating_sub(1));
        let last = (first + GUTTER_WINDOW).min(n);
        let mut text = String::with_capacity(GUTTER_WINDOW * 6);
        for line in first + 1..=last {
            text.push_str(&line.to_string());
            text.push('\n');
        }
        text
    };
    let gutter_style =
        move || format!("height:{}px", line_count.get() as f64 * LINE_HEIGHT + 200.0);
    let numbers_style = move || {
        format!(
            "top:{}px",
            6.0 + gutter_first().min(line_count.get().saturating_sub(1)) as f64 * LINE_HEIGHT
        )
    };
    let active_name = Memo::new(move |_| {
        state.files.with(|files| {
            files
                .get(state.active_file.get())
                .map(|f| f.name.clone())
                .unwrap_or_default()
        })
    });
    let markers = move || {
        let name = active_name.get();
        let topology = state.topology.get();
        // The worst severity of each line: sorted by line, then worst first (errors
        // sort first), and the first of each line kept.
        let mut worst: Vec<(usize, Severity)> = topology
            .value
            .diagnostics
            .iter()
            .filter(|d| d.source.file == name)
            .map(|d| (d.source.line, d.severity))
            .collect();
        worst.sort_compact();
        worst.dedup_by_key(|(line, _)| *line);
        let n_lines_shown = line_count.get();
        worst
            .into_iter()
            .filter(|(line, _)| *line <= n_lines_shown)
            .map(|(line, severity)| {
                let style = format!("top:{}px", (line as f64 - 1.0) * LINE_HEIGHT);
                view! { <span class=format!("marker {}", severity.as_str()) data-testid="gutter-marker" data-line=line style=style title=format!("{} on line {line}", severity.as_str())></span> }
            })
            .collect_view()
    };

    // Tabs depend on the file names only: typing must not clone every buffer.
    let file_names = Memo::new(move |_| {
        state
            .files
            .with(|files| files.iter().map(|f| f.name.clone()).collect::<Vec<_>>())
    });
    let tabs = move || {
        file_names
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, name)| {
                let selected = move || state.active_file.get() == index;
                // Closing is one click and can be undone from the notice it leaves.
                let close = move |ev: leptos::ev::MouseEvent| {
                    ev.stop_propagation();
                    let mut closed = None;
                    state.files.update(|files| {
                        if index < files.len() {
                            closed = Some(files.remove(index));
                        }
                    });
                    let Some(file) = closed else {
                        return;
                    };
                    state.closed_file.set(Some(ClosedFile { index, file }));
                    state.active_file.set(index.saturating_sub(1));
                    state.mark_edited();
                    state.reanalyze();
                    refresh_editor_text(state);
                };
                view! {
                    <div class="file-tab" class:active=selected>
                        <button type="button" role="tab" aria-selected=move || selected().to_string() title=name.clone()
                            on:click=move |_| { state.active_file.set(index); refresh_editor_text(state); }>{name.clone()}</button>
                        <button type="button" class="close" data-testid="close-file" aria-label=format!("Close {name}") title=format!("Close {name} (you can undo)") on:click=close>"×"</button>
                    </div>
                }
            })
            .collect_view()
    };
    let new_file = move |_| {
        state.files.update(|files| {
            let name = unique_name(files, &format!("untitled-{}.yaml", files.len() + 1));
            files.push(InputFile {
                name,
                text: String::new(),
            });
        });
        state
            .active_file
            .set(state.files.with_untracked(|f| f.len() - 1));
        state.mark_edited();
        super::workspaces::save_now(state);
        refresh_editor_text(state);
    };
    let large_note = move || {
        active_large_file.get().map(|large| {
            let name = active_name.get();
            view! {
                <p class="large-file-note" data-testid="large-file-note" data-bytes=large.n_bytes data-lines=large.n_lines>
                    {format!(
                        "{name} is {:.1} MB with {} lines: too large to edit here. The whole file is analysed and saved; the editor shows its first {PREVIEW_LINES} lines, read-only. Paste or open files to add more.",
                        large.n_bytes as f64 / (1024.0 * 1024.0),
                        with_thousands_separators(large.n_lines)
                    )}
                </p>
            }
        })
    };

    view! {
        <section class="editor-pane" aria-label="Manifests">
            <div class="file-tabs" role="tablist" aria-label="Open files">
                {tabs}
                <button type="button" class="icon" aria-label="New file" title="New file" on:click=new_file>"+"</button>
                <label class="button open-files" title="Open YAML or JSON files">
                    "Open…"
                    <input type="file" multiple accept=".yaml,.yml,.json,application/json,text/yaml" data-testid="open-files" aria-label="Open manifest files" on:change=on_file_input />
                </label>
            </div>
            {large_note}
            <div class="editor" class:dragging=move || dragging.get()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop>
                <div class="gutter" node_ref=gutter_ref aria-hidden="true">
                    <div class="gutter-inner" style=gutter_style>
                        <pre class="line-numbers" style=numbers_style>{gutter_numbers}</pre>
                        {markers}
                    </div>
                </div>
                <textarea node_ref=textarea_ref data-testid="editor" aria-label="Kubernetes manifests (YAML or JSON)" spellcheck="false" autocomplete="off" wrap="off"
                    placeholder=super::template_markup("kt-editor-placeholder")
                    on:beforeinput=on_beforeinput on:input=on_input on:paste=on_paste on:scroll=on_scroll></textarea>
            </div>
            <DiagnosticsList />
        </section>
    }
}

#[component]
fn DiagnosticsList() -> impl IntoView {
    let state = expect_context::<AppState>();
    let open = RwSignal::new(true);
    let items = move || {
        let topology = state.topology.get();
        topology
            .value
            .diagnostics
            .iter()
            .take(500)
            .map(|d| {
                let file = d.source.file.clone();
                let line = d.source.line;
                // Document 0 is none: an input too large to read.
                let where_ = match d.source.document {
                    0 => format!("{file}:{line}"),
                    document => format!("{file}:{line}, document {document}"),
                };
                view! {
                    <li>
                        <button type="button" class=format!("diagnostic {}", d.severity.as_str()) data-testid="diagnostic" data-code=d.code data-line=line
                            title=format!("{} (column {})", d.field, d.source.column)
                            on:click=move |_| state.jump_to(&file, line)>
                            <span class="severity">{d.severity.as_str()}</span>
                            <span class="code">{d.code}</span>
                            <span class="where">{where_}</span>
                            <span class="message">{d.message.clone()}</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    let count = move || state.topology.with(|t| t.value.diagnostics.len());
    view! {
        <div class="diagnostics" class:collapsed=move || !open.get()>
            <button type="button" class="diagnostics-header" aria-expanded=move || open.get().to_string() on:click=move |_| open.update(|o| *o = !*o)>
                "Diagnostics (" {count} ")"
            </button>
            <ul data-testid="diagnostics">{items}</ul>
        </div>
    }
}

/// UTF-16 offset (what the DOM uses) to a byte offset in `text`.
fn utf16_to_byte(text: &str, utf16_offset: usize) -> usize {
    let mut units = 0;
    for (byte, ch) in text.char_indices() {
        if units >= utf16_offset {
            return byte;
        }
        units += ch.len_utf16();
    }
    text.len()
}

/// The UTF-16 range of 1-based `line` in `text`.
fn line_range_utf16(text: &str, line: usize) -> (u32, u32) {
    let mut offset = 0u32;
    for (index, content) in text.split('\n').enumerate() {
        let length = content.encode_utf16().count() as u32;
        if index + 1 == line {
            return (offset, offset + length);
        }
        offset += length + 1;
    }
    (offset, offset)
}

/// After the buffers changed by more than typing: show the active one, and analyse
/// after a paint with a progress note when the input is large.
fn after_large_change(state: AppState) {
    refresh_editor_text(state);
    let large = state.files.with_untracked(|files| {
        files
            .iter()
            .filter_map(|f| large_file(&f.text).map(|large| (f.name.clone(), large)))
            .next()
    });
    match large {
        Some((name, large)) => {
            let until = if super::worker::available() {
                "in the background; you can keep working."
            } else {
                "the page answers again when it is done."
            };
            state.progress.set(Some(format!(
                "Analysing {name} ({:.1} MB, {} lines)… {until}",
                large.n_bytes as f64 / (1024.0 * 1024.0),
                with_thousands_separators(large.n_lines)
            )));
            // A worker starts on it in the next task (this one read the paste),
            // and the note paints while it works; the page itself pauses only
            // after the note has painted.
            if super::worker::available() {
                super::worker::in_next_task(move || state.reanalyze());
            } else {
                reanalyze_after_paint(state);
            }
        }
        None => state.reanalyze(),
    }
}

/// `wanted`, or `wanted` with a number before its extension when a file has that name.
fn unique_name(files: &[InputFile], wanted: &str) -> String {
    if !files.iter().any(|f| f.name == wanted) {
        return wanted.to_string();
    }
    let (stem, extension) = match wanted.rfind('.') {
        Some(dot) if dot > 0 => (&wanted[..dot], &wanted[dot..]),
        _ => (wanted, ""),
    };
    (2..)
        .map(|n| format!("{stem} ({n}){extension}"))
        .find(|candidate| !files.iter().any(|f| f.name == *candidate))
        .expect("some number is free")
}

/// 1200008 as "1,200,008": a line count people can read at a glance.
fn with_thousands_separators(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}
