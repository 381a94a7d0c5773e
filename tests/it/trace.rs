//! Trace: one table test per kube-proxy rule of §5, named after the rule; snapshot
//! tests of `kubetopo trace` on the corpus; the CLI's usage errors; and a property
//! test that no destination or seed makes a trace panic.

use crate::common::samples as corpus;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::Protocol;
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::trace::{
    self, Destination, HopAction, RequestPart, SeededChooser, Trace, TraceErrorKind, TraceSource,
    Tracer, Verdict,
};
use kubetopo::engine::{analyze, Topology};

/// Three simulated nodes: node-1 (zone-a, 172.18.0.10), node-2 (zone-b, 172.18.0.11),
/// node-3 (zone-c, 172.18.0.12). `web-1` runs on node-1 and `web-2` on node-2 (both
/// port 8080); `client-3` runs on node-3. `SERVICE` is replaced by each case.
const PODS: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, labels: {app: web}}
spec: {nodeName: node-2, containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client-3, labels: {app: client}}
spec: {nodeName: node-3, containers: [{name: client, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client-1, labels: {app: client}}
spec: {nodeName: node-1, containers: [{name: client, image: busybox}]}
"#;

const NODE_1: &str = "172.18.0.10";
const NODE_3: &str = "172.18.0.12";

fn topology_with(service: &str, extra_pods: &str) -> Topology {
    let text = format!("{PODS}---\n{service}\n{extra_pods}");
    analyze(&[SourceFile::new("case.yaml", text)], &Config::default())
}

/// One table row: a Service, a connection, and the facts the trace must show.
struct Case {
    service: &'static str,
    extra_pods: &'static str,
    from: &'static str,
    client_ip: Option<&'static str>,
    to: &'static str,
    seed: u64,
    verdict: Verdict,
    /// Substrings of the verdict's reason.
    reason: &'static [&'static str],
    /// Actions that must appear among the hops, in this order.
    hops: &'static [HopAction],
    /// Actions that must not appear.
    no_hops: &'static [HopAction],
    /// `namespace/name` of the endpoint pod, when delivered.
    endpoint: Option<&'static str>,
}

const CASE: Case = Case {
    service: "",
    extra_pods: "",
    from: "external",
    client_ip: None,
    to: "",
    seed: 0,
    verdict: Verdict::Delivered,
    reason: &[],
    hops: &[],
    no_hops: &[],
    endpoint: None,
};

fn run(topology: &Topology, from: &str, client_ip: Option<&str>, to: &str, seed: u64) -> Trace {
    let source = trace::parse_source(from, client_ip).expect("valid source");
    let destination = trace::parse_destination(to).expect("valid destination");
    let tracer = Tracer::new(topology);
    tracer.validate_source(&source).expect("source exists");
    tracer.trace(
        &source,
        &destination,
        Protocol::Tcp,
        &mut SeededChooser::new(seed),
    )
}

fn check(case: Case) -> Trace {
    let topology = topology_with(case.service, case.extra_pods);
    let result = run(&topology, case.from, case.client_ip, case.to, case.seed);
    let dump = trace::render_text(&result);
    assert_eq!(result.verdict, case.verdict, "verdict\n{dump}");
    for fragment in case.reason {
        assert!(
            result.reason.contains(fragment),
            "reason lacks {fragment:?}\n{dump}"
        );
    }
    let actions: Vec<HopAction> = result.hops.iter().map(|h| h.action).collect();
    let mut position = 0;
    for expected in case.hops {
        match actions[position..].iter().position(|a| a == expected) {
            Some(found) => position += found + 1,
            None => panic!("hop {expected:?} missing (in order)\n{dump}"),
        }
    }
    for unexpected in case.no_hops {
        assert!(
            !actions.contains(unexpected),
            "unexpected hop {unexpected:?}\n{dump}"
        );
    }
    if let Some(endpoint) = case.endpoint {
        assert_eq!(
            result
                .endpoint
                .as_ref()
                .and_then(|e| e.pod.as_ref())
                .map(ToString::to_string)
                .as_deref(),
            Some(endpoint),
            "endpoint\n{dump}"
        );
    }
    for (index, hop) in result.hops.iter().enumerate() {
        assert_eq!(hop.step, index + 1);
        assert!(
            !hop.detail.is_empty(),
            "hop {} has no explanation\n{dump}",
            hop.step
        );
    }
    result
}

const NODE_PORT_LOCAL: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}]
"#;

const NODE_PORT_CLUSTER: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}]
"#;

// --- §5.2 externalTrafficPolicy ------------------------------------------------

