//! Highlighting, keyboard stepping, search and the other pure helpers the web
//! shell calls: scene ids, where traffic places are drawn, and the natural client
//! of a trace. The shell only applies what these return.

use std::collections::BTreeSet;

use kubetopo::engine::config::Config;
use kubetopo::engine::highlight::{
    highlight, search, selection_target, step_selection, Highlight, StepDirection,
};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::positions::Positions;
use kubetopo::engine::refs::{KindRef, NamespacedName};
use kubetopo::engine::scene::{
    self, build_scene, id_from_key, parse_id, place_anchor, Filter, IdKind, Scene, View,
};
use kubetopo::engine::sources::{natural_client, NaturalClient};
use kubetopo::engine::trace::Place;
use kubetopo::engine::{analyze, Topology};

fn sample(name: &str) -> String {
    std::fs::read_to_string(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("sample file")
}

fn analyze_text(text: &str) -> Topology {
    analyze(&[SourceFile::new("input.yaml", text)], &Config::default())
}

fn boutique() -> Topology {
    analyze_text(&sample("online-boutique.yaml"))
}

fn cluster_scene(topology: &Topology) -> Scene {
    build_scene(topology, View::Cluster, &Filter::default())
}

/// The ids of the shapes at `positions`, for readable assertions.
fn shape_ids(scene: &Scene, positions: &Positions) -> BTreeSet<String> {
    positions
        .iter()
        .map(|position| scene.shapes[position].id.clone())
        .collect()
}

fn edge_ends(scene: &Scene, positions: &Positions) -> Vec<(String, String)> {
    positions
        .iter()
        .map(|position| {
            let edge = &scene.edges[position];
            (edge.from.clone(), edge.to.clone())
        })
        .collect()
}

fn pod_ids_of(scene: &Scene, prefix: &str) -> Vec<String> {
    scene
        .shapes
        .iter()
        .filter(|shape| shape.id.starts_with(prefix))
        .map(|shape| shape.id.clone())
        .collect()
}

#[test]
fn every_kind_of_scene_id_parses_back_to_its_kind_and_key() {
    for kind in IdKind::ALL {
        let id = id_from_key(kind, "team-a/web");
        assert_eq!(parse_id(&id), Some((kind, "team-a/web")), "{id}");
    }
    assert_eq!(
        scene::service_id("default", "frontend"),
        "svc:default/frontend"
    );
    assert_eq!(parse_id("not an id"), None);
}

#[test]
fn every_shape_of_the_demo_has_an_id_of_a_known_kind() {
    let topology = boutique();
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&topology, view, &Filter::default());
        for shape in &scene.shapes {
            assert!(scene::id_kind(&shape.id).is_some(), "{}", shape.id);
        }
    }
}

#[test]
fn selecting_a_service_lights_its_endpoints_their_containers_and_its_edges() {
    let topology = boutique();
    let scene = cluster_scene(&topology);
    let selected = scene::service_id("default", "cartservice");
    let shown = highlight(&scene, Some(&selected), &Positions::new());
    let lit = shape_ids(&scene, &shown.lit_shapes);
    let cart_pods = pod_ids_of(&scene, "pod:default/cartservice-");
    assert!(!cart_pods.is_empty());
    for pod in &cart_pods {
        assert!(lit.contains(pod), "{pod} is an endpoint and must be lit");
        // The pod's workload group and node stay visible around it.
        let group = scene.shape(pod).and_then(|s| s.parent.clone()).unwrap();
        let node = scene.shape(&group).and_then(|s| s.parent.clone()).unwrap();
        assert!(
            lit.contains(&group) && lit.contains(&node),
            "{group} {node}"
        );
    }
    for pod in pod_ids_of(&scene, "pod:default/redis-cart-") {
        assert!(!lit.contains(&pod), "{pod} is not connected to cartservice");
    }
    assert!(lit.contains("ns:default"), "the Service's namespace island");
    assert_eq!(
        shape_ids(&scene, &shown.selected_shapes),
        BTreeSet::from([selected.clone()])
    );
    let edges = edge_ends(&scene, &shown.lit_edges);
    assert!(!edges.is_empty());
    for (from, to) in edges {
        assert!(from == selected || to == selected, "{from} → {to}");
    }
    assert!(shown.matched_shapes.is_empty());
}

