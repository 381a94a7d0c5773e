//! Workspaces: what the user typed, kept so that nothing is ever lost. Each browser
//! tab shows one workspace. Samples and shared links open as new workspaces beside
//! the saved ones, one click away in the switcher. Saves go to IndexedDB; a tab that
//! learns (through a BroadcastChannel) that another tab saved the same workspace
//! keeps its own version as a separate copy instead of overwriting the other.

use crate::engine::sort::SortCompact;
use std::cell::RefCell;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::IdbDatabase;

use super::crash;
use super::launch::Launch;
use super::samples;
use super::state::{AppState, InputFile};
use super::storage::{self, Journal, Workspace};

/// What the switcher lists for each workspace: no file contents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceSummary {
    pub id: String,
    pub name: String,
    pub n_files: usize,
    pub n_bytes: usize,
    pub updated_ms: f64,
}

/// The workspace this tab shows.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct WorkspaceIdentity {
    pub id: String,
    pub name: String,
}

/// Whether the user's work is safe, shown in the top bar.
#[derive(Clone, Debug, PartialEq)]
pub enum SaveStatus {
    /// Embedded copies never save.
    Off,
    /// Nothing edited yet (the demo, untouched).
    Unchanged,
    /// Edited; the save waits for a pause in the typing.
    Pending,
    Saving,
    Saved,
    /// The reason, in words for the user; stays up until a save succeeds.
    Failed(String),
}

/// What `boot` hands to the app: the workspace to show and what to tell the user.
pub struct Boot {
    pub identity: WorkspaceIdentity,
    pub files: Vec<InputFile>,
    pub revision: u64,
    pub summaries: Vec<WorkspaceSummary>,
    pub save_status: SaveStatus,
    pub link_error: Option<String>,
    /// A workspace opened from a link is saved at once, so it survives a reload.
    pub save_at_once: bool,
    /// The saved workspace a link's input was opened instead of, which "Undo load"
    /// brings back.
    pub replaced: Option<Workspace>,
}

const CHANNEL_NAME: &str = "kubetopo.workspaces";

thread_local! {
    static DATABASE: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
    static ENABLED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static TAB_ID: RefCell<String> = const { RefCell::new(String::new()) };
    static CHANNEL: RefCell<Option<web_sys::BroadcastChannel>> = const { RefCell::new(None) };
}

