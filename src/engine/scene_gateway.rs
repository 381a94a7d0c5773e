//! Gateway API in the scene (§11): each Gateway is a box in the entry-point column,
//! beside the Ingresses, holding one row per listener; each Route is drawn as edges
//! from the listeners it attached to (§11.4) to its backend Services (§11.7),
//! labelled with the rule's match and the backend's share of the weight. A Route a
//! Gateway did not accept, and a backend whose reference does not resolve, are drawn
//! as rejected edges whose hover text gives the condition's reason.
//!
//! A child module of `scene`: it places with the same column, slots and edge
//! helpers as the Ingresses, so both kinds of entry point look and move alike.

use std::collections::BTreeMap;

use super::{
    edge, fit, id_from_key, labelled_edge, load_balancer_id, service_id, Filter, IdKind,
    LabelAnchor, Rect, Scene, Shape, ShapeKind, SlotColumn, BOX_H, EXTERNAL_ID, MARGIN, ROW_H,
    SUBLABEL_CHAR_W, SUBLABEL_MARGIN,
};
use crate::engine::diag::Severity;
use crate::engine::gateway::model::{MatchKind, Route, RouteMatch};
use crate::engine::gateway::status::{
    Condition, ConditionStatus, ParentStatus, ResolvedGateway, ResolvedListener, ResolvedRoute,
};
use crate::engine::refs::NamespacedName;
use crate::engine::Topology;

/// The height of a Gateway box above its first listener row.
pub(super) const GATEWAY_HEADER: f64 = 24.0;
/// How far listener rows sit inside their Gateway's box.
const GATEWAY_PAD: f64 = 4.0;

/// The scene id of a Gateway: `gw:namespace/name`.
pub fn gateway_id(gateway: &NamespacedName) -> String {
    id_from_key(IdKind::Gateway, &gateway.to_string())
}

/// The scene id of one listener of a Gateway: `gwl:namespace/name/listener`.
/// Listener names are DNS labels, so the last `/` separates them.
pub fn listener_id(gateway: &NamespacedName, listener: &str) -> String {
    id_from_key(IdKind::Listener, &format!("{gateway}/{listener}"))
}

/// The Gateway a listener id belongs to, and the listener's name.
pub fn parse_listener_key(key: &str) -> Option<(NamespacedName, &str)> {
    let (gateway, listener) = key.rsplit_once('/')?;
    let (namespace, name) = gateway.split_once('/')?;
    Some((NamespacedName::new(namespace, name), listener))
}

/// The id a Route is selected by: `route:Kind/namespace/name`, the key being the
/// object name its diagnostics carry. Routes are drawn as edges, not shapes, so
/// the id names no shape; the details panel and the edges' hover text use it.
pub fn route_id(route: &ResolvedRoute) -> String {
    id_from_key(
        IdKind::Route,
        &format!("{}/{}/{}", route.kind, route.namespace, route.name),
    )
}

/// A match in a few characters, for an edge label: the path (`=` before an exact
/// one, `~` before a pattern), then a method and header and query matches.
pub fn short_match(route_match: &RouteMatch) -> String {
    let marker = |kind: MatchKind| match kind {
        MatchKind::Exact => "=",
        MatchKind::RegularExpression => "~",
        _ => "",
    };
    match route_match {
        RouteMatch::Http(http) => {
            let mut text = String::from(marker(http.path.kind));
            text.push_str(&http.path.value);
            if let Some(method) = &http.method {
                text.push(' ');
                text.push_str(method);
            }
            // Headers, then query parameters (`?` before the name).
            let pairs = http.headers.iter().map(|header| ("", header));
            let queries = http.query_params.iter().map(|query| ("?", query));
            for (prefix, pair) in pairs.chain(queries) {
                for part in [
                    " ",
                    prefix,
                    &pair.name,
                    marker_value(pair.kind),
                    &pair.value,
                ] {
                    text.push_str(part);
                }
            }
            text
        }
        RouteMatch::Grpc(grpc) => format!(
            "{}/{}",
            grpc.service.as_deref().unwrap_or("*"),
            grpc.method.as_deref().unwrap_or("*")
        ),
    }
}

fn marker_value(kind: MatchKind) -> &'static str {
    if kind == MatchKind::RegularExpression {
        "~"
    } else {
        "="
    }
}

