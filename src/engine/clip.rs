//! The parts of an edge that can show in a view (§13.14).
//!
//! Zoomed in on one pod of a large cluster, thousands of edges run through the
//! view, each thousands of screen widths long. The browser strokes a path whole,
//! flattening its curves over their full length, so a frame at 100,000 pods spent
//! 70 ms stroking what it then clipped away. The canvas hands it instead the
//! pieces of a long edge that come near the view: each cubic of the path is split
//! in halves (de Casteljau) until a half either stays clear of the view, and is
//! dropped, or is short next to the view, and is kept. A piece is the very curve
//! it was cut from, so what shows is what the whole path would show.

use super::scene::Rect;

/// A point of a path, in scene units.
pub type Point = (f64, f64);

/// A piece of a clipped path, in the order drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Piece {
    /// Lift the pen to here.
    Move(Point),
    /// A cubic curve from the pen through two control points to an end.
    Cubic(Point, Point, Point),
}

/// How many halvings a curve may take: a piece of a curve 100,000 units long is
/// then under 0.1 of a unit, far below any view.
const MAX_DEPTH: u32 = 20;

/// The pieces of `path` (SVG data of `M`, `L` and `C` commands with `x,y` pairs,
/// as the scene writes edges) that may show in `view`, into `out`. A piece is
/// kept when its control points' box meets `view` and is no larger (width plus
/// height) than `reach`; a straight segment is the cubic with its control points
/// on it. Consecutive pieces share a subpath, so a visible run is one stroke.
pub fn visible_pieces(path: &str, view: &Rect, reach: f64, out: &mut Vec<Piece>) {
    let mut command = 'M';
    let mut start: Point = (0.0, 0.0);
    let mut controls: Vec<Point> = Vec::with_capacity(3);
    let mut pen = None;
    for token in path.split(' ') {
        let point = token.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        if let Some(letter) = token.chars().next().filter(char::is_ascii_alphabetic) {
            command = letter;
        }
        let Some(point) = point
            .split_once(',')
            .and_then(|(x, y)| Some((x.parse().ok()?, y.parse().ok()?)))
        else {
            continue;
        };
        let curve = match command {
            'L' => Some([
                start,
                lerp(start, point, 1.0 / 3.0),
                lerp(start, point, 2.0 / 3.0),
                point,
            ]),
            'C' => {
                controls.push(point);
                (controls.len() == 3).then(|| [start, controls[0], controls[1], controls[2]])
            }
            _ => {
                start = point;
                None
            }
        };
        if let Some(curve) = curve {
            controls.clear();
            clip(curve, view, reach, MAX_DEPTH, &mut pen, out);
            start = curve[3];
        }
    }
}

fn clip(
    curve: [Point; 4],
    view: &Rect,
    reach: f64,
    depth: u32,
    pen: &mut Option<Point>,
    out: &mut Vec<Piece>,
) {
    let bounds = bounds(&curve);
    if !bounds.overlaps(view) {
        return;
    }
    if depth == 0 || bounds.w + bounds.h <= reach {
        if *pen != Some(curve[0]) {
            out.push(Piece::Move(curve[0]));
        }
        out.push(Piece::Cubic(curve[1], curve[2], curve[3]));
        *pen = Some(curve[3]);
        return;
    }
    let [a, b, c, d] = curve;
    let (ab, bc, cd) = (lerp(a, b, 0.5), lerp(b, c, 0.5), lerp(c, d, 0.5));
    let (abc, bcd) = (lerp(ab, bc, 0.5), lerp(bc, cd, 0.5));
    let middle = lerp(abc, bcd, 0.5);
    clip([a, ab, abc, middle], view, reach, depth - 1, pen, out);
    clip([middle, bcd, cd, d], view, reach, depth - 1, pen, out);
}

fn lerp(a: Point, b: Point, t: f64) -> Point {
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

/// The box of a curve's control points, which holds the curve. A flat box gets a
/// hair of size, so that a straight segment along the view's edge still meets it.
fn bounds(curve: &[Point; 4]) -> Rect {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in curve {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    Rect {
        x: x0,
        y: y0,
        w: (x1 - x0).max(1e-9),
        h: (y1 - y0).max(1e-9),
    }
}
