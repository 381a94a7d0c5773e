//! Level of detail: zoomed out, each namespace island and each node box is drawn as
//! one aggregate tile (its counts, a health bar of its pods, its drops) instead of
//! the thousands of shapes inside it. Tiles open as the user zooms in, or when they
//! are expanded one by one; they close again when collapsed. A workload, and every
//! workload of one app label, can be collapsed by hand too: each box that holds its
//! pods becomes a tile.
//!
//! Pure functions of a [`Scene`] and its [`Topology`]: the web app only draws what
//! [`shape_levels`] says, and reads the counts from [`tiles`].

use crate::engine::sort::SortCompact;
use std::collections::HashMap;

use super::cluster::FnvBuildHasher;
use super::diag::Severity;
use super::model::Readiness;
use super::pause::{self, Pause};
use super::refs::{KindRef, NamespacedName};
use super::scene::{self, id_kind, parse_id, IdKind, LabelAnchor, Rect, Scene};
use super::sim::Counters;
use super::spatial::SpatialIndex;
use super::trace_overlay::Screen;
use super::Topology;

/// Below this zoom (screen pixels per scene unit), islands and nodes are tiles
/// unless the user expanded them.
pub const TILE_BELOW_ZOOM: f64 = 0.35;
/// No text is drawn smaller than this many screen pixels.
pub const MIN_TEXT_PX: f64 = 9.0;
/// The labels that name a workload's app, in order of preference (§13.2).
pub const APP_LABELS: [&str; 2] = ["app.kubernetes.io/name", "app"];

/// Whether text of `font_size` scene units is large enough on screen at `zoom`.
pub fn text_visible(font_size: f64, zoom: f64) -> bool {
    font_size * zoom >= MIN_TEXT_PX
}

/// The size of the smallest Gateway and Route text, in scene units: a listener's
/// hostname and Route count, and a Route's label.
pub const ENTRY_TEXT_SIZE: f64 = 10.0;
/// Gateway and Route text grows at most this many times its size to stay
/// readable; below the zoom that would need more, it is not drawn.
pub const ENTRY_TEXT_MAX_GROWTH: f64 = 2.0;
/// The size of the smallest of the rest of the picture's small text, in scene
/// units: sublabels are 10; a workload group's title is 9.5, but it is a title.
pub const SMALL_TEXT_SIZE: f64 = 10.0;

/// How a kind of text is drawn at a zoom (§13.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextLevel {
    /// At its own size, which is at least [`MIN_TEXT_PX`] on screen.
    Natural,
    /// Its own size would be smaller than [`MIN_TEXT_PX`] on screen: each text is
    /// drawn that large, and short: cut to what fits its room at that size
    /// ([`shown_chars`]), a Gateway by its name without its address, a
    /// listener's Route count without its hostname.
    Compact,
    /// Even compact, the text would have to grow more than its kind allows: it is
    /// not drawn. The hover text and the details give it.
    Hidden,
}

impl TextLevel {
    /// The value of the graph's `data-entry-text` and `data-small-text`
    /// attributes, which the stylesheet reads.
    pub fn as_str(self) -> &'static str {
        match self {
            TextLevel::Natural => "natural",
            TextLevel::Compact => "compact",
            TextLevel::Hidden => "hidden",
        }
    }
}

/// How text of `font_size` scene units, which may grow up to `max_growth` times
/// to reach [`MIN_TEXT_PX`], is drawn at `zoom`.
pub fn text_level(font_size: f64, max_growth: f64, zoom: f64) -> TextLevel {
    if text_visible(font_size, zoom) {
        TextLevel::Natural
    } else if max_growth > 1.0 && text_visible(font_size * max_growth, zoom) {
        TextLevel::Compact
    } else {
        TextLevel::Hidden
    }
}

/// How Gateway and Route text is drawn at `zoom`: the listeners' second rows and
/// the Routes' labels (a Gateway's and a listener's titles are titles). They name
/// what a request goes through, so they are kept readable long.
pub fn entry_text(zoom: f64) -> TextLevel {
    text_level(ENTRY_TEXT_SIZE, ENTRY_TEXT_MAX_GROWTH, zoom)
}

/// How the boxes' second rows are drawn at `zoom` (a Service's type and address,
/// a node's zone): at their own size or not at all.
pub fn small_text(zoom: f64) -> TextLevel {
    text_level(SMALL_TEXT_SIZE, 1.0, zoom)
}

/// The room a text may take, in scene units, and how it is drawn in it (§13.2):
/// at its own size, or at [`MIN_TEXT_PX`] on screen where that is larger, cut
/// with an ellipsis or not drawn where it does not fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextRoom {
    /// The text's own size.
    pub size: f64,
    /// From where the text starts, in the direction it runs.
    pub width: f64,
    /// From the top of the room: at its own size, the text's baseline is
    /// `baseline` below it, and its em box ends [`TEXT_DESCENT`] of its size
    /// lower; grown, it moves down so that its em box starts [`TEXT_TOP_GAP`]
    /// below the top ([`baseline`]). Its em box must end inside `height`.
    pub height: f64,
    pub baseline: f64,
    pub fit: Fit,
}

/// What a text that does not fit its room becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fit {
    /// Its first characters and an ellipsis, if at least [`MIN_CUT_CHARS`] of
    /// them fit; else nothing. Titles, and Routes' labels.
    Cut,
    /// Nothing: port labels and Ingress paths, whose beginning alone would
    /// mislead.
    Whole,
}

/// The fewest characters a cut text keeps before its ellipsis: with it, about
/// three characters. A box with less room shows no title; its hover text names it.
pub const MIN_CUT_CHARS: usize = 2;
/// The height of a text's em box above its baseline, and below it, in ems (the
/// app's sans-serif, DejaVu Sans on Linux: 0.928 and 0.236).
pub const TEXT_ASCENT: f64 = 0.93;
pub const TEXT_DESCENT: f64 = 0.24;
/// How far below the top of its room a grown text's em box starts.
pub const TEXT_TOP_GAP: f64 = 0.5;
/// Edge labels grow at most this many times their size, like Gateway text: the
/// room beside them is measured for that size.
pub const LABEL_MAX_GROWTH: f64 = ENTRY_TEXT_MAX_GROWTH;

