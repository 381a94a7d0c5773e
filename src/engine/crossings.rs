//! Counting edge crossings in a drawing: the measure the layer ordering of
//! [`super::layer_order`] is judged by.
//!
//! Two edges *cross* when their drawn curves properly intersect somewhere and they
//! have no end in common: edges that meet at a shape they both touch (a Service and
//! two of its pods, a fan of dependencies out of one workload) do not count, however
//! they overlap near it. A pair counts once, however many times its curves cross.
//!
//! Curves are read from SVG path data as the scene writes it (absolute `M`, `L` and
//! `C` commands), and each cubic segment is flattened into [`SEGMENTS_PER_CUBIC`]
//! straight pieces. Touching and collinear overlap are not crossings; only pieces
//! that strictly cross each other are. The same function counts the curves of
//! Graphviz `dot` (`scripts/dot-crossings.sh`), so the two figures compare.

use super::scene::Scene;
use crate::engine::sort::SortCompact;

/// How many straight pieces approximate one cubic Bézier segment.
pub const SEGMENTS_PER_CUBIC: usize = 16;

/// One drawn edge: the ids of the shapes at its ends and its SVG path data.
#[derive(Clone, Copy, Debug)]
pub struct DrawnEdge<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub path: &'a str,
}

/// The number of pairs of edges of `scene` whose curves cross.
pub fn scene_crossings(scene: &Scene) -> usize {
    let edges: Vec<DrawnEdge> = scene
        .edges
        .iter()
        .map(|edge| DrawnEdge {
            from: &edge.from,
            to: &edge.to,
            path: &edge.path,
        })
        .collect();
    count_crossings(&edges)
}

/// The number of pairs of `edges` whose curves cross (see the module documentation
/// for what counts). Path data that cannot be read counts as no curve.
pub fn count_crossings(edges: &[DrawnEdge]) -> usize {
    let polylines: Vec<Polyline> = edges.iter().map(|edge| flatten(edge.path)).collect();
    // Edges sorted by the left end of their bounding box: a pair can only cross
    // when the boxes overlap, so the inner loop stops at the first box that starts
    // right of the current one's end.
    let mut by_left: Vec<usize> = (0..edges.len())
        .filter(|&i| polylines[i].points.len() >= 2)
        .collect();
    by_left.sort_compact_by(|&a, &b| {
        polylines[a]
            .bounds
            .min_x
            .total_cmp(&polylines[b].bounds.min_x)
            .then(a.cmp(&b))
    });
    let mut n_crossings = 0;
    for (position, &a) in by_left.iter().enumerate() {
        for &b in &by_left[position + 1..] {
            if polylines[b].bounds.min_x > polylines[a].bounds.max_x {
                break;
            }
            if share_an_end(&edges[a], &edges[b]) {
                continue;
            }
            if polylines[a].crosses(&polylines[b]) {
                n_crossings += 1;
            }
        }
    }
    n_crossings
}

fn share_an_end(a: &DrawnEdge, b: &DrawnEdge) -> bool {
    a.from == b.from || a.from == b.to || a.to == b.from || a.to == b.to
}

type Point = (f64, f64);

#[derive(Clone, Copy, Debug)]
struct Bounds {
    min_x: f64,
    max_x: f64,
    min_y: f64,
    max_y: f64,
}

impl Bounds {
    fn of(points: &[Point]) -> Bounds {
        points.iter().fold(
            Bounds {
                min_x: f64::INFINITY,
                max_x: f64::NEG_INFINITY,
                min_y: f64::INFINITY,
                max_y: f64::NEG_INFINITY,
            },
            |b, &(x, y)| Bounds {
                min_x: b.min_x.min(x),
                max_x: b.max_x.max(x),
                min_y: b.min_y.min(y),
                max_y: b.max_y.max(y),
            },
        )
    }
    fn overlaps(&self, other: &Bounds) -> bool {
        self.min_x <= other.max_x
            && other.min_x <= self.max_x
            && self.min_y <= other.max_y
            && other.min_y <= self.max_y
    }
}

struct Polyline {
    points: Vec<Point>,
    bounds: Bounds,
}

