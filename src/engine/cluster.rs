//! The simulated cluster: nodes, and pods built from workloads the way controllers
//! would build them (§7), scheduled deterministically, with IPs from per-node CIDRs.
//!
//! Objects that carry status (a live `kubectl get -o yaml` dump) are used as given.

use crate::engine::sort::{CollectCompact, SortCompact};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use super::cidr::Cidr;
use super::config::{stable_hash, Config};
use super::diag::{Diagnostic, Source};
use super::model::*;
use super::pause::{self, Pause};
use super::refs::{KindRef, NamespacedName};
use super::selector::{LabelSelector, Labels};
use super::text;

pub const ZONE_LABEL: &str = "topology.kubernetes.io/zone";

/// Most bytes of template labels copied into one workload's simulated pods.
pub const MAX_POD_LABEL_BYTES: usize = 64 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq)]
pub struct ClusterNode {
    pub name: String,
    pub labels: Labels,
    pub zone: Option<String>,
    pub internal_ip: IpAddr,
    pub ready: bool,
    pub unschedulable: bool,
    pub taints: Vec<Taint>,
    pub pod_cidr: Option<Cidr>,
    pub simulated: bool,
    pub source: Option<Source>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClusterPod {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub node: Option<String>,
    pub ips: Vec<IpAddr>,
    pub phase: PodPhase,
    pub ready: bool,
    pub terminating: bool,
    /// The direct controller, `Kind/name`, e.g. `ReplicaSet/frontend-5c6d8f7b9`.
    pub owner: Option<KindRef>,
    /// The top-level workload, `Kind/name`, e.g. `Deployment/frontend`.
    pub workload: Option<KindRef>,
    /// True when kubetopo made up this pod's existence or state.
    pub simulated: bool,
    pub hostname: Option<String>,
    pub subdomain: Option<String>,
    /// Shared with the template, so 100,000 pods of few templates stay small.
    pub spec: Arc<PodSpec>,
    pub source: Source,
}

impl ClusterPod {
    pub fn key(&self) -> NamespacedName {
        NamespacedName::new(&self.namespace, &self.name)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cluster {
    pub nodes: Vec<ClusterNode>,
    pub pods: Vec<Arc<ClusterPod>>,
}

/// The cluster's nodes looked up by name: for an endpoint's zone (§4), a node's
/// address (§8) and a pod's pinned node (§7). The nodes' positions sorted by name,
/// searched by halving: no B-tree of its own, which would add a copy of the
/// B-tree's code to the wasm for this key type alone.
#[derive(Clone, Debug)]
pub struct NodesByName<'a> {
    nodes: &'a [ClusterNode],
    by_name: Vec<usize>,
}

impl<'a> NodesByName<'a> {
    pub fn new(nodes: &'a [ClusterNode]) -> NodesByName<'a> {
        let mut by_name: Vec<usize> = (0..nodes.len()).collect();
        by_name.sort_compact_by(|&a, &b| nodes[a].name.cmp(&nodes[b].name));
        NodesByName { nodes, by_name }
    }

    /// The position in the slice of the node named `name`; of two nodes with one
    /// name (which ingest does not leave), the last, as a map built in order keeps.
    pub fn position(&self, name: &str) -> Option<usize> {
        let end = self
            .by_name
            .partition_point(|&p| self.nodes[p].name.as_str() <= name);
        let last = *self.by_name.get(end.checked_sub(1)?)?;
        (self.nodes[last].name == name).then_some(last)
    }

    pub fn get(&self, name: &str) -> Option<&'a ClusterNode> {
        self.position(name).map(|position| &self.nodes[position])
    }

