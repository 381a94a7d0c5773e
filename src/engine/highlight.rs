//! What a selection, a name search and a label query light up in a scene, as plain
//! data the shells apply to their drawing.
//!
//! The web app used to turn this into a generated stylesheet with object names
//! inside CSS strings, so a name with a newline in it could end the string and add
//! rules of its own. Now the answer is a set of shape and edge positions: the app
//! toggles fixed class names on exactly those elements, and no text from the input
//! ever reaches a style sheet.

use std::collections::BTreeSet;

use super::scene::{self, IdKind, Scene, ShapeKind};
use super::selector;
use super::Topology;

/// What to draw at full strength. Every set holds positions in [`Scene::shapes`]
/// or [`Scene::edges`], which are also the positions of the elements that
/// [`scene::svg_elements`] writes, in the same order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlight {
    /// The selection, what it connects to, the matches, and the containers of
    /// all of them.
    pub lit_shapes: BTreeSet<usize>,
    /// Edges that touch the selection (or its workload groups, or its load
    /// balancer): drawn bold.
    pub lit_edges: BTreeSet<usize>,
    /// The selected shape, outlined in the accent colour.
    pub selected_shapes: BTreeSet<usize>,
    /// Shapes the search or the label query matched, outlined in the match colour.
    pub matched_shapes: BTreeSet<usize>,
}

impl Highlight {
    /// Whether anything is highlighted, in which case everything else is faded.
    pub fn is_empty(&self) -> bool {
        self.lit_shapes.is_empty() && self.lit_edges.is_empty()
    }
}

/// What `selection` (a scene id) and `matches` (scene ids) light up in `scene`.
/// Ids that are not in the scene are ignored.
pub fn highlight(scene: &Scene, selection: Option<&str>, matches: &BTreeSet<String>) -> Highlight {
    let mut lit_ids: BTreeSet<String> = BTreeSet::new();
    // Edges are lit when they start or end at a root, or start at a root's load
    // balancer (the entry path of a Service).
    let mut edge_endpoints: BTreeSet<String> = BTreeSet::new();
    let mut edge_starts: BTreeSet<String> = BTreeSet::new();
    if let Some(selected) = selection {
        let mut roots: Vec<String> = vec![selected.to_string()];
        // The cluster view draws a workload as groups inside node boxes.
        if scene::id_kind(selected) == Some(IdKind::Workload) {
            roots.extend(
                scene
                    .shapes
                    .iter()
                    .filter(|shape| {
                        scene::id_kind(&shape.id) == Some(IdKind::WorkloadGroup)
                            && scene.workload_of_group(&shape.id).as_deref() == Some(selected)
                    })
                    .map(|shape| shape.id.clone()),
            );
        }
        for root in &roots {
            lit_ids.insert(root.clone());
            lit_ids.extend(scene.neighbours(root));
            edge_endpoints.insert(root.clone());
            if let Some((IdKind::Service, service_key)) = scene::parse_id(root) {
                let load_balancer = scene::id_from_key(IdKind::LoadBalancer, service_key);
                if scene.shape(&load_balancer).is_some() {
                    lit_ids.extend(scene.neighbours(&load_balancer));
                    edge_starts.insert(load_balancer);
                }
            }
        }
    }
    lit_ids.extend(matches.iter().cloned());
    // Keep the containers of lit shapes visible: a pod's workload group and node.
    let containers: Vec<String> = lit_ids
        .iter()
        .filter_map(|id| scene.shape(id).and_then(|shape| shape.parent.clone()))
        .collect();
    for container in containers {
        if let Some(grandparent) = scene.shape(&container).and_then(|s| s.parent.clone()) {
            lit_ids.insert(grandparent);
        }
        lit_ids.insert(container);
    }
    let positions = |ids: &mut dyn Iterator<Item = &str>| -> BTreeSet<usize> {
        ids.filter_map(|id| scene.shape_index(id)).collect()
    };
    Highlight {
        lit_shapes: positions(&mut lit_ids.iter().map(String::as_str)),
        lit_edges: scene
            .edges
            .iter()
            .enumerate()
            .filter(|(_, edge)| {
                edge_endpoints.contains(&edge.from)
                    || edge_endpoints.contains(&edge.to)
                    || edge_starts.contains(&edge.from)
            })
            .map(|(position, _)| position)
            .collect(),
        selected_shapes: positions(&mut selection.into_iter()),
        matched_shapes: positions(&mut matches.iter().map(String::as_str)),
    }
}

/// The scene id a click on `id` selects: a workload group inside a node box
/// selects its workload, everything else selects itself.
pub fn selection_target(scene: &Scene, id: &str) -> String {
    match scene::id_kind(id) {
        Some(IdKind::WorkloadGroup) => scene
            .workload_of_group(id)
            .unwrap_or_else(|| id.to_string()),
        _ => id.to_string(),
    }
}

