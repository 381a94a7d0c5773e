//! Edits you can follow (§13.6): when a what-if edit or a new analysis changes the
//! SVG picture, shapes that moved slide from their old place over 300 ms, new
//! shapes and redrawn edges fade in, and removed shapes fade out. The engine's
//! `scene_motion` says which; this module only marks the fresh elements, and the
//! stylesheet animates them (nothing at all under `prefers-reduced-motion`). The
//! canvas of large scenes follows the same edits itself (`canvas::CanvasMotion`).

use crate::engine::scene::Scene;
use crate::engine::scene_motion::scene_motion;

/// How long the stylesheet's animations run, and when leaving shapes are removed;
/// the canvas's motion runs as long.
pub const MOTION_MS: u64 = 320;

/// Marks the elements just drawn for `new` (`shapes` and `edges`, by position)
/// with how they changed since `old`, whose elements were `old_shapes`; removed
/// shapes' old elements are put back into `group` to fade out, then dropped. A new
/// input, where most shapes are new, is drawn without motion.
pub fn animate(
    group: &web_sys::Element,
    old: &Scene,
    old_shapes: &[web_sys::Element],
    new: &Scene,
    shapes: &[web_sys::Element],
    edges: &[web_sys::Element],
) {
    let Some(motion) = scene_motion(old, new) else {
        return;
    };
    for &(position, dx, dy) in &motion.moved {
        if let Some(element) = shapes.get(position) {
            let _ = element.set_attribute("style", &format!("--dx:{dx:.1}px;--dy:{dy:.1}px"));
            let _ = element.set_attribute("data-motion", "move");
        }
    }
    let fresh = motion.added.iter().filter_map(|&p| shapes.get(p));
    for element in fresh.chain(motion.redrawn_edges.iter().filter_map(|&p| edges.get(p))) {
        let _ = element.set_attribute("data-motion", "add");
    }
    let leaving: Vec<web_sys::Element> = motion
        .removed
        .iter()
        .filter_map(|&p| old_shapes.get(p).cloned())
        .collect();
    for element in &leaving {
        let _ = element.set_attribute("data-motion", "leave");
        let _ = group.append_child(element);
    }
    if !leaving.is_empty() {
        leptos::prelude::set_timeout(
            move || leaving.iter().for_each(web_sys::Element::remove),
            std::time::Duration::from_millis(MOTION_MS),
        );
    }
}
