//! Analysis off the main thread (issue #9). A large input is parsed in a Web Worker
//! running this same wasm module (`public/analysis-worker.js`, driven by the
//! snippet `public/worker-host.js`); the parsed documents come back as bytes
//! (`engine::codec`) a part at a time, and the page reads each part while the
//! worker parses the next; it then simulates, resolves and lays out in slices of a
//! task each (`run_in_slices`, §13.11), dropping any answer or slice a newer input
//! has superseded.
//!
//! Where no worker can run, `request` answers false and the caller analyses on the
//! page, as before.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::state::{now_ms, AppState, InputFile};
use crate::engine::codec;
use crate::engine::ingest::SourceFile;
use crate::engine::pause::{self, Pause};
use crate::engine::stages::{self, ReadInParts, Stage};
use crate::engine::Topology;

/// Inputs from this size on are analysed through the worker: below it the whole
/// analysis takes a few frames, less than a round trip to the worker would add.
pub const WORKER_MIN_BYTES: usize = 192 * 1024;
/// Progress is shown only for analyses that take longer than this.
const PROGRESS_AFTER_MS: f64 = 300.0;

/// How many documents the worker parses before it hands them to the page: a part
/// takes the page about 10 ms to read at 10,000 pods.
const DOCUMENTS_PER_PART: usize = 256;

const PROGRESS: u32 = 0;
const PARSED: u32 = 1;
const PART: u32 = 3;

#[wasm_bindgen(module = "/public/worker-host.js")]
extern "C" {
    #[wasm_bindgen(js_name = requestParse)]
    fn request_parse(
        serial: u32,
        names: js_sys::Array,
        texts: js_sys::Array,
        callback: &Callback,
    ) -> bool;
    #[wasm_bindgen(js_name = cancelParse)]
    fn cancel_parse();
    #[wasm_bindgen(js_name = workerAvailable)]
    pub fn available() -> bool;
    /// Starts a worker while the page is idle and keeps one ready after, so that a
    /// large paste does not wait 90 to 200 ms for one to load. The app calls it;
    /// an embed does not, so a documentation page with many viewers runs no idle
    /// workers.
    #[wasm_bindgen(js_name = prepareWorker)]
    pub fn prepare();
    /// Calls `callback` in a task of its own, queued behind input and frames but
    /// without the 4 ms a chain of timers waits after its fifth link.
    #[wasm_bindgen(js_name = nextTask)]
    fn next_task(callback: &JsValue);
}

/// How the worker host answers: the request's serial, what kind of answer, its payload.
type Callback = Closure<dyn FnMut(u32, u32, JsValue)>;

thread_local! {
    /// The one callback the worker host answers through, made on first use.
    static CALLBACK: RefCell<Option<Callback>> = const { RefCell::new(None) };
    /// The parts of analysis `.0` read so far.
    static READING: RefCell<Option<(u64, ReadInParts)>> = const { RefCell::new(None) };
}

/// The worker's entry point: parses the files, reporting progress, and hands the
/// parsed documents to `part` as bytes every [`DOCUMENTS_PER_PART`] documents, so
/// that the page reads one part while this parses the next; returns the rest. The
/// page never calls it.
#[wasm_bindgen(js_name = kubetopo_parse_in_worker)]
pub fn parse_in_worker(
    names: Vec<String>,
    texts: Vec<String>,
    progress: &js_sys::Function,
    part: &js_sys::Function,
) -> Vec<u8> {
    let files: Vec<SourceFile> = names
        .into_iter()
        .zip(texts)
        .map(|(name, text)| SourceFile::new(name, text))
        .collect();
    let rest = stages::parse_in_parts(
        &files,
        DOCUMENTS_PER_PART,
        &mut |stage| {
            if let Stage::DocumentsRead {
                file_index,
                n_files,
                n_read,
                n_documents,
            } = stage
            {
                let counts =
                    [file_index, n_files, n_read, n_documents].map(|n| JsValue::from(n as u32));
                let _ = progress.call4(
                    &JsValue::NULL,
                    &counts[0],
                    &counts[1],
                    &counts[2],
                    &counts[3],
                );
            }
        },
        &mut |parsed| {
            let bytes = js_sys::Uint8Array::from(&codec::encode(&parsed)[..]);
            let _ = part.call1(&JsValue::NULL, &bytes);
        },
    );
    drop(files);
    codec::encode(&rest)
}

