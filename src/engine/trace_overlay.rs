//! A trace drawn on the picture (§13.5): which shapes and edges of a scene one
//! traced connection crosses, a numbered badge per hop at the place it happens, and
//! where its verdict is written.
//!
//! The shells draw what [`trace_overlay`] returns and decide nothing: the SVG and
//! the canvas renderer dim everything but [`TraceOverlay::highlight`], and one
//! overlay layer draws the path, the badges and the verdict over either of them.

use super::highlight::Highlight;
use super::positions::Positions;
use super::scene::{self, IdKind, Rect, Scene};
use super::trace::{Cause, HopAction, Place, Trace, Verdict};
use super::Topology;

/// One traced connection, placed on one scene.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceOverlay {
    /// The shapes the connection crosses (with their containers) and the edges it
    /// follows, at full strength; everything else is faded.
    pub highlight: Highlight,
    /// The path, in scene units: where the packet starts, then each hop's badge and
    /// where the hop leaves the packet (a DNS answer returns to the asker), without
    /// a point repeated twice in a row.
    pub path: Vec<(f64, f64)>,
    /// One badge per hop the scene can place, in hop order.
    pub badges: Vec<HopBadge>,
    /// Where the verdict is written, when the scene shows any place of the trace.
    pub verdict: Option<VerdictMark>,
}

/// The numbered badge of one hop.
#[derive(Clone, Debug, PartialEq)]
pub struct HopBadge {
    /// The hop's 1-based step, as the trace panel numbers it.
    pub step: usize,
    pub action: HopAction,
    /// The scene shape the hop happens at, when the scene draws one.
    pub shape: Option<String>,
    /// Where the badges of this place are stacked, in scene units.
    pub x: f64,
    pub y: f64,
    /// The badge's position in the stack of badges at the same point: the shell
    /// draws slot `n` one badge height below slot `n - 1`, at any zoom.
    pub slot: usize,
}

/// The verdict, written large where the connection ended.
#[derive(Clone, Debug, PartialEq)]
pub struct VerdictMark {
    pub verdict: Verdict,
    /// "dropped: no local endpoint on node-2", "delivered to default/cart-1".
    pub text: String,
    pub x: f64,
    pub y: f64,
    /// The slot under the last badge at this point.
    pub slot: usize,
}

/// How the scene is shown on the layer the overlay is drawn on: the scene point
/// (x, y) is at (x·k + tx, y·k + ty) on a layer `width` pixels wide.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Screen {
    pub k: f64,
    pub tx: f64,
    pub ty: f64,
    pub width: f64,
}

impl Screen {
    pub fn point(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (x * self.k + self.tx, y * self.k + self.ty)
    }

    pub fn rect(&self, rect: &Rect) -> Rect {
        let (x, y) = self.point((rect.x, rect.y));
        Rect {
            x,
            y,
            w: rect.w * self.k,
            h: rect.h * self.k,
        }
    }
}

/// The badges and the verdict of an overlay, laid out in screen pixels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ScreenMarks {
    /// One per badge of the overlay, in its order.
    pub badges: Vec<ScreenMark>,
    pub verdict: Option<ScreenMark>,
}

/// One badge, or the verdict, on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScreenMark {
    pub rect: Rect,
    /// The point it belongs to, in screen pixels.
    pub point: (f64, f64),
    /// Whether it had to leave its place beside the point (a title was in the
    /// way): the shell draws a leader line from the point to it.
    pub moved: bool,
}

/// A badge's height in screen pixels; stacked marks keep [`MARK_GAP`] apart.
pub const BADGE_H: f64 = 20.0;
pub const VERDICT_H: f64 = 28.0;
pub const MARK_GAP: f64 = 3.0;

/// A badge's width in screen pixels: the number's circle and the word.
pub fn badge_width(action: HopAction) -> f64 {
    28.0 + 7.0 * badge_label(action).len() as f64
}