/// `90%` for a backend's share of its rule's weights; empty when it takes every
/// request, so the common single-backend rule is labelled by its match alone.
pub fn weight_share(weight: i64, total: i64) -> String {
    if total <= 0 {
        return "0%".to_string();
    }
    if weight == total {
        return String::new();
    }
    let percent = (weight as f64) * 100.0 / (total as f64);
    if (percent - percent.round()).abs() < 0.05 {
        format!("{}%", percent.round() as i64)
    } else {
        format!("{percent:.1}%")
    }
}

/// A condition in words: `Accepted False (NotAllowedByListeners): message`.
pub fn condition_text(condition: &Condition) -> String {
    format!(
        "{} {} ({}): {}",
        condition.condition_type, condition.status, condition.reason, condition.message
    )
}

/// The first condition of a parent that is not True: why it was rejected.
fn rejection(parent: &ParentStatus) -> Option<&Condition> {
    parent
        .conditions
        .iter()
        .find(|c| c.condition_type == "Accepted" && c.status != ConditionStatus::True)
}

/// What the Gateway placing needs from `build_scene`.
pub(super) struct GatewayColumn<'a> {
    pub x: f64,
    pub width: f64,
    pub service_rows: &'a super::ServiceRows,
    pub badges: &'a BTreeMap<String, Severity>,
}

/// One edge being gathered: the routes, matches and weights between a listener (or
/// a Gateway, for a rejected attachment) and a Service.
struct RouteEdge {
    from: String,
    to: String,
    rejected: bool,
    labels: Vec<String>,
    tooltips: Vec<String>,
    /// The Routes gathered into it, in the order they were: a click selects the
    /// first.
    routes: Vec<String>,
}

/// Places every shown Gateway in the entry-point column and draws its Routes.
pub(super) fn place_gateways(
    topology: &Topology,
    filter: &Filter,
    scene: &mut Scene,
    slots: &mut SlotColumn,
    column: &GatewayColumn<'_>,
) {
    let gateways = &topology.gateway.gateways;
    let routes = &topology.gateway.routes;
    for (gateway_index, gateway) in gateways.iter().enumerate() {
        if !filter.shows_namespace(&gateway.namespace) {
            continue;
        }
        let key = gateway.key();
        let id = gateway_id(&key);
        let attached: Vec<&ResolvedRoute> = routes
            .iter()
            .filter(|route| {
                route
                    .parents
                    .iter()
                    .any(|p| p.gateway_index == Some(gateway_index))
            })
            .collect();
        // Next to the first Service its Routes lead to, as an Ingress is.
        let want_y = attached
            .iter()
            .flat_map(|route| route.rules.iter().flat_map(|rule| &rule.backends))
            .filter_map(|backend| backend.service)
            .filter_map(|index| topology.services.get(index))
            .filter_map(|service| {
                column
                    .service_rows
                    .get(&service_id(&service.namespace, &service.name))
            })
            .fold(f64::INFINITY, f64::min);
        let n_listeners = gateway.listeners.len().max(1) as f64;
        let height = GATEWAY_HEADER + n_listeners * ROW_H - (ROW_H - BOX_H) + GATEWAY_PAD;
        let rect = slots.place(
            column.x,
            if want_y.is_finite() { want_y } else { MARGIN },
            column.width,
            height,
        );
        push_gateway(scene, gateway, &id, rect, column.badges);
        for (position, listener) in gateway.listeners.iter().enumerate() {
            let listener_rect = Rect {
                x: rect.x + GATEWAY_PAD,
                y: rect.y + GATEWAY_HEADER + position as f64 * ROW_H,
                w: rect.w - 2.0 * GATEWAY_PAD,
                h: BOX_H,
            };
            push_listener(
                scene,
                topology,
                listener,
                &attached,
                gateway_index,
                position,
                listener_rect,
            );
        }
        if scene.shape(EXTERNAL_ID).is_some() {
            let from = gateway
                .proxy_service
                .as_ref()
                .map(|proxy| load_balancer_id(&proxy.namespace, &proxy.name))
                .filter(|lb| scene.shape(lb).is_some())
                .unwrap_or_else(|| EXTERNAL_ID.to_string());
            let entry = edge(scene, &from, &id, "external", "HTTP to the Gateway's proxy");
            scene.edges.push(entry);
        }
        let mut gathered: Vec<RouteEdge> = Vec::new();
        for route in &attached {
            gather_route(topology, gateway_index, &key, route, &mut gathered);
        }
        for route_edge in gathered {
            if scene.shape(&route_edge.from).is_none() || scene.shape(&route_edge.to).is_none() {
                continue;
            }
            let class = if route_edge.rejected {
                "route gateway-route rejected"
            } else {
                "route gateway-route"
            };
            let mut drawn = labelled_edge(
                scene,
                (&route_edge.from, &route_edge.to),
                class,
                &route_edge.tooltips.join("\n"),
                (route_edge.labels.join(", "), LabelAnchor::End),
            );
            drawn.stands_for = route_edge.routes;
            scene.edges.push(drawn);
        }
    }
}

