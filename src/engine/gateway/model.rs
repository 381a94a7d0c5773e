//! The Gateway API objects as read, with the API server's defaults applied (§11.1).
//!
//! Only what attachment, status and routing use is kept. Field paths are kept so
//! that diagnostics raised later still point at the line that caused them.

use std::fmt;

use crate::engine::model::{Meta, Protocol};
use crate::engine::refs::NamespacedName;
use crate::engine::selector::LabelSelector;

/// `gateway.networking.k8s.io`, the group of every kind here.
pub const GROUP: &str = "gateway.networking.k8s.io";

/// The Gateway API objects of one input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GatewayManifests {
    pub classes: Vec<GatewayClass>,
    pub gateways: Vec<Gateway>,
    pub routes: Vec<Route>,
    pub grants: Vec<ReferenceGrant>,
    pub backend_tls_policies: Vec<BackendTlsPolicy>,
    pub listener_sets: Vec<ListenerSet>,
}

impl GatewayManifests {
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
            && self.gateways.is_empty()
            && self.routes.is_empty()
            && self.grants.is_empty()
            && self.backend_tls_policies.is_empty()
            && self.listener_sets.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct GatewayClass {
    pub meta: Meta,
    pub controller_name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Gateway {
    pub meta: Meta,
    pub class_name: String,
    pub listeners: Vec<Listener>,
    /// `spec.addresses`, the addresses requested (§11.2).
    pub addresses: Vec<GatewayAddress>,
    /// `spec.allowedListeners.namespaces.from`: which ListenerSets may add
    /// listeners (§11.16). `None` when absent.
    pub allowed_listeners: FromNamespaces,
    pub creation_timestamp: Option<String>,
}

impl Gateway {
    pub fn key(&self) -> NamespacedName {
        NamespacedName::new(&self.meta.namespace, &self.meta.name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct GatewayAddress {
    /// Defaulted to `IPAddress`.
    pub address_type: String,
    pub value: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Listener {
    pub name: String,
    pub hostname: Option<String>,
    pub port: i64,
    /// As written: `HTTP`, `HTTPS`, `TLS`, `TCP`, `UDP`, or anything else (refused later).
    pub protocol: String,
    /// `None` when `tls` is absent; the mode defaults to `Terminate` when it is present.
    pub tls_mode: Option<String>,
    pub certificate_refs: Vec<SecretRef>,
    /// `tls.options` is present (it can stand in for certificateRefs).
    pub tls_options: bool,
    pub allowed_namespaces: FromNamespaces,
    /// `allowedRoutes.kinds`, with the group defaulted; empty means the protocol's kinds.
    pub allowed_kinds: Vec<GroupKind>,
    /// The field path of this listener, `spec.listeners[0]`.
    pub field: String,
    /// The ListenerSet this listener comes from (its position in
    /// `GatewayManifests::listener_sets`), or `None` for the Gateway's own (§11.16).
    pub listener_set: Option<usize>,
}

impl Listener {
    pub fn protocol(&self) -> Option<ListenerProtocol> {
        ListenerProtocol::parse(&self.protocol)
    }

    pub fn passthrough(&self) -> bool {
        self.tls_mode.as_deref() == Some("Passthrough")
    }

    pub fn certificate(&self) -> Option<NamespacedName> {
        self.certificate_refs
            .first()
            .map(|c| NamespacedName::new(&c.namespace, &c.name))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ListenerProtocol {
    Http,
    Https,
    Tls,
    Tcp,
    Udp,
}

impl ListenerProtocol {
    pub fn parse(text: &str) -> Option<ListenerProtocol> {
        Some(match text {
            "HTTP" => ListenerProtocol::Http,
            "HTTPS" => ListenerProtocol::Https,
            "TLS" => ListenerProtocol::Tls,
            "TCP" => ListenerProtocol::Tcp,
            "UDP" => ListenerProtocol::Udp,
            _ => return None,
        })
    }
    /// The route kinds a listener of this protocol takes (§11.3).
    pub fn route_kinds(self) -> &'static [RouteKind] {
        match self {
            ListenerProtocol::Http | ListenerProtocol::Https => &[RouteKind::Http, RouteKind::Grpc],
            ListenerProtocol::Tls => &[RouteKind::Tls],
            ListenerProtocol::Tcp => &[RouteKind::Tcp],
            ListenerProtocol::Udp => &[RouteKind::Udp],
        }
    }
    /// Whether the listener's hostname is matched against anything (TCP and UDP have none).
    pub fn has_hostname(self) -> bool {
        !matches!(self, ListenerProtocol::Tcp | ListenerProtocol::Udp)
    }
}

/// `allowedRoutes.namespaces.from`.
#[derive(Clone, Debug, PartialEq)]
pub enum FromNamespaces {
    Same,
    All,
    /// `None` when `selector` is absent: nothing matches.
    Selector(Option<LabelSelector>),
    /// `None`: no namespace; only `allowedListeners` may say so (§11.16).
    None,
    /// A value a Gateway listener may not take (`None`, or anything unknown).
    Other(String),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupKind {
    pub group: String,
    pub kind: String,
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}/{}", self.group, self.kind)
        }
    }
}

/// A listener's `certificateRefs` entry.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub field: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RouteKind {
    Http,
    Grpc,
    Tls,
    Tcp,
    Udp,
}

impl RouteKind {
    pub fn parse(kind: &str) -> Option<RouteKind> {
        Some(match kind {
            "HTTPRoute" => RouteKind::Http,
            "GRPCRoute" => RouteKind::Grpc,
            "TLSRoute" => RouteKind::Tls,
            "TCPRoute" => RouteKind::Tcp,
            "UDPRoute" => RouteKind::Udp,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::Http => "HTTPRoute",
            RouteKind::Grpc => "GRPCRoute",
            RouteKind::Tls => "TLSRoute",
            RouteKind::Tcp => "TCPRoute",
            RouteKind::Udp => "UDPRoute",
        }
    }
    /// Whether routes of this kind carry `hostnames`.
    pub fn has_hostnames(self) -> bool {
        matches!(self, RouteKind::Http | RouteKind::Grpc | RouteKind::Tls)
    }
    /// The transport the proxy reaches this kind's backends over, which picks the
    /// Service port a backendRef's number names (§11.7): UDP for a UDPRoute, TCP for
    /// every other kind.
    pub fn transport(self) -> Protocol {
        match self {
            RouteKind::Udp => Protocol::Udp,
            _ => Protocol::Tcp,
        }
    }
}

impl fmt::Display for RouteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any of the five route kinds: their common shape, with kind-specific matches.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub meta: Meta,
    pub kind: RouteKind,
    pub api_version: String,
    pub hostnames: Vec<String>,
    pub parent_refs: Vec<ParentRef>,
    pub rules: Vec<RouteRule>,
    pub creation_timestamp: Option<String>,
}

impl Route {
    pub fn key(&self) -> NamespacedName {
        NamespacedName::new(&self.meta.namespace, &self.meta.name)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParentRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub section_name: Option<String>,
    pub port: Option<i64>,
    pub field: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RouteRule {
    pub name: Option<String>,
    /// After defaulting: an HTTPRoute rule without matches has one `PathPrefix /`
    /// match; a GRPCRoute rule without matches matches every call (an empty list).
    pub matches: Vec<RouteMatch>,
    pub filters: Vec<Filter>,
    pub backend_refs: Vec<BackendRef>,
    /// Why the rule is dropped (an unknown enum value, §11.4), if it is.
    pub unsupported: Option<String>,
    pub field: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RouteMatch {
    Http(HttpMatch),
    Grpc(GrpcMatch),
}

#[derive(Clone, Debug, PartialEq)]
pub struct HttpMatch {
    pub path: PathMatch,
    pub headers: Vec<ValueMatch>,
    pub query_params: Vec<ValueMatch>,
    pub method: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PathMatch {
    pub kind: MatchKind,
    pub value: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKind {
    Exact,
    PathPrefix,
    RegularExpression,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "Exact",
            MatchKind::PathPrefix => "PathPrefix",
            MatchKind::RegularExpression => "RegularExpression",
        }
    }
}

/// A header, query parameter or gRPC metadata match.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueMatch {
    pub name: String,
    pub value: String,
    pub kind: MatchKind,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GrpcMatch {
    pub service: Option<String>,
    pub method: Option<String>,
    pub kind: MatchKind,
    pub headers: Vec<ValueMatch>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    RequestHeaderModifier(HeaderModifier),
    ResponseHeaderModifier(HeaderModifier),
    RequestRedirect(Redirect),
    UrlRewrite {
        hostname: Option<String>,
        path: Option<PathModifier>,
    },
    RequestMirror(BackendRef),
    Cors(Cors),
    ExtensionRef(String),
}

impl Filter {
    pub fn type_name(&self) -> &'static str {
        match self {
            Filter::RequestHeaderModifier(_) => "RequestHeaderModifier",
            Filter::ResponseHeaderModifier(_) => "ResponseHeaderModifier",
            Filter::RequestRedirect(_) => "RequestRedirect",
            Filter::UrlRewrite { .. } => "URLRewrite",
            Filter::RequestMirror(_) => "RequestMirror",
            Filter::Cors(_) => "CORS",
            Filter::ExtensionRef(_) => "ExtensionRef",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct HeaderModifier {
    pub set: Vec<(String, String)>,
    pub add: Vec<(String, String)>,
    pub remove: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Redirect {
    pub scheme: Option<String>,
    pub hostname: Option<String>,
    pub path: Option<PathModifier>,
    pub port: Option<i64>,
    /// Defaulted to 302.
    pub status_code: i64,
}

/// A `CORS` filter's `cors` object (§11.8), with `maxAge` defaulted to 5.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cors {
    /// As written: `*`, or origins whose host may hold `*` (§11.8).
    pub allow_origins: Vec<String>,
    pub allow_credentials: bool,
    pub allow_methods: CorsNames,
    pub allow_headers: CorsNames,
    pub expose_headers: CorsNames,
    /// Seconds a browser may keep a preflight's answer.
    pub max_age: i64,
}

impl Default for Cors {
    fn default() -> Cors {
        Cors {
            allow_origins: Vec::new(),
            allow_credentials: false,
            allow_methods: CorsNames::Only(Vec::new()),
            allow_headers: CorsNames::Only(Vec::new()),
            expose_headers: CorsNames::Only(Vec::new()),
            max_age: 5,
        }
    }
}

/// The methods or headers a CORS filter names: `*` for all of them, or a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CorsNames {
    All,
    Only(Vec<String>),
}

impl CorsNames {
    pub fn is_empty(&self) -> bool {
        matches!(self, CorsNames::Only(names) if names.is_empty())
    }
    /// The list as a header value, names joined by `, `.
    pub fn joined(&self) -> String {
        match self {
            CorsNames::All => "*".to_string(),
            CorsNames::Only(names) => names.join(", "),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PathModifier {
    ReplaceFullPath(String),
    ReplacePrefixMatch(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct BackendRef {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub port: Option<i64>,
    /// Defaulted to 1.
    pub weight: i64,
    pub filters: Vec<Filter>,
    pub field: String,
}

impl BackendRef {
    pub fn service_key(&self) -> NamespacedName {
        NamespacedName::new(&self.namespace, &self.name)
    }
    pub fn is_core_service(&self) -> bool {
        self.group.is_empty() && self.kind == "Service"
    }
}

impl fmt::Display for BackendRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_core_service() {
            write!(
                f,
                "{} ",
                GroupKind {
                    group: self.group.clone(),
                    kind: self.kind.clone()
                }
            )?;
        }
        write!(f, "{}/{}", self.namespace, self.name)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceGrant {
    pub meta: Meta,
    pub from: Vec<GrantFrom>,
    pub to: Vec<GrantTo>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GrantFrom {
    pub group: String,
    pub kind: String,
    pub namespace: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GrantTo {
    pub group: String,
    pub kind: String,
    pub name: Option<String>,
}

/// A BackendTLSPolicy (§11.15): the Gateway's proxy speaks TLS to the Services (or
/// Service ports) it targets, with `hostname` as the SNI.
#[derive(Clone, Debug, PartialEq)]
pub struct BackendTlsPolicy {
    pub meta: Meta,
    pub target_refs: Vec<PolicyTargetRef>,
    /// `validation.hostname`: the SNI, and the name the backend's certificate must carry.
    pub hostname: String,
    /// `validation.caCertificateRefs`, in the policy's namespace.
    pub ca_certificate_refs: Vec<LocalRef>,
    /// `validation.wellKnownCACertificates` (`System`).
    pub well_known_ca_certificates: Option<String>,
    pub creation_timestamp: Option<String>,
}

/// A `targetRefs` entry: an object in the policy's namespace, and optionally one
/// section of it (a Service port, by name).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyTargetRef {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub section_name: Option<String>,
    pub field: String,
}

/// A reference to an object in the referrer's namespace.
#[derive(Clone, Debug, PartialEq)]
pub struct LocalRef {
    pub group: String,
    pub kind: String,
    pub name: String,
    pub field: String,
}

/// A ListenerSet (§11.16): listeners added to a parent Gateway whose
/// `allowedListeners` admits the set's namespace.
#[derive(Clone, Debug, PartialEq)]
pub struct ListenerSet {
    pub meta: Meta,
    /// `spec.parentRef`, with the group, kind and namespace defaulted.
    pub parent: ParentRef,
    /// Each with `listener_set` set to this set's position.
    pub listeners: Vec<Listener>,
    pub creation_timestamp: Option<String>,
}

impl ListenerSet {
    pub fn key(&self) -> NamespacedName {
        NamespacedName::new(&self.meta.namespace, &self.meta.name)
    }
}
