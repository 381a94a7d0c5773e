//! Fuzz target: what-if mutations over fuzzed manifests.
//!
//! The manifests are analyzed, then up to 16 mutations (delete, kill and mark pods;
//! cordon, drain, fail and recover nodes; scale workloads; change Service type,
//! traffic policies, affinity and distribution; add and remove NetworkPolicies) are
//! applied one after the other, aimed at what the topology holds or at fuzzed names.
//! A mutation is applied or refused with a `WhatIfError`, never a panic; after each,
//! the topology must still serialize and draw. See docs/fuzzing.md.

#![no_main]

mod common;

use kubetopo::engine::analyze;
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::output::to_json;
use kubetopo::engine::scene::{build_scene, to_svg, Filter, View};
use kubetopo::engine::whatif::apply;
use libfuzzer_sys::fuzz_target;

const MAX_MUTATIONS: usize = 16;

fuzz_target!(|data: &[u8]| {
    let input = common::FuzzInput::new(data);
    let mut topology = analyze(
        &[SourceFile::new("fuzz.yaml", input.text.as_str())],
        &Config::default(),
    );
    let mut control = input.control();
    for _ in 0..control.int_in_range(1..=MAX_MUTATIONS).unwrap_or(1) {
        let Some(mutation) = common::pick_mutation(&topology, &mut control) else {
            continue;
        };
        let before = topology.cluster.pods.len();
        if apply(&mut topology, &mutation).is_err() {
            assert_eq!(
                topology.cluster.pods.len(),
                before,
                "a refused mutation changed the pods: {mutation:?}"
            );
        }
        let json = to_json(&topology);
        assert!(
            serde_json::from_str::<serde_json::Value>(&json).is_ok(),
            "to_json produced invalid JSON after {mutation:?}"
        );
    }
    for view in [View::Cluster, View::Logical] {
        assert!(to_svg(&build_scene(&topology, view, &Filter::default())).starts_with("<svg"));
    }
});
