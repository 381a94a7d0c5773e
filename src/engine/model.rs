//! The typed model: only the fields the engine uses, read leniently from manifests.
//!
//! These are *raw* objects: what the manifests say, with defaults applied but no
//! cross-object resolution. `cluster` and `resolve` turn them into a topology.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use super::diag::Source;
pub use super::refs::ObjectRef;
use super::refs::{KindRef, NamespacedName};
use super::selector::{LabelSelector, Labels};
use super::sort::CollectCompact;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    pub fn parse(text: &str) -> Option<Protocol> {
        match text {
            "TCP" => Some(Protocol::Tcp),
            "UDP" => Some(Protocol::Udp),
            "SCTP" => Some(Protocol::Sctp),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
    pub fn lowercase(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a pod or an endpoint stands, as the picture, the CLI table and the details
/// name it. Terminating wins over ready, as it does for traffic (§4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    NotReady,
    Terminating,
}

impl Readiness {
    pub fn of(terminating: bool, ready: bool) -> Readiness {
        match (terminating, ready) {
            (true, _) => Readiness::Terminating,
            (false, true) => Readiness::Ready,
            (false, false) => Readiness::NotReady,
        }
    }

    /// `ready`, `not-ready` or `terminating`: also the CSS class of a drawn pod.
    pub fn as_str(self) -> &'static str {
        match self {
            Readiness::Ready => "ready",
            Readiness::NotReady => "not-ready",
            Readiness::Terminating => "terminating",
        }
    }
}

/// `intstr.IntOrString`, as used by targetPort, probe ports and policy ports.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl fmt::Display for PortRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(name) => f.write_str(name),
        }
    }
}

impl Serialize for PortRef {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            PortRef::Number(n) => serializer.serialize_i64(*n),
            PortRef::Name(name) => serializer.serialize_str(name),
        }
    }
}

/// Object metadata, plus where the object was written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Meta {
    pub name: String,
    /// Defaulted to `default` for namespaced kinds; empty for cluster-scoped ones.
    pub namespace: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub deletion_timestamp: bool,
    /// `Kind/name` of the controller owner, when the manifest records one.
    pub owner: Option<KindRef>,
    pub source: Source,
    /// 1-based last line of the object's document or list item, for showing its YAML.
    pub end_line: usize,
    /// Line and column of each field read, keyed by path (`spec.ports[0].port`), so
    /// that diagnostics raised after ingest still point at the exact line.
    pub field_positions: FieldPositions,
}

/// Where each field of one object was written. Filled once by ingest and read
/// only when a diagnostic needs a position, so it is a flat list: pushing is cheap,
/// and a lookup scans a few dozen entries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FieldPositions(Vec<(Box<str>, u32, u32)>);

impl FieldPositions {
    pub fn insert(&mut self, path: &str, position: (u32, u32)) {
        self.0.push((path.into(), position.0, position.1));
    }
    /// The position of `path`; the last one recorded wins, as a later key would in YAML.
    pub fn get(&self, path: &str) -> Option<(u32, u32)> {
        self.0
            .iter()
            .rev()
            .find(|(p, _, _)| &**p == path)
            .map(|&(_, line, column)| (line, column))
    }
    pub fn contains_key(&self, path: &str) -> bool {
        self.0.iter().any(|(p, _, _)| &**p == path)
    }
}

