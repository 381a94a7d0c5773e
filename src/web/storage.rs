//! Persistence of the editor buffers in localStorage, so a reload restores them.

use super::state::InputFile;

const KEY: &str = "kubetopo.files.v1";

thread_local! {
    /// Embedded copies (`?embed`) neither read nor write the user's saved input.
    static ENABLED: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

pub fn set_enabled(enabled: bool) {
    ENABLED.with(|cell| cell.set(enabled));
}

pub fn load_files() -> Option<Vec<InputFile>> {
    let storage = web_sys::window()?.local_storage().ok()??;
    let text = storage.get_item(KEY).ok()??;
    serde_json::from_str(&text).ok()
}

/// Best effort: a full quota only means the input is not remembered.
pub fn save_files(files: &[InputFile]) {
    if !ENABLED.with(std::cell::Cell::get) {
        return;
    }
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    if let Ok(text) = serde_json::to_string(files) {
        let _ = storage.set_item(KEY, &text);
    }
}
