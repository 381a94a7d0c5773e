//! YAML as Kubernetes reads it, and input that must not cost more than it weighs
//! (`docs/semantics.md` §10, issue #12 items 7, 17, 18 and 19).
//!
//! Each test is named after the defect it covers. The memory tests check that
//! anchors and aliases share one node (`Rc::ptr_eq`) rather than measuring the
//! process, which would be neither deterministic nor per test; the peak RSS figures
//! of the release CLI are in `docs/fuzzing.md`.

use std::rc::Rc;

use kubetopo::engine::config::Config;
use kubetopo::engine::diag::{Diagnostic, Severity};
use kubetopo::engine::ingest::SourceFile;
use kubetopo::engine::model::{PortRef, ServiceType};
use kubetopo::engine::yaml::{
    load_documents, resolve_yaml_1_1, resolve_yaml_1_2_core, ScalarReading, Value,
    MAX_NUL_LINES_REPORTED,
};
use kubetopo::engine::{analyze, Topology};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn analyze_one(text: &str) -> Topology {
    analyze(&[SourceFile::new("in.yaml", text)], &Config::default())
}

fn with_code<'t>(topology: &'t Topology, code: &str) -> Vec<&'t Diagnostic> {
    topology
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .collect()
}

/// The shape of `scripts/hostile-yaml.py nested-anchors`: items of 98 nested
/// anchors (the deepest nesting accepted), with no alias at all.
fn nested_anchors(n_bytes: usize) -> String {
    let mut item = String::from("- ");
    for level in 0..98 {
        item.push_str(&format!("{{k: &n{level} "));
    }
    item.push_str("{k: v}");
    item.push_str(&"}".repeat(98));
    item.push('\n');
    item.repeat((n_bytes / item.len()).max(1))
}

// ---------------------------------------------------------------------------
// Memory: nested anchors and large aliases (#12 item 7)
// ---------------------------------------------------------------------------

/// §10: each anchor used to keep a deep copy of the node it names, so anchors nested
/// 98 deep copied every item 98 times: 1 MB of YAML with no alias took 431 MB and
/// 2.2 s in the release CLI, and 3 MB took 1.3 GB (2.5 GB in the variant).
/// An anchor now holds the very node in the tree, which an alias at the end shows:
/// it is the same allocation as the anchored map, not a copy.
#[test]
fn nested_anchors_without_aliases_keep_memory_linear_in_the_input() {
    let mut text = nested_anchors(64 * 1024);
    text.push_str("- *n50\n");
    let mut diagnostics = Vec::new();
    let documents = load_documents("in.yaml", &text, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let items = documents[0].root.as_ref().unwrap().as_seq().unwrap();
    assert!(items.len() > 50, "{} items", items.len());
    // The last item before the alias defined `n50` last; it is 51 maps down.
    let mut anchored = &items[items.len() - 2];
    for _ in 0..51 {
        anchored = anchored.get("k").unwrap();
    }
    let (Value::Map(anchored_map), Value::Map(aliased_map)) =
        (&anchored.value, &items[items.len() - 1].value)
    else {
        panic!("the anchored node and its alias should both be maps")
    };
    assert!(
        Rc::ptr_eq(anchored_map, aliased_map),
        "the anchor held a copy of its node instead of the node"
    );
    assert_eq!(
        Rc::strong_count(anchored_map),
        2,
        "one for the tree, one for the alias"
    );
}

/// §10: an alias shares the anchored node instead of copying it, so aliases within
/// the budget cost a pointer each. Readers still see the whole value at each alias.
#[test]
fn large_alias_within_the_budget_shares_the_anchored_node() {
    let mut text = String::from("base: &base\n");
    for index in 0..2_000 {
        text.push_str(&format!("  key{index:05}: value\n"));
    }
    text.push_str("uses:\n");
    text.push_str(&"- *base\n".repeat(40));
    let mut diagnostics = Vec::new();
    let documents = load_documents("in.yaml", &text, &mut diagnostics);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let root = documents[0].root.as_ref().unwrap();
    let Value::Map(base) = &root.get("base").unwrap().value else {
        panic!("base is not a map")
    };
    let uses = root.get("uses").unwrap().as_seq().unwrap();
    assert_eq!(uses.len(), 40);
    for alias in uses {
        let Value::Map(aliased) = &alias.value else {
            panic!("an alias of a map is not a map")
        };
        assert!(Rc::ptr_eq(base, aliased), "an alias copied its anchor");
        assert_eq!(
            alias.get("key01999").and_then(|n| n.as_str()),
            Some("value")
        );
    }
    assert_eq!(
        Rc::strong_count(base),
        41,
        "the tree's own and one per alias"
    );
}

/// §10: the alias budgets still apply to what aliases stand for, now that they no
/// longer copy: a bomb is refused as before.
#[test]
fn shared_aliases_still_count_against_the_alias_budget() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..7 {
        let previous = level - 1;
        let aliases = vec![format!("*a{previous}"); 10].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{aliases}]\n"));
    }
    let topology = analyze_one(&text);
    assert_eq!(with_code(&topology, "yaml-alias-bomb").len(), 1);
}

