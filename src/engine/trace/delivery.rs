//! The last stretch of a connection: forwarding between nodes, NetworkPolicy at the
//! source and at the destination pod, and delivery; also pods reached directly,
//! without kube-proxy (headless Services, pod IPs, hostPorts).

use std::net::IpAddr;

use super::{
    endpoint_label, socket, Cause, Client, ClientKind, Here, HopAction, Outcome, Place, Run,
    TraceEndpoint, Verdict,
};
use crate::engine::cluster::ClusterPod;
use crate::engine::model::*;
use crate::engine::netpol::{self, Peer};
use crate::engine::refs::NamespacedName;
use crate::engine::resolve::Endpoint;

impl<'r, 't> Run<'r, 't> {
    /// Forwarding, NetworkPolicy and delivery to a chosen endpoint. `seen_source` is the
    /// source address after any SNAT; `routing_node` is where the packet is now.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn reach_endpoint(
        &mut self,
        client: &Client,
        seen_source: IpAddr,
        routing_node: Option<usize>,
        endpoint: &Endpoint,
        endpoint_ip: IpAddr,
        endpoint_port: i64,
        via: &str,
    ) -> Outcome {
        let endpoint_dst = socket(endpoint_ip, endpoint_port);
        let target_pod = endpoint
            .pod_index
            .filter(|&p| p < self.topology().cluster.pods.len())
            .or_else(|| {
                endpoint
                    .pod
                    .as_ref()
                    .and_then(|key| self.tracer.index.pod_by_key(key))
            });
        let target_node = endpoint
            .node
            .as_deref()
            .and_then(|n| self.node_position(n))
            .or_else(|| {
                target_pod
                    .and_then(|p| self.pod(p).node.as_deref())
                    .and_then(|n| self.node_position(n))
            });
        let target_place = match target_pod {
            Some(pod) => Place::Pod(self.pod(pod).key()),
            None => Place::Outside(endpoint_ip.to_string()),
        };

        // Egress at the source pod, against the endpoint pod (after DNAT).
        if let ClientKind::Pod(source_pod) = client.kind {
            let to_peer = match target_pod {
                Some(pod) => Peer::Pod(self.pod(pod)),
                None => Peer::External(endpoint_ip),
            };
            let verdict =
                self.policy_check(Peer::Pod(self.pod(source_pod)), to_peer, endpoint_port);
            let side = PolicySide {
                pod: source_pod,
                direction: PolicyDirection::Egress,
            };
            if let Some(outcome) = self.policy_step(&client.at, side, verdict, &endpoint_dst) {
                return outcome;
            }
        }

        // From here on the packet carries the source the endpoint will see.
        let at_endpoint = Here {
            node: target_node,
            src: seen_source.to_string(),
            place: target_place,
        };

        // Across nodes.
        let current_node = routing_node.or(client.at.node);
        let forward = match (current_node, target_node) {
            (Some(from), Some(to)) if from != to => {
                let to_name = self.node(to).name.clone();
                let detail = format!("{} → {to_name}: {endpoint_ip} lives on {to_name}, so the packet crosses the pod network", self.node(from).name);
                Some((from, detail, Place::Node(to_name)))
            }
            (Some(from), None) if target_pod.is_none() => {
                let detail = format!("{endpoint_ip} is not a pod kubetopo knows (a manual endpoint): the packet leaves {} for it", self.node(from).name);
                Some((from, detail, at_endpoint.place.clone()))
            }
            _ => None,
        };
        if let Some((from, detail, to)) = forward {
            let at_from =
                at_endpoint.elsewhere(Some(from), Place::Node(self.node(from).name.clone()));
            self.hops
                .go(&at_from, HopAction::Forward, &endpoint_dst, detail, to);
        }

        // Ingress at the destination pod, from the source as the pod sees it.
        let mut container_note = String::new();
        if let Some(pod) = target_pod {
            let pod_ref = self.pod(pod);
            if let Some(node) = target_node {
                if !self.node(node).ready {
                    let reason = format!(
                        "node {} of {} is NotReady (failed): the packet is lost",
                        self.node(node).name,
                        pod_ref.key()
                    );
                    return self.hops.because(Cause::NodeNotReady).dropped(
                        &at_endpoint,
                        endpoint_dst,
                        reason,
                    );
                }
            }
            let from_peer = match client.kind {
                ClientKind::Pod(source_pod) if seen_source == client.ip => {
                    Peer::Pod(self.pod(source_pod))
                }
                _ => Peer::External(seen_source),
            };
            let verdict = self.policy_check(from_peer, Peer::Pod(pod_ref), endpoint_port);
            let side = PolicySide {
                pod,
                direction: PolicyDirection::Ingress,
            };
            if let Some(outcome) = self.policy_step(&at_endpoint, side, verdict, &endpoint_dst) {
                return outcome;
            }
            container_note = describe_container_port(pod_ref, endpoint_port, self.protocol);
            // A pod a controller created after a what-if edit says so.
            if let Some(replaced) = self.topology().what_if.replaced_pods.get(&pod_ref.key()) {
                let note = if replaced.gone == pod_ref.key() {
                    format!(
                        "{} was recreated by its controller after {}",
                        pod_ref.key(),
                        replaced.past
                    )
                } else {
                    format!(
                        "{} is the controller's replacement for {}, created after {}",
                        pod_ref.key(),
                        replaced.gone,
                        replaced.past
                    )
                };
                if container_note.is_empty() {
                    container_note = note;
                } else {
                    container_note = format!("{container_note}; {note}");
                }
            }
        }

        let arrive_from = match target_node.or(current_node) {
            Some(node) => Place::Node(self.node(node).name.clone()),
            None => client.at.place.clone(),
        };
        let who = endpoint.pod.as_ref().map_or_else(
            || format!("manual endpoint {endpoint_ip}"),
            NamespacedName::to_string,
        );
        let reason = format!(
            "delivered to {who} at {endpoint_dst} via {via}{}",
            if container_note.is_empty() {
                String::new()
            } else {
                format!("; {container_note}")
            }
        );
        let arriving = at_endpoint.elsewhere(target_node, arrive_from);
        self.hops.go(
            &arriving,
            HopAction::Deliver,
            endpoint_dst,
            reason.clone(),
            at_endpoint.place,
        );
        Outcome {
            verdict: Verdict::Delivered,
            reason,
            endpoint: Some(TraceEndpoint {
                pod: endpoint.pod.clone(),
                ip: endpoint_ip,
                port: endpoint_port,
            }),
        }
    }

    /// The NetworkPolicy step on one side of the connection, at `here`: a drop that
    /// ends the trace when that side denies it, otherwise a hop that says why it may
    /// pass.
    fn policy_step(
        &mut self,
        here: &Here,
        side: PolicySide,
        verdict: Option<netpol::Verdict>,
        dst: &str,
    ) -> Option<Outcome> {
        let PolicySide { pod, direction } = side;
        let (action, word) = match direction {
            PolicyDirection::Egress => (HopAction::PolicyEgress, "egress"),
            PolicyDirection::Ingress => (HopAction::PolicyIngress, "ingress"),
        };
        let detail = match verdict {
            Some(verdict) if side.denies(&verdict) => {
                let reason = format!("NetworkPolicy {word}: {}", verdict.reason);
                let policies = verdict
                    .policy
                    .as_deref()
                    .unwrap_or_default()
                    .split(", ")
                    .filter_map(NamespacedName::parse)
                    .collect();
                return Some(
                    self.hops
                        .because(Cause::DeniedByPolicy(policies))
                        .dropped(here, dst, reason),
                );
            }
            Some(verdict) if self.isolated(pod, direction) => side_detail(
                &verdict,
                direction,
                &self.pod(pod).key(),
                &self.isolating(pod, direction),
            ),
            _ => self.not_isolated_note(pod, direction),
        };
        self.hops.stay(here, action, dst, detail);
        None
    }

    fn policy_check(&self, from: Peer<'_>, to: Peer<'_>, port: i64) -> Option<netpol::Verdict> {
        let policies = self.tracer.policies.as_ref()?;
        let port = u16::try_from(port).unwrap_or(0);
        Some(policies.check(from, to, port, self.protocol))
    }

    fn isolated(&self, pod: usize, direction: PolicyDirection) -> bool {
        match &self.tracer.policies {
            Some(policies) => {
                let isolation = policies.isolation(pod);
                match direction {
                    PolicyDirection::Ingress => isolation.ingress,
                    PolicyDirection::Egress => isolation.egress,
                }
            }
            None => false,
        }
    }

    pub(super) fn isolating(&self, pod: usize, direction: PolicyDirection) -> Vec<String> {
        match &self.tracer.policies {
            Some(policies) => policies
                .policies_selecting(pod, direction)
                .map(|p| format!("{}/{}", p.meta.namespace, p.meta.name))
                .collect(),
            None => Vec::new(),
        }
    }

    fn not_isolated_note(&self, pod: usize, direction: PolicyDirection) -> String {
        let word = match direction {
            PolicyDirection::Ingress => "ingress",
            PolicyDirection::Egress => "egress",
        };
        if self.tracer.policies.is_none() {
            format!(
                "no NetworkPolicy in the cluster: {word} of {} is not isolated",
                self.pod(pod).key()
            )
        } else {
            format!(
                "no NetworkPolicy isolates {} for {word}",
                self.pod(pod).key()
            )
        }
    }

    /// A headless Service's pod, reached without kube-proxy.
    pub(super) fn direct_to_endpoint(
        &mut self,
        client: &Client,
        service: usize,
        endpoint: usize,
        port: Option<i64>,
    ) -> Outcome {
        let service_ref = self.service(service);
        let endpoint_ref = &service_ref.endpoints[endpoint];
        let Some(ip) = endpoint_ref.addresses.first().copied() else {
            return Outcome::new(
                Verdict::Unresolved,
                format!("endpoint {} has no address", endpoint_label(endpoint_ref)),
            );
        };
        let port = match port {
            Some(port) => port,
            None => match endpoint_ref
                .ports
                .iter()
                .find(|p| p.protocol == self.protocol)
            {
                Some(endpoint_port) => endpoint_port.port,
                None => {
                    let reason = format!(
                        "headless Service {} has no {} port to default to; give one with :PORT",
                        service_ref.key(),
                        self.protocol
                    );
                    return self.hops.unresolved(&client.at, ip.to_string(), reason);
                }
            },
        };
        let note = format!("headless Service {}: no ClusterIP and no kube-proxy rules (§5.1), the client connects to the pod IP itself", service_ref.key());
        self.reach_direct(client, endpoint_ref.clone(), ip, port, note)
    }

    /// A pod IP dialled directly.
    pub(super) fn direct_to_pod(
        &mut self,
        client: &Client,
        pod: usize,
        ip: IpAddr,
        port: i64,
        note: String,
    ) -> Outcome {
        let pod_ref = self.pod(pod);
        let endpoint = Endpoint {
            pod: Some(pod_ref.key()),
            pod_index: Some(pod),
            addresses: vec![ip],
            node: pod_ref.node.clone(),
            zone: None,
            hostname: None,
            ready: pod_ref.ready,
            serving: pod_ref.ready,
            terminating: pod_ref.terminating,
            ports: Vec::new(),
            hint_zones: Vec::new(),
            hint_nodes: Vec::new(),
        };
        let note = if note.is_empty() {
            format!(
                "{ip} is the IP of pod {}: no Service and no kube-proxy on the way",
                pod_ref.key()
            )
        } else {
            note
        };
        self.reach_direct(client, endpoint, ip, port, note)
    }

    fn reach_direct(
        &mut self,
        client: &Client,
        endpoint: Endpoint,
        ip: IpAddr,
        port: i64,
        note: String,
    ) -> Outcome {
        let dst = socket(ip, port);
        let target_place = endpoint
            .pod
            .clone()
            .map(Place::Pod)
            .unwrap_or_else(|| Place::Outside(ip.to_string()));
        let to = match client.at.node {
            Some(node) => Place::Node(self.node(node).name.clone()),
            None => target_place,
        };
        self.hops.go(&client.at, HopAction::Send, dst, note, to);
        let via = "a direct connection".to_string();
        self.reach_endpoint(client, client.ip, client.at.node, &endpoint, ip, port, &via)
    }
}

