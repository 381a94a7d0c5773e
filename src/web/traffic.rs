//! Traffic: what-if edits, the trace panel and the packet animation. The engine's
//! `sim::Simulator` does all the work; this module drives its ticks from
//! `requestAnimationFrame` and draws its packets on a canvas over the graph.

use std::cell::RefCell;
use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::graph::{SceneBuild, Viewport};
use super::state::AppState;
use crate::engine::pause::Pause;
use crate::engine::scene::{self, Scene};
use crate::engine::sim::{Flow, FlowOrigin, SimConfig, Simulator};
use crate::engine::trace::{self, Place, Trace, TraceIndex, TraceSource, Verdict};
use crate::engine::trace_overlay::{
    labels_beside_points, layout_on_screen, node_drop_marker, Screen, TraceOverlay,
};

use crate::engine::Topology;

thread_local! {
    /// The simulator lives outside the reactive graph: it changes every frame.
    static SIMULATOR: RefCell<Option<Simulator>> = const { RefCell::new(None) };
    /// Counts the simulators installed, so that caches keyed by the simulator's
    /// place ids know when those ids stop meaning the same places.
    static SIMULATOR_SERIAL: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The trace index of a topology about to be installed, made ahead
    /// ([`index_ahead`]): the next simulator takes it if it is for its topology.
    static INDEX_AHEAD: RefCell<Option<(std::sync::Weak<Topology>, TraceIndex)>> =
        const { RefCell::new(None) };
    /// The topology whose trace index [`index_ahead`] is making, and the start of
    /// its simulator when that start has to wait for the index.
    static INDEX_COMING: RefCell<(std::sync::Weak<Topology>, Option<Start>)> =
        RefCell::new(Default::default());
}

/// A simulator's start, waiting.
type Start = Box<dyn FnOnce()>;

/// Makes the trace index of the installed `topology`, pausing where `pause` says
/// so, for its simulator: at 100,000 pods it is a task of about 180 ms otherwise
/// (issue #9). The picture is shown first; the simulator's start waits for the
/// index, and this starts it.
pub async fn index_ahead(topology: &Arc<Topology>, pause: &Pause<'_>) {
    INDEX_COMING.with_borrow_mut(|coming| coming.0 = Arc::downgrade(topology));
    let index = TraceIndex::build_pausable(topology, pause).await;
    INDEX_AHEAD.set(Some((Arc::downgrade(topology), index)));
    // In a task of its own, as when it does not wait: at 100,000 pods the
    // simulator's start is a task of about 100 ms, and a key pressed meanwhile
    // should wait for that alone.
    if let (_, Some(start)) = INDEX_COMING.take() {
        super::worker::in_next_task(start);
    }
}

/// The index of `topology`: the one made ahead for it, or a new one.
fn index_of(topology: &Arc<Topology>) -> TraceIndex {
    INDEX_AHEAD
        .with_borrow_mut(|ahead| {
            ahead.take_if(|(made_for, _)| std::ptr::eq(made_for.as_ptr(), Arc::as_ptr(topology)))
        })
        .map_or_else(|| TraceIndex::build(topology), |(_, index)| index)
}

/// Animation settings and the numbers shown beside them.
#[derive(Clone, Copy)]
pub struct TrafficState {
    pub playing: RwSignal<bool>,
    /// Whether the packets would play, when they wait only for
    /// `prefers-reduced-motion`: a share link records this rather than a pause
    /// the user did not choose. Play or Pause clears it.
    pub held_for_motion: StoredValue<Option<bool>>,
    /// Simulator ticks per animation frame.
    pub speed: RwSignal<f64>,
    /// Connections per tick of every flow.
    pub load: RwSignal<f64>,
    pub counters: RwSignal<crate::engine::sim::Counters>,
    pub n_packets: RwSignal<usize>,
    /// Drops and rejects seen recently, one per place and reason, in that order.
    pub drops: RwSignal<Vec<DropMark>>,
    /// The connections that ended last, newest first, for the flow list.
    pub recent: RwSignal<Vec<RecentRow>>,
    /// Whether the pointer, and whether the focus, is in the flow list: it holds
    /// still while either is, so that a row does not turn into another under a click.
    pub recent_held: StoredValue<(bool, bool)>,
    pub trace: RwSignal<Option<Trace>>,
    /// The hop (its step) hovered in the trace panel or on the picture.
    pub trace_hover: RwSignal<Option<usize>>,
    /// Whether the policy overlay is on, and the policy selected in the policies
    /// panel (whose connections the overlay then draws alone).
    pub policy_overlay: RwSignal<bool>,
    pub policy_selected: RwSignal<Option<crate::engine::refs::NamespacedName>>,
    /// The right edge of the drawn policy overlay, in scene units (0 without one):
    /// its lanes may lie right of the picture, and a fit shows them.
    pub policy_right: RwSignal<f64>,
    pub trace_error: RwSignal<Option<String>>,
    pub trace_from: RwSignal<String>,
    pub trace_to: RwSignal<String>,
    /// The request form's last request: where it went, and its method and headers,
    /// which "Add as flow" keeps for a flow to the same place.
    pub request_http: StoredValue<Option<(String, trace::HttpOptions)>>,
    pub message: RwSignal<Option<String>>,
}

