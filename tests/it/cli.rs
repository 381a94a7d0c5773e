//! The `kubetopo` command end to end: the built binary is run as a user runs it,
//! with real files, pipes and devices. Each regression test is named after the
//! defect of issue #12 it covers (items 10, 11, 12, 15, 16, 21 and 22), and the
//! `Config::validate` tests cite the rule they follow in `docs/semantics.md`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kubetopo::cli::parse_args;
use kubetopo::engine::cidr::Cidr;
use kubetopo::engine::config::{Config, Setting};
use kubetopo::engine::yaml::MAX_INPUT_BYTES;

const KUBETOPO: &str = env!("CARGO_BIN_EXE_kubetopo");
const BOUTIQUE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/online-boutique.yaml");
const GUESTBOOK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/guestbook.yaml");

/// A Service in front of one Deployment whose name holds a terminal title command
/// (OSC 0, ended by BEL). The name is invalid, which the engine reports, but it is
/// still simulated, so its pods' names carry the escape into every output.
const HOSTILE_NAMES: &str = r#"apiVersion: v1
kind: Service
metadata: {name: "web\e]0;owned\a\nFORGED ROW"}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: "web\e[2J\x01\x7f\u0085"}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}]}]}
"#;

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

fn kubetopo(args: &[&str]) -> Output {
    Command::new(KUBETOPO)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the kubetopo binary runs")
}

fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A fresh directory under the system temp dir, removed when dropped. Named after
/// the test and the process, so parallel tests and runs never share one.
struct ScratchDirectory {
    path: PathBuf,
}

impl ScratchDirectory {
    fn new(test_name: &str) -> ScratchDirectory {
        let path =
            std::env::temp_dir().join(format!("kubetopo-cli-{test_name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a scratch directory");
        ScratchDirectory { path }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, text).expect("write a scratch file");
        path
    }

    fn path_text(&self) -> &str {
        self.path.to_str().expect("a UTF-8 temp path")
    }
}

impl Drop for ScratchDirectory {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("create a symbolic link");
}

const ONE_SERVICE: &str =
    "apiVersion: v1\nkind: Service\nmetadata: {name: solo}\nspec:\n  ports: [{port: 80}]\n";

// ---------------------------------------------------------------------------
// Flags, help and exit codes
// ---------------------------------------------------------------------------

#[test]
fn default_flags_give_the_default_config() {
    let args = parse_args(&["analyze".to_string()]).expect("bare analyze parses");
    assert_eq!(args.config, Config::default());
}

#[test]
fn help_goes_to_stdout_with_status_0_and_a_missing_command_is_status_2() {
    let help = kubetopo(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    for command in ["analyze", "trace", "render", "completions"] {
        assert!(stdout_of(&help).contains(command), "{}", stdout_of(&help));
    }
    let trace_help = kubetopo(&["trace", "--help"]);
    assert_eq!(trace_help.status.code(), Some(0));
    assert!(stdout_of(&trace_help).contains("--client-ip"));
    assert_eq!(kubetopo(&[]).status.code(), Some(2));
    let unknown = kubetopo(&["analyze", GUESTBOOK, "--frobnicate"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr_of(&unknown).contains("--frobnicate"));
    let no_input = kubetopo(&["analyze"]);
    assert_eq!(no_input.status.code(), Some(2));
    assert!(stderr_of(&no_input).contains("no input"));
}

/// `analyze`'s first line counts each kind, one of a kind in the singular.
#[test]
fn analyze_counts_one_of_a_kind_in_the_singular() {
    let headless = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/samples/headless-statefulset.yaml"
    );
    let output = kubetopo(&["analyze", headless]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        stdout_of(&output).lines().next(),
        Some("3 nodes (simulated), 4 pods, 1 service, 0 ingresses, 1 dependency")
    );
}

#[test]
fn strict_exits_1_only_when_an_error_diagnostic_exists() {
    let scratch = ScratchDirectory::new("strict");
    let broken = scratch.write(
        "broken.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: Bad_Name}\nspec:\n  ports: [{port: 80}]\n",
    );
    let broken = broken.to_str().unwrap();
    assert_eq!(kubetopo(&["analyze", broken]).status.code(), Some(0));
    assert_eq!(
        kubetopo(&["analyze", broken, "--strict"]).status.code(),
        Some(1)
    );
    assert_eq!(
        kubetopo(&["analyze", GUESTBOOK, "--strict"]).status.code(),
        Some(0)
    );
}

#[test]
fn completions_print_a_script_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef kubetopo"),
        ("fish", "complete -c kubetopo"),
    ] {
        let output = kubetopo(&["completions", shell]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        assert!(stdout_of(&output).contains(marker), "{shell}");
        assert!(stdout_of(&output).contains("service-cidr"), "{shell}");
    }
}

// ---------------------------------------------------------------------------
// #12.10: input size is checked before reading
// ---------------------------------------------------------------------------

