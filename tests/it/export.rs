//! Exports (issue #7, "Export"; `docs/export.md`), checked with their real
//! consumers: Graphviz `dot` reads every DOT export, the PNG is decoded by a PNG
//! decoder of its own, the SVG by an XML parser. (The Mermaid export is read by the
//! real `mermaid` package in the browser: `tests/e2e/specs/export.spec.mjs`.)
//!
//! Every check runs on every sample and on names that hold everything a format
//! could choke on: quotes, brackets, braces, `#`, `;`, `|`, backslashes, a `<br>`,
//! and control characters.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use kubetopo::engine::config::Config;
use kubetopo::engine::export::{dot_text, mermaid_text, to_dot, to_mermaid};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::scene::{build_scene, parse_id, Filter, IdKind, Scene, View};
use kubetopo::engine::{analyze, Topology};

const KUBETOPO: &str = env!("CARGO_BIN_EXE_kubetopo");
const SAMPLES: [&str; 5] = [
    "guestbook.yaml",
    "headless-statefulset.yaml",
    "ingress-nginx-cloud.yaml",
    "local-loadbalancer.yaml",
    "online-boutique.yaml",
];
const VIEWS: [View; 2] = [View::Cluster, View::Logical];

/// A Service, its Deployment, an Ingress and a Node whose names hold what breaks
/// quoting in Mermaid and DOT, and control characters. The names are invalid, which
/// the engine reports, but the objects are still drawn.
pub const HOSTILE: &str = r#"apiVersion: v1
kind: Node
metadata: {name: "node\"]{}#35;\\n\x01"}
---
apiVersion: v1
kind: Service
metadata: {name: "web\"]) --> x[\"owned\"] %% #quot; ; | \\ <br> {{x}} \e[2J\x01\n end", namespace: "ns\"[]"}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "dep\"]\\\x7f\u0085;#", namespace: "ns\"[]"}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: "ing\"}; subgraph end", namespace: "ns\"[]"}
spec:
  rules:
  - host: "a\"b.example"
    http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: "web\"]) --> x[\"owned\"] %% #quot; ; | \\ <br> {{x}} \e[2J\x01\n end", port: {number: 80}}}
"#;

fn sample(name: &str) -> Topology {
    super::common::samples(&[name])
}

fn hostile() -> Topology {
    analyze(
        &[SourceFile::new("hostile.yaml", HOSTILE)],
        &Config::default(),
    )
}

/// Every topology the exports are checked on, named.
fn all_topologies() -> Vec<(String, Topology)> {
    let mut topologies: Vec<(String, Topology)> = SAMPLES
        .iter()
        .map(|name| (name.to_string(), sample(name)))
        .collect();
    topologies.push((
        "online-boutique.yaml with its NetworkPolicies".into(),
        super::common::samples(&["online-boutique.yaml", "online-boutique-netpol.yaml"]),
    ));
    topologies.push(("hostile.yaml".into(), hostile()));
    topologies
}

fn scene_of(topology: &Topology, view: View) -> Scene {
    build_scene(topology, view, &Filter::default())
}

/// The Services' names in the scene, as the exports must show them: control
/// characters replaced.
fn service_names(scene: &Scene) -> Vec<String> {
    scene
        .shapes
        .iter()
        .filter(|shape| parse_id(&shape.id).map(|(kind, _)| kind) == Some(IdKind::Service))
        .map(|shape| shape.label.clone())
        .collect()
}

fn without_control_characters(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_control() {
                '\u{fffd}'
            } else {
                character
            }
        })
        .collect()
}

/// Runs Graphviz `dot` on `input`. Missing `dot` is a failure, not a skip: the
/// tests need it, and `scripts/setup.sh browser` installs it.
fn run_dot(format: &str, input: &str) -> Output {
    let mut child = Command::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "Graphviz `dot` could not be run ({error}): run `scripts/setup.sh browser`, which installs it (apt graphviz)"
            )
        });
    child
        .stdin
        .take()
        .expect("dot's standard input")
        .write_all(input.as_bytes())
        .expect("write to dot");
    child.wait_with_output().expect("dot runs to its end")
}

// ---------------------------------------------------------------------------
// DOT, read by Graphviz
// ---------------------------------------------------------------------------

