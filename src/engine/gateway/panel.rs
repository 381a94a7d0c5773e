//! What the details panel shows for a Gateway, one of its listeners, or a Route
//! (§11.14), as plain lines with optional actions. The web app draws any [`Panel`]
//! with one small generic component, so the Gateway API adds almost no UI code to
//! the wasm, and what the panel says is tested natively.

use super::routing::rules_in_precedence;
use super::status::{Condition, GatewayTopology, ResolvedRoute};
use crate::engine::diag::Source;
use crate::engine::refs::NamespacedName;
use crate::engine::scene::gateway::{parse_listener_key, route_id, short_match, weight_share};
use crate::engine::scene::{parse_id, IdKind};
use crate::engine::whatif::Mutation;
use crate::engine::Topology;

/// The details of one object.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub title: String,
    /// The object its diagnostics name (`HTTPRoute/shop/storefront`).
    pub object: String,
    pub sections: Vec<Section>,
    /// Where its YAML starts, and its last line.
    pub source: Option<(Source, usize)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub title: String,
    /// A `data-testid` for the list.
    pub testid: &'static str,
    pub lines: Vec<Line>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub text: String,
    /// A `data-testid` for the line.
    pub testid: &'static str,
    pub action: Option<Action>,
}

/// What a line lets the user do.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Select another object by its scene id (a Route from its Gateway).
    Select(String),
    /// A what-if edit behind a button with this label.
    Edit(&'static str, Mutation),
    /// A weight field; the edit is [`Mutation::SetBackendWeight`] with the current
    /// weight, which the field replaces.
    Weight(Mutation),
}

/// The panel of the Gateway, listener or Route that the scene id `id` names, or
/// `None` when there is no such object (any more).
pub fn panel(topology: &Topology, id: &str) -> Option<Panel> {
    match parse_id(id)? {
        (IdKind::Gateway, key) => gateway_panel(topology, key, None),
        (IdKind::Listener, key) => {
            let (gateway, listener) = parse_listener_key(key)?;
            gateway_panel(topology, &gateway.to_string(), Some(listener))
        }
        (IdKind::Route, key) => route_panel(topology, key),
        _ => None,
    }
}

/// `Accepted True (Accepted): message`, one line per condition.
fn condition_lines(conditions: &[Condition]) -> Vec<Line> {
    conditions
        .iter()
        .map(|c| Line {
            text: format!(
                "{} {} ({}): {}",
                c.condition_type, c.status, c.reason, c.message
            ),
            testid: "condition",
            action: None,
        })
        .collect()
}

fn plain(text: String) -> Line {
    Line {
        text,
        testid: "fact",
        action: None,
    }
}

fn routes_on(
    gateway_topology: &GatewayTopology,
    gateway_index: usize,
    listener: Option<usize>,
) -> Vec<&ResolvedRoute> {
    gateway_topology
        .routes
        .iter()
        .filter(|route| {
            route.parents.iter().any(|p| {
                p.gateway_index == Some(gateway_index)
                    && listener.is_none_or(|l| p.attachments.iter().any(|a| a.listener == l))
            })
        })
        .collect()
}

