//! The policy graph on the picture (§8.6): allowed and denied connections as edges
//! between the workloads' shapes, and a shield per workload, closed when isolated.

use std::collections::BTreeSet;

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::policy_graph::policy_graph;
use kubetopo::engine::policy_overlay::{policy_overlay, PolicyOverlay};
use kubetopo::engine::refs::NamespacedName;
use kubetopo::engine::scene::{build_scene, parse_id, Filter, IdKind, Scene, View};
use kubetopo::engine::{analyze, Topology};

use crate::common::{samples, BOUTIQUE_CALL_GRAPH, BOUTIQUE_WORKLOADS};

/// A shape id as a short name: `frontend` for a workload or its group, `internet`
/// for the external clients.
fn short(id: &str) -> String {
    match parse_id(id) {
        Some((IdKind::External, key)) => key.to_string(),
        Some((_, key)) => key.rsplit('/').next().unwrap_or(key).to_string(),
        None => id.to_string(),
    }
}

/// `(from, to)` of the edges drawn `allowed` (or denied).
fn pairs(overlay: &PolicyOverlay, allowed: bool) -> BTreeSet<(String, String)> {
    overlay
        .edges
        .iter()
        .filter(|edge| edge.allowed == allowed)
        .map(|edge| (short(&edge.from), short(&edge.to)))
        .collect()
}

fn boutique_with_policies() -> Topology {
    samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"])
}

fn overlay_of(
    topology: &Topology,
    view: View,
    policy: Option<&NamespacedName>,
) -> (Scene, PolicyOverlay) {
    let scene = build_scene(topology, view, &Filter::default());
    let overlay = policy_overlay(&policy_graph(topology), &scene, policy, &[]);
    (scene, overlay)
}

/// §8.5, §8.6: with the upstream Online Boutique policies, the allowed edges are
/// exactly the call graph, plus every workload and the outside into frontend (its
/// policy allows every source); every workload is isolated.
#[test]
fn online_boutique_allowed_edges_are_the_call_graph() {
    let topology = boutique_with_policies();
    let (_, overlay) = overlay_of(&topology, View::Logical, None);
    let mut expected: BTreeSet<(String, String)> = BOUTIQUE_CALL_GRAPH
        .iter()
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .collect();
    for workload in BOUTIQUE_WORKLOADS.iter().filter(|w| **w != "frontend") {
        expected.insert((workload.to_string(), "frontend".to_string()));
    }
    expected.insert(("internet".to_string(), "frontend".to_string()));
    assert_eq!(pairs(&overlay, true), expected);
    // Denied: for instance loadgenerator straight to cartservice, on its port.
    let denied = overlay
        .edges
        .iter()
        .find(|e| !e.allowed && short(&e.from) == "loadgenerator" && short(&e.to) == "cartservice")
        .expect("loadgenerator → cartservice denied");
    assert_eq!(denied.ports, ":7070");
    assert!(pairs(&overlay, false).is_disjoint(&pairs(&overlay, true)));
    // Twelve workloads, each one box in the logical view, each isolated by deny-all.
    assert_eq!(overlay.shields.len(), 12);
    assert!(overlay.shields.iter().all(|shield| shield.isolated));
}

