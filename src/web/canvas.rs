//! Large scenes on a canvas (issue #9). Above [`LARGE_SCENE_SHAPES`] shapes the
//! graph draws the engine's scene here instead of as SVG markup: only what the
//! viewport shows (through the engine's spatial index), at the level of detail the
//! engine's `lod` module gives (aggregate tiles when zoomed out), with no text
//! smaller than 9 screen pixels. Panning, zooming and highlighting redraw the
//! canvas and touch no DOM node; hit testing goes through the spatial index.

use std::cell::RefCell;
use std::fmt::Write as _;

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Path2d};

use super::graph::Viewport;
use crate::engine::clip;
use crate::engine::diag::Severity;
use crate::engine::highlight::Highlight;
use crate::engine::lod::{self, Collapse, Level, LevelsCache, Tile, TileKind, TILE_BELOW_ZOOM};
use crate::engine::pause::Pause;
use crate::engine::scene::{self, LabelAnchor, Rect, Scene, ShapeKind};
use crate::engine::scene_motion::SceneMotion;
use crate::engine::spatial::SpatialIndex;

/// A solid edge whose box is larger than this many times the view (width plus
/// height) is drawn from its pieces near the view (§13.14).
const LONG_EDGE: f64 = 4.0;

/// Scenes with more shapes than this are drawn on the canvas.
pub const LARGE_SCENE_SHAPES: usize = 2_500;

/// The colours of the page's stylesheet, read once per scene so the canvas
/// follows the light and dark themes.
#[derive(Clone, Debug)]
pub struct Palette {
    panel: String,
    text: String,
    muted: String,
    border: String,
    accent: String,
    matched: String,
    error: String,
    warning: String,
    island: String,
    node: String,
    cluster_ip: String,
    node_port: String,
    load_balancer: String,
    external_name: String,
    headless: String,
    ready: String,
    not_ready: String,
    terminating: String,
    edge: String,
    dependency: String,
    route: String,
    /// `prefers-reduced-motion`, as the stylesheet's `--motion` says: edits are
    /// drawn at once (§13.6).
    still: bool,
}

impl Palette {
    pub fn read(element: &web_sys::Element) -> Palette {
        let style = web_sys::window().and_then(|w| w.get_computed_style(element).ok().flatten());
        let var = |name: &str, fallback: &str| -> String {
            style
                .as_ref()
                .and_then(|s| s.get_property_value(name).ok())
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| fallback.to_string())
        };
        Palette {
            panel: var("--panel", "#ffffff"),
            text: var("--text", "#0f172a"),
            muted: var("--muted", "#64748b"),
            border: var("--border", "#e2e8f0"),
            accent: var("--accent", "#2563eb"),
            matched: var("--match", "#eab308"),
            error: var("--error", "#dc2626"),
            warning: var("--warning", "#d97706"),
            island: var("--island", "#f1f5f9"),
            node: var("--node", "#f8fafc"),
            cluster_ip: var("--svc-clusterip", "#3b82f6"),
            node_port: var("--svc-nodeport", "#10b981"),
            load_balancer: var("--svc-lb", "#f97316"),
            external_name: var("--svc-external", "#a855f7"),
            headless: var("--svc-headless", "#64748b"),
            ready: var("--pod-ready", "#22c55e"),
            not_ready: var("--pod-notready", "#fbbf24"),
            terminating: var("--pod-terminating", "#f87171"),
            edge: var("--edge", "#94a3b8"),
            dependency: var("--dependency", "#a855f7"),
            route: var("--route", "#0ea5e9"),
            still: var("--motion", "1") == "0",
        }
    }
}

/// What one drawn frame showed, written to the canvas's data attributes for tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DrawStats {
    pub tiles: usize,
    pub detailed: usize,
    pub edges: usize,
    pub namespaces: usize,
    /// Namespaces whose island or tile lies wholly inside the viewport.
    pub namespaces_in_view: usize,
    /// Tiles of workloads (workload groups, or logical workload boxes) drawn.
    pub workload_tiles: usize,
    /// The drops written on the tiles drawn.
    pub drops: u64,
    /// Edge labels drawn.
    pub labels: usize,
    /// Whether an edit is being followed (§13.6): the frame after this one is due.
    pub moving: bool,
    /// As an edit is followed, the shapes and tiles drawn away from their place or
    /// fading in, and the edges drawn fading in.
    pub moved: usize,
    /// As an edit is followed, the removed shapes drawn fading out.
    pub leaving: usize,
}