#[test]
fn etp_local_drops_on_node_without_local_endpoints() {
    check(Case {
        service: NODE_PORT_LOCAL,
        to: "172.18.0.12:30080",
        verdict: Verdict::Dropped,
        reason: &[
            "§5.2 ETP=Local",
            "node-3 has no local endpoints",
            "KUBE-EXTERNAL-SERVICES drops",
        ],
        hops: &[HopAction::Send, HopAction::Capture, HopAction::Drop],
        ..CASE
    });
}

#[test]
fn etp_local_delivers_to_the_local_endpoint_and_keeps_the_client_ip() {
    let result = check(Case {
        service: NODE_PORT_LOCAL,
        to: "172.18.0.10:30080",
        endpoint: Some("default/web-1"),
        hops: &[
            HopAction::Capture,
            HopAction::ChooseEndpoint,
            HopAction::Dnat,
            HopAction::Deliver,
        ],
        no_hops: &[HopAction::Snat, HopAction::Forward],
        ..CASE
    });
    assert_eq!(
        result.hops.last().unwrap().src,
        trace::DEFAULT_CLIENT_IP.to_string()
    );
}

#[test]
fn etp_cluster_forwards_with_snat() {
    for seed in 0..8 {
        let result = check(Case {
            service: NODE_PORT_CLUSTER,
            to: "172.18.0.12:30080",
            seed,
            hops: &[
                HopAction::Capture,
                HopAction::ChooseEndpoint,
                HopAction::Dnat,
                HopAction::Snat,
                HopAction::Forward,
                HopAction::Deliver,
            ],
            ..CASE
        });
        // node-3 has no endpoint: the packet is masqueraded to node-3's IP and forwarded.
        assert_eq!(result.hops.last().unwrap().src, NODE_3);
        let snat = result
            .hops
            .iter()
            .find(|h| h.action == HopAction::Snat)
            .unwrap();
        assert!(snat.detail.contains("§5.2 ETP=Cluster"), "{}", snat.detail);
    }
}

#[test]
fn etp_local_load_balancer_only_sends_to_nodes_passing_the_health_check() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"#;
    let topology = topology_with(service, "");
    let lb_ip = topology
        .services
        .iter()
        .find(|s| s.name == "web")
        .unwrap()
        .load_balancer_ips[0];
    for seed in 0..16 {
        let result = run(&topology, "external", None, &format!("{lb_ip}:80"), seed);
        assert_eq!(
            result.verdict,
            Verdict::Delivered,
            "{}",
            trace::render_text(&result)
        );
        let lb_hop = result
            .hops
            .iter()
            .find(|h| h.action == HopAction::LoadBalancer)
            .unwrap();
        assert!(
            !lb_hop.dst.contains("node-3"),
            "node-3 has no local endpoint and fails healthCheckNodePort: {}",
            lb_hop.detail
        );
        assert!(result.hops.iter().all(|h| h.action != HopAction::Snat));
    }
}

#[test]
fn etp_local_pod_traffic_short_circuits_to_the_cluster_chain() {
    // A pod reaching a NodePort on its own node is not dropped under ETP=Local.
    check(Case {
        service: NODE_PORT_LOCAL,
        from: "pod/default/client-3",
        to: "172.18.0.12:30080",
        hops: &[
            HopAction::Capture,
            HopAction::ChooseEndpoint,
            HopAction::Deliver,
        ],
        ..CASE
    });
}

// --- §5.2 internalTrafficPolicy --------------------------------------------------

const ITP_LOCAL: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  internalTrafficPolicy: Local
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"#;

#[test]
fn itp_local_drops_without_local_endpoints() {
    check(Case {
        service: ITP_LOCAL,
        from: "pod/default/client-3",
        to: "web:80",
        verdict: Verdict::Dropped,
        reason: &["§5.2 ITP=Local", "node-3 has no local endpoints"],
        hops: &[HopAction::Dns, HopAction::Capture, HopAction::Drop],
        ..CASE
    });
}

#[test]
fn itp_local_uses_the_local_endpoint() {
    for seed in 0..8 {
        check(Case {
            service: ITP_LOCAL,
            from: "pod/default/client-1",
            to: "web",
            seed,
            endpoint: Some("default/web-1"),
            no_hops: &[HopAction::Forward],
            ..CASE
        });
    }
}

// --- §5.2 zero endpoints ---------------------------------------------------------

#[test]
fn zero_endpoints_reject() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: nothing-has-this}
  ports: [{port: 80}]
"#;
    check(Case {
        service,
        from: "pod/default/client-3",
        to: "web",
        verdict: Verdict::Rejected,
        reason: &["§5.2 no endpoints", "REJECT", "connection refused"],
        hops: &[HopAction::Dns, HopAction::Capture, HopAction::Reject],
        ..CASE
    });
}