#[test]
fn selecting_an_exposed_service_lights_the_edges_from_its_load_balancer() {
    let topology = analyze_text(&sample("local-loadbalancer.yaml"));
    let scene = cluster_scene(&topology);
    let service = topology
        .services
        .iter()
        .find(|service| service.externally_accessible())
        .expect("the sample exposes a Service");
    let selected = scene::service_id(&service.namespace, &service.name);
    let load_balancer = scene::load_balancer_id(&service.namespace, &service.name);
    let shown = highlight(&scene, Some(&selected), &Positions::new());
    let edges = edge_ends(&scene, &shown.lit_edges);
    let node_edges: Vec<_> = edges
        .iter()
        .filter(|(from, to)| *from == load_balancer && to.starts_with("node:"))
        .collect();
    assert_eq!(node_edges.len(), topology.cluster.nodes.len(), "{edges:?}");
    let lit = shape_ids(&scene, &shown.lit_shapes);
    for node in &topology.cluster.nodes {
        assert!(lit.contains(&scene::node_id(&node.name)));
    }
}

#[test]
fn selecting_a_workload_in_the_cluster_view_lights_its_groups_in_every_node() {
    let topology = boutique();
    let scene = cluster_scene(&topology);
    let workload = scene::workload_id("default", &KindRef::new("Deployment", "frontend"));
    let groups: Vec<String> = scene
        .shapes
        .iter()
        .filter(|shape| scene.workload_of_group(&shape.id).as_deref() == Some(workload.as_str()))
        .map(|shape| shape.id.clone())
        .collect();
    assert!(!groups.is_empty());
    let shown = highlight(&scene, Some(&workload), &Positions::new());
    let lit = shape_ids(&scene, &shown.lit_shapes);
    for group in &groups {
        assert!(lit.contains(group), "{group}");
        assert_eq!(selection_target(&scene, group), workload);
    }
    // The workload has no shape of its own in the cluster view.
    assert!(shown.selected_shapes.is_empty());
}

#[test]
fn matches_are_lit_and_outlined_and_nothing_else_is_selected() {
    let topology = boutique();
    let scene = cluster_scene(&topology);
    let matches = BTreeSet::from([
        scene::service_id("default", "adservice"),
        scene::service_id("default", "emailservice"),
    ]);
    let positions: Positions = matches
        .iter()
        .map(|id| scene.shape_index(id).expect("a Service of the demo"))
        .collect();
    let shown = highlight(&scene, None, &positions);
    assert_eq!(shape_ids(&scene, &shown.matched_shapes), matches);
    let lit = shape_ids(&scene, &shown.lit_shapes);
    assert_eq!(
        lit,
        BTreeSet::from([
            "ns:default".to_string(),
            scene::service_id("default", "adservice"),
            scene::service_id("default", "emailservice"),
        ])
    );
    assert!(shown.lit_edges.is_empty() && shown.selected_shapes.is_empty());
}

#[test]
fn nothing_selected_and_nothing_matched_lights_nothing() {
    let scene = cluster_scene(&boutique());
    assert_eq!(
        highlight(&scene, None, &Positions::new()),
        Highlight::default()
    );
    let unknown = highlight(&scene, Some("svc:default/not-there"), &Positions::new());
    assert!(unknown.selected_shapes.is_empty() && unknown.lit_edges.is_empty());
}

