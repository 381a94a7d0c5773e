//! Trace: one connection through the cluster, every hop explained.
//!
//! A trace follows what kube-proxy (iptables mode), cluster DNS and NetworkPolicy
//! would do with one connection, using the rules of
//! `docs/semantics.md` §5 and §6:
//!
//! 1. DNS: names resolve through the client pod's search path (§6), to a ClusterIP
//!    (A), an ExternalName target (CNAME), headless pod IPs, or a SRV port.
//! 2. The cloud load balancer picks a node: any ready node under
//!    externalTrafficPolicy Cluster, only nodes whose healthCheckNodePort answers 200
//!    (local ready endpoints) under Local.
//! 3. kube-proxy on the routing node captures the ClusterIP, externalIP, LB IP or
//!    NodePort, picks an endpoint per §5.1 (Cluster or Local set, terminating
//!    fallback, topology hints, sessionAffinity ClientIP), DNATs, and masquerades
//!    where §5.2 says so.
//! 4. The packet is forwarded to the endpoint's node, NetworkPolicy is checked at
//!    the source pod (egress) and at the destination pod (ingress), and it is delivered.
//!
//! Every random choice (which node the load balancer picks, which endpoint the
//! iptables `statistic` rules pick) goes through a [`Chooser`], so the CLI can seed it
//! and the simulator can enumerate and cache the outcomes. Session affinity never asks
//! the chooser: the endpoint then depends only on the client IP and the routing node.
//!
//! ```
//! use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};
//! use kubetopo::engine::trace::{trace, Destination, TraceRequest, TraceSource, Verdict};
//! use kubetopo::engine::model::Protocol;
//! let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";
//! let topology = analyze(&[SourceFile::new("web.yaml", yaml)], &Config::default());
//! let request = TraceRequest {
//!     source: TraceSource::Node { name: "node-1".into() },
//!     destination: Destination::Name { host: "web".into(), port: None },
//!     protocol: Protocol::Tcp,
//!     seed: 0,
//! };
//! let result = trace(&topology, &request);
//! // The selector matches no pod, so kube-proxy rejects the connection (§5.2).
//! assert_eq!(result.verdict, Verdict::Rejected);
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use serde::Serialize;

use super::cluster::{ClusterNode, ClusterPod};
use super::config::{stable_hash, SplitMix64};
use super::ingress::{IngressRoute, ResolvedIngress};
use super::model::*;
use super::netpol::{self, Peer, PolicyEngine};
use super::refs::NamespacedName;
use super::resolve::{Endpoint, ResolvedPort, ResolvedService};
use super::Topology;

/// The source address of an external client when none is given (TEST-NET-2).
pub const DEFAULT_CLIENT_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));

/// Where a connection starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TraceSource {
    /// A client outside the cluster.
    External { client_ip: IpAddr },
    /// A node's own network namespace (host network), using its InternalIP.
    Node { name: String },
    /// One pod.
    Pod { namespace: String, name: String },
    /// Any running pod of a workload, chosen per connection. `name` is the workload
    /// name, or `Kind/name` to disambiguate.
    Workload { namespace: String, name: String },
}

/// Where a connection goes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Destination {
    /// A DNS name, resolved through the client's search path. Without a port the
    /// Service's first port is used.
    Name { host: String, port: Option<i64> },
    /// An address: a cluster IP, external IP, LB IP, node IP (with a nodePort) or pod IP.
    Address { ip: IpAddr, port: i64 },
    /// `http://host/path` (or https) through an Ingress.
    Url {
        https: bool,
        host: String,
        port: Option<i64>,
        path: String,
    },
    /// A nodePort on a node the client picks per connection: how the simulator sends
    /// external traffic to NodePort Services.
    AnyNodePort { node_port: i64 },
}

/// One trace to run: a source, a destination, a protocol and the seed of random choices.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceRequest {
    pub source: TraceSource,
    pub destination: Destination,
    pub protocol: Protocol,
    pub seed: u64,
}

/// What happened to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Delivered,
    /// Silently dropped: the client times out.
    Dropped,
    /// Refused at once (ICMP port unreachable, or an HTTP error from a proxy).
    Rejected,
    /// The name or address leads nowhere.
    Unresolved,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Delivered => "delivered",
            Verdict::Dropped => "dropped",
            Verdict::Rejected => "rejected",
            Verdict::Unresolved => "unresolved",
        }
    }
    pub const ALL: [Verdict; 4] = [
        Verdict::Delivered,
        Verdict::Dropped,
        Verdict::Rejected,
        Verdict::Unresolved,
    ];
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a hop does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopAction {
    /// A DNS query and its answer (A, CNAME or SRV).
    Dns,
    /// The client sends the packet onto the network.
    Send,
    /// The cloud load balancer picks a node.
    LoadBalancer,
    /// kube-proxy's rules on a node match the destination.
    Capture,
    /// kube-proxy picks an endpoint (§5.1).
    ChooseEndpoint,
    Dnat,
    Snat,
    /// The packet crosses from one node to another.
    Forward,
    PolicyEgress,
    PolicyIngress,
    /// An Ingress rule matches the host and path.
    IngressRoute,
    /// A proxy (an ingress controller) opens a new connection to a backend.
    Proxy,
    /// The connection leaves the cluster.
    Leave,
    Deliver,
    Drop,
    Reject,
    /// Nothing answers: NXDOMAIN, or no such IP:port.
    Unresolved,
}

impl HopAction {
    pub fn as_str(self) -> &'static str {
        match self {
            HopAction::Dns => "dns",
            HopAction::Send => "send",
            HopAction::LoadBalancer => "load-balancer",
            HopAction::Capture => "capture",
            HopAction::ChooseEndpoint => "choose-endpoint",
            HopAction::Dnat => "dnat",
            HopAction::Snat => "snat",
            HopAction::Forward => "forward",
            HopAction::PolicyEgress => "policy-egress",
            HopAction::PolicyIngress => "policy-ingress",
            HopAction::IngressRoute => "ingress-route",
            HopAction::Proxy => "proxy",
            HopAction::Leave => "leave",
            HopAction::Deliver => "deliver",
            HopAction::Drop => "drop",
            HopAction::Reject => "reject",
            HopAction::Unresolved => "unresolved",
        }
    }
}

/// Where a hop starts or ends, for drawing: the UI maps each place to a position.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum Place {
    /// The external client.
    Client,
    /// Cluster DNS.
    Dns,
    /// The cloud load balancer of a Service.
    LoadBalancer(NamespacedName),
    /// A node, by name.
    Node(String),
    /// A pod.
    Pod(NamespacedName),
    /// Something outside the cluster: a host name or an address.
    Outside(String),
}

/// One step of a trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hop {
    /// 1-based.
    pub step: usize,
    /// The node where this happens, when it happens on one.
    pub node: Option<String>,
    pub action: HopAction,
    /// The packet's source and destination as this hop sees them (`ip:port` or a name).
    pub src: String,
    pub dst: String,
    /// Why, in plain words, naming the rule.
    pub detail: String,
    /// Where the packet is before and after this hop, for animation.
    #[serde(skip)]
    pub from: Place,
    #[serde(skip)]
    pub to: Place,
}

/// The endpoint the connection reached.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TraceEndpoint {
    /// The pod, or `None` for a manual endpoint.
    pub pod: Option<NamespacedName>,
    #[serde(serialize_with = "serialize_display")]
    pub ip: IpAddr,
    pub port: i64,
}

/// One connection, every hop explained.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Trace {
    pub verdict: Verdict,
    /// The outcome in plain words, naming the rule that decided it.
    pub reason: String,
    pub hops: Vec<Hop>,
    pub endpoint: Option<TraceEndpoint>,
}

/// Makes the random choices of a trace. `choose(n)` returns an index below `n`; it
/// is only called with `n >= 2`.
pub trait Chooser {
    fn choose(&mut self, n: usize) -> usize;
}

/// The CLI's chooser: a SplitMix64 stream from `--seed`.
#[derive(Clone, Debug)]
pub struct SeededChooser {
    rng: SplitMix64,
}

impl SeededChooser {
    pub fn new(seed: u64) -> SeededChooser {
        SeededChooser {
            rng: SplitMix64::new(seed),
        }
    }
}

impl Chooser for SeededChooser {
    fn choose(&mut self, n: usize) -> usize {
        self.rng.below(n.max(1))
    }
}

/// Why a `--from` or `--to` could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceError {
    kind: TraceErrorKind,
    message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TraceErrorKind {
    Source,
    Destination,
    Protocol,
}

impl TraceError {
    fn source(message: impl Into<String>) -> TraceError {
        TraceError {
            kind: TraceErrorKind::Source,
            message: message.into(),
        }
    }
    fn destination(message: impl Into<String>) -> TraceError {
        TraceError {
            kind: TraceErrorKind::Destination,
            message: message.into(),
        }
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// True when the source (`--from`, `--client-ip`) is at fault.
    pub fn is_source_error(&self) -> bool {
        self.kind == TraceErrorKind::Source
    }
    /// True when the destination (`--to`) is at fault.
    pub fn is_destination_error(&self) -> bool {
        self.kind == TraceErrorKind::Destination
    }
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let flag = match self.kind {
            TraceErrorKind::Source => "--from",
            TraceErrorKind::Destination => "--to",
            TraceErrorKind::Protocol => "--protocol",
        };
        write!(f, "{flag}: {}", self.message)
    }
}

impl std::error::Error for TraceError {}

/// Parses `--from`: `external`, `node/NAME` or `pod/NS/NAME` (`pod/NAME` means
/// namespace `default`). `client_ip` is `--client-ip`, only valid with `external`.
pub fn parse_source(text: &str, client_ip: Option<&str>) -> Result<TraceSource, TraceError> {
    let text = text.trim();
    let parts: Vec<&str> = text.split('/').collect();
    let source = match parts.as_slice() {
        ["external"] => {
            let client_ip = match client_ip {
                Some(ip) => ip.trim().parse::<IpAddr>().map_err(|_| {
                    TraceError::source(format!("--client-ip \"{ip}\" is not an IP address"))
                })?,
                None => DEFAULT_CLIENT_IP,
            };
            return Ok(TraceSource::External { client_ip });
        }
        ["node", name] if !name.is_empty() => TraceSource::Node {
            name: name.to_string(),
        },
        ["pod", namespace, name] if !namespace.is_empty() && !name.is_empty() => TraceSource::Pod {
            namespace: namespace.to_string(),
            name: name.to_string(),
        },
        ["pod", name] if !name.is_empty() => TraceSource::Pod {
            namespace: "default".to_string(),
            name: name.to_string(),
        },
        _ => {
            return Err(TraceError::source(format!(
                "\"{text}\" is not a source; use external, node/NAME or pod/NAMESPACE/NAME"
            )))
        }
    };
    if client_ip.is_some() {
        return Err(TraceError::source(
            "--client-ip only applies to --from external; a node or pod uses its own address",
        ));
    }
    Ok(source)
}

/// Parses `--protocol`: `TCP`, `UDP` or `SCTP` (any case).
pub fn parse_protocol(text: &str) -> Result<Protocol, TraceError> {
    Protocol::parse(&text.trim().to_ascii_uppercase()).ok_or_else(|| TraceError {
        kind: TraceErrorKind::Protocol,
        message: format!("\"{text}\" is not TCP, UDP or SCTP"),
    })
}

/// Parses `--to`: `NAME[:PORT]`, `IP:PORT` (`[IPv6]:PORT`), or `http(s)://host[:port]/path`.
pub fn parse_destination(text: &str) -> Result<Destination, TraceError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(TraceError::destination(
            "the destination is empty; use NAME[:PORT], IP:PORT or http://host/path",
        ));
    }
    for (scheme, https) in [("http://", false), ("https://", true)] {
        if let Some(rest) = text.strip_prefix(scheme).or_else(|| {
            text.to_ascii_lowercase()
                .starts_with(scheme)
                .then(|| &text[scheme.len()..])
        }) {
            let (authority, path) = match rest.find(['/', '?', '#']) {
                Some(cut) => (&rest[..cut], &rest[cut..]),
                None => (rest, "/"),
            };
            let path = path.split(['?', '#']).next().unwrap_or("/");
            let path = if path.is_empty() { "/" } else { path };
            let (host, port) = split_host_port(authority)?;
            if host.is_empty() {
                return Err(TraceError::destination(format!("\"{text}\" has no host")));
            }
            return Ok(Destination::Url {
                https,
                host: host.to_ascii_lowercase(),
                port,
                path: path.to_string(),
            });
        }
    }
    if text.contains("://") {
        return Err(TraceError::destination(format!(
            "\"{text}\": only http:// and https:// URLs are traced"
        )));
    }
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(Destination::Address {
            ip: address.ip(),
            port: i64::from(address.port()),
        });
    }
    if text.parse::<IpAddr>().is_ok() || text.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
        return Err(TraceError::destination(format!(
            "\"{text}\" needs a port: use IP:PORT"
        )));
    }
    let (host, port) = split_host_port(text)?;
    if host.parse::<IpAddr>().is_ok() {
        return Err(TraceError::destination(format!(
            "\"{text}\" is not a valid IP:PORT"
        )));
    }
    Ok(Destination::Name {
        host: host.to_ascii_lowercase(),
        port,
    })
}

fn split_host_port(authority: &str) -> Result<(String, Option<i64>), TraceError> {
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| TraceError::destination(format!("\"{authority}\": unclosed '['")))?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(parse_port(port)?),
            None if after.is_empty() => None,
            None => {
                return Err(TraceError::destination(format!(
                    "\"{authority}\" is not host:port"
                )))
            }
        };
        return Ok((host.to_string(), port));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(parse_port(port)?)),
        None => (authority, None),
    };
    let host = host.trim_end_matches('.');
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'*');
    if !valid {
        return Err(TraceError::destination(format!(
            "\"{host}\" is not a DNS name"
        )));
    }
    Ok((host.to_string(), port))
}

fn parse_port(text: &str) -> Result<i64, TraceError> {
    text.parse::<i64>()
        .ok()
        .filter(|port| (1..=65535).contains(port))
        .ok_or_else(|| TraceError::destination(format!("\"{text}\" is not a port from 1 to 65535")))
}