/// One end of a connection as NetworkPolicy sees it: the source pod for egress, the
/// endpoint pod for ingress.
#[derive(Clone, Copy)]
struct PolicySide {
    pod: usize,
    direction: PolicyDirection,
}

impl PolicySide {
    /// Whether this side stops the packet. At the source only an egress rule can:
    /// a denial by the destination's ingress rules is applied there, after forwarding.
    fn denies(self, verdict: &netpol::Verdict) -> bool {
        match self.direction {
            PolicyDirection::Egress => {
                !verdict.allowed && verdict.direction == Some(PolicyDirection::Egress)
            }
            PolicyDirection::Ingress => !verdict.allowed,
        }
    }
}

fn describe_container_port(pod: &ClusterPod, port: i64, protocol: Protocol) -> String {
    let declared = pod.spec.containers.iter().find_map(|c| {
        c.ports
            .iter()
            .find(|p| p.container_port == port && p.protocol == protocol)
            .map(|p| (c, p))
    });
    match declared {
        Some((container, container_port)) => format!("container {} declares {}{port}/{protocol}", container.name, container_port.name.as_deref().map(|n| format!("{n} ")).unwrap_or_default()),
        None if pod.spec.containers.iter().all(|c| c.ports.is_empty()) => String::new(),
        None => format!("no container of {} declares port {port}/{protocol}: the packet arrives, but unless something listens there the connection is refused", pod.key()),
    }
}

