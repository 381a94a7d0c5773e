//! Launch options read from the page address: `?embed`, `?sample=ID`, `?view=`,
//! `?traffic=` and `#manifests=BASE64`. Reading them never falls back to the demo
//! in silence: a link that cannot be read becomes an error the app shows to the
//! user.

use super::samples;
use super::state::InputFile;
use crate::launch_options::{parse_display_options, DisplayOptions};

/// How the page was opened. Documentation embeds kubetopo in an iframe with
/// `?embed` (no editor pane, nothing remembered) and picks the input with
/// `?sample=ID` or `#manifests=BASE64` (never fetched: it is in the URL).
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
        match samples::SAMPLES.iter().find(|s| s.id == id) {
            Some(sample) => {
                launch.linked = Some(LinkedInput {
                    workspace_name: format!("Sample: {}", sample.title),
                    files: samples::sample_files(sample),
                })
            }
            None => {
                let known: Vec<&str> = samples::SAMPLES.iter().map(|s| s.id).collect();
                launch.error = Some(format!(
                    "This link asks for the sample \"{id}\", which does not exist. Known samples: {}.",
                    known.join(", ")
                ));
            }
        }
    }
    if let Some(encoded) = hash.trim_start_matches('#').strip_prefix("manifests=") {
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
    let bytes = decode_base64(&unescaped)?;
    String::from_utf8(bytes).map_err(|error| {
        format!(
            "the decoded bytes are not UTF-8 text (byte {} is invalid)",
            error.utf8_error().valid_up_to()
        )
    })
}

/// Standard and URL-safe base64, padding optional, whitespace ignored.
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let mut sextets = Vec::with_capacity(text.len());
    let mut padding_seen = 0usize;
    for (position, ch) in text.chars().enumerate() {
        let value = match ch {
            'A'..='Z' => ch as u32 - 'A' as u32,
            'a'..='z' => ch as u32 - 'a' as u32 + 26,
            '0'..='9' => ch as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => {
                padding_seen += 1;
                continue;
            }
            ' ' | '\n' | '\r' | '\t' => continue,
            other => {
                return Err(format!(
                    "it is not base64 (character {:?} at position {})",
                    other,
                    position + 1
                ))
            }
        };
        if padding_seen > 0 {
            return Err("it is not base64 (text after the = padding)".into());
        }
        sextets.push(value as u8);
    }
    if sextets.is_empty() {
        return Err("it is empty".into());
    }
    if sextets.len() % 4 == 1 || padding_seen > 2 {
        return Err("it is not base64 (its length is wrong: was it cut short?)".into());
    }
    let mut bytes = Vec::with_capacity(sextets.len() * 3 / 4);
    for chunk in sextets.chunks(4) {
        let mut buffer = 0u32;
        for (index, sextet) in chunk.iter().enumerate() {
            buffer |= u32::from(*sextet) << (18 - 6 * index);
        }
        let n_bytes = chunk.len() * 6 / 8;
        for index in 0..n_bytes {
            bytes.push((buffer >> (16 - 8 * index)) as u8);
        }
    }
    Ok(bytes)
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
