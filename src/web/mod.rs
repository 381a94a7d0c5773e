//! The web app: Leptos 0.8, client-side only. A thin shell over the engine: it
//! keeps the editor buffers and the view state in signals, calls `engine::analyze`
//! and draws `engine::scene`. Nothing is sent over the network.

mod canvas;
mod crash;
mod details;
mod editor;
mod edits;
mod embed;
mod export;
mod flows;
mod focus;
mod gateway;
mod graph;
mod launch;
mod loads;
mod motion;
mod panes;
mod policies;
mod reclaim;
mod samples;
mod share;
mod state;
mod storage;
mod table;
mod trace_overlay;
mod traffic;
mod worker;
mod workspaces;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::engine::scene::View;
use crate::engine::share::SharedView;
use crate::launch_options::{DisplayOptions, TrafficOption, ViewOption};
use crate::pane_layout::Pane;
use state::{AppState, InputFile, MainTab};
use workspaces::{Boot, SaveStatus};

/// Entry point of the wasm binary. The crash guard goes first, so that a trap in
/// anything after it still shows the banner with the user's text.
pub fn start() {
    // In the analysis worker the same module only parses (`worker.rs`): no app.
    if web_sys::window().is_none() {
        return;
    }
    crash::install_crash_guard();
    install_panic_banner();
    let mut launch = launch::read_launch();
    let embed = launch.embed;
    let display = launch.display;
    // IndexedDB and the browser's decompressor are asynchronous: the app mounts once
    // the link and the saved work are read. This runs before Leptos sets up its
    // executor, so it uses wasm-bindgen's directly.
    wasm_bindgen_futures::spawn_local(async move {
        launch::open_sample(&mut launch).await;
        launch::open_share(&mut launch).await;
        let shared_view = launch.shared_view.take();
        let boot = workspaces::boot(&launch).await;
        let boot = std::rc::Rc::new(std::cell::RefCell::new(Some((boot, shared_view))));
        leptos::mount::mount_to_body(move || {
            let (boot, shared_view) = boot.borrow_mut().take().expect("the app mounts once");
            view! { <App boot=boot embed=embed display=display shared_view=shared_view /> }
        });
    });
}

/// A panic aborts the wasm; the hook runs first and hands the message to the crash
/// guard, which shows the banner with the user's text.
fn install_panic_banner() {
    std::panic::set_hook(Box::new(|info| {
        crash::show_crash_banner(&format!("kubetopo panicked: {info}"));
    }));
}

/// The `name` attribute of the element an event happened in, or of the nearest
/// element around it that has one: how delegated listeners find which row, marker
/// or hop was meant.
pub(crate) fn attribute_around(target: Option<web_sys::EventTarget>, name: &str) -> Option<String> {
    target?
        .dyn_into::<web_sys::Element>()
        .ok()?
        .closest(&format!("[{name}]"))
        .ok()
        .flatten()?
        .get_attribute(name)
}

/// Whether the user asked for less motion (`prefers-reduced-motion`), as the
/// stylesheet's `--motion` says.
/// Static markup kept in `index.html` as a `<template id=...>` (the legend, the
/// Overview's text), which the browser parses, rather than text in the wasm.
pub(crate) fn template_markup(id: &str) -> String {
    leptos::prelude::document()
        .get_element_by_id(id)
        .map(|template| template.inner_html())
        .unwrap_or_default()
}

fn motion_reduced() -> bool {
    let root = document().document_element();
    root.and_then(|root| window().get_computed_style(&root).ok().flatten())
        .and_then(|style| style.get_property_value("--motion").ok())
        .is_some_and(|motion| motion.trim() == "0")
}

