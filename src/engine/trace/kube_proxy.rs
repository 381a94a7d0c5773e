//! kube-proxy in iptables mode (§5): which node's rules see the packet, the capture
//! by a Service's chains, the endpoint sets of §5.1, the endpoint pick, DNAT and
//! masquerading (§5.2).

use std::net::IpAddr;

use super::chain_hash::{endpoint_chain_hash, port_proto_hash};
use super::{
    endpoint_label, port_label, socket, Cause, Client, ClientKind, Here, HopAction, Outcome, Place,
    Run,
};
use crate::engine::cluster::ClusterNode;
use crate::engine::config::stable_hash;
use crate::engine::model::*;
use crate::engine::resolve::{Endpoint, ResolvedPort, ResolvedService};

/// How a packet reached a Service: which kind of destination kube-proxy matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Entry {
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

impl<'r, 't> Run<'r, 't> {
    /// A connection captured by a Service's proxy rules: ClusterIP, externalIP, LB IP
    /// or NodePort (§5.1, §5.2).
    pub(super) fn route_service(
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
                .any(|range| range.contains(client.ip));
            if !allowed {
                let reason = format!(
                    "§5.2 loadBalancerSourceRanges: {} is not in [{}] of Service {}; {fw_chain} sends it to KUBE-PROXY-FIREWALL, which drops",
                    client.ip,
                    service_ref
                        .load_balancer_source_ranges
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    service_ref.key()
                );
                let dropped_at = match client.kind {
                    ClientKind::External => self.send_to_load_balancer(client, service, &dst),
                    _ => client.at.clone(),
                };
                return self
                    .hops
                    .because(Cause::SourceRange)
                    .dropped(&dropped_at, dst, reason);
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
            _ => client.at.place.clone(),
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
        // Every later step of kube-proxy happens on the routing node, still from the
        // client's address until SNAT.
        let on_node = client.at.elsewhere(Some(routing_node), node_place.clone());
        let arriving = on_node.elsewhere(Some(routing_node), arrive_from);
        self.hops.go(
            &arriving,
            HopAction::Capture,
            &dst,
            capture_detail,
            node_place,
        );
        self.hops.of_service(service_ref.key());

        // Zero usable endpoints anywhere: the filter table rejects (§5.2).
        if !sets.has_endpoints {
            let reason = format!(
                "§5.2 no endpoints: Service {} port {} has no ready or serving-terminating endpoint in the cluster, so kube-proxy writes no nat rules and the filter table REJECTs {dst} (icmp-port-unreachable): connection refused",
                service_ref.key(),
                port_label(&service_port)
            );
            return self
                .hops
                .because(Cause::NoEndpoints)
                .rejected(&on_node, dst, reason);
        }

        // Which set, and whether to masquerade.
        let client_is_pod = matches!(client.kind, ClientKind::Pod(_));
        let client_is_this_node =
            client.kind == ClientKind::Node && client.at.node == Some(routing_node);
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
            return self
                .hops
                .because(Cause::NoLocalEndpoint)
                .dropped(&on_node, dst, reason);
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
            return self.hops.rejected(&on_node, dst, reason);
        };
        let endpoint_ip = endpoint_address(endpoint_ref, dst_ip);
        let endpoint_dst = socket(endpoint_ip, endpoint_port);
        self.hops.stay(
            &on_node,
            HopAction::ChooseEndpoint,
            &dst,
            format!(
                "{policy_note}. {set_note} (§5.1). {pick_note}; picked {} ({endpoint_dst})",
                endpoint_label(endpoint_ref)
            ),
        );
        let sep_chain = format!(
            "KUBE-SEP-{}",
            endpoint_chain_hash(&port_name, proto, &endpoint_dst)
        );
        self.hops.stay(
            &on_node,
            HopAction::Dnat,
            &endpoint_dst,
            format!(
                "{sep_chain}: DNAT {dst} → {endpoint_dst} (targetPort {} resolved on the endpoint)",
                service_port.target_port
            ),
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
            let rewriting = Here {
                src: format!("{} → {}", client.ip, seen_source),
                ..on_node
            };
            self.hops
                .stay(&rewriting, HopAction::Snat, &endpoint_dst, note);
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

    /// An external client sends to a Service's LoadBalancer IP; returns where the
    /// packet then is: at the cloud load balancer, on no node yet.
    fn send_to_load_balancer(&mut self, client: &Client, service: usize, dst: &str) -> Here {
        let service_key = self.service(service).key();
        let at_load_balancer = client
            .at
            .elsewhere(None, Place::LoadBalancer(service_key.clone()));
        self.hops.go(
            &client.at,
            HopAction::Send,
            dst,
            format!(
                "{} sends to the LoadBalancer IP of Service {service_key}",
                client.label
            ),
            at_load_balancer.place.clone(),
        );
        at_load_balancer
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
                if client.at.node != Some(node) {
                    let from_where = client
                        .at
                        .node
                        .map(|n| format!(" from {}", self.node(n).name))
                        .unwrap_or_default();
                    self.hops.go(&client.at, HopAction::Send, dst, format!("{}{from_where} sends to node {}'s address; that node's kube-proxy handles it", client.label, self.node(node).name), Place::Node(self.node(node).name.clone()));
                }
                let at_node = client
                    .at
                    .elsewhere(Some(node), Place::Node(self.node(node).name.clone()));
                if !self.node(node).ready {
                    let reason = format!(
                        "node {} is NotReady (failed): nothing answers on {dst}",
                        self.node(node).name
                    );
                    return Err(self
                        .hops
                        .because(Cause::NodeNotReady)
                        .dropped(&at_node, dst, reason));
                }
                Ok(node)
            }
            (ClientKind::External, Entry::LoadBalancer) => {
                let ready: Vec<usize> = (0..nodes.len()).filter(|&n| nodes[n].ready).collect();
                let at_load_balancer = self.send_to_load_balancer(client, service, dst);
                if ready.is_empty() {
                    let reason = "the load balancer has no Ready node to send to".to_string();
                    return Err(self.hops.dropped(&at_load_balancer, dst, reason));
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
                self.hops.go(&at_load_balancer, HopAction::LoadBalancer, format!("{dst} via {node_name}"), format!("{note}; the load balancer picks {node_name} and delivers the packet still addressed to {dst}"), Place::Node(node_name));
                Ok(node)
            }
            (ClientKind::External, Entry::ExternalIp) => {
                let ready: Vec<usize> = (0..nodes.len()).filter(|&n| nodes[n].ready).collect();
                if ready.is_empty() {
                    let reason =
                        "no node is Ready to receive traffic for the externalIP".to_string();
                    return Err(self.hops.dropped(&client.at, dst, reason));
                }
                let node = ready[self.choose(ready.len())];
                let node_name = nodes[node].name.clone();
                self.hops.go(&client.at, HopAction::Send, dst, format!("externalIPs are not managed by Kubernetes: the network must route {dst} to some node; kubetopo assumes it reaches {node_name}"), Place::Node(node_name));
                Ok(node)
            }
            (ClientKind::External, Entry::ClusterIp) => {
                let reason =
                    format!("{dst} is a ClusterIP: virtual, only answered inside the cluster");
                Err(self.hops.unresolved(&client.at, dst, reason))
            }
            (_, _) => match client.at.node {
                Some(node) => Ok(node),
                None => {
                    let reason = format!(
                        "{} is not on any node, so no kube-proxy handles {dst}",
                        client.label
                    );
                    Err(self.hops.dropped(&client.at, dst, reason))
                }
            },
        }
    }
}

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

/// `svcPortName` as kube-proxy writes it: `ns/name:port` or `ns/name` when unnamed.
fn service_port_name(service: &ResolvedService, port: &ResolvedPort) -> String {
    match port.name.as_deref().filter(|n| !n.is_empty()) {
        Some(name) => format!("{}/{}:{name}", service.namespace, service.name),
        None => format!("{}/{}", service.namespace, service.name),
    }
}
