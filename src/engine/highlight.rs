//! What a selection, a name search and a label query light up in a scene, as plain
//! data the shells apply to their drawing.
//!
//! The web app used to turn this into a generated stylesheet with object names
//! inside CSS strings, so a name with a newline in it could end the string and add
//! rules of its own. Now the answer is a set of shape and edge positions: the app
//! toggles fixed class names on exactly those elements, and no text from the input
//! ever reaches a style sheet.

use std::collections::BTreeSet;

use super::positions::Positions;
use super::scene::{self, IdKind, Scene, ShapeKind};
use super::selector;
use super::sort::{CollectCompact, SortCompact};
use super::Topology;

/// What to draw at full strength. Every set holds positions in [`Scene::shapes`]
/// or [`Scene::edges`], which are also the positions of the elements that
/// [`scene::svg_elements`] writes, in the same order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Highlight {
    /// The selection, what it connects to, the matches, and the containers of
    /// all of them.
    pub lit_shapes: Positions,
    /// Edges that touch the selection (or its workload groups, or its load
    /// balancer): drawn bold.
    pub lit_edges: Positions,
    /// The selected shape, outlined in the accent colour.
    pub selected_shapes: Positions,
    /// Shapes the search or the label query matched, outlined in the match colour.
    pub matched_shapes: Positions,
}

impl Highlight {
    /// Whether anything is highlighted, in which case everything else is faded.
    pub fn is_empty(&self) -> bool {
        self.lit_shapes.is_empty() && self.lit_edges.is_empty()
    }
}

