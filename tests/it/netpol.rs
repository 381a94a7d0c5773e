//! NetworkPolicy (networking/v1), `docs/semantics.md` §8. Each test names the rule it checks, from
//! `kubernetes/api` `networking/v1/types.go` and the website's
//! `concepts/services-networking/network-policies.md`. Cases are data: a YAML
//! cluster, then rows of (from, to, port, protocol, expected verdict), run by `check`.
//! The acceptance test runs the upstream online-boutique policies over its manifests.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

use kubetopo::engine::cluster::ClusterPod;
use kubetopo::engine::model::{PolicyDirection, Protocol};
use kubetopo::engine::netpol::{cluster_dns_ip, dns_diagnostics, Isolation, Peer, PolicyEngine};
use kubetopo::engine::{analyze, config::Config, ingest::SourceFile, Topology};

use Protocol::{Tcp, Udp};

use crate::common::{BOUTIQUE_CALL_GRAPH, BOUTIQUE_WORKLOADS};

const ALLOW: bool = true;
const DENY: bool = false;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Pods with fixed addresses, in three namespaces. `team` has a Namespace object
/// with labels; `other` exists only because a pod lives there.
const PODS: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {team: blue}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: default, labels: {app: a}}
spec: {containers: [{name: main, image: x}]}
status: {phase: Running, podIPs: [{ip: 10.244.1.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: default, labels: {app: b}}
spec: {containers: [{name: main, image: x, ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 5353, protocol: UDP}]}]}
status: {phase: Running, podIPs: [{ip: 10.244.1.11}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: default, labels: {app: c}}
spec: {containers: [{name: main, image: x, ports: [{name: metrics, containerPort: 9090}]}]}
status: {phase: Running, podIPs: [{ip: 10.244.2.12}]}
---
apiVersion: v1
kind: Pod
metadata: {name: d, namespace: default, labels: {app: d}}
spec: {containers: [{name: main, image: x, ports: [{name: metrics, containerPort: 9100}]}]}
status: {phase: Running, podIPs: [{ip: 10.244.2.13}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: other, labels: {app: a}}
spec: {containers: [{name: main, image: x}]}
status: {phase: Running, podIPs: [{ip: 10.244.3.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: t, namespace: team, labels: {app: t}}
spec: {containers: [{name: main, image: x}]}
status: {phase: Running, podIPs: [{ip: 10.244.3.20}]}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: team, labels: {app: a}}
spec: {containers: [{name: main, image: x}]}
status: {phase: Running, podIPs: [{ip: 10.244.3.21}]}
"#;

fn analyze_yaml(yaml: &str) -> Topology {
    analyze(&[SourceFile::new("test.yaml", yaml)], &Config::default())
}

fn with_pods(policies: &str) -> Topology {
    analyze_yaml(&format!("{PODS}\n---\n{policies}"))
}

fn find_pod<'t>(topology: &'t Topology, key: &str) -> &'t std::sync::Arc<ClusterPod> {
    match topology
        .cluster
        .pods
        .iter()
        .find(|pod| pod.key().to_string() == key)
    {
        Some(pod) => pod,
        None => panic!("no pod {key} in the test cluster"),
    }
}

fn pod_index(topology: &Topology, key: &str) -> usize {
    match topology
        .cluster
        .pods
        .iter()
        .position(|pod| pod.key().to_string() == key)
    {
        Some(index) => index,
        None => panic!("no pod {key} in the test cluster"),
    }
}

/// `namespace/name` names a pod; anything else is an external IP address.
fn peer<'t>(topology: &'t Topology, text: &str) -> Peer<'t> {
    match text.parse::<IpAddr>() {
        Ok(ip) => Peer::External(ip),
        Err(_) => Peer::Pod(find_pod(topology, text)),
    }
}

type Case<'c> = (&'c str, &'c str, u16, Protocol, bool);

