//! The details of Gateway API objects (§11): a Gateway with its listeners and the
//! Routes attached to them, and a Route with its rules in precedence order, its
//! parents' conditions and its YAML. Everything shown comes from the engine's
//! `GatewayTopology`; the panel only lays it out.

use leptos::prelude::*;

use super::details::{diagnostics_list, source_block};
use super::state::AppState;
use crate::engine::gateway::routing::rules_in_precedence;
use crate::engine::gateway::status::{Condition, ResolvedRoute};
use crate::engine::scene::gateway::{parse_listener_key, route_id, short_match, weight_share};
use crate::engine::scene::{self, IdKind};
use crate::engine::whatif::Mutation;
use crate::engine::Topology;

/// The details of the Gateway, listener or Route that `id` names.
pub fn details(topology: &Topology, id: &str, state: AppState) -> AnyView {
    match scene::parse_id(id) {
        Some((IdKind::Gateway, key)) => gateway_details(topology, key, None, state),
        Some((IdKind::Listener, key)) => match parse_listener_key(key) {
            Some((gateway, listener)) => {
                gateway_details(topology, &gateway.to_string(), Some(listener), state)
            }
            None => missing("No such listener."),
        },
        Some((IdKind::Route, key)) => route_details(topology, key, state),
        _ => missing("Not a Gateway API object."),
    }
}

fn missing(text: &'static str) -> AnyView {
    view! { <p class="hint">{text}</p> }.into_any()
}

fn conditions_table(conditions: &[Condition], testid: &'static str) -> impl IntoView {
    view! {
        <table class="compact conditions" data-testid=testid>
            <thead><tr><th>"Type"</th><th>"Status"</th><th>"Reason"</th><th>"Message"</th></tr></thead>
            <tbody>{conditions.iter().map(|c| view! {
                <tr data-testid="condition" data-type=c.condition_type data-status=c.status.as_str()>
                    <td>{c.condition_type}</td><td class=format!("status {}", c.status.as_str().to_lowercase())>{c.status.as_str()}</td><td>{c.reason}</td><td>{c.message.clone()}</td>
                </tr>
            }).collect_view()}</tbody>
        </table>
    }
}

fn select_button(state: AppState, id: String, text: String) -> impl IntoView {
    view! { <button type="button" class="link" data-testid="select-route" on:click=move |_| state.selection.set(Some(id.clone()))>{text}</button> }
}

