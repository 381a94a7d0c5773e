//! Corpus tests: real-world manifests nobody here wrote (`samples/`, see its
//! SOURCES.md), analyzed end to end.
//!
//! Each file's `analyze --format json` document is an insta snapshot, so any change in
//! what kubetopo says about them shows up in review. The files are read in place
//! (never copied) from `samples/`, and are named by their bare file name so the
//! snapshots do not depend on where the repository is checked out.
//!
//! Snapshots catch change, not mistakes, so the key facts of each file are also
//! asserted here, checked by hand against the semantics spec: pod names (§7), address
//! ranges (§3), endpoints (§4), DNS (§6), the ingress-nginx controller Service and the
//! online-boutique call graph.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use crate::common::{ipv4 as v4, service};
use kubetopo::engine::cidr::Cidr;
use kubetopo::engine::config::Config;
use kubetopo::engine::diag::Severity;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::{ServiceType, TrafficPolicy};
use kubetopo::engine::output::to_json;
use kubetopo::engine::refs::KindRef;
use kubetopo::engine::resolve::ResolvedService;
use kubetopo::engine::{analyze, Topology};

const CORPUS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");

/// Every manifest in the corpus; `corpus_is_fully_covered` fails when one is added
/// without a snapshot here.
const CORPUS_FILES: &[&str] = &[
    "gateway-canary.yaml",
    "guestbook-declared-calls.yaml",
    "guestbook.yaml",
    "headless-statefulset.yaml",
    "ingress-nginx-app.yaml",
    "ingress-nginx-cloud.yaml",
    "local-loadbalancer.yaml",
    "online-boutique-netpol.yaml",
    "online-boutique.yaml",
];

fn read(file: &str) -> SourceFile {
    let path = format!("{CORPUS_DIR}/{file}");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
    // The bare file name, not the path: snapshots must not depend on the checkout.
    SourceFile::new(file, text)
}

/// Analyzes the files with the default (kubeadm-like) cluster and snapshots the JSON.
fn check(snapshot: &str, files: &[&str]) -> Topology {
    let sources: Vec<SourceFile> = files.iter().map(|file| read(file)).collect();
    let topology = analyze(&sources, &Config::default());
    let json = to_json(&topology);
    assert!(
        !json.contains(CORPUS_DIR) && !json.contains("/samples/"),
        "the snapshot must not contain the checkout path"
    );
    insta::assert_snapshot!(snapshot, json);
    topology
}