/// The size, in scene units, at which text of `size` units is drawn at `zoom`:
/// its own, or [`MIN_TEXT_PX`] on screen where that is larger.
pub fn drawn_size(size: f64, zoom: f64) -> f64 {
    size.max(MIN_TEXT_PX / zoom)
}

/// The baseline of text drawn at `drawn_size` in `room`, below the top of the room.
pub fn baseline(room: &TextRoom, drawn_size: f64) -> f64 {
    room.baseline.max(TEXT_TOP_GAP + TEXT_ASCENT * drawn_size)
}

/// How many characters of `text` are drawn in `room` at `zoom` (§13.2): all of
/// them when it fits whole; else, for a text that may be cut, as many as fit
/// before an ellipsis, if that is at least [`MIN_CUT_CHARS`]; else none. Widths
/// are estimated per character ([`em_width`]), for the widest of the app's fonts.
pub fn shown_chars(text: &str, room: &TextRoom, zoom: f64) -> usize {
    let size = drawn_size(room.size, zoom);
    if baseline(room, size) + TEXT_DESCENT * size > room.height {
        return 0;
    }
    let width = room.width / size;
    let (mut used, mut n_chars, mut n_cut) = (0.0, 0, 0);
    for character in text.chars() {
        used += em_width(character);
        n_chars += 1;
        if used + ELLIPSIS_EM <= width {
            n_cut = n_chars;
        }
    }
    if used <= width {
        n_chars
    } else if room.fit == Fit::Cut && n_cut >= MIN_CUT_CHARS {
        n_cut
    } else {
        0
    }
}

/// The first `n_chars` characters of `text` as [`shown_chars`] counts them: the
/// whole text, or its beginning and an ellipsis, or nothing.
pub fn shown(text: &str, n_chars: usize) -> String {
    let mut shown: String = text.chars().take(n_chars).collect();
    if n_chars > 0 && shown.len() < text.len() {
        shown.push('…');
    }
    shown
}

/// The width of the ellipsis, in ems.
const ELLIPSIS_EM: f64 = 1.0;

/// The width in ems of `text` cut to `n_chars` as [`shown`] writes it.
fn shown_ems(text: &str, n_chars: usize) -> f64 {
    let mut ems = 0.0;
    for (n, character) in text.chars().enumerate() {
        if n == n_chars {
            return ems + ELLIPSIS_EM;
        }
        ems += em_width(character);
    }
    ems
}

/// The box, in scene units, of text whose baseline starts at `(x, y)`, `ems` wide,
/// drawn at `size`, running right from `x` ([`LabelAnchor::Start`]) or ending at it.
fn text_box(x: f64, y: f64, ems: f64, size: f64, anchor: LabelAnchor) -> Rect {
    let w = ems * size;
    Rect {
        x: if anchor == LabelAnchor::Start {
            x
        } else {
            x - w
        },
        y: y - TEXT_ASCENT * size,
        w,
        h: (TEXT_ASCENT + TEXT_DESCENT) * size,
    }
}

/// The edge labels of one scene, placed so that no two of them overlap, nor a
/// label a box's title (§13.2). Each label has spots along its own edge: the point
/// the scene gives it; then, away from the end it is written by, one every
/// [`SPOT_STEP`] units or more ([`N_STEPS`] of them), and where the edge comes out
/// of the boxes it runs over into a gutter, with a few steps after ([`N_EXITS`]
/// gutters).
///
/// Labels are placed in two rounds, each in the order the markup writes them
/// ([`super::scene::label_rooms`]): first at their own points, each where it fits
/// the room there and overlaps no label drawn before it; then each label not drawn
/// yet at the first of its other spots where it fits and overlaps no label drawn.
/// A spot where the label could run into the title of a box it lies over is never
/// used, nor one over a box further along. The SVG and the canvas both draw what
/// [`EdgeLabels::place`] decides.
#[derive(Clone, Debug, Default)]
pub struct EdgeLabels {
    labels: Vec<EdgeLabelText>,
    spots: Vec<Spot>,
    /// For each spot, the spots of other labels that meet it at the largest size
    /// both are drawn at: only these can overlap it at a smaller one. The spots
    /// near spot `s` are `near[near_start[s]..near_start[s + 1]]`.
    near: Vec<u32>,
    near_start: Vec<u32>,
    zoom: f64,
    placed: Vec<Placement>,
    boxes: Vec<Rect>,
}

/// How far apart, along its edge, a label's spots are, in scene units: about the
/// height of a label at its own size, so that a label moves off one it meets
/// where the edge runs steeply.
pub const SPOT_STEP: f64 = 12.0;
/// How many spots a label has along its edge just past its own point.
pub const N_STEPS: usize = 8;
/// How many gutters further along its edge a label may move to.
pub const N_EXITS: usize = 4;
/// How many steps a label may take in a gutter past the point where its edge
/// comes into it.
pub const N_GUTTER_STEPS: usize = 2;
/// How many straight pieces a label's edge is cut into, per cubic segment, to
/// find its spots: a long edge's pieces stay a few labels' heights long.
const SPOT_SEGMENTS: usize = 32;

/// Where a label is drawn at a zoom ([`EdgeLabels::place`]): how many of its
/// characters (none: not drawn), and the point its anchored end is at, the
/// scene's own or one further along its edge. A label not drawn keeps the scene's
/// point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Placement {
    pub n_chars: usize,
    pub x: f64,
    pub y: f64,
}

/// One label: the first edge that carries it, its text, which end of it is at its
/// point, and its spots (`spots[first..end]`, the scene's point first).
#[derive(Clone, Debug)]
struct EdgeLabelText {
    edge: usize,
    text: String,
    anchor: LabelAnchor,
    spots: (u32, u32),
}

/// A point a label may be written at, and its room there.
#[derive(Clone, Debug)]
struct Spot {
    label: u32,
    x: f64,
    y: f64,
    room: TextRoom,
}

