//! Reading the inputs: files, directories and standard input.
//!
//! No input is read past `yaml::MAX_INPUT_BYTES`. A regular file's size is taken
//! from its metadata before it is opened, and everything else (standard input, a
//! FIFO such as `<(helm template …)`) is read through a limit of one byte more than
//! allowed, so a 1 GB input costs neither 1 GB of memory nor the time to read it. An
//! input over the limit becomes the `input-too-large` diagnostic, as the engine
//! gives for a text over the limit, and the other inputs are still analyzed.
//!
//! Directories are walked recursively in sorted order. The walk remembers every
//! directory and file it reached by its canonical path, so symbolic links that loop
//! (`ln -s . again`) end the walk instead of repeating it, and no file is read twice.
//! Files that are not regular files (a FIFO or a socket named `*.yaml`) are skipped
//! with a note on stderr, since opening one could block forever.

use crate::engine::sort::SortCompact;
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::terminal;
use super::UsageError;
use crate::engine::diag::{self, Diagnostic, Source};
use crate::engine::ingest::SourceFile;
use crate::engine::yaml::MAX_INPUT_BYTES;
use crate::engine::Topology;

/// The name standard input has in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// Everything read, in input order, and the inputs refused for their size.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<SourceFile>,
    /// One `input-too-large` error per refused input.
    pub too_large: Vec<Diagnostic>,
}

impl Inputs {
    /// Adds the diagnostics of refused inputs to the analysis, in their sorted place.
    pub fn add_diagnostics_to(self, topology: &mut Topology) {
        if self.too_large.is_empty() {
            return;
        }
        topology
            .ingest_diagnostics
            .extend(self.too_large.iter().cloned());
        topology.diagnostics.extend(self.too_large);
        diag::sort_diagnostics(&mut topology.ingest_diagnostics);
        diag::sort_diagnostics(&mut topology.diagnostics);
    }
}

/// Reads every input. A missing or unreadable file or directory is a usage error;
/// notes about skipped files go to `stderr`.
pub fn read_inputs(inputs: &[String], stderr: &mut dyn Write) -> Result<Inputs, UsageError> {
    if inputs.is_empty() {
        return Err(UsageError(
            "no input: give files, directories or '-' for stdin".into(),
        ));
    }
    let mut read = Inputs::default();
    for input in inputs {
        if input == "-" {
            let stdin = io::stdin();
            let contents = read_bounded(stdin.lock(), None)
                .map_err(|error| UsageError(format!("cannot read stdin: {error}")))?;
            read.add(STDIN_NAME, contents);
            continue;
        }
        let path = Path::new(input);
        let metadata = fs::metadata(path).map_err(|error| cannot_read(path, &error))?;
        if metadata.is_dir() {
            let mut walk = DirectoryWalk::default();
            walk.visit(path, stderr)?;
            walk.files.sort_compact();
            for file in walk.files {
                read.add_file(&file)?;
            }
        } else {
            // A path given by name is read whatever it is, so `<(command)` works.
            read.add_file(path)?;
        }
    }
    Ok(read)
}

/// What reading one input gave: its text, or only how large it is at least.
enum Contents {
    Text(String),
    TooLarge { n_bytes_at_least: u64 },
}

impl Inputs {
    fn add(&mut self, name: &str, contents: Contents) {
        match contents {
            // Invalid UTF-8 is replaced rather than refused; the YAML parser reports what it can.
            Contents::Text(text) => self.files.push(SourceFile::new(name, text)),
            Contents::TooLarge { n_bytes_at_least } => {
                self.too_large
                    .push(too_large_diagnostic(name, n_bytes_at_least));
            }
        }
    }

    fn add_file(&mut self, path: &Path) -> Result<(), UsageError> {
        let name = path.display().to_string();
        let metadata = fs::metadata(path).map_err(|error| cannot_read(path, &error))?;
        let limit = MAX_INPUT_BYTES as u64;
        if metadata.is_file() && metadata.len() > limit {
            self.add(
                &name,
                Contents::TooLarge {
                    n_bytes_at_least: metadata.len(),
                },
            );
            return Ok(());
        }
        let file = File::open(path).map_err(|error| cannot_read(path, &error))?;
        let size_hint = metadata.is_file().then_some(metadata.len());
        let contents = read_bounded(file, size_hint).map_err(|error| cannot_read(path, &error))?;
        self.add(&name, contents);
        Ok(())
    }
}

