//! Traffic: the what-if edits, the trace panel and the packet animation, all
//! driven by the engine's `whatif`, `trace` and `sim` modules.

use leptos::prelude::*;

use super::state::AppState;
use crate::engine::model::{ServiceType, TrafficPolicy};

/// A what-if edit as the UI offers it.
#[derive(Clone, Debug, PartialEq)]
pub enum Edit {
    KillPod { namespace: String, name: String },
    SetPodReady { namespace: String, name: String, ready: bool },
    MarkPodTerminating { namespace: String, name: String },
    CordonNode { node: String },
    DrainNode { node: String },
    FailNode { node: String },
    ScaleWorkload { namespace: String, kind: String, name: String, replicas: u32 },
    SetServiceType { namespace: String, name: String, service_type: ServiceType },
    SetExternalTrafficPolicy { namespace: String, name: String, policy: Option<TrafficPolicy> },
    SetInternalTrafficPolicy { namespace: String, name: String, policy: Option<TrafficPolicy> },
    RemoveNetworkPolicy { namespace: String, name: String },
}

pub fn edit(_state: AppState, _edit: Edit) {}

pub fn open_trace(_state: AppState, _destination: String) {}

#[component]
pub fn TrafficPanel() -> impl IntoView {
    view! { <div></div> }
}
