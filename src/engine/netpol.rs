//! NetworkPolicy (networking/v1) evaluation: may this pod, or this address, open a
//! connection to that one on this port?
//!
//! The rules, from `kubernetes/api` `networking/v1/types.go` and the website's
//! `concepts/services-networking/network-policies.md`:
//!
//! - A policy selects pods in its own namespace with `spec.podSelector`; an empty
//!   selector selects every pod there.
//! - A pod is *isolated* for ingress (egress) as soon as one policy that lists Ingress
//!   (Egress) in its `policyTypes` selects it. Directions nobody isolates allow
//!   everything. `policyTypes` defaulting is done by ingest.
//! - An isolated direction allows a connection when at least one rule of one
//!   selecting policy matches both the peer and the port. Rules are ORed, peers in a
//!   rule are ORed, ports in a rule are ORed; an empty peer or port list matches all.
//! - A connection from pod A to pod B needs A's egress *and* B's ingress to allow it.
//!
//! Choices where the API leaves room, following the most common implementations
//! (and `kubernetes-sigs/kube-network-policies`):
//!
//! - `ipBlock` is meant for cluster-external addresses, but it is matched against
//!   any address, pod IPs included (any of a pod's IPs counts).
//! - A pod can always reach itself, and traffic between a pod and the node it runs on
//!   is always allowed (the website's two stated exceptions).
//! - `hostNetwork` pods are treated as their node's address: selectors never select
//!   them, policies never isolate them, and their traffic is matched by `ipBlock` on
//!   the node IP. The website calls this "the most common implementation".
//! - A named port is looked up on the destination pod (the selected pod for ingress,
//!   the peer for egress), matching name, protocol and number, in every container
//!   the model lists (regular and restartable init containers). A named port never
//!   matches an address destination.
//! - Peers the API would reject (no selector and no ipBlock, an unparsable CIDR)
//!   match nothing.

use crate::engine::sort::SortCompact;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;

use super::cidr::Cidr;
use super::cluster::{Cluster, ClusterPod, NodesByName};
use super::config::Config;
use super::diag::{Diagnostic, Source};
use super::model::*;
use super::refs::{KindRef, NamespacedName};
use super::selector::Labels;

/// The label the API server puts on every namespace, set to its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// Where cluster DNS runs, and the label its pods carry (kubeadm and most distributions).
pub const KUBE_DNS_NAMESPACE: &str = "kube-system";
pub const KUBE_DNS_LABEL: (&str, &str) = ("k8s-app", "kube-dns");
pub const DNS_PORT: u16 = 53;

/// One end of a connection.
#[derive(Clone, Copy, Debug)]
pub enum Peer<'p> {
    Pod(&'p Arc<ClusterPod>),
    /// An address outside the pod network: a client outside the cluster, a node, or
    /// anything else that is not a pod.
    External(IpAddr),
}

/// Whether NetworkPolicies allow one connection, and why, in plain words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// The side that denied: Egress at the source, Ingress at the destination.
    /// `None` when allowed.
    pub direction: Option<PolicyDirection>,
    pub reason: String,
    /// When allowed, the `namespace/name` of each allowing policy (egress first),
    /// comma-separated; when denied, the policies that isolate the denying side.
    pub policy: Option<String>,
}

/// How one direction of a connection was decided; see [`PolicyEngine::decide`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SideDecision {
    /// No policy applies on this side: it is not a pod on the pod network (an
    /// address, a host-network pod), or the pod connects to itself.
    NotApplicable,
    /// The pod is a pod on the pod network, but no policy isolates this direction.
    NotIsolated,
    /// The other end is the pod's own node, which is always allowed (§8.3).
    OwnNode,
    /// Rule `rule` (0-based) of this direction of `policy` allows it.
    Allowed { policy: NamespacedName, rule: usize },
    /// These policies isolate this side and none of their rules allows it.
    Denied { isolating: Vec<NamespacedName> },
}

/// Both directions of one connection, typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// At the source pod.
    pub egress: SideDecision,
    /// At the destination pod.
    pub ingress: SideDecision,
}

/// Which directions of a pod some policy isolates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Isolation {
    pub ingress: bool,
    pub egress: bool,
}

/// Answers NetworkPolicy questions about one cluster. Built once: it records, per
/// pod, the policies that select it for each direction, the labels of every
/// namespace, and parsed `ipBlock`s, so that a check is a few lookups and selector
/// matches without allocating.
#[derive(Clone, Debug)]
pub struct PolicyEngine<'a> {
    cluster: &'a Cluster,
    /// Sorted by (namespace, name), so messages list policies in a stable order.
    policies: Vec<CompiledPolicy<'a>>,
    /// What the policies select, pod by pod: built here, or once per topology and
    /// shared ([`PolicyEngine::with_selections`]).
    selections: Cow<'a, PodSelections>,
    /// Positions in `policies` per namespace, sorted by namespace.
    policies_by_namespace: Vec<(&'a str, Vec<u32>)>,
    nodes: NodesByName<'a>,
    /// Stands in for kube-dns when the manifests do not include it, which is usual.
    assumed_kube_dns: ClusterPod,
}

