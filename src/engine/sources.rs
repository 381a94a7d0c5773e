//! Who would naturally connect to a Service: the default source the shells offer
//! when a user asks to trace traffic to it.

use crate::engine::sort::SortCompact;
use std::fmt;

use super::refs::NamespacedName;
use super::resolve::ResolvedService;
use super::Topology;

/// A client to trace from, written in the source syntax of `trace::parse_source`
/// (and of `kubetopo trace --from`) by its `Display`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NaturalClient {
    /// A client outside the cluster.
    External,
    /// One pod.
    Pod { namespace: String, name: String },
}

impl fmt::Display for NaturalClient {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NaturalClient::External => formatter.write_str("external"),
            NaturalClient::Pod { namespace, name } => write!(formatter, "pod/{namespace}/{name}"),
        }
    }
}

/// A natural client for `service`: a pod of a workload that depends on it (the
/// dependencies inferred from env and args, §6), else an external client when the
/// Service is reachable from outside, else a pod of its namespace that is not one
/// of its own endpoints, else an external client.
pub fn natural_client(topology: &Topology, service: &ResolvedService) -> NaturalClient {
    let service_key = service.key();
    for dependency in topology.dependencies.iter().filter(|d| d.to == service_key) {
        // `from` names the workload, or the pod itself for a bare pod.
        let from = &dependency.from;
        let dependent_pod = topology.cluster.pods.iter().find(|pod| {
            pod.namespace == from.namespace
                && match &pod.workload {
                    Some(workload) => workload.name == from.name,
                    None => pod.name == from.name,
                }
        });
        if let Some(pod) = dependent_pod {
            return NaturalClient::Pod {
                namespace: pod.namespace.clone(),
                name: pod.name.clone(),
            };
        }
    }
    if service.externally_accessible() {
        return NaturalClient::External;
    }
    let mut own_endpoints: Vec<&NamespacedName> = service
        .endpoints
        .iter()
        .filter_map(|endpoint| endpoint.pod.as_ref())
        .collect();
    own_endpoints.sort_compact();
    topology
        .cluster
        .pods
        .iter()
        .find(|pod| {
            pod.namespace == service.namespace
                && own_endpoints
                    .binary_search_by(|own| (*own).cmp(&pod.key()))
                    .is_err()
        })
        .map_or(NaturalClient::External, |pod| NaturalClient::Pod {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
        })
}