/// Facts every corpus file must satisfy, whatever it contains (§3, §4, §6, §7),
/// and no error: the corpus is valid Kubernetes.
fn check_invariants(topology: &Topology) {
    check_structure(topology);
    let errors: Vec<_> = topology
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

/// The address, endpoint and naming facts of `check_invariants`, for a sample that
/// holds a deliberate mistake.
fn check_structure(topology: &Topology) {
    let service_cidr = Cidr::parse("10.96.0.0/12").unwrap();
    let pod_cidr = Cidr::parse("10.244.0.0/16").unwrap();
    // Nodes: simulated (the corpus carries no Node objects), three zones, /24 pod CIDRs.
    assert_eq!(
        topology
            .cluster
            .nodes
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>(),
        ["node-1", "node-2", "node-3"]
    );
    assert!(topology
        .cluster
        .nodes
        .iter()
        .all(|n| n.simulated && n.ready));
    // Pods: scheduled, with a unique IP from their own node's pod CIDR.
    let mut pod_ips = BTreeSet::new();
    for pod in &topology.cluster.pods {
        let node = topology
            .cluster
            .nodes
            .iter()
            .find(|n| Some(&n.name) == pod.node.as_ref())
            .unwrap_or_else(|| panic!("{} is not scheduled", pod.name));
        assert_eq!(pod.ips.len(), 1, "{}", pod.name);
        let ip = v4(&pod.ips[0]);
        assert!(
            pod_cidr.contains(IpAddr::V4(ip)) && node.pod_cidr.unwrap().contains(IpAddr::V4(ip)),
            "{} has {ip}, outside {}'s pod CIDR",
            pod.name,
            node.name
        );
        assert!(
            ip.octets()[3] >= 2,
            "{}: .0 and .1 are not pod addresses",
            pod.name
        );
        assert!(pod_ips.insert(ip), "{ip} is used twice");
        assert!(pod.ready && pod.simulated && !pod.terminating);
    }
    // Services: distinct ClusterIPs in the dynamic band of 10.96.0.0/12 (§3), DNS A and
    // PTR for each, SRV only for named ports (§6); nodePorts unique and in range.
    let mut cluster_ips = BTreeSet::new();
    let mut node_ports = BTreeSet::new();
    for service in &topology.services {
        // Headless Services get no ClusterIP and per-pod records instead; the
        // `headless_statefulset` test checks those.
        if service.headless {
            continue;
        }
        assert_eq!(service.cluster_ips.len(), 1, "{}", service.key());
        let ip = v4(&service.cluster_ips[0]);
        let offset = service_cidr
            .index_of(IpAddr::V4(ip))
            .unwrap_or_else(|| panic!("{ip} of {} is outside the Service CIDR", service.key()));
        assert!(
            offset > 256,
            "{}: {ip} is in the static band",
            service.key()
        );
        assert!(cluster_ips.insert(ip), "{ip} allocated twice");
        let fqdn = format!("{}.{}.svc.cluster.local", service.name, service.namespace);
        assert!(
            service
                .dns
                .iter()
                .any(|r| r.record_type == "A" && r.name == fqdn && r.data == ip.to_string()),
            "{}: {:?}",
            service.key(),
            service.dns
        );
        assert!(
            service
                .dns
                .iter()
                .any(|r| r.record_type == "PTR" && r.data == format!("{fqdn}.")),
            "{}",
            service.key()
        );
        let n_named = service.ports.iter().filter(|p| p.name.is_some()).count();
        assert_eq!(
            service
                .dns
                .iter()
                .filter(|r| r.record_type == "SRV")
                .count(),
            n_named,
            "{}",
            service.key()
        );
        for node_port in service
            .ports
            .iter()
            .filter_map(|p| p.node_port)
            .chain(service.health_check_node_port)
        {
            assert!(
                (30086..=32767).contains(&node_port),
                "{}: nodePort {node_port} outside the dynamic band",
                service.key()
            );
            assert!(
                node_ports.insert(node_port),
                "nodePort {node_port} allocated twice"
            );
        }
        assert_eq!(
            service.ports.iter().any(|p| p.node_port.is_some()),
            service.service_type != ServiceType::ClusterIP,
            "{}",
            service.key()
        );
        // Endpoints: selected pods only, in the Service's namespace, ready, with a zone.
        for endpoint in &service.endpoints {
            let pod_key = endpoint.pod.as_ref().unwrap().to_string();
            let pod = topology
                .cluster
                .pods
                .iter()
                .find(|p| p.key().to_string() == pod_key)
                .unwrap();
            assert_eq!(pod.namespace, service.namespace);
            assert!(
                service
                    .selector
                    .as_ref()
                    .unwrap()
                    .iter()
                    .all(|(k, v)| pod.labels.get(k) == Some(v)),
                "{pod_key} does not match {}",
                service.key()
            );
            assert!(
                endpoint.ready
                    && endpoint.serving
                    && !endpoint.terminating
                    && endpoint.zone.is_some()
            );
            assert_eq!(endpoint.addresses, pod.ips);
        }
    }
}

/// `<deploy>-<hash>-<5>` with the §7 alphabets; returns the hash.
fn check_deployment_pod_name(pod_name: &str, deployment: &str) -> String {
    let rest = pod_name
        .strip_prefix(&format!("{deployment}-"))
        .unwrap_or_else(|| panic!("{pod_name} is not a pod of {deployment}"));
    let (hash, suffix) = rest.rsplit_once('-').unwrap();
    assert!(
        !hash.is_empty() && hash.len() <= 10 && hash.chars().all(|c| "456789bcdf".contains(c)),
        "{pod_name}"
    );
    assert!(
        suffix.len() == 5
            && suffix
                .chars()
                .all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)),
        "{pod_name}"
    );
    hash.to_string()
}