impl TrafficState {
    fn new() -> TrafficState {
        TrafficState {
            playing: RwSignal::new(true),
            held_for_motion: StoredValue::new(None),
            speed: RwSignal::new(1.0),
            load: RwSignal::new(SimConfig::default().default_rate),
            counters: RwSignal::new(Default::default()),
            n_packets: RwSignal::new(0),
            drops: RwSignal::new(Vec::new()),
            recent: RwSignal::new(Vec::new()),
            recent_held: StoredValue::new((false, false)),
            trace: RwSignal::new(None),
            trace_hover: RwSignal::new(None),
            policy_overlay: RwSignal::new(false),
            policy_selected: RwSignal::new(None),
            policy_right: RwSignal::new(0.0),
            trace_error: RwSignal::new(None),
            trace_from: RwSignal::new("external".into()),
            trace_to: RwSignal::new(String::new()),
            request_http: StoredValue::new(None),
            message: RwSignal::new(None),
        }
    }
}

/// A drop marker: where and why connections ended, their verdict, how many, the
/// engine's short label, and the newest of them, which a click on the marker traces.
#[derive(Clone, Debug, PartialEq)]
pub struct DropMark {
    pub place: Place,
    pub reason: String,
    pub verdict: Verdict,
    pub count: u64,
    pub label: String,
    /// The simulator's path of the newest connection that ended so.
    pub path: u32,
}

/// One ended connection as the flow list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecentRow {
    pub tick: u64,
    pub path: u32,
    pub flow: String,
    pub verdict: Verdict,
    /// The engine's few words: "delivered", "no local endpoint", "denied by policy X".
    pub label: String,
    /// Where it ended: a node, when it reached one.
    pub node: Option<String>,
}

/// The most packets the page animates at once. At 100,000 pods and the highest
/// load the flows would keep about 170,000 in flight, and moving and drawing them
/// took most of each frame (5 frames a second); past this many the flows take
/// turns (`docs/semantics.md` §13.9), which the eye cannot tell from more dots.
const MAX_PACKETS_IN_FLIGHT: usize = 20_000;
/// New paths traced per simulator tick, at most (§13.9). Unbounded, at 100,000 pods
/// with the load at 2, a generation of 20,000 packets ending together made the
/// next tick trace thousands of paths: one frame of 200 to 400 ms every second.
/// 64 take about 2 ms natively.
const MAX_TRACES_PER_TICK: usize = 64;

/// Forgets what the previous input's traffic showed: counters, drops, the flow
/// list, the trace and any message. A new input or sample starts clean.
fn clear_traffic(traffic: TrafficState) {
    PENDING_DROPS.with(|pending| pending.borrow_mut().clear());
    traffic.drops.set(Vec::new());
    traffic.counters.set(Default::default());
    traffic.recent.set(Vec::new());
    traffic.trace.set(None);
    traffic.trace_error.set(None);
    traffic.message.set(None);
}

/// Provides the traffic state and keeps the simulator in step with the input:
/// a new analysis restarts it.
pub fn provide_traffic(state: AppState) {
    let traffic = TrafficState::new();
    provide_context(traffic);
    Effect::new(move |_| {
        let base = state.base_topology.get();
        // Rebuild after the new graph is painted: the picture should not wait for traffic.
        request_animation_frame(move || {
            set_timeout(
                move || {
                    let base = Arc::clone(&base.value);
                    let waits_for = Arc::as_ptr(&base);
                    let start = move || {
                        // A newer input may have come while it waited.
                        if !state
                            .base_topology
                            .with_untracked(|now| Arc::ptr_eq(&now.value, &base))
                        {
                            return;
                        }
                        start_simulator(state, traffic, base);
                    };
                    // Its trace index is being made ([`index_ahead`]): that starts it.
                    // Any start waiting for another topology's index is dropped.
                    let now = INDEX_COMING.with_borrow_mut(|coming| {
                        if std::ptr::eq(coming.0.as_ptr(), waits_for) {
                            coming.1 = Some(Box::new(start));
                            None
                        } else {
                            coming.1 = None;
                            Some(start)
                        }
                    });
                    if let Some(start) = now {
                        start();
                    }
                },
                std::time::Duration::ZERO,
            )
        });
    });
    Effect::new(move |_| {
        let load = traffic.load.get();
        with_simulator(|simulator| simulator.set_all_rates(load));
    });
}

/// Runs a new simulator on `base`, the topology of a new input, from clean counters.
fn start_simulator(state: AppState, traffic: TrafficState, base: Arc<Topology>) {
    let load = traffic.load.get_untracked();
    let index = index_of(&base);
    let mut simulator = Simulator::with_index(
        base,
        SimConfig {
            default_rate: load,
            max_packets: MAX_PACKETS_IN_FLIGHT,
            max_traces_per_tick: MAX_TRACES_PER_TICK,
            ..SimConfig::default()
        },
        index,
    );
    simulator.set_all_rates(load);
    install_simulator(simulator);
    clear_traffic(traffic);
    super::edits::forget_queued(state);
    let link_edits = state.restore_edits.try_update_value(std::mem::take);
    if let Some(mutations) = link_edits.filter(|mutations| !mutations.is_empty()) {
        super::edits::restore(state, traffic, mutations);
    }
}

