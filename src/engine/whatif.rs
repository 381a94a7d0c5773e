//! What-if: change the cluster and see what traffic does.
//!
//! Each [`Mutation`] edits the model ([`Topology::manifests`] or
//! [`Topology::cluster`]) and re-resolves it. Pod edits are incremental: only the
//! Services whose selector matches a changed pod get new endpoints and DNS records,
//! and only their explanations are recomputed; every other resolved object stays as
//! it was. Edits that move allocations or policies (a Service's type, a
//! NetworkPolicy) and pod edits that make a workload appear or vanish re-resolve the
//! whole topology with [`resolve_topology`](super::resolve_topology). Either way
//! the result equals what a full re-resolve of the edited model gives;
//! `tests/whatif.rs` checks that.
//!
//! Pods that a controller would create (a scale-up, a replacement) are named and
//! placed the way `cluster` simulates them (§7): `<deploy>-<hash>-<suffix>` for
//! Deployments, `<sts>-<ordinal>` for StatefulSets, spread from the workload's own
//! offset over schedulable nodes, with the next free IP of the node's pod CIDR.
//!
//! ```
//! use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};
//! use kubetopo::engine::whatif::{apply, Mutation};
//! let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: web, image: nginx}]}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n";
//! let mut topology = analyze(&[SourceFile::new("web.yaml", yaml)], &Config::default());
//! apply(&mut topology, &Mutation::ScaleWorkload { namespace: "default".into(), name: "web".into(), replicas: 5 }).unwrap();
//! assert_eq!(topology.services[0].endpoints.len(), 5);
//! ```

use crate::engine::sort::{insert_sorted, CollectCompact, SortCompact};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use serde::Serialize;

use super::cluster::{
    node_accepts, replica_node, zone_interleaved, ClusterNode, ClusterPod, NodesByName, Placement,
    PodIdentity, PodIndex, PodNaming, ReplicaSlot,
};
use super::diag::Diagnostic;
use super::gateway::model::{Route, RouteKind};
use super::ingest::{self, SourceFile};
use super::model::*;
use super::pause::{self, Pause};
use super::refs::{KindRef, NamespacedName};
use super::selector::{map_matches, Labels};
use super::{explain, netpol, resolve, resolve_topology_pausable, validate, Topology};

/// One change to the cluster. Share links carry a list of them (`share.rs`, §12),
/// each as its variant's name and fields: renaming either breaks old links.
#[derive(Clone, Debug, PartialEq)]
pub enum Mutation {
    /// `kubectl delete pod`: the pod is gone; a Deployment's, ReplicaSet's or
    /// StatefulSet's controller creates a replacement, which is not ready yet.
    DeletePod {
        namespace: String,
        name: String,
    },
    /// The pod dies and is gone. Its controller creates a replacement, ready: a
    /// new name for a Deployment's, ReplicaSet's or DaemonSet's pod (a DaemonSet's
    /// on the same node), the same name for a StatefulSet's. A bare pod stays gone.
    KillPod {
        namespace: String,
        name: String,
    },
    /// The pod's readiness probe fails: it stays an endpoint, not ready.
    MarkPodNotReady {
        namespace: String,
        name: String,
    },
    MarkPodReady {
        namespace: String,
        name: String,
    },
    /// The pod gets a deletionTimestamp: terminating, still serving while ready.
    MarkPodTerminating {
        namespace: String,
        name: String,
    },
    /// `kubectl cordon`: no new pods, traffic unchanged.
    CordonNode {
        name: String,
    },
    UncordonNode {
        name: String,
    },
    /// `kubectl drain`: cordon, then evict every pod except DaemonSet pods; controller
    /// pods come back, ready, on other nodes.
    DrainNode {
        name: String,
    },
    /// The node goes NotReady: load balancers skip it and its pods become not ready.
    FailNode {
        name: String,
    },
    /// The node is Ready again, and so are its running pods.
    RecoverNode {
        name: String,
    },
    /// Scales a Deployment, ReplicaSet, ReplicationController or StatefulSet. `name` is
    /// the workload name, or `Kind/name`.
    ScaleWorkload {
        namespace: String,
        name: String,
        replicas: u32,
    },
    SetServiceType {
        namespace: String,
        name: String,
        service_type: ServiceType,
    },
    SetExternalTrafficPolicy {
        namespace: String,
        name: String,
        policy: TrafficPolicy,
    },
    SetInternalTrafficPolicy {
        namespace: String,
        name: String,
        policy: TrafficPolicy,
    },
    SetSessionAffinity {
        namespace: String,
        name: String,
        affinity: SessionAffinity,
    },
    SetTrafficDistribution {
        namespace: String,
        name: String,
        distribution: Option<TrafficDistribution>,
    },
    /// Adds a NetworkPolicy, replacing one of the same namespace and name.
    AddNetworkPolicy(Box<NetworkPolicy>),
    /// Removes (disables) a NetworkPolicy; the report hands it back to re-add later.
    RemoveNetworkPolicy {
        namespace: String,
        name: String,
    },
    /// Sets the weight of one backendRef of a Route (§11.7): `rule` and `backend`
    /// are positions in the Route's rules and in that rule's backendRefs.
    SetBackendWeight {
        kind: RouteKind,
        namespace: String,
        name: String,
        rule: usize,
        backend: usize,
        weight: i64,
    },
    /// Removes a Route's parentRefs to one Gateway (§11.4): the Route no longer
    /// asks to attach there.
    DetachRoute {
        kind: RouteKind,
        namespace: String,
        name: String,
        gateway: NamespacedName,
    },
    /// Deletes a ReferenceGrant (§11.7): references it permitted are refused.
    DeleteReferenceGrant {
        namespace: String,
        name: String,
    },
}

/// How much was re-resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Resolution {
    /// Nothing traffic depends on changed.
    Nothing,
    /// Only these Services (`namespace/name`) got new endpoints.
    Incremental {
        services: Vec<NamespacedName>,
    },
    Full,
}

/// What a mutation did.
#[derive(Clone, Debug, PartialEq)]
pub struct WhatIfReport {
    pub description: String,
    pub resolution: Resolution,
    /// Pods created by a controller in response (`namespace/name`).
    pub created_pods: Vec<NamespacedName>,
    pub removed_pods: Vec<NamespacedName>,
    /// (gone pod, the pod its controller created in its place).
    pub replaced_pods: Vec<(NamespacedName, NamespacedName)>,
    /// The policy [`Mutation::RemoveNetworkPolicy`] removed, to add back later.
    pub removed_policy: Option<NetworkPolicy>,
}

/// Why a mutation could not be applied. The topology is left unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhatIfError {
    kind: WhatIfErrorKind,
    message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WhatIfErrorKind {
    NotFound,
    Invalid,
}

impl WhatIfError {
    fn not_found(message: impl Into<String>) -> WhatIfError {
        WhatIfError {
            kind: WhatIfErrorKind::NotFound,
            message: message.into(),
        }
    }
    fn invalid(message: impl Into<String>) -> WhatIfError {
        WhatIfError {
            kind: WhatIfErrorKind::Invalid,
            message: message.into(),
        }
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// True when the named pod, node, workload, Service or policy does not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == WhatIfErrorKind::NotFound
    }
}

impl fmt::Display for WhatIfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WhatIfError {}

/// Applies one mutation and re-resolves. On error nothing changed.
///
/// The edit is recorded in [`Topology::what_if`], and the diagnostics it causes
/// speak of it (see [`WhatIfLog`]).
pub fn apply(topology: &mut Topology, mutation: &Mutation) -> Result<WhatIfReport, WhatIfError> {
    pause::finish(apply_pausable(topology, mutation, &Pause::never()))
}

