//! A destination given as an address: who owns it (a Service VIP, a node, a pod)
//! and which port answers there.

use std::net::IpAddr;

use super::index::AddressOwner;
use super::kube_proxy::Entry;
use super::{describe_ports, socket, Client, ClientKind, Outcome, Run};
use crate::engine::model::*;
use crate::engine::resolve::ResolvedPort;

impl<'r, 't> Run<'r, 't> {
    pub(super) fn connect_address(&mut self, client: &Client, ip: IpAddr, port: i64) -> Outcome {
        // A Gateway's TCP or UDP listener routes the connection itself (§11.9).
        if let Some(outcome) = self.connect_gateway_l4(client, ip, port) {
            return outcome;
        }
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
                            return self.hops.unresolved(&client.at, dst, reason);
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
                    problems.push(format!("{ip} is the address of Ingress {}/{}, but its controller Service is unknown; trace a URL to it instead (http://HOST/PATH)", ingress_ref.namespace, ingress_ref.name));
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
                        return self.hops.unresolved(&client.at, dst, reason);
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
        self.hops.unresolved(&client.at, dst, reason)
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
}