/// Everything derived from one scene that frames reuse: the spatial indexes, the
/// tiles, edge paths (parsed by the browser on first use) and the current levels.
pub struct CanvasScene {
    pub version: u64,
    shapes: SpatialIndex,
    edges: SpatialIndex,
    edge_ends: Vec<Option<(usize, usize)>>,
    paths: Vec<Option<Path2d>>,
    /// The scene's tiles, shared with it, and their drops apart from them: at
    /// 100,000 pods a copy of the tiles for each picture was a frame of 300 ms.
    pub tiles: std::sync::Arc<Vec<Tile>>,
    /// Connections dropped or rejected on each tile ([`lod::count_drops`]).
    pub drops: Vec<u64>,
    levels: LevelsCache,
    /// The edge labels, placed once they are first readable.
    labels: Option<lod::EdgeLabels>,
    /// The screen box of each label drawn in the last frame, its size and whether
    /// it moved along its edge, for tests: `x,y,w,h,tenths,moved;` in whole
    /// pixels, tenths of a pixel, and 1 or 0.
    pub label_boxes: String,
    /// The edit this picture follows (§13.6), while it runs.
    pub motion: Option<CanvasMotion>,
}

/// An edit followed on the canvas (§13.6): shapes and tiles that moved slide from
/// their old place, with their text, new ones and redrawn edges fade in, over
/// [`super::motion::MOTION_MS`], and removed ones fade out where they were.
pub struct CanvasMotion {
    /// The scene version it leads to.
    pub version: u64,
    /// When its first frame was drawn; 0 until then.
    start: f64,
    /// Per shape of the new scene: its offset back to where it was, and whether it
    /// is new.
    shapes: Vec<(f64, f64, bool)>,
    /// The edges of the new scene not drawn before along the same path, in order.
    edges: Vec<usize>,
    /// The removed shapes' places, and whether each was a pod's chip.
    leaving: Vec<(Rect, bool)>,
}

impl CanvasMotion {
    /// The motion from `old` to `new`, or `None` when the new scene is mostly new
    /// (another input: drawn at once, §13.6) or nothing changed.
    pub fn between(old: &Scene, new: &Scene, version: u64) -> Option<CanvasMotion> {
        let motion = crate::engine::scene_motion::scene_motion(old, new)?;
        CanvasMotion::of(&motion, old, new, version)
    }

    /// The motion `motion` found from `old` to `new`, or `None` when nothing changed.
    pub fn of(
        motion: &SceneMotion,
        old: &Scene,
        new: &Scene,
        version: u64,
    ) -> Option<CanvasMotion> {
        if motion.is_empty() {
            return None;
        }
        let mut shapes = vec![(0.0, 0.0, false); new.shapes.len()];
        for &(position, dx, dy) in &motion.moved {
            shapes[position] = (dx, dy, false);
        }
        for &position in &motion.added {
            shapes[position].2 = true;
        }
        let leaving = motion
            .removed
            .iter()
            .map(|&p| (old.shapes[p].rect, old.shapes[p].kind == ShapeKind::Chip))
            .collect();
        Some(CanvasMotion {
            version,
            start: 0.0,
            shapes,
            edges: motion.redrawn_edges.clone(),
            leaving,
        })
    }

    /// How far along it is at `now`, eased out (0 to 1), or `None` once it is over.
    fn progress(&mut self, now: f64) -> Option<f64> {
        if self.start == 0.0 {
            self.start = now;
        }
        let t = (now - self.start) / super::motion::MOTION_MS as f64;
        (t < 1.0).then_some(1.0 - (1.0 - t) * (1.0 - t))
    }
}

/// A picture's caches are freed in steps once the canvas draws another (at
/// 100,000 pods, about 40 ms at once): the edges' browser paths, then the
/// buckets of the two indexes.
impl super::reclaim::Shed for CanvasScene {
    fn shed(&mut self) -> bool {
        use super::reclaim::{shed_list, STEP};
        shed_list(&mut self.paths)
            || self.shapes.shed_buckets(STEP)
            || self.edges.shed_buckets(STEP)
    }
}

/// The parts of a [`CanvasScene`] that depend on its scene only, made ahead.
struct MadeAhead {
    scene: std::sync::Weak<Scene>,
    shapes: SpatialIndex,
    edges: SpatialIndex,
    edge_ends: Vec<Option<(usize, usize)>>,
    labels: lod::EdgeLabels,
}

thread_local! {
    static MADE_AHEAD: RefCell<Option<MadeAhead>> = const { RefCell::new(None) };
}

/// Makes the spatial indexes and edge labels of a scene about to be drawn on the
/// canvas, each in a task of its own, so that the frame that first draws it does
/// not (issue #9: at 100,000 pods they made that frame's task 270 ms).
/// [`CanvasScene::new`] takes them if they are for its scene.
pub async fn index_ahead(scene: &std::sync::Arc<Scene>, pause: &Pause<'_>) {
    if scene.shapes.len() <= LARGE_SCENE_SHAPES {
        return;
    }
    pause.next_task().await;
    let edge_ends = scene::edge_ends(scene);
    let shapes = SpatialIndex::of_shapes(scene);
    pause.next_task().await;
    let edges = SpatialIndex::of_edges(scene, &edge_ends);
    pause.next_task().await;
    let rooms = scene::label_rooms_in(scene, &shapes);
    // The rooms and the labels took one task of 130 ms at 100,000 pods.
    pause.next_task().await;
    let labels = lod::EdgeLabels::new(scene, &shapes, &rooms);
    MADE_AHEAD.set(Some(MadeAhead {
        scene: std::sync::Arc::downgrade(scene),
        shapes,
        edges,
        edge_ends,
        labels,
    }));
}

