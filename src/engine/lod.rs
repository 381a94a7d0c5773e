//! Level of detail: zoomed out, each namespace island and each node box is drawn as
//! one aggregate tile (its counts, a health bar of its pods, its drops) instead of
//! the thousands of shapes inside it. Tiles open as the user zooms in, or when they
//! are expanded one by one; they close again when collapsed.
//!
//! Pure functions of a [`Scene`] and its [`Topology`]: the web app only draws what
//! [`shape_levels`] says, and reads the counts from [`tiles`].

use crate::engine::sort::{CollectCompact, SortCompact};
use std::collections::{BTreeMap, BTreeSet};

use super::diag::Severity;
use super::model::Readiness;
use super::scene::{id_from_key, id_kind, node_id, parse_id, IdKind, Rect, Scene, ShapeKind};
use super::trace::Place;

/// Below this zoom (screen pixels per scene unit), islands and nodes are tiles
/// unless the user expanded them.
pub const TILE_BELOW_ZOOM: f64 = 0.35;
/// No text is drawn smaller than this many screen pixels.
pub const MIN_TEXT_PX: f64 = 9.0;

/// Whether text of `font_size` scene units is large enough on screen at `zoom`.
pub fn text_visible(font_size: f64, zoom: f64) -> bool {
    font_size * zoom >= MIN_TEXT_PX
}

/// Pods by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    pub ready: usize,
    pub not_ready: usize,
    pub terminating: usize,
    /// Not scheduled on any node.
    pub pending: usize,
}

impl Health {
    pub fn total(&self) -> usize {
        self.ready + self.not_ready + self.terminating + self.pending
    }

