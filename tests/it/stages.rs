//! The analysis in stages (`engine::stages`) and the bytes the web app's worker
//! hands the page (`engine::codec`): the staged analysis is `analyze`, its progress
//! comes in order with the right counts, and parsed documents survive the codec
//! exactly, anchors still shared, and hostile bytes never panic.

use std::rc::Rc;

use kubetopo::engine::cluster::ClusterPod;
use kubetopo::engine::codec::{decode, encode};
use kubetopo::engine::config::Config;
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::lod;
use kubetopo::engine::model::ServiceType;
use kubetopo::engine::output::to_json;
use kubetopo::engine::pause::{self, Pause};
use kubetopo::engine::scene::{build_scene, build_scene_pausable, Filter, View};
use kubetopo::engine::stages::{self, Parsed, ReadInParts, Stage};
use kubetopo::engine::whatif::{self, Mutation};
use kubetopo::engine::yaml::Value;
use kubetopo::engine::{analyze, Topology};
use kubetopo::synth::SyntheticCluster;
use proptest::prelude::*;

/// Every sample, one file each, as the app holds them.
fn sample_files() -> Vec<SourceFile> {
    let directory = format!("{}/samples", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .expect("samples/")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".yaml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(format!("{directory}/{name}")).expect("sample");
            SourceFile::new(name, text)
        })
        .collect()
}

/// Parses, crosses the codec, and finishes the analysis, as the app does with a worker.
fn analyze_through_codec(files: &[SourceFile], config: &Config) -> Topology {
    let parsed = stages::parse(files, &mut |_| {});
    let bytes = encode(&parsed);
    let decoded = decode(&bytes).expect("the codec reads what it wrote");
    assert_eq!(
        decoded, parsed,
        "documents and diagnostics survive the codec"
    );
    stages::resolve(stages::simulate(decoded, config), config)
}

/// Parses in parts of `documents_per_part`, each crossing the codec, and reads each
/// part as it comes, as the app does with a worker and a large input.
fn analyze_in_parts(files: &[SourceFile], config: &Config, documents_per_part: usize) -> Topology {
    let mut reading = ReadInParts::default();
    let mut n_parts = 0;
    let rest = stages::parse_in_parts(files, documents_per_part, &mut |_| {}, &mut |part| {
        n_parts += 1;
        reading.add(decode(&encode(&part)).expect("the codec reads a part"));
    });
    let n_documents: usize = rest.files.iter().map(|file| file.documents.len()).sum();
    assert!(n_documents < documents_per_part * files.len().max(1));
    reading.add(decode(&encode(&rest)).expect("the codec reads the rest"));
    stages::resolve(stages::build(reading.finish(), config), config)
}

/// One check per input: the worker's way gives the same analysis, byte for byte in
/// the JSON, as `analyze`, whether the documents cross in one piece or in parts.
fn check_same_analysis(files: &[SourceFile]) {
    let config = Config::default();
    let direct = analyze(files, &config);
    let through_codec = analyze_through_codec(files, &config);
    assert_eq!(to_json(&through_codec), to_json(&direct));
    assert_eq!(through_codec.diagnostics, direct.diagnostics);
    for documents_per_part in [1, 2, 7] {
        let in_parts = analyze_in_parts(files, &config, documents_per_part);
        assert_eq!(
            to_json(&in_parts),
            to_json(&direct),
            "parts of {documents_per_part}"
        );
        assert_eq!(in_parts.diagnostics, direct.diagnostics);
        assert_eq!(in_parts.ingest_diagnostics, direct.ingest_diagnostics);
    }
}

#[test]
fn every_sample_analyses_the_same_through_the_codec() {
    let files = sample_files();
    assert!(files.len() >= 6, "the samples are found");
    for file in &files {
        check_same_analysis(std::slice::from_ref(file));
    }
    // All of them at once, as several editor tabs.
    check_same_analysis(&files);
}

