//! kubetopo's native tests, as one test crate: one link step instead of thirteen, and
//! helpers shared through `common`.
//!
//! Each module tests one part of the engine or a shell against the rules of
//! `docs/semantics.md`, citing the section it follows.
// Tests are not in the wasm: the standard sorts are fine here (see clippy.toml).
#![allow(clippy::disallowed_methods)]

mod common;

mod boundary;
mod citations;
mod cli;
mod clip;
mod corpus;
mod crossings;
mod docs;
mod engine_rules;
mod explain;
mod export;
mod focus;
mod fuzz_regressions;
mod gateway;
mod highlight;
mod ingest;
mod launch_options;
mod lod;
mod migrate;
mod namespace_filter;
mod netpol;
mod pane_layout;
mod policy_graph;
mod policy_overlay;
mod regex;
mod scale;
mod scene;
mod scene_motion;
mod selector;
mod share;
mod sim;
mod stages;
mod text_edit;
mod trace;
mod trace_overlay;
mod validation;
mod whatif;
mod yaml;
