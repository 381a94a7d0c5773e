//! The Export menu of the graph toolbar: the current view as SVG or PNG, the
//! analysis as JSON, and the graph as Mermaid or DOT, each downloaded as a file
//! named after the workspace.
//!
//! Every export is the engine's: `scene::to_svg_styled` of the scene on screen (the
//! markup of `kubetopo render`, with the style `index.html` keeps for it),
//! `output::write_json` (the CLI's schema) and
//! `export::to_mermaid` / `to_dot`. The PNG is that SVG drawn by the browser into a
//! canvas at twice its size. Nothing leaves the browser: files are handed over as
//! `blob:` downloads, and the PNG's SVG is loaded as a `data:` image, which the
//! page's Content-Security-Policy allows (`img-src 'self' data:`).

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::graph::SceneBuild;
use super::state::AppState;
use crate::engine::scene::{self, View};
use crate::engine::{export, output};

/// The most pixels a PNG may have: browsers refuse larger canvases (Chromium's
/// limit is about 268 million), and a failed canvas would give an empty file.
const MAX_PNG_PIXELS: f64 = 100_000_000.0;

/// How much larger than the scene a PNG is drawn, as `kubetopo render` does.
const PNG_SCALE: f64 = 2.0;

/// One entry of the menu.
#[derive(Clone, Copy)]
enum Format {
    Svg,
    Png,
    Json,
    Mermaid,
    Dot,
}

/// The menu's entries: format, `data-testid` and label. One loop draws them all,
/// so the menu costs one button's code in the wasm, not five.
const FORMATS: [(Format, &str, &str); 5] = [
    (Format::Svg, "export-svg", "SVG image"),
    (Format::Png, "export-png", "PNG image (2x)"),
    (Format::Json, "export-json", "Analysis JSON"),
    (Format::Mermaid, "export-mermaid", "Mermaid"),
    (Format::Dot, "export-dot", "Graphviz DOT"),
];

/// The Export button and its list of formats. Keyboard: Enter or Space opens it,
/// Tab moves through the formats, Escape closes it and returns to the button.
#[component]
pub fn ExportMenu() -> impl IntoView {
    let state = expect_context::<AppState>();
    let scene = expect_context::<Memo<SceneBuild>>();
    let open = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let toggle_ref = NodeRef::<leptos::html::Button>::new();
    let run = move |format: Format| {
        let workspace_name = state.workspace.with_untracked(|w| w.name.clone());
        let view = state.view.get_untracked();
        let build = scene.get_untracked();
        let result = export_as(format, &workspace_name, view, &build, state, error);
        error.set(result.err());
        open.set(false);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            ev.stop_propagation();
            open.set(false);
            if let Some(toggle) = toggle_ref.get_untracked() {
                let _ = toggle.focus();
            }
        }
    };
    let items = FORMATS
        .into_iter()
        .map(|(format, test_id, label)| {
            view! { <button type="button" data-testid=test_id on:click=move |_| run(format)>{label}</button> }
        })
        .collect_view();
    view! {
        <div class="export-menu" on:keydown=on_key>
            <button type="button" node_ref=toggle_ref data-testid="export" aria-haspopup="true" aria-controls="export-formats"
                aria-expanded=move || open.get().to_string() title="Export this view or the analysis"
                on:click=move |_| open.update(|o| *o = !*o)>"Export ▾"</button>
            <div id="export-formats" class="export-items" role="group" aria-label="Export formats" hidden=move || !open.get()>
                {items}
            </div>
            <span class="export-error" role="alert" data-testid="export-error">{move || error.get().unwrap_or_default()}</span>
        </div>
    }
}

