//! Regression tests for inputs that crashed, hung or exhausted memory in the fuzz target
//! `fuzz/fuzz_targets/ingest_to_scene.rs` (see docs/fuzzing.md).
//!
//! Each test sends its input down the same path as the fuzz target: analyze, to_json,
//! the scene in both views, to_svg. Then it asserts what the engine should say about it.

use std::time::{Duration, Instant};

use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::output::to_json;
use kubetopo::engine::scene::{build_scene, to_svg, Filter, View};
use kubetopo::engine::{analyze, Topology};

/// The fuzz target's pipeline; returns the topology to check.
fn run(text: &str) -> Topology {
    let topology = analyze(&[SourceFile::new("fuzz.yaml", text)], &Config::default());
    let json = to_json(&topology);
    assert!(
        serde_json::from_str::<serde_json::Value>(&json).is_ok(),
        "to_json produced invalid JSON"
    );
    for view in [View::Cluster, View::Logical] {
        assert!(to_svg(&build_scene(&topology, view, &Filter::default())).starts_with("<svg"));
    }
    topology
}

fn codes(topology: &Topology) -> Vec<&str> {
    topology.diagnostics.iter().map(|d| d.code).collect()
}

/// Panicked with "attempt to negate with overflow" in `yaml::parse_int`:
/// `i64::from_str_radix` accepts a sign of its own, so `-0x-8000000000000000` parsed
/// `0x-8000000000000000` as i64::MIN and then negated it. A sign after `0x`/`0o` now
/// makes the scalar a string, not a number.
#[test]
fn hex_integer_with_a_sign_after_the_prefix_is_not_a_number() {
    for replicas in [
        "-0x-8000000000000000",
        "0x-5",
        "0x+5",
        "-0o-1000000000000000000000",
    ] {
        let yaml = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {replicas}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web}}]}}\n"
        );
        let topology = run(&yaml);
        assert_eq!(topology.manifests.workloads.len(), 1, "{replicas}");
        let diagnostic = topology
            .diagnostics
            .iter()
            .find(|d| d.field == "spec.replicas");
        assert!(
            diagnostic.is_some(),
            "{replicas}: spec.replicas should be reported as not an integer: {:?}",
            codes(&topology)
        );
    }
    // The forms that were numbers stay numbers.
    let topology = run("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: -0x2\n  selector: {matchLabels: {app: web}}\n  template: {metadata: {labels: {app: web}}}\n");
    assert!(
        codes(&topology).contains(&"invalid-replicas"),
        "{:?}",
        codes(&topology)
    );
}

/// Panicked with "attempt to add with overflow" in `cluster::PodBuilder::workload_pods`:
/// `spec.ordinals.start` was clamped to u32::MAX, so `start + replicas` overflowed u32.
/// Kubernetes declares it int32; it is now clamped to i32::MAX.
#[test]
fn stateful_set_ordinals_start_at_the_top_of_the_range() {
    let yaml = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  ordinals: {start: 4294967295}\n  replicas: 2\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: db}]}\n";
    let topology = run(yaml);
    let names: Vec<&str> = topology
        .cluster
        .pods
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["db-2147483647", "db-2147483648"]);
}

/// Out of memory (over 2 GB from a 34 KB document): the alias budget counted nodes, not
/// bytes, so 99 aliases of a list of 1,000 aliases of one 30 KB string stayed within
/// 100,000 nodes but expanded to 3 GB of text. Aliases now also have a byte budget.
#[test]
fn aliases_of_a_long_string_are_refused_as_an_alias_bomb() {
    let long = "x".repeat(30_000);
    let list = vec!["*a"; 1_000].join(", ");
    let lists = vec!["*b"; 99].join(", ");
    let yaml = format!("a: &a \"{long}\"\nb: &b [{list}]\nc: [{lists}]\n---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: survivor}}\n");
    let start = Instant::now();
    let topology = run(&yaml);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        codes(&topology).contains(&"yaml-alias-bomb"),
        "{:?}",
        codes(&topology)
    );
    assert!(
        topology
            .manifests
            .namespaces
            .iter()
            .any(|n| n.meta.name == "survivor"),
        "the next document is still read"
    );

    // Aliases of ordinary size are still expanded.
    let topology = run("apiVersion: v1\nkind: Service\nmetadata: {name: web, labels: &l {app: web}}\nspec: {selector: *l, ports: [{port: 80}]}\n");
    assert_eq!(
        topology.manifests.services[0]
            .spec
            .selector
            .as_ref()
            .map(|s| s.len()),
        Some(1)
    );
}