fn push_gateway(
    scene: &mut Scene,
    gateway: &ResolvedGateway,
    id: &str,
    rect: Rect,
    badges: &BTreeMap<String, Severity>,
) {
    let address = gateway
        .addresses
        .first()
        .map_or("no address", |a| a.value.as_str());
    let conditions: Vec<String> = gateway.conditions.iter().map(condition_text).collect();
    scene.push(Shape {
        id: id.to_string(),
        kind: ShapeKind::Group,
        rect,
        class: if gateway.programmed {
            "gateway".into()
        } else {
            "gateway rejected".into()
        },
        label: format!("{} · {address}", gateway.name),
        sublabel: String::new(),
        tooltip: format!(
            "Gateway {} (class {}), address {address}\n{}",
            gateway.key(),
            gateway.gateway_class,
            conditions.join("\n")
        ),
        badge: badges
            .get(&format!("Gateway/{}/{}", gateway.namespace, gateway.name))
            .copied(),
        parent: None,
    });
}

fn push_listener(
    scene: &mut Scene,
    topology: &Topology,
    listener: &ResolvedListener,
    attached: &[&ResolvedRoute],
    gateway_index: usize,
    position: usize,
    rect: Rect,
) {
    let gateway = &topology.gateway.gateways[gateway_index].key();
    // Backends of the Routes on this listener that did not resolve and have no
    // Service to draw an edge to: they are named in the listener's hover text.
    let mut unresolved: Vec<String> = Vec::new();
    for route in attached {
        let on_listener = route.parents.iter().any(|parent| {
            parent.gateway_index == Some(gateway_index)
                && parent.attachments.iter().any(|a| a.listener == position)
        });
        if !on_listener {
            continue;
        }
        for backend in route.rules.iter().flat_map(|rule| &rule.backends) {
            if let (Some(problem), None) = (backend.problem, backend.service) {
                unresolved.push(format!(
                    "{} {}: backend {} not resolved ({problem})",
                    route.kind,
                    route.key(),
                    backend.backend
                ));
            }
        }
    }
    let hostname = listener.hostname.as_deref().unwrap_or("*");
    let n_routes = listener.attached_routes;
    let problems: Vec<String> = listener
        .conditions
        .iter()
        .filter(|c| {
            (c.condition_type == "Conflicted" || c.condition_type == "OverlappingTLSConfig")
                == (c.status == ConditionStatus::True)
        })
        .map(condition_text)
        .collect();
    let mut class = String::from("ingress listener");
    // A ListenerSet's listener is dotted, and named by its own name: the box has no
    // room for the set's name too, which the hover text gives.
    let set = listener
        .listener_set
        .and_then(|index| topology.manifests.gateway.listener_sets.get(index));
    if set.is_some() {
        class.push_str(" from-set");
    }
    if !listener.active {
        class.push_str(" rejected");
    } else if !unresolved.is_empty() {
        class.push_str(" unresolved");
    }
    // A long hostname is cut, not the count after it.
    let count = format!(
        " · {n_routes} route{}",
        if n_routes == 1 { "" } else { "s" }
    );
    let room = rect.w - SUBLABEL_MARGIN - count.chars().count() as f64 * SUBLABEL_CHAR_W;
    let mut tooltip = format!(
        "Listener {}{} of {gateway}: {} on port {}, hostname {hostname}, {n_routes} attached Route{}",
        listener.name,
        set.map(|set| format!(" of ListenerSet {}", set.key()))
            .unwrap_or_default(),
        listener.protocol,
        listener.port,
        if n_routes == 1 { "" } else { "s" }
    );
    for line in problems.iter().chain(&unresolved) {
        tooltip.push('\n');
        tooltip.push_str(line);
    }
    scene.push(Shape {
        id: listener_id(gateway, &listener.scene_name),
        kind: ShapeKind::Box,
        rect,
        class,
        label: format!("{} :{} {}", listener.name, listener.port, listener.protocol),
        sublabel: format!("{}{count}", fit(hostname, room, SUBLABEL_CHAR_W)),
        tooltip,
        badge: None,
        parent: Some(gateway_id(gateway)),
    });
}