#[test]
fn a_generated_cluster_analyses_the_same_through_the_codec() {
    let cluster = SyntheticCluster {
        n_deployments: 200,
        replicas: 3,
        n_nodes: 12,
        n_namespaces: 4,
        n_http_routes: 20,
    };
    check_same_analysis(&[SourceFile::new("generated.yaml", cluster.to_yaml())]);
}

#[test]
fn an_object_defined_again_in_a_later_part_replaces_the_first() {
    // `kubectl apply` keeps the last definition (§10.1): here the two definitions of
    // `web` are read in different parts, and the one in between is kept.
    let service = |name: &str, port: i64| {
        format!("apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {{app: {name}}}\n  ports: [{{port: {port}}}]\n")
    };
    let text = [service("web", 80), service("api", 81), service("web", 8080)].join("---\n");
    let files = [SourceFile::new("twice.yaml", text)];
    check_same_analysis(&files);
    let in_parts = analyze_in_parts(&files, &Config::default(), 1);
    let ports: Vec<(&str, i64)> = in_parts
        .services
        .iter()
        .map(|service| (service.name.as_str(), service.ports[0].port))
        .collect();
    assert_eq!(ports, [("api", 81), ("web", 8080)]);
}

#[test]
fn parser_diagnostics_cross_the_codec_with_their_codes_and_positions() {
    // A syntax error, a NUL byte, a duplicate key, a document that is not a map, a
    // Helm source comment and an empty document, in two files.
    let broken = "apiVersion: v1\nkind: Service\nmetadata: {name: a\n---\n# Source: chart/templates/b.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n  name: c\nspec:\n  ports: [{port: 80}]\n---\n---\n- just\n- a list\n";
    let nul = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\u{0}ul\n";
    let files = [
        SourceFile::new("broken.yaml", broken),
        SourceFile::new("nul.yaml", nul),
    ];
    let parsed = stages::parse(&files, &mut |_| {});
    let codes: Vec<&str> = parsed.diagnostics.iter().map(|d| d.code).collect();
    for expected in ["yaml-syntax", "yaml-duplicate-key", "yaml-nul-byte"] {
        assert!(codes.contains(&expected), "{expected} in {codes:?}");
    }
    assert_eq!(
        parsed.files[0].documents[1].helm_source.as_deref(),
        Some("chart/templates/b.yaml")
    );
    assert_eq!(decode(&encode(&parsed)).as_ref(), Some(&parsed));
    check_same_analysis(&files);
}

/// The root map's value at `key`.
fn value_at<'p>(parsed: &'p Parsed, key: &str) -> &'p Value {
    let root = parsed.files[0].documents[0].root.as_ref().expect("a root");
    &root.get(key).expect("the key").value
}

#[test]
fn anchors_stay_shared_through_the_codec() {
    let text = "base: &base {a: [1, 2], b: &list [x, y]}\nsame: *base\nlist: *list\n";
    let parsed = stages::parse(&[SourceFile::new("anchors.yaml", text)], &mut |_| {});
    let decoded = decode(&encode(&parsed)).expect("decodes");
    assert_eq!(decoded, parsed);
    match (value_at(&decoded, "base"), value_at(&decoded, "same")) {
        (Value::Map(base), Value::Map(same)) => assert!(Rc::ptr_eq(base, same)),
        other => panic!("two maps expected, got {other:?}"),
    }
    let Value::Map(base) = value_at(&decoded, "base") else {
        panic!("a map")
    };
    match (&base[1].1.value, value_at(&decoded, "list")) {
        (Value::Seq(inner), Value::Seq(list)) => assert!(Rc::ptr_eq(inner, list)),
        other => panic!("two sequences expected, got {other:?}"),
    }
}

