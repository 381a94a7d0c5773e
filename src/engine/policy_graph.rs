//! NetworkPolicy connectivity between workloads (§8.5): for every pair of
//! workloads, and from an external client to every workload, on each port the
//! destination serves, whether the policies allow the connection and which policy
//! and rule decided it. The web app lists it and the overlay draws it; the rules
//! themselves are [`netpol`](super::netpol)'s.
//!
//! ```
//! use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};
//! use kubetopo::engine::policy_graph::policy_graph;
//! let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: db, labels: {app: db}}\nspec: {containers: [{name: db, image: db, ports: [{containerPort: 5432}]}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {containers: [{name: web, image: web}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]\n";
//! let topology = analyze(&[SourceFile::new("app.yaml", yaml)], &Config::default());
//! let graph = policy_graph(&topology);
//! let allowed: Vec<String> = graph.connections.iter().filter(|c| c.allowed).map(|c| format!("{} → {}:{}", c.from, c.to, c.port)).collect();
//! assert_eq!(allowed, ["Pod/default/web → Pod/default/db:5432"]);
//! ```

use crate::engine::sort::{CollectCompact, SortCompact};
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use super::cluster::ClusterPod;
use super::model::{PolicyDirection, Protocol};
use super::netpol::{Decision, Peer, PolicyEngine, SideDecision};
use super::pause::{self, Pause};
use super::refs::{KindRef, NamespacedName};
use super::Topology;

/// The address that stands for "a client outside the cluster" (TEST-NET-3, never
/// a pod's or a node's).
pub const EXTERNAL_CLIENT_IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(203, 0, 113, 50));

/// At most this many connections are checked; a larger graph is cut and says so.
pub const MAX_CONNECTIONS: usize = 20_000;

/// A workload, or a bare pod, in its namespace.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadKey {
    pub namespace: String,
    /// `Deployment/frontend`, or `Pod/name` for a bare pod.
    pub workload: KindRef,
}

impl WorkloadKey {
    pub fn of(pod: &ClusterPod) -> WorkloadKey {
        WorkloadKey {
            namespace: pod.namespace.clone(),
            workload: pod
                .workload
                .clone()
                .unwrap_or_else(|| KindRef::new("Pod", &pod.name)),
        }
    }
}

/// `Kind/namespace/name`, as diagnostics name objects.
impl fmt::Display for WorkloadKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.workload.kind, self.namespace, self.workload.name
        )
    }
}

/// Where a connection starts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyEnd {
    /// A client outside the cluster ([`EXTERNAL_CLIENT_IP`]).
    External,
    Workload(WorkloadKey),
}

impl fmt::Display for PolicyEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyEnd::External => f.write_str("external"),
            PolicyEnd::Workload(key) => key.fmt(f),
        }
    }
}

/// Whether policies isolate a workload's pods, and which.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadIsolation {
    pub key: WorkloadKey,
    /// Policies selecting its pods that isolate ingress; empty when not isolated.
    pub ingress: Vec<NamespacedName>,
    pub egress: Vec<NamespacedName>,
    /// The ports its pods serve: declared container ports and Service endpoint ports.
    pub ports: Vec<ServedPort>,
}

impl WorkloadIsolation {
    /// Selected by some policy in either direction.
    pub fn isolated(&self) -> bool {
        !self.ingress.is_empty() || !self.egress.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ServedPort {
    pub port: u16,
    pub protocol: Protocol,
    pub name: Option<String>,
}

/// One connection and the policies' verdict on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyConnection {
    pub from: PolicyEnd,
    pub to: WorkloadKey,
    pub port: u16,
    pub protocol: Protocol,
    pub allowed: bool,
    pub decision: Decision,
    /// A few words for a list or an edge: "allowed by default/frontend",
    /// "denied by policy default/cartservice".
    pub label: String,
}

impl PolicyConnection {
    /// The policies that decided: the allowing ones, or those isolating the denying side.
    pub fn deciding_policies(&self) -> Vec<&NamespacedName> {
        deciding_policies(&self.decision)
    }

