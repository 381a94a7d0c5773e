//! The trace on the picture (§13.5) and the policies on it (§8.6): the trace panel
//! at the top of the details pane, and one layer over the graph (either renderer)
//! with the trace's path, a numbered badge per hop and the verdict, and the policy
//! edges and shields. The engine's `trace_overlay` and `policy_overlay` place
//! everything; this module writes it as markup in screen pixels, so badges and
//! labels keep their size at any zoom, and keeps the panel's hovered hop and the
//! hovered badge in step.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::graph::{SceneBuild, Viewport};
use super::state::AppState;
use super::traffic::TrafficState;
use crate::engine::lod;
use crate::engine::policy_graph::policy_graph;
use crate::engine::policy_overlay::{labels_on_screen, policy_overlay, PolicyOverlay};
use crate::engine::refs::NamespacedName;
use crate::engine::scene::{escape, Rect, Scene};
use crate::engine::trace_overlay::{
    badge_label, layout_on_screen, trace_overlay, Screen, ScreenMark, TraceOverlay, BADGE_H,
    VERDICT_H,
};

/// The shown trace placed on the shown scene; `None` without a trace.
pub fn overlay(scene: Memo<SceneBuild>) -> Memo<Option<Arc<TraceOverlay>>> {
    let state = expect_context::<AppState>();
    let traffic = expect_context::<TrafficState>();
    Memo::new(move |_| {
        let trace = traffic.trace.get()?;
        let build = scene.get();
        let topology = state.topology.get();
        Some(Arc::new(trace_overlay(
            &trace,
            &build.scene,
            &topology.value,
        )))
    })
}

/// The toolbar's switch for the policy overlay.
#[component]
pub fn PolicyToggle() -> impl IntoView {
    let traffic = expect_context::<TrafficState>();
    view! {
        <label class="toggle" title=super::template_markup("kt-policies-title")>
            <input type="checkbox" data-testid="show-policies" prop:checked=move || traffic.policy_overlay.get()
                on:change=move |ev| traffic.policy_overlay.set(event_target_checked(&ev)) />
            "Policies"
        </label>
    }
}

/// Removes the trace from the panel and the picture.
pub fn clear(traffic: TrafficState) {
    traffic.trace.set(None);
    traffic.trace_error.set(None);
    traffic.trace_hover.set(None);
}

/// The hop step named by the `data-step` of the element under an event, if any.
/// Sets the hovered hop when it changes. Each change redraws the layer, and the
/// pointer enters the redrawn mark under it again: setting it every time would
/// redraw without end, and no pointer move would reach a mark (a policy join's
/// listing).
#[inline(always)]
fn hover(traffic: TrafficState, step: Option<usize>) {
    // An event handler tracks nothing: `get` reads as `get_untracked` would, and
    // costs no code of its own (the layer's effect reads it so too).
    if traffic.trace_hover.get() != step {
        traffic.trace_hover.set(step);
    }
}

fn hovered_step(ev: &web_sys::Event) -> Option<usize> {
    super::attribute_around(ev.target(), "data-step")?
        .parse()
        .ok()
}

/// The policy overlay the layer drew last, with the scene version, selected
/// policy and shape levels (tiles) it was placed for.
#[derive(Default)]
struct Drawn {
    policies: Option<(u64, Option<NamespacedName>, u64, PolicyOverlay)>,
    /// The layer's markup.
    markup: String,
}

thread_local! {
    /// The levels of the scene the layers last asked about (its identity held
    /// weakly, so a dropped scene's address is never taken for a new one's): the
    /// drops and the trace layers ask on every frame of a pan or a zoom.
    static LEVELS: std::cell::RefCell<(std::sync::Weak<Scene>, lod::LevelsCache)> =
        Default::default();
}

