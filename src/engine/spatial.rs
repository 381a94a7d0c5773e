//! A spatial index over the scene: which shapes and edges lie in a rectangle (what a
//! viewport must draw) and which shape is under a point (what a click or a hover
//! hits). The web app draws the dense layers on a canvas, so it hit-tests here
//! instead of through the DOM.
//!
//! A uniform grid of buckets over the scene's extent. Items are numbered by their
//! position in [`Scene::shapes`] or [`Scene::edges`]; queries return positions in
//! ascending order, which is also drawing order, so results are deterministic and a
//! point query can return the topmost shape.

use super::scene::{Rect, Scene, Shape};
use crate::engine::sort::SortCompact;

/// Items that would cover more buckets than this are kept in a short list that
/// every query scans instead (long edges across the picture).
const MAX_BUCKETS_PER_ITEM: usize = 64;
/// At most this many buckets along each side of the grid.
const MAX_BUCKETS_PER_SIDE: usize = 512;

#[derive(Clone, Debug, Default)]
pub struct SpatialIndex {
    origin: (f64, f64),
    cell: f64,
    columns: usize,
    rows: usize,
    buckets: Vec<Vec<u32>>,
    /// Items too large for the buckets.
    large: Vec<u32>,
    rects: Vec<Rect>,
}

impl SpatialIndex {
    /// Indexes `rects`, numbered by position, in buckets about `cell` units wide.
    pub fn new(rects: Vec<Rect>, cell: f64) -> SpatialIndex {
        let (mut min_x, mut min_y, mut max_x, mut max_y) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
        for rect in rects.iter().filter(|r| is_finite(r)) {
            min_x = min_x.min(rect.x);
            min_y = min_y.min(rect.y);
            max_x = max_x.max(rect.x + rect.w);
            max_y = max_y.max(rect.y + rect.h);
        }
        let extent = (max_x - min_x).max(max_y - min_y).max(1.0);
        let cell = cell.max(extent / MAX_BUCKETS_PER_SIDE as f64).max(1.0);
        let columns = (((max_x - min_x) / cell).floor() as usize + 1).min(MAX_BUCKETS_PER_SIDE + 1);
        let rows = (((max_y - min_y) / cell).floor() as usize + 1).min(MAX_BUCKETS_PER_SIDE + 1);
        let mut index = SpatialIndex {
            origin: (min_x, min_y),
            cell,
            columns,
            rows,
            buckets: vec![Vec::new(); columns * rows],
            large: Vec::new(),
            rects,
        };
        for position in 0..index.rects.len() {
            let rect = index.rects[position];
            if !is_finite(&rect) {
                continue;
            }
            let (c0, r0, c1, r1) = index.span(&rect);
            if (c1 - c0 + 1) * (r1 - r0 + 1) > MAX_BUCKETS_PER_ITEM {
                index.large.push(position as u32);
                continue;
            }
            for row in r0..=r1 {
                for column in c0..=c1 {
                    index.buckets[row * columns + column].push(position as u32);
                }
            }
        }
        index
    }

    /// Frees up to `n` of the buckets, the last first; false once none are left.
    /// A large index is tens of thousands of small lists, and freeing them all in
    /// one task is felt: the page frees the index of a picture it replaced a step
    /// at a time. A shed index must not be queried again: [`Self::query`] reads
    /// its buckets by position.
    pub fn shed_buckets(&mut self, n: usize) -> bool {
        let len = self.buckets.len();
        self.buckets.truncate(len.saturating_sub(n));
        len > 0
    }

    /// Indexes the shapes of `scene`.
    pub fn of_shapes(scene: &Scene) -> SpatialIndex {
        SpatialIndex::new(scene.shapes.iter().map(|s: &Shape| s.rect).collect(), 256.0)
    }