#[test]
fn zero_endpoints_reject_even_under_etp_local() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  externalTrafficPolicy: Local
  selector: {app: nothing-has-this}
  ports: [{port: 80, nodePort: 30080}]
"#;
    check(Case {
        service,
        to: "172.18.0.10:30080",
        verdict: Verdict::Rejected,
        reason: &["connection refused"],
        ..CASE
    });
}

// --- §5.1 terminating fallback ------------------------------------------------------

#[test]
fn terminating_fallback_uses_serving_terminating_endpoints() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: old}
spec:
  selector: {app: old}
  ports: [{port: 80, targetPort: 8080}]
"#;
    let pods = r#"
---
apiVersion: v1
kind: Pod
metadata: {name: old-1, labels: {app: old}, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {nodeName: node-2, containers: [{name: old, image: nginx, ports: [{containerPort: 8080}]}]}
"#;
    let result = check(Case {
        service,
        extra_pods: pods,
        from: "pod/default/client-3",
        to: "old",
        endpoint: Some("default/old-1"),
        hops: &[HopAction::ChooseEndpoint, HopAction::Deliver],
        ..CASE
    });
    let choice = result
        .hops
        .iter()
        .find(|h| h.action == HopAction::ChooseEndpoint)
        .unwrap();
    assert!(
        choice.detail.contains("KEP-1669 fallback"),
        "{}",
        choice.detail
    );
}

// --- §5.1 topology hints -----------------------------------------------------------

#[test]
fn topology_hints_prefer_same_zone() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  trafficDistribution: PreferClose
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"#;
    for seed in 0..16 {
        let result = check(Case {
            service,
            from: "pod/default/client-1",
            to: "web",
            seed,
            endpoint: Some("default/web-1"),
            ..CASE
        });
        let choice = result
            .hops
            .iter()
            .find(|h| h.action == HopAction::ChooseEndpoint)
            .unwrap();
        assert!(
            choice.detail.contains("PreferSameZone"),
            "{}",
            choice.detail
        );
    }
    // node-3 is in zone-c, where no endpoint is hinted: every ready endpoint is used.
    let topology = topology_with(service, "");
    let endpoints: std::collections::BTreeSet<String> = (0..32)
        .filter_map(|seed| {
            run(&topology, "pod/default/client-3", None, "web", seed)
                .endpoint
                .and_then(|e| e.pod)
                .map(|pod| pod.to_string())
        })
        .collect();
    assert_eq!(endpoints.len(), 2, "{endpoints:?}");
}

#[test]
fn topology_hints_prefer_same_node() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  trafficDistribution: PreferSameNode
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"#;
    for seed in 0..16 {
        let result = check(Case {
            service,
            from: "pod/default/client-1",
            to: "web",
            seed,
            endpoint: Some("default/web-1"),
            no_hops: &[HopAction::Forward],
            ..CASE
        });
        let choice = result
            .hops
            .iter()
            .find(|h| h.action == HopAction::ChooseEndpoint)
            .unwrap();
        assert!(
            choice.detail.contains("PreferSameNode"),
            "{}",
            choice.detail
        );
    }
}

// --- §5.2 sessionAffinity ClientIP ----------------------------------------------------

const AFFINITY: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  sessionAffinity: ClientIP
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}]
"#;

#[test]
fn session_affinity_client_ip_ignores_the_seed() {
    let topology = topology_with(AFFINITY, "");
    for client in 1..20 {
        let client_ip = format!("203.0.113.{client}");
        let endpoints: std::collections::BTreeSet<String> = (0..10)
            .map(|seed| {
                run(
                    &topology,
                    "external",
                    Some(&client_ip),
                    "172.18.0.12:30080",
                    seed,
                )
            })
            .map(|t| t.endpoint.and_then(|e| e.pod).unwrap().to_string())
            .collect();
        assert_eq!(
            endpoints.len(),
            1,
            "client {client_ip} moved between {endpoints:?}"
        );
    }
    // Different clients spread over both endpoints.
    let by_client: std::collections::BTreeSet<String> = (1..40)
        .map(|client| {
            run(
                &topology,
                "external",
                Some(&format!("203.0.113.{client}")),
                "172.18.0.12:30080",
                0,
            )
        })
        .map(|t| t.endpoint.and_then(|e| e.pod).unwrap().to_string())
        .collect();
    assert_eq!(by_client.len(), 2);
}

