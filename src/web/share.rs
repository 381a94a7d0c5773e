//! The Share button and the browser half of share links (§12): the engine's
//! `share` module writes and reads the state; this module gathers it from the
//! app, compresses it with the browser's `CompressionStream("deflate-raw")`,
//! copies the link, and puts a link's view back.
//!
//! The browser's compressor costs the wasm nothing; miniz_oxide compiled in would
//! cost about 39 KB raw, 14 KB brotli (measured in `docs/share-links.md`).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::state::{AppState, MainTab};
use super::traffic::TrafficState;
use crate::engine::scene::Filter;
use crate::engine::share::{
    share_fragment, ShareError, SharedFile, SharedState, SharedTab, SharedTraffic, SharedView,
    MAX_JSON_BYTES, MAX_LINK_BYTES,
};

#[wasm_bindgen]
extern "C" {
    /// `CompressionStream` and `DecompressionStream`, bound here because web-sys
    /// marks them unstable (its flag would rebuild every crate).
    #[wasm_bindgen(js_name = CompressionStream)]
    type JsCompressionStream;
    #[wasm_bindgen(catch, constructor, js_class = "CompressionStream")]
    fn new(format: &str) -> Result<JsCompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &JsCompressionStream) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &JsCompressionStream) -> web_sys::WritableStream;

    #[wasm_bindgen(js_name = DecompressionStream)]
    type JsDecompressionStream;
    #[wasm_bindgen(catch, constructor, js_class = "DecompressionStream")]
    fn new(format: &str) -> Result<JsDecompressionStream, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn readable(this: &JsDecompressionStream) -> web_sys::ReadableStream;
    #[wasm_bindgen(method, getter)]
    fn writable(this: &JsDecompressionStream) -> web_sys::WritableStream;
}

/// What the last click on Share produced, shown in a notice bar.
#[derive(Clone, Debug, PartialEq)]
pub enum ShareNote {
    /// The link is on the clipboard.
    Copied { url: String },
    /// The link is made, but the clipboard refused it: the user copies it by hand.
    NotCopied { url: String, reason: String },
    /// The link would be longer than [`MAX_LINK_BYTES`]: offer the manifests instead.
    TooLong { n_bytes: usize },
    /// The view cannot be put in a link.
    Failed { reason: String },
}

/// Raw-DEFLATE decompression of a link's payload, stopping at [`MAX_JSON_BYTES`].
pub async fn inflate(compressed: &[u8]) -> Result<Vec<u8>, ShareError> {
    let stream = JsDecompressionStream::new("deflate-raw")
        .map_err(|error| ShareError::damaged(js_error_text(&error)))?;
    let pair = web_sys::ReadableWritablePair::new(&stream.readable(), &stream.writable());
    read_through(compressed, &pair, MAX_JSON_BYTES)
        .await
        .map_err(|failure| match failure {
            StreamFailure::TooLarge => ShareError::too_large(),
            StreamFailure::Js(reason) => ShareError::damaged(reason),
        })
}

/// Raw-DEFLATE compression, the browser's default level.
async fn deflate(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let stream = JsCompressionStream::new("deflate-raw").map_err(|error| js_error_text(&error))?;
    let pair = web_sys::ReadableWritablePair::new(&stream.readable(), &stream.writable());
    // Compressed output is never larger than the input by more than a few bytes
    // per 64 KB block, so the input limit bounds it too.
    read_through(bytes, &pair, usize::MAX)
        .await
        .map_err(|failure| match failure {
            StreamFailure::TooLarge => "the compressed view is too large".to_string(),
            StreamFailure::Js(reason) => reason,
        })
}

enum StreamFailure {
    TooLarge,
    Js(String),
}

/// Streams `input` through a transform and collects at most `limit` bytes of its
/// output. Piping from a Blob lets the stream report errors on the reading side,
/// so a damaged payload is a rejected read, not an unhandled promise.
async fn read_through(
    input: &[u8],
    transform: &web_sys::ReadableWritablePair,
    limit: usize,
) -> Result<Vec<u8>, StreamFailure> {
    let js = |error: JsValue| StreamFailure::Js(js_error_text(&error));
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(input));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js)?;
    let output = blob.stream().pipe_through(transform);
    let reader: web_sys::ReadableStreamDefaultReader = output.get_reader().unchecked_into();
    let mut collected = Vec::new();
    loop {
        let result: web_sys::ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(js)?
            .unchecked_into();
        if result.get_done().unwrap_or(true) {
            return Ok(collected);
        }
        let chunk = js_sys::Uint8Array::new(&result.get_value());
        if collected.len() + chunk.length() as usize > limit {
            // Stop the decompressor; the rejection of `cancel` has nothing to add.
            let _ = reader.cancel();
            return Err(StreamFailure::TooLarge);
        }
        let start = collected.len();
        collected.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut collected[start..]);
    }
}