    /// The zone of the named node, when it is known and has one.
    pub fn zone(&self, name: &str) -> Option<&'a str> {
        self.get(name).and_then(|node| node.zone.as_deref())
    }
}

/// Alphabet of generated name suffixes (§7 `generateName`).
const NAME_SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Five characters as the apiserver appends to `generateName`, but seeded, so runs agree.
pub fn name_suffix(parts: &[&str], seed: u64) -> String {
    let mut hash = stable_hash(parts) ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut suffix = String::with_capacity(5);
    for _ in 0..5 {
        let index = (hash % NAME_SUFFIX_ALPHABET.len() as u64) as usize;
        hash /= NAME_SUFFIX_ALPHABET.len() as u64;
        suffix.push(char::from(NAME_SUFFIX_ALPHABET[index]));
    }
    suffix
}

/// `SafeEncodeString` of a decimal hash: digits map to consonants so no words form (§7).
pub fn safe_encode(value: u32) -> String {
    const DIGITS: &[u8; 10] = b"456789bcdf";
    value
        .to_string()
        .bytes()
        .map(|digit| DIGITS[(digit - b'0') as usize] as char)
        .collect()
}

/// The pod-template-hash of a Deployment's pods (§7.2 `ComputeHash`), from the
/// template as written, not from where it was written: the same Deployment in
/// another file or further down keeps its pod names, and a new image is a new
/// ReplicaSet.
pub fn pod_template_hash(template: &PodTemplate) -> String {
    safe_encode(template.hash)
}

/// How a workload's controller names and labels its pods (§7): what every
/// replica shares, built once per workload. [`PodNaming::replica`] then names
/// one replica. `cluster` and `whatif` both name pods through it, so a pod a
/// what-if edit recreates has the name and labels the first simulation gave it.
#[derive(Clone, Debug)]
pub struct PodNaming {
    /// The template labels plus what the controller adds to every pod:
    /// `pod-template-hash` for a Deployment, the Job labels for a Job.
    pub labels: Labels,
    /// The pod's owner: the ReplicaSet of a Deployment, the Job of a CronJob,
    /// otherwise the workload itself (`Kind/name`).
    pub owner: KindRef,
    /// What generated names start with: `<deployment>-<hash>`, the Job name,
    /// or the workload name.
    name_prefix: String,
    /// The name the random-looking suffix is derived from: the Job name for
    /// Jobs, the workload name otherwise.
    suffix_owner: String,
    /// What naming one replica needs from the workload itself.
    kind: WorkloadKind,
    namespace: String,
    workload_name: String,
    ordinal_start: u32,
    indexed: bool,
    service_name: Option<String>,
}

/// Which replica of a workload a pod is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplicaSlot<'node> {
    /// The replica's position, from 0: a StatefulSet's ordinal offset, a Job's
    /// completion index, or just the n-th pod of a ReplicaSet.
    Index(u32),
    /// The node a DaemonSet pod runs on: there is one pod per node.
    Node(&'node str),
}

/// The name of one replica and what sets it apart from its siblings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodIdentity {
    /// The pod's `metadata.name`.
    pub name: String,
    /// Every label of the pod: the shared ones plus its own (a StatefulSet
    /// pod's name and index, an indexed Job pod's completion index).
    pub labels: Labels,
    /// The hostname a StatefulSet gives each pod (its name); otherwise none.
    pub hostname: Option<String>,
    /// The governing Service of a StatefulSet; otherwise none.
    pub subdomain: Option<String>,
}

impl PodNaming {
    /// The naming of `workload`'s pods, with a Deployment's pod-template-hash
    /// computed from its template.
    pub fn new(workload: &Workload) -> PodNaming {
        // Hashing the template costs a clone and a format; only Deployments need it.
        let template_hash = if workload.kind == WorkloadKind::Deployment {
            pod_template_hash(&workload.template)
        } else {
            String::new()
        };
        PodNaming::with_template_hash(workload, template_hash)
    }

    /// The naming of `workload`'s pods, with the given pod-template-hash for a
    /// Deployment (ignored for other kinds). A what-if edit passes the hash the
    /// existing pods carry, so new replicas join the same ReplicaSet.
    pub fn with_template_hash(workload: &Workload, template_hash: String) -> PodNaming {
        let namespace = &workload.meta.namespace;
        let name = &workload.meta.name;
        let mut labels = workload.template.labels.clone();
        let mut owner = workload.kind_ref();
        let mut name_prefix = name.clone();
        let mut suffix_owner = name.clone();
        match workload.kind {
            WorkloadKind::Deployment => {
                labels.insert("pod-template-hash".into(), template_hash.clone());
                owner = KindRef::new("ReplicaSet", format!("{name}-{template_hash}"));
                name_prefix = format!("{name}-{template_hash}");
            }
            WorkloadKind::Job | WorkloadKind::CronJob => {
                let job_name = if workload.kind == WorkloadKind::CronJob {
                    // The CronJob controller names Jobs `<cronjob>-<scheduled minutes>`;
                    // a fixed time keeps the output stable.
                    let job_name = format!("{name}-29000000");
                    owner = KindRef::new("Job", job_name.clone());
                    job_name
                } else {
                    name.clone()
                };
                if !workload.manual_selector {
                    let uid = format!(
                        "{:08x}-0000-4000-8000-{:012x}",
                        stable_hash(&[namespace, &job_name]) as u32,
                        stable_hash(&[&job_name]) & 0xffff_ffff_ffff
                    );
                    for key in ["batch.kubernetes.io/job-name", "job-name"] {
                        labels.insert(key.into(), job_name.clone());
                    }
                    for key in ["batch.kubernetes.io/controller-uid", "controller-uid"] {
                        labels.insert(key.into(), uid.clone());
                    }
                }
                name_prefix = job_name.clone();
                suffix_owner = job_name;
            }
            WorkloadKind::ReplicaSet
            | WorkloadKind::ReplicationController
            | WorkloadKind::StatefulSet
            | WorkloadKind::DaemonSet => {}
        }
        PodNaming {
            labels,
            owner,
            name_prefix,
            suffix_owner,
            kind: workload.kind,
            namespace: namespace.clone(),
            workload_name: name.clone(),
            ordinal_start: workload.ordinal_start,
            indexed: workload.indexed,
            service_name: workload.service_name.clone(),
        }
    }