impl Meta {
    /// The source of `field`, or of its nearest recorded parent, or of the object.
    pub fn field_source(&self, field: &str) -> Source {
        let mut path = field;
        loop {
            if let Some((line, column)) = self.field_positions.get(path) {
                return Source {
                    line: line as usize,
                    column: column as usize,
                    ..self.source.clone()
                };
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                None => return self.source.clone(),
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub container_port: i64,
    pub protocol: Protocol,
    pub host_port: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// `livenessProbe`, `readinessProbe` or `startupProbe`.
    pub kind: &'static str,
    pub port: PortRef,
    pub field: String,
    pub source: Source,
}

/// A string a container carries that may name a Service: an env value or an argument.
#[derive(Clone, Debug, PartialEq)]
pub struct AddressHint {
    /// `env FOO`, `args[2]` or `annotation kubetopo.dev/calls`.
    pub evidence: String,
    pub value: String,
    /// Declared by the user rather than read from what the container is told
    /// (§6.1): a bare Service name counts too.
    pub declared: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub name: String,
    pub ports: Vec<ContainerPort>,
    pub probes: Vec<Probe>,
    pub address_hints: Vec<AddressHint>,
    /// An init container with `restartPolicy: Always` (a sidecar); its ports count for named targetPorts.
    pub restartable_init: bool,
    /// The JSON path of this container, e.g. `spec.template.spec.containers[0]`.
    pub field: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Taint {
    pub key: String,
    pub value: String,
    pub effect: TaintEffect,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Toleration {
    pub key: String,
    /// `Exists` when true, `Equal` otherwise.
    pub exists: bool,
    pub value: String,
    pub effect: Option<TaintEffect>,
}

impl Toleration {
    /// `ToleratesTaint` from core/v1 (§7).
    pub fn tolerates(&self, taint: &Taint) -> bool {
        if self.effect.is_some_and(|effect| effect != taint.effect) {
            return false;
        }
        if self.key.is_empty() {
            return self.exists;
        }
        if self.key != taint.key {
            return false;
        }
        self.exists || self.value == taint.value
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct PodSpec {
    /// Regular containers first, then restartable init containers.
    pub containers: Vec<Container>,
    pub node_name: Option<String>,
    pub node_selector: Labels,
    /// Required node affinity terms (ORed); each term's requirements are ANDed.
    pub required_node_affinity: Vec<LabelSelector>,
    pub tolerations: Vec<Toleration>,
    pub hostname: Option<String>,
    pub subdomain: Option<String>,
    pub host_network: bool,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct PodTemplate {
    pub labels: Labels,
    pub spec: Arc<PodSpec>,
    /// The template's [`fingerprint`](super::yaml::Node::fingerprint) as written:
    /// what its pod-template-hash is made of (§7.2).
    pub hash: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl PodPhase {
    pub fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Succeeded | PodPhase::Failed)
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct PodStatus {
    pub phase: Option<PodPhase>,
    pub pod_ips: Vec<IpAddr>,
    pub host_ip: Option<IpAddr>,
    /// The Ready condition, when the object carries one.
    pub ready: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pod {
    pub meta: Meta,
    pub spec: Arc<PodSpec>,
    pub status: PodStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum WorkloadKind {
    Deployment,
    ReplicaSet,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
    ReplicationController,
}

impl WorkloadKind {
    /// Whether `spec.replicas` sets the pod count, so that the workload can be scaled
    /// and its controller replaces lost pods under a new name or the same ordinal.
    pub fn has_replicas(self) -> bool {
        matches!(
            self,
            WorkloadKind::Deployment
                | WorkloadKind::ReplicaSet
                | WorkloadKind::ReplicationController
                | WorkloadKind::StatefulSet
        )
    }

    pub fn parse(kind: &str) -> Option<WorkloadKind> {
        Some(match kind {
            "Deployment" => WorkloadKind::Deployment,
            "ReplicaSet" => WorkloadKind::ReplicaSet,
            "StatefulSet" => WorkloadKind::StatefulSet,
            "DaemonSet" => WorkloadKind::DaemonSet,
            "Job" => WorkloadKind::Job,
            "CronJob" => WorkloadKind::CronJob,
            "ReplicationController" => WorkloadKind::ReplicationController,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
            WorkloadKind::ReplicationController => "ReplicationController",
        }
    }
}

/// How a workload selects its pods. ReplicationControllers use a plain map; the
/// apps/v1 and batch kinds use a LabelSelector where nil and empty differ.
#[derive(Clone, Debug, PartialEq)]
pub enum WorkloadSelector {
    /// No selector given: for Jobs and CronJobs the API server generates one; for
    /// ReplicationControllers it defaults to the template labels; apps/v1 rejects it.
    Absent,
    Map(Labels),
    Set(LabelSelector),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    pub meta: Meta,
    pub kind: WorkloadKind,
    pub replicas: u32,
    pub selector: WorkloadSelector,
    pub template: PodTemplate,
    /// StatefulSet `spec.serviceName`.
    pub service_name: Option<String>,
    /// StatefulSet `spec.ordinals.start`.
    pub ordinal_start: u32,
    /// Job `spec.completionMode: Indexed`.
    pub indexed: bool,
    pub manual_selector: bool,
}

impl Workload {
    /// `Kind/name`, the way pods and diagnostics name their workload.
    pub fn kind_ref(&self) -> KindRef {
        KindRef::new(self.kind.as_str(), &self.meta.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer,
    ExternalName,
}

impl ServiceType {
    pub fn parse(text: &str) -> Option<ServiceType> {
        Some(match text {
            "ClusterIP" => ServiceType::ClusterIP,
            "NodePort" => ServiceType::NodePort,
            "LoadBalancer" => ServiceType::LoadBalancer,
            "ExternalName" => ServiceType::ExternalName,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ServiceType::ClusterIP => "ClusterIP",
            ServiceType::NodePort => "NodePort",
            ServiceType::LoadBalancer => "LoadBalancer",
            ServiceType::ExternalName => "ExternalName",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TrafficPolicy {
    Cluster,
    Local,
}

impl TrafficPolicy {
    pub fn parse(text: &str) -> Option<TrafficPolicy> {
        match text {
            "Cluster" => Some(TrafficPolicy::Cluster),
            "Local" => Some(TrafficPolicy::Local),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SessionAffinity {
    None,
    ClientIP,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum TrafficDistribution {
    PreferSameZone,
    PreferSameNode,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub protocol: Protocol,
    pub port: i64,
    /// Defaulted to `port` when absent, 0 or empty (§2).
    pub target_port: PortRef,
    pub node_port: Option<i64>,
    pub app_protocol: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    pub service_type: ServiceType,
    /// `None` when absent. An empty map is kept as `Some(empty)`: both manage no endpoints (§1.2).
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePort>,
    /// `spec.clusterIPs`, or `[spec.clusterIP]`; `["None"]` for headless.
    pub cluster_ips: Vec<String>,
    pub external_ips: Vec<String>,
    pub external_name: Option<String>,
    pub load_balancer_ips_status: Vec<IpAddr>,
    /// The deprecated `spec.loadBalancerIP`, honored by most simulated load balancers.
    pub load_balancer_ip_requested: Option<String>,
    pub load_balancer_source_ranges: Vec<String>,
    pub load_balancer_class: Option<String>,
    /// As written; `None` lets defaulting decide (§2).
    pub external_traffic_policy: Option<TrafficPolicy>,
    pub internal_traffic_policy: Option<TrafficPolicy>,
    pub session_affinity: SessionAffinity,
    pub session_affinity_timeout: Option<i64>,
    pub publish_not_ready_addresses: bool,
    pub allocate_load_balancer_node_ports: Option<bool>,
    pub health_check_node_port: Option<i64>,
    pub traffic_distribution: Option<TrafficDistribution>,
    pub ip_families: Vec<String>,
    pub ip_family_policy: Option<String>,
}

impl ServiceSpec {
    pub fn is_headless(&self) -> bool {
        self.cluster_ips.first().is_some_and(|ip| ip == "None")
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub meta: Meta,
    pub spec: ServiceSpec,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub meta: Meta,
    pub taints: Vec<Taint>,
    pub unschedulable: bool,
    pub internal_ip: Option<IpAddr>,
    pub ready: bool,
    pub pod_cidr: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SliceEndpoint {
    pub addresses: Vec<IpAddr>,
    pub ready: Option<bool>,
    pub serving: Option<bool>,
    pub terminating: Option<bool>,
    pub hostname: Option<String>,
    pub node_name: Option<String>,
    pub zone: Option<String>,
    /// The target pod, when the slice names one.
    pub target_pod: Option<NamespacedName>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SlicePort {
    pub name: Option<String>,
    pub port: Option<i64>,
    pub protocol: Protocol,
}

/// An EndpointSlice, or a legacy Endpoints object converted to one per subset.
#[derive(Clone, Debug, PartialEq)]
pub struct EndpointSlice {
    pub meta: Meta,
    pub service_name: String,
    pub endpoints: Vec<SliceEndpoint>,
    pub ports: Vec<SlicePort>,
    /// True when this came from a legacy `Endpoints` object.
    pub legacy: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IngressBackend {
    pub service: String,
    pub port: PortRef,
    pub field: String,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IngressPath {
    pub path: String,
    pub path_type: String,
    pub backend: Option<IngressBackend>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IngressRule {
    pub host: Option<String>,
    pub paths: Vec<IngressPath>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Ingress {
    pub meta: Meta,
    pub class_name: Option<String>,
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
    pub tls_hosts: Vec<String>,
    /// `spec.tls` as written: hosts and the Secret holding their certificate.
    pub tls: Vec<IngressTls>,
    pub load_balancer_ips_status: Vec<IpAddr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IngressTls {
    pub hosts: Vec<String>,
    pub secret_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IngressClass {
    pub meta: Meta,
    pub controller: String,
    pub is_default: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum PolicyDirection {
    Ingress,
    Egress,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IpBlock {
    pub cidr: String,
    pub except: Vec<String>,
}

/// One `from`/`to` entry. Pod and namespace selectors combined in one peer are ANDed.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyPeer {
    pub pod_selector: Option<LabelSelector>,
    pub namespace_selector: Option<LabelSelector>,
    pub ip_block: Option<IpBlock>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PolicyPort {
    pub protocol: Protocol,
    pub port: Option<PortRef>,
    pub end_port: Option<i64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PolicyRule {
    /// Empty means every port.
    pub ports: Vec<PolicyPort>,
    /// Empty means every peer.
    pub peers: Vec<PolicyPeer>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NetworkPolicy {
    pub meta: Meta,
    pub pod_selector: LabelSelector,
    /// After defaulting: Ingress always, Egress when egress rules exist (or as written).
    pub policy_types: Vec<PolicyDirection>,
    pub ingress: Vec<PolicyRule>,
    pub egress: Vec<PolicyRule>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Namespace {
    pub meta: Meta,
}

/// The manifests' Services looked up by namespace and name, the last of a name
/// winning as in the API server's store. One map type for every such lookup keeps
/// the wasm small.
pub struct ServicesByName<'a> {
    services: &'a [Arc<Service>],
    positions: std::collections::BTreeMap<(&'a str, &'a str), usize>,
}

impl<'a> ServicesByName<'a> {
    pub fn new(services: &'a [Arc<Service>]) -> ServicesByName<'a> {
        ServicesByName {
            services,
            positions: services
                .iter()
                .enumerate()
                .map(|(position, s)| ((s.meta.namespace.as_str(), s.meta.name.as_str()), position))
                .collect_map(),
        }
    }

    pub fn get(&self, namespace: &str, name: &str) -> Option<&'a Service> {
        self.positions
            .get(&(namespace, name))
            .map(|&position| &*self.services[position])
    }
}

/// The objects of one kind the engine does not model (Secrets, ConfigMaps), looked
/// up by namespace and name: whether a reference to one is in the input. Its map
/// has the type of [`ServicesByName`]'s, for a smaller wasm.
pub struct IgnoredByName<'a> {
    positions: std::collections::BTreeMap<(&'a str, &'a str), usize>,
}

impl<'a> IgnoredByName<'a> {
    pub fn new(manifests: &'a Manifests, kind: &str) -> IgnoredByName<'a> {
        IgnoredByName {
            positions: manifests
                .ignored
                .iter()
                .enumerate()
                .filter(|(_, (object, _))| object.kind == kind)
                .map(|(position, (object, _))| {
                    let namespace = object.namespace.as_deref().unwrap_or("");
                    ((namespace, object.name.as_str()), position)
                })
                .collect_map(),
        }
    }

    pub fn contains(&self, namespace: &str, name: &str) -> bool {
        self.positions.contains_key(&(namespace, name))
    }
}

/// Everything read from the manifests, before simulation and resolution.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Manifests {
    pub namespaces: Vec<Namespace>,
    pub nodes: Vec<Node>,
    pub pods: Vec<Arc<Pod>>,
    pub workloads: Vec<Arc<Workload>>,
    pub services: Vec<Arc<Service>>,
    pub endpoint_slices: Vec<EndpointSlice>,
    pub ingresses: Vec<Ingress>,
    pub ingress_classes: Vec<IngressClass>,
    pub network_policies: Vec<NetworkPolicy>,
    /// Gateway API objects (§11).
    pub gateway: super::gateway::GatewayManifests,
    /// Objects of kinds the engine does not model, listed for the UI.
    pub ignored: Vec<(ObjectRef, Source)>,
}
