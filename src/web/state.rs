//! The app's state: signals handed out through context. Components read them and
//! call engine functions; logic lives in the engine, tested natively.

use std::sync::Arc;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::config::Config;
use crate::engine::ingest::SourceFile;
use crate::engine::scene::{Filter, View};
use crate::engine::share::SharedViewport;
use crate::engine::whatif::Mutation;
use crate::engine::{analyze, Topology};

use super::worker;
use super::workspaces::{SaveStatus, WorkspaceIdentity, WorkspaceSummary};

/// One editor buffer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    pub name: String,
    pub text: String,
}

/// A value compared by version, so large engine results can live in signals and
/// memos without deep comparisons.
#[derive(Clone, Debug)]
pub struct Versioned<T> {
    pub version: u64,
    pub value: Arc<T>,
}

impl<T> PartialEq for Versioned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
    }
}

/// The graph's pan and zoom: screen = scene × `k` + (`tx`, `ty`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub tx: f64,
    pub ty: f64,
    pub k: f64,
}

impl Viewport {
    /// The viewport as a share link holds it: the scene point at the centre of a
    /// graph area `width` × `height` pixels, and the zoom.
    pub fn to_shared(self, width: f64, height: f64) -> SharedViewport {
        SharedViewport::from_scene(
            (width / 2.0 - self.tx) / self.k,
            (height / 2.0 - self.ty) / self.k,
            self.k,
        )
    }

    /// The viewport that shows `shared` in a graph area `width` × `height` pixels.
    pub fn from_shared(shared: SharedViewport, width: f64, height: f64) -> Viewport {
        let k = shared.scale();
        let (x, y) = shared.center();
        Viewport {
            tx: width / 2.0 - x * k,
            ty: height / 2.0 - y * k,
            k,
        }
    }
}

/// A what-if edit as applied: the mutation (what a share link carries, and what is
/// replayed on the base when another edit is undone) and how the engine described it
/// (what the edits list shows).
#[derive(Clone, Debug, PartialEq)]
pub struct AppliedEdit {
    pub mutation: Mutation,
    pub description: String,
}

/// Which tab the main area shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MainTab {
    Graph,
    Table,
}

/// Where the editor should jump: file index and 1-based line. The counter makes
/// a second click on the same line jump again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct JumpRequest {
    pub file: usize,
    pub line: usize,
    pub serial: u64,
}

#[derive(Clone, Copy)]
pub struct AppState {
    /// What the editor shows, updated on every keystroke.
    pub files: RwSignal<Vec<InputFile>>,
    pub active_file: RwSignal<usize>,
    /// The analysed topology, with what-if edits applied.
    pub topology: RwSignal<Versioned<Topology>>,
    /// The topology of the manifests alone, for "Reset".
    pub base_topology: RwSignal<Versioned<Topology>>,
    pub config: RwSignal<Config>,
    pub view: RwSignal<View>,
    pub tab: RwSignal<MainTab>,
    pub filter: RwSignal<Filter>,
    /// The selected scene id (`svc:ns/name`, `pod:ns/name`, ...).
    pub selection: RwSignal<Option<String>>,
    /// The scene id the graph is focused on, and its reach (issue #10 point 7):
    /// `None` shows the whole picture.
    pub focus: RwSignal<Option<(String, crate::engine::focus::Hops)>>,
    /// The graph's name search and label query, as typed.
    pub search: RwSignal<String>,
    pub query: RwSignal<String>,
    /// The graph's pan and zoom, and its drawing area (for share links).
    pub viewport: RwSignal<Viewport>,
    pub graph_area: NodeRef<leptos::html::Div>,
    /// The namespaces, nodes, workloads and apps opened or closed by hand (§13.2),
    /// kept across analyses and edits of the same input.
    pub collapse: RwSignal<crate::engine::lod::Collapse>,
    /// A share link's viewport, applied instead of "fit" when the graph first draws.
    pub restore_viewport: StoredValue<Option<SharedViewport>>,
    /// A share link's what-if edits, applied once the traffic simulator starts.
    pub restore_edits: StoredValue<Vec<Mutation>>,
    pub jump: RwSignal<JumpRequest>,
    /// The what-if edits applied since the last reset, in order; undoing one
    /// replays the others on `base_topology`. Share links carry their mutations.
    pub edits: RwSignal<Vec<AppliedEdit>>,
    /// Whether a what-if edit, undo or reset is being worked out or laid out
    /// (`edits.rs`): the graph says so until its picture is shown.
    pub edit_working: RwSignal<bool>,
    /// Milliseconds the last analysis took, shown in the status bar.
    pub last_analysis_ms: RwSignal<f64>,
    /// Milliseconds spent building and writing the scene for the last change.
    pub last_scene_ms: RwSignal<f64>,
    /// The workspace this tab shows, and every saved one for the switcher.
    pub workspace: RwSignal<WorkspaceIdentity>,
    pub workspaces: RwSignal<Vec<WorkspaceSummary>>,
    pub save_status: RwSignal<SaveStatus>,
    /// Why the page's link could not be shown (a malformed `#manifests=`, an unknown sample).
    pub link_error: RwSignal<Option<String>>,
    /// What another tab did to the shown workspace, and what this tab did about it.
    pub tab_note: RwSignal<Option<String>>,
    /// A long job in progress (analysing a huge paste), shown until it ends.
    pub progress: RwSignal<Option<String>>,
    /// The last closed file tab, which "Undo" puts back.
    pub closed_file: RwSignal<Option<ClosedFile>>,
    /// What the last click on Share produced.
    pub share_note: RwSignal<Option<super::share::ShareNote>>,
    /// Counts the user's edits; a save records the count it wrote.
    pub edit_serial: StoredValue<u64>,
    pub saved_serial: StoredValue<u64>,
    /// The count when this tab loaded the workspace: above it, this tab has edits of its own.
    pub loaded_serial: StoredValue<u64>,
    /// Another tab saved the shown workspace: the next save goes to a copy.
    pub conflict: StoredValue<bool>,
    /// Numbers the analyses asked for: only the latest one's result is shown.
    pub analysis_serial: StoredValue<u64>,
    /// When the latest analysis was asked for (`now_ms`).
    pub analysis_started: StoredValue<f64>,
    /// Whether the shown input has had NetworkPolicies since it was last replaced
    /// (another workspace, a sample, a paste over all of it): each analysis gets it
    /// as `Topology::had_policies`, so that typing away the last policy moves no
    /// box (§13.1).
    pub had_policies: StoredValue<bool>,
    version: StoredValue<u64>,
}