#[test]
fn without_affinity_seeds_spread_over_endpoints() {
    let topology = topology_with(NODE_PORT_CLUSTER, "");
    let endpoints: std::collections::BTreeSet<String> = (0..32)
        .map(|seed| run(&topology, "external", None, "172.18.0.12:30080", seed))
        .map(|t| t.endpoint.and_then(|e| e.pod).unwrap().to_string())
        .collect();
    assert_eq!(endpoints.len(), 2, "{endpoints:?}");
}

// --- §5.2 loadBalancerSourceRanges ----------------------------------------------------

#[test]
fn lb_source_ranges_drop_clients_outside_the_ranges() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: LoadBalancer
  loadBalancerIP: 203.0.113.50
  loadBalancerSourceRanges: [10.0.0.0/8]
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"#;
    check(Case {
        service,
        to: "203.0.113.50:80",
        verdict: Verdict::Dropped,
        reason: &[
            "§5.2 loadBalancerSourceRanges",
            "198.51.100.7",
            "KUBE-PROXY-FIREWALL",
        ],
        ..CASE
    });
    check(Case {
        service,
        client_ip: Some("10.1.2.3"),
        to: "203.0.113.50:80",
        hops: &[
            HopAction::LoadBalancer,
            HopAction::Capture,
            HopAction::Deliver,
        ],
        ..CASE
    });
    // NodePorts are not subject to loadBalancerSourceRanges.
    let topology = topology_with(service, "");
    let node_port = topology
        .services
        .iter()
        .find(|s| s.name == "web")
        .unwrap()
        .ports[0]
        .node_port
        .unwrap();
    assert_eq!(
        run(
            &topology,
            "external",
            None,
            &format!("{NODE_1}:{node_port}"),
            0
        )
        .verdict,
        Verdict::Delivered
    );
}

// --- §5.2 hairpin ----------------------------------------------------------------------

#[test]
fn hairpin_masquerades_when_the_client_is_its_own_endpoint() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: solo}
spec:
  selector: {app: client}
  ports: [{port: 9000}]
"#;
    let pods = "";
    let topology = topology_with(service, pods);
    // Both client pods back `solo`; pick seeds until client-1 gets itself.
    let hairpin = (0..32)
        .map(|seed| run(&topology, "pod/default/client-1", None, "solo", seed))
        .find(|t| {
            t.endpoint.as_ref().and_then(|e| e.pod.as_ref())
                == Some(&NamespacedName::new("default", "client-1"))
        })
        .expect("some seed picks client-1 itself");
    let snat = hairpin
        .hops
        .iter()
        .find(|h| h.action == HopAction::Snat)
        .expect("hairpin SNAT hop");
    assert!(snat.detail.contains("hairpin"), "{}", snat.detail);
    assert_eq!(hairpin.hops.last().unwrap().src, NODE_1);
    assert_eq!(hairpin.verdict, Verdict::Delivered);
}

// --- §6 ExternalName and headless ----------------------------------------------------------

#[test]
fn external_name_cname_leaves_the_cluster() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  type: ExternalName
  externalName: db.example.com
"#;
    let result = check(Case {
        service,
        from: "pod/default/client-3",
        to: "db:5432",
        reason: &["leaves the cluster", "db.example.com"],
        hops: &[HopAction::Dns, HopAction::Leave],
        no_hops: &[HopAction::Capture, HopAction::Dnat],
        ..CASE
    });
    assert!(
        result.hops[0].detail.contains("CNAME db.example.com"),
        "{}",
        result.hops[0].detail
    );
    assert!(result.endpoint.is_none());
}

#[test]
fn headless_goes_direct_to_the_pod() {
    let service = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{name: http, port: 8080}]
"#;
    let result = check(Case {
        service,
        from: "pod/default/client-3",
        to: "web",
        hops: &[
            HopAction::Dns,
            HopAction::Send,
            HopAction::Forward,
            HopAction::Deliver,
        ],
        no_hops: &[HopAction::Capture, HopAction::Dnat, HopAction::Snat],
        ..CASE
    });
    assert!(
        result.hops[0].detail.contains("headless"),
        "{}",
        result.hops[0].detail
    );
    assert_eq!(result.endpoint.unwrap().port, 8080);
}

// --- §6 DNS ---------------------------------------------------------------------------------

#[test]
fn nxdomain_is_unresolved() {
    check(Case {
        service: NODE_PORT_CLUSTER,
        from: "pod/default/client-3",
        to: "wbe:80",
        verdict: Verdict::Unresolved,
        reason: &["NXDOMAIN", "wbe.default.svc.cluster.local"],
        ..CASE
    });
}

#[test]
fn srv_names_give_the_port() {
    check(Case {
        service: NODE_PORT_CLUSTER,
        from: "pod/default/client-3",
        to: "_http._tcp.web.default.svc.cluster.local",
        hops: &[
            HopAction::Dns,
            HopAction::Dns,
            HopAction::Capture,
            HopAction::Deliver,
        ],
        ..CASE
    });
}