#[test]
fn nested_anchors_give_bytes_linear_in_the_input() {
    // Each level holds the one before it twice: expanded, 2^40 nodes; shared, 40.
    let mut text = String::from("l0: &l0 [leaf]\n");
    for level in 1..=40 {
        text.push_str(&format!(
            "l{level}: &l{level} [*l{}, *l{}]\n",
            level - 1,
            level - 1
        ));
    }
    let parsed = stages::parse(&[SourceFile::new("nested.yaml", &text)], &mut |_| {});
    let bytes = encode(&parsed);
    assert!(
        bytes.len() < 2 * text.len(),
        "{} bytes for {} bytes of input",
        bytes.len(),
        text.len()
    );
    assert_eq!(decode(&bytes).as_ref(), Some(&parsed));
}

#[test]
fn truncated_or_foreign_bytes_decode_to_none() {
    let parsed = stages::parse(&sample_files()[..1], &mut |_| {});
    let bytes = encode(&parsed);
    for length in (0..bytes.len()).step_by(97) {
        assert_eq!(decode(&bytes[..length]), None, "cut at {length}");
    }
    let mut other_version = bytes.clone();
    other_version[0] = 99;
    assert_eq!(decode(&other_version), None);
    let mut trailing = bytes;
    trailing.push(0);
    assert_eq!(decode(&trailing), None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever bytes arrive, decoding returns, and never panics.
    #[test]
    fn decoding_any_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut versioned = vec![1u8];
        versioned.extend_from_slice(&bytes);
        let _ = decode(&versioned);
        let _ = decode(&bytes);
    }

    /// A valid encoding with one byte changed decodes to something or to nothing,
    /// never a panic.
    #[test]
    fn a_flipped_byte_never_panics(position in any::<prop::sample::Index>(), value in any::<u8>()) {
        let text = "a: &a {k: [1, 2, 3]}\nb: *a\nc: \"quoted\"\n---\nd: [x, {e: f}]\n";
        let mut bytes = encode(&stages::parse(&[SourceFile::new("f.yaml", text)], &mut |_| {}));
        let at = position.index(bytes.len());
        bytes[at] = value;
        let _ = decode(&bytes);
    }
}

#[test]
fn progress_reports_every_document_then_the_cluster_then_the_services() {
    let files = [
        SourceFile::new(
            "first.yaml",
            SyntheticCluster {
                n_deployments: 3,
                replicas: 2,
                n_nodes: 2,
                n_namespaces: 1,
                n_http_routes: 0,
            }
            .to_yaml(),
        ),
        SourceFile::new(
            "second.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n",
        ),
    ];
    let mut stages_seen = Vec::new();
    let config = Config::default();
    let topology =
        stages::analyze_with_progress(&files, &config, &mut |stage| stages_seen.push(stage));
    assert_eq!(to_json(&topology), to_json(&analyze(&files, &config)));

    // Two nodes, three Deployments and three Services: eight documents, then one.
    let first_file: Vec<Stage> = (1..=8)
        .map(|n_read| Stage::DocumentsRead {
            file_index: 0,
            n_files: 2,
            n_read,
            n_documents: 8,
        })
        .collect();
    let mut expected = first_file;
    expected.push(Stage::DocumentsRead {
        file_index: 1,
        n_files: 2,
        n_read: 1,
        n_documents: 1,
    });
    expected.push(Stage::ClusterBuilt { n_pods: 6 });
    expected.push(Stage::ServicesResolved { n_services: 3 });
    assert_eq!(stages_seen, expected);
}

#[test]
fn an_empty_input_reports_only_the_last_stages() {
    let mut stages_seen = Vec::new();
    let topology = stages::analyze_with_progress(&[], &Config::default(), &mut |stage| {
        stages_seen.push(stage)
    });
    assert!(topology.services.is_empty());
    assert_eq!(
        stages_seen,
        [
            Stage::ClusterBuilt { n_pods: 0 },
            Stage::ServicesResolved { n_services: 0 }
        ]
    );
}

