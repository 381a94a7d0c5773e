//! Focus (§13.4): the neighbourhood of one object, one or two hops out along the
//! edges of the picture, and the part of a scene that shows only it. The web app
//! draws [`restrict`]'s scene while a focus is on, with a breadcrumb back to the
//! whole picture.

use std::collections::{BTreeMap, BTreeSet};

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

/// The scene ids in the neighbourhood of `id` (a shape of `scene`, or a workload
/// `wl:…` drawn as groups inside node boxes), by the rules of §13.4: the object
/// with its contents, what lies within `hops` edges of it in either direction (a
/// workload group and its pods are reached together), and the containers of all
/// of them.
/// Empty when `id` is not in the scene.
pub fn neighbourhood(scene: &Scene, id: &str, hops: Hops) -> BTreeSet<String> {
    let mut seeds: Vec<String> = Vec::new();
    if scene.shape(id).is_some() {
        seeds.push(id.to_string());
    }
    if scene::id_kind(id) == Some(IdKind::Workload) {
        seeds.extend(
            scene
                .shapes
                .iter()
                .filter(|shape| {
                    scene::id_kind(&shape.id) == Some(IdKind::WorkloadGroup)
                        && scene.workload_of_group(&shape.id).as_deref() == Some(id)
                })
                .map(|shape| shape.id.clone()),
        );
    }
    let children = children_of(scene);
    let mut kept: BTreeSet<String> = BTreeSet::new();
    let mut frontier: BTreeSet<String> = BTreeSet::new();
    // The object with everything inside it: a node's groups and pods, an island's
    // Services, a group's pods.
    let mut stack = seeds;
    while let Some(current) = stack.pop() {
        if kept.insert(current.clone()) {
            frontier.insert(current.clone());
            stack.extend(
                children
                    .get(current.as_str())
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
    }
    let adjacent = adjacency(scene);
    for _ in 0..hops.count() {
        let mut next = BTreeSet::new();
        for current in &frontier {
            for neighbour in adjacent.get(current.as_str()).into_iter().flatten() {
                for reached in unit(scene, &children, neighbour) {
                    if kept.insert(reached.clone()) {
                        next.insert(reached);
                    }
                }
            }
        }
        frontier = next;
    }
    // Containers give context and are no hop: a pod's group and node, a Service's island.
    let containers: Vec<String> = kept.iter().flat_map(|id| ancestors(scene, id)).collect();
    kept.extend(containers);
    kept
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

/// What one hop reaches when it reaches `id`: a workload group and its pods are
/// one thing (the group's dependency edges are its pods' calls), anything else is
/// itself.
fn unit(scene: &Scene, children: &BTreeMap<&str, Vec<String>>, id: &str) -> Vec<String> {
    let group = match scene::id_kind(id) {
        Some(IdKind::WorkloadGroup) => Some(id.to_string()),
        Some(IdKind::Pod) => scene
            .shape(id)
            .and_then(|pod| pod.parent.clone())
            .filter(|parent| scene::id_kind(parent) == Some(IdKind::WorkloadGroup)),
        _ => None,
    };
    match group {
        Some(group) => {
            let mut found = children.get(group.as_str()).cloned().unwrap_or_default();
            found.push(group);
            found
        }
        None => vec![id.to_string()],
    }
}

fn adjacency(scene: &Scene) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut adjacent: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for edge in &scene.edges {
        adjacent.entry(&edge.from).or_default().insert(&edge.to);
        adjacent.entry(&edge.to).or_default().insert(&edge.from);
    }
    adjacent
}

fn children_of(scene: &Scene) -> BTreeMap<&str, Vec<String>> {
    let mut children: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for shape in &scene.shapes {
        if let Some(parent) = shape.parent.as_deref() {
            children.entry(parent).or_default().push(shape.id.clone());
        }
    }
    children
}

fn ancestors(scene: &Scene, id: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current = scene.shape(id).and_then(|shape| shape.parent.clone());
    while let Some(parent) = current {
        // A parent that names itself, directly or not, must not loop.
        if found.contains(&parent) {
            break;
        }
        current = scene.shape(&parent).and_then(|shape| shape.parent.clone());
        found.push(parent);
    }
    found
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
                Some((x, y)) => format!("{command}{:.1},{:.1}", x + dx, y + dy),
                None => token.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