impl CanvasScene {
    /// `tiles` are the scene's ([`lod::tiles`]); the canvas counts their drops
    /// ([`lod::count_drops`]) as the traffic runs.
    pub fn new(version: u64, scene: &Scene, tiles: std::sync::Arc<Vec<Tile>>) -> CanvasScene {
        let ahead = MADE_AHEAD.with_borrow_mut(|ahead| {
            ahead.take_if(|ahead| std::ptr::eq(ahead.scene.as_ptr(), scene))
        });
        let (shapes, edges, edge_ends, labels) = match ahead {
            Some(ahead) => (
                ahead.shapes,
                ahead.edges,
                ahead.edge_ends,
                Some(ahead.labels),
            ),
            None => {
                let edge_ends = scene::edge_ends(scene);
                (
                    SpatialIndex::of_shapes(scene),
                    SpatialIndex::of_edges(scene, &edge_ends),
                    edge_ends,
                    None,
                )
            }
        };
        CanvasScene {
            version,
            shapes,
            edges,
            edge_ends,
            paths: vec![None; scene.edges.len()],
            tiles,
            drops: Vec::new(),
            levels: LevelsCache::default(),
            labels,
            label_boxes: String::new(),
            motion: None,
        }
    }

    /// Recomputes the levels when the collapse choice or the zoom band changed.
    fn update_levels(&mut self, scene: &Scene, collapse: &Collapse, zoom: f64) {
        self.levels.update(scene, &self.tiles, collapse, zoom);
    }

    /// The drawn shape under a scene point, topmost first: a tile, or a shape drawn
    /// in detail.
    pub fn hit(
        &mut self,
        scene: &Scene,
        collapse: &Collapse,
        zoom: f64,
        x: f64,
        y: f64,
    ) -> Option<usize> {
        self.update_levels(scene, collapse, zoom);
        self.shapes
            .at(x, y)
            .into_iter()
            .rev()
            .find(|&p| self.levels.get(p).is_some_and(|l| *l != Level::Hidden))
    }

    pub fn level(&self, position: usize) -> Option<Level> {
        self.levels.get(position).copied()
    }

    /// What keeps the tile at `position` closed, for a click that opens it.
    pub fn collapsed_by(
        &self,
        position: usize,
        collapse: &Collapse,
        zoom: f64,
    ) -> Option<lod::Aggregate> {
        lod::tile_at(&self.tiles, position)?
            .collapsed_by(collapse, zoom)
            .cloned()
    }
}

/// One frame's inputs.
pub struct Frame<'a> {
    pub scene: &'a Scene,
    pub highlight: &'a Highlight,
    pub collapse: &'a Collapse,
    pub view: Viewport,
    pub width: f64,
    pub height: f64,
    pub palette: &'a Palette,
}