/// §8.5, §8.6: a selected policy draws only what it decides. The cartservice policy
/// allows frontend and checkoutservice in on 7070, and every egress (`egress:
/// [{}]`), so it is also the allowing side of cartservice's calls that the
/// destination admits (redis-cart, and frontend, which admits everyone); it denies
/// the other sources it isolates cartservice from.
#[test]
fn a_selected_policy_draws_only_its_connections() {
    let topology = boutique_with_policies();
    let policy = NamespacedName::new("default", "cartservice");
    let (_, overlay) = overlay_of(&topology, View::Logical, Some(&policy));
    assert_eq!(
        pairs(&overlay, true),
        [
            ("cartservice", "frontend"),
            ("cartservice", "redis-cart"),
            ("checkoutservice", "cartservice"),
            ("frontend", "cartservice"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    );
    let denied = pairs(&overlay, false);
    assert!(denied.contains(&("loadgenerator".to_string(), "cartservice".to_string())));
    assert!(
        denied.iter().all(|(_, to)| to == "cartservice"),
        "{denied:?}"
    );
}

/// §8.1, §8.6: in the cluster view each workload's groups carry its shield, and a
/// workload no policy selects gets an open one: with a single policy selecting
/// cartservice, only cartservice is isolated.
#[test]
fn unselected_workloads_get_an_open_shield() {
    let boutique = std::fs::read_to_string(format!(
        "{}/samples/online-boutique.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("sample");
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: cart-in, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: cartservice}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]\n";
    let topology = analyze(
        &[
            SourceFile::new("boutique.yaml", boutique),
            SourceFile::new("policy.yaml", policy),
        ],
        &Config::default(),
    );
    let (scene, overlay) = overlay_of(&topology, View::Cluster, None);
    let isolated: BTreeSet<String> = overlay
        .shields
        .iter()
        .filter(|s| s.isolated)
        .map(|s| short(&s.shape))
        .collect();
    assert_eq!(isolated, ["cartservice".to_string()].into_iter().collect());
    let open: BTreeSet<String> = overlay
        .shields
        .iter()
        .filter(|s| !s.isolated)
        .map(|s| short(&s.shape))
        .collect();
    assert_eq!(open.len(), 11);
    // Shields sit on workload groups, at their top-right corner.
    for shield in &overlay.shields {
        assert_eq!(
            parse_id(&shield.shape).map(|(kind, _)| kind),
            Some(IdKind::WorkloadGroup)
        );
        let rect = scene.shape(&shield.shape).expect("drawn").rect;
        assert_eq!((shield.x, shield.y), (rect.x + rect.w, rect.y));
    }
    // Only connections into cartservice are decided: frontend allowed, the rest denied.
    assert_eq!(
        pairs(&overlay, true),
        [("frontend".to_string(), "cartservice".to_string())]
            .into_iter()
            .collect()
    );
    assert!(pairs(&overlay, false)
        .iter()
        .all(|(_, to)| to == "cartservice"));
}

/// §8.6: without NetworkPolicies nothing is isolated and nothing is drawn.
#[test]
fn no_policies_draw_nothing() {
    let topology = samples(&["online-boutique.yaml"]);
    let (_, overlay) = overlay_of(&topology, View::Cluster, None);
    assert_eq!(overlay, PolicyOverlay::default());
}

/// §8.6: edges do not pile up between the workloads (issue #10: on the Online
/// Boutique demo the denied ones piled up at the right edge of the picture, and the
/// allowed ones overlapped each other and their ports). In both views: every edge
/// is a line of horizontal and vertical runs from its source's right side (from
/// outside: above every shape) to its destination's right side; its lane runs down
/// from where it joins it, right of the box that holds the destination (in the
/// gutter right of its column); the edges into one destination decided the same
/// way on the same ports share a lane, and two such groups share one only in a
/// bundle, decided the same way; two edges join a lane at the same point only in
/// a bundle, decided the same way; and the ports into a destination are written
/// once, whether its lanes on them are allowed, denied or both.
#[test]
fn edges_run_in_one_lane_per_destination() {
    let topology = boutique_with_policies();
    for view in [View::Cluster, View::Logical] {
        let (scene, overlay) = overlay_of(&topology, view, None);
        let n_denied = overlay.edges.iter().filter(|edge| !edge.allowed).count();
        assert!(n_denied > 50, "{view:?}: {n_denied} denied edges");
        check_lanes(&scene, &overlay, &format!("{view:?}"));
        assert!(overlay.right() > scene.width - 24.0);
    }
}

/// The lane rules of [`edges_run_in_one_lane_per_destination`], on any picture.
fn check_lanes(scene: &Scene, overlay: &PolicyOverlay, view: &str) {
    let top_of_shapes = scene
        .shapes
        .iter()
        .map(|s| s.rect.y)
        .fold(f64::MAX, f64::min);
    let mut lane_of: std::collections::BTreeMap<(bool, String, String), f64> = Default::default();
    let mut joins: std::collections::BTreeMap<String, bool> = Default::default();
    let mut n_labels: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for edge in &overlay.edges {
        let points = &edge.points;
        let what = format!("{view} {} → {} {}", edge.from, edge.to, edge.allowed);
        assert!(points.len() >= 4, "{what}: {points:?}");
        for pair in points.windows(2) {
            let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
            assert!(x1 == x2 || y1 == y2, "{what}: a slanted run {pair:?}");
        }
        let destination = scene.shape(&edge.to).expect("drawn").rect;
        let last = points[points.len() - 1];
        assert_eq!(last.0, destination.x + destination.w, "{what}");
        assert!(last.1 > destination.y && last.1 < destination.y + destination.h);
        let source = scene.shape(&edge.from).expect("drawn").rect;
        if edge.from == kubetopo::engine::scene::EXTERNAL_ID {
            // Up from the external clients, across above every shape.
            assert_eq!(points[0].1, source.y, "{what}");
            assert!(points[1].1 < top_of_shapes);
        } else {
            assert_eq!(points[0].0, source.x + source.w, "{what}");
            assert!(points[0].1 > source.y && points[0].1 < source.y + source.h);
        }
        // The lane: the vertical run down from where the edge joins it, in the
        // gutter right of the destination's column of boxes.
        let join = edge.join_at.expect("an edge joins its lane");
        let lane_x = join.0;
        let block = outermost(scene, &edge.to);
        assert!(
            lane_x > block.x + block.w,
            "{what}: lane {lane_x} not right of {block:?}"
        );
        assert!(
            points
                .windows(2)
                .any(|pair| pair[0] == join && pair[1].0 == lane_x),
            "{what}: no lane down from {join:?}"
        );
        let key = (edge.allowed, edge.to.clone(), edge.ports.clone());
        assert_eq!(
            *lane_of.entry(key.clone()).or_insert(lane_x),
            lane_x,
            "{what}: in two lanes"
        );
        assert_eq!(
            *joins
                .entry(format!("{:.3},{:.3}", join.0, join.1))
                .or_insert(edge.allowed),
            edge.allowed,
            "{what}: an allowed and a denied edge join at {join:?}"
        );
        *n_labels
            .entry((edge.to.clone(), edge.ports.clone()))
            .or_default() += usize::from(edge.label_at.is_some());
    }
    // A lane shared by several groups is a bundle of lanes decided the same way.
    let mut verdict_of_lane: std::collections::BTreeMap<String, bool> = Default::default();
    for ((allowed, ..), x) in &lane_of {
        assert_eq!(
            *verdict_of_lane.entry(format!("{x:.3}")).or_insert(*allowed),
            *allowed,
            "{view}: an allowed and a denied lane share {x}"
        );
    }
    assert!(n_labels.values().all(|n| *n == 1), "{view}: {n_labels:?}");
}

/// The box with no parent that holds shape `id` (or the shape itself).
fn outermost(scene: &Scene, id: &str) -> kubetopo::engine::scene::Rect {
    let mut shape = scene.shape(id).expect("drawn");
    while let Some(parent) = shape.parent.as_deref() {
        shape = scene.shape(parent).expect("drawn");
    }
    shape.rect
}

/// Shape `id` and the boxes that hold it.
fn with_holders<'s>(scene: &'s Scene, id: &str) -> Vec<&'s str> {
    let mut ids = Vec::new();
    let mut shape = scene.shape(id);
    while let Some(found) = shape {
        ids.push(found.id.as_str());
        shape = found
            .parent
            .as_deref()
            .and_then(|parent| scene.shape(parent));
    }
    ids
}

