//! The NetworkPolicies panel: each policy (select one to see what it selects and
//! what it allows, or disable it as a what-if edit), each workload's isolation, and
//! every connection the policies decide, allowed or denied, per port. The engine's
//! `policy_graph` computes all of it.

use std::cell::RefCell;
use std::sync::{Arc, Weak};

use leptos::prelude::*;

use super::state::AppState;
use crate::engine::pause::Pause;
use crate::engine::policy_graph::{self, PolicyGraph};
use crate::engine::Topology;

/// At most this many connections are listed per section; the rest are counted.
const MAX_ROWS: usize = 300;

thread_local! {
    /// The policy graph of a topology about to be installed, made ahead
    /// ([`graph_ahead`]): the panel takes it if it is for the topology it shows.
    static GRAPH_AHEAD: RefCell<Option<(Weak<Topology>, PolicyGraph)>> = const { RefCell::new(None) };
}

/// Works out the policy graph of `topology`, pausing where `pause` says so, for the
/// panel once `topology` is installed: at 100,000 pods it is about 220 ms of work
/// (issue #9).
pub async fn graph_ahead(topology: &Arc<Topology>, pause: &Pause<'_>) {
    let made = policy_graph::policy_graph_pausable(topology, pause).await;
    GRAPH_AHEAD.set(Some((Arc::downgrade(topology), made)));
}

#[component]
pub fn PoliciesPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Worked out after the picture of a new topology is painted, not before: at
    // 10,000 pods the graph and its lists take longer than the paste's first
    // picture should wait.
    let graph = RwSignal::new(std::sync::Arc::new(PolicyGraph::default()));
    Effect::new(move |_| {
        let version = state.topology.with(|topology| topology.version);
        let ahead = GRAPH_AHEAD.take().filter(|(made_for, _)| {
            state.topology.with_untracked(|topology| {
                std::ptr::eq(made_for.as_ptr(), Arc::as_ptr(&topology.value))
            })
        });
        if let Some((_, made)) = ahead {
            graph.set(Arc::new(made));
            return;
        }
        super::worker::after_paint(move || {
            state.topology.with_untracked(|topology| {
                if topology.version == version {
                    graph.set(std::sync::Arc::new(policy_graph::policy_graph(
                        &topology.value,
                    )));
                }
            })
        });
    });
    // The selected policy, which the graph's overlay also draws; one that an edit
    // removed simply shows nothing.
    let selected = expect_context::<super::traffic::TrafficState>().policy_selected;
    let body = move || {
        let graph = graph.get();
        let chosen = selected.get();
        let policies = graph
            .policies
            .iter()
            .map(|policy| {
                let name = policy.name.clone();
                let label = name.to_string();
                let is_selected = chosen.as_ref() == Some(&name);
                let toggle_name = name.clone();
                let toggle = move |_| {
                    let name = toggle_name.clone();
                    selected.update(|current| {
                        *current = (current.as_ref() != Some(&name)).then_some(name)
                    })
                };
                let disable = move |_| {
                    super::edits::edit(
                        state,
                        crate::engine::whatif::Mutation::RemoveNetworkPolicy {
                            namespace: name.namespace.clone(),
                            name: name.name.clone(),
                        },
                    )
                };
                view! {
                    <li data-testid="policy" data-policy=label.clone() class:selected=is_selected>
                        <button type="button" class="link" aria-pressed=is_selected.to_string() on:click=toggle>{label.clone()}</button>
                        <button type="button" class="small" aria-label=format!("Disable policy {label}") on:click=disable>"Disable"</button>
                    </li>
                }
                .into_any()
            })
            .collect_view();
        let detail = chosen
            .and_then(|name| graph.policies.iter().find(|p| p.name == name))
            .map(|policy| policy_detail(&graph, policy));
        // The isolated workloads first, then the others, as many as the other
        // lists hold: at 100,000 pods a row for each of 20,000 workloads took the
        // page 150 ms to make, in a list most never open.
        let mut shown: Vec<&policy_graph::WorkloadIsolation> =
            graph.workloads.iter().filter(|w| w.isolated()).collect();
        let n_isolated = shown.len();
        shown.extend(graph.workloads.iter().filter(|w| !w.isolated()));
        shown.truncate(MAX_ROWS);
        let mut isolation: Vec<AnyView> = shown
            .into_iter()
            .map(|workload| {
                let text = format!("{}: {}", workload.key.workload.name, isolation_text(workload));
                view! {
                    <li data-testid="isolation" data-workload=workload.key.to_string() data-isolated=workload.isolated().to_string() class:isolated=workload.isolated()>{text}</li>
                }
                .into_any()
            })
            .collect();
        add_more(&mut isolation, graph.workloads.len());
        let allowed: Vec<usize> = (0..graph.connections.len())
            .filter(|&i| graph.connections[i].allowed)
            .collect();
        let denied: Vec<usize> = (0..graph.connections.len())
            .filter(|&i| !graph.connections[i].allowed)
            .collect();
        let cut = if graph.truncated { ", list cut" } else { "" };
        view! {
            <ul class="policies plain" data-testid="policies">{policies}</ul>
            {detail}
            <details data-testid="policy-isolation">
                <summary>{format!("Isolation per workload ({n_isolated} of {} isolated)", graph.workloads.len())}</summary>
                <ul class="plain isolation">{isolation}</ul>
            </details>
            <details data-testid="policy-allowed">
                <summary>{counted("Allowed connections (", allowed.len(), ")")}</summary>
                <ul class="plain connections">{connection_rows(&graph, &allowed)}</ul>
            </details>
            <details data-testid="policy-denied">
                <summary>{format!("Denied connections ({}){cut}", denied.len())}</summary>
                <ul class="plain connections">{connection_rows(&graph, &denied)}</ul>
            </details>
        }
        .into_any()
    };
    view! {
        <section class="policies-panel" aria-label="NetworkPolicies">
            <h3>"NetworkPolicies"</h3>
            {body}
        </section>
    }
}