/// A `kubectl get -o yaml` dump: one List document of `n_deployments` Deployments
/// and their Services, with an anchor shared across items, a nested List, an item
/// that is not an object, a field of the wrong type, a YAML 1.1 scalar and a
/// duplicate key, so that every kind of diagnostic has a position inside an item.
fn list_dump(n_deployments: usize) -> String {
    let mut text =
        String::from("apiVersion: v1\nkind: List\nmetadata: {resourceVersion: \"\"}\nitems:\n");
    for index in 0..n_deployments {
        let labels = if index == 0 {
            "&labels {tier: web}".to_string()
        } else {
            "*labels".to_string()
        };
        text.push_str(&format!(
            "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {{name: app-{index}, labels: {labels}}}\n  spec:\n    replicas: {replicas}\n    selector: {{matchLabels: {{app: app-{index}}}}}\n    template:\n      metadata: {{labels: {{app: app-{index}}}}}\n      spec: {{containers: [{{name: c, image: nginx, ports: [{{containerPort: 0{port}}}]}}]}}\n",
            replicas = if index == 3 { "many".to_string() } else { (index % 3 + 1).to_string() },
            port = 120 + index,
        ));
        text.push_str(&format!(
            "- apiVersion: v1\n  kind: Service\n  metadata:\n    name: app-{index}\n    name: svc-{index}\n  spec:\n    selector: {{app: app-{index}}}\n    ports: [{{port: 80, targetPort: {port}}}]\n",
            port = 80 + index,
        ));
        if index == 5 {
            text.push_str("- apiVersion: v1\n  kind: List\n  items:\n  - {apiVersion: v1, kind: Namespace, metadata: {name: nested}}\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: settings, namespace: nested}}\n  - just a string\n");
        }
    }
    text
}

#[test]
fn s10_1_a_list_crosses_in_parts_of_its_items_and_reads_the_same() {
    // A List is one document (§10.1), but its items are read one by one: the worker
    // hands them over in parts of 1, 2 and 7 items (check_same_analysis), and the
    // analysis, positions of every diagnostic included, is the one of the whole.
    let text = list_dump(12);
    let files = [
        SourceFile::new("dump.yaml", text.as_str()),
        SourceFile::new(
            "after.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: after}\n",
        ),
    ];
    let direct = analyze(&files, &Config::default());
    let codes: Vec<&str> = direct.diagnostics.iter().map(|d| d.code).collect();
    for expected in [
        "yaml-duplicate-key",
        "yaml11-scalar",
        "field-type",
        "not-an-object",
    ] {
        assert!(codes.contains(&expected), "{expected} in {codes:?}");
    }
    check_same_analysis(&files);

    // The List really crosses in parts: 12 Deployments, 12 Services and the nested
    // List are 25 items, 12 parts of 2 and one left for the rest.
    let mut n_parts = 0;
    let mut n_items_in_parts = 0;
    let rest = stages::parse_in_parts(&files, 2, &mut |_| {}, &mut |part| {
        n_parts += 1;
        for document in &part.files[0].documents {
            assert_eq!(
                document.index, 1,
                "every item keeps the List's document index"
            );
            n_items_in_parts += 1;
        }
    });
    assert_eq!((n_parts, n_items_in_parts), (12, 24));
    assert_eq!(rest.files[0].documents.len(), 1);
    assert_eq!(rest.files[1].documents.len(), 1);

    // An item that is not a map keeps its List whole (its diagnostic names an item,
    // not a document); the analysis is the same either way.
    let with_a_string = format!("{text}- just a string\n");
    let files = [SourceFile::new("dump.yaml", with_a_string)];
    let mut n_parts = 0;
    stages::parse_in_parts(&files, 2, &mut |_| {}, &mut |_| n_parts += 1);
    assert_eq!(n_parts, 0);
    check_same_analysis(&files);
}

