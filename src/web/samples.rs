//! The samples of the menu, `?sample=ID` and the first-visit demo. Their manifests
//! are copies of upstream files (see samples/SOURCES.md for their origin and
//! licence); trunk copies `samples/` into `dist/` beside the page (`index.html`) and
//! the app fetches a sample's files when it is asked for, so the 60 KB of YAML are
//! not compiled into the wasm. The URLs are relative to the page, so a site under a
//! sub-path serves them too, and the CSP's `connect-src 'self'` allows them.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::state::InputFile;
use super::storage::describe_js_error;

#[derive(Debug)]
pub struct Sample {
    pub id: &'static str,
    pub title: &'static str,
    /// The file names under `samples/`, in the order the editor shows them.
    pub files: &'static [&'static str],
}

pub const SAMPLES: &[Sample] = &[
    Sample {
        id: "boutique",
        title: "Online Boutique + NetworkPolicies",
        files: &["online-boutique.yaml", "online-boutique-netpol.yaml"],
    },
    Sample {
        id: "guestbook",
        title: "Guestbook",
        // The upstream guestbook and the one annotation that names the Redis
        // Services its frontend calls (§6.1).
        files: &["guestbook-declared-calls.yaml"],
    },
    Sample {
        id: "ingress-nginx",
        title: "ingress-nginx (cloud) with an Ingress",
        files: &["ingress-nginx-cloud.yaml", "ingress-nginx-app.yaml"],
    },
    Sample {
        id: "statefulset",
        title: "Headless StatefulSet",
        files: &["headless-statefulset.yaml"],
    },
    Sample {
        id: "gateway-canary",
        title: "Gateway API canary (90/10)",
        files: &["gateway-canary.yaml"],
    },
    Sample {
        id: "local-lb",
        title: "LoadBalancer with externalTrafficPolicy Local",
        files: &["local-loadbalancer.yaml"],
    },
];

/// The first-visit demo.
pub fn demo() -> &'static Sample {
    &SAMPLES[0]
}

/// The sample named `id` in a link or the menu.
pub fn find(id: &str) -> Option<&'static Sample> {
    SAMPLES.iter().find(|sample| sample.id == id)
}

/// Fetches the editor buffers of a sample from beside the page. The error names
/// the file and says why, in words meant for the user.
pub async fn fetch_files(sample: &Sample) -> Result<Vec<InputFile>, String> {
    let mut files = Vec::with_capacity(sample.files.len());
    for name in sample.files {
        let text = fetch_text(&format!("samples/{name}"))
            .await
            .map_err(|reason| {
                format!(
                    "The sample \"{}\" could not be loaded: samples/{name} {reason}.",
                    sample.title
                )
            })?;
        files.push(InputFile {
            name: name.to_string(),
            text,
        });
    }
    Ok(files)
}

async fn fetch_text(url: &str) -> Result<String, String> {
    let window = web_sys::window().ok_or("has no window to fetch it from")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|error| format!("could not be fetched ({})", describe_js_error(error)))?
        .unchecked_into::<web_sys::Response>();
    if !response.ok() {
        return Err(format!(
            "answered HTTP {} instead of the file",
            response.status()
        ));
    }
    let text = response
        .text()
        .map_err(describe_js_error)
        .map(JsFuture::from)?
        .await
        .map_err(|error| format!("could not be read ({})", describe_js_error(error)))?;
    text.as_string().ok_or_else(|| "is not text".to_string())
}
