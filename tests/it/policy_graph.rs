//! The policy graph (§8.5): which connections between workloads the NetworkPolicies
//! allow and deny, per port, and which policy decided. The acceptance test runs the
//! upstream Online Boutique policies: exactly the call graph is allowed.

use std::collections::BTreeSet;

use kubetopo::engine::model::PolicyDirection;
use kubetopo::engine::netpol::SideDecision;
use kubetopo::engine::policy_graph::{policy_graph, PolicyEnd, PolicyGraph, WorkloadKey};
use kubetopo::engine::refs::{KindRef, NamespacedName};
use kubetopo::engine::{analyze, config::Config, ingest::SourceFile};

use crate::common::{samples, BOUTIQUE_CALL_GRAPH, BOUTIQUE_WORKLOADS};

fn name_of(end: &PolicyEnd) -> String {
    match end {
        PolicyEnd::External => "external".to_string(),
        PolicyEnd::Workload(key) => key.workload.name.clone(),
    }
}

/// Every connection as one line: `from → to:port/PROTO allowed|denied (label)`.
fn dump(graph: &PolicyGraph) -> Vec<String> {
    graph
        .connections
        .iter()
        .map(|c| {
            format!(
                "{} → {}:{}/{} {} ({})",
                name_of(&c.from),
                c.to.workload.name,
                c.port,
                c.protocol,
                if c.allowed { "allowed" } else { "denied" },
                c.label
            )
        })
        .collect()
}

fn deployment(name: &str) -> WorkloadKey {
    WorkloadKey {
        namespace: "default".into(),
        workload: KindRef::new("Deployment", name),
    }
}