/// [`apply`], pausing in a full re-resolve when `pause` says so (at 100,000 pods
/// one takes about a second).
pub async fn apply_pausable(
    topology: &mut Topology,
    mutation: &Mutation,
    pause: &Pause<'_>,
) -> Result<WhatIfReport, WhatIfError> {
    if topology.what_if.base.is_none() {
        topology.what_if.base = Some(Arc::new(BaseState::of(topology)));
        // Edits may disable every policy: the picture keeps their lanes' room.
        topology.had_policies |= !topology.manifests.network_policies.is_empty();
    }
    let past = mutation.past_tense();
    topology.what_if.pending = Some(past.clone());
    let result = match apply_mutation(topology, mutation) {
        Ok((mut report, Some(change))) => {
            report.resolution = change.finish(topology, pause).await;
            Ok(report)
        }
        applied => applied.map(|(report, _)| report),
    };
    if let Ok(WhatIfReport {
        resolution: Resolution::Full,
        ..
    }) = result
    {
        resolve_fully_pausable(topology, pause).await;
    }
    topology.what_if.pending = None;
    let report = result?;
    // A removed replacement is no longer one; a StatefulSet's comes back under the
    // same name, so removals go first.
    for gone in &report.removed_pods {
        topology.what_if.replaced_pods.remove(gone);
    }
    for (gone, created) in &report.replaced_pods {
        topology.what_if.replaced_pods.insert(
            created.clone(),
            ReplacedPod {
                gone: gone.clone(),
                past: past.clone(),
            },
        );
    }
    topology.what_if.edits.push(past.clone());
    topology.what_if.pending = Some(past);
    attribute_diagnostics(topology);
    topology.what_if.pending = None;
    Ok(report)
}

/// The outcome of [`replay`].
#[derive(Clone, Debug)]
pub struct Replay {
    pub topology: Topology,
    /// One result per mutation, in order: an edit that no longer applies (it named
    /// a pod an undone edit created) is skipped and says why.
    pub results: Vec<Result<WhatIfReport, WhatIfError>>,
}

/// Applies `mutations` in order to a copy of `base`: how the app undoes one edit
/// of a list, by replaying the others on the manifests' own topology.
pub fn replay(base: &Topology, mutations: &[Mutation]) -> Replay {
    pause::finish(replay_pausable(base, mutations, &Pause::never()))
}

/// [`replay`], pausing while it copies `base` and while it applies the edits.
pub async fn replay_pausable(base: &Topology, mutations: &[Mutation], pause: &Pause<'_>) -> Replay {
    let mut topology = base.clone_pausable(pause).await;
    let mut results = Vec::with_capacity(mutations.len());
    for mutation in mutations {
        results.push(apply_pausable(&mut topology, mutation, pause).await);
    }
    Replay { topology, results }
}

impl Mutation {
    /// What the user did, as the diagnostics it causes say it: "you scaled
    /// Deployment/cartservice in default to 0".
    pub fn past_tense(&self) -> String {
        match self {
            Mutation::DeletePod { namespace, name } => {
                format!("you deleted pod {namespace}/{name}")
            }
            Mutation::KillPod { namespace, name } => format!("you killed pod {namespace}/{name}"),
            Mutation::MarkPodNotReady { namespace, name } => {
                format!("you marked pod {namespace}/{name} not ready")
            }
            Mutation::MarkPodReady { namespace, name } => {
                format!("you marked pod {namespace}/{name} ready")
            }
            Mutation::MarkPodTerminating { namespace, name } => {
                format!("you marked pod {namespace}/{name} terminating")
            }
            Mutation::CordonNode { name } => format!("you cordoned node {name}"),
            Mutation::UncordonNode { name } => format!("you uncordoned node {name}"),
            Mutation::DrainNode { name } => format!("you drained node {name}"),
            Mutation::FailNode { name } => format!("you failed node {name}"),
            Mutation::RecoverNode { name } => format!("you recovered node {name}"),
            Mutation::ScaleWorkload {
                namespace,
                name,
                replicas,
            } => format!("you scaled {name} in {namespace} to {replicas}"),
            Mutation::SetServiceType {
                namespace,
                name,
                service_type,
            } => format!(
                "you changed Service {namespace}/{name} to type {}",
                service_type.as_str()
            ),
            Mutation::SetExternalTrafficPolicy {
                namespace,
                name,
                policy,
            } => format!("you set externalTrafficPolicy {policy:?} on Service {namespace}/{name}"),
            Mutation::SetInternalTrafficPolicy {
                namespace,
                name,
                policy,
            } => format!("you set internalTrafficPolicy {policy:?} on Service {namespace}/{name}"),
            Mutation::SetSessionAffinity {
                namespace,
                name,
                affinity,
            } => format!("you set sessionAffinity {affinity:?} on Service {namespace}/{name}"),
            Mutation::SetTrafficDistribution {
                namespace,
                name,
                distribution,
            } => match distribution {
                Some(distribution) => format!(
                    "you set trafficDistribution {distribution:?} on Service {namespace}/{name}"
                ),
                None => format!("you removed trafficDistribution from Service {namespace}/{name}"),
            },
            Mutation::AddNetworkPolicy(policy) => format!(
                "you added NetworkPolicy {}/{}",
                policy.meta.namespace, policy.meta.name
            ),
            Mutation::RemoveNetworkPolicy { namespace, name } => {
                format!("you disabled NetworkPolicy {namespace}/{name}")
            }
            Mutation::SetBackendWeight {
                kind,
                namespace,
                name,
                rule,
                backend,
                weight,
            } => format!(
                "you set the weight of backend {backend} in rule {rule} of {kind} {namespace}/{name} to {weight}"
            ),
            Mutation::DetachRoute {
                kind,
                namespace,
                name,
                gateway,
            } => format!("you detached {kind} {namespace}/{name} from Gateway {gateway}"),
            Mutation::DeleteReferenceGrant { namespace, name } => {
                format!("you deleted ReferenceGrant {namespace}/{name}")
            }
        }
    }
}

/// The what-if edits applied to a topology and what they caused, so that
/// diagnostics speak of the edit ("after you scaled cartservice in default to 0,
/// Service default/cartservice has no ready endpoints") rather than of the
/// manifests, and a trace can say that a pod is a controller's replacement.
///
/// Diagnostics present before the first edit are the manifests' own and stay as
/// they are. A diagnostic that appears after an edit is the edit's: those that
/// would tell the user to fix the manifests (a selector that selects no pods, a
/// NetworkPolicy that selects none) are dropped, and `what-if-no-endpoints` names
/// each Service that had ready endpoints before the edits and has none now; every
/// other one is kept, its message starting with "After you …:".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WhatIfLog {
    /// What each applied edit did, in order ("you killed pod default/web-1").
    pub edits: Vec<String>,
    /// Pods a controller created for a pod an edit removed, by the new pod.
    pub replaced_pods: BTreeMap<NamespacedName, ReplacedPod>,
    /// The diagnostics and served Services before the first edit.
    base: Option<Arc<BaseState>>,
    /// The edit in progress, while it is applied.
    pending: Option<String>,
    /// The edit that first caused each diagnostic, by [`problem_key`].
    first_seen: BTreeMap<String, String>,
}

/// A pod a controller created in place of one an edit removed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplacedPod {
    pub gone: NamespacedName,
    /// The edit that removed it ("you killed pod default/web-1").
    pub past: String,
}

#[derive(Clone, Debug, PartialEq)]
struct BaseState {
    /// The diagnostics before the first edit, by [`problem_key`].
    problems: BTreeSet<String>,
    /// Services with at least one ready endpoint.
    served: BTreeSet<NamespacedName>,
}

impl BaseState {
    fn of(topology: &Topology) -> BaseState {
        BaseState {
            problems: topology
                .diagnostics
                .iter()
                .map(|d| problem_key(d.code, &d.object))
                .collect_set(),
            served: served_services(topology),
        }
    }
}

/// A diagnostic's identity for the what-if log: its code and object, joined by a
/// line break (which neither holds). One string, rather than a pair, so that the
/// log uses the string maps the engine has anyway: each key type of a B-tree adds
/// its own copy of the B-tree's code to the wasm.
fn problem_key(code: &str, object: &str) -> String {
    [code, "\n", object].concat()
}

fn served_services(topology: &Topology) -> BTreeSet<NamespacedName> {
    topology
        .services
        .iter()
        .filter(|s| s.endpoints.iter().any(|e| e.ready))
        .map(|s| s.key())
        .collect_set()
}

/// Diagnostic codes that tell the user to fix the manifests; when an edit causes
/// them, the manifests are not to blame.
const BLAMES_THE_MANIFESTS: &[&str] = &[
    "service-selects-no-pods",
    "service-selectorless-without-endpoints",
    "network-policy-selects-no-pods",
];