/// Opens the store, migrates the old localStorage key, replays the journal and
/// picks the workspace this tab shows.
pub async fn boot(launch: &Launch) -> Boot {
    TAB_ID.with(|tab| *tab.borrow_mut() = new_id("tab"));
    if launch.embed {
        // Embedded copies show the link (or its error) and neither read nor write
        // the user's saved work.
        let mut link_error = launch.message();
        let files = match (&launch.linked, &launch.error) {
            (Some(linked), _) => linked.files.clone(),
            (None, Some(_)) => Vec::new(),
            (None, None) => fetch_demo(&mut link_error).await,
        };
        return Boot {
            identity: WorkspaceIdentity {
                id: new_id("embed"),
                name: "Embedded".into(),
            },
            files,
            revision: 0,
            summaries: Vec::new(),
            save_status: SaveStatus::Off,
            link_error,
            save_at_once: false,
            replaced: None,
        };
    }
    ENABLED.with(|enabled| enabled.set(true));
    let mut save_status = SaveStatus::Unchanged;
    let mut workspaces = Vec::new();
    match storage::open_database().await {
        Ok(database) => {
            match storage::load_workspaces(&database).await {
                Ok((loaded, unreadable)) => {
                    workspaces = loaded;
                    if !unreadable.is_empty() {
                        save_status = SaveStatus::Failed(format!(
                            "{} saved workspace(s) could not be read: {}",
                            unreadable.len(),
                            unreadable.join("; ")
                        ));
                    }
                }
                Err(error) => {
                    save_status =
                        SaveStatus::Failed(format!("Saved workspaces cannot be read: {error}"))
                }
            }
            migrate_legacy_files(&database, &mut workspaces, &mut save_status).await;
            replay_journal(&database, &mut workspaces, &mut save_status).await;
            DATABASE.with(|cell| *cell.borrow_mut() = Some(database));
        }
        Err(error) => {
            save_status = SaveStatus::Failed(format!(
                "Your work cannot be saved in this browser: {error}. Download it before you close the tab."
            ));
            if let Some(files) = storage::read_legacy_files() {
                workspaces.push(Workspace {
                    id: new_id("ws"),
                    name: "Saved work".into(),
                    files,
                    revision: 0,
                    updated_ms: 0.0,
                });
            }
        }
    }
    workspaces.sort_compact_by(|a, b| b.updated_ms.total_cmp(&a.updated_ms).then(a.id.cmp(&b.id)));
    let summaries: Vec<WorkspaceSummary> = workspaces.iter().map(summarize).collect();
    let remembered_tab_workspace = storage::read_tab_workspace();
    let shown_without_link = remembered_tab_workspace
        .and_then(|id| workspaces.iter().find(|w| w.id == id))
        .or_else(|| workspaces.first());
    let replaced = launch.linked.as_ref().and(shown_without_link).cloned();
    let mut link_error = launch.message();
    let (identity, files, revision, save_at_once) = if let Some(linked) = &launch.linked {
        // A shared link never replaces saved work: it becomes a workspace of its own,
        // and the address loses the link so a reload comes back to that workspace.
        forget_link_in_address();
        (
            WorkspaceIdentity {
                id: new_id("ws"),
                name: linked.workspace_name.clone(),
            },
            linked.files.clone(),
            1,
            true,
        )
    } else if let Some(workspace) = shown_without_link {
        if save_status == SaveStatus::Unchanged {
            save_status = SaveStatus::Saved;
        }
        (
            WorkspaceIdentity {
                id: workspace.id.clone(),
                name: workspace.name.clone(),
            },
            workspace.files.clone(),
            workspace.revision,
            false,
        )
    } else {
        (
            WorkspaceIdentity {
                id: new_id("ws"),
                // The demo is where a first-time user starts typing: it is their workspace.
                name: "My workspace".into(),
            },
            fetch_demo(&mut link_error).await,
            0,
            false,
        )
    };
    if launch.error.is_some() {
        forget_link_in_address();
    }
    storage::write_tab_workspace(&identity.id);
    crash::remember_files(&files);
    Boot {
        identity,
        files,
        revision,
        summaries,
        save_status,
        link_error,
        save_at_once,
        replaced,
    }
}

/// The demo's files for a first visit. When they cannot be fetched, the app starts
/// empty and says why; this only happens when there is no saved work to show, so
/// nothing the user typed is hidden or overwritten.
async fn fetch_demo(message: &mut Option<String>) -> Vec<InputFile> {
    match samples::fetch_files(samples::demo()).await {
        Ok(files) => files,
        Err(reason) => {
            let reason = format!("{reason} The editor starts empty: paste or open your manifests.");
            *message = Some(match message.take() {
                Some(earlier) => format!("{earlier} {reason}"),
                None => reason,
            });
            vec![InputFile {
                name: "untitled-1.yaml".into(),
                text: String::new(),
            }]
        }
    }
}

/// Listens for other tabs' saves and flushes this tab's work when it is hidden or
/// unloaded. Called once, after the app state exists.
pub fn install(state: AppState) {
    if !ENABLED.with(std::cell::Cell::get) {
        return;
    }
    if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL_NAME) {
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                if let Some(text) = event.data().as_string() {
                    if let Ok(message) = serde_json::from_str::<SavedMessage>(&text) {
                        on_other_tab_saved(state, message);
                    }
                }
            },
        );
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        CHANNEL.with(|cell| *cell.borrow_mut() = Some(channel));
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    // `pagehide` is the last event a closing or reloading page reliably gets;
    // `visibilitychange` covers mobile browsers that kill hidden tabs without it.
    let on_page_hide = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| flush(state));
    let _ =
        window.add_event_listener_with_callback("pagehide", on_page_hide.as_ref().unchecked_ref());
    on_page_hide.forget();
    if let Some(document) = window.document() {
        let hidden_document = document.clone();
        let on_visibility = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if hidden_document.visibility_state() == web_sys::VisibilityState::Hidden {
                flush(state);
            }
        });
        let _ = document.add_event_listener_with_callback(
            "visibilitychange",
            on_visibility.as_ref().unchecked_ref(),
        );
        on_visibility.forget();
    }
}