/// Runs every row and reports all mismatches at once, with the engine's reasons.
fn check(topology: &Topology, cases: &[Case<'_>]) {
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let mut failures = Vec::new();
    for &(from, to, port, protocol, expected) in cases {
        let verdict = engine.check(peer(topology, from), peer(topology, to), port, protocol);
        let fast = engine.allows(peer(topology, from), peer(topology, to), port, protocol);
        if verdict.allowed != expected || fast != expected {
            failures.push(format!(
                "{from} -> {to} {protocol}/{port}: expected {}, got {} ({})",
                if expected { "allow" } else { "deny" },
                if verdict.allowed { "allow" } else { "deny" },
                verdict.reason
            ));
        }
    }
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------
// Isolation
// ---------------------------------------------------------------------------

#[test]
fn networking_v1_pods_are_non_isolated_by_default() {
    let topology = with_pods("");
    check(
        &topology,
        &[
            ("default/a", "default/b", 80, Tcp, ALLOW),
            ("default/a", "other/a", 5432, Udp, ALLOW),
            ("203.0.113.7", "default/b", 8080, Tcp, ALLOW),
            ("default/c", "198.51.100.1", 443, Tcp, ALLOW),
        ],
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let verdict = engine.check(
        peer(&topology, "default/a"),
        peer(&topology, "default/b"),
        80,
        Tcp,
    );
    assert_eq!(verdict.reason, "allowed: no NetworkPolicy isolates default/a for egress; no NetworkPolicy isolates default/b for ingress");
    assert_eq!(verdict.policy, None);
    assert_eq!(
        engine.isolation(pod_index(&topology, "default/a")),
        Isolation {
            ingress: false,
            egress: false
        }
    );
}

#[test]
fn networking_v1_ingress_isolation_leaves_egress_open() {
    // policyTypes [Ingress] with no rules: the selected pod accepts nothing, but may
    // still connect out.
    let topology = with_pods(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-b-ingress}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  policyTypes: [Ingress]\n",
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, DENY),
            ("203.0.113.7", "default/b", 8080, Tcp, DENY),
            ("default/b", "default/a", 80, Tcp, ALLOW),
            ("default/b", "198.51.100.1", 443, Tcp, ALLOW),
            ("default/a", "default/c", 9090, Tcp, ALLOW),
        ],
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    assert_eq!(
        engine.isolation(pod_index(&topology, "default/b")),
        Isolation {
            ingress: true,
            egress: false
        }
    );
}

#[test]
fn networking_v1_egress_isolation_leaves_ingress_open() {
    let topology = with_pods(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-a-egress}\nspec:\n  podSelector: {matchLabels: {app: a}}\n  policyTypes: [Egress]\n",
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, DENY),
            ("default/a", "198.51.100.1", 443, Tcp, DENY),
            ("default/b", "default/a", 80, Tcp, ALLOW),
            ("203.0.113.7", "default/a", 80, Tcp, ALLOW),
            // The policy lives in `default`, so it does not select other/a.
            ("other/a", "default/b", 8080, Tcp, ALLOW),
        ],
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let verdict = engine.check(
        peer(&topology, "default/a"),
        peer(&topology, "default/b"),
        8080,
        Tcp,
    );
    assert_eq!(verdict.direction, Some(PolicyDirection::Egress));
    assert_eq!(verdict.reason, "denied by egress isolation of default/a: NetworkPolicy default/deny-a-egress selects it and none allows traffic to default/b on TCP/8080");
    assert_eq!(verdict.policy.as_deref(), Some("default/deny-a-egress"));
}

#[test]
fn networking_v1_policy_types_default_to_ingress_plus_egress_when_egress_rules_exist() {
    // No policyTypes: Ingress is always implied, Egress only because egress rules exist.
    // So this "egress-only" policy also isolates ingress, with no ingress rule.
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-to-b}
spec:
  podSelector: {matchLabels: {app: a}}
  egress:
  - to: [{podSelector: {matchLabels: {app: b}}}]
    ports: [{port: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: c-ingress-only}
spec:
  podSelector: {matchLabels: {app: c}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: a}}}]
"#,
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    assert_eq!(
        engine.isolation(pod_index(&topology, "default/a")),
        Isolation {
            ingress: true,
            egress: true
        }
    );
    assert_eq!(
        engine.isolation(pod_index(&topology, "default/c")),
        Isolation {
            ingress: true,
            egress: false
        }
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, ALLOW),
            ("default/a", "default/b", 80, Tcp, DENY),
            ("default/a", "default/c", 9090, Tcp, DENY),
            ("default/b", "default/a", 80, Tcp, DENY),
            ("default/c", "default/d", 9100, Tcp, ALLOW),
        ],
    );
}

#[test]
fn networking_v1_empty_pod_selector_selects_all_in_namespace() {
    let topology = with_pods(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n",
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    for key in ["default/a", "default/b", "default/c", "default/d"] {
        assert_eq!(
            engine.isolation(pod_index(&topology, key)),
            Isolation {
                ingress: true,
                egress: true
            },
            "{key}"
        );
        let names: Vec<&str> = engine
            .policies_selecting(pod_index(&topology, key), PolicyDirection::Egress)
            .map(|p| p.meta.name.as_str())
            .collect();
        assert_eq!(names, ["deny-all"]);
    }
    assert_eq!(
        engine.isolation(pod_index(&topology, "other/a")),
        Isolation::default()
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, DENY),
            ("other/a", "team/t", 80, Tcp, ALLOW),
            ("other/a", "default/a", 80, Tcp, DENY),
            ("default/a", "other/a", 80, Tcp, DENY),
        ],
    );
}