/// The part of an allowed NetworkPolicy verdict that concerns one side. The policy
/// engine explains both sides at once ("allowed by A (egress rule 0) and B (ingress
/// rule 1)"), while a trace shows egress at the source and ingress at the destination.
fn side_detail(
    verdict: &netpol::Verdict,
    direction: PolicyDirection,
    pod_key: &NamespacedName,
    isolating: &[String],
) -> String {
    let word = match direction {
        PolicyDirection::Ingress => "ingress",
        PolicyDirection::Egress => "egress",
    };
    let by = if isolating.is_empty() {
        String::new()
    } else {
        format!(" by {}", isolating.join(", "))
    };
    if !verdict.allowed {
        // The other side denies; this side passed.
        return format!(
            "{word} of {pod_key} is isolated{by}, and one of their rules allows this connection"
        );
    }
    let clauses = verdict
        .reason
        .split("; ")
        .next()
        .unwrap_or("")
        .strip_prefix("allowed by ")
        .unwrap_or("");
    let mine: Vec<&str> = clauses
        .split(" and ")
        .filter(|clause| clause.contains(&format!("({word} rule")))
        .collect();
    if mine.is_empty() {
        format!("{word} of {pod_key} is isolated{by}; {}", verdict.reason)
    } else {
        format!(
            "{word} of {pod_key} is isolated{by}; allowed by {}",
            mine.join(" and ")
        )
    }
}
