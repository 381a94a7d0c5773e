//! `kubetopo migrate`: the Gateway API objects equivalent to the input's Ingresses
//! (`engine::migrate`, `docs/migrate.md`), as one YAML stream on standard output or
//! one file per object in `--out DIR`. What cannot be carried over goes to standard
//! error as diagnostics, each with its file, document and line.

use std::io::{self, Write};
use std::path::Path;

use super::terminal::escape;
use crate::engine::migrate::{self, Migration, Scope};
use crate::engine::Topology;

/// Migrates every Ingress of `topology`.
pub fn migration(topology: &Topology) -> Migration {
    migrate::migrate(topology, Scope::All)
}

/// The diagnostics as `file:line:column (document N) severity: [code] object message`.
pub fn write_diagnostics(migration: &Migration, stderr: &mut dyn Write) -> io::Result<()> {
    for d in &migration.diagnostics {
        writeln!(
            stderr,
            "{}:{}:{} (document {}) {}: [{}] {} {}",
            escape(&d.source.file),
            d.source.line,
            d.source.column,
            d.source.document,
            d.severity.as_str(),
            d.code,
            escape(&d.object),
            escape(&d.message)
        )?;
    }
    Ok(())
}

/// Writes the YAML stream to `stdout`.
pub fn write(migration: &Migration, stdout: &mut dyn Write) -> io::Result<()> {
    stdout.write_all(migration.to_yaml().as_bytes())
}

/// Writes one file per object into `directory` (created when missing), each through
/// a temporary file so that a failure leaves no half-written file. Returns the paths.
pub fn write_dir(migration: &Migration, directory: &str) -> io::Result<Vec<String>> {
    let directory = Path::new(directory);
    std::fs::create_dir_all(directory)?;
    let mut written = Vec::new();
    for object in &migration.objects {
        let path = directory.join(object.file_name());
        let temporary = directory.join(format!(
            ".{}.kubetopo-{}.tmp",
            object.file_name(),
            std::process::id()
        ));
        let result = std::fs::write(&temporary, &object.yaml)
            .and_then(|()| std::fs::rename(&temporary, &path));
        if let Err(error) = result {
            let _ = std::fs::remove_file(&temporary);
            return Err(error);
        }
        written.push(path.display().to_string());
    }
    Ok(written)
}
