//! The graph: the engine's scene drawn as SVG, with pan, zoom, selection,
//! search, a label-selector query, filters and the traffic animation overlay.
//!
//! The scene is rendered once per change as SVG markup (the same markup the CLI
//! writes). Selection and matches are shown by data attributes on the shapes and
//! edges that change, styled by a fixed stylesheet: highlighting a 2,000-pod graph
//! touches only the elements whose state flips, and no object name is ever
//! written into CSS (issue #12, item 13).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::canvas::{self, CanvasScene, Palette, LARGE_SCENE_SHAPES};
use super::state::AppState;
pub use super::state::Viewport;
use crate::engine::highlight::{self, Highlight, StepDirection};
use crate::engine::lod::{self, Collapse, Level, Tile};
use crate::engine::pause::Pause;
use crate::engine::positions::Positions;
use crate::engine::scene::{self, build_scene_after, build_scene_pausable, Scene, View};
use crate::engine::scene_motion::{scene_motion_pausable, SceneMotion};
use crate::engine::spatial::SpatialIndex;
use crate::engine::Topology;

/// A built scene and how long building it took. Compared by version, so the
/// scene itself is never compared deeply.
#[derive(Clone, Debug)]
pub struct SceneBuild {
    pub version: u64,
    pub scene: Arc<Scene>,
    /// The scene's aggregate tiles (§13.2), for the canvas and the tile controls.
    pub tiles: Arc<Vec<Tile>>,
    /// The whole picture `scene` shows (a part of, under a focus), and what it was
    /// built for: the next build keeps its order.
    layout: Arc<Scene>,
    view: View,
    filter: scene::Filter,
    /// The version of the topology it shows.
    topology: u64,
    /// What moved since the picture it was laid out after, found ahead (above
    /// [`MOTION_SHAPES`]), and that picture.
    motion: Option<FoundMotion>,
    /// When building started (`performance.now()`): the status bar measures from
    /// here to the frame that shows the scene.
    pub started_at: f64,
}