impl EdgeLabels {
    /// The labels of `scene`, whose shapes `shapes` indexes; `rooms` are its
    /// [`super::scene::label_rooms`]. Every spot and its room is found here, once:
    /// placing at a zoom then only compares boxes.
    pub fn new(scene: &Scene, shapes: &SpatialIndex, rooms: &[(usize, TextRoom)]) -> EdgeLabels {
        let mut placed = EdgeLabels {
            zoom: f64::NAN,
            ..EdgeLabels::default()
        };
        // The largest a label is drawn: grown as far as it may, as wide as its
        // whole text or its room.
        let grown = ENTRY_TEXT_SIZE * LABEL_MAX_GROWTH;
        let mut largest = Vec::new();
        for &(edge, room) in rooms {
            let Some(label) = &scene.edges[edge].label else {
                continue;
            };
            let position = placed.labels.len() as u32;
            let first = placed.spots.len() as u32;
            let whole = shown_ems(&label.text, usize::MAX) * grown;
            for (n_spot, (x, y, mut room)) in spots_along(scene, shapes, label, edge, room, whole)
                .into_iter()
                .enumerate()
            {
                let mut rect = text_box(x, y, whole / grown, grown, label.anchor);
                if rect.w > room.width {
                    rect.x += if label.anchor == LabelAnchor::Start {
                        0.0
                    } else {
                        rect.w - room.width
                    };
                    rect.w = room.width;
                }
                // A spot where the label could run into the title of a box it
                // lies over, at the largest both are drawn, is not used: titles
                // come first. Nor is a spot further along over any box: there the
                // label would hide what the box holds.
                for shape in shapes.query(&rect) {
                    let shape = &scene.shapes[shape];
                    if n_spot > 0 && shape.rect.overlaps(&rect) {
                        room.width = 0.0;
                    }
                    if let Some((title, x, y)) = super::scene::title_room(shape) {
                        let header = Rect {
                            x,
                            y,
                            w: title.width,
                            h: title.height,
                        };
                        if header.overlaps(&rect) {
                            room.width = 0.0;
                        }
                    }
                }
                // The scene's own point is kept, used or not: a label not drawn
                // stays there. Another spot is kept only if the label fits it at
                // its smallest.
                let fits = shown_chars(&label.text, &room, 1.0) > 0;
                if n_spot > 0 && !fits {
                    continue;
                }
                largest.push(if fits { rect } else { NOWHERE });
                placed.spots.push(Spot {
                    label: position,
                    x,
                    y,
                    room,
                });
            }
            placed.labels.push(EdgeLabelText {
                edge,
                text: label.text.clone(),
                anchor: label.anchor,
                spots: (first, placed.spots.len() as u32),
            });
        }
        let index = SpatialIndex::new(largest.clone(), 64.0);
        placed.near_start.push(0);
        for (spot, rect) in largest.iter().enumerate() {
            let label = placed.spots[spot].label;
            for other in index.query(rect) {
                if placed.spots[other].label != label && rect.overlaps(&largest[other]) {
                    placed.near.push(other as u32);
                }
            }
            placed.near_start.push(placed.near.len() as u32);
        }
        placed
    }

    /// Where each label is drawn at `zoom`, in the order of
    /// [`super::scene::label_rooms`]: at its own point where it is readable there
    /// ([`shown_chars`] of the room) and clear of the labels drawn before it, else
    /// at the first of its other spots where it is readable and clear of every
    /// label drawn; nowhere where Gateway and Route text is hidden or no spot will
    /// do. Computed again only when the zoom changed.
    pub fn place(&mut self, zoom: f64) -> &[Placement] {
        self.place_at(zoom);
        &self.placed
    }

    fn place_at(&mut self, zoom: f64) {
        if self.zoom == zoom {
            return;
        }
        self.zoom = zoom;
        self.placed.clear();
        self.boxes.clear();
        let size = drawn_size(ENTRY_TEXT_SIZE, zoom);
        for label in &self.labels {
            let own = &self.spots[label.spots.0 as usize];
            self.placed.push(Placement {
                n_chars: 0,
                x: own.x,
                y: own.y,
            });
            self.boxes
                .push(text_box(own.x, own.y, 0.0, size, label.anchor));
        }
        if entry_text(zoom) == TextLevel::Hidden {
            return;
        }
        // Every label at its own point first: a label moving along its edge
        // never takes the point of one drawn where the scene put it.
        for position in 0..self.labels.len() {
            let first = self.labels[position].spots.0;
            self.place_on(position, first..first + 1, size, zoom);
        }
        for position in 0..self.labels.len() {
            let (first, end) = self.labels[position].spots;
            if self.placed[position].n_chars == 0 {
                self.place_on(position, first + 1..end, size, zoom);
            }
        }
    }

    /// Draws the label at `position` at the first of `spots` where it is readable
    /// at `zoom` and overlaps no label drawn; leaves it undrawn if none will do.
    fn place_on(&mut self, position: usize, spots: std::ops::Range<u32>, size: f64, zoom: f64) {
        let label = &self.labels[position];
        for spot in spots {
            let Spot { x, y, room, .. } = &self.spots[spot as usize];
            let n_chars = shown_chars(&label.text, room, zoom);
            if n_chars == 0 {
                continue;
            }
            let ems = shown_ems(&label.text, n_chars);
            let candidate = text_box(*x, *y, ems, size, label.anchor);
            let (from, to) = (
                self.near_start[spot as usize] as usize,
                self.near_start[spot as usize + 1] as usize,
            );
            let clear = self.near[from..to].iter().all(|&other| {
                let other = self.spots[other as usize].label as usize;
                self.placed[other].n_chars == 0 || !candidate.overlaps(&self.boxes[other])
            });
            if clear {
                self.placed[position] = Placement {
                    n_chars,
                    x: *x,
                    y: *y,
                };
                self.boxes[position] = candidate;
                return;
            }
        }
    }

