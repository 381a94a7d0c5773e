//! Loading a sample from the menu: its files are fetched from beside the page and
//! open as a new workspace (`workspaces::open_as_new_workspace`), which clears the
//! what-if edits, the trace and the counters. The workspace shown before stays
//! saved and one click away, and "Undo load" brings it back in one step.

use leptos::prelude::*;

use super::samples;
use super::state::{AppState, InputFile};
use super::workspaces::{self, WorkspaceIdentity};

/// The menu's loads, handed out through context: a sample that could not be
/// fetched, and the workspace "Undo load" brings back.
#[derive(Clone, Copy)]
pub struct Loads {
    pub error: RwSignal<Option<String>>,
    pub undo: RwSignal<Option<Replaced>>,
}

/// The workspace a load replaced, as it was: its buffers and how far it was saved.
#[derive(Clone, Debug, PartialEq)]
pub struct Replaced {
    /// The name of the workspace loaded over it, for the notice.
    pub loaded_name: String,
    /// The workspace the load opened: the notice goes once another one is shown.
    pub loaded_id: String,
    pub identity: WorkspaceIdentity,
    pub files: Vec<InputFile>,
    pub revision: u64,
}

pub fn provide_loads() -> Loads {
    let loads = Loads {
        error: RwSignal::new(None),
        undo: RwSignal::new(None),
    };
    provide_context(loads);
    loads
}

/// Fetches the sample `id` and opens it as a new workspace. A failed fetch is
/// shown, and the shown workspace stays as it is.
pub fn load_sample(state: AppState, loads: Loads, id: String) {
    let Some(sample) = samples::find(&id) else {
        return;
    };
    loads.error.set(None);
    wasm_bindgen_futures::spawn_local(async move {
        match samples::fetch_files(sample).await {
            Ok(files) => {
                let replaced = Replaced {
                    loaded_id: String::new(),
                    loaded_name: String::new(),
                    identity: state.workspace.get_untracked(),
                    files: state.files.get_untracked(),
                    revision: state.edit_serial.get_value(),
                };
                workspaces::open_as_new_workspace(
                    state,
                    format!("Sample: {}", sample.title),
                    files,
                );
                let loaded = state.workspace.get_untracked();
                loads.undo.set(Some(Replaced {
                    loaded_name: loaded.name,
                    loaded_id: loaded.id,
                    ..replaced
                }));
            }
            Err(reason) => loads.error.set(Some(reason)),
        }
    });
}

/// Puts back the workspace the last load replaced. The loaded sample stays in the
/// workspace menu; "Undo load" works once.
pub fn undo_load(state: AppState, loads: Loads) {
    let Some(replaced) = loads.undo.get_untracked() else {
        return;
    };
    loads.undo.set(None);
    workspaces::show_workspace(state, replaced.identity, replaced.files, replaced.revision);
}

/// The notices of the menu's loads: a fetch that failed, and "Undo load".
#[component]
pub fn LoadNotices() -> impl IntoView {
    let state = expect_context::<AppState>();
    let loads = expect_context::<Loads>();
    // Another workspace shown (the switcher, another load): the notice is stale.
    Effect::new(move |_| {
        let shown = state.workspace.get().id;
        if loads
            .undo
            .with_untracked(|undo| undo.as_ref().is_some_and(|r| r.loaded_id != shown))
        {
            loads.undo.set(None);
        }
    });
    let error = move || {
        loads.error.get().map(|reason| {
            view! {
                <div class="notice-bar error" role="alert" data-testid="sample-error">
                    <span>{reason}</span>
                    <button type="button" class="small" on:click=move |_| loads.error.set(None)>"Dismiss"</button>
                </div>
            }
        })
    };
    let undo = move || {
        loads.undo.get().map(|replaced| {
            view! {
                <div class="notice-bar info" role="status" data-testid="undo-load-toast">
                    <span>{format!("Opened \"{}\" as a new workspace; \"{}\" is kept.", replaced.loaded_name, replaced.identity.name)}</span>
                    <button type="button" class="small" data-testid="undo-load" on:click=move |_| undo_load(state, loads)>"Undo load"</button>
                    <button type="button" class="small" on:click=move |_| loads.undo.set(None)>"Dismiss"</button>
                </div>
            }
        })
    };
    view! { {error}{undo} }
}
