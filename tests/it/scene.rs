//! Layout and scene: deterministic, readable (no overlapping boxes or labels in a
//! column) and stable under small edits (issue: the web app, "Layout").

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::scene::{
    build_scene, id_kind, to_svg, Filter, IdKind, Scene, ShapeCounts, ShapeKind, View,
    UNSCHEDULED_NODE_ID,
};
use kubetopo::engine::{analyze, Topology};

fn corpus(name: &str) -> String {
    std::fs::read_to_string(format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("corpus file")
}

fn topology(files: &[(&str, String)]) -> Topology {
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(name, text)| SourceFile::new(*name, text.clone()))
        .collect();
    analyze(&sources, &Config::default())
}

fn boutique() -> Topology {
    topology(&[
        ("online-boutique.yaml", corpus("online-boutique.yaml")),
        ("netpol.yaml", corpus("online-boutique-netpol.yaml")),
    ])
}

/// Shapes that sit side by side in one container must not overlap: boxes in a
/// column, pods in a group, groups and nodes.
fn assert_no_overlaps(scene: &Scene) {
    let mut by_parent: std::collections::BTreeMap<
        Option<&str>,
        Vec<&kubetopo::engine::scene::Shape>,
    > = Default::default();
    for shape in &scene.shapes {
        by_parent
            .entry(shape.parent.as_deref())
            .or_default()
            .push(shape);
    }
    for (parent, siblings) in by_parent {
        for (i, a) in siblings.iter().enumerate() {
            for b in &siblings[i + 1..] {
                assert!(
                    !a.rect.overlaps(&b.rect),
                    "{} and {} overlap (inside {parent:?})",
                    a.id,
                    b.id
                );
            }
        }
    }
    for shape in scene.shapes.iter().filter(|s| s.parent.is_some()) {
        let parent = scene
            .shape(shape.parent.as_deref().unwrap())
            .expect("parent exists");
        let (r, p) = (&shape.rect, &parent.rect);
        assert!(
            r.x >= p.x
                && r.y >= p.y
                && r.x + r.w <= p.x + p.w + 0.01
                && r.y + r.h <= p.y + p.h + 0.01,
            "{} sticks out of {}",
            shape.id,
            parent.id
        );
    }
}

#[test]
fn cluster_view_of_the_demo_draws_every_object_once_without_overlaps() {
    let topology = boutique();
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let count = |prefix: &str| {
        scene
            .shapes
            .iter()
            .filter(|s| s.id.starts_with(prefix))
            .count()
    };
    assert_eq!(count("svc:"), 12);
    assert_eq!(count("pod:"), 12);
    assert_eq!(count("node:"), 3);
    assert_eq!(count("lb:"), 1, "frontend-external's load balancer");
    assert_eq!(count("ns:"), 1);
    let ids: std::collections::BTreeSet<&str> =
        scene.shapes.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), scene.shapes.len(), "ids are unique");
    assert_no_overlaps(&scene);
    // Every edge joins two drawn shapes.
    for edge in &scene.edges {
        assert!(
            scene.shape(&edge.from).is_some() && scene.shape(&edge.to).is_some(),
            "{} → {}",
            edge.from,
            edge.to
        );
        assert!(edge.path.starts_with('M'));
    }
    // Service → endpoint edges and the 16 inferred dependencies are drawn.
    assert_eq!(
        scene
            .edges
            .iter()
            .filter(|e| e.class.starts_with("endpoint"))
            .count(),
        12
    );
    assert_eq!(
        scene
            .edges
            .iter()
            .filter(|e| e.class == "dependency")
            .count(),
        16
    );
}

#[test]
fn columns_run_left_to_right_external_ingress_services_nodes() {
    let topology = topology(&[
        ("ingress-nginx.yaml", corpus("ingress-nginx-cloud.yaml")),
        ("guestbook.yaml", corpus("guestbook.yaml")),
    ]);
    let scene = build_scene(&topology, View::Cluster, &Filter::default());
    let x = |prefix: &str| {
        scene
            .shapes
            .iter()
            .filter(|s| s.id.starts_with(prefix))
            .map(|s| s.rect.x)
            .fold(f64::NAN, f64::min)
    };
    assert!(x("ext:") < x("svc:"));
    assert!(x("lb:") < x("svc:"));
    assert!(x("svc:") < x("node:"));
    assert_no_overlaps(&scene);
}