/// Makes the diagnostics speak of the edits; see [`WhatIfLog`]. Idempotent: it
/// runs after every edit and after every full re-resolve.
fn attribute_diagnostics(topology: &mut Topology) {
    let Some(base) = topology.what_if.base.clone() else {
        return;
    };
    let served_now = served_services(topology);
    let mut log = std::mem::take(&mut topology.what_if);
    let fallback = || "your what-if edits".to_string();
    let mut diagnostics = std::mem::take(&mut topology.diagnostics);
    diagnostics.retain(|d| !d.code.starts_with("what-if-"));
    diagnostics.retain_mut(|d| {
        let key = problem_key(d.code, &d.object);
        if base.problems.contains(&key) {
            return true;
        }
        let past = log
            .first_seen
            .entry(key)
            .or_insert_with(|| log.pending.clone().unwrap_or_else(fallback))
            .clone();
        if BLAMES_THE_MANIFESTS.contains(&d.code) {
            return false;
        }
        if !d.message.starts_with("After you") {
            let mut message = String::with_capacity(past.len() + d.message.len() + 8);
            message.push_str("After ");
            message.push_str(&past);
            message.push_str(": ");
            message.push_str(&d.message);
            d.message = message;
        }
        true
    });
    for key in base.served.difference(&served_now) {
        let object = format!("Service/{key}");
        let past = log
            .first_seen
            .entry(problem_key("what-if-no-endpoints", &object))
            .or_insert_with(|| log.pending.clone().unwrap_or_else(fallback))
            .clone();
        let source = topology
            .manifests
            .services
            .iter()
            .find(|s| s.meta.namespace == key.namespace && s.meta.name == key.name)
            .map(|s| s.meta.source.clone())
            .unwrap_or_default();
        diagnostics.push(
            Diagnostic::warning(
                "what-if-no-endpoints",
                format!("After {past}, Service {key} has no ready endpoints, so connections to it fail. This is the what-if edit's doing, not the manifests'; undo the edit to bring them back."),
            )
            .object(object)
            .at(source),
        );
    }
    for (created, replaced) in &log.replaced_pods {
        let Some(pod) = topology
            .cluster
            .pods
            .iter()
            .find(|p| p.namespace == created.namespace && p.name == created.name)
        else {
            continue;
        };
        let controller = pod.owner.as_ref().map_or_else(
            || "its controller".to_string(),
            |owner| format!("its controller {owner}"),
        );
        let what = if replaced.gone == *created {
            format!("{controller} recreated pod {created} under the same name")
        } else {
            format!("{controller} created pod {created} in its place")
        };
        diagnostics.push(
            Diagnostic::info(
                "what-if-pod-replaced",
                format!("After {}, {what}.", replaced.past),
            )
            .object(format!("Pod/{created}"))
            .at(pod.source.clone()),
        );
    }
    super::diag::sort_diagnostics(&mut diagnostics);
    topology.diagnostics = diagnostics;
    topology.what_if = log;
}

/// Applies `mutation`, but for the pods it changed, which it leaves to
/// [`PodChange::finish`] (pausable, unlike this). An edit of pods reports
/// `Resolution::Nothing` with its change; `apply_pausable` works the change in and
/// puts how it resolved in the report.
fn apply_mutation(
    topology: &mut Topology,
    mutation: &Mutation,
) -> Result<(WhatIfReport, Option<PodChange>), WhatIfError> {
    let pods = |applied: Result<(WhatIfReport, PodChange), WhatIfError>| {
        applied.map(|(report, change)| (report, Some(change)))
    };
    let applied = match mutation {
        Mutation::DeletePod { namespace, name } => {
            return pods(delete_pod(topology, namespace, name, Replacement::NotReady))
        }
        Mutation::KillPod { namespace, name } => {
            return pods(delete_pod(topology, namespace, name, Replacement::Ready))
        }
        Mutation::MarkPodNotReady { namespace, name } => {
            return pods(edit_pod(topology, namespace, name, "not ready", |pod| {
                pod.ready = false
            }))
        }
        Mutation::MarkPodReady { namespace, name } => {
            return pods(edit_pod(topology, namespace, name, "ready", |pod| {
                pod.ready = !pod.ips.is_empty() && !pod.phase.is_terminal()
            }))
        }
        Mutation::MarkPodTerminating { namespace, name } => {
            return pods(edit_pod(topology, namespace, name, "terminating", |pod| {
                pod.terminating = true
            }))
        }
        Mutation::CordonNode { name } => cordon(topology, name, true),
        Mutation::UncordonNode { name } => cordon(topology, name, false),
        Mutation::DrainNode { name } => return pods(drain(topology, name)),
        Mutation::FailNode { name } => {
            return pods(set_node_health(topology, name, NodeHealth::Failed))
        }
        Mutation::RecoverNode { name } => {
            return pods(set_node_health(topology, name, NodeHealth::Recovered))
        }
        Mutation::ScaleWorkload {
            namespace,
            name,
            replicas,
        } => return pods(scale(topology, namespace, name, *replicas)),
        Mutation::SetServiceType {
            namespace,
            name,
            service_type,
        } => edit_service(topology, namespace, name, |spec| {
            set_service_type(spec, *service_type)
        }),
        Mutation::SetExternalTrafficPolicy {
            namespace,
            name,
            policy,
        } => edit_service(topology, namespace, name, |spec| {
            let externally_accessible = matches!(
                spec.service_type,
                ServiceType::NodePort | ServiceType::LoadBalancer
            ) || !spec.external_ips.is_empty();
            if !externally_accessible {
                return Err(WhatIfError::invalid("externalTrafficPolicy only applies to NodePort and LoadBalancer Services, or Services with externalIPs"));
            }
            spec.external_traffic_policy = Some(*policy);
            if *policy == TrafficPolicy::Cluster {
                spec.health_check_node_port = None;
            }
            Ok(format!("externalTrafficPolicy {policy:?}"))
        }),
        Mutation::SetInternalTrafficPolicy {
            namespace,
            name,
            policy,
        } => edit_service(topology, namespace, name, |spec| {
            if spec.service_type == ServiceType::ExternalName {
                return Err(WhatIfError::invalid(
                    "an ExternalName Service has no traffic policies",
                ));
            }
            spec.internal_traffic_policy = Some(*policy);
            Ok(format!("internalTrafficPolicy {policy:?}"))
        }),
        Mutation::SetSessionAffinity {
            namespace,
            name,
            affinity,
        } => edit_service(topology, namespace, name, |spec| {
            spec.session_affinity = *affinity;
            if *affinity == SessionAffinity::None {
                spec.session_affinity_timeout = None;
            }
            Ok(format!("sessionAffinity {affinity:?}"))
        }),
        Mutation::SetTrafficDistribution {
            namespace,
            name,
            distribution,
        } => edit_service(topology, namespace, name, |spec| {
            spec.traffic_distribution = *distribution;
            Ok(match distribution {
                Some(distribution) => format!("trafficDistribution {distribution:?}"),
                None => "no trafficDistribution".to_string(),
            })
        }),
        Mutation::AddNetworkPolicy(policy) => {
            let policies = &mut topology.manifests.network_policies;
            let replaced = policies.iter().position(|p| {
                p.meta.namespace == policy.meta.namespace && p.meta.name == policy.meta.name
            });
            match replaced {
                Some(position) => policies[position] = (**policy).clone(),
                None => policies.push((**policy).clone()),
            }
            refresh_policy_diagnostics(topology);
            let verb = if replaced.is_some() {
                "replaced"
            } else {
                "added"
            };
            Ok(report(
                format!(
                    "NetworkPolicy {}/{} {verb}",
                    policy.meta.namespace, policy.meta.name
                ),
                Resolution::Nothing,
            ))
        }
        Mutation::RemoveNetworkPolicy { namespace, name } => {
            let policies = &mut topology.manifests.network_policies;
            let position = policies
                .iter()
                .position(|p| p.meta.namespace == *namespace && p.meta.name == *name)
                .ok_or_else(|| {
                    WhatIfError::not_found(format!("no NetworkPolicy {namespace}/{name}"))
                })?;
            let removed = policies.remove(position);
            refresh_policy_diagnostics(topology);
            let mut result = report(
                format!("NetworkPolicy {namespace}/{name} removed"),
                Resolution::Nothing,
            );
            result.removed_policy = Some(removed);
            Ok(result)
        }
        Mutation::SetBackendWeight {
            kind,
            namespace,
            name,
            rule,
            backend,
            weight,
        } => {
            if !(0..=1_000_000).contains(weight) {
                return Err(WhatIfError::invalid(format!(
                    "a backendRef's weight is 0 to 1000000, not {weight}"
                )));
            }
            let route = find_route(topology, *kind, namespace, name)?;
            let backend_ref = route
                .rules
                .get_mut(*rule)
                .and_then(|r| r.backend_refs.get_mut(*backend))
                .ok_or_else(|| {
                    WhatIfError::not_found(format!(
                        "{kind} {namespace}/{name} has no backend {backend} in rule {rule}"
                    ))
                })?;
            backend_ref.weight = *weight;
            let description = format!("backend {backend_ref} weight {weight}");
            Ok(report(description, Resolution::Full))
        }
        Mutation::DetachRoute {
            kind,
            namespace,
            name,
            gateway,
        } => {
            let route = find_route(topology, *kind, namespace, name)?;
            let before = route.parent_refs.len();
            route.parent_refs.retain(|parent| {
                !(parent.group == crate::engine::gateway::model::GROUP
                    && parent.kind == "Gateway"
                    && parent.namespace == gateway.namespace
                    && parent.name == gateway.name)
            });
            if route.parent_refs.len() == before {
                return Err(WhatIfError::not_found(format!(
                    "{kind} {namespace}/{name} has no parentRef to Gateway {gateway}"
                )));
            }
            Ok(report(
                format!("{kind} {namespace}/{name} detached from Gateway {gateway}"),
                Resolution::Full,
            ))
        }
        Mutation::DeleteReferenceGrant { namespace, name } => {
            let grants = &mut topology.manifests.gateway.grants;
            let position = grants
                .iter()
                .position(|g| g.meta.namespace == *namespace && g.meta.name == *name)
                .ok_or_else(|| {
                    WhatIfError::not_found(format!("no ReferenceGrant {namespace}/{name}"))
                })?;
            grants.remove(position);
            Ok(report(
                format!("ReferenceGrant {namespace}/{name} deleted"),
                Resolution::Full,
            ))
        }
    };
    applied.map(|report| (report, None))
}