fn gateway_panel(topology: &Topology, key: &str, listener: Option<&str>) -> Option<Panel> {
    let gateways = &topology.gateway.gateways;
    let gateway_index = gateways.iter().position(|g| g.key().to_string() == key)?;
    let gateway = &gateways[gateway_index];
    let addresses: Vec<&str> = gateway.addresses.iter().map(|a| a.value.as_str()).collect();
    let mut facts = vec![
        plain(format!("class {}", gateway.gateway_class)),
        plain(format!(
            "address {}",
            if addresses.is_empty() {
                "none".to_string()
            } else {
                addresses.join(", ")
            }
        )),
    ];
    if let Some(proxy) = &gateway.proxy_service {
        facts.push(plain(format!(
            "proxy Service {proxy}{}",
            if gateway.proxy_simulated {
                " (simulated)"
            } else {
                ""
            }
        )));
    }
    let mut sections = vec![
        Section {
            title: "Gateway".into(),
            testid: "gateway-facts",
            lines: facts,
        },
        Section {
            title: "Conditions".into(),
            testid: "gateway-conditions",
            lines: condition_lines(&gateway.conditions),
        },
    ];
    let mut shown_sets: Vec<usize> = Vec::new();
    for (position, resolved) in gateway.listeners.iter().enumerate() {
        if listener.is_some_and(|name| name != resolved.scene_name) {
            continue;
        }
        let from_set = resolved
            .listener_set
            .and_then(|index| topology.manifests.gateway.listener_sets.get(index))
            .map(|set| format!(", from ListenerSet {}", set.key()))
            .unwrap_or_default();
        if let Some(index) = resolved.listener_set {
            if !shown_sets.contains(&index) {
                shown_sets.push(index);
            }
        }
        let mut lines = vec![plain(format!(
            "{} on port {}, hostname {}, {} attached Route{}{from_set}",
            resolved.protocol,
            resolved.port,
            resolved.hostname.as_deref().unwrap_or("any"),
            resolved.attached_routes,
            if resolved.attached_routes == 1 {
                ""
            } else {
                "s"
            }
        ))];
        lines.extend(condition_lines(&resolved.conditions));
        lines.extend(
            routes_on(&topology.gateway, gateway_index, Some(position))
                .into_iter()
                .map(route_line),
        );
        sections.push(Section {
            title: format!("Listener {}", resolved.scene_name),
            testid: "listener",
            lines,
        });
    }
    // The ListenerSets naming this Gateway with their status (§11.16): every one
    // for the Gateway, the one a listener comes from for that listener. A set the
    // Gateway does not take has no listener here, so it is found by its parent.
    for set in &topology.gateway.listener_sets {
        let shown = match listener {
            None => set.parent == gateway.key(),
            Some(_) => shown_sets.contains(&set.set_index),
        };
        if shown {
            sections.push(Section {
                title: format!("ListenerSet {}/{}", set.namespace, set.name),
                testid: "listener-set",
                lines: condition_lines(&set.conditions),
            });
        }
    }
    // Every Route that names this Gateway, attached or not, with its verdict here.
    let routes = routes_on(&topology.gateway, gateway_index, None)
        .into_iter()
        .map(|route| {
            let verdicts: Vec<String> = route
                .parents
                .iter()
                .filter(|p| p.gateway_index == Some(gateway_index))
                .flat_map(|p| &p.conditions)
                .filter(|c| c.condition_type == "Accepted")
                .map(|c| format!("Accepted {} ({})", c.status, c.reason))
                .collect();
            let mut line = route_line(route);
            line.text = format!("{}: {}", line.text, verdicts.join(", "));
            line
        })
        .collect();
    sections.push(Section {
        title: "Routes".into(),
        testid: "gateway-routes",
        lines: routes,
    });
    let raw = topology
        .manifests
        .gateway
        .gateways
        .iter()
        .find(|g| g.key() == gateway.key());
    Some(Panel {
        title: format!("Gateway {key}"),
        object: format!("Gateway/{key}"),
        sections,
        source: raw.map(|g| (g.meta.source.clone(), g.meta.end_line)),
    })
}

fn route_line(route: &ResolvedRoute) -> Line {
    Line {
        text: format!("{} {}", route.kind, route.key()),
        testid: "route",
        action: Some(Action::Select(route_id(route))),
    }
}