#[test]
fn graphviz_reads_the_dot_of_every_sample_and_hostile_names_in_both_views() {
    for (name, topology) in all_topologies() {
        for view in VIEWS {
            let scene = scene_of(&topology, view);
            let dot = to_dot(&scene);
            let output = run_dot("svg", &dot);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{name} {view:?}: dot refused the export: {stderr}\n{dot}"
            );
            // Graphviz warns on stderr about what it reads but does not like.
            assert!(
                stderr.trim().is_empty(),
                "{name} {view:?}: dot warned: {stderr}\n{dot}"
            );
            let svg = String::from_utf8(output.stdout).expect("dot writes UTF-8");
            let options = roxmltree::ParsingOptions {
                allow_dtd: true,
                ..roxmltree::ParsingOptions::default()
            };
            let document =
                roxmltree::Document::parse_with_options(&svg, options).unwrap_or_else(|error| {
                    panic!("{name} {view:?}: dot's SVG is not XML: {error}\n{dot}")
                });
            let texts: String = document
                .descendants()
                .filter_map(|node| node.text())
                .collect::<Vec<_>>()
                .join("\n");
            let names = service_names(&scene);
            assert!(!names.is_empty(), "{name} {view:?}: no Services drawn");
            for service in names {
                let shown = without_control_characters(&service);
                assert!(
                    texts.contains(&shown),
                    "{name} {view:?}: Graphviz drew no label {shown:?}"
                );
            }
        }
    }
}

#[test]
fn dot_holds_one_box_per_workload_on_a_node_and_clusters_for_namespaces_and_nodes() {
    let dot = to_dot(&scene_of(&sample("guestbook.yaml"), View::Cluster));
    let clusters: Vec<&str> = dot
        .lines()
        .filter(|line| line.trim_start().starts_with("label="))
        .collect();
    // The namespace island and the three nodes.
    assert_eq!(clusters.len(), 4, "{dot}");
    assert!(clusters[0].contains("label=\"default\""), "{dot}");
    // frontend has three replicas, one per node: three boxes of one pod each, and
    // no box per pod.
    let frontend_boxes = dot
        .lines()
        .filter(|line| line.contains("label=\"frontend\\ndefault · 1 pod, 1 ready\""))
        .count();
    assert_eq!(frontend_boxes, 3, "{dot}");
    assert!(
        !dot.contains("[label=\"frontend-7cc5d8d88d"),
        "pods are folded: {dot}"
    );
    // A folded edge names the endpoints it stands for.
    assert!(
        dot.lines()
            .any(|line| line.contains(" -> ") && line.contains("endpoint default/redis-replica-")),
        "{dot}"
    );
    // The NodePort reaches each node: edges into the node clusters.
    assert_eq!(dot.matches("lhead=cluster_").count(), 3, "{dot}");
}

#[test]
fn dot_strings_escape_quotes_and_backslashes_and_replace_control_characters() {
    let cases = [
        ("web", "web"),
        ("a\"b", "a\\\"b"),
        ("back\\slash", "back\\\\slash"),
        (
            "new\nline\x1b[2J\x7f\u{85}",
            "new\u{fffd}line\u{fffd}[2J\u{fffd}\u{fffd}",
        ),
        ("{}[];#<>|", "{}[];#<>|"),
    ];
    for (name, expected) in cases {
        assert_eq!(dot_text(name), expected, "{name:?}");
    }
}

// ---------------------------------------------------------------------------
// Mermaid text
// ---------------------------------------------------------------------------

#[test]
fn mermaid_labels_are_entities_for_everything_but_plain_characters() {
    let cases = [
        ("frontend-7cc5d8d88d", "frontend-7cc5d8d88d"),
        ("a\"b", "a#34;b"),
        ("#quot;", "#35;quot#59;"),
        ("x] --> y", "x#93; --#62; y"),
        ("ClusterIP · 10.96.0.1 :80", "ClusterIP · 10.96.0.1 #58;80"),
        ("<br>", "#60;br#62;"),
        ("\u{1}\n\u{7f}\u{9b}", "#65533;#65533;#65533;#65533;"),
        ("naïve", "naïve"),
    ];
    for (name, expected) in cases {
        assert_eq!(mermaid_text(name), expected, "{name:?}");
    }
}

