//! Side panes you can resize and collapse (issue #10 point 8): a splitter between
//! the editor and the graph and one between the graph and the details, dragged
//! with the pointer or moved with the arrow keys (a focusable `role="separator"`
//! with its width in `aria-valuenow`), and a button per pane in the top bar that
//! collapses or opens it. The sizes are kept in localStorage (a preference, not
//! work) and clamped to the window by `pane_layout`, so the graph always keeps room.

use leptos::prelude::*;

use super::state::Viewport;
use crate::engine::scene::Scene;
use crate::pane_layout::{Pane, PanePrefs, PaneWidths, MIN_PANE_PX, SPLITTER_PX};

const STORAGE_KEY: &str = "kubetopo.panes";
/// How far one arrow key press moves a splitter; with Shift, four times as far.
const KEY_STEP_PX: f64 = 16.0;

/// The panes' preferences and the window width they are laid out for, through context.
#[derive(Clone, Copy)]
pub struct PaneState {
    pub prefs: RwSignal<PanePrefs>,
    pub window_px: RwSignal<f64>,
}

impl PaneState {
    /// The widths the panes are drawn at now.
    pub fn widths(&self) -> PaneWidths {
        self.prefs.get().widths(self.window_px.get())
    }

    fn update(&self, change: impl FnOnce(&mut PanePrefs, f64)) {
        let window_px = self.window_px.get_untracked();
        self.prefs.update(|prefs| change(prefs, window_px));
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(STORAGE_KEY, &self.prefs.get_untracked().to_text());
        }
    }
}

/// Reads the stored sizes, follows the window's width, and hands the state out.
pub fn provide_panes() -> PaneState {
    let prefs = local_storage()
        .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten())
        .map(|text| PanePrefs::from_text(&text))
        .unwrap_or_default();
    let panes = PaneState {
        prefs: RwSignal::new(prefs),
        window_px: RwSignal::new(window_width()),
    };
    let handle = window_event_listener(leptos::ev::resize, move |_| {
        panes.window_px.set(window_width())
    });
    on_cleanup(move || handle.remove());
    provide_context(panes);
    panes
}

/// The `grid-template-columns` of the panes: editor, splitter, graph, splitter, details.
pub fn grid_style(panes: PaneState) -> String {
    let widths = panes.widths();
    format!(
        "grid-template-columns: {}px {splitter}px minmax(0, 1fr) {splitter}px {}px",
        whole(widths.editor_px),
        whole(widths.details_px),
        splitter = whole(SPLITTER_PX)
    )
}

/// The top bar's buttons that collapse and open the two side panes.
#[component]
pub fn PaneToggles() -> impl IntoView {
    let panes = expect_context::<PaneState>();
    let toggle = move |pane: Pane, label: &'static str, test_id: &'static str| {
        let open = move || panes.prefs.get().is_open(pane);
        view! {
            <button type="button" class="pane-toggle" data-testid=test_id
                aria-pressed=move || open().to_string()
                title=move || format!("{} the {} pane", if open() { "Hide" } else { "Show" }, label.to_ascii_lowercase())
                on:click=move |_| panes.update(|prefs, _| prefs.toggle(pane))>{label}</button>
        }
    };
    view! {
        <span class="pane-toggles" role="group" aria-label="Panes">
            {toggle(Pane::Editor, "Editor", "toggle-editor")}
            {toggle(Pane::Details, "Details", "toggle-details")}
        </span>
    }
}

/// The splitter on the graph's side of `pane`.
#[component]
pub fn Splitter(pane: Pane) -> impl IntoView {
    let panes = expect_context::<PaneState>();
    let (label, test_id) = match pane {
        Pane::Editor => ("Resize the editor", "splitter-editor"),
        Pane::Details => ("Resize the details", "splitter-details"),
    };
    // The pane grows as the splitter moves away from its side of the window.
    let sign = match pane {
        Pane::Editor => 1.0,
        Pane::Details => -1.0,
    };
    let width = move || {
        let widths = panes.widths();
        match pane {
            Pane::Editor => widths.editor_px,
            Pane::Details => widths.details_px,
        }
    };
    let max = move || {
        panes
            .prefs
            .get()
            .max_width(pane, panes.window_px.get())
            .round()
    };
    let min = move || {
        if panes.prefs.get().is_open(pane) {
            MIN_PANE_PX
        } else {
            0.0
        }
    };
    // The pointer's x and the pane's width when the drag began.
    let drag = StoredValue::new(None::<(f64, f64)>);
    let on_pointer_down = move |ev: leptos::ev::PointerEvent| {
        ev.prevent_default();
        let splitter: web_sys::Element = event_target(&ev);
        let _ = splitter.set_pointer_capture(ev.pointer_id());
        let start = if panes.prefs.get_untracked().is_open(pane) {
            width()
        } else {
            0.0
        };
        drag.set_value(Some((f64::from(ev.client_x()), start)));
    };
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        if let Some((start_x, start_px)) = drag.get_value() {
            let px = start_px + sign * (f64::from(ev.client_x()) - start_x);
            panes.update(|prefs, window_px| prefs.resize(pane, px, window_px));
        }
    };
    let on_pointer_up = move |_| drag.set_value(None);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let step = if ev.shift_key() {
            4.0 * KEY_STEP_PX
        } else {
            KEY_STEP_PX
        };
        let current = width();
        let target = match ev.key().as_str() {
            "ArrowRight" => Some(current + sign * step),
            "ArrowLeft" => Some(current - sign * step),
            "Home" => Some(MIN_PANE_PX),
            "End" => Some(max()),
            "Enter" | " " => {
                ev.prevent_default();
                panes.update(|prefs, _| prefs.toggle(pane));
                return;
            }
            _ => None,
        };
        if let Some(px) = target {
            ev.prevent_default();
            panes.update(|prefs, window_px| prefs.resize(pane, px, window_px));
        }
    };
    view! {
        <div class=format!("splitter splitter-{}", if sign > 0.0 { "editor" } else { "details" })
            role="separator" tabindex="0" aria-orientation="vertical" aria-label=label
            data-testid=test_id
            aria-valuemin=move || whole(min()) aria-valuemax=move || whole(max()) aria-valuenow=move || whole(width())
            title=super::template_markup("kt-splitter-title")
            on:pointerdown=on_pointer_down on:pointermove=on_pointer_move
            on:pointerup=on_pointer_up on:pointercancel=on_pointer_up
            on:dblclick=move |_| panes.update(|prefs, _| prefs.toggle(pane))
            on:keydown=on_key></div>
    }
}

/// Pixels as a whole number: attributes and styles need no fractions, and integer
/// formatting costs the wasm far less than a float's.
fn whole(px: f64) -> i64 {
    px.round() as i64
}

fn window_width() -> f64 {
    web_sys::window()
        .and_then(|window| window.inner_width().ok())
        .and_then(|width| width.as_f64())
        .unwrap_or(1280.0)
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether any part of `scene` lies outside a graph area of `area` (width, height)
/// pixels at `viewport`.
pub fn out_of_view(viewport: Viewport, scene: &Scene, area: (i32, i32)) -> bool {
    let (width, height) = (f64::from(area.0), f64::from(area.1));
    let (right, bottom) = (
        viewport.tx + scene.width * viewport.k,
        viewport.ty + scene.height * viewport.k,
    );
    viewport.tx < -1.0 || viewport.ty < -1.0 || right > width + 1.0 || bottom > height + 1.0
}