impl PartialEq for SceneBuild {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

/// What moved from a picture (held weakly) to the one laid out after it.
type FoundMotion = Arc<(std::sync::Weak<Scene>, SceneMotion)>;

/// A picture laid out ahead, in a task of its own, for a topology about to be
/// installed ([`prebuild`]): the graph's scene takes it instead of laying out again.
struct Prebuilt {
    topology: std::sync::Weak<Topology>,
    view: View,
    filter: scene::Filter,
    layout: Arc<Scene>,
    tiles: Arc<Vec<Tile>>,
    motion: Option<FoundMotion>,
    started_at: f64,
}

thread_local! {
    /// The picture the graph shows and what it was built for: the next one keeps
    /// its order (§13.8). Weak, so that it keeps nothing alive.
    static LAST_LAYOUT: RefCell<Option<(View, scene::Filter, std::sync::Weak<Scene>)>> =
        const { RefCell::new(None) };
    static PREBUILT: RefCell<Option<Prebuilt>> = const { RefCell::new(None) };
    /// The picture of the same topology shown before the last switch of view or
    /// filter, if it is at most [`OTHER_PICTURE_SHAPES`]: switching back shows it at
    /// once.
    static OTHER_PICTURE: RefCell<Option<SceneBuild>> = const { RefCell::new(None) };
}

/// The largest picture kept for switching back: at 10,000 pods a picture is about
/// 14,000 shapes; one of 100,000 pods is laid out again, in slices, rather than
/// held beside the one shown (issue #9 keeps the tab under 1.5 GB).
const OTHER_PICTURE_SHAPES: usize = 50_000;

/// Lays out the picture of `topology` for the view and filter in use, and makes
/// its tiles (§13.2), as the graph's scene would once `topology` is installed, so
/// that a large analysis lays out ahead, pausing where `pause` says so, and draws
/// in a task of its own (issue #9: at 100,000 pods the layout and the tiles are
/// about a second). The next scene the graph builds takes them if they are for that
/// topology, view and filter, and drops them otherwise.
///
/// `wanted` says, once it is laid out, whether the picture is still wanted (an edit
/// superseded meanwhile is not), so that it does not take the place of another's.
pub async fn prebuild(
    state: AppState,
    topology: &Arc<Topology>,
    pause: &Pause<'_>,
    wanted: &dyn Fn() -> bool,
) {
    let view = state.view.get_untracked();
    let filter = state.filter.get_untracked();
    let started_at = super::state::now_ms();
    let before = LAST_LAYOUT.with_borrow(|last| {
        last.as_ref()
            .filter(|(v, f, _)| *v == view && *f == filter)
            .and_then(|(_, _, layout)| layout.upgrade())
    });
    let layout =
        Arc::new(build_scene_pausable(topology, view, &filter, before.as_deref(), pause).await);
    // Above MOTION_SHAPES what an edit moved is found here, in slices, rather than
    // when the picture is drawn (§13.6).
    let motion = match &before {
        Some(before) if layout.shapes.len() > MOTION_SHAPES => {
            scene_motion_pausable(before, &layout, pause)
                .await
                .map(|motion| Arc::new((Arc::downgrade(before), motion)))
        }
        _ => None,
    };
    drop(before);
    let tiles = Arc::new(lod::tiles_pausable(&layout, topology, pause).await);
    canvas::index_ahead(&layout, pause).await;
    if !wanted() {
        return;
    }
    PREBUILT.set(Some(Prebuilt {
        topology: Arc::downgrade(topology),
        view,
        filter,
        layout,
        tiles,
        motion,
        started_at,
    }));
}

/// What the overlay mark under `target` lists (a policy join's connections), if
/// it is inside one.
fn listing_of(target: Option<&web_sys::Element>) -> Option<String> {
    target?
        .closest("[data-tip]")
        .ok()
        .flatten()?
        .get_attribute("data-tip")
}

#[component]
pub fn Graph() -> impl IntoView {
    let state = expect_context::<AppState>();
    // A pure derivation: the version counts the memo's own recomputations, and the
    // time it took travels with the value instead of being written to a signal.
    // Bumped when a picture laid out in slices for another view or filter is ready.
    let laid_out = RwSignal::new(0u32);
    let scene = Memo::new(move |previous: Option<&SceneBuild>| {
        laid_out.track();
        let topology = state.topology.get();
        let view = state.view.get();
        let filter = state.filter.get();
        // Taken whether it is for this scene or not, so that none outlives it.
        let prebuilt = PREBUILT.take().filter(|prebuilt| {
            std::ptr::eq(prebuilt.topology.as_ptr(), Arc::as_ptr(&topology.value))
                && prebuilt.view == view
                && prebuilt.filter == filter
        });
        // The same topology: what its picture was built for, and how large it is.
        let same = previous.filter(|previous| previous.topology == topology.version);
        // The kept picture, if it is the one asked for; kept on otherwise (a focus
        // change does not lose it), and dropped once the topology is another.
        let other = OTHER_PICTURE.with_borrow_mut(|kept| {
            if kept
                .as_ref()
                .is_some_and(|o| o.topology != topology.version)
            {
                *kept = None;
            }
            kept.take_if(|o| o.view == view && o.filter == filter)
        });
        let mut motion = None;
        let (layout, mut tiles, started) = match (prebuilt, same, other) {
            (Some(prebuilt), _, _) => {
                super::reclaim::hold(&prebuilt.layout);
                motion = prebuilt.motion;
                (prebuilt.layout, Some(prebuilt.tiles), prebuilt.started_at)
            }
            // Only the focus changed: the same picture, restricted again.
            (None, Some(same), _) if same.view == view && same.filter == filter => {
                (Arc::clone(&same.layout), None, super::state::now_ms())
            }
            // Back to the picture before.
            (None, Some(_), Some(other)) => {
                let whole = Arc::ptr_eq(&other.scene, &other.layout);
                let tiles = whole.then_some(other.tiles);
                (other.layout, tiles, super::state::now_ms())
            }
            // Another view or filter of a large picture is laid out in slices, and
            // the graph shows the picture it has until then (issue #9: at 100,000
            // pods a layout is a task of a second or more).
            (None, Some(same), None) if same.layout.shapes.len() > LARGE_SCENE_SHAPES => {
                super::worker::lay_out_view(state, Arc::clone(&topology.value), move || {
                    laid_out.update(|n| *n += 1)
                });
                return same.clone();
            }
            (None, _, _) => {
                let started = super::state::now_ms();
                // An edit or a keystroke keeps the order of the picture before it
                // (§13.8).
                let before = previous
                    .filter(|previous| previous.view == view && previous.filter == filter)
                    .map(|previous| previous.layout.as_ref());
                let layout = Arc::new(build_scene_after(&topology.value, view, &filter, before));
                // Held once, when it is made (see `reclaim::hold`).
                super::reclaim::hold(&layout);
                (layout, None, started)
            }
        };
        if let Some(same) = same.filter(|same| {
            (same.view != view || same.filter != filter)
                && same.layout.shapes.len() <= OTHER_PICTURE_SHAPES
        }) {
            OTHER_PICTURE.set(Some(same.clone()));
        }
        LAST_LAYOUT.set(Some((view, filter.clone(), Arc::downgrade(&layout))));
        let mut scene = Arc::clone(&layout);
        if let Some((id, hops)) = state.focus.get() {
            let ids = crate::engine::focus::neighbourhood(&layout, &id, hops);
            if !ids.is_empty() {
                scene = Arc::new(crate::engine::focus::restrict(&layout, &ids));
                tiles = None;
            }
        }
        SceneBuild {
            version: previous.map_or(1, |previous| previous.version + 1),
            tiles: tiles.unwrap_or_else(|| Arc::new(lod::tiles(&scene, &topology.value))),
            scene,
            layout,
            view,
            filter,
            topology: topology.version,
            motion,
            started_at: started,
        }
    });
    provide_context(scene);
    let shape_counts = Memo::new(move |_| scene.with(|build| build.scene.counts()));
    let trace_overlay = super::trace_overlay::overlay(scene);
    let markup_ref = NodeRef::<leptos::svg::G>::new();
    let viewport = state.viewport;
    let container = state.graph_area;
    let search_ref = NodeRef::<leptos::html::Input>::new();
    // Large scenes are drawn on a canvas, at the level of detail the engine gives.
    // Set when a scene is drawn; read, untracked, by the pointer and key handlers.
    let large = StoredValue::new(false);
    let lod_tools = NodeRef::<leptos::html::Div>::new();
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let collapse = state.collapse;
    // The canvas draws large scenes, and any scene that shows tiles (zoomed out, or
    // something collapsed by hand), since only the canvas draws tiles.
    let uses_canvas = Memo::new(move |_| {
        let zoom = viewport.get().k;
        scene.with(|build| build.scene.shapes.len() > LARGE_SCENE_SHAPES)
            || collapse.with(|c| c.shows_tiles(zoom))
    });
    let canvas_scene: Rc<RefCell<Option<CanvasScene>>> = Rc::new(RefCell::new(None));
    // An edit the canvas is to follow (§13.6), until its picture's first frame takes
    // it; while it runs, each frame asks for the next through `again`.
    let next_motion: Rc<RefCell<Option<canvas::CanvasMotion>>> = Rc::new(RefCell::new(None));
    let again: Rc<RefCell<std::rc::Weak<dyn Fn()>>> =
        Rc::new(RefCell::new(std::rc::Weak::<Box<dyn Fn()>>::new()));
    let scene_canvas = NodeRef::<leptos::html::Canvas>::new();
    let minimap = NodeRef::<leptos::html::Canvas>::new();

    // The view the last fit chose: while it is still shown, the user has not panned
    // or zoomed, and a scene that grew out of it, or a resized pane, fits again.
    let last_fit = StoredValue::new(None::<Viewport>);
    // Lives as long as the graph: the frames it asks for run only while it does.
    let alive = StoredValue::new(());
    let traffic = expect_context::<super::traffic::TrafficState>();
    let fit = move || {
        let Some(element) = container.get_untracked() else {
            return;
        };
        let (w, h) = (
            f64::from(element.client_width()),
            f64::from(element.client_height()),
        );
        let scene = scene.get_untracked();
        // The policy overlay's lanes may lie right of the picture.
        let right = traffic.policy_right.get_untracked() + 24.0;
        let (sw, sh) = (
            scene.scene.width.max(right).max(1.0),
            scene.scene.height.max(1.0),
        );
        let k = ((w / sw).min(h / sh) * 0.96).clamp(MIN_ZOOM, 1.5);
        let fitted = Viewport {
            tx: (w - sw * k) / 2.0,
            ty: (h - sh * k) / 2.0,
            k,
        };
        last_fit.set_value(Some(fitted));
        viewport.set(fitted);
    };
    // Embedded, the page sizes itself to the scene: it reports the height it would
    // like after each new scene, and fits the scene again when the frame is resized.
    let embedded = super::embed::is_embedded();
    let toolbar_ref = NodeRef::<leptos::html::Div>::new();
    let report_height = move || {
        // Under the table, the table reports its own height.
        if state.tab.get_untracked() == super::state::MainTab::Table {
            return;
        }
        let (Some(element), Some(toolbar)) =
            (container.get_untracked(), toolbar_ref.get_untracked())
        else {
            return;
        };
        let scene = scene.get_untracked();
        let wanted = super::embed::wanted_graph_height(
            f64::from(element.client_width()),
            scene.scene.width,
            scene.scene.height,
        );
        super::embed::report_height(f64::from(toolbar.offset_height()) + wanted);
    };
    if embedded {
        // After each new scene, and when the table gives way to the graph.
        Effect::new(move |_| {
            let _ = (scene.get(), state.tab.get());
            next_frame(alive, report_height);
        });
        let handle = window_event_listener(leptos::ev::resize, move |_| {
            fit();
            report_height();
        });
        on_cleanup(move || handle.remove());
    }
    // Fit when a different input is loaded, not on every edit: the view stays put while typing.
    let last_files = StoredValue::new(Vec::<String>::new());
    Effect::new(move |_| {
        let mut names: Vec<String> = state
            .files
            .with(|files| files.iter().map(|f| f.name.clone()).collect());
        // Entering or leaving a focus, or another view or other namespaces, shows
        // another picture: fit it too, once it is drawn (a large one is laid out in
        // slices meanwhile).
        names.extend(
            state
                .focus
                .get()
                .map(|(id, hops)| format!("focus {id} {}", hops.count())),
        );
        scene.with(|build| {
            if build.view == View::Logical {
                names.push("logical".into());
            }
            names.extend(
                build
                    .filter
                    .namespaces
                    .iter()
                    .map(|namespace| format!("ns {namespace}")),
            )
        });
        if names != last_files.get_value()
            || viewport.get_untracked().k == 1.0 && viewport.get_untracked().tx == 0.0
        {
            // Collapsed tiles name objects (§13.7): they stay while a file is added
            // or renamed; they are forgotten when none of the files is left.
            if last_files.with_value(|last| {
                !last.is_empty() && !names.iter().any(|name| last.contains(name))
            }) {
                collapse.update_untracked(Collapse::follow_zoom);
            }
            last_files.set_value(names);
            next_frame(alive, move || {
                // A share link's viewport replaces the first fit.
                match (
                    state
                        .restore_viewport
                        .try_update_value(Option::take)
                        .flatten(),
                    container.get_untracked(),
                ) {
                    (Some(shared), Some(element)) => viewport.set(Viewport::from_shared(
                        shared,
                        f64::from(element.client_width()),
                        f64::from(element.client_height()),
                    )),
                    _ => fit(),
                }
            });
        } else if last_fit.get_value() == Some(viewport.get_untracked()) {
            next_frame(alive, move || {
                if let Some(element) = container.get_untracked() {
                    let area = (element.client_width(), element.client_height());
                    if super::panes::out_of_view(
                        viewport.get_untracked(),
                        &scene.get_untracked().scene,
                        area,
                    ) {
                        fit();
                    }
                }
            });
        }
    });
    // The policy overlay's lanes came or went: a view the user has not moved fits them.
    Effect::new(move |previous: Option<f64>| {
        let right = traffic.policy_right.get();
        if previous.is_some_and(|previous| previous != right)
            && last_fit.get_value() == Some(viewport.get_untracked())
        {
            next_frame(alive, fit);
        }
        right
    });
    if let Some(panes) = use_context::<super::panes::PaneState>() {
        Effect::new(move |previous: Option<(f64, f64, f64)>| {
            let widths = panes.widths();
            let layout = (widths.editor_px, widths.details_px, panes.window_px.get());
            if previous.is_some_and(|previous| previous != layout)
                && last_fit.get_value() == Some(viewport.get_untracked())
            {
                next_frame(alive, fit);
            }
            layout
        });
    }

    let zoom_at = move |factor: f64, cx: f64, cy: f64| {
        viewport.update(|v| {
            let k = (v.k * factor).clamp(MIN_ZOOM, 4.0);
            let ratio = k / v.k;
            v.tx = cx - (cx - v.tx) * ratio;
            v.ty = cy - (cy - v.ty) * ratio;
            v.k = k;
        });
    };
    let zoom_center = move |factor: f64| {
        if let Some(element) = container.get_untracked() {
            zoom_at(
                factor,
                f64::from(element.client_width()) / 2.0,
                f64::from(element.client_height()) / 2.0,
            );
        }
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let Some(element) = container.get_untracked() else {
            return;
        };
        let rect = element.get_bounding_client_rect();
        let factor = (-ev.delta_y() * if ev.ctrl_key() { 0.01 } else { 0.0015 }).exp();
        zoom_at(
            factor,
            f64::from(ev.client_x()) - rect.left(),
            f64::from(ev.client_y()) - rect.top(),
        );
    };

    // Pointer state: one pointer pans, two pinch-zoom. A press that moves less than
    // a few pixels is a click.
    let pointers = StoredValue::new(Vec::<(i32, f64, f64)>::new());
    let moved = StoredValue::new(0.0f64);
    let on_pointer_down = move |ev: leptos::ev::PointerEvent| {
        if let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = target.set_pointer_capture(ev.pointer_id());
        }
        pointers.update_value(|p| {
            p.push((
                ev.pointer_id(),
                f64::from(ev.client_x()),
                f64::from(ev.client_y()),
            ))
        });
        moved.set_value(0.0);
    };
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let current = pointers.get_value();
        let Some(index) = current.iter().position(|p| p.0 == ev.pointer_id()) else {
            return;
        };
        if current.len() >= 2 {
            let other = current[1 - index.min(1)];
            let old = ((current[index].1 - other.1).powi(2) + (current[index].2 - other.2).powi(2))
                .sqrt();
            let new = ((x - other.1).powi(2) + (y - other.2).powi(2)).sqrt();
            if old > 1.0 {
                if let Some(element) = container.get_untracked() {
                    let rect = element.get_bounding_client_rect();
                    zoom_at(
                        new / old,
                        (x + other.1) / 2.0 - rect.left(),
                        (y + other.2) / 2.0 - rect.top(),
                    );
                }
            }
        } else {
            let (dx, dy) = (x - current[index].1, y - current[index].2);
            moved.update_value(|m| *m += dx.abs() + dy.abs());
            viewport.update(|v| {
                v.tx += dx;
                v.ty += dy;
            });
        }
        pointers.update_value(|p| p[index] = (ev.pointer_id(), x, y));
    };
    // Large scenes: what is under the pointer, through the engine's spatial index.
    let hit_cache = Rc::clone(&canvas_scene);
    let hit = Rc::new(
        move |client_x: i32, client_y: i32| -> Option<(usize, Level, Option<lod::Aggregate>)> {
            let element = container.get_untracked()?;
            let rect = element.get_bounding_client_rect();
            let v = viewport.get_untracked();
            let x = (f64::from(client_x) - rect.left() - v.tx) / v.k;
            let y = (f64::from(client_y) - rect.top() - v.ty) / v.k;
            let build = scene.get_untracked();
            let mut cache = hit_cache.borrow_mut();
            let cache = cache.as_mut().filter(|c| c.version == build.version)?;
            collapse.with_untracked(|c| {
                let position = cache.hit(&build.scene, c, v.k, x, y)?;
                Some((
                    position,
                    cache.level(position)?,
                    cache.collapsed_by(position, c, v.k),
                ))
            })
        },
    );
    let hit_for_click = Rc::clone(&hit);
    // Hover tooltips: one floating element, filled from the scene by id.
    let tooltip = RwSignal::new(None::<(f64, &'static str, f64, String)>);
    // A new picture (another input, an edit, another view) takes the tooltip of
    // the old one away, though the pointer did not move.
    Effect::new(move |_| {
        scene.track();
        tooltip.set(None);
    });
    // The edge of the selection `e` stepped to, with the scene version it is of
    // (§13.13); its tooltip is also written where screen readers read it aloud.
    let kbd_edge = StoredValue::new(None::<(u64, usize)>);
    let spoken = NodeRef::<leptos::html::Div>::new();
    let drawn = Rc::new(RefCell::new(DrawnScene::default()));
    let drawn_keys = Rc::clone(&drawn);
    // Shows `text` beside the pointer at (x, y), or no tooltip: below it in the
    // graph's upper half, above it in the lower half, so that a long listing (a
    // policy join's) is not cut off at the graph's bottom; one taller than the room
    // there grows toward the middle (`.tip-lane` in the style sheet).
    let show_tip =
        move |element: &web_sys::HtmlDivElement, x: i32, y: i32, text: Option<String>| {
            let rect = element.get_bounding_client_rect();
            let y = f64::from(y) - rect.top();
            let (side, y) = if y > rect.height() / 2.0 {
                ("bottom", rect.height() - y + 14.0)
            } else {
                ("top", y + 14.0)
            };
            tooltip.set(text.map(|text| {
                (
                    // Kept inside the graph (a tooltip is at most 360 px wide): the
                    // policy joins stand at its right edge after a fit.
                    (f64::from(x) - rect.left() + 14.0).min(rect.width() - 380.0),
                    side,
                    y,
                    text,
                )
            }));
        };
    let on_hover = move |ev: leptos::ev::PointerEvent| {
        if !pointers.get_value().is_empty() {
            return;
        }
        let Some(element) = container.get_untracked() else {
            return;
        };
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let tip = listing_of(target.as_ref());
        let text = if tip.is_some() {
            tip
        } else if large.get_value() {
            hit(ev.client_x(), ev.client_y()).and_then(|(position, ..)| {
                scene.with_untracked(|build| {
                    build.scene.shapes.get(position).map(|s| s.tooltip.clone())
                })
            })
        } else {
            target.and_then(|target| {
                let scene = scene.get_untracked();
                if let Some(shape) = target
                    .closest("[data-id]")
                    .ok()
                    .flatten()
                    .and_then(|e| e.get_attribute("data-id"))
                {
                    return scene.scene.shape(&shape).map(|s| s.tooltip.clone());
                }
                let from = target.get_attribute("data-from")?;
                let to = target.get_attribute("data-to")?;
                scene
                    .scene
                    .edges
                    .iter()
                    .find(|e| e.from == from && e.to == to)
                    .map(|e| e.tooltip.clone())
            })
        };
        if text.is_some() || kbd_edge.get_value().is_none() {
            show_tip(&element, ev.client_x(), ev.client_y(), text);
        }
    };
    let on_pointer_up = move |ev: leptos::ev::PointerEvent| {
        pointers.update_value(|p| p.retain(|q| q.0 != ev.pointer_id()));
    };
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if moved.get_value() > 4.0 {
            return;
        }
        // A drop marker's ring traces the newest connection that ended there, and
        // the graph under it keeps its selection (`traffic.rs`).
        if let Some(path) = super::traffic::drop_marker_path(ev.target()) {
            super::traffic::trace_connection(state, path);
            return;
        }
        // A mark that lists what it stands for (a policy join) shows its listing
        // on a click or a tap too: a touch screen has no hover.
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if let (Some(tip), Some(element)) = (listing_of(target.as_ref()), container.get_untracked())
        {
            show_tip(&element, ev.client_x(), ev.client_y(), Some(tip));
            return;
        }
        if large.get_value() {
            let Some((position, level, closed_by)) = hit_for_click(ev.client_x(), ev.client_y())
            else {
                state.selection.set(None);
                return;
            };
            let id = scene.with_untracked(|build| build.scene.shapes[position].id.clone());
            // A click on a tile opens it: what keeps it closed, its own namespace, node
            // or workload, or its app.
            if let (Level::Tile, Some(aggregate)) = (level, closed_by) {
                collapse.update(|c| c.set(&aggregate, false));
            }
            state.selection.set(Some(highlight::selection_target(
                &scene.get_untracked().scene,
                &id,
            )));
            return;
        }
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let build = scene.get_untracked();
        let selected = target.and_then(|target| {
            match target
                .closest("[data-id]")
                .ok()
                .flatten()
                .and_then(|e| e.get_attribute("data-id"))
            {
                Some(id) => Some(highlight::selection_target(&build.scene, &id)),
                // A Route's edge selects the Route.
                None => highlight::edge_selection(
                    &build.scene,
                    &target.get_attribute("data-from")?,
                    &target.get_attribute("data-to")?,
                ),
            }
        });
        state.selection.set(selected);
    };

    // Search by name and label-selector query.
    let search = state.search;
    let query = state.query;
    let found = Memo::new(move |_| {
        let scene = scene.get();
        let topology = state.topology.get();
        highlight::search(&scene.scene, &topology.value, &search.get(), &query.get())
    });
    let on_search_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            // Services first, then workloads, then pods (the engine ranks them).
            let best = scene.with_untracked(|build| {
                found.with_untracked(|found| found.best(&build.scene).map(str::to_string))
            });
            if let Some(best) = best {
                state.selection.set(Some(best.clone()));
                zoom_to(&best, scene, viewport, container);
            }
        }
    };

    // Keyboard: `/` search, `f` fit, Esc clear, arrows move the selection, Enter or
    // Space on a focused policy join lists it, as a tap does (Esc hides it first).
    let handle = window_event_listener(leptos::ev::keydown, move |ev: web_sys::KeyboardEvent| {
        // Under the table the graph takes no keys, Escape included: the table's
        // are its own.
        if state.tab.get_untracked() == super::state::MainTab::Table {
            return;
        }
        let target = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let in_field = target
            .as_ref()
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let listing = listing_of(target.as_ref());
        if ev.key() == "Escape" {
            if listing.is_some() && tooltip.get_untracked().is_some() {
                tooltip.set(None);
                return;
            }
            if let Some((_, edge)) = kbd_edge.get_value() {
                kbd_edge.set_value(None);
                if let Some(element) = drawn_keys.borrow().edges.get(edge) {
                    let _ = element.class_list().remove_1("kbd");
                }
                tooltip.set(None);
                return;
            }
            super::trace_overlay::clear(traffic);
            state.selection.set(None);
            search.set(String::new());
            query.set(String::new());
            if let Some(active) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
            {
                if let Ok(element) = active.dyn_into::<web_sys::HtmlElement>() {
                    if element.tag_name() == "INPUT" {
                        let _ = element.blur();
                    }
                }
            }
            return;
        }
        if in_field || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        match ev.key().as_str() {
            "/" => {
                ev.prevent_default();
                if let Some(input) = search_ref.get_untracked() {
                    let _ = input.focus();
                }
            }
            "f" => fit(),
            "Enter" | " " => {
                if let (Some(mark), Some(element), true) =
                    (&target, container.get_untracked(), listing.is_some())
                {
                    ev.prevent_default();
                    // Beside the mark's point, as for a pointer there: its wider
                    // circle (radius 7) is the mark's leftmost and lowest part.
                    let rect = mark.get_bounding_client_rect();
                    show_tip(
                        &element,
                        rect.left() as i32 + 7,
                        rect.bottom() as i32 - 7,
                        listing,
                    );
                }
            }
            // Collapses or expands the selected namespace, node or workload (`c`), or
            // the selected workload's app (`a`).
            key @ ("c" | "a") => toggle_selected(state, usize::from(key == "a")),
            // Steps through the selection's edges, each with its tooltip (§13.13).
            key @ ("e" | "E") => {
                let (Some(selected), Some(element)) =
                    (state.selection.get_untracked(), container.get_untracked())
                else {
                    return;
                };
                let build = scene.get_untracked();
                let current = kbd_edge
                    .get_value()
                    .filter(|(version, _)| *version == build.version)
                    .map(|(_, edge)| edge);
                let direction = if key == "E" {
                    StepDirection::Backward
                } else {
                    StepDirection::Forward
                };
                let Some((next, at, count)) =
                    highlight::step_edge(&build.scene, &selected, current, direction)
                else {
                    return;
                };
                let edge = &build.scene.edges[next];
                let Some((x, y)) = lod::edge_midpoint(&edge.path) else {
                    return;
                };
                let (width, height) = (
                    f64::from(element.client_width()),
                    f64::from(element.client_height()),
                );
                // Brought into view when it is not.
                let mut view = viewport.get_untracked();
                let (sx, sy) = (x * view.k + view.tx, y * view.k + view.ty);
                if !(40.0..=width - 40.0).contains(&sx) || !(40.0..=height - 40.0).contains(&sy) {
                    view.tx = width / 2.0 - x * view.k;
                    view.ty = height / 2.0 - y * view.k;
                    viewport.set(view);
                }
                let rect = element.get_bounding_client_rect();
                {
                    // Outlined in the SVG; the canvas of a large scene has no elements.
                    let drawn = drawn_keys.borrow();
                    if let Some(element) = current.and_then(|edge| drawn.edges.get(edge)) {
                        let _ = element.class_list().remove_1("kbd");
                    }
                    if let Some(element) = drawn.edges.get(next) {
                        let _ = element.class_list().add_1("kbd");
                    }
                }
                kbd_edge.set_value(Some((build.version, next)));
                show_tip(
                    &element,
                    (rect.left() + x * view.k + view.tx) as i32,
                    (rect.top() + y * view.k + view.ty) as i32,
                    Some(format!("Edge {} of {count}: {}", at + 1, edge.tooltip)),
                );
                if let Some(spoken) = spoken.get_untracked() {
                    tooltip.with_untracked(|t| {
                        spoken.set_text_content(t.as_ref().map(|t| t.3.as_str()))
                    });
                }
            }
            "+" | "=" => zoom_center(1.25),
            "-" => zoom_center(0.8),
            key @ ("ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight") => {
                ev.prevent_default();
                let direction = if matches!(key, "ArrowDown" | "ArrowRight") {
                    StepDirection::Forward
                } else {
                    StepDirection::Backward
                };
                let next = highlight::step_selection(
                    &scene.get_untracked().scene,
                    state.selection.get_untracked().as_deref(),
                    direction,
                );
                if let Some(next) = next {
                    state.selection.set(Some(next.clone()));
                    center_on(&next, scene, viewport, container);
                }
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    // Large scenes: one canvas frame per change of the view, the scene, the highlight
    // or the collapsed tiles, coalesced into the next animation frame.
    let frame_pending = StoredValue::new(false);
    // The scene version whose drawing the status bar has timed.
    let timed_version = StoredValue::new(0u64);
    let highlight_store = StoredValue::new(Highlight::default());
    let palette: Rc<RefCell<Option<(u64, Palette)>>> = Rc::new(RefCell::new(None));
    let draw_cache = Rc::clone(&canvas_scene);
    let motion_for_draw = Rc::clone(&next_motion);
    let again_after_draw = Rc::clone(&again);
    let draw_now = Rc::new(move || {
        frame_pending.set_value(false);
        let (Some(canvas_element), Some(graph)) =
            (scene_canvas.get_untracked(), container.get_untracked())
        else {
            return;
        };
        let build = scene.get_untracked();
        let (width, height) = (
            graph.client_width().max(1) as u32,
            graph.client_height().max(1) as u32,
        );
        if canvas_element.width() != width || canvas_element.height() != height {
            canvas_element.set_width(width);
            canvas_element.set_height(height);
        }
        let Some(context) = canvas::context_of(&canvas_element) else {
            return;
        };
        if !large.get_value() {
            context.clear_rect(0.0, 0.0, f64::from(width), f64::from(height));
            return;
        }
        let mut cache = draw_cache.borrow_mut();
        let first_frame = cache.as_ref().is_none_or(|c| c.version != build.version);
        if first_frame {
            let mut made = CanvasScene::new(build.version, &build.scene, Arc::clone(&build.tiles));
            made.motion = motion_for_draw
                .take()
                .filter(|motion| motion.version == build.version);
            traffic.counters.with_untracked(|counters| {
                lod::count_drops(&made.tiles, counters, &mut made.drops)
            });
            // The caches of the picture before are freed in steps, not in this
            // frame's task (`reclaim.rs`).
            if let Some(replaced) = cache.replace(made) {
                super::reclaim::release(replaced);
            }
        }
        let Some(cache) = cache.as_mut() else {
            return;
        };
        let mut palette = palette.borrow_mut();
        if palette
            .as_ref()
            .is_none_or(|(version, _)| *version != build.version)
        {
            *palette = Some((build.version, Palette::read(&graph)));
        }
        let Some((_, palette)) = palette.as_ref() else {
            return;
        };
        let view = viewport.get_untracked();
        let stats = collapse.with_untracked(|collapse| {
            highlight_store.with_value(|highlight| {
                canvas::draw(
                    &context,
                    cache,
                    &canvas::Frame {
                        scene: &build.scene,
                        highlight,
                        collapse,
                        view,
                        width: f64::from(width),
                        height: f64::from(height),
                        palette,
                    },
                )
            })
        });
        for (name, value) in [
            ("data-tiles", stats.tiles),
            ("data-detailed", stats.detailed),
            ("data-edges", stats.edges),
            ("data-namespaces", stats.namespaces),
            ("data-namespaces-in-view", stats.namespaces_in_view),
            ("data-workload-tiles", stats.workload_tiles),
            ("data-drops", stats.drops as usize),
            ("data-labels", stats.labels),
            ("data-moving", usize::from(stats.moving)),
            ("data-moved", stats.moved),
            ("data-leaving", stats.leaving),
        ] {
            let value = value.to_string();
            if canvas_element.get_attribute(name).as_deref() != Some(value.as_str()) {
                let _ = canvas_element.set_attribute(name, &value);
            }
        }
        if canvas_element.get_attribute("data-label-boxes").as_deref()
            != Some(cache.label_boxes.as_str())
        {
            let _ = canvas_element.set_attribute("data-label-boxes", &cache.label_boxes);
        }
        if let Some(minimap) = minimap.get_untracked() {
            if let Some(mini) = canvas::context_of(&minimap) {
                let (w, h) = (
                    minimap.client_width().max(1) as u32,
                    minimap.client_height().max(1) as u32,
                );
                if minimap.width() != w || minimap.height() != h {
                    minimap.set_width(w);
                    minimap.set_height(h);
                }
                canvas::draw_minimap(
                    &mini,
                    &build.scene,
                    cache,
                    &view,
                    (
                        f64::from(w),
                        f64::from(h),
                        f64::from(width),
                        f64::from(height),
                    ),
                    palette,
                );
            }
        }
        if stats.moving {
            if let Some(request) = again_after_draw.borrow().upgrade() {
                request();
            }
        }
        // The status bar times a scene once, by the renderer that first shows it,
        // to the frame that shows it: after this frame's paint.
        if timed_version.get_value() != build.version {
            timed_version.set_value(build.version);
            let started = build.started_at;
            super::worker::after_paint(move || {
                state.last_scene_ms.set(super::state::now_ms() - started)
            });
        }
    });
    let request_frame: Rc<dyn Fn()> = Rc::new(move || {
        if !frame_pending.get_value() {
            frame_pending.set_value(true);
            let draw_now = Rc::clone(&draw_now);
            next_frame(alive, move || draw_now());
        }
    });
    *again.borrow_mut() = Rc::downgrade(&request_frame);
    let frame_for_view = Rc::clone(&request_frame);
    Effect::new(move |_| {
        viewport.track();
        collapse.track();
        frame_for_view();
    });
    // The traffic's drops, onto the tiles, as often as the counters change; drawn
    // again only when a tile's drops changed (at 100,000 pods a frame of the whole
    // canvas is tens of milliseconds, and the counters change a few times a second).
    let drops_cache = Rc::clone(&canvas_scene);
    let frame_for_drops = Rc::clone(&request_frame);
    Effect::new(move |_| {
        let changed = traffic.counters.with(|counters| {
            drops_cache
                .borrow_mut()
                .as_mut()
                .is_some_and(|cache| lod::count_drops(&cache.tiles, counters, &mut cache.drops))
        });
        if changed {
            frame_for_drops();
        }
    });
    // Draws the scene's markup when it changes and applies the highlight, in one
    // effect so that the highlight always refers to the elements on screen. Large
    // scenes keep no markup: the highlight is kept for the canvas, which redraws.
    let drawn_texts = Rc::clone(&drawn);
    let shown: Rc<RefCell<Option<Arc<Scene>>>> = Rc::new(RefCell::new(None));
    let frame_for_scene = Rc::clone(&request_frame);
    let motion_for_scene = Rc::clone(&next_motion);
    Effect::new(move |_| {
        let Some(group) = markup_ref.get() else {
            return;
        };
        let build = scene.get();
        let selection = state.selection.get();
        let mut wanted = found
            .with(|found| highlight::highlight(&build.scene, selection.as_deref(), &found.matches));
        // A trace on the picture lights its own path; the selection keeps its outline.
        if let Some(overlay) = trace_overlay.get() {
            wanted.lit_shapes = overlay.highlight.lit_shapes.clone();
            wanted.lit_edges = overlay.highlight.lit_edges.clone();
        }
        let mut drawn = drawn.borrow_mut();
        // The edge `e` outlined belongs to the selection and picture before (§13.13).
        if let Some((_, edge)) = kbd_edge.get_value() {
            kbd_edge.set_value(None);
            if let Some(element) = drawn.edges.get(edge) {
                let _ = element.class_list().remove_1("kbd");
            }
            tooltip.set(None);
        }
        let is_large = uses_canvas.get();
        if drawn.version != build.version || drawn.canvas != is_large {
            large.set_value(is_large);
            for element in [
                lod_tools.get_untracked().map(web_sys::Element::from),
                minimap.get_untracked().map(web_sys::Element::from),
            ]
            .into_iter()
            .flatten()
            {
                let _ = element.toggle_attribute_with_force("hidden", !is_large);
            }
            if let Some(svg) = svg_ref.get_untracked() {
                let _ = svg.set_attribute("data-large", if is_large { "true" } else { "false" });
            }
            if is_large {
                // The canvas draws it; the SVG keeps only its attributes.
                group.set_inner_html("");
            } else {
                group.set_inner_html(&scene::svg_elements(&build.scene, scene::Tooltips::Omitted));
                // Timed to the frame that shows it: after its style, layout and paint.
                let started = build.started_at;
                if timed_version.get_value() != build.version {
                    timed_version.set_value(build.version);
                    super::worker::after_paint(move || {
                        state.last_scene_ms.set(super::state::now_ms() - started)
                    });
                }
            }
            let old_shapes = std::mem::take(&mut drawn.shapes);
            // A large scene is on the canvas: no SVG labels to light.
            let svg_scene = (!is_large).then_some(&*build.scene);
            *drawn = DrawnScene::read(&group, svg_scene, build.version);
            drawn.canvas = is_large;
            drawn.recut(viewport.get_untracked().k);
            // An edit moves, adds and removes shapes in view of the user (§13.6).
            if let Some(old) = shown.replace(Some(Arc::clone(&build.scene))) {
                let follow = if build.scene.shapes.len() <= MOTION_SHAPES {
                    is_large
                        .then(|| canvas::CanvasMotion::between(&old, &build.scene, build.version))
                        .flatten()
                } else {
                    // Found ahead, if from the picture shown to this one, whole.
                    build
                        .motion
                        .as_ref()
                        .filter(|found| {
                            std::ptr::eq(found.0.as_ptr(), Arc::as_ptr(&old))
                                && Arc::ptr_eq(&build.scene, &build.layout)
                        })
                        .and_then(|found| {
                            canvas::CanvasMotion::of(&found.1, &old, &build.scene, build.version)
                        })
                };
                if follow.is_some() {
                    *motion_for_scene.borrow_mut() = follow;
                }
                if !is_large && !old_shapes.is_empty() {
                    super::motion::animate(
                        &group,
                        &old,
                        &old_shapes,
                        &build.scene,
                        &drawn.shapes,
                        &drawn.edges,
                    );
                }
            }
        }
        if is_large {
            highlight_store.set_value(wanted);
        } else {
            drawn.apply(wanted);
        }
        frame_for_scene();
    });
    // The minimap: a press or a drag on it centres the view there.
    let minimap_move = move |ev: &leptos::ev::PointerEvent| {
        let (Some(element), Some(graph)) = (minimap.get_untracked(), container.get_untracked())
        else {
            return;
        };
        let rect = element.get_bounding_client_rect();
        let s = scene.with_untracked(|build| {
            canvas::minimap_scale(
                &build.scene,
                f64::from(element.client_width()),
                f64::from(element.client_height()),
            )
        });
        let x = (f64::from(ev.client_x()) - rect.left()) / s;
        let y = (f64::from(ev.client_y()) - rect.top()) / s;
        viewport.update(|v| {
            v.tx = f64::from(graph.client_width()) / 2.0 - x * v.k;
            v.ty = f64::from(graph.client_height()) / 2.0 - y * v.k;
        });
    };
    let on_minimap_down = move |ev: leptos::ev::PointerEvent| {
        ev.stop_propagation();
        if let Some(element) = minimap.get_untracked() {
            let _ = element.set_pointer_capture(ev.pointer_id());
        }
        minimap_move(&ev);
    };
    let on_minimap_move = move |ev: leptos::ev::PointerEvent| {
        ev.stop_propagation();
        if ev.buttons() & 1 == 1 {
            minimap_move(&ev);
        }
    };
    // No text is drawn smaller than 9 screen pixels (§13.2): the stylesheet reads
    // the level of each kind of text and the zoom, and the texts are cut to their
    // room at the zoom. Set when the zoom changes, not on every frame of a pan.
    Effect::new(move |previous: Option<f64>| {
        let k = viewport.get().k;
        // Not drawn yet: NaN, which differs from every zoom, sets them next time.
        let Some(svg) = svg_ref.get() else {
            return f64::NAN;
        };
        if previous != Some(k) {
            let _ = svg.set_attribute("data-entry-text", lod::entry_text(k).as_str());
            let _ = svg.set_attribute("data-small-text", lod::small_text(k).as_str());
            let _ = svg.set_attribute("style", &format!("--k:{k:.4}"));
            drawn_texts.borrow_mut().recut(k);
        }
        k
    });
    let transform = move || {
        let v = viewport.get();
        format!("translate({:.2},{:.2}) scale({:.4})", v.tx, v.ty, v.k)
    };
    // The namespace filter: a checkbox per namespace the engine lists, in a
    // disclosure that Enter or Space opens and Esc closes.
    let namespace_menu = NodeRef::<leptos::html::Details>::new();
    // Drawn again for a new topology only, not when a box is ticked, so the focus
    // stays on the box; each box reads its own state.
    let namespace_list = move || {
        let topology = state.topology.get();
        let choices = state
            .filter
            .with_untracked(|filter| filter.namespace_choices(&topology.value));
        choices
            .into_iter()
            .map(|choice| {
                let name = choice.name;
                let (checked_name, toggled_name) = (name.clone(), name.clone());
                view! {
                    <label class:absent=!choice.present>
                        <input type="checkbox" data-namespace=name.clone()
                            prop:checked=move || state.filter.with(|filter| filter.namespaces.contains(&checked_name))
                            on:change=move |_| state.filter.update(|filter| filter.toggle_namespace(&toggled_name)) />
                        {name}
                    </label>
                }
            })
            .collect_view()
    };
    let namespace_summary = move || {
        state.filter.with(|filter| match filter.namespaces.len() {
            0 => "All namespaces".to_string(),
            1 => filter.namespaces.iter().next().cloned().unwrap_or_default(),
            n => format!("{n} namespaces"),
        })
    };
    let on_namespace_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            if let Some(menu) = namespace_menu.get_untracked() {
                let _ = menu.remove_attribute("open");
                if let Some(summary) = menu
                    .first_element_child()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = summary.focus();
                }
            }
        }
    };
    let kind_toggle = move |kind: &'static str, label: &'static str| {
        let checked = move || !state.filter.with(|f| f.hidden_kinds.contains(kind));
        view! {
            <label class="toggle">
                <input type="checkbox" prop:checked=checked aria-label=format!("Show {label}") data-testid=format!("show-{kind}")
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        state.filter.update(|f| { if on { f.hidden_kinds.remove(kind); } else { f.hidden_kinds.insert(kind.to_string()); } });
                    } />
                {label}
            </label>
        }
    };

    view! {
        <div class="graph-toolbar" node_ref=toolbar_ref role="toolbar" aria-label="Graph controls">
            <div class="segmented" role="group" aria-label="View">
                <button type="button" data-testid="view-cluster" aria-pressed=move || (state.view.get() == View::Cluster).to_string() on:click=move |_| state.view.set(View::Cluster)>"Cluster"</button>
                <button type="button" data-testid="view-logical" aria-pressed=move || (state.view.get() == View::Logical).to_string() on:click=move |_| state.view.set(View::Logical)>"Logical"</button>
            </div>
            <super::export::ExportMenu />
            <input type="search" node_ref=search_ref class="search" placeholder="Search name  (/)" aria-label="Search by name" data-testid="search"
                prop:value=move || search.get() on:input=move |ev| search.set(event_target_value(&ev)) on:keydown=on_search_key />
            <div class="query">
                <input type="text" class:invalid=move || found.with(|found| found.query_error.is_some()) placeholder="Label query: app=frontend,tier in (web)" aria-label="Label selector query" data-testid="query"
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                <span class="query-error" role="status" data-testid="query-error">{move || found.with(|found| found.query_error.clone().unwrap_or_default())}</span>
            </div>
            <details class="namespace-filter" node_ref=namespace_menu data-testid="namespace-filter" on:keydown=on_namespace_key>
                <summary title="Filter by namespace" data-testid="namespace-summary">{namespace_summary}</summary>
                <fieldset>
                    <legend>"Show only these namespaces (none: all)"</legend>
                    {namespace_list}
                    <button type="button" class="small" data-testid="namespace-all" on:click=move |_| state.filter.update(|filter| filter.namespaces.clear())>"All"</button>
                </fieldset>
            </details>
            {kind_toggle("pod", "Pods")}
            {kind_toggle("dependency", "Dependencies")}
            {kind_toggle("external", "External")}
            {kind_toggle("ingress", "Ingresses")}
            <super::trace_overlay::PolicyToggle />
            <div class="zoom" role="group" aria-label="Zoom">
                <button type="button" aria-label="Zoom out" title="Zoom out (-)" on:click=move |_| zoom_center(0.8)>"−"</button>
                <button type="button" aria-label="Zoom in" title="Zoom in (+)" on:click=move |_| zoom_center(1.25)>"+"</button>
                <button type="button" aria-label="Fit to screen" title="Fit (f)" data-testid="fit" on:click=move |_| fit()>"Fit"</button>
            </div>
            <div class="segmented" role="group" aria-label="Level of detail" node_ref=lod_tools hidden>
                <button type="button" data-testid="lod-collapse" title="Show every namespace and node as a tile" on:click=move |_| set_all_tiles(scene, collapse, true)>"Collapse all"</button>
                <button type="button" data-testid="lod-expand" title="Draw everything inside every namespace and node" on:click=move |_| set_all_tiles(scene, collapse, false)>"Expand all"</button>
                <button type="button" data-testid="lod-auto" title="Tiles when zoomed out, details when zoomed in" on:click=move |_| collapse.update(Collapse::follow_zoom)>"By zoom"</button>
            </div>
            <span class="match-count" data-testid="match-count">{move || { let n = found.with(|found| found.matches.len()); if n > 0 { format!("{n} matches") } else { String::new() } }}</span>
        </div>
        // Busy while another view or filter is laid out in slices (large pictures),
        // or a what-if edit is applied and laid out (`edits.rs`).
        <div class="graph" node_ref=container class:has-focus=move || state.selection.get().is_some() || found.with(|found| !found.matches.is_empty()) || trace_overlay.with(Option::is_some)
            aria-busy=move || (state.edit_working.get() || scene.with(|b| b.view != state.view.get() || state.filter.with(|f| *f != b.filter))).to_string()
            class:edit-busy=move || state.edit_working.get()
            on:wheel=on_wheel on:pointerdown=on_pointer_down on:pointermove=move |ev| { on_hover(ev.clone()); on_pointer_move(ev) } on:pointerleave=move |_| tooltip.set(None) on:focusout=move |_| tooltip.set(None) on:pointerup=on_pointer_up on:pointercancel=on_pointer_up on:click=on_click>
            <canvas class="scene-canvas" node_ref=scene_canvas data-testid="scene-canvas" aria-hidden="true"></canvas>
            <svg class="scene" node_ref=svg_ref data-testid="graph" role="img" aria-label=super::template_markup("kt-graph-label")
                data-version=move || scene.get().version.to_string()
                data-services=move || shape_counts.get().services.to_string()
                data-pods=move || shape_counts.get().pods.to_string()
                data-nodes=move || shape_counts.get().nodes.to_string()>
                <g transform=transform>
                    <g node_ref=markup_ref></g>
                </g>
            </svg>
            <super::traffic::PacketLayer scene=scene viewport=viewport trace=trace_overlay />
            <super::trace_overlay::TraceLayer scene=scene overlay=trace_overlay viewport=viewport />
            <canvas class="minimap" node_ref=minimap data-testid="minimap" aria-label="Minimap: press or drag to move the view" hidden
                on:pointerdown=on_minimap_down on:pointermove=on_minimap_move
                on:click=|ev: leptos::ev::MouseEvent| ev.stop_propagation()
                on:wheel=|ev: leptos::ev::WheelEvent| ev.stop_propagation()></canvas>
            {move || tooltip.get().map(|(x, side, y, text)| view! { <div class="tip-lane" style=format!("left:{x:.0}px;{side}:{y:.0}px")><div class="tooltip" role="tooltip" data-testid="tooltip">{text}</div></div> })}
            <div class="sr-only" aria-live="polite" node_ref=spoken></div>
            <Legend />
        </div>
    }
}