    /// Names one replica as the workload's controller would:
    /// `<statefulset>-<ordinal>`, `<job>-<index>-<suffix>` for an indexed Job,
    /// otherwise the prefix and five characters seeded by the replica's index
    /// or node.
    pub fn replica(&self, slot: ReplicaSlot<'_>, seed: u64) -> PodIdentity {
        let namespace = self.namespace.as_str();
        let suffix_owner = self.suffix_owner.as_str();
        let mut labels = self.labels.clone();
        let mut hostname = None;
        let mut subdomain = None;
        let name = match (self.kind, slot) {
            (WorkloadKind::StatefulSet, ReplicaSlot::Index(index)) => {
                let ordinal = u64::from(self.ordinal_start) + u64::from(index);
                let pod_name = format!("{}-{ordinal}", self.workload_name);
                labels.insert(
                    "statefulset.kubernetes.io/pod-name".into(),
                    pod_name.clone(),
                );
                labels.insert("apps.kubernetes.io/pod-index".into(), ordinal.to_string());
                hostname = Some(pod_name.clone());
                subdomain = self.service_name.clone();
                pod_name
            }
            (WorkloadKind::Job | WorkloadKind::CronJob, ReplicaSlot::Index(index))
                if self.indexed =>
            {
                labels.insert(
                    "batch.kubernetes.io/job-completion-index".into(),
                    index.to_string(),
                );
                let suffix = name_suffix(&[namespace, suffix_owner, &index.to_string()], seed);
                format!("{}-{index}-{suffix}", self.name_prefix)
            }
            (_, ReplicaSlot::Index(index)) => {
                let mut index_text = String::with_capacity(10);
                text::push_int(&mut index_text, i64::from(index));
                let suffix = name_suffix(&[namespace, suffix_owner, &index_text], seed);
                [self.name_prefix.as_str(), "-", &suffix].concat()
            }
            (_, ReplicaSlot::Node(node_name)) => {
                let suffix = name_suffix(&[namespace, suffix_owner, node_name], seed);
                [self.name_prefix.as_str(), "-", &suffix].concat()
            }
        };
        PodIdentity {
            name,
            labels,
            hostname,
            subdomain,
        }
    }

    /// Another name for a replica whose generated name is taken: the same prefix with
    /// a suffix seeded by the attempt, as a controller's retry would get. Only
    /// generated names collide; a StatefulSet's ordinal names are unique by
    /// construction.
    pub fn retry_name(&self, taken_name: &str, attempt: u32, seed: u64) -> String {
        let suffix = name_suffix(&[&self.namespace, taken_name, &attempt.to_string()], seed);
        let prefix = taken_name
            .char_indices()
            .rev()
            .nth(4)
            .map_or(taken_name, |(cut, _)| &taken_name[..cut]);
        format!("{prefix}{suffix}")
    }
}

/// Who places a pod: the scheduler, or the DaemonSet controller (which ignores
/// cordons and NotReady nodes and adds its own tolerations, §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    Scheduled,
    Daemon,
}

/// Whether `node` can run a pod with `spec`: nodeName, nodeSelector, required node
/// affinity and taints.
pub fn node_accepts(node: &ClusterNode, spec: &PodSpec, placement: Placement) -> bool {
    if let Some(node_name) = &spec.node_name {
        return *node_name == node.name;
    }
    let daemon = placement == Placement::Daemon;
    if !daemon && (node.unschedulable || !node.ready) {
        return false;
    }
    if !spec
        .node_selector
        .iter()
        .all(|(k, v)| node.labels.get(k) == Some(v))
    {
        return false;
    }
    if !spec.required_node_affinity.is_empty()
        && !spec
            .required_node_affinity
            .iter()
            .any(|term| term.matches(&node.labels))
    {
        return false;
    }
    node.taints.iter().all(|taint| {
        taint.effect == TaintEffect::PreferNoSchedule
            || spec.tolerations.iter().any(|t| t.tolerates(taint))
            || (daemon && is_daemonset_auto_toleration(taint, spec.host_network))
    })
}

/// Node positions ordered so that neighbours sit in different zones: round robin
/// over zones. Replicas placed in this order spread over zones first.
pub fn zone_interleaved(nodes: &[ClusterNode]) -> Vec<usize> {
    let mut by_zone: BTreeMap<Option<&str>, Vec<usize>> = BTreeMap::new();
    for (index, node) in nodes.iter().enumerate() {
        by_zone.entry(node.zone.as_deref()).or_default().push(index);
    }
    let mut interleaved = Vec::with_capacity(nodes.len());
    let max_len = by_zone.values().map(Vec::len).max().unwrap_or(0);
    for round in 0..max_len {
        for members in by_zone.values() {
            if let Some(&index) = members.get(round) {
                interleaved.push(index);
            }
        }
    }
    interleaved
}

/// The node of replica `index` of a workload among `candidates`: round robin from
/// an offset of the workload's own, so one workload's placement never depends on
/// another's.
pub fn replica_node(
    candidates: &[usize],
    namespace: &str,
    name: &str,
    index: usize,
) -> Option<usize> {
    if candidates.is_empty() {
        return None;
    }
    let offset = (stable_hash(&[namespace, name]) % candidates.len() as u64) as usize;
    Some(candidates[(offset + index) % candidates.len()])
}

/// Builds the cluster: nodes first, then pods given in the manifests, then pods from workloads.
pub fn build_cluster(
    manifests: &Manifests,
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
) -> Cluster {
    pause::finish(build_cluster_pausable(
        manifests,
        config,
        diagnostics,
        &Pause::never(),
    ))
}