/// The part of a [`PolicyEngine`] that grows with the pods: which policies select
/// each pod, for ingress and for egress, where kube-dns runs, and the labels of
/// every namespace. The traffic simulator makes an engine on every tick that
/// traces something new; at 100,000 pods, finding these again each time was most
/// of the engine's making, so they are found once per topology
/// ([`PolicyEngine::into_selections`]) and shared.
#[derive(Clone, Debug, Default)]
pub struct PodSelections {
    namespace_labels: BTreeMap<String, Labels>,
    /// Per pod index: indices into the engine's policies (sorted by namespace and
    /// name) selecting it for ingress and egress.
    ingress_by_pod: Vec<Vec<u32>>,
    egress_by_pod: Vec<Vec<u32>>,
    /// kube-dns pods present in the cluster, by index.
    kube_dns_pods: Vec<usize>,
}

impl<'a> PolicyEngine<'a> {
    pub fn new(manifests: &'a Manifests, cluster: &'a Cluster) -> PolicyEngine<'a> {
        PolicyEngine::build(manifests, cluster, None)
    }

    /// An engine over the same `manifests` and `cluster` as the one whose
    /// [`PolicyEngine::into_selections`] gave `selections`.
    pub fn with_selections(
        manifests: &'a Manifests,
        cluster: &'a Cluster,
        selections: Cow<'a, PodSelections>,
    ) -> PolicyEngine<'a> {
        PolicyEngine::build(manifests, cluster, Some(selections))
    }

    /// What this engine found each pod selected by, to build the next engine over
    /// the same cluster without finding it again.
    pub fn into_selections(self) -> PodSelections {
        self.selections.into_owned()
    }

    fn build(
        manifests: &'a Manifests,
        cluster: &'a Cluster,
        selections: Option<Cow<'a, PodSelections>>,
    ) -> PolicyEngine<'a> {
        let mut sorted: Vec<&'a NetworkPolicy> = manifests.network_policies.iter().collect();
        sorted.sort_compact_by(|a, b| {
            (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
        });
        let policies: Vec<CompiledPolicy<'a>> =
            sorted.into_iter().map(CompiledPolicy::new).collect();

        // The policies are sorted by namespace, so each namespace's are one run.
        let mut policies_by_namespace: Vec<(&'a str, Vec<u32>)> = Vec::new();
        for (policy_index, compiled) in policies.iter().enumerate() {
            let namespace = compiled.policy.meta.namespace.as_str();
            match policies_by_namespace.last_mut() {
                Some((last, run)) if *last == namespace => run.push(policy_index as u32),
                _ => policies_by_namespace.push((namespace, vec![policy_index as u32])),
            }
        }

        let mut engine = PolicyEngine {
            cluster,
            policies,
            selections: Cow::Owned(PodSelections::default()),
            policies_by_namespace,
            nodes: NodesByName::new(&cluster.nodes),
            assumed_kube_dns: assumed_kube_dns_pod(),
        };
        if let Some(selections) = selections {
            engine.selections = selections;
            return engine;
        }
        let mut namespace_labels: BTreeMap<String, Labels> = BTreeMap::new();
        for namespace in &manifests.namespaces {
            namespace_labels.insert(
                namespace.meta.name.clone(),
                with_name_label(&namespace.meta.name, namespace.meta.labels.clone()),
            );
        }
        // Namespaces that exist only because something lives in them still carry the
        // automatic name label.
        let implicit = cluster
            .pods
            .iter()
            .map(|pod| pod.namespace.as_str())
            .chain(
                manifests
                    .network_policies
                    .iter()
                    .map(|policy| policy.meta.namespace.as_str()),
            )
            .chain(std::iter::once(KUBE_DNS_NAMESPACE));
        // Pods come grouped by namespace: look each run up once, not once per pod.
        let mut previous: Option<&str> = None;
        for namespace in implicit {
            if previous == Some(namespace) {
                continue;
            }
            previous = Some(namespace);
            if !namespace_labels.contains_key(namespace) {
                namespace_labels.insert(
                    namespace.to_string(),
                    with_name_label(namespace, Labels::new()),
                );
            }
        }
        engine.selections = Cow::Owned(PodSelections {
            namespace_labels,
            ..PodSelections::default()
        });
        // Looking the namespace's policies up once per run of pods, and not
        // allocating for pods no policy can select, keeps this linear in the pods.
        let mut ingress_by_pod = Vec::with_capacity(cluster.pods.len());
        let mut egress_by_pod = Vec::with_capacity(cluster.pods.len());
        let mut kube_dns_pods = Vec::new();
        let mut candidates: (Option<&str>, &[u32]) = (None, &[]);
        for (pod_index, pod) in cluster.pods.iter().enumerate() {
            if candidates.0 != Some(pod.namespace.as_str()) {
                candidates = (
                    Some(pod.namespace.as_str()),
                    engine.policies_in(&pod.namespace),
                );
            }
            let (ingress, egress) = if candidates.1.is_empty() {
                (Vec::new(), Vec::new())
            } else {
                (
                    engine.selecting_among(candidates.1, pod, PolicyDirection::Ingress),
                    engine.selecting_among(candidates.1, pod, PolicyDirection::Egress),
                )
            };
            ingress_by_pod.push(ingress);
            egress_by_pod.push(egress);
            if is_kube_dns(pod) {
                kube_dns_pods.push(pod_index);
            }
        }
        let selections = engine.selections.to_mut();
        selections.ingress_by_pod = ingress_by_pod;
        selections.egress_by_pod = egress_by_pod;
        selections.kube_dns_pods = kube_dns_pods;
        engine
    }

    /// Whether NetworkPolicies allow a connection from `from` to `to` on `port`, the
    /// numeric destination port after any Service DNAT.
    pub fn check(&self, from: Peer<'_>, to: Peer<'_>, port: u16, protocol: Protocol) -> Verdict {
        let source = self.party(from);
        let destination = self.party(to);
        let evaluation = self.evaluate(source, destination, port, protocol);
        self.explain(&evaluation, source, destination, port, protocol)
    }

    /// [`PolicyEngine::check`] without the explanation; does not allocate for pods of
    /// this engine's cluster.
    pub fn allows(&self, from: Peer<'_>, to: Peer<'_>, port: u16, protocol: Protocol) -> bool {
        self.evaluate(self.party(from), self.party(to), port, protocol)
            .allowed()
    }

    /// [`PolicyEngine::check`] as typed values: how each direction decided, naming
    /// the allowing policy and rule, or the policies that isolate the denying side.
    pub fn decide(&self, from: Peer<'_>, to: Peer<'_>, port: u16, protocol: Protocol) -> Decision {
        let source = self.party(from);
        let destination = self.party(to);
        let evaluation = self.evaluate(source, destination, port, protocol);
        let side = |side: Side, subject: Party<'_>, direction: PolicyDirection| match side {
            Side::NotApplicable => SideDecision::NotApplicable,
            Side::NotIsolated => SideDecision::NotIsolated,
            Side::OwnNode => SideDecision::OwnNode,
            Side::Allowed { policy, rule } => SideDecision::Allowed {
                policy: self.policy_name(policy),
                rule,
            },
            Side::Denied => {
                let isolating = match subject {
                    Party::Pod { pod, index } => self
                        .selecting(pod, index, direction)
                        .iter()
                        .map(|&policy| self.policy_name(policy))
                        .collect(),
                    Party::Address { .. } => Vec::new(),
                };
                SideDecision::Denied { isolating }
            }
        };
        Decision {
            allowed: evaluation.allowed(),
            egress: side(evaluation.egress, source, PolicyDirection::Egress),
            ingress: side(evaluation.ingress, destination, PolicyDirection::Ingress),
        }
    }

    /// The policies, ordered by namespace and name.
    pub fn policies(&self) -> impl Iterator<Item = &'a NetworkPolicy> + '_ {
        self.policies.iter().map(|compiled| compiled.policy)
    }

    fn policy_name(&self, policy_index: u32) -> NamespacedName {
        let policy = self.policies[policy_index as usize].policy;
        NamespacedName::new(&policy.meta.namespace, &policy.meta.name)
    }

    /// Whether `pod` may send DNS queries (UDP port 53) to cluster DNS. kube-dns pods
    /// are usually not in the manifests, so besides any that are, a stand-in pod
    /// `kube-system/kube-dns` labelled `k8s-app=kube-dns` with ports `dns` (UDP 53)
    /// and `dns-tcp` (TCP 53) is tried, and so is the Service address `dns_ip`.
    pub fn egress_allows_dns(&self, pod: &Arc<ClusterPod>, dns_ip: IpAddr) -> bool {
        let source = self.party(Peer::Pod(pod));
        let Party::Pod { pod, index } = source else {
            return true;
        };
        let address = Party::Address {
            ip: Some(dns_ip),
            host_pod: None,
        };
        if self
            .side(
                PolicyDirection::Egress,
                pod,
                index,
                address,
                DNS_PORT,
                Protocol::Udp,
            )
            .allows()
        {
            return true;
        }
        let mut targets: Vec<Party<'_>> = self
            .selections
            .kube_dns_pods
            .iter()
            .map(|&dns_index| Party::Pod {
                pod: &self.cluster.pods[dns_index],
                index: Some(dns_index),
            })
            .collect();
        if targets.is_empty() {
            targets.push(Party::Pod {
                pod: &self.assumed_kube_dns,
                index: None,
            });
        }
        targets.into_iter().any(|target| {
            self.side(
                PolicyDirection::Egress,
                pod,
                index,
                target,
                DNS_PORT,
                Protocol::Udp,
            )
            .allows()
        })
    }

    /// Which directions policies isolate for the pod at `pod_index` in the cluster.
    pub fn isolation(&self, pod_index: usize) -> Isolation {
        Isolation {
            ingress: self
                .selections
                .ingress_by_pod
                .get(pod_index)
                .is_some_and(|list| !list.is_empty()),
            egress: self
                .selections
                .egress_by_pod
                .get(pod_index)
                .is_some_and(|list| !list.is_empty()),
        }
    }

    /// The policies that select the pod at `pod_index` and list `direction` in their
    /// `policyTypes`, ordered by namespace and name.
    pub fn policies_selecting(
        &self,
        pod_index: usize,
        direction: PolicyDirection,
    ) -> impl Iterator<Item = &'a NetworkPolicy> + '_ {
        let lists = match direction {
            PolicyDirection::Ingress => &self.selections.ingress_by_pod,
            PolicyDirection::Egress => &self.selections.egress_by_pod,
        };
        lists
            .get(pod_index)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|&policy_index| self.policies[policy_index as usize].policy)
    }

    /// A namespace's labels as namespaceSelectors see them: its Namespace object's
    /// labels, plus `kubernetes.io/metadata.name`, which every namespace has.
    pub fn namespace_labels(&self, namespace: &str) -> Cow<'_, Labels> {
        match self.selections.namespace_labels.get(namespace) {
            Some(labels) => Cow::Borrowed(labels),
            None => Cow::Owned(with_name_label(namespace, Labels::new())),
        }
    }

    pub fn cluster(&self) -> &'a Cluster {
        self.cluster
    }
}

