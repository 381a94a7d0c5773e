//! URLs through an Ingress: the best rule for a host and path, the controller's
//! Service, and the controller's own connection to a backend endpoint.

use std::net::IpAddr;

use super::kube_proxy::{endpoint_port, Entry};
use super::{
    endpoint_label, port_label, socket, Cause, Client, ClientKind, HopAction, IngressResult,
    Outcome, Run, Scheme, Verdict,
};
use crate::engine::ingress::{IngressRoute, ResolvedIngress, RewriteTarget};
use crate::engine::refs::NamespacedName;

/// What ingress-nginx decided for one request, before any packet reaches it.
struct IngressDecision {
    /// The route whose backend takes the request: the matched one, or its canary's.
    route: IngressRoute,
    canary: bool,
    canary_note: Option<String>,
    /// Location and why, when the controller redirects to HTTPS.
    redirect: Option<(String, String)>,
    request_path: String,
    rewrite_note: Option<String>,
}
use crate::engine::model::*;

impl<'r, 't> Run<'r, 't> {
    pub(super) fn connect_url(
        &mut self,
        client: &Client,
        scheme: Scheme,
        host: &str,
        port: Option<i64>,
        path: &str,
        query: Option<&str>,
    ) -> Outcome {
        // A Gateway that owns the address or claims the host comes first (§11.10).
        if let Some(outcome) = self.connect_gateway(client, scheme, host, port, path, query) {
            return outcome;
        }
        let https = scheme == Scheme::Https;
        let url = format!(
            "{}://{host}{}{path}",
            scheme.as_str(),
            port.map(|p| format!(":{p}")).unwrap_or_default()
        );
        if scheme == Scheme::Grpc {
            let reason = format!("no Gateway owns {host} or claims it on port {} with an HTTP listener, and Ingress does not carry gRPC calls here", port.unwrap_or(80));
            return self.hops.unresolved(&client.at, url, reason);
        }
        // The controller routes by the Host header: `--host`, or a Host header
        // line, when the URL names an address.
        let host = self.http_options.host_header().unwrap_or(host).to_string();
        let host = host.as_str();
        let Some((ingress, route, why)) = self.match_ingress(host, path) else {
            let n_routes: usize = self
                .topology()
                .ingresses
                .iter()
                .map(|i| i.routes.len())
                .sum();
            let reason = format!("no Ingress rule matches host {host} and path {path} ({n_routes} routes in {} Ingresses); the controller would answer 404", self.topology().ingresses.len());
            return self.hops.unresolved(&client.at, url, reason);
        };
        let ingress_ref: &ResolvedIngress = &self.topology().ingresses[ingress];
        let decision = self.ingress_decision(ingress, route, scheme, host, path, query);
        let route: IngressRoute = decision.route.clone();
        let backend_port = route
            .resolved_port
            .map(|p| p.to_string())
            .unwrap_or_else(|| format!("{} (unresolved)", route.service_port));
        let detail = format!(
            "Ingress {}/{}: {why} → Service {}:{backend_port}{}",
            ingress_ref.namespace,
            ingress_ref.name,
            route.service,
            decision
                .canary_note
                .as_deref()
                .map(|note| format!("; {note}"))
                .unwrap_or_default()
        );
        let ingress_key = format!("{}/{}", ingress_ref.namespace, ingress_ref.name);
        self.ingress_result = Some(IngressResult {
            ingress: NamespacedName::new(&ingress_ref.namespace, &ingress_ref.name),
            backend_service: decision.redirect.is_none().then(|| route.service.clone()),
            canary: decision.canary,
            location: decision
                .redirect
                .as_ref()
                .map(|(location, _)| location.clone()),
            request_path: decision.request_path.clone(),
        });

        let dial_port = port.unwrap_or(if https { 443 } else { 80 });
        let controller = ingress_ref
            .controller_service
            .as_ref()
            .and_then(|key| self.tracer.index.service(&key.namespace, &key.name));
        let Some(controller) = controller else {
            self.hops
                .stay(&client.at, HopAction::IngressRoute, &url, detail);
            let class = ingress_ref
                .class_name
                .clone()
                .unwrap_or_else(|| "(none)".to_string());
            let note = format!("the ingress controller's Service for class {class} is unknown (not in the input), so kubetopo goes straight to the backend Service {} as the controller would", route.service);
            self.hops.stay(
                &client.at,
                HopAction::Proxy,
                route.service.to_string(),
                note,
            );
            if let Some(outcome) = self.apply_nginx_decision(client, &decision, &ingress_key) {
                return outcome;
            }
            return self.proxy_to_backend(client, None, &route, &ingress_key);
        };
        let controller_ref = self.service(controller);
        // An external client (or a pod resolving the public host name) reaches the
        // controller's external address; in-cluster without one, its ClusterIP.
        let address = controller_ref
            .load_balancer_ips
            .first()
            .or_else(|| ingress_ref.addresses.first())
            .or_else(|| controller_ref.external_ips.first())
            .copied()
            .map(|ip| (ip, dial_port));
        let controller_port = controller_ref
            .ports
            .iter()
            .find(|p| p.port == dial_port && p.protocol == Protocol::Tcp)
            .or_else(|| {
                controller_ref
                    .ports
                    .iter()
                    .find(|p| p.name.as_deref() == Some(if https { "https" } else { "http" }))
            })
            .or_else(|| controller_ref.ports.first())
            .cloned();
        let Some(controller_port) = controller_port else {
            let reason = format!(
                "the ingress controller Service {} has no ports",
                controller_ref.key()
            );
            return self.hops.unresolved(&client.at, url, reason);
        };
        let (ip, _dial_port, entry) = match (address, client.kind) {
            (Some((ip, _)), _) => (
                ip,
                controller_port.port,
                if controller_ref.load_balancer_ips.contains(&ip) {
                    Entry::LoadBalancer
                } else {
                    Entry::ExternalIp
                },
            ),
            (None, ClientKind::External) => match (
                controller_port.node_port,
                self.topology().cluster.nodes.iter().position(|n| n.ready),
            ) {
                (Some(node_port), Some(node)) => (
                    self.node(node).internal_ip,
                    node_port,
                    Entry::NodePort { node },
                ),
                _ => {
                    let reason = format!("the ingress controller Service {} has no external address or nodePort, so {host} cannot be reached from outside", controller_ref.key());
                    return self.hops.unresolved(&client.at, url, reason);
                }
            },
            (None, _) => match controller_ref.cluster_ips.first() {
                Some(ip) => (*ip, controller_port.port, Entry::ClusterIp),
                None => {
                    let reason = format!(
                        "the ingress controller Service {} has no address",
                        controller_ref.key()
                    );
                    return self.hops.unresolved(&client.at, url, reason);
                }
            },
        };
        if host.parse::<IpAddr>().is_err() {
            let dns_detail = format!("{host} resolves (public DNS, assumed) to {ip}, the address of ingress controller Service {}", controller_ref.key());
            self.hops
                .stay(&client.at, HopAction::Dns, host.to_string(), dns_detail);
        }
        self.hops
            .stay(&client.at, HopAction::IngressRoute, url, detail);
        let first_leg = self.route_service(client, controller, entry, ip, controller_port);
        if first_leg.verdict != Verdict::Delivered {
            return first_leg;
        }
        let controller_pod = self.reached_pod(&first_leg);
        let Some(controller_pod) = controller_pod else {
            return Outcome::new(
                Verdict::Delivered,
                format!(
                    "{}; the controller is not a known pod, so the backend hop is not traced",
                    first_leg.reason
                ),
            );
        };
        let controller_client = match self.pod_client(controller_pod) {
            Ok(c) => c,
            Err(outcome) => return outcome,
        };
        if let Some(outcome) =
            self.apply_nginx_decision(&controller_client, &decision, &ingress_key)
        {
            return outcome;
        }
        self.proxy_to_backend(
            &controller_client,
            Some(&controller_client.label.clone()),
            &route,
            &ingress_key,
        )
    }