/// The verdict's width in screen pixels, written at 16 px.
pub fn verdict_width(text: &str) -> f64 {
    20.0 + 10.0 * text.chars().count() as f64
}

/// Lays out the badges and the verdict of `overlay` on `screen` (§13.5): each at
/// a fixed size, right of its point, stacked downwards in step order below the
/// marks already placed, and never over the picture's text (`texts`, from
/// [`super::lod::texts_on_screen`]: the shapes' titles, or the tiles' names,
/// counts and drops): a mark whose place would cover some moves down past it, or
/// to the left of its point when that is nearer, and keeps inside the layer's
/// width.
pub fn layout_on_screen(overlay: &TraceOverlay, texts: Vec<Rect>, screen: Screen) -> ScreenMarks {
    let mut placer = Placer::new(texts, screen);
    let badges = overlay
        .badges
        .iter()
        .map(|badge| {
            placer.place(
                (badge.x, badge.y),
                badge.slot,
                badge_width(badge.action),
                BADGE_H,
                false,
            )
        })
        .collect();
    let verdict = overlay.verdict.as_ref().map(|verdict| {
        placer.place(
            (verdict.x, verdict.y),
            verdict.slot,
            verdict_width(&verdict.text),
            VERDICT_H,
            false,
        )
    });
    ScreenMarks { badges, verdict }
}

/// How far a drop marker reaches from its centre, in screen pixels: its ring's
/// radius of 9 and half its 3 px line, rounded up (§13.5).
pub const DROP_MARKER_REACH: f64 = 11.0;

/// Where a node's drop marker stands, its centre in scene units at zoom `k`
/// (§13.5): one reach left of the node's box `own`, at the height of `anchor`, its
/// name's. Where that would cover another of `boxes` (the nodes' boxes, `own` among
/// them) to its left, as packed node columns 30 units apart do below a zoom of
/// about 0.73, it moves right until it clears them, into the edge of its own box;
/// and down, where it would reach the box above (16 units up in a packed column).
pub fn node_drop_marker(own: &Rect, anchor: (f64, f64), boxes: &[Rect], k: f64) -> (f64, f64) {
    let reach = DROP_MARKER_REACH / k;
    let beside = Rect {
        x: own.x - 2.0 * reach,
        y: anchor.1 - reach,
        w: 2.0 * reach,
        h: 2.0 * reach,
    };
    let others = || boxes.iter().filter(move |other| *other != own);
    // The right edge of the boxes the marker would stand on.
    let crowding = others()
        .filter(|other| other.overlaps(&beside))
        .map(|other| other.x + other.w)
        .fold(f64::NEG_INFINITY, f64::max);
    let x = (own.x - reach).max((crowding + reach).min(own.x + reach));
    // The bottom of the boxes above it across the marker's width.
    let above = others()
        .filter(|other| {
            other.y + other.h <= own.y && other.x < x + reach && x - reach < other.x + other.w
        })
        .map(|other| other.y + other.h)
        .fold(f64::NEG_INFINITY, f64::max);
    (x, anchor.1.max(above + reach))
}

/// Lays out labels beside points of the scene on `screen`, in order, the way
/// [`layout_on_screen`] lays out badges: each `(point, width)` gets a box `width`
/// by [`LABEL_H`] pixels right of its point (or left), never over the picture's
/// `texts` nor a label placed before it. Unlike a badge, which keeps its step
/// order down the screen, a label whose place is taken moves up or down,
/// whichever is nearer, and up only as far as the top of the layer. The drop
/// markers' reasons (§13.5) are written there, at a fixed size at any zoom.
pub fn labels_beside_points(
    points: &[((f64, f64), f64)],
    texts: Vec<Rect>,
    screen: Screen,
) -> Vec<ScreenMark> {
    let mut placer = Placer::new(texts, screen);
    points
        .iter()
        .map(|&(point, w)| placer.place(point, 0, w, LABEL_H, true))
        .collect()
}

