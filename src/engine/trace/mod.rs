//! Trace: one connection through the cluster, every hop explained.
//!
//! A trace follows what kube-proxy (iptables mode), cluster DNS and NetworkPolicy
//! would do with one connection, using the rules of `docs/semantics.md` §5 and §6:
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
//! The submodules follow the path of a packet: `request` (what to trace, parsed from
//! text), `index` (who owns each address), `dns`, `address` (a destination given as
//! an address), `kube_proxy` (capture, endpoint choice, NAT), `ingress`, `delivery`
//! (forwarding, NetworkPolicy, arrival) and `chain_hash` (kube-proxy's chain names).
//! This module holds the public types, the [`Tracer`] and the hop recorder (`Hops`)
//! the submodules write to.
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

mod address;
mod chain_hash;
mod delivery;
mod dns;
mod gateway;
mod index;
mod ingress;
mod kube_proxy;
mod request;

pub use chain_hash::{endpoint_chain_hash, port_proto_hash};
pub use index::TraceIndex;
pub use kube_proxy::endpoint_port;
pub use request::{
    external_client_ip, parse_destination, parse_header, parse_http_request, parse_method,
    parse_protocol, parse_source, Destination, RequestPart, Scheme, TraceError, TraceErrorKind,
    TraceRequest, TraceSource, DEFAULT_CLIENT_IP,
};

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::cluster::{ClusterNode, ClusterPod};
use super::config::SplitMix64;
use super::model::*;
use super::netpol::{self, PolicyEngine};
use super::refs::NamespacedName;
use super::resolve::{Endpoint, ResolvedPort, ResolvedService};
use super::Topology;
use index::AddressOwner;

/// What happened to the connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Delivered,
    /// Silently dropped: the client times out.
    Dropped,
    /// Refused at once (ICMP port unreachable, or an HTTP error from a proxy).
    Rejected,
    /// The name or address leads nowhere (or a proxy answers 404).
    Unresolved,
    /// A Gateway answers with a redirect (3xx) instead of forwarding (§11.8).
    Redirected,
    /// A Gateway answers the request itself with a success (a CORS preflight,
    /// §11.8): no backend sees it.
    Answered,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Delivered => "delivered",
            Verdict::Dropped => "dropped",
            Verdict::Rejected => "rejected",
            Verdict::Unresolved => "unresolved",
            Verdict::Redirected => "redirected",
            Verdict::Answered => "answered",
        }
    }
    pub const ALL: [Verdict; 6] = [
        Verdict::Delivered,
        Verdict::Dropped,
        Verdict::Rejected,
        Verdict::Unresolved,
        Verdict::Redirected,
        Verdict::Answered,
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
    /// A Gateway's proxy chooses the listener (§11.3).
    GatewayListener,
    /// A Gateway's proxy chooses the Route and rule (§11.6).
    GatewayRoute,
    /// A Route filter changes or answers the request (§11.8).
    GatewayFilter,
    /// A Gateway's proxy chooses a backend by weight (§11.7).
    GatewayBackend,
    /// A proxy (an ingress controller or a Gateway) opens a new connection to a backend.
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
            HopAction::GatewayListener => "gateway-listener",
            HopAction::GatewayRoute => "gateway-route",
            HopAction::GatewayFilter => "gateway-filter",
            HopAction::GatewayBackend => "gateway-backend",
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
    /// The cloud load balancer of a Service (`namespace/name`).
    LoadBalancer(NamespacedName),
    /// A node, by name.
    Node(String),
    /// A pod, `namespace/name`.
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
    /// The Service whose rules this hop applies (kube-proxy's capture), so that a
    /// drawing can light the Service up; not part of the JSON, whose `detail` names it.
    #[serde(skip)]
    pub service: Option<NamespacedName>,
}

/// The endpoint the connection reached.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TraceEndpoint {
    /// `namespace/name`, or `None` for a manual endpoint.
    pub pod: Option<NamespacedName>,
    #[serde(serialize_with = "serialize_display")]
    pub ip: IpAddr,
    pub port: i64,
}

/// The version of the trace document (`docs/trace.md`). Version 2 added the
/// `redirected` verdict, the `gateway-*` hop actions and the `http` object;
/// version 3 the `answered` verdict and `http.responseHeaders`.
pub const TRACE_SCHEMA_VERSION: u32 = 3;