#[test]
fn no_such_ip_port_is_unresolved() {
    check(Case {
        service: NODE_PORT_CLUSTER,
        to: "172.18.0.12:31999",
        verdict: Verdict::Unresolved,
        reason: &["no such IP:port", "nodePort 31999"],
        ..CASE
    });
    check(Case {
        service: NODE_PORT_CLUSTER,
        from: "pod/default/client-3",
        to: "10.99.99.99:80",
        verdict: Verdict::Unresolved,
        reason: &["no Service, node or pod owns 10.99.99.99"],
        ..CASE
    });
}

#[test]
fn cluster_ips_are_unreachable_from_outside() {
    let topology = topology_with(NODE_PORT_CLUSTER, "");
    let cluster_ip = topology
        .services
        .iter()
        .find(|s| s.name == "web")
        .unwrap()
        .cluster_ips[0];
    let result = run(&topology, "external", None, &format!("{cluster_ip}:80"), 0);
    assert_eq!(result.verdict, Verdict::Unresolved);
    assert!(
        result.reason.contains("only answer inside the cluster"),
        "{}",
        result.reason
    );
}

// --- Ingress ----------------------------------------------------------------------------------

const INGRESS: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /api, pathType: Exact, backend: {service: {name: api, port: {number: 80}}}}
"#;

#[test]
fn ingress_without_a_known_controller_goes_straight_to_the_backend() {
    let result = check(Case {
        service: INGRESS,
        to: "http://shop.example.com/cart",
        hops: &[
            HopAction::IngressRoute,
            HopAction::Proxy,
            HopAction::Deliver,
        ],
        ..CASE
    });
    assert!(
        result.hops[1].detail.contains("unknown"),
        "{}",
        result.hops[1].detail
    );
    check(Case {
        service: INGRESS,
        to: "http://shop.example.com/api",
        verdict: Verdict::Rejected,
        reason: &["does not exist", "503"],
        ..CASE
    });
    check(Case {
        service: INGRESS,
        to: "http://other.example.com/",
        verdict: Verdict::Unresolved,
        reason: &["no Ingress rule matches"],
        ..CASE
    });
}

#[test]
fn ingress_through_the_controller_service() {
    let corpus = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/ingress-nginx-cloud.yaml"
    ))
    .unwrap();
    let ingress = r#"
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
"#;
    let text = format!("{PODS}---\n{ingress}");
    let topology = analyze(
        &[
            SourceFile::new("ingress-nginx-cloud.yaml", corpus),
            SourceFile::new("shop.yaml", text),
        ],
        &Config::default(),
    );
    let result = run(&topology, "external", None, "http://shop.example.com/", 3);
    let dump = trace::render_text(&result);
    assert_eq!(result.verdict, Verdict::Delivered, "{dump}");
    let actions: Vec<HopAction> = result.hops.iter().map(|h| h.action).collect();
    for action in [
        HopAction::IngressRoute,
        HopAction::LoadBalancer,
        HopAction::Capture,
        HopAction::Proxy,
        HopAction::Deliver,
    ] {
        assert!(actions.contains(&action), "{action:?} missing\n{dump}");
    }
    assert!(result
        .endpoint
        .unwrap()
        .pod
        .unwrap()
        .to_string()
        .starts_with("default/web-"));

    // §9.2: to the controller's address, the Host header picks the rule, as
    // `--host` or a Host header line says it; without one there is no rule for
    // the address.
    let address = topology.ingresses[0].addresses[0].to_string();
    let to = trace::parse_destination(&format!("http://{address}/")).unwrap();
    let send = |http: &trace::HttpOptions| {
        Tracer::new(&topology).trace_http(
            &TraceSource::External {
                client_ip: trace::DEFAULT_CLIENT_IP,
            },
            &to,
            Protocol::Tcp,
            http,
            &mut SeededChooser::new(3),
        )
    };
    for http in [
        trace::HttpOptions {
            host: Some("shop.example.com".to_string()),
            ..trace::HttpOptions::default()
        },
        trace::HttpOptions {
            headers: vec![("host".to_string(), "SHOP.example.com".to_string())],
            ..trace::HttpOptions::default()
        },
    ] {
        let result = send(&http);
        assert_eq!(
            result.verdict,
            Verdict::Delivered,
            "{}",
            trace::render_text(&result)
        );
        assert!(result
            .hops
            .iter()
            .any(|h| h.action == HopAction::IngressRoute));
    }
    let result = send(&trace::HttpOptions::default());
    assert_eq!(result.verdict, Verdict::Unresolved);
    assert!(
        result
            .reason
            .contains(&format!("no Ingress rule matches host {address}")),
        "{}",
        result.reason
    );
}