#[test]
fn networking_v1_policies_are_additive() {
    // Two policies select b; each allows one client. The union is allowed.
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-from-a}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-from-c}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress: [{from: [{podSelector: {matchLabels: {app: c}}}]}]
"#,
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, ALLOW),
            ("default/c", "default/b", 8080, Tcp, ALLOW),
            ("default/d", "default/b", 8080, Tcp, DENY),
        ],
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let verdict = engine.check(
        peer(&topology, "default/c"),
        peer(&topology, "default/b"),
        8080,
        Tcp,
    );
    assert_eq!(verdict.reason, "allowed by NetworkPolicy default/b-from-c (ingress rule 0); no NetworkPolicy isolates default/c for egress");
    assert_eq!(verdict.policy.as_deref(), Some("default/b-from-c"));
    let verdict = engine.check(
        peer(&topology, "default/d"),
        peer(&topology, "default/b"),
        8080,
        Tcp,
    );
    assert_eq!(verdict.reason, "denied by ingress isolation of default/b: NetworkPolicies default/b-from-a, default/b-from-c select it and none allows default/d on TCP/8080");
    assert_eq!(verdict.direction, Some(PolicyDirection::Ingress));
    assert_eq!(
        verdict.policy.as_deref(),
        Some("default/b-from-a, default/b-from-c")
    );
}

// ---------------------------------------------------------------------------
// Peers
// ---------------------------------------------------------------------------

#[test]
fn networking_v1_peer_pod_selector_alone_means_policy_namespace() {
    let topology = with_pods(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]\n",
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, ALLOW),
            ("other/a", "default/b", 8080, Tcp, DENY),
            ("team/a", "default/b", 8080, Tcp, DENY),
        ],
    );
}

#[test]
fn networking_v1_peer_namespace_selector_alone_means_all_pods_there() {
    // `team` matches through its own label; `other` has no Namespace object and is
    // matched through the automatic kubernetes.io/metadata.name label.
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: blue}}
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: c}
spec:
  podSelector: {matchLabels: {app: c}}
  ingress: [{from: [{namespaceSelector: {}}]}]
"#,
    );
    check(
        &topology,
        &[
            ("team/t", "default/b", 8080, Tcp, ALLOW),
            ("team/a", "default/b", 8080, Tcp, ALLOW),
            ("other/a", "default/b", 8080, Tcp, ALLOW),
            ("default/a", "default/b", 8080, Tcp, DENY),
            // An empty namespaceSelector selects every namespace, but only pods: not addresses.
            ("default/a", "default/c", 9090, Tcp, ALLOW),
            ("team/t", "default/c", 9090, Tcp, ALLOW),
            ("203.0.113.7", "default/c", 9090, Tcp, DENY),
        ],
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    assert_eq!(
        engine
            .namespace_labels("team")
            .get("team")
            .map(String::as_str),
        Some("blue")
    );
    assert_eq!(
        engine
            .namespace_labels("team")
            .get("kubernetes.io/metadata.name")
            .map(String::as_str),
        Some("team")
    );
    assert_eq!(
        engine
            .namespace_labels("nowhere")
            .get("kubernetes.io/metadata.name")
            .map(String::as_str),
        Some("nowhere")
    );
}

#[test]
fn networking_v1_pod_and_namespace_selector_in_one_peer_are_anded() {
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: and}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: blue}}
      podSelector: {matchLabels: {app: a}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: or}
spec:
  podSelector: {matchLabels: {app: c}}
  ingress:
  - from:
    - namespaceSelector: {matchLabels: {team: blue}}
    - podSelector: {matchLabels: {app: a}}
"#,
    );
    check(
        &topology,
        &[
            // AND: app=a pods in namespaces labelled team=blue.
            ("team/a", "default/b", 8080, Tcp, ALLOW),
            ("team/t", "default/b", 8080, Tcp, DENY),
            ("default/a", "default/b", 8080, Tcp, DENY),
            ("other/a", "default/b", 8080, Tcp, DENY),
            // OR: anything in team, or app=a in the policy's namespace.
            ("team/t", "default/c", 9090, Tcp, ALLOW),
            ("team/a", "default/c", 9090, Tcp, ALLOW),
            ("default/a", "default/c", 9090, Tcp, ALLOW),
            ("other/a", "default/c", 9090, Tcp, DENY),
        ],
    );
}