/// Draws one frame of `frame.scene` on `context`.
pub fn draw(
    context: &CanvasRenderingContext2d,
    cache: &mut CanvasScene,
    frame: &Frame<'_>,
) -> DrawStats {
    let Frame {
        scene,
        highlight,
        collapse,
        view,
        width,
        height,
        palette,
    } = frame;
    let k = view.k;
    cache.update_levels(scene, collapse, k);
    let mut stats = DrawStats::default();
    // An edit being followed: how far along, and each shape's offset from its place.
    // Held apart from the cache while the frame draws, and kept while it runs.
    let mut motion = cache.motion.take().filter(|_| !palette.still);
    let progress = motion
        .as_mut()
        .and_then(|m| m.progress(super::state::now_ms()));
    stats.moving = progress.is_some();
    let motion = motion.filter(|_| stats.moving);
    let motion_now = motion.as_ref().zip(progress);
    // Offsets from each shape's place, scaled to what is left of the motion.
    let left = motion_now.map_or(0.0, |(_, e)| 1.0 - e);
    let offsets = motion_now.map_or(&[][..], |(m, _)| &m.shapes);
    let redrawn = motion_now.map_or(&[][..], |(m, _)| &m.edges);
    let moving = |position: usize| {
        offsets
            .get(position)
            .map_or((0.0, 0.0, false), |&(dx, dy, new)| {
                (dx * left, dy * left, new)
            })
    };
    let _ = context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    context.clear_rect(0.0, 0.0, *width, *height);
    let visible = Rect {
        x: -view.tx / k,
        y: -view.ty / k,
        w: width / k,
        h: height / k,
    };
    let focus = !highlight.is_empty();
    // How far the dashed edges in view reach, seen or not (see `EdgeStyle::dash`).
    let mut dashed_extent = 0.0;
    let _ = context.set_transform(k, 0.0, 0.0, k, view.tx, view.ty);

    // Edges whose two ends are drawn in detail, one stroke per style; those an
    // edit redrew, apart, as they fade in.
    let mut by_style: [[Option<Path2d>; EdgeStyle::ALL.len()]; 2] = Default::default();
    let lit = Path2d::new().ok();
    // Zoomed out past the tiles' zoom, edges are a haze: they are drawn from there in.
    let edge_positions = if k >= TILE_BELOW_ZOOM {
        cache.edges.query(&visible)
    } else {
        Vec::new()
    };
    // The view with a margin for the strokes' width, and the size of a piece of a
    // long edge (§13.14).
    let margin = (8.0 / k).max(3.0);
    let near = Rect {
        x: visible.x - margin,
        y: visible.y - margin,
        w: visible.w + 2.0 * margin,
        h: visible.h + 2.0 * margin,
    };
    let reach = visible.w + visible.h;
    let mut pieces = Vec::new();
    for position in edge_positions {
        let Some((a, b)) = cache.edge_ends[position] else {
            continue;
        };
        if cache.levels[a] != Level::Detail || cache.levels[b] != Level::Detail {
            continue;
        }
        let edge = &scene.edges[position];
        let style = EdgeStyle::of(&edge.class);
        let is_lit = focus && highlight.lit_edges.contains(position);
        // A long solid edge gives the browser only its pieces near the view, and
        // needs no path of its own (§13.14); a dashed one is whole, so that its
        // dashes keep their place.
        let long = !is_lit
            && !style.dashed()
            && cache
                .edges
                .rect(position)
                .is_some_and(|r| r.w + r.h > LONG_EDGE * reach);
        if !long && cache.paths[position].is_none() {
            cache.paths[position] = Path2d::new_with_path_string(&edge.path).ok();
        }
        let path = &cache.paths[position];
        if !long && path.is_none() {
            continue;
        }
        stats.edges += 1;
        if is_lit {
            if let (Some(lit), Some(path)) = (&lit, path) {
                lit.add_path(path);
            }
            continue;
        }
        let fresh = redrawn.binary_search(&position).is_ok();
        stats.moved += usize::from(fresh);
        let slot = &mut by_style[usize::from(fresh)][style as usize];
        if slot.is_none() {
            *slot = Path2d::new().ok();
        }
        let Some(batch) = slot else {
            continue;
        };
        match path {
            Some(path) if !long => batch.add_path(path),
            _ => {
                clip::visible_pieces(&edge.path, &near, reach, &mut pieces);
                for piece in pieces.drain(..) {
                    match piece {
                        clip::Piece::Move((x, y)) => batch.move_to(x, y),
                        clip::Piece::Cubic(b, c, d) => {
                            batch.bezier_curve_to(b.0, b.1, c.0, c.1, d.0, d.1)
                        }
                    }
                }
            }
        }
        if style.dashed() {
            dashed_extent += cache.edges.rect(position).map_or(0.0, |r| r.w + r.h);
        }
    }
    let line = (1.2f64).max(1.0 / k);
    let alpha = if focus { 0.15 } else { 1.0 };
    for (batches, alpha) in by_style.iter().zip([alpha, alpha * (1.0 - left)]) {
        context.set_global_alpha(alpha);
        for (style, path) in EdgeStyle::ALL.iter().zip(batches) {
            let Some(path) = path else { continue };
            context.set_stroke_style_str(style.colour(palette));
            context.set_line_width(line * style.width());
            let _ = context.set_line_dash(&style.dash(k, dashed_extent));
            context.stroke_with_path(path);
        }
    }
    let _ = context.set_line_dash(&js_sys::Array::new());
    context.set_global_alpha(1.0);
    if let Some(lit) = &lit {
        context.set_stroke_style_str(&palette.accent);
        context.set_line_width(line * 2.0);
        context.stroke_with_path(lit);
    }

    // Shapes: containers and tiles, then boxes, then chips (batched per colour).
    let positions = cache.shapes.query(&visible);
    let faded = |position: usize| focus && !highlight.lit_shapes.contains(position);
    // Chips by colour: ready, not ready, terminating, pending, faded.
    let mut chips: [Vec<Rect>; 5] = Default::default();
    let chip_colours = [
        &palette.ready,
        &palette.not_ready,
        &palette.terminating,
        &palette.border,
        &palette.muted,
    ];
    let mut texts: Vec<usize> = Vec::new();
    let mut tiles: Vec<usize> = Vec::new();
    for &position in &positions {
        let shape = &scene.shapes[position];
        let level = cache.levels[position];
        if level == Level::Hidden {
            continue;
        }
        let r = &shape.rect;
        if r.w * k < 0.6 && r.h * k < 0.6 {
            continue;
        }
        let (dx, dy, new) = moving(position);
        let alpha = if faded(position) { 0.25 } else { 1.0 };
        context.set_global_alpha(if new { alpha * (1.0 - left) } else { alpha });
        stats.moved += usize::from(dx != 0.0 || dy != 0.0 || new);
        let shifted = Rect {
            x: r.x + dx,
            y: r.y + dy,
            ..*r
        };
        let r = &shifted;
        if level == Level::Tile {
            stats.tiles += 1;
            tiles.push(position);
            let (fill, stroke) = if shape.class.contains("failed") {
                ("#fee2e2", palette.muted.as_str())
            } else if shape.class == "namespace" {
                (palette.island.as_str(), palette.muted.as_str())
            } else if shape.class.starts_with("node") {
                (palette.node.as_str(), palette.muted.as_str())
            } else {
                stats.workload_tiles += 1;
                (palette.panel.as_str(), palette.external_name.as_str())
            };
            fill_rect(context, r, fill, stroke, 1.5 / k);
            continue;
        }
        stats.detailed += 1;
        match shape.kind {
            ShapeKind::Chip => {
                let bucket = if faded(position) {
                    4
                } else if shape.class.ends_with("not-ready") {
                    1
                } else if shape.class.ends_with("terminating") {
                    2
                } else if shape.class.ends_with("pending") {
                    3
                } else {
                    0
                };
                if new {
                    // Fading in, at its own alpha: outside the batches.
                    let colour = chip_colours[bucket];
                    fill_rect(context, r, colour, colour, 0.0);
                } else {
                    chips[bucket].push(*r);
                }
            }
            ShapeKind::Group => {
                if shape.class == "workload-group" {
                    texts.push(position);
                    continue;
                }
                let (fill, stroke, dash) = if shape.class == "namespace" {
                    (palette.island.as_str(), palette.border.as_str(), true)
                } else if shape.class.starts_with("gateway") {
                    (
                        palette.panel.as_str(),
                        box_stroke(&shape.class, palette),
                        false,
                    )
                } else if shape.class.contains("failed") {
                    ("#fee2e2", palette.error.as_str(), false)
                } else if shape.class.contains("cordoned") {
                    (palette.node.as_str(), palette.warning.as_str(), true)
                } else {
                    (palette.node.as_str(), palette.border.as_str(), false)
                };
                if dash {
                    let _ =
                        context.set_line_dash(&dash_array(&[4.0 / k.max(0.3), 3.0 / k.max(0.3)]));
                }
                fill_rect(context, r, fill, stroke, 1.0 / k.max(0.5));
                let _ = context.set_line_dash(&js_sys::Array::new());
                texts.push(position);
            }
            ShapeKind::Box => {
                let stroke = box_stroke(&shape.class, palette);
                fill_rect(context, r, &palette.panel, stroke, 1.5 / k.max(0.5));
                texts.push(position);
            }
        }
    }
    // Removed shapes fade out where they were, a pod's chip greyed.
    context.set_global_alpha(left);
    for (r, chip) in motion_now.map_or(&[][..], |(m, _)| &m.leaving) {
        if r.overlaps(&visible) {
            let fill = if *chip {
                &palette.muted
            } else {
                &palette.panel
            };
            fill_rect(context, r, fill, &palette.muted, 1.0 / k.max(0.5));
            stats.leaving += 1;
        }
    }
    context.set_global_alpha(1.0);
    for (bucket, rects) in chips.iter().enumerate() {
        if rects.is_empty() {
            continue;
        }
        context.set_global_alpha(if bucket == 4 { 0.25 } else { 1.0 });
        context.set_fill_style_str(chip_colours[bucket]);
        context.begin_path();
        for r in rects {
            context.rect(r.x, r.y, r.w, r.h);
        }
        context.fill();
        context.set_global_alpha(1.0);
    }
    // Selection and matches, outlined.
    for (set, colour) in [
        (&highlight.matched_shapes, &palette.matched),
        (&highlight.selected_shapes, &palette.accent),
    ] {
        context.set_stroke_style_str(colour);
        context.set_line_width(3.0 / k);
        for position in set.iter() {
            if cache.levels.get(position) == Some(&Level::Hidden) {
                continue;
            }
            let r = &scene.shapes[position].rect;
            context.stroke_rect(r.x, r.y, r.w, r.h);
        }
    }

    // Text, in screen pixels: only what is at least 9 px tall (§13.2), as the SVG
    // draws it: titles at their size or at 9 px, cut to their room at this zoom,
    // the smaller text at its size or not at all.
    let small_text = lod::small_text(k) == lod::TextLevel::Natural;
    let _ = context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    context.set_text_baseline("alphabetic");
    let screen = |x: f64, y: f64| (x * k + view.tx, y * k + view.ty);
    for &position in &texts {
        let shape = &scene.shapes[position];
        let r = &shape.rect;
        let (dx, dy, _) = moving(position);
        let screen = |x: f64, y: f64| screen(x + dx, y + dy);
        context.set_global_alpha(if faded(position) { 0.35 } else { 1.0 });
        if let Some((room, x, y)) = scene::title_room(shape) {
            let name = scene::title_text(shape);
            let n_chars = lod::shown_chars(name, &room, k);
            if n_chars > 0 {
                let size = lod::drawn_size(room.size, k);
                let group = shape.class == "workload-group";
                text(
                    context,
                    &lod::shown(name, n_chars),
                    screen(x, y + lod::baseline(&room, size)),
                    size * k,
                    if group { 400 } else { 600 },
                    if group { &palette.muted } else { &palette.text },
                );
            }
        }
        if !shape.sublabel.is_empty()
            && (shape.kind == ShapeKind::Box || shape.class.starts_with("node"))
            && small_text
        {
            text(
                context,
                &scene::fit(
                    &shape.sublabel,
                    r.w - scene::SUBLABEL_MARGIN,
                    scene::SUBLABEL_CHAR_W,
                ),
                screen(r.x + 10.0, r.y + 30.0),
                10.0 * k,
                400,
                &palette.muted,
            );
        }
        if let Some(severity) = shape.badge {
            let (x, y) = screen(r.x + r.w - 2.0, r.y + 2.0);
            badge(context, x, y, severity, palette);
        }
    }
    context.set_global_alpha(1.0);
    stats.labels = draw_labels(context, cache, frame, &visible);
    for &position in &tiles {
        if let Ok(index) = cache.tiles.binary_search_by_key(&position, |t| t.shape) {
            let n_drops = cache.drops.get(index).copied().unwrap_or(0);
            stats.drops += n_drops;
            // A moving tile's text moves with it, and a new one's fades in with it.
            let (dx, dy, new) = moving(position);
            context.set_global_alpha(if new { 1.0 - left } else { 1.0 });
            let view = Viewport {
                tx: view.tx + dx * k,
                ty: view.ty + dy * k,
                k,
            };
            draw_tile(context, scene, &cache.tiles[index], n_drops, &view, palette);
        }
    }
    context.set_global_alpha(1.0);
    for tile in cache.tiles.iter() {
        if tile.kind == TileKind::Namespace {
            stats.namespaces += 1;
            let r = &tile.rect;
            if r.x >= visible.x
                && r.y >= visible.y
                && r.x + r.w <= visible.x + visible.w
                && r.y + r.h <= visible.y + visible.h
            {
                stats.namespaces_in_view += 1;
            }
        }
    }
    cache.motion = motion;
    stats
}

