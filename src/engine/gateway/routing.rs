//! What a Gateway's proxy does with one request (§11.3, §11.6 to §11.9): choose the
//! listener, the Route and rule, apply the filters, and choose a backend by weight.
//! Pure: the one random choice goes through the caller's chooser.

use crate::engine::sort::{CollectCompact, SortCompact};
use std::collections::BTreeMap;

use serde::Serialize;

use super::cors::{self, CorsPlace};
use super::hostname;
use super::model::*;
use super::status::{age_key, GatewayTopology, ResolvedGateway};
use crate::engine::model::Manifests;
use crate::engine::regex::Regex;

/// The scheme of a traced request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
    /// gRPC over cleartext HTTP/2 (h2c), as `grpc://`.
    Grpc,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
            Scheme::Grpc => "grpc",
        }
    }
    pub fn default_port(self) -> i64 {
        match self {
            Scheme::Https => 443,
            Scheme::Http | Scheme::Grpc => 80,
        }
    }
}

/// One request as the proxy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayRequest {
    pub scheme: Scheme,
    /// The Host header (or `:authority`), possibly with a port.
    pub host: String,
    /// The TLS SNI, for https.
    pub sni: Option<String>,
    pub port: i64,
    /// The path without the query string.
    pub path: String,
    pub query: Option<String>,
    pub method: String,
    pub headers: Vec<(String, String)>,
}

/// One decision along the way, for the trace to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    Listener,
    Route,
    Filter,
    Backend,
}

/// How the request ends at the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Forward to this Service port (the caller picks an endpoint).
    Forward { service: usize, port: i64 },
    /// A TLS connection no TLSRoute serves: refused, with no HTTP status.
    Refuse { why: String },
    /// The proxy answers itself: a CORS preflight (200), a redirect (3xx with a
    /// Location), 404, 421 or 500.
    Respond {
        status: u16,
        grpc_status: Option<&'static str>,
        location: Option<String>,
        why: String,
    },
}

/// The proxy's decision, with everything the trace's `http` object reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub steps: Vec<Step>,
    pub answer: Answer,
    pub listener: Option<String>,
    /// `Kind/namespace/name`.
    pub route: Option<String>,
    pub rule: Option<usize>,
    /// The position in the rule of the backendRef the weighted choice picked, when
    /// one was picked (§11.7).
    pub backend_ref: Option<usize>,
    /// The request path and headers as the backend sees them, after filters.
    pub request_path: String,
    pub request_headers: BTreeMap<String, String>,
    pub request_host: String,
    /// The headers the proxy adds to or sets on the response (ResponseHeaderModifier,
    /// CORS; §11.8).
    pub response_headers: BTreeMap<String, String>,
    /// The client's own TLS goes through to the backend undecrypted: a TLSRoute
    /// on a `Passthrough` listener (§11.9). The proxy then cannot speak TLS of
    /// its own to the backend, so no BackendTLSPolicy applies (§11.15).
    pub passthrough: bool,
}