#[test]
fn networking_v1_ip_block_cidr_with_except() {
    // ipBlock is matched against any address, pod IPs included (the common
    // implementation choice); `except` carves holes.
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-from-block}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
  - from:
    - ipBlock: {cidr: 203.0.113.0/24, except: [203.0.113.128/25]}
    - ipBlock: {cidr: 10.244.2.0/24, except: [10.244.2.13/32]}
    - ipBlock: {cidr: "2001:db8::/32"}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-to-block}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.244.0.0/16]}}]
"#,
    );
    check(
        &topology,
        &[
            ("203.0.113.5", "default/b", 8080, Tcp, ALLOW),
            ("203.0.113.200", "default/b", 8080, Tcp, DENY),
            ("198.51.100.1", "default/b", 8080, Tcp, DENY),
            ("2001:db8::1", "default/b", 8080, Tcp, ALLOW),
            ("2001:db9::1", "default/b", 8080, Tcp, DENY),
            ("default/c", "default/b", 8080, Tcp, ALLOW),
            ("default/d", "default/b", 8080, Tcp, DENY),
            ("default/a", "198.51.100.1", 443, Tcp, ALLOW),
            ("default/a", "default/c", 9090, Tcp, DENY),
        ],
    );
}

#[test]
fn networking_v1_peers_the_api_rejects_match_nothing() {
    // An empty peer and an unparsable CIDR would be rejected by the API server; here
    // they match nothing, and nothing panics.
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: broken}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress:
  - from: [{}, {ipBlock: {cidr: not-a-cidr}}, {ipBlock: {cidr: 10.0.0.0/99}}, {podSelector: {matchExpressions: [{key: app, operator: Bogus}]}}]
"#,
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, DENY),
            ("10.0.0.1", "default/b", 8080, Tcp, DENY),
        ],
    );
}

// ---------------------------------------------------------------------------
// Ports
// ---------------------------------------------------------------------------

#[test]
fn networking_v1_named_port_resolves_on_destination_pod() {
    // Ingress: `http` is looked up on the selected pod b (8080). Egress: `metrics` is
    // looked up on each peer, so it means 9090 on c and 9100 on d, and nothing on an
    // address.
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-http}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress: [{ports: [{port: http}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-metrics}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress: [{ports: [{port: metrics}]}]
"#,
    );
    check(
        &topology,
        &[
            ("default/c", "default/b", 8080, Tcp, ALLOW),
            ("default/c", "default/b", 80, Tcp, DENY),
            ("default/a", "default/c", 9090, Tcp, ALLOW),
            ("default/a", "default/c", 9100, Tcp, DENY),
            ("default/a", "default/d", 9100, Tcp, ALLOW),
            ("default/a", "default/d", 9090, Tcp, DENY),
            ("default/a", "198.51.100.1", 9090, Tcp, DENY),
            // `http` is TCP on b; the same number over UDP is not the named port.
            ("default/c", "default/b", 8080, Udp, DENY),
        ],
    );
}

#[test]
fn networking_v1_end_port_makes_an_inclusive_range() {
    let topology = with_pods(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: range}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  ingress: [{ports: [{port: 8000, endPort: 8100}]}]\n",
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 7999, Tcp, DENY),
            ("default/a", "default/b", 8000, Tcp, ALLOW),
            ("default/a", "default/b", 8050, Tcp, ALLOW),
            ("default/a", "default/b", 8100, Tcp, ALLOW),
            ("default/a", "default/b", 8101, Tcp, DENY),
            ("default/a", "default/b", 8050, Udp, DENY),
        ],
    );
}

#[test]
fn networking_v1_port_protocol_defaults_to_tcp_and_must_match() {
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b-tcp}
spec:
  podSelector: {matchLabels: {app: b}}
  ingress: [{ports: [{port: 53}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: c-udp}
spec:
  podSelector: {matchLabels: {app: c}}
  ingress: [{ports: [{protocol: UDP}]}]
"#,
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 53, Tcp, ALLOW),
            ("default/a", "default/b", 53, Udp, DENY),
            ("default/a", "default/b", 53, Protocol::Sctp, DENY),
            // A port entry without a number matches every port of its protocol.
            ("default/a", "default/c", 53, Udp, ALLOW),
            ("default/a", "default/c", 9999, Udp, ALLOW),
            ("default/a", "default/c", 9090, Tcp, DENY),
        ],
    );
}

// ---------------------------------------------------------------------------
// Both ends, and the exceptions
// ---------------------------------------------------------------------------

#[test]
fn networking_v1_connection_needs_source_egress_and_destination_ingress() {
    let topology = with_pods(
        r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-egress-to-b-and-c}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: b}}}, {podSelector: {matchLabels: {app: c}}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: c-ingress-from-d}