/// Writes what is unsaved: the journal synchronously (it survives the unload), then
/// an IndexedDB save that may or may not finish before the page goes.
pub fn flush(state: AppState) {
    if !ENABLED.with(std::cell::Cell::get) || crash::has_crashed() {
        return;
    }
    // A large paste waits a task before it reaches the buffers.
    super::editor::take_waiting_paste();
    let edit_serial = state.edit_serial.get_value();
    if edit_serial <= state.saved_serial.get_value() {
        return;
    }
    let identity = state.workspace.get_untracked();
    let file_index = state.active_file.get_untracked();
    if let Some(file) = state
        .files
        .with_untracked(|files| files.get(file_index).cloned())
    {
        storage::write_journal(&Journal {
            workspace_id: identity.id,
            workspace_name: identity.name,
            revision: edit_serial,
            file_index,
            file,
        });
    }
    save_now(state);
}

/// Saves the shown workspace if it changed since the last save. Failures are shown
/// in the top bar until a later save succeeds.
pub fn save_now(state: AppState) {
    if !ENABLED.with(std::cell::Cell::get) || crash::has_crashed() {
        return;
    }
    let revision = state.edit_serial.get_value();
    if revision <= state.saved_serial.get_value() {
        return;
    }
    if state.conflict.get_value() {
        fork_workspace(state);
    }
    let identity = state.workspace.get_untracked();
    // The buffers are moved into the record and back, not cloned: at 100,000 pods
    // the text is tens of megabytes, and the wasm heap never shrinks (issue #9).
    let mut workspace = Workspace {
        id: identity.id.clone(),
        name: identity.name.clone(),
        files: Vec::new(),
        revision,
        updated_ms: js_sys::Date::now(),
    };
    let Some((summary, record)) = state.files.try_update_untracked(|files| {
        workspace.files = std::mem::take(files);
        let summary = summarize(&workspace);
        let names_and_texts = js_sys::Array::new();
        for file in &workspace.files {
            names_and_texts.push(&file.name.as_str().into());
            names_and_texts.push(&file.text.as_str().into());
        }
        *files = std::mem::take(&mut workspace.files);
        // The record is made outside the wasm heap, which never shrinks, and is one
        // object that both the crash guard and the database keep.
        let record = serde_json::to_string(&workspace)
            .map_err(|error| error.to_string())
            .and_then(|head| {
                crash::remember_saved_record(&head, &names_and_texts)
                    .map_err(storage::describe_js_error)
            });
        (summary, record)
    }) else {
        return;
    };
    let record = match record {
        Ok(record) => record,
        Err(error) => {
            state.save_status.set(SaveStatus::Failed(format!(
                "Your work cannot be saved: {error}"
            )));
            return;
        }
    };
    drop(workspace);
    let Some(database) = DATABASE.with(|cell| cell.borrow().clone()) else {
        if !matches!(state.save_status.get_untracked(), SaveStatus::Failed(_)) {
            state.save_status.set(SaveStatus::Failed(
                "Your work cannot be saved in this browser. Download it before you close the tab."
                    .into(),
            ));
        }
        return;
    };
    state.save_status.set(SaveStatus::Saving);
    storage::write_tab_workspace(&identity.id);
    upsert_summary(state, summary.clone());
    wasm_bindgen_futures::spawn_local(async move {
        match storage::put_workspace(&database, &record, &identity.id).await {
            Ok(()) => {
                state
                    .saved_serial
                    .update_value(|saved| *saved = (*saved).max(revision));
                if state.edit_serial.get_value() == revision {
                    state.save_status.set(SaveStatus::Saved);
                }
                if storage::read_journal().is_some_and(|journal| {
                    journal.workspace_id == identity.id && journal.revision <= revision
                }) {
                    storage::remove_journal();
                }
                broadcast_saved(&summary);
            }
            Err(error) => state.save_status.set(SaveStatus::Failed(format!(
                "Your last change could not be saved ({error}). It is still here in this tab: download it or free some disk space."
            ))),
        }
    });
}

/// Opens files as a new workspace beside the saved ones, and saves it at once.
pub fn open_as_new_workspace(state: AppState, name: String, files: Vec<InputFile>) {
    save_now(state);
    let identity = WorkspaceIdentity {
        id: new_id("ws"),
        name,
    };
    storage::write_tab_workspace(&identity.id);
    state.workspace.set(identity);
    state.conflict.set_value(false);
    state.tab_note.set(None);
    show_files(state, files);
    state.mark_edited();
    state.reanalyze();
}