/// A label's height in screen pixels (written at 11 px).
pub const LABEL_H: f64 = 14.0;

/// Places marks one after another among the picture's text and the marks placed
/// before, in screen pixels.
pub(crate) struct Placer {
    screen: Screen,
    titles: Vec<Rect>,
    taken: Vec<Rect>,
}

impl Placer {
    pub(crate) fn new(titles: Vec<Rect>, screen: Screen) -> Placer {
        Placer {
            screen,
            titles,
            taken: Vec::new(),
        }
    }

    /// A box `w` by `h` at `x`, at `y0` or the first free place below it.
    pub(crate) fn put(&mut self, x: f64, y0: f64, w: f64, h: f64) -> Rect {
        let rect = Rect {
            x,
            y: self.free_along(x, y0, w, h, false),
            w,
            h,
        };
        self.taken.push(rect);
        rect
    }

    /// A box `w` by `h` at `x`, `y`, unless a title or a placed box is in the way.
    #[inline(always)]
    pub(crate) fn put_if_free(&mut self, x: f64, y: f64, w: f64, h: f64) -> Option<Rect> {
        (self.free_along(x, y, w, h, false) == y).then(|| self.put(x, y, w, h))
    }

    /// A box `w` by `h` beside `point`: right of it, else left, at the nearest
    /// free place below, or (with `up`) above it as well, within the layer.
    fn place(&mut self, point: (f64, f64), slot: usize, w: f64, h: f64, up: bool) -> ScreenMark {
        let point = self.screen.point(point);
        let inside = |x: f64| x.min(self.screen.width - w - 4.0).max(4.0);
        // Clear of a drop marker's ring (radius 9, and its stroke).
        let right = inside(point.0 + 12.0);
        let left = inside(point.0 - 12.0 - w);
        let y0 = point.1 - h / 2.0;
        // The nearest of the free places, right of the point first, then below;
        // above only within the layer.
        let (mut x, mut y) = (right, self.free_along(right, y0, w, h, false));
        for (other_x, upwards) in [(left, false), (right, true), (left, true)] {
            if upwards && !up {
                break;
            }
            let other_y = self.free_along(other_x, y0, w, h, upwards);
            if (other_y >= 0.0 || !upwards) && (other_y - y0).abs() < (y - y0).abs() {
                (x, y) = (other_x, other_y);
            }
        }
        let rect = Rect { x, y, w, h };
        self.taken.push(rect);
        let stacked_y = y0 + slot as f64 * (BADGE_H + MARK_GAP);
        ScreenMark {
            rect,
            point,
            moved: (x - right).abs() > 0.5 || (y - stacked_y).abs() > 0.5,
        }
    }

    /// The first `y` from `y0` down (or `up`) at which a box `w` by `h` at `x`
    /// keeps [`MARK_GAP`] from every title and placed mark. Each step moves past
    /// the boxes in the way, never to meet them again, so the search ends.
    fn free_along(&self, x: f64, y0: f64, w: f64, h: f64, up: bool) -> f64 {
        let column: Vec<&Rect> = self
            .titles
            .iter()
            .chain(&self.taken)
            .filter(|r| r.x < x + w && x < r.x + r.w)
            .collect();
        let mut y = y0;
        loop {
            // Past every box in the way, the furthest; a step that rounding
            // leaves in place ends the search.
            let mut next = y;
            for r in &column {
                if r.y < y + h + MARK_GAP && y < r.y + r.h + MARK_GAP {
                    let past = if up {
                        r.y - h - MARK_GAP
                    } else {
                        r.y + r.h + MARK_GAP
                    };
                    if (past < next) == up && past != next {
                        next = past;
                    }
                }
            }
            if next == y {
                return y;
            }
            y = next;
        }
    }
}

