//! Times the YAML loader and the reading of objects on files:
//! `cargo run --release --example yaml-load -- FILE...`.
use kubetopo::engine::ingest::{self, ParsedFile};
use std::time::Instant;
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn main() {
    for path in std::env::args().skip(1) {
        let text = std::fs::read_to_string(&path).unwrap();
        let mut diagnostics = Vec::new();
        let started = Instant::now();
        let documents = kubetopo::engine::yaml::load_documents(&path, &text, &mut diagnostics);
        eprintln!(
            "{path}: {} bytes, {} documents, {} diagnostics, loaded in {:?}",
            text.len(),
            documents.len(),
            diagnostics.len(),
            started.elapsed()
        );
        let files = vec![ParsedFile {
            name: path.clone(),
            documents,
        }];
        let started = Instant::now();
        let manifests = ingest::ingest_parsed(&files, &mut diagnostics);
        eprintln!(
            "  read {} services, {} workloads in {:?}",
            manifests.services.len(),
            manifests.workloads.len(),
            started.elapsed()
        );
    }
}
