//! Share links: a whole view of kubetopo (the manifests, what the graph shows and
//! the what-if edits) carried in the fragment of a URL (§12).
//!
//! A link's fragment is `#share=1.<payload>`: `1` is the format version, and the
//! payload is the [`SharedState`] as compact JSON, compressed with raw DEFLATE
//! (RFC 1951) and written in unpadded base64url (RFC 4648 §5). The fragment never
//! reaches a server, so nothing leaves the browser.
//!
//! This module owns everything but the compression: the state and its JSON
//! ([`SharedState::to_json`], [`SharedState::from_json`]) and the fragment around
//! the compressed bytes ([`share_fragment`], [`parse_share_fragment`]). The web app
//! compresses with the browser's own `CompressionStream("deflate-raw")`, which adds
//! nothing to the wasm; a DEFLATE crate compiled in (miniz_oxide 0.8, compress and
//! inflate) would add about 39 KB to the wasm, 14 KB after brotli (`docs/share-links.md`
//! gives the measurement). The native tests compress with miniz_oxide, a standard
//! raw-DEFLATE implementation, to check the whole link.
//!
//! ```
//! use kubetopo::engine::share::{parse_share_fragment, share_fragment, SharedFile, SharedState};
//! let state = SharedState::with_files(vec![SharedFile { name: "web.yaml".into(), text: "kind: Service\n".into() }]);
//! let json = state.to_json().unwrap();
//! // The browser compresses `json` here; identity stands in for it in this example.
//! let fragment = share_fragment(&json);
//! assert!(fragment.starts_with("share=1."));
//! let compressed = parse_share_fragment(&format!("#{fragment}")).unwrap().unwrap();
//! assert_eq!(SharedState::from_json(&compressed).unwrap(), state);
//! ```

use crate::engine::sort::CollectCompact;
use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::gateway::model::RouteKind;
use super::model::{ServiceType, SessionAffinity, TrafficDistribution, TrafficPolicy};
use super::refs::NamespacedName;
use super::scene::View;
use super::whatif::Mutation;

/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The fragment key of a share link: `#share=<version>.<payload>`.
pub const FRAGMENT_KEY: &str = "share";

/// A link for Online Boutique and its NetworkPolicies fits in this many bytes (§12).
pub const TARGET_LINK_BYTES: usize = 8 * 1024;

/// Above this many bytes the app offers the manifests as a download instead of a
/// link: chat tools, mail clients and some browsers cut longer URLs (§12).
pub const MAX_LINK_BYTES: usize = 64 * 1024;

/// The most decompressed bytes a link may hold: the input size limit of §10.4. A
/// few kilobytes of DEFLATE can expand a thousandfold, so the web app stops
/// inflating here instead of trusting the link.
pub const MAX_JSON_BYTES: usize = 50 * 1024 * 1024;

/// The graph's zoom limits; a link's zoom is clamped to them.
pub const MIN_ZOOM: f64 = 0.05;
pub const MAX_ZOOM: f64 = 4.0;

/// Everything a share link restores.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedState {
    /// The editor buffers, in tab order.
    pub files: Vec<SharedFile>,
    /// What the app showed.
    pub view: SharedView,
}

/// One editor buffer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    pub name: String,
    pub text: String,
}

/// The view state of the app when the link was made.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SharedView {
    /// The graph or the table.
    pub tab: SharedTab,
    /// The cluster or the logical picture.
    pub picture: View,
    /// The selected scene id (`svc:default/frontend`, …), as the scene names it.
    pub selection: Option<String>,
    /// The namespace filter: only these namespaces, or all when empty.
    pub namespaces: BTreeSet<String>,
    /// Object kinds hidden by the graph's toggles (`pod`, `dependency`, …).
    pub hidden_kinds: BTreeSet<String>,
    /// The name search and the label query, as typed.
    pub search: String,
    pub query: String,
    /// Zoom and pan; `None` fits the picture to the screen.
    pub viewport: Option<SharedViewport>,
    /// The what-if edits, in the order they were applied.
    pub edits: Vec<Mutation>,
    pub traffic: SharedTraffic,
}

/// Which tab the main area shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SharedTab {
    #[default]
    Graph,
    Table,
}

/// Whether the traffic animation runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SharedTraffic {
    #[default]
    Running,
    Paused,
}