/// The smallest zoom: a 100,000-pod picture fits a screen at about 0.02.
const MIN_ZOOM: f64 = 0.01;

/// Above this many shapes (about 15,000 pods) what an edit moved is found while its
/// picture is laid out, in slices ([`prebuild`]): when it is drawn, it would be a
/// long task of its own (§13.6).
const MOTION_SHAPES: usize = 20_000;

/// Runs `frame` at the next animation frame, unless the graph that asked for it is
/// gone by then, and with it the signals `frame` reads.
fn next_frame(alive: StoredValue<()>, frame: impl FnOnce() + 'static) {
    request_animation_frame(move || {
        if !alive.is_disposed() {
            frame();
        }
    });
}

/// "Collapse all" (`collapsed`) and "Expand all".
fn set_all_tiles(scene: Memo<SceneBuild>, collapse: RwSignal<Collapse>, collapsed: bool) {
    scene.with_untracked(|build| collapse.update(|c| c.set_all(&build.tiles, collapsed)));
}

/// Collapses or expands the selection's `index`th aggregate ([`lod::aggregates_of`]:
/// the namespace, node or workload, then the workload's app).
pub fn toggle_selected(state: AppState, index: usize) {
    let Some(selected) = state.selection.get_untracked() else {
        return;
    };
    let aggregates = state
        .topology
        .with_untracked(|topology| lod::aggregates_of(&topology.value, &selected));
    if let Some(aggregate) = aggregates.get(index) {
        let k = state.viewport.get_untracked().k;
        state.collapse.update(|c| c.toggle(aggregate, k));
    }
}

