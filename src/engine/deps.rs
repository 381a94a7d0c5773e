//! Service dependencies inferred from what containers are told to talk to: env
//! values and arguments such as `productcatalogservice:3550`,
//! `http://cart.ns.svc.cluster.local:7070` or `cache.shop:6379`.

use crate::engine::sort::CollectCompact;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::cluster::Cluster;
use super::refs::NamespacedName;
use super::resolve::ResolvedService;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Dependency {
    /// The calling workload (the pod, for bare pods).
    pub from: NamespacedName,
    /// The Service called.
    pub to: NamespacedName,
    pub port: Option<i64>,
    /// The pod's own name under a headless Service, when the reference names one
    /// member, as `web-0.nginx` does (§6): the caller reaches that pod alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Where the reference was found, e.g. `env PRODUCT_CATALOG_SERVICE_ADDR=productcatalogservice:3550`.
    pub evidence: String,
}

/// Finds `host[:port]` references in container env values and args, and resolves
/// each host through the pod's DNS search path (§6: `<ns>.svc.<zone> svc.<zone> <zone>`).
///
/// A call a pod declares (§6.1) that reaches no Service gets a warning in
/// `diagnostics`: unlike an env value, the annotation says it names a Service, so a
/// miss is a mistake.
pub fn infer_dependencies(
    cluster: &Cluster,
    services: &[std::sync::Arc<ResolvedService>],
    cluster_domain: &str,
    diagnostics: &mut Vec<super::diag::Diagnostic>,
) -> Vec<Dependency> {
    let by_key: BTreeMap<(&str, &str), usize> = services
        .iter()
        .enumerate()
        .map(|(position, s)| ((s.namespace.as_str(), s.name.as_str()), position))
        .collect_map();
    let mut dependencies = BTreeSet::new();
    let mut seen_templates = BTreeSet::new();
    for pod in &cluster.pods {
        // Replicas share one template spec; a spec without hints needs no work at all.
        if pod
            .spec
            .containers
            .iter()
            .all(|c| c.address_hints.is_empty())
        {
            continue;
        }
        let from_name = pod
            .workload
            .as_ref()
            .map_or(&pod.name, |workload| &workload.name);
        let from = NamespacedName::new(&pod.namespace, from_name);
        // Look at each (workload, spec) once.
        if !seen_templates.insert((from.clone(), std::sync::Arc::as_ptr(&pod.spec) as usize)) {
            continue;
        }
        for container in &pod.spec.containers {
            for hint in &container.address_hints {
                for (host, port) in candidate_addresses(&hint.value, hint.declared) {
                    let Some((service, member)) =
                        lookup(&host, &pod.namespace, cluster_domain, services, &by_key)
                            .filter(|(service, _)| exposes(service, port))
                    else {
                        if hint.declared {
                            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
                            let kind = pod.workload.as_ref().map_or("Pod", |w| w.kind.as_str());
                            diagnostics.push(
                                super::diag::Diagnostic::warning("declared-call-unresolved", format!("{host}{port}, in the annotation kubetopo.dev/calls, reaches no Service port from namespace {}, so the call is neither drawn nor sent. Write a Service's name (name.namespace in another namespace) and one of its ports.", pod.namespace))
                                    .object(format!("{kind}/{}/{}", from.namespace, from.name))
                                    .at(pod.source.clone()),
                            );
                        }
                        continue;
                    };
                    // A workload talking to its own Service is not a dependency edge.
                    if service
                        .endpoints
                        .iter()
                        .any(|e| e.pod.as_ref() == Some(&pod.key()))
                    {
                        continue;
                    }
                    dependencies.insert(Dependency {
                        from: from.clone(),
                        to: service.key(),
                        port,
                        member,
                        evidence: format!("{}={}", hint.evidence, hint.value),
                    });
                }
            }
        }
    }
    // One edge per (from, to, port): keep the first evidence in sorted order.
    let mut unique: BTreeMap<(NamespacedName, NamespacedName, Option<i64>), Dependency> =
        BTreeMap::new();
    for dependency in dependencies {
        unique
            .entry((
                dependency.from.clone(),
                dependency.to.clone(),
                dependency.port,
            ))
            .or_insert(dependency);
    }
    unique.into_values().collect()
}

