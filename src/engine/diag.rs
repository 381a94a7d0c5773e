//! Diagnostics: every problem the engine finds, pointed at its source.
//!
//! A diagnostic never stops the pipeline. Each stage pushes what it finds and
//! carries on, so a half-valid paste still renders.

use crate::engine::sort::SortCompact;
use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Where something came from: file, 1-based document index, 1-based line and column.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    pub file: String,
    pub document: usize,
    pub line: usize,
    pub column: usize,
}

/// One finding. `code` is stable and kebab-case; `docs/diagnostics.md` lists every code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    /// `Kind/namespace/name`, `Kind/name` for cluster-scoped objects, or empty for stream-level problems.
    pub object: String,
    /// The field path inside the object, e.g. `spec.ports[0].targetPort`.
    pub field: String,
    pub message: String,
    pub source: Source,
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            object: String::new(),
            field: String::new(),
            message: message.into(),
            source: Source::default(),
        }
    }
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }
    pub fn info(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Info, message)
    }
    pub fn object(mut self, object: impl Into<String>) -> Diagnostic {
        self.object = object.into();
        self
    }
    pub fn field(mut self, field: impl Into<String>) -> Diagnostic {
        self.field = field.into();
        self
    }
    pub fn at(mut self, source: Source) -> Diagnostic {
        self.source = source;
        self
    }
}

/// Sorts diagnostics into their stable output order: by source position, then code.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_compact_by(|a, b| {
        (&a.source, a.code, &a.object, &a.field, &a.message)
            .cmp(&(&b.source, b.code, &b.object, &b.field, &b.message))
    });
}