pub(super) fn with_simulator<R>(f: impl FnOnce(&mut Simulator) -> R) -> Option<R> {
    SIMULATOR.with(|slot| slot.borrow_mut().as_mut().map(f))
}

fn install_simulator(simulator: Simulator) {
    SIMULATOR.with(|slot| *slot.borrow_mut() = Some(simulator));
    SIMULATOR_SERIAL.with(|serial| serial.set(serial.get() + 1));
}

pub(super) fn simulator_serial() -> u64 {
    SIMULATOR_SERIAL.with(std::cell::Cell::get)
}

/// The topology the simulator runs: the newest, with every what-if edit made so
/// far, also one whose picture is not installed yet.
pub fn newest_topology() -> Option<Arc<Topology>> {
    with_simulator(|simulator| simulator.shared_topology())
}

/// The section of the edits list a click came from.
fn list_section(event: &leptos::ev::MouseEvent) -> Option<web_sys::Element> {
    event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .and_then(|button| button.closest("section").ok().flatten())
}

/// Opens the trace panel towards `destination` and runs the trace.
pub fn open_trace(state: AppState, source: String, destination: String) {
    let traffic = expect_context::<TrafficState>();
    traffic.trace_from.set(source);
    traffic.trace_to.set(destination);
    run_trace(state, traffic);
}

fn run_trace(state: AppState, traffic: TrafficState) {
    trace_form(state, traffic, &trace::HttpOptions::default());
}

/// Traces from the trace form's source to its destination, as a request with
/// `http`'s method and headers (the defaults for a plain trace), on the topology
/// shown, and shows the result.
pub fn trace_form(state: AppState, traffic: TrafficState, http: &trace::HttpOptions) {
    let topology = state.topology.get_untracked();
    let parsed =
        trace::parse_source(&traffic.trace_from.get_untracked(), None).and_then(|source| {
            trace::parse_destination(&traffic.trace_to.get_untracked())
                .map(|destination| (source, destination))
        });
    match parsed {
        Ok((source, destination)) => {
            traffic.trace_error.set(None);
            traffic
                .trace
                .set(Some(trace::Tracer::new(&topology.value).trace_http(
                    &source,
                    &destination,
                    crate::engine::model::Protocol::Tcp,
                    http,
                    &mut trace::SeededChooser::new(state.config.get_untracked().seed),
                )));
        }
        Err(error) => {
            traffic.trace_error.set(Some(error.to_string()));
            traffic.trace.set(None);
        }
    }
}

/// Asks the trace shown, if any, again of the topology shown now: a what-if edit
/// or its undo calls it once its picture is shown, so that the trace never speaks
/// of a pod, an endpoint or a rule the edit changed (issue #10 point 5). A request
/// the HTTP form sent goes again with its method and headers.
pub fn retrace(state: AppState, traffic: TrafficState) {
    let Some(http) = traffic
        .trace
        .with_untracked(|shown| shown.as_ref().map(|t| t.http.is_some()))
    else {
        return;
    };
    let to = traffic.trace_to.get_untracked();
    let sent = traffic.request_http.with_value(|sent| {
        sent.as_ref()
            .filter(|(sent_to, _)| http && *sent_to == to)
            .map(|(_, http)| http.clone())
    });
    trace_form(state, traffic, &sent.unwrap_or_default());
}

/// Adds the trace form's source and destination as an animated flow.
fn add_flow(traffic: TrafficState) {
    let from = traffic.trace_from.get_untracked();
    let to = traffic.trace_to.get_untracked();
    let source = match trace::parse_source(&from, None) {
        // An animated flow from outside comes from several clients, as the default
        // flows do, rather than from the one address a single trace uses.
        Ok(TraceSource::External { .. }) => TraceSource::ExternalClients {
            n_clients: SimConfig::default().n_external_clients,
        },
        Ok(source) => source,
        Err(error) => return traffic.trace_error.set(Some(error.to_string())),
    };
    let destination = match trace::parse_destination(&to) {
        Ok(destination) => destination,
        Err(error) => return traffic.trace_error.set(Some(error.to_string())),
    };
    let rate = traffic.load.get_untracked();
    // A flow to where the request form last sent keeps that request's method and
    // headers (§11.13).
    let http = traffic
        .request_http
        .with_value(|sent| {
            sent.as_ref()
                .filter(|(sent_to, _)| *sent_to == to)
                .map(|(_, http)| http.clone())
        })
        .unwrap_or_default();
    let label = crate::engine::sim::request_label(&from, &to, &http);
    traffic.message.set(Some(format!("Added flow {label}")));
    with_simulator(|simulator| {
        simulator.add_flow(Flow {
            label,
            origin: FlowOrigin::User,
            source,
            destination,
            protocol: crate::engine::model::Protocol::Tcp,
            http,
            rate,
        })
    });
}

/// Positions of the simulator's places in the scene on screen, by place id, so
/// that a frame looks each place up once instead of building ids per packet.
#[derive(Default)]
struct PlacePositions {
    scene_version: u64,
    simulator_serial: u64,
    /// `None` until looked up; then the position, or `None` when not drawn.
    positions: Vec<Option<Option<(f64, f64)>>>,
}

