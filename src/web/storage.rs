//! Persistence of workspaces. IndexedDB holds every workspace (its quota is a share
//! of the disk, not localStorage's 5 to 10 MB). localStorage keeps only a small
//! synchronous journal of the latest typing, written when the page is hidden or
//! unloaded, because an IndexedDB write started during `pagehide` may never finish.
//! Every failure comes back as an `Err` with words for the user: the caller shows it.

use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::state::InputFile;

/// A named set of editor buffers, saved as one record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub files: Vec<InputFile>,
    /// Counts edits; a journal entry applies only over an older revision.
    pub revision: u64,
    /// Milliseconds since the epoch, for "most recent" and the switcher.
    pub updated_ms: f64,
}

/// The latest typing in one file, written synchronously when the page goes away.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub workspace_id: String,
    pub workspace_name: String,
    pub revision: u64,
    pub file_index: usize,
    pub file: InputFile,
}

/// The key the first versions saved all buffers under, read once and migrated.
pub const LEGACY_FILES_KEY: &str = "kubetopo.files.v1";
const JOURNAL_KEY: &str = "kubetopo.journal.v1";
/// In sessionStorage: the workspace this browser tab shows, so a reload of the tab
/// comes back to it even when another tab saved more recently.
const TAB_WORKSPACE_KEY: &str = "kubetopo.tab-workspace.v1";
const DATABASE_NAME: &str = "kubetopo";
const DATABASE_VERSION: u32 = 1;
const WORKSPACE_STORE: &str = "workspaces";
/// The journal is a fallback for typing, not a second store: larger texts are only
/// saved to IndexedDB.
const JOURNAL_MAX_BYTES: usize = 1024 * 1024;

/// Opens (and on first use creates) the database.
pub async fn open_database() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(describe_js_error)?
        .ok_or("this browser offers no IndexedDB (private mode?)")?;
    let request = factory
        .open_with_u32(DATABASE_NAME, DATABASE_VERSION)
        .map_err(describe_js_error)?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(database) = event
            .target()
            .and_then(|t| t.dyn_into::<IdbRequest>().ok())
            .and_then(|r| r.result().ok())
            .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        else {
            return;
        };
        if !database.object_store_names().contains(WORKSPACE_STORE) {
            let _ = database.create_object_store(WORKSPACE_STORE);
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = request_result(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    result?.dyn_into::<IdbDatabase>().map_err(describe_js_error)
}

/// Every saved workspace. A record that cannot be read is skipped and named in the
/// second list, so one damaged record never hides the others.
pub async fn load_workspaces(
    database: &IdbDatabase,
) -> Result<(Vec<Workspace>, Vec<String>), String> {
    let transaction = database
        .transaction_with_str(WORKSPACE_STORE)
        .map_err(describe_js_error)?;
    let store = transaction
        .object_store(WORKSPACE_STORE)
        .map_err(describe_js_error)?;
    let request = store.get_all().map_err(describe_js_error)?;
    let values = request_result(&request).await?;
    let mut workspaces = Vec::new();
    let mut unreadable = Vec::new();
    for value in js_sys::Array::from(&values).iter() {
        let text = super::crash::record_json(&value);
        match serde_json::from_str::<Workspace>(&text) {
            Ok(workspace) => workspaces.push(workspace),
            Err(error) => unreadable.push(error.to_string()),
        }
    }
    Ok((workspaces, unreadable))
}

/// Writes one workspace and waits until the transaction commits, so a quota error
/// (which aborts the transaction) is reported instead of lost.
pub async fn put_workspace(database: &IdbDatabase, json: &JsValue, id: &str) -> Result<(), String> {
    let transaction = database
        .transaction_with_str_and_mode(WORKSPACE_STORE, IdbTransactionMode::Readwrite)
        .map_err(describe_js_error)?;
    let store = transaction
        .object_store(WORKSPACE_STORE)
        .map_err(describe_js_error)?;
    store
        .put_with_key(json, &JsValue::from_str(id))
        .map_err(describe_js_error)?;
    transaction_done(&transaction).await
}

/// The buffers the first versions kept in localStorage, if any.
pub fn read_legacy_files() -> Option<Vec<InputFile>> {
    let text = local_storage()?.get_item(LEGACY_FILES_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

pub fn remove_legacy_files() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(LEGACY_FILES_KEY);
    }
}

/// Writes the journal synchronously. Returns whether it was written, so the caller
/// can tell the user when even this fallback failed.
pub fn write_journal(journal: &Journal) -> bool {
    if journal.file.text.len() > JOURNAL_MAX_BYTES {
        return false;
    }
    let Some(storage) = local_storage() else {
        return false;
    };
    let Ok(text) = serde_json::to_string(journal) else {
        return false;
    };
    storage.set_item(JOURNAL_KEY, &text).is_ok()
}

pub fn read_journal() -> Option<Journal> {
    let text = local_storage()?.get_item(JOURNAL_KEY).ok()??;
    serde_json::from_str(&text).ok()
}

pub fn remove_journal() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(JOURNAL_KEY);
    }
}

pub fn read_tab_workspace() -> Option<String> {
    session_storage()?.get_item(TAB_WORKSPACE_KEY).ok()?
}

pub fn write_tab_workspace(id: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(TAB_WORKSPACE_KEY, id);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Resolves with the request's result, or fails with its error's name and message.
async fn request_result(request: &IdbRequest) -> Result<JsValue, String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let succeeded = request.clone();
        let on_success = super::worker::once_js(move || {
            let _ = resolve.call1(
                &JsValue::NULL,
                &succeeded.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let failed = request.clone();
        let on_error = super::worker::once_js(move || {
            let message = failed
                .error()
                .ok()
                .flatten()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .unwrap_or_else(|| "unknown IndexedDB error".into());
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&message));
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(describe_js_error)
}

/// Resolves when the transaction commits; fails when it aborts or errs.
async fn transaction_done(transaction: &IdbTransaction) -> Result<(), String> {
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        let on_complete = super::worker::once_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = transaction.clone();
        let reject_abort = reject.clone();
        let describe = move || {
            failed
                .error()
                .map(|e| format!("{}: {}", e.name(), e.message()))
                .unwrap_or_else(|| "the save was aborted".into())
        };
        let describe_abort = describe.clone();
        let on_abort = super::worker::once_js(move || {
            let _ = reject_abort.call1(&JsValue::NULL, &JsValue::from_str(&describe_abort()));
        });
        let on_error = super::worker::once_js(move || {
            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str(&describe()));
        });
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
        transaction.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(describe_js_error)
}

/// A thrown JavaScript value in words: a DOMException's name and message, or a string.
pub fn describe_js_error(value: JsValue) -> String {
    if let Some(text) = value.as_string() {
        return text;
    }
    if let Some(exception) = value.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", exception.name(), exception.message());
    }
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", error.name(), error.message());
    }
    format!("{value:?}")
}