/// Whether a call to `port` (any, when none is written) reaches `service`: one of its
/// ports, or any port of an ExternalName Service or of one without ports.
fn exposes(service: &ResolvedService, port: Option<i64>) -> bool {
    port.is_none_or(|port| {
        service.ports.is_empty()
            || service.ports.iter().any(|p| p.port == port)
            || service.service_type == super::model::ServiceType::ExternalName
    })
}

/// Resolves a host name the way a pod's resolver would: with fewer than 5 dots
/// (`ndots:5`) the search domains are tried first, then the name as absolute.
/// Gives the Service, and the member's hostname when the name is a headless
/// Service's per-pod record.
pub fn lookup<'s>(
    host: &str,
    namespace: &str,
    cluster_domain: &str,
    services: &'s [std::sync::Arc<ResolvedService>],
    by_key: &BTreeMap<(&str, &str), usize>,
) -> Option<(&'s ResolvedService, Option<String>)> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut candidates = Vec::new();
    if !host.ends_with('.') && host.matches('.').count() < 5 {
        for search in [
            format!("{namespace}.svc.{cluster_domain}"),
            format!("svc.{cluster_domain}"),
            cluster_domain.to_string(),
        ] {
            candidates.push(format!("{host}.{search}"));
        }
    }
    candidates.push(host);
    let suffix = format!(".svc.{cluster_domain}");
    for fqdn in candidates {
        let Some(name_part) = fqdn.strip_suffix(&suffix) else {
            continue;
        };
        let labels: Vec<&str> = name_part.split('.').collect();
        // `<svc>.<ns>`, or `<hostname>.<svc>.<ns>` for a ready member of a headless
        // Service. Any other name is NXDOMAIN, and the resolver tries the next candidate.
        let (member, service, namespace) = match labels.as_slice() {
            [service, namespace] => (None, *service, *namespace),
            [member, service, namespace] => (Some(*member), *service, *namespace),
            _ => continue,
        };
        let Some(found) = by_key.get(&(namespace, service)).map(|&p| &services[p]) else {
            continue;
        };
        let is_member = |member: &str| {
            found.headless
                && found.endpoints.iter().filter(|e| e.ready).any(|e| {
                    e.hostname.as_deref() == Some(member)
                        || (e.hostname.is_none()
                            && e.addresses
                                .first()
                                .map(super::resolve::dashed_ip)
                                .as_deref()
                                == Some(member))
                })
        };
        if member.is_none_or(is_member) {
            return Some((found, member.map(str::to_string)));
        }
    }
    None
}

/// Pulls `host[:port]` candidates out of a value: URLs, `host:port`, and
/// comma or space separated lists of either. Bare words without a port are only
/// taken when they look like a cluster name (contain `.svc`), to avoid matching
/// ordinary words, or when the value is a list of calls the user declared
/// (`bare_names`, §6.1).
pub fn candidate_addresses(value: &str, bare_names: bool) -> Vec<(String, Option<i64>)> {
    let mut found = Vec::new();
    for token in value.split([',', ' ', ';', '\t', '\n']) {
        let token = token.trim().trim_matches(|c| c == '"' || c == '\'');
        // `--flag=value` arguments carry the address after `=`.
        let token = token.rsplit_once('=').map_or(token, |(_, v)| v);
        let (had_scheme, rest) = match token.split_once("://") {
            Some((_, rest)) => (true, rest),
            None => (false, token),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => match port.parse::<i64>() {
                Ok(port) if (1..=65535).contains(&port) => (host, Some(port)),
                _ => continue,
            },
            None => (authority, None),
        };
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            || !host.as_bytes()[0].is_ascii_alphabetic()
        {
            continue;
        }
        if port.is_none() && !had_scheme && !host.contains(".svc") && !bare_names {
            continue;
        }
        found.push((host.to_string(), port));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_from_values() {
        assert_eq!(
            candidate_addresses("productcatalogservice:3550", false),
            vec![("productcatalogservice".into(), Some(3550))]
        );
        assert_eq!(
            candidate_addresses("http://cart.ns.svc.cluster.local:7070/x", false),
            vec![("cart.ns.svc.cluster.local".into(), Some(7070))]
        );
        assert_eq!(
            candidate_addresses("cache.shop:6379", false),
            vec![("cache.shop".into(), Some(6379))]
        );
        assert_eq!(
            candidate_addresses("--addr=redis:6379", false),
            vec![("redis".into(), Some(6379))]
        );
        assert!(candidate_addresses("true", false).is_empty());
        assert!(candidate_addresses("10.0.0.1:80", false).is_empty());
    }
}
