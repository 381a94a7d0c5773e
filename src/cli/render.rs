//! `kubetopo render`: the app's picture, or the graph behind it, in one of five
//! formats: SVG (the scene as the app draws it), PNG (that SVG rasterised at twice
//! its size), Mermaid and DOT (`engine::export`), or the analysis JSON of
//! `analyze --format json`.

use std::io::{self, Write};

use clap::ValueEnum;

use crate::engine::scene::{self, Filter, View};
use crate::engine::{export, output, Topology};

/// What `render` writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum RenderFormat {
    /// The scene as a standalone SVG document, styles inlined.
    #[default]
    Svg,
    /// The SVG rasterised at 2x with the system's fonts.
    Png,
    /// A Mermaid flowchart, for Markdown on GitHub and GitLab.
    Mermaid,
    /// A Graphviz DOT digraph.
    Dot,
    /// The analysis JSON document, as `analyze --format json` prints it.
    Json,
}

impl RenderFormat {
    /// The format a file name asks for by its extension, for `-o` without `--format`.
    pub fn from_file_name(file_name: &str) -> Option<RenderFormat> {
        let (_, extension) = file_name.rsplit_once('.')?;
        match extension.to_ascii_lowercase().as_str() {
            "svg" => Some(RenderFormat::Svg),
            "png" => Some(RenderFormat::Png),
            "mmd" | "mermaid" => Some(RenderFormat::Mermaid),
            "dot" | "gv" => Some(RenderFormat::Dot),
            "json" => Some(RenderFormat::Json),
            _ => None,
        }
    }
}

/// How much larger than the scene's own size a PNG is drawn: 2x, for sharp text on
/// high-density screens and in slides.
pub const PNG_SCALE: f32 = 2.0;

/// The largest PNG drawn, in pixels: 100 million, 400 MB of RGBA while it is
/// drawn. A larger cluster is better read as SVG, which has no such cost.
pub const MAX_PNG_PIXELS: u64 = 100_000_000;

/// Writes `view` of `topology` in `format` to the file at `path`, through a
/// temporary file beside it: a failed render leaves no half-written file behind
/// and an existing file as it was.
pub fn write_file(
    topology: &Topology,
    view: View,
    format: RenderFormat,
    path: &str,
) -> io::Result<()> {
    let path = std::path::Path::new(path);
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::other("not a file name"))?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(file_name);
    temporary_name.push(format!(".kubetopo-{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = std::fs::File::create(&temporary).and_then(|file| {
        let mut writer = io::BufWriter::new(file);
        write(topology, view, format, &mut writer)?;
        writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()
    });
    match written.and_then(|()| std::fs::rename(&temporary, path)) {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(error)
        }
    }
}

/// Writes `view` of `topology` in `format`.
pub fn write(
    topology: &Topology,
    view: View,
    format: RenderFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    let scene = || scene::build_scene(topology, view, &Filter::default());
    match format {
        RenderFormat::Svg => out.write_all(scene::to_svg(&scene()).as_bytes()),
        RenderFormat::Png => out.write_all(&svg_to_png(&scene::to_svg(&scene()), PNG_SCALE)?),
        RenderFormat::Mermaid => out.write_all(export::to_mermaid(&scene()).as_bytes()),
        RenderFormat::Dot => out.write_all(export::to_dot(&scene()).as_bytes()),
        // The whole analysis, whatever the view: it is not a picture.
        RenderFormat::Json => {
            output::write_json(topology, &mut *out)?;
            out.write_all(b"\n")
        }
    }
}

/// Rasterises `svg` at `scale` times its size and encodes it as PNG. Fonts are the
/// system's (fontconfig); the scene asks for `system-ui, sans-serif`, and
/// `sans-serif` is pointed at a family the system has, so text is drawn wherever
/// any font is installed.
pub fn svg_to_png(svg: &str, scale: f32) -> io::Result<Vec<u8>> {
    let mut options = resvg::usvg::Options::default();
    let fontdb = options.fontdb_mut();
    fontdb.load_system_fonts();
    // Without a font every label would silently vanish from the picture.
    let family = sans_serif_family(fontdb).ok_or_else(|| {
        io::Error::other(
            "no fonts found on this system to draw the labels with: install some (on Debian, apt-get install fonts-dejavu-core; scripts/setup.sh browser does it)",
        )
    })?;
    fontdb.set_sans_serif_family(family);
    let tree = resvg::usvg::Tree::from_str(svg, &options)
        .map_err(|error| io::Error::other(format!("the SVG could not be read: {error}")))?;
    let size = tree.size().to_int_size().scale_by(scale).ok_or_else(|| {
        io::Error::other(format!(
            "the picture is too large to rasterise at {scale}x: {} by {} pixels",
            tree.size().width(),
            tree.size().height()
        ))
    })?;
    let n_pixels = u64::from(size.width()) * u64::from(size.height());
    if n_pixels > MAX_PNG_PIXELS {
        return Err(io::Error::other(format!(
            "the picture would be {} by {} pixels, more than the {MAX_PNG_PIXELS} a PNG may have; use --format svg",
            size.width(),
            size.height()
        )));
    }
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| io::Error::other("the picture has no pixels"))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|error| io::Error::other(format!("the PNG could not be encoded: {error}")))
}

/// A sans-serif family the system has: the usual ones first, then any family.
fn sans_serif_family(fontdb: &resvg::usvg::fontdb::Database) -> Option<String> {
    let families: Vec<String> = fontdb
        .faces()
        .flat_map(|face| face.families.iter().map(|(name, _)| name.clone()))
        .collect();
    const PREFERRED: [&str; 6] = [
        "DejaVu Sans",
        "Liberation Sans",
        "Noto Sans",
        "Arial",
        "Helvetica",
        "FreeSans",
    ];
    PREFERRED
        .iter()
        .find(|preferred| families.iter().any(|family| family == *preferred))
        .map(|preferred| preferred.to_string())
        .or_else(|| families.into_iter().min())
}
