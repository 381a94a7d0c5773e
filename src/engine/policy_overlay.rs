//! The policy graph drawn on the picture (§8.6): the connections the policies
//! decide, as edges between the workloads' shapes (allowed or denied, with their
//! ports), and a shield on each workload's shapes, closed when policies isolate its
//! pods and open when none selects them.

use super::policy_graph::{PolicyEnd, PolicyGraph, WorkloadKey};
use super::refs::NamespacedName;
use super::scene::{self, IdKind, Scene};

/// What the overlay draws, in scene units.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyOverlay {
    pub edges: Vec<PolicyEdge>,
    pub shields: Vec<Shield>,
}

/// The connections from one shape to another that the policies decide the same
/// way: one edge, labelled with every port.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyEdge {
    /// Scene ids of the two ends.
    pub from: String,
    pub to: String,
    pub allowed: bool,
    /// `:7070`, `:80, :8080/UDP`.
    pub ports: String,
    pub start: (f64, f64),
    pub end: (f64, f64),
}

/// A workload's mark: closed when policies isolate its pods (ingress or egress),
/// open when no policy selects them.
#[derive(Clone, Debug, PartialEq)]
pub struct Shield {
    pub shape: String,
    pub isolated: bool,
    /// The shape's top-right corner.
    pub x: f64,
    pub y: f64,
}

/// The shapes that stand for a workload: its box in the logical view, its groups
/// inside the node boxes in the cluster view (a bare pod is its own chip).
pub fn workload_shapes<'s>(scene: &'s Scene, key: &WorkloadKey) -> Vec<&'s str> {
    if key.workload.kind == "Pod" {
        let id = scene::pod_id(&key.namespace, &key.workload.name);
        return scene
            .shape(&id)
            .map(|s| s.id.as_str())
            .into_iter()
            .collect();
    }
    let workload = scene::workload_id(&key.namespace, &key.workload);
    if let Some(shape) = scene.shape(&workload) {
        return vec![shape.id.as_str()];
    }
    scene
        .shapes
        .iter()
        .filter(|shape| {
            scene::id_kind(&shape.id) == Some(IdKind::WorkloadGroup)
                && scene.workload_of_group(&shape.id).as_deref() == Some(workload.as_str())
        })
        .map(|shape| shape.id.as_str())
        .collect()
}

/// Places `graph` on `scene` (§8.6). With `policy`, only the connections that
/// policy decides: those it allows and those it denies by isolating their
/// denying side. An end the scene does not draw leaves its edges out.
pub fn policy_overlay(
    graph: &PolicyGraph,
    scene: &Scene,
    policy: Option<&NamespacedName>,
) -> PolicyOverlay {
    // The shapes of each workload, in the order of `graph.workloads`.
    let mut shapes_of: Vec<Vec<&str>> = Vec::with_capacity(graph.workloads.len());
    let mut shields = Vec::new();
    for workload in &graph.workloads {
        let shapes = workload_shapes(scene, &workload.key);
        for id in &shapes {
            if let Some(shape) = scene.shape(id) {
                shields.push(Shield {
                    shape: shape.id.clone(),
                    isolated: workload.isolated(),
                    x: shape.rect.x + shape.rect.w,
                    y: shape.rect.y,
                });
            }
        }
        shapes_of.push(shapes);
    }
    let first_shape = |key: &WorkloadKey| -> Option<&str> {
        // The graph's workloads are sorted by key.
        let position = graph.workloads.binary_search_by(|w| w.key.cmp(key)).ok()?;
        shapes_of[position].first().copied()
    };
    let chosen: Option<Vec<usize>> = policy.map(|name| {
        graph
            .policies
            .iter()
            .filter(|summary| &summary.name == name)
            .flat_map(|summary| summary.allows.iter().chain(&summary.denies).copied())
            .collect()
    });
    let mut edges: Vec<PolicyEdge> = Vec::new();
    for (index, connection) in graph.connections.iter().enumerate() {
        if chosen
            .as_ref()
            .is_some_and(|chosen| !chosen.contains(&index))
        {
            continue;
        }
        // One edge per pair of workloads: from the first shape of each.
        let from = match &connection.from {
            PolicyEnd::External => scene.shape(scene::EXTERNAL_ID).map(|s| s.id.as_str()),
            PolicyEnd::Workload(key) => first_shape(key),
        };
        let (Some(from), Some(to)) = (from, first_shape(&connection.to)) else {
            continue;
        };
        let port = if connection.protocol == super::model::Protocol::Tcp {
            format!(":{}", connection.port)
        } else {
            format!(":{}/{}", connection.port, connection.protocol)
        };
        // Connections come sorted by destination and source: a pair's ports are
        // next to each other.
        let same = edges
            .iter_mut()
            .rev()
            .find(|e| e.from == from && e.to == to && e.allowed == connection.allowed);
        match same {
            Some(edge) if edge.ports.split(", ").any(|p| p == port) => {}
            Some(edge) => {
                edge.ports.push_str(", ");
                edge.ports.push_str(&port);
            }
            None => {
                let (Some(start), Some(end)) = (scene.anchor(from), scene.anchor(to)) else {
                    continue;
                };
                edges.push(PolicyEdge {
                    from: from.to_string(),
                    to: to.to_string(),
                    allowed: connection.allowed,
                    ports: port,
                    start,
                    end,
                });
            }
        }
    }
    PolicyOverlay { edges, shields }
}