/// Traces one connection with the request's seed. Never fails: a source that does
/// not exist gives an `unresolved` trace (use [`Tracer::validate_source`] first to
/// report it as a usage error).
pub fn trace(topology: &Topology, request: &TraceRequest) -> Trace {
    let tracer = Tracer::new(topology);
    tracer.trace(
        &request.source,
        &request.destination,
        request.protocol,
        &mut SeededChooser::new(request.seed),
    )
}

/// The JSON form: `{verdict, reason, hops[] {step, node, action, src, dst, detail}, endpoint | null}`.
pub fn to_json(trace: &Trace) -> String {
    serde_json::to_string_pretty(trace).unwrap_or_else(|_| "{}".to_string())
}

/// The text form the CLI prints.
pub fn render_text(trace: &Trace) -> String {
    let mut out = String::new();
    for hop in &trace.hops {
        let node = hop
            .node
            .as_deref()
            .map(|n| format!(" on {n}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "{:>2}. {}{node}: {} -> {}\n",
            hop.step,
            hop.action.as_str(),
            hop.src,
            hop.dst
        ));
        out.push_str(&format!("    {}\n", hop.detail));
    }
    out.push_str(&format!(
        "\n{}: {}\n",
        trace.verdict.as_str().to_uppercase(),
        trace.reason
    ));
    if let Some(endpoint) = &trace.endpoint {
        out.push_str(&format!(
            "endpoint: {} {}\n",
            endpoint.pod.as_ref().map_or_else(
                || "(manual endpoint)".to_string(),
                NamespacedName::to_string
            ),
            socket(endpoint.ip, endpoint.port)
        ));
    }
    out
}

/// Lookup tables over one topology: what owns each address, and pods, nodes and
/// Services by name. Owned, so a simulator can keep it next to its topology.
#[derive(Clone, Debug, Default)]
pub struct TraceIndex {
    services: BTreeMap<(String, String), usize>,
    pods: BTreeMap<(String, String), usize>,
    nodes: BTreeMap<String, usize>,
    owners: BTreeMap<IpAddr, Vec<AddressOwner>>,
    namespaces: std::collections::BTreeSet<String>,
    /// Pods by (namespace, workload): keyed both `Kind/name` and `name`; bare pods by their own name.
    workloads: BTreeMap<(String, String), Vec<usize>>,
}

/// Who answers on an address. Ordered by how kube-proxy and routing look at it:
/// Service VIPs first, then nodes, then pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum AddressOwner {
    ClusterIp(usize),
    LoadBalancerIp(usize),
    ExternalIp(usize),
    IngressAddress(usize),
    Node(usize),
    Pod(usize),
}

impl TraceIndex {
    pub fn build(topology: &Topology) -> TraceIndex {
        let mut index = TraceIndex::default();
        for (position, service) in topology.services.iter().enumerate() {
            index
                .services
                .insert((service.namespace.clone(), service.name.clone()), position);
            index.namespaces.insert(service.namespace.clone());
            for ip in &service.cluster_ips {
                index
                    .owners
                    .entry(*ip)
                    .or_default()
                    .push(AddressOwner::ClusterIp(position));
            }
            for ip in &service.load_balancer_ips {
                index
                    .owners
                    .entry(*ip)
                    .or_default()
                    .push(AddressOwner::LoadBalancerIp(position));
            }
            for ip in &service.external_ips {
                index
                    .owners
                    .entry(*ip)
                    .or_default()
                    .push(AddressOwner::ExternalIp(position));
            }
        }
        for (position, ingress) in topology.ingresses.iter().enumerate() {
            for ip in &ingress.addresses {
                index
                    .owners
                    .entry(*ip)
                    .or_default()
                    .push(AddressOwner::IngressAddress(position));
            }
        }
        for (position, node) in topology.cluster.nodes.iter().enumerate() {
            index.nodes.insert(node.name.clone(), position);
            index
                .owners
                .entry(node.internal_ip)
                .or_default()
                .push(AddressOwner::Node(position));
        }
        for (position, pod) in topology.cluster.pods.iter().enumerate() {
            index
                .pods
                .insert((pod.namespace.clone(), pod.name.clone()), position);
            index.namespaces.insert(pod.namespace.clone());
            match &pod.workload {
                Some(workload) => {
                    index
                        .workloads
                        .entry((pod.namespace.clone(), workload.to_string()))
                        .or_default()
                        .push(position);
                    index
                        .workloads
                        .entry((pod.namespace.clone(), workload.name.clone()))
                        .or_default()
                        .push(position);
                }
                None => index
                    .workloads
                    .entry((pod.namespace.clone(), pod.name.clone()))
                    .or_default()
                    .push(position),
            }
            if pod.phase.is_terminal() || pod.spec.host_network {
                continue;
            }
            for ip in &pod.ips {
                index
                    .owners
                    .entry(*ip)
                    .or_default()
                    .push(AddressOwner::Pod(position));
            }
        }
        for owners in index.owners.values_mut() {
            owners.sort();
            owners.dedup();
        }
        index
    }

    fn service(&self, namespace: &str, name: &str) -> Option<usize> {
        self.services
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }
}

/// Traces connections over one topology. Building it indexes the topology and
/// compiles NetworkPolicies once, so tracing many connections is cheap.
pub struct Tracer<'t> {
    topology: &'t Topology,
    index: Cow<'t, TraceIndex>,
    /// `None` when the manifests hold no NetworkPolicy, so nothing is isolated.
    policies: Option<PolicyEngine<'t>>,
    dns_ip: IpAddr,
}

impl<'t> Tracer<'t> {
    pub fn new(topology: &'t Topology) -> Tracer<'t> {
        Tracer::with_index(topology, Cow::Owned(TraceIndex::build(topology)))
    }

    /// Uses an index built earlier with [`TraceIndex::build`] on this same topology.
    pub fn with_index(topology: &'t Topology, index: Cow<'t, TraceIndex>) -> Tracer<'t> {
        let policies = (!topology.manifests.network_policies.is_empty())
            .then(|| PolicyEngine::new(&topology.manifests, &topology.cluster));
        let dns_ip = topology
            .services
            .iter()
            .find(|s| s.namespace == netpol::KUBE_DNS_NAMESPACE && s.name == "kube-dns")
            .and_then(|s| s.cluster_ips.first().copied())
            .unwrap_or_else(|| netpol::cluster_dns_ip(&topology.config));
        Tracer {
            topology,
            index,
            policies,
            dns_ip,
        }
    }

    /// Checks that a source names a node or pod that exists and can send.
    pub fn validate_source(&self, source: &TraceSource) -> Result<(), TraceError> {
        match source {
            TraceSource::External { client_ip } => {
                if let Some(owners) = self.index.owners.get(client_ip) {
                    if owners
                        .iter()
                        .any(|o| matches!(o, AddressOwner::Node(_) | AddressOwner::Pod(_)))
                    {
                        return Err(TraceError::source(format!("--client-ip {client_ip} belongs to a node or pod of the cluster; use --from node/NAME or pod/NS/NAME")));
                    }
                }
                Ok(())
            }
            TraceSource::Node { name } => match self.index.nodes.get(name) {
                Some(_) => Ok(()),
                None => Err(TraceError::source(format!(
                    "no node named \"{name}\"; nodes are {}",
                    list_or_none(self.topology.cluster.nodes.iter().map(|n| n.name.clone()))
                ))),
            },
            TraceSource::Pod { namespace, name } => {
                match self.index.pods.get(&(namespace.clone(), name.clone())) {
                    Some(&position) => {
                        let pod = &self.topology.cluster.pods[position];
                        if pod.ips.is_empty() {
                            Err(TraceError::source(format!("pod {namespace}/{name} has no IP (phase {:?}, not scheduled or not started), so it cannot send", pod.phase)))
                        } else {
                            Ok(())
                        }
                    }
                    None => {
                        let in_namespace: Vec<String> = self
                            .topology
                            .cluster
                            .pods
                            .iter()
                            .filter(|p| p.namespace == *namespace)
                            .map(|p| p.name.clone())
                            .take(8)
                            .collect();
                        Err(TraceError::source(format!(
                            "no pod {namespace}/{name}; pods in {namespace}: {}",
                            list_or_none(in_namespace.into_iter())
                        )))
                    }
                }
            }
            TraceSource::Workload { namespace, name } => {
                if self.workload_pods(namespace, name).is_empty() {
                    Err(TraceError::source(format!(
                        "workload {namespace}/{name} has no running pod with an IP"
                    )))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Traces one connection. Never panics and never fails: every problem becomes a verdict.
    pub fn trace(
        &self,
        source: &TraceSource,
        destination: &Destination,
        protocol: Protocol,
        chooser: &mut dyn Chooser,
    ) -> Trace {
        let mut run = Run {
            tracer: self,
            chooser,
            hops: Vec::new(),
            protocol,
        };
        let outcome = run.connect(source, destination);
        let Outcome {
            verdict,
            reason,
            endpoint,
        } = outcome;
        Trace {
            verdict,
            reason,
            hops: run.hops,
            endpoint,
        }
    }

    fn workload_pods(&self, namespace: &str, name: &str) -> Vec<usize> {
        let Some(positions) = self
            .index
            .workloads
            .get(&(namespace.to_string(), name.to_string()))
        else {
            return Vec::new();
        };
        let pods = &self.topology.cluster.pods;
        let mut found: Vec<usize> = positions
            .iter()
            .copied()
            .filter(|&p| p < pods.len())
            .filter(|&p| {
                !pods[p].ips.is_empty() && !pods[p].phase.is_terminal() && !pods[p].terminating
            })
            .collect();
        found.dedup();
        found
    }
}

// ---------------------------------------------------------------------------
// The trace itself
// ---------------------------------------------------------------------------

/// The end of a trace.
struct Outcome {
    verdict: Verdict,
    reason: String,
    endpoint: Option<TraceEndpoint>,
}

impl Outcome {
    fn new(verdict: Verdict, reason: impl Into<String>) -> Outcome {
        Outcome {
            verdict,
            reason: reason.into(),
            endpoint: None,
        }
    }
}

/// Who is sending, as the network sees it.
#[derive(Clone, Debug)]
struct Client {
    kind: ClientKind,
    ip: IpAddr,
    /// The node the client sits on (pods and nodes).
    node: Option<usize>,
    /// `external client 198.51.100.7`, `pod default/web-x`, `node node-1`.
    label: String,
    place: Place,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientKind {
    External,
    Node,
    Pod(usize),
}

/// How a packet reached a Service: which kind of destination kube-proxy matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Entry {
    ClusterIp,
    ExternalIp,
    LoadBalancer,
    NodePort { node: usize },
}

impl Entry {
    fn describe(self) -> &'static str {
        match self {
            Entry::ClusterIp => "ClusterIP",
            Entry::ExternalIp => "externalIP",
            Entry::LoadBalancer => "LoadBalancer IP",
            Entry::NodePort { .. } => "NodePort",
        }
    }
}

/// What kube-proxy does with source addresses on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Masquerade {
    None,
    /// KUBE-MARK-MASQ: the source becomes the routing node's IP.
    ToNode,
}

struct Run<'r, 't> {
    tracer: &'r Tracer<'t>,
    chooser: &'r mut dyn Chooser,
    hops: Vec<Hop>,
    protocol: Protocol,
}

/// What DNS answered.
enum DnsAnswer {
    ServiceIp {
        service: usize,
        ip: IpAddr,
    },
    ExternalName {
        service: usize,
        target: String,
    },
    HeadlessPods {
        service: usize,
        endpoints: Vec<usize>,
    },
    HeadlessMember {
        service: usize,
        endpoint: usize,
    },
    PodRecord {
        pod: usize,
    },
    /// A SRV record gave the port; the target is resolved as an A record.
    Srv {
        service: usize,
        port: i64,
        inner: Box<DnsAnswer>,
    },
    /// Not a cluster name: an upstream resolver answers, outside kubetopo's knowledge.
    Upstream {
        host: String,
    },
    NxDomain {
        tried: Vec<String>,
    },
}

impl<'r, 't> Run<'r, 't> {
    fn topology(&self) -> &'t Topology {
        self.tracer.topology
    }

    fn choose(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.chooser.choose(n).min(n - 1)
        }
    }

    // A hop has seven fields; a struct literal at each of the many call sites would
    // read worse than these positional arguments, which all differ in type or role.
    #[allow(clippy::too_many_arguments)]
    fn hop(
        &mut self,
        node: Option<usize>,
        action: HopAction,
        src: impl Into<String>,
        dst: impl Into<String>,
        detail: impl Into<String>,
        from: Place,
        to: Place,
    ) {
        let node = node.map(|n| self.topology().cluster.nodes[n].name.clone());
        let step = self.hops.len() + 1;
        self.hops.push(Hop {
            step,
            node,
            action,
            src: src.into(),
            dst: dst.into(),
            detail: detail.into(),
            from,
            to,
        });
    }

    /// Ends the trace with a final hop of `action` at `place` and the given verdict.
    #[allow(clippy::too_many_arguments)]
    fn stop(
        &mut self,
        node: Option<usize>,
        action: HopAction,
        src: String,
        dst: String,
        verdict: Verdict,
        reason: String,
        place: Place,
    ) -> Outcome {
        self.hop(node, action, src, dst, reason.clone(), place.clone(), place);
        Outcome::new(verdict, reason)
    }

