//! Fuzz target: arbitrary bytes through the whole engine.
//!
//! bytes → (lossy UTF-8, with a generated nested-anchor or large-alias document in
//! front of one input in eight; see `common`) → `analyze` → `to_json` →
//! `build_scene` (cluster and logical views) → `to_svg`. The engine promises never
//! to fail on any input (problems are diagnostics), so any panic, hang or runaway
//! allocation here is a bug. See docs/fuzzing.md.

#![no_main]

mod common;

use kubetopo::engine::analyze;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::output::to_json;
use kubetopo::engine::scene::{build_scene, to_svg, Filter, View};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let input = common::FuzzInput::new(data);
    let files = [SourceFile::new("fuzz.yaml", input.text.as_str())];
    let topology = analyze(&files, &Config::default());

    let json = to_json(&topology);
    // The JSON document must be well-formed whatever the input was.
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "to_json produced invalid JSON"
    );

    let filter = Filter::default();
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&topology, view, &filter);
        let svg = to_svg(&scene);
        assert!(
            svg.starts_with("<svg"),
            "to_svg did not produce an <svg> element"
        );
    }
});