/// Reads at most `MAX_INPUT_BYTES + 1` bytes: one more than allowed tells an input
/// that is exactly at the limit from one past it.
///
/// The buffer is reserved once, at the limit for a stream or at the file's size.
/// Growing it by doubling instead would hold two copies of up to 64 MB at once;
/// a reservation that is never written to costs address space, not memory.
fn read_bounded(reader: impl Read, size_hint: Option<u64>) -> io::Result<Contents> {
    let limit = MAX_INPUT_BYTES as u64;
    let capacity = size_hint.map_or(limit, |size| size.min(limit)) + 1;
    let mut bytes = Vec::with_capacity(capacity as usize);
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(Contents::TooLarge {
            n_bytes_at_least: bytes.len() as u64,
        });
    }
    Ok(Contents::Text(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }))
}

/// The engine's `input-too-large` error for an input that was not read. The size is
/// exact for regular files and a lower bound for streams, which are not read to
/// their end.
fn too_large_diagnostic(name: &str, n_bytes_at_least: u64) -> Diagnostic {
    const MIB: u64 = 1024 * 1024;
    let limit_mib = MAX_INPUT_BYTES as u64 / MIB;
    let size = if n_bytes_at_least > MAX_INPUT_BYTES as u64 + 1 {
        format!("{} MB", n_bytes_at_least / MIB)
    } else {
        format!("more than {limit_mib} MB")
    };
    Diagnostic::error(
        "input-too-large",
        format!("The input is {size}; kubetopo reads at most {limit_mib} MB. Split it into smaller files."),
    )
    .at(Source {
        file: name.to_string(),
        document: 0,
        line: 1,
        column: 1,
    })
}

fn cannot_read(path: &Path, error: &io::Error) -> UsageError {
    UsageError(format!(
        "cannot read {}: {error}",
        terminal::escape(&path.display().to_string())
    ))
}

/// One recursive walk of a directory input.
#[derive(Default)]
struct DirectoryWalk {
    /// Canonical paths of the directories entered, so a link back up is not followed.
    visited_directories: BTreeSet<PathBuf>,
    /// Canonical paths of the files found, so two links to one file read it once.
    visited_files: BTreeSet<PathBuf>,
    /// The manifests found, as reached (not canonical), so names are the user's.
    files: Vec<PathBuf>,
}

impl DirectoryWalk {
    fn visit(&mut self, directory: &Path, stderr: &mut dyn Write) -> Result<(), UsageError> {
        let canonical = fs::canonicalize(directory)
            .map_err(|error| cannot_read_directory(directory, &error))?;
        if !self.visited_directories.insert(canonical) {
            return Ok(());
        }
        let entries =
            fs::read_dir(directory).map_err(|error| cannot_read_directory(directory, &error))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|error| cannot_read_directory(directory, &error))?;
            paths.push(entry.path());
        }
        paths.sort_compact();
        for path in paths {
            // Follow links: a linked directory or manifest is read like a real one,
            // once. A dangling link is reported by name like any unreadable file.
            let metadata = fs::metadata(&path).map_err(|error| cannot_read(&path, &error))?;
            if metadata.is_dir() {
                self.visit(&path, stderr)?;
                continue;
            }
            if !is_manifest_name(&path) {
                continue;
            }
            if !metadata.is_file() {
                let _ = writeln!(
                    stderr,
                    "kubetopo: note: skipping {}: not a regular file (a FIFO, socket or device would block or never end)",
                    terminal::escape(&path.display().to_string())
                );
                continue;
            }
            let canonical = fs::canonicalize(&path).map_err(|error| cannot_read(&path, &error))?;
            if self.visited_files.insert(canonical) {
                self.files.push(path);
            }
        }
        Ok(())
    }
}

fn is_manifest_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "yaml" || extension == "yml" || extension == "json")
}

fn cannot_read_directory(directory: &Path, error: &io::Error) -> UsageError {
    UsageError(format!(
        "cannot read directory {}: {error}",
        terminal::escape(&directory.display().to_string())
    ))
}
