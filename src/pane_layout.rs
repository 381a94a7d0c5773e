//! The widths of the web app's side panes (the editor on the left, the details on
//! the right) around the graph: defaults for the window's width, the user's own
//! sizes clamped so the graph always keeps room, and collapsed panes. Plain Rust on
//! every target, so `tests/it/pane_layout.rs` checks it natively; `web/panes.rs`
//! draws the splitters and stores the preferences.

/// The width of a splitter between two panes, in CSS pixels.
pub const SPLITTER_PX: f64 = 8.0;
/// The narrowest an open side pane gets.
pub const MIN_PANE_PX: f64 = 160.0;
/// The narrowest the graph gets while both panes are open.
pub const MIN_GRAPH_PX: f64 = 320.0;

/// Which side pane.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    Editor,
    Details,
}

/// What the user chose: a width per pane (`None` until dragged: the default for
/// the window) and whether it is open. Stored in the browser as [`PanePrefs::to_text`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanePrefs {
    pub editor_px: Option<f64>,
    pub details_px: Option<f64>,
    pub editor_open: bool,
    pub details_open: bool,
}

impl Default for PanePrefs {
    fn default() -> Self {
        PanePrefs {
            editor_px: None,
            details_px: None,
            editor_open: true,
            details_open: true,
        }
    }
}

/// The widths the panes are drawn at; 0 for a collapsed pane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PaneWidths {
    pub editor_px: f64,
    pub details_px: f64,
}

impl PaneWidths {
    /// What is left for the graph in a window `window_px` wide.
    pub fn graph_px(self, window_px: f64) -> f64 {
        window_px - self.editor_px - self.details_px - 2.0 * SPLITTER_PX
    }
}

/// A pane's default width for a window `window_px` wide: a fifth of it, less a
/// little, so that the graph gets over 60% of the width at any size (628 of 1024 px),
/// and no wider than 400 px on large screens.
pub fn default_width(pane: Pane, window_px: f64) -> f64 {
    let share = match pane {
        Pane::Editor => 0.2 * window_px - 20.0,
        Pane::Details => 0.2 * window_px - 10.0,
    };
    share.clamp(MIN_PANE_PX + 20.0, 400.0).round()
}

impl PanePrefs {
    /// `editor,details,editor open,details open` in whole pixels and 0 or 1, with an
    /// empty width for the default: `240,,1,0`. Small, and no JSON code in the wasm.
    pub fn to_text(&self) -> String {
        let width =
            |px: Option<f64>| px.map_or(String::new(), |px| (px.round() as i64).to_string());
        format!(
            "{},{},{},{}",
            width(self.editor_px),
            width(self.details_px),
            u8::from(self.editor_open),
            u8::from(self.details_open)
        )
    }

    /// Reads [`PanePrefs::to_text`]; anything else gives the defaults.
    pub fn from_text(text: &str) -> PanePrefs {
        let parts: Vec<&str> = text.split(',').collect();
        let width = |part: &str| part.parse::<u32>().ok().map(f64::from);
        match parts[..] {
            [editor, details, editor_open @ ("0" | "1"), details_open @ ("0" | "1")] => PanePrefs {
                editor_px: width(editor),
                details_px: width(details),
                editor_open: editor_open == "1",
                details_open: details_open == "1",
            },
            _ => PanePrefs::default(),
        }
    }

    pub fn is_open(&self, pane: Pane) -> bool {
        match pane {
            Pane::Editor => self.editor_open,
            Pane::Details => self.details_open,
        }
    }

    /// The widths for a window `window_px` wide: each open pane at its chosen (or
    /// default) width, shrunk when the window is too narrow for it, the graph and
    /// the other pane together. A collapsed pane is 0 wide.
    pub fn widths(&self, window_px: f64) -> PaneWidths {
        let wanted = |pane: Pane, chosen: Option<f64>| {
            if self.is_open(pane) {
                chosen
                    .filter(|px| px.is_finite())
                    .unwrap_or_else(|| default_width(pane, window_px))
                    .max(MIN_PANE_PX)
            } else {
                0.0
            }
        };
        let mut editor_px = wanted(Pane::Editor, self.editor_px);
        let mut details_px = wanted(Pane::Details, self.details_px);
        let room = (window_px - MIN_GRAPH_PX - 2.0 * SPLITTER_PX).max(0.0);
        let excess = editor_px + details_px - room;
        if excess > 0.0 {
            // Both give back in proportion to their width, down to their minimum.
            let total = editor_px + details_px;
            editor_px = (editor_px - excess * editor_px / total).max(self.floor(Pane::Editor));
            details_px = (details_px - excess * details_px / total).max(self.floor(Pane::Details));
        }
        PaneWidths {
            editor_px: editor_px.round(),
            details_px: details_px.round(),
        }
    }

    /// The widest `pane` may be in a window `window_px` wide, the other pane as it is.
    pub fn max_width(&self, pane: Pane, window_px: f64) -> f64 {
        let widths = self.widths(window_px);
        let other = match pane {
            Pane::Editor => widths.details_px,
            Pane::Details => widths.editor_px,
        };
        (window_px - MIN_GRAPH_PX - 2.0 * SPLITTER_PX - other).max(MIN_PANE_PX)
    }

    /// Sets `pane` to `px` wide (opening it), clamped for a window `window_px` wide.
    pub fn resize(&mut self, pane: Pane, px: f64, window_px: f64) {
        let px = px
            .clamp(MIN_PANE_PX, self.max_width(pane, window_px))
            .round();
        match pane {
            Pane::Editor => {
                self.editor_px = Some(px);
                self.editor_open = true;
            }
            Pane::Details => {
                self.details_px = Some(px);
                self.details_open = true;
            }
        }
    }

    /// Opens a collapsed pane or collapses an open one; its width is kept.
    pub fn toggle(&mut self, pane: Pane) {
        match pane {
            Pane::Editor => self.editor_open = !self.editor_open,
            Pane::Details => self.details_open = !self.details_open,
        }
    }

    fn floor(&self, pane: Pane) -> f64 {
        if self.is_open(pane) {
            MIN_PANE_PX
        } else {
            0.0
        }
    }
}
