//! What-if edits, undos and resets, worked out in slices (issue #9).
//!
//! A click only queues its change. One job works through the queue in order: it
//! copies the simulator's topology, applies the edit and makes the copy's trace
//! index a slice of a task at a time (`worker::run_in_slices`), then the simulator
//! runs the copy and the graph lays out its picture, also in slices
//! (`worker::show_edit`). At 100,000 pods the copy alone was a task of 0.3 to
//! 0.9 s. Meanwhile the picture and the traffic stay as they were, and the graph
//! says that an edit is being applied.
//!
//! Each queued edit is made from the topology it applies to, so that two clicks on
//! "+1" while the first works scale by two. A newer analysis drops the queue.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use leptos::prelude::*;

use super::state::{AppState, AppliedEdit};
use super::traffic::{self, TrafficState};
use crate::engine::pause::Pause;
use crate::engine::trace::TraceIndex;
use crate::engine::whatif::{self, Mutation};
use crate::engine::Topology;

/// An edit as a click asks for it: made from the topology it will apply to.
type MakeEdit = Box<dyn FnOnce(&Topology) -> Mutation>;

/// What a click asks of the simulator.
enum Change {
    /// Edits to make in order: one for a click, all of a share link's at once.
    Edits {
        edits: Vec<MakeEdit>,
        from_link: bool,
    },
    /// The manifests' own topology with the listed edits but one replayed on it
    /// (an undo), or none (a reset).
    Replay {
        /// The edit to leave out: its place in the list and its description, so
        /// that a second click on the same Undo, finding another there, does nothing.
        undo: Option<(usize, String)>,
        /// The list's section, and the place in it where the focus goes once the
        /// list is drawn again.
        focus: Option<(web_sys::Element, usize)>,
    },
}

