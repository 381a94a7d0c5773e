//! The details of Gateway API objects (§11.14): the engine's
//! `gateway::panel::Panel` drawn as titled lists of lines, each with at most one
//! action (select a Route, a what-if button, a weight field). One generic
//! component, so the Gateway API costs little wasm.

use leptos::prelude::*;

use super::details::{diagnostics_list, source_block};
use super::state::AppState;
use crate::engine::gateway::panel::{panel, Action, Line};
use crate::engine::Topology;

/// The details of the Gateway, listener or Route that `id` names.
pub fn details(topology: &Topology, id: &str, state: AppState) -> AnyView {
    let Some(panel) = panel(topology, id) else {
        return view! { <p class="hint">"This Gateway API object no longer exists."</p> }
            .into_any();
    };
    let sections = panel
        .sections
        .into_iter()
        .map(|section| {
            view! {
                <h3>{section.title}</h3>
                <ul class="plain gateway-lines" data-testid=section.testid>
                    {section.lines.into_iter().map(|line| line_view(state, line)).collect_view()}
                </ul>
            }
        })
        .collect_view();
    view! {
        <h2 data-testid="details-title">{panel.title}</h2>
        {sections}
        <h3>"Diagnostics"</h3>
        {diagnostics_list(topology, &panel.object, state)}
        {panel.source.map(|(source, end_line)| source_block(state, &source.file, source.line, end_line))}
    }
    .into_any()
}

fn line_view(state: AppState, line: Line) -> impl IntoView {
    let Line {
        text,
        testid,
        action,
    } = line;
    let action = match action {
        // One button for both: a Route's line selects the Route, an edit's applies it.
        Some(action @ (Action::Select(_) | Action::Edit(..))) => {
            let label = match &action {
                Action::Edit(label, _) => *label,
                _ => "Show",
            };
            view! {
                <button type="button" class="small" on:click=move |_| match &action {
                    Action::Select(id) => state.selection.set(Some(id.clone())),
                    Action::Edit(_, mutation) => super::edits::edit(state, mutation.clone()),
                    Action::Weight(_) => {}
                }>{label}</button>
            }
            .into_any()
        }
        Some(Action::Weight(mutation)) => {
            let current = match &mutation {
                crate::engine::whatif::Mutation::SetBackendWeight { weight, .. } => *weight,
                _ => 0,
            };
            view! {
                <input type="number" min="0" max="1000000" class="weight" aria-label="Weight" data-testid="backend-weight" prop:value=current.to_string()
                    on:change=move |ev| { if let Ok(weight) = event_target_value(&ev).trim().parse::<i64>() { super::edits::edit(state, mutation.with_weight(weight)) } } />
            }
            .into_any()
        }
        None => ().into_any(),
    };
    view! { <li data-testid=testid>{text} " " {action}</li> }.into_any()
}

/// The request form of the trace panel: host, path, method and headers, traced
/// from the form's source through the Gateway (or Ingress) that takes the host,
/// with the engine's HTTP trace, as `kubetopo trace --to URL --method --header`.
/// The result shows where every trace shows.
#[component]
pub fn RequestForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let traffic = expect_context::<super::traffic::TrafficState>();
    let (host, path, method, headers) = (
        RwSignal::new(String::new()),
        RwSignal::new("/".to_string()),
        RwSignal::new("GET".to_string()),
        RwSignal::new(String::new()),
    );
    let send = move |_| {
        use crate::engine::trace;
        match trace::parse_http_request(
            &host.get_untracked(),
            &path.get_untracked(),
            &method.get_untracked(),
            &headers.get_untracked(),
        ) {
            Ok((destination, options)) => {
                traffic.trace_to.set(destination.to_string());
                super::traffic::trace_form(state, traffic, &options);
                traffic
                    .request_http
                    .set_value(Some((destination.to_string(), options)));
            }
            Err(error) => {
                traffic.trace.set(None);
                traffic.trace_error.set(Some(error));
            }
        }
    };
    let field = move |label: &'static str, testid: &'static str, value: RwSignal<String>| {
        view! { <label>{label} <input type="text" data-testid=testid prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) /></label> }
    };
    view! {
        <details class="request-form" data-testid="request-form">
            <summary>"HTTP request"</summary>
            {field("Host ", "request-host", host)}
            {field("Path ", "request-path", path)}
            {field("Method ", "request-method", method)}
            <label>"Headers, one Name: value per line"
                <textarea rows="2" data-testid="request-headers" prop:value=move || headers.get() on:input=move |ev| headers.set(event_target_value(&ev))></textarea>
            </label>
            <button type="button" data-testid="send-request" on:click=send>"Send request"</button>
        </details>
    }
}
