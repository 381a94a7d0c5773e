//! The table view: Services and their endpoints as plain tables, a
//! non-graphical alternative to the graph.

use leptos::prelude::*;

use super::state::AppState;
use crate::engine::scene;

#[component]
pub fn TableView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let rows = move || {
        let topology = state.topology.get();
        topology
            .value
            .services
            .iter()
            .map(|service| {
                let id = scene::service_id(&service.namespace, &service.name);
                let select = move |_| state.selection.set(Some(id.clone()));
                let ports: Vec<String> = service.ports.iter().map(|p| match p.node_port {
                    Some(n) => format!("{}:{}/{}", p.port, n, p.protocol),
                    None => format!("{}/{}", p.port, p.protocol),
                }).collect();
                let endpoints: Vec<String> = service
                    .endpoints
                    .iter()
                    .map(|e| format!("{} {}{}", e.pod.as_ref().map_or_else(|| "manual".to_string(), ToString::to_string), e.addresses.first().map(ToString::to_string).unwrap_or_default(), if e.ready { "" } else { " (not ready)" }))
                    .collect();
                view! {
                    <tr>
                        <td><button type="button" class="link" on:click=select>{service.key().to_string()}</button></td>
                        <td>{if service.headless { "Headless".to_string() } else { service.service_type.as_str().to_string() }}</td>
                        <td>{service.cluster_ips.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")}</td>
                        <td>{ports.join(", ")}</td>
                        <td><ul class="plain">{endpoints.into_iter().map(|e| view! { <li>{e}</li> }).collect_view()}</ul></td>
                    </tr>
                }
            })
            .collect_view()
    };
    // Embedded, the page sizes itself to the table (see `embed`).
    let table_ref = NodeRef::<leptos::html::Div>::new();
    if super::embed::is_embedded() {
        Effect::new(move |_| {
            let _ = state.topology.get();
            request_animation_frame(move || {
                // The graph may have replaced the table before this frame.
                if let Some(element) = table_ref.try_get_untracked().flatten() {
                    super::embed::report_height(super::embed::content_height(&element));
                }
            });
        });
    }
    view! {
        <div class="table-view" node_ref=table_ref data-testid="table-view">
            <table>
                <caption>"Services and their endpoints"</caption>
                <thead><tr><th scope="col">"Service"</th><th scope="col">"Type"</th><th scope="col">"Cluster IP"</th><th scope="col">"Ports"</th><th scope="col">"Endpoints"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