thread_local! {
    static CHANGES: RefCell<Vec<Change>> = const { RefCell::new(Vec::new()) };
    /// The analysis whose changes the job works through, while one does.
    static WORKING: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Applies a what-if edit to what the simulator runs, then shows it.
pub fn edit(state: AppState, mutation: Mutation) {
    queue(
        state,
        Change::Edits {
            edits: vec![fixed(mutation)],
            from_link: false,
        },
    );
}

/// An edit that is the same whatever it applies to.
fn fixed(mutation: Mutation) -> MakeEdit {
    Box::new(move |_| mutation)
}

/// [`edit`], with the edit made from the topology it applies to: the newest, with
/// every edit queued before it.
pub fn edit_with(state: AppState, make: impl FnOnce(&Topology) -> Mutation + 'static) {
    queue(
        state,
        Change::Edits {
            edits: vec![Box::new(make)],
            from_link: false,
        },
    );
}

/// Applies a share link's edits, in order (§12.3). An edit that no longer applies
/// is skipped and reported.
pub fn restore(state: AppState, traffic: TrafficState, mutations: Vec<Mutation>) {
    let edits = mutations.into_iter().map(fixed).collect();
    queue_for(
        state,
        traffic,
        Change::Edits {
            edits,
            from_link: true,
        },
    );
}

/// Undoes the edit at `position`: the others are replayed on the manifests' own
/// topology (`whatif::replay`), and the simulator follows. An edit that no longer
/// applies without the undone one is dropped too, and the message says so.
pub fn undo(state: AppState, position: usize, section: Option<web_sys::Element>) {
    let description = state
        .edits
        .with_untracked(|edits| edits.get(position).map(|e| e.description.clone()));
    if let Some(description) = description {
        let undo = Some((position, description));
        let focus = section.map(|section| (section, position));
        queue(state, Change::Replay { undo, focus });
    }
}

/// Restores the manifests' own state.
pub fn reset(state: AppState) {
    queue(
        state,
        Change::Replay {
            undo: None,
            focus: None,
        },
    );
}

/// Drops the queued changes: a new simulator runs a new input.
pub fn forget_queued(state: AppState) {
    CHANGES.with_borrow_mut(Vec::clear);
    SHOWING.set(false);
    state.edit_working.set(false);
}

/// Called once the graph shows an edit's picture: it says no more that an edit is
/// being applied, unless another is still being worked out.
pub fn picture_shown(state: AppState) {
    SHOWING.set(false);
    if WORKING.get().is_none() {
        state.edit_working.set(false);
    }
}

fn queue(state: AppState, change: Change) {
    queue_for(state, expect_context::<TrafficState>(), change);
}

/// [`queue`] outside an event handler, where no context is at hand.
fn queue_for(state: AppState, traffic: TrafficState, change: Change) {
    CHANGES.with_borrow_mut(|changes| changes.push(change));
    state.edit_working.set(true);
    let serial = state.analysis_serial.get_value();
    if WORKING.get() != Some(serial) {
        WORKING.set(Some(serial));
        super::worker::run_in_slices(
            state,
            serial,
            Box::pin(work_through(state, traffic, serial)),
        );
    }
}

thread_local! {
    /// Whether a change handed a picture to the graph that is not shown yet.
    static SHOWING: Cell<bool> = const { Cell::new(false) };
}

/// Ends the job's turn when it ends or is dropped (a newer analysis drops it).
struct Done(AppState, u64);

impl Drop for Done {
    fn drop(&mut self) {
        if WORKING.get() == Some(self.1) {
            WORKING.set(None);
        }
        // A picture still being laid out clears it once shown.
        if !SHOWING.get() && CHANGES.with_borrow(Vec::is_empty) {
            self.0.edit_working.set(false);
        }
    }
}

async fn work_through(state: AppState, traffic: TrafficState, serial: u64) {
    let _done = Done(state, serial);
    let pause = Pause::when(&super::worker::slice_over);
    while let Some(change) =
        CHANGES.with_borrow_mut(|changes| (!changes.is_empty()).then(|| changes.remove(0)))
    {
        let simulator = traffic::simulator_serial();
        let Some(newest) = traffic::newest_topology() else {
            // The simulator starts one frame after an analysis; a change in that
            // frame is refused rather than applied to what the traffic does not see.
            traffic.message.set(Some(
                "The traffic simulation is starting; try again.".into(),
            ));
            continue;
        };
        let (made, focus) = match change {
            Change::Edits { edits, from_link } => (
                apply_edits(state, traffic, &newest, edits, from_link, &pause).await,
                None,
            ),
            Change::Replay { undo, focus } => (replay(state, traffic, undo, &pause).await, focus),
        };
        let Some((topology, listed)) = made else {
            continue;
        };
        let index = TraceIndex::build_pausable(&topology, &pause).await;
        pause.next_task().await;
        // A newer input's simulator runs something else.
        if traffic::simulator_serial() != simulator {
            continue;
        }
        traffic::with_simulator(|simulator| simulator.adopt_edited(Arc::clone(&topology), index));
        state.edits.set(listed);
        if let Some((section, position)) = focus {
            refocus_undo(section, position);
        }
        SHOWING.set(true);
        super::worker::show_edit(state, traffic, topology);
    }
}

/// What a change made: the topology, and the edits list that goes with it.
type Made = Option<(Arc<Topology>, Vec<AppliedEdit>)>;

/// Applies `edits` to a copy of `newest`, unless none applies.
async fn apply_edits(
    state: AppState,
    traffic: TrafficState,
    newest: &Topology,
    edits: Vec<MakeEdit>,
    from_link: bool,
    pause: &Pause<'_>,
) -> Made {
    let mut copy = newest.clone_pausable(pause).await;
    let mut listed = state.edits.get_untracked();
    let n_listed = listed.len();
    let mut failures = Vec::new();
    for make in edits {
        let mutation = make(&copy);
        match whatif::apply_pausable(&mut copy, &mutation, pause).await {
            Ok(report) => listed.push(AppliedEdit {
                mutation,
                description: report.description,
            }),
            Err(error) => failures.push(error.to_string()),
        }
    }
    if !from_link {
        // A click's message replaces the one before, or clears it.
        traffic.message.set(failures.pop());
    } else if !failures.is_empty() {
        traffic.message.set(Some(format!(
            "{} of the link's what-if edits could not be applied: {}",
            failures.len(),
            failures.join("; ")
        )));
    }
    (listed.len() > n_listed).then(|| (Arc::new(copy), listed))
}

/// The manifests' own topology with the listed edits replayed on it, but `undo`.
async fn replay(
    state: AppState,
    traffic: TrafficState,
    undo: Option<(usize, String)>,
    pause: &Pause<'_>,
) -> Made {
    let base = state.base_topology.get_untracked().value;
    let Some((position, description)) = undo else {
        return Some((base, Vec::new()));
    };
    let mut remaining = state.edits.get_untracked();
    if remaining.get(position).map(|e| &e.description) != Some(&description) {
        return None;
    }
    remaining.remove(position);
    let mutations: Vec<Mutation> = remaining.iter().map(|e| e.mutation.clone()).collect();
    let replayed = whatif::replay_pausable(&base, &mutations, pause).await;
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for (entry, result) in remaining.into_iter().zip(replayed.results) {
        match result {
            Ok(report) => kept.push(AppliedEdit {
                mutation: entry.mutation,
                description: report.description,
            }),
            Err(error) => dropped.push(format!("{} ({error})", entry.description)),
        }
    }
    let mut message = format!("Undid: {description}");
    if !dropped.is_empty() {
        message.push_str(". Also dropped, as it no longer applies: ");
        message.push_str(&dropped.join("; "));
    }
    traffic.message.set(Some(message));
    Some((Arc::new(replayed.topology), kept))
}

/// After an Undo from the edits list, which is drawn again without it: the focus
/// goes to the Undo now in its place (the one before, if it was the last), or to
/// Reset when no edit is left, instead of falling to the page.
fn refocus_undo(section: web_sys::Element, position: usize) {
    use wasm_bindgen::JsCast;
    request_animation_frame(move || {
        let place = format!("li:nth-child({}) > [data-testid=undo-edit]", position + 1);
        let next = [
            place.as_str(),
            "li:last-child > [data-testid=undo-edit]",
            "[data-testid=reset]",
        ]
        .into_iter()
        .find_map(|selector| section.query_selector(selector).ok().flatten());
        if let Some(next) = next.and_then(|next| next.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = next.focus();
        }
    });
}