/// §8.6, issue #10: no run of an edge passes through a shape drawn at `levels`
/// (empty: every shape) other than its ends and the boxes that hold them, and no
/// edge runs out and back over its own line.
fn check_no_crossing(
    scene: &Scene,
    overlay: &PolicyOverlay,
    levels: &[kubetopo::engine::lod::Level],
    view: &str,
) {
    let mut n_runs = 0;
    for edge in &overlay.edges {
        for window in edge.points.windows(3) {
            let [a, b, c] = [window[0], window[1], window[2]];
            let back_on_x = a.1 == b.1 && b.1 == c.1 && (b.0 - a.0) * (c.0 - b.0) < 0.0;
            let back_on_y = a.0 == b.0 && b.0 == c.0 && (b.1 - a.1) * (c.1 - b.1) < 0.0;
            assert!(
                !back_on_x && !back_on_y,
                "{view}: {} -> {} doubles back at {b:?}: {:?}",
                edge.from,
                edge.to,
                edge.points
            );
        }
        let mut ends = with_holders(scene, &edge.from);
        ends.extend(with_holders(scene, &edge.to));
        for (vertical, at, low, high) in runs(&edge.points) {
            n_runs += 1;
            for (position, shape) in scene.shapes.iter().enumerate() {
                if levels.get(position) == Some(&kubetopo::engine::lod::Level::Hidden)
                    || ends.contains(&shape.id.as_str())
                {
                    continue;
                }
                let r = shape.rect;
                let (across, along) = if vertical {
                    ((r.x, r.x + r.w), (r.y, r.y + r.h))
                } else {
                    ((r.y, r.y + r.h), (r.x, r.x + r.w))
                };
                let inside = at > across.0 + 0.01 && at < across.1 - 0.01;
                let shared = high.min(along.1) - low.max(along.0);
                assert!(
                    !(inside && shared > 0.01),
                    "{view}: {} → {} crosses {} {r:?}: {:?}",
                    edge.from,
                    edge.to,
                    shape.id,
                    (vertical, at, low, high)
                );
            }
        }
    }
    assert!(n_runs > 0, "{view}: no runs");
}

/// §8.6, issue #10: parallel runs up and down (in the gutters between columns of
/// boxes, and in the gaps right of the workload groups inside a node box) and in
/// the bands above and below every shape (runs along no box) are either one line
/// or at least [`MIN_RUN_GAP`] units apart where they run side by side, so that at
/// the zoom where edges end at workloads they are drawn apart, not as a solid band
/// (before the fix, a 30-unit gutter of a packed picture held dozens of runs
/// fractions of a unit apart, and so did the 5-unit gap right of the groups of a
/// node box). Returns how many pairs ran side by side.
fn check_runs_apart(scene: &Scene, overlay: &PolicyOverlay, view: &str) -> usize {
    use kubetopo::engine::policy_overlay::MIN_RUN_GAP;
    let (top, bottom) = scene.shapes.iter().fold((f64::MAX, 0.0_f64), |(t, b), s| {
        (t.min(s.rect.y), b.max(s.rect.y + s.rect.h))
    });
    // Runs in thousandths of a unit, each once.
    let thousandths = |f: f64| (f * 1000.0).round() as i64;
    let free: BTreeSet<(bool, i64, i64, i64)> = overlay
        .edges
        .iter()
        .flat_map(|edge| runs(&edge.points))
        .filter(|&(vertical, at, ..)| vertical || at < top || at > bottom)
        .map(|(vertical, at, low, high)| {
            (
                vertical,
                thousandths(at),
                thousandths(low),
                thousandths(high),
            )
        })
        .collect();
    let free: Vec<_> = free.into_iter().collect();
    let min = thousandths(MIN_RUN_GAP);
    let mut n_side_by_side = 0;
    for (i, a) in free.iter().enumerate() {
        for b in &free[i + 1..] {
            let side_by_side = a.0 == b.0 && a.1 != b.1 && a.3.min(b.3) - a.2.max(b.2) > 10;
            if side_by_side {
                n_side_by_side += 1;
                assert!(
                    (a.1 - b.1).abs() >= min,
                    "{view}: runs {a:?} and {b:?} (thousandths) closer than {MIN_RUN_GAP}"
                );
            }
        }
    }
    n_side_by_side
}