/// The Route of `kind` named `namespace/name` in the model, for the Gateway API edits.
fn find_route<'t>(
    topology: &'t mut Topology,
    kind: RouteKind,
    namespace: &str,
    name: &str,
) -> Result<&'t mut Route, WhatIfError> {
    topology
        .manifests
        .gateway
        .routes
        .iter_mut()
        .find(|r| r.kind == kind && r.meta.namespace == namespace && r.meta.name == name)
        .ok_or_else(|| WhatIfError::not_found(format!("no {kind} {namespace}/{name}")))
}

/// Reads one NetworkPolicy from YAML, defaulted as ingest defaults it, for
/// [`Mutation::AddNetworkPolicy`].
pub fn network_policy_from_yaml(text: &str) -> Result<NetworkPolicy, WhatIfError> {
    let mut diagnostics = Vec::new();
    let manifests = ingest::ingest(&[SourceFile::new("what-if.yaml", text)], &mut diagnostics);
    match manifests.network_policies.into_iter().next() {
        Some(policy) => Ok(policy),
        None => {
            let problems: Vec<String> = diagnostics.iter().map(|d| d.message.clone()).collect();
            Err(WhatIfError::invalid(format!(
                "no NetworkPolicy in the text{}",
                if problems.is_empty() {
                    String::new()
                } else {
                    format!(": {}", problems.join("; "))
                }
            )))
        }
    }
}

/// Changes the object behind `shared` in a new copy of it. The long lists of a
/// topology hold their objects behind `Arc`s, shared with the topology an edit was
/// copied from (§13.11), which keeps the old object.
fn copy_and_change<T: Clone>(shared: &mut Arc<T>, edit: impl FnOnce(&mut T)) {
    let mut copy = T::clone(shared);
    edit(&mut copy);
    *shared = Arc::new(copy);
}

/// Re-resolves everything from the model, as `analyze` would after ingest.
pub fn resolve_fully(topology: &mut Topology) {
    pause::finish(resolve_fully_pausable(topology, &Pause::never()));
}

/// [`resolve_fully`], pausing between Services and between its steps.
async fn resolve_fully_pausable(topology: &mut Topology, pause: &Pause<'_>) {
    let manifests = std::mem::take(&mut topology.manifests);
    let cluster = std::mem::take(&mut topology.cluster);
    let ingest_diagnostics = std::mem::take(&mut topology.ingest_diagnostics);
    let config = topology.config.clone();
    let what_if = std::mem::take(&mut topology.what_if);
    let had_policies = topology.had_policies;
    *topology =
        resolve_topology_pausable(manifests, cluster, config, ingest_diagnostics, pause).await;
    topology.what_if = what_if;
    topology.had_policies = had_policies;
    attribute_diagnostics(topology);
}

// ---------------------------------------------------------------------------
// Pods
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Replacement {
    NotReady,
    Ready,
}

fn report(description: String, resolution: Resolution) -> WhatIfReport {
    WhatIfReport {
        description,
        resolution,
        created_pods: Vec::new(),
        removed_pods: Vec::new(),
        replaced_pods: Vec::new(),
        removed_policy: None,
    }
}

fn find_pod(topology: &Topology, namespace: &str, name: &str) -> Result<usize, WhatIfError> {
    topology
        .cluster
        .pods
        .iter()
        .position(|pod| pod.namespace == namespace && pod.name == name)
        .ok_or_else(|| WhatIfError::not_found(format!("no pod {namespace}/{name}")))
}

fn find_node(topology: &Topology, name: &str) -> Result<usize, WhatIfError> {
    topology
        .cluster
        .nodes
        .iter()
        .position(|node| node.name == name)
        .ok_or_else(|| WhatIfError::not_found(format!("no node {name}")))
}

fn delete_pod(
    topology: &mut Topology,
    namespace: &str,
    name: &str,
    replacement: Replacement,
) -> Result<(WhatIfReport, PodChange), WhatIfError> {
    let position = find_pod(topology, namespace, name)?;
    let mut change = PodChange::new();
    let pod = topology.cluster.pods[position].clone();
    let created = replacement_pods(
        topology,
        std::slice::from_ref(&pod),
        &BTreeSet::new(),
        replacement,
    );
    change.remove(topology, &[position]);
    change.add(
        topology,
        created.iter().map(|(_, created)| created.clone()).collect(),
    );
    let verb = if replacement == Replacement::Ready {
        "killed"
    } else {
        "deleted"
    };
    let mut description = format!("pod {} {verb}", pod.key());
    if let Some((_, first)) = created.first() {
        let state = if replacement == Replacement::Ready {
            "in its place"
        } else {
            "(not ready yet)"
        };
        let same = if first.key() == pod.key() {
            " again"
        } else {
            ""
        };
        description.push_str(&format!(
            "; its controller creates {}{same} {state}",
            first.key()
        ));
    }
    let mut result = report(description, Resolution::Nothing);
    result.removed_pods.push(pod.key());
    result.created_pods = created.iter().map(|(_, p)| p.key()).collect();
    result.replaced_pods = created
        .iter()
        .map(|(gone, p)| (gone.clone(), p.key()))
        .collect();
    Ok((result, change))
}

fn edit_pod(
    topology: &mut Topology,
    namespace: &str,
    name: &str,
    what: &str,
    edit: impl Fn(&mut ClusterPod),
) -> Result<(WhatIfReport, PodChange), WhatIfError> {
    let position = find_pod(topology, namespace, name)?;
    let mut change = PodChange::new();
    change.modify(topology, &[position], edit);
    Ok((
        report(
            format!("pod {namespace}/{name} marked {what}"),
            Resolution::Nothing,
        ),
        change,
    ))
}