    /// The connection in a few words: `frontend → cartservice :7070/TCP`.
    #[inline(always)]
    pub fn text(&self) -> String {
        let mut text = String::from(self.from.name());
        text.push_str(" → ");
        text.push_str(&self.to.workload.name);
        text.push_str(" :");
        text.push_str(&self.port.to_string());
        text.push('/');
        text.push_str(self.protocol.as_str());
        text
    }
}

impl PolicyEnd {
    /// The workload's name, or `external`.
    #[inline(always)]
    pub fn name(&self) -> &str {
        match self {
            PolicyEnd::External => "external",
            PolicyEnd::Workload(key) => &key.workload.name,
        }
    }
}

/// What one policy does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySummary {
    pub name: NamespacedName,
    pub directions: Vec<PolicyDirection>,
    /// The workloads whose pods it selects.
    pub selects: Vec<WorkloadKey>,
    /// Indices into [`PolicyGraph::connections`] it allows (it is the deciding rule
    /// on one side).
    pub allows: Vec<usize>,
    /// Indices of connections denied while it isolates the denying side.
    pub denies: Vec<usize>,
}

/// See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyGraph {
    /// Every workload with a running pod, sorted.
    pub workloads: Vec<WorkloadIsolation>,
    /// Connections where some policy applies (the source's egress or the
    /// destination's ingress is isolated), sorted by destination, source and port.
    /// Pairs where neither end is isolated are allowed and not listed.
    pub connections: Vec<PolicyConnection>,
    /// Every policy, sorted by namespace and name.
    pub policies: Vec<PolicySummary>,
    /// More than [`MAX_CONNECTIONS`] connections: the list stops there.
    pub truncated: bool,
}

/// Computes the policy graph of a topology. Each workload is judged by its first
/// running pod: replicas share labels and ports, which is what policies select on.
pub fn policy_graph(topology: &Topology) -> PolicyGraph {
    pause::finish(policy_graph_pausable(topology, &Pause::never()))
}