#[test]
fn mermaid_of_hostile_names_has_no_quote_bracket_or_control_character_in_a_label() {
    for view in VIEWS {
        let mermaid = to_mermaid(&scene_of(&hostile(), view));
        assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
        for line in mermaid.lines().skip(1) {
            assert!(
                !line.chars().any(char::is_control),
                "{view:?}: a control character in {line:?}"
            );
            // A label sits between the first `"` and the last; inside it there is
            // no quote, and the line's structure is only ids, brackets and arrows.
            if let (Some(open), Some(close)) = (line.find('"'), line.rfind('"')) {
                let label = &line[open + 1..close];
                assert!(!label.contains('"'), "{view:?}: {line}");
                assert!(
                    !label
                        .replace("<br>", "")
                        .contains(['<', '>', '[', ']', '{', '}', '(', ')', '|']),
                    "{view:?}: a raw bracket in the label of {line}"
                );
            }
        }
        // The hostile Service is there, escaped.
        assert!(
            mermaid.contains("web#34;#93;#41; --#62; x#91;"),
            "{mermaid}"
        );
    }
}

#[test]
fn mermaid_has_a_box_per_service_and_subgraphs_for_namespaces_and_nodes() {
    let scene = scene_of(&sample("guestbook.yaml"), View::Cluster);
    let mermaid = to_mermaid(&scene);
    for service in service_names(&scene) {
        assert!(
            mermaid.contains(&format!("(\"{}<br>", mermaid_text(&service))),
            "no rounded box for {service}: {mermaid}"
        );
    }
    assert_eq!(mermaid.matches("subgraph ").count(), 4, "{mermaid}");
    assert_eq!(
        mermaid.matches("subgraph ").count(),
        mermaid.lines().filter(|line| line.trim() == "end").count(),
        "every subgraph ends: {mermaid}"
    );
    // Every edge's ends are declared boxes or subgraphs.
    let declared: Vec<&str> = mermaid
        .lines()
        .filter_map(|line| {
            let line = line.trim_start().trim_start_matches("subgraph ");
            line.find(['[', '(', '{'])
                .map(|end| &line[..end])
                .filter(|id| !id.is_empty() && !id.contains(' '))
        })
        .collect();
    let edges: Vec<&str> = mermaid
        .lines()
        .filter(|line| line.contains("-->"))
        .collect();
    assert!(!edges.is_empty());
    for edge in edges {
        for end in edge.split("-->") {
            let end = end.trim().trim_end_matches(" -.").trim_end_matches(" -");
            assert!(
                declared.contains(&end),
                "edge end {end:?} is not declared: {mermaid}"
            );
        }
    }
}

#[test]
fn exports_are_deterministic() {
    for (name, topology) in all_topologies() {
        for view in VIEWS {
            let first = scene_of(&topology, view);
            let again = scene_of(&topology, view);
            assert_eq!(to_dot(&first), to_dot(&again), "{name} {view:?}");
            assert_eq!(to_mermaid(&first), to_mermaid(&again), "{name} {view:?}");
        }
    }
}

