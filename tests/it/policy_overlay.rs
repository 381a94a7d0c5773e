//! The policy graph on the picture (§8.6): allowed and denied connections as edges
//! between the workloads' shapes, and a shield per workload, closed when isolated.

use std::collections::BTreeSet;

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::policy_graph::policy_graph;
use kubetopo::engine::policy_overlay::{policy_overlay, PolicyOverlay};
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::scene::{build_scene, parse_id, Filter, IdKind, Scene, View};
use kubetopo::engine::{analyze, Topology};

use crate::common::{samples, BOUTIQUE_CALL_GRAPH, BOUTIQUE_WORKLOADS};

/// A shape id as a short name: `frontend` for a workload or its group, `internet`
/// for the external clients.
fn short(id: &str) -> String {
    match parse_id(id) {
        Some((IdKind::External, key)) => key.to_string(),
        Some((_, key)) => key.rsplit('/').next().unwrap_or(key).to_string(),
        None => id.to_string(),
    }
}

/// `(from, to)` of the edges drawn `allowed` (or denied).
fn pairs(overlay: &PolicyOverlay, allowed: bool) -> BTreeSet<(String, String)> {
    overlay
        .edges
        .iter()
        .filter(|edge| edge.allowed == allowed)
        .map(|edge| (short(&edge.from), short(&edge.to)))
        .collect()
}

fn boutique_with_policies() -> Topology {
    samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"])
}

fn overlay_of(
    topology: &Topology,
    view: View,
    policy: Option<&NamespacedName>,
) -> (Scene, PolicyOverlay) {
    let scene = build_scene(topology, view, &Filter::default());
    let overlay = policy_overlay(&policy_graph(topology), &scene, policy);
    (scene, overlay)
}

/// §8.5, §8.6: with the upstream Online Boutique policies, the allowed edges are
/// exactly the call graph, plus every workload and the outside into frontend (its
/// policy allows every source); every workload is isolated.
#[test]
fn online_boutique_allowed_edges_are_the_call_graph() {
    let topology = boutique_with_policies();
    let (_, overlay) = overlay_of(&topology, View::Logical, None);
    let mut expected: BTreeSet<(String, String)> = BOUTIQUE_CALL_GRAPH
        .iter()
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .collect();
    for workload in BOUTIQUE_WORKLOADS.iter().filter(|w| **w != "frontend") {
        expected.insert((workload.to_string(), "frontend".to_string()));
    }
    expected.insert(("internet".to_string(), "frontend".to_string()));
    assert_eq!(pairs(&overlay, true), expected);
    // Denied: for instance loadgenerator straight to cartservice, on its port.
    let denied = overlay
        .edges
        .iter()
        .find(|e| !e.allowed && short(&e.from) == "loadgenerator" && short(&e.to) == "cartservice")
        .expect("loadgenerator → cartservice denied");
    assert_eq!(denied.ports, ":7070");
    assert!(pairs(&overlay, false).is_disjoint(&pairs(&overlay, true)));
    // Twelve workloads, each one box in the logical view, each isolated by deny-all.
    assert_eq!(overlay.shields.len(), 12);
    assert!(overlay.shields.iter().all(|shield| shield.isolated));
}