    /// The label at `position` (of [`EdgeLabels::place`]'s order), placed at
    /// `zoom`: the first edge that carries it, its text, which end of it is at its
    /// point, its box where it is drawn, and its placement.
    pub fn label(
        &mut self,
        position: usize,
        zoom: f64,
    ) -> (usize, &str, LabelAnchor, Rect, Placement) {
        self.place_at(zoom);
        let label = &self.labels[position];
        let (rect, placement) = (self.boxes[position], self.placed[position]);
        (label.edge, &label.text, label.anchor, rect, placement)
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// A box the spatial index leaves out: a spot no label is ever drawn at.
const NOWHERE: Rect = Rect {
    x: f64::NAN,
    y: f64::NAN,
    w: 0.0,
    h: 0.0,
};

/// The spots of `label`, carried by `edge`, with its room at each: its own point
/// (where its `room` was measured); then, going along the edge's curve away from
/// the end the label is written by, [`N_STEPS`] spots at least [`SPOT_STEP`]
/// apart; then, at each of the first [`N_EXITS`] places where the curve comes out
/// of the boxes it runs over, its first point out, and [`N_GUTTER_STEPS`] steps
/// after it. Points of the curve inside a box are passed over (a label there
/// would cover the box). A label stays as high above the curve as its own point
/// is above its end, so the curve runs just under it or through it. The rooms
/// further along are measured no further than `whole` (the label at its largest)
/// reaches.
fn spots_along(
    scene: &Scene,
    shapes: &SpatialIndex,
    label: &super::scene::EdgeLabel,
    edge: usize,
    room: TextRoom,
    whole: f64,
) -> Vec<(f64, f64, TextRoom)> {
    let mut spots = vec![(label.x, label.y, room)];
    let mut points = curve_points(&scene.edges[edge].path);
    if label.anchor == LabelAnchor::End {
        points.reverse();
    }
    let Some(&(_, y0)) = points.first() else {
        return spots;
    };
    let dy = label.y - y0;
    let reach = whole + 2.0 * ENTRY_TEXT_SIZE;
    let (mut walked, mut last_spot) = (0.0, 0.0);
    let (mut n_steps, mut n_exits, mut was_inside) = (N_STEPS, 0, false);
    for piece in points.windows(2) {
        let [(ax, ay), (x, y)] = [piece[0], piece[1]];
        walked += (x - ax).hypot(y - ay);
        let inside = !shapes.at(x, y).is_empty();
        if inside {
            was_inside = true;
            continue;
        }
        if was_inside && n_exits < N_EXITS {
            n_exits += 1;
            n_steps = N_GUTTER_STEPS + 1;
            last_spot = f64::NEG_INFINITY;
        }
        was_inside = false;
        if n_steps > 0 && walked - last_spot >= SPOT_STEP {
            n_steps -= 1;
            last_spot = walked;
            let point = (x, y + dy);
            let room =
                super::scene::label_room_at(scene, shapes, point, label.anchor, room.fit, reach);
            spots.push((x, point.1, room));
        }
    }
    spots
}

/// The point halfway along an edge's path, as the scene writes it: where the
/// keyboard's tooltip for the edge stands (§13.13). `None` for a path with no
/// point.
pub fn edge_midpoint(path: &str) -> Option<(f64, f64)> {
    let points = curve_points(path);
    let lengths: Vec<f64> = points
        .windows(2)
        .map(|w| (w[1].0 - w[0].0).hypot(w[1].1 - w[0].1))
        .collect();
    let mut left = lengths.iter().sum::<f64>() / 2.0;
    for (segment, length) in lengths.iter().enumerate() {
        if left <= *length && *length > 0.0 {
            let (a, b) = (points[segment], points[segment + 1]);
            let t = left / length;
            return Some((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t));
        }
        left -= length;
    }
    points.first().copied()
}

/// The points of a labelled edge's path as the scene writes it (`M` then cubic
/// `C` segments, each `x,y` pair one token), each cubic flattened into
/// [`SPOT_SEGMENTS`] pieces.
fn curve_points(path: &str) -> Vec<(f64, f64)> {
    let corners: Vec<(f64, f64)> = path
        .split(' ')
        .filter_map(|token| {
            let (x, y) = token
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .split_once(',')?;
            Some((x.parse().ok()?, y.parse().ok()?))
        })
        .collect();
    let mut points = corners.first().copied().into_iter().collect::<Vec<_>>();
    for cubic in corners.get(1..).unwrap_or_default().chunks_exact(3) {
        let start = points[points.len() - 1];
        let n = SPOT_SEGMENTS;
        for step in 1..=n {
            let t = step as f64 / n as f64;
            let u = 1.0 - t;
            let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
            points.push((
                a * start.0 + b * cubic[0].0 + c * cubic[1].0 + d * cubic[2].0,
                a * start.1 + b * cubic[0].1 + c * cubic[1].1 + d * cubic[2].1,
            ));
        }
    }
    points
}

/// A character's width in ems, as wide as DejaVu Sans Bold draws it (the widest
/// sans-serif the app meets, and its titles are semibold): lower-case letters
/// one by one, digits, capitals and narrow punctuation by their widest, anything
/// else a full em.
pub fn em_width(character: char) -> f64 {
    const LOWER: &[u8; 26] = &[
        68, 72, 60, 72, 68, 44, 72, 72, 35, 35, 67, 35, 105, 72, 69, 72, 72, 50, 60, 48, 72, 66,
        93, 65, 66, 59,
    ];
    f64::from(match character {
        'a'..='z' => LOWER[character as usize - 'a' as usize],
        '0'..='9' => 70,
        'A'..='Z' => 86,
        ' ' | '.' | ',' | ':' | ';' | '/' | '\'' | '|' | '!' | '·' => 40,
        '-' | '(' | ')' | '[' | ']' | '*' | '_' => 52,
        _ => 100,
    }) / 100.0
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

    fn add_all(&mut self, other: &Health) {
        self.ready += other.ready;
        self.not_ready += other.not_ready;
        self.terminating += other.terminating;
        self.pending += other.pending;
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
    /// A workload group inside a node box (the cluster view), or a workload box
    /// (the logical view).
    Workload,
}

/// What the user collapses into tiles and expands again, named by identity rather
/// than by position, so that the choice survives a new analysis and an edit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Aggregate {
    Namespace(String),
    Node(String),
    /// A workload (its top-level controller), or a bare pod as `Pod/name`.
    Workload {
        namespace: String,
        workload: KindRef,
    },
    /// Every workload of a namespace whose pods carry this app label
    /// ([`APP_LABELS`]).
    App {
        namespace: String,
        app: String,
    },
}

/// The aggregate of one namespace island, node box or workload box.
#[derive(Clone, Debug, PartialEq)]
pub struct Tile {
    pub kind: TileKind,
    /// What collapsing this tile collapses: the namespace, the node, or the workload.
    pub aggregate: Aggregate,
    /// The app of a workload tile: collapsing it collapses every tile of the app.
    pub app: Option<Aggregate>,
    /// Its position in [`Scene::shapes`].
    pub shape: usize,
    pub rect: Rect,
    /// Services in the island; 0 for a node or a workload.
    pub n_services: usize,
    /// Workload groups in the node; workloads with pods in the namespace.
    pub n_workloads: usize,
    pub pods: Health,
    /// Connections dropped or rejected here (see [`add_drops`]).
    pub n_drops: u64,
    /// The worst diagnostic on anything inside.
    pub worst: Option<Severity>,
    /// The Services whose drops count here: those of the island, or those the
    /// workload's pods are endpoints of.
    services: Vec<NamespacedName>,
}

impl Tile {
    /// The scene id of the island, node or workload group (`ns:…`, `node:…`,
    /// `grp:…`, `wl:…`) in `scene`, the scene it was made from. Read from its shape,
    /// as its name is: a hundred thousand tiles need not copy them.
    pub fn id<'s>(&self, scene: &'s Scene) -> &'s str {
        &scene.shapes[self.shape].id
    }

