//! The details panel: everything about the selected object, from the engine's
//! resolved topology, plus the what-if controls that apply to it.

use leptos::prelude::*;

use super::state::{AppState, InputFile};
use crate::engine::diag::Diagnostic;
use crate::engine::migrate::{self, Migration, Scope};
use crate::engine::model::{Readiness, ServiceType, TrafficPolicy};
use crate::engine::refs::KindRef;
use crate::engine::refs::NamespacedName;
use crate::engine::scene::{self, IdKind};
use crate::engine::sort::CollectCompact;
use crate::engine::sources;
use crate::engine::whatif::Mutation;
use crate::engine::Topology;
use crate::engine::{export, lod};

#[component]
pub fn DetailsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let body_ref = NodeRef::<leptos::html::Div>::new();
    let shown = StoredValue::new(None::<String>);
    let body = move || {
        let topology = state.topology.get();
        let t = topology.value.clone();
        let selected = state.selection.get();
        // Another selection opens at the top of its details, not where the scroll
        // through the one before stopped.
        if shown.with_value(|shown| *shown != selected) {
            shown.set_value(selected.clone());
            if let Some(body) = body_ref.get_untracked() {
                body.set_scroll_top(0);
            }
        }
        match selected {
            None => view! { <Overview /> }.into_any(),
            Some(id) => object_details(&t, &id, state).into_any(),
        }
    };
    view! {
        <aside class="details" aria-label="Details" data-testid="details">
            <super::trace_overlay::TracePanel />
            <div class="details-body" node_ref=body_ref>
                <TileControls />
                {body}
                <super::traffic::TrafficPanel />
                <super::flows::FlowsPanel />
            </div>
        </aside>
    }
}

/// Collapse and expand what the selection belongs to (§13.2): its namespace, node
/// or workload, and the workload's app, as `c` and `a` do on the graph.
#[component]
fn TileControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        let selected = state.selection.get()?;
        let aggregates = state
            .topology
            .with(|topology| lod::aggregates_of(&topology.value, &selected));
        let buttons = aggregates
            .into_iter()
            .enumerate()
            .map(|(index, aggregate)| {
                let test_id = format!("collapse-{}", aggregate.kind_name());
                let label = move || {
                    let k = state.viewport.get().k;
                    let closed = state.collapse.with(|c| c.is_collapsed(&aggregate, k));
                    format!("{} {aggregate}", if closed { "Expand" } else { "Collapse" })
                };
                view! { <button type="button" data-testid=test_id on:click=move |_| super::graph::toggle_selected(state, index)>{label}</button> }
            })
            .collect_view();
        Some(
            view! { <div class="tile-controls" role="group" aria-label="Collapse or expand">{buttons}</div> },
        )
    }
}

#[component]
fn Overview() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <h2>"Overview"</h2>
        <p class="hint" inner_html=super::template_markup("kt-overview-hint")></p>
        <super::policies::PoliciesPanel />
        // Drawn again for each analysis, with the panel.
        {state
            .topology
            .with_untracked(|t| !t.value.ingresses.is_empty())
            .then(|| view! { <h3>"Gateway API"</h3> {migration_block(None, state)} })}
        <p class="hint credits" data-testid="credits" inner_html=super::template_markup("kt-credits")></p>
    }
}

pub(super) fn diagnostics_list(
    topology: &Topology,
    object: &str,
    state: AppState,
) -> impl IntoView {
    let diagnostics: Vec<Diagnostic> = topology
        .diagnostics
        .iter()
        .filter(|d| d.object == object)
        .cloned()
        .collect();
    diagnostic_items(diagnostics, state)
}

