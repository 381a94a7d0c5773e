//! The NetworkPolicies panel: each policy (select one to see what it selects and
//! what it allows, or disable it as a what-if edit), each workload's isolation, and
//! every connection the policies decide, allowed or denied, per port. The engine's
//! `policy_graph` computes all of it.

use leptos::prelude::*;

use super::state::AppState;
use crate::engine::policy_graph::{self, PolicyConnection, PolicyEnd, PolicyGraph};
use crate::engine::refs::NamespacedName;

/// At most this many connections are listed per section; the rest are counted.
const MAX_ROWS: usize = 300;

#[component]
pub fn PoliciesPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let graph = Memo::new(move |_| {
        let topology = state.topology.get();
        std::sync::Arc::new(policy_graph::policy_graph(&topology.value))
    });
    let selected = RwSignal::new(None::<NamespacedName>);
    // A policy that an edit removed is no longer selected.
    Effect::new(move |_| {
        let graph = graph.get();
        if let Some(name) = selected.get_untracked() {
            if !graph.policies.iter().any(|p| p.name == name) {
                selected.set(None);
            }
        }
    });
    let policies = move || {
        let graph = graph.get();
        graph
            .policies
            .iter()
            .map(|policy| {
                let name = policy.name.clone();
                let label = name.to_string();
                let pick = name.clone();
                let pressed = pick.clone();
                let is_selected = move || selected.get().as_ref() == Some(&pick);
                let is_pressed = move || (selected.get().as_ref() == Some(&pressed)).to_string();
                let toggle_name = name.clone();
                let toggle = move |_| {
                    let name = toggle_name.clone();
                    selected.update(|current| {
                        *current = if current.as_ref() == Some(&name) {
                            None
                        } else {
                            Some(name)
                        }
                    })
                };
                let (namespace, policy_name) = (name.namespace.clone(), name.name.clone());
                let disable = move |_| {
                    super::traffic::edit(
                        state,
                        crate::engine::whatif::Mutation::RemoveNetworkPolicy {
                            namespace: namespace.clone(),
                            name: policy_name.clone(),
                        },
                    )
                };
                let summary = format!(
                    "selects {} · allows {} · denies {}",
                    policy.selects.len(),
                    policy.allows.len(),
                    policy.denies.len()
                );
                view! {
                    <li data-testid="policy" data-policy=label.clone() class:selected=is_selected>
                        <button type="button" class="link" aria-pressed=is_pressed title=summary on:click=toggle>{label.clone()}</button>
                        <button type="button" class="small" aria-label=format!("Disable policy {label}") on:click=disable>"Disable"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let selected_view = move || {
        let name = selected.get()?;
        let graph = graph.get();
        let policy = graph.policies.iter().find(|p| p.name == name)?;
        let directions: Vec<&str> = policy
            .directions
            .iter()
            .map(|d| match d {
                crate::engine::model::PolicyDirection::Ingress => "Ingress",
                crate::engine::model::PolicyDirection::Egress => "Egress",
            })
            .collect();
        let selects = policy
            .selects
            .iter()
            .map(|key| view! { <li data-testid="policy-selects">{key.to_string()}</li> })
            .collect_view();
        let allows = connection_rows(&graph, &policy.allows);
        let denies = connection_rows(&graph, &policy.denies);
        Some(view! {
            <div class="policy-detail" data-testid="policy-detail" data-policy=name.to_string()>
                <h4>{format!("NetworkPolicy {name}")}</h4>
                <p class="hint">{format!("Isolates {} of the pods it selects.", directions.join(" and "))}</p>
                <h5>{format!("Selects {} workload(s)", policy.selects.len())}</h5>
                <ul class="plain">{selects}</ul>
                <h5>{format!("Allows {} connection(s)", policy.allows.len())}</h5>
                <ul class="plain connections" data-testid="policy-allows">{allows}</ul>
                <h5>{format!("Isolates, without allowing, {} connection(s)", policy.denies.len())}</h5>
                <ul class="plain connections" data-testid="policy-denies">{denies}</ul>
            </div>
        })
    };
    let isolation = move || {
        let graph = graph.get();
        graph
            .workloads
            .iter()
            .map(|workload| {
                let names = |list: &[NamespacedName]| {
                    list.iter()
                        .map(|n| n.name.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let text = if workload.isolated() {
                    let mut parts = Vec::new();
                    if !workload.ingress.is_empty() {
                        parts.push(format!("ingress by {}", names(&workload.ingress)));
                    }
                    if !workload.egress.is_empty() {
                        parts.push(format!("egress by {}", names(&workload.egress)));
                    }
                    format!("isolated: {}", parts.join("; "))
                } else {
                    "not isolated: no policy selects it".to_string()
                };
                view! {
                    <li data-testid="isolation" data-workload=workload.key.to_string() data-isolated=workload.isolated().to_string() class:isolated=workload.isolated()>
                        <strong>{workload.key.workload.name.clone()}</strong>" " {text}
                    </li>
                }
            })
            .collect_view()
    };
    let connections = move |allowed: bool| {
        let graph = graph.get();
        let positions: Vec<usize> = graph
            .connections
            .iter()
            .enumerate()
            .filter(|(_, c)| c.allowed == allowed)
            .map(|(position, _)| position)
            .collect();
        connection_rows(&graph, &positions)
    };
    let counts = move || {
        let graph = graph.get();
        let n_allowed = graph.connections.iter().filter(|c| c.allowed).count();
        let n_denied = graph.connections.len() - n_allowed;
        (n_allowed, n_denied, graph.truncated)
    };
    view! {
        <section class="policies-panel" aria-label="NetworkPolicies">
            <h3>"NetworkPolicies"</h3>
            <ul class="policies plain" data-testid="policies">{policies}</ul>
            {selected_view}
            {move || (!graph.get().workloads.is_empty()).then(|| view! {
                <details data-testid="policy-isolation">
                    <summary>"Isolation per workload"</summary>
                    <ul class="plain isolation">{isolation}</ul>
                </details>
                <details data-testid="policy-allowed">
                    <summary>{move || format!("Allowed connections ({})", counts().0)}</summary>
                    <ul class="plain connections">{move || connections(true)}</ul>
                </details>
                <details data-testid="policy-denied">
                    <summary>{move || format!("Denied connections ({}){}", counts().1, if counts().2 { ", list cut" } else { "" })}</summary>
                    <ul class="plain connections">{move || connections(false)}</ul>
                </details>
            })}
        </section>
    }
}

/// One line per connection: `from → to :port/PROTO` and the engine's label.
fn connection_rows(graph: &PolicyGraph, positions: &[usize]) -> impl IntoView {
    let rows = positions
        .iter()
        .take(MAX_ROWS)
        .filter_map(|&position| graph.connections.get(position))
        .map(|connection| {
            let text = connection_text(connection);
            let verdict = if connection.allowed { "allowed" } else { "denied" };
            view! {
                <li data-testid="policy-connection" data-verdict=verdict data-from=end_name(&connection.from) data-to=connection.to.workload.name.clone() data-port=connection.port.to_string()>
                    <span class=format!("verdict {verdict}")>{verdict}</span>" " {text}
                    <span class="hint">{format!(" {}", connection.label)}</span>
                </li>
            }
        })
        .collect_view();
    let n_more = positions.len().saturating_sub(MAX_ROWS);
    view! {
        {rows}
        {(n_more > 0).then(|| view! { <li class="hint">{format!("… and {n_more} more")}</li> })}
    }
}

fn end_name(end: &PolicyEnd) -> String {
    match end {
        PolicyEnd::External => "external".to_string(),
        PolicyEnd::Workload(key) => key.workload.name.clone(),
    }
}

fn connection_text(connection: &PolicyConnection) -> String {
    format!(
        "{} → {} :{}/{}",
        end_name(&connection.from),
        connection.to.workload.name,
        connection.port,
        connection.protocol
    )
}