/// The cluster DNS Service address kubeadm uses: the tenth address of the Service
/// CIDR (10.96.0.10 by default).
pub fn cluster_dns_ip(config: &Config) -> IpAddr {
    config
        .service_cidr
        .nth(10)
        .unwrap_or(config.service_cidr.network())
}

/// A `network-policy-blocks-dns` warning for each workload (or bare pod) whose egress
/// is isolated without a way to reach cluster DNS: its pods can resolve no name, so
/// every connection by Service name fails even where policies allow it.
pub fn dns_diagnostics(engine: &PolicyEngine<'_>, dns_ip: IpAddr) -> Vec<Diagnostic> {
    // Keyed by the object reported, so replicas of one workload give one warning.
    let mut blocked: BTreeMap<String, (&ClusterPod, usize)> = BTreeMap::new();
    for (pod_index, pod) in engine.cluster.pods.iter().enumerate() {
        if !engine.isolation(pod_index).egress || engine.egress_allows_dns(pod, dns_ip) {
            continue;
        }
        blocked
            .entry(workload_object(pod))
            .or_insert((pod, pod_index));
    }
    blocked
        .into_iter()
        .map(|(object, (pod, pod_index))| {
            let policy_keys: Vec<String> = engine.policies_selecting(pod_index, PolicyDirection::Egress).map(policy_key).collect();
            let (subject, possessive) = match &pod.workload {
                Some(workload) => (format!("Pods of {workload} in namespace {}", pod.namespace), "their"),
                None => (format!("Pod {}", pod.key()), "its"),
            };
            let policies = name_policies(&policy_keys);
            let verb = if policy_keys.len() == 1 { "isolates" } else { "isolate" };
            let message = format!(
                "{subject} cannot resolve DNS names: {policies} {verb} {possessive} egress and no egress rule allows UDP port 53 to kube-system/kube-dns or to the cluster DNS address {dns_ip}, so connections by Service name fail. Add an egress rule allowing UDP and TCP port 53 to kube-system/kube-dns."
            );
            Diagnostic::warning("network-policy-blocks-dns", message).object(object).at(pod.source.clone())
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/// One end of a connection as policies see it.
#[derive(Clone, Copy, Debug)]
enum Party<'p> {
    /// A pod on the pod network; `index` is its position in the engine's cluster.
    Pod {
        pod: &'p ClusterPod,
        index: Option<usize>,
    },
    /// An address: outside the cluster, a node, or a host-network pod (as its node IP).
    Address {
        ip: Option<IpAddr>,
        host_pod: Option<&'p ClusterPod>,
    },
}

/// What one direction says about a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// This end is not a pod on the pod network, so no policy applies to it.
    NotApplicable,
    NotIsolated,
    /// The peer is the node the pod runs on, which is always allowed.
    OwnNode,
    Allowed {
        policy: u32,
        rule: usize,
    },
    Denied,
}

impl Side {
    fn allows(self) -> bool {
        self != Side::Denied
    }
}

#[derive(Clone, Copy, Debug)]
struct Evaluation {
    /// Source and destination are the same pod, which is always allowed.
    self_traffic: bool,
    egress: Side,
    ingress: Side,
}

impl Evaluation {
    fn allowed(&self) -> bool {
        self.self_traffic || (self.egress.allows() && self.ingress.allows())
    }
}

impl<'a> PolicyEngine<'a> {
    fn party<'p>(&self, peer: Peer<'p>) -> Party<'p> {
        match peer {
            Peer::External(ip) => Party::Address {
                ip: Some(ip),
                host_pod: None,
            },
            Peer::Pod(pod) if pod.spec.host_network => Party::Address {
                ip: self.node_ip(pod).or_else(|| pod.ips.first().copied()),
                host_pod: Some(pod),
            },
            Peer::Pod(pod) => Party::Pod {
                pod,
                index: self.pod_index(pod),
            },
        }
    }

    /// The pod's index in the cluster, when it is one of the cluster's pods (not a copy).
    /// Found by the pod's address in the cluster's list: no lookup by name, so that
    /// building an engine needs no index of every pod.
    fn pod_index(&self, pod: &Arc<ClusterPod>) -> Option<usize> {
        let offset = (pod as *const Arc<ClusterPod> as usize)
            .checked_sub(self.cluster.pods.as_ptr() as usize)?;
        let pod_index = offset / std::mem::size_of::<Arc<ClusterPod>>();
        self.cluster
            .pods
            .get(pod_index)
            .filter(|candidate| std::ptr::eq(*candidate, pod))
            .map(|_| pod_index)
    }

    fn node_ip(&self, pod: &ClusterPod) -> Option<IpAddr> {
        pod.node
            .as_deref()
            .and_then(|node| self.nodes.get(node))
            .map(|node| node.internal_ip)
    }

    fn evaluate(
        &self,
        source: Party<'_>,
        destination: Party<'_>,
        port: u16,
        protocol: Protocol,
    ) -> Evaluation {
        if let (Party::Pod { pod: from, .. }, Party::Pod { pod: to, .. }) = (source, destination) {
            if from.namespace == to.namespace && from.name == to.name {
                return Evaluation {
                    self_traffic: true,
                    egress: Side::NotApplicable,
                    ingress: Side::NotApplicable,
                };
            }
        }
        let egress = match source {
            Party::Pod { pod, index } => self.side(
                PolicyDirection::Egress,
                pod,
                index,
                destination,
                port,
                protocol,
            ),
            Party::Address { .. } => Side::NotApplicable,
        };
        let ingress = match destination {
            Party::Pod { pod, index } => {
                self.side(PolicyDirection::Ingress, pod, index, source, port, protocol)
            }
            Party::Address { .. } => Side::NotApplicable,
        };
        Evaluation {
            self_traffic: false,
            egress,
            ingress,
        }
    }

    /// Evaluates `direction` of `subject` (the isolated pod) against `other`.
    fn side(
        &self,
        direction: PolicyDirection,
        subject: &ClusterPod,
        subject_index: Option<usize>,
        other: Party<'_>,
        port: u16,
        protocol: Protocol,
    ) -> Side {
        let selecting = self.selecting(subject, subject_index, direction);
        if selecting.is_empty() {
            return Side::NotIsolated;
        }
        if let Party::Address { ip: Some(ip), .. } = other {
            if self.node_ip(subject) == Some(ip) {
                return Side::OwnNode;
            }
        }
        // Named ports resolve on the destination of the connection.
        let destination = match (direction, other) {
            (PolicyDirection::Ingress, _) => Some(subject),
            (PolicyDirection::Egress, Party::Pod { pod, .. }) => Some(pod),
            (PolicyDirection::Egress, Party::Address { .. }) => None,
        };
        for &policy_index in selecting.iter() {
            let compiled = &self.policies[policy_index as usize];
            let (rules, ip_blocks) = compiled.rules(direction);
            for (rule_index, (rule, rule_ip_blocks)) in rules.iter().zip(ip_blocks).enumerate() {
                if ports_match(&rule.ports, port, protocol, destination)
                    && self.peers_match(
                        &compiled.policy.meta.namespace,
                        &rule.peers,
                        rule_ip_blocks,
                        other,
                    )
                {
                    return Side::Allowed {
                        policy: policy_index,
                        rule: rule_index,
                    };
                }
            }
        }
        Side::Denied
    }

    fn selecting(
        &self,
        pod: &ClusterPod,
        pod_index: Option<usize>,
        direction: PolicyDirection,
    ) -> Cow<'_, [u32]> {
        let lists = match direction {
            PolicyDirection::Ingress => &self.selections.ingress_by_pod,
            PolicyDirection::Egress => &self.selections.egress_by_pod,
        };
        match pod_index.and_then(|index| lists.get(index)) {
            Some(list) => Cow::Borrowed(list.as_slice()),
            None => Cow::Owned(self.compute_selecting(pod, direction)),
        }
    }

    fn compute_selecting(&self, pod: &ClusterPod, direction: PolicyDirection) -> Vec<u32> {
        self.selecting_among(self.policies_in(&pod.namespace), pod, direction)
    }

    /// The positions of the policies in `namespace`.
    fn policies_in(&self, namespace: &str) -> &[u32] {
        self.policies_by_namespace
            .binary_search_by(|(candidate, _)| (*candidate).cmp(namespace))
            .map_or(&[], |found| &self.policies_by_namespace[found].1)
    }

    /// The policies among `candidates` (of the pod's namespace) that select the pod
    /// for `direction`.
    fn selecting_among(
        &self,
        candidates: &[u32],
        pod: &ClusterPod,
        direction: PolicyDirection,
    ) -> Vec<u32> {
        if pod.spec.host_network {
            return Vec::new();
        }
        candidates
            .iter()
            .copied()
            .filter(|&policy_index| {
                let policy = self.policies[policy_index as usize].policy;
                policy.policy_types.contains(&direction) && policy.pod_selector.matches(&pod.labels)
            })
            .collect()
    }

    fn peers_match(
        &self,
        policy_namespace: &str,
        peers: &[PolicyPeer],
        ip_blocks: &[Option<CompiledIpBlock>],
        other: Party<'_>,
    ) -> bool {
        peers.is_empty()
            || peers.iter().zip(ip_blocks).any(|(peer, ip_block)| {
                self.peer_matches(policy_namespace, peer, ip_block.as_ref(), other)
            })
    }

    fn peer_matches(
        &self,
        policy_namespace: &str,
        peer: &PolicyPeer,
        ip_block: Option<&CompiledIpBlock>,
        other: Party<'_>,
    ) -> bool {
        // The API forbids combining ipBlock with selectors; when both are written the
        // ipBlock decides, as in kube-network-policies.
        if let Some(ip_block) = ip_block {
            return match other {
                Party::Pod { pod, .. } => pod.ips.iter().any(|&ip| ip_block.contains(ip)),
                Party::Address { ip, .. } => ip.is_some_and(|ip| ip_block.contains(ip)),
            };
        }
        let Party::Pod { pod, .. } = other else {
            return false;
        };
        match (&peer.pod_selector, &peer.namespace_selector) {
            (None, None) => false,
            (Some(pod_selector), None) => {
                pod.namespace == policy_namespace && pod_selector.matches(&pod.labels)
            }
            (pod_selector, Some(namespace_selector)) => {
                pod_selector
                    .as_ref()
                    .is_none_or(|selector| selector.matches(&pod.labels))
                    && namespace_selector.matches(&self.namespace_labels(&pod.namespace))
            }
        }
    }
}