#[test]
fn input_too_large_a_1_gb_sparse_file_is_refused_from_its_size_without_reading_it() {
    let scratch = ScratchDirectory::new("sparse");
    let big = scratch.path.join("big.yaml");
    std::fs::File::create(&big)
        .and_then(|file| file.set_len(1 << 30))
        .expect("a sparse 1 GiB file");
    let small = scratch.write("small.yaml", ONE_SERVICE);
    let output = kubetopo(&[
        "analyze",
        big.to_str().unwrap(),
        small.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let too_large: Vec<&serde_json::Value> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "input-too-large")
        .collect();
    assert_eq!(too_large.len(), 1, "{json}");
    assert_eq!(too_large[0]["source"]["file"], big.to_str().unwrap());
    assert_eq!(too_large[0]["source"]["document"], 0);
    assert!(too_large[0]["message"]
        .as_str()
        .unwrap()
        .contains("1024 MB"));
    // The other input is still analyzed.
    assert_eq!(json["services"][0]["name"], "solo");
    assert_eq!(
        kubetopo(&["analyze", big.to_str().unwrap(), "--strict"])
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn input_too_large_stdin_is_refused_after_a_bounded_read() {
    let mut child = Command::new(KUBETOPO)
        .args(["analyze", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the kubetopo binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'\n'; 1 << 20];
        // One MiB past the limit; kubetopo stops reading after the limit and a byte,
        // so the last writes may fail with a closed pipe, which is expected.
        for _ in 0..=(MAX_INPUT_BYTES >> 20) {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let output = child.wait_with_output().expect("kubetopo finishes");
    writer.join().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let diagnostic = &json["diagnostics"][0];
    assert_eq!(diagnostic["code"], "input-too-large");
    assert_eq!(diagnostic["source"]["file"], "<stdin>");
    assert!(diagnostic["message"]
        .as_str()
        .unwrap()
        .contains("more than 50 MB"));
}

#[test]
fn input_at_the_limit_is_read() {
    let scratch = ScratchDirectory::new("at-limit");
    let mut text = ONE_SERVICE.to_string();
    text.push_str(&" ".repeat(MAX_INPUT_BYTES - text.len()));
    let exact = scratch.write("exact.yaml", &text);
    let output = kubetopo(&["analyze", exact.to_str().unwrap(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(json["services"][0]["name"], "solo");
}

// ---------------------------------------------------------------------------
// #12.11 and #12.12: output is streamed, and write errors are reported
// ---------------------------------------------------------------------------

#[test]
fn streamed_json_is_byte_identical_to_the_engine_document() {
    use kubetopo::engine::ingest::SourceFile;
    use kubetopo::engine::{analyze, output};
    let output = kubetopo(&["analyze", BOUTIQUE, "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let text = std::fs::read_to_string(BOUTIQUE).unwrap();
    let topology = analyze(&[SourceFile::new(BOUTIQUE, text)], &Config::default());
    let mut expected = output::to_json(&topology).into_bytes();
    expected.push(b'\n');
    assert_eq!(output.stdout, expected);
}

/// `--format yaml` writes the JSON document's content as YAML: read back, both are
/// the same value, for `analyze` and for `trace`.
#[test]
fn yaml_output_holds_the_same_document_as_json() {
    for args in [
        vec!["analyze", BOUTIQUE],
        vec![
            "trace",
            BOUTIQUE,
            "--from",
            "external",
            "--to",
            "frontend-external",
        ],
    ] {
        let as_json = kubetopo(&[args.as_slice(), &["--format", "json"]].concat());
        let as_yaml = kubetopo(&[args.as_slice(), &["--format", "yaml"]].concat());
        assert_eq!(
            as_yaml.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr_of(&as_yaml)
        );
        let from_json: serde_json::Value = serde_json::from_slice(&as_json.stdout).unwrap();
        let from_yaml: serde_json::Value = serde_yaml::from_slice(&as_yaml.stdout).unwrap();
        assert_eq!(from_yaml, from_json, "{args:?}");
        assert!(stdout_of(&as_yaml).starts_with("schemaVersion:") || args[0] == "trace");
    }
}

/// A writer that keeps only what a test needs: how many bytes went through it,
/// and the largest single write.
#[derive(Default)]
struct CountingWriter {
    n_bytes: usize,
    largest_write: usize,
}

impl Write for CountingWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.n_bytes += bytes.len();
        self.largest_write = self.largest_write.max(bytes.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// #12.11: `analyze --format json` once built its whole document before writing it,
/// so 35 KB of aliased YAML asking for 250,000 pods aborted at 6 GB. The document
/// now goes to the writer piece by piece: no write is more than a small part of it.
#[test]
fn json_output_is_streamed_to_the_writer_not_built_in_memory() {
    use kubetopo::engine::ingest::SourceFile;
    use kubetopo::engine::{analyze, output};
    let text = std::fs::read_to_string(BOUTIQUE).unwrap();
    let topology = analyze(&[SourceFile::new(BOUTIQUE, text)], &Config::default());
    let mut writer = CountingWriter::default();
    output::write_json(&topology, &mut writer).expect("a writer that never fails");
    assert_eq!(writer.n_bytes, output::to_json(&topology).len());
    assert!(writer.n_bytes > 40_000, "{} bytes", writer.n_bytes);
    assert!(
        writer.largest_write < 1_024,
        "one write of {} bytes out of {}",
        writer.largest_write,
        writer.n_bytes
    );
}

#[test]
fn write_errors_to_dev_full_exit_3_with_a_message_for_every_command() {
    for args in [
        vec!["analyze", BOUTIQUE],
        vec!["analyze", BOUTIQUE, "--format", "json"],
        vec!["analyze", BOUTIQUE, "--format", "yaml"],
        vec![
            "trace",
            BOUTIQUE,
            "--from",
            "external",
            "--to",
            "frontend-external",
        ],
        vec!["render", BOUTIQUE],
        vec!["completions", "bash"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full exists on Linux");
        let output = Command::new(KUBETOPO)
            .args(&args)
            .stdout(full)
            .output()
            .expect("the kubetopo binary runs");
        let stderr = stderr_of(&output);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(
            stderr.contains("cannot write the output") && stderr.contains("No space left"),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn broken_pipe_stops_quietly_without_a_panic() {
    // Enough pods that the JSON is far larger than a pipe's buffer, so kubetopo is
    // still writing when the reader goes away.
    let scratch = ScratchDirectory::new("broken-pipe");
    let many = scratch.write(
        "many.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 2000\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n",
    );
    for format in ["json", "text"] {
        let mut child = Command::new(KUBETOPO)
            .args(["analyze", many.to_str().unwrap(), "--format", format])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the kubetopo binary runs");
        let mut first_byte = [0u8; 1];
        child
            .stdout
            .take()
            .unwrap()
            .read_exact(&mut first_byte)
            .expect("one byte of output");
        // The read end is dropped here, as `| head -c1` does.
        let output = child.wait_with_output().expect("kubetopo finishes");
        let stderr = stderr_of(&output);
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert_eq!(output.status.code(), Some(0), "{format}: {stderr}");
    }
}

// ---------------------------------------------------------------------------
// #12.15 and #12.16: names cannot reach the terminal raw or break the SVG
// ---------------------------------------------------------------------------

/// True when `text` holds a control character other than the newlines and the
/// spaces of its own layout.
fn has_raw_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c != '\n' && (c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)))
}

#[test]
fn terminal_output_escapes_control_characters_in_names_for_analyze_and_trace() {
    let scratch = ScratchDirectory::new("terminal");
    let hostile = scratch.write("hostile.yaml", HOSTILE_NAMES);
    let hostile = hostile.to_str().unwrap();
    let analyze = stdout_of(&kubetopo(&["analyze", hostile]));
    assert!(!has_raw_control_characters(&analyze), "{analyze:?}");
    assert!(
        analyze.contains(r"web\x1b]0;owned\x07\nFORGED ROW"),
        "{analyze}"
    );
    assert!(analyze.contains(r"web\x1b[2J\x01\x7f\u{85}"), "{analyze}");
    // The forged row stays inside its own line.
    assert!(!analyze.lines().any(|line| line.starts_with("FORGED ROW")));

    let trace = kubetopo(&["trace", hostile, "--from", "node/node-1", "--to", "web:80"]);
    let trace_text = stdout_of(&trace);
    assert!(trace_text.contains("DELIVERED"), "{trace_text}");
    assert!(!has_raw_control_characters(&trace_text), "{trace_text:?}");
    assert!(trace_text.contains(r"\x1b[2J"), "{trace_text}");

    // An engine message naming pods on stderr is escaped as well.
    let refused = kubetopo(&[
        "trace",
        hostile,
        "--from",
        "pod/default/nope",
        "--to",
        "web:80",
    ]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = stderr_of(&refused);
    assert!(!has_raw_control_characters(&stderr), "{stderr:?}");
    assert!(stderr.contains("--from:"), "{stderr}");
}

/// #12.9: the text summary printed each Service's diagnostics by scanning every
/// diagnostic once per Service, which took 36 of the 46 s of `analyze` on a List of
/// 50,000 Services. They are grouped by object once now; each Service still lists
/// exactly its own, and the stream-level ones stay in the DIAGNOSTICS section.
#[test]
fn text_output_lists_each_services_own_diagnostics_under_it() {
    let scratch = ScratchDirectory::new("text-diagnostics");
    let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for name in ["alpha", "beta", "gamma"] {
        text.push_str(&format!(
            "- {{apiVersion: v1, kind: Service, metadata: {{name: {name}}}, spec: {{ports: [{{port: 80}}]}}}}\n"
        ));
    }
    text.push_str("- {apiVersion: v1, kind: ConfigMap, metadata: {name: settings}}\n");
    let list = scratch.write("list.yaml", &text);
    let output = stdout_of(&kubetopo(&["analyze", list.to_str().unwrap()]));
    let blocks: Vec<&str> = output.split("\ndefault/").skip(1).collect();
    assert_eq!(blocks.len(), 3, "{output}");
    for (name, block) in ["alpha", "beta", "gamma"].iter().zip(&blocks) {
        let block = block.split("\nDIAGNOSTICS").next().unwrap();
        assert!(block.starts_with(&format!("{name} (ClusterIP)")), "{block}");
        let warnings: Vec<&str> = block
            .lines()
            .filter(|line| line.starts_with("  warning: "))
            .collect();
        assert_eq!(warnings.len(), 1, "{block}");
        assert!(
            warnings[0].contains("[service-selectorless-without-endpoints]")
                && warnings[0].contains(&format!(" {name} has no selector")),
            "{block}"
        );
    }
    let all = output
        .split("\nDIAGNOSTICS\n")
        .nth(1)
        .expect("a DIAGNOSTICS section");
    assert!(
        all.contains("[ignored-kind] ConfigMap/default/settings"),
        "{all}"
    );
    assert_eq!(
        all.matches("[service-selectorless-without-endpoints]")
            .count(),
        3
    );
}

#[test]
fn svg_with_control_characters_in_names_is_well_formed_xml() {
    let scratch = ScratchDirectory::new("svg");
    let hostile = scratch.write("hostile.yaml", HOSTILE_NAMES);
    for view in ["cluster", "logical"] {
        let output = kubetopo(&["render", hostile.to_str().unwrap(), "--view", view]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        let svg = stdout_of(&output);
        let document = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|error| panic!("{view}: the SVG is not well-formed XML: {error}"));
        let texts: Vec<&str> = document
            .descendants()
            .filter_map(|node| node.text())
            .collect();
        assert!(
            texts.iter().any(|text| text.contains("web\u{fffd}")),
            "{view}: the hostile name is drawn with its control characters replaced"
        );
    }
}

// ---------------------------------------------------------------------------
// #12.21: directories
// ---------------------------------------------------------------------------

#[test]
fn directories_with_two_self_links_neither_hang_nor_read_a_file_twice() {
    let scratch = ScratchDirectory::new("self-links");
    scratch.write("a.yaml", ONE_SERVICE);
    std::fs::create_dir(scratch.path.join("sub")).unwrap();
    scratch.write("sub/b.yaml", &ONE_SERVICE.replace("solo", "other"));
    symlink(".", &scratch.path.join("again"));
    symlink(".", &scratch.path.join("once-more"));
    symlink("..", &scratch.path.join("sub/up"));
    symlink("a.yaml", &scratch.path.join("alias.yaml"));
    let output = kubetopo(&["analyze", scratch.path_text(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let codes: Vec<&str> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"duplicate-object"), "{codes:?}");
    let names: Vec<&str> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["other", "solo"]);
}

#[test]
fn directories_skip_a_fifo_named_yaml_with_a_note() {
    let scratch = ScratchDirectory::new("fifo");
    scratch.write("a.yaml", ONE_SERVICE);
    let fifo = scratch.path.join("pipe.yaml");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    let output = kubetopo(&["analyze", scratch.path_text()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("note: skipping") && stderr.contains("pipe.yaml"),
        "{stderr}"
    );
    assert!(stdout_of(&output).contains("solo"));
}

#[test]
fn directories_name_the_unreadable_entry_not_the_top_directory() {
    // A link to itself cannot be followed. (A directory without read permission
    // would be the usual case, but tests may run as root, who reads everything.)
    let scratch = ScratchDirectory::new("unreadable");
    std::fs::create_dir(scratch.path.join("nested")).unwrap();
    scratch.write("nested/a.yaml", ONE_SERVICE);
    symlink("loop", &scratch.path.join("nested/loop"));
    let output = kubetopo(&["analyze", scratch.path_text()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("nested/loop"), "{stderr}");
}

// ---------------------------------------------------------------------------
// #12.22: options are validated as the kube flags are
// ---------------------------------------------------------------------------

/// Runs `analyze` on the guestbook with `flags` and returns the status and stderr.
fn analyze_with(flags: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["analyze", GUESTBOOK];
    args.extend_from_slice(flags);
    let output = kubetopo(&args);
    (output.status.code(), stderr_of(&output))
}

#[test]
fn options_pod_cidr_slash_32_is_refused_because_a_node_24_cannot_fit() {
    let (status, stderr) = analyze_with(&["--pod-cidr", "10.244.0.0/32"]);
    assert_eq!(status, Some(2));
    assert!(
        stderr.contains("--pod-cidr:") && stderr.contains("/24"),
        "{stderr}"
    );
    let (status, _) = analyze_with(&["--pod-cidr", "10.244.0.0/24"]);
    assert_eq!(status, Some(0));
}

#[test]
fn options_overlapping_pod_and_service_cidrs_are_a_usage_error() {
    let (status, stderr) = analyze_with(&["--pod-cidr", "10.0.0.0/8"]);
    assert_eq!(status, Some(2));
    assert!(
        stderr.contains("--pod-cidr:") && stderr.contains("overlaps the Service CIDR 10.96.0.0/12"),
        "{stderr}"
    );
}

#[test]
fn options_empty_or_invalid_cluster_domain_is_refused() {
    for domain in ["", ".", "Cluster.Local", "a..b", "-x.local", "bad_domain"] {
        let flag = format!("--cluster-domain={domain}");
        let (status, stderr) = analyze_with(&[&flag]);
        assert_eq!(status, Some(2), "{domain:?}");
        assert!(stderr.contains("--cluster-domain:"), "{domain:?}: {stderr}");
    }
    let (status, _) = analyze_with(&["--cluster-domain", "corp.example."]);
    assert_eq!(status, Some(0));
}

#[test]
fn options_trace_to_an_address_with_port_0_is_refused_like_a_name() {
    for destination in [
        "10.96.0.1:0",
        "10.96.0.1:65536",
        "[fd00::1]:0",
        "frontend:99999",
    ] {
        let output = kubetopo(&["trace", BOUTIQUE, "--from", "external", "--to", destination]);
        assert_eq!(output.status.code(), Some(2), "{destination}");
        assert!(stderr_of(&output).contains("--to"), "{destination}");
    }
}

#[test]
fn options_bad_cidr_text_and_ipv6_ranges_are_usage_errors() {
    let (status, stderr) = analyze_with(&["--service-cidr", "10.96.0.0"]);
    assert_eq!(status, Some(2));
    assert!(stderr.contains("--service-cidr"), "{stderr}");
    let (status, stderr) = analyze_with(&["--lb-pool", "fd00::/120"]);
    assert_eq!(status, Some(2));
    assert!(
        stderr.contains("--lb-pool:") && stderr.contains("IPv6"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------
// Config::validate, which the web app uses too
// ---------------------------------------------------------------------------

fn settings_with_problems(config: &Config) -> Vec<Setting> {
    config
        .validate()
        .iter()
        .map(|problem| problem.setting())
        .collect()
}

fn cidr(text: &str) -> Cidr {
    Cidr::parse(text).unwrap()
}

#[test]
fn config_default_is_valid() {
    assert_eq!(Config::default().validate(), Vec::new());
}

/// §7: each node gets a /24 of the pod CIDR (kube-controller-manager's
/// `--node-cidr-mask-size`), and at most 16 bits separate the two masks.
#[test]
fn config_pod_cidr_must_leave_room_for_node_slices_s7() {
    for (pod_cidr, valid) in [
        ("10.244.0.0/16", true),
        ("10.244.0.0/24", true),
        ("10.0.0.0/8", false),
        ("10.244.0.0/25", false),
        ("10.244.0.0/32", false),
        ("100.64.0.0/10", true),
    ] {
        let config = Config {
            pod_cidr: cidr(pod_cidr),
            ..Config::default()
        };
        let problems = settings_with_problems(&config);
        assert_eq!(problems.is_empty(), valid, "{pod_cidr}: {problems:?}");
    }
}

/// §3: kube-apiserver allows at most 20 host bits in the Service CIDR; kubetopo
/// also needs 8 addresses to allocate from.
#[test]
fn config_service_cidr_size_is_bounded_on_both_sides_s3() {
    for (service_cidr, valid) in [
        ("10.96.0.0/12", true),
        ("10.96.0.0/29", true),
        ("10.96.0.0/30", false),
        ("10.0.0.0/11", false),
    ] {
        let config = Config {
            service_cidr: cidr(service_cidr),
            ..Config::default()
        };
        assert_eq!(
            settings_with_problems(&config),
            if valid {
                vec![]
            } else {
                vec![Setting::ServiceCidr]
            },
            "{service_cidr}"
        );
    }
}

/// §6: Service names are `<service>.<namespace>.svc.<cluster domain>`, so the
/// domain must be a DNS-1123 subdomain, as kubeadm checks it (apimachinery's
/// `IsDNS1123Subdomain`, the same check as everywhere else).
#[test]
fn config_cluster_domain_must_be_a_dns_subdomain_s6() {
    for (domain, valid) in [
        ("cluster.local", true),
        ("corp.example", true),
        ("k8s", true),
        ("", false),
        ("Cluster.local", false),
        ("a..b", false),
        ("a.-b", false),
        // IsDNS1123Subdomain limits the whole name, not each label.
        ("x".repeat(64).as_str(), true),
        ("x".repeat(254).as_str(), false),
    ] {
        let config = Config {
            cluster_domain: domain.to_string(),
            ..Config::default()
        };
        assert_eq!(
            settings_with_problems(&config),
            if valid {
                vec![]
            } else {
                vec![Setting::ClusterDomain]
            },
            "{domain:?}"
        );
    }
}

#[test]
fn config_problems_name_no_flag_so_each_shell_adds_its_own_words() {
    let config = Config {
        n_nodes: 0,
        pod_cidr: cidr("10.96.0.0/16"),
        cluster_domain: String::new(),
        load_balancer_pool: cidr("fd00::/64"),
        ..Config::default()
    };
    let problems = config.validate();
    let settings: Vec<Setting> = problems.iter().map(|p| p.setting()).collect();
    assert_eq!(
        settings,
        [
            Setting::Nodes,
            Setting::PodCidr,
            Setting::LoadBalancerPool,
            Setting::ClusterDomain
        ]
    );
    for problem in &problems {
        assert!(!problem.message().contains("--"), "{problem}");
    }
}

// ---------------------------------------------------------------------------
// NetworkPolicies in the JSON (§8)
// ---------------------------------------------------------------------------

/// §8: every NetworkPolicy is in the JSON with its rules after defaulting and the
/// pods it selects, sorted by namespace and name.
#[test]
fn network_policies_are_in_the_json_with_rules_and_selected_pods_s8() {
    let scratch = ScratchDirectory::new("netpol");
    let manifests = scratch.write(
        "netpol.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: db}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: z-db}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from:
    - podSelector: {matchLabels: {role: api}}
      namespaceSelector: {}
    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
    ports:
    - {port: pg}
    - {protocol: UDP, port: 1000, endPort: 1010}
  egress: [{}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a-deny-all}
spec:
  podSelector: {}
"#,
    );
    let output = kubetopo(&["analyze", manifests.to_str().unwrap(), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let policies = json["networkPolicies"].as_array().expect("networkPolicies");
    let names: Vec<&str> = policies
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a-deny-all", "z-db"]);
    let deny_all = &policies[0];
    assert_eq!(deny_all["podSelector"], "");
    assert_eq!(deny_all["policyTypes"], serde_json::json!(["Ingress"]));
    assert_eq!(deny_all["ingress"], serde_json::json!([]));
    assert_eq!(deny_all["selectedPods"].as_array().unwrap().len(), 2);
    let db = &policies[1];
    assert_eq!(db["podSelector"], "app=db");
    assert_eq!(db["policyTypes"], serde_json::json!(["Ingress", "Egress"]));
    assert_eq!(
        db["ingress"][0]["peers"],
        serde_json::json!([
            {"podSelector": "role=api", "namespaceSelector": "", "ipBlock": null},
            {"podSelector": null, "namespaceSelector": null, "ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}
        ])
    );
    assert_eq!(
        db["ingress"][0]["ports"],
        serde_json::json!([
            {"protocol": "TCP", "port": "pg", "endPort": null},
            {"protocol": "UDP", "port": 1000, "endPort": 1010}
        ])
    );
    assert_eq!(
        db["egress"],
        serde_json::json!([{"peers": [], "ports": []}])
    );
    let selected: Vec<&str> = db["selectedPods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(selected.len(), 2);
    assert!(selected.windows(2).all(|pair| pair[0] < pair[1]));
    assert!(selected.iter().all(|pod| pod.starts_with("default/db-")));
}

// ---------------------------------------------------------------------------
// Tracing through a Gateway with every request flag
// ---------------------------------------------------------------------------

/// A Gateway at a requested address with two HTTPS listeners on 443 and an HTTP one
/// on 80; an HTTPRoute on the wildcard HTTPS listener whose second rule wants a POST
/// with `X-A: 1` and changes headers, and a GRPCRoute on the HTTP listener whose rule
/// wants the metadata `x-tenant: eu`, with a header filter on its backendRef.
const GATEWAY_FLAGS: &str = r#"apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: shared}
spec: {controllerName: example.net/gateway}
---
apiVersion: v1
kind: Secret
metadata: {name: shop-cert, namespace: shop}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: shop}
spec:
  gatewayClassName: shared
  addresses: [{value: 203.0.113.40}]
  listeners:
  - {name: https-shop, port: 443, protocol: HTTPS, hostname: shop.example.com, tls: {certificateRefs: [{name: shop-cert}]}}
  - {name: https-api, port: 443, protocol: HTTPS, hostname: "*.api.example.com", tls: {certificateRefs: [{name: shop-cert}]}}
  - {name: http, port: 80, protocol: HTTP}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: orders, namespace: shop}
spec:
  parentRefs: [{name: edge, sectionName: https-api}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /orders}}]
    backendRefs: [{name: orders-read, port: 8080}]
  - matches:
    - path: {type: PathPrefix, value: /orders}
      method: POST
      headers: [{name: x-a, value: "1"}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Via, value: edge}]
        add: [{name: x-b, value: gw}]
    backendRefs: [{name: orders-write, port: 8080}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: orders-grpc, namespace: shop}
spec:
  parentRefs: [{name: edge, sectionName: http}]
  hostnames: [grpc.example.com]
  rules:
  - matches:
    - method: {service: shop.Orders}
      headers: [{name: x-tenant, value: eu}]
    backendRefs:
    - name: orders-write
      port: 8080
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x-region, value: eu-west}]}}]
  - backendRefs: [{name: orders-read, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: orders-read, namespace: shop}
spec:
  selector: {app: orders-read}
  ports: [{port: 8080, targetPort: 3000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-read, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: orders-read}}
  template:
    metadata: {labels: {app: orders-read}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 3000}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: orders-write, namespace: shop}
spec:
  selector: {app: orders-write}
  ports: [{port: 8080, targetPort: 3000}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders-write, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: orders-write}}
  template:
    metadata: {labels: {app: orders-write}}
    spec: {containers: [{name: c, image: x, ports: [{containerPort: 3000}]}]}
"#;

/// `kubetopo trace MANIFESTS --from external --to URL` with `more` flags, as JSON:
/// its `http` object and the actions of its hops.
fn trace_gateway_json(
    manifests: &Path,
    url: &str,
    more: &[&str],
) -> (serde_json::Value, Vec<String>) {
    let mut args = vec![
        "trace",
        manifests.to_str().unwrap(),
        "--from",
        "external",
        "--to",
        url,
        "--format",
        "json",
    ];
    args.extend_from_slice(more);
    let output = kubetopo(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let actions = json["hops"]
        .as_array()
        .expect("hops")
        .iter()
        .map(|hop| hop["action"].as_str().unwrap().to_string())
        .collect();
    (json, actions)
}

/// §11.10: `--sni`, `--host`, `--method` and `--header` together. The SNI picks the
/// HTTPS listener, the Host agrees with it, and the method and a header pick the
/// Route's second rule, whose filter the backend sees in `requestHeaders`. Without
/// `--method POST` the first rule wins; a Host that another listener claims is
/// misdirected (421). For `grpc://`, the headers are metadata that a match reads, and
/// the chosen backendRef's own filter shows too (§11.8).
#[test]
fn trace_through_a_gateway_with_sni_host_method_and_headers_s11_10() {
    let scratch = ScratchDirectory::new("gateway-flags");
    let manifests = scratch.write("gateway.yaml", GATEWAY_FLAGS);
    let request = [
        "--sni",
        "eu.api.example.com",
        "--host",
        "eu.api.example.com",
        "--method",
        "POST",
        "--header",
        "X-A: 1",
        "--header",
        "X-B: 2",
    ];
    let (json, actions) = trace_gateway_json(&manifests, "https://203.0.113.40/orders/7", &request);
    assert_eq!(json["verdict"], "delivered", "{}", json["reason"]);
    let http = &json["http"];
    assert_eq!(http["status"], 200);
    assert_eq!(http["gateway"], "shop/edge");
    assert_eq!(http["listener"], "https-api");
    assert_eq!(http["route"], "HTTPRoute/shop/orders");
    assert_eq!(http["rule"], 1);
    assert_eq!(http["backendService"], "shop/orders-write");
    assert_eq!(http["requestPath"], "/orders/7");
    assert_eq!(
        http["requestHeaders"],
        serde_json::json!({"X-A": "1", "X-B": "2,gw", "X-Via": "edge"})
    );
    for action in [
        "gateway-listener",
        "gateway-route",
        "gateway-filter",
        "gateway-backend",
        "proxy",
        "deliver",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} in {actions:?}"
        );
    }

    // Each flag counts: without `--method POST`, the default GET takes the first rule.
    let get = [&request[..4], &request[6..]].concat();
    let (json, _) = trace_gateway_json(&manifests, "https://203.0.113.40/orders/7", &get);
    assert_eq!(json["http"]["rule"], 0, "{}", json["reason"]);
    assert_eq!(json["http"]["backendService"], "shop/orders-read");
    assert_eq!(
        json["http"]["requestHeaders"],
        serde_json::json!({"X-A": "1", "X-B": "2"})
    );
    // A Host that the other HTTPS listener claims is misdirected.
    let mut misdirected = request;
    misdirected[3] = "shop.example.com";
    let (json, _) = trace_gateway_json(&manifests, "https://203.0.113.40/orders/7", &misdirected);
    assert_eq!(json["verdict"], "rejected");
    assert_eq!(json["http"]["status"], 421);
    assert_eq!(json["http"]["listener"], "https-api");

    // A `Host` header says what `--host` says, as with curl; `--host` wins over it.
    let mut by_header = request;
    by_header[2] = "--header";
    by_header[3] = "Host: eu.api.example.com";
    let (json, _) = trace_gateway_json(&manifests, "https://203.0.113.40/orders/7", &by_header);
    assert_eq!(json["http"]["listener"], "https-api", "{}", json["reason"]);
    assert_eq!(json["http"]["backendService"], "shop/orders-write");
    assert_eq!(json["http"]["requestHeaders"]["X-A"], "1");
    let both = [&request[..], &["--header", "Host: shop.example.com"]].concat();
    let (json, _) = trace_gateway_json(&manifests, "https://203.0.113.40/orders/7", &both);
    assert_eq!(
        json["http"]["backendService"], "shop/orders-write",
        "{}",
        json["reason"]
    );

    let (json, _) = trace_gateway_json(
        &manifests,
        "grpc://203.0.113.40/shop.Orders/Create",
        &["--host", "grpc.example.com", "--header", "x-tenant: eu"],
    );
    assert_eq!(json["verdict"], "delivered", "{}", json["reason"]);
    let http = &json["http"];
    assert_eq!(http["grpcStatus"], "OK");
    assert_eq!(http["listener"], "http");
    assert_eq!(http["route"], "GRPCRoute/shop/orders-grpc");
    assert_eq!(http["rule"], 0);
    assert_eq!(http["backendService"], "shop/orders-write");
    assert_eq!(http["requestPath"], "/shop.Orders/Create");
    assert_eq!(
        http["requestHeaders"],
        serde_json::json!({"x-region": "eu-west", "x-tenant": "eu"})
    );
    let (json, _) = trace_gateway_json(
        &manifests,
        "grpc://203.0.113.40/shop.Orders/Create",
        &["--host", "grpc.example.com", "--header", "x-tenant: us"],
    );
    assert_eq!(json["http"]["rule"], 1, "{}", json["reason"]);
    assert_eq!(json["http"]["backendService"], "shop/orders-read");
    assert_eq!(
        json["http"]["requestHeaders"],
        serde_json::json!({"x-tenant": "us"})
    );
}

/// §11.10: without `--sni`, an `https://` trace sends the URL's host as the SNI,
/// not the Host header. By name, `eu.api.example.com` picks the `*.api.example.com`
/// listener; with `--host shop.example.com` the SNI is still the URL's host, so the
/// same listener is chosen and the Host, which the other listener claims, is
/// misdirected (421). Given `--sni`, the flag wins over the URL's host.
#[test]
fn trace_https_without_sni_sends_the_urls_host_s11_10() {
    let scratch = ScratchDirectory::new("gateway-sni-default");
    let manifests = scratch.write("gateway.yaml", GATEWAY_FLAGS);
    let url = "https://eu.api.example.com/orders/7";
    let listener_hop = |json: &serde_json::Value| -> String {
        json["hops"]
            .as_array()
            .expect("hops")
            .iter()
            .find(|hop| hop["action"] == "gateway-listener")
            .map(|hop| hop["detail"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no gateway-listener hop: {}", json["reason"]))
    };

    let (json, _) = trace_gateway_json(&manifests, url, &[]);
    assert_eq!(json["verdict"], "delivered", "{}", json["reason"]);
    assert_eq!(json["http"]["listener"], "https-api");
    assert_eq!(json["http"]["backendService"], "shop/orders-read");
    let hop = listener_hop(&json);
    assert!(
        hop.contains("SNI eu.api.example.com matches hostname *.api.example.com"),
        "{hop}"
    );

    let (json, _) = trace_gateway_json(&manifests, url, &["--host", "shop.example.com"]);
    assert_eq!(json["verdict"], "rejected", "{}", json["reason"]);
    assert_eq!(json["http"]["status"], 421);
    assert_eq!(json["http"]["listener"], "https-api");
    assert!(
        listener_hop(&json).contains("SNI eu.api.example.com"),
        "{}",
        listener_hop(&json)
    );

    let (json, _) = trace_gateway_json(
        &manifests,
        url,
        &["--sni", "shop.example.com", "--host", "shop.example.com"],
    );
    assert_eq!(json["http"]["listener"], "https-shop", "{}", json["reason"]);
    assert!(
        listener_hop(&json).contains("SNI shop.example.com"),
        "{}",
        listener_hop(&json)
    );
}

/// A Gateway whose HTTPRoute has a CORS filter (§11.8), for `--method OPTIONS` and
/// `--header` from the CLI; the web app's request form test reads the same file.
const GATEWAY_CORS: &str = include_str!("../fixtures/gateway/cors.yaml");

/// §11.8 and §11.10: a preflight from the CLI (`--method OPTIONS` with `Origin` and
/// `Access-Control-Request-Method` headers) is answered by the Gateway itself: the
/// verdict `answered`, status 200, the CORS headers in `http.responseHeaders`, no
/// backend and no hop past the filter. The same URL with `GET` goes to the backend,
/// with the headers the proxy adds to its response.
#[test]
fn trace_a_cors_preflight_is_answered_by_the_gateway_s11_8() {
    let scratch = ScratchDirectory::new("gateway-cors");
    let manifests = scratch.write("gateway.yaml", GATEWAY_CORS);
    let url = "http://api.example.com/items";
    let (json, actions) = trace_gateway_json(
        &manifests,
        url,
        &[
            "--method",
            "OPTIONS",
            "--header",
            "Origin: https://app.example.com",
            "--header",
            "Access-Control-Request-Method: PUT",
        ],
    );
    assert_eq!(json["schemaVersion"], 3);
    assert_eq!(json["verdict"], "answered", "{}", json["reason"]);
    let http = &json["http"];
    assert_eq!(http["status"], 200);
    assert_eq!(http["backendService"], serde_json::Value::Null);
    assert_eq!(json["endpoint"], serde_json::Value::Null);
    assert_eq!(
        http["responseHeaders"],
        serde_json::json!({
            "Access-Control-Allow-Methods": "GET, PUT",
            "Access-Control-Allow-Origin": "https://app.example.com",
            "Access-Control-Max-Age": "600",
        })
    );
    assert_eq!(actions.last().map(String::as_str), Some("gateway-filter"));
    assert!(!actions
        .iter()
        .any(|a| a == "gateway-backend" || a == "proxy"));

    let (json, actions) = trace_gateway_json(
        &manifests,
        url,
        &["--header", "Origin: https://app.example.com"],
    );
    assert_eq!(json["verdict"], "delivered", "{}", json["reason"]);
    assert_eq!(json["http"]["backendService"], "shop/api");
    assert_eq!(
        json["http"]["responseHeaders"],
        serde_json::json!({
            "Access-Control-Allow-Origin": "https://app.example.com",
            "Access-Control-Expose-Headers": "X-Total",
        })
    );
    assert!(actions.iter().any(|a| a == "proxy"));

    // The text form names the verdict.
    let output = kubetopo(&[
        "trace",
        manifests.to_str().unwrap(),
        "--from",
        "external",
        "--to",
        url,
        "--method",
        "OPTIONS",
        "--header",
        "Origin: https://app.example.com",
        "--header",
        "Access-Control-Request-Method: PUT",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(
        text.contains("ANSWERED: Gateway shop/edge answers 200: HTTPRoute shop/api rule 0 answers the CORS preflight from Origin https://app.example.com itself"),
        "{text}"
    );
}

/// §11.7 and §11.10: `--seed` drives the weighted choice through a Gateway from the
/// CLI as in the engine: over seeds, the canary sample's 90/10 split sends most
/// requests to `cart` and some to `cart-canary`, and one seed always gives the same
/// backend.
#[test]
fn trace_seed_chooses_the_weighted_backend_through_a_gateway_s11_7() {
    let manifests = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/gateway-canary.yaml");
    let backend_of = |seed: u64| {
        let seed = seed.to_string();
        let (json, _) = trace_gateway_json(
            &manifests,
            "http://shop.example.com/cart",
            &["--seed", &seed],
        );
        json["http"]["backendService"].as_str().unwrap().to_string()
    };
    let chosen: Vec<String> = (0..30).map(backend_of).collect();
    let n_canary = chosen.iter().filter(|b| *b == "shop/cart-canary").count();
    let n_cart = chosen.iter().filter(|b| *b == "shop/cart").count();
    assert_eq!(n_cart + n_canary, chosen.len(), "{chosen:?}");
    assert!(n_canary > 0 && n_cart > 2 * n_canary, "{chosen:?}");
    assert_eq!(backend_of(7), chosen[7]);
}

/// The analyze table lists a Service's ports as kubectl does: `80:31212/TCP` for a
/// NodePort with its allocated nodePort (§3.4), `6379/TCP` for a ClusterIP.
#[test]
fn analyze_lists_ports_with_their_node_ports() {
    let out = stdout_of(&kubetopo(&["analyze", GUESTBOOK]));
    let row = |name: &str| {
        out.lines()
            .find(|line| line.split_whitespace().nth(1) == Some(name))
            .map(|line| line.split_whitespace().collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no row for {name} in:\n{out}"))
    };
    let frontend = row("frontend");
    let port = frontend[5];
    let node_port: u16 = port
        .strip_prefix("80:")
        .and_then(|rest| rest.strip_suffix("/TCP"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("frontend's ports: {port}"));
    assert!((30000..=32767).contains(&node_port), "{port}");
    assert_eq!(row("redis-master")[5], "6379/TCP");
}
