//! Listeners, Route attachment and the status a conformant controller writes
//! (§11.2 to §11.8), with a diagnostic for each problem.

use crate::engine::sort::{CollectCompact, SortCompact};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

use serde::{Serialize, Serializer};

use super::backend_tls::{self, ResolvedBackendTlsPolicy};
use super::hostname;
use super::model::*;
use crate::engine::diag::{Diagnostic, Source};
use crate::engine::model::{IgnoredByName, Manifests, Meta, ServiceType, ServicesByName};
use crate::engine::netpol::NAMESPACE_NAME_LABEL;
use crate::engine::refs::NamespacedName;
use crate::engine::resolve::ResolvedService;
use crate::engine::selector::Labels;

/// A condition, as controllers write them in `status.conditions`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub condition_type: &'static str,
    pub status: ConditionStatus,
    pub reason: &'static str,
    pub message: String,
}

impl Condition {
    pub(crate) fn new(
        condition_type: &'static str,
        status: ConditionStatus,
        reason: &'static str,
        message: impl Into<String>,
    ) -> Condition {
        Condition {
            condition_type,
            status,
            reason,
            message: message.into(),
        }
    }

    /// `ResolvedRefs`: True, or False with the first problem's reason and message.
    pub(crate) fn resolved_refs(problem: &Option<(&'static str, String)>) -> Condition {
        match problem {
            None => Condition::new(
                "ResolvedRefs",
                ConditionStatus::True,
                "ResolvedRefs",
                "All references resolved",
            ),
            Some((reason, message)) => Condition::new(
                "ResolvedRefs",
                ConditionStatus::False,
                reason,
                message.clone(),
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionStatus {
    True,
    False,
    Unknown,
}

impl ConditionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionStatus::True => "True",
            ConditionStatus::False => "False",
            ConditionStatus::Unknown => "Unknown",
        }
    }
    fn of(value: bool) -> ConditionStatus {
        if value {
            ConditionStatus::True
        } else {
            ConditionStatus::False
        }
    }
}

impl fmt::Display for ConditionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ConditionStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// `{group, kind}` in `supportedKinds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SupportedKind {
    pub group: &'static str,
    pub kind: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusAddress {
    #[serde(rename = "type")]
    pub address_type: &'static str,
    pub value: String,
}

/// A Gateway with its status.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedGateway {
    pub namespace: String,
    pub name: String,
    pub gateway_class: String,
    pub addresses: Vec<StatusAddress>,
    pub conditions: Vec<Condition>,
    /// The Gateway's own listeners, then those its ListenerSets add (§11.16); the
    /// JSON lists only its own, each ListenerSet lists the others.
    #[serde(serialize_with = "own_listeners")]
    pub listeners: Vec<ResolvedListener>,
    /// The Service in front of the proxy pods (§11.2), `namespace/name`.
    pub proxy_service: Option<NamespacedName>,
    /// Whether kubetopo synthesised that Service and its Deployment.
    pub proxy_simulated: bool,
    /// False when the class is not in the input: the Gateway stays Pending and routes nothing.
    #[serde(skip)]
    pub programmed: bool,
    #[serde(skip)]
    pub address_ips: Vec<IpAddr>,
    #[serde(skip)]
    pub creation_timestamp: Option<String>,
    #[serde(skip)]
    pub source: Source,
}

impl ResolvedGateway {
    pub fn key(&self) -> NamespacedName {
        NamespacedName::new(&self.namespace, &self.name)
    }
}

fn own_listeners<S: Serializer>(
    listeners: &[ResolvedListener],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(listeners.iter().filter(|l| l.listener_set.is_none()))
}

/// A ListenerSet with the status its parent Gateway's controller writes (§11.16).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedListenerSet {
    pub namespace: String,
    pub name: String,
    /// The parent Gateway, `namespace/name`.
    pub parent: NamespacedName,
    /// `Accepted`, `Programmed` and `ResolvedRefs`; empty when no controller writes
    /// status (the parent is not in the input, or its class is not).
    pub conditions: Vec<Condition>,
    /// Position of the parent in `GatewayTopology::gateways`, when its listeners
    /// were added to it.
    #[serde(skip)]
    pub gateway_index: Option<usize>,
    /// Position in `GatewayManifests::listener_sets`.
    #[serde(skip)]
    pub set_index: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedListener {
    pub name: String,
    pub port: i64,
    pub protocol: String,
    pub hostname: Option<String>,
    pub attached_routes: usize,
    pub supported_kinds: Vec<SupportedKind>,
    pub conditions: Vec<Condition>,
    /// Accepted and not conflicted: it carries traffic.
    #[serde(skip)]
    pub active: bool,
    #[serde(skip)]
    pub protocol_kind: Option<ListenerProtocol>,
    /// The ListenerSet the listener comes from (its position in
    /// `GatewayManifests::listener_sets`), `None` for the Gateway's own (§11.16).
    #[serde(skip)]
    pub listener_set: Option<usize>,
    /// The name scene ids and the details panel use: the listener's name, after its
    /// ListenerSet's name and `:` when it comes from one, since a set may reuse a
    /// name the Gateway has.
    #[serde(skip)]
    pub scene_name: String,
    /// `tls.mode: Passthrough`: the proxy leaves the client's TLS whole (§11.9).
    #[serde(skip)]
    pub passthrough: bool,
    /// The first of `tls.certificateRefs`, the certificate a terminating
    /// listener ends TLS with.
    #[serde(skip)]
    pub certificate: Option<NamespacedName>,
}

/// A Route with its status per parent and a summary of its rules.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedRoute {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub hostnames: Vec<String>,
    pub parents: Vec<ParentStatus>,
    pub rules: Vec<RuleStatus>,
    /// Position in `Manifests::gateway.routes`.
    #[serde(skip)]
    pub route_index: usize,
}