/// Routes one request through a Gateway. `choose(n)` picks an index below `n`.
pub fn route_request(
    manifests: &Manifests,
    topology: &GatewayTopology,
    gateway_index: usize,
    request: &GatewayRequest,
    choose: &mut dyn FnMut(usize) -> usize,
) -> Decision {
    let gateway = &topology.gateways[gateway_index];
    let host = hostname::strip_port(&request.host).to_ascii_lowercase();
    let mut decision = Decision {
        steps: Vec::new(),
        answer: Answer::Respond {
            status: 404,
            grpc_status: grpc(request, "UNIMPLEMENTED"),
            location: None,
            why: String::new(),
        },
        listener: None,
        route: None,
        rule: None,
        backend_ref: None,
        request_path: request.path.clone(),
        request_headers: request.headers.iter().cloned().collect_map(),
        request_host: host.clone(),
        response_headers: BTreeMap::new(),
        passthrough: false,
    };
    let wanted: &[ListenerProtocol] = match request.scheme {
        Scheme::Http | Scheme::Grpc => &[ListenerProtocol::Http],
        Scheme::Https => &[ListenerProtocol::Https, ListenerProtocol::Tls],
    };
    let on_port: Vec<usize> = (0..gateway.listeners.len())
        .filter(|&i| {
            let listener = &gateway.listeners[i];
            listener.port == request.port
                && listener.active
                && listener.protocol_kind.is_some_and(|p| wanted.contains(&p))
        })
        .collect();
    if on_port.is_empty() {
        let inactive: Vec<&str> = gateway
            .listeners
            .iter()
            .filter(|l| l.port == request.port)
            .map(|l| l.name.as_str())
            .collect();
        let why = if inactive.is_empty() {
            format!(
                "Gateway {} has no {} listener on port {}",
                gateway.key(),
                wanted_names(wanted),
                request.port
            )
        } else {
            format!("Gateway {} has no accepted {} listener on port {} (listeners there: {}, not accepted or of another protocol)", gateway.key(), wanted_names(wanted), request.port, inactive.join(", "))
        };
        return respond(decision, 404, grpc(request, "UNIMPLEMENTED"), why);
    }
    // The listener: by SNI for TLS, by Host otherwise (§11.3).
    let key = match request.scheme {
        Scheme::Https => request.sni.clone().unwrap_or_else(|| host.clone()),
        _ => host.clone(),
    };
    let Some(listener_index) = best_listener(gateway, &on_port, &key) else {
        let why = format!("no listener of Gateway {} on port {} claims {} {key} (listener isolation: no fall-back)", gateway.key(), request.port, if request.scheme == Scheme::Https { "SNI" } else { "host" });
        return respond(decision, 404, grpc(request, "UNIMPLEMENTED"), why);
    };
    let listener = &gateway.listeners[listener_index];
    decision.listener = Some(listener.name.clone());
    decision.steps.push(Step {
        kind: StepKind::Listener,
        detail: format!(
            "Gateway {} listener {} ({} {}{}) takes the request: {} {key} matches {} (§11.3)",
            gateway.key(),
            listener.name,
            listener.protocol,
            listener.port,
            listener
                .hostname
                .as_deref()
                .map(|h| format!(", hostname {h}"))
                .unwrap_or_default(),
            if request.scheme == Scheme::Https {
                "SNI"
            } else {
                "host"
            },
            listener.hostname.as_deref().map_or(
                "any host (the listener has no hostname)".to_string(),
                |h| format!("hostname {h}")
            )
        ),
    });
    if listener.protocol_kind == Some(ListenerProtocol::Tls) {
        return route_tls(
            manifests,
            topology,
            gateway_index,
            listener_index,
            &key,
            decision,
            choose,
        );
    }
    if request.scheme == Scheme::Https {
        // A request whose Host another listener claims more specifically is misdirected.
        let https_listeners: Vec<usize> = on_port
            .iter()
            .copied()
            .filter(|&i| gateway.listeners[i].protocol_kind == Some(ListenerProtocol::Https))
            .collect();
        match best_listener(gateway, &https_listeners, &host) {
            Some(other) if other != listener_index => {
                let why = format!("SNI {key} chose listener {}, but Host {host} belongs to listener {}: the request is misdirected (§11.3)", listener.name, gateway.listeners[other].name);
                return respond(decision, 421, None, why);
            }
            None => {
                let why = format!(
                    "no HTTPS listener of Gateway {} claims Host {host} (§11.3)",
                    gateway.key()
                );
                return respond(decision, 404, None, why);
            }
            _ => {}
        }
    }
    let route_kind = if request.scheme == Scheme::Grpc {
        RouteKind::Grpc
    } else {
        RouteKind::Http
    };
    route_http(
        manifests,
        topology,
        gateway_index,
        listener_index,
        route_kind,
        request,
        &host,
        decision,
        choose,
    )
}

/// A TCP connection or UDP datagram to a Gateway's TCP or UDP listener (§11.9):
/// the oldest attached Route of the matching kind takes it, and its rule's backends
/// share it by weight. `None` when the Gateway has no active listener of that
/// transport on the port, so the connection is not the Gateway's to route.
pub fn route_l4(
    manifests: &Manifests,
    topology: &GatewayTopology,
    gateway_index: usize,
    port: i64,
    udp: bool,
    choose: &mut dyn FnMut(usize) -> usize,
) -> Option<Decision> {
    let gateway = &topology.gateways[gateway_index];
    let (protocol, kind) = if udp {
        (ListenerProtocol::Udp, RouteKind::Udp)
    } else {
        (ListenerProtocol::Tcp, RouteKind::Tcp)
    };
    let listener_index = (0..gateway.listeners.len()).find(|&i| {
        let listener = &gateway.listeners[i];
        listener.port == port && listener.active && listener.protocol_kind == Some(protocol)
    })?;
    let listener = &gateway.listeners[listener_index];
    let mut decision = Decision {
        steps: vec![Step {
            kind: StepKind::Listener,
            detail: format!(
                "Gateway {} listener {} ({} {}) takes the {} (§11.3)",
                gateway.key(),
                listener.name,
                listener.protocol,
                listener.port,
                if udp { "datagram" } else { "connection" }
            ),
        }],
        answer: Answer::Refuse { why: String::new() },
        listener: Some(listener.name.clone()),
        route: None,
        rule: None,
        backend_ref: None,
        request_path: String::new(),
        request_headers: BTreeMap::new(),
        request_host: String::new(),
        response_headers: BTreeMap::new(),
        passthrough: false,
    };
    let mut candidates: Vec<usize> = attached(topology, gateway_index, listener_index, kind)
        .into_iter()
        .map(|(position, _)| position)
        .collect();
    candidates.sort_compact_by_key(|&position| {
        let route = &manifests.gateway.routes[topology.routes[position].route_index];
        (age_key(route.creation_timestamp.as_deref()), route.key())
    });
    let Some(&position) = candidates.first() else {
        decision.answer = Answer::Refuse {
            why: format!("no {kind} is attached to listener {}", listener.name),
        };
        return Some(decision);
    };
    let resolved = &topology.routes[position];
    let route = &manifests.gateway.routes[resolved.route_index];
    decision.route = Some(format!("{}/{}", route.kind, route.key()));
    decision.rule = Some(0);
    let others = if candidates.len() > 1 {
        format!(
            "; {} other {kind}(s) on the listener get nothing, as the oldest (then first by namespace/name) takes all",
            candidates.len() - 1
        )
    } else {
        String::new()
    };
    decision.steps.push(Step {
        kind: StepKind::Route,
        detail: format!(
            "{kind} {} takes the listener's traffic{others} (§11.9)",
            route.key()
        ),
    });
    let Some(rule) = route.rules.first() else {
        decision.answer = Answer::Refuse {
            why: format!("{kind} {} has no rule", route.key()),
        };
        return Some(decision);
    };
    let mut decision = choose_backend(
        route,
        rule,
        &resolved.rules[0].backends,
        false,
        decision,
        choose,
    );
    // Without HTTP, a backend that cannot take the connection refuses it (§11.7).
    if let Answer::Respond { why, .. } = &decision.answer {
        decision.answer = Answer::Refuse {
            why: why
                .replace("answered 500", "refused")
                .replace("answers 500", "refuses it"),
        };
    }
    Some(decision)
}