    /// What ingress-nginx makes of the matched route (§9.4): the canary's share, the
    /// redirect to HTTPS and the path rewrite. The canary is chosen here, through the
    /// chooser, with the main backend first, as a Gateway orders weighted backends.
    fn ingress_decision(
        &mut self,
        ingress: usize,
        route: usize,
        scheme: Scheme,
        host: &str,
        path: &str,
        query: Option<&str>,
    ) -> IngressDecision {
        let topology = self.topology();
        let ingress_ref = &topology.ingresses[ingress];
        let main = ingress_ref.routes[route].clone();
        let host = host.to_ascii_lowercase();
        let nginx = &ingress_ref.nginx;
        // The matched rule's host must be listed under some Ingress's spec.tls.
        let tls_host = main
            .host
            .as_deref()
            .filter(|_| !main.default_backend)
            .is_some_and(|rule_host| {
                topology.ingresses.iter().any(|i| {
                    i.tls_hosts
                        .iter()
                        .any(|tls_host| tls_host.eq_ignore_ascii_case(rule_host))
                })
            });
        let redirect = (scheme == Scheme::Http
            && (nginx.force_ssl_redirect || (nginx.ssl_redirect && tls_host)))
            .then(|| {
                let why = if nginx.force_ssl_redirect {
                    "force-ssl-redirect is set".to_string()
                } else {
                    format!("the rule's host {} has TLS in spec.tls and ssl-redirect is on (its default)", main.host.as_deref().unwrap_or_default())
                };
                let location = format!(
                    "https://{host}{path}{}",
                    query.map(|q| format!("?{q}")).unwrap_or_default()
                );
                (location, why)
            });
        let mut decision = IngressDecision {
            route: main.clone(),
            canary: false,
            canary_note: None,
            redirect,
            request_path: path.to_string(),
            rewrite_note: None,
        };
        if decision.redirect.is_some() {
            return decision;
        }
        // ingress-nginx merges a canary Ingress into the main one of the same host and
        // path; the first canary by namespace/name takes the share.
        let canary = (!main.default_backend)
            .then(|| {
                topology.ingresses.iter().find_map(|other| {
                    let weight = other.nginx.canary?;
                    let canary_route = other.routes.iter().find(|r| {
                        !r.default_backend
                            && r.path == main.path
                            && r.host.as_deref().map(str::to_ascii_lowercase)
                                == main.host.as_deref().map(str::to_ascii_lowercase)
                    })?;
                    Some((other, canary_route.clone(), weight))
                })
            })
            .flatten();
        if let Some((canary_ingress, canary_route, weight)) = canary {
            let total = weight.total;
            let share = weight.clamped();
            let pick = self.choose(usize::try_from(total).unwrap_or(usize::MAX)) as i64;
            let to_canary = pick >= total - share;
            decision.canary_note = Some(format!(
                "canary Ingress {}/{} takes {share} of {total} requests (canary-weight), and this one goes to {}",
                canary_ingress.namespace,
                canary_ingress.name,
                if to_canary {
                    format!("the canary, Service {}", canary_route.service)
                } else {
                    format!("the main backend, Service {}", main.service)
                }
            ));
            if to_canary {
                decision.route = canary_route;
                decision.canary = true;
            }
        }
        match &nginx.rewrite_target {
            Some(RewriteTarget::FullPath(target)) => {
                decision.rewrite_note = Some(format!("rewrite-target: ingress-nginx rewrites the whole path {path} to {target} (§9.4)"));
                decision.request_path = target.clone();
            }
            Some(RewriteTarget::WithCaptures(target)) => {
                decision.rewrite_note = Some(format!("rewrite-target {target} refers to capture groups of a regular-expression path, which kubetopo does not evaluate: the path {path} is passed on unchanged (§9.4)"));
            }
            None => {}
        }
        decision
    }

