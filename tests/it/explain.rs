//! State the user can trust (§7.5): what-if edits as a list replayed on the
//! manifests' topology, controllers that replace killed pods, diagnostics that speak
//! of the edit, and traffic counters and drop labels from the simulator (§5.2, §8).

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::Protocol;
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::sim::{SimConfig, Simulator};
use kubetopo::engine::trace::{self, Cause, Destination, TraceRequest, TraceSource, Verdict};
use kubetopo::engine::whatif::{apply, replay, Mutation};
use kubetopo::engine::{analyze, Topology};

use crate::common::{diagnostic_fact, samples};

fn boutique() -> Topology {
    samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"])
}

fn first_pod(topology: &Topology, prefix: &str) -> String {
    topology
        .cluster
        .pods
        .iter()
        .find(|p| p.name.starts_with(prefix))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| panic!("no pod {prefix}*"))
}

fn kill(name: &str) -> Mutation {
    Mutation::KillPod {
        namespace: "default".into(),
        name: name.into(),
    }
}

fn scale(name: &str, replicas: u32) -> Mutation {
    Mutation::ScaleWorkload {
        namespace: "default".into(),
        name: name.into(),
        replicas,
    }
}

fn facts(topology: &Topology) -> Vec<String> {
    topology.diagnostics.iter().map(diagnostic_fact).collect()
}

/// §7.5: undoing one edit of a list replays the others on the manifests' topology,
/// and equals applying only those; an edit that names a pod only the undone edit
/// created no longer applies and says so.
#[test]
fn undoing_one_edit_replays_the_others_on_the_base() {
    let base = boutique();
    let redis = first_pod(&base, "redis-cart-");
    let edits = vec![scale("cartservice", 3), kill(&redis), scale("frontend", 0)];
    let all = replay(&base, &edits);
    assert!(all.results.iter().all(Result::is_ok));
    assert_eq!(all.topology.what_if.edits.len(), 3);

    // Undo the kill: the same as applying the other two by hand.
    let undone = replay(&base, &[edits[0].clone(), edits[2].clone()]);
    let mut by_hand = base.clone();
    apply(&mut by_hand, &edits[0]).unwrap();
    apply(&mut by_hand, &edits[2]).unwrap();
    assert_eq!(undone.topology.services, by_hand.services);
    assert_eq!(undone.topology.cluster, by_hand.cluster);
    assert_eq!(undone.topology.diagnostics, by_hand.diagnostics);
    assert!(undone.topology.cluster.pods.iter().any(|p| p.name == redis));
    assert!(undone.topology.what_if.replaced_pods.is_empty());

    // Undo everything: the manifests' own topology, diagnostics included.
    let none = replay(&base, &[]);
    assert_eq!(none.topology.services, base.services);
    assert_eq!(none.topology.diagnostics, base.diagnostics);

    // Killing the replacement depends on the first kill.
    let first = replay(&base, &[kill(&redis)]);
    let replacement = first.topology.what_if.replaced_pods.keys().next().cloned();
    let replacement = replacement.expect("a replacement").name;
    let chained = replay(&base, &[kill(&redis), kill(&replacement)]);
    assert!(chained.results.iter().all(Result::is_ok));
    let without_first = replay(&base, &[kill(&replacement)]);
    let error = without_first.results[0].as_ref().unwrap_err();
    assert!(error.is_not_found(), "{error}");
}

/// §7.5, §7.2: a killed pod comes back as its controller would bring it back.
#[test]
fn a_killed_pod_is_replaced_as_its_controller_would() {
    // A Deployment's pod: a new name in the same ReplicaSet, ready, same labels.
    let mut topology = boutique();
    let redis = first_pod(&topology, "redis-cart-");
    let old = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.name == redis)
        .unwrap()
        .clone();
    let report = apply(&mut topology, &kill(&redis)).unwrap();
    assert_eq!(report.replaced_pods.len(), 1, "{}", report.description);
    let created = &report.replaced_pods[0].1;
    assert_ne!(created.name, redis);
    let new = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.key() == *created)
        .unwrap();
    assert_eq!(new.owner, old.owner);
    assert_eq!(new.labels, old.labels);
    assert!(new.ready);
    assert!(
        report.description.contains("its controller creates"),
        "{}",
        report.description
    );

    // A StatefulSet's pod: the same name.
    let mut topology = samples(&["headless-statefulset.yaml"]);
    let member_pod = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.workload.as_ref().is_some_and(|w| w.kind == "StatefulSet"))
        .expect("a StatefulSet pod");
    let (namespace, member) = (member_pod.namespace.clone(), member_pod.name.clone());
    let report = apply(
        &mut topology,
        &Mutation::KillPod {
            namespace,
            name: member.clone(),
        },
    )
    .unwrap();
    assert_eq!(report.replaced_pods.len(), 1);
    assert_eq!(report.replaced_pods[0].1.name, member);
    assert!(
        facts(&topology)
            .iter()
            .any(|f| f.contains("what-if-pod-replaced") && f.contains("under the same name")),
        "{:#?}",
        facts(&topology)
    );

    // A DaemonSet's pod: a new name on the same node. A bare pod: gone.
    let yaml = r#"apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: agent}]}