/// Found by reading what the fuzzer's out-of-memory inputs had in common: a few
/// kilobytes of Deployments at `replicas: 10000` asked for gigabytes of pods. The
/// whole cluster now has a pod budget (`--max-pods`), and workloads past it get a
/// `too-many-pods` error and no pods.
#[test]
fn many_large_workloads_are_held_to_the_pod_budget() {
    let mut yaml = String::new();
    for index in 0..5 {
        yaml.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{index}}}\nspec:\n  replicas: 300\n  selector: {{matchLabels: {{app: w{index}}}}}\n  template:\n    metadata: {{labels: {{app: w{index}}}}}\n    spec: {{containers: [{{name: c, image: x}}]}}\n"
        ));
    }
    let config = Config {
        max_pods: 1_000,
        n_nodes: 10,
        ..Config::default()
    };
    let topology = analyze(&[SourceFile::new("many.yaml", yaml)], &config);
    assert_eq!(
        topology.cluster.pods.len(),
        900,
        "three workloads fit, the last two do not"
    );
    let refused: Vec<&str> = topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "too-many-pods")
        .map(|d| d.object.as_str())
        .collect();
    assert_eq!(refused, ["Deployment/default/w3", "Deployment/default/w4"]);
}

/// Found pasting 44 MB of generated Deployments (65,000 of them, 325,000 pods) into
/// the app: the 15,000 workloads past the pod budget (§10.5) left their Services
/// selecting nothing, and explaining each of them (§1.2) scanned every pod of the
/// cluster twice, so the analysis never ended. Each is now explained from the pod
/// index and the first pod of each workload: every left-out Service still gets its
/// explanation, naming the nearest workload of its namespace.
#[test]
fn services_of_workloads_past_the_pod_budget_are_each_explained() {
    let cluster = kubetopo::synth::SyntheticCluster {
        n_deployments: 300,
        replicas: 5,
        n_nodes: 6,
        n_namespaces: 4,
        n_http_routes: 0,
    };
    let config = Config {
        max_pods: 1_000,
        ..Config::default()
    };
    let topology = analyze(
        &[SourceFile::new("generated.yaml", cluster.to_yaml())],
        &config,
    );
    let n_refused = topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "too-many-pods")
        .count();
    assert_eq!(n_refused, 100, "200 workloads of 5 pods fit in 1,000");
    let with_pods: std::collections::BTreeSet<&str> = topology
        .cluster
        .pods
        .iter()
        .map(|pod| pod.namespace.as_str())
        .collect();
    let explained: Vec<(&str, &str)> = topology
        .diagnostics
        .iter()
        .filter(|d| d.code == "service-selects-no-pods")
        .map(|d| (d.object.split('/').nth(1).unwrap_or(""), d.message.as_str()))
        .collect();
    assert_eq!(explained.len(), n_refused);
    // Workloads are simulated in namespace order, so the budget runs out in one
    // namespace and leaves the later ones without pods.
    assert!(explained
        .iter()
        .any(|(namespace, _)| with_pods.contains(namespace)));
    assert!(explained
        .iter()
        .any(|(namespace, _)| !with_pods.contains(namespace)));
    for (namespace, message) in explained {
        let expected = if with_pods.contains(namespace) {
            "The nearest pods, of Deployment/"
        } else {
            "no pod there has any of these label keys"
        };
        assert!(message.contains(expected), "{namespace}: {message}");
    }
}