fn route_panel(topology: &Topology, key: &str) -> Option<Panel> {
    let route = topology
        .gateway
        .routes
        .iter()
        .find(|r| format!("{}/{}", r.kind, r.key()) == key)?;
    let raw = topology.manifests.gateway.routes.get(route.route_index)?;
    let mut sections = vec![Section {
        title: "Route".into(),
        testid: "route-facts",
        lines: vec![plain(format!(
            "hostnames {}",
            if route.hostnames.is_empty() {
                "any (the listener's)".to_string()
            } else {
                route.hostnames.join(", ")
            }
        ))],
    }];
    for parent in &route.parents {
        let mut title = format!("Parent Gateway {}", parent.gateway);
        if let Some(section) = &parent.section_name {
            title.push_str(&format!(", listener {section}"));
        }
        if let Some(port) = parent.port {
            title.push_str(&format!(", port {port}"));
        }
        let mut lines = condition_lines(&parent.conditions);
        lines.push(Line {
            text: String::new(),
            testid: "detach",
            action: Some(Action::Edit(
                "Detach from this Gateway",
                Mutation::DetachRoute {
                    kind: raw.kind,
                    namespace: route.namespace.clone(),
                    name: route.name.clone(),
                    gateway: parent.gateway.clone(),
                },
            )),
        });
        sections.push(Section {
            title,
            testid: "route-parent",
            lines,
        });
    }
    let mut rules = Vec::new();
    for index in rules_in_precedence(raw) {
        let (Some(status), Some(rule)) = (route.rules.get(index), raw.rules.get(index)) else {
            continue;
        };
        let matches = if rule.matches.is_empty() {
            "every request".to_string()
        } else {
            rule.matches
                .iter()
                .map(short_match)
                .collect::<Vec<_>>()
                .join(" | ")
        };
        let mut text = format!("rule {index}: {matches}");
        if !status.filters.is_empty() {
            text.push_str(&format!(", filters {}", status.filters.join(", ")));
        }
        if let Some(why) = &status.dropped {
            text.push_str(&format!(", dropped: {why}"));
        }
        rules.push(Line {
            text,
            testid: "route-rule",
            action: None,
        });
        let total: i64 = status.backends.iter().map(|b| b.weight.max(0)).sum();
        for (backend_index, backend) in status.backends.iter().enumerate() {
            let share = weight_share(backend.weight.max(0), total);
            // A backendRef's own filters, which run only when it is chosen (§11.8).
            let own_filters = rule
                .backend_refs
                .get(backend_index)
                .filter(|backend_ref| !backend_ref.filters.is_empty())
                .map(|backend_ref| {
                    let names: Vec<&str> =
                        backend_ref.filters.iter().map(|f| f.type_name()).collect();
                    format!(" · filters {}", names.join(", "))
                })
                .unwrap_or_default();
            rules.push(Line {
                text: format!(
                    "→ {}{}{own_filters}{}",
                    backend.backend,
                    if share.is_empty() {
                        String::new()
                    } else {
                        format!(" · {share}")
                    },
                    backend
                        .problem
                        .map(|p| format!(" ✗ {p}"))
                        .unwrap_or_default()
                ),
                testid: "rule-backend",
                action: Some(Action::Weight(Mutation::SetBackendWeight {
                    kind: raw.kind,
                    namespace: route.namespace.clone(),
                    name: route.name.clone(),
                    rule: index,
                    backend: backend_index,
                    weight: backend.weight,
                })),
            });
        }
    }
    sections.push(Section {
        title: "Rules, in precedence order".into(),
        testid: "route-rules",
        lines: rules,
    });
    // The ReferenceGrants in the namespaces of the Route's cross-namespace backends.
    let grants = topology
        .manifests
        .gateway
        .grants
        .iter()
        .filter(|grant| {
            grant.meta.namespace != route.namespace
                && raw
                    .rules
                    .iter()
                    .flat_map(|rule| &rule.backend_refs)
                    .any(|backend| backend.namespace == grant.meta.namespace)
        })
        .map(|grant| {
            let key = NamespacedName::new(&grant.meta.namespace, &grant.meta.name);
            Line {
                text: format!("ReferenceGrant {key}"),
                testid: "reference-grant",
                action: Some(Action::Edit(
                    "Delete",
                    Mutation::DeleteReferenceGrant {
                        namespace: key.namespace.clone(),
                        name: key.name.clone(),
                    },
                )),
            }
        })
        .collect();
    sections.push(Section {
        title: "ReferenceGrants".into(),
        testid: "reference-grants",
        lines: grants,
    });
    Some(Panel {
        title: format!("{} {}", route.kind, route.key()),
        object: format!("{}/{}", route.kind, route.key()),
        sections,
        source: Some((raw.meta.source.clone(), raw.meta.end_line)),
    })
}

impl Mutation {
    /// A [`Mutation::SetBackendWeight`] with another weight; any other edit unchanged.
    pub fn with_weight(&self, new_weight: i64) -> Mutation {
        let mut edited = self.clone();
        if let Mutation::SetBackendWeight { weight, .. } = &mut edited {
            *weight = new_weight;
        }
        edited
    }
}