/// `diagnostics` as a list, each with a link to its line in the editor.
fn diagnostic_items(diagnostics: Vec<Diagnostic>, state: AppState) -> impl IntoView {
    if diagnostics.is_empty() {
        return view! { <p class="hint">"No diagnostics."</p> }.into_any();
    }
    view! {
        <ul class="object-diagnostics">
            {diagnostics.into_iter().map(|d| {
                let file = d.source.file.clone();
                let line = d.source.line;
                view! {
                    <li class=format!("object-diagnostic {}", d.severity.as_str())>
                        <button type="button" class="link" on:click=move |_| state.jump_to(&file, line)>{format!("{}:{}", d.source.file, d.source.line)}</button>
                        " " <code>{d.code}</code> " " {d.message.clone()}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// The YAML of an object, cut from its file, with a link to the editor.
pub(super) fn source_block(
    state: AppState,
    file: &str,
    first_line: usize,
    last_line: usize,
) -> impl IntoView {
    let text = state.files.with_untracked(|files| {
        files
            .iter()
            .find(|f| f.name == file)
            .map(|f| {
                f.text
                    .lines()
                    .skip(first_line.saturating_sub(1))
                    .take(last_line.saturating_sub(first_line) + 1)
                    .take(80)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    });
    let file = file.to_string();
    let label = format!("{file}:{first_line}");
    view! {
        <h3>"Source"</h3>
        <button type="button" class="link" data-testid="source-link" on:click=move |_| state.jump_to(&file, first_line)>{format!("Open {label} in the editor")}</button>
        <pre class="yaml">{text}</pre>
    }
}

/// A details list: each row a label, the test id of its value where a test reads
/// it, and the value. One list builder for every kind of object keeps the wasm
/// small (one instance of the view code, not one per row).
fn facts(rows: Vec<(&'static str, Option<&'static str>, String)>) -> impl IntoView {
    view! {
        <dl class="facts">
            {rows.into_iter().map(|(label, id, value)| view! { <dt>{label}</dt><dd data-testid=id>{value}</dd> }).collect_view()}
        </dl>
    }
}

/// Appends a table cell with `attributes` (our own markup) and `text`, escaped: it
/// comes from the manifests. Read-only rows are written as markup, which takes far
/// less wasm than a `view!` per row (docs/performance.md).
pub(super) fn push_cell(out: &mut String, attributes: &str, text: &str) {
    out.push_str("<td");
    out.push_str(attributes);
    out.push('>');
    out.push_str(&scene::escape(text));
    out.push_str("</td>");
}

/// What-if buttons, each with its test id, its label and the edit it makes.
fn whatif_buttons(
    state: AppState,
    buttons: Vec<(&'static str, &'static str, Mutation)>,
) -> impl IntoView {
    view! {
        <div class="whatif">
            {buttons.into_iter().map(|(id, label, mutation)| view! {
                <button type="button" data-testid=id on:click=move |_| super::edits::edit(state, mutation.clone())>{label}</button>
            }).collect_view()}
        </div>
    }
}

fn object_details(topology: &Topology, id: &str, state: AppState) -> impl IntoView {
    match scene::parse_id(id) {
        Some((IdKind::Service | IdKind::LoadBalancer, key)) => {
            service_details(topology, key, state).into_any()
        }
        Some((IdKind::Pod, key)) => pod_details(topology, key, state).into_any(),
        Some((IdKind::Node, key)) => node_details(topology, key, state).into_any(),
        Some((IdKind::Workload, key)) => workload_details(topology, key, state).into_any(),
        Some((IdKind::Ingress, key)) => ingress_details(topology, key, state).into_any(),
        Some((IdKind::Gateway | IdKind::Listener | IdKind::Route, _)) => {
            super::gateway::details(topology, id, state)
        }
        Some((IdKind::Namespace, key)) => {
            view! { <h2>{format!("Namespace {key}")}</h2> <Overview /> }.into_any()
        }
        Some((IdKind::WorkloadGroup | IdKind::External, _)) | None => {
            view! { <h2>{id.to_string()}</h2> }.into_any()
        }
    }
}

fn service_details(topology: &Topology, key: &str, state: AppState) -> impl IntoView {
    let Some(service) = topology
        .services
        .iter()
        .find(|s| s.key().to_string() == key)
        .cloned()
    else {
        return view! { <p class="hint">"This Service no longer exists."</p> }.into_any();
    };
    let raw = topology
        .manifests
        .services
        .iter()
        .find(|s| format!("{}/{}", s.meta.namespace, s.meta.name) == key)
        .cloned();
    let object = format!("Service/{key}");
    let type_text = if service.headless {
        "ClusterIP (headless)".to_string()
    } else {
        service.service_type.as_str().to_string()
    };
    let ips: Vec<String> = service
        .cluster_ips
        .iter()
        .map(ToString::to_string)
        .collect();
    let external: Vec<String> = service
        .load_balancer_ips
        .iter()
        .chain(&service.external_ips)
        .map(ToString::to_string)
        .collect();
    let namespace = service.namespace.clone();
    let name = service.name.clone();
    let set_type = {
        let (namespace, name) = (namespace.clone(), name.clone());
        move |ev: leptos::ev::Event| {
            if let Some(service_type) = ServiceType::parse(&event_target_value(&ev)) {
                super::edits::edit(
                    state,
                    crate::engine::whatif::Mutation::SetServiceType {
                        namespace: namespace.clone(),
                        name: name.clone(),
                        service_type,
                    },
                );
            }
        }
    };
    let set_policy = move |external: bool| {
        let (namespace, name) = (namespace.clone(), name.clone());
        move |ev: leptos::ev::Event| {
            let Some(policy) = TrafficPolicy::parse(&event_target_value(&ev)) else {
                return;
            };
            let mutation = if external {
                crate::engine::whatif::Mutation::SetExternalTrafficPolicy {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    policy,
                }
            } else {
                crate::engine::whatif::Mutation::SetInternalTrafficPolicy {
                    namespace: namespace.clone(),
                    name: name.clone(),
                    policy,
                }
            };
            super::edits::edit(state, mutation);
        }
    };
    let etp = service.external_traffic_policy;
    let itp = service.internal_traffic_policy;
    let service_type = service.service_type;
    let trace_target = service.fqdn(&topology.config.cluster_domain);
    let first_port = service.ports.first().map(|p| p.port);
    let trace_source = sources::natural_client(topology, &service).to_string();
    // The read-only rows, as markup (`push_cell`).
    let mut ports = String::new();
    for p in &service.ports {
        ports.push_str("<tr>");
        for text in [
            p.name.clone().unwrap_or_default(),
            p.port.to_string(),
            p.target_port.to_string(),
            p.node_port.map(|n| n.to_string()).unwrap_or_default(),
            p.protocol.as_str().to_string(),
        ] {
            push_cell(&mut ports, "", &text);
        }
        ports.push_str("</tr>");
    }
    let mut endpoints = String::new();
    for e in &service.endpoints {
        let state = Readiness::of(e.terminating, e.ready).as_str();
        let ports: Vec<String> = e
            .ports
            .iter()
            .map(|p| format!("{}/{}", p.port, p.protocol))
            .collect();
        endpoints.push_str("<tr data-testid=\"endpoint-row\">");
        push_cell(
            &mut endpoints,
            "",
            e.pod.as_ref().map_or("—", |pod| &pod.name),
        );
        push_cell(
            &mut endpoints,
            "",
            &e.addresses
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
        );
        push_cell(&mut endpoints, "", e.node.as_deref().unwrap_or_default());
        push_cell(
            &mut endpoints,
            &format!(" class=\"state {state}\""),
            &state.replace('-', " "),
        );
        push_cell(
            &mut endpoints,
            " data-testid=\"endpoint-ports\"",
            &ports.join(", "),
        );
        endpoints.push_str("</tr>");
    }
    let mut dns = String::new();
    for r in &service.dns {
        dns.push_str("<li><code>");
        dns.push_str(&scene::escape(&format!(
            "{} {} {}",
            r.name, r.record_type, r.data
        )));
        dns.push_str("</code></li>");
    }
    let trace = move |_| {
        super::traffic::open_trace(
            state,
            trace_source.clone(),
            first_port
                .map(|p| format!("{trace_target}:{p}"))
                .unwrap_or(trace_target.clone()),
        )
    };
    view! {
        <h2 data-testid="details-title">{format!("Service {key}")}</h2>
        {facts(vec![
            ("Type", Some("service-type"), type_text),
            ("Cluster IPs", None, if service.headless { "None".to_string() } else { ips.join(", ") }),
            ("External", None, if external.is_empty() { service.external_name.clone().unwrap_or_else(|| "—".into()) } else { external.join(", ") }),
            ("Selector", None, service.selector.as_ref().map(|s| s.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(",")).unwrap_or_else(|| "none".into())),
            ("Traffic", None, format!("external {}, internal {}, affinity {:?}", etp.map(|p| format!("{p:?}")).unwrap_or_else(|| "—".into()), itp.map(|p| format!("{p:?}")).unwrap_or_else(|| "—".into()), service.session_affinity)),
        ])}
        <h3>"Ports"</h3>
        <table class="compact" data-testid="service-ports">
            <thead><tr><th>"Name"</th><th>"Port"</th><th>"Target"</th><th>"NodePort"</th><th>"Proto"</th></tr></thead>
            <tbody inner_html=ports></tbody>
        </table>
        <h3>{format!("Endpoints ({})", service.endpoints.len())}</h3>
        <table class="compact" data-testid="endpoints">
            <thead><tr><th>"Pod"</th><th>"Address"</th><th>"Node"</th><th>"State"</th><th>"Ports"</th></tr></thead>
            <tbody inner_html=endpoints></tbody>
        </table>
        <h3>"DNS"</h3>
        <ul class="dns" data-testid="dns" inner_html=dns></ul>
        <h3>"Diagnostics"</h3>
        {diagnostics_list(topology, &object, state)}
        <h3>"What if"</h3>
        <div class="whatif">
            <label>"Type "
                <select aria-label="Service type" data-testid="whatif-service-type" on:change=set_type>
                    {["ClusterIP", "NodePort", "LoadBalancer"].into_iter().map(|t| view! { <option value=t selected=service_type.as_str() == t>{t}</option> }).collect_view()}
                </select>
            </label>
            <label>"externalTrafficPolicy "
                <select aria-label="External traffic policy" data-testid="whatif-etp" on:change=set_policy(true)>
                    {["Cluster", "Local"].into_iter().map(|p| view! { <option value=p selected=etp.is_some() && etp == TrafficPolicy::parse(p)>{p}</option> }).collect_view()}
                </select>
            </label>
            <label>"internalTrafficPolicy "
                <select aria-label="Internal traffic policy" data-testid="whatif-itp" on:change=set_policy(false)>
                    {["Cluster", "Local"].into_iter().map(|p| view! { <option value=p selected=itp.is_some() && itp == TrafficPolicy::parse(p)>{p}</option> }).collect_view()}
                </select>
            </label>
            <button type="button" data-testid="trace-service" on:click=trace>"Trace to this Service"</button>
        </div>
        {raw.map(|raw| source_block(state, &raw.meta.source.file, raw.meta.source.line, raw.meta.end_line))}
    }
    .into_any()
}

fn pod_details(topology: &Topology, key: &str, state: AppState) -> impl IntoView {
    let Some(pod) = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.key().to_string() == key)
        .cloned()
    else {
        return view! { <p class="hint">"This pod no longer exists."</p> }.into_any();
    };
    let services: Vec<String> = topology
        .services
        .iter()
        .filter(|s| {
            s.endpoints
                .iter()
                .any(|e| e.pod.as_ref().is_some_and(|pod| pod.to_string() == key))
        })
        .map(|s| s.key().to_string())
        .collect();
    let labels: Vec<String> = pod.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let (namespace, name) = (pod.namespace.clone(), pod.name.clone());
    let object = format!("Pod/{key}");
    view! {
        <h2 data-testid="details-title">{format!("Pod {key}")}</h2>
        {facts(vec![
            ("Node", None, pod.node.clone().unwrap_or_else(|| "unscheduled".into())),
            ("IP", None, pod.ips.first().map(ToString::to_string).unwrap_or_else(|| "none".into())),
            ("State", None, format!("{:?}{}{}", pod.phase, if pod.ready { ", ready" } else { ", not ready" }, if pod.terminating { ", terminating" } else { "" })),
            ("Owner", None, pod.owner.as_ref().map_or_else(|| "none".to_string(), ToString::to_string)),
            ("Labels", None, labels.join(", ")),
            ("Endpoint of", None, if services.is_empty() { "no Service".to_string() } else { services.join(", ") }),
        ])}
        <h3>"What if"</h3>
        {whatif_buttons(state, vec![
            ("kill-pod", "Kill pod", Mutation::KillPod { namespace: namespace.clone(), name: name.clone() }),
            ("pod-not-ready", "Mark not ready", Mutation::MarkPodNotReady { namespace: namespace.clone(), name: name.clone() }),
            ("pod-terminating", "Mark terminating", Mutation::MarkPodTerminating { namespace, name }),
        ])}
        <h3>"Diagnostics"</h3>
        {diagnostics_list(topology, &object, state)}
        {source_block(state, &pod.source.file, pod.source.line, pod.source.line + 40)}
    }
    .into_any()
}

fn node_details(topology: &Topology, name: &str, state: AppState) -> impl IntoView {
    let Some(node) = topology
        .cluster
        .nodes
        .iter()
        .find(|n| n.name == name)
        .cloned()
    else {
        return view! { <p class="hint">"No such node."</p> }.into_any();
    };
    let n_pods = topology
        .cluster
        .pods
        .iter()
        .filter(|p| p.node.as_deref() == Some(name))
        .count();
    view! {
        <h2 data-testid="details-title">{format!("Node {name}")}</h2>
        {facts(vec![
            ("Zone", None, node.zone.clone().unwrap_or_else(|| "none".into())),
            ("InternalIP", None, node.internal_ip.to_string()),
            ("Pod CIDR", None, node.pod_cidr.map(|c| c.to_string()).unwrap_or_default()),
            ("State", None, format!("{}{}{}", if node.ready { "Ready" } else { "NotReady" }, if node.unschedulable { ", cordoned" } else { "" }, if node.simulated { ", simulated" } else { "" })),
            ("Pods", None, n_pods.to_string()),
        ])}
        <h3>"What if"</h3>
        {whatif_buttons(state, vec![
            ("cordon-node", "Cordon", Mutation::CordonNode { name: node.name.clone() }),
            ("drain-node", "Drain", Mutation::DrainNode { name: node.name.clone() }),
            ("fail-node", "Fail", Mutation::FailNode { name: node.name }),
        ])}
    }
    .into_any()
}

/// The pods of workload `workload` in `namespace`.
fn pods_of<'t>(
    topology: &'t Topology,
    namespace: &'t str,
    workload: &'t KindRef,
) -> impl Iterator<Item = &'t std::sync::Arc<crate::engine::cluster::ClusterPod>> {
    topology
        .cluster
        .pods
        .iter()
        .filter(move |p| p.namespace == namespace && p.workload.as_ref() == Some(workload))
}

fn workload_details(topology: &Topology, key: &str, state: AppState) -> impl IntoView {
    // key: namespace/Kind/name
    let mut parts = key.splitn(3, '/');
    let (namespace, kind, name) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let workload_ref = KindRef::new(&kind, &name);
    let object = format!("{kind}/{namespace}/{name}");
    let pods: Vec<_> = pods_of(topology, &namespace, &workload_ref)
        .cloned()
        .collect();
    let n_ready = pods.iter().filter(|p| p.ready).count();
    let raw = topology
        .manifests
        .workloads
        .iter()
        .find(|w| w.meta.namespace == namespace && w.kind.as_str() == kind && w.meta.name == name)
        .cloned();
    let scale = move |delta: i64| {
        let (namespace, kind, name) = (namespace.clone(), kind.clone(), name.clone());
        move |_| {
            let (namespace, kind, name) = (namespace.clone(), kind.clone(), name.clone());
            // Counted in the topology the edit applies to, which has every edit
            // queued before it (issue #9): two quick clicks on "+1" scale by two.
            super::edits::edit_with(state, move |topology| {
                let replicas =
                    pods_of(topology, &namespace, &KindRef::new(&kind, &name)).count() as i64;
                crate::engine::whatif::Mutation::ScaleWorkload {
                    namespace,
                    name: format!("{kind}/{name}"),
                    replicas: (replicas + delta).max(0) as u32,
                }
            });
        }
    };
    view! {
        <h2 data-testid="details-title">{workload_ref.to_string()}</h2>
        {facts(vec![
            ("Pods", Some("workload-pods"), format!("{n_ready}/{} ready", pods.len())),
            ("Nodes", None, pods.iter().filter_map(|p| p.node.clone()).collect_set().into_iter().collect::<Vec<_>>().join(", ")),
        ])}
        <h3>"What if"</h3>
        <div class="whatif">
            <button type="button" data-testid="scale-down" aria-label="Scale down by one" on:click=scale(-1)>"Scale −1"</button>
            <button type="button" data-testid="scale-up" aria-label="Scale up by one" on:click=scale(1)>"Scale +1"</button>
        </div>
        <h3>"Diagnostics"</h3>
        {diagnostics_list(topology, &object, state)}
        {raw.map(|raw| source_block(state, &raw.meta.source.file, raw.meta.source.line, raw.meta.end_line))}
    }
    .into_any()
}

fn ingress_details(topology: &Topology, key: &str, state: AppState) -> impl IntoView {
    let Some(ingress) = topology
        .ingresses
        .iter()
        .find(|i| format!("{}/{}", i.namespace, i.name) == key)
        .cloned()
    else {
        return view! { <p class="hint">"No such ingress."</p> }.into_any();
    };
    let object = format!("Ingress/{key}");
    let mut rules = String::new();
    for r in &ingress.routes {
        rules.push_str("<tr>");
        push_cell(&mut rules, "", r.host.as_deref().unwrap_or("*"));
        push_cell(&mut rules, "", &format!("{} ({})", r.path, r.path_type));
        let port = r
            .resolved_port
            .map(|p| p.to_string())
            .unwrap_or_else(|| format!("{} ✗", r.service_port));
        push_cell(&mut rules, "", &format!("{}:{port}", r.service));
        rules.push_str("</tr>");
    }
    view! {
        <h2 data-testid="details-title">{format!("Ingress {key}")}</h2>
        {facts(vec![
            ("Class", None, ingress.class_name.clone().unwrap_or_else(|| "none".into())),
            ("Controller", None, ingress.controller_service.as_ref().map_or_else(|| "not in the manifests".to_string(), ToString::to_string)),
            ("Addresses", None, ingress.addresses.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
        ])}
        <table class="compact" data-testid="ingress-rules">
            <thead><tr><th>"Host"</th><th>"Path"</th><th>"Backend"</th></tr></thead>
            <tbody inner_html=rules></tbody>
        </table>
        <h3>"Diagnostics"</h3>
        {diagnostics_list(topology, &object, state)}
        <h3>"Gateway API"</h3>
        {migration_block(Some(NamespacedName::new(&ingress.namespace, &ingress.name)), state)}
        {source_block(state, &ingress.source.file, ingress.source.line, ingress.source.line + 40)}
    }
    .into_any()
}

/// The Gateway and HTTPRoutes that `engine::migrate` writes for one Ingress, or
/// for every Ingress when `ingress` is `None` (as `kubetopo migrate` does,
/// docs/migrate.md), written when asked for and shown with what they cannot
/// express, to copy, download, or open as a new workspace beside this one: the
/// user's own workspace is never changed.
fn migration_block(ingress: Option<NamespacedName>, state: AppState) -> impl IntoView {
    let migration = RwSignal::new(None::<Migration>);
    let note = RwSignal::new(String::new());
    let (file_name, test_id, action) = match &ingress {
        Some(ingress) => (
            export::file_name(
                &format!("{} {} gateway api", ingress.namespace, ingress.name),
                None,
                "yaml",
            ),
            "migrate",
            "Migrate to Gateway API",
        ),
        None => (
            "all-ingresses-gateway-api.yaml".to_string(),
            "migrate-all",
            "Migrate every Ingress to Gateway API",
        ),
    };
    let write = move |_| {
        let written = state.topology.with_untracked(|t| {
            migrate::migrate(&t.value, ingress.as_ref().map_or(Scope::All, Scope::One))
        });
        note.set(String::new());
        migration.set(Some(written));
    };
    let yaml = move || migration.with_untracked(|m| m.as_ref().map(Migration::to_yaml));
    let copy = move |_| {
        let (Some(text), Some(window)) = (yaml(), web_sys::window()) else {
            return;
        };
        let copied =
            wasm_bindgen_futures::JsFuture::from(window.navigator().clipboard().write_text(&text));
        leptos::task::spawn_local(async move {
            note.set(match copied.await {
                Ok(_) => "Copied.".into(),
                Err(_) => super::template_markup("kt-clipboard-refused"),
            });
        });
    };
    let download_name = file_name.clone();
    let download = move |_| {
        if let Some(text) = yaml() {
            if let Err(error) =
                super::export::download_text(&download_name, "application/yaml", &text)
            {
                note.set(error);
            }
        }
    };
    let open = move |_| {
        let Some(text) = yaml() else { return };
        let mut files = state.files.get_untracked();
        files.push(InputFile {
            name: file_name.clone(),
            text,
        });
        let name = format!(
            "{} (Gateway API)",
            state.workspace.with_untracked(|w| w.name.clone())
        );
        super::workspaces::open_as_new_workspace(state, name, files);
    };
    view! {
        <button type="button" data-testid=test_id on:click=write>{action}</button>
        {move || migration.get().map(|m| (m.to_yaml(), m.diagnostics)).map(|(text, diagnostics)| view! {
            <div class="migration" data-testid="migration">
                <button type="button" data-testid="migrate-copy" on:click=copy>"Copy"</button>
                <button type="button" data-testid="migrate-download" on:click=download.clone()>"Download"</button>
                <button type="button" data-testid="migrate-open" title="Your files and this YAML, as a new workspace" on:click=open.clone()>"Open as new workspace"</button>
                <span role="status" data-testid="migrate-note">{move || note.get()}</span>
                {diagnostic_items(diagnostics, state)}
                <pre class="yaml" data-testid="migrate-yaml">{text}</pre>
            </div>
        })}
    }
}