/// §8.5, §8.6: a selected policy draws only what it decides. The cartservice policy
/// allows frontend and checkoutservice in on 7070, and every egress (`egress:
/// [{}]`), so it is also the allowing side of cartservice's calls that the
/// destination admits (redis-cart, and frontend, which admits everyone); it denies
/// the other sources it isolates cartservice from.
#[test]
fn a_selected_policy_draws_only_its_connections() {
    let topology = boutique_with_policies();
    let policy = NamespacedName::new("default", "cartservice");
    let (_, overlay) = overlay_of(&topology, View::Logical, Some(&policy));
    assert_eq!(
        pairs(&overlay, true),
        [
            ("cartservice", "frontend"),
            ("cartservice", "redis-cart"),
            ("checkoutservice", "cartservice"),
            ("frontend", "cartservice"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    );
    let denied = pairs(&overlay, false);
    assert!(denied.contains(&("loadgenerator".to_string(), "cartservice".to_string())));
    assert!(
        denied.iter().all(|(_, to)| to == "cartservice"),
        "{denied:?}"
    );
}

/// §8.1, §8.6: in the cluster view each workload's groups carry its shield, and a
/// workload no policy selects gets an open one: with a single policy selecting
/// cartservice, only cartservice is isolated.
#[test]
fn unselected_workloads_get_an_open_shield() {
    let boutique = std::fs::read_to_string(format!(
        "{}/samples/online-boutique.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("sample");
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: cart-in, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: cartservice}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]\n";
    let topology = analyze(
        &[
            SourceFile::new("boutique.yaml", boutique),
            SourceFile::new("policy.yaml", policy),
        ],
        &Config::default(),
    );
    let (scene, overlay) = overlay_of(&topology, View::Cluster, None);
    let isolated: BTreeSet<String> = overlay
        .shields
        .iter()
        .filter(|s| s.isolated)
        .map(|s| short(&s.shape))
        .collect();
    assert_eq!(isolated, ["cartservice".to_string()].into_iter().collect());
    let open: BTreeSet<String> = overlay
        .shields
        .iter()
        .filter(|s| !s.isolated)
        .map(|s| short(&s.shape))
        .collect();
    assert_eq!(open.len(), 11);
    // Shields sit on workload groups, at their top-right corner.
    for shield in &overlay.shields {
        assert_eq!(
            parse_id(&shield.shape).map(|(kind, _)| kind),
            Some(IdKind::WorkloadGroup)
        );
        let rect = scene.shape(&shield.shape).expect("drawn").rect;
        assert_eq!((shield.x, shield.y), (rect.x + rect.w, rect.y));
    }
    // Only connections into cartservice are decided: frontend allowed, the rest denied.
    assert_eq!(
        pairs(&overlay, true),
        [("frontend".to_string(), "cartservice".to_string())]
            .into_iter()
            .collect()
    );
    assert!(pairs(&overlay, false)
        .iter()
        .all(|(_, to)| to == "cartservice"));
}

/// §8.6: without NetworkPolicies nothing is isolated and nothing is drawn.
#[test]
fn no_policies_draw_nothing() {
    let topology = samples(&["online-boutique.yaml"]);
    let (_, overlay) = overlay_of(&topology, View::Cluster, None);
    assert_eq!(overlay, PolicyOverlay::default());
}

/// §8.6: denied edges do not pile up between the workloads (issue #10: on the
/// Online Boutique demo they piled up at the right edge of the picture). In both
/// views: every denied edge is a line of horizontal and vertical runs from its
/// source's right side (from outside: above every shape) to its destination's
/// right side; its vertical run is its lane, right of every shape it joins and of
/// the box that holds it; the denied edges into one destination on the same ports
/// share a lane and no two destinations share one; no two edges put their cross at
/// the same point; and each lane writes its ports once.
#[test]
fn denied_edges_run_in_one_lane_per_destination() {
    let topology = boutique_with_policies();
    for view in [View::Cluster, View::Logical] {
        let (scene, overlay) = overlay_of(&topology, view, None);
        let denied: Vec<_> = overlay.edges.iter().filter(|edge| !edge.allowed).collect();
        assert!(denied.len() > 50, "{view:?}: {} denied edges", denied.len());
        let right_of_shapes = denied
            .iter()
            .flat_map(|edge| [&edge.from, &edge.to])
            .filter(|id| id.as_str() != kubetopo::engine::scene::EXTERNAL_ID)
            .flat_map(|id| {
                let shape = scene.shape(id).expect("drawn");
                [
                    Some(shape),
                    shape.parent.as_deref().and_then(|p| scene.shape(p)),
                ]
            })
            .flatten()
            .map(|shape| shape.rect.x + shape.rect.w)
            .fold(0.0, f64::max);
        let top_of_shapes = scene
            .shapes
            .iter()
            .map(|s| s.rect.y)
            .fold(f64::MAX, f64::min);
        let mut lane_of: std::collections::BTreeMap<(String, String), f64> = Default::default();
        let mut crosses = BTreeSet::new();
        let mut n_labels: std::collections::BTreeMap<(String, String), usize> = Default::default();
        for edge in &denied {
            let points = &edge.points;
            assert!(
                points.len() >= 4,
                "{view:?} {} → {}: {points:?}",
                edge.from,
                edge.to
            );
            for pair in points.windows(2) {
                let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
                assert!(
                    x1 == x2 || y1 == y2,
                    "{view:?} {} → {}: a slanted run {pair:?}",
                    edge.from,
                    edge.to
                );
            }
            let destination = scene.shape(&edge.to).expect("drawn").rect;
            let last = points[points.len() - 1];
            assert_eq!(
                last,
                (destination.x + destination.w, destination.center().1),
                "{view:?}: ends at the destination's right side"
            );
            let source = scene.shape(&edge.from).expect("drawn").rect;
            if edge.from == kubetopo::engine::scene::EXTERNAL_ID {
                // Up from the external clients, across above every shape.
                assert_eq!(points[0], (source.center().0, source.y));
                assert!(points[1].1 < top_of_shapes);
            } else {
                assert_eq!(
                    points[0],
                    (source.x + source.w, source.center().1),
                    "{view:?}: starts at the source's right side"
                );
            }
            // The lane: the vertical run before the last one.
            let lane_x = points[points.len() - 2].0;
            assert!(
                lane_x > right_of_shapes,
                "{view:?}: lane {lane_x} not right of {right_of_shapes}"
            );
            let key = (edge.to.clone(), edge.ports.clone());
            assert_eq!(
                *lane_of.entry(key.clone()).or_insert(lane_x),
                lane_x,
                "{view:?}: {key:?} in two lanes"
            );
            let cross = edge.cross_at.expect("a denied edge has a cross");
            assert_eq!(cross.0, lane_x, "the cross sits on the lane");
            assert!(
                crosses.insert(format!("{:.1},{:.1}", cross.0, cross.1)),
                "{view:?}: two crosses at {cross:?}"
            );
            *n_labels.entry(key).or_default() += usize::from(edge.label_at.is_some());
        }
        let lanes: BTreeSet<String> = lane_of.values().map(|x| format!("{x:.1}")).collect();
        assert_eq!(
            lanes.len(),
            lane_of.len(),
            "{view:?}: two destinations share a lane"
        );
        assert!(n_labels.values().all(|n| *n == 1), "{view:?}: {n_labels:?}");
        // Allowed edges stay straight between the shapes.
        assert!(overlay
            .edges
            .iter()
            .filter(|e| e.allowed)
            .all(|e| e.points.len() == 2 && e.cross_at.is_none()));
        assert!(overlay.right() > scene.width - 24.0);
    }
}
