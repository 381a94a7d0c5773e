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
    /// Where edges join their lanes, one mark per point.
    pub joins: Vec<Join>,
}

/// A point where edges decided the same way join a lane (§8.6): one dot (allowed)
/// or cross (denied). Where ways are bundled several edges join at one point, and
/// the mark counts them (`×3`) and lists what they stand for.
#[derive(Clone, Debug, PartialEq)]
pub struct Join {
    pub at: (f64, f64),
    pub allowed: bool,
    /// How many edges join here.
    pub n_edges: usize,
    /// How many connections those edges stand for.
    pub n_connections: usize,
    /// One line per connection, for the app's tooltip: `frontend → cartservice
    /// :7070/TCP · allowed by default/cartservice`, each ending in a new line; at
    /// most [`MAX_LISTED`], then how many more.
    pub listing: String,
}

/// The most connections a join's listing names.
pub const MAX_LISTED: usize = 12;

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
    /// arrowhead goes: out of the source's right side, through the gutters between
    /// columns of boxes into its lane, and into the destination's right side (§8.6).
    pub points: Vec<(f64, f64)>,
    /// The middle of the destination's right side, beside which the ports are
    /// written ([`labels_on_screen`]); `None` when another edge into the same
    /// destination on the same ports writes them.
    pub label_at: Option<(f64, f64)>,
    /// Where the edge joins its lane: a cross when denied, a dot when allowed.
    /// Edges join a lane at one point only where their ways are bundled.
    pub join_at: Option<(f64, f64)>,
    /// The connections it stands for, as positions in the graph's connections.
    pub connections: Vec<usize>,
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
    /// The right edge of everything drawn, in scene units: the lanes right of the
    /// last column lie right of the picture, and a fit must show them.
    pub fn right(&self) -> f64 {
        self.edges
            .iter()
            .flat_map(|edge| &edge.points)
            .map(|point| point.0)
            .fold(0.0, f64::max)
    }
}

/// How far apart the lanes and ways out in a gutter run, where it is wide enough.
pub const LANE_GAP: f64 = 12.0;
/// The least distance between two parallel runs in a gutter or in the band above
/// or below the shapes: 2.8 px at the zoom below which islands and nodes become
/// tiles (§13.2), the least zoom at which edges end at workloads. Where a gutter or
/// band has more runs than fit this far apart, runs that go the same way share a
/// place (§8.6).
pub const MIN_RUN_GAP: f64 = 8.0;
/// The room the ways take right of the last column of boxes, where nothing bounds
/// them: as wide as a gutter between two columns (§13.1). Beyond that they bundle,
/// rather than spread into a wall of lanes as wide as a column.
pub const OUTER_GUTTER: f64 = 90.0;
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
// Inlined into its one caller in the app, as it was before the joins made it
// larger: as a function of its own the wasm compressed worse.
#[inline(always)]
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
        let mut port = String::from(":");
        port.push_str(&connection.port.to_string());
        if connection.protocol != super::model::Protocol::Tcp {
            port.push('/');
            port.push_str(connection.protocol.as_str());
        }
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
                edge.connections.push(index);
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
                    connections: vec![index],
                });
            }
        }
    }
    route_in_lanes(scene, &mut edges);
    let mut joins: Vec<Join> = Vec::new();
    for edge in &edges {
        let Some(at) = edge.join_at else {
            continue;
        };
        // An allowed and a denied way never share a run, so neither a point.
        let position = match joins.iter().rposition(|join| join.at == at) {
            Some(position) => position,
            None => {
                joins.push(Join {
                    at,
                    allowed: edge.allowed,
                    n_edges: 0,
                    n_connections: 0,
                    listing: String::new(),
                });
                joins.len() - 1
            }
        };
        let join = &mut joins[position];
        join.n_edges += 1;
        for &index in &edge.connections {
            join.n_connections += 1;
            if join.n_connections <= MAX_LISTED {
                let connection = &graph.connections[index];
                join.listing.push_str(&connection.text());
                join.listing.push_str(" · ");
                join.listing.push_str(&connection.label);
                join.listing.push('\n');
            }
        }
    }
    for join in &mut joins {
        if join.n_connections > MAX_LISTED {
            join.listing.push_str("and ");
            join.listing
                .push_str(&(join.n_connections - MAX_LISTED).to_string());
            join.listing.push_str(" more");
        } else {
            // No line after the last connection's.
            join.listing.pop();
        }
    }
    PolicyOverlay {
        edges,
        shields,
        joins,
    }
}