impl PlacePositions {
    /// Forgets every position when the scene or the simulator has changed.
    fn refresh(&mut self, scene_version: u64, simulator_serial: u64) {
        if self.scene_version != scene_version || self.simulator_serial != simulator_serial {
            self.scene_version = scene_version;
            self.simulator_serial = simulator_serial;
            self.positions.clear();
        }
    }

    fn position(
        &mut self,
        scene: &Scene,
        simulator: &Simulator,
        place_id: u32,
    ) -> Option<(f64, f64)> {
        let index = place_id as usize;
        if index >= self.positions.len() {
            self.positions.resize(index + 1, None);
        }
        *self.positions[index].get_or_insert_with(|| {
            simulator
                .place(place_id)
                .and_then(|place| scene::place_anchor(scene, simulator.topology(), place))
        })
    }
}

thread_local! {
    /// Drops seen since the drop markers were last updated.
    static PENDING_DROPS: RefCell<Vec<DropMark>> = const { RefCell::new(Vec::new()) };
    /// The packets' pixels, kept from frame to frame so that a frame does not allocate.
    static PACKET_PIXELS: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Draws the packets (scene coordinates and flow) as dots into one image, put on
/// the canvas in one call: tens of thousands of packets cost a pass over memory,
/// not a canvas path each (issue #9). Packets that fall on the same pixels, as
/// they do zoomed out, simply share them.
fn draw_packets(
    context: &web_sys::CanvasRenderingContext2d,
    view: Viewport,
    (width, height): (u32, u32),
    points: &[(f64, f64, u32)],
) {
    context.clear_rect(0.0, 0.0, f64::from(width), f64::from(height));
    // 3.5 px on screen zoomed in, shrinking with the picture zoomed out; one pixel at least.
    let radius = ((3.5 / view.k.max(0.3)).min(6.0) * view.k).max(0.5);
    let reach = radius.ceil() as i64;
    let (width, height) = (i64::from(width), i64::from(height));
    let on_screen: Vec<(i64, i64, u32)> = points
        .iter()
        .map(|&(x, y, flow)| {
            let sx = (x * view.k + view.tx).round() as i64;
            let sy = (y * view.k + view.ty).round() as i64;
            (sx, sy, flow)
        })
        .filter(|&(sx, sy, _)| {
            sx > -reach && sy > -reach && sx < width + reach && sy < height + reach
        })
        .collect();
    // The box the dots cover, within the canvas.
    let Some((left, top, right, bottom)) = on_screen.iter().fold(None, |bounds, &(sx, sy, _)| {
        let (l, t, r, b) = bounds.unwrap_or((sx, sy, sx, sy));
        Some((l.min(sx), t.min(sy), r.max(sx), b.max(sy)))
    }) else {
        return;
    };
    let (left, top) = ((left - reach).max(0), (top - reach).max(0));
    let (right, bottom) = (
        (right + reach).min(width - 1),
        (bottom + reach).min(height - 1),
    );
    if right < left || bottom < top {
        return;
    }
    let (box_width, box_height) = ((right - left + 1) as usize, (bottom - top + 1) as usize);
    let disc: Vec<(i64, i64)> = (-reach..=reach)
        .flat_map(|dy| (-reach..=reach).map(move |dx| (dx, dy)))
        .filter(|&(dx, dy)| ((dx * dx + dy * dy) as f64) <= (radius * radius).max(0.25))
        .collect();
    let mut colors: Vec<Option<[u8; 4]>> = Vec::new();
    PACKET_PIXELS.with(|pixels| {
        let mut pixels = pixels.borrow_mut();
        pixels.clear();
        pixels.resize(box_width * box_height * 4, 0);
        for (sx, sy, flow) in on_screen {
            let slot = flow as usize;
            if slot >= colors.len() {
                colors.resize(slot + 1, None);
            }
            let rgba = *colors[slot].get_or_insert_with(|| scene::flow_rgba(flow));
            for &(dx, dy) in &disc {
                let (px, py) = (sx + dx, sy + dy);
                if px < left || px > right || py < top || py > bottom {
                    continue;
                }
                let at = ((py - top) as usize * box_width + (px - left) as usize) * 4;
                pixels[at..at + 4].copy_from_slice(&rgba);
            }
        }
        if let Ok(image) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
            wasm_bindgen::Clamped(&pixels[..]),
            box_width as u32,
            box_height as u32,
        ) {
            let _ = context.put_image_data(&image, left as f64, top as f64);
        }
    });
}