/// Calls `f` with the level each shape of `build` is drawn at on `screen` (tiles
/// when zoomed out), kept while the scene, the collapsed tiles and the zoom band
/// stay the same.
fn with_levels<R>(build: &SceneBuild, screen: Screen, f: impl FnOnce(&lod::LevelsCache) -> R) -> R {
    let state = expect_context::<AppState>();
    LEVELS.with_borrow_mut(|(scene, levels)| {
        if !std::ptr::eq(scene.as_ptr(), Arc::as_ptr(&build.scene)) {
            *scene = Arc::downgrade(&build.scene);
            *levels = lod::LevelsCache::default();
        }
        state
            .collapse
            .with(|collapse| levels.update(&build.scene, &build.tiles, collapse, screen.k));
        f(levels)
    })
}

/// The text the picture writes on `screen`, which badges and labels keep off:
/// titles, or the tiles' names, counts and drops when zoomed out (then tracking
/// the drops, which change their labels).
pub fn picture_texts(build: &SceneBuild, screen: Screen, second_rows: bool) -> Vec<Rect> {
    let traffic = expect_context::<TrafficState>();
    with_levels(build, screen, |levels| {
        let texts = |counters: &_| {
            lod::texts_on_screen(
                &build.scene,
                &build.tiles,
                levels,
                counters,
                screen,
                second_rows,
            )
        };
        if levels.contains(&lod::Level::Tile) {
            traffic.counters.with(texts)
        } else {
            traffic.counters.with_untracked(texts)
        }
    })
}

/// The layer over the graph.
#[component]
pub fn TraceLayer(
    scene: Memo<SceneBuild>,
    overlay: Memo<Option<Arc<TraceOverlay>>>,
    viewport: RwSignal<Viewport>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let traffic = expect_context::<TrafficState>();
    let layer = NodeRef::<leptos::svg::Svg>::new();
    let drawn = std::rc::Rc::new(std::cell::RefCell::new(Drawn::default()));
    Effect::new(move |_| {
        let Some(svg) = layer.get() else {
            return;
        };
        let mut drawn = drawn.borrow_mut();
        let size = (
            f64::from(svg.client_width()),
            f64::from(svg.client_height()),
        );
        let trace = overlay.get();
        let view = viewport.get();
        let hovered = traffic.trace_hover.get();
        let build = scene.get();
        // The policy graph is computed only while the overlay is on or a policy is
        // selected, and once per scene and selection.
        let selected = traffic.policy_selected.get();
        let screen = Screen {
            k: view.k,
            tx: view.tx,
            ty: view.ty,
            width: size.0,
        };
        let texts = || picture_texts(&build, screen, false);
        let mut out = String::new();
        if traffic.policy_overlay.get() || selected.is_some() {
            // Placed again only for another scene, policy or set of tiles: a pan or
            // a zoom within a band reuses the placement.
            let generation = with_levels(&build, screen, lod::LevelsCache::generation);
            let fresh = drawn
                .policies
                .as_ref()
                .is_some_and(|(version, policy, at, _)| {
                    *version == build.version && *policy == selected && *at == generation
                });
            if !fresh {
                let graph = state
                    .topology
                    .with_untracked(|topology| policy_graph(&topology.value));
                let placed = with_levels(&build, screen, |levels| {
                    policy_overlay(&graph, &build.scene, selected.as_ref(), levels)
                });
                drawn.policies = Some((build.version, selected, generation, placed));
            }
            if let Some((.., policies)) = &drawn.policies {
                out = policy_markup(policies, texts(), screen, size.1);
            }
        }
        let right = match &drawn.policies {
            Some((.., policies)) if !out.is_empty() => policies.right(),
            _ => 0.0,
        };
        if traffic.policy_right.get_untracked() != right {
            traffic.policy_right.set(right);
        }
        if let Some(trace) = &trace {
            // The trace panel lists the hops for a screen reader.
            out.push_str("<g aria-hidden=\"true\">");
            out.push_str(&markup(trace, &build.scene, texts(), screen, hovered));
            out.push_str("</g>");
        }
        // The same markup is not written again (a counter that changes no label),
        // so a focused join keeps the focus; new markup (a pan, a zoom) takes the
        // focus from it, and its listing with it (`graph.rs`), and the join with the
        // same listing takes the focus again, so the keyboard keeps its place.
        if drawn.markup != out {
            set_markup_keeping_focus(&svg, &out, "data-tip", Refocus::Anew);
            drawn.markup = out;
        }
    });
    // A new trace that leaves the view is brought into it.
    let brought = std::rc::Rc::new(std::cell::RefCell::new(None::<Arc<TraceOverlay>>));
    Effect::new(move |_| {
        let (Some(svg), Some(new)) = (layer.get_untracked(), overlay.get()) else {
            return;
        };
        let mut brought = brought.borrow_mut();
        if brought.as_ref().is_some_and(|old| Arc::ptr_eq(old, &new)) {
            return;
        }
        let size = (
            f64::from(svg.client_width()),
            f64::from(svg.client_height()),
        );
        if let Some(view) = bring_into_view(&new, viewport.get_untracked(), size) {
            viewport.set(view);
        }
        *brought = Some(new);
    });
    view! {
        <svg class="trace-layer" node_ref=layer data-testid="trace-layer"
            on:pointerover=move |ev| hover(traffic, hovered_step(&ev))
            on:pointerout=move |_| hover(traffic, None)></svg>
    }
}