/// Zoom and pan, independent of the window size: the scene point at the centre of
/// the graph area and the zoom factor. Integers, so that a link reads back exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SharedViewport {
    /// The scene point at the centre of the graph area, in hundredths of a scene unit.
    pub x: i64,
    pub y: i64,
    /// The zoom factor in ten-thousandths: 10,000 is 100 %.
    pub zoom: u32,
}

impl SharedViewport {
    /// The viewport centred on scene point (`x`, `y`) at zoom factor `zoom`.
    pub fn from_scene(x: f64, y: f64, zoom: f64) -> SharedViewport {
        // `as` saturates and maps NaN to 0, so any float gives a valid viewport.
        SharedViewport {
            x: (x * 100.0).round() as i64,
            y: (y * 100.0).round() as i64,
            zoom: (zoom.clamp(MIN_ZOOM, MAX_ZOOM) * 10_000.0).round() as u32,
        }
    }

    /// The scene point at the centre of the graph area.
    pub fn center(&self) -> (f64, f64) {
        (self.x as f64 / 100.0, self.y as f64 / 100.0)
    }

    /// The zoom factor, within the graph's limits.
    pub fn scale(&self) -> f64 {
        (f64::from(self.zoom) / 10_000.0).clamp(MIN_ZOOM, MAX_ZOOM)
    }
}

impl SharedState {
    /// The files alone, with the default view (the cluster picture, fitted, traffic running).
    pub fn with_files(files: Vec<SharedFile>) -> SharedState {
        SharedState {
            files,
            view: SharedView::default(),
        }
    }

    /// The state as compact JSON, the bytes a link compresses. Fails only for an
    /// edit that cannot travel in a link (a whole added NetworkPolicy).
    pub fn to_json(&self) -> Result<Vec<u8>, ShareError> {
        let wire = WireState::from_state(self)?;
        serde_json::to_vec(&wire)
            .map_err(|error| ShareError::new(ErrorKind::Unshareable(error.to_string())))
    }

    /// Reads the decompressed payload of a link.
    pub fn from_json(json: &[u8]) -> Result<SharedState, ShareError> {
        if json.len() > MAX_JSON_BYTES {
            return Err(ShareError::new(ErrorKind::TooLarge));
        }
        let text = std::str::from_utf8(json).map_err(|error| {
            ShareError::new(ErrorKind::NotUtf8 {
                offset: error.valid_up_to(),
            })
        })?;
        let wire: WireState = serde_json::from_str(text)
            .map_err(|error| ShareError::new(ErrorKind::BadState(error.to_string())))?;
        let state = wire
            .into_state()
            .map_err(|reason| ShareError::new(ErrorKind::BadState(reason)))?;
        if state.files.is_empty() {
            return Err(ShareError::new(ErrorKind::NoFiles));
        }
        Ok(state)
    }
}

// The JSON is read into plain strings, numbers and lists, and turned into the typed
// state by hand. Deriving `Deserialize` for `Mutation` and the enums instead costs
// about 70 KB of wasm before optimisation (serde's visitors for 18 variants), more
// than the whole budget left; these few matches cost a fraction of that.

#[derive(Serialize, Deserialize)]
struct WireState {
    files: Vec<SharedFile>,
    #[serde(default)]
    view: WireView,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct WireView {
    tab: String,
    picture: String,
    selection: Option<String>,
    namespaces: Vec<String>,
    hidden_kinds: Vec<String>,
    search: String,
    query: String,
    viewport: Option<WireViewport>,
    edits: Vec<WireEdit>,
    traffic: String,
}

#[derive(Serialize, Deserialize)]
struct WireViewport {
    x: i64,
    y: i64,
    zoom: i64,
}

/// One `whatif::Mutation`: its variant's name and its fields. `value` holds the
/// Service type, traffic policy, session affinity or traffic distribution.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct WireEdit {
    op: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    /// The Gateway API edits: a Route's rule and backend positions, the new
    /// weight, and the Gateway (`namespace/name`) a Route is detached from.
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    backend: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    weight: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    gateway: Option<String>,
}

