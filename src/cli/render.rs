//! `kubetopo render`: the app's picture as a standalone SVG on standard output.

use std::io::{self, Write};

use crate::engine::scene::{self, Filter, View};
use crate::engine::Topology;

/// Builds the scene the web app draws for `view` and writes it as SVG.
pub fn write(topology: &Topology, view: View, stdout: &mut dyn Write) -> io::Result<()> {
    let scene = scene::build_scene(topology, view, &Filter::default());
    stdout.write_all(scene::to_svg(&scene).as_bytes())
}
