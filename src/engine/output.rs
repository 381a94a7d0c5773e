//! The JSON document of `kubetopo analyze --format json` (docs/json-output.md).
//!
//! A separate, explicit shape: internal types can change without breaking users.
//! Keys are camelCase, lists are sorted, maps are ordered.
//!
//! The document can be large (250,000 pods), so `write_json` streams it to a writer
//! and the pod list is built one pod at a time while it is written, never whole.

use crate::engine::sort::{CollectCompact, SortCompact};
use std::io;
use std::net::IpAddr;
use std::sync::Arc;

use serde::ser::SerializeSeq;
use serde::{Serialize, Serializer};

use super::cluster::ClusterPod;
use super::deps::Dependency;
use super::diag::Diagnostic;
use super::gateway::backend_tls::ResolvedBackendTlsPolicy;
use super::gateway::status::{
    ResolvedGateway, ResolvedListener, ResolvedListenerSet, ResolvedRoute,
};
use super::ingress::ResolvedIngress;
use super::model::{
    NetworkPolicy, PodPhase, PolicyDirection, PolicyPeer, PolicyPort, PolicyRule, PortRef, Protocol,
};
use super::netpol::PolicyEngine;
use super::refs::KindRef;
use super::resolve::ResolvedService;
use super::selector::{LabelSelector, Labels};
use super::Topology;

/// Bumped on any incompatible change to this document. Adding a key is compatible
/// (readers ignore keys they do not know), so `networkPolicies` left it at 1.
/// Version 2 added `gateways` and `routes` (Gateway API, §11), and Gateway API
/// objects no longer appear in `ignored`.
pub const SCHEMA_VERSION: u32 = 2;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisOutput<'t> {
    pub schema_version: u32,
    pub cluster_domain: &'t str,
    pub nodes: Vec<NodeOutput<'t>>,
    pub pods: PodsOutput<'t>,
    pub services: &'t [std::sync::Arc<ResolvedService>],
    pub ingresses: &'t [ResolvedIngress],
    pub gateways: &'t [ResolvedGateway],
    pub routes: &'t [ResolvedRoute],
    pub listener_sets: Vec<ListenerSetOutput<'t>>,
    #[serde(rename = "backendTLSPolicies")]
    pub backend_tls_policies: &'t [ResolvedBackendTlsPolicy],
    pub network_policies: Vec<NetworkPolicyOutput<'t>>,
    pub dependencies: &'t [Dependency],
    pub ignored: Vec<String>,
    pub diagnostics: &'t [Diagnostic],
}