/// The short word a hop's badge shows beside its number.
pub fn badge_label(action: HopAction) -> &'static str {
    match action {
        HopAction::Dns => "DNS",
        HopAction::Send => "send",
        HopAction::LoadBalancer => "LB",
        HopAction::Capture => "node",
        HopAction::ChooseEndpoint => "endpoint",
        HopAction::Dnat => "DNAT",
        HopAction::Snat => "SNAT",
        HopAction::Forward => "forward",
        HopAction::PolicyEgress | HopAction::PolicyIngress => "policy",
        HopAction::IngressRoute => "ingress",
        HopAction::GatewayListener
        | HopAction::GatewayRoute
        | HopAction::GatewayFilter
        | HopAction::GatewayBackend => "gateway",
        HopAction::Proxy => "proxy",
        HopAction::Leave => "leave",
        HopAction::Deliver => "pod",
        HopAction::Drop => "drop",
        HopAction::Reject => "reject",
        HopAction::Unresolved => "no answer",
    }
}

/// The verdict in a few words, naming where it happened: "dropped: no local
/// endpoint on node-2", "delivered to default/cartservice-1". A verdict whose cause
/// is only the verdict itself (a Gateway's own answer, a proxy's refusal) says it
/// once, with the HTTP status when there is one: "redirected 301 on node-1",
/// "rejected 500 on node-2", not "redirected: redirected".
pub fn verdict_text(trace: &Trace) -> String {
    if trace.verdict == Verdict::Delivered {
        return match trace.endpoint.as_ref().and_then(|e| e.pod.as_ref()) {
            Some(pod) => format!("delivered to {pod}"),
            None => "delivered".to_string(),
        };
    }
    let node = trace
        .hops
        .last()
        .and_then(|hop| hop.node.as_deref())
        .map(|node| format!(" on {node}"))
        .unwrap_or_default();
    if trace.cause == Cause::Other(trace.verdict) && trace.verdict != Verdict::Unresolved {
        let status = trace.http.as_ref().and_then(|http| http.status);
        let status = status
            .map(|status| format!(" {status}"))
            .unwrap_or_default();
        return format!("{}{status}{node}", trace.verdict);
    }
    format!("{}: {}{node}", trace.verdict, trace.cause.label())
}

/// The scene shape that stands for `place`: the one [`scene::place_anchor`] draws
/// a packet at. In the logical view a pod stands as its workload's box.
pub fn place_shape(scene: &Scene, topology: &Topology, place: &Place) -> Option<String> {
    let found = |id: String| scene.shape(&id).map(|shape| shape.id.clone());
    match place {
        Place::Client => found(scene::EXTERNAL_ID.to_string()),
        Place::Dns | Place::Outside(_) => None,
        Place::LoadBalancer(service) => found(scene::id_from_key(
            IdKind::LoadBalancer,
            &service.to_string(),
        ))
        .or_else(|| found(scene::id_from_key(IdKind::Service, &service.to_string()))),
        Place::Node(name) => found(scene::node_id(name)),
        Place::Pod(pod_key) => found(scene::id_from_key(IdKind::Pod, &pod_key.to_string()))
            .or_else(|| {
                let pod = topology.cluster.pods.iter().find(|p| p.key() == *pod_key)?;
                found(scene::workload_id(&pod.namespace, pod.workload.as_ref()?))
            }),
    }
}

