//! The data plane kubetopo simulates for each Gateway (§11.2): a one-replica
//! Deployment of proxy pods and a LoadBalancer Service in front of them, both named
//! `<gateway>-<class>` and labelled as in-cluster implementations label them.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::model::*;
use super::status::{
    class_known, listener_states, with_listener_sets, GATEWAY_CLASS_LABEL, GATEWAY_NAME_LABEL,
};
use crate::engine::config::{fnv32a, fnv32a_more};
use crate::engine::model::*;
use crate::engine::selector::{LabelSelector, Labels, Selector};

/// Marks the objects kubetopo adds, so that outputs can say they are simulated.
pub const SIMULATED_ANNOTATION: &str = "kubetopo.dev/simulated-for";

/// Adds the proxy Deployment and Service of every Gateway that would be accepted
/// and has no proxy Service in the input (a Service labelled with its name).
pub fn synthesize(manifests: &mut Manifests) {
    let mut added_workloads = Vec::new();
    let mut added_services = Vec::new();
    for gateway in &manifests.gateway.gateways {
        if !class_known(manifests, gateway) {
            continue;
        }
        if gateway
            .addresses
            .iter()
            .any(|a| a.address_type != "IPAddress")
        {
            continue;
        }
        // The proxy also listens on the ports its ListenerSets add (§11.16).
        let effective = with_listener_sets(manifests, gateway);
        let states = listener_states(&effective);
        if states
            .iter()
            .zip(&effective.listeners)
            .filter(|(_, listener)| listener.listener_set.is_none())
            .all(|(s, _)| s.protocol.is_none() || s.conflict.is_some())
        {
            continue;
        }
        let has_proxy = manifests.services.iter().any(|s| {
            s.meta.namespace == gateway.meta.namespace
                && s.meta.labels.get(GATEWAY_NAME_LABEL) == Some(&gateway.meta.name)
        });
        if has_proxy {
            continue;
        }
        let name = format!("{}-{}", gateway.meta.name, gateway.class_name);
        let taken = manifests
            .services
            .iter()
            .any(|s| s.meta.namespace == gateway.meta.namespace && s.meta.name == name)
            || manifests
                .workloads
                .iter()
                .any(|w| w.meta.namespace == gateway.meta.namespace && w.meta.name == name);
        if taken {
            continue;
        }
        let labels = Labels::from([
            (GATEWAY_NAME_LABEL.to_string(), gateway.meta.name.clone()),
            (GATEWAY_CLASS_LABEL.to_string(), gateway.class_name.clone()),
        ]);
        let meta = Meta {
            name: name.clone(),
            namespace: gateway.meta.namespace.clone(),
            labels: labels.clone(),
            annotations: Labels::from([(
                SIMULATED_ANNOTATION.to_string(),
                format!("Gateway/{}", gateway.key()),
            )]),
            source: gateway.meta.source.clone(),
            end_line: gateway.meta.end_line,
            ..Meta::default()
        };
        let mut ports: BTreeSet<(i64, Protocol)> = BTreeSet::new();
        for (listener, state) in effective.listeners.iter().zip(&states) {
            let Some(protocol) = state.protocol else {
                continue;
            };
            let l4 = if protocol == ListenerProtocol::Udp {
                Protocol::Udp
            } else {
                Protocol::Tcp
            };
            ports.insert((listener.port, l4));
        }
        let service_ports: Vec<ServicePort> = ports
            .iter()
            .map(|&(port, protocol)| ServicePort {
                name: Some(format!("{}-{port}", protocol.lowercase())),
                protocol,
                port,
                target_port: PortRef::Number(port),
                node_port: None,
                app_protocol: None,
            })
            .collect();
        let container_ports = ports
            .iter()
            .map(|&(port, protocol)| ContainerPort {
                name: None,
                container_port: port,
                protocol,
                host_port: None,
            })
            .collect();
        let requested_ip = gateway
            .addresses
            .iter()
            .find(|a| a.address_type == "IPAddress" && a.value.parse::<std::net::IpAddr>().is_ok())
            .map(|a| a.value.clone());
        added_services.push(Service {
            meta: meta.clone(),
            spec: ServiceSpec {
                service_type: ServiceType::LoadBalancer,
                selector: Some(Labels::from([(
                    GATEWAY_NAME_LABEL.to_string(),
                    gateway.meta.name.clone(),
                )])),
                ports: service_ports,
                cluster_ips: Vec::new(),
                external_ips: Vec::new(),
                external_name: None,
                load_balancer_ips_status: Vec::new(),
                load_balancer_ip_requested: requested_ip,
                load_balancer_source_ranges: Vec::new(),
                load_balancer_class: None,
                external_traffic_policy: Some(TrafficPolicy::Cluster),
                internal_traffic_policy: None,
                session_affinity: SessionAffinity::None,
                session_affinity_timeout: None,
                publish_not_ready_addresses: false,
                allocate_load_balancer_node_ports: None,
                health_check_node_port: None,
                traffic_distribution: None,
                ip_families: Vec::new(),
                ip_family_policy: None,
            },
        });
        added_workloads.push(Workload {
            meta,
            kind: WorkloadKind::Deployment,
            replicas: 1,
            selector: WorkloadSelector::Set(LabelSelector::Match(Selector::from_map(
                &Labels::from([(GATEWAY_NAME_LABEL.to_string(), gateway.meta.name.clone())]),
            ))),
            template: PodTemplate {
                labels,
                spec: Arc::new(PodSpec {
                    containers: vec![Container {
                        name: "proxy".to_string(),
                        ports: container_ports,
                        probes: Vec::new(),
                        address_hints: Vec::new(),
                        restartable_init: false,
                        field: "spec.template.spec.containers[0]".to_string(),
                    }],
                    ..PodSpec::default()
                }),
                // The proxy's template is made of its Gateway's name and ports.
                hash: ports
                    .iter()
                    .fold(fnv32a(gateway.meta.name.as_bytes()), |hash, (port, _)| {
                        fnv32a_more(hash, &port.to_le_bytes())
                    }),
            },
            service_name: None,
            ordinal_start: 0,
            indexed: false,
            manual_selector: false,
        });
    }
    manifests
        .services
        .extend(added_services.into_iter().map(Arc::new));
    manifests
        .workloads
        .extend(added_workloads.into_iter().map(Arc::new));
}