fn center_on(
    id: &str,
    scene: Memo<SceneBuild>,
    viewport: RwSignal<Viewport>,
    container: NodeRef<leptos::html::Div>,
) {
    let Some((x, y)) = scene.get_untracked().scene.anchor(id) else {
        return;
    };
    let Some(element) = container.get_untracked() else {
        return;
    };
    viewport.update(|v| {
        v.tx = f64::from(element.client_width()) / 2.0 - x * v.k;
        v.ty = f64::from(element.client_height()) / 2.0 - y * v.k;
    });
}

/// Centres on `id` and zooms so that it fills about half the view, readable
/// however small it is drawn.
fn zoom_to(
    id: &str,
    scene: Memo<SceneBuild>,
    viewport: RwSignal<Viewport>,
    container: NodeRef<leptos::html::Div>,
) {
    let Some(rect) = scene
        .get_untracked()
        .scene
        .shape(id)
        .map(|shape| shape.rect)
    else {
        return center_on(id, scene, viewport, container);
    };
    let Some(element) = container.get_untracked() else {
        return;
    };
    let (w, h) = (
        f64::from(element.client_width()),
        f64::from(element.client_height()),
    );
    let k = (w * 0.5 / rect.w.max(1.0))
        .min(h * 0.5 / rect.h.max(1.0))
        .clamp(0.2, 2.5);
    let (x, y) = rect.center();
    viewport.set(Viewport {
        tx: w / 2.0 - x * k,
        ty: h / 2.0 - y * k,
        k,
    });
}

