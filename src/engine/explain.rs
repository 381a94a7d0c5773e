//! Diagnostics that explain *why*: a Service without endpoints and the label that
//! differs, named ports missing on some pods, probes aimed at undeclared ports,
//! nodes that drop traffic under externalTrafficPolicy Local, and more.

use crate::engine::sort::CollectCompact;
use std::collections::{BTreeMap, BTreeSet};

use super::cluster::{Cluster, ClusterPod, PodIndex};
use super::diag::Diagnostic;
use super::model::*;
use super::pause::{self, Pause};
use super::refs::{KindRef, NamespacedName};
use super::resolve::ResolvedService;
use super::selector::Labels;

/// Adds the explanatory diagnostics for resolved Services and policies.
pub fn explain(
    manifests: &Manifests,
    cluster: &Cluster,
    index: &PodIndex,
    services: &[std::sync::Arc<ResolvedService>],
    diagnostics: &mut Vec<Diagnostic>,
) {
    pause::finish(explain_pausable(
        manifests,
        cluster,
        index,
        services,
        diagnostics,
        &Pause::never(),
    ));
}

/// [`explain`], pausing between Services when `pause` says so.
pub async fn explain_pausable(
    manifests: &Manifests,
    cluster: &Cluster,
    index: &PodIndex,
    services: &[std::sync::Arc<ResolvedService>],
    diagnostics: &mut Vec<Diagnostic>,
    pause: &Pause<'_>,
) {
    let raw_services = ServicesByName::new(&manifests.services);
    // The first pod of each workload, by namespace, made once for all the Services
    // that select nothing.
    let mut groups = None;
    for service in services {
        pause.point().await;
        let Some(raw) = raw_services.get(&service.namespace, &service.name) else {
            continue;
        };
        let object = format!("Service/{}/{}", service.namespace, service.name);
        if service.service_type == ServiceType::ExternalName {
            continue;
        }
        match &service.selector {
            Some(selector) if !selector.is_empty() => {
                let selected = index.select_map(&service.namespace, selector);
                if selected.is_empty() {
                    let groups = groups.get_or_insert_with(|| first_pod_of_each_group(cluster));
                    diagnostics.push(
                        Diagnostic::warning(
                            "service-selects-no-pods",
                            explain_no_match(selector, &service.namespace, cluster, index, groups),
                        )
                        .object(object.clone())
                        .field("spec.selector")
                        .at(raw.meta.field_source("spec.selector")),
                    );
                } else {
                    explain_ports(service, raw, &selected, cluster, &object, diagnostics);
                }
            }
            _ => {
                let has_slices = manifests.endpoint_slices.iter().any(|s| {
                    s.meta.namespace == service.namespace && s.service_name == service.name
                });
                if !has_slices {
                    diagnostics.push(
                        Diagnostic::warning("service-selectorless-without-endpoints", format!("{} has no selector and no EndpointSlice or Endpoints names it, so it has no endpoints and connections are refused. Add a `spec.selector`, or an EndpointSlice labelled kubernetes.io/service-name={}.", service.name, service.name))
                            .object(object.clone())
                            .field("spec.selector")
                            .at(raw.meta.source.clone()),
                    );
                }
            }
        }
        let usable: Vec<_> = service
            .endpoints
            .iter()
            .filter(|e| e.ready || (e.serving && e.terminating))
            .collect();
        if usable.len() == 1 && !service.headless {
            diagnostics.push(
                Diagnostic::info("service-single-endpoint", format!("{} has a single endpoint ({}), so one pod restart interrupts it. Consider more replicas and a PodDisruptionBudget.", service.name, usable[0].pod.as_ref().map_or_else(|| "manual endpoint".to_string(), NamespacedName::to_string)))
                    .object(object.clone())
                    .at(raw.meta.source.clone()),
            );
        }
        if service.external_traffic_policy == Some(TrafficPolicy::Local)
            && service.externally_accessible()
        {
            let nodes_with_endpoints: BTreeSet<&str> = service
                .endpoints
                .iter()
                .filter(|e| e.ready)
                .filter_map(|e| e.node.as_deref())
                .collect_set();
            let dropping: Vec<&str> = cluster
                .nodes
                .iter()
                .map(|n| n.name.as_str())
                .filter(|n| !nodes_with_endpoints.contains(n))
                .collect();
            if !dropping.is_empty() {
                let health = service.health_check_node_port.map(|p| format!(" The load balancer's health check on nodePort {p} fails there, so it should avoid them;")).unwrap_or_default();
                diagnostics.push(
                    Diagnostic::info("external-traffic-local-drops", format!("externalTrafficPolicy is Local, so external traffic arriving at a node without a ready local endpoint is dropped: {}.{health} NodePort traffic sent to them directly is dropped. Use Cluster to forward (losing the client IP), or run an endpoint on every node.", dropping.join(", ")))
                        .object(object.clone())
                        .field("spec.externalTrafficPolicy")
                        .at(raw.meta.field_source("spec.externalTrafficPolicy")),
                );
            }
        }
    }
    explain_probes(manifests, diagnostics);
    explain_policies(manifests, cluster, diagnostics);
}