/// Issue #12, item 13: an object name with a newline and CSS syntax in it once
/// ended a generated CSS string and added rules of its own. Highlighting is now
/// positions of shapes, so such a name lights exactly its own shape.
#[test]
fn css_injection_through_an_object_name_lights_only_that_object() {
    let hostile = "x\\\"\n]{}*{display:none}";
    let text = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name:?}\nspec:\n  selector: {{app: x}}\n  ports: [{{port: 80}}]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: plain\nspec:\n  selector: {{app: y}}\n  ports: [{{port: 80}}]\n",
        name = hostile
    );
    let topology = analyze_text(&text);
    let scene = cluster_scene(&topology);
    let hostile_id = scene::service_id("default", hostile);
    assert!(
        scene.shape(&hostile_id).is_some(),
        "the Service is drawn despite its name"
    );
    assert_eq!(
        parse_id(&hostile_id),
        Some((IdKind::Service, &hostile_id[4..]))
    );
    let searched = search(&scene, &topology, "display:none", "");
    assert_eq!(
        shape_ids(&scene, &searched.matches),
        BTreeSet::from([hostile_id.clone()])
    );
    let shown = highlight(&scene, Some(&hostile_id), &searched.matches);
    assert_eq!(
        shape_ids(&scene, &shown.lit_shapes),
        BTreeSet::from([hostile_id.clone(), "ns:default".to_string()])
    );
    assert_eq!(
        shape_ids(&scene, &shown.selected_shapes),
        BTreeSet::from([hostile_id])
    );
    assert!(!shape_ids(&scene, &shown.lit_shapes).contains(&scene::service_id("default", "plain")));
}

#[test]
fn arrow_keys_step_through_shapes_of_the_same_kind_and_wrap_around() {
    let scene = cluster_scene(&boutique());
    let services: Vec<String> = pod_ids_of(&scene, "svc:");
    let first = step_selection(&scene, None, StepDirection::Forward).unwrap();
    assert_eq!(first, services[0], "without a selection the first Service");
    let second = step_selection(&scene, Some(&first), StepDirection::Forward).unwrap();
    assert_eq!(second, services[1]);
    let back = step_selection(&scene, Some(&first), StepDirection::Backward).unwrap();
    assert_eq!(
        back,
        *services.last().unwrap(),
        "backward from the first wraps"
    );
    let last = services.last().unwrap();
    assert_eq!(
        step_selection(&scene, Some(last), StepDirection::Forward).unwrap(),
        services[0]
    );
    let pods = pod_ids_of(&scene, "pod:");
    let next_pod = step_selection(&scene, Some(&pods[0]), StepDirection::Forward).unwrap();
    assert_eq!(next_pod, pods[1], "a pod steps to the next pod");
    let empty = Scene::default();
    assert_eq!(step_selection(&empty, None, StepDirection::Forward), None);
}

#[test]
fn name_search_is_case_insensitive_and_ignores_groups() {
    let topology = boutique();
    let scene = cluster_scene(&topology);
    let found = search(&scene, &topology, "  CartService ", "");
    assert!(found.query_error.is_none());
    let matched = shape_ids(&scene, &found.matches);
    assert!(matched.contains(&scene::service_id("default", "cartservice")));
    assert!(matched
        .iter()
        .all(|id| scene::id_kind(id) != Some(IdKind::WorkloadGroup)));
    assert!(matched
        .iter()
        .any(|id| id.starts_with("pod:default/cartservice-")));
    assert!(search(&scene, &topology, "   ", "").matches.is_empty());
}

/// Names Kubernetes accepts are ASCII, and the search folds ASCII case only: a
/// name it would refuse (here `Café-Shop`, shown with its diagnostic) is found by
/// its ASCII letters in any case, its other characters as they are written.
#[test]
fn name_search_folds_ascii_case_only() {
    let topology = analyze_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: Café-Shop\nspec:\n  ports:\n  - port: 80\n",
    );
    let scene = cluster_scene(&topology);
    let service = scene::service_id("default", "Café-Shop");
    for needle in ["café-shop", "CAFé", "é-S", "Café-Shop"] {
        let found = search(&scene, &topology, needle, "");
        assert!(
            shape_ids(&scene, &found.matches).contains(&service),
            "{needle:?} finds the Service"
        );
    }
    assert!(search(&scene, &topology, "CAFÉ", "").matches.is_empty());
}

/// §1.2: the query box takes kubectl's selector syntax and reports its errors in
/// kubectl's words.
#[test]
fn label_query_matches_pods_workloads_and_services_and_reports_parse_errors() {
    let topology = boutique();
    let scene = cluster_scene(&topology);
    let found = search(&scene, &topology, "", "app in (frontend,cartservice)");
    assert!(found.query_error.is_none());
    let matched = shape_ids(&scene, &found.matches);
    assert!(matched.contains(&scene::service_id("default", "frontend")));
    let logical = build_scene(&topology, View::Logical, &Filter::default());
    let found_logical = search(&logical, &topology, "", "app in (frontend,cartservice)");
    assert!(
        shape_ids(&logical, &found_logical.matches).contains(&scene::workload_id(
            "default",
            &KindRef::new("Deployment", "cartservice")
        ))
    );
    assert!(matched
        .iter()
        .any(|id| id.starts_with("pod:default/frontend-")));
    assert!(!matched
        .iter()
        .any(|id| id.starts_with("pod:default/adservice-")));
    let broken = search(&scene, &topology, "", "x nott in (y)");
    assert!(broken.matches.is_empty());
    assert_eq!(
        broken.query_error.as_deref(),
        Some("unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt")
    );
}