fn endpoint_ports(service: &ResolvedService) -> Vec<Vec<(Option<String>, i64)>> {
    service
        .endpoints
        .iter()
        .map(|e| e.ports.iter().map(|p| (p.name.clone(), p.port)).collect())
        .collect()
}

fn dependency_edges(topology: &Topology) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for dependency in &topology.dependencies {
        assert_eq!(dependency.from.namespace, "default");
        assert_eq!(dependency.to.namespace, "default");
        let from = dependency.from.name.clone();
        let to = format!("{}:{}", dependency.to.name, dependency.port.unwrap());
        edges.entry(from).or_default().insert(to);
    }
    edges
}

// ---------------------------------------------------------------------------

#[test]
fn corpus_is_fully_covered() {
    let mut found: Vec<String> = std::fs::read_dir(CORPUS_DIR)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
        .collect();
    found.sort();
    assert_eq!(
        found, CORPUS_FILES,
        "a corpus file was added or removed: give it a snapshot test here"
    );
}

/// guestbook-declared-calls: the guestbook as the web app's sample opens it, its
/// frontend's pods declaring the Redis Services they call (§6.1), which the upstream
/// manifests never name. Those two calls are its only dependencies; the rest is the
/// upstream guestbook's.
#[test]
fn guestbook_declared_calls() {
    let topology = check(
        "guestbook-declared-calls",
        &["guestbook-declared-calls.yaml"],
    );
    check_invariants(&topology);
    let upstream = analyze(&[read("guestbook.yaml")], &Config::default());
    assert_eq!(topology.services.len(), upstream.services.len());
    assert_eq!(topology.cluster.pods.len(), upstream.cluster.pods.len());
    let calls: Vec<(String, String, Option<i64>)> = topology
        .dependencies
        .iter()
        .map(|d| (d.from.to_string(), d.to.to_string(), d.port))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "default/frontend".to_string(),
                "default/redis-master".to_string(),
                Some(6379)
            ),
            (
                "default/frontend".to_string(),
                "default/redis-replica".to_string(),
                Some(6379)
            ),
        ]
    );
    assert!(topology
        .dependencies
        .iter()
        .all(|d| d.evidence.starts_with("annotation kubetopo.dev/calls=")));
}

/// headless-statefulset: a headless Service governing a 3-replica StatefulSet, and a
/// client pod that calls `web-0.nginx`. Pods are named by ordinal (§7), the Service
/// gets no ClusterIP (§3), and DNS has an A record per pod plus per-pod hostnames
/// under the Service (§6).
#[test]
fn headless_statefulset() {
    let topology = check("headless-statefulset", &["headless-statefulset.yaml"]);
    check_invariants(&topology);
    let nginx = service(&topology, "default/nginx");
    assert!(nginx.headless);
    assert!(nginx.cluster_ips.is_empty(), "{:?}", nginx.cluster_ips);
    let mut pods: Vec<String> = nginx
        .endpoints
        .iter()
        .map(|e| e.pod.as_ref().unwrap().name.clone())
        .collect();
    pods.sort();
    assert_eq!(pods, ["web-0", "web-1", "web-2"]);
    for endpoint in &nginx.endpoints {
        assert_eq!(
            endpoint.hostname.as_deref(),
            Some(endpoint.pod.as_ref().unwrap().name.as_str()),
            "a StatefulSet pod under its governing Service has its own hostname"
        );
    }
    let fqdn = "nginx.default.svc.cluster.local";
    let service_a = nginx
        .dns
        .iter()
        .filter(|r| r.record_type == "A" && r.name == fqdn)
        .count();
    assert_eq!(service_a, 3, "one A record per ready pod: {:?}", nginx.dns);
    assert!(
        nginx
            .dns
            .iter()
            .any(|r| r.record_type == "A" && r.name == format!("web-0.{fqdn}")),
        "{:?}",
        nginx.dns
    );
}