fn gateway_details(
    topology: &Topology,
    key: &str,
    listener: Option<&str>,
    state: AppState,
) -> AnyView {
    let Some((gateway_index, gateway)) = topology
        .gateway
        .gateways
        .iter()
        .enumerate()
        .find(|(_, g)| g.key().to_string() == key)
    else {
        return missing("This Gateway no longer exists.");
    };
    let raw = topology
        .manifests
        .gateway
        .gateways
        .iter()
        .find(|g| g.key() == gateway.key());
    let object = format!("Gateway/{key}");
    let routes: Vec<&ResolvedRoute> = topology
        .gateway
        .routes
        .iter()
        .filter(|r| r.parents.iter().any(|p| p.gateway_index == Some(gateway_index)))
        .collect();
    let listeners = gateway
        .listeners
        .iter()
        .enumerate()
        .filter(|(_, l)| listener.is_none_or(|name| name == l.name))
        .map(|(position, l)| {
            let on_listener: Vec<_> = routes
                .iter()
                .filter(|r| {
                    r.parents.iter().any(|p| {
                        p.gateway_index == Some(gateway_index)
                            && p.attachments.iter().any(|a| a.listener == position)
                    })
                })
                .map(|r| select_button(state, route_id(r), format!("{} {}", r.kind, r.key())))
                .collect_view();
            view! {
                <div class="listener" data-testid="listener" data-listener=l.name.clone()>
                    <h4>{format!("{} · {} :{} · {}", l.name, l.protocol, l.port, l.hostname.as_deref().unwrap_or("any hostname"))}</h4>
                    <p data-testid="attached-routes">{format!("{} attached Route{}", l.attached_routes, if l.attached_routes == 1 { "" } else { "s" })} " " {on_listener}</p>
                    {conditions_table(&l.conditions, "listener-conditions")}
                </div>
            }
        })
        .collect_view();
    let route_rows = routes
        .iter()
        .map(|route| {
            let accepted = route
                .parents
                .iter()
                .filter(|p| p.gateway_index == Some(gateway_index))
                .flat_map(|p| p.conditions.iter().filter(|c| c.condition_type == "Accepted"))
                .map(|c| format!("Accepted {} ({})", c.status, c.reason))
                .collect::<Vec<_>>()
                .join(", ");
            view! { <li>{select_button(state, route_id(route), format!("{} {}", route.kind, route.key()))} " " {accepted}</li> }
        })
        .collect_view();
    let addresses: Vec<String> = gateway.addresses.iter().map(|a| a.value.clone()).collect();
    let proxy = gateway.proxy_service.clone();
    view! {
        <h2 data-testid="details-title">{format!("Gateway {key}")}</h2>
        <dl class="facts">
            <dt>"Class"</dt><dd>{gateway.gateway_class.clone()}</dd>
            <dt>"Addresses"</dt><dd>{if addresses.is_empty() { "none".to_string() } else { addresses.join(", ") }}</dd>
            <dt>"Proxy"</dt><dd>{proxy.map_or_else(|| "none".to_string(), |p| format!("{p}{}", if gateway.proxy_simulated { " (simulated)" } else { "" }))}</dd>
        </dl>
        {conditions_table(&gateway.conditions, "gateway-conditions")}
        <h3>{if listener.is_some() { "Listener" } else { "Listeners" }}</h3>
        {listeners}
        <h3>"Routes"</h3>
        <ul class="plain" data-testid="gateway-routes">{route_rows}</ul>
        <h3>"Diagnostics"</h3>
        {diagnostics_list(topology, &object, state)}
        {raw.map(|raw| source_block(state, &raw.meta.source.file, raw.meta.source.line, raw.meta.end_line))}
    }
    .into_any()
}