    fn node(&self, position: usize) -> &'t ClusterNode {
        &self.topology().cluster.nodes[position]
    }

    fn pod(&self, position: usize) -> &'t ClusterPod {
        &self.topology().cluster.pods[position]
    }

    fn service(&self, position: usize) -> &'t ResolvedService {
        &self.topology().services[position]
    }

    fn node_position(&self, name: &str) -> Option<usize> {
        self.tracer.index.nodes.get(name).copied()
    }

    fn connect(&mut self, source: &TraceSource, destination: &Destination) -> Outcome {
        let client = match self.client(source) {
            Ok(client) => client,
            Err(outcome) => return outcome,
        };
        if let Some(node) = client.node {
            if !self.node(node).ready {
                let reason = format!("{} is on node {}, which is NotReady (failed): nothing it sends leaves the node", client.label, self.node(node).name);
                return self.stop(
                    Some(node),
                    HopAction::Drop,
                    client.ip.to_string(),
                    destination_text(destination),
                    Verdict::Dropped,
                    reason,
                    client.place.clone(),
                );
            }
        }
        match destination {
            Destination::Name { host, port } => self.connect_name(&client, host, *port),
            Destination::Address { ip, port } => self.connect_address(&client, *ip, *port),
            Destination::Url {
                https,
                host,
                port,
                path,
            } => self.connect_url(&client, *https, host, *port, path),
            Destination::AnyNodePort { node_port } => {
                let ready: Vec<usize> = (0..self.topology().cluster.nodes.len())
                    .filter(|&n| self.node(n).ready)
                    .collect();
                if ready.is_empty() {
                    let reason = "no node is Ready, so nothing answers on any nodePort".to_string();
                    return self.stop(
                        None,
                        HopAction::Drop,
                        client.ip.to_string(),
                        format!("*:{node_port}"),
                        Verdict::Dropped,
                        reason,
                        client.place.clone(),
                    );
                }
                let node = ready[self.choose(ready.len())];
                let ip = self.node(node).internal_ip;
                self.connect_address(&client, ip, *node_port)
            }
        }
    }

    fn client(&mut self, source: &TraceSource) -> Result<Client, Outcome> {
        let index = &self.tracer.index;
        match source {
            TraceSource::External { client_ip } => Ok(Client {
                kind: ClientKind::External,
                ip: *client_ip,
                node: None,
                label: format!("external client {client_ip}"),
                place: Place::Client,
            }),
            TraceSource::Node { name } => match index.nodes.get(name) {
                Some(&node) => Ok(Client {
                    kind: ClientKind::Node,
                    ip: self.node(node).internal_ip,
                    node: Some(node),
                    label: format!("node {name}"),
                    place: Place::Node(name.clone()),
                }),
                None => Err(Outcome::new(
                    Verdict::Unresolved,
                    format!("no node named {name}"),
                )),
            },
            TraceSource::Pod { namespace, name } => {
                match index.pods.get(&(namespace.clone(), name.clone())) {
                    Some(&pod) => self.pod_client(pod),
                    None => Err(Outcome::new(
                        Verdict::Unresolved,
                        format!("no pod {namespace}/{name}"),
                    )),
                }
            }
            TraceSource::Workload { namespace, name } => {
                let pods = self.tracer.workload_pods(namespace, name);
                if pods.is_empty() {
                    return Err(Outcome::new(Verdict::Unresolved, format!("workload {namespace}/{name} has no running pod with an IP to send from")));
                }
                let pod = pods[self.choose(pods.len())];
                self.pod_client(pod)
            }
        }
    }

    fn pod_client(&self, position: usize) -> Result<Client, Outcome> {
        let pod = self.pod(position);
        let node = pod.node.as_deref().and_then(|n| self.node_position(n));
        if pod.spec.host_network {
            if let Some(node) = node {
                return Ok(Client {
                    kind: ClientKind::Node,
                    ip: self.node(node).internal_ip,
                    node: Some(node),
                    label: format!("host-network pod {}", pod.key()),
                    place: Place::Pod(pod.key()),
                });
            }
        }
        match pod.ips.first() {
            Some(ip) => Ok(Client {
                kind: ClientKind::Pod(position),
                ip: *ip,
                node,
                label: format!("pod {}", pod.key()),
                place: Place::Pod(pod.key()),
            }),
            None => Err(Outcome::new(
                Verdict::Unresolved,
                format!(
                    "pod {} has no IP (phase {:?}), so it cannot send",
                    pod.key(),
                    pod.phase
                ),
            )),
        }
    }

    // --- DNS -------------------------------------------------------------

    fn connect_name(&mut self, client: &Client, host: &str, port: Option<i64>) -> Outcome {
        let domain = self.topology().config.cluster_domain.clone();
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if client.kind == ClientKind::External {
            return self.connect_name_from_outside(client, &host, port);
        }
        // Nodes resolve like a host-network pod with dnsPolicy ClusterFirstWithHostNet in `default`.
        let namespace = match client.kind {
            ClientKind::Pod(pod) => self.pod(pod).namespace.clone(),
            _ => "default".to_string(),
        };
        let dns_dst = format!("{}:53", self.tracer.dns_ip);
        if let (ClientKind::Pod(pod), Some(policies)) = (client.kind, self.tracer.policies.as_ref())
        {
            let pod_ref = self.pod(pod);
            if !policies.egress_allows_dns(pod_ref, self.tracer.dns_ip) {
                let isolating: Vec<String> = policies
                    .policies_selecting(pod, PolicyDirection::Egress)
                    .map(|p| format!("{}/{}", p.meta.namespace, p.meta.name))
                    .collect();
                let reason = format!(
                    "NetworkPolicy {} isolates egress of {} and no egress rule allows UDP 53 to kube-system/kube-dns or {}: the DNS query for {host} is dropped, so the name never resolves",
                    isolating.join(", "),
                    pod_ref.key(),
                    self.tracer.dns_ip
                );
                return self.stop(
                    client.node,
                    HopAction::Drop,
                    client.ip.to_string(),
                    dns_dst,
                    Verdict::Dropped,
                    reason,
                    client.place.clone(),
                );
            }
        }
        let answer = self.resolve_dns(&host, &namespace, &domain);
        let search = format!("search {namespace}.svc.{domain} svc.{domain} {domain}, ndots:5");
        match answer {
            DnsAnswer::NxDomain { tried } => {
                let reason = format!(
                    "NXDOMAIN: no record for {host} ({search}; tried {}) (§6)",
                    tried.join(", ")
                );
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst,
                    reason.clone(),
                    client.place.clone(),
                    Place::Dns,
                );
                Outcome::new(Verdict::Unresolved, reason)
            }
            answer => self.follow_dns_answer(client, &host, port, answer, &search, &dns_dst),
        }
    }

    fn follow_dns_answer(
        &mut self,
        client: &Client,
        host: &str,
        port: Option<i64>,
        answer: DnsAnswer,
        search: &str,
        dns_dst: &str,
    ) -> Outcome {
        let domain = self.topology().config.cluster_domain.clone();
        match answer {
            DnsAnswer::ServiceIp { service, ip } => {
                let fqdn = self.service(service).fqdn(&domain);
                let record = if ip.is_ipv4() { "A" } else { "AAAA" };
                let detail = format!(
                    "{host} → {fqdn} {record} {ip} (ClusterIP of Service {}; {search}) (§6)",
                    self.service(service).key()
                );
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst,
                    detail,
                    client.place.clone(),
                    Place::Dns,
                );
                let service_port = match self.pick_service_port(service, port) {
                    Ok(service_port) => service_port,
                    Err(reason) => {
                        return self.stop(
                            client.node,
                            HopAction::Unresolved,
                            client.ip.to_string(),
                            format!("{ip}:{}", port.map_or("?".to_string(), |p| p.to_string())),
                            Verdict::Unresolved,
                            reason,
                            client.place.clone(),
                        )
                    }
                };
                self.route_service(client, service, Entry::ClusterIp, ip, service_port)
            }
            DnsAnswer::ExternalName { service, target } => {
                let fqdn = self.service(service).fqdn(&domain);
                let detail = format!(
                    "{host} → {fqdn} CNAME {target}. (ExternalName Service {}; {search}) (§6)",
                    self.service(service).key()
                );
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst,
                    detail,
                    client.place.clone(),
                    Place::Dns,
                );
                self.leave_cluster(client, &target, port, format!("ExternalName Service {} is only a CNAME to {target}: no proxy rules, no endpoints (§5.1, §6)", self.service(service).key()))
            }
            DnsAnswer::Upstream { host: name } => {
                let detail = format!("{name} is not under the cluster domain: after the search path ({search}) fails, cluster DNS forwards it upstream");
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst,
                    detail,
                    client.place.clone(),
                    Place::Dns,
                );
                self.leave_cluster(
                    client,
                    &name,
                    port,
                    format!(
                        "{name} is outside the cluster; kubetopo assumes upstream DNS resolves it"
                    ),
                )
            }
            DnsAnswer::HeadlessPods { service, endpoints } => {
                let service_ref = self.service(service);
                let fqdn = service_ref.fqdn(&domain);
                let ips: Vec<String> = endpoints
                    .iter()
                    .filter_map(|&e| service_ref.endpoints[e].addresses.first())
                    .map(|ip| ip.to_string())
                    .collect();
                let choice = self.choose(endpoints.len());
                let endpoint = endpoints[choice];
                let picked = service_ref.endpoints[endpoint]
                    .addresses
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let detail = format!(
                    "{host} → {fqdn}: headless Service {}, so DNS answers with the {} ready pod IP{} directly ({}); the client uses {picked} (§6)",
                    service_ref.key(),
                    ips.len(),
                    if ips.len() == 1 { "" } else { "s" },
                    ips.join(", ")
                );
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst,
                    detail,
                    client.place.clone(),
                    Place::Dns,
                );
                self.direct_to_endpoint(client, service, endpoint, port)
            }
            DnsAnswer::HeadlessMember { service, endpoint } => {
                let service_ref = self.service(service);
                let ip = service_ref.endpoints[endpoint]
                    .addresses
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                let detail = format!("{host} → A {ip}: the hostname record of a ready endpoint of headless Service {} (§6)", service_ref.key());
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst,
                    detail,
                    client.place.clone(),
                    Place::Dns,
                );
                self.direct_to_endpoint(client, service, endpoint, port)
            }
            DnsAnswer::PodRecord { pod } => {
                let pod_ref = self.pod(pod);
                let ip = pod_ref.ips.first().copied();
                let detail = format!("{host} → A {}: the pod A record of {} (a-b-c-d.<ns>.pod.<zone>, a kube-dns/CoreDNS extension) (§6)", ip.map(|i| i.to_string()).unwrap_or_default(), pod_ref.key());
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst,
                    detail,
                    client.place.clone(),
                    Place::Dns,
                );
                match (ip, port) {
                    (Some(ip), Some(port)) => {
                        self.direct_to_pod(client, pod, ip, port, String::new())
                    }
                    _ => {
                        let reason =
                            format!("{host} is a pod address; give a port (--to {host}:PORT)");
                        self.stop(
                            client.node,
                            HopAction::Unresolved,
                            client.ip.to_string(),
                            host.to_string(),
                            Verdict::Unresolved,
                            reason,
                            client.place.clone(),
                        )
                    }
                }
            }
            DnsAnswer::Srv {
                service,
                port: srv_port,
                inner,
            } => {
                let detail = format!(
                    "{host} SRV → port {srv_port} on {} (named port of Service {}) (§6)",
                    self.service(service).fqdn(&domain),
                    self.service(service).key()
                );
                self.hop(
                    client.node,
                    HopAction::Dns,
                    client.ip.to_string(),
                    dns_dst.to_string(),
                    detail,
                    client.place.clone(),
                    Place::Dns,
                );
                let target = self.service(service).fqdn(&domain);
                self.follow_dns_answer(client, &target, Some(srv_port), *inner, search, dns_dst)
            }
            DnsAnswer::NxDomain { tried } => Outcome::new(
                Verdict::Unresolved,
                format!("NXDOMAIN for {host} (tried {})", tried.join(", ")),
            ),
        }
    }

    /// Resolves a name the way a pod's resolver does (§6): with fewer than 5 dots the
    /// search domains are tried first, then the name as given.
    fn resolve_dns(&self, host: &str, namespace: &str, domain: &str) -> DnsAnswer {
        let mut candidates = Vec::new();
        if host.matches('.').count() < 5 {
            for search in [
                format!("{namespace}.svc.{domain}"),
                format!("svc.{domain}"),
                domain.to_string(),
            ] {
                candidates.push(format!("{host}.{search}"));
            }
        }
        candidates.push(host.to_string());
        for fqdn in &candidates {
            if let Some(answer) = self.cluster_record(fqdn, domain) {
                return answer;
            }
        }
        let under_cluster = host == domain || host.ends_with(&format!(".{domain}"));
        let last_label = host.rsplit('.').next().unwrap_or(host);
        let looks_internal = !host.contains('.')
            || under_cluster
            || last_label == "svc"
            || last_label == "local"
            || self.tracer.index.namespaces.contains(last_label);
        if looks_internal {
            DnsAnswer::NxDomain { tried: candidates }
        } else {
            DnsAnswer::Upstream {
                host: host.to_string(),
            }
        }
    }

    /// The record cluster DNS holds for one fully qualified name, if any.
    fn cluster_record(&self, fqdn: &str, domain: &str) -> Option<DnsAnswer> {
        let index = &self.tracer.index;
        if let Some(name_part) = fqdn.strip_suffix(&format!(".svc.{domain}")) {
            let labels: Vec<&str> = name_part.split('.').collect();
            match labels.as_slice() {
                [service_name, namespace] => {
                    let service = index.service(namespace, service_name)?;
                    return self.service_record(service);
                }
                [first, service_name, namespace] => {
                    let service = index.service(namespace, service_name)?;
                    let service_ref = self.service(service);
                    if service_ref.headless {
                        let member = service_ref.endpoints.iter().position(|e| {
                            e.ready
                                && (e.hostname.as_deref() == Some(*first)
                                    || e.addresses
                                        .first()
                                        .map(super::resolve::dashed_ip)
                                        .as_deref()
                                        == Some(*first))
                        });
                        return member
                            .map(|endpoint| DnsAnswer::HeadlessMember { service, endpoint });
                    }
                    return None;
                }
                [port_label, proto_label, service_name, namespace] => {
                    let port_name = port_label.strip_prefix('_')?;
                    let protocol = proto_label.strip_prefix('_')?;
                    let service = index.service(namespace, service_name)?;
                    let service_ref = self.service(service);
                    let port = service_ref.ports.iter().find(|p| {
                        p.name.as_deref() == Some(port_name) && p.protocol.lowercase() == protocol
                    })?;
                    let inner = self.service_record(service)?;
                    let srv_port = match &inner {
                        // Headless SRV records carry the endpoint port; the first ready endpoint's is shown.
                        DnsAnswer::HeadlessPods { endpoints, .. } => endpoints
                            .first()
                            .and_then(|&e| {
                                service_ref.endpoints[e]
                                    .ports
                                    .iter()
                                    .find(|p| p.name == port.name && p.protocol == port.protocol)
                            })
                            .map_or(port.port, |p| p.port),
                        _ => port.port,
                    };
                    return Some(DnsAnswer::Srv {
                        service,
                        port: srv_port,
                        inner: Box::new(inner),
                    });
                }
                _ => return None,
            }
        }
        if let Some(name_part) = fqdn.strip_suffix(&format!(".pod.{domain}")) {
            let (dashed, namespace) = name_part.split_once('.')?;
            let ip: IpAddr = dashed.replace('-', ".").parse().ok()?;
            let owners = index.owners.get(&ip)?;
            return owners.iter().find_map(|owner| match owner {
                AddressOwner::Pod(pod) if self.pod(*pod).namespace == namespace => {
                    Some(DnsAnswer::PodRecord { pod: *pod })
                }
                _ => None,
            });
        }
        None
    }

    fn service_record(&self, service: usize) -> Option<DnsAnswer> {
        let service_ref = self.service(service);
        if service_ref.service_type == ServiceType::ExternalName {
            return service_ref
                .external_name
                .clone()
                .map(|target| DnsAnswer::ExternalName { service, target });
        }
        if service_ref.headless {
            let endpoints: Vec<usize> = service_ref
                .endpoints
                .iter()
                .enumerate()
                .filter(|(_, e)| e.ready && !e.addresses.is_empty())
                .map(|(i, _)| i)
                .collect();
            // No ready endpoint: the name does not exist (§6).
            return (!endpoints.is_empty())
                .then_some(DnsAnswer::HeadlessPods { service, endpoints });
        }
        service_ref
            .cluster_ips
            .first()
            .map(|ip| DnsAnswer::ServiceIp { service, ip: *ip })
    }

    /// A client outside the cluster cannot use cluster DNS. A Service name is taken to
    /// stand for a public record of the Service's external address.
    fn connect_name_from_outside(
        &mut self,
        client: &Client,
        host: &str,
        port: Option<i64>,
    ) -> Outcome {
        let domain = self.topology().config.cluster_domain.clone();
        let answer = self.resolve_dns(host, "default", &domain);
        let service = match &answer {
            DnsAnswer::ServiceIp { service, .. }
            | DnsAnswer::ExternalName { service, .. }
            | DnsAnswer::HeadlessPods { service, .. } => Some(*service),
            DnsAnswer::Srv { service, .. } | DnsAnswer::HeadlessMember { service, .. } => {
                Some(*service)
            }
            _ => None,
        };
        let Some(service) = service else {
            let reason = match answer {
                DnsAnswer::Upstream { host } => format!("{host} is not a name kubetopo knows: public DNS is outside the model"),
                _ => format!("NXDOMAIN: {host} is not a Service, and an external client cannot query cluster DNS anyway (§6)"),
            };
            return self.stop(
                None,
                HopAction::Unresolved,
                client.ip.to_string(),
                host.to_string(),
                Verdict::Unresolved,
                reason,
                Place::Client,
            );
        };
        let service_ref = self.service(service);
        let service_port = match self.pick_service_port(service, port) {
            Ok(service_port) => service_port,
            Err(reason) => {
                return self.stop(
                    None,
                    HopAction::Unresolved,
                    client.ip.to_string(),
                    host.to_string(),
                    Verdict::Unresolved,
                    reason,
                    Place::Client,
                )
            }
        };
        let (ip, dial_port, what) = if let Some(ip) = service_ref.load_balancer_ips.first() {
            (*ip, service_port.port, "LoadBalancer IP")
        } else if let Some(ip) = service_ref.external_ips.first() {
            (*ip, service_port.port, "externalIP")
        } else if let (Some(node_port), Some(node)) = (
            service_port.node_port,
            self.topology().cluster.nodes.iter().position(|n| n.ready),
        ) {
            (
                self.node(node).internal_ip,
                node_port,
                "first ready node's IP with the nodePort",
            )
        } else {
            let reason = format!("{host}: Service {} is {} with no external address, and cluster DNS is not reachable from outside the cluster (§6); it cannot be reached from outside", service_ref.key(), service_ref.service_type.as_str());
            return self.stop(
                None,
                HopAction::Unresolved,
                client.ip.to_string(),
                host.to_string(),
                Verdict::Unresolved,
                reason,
                Place::Client,
            );
        };
        let detail = format!("{host}: cluster DNS is not reachable from outside; kubetopo assumes a public record for Service {}'s {what}: {ip}", service_ref.key());
        self.hop(
            None,
            HopAction::Dns,
            client.ip.to_string(),
            host.to_string(),
            detail,
            Place::Client,
            Place::Client,
        );
        self.connect_address(client, ip, dial_port)
    }

    fn pick_service_port(&self, service: usize, port: Option<i64>) -> Result<ResolvedPort, String> {
        let service_ref = self.service(service);
        let protocol = self.protocol;
        match port {
            Some(port) => service_ref.ports.iter().find(|p| p.port == port && p.protocol == protocol).cloned().ok_or_else(|| {
                format!("Service {} has no port {port}/{protocol} (it has {}): kube-proxy has no rule for it, so nothing answers", service_ref.key(), describe_ports(&service_ref.ports))
            }),
            None => match service_ref.ports.iter().find(|p| p.protocol == protocol) {
                Some(first) => Ok(first.clone()),
                None => Err(format!("Service {} has no {protocol} port (it has {}); give one with :PORT or --protocol", service_ref.key(), describe_ports(&service_ref.ports))),
            },
        }
    }

    /// The connection leaves the cluster towards `host`.
    fn leave_cluster(
        &mut self,
        client: &Client,
        host: &str,
        port: Option<i64>,
        why: String,
    ) -> Outcome {
        let dst = port.map_or(host.to_string(), |p| format!("{host}:{p}"));
        if let (ClientKind::Pod(pod), Some(policies)) = (client.kind, self.tracer.policies.as_ref())
        {
            let isolating: Vec<String> = policies
                .policies_selecting(pod, PolicyDirection::Egress)
                .map(|p| format!("{}/{}", p.meta.namespace, p.meta.name))
                .collect();
            let detail = if isolating.is_empty() {
                format!(
                    "no NetworkPolicy isolates {} for egress",
                    self.pod(pod).key()
                )
            } else {
                format!("NetworkPolicy {} isolates egress of {}; only ipBlock rules can allow {host}, and its address is only known outside the cluster, so kubetopo cannot check it", isolating.join(", "), self.pod(pod).key())
            };
            self.hop(
                client.node,
                HopAction::PolicyEgress,
                client.ip.to_string(),
                dst.clone(),
                detail,
                client.place.clone(),
                client.place.clone(),
            );
        }
        let reason =
            format!("leaves the cluster: {why}; the connection goes to {dst} outside the cluster");
        self.hop(
            client.node,
            HopAction::Leave,
            client.ip.to_string(),
            dst.clone(),
            reason.clone(),
            client.place.clone(),
            Place::Outside(host.to_string()),
        );
        Outcome::new(Verdict::Delivered, reason)
    }

    // --- Addresses -------------------------------------------------------

    fn connect_address(&mut self, client: &Client, ip: IpAddr, port: i64) -> Outcome {
        let owners: Vec<AddressOwner> = self
            .tracer
            .index
            .owners
            .get(&ip)
            .cloned()
            .unwrap_or_default();
        let dst = socket(ip, port);
        let protocol = self.protocol;
        let mut problems = Vec::new();
        for owner in &owners {
            match *owner {
                AddressOwner::ClusterIp(service) => match self.find_port(service, |p| p.port == port) {
                    Some(service_port) => {
                        if client.kind == ClientKind::External {
                            let reason = format!("{ip} is the ClusterIP of Service {}: cluster IPs are virtual and only answer inside the cluster, so an external client has no route to it", self.service(service).key());
                            return self.stop(None, HopAction::Unresolved, client.ip.to_string(), dst, Verdict::Unresolved, reason, Place::Client);
                        }
                        return self.route_service(client, service, Entry::ClusterIp, ip, service_port);
                    }
                    None => problems.push(format!("{ip} is the ClusterIP of Service {}, which has no port {port}/{protocol} (it has {})", self.service(service).key(), describe_ports(&self.service(service).ports))),
                },
                AddressOwner::LoadBalancerIp(service) => match self.find_port(service, |p| p.port == port) {
                    Some(service_port) => return self.route_service(client, service, Entry::LoadBalancer, ip, service_port),
                    None => problems.push(format!("{ip} is the LoadBalancer IP of Service {}, which has no port {port}/{protocol} (it has {})", self.service(service).key(), describe_ports(&self.service(service).ports))),
                },
                AddressOwner::ExternalIp(service) => match self.find_port(service, |p| p.port == port) {
                    Some(service_port) => return self.route_service(client, service, Entry::ExternalIp, ip, service_port),
                    None => problems.push(format!("{ip} is an externalIP of Service {}, which has no port {port}/{protocol} (it has {})", self.service(service).key(), describe_ports(&self.service(service).ports))),
                },
                AddressOwner::IngressAddress(ingress) => {
                    let ingress_ref = &self.topology().ingresses[ingress];
                    problems.push(format!("{ip} is the address of Ingress {}/{}, but its controller Service is unknown; trace it with --to http://HOST/PATH", ingress_ref.namespace, ingress_ref.name));
                }
                AddressOwner::Node(node) => {
                    if let Some((service, service_port)) = self.node_port_owner(port) {
                        return self.route_service(client, service, Entry::NodePort { node }, ip, service_port);
                    }
                    if let Some((pod, container_port)) = self.host_port_owner(node, port) {
                        return self.direct_to_pod(client, pod, self.pod(pod).ips.first().copied().unwrap_or(ip), container_port, format!("hostPort {port} on node {} maps to it (CNI portmap DNAT)", self.node(node).name));
                    }
                    problems.push(format!("{ip} is node {}, but no Service has nodePort {port}/{protocol} and no pod there has hostPort {port}", self.node(node).name));
                }
                AddressOwner::Pod(pod) => {
                    if client.kind == ClientKind::External {
                        let reason = format!("{ip} is the IP of pod {}: pod IPs are only routable inside the cluster network, so an external client has no route to it", self.pod(pod).key());
                        return self.stop(None, HopAction::Unresolved, client.ip.to_string(), dst, Verdict::Unresolved, reason, Place::Client);
                    }
                    return self.direct_to_pod(client, pod, ip, port, String::new());
                }
            }
        }
        let reason = if problems.is_empty() {
            format!("no Service, node or pod owns {ip}: nothing in the cluster answers on {dst}")
        } else {
            format!("no such IP:port: {}", problems.join("; "))
        };
        self.stop(
            client.node,
            HopAction::Unresolved,
            client.ip.to_string(),
            dst,
            Verdict::Unresolved,
            reason,
            client.place.clone(),
        )
    }

    fn find_port(
        &self,
        service: usize,
        matches: impl Fn(&ResolvedPort) -> bool,
    ) -> Option<ResolvedPort> {
        let protocol = self.protocol;
        self.service(service)
            .ports
            .iter()
            .find(|p| p.protocol == protocol && matches(p))
            .cloned()
    }

    fn node_port_owner(&self, node_port: i64) -> Option<(usize, ResolvedPort)> {
        let protocol = self.protocol;
        self.topology()
            .services
            .iter()
            .enumerate()
            .find_map(|(position, service)| {
                if service.headless || service.service_type == ServiceType::ExternalName {
                    return None;
                }
                service
                    .ports
                    .iter()
                    .find(|p| p.node_port == Some(node_port) && p.protocol == protocol)
                    .map(|p| (position, p.clone()))
            })
    }

    fn host_port_owner(&self, node: usize, port: i64) -> Option<(usize, i64)> {
        let node_name = &self.node(node).name;
        let protocol = self.protocol;
        self.topology()
            .cluster
            .pods
            .iter()
            .enumerate()
            .find_map(|(position, pod)| {
                if pod.node.as_deref() != Some(node_name.as_str())
                    || pod.ips.is_empty()
                    || pod.phase.is_terminal()
                {
                    return None;
                }
                pod.spec
                    .containers
                    .iter()
                    .flat_map(|c| c.ports.iter())
                    .find(|p| p.host_port == Some(port) && p.protocol == protocol)
                    .map(|p| (position, p.container_port))
            })
    }

    // --- kube-proxy ------------------------------------------------------

    /// A connection captured by a Service's proxy rules: ClusterIP, externalIP, LB IP
    /// or NodePort (§5.1, §5.2).
    fn route_service(
        &mut self,
        client: &Client,
        service: usize,
        entry: Entry,
        dst_ip: IpAddr,
        service_port: ResolvedPort,
    ) -> Outcome {
        let service_ref = self.service(service);
        let dial_port = match entry {
            Entry::NodePort { .. } => service_port.node_port.unwrap_or(service_port.port),
            _ => service_port.port,
        };
        let dst = socket(dst_ip, dial_port);
        let port_name = service_port_name(service_ref, &service_port);
        let proto = service_port.protocol.lowercase();
        let svc_chain = format!("KUBE-SVC-{}", port_proto_hash(&port_name, proto));
        let svl_chain = format!("KUBE-SVL-{}", port_proto_hash(&port_name, proto));
        let ext_chain = format!("KUBE-EXT-{}", port_proto_hash(&port_name, proto));
        let fw_chain = format!("KUBE-FW-{}", port_proto_hash(&port_name, proto));

        // loadBalancerSourceRanges (KUBE-FW) apply to every packet for an LB IP.
        if entry == Entry::LoadBalancer && !service_ref.load_balancer_source_ranges.is_empty() {
            let allowed = service_ref
                .load_balancer_source_ranges
                .iter()
                .any(|range| cidr_contains(range, client.ip));
            if !allowed {
                let reason = format!(
                    "§5.2 loadBalancerSourceRanges: {} is not in [{}] of Service {}; {fw_chain} sends it to KUBE-PROXY-FIREWALL, which drops",
                    client.ip,
                    service_ref.load_balancer_source_ranges.join(", "),
                    service_ref.key()
                );
                let (node, place) = match client.kind {
                    ClientKind::External => (None, Place::LoadBalancer(service_ref.key())),
                    _ => (client.node, client.place.clone()),
                };
                if client.kind == ClientKind::External {
                    self.hop(
                        None,
                        HopAction::Send,
                        client.ip.to_string(),
                        dst.clone(),
                        format!(
                            "{} sends to the LoadBalancer IP of Service {}",
                            client.label,
                            service_ref.key()
                        ),
                        Place::Client,
                        place.clone(),
                    );
                }
                return self.stop(
                    node,
                    HopAction::Drop,
                    client.ip.to_string(),
                    dst,
                    Verdict::Dropped,
                    reason,
                    place,
                );
            }
        }

        // Which node's kube-proxy handles the packet.
        let routing_node = match self.routing_node(client, service, entry, &service_port, &dst) {
            Ok(node) => node,
            Err(outcome) => return outcome,
        };
        let routing_node_ref = self.node(routing_node);
        let node_name = routing_node_ref.name.clone();
        let node_place = Place::Node(node_name.clone());
        let arrive_from = match (client.kind, entry) {
            (ClientKind::External, Entry::LoadBalancer) => Place::LoadBalancer(service_ref.key()),
            _ => client.place.clone(),
        };

        // Capture.
        let sets = categorize(service_ref, &service_port, routing_node_ref);
        let capture_detail = match entry {
            Entry::ClusterIp => format!(
                "KUBE-SERVICES matches ClusterIP {dst} of Service {} port {} and jumps to {} (internalTrafficPolicy {:?}) (§5.2)",
                service_ref.key(),
                port_label(&service_port),
                if service_ref.internal_traffic_policy == Some(TrafficPolicy::Local) { &svl_chain } else { &svc_chain },
                service_ref.internal_traffic_policy.unwrap_or(TrafficPolicy::Cluster)
            ),
            Entry::NodePort { .. } => format!(
                "KUBE-NODEPORTS matches nodePort {dial_port} (any local address) of Service {} port {} and jumps to {ext_chain} (externalTrafficPolicy {:?}) (§5.2)",
                service_ref.key(),
                port_label(&service_port),
                service_ref.external_traffic_policy.unwrap_or(TrafficPolicy::Cluster)
            ),
            Entry::ExternalIp | Entry::LoadBalancer => format!(
                "KUBE-SERVICES matches {} {dst} of Service {} port {} and jumps to {}{ext_chain} (externalTrafficPolicy {:?}) (§5.2)",
                entry.describe(),
                service_ref.key(),
                port_label(&service_port),
                if entry == Entry::LoadBalancer && !service_ref.load_balancer_source_ranges.is_empty() { format!("{fw_chain} (source {} allowed by loadBalancerSourceRanges), then ", client.ip) } else { String::new() },
                service_ref.external_traffic_policy.unwrap_or(TrafficPolicy::Cluster)
            ),
        };
        self.hop(
            Some(routing_node),
            HopAction::Capture,
            client.ip.to_string(),
            dst.clone(),
            capture_detail,
            arrive_from,
            node_place.clone(),
        );

        // Zero usable endpoints anywhere: the filter table rejects (§5.2).
        if !sets.has_endpoints {
            let reason = format!(
                "§5.2 no endpoints: Service {} port {} has no ready or serving-terminating endpoint in the cluster, so kube-proxy writes no nat rules and the filter table REJECTs {dst} (icmp-port-unreachable): connection refused",
                service_ref.key(),
                port_label(&service_port)
            );
            return self.stop(
                Some(routing_node),
                HopAction::Reject,
                client.ip.to_string(),
                dst,
                Verdict::Rejected,
                reason,
                node_place,
            );
        }

        // Which set, and whether to masquerade.
        let client_is_pod = matches!(client.kind, ClientKind::Pod(_));
        let client_is_this_node =
            client.kind == ClientKind::Node && client.node == Some(routing_node);
        let (use_local, mut masquerade, policy_note) = match entry {
            Entry::ClusterIp => {
                let local = service_ref.internal_traffic_policy == Some(TrafficPolicy::Local);
                // The local traffic detector (cluster CIDR): sources outside the pod network are masqueraded.
                let masquerade = if client_is_pod { Masquerade::None } else { Masquerade::ToNode };
                let note = if local { format!("internalTrafficPolicy Local: only endpoints on {node_name} ({svl_chain})") } else { format!("internalTrafficPolicy Cluster: endpoints anywhere ({svc_chain})") };
                (local, masquerade, note)
            }
            _ => match service_ref.external_traffic_policy.unwrap_or(TrafficPolicy::Cluster) {
                TrafficPolicy::Cluster => (false, Masquerade::ToNode, format!("externalTrafficPolicy Cluster: {ext_chain} marks the packet for masquerade and jumps to {svc_chain}, endpoints anywhere")),
                TrafficPolicy::Local if client_is_pod => (false, Masquerade::None, format!("externalTrafficPolicy Local, but the source is a pod: {ext_chain} short-circuits pod traffic to {svc_chain} (cluster-wide endpoints)")),
                TrafficPolicy::Local if client_is_this_node => (false, Masquerade::ToNode, format!("externalTrafficPolicy Local, but the source is this node: {ext_chain} masquerades it and jumps to {svc_chain}")),
                TrafficPolicy::Local => (true, Masquerade::None, format!("externalTrafficPolicy Local: {ext_chain} jumps to {svl_chain}, endpoints on {node_name} only, no SNAT, client IP kept")),
            },
        };
        let (chosen_set, set_note) = if use_local {
            (&sets.local, &sets.local_note)
        } else {
            (&sets.cluster, &sets.cluster_note)
        };
        if chosen_set.is_empty() {
            let reason = match entry {
                Entry::ClusterIp => format!("§5.2 ITP=Local: {node_name} has no local endpoints for Service {}; the filter table drops ClusterIP traffic from this node", service_ref.key()),
                _ => format!("§5.2 ETP=Local: {node_name} has no local endpoints for Service {}; KUBE-EXTERNAL-SERVICES drops", service_ref.key()),
            };
            return self.stop(
                Some(routing_node),
                HopAction::Drop,
                client.ip.to_string(),
                dst,
                Verdict::Dropped,
                reason,
                node_place,
            );
        }
        let chosen_set = chosen_set.clone();
        let set_note = set_note.clone();

        // Pick one endpoint: ClientIP affinity is sticky per (client IP, node); otherwise
        // iptables' statistic rules give each endpoint 1/n.
        let (endpoint, pick_note) = if service_ref.session_affinity == SessionAffinity::ClientIP {
            let endpoint =
                affinity_pick(service_ref, &chosen_set, client.ip, &node_name, &port_name);
            let timeout = service_ref
                .session_affinity_timeout_seconds
                .unwrap_or(10800);
            (endpoint, format!("SessionAffinity ClientIP: -m recent keeps {} on {node_name} stuck to one endpoint for {timeout}s, whatever the seed", client.ip))
        } else {
            let choice = self.choose(chosen_set.len());
            let n = chosen_set.len();
            let note = if n == 1 {
                "The only endpoint takes the unconditional rule".to_string()
            } else {
                format!("The iptables statistic --mode random rules give each of the {n} endpoints 1/{n}")
            };
            (chosen_set[choice], note)
        };
        let endpoint_ref = &service_ref.endpoints[endpoint];
        let Some(endpoint_port) = endpoint_port(endpoint_ref, &service_port) else {
            let reason = format!(
                "endpoint {} has no port for {}",
                endpoint_label(endpoint_ref),
                port_label(&service_port)
            );
            return self.stop(
                Some(routing_node),
                HopAction::Reject,
                client.ip.to_string(),
                dst,
                Verdict::Rejected,
                reason,
                node_place,
            );
        };
        let endpoint_ip = endpoint_address(endpoint_ref, dst_ip);
        let endpoint_dst = socket(endpoint_ip, endpoint_port);
        self.hop(
            Some(routing_node),
            HopAction::ChooseEndpoint,
            client.ip.to_string(),
            dst.clone(),
            format!(
                "{policy_note}. {set_note} (§5.1). {pick_note}; picked {} ({endpoint_dst})",
                endpoint_label(endpoint_ref)
            ),
            node_place.clone(),
            node_place.clone(),
        );
        let sep_chain = format!(
            "KUBE-SEP-{}",
            endpoint_chain_hash(&port_name, proto, &endpoint_dst)
        );
        self.hop(
            Some(routing_node),
            HopAction::Dnat,
            client.ip.to_string(),
            endpoint_dst.clone(),
            format!(
                "{sep_chain}: DNAT {dst} → {endpoint_dst} (targetPort {} resolved on the endpoint)",
                service_port.target_port
            ),
            node_place.clone(),
            node_place.clone(),
        );

        // Hairpin: the client is its own endpoint, KUBE-SEP masquerades `-s endpointIP`.
        let hairpin = matches!(client.kind, ClientKind::Pod(pod) if endpoint_ref.pod_index == Some(pod) || endpoint_ref.addresses.contains(&client.ip));
        let mut snat_note = None;
        if hairpin {
            masquerade = Masquerade::ToNode;
            snat_note = Some(format!("hairpin: {} is its own endpoint, so {sep_chain} matches -s {} and masquerades; the reply comes back through the node", client.label, client.ip));
        } else if masquerade == Masquerade::ToNode {
            snat_note = Some(match entry {
                Entry::ClusterIp if client.ip == routing_node_ref.internal_ip => format!("the source {} is outside the cluster CIDR, so KUBE-POSTROUTING masquerades it; it is already the node's address, so only the mark shows (§5.2)", client.ip),
                Entry::ClusterIp => format!("the source {} is outside the cluster CIDR, so KUBE-POSTROUTING masquerades it to the node IP (§5.2)", client.ip),
                _ if client_is_this_node => "traffic from the node itself is masqueraded to the node IP (§5.2)".to_string(),
                _ => format!("§5.2 ETP=Cluster: KUBE-POSTROUTING masquerades {} to node IP {}; the endpoint sees the node, not the client", client.ip, routing_node_ref.internal_ip),
            });
        }
        let seen_source = if masquerade == Masquerade::ToNode {
            routing_node_ref.internal_ip
        } else {
            client.ip
        };
        if let Some(note) = snat_note {
            self.hop(
                Some(routing_node),
                HopAction::Snat,
                format!("{} → {}", client.ip, seen_source),
                endpoint_dst.clone(),
                note,
                node_place.clone(),
                node_place.clone(),
            );
        }

        let outcome = self.reach_endpoint(
            client,
            seen_source,
            Some(routing_node),
            endpoint_ref,
            endpoint_ip,
            endpoint_port,
            &format!("Service {} ({})", service_ref.key(), entry.describe()),
        );
        outcome
    }

    /// Picks the node whose kube-proxy handles the packet, adding the hops that get it there.
    fn routing_node(
        &mut self,
        client: &Client,
        service: usize,
        entry: Entry,
        service_port: &ResolvedPort,
        dst: &str,
    ) -> Result<usize, Outcome> {
        let service_ref = self.service(service);
        let nodes = &self.topology().cluster.nodes;
        match (client.kind, entry) {
            (_, Entry::NodePort { node }) => {
                if client.node != Some(node) {
                    let from_where = client
                        .node
                        .map(|n| format!(" from {}", self.node(n).name))
                        .unwrap_or_default();
                    self.hop(client.node, HopAction::Send, client.ip.to_string(), dst.to_string(), format!("{}{from_where} sends to node {}'s address; that node's kube-proxy handles it", client.label, self.node(node).name), client.place.clone(), Place::Node(self.node(node).name.clone()));
                }
                if !self.node(node).ready {
                    let reason = format!(
                        "node {} is NotReady (failed): nothing answers on {dst}",
                        self.node(node).name
                    );
                    return Err(self.stop(
                        Some(node),
                        HopAction::Drop,
                        client.ip.to_string(),
                        dst.to_string(),
                        Verdict::Dropped,
                        reason,
                        Place::Node(self.node(node).name.clone()),
                    ));
                }
                Ok(node)
            }
            (ClientKind::External, Entry::LoadBalancer) => {
                let ready: Vec<usize> = (0..nodes.len()).filter(|&n| nodes[n].ready).collect();
                let lb_place = Place::LoadBalancer(service_ref.key());
                self.hop(
                    None,
                    HopAction::Send,
                    client.ip.to_string(),
                    dst.to_string(),
                    format!(
                        "{} sends to the LoadBalancer IP of Service {}",
                        client.label,
                        service_ref.key()
                    ),
                    Place::Client,
                    lb_place.clone(),
                );
                if ready.is_empty() {
                    let reason = "the load balancer has no Ready node to send to".to_string();
                    return Err(self.stop(
                        None,
                        HopAction::Drop,
                        client.ip.to_string(),
                        dst.to_string(),
                        Verdict::Dropped,
                        reason,
                        lb_place,
                    ));
                }
                let policy = service_ref
                    .external_traffic_policy
                    .unwrap_or(TrafficPolicy::Cluster);
                let (candidates, note) = if policy == TrafficPolicy::Local {
                    let healthy: Vec<usize> = ready
                        .iter()
                        .copied()
                        .filter(|&n| n_local_ready(service_ref, service_port, &nodes[n].name) > 0)
                        .collect();
                    let check = service_ref
                        .health_check_node_port
                        .map(|p| format!("healthCheckNodePort {p}"))
                        .unwrap_or_else(|| "the health check".to_string());
                    if healthy.is_empty() {
                        (ready.clone(), format!("externalTrafficPolicy Local: no node passes {check} (no node has a local ready endpoint, all answer 503); kubetopo assumes the load balancer then spreads over all {} Ready nodes, as most cloud load balancers do", ready.len()))
                    } else {
                        let names: Vec<&str> =
                            healthy.iter().map(|&n| nodes[n].name.as_str()).collect();
                        (healthy.clone(), format!("externalTrafficPolicy Local: only nodes answering 200 on {check} (local ready endpoints) get traffic: {}", names.join(", ")))
                    }
                } else {
                    (ready.clone(), format!("externalTrafficPolicy Cluster: every Ready node passes the health check ({} nodes)", ready.len()))
                };
                let node = candidates[self.choose(candidates.len())];
                let node_name = nodes[node].name.clone();
                self.hop(None, HopAction::LoadBalancer, client.ip.to_string(), format!("{dst} via {node_name}"), format!("{note}; the load balancer picks {node_name} and delivers the packet still addressed to {dst}"), lb_place, Place::Node(node_name));
                Ok(node)
            }
            (ClientKind::External, Entry::ExternalIp) => {
                let ready: Vec<usize> = (0..nodes.len()).filter(|&n| nodes[n].ready).collect();
                if ready.is_empty() {
                    let reason =
                        "no node is Ready to receive traffic for the externalIP".to_string();
                    return Err(self.stop(
                        None,
                        HopAction::Drop,
                        client.ip.to_string(),
                        dst.to_string(),
                        Verdict::Dropped,
                        reason,
                        Place::Client,
                    ));
                }
                let node = ready[self.choose(ready.len())];
                let node_name = nodes[node].name.clone();
                self.hop(None, HopAction::Send, client.ip.to_string(), dst.to_string(), format!("externalIPs are not managed by Kubernetes: the network must route {dst} to some node; kubetopo assumes it reaches {node_name}"), Place::Client, Place::Node(node_name));
                Ok(node)
            }
            (ClientKind::External, Entry::ClusterIp) => {
                let reason =
                    format!("{dst} is a ClusterIP: virtual, only answered inside the cluster");
                Err(self.stop(
                    None,
                    HopAction::Unresolved,
                    client.ip.to_string(),
                    dst.to_string(),
                    Verdict::Unresolved,
                    reason,
                    Place::Client,
                ))
            }
            (_, _) => match client.node {
                Some(node) => Ok(node),
                None => {
                    let reason = format!(
                        "{} is not on any node, so no kube-proxy handles {dst}",
                        client.label
                    );
                    Err(self.stop(
                        None,
                        HopAction::Drop,
                        client.ip.to_string(),
                        dst.to_string(),
                        Verdict::Dropped,
                        reason,
                        client.place.clone(),
                    ))
                }
            },
        }
    }

    /// Forwarding, NetworkPolicy and delivery to a chosen endpoint. `seen_source` is the
    /// source address after any SNAT; `routing_node` is where the packet is now.
    #[allow(clippy::too_many_arguments)]
    fn reach_endpoint(
        &mut self,
        client: &Client,
        seen_source: IpAddr,
        routing_node: Option<usize>,
        endpoint: &Endpoint,
        endpoint_ip: IpAddr,
        endpoint_port: i64,
        via: &str,
    ) -> Outcome {
        let endpoint_dst = socket(endpoint_ip, endpoint_port);
        let target_pod = endpoint
            .pod_index
            .filter(|&p| p < self.topology().cluster.pods.len())
            .or_else(|| {
                endpoint.pod.as_ref().and_then(|pod| {
                    self.tracer
                        .index
                        .pods
                        .get(&(pod.namespace.clone(), pod.name.clone()))
                        .copied()
                })
            });
        let target_node = endpoint
            .node
            .as_deref()
            .and_then(|n| self.node_position(n))
            .or_else(|| {
                target_pod
                    .and_then(|p| self.pod(p).node.as_deref())
                    .and_then(|n| self.node_position(n))
            });
        let target_place = match target_pod {
            Some(pod) => Place::Pod(self.pod(pod).key()),
            None => Place::Outside(endpoint_ip.to_string()),
        };

        // Egress at the source pod, against the endpoint pod (after DNAT).
        if let ClientKind::Pod(source_pod) = client.kind {
            let to_peer = match target_pod {
                Some(pod) => Peer::Pod(self.pod(pod)),
                None => Peer::External(endpoint_ip),
            };
            let verdict =
                self.policy_check(Peer::Pod(self.pod(source_pod)), to_peer, endpoint_port);
            let isolated = self.isolated(source_pod, PolicyDirection::Egress);
            match verdict {
                Some(v) if !v.allowed && v.direction == Some(PolicyDirection::Egress) => {
                    let reason = format!("NetworkPolicy egress: {}", v.reason);
                    return self.stop(
                        client.node,
                        HopAction::Drop,
                        client.ip.to_string(),
                        endpoint_dst,
                        Verdict::Dropped,
                        reason,
                        client.place.clone(),
                    );
                }
                Some(v) if isolated => {
                    let detail = side_detail(
                        &v,
                        PolicyDirection::Egress,
                        &self.pod(source_pod).key(),
                        &self.isolating(source_pod, PolicyDirection::Egress),
                    );
                    self.hop(
                        client.node,
                        HopAction::PolicyEgress,
                        client.ip.to_string(),
                        endpoint_dst.clone(),
                        detail,
                        client.place.clone(),
                        client.place.clone(),
                    );
                }
                _ => {
                    let detail = self.not_isolated_note(source_pod, PolicyDirection::Egress);
                    self.hop(
                        client.node,
                        HopAction::PolicyEgress,
                        client.ip.to_string(),
                        endpoint_dst.clone(),
                        detail,
                        client.place.clone(),
                        client.place.clone(),
                    );
                }
            }
        }

        // Across nodes.
        let current_node = routing_node.or(client.node);
        match (current_node, target_node) {
            (Some(from), Some(to)) if from != to => {
                let to_name = self.node(to).name.clone();
                let detail = format!("{} → {to_name}: {endpoint_ip} lives on {to_name}, so the packet crosses the pod network", self.node(from).name);
                self.hop(
                    Some(from),
                    HopAction::Forward,
                    seen_source.to_string(),
                    endpoint_dst.clone(),
                    detail,
                    Place::Node(self.node(from).name.clone()),
                    Place::Node(to_name),
                );
            }
            (Some(from), None) if target_pod.is_none() => {
                let detail = format!("{endpoint_ip} is not a pod kubetopo knows (a manual endpoint): the packet leaves {} for it", self.node(from).name);
                self.hop(
                    Some(from),
                    HopAction::Forward,
                    seen_source.to_string(),
                    endpoint_dst.clone(),
                    detail,
                    Place::Node(self.node(from).name.clone()),
                    target_place.clone(),
                );
            }
            _ => {}
        }

        // Ingress at the destination pod, from the source as the pod sees it.
        let mut container_note = String::new();
        if let Some(pod) = target_pod {
            let pod_ref = self.pod(pod);
            if let Some(node) = target_node {
                if !self.node(node).ready {
                    let reason = format!(
                        "node {} of {} is NotReady (failed): the packet is lost",
                        self.node(node).name,
                        pod_ref.key()
                    );
                    return self.stop(
                        Some(node),
                        HopAction::Drop,
                        seen_source.to_string(),
                        endpoint_dst,
                        Verdict::Dropped,
                        reason,
                        target_place,
                    );
                }
            }
            let from_peer = match client.kind {
                ClientKind::Pod(source_pod) if seen_source == client.ip => {
                    Peer::Pod(self.pod(source_pod))
                }
                _ => Peer::External(seen_source),
            };
            let verdict = self.policy_check(from_peer, Peer::Pod(pod_ref), endpoint_port);
            let isolated = self.isolated(pod, PolicyDirection::Ingress);
            match verdict {
                Some(v) if !v.allowed => {
                    let reason = format!("NetworkPolicy ingress: {}", v.reason);
                    return self.stop(
                        target_node,
                        HopAction::Drop,
                        seen_source.to_string(),
                        endpoint_dst,
                        Verdict::Dropped,
                        reason,
                        target_place,
                    );
                }
                Some(v) if isolated => {
                    let detail = side_detail(
                        &v,
                        PolicyDirection::Ingress,
                        &pod_ref.key(),
                        &self.isolating(pod, PolicyDirection::Ingress),
                    );
                    self.hop(
                        target_node,
                        HopAction::PolicyIngress,
                        seen_source.to_string(),
                        endpoint_dst.clone(),
                        detail,
                        target_place.clone(),
                        target_place.clone(),
                    );
                }
                _ => {
                    let detail = self.not_isolated_note(pod, PolicyDirection::Ingress);
                    self.hop(
                        target_node,
                        HopAction::PolicyIngress,
                        seen_source.to_string(),
                        endpoint_dst.clone(),
                        detail,
                        target_place.clone(),
                        target_place.clone(),
                    );
                }
            }
            container_note = describe_container_port(pod_ref, endpoint_port, self.protocol);
        }

        let arrive_from = match target_node.or(current_node) {
            Some(node) => Place::Node(self.node(node).name.clone()),
            None => client.place.clone(),
        };
        let who = endpoint.pod.as_ref().map_or_else(
            || format!("manual endpoint {endpoint_ip}"),
            NamespacedName::to_string,
        );
        let reason = format!(
            "delivered to {who} at {endpoint_dst} via {via}{}",
            if container_note.is_empty() {
                String::new()
            } else {
                format!("; {container_note}")
            }
        );
        self.hop(
            target_node,
            HopAction::Deliver,
            seen_source.to_string(),
            endpoint_dst,
            reason.clone(),
            arrive_from,
            target_place,
        );
        Outcome {
            verdict: Verdict::Delivered,
            reason,
            endpoint: Some(TraceEndpoint {
                pod: endpoint.pod.clone(),
                ip: endpoint_ip,
                port: endpoint_port,
            }),
        }
    }

    fn policy_check(&self, from: Peer<'_>, to: Peer<'_>, port: i64) -> Option<netpol::Verdict> {
        let policies = self.tracer.policies.as_ref()?;
        let port = u16::try_from(port).unwrap_or(0);
        Some(policies.check(from, to, port, self.protocol))
    }

    fn isolated(&self, pod: usize, direction: PolicyDirection) -> bool {
        match &self.tracer.policies {
            Some(policies) => {
                let isolation = policies.isolation(pod);
                match direction {
                    PolicyDirection::Ingress => isolation.ingress,
                    PolicyDirection::Egress => isolation.egress,
                }
            }
            None => false,
        }
    }

    fn isolating(&self, pod: usize, direction: PolicyDirection) -> Vec<String> {
        match &self.tracer.policies {
            Some(policies) => policies
                .policies_selecting(pod, direction)
                .map(|p| format!("{}/{}", p.meta.namespace, p.meta.name))
                .collect(),
            None => Vec::new(),
        }
    }

    fn not_isolated_note(&self, pod: usize, direction: PolicyDirection) -> String {
        let word = match direction {
            PolicyDirection::Ingress => "ingress",
            PolicyDirection::Egress => "egress",
        };
        if self.tracer.policies.is_none() {
            format!(
                "no NetworkPolicy in the cluster: {word} of {} is not isolated",
                self.pod(pod).key()
            )
        } else {
            format!(
                "no NetworkPolicy isolates {} for {word}",
                self.pod(pod).key()
            )
        }
    }

    /// A headless Service's pod, reached without kube-proxy.
    fn direct_to_endpoint(
        &mut self,
        client: &Client,
        service: usize,
        endpoint: usize,
        port: Option<i64>,
    ) -> Outcome {
        let service_ref = self.service(service);
        let endpoint_ref = &service_ref.endpoints[endpoint];
        let Some(ip) = endpoint_ref.addresses.first().copied() else {
            return Outcome::new(
                Verdict::Unresolved,
                format!("endpoint {} has no address", endpoint_label(endpoint_ref)),
            );
        };
        let port = match port {
            Some(port) => port,
            None => match endpoint_ref
                .ports
                .iter()
                .find(|p| p.protocol == self.protocol)
            {
                Some(endpoint_port) => endpoint_port.port,
                None => {
                    let reason = format!(
                        "headless Service {} has no {} port to default to; give one with :PORT",
                        service_ref.key(),
                        self.protocol
                    );
                    return self.stop(
                        client.node,
                        HopAction::Unresolved,
                        client.ip.to_string(),
                        ip.to_string(),
                        Verdict::Unresolved,
                        reason,
                        client.place.clone(),
                    );
                }
            },
        };
        let note = format!("headless Service {}: no ClusterIP and no kube-proxy rules (§5.1), the client connects to the pod IP itself", service_ref.key());
        self.reach_direct(client, endpoint_ref.clone(), ip, port, note)
    }

    /// A pod IP dialled directly.
    fn direct_to_pod(
        &mut self,
        client: &Client,
        pod: usize,
        ip: IpAddr,
        port: i64,
        note: String,
    ) -> Outcome {
        let pod_ref = self.pod(pod);
        let endpoint = Endpoint {
            pod: Some(pod_ref.key()),
            pod_index: Some(pod),
            addresses: vec![ip],
            node: pod_ref.node.clone(),
            zone: None,
            hostname: None,
            ready: pod_ref.ready,
            serving: pod_ref.ready,
            terminating: pod_ref.terminating,
            ports: Vec::new(),
            hint_zones: Vec::new(),
            hint_nodes: Vec::new(),
        };
        let note = if note.is_empty() {
            format!(
                "{ip} is the IP of pod {}: no Service and no kube-proxy on the way",
                pod_ref.key()
            )
        } else {
            note
        };
        self.reach_direct(client, endpoint, ip, port, note)
    }

    fn reach_direct(
        &mut self,
        client: &Client,
        endpoint: Endpoint,
        ip: IpAddr,
        port: i64,
        note: String,
    ) -> Outcome {
        let dst = socket(ip, port);
        let target_place = endpoint
            .pod
            .clone()
            .map(Place::Pod)
            .unwrap_or_else(|| Place::Outside(ip.to_string()));
        let to = match client.node {
            Some(node) => Place::Node(self.node(node).name.clone()),
            None => target_place,
        };
        self.hop(
            client.node,
            HopAction::Send,
            client.ip.to_string(),
            dst,
            note,
            client.place.clone(),
            to,
        );
        let via = "a direct connection".to_string();
        self.reach_endpoint(client, client.ip, client.node, &endpoint, ip, port, &via)
    }

    // --- Ingress ---------------------------------------------------------

    fn connect_url(
        &mut self,
        client: &Client,
        https: bool,
        host: &str,
        port: Option<i64>,
        path: &str,
    ) -> Outcome {
        let url = format!(
            "{}://{host}{}{path}",
            if https { "https" } else { "http" },
            port.map(|p| format!(":{p}")).unwrap_or_default()
        );
        let Some((ingress, route, why)) = self.match_ingress(host, path) else {
            let n_routes: usize = self
                .topology()
                .ingresses
                .iter()
                .map(|i| i.routes.len())
                .sum();
            let reason = format!("no Ingress rule matches host {host} and path {path} ({n_routes} routes in {} Ingresses); the controller would answer 404", self.topology().ingresses.len());
            return self.stop(
                client.node,
                HopAction::Unresolved,
                client.ip.to_string(),
                url,
                Verdict::Unresolved,
                reason,
                client.place.clone(),
            );
        };
        let ingress_ref: &ResolvedIngress = &self.topology().ingresses[ingress];
        let route: IngressRoute = ingress_ref.routes[route].clone();
        let backend_port = route
            .resolved_port
            .map(|p| p.to_string())
            .unwrap_or_else(|| format!("{} (unresolved)", route.service_port));
        let detail = format!(
            "Ingress {}/{}: {why} → Service {}:{backend_port}",
            ingress_ref.namespace, ingress_ref.name, route.service,
        );
        let client_place = client.place.clone();
        let ingress_key = format!("{}/{}", ingress_ref.namespace, ingress_ref.name);

        let dial_port = port.unwrap_or(if https { 443 } else { 80 });
        let controller = ingress_ref
            .controller_service
            .as_ref()
            .and_then(|key| self.tracer.index.service(&key.namespace, &key.name));
        let Some(controller) = controller else {
            self.hop(
                client.node,
                HopAction::IngressRoute,
                client.ip.to_string(),
                url.clone(),
                detail,
                client_place.clone(),
                client_place.clone(),
            );
            let class = ingress_ref
                .class_name
                .clone()
                .unwrap_or_else(|| "(none)".to_string());
            let note = format!("the ingress controller's Service for class {class} is unknown (not in the input), so kubetopo goes straight to the backend Service {} as the controller would", route.service);
            self.hop(
                client.node,
                HopAction::Proxy,
                client.ip.to_string(),
                route.service.to_string(),
                note,
                client_place.clone(),
                client_place.clone(),
            );
            return self.proxy_to_backend(client, None, &route, &ingress_key);
        };
        let controller_ref = self.service(controller);
        // An external client (or a pod resolving the public host name) reaches the
        // controller's external address; in-cluster without one, its ClusterIP.
        let address = controller_ref
            .load_balancer_ips
            .first()
            .or_else(|| ingress_ref.addresses.first())
            .or_else(|| controller_ref.external_ips.first())
            .copied()
            .map(|ip| (ip, dial_port));
        let controller_port = controller_ref
            .ports
            .iter()
            .find(|p| p.port == dial_port && p.protocol == Protocol::Tcp)
            .or_else(|| {
                controller_ref
                    .ports
                    .iter()
                    .find(|p| p.name.as_deref() == Some(if https { "https" } else { "http" }))
            })
            .or_else(|| controller_ref.ports.first())
            .cloned();
        let Some(controller_port) = controller_port else {
            let reason = format!(
                "the ingress controller Service {} has no ports",
                controller_ref.key()
            );
            return self.stop(
                client.node,
                HopAction::Unresolved,
                client.ip.to_string(),
                url,
                Verdict::Unresolved,
                reason,
                client_place,
            );
        };
        let (ip, _dial_port, entry) = match (address, client.kind) {
            (Some((ip, _)), _) => (
                ip,
                controller_port.port,
                if controller_ref.load_balancer_ips.contains(&ip) {
                    Entry::LoadBalancer
                } else {
                    Entry::ExternalIp
                },
            ),
            (None, ClientKind::External) => match (
                controller_port.node_port,
                self.topology().cluster.nodes.iter().position(|n| n.ready),
            ) {
                (Some(node_port), Some(node)) => (
                    self.node(node).internal_ip,
                    node_port,
                    Entry::NodePort { node },
                ),
                _ => {
                    let reason = format!("the ingress controller Service {} has no external address or nodePort, so {host} cannot be reached from outside", controller_ref.key());
                    return self.stop(
                        None,
                        HopAction::Unresolved,
                        client.ip.to_string(),
                        url,
                        Verdict::Unresolved,
                        reason,
                        client_place,
                    );
                }
            },
            (None, _) => match controller_ref.cluster_ips.first() {
                Some(ip) => (*ip, controller_port.port, Entry::ClusterIp),
                None => {
                    let reason = format!(
                        "the ingress controller Service {} has no address",
                        controller_ref.key()
                    );
                    return self.stop(
                        client.node,
                        HopAction::Unresolved,
                        client.ip.to_string(),
                        url,
                        Verdict::Unresolved,
                        reason,
                        client_place,
                    );
                }
            },
        };
        if host.parse::<IpAddr>().is_err() {
            let dns_detail = format!("{host} resolves (public DNS, assumed) to {ip}, the address of ingress controller Service {}", controller_ref.key());
            self.hop(
                client.node,
                HopAction::Dns,
                client.ip.to_string(),
                host.to_string(),
                dns_detail,
                client_place.clone(),
                client_place.clone(),
            );
        }
        self.hop(
            client.node,
            HopAction::IngressRoute,
            client.ip.to_string(),
            url,
            detail,
            client_place.clone(),
            client_place,
        );
        let first_leg = self.route_service(client, controller, entry, ip, controller_port);
        if first_leg.verdict != Verdict::Delivered {
            return first_leg;
        }
        let controller_pod = first_leg
            .endpoint
            .as_ref()
            .and_then(|e| e.pod.as_ref())
            .and_then(|pod| {
                self.tracer
                    .index
                    .pods
                    .get(&(pod.namespace.clone(), pod.name.clone()))
                    .copied()
            });
        let Some(controller_pod) = controller_pod else {
            return Outcome::new(
                Verdict::Delivered,
                format!(
                    "{}; the controller is not a known pod, so the backend hop is not traced",
                    first_leg.reason
                ),
            );
        };
        let controller_client = match self.pod_client(controller_pod) {
            Ok(c) => c,
            Err(outcome) => return outcome,
        };
        self.proxy_to_backend(
            &controller_client,
            Some(&controller_client.label.clone()),
            &route,
            &ingress_key,
        )
    }

    /// The controller (or, when unknown, the client in its place) opens a connection to
    /// one endpoint of the backend Service. Controllers balance over EndpointSlices
    /// themselves, so neither the ClusterIP nor kube-proxy is involved.
    fn proxy_to_backend(
        &mut self,
        proxy: &Client,
        proxy_label: Option<&str>,
        route: &IngressRoute,
        ingress_key: &str,
    ) -> Outcome {
        let Some(service) = self
            .tracer
            .index
            .service(&route.service.namespace, &route.service.name)
        else {
            let reason = format!("Ingress {ingress_key} routes to Service {}, which does not exist: the controller answers 503", route.service);
            return self.stop(
                proxy.node,
                HopAction::Reject,
                proxy.ip.to_string(),
                route.service.to_string(),
                Verdict::Rejected,
                reason,
                proxy.place.clone(),
            );
        };
        let service_ref = self.service(service);
        if service_ref.service_type == ServiceType::ExternalName {
            let target = service_ref.external_name.clone().unwrap_or_default();
            return self.leave_cluster(
                proxy,
                &target,
                route.resolved_port,
                format!(
                    "backend Service {} is ExternalName, a CNAME to {target}",
                    service_ref.key()
                ),
            );
        }
        let Some(service_port) = route
            .resolved_port
            .and_then(|p| service_ref.ports.iter().find(|sp| sp.port == p))
            .cloned()
        else {
            let reason = format!("Ingress {ingress_key} names port {} of Service {}, which it does not have: the controller answers 503", route.service_port, route.service);
            return self.stop(
                proxy.node,
                HopAction::Reject,
                proxy.ip.to_string(),
                route.service.to_string(),
                Verdict::Rejected,
                reason,
                proxy.place.clone(),
            );
        };
        let usable: Vec<usize> = service_ref
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.ready && endpoint_port(e, &service_port).is_some() && !e.addresses.is_empty()
            })
            .map(|(i, _)| i)
            .collect();
        let (candidates, fallback) = if usable.is_empty() {
            (
                service_ref
                    .endpoints
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        e.serving
                            && e.terminating
                            && endpoint_port(e, &service_port).is_some()
                            && !e.addresses.is_empty()
                    })
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>(),
                true,
            )
        } else {
            (usable, false)
        };
        if candidates.is_empty() {
            let reason = format!("Service {} has no ready endpoint for port {}: the ingress controller answers 503 Service Unavailable", service_ref.key(), port_label(&service_port));
            return self.stop(
                proxy.node,
                HopAction::Reject,
                proxy.ip.to_string(),
                route.service.to_string(),
                Verdict::Rejected,
                reason,
                proxy.place.clone(),
            );
        }
        let endpoint = candidates[self.choose(candidates.len())];
        let endpoint_ref = &service_ref.endpoints[endpoint];
        let endpoint_ip = endpoint_ref.addresses[0];
        let endpoint_port_number =
            endpoint_port(endpoint_ref, &service_port).unwrap_or(service_port.port);
        let who = proxy_label
            .map(|l| format!("the ingress controller, {l},"))
            .unwrap_or_else(|| "the request".to_string());
        let detail = format!(
            "{who} proxies to Service {} port {}: controllers balance over its {} {}endpoint{} themselves (no ClusterIP, no kube-proxy) and pick {} ({})",
            service_ref.key(),
            port_label(&service_port),
            candidates.len(),
            if fallback { "serving-terminating " } else { "ready " },
            if candidates.len() == 1 { "" } else { "s" },
            endpoint_label(endpoint_ref),
            socket(endpoint_ip, endpoint_port_number)
        );
        let proxy_place = proxy.place.clone();
        self.hop(
            proxy.node,
            HopAction::Proxy,
            proxy.ip.to_string(),
            socket(endpoint_ip, endpoint_port_number),
            detail,
            proxy_place.clone(),
            proxy_place,
        );
        let via = format!("Ingress {ingress_key} and Service {}", service_ref.key());
        let source_ip = proxy.ip;
        self.reach_endpoint(
            proxy,
            source_ip,
            proxy.node,
            &endpoint_ref.clone(),
            endpoint_ip,
            endpoint_port_number,
            &via,
        )
    }

    /// The best Ingress route for a host and path: exact hosts before wildcards before
    /// rules without a host, then Exact paths before the longest Prefix; default
    /// backends last. Returns (ingress, route, explanation).
    fn match_ingress(&self, host: &str, path: &str) -> Option<(usize, usize, String)> {
        let host = host.to_ascii_lowercase();
        // (host rank, path rank, prefix length), ingress, route, explanation.
        type Candidate = ((u8, u8, usize), usize, usize, String);
        let mut best: Option<Candidate> = None;
        for (ingress_index, ingress) in self.topology().ingresses.iter().enumerate() {
            for (route_index, route) in ingress.routes.iter().enumerate() {
                let host_rank = match route.host.as_deref().map(str::to_ascii_lowercase) {
                    _ if route.default_backend => 0,
                    None => 1,
                    Some(rule_host) if rule_host == host => 3,
                    Some(rule_host) => match rule_host.strip_prefix("*.") {
                        // A wildcard covers exactly one extra label.
                        Some(suffix)
                            if host
                                .strip_suffix(suffix)
                                .and_then(|h| h.strip_suffix('.'))
                                .is_some_and(|label| !label.is_empty() && !label.contains('.')) =>
                        {
                            2
                        }
                        _ => continue,
                    },
                };
                let (path_rank, length, how) = match route.path_type.as_str() {
                    "Exact" if route.path == path => {
                        (2, route.path.len(), format!("path {} (Exact)", route.path))
                    }
                    "Exact" => continue,
                    other => {
                        if !prefix_matches(&route.path, path) {
                            continue;
                        }
                        let note = if other == "Prefix" {
                            "Prefix".to_string()
                        } else {
                            format!("{other}, read as Prefix")
                        };
                        (
                            1,
                            route.path.trim_end_matches('/').len(),
                            format!("path {} ({note})", route.path),
                        )
                    }
                };
                let host_text = match (&route.host, route.default_backend) {
                    (_, true) => "default backend".to_string(),
                    (Some(h), _) => format!("host {h}"),
                    (None, _) => "any host".to_string(),
                };
                let rank = (host_rank, path_rank, length);
                if best.as_ref().is_none_or(|(b, ..)| rank > *b) {
                    best = Some((
                        rank,
                        ingress_index,
                        route_index,
                        format!("{host_text}, {how}"),
                    ));
                }
            }
        }
        best.map(|(_, ingress, route, why)| (ingress, route, why))
    }
}