/// Makes the file for `format` and starts its download. A PNG finishes later; a
/// failure then is shown in `error`.
fn export_as(
    format: Format,
    workspace_name: &str,
    view: View,
    build: &SceneBuild,
    state: AppState,
    error: RwSignal<Option<String>>,
) -> Result<(), String> {
    let picture_name = |extension| export::file_name(workspace_name, Some(view), extension);
    // The SVG's style is the page's copy of the engine's (`kt-svg-style`).
    let svg = || scene::to_svg_styled(&build.scene, &super::template_markup("kt-svg-style"));
    match format {
        Format::Svg => download_text(&picture_name("svg"), "image/svg+xml", &svg()),
        Format::Png => download_png(
            svg(),
            build.scene.width,
            build.scene.height,
            picture_name("png"),
            error,
        ),
        Format::Mermaid => download_text(
            &picture_name("mmd"),
            "text/vnd.mermaid",
            &export::to_mermaid(&build.scene),
        ),
        Format::Dot => download_text(
            &picture_name("dot"),
            "text/vnd.graphviz",
            &export::to_dot(&build.scene),
        ),
        Format::Json => {
            let topology = state.topology.get_untracked();
            let mut json = Vec::new();
            // Into memory, which cannot fail, and as UTF-8, which serde_json writes;
            // not formatting the impossible error is 400 bytes less wasm.
            let written = output::write_json(&topology.value, &mut json);
            let text = written
                .ok()
                .and_then(|()| String::from_utf8(json).ok())
                .ok_or("the JSON could not be written")?;
            download_text(
                &export::file_name(workspace_name, None, "json"),
                "application/json",
                &text,
            )
        }
    }
}

/// Downloads `text` as a file.
pub(super) fn download_text(file_name: &str, media_type: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(media_type);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)?;
    download_blob(file_name, &blob)
}

/// Hands `blob` to the browser as a download named `file_name`.
fn download_blob(file_name: &str, blob: &web_sys::Blob) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(describe)?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not an anchor")?;
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // The browser has read the address once the download starts; free the blob later.
    gloo::timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Draws `svg` into a canvas at twice its size and downloads it as PNG. The image
/// loads asynchronously; a failure then is shown in `error`.
fn download_png(
    svg: String,
    width: f64,
    height: f64,
    file_name: String,
    error: RwSignal<Option<String>>,
) -> Result<(), String> {
    let (canvas_width, canvas_height) = ((width * PNG_SCALE).round(), (height * PNG_SCALE).round());
    if canvas_width * canvas_height > MAX_PNG_PIXELS {
        return Err(format!(
            "This view would be a {canvas_width} by {canvas_height} pixel PNG, larger than a browser can draw. Export it as SVG, or filter it first."
        ));
    }
    let image = web_sys::HtmlImageElement::new().map_err(describe)?;
    let loaded = image.clone();
    let on_load = super::worker::once_js(move || {
        let drawn = draw_and_download(&loaded, canvas_width, canvas_height, file_name, error);
        if let Err(message) = drawn {
            error.set(Some(message));
        }
    });
    let on_error = super::worker::once_js(move || {
        error.set(Some(
            "The browser could not draw the SVG as an image.".into(),
        ));
    });
    image.set_onload(Some(on_load.unchecked_ref()));
    image.set_onerror(Some(on_error.unchecked_ref()));
    image.set_src(&format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(&svg)
    ));
    Ok(())
}

fn draw_and_download(
    image: &web_sys::HtmlImageElement,
    width: f64,
    height: f64,
    file_name: String,
    error: RwSignal<Option<String>>,
) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or("no document")?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not a canvas")?;
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let context: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(describe)?
        .ok_or("no 2D canvas")?
        .dyn_into()
        .map_err(|_| "not a 2D context")?;
    context
        .draw_image_with_html_image_element_and_dw_and_dh(image, 0.0, 0.0, width, height)
        .map_err(describe)?;
    let on_blob = wasm_bindgen::closure::Closure::once_into_js(move |blob: JsValue| {
        let saved = match blob.dyn_into::<web_sys::Blob>() {
            Ok(blob) => download_blob(&file_name, &blob),
            Err(_) => Err("The browser could not encode the PNG.".into()),
        };
        if let Err(message) = saved {
            error.set(Some(message));
        }
    });
    canvas.to_blob(on_blob.unchecked_ref()).map_err(describe)
}

/// A JavaScript exception as text.
fn describe(error: JsValue) -> String {
    error
        .as_string()
        .or_else(|| {
            error
                .dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
        })
        .unwrap_or_else(|| "the browser refused".into())
}
