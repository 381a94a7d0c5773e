//! kubetopo: a Kubernetes Service topology visualizer.
//!
//! The [`engine`] is plain Rust: it reads manifests, simulates a cluster and
//! resolves Services the way Kubernetes would. The CLI (`cli`, native only) and the
//! web app (`web`, wasm only) are thin shells over it. Start at [`engine::analyze`].

pub mod engine;
pub mod launch_options;
pub mod pane_layout;
pub mod synth;
pub mod text_edit;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod web;