#[test]
fn a_workload_group_is_read_from_its_parent_node_even_with_a_colon_in_the_node_name() {
    let text = "apiVersion: v1\nkind: Node\nmetadata:\n  name: \"odd:node\"\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx}]\n";
    let topology = analyze_text(text);
    let scene = cluster_scene(&topology);
    let group = scene::workload_group_id("odd:node", "default", &KindRef::new("Deployment", "web"));
    assert!(
        scene.shape(&group).is_some(),
        "{:?}",
        scene.shapes.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
    assert_eq!(
        scene.workload_of_group(&group),
        Some(scene::workload_id(
            "default",
            &KindRef::new("Deployment", "web")
        ))
    );
    assert_eq!(
        selection_target(&scene, &group),
        "wl:default/Deployment/web"
    );
    assert_eq!(selection_target(&scene, "svc:default/x"), "svc:default/x");
}

#[test]
fn traffic_places_are_drawn_at_their_shapes_in_both_views() {
    let topology = boutique();
    let pod = &topology.cluster.pods[0];
    let cluster = cluster_scene(&topology);
    let chip = cluster
        .shape(&scene::pod_id(&pod.namespace, &pod.name))
        .unwrap();
    assert_eq!(
        place_anchor(&cluster, &topology, &Place::Pod(pod.key())),
        Some(chip.rect.center())
    );
    // The logical view has no pods: a pod's packets are drawn at its workload.
    let logical = build_scene(&topology, View::Logical, &Filter::default());
    let workload = logical
        .shape(&scene::workload_id(
            &pod.namespace,
            pod.workload.as_ref().unwrap(),
        ))
        .unwrap();
    assert_eq!(
        place_anchor(&logical, &topology, &Place::Pod(pod.key())),
        Some(workload.rect.center())
    );
    let node = &topology.cluster.nodes[0];
    assert!(place_anchor(&cluster, &topology, &Place::Node(node.name.clone())).is_some());
    assert_eq!(
        place_anchor(&logical, &topology, &Place::Node(node.name.clone())),
        None
    );
    assert!(place_anchor(&cluster, &topology, &Place::Dns).is_some());
    // frontend-external is a LoadBalancer: its entry point has a box of its own.
    let entry = cluster
        .shape(&scene::load_balancer_id("default", "frontend-external"))
        .unwrap();
    assert_eq!(
        place_anchor(
            &cluster,
            &topology,
            &Place::LoadBalancer(NamespacedName::new("default", "frontend-external"))
        ),
        Some(entry.rect.center())
    );
    assert_eq!(
        place_anchor(
            &cluster,
            &topology,
            &Place::Pod(NamespacedName::new("default", "not-there"))
        ),
        None
    );
}

/// §6: dependencies are inferred from env and args; a trace to a Service starts
/// from a workload that depends on it.
#[test]
fn the_natural_client_of_a_service_is_a_pod_that_depends_on_it() {
    let topology = boutique();
    let service = |name: &str| {
        topology
            .services
            .iter()
            .find(|service| service.name == name)
            .unwrap()
    };
    // The first workload found to depend on cartservice gives the client pod.
    let first_dependent = topology
        .dependencies
        .iter()
        .find(|dependency| dependency.to == NamespacedName::new("default", "cartservice"))
        .map(|dependency| dependency.from.clone())
        .expect("frontend and checkoutservice call cartservice");
    let NaturalClient::Pod { namespace, name } = natural_client(&topology, service("cartservice"))
    else {
        panic!("a Service with dependents is traced from one of their pods");
    };
    let pod = topology
        .cluster
        .pods
        .iter()
        .find(|pod| pod.namespace == namespace && pod.name == name)
        .expect("the client pod exists");
    let workload_name = pod.workload.as_ref().map(|workload| workload.name.clone());
    assert_eq!(
        Some(first_dependent),
        workload_name.map(|name| NamespacedName::new(&namespace, name))
    );
    assert_eq!(
        natural_client(&topology, service("cartservice")).to_string(),
        format!("pod/{namespace}/{name}")
    );
    assert_eq!(
        natural_client(&topology, service("frontend-external")).to_string(),
        "external"
    );
}

/// §13.4 (containers are context) at scale, issue #9: a search that matches
/// hundreds of pods across nodes lights exactly the matches and, for each, its
/// workload group and node box (a Service its namespace island), whichever order
/// the runs of children come in; matches past the scene's end are ignored; and
/// Enter's best match is the first of the full ranking.
#[test]
fn s13_4_a_wide_search_lights_every_match_and_exactly_its_containers() {
    let text = kubetopo::synth::SyntheticCluster {
        n_deployments: 60,
        replicas: 5,
        n_nodes: 7,
        n_namespaces: 3,
        n_http_routes: 0,
    }
    .to_yaml();
    let topology = analyze_text(&text);
    let scene = cluster_scene(&topology);
    for needle in ["app", "app-0001", "-0", "not-there"] {
        let found = search(&scene, &topology, needle, "");
        // The containers of the matches, looked up one by one by id.
        let mut expected = found.matches.clone();
        for position in found.matches.iter() {
            let mut parent = scene.shapes[position].parent.clone();
            for _ in 0..2 {
                let Some(id) = parent else { break };
                let container = scene.shape_index(&id).expect("a drawn container");
                expected.insert(container);
                parent = scene.shapes[container].parent.clone();
            }
        }
        let mut with_stray = found.matches.clone();
        with_stray.insert(scene.shapes.len() + 3);
        let shown = highlight(&scene, None, &with_stray);
        assert_eq!(shown.matched_shapes, found.matches, "{needle}");
        assert_eq!(shown.lit_shapes, expected, "{needle}");
        assert!(shown.lit_edges.is_empty() && shown.selected_shapes.is_empty());
        let first = found
            .ranked(&scene)
            .first()
            .map(|&position| scene.shapes[position].id.as_str());
        assert_eq!(found.best(&scene), first, "{needle}");
    }
    let wide = search(&scene, &topology, "app", "");
    assert!(wide.matches.len() > 300, "every pod and Service matches");
    assert_eq!(
        wide.best(&scene),
        Some(scene::service_id("team-000", "app-00000").as_str()),
        "a Service first"
    );
}

proptest::proptest! {
    /// The highlight's sets of positions (issue #9: a bit per position, so a
    /// search that matches 100,000 pods inserts and looks up in constant time)
    /// answer as a `BTreeSet` of the same positions does.
    #[test]
    fn positions_answer_as_a_tree_set_of_the_same_positions(
        mine in proptest::collection::vec(0usize..300, 0..80),
        theirs in proptest::collection::vec(0usize..300, 0..80),
        end in 0usize..320,
    ) {
        let set: Positions = mine.iter().copied().collect();
        let other: Positions = theirs.iter().copied().collect();
        let tree: BTreeSet<usize> = mine.iter().copied().collect();
        let other_tree: BTreeSet<usize> = theirs.iter().copied().collect();
        proptest::prop_assert_eq!(set.iter().collect::<Vec<_>>(), tree.iter().copied().collect::<Vec<_>>());
        proptest::prop_assert_eq!(set.len(), tree.len());
        proptest::prop_assert_eq!(set.is_empty(), tree.is_empty());
        proptest::prop_assert_eq!(set.last(), tree.last().copied());
        for position in 0..320 {
            proptest::prop_assert_eq!(set.contains(position), tree.contains(&position));
        }
        proptest::prop_assert_eq!(
            set.below(end).iter().collect::<Vec<_>>(),
            tree.range(..end).copied().collect::<Vec<_>>()
        );
        proptest::prop_assert_eq!(
            set.difference(&other).collect::<Vec<_>>(),
            tree.difference(&other_tree).copied().collect::<Vec<_>>()
        );
        let mut union = set.clone();
        union.union_with(&other);
        proptest::prop_assert_eq!(
            union.iter().collect::<Vec<_>>(),
            tree.union(&other_tree).copied().collect::<Vec<_>>()
        );
        // Equal sets are equal however far their words reach.
        proptest::prop_assert_eq!(set == other, tree == other_tree);
        proptest::prop_assert_eq!(set.below(end) == set, tree.range(end..).next().is_none());
        let mut fresh = Positions::new();
        for &position in &mine {
            let was_in = fresh.contains(position);
            proptest::prop_assert_eq!(fresh.insert(position), !was_in);
        }
    }
}

/// §13.13: `e` steps through the edges of the selection, each that leaves it,
/// reaches it or stands for it, in scene order, both ways and around; a Route's
/// edges are its own. The keyboard's tooltip stands halfway along the edge.
#[test]
fn s13_13_the_keyboard_steps_through_the_edges_of_the_selection() {
    use kubetopo::engine::highlight::{edges_of, step_edge};
    use kubetopo::engine::lod::edge_midpoint;
    let topology = boutique();
    let scene = cluster_scene(&topology);
    let service = "svc:default/cartservice";
    let edges = edges_of(&scene, service);
    assert!(edges.len() >= 2, "{edges:?}");
    for &e in &edges {
        let edge = &scene.edges[e];
        assert!(edge.from == service || edge.to == service, "{edge:?}");
    }
    let touching = scene
        .edges
        .iter()
        .filter(|e| e.from == service || e.to == service)
        .count();
    assert_eq!(edges.len(), touching);
    // Forward from nothing is the first; around the ring and back to it.
    let n = edges.len();
    let step = |at: Option<usize>, direction| {
        step_edge(&scene, service, at, direction).map(|(edge, _, _)| edge)
    };
    let mut at = step(None, StepDirection::Forward);
    assert_eq!(at, Some(edges[0]));
    assert_eq!(
        step_edge(&scene, service, None, StepDirection::Forward),
        Some((edges[0], 0, n))
    );
    for _ in 0..n {
        at = step(at, StepDirection::Forward);
    }
    assert_eq!(at, Some(edges[0]));
    assert_eq!(step(at, StepDirection::Backward), edges.last().copied());
    assert_eq!(
        step_edge(&scene, service, None, StepDirection::Backward),
        Some((edges[n - 1], n - 1, n))
    );
    // An edge of something else is no place to step from: start again.
    let other = (0..scene.edges.len()).find(|e| !edges.contains(e));
    assert_eq!(step(other, StepDirection::Forward), Some(edges[0]));
    assert_eq!(
        step_edge(&scene, "svc:default/nothing", None, StepDirection::Forward),
        None
    );
    // Halfway along each edge: between its ends' boxes, never at the origin.
    for &e in &edges {
        let (x, y) = edge_midpoint(&scene.edges[e].path).expect("a point");
        let (from, to) = (
            scene.shape(&scene.edges[e].from).map(|s| s.rect),
            scene.shape(&scene.edges[e].to).map(|s| s.rect),
        );
        if let (Some(a), Some(b)) = (from, to) {
            let (left, right) = (a.x.min(b.x), (a.x + a.w).max(b.x + b.w));
            let (top, bottom) = (a.y.min(b.y), (a.y + a.h).max(b.y + b.h));
            assert!(
                x >= left - 1.0 && x <= right + 1.0,
                "{x} not in {left}..{right}"
            );
            assert!(
                y >= top - 200.0 && y <= bottom + 200.0,
                "{y} far from {top}..{bottom}"
            );
        }
    }
    assert_eq!(edge_midpoint("M0,0 C10,0 20,0 30,0"), Some((15.0, 0.0)));
    assert_eq!(edge_midpoint(""), None);
    // A Route's edges are those that stand for it.
    let canary = analyze_text(&sample("gateway-canary.yaml"));
    let scene = cluster_scene(&canary);
    let route = "route:HTTPRoute/shop/storefront";
    let edges = edges_of(&scene, route);
    assert!(!edges.is_empty());
    assert!(edges
        .iter()
        .all(|&e| scene.edges[e].stands_for.iter().any(|r| r == route)));
}