/// The edge labels in view whose end by the label is drawn in detail, as the
/// engine placed them at this zoom (§13.2): none while Gateway and Route text is
/// hidden, so a zoomed-out picture never places them.
fn draw_labels(
    context: &CanvasRenderingContext2d,
    cache: &mut CanvasScene,
    frame: &Frame<'_>,
    visible: &Rect,
) -> usize {
    let Frame {
        scene,
        highlight,
        view,
        palette,
        ..
    } = frame;
    let k = view.k;
    cache.label_boxes.clear();
    if lod::entry_text(k) == lod::TextLevel::Hidden {
        return 0;
    }
    let labels = cache.labels.get_or_insert_with(|| {
        lod::EdgeLabels::new(
            scene,
            &cache.shapes,
            &scene::label_rooms_in(scene, &cache.shapes),
        )
    });
    let px = lod::drawn_size(lod::ENTRY_TEXT_SIZE, k) * k;
    context.set_font(&format!("400 {px:.1}px system-ui, sans-serif"));
    context.set_line_width(3.0);
    context.set_stroke_style_str(&palette.panel);
    context.set_fill_style_str(&palette.muted);
    let mut n_drawn = 0;
    for position in 0..labels.len() {
        let (edge, text, anchor, rect, placement) = labels.label(position, k);
        let n_chars = placement.n_chars;
        let start = anchor == LabelAnchor::Start;
        let end = cache.edge_ends[edge].map(|(from, to)| if start { from } else { to });
        if n_chars == 0
            || !rect.overlaps(visible)
            || end.is_none_or(|end| cache.levels[end] != Level::Detail)
        {
            continue;
        }
        n_drawn += 1;
        let lit = highlight.lit_edges.contains(edge);
        context.set_global_alpha(if highlight.is_empty() || lit {
            1.0
        } else {
            0.22
        });
        let (x, y) = (rect.x * k + view.tx, rect.y * k + view.ty);
        // As the SVG writes it: from its point, or ending there.
        let (at, align) = if start {
            (x, "start")
        } else {
            (x + rect.w * k, "end")
        };
        let baseline = y + lod::TEXT_ASCENT * px;
        let shown = lod::shown(text, n_chars);
        context.set_text_align(align);
        let _ = context.stroke_text(&shown, at, baseline);
        let _ = context.fill_text(&shown, at, baseline);
        // Whole pixels, the size in tenths of a pixel, and 1 where the label
        // moved along its edge off the point the scene gives it.
        for value in [x, y, rect.w * k, rect.h * k, px * 10.0] {
            let _ = write!(cache.label_boxes, "{},", value.round() as i32);
        }
        let own = scene.edges[edge].label.as_ref().map(|l| (l.x, l.y));
        let moved = own != Some((placement.x, placement.y));
        cache.label_boxes.push_str(if moved { "1;" } else { "0;" });
    }
    context.set_global_alpha(1.0);
    context.set_text_align("start");
    n_drawn
}

