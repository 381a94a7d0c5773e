//! The engine against the Kubernetes rules of `docs/semantics.md`.
//!
//! Every test is a table row: manifests in, expected facts out, and names the rule
//! (section) it checks. `check` analyzes the YAML and renders the topology as one
//! fact per line: nodes, pods and their labels, Services and their ports, endpoints,
//! DNS records, ingress routes, dependencies and diagnostics. Each expected fact must
//! match a line; `*` is a wildcard and a leading `!` means "no line matches". A first
//! line `# kubetopo analyze --nodes 5 ...` sets the simulated cluster with the CLI's
//! own flags. On failure the whole dump is printed.
//!
//! A few facts are properties rather than lines (hash alphabets, ranges, "nothing
//! moved"); those tests assert on the returned topology after `check`.

use crate::common::{check_facts, diagnostic_fact, ipv4, service};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use kubetopo::cli::parse_args;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::output::{to_json, AnalysisOutput};
use kubetopo::engine::refs::{KindRef, NamespacedName};
use kubetopo::engine::{analyze, Topology};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// The check helper and its fact dump
// ---------------------------------------------------------------------------

/// Analyzes `yaml` (file `t.yaml`) and checks every expected fact against the dump.
fn check(yaml: &str, expected: &[&str]) -> Topology {
    let config = match yaml
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# kubetopo "))
    {
        Some(command_line) => {
            let words: Vec<String> = command_line.split_whitespace().map(String::from).collect();
            parse_args(&words)
                .unwrap_or_else(|error| panic!("bad config line {command_line:?}: {error:?}"))
                .config
        }
        None => Config::default(),
    };
    let topology = analyze(&[SourceFile::new("t.yaml", yaml)], &config);
    let dump = dump(&topology);
    check_facts(&dump, expected);
    topology
}

fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

fn list<T: ToString>(items: &[T]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The topology, one fact per line.
fn dump(topology: &Topology) -> Vec<String> {
    let output = AnalysisOutput::new(topology);
    let mut lines = Vec::new();
    for node in &output.nodes {
        lines.push(format!(
            "node {} zone={} ip={} podCIDR={} ready={} unschedulable={} simulated={}",
            node.name,
            or_dash(node.zone),
            node.internal_ip,
            or_dash(node.pod_cidr.as_ref()),
            node.ready,
            node.unschedulable,
            node.simulated
        ));
    }
    for pod in &output.pods {
        lines.push(format!(
            "pod {}/{} node={} ip={} phase={:?} ready={} terminating={} owner={} workload={} hostname={} subdomain={} dns={} simulated={}",
            pod.namespace,
            pod.name,
            or_dash(pod.node),
            or_dash(pod.ip),
            pod.phase,
            pod.ready,
            pod.terminating,
            or_dash(pod.owner),
            or_dash(pod.workload),
            or_dash(pod.hostname),
            or_dash(pod.subdomain),
            or_dash(pod.dns_name.as_ref()),
            pod.simulated
        ));
        for (key, value) in pod.labels {
            lines.push(format!(
                "label {}/{} {key}={value}",
                pod.namespace, pod.name
            ));
        }
    }
    let mut pods_per_workload: BTreeMap<String, usize> = topology
        .manifests
        .workloads
        .iter()
        .map(|w| {
            (
                format!("{}/{}/{}", w.kind.as_str(), w.meta.namespace, w.meta.name),
                0,
            )
        })
        .collect();
    for pod in &topology.cluster.pods {
        if let Some(workload) = &pod.workload {
            *pods_per_workload
                .entry(format!(
                    "{}/{}/{}",
                    workload.kind, pod.namespace, workload.name
                ))
                .or_default() += 1;
        }
    }
    for (workload, n_pods) in &pods_per_workload {
        lines.push(format!("workload-pods {workload} {n_pods}"));
    }
    lines.push(format!("pods-total {}", topology.cluster.pods.len()));
    for service in &topology.services {
        lines.push(format!(
            "service {}/{} type={} clusterIPs={} headless={} externalName={} lb={} externalIPs={} etp={} itp={} hcnp={} affinity={:?}",
            service.namespace,
            service.name,
            service.service_type.as_str(),
            list(&service.cluster_ips),
            service.headless,
            or_dash(service.external_name.as_ref()),
            list(&service.load_balancer_ips),
            list(&service.external_ips),
            or_dash(service.external_traffic_policy.map(|p| format!("{p:?}"))),
            or_dash(service.internal_traffic_policy.map(|p| format!("{p:?}"))),
            or_dash(service.health_check_node_port),
            service.session_affinity
        ));
        for port in &service.ports {
            lines.push(format!(
                "service-port {}/{} {} {}/{} target={} nodePort={}",
                service.namespace,
                service.name,
                or_dash(port.name.as_ref()),
                port.port,
                port.protocol,
                port.target_port,
                or_dash(port.node_port)
            ));
        }
        for endpoint in &service.endpoints {
            let ports: Vec<String> = endpoint.ports.iter().map(ToString::to_string).collect();
            lines.push(format!(
                "endpoint {}/{} {} addresses={} node={} zone={} hostname={} ready={} serving={} terminating={} ports={} hintZones={} hintNodes={}",
                service.namespace,
                service.name,
                or_dash(endpoint.pod.as_ref()),
                list(&endpoint.addresses),
                or_dash(endpoint.node.as_ref()),
                or_dash(endpoint.zone.as_ref()),
                or_dash(endpoint.hostname.as_ref()),
                endpoint.ready,
                endpoint.serving,
                endpoint.terminating,
                list(&ports),
                list(&endpoint.hint_zones),
                list(&endpoint.hint_nodes)
            ));
        }
        for record in &service.dns {
            lines.push(format!(
                "dns {} {} {}",
                record.name, record.record_type, record.data
            ));
        }
    }
    for ingress in &topology.ingresses {
        lines.push(format!(
            "ingress {}/{} class={} controller={} controllerService={} addresses={}",
            ingress.namespace,
            ingress.name,
            or_dash(ingress.class_name.as_ref()),
            or_dash(ingress.controller.as_ref()),
            or_dash(ingress.controller_service.as_ref()),
            list(&ingress.addresses)
        ));
        for route in &ingress.routes {
            lines.push(format!(
                "route {}/{} host={} path={} pathType={} service={} port={} resolved={} default={}",
                ingress.namespace,
                ingress.name,
                route.host.as_deref().unwrap_or("any"),
                route.path,
                route.path_type,
                route.service,
                route.service_port,
                or_dash(route.resolved_port),
                route.default_backend
            ));
        }
    }
    for dependency in &topology.dependencies {
        lines.push(format!(
            "dep {} -> {}:{} evidence={}",
            dependency.from,
            dependency.to,
            or_dash(dependency.port),
            dependency.evidence
        ));
    }
    lines.extend(topology.diagnostics.iter().map(diagnostic_fact));
    lines
}

/// Offset of `ip` inside 10.96.0.0/12, the default Service CIDR.
fn service_cidr_offset(ip: &IpAddr) -> u32 {
    let offset = u32::from(ipv4(ip)).wrapping_sub(u32::from(Ipv4Addr::new(10, 96, 0, 0)));
    assert!(offset < 1 << 20, "{ip} is outside 10.96.0.0/12");
    offset
}

/// Characters of generated name suffixes (§7 generateName).
const SUFFIX_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";
/// Characters of `SafeEncodeString` (§7 pod-template-hash).
const HASH_ALPHABET: &str = "456789bcdf";

fn is_suffix(text: &str) -> bool {
    text.len() == 5 && text.chars().all(|c| SUFFIX_ALPHABET.contains(c))
}

// ---------------------------------------------------------------------------
// §7 Pods from workloads
// ---------------------------------------------------------------------------

const DEPLOYMENT_WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: frontend}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports: [{name: http, containerPort: 8080}]
";

/// §7 Deployment: pods `<deploy>-<hash>-<5 random>`, the hash SafeEncoded (only
/// `456789bcdf`, at most 10 characters) and carried as `pod-template-hash`, owned by
/// ReplicaSet `<deploy>-<hash>`. A different template gives a different hash.
#[test]
fn s7_deployment_pod_names() {
    let yaml = format!(
        "{DEPLOYMENT_WEB}---\n{}",
        DEPLOYMENT_WEB
            .replace("name: web, namespace", "name: api, namespace")
            .replace("containerPort: 8080", "containerPort: 8081")
    );
    let topology = check(
        &yaml,
        &[
            "workload-pods Deployment/shop/web 3",
            "workload-pods Deployment/shop/api 3",
            "pod shop/web-*-* node=node-* ip=10.244.* phase=Running ready=true terminating=false owner=ReplicaSet/web-* workload=Deployment/web hostname=- subdomain=- dns=10-244-*.shop.pod.cluster.local simulated=true",
            "label shop/web-* app=web",
            "label shop/web-* tier=frontend",
            "label shop/web-* pod-template-hash=*",
        ],
    );
    let mut hashes = BTreeSet::new();
    for deployment in ["web", "api"] {
        let pods: Vec<_> = topology
            .cluster
            .pods
            .iter()
            .filter(|p| p.workload == Some(KindRef::new("Deployment", deployment)))
            .collect();
        let names: BTreeSet<&str> = pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), 3, "pod names must be distinct: {names:?}");
        for pod in pods {
            let rest = pod.name.strip_prefix(&format!("{deployment}-")).unwrap();
            let (hash, suffix) = rest.rsplit_once('-').unwrap();
            assert!(
                !hash.is_empty()
                    && hash.len() <= 10
                    && hash.chars().all(|c| HASH_ALPHABET.contains(c)),
                "hash {hash:?} of {}",
                pod.name
            );
            assert!(is_suffix(suffix), "suffix {suffix:?} of {}", pod.name);
            assert_eq!(
                pod.labels.get("pod-template-hash").map(String::as_str),
                Some(hash)
            );
            assert_eq!(
                pod.owner,
                Some(KindRef::new("ReplicaSet", format!("{deployment}-{hash}")))
            );
            hashes.insert(hash.to_string());
        }
    }
    assert_eq!(
        hashes.len(),
        2,
        "one hash per Deployment, and the templates differ: {hashes:?}"
    );
}

/// §7 StatefulSet: pods `<sts>-<ordinal>` from `spec.ordinals.start`, with hostname
/// = pod name, subdomain = serviceName, and the pod-name and pod-index labels.
#[test]
fn s7_statefulset_pods() {
    check(
        "\
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka}
spec:
  serviceName: kafka-headless
  replicas: 2
  ordinals: {start: 5}
  selector: {matchLabels: {app: kafka}}
  template:
    metadata: {labels: {app: kafka}}
    spec: {containers: [{name: kafka}]}
",
        &[
            "pod default/db-0 node=node-* ip=10.244.* phase=Running ready=true terminating=false owner=StatefulSet/db workload=StatefulSet/db hostname=db-0 subdomain=db *",
            "pod default/db-1 * hostname=db-1 subdomain=db *",
            "pod default/db-2 * hostname=db-2 subdomain=db *",
            "!pod default/db-3 *",
            "label default/db-1 statefulset.kubernetes.io/pod-name=db-1",
            "label default/db-1 apps.kubernetes.io/pod-index=1",
            "label default/db-1 app=db",
            "pod default/kafka-5 * hostname=kafka-5 subdomain=kafka-headless *",
            "pod default/kafka-6 * hostname=kafka-6 subdomain=kafka-headless *",
            "label default/kafka-6 apps.kubernetes.io/pod-index=6",
            "!pod default/kafka-0 *",
            "!pod default/kafka-7 *",
        ],
    );
}