// ---------------------------------------------------------------------------
// NUL bytes (#12 item 17)
// ---------------------------------------------------------------------------

const PROD_NODE_PORT: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  type: NodePort\n  selector: {app: web}\n  ports: [{port: 80}]\n";

/// §10: a NUL in a header comment ended the document for the parser, so the whole
/// Service vanished without a word. It is now reported, and the Service is read.
#[test]
fn nul_byte_in_a_header_comment_does_not_hide_the_service() {
    let text = format!("# generated by a tool\0 that wrote a NUL\n{PROD_NODE_PORT}");
    let topology = analyze_one(&text);
    assert_eq!(topology.manifests.services.len(), 1);
    let service = &topology.manifests.services[0];
    assert_eq!(
        (service.meta.namespace.as_str(), service.meta.name.as_str()),
        ("prod", "web")
    );
    let nul = with_code(&topology, "yaml-nul-byte");
    assert_eq!(nul.len(), 1, "{:?}", topology.diagnostics);
    assert_eq!(nul[0].severity, Severity::Error);
    assert_eq!((nul[0].source.line, nul[0].source.column), (1, 22));
    assert!(
        nul[0]
            .message
            .contains("`# generated by a tool that wrote a NUL`"),
        "{}",
        nul[0].message
    );
}

/// §10: a NUL right after `name: web` dropped the rest of the document, so a `prod`
/// NodePort became a `default` ClusterIP with no ports. Everything after the NUL is
/// now kept, and the diagnostic points at the byte and shows the line as read.
#[test]
fn nul_byte_after_the_name_keeps_namespace_type_and_ports() {
    let text = PROD_NODE_PORT.replace("name: web\n", "name: web\0\n");
    let topology = analyze_one(&text);
    let service = &topology.manifests.services[0];
    assert_eq!(service.meta.namespace, "prod");
    assert_eq!(service.meta.name, "web");
    assert_eq!(service.spec.service_type, ServiceType::NodePort);
    assert_eq!(service.spec.ports.len(), 1);
    let nul = with_code(&topology, "yaml-nul-byte");
    assert_eq!(nul.len(), 1, "{:?}", topology.diagnostics);
    assert_eq!((nul[0].source.line, nul[0].source.column), (4, 12));
    assert!(
        nul[0].message.contains("`  name: web`"),
        "{}",
        nul[0].message
    );
}

/// §10: a NUL in a later document is reported in that document, at its own line.
#[test]
fn nul_byte_in_the_second_document_is_reported_there() {
    let text = format!(
        "{PROD_NODE_PORT}---\n{}",
        PROD_NODE_PORT.replace("web", "a\0pi")
    );
    let topology = analyze_one(&text);
    assert_eq!(topology.manifests.services.len(), 2);
    assert!(topology
        .manifests
        .services
        .iter()
        .any(|s| s.meta.name == "api"));
    let nul = with_code(&topology, "yaml-nul-byte");
    assert!(!nul.is_empty());
    assert!(nul.iter().all(|d| d.source.document == 2), "{nul:?}");
    assert_eq!(nul[0].source.line, 14);
}