fn cordon(
    topology: &mut Topology,
    name: &str,
    unschedulable: bool,
) -> Result<WhatIfReport, WhatIfError> {
    let node = find_node(topology, name)?;
    topology.cluster.nodes[node].unschedulable = unschedulable;
    if let Some(raw) = topology
        .manifests
        .nodes
        .iter_mut()
        .find(|n| n.meta.name == name)
    {
        raw.unschedulable = unschedulable;
    }
    let verb = if unschedulable {
        "cordoned: no new pods land there; traffic is unchanged"
    } else {
        "uncordoned"
    };
    Ok(report(format!("node {name} {verb}"), Resolution::Nothing))
}

fn drain(topology: &mut Topology, name: &str) -> Result<(WhatIfReport, PodChange), WhatIfError> {
    let node = find_node(topology, name)?;
    topology.cluster.nodes[node].unschedulable = true;
    if let Some(raw) = topology
        .manifests
        .nodes
        .iter_mut()
        .find(|n| n.meta.name == name)
    {
        raw.unschedulable = true;
    }
    let evicted: Vec<usize> = topology
        .cluster
        .pods
        .iter()
        .enumerate()
        .filter(|(_, pod)| pod.node.as_deref() == Some(name) && !pod.phase.is_terminal())
        .filter(|(_, pod)| {
            pod.workload
                .as_ref()
                .is_none_or(|w| w.kind != WorkloadKind::DaemonSet.as_str())
        })
        .map(|(position, _)| position)
        .collect();
    let mut change = PodChange::new();
    let evicted_pods: Vec<ClusterPod> = evicted
        .iter()
        .map(|&p| ClusterPod::clone(&topology.cluster.pods[p]))
        .collect();
    let evicted_keys: BTreeSet<NamespacedName> =
        evicted_pods.iter().map(ClusterPod::key).collect_set();
    let replaced = replacement_pods(topology, &evicted_pods, &evicted_keys, Replacement::Ready);
    let created: Vec<ClusterPod> = replaced.iter().map(|(_, p)| p.clone()).collect();
    change.remove(topology, &evicted);
    change.add(topology, created.clone());
    let mut result = report(
        format!(
            "node {name} drained: {} pods evicted, {} recreated elsewhere",
            evicted.len(),
            created.len()
        ),
        Resolution::Nothing,
    );
    result.removed_pods = evicted_keys.into_iter().collect();
    result.created_pods = created.iter().map(ClusterPod::key).collect();
    result.replaced_pods = replaced
        .iter()
        .map(|(gone, p)| (gone.clone(), p.key()))
        .collect();
    Ok((result, change))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeHealth {
    Failed,
    Recovered,
}

fn set_node_health(
    topology: &mut Topology,
    name: &str,
    health: NodeHealth,
) -> Result<(WhatIfReport, PodChange), WhatIfError> {
    let node = find_node(topology, name)?;
    let ready = health == NodeHealth::Recovered;
    topology.cluster.nodes[node].ready = ready;
    if let Some(raw) = topology
        .manifests
        .nodes
        .iter_mut()
        .find(|n| n.meta.name == name)
    {
        raw.ready = ready;
    }
    let on_node: Vec<usize> = topology
        .cluster
        .pods
        .iter()
        .enumerate()
        .filter(|(_, pod)| pod.node.as_deref() == Some(name))
        .map(|(position, _)| position)
        .collect();
    let mut change = PodChange::new();
    change.modify(topology, &on_node, |pod| {
        pod.ready =
            ready && pod.phase == PodPhase::Running && !pod.ips.is_empty() && !pod.terminating;
    });
    let description = match health {
        NodeHealth::Failed => format!(
            "node {name} failed (NotReady): load balancers skip it and its {} pods are not ready",
            on_node.len()
        ),
        NodeHealth::Recovered => {
            format!("node {name} recovered: Ready again, with its running pods")
        }
    };
    Ok((report(description, Resolution::Nothing), change))
}

fn scale(
    topology: &mut Topology,
    namespace: &str,
    name: &str,
    replicas: u32,
) -> Result<(WhatIfReport, PodChange), WhatIfError> {
    // The name may carry its kind, `Deployment/frontend`, to tell apart workloads of
    // different kinds that share a name.
    let (kind_filter, workload_name) = match KindRef::parse(name) {
        Some(kind_ref) => (WorkloadKind::parse(&kind_ref.kind), kind_ref.name),
        None => (None, name.to_string()),
    };
    let position = topology
        .manifests
        .workloads
        .iter()
        .position(|w| {
            w.meta.namespace == namespace
                && w.meta.name == workload_name
                && kind_filter.is_none_or(|k| k == w.kind)
        })
        .ok_or_else(|| WhatIfError::not_found(format!("no workload {namespace}/{name}")))?;
    let workload = topology.manifests.workloads[position].clone();
    if !workload.kind.has_replicas() {
        return Err(WhatIfError::invalid(format!("{} {namespace}/{workload_name} cannot be scaled: only Deployments, ReplicaSets, ReplicationControllers and StatefulSets have replicas", workload.kind.as_str())));
    }
    // The same budgets as reading the manifests (§10.5): a what-if edit must not ask
    // for more pods than a manifest could.
    if i64::from(replicas) > ingest::MAX_REPLICAS {
        return Err(WhatIfError::invalid(format!(
            "{replicas} replicas is more than the {} per workload kubetopo simulates",
            ingest::MAX_REPLICAS
        )));
    }
    let workload_ref = workload.kind_ref();
    let current: Vec<usize> = topology
        .cluster
        .pods
        .iter()
        .enumerate()
        .filter(|(_, pod)| {
            pod.namespace == namespace
                && pod.workload.as_ref() == Some(&workload_ref)
                && !pod.phase.is_terminal()
        })
        .map(|(p, _)| p)
        .collect();
    let target = replicas as usize;
    let n_pods_after = topology.cluster.pods.len() - current.len() + target;
    if target > current.len() && n_pods_after > topology.config.max_pods {
        return Err(WhatIfError::invalid(format!(
            "scaling to {replicas} would bring the cluster to {n_pods_after} pods, past the {} kubetopo simulates",
            topology.config.max_pods
        )));
    }
    let mut change = PodChange::new();
    let mut created = Vec::new();
    let mut removed = Vec::new();
    if target > current.len() {
        // Names in use, the new replicas' included: a replica whose name is taken
        // (an existing replica's, or a rare collision of generated suffixes) is
        // skipped before it gets an address.
        let mut taken: BTreeSet<String> = topology
            .cluster
            .pods
            .iter()
            .filter(|p| p.namespace == namespace)
            .map(|p| p.name.clone())
            .collect_set();
        let mut template = PodFactory::new(topology, &workload);
        let mut index = 0u32;
        while created.len() < target - current.len() && index < replicas.saturating_add(10_000) {
            let identity = template.identity(topology, index);
            if taken.insert(identity.name.clone()) {
                let pod = template.pod(topology, index, identity, &created, Replacement::Ready);
                created.push(pod);
            }
            index += 1;
        }
        change.add(topology, created.clone());
    } else if target < current.len() {
        // Controllers remove the newest pods; StatefulSets the highest ordinals.
        let mut ordered = current.clone();
        if workload.kind == WorkloadKind::StatefulSet {
            ordered.sort_compact_by_key(|&p| {
                ordinal_of(&topology.cluster.pods[p].name, &workload.meta.name)
            });
        }
        let doomed: Vec<usize> = ordered[target..].to_vec();
        removed = doomed
            .iter()
            .map(|&p| topology.cluster.pods[p].key())
            .collect();
        change.remove(topology, &doomed);
    }
    copy_and_change(&mut topology.manifests.workloads[position], |w| {
        w.replicas = replicas
    });
    let mut result = report(
        format!(
            "{workload_ref} in {namespace} scaled from {} to {replicas} replicas",
            current.len()
        ),
        Resolution::Nothing,
    );
    result.created_pods = created.iter().map(ClusterPod::key).collect();
    result.removed_pods = removed;
    Ok((result, change))
}

fn ordinal_of(pod_name: &str, set_name: &str) -> u64 {
    pod_name
        .strip_prefix(set_name)
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|n| n.parse().ok())
        .unwrap_or(u64::MAX)
}