/// Shows another saved workspace; this one is saved first.
pub fn switch_to(state: AppState, id: String) {
    if id == state.workspace.get_untracked().id {
        return;
    }
    save_now(state);
    let Some(database) = DATABASE.with(|cell| cell.borrow().clone()) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let loaded = storage::load_workspaces(&database).await;
        let workspace = match loaded {
            Ok((workspaces, _)) => workspaces.into_iter().find(|w| w.id == id),
            Err(error) => {
                state.save_status.set(SaveStatus::Failed(format!(
                    "That workspace cannot be read: {error}"
                )));
                None
            }
        };
        let Some(workspace) = workspace else {
            return;
        };
        install_workspace(
            state,
            WorkspaceIdentity {
                id: workspace.id,
                name: workspace.name,
            },
            workspace.files,
            workspace.revision,
        );
    });
}

/// Shows a workspace held in memory ("Undo load" brings back the one a sample
/// replaced, saved or not); the shown one is saved first.
pub fn show_workspace(
    state: AppState,
    identity: WorkspaceIdentity,
    files: Vec<InputFile>,
    revision: u64,
) {
    save_now(state);
    install_workspace(state, identity, files, revision);
}

/// Makes `files` at `revision` the shown workspace; a revision of 0 was never
/// saved (the untouched demo), and stays unsaved until edited.
fn install_workspace(
    state: AppState,
    identity: WorkspaceIdentity,
    files: Vec<InputFile>,
    revision: u64,
) {
    storage::write_tab_workspace(&identity.id);
    state.workspace.set(identity);
    state.conflict.set_value(false);
    state.tab_note.set(None);
    state.edit_serial.set_value(revision);
    state.saved_serial.set_value(revision);
    state.loaded_serial.set_value(revision);
    state.save_status.set(if revision == 0 {
        SaveStatus::Unchanged
    } else {
        SaveStatus::Saved
    });
    crash::remember_files(&files);
    show_files(state, files);
    state.reanalyze();
}

/// Puts files into the editor, as a whole new set of buffers: a new input, which
/// keeps nothing of the old one's policy room (§13.1), namespace filter or search.
fn show_files(state: AppState, files: Vec<InputFile>) {
    state.forget_input_choices();
    state.files.set(files);
    state.active_file.set(0);
    state.selection.set(None);
    state.closed_file.set(None);
    super::editor::refresh_editor_text(state);
}

pub fn new_id(prefix: &str) -> String {
    let random = (js_sys::Math::random() * 1e12) as u64;
    format!("{prefix}-{}-{random:x}", js_sys::Date::now() as u64)
}

fn summarize(workspace: &Workspace) -> WorkspaceSummary {
    WorkspaceSummary {
        id: workspace.id.clone(),
        name: workspace.name.clone(),
        n_files: workspace.files.len(),
        n_bytes: workspace.files.iter().map(|f| f.text.len()).sum(),
        updated_ms: workspace.updated_ms,
    }
}

fn upsert_summary(state: AppState, summary: WorkspaceSummary) {
    state.workspaces.update(
        |summaries| match summaries.iter_mut().find(|s| s.id == summary.id) {
            Some(existing) => *existing = summary,
            None => summaries.push(summary),
        },
    );
}

/// What a tab announces after each save.
#[derive(Serialize, Deserialize)]
struct SavedMessage {
    tab: String,
    summary: WorkspaceSummary,
}

fn broadcast_saved(summary: &WorkspaceSummary) {
    let message = SavedMessage {
        tab: TAB_ID.with(|tab| tab.borrow().clone()),
        summary: summary.clone(),
    };
    let Ok(text) = serde_json::to_string(&message) else {
        return;
    };
    CHANNEL.with(|cell| {
        if let Some(channel) = cell.borrow().as_ref() {
            let _ = channel.post_message(&wasm_bindgen::JsValue::from_str(&text));
        }
    });
}

/// Another tab saved a workspace. If it is the one shown here, this tab's version
/// must not overwrite it: edits made here become a separate copy.
fn on_other_tab_saved(state: AppState, message: SavedMessage) {
    let shown = state.workspace.get_untracked();
    let same_workspace = message.summary.id == shown.id;
    upsert_summary(state, message.summary);
    if !same_workspace {
        return;
    }
    if state.edit_serial.get_value() > state.loaded_serial.get_value() {
        // Both tabs changed it: keep this tab's version now, under a new name.
        fork_workspace(state);
        save_now(state);
    } else {
        state.conflict.set_value(true);
        state.tab_note.set(Some(format!(
            "Another tab just saved \"{}\". If you edit here, this tab's version is kept as a separate workspace, so neither is lost.",
            shown.name
        )));
    }
}

