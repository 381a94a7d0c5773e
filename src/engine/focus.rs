//! Focus (§13.4): the neighbourhood of one object, one or two hops out along the
//! edges of the picture, and the part of a scene that shows only it. The web app
//! draws [`restrict`]'s scene while a focus is on, with a breadcrumb back to the
//! whole picture.

use std::collections::BTreeSet;

use super::scene::{self, IdKind, Rect, Scene};

/// How far a focus reaches: one or two hops along the picture's edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hops {
    One,
    Two,
}

impl Hops {
    pub fn count(self) -> usize {
        match self {
            Hops::One => 1,
            Hops::Two => 2,
        }
    }
}

/// The scene ids in the neighbourhood of `id` (a shape of `scene`, a workload
/// `wl:…` drawn as groups inside node boxes, or a Route drawn as edges), by the
/// rules of §13.4: the object
/// with its contents, what lies within `hops` edges of it in either direction (a
/// workload group and its pods are reached together), and the containers of all
/// of them.
/// Empty when `id` is not in the scene.
pub fn neighbourhood(scene: &Scene, id: &str, hops: Hops) -> BTreeSet<String> {
    // Shapes by position in `scene.shapes`, as the highlight works.
    let mut seeds: Vec<usize> = scene.shape_index(id).into_iter().collect();
    // A Route is drawn as edges, not a shape: the edges are its first hop, so it
    // starts from their ends, the listeners it attached to and its backend Services.
    let route = scene::id_kind(id) == Some(IdKind::Route);
    if route {
        for edge in scene
            .edges
            .iter()
            .filter(|e| e.stands_for.iter().any(|r| r == id))
        {
            seeds.extend(scene.shape_index(&edge.from));
            seeds.extend(scene.shape_index(&edge.to));
        }
    }
    if scene::id_kind(id) == Some(IdKind::Workload) {
        seeds.extend((0..scene.shapes.len()).filter(|&position| {
            let group = &scene.shapes[position].id;
            scene::id_kind(group) == Some(IdKind::WorkloadGroup)
                && scene.workload_of_group(group).as_deref() == Some(id)
        }));
    }
    let (children, parents) = containment(scene);
    let adjacent = adjacency(scene);
    let mut kept: BTreeSet<usize> = BTreeSet::new();
    let mut frontier: Vec<usize> = Vec::new();
    // The object with everything inside it: a node's groups and pods, an island's
    // Services, a group's pods.
    let mut stack = seeds;
    while let Some(current) = stack.pop() {
        if kept.insert(current) {
            frontier.push(current);
            stack.extend(&children[current]);
        }
    }
    for _ in usize::from(route)..hops.count() {
        let mut next = Vec::new();
        for &current in &frontier {
            for &neighbour in &adjacent[current] {
                for reached in unit(scene, &children, &parents, neighbour) {
                    if kept.insert(reached) {
                        next.push(reached);
                    }
                }
            }
        }
        frontier = next;
    }
    // Containers give context and are no hop: a pod's node, a Service's island.
    let mut ids = BTreeSet::new();
    for &position in &kept {
        let mut current = Some(position);
        // Stop at a container already added (its own containers are too), and never
        // loop on a malformed chain.
        for _ in 0..16 {
            let Some(shown) = current else { break };
            if !ids.insert(scene.shapes[shown].id.clone()) {
                break;
            }
            current = parents[shown];
        }
    }
    ids
}

/// The part of `scene` that shows only `ids`: their shapes, and the edges between
/// two of them, moved so that they start at the scene's margin.
pub fn restrict(scene: &Scene, ids: &BTreeSet<String>) -> Scene {
    let shapes: Vec<_> = scene
        .shapes
        .iter()
        .filter(|shape| ids.contains(&shape.id))
        .cloned()
        .collect();
    let edges: Vec<_> = scene
        .edges
        .iter()
        .filter(|edge| ids.contains(&edge.from) && ids.contains(&edge.to))
        .cloned()
        .collect();
    let Some(bounds) = shapes.iter().map(|shape| shape.rect).reduce(union) else {
        return Scene::default();
    };
    let (dx, dy) = (MARGIN - bounds.x, MARGIN - bounds.y);
    let shapes = shapes
        .into_iter()
        .map(|mut shape| {
            shape.rect.x += dx;
            shape.rect.y += dy;
            shape
        })
        .collect();
    let edges = edges
        .into_iter()
        .map(|mut edge| {
            edge.path = translate_path(&edge.path, dx, dy);
            if let Some(label) = edge.label.as_mut() {
                label.x += dx;
                label.y += dy;
            }
            edge
        })
        .collect();
    Scene::from_parts(
        bounds.w + 2.0 * MARGIN,
        bounds.h + 2.0 * MARGIN,
        shapes,
        edges,
    )
}

/// The space kept around a focused scene, as around a whole one.
const MARGIN: f64 = 24.0;

/// What one hop reaches when it reaches the shape at `position`: a workload group
/// and its pods are one thing (the group's dependency edges are its pods' calls),
/// anything else is itself.
fn unit(
    scene: &Scene,
    children: &[Vec<usize>],
    parents: &[Option<usize>],
    position: usize,
) -> Vec<usize> {
    let is_group =
        |position: usize| scene::id_kind(&scene.shapes[position].id) == Some(IdKind::WorkloadGroup);
    let group = if is_group(position) {
        Some(position)
    } else if scene::id_kind(&scene.shapes[position].id) == Some(IdKind::Pod) {
        parents[position].filter(|&parent| is_group(parent))
    } else {
        None
    };
    match group {
        Some(group) => {
            let mut found = children[group].clone();
            found.push(group);
            found
        }
        None => vec![position],
    }
}

/// The shapes each shape is joined to by an edge, either way, by position.
fn adjacency(scene: &Scene) -> Vec<Vec<usize>> {
    let mut adjacent = vec![Vec::new(); scene.shapes.len()];
    for edge in &scene.edges {
        if let (Some(from), Some(to)) = (scene.shape_index(&edge.from), scene.shape_index(&edge.to))
        {
            adjacent[from].push(to);
            adjacent[to].push(from);
        }
    }
    adjacent
}

/// Each shape's contents and container, by position.
fn containment(scene: &Scene) -> (Vec<Vec<usize>>, Vec<Option<usize>>) {
    let mut children = vec![Vec::new(); scene.shapes.len()];
    let mut parents = vec![None; scene.shapes.len()];
    for (position, shape) in scene.shapes.iter().enumerate() {
        if let Some(parent) = shape.parent.as_deref().and_then(|id| scene.shape_index(id)) {
            children[parent].push(position);
            parents[position] = Some(parent);
        }
    }
    (children, parents)
}

fn union(a: Rect, b: Rect) -> Rect {
    let (x, y) = (a.x.min(b.x), a.y.min(b.y));
    Rect {
        x,
        y,
        w: (a.x + a.w).max(b.x + b.w) - x,
        h: (a.y + a.h).max(b.y + b.h) - y,
    }
}

/// Moves SVG path data made of absolute commands with `x,y` pairs (what the scene
/// writes: `M`, `L` and `C`).
fn translate_path(path: &str, dx: f64, dy: f64) -> String {
    path.split(' ')
        .map(|token| {
            let command: String = token
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            let pair = &token[command.len()..];
            match pair
                .split_once(',')
                .and_then(|(x, y)| Some((x.parse::<f64>().ok()?, y.parse::<f64>().ok()?)))
            {
                Some((x, y)) => format!(
                    "{command}{},{}",
                    scene::Tenths(x + dx),
                    scene::Tenths(y + dy)
                ),
                None => token.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