/// The canvas over the graph, animated while playing.
#[component]
pub fn PacketLayer(
    scene: Memo<SceneBuild>,
    viewport: RwSignal<Viewport>,
    trace: Memo<Option<Arc<TraceOverlay>>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let traffic = expect_context::<TrafficState>();
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();
    let drops_ref = NodeRef::<leptos::svg::Svg>::new();
    // Not a reactive value: the frame loop must be able to ask after the owner is gone.
    let alive = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let alive_flag = std::sync::Arc::clone(&alive);
    on_cleanup(move || alive_flag.store(false, std::sync::atomic::Ordering::Relaxed));
    let fractional = StoredValue::new(0.0f64);
    let frame_count = StoredValue::new(0u64);
    let last_packets = StoredValue::new(Vec::new());
    let place_positions = std::rc::Rc::new(RefCell::new(PlacePositions::default()));

    /// The frame callback, which schedules itself again for the next frame.
    type FrameCallback = std::rc::Rc<dyn Fn()>;
    fn schedule(step: FrameCallback) {
        request_animation_frame(move || step());
    }
    let step: std::rc::Rc<RefCell<Option<FrameCallback>>> = std::rc::Rc::new(RefCell::new(None));
    let step_clone = std::rc::Rc::clone(&step);
    let frame = move || {
        if !alive.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        // Under the table the traffic rests, neither simulated nor drawn, as it did
        // when the table replaced the graph.
        if state.tab.get_untracked() != super::state::MainTab::Table {
            draw_frame(
                traffic,
                scene,
                viewport,
                canvas_ref,
                FrameState {
                    fractional,
                    frame_count,
                    last_packets,
                    place_positions: &mut place_positions.borrow_mut(),
                },
            );
        }
        if let Some(next) = step_clone.borrow().as_ref() {
            schedule(std::rc::Rc::clone(next));
        }
    };
    *step.borrow_mut() = Some(std::rc::Rc::new(frame));
    if let Some(first) = step.borrow().as_ref() {
        schedule(std::rc::Rc::clone(first));
    }

    // The drop markers, in screen pixels, so that markers and reasons keep their
    // size at any zoom; the engine writes each reason clear of the picture's text.
    // Written as markup, as the trace layer is (`trace_overlay.rs`), and only when
    // it changes, so that a focused marker keeps the focus.
    let drawn = std::rc::Rc::new(RefCell::new(String::new()));
    Effect::new(move |_| {
        let Some(svg) = drops_ref.get() else {
            return;
        };
        let out = drop_markup(state, traffic, scene, viewport, trace, canvas_ref);
        let mut drawn = drawn.borrow_mut();
        if *drawn == out {
            return;
        }
        // The marker that has the keyboard's focus keeps it, known by its place
        // and reason, so the keyboard keeps its place.
        super::trace_overlay::set_markup_keeping_focus(
            &svg,
            &out,
            "data-key",
            super::trace_overlay::Refocus::InPlace,
        );
        *drawn = out;
    });
    // Each marker is a button, to the pointer and the keyboard alike: it shows the
    // newest of its connections in the trace panel, as the flow list's rows do. A
    // click is the graph's to take (`graph.rs`), which tells it from a drag's end.
    view! {
        <canvas class="packets" node_ref=canvas_ref data-testid="packets" data-packets=move || traffic.n_packets.get().to_string() aria-hidden="true"></canvas>
        <svg class="drops" node_ref=drops_ref aria-label="Drops"
            on:keydown=move |event| {
                if matches!(event.key().as_str(), "Enter" | " ") {
                    if let Some(path) = drop_marker_path(event.target()) {
                        event.prevent_default();
                        // A key held down traces once.
                        if !event.repeat() {
                            trace_connection(state, path);
                        }
                    }
                }
            }></svg>
    }
}

