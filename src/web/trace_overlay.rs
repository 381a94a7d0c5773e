//! The trace on the picture (§13.4): the trace panel at the top of the details
//! pane, and a layer over the graph (either renderer) with the path, a numbered
//! badge per hop and the verdict. The engine's `trace_overlay` places everything;
//! this module writes it as markup in screen pixels, so badges keep their size at
//! any zoom, and keeps the panel's hovered hop and the hovered badge in step.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::graph::{SceneBuild, Viewport};
use super::state::AppState;
use super::traffic::TrafficState;
use crate::engine::scene::{escape, Scene};
use crate::engine::trace_overlay::{badge_label, trace_overlay, TraceOverlay};

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

/// Removes the trace from the panel and the picture.
pub fn clear(traffic: TrafficState) {
    traffic.trace.set(None);
    traffic.trace_error.set(None);
    traffic.trace_hover.set(None);
}

/// The hop step named by the `data-step` of the element under an event, if any.
fn hovered_step(ev: &web_sys::Event) -> Option<usize> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|e| e.closest("[data-step]").ok().flatten())
        .and_then(|e| e.get_attribute("data-step"))
        .and_then(|step| step.parse().ok())
}

/// The layer over the graph. Esc clears the trace.
#[component]
pub fn TraceLayer(
    scene: Memo<SceneBuild>,
    overlay: Memo<Option<Arc<TraceOverlay>>>,
    viewport: RwSignal<Viewport>,
) -> impl IntoView {
    let traffic = expect_context::<TrafficState>();
    let layer = NodeRef::<leptos::svg::Svg>::new();
    Effect::new(move |_| {
        let Some(svg) = layer.get() else {
            return;
        };
        let view = viewport.get();
        let hovered = traffic.trace_hover.get();
        let width = f64::from(svg.client_width());
        let markup = overlay.with(|overlay| {
            overlay.as_deref().map_or_else(String::new, |overlay| {
                scene.with(|build| markup(overlay, &build.scene, view, width, hovered))
            })
        });
        svg.set_inner_html(&markup);
    });
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && traffic.trace.with_untracked(Option::is_some) {
            clear(traffic);
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <svg class="trace-layer" node_ref=layer data-testid="trace-layer" aria-hidden="true"
            on:pointerover=move |ev| traffic.trace_hover.set(hovered_step(&ev))
            on:pointerout=move |_| traffic.trace_hover.set(None)></svg>
    }
}

/// Height of a badge and the step between stacked badges, in screen pixels.
const BADGE_H: f64 = 20.0;
const BADGE_STEP: f64 = 23.0;

/// The overlay as SVG markup in screen pixels for `view` on a layer `width` pixels
/// wide; the hovered hop's badge and shape are outlined.
fn markup(
    overlay: &TraceOverlay,
    scene: &Scene,
    view: Viewport,
    width: f64,
    hovered: Option<usize>,
) -> String {
    let screen = |x: f64, y: f64| (x * view.k + view.tx, y * view.k + view.ty);
    let points: Vec<String> = overlay
        .path
        .iter()
        .map(|&(x, y)| {
            let (x, y) = screen(x, y);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let mut out = format!(
        "<polyline class=\"trace-path\" points=\"{}\"></polyline>",
        points.join(" ")
    );
    // Where each stack starts: right of its point, so the shape stays visible, and
    // moved left where a box `w` wide would leave the layer.
    let stack = |x: f64, y: f64, slot: usize, w: f64| {
        let (x, y) = screen(x, y);
        (
            (x + 10.0).min(width - w - 4.0).max(4.0),
            y - BADGE_H / 2.0 + slot as f64 * BADGE_STEP,
        )
    };
    for badge in &overlay.badges {
        let is_hovered = hovered == Some(badge.step);
        if is_hovered {
            if let Some(rect) = badge.shape.as_deref().and_then(|id| scene.shape(id)) {
                let (x, y) = screen(rect.rect.x, rect.rect.y);
                out.push_str(&format!(
                    "<rect class=\"trace-focus\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\"></rect>",
                    x - 4.0,
                    y - 4.0,
                    rect.rect.w * view.k + 8.0,
                    rect.rect.h * view.k + 8.0
                ));
            }
        }
        let label = badge_label(badge.action);
        let w = 28.0 + 7.0 * label.len() as f64;
        let (x, y) = stack(badge.x, badge.y, badge.slot, w);
        out.push_str(&format!(
            "<g class=\"trace-badge{}\" data-testid=\"trace-badge\" data-step=\"{}\" data-action=\"{}\" transform=\"translate({x:.1},{y:.1})\"><rect width=\"{:.0}\" height=\"{BADGE_H}\" rx=\"10\"></rect><circle cx=\"10\" cy=\"10\" r=\"8\"></circle><text class=\"step\" x=\"10\" y=\"14\">{}</text><text x=\"22\" y=\"14\">{label}</text></g>",
            if is_hovered { " hovered" } else { "" },
            badge.step,
            badge.action.as_str(),
            w,
            badge.step,
        ));
    }
    if let Some(verdict) = &overlay.verdict {
        let w = 20.0 + 10.0 * verdict.text.chars().count() as f64;
        let (x, y) = stack(verdict.x, verdict.y, verdict.slot, w);
        let text = escape(&verdict.text);
        out.push_str(&format!(
            "<g class=\"trace-verdict {}\" data-testid=\"trace-verdict-mark\" transform=\"translate({x:.1},{:.1})\"><rect width=\"{:.0}\" height=\"28\" rx=\"6\"></rect><text x=\"10\" y=\"19\">{text}</text></g>",
            verdict.verdict.as_str(),
            y + 2.0,
            w,
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
                <ol class="hops" data-testid="trace-hops"
                    on:pointerover=move |ev| traffic.trace_hover.set(hovered_step(&ev))
                    on:pointerleave=move |_| traffic.trace_hover.set(None)>
                    {trace.hops.iter().map(|hop| {
                        let step = hop.step;
                        view! {
                            <li data-action=hop.action.as_str() data-step=step class:hovered=move || traffic.trace_hover.get() == Some(step)>
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