const DAEMONSET_NODES: &str = "\
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {topology.kubernetes.io/zone: z1}}
---
apiVersion: v1
kind: Node
metadata: {name: n2, labels: {topology.kubernetes.io/zone: z1}}
spec:
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
---
apiVersion: v1
kind: Node
metadata: {name: n3, labels: {topology.kubernetes.io/zone: z2, disk: ssd}}
spec:
  taints: [{key: soft, value: x, effect: PreferNoSchedule}]
---
apiVersion: v1
kind: Node
metadata: {name: n4, labels: {topology.kubernetes.io/zone: z2}}
spec:
  unschedulable: true
  taints: [{key: node.kubernetes.io/unschedulable, effect: NoSchedule}]
---
apiVersion: v1
kind: Node
metadata: {name: n5, labels: {topology.kubernetes.io/zone: z3}}
spec:
  taints: [{key: maintenance, value: \"true\", effect: NoExecute}]
";

fn daemonset(name: &str, pod_spec_extra: &str) -> String {
    format!(
        "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}}}\nspec:\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec:\n      containers: [{{name: agent}}]\n{pod_spec_extra}"
    )
}

/// §7 DaemonSet: one pod per node that passes nodeSelector, required node affinity and
/// taints (PreferNoSchedule ignored; NoSchedule/NoExecute need a toleration; the
/// automatic `unschedulable` toleration), named `<ds>-<5 random>`.
#[test]
fn s7_daemonset_one_pod_per_eligible_node() {
    let mut yaml = DAEMONSET_NODES.to_string();
    yaml.push_str(&daemonset("agent", ""));
    yaml.push_str(&daemonset("ssd-agent", "      nodeSelector: {disk: ssd}\n"));
    yaml.push_str(&daemonset(
        "gpu-agent",
        "      tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n",
    ));
    yaml.push_str(&daemonset(
        "wrong-value",
        "      tolerations: [{key: dedicated, operator: Equal, value: cpu}]\n",
    ));
    yaml.push_str(&daemonset(
        "everywhere",
        "      tolerations: [{operator: Exists}]\n",
    ));
    yaml.push_str(&daemonset(
        "zonal",
        "      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [z2, z3]}]\n",
    ));
    yaml.push_str(&daemonset("nowhere", "      nodeSelector: {disk: nvme}\n"));
    let topology = check(
        &yaml,
        &[
            "workload-pods DaemonSet/default/agent 3",
            "pod default/agent-* node=n1 * owner=DaemonSet/agent workload=DaemonSet/agent *",
            "pod default/agent-* node=n3 *",
            "pod default/agent-* node=n4 *",
            "workload-pods DaemonSet/default/ssd-agent 1",
            "pod default/ssd-agent-* node=n3 *",
            "workload-pods DaemonSet/default/gpu-agent 4",
            "pod default/gpu-agent-* node=n2 *",
            "!pod default/gpu-agent-* node=n5 *",
            "workload-pods DaemonSet/default/wrong-value 3",
            "!pod default/wrong-value-* node=n2 *",
            "workload-pods DaemonSet/default/everywhere 5",
            "pod default/everywhere-* node=n5 *",
            "workload-pods DaemonSet/default/zonal 2",
            "pod default/zonal-* node=n3 *",
            "pod default/zonal-* node=n4 *",
            "workload-pods DaemonSet/default/nowhere 0",
            "diag warning daemonset-no-eligible-nodes DaemonSet/default/nowhere *",
        ],
    );
    for pod in &topology.cluster.pods {
        let (base, suffix) = pod.name.rsplit_once('-').unwrap();
        assert_eq!(
            Some(KindRef::new("DaemonSet", base)),
            pod.workload,
            "{}",
            pod.name
        );
        assert!(is_suffix(suffix), "{}", pod.name);
    }
}

/// §7 Job and CronJob: the apiserver adds job-name and controller-uid labels (new and
/// legacy keys) unless `manualSelector`; pods are `<job>-<5>` or `<job>-<index>-<5>`
/// for Indexed Jobs; a CronJob's Job is `<cronjob>-<scheduled minutes>`.
#[test]
fn s7_job_and_cronjob_pods() {
    let topology = check(
        "\
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    metadata: {labels: {app: migrate}}
    spec: {restartPolicy: Never, containers: [{name: m}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: shard}
spec:
  completionMode: Indexed
  completions: 3
  parallelism: 2
  template:
    spec: {restartPolicy: Never, containers: [{name: s}]}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: \"0 3 * * *\"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: nightly}}
        spec: {restartPolicy: OnFailure, containers: [{name: n}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: manual}
spec:
  manualSelector: true
  selector: {matchLabels: {app: manual}}
  template:
    metadata: {labels: {app: manual}}
    spec: {restartPolicy: Never, containers: [{name: m}]}
",
        &[
            "workload-pods Job/default/migrate 1",
            "pod default/migrate-* owner=Job/migrate workload=Job/migrate *",
            "label default/migrate-* batch.kubernetes.io/job-name=migrate",
            "label default/migrate-* job-name=migrate",
            "label default/migrate-* batch.kubernetes.io/controller-uid=*",
            "label default/migrate-* controller-uid=*",
            "label default/migrate-* app=migrate",
            "workload-pods Job/default/shard 2",
            "pod default/shard-0-* owner=Job/shard *",
            "pod default/shard-1-* owner=Job/shard *",
            "label default/shard-1-* batch.kubernetes.io/job-completion-index=1",
            "workload-pods CronJob/default/nightly 1",
            "pod default/nightly-29000000-* owner=Job/nightly-29000000 workload=CronJob/nightly *",
            "label default/nightly-29000000-* batch.kubernetes.io/job-name=nightly-29000000",
            "workload-pods Job/default/manual 1",
            "label default/manual-* app=manual",
            "!label default/manual-* *job-name=*",
            "!label default/manual-* *controller-uid=*",
            "!diag error *",
        ],
    );
    for pod in &topology.cluster.pods {
        assert!(
            is_suffix(pod.name.rsplit_once('-').unwrap().1),
            "{}",
            pod.name
        );
        let uid = pod.labels.get("batch.kubernetes.io/controller-uid");
        assert_eq!(uid, pod.labels.get("controller-uid"), "{}", pod.name);
    }
}

/// §7 ReplicaSet and ReplicationController: pods `<name>-<5 random>`; an RC without a
/// selector defaults it to the template labels (§1.3); a mismatching RC makes no pods.
#[test]
fn s7_replicaset_and_replication_controller() {
    let topology = check(
        "\
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 2
  selector: {app: legacy}
  template:
    metadata: {labels: {app: legacy, extra: x}}
    spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: implicit}
spec:
  replicas: 1
  template:
    metadata: {labels: {app: implicit}}
    spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: broken-rc}
spec:
  replicas: 1
  selector: {app: a}
  template:
    metadata: {labels: {app: b}}
    spec: {containers: [{name: c}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  replicas: 2
  selector: {matchLabels: {app: rs}}
  template:
    metadata: {labels: {app: rs}}
    spec: {containers: [{name: c}]}
",
        &[
            "workload-pods ReplicationController/default/legacy 2",
            "pod default/legacy-* owner=ReplicationController/legacy workload=ReplicationController/legacy *",
            "label default/legacy-* extra=x",
            "workload-pods ReplicationController/default/implicit 1",
            "workload-pods ReplicationController/default/broken-rc 0",
            "diag error workload-selector-mismatch ReplicationController/default/broken-rc spec.selector @t.yaml#3:25:13 *",
            "workload-pods ReplicaSet/default/rs 2",
            "pod default/rs-* owner=ReplicaSet/rs workload=ReplicaSet/rs *",
        ],
    );
    for pod in &topology.cluster.pods {
        let (base, suffix) = pod.name.rsplit_once('-').unwrap();
        assert!(
            ["legacy", "implicit", "rs"].contains(&base) && is_suffix(suffix),
            "{}",
            pod.name
        );
    }
}

/// §1.3/§7: an apps/v1 selector is required, non-empty and must match the template
/// labels; otherwise the API server rejects the workload: an error and no pods.
#[test]
fn s7_workload_selector_must_match_template() {
    check(
        "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: mismatch}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: missing}
spec:
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: empty}
spec:
  selector: {}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c}]}
",
        &[
            "diag error workload-selector-mismatch Deployment/default/mismatch spec.selector @t.yaml#1:7:5 `selector` does not match template `labels`*",
            "workload-pods Deployment/default/mismatch 0",
            "diag error workload-selector-missing Deployment/default/missing spec.selector *",
            "workload-pods Deployment/default/missing 0",
            "diag error workload-selector-empty StatefulSet/default/empty spec.selector *empty selector is invalid for statefulset*",
            "workload-pods StatefulSet/default/empty 0",
            "pods-total 0",
        ],
    );
}

/// §7 scheduling (simulated): replicas spread round robin over nodes interleaved by
/// zone, deterministically; adding another workload does not move these pods.
#[test]
fn s7_scheduling_is_deterministic_and_spreads_over_zones() {
    let deployment = |name: &str, replicas: u32| {
        format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c}}]}}\n")
    };
    let base = deployment("web", 6);
    let topology = check(&base, &["workload-pods Deployment/default/web 6"]);
    let mut per_zone: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_node: BTreeMap<String, usize> = BTreeMap::new();
    for pod in &topology.cluster.pods {
        let node = pod.node.clone().unwrap();
        let zone = topology
            .cluster
            .nodes
            .iter()
            .find(|n| n.name == node)
            .unwrap()
            .zone
            .clone()
            .unwrap();
        *per_node.entry(node).or_default() += 1;
        *per_zone.entry(zone).or_default() += 1;
    }
    assert_eq!(
        per_node.values().copied().collect::<Vec<_>>(),
        vec![2, 2, 2],
        "{per_node:?}"
    );
    assert_eq!(
        per_zone.values().copied().collect::<Vec<_>>(),
        vec![2, 2, 2],
        "{per_zone:?}"
    );

    // The same input gives the same output, byte for byte.
    let again = check(&base, &[]);
    assert_eq!(to_json(&topology), to_json(&again));

    // Another workload, sorted before and after this one, moves none of these pods.
    let placement = |topology: &Topology| -> BTreeMap<String, Option<String>> {
        topology
            .cluster
            .pods
            .iter()
            .filter(|p| p.workload == Some(KindRef::new("Deployment", "web")))
            .map(|p| (p.name.clone(), p.node.clone()))
            .collect()
    };
    let edited = check(
        &format!("{}{base}{}", deployment("aaa", 4), deployment("zzz", 2)),
        &["workload-pods Deployment/default/aaa 4"],
    );
    assert_eq!(placement(&topology), placement(&edited));

    // Four replicas over six nodes in two zones: two per zone.
    let two_zones = check(
        &format!(
            "# kubetopo analyze --nodes 6 --zones east,west\n{}",
            deployment("api", 4)
        ),
        &["node node-6 zone=west *"],
    );
    let zones: Vec<String> = two_zones
        .cluster
        .pods
        .iter()
        .map(|p| {
            two_zones
                .cluster
                .nodes
                .iter()
                .find(|n| Some(&n.name) == p.node.as_ref())
                .unwrap()
                .zone
                .clone()
                .unwrap()
        })
        .collect();
    assert_eq!(
        zones.iter().filter(|z| *z == "east").count(),
        2,
        "{zones:?}"
    );
}