impl Polyline {
    /// Whether the two curves cross. A crossing strictly inside two pieces is one.
    /// Where the curves meet exactly at a corner of a piece (two S-curves that
    /// swap places often meet at their middle points), a point on the other's
    /// line is taken to lie on its left, so that a curve passing through meets
    /// the other an odd number of times and one that only touches it an even
    /// number; the curves' own end points are left out, so an edge ending on
    /// another is not a crossing.
    fn crosses(&self, other: &Polyline) -> bool {
        if !self.bounds.overlaps(&other.bounds) {
            return false;
        }
        let mut n_corner_meetings = 0usize;
        let (last_a, last_b) = (self.points.len() - 1, other.points.len() - 1);
        for (i, a) in self.points.windows(2).enumerate() {
            if !Bounds::of(a).overlaps(&other.bounds) {
                continue;
            }
            for (j, b) in other.points.windows(2).enumerate() {
                match pieces_meet(a[0], a[1], b[0], b[1]) {
                    Meeting::Apart => {}
                    Meeting::Cross => return true,
                    Meeting::AtACorner { corners } => {
                        let ends = [i == 0, i + 1 == last_a, j == 0, j + 1 == last_b];
                        if !corners
                            .iter()
                            .zip(ends)
                            .any(|(&on_line, end)| on_line && end)
                        {
                            n_corner_meetings += 1;
                        }
                    }
                }
            }
        }
        n_corner_meetings % 2 == 1
    }
}

enum Meeting {
    Apart,
    /// The pieces cross at a point inside both.
    Cross,
    /// The pieces meet where a corner (an end of a piece) lies on the other's
    /// line; `corners` says which of `p1`, `p2`, `q1`, `q2` do.
    AtACorner {
        corners: [bool; 4],
    },
}

/// How segments `p1 p2` and `q1 q2` meet.
fn pieces_meet(p1: Point, p2: Point, q1: Point, q2: Point) -> Meeting {
    let side = |a: Point, b: Point, c: Point| {
        let cross = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
        // Below this, three points are taken as collinear: path data has one
        // decimal, and rounding must not turn a touch into a crossing.
        if cross.abs() < 1e-6 {
            0
        } else if cross > 0.0 {
            1
        } else {
            -1
        }
    };
    let (d1, d2) = (side(q1, q2, p1), side(q1, q2, p2));
    let (d3, d4) = (side(p1, p2, q1), side(p1, p2, q2));
    if d1 * d2 < 0 && d3 * d4 < 0 {
        return Meeting::Cross;
    }
    if d1 == 0 && d2 == 0 {
        // Collinear pieces overlap or not; either way they do not cross.
        return Meeting::Apart;
    }
    // A point on the other's line counts as on its left.
    let left = |d: i32| if d == 0 { 1 } else { d };
    if left(d1) != left(d2) && left(d3) != left(d4) {
        Meeting::AtACorner {
            corners: [d1 == 0, d2 == 0, d3 == 0, d4 == 0],
        }
    } else {
        Meeting::Apart
    }
}

/// The points of the SVG path `data` as [`count_crossings`] reads it: absolute
/// `M`, `L` and `C`, each cubic segment flattened into [`SEGMENTS_PER_CUBIC`]
/// straight pieces. The tests measure how far an edge label is from its edge on it.
pub fn polyline(data: &str) -> Vec<(f64, f64)> {
    flatten(data).points
}

/// The points of the path `data`, cubic segments flattened.
fn flatten(data: &str) -> Polyline {
    let mut points: Vec<Point> = Vec::new();
    let mut numbers = Vec::new();
    let mut command = ' ';
    let flush = |command: char, numbers: &mut Vec<f64>, points: &mut Vec<Point>| {
        match command {
            'M' | 'L' => {
                for pair in numbers.chunks_exact(2) {
                    points.push((pair[0], pair[1]));
                }
            }
            'C' => {
                for curve in numbers.chunks_exact(6) {
                    let Some(&start) = points.last() else { break };
                    let controls = [
                        (curve[0], curve[1]),
                        (curve[2], curve[3]),
                        (curve[4], curve[5]),
                    ];
                    for step in 1..=SEGMENTS_PER_CUBIC {
                        let t = step as f64 / SEGMENTS_PER_CUBIC as f64;
                        points.push(cubic(start, controls, t));
                    }
                }
            }
            _ => {}
        }
        numbers.clear();
    };
    for token in data
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let mut rest = token;
        while let Some(first) = rest.chars().next() {
            if first.is_ascii_alphabetic() && first != 'e' && first != 'E' {
                flush(command, &mut numbers, &mut points);
                command = first;
                rest = &rest[first.len_utf8()..];
                continue;
            }
            if let Ok(number) = rest.parse::<f64>() {
                numbers.push(number);
            }
            break;
        }
    }
    flush(command, &mut numbers, &mut points);
    let bounds = Bounds::of(&points);
    Polyline { points, bounds }
}

fn cubic(start: Point, controls: [Point; 3], t: f64) -> Point {
    let u = 1.0 - t;
    let [c1, c2, end] = controls;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * start.0 + b * c1.0 + c * c2.0 + d * end.0,
        a * start.1 + b * c1.1 + c * c2.1 + d * end.1,
    )
}