/// Sends `files` to the worker for the analysis numbered `serial`; false when no
/// worker can run here.
pub fn request(state: AppState, serial: u64, files: &[InputFile]) -> bool {
    READING.set(None);
    let names = js_sys::Array::new();
    let texts = js_sys::Array::new();
    for file in files {
        names.push(&JsValue::from_str(&file.name));
        texts.push(&JsValue::from_str(&file.text));
    }
    CALLBACK.with(|callback| {
        let mut callback = callback.borrow_mut();
        let callback = callback.get_or_insert_with(|| {
            Closure::new(move |serial: u32, kind: u32, payload: JsValue| {
                answer(state, u64::from(serial), kind, payload)
            })
        });
        request_parse(serial as u32, names, texts, callback)
    })
}

/// Stops what the worker is doing, and drops the parts read of its answer: a newer
/// input is analysed on the page.
pub fn cancel() {
    READING.set(None);
    cancel_parse();
}

/// What the worker host said about request `serial`.
fn answer(state: AppState, serial: u64, kind: u32, payload: JsValue) {
    if serial != state.analysis_serial.get_value() {
        return; // A newer input superseded it.
    }
    match kind {
        PROGRESS => {
            if let Some(note) = payload.as_string() {
                show_progress(state, note);
            }
        }
        PART | PARSED => {
            let bytes = js_sys::Uint8Array::new(&payload).to_vec();
            drop(payload);
            let Some(part) = codec::decode(&bytes) else {
                // Not the bytes this build writes (it cannot happen with one wasm
                // module for both sides): analyse here rather than show nothing,
                // and stop the worker, whose later parts would lack this one.
                cancel();
                return state.analyze_here();
            };
            drop(bytes);
            let mut reading = READING
                .take()
                .filter(|(reading_serial, _)| *reading_serial == serial)
                .map_or_else(ReadInParts::default, |(_, reading)| reading);
            reading.add(part);
            if kind == PART {
                READING.set(Some((serial, reading)));
            } else {
                finish(state, serial, reading.finish());
            }
        }
        _ => analyze_on_the_page(state, serial),
    }
}

/// Analyses request `serial` on the page, where the worker stopped (it ran out of
/// memory) or cannot run at all, after a paint that shows why the page pauses.
pub fn analyze_on_the_page(state: AppState, serial: u64) {
    state
        .progress
        .set(Some(super::template_markup("kt-analysing-here")));
    after_paint(move || {
        if serial == state.analysis_serial.get_value() {
            state.analyze_here();
        }
    });
}

/// Shows a progress note once the analysis has run long enough to deserve one.
fn show_progress(state: AppState, message: String) {
    if now_ms() - state.analysis_started.get_value() > PROGRESS_AFTER_MS {
        state.progress.set(Some(message));
    }
}

/// The page's part, once every part is read: simulates the cluster, resolves it,
/// lays out the picture and makes its tiles in slices of at most [`SLICE_MS`], a
/// task each, so that keys and frames get in between; then installs the topology
/// (which draws it) in a task of its own, and makes the simulator's trace index
/// after it. The work stops at the next slice when a newer input came meanwhile.
fn finish(state: AppState, serial: u64, read: stages::Read) {
    show_progress(
        state,
        format!(
            "Simulating the cluster of {} workloads…",
            read.manifests.workloads.len()
        ),
    );
    let config = state.config.get_untracked();
    run_in_slices(
        state,
        serial,
        Box::pin(async move {
            let pause = Pause::when(&slice_over);
            let simulated = stages::build_pausable(read, &config, &pause).await;
            show_progress(
                state,
                format!(
                    "Resolving {} Services over {} pods…",
                    simulated.manifests.services.len(),
                    simulated.cluster.pods.len()
                ),
            );
            let topology = stages::resolve_pausable(simulated, &config, &pause).await;
            show_progress(
                state,
                format!("Drawing {} pods…", topology.cluster.pods.len()),
            );
            let analysed_at = now_ms();
            let topology = state.prepare_install(topology);
            super::graph::prebuild(state, &topology, &pause, &|| true).await;
            super::policies::graph_ahead(&topology, &pause).await;
            pause.next_task().await;
            state.install_prepared(Arc::clone(&topology), analysed_at);
            // The simulator's index after the picture, from the next task on: the
            // install's task draws it, and the traffic can wait.
            pause.next_task().await;
            super::traffic::index_ahead(&topology, &pause).await;
        }),
    );
}