/// local-loadbalancer: a LoadBalancer Service with `externalTrafficPolicy: Local` over
/// two replicas. It gets a load balancer address, a NodePort and a
/// healthCheckNodePort (§3), and a diagnostic explains which nodes drop external
/// traffic (§5.1).
#[test]
fn local_loadbalancer() {
    let topology = check("local-loadbalancer", &["local-loadbalancer.yaml"]);
    check_invariants(&topology);
    let echo = service(&topology, "default/echo");
    assert_eq!(echo.service_type, ServiceType::LoadBalancer);
    assert_eq!(echo.external_traffic_policy, Some(TrafficPolicy::Local));
    assert_eq!(echo.load_balancer_ips.len(), 1);
    assert!(echo.ports[0].node_port.is_some());
    assert!(echo.health_check_node_port.is_some());
    assert_eq!(
        endpoint_ports(echo),
        vec![vec![(Some("http".to_string()), 8080)]; 2]
    );
    assert!(
        topology
            .diagnostics
            .iter()
            .any(|d| d.code == "external-traffic-local-drops"),
        "{:?}",
        topology
            .diagnostics
            .iter()
            .map(|d| &d.code)
            .collect::<Vec<_>>()
    );
}

/// guestbook: three Deployments (frontend ×3, redis-leader ×1, redis-follower ×2) and
/// three Services, `frontend` of type NodePort.
#[test]
fn guestbook() {
    let topology = check("guestbook", &["guestbook.yaml"]);
    check_invariants(&topology);
    let pods_of = |deployment: &str| {
        topology
            .cluster
            .pods
            .iter()
            .filter(|p| p.workload == Some(KindRef::new("Deployment", deployment)))
            .count()
    };
    let deployments: BTreeSet<&str> = topology
        .manifests
        .workloads
        .iter()
        .map(|w| w.meta.name.as_str())
        .collect();
    assert_eq!(topology.cluster.pods.len(), 6);
    for workload in &topology.manifests.workloads {
        let replicas = workload.replicas as usize;
        assert_eq!(
            pods_of(&workload.meta.name),
            replicas,
            "{}",
            workload.meta.name
        );
        for pod in topology
            .cluster
            .pods
            .iter()
            .filter(|p| p.workload == Some(workload.kind_ref()))
        {
            check_deployment_pod_name(&pod.name, &workload.meta.name);
        }
    }
    assert_eq!(deployments.len(), 3);
    let frontend = service(&topology, "default/frontend");
    assert_eq!(frontend.service_type, ServiceType::NodePort);
    assert_eq!(
        frontend.external_traffic_policy,
        Some(TrafficPolicy::Cluster)
    );
    assert_eq!(frontend.endpoints.len(), 3);
    // Three replicas spread over the three zones (§7 scheduling).
    let zones: BTreeSet<&str> = frontend
        .endpoints
        .iter()
        .map(|e| e.zone.as_deref().unwrap())
        .collect();
    assert_eq!(zones.len(), 3);
    let master = service(&topology, "default/redis-master");
    assert_eq!(master.endpoints.len(), 1);
    assert_eq!(endpoint_ports(master), vec![vec![(None, 6379)]]);
    assert_eq!(
        service(&topology, "default/redis-replica").endpoints.len(),
        2
    );
    // Unnamed ports: an A and a PTR record, no SRV (§6).
    assert_eq!(frontend.dns.len(), 2);
    assert!(
        topology.dependencies.is_empty(),
        "{:?}",
        topology.dependencies
    );
    let codes: BTreeSet<&str> = topology.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        BTreeSet::from(["service-single-endpoint"]),
        "{:#?}",
        topology.diagnostics
    );
}