/// The pods controllers create to replace `gone` (already removed or about to be),
/// each with the pod it replaces. Bare pods and pods of Jobs get none; a
/// DaemonSet's replacement stays on its node, under a new name.
fn replacement_pods(
    topology: &Topology,
    gone: &[ClusterPod],
    gone_keys: &BTreeSet<NamespacedName>,
    replacement: Replacement,
) -> Vec<(NamespacedName, ClusterPod)> {
    let mut pairs: Vec<(NamespacedName, ClusterPod)> = Vec::new();
    for pod in gone {
        let created: Vec<ClusterPod> = pairs.iter().map(|(_, p)| p.clone()).collect();
        if let Some(daemon) = daemon_replacement(topology, pod, gone_keys, &created, replacement) {
            pairs.push((pod.key(), daemon));
            continue;
        }
        let Some(workload_ref) = &pod.workload else {
            continue;
        };
        let Some(workload) = topology.manifests.workloads.iter().find(|w| {
            w.meta.namespace == pod.namespace
                && w.meta.name == workload_ref.name
                && w.kind.as_str() == workload_ref.kind
        }) else {
            continue;
        };
        if !workload.kind.has_replicas() {
            continue;
        }
        let mut factory = PodFactory::new(topology, workload);
        if workload.kind == WorkloadKind::StatefulSet {
            // The StatefulSet controller recreates the same identity.
            let ordinal = ordinal_of(&pod.name, &workload.meta.name);
            let index = (ordinal.saturating_sub(u64::from(workload.ordinal_start)))
                .min(u64::from(u32::MAX)) as u32;
            let identity = factory.identity(topology, index);
            let recreated = factory.pod(topology, index, identity, &created, replacement);
            pairs.push((pod.key(), recreated));
            continue;
        }
        let taken: BTreeSet<String> = topology
            .cluster
            .pods
            .iter()
            .filter(|p| p.namespace == pod.namespace)
            .map(|p| p.name.clone())
            .chain(created.iter().map(|p| p.name.clone()))
            .collect_set();
        let mut index = workload.replicas;
        loop {
            let identity = factory.identity(topology, index);
            let key = NamespacedName::new(&pod.namespace, &identity.name);
            if !taken.contains(&identity.name) && !gone_keys.contains(&key) {
                let replacement_pod = factory.pod(topology, index, identity, &created, replacement);
                pairs.push((pod.key(), replacement_pod));
                break;
            }
            index = index.saturating_add(1);
            if index == u32::MAX {
                break;
            }
        }
    }
    pairs
}

/// A DaemonSet's replacement for `pod`: on the same node, under a new generated
/// name. `None` when `pod` is not a DaemonSet's, or its node is gone.
fn daemon_replacement(
    topology: &Topology,
    pod: &ClusterPod,
    gone_keys: &BTreeSet<NamespacedName>,
    also_placed: &[ClusterPod],
    replacement: Replacement,
) -> Option<ClusterPod> {
    let workload_ref = pod.workload.as_ref()?;
    let workload = topology.manifests.workloads.iter().find(|w| {
        w.kind == WorkloadKind::DaemonSet
            && w.meta.namespace == pod.namespace
            && w.meta.name == workload_ref.name
            && w.kind.as_str() == workload_ref.kind
    })?;
    let node_index = topology
        .cluster
        .nodes
        .iter()
        .position(|n| Some(n.name.as_str()) == pod.node.as_deref())?;
    // The DaemonSet controller tolerates `unschedulable`: a cordoned node keeps its daemon.
    let mut factory = PodFactory::new(topology, workload);
    let mut identity = factory.naming.replica(
        ReplicaSlot::Node(pod.node.as_deref()?),
        topology.config.seed,
    );
    let taken: BTreeSet<&str> = topology
        .cluster
        .pods
        .iter()
        .map(|pod| &**pod)
        .chain(also_placed)
        .filter(|p| p.namespace == pod.namespace)
        .map(|p| p.name.as_str())
        .collect_set();
    let mut attempt = 1;
    while taken.contains(identity.name.as_str())
        || gone_keys.contains(&NamespacedName::new(&pod.namespace, &identity.name))
        || identity.name == pod.name
    {
        identity.name = factory
            .naming
            .retry_name(&identity.name, attempt, topology.config.seed);
        attempt += 1;
        if attempt > 1_000 {
            return None;
        }
    }
    Some(factory.pod_at(
        topology,
        Some(node_index),
        identity,
        also_placed,
        replacement,
    ))
}

/// Builds pods of one workload as `cluster` would (§7): names and labels come
/// from `cluster`'s [`PodNaming`], placement from its placement functions.
struct PodFactory<'w> {
    workload: &'w Workload,
    spec: Arc<PodSpec>,
    naming: PodNaming,
    workload_ref: KindRef,
    /// Pod addresses in use, gathered once on the first placement, and those the
    /// factory hands out since, each a sorted list: scaling to thousands of
    /// replicas must not look at every pod of the cluster for each new one, nor
    /// move the cluster's addresses for each address handed out.
    used_ips: Option<(Vec<IpAddr>, Vec<IpAddr>)>,
    /// Per node, the host number below which every address is taken. Addresses
    /// are only ever taken here, so the search for a free one resumes where the
    /// last one ended instead of walking a full pod CIDR again for each replica.
    first_free_host: BTreeMap<usize, u128>,
}

