//! Launch options read from the page address: `?embed`, `?sample=ID`, `?view=`,
//! `?traffic=`, `#share=1.…` (a shared view, §12) and `#manifests=BASE64`. Reading
//! them never falls back to the demo in silence: a link that cannot be read becomes
//! an error the app shows to the user.

use super::samples;
use super::state::InputFile;
use crate::engine::share::{self, ShareError, SharedView};
use crate::launch_options::{parse_display_options, DisplayOptions};

/// How the page was opened. Documentation embeds kubetopo in an iframe with
/// `?embed` (no editor pane, nothing remembered) and picks the input with
/// `?sample=ID` (fetched from beside the page) or `#manifests=BASE64` (in the URL).
#[derive(Clone, Debug, Default)]
pub struct Launch {
    pub embed: bool,
    /// The view and traffic the link asks for (`?view=`, `?traffic=`).
    pub display: DisplayOptions,
    /// What the link asks to show, and a name for the workspace that holds it.
    pub linked: Option<LinkedInput>,
    /// Why the link's input could not be shown, in words meant for the user.
    pub error: Option<String>,
    /// The `?view=` or `?traffic=` values the app does not know, in words meant
    /// for the user.
    pub option_error: Option<String>,
    /// A share link's compressed payload, until [`open_share`] inflates it.
    pub share_payload: Option<Vec<u8>>,
    /// The view a share link restores.
    pub shared_view: Option<SharedView>,
    /// A `?sample=` link's sample, until [`open_sample`] fetches its files.
    pub sample: Option<&'static samples::Sample>,
}

#[derive(Clone, Debug)]
pub struct LinkedInput {
    pub workspace_name: String,
    pub files: Vec<InputFile>,
}

/// Reads the launch options from `window.location`.
pub fn read_launch() -> Launch {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return Launch::default();
    };
    let query = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    parse_launch(&query, &hash)
}

/// Parses the query string (with or without its `?`) and the fragment (with or
/// without its `#`). Pure, so every malformed link has a predictable answer.
pub fn parse_launch(query: &str, hash: &str) -> Launch {
    let params: Vec<(String, String)> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode_lossy(k), percent_decode_lossy(v))
        })
        .collect();
    let embed = params
        .iter()
        .filter(|(k, _)| k == "embed")
        .any(|(_, v)| embed_value_turns_on(v));
    let (display, option_errors) =
        parse_display_options(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let mut launch = Launch {
        embed,
        display,
        ..Launch::default()
    };
    if let Some((_, id)) = params.iter().find(|(k, _)| k == "sample") {
        match samples::find(id) {
            Some(sample) => launch.sample = Some(sample),
            None => {
                let known: Vec<&str> = samples::SAMPLES.iter().map(|s| s.id).collect();
                launch.error = Some(format!(
                    "This link asks for the sample \"{id}\", which does not exist. Known samples: {}.",
                    known.join(", ")
                ));
            }
        }
    }
    let fragment = hash.trim_start_matches('#');
    if let Some(payload) = share::parse_share_fragment(fragment) {
        launch.linked = None;
        launch.sample = None;
        match payload {
            Ok(payload) => launch.share_payload = Some(payload),
            Err(error) => launch.error = Some(share_error_message(&error)),
        }
    } else if let Some(encoded) = fragment.strip_prefix("manifests=") {
        launch.sample = None;
        match decode_manifests(encoded) {
            Ok(text) => {
                launch.linked = Some(LinkedInput {
                    workspace_name: "Shared link".into(),
                    files: vec![InputFile {
                        name: "embedded.yaml".into(),
                        text,
                    }],
                })
            }
            Err(reason) => {
                launch.linked = None;
                launch.error = Some(format!(
                    "The manifests in this link (#manifests=…) cannot be read: {reason}. Ask whoever shared it for a new link."
                ));
            }
        }
    }
    if !option_errors.is_empty() {
        let messages: Vec<String> = option_errors.iter().map(ToString::to_string).collect();
        launch.option_error = Some(messages.join(" "));
    }
    launch
}

impl Launch {
    /// Everything the user must be told about the link: why its input cannot be
    /// shown, then the display options it gets wrong (those keep their defaults,
    /// and the input still shows).
    pub fn message(&self) -> Option<String> {
        let messages: Vec<&str> = self
            .error
            .iter()
            .chain(self.option_error.iter())
            .map(String::as_str)
            .collect();
        (!messages.is_empty()).then(|| messages.join(" "))
    }
}

/// Fetches a `?sample=` link's files (they are served beside the page): the sample
/// becomes the linked input, or the launch gets the reason it cannot be shown, and
/// the saved work is shown instead.
pub async fn open_sample(launch: &mut Launch) {
    let Some(sample) = launch.sample.take() else {
        return;
    };
    match samples::fetch_files(sample).await {
        Ok(files) => {
            launch.linked = Some(LinkedInput {
                workspace_name: format!("Sample: {}", sample.title),
                files,
            })
        }
        Err(reason) => launch.error = Some(reason),
    }
}

/// Inflates and reads a share link's payload (the browser decompresses, so this
/// is asynchronous): the link's files become the linked input and its view the
/// view to restore, or the launch gets the reason it cannot be read.
pub async fn open_share(launch: &mut Launch) {
    let Some(payload) = launch.share_payload.take() else {
        return;
    };
    let opened = super::share::inflate(&payload)
        .await
        .and_then(|json| share::SharedState::from_json(&json));
    match opened {
        Ok(state) => {
            launch.linked = Some(LinkedInput {
                workspace_name: "Shared view".into(),
                files: state
                    .files
                    .into_iter()
                    .map(|file| InputFile {
                        name: file.name,
                        text: file.text,
                    })
                    .collect(),
            });
            launch.shared_view = Some(state.view);
        }
        Err(error) => launch.error = Some(share_error_message(&error)),
    }
}

fn share_error_message(error: &ShareError) -> String {
    format!(
        "This shared link (#share=…) cannot be opened: {error}. Ask whoever shared it for a new link."
    )
}

/// `?embed`, `?embed=1`, `?embed=true` turn embedding on; `0`, `false`, `no` and
/// `off` (in any case) leave it off, so a link can say so explicitly.
fn embed_value_turns_on(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "0" | "false" | "no" | "off"
    )
}

/// Decodes the `#manifests=` payload: percent-decoding first (links copied through
/// chat tools often arrive with `%3D` padding), then standard or URL-safe base64
/// with optional padding, then UTF-8.
pub fn decode_manifests(encoded: &str) -> Result<String, String> {
    let unescaped =
        percent_decode(encoded).ok_or_else(|| "it contains a broken percent escape".to_string())?;
    let bytes = share::decode_base64(&unescaped).map_err(|error| error.to_string())?;
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "the decoded bytes are not UTF-8 text (byte {} is invalid)",
            error.utf8_error().valid_up_to()
        )
    })
}

/// `%XX` escapes to bytes, then UTF-8; `None` when an escape is broken.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// Query values: a broken escape is kept as typed rather than dropped.
fn percent_decode_lossy(text: &str) -> String {
    percent_decode(&text.replace('+', " ")).unwrap_or_else(|| text.to_string())
}
