//! Freeing what the page no longer shows, without a long task. At 100,000 pods a
//! topology and its picture are millions of small allocations, and freeing them
//! at once was one task of 170–230 ms, right when the user closed or replaced the
//! input (issue #9). So the page keeps a reference to every topology and scene it
//! shows ([`hold`]); once that reference is the last, their largest lists are
//! freed a slice at a time, a few milliseconds per task, and then the rest. A
//! value the page owns alone, such as the canvas's caches of the picture it
//! replaced, is handed over with [`release`] and freed the same way.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use wasm_bindgen::JsCast;

use crate::engine::scene::Scene;
use crate::engine::Topology;

use super::state::now_ms;
use super::worker::once_js;

/// How long one task may spend freeing: checked between steps, so a task can
/// run over by one step (256 items), or by the rest of a value once its lists
/// are empty.
const BUDGET_MS: f64 = 12.0;
/// How many items of a list one step frees.
pub const STEP: usize = 256;
/// How often, in milliseconds, what is held is checked for being released. The
/// checks go on while anything is held, which is always once a picture is shown:
/// some references are let go only in an animation frame (the simulator's, the
/// canvas's), which a hidden tab does not run, so no moment is known after which
/// nothing more can be released. A check reads a few reference counts.
const POLL_MS: i32 = 500;

/// A value whose largest lists can be freed a step at a time.
pub trait Shed {
    /// Frees a step of the largest lists; false once they are empty.
    fn shed(&mut self) -> bool;
}

impl Shed for Topology {
    fn shed(&mut self) -> bool {
        // Lists of pods, of the Services with their endpoints, and of the
        // workloads' and Services' objects: a fifth as many as the pods, but with
        // their labels and field positions, 100 ms to free at once at 100,000 pods.
        shed_list(&mut self.manifests.pods)
            || shed_list(&mut self.cluster.pods)
            || shed_list(&mut self.services)
            || shed_list(&mut self.manifests.workloads)
            || shed_list(&mut self.manifests.services)
    }
}

impl Shed for Scene {
    fn shed(&mut self) -> bool {
        // Then the index of shape ids, a string per shape, in larger steps: each
        // step looks for what is left from the start of the table.
        shed_list(&mut self.shapes) || shed_list(&mut self.edges) || self.shed_index(16 * STEP)
    }
}

/// Frees a step of `list`, from its end; false once it is empty.
pub fn shed_list<T>(list: &mut Vec<T>) -> bool {
    let len = list.len();
    list.truncate(len.saturating_sub(STEP));
    len > 0
}

/// A shared value, until it is released; then the value, shed a step at a time.
struct Holding<T> {
    shared: Option<Arc<T>>,
    owned: Option<T>,
}

trait Held {
    /// Sheds a step once nothing else holds the value: `None` while something
    /// does, `Some(false)` once all of it can go.
    fn shed_released(&mut self) -> Option<bool>;
}

impl<T: Shed> Held for Holding<T> {
    fn shed_released(&mut self) -> Option<bool> {
        if self
            .shared
            .as_ref()
            .is_some_and(|shared| Arc::strong_count(shared) == 1)
        {
            self.owned = self
                .shared
                .take()
                .and_then(|shared| Arc::try_unwrap(shared).ok());
        }
        if self.shared.is_some() {
            return None;
        }
        Some(self.owned.as_mut().is_some_and(Shed::shed))
    }
}

thread_local! {
    static HELD: RefCell<Vec<Box<dyn Held>>> = const { RefCell::new(Vec::new()) };
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

/// Keeps `value` until nothing else does, then frees it in slices. Each value is
/// held once: a value held twice is never the last holder's alone, so it would
/// never be freed.
pub fn hold<T: Shed + 'static>(value: &Arc<T>) {
    HELD.with_borrow_mut(|held| {
        held.push(Box::new(Holding {
            shared: Some(Arc::clone(value)),
            owned: None,
        }))
    });
    schedule(POLL_MS);
}

/// Frees `value`, which nothing else holds, in slices from the next check on.
pub fn release<T: Shed + 'static>(value: T) {
    HELD.with_borrow_mut(|held| {
        held.push(Box::new(Holding {
            shared: None,
            owned: Some(value),
        }))
    });
    schedule(POLL_MS);
}

fn schedule(delay_ms: i32) {
    if !SCHEDULED.replace(true) {
        let run = once_js(run);
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                run.unchecked_ref(),
                delay_ms,
            );
        }
    }
}

fn run() {
    SCHEDULED.set(false);
    let started = now_ms();
    let mut freeing = false;
    HELD.with_borrow_mut(|held| {
        let mut at = 0;
        while at < held.len() && now_ms() - started < BUDGET_MS {
            match held[at].shed_released() {
                None => at += 1,
                Some(true) => freeing = true,
                Some(false) => {
                    held.swap_remove(at);
                    freeing = true;
                }
            }
        }
    });
    if freeing {
        schedule(0);
    } else if HELD.with_borrow(|held| !held.is_empty()) {
        schedule(POLL_MS);
    }
}