/// What a selected policy selects, allows, and isolates without allowing.
fn policy_detail(graph: &PolicyGraph, policy: &policy_graph::PolicySummary) -> AnyView {
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
        .map(|key| view! { <li data-testid="policy-selects">{key.to_string()}</li> }.into_any())
        .collect_view();
    view! {
        <div class="policy-detail" data-testid="policy-detail" data-policy=policy.name.to_string()>
            <h4>{format!("NetworkPolicy {}", policy.name)}</h4>
            <p class="hint">{format!("Isolates {} of the pods it selects.", directions.join(" and "))}</p>
            <h5>{counted("Selects ", policy.selects.len(), " workload(s)")}</h5>
            <ul class="plain">{selects}</ul>
            <h5>{counted("Allows ", policy.allows.len(), " connection(s)")}</h5>
            <ul class="plain connections" data-testid="policy-allows">{connection_rows(graph, &policy.allows)}</ul>
            <h5>{counted("Isolates, without allowing, ", policy.denies.len(), " connection(s)")}</h5>
            <ul class="plain connections" data-testid="policy-denies">{connection_rows(graph, &policy.denies)}</ul>
        </div>
    }
    .into_any()
}

/// `before`, the number `n`, then `after`.
#[inline(always)]
fn counted(before: &str, n: usize, after: &str) -> String {
    let mut text = String::from(before);
    text.push_str(&n.to_string());
    text.push_str(after);
    text
}

fn isolation_text(workload: &policy_graph::WorkloadIsolation) -> String {
    if !workload.isolated() {
        return "not isolated: no policy selects it".to_string();
    }
    let mut text = String::from("isolated: ");
    let sides = [
        ("ingress by ", &workload.ingress),
        ("egress by ", &workload.egress),
    ];
    for (side, names) in sides.into_iter().filter(|(_, names)| !names.is_empty()) {
        if text.len() > "isolated: ".len() {
            text.push_str("; ");
        }
        text.push_str(side);
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                text.push_str(", ");
            }
            text.push_str(&name.name);
        }
    }
    text
}

/// One line per connection: `allowed from → to :port/PROTO (label)`.
fn connection_rows(graph: &PolicyGraph, positions: &[usize]) -> AnyView {
    let mut rows: Vec<AnyView> = positions
        .iter()
        .take(MAX_ROWS)
        .filter_map(|&position| graph.connections.get(position))
        .map(|connection| {
            let verdict = if connection.allowed { "allowed" } else { "denied" };
            let mut text = String::from(verdict);
            text.push(' ');
            text.push_str(&connection.text());
            text.push_str(" · ");
            text.push_str(&connection.label);
            view! {
                <li data-testid="policy-connection" class=verdict data-verdict=verdict data-from=connection.from.name().to_string() data-to=connection.to.workload.name.clone() data-port=connection.port>{text}</li>
            }
            .into_any()
        })
        .collect();
    add_more(&mut rows, positions.len());
    rows.into_any()
}

/// Ends a list of at most [`MAX_ROWS`] rows of `n` with a count of the rest.
fn add_more(rows: &mut Vec<AnyView>, n: usize) {
    if n > MAX_ROWS {
        let n_more = n - MAX_ROWS;
        rows.push(view! { <li class="hint">{format!("… and {n_more} more")}</li> }.into_any());
    }
}
