//! What-if mutations: each one's incremental re-resolve must equal a full re-resolve
//! of the edited model, scaling must name and place pods as the cluster simulation
//! does, and traffic must follow at once.

use crate::common::samples as corpus;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::{ServiceType, SessionAffinity, TrafficDistribution, TrafficPolicy};
use kubetopo::engine::refs::{KindRef, NamespacedName};
use kubetopo::engine::trace::{self, Destination, TraceRequest, TraceSource, Verdict};
use kubetopo::engine::whatif::{self, apply, Mutation, Resolution};
use kubetopo::engine::{analyze, Topology};

fn boutique() -> Topology {
    corpus(&["online-boutique.yaml", "online-boutique-netpol.yaml"])
}

fn pod_named(topology: &Topology, workload: &str) -> (String, String) {
    let pod = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.workload.as_ref().map(ToString::to_string).as_deref() == Some(workload))
        .unwrap_or_else(|| panic!("no pod of {workload}"));
    (pod.namespace.clone(), pod.name.clone())
}

/// Applies `mutation` and checks the result equals a full re-resolve of the same model.
fn check_equivalent(topology: &mut Topology, mutation: &Mutation) -> whatif::WhatIfReport {
    let report = apply(topology, mutation).unwrap_or_else(|e| panic!("{mutation:?}: {e}"));
    let mut full = topology.clone();
    whatif::resolve_fully(&mut full);
    assert_eq!(
        topology.services, full.services,
        "services after {mutation:?}"
    );
    assert_eq!(
        topology.ingresses, full.ingresses,
        "ingresses after {mutation:?}"
    );
    assert_eq!(
        topology.dependencies, full.dependencies,
        "dependencies after {mutation:?}"
    );
    assert_eq!(
        topology.diagnostics, full.diagnostics,
        "diagnostics after {mutation:?}"
    );
    // The patched pod index answers as a rebuilt one does.
    let rebuilt = kubetopo::engine::cluster::PodIndex::build(&topology.cluster.pods);
    for pod in &topology.cluster.pods {
        assert_eq!(
            topology.pod_index.in_namespace(&pod.namespace),
            rebuilt.in_namespace(&pod.namespace)
        );
        assert_eq!(
            topology.pod_index.select_map(&pod.namespace, &pod.labels),
            rebuilt.select_map(&pod.namespace, &pod.labels),
            "pod index after {mutation:?}"
        );
    }
    for service in &topology.services {
        if let Some(selector) = &service.selector {
            let selected = topology.pod_index.select_map(&service.namespace, selector);
            assert_eq!(selected, rebuilt.select_map(&service.namespace, selector));
            // Asked of every namespace, as `explain` asks (§1.2): the same answer.
            for namespace in topology.pod_index.namespaces() {
                assert_eq!(
                    topology.pod_index.selects_any(namespace, selector),
                    !topology
                        .pod_index
                        .select_map(namespace, selector)
                        .is_empty()
                );
            }
        }
        for endpoint in &service.endpoints {
            if let (Some(position), Some(key)) = (endpoint.pod_index, &endpoint.pod) {
                assert_eq!(
                    &topology.cluster.pods[position].key(),
                    key,
                    "stale pod_index in {}",
                    service.key()
                );
            }
        }
    }
    report
}

#[test]
fn kill_pod_is_incremental_and_equivalent() {
    let mut topology = boutique();
    // cartservice has one replica: scale it first, so killing one keeps the workload present.
    check_equivalent(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "cartservice".into(),
            replicas: 3,
        },
    );
    let (namespace, name) = pod_named(&topology, "Deployment/cartservice");
    let report = check_equivalent(
        &mut topology,
        &Mutation::KillPod {
            namespace,
            name: name.clone(),
        },
    );
    assert_eq!(
        report.resolution,
        Resolution::Incremental {
            services: vec![NamespacedName::new("default", "cartservice")]
        }
    );
    assert!(!topology.cluster.pods.iter().any(|p| p.name == name));
    // §7.1: the ReplicaSet replaces the killed pod at once, under a new name.
    assert_eq!(report.replaced_pods.len(), 1);
    let (gone, created) = &report.replaced_pods[0];
    assert_eq!(gone.name, name);
    assert_ne!(created.name, name);
    assert!(created.name.starts_with("cartservice-"), "{created}");
    let endpoints = &topology
        .services
        .iter()
        .find(|s| s.name == "cartservice")
        .unwrap()
        .endpoints;
    assert_eq!(endpoints.len(), 3);
    assert!(endpoints.iter().all(|e| e.ready));
}