fn wanted_names(wanted: &[ListenerProtocol]) -> &'static str {
    if wanted.contains(&ListenerProtocol::Https) {
        "HTTPS or TLS"
    } else {
        "HTTP"
    }
}

fn grpc(request: &GatewayRequest, status_name: &'static str) -> Option<&'static str> {
    (request.scheme == Scheme::Grpc).then_some(status_name)
}

fn respond(
    mut decision: Decision,
    status: u16,
    grpc_status: Option<&'static str>,
    why: String,
) -> Decision {
    decision.answer = Answer::Respond {
        status,
        grpc_status,
        location: None,
        why,
    };
    decision
}

/// The most specific listener among `candidates` whose hostname matches `key`.
fn best_listener(gateway: &ResolvedGateway, candidates: &[usize], key: &str) -> Option<usize> {
    candidates
        .iter()
        .copied()
        .filter(|&i| hostname::host_matches(gateway.listeners[i].hostname.as_deref(), key))
        .max_by(|&a, &b| {
            hostname::listener_rank(gateway.listeners[a].hostname.as_deref())
                .cmp(&hostname::listener_rank(
                    gateway.listeners[b].hostname.as_deref(),
                ))
                .then(b.cmp(&a))
        })
}

/// Routes attached to one listener: (position in `topology.routes`, served hostnames).
fn attached(
    topology: &GatewayTopology,
    gateway_index: usize,
    listener_index: usize,
    kind: RouteKind,
) -> Vec<(usize, Vec<Option<String>>)> {
    let mut found = Vec::new();
    for (position, route) in topology.routes.iter().enumerate() {
        if route.kind != kind.as_str() {
            continue;
        }
        let mut hostnames: Vec<Option<String>> = Vec::new();
        for parent in &route.parents {
            if parent.gateway_index != Some(gateway_index) {
                continue;
            }
            for attachment in &parent.attachments {
                if attachment.listener == listener_index {
                    for h in &attachment.hostnames {
                        if !hostnames.contains(h) {
                            hostnames.push(h.clone());
                        }
                    }
                }
            }
        }
        if !hostnames.is_empty() {
            found.push((position, hostnames));
        }
    }
    found
}

/// The sort key of one candidate (§11.6): larger is better for the ranks, then
/// older, then namespace/name, then the first rule.
type Rank = (
    (usize, usize),
    (u8, usize),
    bool,
    usize,
    usize,
    std::cmp::Reverse<(bool, String)>,
    std::cmp::Reverse<(String, String)>,
    std::cmp::Reverse<usize>,
);

#[allow(clippy::too_many_arguments)]
fn route_http(
    manifests: &Manifests,
    topology: &GatewayTopology,
    gateway_index: usize,
    listener_index: usize,
    kind: RouteKind,
    request: &GatewayRequest,
    host: &str,
    mut decision: Decision,
    choose: &mut dyn FnMut(usize) -> usize,
) -> Decision {
    let gateway = &topology.gateways[gateway_index];
    let listener = &gateway.listeners[listener_index];
    let mut best: Option<(Rank, usize, usize, String, String)> = None;
    let candidates = attached(topology, gateway_index, listener_index, kind);
    for (position, hostnames) in &candidates {
        let resolved = &topology.routes[*position];
        let route = &manifests.gateway.routes[resolved.route_index];
        let Some(served) = hostnames
            .iter()
            .filter(|h| hostname::host_matches(h.as_deref(), host))
            .max_by_key(|h| hostname::specificity(h.as_deref()))
        else {
            continue;
        };
        for (rule_index, rule) in route.rules.iter().enumerate() {
            if rule.unsupported.is_some() {
                continue;
            }
            let holding: Vec<(MatchRank, String)> =
                if kind == RouteKind::Grpc && rule.matches.is_empty() {
                    vec![(
                        MatchRank {
                            rank: ((0, 0), false, 0, 0),
                        },
                        "any call".to_string(),
                    )]
                } else {
                    rule.matches
                        .iter()
                        .filter_map(|m| match_holds(m, request))
                        .collect()
                };
            let Some(((path_rank, method, n_headers, n_query), why)) = holding
                .into_iter()
                .max_by(|a, b| a.0.cmp(&b.0))
                .map(|(rank, why)| (rank.tuple(), why))
            else {
                continue;
            };
            let rank: Rank = (
                hostname::specificity(served.as_deref()),
                path_rank,
                method,
                n_headers,
                n_query,
                std::cmp::Reverse(age_key(route.creation_timestamp.as_deref())),
                std::cmp::Reverse((route.meta.namespace.clone(), route.meta.name.clone())),
                std::cmp::Reverse(rule_index),
            );
            let host_text = served
                .as_deref()
                .map_or("any host".to_string(), |h| format!("hostname {h}"));
            if best.as_ref().is_none_or(|(b, ..)| rank > *b) {
                best = Some((rank, *position, rule_index, why, host_text));
            }
        }
    }
    let Some((_, position, rule_index, why, host_text)) = best else {
        let why =
            format!(
            "no rule of the {} {}(s) attached to listener {} matches host {host}, {} {}{} (§11.6)",
            candidates.len(),
            kind,
            listener.name,
            request.method,
            request.path,
            request.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default()
        );
        return respond(decision, 404, grpc(request, "UNIMPLEMENTED"), why);
    };
    let resolved = &topology.routes[position];
    let route = &manifests.gateway.routes[resolved.route_index];
    let rule = &route.rules[rule_index];
    decision.route = Some(format!("{}/{}", route.kind, route.key()));
    decision.rule = Some(rule_index);
    decision.steps.push(Step {
        kind: StepKind::Route,
        detail: format!(
            "{} {} rule {rule_index}{} wins: {host_text}, {why} (precedence: hostname, path, method, headers, query, age, name, rule order; §11.6)",
            route.kind,
            route.key(),
            rule.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
        ),
    });
    // The rule's filters, in order (§11.8), on what the backend will see.
    let scope = FilterScope {
        route,
        rule_index,
        request,
        host,
        listener_port: listener.port,
        matched_prefix: rule.matches.iter().find_map(|m| match m {
            RouteMatch::Http(http) if http.path.kind == MatchKind::PathPrefix => {
                Some(http.path.value.as_str())
            }
            _ => None,
        }),
        dropped_mirrors: &resolved.rules[rule_index].dropped_mirrors,
    };
    let mut forwarded = ForwardedRequest {
        host: host.to_string(),
        path: request.path.clone(),
        headers: request.headers.clone(),
        response_headers: Vec::new(),
    };
    let answered = run_filters(
        &scope,
        FilterSource::Rule,
        &rule.filters,
        &mut forwarded,
        &mut decision.steps,
    );
    forwarded.record(&mut decision);
    if let Some(answer) = answered {
        decision.answer = answer;
        return decision;
    }
    let mut decision = choose_backend(
        route,
        rule,
        &resolved.rules[rule_index].backends,
        request.scheme == Scheme::Grpc,
        decision,
        choose,
    );
    // The chosen backendRef's own filters, after the rule's, and only for it (§11.8).
    let Some(backend) = decision
        .backend_ref
        .map(|chosen| &rule.backend_refs[chosen])
    else {
        return decision;
    };
    if backend.filters.is_empty() {
        return decision;
    }
    if let Answer::Respond { why, .. } = &mut decision.answer {
        // An invalid backend is never forwarded to, so its filters do not run.
        why.push_str(&format!(
            "; its {} filter(s) do not run, as the request is not forwarded to it (§11.8)",
            backend.filters.len()
        ));
        return decision;
    }
    let answered = run_filters(
        &scope,
        FilterSource::Backend(backend),
        &backend.filters,
        &mut forwarded,
        &mut decision.steps,
    );
    forwarded.record(&mut decision);
    if let Some(answer) = answered {
        decision.answer = answer;
    }
    decision
}

/// Where a list of filters is written (§11.8): on the winning rule, or on the
/// backendRef the weighted choice picked, whose filters run after the rule's.
#[derive(Clone, Copy)]
enum FilterSource<'a> {
    Rule,
    Backend(&'a BackendRef),
}

/// The request as the filters leave it: what the backend is sent, and the headers
/// the proxy will add to or set on the response.
struct ForwardedRequest {
    host: String,
    path: String,
    headers: Vec<(String, String)>,
    response_headers: Vec<(String, String)>,
}

impl ForwardedRequest {
    /// Writes what the backend sees so far into the decision the trace reports.
    fn record(&self, decision: &mut Decision) {
        decision.request_host = self.host.clone();
        decision.request_path = self.path.clone();
        decision.request_headers = self.headers.iter().cloned().collect_map();
        decision.response_headers = self.response_headers.iter().cloned().collect_map();
    }
}

/// What filters need besides the request they change: the rule they belong to and
/// the listener it was reached through.
struct FilterScope<'a> {
    route: &'a Route,
    rule_index: usize,
    /// The request as it arrived: routing and redirects use it.
    request: &'a GatewayRequest,
    /// The request's host, without its port and in lower case.
    host: &'a str,
    listener_port: i64,
    /// The rule's PathPrefix value, which ReplacePrefixMatch replaces.
    matched_prefix: Option<&'a str>,
    /// The rule's mirror targets that do not resolve, with the reason.
    dropped_mirrors: &'a [(String, &'static str)],
}

