//! Loading a sample from the menu: its files are fetched from beside the page and
//! open as a new workspace (`workspaces::open_as_new_workspace`), which clears the
//! what-if edits, the trace and the counters. A fetch that fails is shown, and the
//! shown workspace stays as it is.

use leptos::prelude::*;

use super::samples;
use super::state::AppState;
use super::workspaces;

/// The menu's loads, handed out through context: a sample that could not be fetched.
#[derive(Clone, Copy)]
pub struct Loads {
    pub error: RwSignal<Option<String>>,
}

pub fn provide_loads() -> Loads {
    let loads = Loads {
        error: RwSignal::new(None),
    };
    provide_context(loads);
    loads
}

/// Fetches the sample `id` and opens it as a new workspace.
pub fn load_sample(state: AppState, loads: Loads, id: String) {
    let Some(sample) = samples::find(&id) else {
        return;
    };
    loads.error.set(None);
    wasm_bindgen_futures::spawn_local(async move {
        match samples::fetch_files(sample).await {
            Ok(files) => {
                workspaces::open_as_new_workspace(state, format!("Sample: {}", sample.title), files)
            }
            Err(reason) => loads.error.set(Some(reason)),
        }
    });
}

/// The notice of a sample that could not be fetched.
#[component]
pub fn LoadNotices() -> impl IntoView {
    let loads = expect_context::<Loads>();
    move || {
        loads.error.get().map(|reason| {
            view! {
                <div class="notice-bar error" role="alert" data-testid="sample-error">
                    <span>{reason}</span>
                    <button type="button" class="small" on:click=move |_| loads.error.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}