/// §8.1, §8.2, §8.5: with the upstream policies, the allowed pairs of workloads are
/// exactly the Online Boutique call graph, plus everything into frontend, whose
/// policy is `ingress: [{}]` (every source, every port).
#[test]
fn online_boutique_policy_graph_allows_exactly_the_call_graph() {
    let topology = samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"]);
    let graph = policy_graph(&topology);
    assert!(!graph.truncated);
    assert_eq!(graph.workloads.len(), 12);
    // deny-all selects every pod, both ways.
    for workload in &graph.workloads {
        assert!(workload.isolated(), "{}", workload.key);
        assert!(
            workload
                .ingress
                .contains(&NamespacedName::new("default", "deny-all")),
            "{}",
            workload.key
        );
        assert!(!workload.egress.is_empty(), "{}", workload.key);
    }

    let allowed: BTreeSet<(String, String)> = graph
        .connections
        .iter()
        .filter(|c| c.allowed)
        .map(|c| (name_of(&c.from), c.to.workload.name.clone()))
        .collect();
    let mut expected: BTreeSet<(String, String)> = BOUTIQUE_CALL_GRAPH
        .into_iter()
        .chain([("external", "frontend")])
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .collect();
    for client in BOUTIQUE_WORKLOADS.iter().filter(|&&w| w != "frontend") {
        expected.insert((client.to_string(), "frontend".to_string()));
    }
    let missing: Vec<_> = expected.difference(&allowed).collect();
    let extra: Vec<_> = allowed.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );

    // Every other pair is listed and denied: every pod is isolated both ways.
    let n_sources = BOUTIQUE_WORKLOADS.len(); // 11 other workloads and the external client
    let n_served: usize = graph.workloads.iter().map(|w| w.ports.len()).sum();
    assert_eq!(graph.connections.len(), n_sources * n_served);

    let facts = dump(&graph);
    crate::common::check_facts(
        &facts,
        &[
            "loadgenerator → frontend:8080/TCP allowed (allowed by default/loadgenerator, default/frontend)",
            "loadgenerator → cartservice:7070/TCP denied (denied by policy default/cartservice, default/deny-all)",
            "frontend → cartservice:7070/TCP allowed (allowed by default/frontend, default/cartservice)",
            "checkoutservice → cartservice:7070/TCP allowed (allowed by default/checkoutservice, default/cartservice)",
            "cartservice → redis-cart:6379/TCP allowed (allowed by default/cartservice, default/redis-cart)",
            "external → frontend:8080/TCP allowed (allowed by default/frontend)",
            "external → cartservice:7070/TCP denied (denied by policy default/cartservice, default/deny-all)",
            "!frontend → frontend*",
        ],
    );

    // The deciding rule, typed.
    let connection = graph
        .connections
        .iter()
        .find(|c| {
            c.from == PolicyEnd::Workload(deployment("loadgenerator"))
                && c.to == deployment("cartservice")
        })
        .expect("loadgenerator → cartservice is listed");
    assert!(!connection.allowed);
    assert_eq!(
        connection.decision.ingress,
        SideDecision::Denied {
            isolating: vec![
                NamespacedName::new("default", "cartservice"),
                NamespacedName::new("default", "deny-all")
            ]
        }
    );
    assert_eq!(
        connection.decision.egress,
        SideDecision::Allowed {
            policy: NamespacedName::new("default", "loadgenerator"),
            rule: 0
        }
    );

    // Selecting a policy: what it selects and what it allows.
    let cartservice = graph
        .policies
        .iter()
        .find(|p| p.name == NamespacedName::new("default", "cartservice"))
        .expect("policy cartservice");
    assert_eq!(cartservice.selects, [deployment("cartservice")]);
    assert_eq!(
        cartservice.directions,
        [PolicyDirection::Ingress, PolicyDirection::Egress]
    );
    let allows: BTreeSet<String> = cartservice
        .allows
        .iter()
        .map(|&i| {
            let c = &graph.connections[i];
            format!("{} → {}:{}", name_of(&c.from), c.to.workload.name, c.port)
        })
        .collect();
    // Its egress rule `{}` allows cartservice to reach every listed destination
    // port; its ingress rule allows frontend and checkoutservice in.
    assert!(allows.contains("frontend → cartservice:7070"));
    assert!(allows.contains("checkoutservice → cartservice:7070"));
    assert!(allows.contains("cartservice → redis-cart:6379"));
    assert!(!allows.contains("loadgenerator → cartservice:7070"));
    let deny_all = graph
        .policies
        .iter()
        .find(|p| p.name == NamespacedName::new("default", "deny-all"))
        .expect("policy deny-all");
    assert_eq!(deny_all.selects.len(), 12);
    assert!(deny_all.allows.is_empty());
    assert!(!deny_all.denies.is_empty());
}

/// §8.1: without policies nothing is isolated and nothing is listed.
#[test]
fn no_policies_no_graph() {
    let topology = samples(&["online-boutique.yaml"]);
    let graph = policy_graph(&topology);
    assert!(graph.connections.is_empty() && graph.workloads.is_empty());
}

/// §8.1, §8.5: an ingress-only policy lists connections into the pods it selects
/// and none out of them; unselected pods are not isolated; ports come from the
/// container ports when no Service selects the pod.
#[test]
fn ingress_isolation_lists_only_connections_into_selected_pods() {
    let yaml = r#"apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec: {containers: [{name: db, image: db, ports: [{containerPort: 5432}, {name: metrics, containerPort: 9187}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {containers: [{name: web, image: web, ports: [{containerPort: 80}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: 5432}]
"#;
    let topology = analyze(&[SourceFile::new("app.yaml", yaml)], &Config::default());
    let graph = policy_graph(&topology);
    assert_eq!(
        dump(&graph),
        [
            "external → db:5432/TCP denied (denied by policy default/db-from-web)",
            "external → db:9187/TCP denied (denied by policy default/db-from-web)",
            "web → db:5432/TCP allowed (allowed by default/db-from-web)",
            "web → db:9187/TCP denied (denied by policy default/db-from-web)",
        ]
    );
    let web = graph
        .workloads
        .iter()
        .find(|w| w.key.workload.name == "web")
        .expect("web");
    assert!(!web.isolated());
}