/// §10: a binary file holds a NUL on nearly every line; the first lines are reported
/// one by one and the rest in one diagnostic, so the list stays readable.
#[test]
fn nul_bytes_on_many_lines_are_summed_up() {
    let text = "a\0: b\n".repeat(MAX_NUL_LINES_REPORTED + 30);
    let topology = analyze_one(&text);
    let nul = with_code(&topology, "yaml-nul-byte");
    assert_eq!(nul.len(), MAX_NUL_LINES_REPORTED + 1);
    assert!(
        nul.iter().any(|d| d.message.starts_with("30 more lines")),
        "{nul:?}"
    );
}

// ---------------------------------------------------------------------------
// Duplicate keys (#12 item 18)
// ---------------------------------------------------------------------------

/// §10: the first of two equal keys silently won, where the API server refuses the
/// manifest. It is now an error at the second key; the later value is used.
/// §10.1 and `docs/diagnostics.md` (yaml-syntax): a tab used for indentation is
/// reported on the tab's own line, in its own document, although the scanner
/// trips on it while reading the line before; the document before it is read.
#[test]
fn a_tab_in_the_indentation_is_reported_at_the_tab() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\nspec:\n  ports: [{port: 80}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n\timage: nginx\n";
    let topology = analyze_one(text);
    let errors = with_code(&topology, "yaml-syntax");
    assert_eq!(errors.len(), 1, "{:?}", topology.diagnostics);
    assert!(
        errors[0].message.contains("found a tab"),
        "{}",
        errors[0].message
    );
    let source = &errors[0].source;
    assert_eq!(
        (
            source.file.as_str(),
            source.document,
            source.line,
            source.column
        ),
        ("in.yaml", 2, 17, 1)
    );
    assert_eq!(topology.services.len(), 1);
    // A tab after the text of a line is found there too.
    let topology = analyze_one(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  labels:\n    app: a\n\t  tier: x\n",
    );
    let errors = with_code(&topology, "yaml-syntax");
    assert_eq!(errors.len(), 1, "{:?}", topology.diagnostics);
    assert_eq!(
        (errors[0].source.line, errors[0].source.column),
        (7, 1),
        "{}",
        errors[0].message
    );
}

#[test]
fn duplicate_key_is_an_error_at_the_second_key() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: dev\n  namespace: prod\nspec:\n  ports: [{port: 80}]\n";
    let topology = analyze_one(text);
    let duplicates = with_code(&topology, "yaml-duplicate-key");
    assert_eq!(duplicates.len(), 1, "{:?}", topology.diagnostics);
    assert_eq!(duplicates[0].severity, Severity::Error);
    assert_eq!(
        (duplicates[0].source.line, duplicates[0].source.column),
        (6, 3)
    );
    assert!(
        duplicates[0].message.contains("\"namespace\"")
            && duplicates[0].message.contains("first on line 5"),
        "{}",
        duplicates[0].message
    );
    assert_eq!(topology.manifests.services[0].meta.namespace, "prod");
}

/// §10: maps past the linear-scan size are indexed; a duplicate is found there too,
/// in flow style and JSON alike.
#[test]
fn duplicate_key_in_a_large_map_is_found() {
    let labels: Vec<String> = (0..30).map(|i| format!("\"l{i}\": \"v\"")).collect();
    let text = format!(
        "{{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {{\"name\": \"web\", \"labels\": {{{}, \"l7\": \"again\"}}}}, \"spec\": {{\"ports\": [{{\"port\": 80}}]}}}}",
        labels.join(", ")
    );
    let topology = analyze_one(&text);
    assert_eq!(with_code(&topology, "yaml-duplicate-key").len(), 1);
    assert_eq!(
        topology.manifests.services[0]
            .meta
            .labels
            .get("l7")
            .map(String::as_str),
        Some("again")
    );
}

