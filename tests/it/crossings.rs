//! Layout quality (docs/layout.md): the crossing counter on hand-made drawings, the
//! layer ordering on hand-made columns, every sample and a 200-Service generated
//! cluster against the crossings Graphviz `dot` draws for the same graph, and the
//! edges' arrowheads, labels, tooltips and dependency bundles.

use std::collections::BTreeSet;

use kubetopo::engine::config::Config;
use kubetopo::engine::crossings::{count_crossings, scene_crossings, DrawnEdge};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::layer_order::{crossings, order_layers, Layer, ROOT};
use kubetopo::engine::scene::{build_scene, svg_elements, Filter, Scene, Tooltips, View};
use kubetopo::engine::{analyze, Topology};
use kubetopo::synth::SyntheticCluster;

use crate::common::samples;

fn count(edges: &[(&str, &str, &str)]) -> usize {
    let drawn: Vec<DrawnEdge> = edges
        .iter()
        .map(|&(from, to, path)| DrawnEdge { from, to, path })
        .collect();
    count_crossings(&drawn)
}

#[test]
fn two_lines_that_cross_are_one_pair() {
    assert_eq!(
        count(&[("a", "b", "M0,0 L10,10"), ("c", "d", "M0,10 L10,0")]),
        1
    );
}

#[test]
fn lines_that_do_not_meet_or_only_touch_do_not_cross() {
    // Parallel.
    assert_eq!(
        count(&[("a", "b", "M0,0 L10,0"), ("c", "d", "M0,5 L10,5")]),
        0
    );
    // One ends on the other: a touch, not a crossing.
    assert_eq!(
        count(&[("a", "b", "M0,0 L10,0"), ("c", "d", "M5,10 L5,0")]),
        0
    );
    // Collinear and overlapping, as bundled edges are.
    assert_eq!(
        count(&[("a", "b", "M0,0 L10,0"), ("c", "d", "M5,0 L20,0")]),
        0
    );
}

#[test]
fn edges_with_a_common_end_never_count() {
    // A Service fanning out to two pods whose curves cross near the pods.
    assert_eq!(
        count(&[("svc", "p1", "M0,0 L10,10"), ("svc", "p2", "M0,10 L10,0")]),
        0
    );
    assert_eq!(
        count(&[("p1", "svc", "M0,0 L10,10"), ("svc", "p2", "M0,10 L10,0")]),
        0
    );
}

#[test]
fn a_pair_that_crosses_several_times_counts_once() {
    let zigzag = "M0,5 L2,0 L4,10 L6,0 L8,10 L10,5";
    assert_eq!(
        count(&[("a", "b", zigzag), ("c", "d", "M0,5.5 L10,5.5")]),
        1
    );
}

#[test]
fn cubic_curves_between_two_columns_cross_when_their_ends_swap_order() {
    let s_curve = |y0: f64, y1: f64| format!("M0,{y0} C50,{y0} 50,{y1} 100,{y1}");
    let (swapped_a, swapped_b) = (s_curve(0.0, 100.0), s_curve(100.0, 0.0));
    assert_eq!(count(&[("a", "b", &swapped_a), ("c", "d", &swapped_b)]), 1);
    let (same_a, same_b) = (s_curve(0.0, 50.0), s_curve(20.0, 100.0));
    assert_eq!(count(&[("a", "b", &same_a), ("c", "d", &same_b)]), 0);
    // Three mutually swapped edges: every pair crosses.
    let (a, b, c) = (
        s_curve(0.0, 100.0),
        s_curve(50.0, 50.1),
        s_curve(100.0, 0.0),
    );
    assert_eq!(count(&[("a", "x", &a), ("b", "y", &b), ("c", "z", &c)]), 3);
}

#[test]
fn curves_that_meet_exactly_at_a_corner_of_their_pieces() {
    // Both polylines have a corner at (5,5): crossing through it is one crossing.
    assert_eq!(
        count(&[
            ("a", "b", "M0,0 L5,5 L10,10"),
            ("c", "d", "M0,10 L5,5 L10,0")
        ]),
        1
    );
    // Touching there and turning back is none.
    assert_eq!(
        count(&[
            ("a", "b", "M0,0 L5,5 L10,0"),
            ("c", "d", "M0,10 L5,5 L10,10")
        ]),
        0
    );
    // One curve's corner on the other's piece, passing through, then touching.
    assert_eq!(
        count(&[("a", "b", "M0,0 L10,0"), ("c", "d", "M5,5 L5,0 L5,-5")]),
        1
    );
    assert_eq!(
        count(&[("a", "b", "M0,0 L10,0"), ("c", "d", "M4,5 L5,0 L6,5")]),
        0
    );
    // An edge ending on another, from either side, is not a crossing.
    assert_eq!(
        count(&[("a", "b", "M0,0 L10,0"), ("c", "d", "M5,-5 L5,0")]),
        0
    );
}