/// An aggregate tile: the name, the counts and a health bar, in screen pixels, as
/// far as the tile's size on screen allows.
fn draw_tile(
    context: &CanvasRenderingContext2d,
    scene: &Scene,
    tile: &Tile,
    n_drops: u64,
    view: &Viewport,
    palette: &Palette,
) {
    let r = &tile.rect;
    let (x, y) = (r.x * view.k + view.tx, r.y * view.k + view.ty);
    let (w, h) = (r.w * view.k, r.h * view.k);
    let pad = lod::TILE_PAD.min(w / 8.0);
    let bar_h = 6.0f64.min(h / 3.0);
    let total = tile.pods.total();
    if total > 0 && w > 8.0 && bar_h >= 2.0 {
        let bar_w = w - 2.0 * pad;
        let bar_y = y + h - pad - bar_h;
        let mut bar_x = x + pad;
        for (n, colour) in [
            (tile.pods.ready, &palette.ready),
            (tile.pods.not_ready, &palette.not_ready),
            (tile.pods.terminating, &palette.terminating),
            (tile.pods.pending, &palette.border),
        ] {
            if n == 0 {
                continue;
            }
            let part = bar_w * n as f64 / total as f64;
            context.set_fill_style_str(colour);
            context.fill_rect(bar_x, bar_y, part.max(1.0), bar_h);
            bar_x += part;
        }
    }
    // Where the text goes, which the trace's badges keep off too.
    let places = lod::tile_text(scene::Rect { x, y, w, h }, n_drops);
    let chars = |px: f64| ((w - 2.0 * pad) / (px * 0.6)).max(1.0);
    if let Some(name) = places.name {
        text(
            context,
            &scene::fit(tile.label(scene), chars(11.0) * 7.2, 7.2),
            (name.x, name.y + 11.0),
            11.0,
            600,
            &palette.text,
        );
    }
    if let Some(at) = places.counts {
        let mut counts = match tile.kind {
            TileKind::Namespace => format!("{} svc · {} pods", tile.n_services, total),
            TileKind::Node => format!("{} pods · {} workloads", total, tile.n_workloads),
            TileKind::Workload if total == 1 => "1 pod".to_string(),
            TileKind::Workload => format!("{total} pods"),
        };
        if tile.pods.ready < total {
            counts.push_str(&format!(" · {} not ready", total - tile.pods.ready));
        }
        text(
            context,
            &scene::fit(&counts, chars(9.5) * 5.8, 5.8),
            (at.x, at.y + 9.0),
            9.5,
            400,
            &palette.muted,
        );
    }
    if let Some(severity) = tile.worst {
        badge(context, x + w - 3.0, y + 3.0, severity, palette);
    }
    // Drops, however small the tile: a red label at its top right, or a dot.
    if let Some(at) = places.drops {
        context.set_fill_style_str(&palette.error);
        if at.h > 10.0 {
            context.fill_rect(at.x, at.y, at.w, at.h);
            let label = lod::drops_label(n_drops);
            text(
                context,
                &label,
                (at.x + 3.0, at.y + 10.0),
                10.0,
                600,
                "#ffffff",
            );
        } else {
            context.begin_path();
            let _ = context.arc(
                at.x + at.w / 2.0,
                at.y + at.h / 2.0,
                3.5,
                0.0,
                std::f64::consts::TAU,
            );
            context.fill();
        }
    }
}