/// The drop markers' markup, each with its reason placed clear of the picture's
/// text, the trace's marks and the controls over the graph.
fn drop_markup(
    state: AppState,
    traffic: TrafficState,
    scene: Memo<SceneBuild>,
    viewport: RwSignal<Viewport>,
    trace: Memo<Option<Arc<TraceOverlay>>>,
    canvas_ref: NodeRef<leptos::html::Canvas>,
) -> String {
    let build = scene.get();
    let view = viewport.get();
    let topology = state.topology.get();
    let drops = traffic.drops.get();
    // The nodes' boxes, when a node has a marker: it must not stand on another's.
    let node_boxes: Vec<scene::Rect> = if drops.iter().any(|d| matches!(d.place, Place::Node(_))) {
        let nodes = &topology.value.cluster.nodes;
        nodes
            .iter()
            .filter_map(|n| build.scene.shape(&scene::node_id(&n.name)))
            .map(|s| s.rect)
            .collect()
    } else {
        Vec::new()
    };
    let drops: Vec<_> = drops
        .into_iter()
        .filter_map(|mark| {
            let mut position = scene::place_anchor(&build.scene, &topology.value, &mark.place)?;
            // A node's marker stands beside its box, off its name (issue #10) and
            // off its neighbours' boxes.
            if let Place::Node(name) = &mark.place {
                if let Some(node) = build.scene.shape(&scene::node_id(name)) {
                    position = node_drop_marker(&node.rect, position, &node_boxes, view.k);
                }
            }
            Some((position, mark))
        })
        .collect();
    // The text of the picture is gathered only to place reasons: with no drop, a
    // pan or zoom costs nothing here (at 100,000 pods, a pass over every shape per
    // frame).
    if drops.is_empty() {
        return String::new();
    }
    let canvas = canvas_ref.get_untracked();
    let width = canvas
        .as_ref()
        .map_or(2000.0, |c| f64::from(c.client_width()));
    let screen = Screen {
        k: view.k,
        tx: view.tx,
        ty: view.ty,
        width,
    };
    let points: Vec<((f64, f64), f64)> = drops
        .iter()
        .map(|(position, mark)| {
            (
                *position,
                7.0 * (mark.label.chars().count() + 4 + mark.count.to_string().len()) as f64,
            )
        })
        .collect();
    // Clear of the trace's badges and verdict too, which the layer above places
    // the same way.
    let mut texts = super::trace_overlay::picture_texts(&build, screen, true);
    if let Some(trace) = trace.get() {
        let marks = layout_on_screen(&trace, texts.clone(), screen);
        texts.extend(
            marks
                .badges
                .iter()
                .chain(&marks.verdict)
                .map(|mark| mark.rect),
        );
    }
    // And clear of the controls over the graph after this canvas (`graph.rs`: the
    // legend in its corner, a large scene's minimap), which would cover a reason
    // (issue #10); the graph is their offset parent, and this layer covers it (a
    // hidden minimap has an empty box). Only now: the layer above places the
    // trace's marks without them.
    let mut sibling = canvas.and_then(|canvas| canvas.next_element_sibling());
    while let Some(element) = sibling {
        if element.matches(".legend,.minimap").unwrap_or(false) {
            let control = element.unchecked_ref::<web_sys::HtmlElement>();
            texts.push(scene::Rect {
                x: control.offset_left().into(),
                y: control.offset_top().into(),
                w: control.offset_width().into(),
                h: control.offset_height().into(),
            });
        }
        sibling = element.next_element_sibling();
    }
    let marks = labels_beside_points(&points, texts, screen);
    let mut out = String::new();
    for ((position, drop), mark) in drops.into_iter().zip(marks) {
        let verdict = drop.verdict.as_str();
        // Known by its place and short reason, which stay while its newest full
        // reason, in the title, may change.
        let place = place_label(&drop.place);
        let key = scene::escape(&format!("{place}: {}", drop.label));
        let title = scene::escape(&format!(
            "{verdict} ×{} at {place}: {}. Click for its trace.",
            drop.count, drop.reason
        ));
        let label = scene::escape(&drop.label);
        let (x, y) = screen.point(position);
        out.push_str(&format!(
            "<g class=\"drop {verdict}\" data-testid=\"drop-marker\" data-verdict=\"{verdict}\" data-label=\"{label}\" data-key=\"{key}\" data-path=\"{}\" role=\"button\" tabindex=\"0\" aria-label=\"{title}\">\
             <g transform=\"translate({x:.1},{y:.1})\"><circle r=\"9\"></circle><path d=\"M-4,-4 L4,4 M4,-4 L-4,4\"></path></g>\
             <text class=\"drop-label\" x=\"{:.1}\" y=\"{:.1}\">{label} ×{}</text><title>{title}</title></g>",
            drop.path,
            mark.rect.x,
            mark.rect.y + 11.0,
            drop.count,
        ));
    }
    out
}

/// How a drop marker's hover text names the place.
fn place_label(place: &Place) -> String {
    match place {
        Place::Client => "the client".into(),
        Place::Dns => "cluster DNS".into(),
        Place::LoadBalancer(service) => format!("the load balancer of {service}"),
        Place::Node(node) => format!("node {node}"),
        Place::Pod(pod) => format!("pod {pod}"),
        Place::Outside(outside) => outside.clone(),
    }
}

/// What the frame loop keeps from one frame to the next.
struct FrameState<'a> {
    fractional: StoredValue<f64>,
    frame_count: StoredValue<u64>,
    last_packets: StoredValue<Vec<crate::engine::sim::PacketInFlight>>,
    place_positions: &'a mut PlacePositions,
}