impl WireState {
    fn from_state(state: &SharedState) -> Result<WireState, ShareError> {
        let view = &state.view;
        Ok(WireState {
            files: state.files.clone(),
            view: WireView {
                tab: match view.tab {
                    SharedTab::Graph => "graph",
                    SharedTab::Table => "table",
                }
                .into(),
                picture: match view.picture {
                    View::Cluster => "cluster",
                    View::Logical => "logical",
                }
                .into(),
                selection: view.selection.clone(),
                namespaces: view.namespaces.iter().cloned().collect(),
                hidden_kinds: view.hidden_kinds.iter().cloned().collect(),
                search: view.search.clone(),
                query: view.query.clone(),
                viewport: view.viewport.map(|viewport| WireViewport {
                    x: viewport.x,
                    y: viewport.y,
                    zoom: i64::from(viewport.zoom),
                }),
                edits: view
                    .edits
                    .iter()
                    .map(WireEdit::from_mutation)
                    .collect::<Result<_, _>>()?,
                traffic: match view.traffic {
                    SharedTraffic::Running => "running",
                    SharedTraffic::Paused => "paused",
                }
                .into(),
            },
        })
    }

    fn into_state(self) -> Result<SharedState, String> {
        let view = self.view;
        let choice = |field: &str, text: &str, choices: &[&str]| -> Result<usize, String> {
            if text.is_empty() {
                return Ok(0);
            }
            choices
                .iter()
                .position(|choice| *choice == text)
                .ok_or_else(|| {
                    format!(
                        "unknown {field} {text:?} (expected {})",
                        choices.join(" or ")
                    )
                })
        };
        let tab =
            [SharedTab::Graph, SharedTab::Table][choice("tab", &view.tab, &["graph", "table"])?];
        let picture = [View::Cluster, View::Logical]
            [choice("picture", &view.picture, &["cluster", "logical"])?];
        let traffic = [SharedTraffic::Running, SharedTraffic::Paused]
            [choice("traffic", &view.traffic, &["running", "paused"])?];
        let viewport = match view.viewport {
            None => None,
            Some(WireViewport { x, y, zoom }) => Some(SharedViewport {
                x,
                y,
                zoom: u32::try_from(zoom)
                    .map_err(|_| format!("the viewport's zoom {zoom} is out of range"))?,
            }),
        };
        let edits = view
            .edits
            .into_iter()
            .enumerate()
            .map(|(index, edit)| {
                edit.into_mutation()
                    .map_err(|reason| format!("edit {}: {reason}", index + 1))
            })
            .collect::<Result<_, _>>()?;
        Ok(SharedState {
            files: self.files,
            view: SharedView {
                tab,
                picture,
                selection: view.selection,
                namespaces: view.namespaces.into_iter().collect_set(),
                hidden_kinds: view.hidden_kinds.into_iter().collect_set(),
                search: view.search,
                query: view.query,
                viewport,
                edits,
                traffic,
            },
        })
    }
}

impl WireEdit {
    fn from_mutation(mutation: &Mutation) -> Result<WireEdit, ShareError> {
        let pod = |op: &str, namespace: &str, name: &str| WireEdit {
            op: op.into(),
            namespace: Some(namespace.into()),
            name: name.into(),
            ..WireEdit::default()
        };
        let node = |op: &str, name: &str| WireEdit {
            op: op.into(),
            name: name.into(),
            ..WireEdit::default()
        };
        let valued = |op: &str, namespace: &str, name: &str, value: Option<&str>| WireEdit {
            value: value.map(Into::into),
            ..pod(op, namespace, name)
        };
        Ok(match mutation {
            Mutation::DeletePod { namespace, name } => pod("DeletePod", namespace, name),
            Mutation::KillPod { namespace, name } => pod("KillPod", namespace, name),
            Mutation::MarkPodNotReady { namespace, name } => {
                pod("MarkPodNotReady", namespace, name)
            }
            Mutation::MarkPodReady { namespace, name } => pod("MarkPodReady", namespace, name),
            Mutation::MarkPodTerminating { namespace, name } => {
                pod("MarkPodTerminating", namespace, name)
            }
            Mutation::CordonNode { name } => node("CordonNode", name),
            Mutation::UncordonNode { name } => node("UncordonNode", name),
            Mutation::DrainNode { name } => node("DrainNode", name),
            Mutation::FailNode { name } => node("FailNode", name),
            Mutation::RecoverNode { name } => node("RecoverNode", name),
            Mutation::ScaleWorkload {
                namespace,
                name,
                replicas,
            } => WireEdit {
                replicas: Some(*replicas),
                ..pod("ScaleWorkload", namespace, name)
            },
            Mutation::SetServiceType {
                namespace,
                name,
                service_type,
            } => valued(
                "SetServiceType",
                namespace,
                name,
                Some(service_type.as_str()),
            ),
            Mutation::SetExternalTrafficPolicy {
                namespace,
                name,
                policy,
            } => valued(
                "SetExternalTrafficPolicy",
                namespace,
                name,
                Some(policy_text(*policy)),
            ),
            Mutation::SetInternalTrafficPolicy {
                namespace,
                name,
                policy,
            } => valued(
                "SetInternalTrafficPolicy",
                namespace,
                name,
                Some(policy_text(*policy)),
            ),
            Mutation::SetSessionAffinity {
                namespace,
                name,
                affinity,
            } => valued(
                "SetSessionAffinity",
                namespace,
                name,
                Some(affinity_text(*affinity)),
            ),
            Mutation::SetTrafficDistribution {
                namespace,
                name,
                distribution,
            } => valued(
                "SetTrafficDistribution",
                namespace,
                name,
                distribution.map(distribution_text),
            ),
            Mutation::RemoveNetworkPolicy { namespace, name } => {
                pod("RemoveNetworkPolicy", namespace, name)
            }
            Mutation::SetBackendWeight {
                kind,
                namespace,
                name,
                rule,
                backend,
                weight,
            } => WireEdit {
                value: Some(kind.as_str().into()),
                rule: Some(*rule),
                backend: Some(*backend),
                weight: Some(*weight),
                ..pod("SetBackendWeight", namespace, name)
            },
            Mutation::DetachRoute {
                kind,
                namespace,
                name,
                gateway,
            } => WireEdit {
                value: Some(kind.as_str().into()),
                gateway: Some(gateway.to_string()),
                ..pod("DetachRoute", namespace, name)
            },
            Mutation::DeleteReferenceGrant { namespace, name } => {
                pod("DeleteReferenceGrant", namespace, name)
            }
            Mutation::AddNetworkPolicy(_) => {
                return Err(ShareError::new(ErrorKind::Unshareable(
                    "adding a whole NetworkPolicy (AddNetworkPolicy) is not a shareable edit"
                        .into(),
                )))
            }
        })
    }