/// §7 with given Node objects: they replace the simulated ones; zone from
/// `topology.kubernetes.io/zone` (or the beta label), InternalIP and podCIDR as given;
/// NotReady and unschedulable nodes get no new pods.
#[test]
fn s7_given_nodes_are_used() {
    check(
        "\
apiVersion: v1
kind: Node
metadata:
  name: worker-a
  labels: {topology.kubernetes.io/zone: eu-1a}
spec: {podCIDR: 10.200.1.0/24}
status:
  addresses: [{type: InternalIP, address: 192.168.1.10}, {type: Hostname, address: worker-a}]
  conditions: [{type: Ready, status: \"True\"}]
---
apiVersion: v1
kind: Node
metadata:
  name: worker-b
  labels: {failure-domain.beta.kubernetes.io/zone: eu-1b}
status:
  addresses: [{type: InternalIP, address: 192.168.1.11}]
---
apiVersion: v1
kind: Node
metadata: {name: worker-c}
status:
  conditions: [{type: Ready, status: \"False\"}]
---
apiVersion: v1
kind: Node
metadata: {name: worker-d}
spec: {unschedulable: true}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 4
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c}]}
",
        &[
            "node worker-a zone=eu-1a ip=192.168.1.10 podCIDR=10.200.1.0/24 ready=true unschedulable=false simulated=false",
            "node worker-b zone=eu-1b ip=192.168.1.11 podCIDR=10.244.1.0/24 ready=true unschedulable=false simulated=false",
            "node worker-c zone=- ip=* ready=false unschedulable=false simulated=false",
            "node worker-d zone=- ip=* ready=true unschedulable=true simulated=false",
            "!node node-1 *",
            "workload-pods Deployment/default/api 4",
            "pod default/api-* node=worker-a ip=10.200.1.* *",
            "pod default/api-* node=worker-b ip=10.244.1.* *",
            "!pod default/api-* node=worker-c *",
            "!pod default/api-* node=worker-d *",
        ],
    );
}

/// §7 simulated cluster knobs: `--nodes`, `--zones` (round robin) and `--pod-cidr`
/// (a /24 per node).
#[test]
fn s7_simulated_nodes_follow_the_config() {
    check(
        "\
# kubetopo analyze --nodes 5 --zones east,west --pod-cidr 10.50.0.0/16
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 5
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c}]}
",
        &[
            "node node-1 zone=east ip=172.18.0.10 podCIDR=10.50.0.0/24 ready=true unschedulable=false simulated=true",
            "node node-2 zone=west ip=172.18.0.11 podCIDR=10.50.1.0/24 *",
            "node node-3 zone=east *",
            "node node-4 zone=west *",
            "node node-5 zone=east ip=172.18.0.14 podCIDR=10.50.4.0/24 *",
            "!node node-6 *",
            "pod default/api-* node=node-5 ip=10.50.4.2 *",
            "!pod * ip=10.244.*",
        ],
    );
}

const GIVEN_PODS: &str = "\
apiVersion: v1
kind: Pod
metadata: {name: ready-pod, labels: {app: api}}
spec:
  nodeName: node-1
  containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]