/// [`build_cluster`], pausing between pods and workloads when `pause` says so.
pub async fn build_cluster_pausable(
    manifests: &Manifests,
    config: &Config,
    diagnostics: &mut Vec<Diagnostic>,
    pause: &Pause<'_>,
) -> Cluster {
    let nodes = build_nodes(manifests, config);
    let mut builder = PodBuilder::new(&nodes, config);
    let mut pods = Vec::new();

    let mut given_pods: Vec<&Pod> = manifests.pods.iter().map(|pod| &**pod).collect();
    given_pods.sort_compact_by(|a, b| {
        (&a.meta.namespace, &a.meta.name).cmp(&(&b.meta.namespace, &b.meta.name))
    });
    for pod in &given_pods {
        pods.push(Arc::new(builder.given_pod(pod)));
        pause.point().await;
    }

    let owned_by_pods: BTreeSet<(String, KindRef)> = manifests
        .pods
        .iter()
        .filter_map(|pod| {
            pod.meta
                .owner
                .clone()
                .map(|owner| (pod.meta.namespace.clone(), owner))
        })
        .collect_set();
    let mut workloads: Vec<&Workload> = manifests.workloads.iter().map(|w| &**w).collect();
    workloads.sort_compact_by(|a, b| {
        (&a.meta.namespace, a.kind, &a.meta.name).cmp(&(&b.meta.namespace, b.kind, &b.meta.name))
    });
    let present: BTreeSet<(String, KindRef)> = workloads
        .iter()
        .map(|w| (w.meta.namespace.clone(), w.kind_ref()))
        .collect_set();
    // Children present in the input (ReplicaSets of a Deployment, Jobs of a CronJob).
    let parents_with_children: BTreeSet<(String, KindRef)> = workloads
        .iter()
        .filter_map(|w| {
            w.meta
                .owner
                .clone()
                .map(|owner| (w.meta.namespace.clone(), owner))
        })
        .collect_set();

    for workload in workloads {
        pause.point().await;
        let key = (workload.meta.namespace.clone(), workload.kind_ref());
        if check_workload_selector(workload, diagnostics).is_none() {
            continue;
        }
        if owned_by_pods.contains(&key) || parents_with_children.contains(&key) {
            // A live dump: the pods (or the child that owns them) are already present.
            continue;
        }
        if let Some(owner) = &workload.meta.owner {
            if present.contains(&(workload.meta.namespace.clone(), owner.clone())) {
                continue;
            }
        }
        // Budgets keep a few kilobytes of YAML from asking for gigabytes of pods.
        let n_pods = if workload.kind == WorkloadKind::DaemonSet {
            nodes.len()
        } else {
            workload.replicas as usize
        };
        let label_bytes: usize = workload
            .template
            .labels
            .iter()
            .map(|(k, v)| k.len() + v.len() + 64)
            .sum();
        let object = format!(
            "{}/{}/{}",
            workload.kind.as_str(),
            workload.meta.namespace,
            workload.meta.name
        );
        if pods.len() + n_pods > config.max_pods {
            diagnostics.push(
                Diagnostic::error("too-many-pods", format!("Simulating {} would bring the cluster past {} pods, the most kubetopo simulates (--max-pods), so its pods are left out. Lower replica counts, analyse fewer workloads at once, or raise --max-pods.", object, config.max_pods))
                    .object(object)
                    .field("spec.replicas")
                    .at(workload.meta.field_source("spec.replicas")),
            );
            continue;
        }
        if n_pods.saturating_mul(label_bytes) > MAX_POD_LABEL_BYTES {
            diagnostics.push(
                Diagnostic::error("pod-labels-too-large", format!("{} would copy {} KB of template labels into each of {n_pods} pods, past kubetopo's budget of {} MB, so its pods are left out. Shorten the labels or lower the replica count.", object, label_bytes / 1024, MAX_POD_LABEL_BYTES / (1024 * 1024)))
                    .object(object)
                    .field("spec.template.metadata.labels")
                    .at(workload.meta.field_source("spec.template.metadata.labels")),
            );
            continue;
        }
        builder.workload_pods(workload, &mut pods, diagnostics);
    }
    Cluster { nodes, pods }
}