---
apiVersion: v1
kind: Pod
metadata: {name: lonely}
spec: {containers: [{name: c, image: c}]}
"#;
    let mut topology = analyze(&[SourceFile::new("ds.yaml", yaml)], &Config::default());
    let daemon = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.name.starts_with("agent-"))
        .unwrap()
        .clone();
    let report = apply(&mut topology, &kill(&daemon.name)).unwrap();
    let created = &report.replaced_pods[0].1;
    assert_ne!(created.name, daemon.name);
    let new = topology
        .cluster
        .pods
        .iter()
        .find(|p| p.key() == *created)
        .unwrap();
    assert_eq!(new.node, daemon.node);
    assert!(new.ready && !new.ips.is_empty());
    let report = apply(&mut topology, &kill("lonely")).unwrap();
    assert!(report.replaced_pods.is_empty());
    assert!(!topology.cluster.pods.iter().any(|p| p.name == "lonely"));
}

/// §7.5: scaling to 0 warns about the Service that lost its endpoints, in terms of
/// the edit, and not about the manifests' selectors or the NetworkPolicy that now
/// selects nothing.
#[test]
fn diagnostics_after_an_edit_speak_of_the_edit() {
    let base = boutique();
    let mut topology = base.clone();
    apply(&mut topology, &scale("cartservice", 0)).unwrap();
    let facts = facts(&topology);
    crate::common::check_facts(
        &facts,
        &[
            "diag warning what-if-no-endpoints Service/default/cartservice - @online-boutique.yaml#* After you scaled cartservice in default to 0, Service default/cartservice has no ready endpoints, so connections to it fail.*",
            "!diag * service-selects-no-pods Service/default/cartservice *",
            "!diag * network-policy-selects-no-pods *",
            "!* fix *",
        ],
    );
    // The manifests' own findings about everything else are untouched.
    for diagnostic in base
        .diagnostics
        .iter()
        .filter(|d| !d.object.contains("cartservice"))
    {
        assert!(
            topology.diagnostics.contains(diagnostic),
            "{}",
            diagnostic_fact(diagnostic)
        );
    }

    // Killing the only redis-cart pod: the replacement keeps the Service served, and
    // the replacement is named.
    let mut topology = base.clone();
    let redis = first_pod(&topology, "redis-cart-");
    apply(&mut topology, &kill(&redis)).unwrap();
    let facts = self::facts(&topology);
    crate::common::check_facts(
        &facts,
        &[
            &format!("diag info what-if-pod-replaced Pod/default/redis-cart-* - @online-boutique.yaml#* After you killed pod default/{redis}, its controller ReplicaSet/redis-cart-* created pod default/redis-cart-* in its place."),
            "!diag * what-if-no-endpoints *",
            "!diag * service-selects-no-pods *",
        ],
    );

    // A later edit that re-resolves everything keeps the attribution.
    apply(
        &mut topology,
        &Mutation::RemoveNetworkPolicy {
            namespace: "default".into(),
            name: "deny-all".into(),
        },
    )
    .unwrap();
    apply(&mut topology, &scale("cartservice", 0)).unwrap();
    apply(
        &mut topology,
        &Mutation::SetServiceType {
            namespace: "default".into(),
            name: "frontend".into(),
            service_type: kubetopo::engine::model::ServiceType::NodePort,
        },
    )
    .unwrap();
    crate::common::check_facts(
        &self::facts(&topology),
        &[
            "diag warning what-if-no-endpoints Service/default/cartservice * After you scaled cartservice in default to 0, *",
            "diag info what-if-pod-replaced *",
            "!diag * service-selects-no-pods *",
        ],
    );
}

/// §7.5: a trace that reaches a replacement pod says whom it replaced.
#[test]
fn a_trace_to_a_replacement_notes_it() {
    let mut topology = boutique();
    let redis = first_pod(&topology, "redis-cart-");
    apply(&mut topology, &kill(&redis)).unwrap();
    let cart = first_pod(&topology, "cartservice-");
    let result = trace::trace(
        &topology,
        &TraceRequest {
            source: TraceSource::Pod {
                namespace: "default".into(),
                name: cart,
            },
            destination: Destination::Name {
                host: "redis-cart".into(),
                port: Some(6379),
            },
            protocol: Protocol::Tcp,
            seed: 0,
        },
    );
    assert_eq!(result.verdict, Verdict::Delivered, "{}", result.reason);
    assert_eq!(result.cause, Cause::Delivered);
    assert!(
        result.reason.contains(&format!(
            "is the controller's replacement for default/{redis}, created after you killed pod default/{redis}"
        )),
        "{}",
        result.reason
    );
}