#[test]
fn scaling_a_workload_to_zero_re_resolves_fully_and_blames_the_edit() {
    let mut topology = boutique();
    let report = check_equivalent(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "redis-cart".into(),
            replicas: 0,
        },
    );
    assert_eq!(report.resolution, Resolution::Full);
    assert!(topology
        .services
        .iter()
        .find(|s| s.name == "redis-cart")
        .unwrap()
        .endpoints
        .is_empty());
}

#[test]
fn delete_pod_gets_a_replacement_that_is_not_ready_yet() {
    let mut topology = boutique();
    let (namespace, name) = pod_named(&topology, "Deployment/frontend");
    let report = check_equivalent(
        &mut topology,
        &Mutation::DeletePod {
            namespace: namespace.clone(),
            name: name.clone(),
        },
    );
    assert_eq!(
        report.removed_pods,
        vec![NamespacedName::new(&namespace, &name)]
    );
    assert_eq!(report.created_pods.len(), 1);
    let replacement = &report.created_pods[0].name;
    assert!(replacement.starts_with("frontend-") && *replacement != name);
    let frontend = topology
        .services
        .iter()
        .find(|s| s.name == "frontend")
        .unwrap();
    assert_eq!(frontend.endpoints.len(), 1);
    assert!(!frontend.endpoints[0].ready);
    check_equivalent(
        &mut topology,
        &Mutation::MarkPodReady {
            namespace,
            name: replacement.to_string(),
        },
    );
    assert!(
        topology
            .services
            .iter()
            .find(|s| s.name == "frontend")
            .unwrap()
            .endpoints[0]
            .ready
    );
}

#[test]
fn every_mutation_kind_equals_a_full_re_resolve() {
    let mut topology = boutique();
    let (namespace, frontend) = pod_named(&topology, "Deployment/frontend");
    let (_, currency) = pod_named(&topology, "Deployment/currencyservice");
    let cartservice_policy = topology
        .manifests
        .network_policies
        .iter()
        .find(|p| p.meta.name == "cartservice")
        .unwrap()
        .clone();
    let mutations = vec![
        Mutation::MarkPodNotReady {
            namespace: namespace.clone(),
            name: frontend.clone(),
        },
        Mutation::MarkPodReady {
            namespace: namespace.clone(),
            name: frontend.clone(),
        },
        Mutation::MarkPodTerminating {
            namespace: namespace.clone(),
            name: currency.clone(),
        },
        Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "Deployment/adservice".into(),
            replicas: 4,
        },
        Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "adservice".into(),
            replicas: 2,
        },
        Mutation::CordonNode {
            name: "node-2".into(),
        },
        Mutation::DrainNode {
            name: "node-2".into(),
        },
        Mutation::UncordonNode {
            name: "node-2".into(),
        },
        Mutation::FailNode {
            name: "node-1".into(),
        },
        Mutation::RecoverNode {
            name: "node-1".into(),
        },
        Mutation::SetServiceType {
            namespace: "default".into(),
            name: "frontend-external".into(),
            service_type: ServiceType::NodePort,
        },
        Mutation::SetExternalTrafficPolicy {
            namespace: "default".into(),
            name: "frontend-external".into(),
            policy: TrafficPolicy::Local,
        },
        Mutation::SetServiceType {
            namespace: "default".into(),
            name: "frontend-external".into(),
            service_type: ServiceType::LoadBalancer,
        },
        Mutation::SetInternalTrafficPolicy {
            namespace: "default".into(),
            name: "cartservice".into(),
            policy: TrafficPolicy::Local,
        },
        Mutation::SetSessionAffinity {
            namespace: "default".into(),
            name: "cartservice".into(),
            affinity: SessionAffinity::ClientIP,
        },
        Mutation::SetTrafficDistribution {
            namespace: "default".into(),
            name: "cartservice".into(),
            distribution: Some(TrafficDistribution::PreferSameZone),
        },
        Mutation::RemoveNetworkPolicy {
            namespace: "default".into(),
            name: "cartservice".into(),
        },
        Mutation::AddNetworkPolicy(Box::new(cartservice_policy)),
        Mutation::DeletePod {
            namespace: namespace.clone(),
            name: frontend,
        },
    ];
    for mutation in &mutations {
        check_equivalent(&mut topology, mutation);
    }
}