#[test]
fn an_empty_input_exports_valid_empty_graphs() {
    let empty = analyze(&[SourceFile::new("empty.yaml", "")], &Config::default());
    let scene = scene_of(&empty, View::Logical);
    assert_eq!(to_mermaid(&scene), "flowchart LR\n");
    let output = run_dot("svg", &to_dot(&scene));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

// ---------------------------------------------------------------------------
// `kubetopo render --format …`: SVG, PNG, Mermaid, DOT, JSON
// ---------------------------------------------------------------------------

fn kubetopo(args: &[&str]) -> Output {
    Command::new(KUBETOPO)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the kubetopo binary runs")
}

fn sample_path(name: &str) -> String {
    format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A scratch directory for files `-o` writes, removed at the end.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(test_name: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!(
            "kubetopo-export-{test_name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a scratch directory");
        Scratch(path)
    }
    fn file(&self, name: &str) -> String {
        self.0.join(name).to_str().expect("UTF-8 path").to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn render_svg_parses_and_names_every_service_without_outside_references() {
    for (file, topology) in [
        (
            sample_path("online-boutique.yaml"),
            sample("online-boutique.yaml"),
        ),
        (
            sample_path("ingress-nginx-cloud.yaml"),
            sample("ingress-nginx-cloud.yaml"),
        ),
    ] {
        for (flag, view) in [("cluster", View::Cluster), ("logical", View::Logical)] {
            let output = kubetopo(&["render", &file, "--view", flag, "--format", "svg"]);
            assert_eq!(output.status.code(), Some(0));
            let svg = String::from_utf8(output.stdout).expect("UTF-8");
            let document = roxmltree::Document::parse(&svg).expect("the SVG is XML");
            let root = document.root_element();
            assert_eq!(root.tag_name().name(), "svg");
            // Self-contained: the styles are inside, and nothing points outside.
            assert!(
                document
                    .descendants()
                    .any(|node| node.tag_name().name() == "style"
                        && node.text().is_some_and(|css| css.contains(".service"))),
                "{file}: no inline stylesheet"
            );
            for node in document.descendants() {
                for attribute in node.attributes() {
                    // `url(#id)` names a marker inside the same document; any
                    // other `url(` or an `href` would reach outside it.
                    let value = attribute.value().replace("url(#", "");
                    assert!(
                        !value.contains("url(") && attribute.name() != "href",
                        "{file}: an outside reference: {}={}",
                        attribute.name(),
                        attribute.value()
                    );
                }
            }
            let outside = svg.replace("url(#", "");
            assert!(
                !outside.contains("@import") && !outside.contains("url("),
                "{file}"
            );
            let titles: Vec<&str> = document
                .descendants()
                .filter(|node| node.tag_name().name() == "title")
                .filter_map(|node| node.text())
                .collect();
            for service in &topology.services {
                let wanted = format!("Service {}/{} (", service.namespace, service.name);
                assert!(
                    titles.iter().any(|title| title.starts_with(&wanted)),
                    "{file} {view:?}: no Service {}/{}",
                    service.namespace,
                    service.name
                );
            }
        }
    }
}

#[test]
fn render_png_decodes_at_twice_the_scene_size_and_is_not_blank() {
    let scratch = Scratch::new("png");
    let topology = sample("guestbook.yaml");
    for (flag, view) in [("cluster", View::Cluster), ("logical", View::Logical)] {
        let path = scratch.file(&format!("{flag}.png"));
        // `-o x.png` chooses the format by the name.
        let output = kubetopo(&[
            "render",
            &sample_path("guestbook.yaml"),
            "--view",
            flag,
            "-o",
            &path,
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stdout.is_empty(),
            "-o writes nothing to standard output"
        );
        let decoder = png::Decoder::new(std::fs::File::open(&path).expect("the PNG exists"));
        let mut reader = decoder.read_info().expect("a PNG header");
        let mut pixels = vec![0; reader.output_buffer_size()];
        let frame = reader.next_frame(&mut pixels).expect("the PNG decodes");
        let scene = scene_of(&topology, view);
        let (width, height) = (
            format!("{:.0}", scene.width).parse::<u32>().unwrap(),
            format!("{:.0}", scene.height).parse::<u32>().unwrap(),
        );
        assert_eq!(
            (frame.width, frame.height),
            (2 * width, 2 * height),
            "{flag}"
        );
        // Text is drawn: dark pixels of the labels' colour (#0f172a) are there.
        let bytes_per_pixel = frame.line_size / frame.width as usize;
        let n_dark = pixels[..frame.buffer_size()]
            .chunks(bytes_per_pixel)
            .filter(|pixel| pixel[0] < 60 && pixel[1] < 60 && pixel[2] < 90)
            .count();
        assert!(n_dark > 500, "{flag}: only {n_dark} dark pixels: no text?");
    }
}

#[test]
fn render_png_to_standard_output_is_the_same_picture() {
    let output = kubetopo(&["render", &sample_path("guestbook.yaml"), "--format", "png"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.starts_with(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn render_mermaid_dot_and_json_match_the_engine_and_analyze() {
    let file = sample_path("online-boutique.yaml");
    let topology = sample("online-boutique.yaml");
    for (flag, view) in [("cluster", View::Cluster), ("logical", View::Logical)] {
        let scene = scene_of(&topology, view);
        let mermaid = kubetopo(&["render", &file, "--view", flag, "--format", "mermaid"]);
        assert_eq!(
            String::from_utf8(mermaid.stdout).unwrap(),
            to_mermaid(&scene)
        );
        let dot = kubetopo(&["render", &file, "--view", flag, "--format", "dot"]);
        assert_eq!(String::from_utf8(dot.stdout).unwrap(), to_dot(&scene));
    }
    let json = kubetopo(&["render", &file, "--format", "json"]);
    let analyzed = kubetopo(&["analyze", &file, "--format", "json"]);
    assert_eq!(json.status.code(), Some(0));
    assert_eq!(json.stdout, analyzed.stdout);
    // The default is still SVG on standard output.
    let default = kubetopo(&["render", &file]);
    assert!(String::from_utf8(default.stdout)
        .unwrap()
        .starts_with("<svg "));
}

#[test]
fn render_output_file_by_extension_or_format_and_an_unwritable_one_exits_3() {
    let scratch = Scratch::new("output");
    let file = sample_path("guestbook.yaml");
    for (name, starts) in [
        ("t.mmd", "flowchart LR"),
        ("t.dot", "digraph kubetopo"),
        ("t.gv", "digraph kubetopo"),
        ("t.json", "{"),
        ("t.svg", "<svg "),
        ("t.unknown", "<svg "),
    ] {
        let path = scratch.file(name);
        let output = kubetopo(&["render", &file, "-o", &path]);
        assert_eq!(output.status.code(), Some(0), "{name}");
        let text = std::fs::read_to_string(&path).expect("written");
        assert!(
            text.starts_with(starts),
            "{name}: {}",
            &text[..40.min(text.len())]
        );
    }
    // --format wins over the name.
    let path = scratch.file("picture.svg");
    kubetopo(&["render", &file, "--format", "dot", "-o", &path]);
    assert!(std::fs::read_to_string(&path)
        .unwrap()
        .starts_with("digraph"));
    // A directory that does not exist: status 3, the path named, nothing left.
    let missing = scratch.file("no/such/dir/t.svg");
    let output = kubetopo(&["render", &file, "-o", &missing]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot write {missing}")),
        "{stderr}"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&scratch.0)
        .unwrap()
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name())
        .filter(|name| name.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn render_rejects_an_unknown_format_as_a_usage_error() {
    let output = kubetopo(&["render", &sample_path("guestbook.yaml"), "--format", "pdf"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[possible values: svg, png, mermaid, dot, json]"),
        "{stderr}"
    );
}

#[test]
fn exported_files_are_named_after_the_workspace() {
    use kubetopo::engine::export::file_name;
    let cases = [
        (
            "Sample: Online Boutique",
            Some(View::Logical),
            "svg",
            "sample-online-boutique-logical.svg",
        ),
        (
            "Workspace 2",
            Some(View::Cluster),
            "mmd",
            "workspace-2-cluster.mmd",
        ),
        ("Workspace 2", None, "json", "workspace-2.json"),
        ("../../etc/passwd\u{0}", None, "json", "etc-passwd.json"),
        ("日本語", Some(View::Cluster), "png", "kubetopo-cluster.png"),
        ("", None, "dot", "kubetopo.dot"),
    ];
    for (workspace, view, extension, expected) in cases {
        assert_eq!(
            file_name(workspace, view, extension),
            expected,
            "{workspace:?}"
        );
    }
    assert!(file_name(&"a".repeat(500), None, "svg").len() <= 64);
}

/// The web app's SVG and PNG exports take their style from `index.html` (the
/// template `kt-svg-style`), so that the wasm does not hold the rules twice: they
/// are the rules `kubetopo render` writes, and an SVG styled with them is the
/// CLI's SVG.
#[test]
fn the_pages_svg_style_is_the_clis() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/index.html"))
        .expect("index.html");
    let open = "<template id=\"kt-svg-style\">";
    let start = page.find(open).expect("the kt-svg-style template") + open.len();
    let style = &page[start..start + page[start..].find("</template>").expect("its end")];
    assert_eq!(
        style,
        format!("<style>{}</style>", kubetopo::engine::scene::SVG_STYLE)
    );
    let scene = scene_of(&sample("online-boutique.yaml"), View::Cluster);
    assert_eq!(
        kubetopo::engine::scene::to_svg_styled(&scene, style),
        kubetopo::engine::scene::to_svg(&scene)
    );
}
