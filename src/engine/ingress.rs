//! Ingress resolution: rules and default backends to Service ports, and the
//! IngressClass to the controller's own Service when its manifests are present.

use crate::engine::sort::SortCompact;
use serde::Serialize;

use super::cluster::Cluster;
use super::diag::{Diagnostic, Source};
use super::model::*;
use super::refs::NamespacedName;
use super::resolve::ResolvedService;
use super::selector::Labels;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressRoute {
    /// `None` matches every host.
    pub host: Option<String>,
    pub path: String,
    pub path_type: String,
    /// The backend Service.
    pub service: NamespacedName,
    /// As written: a number or a port name.
    pub service_port: PortRef,
    /// The Service port it resolves to, or `None` when the Service or port is missing.
    pub resolved_port: Option<i64>,
    pub default_backend: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedIngress {
    pub namespace: String,
    pub name: String,
    pub class_name: Option<String>,
    /// The IngressClass's `spec.controller`, e.g. `k8s.io/ingress-nginx`.
    pub controller: Option<String>,
    /// The Service that exposes the controller, when present.
    pub controller_service: Option<NamespacedName>,
    pub addresses: Vec<std::net::IpAddr>,
    pub tls_hosts: Vec<String>,
    pub routes: Vec<IngressRoute>,
    /// The ingress-nginx annotations the trace follows (§9.4); not in the JSON.
    #[serde(skip)]
    pub nginx: NginxAnnotations,
    #[serde(skip)]
    pub source: Source,
}

/// The prefix of ingress-nginx's annotations.
pub const NGINX_ANNOTATION_PREFIX: &str = "nginx.ingress.kubernetes.io/";

/// What ingress-nginx does with one Ingress's annotations, as far as kubetopo
/// models it (§9.4): the path rewrite, the redirect to HTTPS and the canary weight.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NginxAnnotations {
    pub rewrite_target: Option<RewriteTarget>,
    /// `ssl-redirect`: redirect plain HTTP to HTTPS when the host has TLS (default on).
    pub ssl_redirect: bool,
    /// `force-ssl-redirect`: redirect plain HTTP to HTTPS even without TLS.
    pub force_ssl_redirect: bool,
    /// Set when `canary: "true"`: this Ingress is merged into the main Ingress of the
    /// same host and path and takes a share of its requests.
    pub canary: Option<CanaryWeight>,
}

/// `rewrite-target`. ingress-nginx turns the path into a regular expression and
/// rewrites the whole request path to the target, so a target without capture
/// references replaces the path outright.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RewriteTarget {
    /// No `$n` reference: every matched path becomes this path.
    FullPath(String),
    /// The target refers to capture groups of a regular-expression path, which
    /// kubetopo does not evaluate.
    WithCaptures(String),
}

/// A canary's share: `weight` of `total` requests (`canary-weight`,
/// `canary-weight-total`, 100 by default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CanaryWeight {
    pub weight: i64,
    pub total: i64,
}

impl CanaryWeight {
    /// The weight the canary really gets: ingress-nginx sends every request to it
    /// from `weight >= total` on, and none below 0.
    pub fn clamped(self) -> i64 {
        self.weight.clamp(0, self.total)
    }
}

/// The annotation `nginx.ingress.kubernetes.io/<name>`, when set.
pub fn nginx_annotation<'a>(annotations: &'a Labels, name: &str) -> Option<&'a str> {
    annotations
        .get(&format!("{NGINX_ANNOTATION_PREFIX}{name}"))
        .map(String::as_str)
}