/// gateway-canary: a Gateway whose simulated proxy (§11.2) fronts an HTTPRoute with
/// a 90/10 split, a cross-namespace backend allowed by a ReferenceGrant (§11.7), a
/// redirect (§11.8), and one Route rejected by `allowedRoutes` (§11.4).
#[test]
fn gateway_canary() {
    let topology = check("gateway-canary", &["gateway-canary.yaml"]);
    check_structure(&topology);
    // The one error is the deliberate one.
    let errors: Vec<(&str, &str)> = topology
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.code, d.object.as_str()))
        .collect();
    assert_eq!(
        errors,
        [("gateway-route-not-allowed", "HTTPRoute/legacy/old-shop")]
    );
    let gateways = &topology.gateway.gateways;
    assert_eq!(gateways.len(), 1);
    let web = &gateways[0];
    assert_eq!(web.key().to_string(), "shop/web");
    assert_eq!(
        web.proxy_service.as_ref().unwrap().to_string(),
        "shop/web-kubetopo"
    );
    assert!(web.proxy_simulated);
    let proxy = service(&topology, "shop/web-kubetopo");
    assert_eq!(proxy.service_type, ServiceType::LoadBalancer);
    assert_eq!(
        web.addresses[0].value,
        proxy.load_balancer_ips[0].to_string()
    );
    // Only the storefront is attached; the legacy Route is refused by `from: Same`.
    assert_eq!(web.listeners[0].attached_routes, 1);
    let routes: BTreeMap<String, (&str, &str)> = topology
        .gateway
        .routes
        .iter()
        .map(|r| {
            let accepted = &r.parents[0].conditions[0];
            (
                r.key().to_string(),
                (accepted.status.as_str(), accepted.reason),
            )
        })
        .collect();
    assert_eq!(routes["shop/storefront"], ("True", "Accepted"));
    assert_eq!(
        routes["legacy/old-shop"],
        ("False", "NotAllowedByListeners")
    );
    let storefront = topology
        .gateway
        .routes
        .iter()
        .find(|r| r.name == "storefront")
        .unwrap();
    assert!(storefront
        .rules
        .iter()
        .flat_map(|r| &r.backends)
        .all(|b| b.problem.is_none()));
    let codes: BTreeSet<&str> = topology.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains("gateway-route-not-allowed"), "{codes:?}");
    assert!(
        !codes.contains("gateway-referencegrant-unused"),
        "{codes:?}"
    );
    assert!(!codes.contains("ignored-kind"), "{codes:?}");
}