#[test]
fn drain_moves_pods_off_the_node() {
    let mut topology = boutique();
    let n_pods = topology.cluster.pods.len();
    let on_node_2 = topology
        .cluster
        .pods
        .iter()
        .filter(|p| p.node.as_deref() == Some("node-2"))
        .count();
    assert!(on_node_2 > 0);
    let report = check_equivalent(
        &mut topology,
        &Mutation::DrainNode {
            name: "node-2".into(),
        },
    );
    assert_eq!(report.removed_pods.len(), on_node_2);
    assert_eq!(topology.cluster.pods.len(), n_pods);
    assert!(topology
        .cluster
        .pods
        .iter()
        .all(|p| p.node.as_deref() != Some("node-2")));
    assert!(
        topology
            .cluster
            .nodes
            .iter()
            .find(|n| n.name == "node-2")
            .unwrap()
            .unschedulable
    );
    // Every Service still has all its (ready) endpoints.
    for service in topology.services.iter().filter(|s| s.selector.is_some()) {
        assert!(
            service.endpoints.iter().all(|e| e.ready),
            "{}",
            service.key()
        );
    }
}

#[test]
fn scaling_names_and_places_pods_as_the_cluster_simulation_does() {
    let mut topology = corpus(&["online-boutique.yaml"]);
    check_equivalent(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "frontend".into(),
            replicas: 4,
        },
    );
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/online-boutique.yaml"
    ))
    .unwrap();
    // The same Deployment written with four replicas from the start.
    let anchor = "name: frontend\n  labels:\n    app: frontend\nspec:\n";
    assert!(
        text.contains(anchor),
        "the corpus layout changed; update this test"
    );
    let scaled_text = text.replacen(anchor, &format!("{anchor}  replicas: 4\n"), 1);
    let fresh = analyze(
        &[SourceFile::new("online-boutique.yaml", scaled_text)],
        &Config::default(),
    );
    let pods = |t: &Topology| -> Vec<(String, Option<String>)> {
        let mut pods: Vec<(String, Option<String>)> = t
            .cluster
            .pods
            .iter()
            .filter(|p| p.workload == Some(KindRef::new("Deployment", "frontend")))
            .map(|p| (p.name.clone(), p.node.clone()))
            .collect();
        pods.sort();
        pods
    };
    assert_eq!(pods(&topology).len(), 4);
    assert_eq!(pods(&topology), pods(&fresh));
    // Scaling back down removes the newest.
    check_equivalent(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "frontend".into(),
            replicas: 1,
        },
    );
    assert_eq!(pods(&topology).len(), 1);
}

#[test]
fn scaling_up_from_zero_matches_the_cluster_simulation() {
    let deployment = |replicas: u32| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: api}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: api}}}}\n  template:\n    metadata: {{labels: {{app: api}}}}\n    spec:\n      containers:\n      - name: api\n        image: api\n        ports: [{{name: http, containerPort: 8080}}]\n        readinessProbe: {{httpGet: {{path: /, port: http}}}}\n"
        )
    };
    let mut topology = analyze(
        &[SourceFile::new("api.yaml", deployment(0))],
        &Config::default(),
    );
    assert!(topology.cluster.pods.is_empty());
    check_equivalent(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "api".into(),
            replicas: 3,
        },
    );
    let fresh = analyze(
        &[SourceFile::new("api.yaml", deployment(3))],
        &Config::default(),
    );
    let pods = |t: &Topology| -> Vec<(String, Option<String>, Vec<std::net::IpAddr>)> {
        t.cluster
            .pods
            .iter()
            .map(|p| (p.name.clone(), p.node.clone(), p.ips.clone()))
            .collect()
    };
    assert_eq!(pods(&topology), pods(&fresh));
}