/// Ingress `Prefix` matching: element-wise on `/`-separated path segments, so `/foo`
/// matches `/foo` and `/foo/bar` but not `/foobar`.
fn prefix_matches(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return true;
    }
    let path_trimmed = path.trim_end_matches('/');
    path_trimmed == prefix || path.starts_with(&format!("{prefix}/"))
}

// ---------------------------------------------------------------------------
// §5.1 endpoint selection
// ---------------------------------------------------------------------------

/// The endpoint sets kube-proxy computes on one node (`CategorizeEndpoints`).
struct EndpointSets {
    cluster: Vec<usize>,
    cluster_note: String,
    local: Vec<usize>,
    local_note: String,
    has_endpoints: bool,
}

fn categorize(
    service: &ResolvedService,
    service_port: &ResolvedPort,
    node: &ClusterNode,
) -> EndpointSets {
    let usable: Vec<usize> = service
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.addresses.is_empty() && endpoint_port(e, service_port).is_some())
        .map(|(i, _)| i)
        .collect();
    let ready: Vec<usize> = usable
        .iter()
        .copied()
        .filter(|&i| service.endpoints[i].ready)
        .collect();
    let serving_terminating = |only_local: bool| -> Vec<usize> {
        usable
            .iter()
            .copied()
            .filter(|&i| {
                let e = &service.endpoints[i];
                e.serving
                    && e.terminating
                    && (!only_local || e.node.as_deref() == Some(node.name.as_str()))
            })
            .collect()
    };
    let has_endpoints = !ready.is_empty() || !serving_terminating(false).is_empty();

    // Topology (§5.1 topologyModeFromHints), computed over ready endpoints only.
    let all_node_hints = !ready.is_empty()
        && ready
            .iter()
            .all(|&i| !service.endpoints[i].hint_nodes.is_empty());
    let node_hinted: Vec<usize> = ready
        .iter()
        .copied()
        .filter(|&i| service.endpoints[i].hint_nodes.contains(&node.name))
        .collect();
    let all_zone_hints = !ready.is_empty()
        && ready
            .iter()
            .all(|&i| !service.endpoints[i].hint_zones.is_empty());
    let zone_hinted: Vec<usize> = match &node.zone {
        Some(zone) => ready
            .iter()
            .copied()
            .filter(|&i| service.endpoints[i].hint_zones.iter().any(|z| z == zone))
            .collect(),
        None => Vec::new(),
    };
    let names = |set: &[usize]| -> String {
        set.iter()
            .map(|&i| endpoint_label(&service.endpoints[i]))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (cluster, mut cluster_note) = if all_node_hints && !node_hinted.is_empty() {
        let note = format!(
            "Cluster set: topology PreferSameNode, {} of {} ready endpoints are hinted for {} ({})",
            node_hinted.len(),
            ready.len(),
            node.name,
            names(&node_hinted)
        );
        (node_hinted, note)
    } else if all_zone_hints && !zone_hinted.is_empty() {
        let zone = node.zone.clone().unwrap_or_default();
        let note = format!("Cluster set: topology PreferSameZone, {} of {} ready endpoints are hinted for zone {zone} of {} ({})", zone_hinted.len(), ready.len(), node.name, names(&zone_hinted));
        (zone_hinted, note)
    } else {
        let why = if service.traffic_distribution.is_some()
            || ready
                .iter()
                .any(|&i| !service.endpoints[i].hint_zones.is_empty())
        {
            if node.zone.is_none() {
                " (topology hints ignored: the node has no zone label)"
            } else if !all_zone_hints {
                " (topology hints ignored: some ready endpoint has no hint)"
            } else {
                " (topology hints ignored: no endpoint is hinted for this zone)"
            }
        } else {
            ""
        };
        (
            ready.clone(),
            format!(
                "Cluster set: {} ready endpoint{}{why}",
                ready.len(),
                if ready.len() == 1 { "" } else { "s" }
            ),
        )
    };
    let cluster = if cluster.is_empty() {
        let fallback = serving_terminating(false);
        cluster_note = format!("Cluster set: no ready endpoint, so the KEP-1669 fallback uses the {} serving terminating endpoint{} ({})", fallback.len(), if fallback.len() == 1 { "" } else { "s" }, names(&fallback));
        fallback
    } else {
        cluster
    };
    let local_ready: Vec<usize> = ready
        .iter()
        .copied()
        .filter(|&i| service.endpoints[i].node.as_deref() == Some(node.name.as_str()))
        .collect();
    let (local, local_note) = if local_ready.is_empty() {
        let fallback = serving_terminating(true);
        let note = if fallback.is_empty() {
            format!(
                "Local set: no ready or serving-terminating endpoint on {}",
                node.name
            )
        } else {
            format!("Local set: no ready endpoint on {}, so the fallback uses {} serving terminating endpoint{} ({})", node.name, fallback.len(), if fallback.len() == 1 { "" } else { "s" }, names(&fallback))
        };
        (fallback, note)
    } else {
        let note = format!(
            "Local set: {} ready endpoint{} on {} ({})",
            local_ready.len(),
            if local_ready.len() == 1 { "" } else { "s" },
            node.name,
            names(&local_ready)
        );
        (local_ready, note)
    };
    EndpointSets {
        cluster,
        cluster_note,
        local,
        local_note,
        has_endpoints,
    }
}