    /// At the controller: answers the redirect, or notes the rewrite and lets the
    /// request go on to the backend (`None`).
    fn apply_nginx_decision(
        &mut self,
        proxy: &Client,
        decision: &IngressDecision,
        ingress_key: &str,
    ) -> Option<Outcome> {
        if let Some((location, why)) = &decision.redirect {
            let reason = format!("Ingress {ingress_key}: ingress-nginx answers 308 with Location {location} because {why} (§9.4)");
            self.hops.stay(
                &proxy.at,
                HopAction::IngressRoute,
                location.clone(),
                reason.clone(),
            );
            return Some(Outcome::new(Verdict::Redirected, reason));
        }
        if let Some(note) = &decision.rewrite_note {
            self.hops.stay(
                &proxy.at,
                HopAction::IngressRoute,
                decision.request_path.clone(),
                note.clone(),
            );
        }
        None
    }

    /// The controller (or, when unknown, the client in its place) opens a connection to
    /// one endpoint of the backend Service. Controllers balance over EndpointSlices
    /// themselves, so neither the ClusterIP nor kube-proxy is involved.
    fn proxy_to_backend(
        &mut self,
        proxy: &Client,
        proxy_label: Option<&str>,
        route: &IngressRoute,
        ingress_key: &str,
    ) -> Outcome {
        let Some(service) = self
            .tracer
            .index
            .service(&route.service.namespace, &route.service.name)
        else {
            let reason = format!("Ingress {ingress_key} routes to Service {}, which does not exist: the controller answers 503", route.service);
            return self
                .hops
                .rejected(&proxy.at, route.service.to_string(), reason);
        };
        let service_ref = self.service(service);
        if service_ref.service_type == ServiceType::ExternalName {
            let target = service_ref.external_name.clone().unwrap_or_default();
            return self.leave_cluster(
                proxy,
                &target,
                route.resolved_port,
                format!(
                    "backend Service {} is ExternalName, a CNAME to {target}",
                    service_ref.key()
                ),
            );
        }
        let Some(service_port) = route
            .resolved_port
            .and_then(|p| service_ref.ports.iter().find(|sp| sp.port == p))
            .cloned()
        else {
            let reason = format!("Ingress {ingress_key} names port {} of Service {}, which it does not have: the controller answers 503", route.service_port, route.service);
            return self
                .hops
                .rejected(&proxy.at, route.service.to_string(), reason);
        };
        let usable: Vec<usize> = service_ref
            .endpoints
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.ready && endpoint_port(e, &service_port).is_some() && !e.addresses.is_empty()
            })
            .map(|(i, _)| i)
            .collect();
        let (candidates, fallback) = if usable.is_empty() {
            (
                service_ref
                    .endpoints
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| {
                        e.serving
                            && e.terminating
                            && endpoint_port(e, &service_port).is_some()
                            && !e.addresses.is_empty()
                    })
                    .map(|(i, _)| i)
                    .collect::<Vec<_>>(),
                true,
            )
        } else {
            (usable, false)
        };
        if candidates.is_empty() {
            let reason = format!("Service {} has no ready endpoint for port {}: the ingress controller answers 503 Service Unavailable", service_ref.key(), port_label(&service_port));
            return self.hops.because(Cause::NoEndpoints).rejected(
                &proxy.at,
                route.service.to_string(),
                reason,
            );
        }
        let endpoint = candidates[self.choose(candidates.len())];
        let endpoint_ref = &service_ref.endpoints[endpoint];
        let endpoint_ip = endpoint_ref.addresses[0];
        let endpoint_port_number =
            endpoint_port(endpoint_ref, &service_port).unwrap_or(service_port.port);
        let who = proxy_label
            .map(|l| format!("the ingress controller, {l},"))
            .unwrap_or_else(|| "the request".to_string());
        let detail = format!(
            "{who} proxies to Service {} port {}: controllers balance over its {} {}endpoint{} themselves (no ClusterIP, no kube-proxy) and pick {} ({})",
            service_ref.key(),
            port_label(&service_port),
            candidates.len(),
            if fallback { "serving-terminating " } else { "ready " },
            if candidates.len() == 1 { "" } else { "s" },
            endpoint_label(endpoint_ref),
            socket(endpoint_ip, endpoint_port_number)
        );
        self.hops.stay(
            &proxy.at,
            HopAction::Proxy,
            socket(endpoint_ip, endpoint_port_number),
            detail,
        );
        let via = format!("Ingress {ingress_key} and Service {}", service_ref.key());
        let source_ip = proxy.ip;
        self.reach_endpoint(
            proxy,
            source_ip,
            proxy.at.node,
            &endpoint_ref.clone(),
            endpoint_ip,
            endpoint_port_number,
            &via,
        )
    }

    /// The best Ingress route for a host and path: exact hosts before wildcards before
    /// rules without a host, then Exact paths before the longest Prefix; default
    /// backends last. Returns (ingress, route, explanation).
    fn match_ingress(&self, host: &str, path: &str) -> Option<(usize, usize, String)> {
        let host = host.to_ascii_lowercase();
        // (host rank, path rank, prefix length), ingress, route, explanation.
        type Candidate = ((u8, u8, usize), usize, usize, String);
        let mut best: Option<Candidate> = None;
        for (ingress_index, ingress) in self.topology().ingresses.iter().enumerate() {
            // A canary only takes a share of its main Ingress's requests (§9.4).
            if ingress.nginx.canary.is_some() {
                continue;
            }
            for (route_index, route) in ingress.routes.iter().enumerate() {
                let host_rank = match route.host.as_deref().map(str::to_ascii_lowercase) {
                    _ if route.default_backend => 0,
                    None => 1,
                    Some(rule_host) if rule_host == host => 3,
                    Some(rule_host) => match rule_host.strip_prefix("*.") {
                        // A wildcard covers exactly one extra label.
                        Some(suffix)
                            if host
                                .strip_suffix(suffix)
                                .and_then(|h| h.strip_suffix('.'))
                                .is_some_and(|label| !label.is_empty() && !label.contains('.')) =>
                        {
                            2
                        }
                        _ => continue,
                    },
                };
                let (path_rank, length, how) = match route.path_type.as_str() {
                    "Exact" if route.path == path => {
                        (2, route.path.len(), format!("path {} (Exact)", route.path))
                    }
                    "Exact" => continue,
                    other => {
                        if !prefix_matches(&route.path, path) {
                            continue;
                        }
                        let note = if other == "Prefix" {
                            "Prefix".to_string()
                        } else {
                            format!("{other}, read as Prefix")
                        };
                        (
                            1,
                            route.path.trim_end_matches('/').len(),
                            format!("path {} ({note})", route.path),
                        )
                    }
                };
                let host_text = match (&route.host, route.default_backend) {
                    (_, true) => "default backend".to_string(),
                    (Some(h), _) => format!("host {h}"),
                    (None, _) => "any host".to_string(),
                };
                let rank = (host_rank, path_rank, length);
                if best.as_ref().is_none_or(|(b, ..)| rank > *b) {
                    best = Some((
                        rank,
                        ingress_index,
                        route_index,
                        format!("{host_text}, {how}"),
                    ));
                }
            }
        }
        best.map(|(_, ingress, route, why)| (ingress, route, why))
    }
}

/// Ingress `Prefix` matching: element-wise on `/`-separated path segments, so `/foo`
/// matches `/foo` and `/foo/bar` but not `/foobar`.
fn prefix_matches(prefix: &str, path: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() {
        return true;
    }
    let path_trimmed = path.trim_end_matches('/');
    path_trimmed == prefix || path.starts_with(&format!("{prefix}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_matching_is_element_wise() {
        assert!(prefix_matches("/", "/anything"));
        assert!(prefix_matches("/foo", "/foo"));
        assert!(prefix_matches("/foo", "/foo/bar"));
        assert!(prefix_matches("/foo/", "/foo"));
        assert!(!prefix_matches("/foo", "/foobar"));
    }
}