#[component]
fn App(
    boot: Boot,
    embed: bool,
    display: DisplayOptions,
    shared_view: Option<SharedView>,
) -> impl IntoView {
    // A link opened over the saved work: "Undo load" brings that back.
    let replaced_by_link = boot.replaced.map(|replaced| loads::Replaced {
        loaded_name: boot.identity.name.clone(),
        loaded_id: boot.identity.id.clone(),
        identity: workspaces::WorkspaceIdentity {
            id: replaced.id,
            name: replaced.name,
        },
        files: replaced.files,
        revision: replaced.revision,
    });
    let state = AppState::new(boot.files);
    state.workspace.set(boot.identity);
    state.workspaces.set(boot.summaries);
    state.save_status.set(boot.save_status);
    state.link_error.set(boot.link_error);
    state.edit_serial.set_value(boot.revision);
    state.saved_serial.set_value(boot.revision);
    state.loaded_serial.set_value(boot.revision);
    if boot.save_at_once {
        state.saved_serial.set_value(0);
        workspaces::save_now(state);
    }
    workspaces::install(state);
    provide_context(state);
    if embed {
        provide_context(embed::Embedded);
    } else {
        worker::prepare();
    }
    traffic::provide_traffic(state);
    // A share link's view first; options in the query (`?view=`, `?traffic=`) are
    // the embedding page's explicit choice and win over it.
    if let Some(view) = shared_view {
        share::restore(state, expect_context::<traffic::TrafficState>(), view);
    }
    match display.view {
        Some(ViewOption::Cluster) | None => {}
        Some(ViewOption::Logical) => state.view.set(View::Logical),
        Some(ViewOption::Table) => state.tab.set(MainTab::Table),
    }
    // Under `prefers-reduced-motion` the packets wait for Play, whatever the link
    // or the embedding page asked for.
    let traffic = expect_context::<traffic::TrafficState>();
    if display.traffic == Some(TrafficOption::Off) {
        traffic.playing.set(false);
    } else if motion_reduced() {
        let chosen = traffic.playing.get_untracked();
        traffic.held_for_motion.set_value(Some(chosen));
        traffic.playing.set(false);
    }
    let loads = loads::provide_loads();
    let panes = panes::provide_panes();
    focus::provide_focus();
    if let Some(replaced) = replaced_by_link {
        loads.undo.set(Some(replaced));
    }
    let load_sample = move |ev: leptos::ev::Event| {
        let Some(select) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        else {
            return;
        };
        // A sample opens as a new workspace: the user's work stays one click away.
        loads::load_sample(state, loads, select.value());
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
        let mut line = String::new();
        for (n, one, many) in [
            (t.cluster.nodes.len(), "node", "nodes"),
            (t.cluster.pods.len(), "pod", "pods"),
            (t.services.len(), "service", "services"),
            (t.ingresses.len(), "ingress", "ingresses"),
            (n_errors, "error", "errors"),
            (n_warnings, "warning", "warnings"),
        ] {
            line.push_str(&format!("{n} {} · ", if n == 1 { one } else { many }));
        }
        format!(
            "{line}analysed in {:.0} ms · drawn in {:.0} ms",
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
                // Embedded copies neither read nor write saved work: nothing to switch or save.
                {(!embed).then(|| view! { <WorkspaceSwitcher /><SaveStatusBadge /> })}
                {(!embed).then(|| view! { <panes::PaneToggles /> })}
                <nav class="tabs" aria-label="Main view">
                    <button type="button" data-testid="tab-graph" aria-pressed=move || (state.tab.get() == MainTab::Graph).to_string() on:click=move |_| state.tab.set(MainTab::Graph)>"Graph"</button>
                    <button type="button" data-testid="tab-table" aria-pressed=move || (state.tab.get() == MainTab::Table).to_string() on:click=move |_| state.tab.set(MainTab::Table)>"Table"</button>
                </nav>
                <share::ShareButton />
                <span class="privacy" title=template_markup("kt-privacy-title")>"Offline: nothing leaves your browser"</span>
            </header>
            <Notices />
            <main class="panes" class:resizable=!embed
                class:editor-closed=move || !panes.prefs.get().editor_open
                class:details-closed=move || !panes.prefs.get().details_open
                style=move || (!embed).then(|| panes::grid_style(panes))>
                <editor::Editor />
                {(!embed).then(|| view! { <panes::Splitter pane=Pane::Editor /> })}
                // The table lies over the focus bar and the graph, which stay as
                // they were (the picture, its view) for when the user comes back.
                <section class="center" aria-label="Topology" class:tabled=move || state.tab.get() == MainTab::Table>
                    <focus::FocusBar />
                    <graph::Graph />
                    {move || (state.tab.get() == MainTab::Table).then(|| view! { <table::TableView /> })}
                </section>
                {(!embed).then(|| view! { <panes::Splitter pane=Pane::Details /> })}
                <details::DetailsPanel />
            </main>
            <footer class="statusbar" data-testid="status" aria-live="polite">{status}</footer>
        </div>
    }
}

/// Label of the switcher entry that starts an empty workspace.
const NEW_WORKSPACE_VALUE: &str = "new-workspace";

/// Every saved workspace, one click away; the shown one is selected.
#[component]
fn WorkspaceSwitcher() -> impl IntoView {
    let state = expect_context::<AppState>();
    let options = move || {
        let current = state.workspace.get();
        let mut summaries = state.workspaces.get();
        if !summaries.iter().any(|s| s.id == current.id) {
            let (n_files, n_bytes) = state
                .files
                .with_untracked(|files| (files.len(), files.iter().map(|f| f.text.len()).sum()));
            summaries.insert(
                0,
                workspaces::WorkspaceSummary {
                    id: current.id.clone(),
                    name: current.name.clone(),
                    n_files,
                    n_bytes,
                    updated_ms: 0.0,
                },
            );
        }
        summaries
            .into_iter()
            .map(|summary| {
                let selected = summary.id == current.id;
                let label = format!(
                    "{} · {} file{} · {}",
                    summary.name,
                    summary.n_files,
                    if summary.n_files == 1 { "" } else { "s" },
                    human_bytes(summary.n_bytes)
                );
                view! { <option value=summary.id selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let on_change = move |ev: leptos::ev::Event| {
        let id = event_target_value(&ev);
        if id == NEW_WORKSPACE_VALUE {
            let n_workspaces = state.workspaces.with_untracked(Vec::len);
            workspaces::open_as_new_workspace(
                state,
                format!("Workspace {}", n_workspaces + 1),
                vec![InputFile {
                    name: "untitled-1.yaml".into(),
                    text: String::new(),
                }],
            );
        } else {
            workspaces::switch_to(state, id);
        }
    };
    // Options are rebuilt when the list changes; the browser may then keep a stale
    // choice (such as the "new" entry), so the shown workspace is selected explicitly.
    let select_ref = NodeRef::<leptos::html::Select>::new();
    Effect::new(move |_| {
        let id = state.workspace.get().id;
        state.workspaces.track();
        if let Some(select) = select_ref.get() {
            select.set_value(&id);
        }
    });
    view! {
        <label class="workspace-switcher">
            <span class="sr-only">"Workspace"</span>
            <select node_ref=select_ref data-testid="workspaces" data-current=move || state.workspace.get().id title=move || format!("Workspace: {}. Samples and shared links open as new workspaces; pick one to switch.", state.workspace.get().name) aria-label="Workspace" on:change=on_change>
                {options}
                <option value=NEW_WORKSPACE_VALUE>"+ New empty workspace"</option>
            </select>
        </label>
    }
}

/// Whether the work is saved, in a word; failures get a banner of their own.
#[component]
fn SaveStatusBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    let label = move || match state.save_status.get() {
        SaveStatus::Off => "Embedded: nothing is saved",
        SaveStatus::Unchanged => "Not edited",
        SaveStatus::Pending => "Unsaved changes",
        SaveStatus::Saving => "Saving…",
        SaveStatus::Saved => "Saved",
        SaveStatus::Failed(_) => "Not saved",
    };
    let kind = move || match state.save_status.get() {
        SaveStatus::Off => "off",
        SaveStatus::Unchanged => "unchanged",
        SaveStatus::Pending => "pending",
        SaveStatus::Saving => "saving",
        SaveStatus::Saved => "saved",
        SaveStatus::Failed(_) => "failed",
    };
    view! { <span class="save-status" data-testid="save-status" data-state=kind>{label}</span> }
}

/// Messages the user must see: a save that failed, a link that could not be read,
/// another tab's save, a long analysis, and "Undo" for a closed file tab.
#[component]
fn Notices() -> impl IntoView {
    let state = expect_context::<AppState>();
    let save_error = move || match state.save_status.get() {
        SaveStatus::Failed(reason) => Some(view! {
            <div class="notice-bar error" role="alert" data-testid="save-error">
                <span>{reason}</span>
                <a class="button small" download="kubetopo-workspace.yaml" href=download_href(state)>"Download your text"</a>
            </div>
        }),
        _ => None,
    };
    let link_error = move || dismissible_notice(state.link_error, "error", "alert", "link-error");
    let tab_note = move || dismissible_notice(state.tab_note, "warning", "status", "tab-note");
    let progress = move || {
        state.progress.get().map(|message| {
            view! {
                <div class="notice-bar info" role="status" data-testid="progress">
                    <span class="spinner" aria-hidden="true"></span>
                    <span>{message}</span>
                </div>
            }
        })
    };
    let undo_close = move || {
        state.closed_file.get().map(|closed| {
            view! {
                <div class="notice-bar info" role="status" data-testid="closed-file-toast">
                    <span>{format!("Closed {}.", closed.file.name)}</span>
                    <button type="button" class="small" data-testid="undo-close" on:click=move |_| editor::undo_close(state)>"Undo close"</button>
                    <button type="button" class="small" on:click=move |_| state.closed_file.set(None)>"Dismiss"</button>
                </div>
            }
        })
    };
    let share_result = move || share::share_notice(state);
    view! { <div class="notices">{link_error}{save_error}{tab_note}{share_result}{progress}{undo_close}<loads::LoadNotices /></div> }
}

/// A `data:` address holding the buffers, for the "Download" link of a failed save.
/// It is built when the banner appears, not on every keystroke.
fn download_href(state: AppState) -> String {
    let text = state.files.with_untracked(|files| {
        files
            .iter()
            .map(|f| format!("# ---- file: {} ----\n{}", f.name, f.text))
            .collect::<Vec<_>>()
            .join("\n---\n")
    });
    format!(
        "data:text/yaml;charset=utf-8,{}",
        js_sys::encode_uri_component(&text)
    )
}

/// 1234567 bytes as "1.2 MB".
fn human_bytes(n_bytes: usize) -> String {
    if n_bytes >= 1024 * 1024 {
        format!("{:.1} MB", n_bytes as f64 / (1024.0 * 1024.0))
    } else if n_bytes >= 1024 {
        format!("{} KB", n_bytes / 1024)
    } else {
        format!("{n_bytes} B")
    }
}

/// A notice bar showing `message` while it is set, with a Dismiss button that clears it.
fn dismissible_notice(
    message: RwSignal<Option<String>>,
    tone: &'static str,
    role: &'static str,
    test_id: &'static str,
) -> Option<impl IntoView> {
    message.get().map(|text| {
        view! {
            <div class=format!("notice-bar {tone}") role=role data-testid=test_id>
                <span>{text}</span>
                <button type="button" class="small" on:click=move |_| message.set(None)>"Dismiss"</button>
            </div>
        }
    })
}