/// Reads the annotations of §9.4 as ingress-nginx parses them: booleans as Go's
/// `strconv.ParseBool` (an unreadable value keeps the default), numbers as integers
/// (an unreadable weight is 0, an unreadable or non-positive total is 100).
pub fn nginx_annotations(annotations: &Labels) -> NginxAnnotations {
    let flag = |name: &str, default: bool| {
        nginx_annotation(annotations, name)
            .and_then(parse_go_bool)
            .unwrap_or(default)
    };
    let canary = flag("canary", false).then(|| CanaryWeight {
        weight: nginx_annotation(annotations, "canary-weight")
            .and_then(|w| w.trim().parse().ok())
            .unwrap_or(0),
        total: nginx_annotation(annotations, "canary-weight-total")
            .and_then(|w| w.trim().parse().ok())
            .filter(|total: &i64| *total > 0)
            .unwrap_or(100),
    });
    let rewrite_target = nginx_annotation(annotations, "rewrite-target")
        .filter(|target| !target.is_empty())
        .map(|target| {
            if target.contains('$') {
                RewriteTarget::WithCaptures(target.to_string())
            } else {
                RewriteTarget::FullPath(target.to_string())
            }
        });
    NginxAnnotations {
        rewrite_target,
        ssl_redirect: flag("ssl-redirect", true),
        force_ssl_redirect: flag("force-ssl-redirect", false),
        canary,
    }
}

/// Go's `strconv.ParseBool`.
pub fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