#[test]
fn the_same_input_gives_the_same_scene() {
    let a = build_scene(&boutique(), View::Cluster, &Filter::default());
    let b = build_scene(&boutique(), View::Cluster, &Filter::default());
    assert_eq!(a, b);
    assert_eq!(to_svg(&a), to_svg(&b));
}

#[test]
fn adding_a_pod_does_not_reshuffle_the_picture() {
    let base = corpus("guestbook.yaml");
    let before = build_scene(
        &topology(&[("g.yaml", base.clone())]),
        View::Cluster,
        &Filter::default(),
    );
    let extra = "\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: debug\n  namespace: tools\nspec:\n  nodeName: node-2\n  containers: [{name: sh, image: busybox}]\n";
    let after = build_scene(
        &topology(&[("g.yaml", format!("{base}{extra}"))]),
        View::Cluster,
        &Filter::default(),
    );
    assert!(after.shape("pod:tools/debug").is_some());
    // Services, load balancers and every existing pod keep their exact place; only
    // node-2's box may grow, and what sits below it in its column may shift down.
    for shape in before
        .shapes
        .iter()
        .filter(|s| s.id.starts_with("svc:") || s.id.starts_with("lb:") || s.id.starts_with("ns:"))
    {
        assert_eq!(
            Some(&shape.rect),
            after.shape(&shape.id).map(|s| &s.rect),
            "{} moved",
            shape.id
        );
    }
    let node_2 = before.shape("node:node-2").unwrap().rect;
    for shape in before.shapes.iter().filter(|s| s.id.starts_with("pod:")) {
        let moved = after.shape(&shape.id).unwrap().rect;
        if shape.rect.y < node_2.y + node_2.h
            && shape.rect.x >= node_2.x
            && shape.rect.x < node_2.x + node_2.w
            && shape.rect.y >= node_2.y
        {
            continue;
        }
        assert_eq!(shape.rect.x, moved.x, "{} moved sideways", shape.id);
        assert!(moved.y >= shape.rect.y, "{} moved up", shape.id);
    }
    assert_no_overlaps(&after);
}

#[test]
fn logical_view_draws_workloads_and_no_nodes() {
    let scene = build_scene(&boutique(), View::Logical, &Filter::default());
    assert!(scene
        .shapes
        .iter()
        .all(|s| !s.id.starts_with("node:") && !s.id.starts_with("pod:")));
    assert_eq!(
        scene
            .shapes
            .iter()
            .filter(|s| s.kind == ShapeKind::Box && s.id.starts_with("wl:"))
            .count(),
        12
    );
    assert!(scene.edges.iter().any(
        |e| e.from == "svc:default/cartservice" && e.to == "wl:default/Deployment/cartservice"
    ));
    assert!(scene
        .edges
        .iter()
        .any(|e| e.from == "wl:default/Deployment/frontend"
            && e.to == "svc:default/cartservice"
            && e.class == "dependency"));
    assert_no_overlaps(&scene);
}

#[test]
fn filters_hide_namespaces_and_kinds() {
    let topology = topology(&[
        ("ingress-nginx.yaml", corpus("ingress-nginx-cloud.yaml")),
        ("guestbook.yaml", corpus("guestbook.yaml")),
    ]);
    let mut filter = Filter::default();
    filter.namespaces.insert("ingress-nginx".into());
    filter.hidden_kinds.insert("pod".into());
    let scene = build_scene(&topology, View::Cluster, &filter);
    assert!(scene
        .shapes
        .iter()
        .filter(|s| s.id.starts_with("svc:"))
        .all(|s| s.id.starts_with("svc:ingress-nginx/")));
    assert!(!scene.shapes.iter().any(|s| s.id.starts_with("pod:")));
}

