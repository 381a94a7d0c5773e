//! Edits you can follow (§13.6): what moves, appears and goes between the scene
//! before a what-if edit and the scene after it.

use kubetopo::engine::scene::{
    build_scene, build_scene_after, parse_id, Filter, IdKind, Scene, View,
};
use kubetopo::engine::scene_motion::scene_motion;
use kubetopo::engine::whatif::{apply, Mutation};

use crate::common::samples;

fn id_kinds(scene: &Scene, positions: impl Iterator<Item = usize>) -> Vec<String> {
    positions.map(|p| scene.shapes[p].id.clone()).collect()
}

/// The boutique's cluster picture before and after cartservice is scaled to
/// `replicas`.
fn cartservice_scaled_to(replicas: u32) -> (Scene, Scene) {
    cartservice_scaled(1, replicas)
}

/// The boutique with cartservice scaled to `from`, then to `to`: both pictures, the
/// second built after the first, as the app builds an edit's (§13.8).
fn cartservice_scaled(from: u32, to: u32) -> (Scene, Scene) {
    let scale = |topology: &mut kubetopo::engine::Topology, replicas: u32| {
        if replicas != 1 {
            let scale = Mutation::ScaleWorkload {
                namespace: "default".into(),
                name: "cartservice".into(),
                replicas,
            };
            apply(topology, &scale).expect("scale applies");
        }
    };
    let mut before = samples(&["online-boutique.yaml"]);
    scale(&mut before, from);
    let mut after = before.clone();
    scale(&mut after, to);
    let old = build_scene(&before, View::Cluster, &Filter::default());
    let new = build_scene_after(&after, View::Cluster, &Filter::default(), Some(&old));
    (old, new)
}

/// §13.6: scaling cartservice from 1 to 3 adds two pods (and the groups that hold
/// them on other nodes) and removes nothing. The classic picture's crossing
/// reduction may reorder Services and node contents (`docs/layout.md`), and the
/// motion says so; the namespace island and the external column stay put.
#[test]
fn scaling_up_adds_pods_and_moves_nothing_unrelated() {
    let (old, new) = cartservice_scaled_to(3);
    let motion = scene_motion(&old, &new).expect("an edit, not another picture");
    let added = id_kinds(&new, motion.added.iter().copied());
    let added_pods: Vec<&String> = added.iter().filter(|id| id.starts_with("pod:")).collect();
    assert_eq!(added_pods.len(), 2, "{added:?}");
    assert!(added_pods
        .iter()
        .all(|id| id.starts_with("pod:default/cartservice-")));
    assert!(motion.removed.is_empty());
    // Islands, the external clients and the load balancers' column stay put.
    for (position, _, _) in &motion.moved {
        let kind = parse_id(&new.shapes[*position].id).map(|(kind, _)| kind);
        assert!(
            !matches!(kind, Some(IdKind::Namespace | IdKind::External)),
            "{} moved",
            new.shapes[*position].id
        );
    }
    // The edges to the new pods are new.
    assert!(motion
        .redrawn_edges
        .iter()
        .any(|&e| new.edges[e].to.starts_with("pod:default/cartservice-")));
}

/// §13.6: scaling to 0 removes the pod (positions in the old scene); an unchanged
/// scene has no motion at all.
#[test]
fn scaling_to_zero_removes_the_pod_and_an_unchanged_scene_is_still() {
    let (old, new) = cartservice_scaled_to(0);
    assert!(scene_motion(&old, &old.clone()).is_some_and(|m| m.is_empty()));
    let motion = scene_motion(&old, &new).expect("an edit, not another picture");
    let removed = id_kinds(&old, motion.removed.iter().copied());
    assert!(
        removed
            .iter()
            .any(|id| id.starts_with("pod:default/cartservice-")),
        "{removed:?}"
    );
    assert!(
        removed.iter().all(|id| id.contains("cartservice")),
        "{removed:?}"
    );
    assert!(motion.added.is_empty());
    // Every moved shape really is elsewhere, by the offset given.
    for &(position, dx, dy) in &motion.moved {
        let shape = &new.shapes[position];
        let was = old.shape(&shape.id).expect("in both").rect;
        assert_eq!((was.x - shape.rect.x, was.y - shape.rect.y), (dx, dy));
    }
}

/// §13.6: another input is another picture, not an edit: no motion at all (it is
/// drawn at once), and so is a picture drawn from nothing.
#[test]
fn another_input_has_no_motion() {
    let boutique = build_scene(
        &samples(&["online-boutique.yaml"]),
        View::Cluster,
        &Filter::default(),
    );
    let guestbook = build_scene(
        &samples(&["guestbook.yaml"]),
        View::Cluster,
        &Filter::default(),
    );
    assert_eq!(scene_motion(&boutique, &guestbook), None);
    assert_eq!(scene_motion(&guestbook, &boutique), None);
    assert_eq!(scene_motion(&Scene::default(), &boutique), None);
}

/// §13.6: an edge is drawn anew exactly when the old picture had no edge between
/// the same ends along the same path, also when an edit adds many edges at one
/// place (here 29 pods, each with its endpoint edge) and every later edge moves
/// down the list.
#[test]
fn redrawn_edges_are_those_the_old_picture_did_not_draw() {
    // Removing many pods at once too (399 of 400).
    for (from, to) in [(1, 30), (1, 0), (30, 1), (400, 1)] {
        let (old, new) = cartservice_scaled(from, to);
        let replicas = format!("{from} to {to}");
        let motion = scene_motion(&old, &new).expect("an edit, not another picture");
        let expected: Vec<usize> = new
            .edges
            .iter()
            .enumerate()
            .filter(|(_, edge)| {
                !old.edges
                    .iter()
                    .any(|e| e.from == edge.from && e.to == edge.to && e.path == edge.path)
            })
            .map(|(position, _)| position)
            .collect();
        // Pods added bring their endpoint edges.
        assert!(to < from || !expected.is_empty(), "scaled {replicas}");
        assert_eq!(motion.redrawn_edges, expected, "scaled {replicas}");
    }
}