    /// The name of the island, node or workload in `scene`.
    pub fn label<'s>(&self, scene: &'s Scene) -> &'s str {
        &scene.shapes[self.shape].label
    }

    /// Which of its aggregates keeps the tile closed, if one does: the tile's own
    /// (by hand, or by the zoom for islands and nodes), else its app's.
    pub fn collapsed_by(&self, collapse: &Collapse, zoom: f64) -> Option<&Aggregate> {
        std::iter::once(&self.aggregate)
            .chain(&self.app)
            .find(|aggregate| collapse.is_collapsed(aggregate, zoom))
    }
}

/// The tiles of `scene`, in scene order: one per namespace island, node box and
/// workload group (or workload box in the logical view). A pod's state is read
/// from its chip's class, which is the [`Readiness`] the scene drew (or `pending`
/// for a pod no node runs); a logical workload box counts its pods in `topology`,
/// which also gives each workload's app label.
pub fn tiles(scene: &Scene, topology: &Topology) -> Vec<Tile> {
    pause::finish(tiles_pausable(scene, topology, &Pause::never()))
}

/// [`tiles`], pausing between pods and between shapes when `pause` says so.
///
/// At 100,000 pods there are as many tiles and twice as many shapes, so nothing is
/// looked up by id where a position will do: a pod chip's group and node are its
/// parents by position, a run of pods of one workload makes its id once, a run of
/// chips of one namespace finds its island once, and a Service's name is read once
/// per tile that counts it.
pub async fn tiles_pausable(scene: &Scene, topology: &Topology, pause: &Pause<'_>) -> Vec<Tile> {
    // Each workload's app label and, for the logical view, its pods' health, by the
    // workload's key (its scene id without `wl:`). A controller's pods come one after another.
    let mut by_id: HashMap<String, u32, FnvBuildHasher> = HashMap::default();
    let mut workloads: Vec<(Option<&str>, Health)> = Vec::new();
    let mut run: Option<(&str, &KindRef, usize)> = None;
    for pod in &topology.cluster.pods {
        pause.point().await;
        let index = match (run, &pod.workload) {
            (Some((namespace, last, index)), Some(workload))
                if namespace == pod.namespace && last == workload =>
            {
                index
            }
            _ => {
                let key = match &pod.workload {
                    Some(workload) => scene::workload_key(&pod.namespace, workload),
                    None => scene::workload_key(&pod.namespace, &KindRef::new("Pod", &pod.name)),
                };
                match by_id.get(&key) {
                    Some(&index) => index as usize,
                    None => {
                        by_id.insert(key, workloads.len() as u32);
                        workloads.push((app_of(&pod.labels), Health::default()));
                        workloads.len() - 1
                    }
                }
            }
        };
        run = pod
            .workload
            .as_ref()
            .map(|workload| (pod.namespace.as_str(), workload, index));
        let readiness = pod
            .node
            .is_some()
            .then(|| Readiness::of(pod.terminating, pod.ready));
        workloads[index].1.add(readiness);
    }
    let n_tiles = scene
        .shapes
        .iter()
        .filter(|shape| {
            matches!(
                id_kind(&shape.id),
                Some(IdKind::Namespace | IdKind::Node | IdKind::Workload | IdKind::WorkloadGroup)
            )
        })
        .count();
    let mut tiles: Vec<Tile> = Vec::with_capacity(n_tiles);
    // The tile of each shape position that is an island, a node or a workload.
    let mut tile_at: Vec<Option<usize>> = vec![None; scene.shapes.len()];
    for (position, shape) in scene.shapes.iter().enumerate() {
        pause.point().await;
        let Some((kind, key)) = parse_id(&shape.id) else {
            continue;
        };
        let (kind, aggregate, app, pods) = match kind {
            IdKind::Namespace => (
                TileKind::Namespace,
                Aggregate::Namespace(key.to_string()),
                None,
                Health::default(),
            ),
            IdKind::Node => (
                TileKind::Node,
                Aggregate::Node(key.to_string()),
                None,
                Health::default(),
            ),
            IdKind::Workload | IdKind::WorkloadGroup => {
                let key = if kind == IdKind::Workload {
                    Some(key)
                } else {
                    scene::group_workload_key(shape)
                };
                let Some((key, (namespace, workload))) =
                    key.and_then(|key| Some((key, split_workload(key)?)))
                else {
                    continue;
                };
                let (app, health) = by_id
                    .get(key)
                    .map_or((None, Health::default()), |&i| workloads[i as usize]);
                let app = app.map(|app| Aggregate::App {
                    namespace: namespace.to_string(),
                    app: app.to_string(),
                });
                // A logical workload box has no chips inside: its pods are counted
                // here; a workload group counts its chips below.
                let pods = if kind == IdKind::Workload {
                    health
                } else {
                    Health::default()
                };
                (
                    TileKind::Workload,
                    Aggregate::Workload {
                        namespace: namespace.to_string(),
                        workload,
                    },
                    app,
                    pods,
                )
            }
            _ => continue,
        };
        tile_at[position] = Some(tiles.len());
        tiles.push(Tile {
            kind,
            aggregate,
            app,
            shape: position,
            rect: shape.rect,
            n_services: 0,
            n_workloads: 0,
            pods,
            n_drops: 0,
            worst: shape.badge,
            services: Vec::new(),
        });
    }
    let tile_of = |position: Option<usize>| position.and_then(|p| tile_at[p]);
    let kind_at = |position: usize| id_kind(&scene.shapes[position].id);
    // (namespace tile, workload) pairs, counted once each at the end.
    let mut namespace_workloads: Vec<(usize, &str)> = Vec::new();
    let mut island: Option<(&str, Option<usize>)> = None;
    for (position, shape) in scene.shapes.iter().enumerate() {
        pause.point().await;
        let Some((kind, key)) = parse_id(&shape.id) else {
            continue;
        };
        let parent = scene.parent_index(position);
        let mut touched: [Option<usize>; 3] = [None, None, None];
        match kind {
            IdKind::Service | IdKind::WorkloadGroup => {
                touched[0] = tile_of(parent);
                if let Some(tile) = touched[0] {
                    if kind == IdKind::Service {
                        tiles[tile].n_services += 1;
                        tiles[tile].services.extend(NamespacedName::parse(key));
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
                let group = parent.filter(|&p| kind_at(p) == Some(IdKind::WorkloadGroup));
                let node = parent.and_then(|p| match kind_at(p) {
                    Some(IdKind::Node) => Some(p),
                    _ => scene.parent_index(p),
                });
                let namespace_tile = match island {
                    Some((last, tile)) if last == namespace => tile,
                    _ => namespace_tile(scene, &tile_at, namespace),
                };
                island = Some((namespace, namespace_tile));
                touched = [tile_of(node), namespace_tile, tile_of(group)];
                for tile in touched.into_iter().flatten() {
                    tiles[tile].pods.add(state);
                }
                if let (Some(tile), Some(group)) = (namespace_tile, group) {
                    let group = scene.shapes[group].id.as_str();
                    namespace_workloads
                        .push((tile, group.rsplit_once(':').map_or(group, |(_, w)| w)));
                }
            }
            // A logical workload box, which draws no chips: its pods count for its
            // namespace's island too, wherever the box stands.
            IdKind::Workload => {
                let (Some(tile), Some((namespace, _))) = (tile_at[position], key.split_once('/'))
                else {
                    continue;
                };
                let namespace_tile = namespace_tile(scene, &tile_at, namespace);
                if let Some(island) = namespace_tile.filter(|_| tiles[tile].pods.total() > 0) {
                    let pods = tiles[tile].pods;
                    tiles[island].pods.add_all(&pods);
                    namespace_workloads.push((island, key));
                }
                touched[1] = namespace_tile;
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
    namespace_workloads.sort_compact();
    namespace_workloads.dedup();
    for (tile, _) in namespace_workloads {
        tiles[tile].n_workloads += 1;
    }
    // The Services a workload's pods are endpoints of: edges from a Service to a pod
    // in a workload group, or to a workload box. A run of edges from one Service to
    // one tile reads its name once.
    let mut last: Option<(usize, &str)> = None;
    for edge in &scene.edges {
        pause.point().await;
        let Some((IdKind::Service, service)) = parse_id(&edge.from) else {
            continue;
        };
        let Some(target) = scene.shape_index(&edge.to) else {
            continue;
        };
        let tile = tile_at[target].or_else(|| {
            let parent = scene.parent_index(target)?;
            (kind_at(parent) == Some(IdKind::WorkloadGroup))
                .then(|| tile_at[parent])
                .flatten()
        });
        let Some(tile) = tile.filter(|&tile| tiles[tile].kind == TileKind::Workload) else {
            continue;
        };
        if last != Some((tile, service)) {
            last = Some((tile, service));
            if let Some(service) = NamespacedName::parse(service) {
                tiles[tile].services.push(service);
            }
        }
    }
    for tile in &mut tiles {
        tile.services.sort_compact();
        tile.services.dedup();
    }
    tiles
}

/// The tile of namespace island `namespace`, if the scene draws one.
fn namespace_tile(scene: &Scene, tile_at: &[Option<usize>], namespace: &str) -> Option<usize> {
    let id = super::scene::namespace_id(namespace);
    scene.shape_index(&id).and_then(|p| tile_at[p])
}

/// A workload id (`wl:namespace/Kind/name`) as its namespace and workload.
fn workload_key(id: &str) -> Option<(&str, KindRef)> {
    let (IdKind::Workload, key) = parse_id(id)? else {
        return None;
    };
    split_workload(key)
}

/// A workload's key (`namespace/Kind/name`) as its namespace and workload.
fn split_workload(key: &str) -> Option<(&str, KindRef)> {
    let (namespace, workload) = key.split_once('/')?;
    Some((namespace, KindRef::parse(workload)?))
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

/// The drops of each of `tiles`, as [`add_drops`] counts them, into `drops` (one
/// per tile), for a shell that shares the tiles and keeps their drops apart. Says
/// whether any changed.
pub fn count_drops(tiles: &[Tile], counters: &Counters, drops: &mut Vec<u64>) -> bool {
    drops.resize(tiles.len(), 0);
    let mut changed = false;
    for (tile, n_drops) in tiles.iter().zip(drops.iter_mut()) {
        let now = drops_of(tile, counters);
        changed |= *n_drops != now;
        *n_drops = now;
    }
    changed
}

/// Sets each tile's drops from the simulator's counters (§13.2): a node's are the
/// connections that ended dropped or rejected on it; an island's and a workload's
/// are those of the Services it holds or serves. Returns whether any tile's drops
/// changed, that is, whether a picture of the tiles must be drawn again.
pub fn add_drops(tiles: &mut [Tile], counters: &Counters) -> bool {
    let mut changed = false;
    for tile in tiles {
        let n_drops = drops_of(tile, counters);
        changed |= tile.n_drops != n_drops;
        tile.n_drops = n_drops;
    }
    changed
}

fn drops_of(tile: &Tile, counters: &Counters) -> u64 {
    let bad = |counts: &super::sim::VerdictCounts| counts.dropped + counts.rejected;
    match &tile.aggregate {
        Aggregate::Node(name) => counters.per_node.get(name).map_or(0, bad),
        _ => tile
            .services
            .iter()
            .filter_map(|service| counters.per_service.get(service))
            .map(bad)
            .sum(),
    }
}

/// Where a tile drawn `on_screen` (in screen pixels) writes its text, as far as its
/// size allows (§13.2): its name along the top, its counts under it, and its drops
/// at its top right (or a dot at its bottom right). The canvas writes them there,
/// and marks laid over the picture keep off them ([`texts_on_screen`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TileText {
    pub name: Option<Rect>,
    pub counts: Option<Rect>,
    pub drops: Option<Rect>,
}

/// Text on tiles is inset this far, at most an eighth of the tile's width.
pub const TILE_PAD: f64 = 4.0;

pub fn tile_text(on_screen: Rect, n_drops: u64) -> TileText {
    let Rect { x, y, w, h } = on_screen;
    let pad = TILE_PAD.min(w / 8.0);
    let row = |top: f64, height: f64| Rect {
        x: x + pad,
        y: y + top,
        w: w - 2.0 * pad,
        h: height,
    };
    let name = (w >= 40.0 && h >= 16.0).then(|| row(2.0, 13.0));
    let counts = (w >= 40.0 && h >= 30.0).then(|| row(16.0, 12.0));
    let drops = (n_drops > 0).then(|| {
        let label_w = drops_label(n_drops).len() as f64 * 6.0 + 6.0;
        if w >= label_w + 8.0 && h >= 14.0 {
            Rect {
                x: x + w - label_w - 4.0,
                y: y + 2.0,
                w: label_w,
                h: 13.0,
            }
        } else {
            Rect {
                x: x + w - 7.5,
                y: y + h - 7.5,
                w: 7.0,
                h: 7.0,
            }
        }
    });
    TileText {
        name,
        counts,
        drops,
    }
}

/// "12 dropped".
pub fn drops_label(n_drops: u64) -> String {
    format!("{n_drops} dropped")
}

/// The boxes, in screen pixels, where the picture writes text at these `levels`
/// ([`shape_levels`]): the title of each shape drawn as itself
/// ([`super::scene::title_box`]) and, with `second_rows` and while the zoom draws
/// them, its second row ([`super::scene::sublabel_box`], which the drop markers'
/// reasons keep off), and the name, counts and drops of each tile
/// ([`tile_text`], its drops from `counters`); a shape inside a tile writes none.
/// The trace's badges and the policies' port labels keep off them (§13.5).
pub fn texts_on_screen(
    scene: &Scene,
    tiles: &[Tile],
    levels: &[Level],
    counters: &Counters,
    screen: Screen,
    second_rows: bool,
) -> Vec<Rect> {
    let mut texts = Vec::new();
    // Second rows count only while the zoom draws them.
    let second_rows = second_rows && small_text(screen.k) != TextLevel::Hidden;
    for (position, shape) in scene.shapes.iter().enumerate() {
        match levels.get(position).copied().unwrap_or(Level::Detail) {
            Level::Detail => {
                texts.extend(super::scene::title_box(shape).map(|t| screen.rect(&t)));
                if second_rows {
                    texts.extend(super::scene::sublabel_box(shape).map(|t| screen.rect(&t)));
                }
            }
            Level::Tile => {
                let Some(tile) = tile_at(tiles, position) else {
                    continue;
                };
                let text = tile_text(screen.rect(&tile.rect), drops_of(tile, counters));
                texts.extend([text.name, text.counts, text.drops].into_iter().flatten());
            }
            Level::Hidden => {}
        }
    }
    texts
}

/// Which tiles the user opened or closed by hand; islands and nodes otherwise
/// follow the zoom ([`TILE_BELOW_ZOOM`]), and workloads and apps stay open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collapse {
    /// Each aggregate chosen by hand and whether it is closed, sorted by aggregate:
    /// a handful of entries, searched by bisection.
    chosen: Vec<(Aggregate, bool)>,
}

impl Collapse {
    pub fn is_collapsed(&self, aggregate: &Aggregate, zoom: f64) -> bool {
        match self.chosen.binary_search_by(|(a, _)| a.cmp(aggregate)) {
            Ok(i) => self.chosen[i].1,
            Err(_) => {
                matches!(aggregate, Aggregate::Namespace(_) | Aggregate::Node(_))
                    && zoom < TILE_BELOW_ZOOM
            }
        }
    }

    /// Opens (`false`) or closes (`true`) one aggregate.
    pub fn set(&mut self, aggregate: &Aggregate, collapsed: bool) {
        match self.chosen.binary_search_by(|(a, _)| a.cmp(aggregate)) {
            Ok(i) => self.chosen[i].1 = collapsed,
            Err(i) => self.chosen.insert(i, (aggregate.clone(), collapsed)),
        }
    }

    pub fn toggle(&mut self, aggregate: &Aggregate, zoom: f64) {
        let collapsed = self.is_collapsed(aggregate, zoom);
        self.set(aggregate, !collapsed);
    }

    /// Closes or opens every namespace and node tile of `tiles`; workloads and apps
    /// go back to open.
    pub fn set_all(&mut self, tiles: &[Tile], collapsed: bool) {
        self.chosen.clear();
        for tile in tiles.iter().filter(|t| t.kind != TileKind::Workload) {
            self.set(&tile.aggregate, collapsed);
        }
    }

    /// Forgets what the user chose: islands and nodes follow the zoom again, and
    /// workloads and apps are open.
    pub fn follow_zoom(&mut self) {
        self.chosen.clear();
    }

    /// Whether anything is a tile at this zoom: zoomed out past [`TILE_BELOW_ZOOM`],
    /// or closed by hand. The web app draws tiles on its canvas, so it uses the
    /// canvas whenever this holds, whatever the size of the picture.
    pub fn shows_tiles(&self, zoom: f64) -> bool {
        zoom < TILE_BELOW_ZOOM || self.chosen.iter().any(|(_, collapsed)| *collapsed)
    }
}

/// The app a pod's labels name: the first of [`APP_LABELS`] it carries.
fn app_of(labels: &super::selector::Labels) -> Option<&str> {
    APP_LABELS
        .iter()
        .find_map(|label| labels.get(*label))
        .map(String::as_str)
}

impl Aggregate {
    /// `namespace`, `node`, `workload` or `app`: what the app's controls are named after.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Aggregate::Namespace(_) => "namespace",
            Aggregate::Node(_) => "node",
            Aggregate::Workload { .. } => "workload",
            Aggregate::App { .. } => "app",
        }
    }
}

impl std::fmt::Display for Aggregate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Aggregate::Namespace(name) => write!(f, "namespace {name}"),
            Aggregate::Node(name) => write!(f, "node {name}"),
            Aggregate::Workload {
                namespace,
                workload,
            } => write!(f, "workload {namespace}/{workload}"),
            Aggregate::App { namespace, app } => write!(f, "app {app} in {namespace}"),
        }
    }
}