/// The SVG elements of the scene on screen, by position, and the highlight they
/// show. Positions match [`Scene::shapes`] and [`Scene::edges`] because
/// `svg_elements` writes one element per shape and per edge, in order.
#[derive(Default)]
struct DrawnScene {
    version: u64,
    /// The canvas draws the scene; the SVG holds no shapes.
    canvas: bool,
    shapes: Vec<web_sys::Element>,
    edges: Vec<web_sys::Element>,
    /// The edges' labels, and for each edge the position of its label among them
    /// ([`scene::label_elements`]): a lit edge lights its label.
    labels: Vec<web_sys::Element>,
    label_of_edge: Vec<Option<usize>>,
    shown: Highlight,
    shown_labels: Positions,
    /// The titles and edge labels, which the zoom cuts or hides.
    texts: Vec<ZoomText>,
    /// Where the edge labels go at each zoom, clear of each other (§13.2).
    placed: lod::EdgeLabels,
}

/// A text of the SVG that is cut to its room at the zoom (§13.2): its text node
/// (an edge label's element), its whole text, its room and how many of its
/// characters are shown.
struct ZoomText {
    node: web_sys::Node,
    text: String,
    room: lod::TextRoom,
    shown: usize,
    /// An edge label's position among the labels, which [`lod::EdgeLabels`] places,
    /// and the point its element is written at.
    label: Option<(usize, (f64, f64))>,
}