/// One way in or out of a shape's right side (§8.6): a source's way out on one
/// verdict, or a lane's way into its destination.
struct Way<'e> {
    shape: &'e str,
    denied: bool,
    /// A lane's ports; `None` for a way out.
    ports: Option<&'e str>,
    /// The height at which it leaves the shape's side.
    y: f64,
    /// Inside a node box: where it runs up the gap right of its shape, and how
    /// high it crosses the node's header.
    x: f64,
    header_y: f64,
    /// Where it runs in the gutter right of its column of boxes.
    gutter_x: f64,
    /// A way out's height above every shape (and as far below every shape, in
    /// proportion to the room there).
    top_y: f64,
}

impl Way<'_> {
    fn key(&self) -> (Option<&str>, &str, bool) {
        (self.ports, self.shape, self.denied)
    }
}

/// The top of a node box's header band that ways cross, and its bottom, below
/// the node's name.
const HEADER_TOP: f64 = 20.0;
const HEADER_BOTTOM: f64 = scene::NODE_HEADER - 2.0;

/// Routes the edges (§8.6) so that no run crosses a box the edge does not start or
/// end at, also on pictures packed into columns. Each way out of or into a shape
/// leaves its right side at a height of its own, runs (from inside a node box: up
/// the gap right of its shape, then along the node's header) to the gutter right of
/// its column of boxes, and there up to the band above every shape. An edge leaves
/// its source that way, crosses the band at its source's height to its
/// destination's lane (a dot where it joins when allowed, a cross when denied) and
/// goes down the lane into the destination. The edges into one destination decided
/// the same way on the same ports share the lane, and one of them writes its ports.
fn route_in_lanes(scene: &Scene, edges: &mut [PolicyEdge]) {
    let mut ways: Vec<Way> = Vec::new();
    for edge in edges.iter() {
        let lane = (Some(edge.ports.as_str()), edge.to.as_str(), !edge.allowed);
        let out = (None, edge.from.as_str(), !edge.allowed);
        for key in [lane, out] {
            if let Err(position) = ways.binary_search_by(|way| way.key().cmp(&key)) {
                ways.insert(
                    position,
                    Way {
                        shape: key.1,
                        denied: key.2,
                        ports: key.0,
                        y: 0.0,
                        x: 0.0,
                        header_y: 0.0,
                        gutter_x: 0.0,
                        top_y: 0.0,
                    },
                );
            }
        }
    }
    // Each way's shape, the shape it is in when in a node box, that box (or the
    // shape itself), and the right side and end of the gutter right of its column.
    struct Place {
        shape: Rect,
        inner: Option<Rect>,
        block: Rect,
        gutter: (f64, f64),
    }
    let mut places: Vec<Place> = Vec::with_capacity(ways.len());
    let mut columns: Vec<(f64, (f64, f64))> = Vec::new();
    for way in &ways {
        let shape = scene.shape(way.shape);
        let (mut inner, mut block) = (None, shape);
        while let Some(parent) = block.and_then(|shape| shape.parent.as_deref()) {
            inner = block;
            block = scene.shape(parent);
        }
        // Every way's shape is drawn: its edge has both ends.
        let nothing = Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        };
        let rect = block.map_or(nothing, |shape| shape.rect);
        let gutter = match columns.iter().find(|column| column.0 == rect.x) {
            Some(column) => column.1,
            None => {
                let gutter = gutter_of(scene, rect.x);
                columns.push((rect.x, gutter));
                gutter
            }
        };
        // A shape in a node box's last column of groups has only the box's border
        // between it and the gutter: its ways go straight there, as from a box
        // that stands on its own, rather than up the narrow gap beside it.
        let inner = inner
            .map(|shape| shape.rect)
            .filter(|inner| inner.x + inner.w + scene::GROUP_GAP < rect.x + rect.w - 0.5);
        places.push(Place {
            shape: shape.map_or(nothing, |shape| shape.rect),
            inner,
            block: rect,
            gutter,
        });
    }
    let key = |f: f64| (f * 8.0).round() as i64;
    let mut order: Vec<usize> = (0..ways.len()).collect();
    // The ways that go the same way, in this order: allowed lanes in, the ways out
    // on allowed and on denied connections, denied lanes in. Where a header, a
    // gutter or a band is too narrow to hold its ways apart, the ways of one class
    // share places (bundles).
    let classes: Vec<u8> = ways
        .iter()
        .map(|way| match (way.ports, way.denied) {
            (Some(_), false) => 0,
            (None, false) => 1,
            (None, true) => 2,
            (Some(_), true) => 3,
        })
        .collect();
    // Along each shape's right side, from the top, by class; evenly apart, so that
    // every arrowhead is drawn apart from the others.
    order.sort_compact_by_key(|&i| (classes[i], i));
    let by_class = order.clone();
    let groups: Vec<_> = places
        .iter()
        .map(|place| Some((key(place.shape.x), key(place.shape.y))))
        .collect();
    for (i, (index, n)) in ranks(&order, &groups).into_iter().enumerate() {
        let rect = places[i].shape;
        ways[i].y = rect.y + rect.h * (0.08 + 0.84 * (index + 0.5) / n);
    }
    // In each gap between two columns of shapes in a node box: the top-most way
    // nearest, so that the ways below pass right of it; where they do not fit
    // apart, by class.
    order.sort_compact_by(|&a, &b| ways[a].y.total_cmp(&ways[b].y).then(a.cmp(&b)));
    let groups: Vec<_> = places
        .iter()
        .map(|place| {
            let inner = place.inner?;
            Some((key(inner.x + inner.w), key(place.block.y)))
        })
        .collect();
    let gap = scene::POLICY_GROUP_GAP;
    for (i, (index, n)) in bundled_ranks(&order, &groups, &classes, 4.0, &[gap])
        .into_iter()
        .enumerate()
    {
        if let Some(inner) = places[i].inner {
            ways[i].x = inner.x + inner.w + gap * (index + 1.0) / (n + 1.0);
        }
    }
    // Along each node's header, by class: a header is too low to hold two ways
    // `MIN_RUN_GAP` apart, so where a node has several, each class shares a height.
    let groups: Vec<_> = places
        .iter()
        .map(|place| {
            place
                .inner
                .map(|_| (key(place.block.x), key(place.block.y)))
        })
        .collect();
    let header = HEADER_BOTTOM - HEADER_TOP;
    for (i, (index, n)) in bundled_ranks(&by_class, &groups, &classes, 4.0, &[header])
        .into_iter()
        .enumerate()
    {
        ways[i].header_y = places[i].block.y + HEADER_TOP + header * (index + 0.5) / n;
    }
    // In each gutter, from its column: by class.
    let groups: Vec<_> = places
        .iter()
        .zip(&ways)
        .map(|(place, way)| (way.shape != scene::EXTERNAL_ID).then_some((key(place.gutter.0), 0)))
        .collect();
    let rooms: Vec<f64> = places
        .iter()
        .map(|p| (p.gutter.1 - p.gutter.0).min(OUTER_GUTTER))
        .collect();
    for (i, (index, n)) in bundled_ranks(&by_class, &groups, &classes, 4.0, &rooms)
        .into_iter()
        .enumerate()
    {
        let (right, _) = places[i].gutter;
        let step = LANE_GAP.min(rooms[i] / (n + 1.0));
        ways[i].gutter_x = right + step * (index + 1.0);
    }
    // Above and below every shape: a height per way out, allowed ones outermost.
    let (top, bottom) = scene
        .shapes
        .iter()
        .fold((f64::MAX, 0.0_f64), |(top, bottom), shape| {
            (
                top.min(shape.rect.y),
                bottom.max(shape.rect.y + shape.rect.h),
            )
        });
    let below = scene.height - bottom;
    let groups: Vec<_> = ways
        .iter()
        .map(|way| way.ports.is_none().then_some((0, 0)))
        .collect();
    let denied: Vec<u8> = ways.iter().map(|way| u8::from(way.denied)).collect();
    for (i, (index, n)) in bundled_ranks(&by_class, &groups, &denied, 2.0, &[top.min(below)])
        .into_iter()
        .enumerate()
    {
        ways[i].top_y = top * (index + 1.0) / (n + 1.0);
    }
    let find = |ports: Option<&str>, shape: &str, denied: bool| {
        ways.binary_search_by(|way| way.key().cmp(&(ports, shape, denied)))
            .ok()
    };
    let mut labelled = vec![false; ways.len()];
    let mut routes = Vec::with_capacity(edges.len());
    for edge in edges.iter() {
        let denied = !edge.allowed;
        let (Some(out), Some(lane)) = (
            find(None, &edge.from, denied),
            find(Some(&edge.ports), &edge.to, denied),
        ) else {
            routes.push(None);
            continue;
        };
        let (source, destination) = (&ways[out], &ways[lane]);
        let mut points = Vec::with_capacity(11);
        let from = &places[out];
        if edge.from == scene::EXTERNAL_ID {
            // Up out of the external clients' top.
            let x = from.shape.x + from.shape.w * if denied { 0.6 } else { 0.4 };
            points.extend([(x, from.shape.y), (x, source.top_y)]);
        } else {
            points.push((from.shape.x + from.shape.w, source.y));
            if from.inner.is_some() {
                points.extend([
                    (source.x, source.y),
                    (source.x, source.header_y),
                    (source.gutter_x, source.header_y),
                ]);
            } else {
                points.push((source.gutter_x, source.y));
            }
        }
        let to = &places[lane];
        // To another column's gutter: across above every shape, or below every
        // shape when that is shorter; within one, straight over.
        let across = from.gutter != to.gutter || edge.from == scene::EXTERNAL_ID;
        let entry_y = if to.inner.is_some() {
            destination.header_y
        } else {
            destination.y
        };
        let exit_y = points.last().map_or(top, |point| point.1);
        let band_y = if edge.from != scene::EXTERNAL_ID && exit_y + entry_y > top + bottom {
            scene.height - below * source.top_y / top
        } else {
            source.top_y
        };
        let mut join = (destination.gutter_x, band_y);
        if across {
            points.push((source.gutter_x, band_y));
        } else if let Some(last) = points.pop() {
            // Straight along to the destination's lane: the way out's own place
            // in the gutter may lie beyond the lane, and going there first would
            // run out and back over the same line.
            join.1 = last.1;
        }
        points.push(join);
        if to.inner.is_some() {
            points.extend([
                (destination.gutter_x, destination.header_y),
                (destination.x, destination.header_y),
                (destination.x, destination.y),
            ]);
        } else {
            points.push((destination.gutter_x, destination.y));
        }
        let end = to.shape.x + to.shape.w;
        points.push((end, destination.y));
        // A destination's allowed and denied lanes on the same ports write them
        // once, beside the middle of its side.
        let mut label_at = None;
        if !labelled[lane] {
            label_at = Some((end, to.shape.center().1));
            let twin = find(Some(&edge.ports), &edge.to, edge.allowed);
            for position in std::iter::once(lane).chain(twin) {
                labelled[position] = true;
            }
        }
        routes.push(Some((points, join, label_at)));
    }
    for (edge, route) in edges.iter_mut().zip(routes) {
        if let Some((points, join, label_at)) = route {
            (edge.points, edge.join_at, edge.label_at) = (points, Some(join), label_at);
        }
    }
}