/// §8.6, issue #10: no run of an edge crosses the text of a shape drawn at
/// `levels` (empty: every shape): its title, or its second line (a node's zone
/// and address, which the runs along a node's header pass below its name).
fn check_runs_off_titles(
    scene: &Scene,
    overlay: &PolicyOverlay,
    levels: &[kubetopo::engine::lod::Level],
    view: &str,
) -> usize {
    use kubetopo::engine::lod::Level;
    use kubetopo::engine::scene::{
        fit, title_box, Rect, ShapeKind, SUBLABEL_CHAR_W, SUBLABEL_MARGIN,
    };
    let mut texts: Vec<(&str, Rect)> = Vec::new();
    for (position, shape) in scene.shapes.iter().enumerate() {
        if levels
            .get(position)
            .is_some_and(|level| *level != Level::Detail)
        {
            continue;
        }
        if let Some(title) = title_box(shape) {
            texts.push((&shape.id, title));
        }
        // The second line, at 10 px from 21 to 33 units below the top (its
        // baseline at 30), as wide as the layout fits it.
        let two_lines = shape.kind == ShapeKind::Box || shape.class.starts_with("node");
        if two_lines && !shape.sublabel.is_empty() {
            let text = fit(
                &shape.sublabel,
                shape.rect.w - SUBLABEL_MARGIN,
                SUBLABEL_CHAR_W,
            );
            let r = shape.rect;
            let w = text.chars().count() as f64 * SUBLABEL_CHAR_W;
            texts.push((
                &shape.id,
                Rect {
                    x: r.x + 10.0,
                    y: r.y + 21.0,
                    w,
                    h: 12.0,
                },
            ));
        }
    }
    let mut n_header_runs = 0;
    for edge in &overlay.edges {
        for (vertical, at, low, high) in runs(&edge.points) {
            for (id, text) in &texts {
                let (across, along) = if vertical {
                    ((text.x, text.x + text.w), (text.y, text.y + text.h))
                } else {
                    ((text.y, text.y + text.h), (text.x, text.x + text.w))
                };
                let through =
                    at > across.0 && at < across.1 && high.min(along.1) > low.max(along.0);
                assert!(
                    !through,
                    "{view}: {} → {} crosses the text of {id} {text:?}: {:?}",
                    edge.from,
                    edge.to,
                    (vertical, at, low, high)
                );
            }
            // Along a node's header: a horizontal run inside a node box, above its
            // workload groups.
            let in_header = !vertical
                && scene.shapes.iter().any(|shape| {
                    shape.id.starts_with("node:")
                        && at > shape.rect.y
                        && at < shape.rect.y + kubetopo::engine::scene::NODE_HEADER
                        && low < shape.rect.x + shape.rect.w
                        && high > shape.rect.x
                });
            n_header_runs += usize::from(in_header);
        }
    }
    n_header_runs
}

/// §8.6, issue #10: at zoom `k`, the arrowheads of the lanes into one shape (the
/// ends of edges that do not share a lane) are at least `min_px` apart.
fn check_arrowheads_apart(overlay: &PolicyOverlay, k: f64, min_px: f64, view: &str) {
    let mut ends: std::collections::BTreeMap<&str, Vec<(f64, f64)>> = Default::default();
    for edge in &overlay.edges {
        let end = *edge.points.last().expect("an end");
        let list = ends.entry(edge.to.as_str()).or_default();
        if !list.contains(&end) {
            list.push(end);
        }
    }
    let n_lanes: BTreeSet<_> = overlay
        .edges
        .iter()
        .map(|edge| (edge.allowed, &edge.to, &edge.ports))
        .collect();
    assert_eq!(
        ends.values().map(Vec::len).sum::<usize>(),
        n_lanes.len(),
        "{view}: one arrowhead per lane"
    );
    for (to, list) in &ends {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                let px = (a.0 - b.0).hypot(a.1 - b.1) * k;
                assert!(
                    px >= min_px,
                    "{view}: into {to} {a:?} {b:?} {px:.1} px apart"
                );
            }
        }
    }
}

/// The zoom at which the app fits the picture and its overlay into a graph area of
/// `width` × `height` pixels.
fn fitted(scene: &Scene, overlay: &PolicyOverlay, width: f64, height: f64) -> f64 {
    f64::min(
        width / overlay.right().max(scene.width),
        height / scene.height,
    )
}

/// An axis-parallel run of an edge: `(vertical, the fixed coordinate, from, to)`.
fn runs(points: &[(f64, f64)]) -> Vec<(bool, f64, f64, f64)> {
    points
        .windows(2)
        .filter(|pair| pair[0] != pair[1])
        .map(|pair| {
            let ((x1, y1), (x2, y2)) = (pair[0], pair[1]);
            if x1 == x2 {
                (true, x1, y1.min(y2), y1.max(y2))
            } else {
                (false, y1, x1.min(x2), x1.max(x2))
            }
        })
        .collect()
}

/// §8.6, issue #10: on the Online Boutique policies, in both views, no run of an
/// edge lies on a run of another decided the other way: edges share runs only
/// where they are drawn to share them, the lane and the way into the destination
/// (same verdict, destination and ports), the way out of a common source (same
/// verdict and source), or a bundle of ways that go the same way where a header,
/// gutter or band is too narrow to hold them apart (same verdict). And at
/// the zooms the app fits the picture to at 1440x900 and at 1024x768 (and
/// zoomed in), no two port labels overlap and none covers a shape's title.
#[test]
fn allowed_and_denied_edges_and_their_ports_never_overlap() {
    let topology = boutique_with_policies();
    for view in [View::Cluster, View::Logical] {
        let (scene, overlay) = overlay_of(&topology, view, None);
        let n_allowed = overlay.edges.iter().filter(|edge| edge.allowed).count();
        assert!(n_allowed > 20, "{view:?}: {n_allowed} allowed edges");
        check_no_overlap(&scene, &overlay, &[], &[], &format!("{view:?}"));
        check_no_crossing(&scene, &overlay, &[], &format!("{view:?}"));
        check_runs_apart(&scene, &overlay, &format!("{view:?}"));
        // Each node box of the demo holds one column of groups: their ways leave
        // straight for the gutter, none along a node's header.
        let n_header_runs = check_runs_off_titles(&scene, &overlay, &[], &format!("{view:?}"));
        assert_eq!(n_header_runs, 0, "{view:?}");
    }
}

