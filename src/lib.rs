//! kubetopo: a Kubernetes Service topology visualizer.
//!
//! The [`engine`] is plain Rust: it reads manifests, simulates a cluster and
//! resolves Services the way Kubernetes would. The CLI (`cli`, native only) and the
//! web app (`web`, wasm only) are thin shells over it. Start at [`engine::analyze`].

pub mod engine;
pub mod synth;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli_trace;

#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(not(target_arch = "wasm32"))]
fn engine_cli_trace(
    topology: &engine::Topology,
    args: &cli::Args,
    stdout: &mut dyn std::io::Write,
    stderr: &mut dyn std::io::Write,
) -> i32 {
    cli_trace::run(topology, args, stdout, stderr)
}

#[cfg(not(target_arch = "wasm32"))]
fn engine_cli_render(
    topology: &engine::Topology,
    args: &cli::Args,
    stdout: &mut dyn std::io::Write,
    stderr: &mut dyn std::io::Write,
) -> i32 {
    let view = match args.options.get("view").map(String::as_str) {
        None | Some("cluster") => engine::scene::View::Cluster,
        Some("logical") => engine::scene::View::Logical,
        Some(other) => {
            let _ = writeln!(
                stderr,
                "kubetopo: --view must be cluster or logical, not '{other}'"
            );
            return 2;
        }
    };
    let scene = engine::scene::build_scene(topology, view, &engine::scene::Filter::default());
    let _ = write!(stdout, "{}", engine::scene::to_svg(&scene));
    0
}
