//! The JSON document of `kubetopo analyze --format json` (docs/json-output.md).
//!
//! A separate, explicit shape: internal types can change without breaking users.
//! Keys are camelCase, lists are sorted, maps are ordered.

use std::net::IpAddr;

use serde::Serialize;

use super::deps::Dependency;
use super::diag::Diagnostic;
use super::ingress::ResolvedIngress;
use super::model::{PodPhase, Protocol};
use super::refs::KindRef;
use super::resolve::ResolvedService;
use super::selector::Labels;
use super::Topology;

/// Bumped on any incompatible change to this document.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisOutput<'t> {
    pub schema_version: u32,
    pub cluster_domain: &'t str,
    pub nodes: Vec<NodeOutput<'t>>,
    pub pods: Vec<PodOutput<'t>>,
    pub services: &'t [ResolvedService],
    pub ingresses: &'t [ResolvedIngress],
    pub dependencies: &'t [Dependency],
    pub ignored: Vec<String>,
    pub diagnostics: &'t [Diagnostic],
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
        let mut pods: Vec<PodOutput> = topology
            .cluster
            .pods
            .iter()
            .map(|pod| PodOutput {
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
            })
            .collect();
        pods.sort_by(|a, b| (a.namespace, a.name).cmp(&(b.namespace, b.name)));
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
        nodes.sort_by(|a, b| a.name.cmp(b.name));
        AnalysisOutput {
            schema_version: SCHEMA_VERSION,
            cluster_domain: domain,
            nodes,
            pods,
            services: &topology.services,
            ingresses: &topology.ingresses,
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

/// Pretty JSON of the whole analysis.
pub fn to_json(topology: &Topology) -> String {
    serde_json::to_string_pretty(&AnalysisOutput::new(topology))
        .unwrap_or_else(|error| format!("{{\"error\": \"{error}\"}}"))
}
