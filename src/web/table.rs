//! The table view: Services and their endpoints as plain tables, a
//! non-graphical alternative to the graph.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::details::push_cell;
use super::state::{AppState, Versioned};
use crate::engine::resolve::{ResolvedPort, ResolvedService};
use crate::engine::{scene, Topology};

/// Rows written in one task: the first screenful and more, so that the table shows
/// at once, and a task of about 30 ms at most (issue #9: 20,000 Services in one task
/// were 1.2 s at 100,000 pods, most of it the browser's parsing of the rows).
const ROWS_PER_TASK: usize = 500;

#[component]
pub fn TableView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let body = NodeRef::<leptos::html::Tbody>::new();
    // The rows as markup, each Service's name a button that selects it (one
    // listener on the body for all of them): far less wasm than a `view!` per row,
    // and a little faster (docs/performance.md: 4.7 to 3.9 s at 20,000 Services,
    // most of it the browser's own layout of the table). Written in parts, a task
    // each; a newer topology, or another tab, stops the parts of the old one.
    Effect::new(move |_| {
        let topology = state.topology.get();
        if let Some(body) = body.get() {
            body.set_inner_html("");
            write_rows(state, body.into(), topology, 0);
        }
    });
    let select = move |ev: leptos::ev::MouseEvent| {
        if let Some(id) = super::attribute_around(ev.target(), "data-id") {
            state.selection.set(Some(id));
        }
    };
    view! {
        <div class="table-view" data-testid="table-view">
            <table>
                <caption>"Services and their endpoints"</caption>
                <thead inner_html=super::template_markup("kt-table-columns")></thead>
                <tbody node_ref=body on:click=select></tbody>
            </table>
        </div>
    }
}

/// Appends the rows of `topology`'s Services from `from` on, [`ROWS_PER_TASK`] now
/// and the rest in the tasks after, while `body` is shown and the topology current.
fn write_rows(
    state: AppState,
    body: web_sys::HtmlElement,
    topology: Versioned<Topology>,
    from: usize,
) {
    let current = state
        .topology
        .try_with_untracked(|now| now.version == topology.version)
        .unwrap_or(false);
    if !current || !body.is_connected() {
        return;
    }
    let services = &topology.value.services;
    let to = services.len().min(from + ROWS_PER_TASK);
    let mut out = String::new();
    for service in &services[from..to] {
        push_row(&mut out, service);
    }
    let _ = body.insert_adjacent_html("beforeend", &out);
    if to < services.len() {
        super::worker::in_next_task(move || write_rows(state, body, topology, to));
    } else if super::embed::is_embedded() {
        // Embedded, the page sizes itself to the table, once it is whole.
        request_animation_frame(move || {
            if let Some(table) = body.parent_element().and_then(|t| t.parent_element()) {
                if let Ok(table) = table.dyn_into::<web_sys::HtmlElement>() {
                    super::embed::report_height(super::embed::content_height(&table));
                }
            }
        });
    }
}

/// One Service's row.
fn push_row(out: &mut String, service: &ResolvedService) {
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
    push_cell(out, "", kind);
    let ips: Vec<String> = service
        .cluster_ips
        .iter()
        .map(ToString::to_string)
        .collect();
    push_cell(out, "", &ips.join(", "));
    let ports: Vec<String> = service.ports.iter().map(ResolvedPort::summary).collect();
    push_cell(out, "", &ports.join(", "));
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