#[test]
fn s10_1_progress_counts_the_items_of_a_list_that_crosses_in_parts() {
    let files = [SourceFile::new("dump.yaml", list_dump(3))];
    let mut counts = Vec::new();
    stages::parse_in_parts(
        &files,
        2,
        &mut |stage| {
            if let Stage::DocumentsRead {
                n_read,
                n_documents,
                ..
            } = stage
            {
                counts.push((n_read, n_documents));
            }
        },
        &mut |_| {},
    );
    // Three Deployments and three Services, one at a time.
    assert_eq!(counts, [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]);
    // Parsed whole, the List is one document.
    let mut whole = Vec::new();
    stages::parse(&files, &mut |stage| whole.push(stage));
    assert_eq!(
        whole,
        [Stage::DocumentsRead {
            file_index: 0,
            n_files: 1,
            n_read: 1,
            n_documents: 1
        }]
    );
}

/// Runs `stage` to its end, pausing wherever it may: how often it paused, and its
/// output.
fn run_pausing_everywhere<T>(stage: impl std::future::Future<Output = T>) -> (usize, T) {
    let mut stage = std::pin::pin!(stage);
    let mut n_pauses = 0;
    loop {
        match pause::resume(stage.as_mut()) {
            Some(output) => return (n_pauses, output),
            None => n_pauses += 1,
        }
    }
}

/// Analyses `files` as the web app does with a large input, pausing at every point
/// where a stage may (§13.11), and checks that the topology, the picture and its
/// tiles are those of one uninterrupted run.
fn check_same_when_paused(files: &[SourceFile]) -> usize {
    let config = Config::default();
    let direct = analyze(files, &config);
    let always = || true;
    let pause = Pause::when(&always);
    let (analysis_pauses, paused) = run_pausing_everywhere(async {
        let read = stages::read(stages::parse(files, &mut |_| {}));
        let simulated = stages::build_pausable(read, &config, &pause).await;
        stages::resolve_pausable(simulated, &config, &pause).await
    });
    assert_eq!(to_json(&paused), to_json(&direct));
    assert_eq!(paused.diagnostics, direct.diagnostics);
    assert_eq!(paused.ingest_diagnostics, direct.ingest_diagnostics);
    let mut n_pauses = analysis_pauses;
    for view in [View::Cluster, View::Logical] {
        let scene = build_scene(&direct, view, &Filter::default());
        let (scene_pauses, paused_scene) = run_pausing_everywhere(build_scene_pausable(
            &paused,
            view,
            &Filter::default(),
            None,
            &pause,
        ));
        assert!(paused_scene == scene, "the same {view:?} picture");
        assert_eq!(paused_scene.shapes, scene.shapes);
        assert_eq!(paused_scene.edges, scene.edges);
        let (tile_pauses, paused_tiles) =
            run_pausing_everywhere(lod::tiles_pausable(&paused_scene, &paused, &pause));
        assert_eq!(paused_tiles, lod::tiles(&scene, &direct));
        n_pauses += scene_pauses + tile_pauses;
    }
    n_pauses
}

#[test]
fn s13_11_every_sample_analyses_and_draws_the_same_when_paused_at_every_point() {
    for file in sample_files() {
        check_same_when_paused(std::slice::from_ref(&file));
    }
}

/// 1,200 pods and 300 Services in 4 namespaces on 12 nodes, with 20 HTTPRoutes.
fn small_cluster() -> SyntheticCluster {
    SyntheticCluster {
        n_deployments: 300,
        replicas: 4,
        n_nodes: 12,
        n_namespaces: 4,
        n_http_routes: 20,
    }
}

#[test]
fn s13_11_a_generated_cluster_analyses_and_draws_the_same_when_paused_at_every_point() {
    let cluster = small_cluster();
    let n_pauses = check_same_when_paused(&[SourceFile::new("generated.yaml", cluster.to_yaml())]);
    // 1,200 pods and 300 Services pause dozens of times, not once per stage.
    assert!(n_pauses > 60, "paused {n_pauses} times");
}