fn draw_frame(
    traffic: TrafficState,
    scene: Memo<SceneBuild>,
    viewport: RwSignal<Viewport>,
    canvas_ref: NodeRef<leptos::html::Canvas>,
    frame: FrameState<'_>,
) {
    let FrameState {
        fractional,
        frame_count,
        last_packets,
        place_positions,
    } = frame;
    let Some(canvas) = canvas_ref.get_untracked() else {
        return;
    };
    let playing = traffic.playing.get_untracked();
    let (width, height) = (canvas.client_width() as u32, canvas.client_height() as u32);
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
    let Some(context) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let scene = scene.get_untracked();
    let view = viewport.get_untracked();
    frame_count.update_value(|n| *n += 1);
    let mut n_ticks = 0;
    if playing {
        fractional.update_value(|f| *f += traffic.speed.get_untracked());
        n_ticks = fractional.get_value().floor() as usize;
        fractional.update_value(|f| *f -= n_ticks as f64);
    }
    let mut ended: Vec<(u32, Verdict)> = Vec::new();
    let mut new_drops: Vec<DropMark> = Vec::new();
    let mut points: Vec<(f64, f64, u32)> = Vec::new();
    let _ = with_simulator(|simulator| {
        for tick in 0..n_ticks {
            let output = simulator.tick();
            ended.extend(
                output
                    .events
                    .iter()
                    .filter(|e| matches!(e.verdict, Verdict::Dropped | Verdict::Rejected))
                    .map(|e| (e.path, e.verdict)),
            );
            if tick + 1 == n_ticks {
                let packets = output.packets.clone();
                last_packets.set_value(packets);
            }
        }
        // Where and why each dropped or rejected connection ended.
        for (path_id, verdict) in ended {
            if let Some(path) = simulator.path(path_id) {
                let place = path
                    .hops
                    .last()
                    .and_then(|h| simulator.place(h.to))
                    .cloned()
                    .unwrap_or(Place::Client);
                new_drops.push(DropMark {
                    place,
                    reason: simulator.reason(path.reason).to_string(),
                    verdict,
                    count: 1,
                    label: path.cause.label(),
                    path: path_id,
                });
            }
        }
        place_positions.refresh(scene.version, simulator_serial());
        last_packets.with_value(|packets| {
            for packet in packets {
                let Some(path) = simulator.path(packet.path) else {
                    continue;
                };
                let Some(hop) = path.hops.get(packet.hop as usize) else {
                    continue;
                };
                let (Some(a), Some(b)) = (
                    place_positions.position(&scene.scene, simulator, hop.from),
                    place_positions.position(&scene.scene, simulator, hop.to),
                ) else {
                    continue;
                };
                let t = f64::from(packet.progress);
                points.push((a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, packet.flow));
            }
        });
    });
    draw_packets(&context, view, (width, height), &points);
    // The count is text on the page: changed every frame, it would have the page laid
    // out and painted again every frame. A few times a second is enough to read it.
    let shown = traffic.n_packets.get_untracked();
    if shown != points.len()
        && (frame_count.get_value() % 15 == 0 || (shown == 0) != points.is_empty())
    {
        traffic.n_packets.set(points.len());
    }
    // Drop markers are page elements too: new drops are kept and shown together a
    // few times a second (the first at once), not re-drawn every frame.
    let n_pending = PENDING_DROPS.with(|pending| {
        let mut pending = pending.borrow_mut();
        pending.extend(new_drops);
        pending.len()
    });
    if n_pending > 0
        && (frame_count.get_value() % 15 == 0 || traffic.drops.with_untracked(Vec::is_empty))
    {
        let new_drops = PENDING_DROPS.with(|pending| std::mem::take(&mut *pending.borrow_mut()));
        // One marker per place and short reason: connections from different pods
        // (a source an edit replaced, say) have reasons of their own words but one
        // marker, which shows the newest's.
        traffic.drops.update(|drops| {
            for seen in new_drops {
                match drops.binary_search_by(|mark| {
                    (&mark.place, &mark.label).cmp(&(&seen.place, &seen.label))
                }) {
                    Ok(at) => {
                        let mark = &mut drops[at];
                        mark.count += 1;
                        mark.path = seen.path;
                        mark.reason = seen.reason;
                    }
                    Err(at) => drops.insert(at, seen),
                }
            }
        });
    }
    if frame_count.get_value() % 15 == 0 {
        if let Some((counters, recent)) =
            with_simulator(|simulator| (simulator.counters(), recent_rows(simulator)))
        {
            super::flows::keeping_focus_in_place(|| {
                traffic.counters.set(counters);
                if traffic.recent_held.get_value() == (false, false)
                    && traffic.recent.with_untracked(|shown| *shown != recent)
                {
                    traffic.recent.set(recent);
                }
            });
        }
    }
}

/// The simulator's recent connections, for the flow list.
fn recent_rows(simulator: &Simulator) -> Vec<RecentRow> {
    simulator
        .recent_connections()
        .filter_map(|connection| {
            let path = simulator.path(connection.path)?;
            Some(RecentRow {
                tick: connection.tick,
                path: connection.path,
                flow: simulator
                    .flow(connection.flow as usize)
                    .map(|flow| flow.label.clone())
                    .unwrap_or_default(),
                verdict: connection.verdict,
                label: path.cause.label(),
                node: path.node.clone(),
            })
        })
        .collect()
}

/// The connection whose trace a drop marker shows, if `target` is in one.
pub fn drop_marker_path(target: Option<web_sys::EventTarget>) -> Option<u32> {
    super::attribute_around(target, "data-path")?.parse().ok()
}

/// Shows the full trace of a connection the simulator made, in the trace panel.
/// A connection made before the last edit is traced again on today's topology.
pub fn trace_connection(state: AppState, path: u32) {
    let traffic = expect_context::<TrafficState>();
    let found = with_simulator(|simulator| {
        let flow = simulator
            .path(path)
            .and_then(|p| simulator.flow(p.flow as usize))
            .cloned();
        (simulator.path_trace(path), flow)
    });
    let Some((replayed, Some(flow))) = found else {
        traffic
            .trace_error
            .set(Some("That connection is no longer known.".into()));
        return;
    };
    // The trace form names one pod or "external"; a workload's flow is shown from
    // its first pod.
    let source = match &flow.source {
        TraceSource::ExternalClients { .. } | TraceSource::External { .. } => {
            "external".to_string()
        }
        TraceSource::Workload { namespace, name } => state
            .topology
            .with_untracked(|topology| {
                topology
                    .value
                    .cluster
                    .pods
                    .iter()
                    .find(|pod| {
                        pod.namespace == *namespace
                            && pod.workload.as_ref().is_some_and(|w| w.name == *name)
                    })
                    .map(|pod| format!("pod/{}/{}", pod.namespace, pod.name))
            })
            .unwrap_or_else(|| "external".to_string()),
        source => source.to_string(),
    };
    traffic.trace_from.set(source);
    traffic.trace_to.set(flow.destination.to_string());
    match replayed {
        Some(trace) => {
            traffic.trace_error.set(None);
            traffic.trace.set(Some(trace));
        }
        None => run_trace(state, traffic),
    }
}

