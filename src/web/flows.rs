//! Drops you cannot miss: the simulator's counters per Service and per node
//! (delivered, dropped, rejected, and a Gateway's own answers, each in its own
//! column: redirected, a 3xx; answered, a CORS preflight's 2xx) and the list of
//! recent connections with their
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
    let services = move || {
        let rows = traffic.counters.with(|c| {
            c.per_service
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect()
        });
        counter_table("service-counter", "Service", rows)
    };
    let nodes = move || {
        let rows = traffic
            .counters
            .with(|c| c.per_node.iter().map(|(k, v)| (k.clone(), *v)).collect());
        counter_table("node-counter", "Node", rows)
    };
    let recent = move || {
        traffic
            .recent
            .get()
            .into_iter()
            .take(25)
            .map(|row| {
                let path = row.path;
                let text = match &row.node {
                    Some(node) => format!("{} · {} · on {node}", row.label, row.flow),
                    None => format!("{} · {}", row.label, row.flow),
                };
                view! {
                    <li class=row.verdict.as_str()><button type="button" class="flow-row" data-testid="flow-row" data-verdict=row.verdict.as_str() data-label=row.label
                        title="Show every hop of this connection in the trace panel" on:click=move |ev| { trace_connection(state, path); keep_in_sight(&ev) }>{text}</button></li>
                }
                .into_any()
            })
            .collect_view()
    };
    view! {
        <section class="flows" aria-label="Drops and flows">
            <h3>"Drops and flows"</h3>
            {services}
            {nodes}
            <h4>"Recent connections"</h4>
            <p class="hint" inner_html=super::template_markup("kt-flows-hint")></p>
            <ul class="plain recent-flows" data-testid="flows"
                on:pointerenter=move |_| traffic.recent_held.update_value(|held| held.0 = true)
                on:pointerleave=move |_| traffic.recent_held.update_value(|held| held.0 = false)
                on:focusin=move |event| {
                    // Keyboard focus holds the list; a row focused by a click does not
                    // keep holding it once the pointer leaves.
                    let keyboard = event
                        .target()
                        .and_then(|target| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(target).ok())
                        .is_some_and(|element| element.matches(":focus-visible").unwrap_or(false));
                    traffic.recent_held.update_value(|held| held.1 = keyboard);
                }
                on:focusout=move |_| traffic.recent_held.update_value(|held| held.1 = false)>{recent}</ul>
        </section>
    }
}

/// Keeps the row just clicked (or pressed with Enter) in sight once the trace it
/// asked for is drawn: the trace panel opens above the details' scrolling body,
/// which it shortens by its own height.
fn keep_in_sight(event: &leptos::ev::MouseEvent) {
    use wasm_bindgen::JsCast;
    let Some(row) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    request_animation_frame(move || {
        let Some(body) = row.closest(".details-body").ok().flatten() else {
            return;
        };
        let (shown, room) = (
            row.get_bounding_client_rect(),
            body.get_bounding_client_rect(),
        );
        if shown.bottom() > room.bottom() || shown.top() < room.top() {
            row.scroll_into_view_with_bool(false);
        }
    });
}

/// Runs `change`, which may add rows to the counter tables, and keeps the control
/// that has the focus in the details pane where it was on screen: a flow row or an
/// Undo the user is on does not slide down, or out of the pane, as new Services
/// get traffic (issue #10, point 8). The browser's scroll anchoring does this only
/// once the pane is scrolled, not at its top.
///
/// The pane is scrolled once the tables are drawn again, before the frame is
/// painted: the signals' effects run as tasks queued when `change` sets them, and
/// the task queued here runs after them.
pub fn keeping_focus_in_place(change: impl FnOnce()) {
    let focused = document().active_element().and_then(|element| {
        let body = element.closest(".details-body").ok().flatten()?;
        let now = element.get_bounding_client_rect().top();
        // The pane scrolls by whole pixels: kept to where the control stood before
        // the last change, unless the user has moved it since, so that the
        // roundings do not add up.
        let top = KEPT_AT.with_borrow(|kept| match kept {
            Some((kept, top)) if *kept == element && (now - top).abs() < 1.0 => *top,
            _ => now,
        });
        Some((element, body, top))
    });
    change();
    let Some((element, body, top)) = focused else {
        return;
    };
    leptos::task::spawn_local(async move {
        if !element.is_connected() {
            return;
        }
        let moved = element.get_bounding_client_rect().top() - top;
        if moved.abs() >= 0.5 {
            body.set_scroll_top(body.scroll_top() + moved.round() as i32);
        }
        KEPT_AT.set(Some((element, top)));
    });
}

thread_local! {
    /// The control [`keeping_focus_in_place`] kept last, and where.
    static KEPT_AT: std::cell::RefCell<Option<(web_sys::Element, f64)>> =
        const { std::cell::RefCell::new(None) };
}

/// A table of counters, one row per Service or node: `data-testid=test_id` and
/// `data-key`, `data-delivered`, `data-dropped`, `data-rejected`, `data-redirected`
/// and `data-answered` on each row.
fn counter_table(
    test_id: &'static str,
    heading: &'static str,
    rows: Vec<(String, VerdictCounts)>,
) -> AnyView {
    let n_rows = rows.len();
    let rows = shown_rows(rows);
    let n_more = n_rows - rows.len();
    let rows = rows
        .into_iter()
        .map(|(key, counts)| {
            let bad = if counts.dropped + counts.rejected > 0 { "bad" } else { "" };
            let label = key.clone();
            view! {
                <tr data-testid=test_id data-key=key data-delivered=counts.delivered data-dropped=counts.dropped data-rejected=counts.rejected data-redirected=counts.redirected data-answered=counts.answered class=bad>
                    <td>{label}</td><td>{counts.delivered}</td><td>{counts.dropped}</td><td>{counts.rejected}</td><td>{counts.redirected}</td><td>{counts.answered}</td>
                </tr>
            }
            .into_any()
        })
        .collect_view();
    view! {
        <table class="compact counters">
            <thead><tr inner_html=format!("<th>{heading}</th>{}", super::template_markup("kt-counter-columns"))></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {(n_more > 0).then(|| view! { <p class="hint">{format!("… and {n_more} more without drops")}</p> })}
    }
    .into_any()
}

/// At most this many rows per table: the tables are rebuilt a few times a second
/// while traffic runs, and a 10,000-pod cluster has thousands of Services (issue #9).
const MAX_ROWS: usize = 100;

/// The rows a table shows, in their order: every row with drops, rejects or a
/// Gateway's own answers first, then the others while there is room.
fn shown_rows(rows: Vec<(String, VerdictCounts)>) -> Vec<(String, VerdictCounts)> {
    let notable = |counts: &VerdictCounts| {
        counts.dropped + counts.rejected + counts.redirected + counts.answered > 0
    };
    let n_notable = rows.iter().filter(|(_, counts)| notable(counts)).count();
    let mut room = MAX_ROWS.saturating_sub(n_notable);
    rows.into_iter()
        .filter(|(_, counts)| {
            if notable(counts) {
                return true;
            }
            if room == 0 {
                return false;
            }
            room -= 1;
            true
        })
        .collect()
}