fn build_nodes(manifests: &Manifests, config: &Config) -> Vec<ClusterNode> {
    let mut nodes: Vec<ClusterNode> = if manifests.nodes.is_empty() {
        let simulated_node =
            |index: usize, name: String, zone: Option<String>, internal_ip: Option<IpAddr>| {
                let mut labels = Labels::new();
                labels.insert("kubernetes.io/hostname".into(), name.clone());
                labels.insert("kubernetes.io/os".into(), "linux".into());
                if let Some(zone) = &zone {
                    labels.insert(ZONE_LABEL.into(), zone.clone());
                }
                ClusterNode {
                    internal_ip: internal_ip.unwrap_or_else(|| {
                        config
                            .node_cidr
                            .nth(10 + index as u128)
                            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
                    }),
                    name,
                    labels,
                    zone,
                    ready: true,
                    unschedulable: false,
                    taints: Vec::new(),
                    pod_cidr: None,
                    simulated: true,
                    source: None,
                }
            };
        let mut nodes: Vec<ClusterNode> = (0..config.n_nodes.max(1))
            .map(|index| {
                simulated_node(
                    index,
                    format!("node-{}", index + 1),
                    (!config.zones.is_empty())
                        .then(|| config.zones[index % config.zones.len()].clone()),
                    None,
                )
            })
            .collect();
        // Without Node objects, the nodes that given pods name are unknown, not missing
        // (a dump of pods only): simulate them too, so those pods keep their node (§4).
        let mut named: Vec<(&str, Option<IpAddr>)> = manifests
            .pods
            .iter()
            .filter_map(|pod| {
                pod.spec
                    .node_name
                    .as_deref()
                    .map(|name| (name, pod.status.host_ip))
            })
            .collect();
        named.sort_compact();
        for (name, host_ip) in named {
            if !nodes.iter().any(|node| node.name == name) {
                nodes.push(simulated_node(nodes.len(), name.to_string(), None, host_ip));
            }
        }
        nodes
    } else {
        let mut given: Vec<&Node> = manifests.nodes.iter().collect();
        given.sort_compact_by(|a, b| a.meta.name.cmp(&b.meta.name));
        given
            .iter()
            .enumerate()
            .map(|(index, node)| ClusterNode {
                name: node.meta.name.clone(),
                labels: node.meta.labels.clone(),
                zone: node
                    .meta
                    .labels
                    .get(ZONE_LABEL)
                    .or_else(|| {
                        node.meta
                            .labels
                            .get("failure-domain.beta.kubernetes.io/zone")
                    })
                    .cloned(),
                internal_ip: node.internal_ip.unwrap_or_else(|| {
                    config
                        .node_cidr
                        .nth(10 + index as u128)
                        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
                }),
                ready: node.ready,
                unschedulable: node.unschedulable,
                taints: node.taints.clone(),
                pod_cidr: node
                    .pod_cidr
                    .as_deref()
                    .and_then(|cidr| Cidr::parse(cidr.trim()).ok())
                    // Pod addresses are simulated as IPv4 only, like the rest of the cluster.
                    .filter(Cidr::is_ipv4),
                simulated: false,
                source: Some(node.meta.source.clone()),
            })
            .collect()
    };
    // Carve per-node pod CIDRs: /24 like kube-controller-manager, smaller nodes' share when
    // the cluster CIDR is too small for one /24 per node.
    let bits_needed = (usize::BITS - (nodes.len().max(1) - 1).leading_zeros()) as u8;
    let node_prefix = (config.pod_cidr.prefix() + bits_needed)
        .max(24)
        .max(config.pod_cidr.prefix())
        .min(30);
    for (index, node) in nodes.iter_mut().enumerate() {
        if node.pod_cidr.is_none() {
            let block_size = 1u128 << (32 - node_prefix);
            node.pod_cidr = config
                .pod_cidr
                .nth(index as u128 * block_size)
                .map(|network| Cidr::new(network, node_prefix));
        }
    }
    nodes
}

/// Validates a workload's selector against its template (§1.3, §7). `None` means the
/// API server would reject the workload, so it makes no pods.
fn check_workload_selector(workload: &Workload, diagnostics: &mut Vec<Diagnostic>) -> Option<()> {
    let object = format!(
        "{}/{}/{}",
        workload.kind.as_str(),
        workload.meta.namespace,
        workload.meta.name
    );
    let field = if workload.kind == WorkloadKind::CronJob {
        "spec.jobTemplate.spec.selector"
    } else {
        "spec.selector"
    };
    let source = workload.meta.field_source(field);
    let kind_lower = workload.kind.as_str().to_ascii_lowercase();
    let reject = |diagnostics: &mut Vec<Diagnostic>, code: &'static str, message: String| {
        diagnostics.push(
            Diagnostic::error(code, message)
                .object(object.clone())
                .field(field)
                .at(source.clone()),
        );
        None
    };
    match (&workload.selector, workload.kind) {
        (WorkloadSelector::Absent, WorkloadKind::Job | WorkloadKind::CronJob) => Some(()),
        (WorkloadSelector::Absent, WorkloadKind::ReplicationController) => Some(()),
        (WorkloadSelector::Absent, _) => reject(diagnostics, "workload-selector-missing", format!("{} has no `spec.selector`; apps/v1 requires one that matches the template labels. No pods are simulated.", workload.meta.name)),
        (WorkloadSelector::Map(map), _) => {
            if map.is_empty() || map.iter().all(|(k, v)| workload.template.labels.get(k) == Some(v)) {
                Some(())
            } else {
                reject(diagnostics, "workload-selector-mismatch", format!("`selector` does not match template `labels`: {} would be rejected by the API server. Make the template labels include every selector label. No pods are simulated.", workload.meta.name))
            }
        }
        (WorkloadSelector::Set(LabelSelector::Nothing), _) => None,
        (WorkloadSelector::Set(LabelSelector::Match(selector)), kind) => {
            if selector.is_empty() && !matches!(kind, WorkloadKind::Job | WorkloadKind::CronJob) {
                return reject(diagnostics, "workload-selector-empty", format!("empty selector is invalid for {kind_lower}: {} needs a selector that names its pod labels. No pods are simulated.", workload.meta.name));
            }
            if selector.matches(&workload.template.labels) {
                Some(())
            } else {
                let detail = match selector.first_mismatch(&workload.template.labels) {
                    Some(requirement) => format!(" (the template labels fail `{requirement}`)"),
                    None => String::new(),
                };
                reject(diagnostics, "workload-selector-mismatch", format!("`selector` does not match template `labels`{detail}: the API server would reject {}. Make the template labels satisfy the selector. No pods are simulated.", workload.meta.name))
            }
        }
    }
}