/// Runs one list of filters in order on the request the backend will see (§11.8),
/// with one step each. Returns the answer when a filter answers the request itself
/// (a redirect, a CORS preflight, or an ExtensionRef kubetopo cannot run).
fn run_filters(
    scope: &FilterScope,
    source: FilterSource,
    filters: &[Filter],
    forwarded: &mut ForwardedRequest,
    steps: &mut Vec<Step>,
) -> Option<Answer> {
    let request = scope.request;
    let rule_text = match source {
        FilterSource::Rule => format!(
            "{} {} rule {}",
            scope.route.kind,
            scope.route.key(),
            scope.rule_index
        ),
        FilterSource::Backend(backend) => format!(
            "{} {} rule {} backendRef {backend}",
            scope.route.kind,
            scope.route.key(),
            scope.rule_index
        ),
    };
    let mut push = |detail: String| {
        let detail = match source {
            FilterSource::Rule => detail,
            FilterSource::Backend(backend) => format!(
                "on backendRef {backend}, which the weighted choice picked, after the rule's filters (§11.8): {detail}"
            ),
        };
        steps.push(Step {
            kind: StepKind::Filter,
            detail,
        });
    };
    for filter in filters {
        match filter {
            Filter::RequestHeaderModifier(modifier) => {
                apply_headers(&mut forwarded.headers, modifier);
                push(format!(
                    "RequestHeaderModifier: {} (§11.8)",
                    describe_modifier(modifier)
                ));
            }
            Filter::ResponseHeaderModifier(modifier) => {
                apply_headers(&mut forwarded.response_headers, modifier);
                push(format!(
                    "ResponseHeaderModifier changes the response only: {} (§11.8)",
                    describe_modifier(modifier)
                ));
            }
            Filter::RequestRedirect(redirect) => {
                let scheme = redirect
                    .scheme
                    .clone()
                    .unwrap_or_else(|| match request.scheme {
                        Scheme::Https => "https".to_string(),
                        _ => "http".to_string(),
                    });
                let target_host = redirect
                    .hostname
                    .clone()
                    .unwrap_or_else(|| scope.host.to_string());
                let target_path = match &redirect.path {
                    Some(modifier) => modify_path(&forwarded.path, modifier, scope.matched_prefix),
                    None => forwarded.path.clone(),
                };
                let port = redirect.port.unwrap_or(match redirect.scheme.as_deref() {
                    Some("https") => 443,
                    Some(_) => 80,
                    None => scope.listener_port,
                });
                let show_port =
                    !((scheme == "http" && port == 80) || (scheme == "https" && port == 443));
                let location = format!(
                    "{scheme}://{target_host}{}{target_path}{}",
                    if show_port {
                        format!(":{port}")
                    } else {
                        String::new()
                    },
                    request
                        .query
                        .as_deref()
                        .map(|q| format!("?{q}"))
                        .unwrap_or_default()
                );
                push(format!("RequestRedirect answers {} with Location {location}, without contacting a backend (§11.8)", redirect.status_code));
                return Some(Answer::Respond {
                    status: u16::try_from(redirect.status_code).unwrap_or(302),
                    grpc_status: None,
                    location: Some(location.clone()),
                    why: format!("{rule_text} redirects to {location}"),
                });
            }
            Filter::UrlRewrite {
                hostname: new_host,
                path: modifier,
            } => {
                let mut changes = Vec::new();
                if let Some(new_host) = new_host {
                    forwarded.host = new_host.clone();
                    changes.push(format!("Host becomes {new_host}"));
                }
                if let Some(modifier) = modifier {
                    let new_path = modify_path(&forwarded.path, modifier, scope.matched_prefix);
                    changes.push(format!("path {} becomes {new_path}", forwarded.path));
                    forwarded.path = new_path;
                }
                push(format!(
                    "URLRewrite: {} (routing used the original request; §11.8)",
                    if changes.is_empty() {
                        "no change".to_string()
                    } else {
                        changes.join(", ")
                    }
                ));
            }
            Filter::RequestMirror(mirror) => {
                let target = mirror.to_string();
                push(match scope.dropped_mirrors.iter().find(|(t, _)| *t == target) {
                    Some((_, reason)) => format!("RequestMirror to {target} is dropped: the target is invalid ({reason}); the main request is unaffected (§11.8)"),
                    None => format!("RequestMirror sends a copy to {target} and ignores its reply; the main request is unaffected (§11.8)"),
                });
            }
            Filter::Cors(cors) => {
                // CORS reads the request as the client sent it.
                let place = match source {
                    FilterSource::Rule => CorsPlace::Rule,
                    FilterSource::Backend(_) => CorsPlace::BackendRef,
                };
                let effect = cors::apply(cors, &request.method, &request.headers, place);
                for (name, value) in &effect.headers {
                    set_header(&mut forwarded.response_headers, name, value);
                }
                push(effect.detail);
                if let Some(what) = effect.answer {
                    return Some(Answer::Respond {
                        status: 200,
                        grpc_status: None,
                        location: None,
                        why: format!("{rule_text} {what}"),
                    });
                }
            }
            Filter::ExtensionRef(name) => {
                let why = format!("{rule_text} has an ExtensionRef filter ({name}) that kubetopo cannot run; a filter may not be skipped, so the request fails (§11.8)");
                push(why.clone());
                return Some(Answer::Respond {
                    status: 500,
                    grpc_status: grpc(request, "UNAVAILABLE"),
                    location: None,
                    why,
                });
            }
        }
    }
    None
}

