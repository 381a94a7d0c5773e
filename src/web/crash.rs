//! The crash guard: the wasm can trap (an abort after a panic, an out-of-memory, an
//! `unreachable`), and after that no Rust runs. So the guard is JavaScript
//! (`public/crash-guard.js`, bundled by wasm-bindgen as a module snippet): it listens
//! for `error` and `unhandledrejection` on the window and shows the crash banner with
//! the user's last saved text, which Rust hands it after every save.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(module = "/public/crash-guard.js")]
extern "C" {
    #[wasm_bindgen(js_name = installCrashGuard)]
    pub fn install_crash_guard();
    #[wasm_bindgen(js_name = rememberFiles)]
    fn remember_files_json(files_json: &wasm_bindgen::JsValue);
    /// Makes the saved record of a workspace from its JSON without files
    /// (`head_json`) and its files' names and texts, one after the other, and
    /// hands the guard that record, the same object the database stores, so a save
    /// makes one copy of the text, not two. Nothing escapes the texts: at 37 MB,
    /// `serde_json` held a paste's task for half a second in the wasm (issue
    /// #12.9), and the browser's `JSON.stringify` 100 ms at 100,000 pods (#9).
    #[wasm_bindgen(js_name = rememberSavedRecord, catch)]
    pub fn remember_saved_record(
        head_json: &str,
        names_and_texts: &js_sys::Array,
    ) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>;
    /// The JSON of a saved record as the database gives it back: the object
    /// [`remember_saved_record`] made, or the JSON string earlier versions stored.
    #[wasm_bindgen(js_name = recordJson)]
    pub fn record_json(record: &wasm_bindgen::JsValue) -> String;
    #[wasm_bindgen(js_name = showCrashBanner)]
    pub fn show_crash_banner(message: &str);
    #[wasm_bindgen(js_name = hasCrashed)]
    pub fn has_crashed() -> bool;
}

/// Hands the guard a copy of the files, outside the wasm heap.
pub fn remember_files(files: &[super::state::InputFile]) {
    if let Ok(json) = serde_json::to_string(files) {
        remember_files_json(&wasm_bindgen::JsValue::from_str(&json));
    }
}