/// At most this many rows in the endpoint counters table.
const MAX_COUNTER_ROWS: usize = 100;

/// The traffic panel: animation controls, counters, what-if reset and the trace
/// form; the trace itself shows at the top of the pane (`trace_overlay.rs`).
#[component]
pub fn TrafficPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let traffic = expect_context::<TrafficState>();
    let counters = move || {
        let counters = traffic.counters.get();
        let verdicts: Vec<String> = counters
            .per_verdict
            .iter()
            .map(|(v, n)| format!("{} {n}", v.as_str()))
            .collect();
        // A large cluster has thousands of endpoints: the table lists the first ones,
        // so that refreshing it stays cheap (issue #9), and says how many it left out.
        let rows = counters
            .per_endpoint
            .iter()
            .take(MAX_COUNTER_ROWS)
            .map(|(endpoint, n)| view! { <tr data-testid="endpoint-counter" data-endpoint=endpoint.clone()><td>{endpoint.clone()}</td><td data-count=n.to_string()>{n.to_string()}</td></tr> })
            .collect_view();
        let n_more = counters.per_endpoint.len().saturating_sub(MAX_COUNTER_ROWS);
        view! {
            <p class="counters" data-testid="verdict-counters">{if verdicts.is_empty() { "No connections yet.".to_string() } else { verdicts.join(" · ") }}</p>
            <table class="compact counters"><thead><tr><th>"Endpoint"</th><th>"Delivered"</th></tr></thead><tbody>{rows}</tbody></table>
            {(n_more > 0).then(|| view! { <p class="hint" data-testid="more-counters">{format!("… and {n_more} more endpoints")}</p> })}
        }
    };
    let sources = move || {
        let topology = state.topology.get();
        let mut options = vec![("external".to_string(), "External client".to_string())];
        for pod in topology.value.cluster.pods.iter().take(300) {
            options.push((
                format!("pod/{}/{}", pod.namespace, pod.name),
                format!("pod {}/{}", pod.namespace, pod.name),
            ));
        }
        for node in &topology.value.cluster.nodes {
            options.push((format!("node/{}", node.name), format!("node {}", node.name)));
        }
        options
            .into_iter()
            .map(|(value, label)| {
                let v = value.clone();
                let selected = move || traffic.trace_from.get() == value;
                view! { <option value=v selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let edits = move || {
        state
            .edits
            .get()
            .into_iter()
            .enumerate()
            .map(|(position, entry)| {
                let label = format!("Undo: {}", entry.description);
                view! {
                    <li data-testid="edit">
                        <span>{entry.description}</span>
                        <button type="button" class="small" data-testid="undo-edit" aria-label=label title="Undo this edit; the others stay" on:click=move |ev| super::edits::undo(state, position, list_section(&ev))>"Undo"</button>
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <section class="traffic" aria-label="Traffic">
            <h3>"Traffic"</h3>
            <div class="controls">
                <button type="button" data-testid="play" aria-pressed=move || traffic.playing.get().to_string() on:click=move |_| { traffic.held_for_motion.set_value(None); traffic.playing.update(|p| *p = !*p) }>
                    {move || if traffic.playing.get() { "Pause" } else { "Play" }}
                </button>
                <label>"Speed "
                    <select aria-label="Animation speed" data-testid="speed" on:change=move |ev| traffic.speed.set(event_target_value(&ev).parse().unwrap_or(1.0))>
                        <option value="0.25">"¼×"</option><option value="0.5">"½×"</option><option value="1" selected>"1×"</option><option value="2">"2×"</option><option value="4">"4×"</option>
                    </select>
                </label>
                <label>"Load "
                    <input type="range" min="0.01" max="2" step="0.01" aria-label="Connections per tick per flow" data-testid="load"
                        prop:value=move || traffic.load.get().to_string() on:input=move |ev| traffic.load.set(event_target_value(&ev).parse().unwrap_or(0.05)) />
                </label>
                <span data-testid="packet-count">{move || format!("{} packets", traffic.n_packets.get())}</span>
            </div>
            {counters}
            <h3>"What-if edits"</h3>
            <ul class="plain edits" data-testid="edits">{edits}</ul>
            {move || traffic.message.get().map(|m| view! { <p class="notice" role="status" data-testid="traffic-message">{m}</p> })}
            <button type="button" data-testid="reset" on:click=move |_| super::edits::reset(state)>"Reset to the manifests"</button>
            <h3>"Trace"</h3>
            <div class="trace-form">
                <label>"From " <select aria-label="Trace source" data-testid="trace-from" on:change=move |ev| traffic.trace_from.set(event_target_value(&ev))>{sources}</select></label>
                <label>"To " <input type="text" aria-label="Trace destination" data-testid="trace-to" placeholder="name[:port], ip:port or http://host/path"
                    prop:value=move || traffic.trace_to.get() on:input=move |ev| traffic.trace_to.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { run_trace(state, traffic) } /></label>
                <div class="controls">
                    <button type="button" data-testid="run-trace" on:click=move |_| run_trace(state, traffic)>"Trace"</button>
                    <button type="button" data-testid="add-flow" title="Animate connections from this source to this destination" on:click=move |_| add_flow(traffic)>"Add as flow"</button>
                </div>
                <super::gateway::RequestForm />
            </div>
        </section>
    }
}