    fn into_mutation(self) -> Result<Mutation, String> {
        let WireEdit {
            op,
            namespace,
            name,
            replicas,
            value,
            rule,
            backend,
            weight,
            gateway,
        } = self;
        let namespace = || {
            namespace
                .clone()
                .ok_or_else(|| format!("{op} needs \"namespace\""))
        };
        let value_of = |what: &str| {
            value
                .clone()
                .ok_or_else(|| format!("{op} needs \"value\" ({what})"))
        };
        let unknown = |what: &str, text: &str| format!("{op} has an unknown {what} {text:?}");
        Ok(match op.as_str() {
            "DeletePod" => Mutation::DeletePod {
                namespace: namespace()?,
                name,
            },
            "KillPod" => Mutation::KillPod {
                namespace: namespace()?,
                name,
            },
            "MarkPodNotReady" => Mutation::MarkPodNotReady {
                namespace: namespace()?,
                name,
            },
            "MarkPodReady" => Mutation::MarkPodReady {
                namespace: namespace()?,
                name,
            },
            "MarkPodTerminating" => Mutation::MarkPodTerminating {
                namespace: namespace()?,
                name,
            },
            "CordonNode" => Mutation::CordonNode { name },
            "UncordonNode" => Mutation::UncordonNode { name },
            "DrainNode" => Mutation::DrainNode { name },
            "FailNode" => Mutation::FailNode { name },
            "RecoverNode" => Mutation::RecoverNode { name },
            "ScaleWorkload" => Mutation::ScaleWorkload {
                namespace: namespace()?,
                name,
                replicas: replicas.ok_or_else(|| format!("{op} needs \"replicas\""))?,
            },
            "SetServiceType" => {
                let text = value_of("a Service type")?;
                Mutation::SetServiceType {
                    namespace: namespace()?,
                    name,
                    service_type: ServiceType::parse(&text)
                        .ok_or_else(|| unknown("Service type", &text))?,
                }
            }
            "SetExternalTrafficPolicy" | "SetInternalTrafficPolicy" => {
                let text = value_of("Cluster or Local")?;
                let policy =
                    TrafficPolicy::parse(&text).ok_or_else(|| unknown("traffic policy", &text))?;
                if op == "SetExternalTrafficPolicy" {
                    Mutation::SetExternalTrafficPolicy {
                        namespace: namespace()?,
                        name,
                        policy,
                    }
                } else {
                    Mutation::SetInternalTrafficPolicy {
                        namespace: namespace()?,
                        name,
                        policy,
                    }
                }
            }
            "SetSessionAffinity" => {
                let text = value_of("None or ClientIP")?;
                Mutation::SetSessionAffinity {
                    namespace: namespace()?,
                    name,
                    affinity: [SessionAffinity::None, SessionAffinity::ClientIP]
                        .into_iter()
                        .find(|affinity| affinity_text(*affinity) == text)
                        .ok_or_else(|| unknown("session affinity", &text))?,
                }
            }
            "SetTrafficDistribution" => Mutation::SetTrafficDistribution {
                namespace: namespace()?,
                name,
                distribution: match &value {
                    None => None,
                    Some(text) => Some(
                        [
                            TrafficDistribution::PreferSameZone,
                            TrafficDistribution::PreferSameNode,
                        ]
                        .into_iter()
                        .find(|distribution| distribution_text(*distribution) == text)
                        .ok_or_else(|| unknown("traffic distribution", text))?,
                    ),
                },
            },
            "RemoveNetworkPolicy" => Mutation::RemoveNetworkPolicy {
                namespace: namespace()?,
                name,
            },
            "SetBackendWeight" => Mutation::SetBackendWeight {
                kind: RouteKind::parse(&value_of("a Route kind")?)
                    .ok_or_else(|| unknown("Route kind", value.as_deref().unwrap_or("")))?,
                namespace: namespace()?,
                name,
                rule: rule.ok_or_else(|| format!("{op} needs \"rule\""))?,
                backend: backend.ok_or_else(|| format!("{op} needs \"backend\""))?,
                weight: weight.ok_or_else(|| format!("{op} needs \"weight\""))?,
            },
            "DetachRoute" => {
                let gateway = gateway.ok_or_else(|| format!("{op} needs \"gateway\""))?;
                let (gateway_namespace, gateway_name) = gateway
                    .split_once('/')
                    .ok_or_else(|| unknown("Gateway", &gateway))?;
                Mutation::DetachRoute {
                    kind: RouteKind::parse(&value_of("a Route kind")?)
                        .ok_or_else(|| unknown("Route kind", value.as_deref().unwrap_or("")))?,
                    namespace: namespace()?,
                    name,
                    gateway: NamespacedName::new(gateway_namespace, gateway_name),
                }
            }
            "DeleteReferenceGrant" => Mutation::DeleteReferenceGrant {
                namespace: namespace()?,
                name,
            },
            other => return Err(format!("unknown what-if edit {other:?}")),
        })
    }
}