/// The scene in miniature, every tile, and the viewport's outline.
pub fn draw_minimap(
    context: &CanvasRenderingContext2d,
    scene: &Scene,
    cache: &CanvasScene,
    view: &Viewport,
    size: (f64, f64, f64, f64),
    palette: &Palette,
) {
    let (width, height, graph_w, graph_h) = size;
    let _ = context.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    context.clear_rect(0.0, 0.0, width, height);
    context.set_fill_style_str(&palette.panel);
    context.fill_rect(0.0, 0.0, width, height);
    let s = minimap_scale(scene, width, height);
    for tile in cache.tiles.iter().filter(|t| t.kind != TileKind::Workload) {
        let r = &tile.rect;
        let unhealthy = tile.pods.total() > tile.pods.ready;
        let colour = match (tile.kind, unhealthy) {
            (_, true) => palette.warning.as_str(),
            (TileKind::Namespace, false) => palette.cluster_ip.as_str(),
            (_, false) => palette.ready.as_str(),
        };
        context.set_fill_style_str(colour);
        context.set_global_alpha(0.55);
        context.fill_rect(r.x * s, r.y * s, (r.w * s).max(1.0), (r.h * s).max(1.0));
    }
    context.set_global_alpha(1.0);
    context.set_stroke_style_str(&palette.accent);
    context.set_line_width(1.5);
    context.stroke_rect(
        -view.tx / view.k * s,
        -view.ty / view.k * s,
        graph_w / view.k * s,
        graph_h / view.k * s,
    );
}