#[test]
fn scaling_a_stateful_set_keeps_ordinals() {
    let text = r#"
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{containerPort: 5432}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
"#;
    let mut topology = analyze(&[SourceFile::new("db.yaml", text)], &Config::default());
    check_equivalent(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "db".into(),
            replicas: 4,
        },
    );
    let mut names: Vec<String> = topology
        .cluster
        .pods
        .iter()
        .map(|p| p.name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["db-0", "db-1", "db-2", "db-3"]);
    assert!(topology.services[0]
        .dns
        .iter()
        .any(|r| r.name == "db-3.db.default.svc.cluster.local"));
    check_equivalent(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "db".into(),
            replicas: 1,
        },
    );
    let names: Vec<&str> = topology
        .cluster
        .pods
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["db-0"]);
    let (namespace, name) = ("default".to_string(), "db-0".to_string());
    let report = check_equivalent(&mut topology, &Mutation::DeletePod { namespace, name });
    assert_eq!(
        report.created_pods,
        vec![NamespacedName::new("default", "db-0")],
        "a StatefulSet recreates the same identity"
    );
}

#[test]
fn errors_leave_the_topology_unchanged() {
    let mut topology = boutique();
    let before = topology.services.clone();
    let not_found = apply(
        &mut topology,
        &Mutation::KillPod {
            namespace: "default".into(),
            name: "nope".into(),
        },
    )
    .unwrap_err();
    assert!(not_found.is_not_found(), "{not_found}");
    assert!(apply(
        &mut topology,
        &Mutation::FailNode {
            name: "node-9".into()
        }
    )
    .unwrap_err()
    .is_not_found());
    assert!(apply(
        &mut topology,
        &Mutation::RemoveNetworkPolicy {
            namespace: "default".into(),
            name: "nope".into()
        }
    )
    .unwrap_err()
    .is_not_found());
    let invalid = apply(
        &mut topology,
        &Mutation::SetServiceType {
            namespace: "default".into(),
            name: "cartservice".into(),
            service_type: ServiceType::ExternalName,
        },
    )
    .unwrap_err();
    assert!(!invalid.is_not_found());
    assert!(invalid.message().contains("externalName"), "{invalid}");
    let invalid = apply(
        &mut topology,
        &Mutation::SetExternalTrafficPolicy {
            namespace: "default".into(),
            name: "cartservice".into(),
            policy: TrafficPolicy::Local,
        },
    )
    .unwrap_err();
    assert!(
        invalid.message().contains("externalTrafficPolicy"),
        "{invalid}"
    );
    assert_eq!(topology.services, before);
}

#[test]
fn network_policy_from_yaml_adds_and_denies() {
    let mut topology = corpus(&["online-boutique.yaml"]);
    let frontend_pod = pod_named(&topology, "Deployment/frontend");
    let request = TraceRequest {
        source: TraceSource::Pod {
            namespace: frontend_pod.0.clone(),
            name: frontend_pod.1.clone(),
        },
        destination: Destination::Name {
            host: "cartservice".into(),
            port: Some(7070),
        },
        protocol: kubetopo::engine::model::Protocol::Tcp,
        seed: 0,
    };
    assert_eq!(
        trace::trace(&topology, &request).verdict,
        Verdict::Delivered
    );
    let policy = whatif::network_policy_from_yaml(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: lock-cart}\nspec:\n  podSelector: {matchLabels: {app: cartservice}}\n  ingress: []\n",
    )
    .unwrap();
    check_equivalent(&mut topology, &Mutation::AddNetworkPolicy(Box::new(policy)));
    let denied = trace::trace(&topology, &request);
    assert_eq!(denied.verdict, Verdict::Dropped);
    assert!(
        denied.reason.contains("default/lock-cart"),
        "{}",
        denied.reason
    );
    let report = check_equivalent(
        &mut topology,
        &Mutation::RemoveNetworkPolicy {
            namespace: "default".into(),
            name: "lock-cart".into(),
        },
    );
    assert_eq!(report.removed_policy.unwrap().meta.name, "lock-cart");
    assert_eq!(
        trace::trace(&topology, &request).verdict,
        Verdict::Delivered
    );
    assert!(whatif::network_policy_from_yaml("kind: Service").is_err());
}