fn n_local_ready(service: &ResolvedService, service_port: &ResolvedPort, node_name: &str) -> usize {
    service
        .endpoints
        .iter()
        .filter(|e| {
            e.ready
                && e.node.as_deref() == Some(node_name)
                && !e.addresses.is_empty()
                && endpoint_port(e, service_port).is_some()
        })
        .count()
}

/// ClientIP affinity: the endpoint depends only on the client IP, the node and the
/// set, never on the seed. Rendezvous hashing keeps clients of surviving endpoints
/// where they were when the set changes, like the `recent` module's memory would.
fn affinity_pick(
    service: &ResolvedService,
    set: &[usize],
    client_ip: IpAddr,
    node_name: &str,
    port_name: &str,
) -> usize {
    let client = client_ip.to_string();
    set.iter()
        .copied()
        .max_by_key(|&i| {
            let address = service.endpoints[i]
                .addresses
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            (
                stable_hash(&[&client, node_name, port_name, &address]),
                std::cmp::Reverse(i),
            )
        })
        .unwrap_or(set[0])
}

/// The endpoint's port for a Service port, matched by name and protocol (§4).
pub fn endpoint_port(endpoint: &Endpoint, service_port: &ResolvedPort) -> Option<i64> {
    endpoint
        .ports
        .iter()
        .find(|p| p.name == service_port.name && p.protocol == service_port.protocol)
        .map(|p| p.port)
}