/// Minimap pixels per scene unit.
pub fn minimap_scale(scene: &Scene, width: f64, height: f64) -> f64 {
    (width / scene.width.max(1.0)).min(height / scene.height.max(1.0))
}

fn fill_rect(context: &CanvasRenderingContext2d, r: &Rect, fill: &str, stroke: &str, line: f64) {
    context.set_fill_style_str(fill);
    context.fill_rect(r.x, r.y, r.w, r.h);
    context.set_stroke_style_str(stroke);
    context.set_line_width(line);
    context.stroke_rect(r.x, r.y, r.w, r.h);
}

fn text(
    context: &CanvasRenderingContext2d,
    value: &str,
    at: (f64, f64),
    px: f64,
    weight: u16,
    colour: &str,
) {
    context.set_font(&format!("{weight} {px:.1}px system-ui, sans-serif"));
    context.set_fill_style_str(colour);
    let _ = context.fill_text(value, at.0, at.1);
}

fn badge(
    context: &CanvasRenderingContext2d,
    x: f64,
    y: f64,
    severity: Severity,
    palette: &Palette,
) {
    context.set_fill_style_str(if severity == Severity::Error {
        &palette.error
    } else {
        &palette.warning
    });
    context.begin_path();
    let _ = context.arc(x, y, 4.0, 0.0, std::f64::consts::TAU);
    context.fill();
}

fn box_stroke<'p>(class: &str, palette: &'p Palette) -> &'p str {
    let has = |name: &str| class.split(' ').any(|c| c == name);
    if has("rejected") || has("unresolved") {
        &palette.error
    } else if has("cluster-ip") {
        &palette.cluster_ip
    } else if has("node-port-type") {
        &palette.node_port
    } else if has("load-balancer-type") || has("load-balancer") {
        &palette.load_balancer
    } else if has("external-name") || has("workload") {
        &palette.external_name
    } else if has("headless") || has("external") {
        &palette.headless
    } else if has("ingress") || has("gateway") {
        &palette.route
    } else {
        &palette.border
    }
}

fn dash_array(values: &[f64]) -> js_sys::Array {
    values
        .iter()
        .map(|v| wasm_bindgen::JsValue::from_f64(*v))
        .collect()
}

/// How an edge is stroked, from its class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EdgeStyle {
    Plain,
    NotReady,
    Terminating,
    Dependency,
    Route,
    Unhealthy,
}

impl EdgeStyle {
    const ALL: [EdgeStyle; 6] = [
        EdgeStyle::Plain,
        EdgeStyle::NotReady,
        EdgeStyle::Terminating,
        EdgeStyle::Dependency,
        EdgeStyle::Route,
        EdgeStyle::Unhealthy,
    ];

    fn of(class: &str) -> EdgeStyle {
        let has = |name: &str| class.split(' ').any(|c| c == name);
        if has("rejected") {
            EdgeStyle::Unhealthy
        } else if has("dependency") {
            EdgeStyle::Dependency
        } else if has("route") {
            EdgeStyle::Route
        } else if has("unhealthy") {
            EdgeStyle::Unhealthy
        } else if has("not-ready") {
            EdgeStyle::NotReady
        } else if has("terminating") {
            EdgeStyle::Terminating
        } else {
            EdgeStyle::Plain
        }
    }

    fn colour(self, palette: &Palette) -> &str {
        match self {
            EdgeStyle::Plain => &palette.edge,
            EdgeStyle::NotReady => &palette.warning,
            EdgeStyle::Terminating | EdgeStyle::Unhealthy => &palette.error,
            EdgeStyle::Dependency => &palette.dependency,
            EdgeStyle::Route => &palette.route,
        }
    }

    fn width(self) -> f64 {
        1.0
    }

    fn dashed(self) -> bool {
        matches!(
            self,
            EdgeStyle::Dependency | EdgeStyle::Unhealthy | EdgeStyle::Terminating
        )
    }

    /// The dash pattern at zoom `k`, when the dashed edges drawn reach `extent`
    /// scene units (width plus height) in all. The browser dashes a path whole,
    /// seen or not, so at a high zoom the long edges of a large cluster were
    /// hundreds of thousands of dashes (300 ms a frame at 10,000 pods): the
    /// dashes lengthen so that the edges' bounding boxes hold about 20,000 of
    /// them for the dependency pattern, 36,000 for the shortest (§13.12).
    fn dash(self, k: f64, extent: f64) -> js_sys::Array {
        let unit = (1.0 / k.max(0.3)).max(extent / 180_000.0);
        match self {
            EdgeStyle::Dependency => dash_array(&[5.0 * unit, 4.0 * unit]),
            EdgeStyle::Unhealthy => dash_array(&[3.0 * unit, 3.0 * unit]),
            EdgeStyle::Terminating => dash_array(&[2.0 * unit, 3.0 * unit]),
            _ => js_sys::Array::new(),
        }
    }
}

/// The canvas's 2D context.
pub fn context_of(canvas: &web_sys::HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
}