/// The rules of [`allowed_and_denied_edges_and_their_ports_never_overlap`] on any
/// picture, drawn at `levels` (empty: every shape as itself) with its `tiles`.
fn check_no_overlap(
    scene: &Scene,
    overlay: &PolicyOverlay,
    tiles: &[kubetopo::engine::lod::Tile],
    levels: &[kubetopo::engine::lod::Level],
    view: &str,
) {
    use kubetopo::engine::policy_overlay::labels_on_screen;
    use kubetopo::engine::scene::title_box;
    use kubetopo::engine::trace_overlay::Screen;
    for (i, a) in overlay.edges.iter().enumerate() {
        for b in &overlay.edges[i + 1..] {
            if a.allowed == b.allowed {
                // The same lane, the same way out, or a bundle.
                continue;
            }
            for run_a in runs(&a.points) {
                for run_b in runs(&b.points) {
                    let collinear = run_a.0 == run_b.0 && (run_a.1 - run_b.1).abs() < 0.01;
                    let shared = run_a.3.min(run_b.3) - run_a.2.max(run_b.2);
                    assert!(
                        !(collinear && shared > 0.01),
                        "{view}: {} → {} ({}) lies on {} → {} ({}): {run_a:?} {run_b:?}",
                        a.from,
                        a.to,
                        a.allowed,
                        b.from,
                        b.to,
                        b.allowed
                    );
                }
            }
        }
    }
    let right = overlay.right().max(scene.width);
    // The graph areas at 1440x900 and 1024x768, about 850 and 620 px wide, and
    // zoomed in twice as far.
    for (width, height) in [(850.0, 680.0), (620.0, 560.0), (1700.0, 1360.0)] {
        let k = f64::min(width / right, height / scene.height);
        let screen = Screen {
            k,
            tx: 0.0,
            ty: 0.0,
            width,
        };
        let detail = vec![kubetopo::engine::lod::Level::Detail; scene.shapes.len()];
        let levels = if levels.is_empty() {
            &detail[..]
        } else {
            levels
        };
        let texts = kubetopo::engine::lod::texts_on_screen(
            scene,
            tiles,
            levels,
            &Default::default(),
            screen,
            false,
        );
        // The ports, one box per edge that writes them, then the counts of the
        // bundles that have room for theirs: none of them overlaps another.
        let placed = labels_on_screen(overlay, texts, screen);
        assert_eq!(placed.len(), overlay.edges.len() + overlay.joins.len());
        let n_ports = placed[..overlay.edges.len()].iter().flatten().count();
        let labels: Vec<_> = placed.into_iter().flatten().collect();
        let n_lanes = overlay
            .edges
            .iter()
            .filter(|e| e.label_at.is_some())
            .count();
        assert_eq!(n_ports, n_lanes);
        let titles: Vec<_> = scene
            .shapes
            .iter()
            .zip(levels)
            .filter(|(_, level)| **level == kubetopo::engine::lod::Level::Detail)
            .filter_map(|(shape, _)| title_box(shape))
            .map(|title| screen.rect(&title))
            .collect();
        let overlap = |a: &kubetopo::engine::scene::Rect, b: &kubetopo::engine::scene::Rect| {
            a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
        };
        for (i, label) in labels.iter().enumerate() {
            for other in &labels[i + 1..] {
                assert!(!overlap(label, other), "{view} at {k}: {label:?} {other:?}");
            }
            for title in &titles {
                assert!(
                    !overlap(label, title),
                    "{view} at {k}: {label:?} on {title:?}"
                );
            }
        }
    }
}

/// A generated cluster big enough to be packed into columns (§13.1): 1,600 pods of
/// 160 workloads in eight namespaces on twelve nodes. In each namespace a policy
/// isolates its first workload and admits only its own namespace's pods, so every
/// other workload's calls into it are decided: allowed from its namespace, denied
/// from the others.
fn generated_with_policies() -> Topology {
    analyze(
        &[SourceFile::new("generated.yaml", generated_text(true))],
        &Config::default(),
    )
}

/// The generated cluster of [`generated_with_policies`], with or without its
/// policies.
fn generated_text(with_policies: bool) -> String {
    let mut text = kubetopo::synth::SyntheticCluster {
        n_deployments: 160,
        replicas: 10,
        n_nodes: 12,
        n_namespaces: 8,
        n_http_routes: 0,
    }
    .to_yaml();
    for namespace in (0..8).filter(|_| with_policies) {
        text.push_str(&format!(
            "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: own-team, namespace: team-{namespace:03}}}\nspec:\n  podSelector: {{matchLabels: {{app: app-{namespace:05}}}}}\n  ingress: [{{from: [{{podSelector: {{}}}}]}}]\n"
        ));
    }
    text
}