spec:
  podSelector: {matchLabels: {app: c}}
  ingress: [{from: [{podSelector: {matchLabels: {app: d}}}]}]
"#,
    );
    check(
        &topology,
        &[
            ("default/a", "default/b", 8080, Tcp, ALLOW),
            ("default/a", "default/c", 9090, Tcp, DENY),
            ("default/d", "default/c", 9090, Tcp, ALLOW),
            ("default/a", "default/d", 9100, Tcp, DENY),
        ],
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let verdict = engine.check(
        peer(&topology, "default/a"),
        peer(&topology, "default/c"),
        9090,
        Tcp,
    );
    assert_eq!(verdict.direction, Some(PolicyDirection::Ingress));
    assert_eq!(verdict.reason, "denied by ingress isolation of default/c: NetworkPolicy default/c-ingress-from-d selects it and none allows default/a on TCP/9090");
    let verdict = engine.check(
        peer(&topology, "default/a"),
        peer(&topology, "default/b"),
        8080,
        Tcp,
    );
    assert_eq!(verdict.reason, "allowed by NetworkPolicy default/a-egress-to-b-and-c (egress rule 0); no NetworkPolicy isolates default/b for ingress");
}

#[test]
fn networking_v1_a_pod_cannot_block_itself_nor_its_node() {
    // network-policies.md: "a pod cannot block access to itself" and "traffic to and
    // from the node where a Pod is running is always allowed". Simulated pods get
    // nodes, so the node address is known.
    let topology = analyze_yaml(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: locked, labels: {app: locked}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"#,
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let locked = find_pod(&topology, "default/locked");
    let node_ip = topology
        .cluster
        .nodes
        .iter()
        .find(|node| Some(&node.name) == locked.node.as_ref())
        .map(|node| node.internal_ip);
    let Some(node_ip) = node_ip else {
        panic!("the simulated pod was not scheduled")
    };
    let other_node_ip = topology
        .cluster
        .nodes
        .iter()
        .map(|node| node.internal_ip)
        .find(|&ip| ip != node_ip);
    let Some(other_node_ip) = other_node_ip else {
        panic!("expected several simulated nodes")
    };

    let verdict = engine.check(Peer::Pod(locked), Peer::Pod(locked), 80, Tcp);
    assert!(verdict.allowed, "{}", verdict.reason);
    assert!(
        engine
            .check(Peer::External(node_ip), Peer::Pod(locked), 80, Tcp)
            .allowed
    );
    assert!(
        engine
            .check(Peer::Pod(locked), Peer::External(node_ip), 10250, Tcp)
            .allowed
    );
    let verdict = engine.check(Peer::External(other_node_ip), Peer::Pod(locked), 80, Tcp);
    assert!(!verdict.allowed, "{}", verdict.reason);
    assert_eq!(verdict.reason, format!("denied by ingress isolation of default/locked: NetworkPolicy default/deny-all selects it and none allows {other_node_ip} on TCP/80"));
}

#[test]
fn networking_v1_host_network_pods_are_seen_as_their_node_address() {
    // network-policies.md "NetworkPolicy and hostNetwork pods", the most common
    // implementation: selectors ignore hostNetwork pods, so policies do not isolate
    // them, and their traffic is traffic from the node IP.
    let topology = analyze_yaml(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: agent, labels: {app: agent}}
spec: {hostNetwork: true, nodeName: node-1, containers: [{name: main, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec: {nodeName: node-2, containers: [{name: main, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, labels: {app: db}}
spec: {nodeName: node-3, containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-nodes}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: 172.18.0.0/16}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-agents}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: agent}}}]}]
"#,
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    assert_eq!(
        engine.isolation(pod_index(&topology, "default/agent")),
        Isolation::default()
    );
    let agent = find_pod(&topology, "default/agent");
    let web = find_pod(&topology, "default/web");
    let db = find_pod(&topology, "default/db");
    assert!(
        engine
            .check(Peer::Pod(agent), Peer::Pod(web), 80, Tcp)
            .allowed
    );
    let verdict = engine.check(Peer::Pod(agent), Peer::Pod(db), 5432, Tcp);
    assert!(!verdict.allowed, "{}", verdict.reason);
    assert!(
        verdict
            .reason
            .contains("host-network pod default/agent (node address 172.18.0.10)"),
        "{}",
        verdict.reason
    );
    // Nothing isolates the host-network pod, so ingress to it is up to the source.
    assert!(
        !engine
            .check(Peer::Pod(web), Peer::Pod(agent), 9100, Tcp)
            .allowed
    );
    assert!(
        engine
            .check(
                Peer::External("198.51.100.1".parse().unwrap()),
                Peer::Pod(agent),
                9100,
                Tcp
            )
            .allowed
    );
}

