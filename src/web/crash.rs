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

/// Hands the guard the saved workspace record (JSON with its `files`), the same
/// string the database gets, so a save makes one copy of the text, not two.
pub fn remember_saved(workspace_json: &wasm_bindgen::JsValue) {
    remember_files_json(workspace_json);
}