#[test]
fn unreadable_path_data_is_no_curve() {
    assert_eq!(count(&[("a", "b", ""), ("c", "d", "M0,10 L10,0")]), 0);
    assert_eq!(
        count(&[("a", "b", "garbage"), ("c", "d", "M0,10 L10,0")]),
        0
    );
}

/// Two columns of three items each, linked in reverse: a-z, b-y, c-x.
fn reversed_columns() -> (Layer, Layer, Vec<(usize, usize)>) {
    let (mut left, mut right) = (Layer::default(), Layer::default());
    let l: Vec<usize> = (0..3).map(|_| left.add(ROOT)).collect();
    let r: Vec<usize> = (0..3).map(|_| right.add(ROOT)).collect();
    let links = vec![(l[0], r[2]), (l[1], r[1]), (l[2], r[0])];
    (left, right, links)
}

fn positions(layer: &Layer, n_items: usize) -> Vec<f64> {
    let mut positions = vec![f64::NAN; n_items];
    let mut next = 0.0;
    let mut stack = vec![ROOT];
    while let Some(item) = stack.pop() {
        if item != ROOT && layer.children(item).is_empty() {
            positions[item] = next;
            next += 1.0;
        }
        stack.extend(layer.children(item).iter().rev());
    }
    positions
}

#[test]
fn the_two_layer_count_is_the_number_of_inverted_link_pairs() {
    let (left, right, links) = reversed_columns();
    assert_eq!(
        crossings(&links, &positions(&left, 4), &positions(&right, 4)),
        3
    );
    // Links sharing an end do not cross.
    let fan = [(1, 1), (1, 2), (1, 3)];
    assert_eq!(
        crossings(&fan, &[0.0, 0.0, 1.0, 2.0], &[0.0, 2.0, 1.0, 0.0]),
        0
    );
}

#[test]
fn ordering_untangles_reversed_columns() {
    let (mut left, mut right, links) = reversed_columns();
    order_layers(&mut left, &mut right, &links);
    assert_eq!(
        crossings(&links, &positions(&left, 4), &positions(&right, 4)),
        0
    );
}

#[test]
fn ordering_keeps_clusters_contiguous_and_unlinked_items_last() {
    // Left: islands A {a1, a2} and B {b1}. Right: nodes N {n1, n2} and M {m1, m2}.
    // a1 links to m1, b1 to n1, a2 to n2; m2 links to nothing.
    let (mut left, mut right) = (Layer::default(), Layer::default());
    let island_a = left.add(ROOT);
    let island_b = left.add(ROOT);
    let a1 = left.add(island_a);
    let a2 = left.add(island_a);
    let b1 = left.add(island_b);
    let node_n = right.add(ROOT);
    let node_m = right.add(ROOT);
    let m2 = right.add(node_m);
    let m1 = right.add(node_m);
    let n1 = right.add(node_n);
    let n2 = right.add(node_n);
    let links = vec![(a1, m1), (b1, n1), (a2, n2)];
    let before = crossings(&links, &positions(&left, 6), &positions(&right, 7));
    let (mut left_again, mut right_again) = (left.clone(), right.clone());
    order_layers(&mut left, &mut right, &links);
    let after = crossings(&links, &positions(&left, 6), &positions(&right, 7));
    assert!(after < before, "{before} → {after}");
    // Each cluster still holds exactly its own items, contiguously.
    let island_members: BTreeSet<usize> = left.children(island_a).iter().copied().collect();
    assert_eq!(island_members, BTreeSet::from([a1, a2]));
    assert_eq!(left.children(island_b), [b1]);
    // The unlinked pod m2 stays after its linked sibling.
    assert_eq!(right.children(node_m), [m1, m2]);
    // Deterministic: the same input gives the same order.
    order_layers(&mut left_again, &mut right_again, &links);
    for item in [ROOT, island_a, island_b] {
        assert_eq!(left.children(item), left_again.children(item));
    }
    for item in [ROOT, node_n, node_m] {
        assert_eq!(right.children(item), right_again.children(item));
    }
}

fn cluster_scene(topology: &Topology) -> Scene {
    build_scene(topology, View::Cluster, &Filter::default())
}

/// The 200-Service generated cluster of the comparison with `dot`: 200
/// Deployments of 2 replicas on 12 nodes in 5 namespaces.
fn generated_200() -> Topology {
    let cluster = SyntheticCluster {
        n_deployments: 200,
        replicas: 2,
        n_nodes: 12,
        n_namespaces: 5,
        n_http_routes: 0,
    };
    analyze(
        &[SourceFile::new("synthetic.yaml", cluster.to_yaml())],
        &Config::default(),
    )
}