#[test]
fn s13_11_a_stage_that_is_never_asked_to_pause_runs_in_one_poll() {
    let files = sample_files();
    let config = Config::default();
    let (n_pauses, topology) = run_pausing_everywhere(async {
        let read = stages::read(stages::parse(&files, &mut |_| {}));
        let never = Pause::never();
        let simulated = stages::build_pausable(read, &config, &never).await;
        stages::resolve_pausable(simulated, &config, &never).await
    });
    assert_eq!(n_pauses, 0);
    assert_eq!(to_json(&topology), to_json(&analyze(&files, &config)));
}

/// Applies `mutations` to `topology` directly and pausing at every point, as the
/// web app does (§13.11); both must give the same topology and reports, and the
/// paused replay the same as the direct one.
fn check_edits_same_when_paused(topology: &Topology, mutations: &[Mutation]) -> usize {
    let always = || true;
    let pause = Pause::when(&always);
    let (copy_pauses, copy) = run_pausing_everywhere(topology.clone_pausable(&pause));
    assert_eq!(to_json(&copy), to_json(topology));
    assert_eq!(copy.diagnostics, topology.diagnostics);
    assert_eq!(copy.what_if, topology.what_if);
    let mut direct = topology.clone();
    let mut paused = copy;
    let mut n_pauses = copy_pauses;
    for mutation in mutations {
        let report = whatif::apply(&mut direct, mutation);
        let (edit_pauses, paused_report) =
            run_pausing_everywhere(whatif::apply_pausable(&mut paused, mutation, &pause));
        assert_eq!(paused_report, report, "{mutation:?}");
        assert_eq!(to_json(&paused), to_json(&direct), "after {mutation:?}");
        assert_eq!(paused.diagnostics, direct.diagnostics, "after {mutation:?}");
        assert_eq!(paused.what_if, direct.what_if, "after {mutation:?}");
        n_pauses += edit_pauses;
    }
    let replayed = whatif::replay(topology, mutations);
    let (replay_pauses, paused_replay) =
        run_pausing_everywhere(whatif::replay_pausable(topology, mutations, &pause));
    assert_eq!(paused_replay.results, replayed.results);
    assert_eq!(
        to_json(&paused_replay.topology),
        to_json(&replayed.topology)
    );
    assert_eq!(
        paused_replay.topology.diagnostics,
        replayed.topology.diagnostics
    );
    n_pauses + replay_pauses
}

#[test]
fn s13_11_an_edit_copies_only_the_objects_it_changes() {
    use std::sync::Arc;
    let base = analyze(
        &[SourceFile::new("generated.yaml", small_cluster().to_yaml())],
        &Config::default(),
    );
    let pod = &base.cluster.pods[7];
    let workload = pod.workload.clone().expect("a Deployment's pod").name;
    let mut edited = pause::finish(base.clone_pausable(&Pause::never()));
    whatif::apply(
        &mut edited,
        &Mutation::ScaleWorkload {
            namespace: pod.namespace.clone(),
            name: workload.clone(),
            replicas: 5,
        },
    )
    .expect("the scale applies");

    // One pod was added at the end; every pod there before is the same object.
    assert_eq!(edited.cluster.pods.len(), base.cluster.pods.len() + 1);
    assert_eq!(
        shared(&base.cluster.pods, &edited.cluster.pods),
        base.cluster.pods.len()
    );
    // The scaled Deployment alone is a new object, and the old one is unchanged.
    let n_workloads = base.manifests.workloads.len();
    assert_eq!(
        shared(&base.manifests.workloads, &edited.manifests.workloads),
        n_workloads - 1
    );
    let scaled = base
        .manifests
        .workloads
        .iter()
        .position(|w| w.meta.name == workload)
        .expect("the Deployment");
    assert_eq!(base.manifests.workloads[scaled].replicas, 4);
    assert_eq!(edited.manifests.workloads[scaled].replicas, 5);
    // Only the Service that gained an endpoint was copied.
    let n_services = base.services.len();
    assert_eq!(shared(&base.services, &edited.services), n_services - 1);
    assert_eq!(
        shared(&base.manifests.services, &edited.manifests.services),
        base.manifests.services.len()
    );
    let grown: Vec<_> = base
        .services
        .iter()
        .zip(&edited.services)
        .filter(|(a, b)| !Arc::ptr_eq(a, b))
        .collect();
    assert_eq!(grown[0].1.endpoints.len(), grown[0].0.endpoints.len() + 1);

    // Killing a pod removes it from the middle of the list: the Services whose pods
    // moved are copied with their endpoints renumbered, and every other pod stays
    // shared, while the topology the edit was made from keeps the killed pod.
    let kill = Mutation::KillPod {
        namespace: pod.namespace.clone(),
        name: pod.name.clone(),
    };
    let killed = whatif::replay(&base, &[kill]).topology;
    let kept = killed
        .cluster
        .pods
        .iter()
        .filter(|p| base.cluster.pods.iter().any(|b| Arc::ptr_eq(p, b)))
        .count();
    assert_eq!(kept, base.cluster.pods.len() - 1);
    assert!(base.cluster.pods.iter().any(|p| p.name == pod.name));
    assert!(!killed.cluster.pods.iter().any(|p| p.name == pod.name));
}