#[test]
fn fail_node_makes_the_load_balancer_skip_it() {
    let mut topology = corpus(&["ingress-nginx-cloud.yaml"]);
    let controller = topology
        .services
        .iter()
        .find(|s| s.name == "ingress-nginx-controller")
        .unwrap();
    let lb = controller.load_balancer_ips[0];
    let controller_node = controller.endpoints[0].node.clone().unwrap();
    let request = |seed| TraceRequest {
        source: TraceSource::External {
            client_ip: trace::DEFAULT_CLIENT_IP,
        },
        destination: Destination::Address { ip: lb, port: 80 },
        protocol: kubetopo::engine::model::Protocol::Tcp,
        seed,
    };
    assert_eq!(
        trace::trace(&topology, &request(0)).verdict,
        Verdict::Delivered
    );
    check_equivalent(
        &mut topology,
        &Mutation::FailNode {
            name: controller_node.clone(),
        },
    );
    // The only controller pod is on the failed node: not ready, so ETP=Local has no healthy node.
    let result = trace::trace(&topology, &request(0));
    assert_ne!(
        result.verdict,
        Verdict::Delivered,
        "{}",
        trace::render_text(&result)
    );
    check_equivalent(
        &mut topology,
        &Mutation::RecoverNode {
            name: controller_node,
        },
    );
    assert_eq!(
        trace::trace(&topology, &request(0)).verdict,
        Verdict::Delivered
    );
}

mod random_sequences {
    use super::*;
    use proptest::prelude::*;