#[test]
fn encoding_service_types_pod_states_and_badges() {
    let yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: db}\nspec:\n  clusterIP: None\n  selector: {app: db}\n  ports: [{port: 5432}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {type: ExternalName, externalName: example.com}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec: {type: NodePort, selector: {app: nothing}, ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: db-0, labels: {app: db}, deletionTimestamp: \"2026-01-01T00:00:00Z\"}\nspec: {nodeName: node-1, containers: [{name: db}]}\nstatus: {phase: Running, podIP: 10.244.0.9, conditions: [{type: Ready, status: \"True\"}]}\n";
    let scene = build_scene(
        &topology(&[("t.yaml", yaml.to_string())]),
        View::Cluster,
        &Filter::default(),
    );
    assert!(scene
        .shape("svc:default/db")
        .unwrap()
        .class
        .contains("headless"));
    assert!(scene
        .shape("svc:default/ext")
        .unwrap()
        .class
        .contains("external-name"));
    let node_port = scene.shape("svc:default/np").unwrap();
    assert!(node_port.class.contains("node-port-type") && node_port.class.contains("no-endpoints"));
    assert_eq!(
        node_port.badge,
        Some(kubetopo::engine::diag::Severity::Warning),
        "service-selects-no-pods"
    );
    assert!(scene
        .shape("pod:default/db-0")
        .unwrap()
        .class
        .contains("terminating"));
}

/// §13: the scene writes coordinates in tenths, byte for byte as `{:.1}` would,
/// through a faster path that leaves only near-ties to the standard formatter.
mod tenths {
    use kubetopo::engine::scene::{push_tenths, Tenths};
    use proptest::prelude::*;

    fn same(x: f64) {
        let standard = format!("{x:.1}");
        assert_eq!(Tenths(x).to_string(), standard, "for {x:e}");
        // Appended, as the paths are written, after what the string held.
        let mut path = String::from("M");
        push_tenths(&mut path, x);
        assert_eq!(path[1..], standard, "appended, for {x:e}");
    }

    #[test]
    fn s13_coordinates_in_tenths_are_what_the_standard_formatter_writes() {
        for x in [
            0.0,
            -0.0,
            0.04,
            -0.04,
            0.05,
            -0.05,
            0.15,
            0.25,
            0.35,
            2.45,
            1.0 / 3.0,
            99.95,
            -99.95,
            1234.5678,
            1e8,
            1e9 - 0.05,
            1e20,
            -1e20,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            same(x);
        }
        // Every tie and near-tie of the layout's usual steps, both signs.
        for k in -20_000..20_000 {
            for divisor in [20.0, 40.0, 3.0, 7.0, 13.0] {
                same(f64::from(k) / divisor);
            }
            same(f64::from(k) * 0.05);
            same(f64::from(k) * 6.5 / 4.0);
        }
    }

    proptest! {
        #[test]
        fn s13_any_coordinate_in_tenths_is_what_the_standard_formatter_writes(
            x in -1e7f64..1e7,
            bits in any::<u64>(),
        ) {
            same(x);
            same(f64::from_bits(bits));
        }
    }
}

/// §13: the numbers and addresses the scene, pod names and DNS records write
/// without the formatting machinery are byte for byte what `Display` writes.
mod text_without_format {
    use kubetopo::engine::text::{ip_text, push_int};
    use proptest::prelude::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    fn same_int(n: i64) {
        let mut text = String::from("x");
        push_int(&mut text, n);
        assert_eq!(text[1..], n.to_string());
    }

    fn same_ip(ip: IpAddr) {
        assert_eq!(ip_text(&ip), ip.to_string());
    }

    #[test]
    fn s13_integers_and_addresses_are_written_as_display_writes_them() {
        for n in [
            0,
            1,
            -1,
            9,
            10,
            99,
            100,
            65_535,
            -65_536,
            i64::MAX,
            i64::MIN,
        ] {
            same_int(n);
        }
        for ip in [
            IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            IpAddr::V4(Ipv4Addr::new(10, 0, 100, 255)),
            IpAddr::V4(Ipv4Addr::BROADCAST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x10)),
            IpAddr::V6(Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x0a00, 1)),
        ] {
            same_ip(ip);
        }
    }

    proptest! {
        #[test]
        fn s13_any_integer_or_address_is_written_as_display_writes_it(
            n in any::<i64>(),
            v4 in any::<u32>(),
            v6 in any::<u128>(),
        ) {
            same_int(n);
            same_ip(IpAddr::V4(Ipv4Addr::from(v4)));
            same_ip(IpAddr::V6(Ipv6Addr::from(v6)));
        }
    }
}