/// ingress-nginx (cloud): the controller Deployment with named ports behind a
/// LoadBalancer Service with externalTrafficPolicy Local (so a healthCheckNodePort and
/// dropping nodes), the admission ClusterIP Service (targetPort `webhook` → 8443), two
/// Jobs, the `nginx` IngressClass, and RBAC/config objects listed as ignored.
#[test]
fn ingress_nginx_cloud() {
    let topology = check("ingress-nginx-cloud", &["ingress-nginx-cloud.yaml"]);
    check_invariants(&topology);
    assert_eq!(topology.manifests.namespaces.len(), 1);
    assert_eq!(topology.manifests.ingress_classes.len(), 1);
    assert_eq!(
        topology.manifests.ingress_classes[0].controller,
        "k8s.io/ingress-nginx"
    );

    let pods: BTreeMap<String, &str> = topology
        .cluster
        .pods
        .iter()
        .map(|p| (p.workload.as_ref().unwrap().to_string(), p.name.as_str()))
        .collect();
    assert_eq!(pods.len(), 3, "{pods:?}");
    check_deployment_pod_name(
        pods["Deployment/ingress-nginx-controller"],
        "ingress-nginx-controller",
    );
    for job in [
        "ingress-nginx-admission-create",
        "ingress-nginx-admission-patch",
    ] {
        let pod = topology
            .cluster
            .pods
            .iter()
            .find(|p| p.workload == Some(KindRef::new("Job", job)))
            .unwrap();
        let suffix = pod.name.strip_prefix(&format!("{job}-")).unwrap();
        assert_eq!(suffix.len(), 5, "{}", pod.name);
        assert_eq!(
            pod.labels
                .get("batch.kubernetes.io/job-name")
                .map(String::as_str),
            Some(job)
        );
    }

    let controller = service(&topology, "ingress-nginx/ingress-nginx-controller");
    assert_eq!(controller.service_type, ServiceType::LoadBalancer);
    assert_eq!(
        controller.external_traffic_policy,
        Some(TrafficPolicy::Local)
    );
    assert!(
        controller.health_check_node_port.is_some(),
        "LB + ETP Local needs a healthCheckNodePort (§3)"
    );
    assert_eq!(controller.load_balancer_ips.len(), 1);
    assert!(Cidr::parse("203.0.113.0/24")
        .unwrap()
        .contains(IpAddr::V4(v4(&controller.load_balancer_ips[0]))));
    // Named targetPorts http/https resolve on the controller pod (§4).
    assert_eq!(
        endpoint_ports(controller),
        vec![vec![(Some("http".into()), 80), (Some("https".into()), 443)]]
    );
    let admission = service(
        &topology,
        "ingress-nginx/ingress-nginx-controller-admission",
    );
    assert_eq!(
        endpoint_ports(admission),
        vec![vec![(Some("https-webhook".into()), 8443)]]
    );
    assert_eq!(admission.endpoints[0].pod, controller.endpoints[0].pod);

    // One controller replica: ETP Local drops external traffic on the two other nodes.
    let drops = topology
        .diagnostics
        .iter()
        .find(|d| d.code == "external-traffic-local-drops")
        .unwrap();
    let controller_node = controller.endpoints[0].node.as_deref().unwrap();
    for node in &topology.cluster.nodes {
        assert_eq!(
            drops.message.contains(&node.name),
            node.name != controller_node,
            "{}",
            drops.message
        );
    }
    assert!(drops
        .message
        .contains(&controller.health_check_node_port.unwrap().to_string()));
    assert_eq!(
        topology.manifests.ignored.len(),
        12,
        "{:?}",
        topology.manifests.ignored
    );
    assert!(
        topology.dependencies.is_empty(),
        "{:?}",
        topology.dependencies
    );
}

