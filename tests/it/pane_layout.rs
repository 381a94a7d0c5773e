//! The side panes' widths around the graph (issue #10 point 8, "any screen"): the
//! defaults leave the graph at least 60% of a 1024 px window, the user's sizes are
//! clamped so the graph keeps room in any window, and a collapsed pane gives its
//! width to the graph and keeps its size for when it opens again.

use kubetopo::pane_layout::{Pane, PanePrefs, PaneWidths, MIN_GRAPH_PX, MIN_PANE_PX};

fn widths(prefs: PanePrefs, window_px: f64) -> (f64, f64, f64) {
    let PaneWidths {
        editor_px,
        details_px,
    } = prefs.widths(window_px);
    let graph_px = prefs.widths(window_px).graph_px(window_px);
    (editor_px, details_px, graph_px)
}

#[test]
fn the_defaults_give_the_graph_sixty_percent_at_1024_and_more_room_on_larger_screens() {
    // (window, editor, details, graph)
    let cases = [
        (1024.0, 185.0, 195.0, 628.0),
        (1280.0, 236.0, 246.0, 782.0),
        (1440.0, 268.0, 278.0, 878.0),
        (1920.0, 364.0, 374.0, 1166.0),
        (3000.0, 400.0, 400.0, 2184.0),
    ];
    for (window_px, editor, details, graph) in cases {
        assert_eq!(
            widths(PanePrefs::default(), window_px),
            (editor, details, graph),
            "window {window_px}"
        );
    }
    for (window_px, _, _, graph_px) in cases {
        assert!(graph_px / window_px >= 0.6, "{graph_px} of {window_px}");
    }
}

#[test]
fn a_chosen_width_is_kept_and_clamped_to_the_window() {
    let mut prefs = PanePrefs::default();
    prefs.resize(Pane::Editor, 500.0, 1440.0);
    assert_eq!(prefs.editor_px, Some(500.0));
    assert_eq!(widths(prefs, 1440.0), (500.0, 278.0, 646.0));
    // Wider than the window allows: the graph keeps its minimum.
    prefs.resize(Pane::Editor, 5000.0, 1440.0);
    assert_eq!(prefs.editor_px, Some(1440.0 - MIN_GRAPH_PX - 16.0 - 278.0));
    // Narrower than a pane may be.
    prefs.resize(Pane::Details, 10.0, 1440.0);
    assert_eq!(prefs.details_px, Some(MIN_PANE_PX));
    // Not a number (a corrupt preference) falls back to the default.
    let corrupt = PanePrefs {
        editor_px: Some(f64::NAN),
        ..PanePrefs::default()
    };
    assert_eq!(
        widths(corrupt, 1024.0),
        widths(PanePrefs::default(), 1024.0)
    );
}

#[test]
fn a_window_made_smaller_shrinks_both_panes_and_the_graph_keeps_its_minimum() {
    let mut prefs = PanePrefs::default();
    prefs.resize(Pane::Editor, 600.0, 1920.0);
    prefs.resize(Pane::Details, 600.0, 1920.0);
    let (editor, details, graph) = widths(prefs, 1024.0);
    assert_eq!(editor, details, "both give back in proportion");
    assert_eq!(graph, MIN_GRAPH_PX);
    // Too small even for the minimums: the panes stay usable, the graph narrows.
    let (editor, details, _) = widths(prefs, 600.0);
    assert_eq!((editor, details), (MIN_PANE_PX, MIN_PANE_PX));
}

#[test]
fn a_collapsed_pane_is_zero_wide_and_keeps_its_size_for_later() {
    let mut prefs = PanePrefs::default();
    prefs.resize(Pane::Details, 300.0, 1024.0);
    prefs.toggle(Pane::Details);
    assert!(!prefs.details_open);
    assert_eq!(widths(prefs, 1024.0), (185.0, 0.0, 823.0));
    prefs.toggle(Pane::Editor);
    assert_eq!(widths(prefs, 1024.0), (0.0, 0.0, 1008.0));
    prefs.toggle(Pane::Details);
    assert_eq!(widths(prefs, 1024.0).1, 300.0);
    // Resizing a collapsed pane opens it.
    prefs.resize(Pane::Editor, 250.0, 1024.0);
    assert!(prefs.editor_open);
    assert_eq!(widths(prefs, 1024.0), (250.0, 300.0, 458.0));
}

#[test]
fn the_preferences_round_trip_through_their_stored_text_and_anything_else_is_the_default() {
    let mut prefs = PanePrefs::default();
    assert_eq!(prefs.to_text(), ",,1,1");
    prefs.resize(Pane::Editor, 240.4, 1440.0);
    prefs.toggle(Pane::Details);
    assert_eq!(prefs.to_text(), "240,,1,0");
    assert_eq!(PanePrefs::from_text("240,,1,0"), prefs);
    for corrupt in [
        "",
        "x",
        "240,,1",
        "240,,1,0,9",
        "-5,,1,1x",
        "{\"editor_px\":1}",
    ] {
        let read = PanePrefs::from_text(corrupt);
        assert!(
            read == PanePrefs::default() || read.editor_px.is_none(),
            "{corrupt:?}: {read:?}"
        );
    }
    assert_eq!(PanePrefs::from_text("abc,12,0,1").editor_px, None);
}
