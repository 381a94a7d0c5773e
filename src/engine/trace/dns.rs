//! Cluster DNS as a trace sees it (§6): the client's search path, Service, headless,
//! SRV and pod records, names forwarded upstream, and external clients, which cannot
//! query cluster DNS at all.

use std::net::IpAddr;

use super::index::AddressOwner;
use super::kube_proxy::Entry;
use super::{describe_ports, Client, ClientKind, HopAction, Outcome, Place, Run, Verdict};
use crate::engine::model::*;
use crate::engine::resolve::ResolvedPort;

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
    pub(super) fn connect_name(
        &mut self,
        client: &Client,
        host: &str,
        port: Option<i64>,
    ) -> Outcome {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if client.kind == ClientKind::External {
            return self.connect_name_from_outside(client, &host, port);
        }
        let domain = self.topology().config.cluster_domain.clone();
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
                let isolating = self.isolating(pod, PolicyDirection::Egress);
                let reason = format!(
                    "NetworkPolicy {} isolates egress of {} and no egress rule allows UDP 53 to kube-system/kube-dns or {}: the DNS query for {host} is dropped, so the name never resolves",
                    isolating.join(", "),
                    pod_ref.key(),
                    self.tracer.dns_ip
                );
                return self.hops.dropped(&client.at, dns_dst, reason);
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
                self.hops.dns(&client.at, dns_dst, reason.clone());
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
                self.hops.dns(&client.at, dns_dst, detail);
                let service_port = match self.pick_service_port(service, port) {
                    Ok(service_port) => service_port,
                    Err(reason) => {
                        return self.hops.unresolved(
                            &client.at,
                            format!("{ip}:{}", port.map_or("?".to_string(), |p| p.to_string())),
                            reason,
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
                self.hops.dns(&client.at, dns_dst, detail);
                self.leave_cluster(client, &target, port, format!("ExternalName Service {} is only a CNAME to {target}: no proxy rules, no endpoints (§5.1, §6)", self.service(service).key()))
            }
            DnsAnswer::Upstream { host: name } => {
                let detail = format!("{name} is not under the cluster domain: after the search path ({search}) fails, cluster DNS forwards it upstream");
                self.hops.dns(&client.at, dns_dst, detail);
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
                self.hops.dns(&client.at, dns_dst, detail);
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
                self.hops.dns(&client.at, dns_dst, detail);
                self.direct_to_endpoint(client, service, endpoint, port)
            }
            DnsAnswer::PodRecord { pod } => {
                let pod_ref = self.pod(pod);
                let ip = pod_ref.ips.first().copied();
                let detail = format!("{host} → A {}: the pod A record of {} (a-b-c-d.<ns>.pod.<zone>, a kube-dns/CoreDNS extension) (§6)", ip.map(|i| i.to_string()).unwrap_or_default(), pod_ref.key());
                self.hops.dns(&client.at, dns_dst, detail);
                match (ip, port) {
                    (Some(ip), Some(port)) => {
                        self.direct_to_pod(client, pod, ip, port, String::new())
                    }
                    _ => {
                        let reason = format!(
                            "{host} is a pod address; give the destination a port ({host}:PORT)"
                        );
                        self.hops.unresolved(&client.at, host.to_string(), reason)
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
                self.hops.dns(&client.at, dns_dst, detail);
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
                                        .map(crate::engine::resolve::dashed_ip)
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
            return self.hops.unresolved(&client.at, host.to_string(), reason);
        };
        let service_ref = self.service(service);
        let service_port = match self.pick_service_port(service, port) {
            Ok(service_port) => service_port,
            Err(reason) => return self.hops.unresolved(&client.at, host.to_string(), reason),
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
            return self.hops.unresolved(&client.at, host.to_string(), reason);
        };
        let detail = format!("{host}: cluster DNS is not reachable from outside; kubetopo assumes a public record for Service {}'s {what}: {ip}", service_ref.key());
        // An external client has no node and no cluster DNS: the lookup happens at the
        // client itself.
        self.hops.stay(&client.at, HopAction::Dns, host, detail);
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
                None => Err(format!("Service {} has no {protocol} port (it has {}); give the destination a port (:PORT) or another protocol", service_ref.key(), describe_ports(&service_ref.ports))),
            },
        }
    }

    /// The connection leaves the cluster towards `host`.
    pub(super) fn leave_cluster(
        &mut self,
        client: &Client,
        host: &str,
        port: Option<i64>,
        why: String,
    ) -> Outcome {
        let dst = port.map_or(host.to_string(), |p| format!("{host}:{p}"));
        if let (ClientKind::Pod(pod), Some(_)) = (client.kind, self.tracer.policies.as_ref()) {
            let isolating = self.isolating(pod, PolicyDirection::Egress);
            let detail = if isolating.is_empty() {
                format!(
                    "no NetworkPolicy isolates {} for egress",
                    self.pod(pod).key()
                )
            } else {
                format!("NetworkPolicy {} isolates egress of {}; only ipBlock rules can allow {host}, and its address is only known outside the cluster, so kubetopo cannot check it", isolating.join(", "), self.pod(pod).key())
            };
            self.hops
                .stay(&client.at, HopAction::PolicyEgress, &dst, detail);
        }
        let reason =
            format!("leaves the cluster: {why}; the connection goes to {dst} outside the cluster");
        self.hops.go(
            &client.at,
            HopAction::Leave,
            &dst,
            reason.clone(),
            Place::Outside(host.to_string()),
        );
        Outcome::new(Verdict::Delivered, reason)
    }
}