fn choose_backend(
    route: &Route,
    rule: &RouteRule,
    backends: &[super::status::BackendStatus],
    grpc_call: bool,
    mut decision: Decision,
    choose: &mut dyn FnMut(usize) -> usize,
) -> Decision {
    let rule_index = decision.rule.unwrap_or(0);
    let (error_status, error_grpc) = (500, grpc_call.then_some("UNAVAILABLE"));
    if rule.backend_refs.is_empty() {
        let why = format!(
            "{} {} rule {rule_index} has no backends, so the Gateway answers {} (§11.7)",
            route.kind,
            route.key(),
            if grpc_call { "UNAVAILABLE" } else { "500" }
        );
        return respond(decision, error_status, error_grpc, why);
    }
    let total: i64 = rule.backend_refs.iter().map(|b| b.weight.max(0)).sum();
    if total == 0 {
        let why = format!("every backend of {} {} rule {rule_index} has weight 0, so the Gateway answers {} (§11.7)", route.kind, route.key(), if grpc_call { "UNAVAILABLE" } else { "500" });
        return respond(decision, error_status, error_grpc, why);
    }
    let total_usize = usize::try_from(total).unwrap_or(usize::MAX);
    let mut pick = if total_usize > 1 {
        choose(total_usize).min(total_usize - 1)
    } else {
        0
    } as i64;
    let mut chosen = 0;
    for (index, backend) in rule.backend_refs.iter().enumerate() {
        if pick < backend.weight {
            chosen = index;
            break;
        }
        pick -= backend.weight.max(0);
    }
    let backend = &rule.backend_refs[chosen];
    decision.backend_ref = Some(chosen);
    let shares: Vec<String> = rule
        .backend_refs
        .iter()
        .map(|b| format!("{}/{} weight {}", b.namespace, b.name, b.weight))
        .collect();
    let status = &backends[chosen];
    let problem = status.problem_through(decision.passthrough);
    decision.steps.push(Step {
        kind: StepKind::Backend,
        detail: format!(
            "weighted choice among [{}] picks {backend} ({} of {total}; §11.7){}",
            shares.join(", "),
            backend.weight,
            problem
                .map(|p| format!(", which is invalid ({p})"))
                .unwrap_or_default()
        ),
    });
    match (problem, status.service) {
        (None, Some(service)) => {
            decision.answer = Answer::Forward {
                service,
                port: backend.port.unwrap_or(0),
            };
            decision
        }
        (problem, _) => {
            let why = format!("backend {backend} is invalid ({}), so its share of requests is answered {} (§11.7)", problem.unwrap_or("BackendNotFound"), if grpc_call { "UNAVAILABLE" } else { "500" });
            respond(decision, error_status, error_grpc, why)
        }
    }
}