pub fn resolve_ingresses(
    manifests: &Manifests,
    cluster: &Cluster,
    services: &[std::sync::Arc<ResolvedService>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ResolvedIngress> {
    let mut ingresses: Vec<&Ingress> = manifests.ingresses.iter().collect();
    ingresses.sort_compact_by(|a, b| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    let default_class = manifests.ingress_classes.iter().find(|c| c.is_default);
    ingresses
        .into_iter()
        .map(|ingress| {
            let class = ingress
                .class_name
                .as_deref()
                .and_then(|name| {
                    manifests
                        .ingress_classes
                        .iter()
                        .find(|c| c.meta.name == name)
                })
                .or(if ingress.class_name.is_none() {
                    default_class
                } else {
                    None
                });
            let class_name = ingress
                .class_name
                .clone()
                .or_else(|| class.map(|c| c.meta.name.clone()));
            let controller_service = class_name
                .as_deref()
                .and_then(|name| controller_service(name, class, cluster, services));
            let mut routes = Vec::new();
            let mut backends: Vec<(Option<String>, String, String, &IngressBackend, bool)> =
                Vec::new();
            for rule in &ingress.rules {
                for path in &rule.paths {
                    if let Some(backend) = &path.backend {
                        backends.push((
                            rule.host.clone(),
                            path.path.clone(),
                            path.path_type.clone(),
                            backend,
                            false,
                        ));
                    }
                }
            }
            if let Some(backend) = &ingress.default_backend {
                backends.push((None, "/".to_string(), "Prefix".to_string(), backend, true));
            }
            for (host, path, path_type, backend, default_backend) in backends {
                let resolved_port = resolve_backend(ingress, backend, services, diagnostics);
                routes.push(IngressRoute {
                    host,
                    path,
                    path_type,
                    service: NamespacedName::new(&ingress.meta.namespace, &backend.service),
                    service_port: backend.port.clone(),
                    resolved_port,
                    default_backend,
                });
            }
            let addresses = if !ingress.load_balancer_ips_status.is_empty() {
                ingress.load_balancer_ips_status.clone()
            } else {
                controller_service
                    .as_ref()
                    .and_then(|key| services.iter().find(|s| s.key() == *key))
                    .map(|s| s.load_balancer_ips.clone())
                    .unwrap_or_default()
            };
            ResolvedIngress {
                namespace: ingress.meta.namespace.clone(),
                name: ingress.meta.name.clone(),
                class_name,
                controller: class.map(|c| c.controller.clone()),
                controller_service,
                addresses,
                tls_hosts: ingress.tls_hosts.clone(),
                routes,
                nginx: nginx_annotations(&ingress.meta.annotations),
                source: ingress.meta.source.clone(),
            }
        })
        .collect()
}

fn resolve_backend(
    ingress: &Ingress,
    backend: &IngressBackend,
    services: &[std::sync::Arc<ResolvedService>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<i64> {
    let object = format!("Ingress/{}/{}", ingress.meta.namespace, ingress.meta.name);
    let Some(service) = services
        .iter()
        .find(|s| s.namespace == ingress.meta.namespace && s.name == backend.service)
    else {
        diagnostics.push(
            Diagnostic::warning("ingress-backend-service-missing", format!("The backend Service \"{}\" does not exist in namespace {}; requests routed here get a 503 from the controller. Create the Service or fix the name.", backend.service, ingress.meta.namespace))
                .object(object)
                .field(format!("{}.name", backend.field))
                .at(backend.source.clone()),
        );
        return None;
    };
    let found = match &backend.port {
        PortRef::Number(number) => service.ports.iter().find(|p| p.port == *number),
        PortRef::Name(name) => service
            .ports
            .iter()
            .find(|p| p.name.as_deref() == Some(name.as_str())),
    };
    match found {
        Some(port) => Some(port.port),
        None if service.service_type == ServiceType::ExternalName => match &backend.port {
            PortRef::Number(number) => Some(*number),
            PortRef::Name(_) => None,
        },
        None => {
            let available: Vec<String> = service
                .ports
                .iter()
                .map(|p| match &p.name {
                    Some(name) => format!("{} ({name})", p.port),
                    None => p.port.to_string(),
                })
                .collect();
            diagnostics.push(
                Diagnostic::warning(
                    "ingress-backend-port-missing",
                    format!(
                        "Service {} has no port {}; it has {}. Point the backend at one of those.",
                        backend.service,
                        backend.port,
                        if available.is_empty() {
                            "none".to_string()
                        } else {
                            available.join(", ")
                        }
                    ),
                )
                .object(object)
                .field(format!("{}.port", backend.field))
                .at(backend.source.clone()),
            );
            None
        }
    }
}

/// Finds the Service that fronts an ingress controller. Controllers are told their
/// class by flags (`--ingress-class=nginx`, `--controller-class=k8s.io/ingress-nginx`);
/// the Service that selects those pods, preferring LoadBalancer, is the entry point.
fn controller_service(
    class_name: &str,
    class: Option<&IngressClass>,
    cluster: &Cluster,
    services: &[std::sync::Arc<ResolvedService>],
) -> Option<NamespacedName> {
    let flags: Vec<String> = std::iter::once(format!("--ingress-class={class_name}"))
        .chain(class.map(|c| format!("--controller-class={}", c.controller)))
        .collect();
    let controller_pods: Vec<&std::sync::Arc<super::cluster::ClusterPod>> = cluster
        .pods
        .iter()
        .filter(|pod| {
            pod.spec.containers.iter().any(|c| {
                c.address_hints
                    .iter()
                    .any(|hint| flags.contains(&hint.value))
            })
        })
        .collect();
    let rank = |service: &ResolvedService| match service.service_type {
        ServiceType::LoadBalancer => 0,
        ServiceType::NodePort => 1,
        _ => 2,
    };
    let mut candidates: Vec<&std::sync::Arc<ResolvedService>> = services
        .iter()
        .filter(|service| service.service_type != ServiceType::ExternalName)
        .filter(|service| {
            service.selector.as_ref().is_some_and(|selector| {
                !selector.is_empty()
                    && (controller_pods.iter().any(|pod| {
                        pod.namespace == service.namespace
                            && selector.iter().all(|(k, v)| pod.labels.get(k) == Some(v))
                    }) || class.is_some_and(|c| {
                        selector
                            .iter()
                            .all(|(k, v)| c.meta.labels.get(k) == Some(v))
                    }))
            })
        })
        .collect();
    candidates.sort_compact_by_key(|service| (rank(service), service.key()));
    candidates.first().map(|service| service.key())
}