/// The x positions of the namespace islands' or node boxes' left sides: more than
/// one when the picture is packed into columns.
fn n_columns(scene: &Scene) -> usize {
    scene
        .shapes
        .iter()
        .filter(|shape| {
            matches!(
                parse_id(&shape.id),
                Some((IdKind::Namespace | IdKind::Node | IdKind::Workload, _))
            )
        })
        .map(|shape| shape.rect.x as i64)
        .collect::<BTreeSet<_>>()
        .len()
}

/// §8.6, §13.1, issue #10: on a packed picture of several columns (a generated
/// cluster) and on the demo, in both views, the edges keep their lanes and no run
/// of an edge lies on a run of another it does not share a lane or a source with;
/// no two port labels overlap and none covers a title; no run crosses a box other
/// than its ends and the boxes that hold them (before the fix an edge from node-0000
/// ran through the groups of the next column on its way to a lane right of the
/// picture); and at full size the lanes into a shape end at least 3 px apart.
#[test]
fn policy_edges_never_overlap_on_pictures_of_several_columns() {
    for (name, topology) in [
        ("generated", generated_with_policies()),
        ("demo", boutique_with_policies()),
    ] {
        for view in [View::Cluster, View::Logical] {
            let (scene, overlay) = overlay_of(&topology, view, None);
            let what = format!("{name} {view:?}");
            let n_allowed = overlay.edges.iter().filter(|e| e.allowed).count();
            let n_denied = overlay.edges.len() - n_allowed;
            assert!(
                n_allowed > 10 && n_denied > 40,
                "{what}: {n_allowed} {n_denied}"
            );
            if name == "generated" {
                assert!(n_columns(&scene) > 2, "{what}: not packed");
            }
            check_lanes(&scene, &overlay, &what);
            check_no_overlap(&scene, &overlay, &[], &[], &what);
            check_no_crossing(&scene, &overlay, &[], &what);
            let n_side_by_side = check_runs_apart(&scene, &overlay, &what);
            if name == "generated" {
                assert!(n_side_by_side > 0, "{what}: no runs side by side");
            }
            // The generated cluster's node boxes hold several columns of groups:
            // the ways of all but the last run up the gap beside them and along
            // the node's header.
            let n_header_runs = check_runs_off_titles(&scene, &overlay, &[], &what);
            assert_eq!(n_header_runs > 0, what == "generated Cluster", "{what}");
            // Zoomed in as far as shapes are drawn at their full size.
            check_arrowheads_apart(&overlay, 1.0, 3.0, &what);
        }
    }
    // The cluster view of the demo puts its nodes side by side too.
    let (scene, _) = overlay_of(&boutique_with_policies(), View::Cluster, None);
    assert!(n_columns(&scene) > 1);
}

/// §8.6, §13.2, issue #10: zoomed out, where islands and nodes are tiles, an edge
/// ends at the tile that holds its workload instead of at the hidden workload; the
/// edges between two tiles decided the same way merge into one that counts its
/// pairs of workloads and carries all their ports, those inside one tile are not
/// drawn, and only shapes drawn as themselves carry a shield. The merged edges
/// keep the lane rules, do not overlap and cross no box; each lane into a tile has
/// an arrowhead of its own, at least 3 px from the others (before issue #10's fix
/// two lanes into the demo's node-1 tile ended 0.3 px apart). (In the logical view only the islands
/// of Services become tiles: the workload boxes stand beside them and stay.)
#[test]
fn policy_edges_end_at_the_tiles_that_hold_their_workloads() {
    use kubetopo::engine::lod::{self, Collapse, Level, TILE_BELOW_ZOOM};
    use std::collections::BTreeMap;
    for (name, topology) in [
        ("generated", generated_with_policies()),
        ("demo", boutique_with_policies()),
    ] {
        for view in [View::Cluster, View::Logical] {
            let what = format!("{name} {view:?}");
            let scene = build_scene(&topology, view, &Filter::default());
            let graph = policy_graph(&topology);
            let detail = policy_overlay(&graph, &scene, None, &[]);
            let tiles = lod::tiles(&scene, &topology);
            let zoom = TILE_BELOW_ZOOM / 2.0;
            let levels = lod::shape_levels(&scene, &tiles, &Collapse::default(), zoom);
            assert!(levels.contains(&Level::Tile), "{what}");
            let tiled = policy_overlay(&graph, &scene, None, &levels);
            let level_of = |id: &str| levels[scene.shape_index(id).expect("drawn")];
            // The shape drawn for `id`: itself, or the tile it is hidden in.
            let holder = |id: &str| -> String {
                let mut id = id.to_string();
                while level_of(&id) == Level::Hidden {
                    id = scene
                        .shape(&id)
                        .and_then(|s| s.parent.clone())
                        .expect("a tile");
                }
                id
            };
            // Each edge of the detailed picture, moved to the shapes drawn.
            type Merged = BTreeMap<(String, String, bool), (usize, BTreeSet<String>)>;
            let mut expected: Merged = BTreeMap::new();
            for edge in &detail.edges {
                let (from, to) = (holder(&edge.from), holder(&edge.to));
                if from == to {
                    continue;
                }
                let entry = expected.entry((from, to, edge.allowed)).or_default();
                entry.0 += 1;
                entry.1.extend(edge.ports.split(", ").map(str::to_string));
            }
            let drawn: Merged = tiled
                .edges
                .iter()
                .map(|edge| {
                    let ports = edge.ports.split(", ").map(str::to_string).collect();
                    (
                        (edge.from.clone(), edge.to.clone(), edge.allowed),
                        (edge.n_pairs, ports),
                    )
                })
                .collect();
            assert!(!drawn.is_empty(), "{what}");
            assert_eq!(drawn, expected, "{what}");
            assert_eq!(
                tiled.edges.len(),
                drawn.len(),
                "{what}: one edge per pair of tiles"
            );
            // The logical view's workload boxes stand beside the islands, not in
            // them, so zoomed out they are still drawn as themselves.
            assert_eq!(
                tiled.edges.iter().any(|edge| edge.n_pairs > 1),
                view == View::Cluster,
                "{what}: merged"
            );
            for edge in &tiled.edges {
                assert_ne!(level_of(&edge.from), Level::Hidden, "{what}");
                assert_ne!(level_of(&edge.to), Level::Hidden, "{what}");
                let label = edge.label();
                if edge.n_pairs > 1 {
                    assert!(
                        label.starts_with(&format!("{}× :", edge.n_pairs)),
                        "{label}"
                    );
                }
            }
            assert!(tiled
                .shields
                .iter()
                .all(|shield| level_of(&shield.shape) != Level::Hidden));
            check_lanes(&scene, &tiled, &what);
            check_no_overlap(&scene, &tiled, &tiles, &levels, &what);
            check_no_crossing(&scene, &tiled, &levels, &what);
            check_runs_apart(&scene, &tiled, &what);
            check_runs_off_titles(&scene, &tiled, &levels, &what);
            check_arrowheads_apart(&tiled, zoom, 3.0, &what);
        }
    }
}