/// (hostname specificity, age, position in `topology.routes`) of a TLSRoute.
type TlsRank = ((usize, usize), std::cmp::Reverse<(bool, String)>, usize);

/// TLSRoutes on a TLS listener: the most specific hostname for the SNI, then the oldest.
fn route_tls(
    manifests: &Manifests,
    topology: &GatewayTopology,
    gateway_index: usize,
    listener_index: usize,
    sni: &str,
    mut decision: Decision,
    choose: &mut dyn FnMut(usize) -> usize,
) -> Decision {
    let mut best: Option<TlsRank> = None;
    for (position, hostnames) in attached(topology, gateway_index, listener_index, RouteKind::Tls) {
        let route = &manifests.gateway.routes[topology.routes[position].route_index];
        let Some(served) = hostnames
            .iter()
            .filter(|h| hostname::host_matches(h.as_deref(), sni))
            .max_by_key(|h| hostname::specificity(h.as_deref()))
        else {
            continue;
        };
        let rank = (
            hostname::specificity(served.as_deref()),
            std::cmp::Reverse(age_key(route.creation_timestamp.as_deref())),
            position,
        );
        if best
            .as_ref()
            .is_none_or(|b| (rank.0, &rank.1) > (b.0, &b.1))
        {
            best = Some(rank);
        }
    }
    let Some((_, _, position)) = best else {
        let why = format!(
            "no TLSRoute on listener {} serves SNI {sni}: the connection is rejected (§11.9)",
            topology.gateways[gateway_index].listeners[listener_index].name
        );
        decision.answer = Answer::Refuse { why };
        return decision;
    };
    let resolved = &topology.routes[position];
    let route = &manifests.gateway.routes[resolved.route_index];
    decision.route = Some(format!("{}/{}", route.kind, route.key()));
    decision.rule = Some(0);
    let listener = &topology.gateways[gateway_index].listeners[listener_index];
    decision.passthrough = listener.passthrough;
    let tls = if decision.passthrough {
        "the client's TLS passes through undecrypted, to be ended by the backend".to_string()
    } else {
        let certificate = listener
            .certificate
            .as_ref()
            .map(|c| format!(" with Secret {c}"))
            .unwrap_or_default();
        format!(
            "listener {} terminates TLS{certificate} (mode Terminate) and sends the decrypted stream on as plain TCP",
            listener.name
        )
    };
    decision.steps.push(Step { kind: StepKind::Route, detail: format!("TLSRoute {} serves SNI {sni} (the most specific hostname, then the oldest; §11.9); {tls}", route.key()) });
    match route.rules.first() {
        Some(rule) => choose_backend(
            route,
            rule,
            &resolved.rules[0].backends,
            false,
            decision,
            choose,
        ),
        None => respond(
            decision,
            500,
            None,
            format!("TLSRoute {} has no rule", route.key()),
        ),
    }
}