/// A closed file tab and where it was, for "Undo close".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClosedFile {
    pub index: usize,
    pub file: InputFile,
}

impl AppState {
    pub fn new(files: Vec<InputFile>) -> AppState {
        let config = Config::default();
        let started = now_ms();
        // A large input (a saved workspace, an embed's `#manifests=`) is analysed by
        // the worker once the app is up, so the page answers from the start.
        let in_background = files.iter().map(|file| file.text.len()).sum::<usize>()
            >= worker::WORKER_MIN_BYTES
            && worker::available();
        let first_sources = if in_background {
            Vec::new()
        } else {
            to_sources(&files)
        };
        let topology = Versioned {
            version: 0,
            value: Arc::new(analyze(&first_sources, &config)),
        };
        let elapsed = now_ms() - started;
        let had_policies = !topology.value.manifests.network_policies.is_empty();
        let state = AppState {
            files: RwSignal::new(files),
            active_file: RwSignal::new(0),
            topology: RwSignal::new(topology.clone()),
            base_topology: RwSignal::new(topology),
            config: RwSignal::new(config),
            view: RwSignal::new(View::Cluster),
            tab: RwSignal::new(MainTab::Graph),
            filter: RwSignal::new(Filter::default()),
            selection: RwSignal::new(None),
            focus: RwSignal::new(None),
            search: RwSignal::new(String::new()),
            query: RwSignal::new(String::new()),
            viewport: RwSignal::new(Viewport {
                tx: 0.0,
                ty: 0.0,
                k: 1.0,
            }),
            graph_area: NodeRef::new(),
            collapse: RwSignal::new(Default::default()),
            restore_viewport: StoredValue::new(None),
            restore_edits: StoredValue::new(Vec::new()),
            jump: RwSignal::new(JumpRequest::default()),
            edits: RwSignal::new(Vec::new()),
            edit_working: RwSignal::new(false),
            last_analysis_ms: RwSignal::new(elapsed),
            last_scene_ms: RwSignal::new(0.0),
            workspace: RwSignal::new(WorkspaceIdentity::default()),
            workspaces: RwSignal::new(Vec::new()),
            save_status: RwSignal::new(SaveStatus::Unchanged),
            link_error: RwSignal::new(None),
            tab_note: RwSignal::new(None),
            progress: RwSignal::new(None),
            closed_file: RwSignal::new(None),
            share_note: RwSignal::new(None),
            edit_serial: StoredValue::new(0),
            saved_serial: StoredValue::new(0),
            loaded_serial: StoredValue::new(0),
            conflict: StoredValue::new(false),
            analysis_serial: StoredValue::new(0),
            analysis_started: StoredValue::new(started),
            had_policies: StoredValue::new(had_policies),
            version: StoredValue::new(0),
        };
        if in_background {
            state
                .progress
                .set(Some(super::template_markup("kt-analysing-background")));
            state.reanalyze();
        }
        state
    }

    fn next_version(&self) -> u64 {
        self.version.update_value(|v| *v += 1);
        self.version.get_value()
    }