/// §10: a key that overrides one spliced in by a `<<` merge key is not a duplicate,
/// and two merges of the same key are not either: that is what merge keys are for.
#[test]
fn keys_overriding_merged_keys_are_not_duplicates() {
    let text = "base: &base {app: web, tier: front}\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    <<: *base\n    tier: back\nspec:\n  ports: [{port: 80}]\n";
    let topology = analyze_one(text);
    assert!(
        with_code(&topology, "yaml-duplicate-key").is_empty(),
        "{:?}",
        topology.diagnostics
    );
    let labels = &topology.manifests.services[0].meta.labels;
    assert_eq!(labels.get("tier").map(String::as_str), Some("back"));
    assert_eq!(labels.get("app").map(String::as_str), Some("web"));
}

// ---------------------------------------------------------------------------
// YAML 1.1, as Kubernetes reads it (#12 item 19)
// ---------------------------------------------------------------------------

/// §10: go-yaml v2's `resolve` (v2.4.0), which sigs.k8s.io/yaml uses, case by case.
/// Each row: text, the YAML 1.1 reading, the YAML 1.2 core reading.
#[test]
fn scalars_resolve_as_go_yaml_v2_resolves_them() {
    use ScalarReading::*;
    let table: &[(&str, ScalarReading, ScalarReading)] = &[
        // Integers: Go's ParseInt with base 0, after removing underscores.
        ("80", Int(80), Int(80)),
        ("0120", Int(80), Int(120)),
        ("-0120", Int(-80), Int(-120)),
        ("0", Int(0), Int(0)),
        ("+80", Int(80), Int(80)),
        ("0x50", Int(80), Int(80)),
        ("0X50", Int(80), Str),
        ("-0x50", Int(-80), Str),
        ("0o120", Int(80), Int(80)),
        ("0O120", Int(80), Str),
        ("0b1010000", Int(80), Str),
        ("0B1010000", Int(80), Str),
        ("-0b1010000", Int(-80), Str),
        ("0b-1010000", Int(-80), Str),
        ("1_000", Int(1000), Str),
        ("0x", Str, Str),
        ("0x-5", Str, Str),
        ("08", Float(8.0), Int(8)),
        ("9223372036854775807", Int(i64::MAX), Int(i64::MAX)),
        ("-9223372036854775808", Int(i64::MIN), Int(i64::MIN)),
        (
            "18446744073709551615",
            LargeInt(u64::MAX),
            Float(18446744073709551615.0),
        ),
        // Floats.
        ("80.0", Float(80.0), Float(80.0)),
        ("1e3", Float(1000.0), Float(1000.0)),
        (".5", Float(0.5), Float(0.5)),
        ("1_000.5", Float(1000.5), Str),
        // Booleans: YAML 1.1 has many more spellings.
        ("true", Bool(true), Bool(true)),
        ("False", Bool(false), Bool(false)),
        ("yes", Bool(true), Str),
        ("Yes", Bool(true), Str),
        ("YES", Bool(true), Str),
        ("y", Bool(true), Str),
        ("Y", Bool(true), Str),
        ("on", Bool(true), Str),
        ("ON", Bool(true), Str),
        ("no", Bool(false), Str),
        ("N", Bool(false), Str),
        ("off", Bool(false), Str),
        ("Off", Bool(false), Str),
        // Not in go-yaml v2's table, so strings in both.
        ("yEs", Str, Str),
        ("oN", Str, Str),
        ("nO", Str, Str),
        // Null and strings.
        ("~", Null, Null),
        ("null", Null, Null),
        ("2001-12-14", Str, Str),
        ("web", Str, Str),
    ];
    for (text, yaml_1_1, yaml_1_2) in table {
        assert_eq!(
            resolve_yaml_1_1(text),
            *yaml_1_1,
            "YAML 1.1 reading of {text:?}"
        );
        assert_eq!(
            resolve_yaml_1_2_core(text),
            *yaml_1_2,
            "YAML 1.2 reading of {text:?}"
        );
    }
}