/// §8, §5.2: drops carry a short typed cause.
#[test]
fn drops_are_labelled_by_cause() {
    let mut topology = boutique();
    let run = |topology: &Topology, from: &str, to: &str, port: i64| {
        trace::trace(
            topology,
            &TraceRequest {
                source: TraceSource::Pod {
                    namespace: "default".into(),
                    name: first_pod(topology, from),
                },
                destination: Destination::Name {
                    host: to.into(),
                    port: Some(port),
                },
                protocol: Protocol::Tcp,
                seed: 0,
            },
        )
    };
    let denied = run(&topology, "loadgenerator-", "cartservice", 7070);
    assert_eq!(denied.verdict, Verdict::Dropped);
    assert_eq!(
        denied.cause,
        Cause::DeniedByPolicy(vec![
            NamespacedName::new("default", "cartservice"),
            NamespacedName::new("default", "deny-all")
        ])
    );
    assert_eq!(
        denied.cause.label(),
        "denied by policy cartservice, deny-all"
    );
    apply(&mut topology, &scale("cartservice", 0)).unwrap();
    let refused = run(&topology, "frontend-", "cartservice", 7070);
    assert_eq!(refused.verdict, Verdict::Rejected);
    assert_eq!(refused.cause.label(), "no endpoints");
}

/// §5.2: the local-lb sample's default flows reach every node's NodePort and the load
/// balancer; nodes without an echo pod drop ("no local endpoint"), the load balancer
/// path delivers. Counters per node and per Service, and the recent connections,
/// show it; a killed pod leaves the counters.
#[test]
fn local_lb_flows_show_drops_per_node_and_service() {
    let topology = samples(&["local-loadbalancer.yaml"]);
    let echo_nodes: Vec<String> = topology
        .cluster
        .pods
        .iter()
        .filter(|p| p.name.starts_with("echo-"))
        .filter_map(|p| p.node.clone())
        .collect();
    let n_nodes = topology.cluster.nodes.len();
    let mut simulator = Simulator::new(
        topology,
        SimConfig {
            default_rate: 0.5,
            ..SimConfig::default()
        },
    );
    let labels: Vec<String> = simulator.flows().iter().map(|f| f.label.clone()).collect();
    assert_eq!(
        labels
            .iter()
            .filter(|l| l.contains("NodePort") && l.contains(" on node-"))
            .count(),
        n_nodes,
        "{labels:?}"
    );
    assert!(labels.iter().any(|l| l.contains(" LB ")), "{labels:?}");
    for _ in 0..600 {
        simulator.tick();
    }
    let counters = simulator.counters();
    let echo = counters
        .per_service
        .get(&NamespacedName::new("default", "echo"))
        .expect("echo counted");
    assert!(echo.delivered > 0 && echo.dropped > 0, "{echo:?}");
    for (node, counts) in &counters.per_node {
        if echo_nodes.contains(node) {
            assert_eq!(counts.dropped, 0, "{node}: {counts:?}");
            assert!(counts.delivered > 0, "{node}: {counts:?}");
        } else {
            assert!(counts.dropped > 0, "{node}: {counts:?}");
        }
    }
    let recent: Vec<_> = simulator.recent_connections().copied().collect();
    assert_eq!(recent.len(), kubetopo::engine::sim::N_RECENT);
    assert!(recent.windows(2).all(|w| w[0].tick >= w[1].tick));
    let dropped = recent
        .iter()
        .find(|c| c.verdict == Verdict::Dropped)
        .expect("a recent drop");
    let path = simulator.path(dropped.path).unwrap();
    assert_eq!(path.cause.label(), "no local endpoint");
    let explained = simulator.path_trace(dropped.path).expect("replayable");
    assert_eq!(explained.verdict, Verdict::Dropped);

    // Kill an echo pod: its delivered count leaves the counters.
    let victim = counters
        .per_endpoint
        .keys()
        .next()
        .cloned()
        .expect("an endpoint counted");
    let victim = NamespacedName::parse(&victim).expect("a pod endpoint");
    simulator.apply(&kill(&victim.name)).unwrap();
    assert!(!simulator
        .counters()
        .per_endpoint
        .contains_key(&victim.to_string()));
    // Packets in flight to it finish their path, but do not bring its count back.
    for _ in 0..200 {
        simulator.tick();
    }
    assert!(!simulator
        .counters()
        .per_endpoint
        .contains_key(&victim.to_string()));
}