impl DrawnScene {
    /// Reads the elements just written into `group`: the children of its
    /// `g.edges`, `g.shapes` and `g.edge-labels` containers, in document order.
    /// `scene` is the one drawn in SVG, if any: only then are its edges' labels
    /// matched to their elements.
    fn read(group: &web_sys::Element, scene: Option<&Scene>, version: u64) -> DrawnScene {
        let children = |container: Option<web_sys::Element>| -> Vec<web_sys::Element> {
            let mut elements = Vec::new();
            let mut next = container.and_then(|c| c.first_element_child());
            while let Some(element) = next {
                next = element.next_element_sibling();
                elements.push(element);
            }
            elements
        };
        let edges_container = group.first_element_child();
        let shapes_container = edges_container
            .as_ref()
            .and_then(|edges| edges.next_element_sibling());
        let labels_container = shapes_container
            .as_ref()
            .and_then(|shapes| shapes.next_element_sibling());
        let shapes = children(shapes_container);
        let labels = children(labels_container);
        // Each title is the second child of its shape, after the rect; each text
        // is the first node of its element. A text not drawn at its own size is
        // not drawn larger either: it has no node.
        let mut texts = Vec::new();
        let mut placed = lod::EdgeLabels::default();
        if let Some(scene) = scene {
            for (shape, element) in scene.shapes.iter().zip(&shapes) {
                let Some((room, _, _)) = scene::title_room(shape) else {
                    continue;
                };
                let title = element
                    .first_element_child()
                    .and_then(|rect| rect.next_element_sibling());
                if let Some(node) = title.and_then(|title| title.first_child()) {
                    let text = scene::title_text(shape);
                    texts.push(ZoomText {
                        node,
                        text: text.to_string(),
                        room,
                        shown: lod::shown_chars(text, &room, 1.0),
                        label: None,
                    });
                }
            }
            let index = SpatialIndex::of_shapes(scene);
            let rooms = scene::label_rooms_in(scene, &index);
            placed = lod::EdgeLabels::new(scene, &index, &rooms);
            // The markup writes each label where it is placed at 1:1, or empty.
            let at_one = placed.place(1.0);
            for (n, ((&(position, room), element), placement)) in
                rooms.iter().zip(&labels).zip(at_one).enumerate()
            {
                if let Some(label) = &scene.edges[position].label {
                    texts.push(ZoomText {
                        node: element.clone().into(),
                        text: label.text.clone(),
                        room,
                        shown: placement.n_chars,
                        label: Some((n, (placement.x, placement.y))),
                    });
                }
            }
        }
        DrawnScene {
            version,
            canvas: false,
            shapes,
            edges: children(edges_container),
            labels,
            label_of_edge: scene.map_or_else(Vec::new, scene::label_elements),
            shown: Highlight::default(),
            shown_labels: Positions::new(),
            texts,
            placed,
        }
    }