/// The endpoint address of the same family as the destination.
fn endpoint_address(endpoint: &Endpoint, destination: IpAddr) -> IpAddr {
    endpoint
        .addresses
        .iter()
        .copied()
        .find(|a| a.is_ipv4() == destination.is_ipv4())
        .unwrap_or(endpoint.addresses[0])
}

fn endpoint_label(endpoint: &Endpoint) -> String {
    let state = if endpoint.terminating {
        ", terminating"
    } else if !endpoint.ready {
        ", not ready"
    } else {
        ""
    };
    let node = endpoint
        .node
        .as_deref()
        .map(|n| format!(" on {n}"))
        .unwrap_or_default();
    match &endpoint.pod {
        Some(pod) => format!("{pod}{node}{state}"),
        None => format!(
            "{}{node}{state}",
            endpoint
                .addresses
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        ),
    }
}

fn describe_container_port(pod: &ClusterPod, port: i64, protocol: Protocol) -> String {
    let declared = pod.spec.containers.iter().find_map(|c| {
        c.ports
            .iter()
            .find(|p| p.container_port == port && p.protocol == protocol)
            .map(|p| (c, p))
    });
    match declared {
        Some((container, container_port)) => format!("container {} declares {}{port}/{protocol}", container.name, container_port.name.as_deref().map(|n| format!("{n} ")).unwrap_or_default()),
        None if pod.spec.containers.iter().all(|c| c.ports.is_empty()) => String::new(),
        None => format!("no container of {} declares port {port}/{protocol}: the packet arrives, but unless something listens there the connection is refused", pod.key()),
    }
}