    fn mutation(topology: &Topology, kind: usize, pick: usize, number: u32) -> Mutation {
        let pods = &topology.cluster.pods;
        let pod = &pods[pick % pods.len().max(1)];
        let (namespace, name) = (pod.namespace.clone(), pod.name.clone());
        let nodes = ["node-1", "node-2", "node-3"];
        let node = nodes[pick % 3].to_string();
        let workloads = ["frontend", "cartservice", "adservice", "redis-cart"];
        let services = ["frontend-external", "cartservice", "frontend"];
        let service = services[pick % 3].to_string();
        match kind {
            0 => Mutation::KillPod { namespace, name },
            1 => Mutation::DeletePod { namespace, name },
            2 => Mutation::MarkPodNotReady { namespace, name },
            3 => Mutation::MarkPodReady { namespace, name },
            4 => Mutation::MarkPodTerminating { namespace, name },
            5 => Mutation::CordonNode { name: node },
            6 => Mutation::DrainNode { name: node },
            7 => Mutation::FailNode { name: node },
            8 => Mutation::RecoverNode { name: node },
            9 => Mutation::ScaleWorkload {
                namespace: "default".into(),
                name: workloads[pick % 4].into(),
                replicas: number % 4,
            },
            10 => Mutation::SetServiceType {
                namespace: "default".into(),
                name: service,
                service_type: [
                    ServiceType::ClusterIP,
                    ServiceType::NodePort,
                    ServiceType::LoadBalancer,
                ][pick % 3],
            },
            11 => Mutation::SetInternalTrafficPolicy {
                namespace: "default".into(),
                name: service,
                policy: TrafficPolicy::Local,
            },
            _ => Mutation::UncordonNode { name: node },
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

        #[test]
        fn stay_equivalent_to_a_full_re_resolve(steps in proptest::collection::vec((0usize..13, 0usize..64, 0u32..8), 1..8)) {
            let mut topology = boutique();
            for (kind, pick, number) in steps {
                let mutation = mutation(&topology, kind, pick, number);
                if apply(&mut topology, &mutation).is_err() {
                    continue;
                }
                let mut full = topology.clone();
                whatif::resolve_fully(&mut full);
                prop_assert_eq!(&topology.services, &full.services, "{:?}", mutation);
                prop_assert_eq!(&topology.diagnostics, &full.diagnostics, "{:?}", mutation);
                prop_assert_eq!(&topology.dependencies, &full.dependencies, "{:?}", mutation);
                // And tracing never panics on the result.
                let pod = &topology.cluster.pods[pick % topology.cluster.pods.len().max(1)];
                let request = TraceRequest { source: TraceSource::Pod { namespace: pod.namespace.clone(), name: pod.name.clone() }, destination: Destination::Name { host: "frontend".into(), port: None }, protocol: kubetopo::engine::model::Protocol::Tcp, seed: 1 };
                let _ = trace::trace(&topology, &request);
            }
        }
    }
}

/// Fuzzing found scaling far past the replica limit stuck in the address search and
/// then out of memory (`fuzz/regressions/whatif-timeout-scale-free-ip`). A what-if
/// scale obeys the same budgets as the manifests (§10.5): past them it is refused and
/// the topology is unchanged.
#[test]
fn whatif_timeout_scale_free_ip_scaling_past_the_budgets_is_refused() {
    let mut topology = corpus(&["guestbook.yaml"]);
    let pods_before = topology.cluster.pods.len();
    let past_the_replica_limit = Mutation::ScaleWorkload {
        namespace: "default".into(),
        name: "frontend".into(),
        replicas: 10_001,
    };
    let error = apply(&mut topology, &past_the_replica_limit).unwrap_err();
    assert!(error.to_string().contains("10000 per workload"), "{error}");
    assert_eq!(topology.cluster.pods.len(), pods_before);

    let small_budget = Config {
        max_pods: pods_before + 2,
        ..Config::default()
    };
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/guestbook.yaml"
    ))
    .unwrap();
    let mut topology = analyze(&[SourceFile::new("guestbook.yaml", text)], &small_budget);
    let past_the_pod_budget = Mutation::ScaleWorkload {
        namespace: "default".into(),
        name: "frontend".into(),
        replicas: 10,
    };
    let error = apply(&mut topology, &past_the_pod_budget).unwrap_err();
    assert!(error.to_string().contains("past the"), "{error}");
    assert_eq!(topology.cluster.pods.len(), pods_before);
}

/// The other half of the same regression: scaling to the limit itself works, gives
/// every replica a distinct name, and hands each node's addresses out once, leaving
/// the replicas that find no free address without one (§7).
#[test]
fn whatif_timeout_scale_free_ip_scaling_to_the_replica_limit_works() {
    let mut topology = corpus(&["guestbook.yaml"]);
    let report = apply(
        &mut topology,
        &Mutation::ScaleWorkload {
            namespace: "default".into(),
            name: "frontend".into(),
            replicas: 10_000,
        },
    )
    .unwrap();
    let frontend = KindRef::new("Deployment", "frontend");
    let pods: Vec<_> = topology
        .cluster
        .pods
        .iter()
        .filter(|p| p.workload.as_ref() == Some(&frontend))
        .collect();
    assert_eq!(pods.len(), 10_000);
    assert_eq!(report.created_pods.len(), 10_000 - 3);
    let names: std::collections::BTreeSet<_> = pods.iter().map(|p| &p.name).collect();
    assert_eq!(names.len(), 10_000, "replica names are distinct");
    let addresses: Vec<_> = topology.cluster.pods.iter().flat_map(|p| &p.ips).collect();
    let distinct: std::collections::BTreeSet<_> = addresses.iter().collect();
    assert_eq!(
        distinct.len(),
        addresses.len(),
        "no address is handed out twice"
    );
    // Three /24 node CIDRs hold 253 pods each: the rest wait without an address.
    assert!(pods.iter().filter(|p| p.ips.is_empty()).count() >= 10_000 - 3 * 253);
}