    /// Cuts each title and edge label to its room at `zoom`, and moves each edge
    /// label drawn to the spot along its edge that [`lod::EdgeLabels`] gives it,
    /// writing only the texts whose cut changed and the labels that moved.
    fn recut(&mut self, zoom: f64) {
        let placed = self.placed.place(zoom);
        for text in &mut self.texts {
            let Some((label, at)) = &mut text.label else {
                let n_chars = lod::shown_chars(&text.text, &text.room, zoom);
                if n_chars != text.shown {
                    text.shown = n_chars;
                    text.node
                        .set_node_value(Some(&lod::shown(&text.text, n_chars)));
                }
                continue;
            };
            let placement = placed[*label];
            // A label not drawn stays where it was: it is empty.
            if placement.n_chars > 0 && (placement.x, placement.y) != *at {
                *at = (placement.x, placement.y);
                if let Some(element) = self.labels.get(*label) {
                    let _ = element.set_attribute("x", &scene::Tenths(placement.x).to_string());
                    let _ = element.set_attribute("y", &scene::Tenths(placement.y).to_string());
                }
            }
            if placement.n_chars != text.shown {
                text.shown = placement.n_chars;
                // An element's text: a label empty at 1:1 has no text node.
                text.node
                    .set_text_content(Some(&lod::shown(&text.text, placement.n_chars)));
            }
        }
    }