// --- Snapshots on the corpus --------------------------------------------------------------------

fn pod_of(topology: &Topology, workload: &str) -> String {
    let pod = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.workload.as_ref().map(ToString::to_string).as_deref() == Some(workload))
        .unwrap_or_else(|| panic!("no pod of {workload}"));
    format!("pod/{}/{}", pod.namespace, pod.name)
}

fn snapshot_traces(topology: &Topology) -> Vec<(String, Trace)> {
    let frontend_external = topology
        .services
        .iter()
        .find(|s| s.name == "frontend-external")
        .unwrap();
    let lb = format!("{}:80", frontend_external.load_balancer_ips[0]);
    vec![
        (
            "external_to_frontend_external".to_string(),
            run(topology, "external", None, &lb, 0),
        ),
        (
            "frontend_to_cartservice".to_string(),
            run(
                topology,
                &pod_of(topology, "Deployment/frontend"),
                None,
                "cartservice:7070",
                0,
            ),
        ),
        (
            "cartservice_to_redis_cart".to_string(),
            run(
                topology,
                &pod_of(topology, "Deployment/cartservice"),
                None,
                "redis-cart:6379",
                0,
            ),
        ),
        (
            "loadgenerator_to_cartservice".to_string(),
            run(
                topology,
                &pod_of(topology, "Deployment/loadgenerator"),
                None,
                "cartservice:7070",
                0,
            ),
        ),
    ]
}

/// The trace as JSON, with each Deployment's pod-template-hash replaced by `HASH`:
/// the hash digests the whole template model, so it moves whenever the model gains a
/// field, which is not what these snapshots are about.
fn snapshot_json(topology: &Topology, result: &Trace) -> String {
    let mut json = trace::to_json(result);
    for pod in &topology.cluster.pods {
        if let Some(hash) = pod.labels.get("pod-template-hash") {
            json = json.replace(&format!("-{hash}-"), "-HASH-");
        }
    }
    json
}

#[test]
fn snapshot_online_boutique() {
    let topology = corpus(&["online-boutique.yaml"]);
    for (name, result) in snapshot_traces(&topology) {
        assert_eq!(
            result.verdict,
            Verdict::Delivered,
            "{name}: {}",
            result.reason
        );
        assert!(result.hops.iter().all(|h| h.action != HopAction::Drop));
        insta::assert_snapshot!(
            format!("online_boutique__{name}"),
            snapshot_json(&topology, &result)
        );
    }
}

#[test]
fn snapshot_online_boutique_with_network_policies() {
    let topology = corpus(&["online-boutique.yaml", "online-boutique-netpol.yaml"]);
    for (name, result) in snapshot_traces(&topology) {
        // The policies allow exactly the real call graph.
        let expected = if name.starts_with("loadgenerator") {
            Verdict::Dropped
        } else {
            Verdict::Delivered
        };
        assert_eq!(result.verdict, expected, "{name}: {}", result.reason);
        insta::assert_snapshot!(
            format!("online_boutique_netpol__{name}"),
            snapshot_json(&topology, &result)
        );
    }
}

#[test]
fn network_policy_drop_names_the_policy() {
    let topology = corpus(&["online-boutique.yaml", "online-boutique-netpol.yaml"]);
    let result = run(
        &topology,
        &pod_of(&topology, "Deployment/loadgenerator"),
        None,
        "cartservice:7070",
        0,
    );
    assert_eq!(result.verdict, Verdict::Dropped);
    assert!(
        result.reason.contains("NetworkPolicy ingress"),
        "{}",
        result.reason
    );
    assert!(
        result.reason.contains("default/cartservice"),
        "{}",
        result.reason
    );
}