/// The viewport that shows all of the trace's path, centred, when `view` does
/// not (keeping some room for the badges right of and below their points);
/// `None` when it does. It only zooms out.
fn bring_into_view(
    overlay: &TraceOverlay,
    view: Viewport,
    (width, height): (f64, f64),
) -> Option<Viewport> {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for &(x, y) in &overlay.path {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let inside = |x: f64, y: f64| {
        let (x, y) = (x * view.k + view.tx, y * view.k + view.ty);
        x >= 10.0 && y >= 10.0 && x <= width - 60.0 && y <= height - 40.0
    };
    if overlay.path.is_empty() || inside(x0, y0) && inside(x1, y1) {
        return None;
    }
    let k = view
        .k
        .min((width - 200.0) / (x1 - x0).max(1.0))
        .min((height - 160.0) / (y1 - y0).max(1.0))
        .max(0.02);
    Some(Viewport {
        tx: (width - 200.0) / 2.0 - (x0 + x1) / 2.0 * k,
        ty: (height - 120.0) / 2.0 - (y0 + y1) / 2.0 * k,
        k,
    })
}

/// The overlay as SVG markup in screen pixels for `view` on a layer `width` pixels
/// wide; the hovered hop's badge and shape are outlined. The engine places the
/// badges and the verdict (`layout_on_screen`), clear of the picture's `texts`.
fn markup(
    overlay: &TraceOverlay,
    scene: &Scene,
    texts: Vec<Rect>,
    screen: Screen,
    hovered: Option<usize>,
) -> String {
    let mut out = String::from("<polyline class=\"trace-path\" points=\"");
    push_points(&mut out, &overlay.path, screen);
    out.push_str("\"></polyline>");
    let marks = layout_on_screen(overlay, texts, screen);
    // A mark moved off its place is tied to its point by a thin line.
    let leader = |out: &mut String, mark: &ScreenMark| {
        if mark.moved {
            let r = mark.rect;
            out.push_str(&format!(
                "<line class=\"trace-leader\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"></line>",
                mark.point.0,
                mark.point.1,
                r.x.max(mark.point.0.min(r.x + r.w)),
                r.y + r.h / 2.0
            ));
        }
    };
    for (badge, mark) in overlay.badges.iter().zip(&marks.badges) {
        let is_hovered = hovered == Some(badge.step);
        if is_hovered {
            if let Some(rect) = badge.shape.as_deref().and_then(|id| scene.shape(id)) {
                let r = screen.rect(&rect.rect);
                out.push_str(&format!(
                    "<rect class=\"trace-focus\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\"></rect>",
                    r.x - 4.0,
                    r.y - 4.0,
                    r.w + 8.0,
                    r.h + 8.0
                ));
            }
        }
        leader(&mut out, mark);
        out.push_str(&format!(
            "<g class=\"trace-badge{}\" data-testid=\"trace-badge\" data-step=\"{}\" data-action=\"{}\" transform=\"translate({:.1},{:.1})\"><rect width=\"{:.0}\" height=\"{BADGE_H}\" rx=\"10\"></rect><circle cx=\"10\" cy=\"10\" r=\"8\"></circle><text class=\"step\" x=\"10\" y=\"14\">{}</text><text x=\"22\" y=\"14\">{}</text></g>",
            if is_hovered { " hovered" } else { "" },
            badge.step,
            badge.action.as_str(),
            mark.rect.x,
            mark.rect.y,
            mark.rect.w,
            badge.step,
            badge_label(badge.action),
        ));
    }
    if let (Some(verdict), Some(mark)) = (&overlay.verdict, &marks.verdict) {
        leader(&mut out, mark);
        out.push_str(&format!(
            "<g class=\"trace-verdict {}\" data-testid=\"trace-verdict-mark\" transform=\"translate({:.1},{:.1})\"><rect width=\"{:.0}\" height=\"{VERDICT_H}\" rx=\"6\"></rect><text x=\"10\" y=\"19\">{}</text></g>",
            verdict.verdict.as_str(),
            mark.rect.x,
            mark.rect.y,
            mark.rect.w,
            escape(&verdict.text),
        ));
    }
    out
}

/// Writes `points` on `screen` as a polyline's `points`: `x,y x,y`.
#[inline(always)]
fn push_points(out: &mut String, points: &[(f64, f64)], screen: Screen) {
    for (i, &point) in points.iter().enumerate() {
        let (x, y) = screen.point(point);
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&format!("{x:.1},{y:.1}"));
    }
}