/// Adds the edges of one Route on one Gateway to `gathered`: from each listener it
/// attached to, one per backend Service; from the Gateway itself, marked rejected,
/// for a parentRef the Gateway did not accept.
fn gather_route(
    topology: &Topology,
    gateway_index: usize,
    gateway: &NamespacedName,
    route: &ResolvedRoute,
    gathered: &mut Vec<RouteEdge>,
) {
    let raw: Option<&Route> = topology.manifests.gateway.routes.get(route.route_index);
    let route_scene_id = route_id(route);
    for parent in route
        .parents
        .iter()
        .filter(|p| p.gateway_index == Some(gateway_index))
    {
        let refused = rejection(parent);
        let froms: Vec<String> = match refused {
            Some(_) => vec![gateway_id(gateway)],
            None => parent
                .attachments
                .iter()
                .filter_map(|a| {
                    topology.gateway.gateways[gateway_index]
                        .listeners
                        .get(a.listener)
                })
                .map(|listener| listener_id(gateway, &listener.scene_name))
                .collect(),
        };
        for (rule_index, rule) in route.rules.iter().enumerate() {
            if rule.dropped.is_some() {
                continue;
            }
            let raw_rule = raw.and_then(|r| r.rules.get(rule_index));
            let matches: Vec<String> = raw_rule
                .map(|r| r.matches.iter().map(short_match).collect())
                .unwrap_or_default();
            let total: i64 = rule.backends.iter().map(|b| b.weight.max(0)).sum();
            for (backend_index, backend) in rule.backends.iter().enumerate() {
                let target = raw_rule
                    .and_then(|r| r.backend_refs.get(backend_index))
                    .filter(|b| b.is_core_service())
                    .map(|b| service_id(&b.namespace, &b.name));
                let Some(target) = target else { continue };
                let share = weight_share(backend.weight.max(0), total);
                let label = match (matches.join(" | "), share.is_empty()) {
                    (text, true) => text,
                    (text, false) if text.is_empty() => share.clone(),
                    (text, false) => format!("{text} · {share}"),
                };
                let rejected = refused.is_some() || backend.problem.is_some();
                let mut tooltip = format!(
                    "{} {} rule {rule_index} ({}) → {}, weight {} of {total}",
                    route.kind,
                    route.key(),
                    if rule.matches.is_empty() {
                        "every request".to_string()
                    } else {
                        rule.matches.join("; ")
                    },
                    backend.backend,
                    backend.weight
                );
                if let Some(condition) = refused {
                    tooltip.push_str(&format!(
                        "\nnot attached to {gateway}: {}",
                        condition_text(condition)
                    ));
                } else if let Some(problem) = backend.problem {
                    tooltip.push_str(&format!(
                        "\nResolvedRefs False ({problem}): this backend's share is answered 500"
                    ));
                }
                // Short, so that it stays in the gap between the columns: the
                // reason is in the hover text.
                let label = if refused.is_some() {
                    format!("✗ {}", route.name)
                } else if backend.problem.is_some() {
                    format!("✗ {label}")
                } else {
                    label
                };
                for from in &froms {
                    match gathered
                        .iter_mut()
                        .find(|e| e.from == *from && e.to == target && e.rejected == rejected)
                    {
                        Some(existing) => {
                            if !existing.labels.contains(&label) {
                                existing.labels.push(label.clone());
                            }
                            existing.tooltips.push(tooltip.clone());
                            if !existing.routes.contains(&route_scene_id) {
                                existing.routes.push(route_scene_id.clone());
                            }
                        }
                        None => gathered.push(RouteEdge {
                            from: from.clone(),
                            to: target.clone(),
                            rejected,
                            labels: vec![label.clone()],
                            tooltips: vec![tooltip.clone()],
                            routes: vec![route_scene_id.clone()],
                        }),
                    }
                }
            }
        }
    }
}