impl<'w> PodFactory<'w> {
    fn new(topology: &Topology, workload: &'w Workload) -> PodFactory<'w> {
        let workload_ref = workload.kind_ref();
        // Share the template spec with existing replicas, as `cluster` does.
        let existing = topology.cluster.pods.iter().find(|p| {
            p.namespace == workload.meta.namespace && p.workload.as_ref() == Some(&workload_ref)
        });
        let spec = Arc::clone(&workload.template.spec);
        // New replicas of a Deployment join the ReplicaSet its pods already belong to.
        let existing_template_hash = existing
            .filter(|_| workload.kind == WorkloadKind::Deployment)
            .and_then(|p| p.labels.get("pod-template-hash").cloned());
        let naming = match existing_template_hash {
            Some(template_hash) => PodNaming::with_template_hash(workload, template_hash),
            None => PodNaming::new(workload),
        };
        PodFactory {
            workload,
            spec,
            naming,
            workload_ref,
            used_ips: None,
            first_free_host: BTreeMap::new(),
        }
    }

    /// The name and labels replica `index` gets: looked at before the pod is
    /// placed, so that a replica whose name is taken gets no address.
    fn identity(&self, topology: &Topology, index: u32) -> PodIdentity {
        self.naming
            .replica(ReplicaSlot::Index(index), topology.config.seed)
    }

    /// Places replica `index`, named `identity`, and gives it an address.
    fn pod(
        &mut self,
        topology: &Topology,
        index: u32,
        identity: PodIdentity,
        also_placed: &[ClusterPod],
        replacement: Replacement,
    ) -> ClusterPod {
        let node = place(topology, self.workload, &self.spec, index);
        self.pod_at(topology, node, identity, also_placed, replacement)
    }

    /// A pod named `identity` on the node at `node` (or Pending without one).
    fn pod_at(
        &mut self,
        topology: &Topology,
        node: Option<usize>,
        identity: PodIdentity,
        also_placed: &[ClusterPod],
        replacement: Replacement,
    ) -> ClusterPod {
        let workload = self.workload;
        let (used_ips, handed_out) = self.used_ips.get_or_insert_with(|| {
            let mut used: Vec<IpAddr> = topology
                .cluster
                .pods
                .iter()
                .map(|pod| &**pod)
                .chain(also_placed)
                .filter(|p| !p.phase.is_terminal())
                .flat_map(|p| p.ips.iter().copied())
                .collect();
            used.sort_compact();
            (used, Vec::new())
        });
        // hostNetwork pods share their node's address, as `cluster` gives it.
        let ip = if self.spec.host_network {
            node.map(|n| topology.cluster.nodes[n].internal_ip)
        } else {
            let ip = node.and_then(|n| {
                let first_free = self.first_free_host.entry(n).or_insert(2);
                free_ip(&topology.cluster.nodes[n], first_free, |ip| {
                    used_ips.binary_search(ip).is_ok() || handed_out.binary_search(ip).is_ok()
                })
            });
            if let Some(ip) = ip {
                insert_sorted(handed_out, ip);
            }
            ip
        };
        let running = node.is_some();
        ClusterPod {
            namespace: workload.meta.namespace.clone(),
            name: identity.name,
            labels: identity.labels,
            node: node.map(|n| topology.cluster.nodes[n].name.clone()),
            ips: ip.into_iter().collect(),
            phase: if running {
                PodPhase::Running
            } else {
                PodPhase::Pending
            },
            ready: running && ip.is_some() && replacement == Replacement::Ready,
            terminating: false,
            owner: Some(self.naming.owner.clone()),
            workload: Some(self.workload_ref.clone()),
            simulated: true,
            hostname: identity.hostname.or_else(|| self.spec.hostname.clone()),
            subdomain: identity.subdomain.or_else(|| self.spec.subdomain.clone()),
            spec: Arc::clone(&self.spec),
            source: workload.meta.source.clone(),
        }
    }
}

/// Where `cluster` would put replica `index`.
fn place(topology: &Topology, workload: &Workload, spec: &PodSpec, index: u32) -> Option<usize> {
    let nodes = &topology.cluster.nodes;
    let candidates: Vec<usize> = zone_interleaved(nodes)
        .into_iter()
        .filter(|&position| node_accepts(&nodes[position], spec, Placement::Scheduled))
        .collect();
    replica_node(
        &candidates,
        &workload.meta.namespace,
        &workload.meta.name,
        index as usize,
    )
}

/// The lowest free address of the node's pod CIDR (from .2; .1 is the bridge),
/// where `used` says which are taken. `first_free` is where to start looking, and
/// is moved past the address found (or to the end of the range when there is none).
fn free_ip(
    node: &ClusterNode,
    first_free: &mut u128,
    used: impl Fn(&IpAddr) -> bool,
) -> Option<IpAddr> {
    let cidr = node.pod_cidr?;
    let last = cidr.size().saturating_sub(1);
    while *first_free < last {
        let host = *first_free;
        *first_free += 1;
        match cidr.nth(host) {
            Some(ip) if !used(&ip) => return Some(ip),
            _ => continue,
        }
    }
    None
}

/// Tracks one batch of pod edits and re-resolves what they touch.
struct PodChange {
    /// (namespace, labels) of every pod removed, added or edited: Services selecting
    /// any of them are affected.
    touched: Vec<(String, Labels)>,
    /// Pod counts per (namespace, workload) before, to notice a workload vanishing or appearing.
    presence_before: BTreeMap<(String, KindRef), usize>,
    /// Old position → new position, when pods were removed.
    remap: Option<Vec<Option<usize>>>,
    /// Pods appended at the end, after any removal.
    n_added: usize,
    /// A removal followed an addition: the index is rebuilt instead of patched.
    index_stale: bool,
}

impl PodChange {
    fn new() -> PodChange {
        PodChange {
            touched: Vec::new(),
            presence_before: BTreeMap::new(),
            remap: None,
            n_added: 0,
            index_stale: false,
        }
    }

    fn note(&mut self, topology: &Topology, pod: &ClusterPod) {
        self.touched
            .push((pod.namespace.clone(), pod.labels.clone()));
        let key = (pod.namespace.clone(), presence_key(pod));
        if let std::collections::btree_map::Entry::Vacant(entry) = self.presence_before.entry(key) {
            let (namespace, presence) = entry.key();
            let count = count_present(topology, namespace, presence);
            entry.insert(count);
        }
    }

    fn remove(&mut self, topology: &mut Topology, positions: &[usize]) {
        if positions.is_empty() {
            return;
        }
        for &position in positions {
            let pod = topology.cluster.pods[position].clone();
            self.note(topology, &pod);
        }
        if self.n_added > 0 {
            self.index_stale = true;
        }
        let doomed: BTreeSet<usize> = positions.iter().copied().collect_set();
        let n_before = topology.cluster.pods.len();
        let previous = self
            .remap
            .take()
            .unwrap_or_else(|| (0..n_before).map(Some).collect());
        let mut step = Vec::with_capacity(n_before);
        let mut next = 0;
        for old in 0..n_before {
            if doomed.contains(&old) {
                step.push(None);
            } else {
                step.push(Some(next));
                next += 1;
            }
        }
        // Compose with any earlier removal in this batch.
        self.remap = Some(
            previous
                .into_iter()
                .map(|p| p.and_then(|p| step.get(p).copied().flatten()))
                .collect(),
        );
        let mut position = 0;
        topology.cluster.pods.retain(|_| {
            let keep = !doomed.contains(&position);
            position += 1;
            keep
        });
    }

    fn add(&mut self, topology: &mut Topology, pods: Vec<ClusterPod>) {
        for pod in pods {
            self.note(topology, &pod);
            topology.cluster.pods.push(Arc::new(pod));
            self.n_added += 1;
        }
    }

    fn modify(
        &mut self,
        topology: &mut Topology,
        positions: &[usize],
        edit: impl Fn(&mut ClusterPod),
    ) {
        for &position in positions {
            let pod = topology.cluster.pods[position].clone();
            self.note(topology, &pod);
            copy_and_change(&mut topology.cluster.pods[position], &edit);
        }
    }