struct PodBuilder<'a> {
    nodes: &'a [ClusterNode],
    config: &'a Config,
    /// Next free host index in each node's pod CIDR (starting at .2: .1 is the bridge).
    next_host: Vec<u64>,
    node_index: NodesByName<'a>,
    /// Nodes ordered so that neighbours sit in different zones: round robin over zones.
    zone_interleaved: Vec<usize>,
    unconstrained_candidates: Option<Vec<usize>>,
}

impl<'a> PodBuilder<'a> {
    fn new(nodes: &'a [ClusterNode], config: &'a Config) -> PodBuilder<'a> {
        PodBuilder {
            nodes,
            config,
            next_host: vec![2; nodes.len()],
            node_index: NodesByName::new(nodes),
            zone_interleaved: zone_interleaved(nodes),
            unconstrained_candidates: None,
        }
    }

    fn allocate_ip(&mut self, node: usize) -> Option<IpAddr> {
        let cidr = self.nodes[node].pod_cidr?;
        let host = self.next_host[node];
        if u128::from(host) + 1 >= cidr.size() {
            return None;
        }
        self.next_host[node] += 1;
        cidr.nth(u128::from(host))
    }

    /// Nodes that can run `spec`, in zone-interleaved order. Most pods carry no
    /// placement constraints; their answer is computed once and shared.
    fn candidates(&mut self, spec: &PodSpec) -> Vec<usize> {
        let unconstrained = spec.node_name.is_none()
            && spec.node_selector.is_empty()
            && spec.required_node_affinity.is_empty()
            && spec.tolerations.is_empty();
        if unconstrained {
            if let Some(cached) = &self.unconstrained_candidates {
                return cached.clone();
            }
        }
        let found: Vec<usize> = self
            .zone_interleaved
            .iter()
            .copied()
            .filter(|&i| node_accepts(&self.nodes[i], spec, Placement::Scheduled))
            .collect();
        if unconstrained {
            self.unconstrained_candidates = Some(found.clone());
        }
        found
    }

    fn given_pod(&mut self, pod: &Pod) -> ClusterPod {
        let has_status = pod.status.phase.is_some() || !pod.status.pod_ips.is_empty();
        let mut node = pod.spec.node_name.clone();
        let mut ips = pod.status.pod_ips.clone();
        if !has_status && node.is_none() {
            let candidates = self.candidates(&pod.spec);
            if !candidates.is_empty() {
                let pick = candidates[(stable_hash(&[&pod.meta.namespace, &pod.meta.name])
                    % candidates.len() as u64) as usize];
                node = Some(self.nodes[pick].name.clone());
            }
        }
        if !has_status {
            if let Some(index) = node.as_deref().and_then(|n| self.node_index.position(n)) {
                if pod.spec.host_network {
                    ips.push(self.nodes[index].internal_ip);
                } else {
                    ips.extend(self.allocate_ip(index));
                }
            }
        }
        let phase = pod.status.phase.unwrap_or(if node.is_some() {
            PodPhase::Running
        } else {
            PodPhase::Pending
        });
        ClusterPod {
            namespace: pod.meta.namespace.clone(),
            name: pod.meta.name.clone(),
            labels: pod.meta.labels.clone(),
            node,
            ips,
            phase,
            ready: pod
                .status
                .ready
                .unwrap_or(!has_status && phase == PodPhase::Running),
            terminating: pod.meta.deletion_timestamp,
            owner: pod.meta.owner.clone(),
            workload: pod.meta.owner.clone(),
            simulated: !has_status,
            hostname: pod.spec.hostname.clone(),
            subdomain: pod.spec.subdomain.clone(),
            spec: Arc::clone(&pod.spec),
            source: pod.meta.source.clone(),
        }
    }

    fn workload_pods(
        &mut self,
        workload: &Workload,
        pods: &mut Vec<Arc<ClusterPod>>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let namespace = &workload.meta.namespace;
        let name = &workload.meta.name;
        let seed = self.config.seed;
        let spec = Arc::clone(&workload.template.spec);
        let workload_ref = workload.kind_ref();
        let naming = PodNaming::new(workload);
        // Each replica's identity, and the node a DaemonSet pins it to.
        let mut identities: Vec<(PodIdentity, Option<usize>)> = Vec::new();
        if workload.kind == WorkloadKind::DaemonSet {
            for index in 0..self.nodes.len() {
                if node_accepts(&self.nodes[index], &spec, Placement::Daemon) {
                    let slot = ReplicaSlot::Node(&self.nodes[index].name);
                    identities.push((naming.replica(slot, seed), Some(index)));
                }
            }
            if identities.is_empty() {
                diagnostics.push(
                    Diagnostic::warning("daemonset-no-eligible-nodes", format!("DaemonSet {name} runs on no node: every node fails its nodeSelector, affinity or taints. Check the tolerations and node labels."))
                        .object(format!("DaemonSet/{namespace}/{name}"))
                        .at(workload.meta.source.clone()),
                );
            }
        } else {
            for index in 0..workload.replicas {
                let slot = ReplicaSlot::Index(index);
                identities.push((naming.replica(slot, seed), None));
            }
        }
        // Five random characters collide now and then (about once in 14 million
        // pairs, so a few times among 10,000 replicas). The API server refuses a
        // generated name that exists and the controller tries again; so do we.
        let mut taken = BTreeSet::new();
        for (identity, _) in &mut identities {
            let mut attempt = 1;
            while !taken.insert(identity.name.clone()) {
                identity.name = naming.retry_name(&identity.name, attempt, seed);
                attempt += 1;
            }
        }
        let candidates = self.candidates(&spec);
        if candidates.is_empty()
            && workload.kind != WorkloadKind::DaemonSet
            && workload.replicas > 0
        {
            diagnostics.push(
                Diagnostic::warning("unschedulable", format!("No node can run the pods of {workload_ref}: every node fails its nodeName, nodeSelector, affinity or taints. Its pods stay Pending without an IP."))
                    .object(format!("{}/{namespace}/{name}", workload.kind.as_str()))
                    .field("spec.template.spec.nodeSelector")
                    .at(workload.meta.source.clone()),
            );
        }
        // Each workload starts at its own offset so that one workload's replicas spread
        // over nodes and zones, independently of every other workload: an edit elsewhere
        // never moves these pods.
        // Pods left without an IP, per node: one diagnostic per workload, not per pod.
        let mut without_ip: BTreeMap<String, usize> = BTreeMap::new();
        for (index, (identity, pinned)) in identities.into_iter().enumerate() {
            let node_index = pinned.or_else(|| replica_node(&candidates, namespace, name, index));
            // hostNetwork pods share their node's address and use no pod CIDR slot.
            let ips: Vec<IpAddr> = if spec.host_network {
                node_index
                    .map(|i| self.nodes[i].internal_ip)
                    .into_iter()
                    .collect()
            } else {
                node_index
                    .and_then(|i| self.allocate_ip(i))
                    .into_iter()
                    .collect()
            };
            if let (Some(node), true) = (node_index, ips.is_empty()) {
                *without_ip.entry(self.nodes[node].name.clone()).or_default() += 1;
            }
            let running = node_index.is_some();
            pods.push(Arc::new(ClusterPod {
                namespace: namespace.clone(),
                name: identity.name,
                labels: identity.labels,
                node: node_index.map(|i| self.nodes[i].name.clone()),
                phase: if running {
                    PodPhase::Running
                } else {
                    PodPhase::Pending
                },
                ready: running && !ips.is_empty(),
                ips,
                terminating: false,
                owner: Some(naming.owner.clone()),
                workload: Some(workload_ref.clone()),
                simulated: true,
                hostname: identity.hostname.or_else(|| spec.hostname.clone()),
                subdomain: identity.subdomain.or_else(|| spec.subdomain.clone()),
                spec: Arc::clone(&spec),
                source: workload.meta.source.clone(),
            }));
        }
        if !without_ip.is_empty() {
            let n_pods: usize = without_ip.values().sum();
            let nodes: Vec<String> = without_ip
                .iter()
                .map(|(node, n)| format!("{node} ({n})"))
                .collect();
            diagnostics.push(
                Diagnostic::warning("pod-cidr-exhausted", format!("The pod CIDRs of these nodes are full, so {n_pods} pods of {workload_ref} get no IP and serve no traffic: {}. Simulate more nodes (--nodes) or a larger --pod-cidr, or give the Node objects larger podCIDRs.", nodes.join(", ")))
                    .object(format!("{}/{namespace}/{name}", workload.kind.as_str()))
                    .field("spec.replicas")
                    .at(workload.meta.field_source("spec.replicas")),
            );
        }
    }
}

