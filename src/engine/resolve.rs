//! Resolution: Services get their addresses (§3), endpoints (§4) and DNS records (§6).

use crate::engine::sort::{insert_sorted, SortCompact};
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use super::alloc::{BandAllocator, ClaimError};
use super::cidr::Cidr;
use super::cluster::{Cluster, ClusterPod, NodesByName, PodIndex};
use super::config::Config;
use super::diag::Diagnostic;
use super::model::*;
use super::pause::{self, Pause};
use super::refs::NamespacedName;
use super::selector::Labels;
use super::text;

pub const NODE_PORT_FIRST: u64 = 30000;
pub const NODE_PORT_LAST: u64 = 32767;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedPort {
    pub name: Option<String>,
    pub protocol: Protocol,
    pub port: i64,
    pub target_port: PortRef,
    pub node_port: Option<i64>,
}

impl ResolvedPort {
    /// The port as tables list it: `80/TCP`, or `80:30080/TCP` with its nodePort.
    pub fn summary(&self) -> String {
        match self.node_port {
            Some(node_port) => format!("{}:{}/{}", self.port, node_port, self.protocol),
            None => format!("{}/{}", self.port, self.protocol),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointPort {
    pub name: Option<String>,
    pub port: i64,
    pub protocol: Protocol,
}

/// `name:port/PROTOCOL`, or `port/PROTOCOL` for an unnamed port.
impl std::fmt::Display for EndpointPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(name) = &self.name {
            write!(f, "{name}:")?;
        }
        write!(f, "{}/{}", self.port, self.protocol)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// The backing pod, or `None` for manual endpoints.
    pub pod: Option<NamespacedName>,
    #[serde(skip)]
    pub pod_index: Option<usize>,
    pub addresses: Vec<IpAddr>,
    pub node: Option<String>,
    pub zone: Option<String>,
    pub hostname: Option<String>,
    pub ready: bool,
    pub serving: bool,
    pub terminating: bool,
    pub ports: Vec<EndpointPort>,
    /// Topology hints (§4 "Hints"): zones, then nodes.
    pub hint_zones: Vec<String>,
    pub hint_nodes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct DnsRecord {
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: &'static str,
    pub data: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedService {
    pub namespace: String,
    pub name: String,
    #[serde(rename = "type")]
    pub service_type: ServiceType,
    pub headless: bool,
    #[serde(rename = "clusterIPs")]
    pub cluster_ips: Vec<IpAddr>,
    pub external_name: Option<String>,
    #[serde(rename = "externalIPs")]
    pub external_ips: Vec<IpAddr>,
    #[serde(rename = "loadBalancerIPs")]
    pub load_balancer_ips: Vec<IpAddr>,
    pub load_balancer_source_ranges: Vec<Cidr>,
    pub selector: Option<Labels>,
    pub ports: Vec<ResolvedPort>,
    pub health_check_node_port: Option<i64>,
    /// After defaulting: `Some` exactly when the Service is externally accessible (§2).
    pub external_traffic_policy: Option<TrafficPolicy>,
    pub internal_traffic_policy: Option<TrafficPolicy>,
    pub session_affinity: SessionAffinity,
    pub session_affinity_timeout_seconds: Option<i64>,
    pub publish_not_ready_addresses: bool,
    pub traffic_distribution: Option<TrafficDistribution>,
    pub endpoints: Vec<Endpoint>,
    pub dns: Vec<DnsRecord>,
    #[serde(skip)]
    pub source: super::diag::Source,
}

impl ResolvedService {
    pub fn key(&self) -> NamespacedName {
        NamespacedName::new(&self.namespace, &self.name)
    }
    pub fn fqdn(&self, cluster_domain: &str) -> String {
        [
            self.name.as_str(),
            ".",
            &self.namespace,
            ".svc.",
            cluster_domain,
        ]
        .concat()
    }
    /// `ExternallyAccessible` (K/K pkg/proxy/serviceport.go, §5.1).
    pub fn externally_accessible(&self) -> bool {
        self.ports.iter().any(|p| p.node_port.is_some())
            || !self.load_balancer_ips.is_empty()
            || !self.external_ips.is_empty()
    }
}

/// Addresses, endpoints and DNS for every Service. Services are processed in
/// (namespace, name) order so allocation is deterministic.
pub fn resolve_services(
    manifests: &Manifests,
    cluster: &Cluster,
    index: &PodIndex,
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Arc<ResolvedService>> {
    pause::finish(resolve_services_pausable(
        manifests,
        cluster,
        index,
        config,
        diagnostics,
        &Pause::never(),
    ))
}

/// [`resolve_services`], pausing between Services when `pause` says so.
pub async fn resolve_services_pausable(
    manifests: &Manifests,
    cluster: &Cluster,
    index: &PodIndex,
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
    pause: &Pause<'_>,
) -> Vec<Arc<ResolvedService>> {
    let mut services: Vec<&Service> = manifests.services.iter().map(|s| &**s).collect();
    services.sort_compact_by(|a, b| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    let cluster_ips = allocate_cluster_ips(&services, config, diagnostics);
    let node_ports = allocate_node_ports(&services, diagnostics);
    let load_balancer_ips = allocate_load_balancer_ips(&services, config);
    let zones_by_node = NodesByName::new(&cluster.nodes);

    let mut resolved_services = Vec::with_capacity(services.len());
    for (position, service) in services.iter().enumerate() {
        pause.point().await;
        resolved_services.push({
            let spec = &service.spec;
            let (ports, health_check_node_port) = node_ports[position].clone();
            let externally_accessible = ports.iter().any(|p| p.node_port.is_some())
                || matches!(
                    spec.service_type,
                    ServiceType::NodePort | ServiceType::LoadBalancer
                )
                || !spec.external_ips.is_empty();
            let mut resolved = ResolvedService {
                namespace: service.meta.namespace.clone(),
                name: service.meta.name.clone(),
                service_type: spec.service_type,
                headless: spec.is_headless() && spec.service_type != ServiceType::ExternalName,
                cluster_ips: cluster_ips[position].clone(),
                external_name: spec
                    .external_name
                    .as_ref()
                    .map(|n| n.trim_end_matches('.').to_string()),
                external_ips: spec
                    .external_ips
                    .iter()
                    .filter_map(|ip| ip.parse().ok())
                    .collect(),
                load_balancer_ips: load_balancer_ips[position].clone(),
                // Parsed once here; ranges that are not CIDRs are reported by
                // validation (§2) and, like kube-proxy, left out.
                load_balancer_source_ranges: spec
                    .load_balancer_source_ranges
                    .iter()
                    .filter_map(|range| Cidr::parse(range.trim()).ok())
                    .collect(),
                selector: if spec.service_type == ServiceType::ExternalName {
                    None
                } else {
                    spec.selector.clone()
                },
                ports,
                health_check_node_port,
                external_traffic_policy: externally_accessible.then(|| {
                    spec.external_traffic_policy
                        .unwrap_or(TrafficPolicy::Cluster)
                }),
                internal_traffic_policy: (spec.service_type != ServiceType::ExternalName).then(
                    || {
                        spec.internal_traffic_policy
                            .unwrap_or(TrafficPolicy::Cluster)
                    },
                ),
                session_affinity: spec.session_affinity,
                session_affinity_timeout_seconds: (spec.session_affinity
                    == SessionAffinity::ClientIP)
                    .then(|| spec.session_affinity_timeout.unwrap_or(10800)),
                publish_not_ready_addresses: spec.publish_not_ready_addresses,
                traffic_distribution: spec.traffic_distribution,
                endpoints: Vec::new(),
                dns: Vec::new(),
                source: service.meta.source.clone(),
            };
            resolved.endpoints = match (&resolved.selector, spec.service_type) {
                (_, ServiceType::ExternalName) => Vec::new(),
                (Some(selector), _) if !selector.is_empty() => {
                    let selected = index.select_map(&resolved.namespace, selector);
                    endpoints_from_pods(
                        &resolved,
                        service,
                        &selected,
                        &cluster.pods,
                        &zones_by_node,
                    )
                }
                _ => endpoints_from_slices(&resolved, &manifests.endpoint_slices, &zones_by_node),
            };
            resolved.dns = dns_records(&resolved, &config.cluster_domain);
            Arc::new(resolved)
        });
    }
    resolved_services
}

/// Computes the endpoints of one Service from the pods its selector picked (§4).
pub fn endpoints_from_pods(
    service: &ResolvedService,
    raw: &Service,
    selected: &[usize],
    pods: &[Arc<ClusterPod>],
    zones_by_node: &NodesByName<'_>,
) -> Vec<Endpoint> {
    let mut endpoints = Vec::with_capacity(selected.len());
    for &pod_index in selected {
        let pod = &pods[pod_index];
        // ShouldPodBeInEndpoints with includeTerminating=true (EndpointSlice controller).
        if pod.phase.is_terminal() || pod.ips.is_empty() {
            continue;
        }
        let node_known = pod
            .node
            .as_deref()
            .is_some_and(|n| zones_by_node.get(n).is_some());
        if pod.node.is_some() && !node_known && !service.publish_not_ready_addresses {
            continue;
        }
        let serving = pod.ready;
        let terminating = pod.terminating;
        let ready = service.publish_not_ready_addresses || (serving && !terminating);
        let zone = pod
            .node
            .as_deref()
            .and_then(|n| zones_by_node.zone(n))
            .map(str::to_string);
        let hostname = pod
            .hostname
            .clone()
            .filter(|h| !h.is_empty() && pod.subdomain.as_deref() == Some(raw.meta.name.as_str()));
        let ports = service
            .ports
            .iter()
            .filter_map(|service_port| {
                resolve_target_port(&service_port.target_port, service_port.protocol, &pod.spec)
                    .map(|port| EndpointPort {
                        name: service_port.name.clone(),
                        port,
                        protocol: service_port.protocol,
                    })
            })
            .collect();
        let (hint_zones, hint_nodes) = hints(service, ready, zone.as_deref(), pod.node.as_deref());
        endpoints.push(Endpoint {
            pod: Some(pod.key()),
            pod_index: Some(pod_index),
            addresses: pod.ips.clone(),
            node: pod.node.clone(),
            zone,
            hostname,
            ready,
            serving,
            terminating,
            ports,
            hint_zones,
            hint_nodes,
        });
    }
    endpoints
}

fn hints(
    service: &ResolvedService,
    ready: bool,
    zone: Option<&str>,
    node: Option<&str>,
) -> (Vec<String>, Vec<String>) {
    match (service.traffic_distribution, ready) {
        (Some(distribution), true) => {
            let zones = zone.map(|z| vec![z.to_string()]).unwrap_or_default();
            let nodes = if distribution == TrafficDistribution::PreferSameNode {
                node.map(|n| vec![n.to_string()]).unwrap_or_default()
            } else {
                Vec::new()
            };
            (zones, nodes)
        }
        _ => (Vec::new(), Vec::new()),
    }
}

/// `FindPort` (§4): a number is used as is; a name is looked up in the pod's
/// containers, then restartable init containers, matching name *and* protocol.
pub fn resolve_target_port(
    target_port: &PortRef,
    protocol: Protocol,
    spec: &PodSpec,
) -> Option<i64> {
    match target_port {
        PortRef::Number(number) => Some(*number),
        PortRef::Name(name) => spec
            .containers
            .iter()
            .flat_map(|container| container.ports.iter())
            .find(|port| port.name.as_deref() == Some(name.as_str()) && port.protocol == protocol)
            .map(|port| port.container_port),
    }
}

fn endpoints_from_slices(
    service: &ResolvedService,
    slices: &[EndpointSlice],
    zones_by_node: &NodesByName<'_>,
) -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    for slice in slices
        .iter()
        .filter(|s| s.meta.namespace == service.namespace && s.service_name == service.name)
    {
        let ports: Vec<EndpointPort> = slice
            .ports
            .iter()
            .filter_map(|p| {
                p.port.map(|port| EndpointPort {
                    name: p.name.clone(),
                    port,
                    protocol: p.protocol,
                })
            })
            .collect();
        for endpoint in &slice.endpoints {
            // Nil conditions read as ready/serving true and terminating false (discovery/v1).
            let ready = endpoint.ready.unwrap_or(true);
            let zone = endpoint.zone.clone().or_else(|| {
                endpoint
                    .node_name
                    .as_deref()
                    .and_then(|n| zones_by_node.zone(n))
                    .map(str::to_string)
            });
            endpoints.push(Endpoint {
                pod: endpoint.target_pod.clone(),
                pod_index: None,
                addresses: endpoint.addresses.clone(),
                node: endpoint.node_name.clone(),
                zone,
                hostname: endpoint.hostname.clone(),
                ready,
                serving: endpoint.serving.unwrap_or(true),
                terminating: endpoint.terminating.unwrap_or(false),
                ports: ports.clone(),
                hint_zones: Vec::new(),
                hint_nodes: Vec::new(),
            });
        }
    }
    endpoints
}

/// Cluster DNS records of one Service (§6).
pub fn dns_records(service: &ResolvedService, cluster_domain: &str) -> Vec<DnsRecord> {
    let fqdn = service.fqdn(cluster_domain);
    let mut records = Vec::new();
    let address_record = |name: &str, ip: &IpAddr| DnsRecord {
        name: name.to_string(),
        record_type: if ip.is_ipv4() { "A" } else { "AAAA" },
        data: text::ip_text(ip),
    };
    if let Some(external_name) = &service.external_name {
        if service.service_type == ServiceType::ExternalName {
            records.push(DnsRecord {
                name: fqdn,
                record_type: "CNAME",
                data: format!("{external_name}."),
            });
            return records;
        }
    }
    let named_ports: Vec<&ResolvedPort> = service
        .ports
        .iter()
        .filter(|p| p.name.as_deref().is_some_and(|n| !n.is_empty()))
        .collect();
    if service.headless {
        for endpoint in service.endpoints.iter().filter(|e| e.ready) {
            for ip in &endpoint.addresses {
                records.push(address_record(&fqdn, ip));
            }
            // Endpoints without a hostname get a system-assigned one (§6 "hostname"
            // precedence); CoreDNS uses the dashed IP. Either way the name resolves, so
            // the SRV and PTR records below point at a name that exists.
            let host = endpoint.hostname.clone().unwrap_or_else(|| {
                endpoint
                    .addresses
                    .first()
                    .map(dashed_ip)
                    .unwrap_or_default()
            });
            let host_fqdn = [host.as_str(), ".", &fqdn].concat();
            for ip in &endpoint.addresses {
                records.push(address_record(&host_fqdn, ip));
                records.push(DnsRecord {
                    name: reverse_name(ip),
                    record_type: "PTR",
                    data: [host_fqdn.as_str(), "."].concat(),
                });
            }
            for port in &named_ports {
                if let Some(endpoint_port) = endpoint
                    .ports
                    .iter()
                    .find(|p| p.name == port.name && p.protocol == port.protocol)
                {
                    records.push(srv_record(port, &fqdn, endpoint_port.port, &host_fqdn));
                }
            }
        }
    } else {
        for ip in &service.cluster_ips {
            records.push(address_record(&fqdn, ip));
            records.push(DnsRecord {
                name: reverse_name(ip),
                record_type: "PTR",
                data: [fqdn.as_str(), "."].concat(),
            });
        }
        for port in &named_ports {
            records.push(srv_record(port, &fqdn, port.port, &fqdn));
        }
    }
    records.sort_compact();
    records.dedup();
    records
}

fn srv_record(port: &ResolvedPort, fqdn: &str, port_number: i64, target: &str) -> DnsRecord {
    DnsRecord {
        name: [
            "_",
            port.name.as_deref().unwrap_or_default(),
            "._",
            port.protocol.lowercase(),
            ".",
            fqdn,
        ]
        .concat(),
        record_type: "SRV",
        data: {
            let mut data = String::with_capacity(target.len() + 16);
            data.push_str("0 100 ");
            text::push_int(&mut data, port_number);
            data.push(' ');
            data.push_str(target);
            data.push('.');
            data
        },
    }
}

/// `10.0.0.3` → `10-0-0-3`, as pod A records and CoreDNS endpoint names use.
pub fn dashed_ip(ip: &IpAddr) -> String {
    text::ip_text(ip).replace(['.', ':'], "-")
}

fn reverse_name(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let mut name = String::with_capacity(29);
            for octet in v4.octets().into_iter().rev() {
                text::push_int(&mut name, i64::from(octet));
                name.push('.');
            }
            name.push_str("in-addr.arpa");
            name
        }
        IpAddr::V6(v6) => {
            let nibbles: Vec<String> = v6
                .octets()
                .iter()
                .rev()
                .flat_map(|byte| [byte & 0x0f, byte >> 4])
                .map(|n| format!("{n:x}"))
                .collect();
            format!("{}.ip6.arpa", nibbles.join("."))
        }
    }
}

fn allocate_cluster_ips(
    services: &[&Service],
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Vec<IpAddr>> {
    let cidr = config.service_cidr;
    // The allocator counts in u64; `Config::validate` keeps the range far below that.
    let size = u64::try_from(cidr.size()).unwrap_or(u64::MAX);
    // Index 0 (network) and the broadcast address are never allocated for IPv4.
    let last = size.saturating_sub(2).max(1);
    let mut allocator = BandAllocator::new(1, last, BandAllocator::cluster_ip_band(size));
    // `default/kubernetes` always holds the first address; kube-dns conventionally holds .10.
    let _ = allocator.claim(1, "default/kubernetes");
    if !services
        .iter()
        .any(|s| s.meta.namespace == "kube-system" && s.meta.name == "kube-dns")
    {
        let _ = allocator.claim(10, "kube-system/kube-dns");
    }
    let mut result: Vec<Vec<IpAddr>> = vec![Vec::new(); services.len()];
    // Explicit requests first, as they would have been created with them.
    for (position, service) in services.iter().enumerate() {
        let spec = &service.spec;
        if spec.service_type == ServiceType::ExternalName || spec.is_headless() {
            continue;
        }
        let owner = format!("{}/{}", service.meta.namespace, service.meta.name);
        for (ip_index, text) in spec.cluster_ips.iter().enumerate() {
            let Ok(ip) = text.parse::<IpAddr>() else {
                continue;
            };
            let field = if spec.cluster_ips.len() > 1 {
                format!("spec.clusterIPs[{ip_index}]")
            } else {
                "spec.clusterIP".to_string()
            };
            let object = format!("Service/{owner}");
            match ip {
                IpAddr::V6(_) => result[position].push(ip),
                IpAddr::V4(_) => match cidr.index_of(ip).and_then(|index| u64::try_from(index).ok()).map(|index| allocator.claim(index, &owner)) {
                    Some(Ok(())) => result[position].push(ip),
                    Some(Err(ClaimError::AlreadyAllocated(holder))) => diagnostics.push(
                        Diagnostic::error("cluster-ip-conflict", format!("failed to allocate IP {ip}: provided IP is already allocated (to {holder}). Remove `clusterIP` to get a free address, or pick another one. kubetopo allocates a free address so the Service can still be drawn."))
                            .object(object)
                            .field(field.clone())
                            .at(service.meta.field_source(&field)),
                    ),
                    Some(Err(ClaimError::OutOfRange)) | None => diagnostics.push(
                        Diagnostic::error("cluster-ip-out-of-range", format!("the provided IP ({ip}) is not in the valid range. The range of valid IPs is {cidr}. Remove `clusterIP` or pick an address inside the Service CIDR (set it with --service-cidr). kubetopo allocates a free address so the Service can still be drawn."))
                            .object(object)
                            .field(field.clone())
                            .at(service.meta.field_source(&field)),
                    ),
                },
            }
        }
    }
    for (position, service) in services.iter().enumerate() {
        let spec = &service.spec;
        if spec.service_type == ServiceType::ExternalName
            || spec.is_headless()
            || result[position].iter().any(IpAddr::is_ipv4)
        {
            continue;
        }
        // A single-stack IPv6 Service (by its families or its explicit address) gets no
        // IPv4 address; kubetopo's Service CIDR is IPv4, so an unaddressed one stays so.
        let single_stack = matches!(spec.ip_family_policy.as_deref(), None | Some("SingleStack"));
        let ipv6_first = spec.ip_families.first().is_some_and(|f| f == "IPv6")
            || result[position].first().is_some_and(IpAddr::is_ipv6);
        if single_stack && ipv6_first {
            continue;
        }
        let owner = format!("{}/{}", service.meta.namespace, service.meta.name);
        match allocator.allocate(&owner).and_then(|index| cidr.nth(u128::from(index))) {
            Some(ip) => result[position].insert(0, ip),
            None => diagnostics.push(
                Diagnostic::error("cluster-ip-range-full", format!("range is full: the Service CIDR {cidr} has no free address for {owner}. Use a larger --service-cidr."))
                    .object(format!("Service/{owner}"))
                    .at(service.meta.source.clone()),
            ),
        }
    }
    result
}

type PortAllocation = (Vec<ResolvedPort>, Option<i64>);

fn allocate_node_ports(
    services: &[&Service],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<PortAllocation> {
    let mut allocator = BandAllocator::new(
        NODE_PORT_FIRST,
        NODE_PORT_LAST,
        BandAllocator::node_port_band(NODE_PORT_LAST - NODE_PORT_FIRST + 1),
    );
    let needs_node_ports = |spec: &ServiceSpec| {
        matches!(
            spec.service_type,
            ServiceType::NodePort | ServiceType::LoadBalancer
        )
    };
    let needs_health_check = |spec: &ServiceSpec| {
        spec.service_type == ServiceType::LoadBalancer
            && spec.external_traffic_policy == Some(TrafficPolicy::Local)
    };
    let mut result: Vec<PortAllocation> = services
        .iter()
        .map(|service| {
            let ports = service
                .spec
                .ports
                .iter()
                .map(|p| ResolvedPort {
                    name: p.name.clone(),
                    protocol: p.protocol,
                    port: p.port,
                    target_port: p.target_port.clone(),
                    node_port: None,
                })
                .collect();
            (ports, None)
        })
        .collect();
    // Pass 1: explicit nodePorts and healthCheckNodePorts, cluster-wide.
    for (position, service) in services.iter().enumerate() {
        let spec = &service.spec;
        if !needs_node_ports(spec) {
            continue;
        }
        let owner = format!("{}/{}", service.meta.namespace, service.meta.name);
        let object = format!("Service/{owner}");
        // Each request is claimed for its port number (or the health check), so entries
        // sharing a port number may share a nodePort but different ones may not (§3).
        let mut requested: Vec<(String, i64, String, Option<usize>)> = spec
            .ports
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.node_port.map(|n| {
                    (
                        format!("spec.ports[{i}].nodePort"),
                        n,
                        format!("{owner} port {}", p.port),
                        Some(i),
                    )
                })
            })
            .collect();
        if needs_health_check(spec) {
            if let Some(port) = spec.health_check_node_port {
                requested.push((
                    "spec.healthCheckNodePort".to_string(),
                    port,
                    format!("{owner} healthCheckNodePort"),
                    None,
                ));
            }
        }
        for (field, node_port, claimant, port_index) in requested {
            let claim = u64::try_from(node_port)
                .map_err(|_| ClaimError::OutOfRange)
                .and_then(|n| allocator.claim(n, &claimant));
            let message = match claim {
                Ok(()) => None,
                Err(ClaimError::OutOfRange) => Some(("node-port-out-of-range", format!("{field}: Invalid value: {node_port}: provided port is not in the valid range. The range of valid ports is {NODE_PORT_FIRST}-{NODE_PORT_LAST}. Remove it to get one allocated, or pick one in range. kubetopo allocates a free port so the Service can still be drawn."))),
                Err(ClaimError::AlreadyAllocated(holder)) => Some(("node-port-conflict", format!("{field}: Invalid value: {node_port}: provided port is already allocated (to {holder}). NodePorts are unique cluster-wide; pick another or remove it. kubetopo allocates a free port so the Service can still be drawn."))),
            };
            match (message, port_index) {
                (None, None) => result[position].1 = Some(node_port),
                (None, Some(port_index)) => {
                    result[position].0[port_index].node_port = Some(node_port)
                }
                (Some((code, text)), _) => diagnostics.push(
                    Diagnostic::error(code, text)
                        .object(object.clone())
                        .field(field.clone())
                        .at(service.meta.field_source(&field)),
                ),
            }
        }
    }
    // Pass 2: allocate the rest. Entries sharing a port number share one nodePort (§3).
    for (position, service) in services.iter().enumerate() {
        let spec = &service.spec;
        if !needs_node_ports(spec) {
            continue;
        }
        let owner = format!("{}/{}", service.meta.namespace, service.meta.name);
        let allocate_all = spec.service_type == ServiceType::NodePort
            || spec.allocate_load_balancer_node_ports != Some(false);
        // A Service has a handful of ports: a list, searched from its end so that
        // the last entry for a port number counts, as a map's insert would.
        let mut by_port_number: Vec<(i64, i64)> = result[position]
            .0
            .iter()
            .filter_map(|p| p.node_port.map(|n| (p.port, n)))
            .collect();
        for port_index in 0..result[position].0.len() {
            if result[position].0[port_index].node_port.is_some() {
                continue;
            }
            let port_number = result[position].0[port_index].port;
            if let Some(&(_, shared)) = by_port_number.iter().rev().find(|(p, _)| *p == port_number)
            {
                result[position].0[port_index].node_port = Some(shared);
                continue;
            }
            // With allocateLoadBalancerNodePorts=false only explicit requests get one. A
            // request refused above (taken or out of range) gets a free port, as a refused
            // clusterIP does, so the Service can still be drawn.
            if !allocate_all && spec.ports[port_index].node_port.is_none() {
                continue;
            }
            if let Some(node_port) = allocator.allocate(&format!("{owner}:{port_number}")) {
                let node_port = node_port as i64;
                by_port_number.push((port_number, node_port));
                result[position].0[port_index].node_port = Some(node_port);
            }
        }
        if needs_health_check(spec) && result[position].1.is_none() {
            result[position].1 = allocator
                .allocate(&format!("{owner}:healthz"))
                .map(|p| p as i64);
        }
    }
    result
}

fn allocate_load_balancer_ips(services: &[&Service], config: &Config) -> Vec<Vec<IpAddr>> {
    let pool = config.load_balancer_pool;
    // A sorted list (`insert_sorted`): load balancers are a few hundred at most.
    let mut used: Vec<IpAddr> = services
        .iter()
        .flat_map(|s| s.spec.load_balancer_ips_status.iter().copied())
        .collect();
    used.sort_compact();
    let mut take = |ip: IpAddr| insert_sorted(&mut used, ip);
    services
        .iter()
        .map(|service| {
            let spec = &service.spec;
            if spec.service_type != ServiceType::LoadBalancer {
                return Vec::new();
            }
            if !spec.load_balancer_ips_status.is_empty() {
                return spec.load_balancer_ips_status.clone();
            }
            if let Some(requested) = spec
                .load_balancer_ip_requested
                .as_deref()
                .and_then(|t| t.parse::<IpAddr>().ok())
            {
                take(requested);
                return vec![requested];
            }
            // Simulate the cloud's choice: a stable address from the pool, skipping used ones.
            let usable = pool.size().saturating_sub(2).max(1);
            let start = u128::from(super::config::stable_hash(&[
                &service.meta.namespace,
                &service.meta.name,
            ])) % usable;
            for step in 0..usable {
                if let Some(ip) = pool.nth(1 + (start + step) % usable) {
                    if take(ip) {
                        return vec![ip];
                    }
                }
            }
            Vec::new()
        })
        .collect()
}