fn js_error_text(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// The state a link made now would restore.
fn capture(state: AppState, traffic: TrafficState) -> SharedState {
    let files = state.files.with_untracked(|files| {
        files
            .iter()
            .map(|file| SharedFile {
                name: file.name.clone(),
                text: file.text.clone(),
            })
            .collect()
    });
    let filter = state.filter.get_untracked();
    // The graph's viewport, also when the table lies over it.
    let viewport = state.graph_area.get_untracked().map(|area| {
        state.viewport.get_untracked().to_shared(
            f64::from(area.client_width()),
            f64::from(area.client_height()),
        )
    });
    SharedState {
        files,
        view: SharedView {
            tab: match state.tab.get_untracked() {
                MainTab::Graph => SharedTab::Graph,
                MainTab::Table => SharedTab::Table,
            },
            picture: state.view.get_untracked(),
            selection: state.selection.get_untracked(),
            namespaces: filter.namespaces,
            hidden_kinds: filter.hidden_kinds,
            search: state.search.get_untracked(),
            query: state.query.get_untracked(),
            viewport,
            edits: state
                .edits
                .with_untracked(|edits| edits.iter().map(|edit| edit.mutation.clone()).collect()),
            traffic: if traffic
                .held_for_motion
                .get_value()
                .unwrap_or_else(|| traffic.playing.get_untracked())
            {
                SharedTraffic::Running
            } else {
                SharedTraffic::Paused
            },
        },
    }
}

/// Puts a share link's view back (§12.3). The viewport waits for the graph's
/// first drawing and the edits for the traffic simulator.
pub fn restore(state: AppState, traffic: TrafficState, view: SharedView) {
    state.tab.set(match view.tab {
        SharedTab::Graph => MainTab::Graph,
        SharedTab::Table => MainTab::Table,
    });
    state.view.set(view.picture);
    state.filter.set(Filter {
        namespaces: view.namespaces,
        hidden_kinds: view.hidden_kinds,
    });
    state.selection.set(view.selection);
    state.search.set(view.search);
    state.query.set(view.query);
    state.restore_viewport.set_value(view.viewport);
    state.restore_edits.set_value(view.edits);
    traffic
        .playing
        .set(matches!(view.traffic, SharedTraffic::Running));
}

/// The page's address without its query and fragment: a shared link opens the app
/// itself, whatever sample or link this tab was opened with.
fn page_address() -> Option<String> {
    let location = web_sys::window()?.location();
    Some(format!(
        "{}{}",
        location.origin().ok()?,
        location.pathname().ok()?
    ))
}

async fn make_link(state: AppState, traffic: TrafficState) -> ShareNote {
    let json = match capture(state, traffic).to_json() {
        Ok(json) => json,
        Err(error) => {
            return ShareNote::Failed {
                reason: error.to_string(),
            }
        }
    };
    let compressed = match deflate(&json).await {
        Ok(compressed) => compressed,
        Err(reason) => return ShareNote::Failed { reason },
    };
    let Some(address) = page_address() else {
        return ShareNote::Failed {
            reason: "the page has no address".into(),
        };
    };
    let url = format!("{address}#{}", share_fragment(&compressed));
    if url.len() > MAX_LINK_BYTES {
        return ShareNote::TooLong { n_bytes: url.len() };
    }
    let clipboard = web_sys::window().map(|window| window.navigator().clipboard());
    let copied = match clipboard {
        Some(clipboard) => JsFuture::from(clipboard.write_text(&url))
            .await
            .map_err(|error| js_error_text(&error)),
        None => Err("there is no clipboard".into()),
    };
    match copied {
        Ok(_) => ShareNote::Copied { url },
        Err(reason) => ShareNote::NotCopied { url, reason },
    }
}

/// The Share button of the top bar.
#[component]
pub fn ShareButton() -> impl IntoView {
    let state = expect_context::<AppState>();
    let traffic = expect_context::<TrafficState>();
    let busy = RwSignal::new(false);
    let on_click = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let note = make_link(state, traffic).await;
            state.share_note.set(Some(note));
            busy.set(false);
        });
    };
    view! {
        <button type="button" class="share" data-testid="share" aria-busy=move || busy.get().to_string()
            title=super::template_markup("kt-share-title")
            on:click=on_click>"Share"</button>
    }
}

/// The outcome of the last Share, until dismissed. One shape for every outcome:
/// each view macro costs wasm bytes.
pub fn share_notice(state: AppState) -> Option<impl IntoView> {
    let note = state.share_note.get()?;
    let kilobytes = |n_bytes: usize| format!("{:.1} KB", n_bytes as f64 / 1024.0);
    let (kind, tone, message, url, n_bytes) = match note {
        ShareNote::Copied { url } => (
            "copied",
            "info",
            format!(
                "Link copied ({}). It holds the manifests and this view; it opens as a new workspace.",
                kilobytes(url.len())
            ),
            Some(url.clone()),
            url.len(),
        ),
        ShareNote::NotCopied { url, reason } => (
            "not-copied",
            "warning",
            format!(
                "The link ({}) could not be copied ({reason}): select it and copy it yourself.",
                kilobytes(url.len())
            ),
            Some(url.clone()),
            url.len(),
        ),
        ShareNote::TooLong { n_bytes } => (
            "too-long",
            "warning",
            format!(
                "This view's link would be {}, more than the {} KB that browsers and chat tools pass on reliably. Download the manifests instead.",
                kilobytes(n_bytes),
                MAX_LINK_BYTES / 1024
            ),
            None,
            n_bytes,
        ),
        ShareNote::Failed { reason } => (
            "failed",
            "error",
            format!("No link was made: {reason}."),
            None,
            0,
        ),
    };
    let download = (kind == "too-long").then(|| {
        view! { <a class="button small" data-testid="share-download" download="kubetopo-manifests.yaml" href=super::download_href(state)>"Download .yaml"</a> }
    });
    Some(view! {
        <div class=format!("notice-bar {tone}") role=if tone == "info" { "status" } else { "alert" } data-testid="share-result" data-kind=kind data-bytes=n_bytes.to_string()>
            <span>{message}</span>
            {url.map(|url| view! { <input type="text" readonly class="share-url" aria-label="Share link" data-testid="share-url" prop:value=url /> })}
            {download}
            <button type="button" class="small" on:click=move |_| state.share_note.set(None)>"Dismiss"</button>
        </div>
    })
}