/// The policy edges (arrows, with their ports; denied ones dashed), each in its
/// lane, a cross (denied) or a dot (allowed) where edges join a lane, counting
/// them where they are more than one and listing them on hover (`data-tip`), and
/// the shields, in screen pixels. The engine places the labels
/// (`labels_on_screen`).
/// `height` is the graph's, beside `screen.width`: a mark outside the graph is not
/// a stop of Tab, which would focus what the user cannot see.
fn policy_markup(overlay: &PolicyOverlay, texts: Vec<Rect>, screen: Screen, height: f64) -> String {
    let labels = labels_on_screen(overlay, texts, screen);
    // The arrowheads `kt-allow` and `kt-deny` are defined once in `index.html`.
    let mut out = String::new();
    // The port labels, hidden from a screen reader: the joins' names and the
    // policies panel say the ports.
    let mut texts = String::from("<g aria-hidden=\"true\">");
    for (edge, label) in overlay.edges.iter().zip(&labels) {
        let mut line = String::new();
        push_points(&mut line, &edge.points, screen);
        // Labels go over every line, clear of the arrowheads.
        if let Some(r) = label {
            texts.push_str(&format!(
                "<text class=\"policy-label\" data-to=\"{}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                escape(&edge.to),
                r.x + 4.0,
                r.y + r.h - 2.0,
                escape(&edge.label())
            ));
        }
        out.push_str(&format!(
            "<g class=\"policy-edge {}\" data-testid=\"policy-edge\" data-from=\"{}\" data-to=\"{}\" data-ports=\"{}\" data-pairs=\"{}\"><polyline points=\"{}\" marker-end=\"url(#kt-{})\"></polyline></g>",
            if edge.allowed { "allowed" } else { "denied" },
            escape(&edge.from),
            escape(&edge.to),
            escape(&edge.ports),
            edge.n_pairs,
            line,
            if edge.allowed { "allow" } else { "deny" },
        ));
    }
    // The marks go over every line, so that the pointer finds them; each is drawn
    // around its point, with a wider circle the pointer can find (and the focus
    // ring). Each is a button the keyboard reaches, named by its listing, which
    // Enter or Space shows (`graph.rs`).
    for (join, count) in overlay.joins.iter().zip(&labels[overlay.edges.len()..]) {
        let (x, y) = screen.point(join.at);
        let n = join.n_edges;
        let kind = if join.allowed { "allowed" } else { "denied" };
        let listing = escape(&join.listing);
        let shown = (0.0..=screen.width).contains(&x) && (0.0..=height).contains(&y);
        let tab = if shown { 0 } else { -1 };
        out.push_str(&format!(
            "<g class=\"policy-join {kind}\" data-testid=\"policy-join\" data-edges=\"{n}\" data-tip=\"{listing}\" tabindex=\"{tab}\" role=\"button\" aria-label=\"{n} {kind} policy connection{}: {listing}\" transform=\"translate({x:.1},{y:.1})\"><circle class=\"hit\" r=\"7\"></circle>{}",
            if n == 1 { "" } else { "s" },
            if join.allowed {
                "<circle class=\"join\" r=\"3\"></circle>"
            } else {
                "<path class=\"cross\" d=\"M-4,-4l8,8m0,-8l-8,8\"></path>"
            },
        ));
        // The engine finds the count room above and right of the mark, or none.
        if count.is_some() {
            out.push_str("<text class=\"policy-count\" x=\"7\" y=\"-7\">×");
            out.push_str(&n.to_string());
            out.push_str("</text>");
        }
        out.push_str("</g>");
    }
    out.push_str(&texts);
    out.push_str("</g>");
    for shield in &overlay.shields {
        let (x, y) = screen.point((shield.x, shield.y));
        out.push_str(&format!(
            "<path class=\"shield{}\" data-testid=\"policy-shield\" data-shape=\"{}\" d=\"M{:.1},{:.1}h12v6q0,7-6,10q-6,-3-6,-10z\"></path>",
            if shield.isolated { " isolated" } else { "" },
            escape(&shield.shape),
            x - 16.0,
            y + 2.0,
        ));
    }
    out
}

