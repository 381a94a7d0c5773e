//! Clipping long edges to the view (docs/semantics.md §13.14).

use kubetopo::engine::clip::{visible_pieces, Piece, Point};
use kubetopo::engine::scene::Rect;

fn cubic_at(p: [Point; 4], t: f64) -> Point {
    let u = 1.0 - t;
    let (a, b, c, d) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * p[0].0 + b * p[1].0 + c * p[2].0 + d * p[3].0,
        a * p[0].1 + b * p[1].1 + c * p[2].1 + d * p[3].1,
    )
}

fn inside(view: &Rect, (x, y): Point) -> bool {
    x >= view.x && x <= view.x + view.w && y >= view.y && y <= view.y + view.h
}

/// The kept pieces as cubics, each with its start.
fn cubics(pieces: &[Piece]) -> Vec<[Point; 4]> {
    let mut pen = (f64::NAN, f64::NAN);
    let mut out = Vec::new();
    for piece in pieces {
        match *piece {
            Piece::Move(p) => pen = p,
            Piece::Cubic(b, c, d) => {
                assert!(!pen.0.is_nan(), "a curve before any move");
                out.push([pen, b, c, d]);
                pen = d;
            }
        }
    }
    out
}

/// Distance from `point` to the nearest of `samples`.
fn nearest(samples: &[Point], point: Point) -> f64 {
    samples
        .iter()
        .map(|s| ((s.0 - point.0).powi(2) + (s.1 - point.1).powi(2)).sqrt())
        .fold(f64::MAX, f64::min)
}

#[test]
fn s13_14_a_long_curve_keeps_every_point_in_view_and_little_else() {
    // An S-curve 40,000 units across, as the scene writes a Service-to-pod edge,
    // and a view of 400 × 250 on its middle.
    let curve = [
        (0.0, 0.0),
        (20_000.0, 0.0),
        (20_000.0, 9_000.0),
        (40_000.0, 9_000.0),
    ];
    let path = "M0,0 C20000,0 20000,9000 40000,9000";
    let view = Rect {
        x: 19_800.0,
        y: 4_300.0,
        w: 400.0,
        h: 250.0,
    };
    let reach = view.w + view.h;
    let mut pieces = Vec::new();
    visible_pieces(path, &view, reach, &mut pieces);
    let kept = cubics(&pieces);
    assert!(!kept.is_empty() && kept.len() < 20, "{} pieces", kept.len());
    // Every kept piece is small next to the view, and all of them are one run.
    assert_eq!(
        pieces
            .iter()
            .filter(|p| matches!(p, Piece::Move(_)))
            .count(),
        1
    );
    let kept_samples: Vec<Point> = kept
        .iter()
        .flat_map(|&piece| (0..=1024).map(move |i| cubic_at(piece, i as f64 / 1024.0)))
        .collect();
    for piece in &kept {
        let (xs, ys): (Vec<f64>, Vec<f64>) = piece.iter().copied().unzip();
        let w = xs.iter().cloned().fold(f64::MIN, f64::max)
            - xs.iter().cloned().fold(f64::MAX, f64::min);
        let h = ys.iter().cloned().fold(f64::MIN, f64::max)
            - ys.iter().cloned().fold(f64::MAX, f64::min);
        assert!(w + h <= reach, "a piece of {w} × {h}");
    }
    // Each point of the whole curve that lies in the view lies on a kept piece: the
    // pieces are the curve itself, cut.
    let mut in_view = 0;
    for i in 0..=20_000 {
        let point = cubic_at(curve, i as f64 / 20_000.0);
        if inside(&view, point) {
            in_view += 1;
            assert!(nearest(&kept_samples, point) < 1.0, "{point:?} is missing");
        }
    }
    assert!(in_view > 50, "the curve crosses the view {in_view} times");
}

#[test]
fn s13_14_a_curve_or_a_line_that_misses_the_view_gives_nothing() {
    let view = Rect {
        x: 0.0,
        y: 500.0,
        w: 100.0,
        h: 100.0,
    };
    let mut pieces = Vec::new();
    visible_pieces(
        "M0,0 C5000,0 5000,50 10000,50 L20000,50",
        &view,
        200.0,
        &mut pieces,
    );
    assert!(pieces.is_empty(), "{pieces:?}");
}

#[test]
fn s13_14_a_straight_segment_is_cut_like_a_curve() {
    // A horizontal line 100,000 long through a view of 100 × 100.
    let view = Rect {
        x: 50_000.0,
        y: -50.0,
        w: 100.0,
        h: 100.0,
    };
    let mut pieces = Vec::new();
    visible_pieces("M0,0 L100000,0", &view, 200.0, &mut pieces);
    let kept = cubics(&pieces);
    assert!(!kept.is_empty() && kept.len() <= 4, "{} pieces", kept.len());
    let from = kept.first().expect("a piece")[0].0;
    let to = kept.last().expect("a piece")[3].0;
    assert!(
        from <= 50_000.0 && to >= 50_100.0,
        "{from}..{to} covers the view"
    );
    assert!(to - from <= 400.0, "{from}..{to} is near the view");
    for piece in &kept {
        assert!(piece.iter().all(|p| p.1 == 0.0), "on the line: {piece:?}");
    }
}

#[test]
fn s13_14_a_path_of_several_commands_keeps_its_runs_apart() {
    // A rounded polyline as the scene writes routed edges: down, across, and back
    // up. The view covers the two vertical legs' bottoms, not the middle.
    let path = "M0,0 L0,9990 C0,10000 0,10000 10,10000 L9990,10000 C10000,10000 10000,10000 10000,9990 L10000,0";
    let view = Rect {
        x: -50.0,
        y: 9_900.0,
        w: 10_100.0,
        h: 200.0,
    };
    let mut pieces = Vec::new();
    // Pieces no larger than 300: the middle run across is kept too, in pieces.
    visible_pieces(path, &view, 300.0, &mut pieces);
    let kept = cubics(&pieces);
    assert!(kept.len() > 30, "{} pieces", kept.len());
    // Everything kept is near the view.
    for piece in &kept {
        assert!(piece.iter().all(|p| p.1 >= 9_600.0), "{piece:?}");
    }
    // One run: the pieces join end to start.
    assert_eq!(
        pieces
            .iter()
            .filter(|p| matches!(p, Piece::Move(_)))
            .count(),
        1
    );
}
