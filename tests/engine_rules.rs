//! The engine against the Kubernetes rules of `shared/docs/k8s-service-semantics.md`.
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

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use kubetopo::cli::parse_args;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::output::{to_json, AnalysisOutput};
use kubetopo::engine::resolve::ResolvedService;
use kubetopo::engine::{analyze, Topology};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// The check helper and its fact dump
// ---------------------------------------------------------------------------

/// Analyzes `yaml` (file `t.yaml`) and checks every expected fact against the dump.
fn check(yaml: &str, expected: &[&str]) -> Topology {
    let config = match yaml.lines().next().and_then(|line| line.strip_prefix("# kubetopo ")) {
        Some(command_line) => {
            let words: Vec<String> = command_line.split_whitespace().map(String::from).collect();
            parse_args(&words).unwrap_or_else(|error| panic!("bad config line {command_line:?}: {error:?}")).config
        }
        None => Config::default(),
    };
    let topology = analyze(&[SourceFile::new("t.yaml", yaml)], &config);
    let dump = dump(&topology);
    let mut failures = Vec::new();
    for fact in expected {
        let (negated, pattern) = match fact.strip_prefix('!') {
            Some(pattern) => (true, pattern),
            None => (false, *fact),
        };
        let found = dump.iter().any(|line| glob(pattern, line));
        if found == negated {
            failures.push(if negated { format!("unexpected: {pattern}") } else { format!("missing:    {pattern}") });
        }
    }
    assert!(failures.is_empty(), "\n{}\n\nfacts:\n{}\n", failures.join("\n"), dump.join("\n"));
    topology
}

/// `*` matches any run of characters; everything else is literal.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

fn list<T: ToString>(items: &[T]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        items.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
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
            lines.push(format!("label {}/{} {key}={value}", pod.namespace, pod.name));
        }
    }
    let mut pods_per_workload: BTreeMap<String, usize> = topology.manifests.workloads.iter().map(|w| (format!("{}/{}/{}", w.kind.as_str(), w.meta.namespace, w.meta.name), 0)).collect();
    for pod in &topology.cluster.pods {
        if let Some((kind, name)) = pod.workload.as_deref().and_then(|w| w.split_once('/')) {
            *pods_per_workload.entry(format!("{kind}/{}/{name}", pod.namespace)).or_default() += 1;
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
            let ports: Vec<String> = endpoint.ports.iter().map(|p| format!("{}{}/{}", p.name.as_deref().map(|n| format!("{n}:")).unwrap_or_default(), p.port, p.protocol)).collect();
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
            lines.push(format!("dns {} {} {}", record.name, record.record_type, record.data));
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
        lines.push(format!("dep {} -> {}:{} evidence={}", dependency.from, dependency.to, or_dash(dependency.port), dependency.evidence));
    }
    for d in &topology.diagnostics {
        lines.push(format!(
            "diag {} {} {} {} @{}#{}:{}:{} {}",
            d.severity.as_str(),
            d.code,
            if d.object.is_empty() { "-" } else { &d.object },
            if d.field.is_empty() { "-" } else { &d.field },
            d.source.file,
            d.source.document,
            d.source.line,
            d.source.column,
            d.message
        ));
    }
    lines
}

fn service<'t>(topology: &'t Topology, key: &str) -> &'t ResolvedService {
    topology.services.iter().find(|s| s.key() == key).unwrap_or_else(|| panic!("no Service {key}"))
}

fn ipv4(ip: &IpAddr) -> Ipv4Addr {
    match ip {
        IpAddr::V4(v4) => *v4,
        IpAddr::V6(_) => panic!("expected IPv4, got {ip}"),
    }
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
    let yaml = format!("{DEPLOYMENT_WEB}---\n{}", DEPLOYMENT_WEB.replace("name: web, namespace", "name: api, namespace").replace("nginx:1.27", "nginx:1.28"));
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
        let pods: Vec<_> = topology.cluster.pods.iter().filter(|p| p.workload.as_deref() == Some(&format!("Deployment/{deployment}"))).collect();
        let names: BTreeSet<&str> = pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), 3, "pod names must be distinct: {names:?}");
        for pod in pods {
            let rest = pod.name.strip_prefix(&format!("{deployment}-")).unwrap();
            let (hash, suffix) = rest.rsplit_once('-').unwrap();
            assert!(!hash.is_empty() && hash.len() <= 10 && hash.chars().all(|c| HASH_ALPHABET.contains(c)), "hash {hash:?} of {}", pod.name);
            assert!(is_suffix(suffix), "suffix {suffix:?} of {}", pod.name);
            assert_eq!(pod.labels.get("pod-template-hash").map(String::as_str), Some(hash));
            assert_eq!(pod.owner.as_deref(), Some(format!("ReplicaSet/{deployment}-{hash}").as_str()));
            hashes.insert((deployment, hash.to_string()));
        }
    }
    assert_eq!(hashes.len(), 2, "one hash per Deployment, and they differ: {hashes:?}");
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
    yaml.push_str(&daemonset("gpu-agent", "      tolerations: [{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}]\n"));
    yaml.push_str(&daemonset("wrong-value", "      tolerations: [{key: dedicated, operator: Equal, value: cpu}]\n"));
    yaml.push_str(&daemonset("everywhere", "      tolerations: [{operator: Exists}]\n"));
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
        assert_eq!(Some(format!("DaemonSet/{base}")), pod.workload, "{}", pod.name);
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
        assert!(is_suffix(pod.name.rsplit_once('-').unwrap().1), "{}", pod.name);
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
        assert!(["legacy", "implicit", "rs"].contains(&base) && is_suffix(suffix), "{}", pod.name);
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
        let zone = topology.cluster.nodes.iter().find(|n| n.name == node).unwrap().zone.clone().unwrap();
        *per_node.entry(node).or_default() += 1;
        *per_zone.entry(zone).or_default() += 1;
    }
    assert_eq!(per_node.values().copied().collect::<Vec<_>>(), vec![2, 2, 2], "{per_node:?}");
    assert_eq!(per_zone.values().copied().collect::<Vec<_>>(), vec![2, 2, 2], "{per_zone:?}");

    // The same input gives the same output, byte for byte.
    let again = check(&base, &[]);
    assert_eq!(to_json(&topology), to_json(&again));

    // Another workload, sorted before and after this one, moves none of these pods.
    let placement = |topology: &Topology| -> BTreeMap<String, Option<String>> {
        topology.cluster.pods.iter().filter(|p| p.workload.as_deref() == Some("Deployment/web")).map(|p| (p.name.clone(), p.node.clone())).collect()
    };
    let edited = check(&format!("{}{base}{}", deployment("aaa", 4), deployment("zzz", 2)), &["workload-pods Deployment/default/aaa 4"]);
    assert_eq!(placement(&topology), placement(&edited));

    // Four replicas over six nodes in two zones: two per zone.
    let two_zones = check(&format!("# kubetopo analyze --nodes 6 --zones east,west\n{}", deployment("api", 4)), &["node node-6 zone=west *"]);
    let zones: Vec<String> = two_zones.cluster.pods.iter().map(|p| two_zones.cluster.nodes.iter().find(|n| Some(&n.name) == p.node.as_ref()).unwrap().zone.clone().unwrap()).collect();
    assert_eq!(zones.iter().filter(|z| *z == "east").count(), 2, "{zones:?}");
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
        &["!endpoint default/api default/ghost *", "endpoint default/api-pnra default/ghost addresses=10.9.0.5 node=ip-10-0-0-1 zone=- *"],
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