/// Crossing pairs of the cluster view, for every sample the app offers and the
/// generated cluster, against `dot`'s crossing pairs for the same graph with the
/// same clusters and columns. The `dot` figures were produced by
/// `scripts/dot-crossings.sh` with Graphviz 2.43.0 (Debian's `graphviz`); re-run
/// it if the scene's shapes or edges change (not their order or geometry).
#[test]
fn every_sample_and_a_generated_cluster_cross_no_more_than_dot() {
    let cases: [(&str, Topology, usize); 7] = [
        (
            "online-boutique + netpol",
            samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"]),
            82,
        ),
        ("guestbook", samples(&["guestbook.yaml"]), 6),
        (
            "ingress-nginx",
            samples(&["ingress-nginx-cloud.yaml", "ingress-nginx-app.yaml"]),
            1,
        ),
        (
            "headless-statefulset",
            samples(&["headless-statefulset.yaml"]),
            0,
        ),
        (
            "local-loadbalancer",
            samples(&["local-loadbalancer.yaml"]),
            0,
        ),
        ("gateway-canary", samples(&["gateway-canary.yaml"]), 31),
        ("synthetic:200,2,12,5", generated_200(), 44_976),
    ];
    let mut report = Vec::new();
    for (name, topology, dot_figure) in cases {
        let scene = cluster_scene(&topology);
        assert!(!scene.edges.is_empty(), "{name} draws edges");
        let ours = scene_crossings(&scene);
        report.push(format!("{name}: {ours} (dot {dot_figure})"));
        assert!(
            ours <= dot_figure,
            "{name}: {ours} crossing pairs, dot draws {dot_figure}"
        );
    }
    println!("{}", report.join("\n"));
}

#[test]
fn online_boutique_crosses_far_less_than_in_sorted_order() {
    // Issue 9: in name order the cluster view had 189 crossing pairs; the
    // ordering and the load balancer lanes bring it to 63.
    let scene = cluster_scene(&samples(&[
        "online-boutique.yaml",
        "online-boutique-netpol.yaml",
    ]));
    let crossings = scene_crossings(&scene);
    assert!(crossings <= 63, "{crossings}");
}

fn boutique_svg() -> (Scene, String) {
    let scene = cluster_scene(&samples(&[
        "online-boutique.yaml",
        "online-boutique-netpol.yaml",
    ]));
    let svg = svg_elements(&scene, Tooltips::Embedded);
    (scene, svg)
}