/// The "ingress-nginx" sample: the controller above and `ingress-nginx-app.yaml`,
/// an Ingress of class `nginx` with `/` and `/api` (§9). The Ingress takes the
/// class's controller and its Service, and its address is that Service's load
/// balancer address (§9.3); each path resolves to its own Service's port (§9.1).
#[test]
fn ingress_nginx_with_its_app() {
    let topology = check(
        "ingress-nginx-with-app",
        &["ingress-nginx-cloud.yaml", "ingress-nginx-app.yaml"],
    );
    check_invariants(&topology);
    assert!(
        topology
            .diagnostics
            .iter()
            .all(|d| d.severity == Severity::Info),
        "{:?}",
        topology.diagnostics
    );
    let [ingress] = &topology.ingresses[..] else {
        panic!("one Ingress: {:?}", topology.ingresses);
    };
    assert_eq!(ingress.controller.as_deref(), Some("k8s.io/ingress-nginx"));
    assert_eq!(
        ingress.controller_service.as_ref().map(ToString::to_string),
        Some("ingress-nginx/ingress-nginx-controller".to_string())
    );
    let controller = service(&topology, "ingress-nginx/ingress-nginx-controller");
    assert_eq!(ingress.addresses, controller.load_balancer_ips);
    let routes: Vec<(Option<&str>, &str, String, Option<i64>)> = ingress
        .routes
        .iter()
        .map(|r| {
            (
                r.host.as_deref(),
                r.path.as_str(),
                r.service.to_string(),
                r.resolved_port,
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            (
                Some("shop.example.com"),
                "/",
                "shop/storefront".into(),
                Some(80)
            ),
            (
                Some("shop.example.com"),
                "/api",
                "shop/orders-api".into(),
                Some(8080)
            ),
        ]
    );
    for name in ["shop/storefront", "shop/orders-api"] {
        assert_eq!(service(&topology, name).endpoints.len(), 2, "{name}");
    }
}

const BOUTIQUE_BACKENDS: &[(&str, i64, &str, i64)] = &[
    // (Service, port, container port name, targetPort it resolves to)
    ("adservice", 9555, "grpc", 9555),
    ("cartservice", 7070, "grpc", 7070),
    ("checkoutservice", 5050, "grpc", 5050),
    ("currencyservice", 7000, "grpc", 7000),
    ("emailservice", 5000, "grpc", 8080),
    ("frontend", 80, "http", 8080),
    ("paymentservice", 50051, "grpc", 50051),
    ("productcatalogservice", 3550, "grpc", 3550),
    ("recommendationservice", 8080, "grpc", 8080),
    ("redis-cart", 6379, "tcp-redis", 6379),
    ("shippingservice", 50051, "grpc", 50051),
];

fn check_boutique(topology: &Topology) {
    check_invariants(topology);
    // Eleven Deployments plus the load generator, one replica each.
    assert_eq!(topology.cluster.pods.len(), 12);
    for workload in &topology.manifests.workloads {
        let pods: Vec<_> = topology
            .cluster
            .pods
            .iter()
            .filter(|p| p.workload == Some(workload.kind_ref()))
            .collect();
        assert_eq!(pods.len(), 1, "{}", workload.meta.name);
        let hash = check_deployment_pod_name(&pods[0].name, &workload.meta.name);
        assert_eq!(pods[0].labels.get("pod-template-hash"), Some(&hash));
    }
    assert_eq!(topology.services.len(), 12);
    for &(name, port, port_name, target) in BOUTIQUE_BACKENDS {
        let service = service(topology, &format!("default/{name}"));
        assert_eq!(service.service_type, ServiceType::ClusterIP, "{name}");
        assert_eq!(
            service.ports.iter().map(|p| p.port).collect::<Vec<_>>(),
            [port],
            "{name}"
        );
        assert_eq!(
            endpoint_ports(service),
            vec![vec![(Some(port_name.to_string()), target)]],
            "{name}"
        );
        let pod = service.endpoints[0].pod.as_ref().unwrap().to_string();
        assert!(
            pod.starts_with(&format!("default/{name}-")),
            "{name} is served by {pod}"
        );
        assert!(
            service.dns.iter().any(|r| r.record_type == "SRV"
                && r.name == format!("_{port_name}._tcp.{name}.default.svc.cluster.local")
                && r.data == format!("0 100 {port} {name}.default.svc.cluster.local.")),
            "{name}: {:?}",
            service.dns
        );
    }
    let external = service(topology, "default/frontend-external");
    assert_eq!(external.service_type, ServiceType::LoadBalancer);
    assert_eq!(
        external.external_traffic_policy,
        Some(TrafficPolicy::Cluster)
    );
    assert_eq!(external.health_check_node_port, None);
    assert!(Cidr::parse("203.0.113.0/24")
        .unwrap()
        .contains(IpAddr::V4(v4(&external.load_balancer_ips[0]))));
    assert_eq!(
        external.endpoints[0].pod,
        service(topology, "default/frontend").endpoints[0].pod
    );
    assert_eq!(
        endpoint_ports(external),
        vec![vec![(Some("http".into()), 8080)]]
    );

    // The call graph, from the *_ADDR env values (§6 search path: short names in default).
    let expected: BTreeMap<String, BTreeSet<String>> = [
        (
            "frontend",
            &[
                "adservice:9555",
                "cartservice:7070",
                "checkoutservice:5050",
                "currencyservice:7000",
                "productcatalogservice:3550",
                "recommendationservice:8080",
                "shippingservice:50051",
            ][..],
        ),
        (
            "checkoutservice",
            &[
                "cartservice:7070",
                "currencyservice:7000",
                "emailservice:5000",
                "paymentservice:50051",
                "productcatalogservice:3550",
                "shippingservice:50051",
            ][..],
        ),
        ("recommendationservice", &["productcatalogservice:3550"][..]),
        ("cartservice", &["redis-cart:6379"][..]),
        ("loadgenerator", &["frontend:80"][..]),
    ]
    .into_iter()
    .map(|(from, to)| (from.to_string(), to.iter().map(|t| t.to_string()).collect()))
    .collect();
    assert_eq!(dependency_edges(topology), expected);
    assert_eq!(topology.dependencies.len(), 16);
    assert!(
        topology
            .dependencies
            .iter()
            .all(|d| d.evidence.starts_with("env ") && d.evidence.contains("_ADDR=")),
        "{:#?}",
        topology.dependencies
    );
}

/// online-boutique: eleven services, one LoadBalancer, and the call graph:
/// frontend → 7 backends, checkout → 6, recommendation → productcatalog,
/// cart → redis-cart, loadgenerator → frontend.
#[test]
fn online_boutique() {
    let topology = check("online-boutique", &["online-boutique.yaml"]);
    check_boutique(&topology);
    let codes: BTreeSet<&str> = topology.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        BTreeSet::from(["ignored-kind", "service-single-endpoint"]),
        "{:#?}",
        topology.diagnostics
    );
    assert!(topology
        .manifests
        .ignored
        .iter()
        .all(|(object, _)| object.kind == "ServiceAccount"));
}

