//! The web app: Leptos 0.8, client-side only. A thin shell over the engine: it
//! keeps the editor buffers and the view state in signals, calls `engine::analyze`
//! and draws `engine::scene`. Nothing is sent over the network.

mod details;
mod editor;
mod graph;
mod samples;
mod state;
mod storage;
mod table;
mod traffic;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use state::{AppState, InputFile, MainTab};

/// How the page was opened. Documentation embeds kubetopo in an iframe with
/// `?embed` (no editor pane, nothing remembered) and picks the input with
/// `?sample=ID` or `#manifests=BASE64` (never fetched: it is in the URL).
#[derive(Clone, Debug, Default)]
struct Launch {
    embed: bool,
    files: Option<Vec<InputFile>>,
}

fn read_launch() -> Launch {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return Launch::default();
    };
    let query = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let params: Vec<(String, String)> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let embed = params.iter().any(|(k, v)| k == "embed" && v != "0");
    let mut files = params
        .iter()
        .find(|(k, _)| k == "sample")
        .and_then(|(_, id)| samples::SAMPLES.iter().find(|s| s.id == id))
        .map(sample_files);
    if let Some(encoded) = hash.strip_prefix("#manifests=") {
        let decoded = js_sys_atob(&encoded.replace('-', "+").replace('_', "/"));
        if let Some(text) = decoded {
            files = Some(vec![InputFile {
                name: "embedded.yaml".into(),
                text,
            }]);
        }
    }
    Launch { embed, files }
}

/// Base64 to UTF-8 text with the browser's decoder; `None` when it is not base64.
fn js_sys_atob(encoded: &str) -> Option<String> {
    let binary = web_sys::window()?.atob(encoded).ok()?;
    // atob yields one char per byte; rebuild the UTF-8 bytes.
    let bytes: Vec<u8> = binary.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8(bytes).ok()
}

/// Entry point of the wasm binary.
pub fn start() {
    install_panic_banner();
    let launch = read_launch();
    let files = match launch.files.clone() {
        Some(files) => files,
        None if launch.embed => sample_files(samples::demo()),
        None => storage::load_files()
            .filter(|files| !files.is_empty())
            .unwrap_or_else(|| sample_files(samples::demo())),
    };
    storage::set_enabled(!launch.embed);
    let embed = launch.embed;
    leptos::mount::mount_to_body(move || view! { <App files=files.clone() embed=embed /> });
}

fn sample_files(sample: &samples::Sample) -> Vec<InputFile> {
    sample
        .files
        .iter()
        .map(|(name, text)| InputFile {
            name: name.to_string(),
            text: text.to_string(),
        })
        .collect()
}

/// A wasm panic kills the app; show what happened and offer a reload instead of a dead page.
fn install_panic_banner() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("kubetopo panicked: {info}").into());
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(message) = document.get_element_by_id("panic-message") {
            message.set_text_content(Some(&info.to_string()));
        }
        if let Some(banner) = document.get_element_by_id("panic-banner") {
            let _ = banner.remove_attribute("hidden");
        }
    }));
}

#[component]
fn App(files: Vec<InputFile>, embed: bool) -> impl IntoView {
    let state = AppState::new(files);
    provide_context(state);
    traffic::provide_traffic(state);
    let load_sample = move |ev: leptos::ev::Event| {
        let Some(select) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        let id = select.value();
        if let Some(sample) = samples::SAMPLES.iter().find(|s| s.id == id) {
            state.files.set(sample_files(sample));
            state.active_file.set(0);
            state.selection.set(None);
            state.reanalyze();
            editor::refresh_editor_text(state);
        }
        select.set_value("");
    };
    let status = move || {
        let topology = state.topology.get();
        let t = &topology.value;
        let n_errors = t
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::engine::diag::Severity::Error)
            .count();
        let n_warnings = t
            .diagnostics
            .iter()
            .filter(|d| d.severity == crate::engine::diag::Severity::Warning)
            .count();
        format!(
            "{} nodes · {} pods · {} services · {} ingresses · {} errors · {} warnings · analysed in {:.0} ms · drawn in {:.0} ms",
            t.cluster.nodes.len(),
            t.cluster.pods.len(),
            t.services.len(),
            t.ingresses.len(),
            n_errors,
            n_warnings,
            state.last_analysis_ms.get(),
            state.last_scene_ms.get()
        )
    };
    view! {
        <div class="app" class:embed=embed>
            <header class="topbar">
                <h1 class="brand">"kubetopo"<span class="tagline">"Kubernetes Service topology, in your browser"</span></h1>
                <label class="sr-only" for="samples">"Load a sample"</label>
                <select id="samples" data-testid="samples" aria-label="Load a sample" on:change=load_sample>
                    <option value="" selected>"Samples…"</option>
                    {samples::SAMPLES.iter().map(|s| view! { <option value=s.id>{s.title}</option> }).collect_view()}
                </select>
                <nav class="tabs" aria-label="Main view">
                    <button type="button" data-testid="tab-graph" aria-pressed=move || (state.tab.get() == MainTab::Graph).to_string() on:click=move |_| state.tab.set(MainTab::Graph)>"Graph"</button>
                    <button type="button" data-testid="tab-table" aria-pressed=move || (state.tab.get() == MainTab::Table).to_string() on:click=move |_| state.tab.set(MainTab::Table)>"Table"</button>
                </nav>
                <span class="privacy" title="kubetopo runs entirely in this page; a Content-Security-Policy forbids outside connections.">"Offline: nothing leaves your browser"</span>
            </header>
            <main class="panes">
                <editor::Editor />
                <section class="center" aria-label="Topology">
                    {move || match state.tab.get() {
                        MainTab::Graph => view! { <graph::Graph /> }.into_any(),
                        MainTab::Table => view! { <table::TableView /> }.into_any(),
                    }}
                </section>
                <details::DetailsPanel />
            </main>
            <footer class="statusbar" data-testid="status" aria-live="polite">{status}</footer>
        </div>
    }
}