/// The right side of the column of boxes that starts at `x` (the boxes with no
/// parent that start there), and where the next column starts (infinity right of
/// the last one): the gutter that ways run in.
fn gutter_of(scene: &Scene, x: f64) -> (f64, f64) {
    let blocks = || scene.shapes.iter().filter(|shape| shape.parent.is_none());
    let right = blocks()
        .filter(|shape| shape.rect.x == x)
        .map(|shape| shape.rect.x + shape.rect.w)
        .fold(x, f64::max);
    let end = blocks()
        .map(|shape| shape.rect.x)
        .filter(|&left| left >= right)
        .fold(f64::INFINITY, f64::min);
    (right, end)
}

/// For each item in a group (`None`: in none), its position among the items of its
/// group in `order`, and how many the group has.
fn ranks(order: &[usize], groups: &[Option<(i64, i64)>]) -> Vec<(f64, f64)> {
    let mut grouped: Vec<usize> = order
        .iter()
        .copied()
        .filter(|&i| groups[i].is_some())
        .collect();
    grouped.sort_compact_by_key(|&i| groups[i]);
    let mut ranks = vec![(0.0, 1.0); groups.len()];
    for run in grouped.chunk_by(|&a, &b| groups[a] == groups[b]) {
        for (index, &i) in run.iter().enumerate() {
            ranks[i] = (index as f64, run.len() as f64);
        }
    }
    ranks
}

