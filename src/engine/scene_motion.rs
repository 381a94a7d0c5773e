//! How the picture changes from one scene to the next (§13.6), so that an edit can
//! be followed: shapes in both scenes that moved, shapes that appear, shapes that
//! go, and edges whose path changed. The shells animate exactly these; a shape
//! that is in the same place in both scenes is not touched.

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

/// What changed from `old` to `new`, by shape id and by edge ends (§13.6).
pub fn scene_motion(old: &Scene, new: &Scene) -> SceneMotion {
    let mut motion = SceneMotion::default();
    for (position, shape) in new.shapes.iter().enumerate() {
        match old.shape(&shape.id) {
            None => motion.added.push(position),
            Some(before) => {
                let (dx, dy) = (before.rect.x - shape.rect.x, before.rect.y - shape.rect.y);
                if dx != 0.0 || dy != 0.0 {
                    motion.moved.push((position, dx, dy));
                }
            }
        }
    }
    motion.removed = old
        .shapes
        .iter()
        .enumerate()
        .filter(|(_, shape)| new.shape(&shape.id).is_none())
        .map(|(position, _)| position)
        .collect();
    motion.redrawn_edges = new
        .edges
        .iter()
        .enumerate()
        .filter(|(position, edge)| {
            // Edges keep their order: look near the same position first, so that a
            // small edit costs no scan of every edge per edge.
            let same = |e: &&super::scene::Edge| {
                e.from == edge.from && e.to == edge.to && e.path == edge.path
            };
            let near = position.saturating_sub(64)..(position + 64).min(old.edges.len());
            !(old
                .edges
                .get(near)
                .is_some_and(|window| window.iter().any(|e| same(&e)))
                || old.edges.iter().any(|e| same(&e)))
        })
        .map(|(position, _)| position)
        .collect();
    motion
}