/// The rank of one holding match: (path rank, method, headers, query), and its words.
struct MatchRank {
    rank: ((u8, usize), bool, usize, usize),
}

impl MatchRank {
    fn tuple(&self) -> ((u8, usize), bool, usize, usize) {
        self.rank
    }
}

impl PartialEq for MatchRank {
    fn eq(&self, other: &MatchRank) -> bool {
        self.rank == other.rank
    }
}
impl Eq for MatchRank {}
impl PartialOrd for MatchRank {
    fn partial_cmp(&self, other: &MatchRank) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for MatchRank {
    fn cmp(&self, other: &MatchRank) -> std::cmp::Ordering {
        self.rank.cmp(&other.rank)
    }
}

/// The precedence keys of one match after the hostname (§11.6 keys 2 to 5, §11.9
/// for gRPC): the path kind and length, a method, the number of header matches and
/// of query matches. Greater ranks first.
pub(crate) fn match_rank(route_match: &RouteMatch) -> ((u8, usize), bool, usize, usize) {
    match route_match {
        RouteMatch::Http(http) => (
            match http.path.kind {
                MatchKind::Exact => (3, http.path.value.len()),
                MatchKind::RegularExpression => (2, http.path.value.len()),
                MatchKind::PathPrefix => (1, http.path.value.trim_end_matches('/').len()),
            },
            http.method.is_some(),
            http.headers.len(),
            http.query_params.len(),
        ),
        RouteMatch::Grpc(grpc) => {
            let service_len = grpc.service.as_ref().map_or(0, String::len);
            let method_len = grpc.method.as_ref().map_or(0, String::len);
            (
                (0, service_len * 1000 + method_len),
                false,
                grpc.headers.len(),
                0,
            )
        }
    }
}

/// The positions of a Route's rules in the order the proxy prefers them when
/// several hold for one request (§11.6 keys 2 to 5 and 8): each rule ranked by its
/// best match, ties kept in the Route's order. A rule without matches (a GRPCRoute
/// rule that takes every call) ranks last.
pub fn rules_in_precedence(route: &Route) -> Vec<usize> {
    let ranks: Vec<_> = route
        .rules
        .iter()
        .map(|rule| rule.matches.iter().map(match_rank).max())
        .collect();
    // An insertion sort, stable: a Route has at most 16 rules (§11.1), and a
    // library sort would add its own code to the wasm for this one use.
    let mut order: Vec<usize> = Vec::with_capacity(ranks.len());
    for index in 0..ranks.len() {
        let at = order
            .iter()
            .position(|&placed| ranks[placed] < ranks[index])
            .unwrap_or(order.len());
        order.insert(at, index);
    }
    order
}

/// Whether one match holds for the request; its rank and description if so (§11.5, §11.9).
fn match_holds(route_match: &RouteMatch, request: &GatewayRequest) -> Option<(MatchRank, String)> {
    match route_match {
        RouteMatch::Http(http) => {
            let path_holds = match http.path.kind {
                MatchKind::Exact => http.path.value == request.path,
                MatchKind::RegularExpression => regex_full_match(&http.path.value, &request.path)?,
                MatchKind::PathPrefix => prefix_matches(&http.path.value, &request.path),
            };
            if !path_holds {
                return None;
            }
            if let Some(method) = &http.method {
                if *method != request.method {
                    return None;
                }
            }
            if !headers_match(&http.headers, &request.headers) {
                return None;
            }
            for param in &http.query_params {
                let value = query_value(request.query.as_deref(), &param.name)?;
                if !value_matches(param, &value) {
                    return None;
                }
            }
            Some((
                MatchRank {
                    rank: match_rank(route_match),
                },
                super::status::describe_match(route_match),
            ))
        }
        RouteMatch::Grpc(grpc) => {
            let (service, method) = request.path.trim_start_matches('/').split_once('/')?;
            let part = |want: &Option<String>, have: &str| -> Option<bool> {
                match want {
                    None => Some(true),
                    Some(want) if grpc.kind == MatchKind::RegularExpression => {
                        regex_full_match(want, have)
                    }
                    Some(want) => Some(want == have),
                }
            };
            if !part(&grpc.service, service)? || !part(&grpc.method, method)? {
                return None;
            }
            if !headers_match(&grpc.headers, &request.headers) {
                return None;
            }
            Some((
                MatchRank {
                    rank: match_rank(route_match),
                },
                super::status::describe_match(route_match),
            ))
        }
    }
}

/// Every wanted header is present (names compare without case) with a value that
/// matches.
fn headers_match(wanted: &[ValueMatch], headers: &[(String, String)]) -> bool {
    wanted.iter().all(|want| {
        headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&want.name))
            .is_some_and(|(_, value)| value_matches(want, value))
    })
}