#[test]
fn networking_v1_pods_outside_the_engine_cluster_are_evaluated_too() {
    // A copy (say, a what-if edit) is not one of the engine's pods; it is matched
    // from its own labels instead of the precomputed lists.
    let topology = with_pods(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: b}\nspec:\n  podSelector: {matchLabels: {app: b}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]\n",
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let mut relabelled = find_pod(&topology, "default/a").clone();
    std::sync::Arc::make_mut(&mut relabelled)
        .labels
        .insert("app".into(), "z".into());
    let b = find_pod(&topology, "default/b").clone();
    assert!(
        !engine
            .check(Peer::Pod(&relabelled), Peer::Pod(&b), 8080, Tcp)
            .allowed
    );
    assert!(
        engine
            .check(
                Peer::Pod(find_pod(&topology, "default/a")),
                Peer::Pod(&b),
                8080,
                Tcp
            )
            .allowed
    );
}

// ---------------------------------------------------------------------------
// DNS
// ---------------------------------------------------------------------------

/// One pod per egress shape, each with its own policy.
const DNS_CASES: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: open, labels: {case: open}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: locked, labels: {case: locked}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: locked-egress}
spec: {podSelector: {matchLabels: {case: locked}}, policyTypes: [Egress]}
---
apiVersion: v1
kind: Pod
metadata: {name: by-namespace, labels: {case: by-namespace}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: by-namespace}
spec:
  podSelector: {matchLabels: {case: by-namespace}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
---
apiVersion: v1
kind: Pod
metadata: {name: wrong-pods, labels: {case: wrong-pods}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: wrong-pods}
spec:
  podSelector: {matchLabels: {case: wrong-pods}}
  policyTypes: [Egress]
  egress:
  - to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: metrics}}}]
    ports: [{port: 53, protocol: UDP}]
---
apiVersion: v1
kind: Pod
metadata: {name: tcp-only, labels: {case: tcp-only}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: tcp-only}
spec:
  podSelector: {matchLabels: {case: tcp-only}}
  policyTypes: [Egress]
  egress: [{ports: [{port: 53}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: by-ip, labels: {case: by-ip}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: by-ip}
spec:
  podSelector: {matchLabels: {case: by-ip}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.96.0.10/32}}], ports: [{port: 53, protocol: UDP}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: by-port-name, labels: {case: by-port-name}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: by-port-name}
spec:
  podSelector: {matchLabels: {case: by-port-name}}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {}}], ports: [{port: dns, protocol: UDP}]}]
"#;

#[test]
fn network_policy_blocks_dns_when_isolated_egress_has_no_port_53_to_kube_dns() {
    let topology = analyze_yaml(DNS_CASES);
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let dns_ip = cluster_dns_ip(&topology.config);
    assert_eq!(dns_ip, "10.96.0.10".parse::<IpAddr>().unwrap());
    let expected = [
        ("default/open", true),
        ("default/locked", false),
        ("default/by-namespace", true),
        ("default/wrong-pods", false),
        ("default/tcp-only", false),
        ("default/by-ip", true),
        ("default/by-port-name", true),
    ];
    for (key, allowed) in expected {
        assert_eq!(
            engine.egress_allows_dns(find_pod(&topology, key), dns_ip),
            allowed,
            "{key}"
        );
    }
    // The address matters for ipBlock peers only.
    assert!(!engine.egress_allows_dns(
        find_pod(&topology, "default/by-ip"),
        "10.96.0.53".parse().unwrap()
    ));

    let diagnostics = dns_diagnostics(&engine, dns_ip);
    let objects: Vec<&str> = diagnostics.iter().map(|d| d.object.as_str()).collect();
    assert_eq!(
        objects,
        [
            "Pod/default/locked",
            "Pod/default/tcp-only",
            "Pod/default/wrong-pods"
        ]
    );
    assert!(diagnostics
        .iter()
        .all(|d| d.code == "network-policy-blocks-dns"));
    assert_eq!(
        diagnostics[0].message,
        "Pod default/locked cannot resolve DNS names: NetworkPolicy default/locked-egress isolates its egress and no egress rule allows UDP port 53 to kube-system/kube-dns or to the cluster DNS address 10.96.0.10, so connections by Service name fail. Add an egress rule allowing UDP and TCP port 53 to kube-system/kube-dns."
    );
}