/// [`policy_graph`], pausing between pods, Services and workloads when `pause`
/// says so.
pub async fn policy_graph_pausable(topology: &Topology, pause: &Pause<'_>) -> PolicyGraph {
    if topology.manifests.network_policies.is_empty() {
        return PolicyGraph::default();
    }
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);

    // One representative pod per workload, and the ports its Services reach it on.
    let mut representatives: BTreeMap<WorkloadKey, usize> = BTreeMap::new();
    for (pod_index, pod) in topology.cluster.pods.iter().enumerate() {
        pause.point().await;
        if pod.phase.is_terminal() || pod.ips.is_empty() && !pod.spec.host_network {
            continue;
        }
        representatives
            .entry(WorkloadKey::of(pod))
            .or_insert(pod_index);
    }
    let mut served: BTreeMap<WorkloadKey, Vec<ServedPort>> = BTreeMap::new();
    for service in &topology.services {
        pause.point().await;
        for endpoint in &service.endpoints {
            let Some(pod) = endpoint
                .pod_index
                .and_then(|i| topology.cluster.pods.get(i))
            else {
                continue;
            };
            for endpoint_port in &endpoint.ports {
                if let Ok(port) = u16::try_from(endpoint_port.port) {
                    let ports = served.entry(WorkloadKey::of(pod)).or_default();
                    let served_port = ServedPort {
                        port,
                        protocol: endpoint_port.protocol,
                        name: endpoint_port.name.clone(),
                    };
                    // A workload serves a few ports, each through many endpoints.
                    if !ports.contains(&served_port) {
                        ports.push(served_port);
                    }
                }
            }
        }
    }

    let mut workloads = Vec::with_capacity(representatives.len());
    // The representative pod of each workload, by position in `workloads`.
    let mut workload_pods: Vec<&std::sync::Arc<ClusterPod>> =
        Vec::with_capacity(representatives.len());
    for (key, &pod_index) in &representatives {
        pause.point().await;
        let pod = &topology.cluster.pods[pod_index];
        let mut ports = served.remove(key).unwrap_or_default();
        for container_port in pod.spec.containers.iter().flat_map(|c| c.ports.iter()) {
            if let Ok(port) = u16::try_from(container_port.container_port) {
                // A Service port already names it; keep one entry per number.
                if !ports
                    .iter()
                    .any(|p| p.port == port && p.protocol == container_port.protocol)
                {
                    ports.push(ServedPort {
                        port,
                        protocol: container_port.protocol,
                        name: container_port.name.clone(),
                    });
                }
            }
        }
        let names = |direction| {
            engine
                .policies_selecting(pod_index, direction)
                .map(|p| NamespacedName::new(&p.meta.namespace, &p.meta.name))
                .collect()
        };
        workload_pods.push(pod);
        workloads.push(WorkloadIsolation {
            key: key.clone(),
            ingress: names(PolicyDirection::Ingress),
            egress: names(PolicyDirection::Egress),
            ports: {
                ports.sort_compact();
                ports
            },
        });
    }

    let mut connections = Vec::new();
    let mut truncated = false;
    // Only pairs with an isolated end are listed: with thousands of workloads and a
    // few policies, most pairs are skipped before anything is looked up or copied.
    let any_egress_isolated = workloads.iter().any(|w| !w.egress.is_empty());
    'destinations: for (destination_position, destination) in workloads.iter().enumerate() {
        pause.point().await;
        let destination_isolated = !destination.ingress.is_empty();
        if !destination_isolated && !any_egress_isolated {
            continue;
        }
        let to_pod = workload_pods[destination_position];
        let sources = std::iter::once(None).chain(workloads.iter().zip(&workload_pods).map(Some));
        for (source_position, source) in sources.enumerate() {
            let (from, from_peer) = match source {
                None if !destination_isolated => continue,
                None => (PolicyEnd::External, Peer::External(EXTERNAL_CLIENT_IP)),
                // Position 0 is the external client: workload n is source n + 1.
                Some(_) if source_position == destination_position + 1 => continue,
                Some((source, _)) if source.egress.is_empty() && !destination_isolated => continue,
                Some((source, &from_pod)) => {
                    (PolicyEnd::Workload(source.key.clone()), Peer::Pod(from_pod))
                }
            };
            for served_port in &destination.ports {
                if connections.len() >= MAX_CONNECTIONS {
                    truncated = true;
                    break 'destinations;
                }
                let decision = engine.decide(
                    from_peer,
                    Peer::Pod(to_pod),
                    served_port.port,
                    served_port.protocol,
                );
                connections.push(PolicyConnection {
                    from: from.clone(),
                    to: destination.key.clone(),
                    port: served_port.port,
                    protocol: served_port.protocol,
                    allowed: decision.allowed,
                    label: short_label(&decision),
                    decision,
                });
            }
        }
    }

    let mut policies: Vec<PolicySummary> = engine
        .policies()
        .map(|policy| PolicySummary {
            name: NamespacedName::new(&policy.meta.namespace, &policy.meta.name),
            directions: policy.policy_types.clone(),
            selects: Vec::new(),
            allows: Vec::new(),
            denies: Vec::new(),
        })
        .collect();
    let position: BTreeMap<NamespacedName, usize> = policies
        .iter()
        .enumerate()
        .map(|(i, p)| (p.name.clone(), i))
        .collect_map();
    for workload in &workloads {
        pause.point().await;
        // Each policy selecting it once, by position.
        let mut selecting: Vec<usize> = workload
            .ingress
            .iter()
            .chain(&workload.egress)
            .filter_map(|name| position.get(name).copied())
            .collect();
        selecting.sort_compact();
        selecting.dedup();
        for i in selecting {
            policies[i].selects.push(workload.key.clone());
        }
    }
    for (connection_index, connection) in connections.iter().enumerate() {
        for name in connection.deciding_policies() {
            if let Some(&i) = position.get(name) {
                let list = if connection.allowed {
                    &mut policies[i].allows
                } else {
                    &mut policies[i].denies
                };
                if list.last() != Some(&connection_index) {
                    list.push(connection_index);
                }
            }
        }
    }
    PolicyGraph {
        workloads,
        connections,
        policies,
        truncated,
    }
}

/// A few words for a decision: "allowed by default/frontend", "allowed: not
/// isolated", "denied by policy default/cartservice" (every policy isolating the
/// denying side, egress first).
pub fn short_label(decision: &Decision) -> String {
    let deciding = deciding_policies(decision);
    let mut label = String::from(match (decision.allowed, deciding.is_empty()) {
        (true, true) => "allowed: not isolated",
        (true, false) => "allowed by ",
        (false, _) => "denied by policy ",
    });
    for (i, name) in deciding.iter().enumerate() {
        if i > 0 {
            label.push_str(", ");
        }
        label.push_str(&name.namespace);
        label.push('/');
        label.push_str(&name.name);
    }
    label
}

fn deciding_policies(decision: &Decision) -> Vec<&NamespacedName> {
    let mut names = Vec::new();
    if decision.allowed {
        for side in [&decision.egress, &decision.ingress] {
            if let SideDecision::Allowed { policy, .. } = side {
                names.push(policy);
            }
        }
    } else {
        let denying = match &decision.egress {
            SideDecision::Denied { .. } => &decision.egress,
            _ => &decision.ingress,
        };
        if let SideDecision::Denied { isolating } = denying {
            names.extend(isolating);
        }
    }
    names
}