/// §8.6, issue #10: several denied lanes into one workload ended at one point,
/// and their arrowheads made one red blob at the box's corner. On the demo, fitted
/// to the graph areas at 1440x900 and at 1024x768, each lane into a shape has its
/// own arrowhead, at least 3 px from the others.
#[test]
fn arrowheads_into_one_shape_are_drawn_apart() {
    let topology = boutique_with_policies();
    for view in [View::Cluster, View::Logical] {
        let (scene, overlay) = overlay_of(&topology, view, None);
        let n_shared = overlay
            .edges
            .iter()
            .filter(|edge| !edge.allowed)
            .map(|edge| &edge.to)
            .collect::<BTreeSet<_>>()
            .len();
        assert!(n_shared > 5, "{view:?}: {n_shared}");
        for (width, height) in [(850.0, 680.0), (620.0, 560.0)] {
            let k = fitted(&scene, &overlay, width, height);
            check_arrowheads_apart(&overlay, k, 3.0, &format!("{view:?} at {k:.2}"));
        }
    }
}

/// §8.6: a label names at most three ports, then how many more.
#[test]
fn policy_edge_labels_shorten_long_port_lists() {
    let topology = boutique_with_policies();
    let (_, overlay) = overlay_of(&topology, View::Logical, None);
    let mut edge = overlay.edges[0].clone();
    edge.ports = ":80, :443, :8080, :9090, :53/UDP".to_string();
    edge.n_pairs = 4;
    assert_eq!(edge.label(), "4× :80, :443, :8080 +2");
    edge.n_pairs = 1;
    edge.ports = ":7070".to_string();
    assert_eq!(edge.label(), ":7070");
}

/// §13.1, §8.6, issue #10: the gutters between columns of node boxes and the gaps
/// between a node box's columns of groups keep the room they leave for the policy
/// edges when what-if edits disable every policy (the Overview's Disable
/// buttons), so no box moves, in either view. A text edit that removes the last
/// policy is an input without any, and its columns close up.
#[test]
fn s13_1_disabling_every_policy_moves_no_box() {
    use kubetopo::engine::whatif::{apply, Mutation};
    let topology = generated_with_policies();
    let mut edited = topology.clone();
    for policy in &topology.manifests.network_policies {
        let mutation = Mutation::RemoveNetworkPolicy {
            namespace: policy.meta.namespace.clone(),
            name: policy.meta.name.clone(),
        };
        apply(&mut edited, &mutation).expect("the policy is there");
    }
    assert!(edited.manifests.network_policies.is_empty());
    let without = analyze(
        &[SourceFile::new("generated.yaml", generated_text(false))],
        &Config::default(),
    );
    for view in [View::Cluster, View::Logical] {
        let before = boxes(&topology, view);
        assert!(before.len() > 100, "{view:?}");
        assert_eq!(boxes(&edited, view), before, "{view:?}");
        assert_ne!(boxes(&without, view), before, "{view:?}");
    }
}

/// Every box of `topology`'s picture in `view`, by id, in tenths of a unit.
fn boxes(topology: &Topology, view: View) -> Vec<(String, [i64; 4])> {
    let scene = build_scene(topology, view, &Filter::default());
    let tenths = |f: f64| (f * 10.0).round() as i64;
    scene
        .shapes
        .iter()
        .map(|s| {
            let r = s.rect;
            (
                s.id.clone(),
                [tenths(r.x), tenths(r.y), tenths(r.w), tenths(r.h)],
            )
        })
        .collect()
}

