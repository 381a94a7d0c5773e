//! URLs through a Gateway (§11.10): which Gateway the host leads to, the client's
//! way to a proxy pod through the Gateway's Service, the proxy's decision
//! (listener, Route, filters, backend), and its own connection to an endpoint.

use crate::engine::sort::CollectCompact;
use std::net::IpAddr;

use super::kube_proxy::{endpoint_port, Entry};
use super::{
    endpoint_label, port_label, socket, Client, HopAction, HttpResult, Outcome, Run, Scheme,
    Verdict,
};
use crate::engine::gateway::model::ListenerProtocol;
use crate::engine::gateway::routing::{self, Answer, GatewayRequest, StepKind};
use crate::engine::model::Protocol;
use crate::engine::refs::NamespacedName;

impl<'r, 't> Run<'r, 't> {
    /// Traces a URL through the Gateway that owns its address or claims its host;
    /// `None` when no Gateway does, so the Ingress path is tried.
    pub(super) fn connect_gateway(
        &mut self,
        client: &Client,
        scheme: Scheme,
        host: &str,
        port: Option<i64>,
        path: &str,
        query: Option<&str>,
    ) -> Option<Outcome> {
        let topology = self.topology();
        let dial_port = port.unwrap_or(scheme.default_port());
        let header_host = (self.http_options.host_header())
            .unwrap_or(host)
            .to_string();
        let (gateway_index, how) = self.find_gateway(host, &header_host, dial_port)?;
        let gateway = &topology.gateway.gateways[gateway_index];
        let url = format!(
            "{}://{host}{}{path}{}",
            scheme.as_str(),
            port.map(|p| format!(":{p}")).unwrap_or_default(),
            query.map(|q| format!("?{q}")).unwrap_or_default()
        );
        let mut result = HttpResult {
            status: None,
            grpc_status: None,
            gateway: gateway.key(),
            listener: None,
            route: None,
            rule: None,
            backend_service: None,
            location: None,
            request_path: path.to_string(),
            request_headers: self.http_options.headers.iter().cloned().collect_map(),
            response_headers: std::collections::BTreeMap::new(),
        };
        if !gateway.programmed {
            let reason = format!(
                "{how}, but Gateway {} is not programmed ({}), so nothing answers",
                gateway.key(),
                gateway
                    .conditions
                    .iter()
                    .map(|c| format!("{}={}/{}", c.condition_type, c.status, c.reason))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return Some(self.hops.unresolved(&client.at, url, reason));
        }
        let Some(proxy_key) = gateway.proxy_service.clone() else {
            let reason = format!("{how}, but Gateway {} has no proxy Service", gateway.key());
            return Some(self.hops.unresolved(&client.at, url, reason));
        };
        let Some(proxy_service) = self
            .tracer
            .index
            .service(&proxy_key.namespace, &proxy_key.name)
        else {
            let reason = format!(
                "{how}, but the proxy Service {proxy_key} of Gateway {} is unknown",
                gateway.key()
            );
            return Some(self.hops.unresolved(&client.at, url, reason));
        };
        let service_ref = self.service(proxy_service);
        let l4 = Protocol::Tcp;
        let Some(service_port) = service_ref
            .ports
            .iter()
            .find(|p| p.port == dial_port && p.protocol == l4)
            .cloned()
        else {
            let reason = format!("{how}, but Gateway {} has no listener on port {dial_port}: its Service {proxy_key} does not listen there", gateway.key());
            return Some(self.hops.rejected(&client.at, url, reason));
        };
        let (ip, entry) = match (
            gateway.address_ips.first(),
            service_ref.load_balancer_ips.first(),
        ) {
            (Some(ip), Some(lb)) if ip == lb => (*ip, Entry::LoadBalancer),
            (Some(ip), _) => (*ip, Entry::ClusterIp),
            (None, _) => {
                let reason = format!("{how}, but Gateway {} has no address", gateway.key());
                return Some(self.hops.unresolved(&client.at, url, reason));
            }
        };
        if host.parse::<IpAddr>().is_err() {
            let detail = format!("{host} resolves (public DNS, assumed) to {ip}: {how}");
            self.hops
                .stay(&client.at, HopAction::Dns, host.to_string(), detail);
        }
        let first_leg = self.route_service(client, proxy_service, entry, ip, service_port);
        if first_leg.verdict != Verdict::Delivered {
            return Some(first_leg);
        }
        let proxy_pod = self.reached_pod(&first_leg);
        let Some(proxy_pod) = proxy_pod else {
            return Some(Outcome::new(
                Verdict::Delivered,
                format!(
                    "{}; the Gateway's proxy is not a known pod, so its routing is not traced",
                    first_leg.reason
                ),
            ));
        };
        let proxy = match self.pod_client(proxy_pod) {
            Ok(proxy) => proxy,
            Err(outcome) => return Some(outcome),
        };
        let request = GatewayRequest {
            scheme,
            host: header_host.clone(),
            sni: (scheme == Scheme::Https).then(|| {
                self.http_options
                    .sni
                    .clone()
                    .unwrap_or_else(|| host.to_string())
            }),
            port: dial_port,
            path: path.to_string(),
            query: query.map(str::to_string),
            method: if scheme == Scheme::Grpc {
                "POST".to_string()
            } else {
                self.http_options.method.clone()
            },
            headers: self.http_options.headers.clone(),
        };
        let decision = {
            let chooser = &mut *self.chooser;
            let mut choose = |n: usize| chooser.pick(n);
            routing::route_request(
                &topology.manifests,
                &topology.gateway,
                gateway_index,
                &request,
                &mut choose,
            )
        };
        for step in &decision.steps {
            let action = match step.kind {
                StepKind::Listener => HopAction::GatewayListener,
                StepKind::Route => HopAction::GatewayRoute,
                StepKind::Filter => HopAction::GatewayFilter,
                StepKind::Backend => HopAction::GatewayBackend,
            };
            self.hops
                .stay(&proxy.at, action, url.clone(), step.detail.clone());
        }
        result.listener = decision.listener.clone();
        result.route = decision.route.clone();
        result.rule = decision.rule;
        result.request_path = decision.request_path.clone();
        result.request_headers = decision.request_headers.clone();
        result.response_headers = decision.response_headers.clone();
        let grpc_call = scheme == Scheme::Grpc;
        let outcome = match &decision.answer {
            Answer::Refuse { why } => {
                let reason = format!("Gateway {} refuses the connection: {why}", gateway.key());
                self.hops.rejected(&proxy.at, url.clone(), reason)
            }
            Answer::Respond {
                status,
                grpc_status,
                location,
                why,
            } => {
                result.status = Some(*status);
                result.grpc_status = *grpc_status;
                result.location = location.clone();
                let reason = format!(
                    "Gateway {} answers {status}{}: {why}",
                    gateway.key(),
                    grpc_status.map(|g| format!(" ({g})")).unwrap_or_default()
                );
                match status {
                    200..=299 => Outcome::new(Verdict::Answered, reason),
                    300..=399 => Outcome::new(Verdict::Redirected, reason),
                    404 => self.hops.unresolved(&proxy.at, url.clone(), reason),
                    _ => self.hops.rejected(&proxy.at, url.clone(), reason),
                }
            }
            Answer::Forward { service, port } => {
                let backend = self.service(*service).key();
                result.backend_service = Some(backend.clone());
                let outcome = self.gateway_to_endpoint(
                    &proxy,
                    *service,
                    *port,
                    &gateway.key(),
                    decision.passthrough,
                );
                match outcome.verdict {
                    Verdict::Delivered => {
                        result.status = Some(200);
                        result.grpc_status = grpc_call.then_some("OK");
                    }
                    _ => {
                        result.status = Some(503);
                        result.grpc_status = grpc_call.then_some("UNAVAILABLE");
                    }
                }
                outcome
            }
        };
        self.http_result = Some(result);
        Some(outcome)
    }

    /// A connection to a Gateway's address on a TCP or UDP listener's port: to a
    /// proxy pod through the Gateway's Service, then to the backend of the oldest
    /// attached TCPRoute or UDPRoute (§11.9). `None` when no Gateway listens so.
    pub(super) fn connect_gateway_l4(
        &mut self,
        client: &Client,
        ip: IpAddr,
        port: i64,
    ) -> Option<Outcome> {
        let topology = self.topology();
        let udp = match self.protocol {
            Protocol::Tcp => false,
            Protocol::Udp => true,
            Protocol::Sctp => return None,
        };
        let wanted = if udp {
            ListenerProtocol::Udp
        } else {
            ListenerProtocol::Tcp
        };
        let gateway_index = topology.gateway.gateways.iter().position(|g| {
            g.programmed
                && g.address_ips.contains(&ip)
                && g.listeners
                    .iter()
                    .any(|l| l.port == port && l.active && l.protocol_kind == Some(wanted))
        })?;
        let gateway = &topology.gateway.gateways[gateway_index];
        let proxy_key = gateway.proxy_service.clone()?;
        let proxy_service = self
            .tracer
            .index
            .service(&proxy_key.namespace, &proxy_key.name)?;
        let service_ref = self.service(proxy_service);
        let service_port = service_ref
            .ports
            .iter()
            .find(|p| p.port == port && p.protocol == self.protocol)
            .cloned()?;
        let entry = if service_ref.load_balancer_ips.contains(&ip) {
            Entry::LoadBalancer
        } else {
            Entry::ClusterIp
        };
        let first_leg = self.route_service(client, proxy_service, entry, ip, service_port);
        if first_leg.verdict != Verdict::Delivered {
            return Some(first_leg);
        }
        let proxy_pod = self.reached_pod(&first_leg);
        let Some(proxy_pod) = proxy_pod else {
            return Some(first_leg);
        };
        let proxy = match self.pod_client(proxy_pod) {
            Ok(proxy) => proxy,
            Err(outcome) => return Some(outcome),
        };
        let decision = {
            let chooser = &mut *self.chooser;
            let mut choose = |n: usize| chooser.pick(n);
            routing::route_l4(
                &topology.manifests,
                &topology.gateway,
                gateway_index,
                port,
                udp,
                &mut choose,
            )
        };
        let Some(decision) = decision else {
            return Some(first_leg);
        };
        let dst = socket(ip, port);
        for step in &decision.steps {
            let action = match step.kind {
                StepKind::Listener => HopAction::GatewayListener,
                StepKind::Route => HopAction::GatewayRoute,
                StepKind::Filter => HopAction::GatewayFilter,
                StepKind::Backend => HopAction::GatewayBackend,
            };
            self.hops
                .stay(&proxy.at, action, dst.clone(), step.detail.clone());
        }
        let outcome = match &decision.answer {
            Answer::Forward { service, port } => self.gateway_to_endpoint(
                &proxy,
                *service,
                *port,
                &gateway.key(),
                decision.passthrough,
            ),
            Answer::Refuse { why } | Answer::Respond { why, .. } => {
                let reason = format!(
                    "Gateway {} {}: {why}",
                    gateway.key(),
                    if udp {
                        "drops the datagram"
                    } else {
                        "refuses the connection"
                    }
                );
                if udp {
                    self.hops.dropped(&proxy.at, dst, reason)
                } else {
                    self.hops.rejected(&proxy.at, dst, reason)
                }
            }
        };
        Some(outcome)
    }

    /// The Gateway a URL leads to: the one whose address the host is, else the one
    /// that claims the host on the port with a listener hostname or an attached
    /// Route's hostname (first by namespace/name when several do).
    fn find_gateway(&self, host: &str, header_host: &str, port: i64) -> Option<(usize, String)> {
        let gateways = &self.topology().gateway.gateways;
        if let Ok(ip) = host.parse::<IpAddr>() {
            return gateways
                .iter()
                .position(|g| g.address_ips.contains(&ip))
                .map(|i| {
                    (
                        i,
                        format!("{ip} is the address of Gateway {}", gateways[i].key()),
                    )
                });
        }
        let _ = header_host;
        let claiming = self.topology().gateway.claiming(host, port);
        let first = *claiming.first()?;
        let mut how = format!(
            "Gateway {} claims {host} on port {port}",
            gateways[first].key()
        );
        if claiming.len() > 1 {
            let others: Vec<String> = claiming[1..]
                .iter()
                .map(|&i| gateways[i].key().to_string())
                .collect();
            how.push_str(&format!(
                " (so do {}; kubetopo takes the first by namespace/name)",
                others.join(", ")
            ));
        }
        Some((first, how))
    }

    /// The proxy opens its own connection to one endpoint of the backend Service:
    /// no ClusterIP, no kube-proxy, no SNAT (§11.7). `passthrough`: the client's
    /// own TLS goes through, so the proxy speaks no TLS of its own (§11.15).
    fn gateway_to_endpoint(
        &mut self,
        proxy: &Client,
        service: usize,
        port: i64,
        gateway: &NamespacedName,
        passthrough: bool,
    ) -> Outcome {
        let service_ref = self.service(service);
        // The Service port of that number over the connection's own transport: UDP for
        // a UDPRoute's datagrams, TCP otherwise (§11.7).
        let Some(service_port) = service_ref
            .ports
            .iter()
            .find(|p| p.port == port && p.protocol == self.protocol)
            .cloned()
        else {
            let reason = format!(
                "Service {} has no port {port}: the Gateway answers 500",
                service_ref.key()
            );
            return self
                .hops
                .rejected(&proxy.at, service_ref.key().to_string(), reason);
        };
        let usable = |fallback: bool| -> Vec<usize> {
            service_ref
                .endpoints
                .iter()
                .enumerate()
                .filter(|(_, e)| {
                    let state = if fallback {
                        e.serving && e.terminating
                    } else {
                        e.ready
                    };
                    state
                        && !e.addresses.is_empty()
                        && (endpoint_port(e, &service_port).is_some() || e.ports.len() == 1)
                })
                .map(|(i, _)| i)
                .collect()
        };
        let ready = usable(false);
        let (candidates, fallback) = if ready.is_empty() {
            (usable(true), true)
        } else {
            (ready, false)
        };
        if candidates.is_empty() {
            let reason = format!("Service {} has no ready endpoint for port {}: Gateway {gateway} answers 503 (§11.7)", service_ref.key(), port_label(&service_port));
            return self
                .hops
                .rejected(&proxy.at, service_ref.key().to_string(), reason);
        }
        let endpoint = candidates[self.choose(candidates.len())];
        let endpoint_ref = service_ref.endpoints[endpoint].clone();
        let endpoint_ip = endpoint_ref.addresses[0];
        let endpoint_port_number = endpoint_port(&endpoint_ref, &service_port)
            .or_else(|| endpoint_ref.ports.first().map(|p| p.port))
            .unwrap_or(service_port.port);
        // A BackendTLSPolicy on the port: the proxy speaks TLS, with the policy's
        // hostname as SNI (§11.15).
        let tls = crate::engine::gateway::backend_tls::applying(
            &self.topology().manifests,
            &self.topology().gateway.backend_tls_policies,
            &service_ref.namespace,
            &service_ref.name,
            service_port.name.as_deref(),
        )
        .map(|position| {
            let policy = &self.topology().gateway.backend_tls_policies[position];
            if passthrough {
                format!(
                    " (BackendTLSPolicy {} does not apply: the client's own TLS passes through)",
                    policy.key()
                )
            } else {
                format!(
                    " over TLS (BackendTLSPolicy {}), SNI {}",
                    policy.key(),
                    policy.hostname
                )
            }
        })
        .unwrap_or_default();
        let detail = format!(
            "the Gateway's proxy {} connects to Service {} port {}{tls} itself: it balances over the {} {}endpoint{} (no ClusterIP, no kube-proxy, no SNAT) and picks {} ({})",
            proxy.label,
            service_ref.key(),
            port_label(&service_port),
            candidates.len(),
            if fallback { "serving-terminating " } else { "ready " },
            if candidates.len() == 1 { "" } else { "s" },
            endpoint_label(&endpoint_ref),
            socket(endpoint_ip, endpoint_port_number)
        );
        self.hops.stay(
            &proxy.at,
            HopAction::Proxy,
            socket(endpoint_ip, endpoint_port_number),
            detail,
        );
        let via = format!("Gateway {gateway} and Service {}", service_ref.key());
        self.reach_endpoint(
            proxy,
            proxy.ip,
            proxy.at.node,
            &endpoint_ref,
            endpoint_ip,
            endpoint_port_number,
            &via,
        )
    }
}