/// One connection, every hop explained.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    pub schema_version: u32,
    pub verdict: Verdict,
    /// The outcome in plain words, naming the rule that decided it.
    pub reason: String,
    pub hops: Vec<Hop>,
    pub endpoint: Option<TraceEndpoint>,
    /// Why it ended so, typed; not part of the JSON, whose `reason` says it in full.
    #[serde(skip)]
    pub cause: Cause,
    /// What a Gateway answered, for requests through one (§11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpResult>,
    /// What an ingress controller decided, for URLs through an Ingress (§9).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressResult>,
}

/// The decision of an ingress controller for one URL (§9.2, §9.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressResult {
    /// The Ingress whose rule matched (the main one when a canary took the request).
    pub ingress: NamespacedName,
    /// The Service the controller proxies to; `None` when it redirects.
    pub backend_service: Option<NamespacedName>,
    /// True when a canary Ingress's backend took the request.
    pub canary: bool,
    /// Where a redirect sends the client.
    pub location: Option<String>,
    /// The path as the backend sees it, after `rewrite-target`.
    pub request_path: String,
}

/// Why a connection ended as it did, typed, so that the shells can label a drop in a
/// few words ([`Cause::label`]) without reading the reason.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cause {
    Delivered,
    /// The Service has no ready or serving endpoint at all (§5.2).
    NoEndpoints,
    /// Traffic policy Local and no endpoint on the routing node (§5.2).
    NoLocalEndpoint,
    /// NetworkPolicies isolating the denying side, none of which allows it (§8).
    DeniedByPolicy(Vec<NamespacedName>),
    /// The client is outside the Service's `loadBalancerSourceRanges` (§5.2).
    SourceRange,
    /// The node the packet reached is NotReady.
    NodeNotReady,
    /// Anything else, by its verdict; the reason says more.
    Other(Verdict),
}

impl Cause {
    /// A few words: "no endpoints", "no local endpoint", "denied by policy cartservice, deny-all".
    pub fn label(&self) -> String {
        match self {
            Cause::Delivered => "delivered".to_string(),
            Cause::NoEndpoints => "no endpoints".to_string(),
            Cause::NoLocalEndpoint => "no local endpoint".to_string(),
            Cause::DeniedByPolicy(policies) => {
                let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
                if names.is_empty() {
                    "denied by policy".to_string()
                } else {
                    format!("denied by policy {}", names.join(", "))
                }
            }
            Cause::SourceRange => "outside loadBalancerSourceRanges".to_string(),
            Cause::NodeNotReady => "node not ready".to_string(),
            Cause::Other(Verdict::Unresolved) => "nothing answers".to_string(),
            Cause::Other(verdict) => verdict.as_str().to_string(),
        }
    }
}

/// The HTTP (or gRPC) side of a request through a Gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpResult {
    /// `None` for a TLS connection refused before any HTTP is spoken.
    pub status: Option<u16>,
    pub grpc_status: Option<&'static str>,
    pub gateway: NamespacedName,
    pub listener: Option<String>,
    /// `Kind/namespace/name`.
    pub route: Option<String>,
    pub rule: Option<usize>,
    pub backend_service: Option<NamespacedName>,
    pub location: Option<String>,
    /// The path and headers as the backend sees them, after filters.
    pub request_path: String,
    pub request_headers: std::collections::BTreeMap<String, String>,
    /// The headers the Gateway adds to or sets on the response: a
    /// ResponseHeaderModifier's `set` and `add`, and CORS (§11.8).
    pub response_headers: std::collections::BTreeMap<String, String>,
}

/// The HTTP parts of a request that a URL does not carry (`--method`, `--header`,
/// `--host`, `--sni`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpOptions {
    pub method: String,
    pub headers: Vec<(String, String)>,
    /// The Host header (or `:authority`), when it differs from the URL's host.
    pub host: Option<String>,
    /// The TLS SNI, when it differs from the URL's host.
    pub sni: Option<String>,
}

impl Default for HttpOptions {
    fn default() -> HttpOptions {
        HttpOptions {
            method: "GET".to_string(),
            headers: Vec::new(),
            host: None,
            sni: None,
        }
    }
}

impl HttpOptions {
    /// The Host the request is routed by, when not the URL's: `--host`, else a
    /// `Host` header among the headers (the request form's way to say it, and
    /// curl's).
    pub fn host_header(&self) -> Option<&str> {
        self.host.as_deref().or_else(|| {
            (self.headers.iter())
                .find(|(name, _)| name.eq_ignore_ascii_case("host"))
                .map(|(_, value)| value.as_str())
        })
    }
}