impl ResolvedRoute {
    pub fn key(&self) -> NamespacedName {
        NamespacedName::new(&self.namespace, &self.name)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentStatus {
    pub gateway: NamespacedName,
    /// The ListenerSet the parentRef names, whose listeners are the Gateway's that
    /// come from it (§11.16); absent for a parentRef to a Gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener_set: Option<NamespacedName>,
    pub section_name: Option<String>,
    pub port: Option<i64>,
    pub conditions: Vec<Condition>,
    /// The listeners the Route attached to, each with the hostnames it serves
    /// there (`None` is every host), when Accepted.
    #[serde(skip)]
    pub attachments: Vec<Attachment>,
    #[serde(skip)]
    pub gateway_index: Option<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attachment {
    pub listener: usize,
    pub hostnames: Vec<Option<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleStatus {
    pub name: Option<String>,
    /// The matches in words, e.g. `PathPrefix /api, header x-canary=1`.
    pub matches: Vec<String>,
    pub filters: Vec<&'static str>,
    pub backends: Vec<BackendStatus>,
    /// Why the rule is dropped, when it is (`PartiallyInvalid`).
    pub dropped: Option<String>,
    /// The ResolvedRefs reason of each invalid RequestMirror target, by its
    /// `namespace/name`: such a mirror is dropped (§11.8).
    #[serde(skip)]
    pub dropped_mirrors: Vec<(String, &'static str)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendStatus {
    /// `namespace/name` (and the group/kind when it is not a core Service).
    pub backend: String,
    pub port: Option<i64>,
    pub weight: i64,
    /// `None` when valid; else the ResolvedRefs reason (`BackendNotFound`, …).
    pub problem: Option<&'static str>,
    /// Whether `problem` is only an unmet BackendTLSPolicy, which a `Passthrough`
    /// listener does not apply (§11.15).
    #[serde(skip)]
    pub tls_only: bool,
    /// Position of the Service in `Topology::services`, when valid. Also kept for
    /// a TLSRoute's backend that only an unmet BackendTLSPolicy makes invalid, when
    /// a Passthrough listener, where no policy applies, still reaches it (§11.15).
    #[serde(skip)]
    pub service: Option<usize>,
}

impl BackendStatus {
    /// The problem a request meets at this backend when it came through a
    /// listener whose `tls.mode` is Passthrough (`true`) or not: under Passthrough
    /// the proxy opens no TLS, so an unmet BackendTLSPolicy is no problem (§11.15).
    pub fn problem_through(&self, passthrough: bool) -> Option<&'static str> {
        self.problem.filter(|_| !(passthrough && self.tls_only))
    }
}

/// Everything Gateway API resolves to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GatewayTopology {
    pub gateways: Vec<ResolvedGateway>,
    pub routes: Vec<ResolvedRoute>,
    /// Sorted by namespace/name (§11.15).
    pub backend_tls_policies: Vec<ResolvedBackendTlsPolicy>,
    /// Sorted by namespace/name (§11.16).
    pub listener_sets: Vec<ResolvedListenerSet>,
}

impl GatewayTopology {
    /// The listeners a ListenerSet added to its Gateway (§11.16), in its order;
    /// empty when the Gateway did not take them.
    pub fn listener_set_listeners(&self, set: &ResolvedListenerSet) -> Vec<&ResolvedListener> {
        set.gateway_index
            .and_then(|g| self.gateways.get(g))
            .map(|gateway| {
                gateway
                    .listeners
                    .iter()
                    .filter(|l| l.listener_set == Some(set.set_index))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The Gateways that claim a hostname on a port (§11.10), by position: those
    /// with an active listener on the port whose hostname, or the hostname of a
    /// Route attached to it, matches `host`. Sorted as the Gateways are, by
    /// namespace/name, so the first is the one a request goes to.
    pub fn claiming(&self, host: &str, port: i64) -> Vec<usize> {
        let claims = |index: usize| -> bool {
            let gateway = &self.gateways[index];
            gateway
                .listeners
                .iter()
                .enumerate()
                .any(|(listener_index, listener)| {
                    if listener.port != port || !listener.active {
                        return false;
                    }
                    if listener.hostname.is_some()
                        && hostname::host_matches(listener.hostname.as_deref(), host)
                    {
                        return true;
                    }
                    self.routes.iter().any(|route| {
                        route.parents.iter().any(|parent| {
                            parent.gateway_index == Some(index)
                                && parent.attachments.iter().any(|a| {
                                    a.listener == listener_index
                                        && a.hostnames.iter().any(|h| {
                                            h.is_some()
                                                && hostname::host_matches(h.as_deref(), host)
                                        })
                                })
                        })
                    })
                })
        };
        (0..self.gateways.len()).filter(|&i| claims(i)).collect()
    }
}

/// The labels both the proxy Deployment and Service carry (§11.2).
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";
pub const GATEWAY_CLASS_LABEL: &str = "gateway.networking.k8s.io/gateway-class-name";

/// How one listener stands before any Route is looked at.
#[derive(Clone, Debug)]
pub(crate) struct ListenerState {
    pub protocol: Option<ListenerProtocol>,
    pub conflict: Option<&'static str>,
    /// The HTTPS and TLS listeners on its port whose hostnames overlap its own,
    /// by position in the Gateway's listeners (with its ListenerSets').
    pub overlapping_tls: Vec<usize>,
    pub supported: Vec<RouteKind>,
    pub invalid_kinds: Vec<GroupKind>,
}

/// Protocols, conflicts and supported kinds of a Gateway's listeners (§11.3).
pub(crate) fn listener_states(gateway: &Gateway) -> Vec<ListenerState> {
    let mut states: Vec<ListenerState> = gateway
        .listeners
        .iter()
        .map(|listener| {
            let protocol = listener.protocol();
            let mut supported = Vec::new();
            let mut invalid_kinds = Vec::new();
            if let Some(protocol) = protocol {
                if listener.allowed_kinds.is_empty() {
                    supported = protocol.route_kinds().to_vec();
                } else {
                    for group_kind in &listener.allowed_kinds {
                        match RouteKind::parse(&group_kind.kind) {
                            Some(kind)
                                if group_kind.group == GROUP
                                    && protocol.route_kinds().contains(&kind) =>
                            {
                                if !supported.contains(&kind) {
                                    supported.push(kind);
                                }
                            }
                            _ => invalid_kinds.push(group_kind.clone()),
                        }
                    }
                }
            }
            ListenerState {
                protocol,
                conflict: None,
                overlapping_tls: Vec::new(),
                supported,
                invalid_kinds,
            }
        })
        .collect();
    let mut by_port: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (index, listener) in gateway.listeners.iter().enumerate() {
        if listener.listener_set.is_none()
            && states[index]
                .protocol
                .is_some_and(|p| p != ListenerProtocol::Udp)
        {
            by_port.entry(listener.port).or_default().push(index);
        }
    }
    for members in by_port.values() {
        let has = |protocol| {
            members
                .iter()
                .any(|&i| states[i].protocol == Some(protocol))
        };
        let n_tcp = members
            .iter()
            .filter(|&&i| states[i].protocol == Some(ListenerProtocol::Tcp))
            .count();
        let protocol_conflict = (has(ListenerProtocol::Http)
            && (has(ListenerProtocol::Https)
                || has(ListenerProtocol::Tls)
                || has(ListenerProtocol::Tcp)))
            || (n_tcp > 0 && members.len() > 1);
        if protocol_conflict {
            for &i in members {
                states[i].conflict = Some("ProtocolConflict");
            }
            continue;
        }
        for (position, &a) in members.iter().enumerate() {
            for &b in &members[position + 1..] {
                if !(tls_like(states[a].protocol) && tls_like(states[b].protocol)) {
                    continue;
                }
                let (host_a, host_b) = (
                    gateway.listeners[a].hostname.as_deref(),
                    gateway.listeners[b].hostname.as_deref(),
                );
                if host_a == host_b {
                    states[a].conflict = Some("HostnameConflict");
                    states[b].conflict = Some("HostnameConflict");
                } else if let (Some(x), Some(y)) = (host_a, host_b) {
                    if hostname::intersect(Some(x), Some(y)).is_some() {
                        states[a].overlapping_tls.push(b);
                        states[b].overlapping_tls.push(a);
                    }
                }
            }
        }
    }
    // ListenerSet listeners come after the Gateway's own, in precedence order
    // (§11.16): each one that would conflict with a listener already standing is
    // Conflicted, and the standing one keeps its place.
    for index in 0..gateway.listeners.len() {
        if gateway.listeners[index].listener_set.is_none() {
            continue;
        }
        let Some(protocol) = states[index].protocol else {
            continue;
        };
        let listener = &gateway.listeners[index];
        let conflict = (0..index)
            .filter(|&earlier| {
                states[earlier].conflict.is_none()
                    && gateway.listeners[earlier].port == listener.port
            })
            .find_map(|earlier| {
                let other = states[earlier].protocol?;
                pair_conflict(
                    (protocol, listener.hostname.as_deref()),
                    (other, gateway.listeners[earlier].hostname.as_deref()),
                )
            });
        states[index].conflict = conflict;
        // One that stands is checked for overlapping TLS hostnames against every
        // earlier HTTPS or TLS listener on its port that stands, as the Gateway's
        // own are among themselves (§11.16).
        if conflict.is_some() || !tls_like(Some(protocol)) {
            continue;
        }
        for earlier in 0..index {
            let other = &gateway.listeners[earlier];
            let overlaps = states[earlier].conflict.is_none()
                && tls_like(states[earlier].protocol)
                && other.port == listener.port
                && match (other.hostname.as_deref(), listener.hostname.as_deref()) {
                    (Some(x), Some(y)) => x != y && hostname::intersect(Some(x), Some(y)).is_some(),
                    _ => false,
                };
            if overlaps {
                states[index].overlapping_tls.push(earlier);
                states[earlier].overlapping_tls.push(index);
            }
        }
    }
    states
}

fn tls_like(protocol: Option<ListenerProtocol>) -> bool {
    matches!(
        protocol,
        Some(ListenerProtocol::Https | ListenerProtocol::Tls)
    )
}

/// See [`ResolvedListener::scene_name`].
fn scene_name(manifests: &Manifests, listener: &Listener) -> String {
    match listener
        .listener_set
        .and_then(|i| manifests.gateway.listener_sets.get(i))
    {
        Some(set) => format!("{}:{}", set.meta.name, listener.name),
        None => listener.name.clone(),
    }
}

/// Whether two listeners on one port conflict, as §11.3 decides for one Gateway:
/// HTTP beside HTTPS, TLS or TCP, TCP beside anything TCP-based, and two UDP
/// listeners are a ProtocolConflict; two HTTP, or two of HTTPS and TLS, with the
/// same hostname are a HostnameConflict.
fn pair_conflict(
    (a, host_a): (ListenerProtocol, Option<&str>),
    (b, host_b): (ListenerProtocol, Option<&str>),
) -> Option<&'static str> {
    use ListenerProtocol::*;
    let protocol_conflict = match (a, b) {
        (Udp, Udp) => true,
        (Udp, _) | (_, Udp) => return None,
        (Tcp, _) | (_, Tcp) => true,
        (Http, Http) => false,
        (Http, _) | (_, Http) => true,
        _ => false,
    };
    if protocol_conflict {
        Some("ProtocolConflict")
    } else if host_a == host_b {
        Some("HostnameConflict")
    } else {
        None
    }
}

/// The Gateway with the listeners its ListenerSets add (§11.16): its own first,
/// then those of each ListenerSet whose parent it is and whose namespace its
/// `allowedListeners` admits, the oldest set first, then by namespace/name.
pub(crate) fn with_listener_sets(manifests: &Manifests, gateway: &Gateway) -> Gateway {
    let sets = admitted_listener_sets(manifests, gateway, &NamespaceLabels::new(manifests));
    let mut effective = gateway.clone();
    for index in sets {
        effective.listeners.extend(
            manifests.gateway.listener_sets[index]
                .listeners
                .iter()
                .cloned(),
        );
    }
    effective
}

/// The positions of the ListenerSets whose listeners the Gateway takes, in
/// precedence order.
fn admitted_listener_sets(
    manifests: &Manifests,
    gateway: &Gateway,
    namespaces: &NamespaceLabels,
) -> Vec<usize> {
    let sets = &manifests.gateway.listener_sets;
    let mut admitted: Vec<usize> = (0..sets.len())
        .filter(|&i| {
            let set = &sets[i];
            set.parent.group == GROUP
                && set.parent.kind == "Gateway"
                && set.parent.namespace == gateway.meta.namespace
                && set.parent.name == gateway.meta.name
                && admits(
                    &gateway.allowed_listeners,
                    &gateway.meta.namespace,
                    &set.meta.namespace,
                    namespaces,
                )
        })
        .collect();
    admitted.sort_compact_by_key(|&i| {
        (
            age_key(sets[i].creation_timestamp.as_deref()),
            sets[i].key(),
        )
    });
    admitted
}

/// Whether `from` lets an object in `namespace` in, for an owner in `own_namespace`.
fn admits(
    from: &FromNamespaces,
    own_namespace: &str,
    namespace: &str,
    namespaces: &NamespaceLabels,
) -> bool {
    match from {
        FromNamespaces::Same => namespace == own_namespace,
        FromNamespaces::All => true,
        FromNamespaces::Selector(Some(selector)) => selector.matches(&namespaces.get(namespace)),
        FromNamespaces::Selector(None) | FromNamespaces::None | FromNamespaces::Other(_) => false,
    }
}

/// Whether the Gateway's class is in the input (§11.2: kubetopo accepts every class it is given).
pub(crate) fn class_known(manifests: &Manifests, gateway: &Gateway) -> bool {
    manifests
        .gateway
        .classes
        .iter()
        .any(|class| class.meta.name == gateway.class_name)
}

/// Whether a ReferenceGrant in the target namespace permits a reference.
pub(crate) struct Grants<'m> {
    grants: &'m [ReferenceGrant],
    pub used: BTreeSet<usize>,
}

impl<'m> Grants<'m> {
    pub fn new(grants: &'m [ReferenceGrant]) -> Grants<'m> {
        Grants {
            grants,
            used: BTreeSet::new(),
        }
    }

    pub fn permits(
        &mut self,
        from_kind: &str,
        from_namespace: &str,
        to_group: &str,
        to_kind: &str,
        to_namespace: &str,
        to_name: &str,
    ) -> bool {
        let mut permitted = false;
        for (index, grant) in self.grants.iter().enumerate() {
            if grant.meta.namespace != to_namespace {
                continue;
            }
            let from_ok = grant.from.iter().any(|from| {
                from.group == GROUP && from.kind == from_kind && from.namespace == from_namespace
            });
            let to_ok = grant.to.iter().any(|to| {
                to.group == to_group
                    && to.kind == to_kind
                    && to.name.as_deref().is_none_or(|name| name == to_name)
            });
            if from_ok && to_ok {
                self.used.insert(index);
                permitted = true;
            }
        }
        permitted
    }
}

/// Resolves listeners, attachments, backends and status. `services` are the
/// resolved Services (for backends and the proxy's address).
pub fn resolve_gateways(
    manifests: &Manifests,
    services: &[std::sync::Arc<ResolvedService>],
    diagnostics: &mut Vec<Diagnostic>,
) -> GatewayTopology {
    let gateway_manifests = &manifests.gateway;
    if gateway_manifests.is_empty() {
        return GatewayTopology::default();
    }
    let mut grants = Grants::new(&gateway_manifests.grants);
    let backend_tls_policies = backend_tls::resolve_backend_tls(manifests, diagnostics);
    let service_index: BTreeMap<(&str, &str), usize> = services
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.namespace.as_str(), s.name.as_str()), i))
        .collect_map();
    let service_objects = ServicesByName::new(&manifests.services);
    let secrets = IgnoredByName::new(manifests, "Secret");

    // Gateways, in namespace/name order.
    let mut gateway_order: Vec<usize> = (0..gateway_manifests.gateways.len()).collect();
    gateway_order.sort_compact_by_key(|&i| gateway_manifests.gateways[i].key());
    let mut gateways: Vec<ResolvedGateway> = Vec::new();
    let mut gateway_states: Vec<Vec<ListenerState>> = Vec::new();
    let mut effective: Vec<Gateway> = Vec::new();
    for &index in &gateway_order {
        let gateway = with_listener_sets(manifests, &gateway_manifests.gateways[index]);
        let states = listener_states(&gateway);
        gateways.push(resolve_gateway(
            manifests,
            &gateway,
            &states,
            services,
            &service_index,
            &secrets,
            &mut grants,
            diagnostics,
        ));
        gateway_states.push(states);
        effective.push(gateway);
    }
    let gateway_position: BTreeMap<NamespacedName, usize> = gateways
        .iter()
        .enumerate()
        .map(|(i, g)| (g.key(), i))
        .collect_map();
    let listener_sets = resolve_listener_sets(manifests, &gateways, &gateway_position, diagnostics);

    // Routes, in kind, namespace, name order.
    let mut route_order: Vec<usize> = (0..gateway_manifests.routes.len()).collect();
    route_order.sort_compact_by_key(|&i| {
        let route = &gateway_manifests.routes[i];
        (route.kind, route.key())
    });
    let namespaces = NamespaceLabels::new(manifests);
    let mut routes: Vec<ResolvedRoute> = route_order
        .iter()
        .map(|&index| {
            let route = &gateway_manifests.routes[index];
            let mut resolved = ResolvedRoute {
                kind: route.kind.as_str(),
                namespace: route.meta.namespace.clone(),
                name: route.meta.name.clone(),
                hostnames: route.hostnames.clone(),
                parents: Vec::new(),
                rules: Vec::new(),
                route_index: index,
            };
            for parent_ref in &route.parent_refs {
                if let Some(parent) = attach(
                    manifests,
                    route,
                    parent_ref,
                    &gateways,
                    &effective,
                    &gateway_states,
                    &gateway_position,
                    &namespaces,
                    diagnostics,
                ) {
                    resolved.parents.push(parent);
                }
            }
            resolved
        })
        .collect();

    http_grpc_precedence(manifests, &mut routes, diagnostics);

    // Rules and backends; then ResolvedRefs and PartiallyInvalid on each parent.
    for resolved in &mut routes {
        let route = &gateway_manifests.routes[resolved.route_index];
        let mut refs_problem: Option<(&'static str, String)> = None;
        // The first problem other than an unmet BackendTLSPolicy: a TLSRoute's
        // ResolvedRefs on a parent where no policy applies (§11.15).
        let mut plain_problem: Option<(&'static str, String)> = None;
        let valid_rules = route
            .rules
            .iter()
            .filter(|r| r.unsupported.is_none())
            .count();
        let attached = resolved.parents.iter().any(|p| !p.attachments.is_empty());
        // Whether a parent attached the Route to a listener whose `tls.mode` is
        // Passthrough (`true`) or not (`false`).
        let through = |parent: &ParentStatus, passthrough: bool| {
            parent.gateway_index.is_some_and(|g| {
                parent
                    .attachments
                    .iter()
                    .any(|a| gateways[g].listeners[a.listener].passthrough == passthrough)
            })
        };
        // A BackendTLSPolicy applies where the proxy originates TLS: for a TLSRoute,
        // only through a Terminate listener, never under Passthrough (§11.15).
        let applies =
            |parent: &ParentStatus| route.kind != RouteKind::Tls || through(parent, false);
        let tls_applies = route.kind != RouteKind::Tls || resolved.parents.iter().any(applies);
        // A backend invalid only for such a policy keeps its Service when a
        // Passthrough listener still reaches it.
        let passes = resolved.parents.iter().any(|p| through(p, true));
        // The BackendTLSPolicy that applies to a backend's port of the Service at
        // `service` (§11.15).
        let tls_policy = |service: usize, backend: &BackendRef| {
            let port_name = services[service]
                .ports
                .iter()
                .find(|p| Some(p.port) == backend.port && p.protocol == route.kind.transport())
                .and_then(|p| p.name.as_deref());
            backend_tls::applying(
                manifests,
                &backend_tls_policies,
                &services[service].namespace,
                &services[service].name,
                port_name,
            )
        };
        for rule in &route.rules {
            let mut backends = Vec::new();
            for backend in &rule.backend_refs {
                let check = check_backend(
                    &service_objects,
                    route,
                    backend,
                    services,
                    &service_index,
                    &mut grants,
                    &tls_policy,
                );
                let service = check.as_ref().ok().copied();
                // A BackendTLSPolicy on the port that cannot be met makes the backend
                // invalid where it applies (§11.15).
                let unmet = service
                    .and_then(|s| tls_policy(s, backend))
                    .and_then(|p| backend_tls_policies[p].unmet.clone())
                    .filter(|_| tls_applies);
                let tls_only = unmet.is_some();
                let problem = check.err().or(unmet).map(|(reason, message)| {
                    if !resolved.parents.is_empty() {
                        diagnostics.push(backend_diagnostic(route, backend, reason, &message));
                    }
                    if !tls_only {
                        plain_problem.get_or_insert((reason, message.clone()));
                    }
                    refs_problem.get_or_insert((reason, message));
                    reason
                });
                backends.push(BackendStatus {
                    backend: backend.to_string(),
                    port: backend.port,
                    weight: backend.weight,
                    problem,
                    tls_only,
                    service: service.filter(|_| problem.is_none() || (tls_only && passes)),
                });
            }
            let mut dropped_mirrors = Vec::new();
            for filter in rule
                .filters
                .iter()
                .chain(rule.backend_refs.iter().flat_map(|b| b.filters.iter()))
            {
                if let Filter::RequestMirror(mirror) = filter {
                    if let Err((reason, message)) = check_backend(
                        &service_objects,
                        route,
                        mirror,
                        services,
                        &service_index,
                        &mut grants,
                        &tls_policy,
                    ) {
                        if !resolved.parents.is_empty() {
                            diagnostics.push(backend_diagnostic(route, mirror, reason, &format!("{message}; the mirror is dropped and the main request is unaffected")));
                        }
                        dropped_mirrors.push((mirror.to_string(), reason));
                        refs_problem.get_or_insert((reason, message));
                    }
                }
            }
            resolved.rules.push(RuleStatus {
                name: rule.name.clone(),
                matches: rule.matches.iter().map(describe_match).collect(),
                filters: rule.filters.iter().map(Filter::type_name).collect(),
                backends,
                dropped: rule.unsupported.clone(),
                dropped_mirrors,
            });
            if attached && rule.unsupported.is_none() {
                let has_redirect = rule
                    .filters
                    .iter()
                    .any(|f| matches!(f, Filter::RequestRedirect(_)));
                let total_weight: i64 = rule.backend_refs.iter().map(|b| b.weight).sum();
                if !has_redirect && (rule.backend_refs.is_empty() || total_weight == 0) {
                    let why = if rule.backend_refs.is_empty() {
                        "has no backendRefs and no redirect".to_string()
                    } else {
                        "gives every backend weight 0".to_string()
                    };
                    let answer = if route.kind == RouteKind::Grpc {
                        "UNAVAILABLE"
                    } else {
                        "500"
                    };
                    diagnostics.push(
                        Diagnostic::warning("gateway-rule-no-backends", format!("{} {} rule {} {why}, so every request it matches is answered {answer} by the Gateway (§11.7).", route.kind, route.key(), rule_label(rule, &route.rules)))
                            .object(object_name(&route.meta, route.kind.as_str()))
                            .field(rule.field.clone())
                            .at(route.meta.field_source(&rule.field)),
                    );
                }
            }
        }
        for (index, rule) in route.rules.iter().enumerate() {
            if let Some(why) = &rule.unsupported {
                if attached {
                    let what = if valid_rules == 0 {
                        "Every rule is invalid, so the Route is not accepted (Accepted=False/UnsupportedValue)"
                    } else {
                        "The rule is dropped (PartiallyInvalid=True) and the other rules still work"
                    };
                    diagnostics.push(
                        Diagnostic::error("gateway-route-unsupported-value", format!("{} {} rule {index} uses a value the API does not know ({why}). {what}.", route.kind, route.key()))
                            .object(object_name(&route.meta, route.kind.as_str()))
                            .field(rule.field.clone())
                            .at(route.meta.field_source(&rule.field)),
                    );
                }
            }
        }
        for parent in &mut resolved.parents {
            let problem = if applies(parent) {
                &refs_problem
            } else {
                &plain_problem
            };
            let accepted = parent
                .conditions
                .first()
                .is_some_and(|c| c.status == ConditionStatus::True);
            if accepted && !route.rules.is_empty() && valid_rules == 0 {
                parent.conditions[0] = Condition::new(
                    "Accepted",
                    ConditionStatus::False,
                    "UnsupportedValue",
                    "every rule uses an unsupported value",
                );
                parent.attachments.clear();
            }
            parent.conditions.push(Condition::resolved_refs(problem));
            if valid_rules > 0 && valid_rules < route.rules.len() {
                let dropped: Vec<String> = route
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.unsupported.is_some())
                    .map(|(i, _)| i.to_string())
                    .collect();
                parent.conditions.push(Condition::new(
                    "PartiallyInvalid",
                    ConditionStatus::True,
                    "UnsupportedValue",
                    format!("Dropped Rule(s): {}", dropped.join(", ")),
                ));
            }
        }
    }

    // attachedRoutes, counted once per listener a Route attached to.
    for resolved in &routes {
        for parent in &resolved.parents {
            let Some(gateway) = parent.gateway_index else {
                continue;
            };
            for attachment in &parent.attachments {
                gateways[gateway].listeners[attachment.listener].attached_routes += 1;
            }
        }
    }
    l4_shadowing(manifests, &routes, &gateways, diagnostics);
    rule_shadowing(manifests, &routes, diagnostics);
    super::shadowing::cross_route_shadowing(manifests, &routes, &gateways, diagnostics);
    backend_endpoints(manifests, &routes, services, diagnostics);
    for (index, grant) in gateway_manifests.grants.iter().enumerate() {
        if !grants.used.contains(&index) {
            diagnostics.push(
                Diagnostic::info("gateway-referencegrant-unused", format!("ReferenceGrant {}/{} permits no reference in the input: no Route or Gateway in a `from` namespace refers to a `to` object in {} (§11.7). It has no effect; check its kinds, groups and namespaces, which must match exactly.", grant.meta.namespace, grant.meta.name, grant.meta.namespace))
                    .object(object_name(&grant.meta, "ReferenceGrant"))
                    .at(grant.meta.source.clone()),
            );
        }
    }
    GatewayTopology {
        gateways,
        routes,
        backend_tls_policies,
        listener_sets,
    }
}

/// The status of every ListenerSet (§11.16), sorted by namespace/name: `Accepted`
/// and `Programmed`, each `NotAllowed` when the parent's `allowedListeners` does not
/// admit the set's namespace, `ParentNotAccepted` when the parent is not accepted,
/// and `ListenersNotValid` when none of its listeners is (True with that reason
/// when only some are not). A parent that is not in the input, or whose class is
/// not, gets no status and a diagnostic.
fn resolve_listener_sets(
    manifests: &Manifests,
    gateways: &[ResolvedGateway],
    gateway_position: &BTreeMap<NamespacedName, usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ResolvedListenerSet> {
    let sets = &manifests.gateway.listener_sets;
    let mut order: Vec<usize> = (0..sets.len()).collect();
    order.sort_compact_by_key(|&i| sets[i].key());
    order
        .into_iter()
        .map(|index| {
            let set = &sets[index];
            let parent = NamespacedName::new(&set.parent.namespace, &set.parent.name);
            let mut resolved = ResolvedListenerSet {
                namespace: set.meta.namespace.clone(),
                name: set.meta.name.clone(),
                parent: parent.clone(),
                conditions: Vec::new(),
                gateway_index: None,
                set_index: index,
            };
            let object = object_name(&set.meta, "ListenerSet");
            let gateway_index = gateway_position.get(&parent).copied().filter(|&g| {
                set.parent.group == GROUP
                    && set.parent.kind == "Gateway"
                    && gateways[g].conditions.first().is_some_and(|c| c.reason != "Pending")
            });
            let Some(gateway_index) = gateway_index else {
                diagnostics.push(
                    Diagnostic::error("gateway-listenerset-parent-not-found", format!("ListenerSet {} names parent {} {} {parent}, which is not a Gateway in the input with a known GatewayClass: no controller writes status for the set and its listeners are nowhere (§11.16).", set.key(), set.parent.group, set.parent.kind))
                        .object(object)
                        .field("spec.parentRef")
                        .at(set.meta.field_source("spec.parentRef")),
                );
                return resolved;
            };
            let gateway = &gateways[gateway_index];
            let listeners: Vec<&ResolvedListener> = gateway
                .listeners
                .iter()
                .filter(|l| l.listener_set == Some(index))
                .collect();
            let n_valid = listeners.iter().filter(|l| l.active).count();
            let gateway_accepted = gateway
                .conditions
                .first()
                .is_some_and(|c| c.status == ConditionStatus::True);
            let (accepted, reason, message) = if listeners.is_empty() {
                diagnostics.push(
                    Diagnostic::error("gateway-listenerset-not-allowed", format!("ListenerSet {} adds listeners to Gateway {parent}, whose `spec.allowedListeners` does not admit namespace {} (the default is `from: None`): Accepted=False/NotAllowed, and none of its listeners is served (§11.16).", set.key(), set.meta.namespace))
                        .object(object)
                        .field("spec.parentRef")
                        .at(set.meta.field_source("spec.parentRef")),
                );
                (false, "NotAllowed", "ListenerSet is not allowed by the Gateway's allowedListeners")
            } else if !gateway_accepted {
                (false, "ParentNotAccepted", "The parent Gateway is not accepted")
            } else if n_valid == 0 {
                (false, "ListenersNotValid", "No listener is valid")
            } else if n_valid < listeners.len() {
                (true, "ListenersNotValid", "Some listeners are not valid")
            } else {
                (true, "Accepted", "ListenerSet is accepted")
            };
            if !listeners.is_empty() {
                resolved.gateway_index = Some(gateway_index);
            }
            resolved.conditions.push(Condition::new(
                "Accepted",
                ConditionStatus::of(accepted),
                reason,
                message,
            ));
            resolved.conditions.push(if !accepted {
                Condition::new("Programmed", ConditionStatus::False, reason, message)
            } else if !gateway.programmed {
                Condition::new(
                    "Programmed",
                    ConditionStatus::False,
                    "Pending",
                    "The parent Gateway is not programmed",
                )
            } else {
                Condition::new(
                    "Programmed",
                    ConditionStatus::True,
                    "Programmed",
                    "ListenerSet is programmed",
                )
            });
            resolved
        })
        .collect()
}

pub(super) fn object_name(meta: &Meta, kind: &str) -> String {
    if meta.namespace.is_empty() {
        format!("{kind}/{}", meta.name)
    } else {
        format!("{kind}/{}/{}", meta.namespace, meta.name)
    }
}

fn rule_label(rule: &RouteRule, rules: &[RouteRule]) -> String {
    let index = rules
        .iter()
        .position(|r| std::ptr::eq(r, rule))
        .unwrap_or(0);
    match &rule.name {
        Some(name) => format!("{index} ({name})"),
        None => index.to_string(),
    }
}

/// Namespace labels as `allowedRoutes` selectors see them: the Namespace's own, plus
/// `kubernetes.io/metadata.name`, which the API server adds to every namespace.
struct NamespaceLabels {
    labels: BTreeMap<String, Labels>,
}

impl NamespaceLabels {
    fn new(manifests: &Manifests) -> NamespaceLabels {
        let mut labels = BTreeMap::new();
        for namespace in &manifests.namespaces {
            let mut own = namespace.meta.labels.clone();
            own.insert(
                NAMESPACE_NAME_LABEL.to_string(),
                namespace.meta.name.clone(),
            );
            labels.insert(namespace.meta.name.clone(), own);
        }
        NamespaceLabels { labels }
    }
    fn get(&self, namespace: &str) -> Labels {
        self.labels.get(namespace).cloned().unwrap_or_else(|| {
            Labels::from([(NAMESPACE_NAME_LABEL.to_string(), namespace.to_string())])
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn resolve_gateway(
    manifests: &Manifests,
    gateway: &Gateway,
    states: &[ListenerState],
    services: &[std::sync::Arc<ResolvedService>],
    service_index: &BTreeMap<(&str, &str), usize>,
    secrets: &IgnoredByName<'_>,
    grants: &mut Grants,
    diagnostics: &mut Vec<Diagnostic>,
) -> ResolvedGateway {
    let object = object_name(&gateway.meta, "Gateway");
    let known = class_known(manifests, gateway);
    let mut resolved = ResolvedGateway {
        namespace: gateway.meta.namespace.clone(),
        name: gateway.meta.name.clone(),
        gateway_class: gateway.class_name.clone(),
        addresses: Vec::new(),
        conditions: Vec::new(),
        listeners: Vec::new(),
        proxy_service: None,
        proxy_simulated: false,
        programmed: false,
        address_ips: Vec::new(),
        creation_timestamp: gateway.creation_timestamp.clone(),
        source: gateway.meta.source.clone(),
    };
    if !known {
        diagnostics.push(
            Diagnostic::error("gateway-class-not-found", format!("Gateway {} names GatewayClass \"{}\", which is not in the input, so no controller acts on it: it stays Accepted=Unknown/Pending and routes nothing (§11.2). Add the GatewayClass or fix `gatewayClassName`.", gateway.key(), gateway.class_name))
                .object(object.clone())
                .field("spec.gatewayClassName")
                .at(gateway.meta.field_source("spec.gatewayClassName")),
        );
        resolved.conditions.push(Condition::new(
            "Accepted",
            ConditionStatus::Unknown,
            "Pending",
            "Waiting for controller",
        ));
        resolved.conditions.push(Condition::new(
            "Programmed",
            ConditionStatus::Unknown,
            "Pending",
            "Waiting for controller",
        ));
        for listener in &gateway.listeners {
            resolved.listeners.push(ResolvedListener {
                name: listener.name.clone(),
                port: listener.port,
                protocol: listener.protocol.clone(),
                hostname: listener.hostname.clone(),
                attached_routes: 0,
                supported_kinds: Vec::new(),
                conditions: Vec::new(),
                active: false,
                protocol_kind: listener.protocol(),
                listener_set: listener.listener_set,
                scene_name: scene_name(manifests, listener),
                passthrough: listener.passthrough(),
                certificate: listener.certificate(),
            });
        }
        return resolved;
    }

    for (listener, state) in gateway.listeners.iter().zip(states) {
        let field = listener.field.clone();
        let overlapping_tls: Vec<String> = state
            .overlapping_tls
            .iter()
            .map(|&other| scene_name(manifests, &gateway.listeners[other]))
            .collect();
        // A ListenerSet's listener is reported at the set, and its namespace is the
        // one `Same` and certificate references are relative to (§11.16).
        let set = listener
            .listener_set
            .and_then(|i| manifests.gateway.listener_sets.get(i));
        let (object, meta, who, owner_kind) = match set {
            Some(set) => (
                object_name(&set.meta, "ListenerSet"),
                &set.meta,
                format!(
                    "Listener {} of ListenerSet {} (on Gateway {})",
                    listener.name,
                    set.key(),
                    gateway.key()
                ),
                "ListenerSet",
            ),
            None => (
                object.clone(),
                &gateway.meta,
                format!("Listener {} of Gateway {}", listener.name, gateway.key()),
                "Gateway",
            ),
        };
        let mut conditions = Vec::new();
        let mut refs: Option<(&'static str, String)> = None;
        if state.protocol.is_none() {
            diagnostics.push(
                Diagnostic::error("gateway-listener-unsupported-protocol", format!("{who} has protocol \"{}\", which kubetopo's controller does not support (HTTP, HTTPS, TLS, TCP or UDP): Accepted=False/UnsupportedProtocol, and no Route can attach to it (§11.3).", listener.protocol))
                    .object(object.clone())
                    .field(format!("{field}.protocol"))
                    .at(meta.field_source(&format!("{field}.protocol"))),
            );
        }
        if !state.invalid_kinds.is_empty() {
            let kinds: Vec<String> = state
                .invalid_kinds
                .iter()
                .map(ToString::to_string)
                .collect();
            let message = format!(
                "kinds {} are not supported on a {} listener",
                kinds.join(", "),
                listener.protocol
            );
            diagnostics.push(
                Diagnostic::warning("gateway-listener-invalid-route-kinds", format!("{who} allows route kinds it cannot serve ({}): ResolvedRefs=False/InvalidRouteKinds, and only the valid kinds are listed as supported (§11.3).", kinds.join(", ")))
                    .object(object.clone())
                    .field(format!("{field}.allowedRoutes.kinds"))
                    .at(meta.field_source(&format!("{field}.allowedRoutes.kinds"))),
            );
            refs = Some(("InvalidRouteKinds", message));
        }
        for certificate in &listener.certificate_refs {
            let problem = if !(certificate.group.is_empty() && certificate.kind == "Secret") {
                Some((
                    "InvalidCertificateRef",
                    format!(
                        "certificate ref {}/{} is a {} {}, not a core Secret",
                        certificate.namespace,
                        certificate.name,
                        certificate.group,
                        certificate.kind
                    ),
                ))
            } else if certificate.namespace != meta.namespace
                && !grants.permits(
                    owner_kind,
                    &meta.namespace,
                    "",
                    "Secret",
                    &certificate.namespace,
                    &certificate.name,
                )
            {
                Some(("RefNotPermitted", format!("Secret {}/{} is in another namespace and no ReferenceGrant there permits {owner_kind}s from {}", certificate.namespace, certificate.name, meta.namespace)))
            } else if !secrets.contains(&certificate.namespace, &certificate.name) {
                Some((
                    "InvalidCertificateRef",
                    format!(
                        "Secret {}/{} is not in the input",
                        certificate.namespace, certificate.name
                    ),
                ))
            } else {
                None
            };
            if let Some((reason, message)) = problem {
                diagnostics.push(
                    Diagnostic::error("gateway-listener-bad-certificate", format!("{who}: {message}, so the listener's ResolvedRefs is False/{reason} (§11.3)."))
                        .object(object.clone())
                        .field(certificate.field.clone())
                        .at(meta.field_source(&certificate.field)),
                );
                refs.get_or_insert((reason, message));
            }
        }
        match &listener.allowed_namespaces {
            FromNamespaces::Selector(None) => diagnostics.push(
                Diagnostic::warning("gateway-selector-matches-nothing", format!("{who} allows Routes `from: Selector` but gives no selector, so no namespace matches and no Route can attach (§11.3)."))
                    .object(object.clone())
                    .field(format!("{field}.allowedRoutes.namespaces"))
                    .at(meta.field_source(&format!("{field}.allowedRoutes.namespaces"))),
            ),
            FromNamespaces::Selector(Some(selector)) => {
                let namespaces = NamespaceLabels::new(manifests);
                let mut names: BTreeSet<&str> = manifests.namespaces.iter().map(|n| n.meta.name.as_str()).collect_set();
                for route in &manifests.gateway.routes {
                    names.insert(route.meta.namespace.as_str());
                }
                if !names.iter().any(|name| selector.matches(&namespaces.get(name))) {
                    diagnostics.push(
                        Diagnostic::warning("gateway-selector-matches-nothing", format!("{who} allows Routes from namespaces matching a selector, and no namespace in the input matches it (every namespace carries {NAMESPACE_NAME_LABEL}=<name>), so no Route can attach (§11.3)."))
                            .object(object.clone())
                            .field(format!("{field}.allowedRoutes.namespaces.selector"))
                            .at(meta.field_source(&format!("{field}.allowedRoutes.namespaces.selector"))),
                    );
                }
            }
            _ => {}
        }
        if let Some(reason) = state.conflict {
            diagnostics.push(
                Diagnostic::error("gateway-listener-conflict", format!("{who} ({} on port {}{}) conflicts with another listener on that port: Conflicted=True/{reason}. {}", listener.protocol, listener.port, listener.hostname.as_deref().map(|h| format!(", hostname {h}")).unwrap_or_default(), if set.is_some() { "The listener that comes first keeps the port: the Gateway's own, then older ListenerSets, then by namespace/name (§11.16)." } else { "No conflicting listener is accepted (§11.3)." }))
                    .object(object.clone())
                    .field(field.clone())
                    .at(meta.field_source(&field)),
            );
        }
        if !overlapping_tls.is_empty() {
            diagnostics.push(
                Diagnostic::warning("gateway-listener-overlapping-tls", format!("{who} shares port {} with TLS listener(s) {} whose hostnames overlap its own: OverlappingTLSConfig=True/OverlappingHostnames. A client reusing a connection may reach the wrong listener (§11.3).", listener.port, overlapping_tls.join(", ")))
                    .object(object.clone())
                    .field(field.clone())
                    .at(meta.field_source(&field)),
            );
        }
        let (accepted, accepted_reason) = match (state.protocol, state.conflict) {
            (None, _) => (false, "UnsupportedProtocol"),
            (_, Some(reason)) => (false, reason),
            _ => (true, "Accepted"),
        };
        conditions.push(Condition::new(
            "Accepted",
            ConditionStatus::of(accepted),
            accepted_reason,
            if accepted {
                "Listener is accepted".to_string()
            } else {
                format!("Listener is not accepted: {accepted_reason}")
            },
        ));
        let programmed_reason = match accepted_reason {
            "Accepted" => "Programmed",
            "UnsupportedProtocol" => "Invalid",
            other => other,
        };
        conditions.push(Condition::new(
            "Programmed",
            ConditionStatus::of(accepted),
            programmed_reason,
            if accepted {
                "Listener is programmed"
            } else {
                "Listener is not programmed"
            },
        ));
        conditions.push(Condition::resolved_refs(&refs));
        conditions.push(match state.conflict {
            Some(reason) => Condition::new(
                "Conflicted",
                ConditionStatus::True,
                reason,
                "Listener conflicts with another listener on the same port",
            ),
            None => Condition::new(
                "Conflicted",
                ConditionStatus::False,
                "NoConflicts",
                "No conflicts",
            ),
        });
        if !overlapping_tls.is_empty() {
            conditions.push(Condition::new(
                "OverlappingTLSConfig",
                ConditionStatus::True,
                "OverlappingHostnames",
                format!(
                    "Hostname overlaps with listener(s) {}",
                    overlapping_tls.join(", ")
                ),
            ));
        }
        resolved.listeners.push(ResolvedListener {
            name: listener.name.clone(),
            port: listener.port,
            protocol: listener.protocol.clone(),
            hostname: listener.hostname.clone(),
            attached_routes: 0,
            supported_kinds: state
                .supported
                .iter()
                .map(|kind| SupportedKind {
                    group: GROUP,
                    kind: kind.as_str(),
                })
                .collect(),
            conditions,
            active: accepted,
            protocol_kind: state.protocol,
            listener_set: listener.listener_set,
            scene_name: scene_name(manifests, listener),
            passthrough: listener.passthrough(),
            certificate: listener.certificate(),
        });
    }
    // The Gateway's own listeners decide its conditions; a ListenerSet's decide the set's.
    let n_own = gateway
        .listeners
        .iter()
        .filter(|l| l.listener_set.is_none())
        .count();
    let n_valid = resolved
        .listeners
        .iter()
        .filter(|l| l.active && l.listener_set.is_none())
        .count();

    // The proxy Service: one labelled gateway-name in the Gateway's namespace (§11.2).
    let proxy_object = manifests.services.iter().find(|m| {
        m.meta.namespace == gateway.meta.namespace
            && m.meta.labels.get(GATEWAY_NAME_LABEL) == Some(&gateway.meta.name)
    });
    let proxy = proxy_object.and_then(|object| {
        service_index
            .get(&(object.meta.namespace.as_str(), object.meta.name.as_str()))
            .map(|&position| (position, &services[position]))
    });
    let unsupported_address = gateway
        .addresses
        .iter()
        .find(|a| a.address_type != "IPAddress");
    let unusable_address = gateway
        .addresses
        .iter()
        .find(|a| a.address_type == "IPAddress" && a.value.parse::<IpAddr>().is_err());
    if let Some((position, service)) = proxy {
        resolved.proxy_service = Some(service.key());
        resolved.proxy_simulated = proxy_object.is_some_and(|m| {
            m.meta
                .annotations
                .contains_key(super::dataplane::SIMULATED_ANNOTATION)
        });
        let ips: Vec<IpAddr> = if service.service_type == ServiceType::LoadBalancer
            && !service.load_balancer_ips.is_empty()
        {
            service.load_balancer_ips.clone()
        } else {
            services[position].cluster_ips.clone()
        };
        resolved.address_ips = ips.clone();
        resolved.addresses = ips
            .iter()
            .map(|ip| StatusAddress {
                address_type: "IPAddress",
                value: ip.to_string(),
            })
            .collect();
    }
    let (accepted_status, accepted_reason, accepted_message) = if let Some(address) =
        unsupported_address
    {
        diagnostics.push(
            Diagnostic::warning("gateway-address-unsupported", format!("Gateway {} requests an address of type {}, which kubetopo's controller does not support (only IPAddress): Accepted=False/UnsupportedAddress (§11.2).", gateway.key(), address.address_type))
                .object(object.clone())
                .field("spec.addresses")
                .at(gateway.meta.field_source("spec.addresses")),
        );
        (
            false,
            "UnsupportedAddress",
            format!("address type {} is not supported", address.address_type),
        )
    } else if n_valid == 0 {
        (
            false,
            "ListenersNotValid",
            "No listener is valid".to_string(),
        )
    } else if n_valid < n_own {
        (
            true,
            "ListenersNotValid",
            "Some listeners are not valid".to_string(),
        )
    } else {
        (true, "Accepted", "Gateway is accepted".to_string())
    };
    resolved.conditions.push(Condition::new(
        "Accepted",
        ConditionStatus::of(accepted_status),
        accepted_reason,
        accepted_message,
    ));
    let programmed = if !accepted_status {
        Condition::new(
            "Programmed",
            ConditionStatus::False,
            "Invalid",
            "Gateway is not accepted",
        )
    } else if let Some(address) = unusable_address {
        diagnostics.push(
            Diagnostic::warning("gateway-address-unsupported", format!("Gateway {} requests the address \"{}\", which is not an IP address: Programmed=False/AddressNotUsable (§11.2).", gateway.key(), address.value))
                .object(object.clone())
                .field("spec.addresses")
                .at(gateway.meta.field_source("spec.addresses")),
        );
        Condition::new(
            "Programmed",
            ConditionStatus::False,
            "AddressNotUsable",
            format!("address {} is not usable", address.value),
        )
    } else if resolved.addresses.is_empty() {
        Condition::new(
            "Programmed",
            ConditionStatus::False,
            "AddressNotAssigned",
            "No address is assigned yet",
        )
    } else {
        Condition::new(
            "Programmed",
            ConditionStatus::True,
            "Programmed",
            "Gateway is programmed",
        )
    };
    resolved.programmed = programmed.status == ConditionStatus::True;
    resolved.conditions.push(programmed);
    resolved
}

/// Attaches one parentRef (§11.4). `None` when no status would be written.
#[allow(clippy::too_many_arguments)]
fn attach(
    manifests: &Manifests,
    route: &Route,
    parent_ref: &ParentRef,
    gateways: &[ResolvedGateway],
    gateway_objects: &[Gateway],
    gateway_states: &[Vec<ListenerState>],
    gateway_position: &BTreeMap<NamespacedName, usize>,
    namespaces: &NamespaceLabels,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<ParentStatus> {
    let object = object_name(&route.meta, route.kind.as_str());
    let key = NamespacedName::new(&parent_ref.namespace, &parent_ref.name);
    let not_found = |why: String| {
        Diagnostic::error("gateway-parent-not-found", format!("{} {} names parent {why}; no controller writes status for it and the parentRef attaches nowhere (§11.4).", route.kind, route.key()))
            .object(object.clone())
            .field(parent_ref.field.clone())
            .at(route.meta.field_source(&parent_ref.field))
    };
    if parent_ref.group != GROUP || !matches!(parent_ref.kind.as_str(), "Gateway" | "ListenerSet") {
        let what = if parent_ref.group.is_empty() && parent_ref.kind == "Service" {
            format!("Service {key} (the mesh profile, which kubetopo does not model)")
        } else {
            format!(
                "{} {} {key}, which is not a Gateway or a ListenerSet",
                parent_ref.group, parent_ref.kind
            )
        };
        diagnostics.push(not_found(what));
        return None;
    }
    // A parentRef to a ListenerSet attaches to the listeners the set adds to its
    // Gateway, and one to a Gateway only to the Gateway's own (§11.16).
    let (set_index, key) = if parent_ref.kind == "ListenerSet" {
        let sets = &manifests.gateway.listener_sets;
        let Some(index) = sets.iter().position(|set| set.key() == key) else {
            diagnostics.push(not_found(format!(
                "ListenerSet {key}, which is not in the input"
            )));
            return None;
        };
        (
            Some(index),
            NamespacedName::new(&sets[index].parent.namespace, &sets[index].parent.name),
        )
    } else {
        (None, key)
    };
    let Some(&gateway_index) = gateway_position.get(&key) else {
        diagnostics.push(not_found(format!(
            "Gateway {key}, which is not in the input"
        )));
        return None;
    };
    let gateway = &gateways[gateway_index];
    let gateway_object = &gateway_objects[gateway_index];
    if let Some(index) = set_index {
        if !gateway_object
            .listeners
            .iter()
            .any(|l| l.listener_set == Some(index))
        {
            diagnostics.push(not_found(format!(
                "ListenerSet {}, whose listeners Gateway {key} does not take (its `allowedListeners` does not admit namespace {})",
                manifests.gateway.listener_sets[index].key(),
                manifests.gateway.listener_sets[index].meta.namespace
            )));
            return None;
        }
    }
    if !class_known(manifests, gateway_object) {
        diagnostics.push(not_found(format!(
            "Gateway {key}, whose GatewayClass {} is not in the input",
            gateway.gateway_class
        )));
        return None;
    }
    let states = &gateway_states[gateway_index];
    let mut parent = ParentStatus {
        gateway: key.clone(),
        listener_set: set_index.map(|i| manifests.gateway.listener_sets[i].key()),
        section_name: parent_ref.section_name.clone(),
        port: parent_ref.port,
        conditions: Vec::new(),
        attachments: Vec::new(),
        gateway_index: Some(gateway_index),
    };
    let relevant: Vec<usize> = (0..gateway_object.listeners.len())
        .filter(|&i| {
            let listener = &gateway_object.listeners[i];
            listener.listener_set == set_index
                && parent_ref
                    .section_name
                    .as_ref()
                    .is_none_or(|s| *s == listener.name)
                && parent_ref.port.is_none_or(|p| p == listener.port)
        })
        .collect();
    let fail = |parent: &mut ParentStatus,
                diagnostics: &mut Vec<Diagnostic>,
                code: &'static str,
                reason: &'static str,
                why: String| {
        diagnostics.push(
            Diagnostic::error(
                code,
                format!(
                    "{} {} cannot attach to Gateway {key}: {why}. Accepted=False/{reason} (§11.4).",
                    route.kind,
                    route.key()
                ),
            )
            .object(object.clone())
            .field(parent_ref.field.clone())
            .at(route.meta.field_source(&parent_ref.field)),
        );
        parent.conditions.push(Condition::new(
            "Accepted",
            ConditionStatus::False,
            reason,
            why,
        ));
    };
    if relevant.is_empty() {
        let what = match (&parent_ref.section_name, parent_ref.port) {
            (Some(section), Some(port)) => {
                format!("no listener is named {section} with port {port}")
            }
            (Some(section), None) => format!("no listener is named {section}"),
            (None, Some(port)) => format!("no listener has port {port}"),
            (None, None) => "the Gateway has no listeners".to_string(),
        };
        fail(
            &mut parent,
            diagnostics,
            "gateway-route-no-matching-parent",
            "NoMatchingParent",
            what,
        );
        return Some(parent);
    }
    // `Same` is the namespace of the object the listener is written in.
    let owner_namespace = |listener: &Listener| -> &str {
        listener
            .listener_set
            .and_then(|i| manifests.gateway.listener_sets.get(i))
            .map_or(gateway_object.meta.namespace.as_str(), |set| {
                set.meta.namespace.as_str()
            })
    };
    let allowed: Vec<usize> = relevant
        .iter()
        .copied()
        .filter(|&i| {
            let listener = &gateway_object.listeners[i];
            let kind_ok = states[i].supported.contains(&route.kind);
            let namespace_ok = admits(
                &listener.allowed_namespaces,
                owner_namespace(listener),
                &route.meta.namespace,
                namespaces,
            );
            kind_ok && namespace_ok
        })
        .collect();
    if allowed.is_empty() {
        let reasons: Vec<String> = relevant
            .iter()
            .map(|&i| {
                let listener = &gateway_object.listeners[i];
                if !states[i].supported.contains(&route.kind) {
                    let kinds: Vec<&str> = states[i].supported.iter().map(|k| k.as_str()).collect();
                    format!(
                        "listener {} takes [{}], not {}",
                        listener.name,
                        kinds.join(", "),
                        route.kind
                    )
                } else {
                    let from = match &listener.allowed_namespaces {
                        FromNamespaces::Same => {
                            format!("only namespace {}", owner_namespace(listener))
                        }
                        FromNamespaces::Selector(_) => {
                            "namespaces matching its selector".to_string()
                        }
                        FromNamespaces::All => "all namespaces".to_string(),
                        FromNamespaces::None => "no namespace".to_string(),
                        FromNamespaces::Other(other) => format!("`from: {other}`"),
                    };
                    format!(
                        "listener {} allows Routes from {from}, not {}",
                        listener.name, route.meta.namespace
                    )
                }
            })
            .collect();
        fail(
            &mut parent,
            diagnostics,
            "gateway-route-not-allowed",
            "NotAllowedByListeners",
            reasons.join("; "),
        );
        return Some(parent);
    }
    let mut attachments = Vec::new();
    for &i in &allowed {
        let listener = &gateway_object.listeners[i];
        let listener_host = if states[i]
            .protocol
            .is_some_and(ListenerProtocol::has_hostname)
        {
            listener.hostname.as_deref()
        } else {
            None
        };
        let served: Vec<Option<String>> =
            if !route.kind.has_hostnames() || route.hostnames.is_empty() {
                vec![listener_host.map(str::to_string)]
            } else {
                route
                    .hostnames
                    .iter()
                    .filter_map(|h| hostname::intersect(listener_host, Some(h)))
                    .collect()
            };
        if !served.is_empty() {
            attachments.push(Attachment {
                listener: i,
                hostnames: served,
            });
        }
    }
    if attachments.is_empty() {
        let listener_hosts: Vec<String> = allowed
            .iter()
            .map(|&i| {
                gateway_object.listeners[i]
                    .hostname
                    .clone()
                    .unwrap_or_else(|| "(any)".into())
            })
            .collect();
        fail(
            &mut parent,
            diagnostics,
            "gateway-route-no-matching-hostname",
            "NoMatchingListenerHostname",
            format!(
                "none of its hostnames [{}] intersects the listener hostnames [{}]",
                route.hostnames.join(", "),
                listener_hosts.join(", ")
            ),
        );
        return Some(parent);
    }
    let _ = gateway;
    parent.attachments = attachments;
    parent.conditions.push(Condition::new(
        "Accepted",
        ConditionStatus::True,
        "Accepted",
        "Route is accepted",
    ));
    Some(parent)
}

/// An HTTPRoute and a GRPCRoute on one listener with overlapping hostnames: only
/// the older (then the first by namespace/name) is accepted there (§11.4).
fn http_grpc_precedence(
    manifests: &Manifests,
    routes: &mut [ResolvedRoute],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let route_objects = &manifests.gateway.routes;
    let rank = |resolved: &ResolvedRoute| {
        let route = &route_objects[resolved.route_index];
        (age_key(route.creation_timestamp.as_deref()), route.key())
    };
    // (gateway, listener) → routes of each kind attached there, with their hostnames.
    let mut losers: Vec<(usize, usize, String)> = Vec::new();
    for (a, route_a) in routes.iter().enumerate() {
        if route_a.kind != "HTTPRoute" {
            continue;
        }
        for (b, route_b) in routes.iter().enumerate() {
            if route_b.kind != "GRPCRoute" {
                continue;
            }
            for parent_a in &route_a.parents {
                for parent_b in &route_b.parents {
                    if parent_a.gateway_index != parent_b.gateway_index {
                        continue;
                    }
                    for attach_a in &parent_a.attachments {
                        for attach_b in &parent_b.attachments {
                            if attach_a.listener != attach_b.listener {
                                continue;
                            }
                            let overlap = attach_a.hostnames.iter().any(|x| {
                                attach_b.hostnames.iter().any(|y| {
                                    hostname::intersect(x.as_deref(), y.as_deref()).is_some()
                                })
                            });
                            if overlap {
                                let (loser, winner) = if rank(route_a) <= rank(route_b) {
                                    (b, a)
                                } else {
                                    (a, b)
                                };
                                losers.push((
                                    loser,
                                    attach_a.listener,
                                    format!("{} {}", routes[winner].kind, routes[winner].key()),
                                ));
                            }
                        }
                    }
                }
            }
        }
    }
    for (loser, listener, winner) in losers {
        let resolved = &mut routes[loser];
        let route = &route_objects[resolved.route_index];
        for parent in &mut resolved.parents {
            let before = parent.attachments.len();
            parent.attachments.retain(|a| a.listener != listener);
            if before > 0 && parent.attachments.is_empty() {
                let why = format!("{winner} already serves these hostnames on the listener, and an HTTPRoute and a GRPCRoute cannot share them; the older Route wins");
                diagnostics.push(
                    Diagnostic::error("gateway-route-not-allowed", format!("{} {} cannot attach to Gateway {}: {why}. Accepted=False/NotAllowedByListeners (§11.4).", route.kind, route.key(), parent.gateway))
                        .object(object_name(&route.meta, route.kind.as_str()))
                        .field("spec.parentRefs")
                        .at(route.meta.field_source("spec.parentRefs")),
                );
                parent.conditions = vec![Condition::new(
                    "Accepted",
                    ConditionStatus::False,
                    "NotAllowedByListeners",
                    why,
                )];
            }
        }
    }
}

/// Orders creation timestamps oldest first; objects without one are newer than any
/// stamped object and equal to each other (§11.4).
pub fn age_key(timestamp: Option<&str>) -> (bool, String) {
    match timestamp {
        Some(stamp) => (false, stamp.to_string()),
        None => (true, String::new()),
    }
}

/// Checks one backendRef (§11.7), in the order the spec gives: RefNotPermitted,
/// InvalidKind, BackendNotFound, UnsupportedProtocol. Ok is the Service's position.
/// `tls_policy` finds the BackendTLSPolicy on a backend's port, under which an
/// HTTPRoute may reach a `kubernetes.io/wss` port.
pub(crate) fn check_backend(
    service_objects: &ServicesByName<'_>,
    route: &Route,
    backend: &BackendRef,
    services: &[std::sync::Arc<ResolvedService>],
    service_index: &BTreeMap<(&str, &str), usize>,
    grants: &mut Grants,
    tls_policy: &dyn Fn(usize, &BackendRef) -> Option<usize>,
) -> Result<usize, (&'static str, String)> {
    if backend.namespace != route.meta.namespace
        && !grants.permits(
            route.kind.as_str(),
            &route.meta.namespace,
            &backend.group,
            &backend.kind,
            &backend.namespace,
            &backend.name,
        )
    {
        return Err(("RefNotPermitted", format!("backend {backend} is in another namespace, and no ReferenceGrant in {} permits {} from {}", backend.namespace, route.kind, route.meta.namespace)));
    }
    if !backend.is_core_service() {
        return Err((
            "InvalidKind",
            format!(
                "backend {backend} is not a core Service, the only backend kind kubetopo models"
            ),
        ));
    }
    let Some(&position) = service_index.get(&(backend.namespace.as_str(), backend.name.as_str()))
    else {
        return Err((
            "BackendNotFound",
            format!(
                "Service {}/{} is not in the input",
                backend.namespace, backend.name
            ),
        ));
    };
    let service = &services[position];
    if service.service_type == ServiceType::ExternalName {
        return Err((
            "InvalidKind",
            format!(
                "Service {} is ExternalName, which Gateways do not route to",
                service.key()
            ),
        ));
    }
    let Some(port) = backend.port else {
        return Err(("BackendNotFound", format!("backend {backend} has no port")));
    };
    // The port of that number over the Route's transport: a UDPRoute's datagrams
    // go to a UDP port, every other kind's connections to a TCP one (§11.7).
    let transport = route.kind.transport();
    if !service
        .ports
        .iter()
        .any(|p| p.port == port && p.protocol == transport)
    {
        if let Some(other) = service.ports.iter().find(|p| p.port == port) {
            return Err((
                "BackendNotFound",
                format!(
                    "Service {} has port {port} only over {}, and a {} reaches its backends over {transport}",
                    service.key(),
                    other.protocol,
                    route.kind
                ),
            ));
        }
        let ports: Vec<String> = service.ports.iter().map(|p| p.port.to_string()).collect();
        return Err((
            "BackendNotFound",
            format!(
                "Service {} has no port {port} (it has {})",
                service.key(),
                if ports.is_empty() {
                    "none".to_string()
                } else {
                    ports.join(", ")
                }
            ),
        ));
    }
    let app_protocol = service_objects
        .get(&service.namespace, &service.name)
        .and_then(|s| {
            s.spec
                .ports
                .iter()
                .find(|p| p.port == port && p.protocol == transport)
        })
        .and_then(|p| p.app_protocol.clone());
    if let Some(app_protocol) = app_protocol {
        let supported = match app_protocol.as_str() {
            "kubernetes.io/h2c" => matches!(route.kind, RouteKind::Http | RouteKind::Grpc),
            "kubernetes.io/ws" => route.kind == RouteKind::Http,
            // TLS to the backend: a TLSRoute passes it through; an HTTPRoute's
            // proxy speaks it under a BackendTLSPolicy (§11.15).
            "kubernetes.io/wss" => {
                route.kind == RouteKind::Tls
                    || route.kind == RouteKind::Http && tls_policy(position, backend).is_some()
            }
            _ => true,
        };
        if !supported {
            return Err(("UnsupportedProtocol", format!("Service {} port {port} has appProtocol {app_protocol}, which a {} cannot carry", service.key(), route.kind)));
        }
    }
    Ok(position)
}

fn backend_diagnostic(
    route: &Route,
    backend: &BackendRef,
    reason: &'static str,
    message: &str,
) -> Diagnostic {
    let code = match reason {
        _ if message.starts_with("BackendTLSPolicy") => "gateway-backend-tls-policy-unmet",
        "RefNotPermitted" => "gateway-backend-ref-not-permitted",
        "InvalidKind" => "gateway-backend-invalid-kind",
        "UnsupportedProtocol" => "gateway-backend-unsupported-protocol",
        _ => "gateway-backend-not-found",
    };
    let answer = match route.kind {
        RouteKind::Http => "requests sent to it are answered 500",
        RouteKind::Grpc => "calls sent to it fail with UNAVAILABLE",
        RouteKind::Udp => "packets sent to it are dropped",
        _ => "connections sent to it are rejected",
    };
    Diagnostic::error(code, format!("{} {}: {message}. ResolvedRefs=False/{reason}; the Route stays attached, and {answer}, in proportion to its weight (§11.7).", route.kind, route.key()))
        .object(object_name(&route.meta, route.kind.as_str()))
        .field(backend.field.clone())
        .at(route.meta.field_source(&backend.field))
}

/// A valid backend whose Service has no ready endpoint for the port (§11.7: 503).
fn backend_endpoints(
    manifests: &Manifests,
    routes: &[ResolvedRoute],
    services: &[std::sync::Arc<ResolvedService>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for resolved in routes {
        if !resolved.parents.iter().any(|p| !p.attachments.is_empty()) {
            continue;
        }
        let route = &manifests.gateway.routes[resolved.route_index];
        for (rule, rule_status) in route.rules.iter().zip(&resolved.rules) {
            for (backend, status) in rule.backend_refs.iter().zip(&rule_status.backends) {
                let Some(service) = status.service.map(|s| &services[s]) else {
                    continue;
                };
                if backend.weight == 0 {
                    continue;
                }
                let Some(port) = service
                    .ports
                    .iter()
                    .find(|p| Some(p.port) == backend.port && p.protocol == route.kind.transport())
                else {
                    continue;
                };
                let ready = service.endpoints.iter().any(|e| {
                    (e.ready || (e.serving && e.terminating))
                        && !e.addresses.is_empty()
                        && crate::engine::trace::endpoint_port(e, port).is_some()
                });
                if !ready {
                    let answer = match route.kind {
                        RouteKind::Http => "503",
                        RouteKind::Grpc => "UNAVAILABLE",
                        _ => "a rejected connection",
                    };
                    diagnostics.push(
                        Diagnostic::warning("gateway-backend-no-endpoints", format!("{} {} sends traffic to Service {} port {}, which has no ready endpoint for that port: the Gateway answers {answer} for that share of requests (§11.7).", route.kind, route.key(), service.key(), port.port))
                            .object(object_name(&route.meta, route.kind.as_str()))
                            .field(backend.field.clone())
                            .at(route.meta.field_source(&backend.field)),
                    );
                }
            }
        }
    }
}

/// TCPRoutes and UDPRoutes sharing a listener: only the oldest gets traffic (§11.9).
fn l4_shadowing(
    manifests: &Manifests,
    routes: &[ResolvedRoute],
    gateways: &[ResolvedGateway],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut by_listener: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (index, resolved) in routes.iter().enumerate() {
        if resolved.kind != "TCPRoute" && resolved.kind != "UDPRoute" {
            continue;
        }
        for parent in &resolved.parents {
            let Some(gateway) = parent.gateway_index else {
                continue;
            };
            for attachment in &parent.attachments {
                let list = by_listener
                    .entry((gateway, attachment.listener))
                    .or_default();
                if !list.contains(&index) {
                    list.push(index);
                }
            }
        }
    }
    for ((gateway, listener), mut members) in by_listener {
        if members.len() < 2 {
            continue;
        }
        members.sort_compact_by_key(|&i| {
            let route = &manifests.gateway.routes[routes[i].route_index];
            (age_key(route.creation_timestamp.as_deref()), route.key())
        });
        let winner = &routes[members[0]];
        for &loser in &members[1..] {
            let route = &manifests.gateway.routes[routes[loser].route_index];
            diagnostics.push(
                Diagnostic::warning("gateway-route-shadowed-l4", format!("{} {} is attached to listener {} of Gateway {}, but {} {} is older (or first by namespace/name) and gets all of that listener's traffic (§11.9).", route.kind, route.key(), gateways[gateway].listeners[listener].name, gateways[gateway].key(), winner.kind, winner.key()))
                    .object(object_name(&route.meta, route.kind.as_str()))
                    .at(route.meta.source.clone()),
            );
        }
    }
}

/// A rule whose every match repeats a match of an earlier rule of the same Route
/// never wins (§11.6: the first rule wins ties).
fn rule_shadowing(
    manifests: &Manifests,
    routes: &[ResolvedRoute],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for resolved in routes {
        if resolved.parents.iter().all(|p| p.attachments.is_empty()) {
            continue;
        }
        let route = &manifests.gateway.routes[resolved.route_index];
        for (index, rule) in route.rules.iter().enumerate() {
            if rule.unsupported.is_some() || rule.matches.is_empty() {
                continue;
            }
            let earlier = route.rules[..index].iter().position(|other| {
                other.unsupported.is_none()
                    && rule.matches.iter().all(|m| other.matches.contains(m))
            });
            if let Some(earlier) = earlier {
                diagnostics.push(
                    Diagnostic::info("gateway-rule-shadowed", format!("{} {} rule {index} only repeats matches of rule {earlier}, which has the same precedence and comes first, so rule {index} never receives a request (§11.6).", route.kind, route.key()))
                        .object(object_name(&route.meta, route.kind.as_str()))
                        .field(rule.field.clone())
                        .at(route.meta.field_source(&rule.field)),
                );
            }
        }
    }
}

/// A match in words, for the JSON and the trace.
pub fn describe_match(route_match: &RouteMatch) -> String {
    match route_match {
        RouteMatch::Http(http) => {
            let mut parts = vec![format!("{} {}", http.path.kind.as_str(), http.path.value)];
            if let Some(method) = &http.method {
                parts.push(format!("method {method}"));
            }
            for header in &http.headers {
                parts.push(format!(
                    "header {}{}{}",
                    header.name,
                    if header.kind == MatchKind::RegularExpression {
                        "~"
                    } else {
                        "="
                    },
                    header.value
                ));
            }
            for query in &http.query_params {
                parts.push(format!(
                    "query {}{}{}",
                    query.name,
                    if query.kind == MatchKind::RegularExpression {
                        "~"
                    } else {
                        "="
                    },
                    query.value
                ));
            }
            parts.join(", ")
        }
        RouteMatch::Grpc(grpc) => {
            let mut parts = vec![format!(
                "{} {}/{}",
                grpc.kind.as_str(),
                grpc.service.as_deref().unwrap_or("*"),
                grpc.method.as_deref().unwrap_or("*")
            )];
            for header in &grpc.headers {
                parts.push(format!("header {}={}", header.name, header.value));
            }
            parts.join(", ")
        }
    }
}
