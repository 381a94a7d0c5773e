//! Lookup tables a trace reads: who owns each address, and pods, nodes, Services
//! and workloads by name.

use crate::engine::sort::SortCompact;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::engine::netpol::{PodSelections, PolicyEngine};
use crate::engine::pause::{self, Pause};
use crate::engine::refs::{KindRef, NamespacedName};
use crate::engine::Topology;

/// Lookup tables over one topology: what owns each address, and pods, nodes and
/// Services by name. Owned, so a simulator can keep it next to its topology.
#[derive(Clone, Debug, Default)]
pub struct TraceIndex {
    pub(super) services: BTreeMap<NamespacedName, usize>,
    pub(super) pods: BTreeMap<NamespacedName, usize>,
    pub(super) nodes: BTreeMap<String, usize>,
    pub(super) owners: BTreeMap<IpAddr, Vec<AddressOwner>>,
    pub(super) namespaces: BTreeSet<String>,
    /// Pods by (namespace, workload): keyed both `Kind/name` and `name`; bare pods by their own name.
    pub(super) workloads: BTreeMap<(String, String), Vec<usize>>,
    /// What the NetworkPolicies select, pod by pod; `None` without policies.
    pub(super) policies: Option<PodSelections>,
}

/// Who answers on an address. Ordered by how kube-proxy and routing look at it:
/// Service VIPs first, then nodes, then pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum AddressOwner {
    ClusterIp(usize),
    LoadBalancerIp(usize),
    ExternalIp(usize),
    IngressAddress(usize),
    Node(usize),
    Pod(usize),
}

impl TraceIndex {
    /// Whether the topology has this pod.
    pub fn has_pod(&self, pod: &NamespacedName) -> bool {
        self.pods.contains_key(pod)
    }

    /// The position of the pod that answers on `ip` (not a finished one, nor one on
    /// its node's network), if any.
    pub fn pod_at(&self, ip: IpAddr) -> Option<usize> {
        self.owners.get(&ip)?.iter().find_map(|owner| match owner {
            AddressOwner::Pod(position) => Some(*position),
            _ => None,
        })
    }

    pub fn build(topology: &Topology) -> TraceIndex {
        pause::finish(TraceIndex::build_pausable(topology, &Pause::never()))
    }

    /// [`TraceIndex::build`], pausing between Services and between pods when
    /// `pause` says so.
    pub async fn build_pausable(topology: &Topology, pause: &Pause<'_>) -> TraceIndex {
        let mut index = TraceIndex::default();
        for (position, service) in topology.services.iter().enumerate() {
            pause.point().await;
            index.services.insert(
                NamespacedName::new(&service.namespace, &service.name),
                position,
            );
            index.namespaces.insert(service.namespace.clone());
            for ip in &service.cluster_ips {
                index.add_owner(*ip, AddressOwner::ClusterIp(position));
            }
            for ip in &service.load_balancer_ips {
                index.add_owner(*ip, AddressOwner::LoadBalancerIp(position));
            }
            for ip in &service.external_ips {
                index.add_owner(*ip, AddressOwner::ExternalIp(position));
            }
        }
        for (position, ingress) in topology.ingresses.iter().enumerate() {
            for ip in &ingress.addresses {
                index.add_owner(*ip, AddressOwner::IngressAddress(position));
            }
        }
        for (position, node) in topology.cluster.nodes.iter().enumerate() {
            index.nodes.insert(node.name.clone(), position);
            index.add_owner(node.internal_ip, AddressOwner::Node(position));
        }
        // The pods of a workload sit together in the cluster's list: their positions
        // are gathered per run and filed under the workload's two keys once per run.
        let mut run: (Option<(&str, &KindRef)>, Vec<usize>) = (None, Vec::new());
        for (position, pod) in topology.cluster.pods.iter().enumerate() {
            pause.point().await;
            index
                .pods
                .insert(NamespacedName::new(&pod.namespace, &pod.name), position);
            if !index.namespaces.contains(&pod.namespace) {
                index.namespaces.insert(pod.namespace.clone());
            }
            let key = pod
                .workload
                .as_ref()
                .map(|workload| (pod.namespace.as_str(), workload));
            if key.is_none() || key != run.0 {
                index.file_run(&mut run);
                run.0 = key;
            }
            match key {
                Some(_) => run.1.push(position),
                None => index
                    .workloads
                    .entry((pod.namespace.clone(), pod.name.clone()))
                    .or_default()
                    .push(position),
            }
            if pod.phase.is_terminal() || pod.spec.host_network {
                continue;
            }
            for ip in &pod.ips {
                index.add_owner(*ip, AddressOwner::Pod(position));
            }
        }
        index.file_run(&mut run);
        pause.point().await;
        for owners in index.owners.values_mut() {
            owners.sort_compact();
            owners.dedup();
        }
        index.policies = (!topology.manifests.network_policies.is_empty())
            .then(|| PolicyEngine::new(&topology.manifests, &topology.cluster).into_selections());
        index
    }

    /// The position of Service `namespace/name` among the topology's Services.
    pub fn service_position(&self, namespace: &str, name: &str) -> Option<usize> {
        self.services
            .get(&NamespacedName::new(namespace, name))
            .copied()
    }

    /// The positions of the Services `ip` is a load-balancer or external address
    /// of, and with `cluster_ips` a cluster IP of too.
    pub fn services_at(&self, ip: IpAddr, cluster_ips: bool) -> impl Iterator<Item = usize> + '_ {
        let owners = self.owners.get(&ip).map_or(&[][..], Vec::as_slice);
        owners.iter().filter_map(move |owner| match *owner {
            AddressOwner::ClusterIp(i) if cluster_ips => Some(i),
            AddressOwner::LoadBalancerIp(i) | AddressOwner::ExternalIp(i) => Some(i),
            _ => None,
        })
    }

    /// The pod of a `namespace/name` key.
    pub(super) fn pod_by_key(&self, key: &NamespacedName) -> Option<usize> {
        self.pods.get(key).copied()
    }

    /// Files a run of pod positions of one workload under its `Kind/name` and `name`
    /// keys, and empties the run.
    fn file_run(&mut self, (key, positions): &mut (Option<(&str, &KindRef)>, Vec<usize>)) {
        if let Some((namespace, workload)) = *key {
            if !positions.is_empty() {
                self.workloads
                    .entry((namespace.to_string(), workload.to_string()))
                    .or_default()
                    .extend_from_slice(positions);
                self.workloads
                    .entry((namespace.to_string(), workload.name.clone()))
                    .or_default()
                    .extend_from_slice(positions);
            }
        }
        positions.clear();
    }

    fn add_owner(&mut self, ip: IpAddr, owner: AddressOwner) {
        self.owners.entry(ip).or_default().push(owner);
    }

    pub(super) fn service(&self, namespace: &str, name: &str) -> Option<usize> {
        self.services
            .get(&NamespacedName::new(namespace, name))
            .copied()
    }
}