    /// Saves the editor buffers if the user changed them, and analyses them again.
    /// A large input is parsed in the worker and shown when it is done; a newer
    /// call supersedes an analysis still running. What-if edits are dropped when
    /// the new topology is shown: they referred to the old input.
    pub fn reanalyze(&self) {
        let serial = self.analysis_serial.get_value() + 1;
        self.analysis_serial.set_value(serial);
        self.analysis_started.set_value(now_ms());
        let large = self.files.with_untracked(|files| {
            files.iter().map(|file| file.text.len()).sum::<usize>() >= worker::WORKER_MIN_BYTES
        });
        // The worker is asked first and the buffers saved, in a task of their own,
        // while it parses: the save serialises every buffer, which a large paste
        // would otherwise wait for.
        if large
            && self
                .files
                .with_untracked(|files| worker::request(*self, serial, files))
        {
            let state = *self;
            worker::in_next_task(move || super::workspaces::save_now(state));
            return;
        }
        super::workspaces::save_now(*self);
        // What the worker may still be doing is stale now.
        worker::cancel();
        if large {
            worker::analyze_on_the_page(*self, serial);
        } else {
            self.analyze_here();
        }
    }

    /// Analyses the editor buffers on the page's main thread.
    pub fn analyze_here(&self) {
        let sources = self.files.with_untracked(|files| to_sources(files));
        let config = self.config.get_untracked();
        let topology = analyze(&sources, &config);
        drop(sources);
        self.install(topology);
    }

    /// Shows the topology of the latest analysis.
    pub fn install(&self, topology: Topology) {
        self.install_prepared(self.prepare_install(topology), now_ms());
    }

    /// The topology [`AppState::install`] would show: with whether this input, or
    /// the one it replaces by a text edit, had NetworkPolicies (§13.1), which the
    /// picture's gutters depend on. Nothing is installed yet.
    pub fn prepare_install(&self, mut topology: Topology) -> Arc<Topology> {
        topology.had_policies =
            self.had_policies.get_value() || !topology.manifests.network_policies.is_empty();
        Arc::new(topology)
    }

    /// Shows a topology [`AppState::prepare_install`] made, whose analysis ended at
    /// `analysed_at` (`performance.now()`): the status bar's "analysed in" ends
    /// there, and its "drawn in" starts there.
    pub fn install_prepared(&self, topology: Arc<Topology>, analysed_at: f64) {
        super::reclaim::hold(&topology);
        self.had_policies.set_value(topology.had_policies);
        let version = self.next_version();
        self.base_topology.set(Versioned {
            version,
            value: Arc::clone(&topology),
        });
        self.topology.set(Versioned {
            version,
            value: topology,
        });
        self.edits.set(Vec::new());
        self.last_analysis_ms
            .set(analysed_at - self.analysis_started.get_value());
        self.progress.set(None);
    }

    /// Forgets what was chosen for the input another workspace replaces (a sample,
    /// a switch, "Undo load"): its policy room (§13.1), the namespaces ticked in
    /// the filter, the search, the label query and the focus (§13.10). Another
    /// input's namespaces would otherwise filter out all of the new one.
    pub fn forget_input_choices(&self) {
        self.had_policies.set_value(false);
        if self.focus.with_untracked(Option::is_some) {
            self.focus.set(None);
        }
        if self.filter.with_untracked(|f| !f.namespaces.is_empty()) {
            self.filter.update(|f| f.namespaces.clear());
        }
        for field in [self.search, self.query] {
            if field.with_untracked(|text| !text.is_empty()) {
                field.set(String::new());
            }
        }
    }

    /// Records that the user changed the buffers; the next save writes them.
    pub fn mark_edited(&self) {
        self.edit_serial.update_value(|serial| *serial += 1);
        if matches!(
            self.save_status.get_untracked(),
            SaveStatus::Saved | SaveStatus::Unchanged
        ) {
            self.save_status.set(SaveStatus::Pending);
        }
    }

    /// Installs a topology changed by what-if edits.
    pub fn show_edited(&self, topology: Arc<Topology>) {
        super::reclaim::hold(&topology);
        let version = self.next_version();
        self.topology.set(Versioned {
            version,
            value: topology,
        });
    }

    /// Jumps the editor to a source position.
    pub fn jump_to(&self, file_name: &str, line: usize) {
        let file = self
            .files
            .with_untracked(|files| files.iter().position(|f| f.name == file_name))
            .unwrap_or(0);
        self.active_file.set(file);
        self.jump.update(|jump| {
            *jump = JumpRequest {
                file,
                line,
                serial: jump.serial + 1,
            }
        });
    }
}

pub fn to_sources(files: &[InputFile]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|f| SourceFile::new(f.name.clone(), f.text.clone()))
        .collect()
}

pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}