/// The part of an allowed NetworkPolicy verdict that concerns one side. The policy
/// engine explains both sides at once ("allowed by A (egress rule 0) and B (ingress
/// rule 1)"), while a trace shows egress at the source and ingress at the destination.
fn side_detail(
    verdict: &netpol::Verdict,
    direction: PolicyDirection,
    pod_key: &NamespacedName,
    isolating: &[String],
) -> String {
    let word = match direction {
        PolicyDirection::Ingress => "ingress",
        PolicyDirection::Egress => "egress",
    };
    let by = if isolating.is_empty() {
        String::new()
    } else {
        format!(" by {}", isolating.join(", "))
    };
    if !verdict.allowed {
        // The other side denies; this side passed.
        return format!(
            "{word} of {pod_key} is isolated{by}, and one of their rules allows this connection"
        );
    }
    let clauses = verdict
        .reason
        .split("; ")
        .next()
        .unwrap_or("")
        .strip_prefix("allowed by ")
        .unwrap_or("");
    let mine: Vec<&str> = clauses
        .split(" and ")
        .filter(|clause| clause.contains(&format!("({word} rule")))
        .collect();
    if mine.is_empty() {
        format!("{word} of {pod_key} is isolated{by}; {}", verdict.reason)
    } else {
        format!(
            "{word} of {pod_key} is isolated{by}; allowed by {}",
            mine.join(" and ")
        )
    }
}

