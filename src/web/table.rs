//! The table view: Services and their endpoints as plain tables, a
//! non-graphical alternative to the graph.

use leptos::prelude::*;

use super::details::push_cell;
use super::state::AppState;
use crate::engine::scene;

#[component]
pub fn TableView() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The rows as markup, each Service's name a button that selects it (one
    // listener on the body for all of them): far less wasm than a `view!` per row,
    // and a little faster (docs/performance.md: 4.7 to 3.9 s at 20,000 Services,
    // most of it the browser's own layout of the table).
    let rows = move || {
        let topology = state.topology.get();
        let mut out = String::new();
        for service in &topology.value.services {
            let id = scene::service_id(&service.namespace, &service.name);
            out.push_str("<tr><td><button type=\"button\" class=\"link\" data-id=\"");
            out.push_str(&scene::escape(&id));
            out.push_str("\">");
            out.push_str(&scene::escape(&service.key().to_string()));
            out.push_str("</button></td>");
            let kind = if service.headless {
                "Headless"
            } else {
                service.service_type.as_str()
            };
            push_cell(&mut out, "", kind);
            let ips: Vec<String> = service
                .cluster_ips
                .iter()
                .map(ToString::to_string)
                .collect();
            push_cell(&mut out, "", &ips.join(", "));
            let ports: Vec<String> = service
                .ports
                .iter()
                .map(|p| match p.node_port {
                    Some(n) => format!("{}:{}/{}", p.port, n, p.protocol),
                    None => format!("{}/{}", p.port, p.protocol),
                })
                .collect();
            push_cell(&mut out, "", &ports.join(", "));
            out.push_str("<td><ul class=\"plain\">");
            for e in &service.endpoints {
                let pod = e
                    .pod
                    .as_ref()
                    .map_or_else(|| "manual".to_string(), ToString::to_string);
                let address = e
                    .addresses
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let ready = if e.ready { "" } else { " (not ready)" };
                out.push_str("<li>");
                out.push_str(&scene::escape(&format!("{pod} {address}{ready}")));
                out.push_str("</li>");
            }
            out.push_str("</ul></td></tr>");
        }
        out
    };
    let select = move |ev: leptos::ev::MouseEvent| {
        if let Some(id) = super::attribute_around(ev.target(), "data-id") {
            state.selection.set(Some(id));
        }
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
                <tbody inner_html=rows on:click=select></tbody>
            </table>
        </div>
    }
}