fn policy_text(policy: TrafficPolicy) -> &'static str {
    match policy {
        TrafficPolicy::Cluster => "Cluster",
        TrafficPolicy::Local => "Local",
    }
}

fn affinity_text(affinity: SessionAffinity) -> &'static str {
    match affinity {
        SessionAffinity::None => "None",
        SessionAffinity::ClientIP => "ClientIP",
    }
}

fn distribution_text(distribution: TrafficDistribution) -> &'static str {
    match distribution {
        TrafficDistribution::PreferSameZone => "PreferSameZone",
        TrafficDistribution::PreferSameNode => "PreferSameNode",
    }
}

/// The fragment (without its `#`) of a link holding `compressed`, the raw-DEFLATE
/// bytes of [`SharedState::to_json`].
pub fn share_fragment(compressed: &[u8]) -> String {
    format!(
        "{FRAGMENT_KEY}={FORMAT_VERSION}.{}",
        encode_base64url(compressed)
    )
}

/// Reads a fragment (with or without its `#`): `None` when it is not a share link,
/// else the compressed payload or why the link cannot be read.
pub fn parse_share_fragment(fragment: &str) -> Option<Result<Vec<u8>, ShareError>> {
    let rest = fragment
        .trim_start_matches('#')
        .strip_prefix(FRAGMENT_KEY)?
        .strip_prefix('=')?;
    Some(parse_versioned(rest))
}

fn parse_versioned(rest: &str) -> Result<Vec<u8>, ShareError> {
    let Some((version, payload)) = rest.split_once('.') else {
        return Err(ShareError::new(ErrorKind::NoVersion));
    };
    match version.parse::<u32>() {
        Ok(FORMAT_VERSION) => {}
        Ok(newer) if newer > FORMAT_VERSION => {
            return Err(ShareError::new(ErrorKind::NewerVersion(newer)))
        }
        _ => return Err(ShareError::new(ErrorKind::NoVersion)),
    }
    decode_base64(payload).map_err(|error| ShareError::new(ErrorKind::Base64(error)))
}