/// What `selection` (a scene id) and `matches` (positions in [`Scene::shapes`],
/// as [`search`] finds them) light up in `scene`. A selection that is not in the
/// scene and positions past its end are ignored.
///
/// Matches are positions rather than ids because a search at 100,000 pods can
/// match every pod: a set of ids would clone and compare that many strings on
/// every keystroke (issue #9).
pub fn highlight(scene: &Scene, selection: Option<&str>, matches: &Positions) -> Highlight {
    let mut lit_ids: BTreeSet<String> = BTreeSet::new();
    // Edges are lit when they start or end at a root, or start at a root's load
    // balancer (the entry path of a Service).
    let mut edge_endpoints: BTreeSet<String> = BTreeSet::new();
    let mut edge_starts: BTreeSet<String> = BTreeSet::new();
    // A Route has no shape: it lights the edges that stand for it and their ends,
    // the listeners (with their Gateway, as their container) and the Services.
    let mut route_edges = Positions::new();
    if let Some(route) = selection.filter(|id| scene::id_kind(id) == Some(IdKind::Route)) {
        for (position, edge) in scene.edges.iter().enumerate() {
            if edge.stands_for.iter().any(|id| id == route) {
                route_edges.insert(position);
                lit_ids.insert(edge.from.clone());
                lit_ids.insert(edge.to.clone());
            }
        }
    } else if let Some(selected) = selection {
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
        // A Gateway's Routes leave from its listeners: their edges are its own.
        if scene::id_kind(selected) == Some(IdKind::Gateway) {
            roots.extend(
                scene
                    .shapes
                    .iter()
                    .filter(|shape| shape.parent.as_deref() == Some(selected))
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
    // Matches past the scene's end are dropped.
    let matched_shapes = matches.below(scene.shapes.len());
    let mut lit_shapes = matched_shapes.clone();
    lit_shapes.extend(lit_ids.iter().filter_map(|id| scene.shape_index(id)));
    // Keep the containers of lit shapes visible: a pod's workload group and node.
    // Shapes of one container are neighbours in the scene's order, so a container
    // and its own container are added once per run of its children.
    let mut containers = Positions::new();
    let mut last_parent = None;
    for position in lit_shapes.iter() {
        let Some(parent) = scene.parent_index(position) else {
            continue;
        };
        if last_parent == Some(parent) {
            continue;
        }
        last_parent = Some(parent);
        containers.insert(parent);
        containers.extend(scene.parent_index(parent));
    }
    lit_shapes.union_with(&containers);
    Highlight {
        lit_shapes,
        lit_edges: if edge_endpoints.is_empty() {
            route_edges
        } else {
            scene
                .edges
                .iter()
                .enumerate()
                .filter(|(_, edge)| {
                    edge_endpoints.contains(&edge.from)
                        || edge_endpoints.contains(&edge.to)
                        || edge_starts.contains(&edge.from)
                })
                .map(|(position, _)| position)
                .collect()
        },
        selected_shapes: selection
            .and_then(|selected| scene.shape_index(selected))
            .into_iter()
            .collect(),
        matched_shapes,
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
        .filter(|edge| edge.from == from && edge.to == to)
        .find_map(|edge| edge.stands_for.first().cloned())
}

/// Which way the arrow keys move the selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepDirection {
    Forward,
    Backward,
}

/// The next or previous shape of the same kind as `current`, in scene order,
/// wrapping around; from a Route, which is drawn as edges, the next or previous
/// Route in the order of its edges. Without a selection the first Service is
/// chosen.
pub fn step_selection(
    scene: &Scene,
    current: Option<&str>,
    direction: StepDirection,
) -> Option<String> {
    let kind = current.and_then(scene::id_kind).unwrap_or(IdKind::Service);
    let mut ids: Vec<&str> = Vec::new();
    if kind == IdKind::Route {
        for route in scene.edges.iter().flat_map(|edge| &edge.stands_for) {
            if !ids.contains(&route.as_str()) {
                ids.push(route);
            }
        }
    } else {
        ids.extend(
            scene
                .shapes
                .iter()
                .map(|shape| shape.id.as_str())
                .filter(|id| scene::id_kind(id) == Some(kind)),
        );
    }
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

/// The edges `e` steps through with `selected` chosen (§13.13): those that leave
/// or reach it, and those that stand for it (a Route's), in scene order.
pub fn edges_of(scene: &Scene, selected: &str) -> Vec<usize> {
    scene
        .edges
        .iter()
        .enumerate()
        .filter(|(_, edge)| {
            edge.from == selected
                || edge.to == selected
                || edge.stands_for.iter().any(|id| id == selected)
        })
        .map(|(position, _)| position)
        .collect()
}

/// The next or previous edge of `selected` after `current` (a position in
/// [`Scene::edges`]), wrapping around; the first (or last) when `current` is not
/// one of its edges. With it, its place among the selection's edges and their
/// number, for "Edge 2 of 5". `None` when it has none (§13.13).
pub fn step_edge(
    scene: &Scene,
    selected: &str,
    current: Option<usize>,
    direction: StepDirection,
) -> Option<(usize, usize, usize)> {
    let edges = edges_of(scene, selected);
    let n = edges.len();
    let at = current.and_then(|current| edges.iter().position(|&e| e == current));
    let next = match (at, direction) {
        (None, StepDirection::Forward) => 0,
        (None, StepDirection::Backward) => n.checked_sub(1)?,
        (Some(at), StepDirection::Forward) => (at + 1) % n,
        (Some(at), StepDirection::Backward) => (at + n - 1) % n,
    };
    Some((*edges.get(next)?, next, n))
}

/// What the name search and the label query found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResult {
    /// Positions in [`Scene::shapes`] of the matching shapes.
    pub matches: Positions,
    /// The scene ids of the Routes whose name contains the name search. A Route
    /// is drawn as edges, so it is not among `matches`, but Enter can select it.
    pub routes: BTreeSet<String>,
    /// The name search, trimmed and lowercased, which ranks exact names first.
    needle: String,
    /// Why the label query does not parse, in kubectl's words (§1.2).
    pub query_error: Option<String>,
}

/// Shapes whose label contains `search` (ignoring ASCII case), and pods, workloads
/// and Services whose labels match the selector `query`. Blank inputs match nothing.
///
/// The name search is one pass over the labels with no allocation per shape, so a
/// keystroke at 100,000 pods costs a few milliseconds; the ranking that Enter
/// needs is computed only when asked for ([`SearchResult::ranked`]).
pub fn search(scene: &Scene, topology: &Topology, search: &str, query: &str) -> SearchResult {
    let needle = search.trim().to_ascii_lowercase();
    let mut result = SearchResult {
        needle,
        ..SearchResult::default()
    };
    if !result.needle.is_empty() {
        let needle = result.needle.as_str();
        result.matches = scene
            .shapes
            .iter()
            .enumerate()
            .filter(|(_, shape)| {
                let searchable = matches!(shape.kind, ShapeKind::Box | ShapeKind::Chip)
                    || scene::id_kind(&shape.id) == Some(IdKind::Node);
                searchable && contains_ignoring_case(&shape.label, needle)
            })
            .map(|(position, _)| position)
            .collect();
        result.routes = scene
            .edges
            .iter()
            .flat_map(|edge| &edge.stands_for)
            .filter(|id| route_name(id).is_some_and(|name| contains_ignoring_case(name, needle)))
            .cloned()
            .collect_set();
    }
    if !query.trim().is_empty() {
        match selector::parse(query) {
            Ok(parsed) => {
                let mut ids: BTreeSet<String> = BTreeSet::new();
                for pod in &topology.cluster.pods {
                    if parsed.matches(&pod.labels) {
                        ids.insert(scene::pod_id(&pod.namespace, &pod.name));
                        if let Some(workload) = &pod.workload {
                            ids.insert(scene::workload_id(&pod.namespace, workload));
                        }
                    }
                }
                for service in &topology.manifests.services {
                    if parsed.matches(&service.meta.labels) {
                        ids.insert(scene::service_id(
                            &service.meta.namespace,
                            &service.meta.name,
                        ));
                    }
                }
                result
                    .matches
                    .extend(ids.iter().filter_map(|id| scene.shape_index(id)));
            }
            Err(error) => result.query_error = Some(error.to_string()),
        }
    }
    result
}

impl SearchResult {
    /// The matches, best first: Services (and their load balancers), then
    /// workloads, then pods, then everything else; within each, an exact name
    /// before a partial one, then by label. `scene` is the one searched.
    pub fn ranked(&self, scene: &Scene) -> Vec<usize> {
        let mut ranked: Vec<((u8, bool, String), usize)> = self
            .matches
            .iter()
            .take_while(|&position| position < scene.shapes.len())
            .map(|position| {
                let shape = &scene.shapes[position];
                (self.rank(&shape.id, &shape.label), position)
            })
            .collect();
        ranked.sort_compact();
        ranked.into_iter().map(|(_, position)| position).collect()
    }

    /// The id of the match Enter goes to: the best shape, or a Route that ranks
    /// before it (a Route ranks with the shapes of no particular kind).
    pub fn best<'a>(&'a self, scene: &'a Scene) -> Option<&'a str> {
        // The first of `ranked`, without sorting every match: the least rank, and
        // of equal ranks the first position, as the stable sort keeps them.
        let shape = self
            .matches
            .iter()
            .take_while(|&position| position < scene.shapes.len())
            .map(|position| {
                let shape = &scene.shapes[position];
                (self.rank(&shape.id, &shape.label), position)
            })
            .min()
            .map(|(rank, position)| (rank, scene.shapes[position].id.as_str()));
        let route = self
            .routes
            .iter()
            .map(|id| {
                (
                    self.rank(id, route_name(id).unwrap_or_default()),
                    id.as_str(),
                )
            })
            .min();
        shape.into_iter().chain(route).min().map(|(_, id)| id)
    }

    /// How well a match ranks, lowest first: its kind (Services and their load
    /// balancers, then workloads, then pods, then the rest), then an exact name
    /// before a partial one, then the label.
    fn rank(&self, id: &str, label: &str) -> (u8, bool, String) {
        let kind_rank = match scene::id_kind(id) {
            Some(IdKind::Service) => 0,
            Some(IdKind::LoadBalancer) => 1,
            Some(IdKind::Workload) => 2,
            Some(IdKind::WorkloadGroup) => 3,
            Some(IdKind::Pod) => 4,
            _ => 5,
        };
        let label = label.to_ascii_lowercase();
        (kind_rank, label != self.needle, label)
    }
}

/// The name of the Route a scene id names (`route:Kind/namespace/name`).
fn route_name(id: &str) -> Option<&str> {
    match scene::parse_id(id)? {
        (IdKind::Route, key) => key.rsplit('/').next(),
        _ => None,
    }
}

/// Whether `haystack` contains `needle`, which is already ASCII-lowercase,
/// ignoring ASCII case, compared in place. Kubernetes names are ASCII (RFC 1123
/// labels and subdomains); any other character must match exactly. Unicode case
/// folding (`str::to_lowercase`) would bring the standard library's case tables,
/// about 5 KB of brotli wasm, into the app for names Kubernetes refuses anyway.
/// On UTF-8 bytes this finds only whole characters: a valid needle cannot match
/// from the middle of a character.
fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
}