/// As [`ranks`], the place of each item among the places of its group, and how
/// many places the group has, in a channel `rooms` wide (one room per item, or one
/// for all): one place per item where they fit [`MIN_RUN_GAP`] apart. Where they do
/// not, each of the `n_classes` classes (`classes`, from 0) gets as many places as
/// fit, at least one, and the items of a class share them, neighbours in `order`
/// together: a bundle of ways that go the same way.
fn bundled_ranks(
    order: &[usize],
    groups: &[Option<(i64, i64)>],
    classes: &[u8],
    n_classes: f64,
    rooms: &[f64],
) -> Vec<(f64, f64)> {
    let by_class: Vec<_> = groups
        .iter()
        .zip(classes)
        .map(|(group, &class)| group.map(|(a, b)| (a, b * 4 + i64::from(class))))
        .collect();
    let within = ranks(order, &by_class);
    let mut places = ranks(order, groups);
    for (i, (place, (index, n))) in places.iter_mut().zip(within).enumerate() {
        let room = rooms.get(i).or(rooms.first()).copied().unwrap_or(0.0);
        let n_places = (room / MIN_RUN_GAP).floor() - 1.0;
        if place.1 > n_places {
            let share = (n_places / n_classes).floor().max(1.0);
            *place = (
                f64::from(classes[i]) * share + (index * share / n).floor(),
                n_classes * share,
            );
        }
    }
    places
}