/// A ListenerSet's status with its listeners (§11.16), which the Gateway holds.
#[derive(Serialize)]
pub struct ListenerSetOutput<'t> {
    #[serde(flatten)]
    pub set: &'t ResolvedListenerSet,
    pub listeners: Vec<&'t ResolvedListener>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeOutput<'t> {
    pub name: &'t str,
    pub zone: Option<&'t str>,
    #[serde(rename = "internalIP")]
    pub internal_ip: IpAddr,
    pub ready: bool,
    pub unschedulable: bool,
    #[serde(rename = "podCIDR")]
    pub pod_cidr: Option<String>,
    pub simulated: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodOutput<'t> {
    pub namespace: &'t str,
    pub name: &'t str,
    pub labels: &'t Labels,
    pub node: Option<&'t str>,
    pub ip: Option<IpAddr>,
    pub phase: PodPhase,
    pub ready: bool,
    pub terminating: bool,
    pub owner: Option<&'t KindRef>,
    pub workload: Option<&'t KindRef>,
    pub simulated: bool,
    pub hostname: Option<&'t str>,
    pub subdomain: Option<&'t str>,
    /// The pod's own DNS name, `a-b-c-d.<ns>.pod.<zone>` (§6).
    pub dns_name: Option<String>,
    pub ports: Vec<PodPortOutput<'t>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodPortOutput<'t> {
    pub container: &'t str,
    pub name: Option<&'t str>,
    pub container_port: i64,
    pub protocol: Protocol,
}

impl<'t> AnalysisOutput<'t> {
    pub fn new(topology: &'t Topology) -> AnalysisOutput<'t> {
        let domain = topology.config.cluster_domain.as_str();
        let mut pod_order: Vec<usize> = (0..topology.cluster.pods.len()).collect();
        pod_order.sort_compact_by(|&a, &b| {
            let (a, b) = (&topology.cluster.pods[a], &topology.cluster.pods[b]);
            (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
        });
        let mut nodes: Vec<NodeOutput> = topology
            .cluster
            .nodes
            .iter()
            .map(|node| NodeOutput {
                name: &node.name,
                zone: node.zone.as_deref(),
                internal_ip: node.internal_ip,
                ready: node.ready,
                unschedulable: node.unschedulable,
                pod_cidr: node.pod_cidr.map(|c| c.to_string()),
                simulated: node.simulated,
            })
            .collect();
        nodes.sort_compact_by(|a, b| a.name.cmp(b.name));
        AnalysisOutput {
            schema_version: SCHEMA_VERSION,
            cluster_domain: domain,
            nodes,
            pods: PodsOutput {
                pods: &topology.cluster.pods,
                order: pod_order,
                cluster_domain: domain,
            },
            services: &topology.services,
            ingresses: &topology.ingresses,
            gateways: &topology.gateway.gateways,
            routes: &topology.gateway.routes,
            listener_sets: topology
                .gateway
                .listener_sets
                .iter()
                .map(|set| ListenerSetOutput {
                    set,
                    listeners: topology.gateway.listener_set_listeners(set),
                })
                .collect(),
            backend_tls_policies: &topology.gateway.backend_tls_policies,
            network_policies: network_policies(topology),
            dependencies: &topology.dependencies,
            ignored: topology
                .manifests
                .ignored
                .iter()
                .map(|(object, _)| object.to_string())
                .collect(),
            diagnostics: &topology.diagnostics,
        }
    }
}

/// Pretty JSON of the whole analysis, as one string. For large clusters prefer
/// `write_json`, which gives the same bytes without holding them all.
pub fn to_json(topology: &Topology) -> String {
    let mut bytes = Vec::new();
    match write_json(topology, &mut bytes) {
        // serde_json writes only valid UTF-8.
        Ok(()) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => format!("{{\"error\": \"{error}\"}}"),
    }
}

/// Streams the pretty JSON of the whole analysis to `writer`, without a trailing
/// newline. Wrap an unbuffered writer in a `BufWriter`: serde_json writes in small
/// pieces. An error is the writer's (a full disk, a closed pipe).
pub fn write_json(topology: &Topology, writer: impl io::Write) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::pretty(writer);
    AnalysisOutput::new(topology)
        .serialize(&mut serializer)
        .map_err(io::Error::from)
}

/// The same document as [`write_json`], as YAML, also streamed to the writer.
pub fn write_yaml(topology: &Topology, writer: impl io::Write) -> io::Result<()> {
    serde_yaml::to_writer(writer, &AnalysisOutput::new(topology)).map_err(|error| {
        // serde_yaml wraps the writer's own error; keep its kind (a full disk, a
        // closed pipe) so the CLI reports it as such.
        match std::error::Error::source(&error)
            .and_then(|source| source.downcast_ref::<io::Error>())
        {
            Some(io_error) => io::Error::new(io_error.kind(), io_error.to_string()),
            None => io::Error::other(error),
        }
    })
}

/// The pods, sorted by namespace and name, each turned into its `PodOutput` only
/// while it is written.
pub struct PodsOutput<'t> {
    pods: &'t [Arc<ClusterPod>],
    /// Indices into `pods`, in output order.
    order: Vec<usize>,
    cluster_domain: &'t str,
}

impl<'t> PodsOutput<'t> {
    pub fn len(&self) -> usize {
        self.order.len()
    }
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
    /// The pods in output order.
    pub fn iter(&self) -> impl Iterator<Item = PodOutput<'t>> + '_ {
        self.order
            .iter()
            .map(|&index| pod_output(&self.pods[index], self.cluster_domain))
    }
}

impl<'a, 't> IntoIterator for &'a PodsOutput<'t> {
    type Item = PodOutput<'t>;
    type IntoIter = Box<dyn Iterator<Item = PodOutput<'t>> + 'a>;
    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Serialize for PodsOutput<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sequence = serializer.serialize_seq(Some(self.order.len()))?;
        for pod in self.iter() {
            sequence.serialize_element(&pod)?;
        }
        sequence.end()
    }
}

fn pod_output<'t>(pod: &'t ClusterPod, domain: &str) -> PodOutput<'t> {
    PodOutput {
        namespace: &pod.namespace,
        name: &pod.name,
        labels: &pod.labels,
        node: pod.node.as_deref(),
        ip: pod.ips.first().copied(),
        phase: pod.phase,
        ready: pod.ready,
        terminating: pod.terminating,
        owner: pod.owner.as_ref(),
        workload: pod.workload.as_ref(),
        simulated: pod.simulated,
        hostname: pod.hostname.as_deref(),
        subdomain: pod.subdomain.as_deref(),
        dns_name: pod.ips.first().map(|ip| {
            format!(
                "{}.{}.pod.{domain}",
                super::resolve::dashed_ip(ip),
                pod.namespace
            )
        }),
        ports: pod
            .spec
            .containers
            .iter()
            .flat_map(|c| {
                c.ports.iter().map(move |p| PodPortOutput {
                    container: &c.name,
                    name: p.name.as_deref(),
                    container_port: p.container_port,
                    protocol: p.protocol,
                })
            })
            .collect(),
    }
}