/// What the user can collapse from the selected object `id` (a scene id), by
/// keyboard or from the details panel: a namespace island or a node itself; for a
/// workload or a pod, its workload and then, if its pods carry one, its app.
pub fn aggregates_of(topology: &Topology, id: &str) -> Vec<Aggregate> {
    let pod_of = |namespace: &str, workload: &KindRef| {
        topology.cluster.pods.iter().find(|pod| {
            pod.namespace == namespace
                && match &pod.workload {
                    Some(owner) => owner == workload,
                    None => workload.kind == "Pod" && workload.name == pod.name,
                }
        })
    };
    let (namespace, workload, pod) = match parse_id(id) {
        Some((IdKind::Namespace, key)) => return vec![Aggregate::Namespace(key.to_string())],
        Some((IdKind::Node, key)) => return vec![Aggregate::Node(key.to_string())],
        Some((IdKind::Workload, _)) => {
            let Some((namespace, workload)) = workload_key(id) else {
                return Vec::new();
            };
            let pod = pod_of(namespace, &workload);
            (namespace.to_string(), workload, pod)
        }
        Some((IdKind::Pod, key)) => {
            let Some(key) = NamespacedName::parse(key) else {
                return Vec::new();
            };
            let Some(pod) = topology
                .cluster
                .pods
                .iter()
                .find(|pod| pod.namespace == key.namespace && pod.name == key.name)
            else {
                return Vec::new();
            };
            let workload = pod
                .workload
                .clone()
                .unwrap_or_else(|| KindRef::new("Pod", &pod.name));
            (key.namespace, workload, Some(pod))
        }
        _ => return Vec::new(),
    };
    let app = pod
        .and_then(|pod| app_of(&pod.labels))
        .map(|app| Aggregate::App {
            namespace: namespace.clone(),
            app: app.to_string(),
        });
    std::iter::once(Aggregate::Workload {
        namespace,
        workload,
    })
    .chain(app)
    .collect()
}