    fn add(&mut self, readiness: Option<Readiness>) {
        match readiness {
            Some(Readiness::Ready) => self.ready += 1,
            Some(Readiness::NotReady) => self.not_ready += 1,
            Some(Readiness::Terminating) => self.terminating += 1,
            None => self.pending += 1,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TileKind {
    Namespace,
    Node,
}

/// The aggregate of one namespace island or node box.
#[derive(Clone, Debug, PartialEq)]
pub struct Tile {
    /// The scene id of the island or node (`ns:…`, `node:…`).
    pub id: String,
    pub kind: TileKind,
    /// Its position in [`Scene::shapes`].
    pub shape: usize,
    pub rect: Rect,
    pub label: String,
    /// Services in the island; 0 for a node.
    pub n_services: usize,
    /// Workload groups in the node; workloads with pods in the namespace.
    pub n_workloads: usize,
    pub pods: Health,
    /// Connections dropped or rejected here (see [`add_drops`]).
    pub n_drops: u64,
    /// The worst diagnostic on anything inside.
    pub worst: Option<Severity>,
}

/// The tiles of `scene`, in scene order: one per namespace island and per node box.
/// A pod's state is read from its chip's class, which is the [`Readiness`] the scene
/// drew (or `pending` for a pod no node runs).
pub fn tiles(scene: &Scene) -> Vec<Tile> {
    let mut tiles: Vec<Tile> = Vec::new();
    // The tile of each shape position that is an island or a node.
    let mut tile_at: Vec<Option<usize>> = vec![None; scene.shapes.len()];
    for (position, shape) in scene.shapes.iter().enumerate() {
        let kind = match id_kind(&shape.id) {
            Some(IdKind::Namespace) => TileKind::Namespace,
            Some(IdKind::Node) => TileKind::Node,
            _ => continue,
        };
        tile_at[position] = Some(tiles.len());
        tiles.push(Tile {
            id: shape.id.clone(),
            kind,
            shape: position,
            rect: shape.rect,
            label: shape.label.clone(),
            n_services: 0,
            n_workloads: 0,
            pods: Health::default(),
            n_drops: 0,
            worst: shape.badge,
        });
    }
    let tile_of = |id: &str| scene.shape_index(id).and_then(|p| tile_at[p]);
    // (namespace tile, workload) pairs, counted once each at the end.
    let mut workloads: Vec<(usize, &str)> = Vec::new();
    for shape in &scene.shapes {
        let Some((kind, key)) = parse_id(&shape.id) else {
            continue;
        };
        let parent = shape.parent.as_deref();
        let mut touched: [Option<usize>; 2] = [None, None];
        match kind {
            IdKind::Service | IdKind::WorkloadGroup => {
                touched[0] = parent.and_then(tile_of);
                if let Some(tile) = touched[0] {
                    if kind == IdKind::Service {
                        tiles[tile].n_services += 1;
                    } else {
                        tiles[tile].n_workloads += 1;
                    }
                }
            }
            IdKind::Pod => {
                let Some((namespace, _)) = key.split_once('/') else {
                    continue;
                };
                let state = chip_readiness(&shape.class);
                // The node box holding the pod: its parent, or its group's parent.
                let node = parent.and_then(|p| match id_kind(p) {
                    Some(IdKind::Node) => Some(p),
                    _ => scene.shape(p).and_then(|group| group.parent.as_deref()),
                });
                touched[0] = node.and_then(tile_of);
                touched[1] = tile_of(&id_from_key(IdKind::Namespace, namespace));
                for tile in touched.into_iter().flatten() {
                    tiles[tile].pods.add(state);
                }
                if let (Some(tile), Some(group)) = (touched[1], parent) {
                    if id_kind(group) == Some(IdKind::WorkloadGroup) {
                        workloads.push((tile, group.rsplit_once(':').map_or(group, |(_, w)| w)));
                    }
                }
            }
            _ => continue,
        }
        if let Some(badge) = shape.badge {
            for tile in touched.into_iter().flatten() {
                let worst = &mut tiles[tile].worst;
                if worst.is_none_or(|w| badge < w) {
                    *worst = Some(badge);
                }
            }
        }
    }
    workloads.sort_compact();
    workloads.dedup();
    for (tile, _) in workloads {
        tiles[tile].n_workloads += 1;
    }
    tiles
}

/// The state a pod chip's class shows: `pod ready`, `pod not-ready`,
/// `pod terminating`, or `None` for `pod pending`.
fn chip_readiness(class: &str) -> Option<Readiness> {
    let state = class.rsplit(' ').next().unwrap_or_default();
    [
        Readiness::Ready,
        Readiness::NotReady,
        Readiness::Terminating,
    ]
    .into_iter()
    .find(|readiness| readiness.as_str() == state)
}

/// Adds drop counts to the tiles where they happened: a node's drops to its tile,
/// a pod's to its node and namespace, a load balancer's to its Service's namespace.
pub fn add_drops<'a>(
    tiles: &mut [Tile],
    scene: &Scene,
    drops: impl IntoIterator<Item = (&'a Place, u64)>,
) {
    let by_id: BTreeMap<String, usize> = tiles
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect_map();
    for (place, count) in drops {
        let mut ids: Vec<String> = Vec::new();
        match place {
            Place::Node(name) => ids.push(node_id(name)),
            Place::Pod(pod) => {
                let pod_id = id_from_key(IdKind::Pod, &pod.to_string());
                let parent = scene.shape(&pod_id).and_then(|s| s.parent.clone());
                let node = parent.and_then(|p| match id_kind(&p) {
                    Some(IdKind::Node) => Some(p),
                    _ => scene.shape(&p).and_then(|g| g.parent.clone()),
                });
                ids.extend(node);
                ids.push(id_from_key(IdKind::Namespace, &pod.namespace));
            }
            Place::LoadBalancer(service) => {
                ids.push(id_from_key(IdKind::Namespace, &service.namespace));
            }
            Place::Client | Place::Dns | Place::Outside(_) => {}
        }
        for id in ids {
            if let Some(&tile) = by_id.get(&id) {
                tiles[tile].n_drops += count;
            }
        }
    }
}

/// Which islands and nodes the user opened or closed by hand; the rest follow the
/// zoom ([`TILE_BELOW_ZOOM`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collapse {
    expanded: BTreeSet<String>,
    collapsed: BTreeSet<String>,
}

impl Collapse {
    pub fn is_collapsed(&self, id: &str, zoom: f64) -> bool {
        if self.collapsed.contains(id) {
            true
        } else if self.expanded.contains(id) {
            false
        } else {
            zoom < TILE_BELOW_ZOOM
        }
    }

    /// Opens (`false`) or closes (`true`) one island or node.
    pub fn set(&mut self, id: &str, collapsed: bool) {
        self.expanded.remove(id);
        self.collapsed.remove(id);
        if collapsed {
            self.collapsed.insert(id.to_string());
        } else {
            self.expanded.insert(id.to_string());
        }
    }

    pub fn toggle(&mut self, id: &str, zoom: f64) {
        let collapsed = self.is_collapsed(id, zoom);
        self.set(id, !collapsed);
    }

    /// Closes or opens every tile of `tiles`.
    pub fn set_all(&mut self, tiles: &[Tile], collapsed: bool) {
        self.expanded.clear();
        self.collapsed.clear();
        let ids = tiles.iter().map(|t| t.id.clone());
        if collapsed {
            self.collapsed.extend(ids);
        } else {
            self.expanded.extend(ids);
        }
    }

    /// Forgets what the user chose: every tile follows the zoom again.
    pub fn follow_zoom(&mut self) {
        self.expanded.clear();
        self.collapsed.clear();
    }
}

/// How one shape is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Drawn as itself.
    Detail,
    /// Drawn as an aggregate tile (a collapsed island or node).
    Tile,
    /// Inside a collapsed tile: not drawn.
    Hidden,
}

/// The level of every shape of `scene`, by position, for this zoom and choice.
pub fn shape_levels(scene: &Scene, collapse: &Collapse, zoom: f64) -> Vec<Level> {
    let mut levels = vec![Level::Detail; scene.shapes.len()];
    // Parents come before their children in the scene, so one pass suffices.
    for (position, shape) in scene.shapes.iter().enumerate() {
        let parent_level = shape
            .parent
            .as_deref()
            .and_then(|p| scene.shape_index(p))
            .filter(|&p| p < position)
            .map(|p| levels[p]);
        levels[position] = match parent_level {
            Some(Level::Tile | Level::Hidden) => Level::Hidden,
            _ if is_tile_shape(&shape.id, shape.kind) && collapse.is_collapsed(&shape.id, zoom) => {
                Level::Tile
            }
            _ => Level::Detail,
        };
    }
    levels
}

fn is_tile_shape(id: &str, kind: ShapeKind) -> bool {
    kind == ShapeKind::Group && matches!(id_kind(id), Some(IdKind::Namespace | IdKind::Node))
}