fn value_matches(want: &ValueMatch, value: &str) -> bool {
    match want.kind {
        MatchKind::RegularExpression => regex_full_match(&want.value, value).unwrap_or(false),
        _ => want.value == value,
    }
}

/// RE2 syntax, matched against the whole text (§11.13). `None` when the pattern
/// does not compile: such a match never holds.
fn regex_full_match(pattern: &str, text: &str) -> Option<bool> {
    Regex::new(pattern)
        .ok()
        .map(|regex| regex.is_full_match(text))
}

/// The first value of a query parameter (§11.5: a repeated parameter uses the first).
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (key == name).then(|| value.to_string())
        })
        .next()
}

/// PathPrefix matching: element-wise, ignoring a trailing `/` on the value.
pub fn prefix_matches(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return true;
    }
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// A path after a ReplaceFullPath or ReplacePrefixMatch modifier (§11.8).
pub fn modify_path(path: &str, modifier: &PathModifier, matched_prefix: Option<&str>) -> String {
    match modifier {
        PathModifier::ReplaceFullPath(full) => full.clone(),
        PathModifier::ReplacePrefixMatch(replacement) => {
            let prefix = matched_prefix.unwrap_or("/").trim_end_matches('/');
            let rest = path.strip_prefix(prefix).unwrap_or(path);
            let mut result = format!("{}{rest}", replacement.trim_end_matches('/'));
            if !result.starts_with('/') {
                result.insert(0, '/');
            }
            result
        }
    }
}

/// Sets one header, replacing any of the same name (names compare without case).
fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value.to_string()));
}

/// Applies a header modifier: set overwrites, add appends with a comma, remove deletes.
pub fn apply_headers(headers: &mut Vec<(String, String)>, modifier: &HeaderModifier) {
    for (name, value) in &modifier.set {
        set_header(headers, name, value);
    }
    for (name, value) in &modifier.add {
        match headers
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(value);
            }
            None => headers.push((name.clone(), value.clone())),
        }
    }
    for name in &modifier.remove {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }
}

fn describe_modifier(modifier: &HeaderModifier) -> String {
    let mut parts = Vec::new();
    for (name, value) in &modifier.set {
        parts.push(format!("set {name}: {value}"));
    }
    for (name, value) in &modifier.add {
        parts.push(format!("add {name}: {value}"));
    }
    for name in &modifier.remove {
        parts.push(format!("remove {name}"));
    }
    if parts.is_empty() {
        "no change".to_string()
    } else {
        parts.join(", ")
    }
}