    /// Sets and clears the data attributes of the elements whose state differs
    /// between the shown highlight and `wanted`, and nothing else.
    fn apply(&mut self, wanted: Highlight) {
        flip(
            &self.shapes,
            &self.shown.lit_shapes,
            &wanted.lit_shapes,
            "data-lit",
        );
        flip(
            &self.edges,
            &self.shown.lit_edges,
            &wanted.lit_edges,
            "data-lit",
        );
        let lit_labels: Positions = wanted
            .lit_edges
            .iter()
            .filter_map(|edge| self.label_of_edge.get(edge).copied().flatten())
            .collect();
        flip(&self.labels, &self.shown_labels, &lit_labels, "data-lit");
        self.shown_labels = lit_labels;
        flip(
            &self.shapes,
            &self.shown.selected_shapes,
            &wanted.selected_shapes,
            "data-selected",
        );
        flip(
            &self.shapes,
            &self.shown.matched_shapes,
            &wanted.matched_shapes,
            "data-matched",
        );
        self.shown = wanted;
    }
}

fn flip(elements: &[web_sys::Element], shown: &Positions, wanted: &Positions, attribute: &str) {
    for position in shown.difference(wanted) {
        if let Some(element) = elements.get(position) {
            let _ = element.remove_attribute(attribute);
        }
    }
    for position in wanted.difference(shown) {
        if let Some(element) = elements.get(position) {
            let _ = element.set_attribute(attribute, "");
        }
    }
}

#[component]
fn Legend() -> impl IntoView {
    let open = RwSignal::new(false);
    view! {
        <div class="legend" class:open=move || open.get()>
            <button type="button" aria-expanded=move || open.get().to_string() data-testid="legend-toggle" on:click=move |ev: leptos::ev::MouseEvent| { ev.stop_propagation(); open.update(|o| *o = !*o); }>"Legend"</button>
            <dl inner_html=super::template_markup("kt-legend")></dl>
        </div>
    }
}