/// Whether a rule's ports admit `port`/`protocol` on `destination` (`None` for an
/// address, where named ports cannot match).
fn ports_match(
    ports: &[PolicyPort],
    port: u16,
    protocol: Protocol,
    destination: Option<&ClusterPod>,
) -> bool {
    let port = i64::from(port);
    ports.is_empty()
        || ports.iter().any(|policy_port| {
            policy_port.protocol == protocol
                && match &policy_port.port {
                    None => true,
                    Some(PortRef::Number(number)) => {
                        *number == port
                            || policy_port
                                .end_port
                                .is_some_and(|end_port| *number <= port && port <= end_port)
                    }
                    Some(PortRef::Name(name)) => destination.is_some_and(|pod| {
                        pod.spec
                            .containers
                            .iter()
                            .flat_map(|container| container.ports.iter())
                            .any(|container_port| {
                                container_port.name.as_deref() == Some(name.as_str())
                                    && container_port.protocol == protocol
                                    && container_port.container_port == port
                            })
                    }),
                }
        })
}

// ---------------------------------------------------------------------------
// Explanations
// ---------------------------------------------------------------------------

impl<'a> PolicyEngine<'a> {
    fn explain(
        &self,
        evaluation: &Evaluation,
        source: Party<'_>,
        destination: Party<'_>,
        port: u16,
        protocol: Protocol,
    ) -> Verdict {
        if evaluation.self_traffic {
            return Verdict {
                allowed: true,
                direction: None,
                reason: format!(
                    "allowed: {} connects to itself, which NetworkPolicy never blocks",
                    describe(source)
                ),
                policy: None,
            };
        }
        let traffic = format!("{protocol}/{port}");
        let denial = |direction: PolicyDirection,
                      subject: Party<'_>,
                      other: Party<'_>|
         -> (String, String) {
            let Party::Pod { pod, index } = subject else {
                return (String::new(), String::new());
            };
            let keys: Vec<String> = self
                .selecting(pod, index, direction)
                .iter()
                .map(|&i| self.policies[i as usize].key.clone())
                .collect();
            let (noun, verb) = if keys.len() == 1 {
                ("NetworkPolicy", "selects")
            } else {
                ("NetworkPolicies", "select")
            };
            let what = match direction {
                PolicyDirection::Ingress => format!("{} on {traffic}", describe(other)),
                PolicyDirection::Egress => format!("traffic to {} on {traffic}", describe(other)),
            };
            let reason = format!(
                "denied by {} isolation of {}: {noun} {} {verb} it and none allows {what}",
                direction_word(direction),
                pod.key(),
                keys.join(", ")
            );
            (reason, keys.join(", "))
        };
        match (evaluation.egress, evaluation.ingress) {
            (Side::Denied, ingress) => {
                let (mut reason, policy) = denial(PolicyDirection::Egress, source, destination);
                if ingress == Side::Denied {
                    let (ingress_reason, _) = denial(PolicyDirection::Ingress, destination, source);
                    reason.push_str("; it would also be ");
                    reason.push_str(&ingress_reason);
                }
                Verdict {
                    allowed: false,
                    direction: Some(PolicyDirection::Egress),
                    reason,
                    policy: Some(policy),
                }
            }
            (_, Side::Denied) => {
                let (reason, policy) = denial(PolicyDirection::Ingress, destination, source);
                Verdict {
                    allowed: false,
                    direction: Some(PolicyDirection::Ingress),
                    reason,
                    policy: Some(policy),
                }
            }
            (egress, ingress) => {
                let mut allowed_by = Vec::new();
                let mut policy_keys = Vec::new();
                let mut notes = Vec::new();
                for (direction, side, subject) in [
                    (PolicyDirection::Egress, egress, source),
                    (PolicyDirection::Ingress, ingress, destination),
                ] {
                    let subject_name = describe(subject);
                    match side {
                        Side::Allowed { policy, rule } => {
                            let key = &self.policies[policy as usize].key;
                            allowed_by.push(format!(
                                "NetworkPolicy {key} ({} rule {rule})",
                                direction_word(direction)
                            ));
                            policy_keys.push(key.clone());
                        }
                        Side::NotIsolated => notes.push(format!(
                            "no NetworkPolicy isolates {subject_name} for {}",
                            direction_word(direction)
                        )),
                        Side::OwnNode => notes.push(format!(
                            "{subject_name} may always exchange traffic with its own node"
                        )),
                        Side::NotApplicable | Side::Denied => {}
                    }
                }
                let reason = match (allowed_by.is_empty(), notes.is_empty()) {
                    (false, true) => format!("allowed by {}", allowed_by.join(" and ")),
                    (false, false) => format!("allowed by {}; {}", allowed_by.join(" and "), notes.join("; ")),
                    (true, false) => format!("allowed: {}", notes.join("; ")),
                    (true, true) => "allowed: neither end is a pod on the pod network, so no NetworkPolicy applies".to_string(),
                };
                let policy = (!policy_keys.is_empty()).then(|| policy_keys.join(", "));
                Verdict {
                    allowed: true,
                    direction: None,
                    reason,
                    policy,
                }
            }
        }
    }
}

