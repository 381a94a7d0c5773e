//! The policy graph drawn on the picture (§8.6): the connections the policies
//! decide, as edges between the workloads' shapes (allowed or denied, with their
//! ports), and a shield on each workload's shapes, closed when policies isolate its
//! pods and open when none selects them. Zoomed out, where islands and nodes are
//! drawn as tiles (§13.2), the edges end at the tiles that hold their workloads,
//! and the edges between two tiles merge into one that counts them.

use super::lod::Level;
use super::policy_graph::{PolicyEnd, PolicyGraph, WorkloadKey};
use super::refs::NamespacedName;
use super::scene::{self, IdKind, Rect, Scene};
use super::sort::SortCompact;
use super::trace_overlay::{Placer, Screen};

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
    /// How many pairs of workloads (or the outside and a workload) this edge
    /// stands for: 1 between two workloads drawn as themselves, more when an end
    /// is a tile that holds several of them.
    pub n_pairs: usize,
    /// The line, in scene units, from the source to the destination, where the
    /// arrowhead goes: out of the source's right side into its lane right of every
    /// workload, and back into the destination's right side (§8.6).
    pub points: Vec<(f64, f64)>,
    /// The middle of the destination's right side, beside which the ports are
    /// written ([`labels_on_screen`]); `None` when another edge into the same
    /// destination on the same ports writes them.
    pub label_at: Option<(f64, f64)>,
    /// Where the edge joins its lane: a cross when denied, a dot when allowed.
    pub join_at: Option<(f64, f64)>,
}

impl PolicyEdge {
    /// What the app writes beside the destination: the ports, at most three of
    /// them (`:80, :443, :8080 +2`), after the number of pairs when the edge
    /// stands for more than one (`12× :7070`).
    pub fn label(&self) -> String {
        let mut label = String::new();
        if self.n_pairs > 1 {
            label = self.n_pairs.to_string();
            label.push_str("× ");
        }
        match self.ports.match_indices(", ").nth(2) {
            Some((cut, _)) => {
                let n_more = self.ports[cut..].matches(", ").count();
                label.push_str(&self.ports[..cut]);
                label.push_str(" +");
                label.push_str(&n_more.to_string());
            }
            None => label.push_str(&self.ports),
        }
        label
    }
}

impl PolicyOverlay {
    /// The right edge of everything drawn, in scene units: the last lane of denied
    /// edges may lie right of the picture, and a fit must show it.
    pub fn right(&self) -> f64 {
        self.edges
            .iter()
            .flat_map(|edge| &edge.points)
            .map(|point| point.0)
            .fold(0.0, f64::max)
    }
}

/// Lanes: the first this far right of the workloads' shapes (and of the node
/// boxes that hold them), the next ones this far apart.
pub const LANE_START: f64 = 24.0;
pub const LANE_GAP: f64 = 12.0;
/// The heights at which edges from outside cross the picture to their lane, above
/// every shape: denied ones highest.
pub const OUTSIDE_LANE_Y: f64 = 4.0;
pub const OUTSIDE_ALLOWED_LANE_Y: f64 = 12.0;
/// A port label's height, and its width per character, in screen pixels (the app
/// writes them at 11 px).
pub const LABEL_H: f64 = 12.0;
pub const LABEL_CHAR_W: f64 = 7.0;

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

/// The shape that stands for shape `id` at these `levels` ([`super::lod::shape_levels`];
/// empty when everything is drawn as itself): itself, unless it is hidden inside a
/// tile, then that tile.
fn visible<'s>(scene: &'s Scene, levels: &[Level], id: &'s str) -> Option<&'s str> {
    let mut id = id;
    loop {
        let position = scene.shape_index(id)?;
        match levels.get(position) {
            Some(Level::Hidden) => id = scene.shapes[position].parent.as_deref()?,
            _ => return Some(id),
        }
    }
}