/// The tile of the shape at `position` of the scene, if that shape is one.
pub fn tile_at(tiles: &[Tile], position: usize) -> Option<&Tile> {
    tiles
        .binary_search_by_key(&position, |t| t.shape)
        .ok()
        .map(|i| &tiles[i])
}

/// How one shape is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Drawn as itself.
    Detail,
    /// Drawn as an aggregate tile (a collapsed island, node or workload).
    Tile,
    /// Inside a collapsed tile: not drawn.
    Hidden,
}

/// [`shape_levels`] of one scene, kept while they hold: they change only with the
/// tiles collapsed by hand and the zoom band ([`TILE_BELOW_ZOOM`]), so the frames
/// of a pan or a zoom within a band reuse them instead of passing over every shape.
/// Reads as the levels, in scene order.
#[derive(Default)]
pub struct LevelsCache {
    levels: Vec<Level>,
    key: Option<(Collapse, bool)>,
    generation: u64,
}

impl LevelsCache {
    /// Recomputes the levels if `collapse` or the zoom band changed since the last
    /// call.
    pub fn update(&mut self, scene: &Scene, tiles: &[Tile], collapse: &Collapse, zoom: f64) {
        let key = (collapse.clone(), zoom < TILE_BELOW_ZOOM);
        if self.key.as_ref() != Some(&key) {
            self.levels = shape_levels(scene, tiles, collapse, zoom);
            self.key = Some(key);
            self.generation += 1;
        }
    }