/// How many objects of `a` are the very objects at the same place in `b`.
fn shared<T>(a: &[std::sync::Arc<T>], b: &[std::sync::Arc<T>]) -> usize {
    a.iter()
        .zip(b)
        .filter(|(a, b)| std::sync::Arc::ptr_eq(a, b))
        .count()
}

/// Killing `pod`, which its controller replaces (an incremental edit), then scaling
/// its workload to 0, which makes the workload vanish (a full re-resolve).
fn kill_then_empty(pod: &ClusterPod, workload: &str) -> [Mutation; 2] {
    [
        Mutation::KillPod {
            namespace: pod.namespace.clone(),
            name: pod.name.clone(),
        },
        Mutation::ScaleWorkload {
            namespace: pod.namespace.clone(),
            name: workload.to_string(),
            replicas: 0,
        },
    ]
}

#[test]
fn s13_11_what_if_edits_and_their_replay_are_the_same_when_paused_at_every_point() {
    let boutique = analyze(
        &sample_files()
            .into_iter()
            .filter(|f| f.name.starts_with("online-boutique"))
            .collect::<Vec<_>>(),
        &Config::default(),
    );
    let pod = boutique
        .cluster
        .pods
        .iter()
        .find(|p| p.name.starts_with("cartservice"))
        .expect("a cartservice pod");
    let policy = &boutique.manifests.network_policies[0].meta;
    let [kill, empty] = kill_then_empty(pod, "cartservice");
    let mutations = [
        kill,
        empty,
        // Full: a Service's allocations move.
        Mutation::SetServiceType {
            namespace: "default".into(),
            name: "frontend".into(),
            service_type: ServiceType::NodePort,
        },
        Mutation::RemoveNetworkPolicy {
            namespace: policy.namespace.clone(),
            name: policy.name.clone(),
        },
        // Refused: nothing changes.
        Mutation::KillPod {
            namespace: "default".into(),
            name: "no-such-pod".into(),
        },
    ];
    check_edits_same_when_paused(&boutique, &mutations);

    let cluster = small_cluster();
    let generated = analyze(
        &[SourceFile::new("generated.yaml", cluster.to_yaml())],
        &Config::default(),
    );
    let pod = &generated.cluster.pods[7];
    let workload = pod.workload.clone().expect("a Deployment's pod");
    let n_pauses =
        check_edits_same_when_paused(&generated, &kill_then_empty(pod, &workload.to_string()));
    // The pod index of 1,200 pods pauses dozens of times, and the full re-resolve too.
    assert!(n_pauses > 60, "paused {n_pauses} times");
}