/// Places `graph` on `scene` (§8.6) drawn at `levels` ([`super::lod::shape_levels`];
/// empty when every shape is drawn as itself). With `policy`, only the connections
/// that policy decides: those it allows and those it denies by isolating their
/// denying side. An end the scene does not draw leaves its edges out. An end
/// hidden inside a tile is drawn at the tile (§13.2): the edges between the same
/// two drawn shapes, decided the same way, merge into one that counts its pairs,
/// and a connection between two workloads of one tile is not drawn.
pub fn policy_overlay(
    graph: &PolicyGraph,
    scene: &Scene,
    policy: Option<&NamespacedName>,
    levels: &[Level],
) -> PolicyOverlay {
    // The shapes of each workload, in the order of `graph.workloads`.
    let mut shapes_of: Vec<Vec<&str>> = Vec::with_capacity(graph.workloads.len());
    let mut shields = Vec::new();
    for workload in &graph.workloads {
        let shapes = workload_shapes(scene, &workload.key);
        for id in &shapes {
            let drawn = visible(scene, levels, id) == Some(*id);
            if let Some(shape) = scene.shape(id).filter(|_| drawn) {
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
        let first = shapes_of[position].first().copied()?;
        visible(scene, levels, first)
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
    // The last pair of ends each edge counted: a pair's connections come next to
    // each other.
    let mut last_pair: Vec<(&PolicyEnd, &WorkloadKey)> = Vec::new();
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
        if from == to {
            // Both workloads are inside one tile, which hides what joins them.
            continue;
        }
        let port = if connection.protocol == super::model::Protocol::Tcp {
            format!(":{}", connection.port)
        } else {
            format!(":{}/{}", connection.port, connection.protocol)
        };
        let pair = (&connection.from, &connection.to);
        let same = edges
            .iter()
            .rposition(|e| e.from == from && e.to == to && e.allowed == connection.allowed);
        match same {
            Some(position) => {
                let (edge, last) = (&mut edges[position], &mut last_pair[position]);
                if *last != pair {
                    *last = pair;
                    edge.n_pairs += 1;
                }
                if !edge.ports.split(", ").any(|p| p == port) {
                    edge.ports.push_str(", ");
                    edge.ports.push_str(&port);
                }
            }
            None => {
                let (Some(start), Some(end)) = (scene.anchor(from), scene.anchor(to)) else {
                    continue;
                };
                last_pair.push(pair);
                edges.push(PolicyEdge {
                    from: from.to_string(),
                    to: to.to_string(),
                    allowed: connection.allowed,
                    ports: port,
                    n_pairs: 1,
                    points: vec![start, end],
                    label_at: None,
                    join_at: None,
                });
            }
        }
    }
    route_in_lanes(scene, &mut edges);
    PolicyOverlay { edges, shields }
}

/// Where an edge leaves or enters a shape's right side, as a fraction of its
/// height: allowed edges in at the top and out below that, denied ones out and
/// then in at the bottom, so that no two kinds of run share a line.
fn side_fraction(allowed: bool, entering: bool) -> f64 {
    match (allowed, entering) {
        (true, true) => 0.2,
        (true, false) => 0.4,
        (false, false) => 0.6,
        (false, true) => 0.8,
    }
}

/// Routes the edges in lanes (§8.6), so that they do not pile up between the
/// workloads: the edges into one destination decided the same way on the same
/// ports share a vertical lane right of every workload, allowed lanes nearer than
/// denied ones and shorter lanes nearer; each leaves its source's right side (from
/// outside: above the picture) to its lane, joining it with a cross when denied
/// and a dot when allowed, and the lane enters the destination's right side, where
/// one edge writes the ports of the destination's lanes on them.
fn route_in_lanes(scene: &Scene, edges: &mut [PolicyEdge]) {
    let side = |id: &str, allowed: bool, entering: bool| {
        scene.shape(id).map(|shape| {
            let rect = shape.rect;
            if id == scene::EXTERNAL_ID && !entering {
                // Out of the top, up above every shape.
                let x = rect.x + rect.w * if allowed { 0.4 } else { 0.6 };
                return (x, rect.y);
            }
            let y = rect.y + rect.h * side_fraction(allowed, entering);
            (rect.x + rect.w, y)
        })
    };
    let outside_y = |allowed: bool| {
        if allowed {
            OUTSIDE_ALLOWED_LANE_Y
        } else {
            OUTSIDE_LANE_Y
        }
    };
    // Right of every shape an edge joins, and of the box that holds it.
    let right = edges
        .iter()
        .flat_map(|edge| [edge.from.as_str(), edge.to.as_str()])
        .filter(|id| *id != scene::EXTERNAL_ID)
        .flat_map(|id| {
            let shape = scene.shape(id);
            let parent = shape
                .and_then(|shape| shape.parent.as_deref())
                .and_then(|parent| scene.shape(parent));
            [shape, parent]
        })
        .flatten()
        .map(|shape| shape.rect.x + shape.rect.w)
        .fold(0.0, f64::max);
    // The lanes: one per verdict, destination and ports, sorted by them (allowed
    // first), with the heights each spans.
    struct Lane {
        denied: bool,
        to: String,
        ports: String,
        top: f64,
        bottom: f64,
        x: f64,
        labelled: bool,
    }
    let find = |lanes: &[Lane], edge: &PolicyEdge| {
        lanes.binary_search_by(|lane| {
            (lane.denied, lane.to.as_str(), lane.ports.as_str()).cmp(&(
                !edge.allowed,
                edge.to.as_str(),
                edge.ports.as_str(),
            ))
        })
    };
    let mut lanes: Vec<Lane> = Vec::new();
    for edge in edges.iter() {
        let (Some(source), Some(destination)) = (
            side(&edge.from, edge.allowed, false),
            side(&edge.to, edge.allowed, true),
        ) else {
            continue;
        };
        let from_y = if edge.from == scene::EXTERNAL_ID {
            outside_y(edge.allowed)
        } else {
            source.1
        };
        let position = find(&lanes, edge).unwrap_or_else(|position| {
            lanes.insert(
                position,
                Lane {
                    denied: !edge.allowed,
                    to: edge.to.clone(),
                    ports: edge.ports.clone(),
                    top: destination.1,
                    bottom: destination.1,
                    x: 0.0,
                    labelled: false,
                },
            );
            position
        });
        let lane = &mut lanes[position];
        (lane.top, lane.bottom) = (lane.top.min(from_y), lane.bottom.max(from_y));
    }
    let mut nearest_first: Vec<usize> = (0..lanes.len()).collect();
    nearest_first.sort_compact_by(|&a, &b| {
        let span = |lane: &Lane| lane.bottom - lane.top;
        (lanes[a].denied.cmp(&lanes[b].denied))
            .then(span(&lanes[a]).total_cmp(&span(&lanes[b])))
            .then(a.cmp(&b))
    });
    for (index, position) in nearest_first.into_iter().enumerate() {
        lanes[position].x = right + LANE_START + index as f64 * LANE_GAP;
    }
    let heights = run_heights(scene, edges, |edge| find(&lanes, edge).ok());
    for (edge, heights) in edges.iter_mut().zip(heights) {
        let (Ok(position), Some([source, destination])) = (find(&lanes, edge), heights) else {
            continue;
        };
        let x = lanes[position].x;
        let mut points = Vec::with_capacity(5);
        points.push(source);
        let join = if edge.from == scene::EXTERNAL_ID {
            let y = outside_y(edge.allowed);
            points.push((source.0, y));
            (x, y)
        } else {
            (x, source.1)
        };
        points.extend([join, (x, destination.1), destination]);
        edge.points = points;
        edge.join_at = Some(join);
        // A destination's allowed and denied lanes on the same ports write them
        // once, between the two arrowheads.
        if !lanes[position].labelled {
            let rect = scene.shape(&edge.to).map(|shape| shape.rect);
            edge.label_at = rect.map(|rect| (destination.0, rect.center().1));
            let twin = lanes.binary_search_by(|lane| {
                (lane.denied, lane.to.as_str(), lane.ports.as_str()).cmp(&(
                    edge.allowed,
                    edge.to.as_str(),
                    edge.ports.as_str(),
                ))
            });
            for position in std::iter::once(position).chain(twin.ok()) {
                lanes[position].labelled = true;
            }
        }
    }
}

/// A point in scene units.
type Point = (f64, f64);

/// Where each edge leaves its source and enters its destination, in scene units
/// (`None` for an end the scene does not draw): the height on the shape's right
/// side that [`side_fraction`] gives, except that the runs of different sources,
/// or into different lanes (`lane_of`), that would lie on one line (shapes side by
/// side in a packed picture) each take a height of their own, a little apart
/// within the same quarter of their shapes (§8.6).
fn run_heights<'e>(
    scene: &Scene,
    edges: &'e [PolicyEdge],
    lane_of: impl Fn(&PolicyEdge) -> Option<usize>,
) -> Vec<Option<[Point; 2]>> {
    // A run's owner: the source and verdict it leaves on, or the lane it enters from.
    type Owner<'e> = (Option<(&'e str, bool)>, usize);
    let key = |y: f64| (y * 1000.0).round() as i64;
    let side = |id: &str, allowed: bool, entering: bool| {
        let rect = scene.shape(id)?.rect;
        let y = rect.y + rect.h * side_fraction(allowed, entering);
        Some((rect.x + rect.w, y, rect.h))
    };
    // The runs at each height: their owners, and the heights of their shapes.
    let mut runs: Vec<(i64, Owner<'e>, f64)> = Vec::new();
    let mut ends = Vec::with_capacity(edges.len());
    for edge in edges {
        let external = edge.from == scene::EXTERNAL_ID;
        let ends_of = (
            lane_of(edge),
            side(&edge.from, edge.allowed, false),
            side(&edge.to, edge.allowed, true),
        );
        let (Some(lane), Some(source), Some(destination)) = ends_of else {
            ends.push(None);
            continue;
        };
        if !external {
            runs.push((
                key(source.1),
                (Some((&edge.from, edge.allowed)), 0),
                source.2,
            ));
        }
        runs.push((key(destination.1), (None, lane), destination.2));
        ends.push(Some((lane, source, destination)));
    }
    runs.sort_compact_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let moved = |y: f64, owner: Owner<'e>| -> f64 {
        let at = key(y);
        let group = &runs[runs.partition_point(|r| r.0 < at)..runs.partition_point(|r| r.0 <= at)];
        // The distinct owners at this height, the smallest shape's height, and
        // how many owners come before this one.
        let (mut n, mut index, mut h) = (0.0, 0.0, f64::MAX);
        for (position, run) in group.iter().enumerate() {
            h = h.min(run.2);
            if position == 0 || group[position - 1].1 != run.1 {
                n += 1.0;
                if run.1 < owner {
                    index += 1.0;
                }
            }
        }
        if n < 2.0 {
            return y;
        }
        // Within a fifth of the smallest shape, at most 2 units apart.
        let step = (h * 0.2 / n).min(2.0);
        y + (index - (n - 1.0) / 2.0) * step
    };
    edges
        .iter()
        .zip(ends)
        .map(|(edge, ends)| {
            let (lane, source, destination) = ends?;
            let out_y = if edge.from == scene::EXTERNAL_ID {
                source.1
            } else {
                moved(source.1, (Some((&edge.from, edge.allowed)), 0))
            };
            let in_y = moved(destination.1, (None, lane));
            let source = match scene.shape(&edge.from) {
                Some(shape) if edge.from == scene::EXTERNAL_ID => {
                    let rect = shape.rect;
                    (
                        rect.x + rect.w * if edge.allowed { 0.4 } else { 0.6 },
                        rect.y,
                    )
                }
                _ => (source.0, out_y),
            };
            Some([source, (destination.0, in_y)])
        })
        .collect()
}

/// Lays out the port labels of `overlay` on `screen` (§8.6), one per edge that
/// writes its lanes' ports, in screen pixels: right of the destination, between
/// its allowed and its denied arrowhead, each moved down past the picture's text
/// (`texts`, from [`super::lod::texts_on_screen`]) and the labels placed before it,
/// so that no two overlap.
pub fn labels_on_screen(
    overlay: &PolicyOverlay,
    texts: Vec<Rect>,
    screen: Screen,
) -> Vec<Option<Rect>> {
    let mut placer = Placer::new(texts, screen);
    overlay
        .edges
        .iter()
        .map(|edge| {
            let (x, y) = screen.point(edge.label_at?);
            let w = LABEL_CHAR_W * edge.label().chars().count() as f64;
            Some(placer.put(x + 6.0, y - LABEL_H / 2.0, w + 4.0, LABEL_H))
        })
        .collect()
}