/// What a click on the edge from `from` to `to` selects: the object the edge
/// stands for, such as the Route of a Gateway's route edge; `None` for an edge
/// that is only a connection.
pub fn edge_selection(scene: &Scene, from: &str, to: &str) -> Option<String> {
    scene
        .edges
        .iter()
        .find(|edge| edge.from == from && edge.to == to && edge.selects.is_some())
        .and_then(|edge| edge.selects.clone())
}

/// Which way the arrow keys move the selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDirection {
    Forward,
    Backward,
}

/// The next or previous shape of the same kind as `current`, in scene order,
/// wrapping around. Without a selection the first Service is chosen.
pub fn step_selection(
    scene: &Scene,
    current: Option<&str>,
    direction: StepDirection,
) -> Option<String> {
    let kind = current.and_then(scene::id_kind).unwrap_or(IdKind::Service);
    let ids: Vec<&str> = scene
        .shapes
        .iter()
        .map(|shape| shape.id.as_str())
        .filter(|id| scene::id_kind(id) == Some(kind))
        .collect();
    if ids.is_empty() {
        return None;
    }
    let position = current.and_then(|current| ids.iter().position(|id| *id == current));
    let next = match (position, direction) {
        (None, _) => 0,
        (Some(position), StepDirection::Forward) => (position + 1) % ids.len(),
        (Some(position), StepDirection::Backward) => (position + ids.len() - 1) % ids.len(),
    };
    Some(ids[next].to_string())
}

/// What the name search and the label query found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResult {
    /// Scene ids of the matching shapes.
    pub matches: BTreeSet<String>,
    /// The same ids, best first: Services (and their load balancers), then
    /// workloads, then pods, then everything else; within each, an exact name
    /// before a partial one, then by label. Enter goes to the first.
    pub ranked: Vec<String>,
    /// Why the label query does not parse, in kubectl's words (§1.2).
    pub query_error: Option<String>,
}

/// Shapes whose label contains `search` (case-insensitive), and pods, workloads
/// and Services whose labels match the selector `query`. Blank inputs match nothing.
pub fn search(scene: &Scene, topology: &Topology, search: &str, query: &str) -> SearchResult {
    let mut result = SearchResult::default();
    let search = search.trim().to_lowercase();
    if !search.is_empty() {
        for shape in &scene.shapes {
            let searchable = matches!(shape.kind, ShapeKind::Box | ShapeKind::Chip)
                || scene::id_kind(&shape.id) == Some(IdKind::Node);
            if searchable && shape.label.to_lowercase().contains(&search) {
                result.matches.insert(shape.id.clone());
            }
        }
    }
    if !query.trim().is_empty() {
        match selector::parse(query) {
            Ok(parsed) => {
                for pod in &topology.cluster.pods {
                    if parsed.matches(&pod.labels) {
                        result
                            .matches
                            .insert(scene::pod_id(&pod.namespace, &pod.name));
                        if let Some(workload) = &pod.workload {
                            result
                                .matches
                                .insert(scene::workload_id(&pod.namespace, workload));
                        }
                    }
                }
                for service in &topology.manifests.services {
                    if parsed.matches(&service.meta.labels) {
                        result.matches.insert(scene::service_id(
                            &service.meta.namespace,
                            &service.meta.name,
                        ));
                    }
                }
            }
            Err(error) => result.query_error = Some(error.to_string()),
        }
    }
    result.ranked = rank_matches(scene, &result.matches, &search);
    result
}

impl SearchResult {
    /// The match Enter goes to.
    pub fn best(&self) -> Option<&str> {
        self.ranked.first().map(String::as_str)
    }
}

/// Orders matches as [`SearchResult::ranked`] describes.
fn rank_matches(scene: &Scene, matches: &BTreeSet<String>, search: &str) -> Vec<String> {
    let kind_rank = |id: &str| match scene::id_kind(id) {
        Some(IdKind::Service) => 0,
        Some(IdKind::LoadBalancer) => 1,
        Some(IdKind::Workload) => 2,
        Some(IdKind::WorkloadGroup) => 3,
        Some(IdKind::Pod) => 4,
        _ => 5,
    };
    let mut ranked: Vec<(u8, bool, String, &String)> = matches
        .iter()
        .map(|id| {
            let label = scene
                .shape(id)
                .map(|shape| shape.label.to_lowercase())
                .unwrap_or_default();
            (kind_rank(id), label != search, label, id)
        })
        .collect();
    ranked.sort();
    ranked.into_iter().map(|(_, _, _, id)| id.clone()).collect()
}