    /// How many times the levels were computed: what was placed at one generation
    /// still holds while it lasts, without comparing the levels shape by shape.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

impl std::ops::Deref for LevelsCache {
    type Target = [Level];
    fn deref(&self) -> &[Level] {
        &self.levels
    }
}

/// The level of every shape of `scene`, by position, for this zoom and choice;
/// `tiles` are the scene's [`tiles`].
pub fn shape_levels(scene: &Scene, tiles: &[Tile], collapse: &Collapse, zoom: f64) -> Vec<Level> {
    let mut levels = vec![Level::Detail; scene.shapes.len()];
    let mut tile_at: Vec<Option<&Tile>> = vec![None; scene.shapes.len()];
    for tile in tiles {
        if let Some(slot) = tile_at.get_mut(tile.shape) {
            *slot = Some(tile);
        }
    }
    // Parents come before their children in the scene, so one pass suffices.
    for position in 0..scene.shapes.len() {
        let parent_level = scene
            .parent_index(position)
            .filter(|&p| p < position)
            .map(|p| levels[p]);
        levels[position] = match parent_level {
            Some(Level::Tile | Level::Hidden) => Level::Hidden,
            _ if tile_at[position].is_some_and(|t| t.collapsed_by(collapse, zoom).is_some()) => {
                Level::Tile
            }
            _ => Level::Detail,
        };
    }
    levels
}