#[test]
fn every_edge_has_an_arrowhead_and_a_tooltip_and_markers_are_defined_once() {
    for topology in [
        samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"]),
        samples(&["ingress-nginx-cloud.yaml"]),
        samples(&["local-loadbalancer.yaml"]),
    ] {
        for view in [View::Cluster, View::Logical] {
            let scene = build_scene(&topology, view, &Filter::default());
            let svg = svg_elements(&scene, Tooltips::Embedded);
            assert!(scene.edges.iter().all(|e| !e.tooltip.is_empty()));
            let n_edges = svg.matches("<path class=\"edge ").count();
            assert_eq!(n_edges, scene.edges.len());
            assert_eq!(svg.matches("marker-end=\"url(#kt-arrow").count(), n_edges);
            let markers: Vec<&str> = svg
                .split("<marker id=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next())
                .collect();
            let unique: BTreeSet<&&str> = markers.iter().collect();
            assert_eq!(unique.len(), markers.len(), "each marker once");
            // Every referenced marker is defined.
            for reference in svg.split("marker-end=\"url(#").skip(1) {
                let id = reference.split(')').next().unwrap();
                assert!(markers.contains(&id), "{id} is not defined");
            }
            // The web app reads the edges and shapes containers by position.
            assert!(svg.starts_with("<g class=\"edges\">"));
            let shapes_at = svg.find("<g class=\"shapes\">").unwrap();
            assert!(svg[..shapes_at].ends_with("</g>"));
        }
    }
}

#[test]
fn endpoint_edges_carry_the_port_mapping_and_routes_their_paths() {
    let (scene, svg) = boutique_svg();
    let frontend = scene
        .edges
        .iter()
        .find(|e| e.from == "svc:default/frontend" && e.class.starts_with("endpoint"))
        .expect("frontend's endpoint edge");
    assert_eq!(frontend.label.as_ref().unwrap().text, ":80 → 8080");
    assert!(
        frontend.tooltip.ends_with(":80 → 8080"),
        "{}",
        frontend.tooltip
    );
    // Drawn once per Service, at a readable size (the stylesheet's 10px).
    assert_eq!(
        svg.matches(">:80 → 8080</text>").count(),
        2,
        "frontend and frontend-external"
    );

    let ingress = cluster_scene(&analyze(
        &[SourceFile::new("ingress.yaml", INGRESS_TWO_PATHS)],
        &Config::default(),
    ));
    let routes: Vec<_> = ingress
        .edges
        .iter()
        .filter(|e| e.class == "route")
        .collect();
    assert!(!routes.is_empty());
    let labels: BTreeSet<(&str, &str)> = routes
        .iter()
        .map(|route| {
            let label = route.label.as_ref().expect("a route has its path as label");
            (route.to.as_str(), label.text.as_str())
        })
        .collect();
    assert_eq!(
        labels,
        BTreeSet::from([("svc:default/api", "/api, /v2"), ("svc:default/web", "/")])
    );
    // Drawn whole or not at all (§13.2): without the host, both fit between the
    // Ingress box and the Services' island.
    let svg = svg_elements(&ingress, Tooltips::Omitted);
    assert!(svg.contains(">/</text>"));
    assert!(svg.contains(">/api, /v2</text>"));

    // With rules for two hosts, the box names both, and each path says its host.
    let two_hosts = INGRESS_TWO_PATHS.replacen(
        "      - {path: /v2",
        "  - host: v2.shop.example\n    http:\n      paths:\n      - {path: /v2",
        1,
    );
    let ingress = cluster_scene(&analyze(
        &[SourceFile::new("ingress.yaml", two_hosts)],
        &Config::default(),
    ));
    let shape = ingress
        .shape("ing:default/shop")
        .expect("the Ingress's box");
    assert_eq!(shape.sublabel, "shop.example, v2.shop.example");
    let labels: BTreeSet<(&str, &str)> = ingress
        .edges
        .iter()
        .filter(|e| e.class == "route")
        .map(|route| {
            (
                route.to.as_str(),
                route.label.as_ref().unwrap().text.as_str(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        BTreeSet::from([
            ("svc:default/api", "shop.example/api, v2.shop.example/v2"),
            ("svc:default/web", "shop.example/")
        ])
    );
    let rooms = kubetopo::engine::scene::label_rooms(&ingress);
    let (_, room) = rooms
        .iter()
        .find(|(edge, _)| {
            ingress.edges[*edge].label.as_ref().unwrap().text
                == "shop.example/api, v2.shop.example/v2"
        })
        .unwrap();
    assert!(
        room.width.is_finite() && room.width < 36.0 * 5.0,
        "{}",
        room.width
    );
}

/// An Ingress with three paths to two Services.
const INGRESS_TWO_PATHS: &str = "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - host: shop.example
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /v2, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec: {selector: {app: api}, ports: [{port: 80}]}
";

#[test]
fn dependencies_of_one_workload_leave_it_as_one_bundle() {
    let (scene, _) = boutique_svg();
    let frontend_calls: Vec<&str> = scene
        .edges
        .iter()
        .filter(|e| e.class == "dependency")
        .filter(|e| scene.shape(&e.from).is_some_and(|s| s.label == "frontend"))
        .map(|e| e.path.as_str())
        .collect();
    assert!(frontend_calls.len() >= 5, "{}", frontend_calls.len());
    // Every path is the same trunk followed by its own branch.
    let trunk = |path: &str| path.rsplit_once(" C").unwrap().0.to_string();
    let trunks: BTreeSet<String> = frontend_calls.iter().map(|p| trunk(p)).collect();
    assert_eq!(trunks.len(), 1, "{trunks:?}");
    let ends: BTreeSet<&str> = frontend_calls
        .iter()
        .map(|p| p.rsplit_once(' ').unwrap().1)
        .collect();
    assert_eq!(ends.len(), frontend_calls.len(), "one branch per Service");
}

#[test]
fn the_dependency_style_is_not_external_names() {
    let standalone =
        kubetopo::engine::scene::to_svg(&cluster_scene(&samples(&["online-boutique.yaml"])));
    let rule = |selector: &str| {
        let start = standalone
            .find(selector)
            .unwrap_or_else(|| panic!("{selector}"));
        let rest = &standalone[start + selector.len()..];
        rest[..rest.find('}').unwrap()].to_string()
    };
    let dependency = rule(".edge.dependency{");
    let external_name = rule(".service.external-name>rect{");
    let colour = |rule: &str| {
        rule.split(';')
            .find_map(|d| d.strip_prefix("stroke:"))
            .unwrap()
            .to_string()
    };
    assert_ne!(colour(&dependency), colour(&external_name));
}
