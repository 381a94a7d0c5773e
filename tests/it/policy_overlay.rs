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