#[test]
fn network_policy_blocks_dns_uses_kube_dns_pods_when_present() {
    // With a real kube-dns pod in the manifests, its labels and ports decide.
    let topology = analyze_yaml(
        r#"
apiVersion: v1
kind: Pod
metadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns, tier: dns}}
spec: {containers: [{name: coredns, image: x, ports: [{name: dns, containerPort: 53, protocol: UDP}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: app, labels: {app: app}}
spec: {containers: [{name: main, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: app}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {}, podSelector: {matchLabels: {tier: dns}}}], ports: [{port: 53, protocol: UDP}]}]
"#,
    );
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    assert!(engine.egress_allows_dns(
        find_pod(&topology, "default/app"),
        cluster_dns_ip(&topology.config)
    ));
    assert!(dns_diagnostics(&engine, cluster_dns_ip(&topology.config)).is_empty());
}

// ---------------------------------------------------------------------------
// Acceptance: online-boutique with its upstream NetworkPolicies
// ---------------------------------------------------------------------------

fn read_corpus(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples")
        .join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => panic!("cannot read {}: {error}", path.display()),
    }
}

fn boutique(policies: &str) -> Topology {
    let manifests = read_corpus("online-boutique.yaml");
    analyze(
        &[
            SourceFile::new("online-boutique.yaml", &manifests),
            SourceFile::new("online-boutique-netpol.yaml", policies),
        ],
        &Config::default(),
    )
}

fn workload_name(pod: &ClusterPod) -> String {
    pod.workload
        .as_ref()
        .map_or(&pod.name, |workload| &workload.name)
        .clone()
}

/// Every (client workload, Service) pair some client pod may reach on some endpoint
/// port of the Service, over every pair of distinct pods. A pod reaching itself is
/// always allowed and is checked separately.
fn allowed_pairs(topology: &Topology, engine: &PolicyEngine<'_>) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for service in &topology.services {
        for endpoint in &service.endpoints {
            let Some(server_index) = endpoint.pod_index else {
                continue;
            };
            let server = &topology.cluster.pods[server_index];
            for endpoint_port in &endpoint.ports {
                let Ok(port) = u16::try_from(endpoint_port.port) else {
                    continue;
                };
                for (client_index, client) in topology.cluster.pods.iter().enumerate() {
                    if client_index != server_index
                        && engine.allows(
                            Peer::Pod(client),
                            Peer::Pod(server),
                            port,
                            endpoint_port.protocol,
                        )
                    {
                        pairs.insert((workload_name(client), service.name.clone()));
                    }
                }
            }
        }
    }
    pairs
}