/// Find: a name search ranks Services, then workloads, then pods, so Enter goes
/// to the Service rather than to a pod of the same name.
#[test]
fn search_ranks_services_then_workloads_then_pods() {
    use kubetopo::engine::highlight;
    use kubetopo::engine::scene::{build_scene, id_kind, Filter, IdKind, View};
    let topology = boutique();
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&topology, view, &Filter::default());
        let found = highlight::search(&scene, &topology, "CartService", "");
        assert_eq!(
            found.best(&scene),
            Some("svc:default/cartservice"),
            "{view:?}"
        );
        let ranked: Vec<&str> = found
            .ranked(&scene)
            .into_iter()
            .map(|position| scene.shapes[position].id.as_str())
            .collect();
        let kinds: Vec<IdKind> = ranked.iter().filter_map(|id| id_kind(id)).collect();
        let rank = |kind: &IdKind| match kind {
            IdKind::Service | IdKind::LoadBalancer => 0,
            IdKind::Workload | IdKind::WorkloadGroup => 1,
            IdKind::Pod => 2,
            _ => 3,
        };
        assert!(
            kinds.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
            "{view:?}: {:?}",
            ranked
        );
        assert_eq!(ranked.len(), found.matches.len());
        assert!(
            kinds.iter().any(|k| rank(k) > 0),
            "{view:?}: something besides the Service matches: {:?}",
            ranked
        );
    }
}

/// §11.10, §11.8: a Gateway's redirect (3xx) is its own verdict, and the counters give
/// it its own column: neither delivered nor dropped, counted on the node of the proxy
/// that answered and on the Gateway's Service the flow targets (§11.2), while a
/// request the same Gateway forwards counts as delivered there.
#[test]
fn gateway_redirects_have_their_own_counter_column() {
    let yaml = "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: c}\nspec: {controllerName: example.net/gw}\n---\n\
apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: default}\nspec:\n  gatewayClassName: c\n  listeners:\n  - {name: http, port: 80, protocol: HTTP}\n---\n\
apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: web, namespace: default}\nspec:\n  parentRefs: [{name: gw}]\n  rules:\n  - matches: [{path: {type: PathPrefix, value: /old}}]\n    filters: [{type: RequestRedirect, requestRedirect: {hostname: example.org}}]\n  - backendRefs: [{name: web, port: 8080}]\n---\n\
apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  selector: {app: web}\n  ports: [{port: 8080, targetPort: 3000}]\n---\n\
apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: default}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: echo, ports: [{containerPort: 3000}]}]}\n";
    let topology = analyze(&[SourceFile::new("gw.yaml", yaml)], &Config::default());
    let ip = topology.gateway.gateways[0].addresses[0].value.clone();
    let gateway_service = topology
        .services
        .iter()
        .find(|s| s.load_balancer_ips.iter().any(|a| a.to_string() == ip))
        .map(|s| s.key())
        .expect("the Gateway's Service");
    let mut simulator = Simulator::new(
        topology,
        SimConfig {
            default_rate: 0.0,
            ..SimConfig::default()
        },
    );
    let mut add = |path: &str| {
        let destination = trace::parse_destination(&format!("http://{ip}{path}")).unwrap();
        simulator.add_flow(kubetopo::engine::sim::Flow {
            label: path.to_string(),
            origin: kubetopo::engine::sim::FlowOrigin::User,
            source: TraceSource::ExternalClients { n_clients: 4 },
            destination,
            protocol: Protocol::Tcp,
            http: Default::default(),
            rate: 0.5,
        })
    };
    add("/old/page");
    add("/new/page");
    for _ in 0..400 {
        simulator.tick();
    }
    let counters = simulator.counters();
    let redirected = counters.count(Verdict::Redirected);
    assert!(redirected > 0, "{counters:?}");
    assert!(counters.delivered() > 0, "{counters:?}");
    let service = counters
        .per_service
        .get(&gateway_service)
        .unwrap_or_else(|| panic!("{gateway_service} counted: {counters:?}"));
    assert_eq!(service.redirected, redirected, "{service:?}");
    assert_eq!(service.delivered, counters.delivered(), "{service:?}");
    assert_eq!(service.dropped + service.rejected, 0, "{service:?}");
    let on_nodes: u64 = counters.per_node.values().map(|c| c.redirected).sum();
    assert_eq!(on_nodes, redirected, "{:?}", counters.per_node);
    let recent = simulator
        .recent_connections()
        .find(|c| c.verdict == Verdict::Redirected)
        .copied()
        .expect("a recent redirect");
    assert_eq!(
        simulator.path(recent.path).unwrap().cause.label(),
        "redirected"
    );
}