/// §13.1, issue #10 item 6: a text edit that deletes the last NetworkPolicy is an
/// edit of the same input when the shell says the input had policies
/// (`Topology::had_policies`, which the app keeps until the input is replaced):
/// the gutters stay as wide and no box moves, in either view. The same text read
/// as a new input (`analyze` alone) closes them up, and the flag is an input to
/// the layout, not state: the same text and flag give the same picture.
#[test]
fn s13_1_typing_away_the_last_policy_moves_no_box() {
    let with_policies = generated_with_policies();
    let text_without = || {
        analyze(
            &[SourceFile::new("generated.yaml", generated_text(false))],
            &Config::default(),
        )
    };
    let new_input = text_without();
    assert!(!new_input.had_policies, "analyze leaves it to the shell");
    let mut edited = text_without();
    edited.had_policies = true;
    for view in [View::Cluster, View::Logical] {
        let before = boxes(&with_policies, view);
        assert!(n_columns(&build_scene(&with_policies, view, &Filter::default())) > 1);
        assert_eq!(boxes(&edited, view), before, "{view:?}");
        assert_ne!(boxes(&new_input, view), before, "{view:?}");
        let mut again = text_without();
        again.had_policies = true;
        assert_eq!(boxes(&again, view), boxes(&edited, view), "{view:?}");
    }
}

/// §8.6, issue #10: right of the last column the lanes keep to a gutter's width
/// (`OUTER_GUTTER`) and bundle, so that the demo's denied edges no longer spread
/// into a wall of a dozen red lanes with a cross for each of its 105 edges: they
/// join their lanes at fewer than half as many points, and no point joins an
/// allowed and a denied edge.
#[test]
fn denied_edges_right_of_the_last_column_join_in_bundles() {
    use kubetopo::engine::policy_overlay::OUTER_GUTTER;
    let topology = boutique_with_policies();
    for view in [View::Cluster, View::Logical] {
        let (scene, overlay) = overlay_of(&topology, view, None);
        let mut verdict_at: std::collections::BTreeMap<String, bool> = Default::default();
        for edge in &overlay.edges {
            let (x, y) = edge.join_at.expect("joins its lane");
            let at = format!("{x:.3},{y:.3}");
            assert_eq!(*verdict_at.entry(at).or_insert(edge.allowed), edge.allowed);
        }
        let n_denied = overlay.edges.iter().filter(|e| !e.allowed).count();
        let n_denied_points = verdict_at.values().filter(|allowed| !**allowed).count();
        assert!(
            n_denied_points * 2 < n_denied,
            "{view:?}: {n_denied} denied edges join at {n_denied_points} points"
        );
        // Every run right of the last column lies within the outer gutter.
        let last = scene
            .shapes
            .iter()
            .filter(|s| s.parent.is_none())
            .map(|s| s.rect.x + s.rect.w)
            .fold(0.0, f64::max);
        assert!(overlay.right() <= last + OUTER_GUTTER, "{view:?}");
    }
}

/// §8.6, issue #10 item 3: bundled edges were told apart only by hover. Each point
/// where edges join a lane is one mark of one verdict (a join) that counts the
/// edges joining there and lists the connections they stand for, each with its
/// port, verdict and deciding policy, from the policy graph; the demo has bundles
/// of several edges.
#[test]
fn s8_6_a_bundle_counts_and_lists_its_edges() {
    use kubetopo::engine::policy_overlay::MAX_LISTED;
    let topology = boutique_with_policies();
    let graph = policy_graph(&topology);
    for view in [View::Cluster, View::Logical] {
        let (_, overlay) = overlay_of(&topology, view, None);
        let mut n_joins_of = vec![0; overlay.edges.len()];
        for join in &overlay.joins {
            let mut expected = Vec::new();
            let mut n_edges = 0;
            for (position, edge) in overlay.edges.iter().enumerate() {
                if edge.join_at != Some(join.at) {
                    continue;
                }
                n_edges += 1;
                n_joins_of[position] += 1;
                assert_eq!(edge.allowed, join.allowed, "{view:?}");
                for &index in &edge.connections {
                    let connection = &graph.connections[index];
                    assert_eq!(connection.allowed, edge.allowed);
                    let mut line = connection.text();
                    line.push_str(" · ");
                    line.push_str(&connection.label);
                    expected.push(line);
                }
            }
            assert_eq!(join.n_edges, n_edges, "{view:?}");
            assert_eq!(join.n_connections, expected.len(), "{view:?}");
            let lines: Vec<&str> = join.listing.lines().collect();
            // No empty line after the last, which a tooltip would show.
            assert!(
                !join.listing.ends_with('\n'),
                "{view:?}: {:?}",
                join.listing
            );
            let n_listed = expected.len().min(MAX_LISTED);
            assert_eq!(lines[..n_listed], expected[..n_listed], "{view:?}");
            if expected.len() > MAX_LISTED {
                assert_eq!(
                    lines[n_listed..],
                    [format!("and {} more", expected.len() - MAX_LISTED)]
                );
            } else {
                assert_eq!(lines.len(), n_listed);
            }
            let verdict = if join.allowed {
                " · allowed by default/"
            } else {
                " · denied by policy default/"
            };
            assert!(lines[..n_listed].iter().all(|line| line.contains(verdict)));
        }
        assert!(
            n_joins_of.iter().all(|n| *n == 1),
            "{view:?}: one join per edge"
        );
        assert!(
            overlay.joins.iter().any(|join| join.n_edges > 2),
            "{view:?}: no bundle"
        );
        assert!(overlay
            .joins
            .iter()
            .any(|join| join.listing.lines().any(|line| line.starts_with(
                "loadgenerator → cartservice :7070/TCP · denied by policy default/"
            ))));
    }
}