fn describe(party: Party<'_>) -> String {
    match party {
        Party::Pod { pod, .. } => pod.key().to_string(),
        Party::Address {
            ip: Some(ip),
            host_pod: Some(pod),
        } => format!("host-network pod {} (node address {ip})", pod.key()),
        Party::Address {
            ip: None,
            host_pod: Some(pod),
        } => format!("host-network pod {} (no known address)", pod.key()),
        Party::Address {
            ip: Some(ip),
            host_pod: None,
        } => ip.to_string(),
        Party::Address {
            ip: None,
            host_pod: None,
        } => "an unknown address".to_string(),
    }
}

fn direction_word(direction: PolicyDirection) -> &'static str {
    match direction {
        PolicyDirection::Ingress => "ingress",
        PolicyDirection::Egress => "egress",
    }
}

fn policy_key(policy: &NetworkPolicy) -> String {
    format!("{}/{}", policy.meta.namespace, policy.meta.name)
}

fn name_policies(keys: &[String]) -> String {
    match keys.len() {
        1 => format!("NetworkPolicy {}", keys[0]),
        _ => format!("NetworkPolicies {}", keys.join(", ")),
    }
}

/// `Kind/namespace/name` of the pod's workload, or `Pod/namespace/name` for a bare pod.
fn workload_object(pod: &ClusterPod) -> String {
    match &pod.workload {
        Some(workload) => format!("{}/{}/{}", workload.kind, pod.namespace, workload.name),
        None => format!("Pod/{}", pod.key()),
    }
}