    /// Re-resolves the affected Services, or everything when a workload appeared or
    /// vanished, pausing between pods and between Services: at 100,000 pods a pod
    /// removed near the start of the list renumbers the endpoints of most Services.
    async fn finish(self, topology: &mut Topology, pause: &Pause<'_>) -> Resolution {
        if self.touched.is_empty() {
            return Resolution::Nothing;
        }
        let presence_changed = self
            .presence_before
            .iter()
            .any(|((namespace, key), &before)| {
                let after = count_present(topology, namespace, key);
                (before == 0) != (after == 0)
            });
        if presence_changed {
            // Dependencies and workload-level diagnostics are keyed by workload:
            // `apply` recomputes all.
            return Resolution::Full;
        }
        if self.index_stale {
            topology.pod_index = PodIndex::build_pausable(&topology.cluster.pods, pause).await;
        } else {
            if let Some(remap) = &self.remap {
                topology.pod_index.remap(remap);
            }
            let n_pods = topology.cluster.pods.len();
            for position in n_pods.saturating_sub(self.n_added)..n_pods {
                topology
                    .pod_index
                    .push(position, &topology.cluster.pods[position]);
            }
        }
        if let Some(remap) = &self.remap {
            let moved = |old: Option<usize>| old.and_then(|old| remap.get(old).copied().flatten());
            for service in &mut topology.services {
                pause.point().await;
                // Copied only when one of its pods moved: the others stay shared
                // with the topology the edit was made from (§13.11).
                if service
                    .endpoints
                    .iter()
                    .all(|e| moved(e.pod_index) == e.pod_index)
                {
                    continue;
                }
                copy_and_change(service, |service| {
                    for endpoint in &mut service.endpoints {
                        endpoint.pod_index = moved(endpoint.pod_index);
                    }
                });
            }
        }
        let affected: Vec<usize> = topology
            .services
            .iter()
            .enumerate()
            .filter(|(_, service)| service.service_type != ServiceType::ExternalName)
            .filter(|(_, service)| {
                service.selector.as_ref().is_some_and(|selector| {
                    !selector.is_empty()
                        && self.touched.iter().any(|(namespace, labels)| {
                            *namespace == service.namespace && map_matches(selector, labels)
                        })
                })
            })
            .map(|(position, _)| position)
            .collect();
        reresolve_services(topology, &affected, &self.touched);
        Resolution::Incremental {
            services: affected
                .iter()
                .map(|&s| topology.services[s].key())
                .collect(),
        }
    }
}

/// What makes a pod count for its workload: the workload, or the pod itself when bare.
fn presence_key(pod: &ClusterPod) -> KindRef {
    pod.workload
        .clone()
        .unwrap_or_else(|| KindRef::new("Pod", &pod.name))
}

/// Pods of `namespace` with this presence key, without allocating per pod.
fn count_present(topology: &Topology, namespace: &str, key: &KindRef) -> usize {
    topology
        .cluster
        .pods
        .iter()
        .filter(|p| p.namespace == namespace)
        .filter(|p| match &p.workload {
            Some(workload) => workload == key,
            None => key.kind == "Pod" && p.name == key.name,
        })
        .count()
}

/// The diagnostic codes `explain` attaches to a Service object. They are recomputed
/// for re-resolved Services; the equivalence test in `tests/whatif.rs` notices a code
/// added to `explain` and missing here.
const SERVICE_EXPLAIN_CODES: &[&str] = &[
    "service-selects-no-pods",
    "service-selectorless-without-endpoints",
    "service-single-endpoint",
    "external-traffic-local-drops",
    "target-port-protocol-mismatch",
    "target-port-name-not-found",
    "target-port-not-declared",
];

/// Diagnostic codes that depend on pods and NetworkPolicies together.
const POLICY_CODES: &[&str] = &[
    "network-policy-selects-no-pods",
    "network-policy-blocks-dns",
];

fn reresolve_services(topology: &mut Topology, affected: &[usize], touched: &[(String, Labels)]) {
    let zones_by_node = NodesByName::new(&topology.cluster.nodes);
    let raw_services = ServicesByName::new(&topology.manifests.services);
    let mut new_endpoints = Vec::with_capacity(affected.len());
    for &position in affected {
        let service = &topology.services[position];
        let Some(raw) = raw_services.get(&service.namespace, &service.name) else {
            new_endpoints.push(None);
            continue;
        };
        let selector = service.selector.clone().unwrap_or_default();
        let selected = topology.pod_index.select_map(&service.namespace, &selector);
        new_endpoints.push(Some(resolve::endpoints_from_pods(
            service,
            raw,
            &selected,
            &topology.cluster.pods,
            &zones_by_node,
        )));
    }
    for (&position, endpoints) in affected.iter().zip(new_endpoints) {
        if let Some(endpoints) = endpoints {
            let domain = &topology.config.cluster_domain;
            copy_and_change(&mut topology.services[position], |service| {
                service.endpoints = endpoints;
                service.dns = resolve::dns_records(service, domain);
            });
        }
    }

    // Explanations: the re-resolved Services, plus Services without endpoints in the
    // touched namespaces (their "nearest pods" hint looks at every pod there).
    let namespaces: BTreeSet<&str> = touched
        .iter()
        .map(|(namespace, _)| namespace.as_str())
        .collect_set();
    let mut explained: BTreeSet<usize> = affected.iter().copied().collect_set();
    for (position, service) in topology.services.iter().enumerate() {
        if service.endpoints.is_empty() && namespaces.contains(service.namespace.as_str()) {
            explained.insert(position);
        }
    }
    let subset: Vec<Arc<resolve::ResolvedService>> = explained
        .iter()
        .map(|&p| Arc::clone(&topology.services[p]))
        .collect();
    let objects: BTreeSet<String> = subset
        .iter()
        .map(|s| format!("Service/{}/{}", s.namespace, s.name))
        .collect_set();
    // By position in `subset`: the map type of `ServicesByName`, for a smaller wasm.
    let keys: BTreeMap<(&str, &str), usize> = subset
        .iter()
        .enumerate()
        .map(|(position, s)| ((s.namespace.as_str(), s.name.as_str()), position))
        .collect_map();
    let mini = Manifests {
        services: topology
            .manifests
            .services
            .iter()
            .filter(|s| keys.contains_key(&(s.meta.namespace.as_str(), s.meta.name.as_str())))
            .cloned()
            .collect(),
        endpoint_slices: topology
            .manifests
            .endpoint_slices
            .iter()
            .filter(|s| keys.contains_key(&(s.meta.namespace.as_str(), s.service_name.as_str())))
            .cloned()
            .collect(),
        ..Manifests::default()
    };
    let mut fresh = Vec::new();
    explain::explain(
        &mini,
        &topology.cluster,
        &topology.pod_index,
        &subset,
        &mut fresh,
    );
    topology
        .diagnostics
        .retain(|d| !(objects.contains(&d.object) && SERVICE_EXPLAIN_CODES.contains(&d.code)));
    topology.diagnostics.extend(fresh);
    if !topology.manifests.network_policies.is_empty() {
        refresh_policy_diagnostics(topology);
    } else {
        super::diag::sort_diagnostics(&mut topology.diagnostics);
    }
}

/// Recomputes the diagnostics that depend on NetworkPolicies: nothing else changes
/// when a policy is added or removed.
fn refresh_policy_diagnostics(topology: &mut Topology) {
    let mini = Manifests {
        network_policies: topology.manifests.network_policies.clone(),
        ..Manifests::default()
    };
    let mut fresh: Vec<Diagnostic> = Vec::new();
    explain::explain(
        &mini,
        &topology.cluster,
        &topology.pod_index,
        &[],
        &mut fresh,
    );
    let engine = netpol::PolicyEngine::new(&topology.manifests, &topology.cluster);
    fresh.extend(netpol::dns_diagnostics(
        &engine,
        netpol::cluster_dns_ip(&topology.config),
    ));
    topology
        .diagnostics
        .retain(|d| !POLICY_CODES.contains(&d.code));
    topology.diagnostics.extend(fresh);
    super::diag::sort_diagnostics(&mut topology.diagnostics);
}

// ---------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------

fn edit_service(
    topology: &mut Topology,
    namespace: &str,
    name: &str,
    edit: impl FnOnce(&mut ServiceSpec) -> Result<String, WhatIfError>,
) -> Result<WhatIfReport, WhatIfError> {
    let position = topology
        .manifests
        .services
        .iter()
        .position(|s| s.meta.namespace == namespace && s.meta.name == name)
        .ok_or_else(|| WhatIfError::not_found(format!("no Service {namespace}/{name}")))?;
    let mut spec = topology.manifests.services[position].spec.clone();
    let what = edit(&mut spec)?;
    // Replace the old spec's validation findings with the new one's.
    let mut old_findings = Vec::new();
    validate::validate_service(&topology.manifests.services[position], &mut old_findings);
    copy_and_change(&mut topology.manifests.services[position], |s| {
        s.spec = spec
    });
    let mut new_findings = Vec::new();
    validate::validate_service(&topology.manifests.services[position], &mut new_findings);
    for finding in &old_findings {
        if let Some(at) = topology
            .ingest_diagnostics
            .iter()
            .position(|d| d == finding)
        {
            topology.ingest_diagnostics.remove(at);
        }
    }
    topology.ingest_diagnostics.extend(new_findings);
    Ok(report(
        format!("Service {namespace}/{name}: {what}"),
        Resolution::Full,
    ))
}

/// Changes the type the way the API server's `dropTypeDependentFields` would: fields
/// the new type does not use are cleared.
fn set_service_type(
    spec: &mut ServiceSpec,
    service_type: ServiceType,
) -> Result<String, WhatIfError> {
    if service_type == ServiceType::ExternalName
        && spec.external_name.as_deref().is_none_or(str::is_empty)
    {
        return Err(WhatIfError::invalid(
            "an ExternalName Service needs spec.externalName; add it to the manifest first",
        ));
    }
    let old_type = spec.service_type;
    spec.service_type = service_type;
    if !matches!(
        service_type,
        ServiceType::NodePort | ServiceType::LoadBalancer
    ) {
        for port in &mut spec.ports {
            port.node_port = None;
        }
        spec.health_check_node_port = None;
        if spec.external_ips.is_empty() {
            spec.external_traffic_policy = None;
        }
    }
    if service_type != ServiceType::LoadBalancer {
        spec.load_balancer_ips_status.clear();
        spec.load_balancer_ip_requested = None;
        spec.load_balancer_source_ranges.clear();
        spec.load_balancer_class = None;
        spec.allocate_load_balancer_node_ports = None;
        spec.health_check_node_port = None;
        if spec.external_traffic_policy == Some(TrafficPolicy::Local)
            && service_type != ServiceType::NodePort
            && spec.external_ips.is_empty()
        {
            spec.external_traffic_policy = None;
        }
    }
    if service_type == ServiceType::ExternalName {
        spec.cluster_ips.clear();
        spec.internal_traffic_policy = None;
    } else if old_type == ServiceType::ExternalName {
        spec.cluster_ips.clear();
    }
    Ok(format!(
        "type {} → {}",
        old_type.as_str(),
        service_type.as_str()
    ))
}