/// Why a share link cannot be opened, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShareError {
    kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ErrorKind {
    NoVersion,
    NewerVersion(u32),
    Base64(Base64Error),
    Damaged(String),
    TooLarge,
    NotUtf8 { offset: usize },
    BadState(String),
    NoFiles,
    Unshareable(String),
}

impl ShareError {
    fn new(kind: ErrorKind) -> ShareError {
        ShareError { kind }
    }

    /// The compressed payload does not inflate; `reason` is what the decompressor said.
    pub fn damaged(reason: impl Into<String>) -> ShareError {
        ShareError::new(ErrorKind::Damaged(reason.into()))
    }

    /// The payload inflates to more than [`MAX_JSON_BYTES`].
    pub fn too_large() -> ShareError {
        ShareError::new(ErrorKind::TooLarge)
    }
}

impl fmt::Display for ShareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::NoVersion => write!(
                f,
                "it does not start with a format version (expected #{FRAGMENT_KEY}={FORMAT_VERSION}.…)"
            ),
            ErrorKind::NewerVersion(version) => write!(
                f,
                "it was made by a newer kubetopo (link format {version}; this one reads format {FORMAT_VERSION})"
            ),
            ErrorKind::Base64(error) => write!(f, "{error}"),
            ErrorKind::Damaged(reason) => {
                write!(f, "its compressed data is damaged ({reason}): was it cut short?")
            }
            ErrorKind::TooLarge => write!(
                f,
                "it expands to more than {} MB, the input limit",
                MAX_JSON_BYTES / (1024 * 1024)
            ),
            ErrorKind::NotUtf8 { offset } => write!(
                f,
                "its content is not UTF-8 text (byte {offset} is invalid)"
            ),
            ErrorKind::BadState(reason) => write!(f, "its content cannot be read: {reason}"),
            ErrorKind::NoFiles => write!(f, "it holds no files"),
            ErrorKind::Unshareable(reason) => {
                write!(f, "this view cannot be put in a link: {reason}")
            }
        }
    }
}

impl std::error::Error for ShareError {}

/// Why a text is not base64.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Base64Error {
    kind: Base64ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Base64ErrorKind {
    Character { character: char, position: usize },
    AfterPadding,
    Empty,
    Length,
}

impl fmt::Display for Base64Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            Base64ErrorKind::Character {
                character,
                position,
            } => write!(
                f,
                "it is not base64 (character {character:?} at position {position})"
            ),
            Base64ErrorKind::AfterPadding => {
                write!(f, "it is not base64 (text after the = padding)")
            }
            Base64ErrorKind::Empty => write!(f, "it is empty"),
            Base64ErrorKind::Length => {
                write!(
                    f,
                    "it is not base64 (its length is wrong: was it cut short?)"
                )
            }
        }
    }
}

impl std::error::Error for Base64Error {}

/// Unpadded base64url (RFC 4648 §5): every character is safe in a URL fragment.
pub fn encode_base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let buffer = chunk
            .iter()
            .enumerate()
            .fold(0u32, |buffer, (index, byte)| {
                buffer | u32::from(*byte) << (16 - 8 * index)
            });
        let n_sextets = chunk.len() + 1;
        for index in 0..n_sextets {
            text.push(char::from(
                ALPHABET[(buffer >> (18 - 6 * index)) as usize & 63],
            ));
        }
    }
    text
}

/// Standard and URL-safe base64, padding optional, whitespace ignored: links
/// arrive through chat tools and mail clients that wrap or re-encode them.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Base64Error> {
    let error = |kind| Base64Error { kind };
    let mut sextets = Vec::with_capacity(text.len());
    let mut padding_seen = 0usize;
    for (position, character) in text.chars().enumerate() {
        let value = match character {
            'A'..='Z' => character as u32 - 'A' as u32,
            'a'..='z' => character as u32 - 'a' as u32 + 26,
            '0'..='9' => character as u32 - '0' as u32 + 52,
            '+' | '-' => 62,
            '/' | '_' => 63,
            '=' => {
                padding_seen += 1;
                continue;
            }
            ' ' | '\n' | '\r' | '\t' => continue,
            other => {
                return Err(error(Base64ErrorKind::Character {
                    character: other,
                    position: position + 1,
                }))
            }
        };
        if padding_seen > 0 {
            return Err(error(Base64ErrorKind::AfterPadding));
        }
        sextets.push(value as u8);
    }
    if sextets.is_empty() {
        return Err(error(Base64ErrorKind::Empty));
    }
    if sextets.len() % 4 == 1 || padding_seen > 2 {
        return Err(error(Base64ErrorKind::Length));
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