// ---------------------------------------------------------------------------
// Compiled policies and addresses
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct CompiledPolicy<'a> {
    policy: &'a NetworkPolicy,
    /// `namespace/name`.
    key: String,
    /// Parsed ipBlocks, indexed by rule then peer, for each direction.
    ingress_ip_blocks: Vec<Vec<Option<CompiledIpBlock>>>,
    egress_ip_blocks: Vec<Vec<Option<CompiledIpBlock>>>,
}

impl<'a> CompiledPolicy<'a> {
    fn new(policy: &'a NetworkPolicy) -> CompiledPolicy<'a> {
        let compile = |rules: &[PolicyRule]| -> Vec<Vec<Option<CompiledIpBlock>>> {
            rules
                .iter()
                .map(|rule| {
                    rule.peers
                        .iter()
                        .map(|peer| peer.ip_block.as_ref().map(CompiledIpBlock::new))
                        .collect()
                })
                .collect()
        };
        CompiledPolicy {
            policy,
            key: policy_key(policy),
            ingress_ip_blocks: compile(&policy.ingress),
            egress_ip_blocks: compile(&policy.egress),
        }
    }

    fn rules(
        &self,
        direction: PolicyDirection,
    ) -> (&'a [PolicyRule], &[Vec<Option<CompiledIpBlock>>]) {
        match direction {
            PolicyDirection::Ingress => (&self.policy.ingress, &self.ingress_ip_blocks),
            PolicyDirection::Egress => (&self.policy.egress, &self.egress_ip_blocks),
        }
    }
}

#[derive(Clone, Debug)]
struct CompiledIpBlock {
    /// `None` when the CIDR does not parse: the API would reject it, so it matches nothing.
    cidr: Option<Cidr>,
    except: Vec<Cidr>,
}

impl CompiledIpBlock {
    fn new(ip_block: &IpBlock) -> CompiledIpBlock {
        CompiledIpBlock {
            cidr: Cidr::parse(ip_block.cidr.trim()).ok(),
            except: ip_block
                .except
                .iter()
                .filter_map(|text| Cidr::parse(text.trim()).ok())
                .collect(),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.cidr.is_some_and(|cidr| cidr.contains(ip))
            && !self.except.iter().any(|except| except.contains(ip))
    }
}

fn with_name_label(namespace: &str, mut labels: Labels) -> Labels {
    // The API server sets this label on every namespace and overwrites any other value.
    labels.insert(NAMESPACE_NAME_LABEL.to_string(), namespace.to_string());
    labels
}

fn is_kube_dns(pod: &ClusterPod) -> bool {
    pod.namespace == KUBE_DNS_NAMESPACE
        && !pod.spec.host_network
        && pod
            .labels
            .get(KUBE_DNS_LABEL.0)
            .is_some_and(|value| value == KUBE_DNS_LABEL.1)
}

/// A kube-dns pod as kubeadm's CoreDNS Deployment makes it, for clusters whose
/// manifests do not include one. It has no address: ipBlocks are checked against
/// the DNS Service address instead.
fn assumed_kube_dns_pod() -> ClusterPod {
    let port = |name: &str, protocol: Protocol| ContainerPort {
        name: Some(name.to_string()),
        container_port: i64::from(DNS_PORT),
        protocol,
        host_port: None,
    };
    let container = Container {
        name: "coredns".to_string(),
        ports: vec![port("dns", Protocol::Udp), port("dns-tcp", Protocol::Tcp)],
        probes: Vec::new(),
        address_hints: Vec::new(),
        restartable_init: false,
        field: "spec.template.spec.containers[0]".to_string(),
    };
    let mut labels = Labels::new();
    labels.insert(KUBE_DNS_LABEL.0.to_string(), KUBE_DNS_LABEL.1.to_string());
    ClusterPod {
        namespace: KUBE_DNS_NAMESPACE.to_string(),
        name: "kube-dns".to_string(),
        labels,
        node: None,
        ips: Vec::new(),
        phase: PodPhase::Running,
        ready: true,
        terminating: false,
        owner: None,
        workload: Some(KindRef::new("Deployment", "coredns")),
        simulated: true,
        hostname: None,
        subdomain: None,
        spec: Arc::new(PodSpec {
            containers: vec![container],
            ..PodSpec::default()
        }),
        source: Source::default(),
    }
}