/// A scene the page has replaced is freed in steps (`web/reclaim.rs`): its shape
/// index goes `n` entries at a time, and says when nothing is left.
#[test]
fn a_scene_sheds_its_shape_index_in_steps() {
    let mut scene = build_scene(&boutique(), View::Cluster, &Filter::default());
    let n_shapes = scene.shapes.len();
    let first = scene.shapes[0].id.clone();
    assert!(scene.shape(&first).is_some());
    let mut steps = 0;
    while scene.shed_index(10) {
        steps += 1;
        assert!(steps <= n_shapes, "the index never empties");
    }
    assert_eq!(steps, n_shapes.div_ceil(10));
    assert!(scene.shape(&first).is_none());
    assert!(!scene.shed_index(10));
}

/// The Services, pods and nodes a scene draws, counted by walking its shapes: what
/// `Scene::counts` keeps as the shapes are pushed. The box of pods no node takes
/// is not a node.
fn walked_counts(scene: &Scene) -> ShapeCounts {
    let mut counts = ShapeCounts::default();
    for shape in &scene.shapes {
        match id_kind(&shape.id) {
            Some(IdKind::Service) => counts.services += 1,
            Some(IdKind::Pod) => counts.pods += 1,
            Some(IdKind::Node) if shape.id != UNSCHEDULED_NODE_ID => counts.nodes += 1,
            _ => {}
        }
    }
    counts
}

/// §13: the page shows how many Services, pods and nodes the picture draws from
/// `Scene::counts`, kept while the scene is built: it matches a walk of the
/// shapes in both views, for a part of a scene (a focus), and with pods that no
/// node takes.
#[test]
fn a_scene_counts_the_services_pods_and_nodes_it_draws() {
    let pending = "apiVersion: v1\nkind: Pod\nmetadata: {name: stuck, namespace: default, labels: {app: web}}\nspec:\n  nodeSelector: {disk: none-has-this}\n  containers: [{name: c, image: nginx}]\n";
    let with_pending = topology(&[
        ("online-boutique.yaml", corpus("online-boutique.yaml")),
        ("pending.yaml", pending.to_string()),
    ]);
    for topology in [boutique(), with_pending] {
        for view in [View::Cluster, View::Logical] {
            let scene = build_scene(&topology, view, &Filter::default());
            let counts = scene.counts();
            assert_eq!(counts, walked_counts(&scene), "{view:?}");
            assert_eq!(counts.services, topology.services.len(), "{view:?}");
            if view == View::Cluster {
                assert_eq!(counts.pods, topology.cluster.pods.len());
                assert_eq!(counts.nodes, topology.cluster.nodes.len());
            }
            let part: Vec<_> = scene.shapes.iter().step_by(3).cloned().collect();
            let part = Scene::from_parts(scene.width, scene.height, part, Vec::new());
            assert_eq!(part.counts(), walked_counts(&part), "{view:?}");
        }
    }
    let scene = build_scene(
        &topology(&[("pending.yaml", pending.to_string())]),
        View::Cluster,
        &Filter::default(),
    );
    assert!(
        scene
            .shapes
            .iter()
            .any(|shape| shape.id == UNSCHEDULED_NODE_ID),
        "the pod no node takes has its box"
    );
    assert_eq!(scene.counts().pods, 1);
}