/// The tolerations the DaemonSet controller adds to every daemon pod (§7).
fn is_daemonset_auto_toleration(taint: &Taint, host_network: bool) -> bool {
    match taint.key.as_str() {
        "node.kubernetes.io/not-ready" | "node.kubernetes.io/unreachable" => {
            taint.effect == TaintEffect::NoExecute
        }
        "node.kubernetes.io/disk-pressure"
        | "node.kubernetes.io/memory-pressure"
        | "node.kubernetes.io/pid-pressure"
        | "node.kubernetes.io/unschedulable" => taint.effect == TaintEffect::NoSchedule,
        "node.kubernetes.io/network-unavailable" => {
            host_network && taint.effect == TaintEffect::NoSchedule
        }
        _ => false,
    }
}

/// FNV-1a for the pod index's hash maps: keys are short strings and small tuples,
/// which the default SipHash is several times slower on. Not exposed to untrusted
/// collision attacks that matter here: the input is the user's own manifests.
#[derive(Clone, Copy, Debug, Default)]
pub struct FnvBuildHasher;

#[derive(Clone, Copy, Debug)]
pub struct FnvHasher(u64);

impl std::hash::BuildHasher for FnvBuildHasher {
    type Hasher = FnvHasher;
    fn build_hasher(&self) -> FnvHasher {
        FnvHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Pods indexed by namespace and by label pair, so selecting is sub-linear in pods:
/// a Service selector intersects the posting lists of its pairs instead of scanning
/// every pod. Strings are interned so building the index allocates per distinct
/// string, not per label.
#[derive(Clone, Debug, Default)]
pub struct PodIndex {
    by_namespace: BTreeMap<String, Vec<usize>>,
    by_label: std::collections::HashMap<(u32, u32, u32), Vec<usize>, FnvBuildHasher>,
    interned: std::collections::HashMap<String, u32, FnvBuildHasher>,
}

impl PodIndex {
    pub fn build(pods: &[Arc<ClusterPod>]) -> PodIndex {
        pause::finish(PodIndex::build_pausable(pods, &Pause::never()))
    }

    /// [`PodIndex::build`], pausing between pods when `pause` says so: at 100,000
    /// pods the index is a task of about 200 ms on the page (issue #9).
    pub async fn build_pausable(pods: &[Arc<ClusterPod>], pause: &Pause<'_>) -> PodIndex {
        let mut index = PodIndex::default();
        for (position, pod) in pods.iter().enumerate() {
            pause.point().await;
            match index.by_namespace.get_mut(&pod.namespace) {
                Some(list) => list.push(position),
                None => {
                    index
                        .by_namespace
                        .insert(pod.namespace.clone(), vec![position]);
                }
            }
            let namespace = index.intern(&pod.namespace);
            for (key, value) in &pod.labels {
                let pair = (namespace, index.intern(key), index.intern(value));
                index.by_label.entry(pair).or_default().push(position);
            }
        }
        index
    }

    fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.interned.get(text) {
            return id;
        }
        let id = self.interned.len() as u32;
        self.interned.insert(text.to_string(), id);
        id
    }

    /// The namespaces that have pods, in order.
    pub fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.by_namespace.keys().map(String::as_str)
    }