#[test]
fn online_boutique_policies_allow_exactly_the_call_graph() {
    let topology = boutique(&read_corpus("online-boutique-netpol.yaml"));
    assert_eq!(topology.manifests.network_policies.len(), 13);
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    let services: BTreeSet<&str> = topology
        .services
        .iter()
        .filter(|s| !s.endpoints.is_empty())
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        services.len(),
        12,
        "every Service should have endpoints: {services:?}"
    );

    // The real call graph.
    let mut expected: BTreeSet<(String, String)> = BOUTIQUE_CALL_GRAPH
        .into_iter()
        .map(|(client, server)| (client.to_string(), server.to_string()))
        .collect();
    // Faithful to the file: the frontend policy's ingress is `- {}` (every source,
    // every port), so every other workload may reach frontend, through both its
    // ClusterIP Service and the frontend-external LoadBalancer (same pods, port 8080).
    // With one replica each, frontend has no other frontend pod to reach.
    for client in BOUTIQUE_WORKLOADS.iter().filter(|&&w| w != "frontend") {
        expected.insert((client.to_string(), "frontend".to_string()));
        expected.insert((client.to_string(), "frontend-external".to_string()));
    }
    let allowed = allowed_pairs(&topology, &engine);
    let missing: Vec<_> = expected.difference(&allowed).collect();
    let extra: Vec<_> = allowed.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );

    // External clients reach frontend (through frontend-external) and nothing else.
    let external: IpAddr = "198.51.100.23".parse().unwrap();
    let mut externally_reachable = BTreeSet::new();
    for service in &topology.services {
        for endpoint in &service.endpoints {
            let Some(server_index) = endpoint.pod_index else {
                continue;
            };
            for endpoint_port in &endpoint.ports {
                let port = u16::try_from(endpoint_port.port).unwrap_or(0);
                if engine.allows(
                    Peer::External(external),
                    Peer::Pod(&topology.cluster.pods[server_index]),
                    port,
                    endpoint_port.protocol,
                ) {
                    externally_reachable.insert(service.name.as_str());
                }
            }
        }
    }
    assert_eq!(
        externally_reachable,
        BTreeSet::from(["frontend", "frontend-external"])
    );

    // Explicit examples, with their reasons.
    let pod_of = |workload: &str| match topology
        .cluster
        .pods
        .iter()
        .find(|pod| workload_name(pod) == workload)
    {
        Some(pod) => pod,
        None => panic!("no pod of {workload}"),
    };
    let verdict = engine.check(
        Peer::Pod(pod_of("loadgenerator")),
        Peer::Pod(pod_of("frontend")),
        8080,
        Tcp,
    );
    assert!(verdict.allowed, "{}", verdict.reason);
    assert_eq!(verdict.reason, "allowed by NetworkPolicy default/loadgenerator (egress rule 0) and NetworkPolicy default/frontend (ingress rule 0)");
    assert_eq!(
        verdict.policy.as_deref(),
        Some("default/loadgenerator, default/frontend")
    );
    let verdict = engine.check(
        Peer::Pod(pod_of("loadgenerator")),
        Peer::Pod(pod_of("cartservice")),
        7070,
        Tcp,
    );
    assert!(!verdict.allowed);
    assert_eq!(verdict.direction, Some(PolicyDirection::Ingress));
    assert_eq!(
        verdict.reason,
        format!("denied by ingress isolation of {}: NetworkPolicies default/cartservice, default/deny-all select it and none allows {} on TCP/7070", pod_of("cartservice").key(), pod_of("loadgenerator").key())
    );
    assert_eq!(
        verdict.policy.as_deref(),
        Some("default/cartservice, default/deny-all")
    );
    let verdict = engine.check(
        Peer::Pod(pod_of("frontend")),
        Peer::Pod(pod_of("cartservice")),
        7070,
        Tcp,
    );
    assert_eq!(verdict.reason, "allowed by NetworkPolicy default/frontend (egress rule 0) and NetworkPolicy default/cartservice (ingress rule 0)");
    // The right peer on the wrong port is still denied.
    assert!(
        !engine
            .check(
                Peer::Pod(pod_of("frontend")),
                Peer::Pod(pod_of("cartservice")),
                7071,
                Tcp
            )
            .allowed
    );

    // deny-all isolates every pod both ways, and every pod can still reach itself.
    for (pod_index, pod) in topology.cluster.pods.iter().enumerate() {
        assert_eq!(
            engine.isolation(pod_index),
            Isolation {
                ingress: true,
                egress: true
            },
            "{}",
            pod.key()
        );
        assert!(engine.check(Peer::Pod(pod), Peer::Pod(pod), 1, Tcp).allowed);
    }
    let loadgenerator_index = topology
        .cluster
        .pods
        .iter()
        .position(|pod| workload_name(pod) == "loadgenerator")
        .unwrap_or(usize::MAX);
    let ingress: Vec<&str> = engine
        .policies_selecting(loadgenerator_index, PolicyDirection::Ingress)
        .map(|p| p.meta.name.as_str())
        .collect();
    let egress: Vec<&str> = engine
        .policies_selecting(loadgenerator_index, PolicyDirection::Egress)
        .map(|p| p.meta.name.as_str())
        .collect();
    assert_eq!(ingress, ["deny-all"]);
    assert_eq!(egress, ["deny-all", "loadgenerator"]);

    // Every policy keeps `egress: [{}]`, so DNS works.
    assert!(dns_diagnostics(&engine, cluster_dns_ip(&topology.config)).is_empty());
}

#[test]
fn online_boutique_deny_all_alone_blocks_everything_and_dns() {
    // A variant made here: only the deny-all policy from the upstream file.
    let all = read_corpus("online-boutique-netpol.yaml");
    let deny_all = all
        .split("\n---")
        .find(|document| document.contains("name: deny-all"))
        .unwrap_or_default();
    let topology = boutique(deny_all);
    assert_eq!(topology.manifests.network_policies.len(), 1);
    let engine = PolicyEngine::new(&topology.manifests, &topology.cluster);
    assert!(allowed_pairs(&topology, &engine).is_empty());
    let diagnostics = dns_diagnostics(&engine, cluster_dns_ip(&topology.config));
    let objects: Vec<String> = diagnostics.iter().map(|d| d.object.clone()).collect();
    let expected: Vec<String> = BOUTIQUE_WORKLOADS
        .iter()
        .map(|w| format!("Deployment/default/{w}"))
        .collect();
    assert_eq!(objects, expected);
    assert!(diagnostics[0].message.starts_with("Pods of Deployment/adservice in namespace default cannot resolve DNS names: NetworkPolicy default/deny-all isolates their egress"), "{}", diagnostics[0].message);
    assert!(diagnostics[0]
        .message
        .ends_with("Add an egress rule allowing UDP and TCP port 53 to kube-system/kube-dns."));
}
