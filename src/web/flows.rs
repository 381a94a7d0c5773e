//! Drops you cannot miss: the simulator's counters per Service and per node
//! (delivered, dropped, rejected) and the list of recent connections with their
//! verdicts and the engine's short reasons. Clicking a connection shows its full
//! trace in the trace panel.

use leptos::prelude::*;

use super::state::AppState;
use super::traffic::{trace_connection, TrafficState};
use crate::engine::sim::VerdictCounts;

#[component]
pub fn FlowsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let traffic = expect_context::<TrafficState>();
    let count_cells = |counts: &VerdictCounts| {
        view! {
            <td data-kind="delivered">{counts.delivered.to_string()}</td>
            <td data-kind="dropped" class:bad={counts.dropped > 0}>{counts.dropped.to_string()}</td>
            <td data-kind="rejected" class:bad={counts.rejected > 0}>{counts.rejected.to_string()}</td>
        }
    };
    let services = move || {
        traffic
            .counters
            .get()
            .per_service
            .iter()
            .map(|(service, counts)| {
                view! {
                    <tr data-testid="service-counter" data-service=service.to_string() data-dropped=counts.dropped.to_string() data-delivered=counts.delivered.to_string() data-rejected=counts.rejected.to_string()>
                        <td>{service.to_string()}</td>{count_cells(counts)}
                    </tr>
                }
            })
            .collect_view()
    };
    let nodes = move || {
        traffic
            .counters
            .get()
            .per_node
            .iter()
            .map(|(node, counts)| {
                view! {
                    <tr data-testid="node-counter" data-node=node.clone() data-dropped=counts.dropped.to_string() data-delivered=counts.delivered.to_string() data-rejected=counts.rejected.to_string()>
                        <td>{node.clone()}</td>{count_cells(counts)}
                    </tr>
                }
            })
            .collect_view()
    };
    let recent = move || {
        traffic
            .recent
            .get()
            .into_iter()
            .take(25)
            .map(|row| {
                let path = row.path;
                let verdict = row.verdict.as_str();
                let place = row.node.clone().map(|n| format!(" on {n}")).unwrap_or_default();
                view! {
                    <li>
                        <button type="button" class="flow-row" data-testid="flow-row" data-verdict=verdict data-label=row.label.clone()
                            title="Show every hop of this connection in the trace panel" on:click=move |_| trace_connection(state, path)>
                            <span class=format!("verdict {verdict}")>{row.label.clone()}</span>
                            " " <span class="flow-label">{row.flow.clone()}</span>
                            <span class="hint">{place}</span>
                        </button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="flows" aria-label="Drops and flows">
            <h3>"Drops and flows"</h3>
            <table class="compact counters" data-testid="service-counters">
                <thead><tr><th>"Service"</th><th>"Delivered"</th><th>"Dropped"</th><th>"Rejected"</th></tr></thead>
                <tbody>{services}</tbody>
            </table>
            <table class="compact counters" data-testid="node-counters">
                <thead><tr><th>"Node"</th><th>"Delivered"</th><th>"Dropped"</th><th>"Rejected"</th></tr></thead>
                <tbody>{nodes}</tbody>
            </table>
            <h4>"Recent connections"</h4>
            <p class="hint">"Newest first; click one to see its trace."</p>
            <ul class="plain recent-flows" data-testid="flows">{recent}</ul>
        </section>
    }
}