    pub fn in_namespace(&self, namespace: &str) -> &[usize] {
        self.by_namespace
            .get(namespace)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Pods in `namespace` whose labels contain every pair of `selector`, in pod order.
    /// An empty selector yields nothing: callers decide what "empty" means.
    pub fn select_map(&self, namespace: &str, selector: &Labels) -> Vec<usize> {
        self.selected(namespace, selector).collect()
    }

    /// Whether `selector` selects any pod in `namespace`: [`PodIndex::select_map`]
    /// without gathering the pods.
    pub fn selects_any(&self, namespace: &str, selector: &Labels) -> bool {
        self.selected(namespace, selector).next().is_some()
    }

    /// The positions [`PodIndex::select_map`] gathers, in order: the shortest of the
    /// selector's pair lists, filtered by the others.
    fn selected<'a>(
        &'a self,
        namespace: &str,
        selector: &Labels,
    ) -> impl Iterator<Item = usize> + 'a {
        let mut lists: Vec<&'a Vec<usize>> = Vec::with_capacity(selector.len());
        if let Some(&namespace_id) = self.interned.get(namespace) {
            for (key, value) in selector {
                let list = match (
                    self.interned.get(key.as_str()),
                    self.interned.get(value.as_str()),
                ) {
                    (Some(&key_id), Some(&value_id)) => {
                        self.by_label.get(&(namespace_id, key_id, value_id))
                    }
                    _ => None,
                };
                match list {
                    Some(list) => lists.push(list),
                    // A pair no pod has: nothing is selected.
                    None => {
                        lists.clear();
                        break;
                    }
                }
            }
        }
        lists.sort_compact_by_key(|list| list.len());
        let first: &'a [usize] = lists.first().map_or(&[], |list| list.as_slice());
        first.iter().copied().filter(move |position| {
            lists
                .iter()
                .skip(1)
                .all(|list| list.binary_search(position).is_ok())
        })
    }

    /// Follows pods being removed, without a rebuild: `remap[old]` is the new position
    /// of the pod that was at `old`, or `None` when it is gone. What-if edits use this.
    pub fn remap(&mut self, remap: &[Option<usize>]) {
        let update = |list: &mut Vec<usize>| {
            list.retain_mut(|position| match remap.get(*position).copied().flatten() {
                Some(new_position) => {
                    *position = new_position;
                    true
                }
                None => false,
            })
        };
        self.by_namespace.values_mut().for_each(update);
        self.by_label.values_mut().for_each(update);
        self.by_namespace.retain(|_, list| !list.is_empty());
        self.by_label.retain(|_, list| !list.is_empty());
    }

    /// Adds the pod at `position`, which must come after every pod already indexed.
    pub fn push(&mut self, position: usize, pod: &ClusterPod) {
        match self.by_namespace.get_mut(&pod.namespace) {
            Some(list) => list.push(position),
            None => {
                self.by_namespace
                    .insert(pod.namespace.clone(), vec![position]);
            }
        }
        let namespace = self.intern(&pod.namespace);
        for (key, value) in &pod.labels {
            let pair = (namespace, self.intern(key), self.intern(value));
            self.by_label.entry(pair).or_default().push(position);
        }
    }
}