    /// Indexes the edges of `scene` by the box around their two ends, given by
    /// position ([`edge_ends`](super::scene::edge_ends)).
    pub fn of_edges(scene: &Scene, ends: &[Option<(usize, usize)>]) -> SpatialIndex {
        let rects = ends
            .iter()
            .map(|ends| {
                match ends.map(|(a, b)| (&scene.shapes[a], &scene.shapes[b])) {
                    Some((a, b)) => union(&a.rect, &b.rect),
                    // An edge without both ends is drawn nowhere.
                    _ => Rect {
                        x: f64::NAN,
                        y: f64::NAN,
                        w: 0.0,
                        h: 0.0,
                    },
                }
            })
            .collect();
        SpatialIndex::new(rects, 256.0)
    }

    pub fn len(&self) -> usize {
        self.rects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rects.is_empty()
    }

    /// The rectangle item `position` was indexed with.
    pub fn rect(&self, position: usize) -> Option<&Rect> {
        self.rects.get(position)
    }

    /// Positions of the items whose rectangle overlaps `area` (or touches it), in
    /// ascending order.
    pub fn query(&self, area: &Rect) -> Vec<usize> {
        let mut found: Vec<usize> = Vec::new();
        if !is_finite(area) {
            return found;
        }
        let (c0, r0, c1, r1) = self.span(area);
        for row in r0..=r1 {
            for column in c0..=c1 {
                for &position in &self.buckets[row * self.columns + column] {
                    if touches(&self.rects[position as usize], area) {
                        found.push(position as usize);
                    }
                }
            }
        }
        found.extend(
            self.large
                .iter()
                .map(|&p| p as usize)
                .filter(|&p| touches(&self.rects[p], area)),
        );
        in_order(found, self.rects.len())
    }

    /// Positions of the items containing the point, in ascending order (the last is
    /// drawn on top).
    pub fn at(&self, x: f64, y: f64) -> Vec<usize> {
        self.query(&Rect {
            x,
            y,
            w: 0.0,
            h: 0.0,
        })
        .into_iter()
        .filter(|&p| contains(&self.rects[p], x, y))
        .collect()
    }

    /// The grid cells (column and row ranges, inclusive) that `rect` covers, clamped
    /// to the grid.
    fn span(&self, rect: &Rect) -> (usize, usize, usize, usize) {
        let cell = |v: f64, origin: f64, n: usize| -> usize {
            let i = ((v - origin) / self.cell).floor();
            if i <= 0.0 {
                0
            } else {
                (i as usize).min(n - 1)
            }
        };
        (
            cell(rect.x, self.origin.0, self.columns),
            cell(rect.y, self.origin.1, self.rows),
            cell(rect.x + rect.w, self.origin.0, self.columns),
            cell(rect.y + rect.h, self.origin.1, self.rows),
        )
    }
}

/// `found` (positions below `n`, some found in more than one cell) in ascending
/// order, once each. A view of a whole large picture finds most of its items: they
/// are marked in a bitmap and read back in order, in time linear in `n`, where
/// sorting them is not (every frame of a zoomed-out canvas asks for them).
fn in_order(mut found: Vec<usize>, n: usize) -> Vec<usize> {
    if found.len() < n / 16 {
        found.sort_compact();
        found.dedup();
        return found;
    }
    let mut marks = vec![0u64; n.div_ceil(64)];
    for &position in &found {
        marks[position / 64] |= 1 << (position % 64);
    }
    found.clear();
    for (word, mut bits) in marks.into_iter().enumerate() {
        while bits != 0 {
            found.push(word * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
    found
}

fn is_finite(rect: &Rect) -> bool {
    rect.x.is_finite() && rect.y.is_finite() && rect.w.is_finite() && rect.h.is_finite()
}

/// Whether two rectangles overlap or share an edge.
fn touches(a: &Rect, b: &Rect) -> bool {
    a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h
}

fn contains(rect: &Rect, x: f64, y: f64) -> bool {
    x >= rect.x && x <= rect.x + rect.w && y >= rect.y && y <= rect.y + rect.h
}

/// The smallest rectangle holding both.
pub fn union(a: &Rect, b: &Rect) -> Rect {
    let (x, y) = (a.x.min(b.x), a.y.min(b.y));
    Rect {
        x,
        y,
        w: (a.x + a.w).max(b.x + b.w) - x,
        h: (a.y + a.h).max(b.y + b.h) - y,
    }
}