/// `svcPortName` as kube-proxy writes it: `ns/name:port` or `ns/name` when unnamed.
fn service_port_name(service: &ResolvedService, port: &ResolvedPort) -> String {
    match port.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{}/{}:{name}", service.namespace, service.name),
        None => format!("{}/{}", service.namespace, service.name),
    }
}

fn port_label(port: &ResolvedPort) -> String {
    match &port.name {
        Some(name) if !name.is_empty() => format!("{name} ({}/{})", port.port, port.protocol),
        _ => format!("{}/{}", port.port, port.protocol),
    }
}

fn describe_ports(ports: &[ResolvedPort]) -> String {
    if ports.is_empty() {
        return "no ports".to_string();
    }
    ports
        .iter()
        .map(|p| format!("{}/{}", p.port, p.protocol))
        .collect::<Vec<_>>()
        .join(", ")
}

fn socket(ip: IpAddr, port: i64) -> String {
    match ip {
        IpAddr::V4(_) => format!("{ip}:{port}"),
        IpAddr::V6(_) => format!("[{ip}]:{port}"),
    }
}

fn destination_text(destination: &Destination) -> String {
    destination.to_string()
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Name { host, port } => match port {
                Some(port) => write!(f, "{host}:{port}"),
                None => f.write_str(host),
            },
            Destination::Address { ip, port } => f.write_str(&socket(*ip, *port)),
            Destination::Url {
                https,
                host,
                port,
                path,
            } => write!(
                f,
                "{}://{host}{}{path}",
                if *https { "https" } else { "http" },
                port.map(|p| format!(":{p}")).unwrap_or_default()
            ),
            Destination::AnyNodePort { node_port } => write!(f, "any node:{node_port}"),
        }
    }
}

impl fmt::Display for TraceSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceSource::External { client_ip } => write!(f, "external {client_ip}"),
            TraceSource::Node { name } => write!(f, "node/{name}"),
            TraceSource::Pod { namespace, name } => write!(f, "pod/{namespace}/{name}"),
            TraceSource::Workload { namespace, name } => write!(f, "{namespace}/{name}"),
        }
    }
}

fn list_or_none(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

fn cidr_contains(range: &str, ip: IpAddr) -> bool {
    let Some((address, prefix)) = range.trim().split_once('/') else {
        return range
            .trim()
            .parse::<IpAddr>()
            .is_ok_and(|single| single == ip);
    };
    let (Ok(network), Ok(prefix)) = (address.parse::<IpAddr>(), prefix.parse::<u32>()) else {
        return false;
    };
    match (network, ip) {
        (IpAddr::V4(network), IpAddr::V4(ip)) if prefix <= 32 => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            u32::from(network) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(ip)) if prefix <= 128 => {
            let mask = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            u128::from(network) & mask == u128::from(ip) & mask
        }
        _ => false,
    }
}

fn serialize_display<S: serde::Serializer>(
    value: &IpAddr,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

// ---------------------------------------------------------------------------
// kube-proxy chain names (§5.2): base32(sha256(svcPortName + proto))[:16]
// ---------------------------------------------------------------------------

/// The hash in `KUBE-SVC-`, `KUBE-SVL-`, `KUBE-EXT-` and `KUBE-FW-` chain names.
pub fn port_proto_hash(service_port_name: &str, protocol_lowercase: &str) -> String {
    base32_prefix(
        &sha256(format!("{service_port_name}{protocol_lowercase}").as_bytes()),
        16,
    )
}

/// The hash in a `KUBE-SEP-` chain name; `endpoint` is `ip:port`.
pub fn endpoint_chain_hash(
    service_port_name: &str,
    protocol_lowercase: &str,
    endpoint: &str,
) -> String {
    base32_prefix(
        &sha256(format!("{service_port_name}{protocol_lowercase}{endpoint}").as_bytes()),
        16,
    )
}

fn base32_prefix(bytes: &[u8], n_chars: usize) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(n_chars);
    let mut buffer: u64 = 0;
    let mut n_bits = 0;
    for &byte in bytes {
        buffer = (buffer << 8) | u64::from(byte);
        n_bits += 8;
        while n_bits >= 5 {
            n_bits -= 5;
            out.push(ALPHABET[((buffer >> n_bits) & 31) as usize] as char);
            if out.len() == n_chars {
                return out;
            }
        }
    }
    if n_bits > 0 && out.len() < n_chars {
        out.push(ALPHABET[((buffer << (5 - n_bits)) & 31) as usize] as char);
    }
    out
}

/// SHA-256 (FIPS 180-4); only used for chain names, so a small portable version.
fn sha256(message: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut state: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&((message.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in padded.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = state;
        for i in 0..64 {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = h
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            h = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (slot, value) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
            *slot = slot.wrapping_add(value);
        }
    }
    let mut out = [0u8; 32];
    for (i, word) in state.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_names_match_kube_proxy_test_vectors() {
        assert_eq!(
            format!(
                "KUBE-SVC-{}",
                port_proto_hash("default/kubernetes:https", "tcp")
            ),
            "KUBE-SVC-NPX46M4PTMTKRN6Y"
        );
        assert_eq!(
            format!(
                "KUBE-SVC-{}",
                port_proto_hash("kube-system/kube-dns:dns", "udp")
            ),
            "KUBE-SVC-TCOU7JCQXEZGVUNU"
        );
        assert_eq!(
            format!(
                "KUBE-SVC-{}",
                port_proto_hash("kube-system/kube-dns:dns-tcp", "tcp")
            ),
            "KUBE-SVC-ERIFXISQEP7F7OF4"
        );
    }

    #[test]
    fn sha256_of_abc() {
        let digest = sha256(b"abc");
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn prefix_matching_is_element_wise() {
        assert!(prefix_matches("/", "/anything"));
        assert!(prefix_matches("/foo", "/foo"));
        assert!(prefix_matches("/foo", "/foo/bar"));
        assert!(prefix_matches("/foo/", "/foo"));
        assert!(!prefix_matches("/foo", "/foobar"));
    }

    #[test]
    fn destinations_parse() {
        assert_eq!(
            parse_destination("cartservice:7070").unwrap(),
            Destination::Name {
                host: "cartservice".into(),
                port: Some(7070)
            }
        );
        assert_eq!(
            parse_destination("10.96.0.1:443").unwrap(),
            Destination::Address {
                ip: "10.96.0.1".parse().unwrap(),
                port: 443
            }
        );
        assert_eq!(
            parse_destination("http://shop.example.com/cart?x=1").unwrap(),
            Destination::Url {
                https: false,
                host: "shop.example.com".into(),
                port: None,
                path: "/cart".into()
            }
        );
        assert!(parse_destination("10.96.0.1").is_err());
        assert!(parse_destination("web:99999").is_err());
        assert!(parse_destination("").is_err());
        assert!(parse_destination("ftp://x").is_err());
    }
}