#[test]
fn json_has_the_documented_shape() {
    let topology = corpus(&["online-boutique.yaml"]);
    let result = run(
        &topology,
        &pod_of(&topology, "Deployment/frontend"),
        None,
        "cartservice:7070",
        0,
    );
    let value: serde_json::Value = serde_json::from_str(&trace::to_json(&result)).unwrap();
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // `http` appears only for requests through a Gateway (§11.10).
    assert_eq!(
        keys,
        ["endpoint", "hops", "reason", "schemaVersion", "verdict"]
    );
    assert_eq!(value["schemaVersion"], trace::TRACE_SCHEMA_VERSION);
    let hop_keys: Vec<&str> = value["hops"][0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(hop_keys, ["action", "detail", "dst", "node", "src", "step"]);
    let endpoint_keys: Vec<&str> = value["endpoint"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(endpoint_keys, ["ip", "pod", "port"]);
    assert_eq!(value["verdict"], "delivered");
    let unresolved = run(
        &topology,
        &pod_of(&topology, "Deployment/frontend"),
        None,
        "nope:1",
        0,
    );
    let value: serde_json::Value = serde_json::from_str(&trace::to_json(&unresolved)).unwrap();
    assert!(value["endpoint"].is_null());
    assert_eq!(value["verdict"], "unresolved");
}

// --- The CLI ----------------------------------------------------------------------------------------

fn cli(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = kubetopo::cli::run(&args, &mut stdout, &mut stderr);
    (
        status,
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

const BOUTIQUE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/online-boutique.yaml");

#[test]
fn cli_trace_prints_text_and_json() {
    let (status, stdout, stderr) = cli(&[
        "trace",
        BOUTIQUE,
        "--from",
        "external",
        "--to",
        "frontend-external",
    ]);
    assert_eq!(status, 0, "{stderr}");
    assert!(stdout.contains("DELIVERED"), "{stdout}");
    let (status, stdout, _) = cli(&[
        "trace",
        BOUTIQUE,
        "--from",
        "external",
        "--client-ip",
        "192.0.2.1",
        "--to",
        "frontend-external:80",
        "--format",
        "json",
        "--seed",
        "4",
    ]);
    assert_eq!(status, 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(value["verdict"], "delivered");
    assert_eq!(value["hops"][0]["src"], "192.0.2.1");
}

#[test]
fn cli_trace_rejects_bad_from_and_to_with_status_2() {
    for (args, needle) in [
        (
            vec![
                "trace",
                BOUTIQUE,
                "--from",
                "pod/default/nope",
                "--to",
                "frontend:80",
            ],
            "no pod default/nope",
        ),
        (
            vec![
                "trace",
                BOUTIQUE,
                "--from",
                "node/node-9",
                "--to",
                "frontend:80",
            ],
            "no node named",
        ),
        (
            vec![
                "trace",
                BOUTIQUE,
                "--from",
                "somewhere",
                "--to",
                "frontend:80",
            ],
            "not a source",
        ),
        (
            vec!["trace", BOUTIQUE, "--from", "external", "--to", "10.0.0.1"],
            "needs a port",
        ),
        (
            vec![
                "trace",
                BOUTIQUE,
                "--from",
                "external",
                "--to",
                "frontend:0",
            ],
            "not a port",
        ),
        (
            vec![
                "trace",
                BOUTIQUE,
                "--from",
                "external",
                "--client-ip",
                "banana",
                "--to",
                "frontend:80",
            ],
            "not an IP address",
        ),
        (
            vec![
                "trace",
                BOUTIQUE,
                "--from",
                "node/node-1",
                "--client-ip",
                "1.2.3.4",
                "--to",
                "frontend:80",
            ],
            // The engine's message names the request's parts, not the CLI's flags (#11).
            "only applies to an external source",
        ),
        (
            vec![
                "trace",
                BOUTIQUE,
                "--from",
                "external",
                "--to",
                "frontend:80",
                "--protocol",
                "ICMP",
            ],
            "not TCP, UDP or SCTP",
        ),
        (
            vec!["trace", BOUTIQUE, "--to", "frontend:80"],
            "--from is required",
        ),
        (
            vec!["trace", BOUTIQUE, "--from", "external"],
            "--to is required",
        ),
    ] {
        let (status, stdout, stderr) = cli(&args);
        assert_eq!(status, 2, "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

/// Issue #11: errors about a source missing from the topology named the CLI's flags
/// (`--client-ip`, `--from`), which the web app showed too.
#[test]
fn regression_issue_11_source_errors_named_cli_flags() {
    let topology = topology_with("", "");
    let tracer = Tracer::new(&topology);
    let cases = [
        (
            TraceSource::External {
                client_ip: NODE_1.parse().unwrap(),
            },
            TraceErrorKind::ClientIpInCluster,
            RequestPart::ClientIp,
            "client IP 172.18.0.10 belongs to a node or pod of the cluster",
        ),
        (
            TraceSource::Node {
                name: "node-9".into(),
            },
            TraceErrorKind::NoSuchNode,
            RequestPart::Source,
            "no node named \"node-9\"; nodes are node-1, node-2, node-3",
        ),
        (
            TraceSource::Pod {
                namespace: "default".into(),
                name: "nope".into(),
            },
            TraceErrorKind::NoSuchPod,
            RequestPart::Source,
            "no pod default/nope; pods in default: ",
        ),
        (
            TraceSource::Workload {
                namespace: "default".into(),
                name: "nothing".into(),
            },
            TraceErrorKind::WorkloadWithoutPod,
            RequestPart::Source,
            "workload default/nothing has no running pod with an IP",
        ),
    ];
    for (source, kind, part, message) in cases {
        let error = tracer.validate_source(&source).expect_err("invalid source");
        assert_eq!(error.kind(), kind, "{error}");
        assert_eq!(error.part(), part, "{error}");
        let text = error.to_string();
        assert!(text.starts_with(message), "{text:?}");
        assert!(!text.contains("--"), "a flag in {text:?}");
    }
}

/// Hands out a fixed sequence of choices, then 0.
struct ScriptedChooser(std::collections::VecDeque<usize>);

impl trace::Chooser for ScriptedChooser {
    fn choose(&mut self, n: usize) -> usize {
        self.0.pop_front().unwrap_or(0).min(n - 1)
    }
}

/// A flow's source of several external clients is one trace source: a trace picks
/// one client per connection with its first choice, and gets what that client alone
/// would get. Under ClientIP affinity the client decides the endpoint, so this shows
/// that the pick really changes the address.
#[test]
fn external_clients_trace_as_the_client_they_pick() {
    let topology = topology_with(AFFINITY, "");
    let tracer = Tracer::new(&topology);
    let destination = Destination::Address {
        ip: NODE_1.parse().unwrap(),
        port: 30080,
    };
    let several = TraceSource::ExternalClients { n_clients: 6 };
    assert_eq!(several.n_clients(), 6);
    tracer
        .validate_source(&several)
        .expect("clients outside the cluster");
    let mut endpoints = std::collections::BTreeSet::new();
    for client in 0..6u32 {
        let picked = tracer.trace(
            &several,
            &destination,
            Protocol::Tcp,
            &mut ScriptedChooser([client as usize].into()),
        );
        let alone = tracer.trace(
            &several.with_client(client),
            &destination,
            Protocol::Tcp,
            &mut ScriptedChooser(Default::default()),
        );
        assert_eq!(picked, alone, "client {client}");
        assert_eq!(
            several.with_client(client),
            TraceSource::External {
                client_ip: trace::external_client_ip(client)
            }
        );
        assert_eq!(
            picked.hops[0].src,
            trace::external_client_ip(client).to_string()
        );
        endpoints.insert(picked.endpoint.expect("delivered").pod);
    }
    assert!(
        endpoints.len() > 1,
        "one endpoint for all clients: {endpoints:?}"
    );
}

#[test]
fn external_clients_may_not_use_cluster_addresses() {
    let topology = topology_with(AFFINITY, "");
    let tracer = Tracer::new(&topology);
    // Every IPv4 address: the range wraps past 255.255.255.255 and meets the nodes.
    let everyone = TraceSource::ExternalClients {
        n_clients: u32::MAX,
    };
    let error = tracer
        .validate_source(&everyone)
        .expect_err("covers node IPs");
    assert_eq!(error.kind(), TraceErrorKind::ClientIpInCluster, "{error}");
    assert_eq!(error.part(), RequestPart::ClientIp, "{error}");
}

// --- Never panic ----------------------------------------------------------------------------------

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

        #[test]
        fn on_any_destination_text(text in "\\PC{0,40}") {
            let _ = trace::parse_destination(&text);
            let _ = trace::parse_source(&text, None);
        }

        #[test]
        fn on_any_address_port_and_seed(a in 0u8..=255, b in 0u8..=255, c in 0u8..=255, d in 0u8..=255, port in 1i64..65536, seed in any::<u64>(), source in 0usize..4, protocol in 0usize..3) {
            let topology = super::topology_with(super::AFFINITY, "");
            let sources = [
                TraceSource::External { client_ip: "198.51.100.7".parse().unwrap() },
                TraceSource::Node { name: "node-2".into() },
                TraceSource::Pod { namespace: "default".into(), name: "client-3".into() },
                TraceSource::Workload { namespace: "default".into(), name: "web-1".into() },
            ];
            let protocol = [Protocol::Tcp, Protocol::Udp, Protocol::Sctp][protocol];
            let ip = std::net::IpAddr::V4(std::net::Ipv4Addr::new(a, b, c, d));
            let tracer = Tracer::new(&topology);
            for destination in [Destination::Address { ip, port }, Destination::AnyNodePort { node_port: port }, Destination::Name { host: format!("x{a}.y{b}"), port: Some(port) }] {
                let result = tracer.trace(&sources[source], &destination, protocol, &mut SeededChooser::new(seed));
                prop_assert!(!result.reason.is_empty());
            }
        }
    }
}