/// Lays out the text of `overlay` on `screen` (§8.6), in screen pixels, one box
/// per edge and then one per join. First the port labels, for the edges that write
/// their lanes' ports: right of the destination, between its allowed and its
/// denied arrowhead, each moved down past the picture's text (`texts`, from
/// [`super::lod::texts_on_screen`]) and the labels placed before it, so that no two
/// overlap. Then the count of each join of more than one edge (`×3`, at 11 px,
/// above lod's `MIN_TEXT_PX`): its box 5 px right of and above its mark where that
/// is free, else none, since a count away from its mark would say nothing.
pub fn labels_on_screen(
    overlay: &PolicyOverlay,
    texts: Vec<Rect>,
    screen: Screen,
) -> Vec<Option<Rect>> {
    let mut placer = Placer::new(texts, screen);
    let mut labels: Vec<Option<Rect>> = overlay
        .edges
        .iter()
        .map(|edge| {
            let (x, y) = screen.point(edge.label_at?);
            let w = LABEL_CHAR_W * edge.label().chars().count() as f64;
            Some(placer.put(x + 6.0, y - LABEL_H / 2.0, w + 4.0, LABEL_H))
        })
        .collect();
    for join in &overlay.joins {
        let (x, y) = screen.point(join.at);
        // `×` and one or two digits: a join of a hundred edges has no room anyway.
        let w = LABEL_CHAR_W * if join.n_edges < 10 { 2.0 } else { 3.0 };
        labels.push(
            (join.n_edges > 1)
                .then(|| placer.put_if_free(x + 5.0, y - 5.0 - LABEL_H, w + 4.0, LABEL_H))
                .flatten(),
        );
    }
    labels
}