/// The trace panel, at the top of the details pane: the verdict, every hop, and a
/// button that clears the trace. Hovering a hop outlines its badge and shape.
#[component]
pub fn TracePanel() -> impl IntoView {
    let traffic = expect_context::<TrafficState>();
    move || {
        let error = traffic.trace_error.get();
        let trace = traffic.trace.get();
        if error.is_none() && trace.is_none() {
            return None;
        }
        let body = match (error, trace) {
            (Some(error), _) => view! { <p class="query-error" data-testid="trace-error">{error}</p> }.into_any(),
            (None, Some(trace)) => view! {
                <p data-testid="trace-verdict">
                    <span class=format!("verdict {}", trace.verdict.as_str())>{trace.verdict.as_str()}</span>
                    ": " {trace.reason.clone()}
                </p>
                // A hop under the pointer, or focused from the keyboard, marks its
                // place on the picture.
                <ol class="hops" data-testid="trace-hops"
                    on:pointerover=move |ev| traffic.trace_hover.set(hovered_step(&ev))
                    on:pointerleave=move |_| traffic.trace_hover.set(None)
                    on:focusin=move |ev| traffic.trace_hover.set(hovered_step(&ev))
                    on:focusout=move |_| traffic.trace_hover.set(None)>
                    {trace.hops.iter().map(|hop| {
                        let step = hop.step;
                        view! {
                            <li tabindex="0" data-action=hop.action.as_str() data-step=step class:hovered=move || traffic.trace_hover.get() == Some(step)>
                                <strong>{hop.action.as_str()}</strong>
                                {hop.node.clone().map(|n| format!(" on {n}")).unwrap_or_default()}
                                " " <code>{format!("{} → {}", hop.src, hop.dst)}</code>
                                <div class="hint">{hop.detail.clone()}</div>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }
            .into_any(),
            (None, None) => ().into_any(),
        };
        Some(view! {
            <section class="trace-panel" aria-label="Trace" data-testid="trace-panel">
                <h3>"Trace " <button type="button" class="small" data-testid="clear-trace" title="Remove the trace from the picture (Esc)" on:click=move |_| clear(traffic)>"Clear"</button></h3>
                {body}
            </section>
        })
    }
}

/// How a redraw treats the child of a layer that has the keyboard's focus.
#[derive(Clone, Copy)]
pub enum Refocus {
    /// The element stays in place and takes the attributes and content of its
    /// new counterpart: the focus never leaves it, and a screen reader does not
    /// announce it again (a drop marker whose count changed). An attribute the
    /// counterpart lacks is kept, so its markup writes the same ones every time.
    InPlace,
    /// The element is replaced, and its counterpart takes the focus: the graph
    /// sees the focus leave and hides what it showed for the old one (a join's
    /// listing, which a pan or a zoom leaves behind).
    Anew,
}

/// Writes `markup` into `layer`, and keeps the keyboard's focus on the child that
/// had it, known by its `key` attribute (a join's listing, a drop marker's place
/// and reason), so a redraw never loses the user's place; the rest is replaced. A
/// child whose counterpart is gone loses the focus, as it should. In place, a
/// child under the pointer, when none has the focus, is kept the same way.
pub fn set_markup_keeping_focus(layer: &web_sys::Element, markup: &str, key: &str, how: Refocus) {
    // In place, the child under the pointer is kept too, so that it stays hovered
    // (its cursor, its ring and its tooltip) while its count changes.
    let focused = document()
        .active_element()
        .filter(|active| active.parent_element().as_ref() == Some(layer))
        .or_else(|| match how {
            Refocus::InPlace => layer.query_selector(":scope>:hover").ok().flatten(),
            Refocus::Anew => None,
        })
        .and_then(|active| Some((active.get_attribute(key)?, active)));
    let Some((name, active)) = focused else {
        layer.set_inner_html(markup);
        return;
    };
    let scratch = match how {
        Refocus::InPlace => document()
            .create_element_ns(Some("http://www.w3.org/2000/svg"), "g")
            .ok(),
        Refocus::Anew => None,
    };
    let Some(scratch) = scratch else {
        layer.set_inner_html(markup);
        if let Some(twin) = child_with(layer, key, &name) {
            let _ = twin.unchecked_into::<web_sys::SvgElement>().focus();
        }
        return;
    };
    scratch.set_inner_html(markup);
    let Some(twin) = child_with(&scratch, key, &name) else {
        layer.set_inner_html(markup);
        return;
    };
    for new in twin
        .get_attribute_names()
        .iter()
        .filter_map(|n| n.as_string())
    {
        if let Some(value) = twin.get_attribute(&new) {
            let _ = active.set_attribute(&new, &value);
        }
    }
    active.set_inner_html(&twin.inner_html());
    let mut child = layer.first_child();
    while let Some(node) = child {
        child = node.next_sibling();
        if node != *active {
            let _ = layer.remove_child(&node);
        }
    }
    let mut before = true;
    while let Some(node) = scratch.first_child() {
        let _ = if node == *twin {
            before = false;
            scratch.remove_child(&node)
        } else if before {
            layer.insert_before(&node, Some(&active))
        } else {
            layer.append_child(&node)
        };
    }
}

/// The child of `parent` whose `key` attribute is `name`.
fn child_with(parent: &web_sys::Element, key: &str, name: &str) -> Option<web_sys::Element> {
    let mut child = parent.first_element_child();
    while let Some(element) = child {
        if element.get_attribute(key).as_deref() == Some(name) {
            return Some(element);
        }
        child = element.next_element_sibling();
    }
    None
}