/// §10: `port: 0120` is octal 80 to Kubernetes; kubetopo read 120. It now reads 80,
/// and warns that a YAML 1.2 tool would read 120. A quoted "0120" stays a string,
/// and a plain `80` gets no warning.
#[test]
fn leading_zero_port_is_octal_as_kubernetes_reads_it() {
    let text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports:\n  - {port: 0120, targetPort: 0x1F90}\n  - {name: b, port: 81, targetPort: \"0120\"}\n";
    let topology = analyze_one(text);
    let ports = &topology.manifests.services[0].spec.ports;
    assert_eq!(ports[0].port, 80);
    assert_eq!(ports[0].target_port, PortRef::Number(8080));
    assert_eq!(ports[1].port, 81);
    assert_eq!(ports[1].target_port, PortRef::Name("0120".to_string()));
    let warnings = with_code(&topology, "yaml11-scalar");
    assert_eq!(warnings.len(), 1, "{:?}", topology.diagnostics);
    assert_eq!(warnings[0].severity, Severity::Warning);
    assert_eq!(warnings[0].field, "spec.ports[0].port");
    assert_eq!(
        (warnings[0].source.line, warnings[0].source.column),
        (7, 12)
    );
    assert!(
        warnings[0].message.contains("the integer 80")
            && warnings[0].message.contains("the integer 120"),
        "{}",
        warnings[0].message
    );
}

/// §10: `yes`, `on`, `y` and their go-yaml v2 spellings are booleans in boolean
/// fields, as Kubernetes reads them; kubetopo reported them as the wrong type.
#[test]
fn yes_no_on_off_are_booleans_where_a_boolean_is_expected() {
    for (text, expected) in [
        ("yes", true),
        ("On", true),
        ("Y", true),
        ("no", false),
        ("OFF", false),
        ("n", false),
    ] {
        let yaml = format!("apiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec:\n  publishNotReadyAddresses: {text}\n  selector: {{app: web}}\n  ports: [{{port: 80}}]\n");
        let topology = analyze_one(&yaml);
        assert_eq!(
            topology.manifests.services[0]
                .spec
                .publish_not_ready_addresses,
            expected,
            "{text}"
        );
        assert!(
            with_code(&topology, "field-type").is_empty(),
            "{text}: {:?}",
            topology.diagnostics
        );
        let warnings = with_code(&topology, "yaml11-scalar");
        assert_eq!(warnings.len(), 1, "{text}: {:?}", topology.diagnostics);
        assert_eq!(warnings[0].field, "spec.publishNotReadyAddresses");
    }
}

/// §10: a string field written `yes` is the boolean true to Kubernetes, which then
/// refuses it as a string; the label keeps its text in kubetopo, with a warning
/// that says to quote it.
#[test]
fn yes_in_a_label_value_is_flagged_as_a_boolean_to_kubernetes() {
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels: {enabled: yes, quoted: \"yes\", plain: web}\nspec:\n  ports: [{port: 80}]\n";
    let topology = analyze_one(text);
    let labels = &topology.manifests.services[0].meta.labels;
    assert_eq!(labels.get("enabled").map(String::as_str), Some("yes"));
    let warnings = with_code(&topology, "yaml11-scalar");
    assert_eq!(warnings.len(), 1, "{:?}", topology.diagnostics);
    assert_eq!(warnings[0].field, "metadata.labels.enabled");
    assert!(
        warnings[0].message.contains("\"yes\""),
        "{}",
        warnings[0].message
    );
}

/// §10: floats with no fraction are integers once sigs.k8s.io/yaml writes them as
/// JSON, so `replicas: 3.0` is 3 to the API server; a fraction is still refused.
#[test]
fn whole_floats_are_integers_as_the_api_server_reads_them() {
    for (text, replicas) in [
        ("3.0", Some(3)),
        ("3e0", Some(3)),
        ("08", Some(8)),
        ("2.5", None),
    ] {
        let yaml = format!("apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  replicas: {text}\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web}}]}}\n");
        let topology = analyze_one(&yaml);
        match replicas {
            Some(n) => {
                assert_eq!(topology.manifests.workloads[0].replicas, n, "{text}");
                assert!(with_code(&topology, "field-type").is_empty(), "{text}");
            }
            None => assert_eq!(with_code(&topology, "field-type").len(), 1, "{text}"),
        }
    }
}