status:
  phase: Running
  podIP: 10.9.0.5
  conditions: [{type: Ready, status: \"True\"}]
---
apiVersion: v1
kind: Pod
metadata: {name: unready-pod, labels: {app: api}}
spec:
  nodeName: node-2
  containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]
status:
  phase: Running
  podIPs: [{ip: 10.9.0.6}]
  conditions: [{type: Ready, status: \"False\"}]
---
apiVersion: v1
kind: Pod
metadata: {name: leaving-pod, labels: {app: api}, deletionTimestamp: \"2025-01-01T00:00:00Z\"}
spec:
  nodeName: node-3
  containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]
status:
  phase: Running
  podIP: 10.9.0.7
  conditions: [{type: Ready, status: \"True\"}]
---
apiVersion: v1
kind: Pod
metadata: {name: done-pod, labels: {app: api}}
spec: {nodeName: node-1, containers: [{name: api}]}
status: {phase: Succeeded, podIP: 10.9.0.8}
---
apiVersion: v1
kind: Pod
metadata: {name: failed-pod, labels: {app: api}}
spec: {nodeName: node-1, containers: [{name: api}]}
status: {phase: Failed, podIP: 10.9.0.9}
---
apiVersion: v1
kind: Pod
metadata: {name: pending-pod, labels: {app: api}}
spec: {containers: [{name: api}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: planned-pod, labels: {app: api}}
spec:
  containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: api-pnra}
spec:
  selector: {app: api}
  publishNotReadyAddresses: true
  ports: [{name: http, port: 80, targetPort: http}]
";

/// §7 live state and §4 inclusion/conditions: pods that carry status are used as given
/// (podIP(s), nodeName, phase, Ready, deletionTimestamp); terminal and IP-less pods
/// are not endpoints; serving = Ready, terminating = deletionTimestamp, ready =
/// publishNotReadyAddresses || (serving && !terminating). A pod without status is
/// simulated (scheduled, given an IP, Running and Ready).
#[test]
fn s4_s7_pods_with_status_and_endpoint_conditions() {
    check(
        GIVEN_PODS,
        &[
            "pod default/ready-pod node=node-1 ip=10.9.0.5 phase=Running ready=true terminating=false owner=- * simulated=false",
            "pod default/unready-pod node=node-2 ip=10.9.0.6 phase=Running ready=false terminating=false *",
            "pod default/leaving-pod node=node-3 ip=10.9.0.7 phase=Running ready=true terminating=true *",
            "pod default/done-pod * phase=Succeeded *",
            "pod default/pending-pod node=- ip=- phase=Pending ready=false *",
            "pod default/planned-pod node=node-* ip=10.244.* phase=Running ready=true * simulated=true",
            "endpoint default/api default/ready-pod addresses=10.9.0.5 node=node-1 zone=zone-a hostname=- ready=true serving=true terminating=false ports=http:8080/TCP hintZones=- hintNodes=-",
            "endpoint default/api default/unready-pod addresses=10.9.0.6 node=node-2 zone=zone-b * ready=false serving=false terminating=false *",
            "endpoint default/api default/leaving-pod * ready=false serving=true terminating=true *",
            "endpoint default/api default/planned-pod * ready=true serving=true terminating=false *",
            "!endpoint default/api default/done-pod *",
            "!endpoint default/api default/failed-pod *",
            "!endpoint default/api default/pending-pod *",
            "endpoint default/api-pnra default/unready-pod * ready=true serving=false terminating=false *",
            "endpoint default/api-pnra default/leaving-pod * ready=true serving=true terminating=true *",
            "!endpoint default/api-pnra default/done-pod *",
        ],
    );
}

/// §4: a pod whose nodeName names a Node that does not exist is skipped unless
/// publishNotReadyAddresses. Without any Node objects (a dump of pods only) the nodes
/// the pods name are simulated rather than treated as missing.
#[test]
fn s4_pods_on_unknown_nodes() {
    let pod = "\
---
apiVersion: v1
kind: Pod
metadata: {name: ghost, labels: {app: api}}
spec: {nodeName: ip-10-0-0-1, containers: [{name: api}]}
status:
  phase: Running
  podIP: 10.9.0.5
  conditions: [{type: Ready, status: \"True\"}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: api-pnra}
spec:
  selector: {app: api}
  publishNotReadyAddresses: true
  ports: [{port: 80}]
";
    check(
        &format!("apiVersion: v1\nkind: Node\nmetadata: {{name: real-node}}\n{pod}"),
        &[
            "!endpoint default/api default/ghost *",
            "endpoint default/api-pnra default/ghost addresses=10.9.0.5 node=ip-10-0-0-1 zone=- *",
        ],
    );
    check(
        pod,
        &[
            "node ip-10-0-0-1 zone=- * simulated=true",
            "node node-1 *",
            "endpoint default/api default/ghost addresses=10.9.0.5 node=ip-10-0-0-1 zone=- hostname=- ready=true *",
        ],
    );
}

/// §7 live dump: a Deployment whose ReplicaSet and pods are in the input makes no
/// extra pods; the given ones are used.
#[test]
fn s7_live_dump_uses_given_children() {
    check(
        "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-7d4b9c8f6c
  labels: {app: web, pod-template-hash: 7d4b9c8f6c}
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, controller: true}]
spec:
  replicas: 2
  selector: {matchLabels: {app: web, pod-template-hash: 7d4b9c8f6c}}
  template:
    metadata: {labels: {app: web, pod-template-hash: 7d4b9c8f6c}}
    spec: {containers: [{name: web}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c8f6c-abcde
  labels: {app: web, pod-template-hash: 7d4b9c8f6c}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c8f6c, controller: true}]
spec: {nodeName: node-1, containers: [{name: web}]}
status: {phase: Running, podIP: 10.9.1.1, conditions: [{type: Ready, status: \"True\"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d4b9c8f6c-fghij
  labels: {app: web, pod-template-hash: 7d4b9c8f6c}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4b9c8f6c, controller: true}]
spec: {nodeName: node-2, containers: [{name: web}]}
status: {phase: Running, podIP: 10.9.1.2, conditions: [{type: Ready, status: \"True\"}]}
",
        &[
            "pods-total 2",
            "pod default/web-7d4b9c8f6c-abcde node=node-1 ip=10.9.1.1 phase=Running ready=true terminating=false owner=ReplicaSet/web-7d4b9c8f6c * simulated=false",
            "pod default/web-7d4b9c8f6c-fghij node=node-2 ip=10.9.1.2 *",
        ],
    );
}

// ---------------------------------------------------------------------------
// §1.2 Service selectors
// ---------------------------------------------------------------------------

const WEB_PODS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: frontend}}
    spec: {containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
";

/// §1.2: an empty or absent Service selector selects nothing (not everything), so no
/// endpoints are computed from pods; ExternalName ignores its selector; extra pod
/// labels do not matter; every selector pair must match.
#[test]
fn s1_2_empty_or_absent_selector_selects_nothing() {
    check(
        &format!(
            "{WEB_PODS}\
---
apiVersion: v1
kind: Service
metadata: {{name: empty-selector}}
spec: {{selector: {{}}, ports: [{{port: 80}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: no-selector}}
spec: {{ports: [{{port: 80}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: null-selector}}
spec: {{selector: null, ports: [{{port: 80}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: external}}
spec: {{type: ExternalName, externalName: db.example.com, selector: {{app: web}}}}
---
apiVersion: v1
kind: Service
metadata: {{name: subset}}
spec: {{selector: {{app: web}}, ports: [{{port: 80, targetPort: http}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: superset}}
spec: {{selector: {{app: web, tier: backend}}, ports: [{{port: 80}}]}}
"
        ),
        &[
            "!endpoint default/empty-selector *",
            "diag warning service-selectorless-without-endpoints Service/default/empty-selector *",
            "!endpoint default/no-selector *",
            "diag warning service-selectorless-without-endpoints Service/default/no-selector *",
            "!endpoint default/null-selector *",
            "!endpoint default/external *",
            "!diag * Service/default/external *",
            "endpoint default/subset default/web-* ready=true serving=true terminating=false ports=8080/TCP *",
            "!endpoint default/superset *",
            "diag warning service-selects-no-pods Service/default/superset spec.selector @t.yaml#7:* *",
        ],
    );
}

/// §1.2: the lookup is namespaced; a Service only sees pods in its own namespace.
#[test]
fn s1_2_selector_is_namespaced() {
    check(
        "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: backend}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: api}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: frontend}
spec: {selector: {app: api}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: backend}
spec: {selector: {app: api}, ports: [{port: 80}]}
",
        &[
            "!endpoint frontend/api *",
            "endpoint backend/api backend/api-* *",
            "diag warning service-selects-no-pods Service/frontend/api spec.selector * matching pods exist in namespace backend, but a Service only selects pods in its own namespace*",
        ],
    );
}

// ---------------------------------------------------------------------------
// §3 ClusterIP allocation
// ---------------------------------------------------------------------------

fn services_yaml(names: &[&str]) -> String {
    names.iter().map(|name| format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{type: NodePort, ports: [{{name: http, port: 80}}, {{name: https, port: 443}}]}}\n")).collect()
}

/// §3: dynamic ClusterIPs come from the upper band of 10.96.0.0/12 (offset > 256),
/// never the network, broadcast, `.1` (default/kubernetes) or `.10` (kube-dns);
/// explicit clusterIP(s) are honored even in the static band; headless and
/// ExternalName Services get none. A dump's own kubernetes and kube-dns Services keep
/// their conventional addresses without a conflict.
#[test]
fn s3_cluster_ip_allocation() {
    let topology = check(
        "\
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: default}
spec: {clusterIP: 10.96.0.1, ports: [{name: https, port: 443, targetPort: 6443}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system}
spec: {clusterIP: 10.96.0.10, selector: {k8s-app: kube-dns}, ports: [{name: dns, port: 53, protocol: UDP}]}
---
apiVersion: v1
kind: Service
metadata: {name: a}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: other}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: static}
spec: {clusterIP: 10.96.0.50, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: listed}
spec: {clusterIPs: [10.100.0.7], ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec: {clusterIP: None, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: external}
spec: {type: ExternalName, externalName: example.com}
",
        &[
            "service default/kubernetes type=ClusterIP clusterIPs=10.96.0.1 *",
            "service kube-system/kube-dns type=ClusterIP clusterIPs=10.96.0.10 *",
            "service default/static * clusterIPs=10.96.0.50 *",
            "service default/listed * clusterIPs=10.100.0.7 *",
            "service default/headless type=ClusterIP clusterIPs=- headless=true *",
            "service default/external type=ExternalName clusterIPs=- headless=false externalName=example.com *",
            "!diag * cluster-ip-*",
        ],
    );
    let mut seen = BTreeSet::new();
    for key in ["default/a", "other/b"] {
        let ips = &service(&topology, key).cluster_ips;
        assert_eq!(ips.len(), 1, "{key}: {ips:?}");
        let offset = service_cidr_offset(&ips[0]);
        assert!(
            offset > 256 && offset < (1 << 20) - 1,
            "{key}: {} is not in the dynamic band",
            ips[0]
        );
        assert!(seen.insert(ips[0]), "{} allocated twice", ips[0]);
    }
}

/// §3: requests for a taken or out-of-range address are errors on `spec.clusterIP`
/// with the API server's wording; kubetopo still draws the Service with a free address.
#[test]
fn s3_cluster_ip_conflicts_and_range() {
    let topology = check(
        "\
apiVersion: v1
kind: Service
metadata: {name: first}
spec:
  clusterIP: 10.96.5.5
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: second}
spec:
  clusterIP: 10.96.5.5
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: squatter}
spec:
  clusterIP: 10.96.0.1
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: outside}
spec:
  clusterIP: 192.168.0.10
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: network}
spec:
  clusterIP: 10.96.0.0
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: broadcast}
spec:
  clusterIP: 10.111.255.255
  ports: [{port: 80}]
",
        &[
            "service default/first * clusterIPs=10.96.5.5 *",
            "diag error cluster-ip-conflict Service/default/second spec.clusterIP @t.yaml#2:12:14 failed to allocate IP 10.96.5.5: provided IP is already allocated (to default/first)*",
            "diag error cluster-ip-conflict Service/default/squatter spec.clusterIP @t.yaml#3:19:14 *already allocated (to default/kubernetes)*",
            "diag error cluster-ip-out-of-range Service/default/outside spec.clusterIP @t.yaml#4:26:14 the provided IP (192.168.0.10) is not in the valid range. The range of valid IPs is 10.96.0.0/12*",
            "diag error cluster-ip-out-of-range Service/default/network spec.clusterIP *",
            "diag error cluster-ip-out-of-range Service/default/broadcast spec.clusterIP *",
        ],
    );
    let mut seen = BTreeSet::new();
    for service in &topology.services {
        assert_eq!(service.cluster_ips.len(), 1, "{}", service.key());
        service_cidr_offset(&service.cluster_ips[0]);
        assert!(
            seen.insert(service.cluster_ips[0]),
            "{} allocated twice",
            service.cluster_ips[0]
        );
    }
}

/// §3: a /24 Service CIDR has a 16-address static band, so dynamic addresses are
/// .17–.254; a /28 has no band and 14 usable addresses, two of them reserved, and the
/// thirteenth Service finds the range full.
#[test]
fn s3_small_service_cidrs_and_range_full() {
    let names: Vec<String> = (0..13).map(|i| format!("svc-{i:02}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let topology = check(
        &format!(
            "# kubetopo analyze --service-cidr 10.0.0.0/24\n{}",
            services_yaml(&names[..5])
        ),
        &["!diag * cluster-ip-*"],
    );
    for service in &topology.services {
        let last_octet = ipv4(&service.cluster_ips[0]).octets();
        assert!(
            last_octet[..3] == [10, 0, 0] && (17..=254).contains(&last_octet[3]),
            "{}: {}",
            service.key(),
            service.cluster_ips[0]
        );
    }
    let full = check(
        &format!(
            "# kubetopo analyze --service-cidr 10.0.0.0/28\n{}",
            services_yaml(&names)
        ),
        &["diag error cluster-ip-range-full Service/default/svc-12 - * range is full*"],
    );
    let allocated: BTreeSet<IpAddr> = full
        .services
        .iter()
        .flat_map(|s| s.cluster_ips.iter().copied())
        .collect();
    assert_eq!(allocated.len(), 12);
    assert!(
        allocated.iter().all(|ip| {
            let d = ipv4(ip).octets()[3];
            (1..=14).contains(&d) && d != 1 && d != 10
        }),
        "{allocated:?}"
    );
}

/// §3 stability: allocation depends on the Service's identity, not on the others, so
/// adding unrelated Services renumbers none of the existing ClusterIPs or NodePorts.
#[test]
fn s3_adding_a_service_renumbers_nothing() {
    let before = check(&services_yaml(&["alpha", "gamma", "omega"]), &[]);
    let after = check(
        &services_yaml(&[
            "alpha", "beta", "gamma", "delta", "aaa", "omega", "zeta", "mu",
        ]),
        &[],
    );
    for key in ["default/alpha", "default/gamma", "default/omega"] {
        assert_eq!(
            service(&before, key).cluster_ips,
            service(&after, key).cluster_ips,
            "{key}"
        );
        assert_eq!(
            service(&before, key).ports,
            service(&after, key).ports,
            "{key}"
        );
    }
}

// ---------------------------------------------------------------------------
// §3 NodePorts and load balancers
// ---------------------------------------------------------------------------

/// §3: NodePorts for NodePort and LoadBalancer Services only, from the upper band
/// 30086–32767 unless requested; entries sharing a port number share one nodePort
/// (requested on one, reused by the other); allocateLoadBalancerNodePorts=false
/// allocates only requested ones; LoadBalancer + externalTrafficPolicy Local gets a
/// healthCheckNodePort (requested or allocated).
#[test]
fn s3_node_port_allocation() {
    let topology = check(
        "\
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {type: NodePort, ports: [{name: http, port: 80}, {name: https, port: 443}]}
---
apiVersion: v1
kind: Service
metadata: {name: fixed}
spec: {type: NodePort, ports: [{port: 80, nodePort: 30080}]}
---
apiVersion: v1
kind: Service
metadata: {name: dns}
spec:
  type: NodePort
  ports: [{name: dns, port: 53, protocol: UDP}, {name: dns-tcp, port: 53, protocol: TCP}]
---
apiVersion: v1
kind: Service
metadata: {name: dns-fixed}
spec:
  type: NodePort
  ports: [{name: dns, port: 5353, protocol: UDP}, {name: dns-tcp, port: 5353, protocol: TCP, nodePort: 30535}]
---
apiVersion: v1
kind: Service
metadata: {name: lb}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb-local}
spec: {type: LoadBalancer, externalTrafficPolicy: Local, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb-local-fixed}
spec: {type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: 32000, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: lb-no-node-ports}
spec:
  type: LoadBalancer
  allocateLoadBalancerNodePorts: false
  ports: [{name: a, port: 80}, {name: b, port: 81, nodePort: 30081}]
---
apiVersion: v1
kind: Service
metadata: {name: internal}
spec: {ports: [{port: 80}]}
",
        &[
            "service-port default/fixed - 80/TCP target=80 nodePort=30080",
            "service-port default/dns-fixed dns 5353/UDP target=5353 nodePort=30535",
            "service-port default/dns-fixed dns-tcp 5353/TCP target=5353 nodePort=30535",
            "service default/lb type=LoadBalancer * etp=Cluster itp=Cluster hcnp=- *",
            "service default/lb-local type=LoadBalancer * etp=Local itp=Cluster hcnp=3* *",
            "service default/lb-local-fixed * etp=Local * hcnp=32000 *",
            "service-port default/lb-no-node-ports a 80/TCP target=80 nodePort=-",
            "service-port default/lb-no-node-ports b 81/TCP target=81 nodePort=30081",
            "service default/internal type=ClusterIP * etp=- itp=Cluster hcnp=- *",
            "service-port default/internal - 80/TCP target=80 nodePort=-",
            "!diag * node-port-*",
        ],
    );
    let dns = service(&topology, "default/dns");
    assert_eq!(
        dns.ports[0].node_port, dns.ports[1].node_port,
        "53/UDP and 53/TCP share one nodePort"
    );
    let mut owners: BTreeMap<i64, NamespacedName> = BTreeMap::new();
    for service in &topology.services {
        let mut own: BTreeSet<i64> = BTreeSet::new();
        for port in &service.ports {
            let Some(node_port) = port.node_port else {
                continue;
            };
            let requested = [30080, 30535, 30081].contains(&node_port);
            assert!(
                requested || (30086..=32767).contains(&node_port),
                "{}: {node_port} is not in the dynamic band",
                service.key()
            );
            own.insert(node_port);
        }
        own.extend(service.health_check_node_port);
        for node_port in own {
            if let Some(previous) = owners.insert(node_port, service.key()) {
                panic!(
                    "nodePort {node_port} of {} is also {previous}'s",
                    service.key()
                );
            }
        }
    }
    assert!(["default/web", "default/lb", "default/lb-local"]
        .iter()
        .all(|key| service(&topology, key)
            .ports
            .iter()
            .all(|p| p.node_port.is_some())));
}

/// §3: a requested nodePort or healthCheckNodePort that is taken (cluster-wide, across
/// namespaces) or outside 30000–32767 is an error at that field with the API server's
/// wording; kubetopo still draws the Service with a free port.
#[test]
fn s3_node_port_conflicts_and_range() {
    let topology = check(
        "\
apiVersion: v1
kind: Service
metadata: {name: alpha}
spec:
  type: NodePort
  ports: [{port: 80, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: beta}
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 30080
---
apiVersion: v1
kind: Service
metadata: {name: gamma}
spec:
  type: NodePort
  ports:
  - port: 80
    nodePort: 80
---
apiVersion: v1
kind: Service
metadata: {name: delta, namespace: other}
spec:
  type: NodePort
  ports:
  - port: 8080
    nodePort: 30080
---
apiVersion: v1
kind: Service
metadata: {name: epsilon}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  healthCheckNodePort: 30080
  ports: [{port: 80}]
",
        &[
            "service-port default/alpha - 80/TCP target=80 nodePort=30080",
            "diag error node-port-conflict Service/default/beta spec.ports[0].nodePort @t.yaml#2:15:15 spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated (to default/alpha port 80)*",
            "diag error node-port-out-of-range Service/default/gamma spec.ports[0].nodePort @t.yaml#3:24:15 spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767*",
            "diag error node-port-conflict Service/other/delta spec.ports[0].nodePort * (to default/alpha port 80)*",
            "diag error node-port-conflict Service/default/epsilon spec.healthCheckNodePort @t.yaml#5:41:24 *",
            "!service-port default/beta * nodePort=30080",
            "!service-port * nodePort=-",
            "!service * hcnp=30080 *",
        ],
    );
    let node_ports: Vec<i64> = topology
        .services
        .iter()
        .flat_map(|s| {
            s.ports
                .iter()
                .filter_map(|p| p.node_port)
                .chain(s.health_check_node_port)
        })
        .collect();
    let distinct: BTreeSet<i64> = node_ports.iter().copied().collect();
    assert_eq!(node_ports.len(), distinct.len(), "{node_ports:?}");
    assert!(
        distinct.iter().all(|p| (30000..=32767).contains(p)),
        "{distinct:?}"
    );
}

/// §3/§5.1: LoadBalancer addresses come from `status.loadBalancer.ingress`, else the
/// requested `spec.loadBalancerIP`, else the simulated pool (`--lb-pool`), one free
/// address per Service.
#[test]
fn s3_load_balancer_addresses() {
    let yaml = "\
# kubetopo analyze --lb-pool 198.51.100.0/29
apiVersion: v1
kind: Service
metadata: {name: from-status}
spec: {type: LoadBalancer, ports: [{port: 80}]}
status:
  loadBalancer:
    ingress: [{ip: 34.1.2.3}]
---
apiVersion: v1
kind: Service
metadata: {name: requested}
spec: {type: LoadBalancer, loadBalancerIP: 35.0.0.9, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: pooled-1}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: pooled-2}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: pooled-3}
spec: {type: LoadBalancer, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: not-lb}
spec: {type: NodePort, ports: [{port: 80}]}
";
    let topology = check(
        yaml,
        &[
            "service default/from-status type=LoadBalancer * lb=34.1.2.3 *",
            "service default/requested * lb=35.0.0.9 *",
            "service default/pooled-1 * lb=198.51.100.* *",
            "service default/not-lb * lb=- *",
        ],
    );
    let pooled: BTreeSet<Ipv4Addr> = (1..=3)
        .map(|i| ipv4(&service(&topology, &format!("default/pooled-{i}")).load_balancer_ips[0]))
        .collect();
    assert_eq!(pooled.len(), 3, "{pooled:?}");
    assert!(
        pooled.iter().all(|ip| (1..=6).contains(&ip.octets()[3])),
        "network and broadcast are never handed out: {pooled:?}"
    );
}

// ---------------------------------------------------------------------------
// §4 Endpoints
// ---------------------------------------------------------------------------

fn shop_variant(variant: &str, replicas: u32, pod_spec: &str) -> String {
    format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {variant}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: shop, variant: {variant}}}}}\n  template:\n    metadata: {{labels: {{app: shop, variant: {variant}}}}}\n    spec:\n{pod_spec}")
}

/// §4 FindPort: a named targetPort is resolved per pod, the first container port with
/// that name *and* the Service port's protocol, then restartable init containers
/// (sidecars); ordinary init containers do not count. A pod lacking the name is left
/// out of that port only. Diagnostics name the pods: target-port-name-not-found,
/// target-port-protocol-mismatch, and target-port-not-declared for numbers.
#[test]
fn s4_named_target_ports_resolve_per_pod() {
    let mut yaml = String::from("apiVersion: v1\nkind: Service\nmetadata: {name: shop}\nspec:\n  selector: {app: shop}\n  ports:\n  - {name: http, port: 80, targetPort: http}\n  - {name: admin, port: 9000, targetPort: 9000}\n");
    yaml.push_str(&shop_variant(
        "a",
        2,
        "      containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]\n",
    ));
    yaml.push_str(&shop_variant("b", 1, "      containers:\n      - {name: app, ports: [{name: metrics, containerPort: 9100}, {name: http, containerPort: 9090}]}\n      - {name: other, ports: [{name: http, containerPort: 1111}]}\n"));
    yaml.push_str(&shop_variant("c", 1, "      containers: [{name: app, ports: [{name: http, containerPort: 7070, protocol: UDP}]}]\n"));
    yaml.push_str(&shop_variant(
        "d",
        1,
        "      initContainers: [{name: proxy, restartPolicy: Always, ports: [{name: http, containerPort: 15001}]}]\n      containers: [{name: app, ports: [{containerPort: 8080}]}]\n",
    ));
    yaml.push_str(&shop_variant("e", 1, "      initContainers: [{name: setup, ports: [{name: http, containerPort: 5000}]}]\n      containers: [{name: app}]\n"));
    check(
        &yaml,
        &[
            "endpoint default/shop default/a-* ports=http:8080/TCP,admin:9000/TCP *",
            "endpoint default/shop default/b-* ports=http:9090/TCP,admin:9000/TCP *",
            "endpoint default/shop default/c-* ports=admin:9000/TCP *",
            "endpoint default/shop default/d-* ports=http:15001/TCP,admin:9000/TCP *",
            "endpoint default/shop default/e-* ports=admin:9000/TCP *",
            "diag warning target-port-protocol-mismatch Service/default/shop spec.ports[0].targetPort @t.yaml#1:7:* targetPort \"http\" (TCP) is declared with another protocol: Deployment/c pods declare it as UDP.*",
            "diag warning target-port-name-not-found Service/default/shop spec.ports[0].targetPort @t.yaml#1:7:* Named targetPort \"http\" is not declared by some selected pods: Deployment/e pods (1). Those pods are left out of port 80 (1 of 6 pods).*",
            "!diag * target-port-name-not-found * Deployment/c pods*",
            "diag info target-port-not-declared Service/default/shop spec.ports[1].targetPort * targetPort 9000 (TCP) is not declared by any container of Deployment/a pods, Deployment/b pods, Deployment/c pods, Deployment/d pods.*",
        ],
    );
}

/// §4 hostnames and zones: `endpoint.hostname` is the pod's hostname only when its
/// subdomain equals the Service name; the zone is the node's zone label.
#[test]
fn s4_endpoint_hostnames_and_zones() {
    check(
        "\
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {topology.kubernetes.io/zone: eu-west-1a}}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {clusterIP: None, selector: {app: web}, ports: [{name: http, port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, ports: [{name: http, containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: stray, labels: {app: web}}
spec: {hostname: stray, subdomain: elsewhere, nodeName: n1, containers: [{name: web, ports: [{name: http, containerPort: 80}]}]}
",
        &[
            "endpoint default/web default/web-0 * hostname=web-0 *",
            "endpoint default/web default/web-1 * hostname=web-1 *",
            "endpoint default/web default/stray * node=n1 zone=eu-west-1a hostname=- *",
            "endpoint default/web * node=n2 zone=- *",
        ],
    );
}

/// §4 hints: with trafficDistribution PreferClose/PreferSameZone every ready endpoint
/// is hinted for its zone; PreferSameNode adds its node; unset means no hints, and
/// not-ready endpoints are never hinted.
#[test]
fn s4_traffic_distribution_hints() {
    let service = |name: &str, distribution: &str| {
        format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{selector: {{app: web}}, ports: [{{port: 80}}]{distribution}}}\n")
    };
    let unready = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: sick, labels: {app: web}}\nspec: {nodeName: node-1, containers: [{name: web}]}\nstatus: {phase: Running, podIP: 10.9.9.9, conditions: [{type: Ready, status: \"False\"}]}\n";
    let yaml = format!(
        "{WEB_PODS}{unready}{}{}{}{}",
        service("close", ", trafficDistribution: PreferClose"),
        service("same-zone", ", trafficDistribution: PreferSameZone"),
        service("same-node", ", trafficDistribution: PreferSameNode"),
        service("plain", "")
    );
    let topology = check(
        &yaml,
        &[
            "endpoint default/close default/web-* zone=zone-* * ready=true * hintZones=zone-* hintNodes=-",
            "endpoint default/close default/sick * ready=false * hintZones=- hintNodes=-",
            "endpoint default/same-node default/web-* ready=true * hintZones=zone-* hintNodes=node-*",
            "!endpoint default/plain * hintZones=zone-*",
        ],
    );
    for key in ["default/close", "default/same-zone", "default/same-node"] {
        for endpoint in service_endpoints(&topology, key).filter(|e| e.ready) {
            assert_eq!(
                endpoint.hint_zones,
                vec![endpoint.zone.clone().unwrap()],
                "{key}"
            );
            let nodes = if key == "default/same-node" {
                vec![endpoint.node.clone().unwrap()]
            } else {
                Vec::new()
            };
            assert_eq!(endpoint.hint_nodes, nodes, "{key}");
        }
    }
}

fn service_endpoints<'t>(
    topology: &'t Topology,
    key: &str,
) -> impl Iterator<Item = &'t kubetopo::engine::resolve::Endpoint> {
    service(topology, key).endpoints.iter()
}

/// §4/§1.2 selectorless Services: endpoints come from EndpointSlices labelled
/// `kubernetes.io/service-name` in the same namespace (nil ready and serving read as
/// true, nil terminating as false) or from a legacy Endpoints object
/// (notReadyAddresses are not ready); such a Service gets no "without endpoints" warning.
#[test]
fn s4_selectorless_services_use_slices_and_endpoints() {
    check(
        "\
apiVersion: v1
kind: Service
metadata: {name: ext-db}
spec: {ports: [{name: pg, port: 5432}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ext-db-1
  labels: {kubernetes.io/service-name: ext-db}
addressType: IPv4
ports: [{name: pg, port: 5432, protocol: TCP}]
endpoints:
- addresses: [10.0.0.5]
  conditions: {ready: true}
  nodeName: node-2
  zone: z9
- addresses: [10.0.0.6]
  conditions: {ready: false, serving: true, terminating: true}
- addresses: [10.0.0.7]
- addresses: [10.0.0.8]
  conditions: {ready: false}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: ext-db-elsewhere
  namespace: other
  labels: {kubernetes.io/service-name: ext-db}
addressType: IPv4
ports: [{name: pg, port: 5432}]
endpoints: [{addresses: [10.0.0.99]}]
---
apiVersion: v1
kind: Service
metadata: {name: legacy}
spec: {ports: [{port: 3306}]}
---
apiVersion: v1
kind: Endpoints
metadata: {name: legacy}
subsets:
- addresses: [{ip: 10.0.1.1, hostname: m0}]
  notReadyAddresses: [{ip: 10.0.1.2}]
  ports: [{port: 3306}]
---
apiVersion: v1
kind: Service
metadata: {name: lonely}
spec: {ports: [{port: 80}]}
",
        &[
            "endpoint default/ext-db - addresses=10.0.0.5 node=node-2 zone=z9 hostname=- ready=true serving=true terminating=false ports=pg:5432/TCP *",
            "endpoint default/ext-db - addresses=10.0.0.6 * ready=false serving=true terminating=true *",
            "endpoint default/ext-db - addresses=10.0.0.7 node=- * ready=true serving=true terminating=false *",
            "endpoint default/ext-db - addresses=10.0.0.8 * ready=false serving=true terminating=false *",
            "!endpoint default/ext-db - addresses=10.0.0.99 *",
            "endpoint default/legacy - addresses=10.0.1.1 * hostname=m0 ready=true * ports=3306/TCP *",
            "endpoint default/legacy - addresses=10.0.1.2 * ready=false serving=false *",
            "!diag * service-selectorless-without-endpoints Service/default/ext-db *",
            "!diag * service-selectorless-without-endpoints Service/default/legacy *",
            "diag warning service-selectorless-without-endpoints Service/default/lonely spec.selector *",
        ],
    );
}

// ---------------------------------------------------------------------------
// §6 DNS
// ---------------------------------------------------------------------------

/// §6 ClusterIP Service: an A record, a PTR, and SRV only for named ports, targeting
/// the Service name; ExternalName is a CNAME to the (dot-stripped) external name.
#[test]
fn s6_cluster_ip_and_external_name_records() {
    let topology = check(
        "\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  clusterIP: 10.96.12.34
  ports: [{name: http, port: 80}, {name: dns, port: 53, protocol: UDP}, {port: 9000}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {type: ExternalName, externalName: db.example.com.}
",
        &[
            "dns web.shop.svc.cluster.local A 10.96.12.34",
            "dns 34.12.96.10.in-addr.arpa PTR web.shop.svc.cluster.local.",
            "dns _http._tcp.web.shop.svc.cluster.local SRV 0 100 80 web.shop.svc.cluster.local.",
            "dns _dns._udp.web.shop.svc.cluster.local SRV 0 100 53 web.shop.svc.cluster.local.",
            "!dns *9000*",
            "service default/db type=ExternalName clusterIPs=- headless=false externalName=db.example.com *",
            "dns db.default.svc.cluster.local CNAME db.example.com.",
        ],
    );
    assert_eq!(service(&topology, "default/db").dns.len(), 1);
    assert_eq!(service(&topology, "shop/web").dns.len(), 4);
}

/// §6 headless Service: one A record per ready endpoint address at the Service name,
/// one per endpoint hostname (a system-assigned dashed-IP name when the endpoint has
/// none), SRV per (ready endpoint × named port) = N×M targeting that name, PTR to it;
/// no records for not-ready endpoints or unnamed ports.
#[test]
fn s6_headless_service_records() {
    let topology = check(
        "\
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 80}, {name: metrics, port: 9100}, {port: 7000}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, ports: [{name: http, containerPort: 80}, {name: metrics, containerPort: 9100}, {containerPort: 7000}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: plain, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: web}]}
status: {phase: Running, podIP: 10.9.0.1, conditions: [{type: Ready, status: \"True\"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: sick, labels: {app: web}}
spec: {hostname: sick, subdomain: web, nodeName: node-1, containers: [{name: web}]}
status: {phase: Running, podIP: 10.9.0.2, conditions: [{type: Ready, status: \"False\"}]}
",
        &[
            "service default/web type=ClusterIP clusterIPs=- headless=true *",
            "dns web.default.svc.cluster.local A 10.9.0.1",
            "dns web.default.svc.cluster.local A 10.244.*",
            "dns web-0.web.default.svc.cluster.local A 10.244.*",
            "dns web-2.web.default.svc.cluster.local A 10.244.*",
            "dns _http._tcp.web.default.svc.cluster.local SRV 0 100 80 web-1.web.default.svc.cluster.local.",
            "dns _metrics._tcp.web.default.svc.cluster.local SRV 0 100 9100 web-1.web.default.svc.cluster.local.",
            "dns _http._tcp.web.default.svc.cluster.local SRV 0 100 80 10-9-0-1.web.default.svc.cluster.local.",
            "dns 1.0.9.10.in-addr.arpa PTR 10-9-0-1.web.default.svc.cluster.local.",
            "dns *.in-addr.arpa PTR web-0.web.default.svc.cluster.local.",
            "!dns * 10.9.0.2",
            "!dns sick.*",
            "!dns * PTR sick.*",
            "!dns *7000*",
        ],
    );
    let records = &service(&topology, "default/web").dns;
    let count = |record_type: &str, prefix: &str| {
        records
            .iter()
            .filter(|r| r.record_type == record_type && r.name.starts_with(prefix))
            .count()
    };
    // Four ready endpoints (web-0..2 and `plain`), three of them with a hostname and
    // `plain` with the system-assigned dashed-IP one.
    assert_eq!(count("A", "web.default."), 4, "{records:#?}");
    assert_eq!(count("A", "web-"), 3, "{records:#?}");
    assert_eq!(count("A", "10-9-0-1.web.default."), 1, "{records:#?}");
    assert_eq!(count("PTR", ""), 4, "{records:#?}");
    // The numeric targetPorts resolve on every pod, so N×M = 4 endpoints × 2 named ports.
    assert_eq!(count("SRV", ""), 4 * 2, "{records:#?}");
}

/// §6 pod A records `a-b-c-d.<ns>.pod.<zone>` and a configurable cluster domain, used
/// by Service records and by dependency lookup alike.
#[test]
fn s6_pod_names_and_cluster_domain() {
    check(
        "\
# kubetopo analyze --cluster-domain corp.example
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {clusterIP: 10.96.0.77, selector: {app: api}, ports: [{name: http, port: 80}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-0, namespace: shop, labels: {app: api}}
spec: {nodeName: node-1, containers: [{name: api}]}
status: {phase: Running, podIP: 10.9.3.4, conditions: [{type: Ready, status: \"True\"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop}
spec:
  containers:
  - name: c
    env: [{name: API, value: \"http://api.shop.svc.corp.example/v1\"}]
",
        &[
            "pod shop/api-0 * dns=10-9-3-4.shop.pod.corp.example *",
            "dns api.shop.svc.corp.example A 10.96.0.77",
            "dns _http._tcp.api.shop.svc.corp.example SRV 0 100 80 api.shop.svc.corp.example.",
            "!dns *cluster.local*",
            "dep shop/client -> shop/api:- evidence=env API=http://api.shop.svc.corp.example/v1",
        ],
    );
}

// ---------------------------------------------------------------------------
// Ingress
// ---------------------------------------------------------------------------

/// Ingress (networking/v1 and the v1beta1 shapes): each host/path/pathType routes to
/// `service:port`, a port given by number or by the Service port's name; the default
/// backend matches every host; a missing Service or port is a warning at the backend.
#[test]
fn ingress_routes_and_backend_diagnostics() {
    check(
        "\
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}, {name: admin, port: 8081}]}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec: {selector: {app: api}, ports: [{name: grpc, port: 9090}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  defaultBackend:
    service: {name: web, port: {number: 80}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /admin, pathType: Exact, backend: {service: {name: web, port: {name: admin}}}}
      - {path: /api, pathType: ImplementationSpecific, backend: {service: {name: api, port: {name: grpc}}}}
  - http:
      paths:
      - path: /missing
        pathType: Prefix
        backend:
          service:
            name: nope
            port: {number: 80}
      - path: /badport
        pathType: Prefix
        backend:
          service:
            name: web
            port: {number: 8080}
      - path: /badname
        pathType: Prefix
        backend:
          service:
            name: web
            port: {name: metrics}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata: {name: legacy}
spec:
  backend: {serviceName: web, servicePort: 80}
  rules:
  - host: old.example.com
    http:
      paths:
      - path: /
        backend: {serviceName: web, servicePort: http}
",
        &[
            "ingress default/shop class=- controller=- controllerService=- addresses=-",
            "route default/shop host=shop.example.com path=/ pathType=Prefix service=default/web port=80 resolved=80 default=false",
            "route default/shop host=shop.example.com path=/admin pathType=Exact service=default/web port=admin resolved=8081 default=false",
            "route default/shop host=shop.example.com path=/api pathType=ImplementationSpecific service=default/api port=grpc resolved=9090 default=false",
            "route default/shop host=any path=/missing pathType=Prefix service=default/nope port=80 resolved=- default=false",
            "route default/shop host=any path=/badport pathType=Prefix service=default/web port=8080 resolved=- default=false",
            "route default/shop host=any path=/badname pathType=Prefix service=default/web port=metrics resolved=- default=false",
            "route default/shop host=any path=/ pathType=Prefix service=default/web port=80 resolved=80 default=true",
            "diag warning ingress-backend-service-missing Ingress/default/shop spec.rules[1].http.paths[0].backend.service.name @t.yaml#3:29:11 The backend Service \"nope\" does not exist in namespace default*",
            "diag warning ingress-backend-port-missing Ingress/default/shop spec.rules[1].http.paths[1].backend.service.port @t.yaml#3:35:11 Service web has no port 8080; it has 80 (http), 8081 (admin).*",
            "diag warning ingress-backend-port-missing Ingress/default/shop spec.rules[1].http.paths[2].backend.service.port * Service web has no port metrics;*",
            "route default/legacy host=old.example.com path=/ pathType=ImplementationSpecific service=default/web port=http resolved=80 default=false",
            "route default/legacy host=any path=/ pathType=Prefix service=default/web port=80 resolved=80 default=true",
            "!diag * Ingress/default/legacy *",
        ],
    );
}

/// Ingress class → controller: on the unmodified ingress-nginx manifests, an Ingress of
/// class `nginx` (by `ingressClassName` or the legacy annotation) is served by
/// `k8s.io/ingress-nginx` through the LoadBalancer Service
/// ingress-nginx/ingress-nginx-controller, and takes that Service's address. An
/// Ingress without a class, when no class is the default, has no controller.
#[test]
fn ingress_class_resolves_to_the_controller_service() {
    let corpus = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/ingress-nginx-cloud.yaml"
    ));
    let extra = "\
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: annotated
  annotations: {kubernetes.io/ingress.class: nginx}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: unclassed}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
";
    let topology = check(
        &format!("{corpus}{extra}"),
        &[
            "ingress default/shop class=nginx controller=k8s.io/ingress-nginx controllerService=ingress-nginx/ingress-nginx-controller addresses=203.0.113.*",
            "ingress default/annotated class=nginx controller=k8s.io/ingress-nginx controllerService=ingress-nginx/ingress-nginx-controller addresses=203.0.113.*",
            "ingress default/unclassed class=- controller=- controllerService=- addresses=-",
            "route default/shop host=shop.example.com path=/ pathType=Prefix service=default/web port=80 resolved=80 default=false",
        ],
    );
    let controller = service(&topology, "ingress-nginx/ingress-nginx-controller");
    let shop = topology
        .ingresses
        .iter()
        .find(|i| i.name == "shop")
        .unwrap();
    assert_eq!(shop.addresses, controller.load_balancer_ips);
}

/// Ingress class defaulting: with an IngressClass annotated as the default, an Ingress
/// without a class uses it; its controller Service is found by the class's labels.
#[test]
fn ingress_default_class() {
    check(
        "\
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: traefik
  labels: {app.kubernetes.io/name: traefik}
  annotations: {ingressclass.kubernetes.io/is-default-class: \"true\"}
spec: {controller: traefik.io/ingress-controller}
---
apiVersion: v1
kind: Service
metadata: {name: traefik, namespace: traefik}
spec:
  type: LoadBalancer
  selector: {app.kubernetes.io/name: traefik}
  ports: [{name: web, port: 80}]
status:
  loadBalancer: {ingress: [{ip: 34.9.9.9}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: site}
spec:
  defaultBackend: {service: {name: site, port: {number: 80}}}
",
        &["ingress default/site class=traefik controller=traefik.io/ingress-controller controllerService=traefik/traefik addresses=34.9.9.9", "diag warning ingress-backend-service-missing Ingress/default/site *"],
    );
}

// ---------------------------------------------------------------------------
// Dependencies (§6 search path)
// ---------------------------------------------------------------------------

/// Dependencies from env values and args in the three usual forms — `svc:port`,
/// `http://svc.ns.svc.<zone>:port`, `svc.ns:port` — each resolved through the pod's
/// search path (`<ns>.svc.<zone> svc.<zone> <zone>`, ndots 5), so a short name finds
/// the Service in the client's own namespace first. A port the Service lacks, or a
/// name no Service has, is not an edge.
#[test]
fn dependencies_resolve_through_the_search_path() {
    let service = |namespace: &str, name: &str, port: u16| {
        format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{selector: {{app: {name}}}, ports: [{{port: {port}}}]}}\n")
    };
    let mut yaml = String::new();
    for (namespace, name, port) in [
        ("default", "productcatalogservice", 3550),
        ("ns", "cart", 7070),
        ("shop", "cache", 6379),
        ("default", "shop", 80),
        ("default", "db", 5432),
        ("other", "db", 5432),
    ] {
        yaml.push_str(&service(namespace, name, port));
    }
    yaml.push_str(
        "\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client}
spec:
  replicas: 2
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers:
      - name: client
        args: [\"--catalog=productcatalogservice:3550\"]
        env:
        - {name: PRODUCT_CATALOG_SERVICE_ADDR, value: \"productcatalogservice:3550\"}
        - {name: CART_URL, value: \"http://cart.ns.svc.cluster.local:7070/api\"}
        - {name: CACHE_ADDR, value: \"cache.shop:6379\"}
        - {name: DB, value: \"db:5432\"}
        - {name: OTHER_DB, value: \"db.other:5432\"}
        - {name: WRONG_PORT, value: \"productcatalogservice:9999\"}
        - {name: UNKNOWN, value: \"ghost:80\"}
        - {name: GREETING, value: \"hello world\"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker, namespace: other}
spec:
  replicas: 1
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
      - name: worker
        env: [{name: DB, value: \"db:5432\"}]
",
    );
    let topology = check(
        &yaml,
        &[
            "dep default/client -> default/productcatalogservice:3550 evidence=args[0]=--catalog=productcatalogservice:3550",
            "dep default/client -> ns/cart:7070 evidence=env CART_URL=http://cart.ns.svc.cluster.local:7070/api",
            "dep default/client -> shop/cache:6379 evidence=env CACHE_ADDR=cache.shop:6379",
            "dep default/client -> default/db:5432 evidence=env DB=db:5432",
            "dep default/client -> other/db:5432 evidence=env OTHER_DB=db.other:5432",
            "dep other/worker -> other/db:5432 evidence=env DB=db:5432",
            "!dep * -> default/shop:*",
            "!dep *:9999 *",
        ],
    );
    assert_eq!(
        topology.dependencies.len(),
        6,
        "{:#?}",
        topology.dependencies
    );
}

/// §6.1: a pod declares the calls its manifests do not name with the annotation
/// `kubetopo.dev/calls`, in its workload's pod template or a bare Pod's metadata;
/// on the workload's own metadata it is not read. Entries are resolved as env
/// values are, through the search path and with the same port rule, and a bare
/// name counts, where in an env value it does not. An entry that reaches no
/// Service, or no port of it, gives no dependency and a warning
/// (`declared-call-unresolved`), which an env value that names nothing does not.
#[test]
fn s6_1_declared_calls_are_dependencies() {
    let mut yaml = String::new();
    for (namespace, name, port) in [
        ("default", "cache", 6379),
        ("default", "search", 9200),
        ("data", "db", 5432),
    ] {
        yaml.push_str(&format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {{selector: {{app: {name}}}, ports: [{{port: {port}}}]}}\n"));
    }
    yaml.push_str(
        "\
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {kubetopo.dev/calls: \"cache:6379, search db.data:5432 cache:9999 ghost\"}
    spec:
      containers:
      - name: web
        env: [{name: PEER, value: search}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  annotations: {kubetopo.dev/calls: \"http://search:9200/\"}
spec:
  replicas: 1
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers: [{name: worker, image: busybox}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: both
  annotations: {kubetopo.dev/calls: \"search:9200\"}
spec:
  replicas: 1
  selector: {matchLabels: {app: both}}
  template:
    metadata:
      labels: {app: both}
      annotations: {kubetopo.dev/calls: cache}
    spec:
      containers: [{name: both, image: busybox}]
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  annotations: {kubetopo.dev/calls: db.data}
spec:
  containers: [{name: debug, image: busybox}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: plain}
spec:
  replicas: 1
  selector: {matchLabels: {app: plain}}
  template:
    metadata: {labels: {app: plain}}
    spec:
      containers: [{name: plain, env: [{name: PEER, value: search}]}]
",
    );
    let topology = check(
        &yaml,
        &[
            "dep default/web -> default/cache:6379 evidence=annotation kubetopo.dev/calls=cache:6379, search db.data:5432 cache:9999 ghost",
            "dep default/web -> default/search:- evidence=annotation kubetopo.dev/calls=*",
            "dep default/web -> data/db:5432 evidence=annotation kubetopo.dev/calls=*",
            "dep default/both -> default/cache:- evidence=annotation kubetopo.dev/calls=cache",
            "dep default/debug -> data/db:- evidence=annotation kubetopo.dev/calls=db.data",
            "!dep default/worker *",
            "!dep default/both -> default/search:*",
            "!dep default/plain *",
            "!dep default/web -> default/cache:9999 *",
            // A declared entry that reaches no Service, or no port of it, is a
            // mistake the user can fix: one warning each, for the workload.
            "diag warning declared-call-unresolved Deployment/default/web - @t.yaml#4:* cache:9999, in the annotation kubetopo.dev/calls, reaches no Service port from namespace default, *",
            "diag warning declared-call-unresolved Deployment/default/web - @t.yaml#4:* ghost, in the annotation *",
            "!diag * declared-call-unresolved Deployment/default/web * search*",
            "!diag * declared-call-unresolved Deployment/default/plain *",
        ],
    );
    assert_eq!(
        topology.dependencies.len(),
        5,
        "{:#?}",
        topology.dependencies
    );
}

/// §6: `<hostname>.<svc>.<ns>` names a member of a headless Service only when that
/// Service has such an endpoint; otherwise the resolver moves on down the search path.
#[test]
fn dependencies_to_headless_members() {
    check(
        "\
apiVersion: v1
kind: Service
metadata: {name: kafka}
spec: {clusterIP: None, selector: {app: kafka}, ports: [{name: broker, port: 9092}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka}
spec:
  serviceName: kafka
  replicas: 2
  selector: {matchLabels: {app: kafka}}
  template:
    metadata: {labels: {app: kafka}}
    spec: {containers: [{name: kafka, ports: [{name: broker, containerPort: 9092}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: producer}
spec:
  containers:
  - name: p
    env:
    - {name: BOOTSTRAP, value: \"kafka-0.kafka:9092,kafka-1.kafka.default.svc.cluster.local:9092\"}
---
apiVersion: v1
kind: Pod
metadata: {name: confused}
spec:
  containers:
  - name: c
    env: [{name: NOT_A_MEMBER, value: \"kafka-7.kafka:9092\"}]
",
        &[
            "dep default/producer -> default/kafka:9092 evidence=env BOOTSTRAP=*",
            "!dep default/confused *",
        ],
    );
}

// ---------------------------------------------------------------------------
// Explanatory diagnostics
// ---------------------------------------------------------------------------

/// service-selects-no-pods (§1.2) explains itself: the nearest pods, grouped by
/// workload, and the label that differs or is missing.
#[test]
fn explain_service_selects_no_pods_names_the_nearest_pods() {
    check(
        &format!(
            "{WEB_PODS}\
---
apiVersion: v1
kind: Service
metadata: {{name: web-backend}}
spec:
  selector: {{app: web, tier: backend}}
  ports: [{{port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web-api}}
spec:
  selector: {{app: web, role: api}}
  ports: [{{port: 80}}]
---
apiVersion: v1
kind: Service
metadata: {{name: unrelated}}
spec:
  selector: {{component: cache}}
  ports: [{{port: 80}}]
"
        ),
        &[
            "diag warning service-selects-no-pods Service/default/web-backend spec.selector @t.yaml#2:15:* The selector app=web,tier=backend matches no pod in namespace default, so the Service has no endpoints and connections are refused. The nearest pods, of Deployment/web, have tier=frontend (the selector wants backend).*",
            "diag warning service-selects-no-pods Service/default/web-api spec.selector * The nearest pods, of Deployment/web, have no role label (the selector wants role=api).*",
            "diag warning service-selects-no-pods Service/default/unrelated spec.selector * no pod there has any of these label keys*",
        ],
    );
}

/// service-single-endpoint: one usable endpoint is a single point of failure; two are
/// not, and headless Services are exempt.
#[test]
fn explain_single_endpoint() {
    let deployment = |name: &str, replicas: u32| {
        format!("---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n    spec: {{containers: [{{name: c}}]}}\n")
    };
    let service = |name: &str, app: &str, cluster_ip: &str| {
        format!("---\napiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{{cluster_ip}selector: {{app: {app}}}, ports: [{{port: 80}}]}}\n")
    };
    let yaml = [
        deployment("one", 1),
        deployment("two", 2),
        service("one", "one", ""),
        service("two", "two", ""),
        service("headless", "one", "clusterIP: None, "),
    ]
    .concat();
    check(
        &yaml,
        &[
            "diag info service-single-endpoint Service/default/one - * one has a single endpoint (default/one-*), so one pod restart interrupts it.*",
            "!diag * service-single-endpoint Service/default/two *",
            "!diag * service-single-endpoint Service/default/headless *",
            "endpoint default/headless default/one-* ready=true *",
        ],
    );
}

/// external-traffic-local-drops (§5.2 ETP=Local): externally arriving traffic is dropped
/// on nodes without a ready local endpoint; the diagnostic names those nodes and the
/// healthCheckNodePort that steers the load balancer away.
#[test]
fn explain_external_traffic_local_names_the_dropping_nodes() {
    let yaml = "\
apiVersion: v1
kind: Pod
metadata: {name: edge, labels: {app: edge}}
spec: {nodeName: node-2, containers: [{name: edge}]}
---
apiVersion: v1
kind: Service
metadata: {name: edge}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  healthCheckNodePort: 31999
  selector: {app: edge}
  ports: [{port: 443}]
---
apiVersion: v1
kind: Service
metadata: {name: edge-cluster}
spec:
  type: LoadBalancer
  selector: {app: edge}
  ports: [{port: 443}]
";
    check(
        yaml,
        &[
            "endpoint default/edge default/edge * node=node-2 *",
            "diag info external-traffic-local-drops Service/default/edge spec.externalTrafficPolicy @t.yaml#2:11:26 externalTrafficPolicy is Local, so external traffic arriving at a node without a ready local endpoint is dropped: node-1, node-3. The load balancer's health check on nodePort 31999 fails there*",
            "!diag * external-traffic-local-drops Service/default/edge-cluster *",
        ],
    );
    check(
        &format!(
            "# kubetopo analyze --nodes 1\n{}",
            yaml.replace("node-2", "node-1")
        ),
        &["!diag * external-traffic-local-drops *"],
    );
}

/// probe-port-*: a probe naming a port the container does not declare fails (warning);
/// a numeric probe port the container does not list is worth a look (info); a
/// container that declares no ports at all is not second-guessed.
#[test]
fn explain_probe_ports() {
    check(
        "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        ports: [{name: http, containerPort: 8080}]
        livenessProbe:
          httpGet: {path: /healthz, port: healthz}
        readinessProbe:
          tcpSocket:
            port: 9999
        startupProbe:
          httpGet: {path: /, port: http}
      - name: quiet
        livenessProbe:
          tcpSocket: {port: 7000}
",
        &[
            "diag warning probe-port-name-not-found Deployment/default/api spec.template.spec.containers[0].livenessProbe.httpGet.port @t.yaml#1:14:43 The livenessProbe of container api uses port name \"healthz\"*",
            "diag info probe-port-not-declared Deployment/default/api spec.template.spec.containers[0].readinessProbe.tcpSocket.port @t.yaml#1:17:19 The readinessProbe of container api targets port 9999*",
            "!diag * probe-port-* * spec.template.spec.containers[0].startupProbe*",
            "!diag * probe-port-* * spec.template.spec.containers[1]*",
        ],
    );
}

/// network-policy-selects-no-pods (§1.3): a policy whose podSelector matches no pod in
/// its namespace has no effect; an empty podSelector selects every pod there.
#[test]
fn explain_network_policy_selects_no_pods() {
    check(
        &format!(
            "{WEB_PODS}\
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: typo}}
spec:
  podSelector:
    matchLabels: {{app: wbe}}
  ingress: [{{from: [{{podSelector: {{}}}}]}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web-only}}
spec:
  podSelector: {{matchLabels: {{app: web}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: deny-all}}
spec: {{podSelector: {{}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: deny-all, namespace: empty}}
spec: {{podSelector: {{}}}}
"
        ),
        &[
            "diag warning network-policy-selects-no-pods NetworkPolicy/default/typo spec.podSelector @t.yaml#2:16:5 NetworkPolicy typo selects no pod in namespace default (podSelector app=wbe)*",
            "!diag * network-policy-selects-no-pods NetworkPolicy/default/web-only *",
            "!diag * network-policy-selects-no-pods NetworkPolicy/default/deny-all *",
            "diag warning network-policy-selects-no-pods NetworkPolicy/empty/deny-all * (podSelector {})*",
        ],
    );
}

// ---------------------------------------------------------------------------
// §3 allocator property: uniqueness and range, whatever the requests
// ---------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct ServiceCase {
    namespace: &'static str,
    service_type: &'static str,
    cluster_ip: Option<String>,
    /// (port, protocol, requested nodePort)
    ports: Vec<(u16, &'static str, Option<i64>)>,
    local: bool,
}

fn service_case() -> impl Strategy<Value = ServiceCase> {
    let cluster_ip = prop_oneof![
        6 => Just(None),
        2 => (0u8..20).prop_map(|d| Some(format!("10.96.0.{d}"))),
        1 => (0u8..4).prop_map(|d| Some(format!("10.110.7.{d}"))),
        1 => Just(Some("192.168.1.1".to_string())),
    ];
    let node_port = prop_oneof![6 => Just(None), 3 => (30000i64..30006).prop_map(Some), 1 => Just(Some(40000)), 1 => Just(Some(32767))];
    let port = (
        prop::sample::select(vec![53u16, 80, 443, 8080]),
        prop::sample::select(vec!["TCP", "UDP"]),
        node_port,
    );
    (
        prop::sample::select(vec!["default", "other"]),
        prop::sample::select(vec!["ClusterIP", "NodePort", "LoadBalancer"]),
        cluster_ip,
        prop::collection::vec(port, 1..4),
        any::<bool>(),
    )
        .prop_map(|(namespace, service_type, cluster_ip, ports, local)| {
            // A Service may not repeat a (port, protocol) pair (§2).
            let mut seen = BTreeSet::new();
            let ports = ports
                .into_iter()
                .filter(|(port, protocol, _)| seen.insert((*port, *protocol)))
                .collect();
            ServiceCase {
                namespace,
                service_type,
                cluster_ip,
                ports,
                local,
            }
        })
}

fn cases_yaml(cases: &[ServiceCase]) -> String {
    let mut yaml = String::new();
    for (index, case) in cases.iter().enumerate() {
        let ports: Vec<String> = case
            .ports
            .iter()
            .map(|(port, protocol, node_port)| {
                let node_port = match (case.service_type, node_port) {
                    ("ClusterIP", _) | (_, None) => String::new(),
                    (_, Some(n)) => format!(", nodePort: {n}"),
                };
                format!(
                    "{{name: p{port}-{}, port: {port}, protocol: {protocol}{node_port}}}",
                    protocol.to_lowercase()
                )
            })
            .collect();
        let cluster_ip = case
            .cluster_ip
            .as_ref()
            .map(|ip| format!("  clusterIP: {ip}\n"))
            .unwrap_or_default();
        let local = if case.local && case.service_type == "LoadBalancer" {
            "  externalTrafficPolicy: Local\n"
        } else {
            ""
        };
        yaml.push_str(&format!(
            "---\napiVersion: v1\nkind: Service\nmetadata: {{name: svc-{index}, namespace: {}}}\nspec:\n  type: {}\n{cluster_ip}{local}  ports: [{}]\n",
            case.namespace,
            case.service_type,
            ports.join(", ")
        ));
    }
    yaml
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// §3: whatever is requested, allocated ClusterIPs are distinct, inside
    /// 10.96.0.0/12 and never the reserved .0/.1/.10/broadcast; NodePorts (and
    /// healthCheckNodePorts) are in 30000–32767 and never shared between Services, and
    /// inside one Service only by entries with the same port number; every port of a
    /// NodePort/LoadBalancer Service gets one.
    #[test]
    fn s3_allocations_are_unique_and_in_range(cases in prop::collection::vec(service_case(), 1..25)) {
        let topology = analyze(&[SourceFile::new("p.yaml", cases_yaml(&cases))], &Config::default());
        let mut cluster_ips = BTreeSet::new();
        let mut node_ports: BTreeMap<i64, (NamespacedName, Option<i64>)> = BTreeMap::new();
        for service in &topology.services {
            prop_assert_eq!(service.cluster_ips.len(), 1, "{}", service.key());
            let offset = service_cidr_offset(&service.cluster_ips[0]);
            prop_assert!(![0, 1, 10, (1 << 20) - 1].contains(&offset), "{} got reserved {}", service.key(), service.cluster_ips[0]);
            prop_assert!(cluster_ips.insert(service.cluster_ips[0]), "{} allocated twice", service.cluster_ips[0]);
            let entries = service.ports.iter().map(|p| (p.node_port, Some(p.port))).chain(std::iter::once((service.health_check_node_port, None)));
            for (node_port, port) in entries {
                let Some(node_port) = node_port else { continue };
                prop_assert!((30000..=32767).contains(&node_port), "{}: {node_port}", service.key());
                if let Some((owner, owner_port)) = node_ports.insert(node_port, (service.key(), port)) {
                    prop_assert!(owner == service.key() && owner_port == port && port.is_some(), "nodePort {node_port}: {owner}:{owner_port:?} and {}:{port:?}", service.key());
                }
            }
            let needs_node_ports = service.service_type != kubetopo::engine::model::ServiceType::ClusterIP;
            prop_assert!(service.ports.iter().all(|p| p.node_port.is_some() == needs_node_ports), "{}: {:?}", service.key(), service.ports);
        }
    }
}

/// §7.2 ComputeHash hashes the pod template only: the same Deployment read from
/// another file, or further down a file, or written in another style (block or
/// flow, quoted or not, keys in another order, comments), has the same
/// pod-template-hash and pod names. Any change to the template, a new image too,
/// is a new ReplicaSet.
#[test]
fn s7_pod_template_hash_depends_on_the_template_only() {
    let deployment = DEPLOYMENT_WEB.replace("        ports: [{name: http, containerPort: 8080}]\n", "        ports: [{name: http, containerPort: 8080}]\n        readinessProbe: {httpGet: {path: /ready, port: http}}\n");
    let here = check(&deployment, &["workload-pods Deployment/shop/web 3"]);
    let moved = check(
        &format!("# moved down\n\n{deployment}"),
        &["workload-pods Deployment/shop/web 3"],
    );
    let elsewhere = analyze(
        &[SourceFile::new(
            "some/other/dir/web.yaml",
            deployment.as_str(),
        )],
        &Config::default(),
    );
    let restyled = check(
        &deployment
            .replace(
                "metadata: {labels: {app: web, tier: frontend}}",
                "metadata:\n      labels:\n        tier: \"frontend\"  # the tier\n        app: web",
            )
            .replace("image: nginx:1.27", "image: 'nginx:1.27'"),
        &[],
    );
    let names = |topology: &Topology| {
        topology
            .cluster
            .pods
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&here), names(&moved));
    assert_eq!(names(&here), names(&elsewhere));
    assert_eq!(names(&here), names(&restyled));
    let edited = check(
        &deployment.replace("containerPort: 8080", "containerPort: 8081"),
        &[],
    );
    assert_ne!(
        names(&here),
        names(&edited),
        "a template change is a new ReplicaSet"
    );
    let new_image = check(&deployment.replace("nginx:1.27", "nginx:1.28"), &[]);
    assert_ne!(
        names(&here),
        names(&new_image),
        "a new image is a new ReplicaSet too"
    );
    // The Deployment's own fields are not the template's.
    let scaled = check(&deployment.replace("replicas: 3", "replicas: 4"), &[]);
    assert_eq!(names(&here), names(&scaled)[..3]);
}

/// §2/§3: a single-stack IPv6 Service keeps only its IPv6 address; kubetopo's
/// Service CIDR is IPv4, so it must not add one from there.
#[test]
fn s3_single_stack_ipv6_service_gets_no_ipv4_address() {
    let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: v6}\nspec:\n  ipFamilies: [IPv6]\n  clusterIP: fd00::10\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: dual}\nspec:\n  ipFamilyPolicy: PreferDualStack\n  ipFamilies: [IPv6, IPv4]\n  clusterIPs: [fd00::11]\n  ports: [{port: 80}]\n";
    let topology = kubetopo::engine::analyze(
        &[kubetopo::engine::ingest::SourceFile::new("v6.yaml", yaml)],
        &kubetopo::engine::config::Config::default(),
    );
    let ips = |name: &str| {
        topology
            .services
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .cluster_ips
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(ips("v6"), ["fd00::10"]);
    let dual = ips("dual");
    assert_eq!(
        dual.len(),
        2,
        "dual stack gets an IPv4 address too: {dual:?}"
    );
    assert!(dual.iter().any(|ip| ip == "fd00::11"));
}

/// §7: generated pod names are unique within a namespace. Five random characters
/// collide a few times among 10,000 replicas; the API server refuses a taken name
/// and the controller tries another suffix, and so does the simulation. (Found while
/// fixing `whatif_timeout_scale_free_ip`: 10,000 replicas gave 9,865 names.)
#[test]
fn generated_pod_names_are_unique_at_10000_replicas() {
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 10000\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n";
    let topology = analyze(&[SourceFile::new("web.yaml", yaml)], &Config::default());
    assert_eq!(topology.cluster.pods.len(), 10_000);
    let names: BTreeSet<&str> = topology
        .cluster
        .pods
        .iter()
        .map(|pod| pod.name.as_str())
        .collect();
    assert_eq!(names.len(), 10_000);
    let hash = topology.cluster.pods[0].labels["pod-template-hash"].clone();
    for name in names {
        let suffix = name
            .strip_prefix(&format!("web-{hash}-"))
            .unwrap_or_else(|| panic!("{name} keeps the ReplicaSet prefix"));
        assert_eq!(suffix.len(), 5, "{name}");
    }
}