/// The network policies alone: a deny-all plus one policy per service, and no pods to
/// select, so every policy is reported as selecting nothing.
#[test]
fn online_boutique_netpol_alone() {
    let topology = check("online-boutique-netpol", &["online-boutique-netpol.yaml"]);
    check_invariants(&topology);
    assert!(topology.cluster.pods.is_empty() && topology.services.is_empty());
    let n_policies = topology.manifests.network_policies.len();
    assert_eq!(n_policies, 13, "a deny-all plus one per workload");
    let n_unused = topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "network-policy-selects-no-pods")
        .count();
    assert_eq!(n_unused, n_policies);
}

/// online-boutique with its network policies: the same topology, and every policy now
/// selects pods, so none is reported.
#[test]
fn online_boutique_with_netpol() {
    let topology = check(
        "online-boutique+netpol",
        &["online-boutique.yaml", "online-boutique-netpol.yaml"],
    );
    check_boutique(&topology);
    assert_eq!(topology.manifests.network_policies.len(), 13);
    assert!(
        !topology
            .diagnostics
            .iter()
            .any(|d| d.code == "network-policy-selects-no-pods"),
        "{:#?}",
        topology.diagnostics
    );
    // The policies change no address: the boutique alone allocates the same ones.
    let alone = analyze(&[read("online-boutique.yaml")], &Config::default());
    for service in &topology.services {
        assert_eq!(
            service.cluster_ips,
            self::service(&alone, &service.key().to_string()).cluster_ips
        );
    }
}

/// The CLI is a thin shell: `kubetopo analyze FILE --format json` prints exactly the
/// engine's JSON, the file named as given on the command line.
#[test]
fn cli_prints_the_engine_json() {
    let path = format!("{CORPUS_DIR}/guestbook.yaml");
    let args: Vec<String> = ["analyze", path.as_str(), "--format", "json"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    assert_eq!(
        kubetopo::cli::run(&args, &mut stdout, &mut stderr),
        0,
        "{}",
        String::from_utf8_lossy(&stderr)
    );
    let printed = String::from_utf8(stdout)
        .unwrap()
        .replace(&path, "guestbook.yaml");
    let expected = to_json(&analyze(&[read("guestbook.yaml")], &Config::default()));
    assert_eq!(printed.trim_end(), expected);
}