/// The longest slice of a paused analysis, in milliseconds: a key pressed while it
/// runs waits at most about this long.
const SLICE_MS: f64 = 30.0;

/// Whether the running slice has had its [`SLICE_MS`].
pub(super) fn slice_over() -> bool {
    now_ms() - SLICE_STARTED.get() > SLICE_MS
}

/// Shows the topology a what-if edit made once its picture is laid out, in slices
/// as an analysis's is (issue #9: at 10,000 pods the layout and tiles of an edit
/// were one task of 140 to 200 ms). It is installed only if the simulator still
/// runs it: a newer edit, an undo, a reset or an analysis since then has its own.
/// The trace shown, if any, is then asked again of it.
pub fn show_edit(state: AppState, traffic: super::traffic::TrafficState, topology: Arc<Topology>) {
    // The input it was made on: an analysis installed meanwhile has a new one, and
    // the simulator runs the edited topology until the new one's starts.
    let base = state.base_topology.with_untracked(|base| base.version);
    run_in_slices(
        state,
        state.analysis_serial.get_value(),
        Box::pin(async move {
            let wanted = || {
                base == state.base_topology.with_untracked(|base| base.version)
                    && super::traffic::newest_topology()
                        .is_some_and(|newest| Arc::ptr_eq(&newest, &topology))
            };
            let pause = Pause::when(&slice_over);
            if !wanted() {
                return;
            }
            super::graph::prebuild(state, &topology, &pause, &wanted).await;
            pause.next_task().await;
            if wanted() {
                state.show_edited(topology);
                super::traffic::retrace(state, traffic);
                super::edits::picture_shown(state);
            }
        }),
    );
}

/// Lays out the picture of the view and filter asked for in slices, as an
/// analysis's is, while the graph still shows the picture before; `done` asks the
/// graph to take it (issue #9: at 100,000 pods switching to the logical view was a
/// task of 0.3 s, and back to the cluster view one of 1.35 s). A newer view,
/// filter or topology supersedes it.
pub fn lay_out_view(state: AppState, topology: Arc<Topology>, done: impl FnOnce() + 'static) {
    let view = state.view.get_untracked();
    let filter = state.filter.get_untracked();
    run_in_slices(
        state,
        state.analysis_serial.get_value(),
        Box::pin(async move {
            let wanted = || {
                state.view.get_untracked() == view
                    && state.filter.with_untracked(|now| *now == filter)
                    && state
                        .topology
                        .with_untracked(|now| Arc::ptr_eq(&now.value, &topology))
            };
            let pause = Pause::when(&slice_over);
            super::graph::prebuild(state, &topology, &pause, &wanted).await;
            if wanted() {
                done();
            }
        }),
    );
}

thread_local! {
    /// When the running slice started (`performance.now()`).
    static SLICE_STARTED: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Polls `job` a slice per task until it is done, unless a newer input superseded
/// analysis `serial` by then.
pub(super) fn run_in_slices(
    state: AppState,
    serial: u64,
    mut job: Pin<Box<dyn Future<Output = ()>>>,
) {
    in_next_task(move || {
        if serial != state.analysis_serial.get_value() {
            return;
        }
        SLICE_STARTED.set(now_ms());
        if pause::resume(job.as_mut()).is_none() {
            run_in_slices(state, serial, job);
        }
    });
}

/// Runs `task` in a task of its own, next after input and frames already queued.
pub fn in_next_task(task: impl FnOnce() + 'static) {
    next_task(&once_js(task));
}

/// `task` as a JavaScript function that runs it once (and ignores its arguments).
/// wasm-bindgen writes the glue of a closure once per type, so every one-shot
/// callback goes through this one boxed type.
pub fn once_js(task: impl FnOnce() + 'static) -> JsValue {
    once_js_boxed(Box::new(task))
}

fn once_js_boxed(task: Box<dyn FnOnce()>) -> JsValue {
    Closure::once_into_js(task)
}

/// Runs `task` after the browser has painted (a frame, then a task), so that a
/// note set just before is visible and input queued meanwhile is handled first.
pub fn after_paint(task: impl FnOnce() + 'static) {
    request_animation_frame(move || set_timeout(task, std::time::Duration::ZERO));
}
