//! The namespace filter (§13.10, issue #10 point 7): any set of namespaces, the
//! picture shows exactly those, and a choice outlives an edit that empties it.

use std::collections::BTreeSet;

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::scene::{
    build_scene, parse_id, Filter, IdKind, NamespaceChoice, Scene, View,
};
use kubetopo::engine::{analyze, Topology};

use crate::common::samples;

/// The namespace a shape belongs to, from its id; `None` for nodes and the
/// external clients, which belong to none.
fn namespace_of(id: &str) -> Option<String> {
    let (kind, key) = parse_id(id).expect("a scene id");
    let key = match kind {
        IdKind::Node | IdKind::External => return None,
        IdKind::Namespace => return Some(key.to_string()),
        // `node:namespace/Kind/name`
        IdKind::WorkloadGroup => key.split_once(':').expect("node:").1,
        _ => key,
    };
    Some(key.split('/').next().expect("a namespace").to_string())
}

fn namespaces_drawn(scene: &Scene) -> BTreeSet<String> {
    scene
        .shapes
        .iter()
        .filter_map(|shape| namespace_of(&shape.id))
        .collect()
}

fn choices(filter: &Filter, topology: &Topology) -> Vec<(String, bool, bool)> {
    filter
        .namespace_choices(topology)
        .into_iter()
        .map(
            |NamespaceChoice {
                 name,
                 chosen,
                 present,
             }| (name, chosen, present),
        )
        .collect()
}

/// §13.10: the list offers every namespace with something drawn in it, sorted.
#[test]
fn the_list_offers_every_namespace_of_the_input() {
    let topology = samples(&["gateway-canary.yaml"]);
    let listed: Vec<String> = Filter::default()
        .namespace_choices(&topology)
        .into_iter()
        .map(|choice| {
            assert!(!choice.chosen && choice.present);
            choice.name
        })
        .collect();
    let drawn: Vec<String> =
        namespaces_drawn(&build_scene(&topology, View::Cluster, &Filter::default()))
            .into_iter()
            .collect();
    assert_eq!(listed, drawn);
    assert!(
        ["legacy", "payments", "shop"]
            .iter()
            .all(|n| listed.contains(&n.to_string())),
        "{listed:?}"
    );
}

/// §13.10: two namespaces chosen out of several: every Service, pod, workload,
/// Gateway and island drawn is in one of them, every Service of theirs is drawn,
/// and in both views.
#[test]
fn the_picture_shows_exactly_the_chosen_namespaces() {
    let topology = samples(&["gateway-canary.yaml", "online-boutique.yaml"]);
    let mut filter = Filter::default();
    filter.toggle_namespace("shop");
    filter.toggle_namespace("payments");
    let chosen: BTreeSet<String> = ["payments", "shop"].map(String::from).into();
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&topology, view, &filter);
        assert_eq!(namespaces_drawn(&scene), chosen, "{view:?}");
        for service in &topology.services {
            let drawn = scene
                .shape(&kubetopo::engine::scene::service_id(
                    &service.namespace,
                    &service.name,
                ))
                .is_some();
            assert_eq!(
                drawn,
                chosen.contains(&service.namespace),
                "{view:?} {}",
                service.key()
            );
        }
        // Every edge joins two drawn shapes.
        for edge in &scene.edges {
            assert!(
                scene.shape(&edge.from).is_some() && scene.shape(&edge.to).is_some(),
                "{} → {}",
                edge.from,
                edge.to
            );
        }
        // Packed to the chosen namespaces: smaller than the whole picture.
        let whole = build_scene(&topology, view, &Filter::default());
        assert!(
            scene.height < whole.height,
            "{view:?}: {} vs {}",
            scene.height,
            whole.height
        );
    }
    // Taking one back leaves the other.
    filter.toggle_namespace("shop");
    let scene = build_scene(&topology, View::Cluster, &filter);
    assert_eq!(namespaces_drawn(&scene), ["payments".to_string()].into());
    // Taking both back shows everything again.
    filter.toggle_namespace("payments");
    assert!(filter.namespaces.is_empty());
    assert_eq!(
        build_scene(&topology, View::Cluster, &filter),
        build_scene(&topology, View::Cluster, &Filter::default())
    );
}

/// §13.10: without a namespace of the input chosen, no external clients are drawn
/// for Ingresses or Gateways of other namespaces.
#[test]
fn no_external_clients_without_an_entry_point_among_the_chosen() {
    let topology = samples(&["gateway-canary.yaml"]);
    let mut filter = Filter::default();
    filter.toggle_namespace("legacy");
    let scene = build_scene(&topology, View::Cluster, &filter);
    assert!(
        scene.shape(kubetopo::engine::scene::EXTERNAL_ID).is_none(),
        "{:?}",
        scene.shapes.iter().map(|s| &s.id).collect::<Vec<_>>()
    );
}

/// §13.10: an edit that removes the last object of a chosen namespace keeps the
/// choice, listed as absent, and the picture shows the other chosen ones; when the
/// namespace comes back, so does its part of the picture.
#[test]
fn a_choice_outlives_an_edit_that_empties_its_namespace() {
    let service = |namespace: &str| {
        format!("apiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: {namespace}}}\nspec: {{ports: [{{port: 80}}]}}\n")
    };
    let analyse = |text: String| analyze(&[SourceFile::new("app.yaml", text)], &Config::default());
    let both = analyse(format!("{}---\n{}", service("a"), service("b")));
    let mut filter = Filter::default();
    filter.toggle_namespace("a");
    filter.toggle_namespace("b");
    assert_eq!(
        choices(&filter, &both),
        [("a".into(), true, true), ("b".into(), true, true)]
    );
    // The user renames namespace b to c while typing.
    let edited = analyse(format!("{}---\n{}", service("a"), service("c")));
    assert_eq!(
        choices(&filter, &edited),
        [
            ("a".into(), true, true),
            ("b".into(), true, false),
            ("c".into(), false, true)
        ]
    );
    assert_eq!(
        namespaces_drawn(&build_scene(&edited, View::Cluster, &filter)),
        ["a".to_string()].into()
    );
    // And back: the choice was kept.
    assert_eq!(
        namespaces_drawn(&build_scene(&both, View::Cluster, &filter)),
        ["a".to_string(), "b".to_string()].into()
    );
}
