//! Focus on a selection (issue #10 point 7): the neighbourhood of one object, one
//! or two hops out along the picture's edges, by the rules of §13.4, checked on
//! Online Boutique against its call graph (`common::BOUTIQUE_CALL_GRAPH`).

use std::collections::BTreeSet;

use kubetopo::engine::focus::{neighbourhood, restrict, Hops};
use kubetopo::engine::scene::{build_scene, Filter, IdKind, Scene, View};
use kubetopo::engine::{scene, Topology};

use crate::common::{samples, BOUTIQUE_CALL_GRAPH};

fn boutique() -> (Topology, Scene) {
    let topology = samples(&["online-boutique.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    (topology, scene)
}

/// The scene ids of one kind in a neighbourhood, by key.
fn of_kind(ids: &BTreeSet<String>, kind: IdKind) -> BTreeSet<String> {
    ids.iter()
        .filter_map(|id| match scene::parse_id(id) {
            Some((found, key)) if found == kind => Some(key.to_string()),
            _ => None,
        })
        .collect()
}

fn pods_of(topology: &Topology, workload: &str) -> BTreeSet<String> {
    topology
        .cluster
        .pods
        .iter()
        .filter(|pod| {
            pod.workload
                .as_ref()
                .is_some_and(|owner| owner.name == workload)
        })
        .map(|pod| format!("{}/{}", pod.namespace, pod.name))
        .collect()
}

/// §13.4: the frontend's one-hop neighbourhood is exactly its callees, the Services
/// selecting its pod, its pod, that pod's node and group, and their namespace.
#[test]
fn frontend_one_hop_is_its_callees_its_services_its_pods_and_their_nodes() {
    let (topology, scene) = boutique();
    let focus = neighbourhood(&scene, "wl:default/Deployment/frontend", Hops::One);
    let callees: BTreeSet<String> = BOUTIQUE_CALL_GRAPH
        .iter()
        .filter(|(client, _)| *client == "frontend")
        .map(|(_, server)| format!("default/{server}"))
        .collect();
    assert_eq!(callees.len(), 7);
    let mut services = callees;
    services.extend([
        "default/frontend".to_string(),
        "default/frontend-external".to_string(),
    ]);
    assert_eq!(of_kind(&focus, IdKind::Service), services);
    let pods = pods_of(&topology, "frontend");
    assert_eq!(pods.len(), 1);
    assert_eq!(of_kind(&focus, IdKind::Pod), pods);
    let nodes: BTreeSet<String> = topology
        .cluster
        .pods
        .iter()
        .filter(|pod| pods.contains(&format!("{}/{}", pod.namespace, pod.name)))
        .filter_map(|pod| pod.node.clone())
        .collect();
    assert_eq!(of_kind(&focus, IdKind::Node), nodes);
    assert_eq!(
        of_kind(&focus, IdKind::Namespace),
        BTreeSet::from(["default".to_string()])
    );
    // Only the frontend's own group: the callers, load balancers and ingresses are
    // further away.
    let groups = of_kind(&focus, IdKind::WorkloadGroup);
    assert_eq!(groups.len(), 1);
    assert!(groups
        .iter()
        .all(|group| group.ends_with(":default/Deployment/frontend")));
    assert_eq!(of_kind(&focus, IdKind::LoadBalancer), BTreeSet::new());
    assert_eq!(of_kind(&focus, IdKind::External), BTreeSet::new());
    assert_eq!(
        focus.len(),
        9 + 1 + 1 + 1 + 1,
        "Services, pod, group, node, namespace: {focus:?}"
    );
}

/// §13.4: two hops add the callers (the load generator, through the frontend
/// Service), the load balancer of frontend-external, and the pods behind each callee.
#[test]
fn frontend_two_hops_adds_its_caller_the_load_balancer_and_the_callees_pods() {
    let (topology, scene) = boutique();
    let one = neighbourhood(&scene, "wl:default/Deployment/frontend", Hops::One);
    let two = neighbourhood(&scene, "wl:default/Deployment/frontend", Hops::Two);
    assert!(one.is_subset(&two));
    let groups = of_kind(&two, IdKind::WorkloadGroup);
    assert!(
        groups
            .iter()
            .any(|group| group.ends_with(":default/Deployment/loadgenerator")),
        "{groups:?}"
    );
    assert_eq!(
        of_kind(&two, IdKind::LoadBalancer),
        BTreeSet::from(["default/frontend-external".to_string()])
    );
    for (client, server) in BOUTIQUE_CALL_GRAPH {
        if client == "frontend" {
            let pods = pods_of(&topology, server);
            assert!(!pods.is_empty(), "{server} has pods");
            assert!(
                pods.is_subset(&of_kind(&two, IdKind::Pod)),
                "pods of {server}"
            );
        }
    }
    // Not three hops: the callees of checkoutservice's pods are not reached (emailservice
    // is called by checkoutservice only).
    assert!(!of_kind(&two, IdKind::Service).contains("default/emailservice"));
}

/// §13.4: a Service's one hop is its endpoints and its callers; a node's is what it
/// runs and the Services of those pods; containers come along but are not followed.
#[test]
fn a_service_and_a_node_as_focus() {
    let (topology, scene) = boutique();
    let focus = neighbourhood(&scene, "svc:default/cartservice", Hops::One);
    let callers: BTreeSet<&str> = BOUTIQUE_CALL_GRAPH
        .iter()
        .filter(|(_, server)| *server == "cartservice")
        .map(|(client, _)| *client)
        .collect();
    // Its endpoints, and the pods of its callers, which come with their groups.
    let mut pods = pods_of(&topology, "cartservice");
    for caller in &callers {
        pods.extend(pods_of(&topology, caller));
    }
    assert_eq!(of_kind(&focus, IdKind::Pod), pods);
    let groups = of_kind(&focus, IdKind::WorkloadGroup);
    for caller in &callers {
        assert!(
            groups
                .iter()
                .any(|group| group.ends_with(&format!(":default/Deployment/{caller}"))),
            "caller {caller} in {groups:?}"
        );
    }
    // The callers' pods come with their groups; cartservice's own callee is 2 hops.
    assert!(!of_kind(&focus, IdKind::Service).contains("default/redis-cart"));
    let node = neighbourhood(&scene, "node:node-1", Hops::One);
    let on_node: BTreeSet<String> = topology
        .cluster
        .pods
        .iter()
        .filter(|pod| pod.node.as_deref() == Some("node-1"))
        .map(|pod| format!("{}/{}", pod.namespace, pod.name))
        .collect();
    assert!(on_node.is_subset(&of_kind(&node, IdKind::Pod)));
    assert!(of_kind(&node, IdKind::Node).contains("node-1"));
}

#[test]
fn an_unknown_id_has_no_neighbourhood_and_restrict_keeps_only_the_focus() {
    let (_, scene) = boutique();
    assert!(neighbourhood(&scene, "svc:default/nope", Hops::Two).is_empty());
    assert!(neighbourhood(&scene, "not an id", Hops::One).is_empty());
    let focus = neighbourhood(&scene, "wl:default/Deployment/frontend", Hops::One);
    let focused = restrict(&scene, &focus);
    let ids: BTreeSet<String> = focused
        .shapes
        .iter()
        .map(|shape| shape.id.clone())
        .collect();
    assert_eq!(ids, focus);
    assert!(!focused.edges.is_empty());
    for edge in &focused.edges {
        assert!(
            focus.contains(&edge.from) && focus.contains(&edge.to),
            "{edge:?}"
        );
        assert!(edge.path.starts_with('M'), "{}", edge.path);
    }
    // Moved to the margin, and no bigger than the whole picture.
    let left = focused
        .shapes
        .iter()
        .map(|s| s.rect.x)
        .fold(f64::INFINITY, f64::min);
    let top = focused
        .shapes
        .iter()
        .map(|s| s.rect.y)
        .fold(f64::INFINITY, f64::min);
    assert_eq!((left, top), (24.0, 24.0));
    assert!(focused.width <= scene.width && focused.height <= scene.height);
    for shape in &focused.shapes {
        assert_eq!(focused.shape(&shape.id).map(|s| &s.id), Some(&shape.id));
    }
    assert_eq!(restrict(&scene, &BTreeSet::new()).shapes.len(), 0);
}

/// §13.4: a workload group and its pods are reached together, so two hops from the
/// frontend Service reach, through its pod, the seven Services the frontend calls.
#[test]
fn two_hops_from_a_service_reach_its_workloads_callees() {
    let (_, scene) = boutique();
    let one = neighbourhood(&scene, "svc:default/frontend", Hops::One);
    assert_eq!(
        of_kind(&one, IdKind::Service),
        BTreeSet::from(["default/frontend".to_string()])
    );
    let groups = of_kind(&one, IdKind::WorkloadGroup);
    assert_eq!(groups.len(), 2, "frontend's and its caller's: {groups:?}");
    let two = neighbourhood(&scene, "svc:default/frontend", Hops::Two);
    let mut services: BTreeSet<String> = BOUTIQUE_CALL_GRAPH
        .iter()
        .filter(|(client, _)| *client == "frontend")
        .map(|(_, server)| format!("default/{server}"))
        .collect();
    services.extend([
        "default/frontend".to_string(),
        "default/frontend-external".to_string(),
    ]);
    assert_eq!(of_kind(&two, IdKind::Service), services);
}

/// §13.4, issue #8: a Route is drawn as edges, which are its first hop: Focus on
/// it shows the listeners it attached to with their Gateway, and its backend
/// Services with their namespaces, and nothing else; two hops go on to the
/// backends' pods. A Gateway brings its listeners, and one hop reaches the
/// Services its Routes send to. The arrow keys step from Route to Route.
#[test]
fn focus_on_a_route_shows_its_gateway_listeners_and_backends() {
    use kubetopo::engine::highlight::{step_selection, StepDirection};
    let topology = samples(&["gateway-canary.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let storefront = "route:HTTPRoute/shop/storefront";
    let one = neighbourhood(&scene, storefront, Hops::One);
    let set = |keys: &[&str]| keys.iter().map(|k| k.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(of_kind(&one, IdKind::Gateway), set(&["shop/web"]));
    assert_eq!(of_kind(&one, IdKind::Listener), set(&["shop/web/http"]));
    assert_eq!(
        of_kind(&one, IdKind::Service),
        set(&[
            "payments/payments",
            "shop/cart",
            "shop/cart-canary",
            "shop/frontend"
        ])
    );
    assert!(of_kind(&one, IdKind::Pod).is_empty(), "{one:?}");
    // The focused picture draws the Route's edges.
    let focused = restrict(&scene, &one);
    assert!(focused
        .edges
        .iter()
        .any(|edge| edge.stands_for.iter().any(|r| r == storefront)));
    let two = neighbourhood(&scene, storefront, Hops::Two);
    let cart_pods = pods_of(&topology, "cart");
    assert!(!cart_pods.is_empty());
    assert!(cart_pods.is_subset(&of_kind(&two, IdKind::Pod)));
    assert!(!of_kind(&two, IdKind::Service).contains("legacy/old-frontend"));
    // A Gateway: its listeners, and one hop on, the Services its Routes reach.
    let gateway = neighbourhood(&scene, "gw:shop/web", Hops::One);
    assert!(of_kind(&gateway, IdKind::Listener).contains("shop/web/http"));
    assert!(of_kind(&gateway, IdKind::Service).contains("shop/cart-canary"));
    // Arrow keys: Route to Route, both ways, wrapping around.
    let routes: Vec<String> = {
        let mut routes: Vec<String> = Vec::new();
        for route in scene.edges.iter().flat_map(|e| &e.stands_for) {
            if !routes.contains(route) {
                routes.push(route.clone());
            }
        }
        routes
    };
    assert!(routes.len() >= 2, "{routes:?}");
    let at = routes.iter().position(|r| r == storefront).expect("drawn");
    let next = step_selection(&scene, Some(storefront), StepDirection::Forward);
    assert_eq!(
        next.as_deref(),
        Some(routes[(at + 1) % routes.len()].as_str())
    );
    let back = step_selection(&scene, next.as_deref(), StepDirection::Backward);
    assert_eq!(back.as_deref(), Some(storefront));
}

/// §13.4, issue #8: a Route has no shape; the view centres on the middle of its
/// edges' labels, as it centres on a box's middle. A Route with one edge is at its
/// label; a Route the picture does not draw is nowhere.
#[test]
fn s13_4_a_route_is_anchored_at_the_middle_of_its_labels() {
    let topology = samples(&["gateway-canary.yaml"]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let labels_of = |route: &str| -> Vec<(f64, f64)> {
        scene
            .edges
            .iter()
            .filter(|edge| edge.stands_for.iter().any(|r| r == route))
            .map(|edge| {
                let label = edge.label.as_ref().expect("a Route's edge is labelled");
                (label.x, label.y)
            })
            .collect()
    };
    let old_shop = "route:HTTPRoute/legacy/old-shop";
    assert_eq!(labels_of(old_shop).len(), 1);
    assert_eq!(scene.anchor(old_shop), Some(labels_of(old_shop)[0]));
    let storefront = "route:HTTPRoute/shop/storefront";
    let points = labels_of(storefront);
    assert_eq!(points.len(), 4);
    let (x, y) = scene.anchor(storefront).expect("drawn");
    let n = points.len() as f64;
    assert!((x - points.iter().map(|p| p.0).sum::<f64>() / n).abs() < 1e-9);
    assert!((y - points.iter().map(|p| p.1).sum::<f64>() / n).abs() < 1e-9);
    // Between the listener and the Services: right of the Gateway, left of them.
    let gateway = scene.shape("gw:shop/web").expect("drawn").rect;
    let cart = scene.shape("svc:shop/cart").expect("drawn").rect;
    assert!(x > gateway.x + gateway.w && x < cart.x, "{x}");
    assert_eq!(scene.anchor("route:HTTPRoute/shop/no-such-route"), None);
    // Shapes keep their middle.
    assert_eq!(scene.anchor("svc:shop/cart"), Some(cart.center()));
}