/// Says why a selector matched nothing: the nearest pods and the label that
/// differs, or that matching pods live in another namespace.
/// The position of the first pod of each workload (a bare pod is its own), by
/// namespace, in the cluster's order.
fn first_pod_of_each_group(cluster: &Cluster) -> BTreeMap<String, Vec<usize>> {
    let mut seen: BTreeSet<(String, KindRef)> = BTreeSet::new();
    let mut firsts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (position, pod) in cluster.pods.iter().enumerate() {
        if seen.insert((pod.namespace.clone(), group_of(pod))) {
            firsts
                .entry(pod.namespace.clone())
                .or_default()
                .push(position);
        }
    }
    firsts
}

fn group_of(pod: &ClusterPod) -> KindRef {
    pod.workload
        .clone()
        .unwrap_or_else(|| KindRef::new("Pod", &pod.name))
}

/// Why a selector matches no pod in its namespace. Looks up matching pods in the
/// other namespaces through the index, and judges each workload of the namespace by
/// its first pod (`groups`), so that a cluster of many Services that select nothing
/// (those of workloads left out past `--max-pods`) is explained in time linear in
/// its size, not in Services × pods (issue #12.9: 65,000 such Services over
/// 250,000 pods took the page minutes).
fn explain_no_match(
    selector: &Labels,
    namespace: &str,
    cluster: &Cluster,
    index: &PodIndex,
    groups: &BTreeMap<String, Vec<usize>>,
) -> String {
    let selector_text: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let selector_text = selector_text.join(",");
    let elsewhere: Vec<&str> = index
        .namespaces()
        .filter(|other| *other != namespace && index.selects_any(other, selector))
        .collect();
    if !elsewhere.is_empty() {
        return format!(
            "The selector {selector_text} matches no pod in namespace {namespace}; matching pods exist in namespace {}, but a Service only selects pods in its own namespace. Move the Service or the workload into the same namespace.",
            elsewhere.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    // Nearest: pods (grouped by workload) sharing the most selector pairs.
    let mut best: Option<(usize, KindRef, Vec<String>)> = None;
    for &position in groups.get(namespace).map_or(&[][..], Vec::as_slice) {
        let pod = &cluster.pods[position];
        let n_matching = selector
            .iter()
            .filter(|(k, v)| pod.labels.get(*k) == Some(v))
            .count();
        let shares_a_key = selector.keys().any(|k| pod.labels.contains_key(k));
        if n_matching == 0 && !shares_a_key {
            continue;
        }
        let differences: Vec<String> = selector
            .iter()
            .filter(|(k, v)| pod.labels.get(*k) != Some(v))
            .map(|(k, v)| match pod.labels.get(k) {
                Some(actual) => format!("{k}={actual} (the selector wants {v})"),
                None => format!("no {k} label (the selector wants {k}={v})"),
            })
            .collect();
        if best
            .as_ref()
            .is_none_or(|(score, _, _)| n_matching > *score)
        {
            best = Some((n_matching, group_of(pod), differences));
        }
    }
    match best {
        Some((_, group, differences)) => format!(
            "The selector {selector_text} matches no pod in namespace {namespace}, so the Service has no endpoints and connections are refused. The nearest pods, of {group}, have {}. Fix the selector or the pod template labels.",
            differences.join(" and ")
        ),
        None => format!("The selector {selector_text} matches no pod in namespace {namespace}, and no pod there has any of these label keys, so the Service has no endpoints and connections are refused. Check the selector, or add the workload it should front."),
    }
}

/// Named targetPorts missing on some or all selected pods, protocol mismatches, and
/// numeric targetPorts no container declares. Pods are grouped by workload.
fn explain_ports(
    service: &ResolvedService,
    raw: &Service,
    selected: &[usize],
    cluster: &Cluster,
    object: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if service.headless && service.ports.is_empty() {
        return;
    }
    for (port_index, port) in service.ports.iter().enumerate() {
        let field = format!("spec.ports[{port_index}].targetPort");
        let mut missing: BTreeMap<String, usize> = BTreeMap::new();
        // Group → the protocol it declares the port with, as text: a map type the
        // engine has anyway.
        let mut wrong_protocol: BTreeMap<String, String> = BTreeMap::new();
        let mut undeclared: BTreeMap<String, usize> = BTreeMap::new();
        let mut seen_specs = BTreeSet::new();
        for &pod_index in selected {
            let pod = &cluster.pods[pod_index];
            // Named only when something is wrong: most pods are fine.
            let group = || {
                pod.workload
                    .clone()
                    .map(|w| format!("{w} pods"))
                    .unwrap_or_else(|| format!("pod {}", pod.name))
            };
            let all_ports = || pod.spec.containers.iter().flat_map(|c| c.ports.iter());
            match &port.target_port {
                PortRef::Name(name) => {
                    let by_name: Vec<&ContainerPort> = all_ports()
                        .filter(|p| p.name.as_deref() == Some(name.as_str()))
                        .collect();
                    if by_name.iter().any(|p| p.protocol == port.protocol) {
                        continue;
                    }
                    let group = group();
                    *missing.entry(group.clone()).or_default() += 1;
                    if let Some(other) = by_name.first() {
                        wrong_protocol.insert(group, other.protocol.to_string());
                    }
                }
                PortRef::Number(number) => {
                    if !seen_specs.insert(std::sync::Arc::as_ptr(&pod.spec) as usize) {
                        continue;
                    }
                    let declares_any = all_ports().next().is_some();
                    if declares_any
                        && !all_ports()
                            .any(|p| p.container_port == *number && p.protocol == port.protocol)
                    {
                        *undeclared.entry(group()).or_default() += 1;
                    }
                }
            }
        }
        let n_selected = selected.len();
        // Pods whose port exists under another protocol are reported as a mismatch
        // instead, so they are not counted as lacking the name.
        let n_missing: usize = missing
            .iter()
            .filter(|(group, _)| !wrong_protocol.contains_key(*group))
            .map(|(_, n)| n)
            .sum();
        if !wrong_protocol.is_empty() {
            let groups: Vec<String> = wrong_protocol
                .iter()
                .map(|(g, p)| format!("{g} declare it as {p}"))
                .collect();
            diagnostics.push(
                Diagnostic::warning("target-port-protocol-mismatch", format!("targetPort \"{}\" ({}) is declared with another protocol: {}. A named port must match on name and protocol, so those pods are not endpoints for port {}. Make the protocols agree.", port.target_port, port.protocol, groups.join("; "), port.port))
                    .object(object.to_string())
                    .field(field.clone())
                    .at(raw.meta.field_source(&field)),
            );
        }
        let missing_only_name: Vec<String> = missing
            .iter()
            .filter(|(g, _)| !wrong_protocol.contains_key(*g))
            .map(|(g, n)| format!("{g} ({n})"))
            .collect();
        if !missing_only_name.is_empty() {
            let scope = if n_missing == n_selected {
                "any"
            } else {
                "some"
            };
            diagnostics.push(
                Diagnostic::warning("target-port-name-not-found", format!("Named targetPort \"{}\" is not declared by {scope} selected pods: {}. Those pods are left out of port {} ({n_missing} of {n_selected} pods). Add a containerPort named \"{}\" or use a number.", port.target_port, missing_only_name.join(", "), port.port, port.target_port))
                    .object(object.to_string())
                    .field(field.clone())
                    .at(raw.meta.field_source(&field)),
            );
        }
        if !undeclared.is_empty() {
            let groups: Vec<&str> = undeclared.keys().map(String::as_str).collect();
            diagnostics.push(
                Diagnostic::info("target-port-not-declared", format!("targetPort {} ({}) is not declared by any container of {}. Traffic is still sent there, but if nothing listens on it connections fail; check the port.", port.target_port, port.protocol, groups.join(", ")))
                    .object(object.to_string())
                    .field(field.clone())
                    .at(raw.meta.field_source(&field)),
            );
        }
    }
}

fn explain_probes(manifests: &Manifests, diagnostics: &mut Vec<Diagnostic>) {
    let specs = manifests
        .workloads
        .iter()
        .map(|w| {
            (
                format!("{}/{}/{}", w.kind.as_str(), w.meta.namespace, w.meta.name),
                &w.template.spec,
            )
        })
        .chain(
            manifests
                .pods
                .iter()
                .map(|p| (format!("Pod/{}/{}", p.meta.namespace, p.meta.name), &p.spec)),
        );
    for (object, spec) in specs {
        for container in &spec.containers {
            for probe in &container.probes {
                let (declared, code, severity_warning) = match &probe.port {
                    PortRef::Name(name) => (
                        container
                            .ports
                            .iter()
                            .any(|p| p.name.as_deref() == Some(name.as_str())),
                        "probe-port-name-not-found",
                        true,
                    ),
                    PortRef::Number(number) => (
                        container.ports.is_empty()
                            || container.ports.iter().any(|p| p.container_port == *number),
                        "probe-port-not-declared",
                        false,
                    ),
                };
                if declared {
                    continue;
                }
                let message = if severity_warning {
                    format!("The {} of container {} uses port name \"{}\", which the container does not declare, so the kubelet cannot resolve it and the probe fails. Declare a containerPort with that name or use a number.", probe.kind, container.name, probe.port)
                } else {
                    format!("The {} of container {} targets port {}, which the container does not declare in `ports`. If nothing listens there the probe fails; check the port.", probe.kind, container.name, probe.port)
                };
                let diagnostic = if severity_warning {
                    Diagnostic::warning(code, message)
                } else {
                    Diagnostic::info(code, message)
                };
                diagnostics.push(
                    diagnostic
                        .object(object.clone())
                        .field(probe.field.clone())
                        .at(probe.source.clone()),
                );
            }
        }
    }
}

fn explain_policies(manifests: &Manifests, cluster: &Cluster, diagnostics: &mut Vec<Diagnostic>) {
    for policy in &manifests.network_policies {
        let selects_any = cluster.pods.iter().any(|p| {
            p.namespace == policy.meta.namespace && policy.pod_selector.matches(&p.labels)
        });
        if !selects_any {
            diagnostics.push(
                Diagnostic::warning("network-policy-selects-no-pods", format!("NetworkPolicy {} selects no pod in namespace {} (podSelector {}), so it has no effect. Fix the podSelector or the pod labels.", policy.meta.name, policy.meta.namespace, describe_label_selector(&policy.pod_selector)))
                    .object(format!("NetworkPolicy/{}/{}", policy.meta.namespace, policy.meta.name))
                    .field("spec.podSelector")
                    .at(policy.meta.field_source("spec.podSelector")),
            );
        }
    }
}

fn describe_label_selector(label_selector: &super::selector::LabelSelector) -> String {
    match label_selector.selector() {
        None => "null".to_string(),
        Some(selector) if selector.is_empty() => "{}".to_string(),
        Some(selector) => selector.to_string(),
    }
}