fn route_details(topology: &Topology, key: &str, state: AppState) -> AnyView {
    let Some(route) = topology
        .gateway
        .routes
        .iter()
        .find(|r| format!("{}/{}", r.kind, r.key()) == key)
    else {
        return missing("This Route no longer exists.");
    };
    let Some(raw) = topology.manifests.gateway.routes.get(route.route_index) else {
        return missing("This Route no longer exists.");
    };
    let object = format!("{}/{}", route.kind, route.key());
    let parents = route
        .parents
        .iter()
        .map(|parent| {
            let mut title = format!("Gateway {}", parent.gateway);
            if let Some(section) = &parent.section_name {
                title.push_str(&format!(", listener {section}"));
            }
            if let Some(port) = parent.port {
                title.push_str(&format!(", port {port}"));
            }
            let detach = {
                let (kind, namespace, name) =
                    (raw.kind, route.namespace.clone(), route.name.clone());
                let gateway = parent.gateway.clone();
                move |_| {
                    super::traffic::edit(
                        state,
                        Mutation::DetachRoute {
                            kind,
                            namespace: namespace.clone(),
                            name: name.clone(),
                            gateway: gateway.clone(),
                        },
                    )
                }
            };
            view! {
                <div class="parent" data-testid="route-parent">
                    <h4>{title}</h4>
                    {conditions_table(&parent.conditions, "parent-conditions")}
                    <button type="button" data-testid="detach-route" on:click=detach>"Detach from this Gateway"</button>
                </div>
            }
        })
        .collect_view();
    let rules = rules_in_precedence(raw)
        .into_iter()
        .filter_map(|index| Some((index, route.rules.get(index)?, raw.rules.get(index)?)))
        .map(|(index, rule, raw_rule)| {
            let total: i64 = rule.backends.iter().map(|b| b.weight.max(0)).sum();
            let matches = if raw_rule.matches.is_empty() {
                "every request".to_string()
            } else {
                raw_rule.matches.iter().map(short_match).collect::<Vec<_>>().join(" | ")
            };
            let backends = rule
                .backends
                .iter()
                .enumerate()
                .map(|(backend_index, backend)| {
                    let share = weight_share(backend.weight.max(0), total);
                    let problem = backend.problem.map(|p| format!(" ✗ {p}")).unwrap_or_default();
                    let set_weight = {
                        let (kind, namespace, name) =
                            (raw.kind, route.namespace.clone(), route.name.clone());
                        move |ev: leptos::ev::Event| {
                            let Ok(weight) = event_target_value(&ev).trim().parse::<i64>() else {
                                return;
                            };
                            super::traffic::edit(
                                state,
                                Mutation::SetBackendWeight {
                                    kind,
                                    namespace: namespace.clone(),
                                    name: name.clone(),
                                    rule: index,
                                    backend: backend_index,
                                    weight,
                                },
                            );
                        }
                    };
                    view! {
                        <li data-testid="rule-backend" data-backend=backend.backend.clone()>
                            {format!("{} {}{problem}", backend.backend, if share.is_empty() { String::new() } else { format!("· {share}") })}
                            " " <label>"weight "
                                <input type="number" min="0" max="1000000" class="weight" aria-label=format!("Weight of {}", backend.backend) data-testid="backend-weight" prop:value=backend.weight.to_string() on:change=set_weight />
                            </label>
                        </li>
                    }
                })
                .collect_view();
            let filters = if rule.filters.is_empty() {
                String::new()
            } else {
                format!("filters: {}", rule.filters.join(", "))
            };
            view! {
                <li data-testid="route-rule" data-rule=index.to_string()>
                    <strong>{format!("rule {index}")}</strong> " " <code>{matches}</code>
                    {rule.dropped.clone().map(|why| view! { <span class="hint">{format!(" dropped: {why}")}</span> })}
                    <div class="hint">{filters}</div>
                    <ul class="plain">{backends}</ul>
                </li>
            }
        })
        .collect_view();
    // The ReferenceGrants in the namespaces of this Route's cross-namespace backends.
    let backend_namespaces: std::collections::BTreeSet<&str> = raw
        .rules
        .iter()
        .flat_map(|rule| &rule.backend_refs)
        .map(|backend| backend.namespace.as_str())
        .filter(|namespace| *namespace != route.namespace)
        .collect();
    let grants = topology
        .manifests
        .gateway
        .grants
        .iter()
        .filter(|grant| backend_namespaces.contains(grant.meta.namespace.as_str()))
        .map(|grant| {
            let (namespace, name) = (grant.meta.namespace.clone(), grant.meta.name.clone());
            let label = format!("ReferenceGrant {namespace}/{name}");
            let delete = move |_| {
                super::traffic::edit(
                    state,
                    Mutation::DeleteReferenceGrant {
                        namespace: namespace.clone(),
                        name: name.clone(),
                    },
                )
            };
            view! { <li data-testid="reference-grant">{label} " " <button type="button" class="small" data-testid="delete-grant" on:click=delete>"Delete"</button></li> }
        })
        .collect_view();
    view! {
        <h2 data-testid="details-title">{format!("{} {}", route.kind, route.key())}</h2>
        <dl class="facts">
            <dt>"Hostnames"</dt><dd>{if route.hostnames.is_empty() { "any (the listener's)".to_string() } else { route.hostnames.join(", ") }}</dd>
        </dl>
        <h3>"Parents"</h3>
        {parents}
        <h3>"Rules, in precedence order"</h3>
        <ol class="plain rules" data-testid="route-rules">{rules}</ol>
        <h3>"ReferenceGrants"</h3>
        <ul class="plain" data-testid="reference-grants">{grants}</ul>
        <h3>"Diagnostics"</h3>
        {diagnostics_list(topology, &object, state)}
        {source_block(state, &raw.meta.source.file, raw.meta.source.line, raw.meta.end_line)}
    }
    .into_any()
}