/// One NetworkPolicy as read, after defaulting, with the pods it selects.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyOutput<'t> {
    pub namespace: &'t str,
    pub name: &'t str,
    /// kubectl's selector syntax; `""` selects every pod in the namespace.
    pub pod_selector: Option<String>,
    pub policy_types: &'t [PolicyDirection],
    pub ingress: Vec<PolicyRuleOutput<'t>>,
    pub egress: Vec<PolicyRuleOutput<'t>>,
    /// `namespace/name` of every pod the policy applies to, sorted.
    pub selected_pods: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRuleOutput<'t> {
    /// `from` for ingress rules, `to` for egress rules; `[]` means every peer.
    pub peers: Vec<PolicyPeerOutput<'t>>,
    /// `[]` means every port.
    pub ports: Vec<PolicyPortOutput<'t>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyPeerOutput<'t> {
    pub pod_selector: Option<String>,
    pub namespace_selector: Option<String>,
    pub ip_block: Option<IpBlockOutput<'t>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IpBlockOutput<'t> {
    pub cidr: &'t str,
    pub except: &'t [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyPortOutput<'t> {
    pub protocol: Protocol,
    pub port: Option<&'t PortRef>,
    pub end_port: Option<i64>,
}

/// The policies sorted by namespace and name, each with the pods it selects.
fn network_policies(topology: &Topology) -> Vec<NetworkPolicyOutput<'_>> {
    let policies = &topology.manifests.network_policies;
    if policies.is_empty() {
        return Vec::new();
    }
    let policy_engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    // Policy identity is (namespace, name): the input may not repeat it, and a
    // duplicate is reported (`duplicate-object`) with the later one kept. The pods
    // each selects, by its position.
    let positions: std::collections::BTreeMap<(&str, &str), usize> = policies
        .iter()
        .enumerate()
        .map(|(position, policy)| {
            let key = (policy.meta.namespace.as_str(), policy.meta.name.as_str());
            (key, position)
        })
        .collect_map();
    let mut selected: Vec<Vec<String>> = policies.iter().map(|_| Vec::new()).collect();
    for (pod_index, pod) in topology.cluster.pods.iter().enumerate() {
        let selecting = policy_engine
            .policies_selecting(pod_index, PolicyDirection::Ingress)
            .chain(policy_engine.policies_selecting(pod_index, PolicyDirection::Egress));
        let mut found: Vec<usize> = selecting
            .filter_map(|policy| {
                let key = (policy.meta.namespace.as_str(), policy.meta.name.as_str());
                positions.get(&key).copied()
            })
            .collect();
        found.sort_compact();
        found.dedup();
        for position in found {
            selected[position].push(format!("{}/{}", pod.namespace, pod.name));
        }
    }
    let mut outputs: Vec<NetworkPolicyOutput> = policies
        .iter()
        .zip(selected)
        .map(|(policy, mut selected_pods)| {
            selected_pods.sort_compact();
            network_policy_output(policy, selected_pods)
        })
        .collect();
    outputs.sort_compact_by(|a, b| (a.namespace, a.name).cmp(&(b.namespace, b.name)));
    outputs
}

fn network_policy_output(
    policy: &NetworkPolicy,
    selected_pods: Vec<String>,
) -> NetworkPolicyOutput<'_> {
    NetworkPolicyOutput {
        namespace: &policy.meta.namespace,
        name: &policy.meta.name,
        pod_selector: selector_text(&policy.pod_selector),
        policy_types: &policy.policy_types,
        ingress: policy.ingress.iter().map(rule_output).collect(),
        egress: policy.egress.iter().map(rule_output).collect(),
        selected_pods,
    }
}

fn rule_output(rule: &PolicyRule) -> PolicyRuleOutput<'_> {
    PolicyRuleOutput {
        peers: rule.peers.iter().map(peer_output).collect(),
        ports: rule.ports.iter().map(port_output).collect(),
    }
}

fn peer_output(peer: &PolicyPeer) -> PolicyPeerOutput<'_> {
    PolicyPeerOutput {
        pod_selector: peer.pod_selector.as_ref().and_then(selector_text),
        namespace_selector: peer.namespace_selector.as_ref().and_then(selector_text),
        ip_block: peer.ip_block.as_ref().map(|ip_block| IpBlockOutput {
            cidr: &ip_block.cidr,
            except: &ip_block.except,
        }),
    }
}

fn port_output(port: &PolicyPort) -> PolicyPortOutput<'_> {
    PolicyPortOutput {
        protocol: port.protocol,
        port: port.port.as_ref(),
        end_port: port.end_port,
    }
}

/// A selector in kubectl's syntax (`app=web,tier in (a,b)`); `None` for a selector
/// that matches nothing (`null` where one was required).
fn selector_text(selector: &LabelSelector) -> Option<String> {
    match selector {
        LabelSelector::Nothing => None,
        LabelSelector::Match(selector) => Some(selector.to_string()),
    }
}