/// Gives the shown buffers a new workspace id, leaving the old record to the other tab.
fn fork_workspace(state: AppState) {
    let old = state.workspace.get_untracked();
    let copy = WorkspaceIdentity {
        id: new_id("ws"),
        name: format!("{} (copy from another tab)", old.name),
    };
    state.tab_note.set(Some(format!(
        "Another tab also saved \"{}\". This tab's version is kept as \"{}\"; the other tab's version is one click away in the workspace menu.",
        old.name, copy.name
    )));
    storage::write_tab_workspace(&copy.id);
    state.workspace.set(copy);
    state.conflict.set_value(false);
    // Both versions must be written: the fork is new, so it is unsaved in full.
    state.saved_serial.set_value(0);
    state.loaded_serial.set_value(0);
    if state.edit_serial.get_value() == 0 {
        state.edit_serial.set_value(1);
    }
}

/// Moves the buffers of the first versions' localStorage key into a workspace.
async fn migrate_legacy_files(
    database: &IdbDatabase,
    workspaces: &mut Vec<Workspace>,
    save_status: &mut SaveStatus,
) {
    let Some(files) = storage::read_legacy_files() else {
        return;
    };
    let workspace = Workspace {
        id: new_id("ws"),
        name: "Saved work".into(),
        files,
        revision: 1,
        updated_ms: js_sys::Date::now(),
    };
    let Ok(json) = serde_json::to_string(&workspace) else {
        return;
    };
    match storage::put_workspace(
        database,
        &wasm_bindgen::JsValue::from_str(&json),
        &workspace.id,
    )
    .await
    {
        Ok(()) => {
            // Removed only once the copy is safe in IndexedDB.
            storage::remove_legacy_files();
            workspaces.push(workspace);
        }
        Err(error) => {
            *save_status = SaveStatus::Failed(format!(
                "Your earlier work could not be moved to the new store ({error}); it is shown but kept where it was."
            ));
            workspaces.push(workspace);
        }
    }
}

/// Applies typing that was journaled while the page closed but not yet saved.
async fn replay_journal(
    database: &IdbDatabase,
    workspaces: &mut Vec<Workspace>,
    save_status: &mut SaveStatus,
) {
    let Some(journal) = storage::read_journal() else {
        return;
    };
    let position = workspaces.iter().position(|w| w.id == journal.workspace_id);
    let workspace = match position {
        Some(index) if workspaces[index].revision >= journal.revision => {
            storage::remove_journal();
            return;
        }
        Some(index) => &mut workspaces[index],
        None => {
            workspaces.push(Workspace {
                id: journal.workspace_id.clone(),
                name: journal.workspace_name.clone(),
                files: Vec::new(),
                revision: 0,
                updated_ms: 0.0,
            });
            workspaces.last_mut().expect("just pushed")
        }
    };
    match workspace.files.get_mut(journal.file_index) {
        Some(file) if file.name == journal.file.name => file.text = journal.file.text,
        _ => workspace.files.push(journal.file),
    }
    workspace.revision = journal.revision;
    workspace.updated_ms = js_sys::Date::now();
    let Ok(json) = serde_json::to_string(&*workspace) else {
        return;
    };
    match storage::put_workspace(
        database,
        &wasm_bindgen::JsValue::from_str(&json),
        &workspace.id,
    )
    .await
    {
        Ok(()) => storage::remove_journal(),
        Err(error) => {
            *save_status = SaveStatus::Failed(format!(
                "Your last typing was recovered but cannot be saved ({error}); download it."
            ))
        }
    }
}

/// Removes `sample` and `manifests` from the address without reloading.
fn forget_link_in_address() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let query = location.search().unwrap_or_default();
    let kept: Vec<&str> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("sample=") && *p != "sample")
        .collect();
    let path = location.pathname().unwrap_or_else(|_| "/".into());
    let address = if kept.is_empty() {
        path
    } else {
        format!("{path}?{}", kept.join("&"))
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
}