/// Makes the random choices of a trace. `choose(n)` returns an index below `n`; it
/// is only called with `n >= 2`.
pub trait Chooser {
    fn choose(&mut self, n: usize) -> usize;

    /// An index below `n` for any `n`: 0 when there is nothing to choose, and never
    /// past the end whatever `choose` returns.
    fn pick(&mut self, n: usize) -> usize {
        if n <= 1 {
            0
        } else {
            self.choose(n).min(n - 1)
        }
    }
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

/// The same document as [`to_json`], as YAML.
pub fn to_yaml(trace: &Trace) -> String {
    serde_yaml::to_string(trace).unwrap_or_else(|_| "{}\n".to_string())
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
        // The policy engine reuses what the index found each pod selected by.
        let (index, selections) = match index {
            Cow::Borrowed(index) => (
                Cow::Borrowed(index),
                index.policies.as_ref().map(Cow::Borrowed),
            ),
            Cow::Owned(mut index) => {
                let selections = index.policies.take().map(Cow::Owned);
                (Cow::Owned(index), selections)
            }
        };
        let policies =
            (!topology.manifests.network_policies.is_empty()).then(|| match selections {
                Some(selections) => PolicyEngine::with_selections(
                    &topology.manifests,
                    &topology.cluster,
                    selections,
                ),
                None => PolicyEngine::new(&topology.manifests, &topology.cluster),
            });
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
                self.check_external_clients(*client_ip..=*client_ip)
            }
            TraceSource::ExternalClients { .. } => {
                let first = external_client_ip(0);
                let last = external_client_ip(source.n_clients() - 1);
                if first <= last {
                    self.check_external_clients(first..=last)
                } else {
                    // The addresses wrap around the end of the IPv4 space.
                    let end = IpAddr::V4(std::net::Ipv4Addr::BROADCAST);
                    let start = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);
                    self.check_external_clients(first..=end)?;
                    self.check_external_clients(start..=last)
                }
            }
            TraceSource::Node { name } => match self.index.nodes.get(name) {
                Some(_) => Ok(()),
                None => Err(
                    TraceError::new(TraceErrorKind::NoSuchNode, name).with_context(list_or_none(
                        self.topology.cluster.nodes.iter().map(|n| n.name.clone()),
                    )),
                ),
            },
            TraceSource::Pod { namespace, name } => {
                match self.index.pods.get(&NamespacedName::new(namespace, name)) {
                    Some(&position) => {
                        let pod = &self.topology.cluster.pods[position];
                        if pod.ips.is_empty() {
                            Err(TraceError::new(
                                TraceErrorKind::PodWithoutIp,
                                format!("{namespace}/{name}"),
                            )
                            .with_context(format!("{:?}", pod.phase)))
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
                        Err(TraceError::new(
                            TraceErrorKind::NoSuchPod,
                            format!("{namespace}/{name}"),
                        )
                        .with_context(format!(
                            "pods in {namespace}: {}",
                            list_or_none(in_namespace.into_iter())
                        )))
                    }
                }
            }
            TraceSource::Workload { namespace, name } => {
                if self.workload_pods(namespace, name).is_empty() {
                    Err(TraceError::new(
                        TraceErrorKind::WorkloadWithoutPod,
                        format!("{namespace}/{name}"),
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }

    /// An external client must not use the address of a node or pod: it would then be
    /// that node or pod, which sends from inside the cluster.
    fn check_external_clients(
        &self,
        addresses: std::ops::RangeInclusive<IpAddr>,
    ) -> Result<(), TraceError> {
        let taken = self.index.owners.range(addresses).find(|(_, owners)| {
            owners
                .iter()
                .any(|o| matches!(o, AddressOwner::Node(_) | AddressOwner::Pod(_)))
        });
        match taken {
            Some((ip, _)) => Err(TraceError::new(
                TraceErrorKind::ClientIpInCluster,
                ip.to_string(),
            )),
            None => Ok(()),
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
        self.trace_http(
            source,
            destination,
            protocol,
            &HttpOptions::default(),
            chooser,
        )
    }

    /// Like [`Tracer::trace`], with the HTTP parts of a URL request: method, headers,
    /// Host and SNI.
    pub fn trace_http(
        &self,
        source: &TraceSource,
        destination: &Destination,
        protocol: Protocol,
        http: &HttpOptions,
        chooser: &mut dyn Chooser,
    ) -> Trace {
        let mut run = Run {
            http_options: http.clone(),
            http_result: None,
            ingress_result: None,
            tracer: self,
            chooser,
            hops: Hops {
                nodes: &self.topology.cluster.nodes,
                recorded: Vec::new(),
                cause: None,
            },
            protocol,
        };
        let outcome = run.connect(source, destination);
        let Outcome {
            verdict,
            reason,
            endpoint,
        } = outcome;
        let cause = match (run.hops.cause.take(), verdict) {
            (_, Verdict::Delivered) => Cause::Delivered,
            (Some(cause), _) => cause,
            (None, verdict) => Cause::Other(verdict),
        };
        Trace {
            schema_version: TRACE_SCHEMA_VERSION,
            verdict,
            reason,
            hops: run.hops.recorded,
            endpoint,
            cause,
            http: run.http_result,
            ingress: run.ingress_result,
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
    /// `external client 198.51.100.7`, `pod default/web-x`, `node node-1`.
    label: String,
    /// Where the client sits (its node, for pods and nodes) with its address as a hop
    /// source: where the packet starts.
    at: Here,
}

impl Client {
    /// `node` is the node the client sits on (pods and nodes).
    fn new(
        kind: ClientKind,
        ip: IpAddr,
        node: Option<usize>,
        label: String,
        place: Place,
    ) -> Client {
        Client {
            kind,
            ip,
            label,
            at: Here {
                node,
                src: ip.to_string(),
                place,
            },
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientKind {
    External,
    Node,
    Pod(usize),
}

struct Run<'r, 't> {
    tracer: &'r Tracer<'t>,
    http_options: HttpOptions,
    http_result: Option<HttpResult>,
    ingress_result: Option<IngressResult>,
    chooser: &'r mut dyn Chooser,
    hops: Hops<'t>,
    protocol: Protocol,
}

/// Where a packet is during one stretch of its path, and the source address it
/// carries there: what consecutive hops have in common. A stretch is described once,
/// so its source address is formatted once rather than at every hop.
#[derive(Clone, Debug)]
struct Here {
    /// The node the hops happen on, when they happen on one.
    node: Option<usize>,
    /// The packet's source as these hops show it: an address, or `before → after`
    /// where a hop rewrites it.
    src: String,
    place: Place,
}

impl Here {
    /// The same source address, seen somewhere else.
    fn elsewhere(&self, node: Option<usize>, place: Place) -> Here {
        Here {
            node,
            src: self.src.clone(),
            place,
        }
    }
}

/// Records the hops of one trace in order, one method per kind of step, so that a
/// call site says what happens and where, and the recorder numbers the hops and
/// names their nodes.
struct Hops<'t> {
    nodes: &'t [ClusterNode],
    recorded: Vec<Hop>,
    /// Set just before a drop or reject whose cause has a name.
    cause: Option<Cause>,
}

impl Hops<'_> {
    /// Names the cause of the drop or reject that follows.
    fn because(&mut self, cause: Cause) -> &mut Self {
        self.cause = Some(cause);
        self
    }

    /// A step that leaves the packet where it is: a rule matches, a policy is checked,
    /// an address is rewritten.
    fn stay(
        &mut self,
        here: &Here,
        action: HopAction,
        dst: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.record(here, action, dst.into(), detail.into(), here.place.clone());
    }

    /// A step that carries the packet from `here` to `to`.
    fn go(
        &mut self,
        here: &Here,
        action: HopAction,
        dst: impl Into<String>,
        detail: impl Into<String>,
        to: Place,
    ) {
        self.record(here, action, dst.into(), detail.into(), to);
    }

    /// A query to cluster DNS and its answer.
    fn dns(&mut self, here: &Here, dst: impl Into<String>, detail: impl Into<String>) {
        self.go(here, HopAction::Dns, dst, detail, Place::Dns);
    }

    /// Ends the trace where the packet is: it is silently dropped.
    fn dropped(&mut self, here: &Here, dst: impl Into<String>, reason: String) -> Outcome {
        self.end(here, HopAction::Drop, dst.into(), Verdict::Dropped, reason)
    }

    /// Ends the trace where the packet is: it is refused at once.
    fn rejected(&mut self, here: &Here, dst: impl Into<String>, reason: String) -> Outcome {
        self.end(
            here,
            HopAction::Reject,
            dst.into(),
            Verdict::Rejected,
            reason,
        )
    }

    /// Ends the trace where the packet is: the name or address leads nowhere.
    fn unresolved(&mut self, here: &Here, dst: impl Into<String>, reason: String) -> Outcome {
        self.end(
            here,
            HopAction::Unresolved,
            dst.into(),
            Verdict::Unresolved,
            reason,
        )
    }

    fn end(
        &mut self,
        here: &Here,
        action: HopAction,
        dst: String,
        verdict: Verdict,
        reason: String,
    ) -> Outcome {
        self.record(here, action, dst, reason.clone(), here.place.clone());
        Outcome::new(verdict, reason)
    }

    fn record(&mut self, here: &Here, action: HopAction, dst: String, detail: String, to: Place) {
        self.recorded.push(Hop {
            step: self.recorded.len() + 1,
            node: here.node.map(|node| self.nodes[node].name.clone()),
            action,
            src: here.src.clone(),
            dst,
            detail,
            from: here.place.clone(),
            to,
            service: None,
        });
    }

    /// Names the Service whose rules the last recorded hop applied.
    fn of_service(&mut self, service: NamespacedName) {
        if let Some(hop) = self.recorded.last_mut() {
            hop.service = Some(service);
        }
    }
}

impl<'r, 't> Run<'r, 't> {
    fn topology(&self) -> &'t Topology {
        self.tracer.topology
    }

    fn choose(&mut self, n: usize) -> usize {
        self.chooser.pick(n)
    }

    /// The pod a delivered leg reached (an ingress controller's or a Gateway's proxy),
    /// when its endpoint names one the index knows.
    fn reached_pod(&self, leg: &Outcome) -> Option<usize> {
        leg.endpoint
            .as_ref()
            .and_then(|e| e.pod.as_ref())
            .and_then(|key| self.tracer.index.pod_by_key(key))
    }

    fn node(&self, position: usize) -> &'t ClusterNode {
        &self.topology().cluster.nodes[position]
    }

    fn pod(&self, position: usize) -> &'t std::sync::Arc<ClusterPod> {
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
        if let Some(node) = client.at.node {
            if !self.node(node).ready {
                let reason = format!("{} is on node {}, which is NotReady (failed): nothing it sends leaves the node", client.label, self.node(node).name);
                return self
                    .hops
                    .dropped(&client.at, destination_text(destination), reason);
            }
        }
        match destination {
            Destination::Name { host, port } => self.connect_name(&client, host, *port),
            Destination::Address { ip, port } => self.connect_address(&client, *ip, *port),
            Destination::Url {
                scheme,
                host,
                port,
                path,
                query,
            } => self.connect_url(&client, *scheme, host, *port, path, query.as_deref()),
            Destination::AnyNodePort { node_port } => {
                let ready: Vec<usize> = (0..self.topology().cluster.nodes.len())
                    .filter(|&n| self.node(n).ready)
                    .collect();
                if ready.is_empty() {
                    let reason = "no node is Ready, so nothing answers on any nodePort".to_string();
                    // No node's rules see the packet, so the drop happens on none of them.
                    let nowhere = client.at.elsewhere(None, client.at.place.clone());
                    return self
                        .hops
                        .dropped(&nowhere, format!("*:{node_port}"), reason);
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
            TraceSource::External { client_ip } => Ok(Client::new(
                ClientKind::External,
                *client_ip,
                None,
                format!("external client {client_ip}"),
                Place::Client,
            )),
            TraceSource::ExternalClients { .. } => {
                let client = self.choose(source.n_clients() as usize) as u32;
                self.client(&source.with_client(client))
            }
            TraceSource::Node { name } => match index.nodes.get(name) {
                Some(&node) => Ok(Client::new(
                    ClientKind::Node,
                    self.node(node).internal_ip,
                    Some(node),
                    format!("node {name}"),
                    Place::Node(name.clone()),
                )),
                None => Err(Outcome::new(
                    Verdict::Unresolved,
                    format!("no node named {name}"),
                )),
            },
            TraceSource::Pod { namespace, name } => {
                match index.pods.get(&NamespacedName::new(namespace, name)) {
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
                return Ok(Client::new(
                    ClientKind::Node,
                    self.node(node).internal_ip,
                    Some(node),
                    format!("host-network pod {}", pod.key()),
                    Place::Pod(pod.key()),
                ));
            }
        }
        match pod.ips.first() {
            Some(ip) => Ok(Client::new(
                ClientKind::Pod(position),
                *ip,
                node,
                format!("pod {}", pod.key()),
                Place::Pod(pod.key()),
            )),
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

fn list_or_none(items: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        "none".to_string()
    } else {
        items.join(", ")
    }
}

fn serialize_display<S: serde::Serializer>(
    value: &IpAddr,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}
