//! Embedded in a documentation page (`?embed`, usually inside the iframe that
//! `public/kubetopo-embed.js` makes for a fence). The page tells its parent how
//! tall its content would like to be, so that the viewer sizes itself to the
//! diagram instead of to a fixed box.
//!
//! The message is `{ type: "kubetopo:height", height }`: a number and nothing
//! else, because its target origin is `*` (the app cannot know which site embeds
//! it). The embed script accepts it only from its own iframe's window and origin.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

/// In context when the page is embedded.
#[derive(Clone, Copy, Debug)]
pub struct Embedded;

/// The message type the embed script listens for.
const HEIGHT_MESSAGE: &str = "kubetopo:height";

/// The graph's height in an embed is its scene's height at the embed's width,
/// never zoomed past 100 %, within these bounds: a tiny graph still leaves room
/// for the details panel beside it, and a huge one does not make a page scroll
/// for ever (the reader pans and zooms inside it).
const MIN_GRAPH_HEIGHT: f64 = 280.0;
const MAX_GRAPH_HEIGHT: f64 = 760.0;

/// Whether the page is embedded.
pub fn is_embedded() -> bool {
    use_context::<Embedded>().is_some()
}

/// The height the graph area would like at `graph_width` for a scene of
/// `scene_width` by `scene_height`: the scene fitted to the width (as `fit` does,
/// with its 4 % margin), at most at its natural size.
pub fn wanted_graph_height(graph_width: f64, scene_width: f64, scene_height: f64) -> f64 {
    let scale = (graph_width * 0.96 / scene_width.max(1.0)).min(1.0);
    (scene_height.max(1.0) * scale / 0.96).clamp(MIN_GRAPH_HEIGHT, MAX_GRAPH_HEIGHT)
}

/// Tells the parent page how tall the app would like to be when its center area
/// (graph with toolbar, or table) is `center_height` tall. The bars above and below
/// the panes, and the details panel when a narrow frame stacks it under the center,
/// are measured as they are drawn. Does nothing outside a frame.
pub fn report_height(center_height: f64) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(parent) = window.parent().ok().flatten() else {
        return;
    };
    if js_sys::Object::is(&parent, &window) {
        return;
    }
    let Some(document) = window.document() else {
        return;
    };
    let (Some(app), Some(center)) = (
        document.query_selector(".app").ok().flatten(),
        document.query_selector(".panes > .center").ok().flatten(),
    ) else {
        return;
    };
    let bars: f64 = element_children(&app)
        .filter(|child| !child.matches(".panes").unwrap_or(false))
        .map(|child| offset_height(&child))
        .sum();
    let stacked: f64 = center
        .parent_element()
        .into_iter()
        .flat_map(|panes| element_children(&panes))
        .filter(|pane| pane != &center && stacked_under(pane, &center))
        .map(|pane| offset_height(&pane))
        .sum();
    let message = js_sys::Object::new();
    let height = (bars + center_height + stacked).ceil();
    let _ = js_sys::Reflect::set(&message, &"type".into(), &HEIGHT_MESSAGE.into());
    let _ = js_sys::Reflect::set(&message, &"height".into(), &JsValue::from_f64(height));
    let _ = parent.post_message(&message, "*");
}

/// Whether `pane` shares the center's columns (a narrow frame stacks the panes)
/// rather than standing beside it. A hidden pane has no width and never does.
fn stacked_under(pane: &web_sys::Element, center: &web_sys::Element) -> bool {
    let (Some(pane), Some(center)) = (
        pane.dyn_ref::<web_sys::HtmlElement>(),
        center.dyn_ref::<web_sys::HtmlElement>(),
    ) else {
        return false;
    };
    pane.offset_width() > 0
        && pane.offset_left() < center.offset_left() + center.offset_width()
        && center.offset_left() < pane.offset_left() + pane.offset_width()
}

/// The height of an element's content as laid out, for the table view.
pub fn content_height(element: &web_sys::HtmlElement) -> f64 {
    let inner: f64 = element_children(element)
        .map(|child| offset_height(&child))
        .sum();
    let style =
        web_sys::window().and_then(|window| window.get_computed_style(element).ok().flatten());
    let padding = |side: &str| {
        style
            .as_ref()
            .and_then(|style| style.get_property_value(side).ok())
            .and_then(|value| value.trim_end_matches("px").parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    inner + padding("padding-top") + padding("padding-bottom")
}

fn element_children(element: &web_sys::Element) -> impl Iterator<Item = web_sys::Element> {
    std::iter::successors(element.first_element_child(), |child| {
        child.next_element_sibling()
    })
}

fn offset_height(element: &web_sys::Element) -> f64 {
    element
        .dyn_ref::<web_sys::HtmlElement>()
        .map_or(0.0, |element| f64::from(element.offset_height()))
}
