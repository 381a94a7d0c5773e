//! How the picture changes from one scene to the next (§13.6), so that an edit can
//! be followed: shapes in both scenes that moved, shapes that appear, shapes that
//! go, and edges whose path changed. The shells animate exactly these; a shape
//! that is in the same place in both scenes is not touched.

use super::pause::{self, Pause};
use super::scene::Scene;

/// From an old scene to a new one. Positions index [`Scene::shapes`] and
/// [`Scene::edges`] of the scene named.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SceneMotion {
    /// Shapes of the new scene that were elsewhere in the old one, with the
    /// offset from the new place back to the old one (old − new), in scene units.
    pub moved: Vec<(usize, f64, f64)>,
    /// Shapes of the new scene that the old one did not have.
    pub added: Vec<usize>,
    /// Shapes of the old scene that the new one does not have.
    pub removed: Vec<usize>,
    /// Edges of the new scene that the old one did not draw along the same path.
    pub redrawn_edges: Vec<usize>,
}

impl SceneMotion {
    pub fn is_empty(&self) -> bool {
        self.moved.is_empty()
            && self.added.is_empty()
            && self.removed.is_empty()
            && self.redrawn_edges.is_empty()
    }
}

/// What changed from `old` to `new`, by shape id and by edge ends (§13.6), or
/// `None` when `new` is another picture rather than an edit of `old`: more than
/// half of its shapes are new (another input, another view or filter). It stops
/// as soon as that is known, so that another picture costs no comparison of all
/// its shapes and edges.
pub fn scene_motion(old: &Scene, new: &Scene) -> Option<SceneMotion> {
    pause::finish(scene_motion_pausable(old, new, &Pause::never()))
}

/// [`scene_motion`], pausing where `pause` says so: at 100,000 pods the comparison
/// is a task of its own (§13.6).
pub async fn scene_motion_pausable(
    old: &Scene,
    new: &Scene,
    pause: &Pause<'_>,
) -> Option<SceneMotion> {
    let mut motion = SceneMotion::default();
    for (position, shape) in new.shapes.iter().enumerate() {
        pause.point().await;
        match old.shape(&shape.id) {
            None => {
                motion.added.push(position);
                if motion.added.len() * 2 > new.shapes.len() {
                    return None;
                }
            }
            Some(before) => {
                let (dx, dy) = (before.rect.x - shape.rect.x, before.rect.y - shape.rect.y);
                if dx != 0.0 || dy != 0.0 {
                    motion.moved.push((position, dx, dy));
                }
            }
        }
    }
    for (position, shape) in old.shapes.iter().enumerate() {
        pause.point().await;
        if new.shape(&shape.id).is_none() {
            motion.removed.push(position);
        }
    }
    // Edges keep their order from one picture to the next: each new edge is looked
    // for among the next few old ones after the last found, so that edges added or
    // removed anywhere cost no scan of every old edge per edge. One not found there
    // is drawn anew.
    let mut next = 0;
    for (position, edge) in new.edges.iter().enumerate() {
        pause.point().await;
        let ahead = old
            .edges
            .get(next..)
            .unwrap_or_default()
            .iter()
            .take(EDGES_AHEAD);
        match ahead
            .into_iter()
            .position(|e| e.from == edge.from && e.to == edge.to && e.path == edge.path)
        {
            Some(found) => next += found + 1,
            None => motion.redrawn_edges.push(position),
        }
    }
    Some(motion)
}

/// How many old edges past the last one found a new edge is looked for among: as
/// many as an edit may remove at one place.
const EDGES_AHEAD: usize = 256;