/// Places `trace` on `scene` (§13.5). A hop happens where it leaves the packet,
/// except sending and the load balancer's choice, which happen where the packet
/// was; a hop at a place the scene does not draw (a node in the logical view) sits
/// at the Service it names, else at the previous badge. The verdict goes under
/// the badges of the last hop.
pub fn trace_overlay(trace: &Trace, scene: &Scene, topology: &Topology) -> TraceOverlay {
    let anchor = |place: &Place| scene::place_anchor(scene, topology, place);
    let mut crossed: Vec<String> = Vec::new();
    let mut path: Vec<(f64, f64)> = Vec::new();
    let mut badges: Vec<HopBadge> = Vec::new();
    let mut previous: Option<((f64, f64), Option<String>)> = None;
    for hop in &trace.hops {
        let service_shape = hop
            .service
            .as_ref()
            .map(|service| scene::id_from_key(IdKind::Service, &service.to_string()))
            .filter(|id| scene.shape(id).is_some());
        let at = match hop.action {
            HopAction::Send | HopAction::LoadBalancer => &hop.from,
            _ => &hop.to,
        };
        let placed = anchor(at)
            .map(|point| (point, place_shape(scene, topology, at)))
            .or_else(|| {
                let id = service_shape.clone()?;
                Some((scene.anchor(&id)?, Some(id)))
            })
            .or_else(|| anchor(&hop.from).map(|p| (p, place_shape(scene, topology, &hop.from))))
            .or_else(|| previous.clone());
        for id in [
            place_shape(scene, topology, &hop.from),
            service_shape,
            place_shape(scene, topology, &hop.to),
        ]
        .into_iter()
        .flatten()
        {
            if crossed.last() != Some(&id) {
                crossed.push(id);
            }
        }
        // The packet starts where the first hop starts; a DNS answer comes back to
        // the asker.
        let start = path.is_empty().then(|| anchor(&hop.from)).flatten();
        let back = (hop.action == HopAction::Dns)
            .then(|| anchor(&hop.from))
            .flatten();
        for point in [start, placed.as_ref().map(|p| p.0), anchor(&hop.to), back]
            .into_iter()
            .flatten()
        {
            if path.last() != Some(&point) {
                path.push(point);
            }
        }
        let Some(((x, y), shape)) = placed else {
            continue;
        };
        let slot = badges.iter().filter(|b| (b.x, b.y) == (x, y)).count();
        badges.push(HopBadge {
            step: hop.step,
            action: hop.action,
            shape: shape.clone(),
            x,
            y,
            slot,
        });
        previous = Some(((x, y), shape));
    }
    let verdict = badges.last().map(|last| VerdictMark {
        verdict: trace.verdict,
        text: verdict_text(trace),
        x: last.x,
        y: last.y,
        slot: last.slot + 1,
    });
    TraceOverlay {
        highlight: lit(scene, &crossed),
        path,
        badges,
        verdict,
    }
}

/// The shapes in `crossed` with their containers, and the edges that go forward
/// along it: from a shape crossed before a later crossing of the edge's other end
/// (a pod's workload group stands for the pod, as the cluster view draws
/// dependencies from groups).
fn lit(scene: &Scene, crossed: &[String]) -> Highlight {
    let stands_for = |crossing: &String, id: &str| {
        crossing == id
            || scene::id_kind(crossing) == Some(IdKind::Pod)
                && scene.shape(crossing).and_then(|s| s.parent.as_deref()) == Some(id)
    };
    let first = |id: &str| crossed.iter().position(|c| stands_for(c, id));
    let last = |id: &str| crossed.iter().rposition(|c| stands_for(c, id));
    // Each crossed shape, its parent and its grandparent (a pod's group and node).
    let mut lit_shapes = Positions::new();
    for id in crossed {
        let mut next = Some(id.as_str());
        for _ in 0..3 {
            let Some(id) = next else { break };
            lit_shapes.extend(scene.shape_index(id));
            next = scene.shape(id).and_then(|s| s.parent.as_deref());
        }
    }
    Highlight {
        lit_shapes,
        lit_edges: scene
            .edges
            .iter()
            .enumerate()
            .filter(|(_, edge)| match (first(&edge.from), last(&edge.to)) {
                (Some(from), Some(to)) => from < to,
                _ => false,
            })
            .map(|(position, _)| position)
            .collect(),
        selected_shapes: Positions::new(),
        matched_shapes: Positions::new(),
    }
}
